/* SPDX-License-Identifier: MIT */
/* test_protect.c - VirtualProtect on private memory.
 * Rules: reference "Virtual memory (private)", "Guard pages" (reporting), wine-vm-facts §4. */
#include "testutil.h"
#include <criterion/criterion.h>
#include <string.h>

static const DWORD valid[6] = {PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE,
                               PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE};

static DWORD protect_ok(void *addr, SIZE_T size, DWORD prot)
{
    DWORD old = SENTINEL;
    cr_assert(VirtualProtect(addr, size, prot, &old), "VirtualProtect(%p, %#zx, %#x) failed: %u",
              addr, (size_t)size, (unsigned)prot, GetLastError());
    return old;
}

static char *rw_block(void)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    return p;
}

Test(protect, returns_old_protection_and_changes_host_protection)
{
    char *p = rw_block();
    p[0x1000] = 42;
    cr_assert_eq(protect_ok(p + 0x1000, 0x1000, PAGE_READONLY), PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION m = tu_query(p + 0x1000);
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.RegionSize, 0x1000);
    cr_assert_eq(tu_host_prot(p + 0x1000), 1);
    cr_assert(tu_write_faults(p + 0x1000));
    cr_assert_not(tu_read_faults(p + 0x1000));
    cr_assert_eq(p[0x1000], 42);
    cr_assert_eq(protect_ok(p + 0x1000, 0x1000, PAGE_NOACCESS), PAGE_READONLY);
    cr_assert_eq(tu_host_prot(p + 0x1000), 0);
    cr_assert(tu_read_faults(p + 0x1000));
    cr_assert_eq(protect_ok(p + 0x1000, 0x1000, PAGE_READWRITE), PAGE_NOACCESS);
    cr_assert_eq(tu_host_prot(p + 0x1000), 3);
    cr_assert_not(tu_write_faults(p + 0x1000));
    cr_assert_eq(p[0x1000], 42, "contents lost across protection changes");
}

Test(protect, each_valid_protection_is_reported_and_applied)
{
    char *p = rw_block();
    DWORD prev = PAGE_READWRITE;
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(protect_ok(p, 0x3000, valid[i]), prev, "setting %#x", valid[i]);
        MEMORY_BASIC_INFORMATION m = tu_query(p);
        cr_assert_eq(m.Protect, valid[i]);
        /* Same protection as the rest of the allocation: one region again. */
        cr_assert_eq(m.RegionSize, valid[i] == PAGE_READWRITE ? GRAN : 0x3000);
        cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
        cr_assert_eq(m.State, MEM_COMMIT);
        cr_assert_eq(tu_host_prot(p), tu_host_of(valid[i]), "protection %#x", valid[i]);
        cr_assert_eq(tu_host_prot(p + 0x2000), tu_host_of(valid[i]), "protection %#x", valid[i]);
        cr_assert_eq(tu_host_prot(p + 0x3000), 3);
        prev = valid[i];
    }
}

Test(protect, old_protection_is_the_first_pages)
{
    char *p = rw_block();
    protect_ok(p, GRAN, PAGE_READONLY);
    cr_assert_eq(protect_ok(p + 0x8000, 0x8000, PAGE_EXECUTE_READWRITE), PAGE_READONLY);
    cr_assert_eq(tu_query(p + 0x8000).Protect, PAGE_EXECUTE_READWRITE);
    /* Mixed range: READONLY then EXECUTE_READWRITE.  The first page answers. */
    cr_assert_eq(protect_ok(p + 0x7000, 0x2000, PAGE_READWRITE), PAGE_READONLY);
    protect_ok(p, 0x1000, PAGE_NOACCESS);
    cr_assert_eq(protect_ok(p, GRAN, PAGE_EXECUTE_READ), PAGE_NOACCESS);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.Protect, PAGE_EXECUTE_READ);
    cr_assert_eq(m.RegionSize, GRAN);
    cr_assert_eq(tu_host_prot(p + 0xF000), 5);
}

