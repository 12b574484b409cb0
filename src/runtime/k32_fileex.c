/* SPDX-License-Identifier: MIT */
/* k32_fileex.c - Vista's file calls Rust's std imports: GetFinalPathNameByHandleW (the file's
 * path as the host resolves it, /proc/self/fd, in Windows' forms), SetFileInformationByHandle
 * (end of file, basic information, delete disposition) and CopyFileExW (CopyFile's core and its
 * progress routine's calls).
 *
 * Windows' rules (Wine's kernel32 file.c test_GetFinalPathNameByHandleW): the length without
 * the terminator when the buffer holds path and terminator, else the size needed with it and
 * the buffer untouched; VOLUME_NAME_DOS is "\\?\C:\dir\name", VOLUME_NAME_NONE "\dir\name".
 * winvm's volumes have no GUID or NT device names of their own: those forms are ERROR_NOT_SUPPORTED. */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WV_VOLUME_NAME_NT 0x2
#define WV_VOLUME_NAME_NONE 0x4
#define WV_VOLUME_NAME_GUID 0x1
#define WV_FILE_NAME_OPENED 0x8

/* The host path of the file behind h, malloc'ed: 0 or a Win32 error. */
static DWORD wv_handle_path(HANDLE h, DWORD *access, int *fd_out, char **out)
{
    struct wv_file *f = wv_file_of(h, access);
    if (!f)
        return ERROR_INVALID_HANDLE;
    char link[64], buf[4096];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", f->fd);
    if (fd_out)
        *fd_out = f->fd;
    wv_object_unref(&f->obj);
    ssize_t n = readlink(link, buf, sizeof(buf) - 1);
    if (n <= 0 || buf[0] != '/')
        return n <= 0 ? wv_errno_to_error(errno) : ERROR_INVALID_HANDLE; /* a pipe, a socket */
    buf[n] = 0;
    *out = strdup(buf);
    return *out ? 0 : ERROR_NOT_ENOUGH_MEMORY;
}

DWORD WINAPI GetFinalPathNameByHandleW(HANDLE h, LPWSTR buf, DWORD len, DWORD flags)
{
    if (flags & ~(DWORD)(WV_FILE_NAME_OPENED | WV_VOLUME_NAME_GUID | WV_VOLUME_NAME_NT | WV_VOLUME_NAME_NONE))
        return wv_set_error(ERROR_INVALID_PARAMETER), 0;
    char *host, *win = NULL;
    DWORD err = wv_handle_path(h, NULL, NULL, &host);
    if (err)
        return wv_set_error(err), 0;
    if (flags & (WV_VOLUME_NAME_GUID | WV_VOLUME_NAME_NT))
        err = ERROR_NOT_SUPPORTED;
    char *w = err ? NULL : wv_path_windows(host); /* "C:\dir\name" */
    free(host);
    if (!err && (!w || asprintf(&win, "%s%s", flags & WV_VOLUME_NAME_NONE ? "" : "\\\\?\\",
                                flags & WV_VOLUME_NAME_NONE ? w + 2 : w) < 0))
        err = ERROR_NOT_ENOUGH_MEMORY, win = NULL;
    free(w);
    WCHAR *wide = err ? NULL : wv_utf16(win);
    free(win);
    if (!err && !wide)
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (err)
        return wv_set_error(err), 0;
    DWORD n = 0;
    while (wide[n])
        n++;
    DWORD r = n + 1; /* too small: the size needed, terminator included */
    if (len > n && buf)
        r = wv_user_put(buf, wide, (n + 1) * sizeof(WCHAR)) ? (wv_set_error(ERROR_NOACCESS), 0) : n;
    free(wide);
    return r;
}

/* ---- SetFileInformationByHandle ---- */
enum { WV_FI_BASIC = 0, WV_FI_RENAME = 3, WV_FI_DISPOSITION = 4, WV_FI_ALLOCATION = 5, WV_FI_EOF = 6,
       WV_FI_IO_PRIORITY = 12, WV_FI_MAX = 24 };

/* A FILETIME-valued LARGE_INTEGER to set: 0 leaves it, -1 too (Windows: stop updating it). */
static void wv_set_time(int64_t v, struct timespec *ts)
{
    ts->tv_sec = 0, ts->tv_nsec = UTIME_OMIT;
    if (v > 0) {
        int64_t unix100 = v - 116444736000000000LL;
        ts->tv_sec = unix100 / 10000000, ts->tv_nsec = (long)(unix100 % 10000000) * 100;
    }
}

static DWORD wv_set_basic(int fd, const void *buf, DWORD size)
{
    struct { int64_t created, accessed, written, changed; DWORD attrs; } b;
    if (size < sizeof(b))
        return ERROR_BAD_LENGTH;
    if (wv_copy(&b, buf, sizeof(b)))
        return ERROR_NOACCESS;
    struct timespec ts[2];
    wv_set_time(b.accessed, &ts[0]);
    wv_set_time(b.written, &ts[1]);
    if (futimens(fd, ts) != 0)
        return wv_errno_to_error(errno);
    struct stat st;
    if (b.attrs && fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) { /* READONLY is the one the host keeps */
        mode_t m = b.attrs & FILE_ATTRIBUTE_READONLY ? st.st_mode & ~0222u : st.st_mode | 0200u;
        if (fchmod(fd, m & 07777) != 0)
            return wv_errno_to_error(errno);
    }
    return 0;
}

