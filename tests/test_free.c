/* SPDX-License-Identifier: MIT */
/* test_free.c - VirtualFree: MEM_RELEASE and MEM_DECOMMIT on private memory.
 * Rules: reference "Virtual memory (private)" (VirtualFree), wine-vm-facts §3. */
#include "testutil.h"
#include <criterion/criterion.h>
#include <string.h>

/* A 64 KiB allocation, fully committed read-write and filled with a per-page pattern. */
static char *committed_block(void)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    for (int i = 0; i < 16; i++)
        memset(p + i * PAGE, 0x40 + i, PAGE);
    return p;
}

static void pattern_intact(const char *p, int first, int last)
{
    for (int i = first; i <= last; i++)
        for (SIZE_T k = 0; k < PAGE; k += 97)
            cr_assert_eq((unsigned char)p[i * PAGE + k], 0x40 + i, "page %d byte %#zx", i, k);
}

/* ---- MEM_RELEASE ---- */

Test(free, release_removes_the_allocation)
{
    char *p = committed_block();
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_FREE);
    cr_assert_eq(m.AllocationBase, NULL);
    cr_assert_eq(tu_host_prot(p), -1);
    cr_assert_eq(tu_host_prot(p + 0xF000), -1);
    cr_assert(tu_read_faults(p));
}

Test(free, release_needs_size_zero)
{
    char *p = committed_block();
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, 1, MEM_RELEASE);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, GRAN, MEM_RELEASE);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, 0x11000, MEM_RELEASE);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    pattern_intact(p, 0, 15);
}

Test(free, release_not_at_base_fails_487)
{
    char *p = committed_block();
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    FREE_FAILS(ERROR_INVALID_ADDRESS, p + 0x1000, 0, MEM_RELEASE);
    FREE_FAILS(ERROR_INVALID_ADDRESS, p + 0x1001, 0, MEM_RELEASE);
    FREE_FAILS(ERROR_INVALID_ADDRESS, p + 0xF000, 0, MEM_RELEASE);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    pattern_intact(p, 0, 15);
}

Test(free, release_at_address_in_base_page_releases_all)
{
    char *p = committed_block();
    cr_assert(VirtualFree(p + 0xfff, 0, MEM_RELEASE));
    cr_assert_eq(tu_query(p).State, MEM_FREE);
    cr_assert_eq(tu_query(p + 0x8000).State, MEM_FREE);
    cr_assert_eq(tu_host_prot(p), -1);
    cr_assert_eq(tu_host_prot(p + 0xF000), -1);
}

Test(free, release_of_free_memory_fails_487)
{
    char *x = tu_free_range(GRAN);
    FREE_FAILS(ERROR_INVALID_ADDRESS, x, 0, MEM_RELEASE);
    char *p = committed_block();
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    FREE_FAILS(ERROR_INVALID_ADDRESS, p, 0, MEM_RELEASE); /* twice */
}

/* UNVERIFIED in the facts (487 expected for a NULL address); winvm reports 487. */
Test(free, release_of_null_fails_487)
{
    FREE_FAILS(ERROR_INVALID_ADDRESS, NULL, 0, MEM_RELEASE);
}

