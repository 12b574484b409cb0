/* SPDX-License-Identifier: MIT */
/* test_token.c - advapi32's token calls from PE code: token.exe (tests/images/token.c lists
 * its checks) under `winvm run`; its SID ends in the host's uid and it is elevated exactly when
 * it runs as root. */
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
#define EXE WINVM_PE_IMAGES "/token.exe"

Test(token, who_the_process_is, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(EXE, out, sizeof(out));
    cr_assert_eq(oks, 16, "%s", out);
    char want[64];
    snprintf(want, sizeof(want), "sid S-1-5-21-0-0-0-%u\n", (unsigned)geteuid());
    cr_assert_not_null(strstr(out, want), "%s", out);
    cr_assert_not_null(strstr(out, geteuid() == 0 ? "elevated 1\n" : "elevated 0\n"), "%s", out);
}

/* ntdll's token calls and advapi32's over them: ntoken.exe lists its checks. */
Test(token, nt_calls_privileges_duplicates, .timeout = 60)
{
    static char out[8192];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/ntoken.exe", out, sizeof(out));
    cr_assert_eq(oks, 40, "%s", out);
}
