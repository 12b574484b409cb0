/* SPDX-License-Identifier: MIT */
/* test_msvcrt.c - msvcrt.dll as mingw-w64 programs use it: crt_io.exe (descriptors, text and
 * binary modes, handles, FILEs, names) and crt_misc.exe (setjmp, threads, time, math, scanf,
 * wide strings, conversions, locale, signals, exit order) under `winvm run`, their whole output
 * compared; errno's numbering; the imports of Debian's mingw DLLs all served. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/msvcrt_int.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

/* Runs `winvm run exe arg` (TZ=UTC) and returns its stdout (malloc'ed); *status its exit. */
static char *run(const char *exe, const char *arg, int *status)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "TZ=UTC WINVM_CACHE_DIR=" TU_RUN_CACHE " %s run %s %s", WINVM_CLI, exe, arg ? arg : "");
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 16, n = 0;
    char *out = calloc(1, cap);
    size_t r;
    while ((r = fread(out + n, 1, cap - 1 - n, p)) > 0)
        n += r;
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return out;
}

static void setup(void)
{
    tu_need_pe(EXE("crt_io.exe"), NULL);
}

Test(msvcrt, descriptors_files_and_names_as_windows, .init = setup)
{
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/winvm-test-crt-io.%d", (int)getpid());
    cr_assert_eq(mkdir(dir, 0700), 0);
    int status;
    char *out = run(EXE("crt_io.exe"), dir, &status);
    cr_expect_eq(status, 0);
    cr_expect_str_eq(out,
        "write text: 5\n"
        "on disk: 7 [a\\r\\nbc\\r\\n]\n"
        "read text: 5 a\\nbc\\n\n"
        "seek: 2 tell 2 length 7\n"
        "fstat: 0 size 7 regular 1\n"
        "setmode: was binary\n"
        "read text with ctrl-z: 4 x\\ny\\n, then 0\n"
        "binary: 7 [x\\r\\ny\\nz]\n"
        "open missing: -1 errno 2\n"
        "close -1: -1 errno 9\n"
        "read 999: -1 errno 9\n"
        "write 77: -1 errno 9\n"
        "lseek 55: -1 errno 9\n"
        "osfhandle 99: -1 errno 9\n"
        "setmode 98: -1 errno 9\n"
        "open dir: -1 errno 13\n"
        "unlink dir: -1 errno 13\n"
        "access missing: -1 errno 2\n"
        "open long name: -1 errno 38\n"
        "mkdir existing: -1 errno 17\n"
        "fopen bad mode: 0 errno 22\n"
        "strerror 2: No such file or directory\n"
        "osfhandle write: 1 10, same 1\n"
        "dup: 1 tell 10\n"
        "std handle: 1\n"
        "open_osfhandle: 10 [via handle]\n"
        "isatty: 0\n"
        "fopen w: 11 [one\\r\\ntwo\\r\\n3]\n"
        "ftell after line: 5 pos 5 getc t again t\n"
        "fsetpos: two\n"
        "end: 11 eof 1\n"
        "wb+: 5 [ab] 1\n"
        "fileno: 1\n"
        "fopen wb: 5 [ab\\ncd]\n"
        "fdopen: a\n"
        "tmpfile scanf: 2 42 tmp\n"
        "stat: 0 size 11 mode 100666\n"
        "stat dir: 0 dir 1\n"
        "stat trailing separator: -1 errno 2\n"
        "access: 0\n"
        "rename onto existing: -1 errno 13\n"
        "find *.TXT: 3\n"
        "unlinked: 5\n"
        "drive: fopen 1, open read 5 [drive], stat 0 size 5, rename 0, access 0, unlink 0\n"
        "unc: -1 errno 2\n"
        "getcwd: drive 1 same 1, fullpath relative 1 absolute 1 [c:\\a\\c] wide 1\n");
    free(out);
    cr_assert_eq(rmdir(dir), 0, "the program removed what it made");
}

