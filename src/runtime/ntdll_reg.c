/* SPDX-License-Identifier: MIT */
/* ntdll_reg.c - ntdll's key calls: NtCreateKey, NtOpenKey(Ex), NtDeleteKey, NtFlushKey,
 * NtQueryKey, NtEnumerateKey, RtlOpenCurrentUser, RtlFormatCurrentUserKeyPath.  The keys are
 * advapi32's (reg_key.c makes and resolves the handles of both), so a key made here is the one
 * RegOpenKeyEx opens.  Facts: Wine's ntdll/tests/reg.c and om.c as run on Windows. */
#define _GNU_SOURCE
#include "runtime/ntdll_reg.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define WV_DELETE 0x00010000u
#define WV_REG_OPTIONS 0xFu /* REG_OPTION_VOLATILE, _CREATE_LINK, _BACKUP_RESTORE, _OPEN_LINK */

NTSTATUS wv_nt_key_at(HANDLE h, DWORD need, bool write, struct wv_reg *r, struct wv_rkey **out)
{
    int root;
    char *path;
    DWORD access;
    NTSTATUS st = wv_nt_key_of(h, &root, &path, &access);
    if (st)
        return st;
    if ((access & need) != need)
        return free(path), STATUS_ACCESS_DENIED;
    free(path);
    DWORD err = wv_key_at(h, need, write, r, out);
    return err ? wv_nt_key_status(err) : STATUS_SUCCESS;
}

