/* SPDX-License-Identifier: MIT */
/* placeholder.c - VirtualAlloc2, MapViewOfFile3 (and their FromApp forms), UnmapViewOfFile2 and
 * UnmapViewOfFileEx.  As on Windows, they are thin wrappers over NtAllocateVirtualMemoryEx,
 * NtMapViewOfSectionEx and NtUnmapViewOfSectionEx: the status becomes the last error
 * (RtlNtStatusToDosError's table).  A NULL process is the current one.
 */
#include "nt/nt.h"

static HANDLE wv_process_or_self(HANDLE h) { return h ? h : WV_CURRENT_PROCESS; }

static bool wv_executable(ULONG protect)
{
    return (protect & 0xff) & (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY);
}

PVOID WINAPI VirtualAlloc2(HANDLE process, PVOID base, SIZE_T size, ULONG type, ULONG protect,
                           MEM_EXTENDED_PARAMETER *ext, ULONG count)
{
    PVOID at = base;
    SIZE_T len = size;
    NTSTATUS st = NtAllocateVirtualMemoryEx(wv_process_or_self(process), &at, &len, type, protect, ext, count);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualAlloc2(%p, %#zx, %#x, %#x, %u) = %p, status %#x", base, (size_t)size,
             type, protect, count, st < 0 ? NULL : at, (unsigned)st);
    return st < 0 ? wv_fail_null(wv_error_of(st)) : at;
}

PVOID WINAPI VirtualAlloc2FromApp(HANDLE process, PVOID base, SIZE_T size, ULONG type, ULONG protect,
                                  MEM_EXTENDED_PARAMETER *ext, ULONG count)
{
    if (wv_executable(protect))
        return wv_fail_null(ERROR_INVALID_PARAMETER); /* an app may not allocate code */
    return VirtualAlloc2(process, base, size, type, protect, ext, count);
}

PVOID WINAPI MapViewOfFile3(HANDLE section, HANDLE process, PVOID base, ULONG64 offset, SIZE_T size,
                            ULONG type, ULONG protect, MEM_EXTENDED_PARAMETER *ext, ULONG count)
{
    PVOID at = base;
    SIZE_T len = size;
    LARGE_INTEGER off;
    off.QuadPart = (LONGLONG)offset;
    NTSTATUS st = NtMapViewOfSectionEx(section, wv_process_or_self(process), &at, &off, &len, type, protect,
                                       ext, count);
    WV_TRACE(WV_TRACE_SECTION, "MapViewOfFile3(%p, %p, %#llx, %#zx, %#x, %#x) = %p, status %#x", section, base,
             (unsigned long long)offset, (size_t)size, type, protect, st < 0 ? NULL : at, (unsigned)st);
    if (st < 0)
        return wv_fail_null(wv_error_of(st));
    if (st == STATUS_IMAGE_NOT_AT_BASE)
        wv_set_error(ERROR_IMAGE_NOT_AT_BASE);
    return at;
}

PVOID WINAPI MapViewOfFile3FromApp(HANDLE section, HANDLE process, PVOID base, ULONG64 offset, SIZE_T size,
                                   ULONG type, ULONG protect, MEM_EXTENDED_PARAMETER *ext, ULONG count)
{
    if (wv_executable(protect))
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    return MapViewOfFile3(section, process, base, offset, size, type, protect, ext, count);
}

BOOL WINAPI UnmapViewOfFile2(HANDLE process, PVOID base, ULONG flags)
{
    NTSTATUS st = NtUnmapViewOfSectionEx(process, base, flags);
    WV_TRACE(WV_TRACE_SECTION, "UnmapViewOfFile2(%p, %#x): status %#x", base, flags, (unsigned)st);
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}

BOOL WINAPI UnmapViewOfFileEx(PVOID base, ULONG flags)
{
    return UnmapViewOfFile2(WV_CURRENT_PROCESS, base, flags);
}
