/* SPDX-License-Identifier: MIT */
/* ntdll_keyed.c - keyed events (NtCreate/Open/Wait/ReleaseKeyedEvent) and thread alerts by id
 * (NtAlertThreadByThreadId, NtWaitForAlertByThreadId).
 *
 * A keyed event is a rendezvous: a wait for a key meets a release of the same key, whichever
 * comes first blocking until the other comes (or its timeout passes).  Facts from Wine's
 * ntdll/tests/sync.c test_keyed_events, which records Windows: a key with bit 0 set is
 * STATUS_INVALID_PARAMETER_1 (checked before the handle), a NULL handle is the global keyed
 * event, waiting needs KEYEDEVENT_WAIT and releasing KEYEDEVENT_WAKE (GENERIC_READ and
 * GENERIC_WRITE give them), and WaitForSingleObject on one returns at once (with SYNCHRONIZE).
 * Keyed events live in this process: a name is found by this process's opens only (Windows
 * shares it between processes); it is held in the per-user namespace all named objects share,
 * so an event, mutex, semaphore, section or timer of the same name is refused either way.
 *
 * Locking: wv_keyed_lock guards every keyed event's queue and the name list; a leaf (nothing
 * taken under it; a name's Create and last close take it under the namespace lock).  Blocked calls sleep on wv_keyed_cond in slices, each end a safe point
 * for TerminateThread and a look at the thread's APCs for alertable calls.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/thread_int.h"
#include "runtime/synch_int.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One blocked call: a waiter or a releaser of a key, on its keyed event's queue. */
struct wv_keyed_call {
    struct wv_keyed_call *next;
    uintptr_t key;
    bool release;
    bool matched; /* the other side came: the call succeeds */
};

struct wv_keyed {
    struct wv_object obj;
    char *name; /* NULL: unnamed */
    int fd;     /* its name held in the per-user namespace (ob/namespace.c), or -1 */
    struct wv_keyed *next_named;
    struct wv_keyed_call *first;
};

static pthread_mutex_t wv_keyed_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wv_keyed_cond = PTHREAD_COND_INITIALIZER;
static struct wv_keyed *wv_keyed_names;
static void wv_keyed_destroy(struct wv_object *o);
/* The global keyed event a NULL handle names: never destroyed. */
static struct wv_keyed wv_keyed_global = {.obj = {.kind = WV_KIND_KEYED_EVENT, .refs = 1, .destroy = wv_keyed_destroy},
                                           .fd = -1};

/* The name goes from the list and from the namespace under the namespace lock, so a Create of
 * the same name sees both or neither. */
static void wv_keyed_destroy(struct wv_object *o)
{
    struct wv_keyed *k = (struct wv_keyed *)o;
    int lk = k->fd >= 0 ? wv_ns_lock() : -1;
    pthread_mutex_lock(&wv_keyed_lock);
    for (struct wv_keyed **p = &wv_keyed_names; *p; p = &(*p)->next_named)
        if (*p == k) {
            *p = k->next_named;
            break;
        }
    pthread_mutex_unlock(&wv_keyed_lock);
    if (k->fd >= 0)
        wv_ns_release(lk, k->fd), close(k->fd);
    if (lk >= 0)
        wv_ns_unlock(lk);
    free(k->name);
    free(k);
}

/* The named keyed event with a new reference, or NULL (lock held).  One whose last reference
 * is being dropped is not taken: its destroy waits for the lock to unlink it. */
static struct wv_object *wv_keyed_find(const char *name)
{
    for (struct wv_keyed *k = wv_keyed_names; k; k = k->next_named) {
        if (strcmp(k->name, name) != 0)
            continue;
        return wv_object_ref_live(&k->obj) ? &k->obj : NULL;
    }
    return NULL;
}

/* A new keyed event, its name (NULL: none) listed and held (both locks held): NULL and *st
 * when it cannot be had. */
