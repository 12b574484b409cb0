/* SPDX-License-Identifier: MIT */
/* test_gran.c - VirtualQuery of small allocations, which the granule map answers from a
 * summary of the allocation (src/mm/gran.c) instead of the allocation's pages: every field
 * right in every state a small allocation can be in, with more distinct states alive at once
 * than the summary table holds, as they change and after they go; and the free tail of a
 * small reservation.  Each answer is checked against a page-by-page model of the allocation. */
#include "testutil.h"
#include "mm/mm.h"
#include <criterion/criterion.h>
#include <string.h>

#define NPROT 2
#define MAXN 16
#define NALLOC (NPROT * (MAXN + 1) * (MAXN + 2) / 2 - NPROT) /* n in 1..16, k in 0..n */

/* One allocation and what each of its pages is. */
struct small {
    char *p;
    DWORD alloc_protect;
    int n;
    DWORD state[MAXN], protect[MAXN];
};

static const DWORD k_alloc_prot[NPROT] = {PAGE_READWRITE, PAGE_EXECUTE_READ};

static void check_page(const struct small *s, int i, SIZE_T off)
{
    int e = i + 1;
    while (e < s->n && s->state[e] == s->state[i] && s->protect[e] == s->protect[i])
        e++;
    MEMORY_BASIC_INFORMATION m = tu_query(s->p + (SIZE_T)i * PAGE + off);
    cr_assert_eq(m.BaseAddress, s->p + (SIZE_T)i * PAGE, "%p page %d: BaseAddress %p", (void *)s->p, i,
                 m.BaseAddress);
    cr_assert_eq(m.AllocationBase, s->p, "%p page %d: AllocationBase %p", (void *)s->p, i, m.AllocationBase);
    cr_assert_eq(m.AllocationProtect, s->alloc_protect, "%p page %d: AllocationProtect %#x", (void *)s->p, i,
                 (unsigned)m.AllocationProtect);
    cr_assert_eq(m.RegionSize, (SIZE_T)(e - i) * PAGE, "%p (%d pages) page %d: RegionSize %#zx, want %#zx",
                 (void *)s->p, s->n, i, (size_t)m.RegionSize, (size_t)(e - i) * PAGE);
    cr_assert_eq(m.State, s->state[i], "%p page %d: State %#x, want %#x", (void *)s->p, i, (unsigned)m.State,
                 (unsigned)s->state[i]);
    cr_assert_eq(m.Protect, s->protect[i], "%p page %d: Protect %#x, want %#x", (void *)s->p, i,
                 (unsigned)m.Protect, (unsigned)s->protect[i]);
    cr_assert_eq(m.Type, MEM_PRIVATE);
}

/* Every page of s, at its start and at an interior byte; then the rest of the granule. */
static void check_small(const struct small *s)
{
    for (int i = 0; i < s->n; i++) {
        check_page(s, i, 0);
        check_page(s, i, (SIZE_T)(s->n * 977 + i * 31) % PAGE);
    }
    if (s->n == MAXN)
        return;
    char *tail = s->p + (SIZE_T)s->n * PAGE;
    MEMORY_BASIC_INFORMATION m = tu_query(tail + 5);
    cr_assert_eq(m.State, MEM_FREE, "%p: the tail's State %#x", (void *)s->p, (unsigned)m.State);
    cr_assert_eq(m.BaseAddress, tail);
    cr_assert_null(m.AllocationBase);
    cr_assert_eq(m.Protect, PAGE_NOACCESS);
    MEMORY_BASIC_INFORMATION next = tu_query(s->p + GRAN);
    if (next.State != MEM_FREE && next.AllocationBase == s->p + GRAN) /* free up to it */
        cr_assert_eq(m.RegionSize, GRAN - (SIZE_T)s->n * PAGE, "%p: the tail's RegionSize %#zx", (void *)s->p,
                     (size_t)m.RegionSize);
    else
        cr_assert_geq(m.RegionSize, GRAN - (SIZE_T)s->n * PAGE);
}

static void set_pages(struct small *s, int from, int to, DWORD state, DWORD protect)
{
    for (int i = from; i < to; i++)
        s->state[i] = state, s->protect[i] = protect;
}

/* n pages reserved with alloc_protect, the first k committed read-only. */
static void make_small(struct small *s, DWORD alloc_protect, int n, int k)
{
    s->alloc_protect = alloc_protect;
    s->n = n;
    s->p = VirtualAlloc(NULL, (SIZE_T)n * PAGE, MEM_RESERVE, alloc_protect);
    cr_assert_not_null(s->p, "reserve %d pages: error %u", n, GetLastError());
    set_pages(s, 0, n, MEM_RESERVE, 0);
    if (k) {
        cr_assert_eq(VirtualAlloc(s->p, (SIZE_T)k * PAGE, MEM_COMMIT, PAGE_READONLY), s->p);
        set_pages(s, 0, k, MEM_COMMIT, PAGE_READONLY);
    }
}

/* One allocation for each size, allocation protection and committed prefix: 304 states of
 * which no two answer alike, more than the 254 the summary table holds at once. */
static int make_all(struct small *s)
{
    int m = 0;
    for (int a = 0; a < NPROT; a++)
        for (int n = 1; n <= MAXN; n++)
            for (int k = 0; k <= n; k++)
                make_small(&s[m++], k_alloc_prot[a], n, k);
    cr_assert_eq(m, NALLOC);
    return m;
}

