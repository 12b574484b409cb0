/* SPDX-License-Identifier: MIT */
/* k32_path.c - Windows path syntax and the host's, the one mapping between them (documented in
 * docs/semantics.md, "Paths"), and the calls that are about paths only: GetFullPathName,
 * GetCurrentDirectory/SetCurrentDirectory, GetTempPath, GetSystemDirectory/GetWindowsDirectory.
 *
 * Windows to host: a "\\?\" prefix is dropped; '\' becomes '/'; a drive prefix "X:\" or "X:/"
 * (any letter: winvm has one drive) becomes the host's root "/", and "X:name" (relative to the
 * drive's current directory) is relative to the current directory; "NUL" is /dev/null; a UNC
 * path "\\server\share" is ERROR_BAD_NETPATH.  Everything else is relative to the host's current
 * directory, which is the process's.  Host to Windows: "/x/y" is "C:\x\y".  The builtin DLLs'
 * files in the system directory are the one exception (k32_sysdir.c).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static bool wv_sep(char c) { return c == '\\' || c == '/'; }

static bool wv_has_drive(const char *p) { return isalpha((unsigned char)p[0]) && p[1] == ':'; }

/* Whether win names a place relative to the current directory (or the drive's). */
static bool wv_path_relative(const char *win)
{
    if (!strncmp(win, "\\\\?\\", 4) || wv_sep(win[0]) || !*win || !strcasecmp(win, "NUL"))
        return false;
    return !(wv_has_drive(win) && wv_sep(win[2]));
}

/* A relative win made full when the current directory is one the host lacks (the host
 * cannot resolve it there); *full NULL otherwise. */
static DWORD wv_path_resolve(const char *win, char **full)
{
    *full = NULL;
    return wv_sysdir_cwd() && wv_path_relative(win) ? wv_path_full(win, full) : 0;
}

DWORD wv_path_host_name(const char *win, char **out)
{
    *out = NULL;
    char *full;
    DWORD err = wv_path_resolve(win, &full);
    if (err || full) {
        if (!err)
            err = wv_path_host_name(full, out);
        free(full);
        return err;
    }
    if (!strncmp(win, "\\\\?\\", 4))
        win += 4;
    if (!*win)
        return ERROR_PATH_NOT_FOUND;
    if (!strcasecmp(win, "NUL"))
        win = "/dev/null";
    else if (wv_sep(win[0]) && wv_sep(win[1]))
        return ERROR_BAD_NETPATH;
    else if (wv_has_drive(win)) {
        win += 2; /* "X:\a" -> "\a", the root; "X:a" -> "a", relative */
        if (!*win)
            win = ".";
    }
    char *h = strdup(win);
    if (!h)
        return ERROR_NOT_ENOUGH_MEMORY;
    for (char *c = h; *c; c++)
        if (*c == '\\')
            *c = '/';
    *out = h;
    return 0;
}

DWORD wv_path_host(const char *win, char **out)
{
    DWORD err, serr;
    char *full;
    *out = NULL;
    if ((err = wv_path_resolve(win, &full)))
        return err;
    const char *p = full ? full : win;
    err = wv_sysdir_host(p, out, &serr) ? serr : wv_path_host_name(p, out);
    free(full);
    return err;
}

typedef DWORD wv_path_conv(const char *win, char **out);

static DWORD wv_path_host_a_by(LPCSTR win, char **out, wv_path_conv *conv)
{
    char *s;
    *out = NULL;
    if (!win)
        return ERROR_PATH_NOT_FOUND;
    DWORD err = wv_user_str(win, &s);
    if (!err)
        err = conv(s, out);
    free(s);
    return err;
}

static DWORD wv_path_host_w_by(LPCWSTR win, char **out, wv_path_conv *conv)
{
    char *s;
    *out = NULL;
    if (!win)
        return ERROR_PATH_NOT_FOUND;
    DWORD err = wv_user_wstr(win, WV_TEXT_STRICT, &s);
    if (!err)
        err = conv(s, out);
    free(s);
    return err;
}