Test(msvcrt, jumps_threads_time_math_and_strings, .init = setup)
{
    int status;
    char *out = run(EXE("crt_misc.exe"), NULL, &status);
    cr_expect_eq(status, 5);
    cr_expect_str_eq(out,
        "longjmp: setjmp gave 1 after depth 3, rounds 2, kept 11 22 1.5\n"
        "thread: wait 0 code 7 value 42 id 1\n"
        "gmtime: 1971-01-01 05:01:01 Fri Jan 001|01/01/71 05:01:01|01/01/71|05:01:01|1\n"
        "asctime: Fri Jan 01 05:01:01 1971\n"
        "mkgmtime: 949406400 mday 1 mon 1 wday 2 yday 31\n"
        "gmtime(-1): NULL errno 22\n"
        "wcsftime: 7 1971/01\n"
        "clock: 1\n"
        "math: 0.8415 0.5403 0.5463 2.7183 2.0 1024.0 2.3026\n"
        "math2: -2.0 -1.0 1.5 0.7854 frexp 0.750 6 ldexp 12.0 modf -0.75 -2.00\n"
        "sqrt(-1): nan 1 errno 33\n"
        "exp(1000): inf 1 errno 34\n"
        "sscanf: 6 42 -7 123456789012 2.5 word abc\n"
        "sscanf hex: 1 255 3\n"
        "wide: 12 1 5 10\n"
        "towupper: 0041 00d6 03b1\n"
        "iswctype: 1 1 0\n"
        "wcstombs: 5 plain\n"
        "%ls: wide text\n"
        "strcpy_s: 0 34 [] errno 34\n"
        "strncpy_s truncate: 80 [abcdefg]\n"
        "itoa: ffffff01 -42 18446744073709551615 1011\n"
        "stricmp: 0 0\n"
        "strtol: 2147483647 errno 34 strtoul(-1) 4294967295 strtoll -9000000000\n"
        "memcpy_s: 34\n"
        "snprintf: -1 6\n"
        "snprintf edge: -1 [X] 4 [X] [wxyz]\n"
        "sprintf_s: 5 [12345]\n"
        "setlocale: C\n"
        "setlocale C: C, bogus: NULL\n"
        "decimal point: .\n"
        "handler got 15\n"
        "raise: 0\n"
        "after raise: reset to SIG_DFL\n"
        "putenv: on\n"
        "removed: yes\n"
        "fopen missing: NULL errno 2\n"
        "qsort: 1 3 7 9 bsearch 2\n"
        "rand: 41 18467\n"
        "atexit: registered second, runs first\n"
        "atexit: registered first, runs last\n");
    free(out);
}

Test(msvcrt, errno_numbered_as_msvcrt)
{
    cr_expect_eq(wv_crt_errno_from_host(ENOENT), 2);
    cr_expect_eq(wv_crt_errno_from_host(EBADF), 9);
    cr_expect_eq(wv_crt_errno_from_host(ERANGE), 34);
    cr_expect_eq(wv_crt_errno_from_host(EDEADLK), 36);
    cr_expect_eq(wv_crt_errno_from_host(ENAMETOOLONG), 38);
    cr_expect_eq(wv_crt_errno_from_host(ENOLCK), 39);
    cr_expect_eq(wv_crt_errno_from_host(ENOSYS), 40);
    cr_expect_eq(wv_crt_errno_from_host(ENOTEMPTY), 41);
    cr_expect_eq(wv_crt_errno_from_host(EILSEQ), 42);
    cr_expect_eq(wv_crt_errno_from_host(ETXTBSY), 13);
    for (int e = 36; e <= 42; e++)
        if (e != 37)
            cr_expect_eq(wv_crt_errno_from_host(wv_crt_errno_to_host(e)), e, "%d", e);
    wv_crt_fail(ENOTEMPTY);
    cr_expect_eq(*wv_ms__errno(), 41);
}

/* What Debian's zlib1.dll, libwinpthread-1.dll, libstdc++-6.dll and libssp-0.dll import. */
Test(msvcrt, serves_the_imports_of_debians_mingw_dlls)
{
    static const char *const names[] = {
        "_aligned_free", "_aligned_malloc", "_assert", "_beginthreadex", "_close", "_endthreadex", "_fdopen",
        "_filelengthi64", "_fileno", "_findclose", "_fstat64", "_get_osfhandle", "_lseeki64", "_open", "_read",
        "_setjmp", "_telli64", "_ultoa", "_wchdir", "_wchmod", "_wfindfirst64", "_wfindnext64", "_wfopen",
        "_wfullpath", "_wgetcwd", "_wmkdir", "_wopen", "_write", "_wstat64", "_wutime64", "fgetpos", "fsetpos",
        "getc", "gets", "getwc", "iswctype", "longjmp", "putc", "putwc", "setlocale", "setvbuf", "strcoll",
        "strftime", "strxfrm", "towlower", "towupper", "ungetwc", "wcscat", "wcscmp", "wcscoll", "wcscpy",
        "wcsftime", "wcstombs", "wcsxfrm"};
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        cr_expect_not_null(wv_crt_lookup(names[i]), "%s", names[i]);
}
