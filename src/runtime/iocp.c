/* SPDX-License-Identifier: MIT */
/* iocp.c - I/O completion ports, ntdll's side: NtCreate/Open/Set/Remove/RemoveEx/QueryIoCompletion
 * and wv_iocp_post, which overlapped I/O (overlap.c) calls when a request of a file associated
 * with a port completes (kernel32's calls: iocp_k32.c).
 *
 * A port is a FIFO of packets (key, value, status, information) and a stack of blocked
 * removers: a packet posted while a thread waits goes to the one that began waiting last
 * (Windows releases a port's waiters LIFO, so the thread whose cache is warmest runs).  The
 * concurrency value is kept but not enforced: Windows counts a released thread as running until
 * it blocks anywhere, which only its scheduler sees; here every waiter is released.  When the
 * port's last handle closes, its waiters end with STATUS_ABANDONED_WAIT_0.  Facts from Wine's
 * ntdll/tests/file.c test_iocompletion, which records Windows: NtRemoveIoCompletionEx writes a
 * count of 1 on a timeout too; an alertable remove runs the thread's APCs only when no packet
 * is there (STATUS_USER_APC).
 * Ports live in this process: a name is found by this process's opens only (Windows shares it);
 * it is held in the per-user store every named object shares, so another kind's name is refused.
 *
 * Locking: wv_iocp_lock guards every port's queue, waiters and the name list; a leaf (a name's
 * Create and last close take it under the namespace lock).  Waiters sleep on their own
 * condition variable in slices of 50 ms, each end a safe point for TerminateThread and a look
 * at the thread's APCs for alertable calls.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/thread_int.h"
#include "runtime/synch_int.h"
#include "runtime/io_int.h"
#include "nt/nt.h"
#include <winvm/iocp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct wv_iocp_pkt {
    struct wv_iocp_pkt *next;
    FILE_IO_COMPLETION_INFORMATION info;
};

/* One blocked remover, on its port's stack until a packet, the close, its timeout or an APC. */
struct wv_iocp_waiter {
    struct wv_iocp_waiter *next;
    pthread_cond_t cond;
    struct wv_iocp_pkt *got; /* the packet handed to it */
    bool abandoned;          /* the port's last handle closed */
};

struct wv_iocp {
    struct wv_object obj;
    char *name; /* NULL: unnamed */
    int fd;     /* its name held in the per-user store (ob/namespace.c), or -1 */
    struct wv_iocp *next_named;
    struct wv_iocp_pkt *head, *tail;
    LONG depth;
    struct wv_iocp_waiter *waiters; /* the last to wait first */
    int handles;                    /* atomic */
    ULONG threads;                  /* the concurrency value (kept, see above) */
};

static pthread_mutex_t wv_iocp_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_iocp *wv_iocp_names;

static void wv_iocp_destroy(struct wv_object *o)
{
    struct wv_iocp *p = (struct wv_iocp *)o;
    int lk = p->fd >= 0 ? wv_ns_lock() : -1;
    pthread_mutex_lock(&wv_iocp_lock);
    for (struct wv_iocp **q = &wv_iocp_names; *q; q = &(*q)->next_named)
        if (*q == p) {
            *q = p->next_named;
            break;
        }
    pthread_mutex_unlock(&wv_iocp_lock);
    if (p->fd >= 0)
        wv_ns_release(lk, p->fd), close(p->fd);
    if (lk >= 0)
        wv_ns_unlock(lk);
    for (struct wv_iocp_pkt *k = p->head, *next; k; k = next)
        next = k->next, free(k);
    free(p->name);
    free(p);
}

