/* SPDX-License-Identifier: MIT */
/* debug_child.c - the debuggee's side of the debug API: this runtime reports its own events to
 * the debugger that created it (debug_int.h: the channel), in Windows' order, and the
 * reporting thread waits for ContinueDebugEvent's answer as on Windows.
 *
 * CREATE_PROCESS, then LOAD_DLL for each DLL loaded with the EXE, then the initial breakpoint
 * (first chance, at DbgBreakPoint) are sent just before the entry point runs; later DLLs are
 * reported as the loader links and unlinks them; a new thread reports CREATE_THREAD before its
 * start routine and EXIT_THREAD after it.  An exception in PE code is reported first
 * chance before any handler of the program runs (DBG_CONTINUE resumes at once with the
 * CONTEXT as it is) and second chance when nothing handled it (anything but DBG_CONTINUE ends
 * the process).  OutputDebugString goes to the debugger (without one: to the vectored
 * handlers, as an exception); EXIT_PROCESS carries the code.
 *
 * The debugger gone (its end closed without DebugActiveProcessStop): the process ends with
 * DBG_TERMINATE_PROCESS when the debugger's kill-on-exit was set (the default), else it goes on
 * undebugged.  Replies are serialised: one thread reports at a time.
 */
#define _GNU_SOURCE
#include "runtime/debug_int.h"
#include "runtime/thunk.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WV_DBG_EARLY_MAX 64

static int wv_dbg_fd = -1;
static int wv_dbg_pending = -1;  /* DebugActiveProcess's channel until its events begin */
static DWORD wv_dbg_attaching;   /* the thread sending the attach events: others wait */
static bool wv_dbg_kill = true, wv_dbg_started;
static pthread_mutex_t wv_dbg_lock = PTHREAD_MUTEX_INITIALIZER;
/* DLLs linked before CREATE_PROCESS could be sent: reported right after it. */
static uintptr_t wv_dbg_early[WV_DBG_EARLY_MAX];
static size_t wv_dbg_nearly;

bool wv_debug_attached(void) { return __atomic_load_n(&wv_dbg_fd, __ATOMIC_ACQUIRE) >= 0; }

static void wv_dbg_being_debugged(bool on)
{
    uint8_t *peb = wv_peb();
    if (peb)
        peb[2] = on; /* PEB.BeingDebugged, what IsDebuggerPresent reads on Windows */
}

/* Lock held: the channel is dropped; ends the process when the debugger asked for that. */
static void wv_dbg_lost(bool detached)
{
    close(wv_dbg_fd);
    __atomic_store_n(&wv_dbg_fd, -1, __ATOMIC_RELEASE);
    wv_dbg_being_debugged(false);
    if (!detached && wv_dbg_kill) {
        wv_child_exit(DBG_TERMINATE_PROCESS);
        _exit(1);
    }
}

/* The reporting thread's registers while its event waits (lock held): an exception's CONTEXT,
 * resumed as the debugger leaves it; else a snapshot taken at the report (the thread is in
 * winvm's code then), which the debugger may read but not change. */
static CONTEXT *wv_dbg_ctx;
static bool wv_dbg_ctx_live;
static DWORD wv_dbg_rep;              /* the thread the waiting event is from */
static struct wv_freeze *wv_dbg_frozen; /* the others, frozen for it */

/* SET_CONTEXT: the debugger's parts merged into the waiting thread's; the code segment, stack
 * segment and the system flags stay (iretq would fault on others), and so do the data
 * selectors, which Windows x64 does not take from a CONTEXT either (a read back shows its own:
 * Wine's exception.c, test_debugger's stage 16).  The debug registers are the thread's
 * (fault/dbgreg.c), set at once, and in the exception's CONTEXT too, whose continue would give
 * back the old ones; an I/O breakpoint is refused. */
