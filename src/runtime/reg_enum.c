/* SPDX-License-Identifier: MIT */
/* reg_enum.c - walking a key from PE code: RegEnumKeyEx, RegEnumValue, RegQueryInfoKey (A and
 * W).  Subkeys and values come in the order they were created; past the last one is
 * ERROR_NO_MORE_ITEMS.  Lengths are in the form's characters (W: UTF-16 units, A: bytes of
 * UTF-8), without terminators, as Windows counts them.  Keys have no class: it is "". */
#define _GNU_SOURCE
#include "runtime/reg_value.h"

#include <stdlib.h>
#include <string.h>

static DWORD wv_name_len(const char *s, bool wide)
{
    size_t n = strlen(s);
    if (wide)
        wv_utf8_to_utf16(s, n, NULL, 0, WV_TEXT_REPLACE, &n);
    return (DWORD)n;
}

/* An empty class to the caller's buffer, when it asked for one. */
static DWORD wv_no_class(void *cls, DWORD *cap, bool wide)
{
    if (!cls && !cap)
        return 0;
    if (cls && !cap)
        return ERROR_INVALID_PARAMETER;
    return cls ? wv_reg_name_out("", cls, cap, wide) : wv_user_put(cap, &(DWORD){0}, sizeof(DWORD));
}

static DWORD wv_enum_key(HKEY h, DWORD i, void *name, DWORD *cap, DWORD *res, void *cls, DWORD *ccap, FILETIME *ft,
                         bool wide)
{
    if (res || !cap)
        return ERROR_INVALID_PARAMETER;
    struct wv_reg r;
    struct wv_rkey *k;
    DWORD err = wv_key_at(h, KEY_ENUMERATE_SUB_KEYS, false, &r, &k);
    if (err)
        return err;
    struct wv_rkey *c = k->kids;
    for (DWORD j = 0; c && j < i; j++)
        c = c->next;
    err = !c ? ERROR_NO_MORE_ITEMS : wv_reg_name_out(c->name, name, cap, wide);
    if (!err)
        err = wv_no_class(cls, ccap, wide);
    if (!err && ft && wv_user_put(ft, &c->written, sizeof(*ft)))
        err = ERROR_NOACCESS;
    wv_reg_end(&r);
    return err;
}

WV_ADV LONG wv_adv_RegEnumKeyExA(HKEY h, DWORD i, LPSTR name, LPDWORD cap, LPDWORD res, LPSTR cls, LPDWORD ccap,
                                 FILETIME *ft)
{
    return wv_enum_key(h, i, name, cap, res, cls, ccap, ft, false);
}

WV_ADV LONG wv_adv_RegEnumKeyExW(HKEY h, DWORD i, LPWSTR name, LPDWORD cap, LPDWORD res, LPWSTR cls, LPDWORD ccap,
                                 FILETIME *ft)
{
    return wv_enum_key(h, i, name, cap, res, cls, ccap, ft, true);
}

static DWORD wv_enum_val(HKEY h, DWORD i, void *name, DWORD *cap, DWORD *res, DWORD *type, BYTE *data, DWORD *size,
                         bool wide)
{
    if (res || !cap || (data && !size))
        return ERROR_INVALID_PARAMETER;
    struct wv_reg r;
    struct wv_rkey *k;
    DWORD err = wv_key_at(h, KEY_QUERY_VALUE, false, &r, &k);
    if (err)
        return err;
    struct wv_rval *v = k->vals;
    for (DWORD j = 0; v && j < i; j++)
        v = v->next;
    BYTE *bytes = NULL;
    DWORD len = 0;
    err = !v ? ERROR_NO_MORE_ITEMS : wv_reg_name_out(v->name, name, cap, wide);
    if (!err)
        err = wv_val_bytes(v, wide, &bytes, &len);
    if (!err)
        err = wv_val_out(v->type, bytes, len, type, data, size);
    free(bytes);
    wv_reg_end(&r);
    return err;
}