/* The last handle closed: every waiter ends abandoned (Windows: ERROR_ABANDONED_WAIT_0). */
static void wv_iocp_on_handle(struct wv_object *o, int delta)
{
    struct wv_iocp *p = (struct wv_iocp *)o;
    if (__atomic_add_fetch(&p->handles, delta, __ATOMIC_ACQ_REL) != 0 || delta > 0)
        return;
    pthread_mutex_lock(&wv_iocp_lock);
    for (struct wv_iocp_waiter *w; (w = p->waiters);) {
        p->waiters = w->next;
        w->abandoned = true;
        pthread_cond_signal(&w->cond);
    }
    pthread_mutex_unlock(&wv_iocp_lock);
}

/* The named port with a new reference, or NULL (lock held); one being destroyed is not taken. */
static struct wv_object *wv_iocp_find(const char *name)
{
    for (struct wv_iocp *p = wv_iocp_names; p; p = p->next_named) {
        if (strcmp(p->name, name) != 0)
            continue;
        return wv_object_ref_live(&p->obj) ? &p->obj : NULL;
    }
    return NULL;
}

static struct wv_object *wv_iocp_new(int lk, const char *name, void *arg, NTSTATUS *st)
{
    ULONG threads = *(const ULONG *)arg;
    struct wv_iocp *p = calloc(1, sizeof(*p));
    if (!p || (name && !(p->name = strdup(name)))) {
        *st = STATUS_NO_MEMORY;
        return free(p), NULL;
    }
    p->fd = name ? wv_local_name_hold(lk, name, 0x6f697677u /* "wvio" */, st) : -1;
    if (name && p->fd < 0)
        return free(p->name), free(p), NULL;
    p->obj = (struct wv_object){.kind = WV_KIND_IOCP, .refs = 1, .destroy = wv_iocp_destroy,
                                .on_handle = wv_iocp_on_handle};
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (ULONG)n : 1;
    }
    p->threads = threads;
    if (name)
        p->next_named = wv_iocp_names, wv_iocp_names = p;
    return &p->obj;
}

static const struct wv_local_kind wv_iocp_kind = {
    .lock = &wv_iocp_lock, .find = wv_iocp_find, .make = wv_iocp_new,
    .kind = WV_KIND_IOCP};

NTSTATUS NTAPI NtCreateIoCompletion(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, ULONG threads)
{
    return wv_local_make(&wv_iocp_kind, out, access, oa, true, &threads);
}

NTSTATUS NTAPI NtOpenIoCompletion(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    ULONG none = 0;
    return wv_local_make(&wv_iocp_kind, out, access, oa, false, &none);
}

/* The port h names with a reference, if the handle grants need: 0 or the status. */
static NTSTATUS wv_iocp_get(HANDLE h, DWORD need, struct wv_iocp **out)
{
    DWORD access = 0;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &access);
    if (!o)
        return STATUS_INVALID_HANDLE;
    NTSTATUS st = o->kind != WV_KIND_IOCP ? STATUS_OBJECT_TYPE_MISMATCH
                  : (access & need) != need ? STATUS_ACCESS_DENIED : STATUS_SUCCESS;
    if (st)
        return wv_object_unref(o), st;
    *out = (struct wv_iocp *)o;
    return STATUS_SUCCESS;
}

/* Queues a packet: to the last waiter if one waits, else at the queue's end.  false without
 * memory. */
bool wv_iocp_post(struct wv_object *port, ULONG_PTR key, ULONG_PTR value, NTSTATUS status, ULONG_PTR info)
{
    struct wv_iocp *p = (struct wv_iocp *)port;
    struct wv_iocp_pkt *k = malloc(sizeof(*k));
    if (!k)
        return false;
    k->next = NULL;
    k->info.CompletionKey = key, k->info.CompletionValue = value;
    k->info.IoStatusBlock.Pointer = NULL; /* the status fills only its low half */
    k->info.IoStatusBlock.Status = status, k->info.IoStatusBlock.Information = info;
    pthread_mutex_lock(&wv_iocp_lock);
    struct wv_iocp_waiter *w = p->waiters;
    if (w) {
        p->waiters = w->next;
        w->got = k;
        pthread_cond_signal(&w->cond);
    } else {
        *(p->tail ? &p->tail->next : &p->head) = k;
        p->tail = k, p->depth++;
    }
    pthread_mutex_unlock(&wv_iocp_lock);
    return true;
}

