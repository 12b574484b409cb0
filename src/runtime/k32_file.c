/* SPDX-License-Identifier: MIT */
/* k32_file.c - CreateFile over the file objects of section/file.c, with Windows paths mapped
 * (k32_path.c), and what a file handle tells about its file: GetFileType,
 * GetFileInformationByHandle, GetFileTime/SetFileTime, GetHandleInformation.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/io_int.h"
#include "runtime/k32_ext.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct wv_file *wv_file_of(HANDLE h, DWORD *access)
{
    return (struct wv_file *)wv_handle_get(h, WV_KIND_FILE, access);
}

int wv_file_stat(int fd, const char *path, struct stat *st, FILETIME t[3])
{
    struct statx x;
    int flags = path ? 0 : AT_EMPTY_PATH;
    if (statx(path ? AT_FDCWD : fd, path ? path : "", flags, STATX_BASIC_STATS | STATX_BTIME, &x) != 0)
        return errno;
    if (path ? stat(path, st) : fstat(fd, st))
        return errno;
    struct timespec birth = {(time_t)x.stx_btime.tv_sec, (long)x.stx_btime.tv_nsec};
    if (t) {
        wv_filetime_set(&t[0], wv_filetime_of((x.stx_mask & STATX_BTIME) ? &birth : &st->st_ctim));
        wv_filetime_set(&t[1], wv_filetime_of(&st->st_atim));
        wv_filetime_set(&t[2], wv_filetime_of(&st->st_mtim));
    }
    return 0;
}

DWORD wv_file_attributes(const struct stat *st, const char *name)
{
    DWORD a = S_ISDIR(st->st_mode) ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE;
    if (!(st->st_mode & 0222))
        a |= FILE_ATTRIBUTE_READONLY;
    if (name && name[0] == '.' && strcmp(name, ".") && strcmp(name, ".."))
        a |= FILE_ATTRIBUTE_HIDDEN;
    return a;
}

/* ---- CreateFile ---- */

static HANDLE wv_create(DWORD err, char *host, DWORD access, DWORD share, DWORD disposition, DWORD flags)
{
    HANDLE h = INVALID_HANDLE_VALUE;
    bool existed = false;
    if (!err) {
        DWORD e = wv_file_open(host, access, share, disposition, flags, &h, &existed);
        err = wv_sysdir_error(host, e);
        if (err != e && disposition != OPEN_EXISTING && disposition != TRUNCATE_EXISTING)
            err = ERROR_ACCESS_DENIED; /* a new file in the system directory: its ACL refuses it */
    }
    free(host);
    if (err)
        return wv_fail_file(err);
    wv_set_error(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
    return h;
}

/* The security attributes' inheritance and the template are not used: winvm starts no child
 * processes that could inherit, and CreateFile ignores a template when opening. */
HANDLE WINAPI CreateFileA(LPCSTR name, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
                          DWORD disposition, DWORD flags, HANDLE template_file)
{
    (void)sa, (void)template_file;
    char *host, *win = NULL;
    HANDLE pipe;
    bool is_pipe = name && !wv_user_str(name, &win) &&
                   (wv_console_createfile(win, access, disposition, &pipe) || wv_npipe_createfile(win, access, flags, &pipe) ||
                    wv_mslot_createfile(win, access, flags, &pipe));
    free(win);
    if (is_pipe) /* "\\\\.\\pipe\\NAME": a named pipe's client end (npipe_client.c); a mailslot's (mailslot.c); a console (k32_conopen.c) */
        return pipe;
    DWORD err = wv_path_host_a(name, &host);
    return wv_create(err, host, access, share, disposition, flags);
}

HANDLE WINAPI CreateFileW(LPCWSTR name, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
                          DWORD disposition, DWORD flags, HANDLE template_file)
{
    (void)sa, (void)template_file;
    char *host, *win = NULL;
    HANDLE pipe;
    bool is_pipe = name && !wv_user_wstr(name, WV_TEXT_REPLACE, &win) &&
                   (wv_console_createfile(win, access, disposition, &pipe) || wv_npipe_createfile(win, access, flags, &pipe) ||
                    wv_mslot_createfile(win, access, flags, &pipe));
    free(win);
    if (is_pipe)
        return pipe;
    DWORD err = wv_path_host_w(name, &host);
    return wv_create(err, host, access, share, disposition, flags);
}

/* ---- what a handle tells ---- */

DWORD WINAPI GetFileType(HANDLE h)
{
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f)
        return wv_set_error(ERROR_INVALID_HANDLE), FILE_TYPE_UNKNOWN;
    struct stat st;
    int r = fstat(f->fd, &st);
    wv_object_unref(&f->obj);
    if (r != 0)
        return wv_set_error(ERROR_INVALID_HANDLE), FILE_TYPE_UNKNOWN;
    wv_set_error(ERROR_SUCCESS); /* FILE_TYPE_UNKNOWN is an answer too */
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode))
        return FILE_TYPE_DISK;
    if (S_ISCHR(st.st_mode))
        return FILE_TYPE_CHAR;
    if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
        return FILE_TYPE_PIPE;
    return FILE_TYPE_UNKNOWN;
}

