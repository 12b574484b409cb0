/* SPDX-License-Identifier: MIT */
/* timerq.c - timer queues (CreateTimerQueue, CreateTimerQueueTimer, ...; ntdll's RtlCreateTimer
 * family): each queue has a timer thread (a PE thread: WT_EXECUTEINTIMERTHREAD callbacks run
 * on it) that sleeps until its earliest timer is due, then hands the callback to a worker
 * (workpool.c) and sets the timer again (periodic) or leaves it spent (one-shot).
 *
 * Windows' rules kept here (Wine's kernel32 sync.c test_timer_queue records them):
 * - a timer due at 0 has its first callback queued by its creation: deleting it at once does
 *   not stop that one; a delete pends (ERROR_IO_PENDING) while a callback is queued or
 *   running; with INVALID_HANDLE_VALUE the delete waits for it, with an event the event is set
 *   when it ends (at once when nothing runs);
 * - a one-shot timer that fired stays a valid handle until deleted; changing it then succeeds
 *   and does nothing; a periodic one changed to period 0 fires once more at its new time;
 * - a timer is named by its handle alone: the queue argument of the change and delete calls
 *   is not looked at (Windows accepts another queue's, or NULL for a timer of a queue).
 * A delete from inside the timer's own callback never waits for itself: it pends.
 *
 * Lock: wv_tq_lock guards every queue and timer; a leaf (events are set, work queued, threads
 * started and PE callbacks run after it is let go). */
#include "runtime/pool_int.h"
#include "runtime/nsync.h"
#include "runtime/synch_int.h"

#include <stdlib.h>
#include <time.h>

struct wv_tq;
struct wv_tqt {
    struct wv_tqt *next; /* in its queue */
    struct wv_tq *q;
    void *cb, *arg;
    bool pe, deleted, spent;
    bool waited; /* a delete waits for its callbacks: that delete frees it, not the last one */
    uint64_t due; /* CLOCK_MONOTONIC ns; WV_FOREVER: not set */
    DWORD period;
    ULONG flags;
    unsigned pending; /* callbacks queued or running */
    HANDLE event;     /* the delete's: set when pending reaches 0 */
};
struct wv_tq {
    struct wv_tq *next; /* live queues */
    struct wv_tqt *timers;
    pthread_cond_t wake; /* its timer thread's */
    bool dying;
    unsigned held; /* DeleteTimerQueueEx calls waiting for its timers: it stays till they see */
    HANDLE event; /* DeleteTimerQueueEx's: set when its timers are gone */
};

static pthread_mutex_t wv_tq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wv_tq_done; /* a callback ended; CLOCK_MONOTONIC */
static pthread_once_t wv_tq_once = PTHREAD_ONCE_INIT;
static struct wv_tq *wv_tq_live, *wv_tq_default;
static __thread struct wv_tqt *wv_tq_running; /* the callback this thread runs */

static void wv_tq_init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&wv_tq_done, &a);
    pthread_condattr_destroy(&a);
}

static uint64_t wv_tq_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void wv_tq_set_event(HANDLE e)
{
    if (e && e != INVALID_HANDLE_VALUE)
        wv_event_change(e, WV_EVENT_SET, NULL);
}

/* Lock held.  The queue or timer a handle names, live (not being deleted); NULL otherwise. */
static struct wv_tq *wv_tq_find(HANDLE h)
{
    struct wv_tq *q = wv_tq_live;
    while (q && (HANDLE)q != h)
        q = q->next;
    return q;
}
static struct wv_tqt *wv_tq_timer_find(HANDLE h)
{
    for (struct wv_tq *q = wv_tq_live; q; q = q->next)
        for (struct wv_tqt *t = q->timers; t; t = t->next)
            if ((HANDLE)t == h)
                return t->deleted ? NULL : t;
    return NULL;
}

/* Lock held.  Takes t out of its queue and frees it; the event to set after the lock. */
static HANDLE wv_tq_timer_free(struct wv_tqt *t)
{
    struct wv_tq *q = t->q;
    struct wv_tqt **p = &q->timers;
    while (*p != t)
        p = &(*p)->next;
    *p = t->next;
    HANDLE e = t->event;
    free(t);
    if (q->dying && !q->timers)
        pthread_cond_signal(&q->wake); /* its thread ends the queue */
    pthread_cond_broadcast(&wv_tq_done);
    return e;
}

/* Its own function: gcc merges an if whose arms call one pointer through an ms_abi and a host
 * type into one host call (apc.c). */
__attribute__((noinline)) static void wv_tq_call_pe(void *cb, void *arg)
{
    ((void(__attribute__((ms_abi)) *)(PVOID, BOOLEAN))cb)(arg, TRUE);
}

