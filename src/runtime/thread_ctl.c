/* SPDX-License-Identifier: MIT */
/* thread_ctl.c - SuspendThread, ResumeThread, GetThreadContext, SetThreadContext and OpenThread
 * (DuplicateHandle of GetCurrentThread's pseudo handle: ob/handle.c).
 *
 * Suspending a running thread sends it the parking signal (WV_PARK_SIGNAL, on the thread's
 * alternate stack); its handler sleeps on a futex while the suspend count is above zero, with
 * the thread's registers (the signal's ucontext) published in t->uc.  GetThreadContext reads
 * them there and SetThreadContext writes them there, so what is set is what the thread resumes
 * with when the handler returns.  A PE thread created suspended that never ran has its first
 * registers in t->init (thread_start.c); a host thread created so has none: its context calls
 * fail (ERROR_GEN_FAILURE) until it first runs.
 *
 * The counts are Windows': SuspendThread and ResumeThread return the previous count, a count
 * past MAXIMUM_SUSPEND_COUNT is refused (ERROR_SIGNAL_REFCOUNT_EXCEEDED), a thread that has
 * ended cannot be suspended (ERROR_ACCESS_DENIED).  SuspendThread returns once the thread is
 * parked, so a count it kept stops at once.
 */
#define _GNU_SOURCE
#include "runtime/thread_int.h"
#include "runtime/debug_int.h"
#include "runtime/ctx_ex.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <stddef.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WV_PARK_SIGNAL (SIGRTMIN + 2)

static void wv_futex_wait(int *w, int v, long ns)
{
    struct timespec ts = {0, ns};
    syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, ns ? &ts : NULL, NULL, 0);
}

static void wv_futex_wake(int *w) { syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0); }

static int wv_atomic(int *w) { return __atomic_load_n(w, __ATOMIC_ACQUIRE); }

/* Parks the thread while it is suspended; async-signal-safe (atomics and futexes only).  It
 * sleeps on the wake word, which every change that may let it go bumps (a resume, a hop), so
 * no change between its look and its sleep is missed. */
__attribute__((used)) static void wv_park(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si;
    struct wv_thread *t = wv_thread_peek();
    if (!t || wv_atomic(&t->suspend) == 0)
        return;
    int e = errno, w;
    t->uc = uc;
    __atomic_store_n(&t->parked, 1, __ATOMIC_RELEASE);
    wv_futex_wake(&t->parked);
    while ((w = wv_atomic(&t->wake)), wv_atomic(&t->suspend) > 0 && !wv_atomic(&t->hop))
        wv_futex_wait(&t->wake, w, 0);
    __atomic_store_n(&t->hop, 0, __ATOMIC_RELEASE);
    t->uc = NULL;
    __atomic_store_n(&t->parked, 0, __ATOMIC_RELEASE);
    wv_futex_wake(&t->parked);
    errno = e;
}

/* Lets a parked thread look again (its suspend count or hop changed). */
static void wv_park_wake(struct wv_thread *t)
{
    __atomic_add_fetch(&t->wake, 1, __ATOMIC_RELEASE);
    wv_futex_wake(&t->wake);
}

static bool wv_step(ucontext_t *uc);

/* Its entry: the fs and gs bases first (fault/seg.c), for a thread parked in PE code that
 * loaded a selector into fs or gs. */
void wv_park_entry(int sig, siginfo_t *si, void *uc);
WV_SIG_ENTRY("wv_park_entry", "wv_park");

static pthread_once_t wv_park_once = PTHREAD_ONCE_INIT;

static void wv_park_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = wv_park_entry;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&sa.sa_mask); /* nothing else runs on top of a parked thread */
    sigdelset(&sa.sa_mask, SIGSEGV), sigdelset(&sa.sa_mask, SIGBUS);
    sigaction(WV_PARK_SIGNAL, &sa, NULL);
    wv_fault_step_hook = wv_step;
}

void wv_thread_ctl_init(void) { pthread_once(&wv_park_once, wv_park_install); }

