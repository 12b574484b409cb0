/* SPDX-License-Identifier: MIT */
/* copy.c - copying to and from memory the caller names, where a bad pointer is an error and not
 * a crash (the kernel's copy_to_user and get_user, in user space).
 *
 * wv_copy is one `rep movsb` from 64 bytes up, plain moves below; the fixed-size accesses
 * (the NT calls' in/out parameters) are plain moves, which cost a few cycles where `rep movsb`
 * pays its startup on every call.  All
 * of them sit between wv_user_begin and wv_user_end, leaf functions that touch no stack, so
 * that any of their instructions can fault and return through wv_user_fixup.  When one
 * faults, the fault handler (fault.c) first does what it does for any fault (a guard page of a
 * stack grows it, a write-watch page records the write: the access then goes on); a fault it
 * would report or pass on instead resumes at the fixup, which returns nonzero.  Nothing is
 * paid unless the access faults.
 */
#define _GNU_SOURCE /* REG_RIP */
#include "fault/fault.h"

#define WV_USER_FN(name) \
    ".globl " #name "\n.hidden " #name "\n.type " #name ",@function\n" #name ":\n"

__asm__(".text\n"
        ".hidden wv_user_begin\n"
        "wv_user_begin:\n"
        WV_USER_FN(wv_copy_raw) /* rdi = dst, rsi = src, rdx = n */
        "  cmp $64, %rdx\n"     /* below 64 bytes, moves: `rep movsb` costs ~30 cycles to start, */
        "  jae 3f\n"            /* and the unwinder's 4- to 16-byte reads paid it on every one */
        "1:cmp $8, %rdx\n"
        "  jb 2f\n"
        "  mov (%rsi), %rax\n"
        "  mov %rax, (%rdi)\n"
        "  add $8, %rsi\n"
        "  add $8, %rdi\n"
        "  sub $8, %rdx\n"
        "  jmp 1b\n"
        "2:test %rdx, %rdx\n"
        "  jz 4f\n"
        "  movb (%rsi), %al\n"
        "  movb %al, (%rdi)\n"
        "  inc %rsi\n"
        "  inc %rdi\n"
        "  dec %rdx\n"
        "  jmp 2b\n"
        "3:mov %rdx, %rcx\n"
        "  rep movsb\n"
        "4:xor %eax, %eax\n"
        "  ret\n"
        WV_USER_FN(wv_user_get_rw64) /* rdi = p, rsi = v */
        "  mov (%rdi), %rax\n"
        "  mov %rax, (%rdi)\n"
        "  mov %rax, (%rsi)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        WV_USER_FN(wv_user_get64) /* rdi = p, rsi = v */
        "  mov (%rdi), %rax\n"
        "  mov %rax, (%rsi)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        WV_USER_FN(wv_user_probe_rw32) /* rdi = p */
        "  mov (%rdi), %eax\n"
        "  mov %eax, (%rdi)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        WV_USER_FN(wv_user_put64) /* rdi = p, rsi = v */
        "  mov %rsi, (%rdi)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        WV_USER_FN(wv_user_put32) /* rdi = p, esi = v */
        "  mov %esi, (%rdi)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        ".hidden wv_user_end\n"
        "wv_user_end:\n"
        ".hidden wv_user_fixup\n"
        "wv_user_fixup:\n"
        "  mov $1, %eax\n"
        "  ret\n");

extern const char wv_user_begin[], wv_user_end[], wv_user_fixup[];

bool wv_user_fault(ucontext_t *uc)
{
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (rip < (uintptr_t)wv_user_begin || rip >= (uintptr_t)wv_user_end)
        return false;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)wv_user_fixup;
    return true;
}
