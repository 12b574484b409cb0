/* SPDX-License-Identifier: MIT */
/* test_debug_thr.c - a debugger and its two-threaded debuggee (dbg_thr.exe under `winvm run`):
 * CREATE_THREAD's hThread names the new thread; at an int3 in the second thread the debugger
 * reads both threads' registers (the main thread's where the event froze it) and moves the main
 * thread, which runs from there once the event is continued; the program lists its checks. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

static void setup(void)
{
    tu_need_pe(EXE("dbg_thr.exe"), NULL);
}

TestSuite(debug_thr, .init = setup, .timeout = 120);

Test(debug_thr, debugger_reads_and_moves_both_threads_of_its_debuggee)
{
    static char out[16384];
    int oks = tu_run_checks(EXE("dbg_thr.exe"), out, sizeof(out));
    cr_assert_eq(oks, 7, "%s", out);
}
