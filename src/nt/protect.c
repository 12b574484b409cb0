/* SPDX-License-Identifier: MIT */
/* protect.c - NtProtectVirtualMemory: Windows' checks in Windows' order, then mm's core.  The
 * core's one ERROR_INVALID_ADDRESS is told apart here, as Windows tells it: a range outside any
 * allocation or across two is STATUS_CONFLICTING_ADDRESSES, uncommitted pages in one are
 * STATUS_NOT_COMMITTED; a protection the allocation cannot take is
 * STATUS_INVALID_PAGE_PROTECTION for private memory, STATUS_SECTION_PROTECTION for a view.
 */
#include "nt/nt.h"

static NTSTATUS wv_protect_status(DWORD err, uintptr_t start, uintptr_t end)
{
    struct wv_extent e;
    bool in = wv_virtual_extent(start, &e) && end <= e.end;
    if (err == ERROR_INVALID_ADDRESS)
        return in ? STATUS_NOT_COMMITTED : STATUS_CONFLICTING_ADDRESSES;
    if (err == ERROR_INVALID_PARAMETER && in)
        return e.type == MEM_PRIVATE ? STATUS_INVALID_PAGE_PROTECTION : STATUS_SECTION_PROTECTION;
    return wv_status_of(err);
}

NTSTATUS wv_nt_protect(HANDLE process, uintptr_t addr, SIZE_T size, ULONG protect, PULONG old_out,
                       uintptr_t *start_out, SIZE_T *len, ULONG *was)
{
    if (!wv_prot_parse(protect, true))
        return STATUS_INVALID_PAGE_PROTECTION;
    wv_fault_attach();
    if (!old_out || wv_user_probe_rw32(old_out))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (addr > WV_MAX_ADDR)
        return STATUS_INVALID_PARAMETER_2;
    if (size == 0 || size > WV_END_ADDR - addr)
        return STATUS_INVALID_PARAMETER_3;
    NTSTATUS st_h = wv_nt_this(process, PROCESS_VM_OPERATION, 0);
    if (st_h != STATUS_SUCCESS)
        return st_h;
    uintptr_t start = wv_page_down(addr), end = wv_page_up(addr + size);
    DWORD old = 0, err = wv_virtual_protect(addr, size, protect, &old);
    wv_debug_validate_at(start);
    if (err)
        return wv_protect_status(err, start, end);
    *start_out = start, *len = end - start, *was = old;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtProtectVirtualMemory(HANDLE process, PVOID *base_io, PSIZE_T size_io, ULONG protect,
                                      PULONG old_out)
{
    wv_fault_attach();
    uintptr_t addr, start;
    SIZE_T size, len;
    ULONG was;
    NTSTATUS st;
    if (!wv_prot_parse(protect, true))
        return STATUS_INVALID_PAGE_PROTECTION;
    if ((st = wv_nt_in_ptr(base_io, &addr)) || (st = wv_nt_in_size(size_io, &size)) ||
        (st = wv_nt_protect(process, addr, size, protect, old_out, &start, &len, &was)))
        return st;
    wv_nt_out(base_io, &start, sizeof(start));
    wv_nt_out(size_io, &len, sizeof(len));
    wv_nt_out(old_out, &was, sizeof(was));
    return STATUS_SUCCESS;
}
