/* SPDX-License-Identifier: MIT */
/* test_alloc.c - VirtualAlloc on private memory: reserve, commit, protections, rounding,
 * placement and refusals.  Rules: reference "Virtual memory (private)", wine-vm-facts §1. */
#include "testutil.h"
#include <criterion/criterion.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#define AT_ROUND_TO_PAGE 0x40000000u

/* Number of kernel mappings.  The first winvm call of a thread maps its alternate signal
 * stack; one warm-up call first keeps that out of the counts. */
static int count_maps(void)
{
    static __thread bool warm;
    if (!warm) {
        void *w = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_NOACCESS);
        cr_assert(w && VirtualFree(w, 0, MEM_RELEASE));
        warm = true;
    }
    static char buf[1 << 16];
    int fd = open("/proc/self/maps", O_RDONLY);
    cr_assert(fd >= 0);
    int lines = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < r; i++)
            lines += buf[i] == '\n';
    close(fd);
    return lines;
}

/* ---- size and base ---- */

Test(alloc, size_zero_is_invalid)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0, MEM_RESERVE, PAGE_NOACCESS);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0, MEM_COMMIT, PAGE_READWRITE);
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
}

Test(alloc, reserve_null_base_is_64k_aligned_and_reported)
{
    char *p = VirtualAlloc(NULL, 0xFFFC, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t)p & 0xffff, 0, "%p not 64K aligned", p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.BaseAddress, p);
    cr_assert_eq(m.AllocationBase, p);
    cr_assert_eq(m.AllocationProtect, PAGE_NOACCESS);
    cr_assert_eq(m.RegionSize, 0x10000);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.Protect, 0);
    cr_assert_eq(m.Type, MEM_PRIVATE);
}

Test(alloc, reserve_commit_null_base_is_64k_aligned)
{
    for (int i = 0; i < 8; i++) {
        char *p = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p & 0xffff, 0, "%p not 64K aligned", p);
        MEMORY_BASIC_INFORMATION m = tu_query(p);
        cr_assert_eq(m.RegionSize, 0x2000);
        cr_assert_eq(m.State, MEM_COMMIT);
        cr_assert_eq(m.Protect, PAGE_EXECUTE_READWRITE);
        cr_assert_eq(tu_host_prot(p), 7);
    }
}

Test(alloc, commit_with_null_base_implies_reserve)
{
    char *p = VirtualAlloc(NULL, 0x2000, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t)p & 0xffff, 0);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.AllocationBase, p);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 0x2000);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.Type, MEM_PRIVATE);
    p[0] = 1;
    p[0x1fff] = 2;
    cr_assert_eq(p[0] + p[0x1fff], 3);
    /* It is a real allocation: it can be released at its base. */
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    cr_assert_eq(tu_query(p).State, MEM_FREE);
}

