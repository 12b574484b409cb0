/* SPDX-License-Identifier: MIT */
/* test_cxx_msvc.c - C++ exceptions in the MSVC ABI (runtime/cxx_*.c): cxxmsvc.exe, built by
 * clang for x86_64-pc-windows-msvc without a CRT, throws and catches through vcruntime140.dll's
 * _CxxThrowException and __CxxFrameHandler3, and across cxxmsvc_dll.dll, which uses msvcrt.dll's;
 * the endings an exception can give a process are run one per process. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(cxx_msvc, .timeout = 120);

static char out[32768];

/* Runs cxxmsvc.exe with args under `winvm run` (stderr with stdout): its exit status. */
static int run_cxx(const char *args)
{
    const char *exe = WINVM_PE_IMAGES "/cxxmsvc.exe";
    if (access(exe, R_OK) != 0)
        cr_skip_test("cxxmsvc.exe not built (clang, lld-link or llvm-dlltool missing)");
    setenv("WINVM_CACHE_DIR", "/tmp/winvm-test-run-cache", 1);
    mkdir("/tmp/winvm-test-run-cache", 0700);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cd %s && %s run %s %s 2>&1", WINVM_PE_IMAGES, WINVM_CLI, exe, args);
    return tu_capture(cmd, out, sizeof(out));
}

static void expect_ok(const char *name)
{
    char line[160];
    snprintf(line, sizeof(line), "ok %s\n", name);
    cr_assert_not_null(strstr(out, line), "\"%s\" missing:\n%s", name, out);
}

Test(cxx_msvc, throw_catch_unwind_rethrow_and_across_a_dll)
{
    int st = run_cxx("dll");
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    static const char *const names[] = {
        "throw int, catch int", "catch base by reference", "exception object destroyed after catch",
        "catch by value copy-constructs", "copy and object both destroyed",
        "catch(...) after a clause that does not match", "destructors ran in each of 6 frames before the catch",
        "nested try: inner does not match, outer catches", "rethrow: the same object reaches the outer catch",
        "rethrown object destroyed once", "throw from a catch block caught outside", "its object destroyed",
        "try inside a catch block", "object alive while its outer catch runs", "rethrow caught inside the same catch",
        "object destroyed once at the end", "catch a second base: this adjusted", "multiply derived object destroyed",
        "catch a pointer to a base: adjusted", "const char * is not caught as char *", "1000 throws and catches",
        "the DLL's exception caught by the EXE by base name", "the DLL's frames ran their destructors",
        "an int thrown in the DLL", "the DLL catches the EXE's exception",
        "the DLL's catch destroyed the EXE's object"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        expect_ok(names[i]);
    cr_assert_not_null(strstr(out, "all passed\n"), "%s", out);
}

/* An exception nothing catches ends the process as every unhandled exception does: the code
 * 0xE06D7363 (Linux keeps its low byte, 0x63) and winvm's report. */
Test(cxx_msvc, uncaught_exception_ends_the_process_with_its_code)
{
    int st = run_cxx("uncaught");
    cr_assert_eq(st, 0x63, "status %d:\n%s", st, out);
    cr_assert_not_null(strstr(out, "throwing\n"), "%s", out);
    cr_assert_null(strstr(out, "not reached"), "%s", out);
    cr_assert_not_null(strstr(out, "unhandled exception 0xe06d7363"), "%s", out);
}

/* A C++ exception leaving a noexcept function: the catch outside is found, and the unwind
 * through the function runs its terminate cleanup (__std_terminate: abort's status 3). */
Test(cxx_msvc, exception_leaving_noexcept_terminates)
{
    int st = run_cxx("noexcept");
    cr_assert_eq(st, 3, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "not reached"), "%s", out);
}

/* throw; with no exception being handled propagates unhandled, as MSVC's runtime lets it. */
Test(cxx_msvc, rethrow_with_no_exception_is_unhandled)
{
    int st = run_cxx("rethrow-none");
    cr_assert_eq(st, 0x63, "status %d:\n%s", st, out);
    cr_assert_not_null(strstr(out, "unhandled exception 0xe06d7363"), "%s", out);
}
