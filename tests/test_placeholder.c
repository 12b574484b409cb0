/* SPDX-License-Identifier: MIT */
/* test_placeholder.c - placeholders (include/winvm/placeholder.h): making, splitting,
 * coalescing and replacing them, giving them back, the address requirements of
 * NtAllocateVirtualMemoryEx, VirtualQuery's view of each step, and the ring buffer.  Facts:
 * Wine's dlls/ntdll/tests/virtual.c (test_NtAllocateVirtualMemoryEx and its
 * _address_requirements) and dlls/kernelbase/tests/process.c (test_VirtualAlloc2), run on
 * Windows.  Every failing call is checked to change nothing. */
#include "testutil.h"
#include "mm/mm.h"
#include <winvm/placeholder.h>
#include <criterion/criterion.h>
#include <string.h>

#define SELF NtCurrentProcess()
/* Two addresses of one byte are two objects to the compiler: reads after a write through the
 * other address must not be moved before it. */
#define BARRIER() __asm__ volatile("" ::: "memory")

static NTSTATUS ex_alloc(void **p, SIZE_T *size, ULONG type, ULONG prot)
{
    return NtAllocateVirtualMemoryEx(SELF, p, size, type, prot, NULL, 0);
}

static NTSTATUS nt_free(void *p, SIZE_T size, ULONG type)
{
    return NtFreeVirtualMemory(SELF, &p, &size, type);
}

static char *placeholder(SIZE_T size)
{
    void *p = NULL;
    cr_assert_eq(ex_alloc(&p, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS), STATUS_SUCCESS);
    return p;
}

static MEMORY_BASIC_INFORMATION query(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery(p, &m, sizeof(m)), sizeof(m));
    return m;
}

/* p is a placeholder of its own, size bytes, as Windows reports one. */
static void is_placeholder(const void *p, SIZE_T size)
{
    MEMORY_BASIC_INFORMATION m = query(p);
    cr_assert_eq(m.BaseAddress, p);
    cr_assert_eq(m.AllocationBase, p);
    cr_assert_eq(m.RegionSize, size, "RegionSize %#zx, want %#zx", (size_t)m.RegionSize, (size_t)size);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.Type, MEM_PRIVATE);
    cr_assert_eq(m.AllocationProtect, PAGE_NOACCESS);
    cr_assert_eq(m.Protect, 0);
}

static void same(MEMORY_BASIC_INFORMATION a, const void *p)
{
    MEMORY_BASIC_INFORMATION b = query(p);
    cr_assert(a.BaseAddress == b.BaseAddress && a.RegionSize == b.RegionSize && a.State == b.State &&
                  a.Type == b.Type && a.AllocationBase == b.AllocationBase && a.Protect == b.Protect,
              "VirtualQuery changed");
}

