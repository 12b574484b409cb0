/* SPDX-License-Identifier: MIT */
/* ntdll_regval.c - ntdll's value calls: NtSetValueKey, NtQueryValueKey, NtEnumerateValueKey,
 * NtDeleteValueKey, over the values advapi32's Reg*Value* calls keep (reg_tree.c): data is
 * stored as given, so what NtSetValueKey writes RegQueryValueExW reads byte for byte, and the
 * reverse.  Facts: Wine's ntdll/tests/reg.c as run on Windows. */
#define _GNU_SOURCE
#include "runtime/ntdll_reg.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Windows' longest value name, in UTF-16 units. */
#define WV_VALUE_NAME_MAX 16383

/* A caller's value name (NULL or empty: the default value) as malloc'ed UTF-8 (WTF-8). */
static NTSTATUS wv_value_name(const UNICODE_STRING *name, char **out)
{
    UNICODE_STRING u = {0};
    if (name && wv_copy(&u, name, sizeof(u)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (u.Length & 1)
        return STATUS_INVALID_PARAMETER;
    size_t n = u.Length / 2, len = 0;
    WCHAR *w = malloc(u.Length + 2u);
    char *s = malloc(3 * n + 1);
    NTSTATUS st = !w || !s ? (NTSTATUS)STATUS_NO_MEMORY : STATUS_SUCCESS;
    if (!st && n && wv_copy(w, u.Buffer, u.Length))
        st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (!st)
        len = wv_nt_reg_utf8(w, n, s);
    free(w);
    if (st)
        return free(s), st;
    (void)len;
    *out = s;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtSetValueKey(HANDLE h, PUNICODE_STRING name, ULONG title, ULONG type, PVOID data, ULONG size)
{
    (void)title; /* not kept (Windows ignores it too) */
    char *n;
    NTSTATUS st = wv_value_name(name, &n);
    if (st)
        return st;
    if (wv_nt_reg_utf16(n, NULL, 0) > WV_VALUE_NAME_MAX) /* one that long can only be missing */
        return free(n), STATUS_INVALID_PARAMETER;
    BYTE *copy = malloc(size ? size : 1);
    if (!copy)
        return free(n), (NTSTATUS)STATUS_NO_MEMORY;
    if (size && wv_copy(copy, data, size)) /* read before anything changes */
        return free(n), free(copy), (NTSTATUS)STATUS_ACCESS_VIOLATION;
    struct wv_reg r;
    struct wv_rkey *k;
    if (!(st = wv_nt_key_at(h, KEY_SET_VALUE, true, &r, &k))) {
        st = wv_nt_key_status(wv_reg_set(&r, k, n, type, copy, size));
        DWORD end = wv_reg_end(&r);
        st = st ? st : wv_nt_key_status(end);
    }
    free(n), free(copy);
    return st;
}

NTSTATUS NTAPI NtDeleteValueKey(HANDLE h, PUNICODE_STRING name)
{
    char *n;
    NTSTATUS st = wv_value_name(name, &n);
    if (st)
        return st;
    struct wv_reg r;
    struct wv_rkey *k;
    if (!(st = wv_nt_key_at(h, KEY_SET_VALUE, true, &r, &k))) {
        st = wv_reg_unset(&r, k, n) ? STATUS_SUCCESS : STATUS_OBJECT_NAME_NOT_FOUND;
        DWORD end = wv_reg_end(&r);
        st = st ? st : wv_nt_key_status(end);
    }
    free(n);
    return st;
}

/* Value v's answer of class cls: the fixed part in head, the name and/or data in var. */
static NTSTATUS wv_value_info(ULONG cls, const struct wv_rval *v, BYTE *head, ULONG *fixed, BYTE **var, ULONG *vlen)
{
    size_t n = wv_nt_reg_utf16(v->name, NULL, 0);
    ULONG nb = (ULONG)n * 2, off;
    if (cls > KeyValuePartialInformation)
        return STATUS_INVALID_PARAMETER;
    *vlen = (cls != KeyValuePartialInformation ? nb : 0) + (cls != KeyValueBasicInformation ? v->len : 0);
    if (!(*var = malloc(*vlen ? *vlen : 1)))
        return (NTSTATUS)STATUS_NO_MEMORY;
    if (cls != KeyValuePartialInformation)
        wv_nt_reg_utf16(v->name, (WCHAR *)*var, n);
    if (cls == KeyValueBasicInformation) {
        KEY_VALUE_BASIC_INFORMATION b = {0, v->type, nb, {0}};
        *fixed = offsetof(KEY_VALUE_BASIC_INFORMATION, Name);
        memcpy(head, &b, *fixed);
    } else if (cls == KeyValueFullInformation) {
        off = (ULONG)offsetof(KEY_VALUE_FULL_INFORMATION, Name) + nb;
        KEY_VALUE_FULL_INFORMATION b = {0, v->type, off, v->len, nb, {0}};
        *fixed = offsetof(KEY_VALUE_FULL_INFORMATION, Name);
        memcpy(head, &b, *fixed);
        memcpy(*var + nb, v->data, v->len);
    } else {
        KEY_VALUE_PARTIAL_INFORMATION b = {0, v->type, v->len, {0}};
        *fixed = offsetof(KEY_VALUE_PARTIAL_INFORMATION, Data);
        memcpy(head, &b, *fixed);
        memcpy(*var, v->data, v->len);
    }
    return STATUS_SUCCESS;
}

/* NtQueryValueKey (name) and NtEnumerateValueKey (the index-th value). */
static NTSTATUS wv_value_query(HANDLE h, const char *name, ULONG index, ULONG cls, PVOID out, ULONG len, PULONG ret)
{
    struct wv_reg r;
    struct wv_rkey *k;
    NTSTATUS st = wv_nt_key_at(h, KEY_QUERY_VALUE, false, &r, &k);
    if (st)
        return st;
    const struct wv_rval *v = name ? wv_reg_val(k, name) : k->vals;
    for (ULONG i = 0; !name && v && i < index; i++)
        v = v->next;
    BYTE head[32], *var = NULL;
    ULONG fixed = 0, vlen = 0;
    st = v ? wv_value_info(cls, v, head, &fixed, &var, &vlen) : name ? STATUS_OBJECT_NAME_NOT_FOUND
                                                                    : STATUS_NO_MORE_ENTRIES;
    wv_reg_end(&r);
    if (!st)
        st = wv_nt_key_answer(out, len, ret, head, fixed, var, vlen);
    free(var);
    return st;
}

/* The output parameters probed and the class checked, as Windows does first. */
static NTSTATUS wv_value_args(ULONG cls, PVOID out, ULONG len, PULONG ret)
{
    if ((out && wv_nt_probe_out(out, len)) || (!out && len) || (ret && wv_nt_probe_out(ret, sizeof(*ret))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    return cls > KeyValuePartialInformation ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
}

NTSTATUS NTAPI NtQueryValueKey(HANDLE h, PUNICODE_STRING name, KEY_VALUE_INFORMATION_CLASS cls, PVOID out, ULONG len,
                               PULONG ret)
{
    char *n;
    NTSTATUS st = wv_value_args(cls, out, len, ret);
    if (st || (st = wv_value_name(name, &n)))
        return st;
    st = wv_value_query(h, n, 0, cls, out, len, ret);
    free(n);
    return st;
}

NTSTATUS NTAPI NtEnumerateValueKey(HANDLE h, ULONG index, KEY_VALUE_INFORMATION_CLASS cls, PVOID out, ULONG len,
                                   PULONG ret)
{
    NTSTATUS st = wv_value_args(cls, out, len, ret);
    return st ? st : wv_value_query(h, NULL, index, cls, out, len, ret);
}
