/* SPDX-License-Identifier: MIT */
/* debug_attach.c - DebugActiveProcess: a debugger attaches to a running winvm process that is
 * not its child (docs/debugging.md).
 *
 * The debugger makes a debug channel (a socketpair, as CreateProcess does for a debugged child)
 * and hands the debuggee's end to the target over the target's control channel
 * (procchan_*.c: WV_CHAN_DEBUG with the descriptor beside it).  That channel is per user: its
 * directory is the user's own (mode 0700) and the target checks its peer's credentials, so a
 * debugger of another user cannot reach it (ERROR_ACCESS_DENIED).  The target's runtime then
 * reports its events as a debugged child's does, starting with what Windows sends on attach:
 * CREATE_PROCESS (the main thread), CREATE_THREAD for each thread already running, LOAD_DLL for
 * each DLL loaded, then a new thread's CREATE_THREAD, its breakpoint (first chance, at
 * DbgBreakPoint) and EXIT_THREAD, as DbgUiRemoteBreakin's.  The program's threads stand still
 * (debug_freeze.c) from before the first of these to after the last, so its own events follow.
 */
#define _GNU_SOURCE
#include "runtime/debug_int.h"
#include "runtime/procchan.h"
#include "runtime/thread_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WV_ATTACH_MAX 256

/* ---- the debuggee's side: the attach events, from a thread of their own ---- */

static size_t wv_attach_dlls(uintptr_t *out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&wv_loader_lock);
    for (struct wv_module *m = wv_modules; m && n < cap; m = m->next)
        if (m != wv_main_module && m->base)
            out[n++] = m->base; /* newest first */
    pthread_mutex_unlock(&wv_loader_lock);
    return n;
}

static void wv_attach_threads(DWORD main_tid)
{
    struct wv_thread *ts[WV_ATTACH_MAX];
    size_t n = wv_thread_snapshot(ts, WV_ATTACH_MAX);
    for (size_t i = 0; i < n; i++) {
        struct wv_thread *t = ts[i];
        if (t->pe && t->tid != main_tid && t->running && !__atomic_load_n(&t->done, __ATOMIC_ACQUIRE))
            wv_debug_event(t->tid, CREATE_THREAD_DEBUG_EVENT, (uintptr_t)t->start, (uintptr_t)t->teb, 0);
        wv_object_unref(&t->obj);
    }
}

static void *wv_attach_events(void *arg)
{
    (void)arg;
    /* The program stands still for the whole attach, as Windows posts these events at once. */
    struct wv_freeze *frozen = wv_debug_freeze();
    wv_debug_attach_begin();
    DWORD main_tid = (DWORD)getpid(), self = GetCurrentThreadId();
    struct wv_module *exe = wv_main_module;
    uintptr_t base = exe ? exe->base : 0;
    uintptr_t entry = exe && exe->img->pe.entry_rva ? base + exe->img->pe.entry_rva : 0;
    wv_debug_event(main_tid, CREATE_PROCESS_DEBUG_EVENT, base, entry, 0);
    uintptr_t dll[WV_ATTACH_MAX];
    size_t n = wv_attach_dlls(dll, WV_ATTACH_MAX);
    wv_debug_mark_started(); /* from here new threads and DLLs report themselves */
    wv_attach_threads(main_tid);
    while (n > 0)
        wv_debug_event(main_tid, LOAD_DLL_DEBUG_EVENT, dll[--n], 0, 0); /* oldest first */
    wv_debug_event(self, CREATE_THREAD_DEBUG_EVENT, (uintptr_t)wv_nt_DbgBreakPoint, 0, 0);
    wv_debug_break_in();
    wv_debug_event(self, EXIT_THREAD_DEBUG_EVENT, 0, 0, 0);
    wv_debug_attach_end();
    wv_debug_thaw(frozen);
    return NULL;
}

DWORD wv_debug_attach_start(void)
{
    pthread_attr_t a;
    pthread_t t;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &a, wv_attach_events, NULL);
    pthread_attr_destroy(&a);
    return rc ? ERROR_NOT_ENOUGH_MEMORY : 0;
}

/* ---- the debugger's side ---- */

static DWORD wv_attach_to(struct wv_process *p)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return ERROR_TOO_MANY_OPEN_FILES;
    struct wv_chan_req *rq = calloc(1, sizeof(*rq));
    struct wv_chan_rep rp = {0};
    DWORD err = rq ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    if (rq) {
        rq->op = WV_CHAN_DEBUG;
        err = wv_chan_call_fd(p, rq, sv[1], &rp);
        err = err ? err : rp.err;
    }
    free(rq);
    close(sv[1]);
    if (err) {
        close(sv[0]);
        return err;
    }
    wv_debug_adopt(p, sv[0]);
    return 0;
}

/* As Windows, the debug object comes first (DbgUiConnectToDbg), the attach after: a refused
 * attach (this process, Wine's loader.c) leaves the caller a debugger whose waits time out. */
BOOL WINAPI DebugActiveProcess(DWORD pid)
{
    wv_debug_connect();
    if (pid == (DWORD)getpid())
        return wv_fail(ERROR_ACCESS_DENIED); /* a process cannot debug itself */
    HANDLE h = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pid);
    if (!h)
        return FALSE; /* OpenProcess's error: ERROR_INVALID_PARAMETER for no such process */
    struct wv_process *p = (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, NULL);
    DWORD err = p ? wv_attach_to(p) : ERROR_INVALID_HANDLE;
    if (p)
        wv_object_unref(&p->obj);
    CloseHandle(h);
    return err ? wv_fail(err) : TRUE;
}
