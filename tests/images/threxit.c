/* SPDX-License-Identifier: MIT */
/* threxit.c - threxit.exe: threads that end at their first instruction, the calling thread's
 * pseudo handle duplicated, the PEB's processor count; from PE code (mingw-w64, default CRT,
 * -lntdll).  Output, one line each ("ok NAME" or "FAIL NAME"); exit code = number of failures.
 * Expected values are Windows':
 *   exit_at_start  200 threads whose start routine is ExitThread itself (arg: its code): each
 *                  wait completes and GetExitCodeThread gives its code; the process goes on
 *   rip_at_once    50 times: a thread created running, at once suspended, its Rip set to a
 *                  function calling ExitThread(7) and resumed: it ends with 7, the process
 *                  goes on (it may not have reached its own code when suspended)
 *   rip_in_alloc   20 times: a thread looping in VirtualAlloc/VirtualFree (inside winvm, often
 *                  under its space lock) suspended, its Rip set to ExitThread(7)'s caller and
 *                  resumed: it ends with 7 and this thread's VirtualAlloc still works (no lock
 *                  of winvm left held by the redirected thread)
 *   rip_suspended  created suspended, Rip set to ExitThread and Rcx to 9: it ends with 9
 *   dup_self       DuplicateHandle of GetCurrentThread(): a real handle (not the pseudo one)
 *                  naming this thread (GetThreadId), unsignalled; a duplicate asking only
 *                  THREAD_QUERY_INFORMATION cannot SuspendThread (ERROR_ACCESS_DENIED)
 *   processors     the PEB's NumberOfProcessors = GetSystemInfo's = SystemBasicInformation's
 */
#include <windows.h>
#include <stdio.h>

typedef LONG NTSTATUS;
NTSTATUS NTAPI NtQuerySystemInformation(ULONG cls, PVOID out, ULONG len, PULONG ret);

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    if (!ok)
        failures++;
}

static DWORD ends_with(HANDLE h)
{
    DWORD code = 0xdead;
    if (WaitForSingleObject(h, 20000) != WAIT_OBJECT_0 || !GetExitCodeThread(h, &code))
        code = 0xbad;
    CloseHandle(h);
    return code;
}

static void exit_at_start(void)
{
    int ok = 1;
    for (DWORD i = 0; i < 200 && ok; i++) {
        HANDLE h = CreateThread(NULL, 0, (LPTHREAD_START_ROUTINE)(void (*)(void))ExitThread,
                                (void *)(ULONG_PTR)(100 + i), 0, NULL);
        ok = h && ends_with(h) == 100 + i;
    }
    check("exit_at_start", ok);
}

static volatile LONG stop;

static DWORD WINAPI spin(void *arg)
{
    (void)arg;
    while (!stop)
        SwitchToThread();
    return 0;
}

static void WINAPI landing(void) { ExitThread(7); }

static void rip_at_once(void)
{
    static CONTEXT c __attribute__((aligned(16)));
    int ok = 1;
    for (int i = 0; i < 50 && ok; i++) {
        HANDLE h = CreateThread(NULL, 0, spin, NULL, 0, NULL);
        ok = h && SuspendThread(h) == 0;
        c.ContextFlags = CONTEXT_FULL;
        ok = ok && GetThreadContext(h, &c);
        c.Rip = (ULONG_PTR)landing;
        c.Rsp = (c.Rsp & ~(ULONG_PTR)15) - 8 - 64; /* as at a function's entry */
        ok = ok && SetThreadContext(h, &c) && ResumeThread(h) == 1;
        ok = ok && ends_with(h) == 7;
    }
    check("rip_at_once", ok);
}

static DWORD WINAPI allocs(void *arg)
{
    (void)arg;
    for (;;) {
        void *p = VirtualAlloc(NULL, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (p)
            VirtualFree(p, 0, MEM_RELEASE);
    }
    return 0;
}

static void rip_in_alloc(void)
{
    static CONTEXT c __attribute__((aligned(16)));
    int ok = 1;
    for (int i = 0; i < 20 && ok; i++) {
        HANDLE h = CreateThread(NULL, 0, allocs, NULL, 0, NULL);
        Sleep(1); /* into its loop */
        ok = h && SuspendThread(h) == 0;
        c.ContextFlags = CONTEXT_FULL;
        ok = ok && GetThreadContext(h, &c);
        c.Rip = (ULONG_PTR)landing;
        c.Rsp = (c.Rsp & ~(ULONG_PTR)15) - 8 - 64;
        ok = ok && SetThreadContext(h, &c) && ResumeThread(h) == 1;
        ok = ok && ends_with(h) == 7;
        void *p = VirtualAlloc(NULL, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        ok = ok && p && VirtualFree(p, 0, MEM_RELEASE);
    }
    check("rip_in_alloc", ok);
}

static void rip_suspended(void)
{
    static CONTEXT c __attribute__((aligned(16)));
    HANDLE h = CreateThread(NULL, 0, spin, NULL, CREATE_SUSPENDED, NULL);
    c.ContextFlags = CONTEXT_FULL;
    int ok = h && GetThreadContext(h, &c);
    c.Rip = (ULONG_PTR)(void (*)(void))ExitThread;
    c.Rcx = 9;
    ok = ok && SetThreadContext(h, &c) && ResumeThread(h) == 1;
    check("rip_suspended", ok && ends_with(h) == 9);
}

static void dup_self(void)
{
    HANDLE h = NULL, q = NULL, me = GetCurrentProcess();
    BOOL a = DuplicateHandle(me, GetCurrentThread(), me, &h, 0, FALSE, DUPLICATE_SAME_ACCESS);
    BOOL b = DuplicateHandle(me, GetCurrentThread(), me, &q, THREAD_QUERY_INFORMATION, FALSE, 0);
    int ok = a && b && h != GetCurrentThread() && GetThreadId(h) == GetCurrentThreadId() &&
             GetThreadId(q) == GetCurrentThreadId() && WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    SetLastError(0);
    ok = ok && SuspendThread(q) == (DWORD)-1 && GetLastError() == ERROR_ACCESS_DENIED;
    CloseHandle(h);
    CloseHandle(q);
    check("dup_self", ok);
}

struct basic { /* SYSTEM_BASIC_INFORMATION, x64 */
    ULONG reserved, timer, page, pages, lowest, highest, granularity;
    ULONG_PTR min, max, mask;
    CHAR processors;
};

static void processors(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    struct basic b = {0};
    NTSTATUS st = NtQuerySystemInformation(0 /* SystemBasicInformation */, &b, sizeof(b), NULL);
    BYTE *peb;
    __asm__("mov %%gs:0x60, %0" : "=r"(peb)); /* TEB->ProcessEnvironmentBlock (mingw's
                                                 * __readgsqword draws -Warray-bounds) */
    DWORD in_peb = *(DWORD *)(peb + 0xb8); /* NumberOfProcessors */
    printf("processors peb %lu system_info %lu basic %d\n", in_peb, si.dwNumberOfProcessors, b.processors);
    check("processors", st == 0 && in_peb == si.dwNumberOfProcessors && in_peb == (DWORD)b.processors &&
                            in_peb >= 1 && in_peb <= 64);
}

int main(void)
{
    exit_at_start();
    rip_at_once();
    rip_in_alloc();
    rip_suspended();
    stop = 1;
    dup_self();
    processors();
    return failures;
}
