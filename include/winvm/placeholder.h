/* SPDX-License-Identifier: MIT */
/* winvm/placeholder.h - VirtualAlloc2, MapViewOfFile3 and placeholders, with their NT forms
 * (NtAllocateVirtualMemoryEx, NtMapViewOfSectionEx), for C callers.  Names, types and values
 * are Windows' (winnt.h, memoryapi.h).
 *
 * A placeholder (MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS) is a reservation that
 * can be split at any page (VirtualFree with MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER on part of
 * it), coalesced (MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS over two or more whole ones), and
 * replaced whole by a private allocation (VirtualAlloc2 with MEM_RESERVE |
 * MEM_REPLACE_PLACEHOLDER) or a view of a section (MapViewOfFile3 with MEM_REPLACE_PLACEHOLDER);
 * MEM_PRESERVE_PLACEHOLDER gives the placeholder back (VirtualFree of the allocation,
 * UnmapViewOfFile2/UnmapViewOfFileEx of the view).  VirtualQuery reports a placeholder as a
 * MEM_RESERVE, MEM_PRIVATE region with AllocationProtect PAGE_NOACCESS.
 *
 * Only the current process (NULL or GetCurrentProcess()) is accepted.  Extended parameters:
 * MemExtendedParameterAddressRequirements (LowestStartingAddress, HighestEndingAddress,
 * Alignment), MemExtendedParameterNumaNode (node 0, the only node, or NUMA_NO_PREFERRED_NODE)
 * and MemExtendedParameterAttributeFlags 0; the others are STATUS_INVALID_PARAMETER.
 */
#ifndef WINVM_PLACEHOLDER_H
#define WINVM_PLACEHOLDER_H

#include <winvm/ntdll.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned long long DWORD64;
typedef unsigned long long ULONG64;

#ifndef MEM_RESERVE_PLACEHOLDER
#define MEM_RESERVE_PLACEHOLDER 0x00040000
#endif
#ifndef MEM_REPLACE_PLACEHOLDER
#define MEM_REPLACE_PLACEHOLDER 0x00004000
#endif
#define MEM_UNMAP_WITH_TRANSIENT_BOOST 0x00000001
#define MEM_EXTENDED_PARAMETER_TYPE_BITS 8
#define MEM_EXTENDED_PARAMETER_EC_CODE 0x00000040
#define NUMA_NO_PREFERRED_NODE ((DWORD)-1)

typedef enum MEM_EXTENDED_PARAMETER_TYPE {
    MemExtendedParameterInvalidType = 0,
    MemExtendedParameterAddressRequirements,
    MemExtendedParameterNumaNode,
    MemExtendedParameterPartitionHandle,
    MemExtendedParameterUserPhysicalHandle,
    MemExtendedParameterAttributeFlags,
    MemExtendedParameterImageMachine,
    MemExtendedParameterMax
} MEM_EXTENDED_PARAMETER_TYPE, *PMEM_EXTENDED_PARAMETER_TYPE;

typedef struct _MEM_ADDRESS_REQUIREMENTS {
    PVOID LowestStartingAddress;
    PVOID HighestEndingAddress; /* the last byte allowed (a page's end - 1), or NULL */
    SIZE_T Alignment;           /* 0, or a power of two of at least 64 KiB */
} MEM_ADDRESS_REQUIREMENTS, *PMEM_ADDRESS_REQUIREMENTS;

typedef struct __attribute__((aligned(8))) MEM_EXTENDED_PARAMETER {
    struct {
        DWORD64 Type : MEM_EXTENDED_PARAMETER_TYPE_BITS;
        DWORD64 Reserved : 64 - MEM_EXTENDED_PARAMETER_TYPE_BITS;
    };
    union {
        DWORD64 ULong64;
        PVOID Pointer;
        SIZE_T Size;
        HANDLE Handle;
        DWORD ULong;
    };
} MEM_EXTENDED_PARAMETER, *PMEM_EXTENDED_PARAMETER;

/* ---- kernel32 / kernelbase (memoryapi.h) ---- */
WINBASEAPI PVOID WINAPI VirtualAlloc2(HANDLE Process, PVOID BaseAddress, SIZE_T Size, ULONG AllocationType,
                                      ULONG PageProtection, MEM_EXTENDED_PARAMETER *ExtendedParameters,
                                      ULONG ParameterCount);
/* As VirtualAlloc2, refusing executable protections (ERROR_INVALID_PARAMETER). */
WINBASEAPI PVOID WINAPI VirtualAlloc2FromApp(HANDLE Process, PVOID BaseAddress, SIZE_T Size,
                                             ULONG AllocationType, ULONG PageProtection,
                                             MEM_EXTENDED_PARAMETER *ExtendedParameters,
                                             ULONG ParameterCount);
WINBASEAPI PVOID WINAPI MapViewOfFile3(HANDLE FileMapping, HANDLE Process, PVOID BaseAddress, ULONG64 Offset,
                                       SIZE_T ViewSize, ULONG AllocationType, ULONG PageProtection,
                                       MEM_EXTENDED_PARAMETER *ExtendedParameters, ULONG ParameterCount);
WINBASEAPI PVOID WINAPI MapViewOfFile3FromApp(HANDLE FileMapping, HANDLE Process, PVOID BaseAddress,
                                              ULONG64 Offset, SIZE_T ViewSize, ULONG AllocationType,
                                              ULONG PageProtection, MEM_EXTENDED_PARAMETER *ExtendedParameters,
                                              ULONG ParameterCount);
/* UnmapFlags: 0, MEM_PRESERVE_PLACEHOLDER, MEM_UNMAP_WITH_TRANSIENT_BOOST (a scheduling hint). */
WINBASEAPI BOOL WINAPI UnmapViewOfFile2(HANDLE Process, PVOID BaseAddress, ULONG UnmapFlags);
WINBASEAPI BOOL WINAPI UnmapViewOfFileEx(PVOID BaseAddress, ULONG UnmapFlags);

/* ---- ntdll ---- */
NTSYSAPI NTSTATUS NTAPI NtAllocateVirtualMemoryEx(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
                                                  ULONG AllocationType, ULONG PageProtection,
                                                  PMEM_EXTENDED_PARAMETER ExtendedParameters,
                                                  ULONG ExtendedParameterCount);
NTSYSAPI NTSTATUS NTAPI NtMapViewOfSectionEx(HANDLE SectionHandle, HANDLE ProcessHandle, PVOID *BaseAddress,
                                             PLARGE_INTEGER SectionOffset, PSIZE_T ViewSize,
                                             ULONG AllocationType, ULONG PageProtection,
                                             PMEM_EXTENDED_PARAMETER ExtendedParameters,
                                             ULONG ExtendedParameterCount);

#ifdef __cplusplus
}
#endif

#endif