static struct wv_object *wv_keyed_new(int lk, const char *name, void *arg, NTSTATUS *st)
{
    struct wv_keyed *k = calloc(1, sizeof(*k));
    if (!k || (name && !(k->name = strdup(name)))) {
        *st = STATUS_NO_MEMORY;
        return free(k), NULL;
    }
    k->fd = name ? wv_local_name_hold(lk, name, 0x656b7677u /* "wvke" */, st) : -1;
    if (name && k->fd < 0)
        return free(k->name), free(k), NULL;
    (void)arg;
    k->obj = (struct wv_object){.kind = WV_KIND_KEYED_EVENT, .refs = 1, .destroy = wv_keyed_destroy};
    if (name)
        k->next_named = wv_keyed_names, wv_keyed_names = k;
    return &k->obj;
}

static const struct wv_local_kind wv_keyed_kind = {
    .lock = &wv_keyed_lock, .find = wv_keyed_find, .make = wv_keyed_new,
    .kind = WV_KIND_KEYED_EVENT, .open_rights = KEYEDEVENT_ALL_ACCESS | SYNCHRONIZE};

NTSTATUS NTAPI NtCreateKeyedEvent(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, ULONG flags)
{
    (void)flags; /* reserved: Windows takes any value */
    return wv_local_make(&wv_keyed_kind, out, access, oa, true, NULL);
}

NTSTATUS NTAPI NtOpenKeyedEvent(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    return wv_local_make(&wv_keyed_kind, out, access, oa, false, NULL);
}

/* Removes c from k's queue if it is still there (lock held). */
static void wv_keyed_unqueue(struct wv_keyed *k, struct wv_keyed_call *c)
{
    for (struct wv_keyed_call **p = &k->first; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            return;
        }
}

/* Sleeps until c is matched, the deadline (CLOCK_REALTIME), an APC (alert) or TerminateThread
 * (lock held, c queued): STATUS_SUCCESS, STATUS_TIMEOUT or STATUS_USER_APC; c unqueued. */
static NTSTATUS wv_keyed_sleep(struct wv_keyed *k, struct wv_keyed_call *c, DWORD ms, struct wv_thread *alert)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000, until.tv_nsec += (long)(ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000)
        until.tv_sec++, until.tv_nsec -= 1000000000;
    for (;;) {
        if (c->matched)
            return STATUS_SUCCESS; /* the matching call unqueued it */
        if (alert && __atomic_load_n(&alert->apc_first, __ATOMIC_ACQUIRE))
            return wv_keyed_unqueue(k, c), STATUS_USER_APC;
        if (wv_thread_kill_pending()) {
            wv_keyed_unqueue(k, c);
            pthread_mutex_unlock(&wv_keyed_lock);
            wv_thread_kill_point(); /* ends the thread */
            pthread_mutex_lock(&wv_keyed_lock);
            return STATUS_TIMEOUT;
        }
        struct timespec slice;
        clock_gettime(CLOCK_REALTIME, &slice);
        slice.tv_nsec += 50000000;
        if (slice.tv_nsec >= 1000000000)
            slice.tv_sec++, slice.tv_nsec -= 1000000000;
        bool last = ms != INFINITE && (slice.tv_sec > until.tv_sec ||
                                       (slice.tv_sec == until.tv_sec && slice.tv_nsec >= until.tv_nsec));
        if (pthread_cond_timedwait(&wv_keyed_cond, &wv_keyed_lock, last ? &until : &slice) == ETIMEDOUT && last &&
            !c->matched)
            return wv_keyed_unqueue(k, c), STATUS_TIMEOUT;
    }
}

