/* SPDX-License-Identifier: MIT */
/* ntdll_rtlreg.c - the Rtl registry helpers over the Nt key calls' cores: RtlCheckRegistryKey,
 * RtlCreateRegistryKey, RtlWriteRegistryValue.  RelativeTo names a fixed key (RTL_REGISTRY_*)
 * the path is below, RTL_REGISTRY_HANDLE makes the path a key handle, and RTL_REGISTRY_OPTIONAL
 * changes nothing for these three.  Facts: Wine's ntdll/tests/reg.c as run on Windows. */
#define _GNU_SOURCE
#include "runtime/ntdll_reg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WV_RTL_HANDLE 0x40000000u
#define WV_RTL_OPTIONAL 0x80000000u

/* The key RelativeTo and path name, opened (how: WV_KEY_OPEN or WV_KEY_CREATE_LAST) with rights
 * want, into *h (closed by the caller; a RTL_REGISTRY_HANDLE's own handle is not). */
static NTSTATUS wv_rtl_key(ULONG rel, LPCWSTR path, DWORD want, int how, HANDLE *h, bool *own)
{
    static const char *const base[] = {
        "", "\\Registry\\Machine\\System\\CurrentControlSet\\Services",
        "\\Registry\\Machine\\System\\CurrentControlSet\\Control",
        "\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion",
        "\\Registry\\Machine\\Hardware\\DeviceMap", NULL /* the user's */};
    rel &= ~WV_RTL_OPTIONAL;
    *own = false;
    if (rel & WV_RTL_HANDLE) {
        *h = (HANDLE)path;
        return STATUS_SUCCESS;
    }
    if (rel > 5)
        return STATUS_INVALID_PARAMETER;
    WCHAR *w = malloc(65536);
    size_t n = 0;
    if (!w)
        return (NTSTATUS)STATUS_NO_MEMORY;
    if (rel == 5)
        n = wv_nt_key_name(1, "", w, 32767);
    for (const char *s = base[rel] ? base[rel] : ""; *s; s++)
        w[n++] = (WCHAR)*s;
    size_t len = 0;
    while (path && len < 32767 && !wv_copy(w + 32767, path + len, sizeof(WCHAR)) && w[32767])
        len++; /* the caller's string, read a unit at a time through the fault-safe copy */
    if (len && n)
        w[n++] = '\\';
    NTSTATUS st = n + len > 32766 ? STATUS_INVALID_PARAMETER
                  : len && wv_copy(w + n, path, len * sizeof(WCHAR)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : 0;
    UNICODE_STRING u = {(USHORT)((n + len) * 2), (USHORT)((n + len) * 2), w};
    OBJECT_ATTRIBUTES oa = {sizeof(oa), NULL, &u, OBJ_CASE_INSENSITIVE, NULL, NULL};
    int root;
    char *p = NULL;
    bool made;
    if (!st)
        st = wv_nt_key_oa(&oa, &root, &p);
    free(w);
    DWORD err = st ? 0 : wv_key_open_at(root, p, want, how, &made);
    if (st || err)
        return free(p), st ? st : wv_nt_key_status(err);
    err = wv_key_handle(root, p, want, h);
    *own = !err;
    return wv_nt_key_status(err);
}

static void wv_rtl_done(HANDLE h, bool own)
{
    if (own)
        wv_handle_close(h);
}

NTSTATUS NTAPI RtlCheckRegistryKey(ULONG rel, LPWSTR path)
{
    HANDLE h;
    bool own;
    NTSTATUS st = wv_rtl_key(rel, path, KEY_QUERY_VALUE, WV_KEY_OPEN, &h, &own);
    wv_rtl_done(h, own);
    return st;
}

NTSTATUS NTAPI RtlCreateRegistryKey(ULONG rel, LPWSTR path)
{
    HANDLE h;
    bool own;
    NTSTATUS st = wv_rtl_key(rel, path, KEY_ALL_ACCESS, WV_KEY_CREATE_LAST, &h, &own);
    wv_rtl_done(h, own);
    return st;
}

NTSTATUS NTAPI RtlWriteRegistryValue(ULONG rel, LPCWSTR path, LPCWSTR name, ULONG type, PVOID data, ULONG len)
{
    HANDLE h;
    bool own;
    size_t n = 0;
    WCHAR c = 0;
    bool bad = false;
    while (name && n < 16384 && !(bad = wv_copy(&c, name + n, sizeof(c)) != 0) && c)
        n++;
    if (bad)
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (c)
        return STATUS_INVALID_PARAMETER; /* longer than any value name */
    NTSTATUS st = wv_rtl_key(rel, path, KEY_SET_VALUE, WV_KEY_CREATE_LAST, &h, &own);
    if (st)
        return st;
    UNICODE_STRING u = {(USHORT)(n * 2), (USHORT)(n * 2), (LPWSTR)name};
    st = NtSetValueKey(h, &u, 0, type, data, len);
    wv_rtl_done(h, own);
    return st;
}
