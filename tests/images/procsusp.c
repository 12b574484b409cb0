/* SPDX-License-Identifier: MIT */
/* procsusp.c - NtSuspendProcess and NtResumeProcess from PE code, on a real child (tests/
 * test_proc_thread.c runs it under `winvm run`).  The parent starts itself as "child", whose
 * main thread signals the auto-reset event "procsusp_tick" in a loop until "procsusp_stop" is
 * set; the parent then checks, printing "ok NAME" / "FAIL NAME ...":
 *
 *   bad_handles      NULL: STATUS_INVALID_HANDLE; an event: STATUS_OBJECT_TYPE_MISMATCH; a
 *                    process handle without PROCESS_SUSPEND_RESUME: STATUS_ACCESS_DENIED
 *   suspend_count    after NtSuspendProcess the child's main thread (PROCESS_INFORMATION's
 *                    hThread) has count 1: NtSuspendThread gives 1, NtResumeThread 2
 *   twice            two NtSuspendProcess: count 2; two NtResumeProcess: 0
 *   extra_resume     NtResumeProcess of a running process: success, the count stays 0
 *   runs_again       the child ticks again once resumed
 *
 * Exits with the failures (the child's exit code counted). */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef LONG NTSTATUS;
static NTSTATUS(NTAPI *NtSuspendProcess_)(HANDLE);
static NTSTATUS(NTAPI *NtResumeProcess_)(HANDLE);
static NTSTATUS(NTAPI *NtSuspendThread_)(HANDLE, ULONG *);
static NTSTATUS(NTAPI *NtResumeThread_)(HANDLE, ULONG *);

static int failures;

static void check(int cond, const char *name, unsigned long detail)
{
    if (cond)
        printf("ok %s\n", name);
    else
        printf("FAIL %s (%lx)\n", name, detail), failures++;
    fflush(stdout);
}

static int child(void)
{
    HANDLE tick = OpenEventA(EVENT_MODIFY_STATE, FALSE, "procsusp_tick");
    HANDLE stop = OpenEventA(SYNCHRONIZE, FALSE, "procsusp_stop");
    if (!tick || !stop)
        return 1;
    while (WaitForSingleObject(stop, 5) == WAIT_TIMEOUT)
        SetEvent(tick);
    return 0;
}

/* The main thread's count as NtSuspendThread reports it (and undone). */
static ULONG main_count(HANDLE thread)
{
    ULONG was = 99, back = 0;
    if (NtSuspendThread_(thread, &was) || NtResumeThread_(thread, &back) || back != was + 1)
        return 99;
    return was;
}

int main(int argc, char **argv)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    NtSuspendProcess_ = (void *)GetProcAddress(nt, "NtSuspendProcess");
    NtResumeProcess_ = (void *)GetProcAddress(nt, "NtResumeProcess");
    NtSuspendThread_ = (void *)GetProcAddress(nt, "NtSuspendThread");
    NtResumeThread_ = (void *)GetProcAddress(nt, "NtResumeThread");
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child();
    if (!NtSuspendProcess_ || !NtResumeProcess_) {
        check(0, "exports", 0);
        return 1;
    }
    HANDLE tick = CreateEventA(NULL, FALSE, FALSE, "procsusp_tick");
    HANDLE stop = CreateEventA(NULL, TRUE, FALSE, "procsusp_stop");
    char self[MAX_PATH], cmd[MAX_PATH + 16];
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" child", self);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        check(0, "create", GetLastError());
        return 1;
    }
    check(WaitForSingleObject(tick, 10000) == WAIT_OBJECT_0, "child_runs", 0);
    HANDLE weak = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pi.dwProcessId);
    NTSTATUS a = NtSuspendProcess_(NULL), b = NtSuspendProcess_(tick), c = NtSuspendProcess_(weak),
             d = NtResumeProcess_(weak);
    check(a == (NTSTATUS)0xC0000008 && b == (NTSTATUS)0xC0000024 && c == (NTSTATUS)0xC0000022 &&
              d == (NTSTATUS)0xC0000022,
          "bad_handles", (unsigned long)c);
    NTSTATUS s = NtSuspendProcess_(pi.hProcess);
    ULONG n1 = main_count(pi.hThread);
    check(s == 0 && n1 == 1, "suspend_count", n1);
    NTSTATUS s2 = NtSuspendProcess_(pi.hProcess);
    ULONG n2 = main_count(pi.hThread);
    NTSTATUS r1 = NtResumeProcess_(pi.hProcess), r2 = NtResumeProcess_(pi.hProcess);
    ULONG n0 = main_count(pi.hThread);
    check(s2 == 0 && n2 == 2 && r1 == 0 && r2 == 0 && n0 == 0, "twice", n2);
    NTSTATUS r3 = NtResumeProcess_(pi.hProcess);
    ULONG still = main_count(pi.hThread);
    check(r3 == 0 && still == 0, "extra_resume", still);
    ResetEvent(tick);
    check(WaitForSingleObject(tick, 10000) == WAIT_OBJECT_0, "runs_again", 0);
    SetEvent(stop);
    DWORD code = 1;
    WaitForSingleObject(pi.hProcess, 10000);
    GetExitCodeProcess(pi.hProcess, &code);
    return failures + (int)code;
}
