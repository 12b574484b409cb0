/* SPDX-License-Identifier: MIT */
/* k32_search.c - SearchPathA/W: a file found as Windows finds it.  A name with a directory part
 * ("x\y", ".\y", "C:\y") is looked at as named; a bare name in lpPath's directories when given
 * (';'-separated), else in the application's directory, the system directory, the Windows
 * directory, the current directory and PATH's directories (';'-separated, or ':' for a Linux
 * PATH), the order of Windows' safe search mode.  lpExtension is added when the name's last
 * component has no '.'.  Any existing entry counts, a directory too, as on Windows.  The
 * answer is the full path (GetFullPathName's): its length, or the size it needs with the
 * terminator when the buffer is short; 0 and ERROR_FILE_NOT_FOUND when nothing is found. */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* dir\name (dir may be NULL: name alone) as the full Windows path when it exists, malloc'ed. */
static char *wv_sp_try(const char *dir, size_t dirlen, const char *name)
{
    size_t n = dirlen + strlen(name) + 2;
    char *win = malloc(n), *host = NULL, *full = NULL;
    struct stat st;
    if (!win)
        return NULL;
    if (dir)
        snprintf(win, n, "%.*s%s%s", (int)dirlen, dir, dirlen && !strchr("\\/", dir[dirlen - 1]) ? "\\" : "", name);
    else
        snprintf(win, n, "%s", name);
    if (wv_path_host(win, &host) == 0 && stat(host, &st) == 0) {
        char buf[4096];
        DWORD len = GetFullPathNameA(win, sizeof(buf), buf, NULL);
        if (len && len < sizeof(buf))
            full = strdup(buf);
    }
    free(host);
    free(win);
    return full;
}

char *wv_dir_list_find(const char *list, char sep, const char *name,
                       char *(*try_in)(const char *dir, size_t dirlen, const char *name))
{
    char *found = NULL;
    for (const char *p = list; !found && p && *p;) {
        const char *end = strchr(p, sep);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n)
            found = try_in(p, n, name);
        p = end ? end + 1 : NULL;
    }
    return found;
}

static char *wv_sp_list(const char *list, char sep, const char *name)
{
    return wv_dir_list_find(list, sep, name, wv_sp_try);
}

/* The default order for a bare name (see the top). */
static char *wv_sp_default(const char *name)
{
    char dir[4096], *found = NULL;
    DWORD n = GetModuleFileNameA(NULL, dir, sizeof(dir));
    if (n && n < sizeof(dir)) {
        char *slash = strrchr(dir, '\\'), *fwd = strrchr(dir, '/');
        slash = fwd > slash ? fwd : slash;
        if (slash)
            found = wv_sp_try(dir, (size_t)(slash - dir), name);
    }
    UINT k;
    if (!found && (k = GetSystemDirectoryA(dir, sizeof(dir))) && k < sizeof(dir))
        found = wv_sp_try(dir, k, name);
    if (!found && (k = GetWindowsDirectoryA(dir, sizeof(dir))) && k < sizeof(dir))
        found = wv_sp_try(dir, k, name);
    if (!found)
        found = wv_sp_try(".", 1, name);
    const char *path = getenv("PATH");
    if (!found && path)
        found = wv_sp_list(path, strchr(path, ';') ? ';' : ':', name);
    return found;
}

/* The full path found for name (UTF-8, malloc'ed) into *out: 0 or the error. */
static DWORD wv_sp_search(const char *list, const char *name, const char *ext, char **out)
{
    const char *last = name;
    for (const char *p = name; *p; p++)
        if (*p == '\\' || *p == '/' || *p == ':')
            last = p + 1;
    size_t n = strlen(name) + (ext ? strlen(ext) : 0) + 1;
    char *full = malloc(n);
    if (!full)
        return ERROR_NOT_ENOUGH_MEMORY;
    snprintf(full, n, "%s%s", name, ext && !strchr(last, '.') ? ext : "");
    if (last != name)
        *out = wv_sp_try(NULL, 0, full);
    else
        *out = list ? wv_sp_list(list, ';', full) : wv_sp_default(full);
    free(full);
    return *out ? 0 : ERROR_FILE_NOT_FOUND;
}

DWORD WINAPI SearchPathW(LPCWSTR path, LPCWSTR file, LPCWSTR ext, DWORD cap, LPWSTR buf, LPWSTR *part)
{
    char *p = NULL, *f = NULL, *e = NULL, *found = NULL;
    DWORD err = !file ? ERROR_INVALID_PARAMETER : wv_user_wstr(file, WV_TEXT_REPLACE, &f), ret = 0;
    if (!err && !*f)
        err = ERROR_INVALID_PARAMETER;
    if (!err && path)
        err = wv_user_wstr(path, WV_TEXT_REPLACE, &p);
    if (!err && ext)
        err = wv_user_wstr(ext, WV_TEXT_REPLACE, &e);
    if (!err)
        err = wv_sp_search(p, f, e, &found);
    if (!err)
        err = wv_out_w(found, buf, cap, &ret);
    if (!err && part && ret < cap) { /* the last component's place in the caller's buffer */
        const char *last = strrchr(found, '\\');
        size_t units = 0;
        wv_utf8_to_utf16(found, (size_t)((last ? last + 1 : found) - found), NULL, 0, WV_TEXT_REPLACE, &units);
        LPWSTR at = buf + units;
        err = wv_user_put(part, &at, sizeof(at));
    }
    free(p), free(f), free(e), free(found);
    return err ? (DWORD)wv_fail(err) : ret;
}

DWORD WINAPI SearchPathA(LPCSTR path, LPCSTR file, LPCSTR ext, DWORD cap, LPSTR buf, LPSTR *part)
{
    char *p = NULL, *f = NULL, *e = NULL, *found = NULL;
    DWORD err = !file ? ERROR_INVALID_PARAMETER : wv_user_str(file, &f), ret = 0;
    if (!err && !*f)
        err = ERROR_INVALID_PARAMETER;
    if (!err && path)
        err = wv_user_str(path, &p);
    if (!err && ext)
        err = wv_user_str(ext, &e);
    if (!err)
        err = wv_sp_search(p, f, e, &found);
    if (!err)
        err = wv_out_a(found, buf, cap, &ret);
    if (!err && part && ret < cap) {
        const char *last = strrchr(found, '\\');
        LPSTR at = buf + (last ? last + 1 - found : 0);
        err = wv_user_put(part, &at, sizeof(at));
    }
    free(p), free(f), free(e), free(found);
    return err ? (DWORD)wv_fail(err) : ret;
}
