/* SPDX-License-Identifier: MIT */
/* winvm/ntsysinfo.h - NtQuerySystemInformation: the system's basic facts, memory counters,
 * time of day and processes, in Windows' x64 layouts (src/nt/sysinfo.c says where each value
 * comes from on Linux). */
#ifndef WINVM_NTSYSINFO_H
#define WINVM_NTSYSINFO_H

#include <winvm/ntdll.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum _SYSTEM_INFORMATION_CLASS {
    SystemBasicInformation = 0,
    SystemPerformanceInformation = 2,
    SystemTimeOfDayInformation = 3,
    SystemProcessInformation = 5,
    SystemEmulationBasicInformation = 62,
} SYSTEM_INFORMATION_CLASS;

/* SystemBasicInformation and SystemEmulationBasicInformation (the same on x64): the length
 * must be exactly sizeof. */
typedef struct _SYSTEM_BASIC_INFORMATION {
    ULONG Reserved;
    ULONG TimerResolution; /* 100 ns units: 156250 (15.625 ms) */
    ULONG PageSize;
    ULONG NumberOfPhysicalPages;
    ULONG LowestPhysicalPageNumber;
    ULONG HighestPhysicalPageNumber;
    ULONG AllocationGranularity;
    ULONG_PTR MinimumUserModeAddress;
    ULONG_PTR MaximumUserModeAddress;
    ULONG_PTR ActiveProcessorsAffinityMask;
    CHAR NumberOfProcessors;
} SYSTEM_BASIC_INFORMATION, *PSYSTEM_BASIC_INFORMATION;

/* SystemPerformanceInformation: at least up to SystemCalls (312 bytes, the older layout) is
 * enough; counts in pages. */
typedef struct _SYSTEM_PERFORMANCE_INFORMATION {
    LARGE_INTEGER IdleProcessTime;
    LARGE_INTEGER IoReadTransferCount;
    LARGE_INTEGER IoWriteTransferCount;
    LARGE_INTEGER IoOtherTransferCount;
    ULONG IoReadOperationCount;
    ULONG IoWriteOperationCount;
    ULONG IoOtherOperationCount;
    ULONG AvailablePages;
    ULONG CommittedPages;
    ULONG CommitLimit;
    ULONG PeakCommitment;
    ULONG PageFaultCount;
    ULONG CopyOnWriteCount;
    ULONG TransitionCount;
    ULONG CacheTransitionCount;
    ULONG DemandZeroCount;
    ULONG PageReadCount;
    ULONG PageReadIoCount;
    ULONG CacheReadCount;
    ULONG CacheIoCount;
    ULONG DirtyPagesWriteCount;
    ULONG DirtyWriteIoCount;
    ULONG MappedPagesWriteCount;
    ULONG MappedWriteIoCount;
    ULONG PagedPoolPages;
    ULONG NonPagedPoolPages;
    ULONG PagedPoolAllocs;
    ULONG PagedPoolFrees;
    ULONG NonPagedPoolAllocs;
    ULONG NonPagedPoolFrees;
    ULONG FreeSystemPtes;
    ULONG ResidentSystemCodePage;
    ULONG TotalSystemDriverPages;
    ULONG TotalSystemCodePages;
    ULONG NonPagedPoolLookasideHits;
    ULONG PagedPoolLookasideHits;
    ULONG AvailablePagedPoolPages;
    ULONG ResidentSystemCachePage;
    ULONG ResidentPagedPoolPage;
    ULONG ResidentSystemDriverPage;
    ULONG CcFastReadNoWait, CcFastReadWait, CcFastReadResourceMiss, CcFastReadNotPossible;
    ULONG CcFastMdlReadNoWait, CcFastMdlReadWait, CcFastMdlReadResourceMiss, CcFastMdlReadNotPossible;
    ULONG CcMapDataNoWait, CcMapDataWait, CcMapDataNoWaitMiss, CcMapDataWaitMiss;
    ULONG CcPinMappedDataCount, CcPinReadNoWait, CcPinReadWait, CcPinReadNoWaitMiss, CcPinReadWaitMiss;
    ULONG CcCopyReadNoWait, CcCopyReadWait, CcCopyReadNoWaitMiss, CcCopyReadWaitMiss;
    ULONG CcMdlReadNoWait, CcMdlReadWait, CcMdlReadNoWaitMiss, CcMdlReadWaitMiss;
    ULONG CcReadAheadIos, CcLazyWriteIos, CcLazyWritePages, CcDataFlushes, CcDataPages;
    ULONG ContextSwitches;
    ULONG FirstLevelTbFills;
    ULONG SecondLevelTbFills;
    ULONG SystemCalls;
    ULONGLONG CcTotalDirtyPages;
    ULONGLONG CcDirtyPageThreshold;
    LONGLONG ResidentAvailablePages;
    ULONGLONG SharedCommittedPages;
} SYSTEM_PERFORMANCE_INFORMATION, *PSYSTEM_PERFORMANCE_INFORMATION;

