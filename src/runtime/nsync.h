/* SPDX-License-Identifier: MIT */
/* nsync.h - named events, mutexes and semaphores shared between the processes of one user
 * (nsync.c): the shared state behind a named object's handle, used by sync.c.
 *
 * Locking: each object's shared lock (a robust process-shared mutex in its shared file) guards
 * its state; it is taken under the wait lock (sync.c) or alone, never the other way round, and
 * several are taken in the order of their ids (wv_nsync_lock_set), so no two processes
 * deadlock.  Nothing blocks while one is held.
 */
#ifndef WV_RUNTIME_NSYNC_H
#define WV_RUNTIME_NSYNC_H

#include "base/base.h"
#include "ob/ob.h"

struct wv_nsync;

/* The head of every event, mutex and semaphore (sync.c): ns is the shared state of a named
 * one (nothing else of a named object is used), NULL for an unnamed one. */
struct wv_sync_head {
    struct wv_object obj;
    struct wv_nsync *ns;
};

/* A waitable timer (timer.c): always shared state (a memfd when unnamed); handles counts its
 * handles, so a completion routine of a timer whose last handle closed is not run. */
struct wv_timer {
    struct wv_sync_head h;
    int handles; /* atomic */
};
/* An unnamed event, mutex, semaphore (sync.c and sync_ops.c; the state of the wait lock). */
struct wv_event {
    struct wv_sync_head h;
    bool manual, signalled;
    bool pulse_left; /* an auto-reset event's pulse not taken yet */
    uint32_t pulse;  /* PulseEvent's count: a wait begun before the last pulse is released by it */
};
struct wv_mutex {
    struct wv_sync_head h;
    DWORD owner;     /* thread id, 0 when free */
    uint64_t serial; /* the owner's thread object's serial; 0: it had none (no memory) */
    unsigned count;  /* recursion */
};
struct wv_semaphore {
    struct wv_sync_head h;
    LONG count, max;
};

/* The calling thread as a mutex owner: its id and its object's serial (make: the object made
 * if it has none yet; never under the wait lock).  sync.c. */
struct wv_who {
    DWORD tid;
    uint64_t serial;
};
struct wv_who wv_who_now(bool make);
bool wv_mutex_mine(const struct wv_mutex *m, const struct wv_who *me);
/* Whether m's owner ended without releasing it (wait lock held). */
bool wv_mutex_abandoned(const struct wv_mutex *m);

/* Changes an unnamed object's state under the wait lock and wakes every wait; ns gets the
 * object's shared state instead when it has one (looked at under the lock: an object can
 * become shared at any time, wv_sync_share), and the caller then changes that. */
#define WV_CHANGE(head, ns, stmt)                                                                \
    do {                                                                                       \
        pthread_mutex_lock(&wv_wait_lock);                                                     \
        if (!((ns) = (head)->ns)) {                                                            \
            stmt;                                                                              \
            pthread_cond_broadcast(&wv_wait_cond);                                             \
        }                                                                                      \
        pthread_mutex_unlock(&wv_wait_lock);                                                   \
    } while (0)

/* sync_ops.c: the cores of kernel32's and ntdll's calls on events, mutexes and semaphores, 0
 * or a Win32 error (ERROR_INVALID_HANDLE: not of the kind; ERROR_ACCESS_DENIED: a right
 * missing; ERROR_NOT_OWNER; ERROR_TOO_MANY_POSTS).  op: WV_EVENT_RESET, _SET or _PULSE;
 * was/prev (may be NULL) the state or count before. */
struct wv_sync_info;
struct wv_nsync_init;
enum { WV_EVENT_RESET, WV_EVENT_SET, WV_EVENT_PULSE };
DWORD wv_event_change(HANDLE h, int op, bool *was);
DWORD wv_mutex_release(HANDLE h, LONG *prev);
DWORD wv_semaphore_release(HANDLE h, LONG n, LONG *prev);
/* The state of h's object of kind (needs its QUERY_STATE right). */
DWORD wv_sync_query(HANDLE h, int kind, struct wv_sync_info *out);
/* A new object of kind (event, mutex, semaphore, timer) with access (generic rights mapped),
 * or the named one (ERROR_ALREADY_EXISTS set); NULL with the last error set. */
HANDLE wv_sync_create(int kind, LPCSTR name, const struct wv_nsync_init *in, DWORD access);
/* Signals h's object as SignalObjectAndWait does (SetEvent, ReleaseMutex, ReleaseSemaphore
 * by 1): 0, the call's error, or ERROR_INVALID_HANDLE for an object that cannot be. */
DWORD wv_sync_signal(HANDLE h);

/* ntdll_sync.c: the status of a core's error on h (ERROR_INVALID_HANDLE on a handle to
 * another kind of object: STATUS_OBJECT_TYPE_MISMATCH, as Windows' object manager answers);
 * the Create (in: the new object's state) or Open (in NULL) of an NT call: oa's name read,
 * *out the handle, or the status (NAME_EXISTS, NAME_COLLISION, NAME_NOT_FOUND, TYPE_MISMATCH). */
