/* SPDX-License-Identifier: MIT */
/* test_reset.c - VirtualAlloc with MEM_RESET and MEM_RESET_UNDO.
 * Rules: wine-vm-facts §1 (flProtect must be valid) and §2. */
#include "testutil.h"
#include <criterion/criterion.h>
#include <string.h>

/* A committed read-write 64 KiB allocation whose 32-bit words all hold 0x55555555. */
static char *filled_block(void)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    memset(p, 0x55, GRAN);
    return p;
}

Test(reset, reset_keeps_state_and_protection)
{
    char *p = filled_block();
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    char *r = VirtualAlloc(p, 0x1000, MEM_RESET, PAGE_NOACCESS);
    cr_assert_eq(r, p, "MEM_RESET returned %p (%u)", r, GetLastError());
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, GRAN);
}

Test(reset, reset_contents_are_kept_or_zero)
{
    char *p = filled_block();
    cr_assert_eq(VirtualAlloc(p, GRAN, MEM_RESET, PAGE_READWRITE), p);
    for (SIZE_T i = 0; i < GRAN; i += sizeof(uint32_t)) {
        uint32_t v;
        memcpy(&v, p + i, sizeof(v));
        cr_assert(v == 0x55555555u || v == 0, "word at %#zx is %#x", (size_t)i, v);
    }
}

Test(reset, reset_protection_ignored)
{
    char *p = filled_block();
    cr_assert_eq(VirtualAlloc(p + 0x2000, 0x2000, MEM_RESET, PAGE_NOACCESS), p + 0x2000);
    cr_assert_eq(tu_query(p + 0x2000).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p + 0x2000), 3);
    cr_assert_not(tu_write_faults(p + 0x3000));
    cr_assert_eq(VirtualAlloc(p + 0x2000, 0x2000, MEM_RESET, PAGE_EXECUTE_READ), p + 0x2000);
    cr_assert_eq(tu_query(p + 0x2000).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p + 0x2000), 3);
    /* The memory stays usable: new writes stick. */
    p[0x2000] = 9;
    cr_assert_eq(p[0x2000], 9);
}

Test(reset, reset_protection_must_be_valid)
{
    char *p = filled_block();
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET, 0);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET, PAGE_READONLY | PAGE_EXECUTE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET, PAGE_NOACCESS | PAGE_GUARD);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET, 0xffffffffu);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    for (SIZE_T i = 0; i < GRAN; i += 61)
        cr_assert_eq((unsigned char)p[i], 0x55, "byte %#zx changed by a refused reset", (size_t)i);
}

Test(reset, reset_with_other_types_invalid)
{
    char *p = filled_block();
    struct tu_snap a, b;
    tu_take(&a, p, 16);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET | MEM_COMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET | MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET | MEM_COMMIT | MEM_RESERVE,
                PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET | MEM_TOP_DOWN, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET | MEM_RESET_UNDO, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, NULL, 0x1000, MEM_RESET | MEM_COMMIT | MEM_RESERVE,
                PAGE_READWRITE);
    tu_take(&b, p, 16);
    tu_same(&a, &b, 16);
    for (SIZE_T i = 0; i < GRAN; i += 61)
        cr_assert_eq((unsigned char)p[i], 0x55);
}

Test(reset, reset_of_reserved_pages_accepted)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p, 0x1000, MEM_COMMIT, PAGE_READWRITE), p);
    char *r = VirtualAlloc(p + 0x1000, 0x1000, MEM_RESET, PAGE_NOACCESS);
    cr_assert_eq(r, p + 0x1000, "MEM_RESET on reserved pages returned %p (%u)", r, GetLastError());
    MEMORY_BASIC_INFORMATION m = tu_query(p + 0x1000);
    cr_assert_eq(m.RegionSize, 0xF000);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.Protect, 0);
    cr_assert_eq(tu_host_prot(p + 0x1000), 0);
    /* A range mixing committed and reserved pages is accepted as well. */
    cr_assert_eq(VirtualAlloc(p, GRAN, MEM_RESET, PAGE_READWRITE), p);
    cr_assert_eq(tu_query(p).State, MEM_COMMIT);
    cr_assert_eq(tu_query(p).RegionSize, 0x1000);
}

Test(reset, reset_across_reservation_end_fails_487)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x + GRAN);
    memset(x + 0xF000, 0x55, 0x2000);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + 0xF000, 0x2000, MEM_RESET, PAGE_NOACCESS);
    cr_assert_eq(tu_query(x + 0xF000).State, MEM_COMMIT);
    cr_assert_eq(tu_query(x + GRAN).State, MEM_COMMIT);
}