NTSTATUS NTAPI NtSetIoCompletion(HANDLE h, ULONG_PTR key, ULONG_PTR value, NTSTATUS status, SIZE_T info)
{
    struct wv_iocp *p;
    NTSTATUS st = wv_iocp_get(h, IO_COMPLETION_MODIFY_STATE, &p);
    if (st)
        return st;
    st = wv_iocp_post(&p->obj, key, value, status, info) ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
    wv_object_unref(&p->obj);
    return st;
}

/* The queue's first packet, or NULL (lock held). */
static struct wv_iocp_pkt *wv_iocp_pop(struct wv_iocp *p)
{
    struct wv_iocp_pkt *k = p->head;
    if (k) {
        if (!(p->head = k->next))
            p->tail = NULL;
        p->depth--;
    }
    return k;
}

static void wv_iocp_unwait(struct wv_iocp *p, struct wv_iocp_waiter *w)
{
    for (struct wv_iocp_waiter **q = &p->waiters; *q; q = &(*q)->next)
        if (*q == w) {
            *q = w->next;
            return;
        }
}

/* Sleeps on p's stack (lock held, nothing queued) until a packet (*got), the close, ms or an
 * APC (alert): STATUS_SUCCESS, STATUS_ABANDONED_WAIT_0, STATUS_TIMEOUT or STATUS_USER_APC. */
static NTSTATUS wv_iocp_sleep(struct wv_iocp *p, DWORD ms, struct wv_thread *alert, struct wv_iocp_pkt **got)
{
    struct wv_iocp_waiter w = {.next = p->waiters};
    pthread_cond_init(&w.cond, NULL);
    p->waiters = &w;
    struct timespec until, slice;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000, until.tv_nsec += (long)(ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000)
        until.tv_sec++, until.tv_nsec -= 1000000000;
    NTSTATUS st = STATUS_SUCCESS;
    for (;;) {
        if (w.got || w.abandoned)
            break; /* whoever set it took w off the stack */
        if (alert && __atomic_load_n(&alert->apc_first, __ATOMIC_ACQUIRE)) {
            st = STATUS_USER_APC;
            break;
        }
        if (wv_thread_kill_pending()) {
            wv_iocp_unwait(p, &w);
            pthread_mutex_unlock(&wv_iocp_lock);
            wv_thread_kill_point(); /* ends the thread */
            pthread_mutex_lock(&wv_iocp_lock);
            p->waiters = (w.next = p->waiters, &w);
        }
        clock_gettime(CLOCK_REALTIME, &slice);
        slice.tv_nsec += 50000000;
        if (slice.tv_nsec >= 1000000000)
            slice.tv_sec++, slice.tv_nsec -= 1000000000;
        bool last = ms != INFINITE && (slice.tv_sec > until.tv_sec ||
                                       (slice.tv_sec == until.tv_sec && slice.tv_nsec >= until.tv_nsec));
        if (pthread_cond_timedwait(&w.cond, &wv_iocp_lock, last ? &until : &slice) == ETIMEDOUT && last &&
            !w.got && !w.abandoned) {
            st = STATUS_TIMEOUT;
            break;
        }
    }
    if (!w.got && !w.abandoned)
        wv_iocp_unwait(p, &w);
    pthread_cond_destroy(&w.cond);
    *got = w.got;
    return w.got ? STATUS_SUCCESS : w.abandoned ? STATUS_ABANDONED_WAIT_0 : st;
}

/* Removes up to n packets into out (at least one, waiting up to ms for it): how many in *got,
 * and the status. */
