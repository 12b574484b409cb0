/* SPDX-License-Identifier: MIT */
/* thread_int.h - the thread object thread.c, thread_ctl.c and apc.c share (private to them).
 *
 * Every thread that runs winvm code may have one: CreateThread's threads from their start, the
 * `winvm run` main thread and adopted Linux threads from their first need (wv_thread_self).
 * Live ones are in a registry by host thread id (OpenThread).
 *
 * Locks: t->lock guards the suspension state and the APC queue; the registry lock guards the
 * registry.  Both are leaves (nothing else is taken under them, the wait lock included).  The
 * parking signal handler takes no lock: it reads suspend and writes parked/uc with atomics and
 * sleeps on futexes.
 */
#ifndef WV_THREAD_INT_H
#define WV_THREAD_INT_H

#include "runtime/runtime.h"

#include <pthread.h>
#include <signal.h>
#include <ucontext.h>

struct wv_apc;
struct wv_timer_apc;

/* wv_thread_new's own flag (never a caller's): a service thread (wv_thread_spawn). */
#define WV_THREAD_SERVICE 0x40000000u

struct wv_thread {
    struct wv_object obj;
    pthread_mutex_t lock;
    pthread_cond_t changed;       /* start (tid known), resume before the start */
    LPTHREAD_START_ROUTINE start; /* a C function, or a PE one (pe set) */
    void *arg;
    bool pe;
    SIZE_T stack;       /* as the creator gave it; a PE thread's reserve after wv_thread_new */
    SIZE_T commit;      /* a PE thread's stack commit (wv_thread_new) */
    DWORD tid;
    pthread_t pt;
    bool running;       /* past its start: suspending it takes the parking signal */
    bool done;          /* wait lock */
    bool times_kept;    /* wait lock: times[] holds what GetThreadTimes answers once it ended */
    uint64_t times[4];  /* wait lock: creation, exit, kernel and user time (FILETIME units) */
    DWORD exit_code;    /* wait lock */
    int suspend;        /* suspend count (lock to change; atomics to read); a futex word */
    int parked;         /* 1 while parked in the signal handler; a futex word */
    int wake;           /* bumped when a parked thread may go (a resume, a hop); a futex word */
    int hop;            /* atomic: a parked thread goes on once, suspended (thread_ctl.c) */
    int stepping;       /* atomic: stepping out of winvm's code to park in its own (thread_ctl.c) */
    int steps;          /* atomic: its steps so far (their progress) */
    struct wv_host_text *text; /* where host code is, for stepping (ctx_lock; read while stepping) */
    pthread_mutex_t ctx_lock;  /* one Get/SetThreadContext of it at a time (before t->lock) */
    ucontext_t *uc;     /* the parked thread's registers (parked) */
    struct wv_apc *apc_first, *apc_last; /* queued APCs (lock) */
    struct wv_timer_apc *timers; /* completion routines of timers it set (its own, no lock) */
    void *teb;          /* its TEB once it has one (NtQueryInformationThread) */
    uint32_t tid_alert; /* NtAlertThreadByThreadId's flag, taken by NtWaitForAlertByThreadId (a futex word) */
    int kill;           /* TerminateThread asked (atomic; set once, under lock) */
    DWORD kill_code;    /* its exit code then */
    bool has_init;      /* created suspended (PE): its first registers are init until it runs */
    bool service;       /* winvm's own (wv_thread_spawn: pools, timer queues, registered waits):
                         * idle in host waits, left to the process's end, not ended before it */
    uintptr_t stack_lo, stack_top; /* that thread's stack, made with it */
    CONTEXT init;       /* lock */
    int ideal;          /* atomic: its ideal processor + 1 (0: none set; thread_ideal.c) */
    bool boost_off;     /* atomic: SetThreadPriorityBoost's "disabled" (thread_ideal.c) */
    struct wv_actctx *actctx; /* the creator's active context, until the thread starts (actctx.h) */
    uint64_t serial;    /* unique in this process (its tid may be reused): set before registered */
    int *ends;          /* write ends of the pipes other processes watch its end on (lock) */
    size_t n_ends;      /* lock */
    struct wv_thread *next; /* the registry */
};

/* The calling thread's object (made and registered on first use); NULL without memory. */
struct wv_thread *wv_thread_self(void);
/* The calling thread's object or NULL, making none (async-signal-safe). */
struct wv_thread *wv_thread_peek(void);
/* The thread a handle names (GetCurrentThread's pseudo handle included), with a reference;
 * NULL: ERROR_INVALID_HANDLE set.  need: the access right the call needs (0: none). */
struct wv_thread *wv_thread_ref(HANDLE h, DWORD need);
/* The calling thread's creation, exit (now), kernel and user times, in FILETIME units, for its
 * object to keep when it ends (k32_proc.c): false when they cannot be read. */
bool wv_thread_times_now(uint64_t out[4]);
/* The process's affinity mask, as GetProcessAffinityMask reports it (thread_info.c), and
 * SetProcessAffinityMask's record of a new one. */
