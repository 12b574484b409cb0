/* SPDX-License-Identifier: MIT */
/* test_psapi_mod.c - psapi's process and module enumeration, QueryDosDevice and user32's
 * CharLowerA/CharUpperA/WaitForInputIdle from PE code: psapimod.exe (tests/images/psapimod.c
 * lists its checks) under `winvm run`, every check "ok" and the exit status 0. */
#define _GNU_SOURCE
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
    if (access(EXE, R_OK) != 0)
        cr_skip_test("test programs not built (mingw-w64 missing)");
    setenv("WINVM_CACHE_DIR", "/tmp/winvm-test-run-cache", 1);
    static char out[8192];
    FILE *p = popen(WINVM_CLI " run " EXE " 2>&1", "r");
    cr_assert(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    int st = pclose(p);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    int oks = 0;
    for (const char *s = out; (s = strstr(s, "ok ")); s += 3)
        oks++;
    cr_assert_eq(oks, CHECKS, "%s", out);
}