Test(protect, unaligned_range_covers_touched_pages)
{
    char *p = rw_block();
    cr_assert_eq(protect_ok(p + 0x1001, 1, PAGE_READONLY), PAGE_READWRITE);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_query(p).RegionSize, 0x1000);
    cr_assert_eq(tu_query(p + 0x1000).Protect, PAGE_READONLY);
    cr_assert_eq(tu_query(p + 0x1000).RegionSize, 0x1000);
    cr_assert_eq(tu_query(p + 0x2000).Protect, PAGE_READWRITE);

    cr_assert_eq(protect_ok(p + 0x3fff, 2, PAGE_EXECUTE_READ), PAGE_READWRITE);
    cr_assert_eq(tu_query(p + 0x3000).Protect, PAGE_EXECUTE_READ);
    cr_assert_eq(tu_query(p + 0x3000).RegionSize, 0x2000);
    cr_assert_eq(tu_host_prot(p + 0x4000), 5);
    cr_assert_eq(tu_host_prot(p + 0x5000), 3);
}

Test(protect, region_splits_where_protection_differs)
{
    char *p = rw_block();
    protect_ok(p + 0x4000, 0x3000, PAGE_READONLY);
    cr_assert_eq(tu_query(p).RegionSize, 0x4000);
    cr_assert_eq(tu_query(p + 0x4000).RegionSize, 0x3000);
    cr_assert_eq(tu_query(p + 0x7000).RegionSize, 0x9000);
    /* Setting them back merges the region again. */
    protect_ok(p + 0x4000, 0x3000, PAGE_READWRITE);
    cr_assert_eq(tu_query(p).RegionSize, GRAN);
}

Test(protect, reserved_pages_fail_487)
{
    char *p = VirtualAlloc(NULL, 0xFFFC, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(p);
    PROTECT_FAILS(ERROR_INVALID_ADDRESS, p, 0xFFFC, PAGE_READONLY);
    PROTECT_FAILS(ERROR_INVALID_ADDRESS, p + 0x1000, 0x1000, PAGE_READONLY);
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
    cr_assert_eq(tu_query(p).Protect, 0);
    cr_assert_eq(tu_host_prot(p), 0);
}

Test(protect, partly_committed_range_fails_487_and_changes_nothing)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p, 0x1000, MEM_COMMIT, PAGE_READWRITE), p);
    cr_assert_eq(VirtualAlloc(p + 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE), p + 0x3000);
    p[0] = 1;
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    PROTECT_FAILS(ERROR_INVALID_ADDRESS, p, 0x2000, PAGE_READONLY);
    PROTECT_FAILS(ERROR_INVALID_ADDRESS, p, 0x4000, PAGE_READONLY);
    PROTECT_FAILS(ERROR_INVALID_ADDRESS, p + 0x2000, 0x2000, PAGE_NOACCESS);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    cr_assert_not(tu_write_faults(p));
    cr_assert_not(tu_write_faults(p + 0x3000));
}

Test(protect, free_memory_fails_487)
{
    char *x = tu_free_range(GRAN);
    PROTECT_FAILS(ERROR_INVALID_ADDRESS, x, 0x1000, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(x), -1);
    cr_assert_eq(tu_query(x).State, MEM_FREE);
}

Test(protect, range_past_allocation_end_fails_487)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, 0x8000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x);
    PROTECT_FAILS(ERROR_INVALID_ADDRESS, x + 0x7000, 0x2000, PAGE_READONLY);
    cr_assert_eq(tu_query(x + 0x7000).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(x + 0x7000), 3);
}

Test(protect, range_spanning_two_allocations_fails_487)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x + GRAN);
    struct tu_snap a, b;
    tu_take(&a, x + 0x8000, 16);
    PROTECT_FAILS(ERROR_INVALID_ADDRESS, x + 0xF000, 0x2000, PAGE_READONLY);
    PROTECT_FAILS(ERROR_INVALID_ADDRESS, x, 2 * GRAN, PAGE_READONLY);
    tu_take(&b, x + 0x8000, 16);
    tu_same(&a, &b, 16);
}

Test(protect, null_old_pointer_fails_998_and_changes_nothing)
{
    char *p = rw_block();
    p[0] = 3;
    SetLastError(SENTINEL);
    cr_assert_not(VirtualProtect(p, 0x1000, PAGE_READONLY, NULL));
    EXPECT_ERR(ERROR_NOACCESS);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_query(p).RegionSize, GRAN);
    cr_assert_eq(tu_host_prot(p), 3);
    cr_assert_not(tu_write_faults(p));
    cr_assert_eq(protect_ok(p, 0x1000, PAGE_NOACCESS), PAGE_READWRITE);
}

Test(protect, zero_protection_invalid)
{
    char *p = rw_block();
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, 0);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, 0xffffffffu);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
}

