/* SPDX-License-Identifier: MIT */
/* thread.c - CreateThread, ExitThread, GetExitCodeThread, GetThreadId, the thread objects of
 * threads winvm did not start, and the registry OpenThread searches (suspension, contexts:
 * thread_ctl.c; APCs: apc.c; waits: sync.c).
 *
 * A thread is a pthread with a HANDLE (a kernel object, handle.c) that is signalled when it
 * ends.  In a process running a PE program (`winvm run`) a new thread is set up as Windows sets
 * one up: a stack of its own laid out like the main one (stack.c: it grows through its guard
 * page), a TEB (teb.c), a block for every module's static TLS, and DLL_THREAD_ATTACH to every
 * DLL (loader.c); its start routine is called with the Windows x64 convention.  Elsewhere
 * (winvm as a library) the start routine is a C function run on the pthread's own stack.
 *
 * ExitThread unwinds by longjmp to the thread's start, which needs no unwind information from
 * the PE frames in between (a pthread_exit unwind would need it).  The object outlives the
 * thread while a handle is open; the thread holds a reference until it ends.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/thread_int.h"
#include "runtime/synch_int.h"
#include "runtime/debug_int.h"
#include "runtime/fiber_int.h"
#include "runtime/actctx.h"

/* ---- the registry of live threads, by host id (OpenThread, GetThreadContext, ...) ---- */
static struct wv_thread *wv_threads;
static pthread_mutex_t wv_threads_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t wv_serials; /* wv_threads_lock */

static void wv_registry_add(struct wv_thread *t)
{
    pthread_mutex_lock(&wv_threads_lock);
    t->serial = ++wv_serials;
    t->next = wv_threads;
    wv_threads = t;
    pthread_mutex_unlock(&wv_threads_lock);
}

static void wv_registry_remove(struct wv_thread *t)
{
    pthread_mutex_lock(&wv_threads_lock);
    for (struct wv_thread **p = &wv_threads; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    pthread_mutex_unlock(&wv_threads_lock);
}

struct wv_thread *wv_thread_find(DWORD tid)
{
    pthread_mutex_lock(&wv_threads_lock);
    struct wv_thread *t = wv_threads;
    while (t && t->tid != tid)
        t = t->next;
    if (t)
        wv_object_ref(&t->obj);
    pthread_mutex_unlock(&wv_threads_lock);
    if (!t && tid == (DWORD)wv_tid()) /* the caller's own thread, never registered (a C program's) */
        return (struct wv_thread *)wv_thread_self_ref();
    return t;
}

bool wv_thread_live(DWORD tid, uint64_t serial)
{
    pthread_mutex_lock(&wv_threads_lock);
    struct wv_thread *t = wv_threads;
    while (t && !(t->tid == tid && t->serial == serial))
        t = t->next;
    pthread_mutex_unlock(&wv_threads_lock);
    return t != NULL;
}

size_t wv_thread_snapshot(struct wv_thread **out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&wv_threads_lock);
    for (struct wv_thread *t = wv_threads; t && n < cap; t = t->next) {
        wv_object_ref(&t->obj);
        out[n++] = t;
    }
    pthread_mutex_unlock(&wv_threads_lock);
    return n;
}

static uint64_t wv_stack_reserve = 1 << 20, wv_stack_commit = 4096;
static bool wv_pe_process;

void wv_thread_set_stack_size(uint64_t reserve, uint64_t commit)
{
    if (reserve)
        wv_stack_reserve = reserve;
    if (commit)
        wv_stack_commit = commit;
    wv_pe_process = true;
}

void wv_thread_stack_defaults(SIZE_T *reserve, SIZE_T *commit)
{
    *reserve = wv_stack_reserve;
    *commit = wv_stack_commit;
}

/* A PE thread's stack from CreateThread's size, as Windows sizes it (Wine's ntdll virtual.c
 * test_RtlCreateUserStack records it): the size is the commit, or with
 * STACK_SIZE_PARAM_IS_A_RESERVATION the reserve, the other one the image's; commit in whole
 * pages and at least two (a thread starts with two committed); reserve at least 1 MiB and,
 * when the commit does not leave it a guard page and the never-committed one, the commit
 * rounded up to whole MiB (wv_stack_create rounds it to 64 KiB). */