WV_ADV LONG wv_adv_RegEnumValueA(HKEY h, DWORD i, LPSTR name, LPDWORD cap, LPDWORD res, LPDWORD type, BYTE *data,
                                 LPDWORD size)
{
    return wv_enum_val(h, i, name, cap, res, type, data, size, false);
}

WV_ADV LONG wv_adv_RegEnumValueW(HKEY h, DWORD i, LPWSTR name, LPDWORD cap, LPDWORD res, LPDWORD type, BYTE *data,
                                 LPDWORD size)
{
    return wv_enum_val(h, i, name, cap, res, type, data, size, true);
}

/* The counts and longest lengths of key k: out[0] subkeys, [1] longest subkey name, [2] values,
 * [3] longest value name, [4] longest data. */
static void wv_key_stats(struct wv_rkey *k, bool wide, DWORD out[5])
{
    memset(out, 0, 5 * sizeof(DWORD));
    for (struct wv_rkey *c = k->kids; c; c = c->next) {
        DWORD n = wv_name_len(c->name, wide);
        out[0]++, out[1] = n > out[1] ? n : out[1];
    }
    for (struct wv_rval *v = k->vals; v; v = v->next) {
        DWORD n = wv_name_len(v->name, wide), len = v->len;
        BYTE *b;
        if (!wide && wv_reg_is_str(v->type) && !wv_val_bytes(v, false, &b, &len))
            free(b);
        out[2]++, out[3] = n > out[3] ? n : out[3], out[4] = len > out[4] ? len : out[4];
    }
}

static DWORD wv_put_opt(DWORD *p, DWORD v) { return p && wv_user_put(p, &v, sizeof(v)) ? ERROR_NOACCESS : 0; }

static DWORD wv_info(HKEY h, void *cls, DWORD *ccap, DWORD *res, DWORD *nkeys, DWORD *maxkey, DWORD *maxcls,
                     DWORD *nvals, DWORD *maxvname, DWORD *maxval, DWORD *sd, FILETIME *ft, bool wide)
{
    if (res)
        return ERROR_INVALID_PARAMETER;
    struct wv_reg r;
    struct wv_rkey *k;
    DWORD s[5], err = wv_key_at(h, KEY_QUERY_VALUE, false, &r, &k);
    if (err)
        return err;
    wv_key_stats(k, wide, s);
    FILETIME when = k->written;
    wv_reg_end(&r);
    err = wv_no_class(cls, ccap, wide);
    err = err ? err : wv_put_opt(nkeys, s[0]);
    err = err ? err : wv_put_opt(maxkey, s[1]);
    err = err ? err : wv_put_opt(maxcls, 0);
    err = err ? err : wv_put_opt(nvals, s[2]);
    err = err ? err : wv_put_opt(maxvname, s[3]);
    err = err ? err : wv_put_opt(maxval, s[4]);
    err = err ? err : wv_put_opt(sd, 0); /* no security descriptors are kept */
    return err ? err : ft && wv_user_put(ft, &when, sizeof(when)) ? ERROR_NOACCESS : 0;
}

WV_ADV LONG wv_adv_RegQueryInfoKeyA(HKEY h, LPSTR cls, LPDWORD ccap, LPDWORD res, LPDWORD nkeys, LPDWORD maxkey,
                                    LPDWORD maxcls, LPDWORD nvals, LPDWORD maxvname, LPDWORD maxval, LPDWORD sd,
                                    FILETIME *ft)
{
    return wv_info(h, cls, ccap, res, nkeys, maxkey, maxcls, nvals, maxvname, maxval, sd, ft, false);
}

WV_ADV LONG wv_adv_RegQueryInfoKeyW(HKEY h, LPWSTR cls, LPDWORD ccap, LPDWORD res, LPDWORD nkeys, LPDWORD maxkey,
                                    LPDWORD maxcls, LPDWORD nvals, LPDWORD maxvname, LPDWORD maxval, LPDWORD sd,
                                    FILETIME *ft)
{
    return wv_info(h, cls, ccap, res, nkeys, maxkey, maxcls, nvals, maxvname, maxval, sd, ft, true);
}
