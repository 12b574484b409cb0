/* SPDX-License-Identifier: MIT */
/* mailslot_io.c - a mailslot's messages: the server's queue, its reads, the clients' writes
 * (one attempt that never blocks, for overlap.c) and GetMailslotInfo's numbers.
 *
 * The socket tells the size of its next datagram but not how many it holds, and Windows'
 * GetMailslotInfo reports the count: so the server takes what the socket holds into a queue of
 * its own (the socket's order, which is the order the messages were sent) whenever it looks,
 * and a read serves the queue's head.  A read whose buffer is smaller than the next message is
 * ERROR_INSUFFICIENT_BUFFER and leaves it there, as Windows; one with nothing to read waits the
 * slot's read timeout (none for 0, forever for MAILSLOT_WAIT_FOREVER) and then is
 * ERROR_SEM_TIMEOUT, even for a buffer of 0 bytes (Wine's kernel32 mailslot.c).  A message
 * longer than the slot's maximum is dropped when it is taken: Windows refuses it to its writer,
 * whose process cannot know the maximum here (docs/semantics.md, "Mailslots").
 */
#define _GNU_SOURCE
#include "runtime/mailslot_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void wv_mslot_clear(struct wv_mslot *m)
{
    while (m->head) {
        struct wv_mslot_msg *g = m->head;
        m->head = g->next;
        free(g);
    }
    m->tail = &m->head, m->count = 0;
}

/* Takes every datagram the socket holds into the queue (lock held).  A message that cannot be
 * held (no memory) stays in the socket for a later look. */
static void wv_mslot_take(int fd, struct wv_mslot *m)
{
    for (;;) {
        ssize_t len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
        if (len < 0)
            return;
        struct wv_mslot_msg *g = malloc(sizeof(*g) + (size_t)len + 1);
        if (!g)
            return;
        ssize_t got = recv(fd, g->data, (size_t)len, MSG_DONTWAIT);
        if (got < 0 || (m->max && (size_t)got > m->max)) {
            free(g);
            if (got < 0)
                return;
            continue; /* longer than the slot takes */
        }
        g->n = (size_t)got, g->next = NULL;
        *m->tail = g, m->tail = &g->next;
        m->count++;
    }
}

DWORD wv_mslot_info(struct wv_file *f, struct wv_mslot *m, DWORD v[4])
{
    pthread_mutex_lock(&m->lock);
    wv_mslot_take(f->fd, m);
    v[0] = m->max;
    v[1] = m->head ? (DWORD)m->head->n : MAILSLOT_NO_MESSAGE;
    v[2] = m->count;
    v[3] = m->timeout;
    pthread_mutex_unlock(&m->lock);
    return 0;
}

/* The server's read: the queue's head, whole, or a wait (lock held). */
static DWORD wv_mslot_read(struct wv_file *f, struct wv_mslot *m, struct wv_io_req *r)
{
    wv_mslot_take(f->fd, m);
    struct wv_mslot_msg *g = m->head;
    if (g) {
        if (g->n > r->n)
            return ERROR_INSUFFICIENT_BUFFER; /* the message stays */
        if (g->n && wv_user_put(r->buf, g->data, g->n))
            return ERROR_NOACCESS;
        r->done = (DWORD)g->n;
        m->head = g->next;
        if (!m->head)
            m->tail = &m->head;
        m->count--;
        free(g);
        return 0;
    }
    if (r->first && m->timeout != MAILSLOT_WAIT_FOREVER)
        r->deadline = wv_io_now_ms() + m->timeout;
    if (r->deadline && wv_io_now_ms() >= r->deadline)
        return ERROR_SEM_TIMEOUT;
    return WV_IO_AGAIN;
}

/* A client's write: one datagram, the whole buffer. */
static DWORD wv_mslot_write(struct wv_file *f, struct wv_io_req *r)
{
    ssize_t put = wv_uio_write(f->fd, r->buf, r->n, -1, true, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (put >= 0) {
        r->done = (DWORD)put;
        return 0;
    }
    switch (errno) {
    case EAGAIN:
    case EINTR:
        return WV_IO_AGAIN; /* the server's queue is full: when it has room */
    case ECONNREFUSED:
    case ENOTCONN:
    case EPIPE:
        r->done = r->n; /* the server has gone: the message is lost, as a datagram to nobody */
        return 0;
    case EFAULT:
        return ERROR_NOACCESS;
    case EMSGSIZE:
        return ERROR_NOT_ENOUGH_MEMORY;
    default:
        return wv_errno_to_error(errno);
    }
}

DWORD wv_mslot_try(struct wv_file *f, struct wv_mslot *m, struct wv_io_req *r, int *pfd, short *events)
{
    *pfd = f->fd;
    *events = r->op == WV_IO_WRITE ? POLLOUT : POLLIN;
    if (r->op == WV_IO_CONNECT)
        return ERROR_INVALID_FUNCTION;
    if (r->op == WV_IO_WRITE) /* the server's handle has no write rights: ReadFile's check */
        return m->server ? ERROR_ACCESS_DENIED : wv_mslot_write(f, r);
    if (!m->server)
        return ERROR_ACCESS_DENIED; /* a client only writes */
    pthread_mutex_lock(&m->lock);
    DWORD err = wv_mslot_read(f, m, r);
    pthread_mutex_unlock(&m->lock);
    return err;
}
