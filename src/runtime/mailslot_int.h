/* SPDX-License-Identifier: MIT */
/* mailslot_int.h - what mailslot.c (the slots, their names, kernel32's calls) and
 * mailslot_io.c (the messages) share. */
#ifndef WV_RUNTIME_MAILSLOT_INT_H
#define WV_RUNTIME_MAILSLOT_INT_H

#include "runtime/io_int.h"

/* One message taken off the socket and not yet read. */
struct wv_mslot_msg {
    struct wv_mslot_msg *next;
    size_t n;
    char data[];
};

/* A mailslot end: the server's (its handle's file object reads the bound socket) or a
 * client's (writes to it through a connected one). */
struct wv_mslot {
    pthread_mutex_t lock;       /* the queue and timeout (a leaf) */
    bool server;
    char *name;                 /* the server's name, its file unlinked when the server goes */
    int bound;                  /* the server's socket, kept bound until the unlink */
    DWORD max;                  /* the longest message kept (0: any) */
    DWORD timeout;              /* a read's wait, ms (MAILSLOT_WAIT_FOREVER) */
    struct wv_mslot_msg *head, **tail;
    DWORD count;
};

/* Frees the queue. */
void wv_mslot_clear(struct wv_mslot *m);
/* GetMailslotInfo's four values (max, next size, count, timeout) for server f: 0 or the error. */
DWORD wv_mslot_info(struct wv_file *f, struct wv_mslot *m, DWORD v[4]);

#endif