/* A thread parked while it holds a thread's lock would hang every later Suspend/ResumeThread
 * and Get/SetThreadContext of that thread (a thread suspended at its start, in
 * wv_thread_start_init, hung so): the parking signal stays blocked while one is held, and
 * parks the holder once it lets go. */
void wv_thread_lock(struct wv_thread *t, sigset_t *old)
{
    sigset_t park;
    sigemptyset(&park);
    sigaddset(&park, WV_PARK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &park, old);
    pthread_mutex_lock(&t->lock);
}

void wv_thread_unlock(struct wv_thread *t, const sigset_t *old)
{
    pthread_mutex_unlock(&t->lock);
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static bool wv_ended(struct wv_thread *t) { return __atomic_load_n(&t->done, __ATOMIC_ACQUIRE); }

static bool wv_killing(struct wv_thread *t) { return __atomic_load_n(&t->kill, __ATOMIC_ACQUIRE) != 0; }

/* SuspendThread's core: the previous count in *was; 0 or the error.  A thread being
 * terminated is parked by its reaper only (reaper: the caller is it). */
static DWORD wv_suspend_as(struct wv_thread *t, DWORD *was, bool reaper)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    int n = t->suspend;
    if (wv_ended(t) || (wv_killing(t) && !reaper)) {
        wv_thread_unlock(t, &old);
        return ERROR_ACCESS_DENIED;
    }
    if (n >= MAXIMUM_SUSPEND_COUNT) {
        wv_thread_unlock(t, &old);
        return ERROR_SIGNAL_REFCOUNT_EXCEEDED;
    }
    bool signal = n == 0 && t->running;
    while (signal && wv_atomic(&t->parked)) /* the last park is still leaving its handler */
        wv_futex_wait(&t->parked, 1, 1000000);
    __atomic_store_n(&t->suspend, n + 1, __ATOMIC_RELEASE);
    wv_thread_unlock(t, &old);
    *was = (DWORD)n;
    if (!signal)
        return 0;
    if (syscall(SYS_tgkill, getpid(), (pid_t)t->tid, WV_PARK_SIGNAL) != 0)
        return 0; /* it has just ended */
    while (!wv_atomic(&t->parked) && wv_atomic(&t->suspend) > 0 && !wv_ended(t))
        wv_futex_wait(&t->parked, 0, 1000000);
    return 0;
}

static DWORD wv_suspend(struct wv_thread *t, DWORD *was) { return wv_suspend_as(t, was, false); }

DWORD wv_thread_park(struct wv_thread *t)
{
    DWORD was;
    return wv_suspend_as(t, &was, true);
}

/* t->lock held. */
void wv_thread_unsuspend_all(struct wv_thread *t)
{
    __atomic_store_n(&t->suspend, 0, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&t->changed);
    wv_park_wake(t);
}

static DWORD wv_resume(struct wv_thread *t)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    int n = t->suspend;
    if (n > 0)
        __atomic_store_n(&t->suspend, n - 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&t->changed); /* a thread created suspended starts */
    wv_park_wake(t);
    wv_thread_unlock(t, &old);
    return (DWORD)n;
}

void wv_thread_unpark(struct wv_thread *t) { wv_resume(t); }

/* SuspendThread or ResumeThread on another process's thread: true when h is one. */
static bool wv_remote_suspend(HANDLE h, int op, DWORD *out)
{
    DWORD err;
    if (!wv_rthread_call(h, op, 0, out, &err))
        return false;
    if (err)
        wv_set_error(err), *out = (DWORD)-1;
    return true;
}

DWORD WINAPI SuspendThread(HANDLE h)
{
    DWORD was;
    if (wv_remote_suspend(h, WV_RT_SUSPEND, &was) || wv_process_thread_remote(h, true, &was))
        return was;
    struct wv_thread *t = wv_thread_ref(h, THREAD_SUSPEND_RESUME);
    if (!t)
        return (DWORD)-1;
    was = 0;
    DWORD err = wv_suspend(t, &was);
    wv_object_unref(&t->obj);
    return err ? (wv_set_error(err), (DWORD)-1) : was;
}

