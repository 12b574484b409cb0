/* SPDX-License-Identifier: MIT */
/* test_synch.c - slim reader/writer locks, condition variables, one-time initialisation, waits
 * on an address and fiber-local storage (runtime/srw.c, condvar.c, initonce.c, waitaddr.c,
 * fls.c) from C with threads, and from PE code under `winvm run` (synch.exe lists its checks:
 * the same calls through kernel32, ntdll's Rtl* names and the api-ms-win-core-synch API set). */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/synch_int.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(synch, .timeout = 120);

static SRWLOCK lock = SRWLOCK_INIT;
static long counter;

static void *adder(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50000; i++) {
        AcquireSRWLockExclusive(&lock);
        long v = counter;
        if (i % 128 == 0)
            sched_yield();
        counter = v + 1;
        ReleaseSRWLockExclusive(&lock);
    }
    return NULL;
}

Test(synch, srw_exclusive_keeps_a_counter_whole_under_contention)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, adder, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(counter, 200000);
    cr_assert_null(lock.Ptr, "a free lock is the zero word");
}

/* Windows takes an SRWLOCK at any address (Wine's kernel32/tests/sync.c runs its tests on one
 * in a packed struct); Linux's futex refuses a word that is not 4-byte aligned. */
static _Alignas(16) char odd_bytes[32]; /* zero: a free lock at odd_bytes + 1 */
#define ODD_LOCK ((SRWLOCK *)(void *)(odd_bytes + 1))
static long odd_counter;

static void *odd_adder(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        AcquireSRWLockExclusive(ODD_LOCK);
        long v = odd_counter;
        if (i % 64 == 0)
            sched_yield(); /* held while others arrive: they sleep on the word */
        odd_counter = v + 1;
        ReleaseSRWLockExclusive(ODD_LOCK);
    }
    return NULL;
}

Test(synch, srw_lock_at_an_unaligned_address_under_contention, .timeout = 30)
{
    cr_assert((uintptr_t)ODD_LOCK & 3, "the lock's word is not 4-byte aligned");
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, odd_adder, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(odd_counter, 80000);
    void *word;
    memcpy(&word, ODD_LOCK, sizeof(word)); /* no member access: the lock is not aligned */
    cr_assert_null(word, "a free lock is the zero word");
}

Test(synch, srw_try_and_modes)
{
    SRWLOCK l = SRWLOCK_INIT;
    cr_assert(TryAcquireSRWLockShared(&l));
    cr_assert(TryAcquireSRWLockShared(&l), "shared with shared");
    cr_assert_not(TryAcquireSRWLockExclusive(&l));
    ReleaseSRWLockShared(&l);
    ReleaseSRWLockShared(&l);
    cr_assert(TryAcquireSRWLockExclusive(&l));
    cr_assert_not(TryAcquireSRWLockShared(&l));
    ReleaseSRWLockShared(&l); /* not held shared: nothing changes */
    cr_assert_not(TryAcquireSRWLockExclusive(&l));
    ReleaseSRWLockExclusive(&l);
    cr_assert_null(l.Ptr);
}

static CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
static int asleep, woken;

static void *sleeper(void *arg)
{
    (void)arg;
    AcquireSRWLockExclusive(&lock);
    asleep++;
    cr_assert(SleepConditionVariableSRW(&cv, &lock, INFINITE, 0));
    woken++;
    ReleaseSRWLockExclusive(&lock);
    return NULL;
}

Test(synch, wake_condition_variable_wakes_one_wake_all_the_rest)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, sleeper, NULL);
    for (int n = 0; n < 3;) {
        usleep(1000);
        AcquireSRWLockExclusive(&lock);
        n = asleep;
        ReleaseSRWLockExclusive(&lock);
    }
    WakeConditionVariable(&cv);
    usleep(200000);
    AcquireSRWLockExclusive(&lock);
    int one = woken;
    ReleaseSRWLockExclusive(&lock);
    WakeAllConditionVariable(&cv);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(one, 1);
    cr_assert_eq(woken, 3);
    cr_assert_null(cv.Ptr, "nobody inside a sleep");
}

Test(synch, sleep_condition_variable_cs_times_out_holding_the_section)
{
    CRITICAL_SECTION cs;
    CONDITION_VARIABLE c;
    InitializeCriticalSection(&cs);
    InitializeConditionVariable(&c);
    WakeConditionVariable(&c); /* nobody asleep: not kept */
    EnterCriticalSection(&cs);
    SetLastError(0);
    cr_assert_not(SleepConditionVariableCS(&c, &cs, 20));
    cr_assert_eq(GetLastError(), ERROR_TIMEOUT);
    cr_assert_eq(cs.RecursionCount, 1, "entered again");
    LeaveCriticalSection(&cs);
    DeleteCriticalSection(&cs);
}

