/* SPDX-License-Identifier: MIT */
/* dispatch.c - an exception in PE code, dispatched as Windows' RtlDispatchException does.
 *
 * Order: the vectored handlers (fault/except.c's table, PE handlers included); then the frame
 * walk from the faulting frame outwards, calling each frame's language handler
 * (UNW_FLAG_EHANDLER) through wv_seh_callout with a DISPATCHER_CONTEXT; then the innermost
 * winvm_try of winvm's own caller, if any; then the thread start's filter: the one PE code set
 * with RtlSetUnhandledExceptionFilter, else kernel32's, which calls the one PE code set with
 * SetUnhandledExceptionFilter; then winvm's report and the end of the process.
 *
 * A handler's answer: ExceptionContinueExecution resumes the (possibly changed) CONTEXT,
 * after the vectored continue handlers (fault/vectored.c) saw it (also when a vectored handler
 * or the filter continued it; not when a debugger did), unless the exception is noncontinuable: then STATUS_NONCONTINUABLE_EXCEPTION is raised,
 * nested on it.  ExceptionContinueSearch goes on; ExceptionNestedException marks the frames
 * up to the one named as nested; anything else raises STATUS_INVALID_DISPOSITION.  A handler
 * that handles the exception unwinds (RtlUnwindEx) and never returns here.
 *
 * A hardware fault arrives in the signal handler (wv_seh_fault): the record and the CONTEXT
 * are copied onto the faulting thread's stack, below its stack pointer, and the thread leaves
 * the signal handler into wv_seh_dispatch there, an ordinary call on its own stack with a zero
 * return address.  Faults at an address that is not PE code are left to the fault handler's own
 * dispatch.  A debugger (wv_seh_debug_hook) sees each exception first, and again when
 * nothing handled it, before the filter.  A stack overflow is dispatched the same way, on the guarantee fault/stkoflw.c
 * committed for it.
 */
#define _GNU_SOURCE
#include "seh/seh.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* The one top-level filter: a function and whether it is PE code's (ms_abi).  Guarded by
 * wv_filter_lock for writers; readers copy it under the lock too (two words). */
static struct {
    void *fn;
    bool pe;
} wv_filter;
/* RtlSetUnhandledExceptionFilter's: the filter of the frame every thread starts under
 * (RtlUserThreadStart's).  Until PE code sets one it is kernel32's UnhandledExceptionFilter,
 * which asks wv_filter; once set, that filter (PE code's, NULL for none) decides alone.
 * Guarded by wv_filter_lock. */
static struct {
    bool set;
    void *fn;
} wv_start_filter;
static pthread_mutex_t wv_filter_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread bool wv_in_filter;
/* Statuses raised on statuses (a handler that keeps answering garbage): bounded. */
static __thread int wv_status_depth;
int (*volatile wv_seh_debug_hook)(EXCEPTION_RECORD *rec, CONTEXT *ctx, bool first);
bool (*volatile wv_seh_debugged_hook)(void);

static bool wv_debugged(void)
{
    bool (*hook)(void) = wv_seh_debugged_hook;
    return hook && hook();
}

static int wv_debugger(EXCEPTION_RECORD *rec, CONTEXT *ctx, bool first)
{
    int (*hook)(EXCEPTION_RECORD *, CONTEXT *, bool) = wv_seh_debug_hook;
    return hook ? hook(rec, ctx, first) : -1;
}

/* The first chance: 1 continued, 0 not handled, -1 no debugger.  Not handled, the program's
 * handlers get the CONTEXT as it was raised, whatever the debugger set meanwhile (Windows'
 * kernel copies it back only for DBG_CONTINUE: ntdll exception.c's test_debugger records
 * it), and a breakpoint's Rip backed up by one even when RtlRaiseException raised it (the
 * kernel's dispatch does that for every STATUS_BREAKPOINT it sends on).  Its own function:
 * the copy stays off the dispatcher's frame when no debugger looks. */
