/* SPDX-License-Identifier: MIT */
/* synch_kill.h - synch.exe kill: TerminateThread of threads waiting in an SRW lock, a
 * WaitOnAddress and a condition variable (the list of checks is in synch.c). */

static BOOL ended(HANDLE t)
{
    DWORD code = 0;
    BOOL ok = TerminateThread(t, 7) && WaitForSingleObject(t, 10000) == WAIT_OBJECT_0 &&
              GetExitCodeThread(t, &code) && code == 7;
    CloseHandle(t);
    return ok;
}

static void kill_srw(void)
{
    AcquireSRWLockExclusive(&lock);
    HANDLE t = start(srw_writer, NULL);
    Sleep(100); /* asleep on the lock */
    BOOL ok = ended(t) && writer_in == 0;
    ReleaseSRWLockExclusive(&lock);
    ok = ok && TryAcquireSRWLockExclusive(&lock);
    ReleaseSRWLockExclusive(&lock);
    check("kill_srw", ok && lock.Ptr == NULL);
}

static void kill_address(void)
{
    HANDLE a = start(wa_waiter, NULL), b = start(wa_waiter, NULL);
    while (wa_entered < 2)
        Sleep(1);
    Sleep(100); /* both queued */
    BOOL ok = ended(a);
    WakeByAddressAll((PVOID)&wa_value);
    ok = ok && join(b) && wa_woken == 1;
    LONG zero = 0;
    SetLastError(0);
    ok = ok && !WaitOnAddress(&wa_value, &zero, sizeof(zero), 10) && GetLastError() == ERROR_TIMEOUT;
    WakeByAddressSingle((PVOID)&wa_value);
    check("kill_address", ok);
}

static DWORD WINAPI cv_cs_sleeper(LPVOID arg)
{
    (void)arg;
    EnterCriticalSection(&cs);
    SleepConditionVariableCS(&not_empty, &cs, INFINITE);
    LeaveCriticalSection(&cs);
    return 0;
}

static void kill_cv(void)
{
    HANDLE t = start(cv_cs_sleeper, NULL);
    Sleep(100);
    BOOL ok = ended(t);
    WakeAllConditionVariable(&not_empty);
    ok = ok && TryEnterCriticalSection(&cs);
    LeaveCriticalSection(&cs);
    check("kill_cv", ok);
}

static int kill_tests(void)
{
    kill_srw();
    kill_address();
    kill_cv();
    return failures;
}
