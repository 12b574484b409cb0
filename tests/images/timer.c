/* SPDX-License-Identifier: MIT */
/* timer.c - waitable timers from PE code (tests/test_timer.c runs it under `winvm run`):
 * kernel32's and ntdll's calls, completion routines (ms_abi) in alertable waits only, waits
 * mixing timers and events, a named timer a child process opens and sets.  Prints "ok NAME"
 * or "FAIL NAME ..." per check, exits 0 when all passed.  "child NAME": the child. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nt_objattr.h"
typedef struct {
    LARGE_INTEGER RemainingTime;
    BOOLEAN TimerState;
} TIMER_BASIC;
typedef void(NTAPI *TIMER_APC)(PVOID, ULONG, LONG);
NTSTATUS NTAPI NtCreateTimer(PHANDLE, ACCESS_MASK, OBJATTR *, int);
NTSTATUS NTAPI NtOpenTimer(PHANDLE, ACCESS_MASK, OBJATTR *);
NTSTATUS NTAPI NtSetTimer(HANDLE, PLARGE_INTEGER, TIMER_APC, PVOID, BOOLEAN, LONG, PBOOLEAN);
NTSTATUS NTAPI NtCancelTimer(HANDLE, PBOOLEAN);
NTSTATUS NTAPI NtQueryTimer(HANDLE, int, PVOID, ULONG, PULONG);
NTSTATUS NTAPI NtWaitForMultipleObjects(ULONG, const HANDLE *, int, BOOLEAN, PLARGE_INTEGER);

static int failures;

static void check(int cond, const char *name, long long detail)
{
    if (cond)
        printf("ok %s\n", name);
    else
        printf("FAIL %s (%lld, error %lu)\n", name, detail, (unsigned long)GetLastError()), failures++;
    fflush(stdout);
}

static LARGE_INTEGER rel(LONGLONG ms)
{
    LARGE_INTEGER d;
    d.QuadPart = -ms * 10000;
    return d;
}

static int calls;
static void *seen_arg;
static DWORD seen_hi;

static void CALLBACK on_timer(LPVOID arg, DWORD lo, DWORD hi)
{
    (void)lo;
    calls++, seen_arg = arg, seen_hi = hi;
}

static void NTAPI on_nt_timer(PVOID arg, ULONG lo, LONG hi)
{
    (void)lo, (void)hi;
    calls++, seen_arg = arg;
}

static void basics(void)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER d = rel(50);
    SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE);
    DWORD w0 = WaitForSingleObject(t, 0), w1 = WaitForSingleObject(t, 5000), w2 = WaitForSingleObject(t, 0);
    check(w0 == WAIT_TIMEOUT && w1 == WAIT_OBJECT_0 && w2 == WAIT_OBJECT_0, "relative", w0 | w1 << 8 | w2 << 16);
    HANDLE a = CreateWaitableTimerExW(NULL, NULL, 0, TIMER_ALL_ACCESS);
    d = rel(10);
    SetWaitableTimer(a, &d, 0, NULL, NULL, FALSE);
    w1 = WaitForSingleObject(a, 5000), w2 = WaitForSingleObject(a, 100);
    check(w1 == WAIT_OBJECT_0 && w2 == WAIT_TIMEOUT, "auto_reset", w1 | w2 << 8);
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    d.LowPart = ft.dwLowDateTime, d.HighPart = (LONG)ft.dwHighDateTime;
    d.QuadPart -= 10000000;
    SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE);
    check(WaitForSingleObject(t, 0) == WAIT_OBJECT_0, "absolute_past", 0);
    d = rel(10);
    SetWaitableTimer(a, &d, 15, NULL, NULL, FALSE);
    int got = 0;
    for (int i = 0; i < 3; i++)
        got += WaitForSingleObject(a, 5000) == WAIT_OBJECT_0;
    check(got == 3, "period", got);
    CancelWaitableTimer(a);
    WaitForSingleObject(a, 0);
    w1 = WaitForSingleObject(a, 200);
    SetLastError(0);
    BOOL bad = SetWaitableTimer(a, &d, -1, NULL, NULL, FALSE);
    check(w1 == WAIT_TIMEOUT && !bad && GetLastError() == ERROR_INVALID_PARAMETER, "cancel", w1);
    CloseHandle(t), CloseHandle(a);
}

static void routines(void)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER d = rel(20);
    calls = 0;
    SetWaitableTimer(t, &d, 0, on_timer, (void *)0x4321, FALSE);
    Sleep(150);
    WaitForSingleObject(t, 100);
    check(calls == 0, "routine_not_outside_alertable", calls);
    DWORD r = SleepEx(5000, TRUE);
    check(r == WAIT_IO_COMPLETION && calls == 1, "routine_in_sleepex", r);
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    check(seen_arg == (void *)0x4321 && seen_hi == ft.dwHighDateTime, "routine_args", (long long)seen_hi);
    HANDLE n = NULL;
    NtCreateTimer(&n, TIMER_ALL_ACCESS, NULL, 1);
    d = rel(10);
    calls = 0;
    NTSTATUS st = NtSetTimer(n, &d, on_nt_timer, (PVOID)0x55, FALSE, 0, NULL);
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
    r = WaitForSingleObjectEx(e, 5000, TRUE);
    check(!st && r == WAIT_IO_COMPLETION && calls == 1 && seen_arg == (PVOID)0x55, "nt_apc", st ? st : r);
    CloseHandle(t), CloseHandle(n), CloseHandle(e);
}

static void nt_calls(void)
{
    HANDLE t = NULL;
    NTSTATUS st = NtCreateTimer(&t, TIMER_ALL_ACCESS, NULL, 0);
    LARGE_INTEGER d = rel(10000);
    BOOLEAN prev = 9;
    NtSetTimer(t, &d, NULL, NULL, FALSE, 0, &prev);
    TIMER_BASIC info;
    ULONG len = 0;
    NTSTATUS q = NtQueryTimer(t, 0, &info, sizeof(info), &len);
    check(!st && !q && prev == 0 && len == sizeof(info) && info.RemainingTime.QuadPart > 0 && !info.TimerState,
          "nt_query", q ? q : info.RemainingTime.QuadPart);
    NTSTATUS b1 = NtQueryTimer(t, 5, &info, sizeof(info), NULL);
    NTSTATUS b2 = NtQueryTimer(t, 0, &info, 4, NULL);
    NTSTATUS b3 = NtQueryTimer(t, 0, (void *)16, sizeof(info), NULL);
    NTSTATUS b4 = NtSetTimer(t, NULL, NULL, NULL, FALSE, 0, NULL);
    NTSTATUS b5 = NtCancelTimer((HANDLE)0x7770, NULL);
    check(b1 == (NTSTATUS)0xC0000003 && b2 == (NTSTATUS)0xC0000004 && b3 == (NTSTATUS)0xC0000005 &&
              b4 == (NTSTATUS)0xC0000005 && b5 == (NTSTATUS)0xC0000008,
          "nt_bad", b1);
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE both[2] = {e, t};
    d = rel(20);
    NtSetTimer(t, &d, NULL, NULL, FALSE, 0, NULL);
    LARGE_INTEGER wait = rel(5000);
    NTSTATUS any = NtWaitForMultipleObjects(2, both, 1, FALSE, &wait);
    wait = rel(100);
    NTSTATUS all = NtWaitForMultipleObjects(2, both, 0, FALSE, &wait);
    SetEvent(e);
    NTSTATUS all2 = NtWaitForMultipleObjects(2, both, 0, FALSE, &wait);
    check(any == 1 && all == 0x102 && all2 == 0, "nt_wait_multiple", any | all << 8);
    CloseHandle(t), CloseHandle(e);
}

static int child(const char *name)
{
    HANDLE t = OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, name);
    if (!t)
        return 10;
    TIMER_BASIC info;
    if (NtQueryTimer(t, 0, &info, sizeof(info), NULL) || info.RemainingTime.QuadPart <= 0 || info.TimerState)
        return 11; /* the parent's setting */
    LARGE_INTEGER d = rel(20);
    return SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE) ? 0 : 12;
}

