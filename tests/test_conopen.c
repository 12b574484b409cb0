/* SPDX-License-Identifier: MIT */
/* test_conopen.c - CreateFile's console names and the cursor's shape on a pseudo terminal:
 * tests/images/conopen.exe under `winvm run` (ptyrun.h, 100 columns and 30 rows); its checks'
 * lines, and the bytes that reach the terminal through the handles it opened. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

#include "ptyrun.h"

/* CONIN$, CONOUT$ and CON open the terminal as console handles the console calls take;
 * Windows' refusals (CON both ways, no disposition, no console) with Windows' errors. */
Test(conopen, console_names_open_the_terminal_as_console_handles, .timeout = 60)
{
    struct run r;
    start_exe(&r, WINVM_PE_IMAGES "/conopen.exe", "");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert(strstr(r.out, "done 0"), "%s", r.out);
    cr_assert_null(strstr(r.out, "FAIL"), "%s", r.out);
    /* what was written through CONOUT$ reached the terminal */
    cr_assert(strstr(r.out, "via-conout"), "%s", r.out);
    cr_assert(strstr(r.out, "wide-conout"), "%s", r.out);
}

/* SetConsoleCursorInfo shows and hides the terminal's cursor (DECTCEM), in the order called. */
Test(conopen, cursor_visibility_reaches_the_terminal, .timeout = 60)
{
    struct run r;
    start_exe(&r, WINVM_PE_IMAGES "/conopen.exe", "");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    const char *hide = strstr(r.out, "\x1b[?25l");
    cr_assert(hide, "%s", r.out);
    cr_assert(strstr(hide, "\x1b[?25h"), "shown again after: %s", r.out);
}