Test(protect, two_base_protections_invalid)
{
    char *p = rw_block();
    struct tu_snap a, b;
    tu_take(&a, p, 4);
    for (int i = 0; i < 8; i++)
        for (int j = i + 1; j < 8; j++)
            PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x4000, tu_bases[i] | tu_bases[j]);
    tu_take(&b, p, 4);
    tu_same(&a, &b, 4);
}

Test(protect, writecopy_refused_on_private_memory)
{
    char *p = rw_block();
    struct tu_snap a, b;
    tu_take(&a, p, 4);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x4000, PAGE_WRITECOPY);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x4000, PAGE_EXECUTE_WRITECOPY);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, PAGE_READWRITE | PAGE_EXECUTE_WRITECOPY);
    tu_take(&b, p, 4);
    tu_same(&a, &b, 4);
    cr_assert_not(tu_write_faults(p));
}

Test(protect, guard_with_noaccess_refused)
{
    char *p = rw_block();
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, PAGE_NOACCESS | PAGE_GUARD);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p), 3);
}

Test(protect, conflicting_modifiers_refused)
{
    char *p = rw_block();
    struct tu_snap a, b;
    tu_take(&a, p, 2);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, PAGE_READWRITE | PAGE_NOCACHE | PAGE_GUARD);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000,
                  PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000,
                  PAGE_READWRITE | PAGE_WRITECOMBINE | PAGE_GUARD);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, PAGE_NOACCESS | PAGE_NOCACHE);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, PAGE_NOACCESS | PAGE_WRITECOMBINE);
    tu_take(&b, p, 2);
    tu_same(&a, &b, 2);
}

Test(protect, allocation_protect_never_changes)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READ);
    cr_assert_not_null(p);
    for (int i = 0; i < 6; i++) {
        protect_ok(p + 0x2000, 0x1000, valid[i]);
        cr_assert_eq(tu_query(p + 0x2000).AllocationProtect, PAGE_EXECUTE_READ);
        cr_assert_eq(tu_query(p).AllocationProtect, PAGE_EXECUTE_READ);
    }
}

Test(protect, writes_never_change_reported_protection)
{
    static const DWORD writable[2] = {PAGE_READWRITE, PAGE_EXECUTE_READWRITE};
    for (int i = 0; i < 2; i++) {
        char *p = VirtualAlloc(NULL, 0x3000, MEM_RESERVE | MEM_COMMIT, writable[i]);
        cr_assert_not_null(p);
        memset(p + 0x1000, 0x11, 0x1000);
        MEMORY_BASIC_INFORMATION m = tu_query(p + 0x1000);
        cr_assert_eq(m.Protect, writable[i]);
        cr_assert_eq(m.RegionSize, 0x2000);
        cr_assert_eq(tu_query(p).RegionSize, 0x3000);
        cr_assert_eq(protect_ok(p + 0x1000, 0x1000, writable[i]), writable[i]);
    }
}

Test(protect, huge_size_fails_cleanly)
{
    /* Facts do not cover this; winvm refuses a range that wraps or leaves user space with 87. */
    char *p = rw_block();
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, (SIZE_T)-1, PAGE_READONLY);
    PROTECT_FAILS(ERROR_INVALID_PARAMETER, p + 0x1000, (SIZE_T)-0x1000, PAGE_READONLY);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
}

Test(protect, kernel_address_fails)
{
    DWORD old;
    SetLastError(SENTINEL);
    cr_assert_not(VirtualProtect((void *)0xFFFF800000001000ull, 0x1000, PAGE_READONLY, &old));
    cr_assert_neq(GetLastError(), SENTINEL);
    cr_assert_neq(GetLastError(), 0);
}

/* ---- guard pages: reporting ---- */

Test(protect, guard_reported_and_returned_as_old_protection)
{
    char *p = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_eq(protect_ok(p, 0x1000, PAGE_READWRITE), PAGE_READWRITE | PAGE_GUARD);
    m = tu_query(p);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 0x1000);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_eq(tu_host_prot(p), 3);
    cr_assert_not(tu_write_faults(p));
    cr_assert_eq(tu_query(p + 0x1000).Protect, PAGE_READWRITE | PAGE_GUARD);
}

