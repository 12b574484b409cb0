/* SPDX-License-Identifier: MIT */
/* advapi32_token.c - the token calls programs use to ask who they are: OpenProcessToken,
 * OpenThreadToken, GetTokenInformation (TokenUser, TokenElevationType, TokenElevation), and the
 * SID helpers IsValidSid, GetLengthSid, ConvertSidToStringSidA/W.
 *
 * A token is a handle object (CloseHandle closes it) holding the effective uid at the time it
 * was opened.  The user's SID is S-1-5-21-0-0-0-<uid>: the NT authority's domain form with a
 * machine part of zeros and the uid as the relative id (docs/semantics.md, "Tokens").  Root
 * (uid 0) is an elevated administrator (TokenElevationTypeFull), every other user a standard
 * one (TokenElevationTypeDefault, not elevated).  No thread ever impersonates, so
 * OpenThreadToken is ERROR_NO_TOKEN, as on Windows for a thread without a token. */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ADV __attribute__((ms_abi))

struct wv_token {
    struct wv_object obj; /* WV_KIND_TOKEN */
    DWORD uid;
};

/* The SID, as Windows lays it out: revision, count, 6-byte authority (big-endian), RIDs. */
struct wv_sid {
    BYTE rev, count, auth[6];
    DWORD sub[15];
};

static void wv_token_destroy(struct wv_object *o) { free(o); }

static DWORD wv_open_token(HANDLE process, DWORD access, HANDLE *out)
{
    DWORD have = 0x1FFFFF; /* PROCESS_ALL_ACCESS: the pseudo handle's */
    if (process != WV_CURRENT_PROCESS) {
        struct wv_object *p = wv_handle_get(process, WV_KIND_PROCESS, &have);
        if (!p)
            return ERROR_INVALID_HANDLE;
        wv_object_unref(p); /* the user's processes all run as this uid (the channel's rule) */
    }
    if (!(have & (0x0400 | 0x1000))) /* PROCESS_QUERY_(LIMITED_)INFORMATION */
        return ERROR_ACCESS_DENIED;
    struct wv_token *t = calloc(1, sizeof(*t));
    if (!t)
        return ERROR_NOT_ENOUGH_MEMORY;
    t->obj.kind = WV_KIND_TOKEN, t->obj.refs = 1, t->obj.destroy = wv_token_destroy;
    t->uid = (DWORD)geteuid();
    HANDLE h = wv_handle_new(&t->obj, access);
    wv_object_unref(&t->obj);
    if (!h)
        return ERROR_TOO_MANY_OPEN_FILES;
    if (wv_user_put(out, &h, sizeof(h))) {
        wv_handle_close(h);
        return ERROR_NOACCESS;
    }
    return 0;
}

ADV BOOL wv_adv_OpenProcessToken(HANDLE process, DWORD access, HANDLE *out)
{
    DWORD err = wv_open_token(process, access, out);
    return err ? wv_fail(err) : TRUE;
}

ADV BOOL wv_adv_OpenThreadToken(HANDLE thread, DWORD access, BOOL self, HANDLE *out)
{
    (void)access, (void)self;
    DWORD have;
    struct wv_object *t = NULL;
    if (thread != WV_CURRENT_THREAD && !(t = wv_handle_get(thread, WV_KIND_THREAD, &have)) &&
        !(t = wv_handle_get(thread, WV_KIND_PROCESS_THREAD, &have)))
        return wv_fail(ERROR_INVALID_HANDLE);
    if (t)
        wv_object_unref(t);
    HANDLE none = NULL;
    if (out && wv_user_put(out, &none, sizeof(none)))
        return wv_fail(ERROR_NOACCESS);
    return wv_fail(ERROR_NO_TOKEN);
}

static DWORD wv_sid_of(DWORD uid, struct wv_sid *s)
{
    memset(s, 0, sizeof(*s));
    s->rev = 1, s->count = 5, s->auth[5] = 5; /* SECURITY_NT_AUTHORITY */
    s->sub[0] = 21, s->sub[4] = uid;
    return 8 + 4 * s->count;
}

