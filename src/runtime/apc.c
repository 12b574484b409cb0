/* SPDX-License-Identifier: MIT */
/* apc.c - QueueUserAPC and alertable sleeps (SleepEx; the alertable waits are sync.c's).
 *
 * An APC is queued on its thread's object and runs on that thread only, in an alertable wait
 * (SleepEx, WaitForSingleObjectEx, WaitForMultipleObjectsEx with alertable TRUE): the wait sees
 * the queue (objects signalled first win, as Windows), runs every queued APC in the order they
 * were queued, and returns WAIT_IO_COMPLETION.  A PE caller's routine is an ms_abi function,
 * called through a wv_seh_callout link: when the wait was PE code's call, its gate
 * (apc_gate.c) delivers the APCs as the call returns, the link resuming at the caller's
 * context, so that an unwind or exception from the routine reaches the caller's frames.
 */
#define _GNU_SOURCE
#include "runtime/thread_int.h"
#include "runtime/io_int.h"

#include <stdlib.h>


typedef void(WINAPI *wv_host_apc)(ULONG_PTR);

struct wv_apc {
    void *fn;
    ULONG_PTR data;
    bool pe;
    bool timer; /* a timer's completion routine: fn(data, lo, hi) */
    DWORD lo, hi;
    struct wv_apc *next;
    bool nt;             /* NtQueueApcThread's: fn(data, a2, a3) */
    ULONG_PTR a2, a3;
};
typedef void (*wv_host_timer_apc)(void *, DWORD, DWORD);
typedef void(WINAPI *wv_host_nt_apc)(ULONG_PTR, ULONG_PTR, ULONG_PTR);

/* Appends a to t's queue (t->lock taken here); with only_live, not to a thread that has ended:
 * false then, a left to the caller. */
static bool wv_apc_append(struct wv_thread *t, struct wv_apc *a, bool only_live)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    bool live = !only_live || !__atomic_load_n(&t->done, __ATOMIC_ACQUIRE);
    if (live) {
        if (t->apc_last)
            t->apc_last->next = a;
        else
            __atomic_store_n(&t->apc_first, a, __ATOMIC_RELEASE);
        t->apc_last = a;
    }
    wv_thread_unlock(t, &old);
    return live;
}

DWORD wv_apc_push_timer(struct wv_thread *t, void *fn, void *arg, int64_t ft, bool pe)
{
    struct wv_apc *a = malloc(sizeof(*a));
    if (!a)
        return ERROR_NOT_ENOUGH_MEMORY;
    *a = (struct wv_apc){fn, (ULONG_PTR)arg, pe, true, (DWORD)(uint64_t)ft, (DWORD)((uint64_t)ft >> 32), NULL, false,
                         0, 0};
    wv_apc_append(t, a, false);
    return 0;
}

DWORD wv_apc_queue(void *fn, HANDLE h, ULONG_PTR data, bool pe)
{
    return wv_apc_queue3(fn, h, data, pe, false, 0, 0);
}

DWORD wv_apc_queue3(void *fn, HANDLE h, ULONG_PTR data, bool pe, bool nt, ULONG_PTR a2, ULONG_PTR a3)
{
    /* NtQueueApcThread takes a NULL routine once the thread checks pass and queues nothing
     * (Windows: success on a live thread, its alertable waits not ended by it). */
    if (!fn && !nt)
        return ERROR_INVALID_PARAMETER;
    struct wv_thread *t = wv_thread_ref(h, THREAD_SET_CONTEXT);
    if (!t)
        return GetLastError();
    struct wv_apc *a = fn ? malloc(sizeof(*a)) : NULL;
    DWORD err = a || !fn ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    sigset_t old;
    wv_thread_lock(t, &old);
    if (!err && __atomic_load_n(&t->done, __ATOMIC_ACQUIRE))
        err = ERROR_GEN_FAILURE; /* no thread left to run it */
    else if (a) {
        *a = (struct wv_apc){fn, data, pe, false, 0, 0, NULL, nt, a2, a3};
        if (t->apc_last)
            t->apc_last->next = a;
        else
            __atomic_store_n(&t->apc_first, a, __ATOMIC_RELEASE);
        t->apc_last = a;
        a = NULL;
    }
    wv_thread_unlock(t, &old);
    free(a);
    if (!err && fn) { /* wake its alertable wait, if it is in one */
        pthread_mutex_lock(&wv_wait_lock);
        pthread_cond_broadcast(&wv_wait_cond);
        pthread_mutex_unlock(&wv_wait_lock);
    }
    wv_object_unref(&t->obj);
    return err;
}

