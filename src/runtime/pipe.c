/* SPDX-License-Identifier: MIT */
/* pipe.c - anonymous pipes: CreatePipe and PeekNamedPipe.
 *
 * A pipe is a host pipe; each end is a file object (section.h's struct wv_file, marked pipe)
 * behind its own HANDLE, so ReadFile, WriteFile, CloseHandle and DuplicateHandle work on it as
 * on any file.  Windows' rules kept (kernel32.c applies them to marked ends): a read once every
 * write end is closed and the pipe is empty is ERROR_BROKEN_PIPE; a write once every read end
 * is closed is ERROR_NO_DATA.  The size asked is a hint (the host pipe is at least that big
 * when the host allows it).  PeekNamedPipe looks at the data without taking it (tee(2) into a
 * scratch pipe); it works on any pipe handle's read end.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define WV_PIPE_READ (GENERIC_READ | 0x0080 /* FILE_READ_ATTRIBUTES */ | 0x00100000 /* SYNCHRONIZE */)
#define WV_PIPE_WRITE (GENERIC_WRITE | 0x0080 | 0x00100000)

/* A handle for one end (fd kept by the caller): 0 or the error. */
static DWORD wv_pipe_end(int fd, DWORD access, HANDLE *out)
{
    DWORD err = wv_file_from_fd(fd, access, out);
    if (err)
        return err;
    struct wv_file *f = wv_file_of(*out, NULL);
    f->pipe = true;
    wv_object_unref(&f->obj);
    return 0;
}

BOOL WINAPI CreatePipe(PHANDLE rd, PHANDLE wr, LPSECURITY_ATTRIBUTES sa, DWORD size)
{
    SECURITY_ATTRIBUTES a = {0};
    if (sa && wv_copy(&a, sa, sizeof(a)) != 0)
        return wv_fail(ERROR_NOACCESS);
    int fd[2];
    if (pipe2(fd, O_CLOEXEC) != 0)
        return wv_fail(errno == ENFILE || errno == EMFILE ? ERROR_TOO_MANY_OPEN_FILES : ERROR_NOT_ENOUGH_MEMORY);
    if (size > 65536)
        fcntl(fd[1], F_SETPIPE_SZ, (int)(size > (1u << 20) ? 1u << 20 : size)); /* a hint */
    HANDLE r = NULL, w = NULL;
    DWORD err = wv_pipe_end(fd[0], WV_PIPE_READ, &r);
    if (!err)
        err = wv_pipe_end(fd[1], WV_PIPE_WRITE, &w);
    close(fd[0]), close(fd[1]);
    if (!err)
        err = wv_user_put(rd, &r, sizeof(r));
    if (!err)
        err = wv_user_put(wr, &w, sizeof(w));
    if (err) {
        if (r)
            wv_handle_close(r);
        if (w)
            wv_handle_close(w);
        return wv_fail(err);
    }
    if (a.bInheritHandle) /* recorded (GetHandleInformation): no child inherits them yet */
        wv_handle_flags(r, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT, NULL),
        wv_handle_flags(w, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT, NULL);
    wv_set_error(ERROR_SUCCESS);
    return TRUE;
}

/* Copies up to n bytes at the head of the pipe fd into buf without taking them; the count. */
static ssize_t wv_pipe_peek(int fd, void *buf, size_t n)
{
    int tmp[2];
    if (n == 0)
        return 0;
    if (pipe2(tmp, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    ssize_t got = tee(fd, tmp[1], n, SPLICE_F_NONBLOCK);
    ssize_t r = got > 0 ? read(tmp[0], buf, (size_t)got) : got;
    if (got < 0 && errno == EAGAIN)
        r = 0; /* empty */
    close(tmp[0]), close(tmp[1]);
    return r;
}

BOOL WINAPI PeekNamedPipe(HANDLE h, LPVOID buf, DWORD size, LPDWORD nread, LPDWORD avail, LPDWORD left)
{
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f)
        return wv_fail(ERROR_INVALID_HANDLE);
    if (wv_npipe_of(f)) /* a named pipe's end: npipe_io.c */
        return wv_npipe_peek(f, wv_npipe_of(f), buf, size, nread, avail, left);
    struct stat st;
    int queued = 0;
    DWORD err = 0;
    if (fstat(f->fd, &st) != 0 || !S_ISFIFO(st.st_mode))
        err = ERROR_INVALID_FUNCTION; /* not a pipe */
    else if (ioctl(f->fd, FIONREAD, &queued) != 0)
        err = ERROR_INVALID_FUNCTION;
    struct pollfd p = {.fd = f->fd, .events = POLLIN};
    bool gone = !err && queued == 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
    if (gone)
        err = ERROR_BROKEN_PIPE; /* empty and no writer left */
    size_t want = size < (DWORD)queued ? size : (size_t)queued;
    char *tmp = buf && want && !err ? malloc(want) : NULL;
    ssize_t got = 0;
    if (!err && buf && want && !tmp)
        err = ERROR_NOT_ENOUGH_MEMORY;
    else if (tmp && (got = wv_pipe_peek(f->fd, tmp, want)) < 0)
        err = errno == EINVAL ? ERROR_ACCESS_DENIED : ERROR_INVALID_FUNCTION; /* the write end */
    wv_object_unref(&f->obj);
    if (!err && got > 0)
        err = wv_user_put(buf, tmp, (size_t)got);
    free(tmp);
    DWORD n = (DWORD)(got > 0 ? got : 0), q = (DWORD)queued, zero = 0;
    if (!err && nread)
        err = wv_user_put(nread, &n, sizeof(n));
    if (!err && avail)
        err = wv_user_put(avail, &q, sizeof(q));
    if (!err && left)
        err = wv_user_put(left, &zero, sizeof(zero)); /* a byte pipe has no messages */
    return err ? wv_fail(err) : TRUE;
}
