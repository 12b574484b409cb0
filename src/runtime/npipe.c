/* SPDX-License-Identifier: MIT */
/* npipe.c - named pipes: CreateNamedPipeA/W, the client's CreateFile on "\\\\.\\pipe\\NAME",
 * DisconnectNamedPipe, SetNamedPipeHandleState, WaitNamedPipeA/W, CallNamedPipeA/W,
 * TransactNamedPipe.  (Reading, writing, connecting and peeking: npipe_io.c; the namespace:
 * npipe_ns.c.)
 *
 * A name is a listening AF_UNIX socket (SOCK_STREAM for PIPE_TYPE_BYTE, SOCK_SEQPACKET for
 * PIPE_TYPE_MESSAGE, whose messages keep their boundaries), shared by the instances this
 * process made of it.  Each end is a file object (section.h's struct wv_file) whose descriptor
 * is a socket: a server instance starts with an unconnected one, which ConnectNamedPipe
 * replaces (dup3) by the accepted connection, and DisconnectNamedPipe by a fresh unconnected
 * one, so ReadFile, WriteFile, DuplicateHandle and CloseHandle work on ends as on any file.
 * A client sends one byte on connecting: 'C' for CreateFile, 'P' for WaitNamedPipe's probe,
 * which the server drops; so a probe never takes an instance.
 *
 * Left as they are (docs): the instances of one name live in one process (another process's
 * CreateNamedPipe of a live name is ERROR_ACCESS_DENIED); a client connecting while every
 * instance is taken waits in the socket's backlog (up to nMaxInstances) rather than failing
 * with ERROR_PIPE_BUSY; a message is at most the socket's send buffer (about 200 KiB).
 */
#define _GNU_SOURCE
#include "runtime/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t wv_names_lock = PTHREAD_MUTEX_INITIALIZER; /* a leaf */
static struct wv_pname *wv_names;

const char *wv_npipe_rest(const char *win)
{
    static const char prefix[] = "\\\\.\\pipe\\";
    return strncasecmp(win, prefix, sizeof(prefix) - 1) == 0 ? win + sizeof(prefix) - 1 : NULL;
}

