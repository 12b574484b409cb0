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
static int run_cxx_env(const char *env, const char *args, const char *err);
static int run_cxx(const char *args) { return run_cxx_env("", args, "2>&1"); }

static int run_cxx_env(const char *env, const char *args, const char *err)
{
    const char *exe = WINVM_PE_IMAGES "/cxxmsvc.exe";
    tu_need_pe(exe, "clang, lld-link or llvm-dlltool missing");
    char line[256];
    snprintf(line, sizeof(line), "%s %s", args, err);
    return tu_run_pe(WINVM_PE_IMAGES, env, exe, line, out, sizeof(out));
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
        "catch a pointer to a base: adjusted", "const char * is not caught as char *",
        "a new exception from a catch, caught by the caller", "a rethrow from a catch, caught by the caller",
        "a destructor catches its own exception during an unwind", "1000 throws and catches",
        "an SEH exception leaving a catch ends it, its object destroyed", "throw and catch work after it",
        "__current_exception names the caught exception's record", "__current_exception is NULL after the catch",
        "four threads throw, rethrow and catch 2000 times each",
        "the DLL's exception caught by the EXE by base name", "the DLL's frames ran their destructors",
        "an int thrown in the DLL", "the DLL catches the EXE's exception",
        "the DLL's catch destroyed the EXE's object"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        expect_ok(names[i]);
    cr_assert_not_null(strstr(out, "all passed\n"), "%s", out);
}

/* With +relay, the throw and the frame handler still see their callers' frames (no relay
 * stub between: loader/relay.c's frame-sensitive names). */
Test(cxx_msvc, works_under_relay)
{
    int st = run_cxx_env("WINVM_DEBUG=+relay", "dll", "2>/dev/null");
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
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

/* A pure virtual call (vcruntime140's _purecall): the handler _set_purecall_handler set runs,
 * then the process aborts (status 3). */
Test(cxx_msvc, pure_virtual_call_runs_the_handler_then_aborts)
{
    int st = run_cxx("purecall");
    cr_assert_eq(st, 3, "status %d:\n%s", st, out);
    cr_assert_not_null(strstr(out, "purecall handler\n"), "%s", out);
    cr_assert_null(strstr(out, "not reached"), "%s", out);
}

/* The same in cxxmsvc_dll.dll, whose _purecall is msvcrt.dll's: runtime error R6025, 255. */
Test(cxx_msvc, pure_virtual_call_in_msvcrt_is_r6025)
{
    int st = run_cxx("purecall-dll");
    cr_assert_eq(st, 255, "status %d:\n%s", st, out);
    cr_assert_not_null(strstr(out, "R6025"), "%s", out);
    cr_assert_null(strstr(out, "not reached"), "%s", out);
}

/* ---- the helpers, called as PE code calls them (ms_abi), through the DLLs' export tables ---- */
#include "runtime/runtime.h"
#include <stdlib.h>
#include <winvm/slist.h>

struct std_exception_data {
    const char *what;
    unsigned char do_free;
};
typedef void(__attribute__((ms_abi)) * copy_fn)(const struct std_exception_data *, struct std_exception_data *);
typedef void(__attribute__((ms_abi)) * destroy_fn)(struct std_exception_data *);
typedef int(__attribute__((ms_abi)) * compare_fn)(const void *, const void *);
typedef size_t(__attribute__((ms_abi)) * hash_fn)(const void *);
typedef void(__attribute__((ms_abi)) * list_fn)(SLIST_HEADER *);

/* Owned messages are copied, borrowed ones shared; destroy clears both fields (Wine's
 * ucrtbase tests record these on Windows). */
Test(cxx_msvc, std_exception_copy_and_destroy)
{
    copy_fn copy = (copy_fn)wv_vc_lookup("__std_exception_copy");
    destroy_fn destroy = (destroy_fn)wv_ucrt_lookup("__std_exception_destroy");
    cr_assert(copy && destroy && copy == (copy_fn)wv_ucrt_lookup("__std_exception_copy"));
    struct std_exception_data src = {"what", 0}, dst = {NULL, 9};
    copy(&src, &dst);
    cr_assert(dst.what == src.what && dst.do_free == 0);
    src.do_free = 0x42;
    copy(&src, &dst);
    cr_assert(dst.what != src.what && dst.do_free == 1 && !strcmp(dst.what, "what"));
    destroy(&dst);
    cr_assert(dst.what == NULL && dst.do_free == 0);
    src.what = NULL, src.do_free = 1;
    dst.what = "x", dst.do_free = 1;
    copy(&src, &dst);
    cr_assert(dst.what == NULL && dst.do_free == 0);
    copy((const void *)8, &dst); /* unreadable: nothing changes, nothing crashes */
    cr_assert(dst.what == NULL && dst.do_free == 0);
}

struct ti_data {
    char *name;
    char mangled[32];
};

Test(cxx_msvc, std_type_info_compare_hash_and_list)
{
    compare_fn cmp = (compare_fn)wv_vc_lookup("__std_type_info_compare");
    hash_fn hash = (hash_fn)wv_vc_lookup("__std_type_info_hash");
    list_fn destroy = (list_fn)wv_ucrt_lookup("__std_type_info_destroy_list");
    cr_assert(cmp && hash && destroy);
    struct ti_data a = {NULL, ".?AVa@@"}, b = {NULL, ".?AVb@@"}, a2 = a;
    cr_assert_eq(cmp(&a, &a), 0);
    cr_assert_eq(cmp(&a, &b), -1);
    cr_assert_eq(cmp(&b, &a), 1);
    cr_assert_eq(cmp(&a, &a2), 0);
    memset(a.mangled, 0, sizeof(a.mangled));
    cr_assert_eq(hash(&a), 0xcbf29ce44fd0bfc1ull);
    a.mangled[0] = 1; /* the first character is not hashed */
    cr_assert_eq(hash(&a), 0xcbf29ce44fd0bfc1ull);
    a.mangled[1] = 1;
    cr_assert_eq(hash(&a), 0xaf63bc4c29620a60ull);
    SLIST_HEADER h;
    InitializeSListHead(&h);
    destroy(&h);
    SLIST_ENTRY *e = aligned_alloc(16, 32);
    InterlockedPushEntrySList(&h, e);
    destroy(&h); /* freed (the CRT's free is free) */
    cr_assert_null(InterlockedPopEntrySList(&h));
}

/* The three frame handler names are one function in each DLL; FH4 is not served. */
Test(cxx_msvc, exports)
{
    void *h3 = wv_crt_lookup("__CxxFrameHandler3");
    cr_assert_not_null(h3);
    cr_assert_eq(wv_crt_lookup("__CxxFrameHandler"), h3);
    cr_assert_eq(wv_ucrt_lookup("__CxxFrameHandler3"), h3);
    cr_assert_eq(wv_vc_lookup("__CxxFrameHandler3"), h3);
    cr_assert_eq(wv_vc_lookup("_CxxThrowException"), wv_crt_lookup("_CxxThrowException"));
    cr_assert_null(wv_vc_lookup("__CxxFrameHandler4"));
    cr_assert_not_null(wv_crt_lookup("_purecall"));
    cr_assert_neq(wv_crt_lookup("_purecall"), wv_ucrt_lookup("_purecall"), "msvcrt's ends as R6025, UCRT's aborts");
}
