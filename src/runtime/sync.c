/* SPDX-License-Identifier: MIT */
/* sync.c - waitable objects: events, mutexes, semaphores (threads: thread.c; timers, whose due
 * times bound a wait's sleeps: timer.c), and WaitForSingleObject / WaitForMultipleObjects.
 * kernel32's calls here are thin: the creation and state changes they share with ntdll's
 * (which report the state before) are sync_ops.c's.
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
 * returns WAIT_OBJECT_0 + the index of the first signalled object.
 *
 * PulseEvent: a wait records each event's pulse count when it begins; a pulse releases the
 * waits that began before it (all for manual reset, the first to look for auto reset).
 *
 * Named objects (nsync.c) keep their state in a file shared with other processes, under their
 * own lock, and so do unnamed ones from the first time they go to another process
 * (wv_sync_share: docs/processes.md): a wait takes the wait lock, then the shared objects'
 * locks (in id order) to look and acquire atomically.  Another process's change cannot
 * broadcast our condition, so a wait on one shared object alone sleeps on its futex word, and
 * a wait mixing several objects with shared ones polls (the condition with a short timeout,
 * growing from 1 to 16 ms).
 *
 * Abandoned mutexes: a mutex whose owner thread ended without releasing it goes to the next
 * wait, which gets WAIT_ABANDONED (+ index) and owns it once.  A local mutex names its owner by
 * tid and the serial of its thread object (tids are reused, serials never): the owner ended
 * once that object left the thread registry (wv_thread_finish, which then broadcasts the
 * condition, so sleeping waits look again).  A wait that may take a mutex, and CreateMutex
 * with initial ownership, first make the calling thread's object (wv_thread_self), so every
 * owner is registered.  A shared one names its owner by pid and tid (nsync.c).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/thread_int.h"
#include "runtime/nsync.h"
#include "runtime/con_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

pthread_mutex_t wv_wait_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t wv_wait_cond = PTHREAD_COND_INITIALIZER;

/* A forked child's inherited thread object is not its own (another tid): serial 0 there. */
struct wv_who wv_who_now(bool make)
{
    struct wv_thread *t = make ? wv_thread_self() : wv_thread_peek();
    DWORD tid = GetCurrentThreadId();
    return (struct wv_who){tid, t && t->tid == tid ? t->serial : 0};
}

bool wv_mutex_mine(const struct wv_mutex *m, const struct wv_who *me)
{
    return m->owner == me->tid && m->serial == me->serial;
}

/* Its object left the registry; an owner without an object is looked for by its tid alone. */
bool wv_mutex_abandoned(const struct wv_mutex *m)
{
    if (!m->owner)
        return false;
    if (m->serial)
        return !wv_thread_live(m->owner, m->serial);
    return syscall(SYS_tgkill, getpid(), (pid_t)m->owner, 0) != 0 && errno == ESRCH;
}

static void wv_sync_free(struct wv_object *o)
{
    struct wv_sync_head *h = (struct wv_sync_head *)o;
    if (h->ns)
        wv_nsync_put(h->ns);
    free(o);
}

HANDLE wv_sync_handle(struct wv_sync_head *h, int kind, DWORD access, DWORD error)
{
    if (!h)
        return wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
    h->obj.kind = kind;
    h->obj.destroy = wv_sync_free;
    if (kind == WV_KIND_TIMER)
        h->obj.on_handle = wv_timer_on_handle;
    HANDLE r = wv_handle_new(&h->obj, access);
    if (!r) {
        wv_sync_free(&h->obj);
        return wv_fail_null(ERROR_TOO_MANY_OPEN_FILES); /* the handle table is full */
    }
    wv_set_error(error);
    return r;
}

/* HANDLE_FLAG_INHERIT on h when the security attributes ask for it (CreateProcess with
 * bInheritHandles passes it on); h as is. */
static HANDLE wv_inherit(HANDLE h, LPSECURITY_ATTRIBUTES sa)
{
    SECURITY_ATTRIBUTES a;
    if (h && sa && wv_copy(&a, sa, sizeof(a)) == 0 && a.bInheritHandle)
        wv_handle_flags(h, 1 /* HANDLE_FLAG_INHERIT */, 1, NULL);
    return h;
}

/* ---- events ---- */

HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial, LPCSTR name)
{
    struct wv_nsync_init in = {.manual = manual, .signalled = initial};
    return wv_inherit(wv_sync_create(WV_KIND_EVENT, name, &in, EVENT_ALL_ACCESS), sa);
}

BOOL WINAPI SetEvent(HANDLE h)
{
    DWORD err = wv_event_change(h, WV_EVENT_SET, NULL);
    return err ? wv_fail(err) : TRUE;
}

/* Releases the waits present now (each recorded the pulse count when it began): all of them
 * for a manual-reset event, the first to look for an auto-reset one; the event ends reset. */
BOOL WINAPI PulseEvent(HANDLE h)
{
    DWORD err = wv_event_change(h, WV_EVENT_PULSE, NULL);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI ResetEvent(HANDLE h)
{
    DWORD err = wv_event_change(h, WV_EVENT_RESET, NULL);
    return err ? wv_fail(err) : TRUE;
}

/* ---- mutexes ---- */

HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES sa, BOOL owned, LPCSTR name)
{
    struct wv_nsync_init in = {.owned = owned};
    return wv_inherit(wv_sync_create(WV_KIND_MUTEX, name, &in, MUTEX_ALL_ACCESS), sa);
}

BOOL WINAPI ReleaseMutex(HANDLE h)
{
    DWORD err = wv_mutex_release(h, NULL);
    return err ? wv_fail(err) : TRUE;
}

/* ---- semaphores ---- */

HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max, LPCSTR name)
{
    if (max <= 0 || initial < 0 || initial > max)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    struct wv_nsync_init in = {.count = initial, .max = max};
    return wv_inherit(wv_sync_create(WV_KIND_SEMAPHORE, name, &in, SEMAPHORE_ALL_ACCESS), sa);
}

BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG release, LONG *previous)
{
    LONG was;
    DWORD err = wv_semaphore_release(h, release, &was);
    if (err)
        return wv_fail(err);
    if (previous)
        *previous = was;
    return TRUE;
}

/* ---- shared with another process (docs/processes.md, "Events, mutexes, semaphores") ---- */

/* The unnamed object's state as a shared object's initial state (wait lock held). */
static struct wv_nsync_init wv_sync_state(struct wv_object *o)
{
    struct wv_nsync_init in = {0};
    if (o->kind == WV_KIND_EVENT) {
        struct wv_event *e = (struct wv_event *)o;
        in.manual = e->manual, in.signalled = e->signalled, in.pulse = e->pulse, in.pulse_left = e->pulse_left;
    } else if (o->kind == WV_KIND_MUTEX) {
        in.owner = ((struct wv_mutex *)o)->owner, in.recursion = ((struct wv_mutex *)o)->count;
    } else {
        in.count = ((struct wv_semaphore *)o)->count, in.max = ((struct wv_semaphore *)o)->max;
    }
    return in;
}

DWORD wv_sync_share(struct wv_object *o, int *fd)
{
    struct wv_sync_head *h = (struct wv_sync_head *)o;
    DWORD err = 0;
    pthread_mutex_lock(&wv_wait_lock);
    if (!h->ns) {
        struct wv_nsync_init in = wv_sync_state(o);
        struct wv_nsync *ns;
        err = wv_nsync_anon(o->kind, &in, &ns);
        if (!err) {
            h->ns = ns; /* from now on every call and wait uses the shared state */
            pthread_cond_broadcast(&wv_wait_cond); /* sleeping waits look again */
        }
    }
    if (!err && (*fd = fcntl(wv_nsync_fd(h->ns), F_DUPFD_CLOEXEC, 3)) < 0)
        err = ERROR_TOO_MANY_OPEN_FILES;
    pthread_mutex_unlock(&wv_wait_lock);
    return err;
}

HANDLE wv_sync_adopt(int kind, int fd, DWORD access)
{
    struct wv_nsync *ns;
    DWORD err = wv_nsync_adopt(fd, kind, &ns);
    if (err)
        return wv_fail_null(err);
    struct wv_sync_head *h = wv_sync_head_new(kind); /* only ns is used, as for a named one */
    if (!h) {
        wv_nsync_put(ns);
        return wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
    }
    h->ns = ns;
    return wv_sync_handle(h, kind, access, ERROR_SUCCESS);
}

/* ---- waits ---- */

/* The shared state behind o when it is a named event, mutex or semaphore, or a timer (every
 * timer's state is shared), else NULL. */
