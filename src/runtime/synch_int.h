/* SPDX-License-Identifier: MIT */
/* synch_int.h - the cores of Windows' slim synchronisation calls (winvm/synch.h), shared by
 * kernel32's names (a BOOL and the last error) and ntdll's Rtl* names (an NTSTATUS, an NT
 * timeout): srw.c, condvar.c, initonce.c, waitaddr.c, fls.c; ntdll's thunks: ntdll_synch.c.
 * Private to runtime/. */
#ifndef WV_RUNTIME_SYNCH_INT_H
#define WV_RUNTIME_SYNCH_INT_H

#include "runtime/runtime.h"
#include <winvm/ntdll.h>

#include <stdbool.h>
#include <stdint.h>

/* ---- srw.c: futex waits every object here sleeps in ---- */
#define WV_FOREVER UINT64_MAX
/* The CLOCK_MONOTONIC time (ns) dwMilliseconds from now; WV_FOREVER for INFINITE. */
uint64_t wv_synch_deadline(DWORD ms);
/* Sleeps while *word holds val, until woken or the deadline: 0 (woken, or the word differed:
 * the caller looks again) or ETIMEDOUT.  Sleeps in slices of 50 ms whose ends are
 * TerminateThread's safe points (docs/threads.md), as critical sections' waits are. */
int wv_futex_wait(uint32_t *word, uint32_t val, uint64_t deadline);
/* One slice of that sleep: 0, ETIMEDOUT, or EINTR (the slice ended, or a signal came): the
 * caller sleeps again after its own safe point. */
int wv_futex_sleep(uint32_t *word, uint32_t val, uint64_t deadline);
/* Wakes up to n sleepers on word (INT32_MAX: all). */
void wv_futex_wake(uint32_t *word, int n);

/* ---- condvar.c: STATUS_SUCCESS, or STATUS_TIMEOUT (the lock is held again either way) ---- */
NTSTATUS wv_cv_sleep_cs(PCONDITION_VARIABLE cv, LPCRITICAL_SECTION cs, DWORD ms);
NTSTATUS wv_cv_sleep_srw(PCONDITION_VARIABLE cv, PSRWLOCK lock, DWORD ms, ULONG flags);

/* ---- initonce.c: RtlRunOnce*'s statuses (STATUS_PENDING: the caller initialises) ---- */
NTSTATUS wv_once_begin(PINIT_ONCE once, ULONG flags, PVOID *ctx);
NTSTATUS wv_once_complete(PINIT_ONCE once, ULONG flags, PVOID ctx);
/* fn is PINIT_ONCE_FN: an ms_abi function when pe (PE code's), a host one otherwise. */
NTSTATUS wv_once_execute(PINIT_ONCE once, void *fn, bool pe, PVOID param, PVOID *ctx);

/* ---- waitaddr.c ---- */
/* STATUS_SUCCESS (woken, or *addr differed from *cmp), STATUS_TIMEOUT, STATUS_INVALID_PARAMETER
 * (a size other than 1, 2, 4, 8). */
NTSTATUS wv_wait_address(const volatile void *addr, const void *cmp, SIZE_T size, DWORD ms);
void wv_wake_address(const void *addr, bool all);
/* Queues the caller on addr (unless cmp is given and *addr differs: STATUS_SUCCESS at once),
 * calls queued(arg) once it is queued (a condition variable's sleeper lets its lock go
 * there), then sleeps until a wake of addr takes it (STATUS_SUCCESS) or ms pass
 * (STATUS_TIMEOUT). */
NTSTATUS wv_addr_wait(const volatile void *addr, const void *cmp, SIZE_T size, void (*queued)(void *), void *arg,
                      DWORD ms);

