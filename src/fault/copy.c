/* SPDX-License-Identifier: MIT */
/* copy.c - copying to and from memory the caller names, where a bad pointer is an error and not
 * a crash (the kernel's copy_to_user, in user space).
 *
 * wv_copy is one `rep movsb`.  When it faults, the fault handler (fault.c) first does what it
 * does for any fault (a guard page of a stack grows it, a write-watch page records the write:
 * the copy then goes on); a fault it would report or pass on instead resumes at the fixup,
 * which returns nonzero.  Nothing is paid unless the copy faults.
 */
#define _GNU_SOURCE /* REG_RIP */
#include "fault/fault.h"

__asm__(".text\n"
        ".globl wv_copy_raw\n"
        ".hidden wv_copy_raw\n"
        ".type wv_copy_raw,@function\n"
        "wv_copy_raw:\n" /* rdi = dst, rsi = src, rdx = n */
        "  mov %rdx, %rcx\n"
        ".globl wv_copy_insn\n"
        ".hidden wv_copy_insn\n"
        "wv_copy_insn:\n"
        "  rep movsb\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        ".globl wv_copy_fixup\n"
        ".hidden wv_copy_fixup\n"
        "wv_copy_fixup:\n"
        "  mov $1, %eax\n"
        "  ret\n"
        ".size wv_copy_raw, .-wv_copy_raw\n");

int wv_copy_raw(void *dst, const void *src, size_t n);
extern const char wv_copy_insn[], wv_copy_fixup[];

DWORD wv_copy(void *dst, const void *src, size_t n)
{
    wv_assert(!wv_space_locked_by_self()); /* a fault under the lock is never winvm's */
    wv_fault_attach();                     /* the handler that turns a fault into the error */
    return wv_copy_raw(dst, src, n) ? ERROR_NOACCESS : 0;
}

bool wv_copy_fault(ucontext_t *uc)
{
    if ((uintptr_t)uc->uc_mcontext.gregs[REG_RIP] != (uintptr_t)wv_copy_insn)
        return false;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)wv_copy_fixup;
    return true;
}