static struct wv_nsync *wv_named(struct wv_object *o)
{
    bool sync = o->kind == WV_KIND_EVENT || o->kind == WV_KIND_MUTEX || o->kind == WV_KIND_SEMAPHORE ||
                o->kind == WV_KIND_TIMER;
    return sync ? ((struct wv_sync_head *)o)->ns : NULL;
}

/* An event's pulse count (0 for other objects), which a wait records when it begins. */
static uint32_t wv_pulse_of(struct wv_object *o)
{
    if (wv_named(o))
        return wv_nsync_pulse(wv_named(o));
    return o->kind == WV_KIND_EVENT ? ((struct wv_event *)o)->pulse : 0;
}

/* Whether a pulse since the wait began (seen: the count then) releases it. */
static bool wv_pulsed(const struct wv_event *e, uint32_t seen)
{
    return e->pulse != seen && (e->manual || e->pulse_left);
}

/* Whether o would satisfy a wait by thread me now (wait lock held, and a named object's). */
static bool wv_ready(struct wv_object *o, const struct wv_who *me, uint32_t seen)
{
    if (wv_named(o))
        return wv_nsync_ready(wv_named(o), seen);
    switch (o->kind) {
    case WV_KIND_EVENT: return ((struct wv_event *)o)->signalled || wv_pulsed((struct wv_event *)o, seen);
    case WV_KIND_MUTEX: {
        struct wv_mutex *m = (struct wv_mutex *)o;
        return m->owner == 0 || wv_mutex_mine(m, me) || wv_mutex_abandoned(m);
    }
    case WV_KIND_SEMAPHORE: return ((struct wv_semaphore *)o)->count > 0;
    case WV_KIND_THREAD: return wv_thread_signalled(o);
    case WV_KIND_PROCESS:
    case WV_KIND_PROCESS_THREAD: return wv_process_signalled(o);
    case WV_KIND_REMOTE_THREAD: return wv_rthread_signalled(o);
    case WV_KIND_KEYED_EVENT: return true; /* as Windows: a wait on it returns at once */
    case WV_KIND_JOB: return wv_job_signalled(o);
    case WV_KIND_FILE: return wv_conin_ready(o); /* a console input: records waiting */
    default: return false;
    }
}

/* Takes what the satisfied wait consumes (wait lock held, wv_ready true): WAIT_ABANDONED
 * for a mutex whose owner ended, else 0. */
static DWORD wv_acquire(struct wv_object *o, const struct wv_who *me, uint32_t seen)
{
    if (wv_named(o))
        return wv_nsync_acquire(wv_named(o), seen);
    struct wv_mutex *m = (struct wv_mutex *)o;
    DWORD r = 0;
    switch (o->kind) {
    case WV_KIND_EVENT:
        if (((struct wv_event *)o)->signalled && !((struct wv_event *)o)->manual)
            ((struct wv_event *)o)->signalled = false;
        else if (!((struct wv_event *)o)->signalled)
            ((struct wv_event *)o)->pulse_left = false; /* released by a pulse: one wait for auto-reset */
        break;
    case WV_KIND_MUTEX:
        if (m->owner && !wv_mutex_mine(m, me))
            m->count = 0, r = WAIT_ABANDONED; /* its owner ended without releasing it */
        m->owner = me->tid, m->serial = me->serial, m->count++;
        break;
    case WV_KIND_SEMAPHORE: ((struct wv_semaphore *)o)->count--; break;
    default: break;
    }
    return r;
}

static bool wv_waitable(struct wv_object *o)
{
    int kind = o->kind;
    if (kind == WV_KIND_FILE)
        return wv_conin_waitable(o);
    return kind == WV_KIND_EVENT || kind == WV_KIND_MUTEX || kind == WV_KIND_SEMAPHORE || kind == WV_KIND_THREAD ||
           kind == WV_KIND_PROCESS || kind == WV_KIND_PROCESS_THREAD || kind == WV_KIND_REMOTE_THREAD ||
           kind == WV_KIND_TIMER || kind == WV_KIND_KEYED_EVENT || kind == WV_KIND_JOB;
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

/* Milliseconds left until the deadline (rounded up), 0 once it passed. */
static DWORD wv_ms_left(const struct timespec *until)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long ns = (long long)(until->tv_sec - now.tv_sec) * 1000000000 + (until->tv_nsec - now.tv_nsec);
    return ns <= 0 ? 0 : (DWORD)((ns + 999999) / 1000000);
}

