/* SPDX-License-Identifier: MIT */
/* workpool.c - the worker threads Windows' thread pool gives timer-queue callbacks and work
 * items (QueueUserWorkItem, ntdll's RtlQueueWorkItem; their entries are at the end): PE
 * threads with a stack and TEB made as CreateThread makes them (a callback is PE code and may
 * call anything a thread may), started on demand (work waiting and no worker idle: a callback
 * that sleeps never holds up the next one, as on Windows) and kept for the next work.
 *
 * Lock: wv_pool_lock guards the queue and the counts; a leaf (nothing else is taken under it;
 * threads are started after it is let go). */
#include "runtime/pool_int.h"
#include "nt/nt.h"

#include <pthread.h>
#include <stdlib.h>

struct wv_work {
    struct wv_work *next;
    void (*fn)(void *);
    void *arg;
};

static pthread_mutex_t wv_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wv_pool_cond = PTHREAD_COND_INITIALIZER;
static struct wv_work *wv_pool_head, **wv_pool_tail = &wv_pool_head;
static unsigned wv_pool_queued, wv_pool_idle, wv_pool_threads;

#define WV_POOL_MAX 512 /* threads; more work than that waits for one of them */

static __attribute__((ms_abi)) DWORD wv_pool_main(LPVOID unused)
{
    (void)unused;
    pthread_mutex_lock(&wv_pool_lock);
    for (;;) {
        while (!wv_pool_head) {
            wv_pool_idle++;
            pthread_cond_wait(&wv_pool_cond, &wv_pool_lock);
            wv_pool_idle--;
        }
        struct wv_work *w = wv_pool_head;
        if (!(wv_pool_head = w->next))
            wv_pool_tail = &wv_pool_head;
        wv_pool_queued--;
        pthread_mutex_unlock(&wv_pool_lock);
        w->fn(w->arg);
        free(w);
        pthread_mutex_lock(&wv_pool_lock);
    }
    return 0; /* not reached: a worker waits for work until the process ends */
}

DWORD wv_pool_submit(void (*fn)(void *), void *arg)
{
    struct wv_work *w = malloc(sizeof(*w));
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    *w = (struct wv_work){NULL, fn, arg};
    pthread_mutex_lock(&wv_pool_lock);
    *wv_pool_tail = w, wv_pool_tail = &w->next;
    wv_pool_queued++;
    /* One more thread when the waiting work outnumbers the idle workers. */
    bool start = wv_pool_queued > wv_pool_idle && wv_pool_threads < WV_POOL_MAX;
    if (start)
        wv_pool_threads++;
    pthread_cond_signal(&wv_pool_cond);
    pthread_mutex_unlock(&wv_pool_lock);
    if (!start)
        return 0;
    DWORD err;
    HANDLE h = wv_thread_spawn((LPTHREAD_START_ROUTINE)(void *)wv_pool_main, NULL, &err);
    if (h) {
        wv_handle_close(h);
        return 0;
    }
    /* No thread: the work stays queued for a worker there is; with none, it is taken back. */
    pthread_mutex_lock(&wv_pool_lock);
    bool none = --wv_pool_threads == 0;
    if (none) { /* no thread exists, so w is still queued */
        struct wv_work **p = &wv_pool_head;
        while (*p != w)
            p = &(*p)->next;
        if (!(*p = w->next))
            wv_pool_tail = p;
        wv_pool_queued--;
    }
    pthread_mutex_unlock(&wv_pool_lock);
    if (!none)
        return 0;
    free(w);
    return ERROR_NOT_ENOUGH_MEMORY;
}

/* ---- work items: QueueUserWorkItem (a DWORD routine) and RtlQueueWorkItem (a void one) ---- */
struct wv_item {
    void *fn, *arg;
    bool pe;
};

/* Its own function: gcc merges an if whose arms call one pointer through an ms_abi and a host
 * type into one host call (apc.c).  Both routines return in rax; RtlQueueWorkItem's value is
 * not looked at. */
__attribute__((noinline)) static void wv_item_call_pe(void *fn, void *arg)
{
    ((DWORD(__attribute__((ms_abi)) *)(PVOID))fn)(arg);
}

static void wv_item_run(void *p)
{
    struct wv_item it = *(struct wv_item *)p;
    free(p);
    if (it.pe)
        wv_item_call_pe(it.fn, it.arg);
    else
        ((DWORD(*)(PVOID))it.fn)(it.arg);
}

/* Flags (WT_EXECUTELONGFUNCTION, WT_EXECUTEINIOTHREAD, ...) choose among Windows' pools; here
 * every item gets a worker of its own when none is idle, which each of them promises. */
static DWORD wv_item_queue(void *fn, void *arg, bool pe)
{
    if (!fn)
        return ERROR_INVALID_PARAMETER;
    struct wv_item *it = malloc(sizeof(*it));
    if (!it)
        return ERROR_NOT_ENOUGH_MEMORY;
    *it = (struct wv_item){fn, arg, pe};
    DWORD err = wv_pool_submit(wv_item_run, it);
    if (err)
        free(it);
    return err;
}

BOOL WINAPI QueueUserWorkItem(LPTHREAD_START_ROUTINE fn, PVOID arg, ULONG flags)
{
    (void)flags;
    DWORD err = wv_item_queue((void *)fn, arg, false);
    return err ? wv_fail(err) : TRUE;
}

WV_TQ_ABI BOOL wv_k32_QueueUserWorkItem(void *fn, PVOID arg, ULONG flags)
{
    wv_seg_check(), wv_stack_probe();
    (void)flags;
    DWORD err = wv_item_queue(fn, arg, true);
    return err ? wv_fail(err) : TRUE;
}

WV_TQ_ABI NTSTATUS wv_nt_RtlQueueWorkItem(void *fn, PVOID arg, ULONG flags)
{
    wv_seg_check(), wv_stack_probe();
    (void)flags;
    return wv_status_of(wv_item_queue(fn, arg, true));
}
