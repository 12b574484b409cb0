/* SPDX-License-Identifier: MIT */
/* mailslot.c - mailslots: CreateMailslotA/W, GetMailslotInfo, SetMailslotInfo, and the
 * client's CreateFile on "\\\\.\\mailslot\\NAME".  (The messages' queue, reads and writes:
 * mailslot_io.c; the names: npipe_ns.c, beside the named pipes'.)
 *
 * A mailslot is an AF_UNIX SOCK_DGRAM socket bound to the name's file in the per-user
 * directory: one datagram is one message, boundaries and order kept, zero-length messages
 * included, and every writer's messages land in the one receive queue in the order they were
 * sent.  The server's handle is a file object (section.h's struct wv_file) over that socket; a
 * client's is one over an unbound socket connected to it, so writers may be in any process of
 * the user.  The name is taken by bind(2): a second server, in this process or another, finds
 * it bound (ERROR_ALREADY_EXISTS).  A socket file left by a server that died is seen for what
 * it is (a connect is refused) and replaced under the directory's lock, so two processes
 * replacing it at once cannot both win.  The slot ends with its server: when the server's file
 * object goes (its last handle closed) the name is unlinked while the socket is still bound,
 * so it can only be this server's file that goes.
 */
#define _GNU_SOURCE
#include "runtime/mailslot_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

const char *wv_mslot_rest(const char *win)
{
    static const char prefix[] = "\\\\.\\mailslot\\";
    return strncasecmp(win, prefix, sizeof(prefix) - 1) == 0 ? win + sizeof(prefix) - 1 : NULL;
}

