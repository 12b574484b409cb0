/* SPDX-License-Identifier: MIT */
/* nsync.c - named events, mutexes and semaphores across the processes of one user.
 *
 * A name is a file of the per-user namespace (ob/namespace.c: a verified 0700 directory, so
 * nothing another user made is ever opened, mapped or waited on), shared with named sections
 * (one namespace for every kind, as Windows: each file starts with its kind's magic).  The
 * file holds the object's whole state, mapped MAP_SHARED by every process that has a handle:
 *  - a robust process-shared pthread mutex guards the state; a process killed while holding
 *    it only makes the next locker see EOWNERDEAD (the state is consistent: every change is
 *    one store of a field or two under the lock);
 *  - seq, a futex word bumped (and woken, without FUTEX_PRIVATE_FLAG: the wake reaches other
 *    processes) at every change; a waiter reads it before looking at the state and sleeps on
 *    it, so no change is missed;
 *  - a mutex's owner is the Linux pid and tid (GetCurrentThreadId) of the owning thread; a
 *    waiter that finds the owner gone (tgkill(pid, tid, 0): ESRCH) takes the mutex and gets
 *    WAIT_ABANDONED.  A dead owner cannot wake anyone, so waits on a named object sleep in
 *    slices (WV_NSYNC_SLICE_MS) and look again.
 */
#define _GNU_SOURCE
#include "runtime/nsync.h"
#include "host/host.h"
#include "ob/ob.h"
#include "section/section.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WV_NSYNC_SLICE_MS 50 /* how late a dead mutex owner is noticed at most */

static const uint32_t wv_nsync_magic[] = {
    [WV_KIND_EVENT] = 0x76657677u,     /* "wvev" */
    [WV_KIND_MUTEX] = 0x786d7677u,     /* "wvmx" */
    [WV_KIND_SEMAPHORE] = 0x6d737677u, /* "wvsm" */
    [WV_KIND_TIMER] = 0x6d747677u,     /* "wvtm" */
};

/* The shared file's content. */
struct wv_nshared {
    uint32_t magic, size;
    uint64_t id; /* random: the order in which several objects' locks are taken */
    pthread_mutex_t lock;
    uint32_t seq;
    int32_t manual, signalled;                /* events */
    int32_t owner_pid, owner_tid, recursion;  /* mutexes: pid 0 when free */
    int32_t count, max;                       /* semaphores */
    uint32_t pulse;                           /* events: PulseEvent's count (sync.c) */
    int32_t pulse_left;                       /* an auto-reset event's pulse not taken yet */
    int64_t due;      /* timers: the next expiry (CLOCK_MONOTONIC ns), 0 when not armed */
    int64_t period;   /* timers: ns between expiries, 0 for one */
    int64_t fired_ft; /* timers: the last expiry as a FILETIME (its completion routine's) */
    uint32_t fires;   /* timers: expiries so far (a routine's poll compares) */
    uint32_t serial;  /* timers: settings so far (Set and Cancel end a routine's setting) */
};

struct wv_nsync {
    struct wv_nshared *s;
    int fd, kind;
};

static int wv_nsync_lock(struct wv_nshared *s)
{
    int r = pthread_mutex_lock(&s->lock);
    if (r == EOWNERDEAD)
        r = pthread_mutex_consistent(&s->lock); /* a process died in the middle: state is whole */
    return r;
}

static void wv_nsync_unlock(struct wv_nshared *s) { pthread_mutex_unlock(&s->lock); }

