/* SPDX-License-Identifier: MIT */
/* test_query.c - VirtualQuery on private memory and free space.
 * Rules: reference "Virtual memory (private)" (VirtualQuery), wine-vm-facts §5. */
#include "testutil.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static void expect_region(const void *addr, const void *base, const void *alloc_base,
                          DWORD alloc_protect, SIZE_T size, DWORD state, DWORD protect, DWORD type)
{
    MEMORY_BASIC_INFORMATION m = tu_query(addr);
    cr_assert_eq(m.BaseAddress, base, "query %p: BaseAddress %p, want %p", addr, m.BaseAddress, base);
    cr_assert_eq(m.AllocationBase, alloc_base, "query %p: AllocationBase %p, want %p", addr,
                 m.AllocationBase, alloc_base);
    cr_assert_eq(m.AllocationProtect, alloc_protect, "query %p: AllocationProtect %#x, want %#x",
                 addr, m.AllocationProtect, alloc_protect);
    cr_assert_eq(m.RegionSize, size, "query %p: RegionSize %#zx, want %#zx", addr,
                 (size_t)m.RegionSize, (size_t)size);
    cr_assert_eq(m.State, state, "query %p: State %#x, want %#x", addr, m.State, state);
    cr_assert_eq(m.Protect, protect, "query %p: Protect %#x, want %#x", addr, m.Protect, protect);
    cr_assert_eq(m.Type, type, "query %p: Type %#x, want %#x", addr, m.Type, type);
}

Test(query, returns_size_of_structure)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m[2];
    cr_assert_eq(VirtualQuery(p, m, sizeof(m[0])), sizeof(MEMORY_BASIC_INFORMATION));
    cr_assert_eq(VirtualQuery(p, m, sizeof(m)), sizeof(MEMORY_BASIC_INFORMATION));
    cr_assert_eq(sizeof(MEMORY_BASIC_INFORMATION), 48);
}

Test(query, short_buffer_fails_bad_length)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m;
    static const SIZE_T lens[3] = {0, 1, sizeof(MEMORY_BASIC_INFORMATION) - 1};
    for (int i = 0; i < 3; i++) {
        memset(&m, 0xab, sizeof(m));
        SetLastError(SENTINEL);
        cr_assert_eq(VirtualQuery(p, &m, lens[i]), 0, "length %zu", (size_t)lens[i]);
        EXPECT_ERR(ERROR_BAD_LENGTH);
        for (size_t k = 0; k < sizeof(m); k++)
            cr_assert_eq(((unsigned char *)&m)[k], 0xab, "buffer written at %zu", k);
    }
}

Test(query, address_above_user_space_fails_87)
{
    static const uintptr_t bad[4] = {0x7FFFFFFF0000ull, 0x7FFFFFFFF000ull, 0xFFFF800000000000ull,
                                     ~(uintptr_t)0};
    MEMORY_BASIC_INFORMATION m;
    for (int i = 0; i < 4; i++) {
        SetLastError(SENTINEL);
        cr_assert_eq(VirtualQuery((void *)bad[i], &m, sizeof(m)), 0, "%#lx", (unsigned long)bad[i]);
        EXPECT_ERR(ERROR_INVALID_PARAMETER);
    }
    /* The highest user address itself can be queried. */
    cr_assert_eq(VirtualQuery((void *)0x7FFFFFFEFFFFull, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.BaseAddress, (void *)0x7FFFFFFEF000ull);
}

Test(query, reserved_region_fields)
{
    char *p = VirtualAlloc(NULL, 0x5000, MEM_RESERVE, PAGE_EXECUTE_READ);
    cr_assert_not_null(p);
    expect_region(p, p, p, PAGE_EXECUTE_READ, 0x5000, MEM_RESERVE, 0, MEM_PRIVATE);
    expect_region(p + 0x4fff, p + 0x4000, p, PAGE_EXECUTE_READ, 0x1000, MEM_RESERVE, 0,
                  MEM_PRIVATE);
}

Test(query, committed_region_fields)
{
    char *p = VirtualAlloc(NULL, 0x5000, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    cr_assert_not_null(p);
    expect_region(p, p, p, PAGE_READONLY, 0x5000, MEM_COMMIT, PAGE_READONLY, MEM_PRIVATE);
}

Test(query, region_size_runs_from_page_rounded_address)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    expect_region(p + 0x3123, p + 0x3000, p, PAGE_READWRITE, 0xD000, MEM_COMMIT, PAGE_READWRITE,
                  MEM_PRIVATE);
    expect_region(p + 0xFFFF, p + 0xF000, p, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_READWRITE,
                  MEM_PRIVATE);
}

Test(query, regions_split_by_state_and_protection)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p + 0x2000, 0x3000, MEM_COMMIT, PAGE_READWRITE), p + 0x2000);
    cr_assert_eq(VirtualAlloc(p + 0x5000, 0x1000, MEM_COMMIT, PAGE_READONLY), p + 0x5000);
    expect_region(p, p, p, PAGE_NOACCESS, 0x2000, MEM_RESERVE, 0, MEM_PRIVATE);
    expect_region(p + 0x2000, p + 0x2000, p, PAGE_NOACCESS, 0x3000, MEM_COMMIT, PAGE_READWRITE,
                  MEM_PRIVATE);
    expect_region(p + 0x3000, p + 0x3000, p, PAGE_NOACCESS, 0x2000, MEM_COMMIT, PAGE_READWRITE,
                  MEM_PRIVATE);
    expect_region(p + 0x5000, p + 0x5000, p, PAGE_NOACCESS, 0x1000, MEM_COMMIT, PAGE_READONLY,
                  MEM_PRIVATE);
    expect_region(p + 0x6000, p + 0x6000, p, PAGE_NOACCESS, 0xA000, MEM_RESERVE, 0, MEM_PRIVATE);
}

