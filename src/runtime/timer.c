/* SPDX-License-Identifier: MIT */
/* timer.c - kernel32's waitable timers and the cores ntdll's timer calls share
 * (ntdll_timer.c).
 *
 * A timer is a waitable object whose state always lives in a shared file (nsync.c: a name of
 * the per-user namespace, or a memfd when unnamed), so a named timer is the same timer in
 * every process, and DuplicateHandle and inheritance pass any timer on.  Nothing runs when a
 * timer expires: its due time is a CLOCK_MONOTONIC value in the shared state, and whoever
 * looks next (a wait, which sleeps no longer than the due time; a query; the setting thread's
 * alertable wait, for the completion routine: timer_apc.c) makes it expire.
 *
 * Windows' rules kept: a manual-reset (notification) timer stays signalled until it is set
 * again; an auto-reset (synchronization) timer releases one wait and is unsignalled again.
 * Setting a timer unsignals it; cancelling leaves its state.  A negative due time is relative
 * (100 ns units), a positive one an absolute FILETIME (system time; one past: due at once).
 * A period (ms) re-arms it after each expiry.  Names follow the events' rules (nsync_api.c).
 */
#include "runtime/thread_int.h"
#include "runtime/nsync.h"

#include <stdlib.h>

#define WV_TIMER_FAR (INT64_MAX / 4) /* ns: later than any due time anyone waits for */

void wv_timer_on_handle(struct wv_object *o, int delta)
{
    __atomic_add_fetch(&((struct wv_timer *)o)->handles, delta, __ATOMIC_ACQ_REL);
}

/* A due time as Windows takes it (negative: relative 100 ns units, else an absolute FILETIME)
 * as a CLOCK_MONOTONIC time in ns. */
static int64_t wv_timer_due(LONGLONG due)
{
    int64_t now = wv_mono_ns();
    if (due < 0) {
        uint64_t ticks = (uint64_t)0 - (uint64_t)due;
        return ticks > (uint64_t)(WV_TIMER_FAR - now) / 100 ? WV_TIMER_FAR : now + (int64_t)ticks * 100;
    }
    int64_t ahead = due - wv_filetime_now(); /* 100 ns units: negative when past */
    if (ahead > (WV_TIMER_FAR - now) / 100)
        return WV_TIMER_FAR;
    return ahead <= 0 ? now : now + ahead * 100;
}

/* The timer behind h with access need, referenced: NULL and *err on failure. */
static struct wv_timer *wv_timer_get(HANDLE h, DWORD need, DWORD *err)
{
    DWORD access;
    struct wv_timer *tm = (struct wv_timer *)wv_handle_get(h, WV_KIND_TIMER, &access);
    *err = tm ? 0 : ERROR_INVALID_HANDLE;
    if (tm && (access & need) != need) {
        wv_object_unref(&tm->h.obj);
        tm = NULL, *err = ERROR_ACCESS_DENIED;
    }
    return tm;
}

DWORD wv_timer_set(HANDLE h, LONGLONG due, LONG period, void *fn, void *arg, bool pe, bool *was)
{
    if (period < 0)
        return ERROR_INVALID_PARAMETER;
    DWORD err;
    struct wv_timer *tm = wv_timer_get(h, TIMER_MODIFY_STATE, &err);
    if (!tm)
        return err;
    struct wv_timer_apc *e = fn ? wv_timer_apc_new() : NULL; /* before anything changes */
    uint32_t serial, fires;
    err = fn && !e ? ERROR_NOT_ENOUGH_MEMORY
                   : wv_nsync_timer_set(tm->h.ns, wv_timer_due(due), (int64_t)period * 1000000, was, &serial, &fires);
    if (!err && e)
        wv_timer_apc_add(e, tm, fn, arg, pe, serial, fires);
    else
        free(e);
    wv_object_unref(&tm->h.obj);
    return err;
}

DWORD wv_timer_cancel(HANDLE h, bool *now)
{
    DWORD err;
    struct wv_timer *tm = wv_timer_get(h, TIMER_MODIFY_STATE, &err);
    if (!tm)
        return err;
    err = wv_nsync_timer_cancel(tm->h.ns, now);
    wv_object_unref(&tm->h.obj);
    return err;
}

DWORD wv_timer_query(HANDLE h, int64_t *left, bool *signalled)
{
    DWORD err;
    struct wv_timer *tm = wv_timer_get(h, TIMER_QUERY_STATE, &err);
    if (!tm)
        return err;
    err = wv_nsync_timer_query(tm->h.ns, left, signalled);
    wv_object_unref(&tm->h.obj);
    return err;
}