static void wv_thread_stack_sizes(SIZE_T stack, DWORD flags, SIZE_T *reserve, SIZE_T *commit)
{
    const SIZE_T mib = (SIZE_T)1 << 20;
    *reserve = wv_stack_reserve, *commit = wv_stack_commit;
    if (stack && (flags & STACK_SIZE_PARAM_IS_A_RESERVATION))
        *reserve = stack;
    else if (stack)
        *commit = stack;
    *commit = *commit > 2 * WV_PAGE_SIZE ? wv_page_up(*commit) : 2 * WV_PAGE_SIZE;
    if (*reserve < mib)
        *reserve = mib;
    if (*commit + 2 * WV_PAGE_SIZE > *reserve)
        *reserve = (*commit + 2 * WV_PAGE_SIZE + mib - 1) & ~(mib - 1);
}

static __thread struct wv_thread *wv_self;
static __thread sigjmp_buf *wv_exit_jump;

static void wv_thread_destroy(struct wv_object *o)
{
    struct wv_thread *t = (struct wv_thread *)o;
    if (t->stack_lo) /* made for a thread created suspended that never started */
        wv_virtual_free(t->stack_lo, 0, MEM_RELEASE);
    wv_actctx_release(t->actctx); /* a thread that never started: its inherited context */
    wv_apc_drop(t);
    wv_timer_apc_drop(t);
    wv_thread_ends_tell(t, t->exit_code); /* none left once it ended; a never-started one's */
    pthread_mutex_destroy(&t->lock);
    pthread_mutex_destroy(&t->ctx_lock);
    free(t->text);
    pthread_cond_destroy(&t->changed);
    free(t);
}

static void wv_thread_finish(struct wv_thread *t, DWORD code)
{
    wv_registry_remove(t);
    wv_dbg_forget(t->tid); /* its breakpoints go with it (a later thread may get its id) */
    uint64_t times[4];
    bool kept = wv_thread_times_now(times); /* on the thread itself: /proc still shows it */
    pthread_mutex_lock(&wv_wait_lock);
    t->exit_code = code;
    if (kept)
        for (int i = 0; i < 4; i++)
            t->times[i] = times[i], t->times_kept = true;
    t->done = true;
    pthread_cond_broadcast(&wv_wait_cond);
    pthread_mutex_unlock(&wv_wait_lock);
    wv_thread_ends_tell(t, code); /* other processes' handles to it */
}

bool wv_thread_signalled(struct wv_object *o) { return ((struct wv_thread *)o)->done; }

/* Runs the start routine: on a winvm stack with a TEB in a PE process (from ntdll's
 * RtlUserThreadStart, by ExitThread), else directly. */
static DWORD wv_thread_body(struct wv_thread *t)
{
    if (!t->pe)
        return t->start(t->arg);
    uintptr_t lo = t->stack_lo, top = t->stack_top; /* made with it when created suspended */
    DWORD err = lo ? 0 : wv_stack_create(t->stack, t->commit, &lo, &top);
    t->stack_lo = t->stack_top = 0; /* the thread's own now (wv_stack_lo) */
    if (err || wv_teb_create(lo, top) != 0) {
        if (!err)
            wv_virtual_free(lo, 0, MEM_RELEASE);
        return STATUS_NO_MEMORY;
    }
    wv_stack_lo = lo, wv_stack_hi = wv_stack_probed = top;
    t->teb = wv_teb_self();
    wv_debug_thread(true, (uintptr_t)t->start, (uintptr_t)t->teb, 0); /* before its DllMains, as Windows */
    wv_fls_thread_start();
    wv_actctx_thread_start(t->actctx); /* its creator's active context, activated (the reference is its) */
    t->actctx = NULL;
    wv_loader_thread(true);
    wv_thread_start_init(t); /* its first registers, as a debugger may have set them: it ends by
                               * ExitThread (RtlUserThreadStart) */
}

/* Registers the new thread and waits while it is created suspended: whether it was terminated
 * before it ran (then it never starts). */
static bool wv_thread_arrive(struct wv_thread *t)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    t->tid = wv_tid();
    t->pt = pthread_self();
    wv_registry_add(t);
    pthread_cond_broadcast(&t->changed);
    while (__atomic_load_n(&t->suspend, __ATOMIC_ACQUIRE))
        pthread_cond_wait(&t->changed, &t->lock);
    bool killed = t->kill;
    t->running = !killed; /* from here SuspendThread parks it with the signal */
    wv_thread_unlock(t, &old);
    return killed;
}

