/* SPDX-License-Identifier: MIT */
/* test_ucrt.c - the Universal CRT: ucrt_ucrt.exe (imports the api-ms-win-crt-* sets) and
 * ucrt_ucrtbase.exe (imports ucrtbase.dll), one program built by mingw-w64 with -D_UCRT and
 * UCRT's startup calls, run under `winvm run` with their whole output compared; the export
 * tables; __stdio_common_vsprintf's three buffer rules and the wide specifiers, as Wine's
 * ucrtbase printf tests record them. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

static const char expected[] =
    "argc 3: [DIR] [x y]\n"
    "env: value 1 1\n"
    "printf: -12|   ab|7   |1099511627776|2.500|9|ff|q|1.234568e+04|0000000000001234\n"
    "snprintf: 10 [0123456]\n"
    "_snprintf: -1 [abcdxx]\n"
    "common 0: -2 [abc]; empty -1; length 5\n"
    "sprintf_s: 3 [5-z]\n"
    "_snprintf_s: -1 [AB123] -1 [AB1]\n"
    "wide iso: 12 nar|wid|wid2\n"
    "wide legacy: 12 wid|nar|nar2\n"
    "swprintf: -1 [abc]\n"
    "fwprintf: w 3\n"
    "sscanf: 3 42 word 2.5\n"
    "strtod: 3.1416 [rest]\n"
    "strtol: 2147483647 errno 34 34\n"
    "qsort: 1 3 5 7 9\n"
    "malloc: heap\n"
    "file: wrote 12 read 19 [line1\nline2\nmore 3]\n"
    "gone: NULL errno 2\n"
    "table 2\n"
    "table 1\n"
    "stdout via __acrt_iob_func\n"
    "atexit 2\n"
    "atexit 1\n";

static void run_ucrt(const char *exe)
{
    char path[512], dir[64], cmd[1024];
    snprintf(path, sizeof(path), WINVM_PE_IMAGES "/%s", exe);
    if (access(path, R_OK))
        cr_skip_test("%s not built (mingw-w64's libucrt missing)", exe);
    snprintf(dir, sizeof(dir), "/tmp/winvm-test-ucrt.%d", (int)getpid());
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(cmd, sizeof(cmd), "UCRT_TEST_VAR='value 1' WINVM_CACHE_DIR=" TU_RUN_CACHE " %s run %s %s 'x y'",
             WINVM_CLI, path, dir);
    mkdir(TU_RUN_CACHE, 0700);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out[8192];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    int st = pclose(p);
    rmdir(dir);
    char want[sizeof(expected) + 64];
    const char *d = strstr(expected, "DIR");
    snprintf(want, sizeof(want), "%.*s%s%s", (int)(d - expected), expected, dir, d + 3);
    cr_expect_str_eq(out, want);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 7, "exit status %#x", st);
}

Test(ucrt, api_set_program_runs_as_on_windows) { run_ucrt("ucrt_ucrt.exe"); }
Test(ucrt, ucrtbase_program_runs_as_on_windows) { run_ucrt("ucrt_ucrtbase.exe"); }

Test(ucrt, abort_is_silent_and_exits_3)
{
    const char *exe = WINVM_PE_IMAGES "/ucrt_ucrtbase.exe";
    if (access(exe, R_OK))
        cr_skip_test("ucrt_ucrtbase.exe not built");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "WINVM_CACHE_DIR=" TU_RUN_CACHE " %s run %s abort 2>&1", WINVM_CLI, exe);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out[1024];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    int st = pclose(p);
    /* Only the program's own line: msvcrt's "abnormal program termination" is not printed.
     * (A sanitizer build of winvm may add its own warnings, lines starting "==" and two more.) */
    cr_expect(!strncmp(out, "before abort\n", 13) && !strstr(out, "abnormal"), "no message (msvcrt prints one): %s", out);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %#x", st);
}

Test(ucrt, tables_sorted_and_named_as_ucrtbase)
{
    size_t n = 0;
    for (const char *prev = NULL, *cur; (cur = wv_ucrt_name_at(n)); prev = cur, n++) {
        if (prev)
            cr_assert_lt(strcmp(prev, cur), 0, "%s before %s", prev, cur);
        cr_assert_not_null(wv_ucrt_lookup(cur), "%s", cur);
    }
    cr_expect_gt(n, 300);
    n = 0;
    for (const char *prev = NULL, *cur; (cur = wv_vc_name_at(n)); prev = cur, n++) {
        if (prev)
            cr_assert_lt(strcmp(prev, cur), 0, "%s before %s", prev, cur);
        cr_assert_not_null(wv_vc_lookup(cur), "%s", cur);
    }
    /* one implementation: the same functions as msvcrt's, UCRT's own where they differ */
    cr_expect_eq(wv_ucrt_lookup("strtod"), wv_crt_lookup("strtod"));
    cr_expect_eq(wv_vc_lookup("memcpy"), wv_crt_lookup("memcpy"));
    cr_expect_eq(wv_vc_lookup("__C_specific_handler"), wv_nt_lookup("__C_specific_handler"));
    cr_expect_neq(wv_ucrt_lookup("abort"), wv_crt_lookup("abort"));
    cr_expect_null(wv_ucrt_lookup("printf"), "inlined onto __stdio_common_vfprintf in UCRT");
    cr_expect_null(wv_ucrt_lookup("__getmainargs"));
    cr_expect_null(wv_ucrt_lookup("_iob"));
    cr_expect_eq(wv_vc_lookup("__CxxFrameHandler3"), wv_crt_lookup("__CxxFrameHandler3"), "served (cxx_frame.c)");
    cr_expect_null(wv_vc_lookup("__CxxFrameHandler4"), "not served");
    cr_expect_eq(wv_nt_lookup("_vsnprintf"), wv_crt_lookup("_vsnprintf"), "ntdll's own, msvcrt's rule");
}

