/* SPDX-License-Identifier: MIT */
/* msvcrt_fs.c - msvcrt's calls on names: _stat64/_fstat64 and their wide and i64 forms,
 * _access, _unlink, rename/remove, _mkdir/_rmdir/_chdir/_getcwd/_fullpath, _chmod,
 * _utime64, and directory searches (_findfirst/_findnext/_findclose).
 *
 * Names are Windows' with either separator (msvcrt_io.c's wv_crt_host_path); the W forms take
 * UTF-16.  Windows' answers kept: _stat of a name ending in a separator fails (ENOENT) unless it
 * is the root; st_mode has read for everyone, write unless read-only, execute for directories
 * and .exe/.com/.bat/.cmd; _unlink of a directory and rename onto an existing name are EACCES;
 * wildcard searches are case-insensitive and "*.*" matches every name; _getcwd and _fullpath
 * answer in Windows' form ("C:\\x\\y"), as GetCurrentDirectory and GetFullPathName do.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* struct _stat64 (and _stati64 on x64): 56 bytes. */
struct wv_stat64 {
    unsigned dev;
    unsigned short ino, mode;
    short nlink, uid, gid;
    unsigned rdev;
    long long size, atime, mtime, ctime;
};
_Static_assert(sizeof(struct wv_stat64) == 56, "msvcrt's struct _stat64");

static bool wv_exec_name(const char *p)
{
    const char *dot = strrchr(p, '.');
    static const char *const ext[] = {".exe", ".com", ".bat", ".cmd"};
    for (int i = 0; dot && i < 4; i++)
        if (!strcasecmp(dot, ext[i]))
            return true;
    return false;
}

static void wv_stat_fill(const struct stat *st, unsigned dev, bool exec, struct wv_stat64 *out)
{
    unsigned short type = S_ISDIR(st->st_mode)   ? 0x4000
                          : S_ISCHR(st->st_mode) ? 0x2000
                          : S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode) ? 0x1000
                                                                           : 0x8000;
    unsigned short mode = 0444 | (st->st_mode & 0200 ? 0222 : 0) | (exec || type == 0x4000 ? 0111 : 0);
    *out = (struct wv_stat64){.dev = dev, .mode = type | mode, .nlink = (short)st->st_nlink,
                              .rdev = dev, .size = type == 0x8000 ? st->st_size : 0,
                              .atime = st->st_atime, .mtime = st->st_mtime, .ctime = st->st_ctime};
}

static int wv_stat_path(const char *p, struct wv_stat64 *buf)
{
    size_t n = strlen(p);
    struct stat st;
    if (!buf)
        return wv_crt_fail(EINVAL);
    if (n > 1 && p[n - 1] == '/' && !(n == 3 && p[1] == ':'))
        return wv_crt_fail(ENOENT); /* "dir\" is not found on Windows */
    if (stat(p, &st) < 0)
        return wv_crt_fail(errno);
    wv_stat_fill(&st, 2 /* drive C: */, wv_exec_name(p), buf);
    return 0;
}

CRT int wv_ms__fstat64(int fd, struct wv_stat64 *buf)
{
    struct stat st;
    if (!wv_crt_fd_valid(fd))
        return wv_crt_fail(EBADF);
    if (!buf)
        return wv_crt_fail(EINVAL);
    if (fstat(fd, &st) < 0)
        return wv_crt_fail(errno);
    wv_stat_fill(&st, (unsigned)fd, false, buf);
    return 0;
}

CRT int wv_ms__fstati64(int fd, struct wv_stat64 *buf) { return wv_ms__fstat64(fd, buf); }

/* Runs op on the host form of a narrow name n or a UTF-16 one w: its result, or -1 and errno
 * when the name cannot be converted.  WV_PAIR makes an export pair from one op. */
typedef int (*wv_name_op)(const char *p, intptr_t a);

