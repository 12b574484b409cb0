/* SPDX-License-Identifier: MIT */
/* context.c - registers to a CONTEXT and back, and calls into PE handlers, in assembly.
 *
 * wv_seh_capture is RtlCaptureContext: every integer register, the segment selectors (a null
 * ds or es as Windows reports it: fault.h's WV_SEG_*), the flags, the FXSAVE image (x87, XMM0-15) and MXCSR, as the caller has them, with Rip its
 * return address and Rsp its stack pointer after the return.
 *
 * wv_seh_restore_raw loads a CONTEXT (with an XSAVE image given: x87, SSE and AVX from it, by
 * XRSTOR) and goes on there with iretq, which sets rip, rsp and the
 * flags at once without touching the target's stack.  Only the user flags and the trap flag
 * are taken from the CONTEXT (a debugger's single step: the trap comes after the first
 * instruction there, as iretq loads it); cs and ss stay this thread's.
 *
 * wv_seh_callout calls a PE handler with the Windows convention from a frame of fixed shape:
 * at its return address wv_seh_callout_ret, the link is at [rsp + 40].  The walker (walk.c)
 * recognises that address and reads the link, which says how the walk goes on.
 */
#include "seh/seh.h"

#include <stddef.h>
#include <string.h>

_Static_assert(offsetof(CONTEXT, ContextFlags) == 0x30, "CONTEXT layout");
_Static_assert(offsetof(CONTEXT, EFlags) == 0x44, "CONTEXT layout");
_Static_assert(offsetof(CONTEXT, Rax) == 0x78, "CONTEXT layout");
_Static_assert(offsetof(CONTEXT, Rip) == 0xf8, "CONTEXT layout");
_Static_assert(offsetof(CONTEXT, FltSave) == 0x100, "CONTEXT layout");
_Static_assert(sizeof(CONTEXT) == 0x4d0, "CONTEXT layout");
_Static_assert(offsetof(DISPATCHER_CONTEXT, ScopeIndex) == 0x48, "DISPATCHER_CONTEXT layout");

__asm__(".text\n"
        ".globl wv_seh_capture\n"
        ".hidden wv_seh_capture\n"
        ".type wv_seh_capture,@function\n"
        "wv_seh_capture:\n" /* rcx = CONTEXT */
        "  mov %rax, 0x78(%rcx)\n"
        "  mov %rcx, 0x80(%rcx)\n"
        "  mov %rdx, 0x88(%rcx)\n"
        "  mov %rbx, 0x90(%rcx)\n"
        "  lea 8(%rsp), %rax\n"
        "  mov %rax, 0x98(%rcx)\n"
        "  mov %rbp, 0xa0(%rcx)\n"
        "  mov %rsi, 0xa8(%rcx)\n"
        "  mov %rdi, 0xb0(%rcx)\n"
        "  mov %r8, 0xb8(%rcx)\n"
        "  mov %r9, 0xc0(%rcx)\n"
        "  mov %r10, 0xc8(%rcx)\n"
        "  mov %r11, 0xd0(%rcx)\n"
        "  mov %r12, 0xd8(%rcx)\n"
        "  mov %r13, 0xe0(%rcx)\n"
        "  mov %r14, 0xe8(%rcx)\n"
        "  mov %r15, 0xf0(%rcx)\n"
        "  mov (%rsp), %rax\n"
        "  mov %rax, 0xf8(%rcx)\n"
        "  movl $0x10000f, 0x30(%rcx)\n" /* CONTROL | INTEGER | SEGMENTS | FLOATING_POINT */
        "  pushfq\n"
        "  pop %rax\n"
        "  mov %eax, 0x44(%rcx)\n"
        "  movw %cs, 0x38(%rcx)\n"
        "  movw %ss, 0x42(%rcx)\n"
        "  movw %ds, %ax\n" /* null data selectors as Windows' (fault.h, WV_SEG_*) */
        "  test %ax, %ax\n"
        "  jnz 2f\n"
        "  mov $0x2b, %ax\n"
        "2:\n"
        "  movw %ax, 0x3a(%rcx)\n"
        "  movw %es, %ax\n"
        "  test %ax, %ax\n"
        "  jnz 3f\n"
        "  mov $0x2b, %ax\n"
        "3:\n"
        "  movw %ax, 0x3c(%rcx)\n"
        "  movw %fs, 0x3e(%rcx)\n" /* fs and gs as they are: code compares them with its own reads */
        "  movw %gs, 0x40(%rcx)\n"
        "  fxsave 0x100(%rcx)\n"
        "  stmxcsr 0x34(%rcx)\n"
        "  mov 0x78(%rcx), %rax\n"
        "  ret\n"
        ".size wv_seh_capture, .-wv_seh_capture\n"

        ".globl wv_seh_restore_raw\n"
        ".hidden wv_seh_restore_raw\n"
        ".type wv_seh_restore_raw,@function\n"
        "wv_seh_restore_raw:\n" /* rdi = CONTEXT, 16-byte aligned; rsi = XSAVE image or NULL */
        "  test %rsi, %rsi\n"
        "  jz 0f\n"
        "  mov $7, %eax\n" /* x87, SSE, AVX: the image has them all */
        "  xor %edx, %edx\n"
        "  xrstor64 (%rsi)\n"
        "  ldmxcsr 0x34(%rdi)\n"
        "  jmp 1f\n"
        "0:\n"
        "  testl $8, 0x30(%rdi)\n"
        "  jz 1f\n"
        "  fxrstor 0x100(%rdi)\n"
        "  ldmxcsr 0x34(%rdi)\n"
        "1:\n"
        "  xor %eax, %eax\n"
        "  mov %ss, %ax\n"
        "  push %rax\n"
        "  push 0x98(%rdi)\n"
        "  pushfq\n"
        "  pop %rax\n"
        "  and $~0xdd5, %rax\n"
        "  mov 0x44(%rdi), %edx\n"
        "  and $0xdd5, %edx\n"
        "  or %rdx, %rax\n"
        "  push %rax\n"
        "  xor %eax, %eax\n"
        "  mov %cs, %ax\n"
        "  push %rax\n"
        "  push 0xf8(%rdi)\n"
        "  mov 0x78(%rdi), %rax\n"
        "  mov 0x80(%rdi), %rcx\n"
        "  mov 0x88(%rdi), %rdx\n"
        "  mov 0x90(%rdi), %rbx\n"
        "  mov 0xa0(%rdi), %rbp\n"
        "  mov 0xa8(%rdi), %rsi\n"
        "  mov 0xb8(%rdi), %r8\n"
        "  mov 0xc0(%rdi), %r9\n"
        "  mov 0xc8(%rdi), %r10\n"
        "  mov 0xd0(%rdi), %r11\n"
        "  mov 0xd8(%rdi), %r12\n"
        "  mov 0xe0(%rdi), %r13\n"
        "  mov 0xe8(%rdi), %r14\n"
        "  mov 0xf0(%rdi), %r15\n"
        "  mov 0xb0(%rdi), %rdi\n"
        "  iretq\n"
        ".size wv_seh_restore_raw, .-wv_seh_restore_raw\n"

        ".globl wv_seh_callout\n"
        ".hidden wv_seh_callout\n"
        ".type wv_seh_callout,@function\n"
        "wv_seh_callout:\n" /* rdi fn, rsi a, rdx b, rcx c, r8 d, r9 link */
        "  push %rbp\n"
        "  mov %rsp, %rbp\n"
        "  push %r9\n"
        "  sub $40, %rsp\n"
        "  mov %rsp, 0x60(%r9)\n" /* link->sp */
        "  mov %rdi, %rax\n"
        "  mov %rcx, %r10\n"
        "  mov %rsi, %rcx\n"
        "  mov %r8, %r9\n"
        "  mov %r10, %r8\n"
        "  call *%rax\n"
        ".globl wv_seh_callout_ret\n"
        ".hidden wv_seh_callout_ret\n"
        "wv_seh_callout_ret:\n"
        "  leave\n"
        "  ret\n"
        ".size wv_seh_callout, .-wv_seh_callout\n");

