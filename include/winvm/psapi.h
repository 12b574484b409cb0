/* SPDX-License-Identifier: MIT */
/* winvm/psapi.h - working-set and process-memory queries (psapi.dll; kernel32 exports the same
 * functions as K32QueryWorkingSetEx, K32GetProcessMemoryInfo, K32GetMappedFileNameA/W), and
 * kernel32's GlobalMemoryStatusEx.  Windows' names, types and constant values.  Only the current
 * process can be queried for now; another handle is ERROR_INVALID_HANDLE.
 */
#ifndef WINVM_PSAPI_H
#define WINVM_PSAPI_H

#include <winvm/ntdll.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef MEMORY_WORKING_SET_EX_BLOCK PSAPI_WORKING_SET_EX_BLOCK, *PPSAPI_WORKING_SET_EX_BLOCK;
typedef MEMORY_WORKING_SET_EX_INFORMATION PSAPI_WORKING_SET_EX_INFORMATION, *PPSAPI_WORKING_SET_EX_INFORMATION;

typedef struct _PROCESS_MEMORY_COUNTERS {
    DWORD cb;
    DWORD PageFaultCount;
    SIZE_T PeakWorkingSetSize;
    SIZE_T WorkingSetSize;
    SIZE_T QuotaPeakPagedPoolUsage;
    SIZE_T QuotaPagedPoolUsage;
    SIZE_T QuotaPeakNonPagedPoolUsage;
    SIZE_T QuotaNonPagedPoolUsage;
    SIZE_T PagefileUsage;
    SIZE_T PeakPagefileUsage;
} PROCESS_MEMORY_COUNTERS, *PPROCESS_MEMORY_COUNTERS;

typedef struct _PROCESS_MEMORY_COUNTERS_EX {
    DWORD cb;
    DWORD PageFaultCount;
    SIZE_T PeakWorkingSetSize;
    SIZE_T WorkingSetSize;
    SIZE_T QuotaPeakPagedPoolUsage;
    SIZE_T QuotaPagedPoolUsage;
    SIZE_T QuotaPeakNonPagedPoolUsage;
    SIZE_T QuotaNonPagedPoolUsage;
    SIZE_T PagefileUsage;
    SIZE_T PeakPagefileUsage;
    SIZE_T PrivateUsage;
} PROCESS_MEMORY_COUNTERS_EX, *PPROCESS_MEMORY_COUNTERS_EX;

typedef unsigned long long DWORDLONG;
typedef struct _MEMORYSTATUSEX {
    DWORD dwLength;
    DWORD dwMemoryLoad;
    DWORDLONG ullTotalPhys;
    DWORDLONG ullAvailPhys;
    DWORDLONG ullTotalPageFile;
    DWORDLONG ullAvailPageFile;
    DWORDLONG ullTotalVirtual;
    DWORDLONG ullAvailVirtual;
    DWORDLONG ullAvailExtendedVirtual;
} MEMORYSTATUSEX, *LPMEMORYSTATUSEX;

/* Fills pv's entries (cb bytes of PSAPI_WORKING_SET_EX_INFORMATION, each naming its address)
 * with the pages' attributes; see src/mm/wset.c for how each field is read on Linux. */
WINBASEAPI BOOL WINAPI QueryWorkingSetEx(HANDLE hProcess, PVOID pv, DWORD cb);
/* From /proc/self/status and /proc/self/stat: working set = resident set, its peak = VmHWM,
 * PagefileUsage = PrivateUsage = private writable memory (VmData, what Linux charges to the
 * commit limit), its peak the highest value read so far in this process; the quota pools are 0
 * (Linux has no such pools). */
WINBASEAPI BOOL WINAPI GetProcessMemoryInfo(HANDLE Process, PPROCESS_MEMORY_COUNTERS ppsmemCounters, DWORD cb);
/* The file behind a view of a file or an image, as an NT device path: the Linux path under
 * \Device\HarddiskVolume1, '/' as '\'.  Truncated names are cut and terminated, returning nSize. */
WINBASEAPI DWORD WINAPI GetMappedFileNameW(HANDLE hProcess, LPVOID lpv, LPWSTR lpFilename, DWORD nSize);
WINBASEAPI DWORD WINAPI GetMappedFileNameA(HANDLE hProcess, LPVOID lpv, LPSTR lpFilename, DWORD nSize);
/* kernel32: from /proc/meminfo.  The page file is RAM plus swap (total and available). */
WINBASEAPI BOOL WINAPI GlobalMemoryStatusEx(LPMEMORYSTATUSEX lpBuffer);