/* ---- fls.c ---- */
/* cb is PFLS_CALLBACK_FUNCTION, ms_abi when pe; FLS_OUT_OF_INDEXES with *err when none is free. */
DWORD wv_fls_alloc(void *cb, bool pe, DWORD *err);
/* The calling thread ends: when run, every callback runs for its non-NULL values (before
 * DLL_THREAD_DETACH, as on Windows; not for a thread TerminateThread ended), then its values go. */
void wv_fls_thread_end(bool run);
/* A new thread's block, once the process has allocated an FLS index: Windows' threads have
 * theirs from their start then (FlsGetValue in DLL_THREAD_ATTACH: NULL, ERROR_SUCCESS). */
void wv_fls_thread_start(void);
/* After DLL_THREAD_DETACH: the block wv_fls_thread_end(true) left (its callbacks run, off the
 * list: FlsGetValue and FlsSetValue still work in DLL_THREAD_DETACH, as on Windows) is freed. */
void wv_fls_thread_free(void);
/* The cores of FlsFree, FlsGetValue, FlsSetValue (ntdll's RtlFls* too): 0 or the error. */
DWORD wv_fls_free(DWORD i);
DWORD wv_fls_get(DWORD i, void **v);
DWORD wv_fls_set(DWORD i, void *v);
/* RtlProcessFlsData's core on a fiber's block: flags bit 0, out of the list and its callbacks
 * run for its values; bit 1, out of the list and freed; other bits nothing. */
void wv_fls_process(void *block, ULONG flags);

/* ---- ntdll_wait.c: an NT timeout pointer as milliseconds (NULL: INFINITE); 0 or
 * STATUS_ACCESS_VIOLATION. ---- */
NTSTATUS wv_nt_timeout(PLARGE_INTEGER timeout, DWORD *ms);

/* ---- PE code's entries (ms_abi): kernel32's with PE callbacks (initonce.c, fls.c), ntdll's
 * (ntdll_synch.c) ---- */
#define WV_SY_ABI __attribute__((ms_abi, no_stack_protector))
WV_SY_ABI BOOL wv_k32_InitOnceExecuteOnce(PINIT_ONCE o, PINIT_ONCE_FN fn, PVOID param, LPVOID *ctx);
WV_SY_ABI DWORD wv_k32_FlsAlloc(PFLS_CALLBACK_FUNCTION cb);
/* ntdll_resource.c: RTL_RWLOCK */
WV_SY_ABI void wv_nt_RtlInitializeResource(LPRTL_RWLOCK r);
WV_SY_ABI void wv_nt_RtlDeleteResource(LPRTL_RWLOCK r);
WV_SY_ABI void wv_nt_RtlReleaseResource(LPRTL_RWLOCK r);
WV_SY_ABI void wv_nt_RtlDumpResource(LPRTL_RWLOCK r);
WV_SY_ABI BOOLEAN wv_nt_RtlAcquireResourceExclusive(LPRTL_RWLOCK r, BOOLEAN wait);
WV_SY_ABI BOOLEAN wv_nt_RtlAcquireResourceShared(LPRTL_RWLOCK r, BOOLEAN wait);
WV_SY_ABI void wv_nt_RtlInitializeSRWLock(PSRWLOCK l);
WV_SY_ABI void wv_nt_RtlAcquireSRWLockExclusive(PSRWLOCK l);
WV_SY_ABI void wv_nt_RtlAcquireSRWLockShared(PSRWLOCK l);
WV_SY_ABI void wv_nt_RtlReleaseSRWLockExclusive(PSRWLOCK l);
WV_SY_ABI void wv_nt_RtlReleaseSRWLockShared(PSRWLOCK l);
WV_SY_ABI BOOLEAN wv_nt_RtlTryAcquireSRWLockExclusive(PSRWLOCK l);
WV_SY_ABI BOOLEAN wv_nt_RtlTryAcquireSRWLockShared(PSRWLOCK l);
WV_SY_ABI void wv_nt_RtlInitializeConditionVariable(PCONDITION_VARIABLE cv);
WV_SY_ABI void wv_nt_RtlWakeConditionVariable(PCONDITION_VARIABLE cv);
WV_SY_ABI void wv_nt_RtlWakeAllConditionVariable(PCONDITION_VARIABLE cv);
WV_SY_ABI NTSTATUS wv_nt_RtlSleepConditionVariableCS(PCONDITION_VARIABLE cv, LPCRITICAL_SECTION cs,
                                                     PLARGE_INTEGER timeout);
