/* SPDX-License-Identifier: MIT */
/* k32_search.c - SearchPathA/W: a file found as Windows finds it.  A name with a directory part
 * ("x\y", ".\y", "C:\y") is looked at as named; a bare name in lpPath's directories when given
 * (';'-separated), else in the application's directory, the system directory, the Windows
 * directory, the current directory and PATH's directories (';'-separated, or ':' for a Linux
 * PATH), the order of Windows' safe search mode.  lpExtension is added when the name's last
 * component has no '.'.  Any existing entry counts, a directory too, as on Windows.  The
 * answer is the full path (GetFullPathName's): its length, or the size it needs with the
 * terminator when the buffer is short; 0 and ERROR_FILE_NOT_FOUND when nothing is found.
 * GetBinaryType (below) tells what kind of program a file is. */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* ---- GetBinaryTypeA/W: what kind of program a file is, from its headers: a PE image for
 * x86-64 SCS_64BIT_BINARY, for i386 SCS_32BIT_BINARY; an MZ file without a PE header (or a
 * .com file) SCS_DOS_BINARY.  A DLL, anything else, or a file too short:
 * ERROR_BAD_EXE_FORMAT; a missing file: its error. ---- */

#define WV_SCS_32BIT 0
#define WV_SCS_DOS 1
#define WV_SCS_64BIT 6

static DWORD wv_binary_type(const char *win, DWORD *type)
{
    char *host;
    DWORD err = wv_path_host(win, &host);
    if (err)
        return err;
    FILE *f = fopen(host, "rb");
    if (!f) {
        err = wv_file_path_error(host, errno);
        free(host);
        return err;
    }
    free(host);
    unsigned char mz[64], nt[24];
    size_t dot = strlen(win) > 4 ? strlen(win) - 4 : 0;
    bool com = !strcasecmp(win + dot, ".com");
    err = ERROR_BAD_EXE_FORMAT;
    if (fread(mz, 1, sizeof(mz), f) == sizeof(mz) && mz[0] == 'M' && mz[1] == 'Z') {
        uint32_t at = (uint32_t)mz[60] | (uint32_t)mz[61] << 8 | (uint32_t)mz[62] << 16 | (uint32_t)mz[63] << 24;
        bool pe = fseek(f, (long)at, SEEK_SET) == 0 && fread(nt, 1, sizeof(nt), f) == sizeof(nt) && !memcmp(nt, "PE\0\0", 4);
        uint16_t machine = (uint16_t)(nt[4] | nt[5] << 8), chars = (uint16_t)(nt[22] | nt[23] << 8);
        if (!pe)
            *type = WV_SCS_DOS, err = 0;
        else if (!(chars & 0x2000) && (machine == 0x8664 || machine == 0x14c)) /* not IMAGE_FILE_DLL */
            *type = machine == 0x8664 ? WV_SCS_64BIT : WV_SCS_32BIT, err = 0;
    } else if (com)
        *type = WV_SCS_DOS, err = 0;
    fclose(f);
    return err;
}

/* Takes s (the caller's name, converted: err its conversion's error) and answers *type. */
static BOOL wv_binary_type_give(DWORD err, char *s, LPDWORD type)
{
    DWORD t = 0;
    if (!err)
        err = wv_binary_type(s, &t);
    if (!err)
        err = wv_user_put(type, &t, sizeof(t));
    free(s);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI GetBinaryTypeA(LPCSTR app, LPDWORD type)
{
    char *s = NULL;
    DWORD err = !app || !type ? ERROR_INVALID_PARAMETER : wv_user_str(app, &s);
    return wv_binary_type_give(err, s, type);
}

BOOL WINAPI GetBinaryTypeW(LPCWSTR app, LPDWORD type)
{
    char *s = NULL;
    DWORD err = !app || !type ? ERROR_INVALID_PARAMETER : wv_user_wstr(app, WV_TEXT_REPLACE, &s);
    return wv_binary_type_give(err, s, type);
}
