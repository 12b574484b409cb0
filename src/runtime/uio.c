/* SPDX-License-Identifier: MIT */
/* uio.c - the kernel reading into and writing from PE buffers.  read(2) into a page a write
 * watch keeps read-only (mm/watch.c's fallback) or into a no-access or guard page fails with
 * EFAULT: Windows instead records the watched page as written, and fails a bad buffer with
 * ERROR_NOACCESS without harm.  So on EFAULT the transfer is made again through a host buffer
 * and wv_user_put / wv_copy, whose faults are PE code's own (a watched page is marked written
 * and made writable; a bad page makes the copy fail).  A regular file read stopped by such a
 * page part way is continued the same way, so the whole range is read as Windows reads it.
 */
#define _GNU_SOURCE
#include "runtime/io_int.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static ssize_t wv_raw_read(int fd, void *buf, size_t n, int64_t off, bool sock, int flags)
{
    if (sock)
        return recv(fd, buf, n, flags);
    return off >= 0 ? pread(fd, buf, n, (off_t)off) : read(fd, buf, n);
}

/* The read again into a host buffer, then copied: EFAULT when the caller's buffer is bad. */
static ssize_t wv_bounce_read(int fd, void *buf, size_t n, int64_t off, bool sock, int flags)
{
    char *tmp = malloc(n ? n : 1);
    if (!tmp)
        return errno = ENOMEM, -1;
    ssize_t r = wv_raw_read(fd, tmp, n, off, sock, flags);
    if (r > 0 && wv_user_put(buf, tmp, (size_t)r) != 0)
        r = -1, errno = EFAULT;
    free(tmp);
    return r;
}

ssize_t wv_uio_read(int fd, void *buf, size_t n, int64_t off, bool sock, int flags)
{
    ssize_t r = wv_raw_read(fd, buf, n, off, sock, flags);
    if (r < 0 && errno == EFAULT)
        return wv_bounce_read(fd, buf, n, off, sock, flags);
    /* A file read stops at the first page it cannot write: go on from there.  (A pipe's or a
     * socket's short read is its data, not a fault.) */
    struct stat st;
    bool file = !sock && r > 0 && (size_t)r < n && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    while (file && r > 0 && (size_t)r < n) {
        int64_t at = off >= 0 ? off + r : -1;
        ssize_t more = wv_raw_read(fd, (char *)buf + r, n - (size_t)r, at, false, 0);
        if (more < 0 && errno == EFAULT)
            more = wv_bounce_read(fd, (char *)buf + r, n - (size_t)r, at, false, 0);
        if (more < 0 && errno == EFAULT)
            return -1; /* a bad page in the buffer fails the read, as on Windows */
        if (more <= 0)
            break; /* the end of the file, or an error after some bytes: those are the answer */
        r += more;
    }
    return r;
}

static ssize_t wv_raw_write(int fd, const void *buf, size_t n, int64_t off, bool sock, int flags)
{
    if (sock)
        return send(fd, buf, n, flags);
    return off >= 0 ? pwrite(fd, buf, n, (off_t)off) : write(fd, buf, n);
}

ssize_t wv_uio_write(int fd, const void *buf, size_t n, int64_t off, bool sock, int flags)
{
    ssize_t r = wv_raw_write(fd, buf, n, off, sock, flags);
    if (r >= 0 || errno != EFAULT)
        return r;
    char *tmp = malloc(n ? n : 1);
    if (!tmp)
        return errno = ENOMEM, -1;
    r = wv_copy(tmp, buf, n) ? (errno = EFAULT, -1) : wv_raw_write(fd, tmp, n, off, sock, flags);
    free(tmp);
    return r;
}

/* ---- one attempt on a file or an anonymous pipe (wv_io_try) ---- */

/* A write to a pipe with no reader raises SIGPIPE, which would end the process: held back
 * while this write runs, and taken back if it raised it (one pending before is left). */
static ssize_t wv_write_nosig(int fd, const void *buf, size_t n, int64_t off)
{
    sigset_t pipe, old, pending;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old);
    bool was = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    ssize_t r = wv_uio_write(fd, buf, n, off, false, 0);
    int e = errno;
    struct timespec now = {0, 0};
    if (r < 0 && e == EPIPE && !was)
        while (sigtimedwait(&pipe, NULL, &now) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return r;
}

static DWORD wv_try_error(int e, bool pipe)
{
    if (e == EPIPE)
        return ERROR_NO_DATA;
    if (e == EFAULT)
        return ERROR_NOACCESS;
    if (e == EBADF)
        return ERROR_ACCESS_DENIED;
    return pipe && e == EISDIR ? ERROR_INVALID_FUNCTION : wv_errno_to_error(e);
}

DWORD wv_io_try(struct wv_file *f, struct wv_io_req *r, int *pfd, short *events)
{
    struct wv_npipe *p = wv_npipe_of(f);
    if (p)
        return wv_npipe_try(f, p, r, pfd, events);
    struct wv_mslot *m = wv_mslot_of(f);
    if (m)
        return wv_mslot_try(f, m, r, pfd, events);
    if (r->op == WV_IO_CONNECT)
        return ERROR_INVALID_FUNCTION;
    struct stat st;
    bool file = fstat(f->fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
    bool rd = r->op == WV_IO_READ;
    if (!file) { /* a pipe, a terminal: wait until it is ready */
        struct pollfd q = {.fd = f->fd, .events = rd ? POLLIN : POLLOUT};
        if (poll(&q, 1, 0) == 0)
            return *pfd = f->fd, *events = q.events, WV_IO_AGAIN;
    }
    char *at = (char *)r->buf + r->done;
    int64_t off = r->off >= 0 ? r->off + r->done : -1;
    ssize_t n = rd ? wv_uio_read(f->fd, at, r->n - r->done, off, false, 0)
                   : wv_write_nosig(f->fd, at, r->n - r->done, off);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return *pfd = f->fd, *events = rd ? POLLIN : POLLOUT, WV_IO_AGAIN;
    if (n < 0)
        return wv_try_error(errno, !file);
    r->done += (DWORD)n;
    if (rd && n == 0 && r->n > 0) /* the end: a file's is ERROR_HANDLE_EOF with an OVERLAPPED */
        return file ? ERROR_HANDLE_EOF : f->pipe ? ERROR_BROKEN_PIPE : 0;
    if (!rd && n == 0 && r->n > 0)
        return ERROR_DISK_FULL; /* no progress and no error: never loop forever */
    if (!rd && r->done < r->n)
        return *pfd = f->fd, *events = POLLOUT, WV_IO_AGAIN; /* the rest when there is room */
    return 0;
}