Test(alloc, reserve_size_rounds_up_to_whole_pages)
{
    char *p = VirtualAlloc(NULL, 0x1001, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(tu_query(p).RegionSize, 0x2000);
    cr_assert_eq(tu_query(p + 0x2000).State, MEM_FREE);
    char *q = VirtualAlloc(NULL, 1, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(q);
    cr_assert_eq(tu_query(q).RegionSize, 0x1000);
    cr_assert_eq(tu_query(q + 0x1000).State, MEM_FREE);
}

Test(alloc, reserve_at_address_rounds_base_down_to_64k)
{
    /* ROS: base 0x60025000, size 200 -> base 0x60020000, size to the end of the page. */
    char *x = tu_free_range(GRAN);
    char *p = VirtualAlloc(x + 0x5000, 200, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_eq(p, x, "VirtualAlloc(%p) = %p, want %p", x + 0x5000, p, x);
    MEMORY_BASIC_INFORMATION m = tu_query(x + 0x5000);
    cr_assert_eq(m.AllocationBase, x);
    cr_assert_eq(tu_query(x).RegionSize, 0x6000);
    cr_assert_eq(tu_query(x).State, MEM_RESERVE);
    cr_assert_eq(tu_query(x + 0x6000).State, MEM_FREE);
}

Test(alloc, reserve_size_covers_last_touched_page)
{
    char *x = tu_free_range(GRAN);
    /* [x+0x5800, x+0x6800) touches pages 5 and 6: the allocation is [x, x+0x7000). */
    char *p = VirtualAlloc(x + 0x5800, 0x1000, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_eq(p, x);
    cr_assert_eq(tu_query(x).RegionSize, 0x7000);
    cr_assert_eq(tu_query(x + 0x7000).State, MEM_FREE);
}

Test(alloc, reserve_commit_at_unaligned_address_commits_rounded_range)
{
    char *x = tu_free_range(GRAN);
    char *p = VirtualAlloc(x + 0x5000, 200, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(p, x);
    MEMORY_BASIC_INFORMATION m = tu_query(x);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.RegionSize, 0x6000);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    x[0x5fff] = 7;
    cr_assert_eq(x[0x5fff], 7);
}

Test(alloc, commit_rounds_to_pages)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    char *c = VirtualAlloc(p + 0x1234, 0x10, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(c, p + 0x1000, "commit returned %p, want %p", c, p + 0x1000);
    MEMORY_BASIC_INFORMATION m = tu_query(p + 0x1000);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.RegionSize, 0x1000);
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
    cr_assert_eq(tu_query(p + 0x2000).State, MEM_RESERVE);

    /* Two bytes straddling a page boundary commit both pages. */
    c = VirtualAlloc(p + 0x3fff, 2, MEM_COMMIT, PAGE_READONLY);
    cr_assert_eq(c, p + 0x3000);
    m = tu_query(p + 0x3000);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.RegionSize, 0x2000);
    cr_assert_eq(tu_query(p + 0x5000).State, MEM_RESERVE);
}

Test(alloc, released_address_can_be_reserved_again_exactly)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    cr_assert_not_null(p);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    char *q = VirtualAlloc(p, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    cr_assert_eq(q, p);
    cr_assert_eq(tu_query(q).RegionSize, 0x1000);
}

/* ---- state reporting ---- */

Test(alloc, reserved_pages_report_protect_zero_and_are_inaccessible)
{
    char *p = VirtualAlloc(NULL, 0x3000, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m = tu_query(p + 0x1000);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.Protect, 0);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p), 0);
    cr_assert(tu_read_faults(p + 0x1000));
}

Test(alloc, committed_noaccess_reports_noaccess_and_faults)
{
    char *p = VirtualAlloc(NULL, 0xFFFC, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p, 0x1000, MEM_COMMIT, PAGE_NOACCESS), p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.RegionSize, 0x1000);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_NOACCESS);
    cr_assert_eq(m.AllocationProtect, PAGE_NOACCESS);
    cr_assert_eq(tu_host_prot(p), 0);
    cr_assert(tu_read_faults(p));
    cr_assert(tu_write_faults(p));
}

Test(alloc, allocation_protect_is_the_reserve_protection)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p, 0x2000, MEM_COMMIT, PAGE_READWRITE), p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.AllocationProtect, PAGE_NOACCESS);
    cr_assert_eq(tu_query(p + 0x2000).AllocationProtect, PAGE_NOACCESS);
}

Test(alloc, commit_zero_fills)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p + 0x2000, 0x4000, MEM_COMMIT, PAGE_READWRITE), p + 0x2000);
    for (SIZE_T i = 0; i < 0x4000; i++)
        cr_assert_eq(p[0x2000 + i], 0, "byte %#zx not zero", i);
    char *q = VirtualAlloc(NULL, 0x3000, MEM_COMMIT, PAGE_READONLY);
    cr_assert_not_null(q);
    for (SIZE_T i = 0; i < 0x3000; i++)
        cr_assert_eq(q[i], 0, "byte %#zx not zero", i);
}

Test(alloc, commit_of_committed_pages_keeps_contents_and_sets_protection)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p, 0x2000, MEM_COMMIT, PAGE_READWRITE), p);
    memset(p, 0x5a, 0x2000);
    cr_assert_eq(VirtualAlloc(p, 0x2000, MEM_COMMIT, PAGE_READONLY), p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.RegionSize, 0x2000);
    for (SIZE_T i = 0; i < 0x2000; i++)
        cr_assert_eq((unsigned char)p[i], 0x5a, "byte %#zx lost", i);
    cr_assert_eq(tu_host_prot(p), 1);
    cr_assert(tu_write_faults(p + 0x1000));
    cr_assert_not(tu_read_faults(p + 0x1000));
}

