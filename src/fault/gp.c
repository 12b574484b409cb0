/* SPDX-License-Identifier: MIT */
/* gp.c - a general-protection fault (SIGSEGV with SI_KERNEL) as the exception Windows raises
 * for it.  Linux reports every #GP the same way; the kernel's error code and the faulting
 * instruction tell them apart:
 *
 * - an `int N` whose gate user mode may not use (error code N << 3 | 2): Windows serves some
 *   of these vectors itself.  int 0x2d is the debug service: with Rax 1, 3, 4 or 5 (print,
 *   load and unload symbols, command string) nothing is raised and the thread goes on three
 *   bytes past the int (the byte after it is skipped, as Windows' trap handler does); with
 *   any other Rax EXCEPTION_BREAKPOINT, one parameter (Rax), at the byte after the int, the
 *   CONTEXT's Rip one further (the dispatcher backs it up, as for int3).  int 0x2c is
 *   STATUS_ASSERTION_FAILURE at the int.  int 0x29 is __fastfail: STATUS_STACK_BUFFER_OVERRUN,
 *   noncontinuable, one parameter (Rcx, the fast-fail code), at the int; no handler sees it
 *   (wv_fault_is_fastfail).  Other vectors: an access violation.
 * - error code 0 on an instruction only the kernel may run (hlt, cli, sti, in/out and the
 *   string forms, moves to or from control and debug registers, the descriptor-table and MSR
 *   instructions, invd, wbinvd, clts): STATUS_PRIVILEGED_INSTRUCTION, no parameters.
 * - anything else (a non-canonical address, a bad selector, an iretq to one, an instruction
 *   longer than 15 bytes): STATUS_ACCESS_VIOLATION, a read of address ~0, as Windows reports
 *   a fault whose address the processor does not give.
 *
 * Runs in the signal handler: reads the instruction with wv_copy only.
 */
#define _GNU_SOURCE
#include "fault/fault.h"

#include <string.h>

#define WV_STATUS_PRIVILEGED_INSTRUCTION 0xC0000096u
#define WV_STATUS_ASSERTION_FAILURE 0xC0000420u
#define WV_STATUS_STACK_BUFFER_OVERRUN 0xC0000409u

static bool wv_is_prefix(BYTE b)
{
    return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 ||
           b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65 || (b >= 0x40 && b <= 0x4f);
}

/* Whether the instruction at rip is one only ring 0 may run. */
static bool wv_privileged_at(uintptr_t rip)
{
    BYTE code[16];
    size_t n = 0;
    while (n < sizeof(code) && !wv_copy(&code[n], (const void *)(rip + n), 1))
        n++;
    size_t i = 0;
    while (i < n && i < 15 && wv_is_prefix(code[i]))
        i++;
    if (i >= n || i >= 15) /* unreadable, or longer than an instruction may be */
        return false;
    BYTE op = code[i];
    if ((op >= 0x6c && op <= 0x6f) || (op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef) || op == 0xf4 ||
        op == 0xfa || op == 0xfb)
        return true;
    if (op != 0x0f || i + 1 >= n)
        return false;
    BYTE op2 = code[i + 1];
    BYTE reg = i + 2 < n ? (BYTE)((code[i + 2] >> 3) & 7) : 0xff;
    switch (op2) {
    case 0x06: case 0x08: case 0x09: case 0x30: case 0x32: /* clts invd wbinvd wrmsr rdmsr */
    case 0x20: case 0x21: case 0x22: case 0x23:            /* mov to/from cr, dr */
        return true;
    case 0x00: return reg == 2 || reg == 3;                      /* lldt, ltr */
    case 0x01: return reg == 2 || reg == 3 || reg == 6 || reg == 7; /* lgdt, lidt, lmsw, invlpg */
    default: return false;
    }
}

bool wv_fault_is_fastfail(const EXCEPTION_RECORD *rec)
{
    BYTE code[2];
    return rec->ExceptionCode == WV_STATUS_STACK_BUFFER_OVERRUN && rec->ExceptionFlags == EXCEPTION_NONCONTINUABLE &&
           rec->NumberParameters == 1 && !wv_copy(code, rec->ExceptionAddress, sizeof(code)) && code[0] == 0xcd &&
           code[1] == 0x29;
}

bool wv_gp_record(EXCEPTION_RECORD *rec, ucontext_t *uc)
{
    greg_t *g = uc->uc_mcontext.gregs;
    uintptr_t rip = (uintptr_t)g[REG_RIP];
    uint64_t err = (uint64_t)g[REG_ERR];
    memset(rec, 0, sizeof(*rec));
    rec->ExceptionAddress = (PVOID)rip;
    if ((err & 7) == 2 && (err >> 3) == 0x2d) {
        uint64_t service = (uint64_t)g[REG_RAX];
        g[REG_RIP] = (greg_t)(rip + 3);
        if (service == 1 || service == 3 || service == 4 || service == 5)
            return false;
        rec->ExceptionCode = EXCEPTION_BREAKPOINT;
        rec->ExceptionAddress = (PVOID)(rip + 2);
        rec->NumberParameters = 1;
        rec->ExceptionInformation[0] = (ULONG_PTR)service;
        return true;
    }
    if ((err & 7) == 2 && (err >> 3) == 0x29) {
        rec->ExceptionCode = WV_STATUS_STACK_BUFFER_OVERRUN;
        rec->ExceptionFlags = EXCEPTION_NONCONTINUABLE;
        rec->NumberParameters = 1;
        rec->ExceptionInformation[0] = (ULONG_PTR)g[REG_RCX];
        return true;
    }
    if ((err & 7) == 2 && (err >> 3) == 0x2c) {
        rec->ExceptionCode = WV_STATUS_ASSERTION_FAILURE;
        return true;
    }
    if (err == 0 && wv_privileged_at(rip)) {
        rec->ExceptionCode = WV_STATUS_PRIVILEGED_INSTRUCTION;
        return true;
    }
    rec->ExceptionCode = STATUS_ACCESS_VIOLATION;
    rec->NumberParameters = 2;
    rec->ExceptionInformation[0] = 0; /* a read */
    rec->ExceptionInformation[1] = ~(ULONG_PTR)0;
    return true;
}
