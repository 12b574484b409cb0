/* SPDX-License-Identifier: MIT */
/* regwait.c - RegisterWaitForSingleObject, UnregisterWait(Ex): a wait thread per registration
 * (a PE thread: WT_EXECUTEINWAITTHREAD callbacks run on it) waits on the object and on its own
 * cancel event, and hands each callback to a worker (workpool.c): TRUE when dwMilliseconds
 * passed, FALSE when the object was signalled; again and again unless WT_EXECUTEONLYONCE.
 * The object is referenced at registration (a bad handle fails then, nothing made).
 *
 * Unregistering follows DeleteTimerQueueTimer's rules (timerq.c): NULL returns at once (FALSE,
 * ERROR_IO_PENDING while a callback runs), INVALID_HANDLE_VALUE waits for the callbacks (never
 * for the caller's own), an event is set when they are done.
 *
 * Lock: wv_rw_lock guards the registrations' list and counts; a leaf (events are set, handles
 * closed, threads started and callbacks run after it is let go). */
#include "runtime/pool_int.h"
#include "runtime/nsync.h"
#include "runtime/thread_int.h"
#include "runtime/synch_int.h"
#include "nt/nt.h"

#include <stdlib.h>

struct wv_rw {
    struct wv_rw *next; /* live registrations */
    struct wv_object *obj, *cancel_obj;
    HANDLE cancel;
    void *cb, *arg;
    bool pe, dead;
    DWORD ms;
    ULONG flags;
    unsigned refs; /* the registration, its thread, each callback queued or running */
    unsigned running;
    HANDLE event; /* the unregister's: set when the callbacks are done */
};

static pthread_mutex_t wv_rw_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wv_rw_done = PTHREAD_COND_INITIALIZER;
static struct wv_rw *wv_rw_live;
static __thread struct wv_rw *wv_rw_running; /* the callback this thread runs */

/* Lock held: one reference less; r when it was the last (the caller frees it after the lock:
 * closing its handle takes the handle table's lock). */
static struct wv_rw *wv_rw_unref(struct wv_rw *r) { return --r->refs ? NULL : r; }

static void wv_rw_free(struct wv_rw *r)
{
    if (!r)
        return;
    wv_object_unref(r->obj);
    wv_object_unref(r->cancel_obj);
    wv_handle_close(r->cancel);
    free(r);
}

static void wv_rw_set(HANDLE e)
{
    if (e && e != INVALID_HANDLE_VALUE)
        wv_event_change(e, WV_EVENT_SET, NULL);
}

__attribute__((noinline)) static void wv_rw_call_pe(void *cb, void *arg, BOOLEAN timeout)
{
    ((void(__attribute__((ms_abi)) *)(PVOID, BOOLEAN))cb)(arg, timeout);
}

struct wv_rw_call {
    struct wv_rw *r;
    BOOLEAN timeout;
};

static void wv_rw_run(void *p)
{
    struct wv_rw_call c = *(struct wv_rw_call *)p;
    free(p);
    struct wv_rw *outer = wv_rw_running;
    wv_rw_running = c.r;
    if (c.r->pe)
        wv_rw_call_pe(c.r->cb, c.r->arg, c.timeout);
    else
        ((void (*)(PVOID, BOOLEAN))c.r->cb)(c.r->arg, c.timeout);
    wv_rw_running = outer;
    pthread_mutex_lock(&wv_rw_lock);
    HANDLE e = NULL;
    if (--c.r->running == 0 && c.r->dead)
        e = c.r->event, c.r->event = NULL; /* the unregister's, set once */
    pthread_cond_broadcast(&wv_rw_done);
    struct wv_rw *last = wv_rw_unref(c.r);
    pthread_mutex_unlock(&wv_rw_lock);
    wv_rw_free(last);
    wv_rw_set(e);
}

/* Lock not held: one callback, on this thread or a worker (none after the unregister). */
static void wv_rw_fire(struct wv_rw *r, BOOLEAN timeout)
{
    struct wv_rw_call *c = malloc(sizeof(*c));
    pthread_mutex_lock(&wv_rw_lock);
    bool go = c && !r->dead;
    if (go)
        r->refs++, r->running++;
    pthread_mutex_unlock(&wv_rw_lock);
    if (!go) {
        free(c);
        return;
    }
    *c = (struct wv_rw_call){r, timeout};
    bool waits = r->flags & WT_EXECUTEINWAITTHREAD; /* the wait thread every registration shares */
    if ((waits ? wv_pool_submit_wait : wv_pool_submit)(wv_rw_run, c) != 0)
        wv_rw_run(c); /* no thread to be had: this one */
}

static __attribute__((ms_abi)) DWORD wv_rw_thread(LPVOID p)
{
    struct wv_rw *r = p;
    for (;;) {
        struct wv_object *o[2] = {r->cancel_obj, r->obj}; /* the cancel first: it wins a tie */
        DWORD w = wv_wait(o, 2, false, r->ms, NULL);
        if (w != WAIT_OBJECT_0 + 1 && w != WAIT_TIMEOUT)
            break; /* unregistered, or the wait failed */
        wv_rw_fire(r, w == WAIT_TIMEOUT);
        if (r->flags & WT_EXECUTEONLYONCE)
            break;
    }
    pthread_mutex_lock(&wv_rw_lock);
    struct wv_rw *last = wv_rw_unref(r);
    pthread_mutex_unlock(&wv_rw_lock);
    wv_rw_free(last);
    return 0;
}

