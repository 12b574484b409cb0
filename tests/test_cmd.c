/* SPDX-License-Identifier: MIT */
/* test_cmd.c - a command interpreter's calls: tests/images/cmdapi.c under `winvm run` (its
 * checks list what each covers), and, where Debian's wine64 package is installed, Wine's own
 * cmd.exe running a batch file under winvm (copied into a scratch directory first: its own
 * directory holds Wine's DLLs, which are not winvm's). */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define WINE_CMD "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/cmd.exe"

TestSuite(cmd, .timeout = 120);

Test(cmd, the_calls_a_command_interpreter_makes)
{
    static char out[8192];
    cr_assert_eq(tu_run_checks(WINVM_PE_IMAGES "/cmdapi.exe", out, sizeof(out)), 13, "%s", out);
}

static char scratch[] = "/tmp/wvcmd-XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", scratch, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(cmd, wines_cmd_exe_runs_a_batch_file)
{
    if (access(WINE_CMD, R_OK) != 0)
        cr_skip_test("Wine's cmd.exe is not installed (Debian's wine64 package)");
    cr_assert_not_null(mkdtemp(scratch));
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp %s %s/cmd.exe", WINE_CMD, scratch);
    cr_assert_eq(system(cmd), 0);
    write_file("t.bat", "@echo off\r\nset X=5\r\necho X is %X%\r\nif \"%X%\"==\"5\" echo five\r\n"
                        "for %%i in (a b c) do echo item %%i\r\nmkdir sub\r\nif exist sub echo made\r\n"
                        "echo text> sub\\f.txt\r\ntype sub\\f.txt\r\ncall :label arg1\r\nexit /b 7\r\n"
                        ":label\r\necho in label %1\r\ngoto :eof\r\n");
    static char out[8192];
    char exe[300];
    snprintf(exe, sizeof(exe), "%s/cmd.exe", scratch);
    /* t.bat relative to the scratch directory, the current one */
    int st = tu_run_pe(scratch, "WINVM_MISSING_IMPORTS=stub", exe, "/c t.bat", out, sizeof(out));
    const char *want[] = {"X is 5\r\n", "five\r\n", "item a\r\n", "item c\r\n", "made\r\n", "text\r\n",
                          "in label arg1\r\n"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_expect_not_null(strstr(out, want[i]), "\"%s\" missing:\n%s", want[i], out);
    cr_expect_eq(st, 7, "exit /b 7: status %d\n%s", st, out);
    snprintf(cmd, sizeof(cmd), "%s/sub/f.txt", scratch);
    cr_expect_str_eq(tu_slurp(cmd), "text\r\n", "the redirection wrote the file");
    tu_remove_tree(scratch);
}