Test(free, release_of_reserved_only_allocation)
{
    char *p = VirtualAlloc(NULL, 4 * GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    cr_assert_eq(tu_host_prot(p), -1);
    cr_assert_eq(tu_host_prot(p + 3 * GRAN), -1);
    cr_assert_eq(tu_query(p + 2 * GRAN).State, MEM_FREE);
}

Test(free, release_leaves_neighbour_allocations_alone)
{
    char *x = tu_free_range(3 * GRAN);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(VirtualAlloc(x + i * GRAN, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
                     x + i * GRAN);
    x[GRAN - 1] = 1;
    x[2 * GRAN] = 2;
    cr_assert(VirtualFree(x + GRAN, 0, MEM_RELEASE));
    cr_assert_eq(tu_query(x + GRAN).State, MEM_FREE);
    cr_assert_eq(tu_query(x + GRAN).RegionSize, GRAN);
    cr_assert_eq(x[GRAN - 1], 1);
    cr_assert_eq(x[2 * GRAN], 2);
    cr_assert_eq(tu_query(x).State, MEM_COMMIT);
    cr_assert_eq(tu_query(x + 2 * GRAN).State, MEM_COMMIT);
}

Test(free, release_in_free_tail_of_granule_fails_487)
{
    char *p = VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    FREE_FAILS(ERROR_INVALID_ADDRESS, p + 0x8000, 0, MEM_RELEASE);
    FREE_FAILS(ERROR_INVALID_ADDRESS, p + 0x1000, 0x1000, MEM_DECOMMIT);
    cr_assert_eq(tu_query(p).State, MEM_COMMIT);
}

/* ---- free types ---- */

Test(free, free_type_zero_invalid)
{
    char *p = committed_block();
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, GRAN, 0);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, 0, 0);
    cr_assert_eq(tu_query(p).State, MEM_COMMIT);
    pattern_intact(p, 0, 15);
}

Test(free, free_type_mem_free_invalid)
{
    char *p = committed_block();
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, 0, MEM_FREE);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, GRAN, MEM_FREE);
    cr_assert_eq(tu_query(p).State, MEM_COMMIT);
    pattern_intact(p, 0, 15);
}

/* UNVERIFIED in the facts: the doc lists them as alternatives; 87 expected. */
Test(free, decommit_with_release_invalid)
{
    char *p = committed_block();
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, 0, MEM_DECOMMIT | MEM_RELEASE);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, GRAN, MEM_DECOMMIT | MEM_RELEASE);
    cr_assert_eq(tu_query(p).State, MEM_COMMIT);
    cr_assert_eq(tu_query(p).RegionSize, GRAN);
    pattern_intact(p, 0, 15);
}

/* ---- MEM_DECOMMIT ---- */

Test(free, decommit_reports_reserved)
{
    char *p = committed_block();
    cr_assert(VirtualFree(p + 0x2000, 0x3000, MEM_DECOMMIT));
    MEMORY_BASIC_INFORMATION m = tu_query(p + 0x2000);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.Protect, 0);
    cr_assert_eq(m.RegionSize, 0x3000);
    cr_assert_eq(m.AllocationBase, p);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(m.Type, MEM_PRIVATE);
    cr_assert_eq(tu_query(p).RegionSize, 0x2000);
    cr_assert_eq(tu_query(p + 0x5000).RegionSize, 0xB000);
    cr_assert_eq(tu_host_prot(p + 0x2000), 0);
    cr_assert(tu_read_faults(p + 0x3000));
    /* Neighbours keep their data. */
    pattern_intact(p, 0, 1);
    pattern_intact(p, 5, 15);
}

Test(free, decommit_discards_contents)
{
    char *p = committed_block();
    cr_assert(VirtualFree(p + 0x1000, 0x2000, MEM_DECOMMIT));
    cr_assert_eq(VirtualAlloc(p, GRAN, MEM_COMMIT, PAGE_READWRITE), p);
    for (SIZE_T i = 0x1000; i < 0x3000; i++)
        cr_assert_eq(p[i], 0, "byte %#zx survived decommit", i);
    pattern_intact(p, 0, 0);
    pattern_intact(p, 3, 15);
}

Test(free, decommit_makes_pages_non_resident)
{
    char *p = committed_block();
    cr_assert(tu_resident(p + 0x4000));
    cr_assert(tu_resident(p + 0x5000));
    cr_assert(VirtualFree(p + 0x4000, 0x2000, MEM_DECOMMIT));
    cr_assert_not(tu_resident(p + 0x4000));
    cr_assert_not(tu_resident(p + 0x5000));
    cr_assert(tu_resident(p + 0x6000));
}

Test(free, decommit_of_partly_committed_reservation_succeeds)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p + 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE), p + 0x3000);
    cr_assert(VirtualFree(p, GRAN, MEM_DECOMMIT));
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.RegionSize, GRAN);
    /* Decommitting only reserved pages is not an error either. */
    cr_assert(VirtualFree(p, 0x2000, MEM_DECOMMIT));
    cr_assert_eq(tu_query(p).RegionSize, GRAN);
}

