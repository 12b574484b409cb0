/* SPDX-License-Identifier: MIT */
/* reg_value.c - registry values for PE code: RegQueryValueEx, RegSetValueEx, RegDeleteValue
 * (A and W).  String data (REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ) is kept as UTF-16 with its
 * terminators, as Windows keeps it; the A forms see it in their code page, UTF-8, and an A
 * string set without its terminator gets one, as on Windows. */
#define _GNU_SOURCE
#include "runtime/reg_api.h"
#include "runtime/reg_value.h"

#include <stdlib.h>
#include <string.h>

#define ADV __attribute__((ms_abi))

bool wv_reg_is_str(DWORD type) { return type == REG_SZ || type == REG_EXPAND_SZ || type == REG_MULTI_SZ; }

DWORD wv_val_bytes(const struct wv_rval *v, bool wide, BYTE **out, DWORD *len)
{
    size_t n = v->len;
    if (!wide && wv_reg_is_str(v->type))
        wv_utf16_to_utf8((const WCHAR *)v->data, v->len / 2, NULL, 0, WV_TEXT_REPLACE, &n);
    if (!(*out = malloc(n ? n : 1)))
        return ERROR_NOT_ENOUGH_MEMORY;
    if (!wide && wv_reg_is_str(v->type))
        wv_utf16_to_utf8((const WCHAR *)v->data, v->len / 2, (char *)*out, n, WV_TEXT_REPLACE, &n);
    else
        memcpy(*out, v->data, n);
    *len = (DWORD)n;
    return 0;
}

DWORD wv_val_out(DWORD type, const BYTE *bytes, DWORD len, DWORD *type_out, BYTE *data, DWORD *size)
{
    DWORD have = 0;
    if (data && !size)
        return ERROR_INVALID_PARAMETER;
    if (size && wv_reg_get32(size, &have))
        return ERROR_NOACCESS;
    if (type_out && wv_user_put(type_out, &type, sizeof(type)))
        return ERROR_NOACCESS;
    if (data && have < len) {
        wv_user_put(size, &len, sizeof(len));
        return ERROR_MORE_DATA;
    }
    if (data && wv_user_put(data, bytes, len))
        return ERROR_NOACCESS;
    return size && wv_user_put(size, &len, sizeof(len)) ? ERROR_NOACCESS : 0;
}

/* The value name of key h, converted (wide forms), loaded: 0 or an error. */
static DWORD wv_query(HKEY h, const void *name, bool wide, DWORD *reserved, DWORD *type, BYTE *data, DWORD *size)
{
    if (reserved)
        return ERROR_INVALID_PARAMETER;
    if (data && !size)
        return ERROR_INVALID_PARAMETER;
    char *n;
    DWORD err = wv_reg_name_in(name, wide, &n);
    if (err)
        return err;
    struct wv_reg r;
    struct wv_rkey *k;
    if ((err = wv_key_at(h, KEY_QUERY_VALUE, false, &r, &k)))
        return free(n), err;
    struct wv_rval *v = wv_reg_val(k, n);
    BYTE *bytes = NULL;
    DWORD len = 0, t = v ? v->type : 0;
    err = v ? wv_val_bytes(v, wide, &bytes, &len) : ERROR_FILE_NOT_FOUND;
    wv_reg_end(&r);
    free(n);
    if (!err)
        err = wv_val_out(t, bytes, len, type, data, size);
    free(bytes);
    return err;
}

ADV LONG wv_adv_RegQueryValueExA(HKEY key, LPCSTR name, LPDWORD reserved, LPDWORD type, BYTE *data, LPDWORD size)
{
    return wv_query(key, name, false, reserved, type, data, size);
}

ADV LONG wv_adv_RegQueryValueExW(HKEY key, LPCWSTR name, LPDWORD reserved, LPDWORD type, BYTE *data, LPDWORD size)
{
    return wv_query(key, name, true, reserved, type, data, size);
}

/* The caller's data as stored: A strings become UTF-16, terminated. */
static DWORD wv_set_bytes(DWORD type, const BYTE *data, DWORD cb, bool wide, BYTE **out, DWORD *len)
{
    BYTE *raw = malloc(cb ? cb : 1);
    if (!raw)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (cb && wv_copy(raw, data, cb))
        return free(raw), ERROR_NOACCESS;
    if (wide || !wv_reg_is_str(type)) {
        *out = raw, *len = cb;
        return 0;
    }
    size_t n = 0;
    wv_utf8_to_utf16((char *)raw, cb, NULL, 0, WV_TEXT_REPLACE, &n);
    bool term = cb && raw[cb - 1] != 0;
    WCHAR *w = malloc((n + 1) * sizeof(WCHAR));
    if (!w)
        return free(raw), ERROR_NOT_ENOUGH_MEMORY;
    wv_utf8_to_utf16((char *)raw, cb, w, n, WV_TEXT_REPLACE, &n);
    free(raw);
    w[n] = 0;
    *out = (BYTE *)w, *len = (DWORD)(n + term) * sizeof(WCHAR);
    return 0;
}

static DWORD wv_set(HKEY h, const void *name, bool wide, DWORD reserved, DWORD type, const BYTE *data, DWORD cb)
{
    if (reserved)
        return ERROR_INVALID_PARAMETER;
    if (!data && cb)
        return ERROR_NOACCESS;
    char *n;
    BYTE *bytes;
    DWORD len, err = wv_reg_name_in(name, wide, &n);
    if (err)
        return err;
    if ((err = wv_set_bytes(type, data, cb, wide, &bytes, &len)))
        return free(n), err;
    struct wv_reg r;
    struct wv_rkey *k;
    if (!(err = wv_key_at(h, KEY_SET_VALUE, true, &r, &k))) {
        err = wv_reg_set(&r, k, n, type, bytes, len);
        DWORD end = wv_reg_end(&r);
        err = err ? err : end;
    }
    free(n), free(bytes);
    return err;
}

ADV LONG wv_adv_RegSetValueExA(HKEY key, LPCSTR name, DWORD reserved, DWORD type, const BYTE *data, DWORD cb)
{
    return wv_set(key, name, false, reserved, type, data, cb);
}

ADV LONG wv_adv_RegSetValueExW(HKEY key, LPCWSTR name, DWORD reserved, DWORD type, const BYTE *data, DWORD cb)
{
    return wv_set(key, name, true, reserved, type, data, cb);
}

static DWORD wv_unset(HKEY h, const void *name, bool wide)
{
    char *n;
    DWORD err = wv_reg_name_in(name, wide, &n);
    if (err)
        return err;
    struct wv_reg r;
    struct wv_rkey *k;
    if (!(err = wv_key_at(h, KEY_SET_VALUE, true, &r, &k))) {
        err = wv_reg_unset(&r, k, n) ? 0 : ERROR_FILE_NOT_FOUND;
        DWORD end = wv_reg_end(&r);
        err = err ? err : end;
    }
    free(n);
    return err;
}

ADV LONG wv_adv_RegDeleteValueA(HKEY key, LPCSTR name)
{
    return wv_unset(key, name, false);
}

ADV LONG wv_adv_RegDeleteValueW(HKEY key, LPCWSTR name)
{
    return wv_unset(key, name, true);
}
