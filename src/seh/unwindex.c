/* SPDX-License-Identifier: MIT */
/* unwindex.c - RtlUnwindEx: unwinding PE frames up to a target frame, as Windows does.
 *
 * From the context it starts at, every frame is unwound in turn; a frame whose unwind info has
 * a termination handler (UNW_FLAG_UHANDLER) has it called with EXCEPTION_UNWINDING (and
 * EXCEPTION_EXIT_UNWIND when there is no target, EXCEPTION_TARGET_UNWIND for the target
 * frame itself), the DISPATCHER_CONTEXT naming the target ip and the frame's own context.
 * When the frame whose establisher is the target has been processed, that frame's context is
 * resumed at the target ip with rax = the return value (STATUS_UNWIND_CONSOLIDATE: the
 * callback in the record says where).
 *
 * Collided unwinds: an unwind whose walk meets the call of a termination handler by another
 * unwind in progress (a __finally that leaves by a jump, a landing pad that unwinds again)
 * takes that unwind over from the frame whose handler was running: its context, its handler
 * and scope index, flagged EXCEPTION_COLLIDED_UNWIND; the older unwind never goes on.
 *
 * Errors are raised as Windows raises them, noncontinuable, from the unwind's start:
 * STATUS_BAD_STACK (a frame outside the stack, unreadable unwind data),
 * STATUS_INVALID_UNWIND_TARGET (the target frame passed or never found),
 * STATUS_INVALID_DISPOSITION (a handler's answer other than continue search).
 */
#include "seh/seh.h"

#include <stddef.h>
#include <string.h>

struct wv_unwind {
    DWORD64 target_frame, target_ip, retval;
    EXCEPTION_RECORD *rec;
    const CONTEXT *start;
    DWORD flags;
    bool whole; /* the next step copies the whole CONTEXT (see wv_follow) */
};

/* Makes next a copy of cur before a step from it.  The walk's two CONTEXTs take turns, so next
 * holds the frame before cur, which differs from cur only in what the step between them
 * changed (the integer registers and rip, XMM registers, a machine frame's selectors and
 * flags) unless something else wrote either since: a handler given cur, a link resumed, a
 * collision taken over (u->whole).  Copying those 0.4 KB instead of 1.2 KB per frame: bench
 * row 21. */
static void wv_follow(struct wv_unwind *u, CONTEXT *next, const CONTEXT *cur)
{
    if (u->whole) {
        memcpy(next, cur, sizeof(*next));
        u->whole = false;
        return;
    }
    memcpy(&next->Rax, &cur->Rax, offsetof(CONTEXT, Rip) + sizeof(cur->Rip) - offsetof(CONTEXT, Rax));
    memcpy(next->FltSave.XmmRegisters, cur->FltSave.XmmRegisters, sizeof(cur->FltSave.XmmRegisters));
    next->SegCs = cur->SegCs, next->SegSs = cur->SegSs, next->EFlags = cur->EFlags;
}

/* Calls the termination handler of the frame cur is inside (st), from scope index scope. */
static void wv_unwind_call(struct wv_unwind *u, const struct wv_step *st, CONTEXT *cur, DWORD scope)
{
    struct wv_link link;
    wv_seh_link_init(&link, WV_LINK_UNWIND, u->start);
    link.frame = st->frame;
    link.dc = (DISPATCHER_CONTEXT){.ControlPc = st->pc, .ImageBase = st->base, .FunctionEntry = st->fe,
                                   .EstablisherFrame = st->frame, .TargetIp = u->target_ip,
                                   .ContextRecord = cur, .LanguageHandler = st->handler,
                                   .HandlerData = st->data, .ScopeIndex = scope};
    DWORD flags = u->flags | (st->frame == u->target_frame ? EXCEPTION_TARGET_UNWIND : 0);
    u->rec->ExceptionFlags = flags;
    cur->Rax = u->retval;
    DWORD64 d = wv_seh_callout((void *)st->handler, (uintptr_t)u->rec, st->frame, (uintptr_t)cur,
                               (uintptr_t)&link.dc, &link);
    u->flags &= ~(DWORD)(EXCEPTION_COLLIDED_UNWIND | EXCEPTION_TARGET_UNWIND);
    if ((DWORD)d != ExceptionContinueSearch)
        wv_seh_raise_status(STATUS_INVALID_DISPOSITION, u->rec, u->start);
}

/* Takes over the unwind whose handler call `other` is: cur becomes the context of the frame
 * it was in, next that of its caller, st that frame's handler.  False if unreadable. */
static bool wv_collide(const struct wv_link *other, CONTEXT *cur, CONTEXT *next, struct wv_step *st, DWORD *scope)
{
    const DISPATCHER_CONTEXT *dc = &other->dc;
    PEXCEPTION_ROUTINE h;
    PVOID data;
    DWORD64 frame;
    memcpy(cur, dc->ContextRecord, sizeof(*cur));
    memcpy(next, cur, sizeof(*next));
    if (wv_seh_virtual_unwind(UNW_FLAG_NHANDLER, dc->ImageBase, dc->ControlPc, dc->FunctionEntry, next, &h, &data,
                              &frame, NULL))
        return false;
    *st = (struct wv_step){.pc = dc->ControlPc, .base = dc->ImageBase, .frame = dc->EstablisherFrame,
                           .fe = dc->FunctionEntry, .handler = dc->LanguageHandler, .data = dc->HandlerData};
    *scope = dc->ScopeIndex;
    return true;
}

/* The next frame from cur: FRAME with st and next filled (the walk's links crossed, a
 * collision taken over), or END.  Raises on a bad stack. */