static __attribute__((noinline)) int wv_first_chance(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
    if (!wv_seh_debug_hook)
        return -1;
    CONTEXT raised = *ctx;
    int r = wv_debugger(rec, ctx, true);
    if (r == 0) {
        *ctx = raised;
        if (rec->ExceptionCode == EXCEPTION_BREAKPOINT)
            ctx->Rip--;
    }
    return r;
}

static void *wv_filter_swap(void *fn, bool pe)
{
    pthread_mutex_lock(&wv_filter_lock);
    void *old = wv_filter.fn;
    wv_filter.fn = fn, wv_filter.pe = pe;
    pthread_mutex_unlock(&wv_filter_lock);
    return old;
}

wv_pe_filter wv_seh_set_filter(wv_pe_filter f) { return (wv_pe_filter)wv_filter_swap((void *)f, true); }
wv_host_filter wv_seh_set_host_filter(wv_host_filter f) { return (wv_host_filter)wv_filter_swap((void *)f, false); }

void wv_seh_set_start_filter(wv_pe_filter f)
{
    pthread_mutex_lock(&wv_filter_lock);
    wv_start_filter.set = true, wv_start_filter.fn = (void *)f;
    pthread_mutex_unlock(&wv_filter_lock);
}

/* A debugger's DBG_CONTINUE: the thread goes on, no handler of this process sees it. */
static __attribute__((noreturn)) void wv_continue(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
    if (rec->ExceptionFlags & EXCEPTION_NONCONTINUABLE)
        wv_seh_raise_status(STATUS_NONCONTINUABLE_EXCEPTION, rec, ctx);
    wv_seh_restore(ctx);
}

/* A handler of this process (vectored, frame-based, the filter) continued it: the continue
 * handlers run first and may still change the CONTEXT, as RtlDispatchException calls them. */
static __attribute__((noreturn)) void wv_continue_handled(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
    if (rec->ExceptionFlags & EXCEPTION_NONCONTINUABLE)
        wv_seh_raise_status(STATUS_NONCONTINUABLE_EXCEPTION, rec, ctx);
    EXCEPTION_POINTERS ep = {rec, ctx};
    wv_vectored_continue(&ep);
    wv_seh_restore(ctx);
}

void wv_seh_raise_status(DWORD status, EXCEPTION_RECORD *rec, const CONTEXT *ctx)
{
    EXCEPTION_RECORD r;
    CONTEXT c;
    memset(&r, 0, sizeof(r));
    r.ExceptionCode = status;
    r.ExceptionFlags = EXCEPTION_NONCONTINUABLE;
    r.ExceptionRecord = rec;
    r.ExceptionAddress = (PVOID)(uintptr_t)ctx->Rip;
    memcpy(&c, ctx, sizeof(c));
    c.ContextFlags &= ~(DWORD)0x40; /* the copy has no XSTATE area after it */
    if (++wv_status_depth > 16)
        wv_unhandled_end(&r);
    wv_seh_dispatch(&r, &c);
}

