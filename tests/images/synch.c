/* SPDX-License-Identifier: MIT */
/* synch.c - synch.exe: slim reader/writer locks, condition variables, one-time initialisation,
 * waits on an address and fiber-local storage from PE code, with threads (tests/test_synch.c).
 * Linked with an import library made from synch_apiset.def: WaitOnAddress and WakeByAddress*
 * are imported from api-ms-win-core-synch-l1-2-0.dll, as Windows SDK programs import them, the
 * rest from kernel32.dll; ntdll's Rtl* names are found with GetProcAddress.  Prints "ok NAME" / "FAIL NAME"; exits with the failures.
 *
 *   srw_counter       4 threads x 20000 increments of a plain counter under the exclusive lock
 *   srw_try           Try* on free, exclusively and shared-held locks; the word 0 when free
 *   srw_readers       two threads hold the lock shared at the same time
 *   srw_writer_waits  an exclusive acquirer waits while a reader holds it, then gets it
 *   srw_rtl           ntdll's RtlAcquireSRWLockExclusive/RtlTryAcquireSRWLockShared/Release
 *   cv_queue          2 producers, 2 consumers, a 4-slot buffer under a critical section
 *   cv_timeout        SleepConditionVariableCS times out: FALSE, ERROR_TIMEOUT, section held
 *   cv_wake_counts    4 sleepers (SRW): WakeConditionVariable wakes exactly 1, WakeAll the rest
 *   cv_no_memory      a wake with nobody asleep is not kept for a later sleeper
 *   cv_shared         a shared-mode sleeper wakes holding the lock shared
 *   cv_rtl            RtlSleepConditionVariableCS with an NT timeout: STATUS_TIMEOUT
 *   once_execute      8 threads, one callback call, every thread sees its context
 *   once_failed       a failing callback: FALSE, the last error untouched, tried again later
 *   once_states       Begin/Complete's states and errors (sync and async), as Wine records
 *   once_wait         a second synchronous Begin waits for the first's Complete
 *   once_rtl          RtlRunOnceBeginInitialize: STATUS_PENDING, STATUS_UNSUCCESSFUL
 *   wa_args           size 3: ERROR_INVALID_PARAMETER; a differing value returns at once
 *   wa_timeout        sizes 1, 2, 4, 8 with equal values: FALSE, ERROR_TIMEOUT
 *   wa_wake_counts    3 waiters: WakeByAddressSingle wakes exactly 1, WakeByAddressAll the rest
 *   wa_api_set        api-ms-win-core-synch-l1-2-0.dll is kernelbase.dll and exports WaitOnAddress
 *   wa_rtl            RtlWaitOnAddress: STATUS_INVALID_PARAMETER, STATUS_TIMEOUT; wakes of NULL
 *   fls_basic         index 0 refused; alloc, set, get (ERROR_SUCCESS); a freed index reused
 *   fls_free          FlsFree runs the callback for every thread's non-NULL value
 *   fls_thread_exit   a thread's end runs the callback for its value, on that thread
 * With the argument "kill", TerminateThread of threads inside these waits instead:
 *   kill_srw          a thread waiting in AcquireSRWLockExclusive ends; the lock works on
 *   kill_address      one of two WaitOnAddress waiters ends; the other is still woken, the queue
 *                     still answers
 *   kill_cv           a thread asleep in SleepConditionVariableCS ends, the section left free
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

static HANDLE start(LPTHREAD_START_ROUTINE fn, void *arg) { return CreateThread(NULL, 0, fn, arg, 0, NULL); }

static BOOL join(HANDLE h)
{
    BOOL ok = WaitForSingleObject(h, 10000) == WAIT_OBJECT_0;
    CloseHandle(h);
    return ok;
}

/* ---- SRW locks ---- */

static SRWLOCK lock = SRWLOCK_INIT;
static volatile LONG counter;

static DWORD WINAPI srw_adder(LPVOID arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        AcquireSRWLockExclusive(&lock);
        LONG v = counter; /* a plain read-modify-write: only the lock keeps it whole */
        if (i % 64 == 0)
            SwitchToThread();
        counter = v + 1;
        ReleaseSRWLockExclusive(&lock);
    }
    return 0;
}

static void srw_counter(void)
{
    HANDLE t[4];
    for (int i = 0; i < 4; i++)
        t[i] = start(srw_adder, NULL);
    BOOL ok = TRUE;
    for (int i = 0; i < 4; i++)
        ok &= join(t[i]);
    check("srw_counter", ok && counter == 80000 && lock.Ptr == NULL);
}

