/* SPDX-License-Identifier: MIT */
/* alloc.c - NtAllocateVirtualMemory: Windows' checks in Windows' order (the order of the NT
 * kernel's own validation: zero bits, allocation type, protection, the in/out parameters, the
 * range, the process), ZeroBits placement, then mm's core.  *BaseAddress and *RegionSize come
 * back rounded as Windows rounds them: a reservation to its 64 KiB-aligned base and whole
 * pages, a commit to the pages it touched.
 */
#include "nt/nt.h"

#define WV_NT_ALLOC_TYPES                                                                  \
    (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO | MEM_TOP_DOWN | MEM_WRITE_WATCH | \
     MEM_LARGE_PAGES | MEM_PHYSICAL)
#define WV_MAX_ZERO_BITS 21

/* The highest address ZeroBits allows (0: any), or false when ZeroBits is out of range.  0..21
 * counts high zero bits of a 32-bit address; on x64 a value of 32 or more is a mask whose
 * leading zero bits are the ones that must stay zero. */
WV_HOT bool wv_zero_bits_limit(ULONG_PTR zero_bits, uintptr_t *limit)
{
    *limit = 0;
    if (zero_bits == 0)
        return true;
    if (zero_bits <= WV_MAX_ZERO_BITS) {
        *limit = ((uintptr_t)1 << (32 - zero_bits)) - 1;
        return true;
    }
    if (zero_bits < 32)
        return false;
    *limit = ~(uintptr_t)0 >> __builtin_clzll(zero_bits);
    if (*limit >= WV_MAX_ADDR)
        *limit = 0;
    return true;
}

/* The allocation type and protection, in Windows' order; *bits the protection parsed as the
 * call takes it (write-copy allowed for a commit alone: the view decides, below). */
WV_HOT static NTSTATUS wv_check_type(ULONG type, ULONG protect, wv_page_t *bits)
{
    if (type & (MEM_RESERVE_PLACEHOLDER | MEM_REPLACE_PLACEHOLDER))
        return STATUS_INVALID_PARAMETER; /* placeholders are NtAllocateVirtualMemoryEx's */
    if ((type & ~(ULONG)WV_NT_ALLOC_TYPES) || !(type & (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO)))
        return STATUS_INVALID_PARAMETER_5;
    if ((type & (MEM_RESET | MEM_RESET_UNDO)) && type != MEM_RESET && type != MEM_RESET_UNDO)
        return STATUS_INVALID_PARAMETER_5;
    if ((type & MEM_WRITE_WATCH) && !(type & MEM_RESERVE))
        return STATUS_INVALID_PARAMETER_5;
    if ((type & MEM_PHYSICAL) && (type & ~(ULONG)MEM_TOP_DOWN) != (MEM_RESERVE | MEM_PHYSICAL))
        return STATUS_INVALID_PARAMETER_5;
    /* MEM_RESET ignores the protection but still wants a valid one.  A commit without
     * MEM_RESERVE may ask for write-copy: the view it lands in decides (a pagefile view takes
     * it, a file or image view is STATUS_ACCESS_DENIED, private memory refuses it; issue 14
     * fact 1); a new allocation never takes it (wv_nt_allocate). */
    if (!(*bits = wv_prot_parse(protect, !(type & MEM_RESERVE))))
        return STATUS_INVALID_PAGE_PROTECTION;
    if ((type & MEM_PHYSICAL) && protect != PAGE_READWRITE)
        return STATUS_INVALID_PARAMETER_6;
    return STATUS_SUCCESS;
}

/* A new allocation wholly at or below limit: the lowest free 64 KiB-aligned range that fits,
 * found by walking the address space as VirtualQuery describes it.  Another thread taking the
 * range first only moves the search on. */
static DWORD wv_alloc_below(SIZE_T size, ULONG type, ULONG protect, uintptr_t limit, uintptr_t *out)
{
    uintptr_t len = wv_page_up(size), a = WV_MIN_ADDR;
    for (int steps = 0; steps < 65536 && a <= limit && len - 1 <= limit - a; steps++) {
        MEMORY_BASIC_INFORMATION m;
        wv_virtual_query(a, &m);
        uintptr_t end = (uintptr_t)m.BaseAddress + m.RegionSize;
        if (m.State == MEM_FREE && end - a >= len) {
            DWORD err = wv_virtual_alloc(a, size, type | MEM_RESERVE, protect, out);
            if (err != ERROR_INVALID_ADDRESS)
                return err;
        }
        a = wv_gran_up(end > a ? end : a + 1);
        if (a > WV_MAX_ADDR)
            break;
    }
    return ERROR_NOT_ENOUGH_MEMORY;
}

/* Whether nothing is allocated in the 64 KiB-aligned range a reservation at addr would take. */
static bool wv_range_free(uintptr_t addr, SIZE_T size)
{
    MEMORY_BASIC_INFORMATION m;
    wv_virtual_query(wv_gran_down(addr), &m);
    return m.State == MEM_FREE && (uintptr_t)m.BaseAddress + m.RegionSize >= wv_page_up(addr + size);
}

NTSTATUS wv_nt_commit_status(DWORD err, ULONG protect)
{
    return err == ERROR_INVALID_PARAMETER && !wv_prot_parse(protect, false)
               ? STATUS_INVALID_PAGE_PROTECTION /* write-copy refused where it landed */
               : wv_status_of(err);
}

