/* SPDX-License-Identifier: MIT */
/* ntdll_synch.c - ntdll's names of the slim synchronisation calls (RtlAcquireSRWLockExclusive,
 * RtlSleepConditionVariableCS, RtlRunOnceExecuteOnce, RtlWaitOnAddress, ...): ms_abi entries
 * over the cores kernel32's names use (srw.c, condvar.c, initonce.c, waitaddr.c), with NTSTATUS
 * results and NT timeouts (NULL forever, negative relative, positive absolute; an unreadable
 * one STATUS_ACCESS_VIOLATION, nothing waited for).  They set no last error.  Listed in
 * ntdll.c's export table. */
#include "runtime/synch_int.h"

/* What every entry does first (runtime/thunk.h). */
#define WV_NT_SYNCH(ret) WV_SY_ABI ret
#define WV_ENTER() wv_seg_check()

WV_NT_SYNCH(void) wv_nt_RtlInitializeSRWLock(PSRWLOCK l) { WV_ENTER(), InitializeSRWLock(l); }
WV_NT_SYNCH(void) wv_nt_RtlAcquireSRWLockExclusive(PSRWLOCK l) { WV_ENTER(), AcquireSRWLockExclusive(l); }
WV_NT_SYNCH(void) wv_nt_RtlAcquireSRWLockShared(PSRWLOCK l) { WV_ENTER(), AcquireSRWLockShared(l); }
WV_NT_SYNCH(void) wv_nt_RtlReleaseSRWLockExclusive(PSRWLOCK l) { WV_ENTER(), ReleaseSRWLockExclusive(l); }
WV_NT_SYNCH(void) wv_nt_RtlReleaseSRWLockShared(PSRWLOCK l) { WV_ENTER(), ReleaseSRWLockShared(l); }
WV_NT_SYNCH(BOOLEAN) wv_nt_RtlTryAcquireSRWLockExclusive(PSRWLOCK l)
{
    WV_ENTER();
    return TryAcquireSRWLockExclusive(l);
}
WV_NT_SYNCH(BOOLEAN) wv_nt_RtlTryAcquireSRWLockShared(PSRWLOCK l)
{
    WV_ENTER();
    return TryAcquireSRWLockShared(l);
}

WV_NT_SYNCH(void) wv_nt_RtlInitializeConditionVariable(PCONDITION_VARIABLE cv) { cv->Ptr = NULL; }
WV_NT_SYNCH(void) wv_nt_RtlWakeConditionVariable(PCONDITION_VARIABLE cv) { WV_ENTER(), WakeConditionVariable(cv); }
WV_NT_SYNCH(void) wv_nt_RtlWakeAllConditionVariable(PCONDITION_VARIABLE cv)
{
    WV_ENTER(), WakeAllConditionVariable(cv);
}
WV_NT_SYNCH(NTSTATUS) wv_nt_RtlSleepConditionVariableCS(PCONDITION_VARIABLE cv, LPCRITICAL_SECTION cs,
                                                        PLARGE_INTEGER timeout)
{
    DWORD ms;
    WV_ENTER();
    NTSTATUS st = wv_nt_timeout(timeout, &ms);
    return st ? st : wv_cv_sleep_cs(cv, cs, ms);
}
WV_NT_SYNCH(NTSTATUS) wv_nt_RtlSleepConditionVariableSRW(PCONDITION_VARIABLE cv, PSRWLOCK l, PLARGE_INTEGER timeout,
                                                         ULONG flags)
{
    DWORD ms;
    WV_ENTER();
    NTSTATUS st = wv_nt_timeout(timeout, &ms);
    return st ? st : wv_cv_sleep_srw(cv, l, ms, flags);
}

WV_NT_SYNCH(void) wv_nt_RtlRunOnceInitialize(PINIT_ONCE o) { InitOnceInitialize(o); }
WV_NT_SYNCH(NTSTATUS) wv_nt_RtlRunOnceBeginInitialize(PINIT_ONCE o, ULONG flags, PVOID *ctx)
{
    WV_ENTER();
    return wv_once_begin(o, flags, ctx);
}
WV_NT_SYNCH(NTSTATUS) wv_nt_RtlRunOnceComplete(PINIT_ONCE o, ULONG flags, PVOID ctx)
{
    WV_ENTER();
    return wv_once_complete(o, flags, ctx);
}
/* fn: PRTL_RUN_ONCE_INIT_FN, PE code's (ms_abi), nonzero for success. */
WV_NT_SYNCH(NTSTATUS) wv_nt_RtlRunOnceExecuteOnce(PINIT_ONCE o, void *fn, PVOID param, PVOID *ctx)
{
    WV_ENTER();
    return wv_once_execute(o, fn, true, param, ctx);
}

WV_NT_SYNCH(NTSTATUS) wv_nt_RtlWaitOnAddress(const volatile void *addr, const void *cmp, SIZE_T size,
                                             PLARGE_INTEGER timeout)
{
    DWORD ms;
    WV_ENTER();
    NTSTATUS st = wv_nt_timeout(timeout, &ms);
    return st ? st : wv_wait_address(addr, cmp, size, ms);
}
WV_NT_SYNCH(void) wv_nt_RtlWakeAddressSingle(const void *addr) { WV_ENTER(), wv_wake_address(addr, false); }
WV_NT_SYNCH(void) wv_nt_RtlWakeAddressAll(const void *addr) { WV_ENTER(), wv_wake_address(addr, true); }