Test(alloc, commit_of_committed_pages_with_same_protection_succeeds)
{
    char *p = VirtualAlloc(NULL, 0x4000, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    p[0x1000] = 9;
    cr_assert_eq(VirtualAlloc(p, 0x1000, MEM_COMMIT, PAGE_READWRITE), p);
    cr_assert_eq(VirtualAlloc(p + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE), p + 0x1000);
    cr_assert_eq(p[0x1000], 9);
    cr_assert_eq(tu_query(p).RegionSize, 0x4000);
}

Test(alloc, commit_over_partly_committed_range_keeps_committed_data)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE), p + 0x1000);
    memset(p + 0x1000, 0x33, 0x1000);
    cr_assert_eq(VirtualAlloc(p, 0x4000, MEM_COMMIT, PAGE_READWRITE), p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.RegionSize, 0x4000);
    for (SIZE_T i = 0; i < 0x4000; i++)
        cr_assert_eq((unsigned char)p[i], (i >= 0x1000 && i < 0x2000) ? 0x33 : 0, "byte %#zx", i);
}

/* ---- commit outside what was reserved ---- */

Test(alloc, commit_outside_any_reservation_fails_487)
{
    char *x = tu_free_range(GRAN);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x, 0x1000, MEM_COMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(x), -1);
    cr_assert_eq(tu_query(x).State, MEM_FREE);
}

Test(alloc, commit_past_reservation_end_fails_487)
{
    char *x = tu_free_range(2 * GRAN);
    char *p = VirtualAlloc(x, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_eq(p, x);
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p + 0xF000, 0x2000, MEM_COMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p, 0x10001, MEM_COMMIT, PAGE_READWRITE);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    cr_assert_eq(tu_host_prot(p + 0x10000), -1);
}

Test(alloc, commit_spanning_two_reservations_fails_487)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, GRAN, MEM_RESERVE, PAGE_READWRITE), x);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE, PAGE_READWRITE), x + GRAN);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + 0xF000, 0x2000, MEM_COMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x, 2 * GRAN, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(tu_query(x).State, MEM_RESERVE);
    cr_assert_eq(tu_query(x).RegionSize, GRAN);
    cr_assert_eq(tu_query(x + GRAN).State, MEM_RESERVE);
    cr_assert_eq(tu_query(x + GRAN).RegionSize, GRAN);
    cr_assert_eq(tu_host_prot(x + 0xF000), 0);
    cr_assert_eq(tu_host_prot(x + GRAN), 0);
}

Test(alloc, reserve_over_existing_allocation_fails_487)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x + GRAN);
    x[GRAN] = 5;
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + GRAN, 0x1000, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + GRAN + 0x1000, 0x1000, MEM_RESERVE | MEM_COMMIT,
                PAGE_READWRITE);
    /* Overlapping only its start: nothing must be left mapped in the free part either. */
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x, 2 * GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_eq(tu_query(x).State, MEM_FREE);
    cr_assert_eq(tu_host_prot(x), -1);
    MEMORY_BASIC_INFORMATION m = tu_query(x + GRAN);
    cr_assert_eq(m.AllocationBase, x + GRAN);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, GRAN);
    cr_assert_eq(x[GRAN], 5);
}

Test(alloc, granule_tail_after_short_allocation_is_not_usable)
{
    /* A 0x1000 allocation owns its whole 64 KiB granule: the rest is neither committable
     * (not reserved) nor reservable (its base would round down onto the allocation). */
    char *x = tu_free_range(GRAN);
    cr_assert_eq(VirtualAlloc(x, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + 0x8000, 0x1000, MEM_COMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + 0x8000, 0x1000, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + 0x1000, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(tu_query(x + 0x8000).State, MEM_FREE);
    cr_assert_eq(tu_query(x).RegionSize, 0x1000);
}

/* ---- protections ---- */

Test(alloc, protect_zero_is_invalid)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE, 0);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_COMMIT, 0);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, 0);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE, 0xffffffffu);
}

