/* SPDX-License-Identifier: MIT */
/* winvm/ntdll.h - the NT memory calls of ntdll.dll, for C callers.
 *
 * Names, types, constant values and statuses are Windows' (winternl.h, ntstatus.h, the DDK), so
 * code written against ntdll compiles unchanged.  Every call takes a process handle: only the
 * current process (NtCurrentProcess(), (HANDLE)-1) is accepted; any other handle is
 * STATUS_INVALID_HANDLE.  Bad pointers to arguments or results are STATUS_ACCESS_VIOLATION,
 * never a crash.  A call that fails changes nothing.
 */
#ifndef WINVM_NTDLL_H
#define WINVM_NTDLL_H

#include <winvm.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef NTAPI
#define NTAPI
#endif
#ifndef NTSYSAPI
#define NTSYSAPI __attribute__((visibility("default")))
#endif

typedef LONG NTSTATUS;
typedef ULONG *PULONG;
#define NT_SUCCESS(s) ((NTSTATUS)(s) >= 0)
#define NtCurrentProcess() ((HANDLE)(LONG_PTR)-1)

/* ---- statuses (ntstatus.h); winvm.h defines the exception codes among them ---- */
#define STATUS_SUCCESS ((NTSTATUS)0x00000000)
#define STATUS_WAIT_0 ((NTSTATUS)0x00000000)
#define STATUS_ABANDONED_WAIT_0 ((NTSTATUS)0x00000080)
#define STATUS_USER_APC ((NTSTATUS)0x000000C0)
#define STATUS_TIMEOUT ((NTSTATUS)0x00000102)
#ifndef STATUS_IMAGE_NOT_AT_BASE /* winvm's PE header has it too */
#define STATUS_IMAGE_NOT_AT_BASE ((NTSTATUS)0x40000003)
#endif
#define STATUS_IMAGE_MACHINE_TYPE_MISMATCH ((NTSTATUS)0x4000000E) /* mapped: another machine's code */
#define STATUS_WAS_UNLOCKED ((NTSTATUS)0x40000017)
#define STATUS_WAS_LOCKED ((NTSTATUS)0x40000019)
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005)
#define STATUS_PARTIAL_COPY ((NTSTATUS)0x8000000D)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002)
#define STATUS_INVALID_INFO_CLASS ((NTSTATUS)0xC0000003)
#define STATUS_INFO_LENGTH_MISMATCH ((NTSTATUS)0xC0000004)
#ifndef STATUS_NO_CALLBACK_ACTIVE
#define STATUS_NO_CALLBACK_ACTIVE ((NTSTATUS)0xC0000258) /* NtCallbackReturn outside a callback */
#endif
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000D)
#define STATUS_CONFLICTING_ADDRESSES ((NTSTATUS)0xC0000018)
#define STATUS_NOT_MAPPED_VIEW ((NTSTATUS)0xC0000019)
#define STATUS_UNABLE_TO_FREE_VM ((NTSTATUS)0xC000001A)
#define STATUS_UNABLE_TO_DELETE_SECTION ((NTSTATUS)0xC000001B)
#define STATUS_INVALID_VIEW_SIZE ((NTSTATUS)0xC000001F)
#define STATUS_ALREADY_COMMITTED ((NTSTATUS)0xC0000021)
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022)
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023)
#define STATUS_NOT_LOCKED ((NTSTATUS)0xC000002A)
#define STATUS_UNABLE_TO_DECOMMIT_VM ((NTSTATUS)0xC000002C)
#define STATUS_NOT_COMMITTED ((NTSTATUS)0xC000002D)
#define STATUS_INVALID_PAGE_PROTECTION ((NTSTATUS)0xC0000045)
#define STATUS_SUSPEND_COUNT_EXCEEDED ((NTSTATUS)0xC000004A)
#define STATUS_THREAD_IS_TERMINATING ((NTSTATUS)0xC000004B)
#define STATUS_SECTION_PROTECTION ((NTSTATUS)0xC000004E)
#define STATUS_PRIVILEGE_NOT_HELD ((NTSTATUS)0xC0000061)
#define STATUS_NOT_MAPPED_DATA ((NTSTATUS)0xC0000088)
#define STATUS_FILE_INVALID ((NTSTATUS)0xC0000098)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009A)
#define STATUS_FREE_VM_NOT_AT_BASE ((NTSTATUS)0xC000009F)
#define STATUS_MEMORY_NOT_ALLOCATED ((NTSTATUS)0xC00000A0)
#define STATUS_WORKING_SET_QUOTA ((NTSTATUS)0xC00000A1)
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BB)
#define STATUS_PROCESS_IS_TERMINATING ((NTSTATUS)0xC000010A)
#define STATUS_INVALID_PARAMETER_1 ((NTSTATUS)0xC00000EF)
#define STATUS_INVALID_PARAMETER_2 ((NTSTATUS)0xC00000F0)
#define STATUS_INVALID_PARAMETER_3 ((NTSTATUS)0xC00000F1)
#define STATUS_INVALID_PARAMETER_4 ((NTSTATUS)0xC00000F2)
#define STATUS_INVALID_PARAMETER_5 ((NTSTATUS)0xC00000F3)
#define STATUS_INVALID_PARAMETER_6 ((NTSTATUS)0xC00000F4)
#define STATUS_INVALID_PARAMETER_7 ((NTSTATUS)0xC00000F5)
#define STATUS_INVALID_PARAMETER_8 ((NTSTATUS)0xC00000F6)
#define STATUS_DLL_NOT_FOUND ((NTSTATUS)0xC0000135)
#define STATUS_INVALID_PARAMETER_9 ((NTSTATUS)0xC00000F7)
#define STATUS_INVALID_PARAMETER_10 ((NTSTATUS)0xC00000F8)
#define STATUS_INVALID_PARAMETER_11 ((NTSTATUS)0xC00000F9)
#define STATUS_INVALID_PARAMETER_12 ((NTSTATUS)0xC00000FA)
#define STATUS_COMMITMENT_LIMIT ((NTSTATUS)0xC000012D)
#define STATUS_INVALID_ADDRESS ((NTSTATUS)0xC0000141)
#define STATUS_MAPPED_ALIGNMENT ((NTSTATUS)0xC0000220)