_Static_assert(offsetof(struct wv_link, sp) == 0x60, "wv_seh_callout writes link->sp at 0x60");

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* The frames between here and the context's stack pointer are left without returning: their
 * ASan poison (locals out of scope) must go, or the next call there reads as a bug.  ASan's own
 * no-return hook does not know winvm's thread stacks. */
static void wv_seh_unpoison(uintptr_t to)
{
    uintptr_t from = (uintptr_t)__builtin_frame_address(0) - 4096;
    if (to > from && to - from < ((uintptr_t)64 << 20))
        __asan_unpoison_memory_region((void *)from, to - from);
}
#else
static void wv_seh_unpoison(uintptr_t to) { (void)to; }
#endif

void wv_seh_restore_xs(const CONTEXT *ctx, const CONTEXT *xsrc)
{
    CONTEXT c; /* aligned, whatever the caller's alignment */
    BYTE img[WV_XSTATE_IMAGE] __attribute__((aligned(64)));
    BYTE upper[256];
    memcpy(&c, ctx, sizeof(c));
    wv_seh_unpoison(c.Rsp);
    /* FXRSTOR and LDMXCSR fault on reserved MXCSR bits: keep the architectural ones. */
    c.MxCsr &= 0xffff;
    c.FltSave.MxCsr = c.MxCsr;
    /* The AVX state too when the context carries an XSTATE area (only xsrc's flags with
     * CONTEXT_XSTATE, and the copy's, say it has one after it). */
    int avx = (c.ContextFlags & (CONTEXT_AMD64 | 0x40)) == (CONTEXT_AMD64 | 0x40) ? wv_xstate_of_context(xsrc, upper) : -1;
    if (avx >= 0) {
        bool fp = (c.ContextFlags & CONTEXT_FLOATING_POINT) == CONTEXT_FLOATING_POINT;
        wv_xstate_image(img, fp ? &c.FltSave : NULL, avx ? upper : NULL);
        if (!fp)
            memcpy(&c.MxCsr, img + 24, 4); /* ldmxcsr after the image: the thread's own */
    }
    wv_dbg_restore(&c); /* debug registers the context carries, RF (fault/dbgreg.c) */
    wv_seh_restore_raw(&c, avx >= 0 ? img : NULL);
}

void wv_seh_restore(const CONTEXT *ctx) { wv_seh_restore_xs(ctx, ctx); }

struct wv_link *wv_seh_link_of(DISPATCHER_CONTEXT *dc)
{
    struct wv_link *l = (struct wv_link *)dc; /* dc is the link's first member */
    uint64_t magic;
    if (!dc || !wv_seh_read(&magic, (DWORD64)&l->magic, sizeof(magic)))
        return NULL;
    return magic == (WV_LINK_MAGIC ^ (uintptr_t)l) ? l : NULL;
}

void wv_seh_link_init(struct wv_link *l, int kind, const CONTEXT *resume)
{
    memset(l, 0, sizeof(*l));
    l->magic = WV_LINK_MAGIC ^ (uintptr_t)l;
    l->kind = kind;
    l->resume = resume;
}

void wv_seh_link_position(const struct wv_link *l, CONTEXT *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->ContextFlags = CONTEXT_CONTROL;
    ctx->Rip = (uintptr_t)wv_seh_callout_ret;
    ctx->Rsp = l->sp;
}