struct wv_object *wv_apc_io_thread(void)
{
    struct wv_thread *t = wv_thread_self();
    if (!t)
        return NULL;
    wv_object_ref(&t->obj);
    return &t->obj;
}

bool wv_apc_queue_io(struct wv_object *thread, void *fn, DWORD err, DWORD count, OVERLAPPED *ov)
{
    struct wv_thread *t = (struct wv_thread *)thread;
    struct wv_apc *a = malloc(sizeof(*a));
    if (!a)
        return false;
    /* a PE routine gets (data, a2, a3): (dwErrorCode, dwNumberOfBytesTransfered, lpOverlapped) */
    *a = (struct wv_apc){fn, err, true, false, 0, 0, NULL, false, count, (ULONG_PTR)ov};
    if (!wv_apc_append(t, a, true)) {
        free(a);
        return false;
    }
    pthread_mutex_lock(&wv_wait_lock); /* wake its alertable wait, if it is in one */
    pthread_cond_broadcast(&wv_wait_cond);
    pthread_mutex_unlock(&wv_wait_lock);
    return true;
}

DWORD WINAPI QueueUserAPC(PAPCFUNC fn, HANDLE h, ULONG_PTR data)
{
    DWORD err = wv_apc_queue((void *)fn, h, data, false);
    return err ? wv_fail(err) : TRUE;
}

/* Takes the first queued APC (t->lock): one at a time, so that an APC that leaves by an unwind
 * leaves the others queued, as each of Windows' KiUserApcDispatcher frames delivers one. */
static struct wv_apc *wv_apc_pop(struct wv_thread *t)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    struct wv_apc *a = t->apc_first;
    if (a) {
        __atomic_store_n(&t->apc_first, a->next, __ATOMIC_RELEASE);
        if (!a->next)
            t->apc_last = NULL;
    }
    wv_thread_unlock(t, &old);
    return a;
}

/* A PE routine is called through wv_seh_callout with a link resuming at `resume`: what it
 * raises, and an unwind from it, walk on from the alertable call's caller. */
static void wv_apc_call(const struct wv_apc *a, const CONTEXT *resume)
{
    if (a->pe) {
        struct wv_link link;
        wv_seh_link_init(&link, WV_LINK_PASS, resume);
        DWORD64 b = a->timer ? a->lo : a->a2, c = a->timer ? a->hi : a->a3;
        DWORD64 d = a->nt ? (uintptr_t)resume : 0; /* Windows' dispatcher passes the context */
        wv_seh_callout(a->fn, a->data, b, c, d, &link);
    } else if (a->nt)
        ((wv_host_nt_apc)a->fn)(a->data, a->a2, a->a3);
    else if (a->timer)
        ((wv_host_timer_apc)a->fn)((void *)a->data, a->lo, a->hi);
    else
        ((wv_host_apc)a->fn)(a->data);
}

unsigned wv_apc_deliver(struct wv_thread *t, const CONTEXT *resume)
{
    unsigned n = 0;
    for (struct wv_apc *a; (a = wv_apc_pop(t)); n++) {
        struct wv_apc copy = *a;
        free(a);
        wv_apc_call(&copy, resume);
    }
    return n;
}

unsigned wv_apc_run(struct wv_thread *t)
{
    if (wv_apc_gate_defer())
        return 0; /* the PE caller's gate delivers them on its way out (apc_gate.c) */
    return wv_apc_deliver(t, NULL);
}

void wv_apc_drop(struct wv_thread *t)
{
    for (struct wv_apc *a = t->apc_first, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    t->apc_first = t->apc_last = NULL;
}

DWORD WINAPI SleepEx(DWORD ms, BOOL alertable)
{
    if (!alertable) {
        Sleep(ms);
        return 0;
    }
    struct wv_thread *self = wv_thread_self();
    if (!self) { /* no object, so no APC can be queued to this thread */
        Sleep(ms);
        return 0;
    }
    DWORD r = wv_wait(NULL, 0, false, ms, self);
    wv_thread_kill_point();
    return r == WAIT_IO_COMPLETION ? r : 0;
}
