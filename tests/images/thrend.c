/* SPDX-License-Identifier: MIT */
/* thrend.c - what a thread leaves when it ends, from PE code (run by tests/test_thread_end.c;
 * prints "ok NAME" or "FAIL NAME" for each check):
 *   abandon_single  a thread takes a mutex and returns while another waits on it:
 *                   WaitForSingleObject gives WAIT_ABANDONED, and the waiter owns it
 *   abandon_multi   WaitForMultipleObjects (any) on an unset event and such a mutex:
 *                   WAIT_ABANDONED_0 + 1
 *   abandon_nt      NtWaitForSingleObject on such a mutex: STATUS_ABANDONED_WAIT_0; the next
 *                   wait, after the releases, STATUS_WAIT_0
 *   query_denied    GetExitCodeThread, GetThreadId, GetProcessIdOfThread on a handle with
 *                   SYNCHRONIZE only: fail with ERROR_ACCESS_DENIED, the code not written
 *   query_limited   the same with THREAD_QUERY_LIMITED_INFORMATION: the code, ids
 *   suspend_ended   SuspendThread of an ended thread: -1, ERROR_ACCESS_DENIED; ResumeThread 0
 *   nt_suspend_ended NtSuspendThread of it: STATUS_THREAD_IS_TERMINATING, the count untouched
 *   nt_suspend_right NtSuspendThread without THREAD_SUSPEND_RESUME: STATUS_ACCESS_DENIED
 */
#include <windows.h>
#include <stdio.h>

typedef LONG NTSTATUS;
NTSTATUS NTAPI NtWaitForSingleObject(HANDLE h, BOOLEAN alertable, LARGE_INTEGER *timeout);
NTSTATUS NTAPI NtSuspendThread(HANDLE h, PULONG prev);

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static HANDLE taken, go;

static DWORD WINAPI take_and_end(void *m)
{
    if (WaitForSingleObject((HANDLE)m, INFINITE) != WAIT_OBJECT_0)
        return 1;
    SetEvent(taken);
    WaitForSingleObject(go, INFINITE);
    return 0; /* ends owning it */
}

/* A mutex its owner thread took and left (the thread has ended). */
static HANDLE left_mutex(void)
{
    HANDLE m = CreateMutexA(NULL, FALSE, NULL);
    ResetEvent(go);
    HANDLE t = CreateThread(NULL, 0, take_and_end, m, 0, NULL);
    WaitForSingleObject(taken, INFINITE);
    SetEvent(go);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    return m;
}

static DWORD WINAPI wait_then_own(void *m)
{
    DWORD r = WaitForSingleObject((HANDLE)m, 30000);
    return r == WAIT_ABANDONED && ReleaseMutex((HANDLE)m) && !ReleaseMutex((HANDLE)m) ? 0 : 1;
}

static void abandon(void)
{
    /* a waiter asleep before the owner ends */
    HANDLE m = CreateMutexA(NULL, FALSE, NULL);
    ResetEvent(go);
    HANDLE owner = CreateThread(NULL, 0, take_and_end, m, 0, NULL);
    WaitForSingleObject(taken, INFINITE);
    HANDLE waiter = CreateThread(NULL, 0, wait_then_own, m, 0, NULL);
    int asleep = WaitForSingleObject(waiter, 50) == WAIT_TIMEOUT;
    SetEvent(go);
    DWORD code = 9;
    WaitForSingleObject(waiter, 30000);
    GetExitCodeThread(waiter, &code);
    check("abandon_single", asleep && code == 0);
    CloseHandle(owner), CloseHandle(waiter), CloseHandle(m);

    m = left_mutex();
    HANDLE two[2] = {CreateEventA(NULL, TRUE, FALSE, NULL), m};
    DWORD r = WaitForMultipleObjects(2, two, FALSE, 30000);
    check("abandon_multi", r == WAIT_ABANDONED_0 + 1 && ReleaseMutex(m));
    CloseHandle(two[0]), CloseHandle(m);

    m = left_mutex();
    NTSTATUS st = NtWaitForSingleObject(m, FALSE, NULL);
    int owned = ReleaseMutex(m);
    NTSTATUS again = NtWaitForSingleObject(m, FALSE, NULL);
    check("abandon_nt", st == (NTSTATUS)0x80 && owned && again == 0 && ReleaseMutex(m));
    CloseHandle(m);
}

static DWORD WINAPI returns_5(void *arg)
{
    (void)arg;
    return 5;
}

static HANDLE with(HANDLE t, DWORD access)
{
    HANDLE h = NULL;
    DuplicateHandle(GetCurrentProcess(), t, GetCurrentProcess(), &h, access, FALSE, 0);
    return h;
}

static void queries_and_suspends(void)
{
    DWORD tid = 0, code = 1234;
    HANDLE t = CreateThread(NULL, 0, returns_5, NULL, 0, &tid);
    WaitForSingleObject(t, INFINITE);
    HANDLE none = with(t, SYNCHRONIZE), lim = with(t, THREAD_QUERY_LIMITED_INFORMATION);
    SetLastError(0);
    int ok = !GetExitCodeThread(none, &code) && GetLastError() == ERROR_ACCESS_DENIED && code == 1234;
    SetLastError(0);
    ok = ok && GetThreadId(none) == 0 && GetLastError() == ERROR_ACCESS_DENIED;
    SetLastError(0);
    ok = ok && GetProcessIdOfThread(none) == 0 && GetLastError() == ERROR_ACCESS_DENIED;
    check("query_denied", none && ok);
    check("query_limited", lim && GetExitCodeThread(lim, &code) && code == 5 && GetThreadId(lim) == tid &&
                               GetProcessIdOfThread(lim) == GetCurrentProcessId());
    SetLastError(0);
    DWORD was = SuspendThread(t);
    check("suspend_ended", was == (DWORD)-1 && GetLastError() == ERROR_ACCESS_DENIED && ResumeThread(t) == 0);
    ULONG prev = 77;
    NTSTATUS st = NtSuspendThread(t, &prev);
    check("nt_suspend_ended", st == (NTSTATUS)0xC000004B && prev == 77);
    st = NtSuspendThread(none, &prev);
    check("nt_suspend_right", st == (NTSTATUS)0xC0000022 && prev == 77);
    CloseHandle(none), CloseHandle(lim), CloseHandle(t);
}

int main(void)
{
    taken = CreateEventA(NULL, FALSE, FALSE, NULL);
    go = CreateEventA(NULL, TRUE, FALSE, NULL);
    abandon();
    queries_and_suspends();
    return failures != 0;
}