static void *wv_thread_main(void *arg)
{
    struct wv_thread *t = arg;
    wv_self = t;
    wv_fault_attach(); /* this thread's alternate signal stack */
    wv_thread_ctl_init();
    /* The exit jump is in place before the thread can be parked (running): ExitThread at any
     * point of its life, its first instruction included (a start routine that is ExitThread, a
     * Rip set to it), ends this thread only, never the process (issue 19). */
    sigjmp_buf exit_jump;
    volatile DWORD code = 0;
    volatile bool killed = false;
    wv_exit_jump = &exit_jump;
    if (sigsetjmp(exit_jump, 0) == 0) {
        killed = wv_thread_arrive(t);
        code = killed ? t->kill_code : wv_thread_body(t); /* killed: its stack goes with the object */
    } else
        code = t->exit_code; /* ExitThread put it there */
    wv_exit_jump = NULL;
    /* FLS callbacks before DLL_THREAD_DETACH, as Windows; none for a terminated thread. */
    wv_fls_thread_end(!killed && !__atomic_load_n(&t->kill, __ATOMIC_ACQUIRE));
    if (t->pe && !killed) {
        wv_debug_thread(false, 0, 0, code);
        if (!__atomic_load_n(&t->kill, __ATOMIC_ACQUIRE)) /* TerminateThread: no DLL is told */
            wv_loader_thread(false);
        wv_actctx_thread_end();
        wv_fls_thread_free(); /* after DLL_THREAD_DETACH, while the TEB holds the block */
        wv_fiber_thread_end(); /* the stack it ends on is freed below, a deleted fiber with it */
        wv_teb_destroy();
        if (wv_stack_lo)
            wv_virtual_free(wv_stack_lo, 0, MEM_RELEASE);
        wv_stack_lo = wv_stack_hi = wv_stack_probed = 0;
    }
    wv_fls_thread_free(); /* a thread without a TEB: its block is its own variable's */
    wv_thread_finish(t, code);
    wv_object_unref(&t->obj);
    return NULL;
}

/* The thread object and its host thread.  lo/top: a PE thread's stack the caller made (0: made
 * here); it is the thread's from this call on, freed with it whatever the outcome.  NULL and
 * *err on failure, no last error set. */
static HANDLE wv_thread_new(SIZE_T stack, uintptr_t lo, uintptr_t top, LPTHREAD_START_ROUTINE start, LPVOID arg,
                            DWORD flags, LPDWORD tid, bool pe, struct wv_actctx *ctx, DWORD *err)
{
    struct wv_thread *t = NULL;
    if (!start || (flags & ~(DWORD)(CREATE_SUSPENDED | STACK_SIZE_PARAM_IS_A_RESERVATION | WV_THREAD_SERVICE)))
        *err = ERROR_INVALID_PARAMETER;
    else if (!(t = calloc(1, sizeof(*t))))
        *err = ERROR_NOT_ENOUGH_MEMORY;
    if (!t) {
        if (lo)
            wv_virtual_free(lo, 0, MEM_RELEASE);
        wv_actctx_release(ctx);
        return NULL;
    }
    t->actctx = ctx; /* released with t if it never starts */
    t->obj = (struct wv_object){.kind = WV_KIND_THREAD, .destroy = wv_thread_destroy};
    pthread_mutex_init(&t->lock, NULL);
    pthread_mutex_init(&t->ctx_lock, NULL);
    pthread_cond_init(&t->changed, NULL);
    t->start = start, t->arg = arg, t->pe = pe, t->stack = stack;
    if (pe)
        wv_thread_stack_sizes(stack, flags, &t->stack, &t->commit);
    t->service = (flags & WV_THREAD_SERVICE) != 0;
    t->stack_lo = lo, t->stack_top = top;
    t->suspend = (flags & CREATE_SUSPENDED) ? 1 : 0;
    /* Every PE thread starts from its first registers, suspended or not: a SetThreadContext
     * before it reaches its own code changes those, never the host code setting it up. */
    *err = pe ? wv_thread_init_suspended(t, t->stack, t->commit) : 0;
    if (*err) {
        wv_thread_destroy(&t->obj);
        return NULL;
    }
    wv_object_ref(&t->obj); /* the thread's own reference */
    HANDLE h = wv_handle_new(&t->obj, THREAD_ALL_ACCESS);
    if (!h) {
        wv_object_unref(&t->obj);
        *err = ERROR_TOO_MANY_OPEN_FILES; /* the handle table is full */
        return NULL;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (!t->pe && stack)
        pthread_attr_setstacksize(&attr, stack < 65536 ? 65536 : stack);
    pthread_t pt;
    int rc = pthread_create(&pt, &attr, wv_thread_main, t);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        wv_object_unref(&t->obj); /* the thread's, never to run */
        wv_handle_close(h);
        *err = ERROR_NOT_ENOUGH_MEMORY;
        return NULL;
    }
    sigset_t old;
    wv_thread_lock(t, &old); /* its id, for the caller */
    while (!t->tid)
        pthread_cond_wait(&t->changed, &t->lock);
    wv_thread_unlock(t, &old);
    if (tid)
        *tid = t->tid;
    return h;
}

