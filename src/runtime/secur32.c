/* SPDX-License-Identifier: MIT */
/* secur32.c - secur32.dll's GetUserNameExA/W: the user's name in the formats Windows gives a
 * local (not domain) account.  NameSamCompatible is "COMPUTER\user" (GetComputerName's NetBIOS
 * name, the login name); the directory-service formats have no answer for a local account
 * (ERROR_NONE_MAPPED, as Windows answers off a domain); NameUnknown is ERROR_NO_SUCH_USER.
 * The size protocol (Wine's secur32.c test): *size in characters; too small, the size needed
 * with the terminator, ERROR_MORE_DATA, the buffer untouched; done, the length without it. */
#include "runtime/runtime.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ERROR_NO_SUCH_USER
#define ERROR_NO_SUCH_USER 1317
#endif
#ifndef ERROR_NONE_MAPPED
#define ERROR_NONE_MAPPED 1332
#endif
#define WV_NAME_UNKNOWN 0
#define WV_NAME_SAM_COMPATIBLE 2

/* The name for format as UTF-8 into out: 0 or the error. */
static DWORD wv_user_name_ex(int format, char *out, size_t cap)
{
    if (format == WV_NAME_UNKNOWN)
        return ERROR_NO_SUCH_USER;
    if (format != WV_NAME_SAM_COMPATIBLE)
        return ERROR_NONE_MAPPED;
    char host[64];
    DWORD n = sizeof(host);
    if (!GetComputerNameA(host, &n))
        snprintf(host, sizeof(host), "WINVM");
    struct passwd *pw = getpwuid(geteuid());
    snprintf(out, cap, "%s\\%s", host, pw && pw->pw_name ? pw->pw_name : "");
    return 0;
}

/* Hands name (UTF-8) to the caller as Windows does; wide: UTF-16. */
static BOOLEAN wv_name_give(const char *name, void *buf, ULONG *size, bool wide)
{
    ULONG have;
    if (!size || wv_copy(&have, size, sizeof(have)))
        return wv_fail(ERROR_INVALID_PARAMETER);
    size_t units = strlen(name);
    if (wide)
        wv_utf8_to_utf16(name, strlen(name), NULL, 0, WV_TEXT_REPLACE, &units);
    ULONG need = (ULONG)units + 1, len = (ULONG)units;
    if (!buf || have < need)
        return wv_fail(wv_user_put(size, &need, sizeof(need)) ? ERROR_NOACCESS : ERROR_MORE_DATA);
    DWORD err = wide ? wv_out_w(name, buf, have, &len) : wv_out_a(name, buf, have, &len);
    if (!err)
        err = wv_user_put(size, &len, sizeof(len));
    return err ? wv_fail(err) : TRUE;
}

static __attribute__((ms_abi)) BOOLEAN s32_GetUserNameExA(int format, char *buf, ULONG *size)
{
    char name[320];
    DWORD err = wv_user_name_ex(format, name, sizeof(name));
    return err ? wv_fail(err) : wv_name_give(name, buf, size, false);
}

static __attribute__((ms_abi)) BOOLEAN s32_GetUserNameExW(int format, WCHAR *buf, ULONG *size)
{
    char name[320];
    DWORD err = wv_user_name_ex(format, name, sizeof(name));
    return err ? wv_fail(err) : wv_name_give(name, buf, size, true);
}

static const struct wv_export wv_secur32_exports[] = {
    {"GetUserNameExA", (void *)s32_GetUserNameExA},
    {"GetUserNameExW", (void *)s32_GetUserNameExW},
};
#define WV_SECUR32_COUNT (sizeof(wv_secur32_exports) / sizeof(wv_secur32_exports[0]))

void *wv_secur32_lookup(const char *name) { return wv_export_find(wv_secur32_exports, WV_SECUR32_COUNT, name); }

const char *wv_secur32_name_at(size_t i) { return i < WV_SECUR32_COUNT ? wv_secur32_exports[i].name : NULL; }
