/* SPDX-License-Identifier: MIT */
/* test_scale.c - Windows' scale (issue 16 item 2): a million live 4 KiB reservations and a
 * hundred thousand live committed 64 KiB allocations work without raising vm.max_map_count
 * (65 530), every one reported right by VirtualQuery; and the unusable rest of a small
 * reservation's granule, like released memory, is free: MEM_FREE to queries, an access
 * violation to a touch. */
#include "testutil.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SANITIZE_ADDRESS__
/* Under AddressSanitizer every call costs tens of times more: 200,000 reservations, still three
 * times what vm.max_map_count allows as separate mappings, check the same property. */
#define MILLION 200000
#define HUNDRED_K 70000
#else
#define MILLION 1000000
#define HUNDRED_K 100000
#endif

/* Lines of /proc/self/maps: the kernel mappings of the process. */
static long maps_lines(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    long n = 0;
    int c;
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static void touch(void *arg) { *(volatile char *)arg = 1; }

/* A write to p is an access violation at p, caught by winvm_try. */
static void touch_faults(char *p)
{
    EXCEPTION_RECORD rec;
    cr_assert_eq(winvm_try(touch, p, &rec), STATUS_ACCESS_VIOLATION, "touching %p", (void *)p);
    cr_assert_eq(rec.ExceptionInformation[1], (ULONG_PTR)p);
}

static void assert_free(const char *p)
{
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_FREE, "%p: State %#x", (void *)p, (unsigned)m.State);
    cr_assert_eq(m.BaseAddress, p);
    cr_assert_null(m.AllocationBase);
    cr_assert_eq(m.Type, 0);
}

Test(scale, a_million_small_reservations)
{
    char **p = malloc(MILLION * sizeof(*p));
    cr_assert(p);
    long before = maps_lines();
    for (long i = 0; i < MILLION; i++) {
        p[i] = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
        cr_assert_not_null(p[i], "reservation %ld failed: error %u", i, GetLastError());
    }
    long during = maps_lines();
    cr_assert_lt(during, before + 1000, "%ld mappings before, %ld with a million reservations",
                 before, during);
    for (long i = 0; i < MILLION; i += 997) {
        MEMORY_BASIC_INFORMATION m = tu_query(p[i] + 123);
        cr_assert_eq(m.BaseAddress, p[i]);
        cr_assert_eq(m.AllocationBase, p[i]);
        cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
        cr_assert_eq(m.RegionSize, PAGE);
        cr_assert_eq(m.State, MEM_RESERVE);
        cr_assert_eq(m.Type, MEM_PRIVATE);
        assert_free(p[i] + PAGE); /* the rest of the granule */
        if (i + 1 < MILLION && p[i + 1] == p[i] + GRAN) /* free up to the next one */
            cr_assert_eq(tu_query(p[i] + PAGE).RegionSize, GRAN - PAGE);
    }
    /* One committed page among them, written and read back. */
    cr_assert_eq(VirtualAlloc(p[MILLION / 2], PAGE, MEM_COMMIT, PAGE_READWRITE), p[MILLION / 2]);
    p[MILLION / 2][5] = 42;
    cr_assert_eq(p[MILLION / 2][5], 42);
    for (long i = 0; i < MILLION; i++)
        cr_assert(VirtualFree(p[i], 0, MEM_RELEASE), "release %ld: error %u", i, GetLastError());
    for (long i = 0; i < MILLION; i += 9973)
        assert_free(p[i]);
    cr_assert_lt(maps_lines(), before + 100);
    free(p);
}

Test(scale, a_hundred_thousand_committed_allocations)
{
    char **p = malloc(HUNDRED_K * sizeof(*p));
    cr_assert(p);
    long before = maps_lines();
    for (long i = 0; i < HUNDRED_K; i++) {
        p[i] = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        cr_assert_not_null(p[i], "allocation %ld failed: error %u", i, GetLastError());
        if (i % 64 == 0)
            p[i][GRAN - 1] = (char)i;
    }
    cr_assert_lt(maps_lines(), before + 1000);
    for (long i = 0; i < HUNDRED_K; i += 64) {
        cr_assert_eq(p[i][GRAN - 1], (char)i);
        MEMORY_BASIC_INFORMATION m = tu_query(p[i] + 0x4321);
        cr_assert_eq(m.AllocationBase, p[i]);
        cr_assert_eq(m.State, MEM_COMMIT);
        cr_assert_eq(m.Protect, PAGE_READWRITE);
    }
    /* Released in an order that leaves holes: every other one first, then the rest. */
    for (int pass = 0; pass < 2; pass++)
        for (long i = pass; i < HUNDRED_K; i += 2)
            cr_assert(VirtualFree(p[i], 0, MEM_RELEASE), "release %ld: error %u", i, GetLastError());
    assert_free(p[HUNDRED_K / 3]);
    free(p);
}

Test(scale, the_rest_of_a_small_reservation_is_free)
{
    char *p = VirtualAlloc(NULL, 3 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m = tu_query(p + 3 * PAGE + 17);
    cr_assert_eq(m.State, MEM_FREE);
    cr_assert_eq(m.BaseAddress, p + 3 * PAGE);
    cr_assert_null(m.AllocationBase);
    cr_assert_geq(m.RegionSize, GRAN - 3 * PAGE);
    touch_faults(p + 3 * PAGE);
    touch_faults(p + GRAN - 1);
    /* The granule is taken: nothing else may be placed in it or committed there. */
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p + 4 * PAGE, PAGE, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_ADDRESS, p + 4 * PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(VirtualAlloc(p, 3 * PAGE, MEM_COMMIT, PAGE_READWRITE), p);
    p[3 * PAGE - 1] = 7;
    touch_faults(p + 3 * PAGE);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    assert_free(p);
    assert_free(p + 3 * PAGE);
    touch_faults(p);
    touch_faults(p + 3 * PAGE);
    cr_assert_eq(tu_host_prot(p + 3 * PAGE), -1);
    /* The whole granule is free again. */
    char *q = VirtualAlloc(p, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(q, p);
    cr_assert_eq(q[GRAN - 1], 0);
    cr_assert(VirtualFree(q, 0, MEM_RELEASE));
}

Test(scale, release_keeps_nothing_visible)
{
    for (int round = 0; round < 3; round++) {
        char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        cr_assert_not_null(p);
        cr_assert_eq(p[100], 0, "a reused range reads zero");
        memset(p, 0x5a, GRAN);
        cr_assert(VirtualFree(p, 0, MEM_RELEASE));
        assert_free(p);
        assert_free(p + GRAN - PAGE);
        touch_faults(p);
        touch_faults(p + GRAN - 1);
    }
}

Test(scale, the_page_table_anchor_is_invisible)
{
    /* The first bottom-up allocation maps the anchor (src/mm/place.c) at 0x10000000. */
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(p);
    char *anchor = (char *)0x10000000;
    cr_assert_neq(p, anchor, "placement starts above the anchor's granule");
    assert_free(anchor);
    touch_faults(anchor);
    /* Asked for, the address is the program's: the anchor gives way. */
    char *q = VirtualAlloc(anchor, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(q, anchor, "VirtualAlloc(0x10000000) = %p, error %u", (void *)q, GetLastError());
    cr_assert_eq(q[0], 0);
    q[0] = 1;
    cr_assert(VirtualFree(q, 0, MEM_RELEASE));
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    assert_free(anchor);
}