HANDLE wv_thread_create(SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags, LPDWORD tid, bool pe)
{
    DWORD err;
    if (flags & WV_THREAD_SERVICE) /* winvm's own flag, never a caller's */
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    if (wv_process_terminating()) /* Windows 7 on: STATUS_PROCESS_IS_TERMINATING */
        return wv_fail_null(ERROR_ACCESS_DENIED);
    /* CreateThread's thread starts with its creator's active activation context (Wine's
     * thread.c test_thread_actctx: CreateThread and CreateRemoteThread alike). */
    struct wv_actctx *ctx = pe ? wv_actctx_active() : NULL;
    HANDLE h = wv_thread_new(stack, 0, 0, start, arg, flags, tid, pe, ctx, &err);
    if (!h)
        return wv_fail_null(err);
    return h; /* the last error as it was (Wine's thread.c test_CreateThread_basic on Windows) */
}

HANDLE wv_thread_create_on(uintptr_t lo, uintptr_t top, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
                           LPDWORD tid, DWORD *err)
{
    if (wv_process_terminating() || (flags & WV_THREAD_SERVICE)) {
        *err = (flags & WV_THREAD_SERVICE) ? ERROR_INVALID_PARAMETER : ERROR_ACCESS_DENIED;
        wv_virtual_free(lo, 0, MEM_RELEASE); /* the caller's stack is the thread's, as below */
        return NULL;
    }
    return wv_thread_new(top - lo, lo, top, start, arg, flags, tid, true, NULL, err);
}

HANDLE wv_thread_spawn(LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD *err)
{
    return wv_thread_new(0, 0, 0, start, arg, WV_THREAD_SERVICE, NULL, true, NULL, err);
}

HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES sa, SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg,
                           DWORD flags, LPDWORD tid)
{
    (void)sa;
    return wv_thread_create(stack, start, arg, flags, tid, false);
}

void wv_thread_exit(DWORD code)
{
    struct wv_thread *t = wv_self;
    if ((!t || !wv_exit_jump) && wv_process_terminating()) {
        if (t) /* the main thread ended by the process's exit: it stops here, ended */
            wv_thread_finish(t, code);
        for (;;)
            pause();
    }
    if (!t || !wv_exit_jump)
        ExitProcess(code); /* the main thread: Windows ends the process with the last thread */
    t->exit_code = code;
    siglongjmp(*wv_exit_jump, 1);
}

void WINAPI ExitThread(DWORD code) { wv_thread_exit(code); }

/* ---- threads winvm did not start (the main one, adopted ones): an object on first need ---- */
static pthread_key_t wv_self_key;
static pthread_once_t wv_self_once = PTHREAD_ONCE_INIT;

/* A thread with a made object ends: it signals and leaves the registry. */
static void wv_self_end(void *o)
{
    struct wv_thread *t = o;
    wv_thread_finish(t, 0);
    wv_self = NULL;
    wv_object_unref(&t->obj);
}

static void wv_self_key_make(void) { pthread_key_create(&wv_self_key, wv_self_end); }

struct wv_thread *wv_thread_peek(void) { return wv_self; }