/* Win32 errors the NT statuses map to that winvm.h does not name. */
#define ERROR_GEN_FAILURE 31L
#define ERROR_UNEXP_NET_ERR 59L
#define ERROR_MORE_DATA 234L
#define ERROR_PARTIAL_COPY 299L
#define ERROR_MR_MID_NOT_FOUND 317L
#define ERROR_WAS_UNLOCKED 715L
#define ERROR_WAS_LOCKED 717L
#define ERROR_NO_SYSTEM_RESOURCES 1450L

/* ---- flags ---- */
#define MEM_RESERVE_PLACEHOLDER 0x00040000
#define MEM_REPLACE_PLACEHOLDER 0x00004000
#define MAP_PROCESS 1
#define MAP_SYSTEM 2

typedef enum _MEMORY_INFORMATION_CLASS {
    MemoryBasicInformation = 0,
    MemoryWorkingSetInformation = 1,
    MemoryMappedFilenameInformation = 2,
    MemoryRegionInformation = 3,
    MemoryWorkingSetExInformation = 4,
    MemorySharedCommitInformation = 5,
    MemoryImageInformation = 6,
} MEMORY_INFORMATION_CLASS;

/* NtSetInformationVirtualMemory's classes (Windows 8+); winvm does VmPrefetchInformation. */
typedef enum _VIRTUAL_MEMORY_INFORMATION_CLASS {
    VmPrefetchInformation = 0,
    VmPagePriorityInformation = 1,
    VmCfgCallTargetInformation = 2,
    VmPageDirtyStateInformation = 3,
    VmImageHotPatchInformation = 4,
    VmPhysicalContiguityInformation = 5,
    VmVirtualMachinePrepopulateInformation = 6,
    VmRemoveFromWorkingSetInformation = 7,
} VIRTUAL_MEMORY_INFORMATION_CLASS;

typedef struct _MEMORY_RANGE_ENTRY {
    PVOID VirtualAddress;
    SIZE_T NumberOfBytes;
} MEMORY_RANGE_ENTRY, *PMEMORY_RANGE_ENTRY;

typedef struct _UNICODE_STRING {
    USHORT Length;        /* bytes, without the terminator */
    USHORT MaximumLength; /* bytes */
    WCHAR *Buffer;
} UNICODE_STRING, *PUNICODE_STRING;

