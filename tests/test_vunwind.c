/* SPDX-License-Identifier: MIT */
/* test_vunwind.c - ntdll's RtlVirtualUnwind from PE code: vunwind.exe (tests/images/vunwind.c
 * lists its checks) under `winvm run`: the handler and its data for a pc in a function's body,
 * none and *HandlerData left as it was in the prologue and the epilogue, as Windows does. */
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
#define EXE WINVM_PE_IMAGES "/vunwind.exe"

Test(vunwind, handler_data_only_with_a_handler, .timeout = 60)
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
    cr_assert_eq(oks, 10, "%s", out);
}
