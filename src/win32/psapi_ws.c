/* SPDX-License-Identifier: MIT */
/* psapi_ws.c - QueryWorkingSet (a thin wrapper over NtQueryVirtualMemory's
 * MemoryWorkingSetInformation, as on Windows), EmptyWorkingSet and GetPerformanceInfo.
 */
#include "nt/nt.h"
#include "winvm/psapi.h"

#include <unistd.h>

BOOL WINAPI QueryWorkingSet(HANDLE process, PVOID pv, DWORD cb)
{
    NTSTATUS st = NtQueryVirtualMemory(process, NULL, MemoryWorkingSetInformation, pv, cb, NULL);
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}

BOOL WINAPI EmptyWorkingSet(HANDLE process)
{
    if (!wv_nt_self(process))
        return wv_fail(ERROR_INVALID_HANDLE);
    wv_fault_attach();
    wv_ws_empty();
    return TRUE;
}

/* The highest commit charge read so far: Linux keeps no peak of it. */
static SIZE_T wv_commit_peak;

BOOL WINAPI GetPerformanceInfo(PPERFORMANCE_INFORMATION out, DWORD cb)
{
    if (cb < sizeof(PERFORMANCE_INFORMATION))
        return wv_fail(ERROR_BAD_LENGTH);
    struct wv_sys_mem m;
    PERFORMANCE_INFORMATION p = {.cb = sizeof(p), .PageSize = WV_PAGE_SIZE};
    if (!wv_sys_memory(&m) || !wv_sys_counts(&p.ProcessCount, &p.ThreadCount, &p.HandleCount))
        return wv_fail(ERROR_ACCESS_DENIED);
    p.CommitTotal = m.committed / WV_PAGE_SIZE;
    p.CommitLimit = m.commit_limit / WV_PAGE_SIZE;
    SIZE_T peak = __atomic_load_n(&wv_commit_peak, __ATOMIC_RELAXED);
    while (p.CommitTotal > peak && !__atomic_compare_exchange_n(&wv_commit_peak, &peak, p.CommitTotal, false,
                                                                __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    p.CommitPeak = p.CommitTotal > peak ? p.CommitTotal : peak;
    p.PhysicalTotal = m.total / WV_PAGE_SIZE;
    p.PhysicalAvailable = m.avail / WV_PAGE_SIZE;
    p.SystemCache = m.cached / WV_PAGE_SIZE;
    p.KernelPaged = m.slab_reclaimable / WV_PAGE_SIZE;
    p.KernelNonpaged = m.kernel_unreclaimable / WV_PAGE_SIZE;
    p.KernelTotal = p.KernelPaged + p.KernelNonpaged;
    return wv_copy(out, &p, sizeof(p)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}
