/* SPDX-License-Identifier: MIT */
/* reg_get.c - RegGetValueA/W for PE code: a value of key h or of its subkey, only when its type
 * is one the RRF_RT_* flags allow (else ERROR_UNSUPPORTED_TYPE); strings always terminated;
 * REG_EXPAND_SZ expanded from the environment and reported as REG_SZ unless RRF_NOEXPAND;
 * RRF_ZEROONFAILURE zeroes the caller's buffer when the call fails. */
#define _GNU_SOURCE
#include "runtime/reg_value.h"

#include <stdlib.h>
#include <string.h>

static DWORD wv_type_bit(DWORD type)
{
    static const DWORD bits[] = {RRF_RT_REG_NONE, RRF_RT_REG_SZ,   RRF_RT_REG_EXPAND_SZ, RRF_RT_REG_BINARY,
                                 RRF_RT_REG_DWORD, 0,              0,                    RRF_RT_REG_MULTI_SZ,
                                 0,               0,               0,                    RRF_RT_REG_QWORD};
    return type < sizeof(bits) / sizeof(bits[0]) ? bits[type] : 0;
}

/* Is a value of this type and length what flags ask for?  0, ERROR_UNSUPPORTED_TYPE or
 * ERROR_DATATYPE_MISMATCH (a DWORD or QWORD of the wrong size). */
static DWORD wv_filter(DWORD type, DWORD len, DWORD flags)
{
    DWORD rt = flags & RRF_RT_ANY, bit = wv_type_bit(type);
    if (rt != RRF_RT_ANY && !(bit & rt))
        return ERROR_UNSUPPORTED_TYPE;
    if ((type == REG_DWORD || (type == REG_BINARY && rt == RRF_RT_DWORD)) && len != 4 && rt != RRF_RT_ANY)
        return ERROR_DATATYPE_MISMATCH;
    if ((type == REG_QWORD || (type == REG_BINARY && rt == RRF_RT_QWORD)) && len != 8 && rt != RRF_RT_ANY)
        return ERROR_DATATYPE_MISMATCH;
    return 0;
}

/* A string value terminated, and expanded when asked: a new malloc'ed buffer in *b. */
static DWORD wv_finish_str(DWORD *type, BYTE **b, DWORD *len, bool wide, bool expand)
{
    DWORD unit = wide ? 2 : 1, n = *len / unit;
    BYTE *t = calloc(n + 2, unit);
    if (!t)
        return ERROR_NOT_ENOUGH_MEMORY;
    memcpy(t, *b, (size_t)n * unit);
    bool ended = n && !memcmp(t + (size_t)(n - 1) * unit, "\0\0", unit);
    free(*b);
    *b = t, *len = (n + !ended) * unit;
    if (!expand || *type != REG_EXPAND_SZ)
        return 0;
    DWORD need = wide ? ExpandEnvironmentStringsW((WCHAR *)t, NULL, 0) : ExpandEnvironmentStringsA((char *)t, NULL, 0);
    BYTE *e = need ? malloc((size_t)need * unit) : NULL;
    if (!e)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (wide)
        ExpandEnvironmentStringsW((WCHAR *)t, (WCHAR *)e, need);
    else
        ExpandEnvironmentStringsA((char *)t, (char *)e, need);
    free(t);
    *b = e, *len = need * unit, *type = REG_SZ;
    return 0;
}

/* The value's type and bytes as the form sees them. */
static DWORD wv_fetch(HKEY h, const char *sub, const char *name, bool wide, DWORD *type, BYTE **b, DWORD *len)
{
    HKEY k = h;
    DWORD err = 0;
    if (*sub && (err = wv_key_open(h, sub, KEY_QUERY_VALUE, false, NULL, &k)))
        return err;
    struct wv_reg r;
    struct wv_rkey *key;
    if (!(err = wv_key_at(k, KEY_QUERY_VALUE, false, &r, &key))) {
        struct wv_rval *v = wv_reg_val(key, name);
        err = v ? wv_val_bytes(v, wide, b, len) : ERROR_FILE_NOT_FOUND;
        *type = v ? v->type : 0;
        wv_reg_end(&r);
    }
    if (k != h)
        wv_key_close(k);
    return err;
}

static DWORD wv_get(HKEY h, const void *sub, const void *value, DWORD flags, DWORD *type, void *data, DWORD *size,
                    bool wide)
{
    if (!(flags & RRF_RT_ANY) || (data && !size))
        return ERROR_INVALID_PARAMETER;
    if ((flags & RRF_RT_ANY) == RRF_RT_REG_EXPAND_SZ && !(flags & RRF_NOEXPAND))
        return ERROR_INVALID_PARAMETER; /* an expanded value is never REG_EXPAND_SZ */
    DWORD have = 0; /* the caller's size, before it is overwritten: RRF_ZEROONFAILURE's extent */
    if (size && wv_reg_get32(size, &have))
        return ERROR_NOACCESS;
    char *s = NULL, *n = NULL;
    BYTE *b = NULL;
    DWORD t = 0, len = 0, err = wv_reg_name_in(sub, wide, &s);
    err = err ? err : wv_reg_name_in(value, wide, &n);
    err = err ? err : wv_fetch(h, s, n, wide, &t, &b, &len);
    free(s), free(n);
    if (!err && wv_reg_is_str(t))
        err = wv_finish_str(&t, &b, &len, wide, !(flags & RRF_NOEXPAND));
    if (!err)
        err = wv_filter(t, len, flags);
    if (!err)
        err = wv_val_out(t, b, len, type, data, size);
    free(b);
    if (err && err != ERROR_NOACCESS && data && (flags & RRF_ZEROONFAILURE)) {
        void *z = calloc(1, have ? have : 1);
        if (z)
            wv_user_put(data, z, have);
        free(z);
    }
    return err;
}

WV_ADV LONG wv_adv_RegGetValueA(HKEY h, LPCSTR sub, LPCSTR value, DWORD flags, LPDWORD type, void *data, LPDWORD size)
{
    return wv_get(h, sub, value, flags, type, data, size, false);
}

WV_ADV LONG wv_adv_RegGetValueW(HKEY h, LPCWSTR sub, LPCWSTR value, DWORD flags, LPDWORD type, void *data,
                                LPDWORD size)
{
    return wv_get(h, sub, value, flags, type, data, size, true);
}