ULONG_PTR wv_process_mask(void);
void wv_process_mask_set(ULONG_PTR mask);
/* The live thread with this host id, with a reference; NULL when none. */
struct wv_thread *wv_thread_find(DWORD tid);
/* Whether the thread with this host id and serial is still in the registry (it has not
 * ended); takes the registry lock (a leaf: callable under the wait lock). */
bool wv_thread_live(DWORD tid, uint64_t serial);
/* Ends the calling thread with this code (TerminateThread's own-thread case, ExitThread). */
void wv_thread_exit(DWORD code) __attribute__((noreturn));

/* thread_ctl.c: takes and drops t->lock, the parking signal blocked in the caller meanwhile
 * (a thread parked holding a thread's lock would hang the calls on that thread). */
void wv_thread_lock(struct wv_thread *t, sigset_t *old);
void wv_thread_unlock(struct wv_thread *t, const sigset_t *old);
/* thread_ctl.c: parks t for its reaper (0, or the error: it has ended); lets it go on. */
DWORD wv_thread_park(struct wv_thread *t);
void wv_thread_unpark(struct wv_thread *t);
/* Reads or writes (set) another thread's registers as they are parked (it is suspended for
 * the call if it was not): 0 or the error. */
DWORD wv_thread_context_of(struct wv_thread *t, CONTEXT *c, bool set);
/* Drops every suspension of t (t->lock held): a thread being terminated runs to its end. */
void wv_thread_unsuspend_all(struct wv_thread *t);
/* thread_kill.c: where host code is (every loaded ELF object's executable segments), read
 * while no thread is parked (the dynamic linker's lock); whether parked t (t->lock held)
 * stopped at a safe point: in PE code, outside the loader lock, so holding none of winvm's. */
struct wv_host_text;
struct wv_host_text *wv_host_text_new(void); /* malloc'ed, unread; NULL without memory */
void wv_host_text_read(struct wv_host_text *h);
bool wv_thread_parked_safe(struct wv_thread *t, const struct wv_host_text *h);
/* Whether t at pc would be at a safe point (async-signal-safe). */
bool wv_thread_safe_at(const struct wv_thread *t, const struct wv_host_text *h, uintptr_t pc);
/* thread_serve.c: a pipe whose read end (in *fd, the caller's) gives t's exit code (4
 * bytes) when it ends, and EOF without one when this process ends first: 0 or the error. */
DWORD wv_thread_end_fd(struct wv_thread *t, int *fd);
/* Tells t's watching pipes its exit code and closes them (t's end). */
void wv_thread_ends_tell(struct wv_thread *t, DWORD code);
/* proc_suspend.c: every registered thread of this process suspended (or resumed) once, the
 * caller last; threads that cannot be are passed over.  0 or ERROR_NOT_ENOUGH_MEMORY. */
DWORD wv_process_suspend_local(bool suspend);
/* thread.c: references to up to cap live threads of the registry; how many. */
size_t wv_thread_snapshot(struct wv_thread **out, size_t cap);

/* thread_start.c: a PE thread created suspended gets its stack and first registers (0, or the
 * error); the thread itself starts from them (does not return). */
DWORD wv_thread_init_suspended(struct wv_thread *t, SIZE_T reserve, SIZE_T commit);
__attribute__((noreturn)) void wv_thread_start_init(struct wv_thread *t);
/* The floating-point state Windows x64 gives every thread: the x87 control word 0x27f (every
 * exception masked, round to nearest, 53-bit precision) and MXCSR 0x1f80 (every SSE exception
 * masked, round to nearest, status flags clear). */
#define WV_X87_DEFAULT 0x27fu
#define WV_MXCSR_DEFAULT 0x1f80u
/* The calling thread's x87 unit initialised and loaded with WV_X87_DEFAULT, MXCSR with
 * WV_MXCSR_DEFAULT (the main thread before any PE code runs; msvcrt's _fpreset). */
void wv_thread_fpu_reset(void);
/* Get/SetThreadContext on a thread that has not run (t->lock held; merge: thread_ctl.c's
 * copy of the parts ContextFlags names): false when it has run or has no such context. */
bool wv_thread_init_context(struct wv_thread *t, CONTEXT *c, bool set,
                            void (*merge)(CONTEXT *dst, const CONTEXT *src, DWORD flags));
/* ntdll's RtlUserThreadStart: calls start(arg) (ms_abi) and ends the thread with its result. */
WV_MSABI void wv_nt_RtlUserThreadStart(LPTHREAD_START_ROUTINE start, void *arg);

/* thread_info.c: ntdll's thread queries, kernel32's CreateRemoteThread(Ex) (ms_abi). */
WV_MSABI LONG wv_nt_NtQueryInformationThread(HANDLE h, ULONG cls, PVOID out, ULONG len, ULONG *ret);
WV_MSABI LONG wv_nt_NtSetInformationThread(HANDLE h, ULONG cls, PVOID in, ULONG len);
WV_MSABI void k32_GetCurrentThreadStackLimits(PULONG_PTR low, PULONG_PTR high);
/* proc_image.c: the image-name and execute-flag classes (true: cls is one, *st its status);
 * NtSetInformationProcess. */