Test(alloc, two_base_protections_are_invalid)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    for (int i = 0; i < 8; i++)
        for (int j = i + 1; j < 8; j++) {
            DWORD prot = tu_bases[i] | tu_bases[j];
            ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE, prot);
            ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, prot);
            ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_COMMIT, prot);
        }
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_COMMIT,
                PAGE_READONLY | PAGE_EXECUTE | PAGE_READWRITE);
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
    cr_assert_eq(tu_host_prot(p), 0);
}

Test(alloc, each_single_base_protection_commits_with_its_host_protection)
{
    static const DWORD ok[6] = {PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE,
                                PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE};
    for (int i = 0; i < 6; i++) {
        char *p = VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, ok[i]);
        cr_assert_not_null(p, "protection %#x refused (%u)", ok[i], GetLastError());
        MEMORY_BASIC_INFORMATION m = tu_query(p);
        cr_assert_eq(m.Protect, ok[i]);
        cr_assert_eq(m.AllocationProtect, ok[i]);
        cr_assert_eq(tu_host_prot(p), tu_host_of(ok[i]), "protection %#x", ok[i]);

        /* The same through a commit into a reservation. */
        char *r = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_NOACCESS);
        cr_assert_not_null(r);
        cr_assert_eq(VirtualAlloc(r + 0x1000, 0x1000, MEM_COMMIT, ok[i]), r + 0x1000);
        cr_assert_eq(tu_query(r + 0x1000).Protect, ok[i]);
        cr_assert_eq(tu_host_prot(r + 0x1000), tu_host_of(ok[i]), "protection %#x", ok[i]);
    }
}

Test(alloc, writecopy_refused_on_private_memory)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    static const DWORD copy[2] = {PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY};
    for (int i = 0; i < 2; i++) {
        ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE, copy[i]);
        ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_COMMIT, copy[i]);
        ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, copy[i]);
        ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_COMMIT, copy[i]);
    }
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
}

Test(alloc, guard_with_noaccess_refused)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE, PAGE_NOACCESS | PAGE_GUARD);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_COMMIT, PAGE_NOACCESS | PAGE_GUARD);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_COMMIT, PAGE_NOACCESS | PAGE_GUARD);
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
}

Test(alloc, guard_accepted_with_other_bases_and_reported)
{
    static const DWORD ok[5] = {PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE, PAGE_EXECUTE_READ,
                                PAGE_EXECUTE_READWRITE};
    for (int i = 0; i < 5; i++) {
        DWORD prot = ok[i] | PAGE_GUARD;
        char *p = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, prot);
        cr_assert_not_null(p, "%#x refused", prot);
        MEMORY_BASIC_INFORMATION m = tu_query(p);
        cr_assert_eq(m.AllocationProtect, prot);
        cr_assert_eq(m.Protect, prot);
        cr_assert_eq(m.RegionSize, 0x2000);
    }
    /* Reserved with GUARD: AllocationProtect keeps it, Protect is 0. */
    char *r = VirtualAlloc(NULL, 0x2000, MEM_RESERVE, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_not_null(r);
    cr_assert_eq(tu_query(r).AllocationProtect, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_eq(tu_query(r).Protect, 0);
}

Test(alloc, nocache_with_guard_refused)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT,
                PAGE_READWRITE | PAGE_NOCACHE | PAGE_GUARD);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE,
                PAGE_READONLY | PAGE_NOCACHE | PAGE_GUARD);
}

Test(alloc, nocache_with_writecombine_refused)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT,
                PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE,
                PAGE_READONLY | PAGE_NOCACHE | PAGE_WRITECOMBINE);
}

Test(alloc, writecombine_with_guard_refused)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT,
                PAGE_READWRITE | PAGE_WRITECOMBINE | PAGE_GUARD);
}

Test(alloc, cache_modifiers_with_noaccess_refused)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT,
                PAGE_NOACCESS | PAGE_NOCACHE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT,
                PAGE_NOACCESS | PAGE_WRITECOMBINE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE,
                PAGE_NOACCESS | PAGE_WRITECOMBINE);
}

