/* SPDX-License-Identifier: MIT */
/* test_thr_exit.c - threads that end at their first instruction (ExitThread as the start
 * routine: only that thread ends, with its code), DuplicateHandle of GetCurrentThread()'s
 * pseudo handle from C; from PE code: threxit.exe (tests/images/threxit.c lists its checks:
 * the same, a Rip set before the thread reached its own code, the PEB's processor count). */
#include "testutil.h"

#include <criterion/criterion.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

Test(thr_exit, from_pe_code, .timeout = 120)
{
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/threxit.exe", out, sizeof(out));
    cr_assert_eq(oks, 6, "%s", out);
}

/* Each thread's start routine is ExitThread: all 200 end with their own code and this
 * process goes on (it used to end with the code when ExitThread ran too early). */
Test(thr_exit, exit_thread_as_the_start_routine)
{
    for (DWORD i = 0; i < 200; i++) {
        HANDLE h = CreateThread(NULL, 0, (LPTHREAD_START_ROUTINE)(void (*)(void))ExitThread,
                                (LPVOID)(uintptr_t)(1000 + i), 0, NULL);
        cr_assert_not_null(h, "%u", GetLastError());
        cr_assert_eq(WaitForSingleObject(h, 20000), WAIT_OBJECT_0);
        DWORD code = 0;
        cr_assert(GetExitCodeThread(h, &code));
        cr_assert_eq(code, 1000 + i);
        cr_assert(CloseHandle(h));
    }
}

static HANDLE dup_in_thread;

static DWORD WINAPI dup_self(LPVOID arg)
{
    (void)arg;
    HANDLE me = GetCurrentProcess();
    return DuplicateHandle(me, GetCurrentThread(), me, &dup_in_thread, 0, FALSE, DUPLICATE_SAME_ACCESS)
               ? GetCurrentThreadId() : 0;
}

Test(thr_exit, duplicate_of_the_current_thread_pseudo_handle)
{
    HANDLE me = GetCurrentProcess(), h = NULL, q = NULL;
    cr_assert(DuplicateHandle(me, GetCurrentThread(), me, &h, 0, FALSE, DUPLICATE_SAME_ACCESS), "%u",
              GetLastError());
    cr_assert_neq(h, GetCurrentThread());
    cr_assert_eq(GetThreadId(h), GetCurrentThreadId());
    cr_assert_eq(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
    cr_assert(DuplicateHandle(me, GetCurrentThread(), me, &q, THREAD_QUERY_INFORMATION, FALSE, 0));
    cr_assert_eq(GetThreadId(q), GetCurrentThreadId());
    SetLastError(0);
    cr_assert_eq(SuspendThread(q), (DWORD)-1);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    SetLastError(0);
    HANDLE z = NULL;
    cr_assert_not(DuplicateHandle(me, GetCurrentThread(), me, &z, 0, FALSE, 0x100));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_null(z);
    cr_assert(CloseHandle(h));
    cr_assert(CloseHandle(q));

    /* Another thread's duplicate names it, and is signalled with its exit code once it ends. */
    HANDLE t = CreateThread(NULL, 0, dup_self, NULL, 0, NULL);
    cr_assert_not_null(t);
    cr_assert_eq(WaitForSingleObject(t, 20000), WAIT_OBJECT_0);
    DWORD tid = 0, code = 0;
    cr_assert(GetExitCodeThread(t, &tid));
    cr_assert_neq(tid, 0);
    cr_assert_eq(GetThreadId(dup_in_thread), tid);
    cr_assert_eq(WaitForSingleObject(dup_in_thread, 20000), WAIT_OBJECT_0);
    cr_assert(GetExitCodeThread(dup_in_thread, &code));
    cr_assert_eq(code, tid);
    cr_assert(CloseHandle(dup_in_thread));
    cr_assert(CloseHandle(t));
}
