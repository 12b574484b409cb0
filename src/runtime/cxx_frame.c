/* SPDX-License-Identifier: MIT */
/* cxx_frame.c - __CxxFrameHandler3 (and its older names __CxxFrameHandler, __CxxFrameHandler2):
 * the language handler MSVC and clang-cl give every x64 function with C++ EH, over the
 * function's FuncInfo (the unwind info's handler data is its RVA).
 *
 * The state: the IP-to-state map gives the state at the frame's pc (the last entry at or below
 * it; -1 before the first).  The function keeps two words at its unwind-help offset, set to
 * -2 and -1 by its prologue: the first, when not -2, is the state a previous partial unwind of
 * the frame left it in; the second, when above the pc's state, is the state of a catch of the
 * function whose funclet an exception is leaving (set by the funclet's frame, which is walked
 * first): the try blocks around that catch are the ones searched, not the try it belongs to.
 *
 * Catch funclets have the same handler and FuncInfo; a frame whose function entry starts at a
 * catch handler is one, the parent's establisher frame kept at the clause's frame offset in
 * its own.  There, only try blocks inside that catch are searched, and unwinding it runs the
 * catch's destructors down to the try's end state and ends the catch (cxx_catch.c).
 *
 * Dispatch: a rethrow (no object, no ThrowInfo) is the innermost running catch's exception
 * (none: it propagates unchanged, as MSVC's runtime lets it, to the unhandled-exception path);
 * the try blocks holding the state are searched innermost first, each clause in order
 * (cxx_match.c); the first match's parameter is built and the unwind to the frame calls the
 * catch (cxx_catch.c).  A function built with /EHs (EHFlags bit 0) ignores exceptions that are
 * not C++ ones, except unwinds for a longjmp (a catch funclet it leaves still ends); catch(...)
 * never takes a breakpoint (STATUS_BREAKPOINT is left to debuggers); a noexcept function that
 * would pass a C++ exception on outside its catches calls std::terminate.
 * Unwind: the destructors of the unwind map run from the state down to the target (the try's
 * first state in the catch's frame; -1, leaving the function, elsewhere), each entry's state
 * recorded before its funclet is called, so an unwind that collides does not run it twice.
 */
#include "runtime/cxx_int.h"

#include <string.h>

struct wv_cxx_frame {
    struct wv_func_info fi;
    DISPATCHER_CONTEXT *dc;
    DWORD64 frame, parent, help; /* help: the unwind-help words (in the parent's frame) */
    int state;
    bool funclet;
    struct wv_try_block in;      /* funclet: the try whose catch it is */
    const CONTEXT *resume;       /* where what destructors raise walks on */
};