static void srw_try(void)
{
    SRWLOCK l;
    InitializeSRWLock(&l);
    BOOL ok = TryAcquireSRWLockExclusive(&l) && l.Ptr != NULL;
    ok = ok && !TryAcquireSRWLockExclusive(&l) && !TryAcquireSRWLockShared(&l);
    ReleaseSRWLockExclusive(&l);
    ok = ok && l.Ptr == NULL && TryAcquireSRWLockShared(&l) && TryAcquireSRWLockShared(&l);
    ok = ok && !TryAcquireSRWLockExclusive(&l);
    ReleaseSRWLockShared(&l);
    ok = ok && !TryAcquireSRWLockExclusive(&l);
    ReleaseSRWLockShared(&l);
    check("srw_try", ok && l.Ptr == NULL);
}

static HANDLE inside[2];
static volatile LONG both_seen;

static DWORD WINAPI srw_reader(LPVOID arg)
{
    int me = (int)(INT_PTR)arg;
    AcquireSRWLockShared(&lock);
    SetEvent(inside[me]);
    /* Only returns in time if the other reader got in while this one holds the lock. */
    if (WaitForSingleObject(inside[!me], 5000) == WAIT_OBJECT_0)
        InterlockedIncrement(&both_seen);
    ReleaseSRWLockShared(&lock);
    return 0;
}

static void srw_readers(void)
{
    inside[0] = CreateEventA(NULL, TRUE, FALSE, NULL);
    inside[1] = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE a = start(srw_reader, (void *)0), b = start(srw_reader, (void *)1);
    BOOL ok = join(a) & join(b);
    check("srw_readers", ok && both_seen == 2 && lock.Ptr == NULL);
}

static volatile LONG writer_in;

static DWORD WINAPI srw_writer(LPVOID arg)
{
    (void)arg;
    AcquireSRWLockExclusive(&lock);
    InterlockedExchange(&writer_in, 1);
    ReleaseSRWLockExclusive(&lock);
    return 0;
}

static void srw_writer_waits(void)
{
    AcquireSRWLockShared(&lock);
    HANDLE t = start(srw_writer, NULL);
    Sleep(100);
    BOOL waited = writer_in == 0;
    ReleaseSRWLockShared(&lock);
    BOOL ok = join(t);
    check("srw_writer_waits", ok && waited && writer_in == 1);
}

typedef void(WINAPI *srw_fn)(PSRWLOCK);
typedef BOOLEAN(WINAPI *srw_try_fn)(PSRWLOCK);

static void srw_rtl(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    srw_fn acq = (srw_fn)GetProcAddress(nt, "RtlAcquireSRWLockExclusive");
    srw_fn rel = (srw_fn)GetProcAddress(nt, "RtlReleaseSRWLockExclusive");
    srw_try_fn tsh = (srw_try_fn)GetProcAddress(nt, "RtlTryAcquireSRWLockShared");
    BOOL ok = acq && rel && tsh;
    SRWLOCK l = SRWLOCK_INIT;
    if (ok) {
        acq(&l);
        ok = !tsh(&l) && !TryAcquireSRWLockExclusive(&l);
        rel(&l);
        ok = ok && l.Ptr == NULL && tsh(&l);
        ReleaseSRWLockShared(&l);
    }
    check("srw_rtl", ok && l.Ptr == NULL);
}

/* ---- condition variables ---- */

static CRITICAL_SECTION cs;
static CONDITION_VARIABLE not_empty = CONDITION_VARIABLE_INIT, not_full = CONDITION_VARIABLE_INIT;
static int buffered, produced, consumed, sleep_errors;

static DWORD WINAPI producer(LPVOID arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        EnterCriticalSection(&cs);
        while (buffered == 4)
            if (!SleepConditionVariableCS(&not_full, &cs, INFINITE))
                sleep_errors++;
        buffered++, produced++;
        LeaveCriticalSection(&cs);
        WakeConditionVariable(&not_empty);
    }
    return 0;
}

static DWORD WINAPI consumer(LPVOID arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        EnterCriticalSection(&cs);
        while (buffered == 0)
            if (!SleepConditionVariableCS(&not_empty, &cs, INFINITE))
                sleep_errors++;
        buffered--, consumed++;
        LeaveCriticalSection(&cs);
        WakeConditionVariable(&not_full);
    }
    return 0;
}

static void cv_queue(void)
{
    HANDLE t[4] = {start(producer, NULL), start(consumer, NULL), start(producer, NULL), start(consumer, NULL)};
    BOOL ok = TRUE;
    for (int i = 0; i < 4; i++)
        ok &= join(t[i]);
    check("cv_queue", ok && produced == 10000 && consumed == 10000 && buffered == 0 && !sleep_errors);
}

static volatile LONG entered_other;

static DWORD WINAPI try_cs(LPVOID arg)
{
    (void)arg;
    if (TryEnterCriticalSection(&cs)) {
        entered_other = 1;
        LeaveCriticalSection(&cs);
    }
    return 0;
}