/* Bumps the change counter and wakes every sleeper of every process.  Lock held. */
static void wv_nsync_changed(struct wv_nshared *s)
{
    __atomic_add_fetch(&s->seq, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &s->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* A new object's state in the fresh file fd. */
static DWORD wv_nsync_init_file(int fd, int kind, const struct wv_nsync_init *in)
{
    struct wv_nshared *s;
    if (ftruncate(fd, sizeof(*s)) != 0)
        return ERROR_NOT_ENOUGH_MEMORY;
    s = wv_file_map_shared(fd, 0, sizeof(*s));
    if (!s)
        return ERROR_NOT_ENOUGH_MEMORY;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&s->lock, &a);
    pthread_mutexattr_destroy(&a);
    if (getrandom(&s->id, sizeof(s->id), 0) != sizeof(s->id))
        s->id = (uint64_t)(uintptr_t)s ^ ((uint64_t)getpid() << 32);
    s->size = sizeof(*s);
    s->manual = in->manual, s->signalled = in->signalled;
    if (in->owned)
        s->owner_pid = getpid(), s->owner_tid = (int32_t)wv_tid(), s->recursion = 1;
    if (in->owner) /* an unnamed mutex made shareable: its owner thread of this process */
        s->owner_pid = getpid(), s->owner_tid = (int32_t)in->owner, s->recursion = (int32_t)in->recursion;
    s->count = in->count, s->max = in->max;
    s->pulse = in->pulse, s->pulse_left = in->pulse_left;
    __atomic_store_n(&s->magic, wv_nsync_magic[kind], __ATOMIC_RELEASE); /* complete now */
    wv_os_unmap((uintptr_t)s, sizeof(*s));
    return 0;
}

/* Maps the object at fd if it is of this kind.  0, ERROR_INVALID_HANDLE or out of memory. */
static DWORD wv_nsync_map(int fd, int kind, struct wv_nshared **out)
{
    uint32_t hd[2];
    struct stat st;
    if (pread(fd, hd, sizeof(hd), 0) != sizeof(hd) || hd[0] != wv_nsync_magic[kind] ||
        hd[1] != sizeof(struct wv_nshared) || fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(**out))
        return ERROR_INVALID_HANDLE; /* a name of another kind (a section's, ...) */
    void *p = wv_file_map_shared(fd, 0, sizeof(**out));
    if (!p)
        return ERROR_NOT_ENOUGH_MEMORY;
    *out = p;
    return 0;
}

/* Under the namespace lock lk: the name's file, opened or made. */
static DWORD wv_nsync_find(int lk, int kind, const char *path, const struct wv_nsync_init *init, int *fd,
                           bool *existed)
{
    *fd = wv_ns_open(lk, path);
    *existed = *fd >= 0;
    if (*fd >= 0)
        return 0;
    if (errno != ENOENT)
        return ERROR_ACCESS_DENIED;
    if (!init)
        return ERROR_FILE_NOT_FOUND;
    *fd = wv_ns_create(lk, path);
    if (*fd < 0)
        return ERROR_ACCESS_DENIED;
    return wv_nsync_init_file(*fd, kind, init);
}

DWORD wv_nsync_get(int kind, LPCSTR name, const struct wv_nsync_init *init, struct wv_nsync **out, bool *existed)
{
    char path[64 + 2 * 260 + 8];
    DWORD err = wv_section_name_path(name, path, sizeof(path));
    if (err)
        return err;
    struct wv_nsync *ns = calloc(1, sizeof(*ns));
    if (!ns)
        return ERROR_NOT_ENOUGH_MEMORY;
    int lk = wv_ns_lock(), fd = -1;
    err = lk < 0 ? ERROR_ACCESS_DENIED : wv_nsync_find(lk, kind, path, init, &fd, existed);
    if (!err)
        err = wv_nsync_map(fd, kind, &ns->s);
    if (err && fd >= 0)
        wv_ns_release(lk, fd), close(fd);
    wv_ns_unlock(lk);
    if (err)
        return free(ns), err;
    ns->fd = fd, ns->kind = kind;
    *out = ns;
    return 0;
}

/* ---- unnamed objects shared with other processes (docs/processes.md) ---- */

DWORD wv_nsync_anon(int kind, const struct wv_nsync_init *init, struct wv_nsync **out)
{
    int fd = memfd_create("winvm-sync", MFD_CLOEXEC);
    if (fd < 0)
        return ERROR_NOT_ENOUGH_MEMORY;
    DWORD err = wv_nsync_init_file(fd, kind, init);
    if (!err)
        err = wv_nsync_adopt(fd, kind, out);
    close(fd);
    return err;
}

DWORD wv_nsync_adopt(int fd, int kind, struct wv_nsync **out)
{
    struct wv_nsync *ns = calloc(1, sizeof(*ns));
    if (!ns)
        return ERROR_NOT_ENOUGH_MEMORY;
    ns->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    DWORD err = ns->fd < 0 ? ERROR_NOT_ENOUGH_MEMORY : wv_nsync_map(ns->fd, kind, &ns->s);
    if (err) {
        if (ns->fd >= 0)
            close(ns->fd);
        free(ns);
        return err;
    }
    ns->kind = kind;
    *out = ns;
    return 0;
}

int wv_nsync_fd(const struct wv_nsync *ns) { return ns->fd; }

void wv_nsync_put(struct wv_nsync *ns)
{
    wv_os_unmap((uintptr_t)ns->s, sizeof(*ns->s));
    wv_ns_release(-1, ns->fd);
    close(ns->fd);
    free(ns);
}

/* ---- several objects at once ---- */

/* The distinct objects of ns (by id, as two handles of one name map it twice), sorted. */
static size_t wv_nsync_order(struct wv_nsync **ns, size_t n, struct wv_nshared **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ns[i])
            continue;
        struct wv_nshared *s = ns[i]->s;
        size_t j = 0;
        while (j < k && out[j]->id < s->id)
            j++;
        if (j < k && out[j]->id == s->id)
            continue;
        for (size_t m = k; m > j; m--)
            out[m] = out[m - 1];
        out[j] = s, k++;
    }
    return k;
}