static int wv_on_name(const char *n, const WCHAR *w, intptr_t a, wv_name_op op)
{
    char *p = w ? wv_crt_host_wpath(w) : wv_crt_host_path(n);
    if (!p)
        return -1;
    int r = op(p, a);
    free(p);
    return r;
}

#define WV_PAIR(name, type)                                                                     CRT int wv_ms__##name(const char *n, type a) { return wv_on_name(n, NULL, (intptr_t)a, wv_op_##name); }     CRT int wv_ms__w##name(const WCHAR *w, type a) { return wv_on_name(NULL, w, (intptr_t)a, wv_op_##name); }
#define WV_PAIR0(name)                                                                          CRT int wv_ms__##name(const char *n) { return wv_on_name(n, NULL, 0, wv_op_##name); }         CRT int wv_ms__w##name(const WCHAR *w) { return wv_on_name(NULL, w, 0, wv_op_##name); }

static int wv_op_stat64(const char *p, intptr_t a) { return wv_stat_path(p, (struct wv_stat64 *)a); }
static int wv_op_stati64(const char *p, intptr_t a) { return wv_stat_path(p, (struct wv_stat64 *)a); }
WV_PAIR(stat64, struct wv_stat64 *)
WV_PAIR(stati64, struct wv_stat64 *)

static int wv_op_access(const char *p, intptr_t a)
{
    struct stat st;
    if (a & ~6)
        return wv_crt_fail(EINVAL);
    if (stat(p, &st) < 0)
        return wv_crt_fail(errno);
    return (a & 2) && !S_ISDIR(st.st_mode) && access(p, W_OK) < 0 ? wv_crt_fail(EACCES) : 0;
}
WV_PAIR(access, int)

/* Windows' one permission: _S_IWRITE (0x80) or read-only. */
static int wv_op_chmod(const char *p, intptr_t a)
{
    struct stat st;
    if (stat(p, &st) < 0)
        return wv_crt_fail(errno);
    mode_t m = a & 0x80 ? (st.st_mode | 0200) : (st.st_mode & ~(mode_t)0222);
    return chmod(p, m & 07777) < 0 ? wv_crt_fail(errno) : 0;
}
WV_PAIR(chmod, int)

/* The struct __utimbuf64 times (access, modification), or now when NULL. */
static int wv_op_utime64(const char *p, intptr_t a)
{
    const long long *t = (const long long *)a;
    struct timespec ts[2] = {{.tv_nsec = UTIME_NOW}, {.tv_nsec = UTIME_NOW}};
    if (t)
        ts[0] = (struct timespec){.tv_sec = t[0]}, ts[1] = (struct timespec){.tv_sec = t[1]};
    return utimensat(AT_FDCWD, p, ts, 0) < 0 ? wv_crt_fail(errno) : 0;
}
WV_PAIR(utime64, const long long *)

static int wv_op_unlink(const char *p, intptr_t a)
{
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
        return wv_crt_fail(EACCES);
    return unlink(p) < 0 ? wv_crt_fail(errno) : 0;
}
static int wv_op_mkdir(const char *p, intptr_t a) { return mkdir(p, 0777) < 0 ? wv_crt_fail(errno) : 0; }
static int wv_op_rmdir(const char *p, intptr_t a) { return rmdir(p) < 0 ? wv_crt_fail(errno) : 0; }
/* As SetCurrentDirectory: C:\windows and its system32 are current directories too. */
static int wv_op_chdir(const char *p, intptr_t a)
{
    if (chdir(p) == 0)
        return wv_sysdir_leave(), 0;
    int e = errno;
    return e == ENOENT && !wv_sysdir_chdir(p) ? 0 : wv_crt_fail(e);
}
WV_PAIR0(unlink)
WV_PAIR0(mkdir)
WV_PAIR0(rmdir)
WV_PAIR0(chdir)

CRT int wv_ms_remove(const char *p) { return wv_ms__unlink(p); }
CRT int wv_ms__wremove(const WCHAR *p) { return wv_ms__wunlink(p); }