NTSTATUS wv_nt_key_answer(void *out, ULONG len, ULONG *ret, const void *head, ULONG fixed, const void *var,
                          ULONG vlen)
{
    ULONG total = fixed + vlen;
    if (ret)
        wv_nt_out(ret, &total, sizeof(total));
    if (len < fixed)
        return STATUS_BUFFER_TOO_SMALL;
    wv_nt_out_copy(out, head, fixed);
    ULONG n = len - fixed < vlen ? len - fixed : vlen;
    if (n)
        wv_nt_out_copy((BYTE *)out + fixed, var, n);
    return n < vlen ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* NtCreateKey's and NtOpenKeyEx's common part: the handle in *out (zeroed first, as Windows). */
static NTSTATUS wv_key_make(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, int how, PULONG disp)
{
    HANDLE none = NULL;
    if (!out || wv_nt_probe_out(out, sizeof(*out)) || (disp && wv_nt_probe_out(disp, sizeof(*disp))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    wv_nt_out(out, &none, sizeof(none));
    int root;
    char *path;
    NTSTATUS st = wv_nt_key_oa(oa, &root, &path);
    if (st)
        return st;
    if (how == WV_KEY_OPEN && !access)
        return free(path), STATUS_ACCESS_DENIED;
    DWORD want = wv_key_rights(access, root);
    bool made;
    DWORD err = wv_key_open_at(root, path, want, how, &made);
    HANDLE h;
    if (err)
        return free(path), wv_nt_key_status(err);
    if ((err = wv_key_handle(root, path, want, &h))) /* it took path */
        return wv_nt_key_status(err);
    wv_nt_out(out, &h, sizeof(h));
    ULONG d = made ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY;
    if (disp)
        wv_nt_out(disp, &d, sizeof(d));
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtCreateKey(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, ULONG title, PUNICODE_STRING cls,
                           ULONG options, PULONG disp)
{
    (void)title, (void)cls; /* neither is kept: keys have no class (RegQueryInfoKey's is "") */
    if (options & ~WV_REG_OPTIONS)
        return STATUS_INVALID_PARAMETER;
    return wv_key_make(out, access, oa, WV_KEY_CREATE_LAST, disp);
}

NTSTATUS NTAPI NtOpenKeyEx(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, ULONG options)
{
    if (options & ~WV_REG_OPTIONS)
        return STATUS_INVALID_PARAMETER;
    return wv_key_make(out, access, oa, WV_KEY_OPEN, NULL);
}

NTSTATUS NTAPI NtOpenKey(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    return wv_key_make(out, access, oa, WV_KEY_OPEN, NULL);
}

NTSTATUS NTAPI NtDeleteKey(HANDLE h)
{
    int root;
    char *path;
    DWORD access;
    NTSTATUS st = wv_nt_key_of(h, &root, &path, &access);
    if (st)
        return st;
    if (!(access & WV_DELETE) || !*path || root == WV_REG_TOP || !wv_root_writable(root))
        return free(path), STATUS_ACCESS_DENIED; /* a hive's top is never deleted */
    struct wv_reg r;
    DWORD err = wv_reg_begin(&r, true);
    if (err)
        return free(path), wv_nt_key_status(err);
    struct wv_rkey *k = wv_reg_find(&r, root, path, false, NULL);
    st = !k ? STATUS_SUCCESS /* deleted already: Windows answers success */ : k->kids ? STATUS_CANNOT_DELETE : wv_nt_key_status(wv_reg_remove(&r, root, path));
    free(path);
    err = wv_reg_end(&r);
    return st ? st : wv_nt_key_status(err);
}

/* Every change reached the disk (fsync, rename) before its call returned. */
NTSTATUS NTAPI NtFlushKey(HANDLE h)
{
    int root;
    char *path;
    NTSTATUS st = wv_nt_key_of(h, &root, &path, NULL);
    free(st ? NULL : path);
    return st;
}

/* ---- NtQueryKey, NtEnumerateKey ---- */

/* name (UTF-8) as UTF-16 into out (cap units): its length in bytes. */
static ULONG wv_wname(const char *name, WCHAR *out, size_t cap)
{
    return (ULONG)(wv_nt_reg_utf16(name, out, cap) * sizeof(WCHAR));
}

/* k's counts and longest lengths (bytes of UTF-16): subkeys, longest name, values, longest
 * value name, longest data. */
static void wv_key_counts(const struct wv_rkey *k, ULONG c[5])
{
    memset(c, 0, 5 * sizeof(ULONG));
    for (const struct wv_rkey *s = k->kids; s; s = s->next) {
        ULONG n = wv_wname(s->name, NULL, 0);
        c[0]++, c[1] = n > c[1] ? n : c[1];
    }
    for (const struct wv_rval *v = k->vals; v; v = v->next) {
        ULONG n = wv_wname(v->name, NULL, 0);
        c[2]++, c[3] = n > c[3] ? n : c[3], c[4] = v->len > c[4] ? v->len : c[4];
    }
}

/* The answer of class cls about key k, whose name (the last component; KeyNameInformation:
 * the full one) is name: head and var as wv_nt_key_answer takes them.  var is 32767 units. */
static NTSTATUS wv_key_info(ULONG cls, const struct wv_rkey *k, WCHAR *var, ULONG vn, BYTE *head, ULONG *fixed,
                            ULONG *vlen)
{
    LARGE_INTEGER t = {.QuadPart = (LONGLONG)((uint64_t)k->written.dwHighDateTime << 32 | k->written.dwLowDateTime)};
    ULONG c[5];
    *vlen = vn;
    switch (cls) {
    case KeyBasicInformation: {
        KEY_BASIC_INFORMATION b = {t, 0, vn, {0}};
        *fixed = offsetof(KEY_BASIC_INFORMATION, Name);
        memcpy(head, &b, *fixed);
        return STATUS_SUCCESS;
    }
    case KeyNodeInformation: {
        KEY_NODE_INFORMATION b = {t, 0, ~0u, 0, vn, {0}}; /* no class: its offset is -1 */
        *fixed = offsetof(KEY_NODE_INFORMATION, Name);
        memcpy(head, &b, *fixed);
        return STATUS_SUCCESS;
    }
    case KeyFullInformation: {
        wv_key_counts(k, c);
        KEY_FULL_INFORMATION b = {t, 0, ~0u, 0, c[0], c[1], 0, c[2], c[3], c[4], {0}};
        *fixed = offsetof(KEY_FULL_INFORMATION, Class), *vlen = 0;
        memcpy(head, &b, *fixed);
        return STATUS_SUCCESS;
    }
    case KeyNameInformation: {
        KEY_NAME_INFORMATION b = {vn, {0}};
        *fixed = offsetof(KEY_NAME_INFORMATION, Name);
        memcpy(head, &b, *fixed);
        return STATUS_SUCCESS;
    }
    case 4: { /* KeyCachedInformation: the counts and the name's length, no name */
        wv_key_counts(k, c);
        struct { LARGE_INTEGER t; ULONG title, subkeys, maxname, values, maxvname, maxdata, namelen; } b = {
            t, 0, c[0], c[1], c[2], c[3], c[4], vn};
        *fixed = sizeof(b), *vlen = 0;
        memcpy(head, &b, *fixed);
        return STATUS_SUCCESS;
    }
    default:
        return STATUS_INVALID_PARAMETER;
    }
}

/* NtQueryKey (index < 0: the key itself) and NtEnumerateKey (its index-th subkey). */
static NTSTATUS wv_key_query(HANDLE h, LONG index, ULONG cls, PVOID out, ULONG len, PULONG ret)
{
    if ((out && wv_nt_probe_out(out, len)) || (ret && wv_nt_probe_out(ret, sizeof(*ret))) || (!out && len))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (cls > 4 || (index >= 0 && (cls == KeyNameInformation || cls == 4)))
        return STATUS_INVALID_PARAMETER;
    int root;
    char *path;
    NTSTATUS st = wv_nt_key_of(h, &root, &path, NULL);
    if (st)
        return st;
    WCHAR *var = malloc(32768 * sizeof(WCHAR));
    DWORD need = index >= 0 ? KEY_ENUMERATE_SUB_KEYS : cls == KeyNameInformation ? 0 : KEY_QUERY_VALUE;
    struct wv_reg r;
    struct wv_rkey *k = NULL;
    if (!var)
        st = (NTSTATUS)STATUS_NO_MEMORY;
    else if (!(st = wv_nt_key_at(h, need, false, &r, &k))) {
        const struct wv_rkey *at = k;
        for (LONG i = 0; index >= 0 && at && i <= index; i++)
            at = i ? at->next : k->kids;
        const char *last = strrchr(path, '\\');
        ULONG vn = !at ? 0
                 : index >= 0 ? wv_wname(at->name, var, 32767)
                 : cls == KeyNameInformation ? (ULONG)wv_nt_key_name(root, path, var, 32767) * 2
                 : wv_wname(last ? last + 1 : path, var, 32767);
        BYTE head[64];
        ULONG fixed = 0, vlen = 0;
        st = !at ? STATUS_NO_MORE_ENTRIES : wv_key_info(cls, at, var, vn, head, &fixed, &vlen);
        wv_reg_end(&r);
        if (!st)
            st = wv_nt_key_answer(out, len, ret, head, fixed, var, vlen);
    }
    free(var);
    free(path);
    return st;
}

NTSTATUS NTAPI NtQueryKey(HANDLE h, KEY_INFORMATION_CLASS cls, PVOID out, ULONG len, PULONG ret)
{
    return wv_key_query(h, -1, cls, out, len, ret);
}

NTSTATUS NTAPI NtEnumerateKey(HANDLE h, ULONG index, KEY_INFORMATION_CLASS cls, PVOID out, ULONG len, PULONG ret)
{
    return wv_key_query(h, index > 0x7FFFFFFF ? 0x7FFFFFFF : (LONG)index, cls, out, len, ret);
}

/* ---- the current user's key ---- */

NTSTATUS NTAPI RtlFormatCurrentUserKeyPath(PUNICODE_STRING path)
{
    WCHAR w[96];
    size_t n = wv_nt_key_name(1, "", w, 95);
    UNICODE_STRING u = {(USHORT)(n * 2), (USHORT)(n * 2 + 2), NULL};
    if (!path || wv_nt_probe_out(path, sizeof(*path)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (!(u.Buffer = HeapAlloc(GetProcessHeap(), 0, u.MaximumLength)))
        return (NTSTATUS)STATUS_NO_MEMORY;
    w[n] = 0;
    memcpy(u.Buffer, w, u.MaximumLength);
    wv_nt_out_copy(path, &u, sizeof(u));
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI RtlOpenCurrentUser(ACCESS_MASK access, PHANDLE out)
{
    HANDLE h, none = NULL;
    if (!out || wv_nt_probe_out(out, sizeof(*out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    wv_nt_out(out, &none, sizeof(none));
    char *path = strdup("");
    DWORD err = path ? wv_key_handle(1, path, wv_key_rights(access, 1), &h) : ERROR_NOT_ENOUGH_MEMORY;
    if (err)
        return wv_nt_key_status(err);
    wv_nt_out(out, &h, sizeof(h));
    return STATUS_SUCCESS;
}