/* The child of inherit(): sets the unnamed timer it inherited (its handle value in hex). */
static int inherited_child(const char *value)
{
    HANDLE t = (HANDLE)(ULONG_PTR)strtoull(value, NULL, 16);
    LARGE_INTEGER d = rel(20);
    return SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE) ? 0 : 20;
}

/* An unnamed timer inherited by a child: one timer in both processes. */
static void inherit(void)
{
    char self[MAX_PATH], cmd[512];
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    HANDLE t = CreateWaitableTimerA(&sa, TRUE, NULL);
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" inherited %llx", self, (unsigned long long)(ULONG_PTR)t);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    if (!t || !CreateProcessA(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        check(0, "inherited_timer_set_by_child", GetLastError());
        return;
    }
    DWORD w = WaitForSingleObject(t, 20000), code = 99;
    WaitForSingleObject(pi.hProcess, 20000);
    GetExitCodeProcess(pi.hProcess, &code);
    check(w == WAIT_OBJECT_0 && code == 0, "inherited_timer_set_by_child", w | code << 8);
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread), CloseHandle(t);
}

static void names(void)
{
    char name[64], self[MAX_PATH], cmd[512];
    snprintf(name, sizeof(name), "wvtimer-pe-%lu", (unsigned long)GetCurrentProcessId());
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, name);
    DWORD e1 = GetLastError();
    HANDLE again = CreateWaitableTimerA(NULL, TRUE, name);
    DWORD e2 = GetLastError();
    HANDLE absent = OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, "wvtimer-pe-absent");
    DWORD e3 = GetLastError();
    HANDLE ev = OpenEventA(EVENT_ALL_ACCESS, FALSE, name);
    DWORD e4 = GetLastError();
    check(t && e1 == 0 && again && e2 == ERROR_ALREADY_EXISTS && !absent && e3 == ERROR_FILE_NOT_FOUND && !ev &&
              e4 == ERROR_INVALID_HANDLE,
          "names", e1 | e2 << 8 | e3 << 16);
    LARGE_INTEGER d = rel(60000);
    SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE);
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" child %s", self, name);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        check(0, "child_opened_and_set", GetLastError());
        return;
    }
    DWORD w = WaitForSingleObject(t, 20000), code = 99;
    WaitForSingleObject(pi.hProcess, 20000);
    GetExitCodeProcess(pi.hProcess, &code);
    check(w == WAIT_OBJECT_0 && code == 0, "child_opened_and_set", w | code << 8);
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread), CloseHandle(t), CloseHandle(again);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "child"))
        return child(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "inherited"))
        return inherited_child(argv[2]);
    basics();
    routines();
    nt_calls();
    names();
    inherit();
    check(failures == 0, "done", failures);
    return failures ? 1 : 0;
}
