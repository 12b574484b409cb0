/* SPDX-License-Identifier: MIT */
/* psapi_ws.c - QueryWorkingSet (a thin wrapper over NtQueryVirtualMemory's
 * MemoryWorkingSetInformation, as on Windows), EmptyWorkingSet and GetPerformanceInfo.
 */
#include "nt/nt.h"
#include "winvm/psapi.h"
#include "winvm/ntsysinfo.h"

#include <stdlib.h>
#include <unistd.h>

BOOL WINAPI QueryWorkingSet(HANDLE process, PVOID pv, DWORD cb)
{
    NTSTATUS st = NtQueryVirtualMemory(process, NULL, MemoryWorkingSetInformation, pv, cb, NULL);
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}

BOOL WINAPI EmptyWorkingSet(HANDLE process)
{
    NTSTATUS st = wv_nt_this(process, PROCESS_SET_QUOTA, 0); /* SetProcessWorkingSetSize's right */
    if (st)
        return wv_fail(RtlNtStatusToDosError(st));
    wv_fault_attach();
    wv_ws_empty();
    return TRUE;
}

/* The processes, their threads and their handles, summed over the process list as Windows
 * counts them.  False when the list cannot be had. */
static bool wv_perf_counts(PERFORMANCE_INFORMATION *p)
{
    ULONG need = 0;
    NTSTATUS st = NtQuerySystemInformation(SystemProcessInformation, NULL, 0, &need);
    char *buf = NULL;
    for (int tries = 0; st == STATUS_INFO_LENGTH_MISMATCH && tries < 8; tries++) {
        free(buf);
        need += 65536; /* processes may start meanwhile */
        if (!(buf = malloc(need)))
            return false;
        st = NtQuerySystemInformation(SystemProcessInformation, buf, need, &need);
    }
    if (st) {
        free(buf);
        return false;
    }
    for (const SYSTEM_PROCESS_INFORMATION *e = (void *)buf;; e = (const void *)((const char *)e + e->NextEntryOffset)) {
        p->ProcessCount++;
        p->ThreadCount += e->NumberOfThreads;
        p->HandleCount += e->HandleCount;
        if (!e->NextEntryOffset)
            break;
    }
    free(buf);
    return true;
}

/* Built on NtQuerySystemInformation, as on Windows: the two agree (nt/sysinfo.c says where
 * each counter comes from). */
BOOL WINAPI GetPerformanceInfo(PPERFORMANCE_INFORMATION out, DWORD cb)
{
    if (cb < sizeof(PERFORMANCE_INFORMATION))
        return wv_fail(ERROR_BAD_LENGTH);
    SYSTEM_BASIC_INFORMATION b;
    SYSTEM_PERFORMANCE_INFORMATION s;
    PERFORMANCE_INFORMATION p = {.cb = sizeof(p)};
    if (NtQuerySystemInformation(SystemBasicInformation, &b, sizeof(b), NULL) ||
        NtQuerySystemInformation(SystemPerformanceInformation, &s, sizeof(s), NULL) ||
        !wv_perf_counts(&p))
        return wv_fail(ERROR_ACCESS_DENIED);
    p.PageSize = b.PageSize;
    p.PhysicalTotal = b.NumberOfPhysicalPages;
    p.CommitTotal = s.CommittedPages;
    p.CommitLimit = s.CommitLimit;
    p.CommitPeak = s.PeakCommitment;
    p.PhysicalAvailable = s.AvailablePages;
    p.SystemCache = s.ResidentSystemCachePage;
    p.KernelPaged = s.PagedPoolPages;
    p.KernelNonpaged = s.NonPagedPoolPages;
    p.KernelTotal = p.KernelPaged + p.KernelNonpaged;
    return wv_copy(out, &p, sizeof(p)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}
