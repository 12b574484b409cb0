/* SPDX-License-Identifier: MIT */
/* apc_gate.c - user APCs delivered to PE code the way Windows delivers them, so that an unwind
 * or an exception leaving an APC routine reaches the frames of the alertable call's caller.
 *
 * On Windows an alertable wait returns from the kernel to KiUserApcDispatcher, whose frame
 * holds the CONTEXT of the call's return and whose unwind info leads to it: an APC routine's
 * RtlUnwind to a frame of the waiting function, its longjmp, or its exception caught by a
 * __try around the wait, walk from the routine through that frame to the caller's.  winvm's
 * waits are host code without unwind info, so the exports of the alertable calls are gates
 * (WV_ALERTABLE, thunk.h): the gate captures its PE caller's CONTEXT (as RtlCaptureContext at
 * the call: rip its return address, rsp after the return, the nonvolatile registers as they
 * are), calls the call's core, and when the wait ended for APCs (wv_apc_run inside the gate
 * only marks them due) delivers them after the core returned, each PE routine through a
 * wv_seh_callout link that resumes at the captured CONTEXT (apc.c).  No lock, no winvm frame
 * but the gate's is left when a routine unwinds past it, as no kernel frame is on Windows.
 *
 * NtContinue with its alert flag delivers the APCs above the CONTEXT it goes on with
 * (wv_apc_deliver_at), as Windows' NtContinue(ctx, TRUE) does.
 */
#define _GNU_SOURCE
#include "runtime/thread_int.h"
#include "runtime/thunk.h"
#include "fault/fault.h"

#include <stddef.h>

/* Whether the calling thread is inside a gate's core, and whether that core's wait ended for
 * APCs.  Saved and put back by each gate (an APC routine may wait alertably in turn). */
struct wv_gate_state {
    bool active, due;
};
static __thread struct wv_gate_state wv_gate_now;

bool wv_apc_gate_defer(void)
{
    if (!wv_gate_now.active)
        return false;
    wv_gate_now.due = true;
    return true;
}

typedef DWORD64 (*wv_gate_core4)(DWORD64, DWORD64, DWORD64, DWORD64) WV_MSABI;
typedef DWORD64 (*wv_gate_core5)(DWORD64, DWORD64, DWORD64, DWORD64, DWORD64) WV_MSABI;

/* Called by wv_apc_gate_entry with the caller's CONTEXT: R11 the core, Rax how many stack
 * arguments it takes (0 or 1).  ms_abi: rsi, rdi and xmm6-15 stay the PE caller's.  A core of
 * fewer than four arguments is called with four: in the Windows convention the callee ignores
 * the registers it does not take. */
WV_MSABI DWORD64 wv_apc_gate(CONTEXT *ctx);
WV_MSABI DWORD64 wv_apc_gate(CONTEXT *ctx)
{
    void *core = (void *)(uintptr_t)ctx->R11;
    bool five = (DWORD)ctx->Rax != 0;
    struct wv_gate_state saved = wv_gate_now;
    wv_gate_now = (struct wv_gate_state){true, false};
    DWORD64 r;
    if (five) /* the fifth argument: above the return address and the four home slots */
        r = ((wv_gate_core5)core)(ctx->Rcx, ctx->Rdx, ctx->R8, ctx->R9, *(DWORD64 *)(uintptr_t)(ctx->Rsp + 0x20));
    else
        r = ((wv_gate_core4)core)(ctx->Rcx, ctx->Rdx, ctx->R8, ctx->R9);
    bool due = wv_gate_now.due;
    wv_gate_now = saved;
    struct wv_thread *t = wv_thread_peek();
    if (due && t) {
        ctx->Rax = r; /* the call's result, as the CONTEXT Windows' dispatcher continues with */
        wv_apc_deliver(t, ctx);
    }
    return r;
}

void wv_apc_deliver_at(const CONTEXT *ctx)
{
    struct wv_thread *t = wv_thread_peek();
    if (t && __atomic_load_n(&t->apc_first, __ATOMIC_ACQUIRE))
        wv_apc_deliver(t, ctx);
}

/* The gates' shared body: entry rsp is 8 mod 16, r11 the core, eax the stack arguments'
 * count.  The CONTEXT is at rsp + 0x20 (16-aligned) above wv_apc_gate's four home slots;
 * wv_seh_capture keeps every register but rcx, whose value is put back from r10. */
_Static_assert(offsetof(CONTEXT, Rcx) == 0x80 && offsetof(CONTEXT, Rsp) == 0x98 && offsetof(CONTEXT, Rip) == 0xf8,
               "CONTEXT layout");
__asm__(".text\n"
        ".globl wv_apc_gate_entry\n"
        ".hidden wv_apc_gate_entry\n"
        ".type wv_apc_gate_entry,@function\n"
        "wv_apc_gate_entry:\n"
        "  sub $0x4f8, %rsp\n"
        "  mov %rcx, %r10\n"
        "  lea 0x20(%rsp), %rcx\n"
        "  call wv_seh_capture\n"
        "  mov %r10, 0xa0(%rsp)\n"  /* Rcx */
        "  lea 0x500(%rsp), %r10\n" /* Rsp: the caller's after the return */
        "  mov %r10, 0xb8(%rsp)\n"
        "  mov 0x4f8(%rsp), %r10\n" /* Rip: the return address */
        "  mov %r10, 0x118(%rsp)\n"
        "  call wv_seg_check_asm\n"
        "  lea 0x20(%rsp), %rcx\n"
        "  call wv_apc_gate\n"
        "  add $0x4f8, %rsp\n"
        "  ret\n"
        ".size wv_apc_gate_entry, .-wv_apc_gate_entry\n");