void wv_nsync_lock_set(struct wv_nsync **ns, size_t n)
{
    struct wv_nshared *s[64];
    size_t k = wv_nsync_order(ns, n < 64 ? n : 64, s);
    for (size_t i = 0; i < k; i++)
        wv_nsync_lock(s[i]);
}

void wv_nsync_unlock_set(struct wv_nsync **ns, size_t n)
{
    struct wv_nshared *s[64];
    size_t k = wv_nsync_order(ns, n < 64 ? n : 64, s);
    while (k)
        wv_nsync_unlock(s[--k]);
}

/* ---- state ---- */

int64_t wv_mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int64_t wv_filetime_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 10000000 + t.tv_nsec / 100 + 116444736000000000LL;
}

/* A timer whose due time passed expires now (lock held): signalled, its expiry counted and
 * dated, re-armed a whole number of periods later (expiries missed meanwhile are one, as a
 * Windows timer's APC is queued once) or disarmed. */
static void wv_nsync_tick(struct wv_nshared *s)
{
    int64_t now = wv_mono_ns();
    if (!s->due || now < s->due)
        return;
    s->signalled = 1;
    s->fires++;
    s->fired_ft = wv_filetime_now() - (now - s->due) / 100;
    if (s->period > 0)
        s->due += ((now - s->due) / s->period + 1) * s->period;
    else
        s->due = 0;
}

/* Whether the mutex's owner thread has ended (its process too, or only it). */
static bool wv_nsync_owner_gone(const struct wv_nshared *s)
{
    return syscall(SYS_tgkill, s->owner_pid, s->owner_tid, 0) != 0 && errno == ESRCH;
}

static bool wv_nsync_mine(const struct wv_nshared *s)
{
    return s->owner_pid == getpid() && s->owner_tid == (int32_t)wv_tid();
}

