/* SPDX-License-Identifier: MIT */
/* ntdll_apc.c - NtQueueApcThread, NtTestAlert and NtYieldExecution over the APC queue of
 * apc.c and the host scheduler.  NtQueueApcThread's routine takes three arguments (Windows'
 * PNTAPCFUNC); a PE caller's is ms_abi (wv_nt_NtQueueApcThread, ntdll.c's table).  The
 * routine runs as QueueUserAPC's do: in the thread's next alertable wait, or in NtTestAlert. */
#define _GNU_SOURCE
#include "runtime/thread_int.h"
#include "runtime/nsync.h"
#include "nt/nt.h"
#include "fault/fault.h"
#include <winvm/ntdll.h>

#include <sched.h>
#include <sys/resource.h>

static NTSTATUS wv_nt_queue_apc(HANDLE h, void *fn, ULONG_PTR a1, ULONG_PTR a2, ULONG_PTR a3, bool pe)
{
    DWORD err = wv_apc_queue3(fn, h, a1, pe, true, a2, a3);
    if (err == ERROR_GEN_FAILURE)
        return STATUS_UNSUCCESSFUL; /* the thread has ended (Windows' status, not the table's) */
    return err ? wv_nt_sync_status(err, h) : STATUS_SUCCESS;
}

NTSTATUS NTAPI NtQueueApcThread(HANDLE h, PNTAPCFUNC fn, ULONG_PTR a1, ULONG_PTR a2, ULONG_PTR a3)
{
    return wv_nt_queue_apc(h, (void *)fn, a1, a2, a3, false);
}

WV_MSABI NTSTATUS wv_nt_NtQueueApcThread(HANDLE h, void *fn, ULONG_PTR a1, ULONG_PTR a2, ULONG_PTR a3)
{
    wv_seg_check();
    return wv_nt_queue_apc(h, fn, a1, a2, a3, true);
}

/* The calling thread's queued APCs run now (a thread without an object has none). */
NTSTATUS NTAPI NtTestAlert(void)
{
    struct wv_thread *t = wv_thread_peek();
    if (t && t->tid == GetCurrentThreadId())
        wv_apc_run(t);
    return STATUS_SUCCESS;
}

/* Whether another thread ran is measurable: the calling thread's context switches (the
 * kernel counts the one a yield makes as involuntary) grow only when it gave the CPU up. */
static long wv_switches(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nvcsw + ru.ru_nivcsw : -1;
}

NTSTATUS NTAPI NtYieldExecution(void)
{
    long before = wv_switches();
    sched_yield();
    long after = wv_switches();
    return before >= 0 && after == before ? STATUS_NO_YIELD_PERFORMED : STATUS_SUCCESS;
}
