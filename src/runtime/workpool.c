/* SPDX-License-Identifier: MIT */
/* workpool.c - the worker threads Windows' thread pool gives timer-queue callbacks and work
 * items (QueueUserWorkItem, ntdll's RtlQueueWorkItem; their entries are at the end): PE
 * threads with a stack and TEB made as CreateThread makes them (a callback is PE code and may
 * call anything a thread may), started on demand (work waiting and no worker idle: a callback
 * that sleeps never holds up the next one, as on Windows) and kept for the next work.
 *
 * Lock: each pool's lock (`lock`) guards its queue and counts; a leaf (nothing else is taken
 * under it; threads are started after it is let go). */
#include "runtime/pool_int.h"
#include "nt/nt.h"

#include <pthread.h>
#include <stdlib.h>

struct wv_work {
    struct wv_work *next;
    void (*fn)(void *);
    void *arg;
};

/* A queue of work and its threads. */
struct wv_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct wv_work *head, **tail;
    unsigned queued, idle, threads, max;
};

/* The workers (at most 512: more work than that waits for one of them), and the one thread
 * WT_EXECUTEINWAITTHREAD callbacks of every registered wait share (Windows runs them on a
 * shared wait thread, one after the other: Wine's kernel32 thread.c test). */
static struct wv_pool wv_pool_work = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL,
                                      &wv_pool_work.head, 0, 0, 0, 512};
static struct wv_pool wv_pool_wait = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL,
                                      &wv_pool_wait.head, 0, 0, 0, 1};

static __attribute__((ms_abi)) DWORD wv_pool_main(LPVOID arg)
{
    struct wv_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head) {
            p->idle++;
            pthread_cond_wait(&p->cond, &p->lock);
            p->idle--;
        }
        struct wv_work *w = p->head;
        if (!(p->head = w->next))
            p->tail = &p->head;
        p->queued--;
        pthread_mutex_unlock(&p->lock);
        w->fn(w->arg);
        free(w);
        pthread_mutex_lock(&p->lock);
    }
    return 0; /* not reached: a worker waits for work until the process ends */
}

static DWORD wv_pool_put(struct wv_pool *p, void (*fn)(void *), void *arg)
{
    struct wv_work *w = malloc(sizeof(*w));
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    *w = (struct wv_work){NULL, fn, arg};
    pthread_mutex_lock(&p->lock);
    *p->tail = w, p->tail = &w->next;
    p->queued++;
    /* One more thread when the waiting work outnumbers the idle workers. */
    bool start = p->queued > p->idle && p->threads < p->max;
    if (start)
        p->threads++;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    if (!start)
        return 0;
    DWORD err;
    HANDLE h = wv_thread_spawn((LPTHREAD_START_ROUTINE)(void *)wv_pool_main, p, &err);
    if (h) {
        wv_handle_close(h);
        return 0;
    }
    /* No thread: the work stays queued for a worker there is; with none, it is taken back. */
    pthread_mutex_lock(&p->lock);
    bool none = --p->threads == 0;
    if (none) { /* no thread exists, so w is still queued */
        struct wv_work **q = &p->head;
        while (*q != w)
            q = &(*q)->next;
        if (!(*q = w->next))
            p->tail = q;
        p->queued--;
    }
    pthread_mutex_unlock(&p->lock);
    if (!none)
        return 0;
    free(w);
    return ERROR_NOT_ENOUGH_MEMORY;
}

DWORD wv_pool_submit(void (*fn)(void *), void *arg) { return wv_pool_put(&wv_pool_work, fn, arg); }
DWORD wv_pool_submit_wait(void (*fn)(void *), void *arg) { return wv_pool_put(&wv_pool_wait, fn, arg); }

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
    wv_seg_check();
    (void)flags;
    DWORD err = wv_item_queue(fn, arg, true);
    return err ? wv_fail(err) : TRUE;
}

WV_TQ_ABI NTSTATUS wv_nt_RtlQueueWorkItem(void *fn, PVOID arg, ULONG flags)
{
    wv_seg_check();
    (void)flags;
    return wv_status_of(wv_item_queue(fn, arg, true));
}
