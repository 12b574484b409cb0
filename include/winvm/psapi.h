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

#ifdef __cplusplus
}
#endif
#endif /* WINVM_PSAPI_H */