bool wv_process_query_more(HANDLE h, ULONG cls, PVOID out, ULONG len, ULONG *ret, LONG *st);
/* ProcessImageInformation (proc_imginfo.c): the EXE's SECTION_IMAGE_INFORMATION, this
 * process's or another's (its channel); wv_process_image_set takes this process's, once the
 * EXE at base is mapped (winvm run). */
LONG wv_process_image_info(HANDLE h, PVOID out, ULONG len, ULONG *ret);
void wv_process_image_set(uintptr_t base);
WV_MSABI LONG wv_nt_NtSetInformationProcess(HANDLE h, ULONG cls, PVOID in, ULONG len);
/* proc_info.c */
WV_MSABI LONG wv_nt_NtQueryInformationProcess(HANDLE h, ULONG cls, PVOID out, ULONG len, ULONG *ret);
WV_MSABI HANDLE k32_CreateRemoteThreadEx(HANDLE proc, LPSECURITY_ATTRIBUTES sa, SIZE_T stack,
                                         LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags, LPVOID attrs,
                                         LPDWORD tid);
WV_MSABI HANDLE k32_CreateRemoteThread(HANDLE proc, LPSECURITY_ATTRIBUTES sa, SIZE_T stack,
                                       LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags, LPDWORD tid);

/* thread_ideal.c: ThreadIdealProcessor(Ex) for NtSetInformationThread / NtQueryInformationThread
 * (true: cls is one of them, *st its status). */
bool wv_thread_ideal_info(struct wv_thread *t, ULONG cls, PVOID buf, ULONG len, bool set, ULONG *ret, LONG *st);
/* thread_ideal.c: ThreadPriorityBoost's set: an NTSTATUS. */
LONG wv_thread_boost_set(HANDLE h, bool off);

/* thread_ctl.c: the parking signal, installed once (a new thread's start asks). */
void wv_thread_ctl_init(void);

/* sync.c: waits for n objects (none: a sleep) until one (all) is signalled or ms pass; alert:
 * the calling thread's object in an alertable wait (its APCs end it: WAIT_IO_COMPLETION after
 * they ran), else NULL. */
DWORD wv_wait(struct wv_object **o, DWORD n, bool all, DWORD ms, struct wv_thread *alert);
/* thread_ctl.c: Get/SetThreadContext's core (set: write), 0 or the error. */
DWORD wv_thread_context(HANDLE h, CONTEXT *user, bool set);
/* apc.c: QueueUserAPC's core (pe: fn is an ms_abi function): 0 or the error. */
DWORD wv_apc_queue(void *fn, HANDLE h, ULONG_PTR data, bool pe);
/* nt: NtQueueApcThread's routine, fn(data, a2, a3) (Windows' PNTAPCFUNC). */
DWORD wv_apc_queue3(void *fn, HANDLE h, ULONG_PTR data, bool pe, bool nt, ULONG_PTR a2, ULONG_PTR a3);
/* apc.c: runs the calling thread's queued APCs (in an alertable wait); how many ran.  Inside
 * an alertable call from PE code (apc_gate.c) none runs here: the call's gate delivers them
 * when the call returns, as Windows delivers user APCs on the way back from the kernel. */
unsigned wv_apc_run(struct wv_thread *t);
/* apc.c: the calling thread's queued APCs, one at a time until none is left; a PE routine is
 * called through a wv_seh_callout link resuming at `resume` (the context its unwinds and
 * exceptions walk on to: the alertable call's caller; NULL: the walk ends there). */
unsigned wv_apc_deliver(struct wv_thread *t, const CONTEXT *resume);
/* apc_gate.c: whether the calling thread is inside an alertable call from PE code; if so its
 * gate is told to deliver the APCs on its way out (true: the caller runs none now). */
bool wv_apc_gate_defer(void);
/* apc_gate.c: NtContinue's alert: the APCs delivered above ctx, the context it goes on with. */
void wv_apc_deliver_at(const CONTEXT *ctx);
/* Drops the APCs left when a thread ends. */
void wv_apc_drop(struct wv_thread *t);
/* apc.c: queues a timer's completion routine fn(arg, low, high of ft) on t (pe: ms_abi). */
DWORD wv_apc_push_timer(struct wv_thread *t, void *fn, void *arg, int64_t ft, bool pe);
/* timer_apc.c, for the calling thread t: queues the completion routines of its timers that
 * expired (wait lock held: takes the timers' shared locks and t->lock); the ms until the next
 * of them may expire (INFINITE: none).  _sweep lets go of the timers whose setting ended
 * (never under the wait lock); _drop of all (t's end). */
DWORD wv_timer_apc_poll(struct wv_thread *t);
void wv_timer_apc_sweep(struct wv_thread *t);
void wv_timer_apc_drop(struct wv_thread *t);

#endif