static DWORD wv_dbg_set_context(const CONTEXT *c)
{
    DWORD flags = c->ContextFlags;
    bool dr = (flags & CONTEXT_DEBUG_REGISTERS & 0xff) != 0;
    if (!wv_dbg_ctx_live)
        flags &= ~(DWORD)(CONTEXT_DEBUG_REGISTERS & 0xff); /* a snapshot: they are set already */
    CONTEXT next = *wv_dbg_ctx;
    wv_context_merge(&next, c, flags);
    const DWORD user = 0x0cd5 | 0x0100; /* status flags, direction, trap */
    next.SegCs = wv_dbg_ctx->SegCs, next.SegSs = wv_dbg_ctx->SegSs;
    next.SegDs = wv_dbg_ctx->SegDs, next.SegEs = wv_dbg_ctx->SegEs;
    next.SegFs = wv_dbg_ctx->SegFs, next.SegGs = wv_dbg_ctx->SegGs;
    next.EFlags = (wv_dbg_ctx->EFlags & ~user) | (next.EFlags & user);
    next.MxCsr &= 0xffff, next.FltSave.MxCsr &= 0xffff; /* reserved bits would fault */
    if (!wv_dbg_ctx_live && memcmp(&next, wv_dbg_ctx, sizeof(next)))
        return ERROR_NOT_SUPPORTED;
    DWORD err = dr ? wv_dbg_set(wv_dbg_rep, c) : 0;
    if (!err && wv_dbg_ctx_live)
        *wv_dbg_ctx = next;
    return err;
}

/* Lock held: a context request answered; false when the channel broke.  Not inlined: its
 * CONTEXT stays off the frame of every report (a new thread's stack is short of committed). */
static __attribute__((noinline)) bool wv_dbg_context_request(const struct wv_dbg_ctx_msg *in, ssize_t n)
{
    DWORD tid = in->m.value;
    bool other = tid && tid != wv_dbg_rep; /* another thread than the reporter */
    if (in->m.kind == WV_DBG_GET_CONTEXT) {
        struct wv_dbg_ctx_msg out = {.m = {0, 0}, .c = *wv_dbg_ctx};
        if (other) {
            memset(&out.c, 0, sizeof(out.c));
            out.c.ContextFlags = CONTEXT_FULL | CONTEXT_SEGMENTS;
            out.m.kind = wv_debug_frozen_context(wv_dbg_frozen, tid, &out.c, false);
        }
        wv_dbg_get(other ? tid : wv_dbg_rep, &out.c); /* as the thread has them now */
        return send(wv_dbg_fd, &out, sizeof(out), MSG_NOSIGNAL) == (ssize_t)sizeof(out);
    }
    if (n != (ssize_t)sizeof(*in))
        return false;
    CONTEXT *c = (CONTEXT *)&in->c; /* read only: the set leaves it as it is */
    DWORD err = other ? wv_debug_frozen_context(wv_dbg_frozen, tid, c, true) : wv_dbg_set_context(c);
    return send(wv_dbg_fd, &err, sizeof(err), MSG_NOSIGNAL) == (ssize_t)sizeof(err);
}

/* Lock held: the debugger's answer, reading kill-on-exit settings and serving context requests
 * on the way; 0 when the debugger detached or went away (nobody handled the event). */
static DWORD wv_dbg_answer(void)
{
    for (;;) {
        struct wv_dbg_ctx_msg in;
        ssize_t n = recv(wv_dbg_fd, &in, sizeof(in), 0);
        if (n < 0 && errno == EINTR)
            continue;
        bool ok = n == (ssize_t)sizeof(in.m) ||
                  (n == (ssize_t)sizeof(in) && in.m.kind == WV_DBG_SET_CONTEXT);
        if (ok && (in.m.kind == WV_DBG_GET_CONTEXT || in.m.kind == WV_DBG_SET_CONTEXT))
            ok = wv_dbg_context_request(&in, n);
        if (!ok) {
            wv_dbg_lost(false);
            return 0;
        }
        if (in.m.kind == WV_DBG_KILL_FLAG)
            wv_dbg_kill = in.m.value != 0;
        else if (in.m.kind == WV_DBG_DETACH) {
            wv_dbg_lost(true);
            return 0;
        } else if (in.m.kind == WV_DBG_REPLY)
            return in.m.value;
    }
}

/* Sends one event and waits for its answer: DBG_CONTINUE, DBG_EXCEPTION_NOT_HANDLED, or 0
 * with no debugger (now).  ctx: the exception's CONTEXT the thread resumes with, or NULL. */
