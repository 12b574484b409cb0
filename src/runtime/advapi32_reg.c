/* SPDX-License-Identifier: MIT */
/* advapi32_reg.c - the registry and the user's name for PE code.
 *
 * winvm's registry is empty: the predefined roots exist and open, and nothing is below them, so
 * opening a subkey or reading a value is ERROR_FILE_NOT_FOUND, what Windows answers for a key
 * or value that does not exist.  Programs that look up optional settings there (libgpg-error,
 * libgcrypt) then take their defaults.  A handle that is not a predefined root is
 * ERROR_INVALID_HANDLE.  GetUserName answers the host user's login name. */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <pwd.h>
#include <string.h>
#include <unistd.h>

#define ADV __attribute__((ms_abi))
typedef WV_HKEY HKEY;
#define WV_HKEY_FIRST 0x80000000u /* HKEY_CLASSES_ROOT */
#define WV_HKEY_LAST 0x80000006u  /* HKEY_DYN_DATA */

static bool wv_root(HKEY k) { return (uintptr_t)k >= WV_HKEY_FIRST && (uintptr_t)k <= WV_HKEY_LAST; }

static LONG wv_open(HKEY key, bool no_subkey, HKEY *out)
{
    if (!out)
        return ERROR_INVALID_PARAMETER;
    *out = NULL;
    if (!wv_root(key))
        return ERROR_INVALID_HANDLE;
    if (!no_subkey)
        return ERROR_FILE_NOT_FOUND;
    *out = key; /* the root itself, as Windows gives it for an empty subkey */
    return ERROR_SUCCESS;
}

ADV LONG wv_adv_RegOpenKeyExA(HKEY key, LPCSTR sub, DWORD options, DWORD sam, HKEY *out)
{
    wv_stack_probe(); /* winvm's frames run on PE code's stack */
    (void)options, (void)sam;
    return wv_open(key, !sub || !*sub, out);
}

ADV LONG wv_adv_RegOpenKeyExW(HKEY key, LPCWSTR sub, DWORD options, DWORD sam, HKEY *out)
{
    wv_stack_probe(); /* winvm's frames run on PE code's stack */
    (void)options, (void)sam;
    return wv_open(key, !sub || !*sub, out);
}

static LONG wv_query(HKEY key, LPDWORD reserved)
{
    if (reserved)
        return ERROR_INVALID_PARAMETER;
    return wv_root(key) ? ERROR_FILE_NOT_FOUND : ERROR_INVALID_HANDLE;
}

ADV LONG wv_adv_RegQueryValueExA(HKEY key, LPCSTR name, LPDWORD reserved, LPDWORD type, BYTE *data, LPDWORD size)
{
    wv_stack_probe(); /* winvm's frames run on PE code's stack */
    (void)name, (void)type, (void)data, (void)size;
    return wv_query(key, reserved);
}

ADV LONG wv_adv_RegQueryValueExW(HKEY key, LPCWSTR name, LPDWORD reserved, LPDWORD type, BYTE *data, LPDWORD size)
{
    wv_stack_probe(); /* winvm's frames run on PE code's stack */
    (void)name, (void)type, (void)data, (void)size;
    return wv_query(key, reserved);
}

ADV LONG wv_adv_RegCloseKey(HKEY key) { return wv_root(key) ? ERROR_SUCCESS : ERROR_INVALID_HANDLE; }

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
    wv_stack_probe(); /* winvm's frames run on PE code's stack */
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
    wv_stack_probe(); /* winvm's frames run on PE code's stack */
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
