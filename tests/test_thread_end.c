/* SPDX-License-Identifier: MIT */
/* test_thread_end.c - what a thread leaves when it ends, and the rights its queries need:
 * a mutex it owned is abandoned to the next wait (WAIT_ABANDONED, then owned once), whether it
 * returned, was terminated, was a Linux thread using winvm, or created the mutex owned, and
 * whether the wait slept before the end or came after; GetExitCodeThread, GetThreadId and
 * GetProcessIdOfThread need THREAD_QUERY_(LIMITED_)INFORMATION; SuspendThread of an ended
 * thread fails with ERROR_ACCESS_DENIED.  The same from PE code: tests/images/thrend.c
 * (NtWaitForSingleObject's STATUS_ABANDONED_WAIT_0, NtSuspendThread's
 * STATUS_THREAD_IS_TERMINATING).  Facts: Wine's kernel32 sync.c and thread.c tests. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(thread_end, .timeout = 60);

static HANDLE mtx, taken, go;

/* Takes the mutex, says so, and ends owning it when let go. */
static DWORD WINAPI take_and_end(LPVOID arg)
{
    (void)arg;
    if (WaitForSingleObject(mtx, INFINITE) != WAIT_OBJECT_0)
        return 1;
    SetEvent(taken);
    WaitForSingleObject(go, INFINITE);
    return 0;
}

/* Waits for the mutex: 0 when the wait said WAIT_ABANDONED and the thread then owned it once
 * (a recursion, two releases, a third refused); the failed step's number otherwise. */
static DWORD WINAPI wait_abandoned(LPVOID arg)
{
    (void)arg;
    DWORD r = WaitForSingleObject(mtx, 30000);
    if (r != WAIT_ABANDONED)
        return 10 + r;
    if (WaitForSingleObject(mtx, 0) != WAIT_OBJECT_0)
        return 2;
    if (!ReleaseMutex(mtx) || !ReleaseMutex(mtx))
        return 3;
    SetLastError(SENTINEL);
    return !ReleaseMutex(mtx) && GetLastError() == ERROR_NOT_OWNER ? 0 : 4;
}

static DWORD code_of(HANDLE t)
{
    DWORD code = 99;
    cr_assert_eq(WaitForSingleObject(t, 30000), WAIT_OBJECT_0);
    cr_assert(GetExitCodeThread(t, &code));
    return code;
}

Test(thread_end, mutex_of_an_ended_thread_goes_abandoned_to_a_sleeping_wait)
{
    mtx = CreateMutexA(NULL, FALSE, NULL);
    taken = CreateEventA(NULL, FALSE, FALSE, NULL);
    go = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE owner = CreateThread(NULL, 0, take_and_end, NULL, 0, NULL);
    cr_assert_eq(WaitForSingleObject(taken, 30000), WAIT_OBJECT_0);
    HANDLE waiter = CreateThread(NULL, 0, wait_abandoned, NULL, 0, NULL);
    cr_assert_eq(WaitForSingleObject(waiter, 50), WAIT_TIMEOUT, "the owner still lives");
    SetEvent(go);
    cr_assert_eq(code_of(owner), 0);
    cr_assert_eq(code_of(waiter), 0, "the waiter's check %u failed", code_of(waiter));
    cr_assert_eq(WaitForSingleObject(mtx, 0), WAIT_OBJECT_0, "released: free, and abandoned only once");
    cr_assert(ReleaseMutex(mtx));
    CloseHandle(owner), CloseHandle(waiter), CloseHandle(mtx), CloseHandle(taken), CloseHandle(go);
}

static DWORD WINAPI create_owned_and_end(LPVOID arg)
{
    *(HANDLE *)arg = CreateMutexA(NULL, TRUE, NULL);
    return 0;
}

Test(thread_end, mutex_created_owned_by_an_ended_thread_is_abandoned)
{
    HANDLE m = NULL;
    HANDLE t = CreateThread(NULL, 0, create_owned_and_end, &m, 0, NULL);
    cr_assert_eq(code_of(t), 0);
    cr_assert_not_null(m);
    HANDLE two[2] = {CreateEventA(NULL, TRUE, FALSE, NULL), m};
    cr_assert_eq(WaitForMultipleObjects(2, two, FALSE, 30000), WAIT_ABANDONED_0 + 1);
    cr_assert(ReleaseMutex(m));
    SetLastError(SENTINEL);
    cr_assert(!ReleaseMutex(m));
    cr_assert_eq(GetLastError(), ERROR_NOT_OWNER);
    CloseHandle(two[0]), CloseHandle(m), CloseHandle(t);
}

