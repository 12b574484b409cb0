/* SPDX-License-Identifier: MIT */
/* thrkill.c - thrkill.exe: TerminateThread of another thread of the process, from PE code
 * (tests/test_thread_kill.c).  Prints "ok NAME" / "FAIL NAME"; exits with the failures.
 *
 *   alloc       a thread looping in VirtualAlloc/VirtualFree (winvm's memory-manager lock taken
 *               and released all the time) terminated, 20 times: TerminateThread succeeds, the
 *               handle is signalled, GetExitCodeThread gives the code; the process then still
 *               allocates and frees (no lock was left held)
 *   spin        a thread in a loop of PE code only
 *   wait        a thread in WaitForSingleObject(INFINITE) on an event nobody sets
 *   sleep       a thread in Sleep(100000)
 *   critsec     a thread waiting in EnterCriticalSection for a section main holds
 *   suspended   a thread created suspended, never resumed: it ends without running its start
 *   suspended_running  a running thread SuspendThread stopped: terminated all the same
 *   heap        a thread looping in malloc/free (the C runtime's heap) terminated; main mallocs
 *   first_code  a second TerminateThread does not change the exit code
 *   rights      a handle without THREAD_TERMINATE: ERROR_ACCESS_DENIED; a bad handle:
 *               ERROR_INVALID_HANDLE; the thread runs on
 *   self        TerminateThread(GetCurrentThread()) in a thread ends it there with the code
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

static volatile LONG spins;

static DWORD WINAPI alloc_loop(LPVOID arg)
{
    (void)arg;
    for (;;) {
        char *p = VirtualAlloc(NULL, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (p) {
            p[0] = 1, p[4096] = 2;
            VirtualFree(p, 0, MEM_RELEASE);
        }
        InterlockedIncrement(&spins);
    }
    return 0;
}

static DWORD WINAPI spin_loop(LPVOID arg)
{
    (void)arg;
    for (;;)
        InterlockedIncrement(&spins);
    return 0;
}

static DWORD WINAPI wait_forever(LPVOID ev)
{
    InterlockedIncrement(&spins);
    WaitForSingleObject(ev, INFINITE);
    return 1;
}

static DWORD WINAPI sleep_long(LPVOID arg)
{
    (void)arg;
    InterlockedIncrement(&spins);
    Sleep(100000);
    return 1;
}

static CRITICAL_SECTION cs;

static DWORD WINAPI enter_cs(LPVOID arg)
{
    (void)arg;
    InterlockedIncrement(&spins);
    EnterCriticalSection(&cs);
    LeaveCriticalSection(&cs);
    return 1;
}

static volatile LONG ran;

static DWORD WINAPI mark_ran(LPVOID arg)
{
    (void)arg;
    ran = 1;
    return 1;
}

static DWORD WINAPI heap_loop(LPVOID arg)
{
    (void)arg;
    for (;;) {
        void *p = malloc(100 + (spins & 255));
        InterlockedIncrement(&spins);
        free(p);
    }
    return 0;
}

/* Starts fn, lets it get going, terminates it with code: whether all went as Windows does. */
static int kill_one(LPTHREAD_START_ROUTINE fn, void *arg, DWORD code, DWORD delay)
{
    spins = 0;
    HANDLE h = CreateThread(NULL, 0, fn, arg, 0, NULL);
    if (!h)
        return 0;
    while (spins == 0)
        Sleep(1);
    Sleep(delay);
    DWORD before = 0;
    BOOL got = GetExitCodeThread(h, &before);
    BOOL t = TerminateThread(h, code);
    DWORD w = WaitForSingleObject(h, 10000), after = 0;
    GetExitCodeThread(h, &after);
    CloseHandle(h);
    if (!(got && before == STILL_ACTIVE && t && w == WAIT_OBJECT_0 && after == code))
        printf("  got %d before %lu terminate %d wait %lu code %lu\n", got, before, t, w, after);
    return got && before == STILL_ACTIVE && t && w == WAIT_OBJECT_0 && after == code;
}

/* The process still allocates: n VirtualAlloc/VirtualFree pairs, each touched. */
static int still_allocates(int n)
{
    for (int i = 0; i < n; i++) {
        char *p = VirtualAlloc(NULL, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!p)
            return 0;
        p[100] = 7;
        if (!VirtualFree(p, 0, MEM_RELEASE))
            return 0;
    }
    return 1;
}