static void wv_npipe_free(void *ext)
{
    struct wv_npipe *p = ext;
    struct wv_pname *n = p->name;
    if (n) {
        pthread_mutex_lock(&wv_names_lock);
        if (--n->instances == 0) {
            for (struct wv_pname **q = &wv_names; *q; q = &(*q)->next)
                if (*q == n) {
                    *q = n->next;
                    break;
                }
            wv_npipe_unlink(n->name);
            close(n->listen_fd);
            free(n->name);
            free(n);
        }
        pthread_mutex_unlock(&wv_names_lock);
    }
    free(p->left);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

struct wv_npipe *wv_npipe_of(struct wv_file *f) { return f->ext_free == wv_npipe_free ? f->ext : NULL; }

/* A handle for an end over the socket fd (taken): 0 or the error. */
DWORD wv_npipe_handle(int fd, struct wv_npipe *p, DWORD access, DWORD flags, HANDLE *out)
{
    DWORD err = wv_file_from_fd(fd, access | 0x00100080 /* SYNCHRONIZE, FILE_READ_ATTRIBUTES */, out);
    close(fd);
    if (err) {
        wv_npipe_free(p);
        return err;
    }
    struct wv_file *f = wv_file_of(*out, NULL);
    pthread_mutex_init(&p->lock, NULL);
    f->ext = p, f->ext_free = wv_npipe_free;
    f->flags = flags & FILE_FLAG_OVERLAPPED;
    wv_object_unref(&f->obj);
    return 0;
}

/* ---- the server ---- */

/* A listening socket for a name no live server holds here: 0 or the error. */
static DWORD wv_listen(const char *name, bool message, int max, int *out)
{
    struct sockaddr_un sun;
    socklen_t len;
    DWORD err = wv_npipe_sockaddr(name, &sun, &len);
    if (err)
        return err;
    int fd = socket(AF_UNIX, (message ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return ERROR_TOO_MANY_OPEN_FILES;
    int r = bind(fd, (struct sockaddr *)&sun, len);
    if (r != 0 && errno == EADDRINUSE) { /* a live server elsewhere, or one that died */
        int probe = -1;
        bool message_too = false;
        DWORD live = wv_npipe_connect(name, 'P', &probe, &message_too);
        if (!live || live == ERROR_PIPE_BUSY) {
            close(probe), close(fd);
            return ERROR_ACCESS_DENIED;
        }
        wv_npipe_unlink(name);
        r = bind(fd, (struct sockaddr *)&sun, len);
    }
    if (r != 0 || listen(fd, max) != 0) {
        close(fd);
        return errno == EACCES ? ERROR_ACCESS_DENIED : ERROR_PIPE_BUSY;
    }
    *out = fd;
    return 0;
}

/* The name's entry, made or with one more instance: 0 or the error (wv_names_lock held).  A
 * full name is ERROR_PIPE_BUSY before anything else (STATUS_INSTANCE_NOT_AVAILABLE: Wine's
 * ntdll om.c, test_namespace_pipe, creating a second instance with FILE_CREATE). */
static DWORD wv_name_instance(const char *name, DWORD open_mode, DWORD pipe_mode, DWORD max, DWORD timeout,
                              struct wv_pname **out)
{
    struct wv_pname *n = wv_names;
    while (n && strcasecmp(n->name, name))
        n = n->next;
    if (n) {
        if (n->instances >= n->max)
            return ERROR_PIPE_BUSY;
        if ((open_mode & FILE_FLAG_FIRST_PIPE_INSTANCE) || ((n->pipe_mode ^ pipe_mode) & PIPE_TYPE_MESSAGE) ||
            n->access_mode != (open_mode & 3)) /* PIPE_ACCESS_* (Wine's pipe.c) */
            return ERROR_ACCESS_DENIED;
        n->instances++;
        return *out = n, 0;
    }
    if (!(n = calloc(1, sizeof(*n))) || !(n->name = strdup(name)))
        return free(n), ERROR_NOT_ENOUGH_MEMORY;
    DWORD err = wv_listen(name, pipe_mode & PIPE_TYPE_MESSAGE, (int)max, &n->listen_fd);
    if (err)
        return free(n->name), free(n), err;
    n->instances = 1, n->max = (int)max, n->pipe_mode = pipe_mode, n->access_mode = open_mode & 3;
    n->timeout = timeout ? timeout : 50;
    n->next = wv_names, wv_names = n;
    return *out = n, 0;
}

static DWORD wv_npipe_check(DWORD open_mode, DWORD pipe_mode, DWORD max)
{
    if (!(open_mode & 3) || (pipe_mode & ~0xFu) || max == 0 || max > PIPE_UNLIMITED_INSTANCES)
        return ERROR_INVALID_PARAMETER;
    if ((pipe_mode & PIPE_READMODE_MESSAGE) && !(pipe_mode & PIPE_TYPE_MESSAGE))
        return ERROR_INVALID_PARAMETER;
    return 0;
}

DWORD wv_npipe_make(const char *name, DWORD access, DWORD open_mode, DWORD pipe_mode, DWORD max, DWORD timeout,
                    HANDLE *out)
{
    if (!*name)
        return ERROR_INVALID_NAME;
    struct wv_npipe *p = calloc(1, sizeof(*p));
    if (!p)
        return ERROR_NOT_ENOUGH_MEMORY;
    pthread_mutex_lock(&wv_names_lock);
    DWORD err = wv_name_instance(name, open_mode, pipe_mode, max, timeout, &p->name);
    pthread_mutex_unlock(&wv_names_lock);
    int fd = -1;
    if (!err && (fd = socket(AF_UNIX, (pipe_mode & PIPE_TYPE_MESSAGE ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC, 0)) < 0)
        err = ERROR_TOO_MANY_OPEN_FILES;
    if (err) {
        if (p->name)
            pthread_mutex_init(&p->lock, NULL), wv_npipe_free(p);
        else
            free(p);
        return err;
    }
    p->pipe_mode = pipe_mode & 7, p->message = (pipe_mode & PIPE_TYPE_MESSAGE) != 0;
    p->state = WV_NP_LISTENING;
    return wv_npipe_handle(fd, p, access, open_mode, out);
}

static HANDLE wv_npipe_create(DWORD err, char *win, DWORD open_mode, DWORD pipe_mode, DWORD max, DWORD timeout)
{
    const char *name = err ? NULL : wv_npipe_rest(win);
    if (!err && !name)
        err = ERROR_INVALID_NAME;
    if (!err)
        err = wv_npipe_check(open_mode, pipe_mode, max);
    DWORD access = ((open_mode & PIPE_ACCESS_INBOUND) ? GENERIC_READ : 0) |
                   ((open_mode & PIPE_ACCESS_OUTBOUND) ? GENERIC_WRITE : 0);
    HANDLE h = INVALID_HANDLE_VALUE;
    if (!err)
        err = wv_npipe_make(name, access, open_mode, pipe_mode, max, timeout, &h);
    free(win);
    if (err)
        return wv_fail_file(err);
    wv_set_error(ERROR_SUCCESS);
    return h;
}

HANDLE WINAPI CreateNamedPipeA(LPCSTR name, DWORD open_mode, DWORD pipe_mode, DWORD max, DWORD out_size,
                               DWORD in_size, DWORD timeout, LPSECURITY_ATTRIBUTES sa)
{
    (void)out_size, (void)in_size, (void)sa; /* sizes are hints; the socket's buffers serve */
    char *win = NULL;
    DWORD err = name ? wv_user_str(name, &win) : ERROR_PATH_NOT_FOUND;
    return wv_npipe_create(err, win, open_mode, pipe_mode, max, timeout);
}

HANDLE WINAPI CreateNamedPipeW(LPCWSTR name, DWORD open_mode, DWORD pipe_mode, DWORD max, DWORD out_size,
                               DWORD in_size, DWORD timeout, LPSECURITY_ATTRIBUTES sa)
{
    (void)out_size, (void)in_size, (void)sa;
    char *win = NULL;
    DWORD err = name ? wv_user_wstr(name, WV_TEXT_STRICT, &win) : ERROR_PATH_NOT_FOUND;
    return wv_npipe_create(err, win, open_mode, pipe_mode, max, timeout);
}
