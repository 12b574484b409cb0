/* SPDX-License-Identifier: MIT */
/* test_ctxex.c - CONTEXT_EX (runtime/ctx_ex.c, ctx_ex_k32.c): from PE code, ctxex.exe under
 * `winvm run` (tests/images/ctxex.c lists its checks); from C, through ntdll's export table
 * (ms_abi): the lengths, the layout and a copy between an AMD64 and an x86 context's parts; the
 * AVX state in contexts (avxctx.exe). */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"
#include <winvm/ntdll.h>

#include <cpuid.h>
#include <criterion/criterion.h>
#include <string.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define MS __attribute__((ms_abi))

Test(ctxex, from_pe_code, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/ctxex.exe", out, sizeof(out));
    cr_assert_eq(oks, 9, "%s", out);
}

/* The CPU has AVX and Linux enabled it (XCR0's SSE and AVX bits). */
static bool host_avx(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27)) || !(c & (1u << 28)))
        return false;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6;
}

/* The AVX state (ymm0-15's upper halves) through an exception continued by a vectored
 * handler, read and changed by it in the CONTEXT's XSTATE area, and through GetThreadContext,
 * SetThreadContext and RtlRestoreContext of the calling thread (tests/images/avxctx.c). */
Test(ctxex, avx_state_from_pe_code, .timeout = 60)
{
    if (!host_avx())
        cr_skip_test("this CPU (or its kernel) has no AVX: winvm's feature mask is 3 there");
    cr_assert_eq(GetEnabledXStateFeatures(), 7);
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/avxctx.exe", out, sizeof(out));
    cr_assert_eq(oks, 8, "%s", out);
}

struct chunk {
    LONG off;
    ULONG len;
};
typedef NTSTATUS(MS *len_fn)(ULONG, ULONG *);
typedef NTSTATUS(MS *init_fn)(void *, ULONG, struct chunk **);
typedef NTSTATUS(MS *copy_fn)(struct chunk *, ULONG, struct chunk *);

/* x86 contexts too (ContextFlags at 0, 0x2cc bytes): CONTEXT_INTEGER's Edi..Eax move, the
 * control registers after them do not; CONTEXT_XSTATE's header comes along. */
Test(ctxex, x86_extended_copy)
{
    wv_runtime_init();
    len_fn len = (len_fn)(void (*)(void))wv_nt_lookup("RtlGetExtendedContextLength");
    init_fn init = (init_fn)(void (*)(void))wv_nt_lookup("RtlInitializeExtendedContext");
    copy_fn copy = (copy_fn)(void (*)(void))wv_nt_lookup("RtlCopyExtendedContext");
    cr_assert(len && init && copy);
    ULONG n = 0, avx = (GetEnabledXStateFeatures() & 4) ? 256 : 0; /* AVX's part, when enabled */
    cr_assert_eq(len(0x10042, &n), 0);
    cr_assert_eq(n, 0x2cc + 0x18 + 64 + avx + 63);
    static __attribute__((aligned(64))) BYTE a[2048], b[2048];
    struct chunk *sx, *dx;
    memset(a, 0x11, sizeof(a));
    memset(b, 0x22, sizeof(b));
    cr_assert_eq(init(a, 0x10042, &sx), 0);
    cr_assert_eq(init(b, 0x10042, &dx), 0);
    cr_assert_eq((BYTE *)sx - a, 0x2cc);
    cr_assert_eq(sx[2].off, 0x300 - 0x2cc); /* XState at the next 64-byte boundary */
    cr_assert_eq(sx[2].len, 64 + avx);
    *(DWORD *)a = 0;
    cr_assert_eq(copy(dx, 0x10042, sx), 0);
    cr_assert_eq(*(DWORD *)b, 0x10042);
    cr_assert_eq(b[0x9c], 0x11); /* Edi */
    cr_assert_eq(b[0xb3], 0x11); /* Eax's last byte */
    cr_assert_eq(b[0xb4], 0x22); /* Ebp: CONTEXT_CONTROL */
    cr_assert_eq(b[0x1c], 0x22); /* FloatSave */
    cr_assert_eq(copy(dx, 0x110000, sx), STATUS_INVALID_PARAMETER);
}