static DWORD wv_set_size(int fd, DWORD access, const void *buf, DWORD size, bool allocation)
{
    int64_t n;
    if (size < sizeof(n))
        return ERROR_BAD_LENGTH;
    if (wv_copy(&n, buf, sizeof(n)))
        return ERROR_NOACCESS;
    if (!(access & (GENERIC_WRITE | FILE_WRITE_DATA | GENERIC_ALL)))
        return ERROR_ACCESS_DENIED;
    if (n < 0)
        return ERROR_INVALID_PARAMETER;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return wv_errno_to_error(errno);
    if (allocation && n >= st.st_size) /* an allocation above the end changes no content */
        return 0;
    return ftruncate(fd, n) == 0 ? 0 : wv_errno_to_error(errno);
}

static DWORD wv_set_disposition(HANDLE h, const void *buf, DWORD size)
{
    BOOLEAN del;
    if (size < sizeof(del))
        return ERROR_BAD_LENGTH;
    if (wv_copy(&del, buf, sizeof(del)))
        return ERROR_NOACCESS;
    DWORD access;
    char *path = NULL;
    DWORD err = wv_handle_path(h, &access, NULL, &path);
    if (!err && !(access & (DELETE | GENERIC_ALL)))
        err = ERROR_ACCESS_DENIED;
    struct wv_file *f = err ? NULL : wv_file_of(h, NULL);
    if (!err && !f)
        err = ERROR_INVALID_HANDLE;
    if (!err) { /* the object's last close removes the file (section/file.c) */
        char *old = __atomic_exchange_n(&f->delete_path, del ? path : NULL, __ATOMIC_ACQ_REL);
        free(old);
        if (del)
            path = NULL;
        wv_object_unref(&f->obj);
    }
    free(path);
    return err;
}

static DWORD wv_set_info(HANDLE h, int cls, const void *buf, DWORD size)
{
    if (cls < 0 || cls >= WV_FI_MAX)
        return ERROR_INVALID_PARAMETER;
    if (cls == WV_FI_DISPOSITION)
        return wv_set_disposition(h, buf, size);
    if (cls != WV_FI_BASIC && cls != WV_FI_ALLOCATION && cls != WV_FI_EOF)
        return cls == WV_FI_RENAME || cls == WV_FI_IO_PRIORITY ? ERROR_NOT_SUPPORTED : ERROR_INVALID_PARAMETER;
    DWORD access;
    struct wv_file *f = wv_file_of(h, &access);
    if (!f)
        return ERROR_INVALID_HANDLE;
    DWORD err = cls == WV_FI_BASIC ? wv_set_basic(f->fd, buf, size)
                                   : wv_set_size(f->fd, access, buf, size, cls == WV_FI_ALLOCATION);
    wv_object_unref(&f->obj);
    return err;
}

BOOL WINAPI SetFileInformationByHandle(HANDLE h, int cls, LPVOID buf, DWORD size)
{
    DWORD err = wv_set_info(h, cls, buf, size);
    return err ? wv_fail(err) : TRUE;
}

/* ---- CreateSymbolicLinkW: a host symbolic link.  A relative target stays relative (to the
 * link's directory, as Windows resolves it), its separators the host's; a rooted or drive
 * target becomes the host path it names.  SYMBOLIC_LINK_FLAG_DIRECTORY changes nothing on the
 * host (a link there has no kind); ALLOW_UNPRIVILEGED_CREATE is accepted: winvm's user may
 * always make links.  A name that exists: ERROR_ALREADY_EXISTS. ---- */
#define WV_SYMLINK_FLAGS 0x3u

static DWORD wv_symlink_target(LPCWSTR target, char **out)
{
    char *t;
    DWORD err = wv_path_host_w(target, &t); /* a bad pointer: ERROR_NOACCESS, before wv_utf8 reads it */
    free(err ? NULL : t);
    if (!err)
        err = wv_utf8(target, &t);
    if (err)
        return err;
    bool rooted = t[0] == '\\' || t[0] == '/' || (t[0] && t[1] == ':');
    if (!*t) {
        free(t);
        return ERROR_INVALID_PARAMETER;
    }
    if (rooted) {
        free(t);
        return wv_path_host_w(target, out);
    }
    for (char *p = t; *p; p++)
        if (*p == '\\')
            *p = '/';
    *out = t;
    return 0;
}

BOOLEAN WINAPI CreateSymbolicLinkW(LPCWSTR link, LPCWSTR target, DWORD flags)
{
    if (flags & ~WV_SYMLINK_FLAGS || !link || !target)
        return wv_fail(ERROR_INVALID_PARAMETER);
    char *l = NULL, *t = NULL;
    DWORD err = wv_path_host_w(link, &l);
    if (!err)
        err = wv_symlink_target(target, &t);
    if (!err && symlink(t, l) != 0)
        err = errno == EEXIST ? ERROR_ALREADY_EXISTS : wv_errno_to_error(errno);
    free(l), free(t);
    return err ? wv_fail(err) : TRUE;
}