/* Runs one callback of t (a worker's, or the timer thread's), then counts it done. */
static void wv_tq_run(void *p)
{
    struct wv_tqt *t = p;
    struct wv_tqt *outer = wv_tq_running;
    wv_tq_running = t;
    if (t->pe)
        wv_tq_call_pe(t->cb, t->arg);
    else
        ((void (*)(PVOID, BOOLEAN))t->cb)(t->arg, TRUE);
    wv_tq_running = outer;
    HANDLE e = NULL;
    pthread_mutex_lock(&wv_tq_lock);
    if (--t->pending == 0 && t->deleted && !t->waited)
        e = wv_tq_timer_free(t);
    else
        pthread_cond_broadcast(&wv_tq_done);
    pthread_mutex_unlock(&wv_tq_lock);
    wv_tq_set_event(e);
}

/* Lock held, t due: counts its callback queued and sets its next time.  Whether it runs on
 * the timer thread (the caller runs it there after the lock). */
static bool wv_tq_fire(struct wv_tqt *t, uint64_t now)
{
    t->pending++;
    if (t->period)
        t->due = now + (uint64_t)t->period * 1000000u;
    else
        t->due = WV_FOREVER, t->spent = true;
    return t->flags & WT_EXECUTEINTIMERTHREAD;
}

/* Lock held; let go and taken again.  Runs or queues the callback wv_tq_fire counted. */
static void wv_tq_dispatch(struct wv_tqt *t, bool here)
{
    pthread_mutex_unlock(&wv_tq_lock);
    if (here || wv_pool_submit(wv_tq_run, t) != 0)
        wv_tq_run(t); /* no worker to be had: the timer thread runs it itself */
    pthread_mutex_lock(&wv_tq_lock);
}

/* Lock held: the timer of q due first (NULL: none set). */
static struct wv_tqt *wv_tq_first(struct wv_tq *q)
{
    struct wv_tqt *first = NULL;
    for (struct wv_tqt *t = q->timers; t; t = t->next)
        if (!t->deleted && t->due != WV_FOREVER && (!first || t->due < first->due))
            first = t;
    return first;
}

static __attribute__((ms_abi)) DWORD wv_tq_thread(LPVOID p)
{
    struct wv_tq *q = p;
    pthread_mutex_lock(&wv_tq_lock);
    while (!q->dying || q->timers || q->held) {
        struct wv_tqt *t = wv_tq_first(q);
        uint64_t now = wv_tq_now();
        if (t && t->due <= now) {
            wv_tq_dispatch(t, wv_tq_fire(t, now));
            continue;
        }
        if (!t) {
            pthread_cond_wait(&q->wake, &wv_tq_lock);
            continue;
        }
        struct timespec ts = {(time_t)(t->due / 1000000000u), (long)(t->due % 1000000000u)};
        pthread_cond_timedwait(&q->wake, &wv_tq_lock, &ts);
    }
    HANDLE e = q->event;
    pthread_mutex_unlock(&wv_tq_lock);
    pthread_cond_destroy(&q->wake);
    free(q);
    wv_tq_set_event(e);
    return 0;
}

/* A queue and its thread; lock not held. */
static DWORD wv_tq_new(struct wv_tq **out)
{
    pthread_once(&wv_tq_once, wv_tq_init);
    struct wv_tq *q = calloc(1, sizeof(*q));
    if (!q)
        return ERROR_NOT_ENOUGH_MEMORY;
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&q->wake, &a);
    pthread_condattr_destroy(&a);
    DWORD err;
    HANDLE h = wv_thread_spawn((LPTHREAD_START_ROUTINE)(void *)wv_tq_thread, q, &err);
    if (!h) {
        pthread_cond_destroy(&q->wake);
        free(q);
        return err;
    }
    wv_handle_close(h);
    *out = q;
    return 0;
}

DWORD wv_tq_create(HANDLE *out)
{
    struct wv_tq *q;
    DWORD err = wv_tq_new(&q);
    if (err)
        return err;
    pthread_mutex_lock(&wv_tq_lock);
    q->next = wv_tq_live, wv_tq_live = q;
    pthread_mutex_unlock(&wv_tq_lock);
    *out = (HANDLE)q;
    return 0;
}

/* Lock held on return when 0: the queue h names (NULL: the default one, made on first use). */
static DWORD wv_tq_get(HANDLE h, struct wv_tq **out)
{
    struct wv_tq *made = NULL;
    if (!h) {
        pthread_mutex_lock(&wv_tq_lock);
        bool have = wv_tq_default;
        pthread_mutex_unlock(&wv_tq_lock);
        DWORD err = have ? 0 : wv_tq_new(&made);
        if (err)
            return err;
    }
    pthread_mutex_lock(&wv_tq_lock);
    if (made && !wv_tq_default) {
        made->next = wv_tq_live, wv_tq_live = wv_tq_default = made;
        made = NULL;
    }
    if (made) { /* another thread made it first: this one's thread ends it */
        made->dying = true;
        pthread_cond_signal(&made->wake);
    }
    *out = h ? wv_tq_find(h) : wv_tq_default;
    if (*out)
        return 0;
    pthread_mutex_unlock(&wv_tq_lock);
    return ERROR_INVALID_HANDLE;
}