Test(query, adjacent_reserved_allocations_are_separate_regions)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, GRAN, MEM_RESERVE, PAGE_READWRITE), x);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE, PAGE_READWRITE), x + GRAN);
    expect_region(x, x, x, PAGE_READWRITE, GRAN, MEM_RESERVE, 0, MEM_PRIVATE);
    expect_region(x + 0x8000, x + 0x8000, x, PAGE_READWRITE, 0x8000, MEM_RESERVE, 0, MEM_PRIVATE);
    expect_region(x + GRAN, x + GRAN, x + GRAN, PAGE_READWRITE, GRAN, MEM_RESERVE, 0, MEM_PRIVATE);
}

Test(query, adjacent_committed_allocations_are_separate_regions)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x + GRAN);
    expect_region(x + 0x1000, x + 0x1000, x, PAGE_READWRITE, 0xF000, MEM_COMMIT, PAGE_READWRITE,
                  MEM_PRIVATE);
    expect_region(x + GRAN, x + GRAN, x + GRAN, PAGE_READWRITE, GRAN, MEM_COMMIT, PAGE_READWRITE,
                  MEM_PRIVATE);
}

Test(query, allocation_protect_never_changes)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(p);
    cr_assert_eq(tu_query(p).AllocationProtect, PAGE_NOACCESS);
    cr_assert_eq(VirtualAlloc(p, 0x2000, MEM_COMMIT, PAGE_READWRITE), p);
    cr_assert_eq(tu_query(p).AllocationProtect, PAGE_NOACCESS);
    DWORD old;
    cr_assert(VirtualProtect(p, 0x1000, PAGE_EXECUTE_READ, &old));
    cr_assert_eq(tu_query(p).AllocationProtect, PAGE_NOACCESS);
    cr_assert(VirtualFree(p, 0x2000, MEM_DECOMMIT));
    cr_assert_eq(tu_query(p).AllocationProtect, PAGE_NOACCESS);
    cr_assert_eq(tu_query(p + 0x8000).AllocationProtect, PAGE_NOACCESS);
}

Test(query, free_region_fields_and_size_to_next_allocation)
{
    char *x = VirtualAlloc(NULL, 3 * GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(x);
    cr_assert(VirtualFree(x, 0, MEM_RELEASE));
    cr_assert_eq(VirtualAlloc(x + 2 * GRAN, GRAN, MEM_RESERVE, PAGE_READWRITE), x + 2 * GRAN);
    expect_region(x, x, NULL, 0, 2 * GRAN, MEM_FREE, PAGE_NOACCESS, 0);
    expect_region(x + 0x1234, x + 0x1000, NULL, 0, 2 * GRAN - 0x1000, MEM_FREE, PAGE_NOACCESS, 0);
}

Test(query, free_region_between_allocations)
{
    char *x = tu_free_range(4 * GRAN);
    cr_assert_eq(VirtualAlloc(x, 0x3000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x);
    cr_assert_eq(VirtualAlloc(x + 3 * GRAN, GRAN, MEM_RESERVE, PAGE_READWRITE), x + 3 * GRAN);
    /* The rest of the first granule and the two granules after it are one free region. */
    expect_region(x + 0x3000, x + 0x3000, NULL, 0, 3 * GRAN - 0x3000, MEM_FREE, PAGE_NOACCESS, 0);
    expect_region(x + GRAN, x + GRAN, NULL, 0, 2 * GRAN, MEM_FREE, PAGE_NOACCESS, 0);
}

Test(query, released_memory_is_free)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE, PAGE_READWRITE), x + GRAN);
    char *p = VirtualAlloc(x, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(p, x);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    expect_region(p + 0x4000, p + 0x4000, NULL, 0, 0xC000, MEM_FREE, PAGE_NOACCESS, 0);
}

