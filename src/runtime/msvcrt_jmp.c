/* SPDX-License-Identifier: MIT */
/* msvcrt_jmp.c - the stack's non-local exits: _resetstkoflw (at the end), _setjmp and longjmp
 * on x64 msvcrt's jump buffer (_JUMP_BUFFER: Frame, Rbx, Rsp, Rbp, Rsi, Rdi, R12-R15, Rip,
 * MxCsr, FpCsr, Spare, Xmm6-Xmm15; 256 bytes).
 *
 * _setjmp(buf, frame) records frame as Frame: mingw's setjmp passes the caller's frame
 * address, clang's (MSVC target) its establisher frame.  A longjmp with Frame 0 restores the
 * registers and jumps; with Frame set it unwinds to that frame as Windows x64 does, through
 * RtlUnwind with a STATUS_LONGJUMP record naming the buffer: the __finally blocks and C++
 * destructors in between run, then the unwind's end restores the buffer's registers
 * (seh/unwindex.c).  longjmp(buf, 0) makes _setjmp return 1, as C asks.  The functions are ms_abi: the buffer in rcx, the second
 * argument in rdx.
 */
#include "runtime/msvcrt_int.h"
#include "runtime/thunk.h"

#include <string.h>

__asm__(".text\n"
        ".globl wv_ms__setjmp\n"
        ".hidden wv_ms__setjmp\n"
        ".type wv_ms__setjmp, @function\n"
        "wv_ms__setjmp:\n"
        "  movq %rdx, 0(%rcx)\n"       /* Frame */
        "  movq %rbx, 8(%rcx)\n"
        "  leaq 8(%rsp), %rax\n"       /* the caller's rsp once this returns */
        "  movq %rax, 16(%rcx)\n"
        "  movq %rbp, 24(%rcx)\n"
        "  movq %rsi, 32(%rcx)\n"
        "  movq %rdi, 40(%rcx)\n"
        "  movq %r12, 48(%rcx)\n"
        "  movq %r13, 56(%rcx)\n"
        "  movq %r14, 64(%rcx)\n"
        "  movq %r15, 72(%rcx)\n"
        "  movq (%rsp), %rax\n"        /* Rip: where _setjmp returns */
        "  movq %rax, 80(%rcx)\n"
        "  stmxcsr 88(%rcx)\n"
        "  fnstcw 92(%rcx)\n"
        "  movw $0, 94(%rcx)\n"
        "  movdqu %xmm6, 96(%rcx)\n"
        "  movdqu %xmm7, 112(%rcx)\n"
        "  movdqu %xmm8, 128(%rcx)\n"
        "  movdqu %xmm9, 144(%rcx)\n"
        "  movdqu %xmm10, 160(%rcx)\n"
        "  movdqu %xmm11, 176(%rcx)\n"
        "  movdqu %xmm12, 192(%rcx)\n"
        "  movdqu %xmm13, 208(%rcx)\n"
        "  movdqu %xmm14, 224(%rcx)\n"
        "  movdqu %xmm15, 240(%rcx)\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        ".size wv_ms__setjmp, .-wv_ms__setjmp\n"
        "\n"
        ".globl wv_ms_longjmp\n"
        ".hidden wv_ms_longjmp\n"
        ".type wv_ms_longjmp, @function\n"
        "wv_ms_longjmp:\n"
        "  movl %edx, %eax\n"
        "  testl %eax, %eax\n"
        "  jnz 1f\n"
        "  movl $1, %eax\n"
        "1:\n"
        "  cmpq $0, 0(%rcx)\n"
        "  jne wv_ms_longjmp_unwind\n" /* Frame set: unwind to it (its rdx the value as given) */
        "  movq 8(%rcx), %rbx\n"
        "  movq 24(%rcx), %rbp\n"
        "  movq 32(%rcx), %rsi\n"
        "  movq 40(%rcx), %rdi\n"
        "  movq 48(%rcx), %r12\n"
        "  movq 56(%rcx), %r13\n"
        "  movq 64(%rcx), %r14\n"
        "  movq 72(%rcx), %r15\n"
        "  ldmxcsr 88(%rcx)\n"
        "  fnclex\n"
        "  fldcw 92(%rcx)\n"
        "  movdqu 96(%rcx), %xmm6\n"
        "  movdqu 112(%rcx), %xmm7\n"
        "  movdqu 128(%rcx), %xmm8\n"
        "  movdqu 144(%rcx), %xmm9\n"
        "  movdqu 160(%rcx), %xmm10\n"
        "  movdqu 176(%rcx), %xmm11\n"
        "  movdqu 192(%rcx), %xmm12\n"
        "  movdqu 208(%rcx), %xmm13\n"
        "  movdqu 224(%rcx), %xmm14\n"
        "  movdqu 240(%rcx), %xmm15\n"
        "  movq 16(%rcx), %rsp\n"
        "  jmpq *80(%rcx)\n"
        ".size wv_ms_longjmp, .-wv_ms_longjmp\n");

/* longjmp with Frame set, from wv_ms_longjmp's caller's CONTEXT (WV_CAPTURING). */
static __attribute__((ms_abi, noreturn, used)) void wv_ms_longjmp_core(const DWORD64 *buf, int value, DWORD64 c,
                                                                      DWORD64 d, CONTEXT *ctx, const DWORD64 *stack)
{
    (void)c, (void)d, (void)stack;
    DWORD64 frame_ip[11]; /* Frame .. Rip */
    if (!wv_seh_read(frame_ip, (uintptr_t)buf, sizeof(frame_ip)))
        wv_seh_raise_status(STATUS_ACCESS_VIOLATION, NULL, ctx);
    EXCEPTION_RECORD rec;
    memset(&rec, 0, sizeof(rec));
    rec.ExceptionCode = STATUS_LONGJUMP;
    rec.ExceptionAddress = (PVOID)(uintptr_t)ctx->Rip;
    rec.NumberParameters = 1;
    rec.ExceptionInformation[0] = (ULONG_PTR)buf;
    wv_seh_unwind(frame_ip[0], frame_ip[10], &rec, value ? (DWORD64)value : 1, NULL, ctx);
}
WV_CAPTURING("wv_ms_longjmp_unwind", "wv_ms_longjmp_core");

/* _resetstkoflw: after a stack overflow was handled, the stack gets its guard page back
 * (fault/stkoflw.c), so the next overflow is caught again.  Nonzero on success, 0 when the
 * caller is too close to the end of its stack for a guard (as msvcrt answers). */
CRT int wv_ms__resetstkoflw(void)
{
    return wv_stack_reset((uintptr_t)__builtin_frame_address(0));
}