WV_SY_ABI NTSTATUS wv_nt_RtlSleepConditionVariableSRW(PCONDITION_VARIABLE cv, PSRWLOCK l, PLARGE_INTEGER timeout,
                                                      ULONG flags);
WV_SY_ABI void wv_nt_RtlRunOnceInitialize(PINIT_ONCE o);
WV_SY_ABI NTSTATUS wv_nt_RtlRunOnceBeginInitialize(PINIT_ONCE o, ULONG flags, PVOID *ctx);
WV_SY_ABI NTSTATUS wv_nt_RtlRunOnceComplete(PINIT_ONCE o, ULONG flags, PVOID ctx);
WV_SY_ABI NTSTATUS wv_nt_RtlRunOnceExecuteOnce(PINIT_ONCE o, void *fn, PVOID param, PVOID *ctx);
WV_SY_ABI NTSTATUS wv_nt_RtlWaitOnAddress(const volatile void *addr, const void *cmp, SIZE_T size,
                                          PLARGE_INTEGER timeout);
WV_SY_ABI void wv_nt_RtlWakeAddressSingle(const void *addr);
WV_SY_ABI void wv_nt_RtlWakeAddressAll(const void *addr);
/* slist.c: kernel32's and ntdll's names of the SList calls */
/* local_obj.c: the process-local kinds that may have a name (keyed events, I/O completion
 * ports, job objects).  wv_local_name_hold holds a name in the per-user store every named
 * object shares (lk: the namespace lock's token): the descriptor, or -1 and *st. */
int wv_local_name_hold(int lk, const char *name, uint32_t magic, NTSTATUS *st);
struct wv_local_kind {
    pthread_mutex_t *lock;                        /* guards the kind's list of named objects */
    struct wv_object *(*find)(const char *name); /* lock held: the named one, a new reference, or NULL */
    /* Both locks held: a new object named name (NULL: none), listed and its name held; NULL and *st if not. */
    struct wv_object *(*make)(int lk, const char *name, void *arg, NTSTATUS *st);
    int kind;                                    /* its handles' rights: ob/access.c's mapping */
    ACCESS_MASK open_rights;                     /* nonzero: an open asking for none, or others, is refused */
};
/* NtCreate<kind> (create true) or NtOpen<kind>: the handle in *out and the status, arg handed
 * to make. */
NTSTATUS wv_local_make(const struct wv_local_kind *k, PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa,
                       bool create, void *arg);

#include <winvm/slist.h>
WV_SY_ABI void wv_sl_InitializeSListHead(PSLIST_HEADER h);
WV_SY_ABI PSLIST_ENTRY wv_sl_InterlockedPushEntrySList(PSLIST_HEADER h, PSLIST_ENTRY e);
WV_SY_ABI PSLIST_ENTRY wv_sl_InterlockedPopEntrySList(PSLIST_HEADER h);
WV_SY_ABI PSLIST_ENTRY wv_sl_InterlockedFlushSList(PSLIST_HEADER h);
WV_SY_ABI USHORT wv_sl_QueryDepthSList(PSLIST_HEADER h);
WV_SY_ABI PSLIST_ENTRY wv_sl_InterlockedPushListSListEx(PSLIST_HEADER h, PSLIST_ENTRY first, PSLIST_ENTRY last,
                                                        ULONG count);
WV_SY_ABI PSLIST_ENTRY wv_sl_RtlFirstEntrySList(const SLIST_HEADER *h);

#endif