Test(protect, guard_can_be_set_with_any_accessible_base)
{
    char *p = rw_block();
    static const DWORD ok[5] = {PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE, PAGE_EXECUTE_READ,
                                PAGE_EXECUTE_READWRITE};
    DWORD prev = PAGE_READWRITE;
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(protect_ok(p, 0x1000, ok[i] | PAGE_GUARD), prev);
        cr_assert_eq(tu_query(p).Protect, ok[i] | PAGE_GUARD);
        cr_assert_eq(tu_query(p).AllocationProtect, PAGE_READWRITE);
        prev = ok[i] | PAGE_GUARD;
    }
}

/* ---- NOCACHE / WRITECOMBINE belong to the allocation (facts §4) ---- */

Test(protect, nocache_kept_when_same_base_protection_set)
{
    char *p = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_not_null(p);
    cr_assert_eq(protect_ok(p, 0x1000, PAGE_READWRITE), PAGE_READWRITE | PAGE_NOCACHE);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_eq(m.RegionSize, 0x2000);
}

Test(protect, nocache_kept_when_base_protection_changes)
{
    char *p = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_not_null(p);
    cr_assert_eq(protect_ok(p, 0x1000, PAGE_READONLY), PAGE_READWRITE | PAGE_NOCACHE);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.Protect, PAGE_READONLY | PAGE_NOCACHE);
    cr_assert_eq(m.RegionSize, 0x1000);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_eq(tu_host_prot(p), 1);
    cr_assert_eq(tu_query(p + 0x1000).Protect, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_eq(protect_ok(p, 0x1000, PAGE_READWRITE), PAGE_READONLY | PAGE_NOCACHE);
}

Test(protect, nocache_added_later_is_ignored)
{
    char *p = rw_block();
    cr_assert_eq(protect_ok(p, 0x1000, PAGE_READONLY | PAGE_NOCACHE), PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p), 1);
}

/* UNVERIFIED for WRITECOMBINE (no Wine test): winvm treats it like NOCACHE. */
Test(protect, writecombine_kept_from_allocation)
{
    char *p = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY | PAGE_WRITECOMBINE);
    cr_assert_not_null(p);
    cr_assert_eq(protect_ok(p, 0x1000, PAGE_READWRITE), PAGE_READONLY | PAGE_WRITECOMBINE);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE | PAGE_WRITECOMBINE);
    cr_assert_eq(tu_host_prot(p), 3);
}

/* UNVERIFIED for WRITECOMBINE (no Wine test): winvm treats it like NOCACHE. */
Test(protect, writecombine_added_later_is_ignored)
{
    char *p = rw_block();
    cr_assert_eq(protect_ok(p, 0x1000, PAGE_READONLY | PAGE_WRITECOMBINE), PAGE_READWRITE);
    cr_assert_eq(tu_query(p).Protect, PAGE_READONLY);
}

/* ---- the *Ex form ---- */

Test(protect, protect_ex_current_process)
{
    char *p = rw_block();
    DWORD old = SENTINEL;
    cr_assert(VirtualProtectEx(GetCurrentProcess(), p, 0x1000, PAGE_READONLY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert_eq(tu_query(p).Protect, PAGE_READONLY);
    cr_assert_eq(tu_host_prot(p), 1);
}

/* An old-protection pointer the caller cannot write is ERROR_NOACCESS, and the protection
 * does not change. */
Test(protect, bad_old_pointer_is_error_998_and_changes_nothing)
{
    char *p = VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD *ro = VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    char *gone = VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert(p && ro && gone && VirtualFree(gone, 0, MEM_RELEASE));
    static const DWORD rodata;
    DWORD *bad[] = {ro, (DWORD *)gone, (DWORD *)&rodata, (DWORD *)(uintptr_t)0x10};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(0xdead);
        cr_assert_not(VirtualProtect(p, 4096, PAGE_READONLY, bad[i]), "pointer %zu", i);
        cr_assert_eq(GetLastError(), ERROR_NOACCESS, "pointer %zu: error %lu", i,
                     (unsigned long)GetLastError());
        MEMORY_BASIC_INFORMATION m;
        cr_assert_eq(VirtualQuery(p, &m, sizeof(m)), sizeof(m));
        cr_assert_eq(m.Protect, PAGE_READWRITE, "pointer %zu: the protection changed", i);
    }
    cr_assert_eq(*ro, 0, "the read-only page changed");
    p[0] = 1; /* still writable */
    DWORD old = 0;
    cr_assert(VirtualProtect(p, 4096, PAGE_READONLY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    VirtualFree(p, 0, MEM_RELEASE), VirtualFree(ro, 0, MEM_RELEASE);
}