DWORD wv_path_host_a(LPCSTR win, char **out) { return wv_path_host_a_by(win, out, wv_path_host); }
DWORD wv_path_host_w(LPCWSTR win, char **out) { return wv_path_host_w_by(win, out, wv_path_host); }
DWORD wv_path_host_name_a(LPCSTR win, char **out) { return wv_path_host_a_by(win, out, wv_path_host_name); }
DWORD wv_path_host_name_w(LPCWSTR win, char **out) { return wv_path_host_w_by(win, out, wv_path_host_name); }

char *wv_path_windows(const char *host)
{
    size_t n = strlen(host);
    char *w = malloc(n + 3), *p = w;
    if (!w)
        return NULL;
    if (host[0] == '/')
        *p++ = 'C', *p++ = ':';
    for (size_t i = 0; i <= n; i++)
        *p++ = host[i] == '/' ? '\\' : host[i];
    return w;
}

char *wv_cwd_windows(void)
{
    const char *v = wv_sysdir_cwd();
    if (v)
        return strdup(v);
    char *h = getcwd(NULL, 0);
    char *w = h ? wv_path_windows(h) : NULL;
    free(h);
    return w;
}

/* Resolves "." and ".." and repeated separators in the part of p after its root (root bytes
 * long, ending in '\'), in place; Windows also drops trailing dots and spaces of a name. */
static void wv_path_normalise(char *p, size_t root)
{
    size_t o = root, i = root;
    while (p[i]) {
        size_t s = i;
        while (p[i] && p[i] != '\\')
            i++;
        size_t len = i - s;
        bool sep = p[i] == '\\';
        if (sep)
            i++;
        if (len == 0 || (len == 1 && p[s] == '.'))
            continue;
        if (len == 2 && p[s] == '.' && p[s + 1] == '.') {
            if (o > root)
                o--; /* the separator after the previous name */
            while (o > root && p[o - 1] != '\\')
                o--;
            continue;
        }
        while (len > 0 && (p[s + len - 1] == '.' || p[s + len - 1] == ' ') && !sep)
            len--;
        memmove(p + o, p + s, len);
        o += len;
        if (sep)
            p[o++] = '\\';
    }
    p[o] = 0;
}

DWORD wv_path_full(const char *win, char **out)
{
    *out = NULL;
    if (!*win)
        return ERROR_INVALID_NAME;
    if (!strncmp(win, "\\\\?\\", 4))
        return (*out = strdup(win)) ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    char *cwd = wv_cwd_windows();
    if (!cwd)
        return ERROR_NOT_ENOUGH_MEMORY;
    size_t n = strlen(win);
    char *p = malloc(strlen(cwd) + n + 4);
    if (!p)
        return free(cwd), ERROR_NOT_ENOUGH_MEMORY;
    if (wv_has_drive(win) && wv_sep(win[2]))
        strcpy(p, win); /* X:\a */
    else if (wv_sep(win[0]) && wv_sep(win[1]))
        strcpy(p, win); /* \\server\share */
    else if (wv_sep(win[0]))
        strcpy(p, "C:"), strcat(p, win);
    else if (wv_has_drive(win) && toupper((unsigned char)win[0]) != 'C')
        p[0] = win[0], strcpy(p + 1, ":\\"), strcat(p, win + 2);
    else
        strcpy(p, cwd), strcat(p, "\\"), strcat(p, wv_has_drive(win) ? win + 2 : win);
    free(cwd);
    for (char *c = p; *c; c++)
        if (*c == '/')
            *c = '\\';
    size_t root = 3;
    if (p[0] == '\\') { /* \\server\share\: the share is part of the root */
        root = 2;
        for (int k = 0; k < 2 && p[root]; k++) {
            while (p[root] && p[root] != '\\')
                root++;
            if (p[root])
                root++;
        }
    }
    wv_path_normalise(p, root);
    *out = p;
    return 0;
}

/* ---- the calls ---- */

/* The part of a full path after its last separator, or NULL when it ends with one. */
static size_t wv_file_part(const char *full)
{
    const char *b = strrchr(full, '\\');
    return b ? (size_t)(b + 1 - full) : 0;
}

