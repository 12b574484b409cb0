/* SPDX-License-Identifier: MIT */
/* test_loadstr.c - user32's LoadStringW and wsprintfW from PE code: loadstr.exe reads its own
 * string table (tests/images/loadstr.rc) whole, cut to a buffer, by pointer (buffer size 0), an
 * empty slot and an absent block (ERROR_RESOURCE_NAME_NOT_FOUND), and formats with wsprintfW
 * (msvcrt's wide rules; 1023 units and a terminator at most). */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

Test(loadstr, string_table_and_wsprintf_from_pe_code)
{
    const char *exe = WINVM_PE_IMAGES "/loadstr.exe";
    if (access(exe, R_OK))
        cr_skip_test("loadstr.exe not built (mingw-w64's windres missing)");
    char cmd[1024];
    mkdir(TU_RUN_CACHE, 0700);
    snprintf(cmd, sizeof(cmd), "WINVM_CACHE_DIR=" TU_RUN_CACHE " %s run %s", WINVM_CLI, exe);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out[4096];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    int st = pclose(p);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    cr_expect_str_eq(out, "1: 12 [first string]\n"
                          "17 cut: 3 [sev]\n"
                          "17 pointer: 9 [seventeen]\n"
                          "2 empty: 0 []\n"
                          "100 no block: 0 1814\n"
                          "wsprintfW: 8 [w-5-n-ff]\n"
                          "wsprintfW limit: 1023 0\n");
}
