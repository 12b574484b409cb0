/* SPDX-License-Identifier: MIT */
/* condvar.c - condition variables (SleepConditionVariableCS/SRW, WakeConditionVariable,
 * WakeAllConditionVariable; ntdll's RtlSleepConditionVariable* with NT timeouts and statuses:
 * ntdll_synch.c).
 *
 * A CONDITION_VARIABLE is one pointer-sized word the program owns, zero at first
 * (CONDITION_VARIABLE_INIT): the number of threads inside a sleep on it.  A sleeper counts
 * itself in and queues itself on the variable's address (waitaddr.c's queues) while it still
 * holds its lock, and only then releases the lock and sleeps: a waker that changed the state
 * under the lock and then wakes finds it queued, so no wake is lost.  WakeConditionVariable
 * takes the oldest sleeper out of the queue and wakes exactly that one, WakeAllConditionVariable
 * every one queued; a wake with nobody inside a sleep is a no-op (no lock, no system call), and
 * no later sleeper sees it, as on Windows.  Timed out, the sleeper takes itself out of the
 * queue, takes its lock again and reports STATUS_TIMEOUT (kernel32: FALSE, ERROR_TIMEOUT).
 *
 * Critical sections are winvm's recursive host mutexes (k32_crt.c): the sleep leaves and enters
 * the section through LeaveCriticalSection and EnterCriticalSection, so their owner fields and
 * waits (TerminateThread's safe points) stay theirs.  Like Windows, it releases one level of a
 * recursively held section. */
#include "runtime/synch_int.h"

static uint64_t *wv_cv_word(PCONDITION_VARIABLE cv) { return (uint64_t *)&cv->Ptr; }

/* The lock a sleep gives up and takes back. */
struct wv_cv_lock {
    LPCRITICAL_SECTION cs;
    PSRWLOCK srw;
    bool shared;
};

/* Called once the sleeper is queued (wv_addr_wait). */
static void wv_cv_unlock(void *arg)
{
    const struct wv_cv_lock *l = arg;
    if (l->cs)
        LeaveCriticalSection(l->cs);
    else if (l->shared)
        ReleaseSRWLockShared(l->srw);
    else
        ReleaseSRWLockExclusive(l->srw);
}

static void wv_cv_relock(const struct wv_cv_lock *l)
{
    if (l->cs)
        EnterCriticalSection(l->cs);
    else if (l->shared)
        AcquireSRWLockShared(l->srw);
    else
        AcquireSRWLockExclusive(l->srw);
}

static NTSTATUS wv_cv_sleep(PCONDITION_VARIABLE cv, struct wv_cv_lock *l, DWORD ms)
{
    uint64_t *w = wv_cv_word(cv);
    __atomic_add_fetch(w, 1, __ATOMIC_SEQ_CST);
    NTSTATUS st = wv_addr_wait(&cv->Ptr, NULL, 0, wv_cv_unlock, l, ms);
    __atomic_sub_fetch(w, 1, __ATOMIC_SEQ_CST);
    wv_cv_relock(l);
    return st;
}

NTSTATUS wv_cv_sleep_cs(PCONDITION_VARIABLE cv, LPCRITICAL_SECTION cs, DWORD ms)
{
    struct wv_cv_lock l = {cs, NULL, false};
    return wv_cv_sleep(cv, &l, ms);
}

NTSTATUS wv_cv_sleep_srw(PCONDITION_VARIABLE cv, PSRWLOCK lock, DWORD ms, ULONG flags)
{
    struct wv_cv_lock l = {NULL, lock, (flags & CONDITION_VARIABLE_LOCKMODE_SHARED) != 0};
    return wv_cv_sleep(cv, &l, ms);
}

static void wv_cv_wake(PCONDITION_VARIABLE cv, bool all)
{
    if (__atomic_load_n(wv_cv_word(cv), __ATOMIC_SEQ_CST)) /* nobody inside a sleep: nothing to do */
        wv_wake_address(&cv->Ptr, all);
}

void WINAPI InitializeConditionVariable(PCONDITION_VARIABLE cv) { cv->Ptr = NULL; }
void WINAPI WakeConditionVariable(PCONDITION_VARIABLE cv) { wv_cv_wake(cv, false); }
void WINAPI WakeAllConditionVariable(PCONDITION_VARIABLE cv) { wv_cv_wake(cv, true); }

BOOL WINAPI SleepConditionVariableCS(PCONDITION_VARIABLE cv, LPCRITICAL_SECTION cs, DWORD ms)
{
    return wv_cv_sleep_cs(cv, cs, ms) ? wv_fail(ERROR_TIMEOUT) : TRUE;
}

BOOL WINAPI SleepConditionVariableSRW(PCONDITION_VARIABLE cv, PSRWLOCK lock, DWORD ms, ULONG flags)
{
    return wv_cv_sleep_srw(cv, lock, ms, flags) ? wv_fail(ERROR_TIMEOUT) : TRUE;
}
