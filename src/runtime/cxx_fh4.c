/* SPDX-License-Identifier: MIT */
/* cxx_fh4.c - __CxxFrameHandler4 (vcruntime140_1.dll): the language handler recent x64 MSVC
 * gives functions with C++ EH (/d2FH4, its default), over the compressed FuncInfo4 its unwind
 * info's handler data names (read by cxx_fh4_read.c).  Its catch matching, catch parameter,
 * catch call, rethrow and exception-object lifetime are __CxxFrameHandler3's (cxx_match.c,
 * cxx_catch.c); what differs is where the state comes from.
 *
 * The state is the IP map's at the frame's pc.  There are no unwind-help words: a catch funclet
 * has its own FuncInfo4 (the catch flag, the offset in its frame of the parent's establisher
 * frame, the parent's unwind and try maps, its own IP map), so its frame's state is its own.
 * The try a funclet's catch belongs to is the one with a clause whose handler is the funclet's
 * start; in its frame only the try blocks inside that catch are searched.  An exception leaving
 * a catch reaches the frame the catch was called for (the target of its unwind) next, whose pc
 * is still in the try: that frame is searched at the try's last catch state instead (the
 * running catch's, cxx_catch.c), where only the try blocks around the whole try and catch hold.
 *
 * Unwind: the unwind map's actions run from the state down to the target (the try's first state
 * in the frame a catch is called for; a longjmp's target's state; -1 leaving the function, or
 * the try's last state leaving a catch funclet), each a destructor called with the object (at
 * its frame offset) or the pointer kept there, or a funclet called with the frame.  A catch
 * funclet's unwind ends the catch and hands the state it reached to the frame below it (the
 * next one this unwind reaches), which goes on from there: the try's own destructors ran when
 * the catch was entered.  A corrupt unwind map (a state the map lacks, an entry that does not
 * lead to an earlier one) is std::terminate; a FuncInfo4 that cannot be read is no handler.
 */
#include "runtime/cxx_int.h"

#include <limits.h>
#include <string.h>

struct wv_fh4_frame {
    struct wv_fh4 fi;
    DISPATCHER_CONTEXT *dc;
    DWORD64 base, frame, parent;
    DWORD begin;                 /* the function's (segment's) start RVA */
    int state;
    bool funclet;
    struct wv_fh4_try in;        /* funclet: the try whose catch it is (high INT_MAX: unknown) */
    const CONTEXT *resume;       /* where what destructors raise walks on */
};

/* The state a catch funclet's unwind reached, for the frame its catch was called for (the next
 * frame the unwind reaches; establisher frames of live frames are distinct). */
static __thread struct {
    DWORD64 frame; /* 0: none */
    int state;
} wv_fh4_pending;

/* Finds the try whose clause's handler is the funclet's start. */
static void wv_fh4_find_in(struct wv_fh4_frame *f)
{
    f->in = (struct wv_fh4_try){.low = INT_MAX, .high = INT_MAX, .catch_high = INT_MAX};
    DWORD64 tpos = 0;
    for (DWORD i = 0; i < f->fi.try_count && i < 65536; i++) {
        struct wv_fh4_try t;
        if (!wv_fh4_try_next(&f->fi, f->base, &tpos, &t))
            return;
        DWORD64 hpos = 0, cont[2];
        for (DWORD j = 0; j < t.count && j < 65536; j++) {
            struct wv_handler_type h;
            if (!wv_fh4_clause_next(&t, f->base, f->begin, &hpos, &h, cont))
                return;
            if ((DWORD)h.handler == f->begin) {
                f->in = t;
                return;
            }
        }
    }
}

/* Runs the unwind map's actions from cur down to last (exclusive); the state reached. */
static int wv_fh4_local_unwind(const struct wv_fh4_frame *f, int cur, int last)
{
    while (cur > last) {
        struct wv_fh4_unwind e;
        if (!wv_fh4_unwind_entry(&f->fi, f->base, cur, &e))
            wv_cxx_terminate(); /* a state the map lacks, or a loop: corrupt tables */
        DWORD64 obj = f->parent + e.object, fn = f->base + e.action;
        if (e.type == 2 && !wv_seh_read(&obj, obj, sizeof(obj)))
            wv_cxx_terminate();
        if (e.type == 1 || e.type == 2)
            wv_cxx_call(fn, obj, f->parent, 0, f->resume);
        else if (e.type == 3)
            wv_cxx_call(fn, 0, f->parent, 0, f->resume);
        cur = e.prev;
    }
    return cur;
}

static void wv_fh4_unwind(struct wv_fh4_frame *f, EXCEPTION_RECORD *rec)
{
    int cur = f->state;
    if (wv_fh4_pending.frame && wv_fh4_pending.frame == f->frame) {
        cur = wv_fh4_pending.state;
        wv_fh4_pending.frame = 0;
    }
    bool target = rec->ExceptionFlags & EXCEPTION_TARGET_UNWIND;
    const struct wv_cxx_catch_call *c = wv_cxx_catch_of(rec);
    int last = -1;
    if (target && c)
        last = c->low;
    else if (target && rec->ExceptionCode == STATUS_LONGJUMP)
        last = wv_fh4_ip_state(&f->fi, f->base, f->begin, f->dc->TargetIp);
    else if (target)
        last = cur;
    else if (f->funclet)
        last = f->in.high;
    cur = wv_fh4_local_unwind(f, cur, last);
    if (f->funclet && !target) { /* the catch ends here */
        const struct wv_cxx_catch_call *mine = wv_cxx_innermost(f->frame);
        wv_fh4_pending.frame = mine ? mine->frame : 0, wv_fh4_pending.state = cur;
        wv_cxx_catch_unwound(f->frame, rec);
    }
}