Test(alloc, readonly_writecombine_accepted_and_reported)
{
    char *p = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY | PAGE_WRITECOMBINE);
    cr_assert_not_null(p, "refused with %u", GetLastError());
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.AllocationProtect, PAGE_READONLY | PAGE_WRITECOMBINE);
    cr_assert_eq(m.Protect, PAGE_READONLY | PAGE_WRITECOMBINE);
    cr_assert_eq(m.RegionSize, 0x2000);
    cr_assert_eq(tu_host_prot(p), 1);
    cr_assert(tu_write_faults(p));
}

Test(alloc, nocache_allocation_reported)
{
    char *p = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_eq(m.RegionSize, 0x2000);
    p[0x1fff] = 1; /* still ordinary memory for the CPU */
    cr_assert_eq(p[0x1fff], 1);
}

/* winvm's chosen semantics: NOCACHE/WRITECOMBINE belong to the allocation, so a later commit
 * keeps the reservation's modifier and ignores one it brings itself. */
Test(alloc, commit_keeps_allocation_nocache)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p, 0x1000, MEM_COMMIT, PAGE_READONLY), p);
    cr_assert_eq(tu_query(p).Protect, PAGE_READONLY | PAGE_NOCACHE);
    cr_assert_eq(tu_query(p).AllocationProtect, PAGE_READWRITE | PAGE_NOCACHE);
}

Test(alloc, commit_ignores_nocache_the_allocation_lacks)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE), p);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_query(p).AllocationProtect, PAGE_READWRITE);
}

/* ---- allocation types ---- */

Test(alloc, type_zero_and_unknown_bits_invalid)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, 0, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, 0xffffffffu, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT | AT_ROUND_TO_PAGE,
                PAGE_READWRITE);
}

Test(alloc, top_down_alone_invalid)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_TOP_DOWN, PAGE_READWRITE);
}

/* UNVERIFIED in the facts: MEM_DECOMMIT/MEM_RELEASE are not allocation types. */
Test(alloc, free_types_in_allocation_type_invalid)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_DECOMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESERVE | MEM_RELEASE, PAGE_READWRITE);
}

Test(alloc, write_watch_needs_reserve)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_WRITE_WATCH, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_WRITE_WATCH | MEM_COMMIT, PAGE_READWRITE);
}

Test(alloc, write_watch_with_reserve_accepts_noaccess)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_NOACCESS);
    cr_assert_not_null(p, "refused with %u", GetLastError());
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
    cr_assert_eq(tu_query(p).AllocationProtect, PAGE_NOACCESS);
}

Test(alloc, physical_without_reserve_invalid)
{
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_PHYSICAL, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_PHYSICAL | MEM_COMMIT, PAGE_READWRITE);
}

/* Facts §1 (ROS) and the VirtualAlloc doc: MEM_PHYSICAL|MEM_RESERVE (PAGE_READWRITE) reserves a
 * range for AWE pages and succeeds. */
Test(alloc, physical_with_reserve_succeeds)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_PHYSICAL, PAGE_READWRITE);
    cr_assert_not_null(p, "MEM_RESERVE|MEM_PHYSICAL refused with %u", GetLastError());
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
    cr_assert_eq(tu_query(p).Type, MEM_PRIVATE);
    /* winvm's choice (docs/semantics.md): no AWE pages, so no commit in the region. */
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
    /* Only PAGE_READWRITE makes an AWE region. */
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, GRAN, MEM_RESERVE | MEM_PHYSICAL, PAGE_READONLY);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
}

Test(alloc, top_down_is_above_bottom_up)
{
    /* The top-down one first, so placing both the same way would put the second higher. */
    char *hi = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);
    char *lo = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    char *hi2 = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE);
    char *lo2 = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert(lo && hi && lo2 && hi2);
    cr_assert_gt((uintptr_t)hi, (uintptr_t)lo, "top-down %p not above bottom-up %p", hi, lo);
    cr_assert_gt((uintptr_t)hi2, (uintptr_t)lo2, "top-down %p not above bottom-up %p", hi2, lo2);
    cr_assert_eq((uintptr_t)hi & 0xffff, 0);
    cr_assert_eq((uintptr_t)hi2 & 0xffff, 0);
    cr_assert_eq(tu_query(hi2).State, MEM_COMMIT);
}

