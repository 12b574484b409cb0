/* SPDX-License-Identifier: MIT */
/* timer_apc.c - waitable timers' completion routines, without a thread per timer.
 *
 * Windows queues a timer's completion routine as a user APC to the thread that set the timer,
 * when the timer expires; it runs when that thread next waits alertably.  Only that thread can
 * run it, so only it needs to know: each thread keeps the settings it made with a routine
 * (t->timers, touched by that thread alone), and its alertable waits (sync.c's wv_wait, so
 * SleepEx and the Ex waits) poll them: a setting whose timer expired since its last look gets
 * its routine queued (wv_apc_push_timer) with the time of the expiry, and the wait sleeps no
 * longer than the next expiry.  A setting ends when the timer is set again or cancelled (the
 * timer's serial moves on: a routine not yet queued is not run), when a one-shot timer has
 * expired, or when the timer's last handle in this process closed (Windows deletes the timer
 * then).  Expiries missed while the thread did not wait are one routine, as a Windows timer's
 * one KAPC is queued once.
 */
#include "runtime/thread_int.h"
#include "runtime/nsync.h"

#include <stdlib.h>

struct wv_timer_apc {
    struct wv_timer *tm; /* a reference */
    void *fn, *arg;
    bool pe, dead;
    uint32_t serial, fires; /* the setting, and the expiries seen */
    struct wv_timer_apc *next;
};

struct wv_timer_apc *wv_timer_apc_new(void)
{
    return wv_thread_self() ? malloc(sizeof(struct wv_timer_apc)) : NULL;
}

void wv_timer_apc_add(struct wv_timer_apc *e, struct wv_timer *tm, void *fn, void *arg, bool pe, uint32_t serial,
                      uint32_t fires)
{
    struct wv_thread *t = wv_thread_self(); /* made by wv_timer_apc_new */
    wv_timer_apc_sweep(t);
    for (struct wv_timer_apc *o = t->timers; o; o = o->next)
        if (o->tm->h.ns == tm->h.ns)
            o->dead = true; /* an older setting of this timer by this thread */
    wv_object_ref(&tm->h.obj);
    *e = (struct wv_timer_apc){tm, fn, arg, pe, false, serial, fires, t->timers};
    t->timers = e;
}

DWORD wv_timer_apc_poll(struct wv_thread *t)
{
    DWORD cap = INFINITE;
    for (struct wv_timer_apc *e = t->timers; e; e = e->next) {
        if (e->dead)
            continue;
        if (__atomic_load_n(&e->tm->handles, __ATOMIC_ACQUIRE) <= 0) {
            e->dead = true; /* its last handle closed: the timer is gone */
            continue;
        }
        bool gone;
        int64_t ft = 0;
        if (wv_nsync_timer_fired(e->tm->h.ns, e->serial, &e->fires, &ft, &gone))
            wv_apc_push_timer(t, e->fn, e->arg, ft, e->pe);
        e->dead = gone;
        DWORD ms = gone ? INFINITE : wv_nsync_timer_ms(e->tm->h.ns);
        if (ms < cap)
            cap = ms;
    }
    return cap;
}

/* Removes the entries dead says (all: every one). */
static void wv_timer_apc_prune(struct wv_thread *t, bool all)
{
    struct wv_timer_apc **p = &t->timers;
    while (*p) {
        struct wv_timer_apc *e = *p;
        if (!all && !e->dead) {
            p = &e->next;
            continue;
        }
        *p = e->next;
        wv_object_unref(&e->tm->h.obj);
        free(e);
    }
}

void wv_timer_apc_sweep(struct wv_thread *t) { wv_timer_apc_prune(t, false); }

void wv_timer_apc_drop(struct wv_thread *t) { wv_timer_apc_prune(t, true); }