bool wv_nsync_ready(struct wv_nsync *ns, uint32_t seen)
{
    struct wv_nshared *s = ns->s;
    switch (ns->kind) {
    case WV_KIND_EVENT: return s->signalled || (s->pulse != seen && (s->manual || s->pulse_left));
    case WV_KIND_MUTEX: return !s->owner_pid || wv_nsync_mine(s) || wv_nsync_owner_gone(s);
    case WV_KIND_SEMAPHORE: return s->count > 0;
    case WV_KIND_TIMER: return wv_nsync_tick(s), s->signalled;
    default: return false;
    }
}

DWORD wv_nsync_acquire(struct wv_nsync *ns, uint32_t seen)
{
    struct wv_nshared *s = ns->s;
    DWORD r = 0;
    (void)seen;
    if (ns->kind == WV_KIND_EVENT) {
        if (!s->signalled)
            s->pulse_left = 0; /* released by a pulse: one wait for an auto-reset event */
        else if (!s->manual)
            s->signalled = 0;
    } else if (ns->kind == WV_KIND_MUTEX) {
        if (s->owner_pid && !wv_nsync_mine(s))
            s->recursion = 0, r = WAIT_ABANDONED; /* its owner ended without releasing it */
        s->owner_pid = getpid(), s->owner_tid = (int32_t)wv_tid(), s->recursion++;
    } else if (ns->kind == WV_KIND_SEMAPHORE) {
        s->count--;
    } else if (ns->kind == WV_KIND_TIMER && !s->manual) {
        s->signalled = 0; /* a synchronization timer releases one wait */
    }
    wv_nsync_changed(s);
    return r;
}

DWORD wv_nsync_event_set(struct wv_nsync *ns, bool on, bool *was)
{
    if (wv_nsync_lock(ns->s) != 0)
        return ERROR_INVALID_HANDLE;
    if (was)
        *was = ns->s->signalled;
    ns->s->signalled = on;
    wv_nsync_changed(ns->s);
    wv_nsync_unlock(ns->s);
    return 0;
}

DWORD wv_nsync_event_pulse(struct wv_nsync *ns, bool *was)
{
    struct wv_nshared *s = ns->s;
    if (wv_nsync_lock(s) != 0)
        return ERROR_INVALID_HANDLE;
    if (was)
        *was = s->signalled;
    s->signalled = 0;
    s->pulse_left = !s->manual;
    __atomic_add_fetch(&s->pulse, 1, __ATOMIC_RELEASE);
    wv_nsync_changed(s);
    wv_nsync_unlock(s);
    return 0;
}

uint32_t wv_nsync_pulse(struct wv_nsync *ns) { return __atomic_load_n(&ns->s->pulse, __ATOMIC_ACQUIRE); }

DWORD wv_nsync_mutex_release(struct wv_nsync *ns, LONG *prev)
{
    struct wv_nshared *s = ns->s;
    if (wv_nsync_lock(s) != 0)
        return ERROR_INVALID_HANDLE;
    DWORD err = 0;
    if (prev)
        *prev = 1 - s->recursion;
    if (!s->owner_pid || !wv_nsync_mine(s))
        err = ERROR_NOT_OWNER;
    else if (--s->recursion == 0)
        s->owner_pid = s->owner_tid = 0;
    wv_nsync_changed(s);
    wv_nsync_unlock(s);
    return err;
}

DWORD wv_nsync_semaphore_release(struct wv_nsync *ns, LONG n, LONG *previous)
{
    struct wv_nshared *s = ns->s;
    if (wv_nsync_lock(s) != 0)
        return ERROR_INVALID_HANDLE;
    DWORD err = 0;
    *previous = s->count;
    if (n <= 0)
        err = ERROR_INVALID_PARAMETER;
    else if (n > s->max - s->count)
        err = ERROR_TOO_MANY_POSTS;
    else
        s->count += n;
    wv_nsync_changed(s);
    wv_nsync_unlock(s);
    return err;
}

