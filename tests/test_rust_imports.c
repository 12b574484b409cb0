/* SPDX-License-Identifier: MIT */
/* test_rust_imports.c - kernel32 calls Rust's std imports: ReadFileEx/WriteFileEx, whose
 * completion routines run only in alertable waits (fileex.exe), and the tool help snapshot of
 * the process's modules (toolhelp.exe); tests/images/fileex.c and toolhelp.c list their checks.
 * Each runs under `winvm run`, every check "ok" and the exit status 0. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

static char out[16384];

Test(rust_imports, read_write_file_ex_completion_routines, .timeout = 60)
{
    int oks = tu_run_checks(WINVM_PE_IMAGES "/fileex.exe", out, sizeof(out));
    cr_assert_eq(oks, 25, "%s", out);
}

Test(rust_imports, toolhelp_module_snapshot, .timeout = 60)
{
    int oks = tu_run_checks(WINVM_PE_IMAGES "/toolhelp.exe", out, sizeof(out));
    cr_assert_eq(oks, 17, "%s", out);
}
