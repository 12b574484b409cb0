/* SPDX-License-Identifier: MIT */
/* npipe_io.c - moving data through named pipe ends (one attempt that never blocks, for
 * overlap.c): reads in byte or message mode, writes, ConnectNamedPipe's accept, and
 * PeekNamedPipe.
 *
 * A message pipe's socket keeps message boundaries (SOCK_SEQPACKET), but a message can only
 * be taken whole: one longer than the buffer is taken into a host buffer, the part that fits
 * is returned (ERROR_MORE_DATA in message read mode, as Windows), and the rest is served first
 * by the next reads.  Windows' states: a server end before ConnectNamedPipe is listening
 * (ERROR_PIPE_LISTENING), after DisconnectNamedPipe not connected (ERROR_PIPE_NOT_CONNECTED);
 * once the other end is closed a read is ERROR_BROKEN_PIPE and a write ERROR_NO_DATA.
 */
#define _GNU_SOURCE
#include "runtime/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/sockios.h>
#include <unistd.h>

static DWORD wv_np_state(const struct wv_npipe *p)
{
    return p->state == WV_NP_LISTENING ? ERROR_PIPE_LISTENING
           : p->state == WV_NP_DISCONNECTED ? ERROR_PIPE_NOT_CONNECTED : 0;
}

static DWORD wv_np_errno(int e, bool write)
{
    if (e == EAGAIN || e == EINTR)
        return WV_IO_AGAIN;
    if (e == EPIPE || e == ECONNRESET)
        return write ? ERROR_NO_DATA : ERROR_BROKEN_PIPE;
    if (e == ENOTCONN)
        return ERROR_PIPE_NOT_CONNECTED;
    if (e == EFAULT)
        return ERROR_NOACCESS;
    if (e == EMSGSIZE)
        return ERROR_NOT_ENOUGH_MEMORY;
    return wv_errno_to_error(e);
}

