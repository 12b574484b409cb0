/* SPDX-License-Identifier: MIT */
/* thunk.h - ms_abi thunks over the runtime's host-convention functions, for the DLL export
 * tables (k32_exports.c, ntdll.c, psapi.c), and WV_CAPTURING.  Private to runtime/.
 *
 * WV_THUNK_n(P, ret, Name, types...) defines P##Name, an ms_abi function of n arguments that
 * calls Name; the compiler moves the arguments between the two conventions and saves what
 * ms_abi callers expect preserved (rsi, rdi, xmm6-xmm15).  winvm's frames run on the caller's
 * stack (Windows' system calls on a kernel stack) and grow it as far as they go, under the
 * space lock too (mm/stack.c: nothing is probed at the entry).
 * First, wv_seg_check (fault.h): the caller may have loaded a selector into fs or gs, which
 * took glibc's thread pointer or the TEB with it; a read through each faults into their repair
 * (fault/seg.c) before winvm's code touches TLS.  No stack protector: it reads fs first. */
#ifndef WV_RUNTIME_THUNK_H
#define WV_RUNTIME_THUNK_H

#include "runtime/runtime.h"

#define WV_THUNK_ABI static __attribute__((ms_abi, no_stack_protector))
#define WV_THUNK_0(P, r, f) WV_THUNK_ABI r P##f(void) { wv_seg_check(); return f(); }
#define WV_THUNK_1(P, r, f, A) WV_THUNK_ABI r P##f(A a) { wv_seg_check(); return f(a); }
#define WV_THUNK_2(P, r, f, A, B) WV_THUNK_ABI r P##f(A a, B b) { wv_seg_check(); return f(a, b); }
#define WV_THUNK_3(P, r, f, A, B, C) WV_THUNK_ABI r P##f(A a, B b, C c) { wv_seg_check(); return f(a, b, c); }
#define WV_THUNK_4(P, r, f, A, B, C, D) WV_THUNK_ABI r P##f(A a, B b, C c, D d) { wv_seg_check(); return f(a, b, c, d); }
#define WV_THUNK_5(P, r, f, A, B, C, D, E)                                                          \
    WV_THUNK_ABI r P##f(A a, B b, C c, D d, E e) { wv_seg_check(); return f(a, b, c, d, e); }
#define WV_THUNK_6(P, r, f, A, B, C, D, E, F)                                                       \
    WV_THUNK_ABI r P##f(A a, B b, C c, D d, E e, F g) { wv_seg_check(); return f(a, b, c, d, e, g); }
#define WV_THUNK_8(P, r, f, A, B, C, D, E, F, G, H)                                                 \
    WV_THUNK_ABI r P##f(A a, B b, C c, D d, E e, F g, G h, H i) { wv_seg_check(); return f(a, b, c, d, e, g, h, i); }
#define WV_THUNK_7(P, r, f, A, B, C, D, E, F, G)                                                    \
    WV_THUNK_ABI r P##f(A a, B b, C c, D d, E e, F g, G h) { wv_seg_check(); return f(a, b, c, d, e, g, h); }
#define WV_THUNK_9(P, r, f, A, B, C, D, E, F, G, H, I)                                              \
    WV_THUNK_ABI r P##f(A a, B b, C c, D d, E e, F g, G h, H i, I j)                                     \
    {                                                                                               \
        wv_seg_check();                                                                             \
        return f(a, b, c, d, e, g, h, i, j);                                                        \
    }

/* WV_CAPTURING(name, core): the entry `name` captures a CONTEXT of its caller at the call (rip
 * its return address, rsp its stack pointer after the return, nonvolatile and XMM registers as
 * they are) on the stack, then calls the ms_abi core(rcx, rdx, r8, r9, CONTEXT *, the caller's
 * stack arguments): ntdll.c's raises and unwinds, msvcrt's longjmp.  Between the two, the fs and
 * gs bases are checked (wv_seg_check_asm, as the thunks above).  Entry rsp is 8 mod 16;
 * the CONTEXT is at rsp after `sub $0x4d8` (16-aligned), the return address at 0x4d8 above
 * it, the caller's fifth argument at 0x500. */
#define WV_CAPTURING(name, core)                                                              \
    __asm__(".text\n.globl " name "\n.hidden " name "\n.type " name ",@function\n" name ":\n" \
            "  sub $0x4d8, %rsp\n"                                                            \
            "  mov %rcx, %r10\n"                                                              \
            "  mov %rsp, %rcx\n"                                                              \
            "  call wv_seh_capture\n"                                                         \
            "  call wv_seg_check_asm\n"                                                       \
            "  lea 0x4e0(%rsp), %rax\n"                                                       \
            "  mov %rax, 0x98(%rsp)\n"                                                        \
            "  mov 0x4d8(%rsp), %rax\n"                                                       \
            "  mov %rax, 0xf8(%rsp)\n"                                                        \
            "  mov %r10, 0x80(%rsp)\n"                                                        \
            "  mov %r10, %rcx\n"                                                              \
            "  lea 0x500(%rsp), %rax\n"                                                       \
            "  sub $0x30, %rsp\n"                                                             \
            "  mov %rax, 0x28(%rsp)\n"                                                        \
            "  lea 0x30(%rsp), %rax\n"                                                        \
            "  mov %rax, 0x20(%rsp)\n"                                                        \
            "  call " core "\n"                                                               \
            "  add $0x508, %rsp\n"                                                            \
            "  ret\n"                                                                         \
            ".size " name ", .-" name "\n")

/* WV_ALERTABLE(name, core, nstack): the export `name` of an alertable call (SleepEx,
 * WaitFor*Ex, NtDelayExecution, NtTestAlert, ...) is a gate (apc_gate.c) that captures its PE
 * caller's CONTEXT, calls the ms_abi core (a thunk above: the call's four register arguments
 * and nstack, 0 or 1, of the caller's stack arguments) and, when the call ended for APCs,
 * delivers them above that CONTEXT before it returns.  `core` is referenced from assembly
 * only: the pointer keeps it. */
#define WV_ALERTABLE(name, core, nstack)                                                      \
    __attribute__((used)) static void *const wv_keep_##name = (void *)core;                \
    __asm__(".text\n.globl " #name "\n.hidden " #name "\n.type " #name ",@function\n" #name \
            ":\n  lea " #core "(%rip), %r11\n  mov $" #nstack ", %eax\n"                   \
            "  jmp wv_apc_gate_entry\n.size " #name ", .-" #name "\n");

#endif
