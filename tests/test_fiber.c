/* SPDX-License-Identifier: MIT */
/* test_fiber.c - fibers (runtime/fiber.c, fiber_swap.c) and fiber-local storage per fiber
 * (fls.c, ntdll_fls.c): from PE code under `winvm run` (fiber.exe lists its checks), and the
 * FLS blocks' processing (RtlProcessFlsData's core) from C. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/synch_int.h"
#include "runtime/fiber_int.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(fiber, .timeout = 120);

static char out[16384];

/* Runs fiber.exe under `winvm run` once: its output in out, its exit status. */
static int run_fiber(void)
{
    const char *exe = WINVM_PE_IMAGES "/fiber.exe";
    tu_need_pe(exe, "mingw-w64 g++ missing");
    return tu_run_pe(NULL, NULL, exe, NULL, out, sizeof(out));
}

static void expect_ok(const char *name)
{
    char line[128];
    snprintf(line, sizeof(line), "ok %s\n", name);
    cr_assert_not_null(strstr(out, line), "%s missing:\n%s", name, out);
}

Test(fiber, pe_fibers_switch_keep_registers_stacks_exceptions_and_fls)
{
    int st = run_fiber();
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    static const char *const names[] = {"fiber_convert", "fiber_switch", "fiber_registers", "fiber_float",
                                        "fiber_stack", "fiber_seh", "fiber_grow", "fiber_threads",
                                        "fls_per_fiber", "fls_list_head", "fls_new_thread", "fiber_delete_self", "fiber_return"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        expect_ok(names[i]);
}

static int cb_calls;
static void *cb_last;

static void WINAPI cb(PVOID v)
{
    cb_calls++;
    cb_last = v;
}

/* RtlProcessFlsData's flags on the calling thread's block: bits 2-31 do nothing, bit 0 runs
 * the callbacks and takes the values, bit 1 frees the block (the thread has none after). */
Test(fiber, fls_block_processing_flags)
{
    DWORD i = FlsAlloc(cb);
    cr_assert_neq(i, FLS_OUT_OF_INDEXES);
    cr_assert(FlsSetValue(i, (void *)0x51));
    void *b = wv_fls_current();
    cr_assert_not_null(b);
    for (int bit = 2; bit < 32; bit++)
        wv_fls_process(b, 1u << bit);
    cr_assert_eq(FlsGetValue(i), (void *)0x51);
    cr_assert_eq(cb_calls, 0);
    wv_fls_process(b, 1);
    cr_assert_eq(cb_calls, 1);
    cr_assert_eq(cb_last, (void *)0x51);
    cr_assert_eq(wv_fls_current(), b);
    cr_assert_null(FlsGetValue(i));
    cr_assert_eq(GetLastError(), ERROR_SUCCESS);
    wv_fls_process(b, 2);
    cr_assert_null(wv_fls_current());
    SetLastError(0);
    cr_assert_null(FlsGetValue(i));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER); /* no block: as a new fiber */
    cr_assert(FlsSetValue(i, (void *)0x52));               /* a new block */
    cr_assert_eq(FlsGetValue(i), (void *)0x52);
    cr_assert(FlsFree(i));
    cr_assert_eq(cb_calls, 2);
    cr_assert_eq(cb_last, (void *)0x52);
}

/* A block switched away (another fiber's) keeps its values and still gets FlsFree's callback. */
Test(fiber, fls_blocks_switch_and_free_reaches_every_block)
{
    cb_calls = 0;
    DWORD i = FlsAlloc(cb);
    cr_assert(FlsSetValue(i, (void *)0x61));
    void *first = wv_fls_current();
    wv_fls_switch(NULL); /* as a switch to a fiber that has no block yet */
    SetLastError(0);
    cr_assert_null(FlsGetValue(i));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert(FlsSetValue(i, (void *)0x62));
    void *second = wv_fls_current();
    cr_assert_neq(second, first);
    wv_fls_switch(first);
    cr_assert_eq(FlsGetValue(i), (void *)0x61);
    cr_assert(FlsFree(i));
    cr_assert_eq(cb_calls, 2);
    wv_fls_fiber_end(second); /* as DeleteFiber: nothing left to call back */
    cr_assert_eq(cb_calls, 2);
}