/* The frame walk; true when a handler asked to continue. */
static bool wv_frames(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
    CONTEXT cur;
    struct wv_step st;
    struct wv_link link;
    DWORD64 nested = 0;
    memcpy(&cur, ctx, sizeof(cur));
    cur.ContextFlags &= ~(DWORD)0x40; /* the walk's copy has no XSTATE area, as on Windows */
    for (int steps = 0; steps < 1000000; steps++) {
        enum wv_step_result r = wv_seh_step(&cur, UNW_FLAG_EHANDLER, &st);
        if (r == WV_STEP_LINK) {
            if (st.link->kind == WV_LINK_DISPATCH) { /* raised inside a handler: nested */
                rec->ExceptionFlags |= EXCEPTION_NESTED_CALL;
                nested = st.link->frame > nested ? st.link->frame : nested;
            }
            if (!wv_seh_link_resume(st.link, &cur))
                return false;
            continue;
        }
        if (r == WV_STEP_END)
            return false;
        if (r == WV_STEP_BAD || (st.handler && !wv_seh_frame_ok(st.frame))) {
            rec->ExceptionFlags |= EXCEPTION_STACK_INVALID;
            return false;
        }
        if (!st.handler)
            continue;
        wv_seh_link_init(&link, WV_LINK_DISPATCH, ctx);
        link.frame = st.frame;
        link.dc = (DISPATCHER_CONTEXT){.ControlPc = st.pc, .ImageBase = st.base, .FunctionEntry = st.fe,
                                       .EstablisherFrame = st.frame, .ContextRecord = &cur,
                                       .LanguageHandler = st.handler, .HandlerData = st.data};
        DWORD64 d = wv_seh_callout((void *)st.handler, (uintptr_t)rec, st.frame, (uintptr_t)ctx,
                                   (uintptr_t)&link.dc, &link);
        WV_TRACE(WV_TRACE_SEH, "exception %#x: frame %#llx, handler %p at pc %#llx answered %llu", rec->ExceptionCode,
                 (unsigned long long)st.frame, (void *)st.handler, (unsigned long long)st.pc, (unsigned long long)d);
        if (nested == st.frame) {
            rec->ExceptionFlags &= ~(DWORD)EXCEPTION_NESTED_CALL;
            nested = 0;
        }
        switch ((DWORD)d) {
        case ExceptionContinueExecution: return true;
        case ExceptionContinueSearch: break;
        case ExceptionNestedException:
            rec->ExceptionFlags |= EXCEPTION_NESTED_CALL;
            nested = link.dc.EstablisherFrame > nested ? link.dc.EstablisherFrame : nested;
            break;
        default: wv_seh_raise_status(STATUS_INVALID_DISPOSITION, rec, ctx);
        }
    }
    rec->ExceptionFlags |= EXCEPTION_STACK_INVALID;
    return false;
}

/* Calls filter f (PE code's when pe); EXCEPTION_CONTINUE_SEARCH without one.  A filter
 * already running on this thread is not called again (a fault in it is reported). */
static LONG wv_call_one_filter(void *f, bool pe, EXCEPTION_POINTERS *ep)
{
    if (!f || wv_in_filter)
        return EXCEPTION_CONTINUE_SEARCH;
    wv_in_filter = true;
    LONG r;
    if (pe) {
        struct wv_link link;
        wv_seh_link_init(&link, WV_LINK_PASS, NULL); /* exceptions in the filter go no further */
        r = (LONG)wv_seh_callout(f, (uintptr_t)ep, 0, 0, 0, &link);
    } else {
        r = ((wv_host_filter)f)(ep);
    }
    wv_in_filter = false;
    return r;
}

/* The filter PE code set with SetUnhandledExceptionFilter, called as the last chance. */
static LONG wv_call_filter(EXCEPTION_POINTERS *ep)
{
    pthread_mutex_lock(&wv_filter_lock);
    void *f = wv_filter.fn;
    bool pe = wv_filter.pe;
    pthread_mutex_unlock(&wv_filter_lock);
    return wv_call_one_filter(f, pe, ep);
}

LONG wv_seh_unhandled_filter(EXCEPTION_POINTERS *ep)
{
    LONG r = wv_call_filter(ep);
    if (r != EXCEPTION_CONTINUE_SEARCH)
        return r;
    wv_unhandled_report(ep->ExceptionRecord);
    return EXCEPTION_EXECUTE_HANDLER;
}

/* Nobody handled it: the filter PE code set, then the report. */
/* RtlUserThreadStart's frame handler answered with r: continued or ended; CONTINUE_SEARCH
 * returns. */
static void wv_start_verdict(EXCEPTION_RECORD *rec, CONTEXT *ctx, LONG r)
{
    if (r == EXCEPTION_CONTINUE_EXECUTION)
        wv_continue_handled(rec, ctx);
    if (r == EXCEPTION_EXECUTE_HANDLER) /* the program's own verdict: end, quietly */
        wv_fault_exit(rec->ExceptionCode);
}

