/* SPDX-License-Identifier: MIT */
/* npipe_client.c - a named pipe's client side and the calls on an end's state: CreateFile on
 * "\\\\.\\pipe\\NAME", WaitNamedPipeA/W, CallNamedPipeA/W, TransactNamedPipe,
 * DisconnectNamedPipe, SetNamedPipeHandleState.  (npipe.c says how pipes are made.)
 */
#define _GNU_SOURCE
#include "runtime/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

DWORD wv_npipe_connect(const char *name, char hello, int *out, bool *message)
{
    struct sockaddr_un sun;
    socklen_t len;
    DWORD err = wv_npipe_sockaddr(name, &sun, &len);
    if (err)
        return err;
    for (int k = 0; k < 2; k++) { /* the client does not know the type: the socket's tells */
        int fd = socket(AF_UNIX, (k ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            return ERROR_TOO_MANY_OPEN_FILES;
        if (connect(fd, (struct sockaddr *)&sun, len) == 0) {
            fcntl(fd, F_SETFL, 0);
            if (send(fd, &hello, 1, MSG_NOSIGNAL) != 1)
                return close(fd), ERROR_PIPE_BUSY;
            *out = fd, *message = k;
            return 0;
        }
        int e = errno;
        close(fd);
        if (e != EPROTOTYPE)
            return e == EAGAIN ? ERROR_PIPE_BUSY : ERROR_FILE_NOT_FOUND;
    }
    return ERROR_FILE_NOT_FOUND;
}

bool wv_npipe_createfile(const char *win, DWORD access, DWORD flags, HANDLE *out)
{
    const char *name = wv_npipe_rest(win);
    if (!name)
        return false;
    int fd = -1;
    bool message = false;
    DWORD err = *name ? wv_npipe_connect(name, 'C', &fd, &message) : ERROR_FILE_NOT_FOUND;
    struct wv_npipe *p = err ? NULL : calloc(1, sizeof(*p));
    if (!err && !p)
        close(fd), err = ERROR_NOT_ENOUGH_MEMORY;
    if (!err) {
        p->message = message, p->state = WV_NP_CONNECTED;
        p->pipe_mode = message ? PIPE_TYPE_MESSAGE : 0; /* a client reads bytes until it asks */
        err = wv_npipe_handle(fd, p, access, flags, out);
    }
    if (err)
        *out = wv_fail_file(err);
    else
        wv_set_error(ERROR_SUCCESS);
    return true;
}

/* The named pipe end behind h with a reference (*f), or NULL and *err. */
static struct wv_npipe *wv_end_of(HANDLE h, struct wv_file **f, DWORD *err)
{
    *f = wv_file_of(h, NULL);
    struct wv_npipe *p = *f ? wv_npipe_of(*f) : NULL;
    *err = !*f ? ERROR_INVALID_HANDLE : !p ? ERROR_INVALID_FUNCTION : 0;
    if (!p && *f)
        wv_object_unref(&(*f)->obj);
    return p;
}

BOOL WINAPI DisconnectNamedPipe(HANDLE h)
{
    struct wv_file *f;
    DWORD err;
    struct wv_npipe *p = wv_end_of(h, &f, &err);
    if (!p)
        return wv_fail(err);
    int fresh = -1;
    wv_npipe_adopt(f, p);
    pthread_mutex_lock(&p->lock);
    if (!p->name)
        err = ERROR_INVALID_FUNCTION; /* a client end */
    else if (p->state != WV_NP_CONNECTED)
        err = p->state == WV_NP_DISCONNECTED ? ERROR_PIPE_NOT_CONNECTED : ERROR_PIPE_LISTENING;
    else if ((fresh = socket(AF_UNIX, (p->message ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC, 0)) < 0)
        err = ERROR_TOO_MANY_OPEN_FILES;
    if (!err) { /* the state first: a pending read woken by the shutdown finds it */
        p->state = WV_NP_DISCONNECTED;
        if (!p->message) { /* tells the client a disconnect from a close */
            char mark = WV_NP_DISCONNECT_MARK;
            send(f->fd, &mark, 1, MSG_OOB | MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        shutdown(f->fd, SHUT_RDWR);
        dup3(fresh, f->fd, O_CLOEXEC);
        free(p->left), p->left = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    if (fresh >= 0)
        close(fresh);
    wv_object_unref(&f->obj);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetNamedPipeHandleState(HANDLE h, LPDWORD mode, LPDWORD max_collect, LPDWORD timeout)
{
    (void)max_collect, (void)timeout; /* collection applies to remote pipes only */
    DWORD m = 0, err = 0;
    if (mode && wv_copy(&m, mode, sizeof(m)))
        return wv_fail(ERROR_NOACCESS);
    struct wv_file *f;
    struct wv_npipe *p = wv_end_of(h, &f, &err);
    if (!p)
        return wv_fail(err);
    pthread_mutex_lock(&p->lock);
    if (mode && ((m & ~(DWORD)(PIPE_READMODE_MESSAGE | PIPE_NOWAIT)) || ((m & PIPE_READMODE_MESSAGE) && !p->message)))
        err = ERROR_INVALID_PARAMETER;
    else if (mode)
        p->pipe_mode = (p->pipe_mode & PIPE_TYPE_MESSAGE) | m;
    pthread_mutex_unlock(&p->lock);
    wv_object_unref(&f->obj);
    return err ? wv_fail(err) : TRUE;
}

/* ---- waiting for a server, and transactions ---- */

static uint64_t wv_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* WaitNamedPipe's core: a probe connection every 10 ms until one is accepted or ms passed. */
static DWORD wv_wait_pipe(const char *win, DWORD ms)
{
    const char *name = wv_npipe_rest(win);
    if (!name || !*name)
        return ERROR_BAD_PATHNAME;
    if (ms == NMPWAIT_USE_DEFAULT_WAIT)
        ms = 50; /* the server's default lives in its process */
    uint64_t end = wv_now_ms() + ms;
    for (;;) {
        int fd = -1;
        bool message;
        DWORD err = wv_npipe_connect(name, 'P', &fd, &message);
        if (!err)
            return close(fd), 0;
        if (err != ERROR_PIPE_BUSY)
            return err;
        if (ms != NMPWAIT_WAIT_FOREVER && wv_now_ms() >= end)
            return ERROR_SEM_TIMEOUT;
        usleep(10000);
    }
}

/* CallNamedPipe's core: wait, connect, read messages, one transaction, close. */
static DWORD wv_call_pipe(const char *win, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD nread,
                          DWORD ms)
{
    DWORD err = wv_wait_pipe(win, ms), mode = PIPE_READMODE_MESSAGE;
    HANDLE h = INVALID_HANDLE_VALUE;
    if (err)
        return err;
    wv_npipe_createfile(win, GENERIC_READ | GENERIC_WRITE, 0, &h);
    if (h == INVALID_HANDLE_VALUE)
        return GetLastError();
    BOOL ok = SetNamedPipeHandleState(h, &mode, NULL, NULL) &&
              TransactNamedPipe(h, in, in_size, out, out_size, nread, NULL);
    err = ok ? 0 : GetLastError();
    CloseHandle(h);
    return err;
}

/* The A and W entry points: the name converted, then core(name, ...) as an error. */
#define WV_NAMED(call, conv)                                                                    \
    char *win = NULL;                                                                          \
    DWORD err = !name ? ERROR_PATH_NOT_FOUND : conv;                                           \
    if (!err)                                                                                  \
        err = call;                                                                            \
    free(win);                                                                                 \
    return err ? wv_fail(err) : (wv_set_error(ERROR_SUCCESS), TRUE)

BOOL WINAPI WaitNamedPipeA(LPCSTR name, DWORD ms)
{
    WV_NAMED(wv_wait_pipe(win, ms), wv_user_str(name, &win));
}

BOOL WINAPI WaitNamedPipeW(LPCWSTR name, DWORD ms)
{
    WV_NAMED(wv_wait_pipe(win, ms), wv_user_wstr(name, WV_TEXT_STRICT, &win));
}

BOOL WINAPI CallNamedPipeA(LPCSTR name, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD nread,
                           DWORD ms)
{
    WV_NAMED(wv_call_pipe(win, in, in_size, out, out_size, nread, ms), wv_user_str(name, &win));
}

BOOL WINAPI CallNamedPipeW(LPCWSTR name, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD nread,
                           DWORD ms)
{
    WV_NAMED(wv_call_pipe(win, in, in_size, out, out_size, nread, ms),
             wv_user_wstr(name, WV_TEXT_STRICT, &win));
}

/* One message out, one back: the end must read messages (ERROR_BAD_PIPE otherwise). */
BOOL WINAPI TransactNamedPipe(HANDLE h, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD nread,
                              LPOVERLAPPED ov)
{
    struct wv_file *f;
    DWORD err;
    struct wv_npipe *p = wv_end_of(h, &f, &err);
    if (!p)
        return wv_fail(err);
    pthread_mutex_lock(&p->lock);
    bool messages = (p->pipe_mode & PIPE_READMODE_MESSAGE) != 0;
    pthread_mutex_unlock(&p->lock);
    if (!messages) {
        wv_object_unref(&f->obj);
        return wv_fail(ERROR_BAD_PIPE);
    }
    DWORD written = 0;
    wv_object_ref(&f->obj); /* wv_io_call drops one per call */
    if (!wv_io_call(f, h, &(struct wv_io_req){.op = WV_IO_WRITE, .buf = in, .n = in_size}, &written, NULL)) {
        wv_object_unref(&f->obj);
        return FALSE;
    }
    return wv_io_call(f, h, &(struct wv_io_req){.op = WV_IO_READ, .buf = out, .n = out_size}, nread, ov);
}
