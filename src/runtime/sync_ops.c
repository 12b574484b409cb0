/* SPDX-License-Identifier: MIT */
/* sync_ops.c - the operations on events, mutexes and semaphores that kernel32's calls
 * (sync.c) and ntdll's (ntdll_sync.c) share: creation with a handle's access, set / reset /
 * pulse, release, the state as NtQuery* reports it, and SignalObjectAndWait.
 *
 * ntdll's calls return what was before (an event's state, a mutex's count, a semaphore's
 * count), so each change reads the old state in the same step, under the wait lock for an
 * unnamed object and the object's shared lock for a shared one (nsync.c).  A mutex's count is
 * Windows' (the Windows Research Kernel's KeReleaseMutant): 1 when free, 1 - recursion when
 * owned, so the last release reports 0.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/nsync.h"

#include <stdlib.h>

/* h's object of kind with the right need (0: none), referenced; NULL and *err otherwise. */
static struct wv_sync_head *wv_sync_get(HANDLE h, int kind, DWORD need, DWORD *err)
{
    DWORD access;
    struct wv_sync_head *o = (struct wv_sync_head *)wv_handle_get(h, kind, &access);
    *err = o ? 0 : ERROR_INVALID_HANDLE;
    if (o && (access & need) != need) {
        wv_object_unref(&o->obj);
        o = NULL, *err = ERROR_ACCESS_DENIED;
    }
    return o;
}

HANDLE wv_sync_create(int kind, LPCSTR name, const struct wv_nsync_init *in, DWORD access)
{
    if (kind == WV_KIND_TIMER)
        return wv_timer_create(name, in->manual, access);
    access = wv_sync_access(kind, access);
    if (name && *name)
        return wv_sync_named(kind, name, in, access);
    struct wv_sync_head *h = NULL;
    if (kind == WV_KIND_EVENT) {
        struct wv_event *e = calloc(1, sizeof(*e));
        if (e)
            e->manual = in->manual, e->signalled = in->signalled, h = &e->h;
    } else if (kind == WV_KIND_MUTEX) {
        /* an owner's thread object is made first, so every owner is registered (sync.c) */
        struct wv_who me = in->owned ? wv_who_now(true) : (struct wv_who){0, 0};
        struct wv_mutex *m = calloc(1, sizeof(*m));
        if (m && in->owned)
            m->owner = me.tid, m->serial = me.serial, m->count = 1;
        h = m ? &m->h : NULL;
    } else {
        struct wv_semaphore *s = calloc(1, sizeof(*s));
        if (s)
            s->count = in->count, s->max = in->max, h = &s->h;
    }
    return wv_sync_handle(h, kind, access, ERROR_SUCCESS);
}

DWORD wv_event_change(HANDLE h, int op, bool *was)
{
    DWORD err;
    struct wv_sync_head *o = wv_sync_get(h, WV_KIND_EVENT, EVENT_MODIFY_STATE, &err);
    if (!o)
        return err;
    struct wv_event *e = (struct wv_event *)o;
    struct wv_nsync *ns;
    bool before = false;
    WV_CHANGE(o, ns, before = e->signalled; e->signalled = op == WV_EVENT_SET; if (op == WV_EVENT_PULSE) {
        e->pulse++;
        e->pulse_left = !e->manual;
    });
    if (ns)
        err = op == WV_EVENT_PULSE ? wv_nsync_event_pulse(ns, &before) : wv_nsync_event_set(ns, op, &before);
    wv_object_unref(&o->obj);
    if (!err && was)
        *was = before;
    return err;
}

DWORD wv_mutex_release(HANDLE h, LONG *prev)
{
    DWORD err;
    struct wv_sync_head *o = wv_sync_get(h, WV_KIND_MUTEX, 0, &err);
    if (!o)
        return err;
    struct wv_mutex *m = (struct wv_mutex *)o;
    struct wv_who me = wv_who_now(false); /* an owner made its object when it took the mutex */
    struct wv_nsync *ns;
    LONG before = 1;
    WV_CHANGE(o, ns, if (!wv_mutex_mine(m, &me)) err = ERROR_NOT_OWNER; else {
        before = 1 - (LONG)m->count;
        if (--m->count == 0)
            m->owner = 0;
    });
    if (ns)
        err = wv_nsync_mutex_release(ns, &before);
    wv_object_unref(&o->obj);
    if (!err && prev)
        *prev = before;
    return err;
}

