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

enum wv_step_result wv_seh_step(CONTEXT *ctx, DWORD type, struct wv_step *out)
{
    memset(out, 0, sizeof(*out));
    DWORD64 pc = ctx->Rip, sp = ctx->Rsp;
    out->pc = pc;
    if (pc == (uintptr_t)wv_seh_callout_ret) {
        DWORD64 at;
        if (!wv_seh_read(&at, sp + 40, sizeof(at)))
            return WV_STEP_BAD;
        out->link = wv_seh_link_of((DISPATCHER_CONTEXT *)(uintptr_t)at);
        return out->link ? WV_STEP_LINK : WV_STEP_BAD;
    }
    out->fe = wv_seh_lookup(pc, &out->base);
    if (!out->fe && !out->base && !wv_seh_bad_call(pc, sp))
        return WV_STEP_END;
    if (out->fe) {
        if (wv_seh_virtual_unwind(type, out->base, pc, out->fe, ctx, &out->handler, &out->data, &out->frame, NULL))
            return WV_STEP_BAD;
    } else {
        out->frame = sp; /* a leaf */
        if (!wv_seh_read(&ctx->Rip, sp, 8))
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
