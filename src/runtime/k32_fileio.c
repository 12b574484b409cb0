/* SPDX-License-Identifier: MIT */
/* k32_fileio.c - a file handle's size and position: GetFileSize(Ex), SetFilePointer(Ex),
 * SetEndOfFile, FlushFileBuffers.  The position is the descriptor's, shared by duplicated
 * handles as a Windows file object's is.
 */
#define _GNU_SOURCE
#include "runtime/io_int.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

/* The size of the file behind h (0 for a directory): 0 or a Win32 error. */
static DWORD wv_size_of(HANDLE h, uint64_t *size)
{
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f)
        return ERROR_INVALID_HANDLE;
    struct stat st;
    int r = fstat(f->fd, &st);
    wv_object_unref(&f->obj);
    if (r != 0)
        return ERROR_INVALID_HANDLE;
    *size = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size;
    return 0;
}

BOOL WINAPI GetFileSizeEx(HANDLE h, PLARGE_INTEGER out)
{
    uint64_t size = 0;
    DWORD err = wv_size_of(h, &size);
    LARGE_INTEGER v = {.QuadPart = (LONGLONG)size};
    if (!err)
        err = wv_user_put(out, &v, sizeof(v));
    return err ? wv_fail(err) : TRUE;
}

/* A size whose low part is INVALID_FILE_SIZE is told from a failure by a last error of 0. */
DWORD WINAPI GetFileSize(HANDLE h, LPDWORD high)
{
    uint64_t size = 0;
    DWORD err = wv_size_of(h, &size), hi = (DWORD)(size >> 32);
    if (!err && high)
        err = wv_user_put(high, &hi, sizeof(hi));
    if (err)
        return wv_set_error(err), INVALID_FILE_SIZE;
    if ((DWORD)size == INVALID_FILE_SIZE)
        wv_set_error(ERROR_SUCCESS);
    return (DWORD)size;
}

/* Moves h's position: 0 or a Win32 error; *pos the new one.  Before the start is
 * ERROR_NEGATIVE_SEEK, nothing moved. */
static DWORD wv_seek(HANDLE h, LONGLONG dist, DWORD method, uint64_t *pos)
{
    static const int whence[3] = {SEEK_SET, SEEK_CUR, SEEK_END};
    if (method > FILE_END)
        return ERROR_INVALID_PARAMETER;
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f)
        return ERROR_INVALID_HANDLE;
    DWORD err = 0;
    off_t base = method == FILE_BEGIN ? 0 : lseek(f->fd, 0, whence[method]);
    if (base < 0)
        err = wv_errno_to_error(errno);
    else if (dist < 0 && base + dist < 0)
        err = ERROR_NEGATIVE_SEEK;
    else if (lseek(f->fd, base + dist, SEEK_SET) < 0)
        err = wv_errno_to_error(errno);
    else
        *pos = (uint64_t)(base + dist);
    wv_object_unref(&f->obj);
    return err;
}

BOOL WINAPI SetFilePointerEx(HANDLE h, LARGE_INTEGER dist, PLARGE_INTEGER out, DWORD method)
{
    uint64_t pos = 0;
    DWORD err = wv_seek(h, dist.QuadPart, method, &pos);
    LARGE_INTEGER v = {.QuadPart = (LONGLONG)pos};
    if (!err && out)
        err = wv_user_put(out, &v, sizeof(v));
    return err ? wv_fail(err) : TRUE;
}

/* Without high the distance is the signed 32-bit low; with it, high:low.  A new position whose
 * low part is INVALID_SET_FILE_POINTER is told from a failure by a last error of 0. */
DWORD WINAPI SetFilePointer(HANDLE h, LONG low, PLONG high, DWORD method)
{
    LONG hi = 0;
    if (high && wv_copy(&hi, high, sizeof(hi)))
        return wv_set_error(ERROR_NOACCESS), INVALID_SET_FILE_POINTER;
    LONGLONG dist = high ? (LONGLONG)((uint64_t)(DWORD)hi << 32 | (DWORD)low) : (LONGLONG)low;
    uint64_t pos = 0;
    DWORD err = wv_seek(h, dist, method, &pos);
    hi = (LONG)(pos >> 32);
    if (!err && high)
        err = wv_user_put(high, &hi, sizeof(hi));
    if (err)
        return wv_set_error(err), INVALID_SET_FILE_POINTER;
    if ((DWORD)pos == INVALID_SET_FILE_POINTER)
        wv_set_error(ERROR_SUCCESS);
    return (DWORD)pos;
}

/* The file behind h if the handle may write it; NULL and *err otherwise. */
static struct wv_file *wv_writable(HANDLE h, DWORD *err)
{
    DWORD access = 0;
    struct wv_file *f = wv_file_of(h, &access);
    *err = !f ? ERROR_INVALID_HANDLE : !(access & WV_FILE_WRITE_RIGHTS) ? ERROR_ACCESS_DENIED : 0;
    if (*err && f)
        wv_object_unref(&f->obj), f = NULL;
    return f;
}

BOOL WINAPI SetEndOfFile(HANDLE h)
{
    DWORD err;
    struct wv_file *f = wv_writable(h, &err);
    if (!f)
        return wv_fail(err);
    off_t pos = lseek(f->fd, 0, SEEK_CUR);
    if (pos < 0 || ftruncate(f->fd, pos) != 0)
        err = errno == EINVAL || errno == ESPIPE ? ERROR_INVALID_HANDLE : wv_errno_to_error(errno);
    wv_object_unref(&f->obj);
    return err ? wv_fail(err) : TRUE;
}

/* A named pipe end waits for its reader; an anonymous pipe or terminal has nothing winvm
 * buffers: flushing it succeeds. */
BOOL WINAPI FlushFileBuffers(HANDLE h)
{
    DWORD err;
    struct wv_file *f = wv_writable(h, &err);
    if (!f)
        return wv_fail(err);
    struct wv_npipe *p = wv_npipe_of(f);
    if (p)
        err = wv_npipe_flush(f, p);
    else if (fsync(f->fd) != 0 && errno != EINVAL && errno != EROFS)
        err = wv_errno_to_error(errno);
    wv_object_unref(&f->obj);
    return err ? wv_fail(err) : TRUE;
}