static enum wv_step_result wv_unwind_next(struct wv_unwind *u, CONTEXT *cur, CONTEXT *next, struct wv_step *st,
                                          DWORD *scope)
{
    for (int steps = 0; steps < 1000000; steps++) {
        wv_follow(u, next, cur);
        *scope = 0;
        enum wv_step_result r = wv_seh_step(next, UNW_FLAG_UHANDLER, st);
        if (r == WV_STEP_LINK && st->link->kind == WV_LINK_UNWIND) {
            u->whole = true;
            if (!wv_collide(st->link, cur, next, st, scope))
                break;
            u->flags |= EXCEPTION_COLLIDED_UNWIND;
            return WV_STEP_FRAME;
        }
        if (r == WV_STEP_LINK) {
            u->whole = true;
            if (!wv_seh_link_resume(st->link, cur))
                return WV_STEP_END;
            continue;
        }
        if (r == WV_STEP_FRAME && wv_seh_frame_ok(st->frame))
            return r;
        if (r == WV_STEP_END)
            return r;
        break;
    }
    wv_seh_raise_status(STATUS_BAD_STACK, u->rec, u->start);
}

void wv_seh_unwind(DWORD64 target_frame, DWORD64 target_ip, EXCEPTION_RECORD *rec, DWORD64 retval, CONTEXT *ctx,
                   const CONTEXT *start)
{
    EXCEPTION_RECORD local;
    CONTEXT a, b, *cur = &a, *next = &b; /* swapped per frame: a CONTEXT copy fewer each */
    struct wv_step st;
    DWORD scope;
    if (!rec) {
        memset(&local, 0, sizeof(local));
        local.ExceptionCode = STATUS_UNWIND;
        local.ExceptionAddress = (PVOID)(uintptr_t)start->Rip;
        rec = &local;
    }
    struct wv_unwind u = {.target_frame = target_frame, .target_ip = target_ip, .retval = retval, .rec = rec,
                          .start = start, .whole = true};
    u.flags = (rec->ExceptionFlags & ~(DWORD)EXCEPTION_UNWIND) | EXCEPTION_UNWINDING |
              (target_frame ? 0 : EXCEPTION_EXIT_UNWIND);
    memcpy(cur, start, sizeof(*cur));
    for (;;) {
        if (wv_unwind_next(&u, cur, next, &st, &scope) == WV_STEP_END) {
            if (target_frame || !target_ip) /* never found, or nowhere to go */
                wv_seh_raise_status(STATUS_INVALID_UNWIND_TARGET, rec, start);
            break;
        }
        if (target_frame && st.frame > target_frame)
            wv_seh_raise_status(STATUS_INVALID_UNWIND_TARGET, rec, start);
        if (st.handler) {
            wv_unwind_call(&u, &st, cur, scope);
            u.whole = true; /* the handler had cur to write */
        }
        if (st.frame == target_frame)
            break;
        CONTEXT *t = cur;
        cur = next, next = t;
    }
    rec->ExceptionFlags = u.flags;
    cur->Rax = retval;
    if (rec->ExceptionCode != STATUS_UNWIND_CONSOLIDATE)
        cur->Rip = target_ip;
    if (ctx && ctx != cur)
        wv_copy(ctx, cur, sizeof(*cur)); /* the caller's buffer receives it, as on Windows */
    wv_seh_restore_rec(cur, rec, NULL);
}

/* ---- RtlRestoreContext's records ---- */

/* msvcrt's _JUMP_BUFFER (x64), what setjmp saved. */
struct wv_jump_buffer {
    DWORD64 Frame, Rbx, Rsp, Rbp, Rsi, Rdi, R12, R13, R14, R15, Rip;
    DWORD MxCsr;
    WORD FpCsr, Spare;
    M128A Xmm[10]; /* xmm6-xmm15 */
};

void wv_seh_restore_rec(CONTEXT *ctx, EXCEPTION_RECORD *rec, CONTEXT *user)
{
    struct wv_jump_buffer jb;
    if (rec && rec->ExceptionCode == STATUS_LONGJUMP && rec->NumberParameters >= 1 &&
        wv_seh_read(&jb, rec->ExceptionInformation[0], sizeof(jb))) {
        ctx->Rbx = jb.Rbx, ctx->Rsp = jb.Rsp, ctx->Rbp = jb.Rbp, ctx->Rsi = jb.Rsi, ctx->Rdi = jb.Rdi;
        ctx->R12 = jb.R12, ctx->R13 = jb.R13, ctx->R14 = jb.R14, ctx->R15 = jb.R15, ctx->Rip = jb.Rip;
        ctx->MxCsr = ctx->FltSave.MxCsr = jb.MxCsr;
        ctx->FltSave.ControlWord = jb.FpCsr;
        memcpy(&ctx->FltSave.XmmRegisters[6], jb.Xmm, sizeof(jb.Xmm));
        if (user) /* a buffer the caller cannot write keeps what it had: the jump still happens */
            (void)wv_copy(user, ctx, sizeof(*ctx));
    } else if (rec && rec->ExceptionCode == STATUS_UNWIND_CONSOLIDATE && rec->NumberParameters >= 1) {
        /* The callback runs in the target frame's place: what it raises walks on from there. */
        struct wv_link link;
        wv_seh_link_init(&link, WV_LINK_PASS, ctx);
        ctx->Rip = wv_seh_callout((void *)rec->ExceptionInformation[0], (uintptr_t)rec, 0, 0, 0, &link);
    }
    wv_seh_restore_xs(ctx, user); /* the AVX state from the caller's XSTATE area, if any */
}