static DWORD wv_dbg_report(struct wv_dbg_event *ev, CONTEXT *ctx)
{
    if (!wv_debug_attached())
        return 0;
    DWORD me = GetCurrentThreadId(), a;
    while ((a = __atomic_load_n(&wv_dbg_attaching, __ATOMIC_ACQUIRE)) && a != me) {
        struct timespec ts = {0, 1000000}; /* the attach events go first, as Windows posts them */
        nanosleep(&ts, NULL);
    }
    if (!ev->tid) /* set: an attach reporting the threads that were there */
        ev->tid = me;
    CONTEXT snap; /* the reporting thread's registers, read-only to the debugger (gdbserver);
                   * none for an attach's report of another thread */
    memset(&snap, 0, sizeof(snap));
    if (!ctx && ev->tid == me) {
        wv_seh_capture(&snap);
        if (ev->code == EXCEPTION_DEBUG_EVENT) /* the initial breakpoint: shown past its int3 */
            snap.Rip = (DWORD64)(uintptr_t)ev->rec.ExceptionAddress + 1;
    }
    pthread_mutex_lock(&wv_dbg_lock);
    DWORD r = 0;
    if (wv_dbg_fd >= 0) {
        wv_dbg_ctx = ctx ? ctx : &snap, wv_dbg_ctx_live = ctx != NULL;
        /* A failed send still reads what the debugger left (its kill-on-exit) before the end. */
        struct wv_freeze *frozen = wv_debug_freeze(); /* Windows' debuggee stands still */
        wv_dbg_rep = ev->tid, wv_dbg_frozen = frozen;
        ssize_t n = send(wv_dbg_fd, ev, sizeof(*ev), MSG_NOSIGNAL);
        r = wv_dbg_answer();
        wv_debug_thaw(frozen);
        if (n != (ssize_t)sizeof(*ev))
            r = 0;
        wv_dbg_ctx = NULL, wv_dbg_frozen = NULL;
    }
    pthread_mutex_unlock(&wv_dbg_lock);
    return r;
}

static DWORD wv_dbg_simple(DWORD code, uint64_t a, uint64_t b, DWORD value)
{
    struct wv_dbg_event ev = {.code = code, .a = a, .b = b, .value = value};
    return wv_dbg_report(&ev, NULL);
}

/* 1: the debugger continued it (DBG_CONTINUE); 0: not handled; -1: no debugger. */
static int wv_dbg_exception(EXCEPTION_RECORD *rec, CONTEXT *ctx, bool first)
{
    if (!wv_debug_attached())
        return -1;
    struct wv_dbg_event ev = {.code = EXCEPTION_DEBUG_EVENT, .value = first};
    memcpy(&ev.rec, rec, sizeof(ev.rec));
    ev.rec.ExceptionRecord = NULL; /* a pointer into this process: the debugger reads memory */
    if (first && rec->ExceptionCode == DBG_RIPEXCEPTION && rec->NumberParameters >= 2)
        ev.code = RIP_EVENT; /* Windows' kernel sends it as such: {error, type} */
    DWORD r = wv_dbg_report(&ev, ctx);
    return r == DBG_CONTINUE ? 1 : r ? 0 : -1;
}

static void wv_dbg_dll(uintptr_t base, bool load)
{
    if (!wv_debug_attached())
        return;
    if (__atomic_load_n(&wv_dbg_started, __ATOMIC_ACQUIRE))
        wv_dbg_simple(load ? LOAD_DLL_DEBUG_EVENT : UNLOAD_DLL_DEBUG_EVENT, base, 0, 0);
    else if (load && wv_dbg_nearly < WV_DBG_EARLY_MAX)
        wv_dbg_early[wv_dbg_nearly++] = base; /* the main thread, loading the EXE's imports */
}

void wv_debug_child_init(int fd)
{
    wv_dbg_fd = fd;
    wv_seh_debugged_hook = wv_debug_attached;
    wv_seh_debug_hook = wv_dbg_exception;
    wv_ldr_debug_hook = wv_dbg_dll;
}

void wv_debug_started(uintptr_t exe_base, uintptr_t entry)
{
    if (!wv_debug_attached())
        return;
    wv_dbg_being_debugged(true);
    wv_dbg_simple(CREATE_PROCESS_DEBUG_EVENT, exe_base, entry, 0);
    for (size_t i = 0; i < wv_dbg_nearly; i++)
        if (wv_dbg_early[i] != exe_base)
            wv_dbg_simple(LOAD_DLL_DEBUG_EVENT, wv_dbg_early[i], 0, 0);
    __atomic_store_n(&wv_dbg_started, true, __ATOMIC_RELEASE);
    wv_debug_break_in(); /* Windows' loader breaks in once the process is loaded (LdrpDoDebuggerBreak) */
}

/* The initial breakpoint is at ntdll's DbgBreakPoint, as PE code sees it (its stub in the
 * generated ntdll.dll image): a debugger finds it inside ntdll. */