DWORD WINAPI ResumeThread(HANDLE h)
{
    DWORD was;
    if (wv_process_thread_resume(h, &was)) /* a child process's main thread */
        return was;
    if (wv_remote_suspend(h, WV_RT_RESUME, &was) || wv_process_thread_remote(h, false, &was))
        return was;
    struct wv_thread *t = wv_thread_ref(h, THREAD_SUSPEND_RESUME);
    if (!t)
        return (DWORD)-1;
    was = wv_killing(t) ? 0 : wv_resume(t); /* its reaper's parks are not the caller's */
    wv_object_unref(&t->obj);
    return was;
}

/* ---- contexts ---- */

#define WV_PART(flags, part) (((flags) & (part) & 0xff) != 0)

/* Copies the parts flags names from src to dst. */
void wv_context_merge(CONTEXT *dst, const CONTEXT *src, DWORD flags)
{
    if (WV_PART(flags, CONTEXT_CONTROL)) {
        dst->SegCs = src->SegCs, dst->SegSs = src->SegSs, dst->EFlags = src->EFlags;
        dst->Rsp = src->Rsp, dst->Rip = src->Rip;
    }
    if (WV_PART(flags, CONTEXT_INTEGER)) {
        DWORD64 sp = dst->Rsp; /* between Rbx and Rbp in the CONTEXT, but CONTROL's */
        memcpy(&dst->Rax, &src->Rax, offsetof(CONTEXT, R15) + sizeof(DWORD64) - offsetof(CONTEXT, Rax));
        dst->Rsp = sp;
    }
    if (WV_PART(flags, CONTEXT_SEGMENTS))
        dst->SegDs = src->SegDs, dst->SegEs = src->SegEs, dst->SegFs = src->SegFs, dst->SegGs = src->SegGs;
    if (WV_PART(flags, CONTEXT_FLOATING_POINT))
        dst->FltSave = src->FltSave, dst->MxCsr = src->MxCsr;
    if (WV_PART(flags, CONTEXT_DEBUG_REGISTERS))
        dst->Dr0 = src->Dr0, dst->Dr1 = src->Dr1, dst->Dr2 = src->Dr2, dst->Dr3 = src->Dr3,
        dst->Dr6 = src->Dr6, dst->Dr7 = src->Dr7;
}