/* An 8-bit counted string (ANSI: winvm's ANSI code page is UTF-8, as for kernel32's A calls). */
typedef struct _STRING {
    USHORT Length;        /* bytes, without the terminator */
    USHORT MaximumLength; /* bytes */
    char *Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING;

/* MemoryMappedFilenameInformation: the name follows the header in the caller's buffer. */
typedef struct _MEMORY_SECTION_NAME {
    UNICODE_STRING SectionFileName;
} MEMORY_SECTION_NAME, *PMEMORY_SECTION_NAME;

/* One page's attributes (64-bit layout).  When Valid is 0 only Shared and Bad mean anything. */
typedef union _MEMORY_WORKING_SET_EX_BLOCK {
    ULONG_PTR Flags;
    struct {
        ULONG_PTR Valid : 1;
        ULONG_PTR ShareCount : 3; /* processes mapping the page, saturating at 7 */
        ULONG_PTR Win32Protection : 11;
        ULONG_PTR Shared : 1;
        ULONG_PTR Node : 6;
        ULONG_PTR Locked : 1;
        ULONG_PTR LargePage : 1;
        ULONG_PTR Reserved : 7;
        ULONG_PTR Bad : 1;
        ULONG_PTR ReservedUlong : 32;
    };
    struct {
        ULONG_PTR Valid : 1;
        ULONG_PTR Reserved0 : 14;
        ULONG_PTR Shared : 1;
        ULONG_PTR Reserved1 : 15;
        ULONG_PTR Bad : 1;
        ULONG_PTR ReservedUlong : 32;
    } Invalid;
} MEMORY_WORKING_SET_EX_BLOCK, *PMEMORY_WORKING_SET_EX_BLOCK;

typedef struct _MEMORY_WORKING_SET_EX_INFORMATION {
    PVOID VirtualAddress;
    MEMORY_WORKING_SET_EX_BLOCK VirtualAttributes;
} MEMORY_WORKING_SET_EX_INFORMATION, *PMEMORY_WORKING_SET_EX_INFORMATION;

/* MemoryRegionInformation: the allocation holding the address.  A buffer reaching at least
 * through RegionSize is enough (older layouts end there). */
typedef struct _MEMORY_REGION_INFORMATION {
    PVOID AllocationBase;
    ULONG AllocationProtect;
    union {
        ULONG RegionType;
        struct {
            ULONG Private : 1;
            ULONG MappedDataFile : 1;
            ULONG MappedImage : 1;
            ULONG MappedPageFile : 1;
            ULONG MappedPhysical : 1;
            ULONG DirectMapped : 1;
            ULONG Reserved : 26;
        };
    };
    SIZE_T RegionSize; /* the whole allocation */
    SIZE_T CommitSize; /* its committed bytes */
    ULONG_PTR PartitionId;
    ULONG_PTR NodePreference;
} MEMORY_REGION_INFORMATION, *PMEMORY_REGION_INFORMATION;

typedef struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

NTSYSAPI ULONG NTAPI RtlNtStatusToDosError(NTSTATUS Status);
/* The version the PEB holds (10.0.19045), whatever the program's manifest: an
 * RTL_OSVERSIONINFOW, or RTL_OSVERSIONINFOEXW when its size field says so. */
NTSYSAPI NTSTATUS NTAPI RtlGetVersion(PRTL_OSVERSIONINFOW lpVersionInformation);

NTSYSAPI NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, ULONG_PTR ZeroBits,
                                                PSIZE_T RegionSize, ULONG AllocationType, ULONG Protect);
NTSYSAPI NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
                                            ULONG FreeType);
NTSYSAPI NTSTATUS NTAPI NtProtectVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
                                               ULONG NewProtect, PULONG OldProtect);
NTSYSAPI NTSTATUS NTAPI NtQueryVirtualMemory(HANDLE ProcessHandle, PVOID BaseAddress,
                                             MEMORY_INFORMATION_CLASS MemoryInformationClass,
                                             PVOID MemoryInformation, SIZE_T MemoryInformationLength,
                                             PSIZE_T ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtLockVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
                                            ULONG MapType);
NTSYSAPI NTSTATUS NTAPI NtUnlockVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
                                              ULONG MapType);
NTSYSAPI NTSTATUS NTAPI NtFlushVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
                                             PIO_STATUS_BLOCK IoStatus);
NTSYSAPI NTSTATUS NTAPI NtGetWriteWatch(HANDLE ProcessHandle, ULONG Flags, PVOID BaseAddress, SIZE_T RegionSize,
                                        PVOID *UserAddressArray, PULONG_PTR EntriesInUserAddressArray,
                                        PULONG Granularity);
NTSYSAPI NTSTATUS NTAPI NtResetWriteWatch(HANDLE ProcessHandle, PVOID BaseAddress, SIZE_T RegionSize);
/* VmPrefetchInformation: VmInformation is a ULONG of flags (0), the ranges are read ahead
 * (madvise MADV_WILLNEED) without entering the working set; this process only. */
NTSYSAPI NTSTATUS NTAPI NtSetInformationVirtualMemory(HANDLE ProcessHandle,
                                                      VIRTUAL_MEMORY_INFORMATION_CLASS VmInformationClass,
                                                      ULONG_PTR NumberOfEntries, PMEMORY_RANGE_ENTRY VirtualAddresses,
                                                      PVOID VmInformation, ULONG VmInformationLength);
/* Another process through a handle with PROCESS_VM_READ (PROCESS_VM_WRITE and _OPERATION to
 * write), else STATUS_ACCESS_DENIED (process_vm_readv/writev: same user only). */
NTSYSAPI NTSTATUS NTAPI NtReadVirtualMemory(HANDLE ProcessHandle, PVOID BaseAddress, PVOID Buffer,
                                            SIZE_T BufferSize, PSIZE_T NumberOfBytesRead);
NTSYSAPI NTSTATUS NTAPI NtWriteVirtualMemory(HANDLE ProcessHandle, PVOID BaseAddress, const void *Buffer,
                                             SIZE_T BufferSize, PSIZE_T NumberOfBytesWritten);

#ifdef __cplusplus
}
#endif
#include <winvm/ntsection.h>
#include <winvm/nttimer.h> /* NtCreateTimer, NtSetTimer, ... */
#include <winvm/ntobdir.h> /* directories, symbolic links, debug objects */
#include <winvm/ntreg.h>   /* NtCreateKey, NtQueryValueKey, ... */
#include <winvm/ntsync.h>  /* NtCreateEvent, NtReleaseMutant, NtDelayExecution, ... */

#endif /* WINVM_NTDLL_H */
