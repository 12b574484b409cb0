/* SPDX-License-Identifier: MIT */
/* test_ustack.c - ntdll's RtlCreateUserStack, RtlFreeUserStack (runtime/ntdll_stack.c) and
 * RtlGetEnabledExtendedFeatures (runtime/kusd.c): from PE code, ustack.exe under `winvm run`
 * (tests/images/ustack.c lists its checks); from C, through ntdll's export table (ms_abi):
 * the rounding rules, the layout, the bad alignments and an unwritable INITIAL_TEB, the
 * feature mask (legacy state only). */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"
#include <winvm/ntdll.h>
#include <winvm/shareddata.h>

#include <criterion/criterion.h>
#include <string.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define MS __attribute__((ms_abi))

struct initial_teb {
    void *old_base, *old_limit, *base, *limit, *dealloc;
};
typedef NTSTATUS(MS *create_fn)(SIZE_T, SIZE_T, ULONG, SIZE_T, SIZE_T, struct initial_teb *);
typedef void(MS *free_fn)(void *);
typedef DWORD64(MS *features_fn)(DWORD64);

Test(ustack, from_pe_code, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/ustack.exe", out, sizeof(out));
    cr_assert_eq(oks, 8, "%s", out);
}

/* CreateThread's stacks as Windows sizes and grows them (tests/images/thrstack.c lists its
 * checks): winvm's own frames on them too, under the space lock as well (mm/stack.c). */
Test(ustack, thread_stacks_from_pe_code, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/thrstack.exe", out, sizeof(out));
    cr_assert_eq(oks, 7, "%s", out);
}

static create_fn create;
static free_fn release;

static void lookup(void)
{
    wv_runtime_init();
    create = (create_fn)(void (*)(void))wv_nt_lookup("RtlCreateUserStack");
    release = (free_fn)(void (*)(void))wv_nt_lookup("RtlFreeUserStack");
    cr_assert(create && release);
}

static MEMORY_BASIC_INFORMATION query(uintptr_t a)
{
    MEMORY_BASIC_INFORMATION m;
    memset(&m, 0, sizeof(m));
    cr_assert(VirtualQuery((void *)a, &m, sizeof(m)));
    return m;
}

Test(ustack, rounding_and_layout)
{
    lookup();
    struct initial_teb t;
    memset(&t, 0xcc, sizeof(t));
    cr_assert_eq(create(0x11000, 0x140000, 0, 0x4000, 0x40000, &t), 0);
    uintptr_t top = (uintptr_t)t.base;
    cr_assert_null(t.old_base);
    cr_assert_null(t.old_limit);
    cr_assert_eq(top - (uintptr_t)t.limit, 0x14000);
    cr_assert_eq(top - (uintptr_t)t.dealloc, 0x140000);
    MEMORY_BASIC_INFORMATION m = query((uintptr_t)t.limit);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 0x14000);
    m = query((uintptr_t)t.limit - 4096);
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_eq(m.AllocationBase, t.dealloc);
    release(t.dealloc);
    cr_assert_eq(query((uintptr_t)t.limit).State, MEM_FREE);
    /* reserve below commit and below 1 MiB: both raised */
    cr_assert_eq(create(0x20000, 0x20000, 0, 1, 1, &t), 0);
    cr_assert_eq((uintptr_t)t.base - (uintptr_t)t.dealloc, 0x100000);
    cr_assert_eq((uintptr_t)t.base - (uintptr_t)t.limit, 0x20000);
    release(t.dealloc);
    /* commit the whole reservation: no room for a guard page, none made */
    cr_assert_eq(create(0x100000, 0x100000, 0, 1, 1, &t), 0);
    cr_assert_eq(t.limit, t.dealloc);
    cr_assert_eq(query((uintptr_t)t.dealloc).RegionSize, 0x100000);
    release(t.dealloc);
}

Test(ustack, bad_calls)
{
    lookup();
    struct initial_teb t;
    memset(&t, 0xcc, sizeof(t));
    cr_assert_eq(create(0x11000, 0x110000, 0, 1, 0, &t), STATUS_INVALID_PARAMETER);
    cr_assert_eq(create(0x11000, 0x110000, 0, 0, 1, &t), STATUS_INVALID_PARAMETER);
    cr_assert_eq((uintptr_t)t.base, (uintptr_t)0xccccccccccccccccull);
    /* an unwritable INITIAL_TEB: refused before anything is reserved */
    void *ro = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READONLY);
    cr_assert_not_null(ro);
    cr_assert_eq(create(0, 0x7f0000, 0, 1, 1, ro), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(create(0, 0x7f0000, 0, 1, 1, NULL), STATUS_ACCESS_VIOLATION);
    VirtualFree(ro, 0, MEM_RELEASE);
}

/* The legacy x87 and SSE state, and AVX where the CPU has it and the OS enabled it (winvm's
 * contexts carry it then); kernel32's GetEnabledXStateFeatures says the same. */
Test(ustack, enabled_extended_features)
{
    wv_runtime_init();
    features_fn f = (features_fn)(void (*)(void))wv_nt_lookup("RtlGetEnabledExtendedFeatures");
    cr_assert_not_null(f);
    cr_assert_eq(f(0), 0);
    DWORD64 all = __builtin_cpu_supports("avx") ? 7 : 3;
    cr_assert_eq(f(~(DWORD64)0), all);
    cr_assert_eq(f(6), all & 6);
    cr_assert_eq(GetEnabledXStateFeatures(), all);
}