Test(reset, reset_past_single_reservation_end_fails_487)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, GRAN, MEM_RESERVE, PAGE_READWRITE), x);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + 0xF000, 0x2000, MEM_RESET, PAGE_NOACCESS);
    cr_assert_eq(tu_host_prot(x + GRAN), -1);
}

/* Facts do not give the code for free memory; winvm answers 487 as for a range outside a
 * reservation. */
Test(reset, reset_of_free_memory_fails_487)
{
    char *x = tu_free_range(GRAN);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x, 0x1000, MEM_RESET, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(x), -1);
    cr_assert_eq(tu_query(x).State, MEM_FREE);
}

Test(reset, reset_size_zero_invalid)
{
    char *p = filled_block();
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0, MEM_RESET, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0, MEM_RESET_UNDO, PAGE_READWRITE);
}

Test(reset, reset_huge_size_fails_cleanly)
{
    char *p = filled_block();
    SetLastError(SENTINEL);
    cr_assert_null(VirtualAlloc(p, (SIZE_T)-1, MEM_RESET, PAGE_READWRITE));
    cr_assert_neq(GetLastError(), SENTINEL);
    cr_assert_neq(GetLastError(), 0);
    for (SIZE_T i = 0; i < GRAN; i += 61)
        cr_assert_eq((unsigned char)p[i], 0x55);
}

/* ---- MEM_RESET_UNDO ---- */

Test(reset, undo_after_reset_returns_address_and_data_intact)
{
    char *p = filled_block();
    for (SIZE_T i = 0; i < GRAN; i += PAGE)
        p[i] = (char)(i >> 12);
    cr_assert_eq(VirtualAlloc(p, GRAN, MEM_RESET, PAGE_READWRITE), p);
    char *r = VirtualAlloc(p, GRAN, MEM_RESET_UNDO, PAGE_READWRITE);
    cr_assert_eq(r, p, "MEM_RESET_UNDO returned %p (%u)", r, GetLastError());
    for (SIZE_T i = 0; i < GRAN; i++) {
        unsigned char want = (i % PAGE) == 0 ? (unsigned char)(i >> 12) : 0x55;
        cr_assert_eq((unsigned char)p[i], want, "byte %#zx lost after MEM_RESET_UNDO", (size_t)i);
    }
    cr_assert(tu_resident(p));
    cr_assert(tu_resident(p + 0xF000));
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, GRAN);
}

Test(reset, undo_of_part_of_reset_range)
{
    char *p = filled_block();
    cr_assert_eq(VirtualAlloc(p, GRAN, MEM_RESET, PAGE_READWRITE), p);
    cr_assert_eq(VirtualAlloc(p + 0x3000, 0x2000, MEM_RESET_UNDO, PAGE_READWRITE), p + 0x3000);
    for (SIZE_T i = 0x3000; i < 0x5000; i++)
        cr_assert_eq((unsigned char)p[i], 0x55, "byte %#zx lost", (size_t)i);
}

/* UNVERIFIED (facts §2): the error for never-reset or reserved memory.  winvm fails with 487 on
 * pages that are not committed. */
Test(reset, undo_on_reserved_pages_fails_487)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq(VirtualAlloc(p, GRAN, MEM_RESET, PAGE_READWRITE), p);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p, 0x1000, MEM_RESET_UNDO, PAGE_READWRITE);
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
    /* A range only partly committed fails as well. */
    cr_assert_eq(VirtualAlloc(p, 0x1000, MEM_COMMIT, PAGE_READWRITE), p);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p, 0x2000, MEM_RESET_UNDO, PAGE_READWRITE);
}

Test(reset, undo_with_other_types_invalid)
{
    char *p = filled_block();
    cr_assert_eq(VirtualAlloc(p, GRAN, MEM_RESET, PAGE_READWRITE), p);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET_UNDO | MEM_COMMIT, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET_UNDO | MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET_UNDO | MEM_TOP_DOWN, PAGE_READWRITE);
}

Test(reset, undo_protection_must_be_valid)
{
    char *p = filled_block();
    cr_assert_eq(VirtualAlloc(p, GRAN, MEM_RESET, PAGE_READWRITE), p);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET_UNDO, 0);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, 0x1000, MEM_RESET_UNDO, PAGE_READONLY | PAGE_READWRITE);
    /* And once valid, it is ignored: the pages keep PAGE_READWRITE. */
    cr_assert_eq(VirtualAlloc(p, 0x1000, MEM_RESET_UNDO, PAGE_NOACCESS), p);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p), 3);
}

Test(reset, undo_across_reservation_end_fails_487)
{
    char *x = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(x, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x);
    cr_assert_eq(VirtualAlloc(x + GRAN, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), x + GRAN);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, x + 0xF000, 0x2000, MEM_RESET_UNDO, PAGE_READWRITE);
}
