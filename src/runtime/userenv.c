/* SPDX-License-Identifier: MIT */
/* userenv.c - userenv.dll's GetUserProfileDirectoryW: the profile directory of the user a token
 * names.  winvm's one user is the host's, whose profile is $HOME in Windows' form (the same
 * mapping GetFullPathName gives host paths).  Rust's std asks it for std::env::home_dir. */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

/* size in and out counts WCHARs with the terminator; too small a buffer: the size needed and
 * ERROR_INSUFFICIENT_BUFFER. */
static __attribute__((ms_abi)) BOOL ue_GetUserProfileDirectoryW(HANDLE token, WCHAR *dir, DWORD *size)
{
    DWORD have;
    if (!size || wv_copy(&have, size, sizeof(have)))
        return wv_fail(ERROR_INVALID_PARAMETER);
    DWORD access;
    struct wv_object *t = wv_handle_get(token, WV_KIND_TOKEN, &access);
    if (!t)
        return wv_fail(ERROR_INVALID_HANDLE);
    wv_object_unref(t);
    const char *home = getenv("HOME");
    char *full;
    DWORD err = wv_path_full(home && *home ? home : "/", &full);
    if (err)
        return wv_fail(err);
    WCHAR *w = wv_utf16(full);
    free(full);
    if (!w)
        return wv_fail(ERROR_NOT_ENOUGH_MEMORY);
    size_t n = 0;
    while (w[n])
        n++;
    DWORD need = (DWORD)n + 1;
    if (!dir || have < need)
        err = wv_user_put(size, &need, sizeof(need)) ? ERROR_NOACCESS : ERROR_INSUFFICIENT_BUFFER;
    else if (wv_user_put(dir, w, need * sizeof(WCHAR)) || wv_user_put(size, &need, sizeof(need)))
        err = ERROR_NOACCESS;
    free(w);
    return err ? wv_fail(err) : TRUE;
}

static const struct wv_export wv_userenv_exports[] = {
    {"GetUserProfileDirectoryW", (void *)ue_GetUserProfileDirectoryW},
};
#define WV_USERENV_COUNT (sizeof(wv_userenv_exports) / sizeof(wv_userenv_exports[0]))

void *wv_userenv_lookup(const char *name) { return wv_export_find(wv_userenv_exports, WV_USERENV_COUNT, name); }

const char *wv_userenv_name_at(size_t i) { return i < WV_USERENV_COUNT ? wv_userenv_exports[i].name : NULL; }