static NTSTATUS wv_iocp_remove(HANDLE h, FILE_IO_COMPLETION_INFORMATION *out, ULONG n, ULONG *got,
                               PLARGE_INTEGER timeout, BOOLEAN alertable)
{
    DWORD ms;
    struct wv_iocp *p;
    NTSTATUS st = wv_nt_timeout(timeout, &ms);
    if (st || (st = wv_iocp_get(h, IO_COMPLETION_MODIFY_STATE, &p)))
        return st;
    struct wv_thread *self = alertable ? wv_thread_self() : NULL;
    struct wv_iocp_pkt *k;
    *got = 0;
    pthread_mutex_lock(&wv_iocp_lock);
    if (!(k = wv_iocp_pop(p)))
        st = ms == 0 ? STATUS_TIMEOUT : wv_iocp_sleep(p, ms, self, &k);
    while (k) {
        out[(*got)++] = k->info;
        free(k);
        k = *got < n ? wv_iocp_pop(p) : NULL;
    }
    pthread_mutex_unlock(&wv_iocp_lock);
    wv_object_unref(&p->obj);
    if (st == STATUS_USER_APC)
        wv_apc_run(self);
    return st;
}

NTSTATUS NTAPI NtRemoveIoCompletion(HANDLE h, PULONG_PTR key, PULONG_PTR value, PIO_STATUS_BLOCK iosb,
                                    PLARGE_INTEGER timeout)
{
    FILE_IO_COMPLETION_INFORMATION i;
    ULONG got;
    NTSTATUS st = wv_iocp_remove(h, &i, 1, &got, timeout, FALSE);
    if (got && (wv_copy(key, &i.CompletionKey, sizeof(*key)) || wv_copy(value, &i.CompletionValue, sizeof(*value)) ||
                wv_copy(iosb, &i.IoStatusBlock, sizeof(*iosb))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    return st;
}

NTSTATUS NTAPI NtRemoveIoCompletionEx(HANDLE h, FILE_IO_COMPLETION_INFORMATION *info, ULONG count, ULONG *written,
                                      PLARGE_INTEGER timeout, BOOLEAN alertable)
{
    if (!count)
        return STATUS_INVALID_PARAMETER;
    if (count > 4096)
        count = 4096; /* a bound on the host copy: the rest stay queued for the next call */
    FILE_IO_COMPLETION_INFORMATION *buf = malloc(count * sizeof(*buf));
    if (!buf)
        return (NTSTATUS)STATUS_NO_MEMORY;
    ULONG got = 0;
    NTSTATUS st = wv_iocp_remove(h, buf, count, &got, timeout, alertable);
    ULONG shown = got ? got : 1; /* Windows writes 1 on a timeout too */
    if ((got && wv_copy(info, buf, got * sizeof(*buf))) ||
        (st != STATUS_INVALID_HANDLE && st != STATUS_OBJECT_TYPE_MISMATCH && wv_copy(written, &shown, sizeof(shown))))
        st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
    free(buf);
    return st;
}

NTSTATUS NTAPI NtQueryIoCompletion(HANDLE h, IO_COMPLETION_INFORMATION_CLASS cls, PVOID buf, ULONG len, PULONG ret)
{
    if (cls != IoCompletionBasicInformation)
        return STATUS_INVALID_INFO_CLASS;
    if (len < sizeof(IO_COMPLETION_BASIC_INFORMATION))
        return STATUS_INFO_LENGTH_MISMATCH;
    struct wv_iocp *p;
    NTSTATUS st = wv_iocp_get(h, IO_COMPLETION_QUERY_STATE, &p);
    if (st)
        return st;
    pthread_mutex_lock(&wv_iocp_lock);
    IO_COMPLETION_BASIC_INFORMATION b = {.Depth = p->depth};
    pthread_mutex_unlock(&wv_iocp_lock);
    wv_object_unref(&p->obj);
    ULONG n = sizeof(b);
    if (wv_copy(buf, &b, sizeof(b)) || (ret && wv_copy(ret, &n, sizeof(n))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}
