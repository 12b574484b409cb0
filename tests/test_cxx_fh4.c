/* SPDX-License-Identifier: MIT */
/* test_cxx_fh4.c - __CxxFrameHandler4 (runtime/cxx_fh4*.c, vcruntime140_1.dll): cxxfh4.exe's
 * assembly functions carry hand-encoded FuncInfo4 tables (unwind map with all four entry
 * kinds, nested try blocks, a try inside a catch, catch(int), catch(double), catch(Thing&),
 * catch(...), rethrows, continuation addresses returned, function-relative, two RVAs, a
 * separated IP map), called from C++ whose own frames use __CxxFrameHandler3.  Each mode's
 * log of constructions, destructions and catches is compared with C++'s order; corrupt tables
 * end the process as std::terminate does (status 3), they do not loop or crash. */
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

TestSuite(cxx_fh4, .timeout = 120);

static char out[16384];

/* Runs cxxfh4.exe with args under `winvm run` (stderr with stdout): its exit status. */
static int run_fh4(const char *args)
{
    const char *exe = WINVM_PE_IMAGES "/cxxfh4.exe";
    tu_need_pe(exe, "clang, lld-link or llvm-dlltool missing");
    return tu_run_pe(WINVM_PE_IMAGES, NULL, exe, args, out, sizeof(out));
}

static void expect_line(const char *line)
{
    char l[200];
    snprintf(l, sizeof(l), "%s\n", line);
    cr_assert_not_null(strstr(out, l), "\"%s\" missing:\n%s", line, out);
}

Test(cxx_fh4, catches_destructors_rethrows_and_continuations_in_cpp_order)
{
    int st = run_fh4("normal");
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    static const char *const logs[] = {
        "A+ P+ B+ int1 B- P- A- ret",
        "A+ P+ B+ int2 B- P- A- outer:int2",
        "A+ P+ B+ int3 T3+ B- thing3 T3- P- A- ret",
        "A+ P+ B+ T4+ B- thing4 all back T4- P- A- ret",
        "A+ P+ B+ B- dbl5 P- A- ret",
        "A+ P+ B+ B- P- A- outer:long6",
        "A+ P+ B+ T7+ B- thing7 P- A- outer:thing7 T7- ",
    };
    for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++)
        expect_line(logs[i]);
    expect_line("all passed");
}

/* An unwind entry that leads to itself: std::terminate, not an endless unwind. */
Test(cxx_fh4, unwind_entry_looping_to_itself_terminates)
{
    int st = run_fh4("bad1");
    cr_assert_eq(st, 3, "status %d:\n%s", st, out);
    expect_line("bad1:");
    cr_assert_null(strstr(out, "X-"), "%s", out);
    cr_assert_null(strstr(out, "all passed"), "%s", out);
}

/* An IP map naming a state the unwind map lacks: std::terminate (Wine's runtime too). */
Test(cxx_fh4, state_beyond_the_unwind_map_terminates)
{
    int st = run_fh4("bad2");
    cr_assert_eq(st, 3, "status %d:\n%s", st, out);
    expect_line("bad2:");
    cr_assert_null(strstr(out, "all passed"), "%s", out);
}

/* Handler data naming a FuncInfo4 outside the image: the frame has no handler, the
 * exception reaches the caller's catch (its object X is not destroyed: no table says so). */
Test(cxx_fh4, unreadable_func_info_is_no_handler)
{
    int st = run_fh4("bad3");
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    expect_line("X+ outer:int1");
}
