/* SPDX-License-Identifier: MIT */
/* k32_posio.c - ReadFile and WriteFile given an OVERLAPPED: the I/O at the offset it holds, as
 * SQLite's os_win.c and every database-like program does it on a synchronous handle.
 *
 * winvm's file handles are all synchronous (FILE_FLAG_OVERLAPPED is not kept), so the call
 * completes before it returns, as Windows' does on such a handle: the transfer at
 * Offset/OffsetHigh (pread/pwrite), the file pointer left after it, Internal the NTSTATUS and
 * InternalHigh the count, the event (hEvent) signalled.  A read starting at or past the end is
 * FALSE with ERROR_HANDLE_EOF (Internal STATUS_END_OF_FILE), unlike a plain ReadFile's empty
 * success.  A pipe or terminal has no offset: the transfer is the plain one there. */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "fault/fault.h"

#include <errno.h>
#include <unistd.h>

#define WV_STATUS_END_OF_FILE 0xC0000011u
#define WV_READ_RIGHTS (GENERIC_READ | GENERIC_ALL | 0x0001)
#define WV_WRITE_RIGHTS (GENERIC_WRITE | GENERIC_ALL | 0x0002 | 0x0004)

/* The file behind h when the handle grants one of rights, referenced; else 0 and *err set. */
static struct wv_file *wv_posio_file(HANDLE h, DWORD rights, DWORD *err)
{
    DWORD access = 0;
    struct wv_file *f = (struct wv_file *)wv_handle_get(h, WV_KIND_FILE, &access);
    *err = !f ? ERROR_INVALID_HANDLE : !(access & rights) ? ERROR_ACCESS_DENIED : 0;
    if (*err && f)
        wv_object_unref(&f->obj), f = NULL;
    return f;
}

/* One transfer at off (the plain one where the descriptor has no offset); -1 and errno. */
static ssize_t wv_posio(int fd, bool write_, void *buf, DWORD n, uint64_t off)
{
    ssize_t r;
    do
        r = write_ ? pwrite(fd, buf, n, (off_t)off) : pread(fd, buf, n, (off_t)off);
    while (r < 0 && errno == EINTR);
    if (r < 0 && errno == ESPIPE)
        do
            r = write_ ? write(fd, buf, n) : read(fd, buf, n);
        while (r < 0 && errno == EINTR);
    return r;
}

static BOOL wv_posio_call(HANDLE h, bool write_, void *buf, DWORD n, LPDWORD done, LPOVERLAPPED ov)
{
    OVERLAPPED o;
    DWORD err = 0, count = 0;
    if (done && wv_user_put(done, &count, sizeof(count)))
        return wv_fail(ERROR_NOACCESS);
    if (wv_copy(&o, ov, sizeof(o)))
        return wv_fail(ERROR_NOACCESS);
    struct wv_file *f = wv_posio_file(h, write_ ? WV_WRITE_RIGHTS : WV_READ_RIGHTS, &err);
    if (!f)
        return wv_fail(err);
    uint64_t off = (uint64_t)o.OffsetHigh << 32 | o.Offset;
    ssize_t r = wv_posio(f->fd, write_, buf, n, off);
    if (r < 0)
        err = errno == EISDIR ? ERROR_INVALID_FUNCTION : wv_errno_to_error(errno);
    else if (r >= 0 && lseek(f->fd, (off_t)(off + (uint64_t)r), SEEK_SET) < 0 && errno != ESPIPE)
        err = wv_errno_to_error(errno);
    else if (r == 0 && n > 0 && !write_)
        err = ERROR_HANDLE_EOF;
    wv_object_unref(&f->obj);
    count = r > 0 ? (DWORD)r : 0;
    o.Internal = err == ERROR_HANDLE_EOF ? WV_STATUS_END_OF_FILE : err ? 0xC0000001u /* UNSUCCESSFUL */ : 0;
    o.InternalHigh = count;
    if (wv_user_put(&ov->Internal, &o.Internal, 2 * sizeof(ULONG_PTR)) ||
        (done && wv_user_put(done, &count, sizeof(count))))
        return wv_fail(ERROR_NOACCESS);
    if (o.hEvent)
        SetEvent((HANDLE)((ULONG_PTR)o.hEvent & ~(ULONG_PTR)1)); /* low bit: no completion port */
    return err ? wv_fail(err) : TRUE;
}

BOOL wv_read_at(HANDLE h, LPVOID buf, DWORD n, LPDWORD nread, LPOVERLAPPED ov)
{
    return wv_posio_call(h, false, buf, n, nread, ov);
}

BOOL wv_write_at(HANDLE h, LPCVOID buf, DWORD n, LPDWORD written, LPOVERLAPPED ov)
{
    return wv_posio_call(h, true, (void *)buf, n, written, ov);
}
