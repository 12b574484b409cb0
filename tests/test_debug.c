/* SPDX-License-Identifier: MIT */
/* test_debug.c - the Win32 debug API (docs/debugging.md): dbg_debugger.exe, a debugger written
 * against it, debugging dbg_child.exe under `winvm run`, and a Linux program debugging the same
 * child through libwinvm. */
#define _GNU_SOURCE
#include "winvm.h"

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
    tu_need_pe(EXE("dbg_debugger.exe"), NULL);
    setenv("WINVM_CLI", WINVM_CLI, 1);
}

TestSuite(debug, .init = setup, .timeout = 120);

/* Runs a command; its stdout (and stderr) in buf, its exit status returned. */
static int run(const char *cmd, char *buf, size_t cap)
{
    FILE *f = popen(cmd, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = 0;
    int st = f ? pclose(f) : -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Each of the lines, in this order, in text (other lines may come between). */
static void in_order(const char *text, const char *const *lines, size_t n)
{
    const char *at = text;
    for (size_t i = 0; i < n; i++) {
        const char *p = strstr(at, lines[i]);
        cr_assert(p, "missing \"%s\" (in order) in:\n%s", lines[i], text);
        at = p + strlen(lines[i]);
    }
}

/* A test program under `winvm run` with args: its exit status, its output in out. */
static int run_exe(const char *exe, const char *args, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s run %s %s 2>&1", WINVM_CLI, exe, args);
    return run(cmd, out, cap);
}

static int debugger(const char *mode, char *out, size_t cap) { return run_exe(EXE("dbg_debugger.exe"), mode, out, cap); }

/* The access violation: first chance, then second chance, then the end with its code. */
Test(debug, pe_debugger_sees_events_in_order)
{
    static char out[16384];
    int rc = debugger("av", out, sizeof(out));
    const char *order[] = {"ok wait_without_debuggee", "create_process", "ok wait_times_out",
                           "ok continue_bad_status", "ok continue_other_pid", "ok create_process_info",
                           "ok remote_debugger_present", "ok self_not_debugged",
                           "exception 80000003 first=1", "output hello debugger", "present 1 1 1",
                           "output present 1 1 1", "load_dll", "unload_dll", "create_thread\n",
                           "exit_thread 3", "exception c0000005 first=1",
                           "exception c0000005 first=0", "exit_process c0000005", "ok no_more_events"};
    in_order(out, order, sizeof(order) / sizeof(order[0]));
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    cr_assert_null(strstr(out, "NULL"), "%s", out);
    cr_assert_null(strstr(out, "BAD"), "%s", out);
    cr_assert_eq(rc, 0, "%s", out);
}

/* DebugBreak: EXCEPTION_BREAKPOINT to the debugger, answered (mode "bp": DBG_CONTINUE,
 * "bphandled": DBG_EXCEPTION_HANDLED, which Windows takes as the same): the breakpoints go on
 * past the call, no second chance. */
static void break_continued(const char *mode)
{
    static char out[16384];
    int rc = debugger(mode, out, sizeof(out));
    const char *order[] = {"create_process", "exception 80000003 first=1", "output hello debugger",
                           "unload_dll", "exception 80000003 first=1", "after break", "output after break",
                           "exit_process 7"};
    in_order(out, order, sizeof(order) / sizeof(order[0]));
    cr_assert_null(strstr(out, "first=0"), "%s", out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    cr_assert_eq(rc, 0, "%s", out);
}

Test(debug, debug_break_continued) { break_continued("bp"); }

Test(debug, debug_break_handled) { break_continued("bphandled"); }

/* Exceptions through a debugger's answers (tests/images/dbg_exc.c lists them): the initial
 * breakpoint inside ntdll, a not-handled first chance's register changes dropped, a raised
 * breakpoint backed up for the handlers, RIP_EVENT, CloseHandle/NtClose of a bad handle,
 * int3 in written code, OutputDebugStringA/W continued and not handled (the ANSI exception twice
 * then, as Windows), the start filter before the second chance, __fastfail. */
Test(debug, exceptions_through_the_debugger)
{
    static char out[16384];
    int rc = run_exe(EXE("dbg_exc.exe"), "", out, sizeof(out));
    const char *order[] = {"exception 80000003 first=1 params=0", "initial_bp_in_ntdll 1",
                           "exception 12345 first=1", "handler_rax_kept 1",
                           "exception 80000003 first=1 params=0", "bp_backed_up 1",
                           "rip 11223344 55667788", "rip_handlers 0",
                           "exception c0000008 first=1 params=0", "close 0 6",
                           "exception c0000008 first=1 params=0", "ntclose c0000008 1", "quiet 0 1 0",
                           "exception 80000003 first=1 params=1", "written_handlers 0",
                           "output ods continue unicode=0", "ods A 0 0", "output ods continue unicode=0", "ods W 0 0",
                           "output ods pass unicode=0", "ods A 2 0", "output ods pass unicode=0", "ods W 2 1",
                           "exception 777 first=1", "filter", "exception 777 first=0", "after_second_chance",
                           "exit_process 0",
                           "initial_bp_in_ntdll 1", "exception c0000409 first=0 params=1 p0=7",
                           "exit_process c0000409"};
    in_order(out, order, sizeof(order) / sizeof(order[0]));
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    cr_assert_null(strstr(out, "c0000409 first=1"), "%s", out);
    cr_assert_eq(rc, 0, "%s", out);
}

/* __fastfail without a debugger: the process ends at once with STATUS_STACK_BUFFER_OVERRUN
 * (Linux keeps its low byte), no handler or report. */
Test(debug, fastfail_ends_the_process)
{
    static char out[4096];
    int rc = run_exe(EXE("dbg_exc.exe"), "fastfail", out, sizeof(out));
    cr_assert_eq(rc, 0x09, "%d: %s", rc, out);
    cr_assert_null(strstr(out, "unhandled"), "%s", out);
}

/* DBG_CONTINUE on a first chance resumes at the faulting instruction, in the state the
 * debugger left (here: the page made writable through VirtualProtectEx). */
Test(debug, first_chance_continued_retries)
{
    static char out[16384];
    int rc = debugger("fix", out, sizeof(out));
    const char *order[] = {"create_process", "exception c0000005 first=1", "ok fix_page", "fixed 9",
                           "exit_process 9"};
    in_order(out, order, sizeof(order) / sizeof(order[0]));
    cr_assert_null(strstr(out, "first=0"), "%s", out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    cr_assert_eq(rc, 0, "%s", out);
}

/* DebugActiveProcessStop: the child goes on undebugged to its own end. */
Test(debug, detach_lets_child_finish)
{
    static char out[16384];
    int rc = debugger("detach", out, sizeof(out));
    const char *order[] = {"create_process", "output hello debugger", "present 0 0 0", "ok detach",
                           "detached child exit 5"};
    in_order(out, order, sizeof(order) / sizeof(order[0]));
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    cr_assert_eq(rc, 0, "%s", out);
}

/* The debugger exits without answering: with kill-on-exit off the child goes on undebugged;
 * with it on (the default) the child ends there. */
Test(debug, debugger_exit_kill_on_exit)
{
    static char out[16384];
    cr_assert_eq(debugger("leave", out, sizeof(out)), 0, "%s", out);
    const char *order[] = {"output hello debugger", "ok kill_on_exit_off", "present 0 0 0"};
    in_order(out, order, sizeof(order) / sizeof(order[0]));
    cr_assert_eq(debugger("leavekill", out, sizeof(out)), 0, "%s", out);
    const char *order2[] = {"output hello debugger"};
    in_order(out, order2, 1);
    cr_assert_null(strstr(out, "present 0 0 0"), "%s", out);
}

/* No debugger: OutputDebugString goes nowhere, nothing reports being debugged, and an
 * unhandled breakpoint ends the process. */
Test(debug, undebugged_child)
{
    char out[4096], cmd[512];
    snprintf(cmd, sizeof(cmd), "%s run %s 2>/dev/null", WINVM_CLI, EXE("dbg_child.exe"));
    cr_assert_eq(run(cmd, out, sizeof(out)), 42);
    cr_assert_str_eq(out, "present 0 0 0\n");
    snprintf(cmd, sizeof(cmd), "%s run %s bp 2>/dev/null", WINVM_CLI, EXE("dbg_child.exe"));
    int rc = run(cmd, out, sizeof(out));
    cr_assert_str_eq(out, "present 0 0 0\n");
    cr_assert_neq(rc, 0);
    cr_assert_neq(rc, 7);
}

/* A Linux program as the debugger, through libwinvm's declarations (winvm/debug.h). */
Test(debug, linux_debugger)
{
    cr_assert_eq(sizeof(DEBUG_EVENT), 176);
    cr_assert_eq(offsetof(DEBUG_EVENT, u), 16);
    char cmd[] = "dbg_child";
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    DEBUG_EVENT ev;
    SetLastError(0);
    cr_assert_not(WaitForDebugEvent(&ev, 0));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert(CreateProcessA(EXE("dbg_child.exe"), cmd, NULL, NULL, FALSE, DEBUG_PROCESS, NULL, NULL, &si, &pi),
              "error %u", GetLastError());
    DWORD codes[64];
    size_t n = 0;
    char text[64] = "";
    for (;;) {
        cr_assert(WaitForDebugEvent(&ev, 20000), "error %u", GetLastError());
        cr_assert_eq(ev.dwProcessId, pi.dwProcessId);
        if (n < 64)
            codes[n++] = ev.dwDebugEventCode;
        if (ev.dwDebugEventCode == OUTPUT_DEBUG_STRING_EVENT && !text[0]) {
            SIZE_T got;
            cr_assert(ReadProcessMemory(pi.hProcess, ev.u.DebugString.lpDebugStringData, text,
                                        ev.u.DebugString.nDebugStringLength, &got));
        }
        cr_assert(ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, DBG_CONTINUE));
        if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT)
            break;
    }
    cr_assert_eq(ev.u.ExitProcess.dwExitCode, 42);
    cr_assert_str_eq(text, "hello debugger");
    cr_assert_eq(codes[0], CREATE_PROCESS_DEBUG_EVENT);
    cr_assert_eq(codes[n - 1], EXIT_PROCESS_DEBUG_EVENT);
    SetLastError(0);
    cr_assert_not(WaitForDebugEvent(&ev, 50));
    cr_assert_eq(GetLastError(), ERROR_SEM_TIMEOUT);
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
}
