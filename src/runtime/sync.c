/* SPDX-License-Identifier: MIT */
/* sync.c - waitable objects: events, mutexes, semaphores (and threads, thread.c), and
 * WaitForSingleObject / WaitForMultipleObjects on any of them.
 *
 * One process-wide lock and condition guard every waitable object's state: a wait checks its
 * objects under the lock and sleeps on the condition; any change (SetEvent, ReleaseMutex, a
 * thread's end, ...) broadcasts it.  Simple and exactly right for "wait all" (every object
 * acquired at once, or none); the cost is spurious wake-ups when many unrelated waits sleep,
 * which winvm's users (ports of Windows code, tests) do not reach.
 *
 * Windows rules kept: an auto-reset event is reset by the one wait it satisfies; a mutex is
 * recursive and owned by the thread that acquired it (ReleaseMutex by another thread:
 * ERROR_NOT_OWNER); a semaphore never passes its maximum (ERROR_TOO_MANY_POSTS); a wait
 * returns WAIT_OBJECT_0 + the index of the first signalled object.  Named objects are not
 * provided (ERROR_NOT_SUPPORTED); nor is WAIT_ABANDONED (a mutex whose owner ended stays
 * owned).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/thread_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

pthread_mutex_t wv_wait_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t wv_wait_cond = PTHREAD_COND_INITIALIZER;

struct wv_event {
    struct wv_object obj;
    bool manual, signalled;
};

struct wv_mutex {
    struct wv_object obj;
    DWORD owner;    /* thread id, 0 when free */
    unsigned count; /* recursion */
};

struct wv_semaphore {
    struct wv_object obj;
    LONG count, max;
};

static void wv_sync_free(struct wv_object *o) { free(o); }

/* A new object of kind and size behind a handle with every right. */
static HANDLE wv_sync_new(struct wv_object *o, int kind, LPCVOID name)
{
    if (!o)
        return wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
    if (name) {
        free(o);
        return wv_fail_null(ERROR_NOT_SUPPORTED); /* named objects across processes: not provided */
    }
    o->kind = kind;
    o->destroy = wv_sync_free;
    HANDLE h = wv_handle_new(o, 0x001F0003 /* EVENT/MUTEX/SEMAPHORE_ALL_ACCESS */);
    if (!h)
        return wv_fail_null(ERROR_TOO_MANY_OPEN_FILES); /* the handle table is full */
    wv_set_error(ERROR_SUCCESS);
    return h;
}

/* Changes an object's state under the wait lock and wakes every wait. */
#define WV_CHANGE(stmt)                                                                          \
    do {                                                                                       \
        pthread_mutex_lock(&wv_wait_lock);                                                     \
        stmt;                                                                                  \
        pthread_cond_broadcast(&wv_wait_cond);                                                 \
        pthread_mutex_unlock(&wv_wait_lock);                                                   \
    } while (0)

/* ---- events ---- */

HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial, LPCSTR name)
{
    (void)sa;
    struct wv_event *e = calloc(1, sizeof(*e));
    if (e)
        e->manual = manual, e->signalled = initial;
    return wv_sync_new(e ? &e->obj : NULL, WV_KIND_EVENT, name);
}

HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial, LPCWSTR name)
{
    return name ? wv_fail_null(ERROR_NOT_SUPPORTED) : CreateEventA(sa, manual, initial, NULL);
}

static BOOL wv_event_set(HANDLE h, bool on)
{
    DWORD access;
    struct wv_event *e = (struct wv_event *)wv_handle_get(h, WV_KIND_EVENT, &access);
    if (!e)
        return wv_fail(ERROR_INVALID_HANDLE);
    WV_CHANGE(e->signalled = on);
    wv_object_unref(&e->obj);
    return TRUE;
}

BOOL WINAPI SetEvent(HANDLE h) { return wv_event_set(h, true); }
BOOL WINAPI ResetEvent(HANDLE h) { return wv_event_set(h, false); }

/* ---- mutexes ---- */

HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES sa, BOOL owned, LPCSTR name)
{
    (void)sa;
    struct wv_mutex *m = calloc(1, sizeof(*m));
    if (m && owned)
        m->owner = GetCurrentThreadId(), m->count = 1;
    return wv_sync_new(m ? &m->obj : NULL, WV_KIND_MUTEX, name);
}

HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES sa, BOOL owned, LPCWSTR name)
{
    return name ? wv_fail_null(ERROR_NOT_SUPPORTED) : CreateMutexA(sa, owned, NULL);
}

BOOL WINAPI ReleaseMutex(HANDLE h)
{
    DWORD access, err = 0;
    struct wv_mutex *m = (struct wv_mutex *)wv_handle_get(h, WV_KIND_MUTEX, &access);
    if (!m)
        return wv_fail(ERROR_INVALID_HANDLE);
    DWORD me = GetCurrentThreadId();
    WV_CHANGE(if (m->owner != me) err = ERROR_NOT_OWNER; else if (--m->count == 0) m->owner = 0);
    wv_object_unref(&m->obj);
    return err ? wv_fail(err) : TRUE;
}

/* ---- semaphores ---- */

HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max, LPCSTR name)
{
    (void)sa;
    if (max <= 0 || initial < 0 || initial > max)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    struct wv_semaphore *s = calloc(1, sizeof(*s));
    if (s)
        s->count = initial, s->max = max;
    return wv_sync_new(s ? &s->obj : NULL, WV_KIND_SEMAPHORE, name);
}

HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max, LPCWSTR name)
{
    return name ? wv_fail_null(ERROR_NOT_SUPPORTED) : CreateSemaphoreA(sa, initial, max, NULL);
}

BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG release, LONG *previous)
{
    DWORD access, err = 0;
    struct wv_semaphore *s = (struct wv_semaphore *)wv_handle_get(h, WV_KIND_SEMAPHORE, &access);
    if (!s)
        return wv_fail(ERROR_INVALID_HANDLE);
    LONG was = 0;
    WV_CHANGE(was = s->count;
              if (release <= 0) err = ERROR_INVALID_PARAMETER;
              else if (release > s->max - s->count) err = ERROR_TOO_MANY_POSTS;
              else s->count += release);
    wv_object_unref(&s->obj);
    if (err)
        return wv_fail(err);
    if (previous)
        *previous = was;
    return TRUE;
}

/* ---- waits ---- */

/* Whether o would satisfy a wait by thread me now (wait lock held). */
static bool wv_ready(struct wv_object *o, DWORD me)
{
    switch (o->kind) {
    case WV_KIND_EVENT: return ((struct wv_event *)o)->signalled;
    case WV_KIND_MUTEX: return ((struct wv_mutex *)o)->owner == 0 || ((struct wv_mutex *)o)->owner == me;
    case WV_KIND_SEMAPHORE: return ((struct wv_semaphore *)o)->count > 0;
    case WV_KIND_THREAD: return wv_thread_signalled(o);
    case WV_KIND_PROCESS:
    case WV_KIND_PROCESS_THREAD: return wv_process_signalled(o);
    default: return false;
    }
}

/* Takes what the satisfied wait consumes (wait lock held, wv_ready true). */
static void wv_acquire(struct wv_object *o, DWORD me)
{
    switch (o->kind) {
    case WV_KIND_EVENT:
        if (!((struct wv_event *)o)->manual)
            ((struct wv_event *)o)->signalled = false;
        break;
    case WV_KIND_MUTEX:
        ((struct wv_mutex *)o)->owner = me;
        ((struct wv_mutex *)o)->count++;
        break;
    case WV_KIND_SEMAPHORE: ((struct wv_semaphore *)o)->count--; break;
    default: break;
    }
}

static bool wv_waitable(int kind)
{
    return kind == WV_KIND_EVENT || kind == WV_KIND_MUTEX || kind == WV_KIND_SEMAPHORE || kind == WV_KIND_THREAD ||
           kind == WV_KIND_PROCESS || kind == WV_KIND_PROCESS_THREAD;
}

/* The wait's deadline, ms from now (CLOCK_REALTIME, the condition's clock). */
static struct timespec wv_deadline(DWORD ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000)
        until.tv_sec++, until.tv_nsec -= 1000000000;
    return until;
}

