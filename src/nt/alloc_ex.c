/* SPDX-License-Identifier: MIT */
/* alloc_ex.c - NtAllocateVirtualMemoryEx: NtAllocateVirtualMemory with extended parameters
 * (where a new reservation may go) and placeholders (MEM_RESERVE_PLACEHOLDER makes one,
 * MEM_REPLACE_PLACEHOLDER turns one into a private allocation).  The checks and statuses are
 * the ones Wine's test_NtAllocateVirtualMemoryEx(_address_requirements) record of Windows.
 * The extended parameters are shared with NtMapViewOfSectionEx (map_ex.c).
 */
#include "nt/nt.h"
#include "winvm/placeholder.h"

#define WV_PH_TYPES (MEM_RESERVE_PLACEHOLDER | MEM_REPLACE_PLACEHOLDER)

static NTSTATUS wv_check_requirements(const MEM_ADDRESS_REQUIREMENTS *a, struct wv_nt_req *r)
{
    uintptr_t lo = (uintptr_t)a->LowestStartingAddress, hi = (uintptr_t)a->HighestEndingAddress;
    SIZE_T align = a->Alignment;
    if (lo % WV_GRANULE || (hi && ((hi + 1) % WV_PAGE_SIZE || hi > WV_MAX_ADDR)) || (hi && lo >= hi))
        return STATUS_INVALID_PARAMETER;
    if (align && ((align & (align - 1)) || align < WV_GRANULE))
        return STATUS_INVALID_PARAMETER;
    r->lo = lo, r->top = hi ? hi + 1 : WV_END_ADDR, r->align = align ? align : WV_GRANULE;
    r->given = true;
    return STATUS_SUCCESS;
}

/* One parameter: each kind at most once. */
static NTSTATUS wv_check_param(const MEM_EXTENDED_PARAMETER *e, struct wv_nt_req *r, unsigned *seen)
{
    unsigned type = (unsigned)e->Type, bit = 1u << (type < 32 ? type : 0);
    if (type == MemExtendedParameterInvalidType || type >= MemExtendedParameterMax || (*seen & bit))
        return STATUS_INVALID_PARAMETER;
    *seen |= bit;
    MEM_ADDRESS_REQUIREMENTS a;
    switch (type) {
    case MemExtendedParameterAddressRequirements:
        if (!e->Pointer)
            return STATUS_INVALID_PARAMETER;
        if (wv_copy(&a, e->Pointer, sizeof(a)))
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
        return wv_check_requirements(&a, r);
    case MemExtendedParameterNumaNode: /* one node: node 0 */
        return e->ULong == 0 || e->ULong == NUMA_NO_PREFERRED_NODE ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    case MemExtendedParameterAttributeFlags: /* no attribute applies on x64 (EC code is ARM64's) */
        return e->ULong == 0 ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    default: /* partitions, AWE handles, image machines: not winvm's */
        return STATUS_INVALID_PARAMETER;
    }
}

NTSTATUS wv_nt_ext_params(const MEM_EXTENDED_PARAMETER *ext, ULONG count, struct wv_nt_req *r)
{
    *r = (struct wv_nt_req){0};
    if (count && !ext)
        return STATUS_INVALID_PARAMETER;
    unsigned seen = 0;
    for (ULONG i = 0; i < count; i++) {
        MEM_EXTENDED_PARAMETER e;
        if (wv_copy(&e, &ext[i], sizeof(e)))
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
        NTSTATUS st = wv_check_param(&e, r, &seen);
        if (st)
            return st;
    }
    return STATUS_SUCCESS;
}

/* The walk down for MEM_TOP_DOWN: the highest aligned start whose len bytes fit below r->top,
 * then below whatever is in the way. */
static NTSTATUS wv_nt_within_down(const struct wv_nt_req *r, size_t len, wv_nt_try_fn fn, void *ctx,
                                  uintptr_t *out)
{
    uintptr_t lo = r->lo > WV_MIN_ADDR ? r->lo : WV_MIN_ADDR, mask = ~(r->align - 1);
    if (len > r->top - lo)
        return (NTSTATUS)STATUS_NO_MEMORY;
    uintptr_t a = (r->top - len) & mask;
    for (int steps = 0; steps < 65536 && a >= lo; steps++) {
        MEMORY_BASIC_INFORMATION m;
        wv_virtual_query(a, &m);
        uintptr_t end = (uintptr_t)m.BaseAddress + m.RegionSize, next;
        if (m.State == MEM_FREE && end - a >= len) {
            DWORD err = fn(a, ctx, out);
            if (err != ERROR_INVALID_ADDRESS) /* another thread took it first: look on */
                return wv_status_of(err);
            next = a - r->align;
        } else {
            /* Free but too short: end below the allocation at its end; taken: below it. */
            uintptr_t below = m.State == MEM_FREE ? end : (uintptr_t)m.BaseAddress;
            if (m.State != MEM_FREE && m.AllocationBase && (uintptr_t)m.AllocationBase < below)
                below = (uintptr_t)m.AllocationBase;
            if (below < len)
                break;
            next = (below - len) & mask;
        }
        if (next >= a)
            next = a - r->align;
        if (next > a) /* wrapped below zero */
            break;
        a = next;
    }
    return (NTSTATUS)STATUS_NO_MEMORY;
}