static int wv_cxx_ip_state(const struct wv_cxx_frame *f)
{
    DWORD64 map = f->dc->ImageBase + (DWORD)f->fi.ip_map, pc = f->dc->ControlPc - f->dc->ImageBase;
    DWORD lo = 0, hi = f->fi.ip_count; /* the first entry above pc is in [lo, hi] */
    while (lo < hi) {
        DWORD mid = lo + (hi - lo) / 2;
        struct wv_ip_state e;
        if (!wv_seh_read(&e, map + 8 * (DWORD64)mid, sizeof(e)))
            return -1;
        if ((DWORD64)(DWORD)e.ip <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    struct wv_ip_state e;
    return lo && wv_seh_read(&e, map + 8 * (DWORD64)(lo - 1), sizeof(e)) ? e.state : -1;
}

static bool wv_cxx_try_at(const struct wv_cxx_frame *f, DWORD i, struct wv_try_block *t)
{
    return wv_seh_read(t, f->dc->ImageBase + (DWORD)f->fi.try_map + sizeof(*t) * (DWORD64)i, sizeof(*t));
}

static bool wv_cxx_clause_at(const struct wv_cxx_frame *f, const struct wv_try_block *t, int j,
                             struct wv_handler_type *h)
{
    return wv_seh_read(h, f->dc->ImageBase + (DWORD)t->handlers + sizeof(*h) * (DWORD64)j, sizeof(*h));
}

/* Whether the frame is a catch funclet's: f->in and f->parent then set. */
static bool wv_cxx_find_funclet(struct wv_cxx_frame *f)
{
    RUNTIME_FUNCTION fe;
    if (!f->dc->FunctionEntry || !wv_seh_read(&fe, (uintptr_t)f->dc->FunctionEntry, sizeof(fe)))
        return false;
    for (DWORD i = 0; i < f->fi.try_count && i < 65536; i++) {
        struct wv_try_block t;
        if (!wv_cxx_try_at(f, i, &t))
            return false;
        for (int j = 0; j < t.count && j < 65536; j++) {
            struct wv_handler_type h;
            if (!wv_cxx_clause_at(f, &t, j, &h))
                return false;
            if ((DWORD)h.handler != fe.BeginAddress)
                continue;
            f->in = t;
            return wv_seh_read(&f->parent, f->frame + (DWORD64)(int64_t)h.frame, sizeof(f->parent));
        }
    }
    return false;
}

static bool wv_cxx_help(const struct wv_cxx_frame *f, int *w) { return f->help && wv_seh_read(w, f->help, 8); }
static void wv_cxx_set_help(const struct wv_cxx_frame *f, int i, int v)
{
    if (f->help)
        (void)wv_copy((void *)(uintptr_t)(f->help + 4 * (DWORD64)i), &v, sizeof(v));
}

/* Runs the unwind map's destructors from the frame's state down to last (exclusive). */
static void wv_cxx_local_unwind(const struct wv_cxx_frame *f, int last)
{
    int w[2], cur = f->state;
    if (wv_cxx_help(f, w) && w[0] != -2)
        cur = w[0];
    DWORD64 map = f->dc->ImageBase + (DWORD)f->fi.unwind_map;
    while (cur > last) {
        struct wv_unwind_entry e;
        if (cur >= f->fi.max_state || !wv_seh_read(&e, map + 8 * (DWORD64)cur, sizeof(e)) || e.prev >= cur)
            wv_cxx_terminate(); /* a state the function does not have, or a loop: corrupt tables */
        wv_cxx_set_help(f, 0, e.prev);
        if (e.action)
            wv_cxx_call(f->dc->ImageBase + (DWORD)e.action, 0, f->parent, 0, f->resume);
        cur = e.prev;
    }
    wv_cxx_set_help(f, 0, cur);
}

static void wv_cxx_unwind(struct wv_cxx_frame *f, EXCEPTION_RECORD *rec)
{
    bool target = rec->ExceptionFlags & EXCEPTION_TARGET_UNWIND;
    struct wv_cxx_catch_call *c = wv_cxx_catch_of(rec);
    int last = -1;
    if (target)
        last = c ? c->low : f->state;
    else if (f->funclet)
        last = f->in.high;
    wv_cxx_local_unwind(f, last);
    if (f->funclet && !target) { /* the catch ends here */
        wv_cxx_set_help(f, 1, -1);
        wv_cxx_catch_unwound(f->frame, rec);
    }
}

/* Searches the try blocks holding the state for a clause taking rec; calls it (no return). */
static void wv_cxx_search(struct wv_cxx_frame *f, const EXCEPTION_RECORD *rec, const CONTEXT *ctx)
{
    bool cxx = wv_cxx_is_cxx(rec);
    for (DWORD i = 0; i < f->fi.try_count && i < 65536; i++) {
        struct wv_try_block t;
        if (!wv_cxx_try_at(f, i, &t))
            return;
        if (f->state < t.low || f->state > t.high)
            continue;
        if (f->funclet && (t.low <= f->in.high || t.high > f->in.catch_high))
            continue; /* not inside this catch */
        for (int j = 0; j < t.count && j < 65536; j++) {
            struct wv_handler_type h;
            struct wv_catchable ct;
            if (!wv_cxx_clause_at(f, &t, j, &h))
                return;
            if (cxx ? !wv_cxx_match(rec, &h, f->dc->ImageBase, &ct)
                    : (h.type != 0 || rec->ExceptionCode == STATUS_BREAKPOINT))
                continue;
            if (cxx)
                wv_cxx_build_catch(rec, &h, &ct, f->parent, f->resume);
            struct wv_cxx_catch_call call = {.rec = (EXCEPTION_RECORD *)rec, .ctx = ctx, .parent = f->parent,
                                             .funclet = f->dc->ImageBase + (DWORD)h.handler, .help = f->help,
                                             .low = t.low, .frame = f->frame};
            wv_cxx_catch(&call, f->frame, f->dc->ControlPc, ctx);
        }
    }
}

static void wv_cxx_dispatch(struct wv_cxx_frame *f, const EXCEPTION_RECORD *rec, const CONTEXT *ctx)
{
    int w[2];
    if (wv_cxx_help(f, w) && w[1] > f->state)
        f->state = w[1]; /* an exception leaving one of this function's catches */
    if (f->funclet)
        wv_cxx_set_help(f, 1, f->state);
    EXCEPTION_RECORD sub;
    if (wv_cxx_is_cxx(rec) && !rec->ExceptionInformation[1] && !rec->ExceptionInformation[2]) {
        const EXCEPTION_RECORD *cur = wv_cxx_current();
        if (!cur)
            return; /* throw; with no exception being handled: it propagates as it is */
        memcpy(&sub, cur, sizeof(sub)); /* the whole record: a rethrown SEH exception stays one */
        rec = &sub;
    }
    if (f->fi.try_count)
        wv_cxx_search(f, rec, ctx);
    if (!f->funclet && wv_cxx_is_cxx(rec) && (f->fi.flags & WV_CXX_FI_NOEXCEPT))
        wv_cxx_terminate();
}

static EXCEPTION_DISPOSITION WV_MSABI wv_cxx_frame_handler(EXCEPTION_RECORD *rec, PVOID frame, CONTEXT *ctx,
                                                    DISPATCHER_CONTEXT *dc)
{
    struct wv_cxx_frame f = {.dc = dc, .frame = (uintptr_t)frame, .parent = (uintptr_t)frame};
    DWORD rva;
    if (!dc || !wv_seh_read(&rva, (uintptr_t)dc->HandlerData, sizeof(rva)) ||
        !wv_seh_read(&f.fi, dc->ImageBase + rva, sizeof(f.fi)))
        return ExceptionContinueSearch;
    f.fi.magic &= 0x1fffffff; /* the top bits are BBT's */
    if (f.fi.magic < WV_CXX_MAGIC_VC6 || f.fi.magic > WV_CXX_MAGIC_VC8)
        return ExceptionContinueSearch;
    if (f.fi.magic < WV_CXX_MAGIC_VC8)
        f.fi.flags = 0;
    CONTEXT here;
    struct wv_link *mine = wv_seh_link_of(dc);
    if (mine)
        wv_seh_link_position(mine, &here);
    f.resume = mine ? &here : ctx;
    f.state = wv_cxx_ip_state(&f);
    f.funclet = wv_cxx_find_funclet(&f);
    f.help = f.parent + (DWORD64)(int64_t)f.fi.unwind_help;
    bool unwinding = rec->ExceptionFlags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND);
    bool ehs_skip = (f.fi.flags & WV_CXX_FI_EHS) && wv_cxx_ehs_passes(rec);
    if (unwinding) {
        if (!ehs_skip)
            wv_cxx_unwind(&f, rec);
        else if (f.funclet && !(rec->ExceptionFlags & EXCEPTION_TARGET_UNWIND))
            wv_cxx_catch_unwound(f.frame, rec); /* the catch ends, its destructors not run (/EHs) */
        return ExceptionContinueSearch;
    }
    if (!ehs_skip)
        wv_cxx_dispatch(&f, rec, ctx);
    return ExceptionContinueSearch;
}

/* The export names (msvcrt.dll, ucrtbase.dll, vcruntime140.dll): on x64 the three are one
 * function, FuncInfo's magic saying which features a function uses. */
extern __typeof(wv_cxx_frame_handler) wv_ms___CxxFrameHandler __attribute__((alias("wv_cxx_frame_handler")));
extern __typeof(wv_cxx_frame_handler) wv_ms___CxxFrameHandler2 __attribute__((alias("wv_cxx_frame_handler")));
extern __typeof(wv_cxx_frame_handler) wv_ms___CxxFrameHandler3 __attribute__((alias("wv_cxx_frame_handler")));