DWORD wv_tq_timer_create(HANDLE qh, HANDLE *out, void *cb, bool pe, void *arg, DWORD due, DWORD period, ULONG flags)
{
    if (!out || !cb)
        return ERROR_INVALID_PARAMETER;
    struct wv_tqt *t = calloc(1, sizeof(*t));
    if (!t)
        return ERROR_NOT_ENOUGH_MEMORY;
    struct wv_tq *q;
    DWORD err = wv_tq_get(qh, &q);
    if (err) {
        free(t);
        return err;
    }
    t->q = q, t->cb = cb, t->pe = pe, t->arg = arg, t->flags = flags;
    t->period = (flags & WT_EXECUTEONLYONCE) ? 0 : period;
    t->due = wv_tq_now() + (uint64_t)due * 1000000u;
    /* The handle out before its thread can run it (the callback may read it); a bad pointer
     * is ERROR_NOACCESS, nothing made. */
    wv_fault_attach();
    if (wv_user_put64(out, (uint64_t)(uintptr_t)t)) {
        pthread_mutex_unlock(&wv_tq_lock);
        free(t);
        return ERROR_NOACCESS;
    }
    t->next = q->timers, q->timers = t;
    /* Due at once: the callback is queued now, as Windows queues it (deleting the timer right
     * after does not stop it: Wine's test_timer_queue, n0). */
    if (!due && !(flags & WT_EXECUTEINTIMERTHREAD))
        wv_tq_dispatch(t, wv_tq_fire(t, wv_tq_now()));
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&wv_tq_lock);
    return 0;
}

DWORD wv_tq_timer_change(HANDLE h, DWORD due, DWORD period)
{
    pthread_mutex_lock(&wv_tq_lock);
    struct wv_tqt *t = wv_tq_timer_find(h);
    if (t && !t->spent) {
        t->due = wv_tq_now() + (uint64_t)due * 1000000u;
        t->period = (t->flags & WT_EXECUTEONLYONCE) ? 0 : period;
        pthread_cond_signal(&t->q->wake);
    }
    pthread_mutex_unlock(&wv_tq_lock);
    return t ? 0 : ERROR_INVALID_PARAMETER;
}

/* Lock held, t live: marks it deleted.  Whether it is already gone (freed: nothing pends). */
static bool wv_tq_timer_end(struct wv_tqt *t, HANDLE event, HANDLE *set)
{
    t->deleted = true, t->due = WV_FOREVER;
    if (event == INVALID_HANDLE_VALUE && wv_tq_running != t) { /* never for its own callback */
        t->waited = true;
        while (t->pending)
            pthread_cond_wait(&wv_tq_done, &wv_tq_lock);
    }
    if (t->pending) {
        t->event = event == INVALID_HANDLE_VALUE ? NULL : event;
        return false;
    }
    t->event = NULL;
    *set = event;
    wv_tq_timer_free(t);
    return true;
}

DWORD wv_tq_timer_delete(HANDLE h, HANDLE event)
{
    HANDLE set = NULL;
    pthread_mutex_lock(&wv_tq_lock);
    struct wv_tqt *t = wv_tq_timer_find(h);
    bool gone = t && wv_tq_timer_end(t, event, &set);
    pthread_mutex_unlock(&wv_tq_lock);
    wv_tq_set_event(set);
    return !t ? ERROR_INVALID_PARAMETER : gone ? 0 : ERROR_IO_PENDING;
}

DWORD wv_tq_delete(HANDLE h, HANDLE event)
{
    if (!h)
        return ERROR_INVALID_HANDLE;
    pthread_mutex_lock(&wv_tq_lock);
    struct wv_tq *q = wv_tq_find(h), **p = &wv_tq_live;
    if (!q || q == wv_tq_default) {
        pthread_mutex_unlock(&wv_tq_lock);
        return ERROR_INVALID_HANDLE;
    }
    while (*p != q)
        p = &(*p)->next;
    *p = q->next;
    q->dying = true;
    struct wv_tqt *t = q->timers, *next;
    for (; t; t = next) {
        next = t->next;
        if (!t->deleted && (t->deleted = true, t->due = WV_FOREVER, !t->pending))
            wv_tq_timer_free(t);
    }
    /* Waiting from one of its own callbacks would never end: that call pends instead. */
    bool wait = event == INVALID_HANDLE_VALUE && !(wv_tq_running && wv_tq_running->q == q);
    q->event = event == INVALID_HANDLE_VALUE ? NULL : event;
    if (wait) {
        q->held++;
        while (q->timers)
            pthread_cond_wait(&wv_tq_done, &wv_tq_lock);
        q->held--;
    }
    bool pending = q->timers;
    pthread_cond_signal(&q->wake); /* its thread ends it when nothing is left */
    pthread_mutex_unlock(&wv_tq_lock);
    return pending ? ERROR_IO_PENDING : 0;
}
