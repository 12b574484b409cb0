/* SPDX-License-Identifier: MIT */
/* thread_kill.c - TerminateThread of any thread of the process, safe against winvm's locks.
 *
 * Windows stops the target wherever it is.  winvm cannot: a thread stopped for good inside
 * winvm's own code may hold the space lock, the loader lock, the wait lock, malloc's lock, and
 * every later call of the process would wait for it.  So the target ends only at a safe point,
 * where it holds none of them:
 *
 *  - in PE code: the reaper parks it (the suspension signal, thread_ctl.c), and when its
 *    registers show an instruction outside every host object's code (winvm, libc, ...) and it
 *    does not hold the loader lock (DllMain runs under it), points them at wv_thread_killed,
 *    which unwinds the thread to its start (wv_thread_exit) once the signal handler returns;
 *  - in a wait (WaitFor*, SleepEx, Sleep, EnterCriticalSection): the wait sees the request,
 *    lets go of what it holds and ends the thread (wv_thread_kill_point).
 *
 * Elsewhere in winvm the reaper lets it run on and looks again (1 ms, then up to 8 ms apart):
 * a thread looping in VirtualAlloc spends part of each turn in PE code.  TerminateThread
 * returns at once, as on Windows (the end is asynchronous: wait on the handle); the thread's
 * handle is signalled and GetExitCodeThread returns the code when it has ended.  Its
 * suspensions do not keep it: a suspended thread is terminated too.  As on Windows the DLLs
 * get no DLL_THREAD_DETACH (its static TLS blocks stay allocated, as its DllMains never ran),
 * no handler or destructor of the thread runs, and locks PE code held (critical sections) stay
 * held; winvm frees its stack and TEB.  A thread blocked in a host call that does not return
 * (a read of a pipe nobody writes) ends when that call returns.
 */
#define _GNU_SOURCE
#include "runtime/thread_int.h"
#include "seh/seh.h"

#include <link.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- where host code is: the executable segments of every loaded ELF object ---- */

#define WV_HOST_RANGES 256

struct wv_host_text {
    unsigned n;
    uintptr_t lo[WV_HOST_RANGES], hi[WV_HOST_RANGES];
};

static int wv_host_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct wv_host_text *h = arg;
    for (int i = 0; i < info->dlpi_phnum && h->n < WV_HOST_RANGES; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        if (p->p_type == PT_LOAD && (p->p_flags & PF_X)) {
            h->lo[h->n] = info->dlpi_addr + p->p_vaddr;
            h->hi[h->n] = h->lo[h->n] + p->p_memsz;
            h->n++;
        }
    }
    return 0;
}

/* Read while no thread is parked: dl_iterate_phdr takes the dynamic linker's lock. */
void wv_host_text_read(struct wv_host_text *h)
{
    h->n = 0;
    dl_iterate_phdr(wv_host_object, h);
}

struct wv_host_text *wv_host_text_new(void) { return malloc(sizeof(struct wv_host_text)); }

static bool wv_host_code(const struct wv_host_text *h, uintptr_t pc)
{
    for (unsigned i = 0; i < h->n; i++)
        if (pc >= h->lo[i] && pc < h->hi[i])
            return true;
    return h->n == WV_HOST_RANGES; /* a table too small: never guess that code is PE code */
}

/* ---- the end of a terminated thread ---- */

/* Where a parked thread in PE code resumes: its registers are abandoned, no lock is held. */
static __attribute__((noreturn, used)) void wv_thread_killed(void)
{
    struct wv_thread *t = wv_thread_peek();
    wv_thread_exit(t ? t->kill_code : 0);
}

bool wv_thread_kill_pending(void)
{
    struct wv_thread *t = wv_thread_peek();
    return t && __atomic_load_n(&t->kill, __ATOMIC_ACQUIRE);
}

void wv_thread_kill_point(void)
{
    if (wv_thread_kill_pending())
        wv_thread_killed();
}

/* The glibc mutex records its owner's thread id (a recursive mutex needs it). */
static bool wv_holds_loader_lock(const struct wv_thread *t)
{
    return __atomic_load_n(&wv_loader_lock.__data.__owner, __ATOMIC_ACQUIRE) == (int)t->tid;
}

bool wv_thread_safe_at(const struct wv_thread *t, const struct wv_host_text *h, uintptr_t pc)
{
    return !wv_host_code(h, pc) && !wv_holds_loader_lock(t);
}

bool wv_thread_parked_safe(struct wv_thread *t, const struct wv_host_text *h)
{
    if (!__atomic_load_n(&t->parked, __ATOMIC_ACQUIRE) || !t->uc)
        return false;
    return wv_thread_safe_at(t, h, (uintptr_t)t->uc->uc_mcontext.gregs[REG_RIP]);
}

/* One look at the parked thread: true when it was sent to its end. */
static bool wv_kill_parked(struct wv_thread *t, const struct wv_host_text *h)
{
    if (!wv_thread_parked_safe(t, h))
        return false;
    greg_t *g = t->uc->uc_mcontext.gregs;
    /* Below the red zone, 16-byte aligned as at a function's entry after its call. */
    uintptr_t sp = (((uintptr_t)g[REG_RSP] - 256) & ~(uintptr_t)15) - 8;
    g[REG_RSP] = (greg_t)sp;
    g[REG_RIP] = (greg_t)(uintptr_t)wv_thread_killed;
    return true;
}