/* The class's bytes into buf (at most 64): its length, or 0 for a class not kept. */
static DWORD wv_token_class(const struct wv_token *t, DWORD cls, BYTE *buf, uintptr_t at)
{
    DWORD v;
    switch (cls) {
    case 1: { /* TokenUser: a SID_AND_ATTRIBUTES, then the SID it points to */
        struct wv_sid s;
        DWORD n = wv_sid_of(t->uid, &s);
        uintptr_t sid = at + 16;
        memset(buf, 0, 16);
        memcpy(buf, &sid, 8);
        memcpy(buf + 16, &s, n);
        return 16 + n;
    }
    case 18: /* TokenElevationType: Full for root, Default (no split token) otherwise */
        v = t->uid == 0 ? 2 : 1;
        break;
    case 20: /* TokenElevation */
        v = t->uid == 0;
        break;
    default:
        return 0;
    }
    memcpy(buf, &v, 4);
    return 4;
}

static DWORD wv_token_info(HANDLE h, DWORD cls, void *buf, DWORD len, DWORD *ret)
{
    DWORD access;
    struct wv_token *t = (struct wv_token *)wv_handle_get(h, WV_KIND_TOKEN, &access);
    if (!t)
        return ERROR_INVALID_HANDLE;
    BYTE tmp[64];
    DWORD need = wv_token_class(t, cls, tmp, (uintptr_t)buf), err = 0;
    wv_object_unref(&t->obj);
    if (!(access & TOKEN_QUERY))
        return ERROR_ACCESS_DENIED;
    if (!need)
        return ERROR_INVALID_PARAMETER;
    if (!ret || wv_user_put(ret, &need, sizeof(need)))
        return ERROR_NOACCESS;
    if (len < need)
        err = cls == 1 ? ERROR_INSUFFICIENT_BUFFER : ERROR_BAD_LENGTH;
    else if (!buf || wv_user_put(buf, tmp, need))
        err = ERROR_NOACCESS;
    return err;
}

ADV BOOL wv_adv_GetTokenInformation(HANDLE h, DWORD cls, void *buf, DWORD len, DWORD *ret)
{
    DWORD err = wv_token_info(h, cls, buf, len, ret);
    return err ? wv_fail(err) : TRUE;
}

/* A copy of the caller's SID when it is one: its length, or 0. */
static DWORD wv_sid_get(const void *p, struct wv_sid *s)
{
    if (!p || wv_copy(s, p, 8) || s->rev != 1 || s->count > 15)
        return 0;
    DWORD n = 8 + 4 * s->count;
    return wv_copy(s, p, n) ? 0 : n;
}

ADV BOOL wv_adv_IsValidSid(void *sid)
{
    struct wv_sid s;
    return wv_sid_get(sid, &s) != 0;
}

/* Windows does not check the SID here; winvm answers 0 for what is none rather than crash. */
ADV DWORD wv_adv_GetLengthSid(void *sid)
{
    struct wv_sid s;
    return wv_sid_get(sid, &s);
}

/* "S-1-5-21-..." into a LocalAlloc'ed string the caller frees with LocalFree. */
static DWORD wv_sid_string(const void *sid, void **out, bool wide)
{
    struct wv_sid s;
    if (!sid || !out)
        return ERROR_INVALID_PARAMETER;
    if (!wv_sid_get(sid, &s))
        return ERROR_INVALID_SID;
    char text[200];
    uint64_t auth = 0;
    for (int i = 0; i < 6; i++)
        auth = auth << 8 | s.auth[i];
    int n = snprintf(text, sizeof(text), auth < (1ull << 32) ? "S-1-%llu" : "S-1-0x%llX", (unsigned long long)auth);
    for (int i = 0; i < s.count; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n, "-%u", (unsigned)s.sub[i]);
    size_t unit = wide ? 2 : 1;
    BYTE *mem = LocalAlloc(0, ((size_t)n + 1) * unit);
    if (!mem)
        return ERROR_NOT_ENOUGH_MEMORY;
    for (int i = 0; i <= n; i++) /* ASCII: each character widens to one unit */
        memcpy(mem + (size_t)i * unit, &(WCHAR){(WCHAR)text[i]}, unit);
    if (wv_user_put(out, &mem, sizeof(mem)))
        return LocalFree(mem), ERROR_NOACCESS;
    return 0;
}

ADV BOOL wv_adv_ConvertSidToStringSidA(void *sid, LPSTR *out)
{
    DWORD err = wv_sid_string(sid, (void **)out, false);
    return err ? wv_fail(err) : TRUE;
}

ADV BOOL wv_adv_ConvertSidToStringSidW(void *sid, LPWSTR *out)
{
    DWORD err = wv_sid_string(sid, (void **)out, true);
    return err ? wv_fail(err) : TRUE;
}
