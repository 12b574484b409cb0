/* SPDX-License-Identifier: MIT */
/* test_vunwind.c - ntdll's RtlVirtualUnwind from PE code: vunwind.exe (tests/images/vunwind.c
 * lists its checks) under `winvm run`: the handler and its data for a pc in a function's body,
 * none and *HandlerData left as it was in the prologue and the epilogue, as Windows does. */
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
#define EXE WINVM_PE_IMAGES "/vunwind.exe"

Test(vunwind, handler_data_only_with_a_handler, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(EXE, out, sizeof(out));
    cr_assert_eq(oks, 10, "%s", out);
}
