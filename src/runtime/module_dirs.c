/* SPDX-License-Identifier: MIT */
/* module_dirs.c - the DLL search path calls: SetDllDirectoryA/W, GetDllDirectoryA/W,
 * AddDllDirectory, RemoveDllDirectory, SetDefaultDllDirectories, over the loader's state
 * (loader/dlldir.c) that its search (loader/search.c) reads.  Windows paths are kept as given
 * for GetDllDirectory and searched as their host paths.
 *
 * Facts (Wine's kernel32 module.c, run on Windows): GetDllDirectory returns the length without
 * the terminator when it fits, else the size needed with it, writing only a terminator into a
 * buffer that is too small but not empty; AddDllDirectory wants a path from a root ("\\", not
 * "C:dir" or ".\\."), refuses one that does not exist with ERROR_FILE_NOT_FOUND (a file will
 * do); SetDefaultDllDirectories takes a nonempty set of APPLICATION_DIR, USER_DIRS, SYSTEM32,
 * DEFAULT_DIRS and nothing else. */
#include "runtime/runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* SetDllDirectory's core: dir (UTF-8, NULL to clear). */
static BOOL wv_set_dll_dir(const char *dir)
{
    char *host = NULL;
    if (dir && dir[0] && wv_path_host(dir, &host))
        host = NULL; /* no such drive: nothing there to find, the current directory dropped */
    DWORD err = wv_dlldir_set(dir, dir ? (host ? host : "") : NULL);
    free(host);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetDllDirectoryA(LPCSTR dir)
{
    char *d = NULL;
    DWORD err = dir ? wv_user_str(dir, &d) : 0;
    BOOL ok = err ? wv_fail(err) : wv_set_dll_dir(d);
    free(d);
    return ok;
}

BOOL WINAPI SetDllDirectoryW(LPCWSTR dir)
{
    char *d = NULL;
    DWORD err = dir ? wv_user_wstr(dir, WV_TEXT_STRICT, &d) : 0;
    BOOL ok = err ? wv_fail(err) : wv_set_dll_dir(d);
    free(d);
    return ok;
}

/* n units of s (its terminator after them) into buf of len units: see the top. */
static DWORD wv_give_dir(const void *s, size_t n, size_t unit, DWORD len, void *buf)
{
    static const WCHAR nul = 0;
    DWORD err = 0;
    if (len > n)
        err = wv_user_put(buf, s, (n + 1) * unit);
    else if (len)
        err = wv_user_put(buf, &nul, unit);
    if (err)
        return wv_set_error(err), 0;
    return len > n ? (DWORD)n : (DWORD)(n + 1);
}

DWORD WINAPI GetDllDirectoryA(DWORD len, LPSTR buf)
{
    char *d = wv_dlldir_get();
    if (!d)
        return wv_set_error(ERROR_NOT_ENOUGH_MEMORY), 0;
    DWORD ret = wv_give_dir(d, strlen(d), 1, len, buf);
    free(d);
    return ret;
}

DWORD WINAPI GetDllDirectoryW(DWORD len, LPWSTR buf)
{
    char *d = wv_dlldir_get();
    WCHAR *w = d ? wv_utf16(d) : NULL;
    free(d);
    if (!w)
        return wv_set_error(ERROR_NOT_ENOUGH_MEMORY), 0;
    size_t n = 0;
    while (w[n])
        n++;
    DWORD ret = wv_give_dir(w, n, sizeof(WCHAR), len, buf);
    free(w);
    return ret;
}

DLL_DIRECTORY_COOKIE WINAPI AddDllDirectory(LPCWSTR dir)
{
    char *d = NULL, *host = NULL;
    void *cookie = NULL;
    DWORD err = dir ? wv_user_wstr(dir, WV_TEXT_STRICT, &d) : ERROR_INVALID_PARAMETER;
    bool rooted = d && (d[0] == '\\' || (d[0] && d[1] == ':' && d[2] == '\\'));
    if (!err && !rooted)
        err = ERROR_INVALID_PARAMETER;
    if (!err)
        err = wv_path_host(d, &host);
    struct stat st;
    if (!err && stat(host, &st))
        err = errno == ENOENT ? ERROR_FILE_NOT_FOUND : wv_file_path_error(host, errno);
    if (!err)
        err = wv_user_dir_add(host, &cookie);
    free(d), free(host);
    if (err)
        wv_set_error(err);
    return cookie;
}

BOOL WINAPI RemoveDllDirectory(DLL_DIRECTORY_COOKIE cookie)
{
    DWORD err = wv_user_dir_remove(cookie);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetDefaultDllDirectories(DWORD flags)
{
    DWORD err = wv_search_set_default(flags);
    return err ? wv_fail(err) : TRUE;
}