Test(placeholder, made_only_by_the_ex_call_with_noaccess)
{
    void *p = NULL;
    SIZE_T size = GRAN;
    cr_assert_eq(NtAllocateVirtualMemory(SELF, &p, 0, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS),
                 STATUS_INVALID_PARAMETER);
    cr_assert_eq(ex_alloc(&p, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
    cr_assert_eq(ex_alloc(&p, &size, MEM_RESERVE | MEM_COMMIT | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS),
                 STATUS_INVALID_PARAMETER);
    cr_assert_eq(NtAllocateVirtualMemoryEx(SELF, &p, &size, MEM_RESERVE, PAGE_READWRITE, NULL, 1),
                 STATUS_INVALID_PARAMETER);
    cr_assert_eq(NtAllocateVirtualMemoryEx(NULL, &p, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, NULL, 0),
                 STATUS_INVALID_HANDLE);
    cr_assert_null(p);
    SetLastError(SENTINEL);
    cr_assert_null(VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    char *ph = placeholder(2 * GRAN);
    is_placeholder(ph, 2 * GRAN);
    cr_assert_eq(nt_free(ph, 0, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(query(ph).State, MEM_FREE);
}

Test(placeholder, replaced_by_an_allocation_and_given_back)
{
    char *p = placeholder(GRAN);
    void *a = p;
    SIZE_T size = GRAN;
    cr_assert_eq(ex_alloc(&a, &size, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE), 0);
    cr_assert_eq(a, p);
    cr_assert_eq(size, GRAN);
    memset(p, 0xcc, GRAN);
    cr_assert_eq(nt_free(p, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_SUCCESS);
    is_placeholder(p, GRAN);
    cr_assert_eq(ex_alloc(&a, &size, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READONLY), 0);
    cr_assert_eq(*(unsigned *)p, 0, "the placeholder kept the old contents");
    MEMORY_BASIC_INFORMATION m = query(p);
    cr_assert_eq(m.AllocationProtect, PAGE_READONLY);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Type, MEM_PRIVATE);
    cr_assert_eq(m.RegionSize, GRAN);
    /* Through VirtualFree as well. */
    cr_assert(VirtualFree(p, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER));
    is_placeholder(p, GRAN);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    wv_space_validate();
}

Test(placeholder, conflicts_change_nothing)
{
    char *p = placeholder(GRAN);
    void *a = p;
    SIZE_T size = GRAN;
    MEMORY_BASIC_INFORMATION before = query(p);
    cr_assert_eq(ex_alloc(&a, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(ex_alloc(&a, &size, MEM_RESERVE, PAGE_NOACCESS), STATUS_CONFLICTING_ADDRESSES);
    size = PAGE;
    cr_assert_eq(ex_alloc(&a, &size, MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_NOACCESS), STATUS_CONFLICTING_ADDRESSES);
    size = GRAN;
    cr_assert_eq(ex_alloc(&a, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(ex_alloc(&a, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
    cr_assert_eq(ex_alloc(&a, &size, MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
    cr_assert_eq(ex_alloc(&a, &size, MEM_RESERVE | MEM_REPLACE_PLACEHOLDER | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS),
                 STATUS_INVALID_PARAMETER);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p, PAGE, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(a, p);
    cr_assert_eq(size, GRAN);
    same(before, p);
    /* A plain reservation is no placeholder: preserving it conflicts. */
    char *r = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_NOACCESS);
    SIZE_T rs = GRAN;
    void *rp = r;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &rp, &rs, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(rs, GRAN);
    size = GRAN;
    a = r;
    cr_assert_eq(ex_alloc(&a, &size, MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
    cr_assert(VirtualFree(r, 0, MEM_RELEASE));
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
}

Test(placeholder, split_in_three_at_pages)
{
    const SIZE_T size = GRAN;
    char *p = placeholder(size);
    cr_assert_eq(nt_free(p, size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(nt_free(p, 0, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_INVALID_PARAMETER_3);
    cr_assert_eq(nt_free(p + PAGE, size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_CONFLICTING_ADDRESSES);
    is_placeholder(p, size);
    char *p1 = p + size / 2, *p2 = p1 + size / 4;
    void *q = p1;
    SIZE_T s2 = size / 4;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &q, &s2, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_SUCCESS);
    cr_assert_eq(q, p1);
    cr_assert_eq(s2, 0x4000);
    is_placeholder(p, size / 2);
    is_placeholder(p1, size / 4);
    is_placeholder(p2, size / 4);
    wv_space_validate();
    q = p1;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &q, &s2, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(query(p1).State, MEM_FREE);
    cr_assert_eq(query(p1).RegionSize, size / 4);
    /* A range freed off the 64 KiB grid: new allocations stay on it. */
    for (int i = 0; i < 4; i++) {
        char *x = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
        cr_assert_eq((uintptr_t)x % GRAN, 0, "VirtualAlloc placed at %p", x);
        cr_assert(VirtualFree(x, 0, MEM_RELEASE));
    }
    is_placeholder(p2, size / 4);
    cr_assert_eq(nt_free(p, size / 2, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(nt_free(p2, size / 4, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(nt_free(p2, 0, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
    wv_space_validate();
}

Test(placeholder, coalesce_takes_two_or_more_whole_placeholders)
{
    const SIZE_T size = GRAN;
    char *p1 = placeholder(size), *p2 = p1 + size / 4, *p3 = p2 + size / 4;
    cr_assert_eq(nt_free(p1, size / 4, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_SUCCESS);
    cr_assert_eq(nt_free(p2, size / 4, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_SUCCESS);
    is_placeholder(p1, size / 4);
    is_placeholder(p2, size / 4);
    is_placeholder(p3, size / 2);
    cr_assert_eq(nt_free(p1, size / 4, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(nt_free(p1, size, MEM_COALESCE_PLACEHOLDERS), STATUS_INVALID_PARAMETER_4);
    cr_assert_eq(nt_free(p1, size + PAGE, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(nt_free(p1, size - PAGE, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(nt_free(p1 + PAGE, size - PAGE, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS),
                 STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(nt_free(p1, 0, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS), STATUS_INVALID_PARAMETER_3);
    cr_assert_eq(nt_free(p1, size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
    is_placeholder(p1, size / 4);
    is_placeholder(p2, size / 4);
    is_placeholder(p3, size / 2);
    void *q = p1;
    SIZE_T s = size;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &q, &s, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS), STATUS_SUCCESS);
    cr_assert_eq(q, p1);
    cr_assert_eq(s, size);
    is_placeholder(p1, size);
    /* A replaced piece is no placeholder: the range cannot coalesce. */
    cr_assert(VirtualFree(p1, size / 4, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER));
    void *a = p2;
    s = size - size / 4;
    cr_assert_eq(ex_alloc(&a, &s, MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE), STATUS_SUCCESS);
    cr_assert_eq(nt_free(p1, size, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(query(p2).Type, MEM_PRIVATE);
    cr_assert_eq(query(p2).AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(nt_free(p2, size - size / 4, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(nt_free(p1, size, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(nt_free(p1, size / 4, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(nt_free(p3, 0, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
    wv_space_validate();
}

static NTSTATUS with_req(void **p, SIZE_T size, ULONG type, MEM_ADDRESS_REQUIREMENTS *a, ULONG n)
{
    MEM_EXTENDED_PARAMETER ext[2];
    memset(ext, 0, sizeof(ext));
    ext[0].Type = MemExtendedParameterAddressRequirements;
    ext[0].Pointer = a;
    ext[1] = ext[0];
    return NtAllocateVirtualMemoryEx(SELF, p, &size, type, PAGE_READWRITE, ext, n);
}

Test(placeholder, address_requirements)
{
    MEM_EXTENDED_PARAMETER e;
    memset(&e, 0, sizeof(e));
    void *p = NULL;
    SIZE_T size = PAGE;
    cr_assert_eq(NtAllocateVirtualMemoryEx(SELF, &p, &size, MEM_RESERVE, PAGE_READWRITE, &e, 1), STATUS_INVALID_PARAMETER);
    e.Type = MemExtendedParameterMax;
    cr_assert_eq(NtAllocateVirtualMemoryEx(SELF, &p, &size, MEM_RESERVE, PAGE_READWRITE, &e, 1), STATUS_INVALID_PARAMETER);
    MEM_ADDRESS_REQUIREMENTS a = {0};
    cr_assert_eq(with_req(&p, PAGE, MEM_RESERVE | MEM_COMMIT, &a, 2), STATUS_INVALID_PARAMETER);
    cr_assert_eq(with_req(&p, PAGE, MEM_RESERVE | MEM_COMMIT, &a, 1), STATUS_SUCCESS);
    cr_assert_eq(nt_free(p, 0, MEM_RELEASE), STATUS_SUCCESS);
    p = NULL;
    uintptr_t bad_high[] = {0x20001000 + 1, 0x20001000 - 2, 0x20000800 - 1, UEND + PAGE - 1};
    for (size_t i = 0; i < sizeof(bad_high) / sizeof(bad_high[0]); i++) {
        a.HighestEndingAddress = (void *)bad_high[i];
        cr_assert_eq(with_req(&p, GRAN, MEM_RESERVE, &a, 1), STATUS_INVALID_PARAMETER, "high %#lx", bad_high[i]);
    }
    a.HighestEndingAddress = (void *)(0x20001000 - 1);
    cr_assert_eq(with_req(&p, 0x40000, MEM_RESERVE, &a, 1), STATUS_SUCCESS);
    cr_assert_eq((uintptr_t)p % GRAN, 0);
    cr_assert_leq((uintptr_t)p + 0x40000, 0x20001000);
    cr_assert_eq(with_req(&p, 0x40000, MEM_COMMIT, &a, 1), STATUS_INVALID_PARAMETER);
    cr_assert_eq(with_req(&p, 0x40000, MEM_RESERVE, &a, 1), STATUS_INVALID_PARAMETER); /* an address given */
    /* Requirements all zero ask for nothing: an address given places the allocation as without
     * them (Wine's test_NtAllocateVirtualMemoryEx_address_requirements on Windows). */
    MEM_ADDRESS_REQUIREMENTS none = {0};
    void *at = p;
    cr_assert_eq(with_req(&at, 0x40000, MEM_RESERVE, &none, 1), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(at, p);
    cr_assert_eq(nt_free(p, 0, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(with_req(&at, 0x40000, MEM_RESERVE, &none, 1), STATUS_SUCCESS);
    cr_assert_eq(at, p);
    cr_assert_eq(query(p).State, MEM_RESERVE);
    cr_assert_eq(nt_free(p, 0, MEM_RELEASE), STATUS_SUCCESS);
    p = NULL;
    a.Alignment = 0x20000000;
    cr_assert_eq(with_req(&p, 0x2000, MEM_RESERVE, &a, 1), (NTSTATUS)STATUS_NO_MEMORY);
    a.HighestEndingAddress = NULL;
    a.Alignment = 0x8000;
    cr_assert_eq(with_req(&p, PAGE, MEM_RESERVE, &a, 1), STATUS_INVALID_PARAMETER);
    a.Alignment = 0x30000;
    cr_assert_eq(with_req(&p, PAGE, MEM_RESERVE, &a, 1), STATUS_INVALID_PARAMETER);
    a.Alignment = 0x40000;
    cr_assert_eq(with_req(&p, PAGE, MEM_RESERVE, &a, 1), STATUS_SUCCESS);
    cr_assert_eq((uintptr_t)p % 0x40000, 0);
    cr_assert_eq(nt_free(p, 0, MEM_RELEASE), STATUS_SUCCESS);
    /* A placeholder placed the same way, through VirtualAlloc2. */
    a.Alignment = 0;
    a.LowestStartingAddress = (void *)0x300000000;
    e.Type = MemExtendedParameterAddressRequirements;
    e.Pointer = &a;
    char *ph = VirtualAlloc2(NULL, NULL, 2 * GRAN, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, &e, 1);
    cr_assert_not_null(ph);
    cr_assert_geq((uintptr_t)ph, 0x300000000);
    is_placeholder(ph, 2 * GRAN);
    cr_assert(VirtualFree(ph, 0, MEM_RELEASE));
}

/* The classic ring buffer: one 2*N placeholder split in two, one pagefile section of N mapped
 * into both halves; a write past the end shows at the start. */
static void ring(SIZE_T n)
{
    char *ph = VirtualAlloc2(NULL, NULL, 2 * n, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, NULL, 0);
    cr_assert_not_null(ph);
    cr_assert(VirtualFree(ph, n, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER));
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)n, NULL);
    cr_assert_not_null(s);
    char *v1 = MapViewOfFile3(s, GetCurrentProcess(), ph, 0, n, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0);
    char *v2 = MapViewOfFile3(s, NULL, ph + n, 0, n, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0);
    cr_assert_eq(v1, ph);
    cr_assert_eq(v2, ph + n);
    cr_assert(CloseHandle(s)); /* the views keep the section */
    MEMORY_BASIC_INFORMATION m = query(v2);
    cr_assert_eq(m.Type, MEM_MAPPED);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.AllocationBase, v2);
    cr_assert_eq(m.RegionSize, n);
    memcpy(v1 + n - 3, "ring!", 6); /* runs past the end of the first view */
    BARRIER();
    cr_assert_str_eq(v1, "g!");
    v2[0] = 'R';
    BARRIER();
    cr_assert_eq(v1[0], 'R');
    cr_assert(UnmapViewOfFile2(GetCurrentProcess(), v1, MEM_PRESERVE_PLACEHOLDER));
    is_placeholder(ph, n);
    cr_assert(UnmapViewOfFileEx(v2, MEM_PRESERVE_PLACEHOLDER));
    is_placeholder(ph + n, n);
    cr_assert(VirtualFree(ph, 2 * n, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS));
    is_placeholder(ph, 2 * n);
    cr_assert(VirtualFree(ph, 0, MEM_RELEASE));
    cr_assert_eq(query(ph).State, MEM_FREE);
    wv_space_validate();
}

Test(placeholder, ring_buffer) { ring(0x80000); }

Test(placeholder, ring_buffer_off_the_granule_grid)
{
    /* Split at pages, a 16 KiB section: the views share one 64 KiB granule. */
    char *ph = VirtualAlloc2(NULL, NULL, GRAN, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, NULL, 0);
    cr_assert(VirtualFree(ph, 0x4000, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER));
    cr_assert(VirtualFree(ph + 0x4000, 0x4000, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER));
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x4000, NULL);
    char *v1 = MapViewOfFile3(s, NULL, ph + 0x4000, 0, 0x4000, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0);
    cr_assert_eq(v1, ph + 0x4000);
    cr_assert(VirtualFree(ph + 0x8000, 0x4000, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER));
    char *v2 = MapViewOfFile3(s, NULL, ph + 0x8000, 0, 0x4000, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0);
    cr_assert_eq(v2, ph + 0x8000);
    strcpy(v1 + 0x4000 - 2, "xyz");
    BARRIER();
    cr_assert_str_eq(v1, "z");
    is_placeholder(ph, 0x4000);
    is_placeholder(ph + 0xc000, 0x4000);
    cr_assert_eq(query(v2).AllocationBase, v2);
    wv_space_validate();
    cr_assert(UnmapViewOfFile(v1)); /* without MEM_PRESERVE_PLACEHOLDER: gone */
    cr_assert_eq(query(v1).State, MEM_FREE);
    cr_assert_eq(query(v1).RegionSize, 0x4000);
    cr_assert(UnmapViewOfFile2(GetCurrentProcess(), v2, MEM_PRESERVE_PLACEHOLDER));
    cr_assert(VirtualFree(v2, 0x8000, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS));
    is_placeholder(v2, 0x8000);
    cr_assert(VirtualFree(ph, 0, MEM_RELEASE));
    cr_assert(VirtualFree(v2, 0, MEM_RELEASE));
    cr_assert(CloseHandle(s));
    wv_space_validate();
}

Test(placeholder, view_rules)
{
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, GRAN, NULL);
    char *ph = placeholder(2 * GRAN);
    MEMORY_BASIC_INFORMATION before = query(ph);
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFile3(s, NULL, ph, 0, GRAN, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0));
    EXPECT_ERR(ERROR_INVALID_ADDRESS); /* not the whole placeholder */
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFile3(s, NULL, ph + PAGE, 0, GRAN, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFile3(s, NULL, NULL, 0, GRAN, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    same(before, ph);
    /* An ordinary view: no placeholder to preserve, and none to replace. */
    char *v = MapViewOfFile3(s, NULL, NULL, 0, 0, 0, PAGE_READONLY, NULL, 0);
    cr_assert_not_null(v);
    cr_assert_eq(query(v).Protect, PAGE_READONLY);
    SetLastError(SENTINEL);
    cr_assert_not(UnmapViewOfFileEx(v, MEM_PRESERVE_PLACEHOLDER));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    cr_assert_eq(query(v).Type, MEM_MAPPED);
    SetLastError(SENTINEL);
    cr_assert_not(UnmapViewOfFileEx(v, 4));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert(UnmapViewOfFileEx(v, 0));
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFile3(s, NULL, NULL, 0, 0, 0, PAGE_EXECUTE_READ, NULL, 0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER); /* STATUS_SECTION_PROTECTION */
    cr_assert(VirtualFree(ph, 0, MEM_RELEASE));
    cr_assert(CloseHandle(s));
}

Test(placeholder, nt_map_view_of_section_ex)
{
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, GRAN, NULL);
    char *ph = placeholder(GRAN);
    void *at = ph;
    SIZE_T size = GRAN;
    LARGE_INTEGER off = {0};
    cr_assert_eq(NtMapViewOfSectionEx(s, SELF, &at, &off, &size, MEM_REPLACE_PLACEHOLDER, 0x1234, NULL, 0),
                 STATUS_INVALID_PAGE_PROTECTION);
    cr_assert_eq(NtMapViewOfSectionEx(s, NULL, &at, &off, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0),
                 STATUS_INVALID_HANDLE);
    cr_assert_eq(NtMapViewOfSectionEx(NULL, SELF, &at, &off, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0),
                 STATUS_INVALID_HANDLE);
    size = 2 * GRAN;
    cr_assert_eq(NtMapViewOfSectionEx(s, SELF, &at, &off, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0),
                 STATUS_INVALID_VIEW_SIZE);
    off.QuadPart = PAGE;
    size = PAGE;
    cr_assert_eq(NtMapViewOfSectionEx(s, SELF, &at, &off, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0),
                 STATUS_MAPPED_ALIGNMENT);
    off.QuadPart = 0;
    size = GRAN;
    is_placeholder(ph, GRAN);
    cr_assert_eq(NtMapViewOfSectionEx(s, SELF, &at, &off, &size, MEM_REPLACE_PLACEHOLDER, PAGE_WRITECOPY, NULL, 0),
                 STATUS_SUCCESS);
    cr_assert_eq(at, ph);
    cr_assert_eq(size, GRAN);
    cr_assert_eq(query(ph).Protect, PAGE_WRITECOPY);
    cr_assert(UnmapViewOfFile2(GetCurrentProcess(), ph, MEM_PRESERVE_PLACEHOLDER));
    is_placeholder(ph, GRAN);
    cr_assert(VirtualFree(ph, 0, MEM_RELEASE));
    cr_assert(CloseHandle(s));
}

Test(placeholder, from_app_forms_refuse_code)
{
    SetLastError(SENTINEL);
    cr_assert_null(VirtualAlloc2FromApp(NULL, NULL, PAGE, MEM_COMMIT, PAGE_EXECUTE_READ, NULL, 0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    void *p = VirtualAlloc2FromApp(NULL, NULL, PAGE, MEM_COMMIT, PAGE_READWRITE, NULL, 0);
    cr_assert_not_null(p);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
}

/* ---- releasing part of an allocation (src/mm/split.c): Windows splits it ---- */

Test(release_part, a_hole_splits_the_allocation)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    for (int i = 0; i < 16; i++)
        p[i * PAGE] = (char)(i + 1);
    cr_assert(VirtualFree(p + 0xa000, PAGE, MEM_DECOMMIT));
    void *a = p + 0x4000;
    SIZE_T size = 0x4000;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(a, p + 0x4000);
    cr_assert_eq(size, 0x4000);
    MEMORY_BASIC_INFORMATION lo = query(p), hole = query(p + 0x4000), hi = query(p + 0x8000);
    cr_assert(lo.AllocationBase == p && lo.RegionSize == 0x4000 && lo.State == MEM_COMMIT && lo.Protect == PAGE_READWRITE);
    cr_assert(hole.State == MEM_FREE && hole.RegionSize == 0x4000);
    cr_assert(hi.AllocationBase == p + 0x8000 && hi.RegionSize == 0x2000 && hi.State == MEM_COMMIT);
    cr_assert_eq(hi.AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(query(p + 0xa000).State, MEM_RESERVE);
    cr_assert_eq(query(p + 0xa000).AllocationBase, p + 0x8000);
    cr_assert_eq(p[3 * PAGE], 4);
    cr_assert_eq(p[8 * PAGE], 9);
    cr_assert_eq(p[15 * PAGE], 16);
    wv_space_validate();
    /* The upper piece is an allocation of its own: released from its base, by size 0. */
    cr_assert_eq(nt_free(p + 0x8000, 0, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(nt_free(p, 0x1000, MEM_RELEASE), STATUS_SUCCESS); /* the first page: the rest stays */
    cr_assert_eq(query(p + PAGE).AllocationBase, p + PAGE);
    cr_assert_eq(nt_free(p + PAGE, 0, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(query(p).State, MEM_FREE);
    cr_assert_geq(query(p).RegionSize, GRAN);
    wv_space_validate();
}

Test(release_part, write_watch_is_never_split)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION before = query(p);
    cr_assert_eq(nt_free(p, PAGE, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
    same(before, p);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
}
