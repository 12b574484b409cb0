/* SPDX-License-Identifier: MIT */
/* apc.c - QueueUserAPC and alertable sleeps (SleepEx; the alertable waits are sync.c's).
 *
 * An APC is queued on its thread's object and runs on that thread only, in an alertable wait
 * (SleepEx, WaitForSingleObjectEx, WaitForMultipleObjectsEx with alertable TRUE): the wait sees
 * the queue (objects signalled first win, as Windows), runs every queued APC in the order they
 * were queued, and returns WAIT_IO_COMPLETION.  A PE caller's routine is an ms_abi function.
 */
#define _GNU_SOURCE
#include "runtime/thread_int.h"

#include <stdlib.h>


typedef void(WINAPI *wv_host_apc)(ULONG_PTR);
typedef void (*wv_pe_apc)(ULONG_PTR) WV_MSABI;

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
typedef void (*wv_pe_timer_apc)(void *, DWORD, DWORD) WV_MSABI;
typedef void(WINAPI *wv_host_nt_apc)(ULONG_PTR, ULONG_PTR, ULONG_PTR);
typedef void (*wv_pe_nt_apc)(ULONG_PTR, ULONG_PTR, ULONG_PTR) WV_MSABI;

/* Its own function: gcc 12 merges an if whose arms call the same pointer through an ms_abi and
 * a host type into one host call (the ABI is lost). */
__attribute__((noinline)) static void wv_apc_call_pe(void *fn, ULONG_PTR data) { ((wv_pe_apc)fn)(data); }
__attribute__((noinline)) static void wv_apc_call_pe_timer(void *fn, ULONG_PTR data, DWORD lo, DWORD hi)
{
    ((wv_pe_timer_apc)fn)((void *)data, lo, hi);
}

__attribute__((noinline)) static void wv_apc_call_pe_nt(void *fn, ULONG_PTR a1, ULONG_PTR a2, ULONG_PTR a3)
{
    ((wv_pe_nt_apc)fn)(a1, a2, a3);
}

/* Appends a to t's queue (t->lock taken here). */
static void wv_apc_append(struct wv_thread *t, struct wv_apc *a)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    if (t->apc_last)
        t->apc_last->next = a;
    else
        __atomic_store_n(&t->apc_first, a, __ATOMIC_RELEASE);
    t->apc_last = a;
    wv_thread_unlock(t, &old);
}

DWORD wv_apc_push_timer(struct wv_thread *t, void *fn, void *arg, int64_t ft, bool pe)
{
    struct wv_apc *a = malloc(sizeof(*a));
    if (!a)
        return ERROR_NOT_ENOUGH_MEMORY;
    *a = (struct wv_apc){fn, (ULONG_PTR)arg, pe, true, (DWORD)(uint64_t)ft, (DWORD)((uint64_t)ft >> 32), NULL, false,
                         0, 0};
    wv_apc_append(t, a);
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

DWORD WINAPI QueueUserAPC(PAPCFUNC fn, HANDLE h, ULONG_PTR data)
{
    DWORD err = wv_apc_queue((void *)fn, h, data, false);
    return err ? wv_fail(err) : TRUE;
}

/* Takes the whole queue (t->lock). */
static struct wv_apc *wv_apc_take(struct wv_thread *t)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    struct wv_apc *a = t->apc_first;
    __atomic_store_n(&t->apc_first, NULL, __ATOMIC_RELEASE);
    t->apc_last = NULL;
    wv_thread_unlock(t, &old);
    return a;
}

unsigned wv_apc_run(struct wv_thread *t)
{
    unsigned n = 0;
    for (struct wv_apc *a = wv_apc_take(t), *next; a; a = next, n++) {
        next = a->next;
        void *fn = a->fn;
        ULONG_PTR data = a->data;
        bool pe = a->pe, timer = a->timer, nt = a->nt;
        DWORD lo = a->lo, hi = a->hi;
        ULONG_PTR a2 = a->a2, a3 = a->a3;
        free(a);
        if (nt && pe)
            wv_apc_call_pe_nt(fn, data, a2, a3);
        else if (nt)
            ((wv_host_nt_apc)fn)(data, a2, a3);
        else if (timer && pe)
            wv_apc_call_pe_timer(fn, data, lo, hi);
        else if (timer)
            ((wv_host_timer_apc)fn)((void *)data, lo, hi);
        else if (pe)
            wv_apc_call_pe(fn, data);
        else
            ((wv_host_apc)fn)(data);
    }
    return n;
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