struct wv_thread *wv_thread_self(void)
{
    if (wv_self)
        return wv_self;
    pthread_once(&wv_self_once, wv_self_key_make);
    struct wv_thread *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->obj = (struct wv_object){.kind = WV_KIND_THREAD, .destroy = wv_thread_destroy, .refs = 1};
    pthread_mutex_init(&t->lock, NULL);
    pthread_mutex_init(&t->ctx_lock, NULL);
    pthread_cond_init(&t->changed, NULL);
    t->tid = wv_tid();
    t->pt = pthread_self();
    t->running = true;
    t->teb = wv_teb_self();
    wv_thread_ctl_init();
    wv_fault_attach(); /* the alternate stack the parking signal runs on */
    wv_self = t;
    pthread_setspecific(wv_self_key, t);
    wv_registry_add(t);
    return t;
}

struct wv_thread *wv_thread_ref(HANDLE h, DWORD need)
{
    if (h == (HANDLE)(intptr_t)-2) {
        struct wv_thread *t = wv_thread_self();
        if (!t)
            return wv_set_error(ERROR_NOT_ENOUGH_MEMORY), NULL;
        wv_object_ref(&t->obj);
        return t;
    }
    DWORD access = 0;
    struct wv_thread *t = (struct wv_thread *)wv_handle_get(h, WV_KIND_THREAD, &access);
    if (!t)
        return wv_set_error(ERROR_INVALID_HANDLE), NULL;
    if ((access & need) != need) {
        wv_object_unref(&t->obj);
        return wv_set_error(ERROR_ACCESS_DENIED), NULL;
    }
    return t;
}

struct wv_object *wv_thread_self_ref(void)
{
    struct wv_thread *t = wv_thread_self();
    if (t)
        wv_object_ref(&t->obj);
    return t ? &t->obj : NULL;
}

/* DuplicateHandle of GetCurrentThread() (ob/handle.c) from the start, winvm as a library too. */
__attribute__((constructor)) static void wv_thread_hook(void) { wv_ob_self_thread = wv_thread_self_ref; }

/* The thread behind h for a query, with a reference: the handle needs
 * THREAD_QUERY_LIMITED_INFORMATION or THREAD_QUERY_INFORMATION (either, as on Windows), else
 * NULL and ERROR_ACCESS_DENIED (ERROR_INVALID_HANDLE when h is no thread). */
static struct wv_thread *wv_thread_query(HANDLE h)
{
    struct wv_thread *t = wv_thread_ref(h, THREAD_QUERY_LIMITED_INFORMATION);
    if (!t && GetLastError() == ERROR_ACCESS_DENIED)
        t = wv_thread_ref(h, THREAD_QUERY_INFORMATION);
    return t;
}

BOOL WINAPI GetExitCodeThread(HANDLE h, LPDWORD code)
{
    BOOL ok;
    DWORD v, err;
    if (wv_process_thread_exit_code(h, code, &ok)) /* a child process's main thread */
        return ok;
    if (wv_rthread_call(h, WV_RT_EXIT_CODE, 0, &v, &err)) /* another process's thread */
        return err ? wv_fail(err) : (err = wv_user_put(code, &v, sizeof(v))) ? wv_fail(err) : TRUE;
    struct wv_thread *t = wv_thread_query(h);
    if (!t)
        return FALSE;
    pthread_mutex_lock(&wv_wait_lock);
    v = t->done ? t->exit_code : STILL_ACTIVE;
    pthread_mutex_unlock(&wv_wait_lock);
    wv_object_unref(&t->obj);
    err = wv_user_put(code, &v, sizeof(v));
    return err ? wv_fail(err) : TRUE;
}

DWORD WINAPI GetThreadId(HANDLE h)
{
    DWORD id, pid;
    if (wv_process_thread_query(h, &pid, &id)) /* a child process's main thread */
        return id;
    DWORD err;
    if (wv_rthread_call(h, WV_RT_TID, 0, &id, &err)) /* another process's thread */
        return err ? (wv_set_error(err), 0) : id;
    struct wv_thread *t = wv_thread_query(h);
    if (!t)
        return 0;
    id = t->tid;
    wv_object_unref(&t->obj);
    return id;
}

DWORD WINAPI GetProcessIdOfThread(HANDLE h)
{
    DWORD id, pid, err;
    if (wv_process_thread_query(h, &pid, &id)) /* a child process's main thread */
        return pid;
    if (wv_rthread_call(h, WV_RT_PID, 0, &id, &err)) /* another process's thread */
        return err ? (wv_set_error(err), 0) : id;
    struct wv_thread *t = wv_thread_query(h);
    if (!t)
        return 0;
    wv_object_unref(&t->obj);
    return (DWORD)getpid();
}