typedef WCHAR *(__attribute__((ms_abi)) * wcs_fn)(WCHAR *);

Test(ucrt, wcsupr_and_wcslwr_in_place)
{
    WCHAR s[] = {'a', 'B', '1', 0xe9, 0};
    wcs_fn up = (wcs_fn)wv_ucrt_lookup("_wcsupr"), low = (wcs_fn)wv_ucrt_lookup("_wcslwr");
    cr_assert_not_null(up);
    cr_assert_not_null(low);
    cr_expect_eq(up(s), s);
    cr_expect(s[0] == 'A' && s[1] == 'B' && s[2] == '1' && s[4] == 0);
    cr_expect_eq(low(s), s);
    cr_expect(s[0] == 'a' && s[1] == 'b' && s[2] == '1');
    cr_expect_null(up(NULL));
}

Test(ucrt, api_sets_name_ucrtbase)
{
    wv_runtime_init();
    const struct wv_builtin *u = wv_builtin_named("ucrtbase.dll");
    cr_assert_not_null(u);
    cr_expect_eq(wv_builtin_named("api-ms-win-crt-stdio-l1-1-0.dll"), u);
    cr_expect_eq(wv_builtin_named("API-MS-WIN-CRT-RUNTIME-L1-1-0.DLL"), u);
    cr_expect_eq(wv_builtin_named("api-ms-win-crt-math-l1-1-0.dll"), u);
    cr_expect_null(wv_builtin_named("api-ms-win-crt-nosuch-l1-1-0.dll"));
}

typedef int(__attribute__((ms_abi)) * vsprintf_fn)(uint64_t, void *, size_t, const void *, void *, wv_ms_va);

static int __attribute__((ms_abi)) common(const char *name, uint64_t opt, void *buf, size_t n, const void *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int r = ((vsprintf_fn)wv_ucrt_lookup(name))(opt, buf, n, fmt, NULL, ap);
    __builtin_ms_va_end(ap);
    return r;
}

#define SP(opt, buf, n, fmt) common("__stdio_common_vsprintf", opt, buf, n, fmt)

/* Wine's ucrtbase printf.c test_snprintf: "abcd" into 0, 1, 4 and 5 bytes, each rule. */
Test(ucrt, vsprintf_buffer_rules)
{
    char b[8];
    /* 1: _vsnprintf's */
    memset(b, 'x', 8);
    cr_expect_eq(SP(1, b, 4, "abcd"), 4);
    cr_expect_eq(memcmp(b, "abcdx", 5), 0);
    memset(b, 'x', 8);
    cr_expect_eq(SP(1, b, 3, "abcd"), -1);
    cr_expect_eq(memcmp(b, "abcx", 4), 0);
    cr_expect_eq(SP(1, b, 5, "abcd"), 4);
    cr_expect_str_eq(b, "abcd");
    cr_expect_eq(SP(1, b, 0, "abcd"), -1);
    cr_expect_eq(SP(1, b, 0, ""), 0);
    /* 2: C99's */
    memset(b, 'x', 8);
    cr_expect_eq(SP(2, b, 4, "abcd"), 4);
    cr_expect_str_eq(b, "abc");
    cr_expect_eq(SP(2, b, 0, "abcd"), 4);
    cr_expect_eq(SP(2, b, 1, "abcd"), 4);
    cr_expect_str_eq(b, "");
    /* 0: swprintf's */
    memset(b, 'x', 8);
    cr_expect_eq(SP(0, b, 4, "abcd"), -2);
    cr_expect_str_eq(b, "abc");
    cr_expect_eq(SP(0, b, 5, "abcd"), 4);
    cr_expect_str_eq(b, "abcd");
    cr_expect_eq(SP(0, b, 0, "abcd"), -1);
    cr_expect_eq(SP(0, b, 0, ""), -1);
    /* a NULL buffer asks for the length */
    for (uint64_t o = 0; o < 3; o++)
        cr_expect_eq(SP(o, NULL, 0, "abcd"), 4);
    cr_expect_eq(SP(0, NULL, 4, "abcd"), -1, "a NULL buffer with a size is invalid");
}

Test(ucrt, wide_specifiers_follow_the_legacy_bit)
{
    WCHAR w[32];
    static const WCHAR fmt[] = {'%', 's', '|', '%', 'S', 0};
    static const WCHAR wide[] = {'w', 0};
    static const WCHAR want_iso[] = {'n', '|', 'w', 0}, want_legacy[] = {'w', '|', 'n', 0};
    cr_assert_eq(common("__stdio_common_vswprintf", 0, w, 32, fmt, "n", wide), 3);
    cr_expect_eq(memcmp(w, want_iso, sizeof(want_iso)), 0, "ISO: %%s is narrow in a wide function");
    cr_assert_eq(common("__stdio_common_vswprintf", 4, w, 32, fmt, wide, "n"), 3);
    cr_expect_eq(memcmp(w, want_legacy, sizeof(want_legacy)), 0, "legacy: %%s is the function's width");
}