DWORD wv_nsync_query(struct wv_nsync *ns, struct wv_sync_info *out)
{
    struct wv_nshared *s = ns->s;
    if (wv_nsync_lock(s) != 0)
        return ERROR_INVALID_HANDLE;
    bool owned = s->owner_pid != 0, gone = owned && !wv_nsync_mine(s) && wv_nsync_owner_gone(s);
    *out = (struct wv_sync_info){.manual = s->manual, .signalled = s->signalled, .count = s->count, .max = s->max};
    if (ns->kind == WV_KIND_MUTEX) {
        out->count = owned && !gone ? 1 - s->recursion : 1;
        out->mine = owned && wv_nsync_mine(s), out->abandoned = gone;
    }
    wv_nsync_unlock(s);
    return 0;
}

uint32_t wv_nsync_seq(struct wv_nsync *ns) { return __atomic_load_n(&ns->s->seq, __ATOMIC_ACQUIRE); }

void wv_nsync_sleep(struct wv_nsync *ns, uint32_t seq, DWORD ms)
{
    if (ms > WV_NSYNC_SLICE_MS)
        ms = WV_NSYNC_SLICE_MS;
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};
    syscall(SYS_futex, &ns->s->seq, FUTEX_WAIT, seq, &t, NULL, 0);
}

/* ---- timers ---- */

DWORD wv_nsync_timer_set(struct wv_nsync *ns, int64_t due, int64_t period, bool *was, uint32_t *serial,
                         uint32_t *fires)
{
    struct wv_nshared *s = ns->s;
    if (wv_nsync_lock(s) != 0)
        return ERROR_INVALID_HANDLE;
    wv_nsync_tick(s);
    *was = s->signalled != 0;
    s->signalled = 0;
    s->due = due > 0 ? due : 1; /* 0 means not armed: a time that long past is due at once */
    s->period = period;
    *serial = ++s->serial;
    *fires = s->fires;
    wv_nsync_changed(s); /* waits look again, with the new due time */
    wv_nsync_unlock(s);
    return 0;
}

DWORD wv_nsync_timer_cancel(struct wv_nsync *ns, bool *now)
{
    struct wv_nshared *s = ns->s;
    if (wv_nsync_lock(s) != 0)
        return ERROR_INVALID_HANDLE;
    wv_nsync_tick(s);
    s->due = 0;
    s->serial++;
    *now = s->signalled != 0;
    wv_nsync_changed(s);
    wv_nsync_unlock(s);
    return 0;
}

DWORD wv_nsync_timer_query(struct wv_nsync *ns, int64_t *left, bool *signalled)
{
    struct wv_nshared *s = ns->s;
    if (wv_nsync_lock(s) != 0)
        return ERROR_INVALID_HANDLE;
    wv_nsync_tick(s);
    int64_t now = wv_mono_ns();
    *left = s->due > now ? (s->due - now) / 100 : 0;
    *signalled = s->signalled != 0;
    wv_nsync_unlock(s);
    return 0;
}

bool wv_nsync_timer_fired(struct wv_nsync *ns, uint32_t serial, uint32_t *fires, int64_t *ft, bool *gone)
{
    struct wv_nshared *s = ns->s;
    *gone = true;
    if (wv_nsync_lock(s) != 0)
        return false;
    wv_nsync_tick(s);
    bool fired = false;
    if (s->serial == serial) {
        fired = s->fires != *fires;
        *fires = s->fires, *ft = s->fired_ft;
        *gone = s->due == 0;
    }
    wv_nsync_unlock(s);
    return fired;
}

DWORD wv_nsync_timer_ms(struct wv_nsync *ns)
{
    int64_t due = ns->kind == WV_KIND_TIMER ? __atomic_load_n(&ns->s->due, __ATOMIC_ACQUIRE) : 0;
    if (!due)
        return INFINITE;
    int64_t left = due - wv_mono_ns();
    return left <= 0 ? 0 : (DWORD)((left + 999999) / 1000000);
}