HANDLE wv_timer_create(LPCSTR name, bool manual, DWORD access)
{
    struct wv_nsync_init in = {.manual = manual};
    if (name && *name)
        return wv_sync_named(WV_KIND_TIMER, name, &in, wv_sync_access(WV_KIND_TIMER, access));
    struct wv_nsync *ns;
    DWORD err = wv_nsync_anon(WV_KIND_TIMER, &in, &ns);
    if (err)
        return wv_fail_null(err);
    struct wv_sync_head *h = wv_sync_head_new(WV_KIND_TIMER);
    if (!h) {
        wv_nsync_put(ns);
        return wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
    }
    h->ns = ns;
    return wv_sync_handle(h, WV_KIND_TIMER, wv_sync_access(WV_KIND_TIMER, access), ERROR_SUCCESS);
}

/* HANDLE_FLAG_INHERIT on h when asked. */
static HANDLE wv_timer_inherit(HANDLE h, bool inherit)
{
    if (h && inherit)
        wv_handle_flags(h, 1 /* HANDLE_FLAG_INHERIT */, 1, NULL);
    return h;
}

static bool wv_timer_sa_inherit(LPSECURITY_ATTRIBUTES sa)
{
    SECURITY_ATTRIBUTES a;
    return sa && wv_copy(&a, sa, sizeof(a)) == 0 && a.bInheritHandle;
}

HANDLE WINAPI CreateWaitableTimerExA(LPSECURITY_ATTRIBUTES sa, LPCSTR name, DWORD flags, DWORD access)
{
    if (flags & ~(DWORD)(CREATE_WAITABLE_TIMER_MANUAL_RESET | CREATE_WAITABLE_TIMER_HIGH_RESOLUTION))
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    /* HIGH_RESOLUTION asks for what every timer here has: expiry at the host clock's grain. */
    return wv_timer_inherit(wv_timer_create(name, flags & CREATE_WAITABLE_TIMER_MANUAL_RESET, access),
                            wv_timer_sa_inherit(sa));
}

HANDLE WINAPI CreateWaitableTimerA(LPSECURITY_ATTRIBUTES sa, BOOL manual, LPCSTR name)
{
    return CreateWaitableTimerExA(sa, name, manual ? CREATE_WAITABLE_TIMER_MANUAL_RESET : 0, TIMER_ALL_ACCESS);
}

HANDLE WINAPI OpenWaitableTimerA(DWORD access, BOOL inherit, LPCSTR name)
{
    return wv_timer_inherit(wv_sync_open(WV_KIND_TIMER, access, name), inherit);
}

BOOL wv_timer_set_api(HANDLE h, const LARGE_INTEGER *due, LONG period, void *fn, void *arg, bool pe, bool resume)
{
    LARGE_INTEGER d;
    if (!due || wv_copy(&d, due, sizeof(d)))
        return wv_fail(ERROR_NOACCESS);
    bool was;
    DWORD err = wv_timer_set(h, d.QuadPart, period, fn, arg, pe, &was);
    if (err)
        return wv_fail(err);
    if (resume) /* set, but no wake from sleep here: Windows' answer on such machines */
        wv_set_error(ERROR_NOT_SUPPORTED);
    return TRUE;
}

BOOL WINAPI SetWaitableTimer(HANDLE h, const LARGE_INTEGER *due, LONG period, PTIMERAPCROUTINE fn, LPVOID arg,
                             BOOL resume)
{
    return wv_timer_set_api(h, due, period, (void *)fn, arg, false, resume);
}

/* WakeContext asks for a wake from sleep (fResume's meaning); the tolerable delay (coalescing)
 * changes nothing here. */
BOOL WINAPI SetWaitableTimerEx(HANDLE h, const LARGE_INTEGER *due, LONG period, PTIMERAPCROUTINE fn, LPVOID arg,
                               PREASON_CONTEXT wake, ULONG delay)
{
    (void)delay;
    return wv_timer_set_api(h, due, period, (void *)fn, arg, false, wake != NULL);
}

BOOL WINAPI CancelWaitableTimer(HANDLE h)
{
    bool now;
    DWORD err = wv_timer_cancel(h, &now);
    return err ? wv_fail(err) : TRUE;
}

/* ---- the wide forms ---- */

/* The name as UTF-8 (an unpaired surrogate kept), then the narrow call. */
#define WV_TIMER_WIDE(call)                                                                      \
    char *a = NULL;                                                                              \
    DWORD err = name ? wv_utf8_as(name, WV_TEXT_WTF8, &a) : 0;                                   \
    if (err)                                                                                     \
        return wv_fail_null(err);                                                                \
    HANDLE h = call;                                                                             \
    free(a);                                                                                     \
    return h

HANDLE WINAPI CreateWaitableTimerW(LPSECURITY_ATTRIBUTES sa, BOOL manual, LPCWSTR name)
{
    WV_TIMER_WIDE(CreateWaitableTimerA(sa, manual, a));
}
HANDLE WINAPI CreateWaitableTimerExW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name, DWORD flags, DWORD access)
{
    WV_TIMER_WIDE(CreateWaitableTimerExA(sa, a, flags, access));
}
HANDLE WINAPI OpenWaitableTimerW(DWORD access, BOOL inherit, LPCWSTR name)
{
    WV_TIMER_WIDE(OpenWaitableTimerA(access, inherit, a));
}