/* A wait (release false) or release of key on the keyed event h names. */
static NTSTATUS wv_keyed_call(HANDLE h, PVOID key, bool release, BOOLEAN alertable, PLARGE_INTEGER timeout)
{
    if ((uintptr_t)key & 1)
        return STATUS_INVALID_PARAMETER_1;
    DWORD access = KEYEDEVENT_ALL_ACCESS, ms = INFINITE;
    struct wv_object *o = h ? wv_handle_get(h, WV_KIND_ANY, &access) : &wv_keyed_global.obj;
    NTSTATUS st = !o ? STATUS_INVALID_HANDLE
                  : o->kind != WV_KIND_KEYED_EVENT ? STATUS_OBJECT_TYPE_MISMATCH
                  : !(access & (release ? KEYEDEVENT_WAKE : KEYEDEVENT_WAIT)) ? STATUS_ACCESS_DENIED
                  : wv_nt_timeout(timeout, &ms);
    struct wv_thread *self = alertable ? wv_thread_self() : NULL;
    if (!st && alertable && !self)
        st = STATUS_NO_MEMORY;
    if (st) {
        if (h)
            wv_object_unref(o);
        return st;
    }
    struct wv_keyed *k = (struct wv_keyed *)o;
    struct wv_keyed_call me = {.key = (uintptr_t)key, .release = release}, **p;
    pthread_mutex_lock(&wv_keyed_lock);
    for (p = &k->first; *p && ((*p)->key != me.key || (*p)->release == release); p = &(*p)->next)
        ;
    if (*p) { /* the other side is waiting: the first of them goes */
        (*p)->matched = true;
        *p = (*p)->next;
        pthread_cond_broadcast(&wv_keyed_cond);
    } else if (ms == 0) {
        st = STATUS_TIMEOUT;
    } else {
        for (p = &k->first; *p; p = &(*p)->next)
            ;
        *p = &me;
        st = wv_keyed_sleep(k, &me, ms, self);
    }
    pthread_mutex_unlock(&wv_keyed_lock);
    if (h)
        wv_object_unref(o);
    if (st == STATUS_USER_APC)
        wv_apc_run(self);
    return st;
}

NTSTATUS NTAPI NtWaitForKeyedEvent(HANDLE h, PVOID key, BOOLEAN alertable, PLARGE_INTEGER timeout)
{
    return wv_keyed_call(h, key, false, alertable, timeout);
}

NTSTATUS NTAPI NtReleaseKeyedEvent(HANDLE h, PVOID key, BOOLEAN alertable, PLARGE_INTEGER timeout)
{
    return wv_keyed_call(h, key, true, alertable, timeout);
}

/* ---- alerts by thread id: a flag per thread (t->tid_alert, a futex word) ---- */

static bool wv_tid_is(const struct wv_object *o, const void *id)
{
    return ((const struct wv_thread *)o)->tid == *(const DWORD *)id;
}

/* An id names a thread while its object lives: a thread that has ended but is still held by a
 * handle is alerted too, to no effect (Wine's test records STATUS_SUCCESS then). */
NTSTATUS NTAPI NtAlertThreadByThreadId(HANDLE tid)
{
    uintptr_t id = (uintptr_t)tid;
    DWORD tid32 = (DWORD)id;
    struct wv_thread *t = NULL;
    if (id && id <= 0xffffffffu)
        t = tid32 == GetCurrentThreadId() ? wv_thread_self() : wv_thread_find(tid32);
    if (!t && id && id <= 0xffffffffu) {
        struct wv_object *o = wv_handle_find(WV_KIND_THREAD, wv_tid_is, &tid32);
        wv_object_unref(o);
        return o ? STATUS_SUCCESS : STATUS_INVALID_CID;
    }
    if (!t)
        return STATUS_INVALID_CID; /* no thread of this process has that id */
    if ((DWORD)id == GetCurrentThreadId())
        wv_object_ref(&t->obj); /* as the found one's */
    __atomic_store_n(&t->tid_alert, 1, __ATOMIC_RELEASE);
    wv_futex_wake(&t->tid_alert, INT32_MAX);
    wv_object_unref(&t->obj);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtWaitForAlertByThreadId(const void *addr, PLARGE_INTEGER timeout)
{
    (void)addr; /* a hint for debuggers on Windows: the wait is the thread's alone */
    DWORD ms;
    NTSTATUS st = wv_nt_timeout(timeout, &ms);
    struct wv_thread *self = st ? NULL : wv_thread_self();
    if (st || !self)
        return st ? st : (NTSTATUS)STATUS_NO_MEMORY;
    uint64_t deadline = wv_synch_deadline(ms);
    for (;;) {
        if (__atomic_exchange_n(&self->tid_alert, 0, __ATOMIC_ACQ_REL))
            return STATUS_ALERTED;
        if (ms == 0 || wv_futex_wait(&self->tid_alert, 0, deadline) == ETIMEDOUT)
            return __atomic_exchange_n(&self->tid_alert, 0, __ATOMIC_ACQ_REL) ? STATUS_ALERTED : STATUS_TIMEOUT;
    }
}