/* 0 and *out, or the error (nothing made). */
static DWORD wv_rw_register(HANDLE *out, HANDLE h, void *cb, bool pe, void *arg, DWORD ms, ULONG flags)
{
    if (!out || !cb)
        return ERROR_INVALID_PARAMETER;
    DWORD access, err = ERROR_NOT_ENOUGH_MEMORY;
    struct wv_object *obj = wv_handle_get(h, WV_KIND_ANY, &access);
    if (!obj)
        return ERROR_INVALID_HANDLE;
    struct wv_rw *r = calloc(1, sizeof(*r));
    struct wv_nsync_init in = {.manual = true};
    DWORD saved = GetLastError(); /* the event's creation sets it; the caller's stays */
    HANDLE cancel = r ? wv_sync_create(WV_KIND_EVENT, NULL, &in, EVENT_ALL_ACCESS) : NULL;
    wv_set_error(saved);
    if (cancel) {
        *r = (struct wv_rw){.obj = obj, .cancel = cancel, .cb = cb, .arg = arg, .pe = pe, .ms = ms,
                            .flags = flags, .refs = 2};
        r->cancel_obj = wv_handle_get(cancel, WV_KIND_EVENT, &access);
        wv_fault_attach();
        /* The handle out and live before the thread starts: a callback may unregister it at
         * once (Wine's unregister_function, the object already signalled). */
        err = wv_user_put64(out, (uint64_t)(uintptr_t)r) ? ERROR_NOACCESS : 0;
        bool live = !err;
        if (live) {
            pthread_mutex_lock(&wv_rw_lock);
            r->next = wv_rw_live, wv_rw_live = r;
            pthread_mutex_unlock(&wv_rw_lock);
        }
        HANDLE th = err ? NULL : wv_thread_spawn((LPTHREAD_START_ROUTINE)(void *)wv_rw_thread, r, &err);
        if (th) {
            wv_handle_close(th);
            return 0;
        }
        if (live) { /* no thread: take it back */
            pthread_mutex_lock(&wv_rw_lock);
            struct wv_rw **p = &wv_rw_live;
            while (*p != r)
                p = &(*p)->next;
            *p = r->next;
            pthread_mutex_unlock(&wv_rw_lock);
        }
        wv_object_unref(r->cancel_obj);
        wv_handle_close(cancel);
    }
    free(r);
    wv_object_unref(obj);
    return err;
}

/* 0, ERROR_IO_PENDING (a callback still runs), ERROR_INVALID_HANDLE. */
static DWORD wv_rw_unregister(HANDLE h, HANDLE event)
{
    pthread_mutex_lock(&wv_rw_lock);
    struct wv_rw **p = &wv_rw_live, *r;
    while ((r = *p) && (HANDLE)r != h)
        p = &r->next;
    if (r)
        *p = r->next, r->dead = true;
    pthread_mutex_unlock(&wv_rw_lock);
    if (!r)
        return ERROR_INVALID_HANDLE;
    wv_event_change(r->cancel, WV_EVENT_SET, NULL); /* its thread stops waiting */
    pthread_mutex_lock(&wv_rw_lock);
    /* The caller's own callback does not count: from inside it the unregister succeeds (Wine's
     * unregister_function records TRUE on Windows), and never waits for itself. */
    unsigned self = wv_rw_running == r;
    if (event == INVALID_HANDLE_VALUE)
        while (r->running > self)
            pthread_cond_wait(&wv_rw_done, &wv_rw_lock);
    HANDLE set = NULL;
    DWORD err = r->running > self ? ERROR_IO_PENDING : 0;
    if (err && event != INVALID_HANDLE_VALUE)
        r->event = event;
    else if (!err)
        set = event;
    struct wv_rw *last = wv_rw_unref(r);
    pthread_mutex_unlock(&wv_rw_lock);
    wv_rw_free(last);
    wv_rw_set(set);
    return err;
}

BOOL WINAPI RegisterWaitForSingleObject(PHANDLE out, HANDLE h, WAITORTIMERCALLBACK cb, PVOID arg, ULONG ms,
                                        ULONG flags)
{
    DWORD err = wv_rw_register(out, h, (void *)cb, false, arg, ms, flags);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI UnregisterWaitEx(HANDLE w, HANDLE event)
{
    DWORD err = wv_rw_unregister(w, event);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI UnregisterWait(HANDLE w) { return UnregisterWaitEx(w, NULL); }

/* ---- PE code's entries (ms_abi) ---- */
#define WV_ENTER() wv_seg_check()

WV_TQ_ABI BOOL wv_k32_RegisterWaitForSingleObject(PHANDLE out, HANDLE h, void *cb, PVOID arg, ULONG ms, ULONG flags)
{
    WV_ENTER();
    DWORD err = wv_rw_register(out, h, cb, true, arg, ms, flags);
    return err ? wv_fail(err) : TRUE;
}

WV_TQ_ABI NTSTATUS wv_nt_RtlRegisterWait(PHANDLE out, HANDLE h, void *cb, PVOID arg, ULONG ms, ULONG flags)
{
    WV_ENTER();
    return wv_status_of(wv_rw_register(out, h, cb, true, arg, ms, flags));
}

WV_TQ_ABI NTSTATUS wv_nt_RtlDeregisterWaitEx(HANDLE w, HANDLE event)
{
    WV_ENTER();
    DWORD err = wv_rw_unregister(w, event);
    return err == ERROR_IO_PENDING ? STATUS_PENDING : wv_status_of(err);
}

WV_TQ_ABI NTSTATUS wv_nt_RtlDeregisterWait(HANDLE w) { return wv_nt_RtlDeregisterWaitEx(w, NULL); }