static int wv_rename_to(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    return wv_crt_fail(errno == EEXIST ? EACCES : errno);
}

CRT int wv_ms_rename(const char *a, const char *b)
{
    char *x = wv_crt_host_path(a), *y = x ? wv_crt_host_path(b) : NULL;
    int r = x && y ? wv_rename_to(x, y) : -1;
    free(x), free(y);
    return r;
}

CRT int wv_ms__wrename(const WCHAR *a, const WCHAR *b)
{
    char *x = wv_crt_host_wpath(a), *y = x ? wv_crt_host_wpath(b) : NULL;
    int r = x && y ? wv_rename_to(x, y) : -1;
    free(x), free(y);
    return r;
}

/* ---- the working directory and full paths ---- */

/* The answer in buf (cap bytes), or malloc'ed when buf is NULL (at least cap): ERANGE when it
 * does not fit a caller's buffer. */
static char *wv_give(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(s) + 1;
    if (!buf) {
        buf = malloc(n > cap ? n : cap);
        return buf ? memcpy(buf, s, n) : (wv_crt_fail(ENOMEM), NULL);
    }
    if (n > cap)
        return wv_crt_fail(ERANGE), NULL;
    return memcpy(buf, s, n);
}

static WCHAR *wv_wgive(WCHAR *buf, size_t cap, const char *s)
{
    WCHAR *w = wv_utf16(s);
    size_t n = w ? wv_crt_wcslen(w) + 1 : 0;
    WCHAR *r = NULL;
    if (!w)
        wv_crt_fail(ENOMEM);
    else if (!buf)
        r = (buf = malloc((n > cap ? n : cap) * 2)) ? memcpy(buf, w, n * 2) : NULL;
    else if (n > cap)
        wv_crt_fail(ERANGE);
    else
        r = memcpy(buf, w, n * 2);
    free(w);
    return r;
}

/* The current directory, Windows' form, malloc'ed; NULL with errno set. */
static char *wv_crt_cwd(void)
{
    char *w = wv_cwd_windows();
    if (!w)
        wv_crt_fail(errno ? errno : ENOMEM);
    return w;
}

CRT char *wv_ms__getcwd(char *buf, int cap)
{
    char *cwd = wv_crt_cwd();
    char *r = cwd ? wv_give(buf, cap > 0 ? (size_t)cap : 0, cwd) : NULL;
    free(cwd);
    return r;
}

CRT WCHAR *wv_ms__wgetcwd(WCHAR *buf, int cap)
{
    char *cwd = wv_crt_cwd();
    WCHAR *r = cwd ? wv_wgive(buf, cap > 0 ? (size_t)cap : 0, cwd) : NULL;
    free(cwd);
    return r;
}

/* GetFullPathName's answer for path (UTF-8; NULL or "" is the current directory), malloc'ed;
 * NULL with errno set. */
static char *wv_crt_full(const char *path)
{
    char *full = NULL;
    if (!path || !*path)
        return wv_crt_cwd();
    DWORD err = wv_path_full(path, &full);
    if (err)
        wv_crt_fail(err == ERROR_NOT_ENOUGH_MEMORY ? ENOMEM : err == ERROR_BAD_NETPATH ? ENOENT : EINVAL);
    return err ? NULL : full;
}

CRT char *wv_ms__fullpath(char *buf, const char *path, size_t cap)
{
    char *full = wv_crt_full(path);
    char *r = full ? wv_give(buf, buf ? cap : 0, full) : NULL;
    free(full);
    return r;
}

CRT WCHAR *wv_ms__wfullpath(WCHAR *buf, const WCHAR *path, size_t cap)
{
    char *u = NULL;
    if (path && wv_utf8(path, &u))
        return wv_crt_fail(u ? ENOMEM : EINVAL), NULL;
    char *full = wv_crt_full(u);
    WCHAR *r = full ? wv_wgive(buf, buf ? cap : 0, full) : NULL;
    free(u), free(full);
    return r;
}