static BOOL WINAPI init_cb(PINIT_ONCE o, PVOID param, PVOID *ctx)
{
    cr_assert_eq((uintptr_t)o->Ptr, 1);
    *ctx = param;
    return TRUE;
}

Test(synch, init_once_states_and_errors)
{
    INIT_ONCE o = INIT_ONCE_STATIC_INIT;
    void *ctx = NULL;
    BOOL pending;
    cr_assert(InitOnceExecuteOnce(&o, init_cb, (void *)0xfffffff0, &ctx));
    cr_assert_eq((uintptr_t)o.Ptr, 0xfffffff2);
    InitOnceInitialize(&o);
    cr_assert(InitOnceBeginInitialize(&o, INIT_ONCE_ASYNC, &pending, &ctx) && pending);
    cr_assert_eq((uintptr_t)o.Ptr, 3);
    SetLastError(0);
    cr_assert_not(InitOnceBeginInitialize(&o, INIT_ONCE_CHECK_ONLY, &pending, &ctx));
    cr_assert_eq(GetLastError(), ERROR_GEN_FAILURE);
    cr_assert_not(InitOnceComplete(&o, INIT_ONCE_ASYNC, (void *)0xdeadbeef));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert(InitOnceComplete(&o, INIT_ONCE_ASYNC, (void *)0xdeadbee0));
    cr_assert_eq((uintptr_t)o.Ptr, 0xdeadbee2);
    cr_assert_not(InitOnceComplete(&o, INIT_ONCE_ASYNC, NULL), "done already");
    cr_assert_eq(GetLastError(), ERROR_GEN_FAILURE);
    cr_assert_eq(wv_once_begin(&o, INIT_ONCE_CHECK_ONLY, &ctx), STATUS_SUCCESS);
    cr_assert_eq(ctx, (void *)0xdeadbee0);
}

Test(synch, wait_on_address_sizes_timeouts_and_wakes)
{
    uint16_t v = 7, same = 7, other = 8;
    SetLastError(0);
    cr_assert_not(WaitOnAddress(&v, &same, 2, 5));
    cr_assert_eq(GetLastError(), ERROR_TIMEOUT);
    cr_assert(WaitOnAddress(&v, &other, 2, INFINITE), "a different value returns at once");
    cr_assert_not(WaitOnAddress(&v, &same, 16, 0));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_eq(wv_wait_address(&v, &same, 6, 0), STATUS_INVALID_PARAMETER);
    WakeByAddressAll(NULL);
}

static volatile int fls_calls;
static void *fls_last;

static void WINAPI fls_cb(PVOID v)
{
    fls_calls++;
    fls_last = v;
}

static DWORD WINAPI fls_thread(LPVOID arg)
{
    DWORD i = (DWORD)(uintptr_t)arg;
    FlsSetValue(i, (void *)0x77);
    return 0;
}

Test(synch, fls_callback_runs_at_thread_end_and_free)
{
    DWORD i = FlsAlloc(fls_cb);
    cr_assert_neq(i, FLS_OUT_OF_INDEXES);
    cr_assert_neq(i, 0);
    HANDLE t = CreateThread(NULL, 0, fls_thread, (void *)(uintptr_t)i, 0, NULL);
    cr_assert_eq(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
    CloseHandle(t);
    cr_assert_eq(fls_calls, 1);
    cr_assert_eq(fls_last, (void *)0x77);
    cr_assert(FlsSetValue(i, (void *)0x99));
    cr_assert_eq(FlsGetValue(i), (void *)0x99);
    cr_assert(FlsFree(i));
    cr_assert_eq(fls_calls, 2);
    cr_assert_eq(fls_last, (void *)0x99);
    SetLastError(0);
    cr_assert_not(FlsFree(i));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_null(FlsGetValue(FLS_MAXIMUM_AVAILABLE));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
}

/* Runs synch.exe with args under `winvm run`: exit status 0, no FAIL, that many checks. */
static void run_synch(const char *args, int checks)
{
    const char *exe = WINVM_PE_IMAGES "/synch.exe";
    static char out[16384];
    int st = tu_run_pe(NULL, NULL, exe, args, out, sizeof(out));
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    int oks = 0;
    for (const char *p = out; (p = strstr(p, "ok ")); p += 3)
        oks++;
    cr_assert_eq(oks, checks, "%s", out);
}

Test(synch, pe_code_with_threads) { run_synch("", 24); }

Test(synch, terminate_thread_inside_the_waits)
{
#ifdef __SANITIZE_ADDRESS__
    /* As test_thread_kill: ASan cannot follow a thread ended on a stack winvm made. */
    cr_skip_test("AddressSanitizer cannot follow a thread ended on a winvm-made stack");
#endif
    run_synch(" kill", 3);
}
