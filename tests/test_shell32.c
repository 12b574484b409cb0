/* SPDX-License-Identifier: MIT */
/* test_shell32.c - shell32's SHFileOperation, FindExecutable, SHGetFileInfo and advapi32's
 * GetFileSecurity and account lookups from PE code: shellapi.exe (tests/images/shellapi.c
 * lists its checks) under `winvm run`; the owner it reads from a file it made is the host's
 * uid, the account its token's SID names the host's user. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

Test(shell32, file_ops_find_info_security, .timeout = 60)
{
    static char out[8192];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/shellapi.exe", out, sizeof(out));
    cr_assert_eq(oks, 47, "%s", out);
    char want[96];
    snprintf(want, sizeof(want), "owner S-1-5-21-0-0-0-%u\n", (unsigned)geteuid());
    cr_assert_not_null(strstr(out, want), "%s", out);
    struct passwd *pw = getpwuid(geteuid());
    cr_assert_not_null(pw);
    snprintf(want, sizeof(want), "account %s\n", pw->pw_name);
    cr_assert_not_null(strstr(out, want), "%s", out);
}
