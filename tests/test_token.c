/* SPDX-License-Identifier: MIT */
/* test_token.c - advapi32's token calls from PE code: token.exe (tests/images/token.c lists
 * its checks) under `winvm run`; its SID ends in the host's uid and it is elevated exactly when
 * it runs as root. */
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
#define EXE WINVM_PE_IMAGES "/token.exe"

Test(token, who_the_process_is, .timeout = 60)
{
    if (access(EXE, R_OK) != 0)
        cr_skip_test("test programs not built (mingw-w64 missing)");
    setenv("WINVM_CACHE_DIR", "/tmp/winvm-test-run-cache", 1);
    static char out[4096];
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
    cr_assert_eq(oks, 16, "%s", out);
    char want[64];
    snprintf(want, sizeof(want), "sid S-1-5-21-0-0-0-%u\n", (unsigned)geteuid());
    cr_assert_not_null(strstr(out, want), "%s", out);
    cr_assert_not_null(strstr(out, geteuid() == 0 ? "elevated 1\n" : "elevated 0\n"), "%s", out);
}
