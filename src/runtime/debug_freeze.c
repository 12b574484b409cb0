/* SPDX-License-Identifier: MIT */
/* debug_freeze.c - the debuggee's other threads stand still while a debug event waits for
 * ContinueDebugEvent, as Windows freezes them.
 *
 * A freezer thread runs for the length of each event.  It parks the program's threads (PE
 * threads and the main thread; not the reporter, not winvm's own helper threads such as the
 * control-channel server that answers the debugger's ReadProcessMemory) with the suspension
 * signal, and keeps one parked only where it holds none of winvm's locks (in PE code, outside
 * the loader lock: thread_kill.c's safe point), so the reporter and the channel server never
 * wait for a frozen thread.  A thread found in winvm's code (a VirtualAlloc, a wait) is let go
 * and looked at again 1 ms later: one blocked in a wait is caught when it returns to PE code.
 * When the debugger answers, the freezer lets every thread go before the reporter goes on.
 */
#define _GNU_SOURCE
#include "runtime/debug_int.h"
#include "runtime/thread_int.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define WV_FREEZE_MAX 512

struct wv_freeze {
    pthread_t pt;
    int stop;    /* atomic: the event was answered */
    int settled; /* atomic: every thread frozen once */
    DWORD reporter;
    size_t n;
    struct wv_thread *t[WV_FREEZE_MAX];
    bool frozen[WV_FREEZE_MAX];
};

/* Whether t is one of the program's threads the event freezes. */
static bool wv_freezes(const struct wv_thread *t, DWORD reporter)
{
    return t->tid != reporter && (t->pe || t->tid == (DWORD)getpid());
}

/* One round: parks what is at a safe point; true when every thread is frozen. */
static bool wv_freeze_round(struct wv_freeze *f, struct wv_host_text *h)
{
    bool all = true;
    wv_host_text_read(h); /* before any park this round: it takes the dynamic linker's lock */
    for (size_t i = 0; i < f->n; i++) {
        if (f->frozen[i] || __atomic_load_n(&f->t[i]->done, __ATOMIC_ACQUIRE))
            continue;
        bool safe = false;
        if (wv_thread_park(f->t[i]) == 0) {
            sigset_t old;
            wv_thread_lock(f->t[i], &old);
            safe = wv_thread_parked_safe(f->t[i], h);
            wv_thread_unlock(f->t[i], &old);
            if (!safe)
                wv_thread_unpark(f->t[i]);
        }
        __atomic_store_n(&f->frozen[i], safe, __ATOMIC_RELEASE);
        all &= safe || __atomic_load_n(&f->t[i]->done, __ATOMIC_ACQUIRE);
    }
    return all;
}

static void *wv_freezer(void *arg)
{
    struct wv_freeze *f = arg;
    struct wv_host_text *h = wv_host_text_new();
    bool all = false;
    while (h && !__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
        if (!all && (all = wv_freeze_round(f, h)))
            __atomic_store_n(&f->settled, 1, __ATOMIC_RELEASE);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    free(h);
    for (size_t i = 0; i < f->n; i++)
        if (f->frozen[i])
            wv_thread_unpark(f->t[i]);
    return NULL;
}

struct wv_freeze *wv_debug_freeze(void)
{
    struct wv_freeze *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->reporter = GetCurrentThreadId();
    struct wv_thread *all[WV_FREEZE_MAX];
    size_t n = wv_thread_snapshot(all, WV_FREEZE_MAX);
    for (size_t i = 0; i < n; i++) {
        if (wv_freezes(all[i], f->reporter))
            f->t[f->n++] = all[i];
        else
            wv_object_unref(&all[i]->obj);
    }
    if (f->n == 0 || pthread_create(&f->pt, NULL, wv_freezer, f) != 0) {
        for (size_t i = 0; i < f->n; i++)
            wv_object_unref(&f->t[i]->obj);
        free(f);
        return NULL; /* nothing to freeze (or no thread to do it): the event goes on */
    }
    /* The debugger sees the event once the others stand still (or, one caught in a long call
     * of winvm's, within 20 ms: it is frozen when it returns to PE code). */
    for (int ms = 0; ms < 20 && !__atomic_load_n(&f->settled, __ATOMIC_ACQUIRE); ms++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return f;
}

void wv_debug_thaw(struct wv_freeze *f)
{
    if (!f)
        return;
    __atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
    pthread_join(f->pt, NULL);
    for (size_t i = 0; i < f->n; i++)
        wv_object_unref(&f->t[i]->obj);
    free(f);
}

DWORD wv_debug_frozen_context(struct wv_freeze *f, DWORD tid, CONTEXT *c, bool set)
{
    for (size_t i = 0; f && i < f->n; i++) {
        if (f->t[i]->tid != tid)
            continue;
        if (set && !__atomic_load_n(&f->frozen[i], __ATOMIC_ACQUIRE))
            return ERROR_GEN_FAILURE; /* its registers are winvm's now, not the program's */
        if (set && (c->ContextFlags & CONTEXT_DEBUG_REGISTERS & 0xff) && wv_dbg_check(c->Dr7))
            return ERROR_NOT_SUPPORTED; /* an I/O breakpoint (fault/dbgreg.c emulates the others) */
        return wv_thread_context_of(f->t[i], c, set);
    }
    return ERROR_INVALID_HANDLE; /* not one of the program's threads (ended, or winvm's) */
}