static void check_all(const struct small *s, int m)
{
    for (int j = 0; j < m; j++)
        check_small(&s[j]);
    wv_space_validate();
}

static void free_all(struct small *s, int m)
{
    for (int j = 0; j < m; j++)
        cr_assert(VirtualFree(s[j].p, 0, MEM_RELEASE), "release %p: error %u", (void *)s[j].p, GetLastError());
    wv_space_validate();
}

Test(gran, more_states_than_the_summary_table_holds)
{
    static struct small s[NALLOC];
    int m = make_all(s);
    check_all(s, m);
    free_all(s, m);
    /* The table's slots were all given back: the same again. */
    m = make_all(s);
    check_all(s, m);
    free_all(s, m);
}

Test(gran, every_change_of_state_is_seen)
{
    static struct small s[NALLOC];
    int m = make_all(s);
    /* Three regions or more where there is room, then two, then one: each answer follows. */
    for (int j = 0; j < m; j++) {
        struct small *a = &s[j];
        if (a->n >= 3) {
            cr_assert_eq(VirtualAlloc(a->p + PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE), a->p + PAGE);
            set_pages(a, 1, 2, MEM_COMMIT, PAGE_READWRITE);
        }
    }
    check_all(s, m);
    for (int j = 0; j < m; j++) {
        struct small *a = &s[j];
        DWORD old;
        cr_assert(VirtualProtect(a->p, PAGE, PAGE_READWRITE | PAGE_GUARD, &old) || a->state[0] != MEM_COMMIT);
        if (a->state[0] == MEM_COMMIT)
            set_pages(a, 0, 1, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    }
    check_all(s, m);
    for (int j = 0; j < m; j++) {
        struct small *a = &s[j];
        cr_assert(VirtualFree(a->p + PAGE, (SIZE_T)(a->n - 1) * PAGE, MEM_DECOMMIT) || a->n == 1);
        set_pages(a, 1, a->n, MEM_RESERVE, 0);
    }
    check_all(s, m);
    for (int j = 0; j < m; j++) {
        struct small *a = &s[j];
        cr_assert(VirtualFree(a->p, (SIZE_T)a->n * PAGE, MEM_DECOMMIT));
        set_pages(a, 0, a->n, MEM_RESERVE, 0);
    }
    check_all(s, m);
    for (int j = 0; j < m; j++) {
        struct small *a = &s[j];
        cr_assert_eq(VirtualAlloc(a->p, (SIZE_T)a->n * PAGE, MEM_COMMIT, PAGE_EXECUTE_READWRITE), a->p);
        set_pages(a, 0, a->n, MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    }
    check_all(s, m);
    free_all(s, m);
}

static void touch(void *arg) { *(volatile char *)arg = 1; }

Test(gran, a_guard_page_hit_is_seen)
{
    struct small s;
    make_small(&s, PAGE_READWRITE, 3, 0);
    cr_assert_eq(VirtualAlloc(s.p, 3 * PAGE, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD), s.p);
    set_pages(&s, 0, 3, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    check_small(&s);
    EXCEPTION_RECORD rec;
    cr_assert_eq(winvm_try(touch, s.p + PAGE, &rec), STATUS_GUARD_PAGE_VIOLATION);
    set_pages(&s, 1, 2, MEM_COMMIT, PAGE_READWRITE);
    check_small(&s);
    touch(s.p + PAGE);
    cr_assert_eq(winvm_try(touch, s.p, &rec), STATUS_GUARD_PAGE_VIOLATION);
    set_pages(&s, 0, 1, MEM_COMMIT, PAGE_READWRITE);
    check_small(&s);
    wv_space_validate();
    cr_assert(VirtualFree(s.p, 0, MEM_RELEASE));
}

Test(gran, the_tail_is_free_up_to_the_next_allocation)
{
    /* Two granules free side by side: a 4 KiB reservation in each. */
    char *r = VirtualAlloc(NULL, 2 * GRAN, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(r);
    cr_assert(VirtualFree(r, 0, MEM_RELEASE));
    char *p = VirtualAlloc(r, PAGE, MEM_RESERVE, PAGE_READWRITE);
    char *q = VirtualAlloc(r + GRAN, PAGE, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_eq(p, r);
    cr_assert_eq(q, r + GRAN);
    MEMORY_BASIC_INFORMATION m = tu_query(p + PAGE + 99);
    cr_assert_eq(m.State, MEM_FREE);
    cr_assert_eq(m.BaseAddress, p + PAGE);
    cr_assert_eq(m.RegionSize, GRAN - PAGE);
    /* Committed, the same; with the neighbour gone, free beyond the granule. */
    cr_assert_eq(VirtualAlloc(p, PAGE, MEM_COMMIT, PAGE_READWRITE), p);
    cr_assert_eq(tu_query(p + PAGE).RegionSize, GRAN - PAGE);
    cr_assert_eq(tu_query(p + GRAN - 1).RegionSize, PAGE);
    cr_assert(VirtualFree(q, 0, MEM_RELEASE));
    m = tu_query(p + GRAN - 1);
    cr_assert_eq(m.State, MEM_FREE);
    cr_assert_eq(m.BaseAddress, p + GRAN - PAGE);
    cr_assert_gt(m.RegionSize, PAGE);
    cr_assert_eq(tu_query(p + PAGE).RegionSize, m.RegionSize + GRAN - 2 * PAGE);
    wv_space_validate();
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
}