/* Satisfies the wait if it can (wait lock and the named objects' locks held). */
static DWORD wv_try_locked(struct wv_object **o, DWORD n, bool all, const struct wv_who *me, const uint32_t *seen)
{
    DWORD ready = 0, first = n;
    for (DWORD i = 0; i < n; i++)
        if (wv_ready(o[i], me, seen[i])) {
            ready++;
            if (first == n)
                first = i;
        }
    if (n == 0 || !(all ? ready == n : first < n))
        return WAIT_TIMEOUT;
    DWORD abandoned = n;
    for (DWORD i = 0; i < n; i++)
        if ((all || i == first) && wv_acquire(o[i], me, seen[i]) == WAIT_ABANDONED && abandoned == n)
            abandoned = i;
    pthread_cond_broadcast(&wv_wait_cond); /* an acquisition is a change too */
    if (abandoned < n)
        return WAIT_ABANDONED + abandoned;
    return WAIT_OBJECT_0 + (all ? 0 : first);
}

/* Satisfies the wait if it can (wait lock held): its result, or WAIT_TIMEOUT.  The named
 * objects' locks are held meanwhile, so looking and taking are one step for other processes. */
static DWORD wv_try_wait(struct wv_object **o, DWORD n, bool all, const struct wv_who *me, const uint32_t *seen)
{
    struct wv_nsync *ns[MAXIMUM_WAIT_OBJECTS];
    bool named = false;
    for (DWORD i = 0; i < n; i++)
        named |= (ns[i] = wv_named(o[i])) != NULL;
    if (named)
        wv_nsync_lock_set(ns, n);
    DWORD r = wv_try_locked(o, n, all, me, seen);
    if (named)
        wv_nsync_unlock_set(ns, n);
    return r;
}

/* Sleeps until a change may satisfy the wait (wait lock held; released while one named
 * object's futex is slept on; poll: named objects among others), or cap ms (a timer's next
 * expiry, which nobody announces).  false once the deadline passed. */
static bool wv_sleep(struct wv_nsync *one, uint32_t seq, bool poll, DWORD *slice, DWORD ms,
                     const struct timespec *until, DWORD cap)
{
    if (cap != INFINITE && (ms == INFINITE || cap < wv_ms_left(until))) {
        struct timespec t = wv_deadline(cap); /* a timer expires first: look again then */
        if (one) {
            pthread_mutex_unlock(&wv_wait_lock);
            wv_nsync_sleep(one, seq, cap);
            pthread_mutex_lock(&wv_wait_lock);
        } else
            pthread_cond_timedwait(&wv_wait_cond, &wv_wait_lock, &t);
        return true;
    }
    if (one) {
        pthread_mutex_unlock(&wv_wait_lock);
        wv_nsync_sleep(one, seq, ms == INFINITE ? INFINITE : wv_ms_left(until));
        pthread_mutex_lock(&wv_wait_lock);
        return ms == INFINITE || wv_ms_left(until) > 0;
    }
    if (!poll && ms == INFINITE)
        return pthread_cond_wait(&wv_wait_cond, &wv_wait_lock), true;
    if (!poll)
        return pthread_cond_timedwait(&wv_wait_cond, &wv_wait_lock, until) != ETIMEDOUT;
    DWORD step = *slice;
    *slice = step < 16 ? 2 * step : 16;
    if (ms != INFINITE && wv_ms_left(until) < step)
        step = wv_ms_left(until);
    struct timespec t = wv_deadline(step);
    pthread_cond_timedwait(&wv_wait_cond, &wv_wait_lock, &t);
    return ms == INFINITE || wv_ms_left(until) > 0;
}