DWORD wv_semaphore_release(HANDLE h, LONG n, LONG *prev)
{
    DWORD err;
    struct wv_sync_head *o = wv_sync_get(h, WV_KIND_SEMAPHORE, SEMAPHORE_MODIFY_STATE, &err);
    if (!o)
        return err;
    struct wv_semaphore *s = (struct wv_semaphore *)o;
    struct wv_nsync *ns;
    LONG before = 0;
    WV_CHANGE(o, ns, before = s->count; if (n <= 0) err = ERROR_INVALID_PARAMETER;
              else if (n > s->max - s->count) err = ERROR_TOO_MANY_POSTS; else s->count += n);
    if (ns)
        err = wv_nsync_semaphore_release(ns, n, &before);
    wv_object_unref(&o->obj);
    if (!err && prev)
        *prev = before;
    return err;
}

/* An unnamed object's state (wait lock held). */
static void wv_sync_local_info(struct wv_sync_head *o, struct wv_sync_info *out)
{
    *out = (struct wv_sync_info){0};
    if (o->obj.kind == WV_KIND_EVENT) {
        out->manual = ((struct wv_event *)o)->manual, out->signalled = ((struct wv_event *)o)->signalled;
    } else if (o->obj.kind == WV_KIND_MUTEX) {
        struct wv_mutex *m = (struct wv_mutex *)o;
        struct wv_who me = wv_who_now(false);
        out->abandoned = wv_mutex_abandoned(m);
        out->count = m->owner && !out->abandoned ? 1 - (LONG)m->count : 1;
        out->mine = m->owner && wv_mutex_mine(m, &me);
    } else {
        out->count = ((struct wv_semaphore *)o)->count, out->max = ((struct wv_semaphore *)o)->max;
    }
}

DWORD wv_sync_query(HANDLE h, int kind, struct wv_sync_info *out)
{
    DWORD err;
    /* EVENT_QUERY_STATE, MUTANT_QUERY_STATE and SEMAPHORE_QUERY_STATE are all 1 */
    struct wv_sync_head *o = wv_sync_get(h, kind, EVENT_QUERY_STATE, &err);
    if (!o)
        return err;
    struct wv_nsync *ns;
    WV_CHANGE(o, ns, wv_sync_local_info(o, out));
    if (ns)
        err = wv_nsync_query(ns, out);
    wv_object_unref(&o->obj);
    return err;
}

DWORD wv_sync_signal(HANDLE h)
{
    DWORD access;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &access);
    int kind = o ? o->kind : -1;
    if (o)
        wv_object_unref(o);
    switch (kind) {
    case WV_KIND_EVENT: return wv_event_change(h, WV_EVENT_SET, NULL);
    case WV_KIND_MUTEX: return wv_mutex_release(h, NULL);
    case WV_KIND_SEMAPHORE: return wv_semaphore_release(h, 1, NULL);
    default: return ERROR_INVALID_HANDLE; /* nothing to signal: Windows' answer too */
    }
}

/* Signals one object, then waits on another (alertable: WAIT_IO_COMPLETION after APCs).  A
 * handle that cannot be signalled fails the call before any wait, as on Windows; the wait's
 * handle is checked first, so a bad one signals nothing. */
DWORD WINAPI SignalObjectAndWait(HANDLE signal, HANDLE wait, DWORD ms, BOOL alertable)
{
    DWORD access;
    bool me = wait == WV_CURRENT_PROCESS || wait == WV_CURRENT_THREAD; /* waitable, as alone */
    struct wv_object *w = me ? NULL : wv_handle_get(wait, WV_KIND_ANY, &access);
    if (!w && !me) {
        wv_set_error(ERROR_INVALID_HANDLE);
        return WAIT_FAILED;
    }
    if (w)
        wv_object_unref(w);
    DWORD err = wv_sync_signal(signal);
    if (err) {
        wv_set_error(err);
        return WAIT_FAILED;
    }
    return WaitForSingleObjectEx(wait, ms, alertable);
}