/* Nobody handled it: the thread start's filter, the debugger's second chance, the report. */
static __attribute__((noreturn)) void wv_last_chance(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
    EXCEPTION_POINTERS ep = {rec, ctx};
    /* RtlSetUnhandledExceptionFilter's filter is RtlUserThreadStart's frame handler's: asked
     * before the debugger's second chance, as any frame handler is. */
    pthread_mutex_lock(&wv_filter_lock);
    bool set = wv_start_filter.set;
    void *f = wv_start_filter.fn;
    pthread_mutex_unlock(&wv_filter_lock);
    if (set)
        wv_start_verdict(rec, ctx, wv_call_one_filter(f, true, &ep));
    /* kernel32's UnhandledExceptionFilter asks no filter when a debugger is attached: the
     * debugger's second chance comes first; unless it continues, the process ends. */
    int dbg = wv_debugger(rec, ctx, false);
    if (dbg == 1)
        wv_continue(rec, ctx);
    if (dbg == 0)
        wv_fault_exit(rec->ExceptionCode);
    if (!set)
        wv_start_verdict(rec, ctx, wv_call_filter(&ep));
    wv_unhandled_end(rec);
}

void wv_seh_dispatch(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
    EXCEPTION_POINTERS ep = {rec, ctx};
    if (wv_trace_mask & WV_TRACE_SEH) {
        char where[160] = "";
        wv_image_describe((uintptr_t)rec->ExceptionAddress, where, sizeof(where));
        WV_TRACE(WV_TRACE_SEH, "exception %#x (flags %#x) at %p %s, rsp %#llx: dispatching", rec->ExceptionCode,
                 rec->ExceptionFlags, rec->ExceptionAddress, where, (unsigned long long)ctx->Rsp);
    }
    if (wv_fault_is_fastfail(rec)) { /* the debugger's second chance, then the end */
        wv_debugger(rec, ctx, false);
        wv_fault_exit(rec->ExceptionCode);
    }
    int dbg = wv_first_chance(rec, ctx); /* before any handler */
    if (dbg == 1)
        wv_continue(rec, ctx);
    /* An int3's trap left Rip past it (what the debugger saw); handlers see it at the int3,
     * as Windows' dispatcher backs it up (wv_first_chance did it under a debugger). */
    if (dbg < 0 && rec->ExceptionCode == EXCEPTION_BREAKPOINT && (uintptr_t)rec->ExceptionAddress + 1 == ctx->Rip)
        ctx->Rip--;
    if (wv_vectored(&ep) || wv_frames(rec, ctx))
        wv_continue_handled(rec, ctx);
    wv_try_deliver(rec, (uintptr_t)ctx->Rsp);
    wv_last_chance(rec, ctx);
}

void wv_seh_raise(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
    wv_status_depth = 0;
    wv_seh_dispatch(rec, ctx);
}

/* Entered from the signal handler on the thread's own stack (see the header comment). */
static __attribute__((noreturn, used)) void wv_seh_fault_entry(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
    wv_status_depth = 0;
    wv_seh_dispatch(rec, ctx);
}

/* Is the fault PE code's?  Its instruction is in a PE image (or, debugged, in any memory of
 * the program's), or it is the fetch of a call's
 * target that cannot run (NULL, freed or non-executable memory) whose return address, just
 * pushed, is in one: Windows raises that at the target, for the caller's frames. */
static bool wv_seh_fault_is_pe(const EXCEPTION_RECORD *rec, const greg_t *g)
{
    if (wv_seh_is_pe((DWORD64)g[REG_RIP]))
        return true;
    if (wv_debugged() && wv_seh_in_view((DWORD64)g[REG_RIP]))
        return true; /* code the program wrote: its debugger sees it first */
    DWORD64 ret;
    return rec->NumberParameters >= 2 && rec->ExceptionInformation[0] == 8 /* execute */ &&
           rec->ExceptionInformation[1] == (ULONG_PTR)g[REG_RIP] &&
           !wv_copy(&ret, (const void *)(uintptr_t)g[REG_RSP], sizeof(ret)) && wv_seh_is_pe(ret);
}

