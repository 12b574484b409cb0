/* SPDX-License-Identifier: MIT */
/* mapview2.c - MapViewOfFileNuma2 and MapViewOfFile2, as kernelbase makes them: one
 * NtMapViewOfSection (inheritance ViewUnmap, no zero bits, no commit) in the process named,
 * the current one or another (nt/view.c hands that to the target's own memory manager),
 * the page protection passed as is; the status becomes the last error.  NULL for the process
 * is not the current one here (Windows rejects it too: ERROR_INVALID_HANDLE).  One NUMA node:
 * node 0 or NUMA_NO_PREFERRED_NODE, another node is ERROR_INVALID_PARAMETER.
 */
#include "nt/nt.h"

PVOID WINAPI MapViewOfFileNuma2(HANDLE section, HANDLE process, ULONG64 offset, PVOID base, SIZE_T size,
                                ULONG type, ULONG protect, ULONG node)
{
    if (node != NUMA_NO_PREFERRED_NODE && node != 0)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    PVOID at = base;
    SIZE_T len = size;
    LARGE_INTEGER off;
    off.QuadPart = (LONGLONG)offset;
    NTSTATUS st = NtMapViewOfSection(section, process, &at, 0, 0, &off, &len, ViewUnmap, type, protect);
    WV_TRACE(WV_TRACE_SECTION, "MapViewOfFileNuma2(%p, %p, %#llx, %p, %#zx, %#x, %#x) = %p, status %#x", section,
             process, (unsigned long long)offset, base, (size_t)size, type, protect, st < 0 ? NULL : at,
             (unsigned)st);
    if (st < 0)
        return wv_fail_null(wv_error_of(st));
    if (st == STATUS_IMAGE_NOT_AT_BASE)
        wv_set_error(ERROR_IMAGE_NOT_AT_BASE);
    return at;
}

PVOID WINAPI MapViewOfFile2(HANDLE section, HANDLE process, ULONG64 offset, PVOID base, SIZE_T size, ULONG type,
                            ULONG protect)
{
    return MapViewOfFileNuma2(section, process, offset, base, size, type, protect, NUMA_NO_PREFERRED_NODE);
}
