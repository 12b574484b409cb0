/* SPDX-License-Identifier: MIT */
/* hcount.c - hcount.exe: a handle table as large as Windows' and the counts that report it, from
 * PE code.  CRT-free (-nostdlib -e start; kernel32 and ntdll by name).  Prints "ok NAME" /
 * "FAIL NAME"; exits with the failures.  `hcount.exe hold N NAME` is its own child: it makes N
 * events, sets the named event NAME-ready and waits for NAME-go.
 *
 *   many            100,000 live events (Windows takes millions: winvm's table used to end at
 *                   4,096): every one made, values distinct multiples of 4, the last one works
 *   count           GetProcessHandleCount grows by exactly the handles made, and is back where
 *                   it was once they are closed
 *   lowest_free     a closed handle's value is the next one made
 *   query           NtQueryInformationProcess(ProcessHandleCount): the same count; lengths 2
 *                   and 8 STATUS_INFO_LENGTH_MISMATCH with 4 as the length; a NULL handle
 *                   STATUS_INVALID_HANDLE; a NULL buffer STATUS_ACCESS_VIOLATION
 *   bad_input       GetProcessHandleCount with a NULL count ERROR_NOACCESS, an event's handle
 *                   ERROR_INVALID_HANDLE
 *   child           another process's count through a handle with
 *                   PROCESS_QUERY_LIMITED_INFORMATION: at least the 3,000 it holds, at most 64
 *                   more; SYNCHRONIZE alone ERROR_ACCESS_DENIED
 */
#include "exe_util.h"

typedef LONG NTSTATUS;
static NTSTATUS(NTAPI *NtQueryInformationProcess)(HANDLE, ULONG, PVOID, ULONG, PULONG);

#define MANY 100000
#define CHILD_HOLDS 3000
#define ProcessHandleCount 20

static HANDLE made[MANY];

static DWORD count_now(void)
{
    DWORD n = 0;
    return GetProcessHandleCount(GetCurrentProcess(), &n) ? n : 0;
}

static void many(void)
{
    DWORD before = count_now();
    int n = 0, distinct = 1;
    while (n < MANY && (made[n] = CreateEventA(NULL, TRUE, FALSE, NULL)) != NULL)
        n++;
    for (int i = 1; i < n; i++)
        distinct &= (ULONG_PTR)made[i] % 4 == 0 && made[i] != made[i - 1] && made[i] != made[0];
    eu_check("many", n == MANY && distinct && SetEvent(made[n - 1]) &&
                         WaitForSingleObject(made[n - 1], 0) == WAIT_OBJECT_0);
    eu_check("count", before > 0 && count_now() == before + (DWORD)n);
    HANDLE mid = made[MANY / 2];
    CloseHandle(mid);
    made[MANY / 2] = CreateEventA(NULL, FALSE, FALSE, NULL);
    eu_check("lowest_free", made[MANY / 2] == mid);
    ULONG q = 0, len = 0;
    NTSTATUS st = NtQueryInformationProcess(GetCurrentProcess(), ProcessHandleCount, &q, sizeof(q), &len);
    eu_check("query", st == 0 && len == 4 && q == before + (DWORD)n);
    for (int i = 0; i < n; i++)
        CloseHandle(made[i]);
    eu_check("count_after_close", count_now() == before);
}

static void query_input(void)
{
    ULONG64 big = 0;
    ULONG len = 99;
    int ok = NtQueryInformationProcess(GetCurrentProcess(), ProcessHandleCount, &big, 2, &len) ==
                 (NTSTATUS)0xC0000004 && len == 4;
    len = 99;
    ok &= NtQueryInformationProcess(GetCurrentProcess(), ProcessHandleCount, &big, 8, &len) ==
              (NTSTATUS)0xC0000004 && len == 4;
    ok &= NtQueryInformationProcess(NULL, ProcessHandleCount, &big, 4, NULL) == (NTSTATUS)0xC0000008;
    ok &= NtQueryInformationProcess(GetCurrentProcess(), ProcessHandleCount, NULL, 4, NULL) == (NTSTATUS)0xC0000005;
    eu_check("query_input", ok);
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    DWORD n = 7;
    SetLastError(0);
    int bad = !GetProcessHandleCount(GetCurrentProcess(), NULL) && GetLastError() == ERROR_NOACCESS;
    SetLastError(0);
    bad &= !GetProcessHandleCount(ev, &n) && GetLastError() == ERROR_INVALID_HANDLE && n == 7;
    eu_check("bad_input", bad);
    CloseHandle(ev);
}

/* Appends s to d (no C library here). */
static char *put(char *d, const char *s)
{
    while (*s)
        *d++ = *s++;
    *d = 0;
    return d;
}

static void child(void)
{
    char name[64], ready[80], go[80], self[MAX_PATH], cmd[MAX_PATH + 128];
    char *e = put(name, "winvm-hcount-");
    e += eu_fmt_dec(e, (LONG64)GetCurrentProcessId());
    *e = 0;
    put(put(ready, name), "-ready");
    put(put(go, name), "-go");
    HANDLE r = CreateEventA(NULL, TRUE, FALSE, ready), g = CreateEventA(NULL, TRUE, FALSE, go);
    GetModuleFileNameA(NULL, self, sizeof(self));
    e = put(put(put(cmd, "\""), self), "\" hold ");
    e += eu_fmt_dec(e, CHILD_HOLDS);
    put(put(e, " "), name);
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    if (!eu_check("child_started", r && g && CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)))
        return;
    int up = WaitForSingleObject(r, 20000) == WAIT_OBJECT_0;
    HANDLE lim = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pi.dwProcessId);
    DWORD n = 0;
    eu_check("child", up && lim && GetProcessHandleCount(lim, &n) && n >= CHILD_HOLDS && n <= CHILD_HOLDS + 64);
    HANDLE sync = OpenProcess(SYNCHRONIZE, FALSE, pi.dwProcessId);
    SetLastError(0);
    eu_check("child_needs_query_right",
             sync && !GetProcessHandleCount(sync, &n) && GetLastError() == ERROR_ACCESS_DENIED);
    SetEvent(g);
    WaitForSingleObject(pi.hProcess, 20000);
    CloseHandle(lim), CloseHandle(sync), CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
}

/* The child's part: N events, then ready, then wait for go. */
static void hold(int n, const char *name)
{
    char ready[80], go[80];
    put(put(ready, name), "-ready");
    put(put(go, name), "-go");
    for (int i = 0; i < n; i++)
        CreateEventA(NULL, FALSE, FALSE, NULL);
    HANDLE g = OpenEventA(SYNCHRONIZE, FALSE, go), r = OpenEventA(EVENT_MODIFY_STATE, FALSE, ready);
    SetEvent(r);
    WaitForSingleObject(g, 20000);
    ExitProcess(0);
}

void start(void)
{
    static char buf[1024];
    char *argv[8];
    int argc = eu_parse_args(GetCommandLineA(), buf, sizeof(buf), argv, 8);
    if (argc == 4 && eu_streq(argv[1], "hold")) {
        int n = 0;
        for (const char *p = argv[2]; *p; p++)
            n = n * 10 + (*p - '0');
        hold(n, argv[3]);
    }
    NtQueryInformationProcess = (void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtQueryInformationProcess");
    if (!eu_check("ntdll_export", NtQueryInformationProcess != NULL))
        ExitProcess(1);
    many();
    query_input();
    child();
    ExitProcess((UINT)*eu_failures());
}