DWORD wv_wait(struct wv_object **o, DWORD n, bool all, DWORD ms, struct wv_thread *alert)
{
    struct timespec until = wv_deadline(ms == INFINITE ? 0 : ms);
    DWORD r, slice = 1;
    bool mutex = false; /* a wait that may take a mutex registers its thread first */
    for (DWORD i = 0; i < n; i++)
        mutex |= o[i]->kind == WV_KIND_MUTEX;
    struct wv_who me = wv_who_now(mutex);
    uint32_t seen[MAXIMUM_WAIT_OBJECTS];
    pthread_mutex_lock(&wv_wait_lock);
    for (DWORD i = 0; i < n; i++)
        seen[i] = wv_pulse_of(o[i]); /* the wait begins: a later pulse releases it */
    for (;;) {
        /* looked at each round: an object may have become shared meanwhile (wv_sync_share) */
        bool poll = false;
        for (DWORD i = 0; i < n; i++) /* a console's keys arrive without a broadcast */
            poll |= wv_named(o[i]) != NULL || o[i]->kind == WV_KIND_FILE;
        struct wv_nsync *one = n == 1 && !alert ? wv_named(o[0]) : NULL;
        poll &= !one;
        uint32_t seq = one ? wv_nsync_seq(one) : 0; /* before looking: no change is missed */
        r = wv_try_wait(o, n, all, &me, seen);
        if (r != WAIT_TIMEOUT)
            break;
        DWORD cap = alert ? wv_timer_apc_poll(alert) : INFINITE; /* queues expired routines */
        for (DWORD i = 0; i < n; i++)
            if (wv_named(o[i]) && wv_nsync_timer_ms(wv_named(o[i])) < cap)
                cap = wv_nsync_timer_ms(wv_named(o[i]));
        if (alert && __atomic_load_n(&alert->apc_first, __ATOMIC_ACQUIRE)) {
            r = WAIT_IO_COMPLETION;
            break;
        }
        if (wv_thread_kill_pending()) { /* TerminateThread: the caller ends it, unlocked */
            r = WAIT_FAILED;
            break;
        }
        if (ms == 0)
            break;
        if (!wv_sleep(one, seq, poll, &slice, ms, &until, cap))
            ms = 0; /* one last look, then time out */
    }
    pthread_mutex_unlock(&wv_wait_lock);
    if (alert)
        wv_timer_apc_sweep(alert); /* the settings that ended, let go of outside the wait lock */
    if (r == WAIT_IO_COMPLETION)
        wv_apc_run(alert);
    return r;
}

/* The object a wait names, with a reference.  A single wait takes the pseudo handles
 * (GetCurrentProcess(), GetCurrentThread(): neither is signalled while the caller runs, so the
 * wait times out); WaitForMultipleObjects and NtWaitForMultipleObjects refuse them,
 * ERROR_INVALID_HANDLE, as Windows (kernel32/tests/sync.c test_WaitForMultipleObjects). */
static struct wv_object *wv_wait_object(HANDLE h, bool single, DWORD *access, bool *pseudo)
{
    *pseudo = wv_handle_pseudo(h);
    if (!*pseudo)
        return wv_handle_get(h, WV_KIND_ANY, access);
    if (!single)
        return NULL;
    if (h == WV_CURRENT_PROCESS)
        return wv_process_self_ref();
    return h == WV_CURRENT_THREAD ? wv_thread_self_ref() : NULL;
}

static DWORD wv_wait_handles(DWORD n, const HANDLE *handles, BOOL all, DWORD ms, BOOL alertable, bool single)
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
        bool me; /* a pseudo handle grants every right */
        o[got] = wv_wait_object(handles[got], single, &access, &me);
        if (!o[got] || !wv_waitable(o[got]))
            break;
        /* A handle needs SYNCHRONIZE to be waited on, as on Windows (threads' are not checked). */
        bool checked = o[got]->kind == WV_KIND_PROCESS || o[got]->kind == WV_KIND_EVENT ||
                       o[got]->kind == WV_KIND_MUTEX || o[got]->kind == WV_KIND_SEMAPHORE ||
                       o[got]->kind == WV_KIND_TIMER || o[got]->kind == WV_KIND_KEYED_EVENT;
        if (!me && checked && !(access & SYNCHRONIZE)) {
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
    wv_thread_kill_point();
    return r;
}

DWORD WINAPI WaitForMultipleObjectsEx(DWORD n, const HANDLE *handles, BOOL all, DWORD ms, BOOL alertable)
{
    return wv_wait_handles(n, handles, all, ms, alertable, false);
}

DWORD WINAPI WaitForMultipleObjects(DWORD n, const HANDLE *handles, BOOL all, DWORD ms)
{
    return WaitForMultipleObjectsEx(n, handles, all, ms, FALSE);
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms) { return wv_wait_handles(1, &h, FALSE, ms, FALSE, true); }

DWORD WINAPI WaitForSingleObjectEx(HANDLE h, DWORD ms, BOOL alertable)
{
    return wv_wait_handles(1, &h, FALSE, ms, alertable, true);
}
