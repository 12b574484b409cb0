/* SPDX-License-Identifier: MIT */
/* k32_modname.c - GetModuleFileNameA/W and ntdll's LdrGetDllFullName as PE code calls them:
 * the module's path in Windows'
 * form ("C:\dir\x.dll", k32_path.c's one mapping), as GetCurrentDirectory and GetFullPathName
 * give PE code paths.  Lua's loadlib finds its program's directory by the last '\\' of it; a
 * host path has none.  Linux callers of the public functions (k32_module.c) keep the host
 * path they can open.  Buffer rules as the public ones: too small is the name cut and
 * terminated, the size as the result and ERROR_INSUFFICIENT_BUFFER. */
#define _GNU_SOURCE
#include "runtime/k32_ext.h"
#include <winvm/ntdll.h>

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static DWORD wv_module_windows_path(HMODULE h, char **win)
{
    char path[PATH_MAX];
    if (!wv_loader_file_name(h, path, sizeof(path)))
        return ERROR_MOD_NOT_FOUND;
    *win = wv_path_windows(path);
    return *win ? 0 : ERROR_NOT_ENOUGH_MEMORY;
}

/* n units of name (without its terminator) into out's size units; the result and last error. */
static DWORD wv_give_name(void *name, size_t n, size_t unit, void *out, DWORD size)
{
    DWORD err = 0, ret = (DWORD)n;
    if (size == 0)
        err = ERROR_INSUFFICIENT_BUFFER, ret = 0;
    else if (n >= size) {
        memset((char *)name + (size_t)(size - 1) * unit, 0, unit);
        err = wv_user_put(out, name, (size_t)size * unit);
        ret = err ? 0 : size;
        err = err ? err : ERROR_INSUFFICIENT_BUFFER;
    } else
        err = wv_user_put(out, name, (n + 1) * unit);
    if (err && err != ERROR_INSUFFICIENT_BUFFER)
        ret = 0;
    wv_set_error(err);
    return ret;
}

DWORD WV_MSABI wv_k32_GetModuleFileNameA(HMODULE h, LPSTR out, DWORD size)
{
    char *win;
    DWORD err = wv_module_windows_path(h, &win);
    if (err)
        return wv_set_error(err), 0;
    DWORD ret = wv_give_name(win, strlen(win), 1, out, size);
    free(win);
    return ret;
}

DWORD WV_MSABI wv_k32_GetModuleFileNameW(HMODULE h, LPWSTR out, DWORD size)
{
    char *win;
    DWORD err = wv_module_windows_path(h, &win);
    if (err)
        return wv_set_error(err), 0;
    WCHAR *w = wv_utf16(win);
    free(win);
    if (!w)
        return wv_set_error(ERROR_NOT_ENOUGH_MEMORY), 0;
    size_t n = 0;
    while (w[n])
        n++;
    DWORD ret = wv_give_name(w, n, sizeof(WCHAR), out, size);
    free(w);
    return ret;
}

/* LdrGetDllFullName: the path GetModuleFileNameW gives (module NULL: the program's) into
 * name's buffer.  Rules as Wine's test_LdrGetDllFullName records Windows': a buffer without
 * room for the path and its terminator gets the first MaximumLength bytes (an odd size copies
 * half a character), Length says so, and STATUS_BUFFER_TOO_SMALL; otherwise the path
 * terminated and STATUS_SUCCESS. */
WV_MSABI NTSTATUS wv_nt_LdrGetDllFullName(HMODULE h, UNICODE_STRING *name)
{
    UNICODE_STRING u;
    if (wv_copy(&u, name, sizeof(u)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    char *win;
    DWORD err = wv_module_windows_path(h, &win);
    if (err)
        return err == ERROR_MOD_NOT_FOUND ? STATUS_DLL_NOT_FOUND : (NTSTATUS)STATUS_NO_MEMORY;
    WCHAR *w = wv_utf16(win);
    free(win);
    if (!w)
        return (NTSTATUS)STATUS_NO_MEMORY;
    size_t bytes = 0;
    while (w[bytes / sizeof(WCHAR)])
        bytes += sizeof(WCHAR);
    bool fits = (size_t)u.MaximumLength >= bytes + sizeof(WCHAR);
    size_t put = fits ? bytes + sizeof(WCHAR) : u.MaximumLength;
    NTSTATUS st = fits ? STATUS_SUCCESS : STATUS_BUFFER_TOO_SMALL;
    if (put && wv_copy(u.Buffer, w, put))
        st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
    free(w);
    if (st == (NTSTATUS)STATUS_ACCESS_VIOLATION)
        return st;
    u.Length = (USHORT)(fits ? bytes : put);
    return wv_copy(name, &u, sizeof(u)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : st;
}

DWORD wv_module_host_name(const char *file, char **host)
{
    *host = NULL;
    const char *p = strncmp(file, "\\\\?\\", 4) ? file : file + 4;
    if (!isalpha((unsigned char)p[0]) || p[1] != ':')
        return 0; /* a name or a relative path: the loader's search takes it as it is */
    if (p[2] == '\\' || p[2] == '/')
        return wv_path_host_name(file, host); /* a builtin stays named: the loader gives its module */
    /* "C:1\x.dll": relative to the drive's current directory, and a path all the same (the
     * search flags do not apply to it: Wine's test_LoadLibraryEx_search_flags) */
    char *full = NULL;
    DWORD err = wv_path_full(p, &full);
    if (!err)
        err = wv_path_host_name(full, host);
    free(full);
    return err;
}

HMODULE wv_module_find(const char *name)
{
    HMODULE h = wv_loader_find(name);
    char *host = NULL;
    if (!h && name && !wv_module_host_name(name, &host) && host)
        h = wv_loader_find(host);
    free(host);
    return h;
}
