/* SPDX-License-Identifier: MIT */
/* fiber_swap.c - the register half of SwitchToFiber (fiber.c holds the rest): one fiber's
 * registers saved on its own stack, another's loaded from its stack.
 *
 * A fiber not running is a frame on its stack (what wv_fiber_swap pushed) and the stack pointer
 * to it.  The frame holds every register either convention (Windows x64, System V) expects a
 * call to preserve: rbx, rbp, rdi, rsi, r12-r15, xmm6-xmm15, and the floating-point control
 * state (MXCSR, the x87 control word) of a fiber made with FIBER_FLAG_FLOAT_SWITCH.  So the
 * switch is correct whichever convention called it.  Without that flag the control state is
 * the thread's and stays as it is across the switch, as on Windows.
 *
 * Frame (from the saved stack pointer up): xmm6-xmm15 (0..159), MXCSR (160), x87 control word
 * (164), rsi (168), rdi, r15, r14, r13, r12, rbx, rbp (224), the return address (232).  A new
 * fiber's first frame is built by wv_fiber_frame: its return address is wv_fiber_entry, which
 * calls the fiber's start (fiber.c, wv_fiber_run) with the fiber kept in rbx. */
#include "runtime/fiber_int.h"

#include <string.h>

/* wv_fiber_swap(save, load, fp): the current registers pushed, the stack pointer stored in
 * *save; the stack pointer load taken and its frame popped.  fp bit 0: store the control state
 * in the frame saved; bit 1: load it from the frame taken. */
__asm__(".text\n"
        ".globl wv_fiber_swap\n"
        ".hidden wv_fiber_swap\n"
        ".type wv_fiber_swap,@function\n"
        "wv_fiber_swap:\n"
        "  push %rbp\n"
        "  push %rbx\n"
        "  push %r12\n"
        "  push %r13\n"
        "  push %r14\n"
        "  push %r15\n"
        "  push %rdi\n"
        "  push %rsi\n"
        "  sub $168, %rsp\n"
        "  movaps %xmm6, 0(%rsp)\n"
        "  movaps %xmm7, 16(%rsp)\n"
        "  movaps %xmm8, 32(%rsp)\n"
        "  movaps %xmm9, 48(%rsp)\n"
        "  movaps %xmm10, 64(%rsp)\n"
        "  movaps %xmm11, 80(%rsp)\n"
        "  movaps %xmm12, 96(%rsp)\n"
        "  movaps %xmm13, 112(%rsp)\n"
        "  movaps %xmm14, 128(%rsp)\n"
        "  movaps %xmm15, 144(%rsp)\n"
        "  test $1, %edx\n"
        "  jz 1f\n"
        "  stmxcsr 160(%rsp)\n"
        "  fnstcw 164(%rsp)\n"
        "1:\n"
        "  mov %rsp, (%rdi)\n"
        "  mov %rsi, %rsp\n"
        "  test $2, %edx\n"
        "  jz 2f\n"
        "  ldmxcsr 160(%rsp)\n"
        "  fldcw 164(%rsp)\n"
        "2:\n"
        "  movaps 0(%rsp), %xmm6\n"
        "  movaps 16(%rsp), %xmm7\n"
        "  movaps 32(%rsp), %xmm8\n"
        "  movaps 48(%rsp), %xmm9\n"
        "  movaps 64(%rsp), %xmm10\n"
        "  movaps 80(%rsp), %xmm11\n"
        "  movaps 96(%rsp), %xmm12\n"
        "  movaps 112(%rsp), %xmm13\n"
        "  movaps 128(%rsp), %xmm14\n"
        "  movaps 144(%rsp), %xmm15\n"
        "  add $168, %rsp\n"
        "  pop %rsi\n"
        "  pop %rdi\n"
        "  pop %r15\n"
        "  pop %r14\n"
        "  pop %r13\n"
        "  pop %r12\n"
        "  pop %rbx\n"
        "  pop %rbp\n"
        "  ret\n"
        ".size wv_fiber_swap, .-wv_fiber_swap\n"
        /* A new fiber's first return lands here, 16 bytes below its stack top (16-aligned):
         * the home area, then wv_fiber_run(fiber) with the Windows convention; it never
         * returns (the thread ends when the fiber's routine does). */
        ".globl wv_fiber_entry\n"
        ".hidden wv_fiber_entry\n"
        ".type wv_fiber_entry,@function\n"
        "wv_fiber_entry:\n"
        "  mov %rbx, %rcx\n"
        "  sub $32, %rsp\n"
        "  call wv_fiber_run\n"
        "  ud2\n"
        ".size wv_fiber_entry, .-wv_fiber_entry\n");

void wv_fiber_entry(void);

enum { WV_FRAME_SIZE = 240, WV_FRAME_MXCSR = 160, WV_FRAME_FCW = 164, WV_FRAME_RBX = 216, WV_FRAME_RET = 232 };

uintptr_t wv_fiber_frame(uintptr_t top, void *fiber)
{
    uintptr_t sp = (top & ~(uintptr_t)15) - WV_FRAME_SIZE - 16;
    uint8_t *f = (uint8_t *)sp;
    memset(f, 0, WV_FRAME_SIZE); /* rbp 0: the end of a frame-pointer chain */
    uint32_t mxcsr = WV_FIBER_MXCSR;
    uint16_t fcw = WV_FIBER_X87;
    uintptr_t ret = (uintptr_t)wv_fiber_entry, self = (uintptr_t)fiber;
    memcpy(f + WV_FRAME_MXCSR, &mxcsr, sizeof(mxcsr));
    memcpy(f + WV_FRAME_FCW, &fcw, sizeof(fcw));
    memcpy(f + WV_FRAME_RBX, &self, sizeof(self));
    memcpy(f + WV_FRAME_RET, &ret, sizeof(ret));
    return sp;
}