/* ---- addresses outside user space, wrapping and huge ranges ---- */

Test(alloc, kernel_address_refused)
{
    uintptr_t k = (uintptr_t)0xFFFF800000000000ull + 200;
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, k, 0x1000, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, k, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, k, 0x1000, MEM_COMMIT, PAGE_READWRITE);
}

/* UNVERIFIED in the facts (87 expected): 0x7FFFFFFF0000 is above lpMaximumApplicationAddress. */
Test(alloc, address_at_user_space_end_refused)
{
    int before = tu_host_prot((void *)0x7FFFFFFF0000ull);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, 0x7FFFFFFF0000ull, 0x1000, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, 0x7FFFFFFF0000ull, 0x1000, MEM_RESERVE | MEM_COMMIT,
                PAGE_READWRITE);
    cr_assert_eq(tu_host_prot((void *)0x7FFFFFFF0000ull), before);
}

Test(alloc, range_crossing_user_space_end_refused_and_leaves_nothing)
{
    char *a = (char *)0x7FFFFFFE0000ull;
    int before = tu_host_prot(a);
    int n = count_maps();
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, a, 0x20000, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, a + 0x8000, 0x10000, MEM_RESERVE | MEM_COMMIT,
                PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(a), before);
    cr_assert_eq(count_maps(), n);
}

Test(alloc, last_user_granule_can_be_reserved)
{
    char *a = (char *)0x7FFFFFFE0000ull;
    for (SIZE_T off = 0; off < GRAN; off += PAGE)
        if (tu_host_prot(a + off) != -1)
            cr_skip_test("the host has a mapping at %p", a + off);
    char *p = VirtualAlloc(a, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(p, a, "VirtualAlloc(%p) = %p (%u)", a, p, GetLastError());
    p[GRAN - 1] = 1;
    cr_assert_eq(tu_query(a + GRAN - 1).RegionSize, 0x1000);
}

Test(alloc, huge_size_at_address_refused)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    char *x = tu_free_range(GRAN);
    int n = count_maps();
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, x, (SIZE_T)-1, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, x + 0x1000, (SIZE_T)-0x1000, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, (SIZE_T)-1, MEM_COMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p + 0x1000, (SIZE_T)-0x1000, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(count_maps(), n);
    cr_assert_eq(tu_host_prot(x), -1);
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
    cr_assert_eq(tu_query(p).RegionSize, GRAN);
}

/* Facts §1 (ROS SimpleErrorChecks): a region size of (SIZE_T)-1 is STATUS_INVALID_PARAMETER_4,
 * which is ERROR_INVALID_PARAMETER, also when the system picks the base. */
Test(alloc, huge_size_with_null_base_refused_87)
{
    int n = count_maps();
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, (SIZE_T)-1, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, (SIZE_T)-1, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(count_maps(), n);
}

Test(alloc, failed_calls_change_nothing)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p + 0x2000, 0x3000, MEM_COMMIT, PAGE_READWRITE), p + 0x2000);
    cr_assert_eq(VirtualAlloc(p + 0x6000, 0x1000, MEM_COMMIT, PAGE_READONLY), p + 0x6000);
    memset(p + 0x2000, 0x77, 0x3000);
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x8000, MEM_COMMIT, PAGE_WRITECOPY);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x8000, MEM_COMMIT, PAGE_READONLY | PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x8000, MEM_COMMIT, PAGE_NOACCESS | PAGE_GUARD);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0, MEM_COMMIT, PAGE_READONLY);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x8000, MEM_COMMIT | MEM_RESET, PAGE_READONLY);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p + 0x2000, 0x10000, MEM_COMMIT, PAGE_READONLY);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p, 0x1000, MEM_RESERVE, PAGE_READONLY);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p + 0x2000, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    for (SIZE_T i = 0; i < 0x3000; i++)
        cr_assert_eq((unsigned char)p[0x2000 + i], 0x77);
    cr_assert_not(tu_write_faults(p + 0x2000));
}