/* Searches the try blocks holding the state for a clause taking rec; calls it (no return). */
static void wv_fh4_search(struct wv_fh4_frame *f, const EXCEPTION_RECORD *rec, const CONTEXT *ctx)
{
    bool cxx = wv_cxx_is_cxx(rec);
    DWORD64 tpos = 0;
    for (DWORD i = 0; i < f->fi.try_count && i < 65536; i++) {
        struct wv_fh4_try t;
        if (!wv_fh4_try_next(&f->fi, f->base, &tpos, &t))
            return;
        if (f->state < t.low || f->state > t.high)
            continue;
        if (f->funclet && (t.low <= f->in.high || t.high > f->in.catch_high))
            continue; /* not inside this catch */
        DWORD64 hpos = 0;
        for (DWORD j = 0; j < t.count && j < 65536; j++) {
            struct wv_handler_type h;
            struct wv_catchable ct;
            DWORD64 cont[2];
            if (!wv_fh4_clause_next(&t, f->base, f->begin, &hpos, &h, cont))
                return;
            if (cxx ? !wv_cxx_match(rec, &h, f->base, &ct)
                    : (h.type != 0 || rec->ExceptionCode == STATUS_BREAKPOINT))
                continue;
            if (cxx)
                wv_cxx_build_catch(rec, &h, &ct, f->parent, f->resume);
            struct wv_cxx_catch_call call = {.rec = (EXCEPTION_RECORD *)rec, .ctx = ctx, .parent = f->parent,
                                             .funclet = f->base + (DWORD)h.handler, .low = t.low,
                                             .frame = f->frame, .search = t.catch_high,
                                             .cont = {cont[0], cont[1]}};
            wv_cxx_catch(&call, f->frame, f->dc->ControlPc, ctx);
        }
    }
}

static void wv_fh4_dispatch(struct wv_fh4_frame *f, const EXCEPTION_RECORD *rec, const CONTEXT *ctx)
{
    const struct wv_cxx_catch_call *leaving = wv_cxx_running_in(f->frame);
    if (leaving)
        f->state = leaving->search; /* an exception leaving one of this frame's catches */
    EXCEPTION_RECORD sub;
    if (wv_cxx_is_cxx(rec) && !rec->ExceptionInformation[1] && !rec->ExceptionInformation[2]) {
        const EXCEPTION_RECORD *cur = wv_cxx_current();
        if (!cur)
            return; /* throw; with no exception being handled: it propagates as it is */
        memcpy(&sub, cur, sizeof(sub));
        rec = &sub;
    }
    if (f->fi.try_count)
        wv_fh4_search(f, rec, ctx);
    if (!f->funclet && wv_cxx_is_cxx(rec) && (f->fi.header & WV_FH4_NOEXCEPT))
        wv_cxx_terminate();
}

/* Reads the frame's FuncInfo4 and where its parent's frame is. */
static bool wv_fh4_frame_init(struct wv_fh4_frame *f, DISPATCHER_CONTEXT *dc, PVOID frame)
{
    RUNTIME_FUNCTION fe;
    DWORD rva;
    f->dc = dc, f->frame = f->parent = (uintptr_t)frame;
    if (!dc || !dc->FunctionEntry || !wv_seh_read(&fe, (uintptr_t)dc->FunctionEntry, sizeof(fe)) ||
        !wv_seh_read(&rva, (uintptr_t)dc->HandlerData, sizeof(rva)))
        return false;
    f->base = dc->ImageBase, f->begin = fe.BeginAddress;
    if (!wv_fh4_func_info(f->base, rva, f->begin, &f->fi))
        return false;
    f->funclet = f->fi.header & WV_FH4_IS_CATCH;
    if (f->funclet && !wv_seh_read(&f->parent, f->frame + f->fi.frame, sizeof(f->parent)))
        return false;
    f->state = wv_fh4_ip_state(&f->fi, f->base, f->begin, dc->ControlPc);
    if (f->funclet)
        wv_fh4_find_in(f);
    return true;
}

static EXCEPTION_DISPOSITION WV_MSABI wv_fh4_handler(EXCEPTION_RECORD *rec, PVOID frame, CONTEXT *ctx,
                                                     DISPATCHER_CONTEXT *dc)
{
    struct wv_fh4_frame f;
    memset(&f, 0, sizeof(f));
    if (!wv_fh4_frame_init(&f, dc, frame))
        return ExceptionContinueSearch;
    CONTEXT here;
    struct wv_link *mine = wv_seh_link_of(dc);
    if (mine)
        wv_seh_link_position(mine, &here);
    f.resume = mine ? &here : ctx;
    bool unwinding = rec->ExceptionFlags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND);
    bool ehs_skip = (f.fi.header & WV_FH4_EHS) && wv_cxx_ehs_passes(rec);
    if (unwinding) {
        if (!ehs_skip)
            wv_fh4_unwind(&f, rec);
        else if (f.funclet && !(rec->ExceptionFlags & EXCEPTION_TARGET_UNWIND))
            wv_cxx_catch_unwound(f.frame, rec); /* the catch ends, its destructors not run (/EHs) */
        return ExceptionContinueSearch;
    }
    if (!ehs_skip)
        wv_fh4_dispatch(&f, rec, ctx);
    return ExceptionContinueSearch;
}

/* vcruntime140_1.dll's export. */
extern __typeof(wv_fh4_handler) wv_ms___CxxFrameHandler4 __attribute__((alias("wv_fh4_handler")));