/* SystemTimeOfDayInformation: any length up to sizeof gets that much (0 included). */
typedef struct _SYSTEM_TIMEOFDAY_INFORMATION {
    LARGE_INTEGER BootTime;     /* FILETIME units */
    LARGE_INTEGER CurrentTime;
    LARGE_INTEGER TimeZoneBias; /* UTC - local time now, 100 ns units */
    ULONG TimeZoneId;           /* TIME_ZONE_ID_UNKNOWN, _STANDARD or _DAYLIGHT */
    ULONG Reserved;
    ULONGLONG BootTimeBias;
    ULONGLONG SleepTimeBias;
} SYSTEM_TIMEOFDAY_INFORMATION, *PSYSTEM_TIMEOFDAY_INFORMATION;

typedef struct _CLIENT_ID {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

typedef struct _SYSTEM_THREAD_INFORMATION {
    LARGE_INTEGER KernelTime;
    LARGE_INTEGER UserTime;
    LARGE_INTEGER CreateTime;
    ULONG WaitTime;
    PVOID StartAddress;
    CLIENT_ID ClientId;
    LONG Priority;
    LONG BasePriority;
    ULONG ContextSwitches;
    ULONG ThreadState;
    ULONG WaitReason;
} SYSTEM_THREAD_INFORMATION, *PSYSTEM_THREAD_INFORMATION;

/* SystemProcessInformation: one entry per process, NextEntryOffset to the next (0: the last),
 * each followed by NumberOfThreads SYSTEM_THREAD_INFORMATION, then its image name. */
typedef struct _SYSTEM_PROCESS_INFORMATION {
    ULONG NextEntryOffset;
    ULONG NumberOfThreads;
    LARGE_INTEGER WorkingSetPrivateSize;
    ULONG HardFaultCount;
    ULONG NumberOfThreadsHighWatermark;
    ULONGLONG CycleTime;
    LARGE_INTEGER CreateTime;
    LARGE_INTEGER UserTime;
    LARGE_INTEGER KernelTime;
    UNICODE_STRING ImageName;
    LONG BasePriority;
    HANDLE UniqueProcessId;
    HANDLE InheritedFromUniqueProcessId;
    ULONG HandleCount;
    ULONG SessionId;
    ULONG_PTR UniqueProcessKey;
    SIZE_T PeakVirtualSize;
    SIZE_T VirtualSize;
    ULONG PageFaultCount;
    SIZE_T PeakWorkingSetSize;
    SIZE_T WorkingSetSize;
    SIZE_T QuotaPeakPagedPoolUsage;
    SIZE_T QuotaPagedPoolUsage;
    SIZE_T QuotaPeakNonPagedPoolUsage;
    SIZE_T QuotaNonPagedPoolUsage;
    SIZE_T PagefileUsage;
    SIZE_T PeakPagefileUsage;
    SIZE_T PrivatePageCount;
    LARGE_INTEGER ReadOperationCount;
    LARGE_INTEGER WriteOperationCount;
    LARGE_INTEGER OtherOperationCount;
    LARGE_INTEGER ReadTransferCount;
    LARGE_INTEGER WriteTransferCount;
    LARGE_INTEGER OtherTransferCount;
} SYSTEM_PROCESS_INFORMATION, *PSYSTEM_PROCESS_INFORMATION;

/* An unknown class is STATUS_INVALID_INFO_CLASS; a length that does not fit the class is
 * STATUS_INFO_LENGTH_MISMATCH with the length needed in *ReturnLength (when not NULL); a bad
 * buffer or ReturnLength pointer STATUS_ACCESS_VIOLATION. */
NTSYSAPI NTSTATUS NTAPI NtQuerySystemInformation(SYSTEM_INFORMATION_CLASS SystemInformationClass,
                                                 PVOID SystemInformation, ULONG SystemInformationLength,
                                                 PULONG ReturnLength);

#ifdef __cplusplus
}
#endif
#endif /* WINVM_NTSYSINFO_H */