static void wv_mslot_free(void *ext)
{
    struct wv_mslot *m = ext;
    if (m->name) {
        wv_ns_unlink('m', m->name); /* still bound (m->bound open): the file is this server's */
        free(m->name);
    }
    if (m->bound >= 0)
        close(m->bound);
    wv_mslot_clear(m);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

struct wv_mslot *wv_mslot_of(struct wv_file *f) { return f->ext_free == wv_mslot_free ? f->ext : NULL; }

/* A handle for an end over the socket fd (taken), m's state (taken, even on failure). */
static DWORD wv_mslot_handle(int fd, struct wv_mslot *m, DWORD access, DWORD flags, HANDLE *out)
{
    DWORD err = wv_file_from_fd(fd, access | 0x00100080 /* SYNCHRONIZE, FILE_READ_ATTRIBUTES */, out);
    close(fd);
    if (err) {
        wv_mslot_free(m);
        return err;
    }
    struct wv_file *f = wv_file_of(*out, NULL);
    f->ext = m, f->ext_free = wv_mslot_free;
    f->flags = flags & FILE_FLAG_OVERLAPPED;
    wv_object_unref(&f->obj);
    return 0;
}

static struct wv_mslot *wv_mslot_new(void)
{
    struct wv_mslot *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    pthread_mutex_init(&m->lock, NULL);
    m->bound = -1;
    m->tail = &m->head;
    return m;
}

/* Connects a datagram socket to name's file: 0 and *out (blocking), ERROR_FILE_NOT_FOUND when
 * no server holds the name (no file, or a dead server's). */
static DWORD wv_mslot_connect(const char *name, int *out)
{
    struct sockaddr_un sun;
    socklen_t len;
    DWORD err = wv_ns_sockaddr('m', name, &sun, &len);
    if (err)
        return err;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ERROR_TOO_MANY_OPEN_FILES;
    if (connect(fd, (struct sockaddr *)&sun, len) != 0) {
        int e = errno;
        close(fd);
        return e == ENOENT || e == ECONNREFUSED || e == ENOTSOCK || e == EPROTOTYPE ? ERROR_FILE_NOT_FOUND
                                                                                     : wv_errno_to_error(e);
    }
    *out = fd;
    return 0;
}

/* Binds fd to name: 0, or ERROR_ALREADY_EXISTS when a live server holds it. */
static DWORD wv_mslot_bind(int fd, const char *name)
{
    struct sockaddr_un sun;
    socklen_t len;
    DWORD err = wv_ns_sockaddr('m', name, &sun, &len);
    if (err)
        return err;
    if (bind(fd, (struct sockaddr *)&sun, len) == 0)
        return 0;
    if (errno != EADDRINUSE)
        return errno == EACCES ? ERROR_ACCESS_DENIED : wv_errno_to_error(errno);
    int lk = wv_ns_lock_dir(), probe = -1; /* a file there: a live server's, or a dead one's */
    if (lk < 0)
        return ERROR_ACCESS_DENIED;
    err = wv_mslot_connect(name, &probe);
    if (!err)
        err = ERROR_ALREADY_EXISTS, close(probe);
    else if (err == ERROR_FILE_NOT_FOUND) {
        wv_ns_unlink('m', name);
        err = bind(fd, (struct sockaddr *)&sun, len) == 0 ? 0 : ERROR_ALREADY_EXISTS;
    }
    wv_ns_unlock_dir(lk);
    return err;
}

DWORD wv_mslot_make(const char *name, DWORD max, DWORD timeout, DWORD access, DWORD flags, HANDLE *out)
{
    if (!*name)
        return ERROR_INVALID_NAME;
    struct wv_mslot *m = wv_mslot_new();
    if (!m || !(m->name = strdup(name))) {
        if (m)
            wv_mslot_free(m);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    m->server = true, m->max = max, m->timeout = timeout;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    DWORD err = fd < 0 ? ERROR_TOO_MANY_OPEN_FILES : wv_mslot_bind(fd, name);
    bool ours = !err; /* the name's file is this socket's */
    if (!err && (m->bound = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
        err = ERROR_TOO_MANY_OPEN_FILES;
    if (err) {
        if (ours)
            wv_ns_unlink('m', name);
        if (fd >= 0)
            close(fd);
        free(m->name), m->name = NULL; /* nothing of the name's left to remove */
        wv_mslot_free(m);
        return err;
    }
    return wv_mslot_handle(fd, m, access, flags, out);
}

bool wv_mslot_createfile(const char *win, DWORD access, DWORD flags, HANDLE *out)
{
    const char *name = wv_mslot_rest(win);
    if (!name)
        return false;
    int fd = -1;
    DWORD err = *name ? wv_mslot_connect(name, &fd) : ERROR_FILE_NOT_FOUND;
    struct wv_mslot *m = err ? NULL : wv_mslot_new();
    if (!err && !m)
        close(fd), err = ERROR_NOT_ENOUGH_MEMORY;
    if (!err)
        err = wv_mslot_handle(fd, m, access, flags, out);
    if (err)
        *out = wv_fail_file(err);
    else
        wv_set_error(ERROR_SUCCESS);
    return true;
}

/* ---- kernel32's calls ---- */

static HANDLE wv_mslot_create(DWORD err, char *win, DWORD max, DWORD timeout)
{
    const char *name = err ? NULL : wv_mslot_rest(win);
    if (!err && !name)
        err = ERROR_INVALID_NAME;
    HANDLE h = INVALID_HANDLE_VALUE;
    if (!err)
        err = wv_mslot_make(name, max, timeout, GENERIC_READ, 0, &h);
    free(win);
    if (err)
        return wv_fail_file(err);
    wv_set_error(ERROR_SUCCESS);
    return h;
}

HANDLE WINAPI CreateMailslotA(LPCSTR name, DWORD max, DWORD timeout, LPSECURITY_ATTRIBUTES sa)
{
    (void)sa; /* no inheritance: winvm's children get no handles this way */
    char *win = NULL;
    DWORD err = name ? wv_user_str(name, &win) : ERROR_PATH_NOT_FOUND;
    return wv_mslot_create(err, win, max, timeout);
}

HANDLE WINAPI CreateMailslotW(LPCWSTR name, DWORD max, DWORD timeout, LPSECURITY_ATTRIBUTES sa)
{
    (void)sa;
    char *win = NULL;
    DWORD err = name ? wv_user_wstr(name, WV_TEXT_STRICT, &win) : ERROR_PATH_NOT_FOUND;
    return wv_mslot_create(err, win, max, timeout);
}

/* The server behind h with a reference (*f), or NULL and *err. */
static struct wv_mslot *wv_server_of(HANDLE h, struct wv_file **f, DWORD *err)
{
    *f = wv_file_of(h, NULL);
    struct wv_mslot *m = *f ? wv_mslot_of(*f) : NULL;
    *err = !*f ? ERROR_INVALID_HANDLE : !m || !m->server ? ERROR_INVALID_PARAMETER : 0;
    if (*err && *f)
        wv_object_unref(&(*f)->obj);
    return *err ? NULL : m;
}

BOOL WINAPI GetMailslotInfo(HANDLE h, LPDWORD max, LPDWORD next, LPDWORD count, LPDWORD timeout)
{
    struct wv_file *f;
    DWORD err, v[4];
    struct wv_mslot *m = wv_server_of(h, &f, &err);
    if (!m)
        return wv_fail(err);
    err = wv_mslot_info(f, m, v);
    wv_object_unref(&f->obj);
    LPDWORD out[4] = {max, next, count, timeout};
    for (int i = 0; i < 4 && !err; i++)
        if (out[i])
            err = wv_user_put(out[i], &v[i], sizeof(v[i]));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetMailslotInfo(HANDLE h, DWORD timeout)
{
    struct wv_file *f;
    DWORD err;
    struct wv_mslot *m = wv_server_of(h, &f, &err);
    if (!m)
        return wv_fail(err);
    pthread_mutex_lock(&m->lock);
    m->timeout = timeout;
    pthread_mutex_unlock(&m->lock);
    wv_object_unref(&f->obj);
    return TRUE;
}