static void wv_nap(long ms)
{
    struct timespec ts = {0, ms * 1000000};
    nanosleep(&ts, NULL);
}

/* Wakes the thread's waits so they see the request. */
static void wv_kill_wake(void)
{
    pthread_mutex_lock(&wv_wait_lock);
    pthread_cond_broadcast(&wv_wait_cond);
    pthread_mutex_unlock(&wv_wait_lock);
}

/* The reaper: looks at the thread until it is sent to its end or has ended by itself. */
static void *wv_reaper(void *arg)
{
    struct wv_thread *t = arg;
    struct wv_host_text *h = wv_host_text_new();
    long nap = 1;
    while (h && !__atomic_load_n(&t->done, __ATOMIC_ACQUIRE)) {
        wv_host_text_read(h); /* a library loaded since is host code too */
        wv_kill_wake();
        bool sent = false;
        if (wv_thread_park(t) == 0) { /* parked, or it has ended */
            sigset_t old;
            wv_thread_lock(t, &old);
            sent = wv_kill_parked(t, h);
            wv_thread_unlock(t, &old);
            wv_thread_unpark(t);
        }
        if (sent)
            break;
        wv_nap(nap);
        nap = nap < 8 ? 2 * nap : 8;
    }
    free(h);
    wv_object_unref(&t->obj);
    return NULL;
}

/* ---- TerminateThread ---- */

/* Marks the request (the first code wins) and lifts its suspensions: 0, or the error. */
static DWORD wv_kill_mark(struct wv_thread *t, DWORD code, bool *started)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    DWORD err = 0;
    if (__atomic_load_n(&t->done, __ATOMIC_ACQUIRE))
        err = 0; /* ended already: Windows succeeds and the code stays */
    else if (!__atomic_load_n(&t->kill, __ATOMIC_ACQUIRE)) {
        t->kill_code = code;
        __atomic_store_n(&t->kill, 1, __ATOMIC_RELEASE);
        *started = t->running;
        wv_thread_unsuspend_all(t); /* a suspended thread is terminated too */
    }
    wv_thread_unlock(t, &old);
    return err;
}

static BOOL wv_terminate(struct wv_thread *t, DWORD code)
{
    if (t->tid == wv_tid()) {
        t->kill_code = code;
        __atomic_store_n(&t->kill, 1, __ATOMIC_RELEASE);
        wv_object_unref(&t->obj);
        wv_thread_exit(code); /* its own: now, with no DLL_THREAD_DETACH */
    }
    if (!t->start && t->tid != (DWORD)getpid()) {
        wv_object_unref(&t->obj); /* a Linux thread of the host program: not winvm's to end */
        return wv_fail(ERROR_ACCESS_DENIED);
    }
    bool started = false;
    wv_kill_mark(t, code, &started);
    if (!started) { /* not yet past its start: it sees the request there */
        wv_object_unref(&t->obj);
        return TRUE;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t pt;
    int rc = pthread_create(&pt, &attr, wv_reaper, t); /* it takes the reference */
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        wv_kill_wake(); /* its waits still see the request */
        wv_object_unref(&t->obj);
    }
    return TRUE;
}

/* ExitProcess's and NtTerminateProcess(NULL)'s step: every other thread of the process (but
 * winvm's service threads, idle in host waits, and a host program's Linux threads)
 * terminated with code, as TerminateThread, then waited for until each has ended or ms have
 * passed (one that stays in winvm's code, or holds the loader lock in PE code, is not waited
 * for longer: the process ends around it). */
void wv_thread_end_others(DWORD code, unsigned ms)
{
    size_t cap = 1024;
    struct wv_thread **all = malloc(cap * sizeof(*all));
    size_t n = all ? wv_thread_snapshot(all, cap) : 0;
    for (size_t i = 0; i < n; i++) {
        struct wv_thread *t = all[i];
        if (t->tid == wv_tid() || t->service || (!t->start && t->tid != (DWORD)getpid())) {
            wv_object_unref(&t->obj), all[i] = NULL;
            continue;
        }
        wv_object_ref(&t->obj); /* wv_terminate takes one; this one is for the wait */
        wv_terminate(t, code);
    }
    struct timespec end;
    clock_gettime(CLOCK_REALTIME, &end); /* the wait condition's clock */
    end.tv_sec += ms / 1000, end.tv_nsec += (long)(ms % 1000) * 1000000;
    if (end.tv_nsec >= 1000000000)
        end.tv_sec++, end.tv_nsec -= 1000000000;
    for (size_t i = 0; i < n; i++) {
        struct wv_thread *t = all[i];
        if (!t)
            continue;
        pthread_mutex_lock(&wv_wait_lock);
        while (!t->done && pthread_cond_timedwait(&wv_wait_cond, &wv_wait_lock, &end) == 0)
            ;
        pthread_mutex_unlock(&wv_wait_lock);
        wv_object_unref(&t->obj);
    }
    free(all);
}

BOOL WINAPI TerminateThread(HANDLE h, DWORD code)
{
    DWORD ok, err;
    if (wv_rthread_call(h, WV_RT_TERMINATE, code, &ok, &err)) /* another process's thread */
        return err ? wv_fail(err) : TRUE;
    struct wv_thread *t = wv_thread_ref(h, THREAD_TERMINATE);
    if (!t)
        return FALSE;
    return wv_terminate(t, code);
}