/* The volume serial number of a host device: its number folded to 32 bits. */
static DWORD wv_serial(dev_t dev) { return (DWORD)(dev ^ (dev >> 32)); }

/* The file behind h: its stat and its creation, access and write times.  0 or a Win32 error. */
static DWORD wv_handle_stat(HANDLE h, struct stat *st, FILETIME t[3])
{
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f)
        return ERROR_INVALID_HANDLE;
    int e = wv_file_stat(f->fd, NULL, st, t);
    wv_object_unref(&f->obj);
    return e ? wv_errno_to_error(e) : 0;
}

BOOL WINAPI GetFileInformationByHandle(HANDLE h, LPBY_HANDLE_FILE_INFORMATION out)
{
    struct stat st;
    FILETIME t[3];
    DWORD err = wv_handle_stat(h, &st, t);
    if (err)
        return wv_fail(err);
    uint64_t size = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size, ino = (uint64_t)st.st_ino;
    BY_HANDLE_FILE_INFORMATION i = {
        .dwFileAttributes = wv_file_attributes(&st, NULL),
        .ftCreationTime = t[0], .ftLastAccessTime = t[1], .ftLastWriteTime = t[2],
        .dwVolumeSerialNumber = wv_serial(st.st_dev),
        .nFileSizeHigh = (DWORD)(size >> 32), .nFileSizeLow = (DWORD)size,
        .nNumberOfLinks = (DWORD)st.st_nlink,
        .nFileIndexHigh = (DWORD)(ino >> 32), .nFileIndexLow = (DWORD)ino};
    err = wv_user_put(out, &i, sizeof(i));
    return err ? wv_fail(err) : TRUE;
}

/* GetFileInformationByHandleEx: the classes built from the file's stat, in Windows' layouts
 * (FILE_BASIC_INFO, FILE_STANDARD_INFO, FILE_ATTRIBUTE_TAG_INFO, FILE_ID_INFO).  A buffer
 * smaller than the class's structure: ERROR_BAD_LENGTH; a class that only SetFileInformationByHandle
 * takes, or none: ERROR_INVALID_PARAMETER; the directory listings, names and stream classes,
 * which winvm does not serve: ERROR_NOT_SUPPORTED. */
enum { WV_FI_BASIC = 0, WV_FI_STANDARD = 1, WV_FI_ATTRIBUTE_TAG = 9, WV_FI_ID = 18, WV_FI_MAX = 24 };
static const unsigned char wv_fi_set_only[] = {3, 4, 5, 6, 12, 21, 22};

