/* SPDX-License-Identifier: MIT */
/* test_rust_imports.c - kernel32 calls Rust's std imports: ReadFileEx/WriteFileEx, whose
 * completion routines run only in alertable waits (fileex.exe), and the tool help snapshot of
 * the process's modules (toolhelp.exe); tests/images/fileex.c and toolhelp.c list their checks,
 * each run under `winvm run`, every check "ok" and the exit status 0; and ReadConsoleW on a
 * pseudo terminal. */
#define _GNU_SOURCE
#include "testutil.h"

#include "runtime/runtime.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

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

/* ReadConsoleW: a terminal's UTF-8 as UTF-16 characters, the line ended by CR LF as Windows'
 * cooked read ends it, a sequence cut by the count kept for the next call; a pipe is no
 * console, nor is a terminal opened for writing (an output handle). */
Test(rust_imports, read_console_w_from_a_terminal)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    HANDLE ph = winvm_handle_from_fd(p[0], GENERIC_READ);
    WCHAR w[16];
    DWORD n = 99;
    SetLastError(0);
    cr_assert_not(ReadConsoleW(ph, w, 4, &n, NULL), "a pipe is no console");
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    CloseHandle(ph);
    close(p[1]);
    int pt = posix_openpt(O_RDWR | O_NOCTTY);
    if (pt < 0 || grantpt(pt) != 0 || unlockpt(pt) != 0)
        cr_skip_test("no pseudo terminal");
    int otty = open(ptsname(pt), O_RDWR | O_NOCTTY);
    cr_assert_geq(otty, 0);
    HANDLE o = winvm_handle_from_fd(otty, GENERIC_READ | GENERIC_WRITE);
    SetLastError(0);
    cr_assert_not(ReadConsoleW(o, w, 4, &n, NULL), "an output handle");
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    CloseHandle(o);
    int tty = open(ptsname(pt), O_RDONLY | O_NOCTTY);
    cr_assert_geq(tty, 0);
    HANDLE t = winvm_handle_from_fd(tty, GENERIC_READ);
    const char line[] = "h\xc3\xa9\xe2\x82\xac!\n"; /* h, e acute, euro sign, !, newline */
    cr_assert_eq(write(pt, line, sizeof(line) - 1), (ssize_t)sizeof(line) - 1);
    cr_assert(ReadConsoleW(t, w, 2, &n, NULL));
    cr_assert_eq(n, 2);
    cr_assert(w[0] == 'h' && w[1] == 0xE9, "%x %x", w[0], w[1]);
    cr_assert(ReadConsoleW(t, w, 16, &n, NULL));
    cr_assert_eq(n, 4, "the rest of the line: %lu", (unsigned long)n);
    cr_assert(w[0] == 0x20AC && w[1] == '!' && w[2] == '\r' && w[3] == '\n');
    CloseHandle(t);
    close(pt);
}