struct _OBJECT_ATTRIBUTES;
LONG wv_nt_sync_status(DWORD err, HANDLE h);
LONG wv_nt_sync_make(HANDLE *out, DWORD access, const struct _OBJECT_ATTRIBUTES *oa, int kind,
                     const struct wv_nsync_init *in);

/* A zeroed head for an object of kind (a struct wv_timer for a timer), or NULL. */
struct wv_sync_head *wv_sync_head_new(int kind);

/* The initial state a Create gives a new object (ignored when the name exists). */
struct wv_nsync_init {
    bool manual, signalled; /* events */
    bool owned;             /* mutexes: owned by the calling thread */
    LONG count, max;        /* semaphores */
    uint32_t pulse;         /* events: the PulseEvent count so far ... */
    bool pulse_left;        /* ... and a pulse not taken yet */
    DWORD owner;            /* mutexes: an owner thread of this process (0: none) ... */
    unsigned recursion;     /* ... and its count */
};

/* The object named name (kind: WV_KIND_EVENT/MUTEX/SEMAPHORE): opened, or made from init when
 * init is not NULL and the name is absent (*existed tells).  0 or ERROR_FILE_NOT_FOUND (Open
 * of a missing name), ERROR_INVALID_HANDLE (a name of another kind), ERROR_INVALID_NAME,
 * ERROR_ACCESS_DENIED (no private namespace), ERROR_NOT_ENOUGH_MEMORY. */
DWORD wv_nsync_get(int kind, LPCSTR name, const struct wv_nsync_init *init, struct wv_nsync **out, bool *existed);
/* An unnamed object whose state lives in an anonymous shared file (memfd), so another process
 * can get it (DuplicateHandle, inheritance): made from init; or adopted from such a file's
 * descriptor (dup'ed; checked to be of kind).  0 or ERROR_INVALID_HANDLE / out of memory. */
DWORD wv_nsync_anon(int kind, const struct wv_nsync_init *init, struct wv_nsync **out);
DWORD wv_nsync_adopt(int fd, int kind, struct wv_nsync **out);
/* The object's shared file (named or not): what goes to another process. */
int wv_nsync_fd(const struct wv_nsync *ns);
/* At the last handle: unmaps, and the name goes when no process holds it any more. */
void wv_nsync_put(struct wv_nsync *ns);

/* Locks (or unlocks) the distinct objects among ns[0..n) (NULL entries skipped) in id order. */
void wv_nsync_lock_set(struct wv_nsync **ns, size_t n);
void wv_nsync_unlock_set(struct wv_nsync **ns, size_t n);

/* With the object's lock held: whether a wait by this thread would be satisfied now; taking
 * what it consumes (WAIT_ABANDONED when it takes a mutex whose owner ended, else 0). */
/* seen: an event's pulse count when the wait began (a later PulseEvent releases it). */
bool wv_nsync_ready(struct wv_nsync *ns, uint32_t seen);
DWORD wv_nsync_acquire(struct wv_nsync *ns, uint32_t seen);

/* The operations (each takes the object's lock and wakes its waiters): 0 or a Win32 error. */
/* was (may be NULL): an event's state before; prev: a mutex's count before (NtReleaseMutant's:
 * 1 - recursion, so 0 for the last release). */
DWORD wv_nsync_event_set(struct wv_nsync *ns, bool on, bool *was);
DWORD wv_nsync_mutex_release(struct wv_nsync *ns, LONG *prev);
/* PulseEvent: the waits begun before it are released (all, or one for auto-reset), reset. */
DWORD wv_nsync_event_pulse(struct wv_nsync *ns, bool *was);
/* An event's pulse count now. */
uint32_t wv_nsync_pulse(struct wv_nsync *ns);
DWORD wv_nsync_semaphore_release(struct wv_nsync *ns, LONG n, LONG *previous);

/* An event's, mutex's or semaphore's state as NtQueryEvent/Mutant/Semaphore report it: an
 * event's type and state; a mutex's count (1 free, 1 - recursion when owned), whether the
 * calling thread owns it, whether its owner ended without releasing it (count 1 then); a
 * semaphore's count and maximum. */
struct wv_sync_info {
    bool manual, signalled;
    LONG count, max;
    bool mine, abandoned;
};
DWORD wv_nsync_query(struct wv_nsync *ns, struct wv_sync_info *out);

/* ---- timers (nsync.c): the due time is CLOCK_MONOTONIC ns (one clock for every process of
 * the machine), 0 when not armed; the signalled state is computed by whoever looks next (a
 * wait, a query, a completion routine's poll), so no thread runs for a timer. ---- */