static DWORD wv_file_info_ex(HANDLE h, int cls, void *buf, DWORD size)
{
    struct stat st;
    FILETIME t[3];
    for (size_t i = 0; i < sizeof(wv_fi_set_only); i++)
        if (cls == wv_fi_set_only[i])
            return ERROR_INVALID_PARAMETER;
    if (cls < 0 || cls >= WV_FI_MAX)
        return ERROR_INVALID_PARAMETER;
    if (cls != WV_FI_BASIC && cls != WV_FI_STANDARD && cls != WV_FI_ATTRIBUTE_TAG && cls != WV_FI_ID)
        return ERROR_NOT_SUPPORTED;
    DWORD err = wv_handle_stat(h, &st, t);
    if (err)
        return err;
    DWORD attrs = wv_file_attributes(&st, NULL);
    uint64_t eof = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size;
    union {
        struct { int64_t created, accessed, written, changed; DWORD attrs; } basic;
        struct { int64_t alloc, eof; DWORD links; BOOLEAN delete_pending, dir; } std;
        struct { DWORD attrs, tag; } tag;
        struct { uint64_t volume; uint64_t id[2]; } id;
    } u;
    memset(&u, 0, sizeof(u));
    DWORD need = cls == WV_FI_BASIC ? sizeof(u.basic) : cls == WV_FI_STANDARD ? sizeof(u.std)
                 : cls == WV_FI_ATTRIBUTE_TAG ? sizeof(u.tag) : sizeof(u.id);
    if (size < need)
        return ERROR_BAD_LENGTH;
    if (cls == WV_FI_BASIC) {
        u.basic.created = (int64_t)wv_filetime_get(&t[0]), u.basic.accessed = (int64_t)wv_filetime_get(&t[1]);
        u.basic.written = (int64_t)wv_filetime_get(&t[2]), u.basic.changed = (int64_t)wv_filetime_of(&st.st_ctim);
        u.basic.attrs = attrs;
    } else if (cls == WV_FI_STANDARD) {
        u.std.alloc = (int64_t)st.st_blocks * 512, u.std.eof = (int64_t)eof;
        u.std.links = (DWORD)st.st_nlink, u.std.dir = S_ISDIR(st.st_mode);
    } else if (cls == WV_FI_ATTRIBUTE_TAG) {
        u.tag.attrs = attrs;
    } else {
        u.id.volume = wv_serial(st.st_dev), u.id.id[0] = (uint64_t)st.st_ino;
    }
    return wv_user_put(buf, &u, need);
}

BOOL WINAPI GetFileInformationByHandleEx(HANDLE h, int cls, LPVOID buf, DWORD size)
{
    DWORD err = wv_file_info_ex(h, cls, buf, size);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI GetFileTime(HANDLE h, LPFILETIME created, LPFILETIME accessed, LPFILETIME written)
{
    struct stat st;
    FILETIME t[3];
    DWORD err = wv_handle_stat(h, &st, t);
    if (err)
        return wv_fail(err);
    LPFILETIME out[3] = {created, accessed, written};
    for (int i = 0; i < 3; i++)
        if (out[i] && wv_user_put(out[i], &t[i], sizeof(t[i])))
            return wv_fail(ERROR_NOACCESS);
    return TRUE;
}

/* A time to set: UTIME_OMIT for none, or for the values that mean "leave it" (0 and -1). */
static DWORD wv_time_arg(const FILETIME *ft, struct timespec *ts)
{
    FILETIME v;
    ts->tv_sec = 0, ts->tv_nsec = UTIME_OMIT;
    if (!ft)
        return 0;
    if (wv_copy(&v, ft, sizeof(v)))
        return ERROR_NOACCESS;
    uint64_t x = wv_filetime_get(&v);
    if (x != 0 && x != UINT64_MAX)
        *ts = wv_timespec_of(x);
    return 0;
}

/* The creation time cannot be set on Linux: it is left as it is (docs/semantics.md). */
BOOL WINAPI SetFileTime(HANDLE h, const FILETIME *created, const FILETIME *accessed, const FILETIME *written)
{
    (void)created;
    struct timespec ts[2];
    DWORD access = 0, err = wv_time_arg(accessed, &ts[0]);
    if (!err)
        err = wv_time_arg(written, &ts[1]);
    if (err)
        return wv_fail(err);
    struct wv_file *f = wv_file_of(h, &access);
    if (!f)
        return wv_fail(ERROR_INVALID_HANDLE);
    if (!(access & (WV_FILE_WRITE_RIGHTS | FILE_WRITE_ATTRIBUTES)))
        err = ERROR_ACCESS_DENIED;
    else if (futimens(f->fd, ts) != 0)
        err = wv_errno_to_error(errno);
    wv_object_unref(&f->obj);
    return err ? wv_fail(err) : TRUE;
}

/* A handle's flags are kept as set (HANDLE_FLAG_PROTECT_FROM_CLOSE makes CloseHandle fail);
 * HANDLE_FLAG_INHERIT is recorded only: no child process inherits winvm's handles.  A find
 * handle is not a kernel handle. */
BOOL WINAPI GetHandleInformation(HANDLE h, LPDWORD flags)
{
    DWORD v = 0, err = wv_handle_flags(h, 0, 0, &v);
    if (!err)
        err = wv_user_put(flags, &v, sizeof(v));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetHandleInformation(HANDLE h, DWORD mask, DWORD flags)
{
    DWORD err = wv_handle_flags(h, mask, flags, NULL);
    return err ? wv_fail(err) : TRUE;
}