/* QueryWorkingSet's buffer: one block per resident page (winvm/ntsection.h). */
typedef MEMORY_WORKING_SET_BLOCK PSAPI_WORKING_SET_BLOCK, *PPSAPI_WORKING_SET_BLOCK;
typedef MEMORY_WORKING_SET_INFORMATION PSAPI_WORKING_SET_INFORMATION, *PPSAPI_WORKING_SET_INFORMATION;

/* Counts in pages, from /proc/meminfo: CommitTotal = Committed_AS, CommitLimit = CommitLimit,
 * CommitPeak the highest CommitTotal read so far in this process, SystemCache = Cached,
 * KernelPaged = SReclaimable, KernelNonpaged = SUnreclaim + KernelStack + PageTables; the
 * system's processes, threads and open files from /proc. */
typedef struct _PERFORMANCE_INFORMATION {
    DWORD cb;
    SIZE_T CommitTotal;
    SIZE_T CommitLimit;
    SIZE_T CommitPeak;
    SIZE_T PhysicalTotal;
    SIZE_T PhysicalAvailable;
    SIZE_T SystemCache;
    SIZE_T KernelTotal;
    SIZE_T KernelPaged;
    SIZE_T KernelNonpaged;
    SIZE_T PageSize;
    DWORD HandleCount;
    DWORD ProcessCount;
    DWORD ThreadCount;
} PERFORMANCE_INFORMATION, *PPERFORMANCE_INFORMATION;

/* Every resident, accessible page of the process (NtQueryVirtualMemory's
 * MemoryWorkingSetInformation): a buffer too small is ERROR_BAD_LENGTH with NumberOfEntries
 * set to the count. */
WINBASEAPI BOOL WINAPI QueryWorkingSet(HANDLE hProcess, PVOID pv, DWORD cb);
/* The process's resident pages offered to the kernel for reclaim (MADV_PAGEOUT; see
 * src/mm/trim.c): clean file pages leave memory, anonymous ones only where there is swap. */
WINBASEAPI BOOL WINAPI EmptyWorkingSet(HANDLE hProcess);
WINBASEAPI BOOL WINAPI GetPerformanceInfo(PPERFORMANCE_INFORMATION pPerformanceInformation, DWORD cb);

/* The working-set watch (src/mm/wswatch.c, docs/wswatch.md): a record per page fault that
 * brings a page of winvm's memory into the working set.  FaultingVa is the page, its low bit
 * set for a soft fault (no read from disk); the terminating entry has FaultingPc NULL and
 * FaultingVa the number of records lost when more faults came than the buffer holds. */
typedef struct _PSAPI_WS_WATCH_INFORMATION {
    LPVOID FaultingPc;
    LPVOID FaultingVa;
} PSAPI_WS_WATCH_INFORMATION, *PPSAPI_WS_WATCH_INFORMATION;

typedef struct _PSAPI_WS_WATCH_INFORMATION_EX {
    PSAPI_WS_WATCH_INFORMATION BasicInfo;
    ULONG_PTR FaultingThreadId;
    ULONG_PTR Flags; /* reserved: 0 */
} PSAPI_WS_WATCH_INFORMATION_EX, *PPSAPI_WS_WATCH_INFORMATION_EX;

/* Starts the watch of the process (this process only: another one is ERROR_NOT_SUPPORTED).
 * A second call changes nothing and succeeds; so does a handle without
 * PROCESS_SET_INFORMATION, which starts nothing (psapi's rule). */
WINBASEAPI BOOL WINAPI InitializeProcessForWsWatch(HANDLE hProcess);
/* The records since the last call, then cleared, ended by a zero FaultingPc.  No watch:
 * ERROR_GEN_FAILURE; nothing new: ERROR_NO_MORE_ITEMS; cb too small for every record and the
 * terminator: ERROR_INSUFFICIENT_BUFFER, the buffer untouched and the records kept. */
WINBASEAPI BOOL WINAPI GetWsChanges(HANDLE hProcess, PPSAPI_WS_WATCH_INFORMATION lpWatchInfo, DWORD cb);
/* The same with the faulting thread; *cb is the buffer's size in bytes, and receives the size
 * of the answer (or, with ERROR_INSUFFICIENT_BUFFER, the size needed). */
WINBASEAPI BOOL WINAPI GetWsChangesEx(HANDLE hProcess, PPSAPI_WS_WATCH_INFORMATION_EX lpWatchInfoEx, PDWORD cb);

#ifdef __cplusplus
}
#endif
#endif /* WINVM_PSAPI_H */