static void killed_in_memory_calls(void)
{
    int ok = 1;
    for (int i = 0; i < 20 && ok; i++)
        ok = kill_one(alloc_loop, NULL, 1000 + i, i % 5) && still_allocates(50);
    check("alloc", ok);
}

static void killed_blocked(void)
{
    check("spin", kill_one(spin_loop, NULL, 7, 5));
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    check("wait", kill_one(wait_forever, ev, 8, 20));
    CloseHandle(ev);
    check("sleep", kill_one(sleep_long, NULL, 9, 20));
    InitializeCriticalSection(&cs);
    EnterCriticalSection(&cs);
    check("critsec", kill_one(enter_cs, NULL, 10, 20));
    LeaveCriticalSection(&cs);
    EnterCriticalSection(&cs); /* the section still works for its owner */
    LeaveCriticalSection(&cs);
    int heap = 1;
    for (int i = 0; i < 10 && heap; i++) {
        heap = kill_one(heap_loop, NULL, 11, i % 3);
        void *p = malloc(1000);
        heap = heap && p;
        free(p);
    }
    check("heap", heap);
}

static void killed_suspended(void)
{
    ran = 0;
    HANDLE h = CreateThread(NULL, 0, mark_ran, NULL, CREATE_SUSPENDED, NULL);
    BOOL t = TerminateThread(h, 21);
    DWORD w = WaitForSingleObject(h, 5000), code = 0;
    GetExitCodeThread(h, &code);
    Sleep(20);
    check("suspended", h && t && w == WAIT_OBJECT_0 && code == 21 && ran == 0);
    CloseHandle(h);

    spins = 0;
    h = CreateThread(NULL, 0, spin_loop, NULL, 0, NULL);
    while (spins == 0)
        Sleep(1);
    DWORD s = SuspendThread(h);
    LONG frozen = spins;
    Sleep(10);
    int stopped = frozen == spins;
    t = TerminateThread(h, 22);
    w = WaitForSingleObject(h, 5000);
    GetExitCodeThread(h, &code);
    check("suspended_running", s == 0 && stopped && t && w == WAIT_OBJECT_0 && code == 22);
    CloseHandle(h);
}

static void rights_and_codes(void)
{
    spins = 0;
    DWORD tid;
    HANDLE h = CreateThread(NULL, 0, spin_loop, NULL, 0, &tid);
    while (spins == 0)
        Sleep(1);
    HANDLE q = OpenThread(THREAD_QUERY_INFORMATION, FALSE, tid);
    SetLastError(0);
    BOOL denied = TerminateThread(q, 5);
    DWORD e1 = GetLastError();
    SetLastError(0);
    BOOL bad = TerminateThread((HANDLE)(ULONG_PTR)0x12340, 5);
    DWORD e2 = GetLastError();
    /* still spinning: it moves on within 5 s however loaded the machine (a fixed 10 ms was not) */
    LONG a = spins;
    for (int i = 0; i < 500 && spins == a; i++)
        Sleep(10);
    int alive = spins != a && WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    check("rights", q && !denied && e1 == ERROR_ACCESS_DENIED && !bad && e2 == ERROR_INVALID_HANDLE && alive);
    CloseHandle(q);
    BOOL t1 = TerminateThread(h, 31), t2 = TerminateThread(h, 32);
    DWORD code = 0, w = WaitForSingleObject(h, 5000);
    GetExitCodeThread(h, &code);
    check("first_code", t1 && t2 && w == WAIT_OBJECT_0 && code == 31);
    CloseHandle(h);
}

static DWORD WINAPI kill_self(LPVOID arg)
{
    (void)arg;
    TerminateThread(GetCurrentThread(), 41);
    ran = 2; /* never reached */
    return 1;
}

int main(void)
{
    killed_in_memory_calls();
    killed_blocked();
    killed_suspended();
    rights_and_codes();
    ran = 0;
    HANDLE h = CreateThread(NULL, 0, kill_self, NULL, 0, NULL);
    DWORD w = WaitForSingleObject(h, 5000), code = 0;
    GetExitCodeThread(h, &code);
    check("self", w == WAIT_OBJECT_0 && code == 41 && ran == 0);
    CloseHandle(h);
    check("after_all", still_allocates(200));
    printf("failures %d\n", failures);
    return failures;
}