/* The core call and the rounded range it covered.  A commit alone goes to wv_nt_commit_at, and a
 * new allocation (bench rows 1 and 18) to mm's reservation: wv_virtual_alloc would check
 * again what wv_check_type and wv_nt_alloc_checked have (all but MEM_LARGE_PAGES, which it
 * refuses). */
WV_HOT static NTSTATUS wv_do_alloc(uintptr_t addr, SIZE_T size, ULONG type, ULONG protect, wv_page_t bits,
                            uintptr_t limit, uintptr_t *base, SIZE_T *len)
{
    if (type == MEM_COMMIT && addr)
        return wv_nt_commit_at(addr, size, protect, bits, base, len);
    bool reserve = (type & MEM_RESERVE) || (!addr && !(type & (MEM_RESET | MEM_RESET_UNDO)));
    uintptr_t out = 0;
    DWORD err = !addr && limit && reserve              ? wv_alloc_below(size, type, protect, limit, &out)
                : reserve && !(type & MEM_LARGE_PAGES) ? wv_virtual_reserve(addr, size, type, protect, bits, &out)
                                                       : wv_virtual_alloc(addr, size, type, protect, &out);
    wv_debug_validate_at(err ? addr : out);
    if (err == ERROR_INVALID_PARAMETER && !wv_prot_parse(protect, false))
        return STATUS_INVALID_PAGE_PROTECTION; /* write-copy refused where it landed */
    if (err)
        return wv_status_of(err);
    *base = out;
    if (reserve && !addr)
        *len = wv_page_up(size);
    else
        *len = wv_page_up(addr + size) - out;
    return STATUS_SUCCESS;
}

/* The checks after zero bits, type, protection and the in/out parameters, then the effect. */
WV_HOT static NTSTATUS wv_nt_alloc_checked(HANDLE process, uintptr_t addr, uintptr_t limit, SIZE_T size, ULONG type,
                                    ULONG protect, wv_page_t bits, uintptr_t *base, SIZE_T *len)
{
    if (!addr && !(type & (MEM_RESET | MEM_RESET_UNDO)) && !wv_prot_parse(protect, false))
        return STATUS_INVALID_PAGE_PROTECTION; /* write-copy on what would be new memory */
    if (addr > WV_MAX_ADDR)
        return STATUS_INVALID_PARAMETER_2;
    if (size == 0 || size > WV_END_ADDR - addr)
        return STATUS_INVALID_PARAMETER_4;
    NTSTATUS st = wv_nt_this(process, PROCESS_VM_OPERATION, 0);
    if (st != STATUS_SUCCESS)
        return st;
    /* Zero bits constrain where a new allocation goes: an address inside an existing one
     * meets that allocation first (a conflict, or a commit). */
    if (addr && limit && wv_page_up(addr + size) - 1 > limit && wv_range_free(addr, size))
        return STATUS_INVALID_PARAMETER_3;
    return wv_do_alloc(addr, size, type, protect, bits, limit, base, len);
}

NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE process, PVOID *base_io, ULONG_PTR zero_bits, PSIZE_T size_io,
                                       ULONG type, ULONG protect)
{
    wv_fault_attach();
    return wv_nt_allocate(process, base_io, zero_bits, size_io, type, protect);
}

NTSTATUS wv_nt_allocate(HANDLE process, PVOID *base_io, ULONG_PTR zero_bits, PSIZE_T size_io, ULONG type,
                        ULONG protect)
{
    uintptr_t limit, addr, base;
    SIZE_T size, len;
    wv_page_t bits;
    if (!wv_zero_bits_limit(zero_bits, &limit))
        return STATUS_INVALID_PARAMETER_3;
    NTSTATUS st = wv_check_type(type, protect, &bits);
    if (st || (st = wv_nt_in_ptr(base_io, &addr)) || (st = wv_nt_in_size(size_io, &size)))
        return st;
    st = WV_REMOTE_VIEW_SELF;
    if (!wv_nt_self(process) && wv_nt_remote_vm) { /* another process's handle: its own call */
        struct wv_remote_vm v = {.type = type, .protect = protect, .zero_bits = zero_bits, .addr = addr, .size = size};
        st = wv_nt_remote_vm(process, &v);
        base = (uintptr_t)v.addr, len = (SIZE_T)v.size;
    }
    if (st == WV_REMOTE_VIEW_SELF)
        st = wv_nt_alloc_checked(process, addr, limit, size, type, protect, bits, &base, &len);
    if (st)
        return st;
    wv_nt_out(base_io, &base, sizeof(base));
    wv_nt_out(size_io, &len, sizeof(len));
    return STATUS_SUCCESS;
}

/* wv_nt_alloc's every call but its inline one (nt.h). */
NTSTATUS wv_nt_alloc_any(HANDLE process, uintptr_t addr, ULONG_PTR zero_bits, SIZE_T size, ULONG type,
                         ULONG protect, uintptr_t *base, SIZE_T *len)
{
    uintptr_t limit;
    wv_page_t bits;
    if (!wv_zero_bits_limit(zero_bits, &limit))
        return STATUS_INVALID_PARAMETER_3;
    NTSTATUS st = wv_check_type(type, protect, &bits);
    return st ? st : wv_nt_alloc_checked(process, addr, limit, size, type, protect, bits, base, len);
}
