/* SPDX-License-Identifier: MIT */
/* walk.c - walking PE frames one at a time, for dispatch, unwinding and back traces.
 *
 * A frame with a function entry is unwound by its unwind info; a frame in PE code without one
 * is a leaf (its return address at [rsp]), as on Windows; so is a call from PE code to an
 * address where nothing is mapped (a NULL function pointer).  The walk ends where the code is not
 * PE code: winvm's own frames (the runtime that called the PE entry point or a PE callback)
 * have no Windows unwind info, so PE frames reached only through them are not walked.  The
 * one exception is wv_seh_callout, winvm's call into a PE handler: its link says where the
 * walk goes on (see seh.h).  Each step must move the stack pointer up; a step that does not,
 * or whose unwind info or stack cannot be read, ends the walk as a bad stack: no loop.
 */
#include "seh/seh.h"
#include "host/host.h"

#include <string.h>

/* A call from PE code to an address where nothing is mapped (NULL, freed memory): the frame
 * is a leaf whose return address, at [sp], is in PE code, as Windows unwinds it. */
static bool wv_seh_bad_call(DWORD64 pc, DWORD64 sp)
{
    DWORD64 ret;
    return wv_seh_read(&ret, sp, sizeof(ret)) && wv_seh_is_pe(ret) && !wv_os_mapped((uintptr_t)pc);
}

/* ---- the thread's decoded frames ----
 *
 * A C++ throw walks the same frames again and again (bench row 21: each frame with a cleanup
 * raises once more and unwinds up to the next; 172 steps over a dozen return addresses per
 * throw), and each step read the function entry, its unwind info and the code at pc through
 * wv_copy and decoded them.  A thread keeps the decoded unwinds (struct wv_plan) of the last
 * pcs it stepped from, valid while no image view has been removed (wv_space_image_gen, read
 * before the lookup that filled the slot).  Only image functions: a run-time table's unwind
 * info is memory the program may rewrite.  What is not seen: a program rewriting its own
 * .pdata, .xdata or an epilogue in place.  No walk runs in a signal handler (faults are
 * dispatched after it returns), so a slot is only used by its thread, one step at a time. */
#define WV_PLANS 32
#define WV_PLAN_OPS 16 /* a frame saving every nonvolatile register needs 12; more: not kept */

struct wv_plan_slot {
    DWORD64 pc, base;
    PRUNTIME_FUNCTION fe; /* NULL: empty */
    unsigned long gen;
    struct wv_plan plan;
    struct wv_unwind_op ops[WV_PLAN_OPS];
};
static __thread __attribute__((tls_model("initial-exec"))) struct wv_plan_slot wv_plans[WV_PLANS];

static unsigned wv_plan_hash(DWORD64 pc) { return (unsigned)((pc ^ pc >> 6 ^ pc >> 12) % WV_PLANS); }

static enum wv_step_result wv_step_run(const struct wv_plan *p, CONTEXT *ctx, DWORD type, struct wv_step *out,
                                       DWORD64 sp)
{
    if (wv_seh_plan_run(p, out->pc, type, ctx, &out->handler, &out->data, &out->frame, NULL))
        return WV_STEP_BAD;
    return ctx->Rsp > sp ? WV_STEP_FRAME : WV_STEP_BAD;
}

enum wv_step_result wv_seh_step(CONTEXT *ctx, DWORD type, struct wv_step *out)
{
    memset(out, 0, sizeof(*out));
    DWORD64 pc = ctx->Rip, sp = ctx->Rsp;
    out->pc = pc;
    if (pc == (uintptr_t)wv_seh_callout_ret) {
        DWORD64 at;
        if (!wv_seh_read64(&at, sp + 40))
            return WV_STEP_BAD;
        out->link = wv_seh_link_of((DISPATCHER_CONTEXT *)(uintptr_t)at);
        return out->link ? WV_STEP_LINK : WV_STEP_BAD;
    }
    struct wv_plan_slot *s = &wv_plans[wv_plan_hash(pc)];
    unsigned long gen = __atomic_load_n(&wv_space_image_gen, __ATOMIC_ACQUIRE);
    if (s->fe && s->pc == pc && s->gen == gen) {
        out->fe = s->fe, out->base = s->base;
        return wv_step_run(&s->plan, ctx, type, out, sp);
    }
    bool image;
    out->fe = wv_seh_lookup_in(pc, &out->base, &image);
    if (!out->fe && !out->base && !wv_seh_bad_call(pc, sp))
        return WV_STEP_END;
    if (out->fe && image) {
        s->fe = NULL;
        s->plan.ops = s->ops, s->plan.cap = WV_PLAN_OPS;
        if (wv_seh_plan(out->base, pc, out->fe, &s->plan) == 0) {
            s->pc = pc, s->base = out->base, s->gen = gen, s->fe = out->fe;
            return wv_step_run(&s->plan, ctx, type, out, sp);
        }
    }
    if (out->fe) {
        if (wv_seh_virtual_unwind(type, out->base, pc, out->fe, ctx, &out->handler, &out->data, &out->frame, NULL))
            return WV_STEP_BAD;
    } else {
        out->frame = sp; /* a leaf */
        if (!wv_seh_read64(&ctx->Rip, sp))
            return WV_STEP_BAD;
        ctx->Rsp = sp + 8;
    }
    return ctx->Rsp > sp ? WV_STEP_FRAME : WV_STEP_BAD;
}

bool wv_seh_frame_ok(DWORD64 frame)
{
    if (frame & 7)
        return false;
    if (!wv_stack_hi) /* a thread without a winvm stack: its bounds are not known */
        return true;
    return frame >= wv_stack_lo && frame <= wv_stack_hi;
}

bool wv_seh_link_resume(const struct wv_link *link, CONTEXT *ctx)
{
    if (!link->resume)
        return false;
    memcpy(ctx, link->resume, sizeof(*ctx));
    return true;
}

WORD wv_seh_backtrace(CONTEXT *ctx, DWORD skip, DWORD count, PVOID *out, DWORD *hash)
{
    DWORD n = 0, seen = 0, h = 0;
    struct wv_step st;
    for (int steps = 0; n < count && steps < 65536; steps++) {
        DWORD64 pc = ctx->Rip;
        enum wv_step_result r = wv_seh_step(ctx, UNW_FLAG_NHANDLER, &st);
        if (r == WV_STEP_LINK) {
            if (!wv_seh_link_resume(st.link, ctx))
                break;
            continue;
        }
        if (r != WV_STEP_FRAME)
            break;
        if (seen++ >= skip) {
            out[n++] = (PVOID)(uintptr_t)pc;
            h += (DWORD)pc;
        }
    }
    if (hash)
        *hash = h;
    return (WORD)n;
}