/* Writes ctx's parts (flags) into a parked thread's registers. */
static void wv_context_apply(const CONTEXT *c, DWORD flags, ucontext_t *uc)
{
    CONTEXT cur;
    wv_context_from(uc, &cur);
    wv_context_merge(&cur, c, flags);
    greg_t *g = uc->uc_mcontext.gregs;
    const DWORD64 *r = &cur.Rax; /* Rax..R15 in the CONTEXT's order */
    static const int order[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                  REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    for (int i = 0; i < 16; i++)
        g[order[i]] = (greg_t)r[i];
    g[REG_RIP] = (greg_t)cur.Rip;
    const uint64_t user = 0x0cd5 | 0x0100; /* status flags, direction, trap */
    g[REG_EFL] = (greg_t)(((uint64_t)g[REG_EFL] & ~user) | (cur.EFlags & user));
    if (uc->uc_mcontext.fpregs && WV_PART(flags, CONTEXT_FLOATING_POINT)) {
        memcpy(uc->uc_mcontext.fpregs, &cur.FltSave, sizeof(cur.FltSave));
        uc->uc_mcontext.fpregs->mxcsr = cur.MxCsr & 0xffff; /* reserved bits would fault */
    }
}

/* ---- another thread's registers, where they are its own ----
 * They are handed out or changed only where the thread is parked in its own code (PE code,
 * outside the loader lock: thread_kill.c's safe point), or before it reached it (its first
 * registers).  Parked inside winvm's code (a call of winvm, the fault handler growing its stack
 * under the space lock, ...) its registers are winvm's: a Rip set there left the space lock
 * held for good and hung the process (issue 19).  So it is let go on one instruction at a time
 * (the trap flag), its suspensions still counted, and parks again at its first instruction back
 * in its own code: as a thread suspended in a system call on Windows shows its user-mode
 * registers.  One that stays in winvm longer than about 0.2 s (a wait) is parked where it is:
 * the registers read are winvm's and cannot be set (ERROR_GEN_FAILURE); it parks at its first
 * instruction back in its own code if it is still suspended then. */

/* The trace trap of a thread stepping out of winvm's code (fault.c's hook): in its own code it
 * stops stepping and parks there while it is suspended; elsewhere it steps on.  Async-signal-
 * safe (t->text is not changed while it steps). */
#define WV_STEP_ROUNDS 3
#define WV_STEP_CANCELLED 2 /* t->stepping: the next trace trap ends the step where it is */

static bool wv_step(ucontext_t *uc)
{
    struct wv_thread *t = wv_thread_peek();
    if (!t || !wv_atomic(&t->stepping))
        return false;
    greg_t *g = uc->uc_mcontext.gregs;
    if (wv_atomic(&t->stepping) == WV_STEP_CANCELLED) {
        g[REG_EFL] &= ~(greg_t)0x100;
        __atomic_store_n(&t->stepping, 0, __ATOMIC_RELEASE);
        return true;
    }
    __atomic_add_fetch(&t->steps, 1, __ATOMIC_RELAXED);
    if (!wv_thread_safe_at(t, t->text, (uintptr_t)g[REG_RIP]))
        return true; /* the trap flag stays set: the next instruction traps too */
    g[REG_EFL] &= ~(greg_t)0x100;
    __atomic_store_n(&t->stepping, 0, __ATOMIC_RELEASE);
    wv_park(WV_PARK_SIGNAL, NULL, uc);
    return true;
}

/* Lets parked t (t->lock held, dropped meanwhile) run on one instruction at a time (the trap
 * flag) until it is in its own code, where it parks again (wv_step); waits while it steps (up
 * to about 2 s) and 50 ms without a step (a wait, a lost trap flag): whether it is parked at a
 * safe point then. */
static bool wv_step_out(struct wv_thread *t, sigset_t *old)
{
    __atomic_store_n(&t->stepping, 1, __ATOMIC_RELEASE);
    t->uc->uc_mcontext.gregs[REG_EFL] |= 0x100; /* the trap flag */
    __atomic_store_n(&t->hop, 1, __ATOMIC_RELEASE);
    wv_park_wake(t);
    wv_thread_unlock(t, old);
    /* Until its step ends: it leaves the handler and parks again (fast: parked may never be
     * seen 0), or it is caught elsewhere (parked, still stepping: a signal). */
    int last = wv_atomic(&t->steps), idle = 0;
    for (int ms = 0; ms < 2000 && idle < 50 && wv_atomic(&t->stepping) && !wv_ended(t); ms++) {
        wv_futex_wait(&t->parked, wv_atomic(&t->parked), 1000000);
        int now = wv_atomic(&t->steps);
        idle = now == last ? idle + 1 : 0; /* a step in the last 50 ms: it is on its way */
        last = now;
    }
    wv_thread_lock(t, old);
    return !wv_atomic(&t->stepping) && wv_atomic(&t->parked);
}

/* Parks t again where it is, out of a step that did not end (its trap flag lost, or a long
 * call of winvm): false when it has ended. */
static bool wv_repark(struct wv_thread *t, sigset_t *old)
{
    wv_thread_unlock(t, old);
    bool sent = !wv_ended(t) && syscall(SYS_tgkill, getpid(), (pid_t)t->tid, WV_PARK_SIGNAL) == 0;
    while (sent && !wv_atomic(&t->parked) && !wv_ended(t))
        wv_futex_wait(&t->parked, 0, 1000000);
    wv_thread_lock(t, old);
    bool parked = sent && wv_atomic(&t->parked) && !wv_ended(t);
    if (parked)
        t->uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)0x100;
    /* A trap still due (the signal came inside the trap's handler) only ends the step. */
    __atomic_store_n(&t->stepping, WV_STEP_CANCELLED, __ATOMIC_RELEASE);
    return parked;
}

/* The AVX state (ymm0-15's upper halves) moved with a context of another thread, when it has
 * CONTEXT_XSTATE (fault/xstate.c): state -1 none, 0 the initial state (zero), 1 upper. */