static DWORD WINAPI take_and_block(LPVOID arg)
{
    (void)arg;
    if (WaitForSingleObject(mtx, INFINITE) != WAIT_OBJECT_0)
        return 1;
    SetEvent(taken);
    WaitForSingleObject(go, INFINITE); /* never set: it ends terminated */
    return 0;
}

Test(thread_end, mutex_of_a_terminated_thread_is_abandoned_to_a_wait_for_all)
{
    mtx = CreateMutexA(NULL, FALSE, NULL);
    taken = CreateEventA(NULL, FALSE, FALSE, NULL);
    go = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE owner = CreateThread(NULL, 0, take_and_block, NULL, 0, NULL);
    cr_assert_eq(WaitForSingleObject(taken, 30000), WAIT_OBJECT_0);
    HANDLE set = CreateEventA(NULL, TRUE, TRUE, NULL), both[2] = {set, mtx};
    cr_assert_eq(WaitForMultipleObjects(2, both, TRUE, 0), WAIT_TIMEOUT, "owned by a live thread");
    cr_assert(TerminateThread(owner, 7));
    cr_assert_eq(code_of(owner), 7);
    cr_assert_eq(WaitForMultipleObjects(2, both, TRUE, 30000), WAIT_ABANDONED_0 + 1);
    cr_assert(ReleaseMutex(mtx));
    cr_assert_eq(WaitForMultipleObjects(2, both, TRUE, 0), WAIT_OBJECT_0, "abandoned only once");
    cr_assert(ReleaseMutex(mtx));
    CloseHandle(owner), CloseHandle(set), CloseHandle(mtx), CloseHandle(taken), CloseHandle(go);
}

static void *linux_take_and_end(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)(WaitForSingleObject(mtx, 0) == WAIT_OBJECT_0);
}

Test(thread_end, mutex_of_an_ended_linux_thread_is_abandoned)
{
    mtx = CreateMutexA(NULL, FALSE, NULL);
    pthread_t t;
    void *took = NULL;
    cr_assert_eq(pthread_create(&t, NULL, linux_take_and_end, NULL), 0);
    cr_assert_eq(pthread_join(t, &took), 0);
    cr_assert(took);
    cr_assert_eq(WaitForSingleObject(mtx, 30000), WAIT_ABANDONED);
    cr_assert(ReleaseMutex(mtx));
    CloseHandle(mtx);
}

static DWORD WINAPI returns_5(LPVOID arg)
{
    (void)arg;
    return 5;
}

Test(thread_end, queries_need_a_query_right)
{
    DWORD tid = 0;
    HANDLE t = CreateThread(NULL, 0, returns_5, NULL, 0, &tid);
    cr_assert_eq(code_of(t), 5);
    HANDLE none = OpenThread(SYNCHRONIZE, FALSE, tid);
    if (!none) { /* ended threads leave the registry: duplicate the handle instead */
        cr_assert(DuplicateHandle(GetCurrentProcess(), t, GetCurrentProcess(), &none, SYNCHRONIZE, FALSE, 0));
    }
    DWORD code = 1234;
    SetLastError(SENTINEL);
    cr_assert(!GetExitCodeThread(none, &code));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    cr_assert_eq(code, 1234, "nothing written");
    SetLastError(SENTINEL);
    cr_assert_eq(GetThreadId(none), 0);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    SetLastError(SENTINEL);
    cr_assert_eq(GetProcessIdOfThread(none), 0);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    const DWORD rights[2] = {THREAD_QUERY_LIMITED_INFORMATION, THREAD_QUERY_INFORMATION};
    for (int i = 0; i < 2; i++) {
        HANDLE q = NULL;
        cr_assert(DuplicateHandle(GetCurrentProcess(), t, GetCurrentProcess(), &q, rights[i], FALSE, 0));
        cr_assert(GetExitCodeThread(q, &code));
        cr_assert_eq(code, 5);
        cr_assert_eq(GetThreadId(q), tid);
        cr_assert_eq(GetProcessIdOfThread(q), (DWORD)getpid());
        CloseHandle(q);
    }
    CloseHandle(none), CloseHandle(t);
}

Test(thread_end, suspending_an_ended_thread_is_denied)
{
    HANDLE t = CreateThread(NULL, 0, returns_5, NULL, 0, NULL);
    cr_assert_eq(code_of(t), 5);
    SetLastError(SENTINEL);
    cr_assert_eq(SuspendThread(t), (DWORD)-1);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    cr_assert_eq(ResumeThread(t), 0);
    CloseHandle(t);
}

Test(thread_end, pe_abandoned_mutexes_rights_and_ended_threads)
{
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/thrend.exe", out, sizeof(out));
    cr_assert_eq(oks, 8, "%s", out);
}
