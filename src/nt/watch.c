/* SPDX-License-Identifier: MIT */
/* watch.c - NtGetWriteWatch and NtResetWriteWatch over mm's write-watch cores (mm/watch.c),
 * which already check in NtGetWriteWatch's order.  Here the caller's count, granularity and
 * address array are proven writable first, so a bad one is STATUS_ACCESS_VIOLATION with
 * nothing reset.
 */
#include "nt/nt.h"

NTSTATUS NTAPI NtGetWriteWatch(HANDLE process, ULONG flags, PVOID base, SIZE_T size, PVOID *addresses,
                               PULONG_PTR count_io, PULONG granularity)
{
    ULONG_PTR count = 0;
    DWORD gran = 0;
    if (!count_io || wv_copy(count_io, count_io, sizeof(*count_io)) ||
        wv_copy(&count, count_io, sizeof(count)) || !granularity ||
        wv_copy(granularity, granularity, sizeof(*granularity)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    NTSTATUS st_h = wv_nt_this(process, PROCESS_VM_OPERATION, 0);
    if (st_h != STATUS_SUCCESS)
        return st_h;
    if (addresses && count) {
        if (count > SIZE_MAX / sizeof(*addresses))
            return STATUS_INVALID_PARAMETER;
        if (wv_copy(addresses, addresses, count * sizeof(*addresses)))
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    }
    DWORD err = wv_watch_get(flags, (uintptr_t)base, size, addresses, &count, &gran);
    wv_debug_validate_at(base);
    if (err)
        return wv_status_of(err);
    ULONG g = gran;
    wv_nt_out(count_io, &count, sizeof(count));
    wv_nt_out(granularity, &g, sizeof(g));
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtResetWriteWatch(HANDLE process, PVOID base, SIZE_T size)
{
    NTSTATUS st_h = wv_nt_this(process, PROCESS_VM_OPERATION, 0);
    if (st_h != STATUS_SUCCESS)
        return st_h;
    DWORD err = wv_watch_reset((uintptr_t)base, size);
    wv_debug_validate_at(base);
    return wv_status_of(err);
}