struct wv_ymm {
    int state;
    BYTE upper[256];
};

/* Reads or writes (set) suspended t's registers once it is at a safe point; t->ctx_lock held.
 * y: its AVX state too (NULL: not asked).  0 or the error. */
static DWORD wv_context_safe(struct wv_thread *t, CONTEXT *c, bool set, bool step, struct wv_ymm *y)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    bool init = wv_thread_init_context(t, c, set, wv_context_merge); /* not yet in its own code */
    bool parked = !init && wv_atomic(&t->parked), safe = parked && wv_thread_parked_safe(t, t->text);
    bool own = step && (t->pe || t->teb); /* code of its own: a host program's runs winvm's only */
    for (int round = 0; own && parked && !safe && round < WV_STEP_ROUNDS; round++)
        if (!(safe = wv_step_out(t, &old)))
            parked = wv_repark(t, &old), safe = parked && wv_thread_parked_safe(t, t->text);
    DWORD err = 0;
    if (init)
        err = 0;
    else if (!parked)
        err = wv_ended(t) ? ERROR_ACCESS_DENIED : ERROR_GEN_FAILURE; /* ended, or not started yet */
    else if (own && set && !safe)
        err = ERROR_GEN_FAILURE; /* still in winvm's code (a wait): its registers are winvm's */
    else if (set) {
        /* The debug registers first: they alone can fail (no slot), and then nothing changed. */
        if (WV_PART(c->ContextFlags, CONTEXT_DEBUG_REGISTERS))
            err = wv_dbg_set(t->tid, c);
        if (!err)
            wv_context_apply(c, c->ContextFlags, t->uc);
        if (!err && y && y->state >= 0)
            wv_xstate_to_uc(t->uc, y->state ? y->upper : NULL); /* the signal return loads it */
    } else {
        CONTEXT cur;
        if (y)
            y->state = wv_xstate_from_uc(t->uc, y->upper);
        wv_context_from(t->uc, &cur);
        wv_dbg_get(t->tid, &cur);
        wv_context_merge(c, &cur, c->ContextFlags);
    }
    wv_thread_unlock(t, &old);
    return err;
}

/* Reads (set false) or writes (set true) another thread's registers: it is suspended for the
 * call if it was not (step: to a safe point first).  0 or the error. */
static DWORD wv_context_other(struct wv_thread *t, CONTEXT *c, bool set, bool step, struct wv_ymm *y)
{
    pthread_mutex_lock(&t->ctx_lock);
    if (!t->text)
        t->text = wv_host_text_new();
    DWORD was, err = t->text ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    if (!err)
        wv_host_text_read(t->text); /* before this call parks it: the dynamic linker's lock */
    if (!err)
        err = wv_suspend(t, &was);
    /* Suspended already (a debugger's freeze, another SuspendThread), a running thread may not
     * have parked yet: its parking signal is still on its way or blocked for a moment (its own
     * lock held).  Its registers are read once it is parked; give it up to 200 ms. */
    bool running = __atomic_load_n(&t->running, __ATOMIC_ACQUIRE);
    for (int ms = 0; !err && running && ms < 200 && !wv_atomic(&t->parked) && !wv_ended(t); ms++)
        wv_futex_wait(&t->parked, 0, 1000000);
    if (!err) {
        err = wv_context_safe(t, c, set, step, y);
        wv_resume(t);
    }
    pthread_mutex_unlock(&t->ctx_lock);
    return err;
}

/* The debugger's (debug_freeze.c): its frozen threads are at safe points already, and the others
 * are read where they are, at once (an event's wait is short). */
DWORD wv_thread_context_of(struct wv_thread *t, CONTEXT *c, bool set) { return wv_context_other(t, c, set, false, NULL); }

static bool wv_is_self(struct wv_thread *t) { return t->tid == wv_tid(); }