/* Satisfies the wait if it can (wait lock held): its result, or WAIT_TIMEOUT. */
static DWORD wv_try_wait(struct wv_object **o, DWORD n, bool all, DWORD me)
{
    DWORD ready = 0, first = n;
    for (DWORD i = 0; i < n; i++)
        if (wv_ready(o[i], me)) {
            ready++;
            if (first == n)
                first = i;
        }
    if (n == 0 || !(all ? ready == n : first < n))
        return WAIT_TIMEOUT;
    for (DWORD i = 0; i < n; i++)
        if (all || i == first)
            wv_acquire(o[i], me);
    pthread_cond_broadcast(&wv_wait_cond); /* an acquisition is a change too */
    return WAIT_OBJECT_0 + (all ? 0 : first);
}

DWORD wv_wait(struct wv_object **o, DWORD n, bool all, DWORD ms, struct wv_thread *alert)
{
    struct timespec until = wv_deadline(ms == INFINITE ? 0 : ms);
    DWORD me = GetCurrentThreadId(), r;
    pthread_mutex_lock(&wv_wait_lock);
    for (;;) {
        r = wv_try_wait(o, n, all, me);
        if (r != WAIT_TIMEOUT)
            break;
        if (alert && __atomic_load_n(&alert->apc_first, __ATOMIC_ACQUIRE)) {
            r = WAIT_IO_COMPLETION;
            break;
        }
        if (ms == 0)
            break;
        if (ms == INFINITE)
            pthread_cond_wait(&wv_wait_cond, &wv_wait_lock);
        else if (pthread_cond_timedwait(&wv_wait_cond, &wv_wait_lock, &until) == ETIMEDOUT)
            ms = 0; /* one last look, then time out */
    }
    pthread_mutex_unlock(&wv_wait_lock);
    if (r == WAIT_IO_COMPLETION)
        wv_apc_run(alert);
    return r;
}

DWORD WINAPI WaitForMultipleObjectsEx(DWORD n, const HANDLE *handles, BOOL all, DWORD ms, BOOL alertable)
{
    if (n == 0 || n > MAXIMUM_WAIT_OBJECTS || !handles) {
        wv_set_error(ERROR_INVALID_PARAMETER);
        return WAIT_FAILED;
    }
    struct wv_thread *self = alertable ? wv_thread_self() : NULL;
    if (alertable && !self)
        return wv_set_error(ERROR_NOT_ENOUGH_MEMORY), WAIT_FAILED;
    struct wv_object *o[MAXIMUM_WAIT_OBJECTS];
    DWORD access, got = 0, r = WAIT_FAILED, err = ERROR_INVALID_HANDLE;
    for (; got < n; got++) {
        bool me = handles[got] == WV_CURRENT_PROCESS; /* never signalled, but waitable */
        o[got] = me ? wv_process_self_ref() : wv_handle_get(handles[got], WV_KIND_ANY, &access);
        if (!o[got] || !wv_waitable(o[got]->kind))
            break;
        /* A process handle needs SYNCHRONIZE to be waited on, as on Windows. */
        if (!me && o[got]->kind == WV_KIND_PROCESS && !(access & SYNCHRONIZE)) {
            err = ERROR_ACCESS_DENIED;
            break;
        }
    }
    if (got < n) {
        if (o[got])
            wv_object_unref(o[got]);
        wv_set_error(err);
    } else
        r = wv_wait(o, n, all, ms, self);
    for (DWORD i = 0; i < got; i++)
        wv_object_unref(o[i]);
    return r;
}

DWORD WINAPI WaitForMultipleObjects(DWORD n, const HANDLE *handles, BOOL all, DWORD ms)
{
    return WaitForMultipleObjectsEx(n, handles, all, ms, FALSE);
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms) { return WaitForMultipleObjects(1, &h, FALSE, ms); }

DWORD WINAPI WaitForSingleObjectEx(HANDLE h, DWORD ms, BOOL alertable)
{
    return WaitForMultipleObjectsEx(1, &h, FALSE, ms, alertable);
}