/* CLOCK_MONOTONIC now, in ns; and now as a FILETIME (100 ns units since 1601, system time). */
int64_t wv_mono_ns(void);
int64_t wv_filetime_now(void);
/* Arms the timer: unsignalled, due at due (mono ns; at or before now: due at once), period ns
 * (0: once); *was its signalled state before; *serial the new setting's number (a completion
 * routine of an older setting is not run). */
DWORD wv_nsync_timer_set(struct wv_nsync *ns, int64_t due, int64_t period, bool *was, uint32_t *serial,
                         uint32_t *fires);
/* Disarms it (the signalled state stays): *now its state. */
DWORD wv_nsync_timer_cancel(struct wv_nsync *ns, bool *now);
/* Its state and the time left (100 ns units, 0 when not armed). */
DWORD wv_nsync_timer_query(struct wv_nsync *ns, int64_t *left, bool *signalled);
/* For a completion routine of setting serial (fires: the expiries it saw): true when it
 * expired since (*fires updated, *ft the FILETIME of that expiry); *gone when the setting
 * is over (re-set, cancelled, or a one-shot timer past its expiry). */
bool wv_nsync_timer_fired(struct wv_nsync *ns, uint32_t serial, uint32_t *fires, int64_t *ft, bool *gone);
/* Milliseconds until the timer's next expiry (rounded up), INFINITE when not armed or not a
 * timer: how long a wait on it may sleep before it looks again. */
DWORD wv_nsync_timer_ms(struct wv_nsync *ns);

/* The object's change counter, and a sleep until it differs from seq (at most ms). */
uint32_t wv_nsync_seq(struct wv_nsync *ns);
void wv_nsync_sleep(struct wv_nsync *ns, uint32_t seq, DWORD ms);

/* sync.c: h (NULL: out of memory) behind a new handle with access, the thread's last error
 * set to error (ERROR_ALREADY_EXISTS or 0); on failure h is freed. */
HANDLE wv_sync_handle(struct wv_sync_head *h, int kind, DWORD access, DWORD error);
/* sync.c: makes the unnamed event, mutex or semaphore o shareable with other processes, once
 * (its state moved, under the wait lock, into an anonymous shared file: every later call and
 * wait uses that); *fd a descriptor of the shared file for the caller to close.  0 or error. */
DWORD wv_sync_share(struct wv_object *o, int *fd);
/* sync.c: a handle with access to the shared object of kind in fd (dup'ed), or NULL with the
 * last error set. */
HANDLE wv_sync_adopt(int kind, int fd, DWORD access);
/* nsync_api.c: Windows' generic-rights mapping of kind; the Open of a named object (name
 * NULL: ERROR_INVALID_PARAMETER), NULL with the last error set. */
DWORD wv_sync_access(int kind, DWORD access);
HANDLE wv_sync_open(int kind, DWORD access, LPCSTR name);
/* timer.c: counts a timer's handles (struct wv_timer). */
void wv_timer_on_handle(struct wv_object *o, int delta);
/* timer.c: the cores of the timer calls (kernel32's and ntdll's): 0 or a Win32 error
 * (ERROR_INVALID_HANDLE: not a timer; ERROR_ACCESS_DENIED: the handle lacks TIMER_MODIFY_STATE
 * or TIMER_QUERY_STATE; ERROR_INVALID_PARAMETER: a negative period).  Set: due as Windows
 * takes it, fn(arg) the completion routine (pe: ms_abi) for the calling thread, *was the
 * state before; cancel: *now the state; query: 100 ns units left and the state. */
DWORD wv_timer_set(HANDLE h, LONGLONG due, LONG period, void *fn, void *arg, bool pe, bool *was);
DWORD wv_timer_cancel(HANDLE h, bool *now);
DWORD wv_timer_query(HANDLE h, int64_t *left, bool *signalled);
/* A new timer (or the named one: ERROR_ALREADY_EXISTS set), NULL with the last error set. */
HANDLE wv_timer_create(LPCSTR name, bool manual, DWORD access);
/* SetWaitableTimer(Ex)'s body (pe: fn is ms_abi). */
BOOL wv_timer_set_api(HANDLE h, const LARGE_INTEGER *due, LONG period, void *fn, void *arg, bool pe, bool resume);
/* timer_apc.c: an entry for the calling thread's list (its thread object made first), NULL
 * without memory; then fn(arg) to run on the calling thread when setting serial of tm
 * expires (e taken; it cannot fail, so a set that made its entry first is never half done). */
struct wv_timer_apc;
struct wv_timer_apc *wv_timer_apc_new(void);
void wv_timer_apc_add(struct wv_timer_apc *e, struct wv_timer *tm, void *fn, void *arg, bool pe, uint32_t serial,
                      uint32_t fires);
/* nsync_api.c: the Create of a named object (init: its state if the name is new). */
HANDLE wv_sync_named(int kind, LPCSTR name, const struct wv_nsync_init *init, DWORD access);

#endif
