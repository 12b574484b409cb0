/* SPDX-License-Identifier: MIT */
/* winvm/synch.h - the lock-free-until-contended synchronisation calls of Windows Vista and
 * later: slim reader/writer locks, condition variables, one-time initialisation, waits on an
 * address, fiber-local storage (docs/semantics.md, "Slim locks, condition variables, ...").
 * Each object is one pointer-sized word the program owns: nothing is allocated per object. */
#ifndef WINVM_SYNCH_H
#define WINVM_SYNCH_H

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ERROR_TIMEOUT
#define ERROR_TIMEOUT 1460L
#endif

/* ---- slim reader/writer locks (runtime/srw.c) ---- */
typedef struct _RTL_SRWLOCK {
    PVOID Ptr;
} RTL_SRWLOCK, SRWLOCK, *PRTL_SRWLOCK, *PSRWLOCK;
#define RTL_SRWLOCK_INIT {0}
#define SRWLOCK_INIT RTL_SRWLOCK_INIT
WINBASEAPI void WINAPI InitializeSRWLock(PSRWLOCK SRWLock);
WINBASEAPI void WINAPI AcquireSRWLockExclusive(PSRWLOCK SRWLock);
WINBASEAPI void WINAPI AcquireSRWLockShared(PSRWLOCK SRWLock);
WINBASEAPI void WINAPI ReleaseSRWLockExclusive(PSRWLOCK SRWLock);
WINBASEAPI void WINAPI ReleaseSRWLockShared(PSRWLOCK SRWLock);
WINBASEAPI BOOLEAN WINAPI TryAcquireSRWLockExclusive(PSRWLOCK SRWLock);
WINBASEAPI BOOLEAN WINAPI TryAcquireSRWLockShared(PSRWLOCK SRWLock);

/* ---- condition variables (runtime/condvar.c) ---- */
typedef struct _RTL_CONDITION_VARIABLE {
    PVOID Ptr;
} RTL_CONDITION_VARIABLE, CONDITION_VARIABLE, *PRTL_CONDITION_VARIABLE, *PCONDITION_VARIABLE;
#define RTL_CONDITION_VARIABLE_INIT {0}
#define CONDITION_VARIABLE_INIT RTL_CONDITION_VARIABLE_INIT
#define CONDITION_VARIABLE_LOCKMODE_SHARED 0x1
WINBASEAPI void WINAPI InitializeConditionVariable(PCONDITION_VARIABLE ConditionVariable);
/* FALSE with ERROR_TIMEOUT when dwMilliseconds passed unwoken; the lock is held again either way. */
WINBASEAPI BOOL WINAPI SleepConditionVariableCS(PCONDITION_VARIABLE ConditionVariable,
                                                LPCRITICAL_SECTION CriticalSection, DWORD dwMilliseconds);
WINBASEAPI BOOL WINAPI SleepConditionVariableSRW(PCONDITION_VARIABLE ConditionVariable, PSRWLOCK SRWLock,
                                                 DWORD dwMilliseconds, ULONG Flags);
WINBASEAPI void WINAPI WakeConditionVariable(PCONDITION_VARIABLE ConditionVariable);
WINBASEAPI void WINAPI WakeAllConditionVariable(PCONDITION_VARIABLE ConditionVariable);

/* ---- one-time initialisation (runtime/initonce.c) ---- */
typedef union _RTL_RUN_ONCE {
    PVOID Ptr;
} RTL_RUN_ONCE, INIT_ONCE, *PRTL_RUN_ONCE, *PINIT_ONCE, *LPINIT_ONCE;
#define RTL_RUN_ONCE_INIT {0}
#define INIT_ONCE_STATIC_INIT RTL_RUN_ONCE_INIT
#define INIT_ONCE_CHECK_ONLY 0x00000001
#define INIT_ONCE_ASYNC 0x00000002
#define INIT_ONCE_INIT_FAILED 0x00000004
#define INIT_ONCE_CTX_RESERVED_BITS 2
typedef BOOL(WINAPI *PINIT_ONCE_FN)(PINIT_ONCE InitOnce, PVOID Parameter, PVOID *Context);
WINBASEAPI void WINAPI InitOnceInitialize(PINIT_ONCE InitOnce);
WINBASEAPI BOOL WINAPI InitOnceExecuteOnce(PINIT_ONCE InitOnce, PINIT_ONCE_FN InitFn, PVOID Parameter,
                                           LPVOID *Context);
WINBASEAPI BOOL WINAPI InitOnceBeginInitialize(LPINIT_ONCE lpInitOnce, DWORD dwFlags, PBOOL fPending,
                                               LPVOID *lpContext);
WINBASEAPI BOOL WINAPI InitOnceComplete(LPINIT_ONCE lpInitOnce, DWORD dwFlags, LPVOID lpContext);

/* ---- waits on an address (runtime/waitaddr.c): AddressSize 1, 2, 4 or 8 ---- */
WINBASEAPI BOOL WINAPI WaitOnAddress(volatile void *Address, PVOID CompareAddress, SIZE_T AddressSize,
                                     DWORD dwMilliseconds);
WINBASEAPI void WINAPI WakeByAddressSingle(PVOID Address);
WINBASEAPI void WINAPI WakeByAddressAll(PVOID Address);

/* ---- fiber-local storage (runtime/fls.c) ---- */
#define FLS_OUT_OF_INDEXES ((DWORD)0xFFFFFFFF)
#define FLS_MAXIMUM_AVAILABLE 4080
typedef void(WINAPI *PFLS_CALLBACK_FUNCTION)(PVOID lpFlsData);
WINBASEAPI DWORD WINAPI FlsAlloc(PFLS_CALLBACK_FUNCTION lpCallback);
WINBASEAPI BOOL WINAPI FlsFree(DWORD dwFlsIndex);
WINBASEAPI PVOID WINAPI FlsGetValue(DWORD dwFlsIndex);
WINBASEAPI BOOL WINAPI FlsSetValue(DWORD dwFlsIndex, PVOID lpFlsData);

#ifdef __cplusplus
}
#endif

#endif
