/* SPDX-License-Identifier: MIT */
/* test_psapi_mod.c - psapi's process and module enumeration, QueryDosDevice and user32's
 * CharLowerA/CharUpperA/WaitForInputIdle from PE code: psapimod.exe (tests/images/psapimod.c
 * lists its checks) under `winvm run`, every check "ok" and the exit status 0. */
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
#define EXE WINVM_PE_IMAGES "/psapimod.exe"
#define CHECKS 41

Test(psapi_mod, enumeration_from_pe_code, .timeout = 60)
{
    static char out[8192];
    int oks = tu_run_checks(EXE, out, sizeof(out));
    cr_assert_eq(oks, CHECKS, "%s", out);
}
