/* SPDX-License-Identifier: MIT */
/* proc_suspend.c - NtSuspendProcess and NtResumeProcess (ms_abi, for ntdll.c's table): every
 * thread of a process suspended or resumed once, as SuspendThread and ResumeThread do it to
 * each, so each thread's count goes up or down by one and a thread resumed by one call more
 * than it was suspended stays at 0.  A thread that cannot take one more suspension (at
 * MAXIMUM_SUSPEND_COUNT, or ending) is passed over, as Windows passes it over; the call still
 * succeeds.
 *
 * This process (the pseudo handle or a handle to it): its registered threads (PE threads and
 * the main thread), the caller last, so NtSuspendProcess of the current process suspends the
 * caller too and returns when another thread (or process) resumes it, as on Windows.  Another
 * winvm process: asked through its control channel (WV_CHAN_THREAD, WV_THREAD_SUSPEND_ALL /
 * WV_THREAD_RESUME_ALL), whose server does the same there; the handle needs
 * PROCESS_SUSPEND_RESUME.  A handle that names no process: STATUS_INVALID_HANDLE (NULL
 * included), another object STATUS_OBJECT_TYPE_MISMATCH, no right STATUS_ACCESS_DENIED.
 *
 * A child's main thread (CreateProcess's hThread) once the child has started is suspended and
 * resumed the same way, by its id (before, ResumeThread opens its start gate: process.c).
 * Neither is served for a process this one debugs (STATUS_NOT_SUPPORTED, ERROR_INVALID_HANDLE
 * for its threads, as before): a thread parked at its debug event could not answer the
 * debugger's own context requests.  A thread whose process has ended has a count of 0 still:
 * resuming it returns 0 (suspending it is ERROR_ACCESS_DENIED), as on Windows; its process
 * ending while the call is on its way counts as ended.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "runtime/thread_int.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define WV_PROCESS_SUSPEND_RESUME 0x0800

/* One thread suspended or resumed through a handle of ours for the call; its failure (at the
 * limit, ending) is passed over. */
static void wv_suspend_one(struct wv_thread *t, bool suspend)
{
    HANDLE h = wv_handle_new(&t->obj, THREAD_ALL_ACCESS);
    if (!h)
        return;
    DWORD saved = GetLastError();
    if (suspend)
        SuspendThread(h);
    else
        ResumeThread(h);
    SetLastError(saved);
    wv_handle_close(h);
}

DWORD wv_process_suspend_local(bool suspend)
{
    size_t cap = 64, n;
    struct wv_thread **ts = NULL;
    for (;;) { /* a snapshot that holds them all */
        struct wv_thread **more = realloc(ts, cap * sizeof(*ts));
        if (!more) {
            free(ts);
            return ERROR_NOT_ENOUGH_MEMORY;
        }
        ts = more;
        n = wv_thread_snapshot(ts, cap);
        if (n < cap)
            break;
        for (size_t i = 0; i < n; i++)
            wv_object_unref(&ts[i]->obj);
        cap *= 2;
    }
    struct wv_thread *self = NULL;
    DWORD me = wv_tid();
    for (size_t i = 0; i < n; i++) {
        if (ts[i]->tid == me)
            self = ts[i];
        else
            wv_suspend_one(ts[i], suspend);
    }
    if (self)
        wv_suspend_one(self, suspend); /* suspending: parks here until resumed */
    for (size_t i = 0; i < n; i++)
        wv_object_unref(&ts[i]->obj);
    free(ts);
    return 0;
}

/* Whether p ends within about ms milliseconds: a channel call that failed because the peer
 * went away finds it ended (or about to be). */
static bool wv_ends_within(struct wv_process *p, int ms)
{
    struct timespec pause = {0, 1000000};
    for (int i = 0; i < ms && !wv_process_gone(p); i++)
        nanosleep(&pause, NULL);
    return wv_process_gone(p);
}

bool wv_process_thread_remote(HANDLE h, bool suspend, DWORD *out)
{
    DWORD access = 0, tid = 0;
    struct wv_object *o = wv_handle_get(h, WV_KIND_PROCESS_THREAD, &access);
    if (!o)
        return false;
    struct wv_process *p = wv_process_thread_of(o, &tid);
    wv_object_unref(o);
    struct wv_chan_rep rp = {0};
    /* Not served at its start gate, nor for our debuggee (its reporting thread, parked,
     * could not answer our own context requests: docs/debugging.md). */
    DWORD err = !(access & THREAD_SUSPEND_RESUME)                          ? ERROR_ACCESS_DENIED
                : !wv_process_started(p) || wv_debug_is_debuggee((DWORD)p->pid) ? ERROR_INVALID_HANDLE
                                                                             : 0;
    if (!err) { /* by id, any serial: the main thread lives as long as its process */
        struct wv_chan_req rq = {.op = WV_CHAN_THREAD, .type = suspend ? WV_THREAD_SUSPEND : WV_THREAD_RESUME,
                                 .addr = tid};
        err = wv_chan_call(p, &rq, &rp);
        err = err ? err : rp.err;
        if (err && !suspend && wv_ends_within(p, 1000))
            err = 0, rp.old = 0; /* an ended thread's count */
    }
    wv_object_unref(&p->obj);
    if (err)
        wv_set_error(err);
    *out = err ? (DWORD)-1 : rp.old;
    return true;
}

static NTSTATUS wv_suspend_process(HANDLE h, bool suspend)
{
    DWORD access = 0;
    struct wv_process *p = NULL;
    if (h == WV_CURRENT_PROCESS)
        return wv_status_of(wv_process_suspend_local(suspend));
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &access);
    if (!o)
        return STATUS_INVALID_HANDLE;
    if (o->kind != WV_KIND_PROCESS) {
        wv_object_unref(o);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    p = (struct wv_process *)o;
    DWORD err = 0;
    if (!(access & WV_PROCESS_SUSPEND_RESUME))
        err = ERROR_ACCESS_DENIED;
    else if (p->pid == getpid())
        err = wv_process_suspend_local(suspend);
    else if (wv_debug_is_debuggee((DWORD)p->pid))
        err = ERROR_NOT_SUPPORTED; /* as for its threads above */
    else {
        struct wv_chan_req rq = {.op = WV_CHAN_THREAD, .type = suspend ? WV_THREAD_SUSPEND_ALL : WV_THREAD_RESUME_ALL};
        struct wv_chan_rep rp = {0};
        err = wv_chan_call(p, &rq, &rp);
        err = err ? err : rp.err;
    }
    wv_object_unref(&p->obj);
    return err ? wv_status_of(err) : STATUS_SUCCESS;
}

WV_MSABI NTSTATUS wv_nt_NtSuspendProcess(HANDLE h)
{
    return wv_suspend_process(h, true);
}

WV_MSABI NTSTATUS wv_nt_NtResumeProcess(HANDLE h)
{
    return wv_suspend_process(h, false);
}