static void cv_timeout(void)
{
    CONDITION_VARIABLE cv;
    InitializeConditionVariable(&cv);
    EnterCriticalSection(&cs);
    SetLastError(0xdeadbeef);
    BOOL r = SleepConditionVariableCS(&cv, &cs, 30);
    DWORD err = GetLastError();
    BOOL ok = join(start(try_cs, NULL)); /* the section is this thread's again */
    LeaveCriticalSection(&cs);
    check("cv_timeout", ok && !r && err == ERROR_TIMEOUT && !entered_other);
}

static CONDITION_VARIABLE cv_w = CONDITION_VARIABLE_INIT;
static int asleep, woken, go;

static DWORD WINAPI cv_sleeper(LPVOID arg)
{
    (void)arg;
    AcquireSRWLockExclusive(&lock);
    asleep++;
    SleepConditionVariableSRW(&cv_w, &lock, INFINITE, 0); /* one sleep: a wake each */
    woken++;
    ReleaseSRWLockExclusive(&lock);
    return 0;
}

static void cv_wake_counts(void)
{
    HANDLE t[4];
    for (int i = 0; i < 4; i++)
        t[i] = start(cv_sleeper, NULL);
    for (int n = 0; n < 4;) { /* all four asleep: each counted itself in holding the lock */
        Sleep(1);
        AcquireSRWLockExclusive(&lock);
        n = asleep;
        ReleaseSRWLockExclusive(&lock);
    }
    WakeConditionVariable(&cv_w);
    Sleep(200);
    AcquireSRWLockExclusive(&lock);
    int one = woken;
    ReleaseSRWLockExclusive(&lock);
    WakeAllConditionVariable(&cv_w);
    BOOL ok = TRUE;
    for (int i = 0; i < 4; i++)
        ok &= join(t[i]);
    check("cv_wake_counts", ok && one == 1 && woken == 4);
}

static void cv_no_memory(void)
{
    CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
    WakeConditionVariable(&cv);
    WakeAllConditionVariable(&cv);
    AcquireSRWLockExclusive(&lock);
    SetLastError(0);
    BOOL r = SleepConditionVariableSRW(&cv, &lock, 20, 0);
    DWORD err = GetLastError();
    ReleaseSRWLockExclusive(&lock);
    check("cv_no_memory", !r && err == ERROR_TIMEOUT && lock.Ptr == NULL);
}

static CONDITION_VARIABLE cv_s = CONDITION_VARIABLE_INIT;
static volatile LONG shared_ok = -1;

static DWORD WINAPI cv_shared_sleeper(LPVOID arg)
{
    (void)arg;
    AcquireSRWLockShared(&lock);
    while (!go)
        SleepConditionVariableSRW(&cv_s, &lock, INFINITE, CONDITION_VARIABLE_LOCKMODE_SHARED);
    /* Back holding it shared: another reader gets in, a writer does not. */
    BOOL r = TryAcquireSRWLockShared(&lock);
    if (r)
        ReleaseSRWLockShared(&lock);
    shared_ok = r && !TryAcquireSRWLockExclusive(&lock);
    ReleaseSRWLockShared(&lock);
    return 0;
}

static void cv_shared(void)
{
    HANDLE t = start(cv_shared_sleeper, NULL);
    Sleep(50);
    AcquireSRWLockExclusive(&lock);
    go = 1;
    ReleaseSRWLockExclusive(&lock);
    WakeAllConditionVariable(&cv_s);
    BOOL ok = join(t);
    check("cv_shared", ok && shared_ok == 1 && lock.Ptr == NULL);
}

typedef LONG(WINAPI *rtl_sleep_cs)(PCONDITION_VARIABLE, PCRITICAL_SECTION, const LARGE_INTEGER *);

static void cv_rtl(void)
{
    rtl_sleep_cs fn = (rtl_sleep_cs)GetProcAddress(GetModuleHandleA("ntdll.dll"), "RtlSleepConditionVariableCS");
    CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
    LARGE_INTEGER to;
    to.QuadPart = -200000; /* 20 ms, relative */
    LONG st = -1;
    if (fn) {
        EnterCriticalSection(&cs);
        st = fn(&cv, &cs, &to);
        LeaveCriticalSection(&cs);
    }
    check("cv_rtl", st == 0x102 /* STATUS_TIMEOUT */);
}

#include "synch_once.h"

#include "synch_kill.h"

int main(int argc, char **argv)
{
    InitializeCriticalSection(&cs);
    if (argc > 1 && !strcmp(argv[1], "kill"))
        return kill_tests();
    srw_counter();
    srw_try();
    srw_readers();
    srw_writer_waits();
    srw_rtl();
    cv_queue();
    cv_timeout();
    cv_wake_counts();
    cv_no_memory();
    cv_shared();
    cv_rtl();
    once_tests();
    wa_tests();
    fls_tests();
    return failures;
}