DWORD wv_thread_context(HANDLE h, CONTEXT *user, bool set)
{
    CONTEXT c;
    DWORD err = wv_copy(&c, user, sizeof(c)), pid, tid;
    if (err)
        return err;
    /* CONTEXT_XSTATE with AVX: this process's threads carry it; another process's do not (yet). */
    bool xs = wv_xstate_avx() && (c.ContextFlags & (CONTEXT_AMD64 | 0x40)) == (CONTEXT_AMD64 | 0x40);
    struct wv_ymm y = {-1, {0}};
    if (xs && (wv_process_thread_ids(h, &pid, &tid) || wv_rthread_is(h)))
        return ERROR_NOT_SUPPORTED;
    if (wv_process_thread_ids(h, &pid, &tid)) { /* a child's thread: a debuggee's at an event */
        err = wv_debug_context(pid, tid, &c, set);
        if (err == ERROR_INVALID_HANDLE) /* not debugged: asked of the child itself */
            wv_rthread_context(h, &c, set, &err);
        return err || set ? err : wv_copy(user, &c, sizeof(c));
    }
    if (wv_rthread_context(h, &c, set, &err)) /* another process's thread */
        return err || set ? err : wv_copy(user, &c, sizeof(c));
    struct wv_thread *t = wv_thread_ref(h, set ? THREAD_SET_CONTEXT : THREAD_GET_CONTEXT);
    if (!t)
        return GetLastError();
    if (set && WV_PART(c.ContextFlags, CONTEXT_DEBUG_REGISTERS) && wv_dbg_check(c.Dr7)) {
        wv_object_unref(&t->obj);
        return ERROR_NOT_SUPPORTED; /* an I/O breakpoint (fault/dbgreg.c emulates the others) */
    }
    if (wv_is_self(t) && set) {
        wv_object_unref(&t->obj);
        if (!WV_PART(c.ContextFlags, CONTEXT_CONTROL) || !WV_PART(c.ContextFlags, CONTEXT_INTEGER))
            return ERROR_INVALID_PARAMETER; /* the caller's own registers: only a whole switch */
        CONTEXT now;
        wv_seh_capture(&now);
        wv_context_merge(&now, &c, c.ContextFlags);
        if (WV_PART(c.ContextFlags, CONTEXT_DEBUG_REGISTERS))
            now.ContextFlags |= CONTEXT_DEBUG_REGISTERS; /* the restore sets them */
        wv_nt_RtlRestoreContext(&now, NULL); /* does not return */
    }
    if (wv_is_self(t)) {
        CONTEXT now;
        wv_seh_capture(&now); /* a host caller's own registers, here */
        wv_dbg_get(t->tid, &now);
        wv_context_merge(&c, &now, c.ContextFlags);
    } else {
        if (xs && set)
            y.state = wv_xstate_of_context(user, y.upper);
        err = wv_context_other(t, &c, set, true, xs ? &y : NULL);
    }
    wv_object_unref(&t->obj);
    if (!err && !set)
        err = wv_copy(user, &c, sizeof(c));
    if (!err && !set && xs && !wv_is_self(t)) {
        NTSTATUS st = wv_ctx_xstate_get(user, y.upper, y.state == 1);
        err = st ? RtlNtStatusToDosError(st) : 0;
    }
    return err;
}

BOOL WINAPI GetThreadContext(HANDLE h, CONTEXT *c)
{
    DWORD err = wv_thread_context(h, c, false);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetThreadContext(HANDLE h, const CONTEXT *c)
{
    DWORD err = wv_thread_context(h, (CONTEXT *)c, true);
    return err ? wv_fail(err) : TRUE;
}

/* ---- OpenThread, DuplicateHandle(GetCurrentThread()) ---- */

HANDLE WINAPI OpenThread(DWORD access, BOOL inherit, DWORD tid)
{
    (void)inherit; /* no child process gets winvm's handles */
    struct wv_thread *t = wv_thread_find(tid);
    if (!t)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    if (access & 0x02000000) /* MAXIMUM_ALLOWED */
        access = THREAD_ALL_ACCESS;
    HANDLE h = wv_handle_new(&t->obj, access & THREAD_ALL_ACCESS);
    wv_object_unref(&t->obj);
    if (!h)
        return wv_fail_null(ERROR_TOO_MANY_OPEN_FILES);
    wv_set_error(ERROR_SUCCESS);
    return h;
}
