/* SPDX-License-Identifier: MIT */
/* test_thread_kill.c - TerminateThread of other threads (thrkill.exe: threads in memory calls,
 * waits, sleeps, critical sections, the C heap, suspended ones; the process allocating after)
 * the context of a thread created suspended before it runs (thrstart.exe), and the process's
 * image names and execute flags (procimg.exe), a CREATE_SUSPENDED child's image, mapped before
 * it runs, and ProcessImageInformation (suspimg.exe), a debuggee's threads frozen while an event
 * waits (dbg_freeze.exe), DebugActiveProcess on a running process (dbg_attach.exe), all under
 * `winvm run`; each program lists its checks. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
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

static void setup(void)
{
    tu_need_pe(EXE("thrkill.exe"), NULL);
}

TestSuite(thread_kill, .init = setup, .timeout = 120);

/* Runs the program; every check printed "ok", as many as expected, exit status 0. */
static void expect_all_ok(const char *exe, int checks)
{
    static char out[16384];
    cr_assert_eq(tu_run_checks(exe, out, sizeof(out)), checks, "%s", out);
}

Test(thread_kill, other_threads_end_at_safe_points_and_the_process_goes_on)
{
#ifdef __SANITIZE_ADDRESS__
    /* A thread ended at a kill point leaves frames on a stack winvm made, which ASan does not
     * know: its no-return handling then reads stale shadow there and reports an overflow
     * (seen in CI, in Sleep's kill point).  The normal build runs this test. */
    cr_skip_test("AddressSanitizer cannot follow a thread ended on a winvm-made stack");
#endif
    expect_all_ok(EXE("thrkill.exe"), 12);
}

Test(thread_kill, created_suspended_thread_has_windows_first_context)
{
    expect_all_ok(EXE("thrstart.exe"), 6);
}

Test(thread_kill, process_image_names_and_execute_flags)
{
    expect_all_ok(EXE("procimg.exe"), 7);
}

Test(thread_kill, suspended_child_has_its_image_mapped_and_described)
{
#ifdef __SANITIZE_ADDRESS__
    /* suspimg.exe looks for the child's image at its preferred base, 0x140000000, which lies in
     * AddressSanitizer's shadow gap: there the image is mapped elsewhere. */
    cr_skip_test("the EXE's preferred base is inside AddressSanitizer's shadow gap");
#endif
    expect_all_ok(EXE("suspimg.exe"), 4);
}

Test(thread_kill, debuggee_threads_stand_still_while_an_event_waits)
{
    expect_all_ok(EXE("dbg_freeze.exe"), 2);
}

Test(thread_kill, debugger_attaches_to_a_running_process)
{
    expect_all_ok(EXE("dbg_attach.exe"), 4);
}
