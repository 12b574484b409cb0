/* SPDX-License-Identifier: MIT */
/* advapi32_reg.c - the registry's key calls for PE code (RegOpenKeyEx, RegCreateKeyEx,
 * RegCloseKey, RegDeleteKey, A and W), the name conversions the registry's calls share, and
 * GetUserName.  The registry itself: reg_store.c (on disk), reg_key.c (handles), reg_value.c
 * and reg_enum.c (values, enumeration).  The A forms' code page is UTF-8 (GetACP), so their
 * names pass as they are and the W forms' are converted strictly. */
#define _GNU_SOURCE
#include "runtime/reg_api.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ADV __attribute__((ms_abi))

DWORD wv_reg_get32(const DWORD *p, DWORD *v) { return wv_copy(v, p, sizeof(*v)) ? ERROR_NOACCESS : 0; }

DWORD wv_reg_name_in(const void *name, bool wide, char **out)
{
    if (!name) {
        *out = strdup("");
        return *out ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    }
    DWORD err = wide ? wv_user_wstr(name, WV_TEXT_STRICT, out) : wv_user_str(name, out);
    return err == ERROR_NO_UNICODE_TRANSLATION ? ERROR_INVALID_PARAMETER : err;
}

DWORD wv_reg_name_out(const char *name, void *buf, DWORD *cap, bool wide)
{
    size_t n = strlen(name);
    if (wide)
        wv_utf8_to_utf16(name, n, NULL, 0, WV_TEXT_REPLACE, &n);
    DWORD have;
    if (wv_reg_get32(cap, &have))
        return ERROR_NOACCESS;
    if (!buf)
        return ERROR_INVALID_PARAMETER;
    if (have <= n)
        return ERROR_MORE_DATA;
    size_t unit = wide ? sizeof(WCHAR) : 1;
    char *tmp = malloc((n + 1) * unit);
    if (!tmp)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (wide)
        wv_utf8_to_utf16(name, strlen(name), (WCHAR *)tmp, n, WV_TEXT_REPLACE, &n);
    else
        memcpy(tmp, name, n);
    memset(tmp + n * unit, 0, unit);
    DWORD len = (DWORD)n, err = wv_user_put(buf, tmp, (n + 1) * unit);
    free(tmp);
    return err ? err : wv_user_put(cap, &len, sizeof(len));
}

static LONG wv_open(HKEY key, const void *sub, bool wide, DWORD sam, bool create, DWORD *disp, HKEY *out)
{
    char *s;
    if (!out)
        return ERROR_INVALID_PARAMETER;
    HKEY none = NULL;
    if (wv_user_put(out, &none, sizeof(none)))
        return ERROR_NOACCESS;
    if (create && !sub)
        return ERROR_INVALID_PARAMETER;
    DWORD err = wv_reg_name_in(sub, wide, &s);
    if (err)
        return err;
    if (create && s[0] == '\\')
        err = ERROR_BAD_PATHNAME; /* Windows: a created key's path is relative */
    else
        err = wv_key_open(key, s, sam, create, disp, out);
    free(s);
    return err;
}

ADV LONG wv_adv_RegOpenKeyExA(HKEY key, LPCSTR sub, DWORD options, DWORD sam, HKEY *out)
{
    (void)options;
    return wv_open(key, sub, false, sam, false, NULL, out);
}

ADV LONG wv_adv_RegOpenKeyExW(HKEY key, LPCWSTR sub, DWORD options, DWORD sam, HKEY *out)
{
    (void)options;
    return wv_open(key, sub, true, sam, false, NULL, out);
}

/* Classes, options (a volatile key is kept like any other) and security are not kept. */
ADV LONG wv_adv_RegCreateKeyExA(HKEY key, LPCSTR sub, DWORD res, LPSTR cls, DWORD options, DWORD sam, void *sa,
                                HKEY *out, DWORD *disp)
{
    (void)res, (void)cls, (void)options, (void)sa;
    return wv_open(key, sub, false, sam, true, disp, out);
}

ADV LONG wv_adv_RegCreateKeyExW(HKEY key, LPCWSTR sub, DWORD res, LPWSTR cls, DWORD options, DWORD sam, void *sa,
                                HKEY *out, DWORD *disp)
{
    (void)res, (void)cls, (void)options, (void)sa;
    return wv_open(key, sub, true, sam, true, disp, out);
}

ADV LONG wv_adv_RegCloseKey(HKEY key) { return wv_key_close(key); }

static LONG wv_delete(HKEY key, const void *sub, bool wide)
{
    char *s;
    if (!sub)
        return ERROR_INVALID_PARAMETER;
    DWORD err = wv_reg_name_in(sub, wide, &s);
    if (err)
        return err;
    err = wv_key_delete(key, s);
    free(s);
    return err;
}

ADV LONG wv_adv_RegDeleteKeyA(HKEY key, LPCSTR sub)
{
    return wv_delete(key, sub, false);
}

ADV LONG wv_adv_RegDeleteKeyW(HKEY key, LPCWSTR sub)
{
    return wv_delete(key, sub, true);
}

/* RegDeleteTree: the subkey with all below it; a NULL subkey empties the key itself. */
static LONG wv_delete_tree(HKEY key, const void *sub, bool wide)
{
    char *s = NULL;
    DWORD err = sub ? wv_reg_name_in(sub, wide, &s) : 0;
    if (!err)
        err = wv_key_delete_tree(key, s);
    free(s);
    return err;
}

ADV LONG wv_adv_RegDeleteTreeA(HKEY key, LPCSTR sub) { return wv_delete_tree(key, sub, false); }
ADV LONG wv_adv_RegDeleteTreeW(HKEY key, LPCWSTR sub) { return wv_delete_tree(key, sub, true); }
/* The login name (UTF-8), or "" when the user has none. */
static const char *wv_user_name(void)
{
    struct passwd *pw = getpwuid(geteuid());
    return pw && pw->pw_name ? pw->pw_name : "";
}

/* *size counts characters with the terminator, in and out; too small: the size needed and
 * ERROR_INSUFFICIENT_BUFFER. */
ADV BOOL wv_adv_GetUserNameA(LPSTR buf, LPDWORD size)
{
    if (!size)
        return wv_fail(ERROR_INVALID_PARAMETER);
    const char *name = wv_user_name();
    DWORD need = (DWORD)strlen(name) + 1;
    if (!buf || *size < need) {
        *size = need;
        return wv_fail(ERROR_INSUFFICIENT_BUFFER);
    }
    memcpy(buf, name, need);
    *size = need;
    return TRUE;
}

ADV BOOL wv_adv_GetUserNameW(LPWSTR buf, LPDWORD size)
{
    if (!size)
        return wv_fail(ERROR_INVALID_PARAMETER);
    const char *name = wv_user_name();
    size_t n = 0;
    if (wv_utf8_to_utf16(name, strlen(name), NULL, 0, WV_TEXT_REPLACE, &n) && n == 0)
        n = 0;
    DWORD need = (DWORD)n + 1;
    if (!buf || *size < need) {
        *size = need;
        return wv_fail(ERROR_INSUFFICIENT_BUFFER);
    }
    wv_utf8_to_utf16(name, strlen(name), buf, n, WV_TEXT_REPLACE, &n);
    buf[n] = 0;
    *size = need;
    return TRUE;
}
