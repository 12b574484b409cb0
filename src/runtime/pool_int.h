/* SPDX-License-Identifier: MIT */
/* pool_int.h - the worker threads callbacks run on (workpool.c) and timer queues' cores
 * (timerq.c), shared with their kernel32 and ntdll entries (timerq_api.c).  Private to
 * runtime/. */
#ifndef WV_RUNTIME_POOL_INT_H
#define WV_RUNTIME_POOL_INT_H

#include "runtime/runtime.h"
#include <winvm/ntdll.h>
#include <winvm/slist.h>

#include <stdbool.h>

/* ---- slist.c: how many pops met a fault reading their first entry's Next (an entry another
 * thread popped and freed) and started over; for tests and diagnostics ---- */
extern unsigned long wv_sl_faults;

/* ---- workpool.c: PE threads (stack, TEB, DLL_THREAD_ATTACH, as CreateThread's) that run
 * queued work; one more is started whenever work waits and no worker is idle ---- */
/* Queues fn(arg): 0, or ERROR_NOT_ENOUGH_MEMORY (nothing queued). */
DWORD wv_pool_submit(void (*fn)(void *), void *arg);
/* The same on the one thread registered waits' WT_EXECUTEINWAITTHREAD callbacks share: they
 * run one after the other. */
DWORD wv_pool_submit_wait(void (*fn)(void *), void *arg);

/* ---- timerq.c: timer queues; every call returns a Win32 error or 0, sets no last error ---- */
/* cb is WAITORTIMERCALLBACK: ms_abi when pe (PE code's), the host convention otherwise. */
DWORD wv_tq_create(HANDLE *out);
DWORD wv_tq_timer_create(HANDLE q, HANDLE *out, void *cb, bool pe, void *arg, DWORD due, DWORD period, ULONG flags);
DWORD wv_tq_timer_change(HANDLE t, DWORD due, DWORD period);
/* event: NULL, INVALID_HANDLE_VALUE (wait for the timer's callbacks), or an event handle set
 * when they are done.  ERROR_IO_PENDING: deleted, a callback still queued or running. */
DWORD wv_tq_timer_delete(HANDLE t, HANDLE event);
/* The same for a queue and all its timers; ERROR_IO_PENDING: callbacks still run (the event,
 * when one is given, is set when they end).  NULL: ERROR_INVALID_HANDLE (the default queue
 * is never deleted). */
DWORD wv_tq_delete(HANDLE q, HANDLE event);

/* ---- timerq_api.c: PE code's entries (ms_abi) ---- */
#define WV_TQ_ABI __attribute__((ms_abi, no_stack_protector))
WV_TQ_ABI BOOL wv_k32_CreateTimerQueueTimer(PHANDLE out, HANDLE q, void *cb, PVOID arg, DWORD due, DWORD period,
                                            ULONG flags);
WV_TQ_ABI NTSTATUS wv_nt_RtlCreateTimerQueue(PHANDLE out);
/* workpool.c */
WV_TQ_ABI BOOL wv_k32_QueueUserWorkItem(void *fn, PVOID arg, ULONG flags);
WV_TQ_ABI NTSTATUS wv_nt_RtlQueueWorkItem(void *fn, PVOID arg, ULONG flags);
/* regwait.c */
WV_TQ_ABI BOOL wv_k32_RegisterWaitForSingleObject(PHANDLE out, HANDLE h, void *cb, PVOID arg, ULONG ms, ULONG flags);
WV_TQ_ABI NTSTATUS wv_nt_RtlRegisterWait(PHANDLE out, HANDLE h, void *cb, PVOID arg, ULONG ms, ULONG flags);
WV_TQ_ABI NTSTATUS wv_nt_RtlDeregisterWaitEx(HANDLE w, HANDLE event);
WV_TQ_ABI NTSTATUS wv_nt_RtlDeregisterWait(HANDLE w);
WV_TQ_ABI NTSTATUS wv_nt_RtlCreateTimer(HANDLE q, PHANDLE out, void *cb, PVOID arg, DWORD due, DWORD period,
                                        ULONG flags);
WV_TQ_ABI NTSTATUS wv_nt_RtlUpdateTimer(HANDLE q, HANDLE t, DWORD due, DWORD period);
WV_TQ_ABI NTSTATUS wv_nt_RtlDeleteTimer(HANDLE q, HANDLE t, HANDLE event);
WV_TQ_ABI NTSTATUS wv_nt_RtlDeleteTimerQueueEx(HANDLE q, HANDLE event);

#endif
