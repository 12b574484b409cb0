/* SPDX-License-Identifier: MIT */
/* free.c - NtFreeVirtualMemory: Windows' checks in Windows' order, the status for each way the
 * range can fail to fit an allocation, then mm's core; *BaseAddress and *RegionSize come back
 * as the range freed.
 *
 * Releasing part of an allocation (a nonzero size that leaves some of it) splits it, as
 * Windows does (mm/split.c).  Placeholders are split and coalesced by free_ph.c.
 */
#include "nt/nt.h"

#define WV_FREE_PLACEHOLDER_FLAGS (MEM_PRESERVE_PLACEHOLDER | MEM_COALESCE_PLACEHOLDERS)

static NTSTATUS wv_check_free_type(ULONG type)
{
    ULONG kind = type & (MEM_DECOMMIT | MEM_RELEASE);
    if (type & ~(ULONG)(MEM_DECOMMIT | MEM_RELEASE | WV_FREE_PLACEHOLDER_FLAGS))
        return STATUS_INVALID_PARAMETER_4;
    if (kind == 0 || kind == (MEM_DECOMMIT | MEM_RELEASE))
        return STATUS_INVALID_PARAMETER_4;
    if ((type & WV_FREE_PLACEHOLDER_FLAGS) && kind != MEM_RELEASE)
        return STATUS_INVALID_PARAMETER_4;
    if ((type & WV_FREE_PLACEHOLDER_FLAGS) == WV_FREE_PLACEHOLDER_FLAGS)
        return STATUS_INVALID_PARAMETER_4;
    return STATUS_SUCCESS;
}

/* Which of the allocation's ranges [*start, *end) the call frees, or why it cannot. */
static NTSTATUS wv_free_range(uintptr_t addr, SIZE_T size, ULONG type, const struct wv_extent *e,
                              uintptr_t *start, uintptr_t *end)
{
    *start = wv_page_down(addr);
    *end = size ? wv_page_up(addr + size) : e->end;
    if (*end > e->end)
        return STATUS_UNABLE_TO_FREE_VM;
    if (e->type != MEM_PRIVATE)
        return STATUS_UNABLE_TO_DELETE_SECTION;
    if (size == 0 && *start != e->base)
        return STATUS_FREE_VM_NOT_AT_BASE;
    if ((type & MEM_RELEASE) && (*start != e->base || *end != e->end) &&
        (e->flags & (WV_VIEW_WRITE_WATCH | WV_VIEW_PHYSICAL | WV_VIEW_STACK)))
        return STATUS_FREE_VM_NOT_AT_BASE; /* never split, on Windows either */
    return STATUS_SUCCESS;
}

NTSTATUS wv_nt_free(HANDLE process, uintptr_t addr, SIZE_T size, ULONG type, uintptr_t *start, SIZE_T *len)
{
    NTSTATUS st = wv_check_free_type(type);
    if (st)
        return st;
    if (addr > WV_MAX_ADDR)
        return STATUS_INVALID_PARAMETER_2;
    if (size > WV_END_ADDR - addr)
        return STATUS_INVALID_PARAMETER_3;
    NTSTATUS st_h = wv_nt_this(process, PROCESS_VM_OPERATION, 0);
    if (st_h != STATUS_SUCCESS)
        return st_h;
    if ((type & WV_FREE_PLACEHOLDER_FLAGS) && size == 0)
        return STATUS_INVALID_PARAMETER_3;
    if (type == MEM_RELEASE && size == 0) {
        /* The common case, a whole allocation by its base, in one hold of the lock.  The
         * allocation is looked at below only when the core refused (nothing changed then):
         * its refusals are the conditions that pick the statuses there. */
        uintptr_t base, end;
        DWORD err = wv_virtual_release(addr, &base, &end);
        wv_debug_validate_at(addr);
        if (!err) {
            *start = base, *len = end - base;
            return STATUS_SUCCESS;
        }
        if (err != ERROR_INVALID_ADDRESS && err != ERROR_INVALID_PARAMETER)
            return wv_status_of(err);
    }
    struct wv_extent e;
    if (!wv_virtual_extent(wv_page_down(addr), &e))
        return STATUS_MEMORY_NOT_ALLOCATED;
    uintptr_t end;
    if (type & WV_FREE_PLACEHOLDER_FLAGS) {
        st = wv_nt_free_placeholder(addr, size, type, start, &end);
        *len = end - *start;
        return st;
    }
    if ((st = wv_free_range(addr, size, type, &e, start, &end)))
        return st;
    bool part = *start != e.base || end != e.end;
    DWORD err = !(type & MEM_RELEASE) ? wv_virtual_free(*start, end - *start, MEM_DECOMMIT)
                : part ? wv_release_part(*start, end) /* the allocation is split around the hole */
                       : wv_virtual_free(e.base, 0, MEM_RELEASE);
    wv_debug_validate_at(*start);
    if (err)
        return err == ERROR_INVALID_ADDRESS ? STATUS_MEMORY_NOT_ALLOCATED : wv_status_of(err);
    /* A decommit of a whole allocation by size 0 reports size 0, as Windows 10 1803 and later. */
    *len = (type & MEM_DECOMMIT) && size == 0 ? 0 : end - *start;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE process, PVOID *base_io, PSIZE_T size_io, ULONG type)
{
    uintptr_t addr, start;
    SIZE_T size, len;
    NTSTATUS st = wv_check_free_type(type);
    if (st || (st = wv_nt_in_ptr(base_io, &addr)) || (st = wv_nt_in_size(size_io, &size)))
        return st;
    st = WV_REMOTE_VIEW_SELF;
    if (!wv_nt_self(process) && wv_nt_remote_vm) { /* another process's handle: its own call */
        struct wv_remote_vm v = {.free = 1, .type = type, .addr = addr, .size = size};
        st = wv_nt_remote_vm(process, &v);
        start = (uintptr_t)v.addr, len = (SIZE_T)v.size;
    }
    if (st == WV_REMOTE_VIEW_SELF)
        st = wv_nt_free(process, addr, size, type, &start, &len);
    if (st)
        return st;
    wv_nt_out(base_io, &start, sizeof(start));
    wv_nt_out(size_io, &len, sizeof(len));
    return STATUS_SUCCESS;
}
