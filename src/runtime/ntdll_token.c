/* SPDX-License-Identifier: MIT */
/* ntdll_token.c - access tokens, the NT calls under advapi32's: NtOpenProcessToken(Ex),
 * NtOpenThreadToken(Ex), NtDuplicateToken, and the token object they hand out
 * (NtQueryInformationToken: ntdll_tokinfo.c; NtAdjustPrivilegesToken: ntdll_tokpriv.c).
 *
 * The process has one primary token, made at its first open: every NtOpenProcessToken is a
 * new handle to that one object, as on Windows, so privileges enabled through one handle are
 * enabled through all of them and through GetCurrentProcessToken().  NtDuplicateToken makes a
 * new object with a copy of the state.  Who the token says the process is comes from the
 * effective uid (docs/semantics.md, "Tokens").  No thread ever impersonates (winvm has no
 * SetThreadToken), so NtOpenThreadToken on a good thread handle is STATUS_NO_TOKEN. */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/token_int.h"

#include <stdlib.h>
#include <unistd.h>
#include "nt/nt.h"

static struct wv_token *wv_proc_token; /* the primary token, one reference held for good */

static void wv_token_destroy(struct wv_object *o) { free(o); }

/* A token LUID: unique in the process (Windows' are unique in the system; nothing here
 * compares them across processes). */
LUID wv_token_new_luid(void)
{
    static uint64_t next = 0x10000;
    uint64_t v = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
    return (LUID){(DWORD)v, (LONG)(v >> 32)};
}

static struct wv_token *wv_token_alloc(void)
{
    struct wv_token *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->obj.kind = WV_KIND_TOKEN, t->obj.refs = 1, t->obj.destroy = wv_token_destroy;
    t->id = wv_token_new_luid();
    return t;
}