NTSTATUS wv_nt_within(const struct wv_nt_req *r, size_t len, wv_nt_try_fn fn, void *ctx, uintptr_t *out)
{
    if (r->top_down)
        return wv_nt_within_down(r, len, fn, ctx, out);
    uintptr_t lo = r->lo > WV_MIN_ADDR ? r->lo : WV_MIN_ADDR, a = (lo + r->align - 1) & ~(r->align - 1);
    for (int steps = 0; steps < 65536; steps++) {
        if (a < lo || a > r->top || len > r->top - a)
            break;
        MEMORY_BASIC_INFORMATION m;
        wv_virtual_query(a, &m);
        uintptr_t end = (uintptr_t)m.BaseAddress + m.RegionSize;
        if (m.State == MEM_FREE && end - a >= len) {
            DWORD err = fn(a, ctx, out);
            if (err != ERROR_INVALID_ADDRESS) /* another thread took it first: look on */
                return wv_status_of(err);
        }
        uintptr_t next = ((end > a ? end : a + 1) + r->align - 1) & ~(r->align - 1);
        if (next <= a)
            break;
        a = next;
    }
    return (NTSTATUS)STATUS_NO_MEMORY;
}

struct wv_alloc_try {
    SIZE_T size;
    ULONG type, protect;
};

static DWORD wv_try_alloc(uintptr_t a, void *ctx, uintptr_t *out)
{
    const struct wv_alloc_try *t = ctx;
    if (t->type & MEM_RESERVE_PLACEHOLDER)
        return wv_placeholder_reserve(a, t->size, false, out);
    return wv_virtual_alloc(a, t->size, t->type & ~(ULONG)MEM_TOP_DOWN, t->protect, out);
}

/* The allocation types and protection of a call with placeholders or address requirements. */
static NTSTATUS wv_check_ex_type(ULONG type, ULONG protect, bool req)
{
    ULONG ph = type & WV_PH_TYPES;
    if (ph == WV_PH_TYPES || (ph && !(type & MEM_RESERVE)))
        return STATUS_INVALID_PARAMETER;
    if ((type & MEM_RESERVE_PLACEHOLDER) &&
        ((type & ~(ULONG)(MEM_RESERVE | MEM_RESERVE_PLACEHOLDER | MEM_TOP_DOWN)) || protect != PAGE_NOACCESS))
        return STATUS_INVALID_PARAMETER;
    /* A replaced placeholder cannot be watched (as Windows 10 1809). */
    if ((type & MEM_REPLACE_PLACEHOLDER) &&
        ((type & ~(ULONG)(MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER | MEM_TOP_DOWN)) || req))
        return STATUS_INVALID_PARAMETER;
    if (!ph && (type & ~(ULONG)(MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN | MEM_WRITE_WATCH) ||
                !(type & MEM_RESERVE)))
        return STATUS_INVALID_PARAMETER; /* address requirements place new reservations only */
    if (!wv_prot_parse(protect, false))
        return STATUS_INVALID_PAGE_PROTECTION;
    return STATUS_SUCCESS;
}

/* The call's effect once its arguments are read: the range it covered. */
static NTSTATUS wv_alloc_ex(uintptr_t addr, SIZE_T size, ULONG type, ULONG protect, const struct wv_nt_req *r,
                            uintptr_t *base, SIZE_T *len)
{
    struct wv_alloc_try t = {size, type, protect};
    uintptr_t out = 0;
    NTSTATUS st;
    if (type & MEM_REPLACE_PLACEHOLDER) {
        DWORD err = wv_placeholder_replace(addr, size, type, protect, &out);
        st = err == ERROR_INVALID_ADDRESS ? STATUS_CONFLICTING_ADDRESSES : wv_status_of(err);
    } else if (r->given) {
        struct wv_nt_req down = *r;
        down.top_down = (type & MEM_TOP_DOWN) != 0; /* placed top-down, as Windows does asked */
        st = wv_nt_within(&down, wv_page_up(size), wv_try_alloc, &t, &out);
    }
    else if (type & MEM_RESERVE_PLACEHOLDER)
        st = wv_status_of(wv_placeholder_reserve(addr, size, (type & MEM_TOP_DOWN) != 0, &out));
    else
        st = wv_status_of(wv_virtual_alloc(addr, size, type, protect, &out));
    wv_debug_validate_at(st ? addr : out);
    if (st)
        return st;
    *base = out;
    *len = addr && !r->given ? wv_page_up(addr + size) - out : wv_page_up(size);
    if (type & MEM_REPLACE_PLACEHOLDER)
        *len = wv_page_up(addr + size) - out;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtAllocateVirtualMemoryEx(HANDLE process, PVOID *base_io, PSIZE_T size_io, ULONG type,
                                         ULONG protect, PMEM_EXTENDED_PARAMETER ext, ULONG count)
{
    wv_fault_attach();
    struct wv_nt_req r;
    NTSTATUS st = wv_nt_ext_params(ext, count, &r);
    if (st)
        return st;
    if (!(type & WV_PH_TYPES) && !r.given)
        return wv_nt_allocate(process, base_io, 0, size_io, type, protect);
    uintptr_t addr;
    SIZE_T size;
    if ((st = wv_check_ex_type(type, protect, r.given)) || (st = wv_nt_in_ptr(base_io, &addr)) ||
        (st = wv_nt_in_size(size_io, &size)))
        return st;
    if (addr > WV_MAX_ADDR)
        return STATUS_INVALID_PARAMETER_2;
    if (size == 0 || size > WV_END_ADDR - addr)
        return STATUS_INVALID_PARAMETER_3;
    NTSTATUS st_h = wv_nt_this(process, PROCESS_VM_OPERATION, 0);
    if (st_h != STATUS_SUCCESS)
        return st_h;
    if (r.given && addr)
        return STATUS_INVALID_PARAMETER; /* requirements place; an address is no placement */
    uintptr_t base;
    SIZE_T len;
    if ((st = wv_alloc_ex(addr, size, type, protect, &r, &base, &len)))
        return st;
    wv_nt_out(base_io, &base, sizeof(base));
    wv_nt_out(size_io, &len, sizeof(len));
    return STATUS_SUCCESS;
}
