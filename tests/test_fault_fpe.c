/* SPDX-License-Identifier: MIT */
/* test_fault_fpe.c - arithmetic faults' records (fault/fpe.c) as Windows x64 raises them: the
 * status from the unit's own flags (not Linux's si_code), and an SSE fault's parameters
 * {0, MXCSR}.  tests/images/fpctx.c checks the same from PE code. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <string.h>

/* The state winvm gives PE threads, back after each fault (the try leaves the unit as the
 * faulting code left it). */
static void fpu_back(void)
{
    const unsigned short cw = 0x27f;
    const unsigned int csr = 0x1f80;
    __asm__ volatile("fninit\n\tfldcw %0\n\tldmxcsr %1" : : "m"(cw), "m"(csr) : "memory");
}

/* MXCSR with the mask bits in arg cleared, then one SSE operation. */
static void sse_divide_by_zero(void *arg)
{
    unsigned csr = 0x1f80 & ~0x200u; /* ZM */
    (void)arg;
    __asm__ volatile("ldmxcsr %0\n\t"
                     "mov $1, %%eax\n\tcvtsi2ss %%eax, %%xmm1\n\txorps %%xmm0, %%xmm0\n\tdivss %%xmm0, %%xmm1"
                     :
                     : "m"(csr)
                     : "rax", "xmm0", "xmm1", "memory");
}

static void sse_denormal(void *arg)
{
    unsigned csr = 0x1f80 & ~0x100u; /* DM */
    (void)arg;
    __asm__ volatile("ldmxcsr %0\n\t"
                     "mov $1, %%eax\n\tmovd %%eax, %%xmm1\n\taddss %%xmm1, %%xmm1"
                     :
                     : "m"(csr)
                     : "rax", "xmm1", "memory");
}

/* Nine pushes onto the x87 stack with the invalid-operation exception unmasked; the fault
 * comes at the fwait. */
static void x87_stack_overflow(void *arg)
{
    unsigned short cw = 0x27f & ~1u; /* IM */
    (void)arg;
    __asm__ volatile("fninit\n\tfldcw %0\n\t"
                     "fld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfwait"
                     :
                     : "m"(cw)
                     : "memory");
}

static void x87_divide_by_zero(void *arg)
{
    unsigned short cw = 0x27f & ~4u; /* ZM */
    (void)arg;
    __asm__ volatile("fninit\n\tfldcw %0\n\tfld1\n\tfldz\n\t.byte 0xde, 0xf9\n\tfwait" /* fdivp: st1 = 1 / 0 */ : : "m"(cw) : "memory");
}

Test(fault_fpe, sse_faults_give_the_first_unmasked_flag_and_mxcsr)
{
    EXCEPTION_RECORD rec;
    memset(&rec, 0, sizeof(rec));
    DWORD code = winvm_try(sse_divide_by_zero, NULL, &rec);
    fpu_back();
    cr_assert_eq(code, 0xC000008Eu /* STATUS_FLOAT_DIVIDE_BY_ZERO */, "%#x", code);
    cr_assert_eq(rec.NumberParameters, 2);
    cr_assert_eq(rec.ExceptionInformation[0], 0);
    cr_assert_eq(rec.ExceptionInformation[1] & 0x3f, 0x04, "ZE raised: %#lx", (unsigned long)rec.ExceptionInformation[1]);
    cr_assert_eq(rec.ExceptionInformation[1] & 0x1f80, 0x1f80 & ~0x200u, "the masks as loaded");

    memset(&rec, 0, sizeof(rec));
    code = winvm_try(sse_denormal, NULL, &rec);
    fpu_back();
    /* Linux says FPE_FLTUND for a denormal operand; Windows has its own status. */
    cr_assert_eq(code, 0xC000008Du /* STATUS_FLOAT_DENORMAL_OPERAND */, "%#x", code);
    cr_assert_eq(rec.NumberParameters, 2);
    cr_assert_eq(rec.ExceptionInformation[1] & 0x3f, 0x02);
}

Test(fault_fpe, x87_faults_read_the_status_word)
{
    EXCEPTION_RECORD rec;
    memset(&rec, 0, sizeof(rec));
    DWORD code = winvm_try(x87_stack_overflow, NULL, &rec);
    fpu_back();
    /* Linux says FPE_FLTINV; the stack-fault bit makes it Windows' STATUS_FLOAT_STACK_CHECK. */
    cr_assert_eq(code, 0xC0000092u /* STATUS_FLOAT_STACK_CHECK */, "%#x", code);
    cr_assert_eq(rec.NumberParameters, 0);

    code = winvm_try(x87_divide_by_zero, NULL, &rec);
    fpu_back();
    cr_assert_eq(code, 0xC000008Eu /* STATUS_FLOAT_DIVIDE_BY_ZERO */, "%#x", code);
}

/* A handler's MXCSR: the CONTEXT's MxCsr field is what the continued code runs with (as
 * Windows' kernel takes it), and a bit this CPU does not have is dropped instead of failing
 * the return from the signal (which would kill the process). */
static LONG set_mxcsr_and_continue(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode != 0xC000008Eu)
        return EXCEPTION_CONTINUE_SEARCH;
    ep->ContextRecord->MxCsr = 0x1f80 | 0x8000 | 0x10000; /* every mask, FZ, a reserved bit */
    return EXCEPTION_CONTINUE_EXECUTION;
}

Test(fault_fpe, a_handler_sets_mxcsr_through_the_context, .timeout = 30)
{
    PVOID h = AddVectoredExceptionHandler(1, set_mxcsr_and_continue);
    cr_assert_not_null(h);
    sse_divide_by_zero(NULL); /* faults once; retried with ZM set, it completes */
    unsigned csr;
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    fpu_back();
    RemoveVectoredExceptionHandler(h);
    cr_assert_eq(csr & ~0x3fu, 0x1f80 | 0x8000, "MXCSR %#x", csr);
    cr_assert_eq(csr & 0x04, 0x04, "the retried divide raised ZE, masked: %#x", csr);
}