/* The process's token, with a new reference; NULL when out of memory. */
static struct wv_token *wv_token_primary(void)
{
    struct wv_token *t = __atomic_load_n(&wv_proc_token, __ATOMIC_ACQUIRE);
    if (!t) {
        struct wv_token *n = wv_token_alloc();
        if (!n)
            return NULL;
        n->uid = (DWORD)geteuid(), n->type = TokenPrimary, n->level = SecurityAnonymous;
        wv_token_privileges_init(n);
        n->modified = n->id;
        if (!__atomic_compare_exchange_n(&wv_proc_token, &t, n, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            free(n); /* another thread made it first: t is that one */
        else
            t = n;
    }
    wv_object_ref(&t->obj);
    return t;
}

struct wv_token *wv_token_get(HANDLE h, DWORD *access, NTSTATUS *st)
{
    if (h == WV_CURRENT_PROCESS_TOKEN || h == WV_CURRENT_THREAD_EFFECTIVE_TOKEN) {
        *access = TOKEN_QUERY | TOKEN_QUERY_SOURCE; /* what the pseudo handles grant */
        struct wv_token *t = wv_token_primary();
        *st = t ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
        return t;
    }
    if (h == WV_CURRENT_THREAD_TOKEN) { /* the thread's impersonation token: there is none */
        *st = STATUS_NO_TOKEN;
        return NULL;
    }
    struct wv_object *o = wv_handle_get(h, WV_KIND_TOKEN, access);
    *st = o ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
    return (struct wv_token *)o;
}

/* A handle to t for access (generic rights mapped) into *out, with OBJ_INHERIT from attrs. */
static NTSTATUS wv_token_handle(struct wv_token *t, DWORD access, ULONG attrs, PHANDLE out)
{
    HANDLE h = wv_handle_new(&t->obj, wv_ob_rights(WV_KIND_TOKEN, access));
    if (!h)
        return STATUS_TOO_MANY_OPENED_FILES;
    if (attrs & OBJ_INHERIT)
        wv_handle_flags(h, 1 /* HANDLE_FLAG_INHERIT */, 1, NULL);
    wv_nt_out(out, &h, sizeof(h));
    return STATUS_SUCCESS;
}

/* The rights a process or thread handle grants (the pseudo handles: all), or 0 and *st. */
static DWORD wv_target_rights(HANDLE h, bool thread, NTSTATUS *st)
{
    static const int kinds[2][3] = {{WV_KIND_PROCESS, WV_KIND_PROCESS, WV_KIND_PROCESS},
                                    {WV_KIND_THREAD, WV_KIND_PROCESS_THREAD, WV_KIND_REMOTE_THREAD}};
    *st = STATUS_SUCCESS;
    if (h == (thread ? WV_CURRENT_THREAD : WV_CURRENT_PROCESS))
        return 0x1FFFFF; /* PROCESS_ALL_ACCESS, THREAD_ALL_ACCESS */
    for (int i = 0; i < 3; i++) {
        DWORD have = 0;
        struct wv_object *o = wv_handle_get(h, kinds[thread][i], &have);
        if (o) {
            wv_object_unref(o);
            return have;
        }
    }
    *st = STATUS_INVALID_HANDLE;
    return 0;
}

NTSTATUS NTAPI NtOpenProcessTokenEx(HANDLE process, ACCESS_MASK access, ULONG attrs, PHANDLE out)
{
    if (wv_nt_probe_out(out, sizeof(*out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    HANDLE none = NULL;
    wv_nt_out(out, &none, sizeof(none));
    NTSTATUS st;
    /* every process of the user runs as this uid (the process channel's rule), so another
     * process's token says what this one's does */
    DWORD have = wv_target_rights(process, false, &st);
    if (st)
        return st;
    if (!(have & (PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION)))
        return STATUS_ACCESS_DENIED;
    struct wv_token *t = wv_token_primary();
    if (!t)
        return (NTSTATUS)STATUS_NO_MEMORY;
    st = wv_token_handle(t, access, attrs, out);
    wv_object_unref(&t->obj);
    return st;
}

NTSTATUS NTAPI NtOpenProcessToken(HANDLE process, ACCESS_MASK access, PHANDLE out)
{
    return NtOpenProcessTokenEx(process, access, 0, out);
}

NTSTATUS NTAPI NtOpenThreadTokenEx(HANDLE thread, ACCESS_MASK access, BOOLEAN self, ULONG attrs, PHANDLE out)
{
    (void)access, (void)self, (void)attrs;
    if (wv_nt_probe_out(out, sizeof(*out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    HANDLE none = NULL;
    wv_nt_out(out, &none, sizeof(none));
    NTSTATUS st;
    DWORD have = wv_target_rights(thread, true, &st);
    if (st)
        return st;
    if (!(have & (THREAD_QUERY_INFORMATION | THREAD_QUERY_LIMITED_INFORMATION)))
        return STATUS_ACCESS_DENIED;
    return STATUS_NO_TOKEN;
}

NTSTATUS NTAPI NtOpenThreadToken(HANDLE thread, ACCESS_MASK access, BOOLEAN self, PHANDLE out)
{
    return NtOpenThreadTokenEx(thread, access, self, 0, out);
}

/* The impersonation level and attributes NtDuplicateToken was given: 0 or the status. */
static NTSTATUS wv_dup_attrs(POBJECT_ATTRIBUTES oa, DWORD *level, ULONG *attrs)
{
    *level = SecurityAnonymous, *attrs = 0;
    if (!oa)
        return STATUS_SUCCESS;
    OBJECT_ATTRIBUTES a;
    SECURITY_QUALITY_OF_SERVICE q;
    if (wv_copy(&a, oa, sizeof(a)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    *attrs = a.Attributes;
    if (!a.SecurityQualityOfService)
        return STATUS_SUCCESS;
    if (wv_copy(&q, a.SecurityQualityOfService, sizeof(q)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if ((DWORD)q.ImpersonationLevel > SecurityDelegation)
        return STATUS_BAD_IMPERSONATION_LEVEL;
    *level = (DWORD)q.ImpersonationLevel;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtDuplicateToken(HANDLE src, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, BOOLEAN effective_only,
                                TOKEN_TYPE type, PHANDLE out)
{
    if (wv_nt_probe_out(out, sizeof(*out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    HANDLE none = NULL;
    wv_nt_out(out, &none, sizeof(none));
    DWORD level, have;
    ULONG attrs;
    NTSTATUS st = wv_dup_attrs(oa, &level, &attrs);
    if (st)
        return st;
    if (type != TokenPrimary && type != TokenImpersonation)
        return STATUS_INVALID_PARAMETER;
    struct wv_token *s = wv_token_get(src, &have, &st);
    if (!s)
        return st;
    struct wv_token *t = NULL;
    if (!(have & TOKEN_DUPLICATE))
        st = STATUS_ACCESS_DENIED;
    /* an impersonation token gives no more than its own level, to either kind of copy */
    else if (s->type == TokenImpersonation &&
             (type == TokenPrimary ? s->level < SecurityImpersonation : level > s->level))
        st = STATUS_BAD_IMPERSONATION_LEVEL;
    else if (!(t = wv_token_alloc()))
        st = (NTSTATUS)STATUS_NO_MEMORY;
    if (t) {
        t->uid = s->uid, t->type = (DWORD)type, t->level = type == TokenImpersonation ? level : SecurityAnonymous;
        uint64_t held = __atomic_load_n(&s->held, __ATOMIC_ACQUIRE);
        uint64_t on = __atomic_load_n(&s->enabled, __ATOMIC_ACQUIRE);
        t->held = effective_only ? held & on : held, t->enabled = on & t->held;
        t->modified = s->modified;
        st = wv_token_handle(t, access ? access : have, attrs, out);
        wv_object_unref(&t->obj);
    }
    wv_object_unref(&s->obj);
    return st;
}