Test(query, free_tail_of_granule_after_short_allocation)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE, PAGE_READWRITE), x + GRAN);
    expect_region(x, x, x, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    expect_region(x + 0x1800, x + 0x1000, NULL, 0, GRAN - 0x1000, MEM_FREE, PAGE_NOACCESS, 0);
}

/* UNVERIFIED by a Wine test: the NULL page is free space up to the first mapping. */
Test(query, null_page_is_free)
{
    MEMORY_BASIC_INFORMATION m = tu_query(NULL);
    cr_assert_eq(m.BaseAddress, NULL);
    cr_assert_eq(m.State, MEM_FREE);
    cr_assert_eq(m.AllocationBase, NULL);
    cr_assert_eq(m.Protect, PAGE_NOACCESS);
    cr_assert_geq(m.RegionSize, 0x10000);
    cr_assert_eq(m.RegionSize % PAGE, 0);
}

/* Region lengths in a large reservation (more pages than one bitmap summary word covers). */
Test(query, region_sizes_in_large_reservation)
{
    const SIZE_T n = 16384; /* 64 MiB */
    char *p = VirtualAlloc(NULL, n * PAGE, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(tu_query(p).RegionSize, n * PAGE);
    cr_assert_eq(VirtualAlloc(p + 10000 * PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE), p + 10000 * PAGE);
    cr_assert_eq(VirtualAlloc(p + (n - 1) * PAGE, PAGE, MEM_COMMIT, PAGE_READONLY),
                 p + (n - 1) * PAGE);
    cr_assert_eq(tu_query(p).RegionSize, 10000 * PAGE);
    cr_assert_eq(tu_query(p + 5000 * PAGE).RegionSize, 5000 * PAGE);
    cr_assert_eq(tu_query(p + 9999 * PAGE).RegionSize, PAGE);
    cr_assert_eq(tu_query(p + 10000 * PAGE).RegionSize, PAGE);
    cr_assert_eq(tu_query(p + 10000 * PAGE).State, MEM_COMMIT);
    cr_assert_eq(tu_query(p + 10001 * PAGE).RegionSize, (n - 10002) * PAGE);
    cr_assert_eq(tu_query(p + (n - 1) * PAGE).RegionSize, PAGE);
    cr_assert_eq(tu_query(p + (n - 1) * PAGE).Protect, PAGE_READONLY);
    /* Undo: one region again. */
    cr_assert(VirtualFree(p + 10000 * PAGE, PAGE, MEM_DECOMMIT));
    cr_assert(VirtualFree(p + (n - 1) * PAGE, PAGE, MEM_DECOMMIT));
    cr_assert_eq(tu_query(p).RegionSize, n * PAGE);
    cr_assert_eq(tu_query(p + 7777 * PAGE).RegionSize, (n - 7777) * PAGE);
}

Test(query, many_alternating_regions)
{
    char *p = VirtualAlloc(NULL, 256 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    for (SIZE_T i = 0; i < 256; i += 3)
        cr_assert_not_null(VirtualAlloc(p + i * PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE));
    for (SIZE_T i = 0; i < 256; i++) {
        MEMORY_BASIC_INFORMATION m = tu_query(p + i * PAGE);
        bool committed = i % 3 == 0;
        cr_assert_eq(m.State, committed ? MEM_COMMIT : MEM_RESERVE, "page %zu", (size_t)i);
        SIZE_T want = committed ? 1 : (i % 3 == 1 ? 2 : 1);
        if (i == 255)
            want = 1;
        cr_assert_eq(m.RegionSize, want * PAGE, "page %zu", (size_t)i);
    }
}

Test(query, guard_and_modifiers_reported)
{
    char *p = VirtualAlloc(NULL, 0x3000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READ | PAGE_GUARD);
    cr_assert_not_null(p);
    expect_region(p, p, p, PAGE_EXECUTE_READ | PAGE_GUARD, 0x3000, MEM_COMMIT,
                  PAGE_EXECUTE_READ | PAGE_GUARD, MEM_PRIVATE);
    char *q = VirtualAlloc(NULL, 0x3000, MEM_RESERVE, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_not_null(q);
    expect_region(q, q, q, PAGE_READWRITE | PAGE_NOCACHE, 0x3000, MEM_RESERVE, 0, MEM_PRIVATE);
}

Test(query, query_ex_current_process)
{
    char *p = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQueryEx(GetCurrentProcess(), p + 0x1800, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.BaseAddress, p + 0x1000);
    cr_assert_eq(m.AllocationBase, p);
    cr_assert_eq(m.RegionSize, 0x1000);
    cr_assert_eq(m.State, MEM_COMMIT);
    SetLastError(SENTINEL);
    cr_assert_eq(VirtualQueryEx(GetCurrentProcess(), p, &m, sizeof(m) - 1), 0);
    EXPECT_ERR(ERROR_BAD_LENGTH);
}

/* Whether the process has a kernel mapping in [lo, hi). */
static bool host_mapping_in(uintptr_t lo, uintptr_t hi)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert_not_null(f);
    unsigned long s, e;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < hi && e > lo)
            found = true;
    fclose(f);
    return found;
}

/* winvm keeps one page of its own just below its first bottom-up allocations (0x0FFFF000, to
 * keep the kernel's page tables there alive): a program must neither see it nor meet it. */
Test(query, winvm_own_page_is_neither_seen_nor_in_the_way)
{
    void *first = VirtualAlloc(NULL, 65536, MEM_RESERVE, PAGE_NOACCESS); /* the page appears */
    cr_assert_not_null(first);
    const uintptr_t page = 0x0FFFF000, granule = 0x0FFF0000;
    if (host_mapping_in(granule, page)) /* winvm's page and what lies above are winvm's */
        cr_skip("something else is mapped at 0x0FFF0000 in this process");
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery((void *)page, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.State, MEM_FREE, "winvm's own page shows as state %#lx", (unsigned long)m.State);
    cr_assert_eq((uintptr_t)m.BaseAddress, page);
    cr_assert_eq(m.Protect, PAGE_NOACCESS);
    cr_assert_eq(VirtualQuery((void *)granule, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.State, MEM_FREE);
    cr_assert_geq((uintptr_t)m.BaseAddress + m.RegionSize, 0x10000000,
                  "the free region stops at winvm's own page");
    void *p = VirtualAlloc((void *)granule, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq((uintptr_t)p, granule, "VirtualAlloc at 0x0FFF0000: %p, error %lu", p,
                 (unsigned long)GetLastError());
    ((volatile char *)p)[65535] = 1; /* the last page, where winvm's page was, is usable */
    cr_assert_eq(VirtualQuery((void *)page, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq((uintptr_t)m.AllocationBase, granule);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    cr_assert(VirtualFree(first, 0, MEM_RELEASE));
}

static int exceptions_seen;

static LONG WINAPI count_exceptions(PEXCEPTION_POINTERS ep)
{
    (void)ep;
    __atomic_add_fetch(&exceptions_seen, 1, __ATOMIC_RELAXED);
    return EXCEPTION_CONTINUE_SEARCH;
}

/* An output buffer the caller cannot write (unmapped, read-only, no access, read-only data of
 * the program) is ERROR_NOACCESS: no crash, no exception to the program's handlers. */
Test(query, bad_output_buffer_is_error_998_not_a_crash)
{
    char *ro = VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    char *na = VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
    char *two = VirtualAlloc(NULL, 8192, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    cr_assert(ro && na && two && VirtualProtect(two + 4096, 4096, PAGE_READONLY, &old));
    char *gone = VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert(VirtualFree(gone, 0, MEM_RELEASE));
    static const MEMORY_BASIC_INFORMATION rodata;
    void *bad[] = {ro, na, two + 4096 - 8 /* straddles into the read-only page */, gone,
                   (void *)&rodata, (void *)(uintptr_t)0x10};
    PVOID h = AddVectoredExceptionHandler(1, count_exceptions);
    exceptions_seen = 0;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(0xdead);
        cr_assert_eq(VirtualQuery(two, bad[i], sizeof(MEMORY_BASIC_INFORMATION)), 0, "buffer %zu", i);
        cr_assert_eq(GetLastError(), ERROR_NOACCESS, "buffer %zu: error %lu", i,
                     (unsigned long)GetLastError());
    }
    RemoveVectoredExceptionHandler(h);
    cr_assert_eq(exceptions_seen, 0, "the program's handler saw %d exceptions", exceptions_seen);
    for (size_t i = 0; i < 4096; i++)
        cr_assert_eq(ro[i], 0, "the read-only page changed");
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery(two, &m, sizeof(m)), sizeof(m), "a good buffer still works");
    VirtualFree(ro, 0, MEM_RELEASE), VirtualFree(na, 0, MEM_RELEASE), VirtualFree(two, 0, MEM_RELEASE);
}