DWORD WINAPI GetFullPathNameA(LPCSTR name, DWORD len, LPSTR buf, LPSTR *part)
{
    char *s, *full = NULL;
    if (!name)
        return wv_set_error(ERROR_INVALID_PARAMETER), 0;
    DWORD err = wv_user_str(name, &s), ret = 0;
    if (!err)
        err = wv_path_full(s, &full);
    if (!err)
        err = wv_out_a(full, buf, len, &ret);
    if (!err && part && ret < len) {
        size_t k = wv_file_part(full);
        LPSTR at = full[k] ? buf + k : NULL;
        err = wv_user_put(part, &at, sizeof(at));
    }
    free(s), free(full);
    return err ? (wv_set_error(err), 0) : ret;
}

DWORD WINAPI GetFullPathNameW(LPCWSTR name, DWORD len, LPWSTR buf, LPWSTR *part)
{
    char *s, *full = NULL;
    if (!name)
        return wv_set_error(ERROR_INVALID_PARAMETER), 0;
    DWORD err = wv_user_wstr(name, WV_TEXT_REPLACE, &s), ret = 0;
    if (!err)
        err = wv_path_full(s, &full);
    if (!err)
        err = wv_out_w(full, buf, len, &ret);
    if (!err && part && ret < len) {
        size_t k = wv_file_part(full);
        WCHAR *w = wv_utf16(full + k); /* the file part's offset in UTF-16 units */
        size_t units = 0;
        while (w && w[units])
            units++;
        LPWSTR at = full[k] ? buf + (ret - units) : NULL;
        free(w);
        err = wv_user_put(part, &at, sizeof(at));
    }
    free(s), free(full);
    return err ? (wv_set_error(err), 0) : ret;
}

/* A string result under Windows' convention, or 0 and the last error. */
static DWORD wv_give_a(const char *s, LPSTR buf, DWORD len)
{
    DWORD ret = 0, err = s ? wv_out_a(s, buf, len, &ret) : ERROR_NOT_ENOUGH_MEMORY;
    return err ? (wv_set_error(err), 0) : ret;
}

static DWORD wv_give_w(const char *s, LPWSTR buf, DWORD len)
{
    DWORD ret = 0, err = s ? wv_out_w(s, buf, len, &ret) : ERROR_NOT_ENOUGH_MEMORY;
    return err ? (wv_set_error(err), 0) : ret;
}

DWORD WINAPI GetCurrentDirectoryA(DWORD len, LPSTR buf)
{
    char *cwd = wv_cwd_windows();
    DWORD r = wv_give_a(cwd, buf, len);
    free(cwd);
    return r;
}

DWORD WINAPI GetCurrentDirectoryW(DWORD len, LPWSTR buf)
{
    char *cwd = wv_cwd_windows();
    DWORD r = wv_give_w(cwd, buf, len);
    free(cwd);
    return r;
}

/* Into one of the system directories the host lacks, the current directory is kept here
 * (k32_sysdir.c); anywhere else it is the host's. */