static PVOID wv_dbg_break_address(void)
{
    const struct wv_builtin *nt = wv_builtin_named("ntdll.dll");
    void *at = NULL;
    if (!nt || wv_builtin_proc(nt, "DbgBreakPoint", &at) || !at)
        at = (void *)(uintptr_t)wv_nt_DbgBreakPoint;
    return at;
}

void wv_debug_break_in(void)
{
    EXCEPTION_RECORD rec = {.ExceptionCode = EXCEPTION_BREAKPOINT, .ExceptionAddress = wv_dbg_break_address()};
    if (wv_dbg_exception(&rec, NULL, true) == 0 && wv_dbg_exception(&rec, NULL, false) == 0)
        wv_fault_exit(EXCEPTION_BREAKPOINT);
}

/* ---- DebugActiveProcess reaching a running process (debug_attach.c sends the events) ---- */

DWORD wv_debug_attach(int fd)
{
    /* Not under wv_dbg_lock: a reporter holds it until its debugger answers, and that debugger
     * may be the one asking here (a second attach).  The channel waits in wv_dbg_pending until
     * the attach thread has the program standing still (wv_debug_attach_begin). */
    wv_seh_debugged_hook = wv_debug_attached;
    wv_seh_debug_hook = wv_dbg_exception; /* both ask wv_debug_attached() first */
    wv_ldr_debug_hook = wv_dbg_dll;
    int none = -1;
    bool busy = wv_debug_attached() ||
                !__atomic_compare_exchange_n(&wv_dbg_pending, &none, fd, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    if (busy) {
        close(fd);
        return ERROR_ACCESS_DENIED; /* one debugger at a time, as on Windows */
    }
    DWORD err = wv_debug_attach_start();
    if (err) { /* no events will come: undebugged still */
        close(fd);
        __atomic_store_n(&wv_dbg_pending, -1, __ATOMIC_RELEASE);
    }
    return err;
}

void wv_debug_attach_begin(void)
{
    __atomic_store_n(&wv_dbg_attaching, GetCurrentThreadId(), __ATOMIC_RELEASE);
    wv_dbg_kill = true;
    __atomic_store_n(&wv_dbg_fd, __atomic_load_n(&wv_dbg_pending, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
    __atomic_store_n(&wv_dbg_pending, -1, __ATOMIC_RELEASE);
}

void wv_debug_attach_end(void) { __atomic_store_n(&wv_dbg_attaching, 0, __ATOMIC_RELEASE); }

DWORD wv_debug_event(DWORD tid, DWORD code, uint64_t a, uint64_t b, DWORD value)
{
    struct wv_dbg_event ev = {.code = code, .tid = tid, .a = a, .b = b, .value = value};
    return wv_dbg_report(&ev, NULL);
}

void wv_debug_mark_started(void)
{
    wv_dbg_being_debugged(true);
    __atomic_store_n(&wv_dbg_started, true, __ATOMIC_RELEASE);
}

void wv_debug_exit(DWORD code)
{
    if (wv_debug_attached())
        wv_dbg_simple(EXIT_PROCESS_DEBUG_EVENT, 0, 0, code);
}

void wv_debug_thread(bool create, uintptr_t start, uintptr_t teb, DWORD code)
{
    if (wv_debug_attached() && __atomic_load_n(&wv_dbg_started, __ATOMIC_ACQUIRE))
        wv_dbg_simple(create ? CREATE_THREAD_DEBUG_EVENT : EXIT_THREAD_DEBUG_EVENT, start, teb, code);
}

/* ---- OutputDebugString ----
 * Without a debugger, as Windows: the string is raised as an exception inside the call's own
 * __try, so the vectored handlers see it (and the continue handlers, when one of them
 * continued it), no frame-based handler of the caller does (the call's own __except is the
 * innermost frame), and nobody handling it ends it quietly.  A debugger attached gets
 * OUTPUT_DEBUG_STRING_EVENT instead; its DBG_EXCEPTION_NOT_HANDLED passes the exception on to
 * the vectored handlers as above, the ANSI one twice (wv_dbg_print_after).
 * WINVM_DEBUGSTRINGS=1 copies the strings no debugger gets to stderr. */

static void wv_dbg_stderr(const char *s)
{
    const char *on = getenv("WINVM_DEBUGSTRINGS");
    if (!s || !on || !*on || !strcmp(on, "0"))
        return;
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(2, s, n);
        if (w <= 0)
            break;
        s += w, n -= (size_t)w;
    }
}

/* The exception to the vectored handlers only: true when one continued it. */
static bool wv_dbg_print_raise(DWORD code, DWORD nargs, const ULONG_PTR *args)
{
    EXCEPTION_RECORD rec = {.ExceptionCode = code, .NumberParameters = nargs};
    CONTEXT ctx;
    wv_seh_capture(&ctx);
    rec.ExceptionAddress = (PVOID)(uintptr_t)ctx.Rip;
    memcpy(rec.ExceptionInformation, args, nargs * sizeof(args[0]));
    EXCEPTION_POINTERS ep = {&rec, &ctx};
    if (!wv_vectored(&ep))
        return false;
    wv_vectored_continue(&ep); /* the CONTEXT they leave is this call's own: not resumed */
    return true;
}

/* What the debugger answered a string: none attached, handled it, or passed it on. */
enum wv_ods { WV_ODS_NO_DEBUGGER, WV_ODS_HANDLED, WV_ODS_NOT_HANDLED };

/* To the debugger; without one, to stderr if asked. */
static enum wv_ods wv_dbg_output(const char *s)
{
    if (!wv_debug_attached())
        return wv_dbg_stderr(s), WV_ODS_NO_DEBUGGER;
    size_t n = strlen(s) + 1;
    DWORD r = wv_dbg_simple(OUTPUT_DEBUG_STRING_EVENT, (uintptr_t)s, 0, n > 0xffff ? 0xffff : (DWORD)n);
    return r == DBG_EXCEPTION_NOT_HANDLED ? WV_ODS_NOT_HANDLED : WV_ODS_HANDLED;
}

/* s: the caller's string (what the handlers are given), c: its copy.  True: a vectored
 * handler continued it. */
static bool wv_dbg_print_a(LPCSTR s, const char *c)
{
    ULONG_PTR args[2] = {strlen(c) + 1, (ULONG_PTR)s};
    return wv_dbg_print_raise(DBG_PRINTEXCEPTION_C, 2, args);
}

/* The ANSI exception after the debugger's answer.  A debugger that passes the string on
 * makes Windows dispatch DBG_PRINTEXCEPTION_C twice (Wine's ntdll exception tests record 2
 * for A and for W, "is 2 a Windows bug?"); programs counting them see the same here.  The
 * second comes only when no vectored handler continued the first. */
static void wv_dbg_print_after(LPCSTR s, const char *c, enum wv_ods answer)
{
    if (answer == WV_ODS_HANDLED || wv_dbg_print_a(s, c))
        return;
    if (answer == WV_ODS_NOT_HANDLED)
        wv_dbg_print_a(s, c);
}

/* An unreadable string raises nothing (Windows' own strlen faults inside its __try). */
void WINAPI OutputDebugStringA(LPCSTR s)
{
    char *c = NULL;
    if (!s || wv_user_str(s, &c))
        return;
    wv_dbg_print_after(s, c, wv_dbg_output(c));
    free(c);
}

void WINAPI OutputDebugStringW(LPCWSTR s)
{
    WCHAR *w = NULL;
    char *c = NULL;
    size_t wlen;
    if (!s || wv_user_units(s, sizeof(WCHAR), (void **)&w, &wlen) || wv_user_wstr(w, WV_TEXT_REPLACE, &c)) {
        free(w);
        return;
    }
    enum wv_ods answer = wv_dbg_output(c);
    if (answer != WV_ODS_HANDLED) {
        ULONG_PTR args[4] = {wlen + 1, (ULONG_PTR)s, strlen(c) + 1, (ULONG_PTR)c};
        if (!wv_dbg_print_raise(DBG_PRINTEXCEPTION_WIDE_C, 4, args))
            wv_dbg_print_after(c, c, answer); /* OutputDebugStringA of the ANSI form, as Windows falls back */
    }
    free(w);
    free(c);
}

/* ---- DbgBreakPoint / DebugBreak: EXCEPTION_BREAKPOINT raised at the caller ---- */

static __attribute__((noreturn, used)) WV_MSABI void wv_dbg_break_core(DWORD64 a, DWORD64 b, DWORD64 c, DWORD64 d,
                                                                         CONTEXT *ctx, const DWORD64 *stack)
{
    (void)a, (void)b, (void)c, (void)d, (void)stack;
    EXCEPTION_RECORD rec = {.ExceptionCode = EXCEPTION_BREAKPOINT, .ExceptionAddress = (PVOID)(uintptr_t)ctx->Rip};
    wv_seh_raise(&rec, ctx); /* continued: the caller goes on past the call */
}
WV_CAPTURING("wv_nt_DbgBreakPoint", "wv_dbg_break_core");
