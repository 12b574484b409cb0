/* SPDX-License-Identifier: MIT */
/* k32_sysdir.c - the system directory, C:\windows\system32 (GetSystemDirectory's), whose
 * builtin DLLs' files exist as they do on Windows (docs/semantics.md, "The system directory").
 *
 * C:\ is the host's root, where /windows/system32 does not exist.  A path naming a builtin's
 * file there (any case, '\' or '/', "\\?\" form, "." and ".." resolved, any drive letter as
 * every one is C:) is the loader's sealed in-memory copy of it (wv_builtin_file): the host path
 * handed on is "/proc/self/fd/N", which opens, stats and copies as the file, and no write can
 * change.  Other names there stay what the host has (nothing: ERROR_FILE_NOT_FOUND).
 * C:\windows and C:\windows\system32 are directories to the attribute calls, and FindFirstFile
 * lists them (k32_find.c), when the host has no such directory.
 *
 * Nothing is made before a program names such a file: a path without "system32" in it costs
 * one scan of its bytes.  The first name of a builtin's file makes its module (as naming it
 * anywhere does) and then its file.  Lock: the loader lock (level 2) inside wv_builtin_file;
 * no caller of wv_path_host holds a lock below it.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define WV_SYS32 "\\windows\\system32"

/* full (from wv_path_full) without a "\\?\" prefix, which wv_path_full keeps as given. */
static const char *wv_sysdir_root(const char *full) { return strncmp(full, "\\\\?\\", 4) ? full : full + 4; }

/* The full, normalised Windows form of win when it lies in the system directory or is it or
 * C:\windows (the only paths worth the work); NULL otherwise. */
static char *wv_sysdir_full(const char *win)
{
    char *full = NULL;
    if (!strcasestr(win, "windows") || wv_path_full(win, &full))
        return NULL;
    const char *p = wv_sysdir_root(full);
    if (p[0] && p[1] == ':' && !strncasecmp(p + 2, "\\windows", 8) && (!p[10] || p[10] == '\\'))
        return full;
    free(full);
    return NULL;
}

/* The builtin whose file full (from wv_sysdir_full) names, or NULL. */
static const struct wv_builtin *wv_sysdir_builtin(const char *full)
{
    const char *p = wv_sysdir_root(full);
    size_t n = strlen(WV_SYS32);
    if (strncasecmp(p + 2, WV_SYS32 "\\", n + 1) || strchr(p + 2 + n + 1, '\\'))
        return NULL;
    return wv_builtin_named(p + 2 + n + 1); /* a bare name: compared without case */
}

bool wv_sysdir_host(const char *win, char **out, DWORD *err)
{
    if (!strcasestr(win, "system32"))
        return false;
    wv_runtime_init(); /* a C caller's first call may be this one: the builtins known */
    char *full = wv_sysdir_full(win);
    const struct wv_builtin *bi = full ? wv_sysdir_builtin(full) : NULL;
    free(full);
    if (!bi)
        return false;
    int fd;
    *err = wv_builtin_file(bi, &fd);
    if (!*err && asprintf(out, "/proc/self/fd/%d", fd) < 0)
        *out = NULL, *err = ERROR_NOT_ENOUGH_MEMORY;
    return true;
}

/* Whether full (from wv_sysdir_full) is C:\windows or its system32. */
static bool wv_sysdir_full_is_dir(const char *full)
{
    const char *p = wv_sysdir_root(full);
    size_t n = strlen(p), sys = strlen(WV_SYS32);
    while (n > 10 && p[n - 1] == '\\')
        n--; /* "C:\windows\system32\" is the directory too */
    return n == 10 || (n == 2 + sys && !strncasecmp(p + 2, WV_SYS32, sys));
}

bool wv_sysdir_is_dir(const char *host)
{
    char *full = wv_sysdir_full(host);
    bool dir = full && wv_sysdir_full_is_dir(full);
    free(full);
    return dir;
}

DWORD wv_sysdir_error(const char *host, DWORD err)
{
    if (err != ERROR_PATH_NOT_FOUND)
        return err;
    char *dir = strdup(host), *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash)
        *slash = 0;
    struct stat st;
    bool ours = slash && slash != dir && stat(dir, &st) != 0 && wv_sysdir_is_dir(dir);
    free(dir);
    return ours ? ERROR_FILE_NOT_FOUND : err;
}

const char *wv_sysdir_entry(const char *dir, size_t i)
{
    char *full = wv_sysdir_full(dir);
    if (!full || !wv_sysdir_full_is_dir(full)) {
        free(full);
        return NULL;
    }
    bool windows = strlen(wv_sysdir_root(full)) <= 11; /* "C:\windows" or "C:\windows\" */
    free(full);
    wv_runtime_init();
    return windows ? (i == 0 ? "system32" : NULL) : wv_builtin_name_at(i);
}

int wv_sysdir_stat(const char *host, struct stat *st, FILETIME t[3])
{
    char *h = NULL;
    DWORD err = 0;
    int e = ENOENT;
    if (wv_sysdir_host(host, &h, &err))
        e = err ? ENOENT : wv_file_stat(-1, h, st, t);
    else if (wv_sysdir_is_dir(host))
        e = wv_file_stat(-1, "/", st, t);
    free(h);
    return e;
}

/* ---- the current directory inside them ----
 * SetCurrentDirectory into C:\windows or its system32 (which the host lacks) makes that the
 * process's current directory as Windows has it: GetCurrentDirectory and msvcrt's _getcwd give
 * it, relative names resolve against it (k32_path.c), a child process started from it starts
 * in it (WINVM_CWD, process_create.c / process_child.c).  The host's current directory is its
 * root meanwhile, the nearest directory it has (C:\ is "/").  The state is one word, read
 * without a lock: 0 the host's, 1 C:\windows, 2 C:\windows\system32 (GetSystemDirectory's
 * spelling, whatever case the program used: a winvm choice). */

static int wv_vcwd;

const char *wv_sysdir_cwd(void)
{
    switch (__atomic_load_n(&wv_vcwd, __ATOMIC_ACQUIRE)) {
    case 1: return WV_WINDOWS_DIR;
    case 2: return WV_SYSTEM_DIR;
    default: return NULL;
    }
}

const char *wv_sysdir_which(const char *path)
{
    char *full = wv_sysdir_full(path);
    const char *which = NULL;
    if (full && wv_sysdir_full_is_dir(full))
        which = strlen(wv_sysdir_root(full)) > 11 ? WV_SYSTEM_DIR : WV_WINDOWS_DIR; /* past "C:\windows\" */
    free(full);
    return which;
}

DWORD wv_sysdir_chdir(const char *path)
{
    const char *which = wv_sysdir_which(path);
    if (!which)
        return ERROR_PATH_NOT_FOUND;
    if (chdir("/") != 0)
        return ERROR_ACCESS_DENIED;
    __atomic_store_n(&wv_vcwd, strcmp(which, WV_SYSTEM_DIR) ? 1 : 2, __ATOMIC_RELEASE);
    return 0;
}

void wv_sysdir_leave(void) { __atomic_store_n(&wv_vcwd, 0, __ATOMIC_RELEASE); }