static BOOL wv_chdir(DWORD err, char *host)
{
    if (!err && chdir(host) != 0) {
        int e = errno;
        if (e != ENOENT || wv_sysdir_chdir(host))
            err = e == ENOTDIR ? ERROR_DIRECTORY : wv_file_path_error(host, e);
    } else if (!err)
        wv_sysdir_leave();
    free(host);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetCurrentDirectoryA(LPCSTR path)
{
    char *h;
    DWORD err = wv_path_host_a(path, &h);
    return wv_chdir(err, h);
}

BOOL WINAPI SetCurrentDirectoryW(LPCWSTR path)
{
    char *h;
    DWORD err = wv_path_host_w(path, &h);
    return wv_chdir(err, h);
}

/* TMP, then TEMP (Windows or host paths), then the host's TMPDIR, then /tmp: made full, with
 * the trailing backslash Windows gives it.  The directory need not exist. */
static char *wv_temp_path(void)
{
    static const char *const vars[] = {"TMP", "TEMP", "TMPDIR"};
    const char *v = NULL;
    for (size_t i = 0; i < 3 && (!v || !*v); i++)
        v = getenv(vars[i]);
    char *full;
    if (wv_path_full(v && *v ? v : "/tmp", &full))
        return NULL;
    size_t n = strlen(full);
    char *t = realloc(full, n + 2);
    if (t && t[n - 1] != '\\')
        strcpy(t + n, "\\");
    return t ? t : (free(full), NULL);
}

DWORD WINAPI GetTempPathA(DWORD len, LPSTR buf)
{
    char *t = wv_temp_path();
    DWORD r = wv_give_a(t, buf, len);
    free(t);
    return r;
}

DWORD WINAPI GetTempPathW(DWORD len, LPWSTR buf)
{
    char *t = wv_temp_path();
    DWORD r = wv_give_w(t, buf, len);
    free(t);
    return r;
}

UINT WINAPI GetSystemDirectoryA(LPSTR buf, UINT len) { return wv_give_a(WV_SYSTEM_DIR, buf, len); }
UINT WINAPI GetSystemDirectoryW(LPWSTR buf, UINT len) { return wv_give_w(WV_SYSTEM_DIR, buf, len); }
UINT WINAPI GetWindowsDirectoryA(LPSTR buf, UINT len) { return wv_give_a(WV_WINDOWS_DIR, buf, len); }
UINT WINAPI GetWindowsDirectoryW(LPWSTR buf, UINT len) { return wv_give_w(WV_WINDOWS_DIR, buf, len); }

/* ---- GetTempFileName: path\PPPXXXX.tmp, PPP the prefix's first three characters, XXXX the
 * unique number in hexadecimal; with unique 0 a number whose file did not exist is chosen
 * and the file created (empty), else nothing is created. ---- */

/* The name for n into out (MAX_PATH bytes): false when it would not fit. */
static bool wv_temp_name(const char *dir, const char *prefix, unsigned n, char *out)
{
    size_t len = strlen(dir);
    const char *sep = len && (dir[len - 1] == '\\' || dir[len - 1] == '/') ? "" : "\\";
    int r = snprintf(out, MAX_PATH, "%s%s%.3s%X.tmp", dir, sep, prefix, n & 0xffff);
    return r > 0 && r < MAX_PATH;
}

static UINT wv_temp_file(const char *dir, const char *prefix, UINT unique, char *out, DWORD *err)
{
    char *host = NULL;
    struct stat st;
    *err = wv_path_host(dir, &host);
    if (!*err && (stat(host, &st) != 0 || !S_ISDIR(st.st_mode)))
        *err = ERROR_DIRECTORY;
    free(host);
    if (*err)
        return 0;
    if (unique)
        return wv_temp_name(dir, prefix, unique, out) ? unique & 0xffff : (*err = ERROR_BUFFER_OVERFLOW, 0);
    unsigned start = (unsigned)GetTickCount() & 0xffff;
    for (unsigned k = 0; k < 0x10000; k++) {
        unsigned n = (start + k) & 0xffff;
        if (!n || !wv_temp_name(dir, prefix, n, out))
            continue;
        char *h = NULL;
        if ((*err = wv_path_host(out, &h)))
            return 0;
        int fd = open(h, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        int e = errno;
        free(h);
        if (fd >= 0)
            return close(fd), n;
        if (e != EEXIST)
            return *err = wv_errno_to_error(e), 0;
    }
    *err = ERROR_FILE_EXISTS;
    return 0;
}

UINT WINAPI GetTempFileNameA(LPCSTR path, LPCSTR prefix, UINT unique, LPSTR out)
{
    char *d = NULL, *p = NULL, name[MAX_PATH];
    DWORD err = !path || !out ? ERROR_INVALID_PARAMETER : wv_user_str(path, &d);
    if (!err && prefix)
        err = wv_user_str(prefix, &p);
    UINT n = err ? 0 : wv_temp_file(d, p ? p : "", unique, name, &err);
    if (!err)
        err = wv_user_put(out, name, strlen(name) + 1);
    free(d), free(p);
    return err ? (wv_set_error(err), 0) : n;
}

UINT WINAPI GetTempFileNameW(LPCWSTR path, LPCWSTR prefix, UINT unique, LPWSTR out)
{
    char *d = NULL, *p = NULL, name[MAX_PATH];
    DWORD err = !path || !out ? ERROR_INVALID_PARAMETER : wv_user_wstr(path, WV_TEXT_REPLACE, &d), ret;
    if (!err && prefix)
        err = wv_user_wstr(prefix, WV_TEXT_REPLACE, &p);
    UINT n = err ? 0 : wv_temp_file(d, p ? p : "", unique, name, &err);
    if (!err)
        err = wv_out_w(name, out, MAX_PATH, &ret);
    free(d), free(p);
    return err ? (wv_set_error(err), 0) : n;
}
