/* SPDX-License-Identifier: MIT */
/* range.c - the NT calls over a range named by in/out base and size: NtLockVirtualMemory,
 * NtUnlockVirtualMemory (MAP_PROCESS: the working set; MAP_SYSTEM needs
 * SeLockMemoryPrivilege, which a winvm process does not hold) and NtFlushVirtualMemory.  Each
 * writes back the page-rounded range it worked on.
 */
#include "nt/nt.h"

/* Reads and checks the range; [*start, *end) are its pages. */
static NTSTATUS wv_in_range(HANDLE process, PVOID *base_io, PSIZE_T size_io, uintptr_t *start,
                            uintptr_t *end, SIZE_T *size)
{
    uintptr_t addr;
    NTSTATUS st;
    if ((st = wv_nt_in_ptr(base_io, &addr)) || (st = wv_nt_in_size(size_io, size)))
        return st;
    if (addr > WV_MAX_ADDR)
        return STATUS_INVALID_PARAMETER_2;
    if (*size > WV_END_ADDR - addr)
        return STATUS_INVALID_PARAMETER_3;
    NTSTATUS st_h = wv_nt_this(process, PROCESS_VM_OPERATION, 0);
    if (st_h != STATUS_SUCCESS)
        return st_h;
    *start = wv_page_down(addr);
    *end = wv_page_up(addr + *size);
    return STATUS_SUCCESS;
}

static void wv_out_range(PVOID *base_io, PSIZE_T size_io, uintptr_t start, uintptr_t end)
{
    SIZE_T len = end - start;
    wv_nt_out(base_io, &start, sizeof(start));
    wv_nt_out(size_io, &len, sizeof(len));
}

static NTSTATUS wv_lock_call(HANDLE process, PVOID *base_io, PSIZE_T size_io, ULONG map_type, bool lock)
{
    if (map_type == 0 || (map_type & ~(ULONG)(MAP_PROCESS | MAP_SYSTEM)))
        return STATUS_INVALID_PARAMETER;
    uintptr_t start, end;
    SIZE_T size;
    NTSTATUS st = wv_in_range(process, base_io, size_io, &start, &end, &size);
    if (st)
        return st;
    if (map_type & MAP_SYSTEM)
        return STATUS_PRIVILEGE_NOT_HELD;
    DWORD err = lock ? wv_vlock(start, end - start) : wv_vunlock(start, end - start);
    wv_debug_validate_at(start);
    if (err)
        return wv_status_of(err);
    wv_out_range(base_io, size_io, start, end);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtLockVirtualMemory(HANDLE process, PVOID *base_io, PSIZE_T size_io, ULONG map_type)
{
    return wv_lock_call(process, base_io, size_io, map_type, true);
}

NTSTATUS NTAPI NtUnlockVirtualMemory(HANDLE process, PVOID *base_io, PSIZE_T size_io, ULONG map_type)
{
    return wv_lock_call(process, base_io, size_io, map_type, false);
}

NTSTATUS NTAPI NtFlushVirtualMemory(HANDLE process, PVOID *base_io, PSIZE_T size_io, PIO_STATUS_BLOCK io)
{
    uintptr_t start, end;
    SIZE_T size;
    NTSTATUS st = wv_in_range(process, base_io, size_io, &start, &end, &size);
    if (st)
        return st;
    IO_STATUS_BLOCK iosb = {0};
    if (!io || wv_copy(io, io, sizeof(*io)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    struct wv_extent e;
    if (!wv_virtual_extent(start, &e) || e.type != MEM_MAPPED)
        return STATUS_NOT_MAPPED_VIEW;
    if (size == 0 || end > e.end)
        end = e.end; /* size 0: to the end of the view */
    DWORD err = wv_view_flush(start, end - start);
    if (err)
        return err == ERROR_INVALID_ADDRESS ? STATUS_NOT_MAPPED_VIEW : wv_status_of(err);
    wv_out_range(base_io, size_io, start, end);
    wv_nt_out(io, &iosb, sizeof(iosb));
    return STATUS_SUCCESS;
}