/* Where the exception's CONTEXT and record go on the faulting thread's stack, below rsp; false
 * when there is no room.  With AVX, as Windows' dispatcher lays them out: the CONTEXT, its
 * CONTEXT_EX, the record, then the XSTATE area at the next 64-byte boundary (fault/xstate.c
 * fills it from the signal frame) and CONTEXT_XSTATE in ContextFlags. */
#define WV_CTX_EX_SIZE 0x20 /* CONTEXT_EX: All, Legacy, XState and x64's 8 bytes of padding */

static bool wv_seh_fault_frame(const ucontext_t *uc, CONTEXT *ctx, const EXCEPTION_RECORD *rec, uintptr_t *at_ctx,
                               uintptr_t *at_rec)
{
    if (!wv_xstate_avx()) {
        *at_ctx = ((uintptr_t)ctx->Rsp - sizeof(CONTEXT)) & ~(uintptr_t)15;
        *at_rec = (*at_ctx - sizeof(EXCEPTION_RECORD)) & ~(uintptr_t)15;
        return !wv_copy((void *)*at_ctx, ctx, sizeof(*ctx)) && !wv_copy((void *)*at_rec, rec, sizeof(*rec));
    }
    uintptr_t xs = ((uintptr_t)ctx->Rsp - WV_XSTATE_AREA) & ~(uintptr_t)63;
    uintptr_t c = (xs - sizeof(EXCEPTION_RECORD) - WV_CTX_EX_SIZE - sizeof(CONTEXT)) & ~(uintptr_t)15;
    uintptr_t ex = c + sizeof(CONTEXT);
    LONG off = (LONG)(xs - ex);
    struct {
        LONG off;
        ULONG len;
    } chunk[4] = {{-(LONG)sizeof(CONTEXT), (ULONG)(sizeof(CONTEXT) + (ULONG)off + WV_XSTATE_AREA)},
                  {-(LONG)sizeof(CONTEXT), sizeof(CONTEXT)},
                  {off, WV_XSTATE_AREA},
                  {0, 0}};
    BYTE area[WV_XSTATE_AREA];
    wv_xstate_area(area, uc);
    ctx->ContextFlags |= CONTEXT_AMD64 | 0x40; /* CONTEXT_XSTATE */
    *at_ctx = c, *at_rec = ex + WV_CTX_EX_SIZE;
    return !wv_copy((void *)c, ctx, sizeof(*ctx)) && !wv_copy((void *)ex, chunk, sizeof(chunk)) &&
           !wv_copy((void *)*at_rec, rec, sizeof(*rec)) && !wv_copy((void *)xs, area, sizeof(area));
}

static bool wv_seh_fault(EXCEPTION_RECORD *rec, ucontext_t *uc)
{
    greg_t *g = uc->uc_mcontext.gregs;
    if (!wv_seh_fault_is_pe(rec, g))
        return false;
    CONTEXT ctx;
    wv_context_from(uc, &ctx);
    wv_dbg_get_self(&ctx); /* Dr0-7 as the thread has them (fault/dbgreg.c) */
    uintptr_t at_ctx, at_rec;
    if (!wv_seh_fault_frame(uc, &ctx, rec, &at_ctx, &at_rec))
        return false; /* no room on the stack: the fault handler reports it */
    uintptr_t sp = (at_ctx < at_rec ? at_ctx : at_rec) - 8; /* as after a call: the return address slot, zero */
    DWORD64 zero = 0;
    if (wv_copy((void *)sp, &zero, sizeof(zero)))
        return false;
    g[REG_RIP] = (greg_t)(uintptr_t)wv_seh_fault_entry;
    g[REG_RSP] = (greg_t)sp;
    g[REG_RDI] = (greg_t)at_rec;
    g[REG_RSI] = (greg_t)at_ctx;
    g[REG_EFL] &= ~(greg_t)0x500; /* direction and trap flags clear, as C code expects */
    return true;
}

void wv_seh_init(void)
{
    wv_fault_pe_hook = wv_seh_fault;
    wv_fault_filter_hook = wv_call_filter; /* host code's unhandled exceptions ask it too */
}