Test(free, decommit_size_zero_at_base_decommits_whole_allocation)
{
    char *p = committed_block();
    cr_assert(VirtualFree(p, 0, MEM_DECOMMIT));
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.RegionSize, GRAN);
    cr_assert_eq(tu_host_prot(p + 0xF000), 0);
}

Test(free, decommit_size_zero_in_base_page_decommits_whole_allocation)
{
    char *p = committed_block();
    cr_assert(VirtualFree(p + 0xffe, 0, MEM_DECOMMIT));
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.RegionSize, GRAN);
}

Test(free, decommit_size_zero_not_at_base_fails_487)
{
    char *p = committed_block();
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    FREE_FAILS(ERROR_INVALID_ADDRESS, p + 0x1001, 0, MEM_DECOMMIT);
    FREE_FAILS(ERROR_INVALID_ADDRESS, p + 0x1000, 0, MEM_DECOMMIT);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    pattern_intact(p, 0, 15);
}

Test(free, decommit_rounds_out_to_whole_pages)
{
    char *p = committed_block();
    cr_assert(VirtualFree(p + 0x1fff, 2, MEM_DECOMMIT));
    cr_assert_eq(tu_query(p).State, MEM_COMMIT);
    cr_assert_eq(tu_query(p).RegionSize, 0x1000);
    MEMORY_BASIC_INFORMATION m = tu_query(p + 0x1000);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.RegionSize, 0x2000);
    cr_assert_eq(tu_query(p + 0x3000).State, MEM_COMMIT);
    cr_assert_eq(tu_query(p + 0x3000).RegionSize, 0xD000);
}

Test(free, decommit_past_allocation_end_fails_87)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x + GRAN);
    struct tu_snap a, b;
    tu_take(&a, x + 0x8000, 16);
    FREE_FAILS(ERROR_INVALID_PARAMETER, x + 0xF000, 0x2000, MEM_DECOMMIT);
    FREE_FAILS(ERROR_INVALID_PARAMETER, x, 0x11000, MEM_DECOMMIT);
    tu_take(&b, x + 0x8000, 16);
    tu_same(&a, &b, 16);
}

Test(free, decommit_of_free_memory_fails_487)
{
    char *p = committed_block();
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    FREE_FAILS(ERROR_INVALID_ADDRESS, p, 0x1000, MEM_DECOMMIT);
    FREE_FAILS(ERROR_INVALID_ADDRESS, p, 0, MEM_DECOMMIT);
    cr_assert_eq(tu_host_prot(p), -1);
}

Test(free, decommit_huge_size_fails_cleanly)
{
    char *p = committed_block();
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, (SIZE_T)-1, MEM_DECOMMIT);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p + 0x1000, (SIZE_T)-0x1000, MEM_DECOMMIT);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    pattern_intact(p, 0, 15);
}

Test(free, decommit_keeps_allocation_protect)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READ);
    cr_assert_not_null(p);
    cr_assert(VirtualFree(p, 0x1000, MEM_DECOMMIT));
    cr_assert_eq(tu_query(p).AllocationProtect, PAGE_EXECUTE_READ);
    cr_assert_eq(tu_query(p + 0x1000).AllocationProtect, PAGE_EXECUTE_READ);
    cr_assert_eq(tu_query(p + 0x1000).Protect, PAGE_EXECUTE_READ);
}

Test(free, decommit_then_recommit_with_new_protection)
{
    char *p = committed_block();
    cr_assert(VirtualFree(p, 0x4000, MEM_DECOMMIT));
    cr_assert_eq(VirtualAlloc(p, 0x4000, MEM_COMMIT, PAGE_READONLY), p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.RegionSize, 0x4000);
    cr_assert_eq(tu_host_prot(p), 1);
    cr_assert_eq(p[0x3fff], 0);
    cr_assert(tu_write_faults(p));
}
