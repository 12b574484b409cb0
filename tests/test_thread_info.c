/* SPDX-License-Identifier: MIT */
/* test_thread_info.c - NtQueryInformationThread, NtSetInformationThread,
 * NtQueryInformationProcess and
 * CreateRemoteThread(Ex) from PE code: thrinfo.exe (tests/images/thrinfo.c lists its checks)
 * under `winvm run`.
 */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

Test(thread_info, queries_and_remote_threads_from_pe_code, .timeout = 60)
{
    static char out[8192];
    int oks = tu_run_checks(EXE("thrinfo.exe"), out, sizeof(out));
    cr_assert_geq(oks, 15, "%s", out);
}

/* A guard page inside the TEB's stack grows it, whoever made it; StackLimit follows
 * (tests/images/stkgrow.c lists the checks). */
Test(thread_info, stacks_grow_as_the_teb_says, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(EXE("stkgrow.exe"), out, sizeof(out));
    cr_assert_eq(oks, 3, "%s", out);
}