/* Whether the other end has closed (and nothing is left to read). */
static bool wv_np_gone(int fd)
{
    struct pollfd q = {.fd = fd, .events = POLLIN | POLLRDHUP};
    char c;
    return poll(&q, 1, 0) == 1 && (q.revents & (POLLHUP | POLLRDHUP)) &&
           recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

/* ---- reading ---- */

/* From the rest of a message read in part. */
static DWORD wv_np_take_left(struct wv_npipe *p, struct wv_io_req *r)
{
    size_t k = p->left_n - p->left_off;
    if (k > r->n)
        k = r->n;
    if (wv_user_put(r->buf, p->left + p->left_off, k))
        return ERROR_NOACCESS;
    p->left_off += k, r->done = (DWORD)k;
    if (p->left_off < p->left_n)
        return (p->pipe_mode & PIPE_READMODE_MESSAGE) ? ERROR_MORE_DATA : 0;
    free(p->left), p->left = NULL;
    return 0;
}

static DWORD wv_np_read_msg(int fd, struct wv_npipe *p, struct wv_io_req *r)
{
    ssize_t len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (len < 0)
        return wv_np_errno(errno, false);
    if (len == 0 && wv_np_gone(fd))
        return ERROR_BROKEN_PIPE;
    if ((size_t)len <= r->n) {
        ssize_t got = wv_uio_read(fd, r->buf, r->n, -1, true, MSG_DONTWAIT);
        if (got < 0)
            return wv_np_errno(errno, false);
        r->done = (DWORD)got;
        return 0;
    }
    char *tmp = malloc((size_t)len);
    if (!tmp)
        return ERROR_NOT_ENOUGH_MEMORY;
    ssize_t got = recv(fd, tmp, (size_t)len, MSG_DONTWAIT);
    if (got < 0)
        return free(tmp), wv_np_errno(errno, false);
    p->left = tmp, p->left_n = (size_t)got, p->left_off = 0;
    return wv_np_take_left(p, r);
}

static DWORD wv_np_read(struct wv_file *f, struct wv_npipe *p, struct wv_io_req *r)
{
    DWORD err = wv_np_state(p);
    if (err)
        return err;
    if (p->left)
        return wv_np_take_left(p, r);
    if (p->message)
        return wv_np_read_msg(f->fd, p, r);
    ssize_t got = wv_uio_read(f->fd, r->buf, r->n, -1, true, MSG_DONTWAIT);
    if (got < 0)
        return wv_np_errno(errno, false);
    if (got == 0 && r->n > 0)
        return ERROR_BROKEN_PIPE;
    r->done = (DWORD)got;
    return 0;
}

/* ---- writing ---- */

static DWORD wv_np_write(struct wv_file *f, struct wv_npipe *p, struct wv_io_req *r)
{
    DWORD err = wv_np_state(p);
    if (err)
        return err;
    ssize_t put = wv_uio_write(f->fd, (char *)r->buf + r->done, r->n - r->done, -1, true,
                               MSG_DONTWAIT | MSG_NOSIGNAL);
    if (put < 0)
        return wv_np_errno(errno, true);
    r->done += (DWORD)put;
    return r->done < r->n ? WV_IO_AGAIN : 0; /* a message goes whole; bytes may take turns */
}

/* ---- FlushFileBuffers ---- */

DWORD wv_npipe_flush(struct wv_file *f, struct wv_npipe *p)
{
    for (;;) {
        pthread_mutex_lock(&p->lock);
        bool connected = p->state == WV_NP_CONNECTED;
        pthread_mutex_unlock(&p->lock);
        int queued = 0; /* an AF_UNIX socket's bytes stay charged to it until the reader takes them */
        if (!connected || ioctl(f->fd, SIOCOUTQ, &queued) != 0 || queued <= 0)
            return 0;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
}

/* ---- ConnectNamedPipe ---- */

/* A connection waiting on the listener, taken: 0, WV_IO_AGAIN (none) or an error. */
static DWORD wv_np_accept(struct wv_file *f, struct wv_npipe *p, struct wv_io_req *r)
{
    for (;;) {
        int c = accept4(p->name->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? WV_IO_AGAIN
                                                                              : wv_errno_to_error(errno);
        char hello = 0;
        struct pollfd q = {.fd = c, .events = POLLIN};
        if (poll(&q, 1, 1000) == 1 && recv(c, &hello, 1, MSG_DONTWAIT) == 1 && hello == 'C') {
            pthread_mutex_lock(&p->lock);
            dup3(c, f->fd, O_CLOEXEC);
            p->state = WV_NP_CONNECTED;
            pthread_mutex_unlock(&p->lock);
            close(c);
            /* One already waiting when the call began connected before it: Windows says so. */
            return r->first ? ERROR_PIPE_CONNECTED : 0;
        }
        close(c); /* a probe (WaitNamedPipe), or a client gone before saying hello */
    }
}

static DWORD wv_np_connect(struct wv_file *f, struct wv_npipe *p, struct wv_io_req *r, int *pfd)
{
    if (!p->name)
        return ERROR_INVALID_FUNCTION; /* a client end */
    pthread_mutex_lock(&p->lock);
    int state = p->state;
    bool nowait = (p->pipe_mode & PIPE_NOWAIT) != 0;
    pthread_mutex_unlock(&p->lock);
    if (state == WV_NP_CONNECTED)
        return wv_np_gone(f->fd) ? ERROR_NO_DATA : ERROR_PIPE_CONNECTED;
    DWORD err = wv_np_accept(f, p, r);
    if (err == WV_IO_AGAIN && nowait)
        return ERROR_PIPE_LISTENING;
    *pfd = p->name->listen_fd;
    return err;
}

void wv_npipe_adopt(struct wv_file *f, struct wv_npipe *p)
{
    pthread_mutex_lock(&p->lock);
    bool listening = p->name && p->state == WV_NP_LISTENING;
    pthread_mutex_unlock(&p->lock);
    if (listening)
        wv_np_accept(f, p, &(struct wv_io_req){.op = WV_IO_CONNECT});
}

/* A client end of a byte pipe learns of the server's DisconnectNamedPipe from the urgent byte
 * it sends before closing (a close sends none): from then on the end is not connected, and
 * what the server left unread is gone.  Lock held. */
static void wv_np_check_disconnect(int fd, struct wv_npipe *p)
{
    char mark = 0;
    if (!p->name && !p->message && p->state == WV_NP_CONNECTED &&
        recv(fd, &mark, 1, MSG_OOB | MSG_DONTWAIT) == 1 && mark == WV_NP_DISCONNECT_MARK)
        p->state = WV_NP_DISCONNECTED;
}

DWORD wv_npipe_try(struct wv_file *f, struct wv_npipe *p, struct wv_io_req *r, int *pfd, short *events)
{
    *pfd = f->fd;
    *events = r->op == WV_IO_WRITE ? POLLOUT : POLLIN;
    if (r->op == WV_IO_CONNECT)
        return wv_np_connect(f, p, r, pfd);
    wv_npipe_adopt(f, p);
    pthread_mutex_lock(&p->lock);
    wv_np_check_disconnect(f->fd, p);
    DWORD err = r->op == WV_IO_READ ? wv_np_read(f, p, r) : wv_np_write(f, p, r);
    bool nowait = (p->pipe_mode & PIPE_NOWAIT) != 0;
    pthread_mutex_unlock(&p->lock);
    if (err == WV_IO_AGAIN && nowait) /* a non-blocking end: no data, or what fitted */
        return r->op == WV_IO_READ ? ERROR_NO_DATA : 0;
    return err;
}

BOOL WINAPI ConnectNamedPipe(HANDLE h, LPOVERLAPPED ov)
{
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f)
        return wv_fail(ERROR_INVALID_HANDLE);
    if (!wv_npipe_of(f)) {
        wv_object_unref(&f->obj);
        return wv_fail(ERROR_INVALID_FUNCTION);
    }
    return wv_io_call(f, h, &(struct wv_io_req){.op = WV_IO_CONNECT}, NULL, ov);
}

/* ---- PeekNamedPipe ---- */

/* What is there without taking it: up to size bytes of the next data into tmp (*got), the
 * bytes available (*avail) and those left of the current message (*left).  Lock held. */
static DWORD wv_np_look(int fd, struct wv_npipe *p, char *tmp, DWORD size, DWORD *got, DWORD *avail, DWORD *left)
{
    int queued = 0;
    ioctl(fd, FIONREAD, &queued);
    size_t rest = p->left ? p->left_n - p->left_off : 0;
    *avail = (DWORD)(rest + (size_t)(queued > 0 ? queued : 0));
    if (rest) {
        *got = (DWORD)(rest < size ? rest : size);
        memcpy(tmp, p->left + p->left_off, *got);
        *left = p->message ? (DWORD)rest - *got : 0;
        return 0;
    }
    if (queued <= 0 && wv_np_gone(fd))
        return ERROR_BROKEN_PIPE;
    ssize_t msg = p->message ? recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT) : 0;
    ssize_t n = size && queued > 0 ? recv(fd, tmp, size, MSG_PEEK | MSG_DONTWAIT) : 0;
    *got = (DWORD)(n > 0 ? n : 0);
    *left = msg > 0 ? (DWORD)msg - *got : 0;
    return 0;
}

BOOL wv_npipe_peek(struct wv_file *f, struct wv_npipe *p, LPVOID buf, DWORD size, LPDWORD nread, LPDWORD avail,
                   LPDWORD left)
{
    char *tmp = malloc(buf && size ? size : 1);
    DWORD got = 0, av = 0, lm = 0, err = tmp ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    wv_npipe_adopt(f, p);
    pthread_mutex_lock(&p->lock);
    wv_np_check_disconnect(f->fd, p);
    if (!err && p->state == WV_NP_CONNECTED)
        err = wv_np_look(f->fd, p, tmp, buf ? size : 0, &got, &av, &lm);
    else if (!err) /* a server end not connected has no pipe to look at; a client end lost its server */
        err = p->name ? ERROR_BAD_PIPE : ERROR_PIPE_NOT_CONNECTED;
    pthread_mutex_unlock(&p->lock);
    wv_object_unref(&f->obj);
    if (!err && got)
        err = wv_user_put(buf, tmp, got);
    free(tmp);
    if (!err && nread)
        err = wv_user_put(nread, &got, sizeof(got));
    if (!err && avail)
        err = wv_user_put(avail, &av, sizeof(av));
    if (!err && left)
        err = wv_user_put(left, &lm, sizeof(lm));
    return err ? wv_fail(err) : TRUE;
}
