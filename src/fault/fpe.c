/* SPDX-License-Identifier: MIT */
/* fpe.c - an arithmetic fault (SIGFPE) as the exception Windows x64 raises for it.
 *
 * Linux's si_code names one condition per signal, chosen in its own order (a denormal operand
 * is FPE_FLTUND, an x87 stack overflow or underflow FPE_FLTINV).  Windows reads the unit's own
 * status instead, which the signal's saved state holds:
 *
 * - an SSE fault (#XM, trap 19): the MXCSR flags whose exceptions are unmasked, the first of
 *   invalid operation, denormal operand, divide by zero, overflow, underflow, inexact result
 *   (STATUS_FLOAT_INVALID_OPERATION .. STATUS_FLOAT_INEXACT_RESULT), with two parameters: 0 and
 *   the MXCSR (Wine's exception.c records both for divps by zero and 0/0).
 * - an x87 fault (#MF, trap 16, raised at the next waiting x87 instruction): the status word's
 *   unmasked flags in the same order, an invalid operation with the stack-fault bit set being
 *   STATUS_FLOAT_STACK_CHECK (Wine's exception.c records it for a push onto a full stack);
 *   no parameters.
 * - an integer divide error (#DE): STATUS_INTEGER_DIVIDE_BY_ZERO, or STATUS_INTEGER_OVERFLOW
 *   as Linux tells them (the quotient too large).
 *
 * Runs in the signal handler: reads only the saved state.
 */
#define _GNU_SOURCE
#include "fault/fault.h"

#include <signal.h>

#define WV_TRAP_MF 16 /* x87 floating-point error */
#define WV_TRAP_XM 19 /* SIMD floating-point exception */

#define WV_FLT_INVALID 0x01u
#define WV_FLT_STACK 0x40u /* x87 status word: the invalid operation was a stack fault */

/* si_code's meaning, for a fault whose unit state says nothing. */
static DWORD wv_fpe_by_code(int code)
{
    switch (code) {
    case FPE_INTDIV: return 0xC0000094u;  /* STATUS_INTEGER_DIVIDE_BY_ZERO */
    case FPE_INTOVF: return 0xC0000095u;  /* STATUS_INTEGER_OVERFLOW */
    case FPE_FLTDIV: return 0xC000008Eu;  /* STATUS_FLOAT_DIVIDE_BY_ZERO */
    case FPE_FLTOVF: return 0xC0000091u;  /* STATUS_FLOAT_OVERFLOW */
    case FPE_FLTUND: return 0xC0000093u;  /* STATUS_FLOAT_UNDERFLOW */
    case FPE_FLTRES: return 0xC000008Fu;  /* STATUS_FLOAT_INEXACT_RESULT */
    default: return 0xC0000090u;          /* STATUS_FLOAT_INVALID_OPERATION */
    }
}

/* The first of the six flags (invalid, denormal, zero divide, overflow, underflow, precision,
 * bits 0-5 in both MXCSR and the x87 status word) set in raised, as Windows' status; 0: none. */
static DWORD wv_fpe_by_flags(unsigned raised)
{
    static const DWORD status[6] = {
        0xC0000090u, /* STATUS_FLOAT_INVALID_OPERATION */
        0xC000008Du, /* STATUS_FLOAT_DENORMAL_OPERAND */
        0xC000008Eu, /* STATUS_FLOAT_DIVIDE_BY_ZERO */
        0xC0000091u, /* STATUS_FLOAT_OVERFLOW */
        0xC0000093u, /* STATUS_FLOAT_UNDERFLOW */
        0xC000008Fu, /* STATUS_FLOAT_INEXACT_RESULT */
    };
    for (unsigned i = 0; i < 6; i++)
        if (raised & (1u << i))
            return status[i];
    return 0;
}

void wv_fpe_record(EXCEPTION_RECORD *rec, int code, const ucontext_t *uc)
{
    const struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    greg_t trap = uc->uc_mcontext.gregs[REG_TRAPNO];
    DWORD st = 0;
    if (fp && trap == WV_TRAP_XM) {
        unsigned csr = fp->mxcsr;
        st = wv_fpe_by_flags(csr & 0x3f & ~(csr >> 7));
        rec->NumberParameters = 2;
        rec->ExceptionInformation[0] = 0;
        rec->ExceptionInformation[1] = csr;
    } else if (fp && trap == WV_TRAP_MF) {
        unsigned raised = fp->swd & 0x3f & ~fp->cwd;
        st = (raised & WV_FLT_INVALID) && (fp->swd & WV_FLT_STACK) ? 0xC0000092u /* STATUS_FLOAT_STACK_CHECK */
                                                                    : wv_fpe_by_flags(raised);
    }
    rec->ExceptionCode = st ? st : wv_fpe_by_code(code);
}
