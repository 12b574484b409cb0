/* SPDX-License-Identifier: MIT */
/* test_watch.c - write watches: MEM_WRITE_WATCH, GetWriteWatch, ResetWriteWatch.
 *
 * Every rule runs twice, once per tracking path: the "kernel" suite (userfaultfd + PAGEMAP_SCAN,
 * skipped on kernels without it) and the "fallback" suite (WINVM_WRITE_WATCH=fallback, set in
 * the test's own process before winvm first looks at it).  Facts marked (K32) come from Wine's
 * dlls/kernel32/tests/virtual.c test_write_watch, written against Windows.
 */
#define _GNU_SOURCE
#include "testutil.h"
#include "mm/mm.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static bool g_soft; /* the suite wants the fallback */

static void use_kernel(void)
{
    unsetenv("WINVM_WRITE_WATCH");
    g_soft = false;
}

static void use_fallback(void)
{
    setenv("WINVM_WRITE_WATCH", "fallback", 1);
    g_soft = true;
}

/* Defines the rule as a function and one test per path. */
#define RULE(name)                                                        \
    static void name(void);                                               \
    Test(kernel, name, .init = use_kernel) { name(); }                    \
    Test(fallback, name, .init = use_fallback) { name(); }                \
    static void name(void)

static bool view_is_soft(const void *p)
{
    wv_space_lock();
    struct wv_view *v = wv_space_find((uintptr_t)p);
    bool soft = v && (v->flags & WV_VIEW_WATCH_SOFT);
    wv_space_unlock();
    return soft;
}

/* A MEM_WRITE_WATCH allocation tracked by the path the suite tests. */
static char *walloc(SIZE_T size, DWORD type, DWORD prot)
{
    if (!g_soft && !wv_uffd_usable())
        cr_skip_test("the kernel has no userfaultfd async write-protect + PAGEMAP_SCAN");
    char *p = VirtualAlloc(NULL, size, type | MEM_RESERVE | MEM_WRITE_WATCH, prot);
    cr_assert_not_null(p, "VirtualAlloc(MEM_WRITE_WATCH) failed: %u", GetLastError());
    cr_assert_eq(view_is_soft(p), g_soft, "tracked by the wrong path");
    return p;
}

static void *results[4096];

/* GetWriteWatch that must succeed; returns the count. */
static ULONG_PTR watched(DWORD flags, void *base, SIZE_T size, ULONG_PTR max)
{
    ULONG_PTR count = max;
    DWORD gran = 0;
    memset(results, 0, sizeof(results));
    SetLastError(SENTINEL);
    UINT r = GetWriteWatch(flags, base, size, results, &count, &gran);
    cr_assert_eq(r, 0, "GetWriteWatch(%p, %#zx) = %#x, error %u", base, (size_t)size, r,
                 GetLastError());
    cr_assert_eq(gran, 4096);
    cr_assert_eq(GetLastError(), SENTINEL, "success changed the last error");
    return count;
}

#define EXPECT_PAGES(flags, base, size, ...)                                              \
    do {                                                                                  \
        const long want_[] = {__VA_ARGS__};                                               \
        size_t nw_ = sizeof(want_) / sizeof(want_[0]);                                    \
        if (want_[0] < 0)                                                                 \
            nw_ = 0;                                                                      \
        ULONG_PTR c_ = watched((flags), (base), (size), 64);                              \
        cr_assert_eq(c_, nw_, "count %lu, want %zu (first %p)", (unsigned long)c_, nw_,   \
                     results[0]);                                                         \
        for (size_t k_ = 0; k_ < nw_; k_++)                                               \
            cr_assert_eq(results[k_], (char *)(base0) + want_[k_] * PAGE,                 \
                         "result %zu = %p, want page %ld", k_, results[k_], want_[k_]);   \
    } while (0)
#define NONE (-1)

#define WW_FAILS(err, flags, base, size, addrs, countp, granp)                            \
    do {                                                                                  \
        SetLastError(SENTINEL);                                                           \
        UINT r_ = GetWriteWatch((flags), (base), (size), (addrs), (countp), (granp));     \
        cr_assert_eq(r_, ~0u, "GetWriteWatch succeeded (%#x)", r_);                       \
        EXPECT_ERR(err);                                                                  \
    } while (0)

/* ---- what memory can be watched ---- */

RULE(only_write_watch_memory_can_be_queried)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    (void)base0;
    char *plain = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    static char image_data[PAGE * 2];
    ULONG_PTR count = 64;
    DWORD gran;
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, NULL, GRAN, results, &count, &gran);       /* K32 */
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, plain, GRAN, results, &count, &gran);
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, image_data, PAGE, results, &count, &gran); /* K32 */
    SetLastError(SENTINEL);
    cr_assert_eq(ResetWriteWatch(plain, GRAN), ~0u);
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL);
    cr_assert_eq(ResetWriteWatch(image_data, PAGE), ~0u); /* K32 */
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_eq(count, 64, "a failed call changed the count");
    VirtualFree(plain, 0, MEM_RELEASE);
}

RULE(released_memory_is_not_watched)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[0] = 1;
    cr_assert(VirtualFree(base0, 0, MEM_RELEASE));
    ULONG_PTR count = 64;
    DWORD gran;
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, base0, GRAN, results, &count, &gran);
}

/* K32: the parameter checks, in NtGetWriteWatch's order. */
RULE(bad_parameters)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    ULONG_PTR count = 0;
    DWORD gran;
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, base0, GRAN, results, &count, &gran); /* count 0 */
    WW_FAILS(ERROR_NOACCESS, 0, base0, GRAN, results, NULL, &gran);
    count = 64;
    WW_FAILS(ERROR_NOACCESS, 0, base0, GRAN, results, &count, NULL);
    WW_FAILS(ERROR_NOACCESS, 0, base0, GRAN, NULL, &count, &gran);
    count = 0;
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, base0, GRAN, NULL, &count, &gran);
    count = 64;
    WW_FAILS(ERROR_INVALID_PARAMETER, 0xdeadbeef, base0, GRAN, results, &count, &gran);
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, base0, 0, results, &count, &gran);
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, base0, GRAN * 2, results, &count, &gran);
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, base0 + GRAN - PAGE, PAGE + 1, results, &count, &gran);
    WW_FAILS(ERROR_INVALID_PARAMETER, 0, base0, ~(SIZE_T)0, results, &count, &gran);
    cr_assert_eq(count, 64);
    SetLastError(SENTINEL);
    cr_assert_eq(ResetWriteWatch(base0, 0), ~0u);
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL);
    cr_assert_eq(ResetWriteWatch(base0, GRAN + 1), ~0u);
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    /* An unaligned base with size 0 still names one page (Windows rounds the range out). */
    cr_assert_eq(watched(0, base0 + 5, 0, 64), 0);
    cr_assert_eq(ResetWriteWatch(base0 + 5, 0), 0);
}

/* ---- what counts as written ---- */

RULE(fresh_memory_is_clean_and_reads_do_not_count)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    EXPECT_PAGES(0, base0, GRAN, NONE);
    volatile char sum = 0;
    for (size_t k = 0; k < GRAN; k += PAGE)
        sum += base0[k]; /* never-touched pages read as zero */
    cr_assert_eq(sum, 0);
    EXPECT_PAGES(0, base0, GRAN, NONE);
    cr_assert_eq(tu_query(base0).Protect, PAGE_READWRITE);
}

RULE(a_write_is_reported_until_reset)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[PAGE + 1] = 0x44; /* K32 */
    EXPECT_PAGES(0, base0, GRAN, 1);
    EXPECT_PAGES(0, base0, GRAN, 1); /* a plain query resets nothing */
    EXPECT_PAGES(WRITE_WATCH_FLAG_RESET, base0, GRAN, 1);
    EXPECT_PAGES(0, base0, GRAN, NONE);
    cr_assert_eq(base0[PAGE + 1], 0x44, "reset changed the contents");
    base0[PAGE + 2] = 0x45; /* written again after the reset */
    EXPECT_PAGES(0, base0, GRAN, 1);
}

RULE(pages_come_in_address_order)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    const int order[] = {13, 4, 9, 2, 15, 0};
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
        base0[order[k] * PAGE + 7] = 1;
    EXPECT_PAGES(0, base0, GRAN, 0, 2, 4, 9, 13, 15);
}

RULE(a_write_across_a_page_boundary_marks_both)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    DWORD v = 0xdeadbeef;
    memcpy(base0 + 2 * PAGE - 2, &v, sizeof(v)); /* K32 */
    EXPECT_PAGES(0, base0, GRAN, 1, 2);
}

RULE(ranges_inside_the_allocation)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[2 * PAGE + 3] = 0x11;
    base0[4 * PAGE + 8] = 0x11;
    EXPECT_PAGES(0, base0, GRAN, 2, 4);
    EXPECT_PAGES(0, base0 + 3 * PAGE, 2 * PAGE, 4); /* K32: not at the allocation start */
    EXPECT_PAGES(0, base0 + 4 * PAGE + 100, 1, 4);  /* rounded out to whole pages */
    EXPECT_PAGES(0, base0 + GRAN - PAGE, PAGE, NONE); /* the last page */
    /* A reset of a sub-range leaves the rest. */
    EXPECT_PAGES(WRITE_WATCH_FLAG_RESET, base0 + 3 * PAGE, 5 * PAGE, 4);
    EXPECT_PAGES(0, base0, GRAN, 2);
}

RULE(reset_write_watch_resets_its_range_only)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[PAGE] = 1;
    base0[2 * PAGE] = 1;
    base0[4 * PAGE] = 1;
    cr_assert_eq(ResetWriteWatch(base0, 3 * PAGE), 0); /* K32 */
    EXPECT_PAGES(0, base0, GRAN, 4);
    cr_assert_eq(ResetWriteWatch(base0 + 4 * PAGE + 9, 1), 0);
    EXPECT_PAGES(0, base0, GRAN, NONE);
    base0[PAGE] = 2; /* tracked again */
    EXPECT_PAGES(0, base0, GRAN, 1);
}

/* K32: with more written pages than the buffer holds, the first ones are reported, and a
 * reset resets only those. */
RULE(count_is_clipped_and_reset_covers_what_was_reported)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[PAGE] = 1;
    base0[2 * PAGE] = 1;
    base0[4 * PAGE] = 1;
    cr_assert_eq(watched(0, base0, GRAN, 2), 2);
    cr_assert_eq(results[0], base0 + PAGE);
    cr_assert_eq(results[1], base0 + 2 * PAGE);
    cr_assert_eq(watched(WRITE_WATCH_FLAG_RESET, base0, GRAN, 1), 1);
    cr_assert_eq(results[0], base0 + PAGE);
    EXPECT_PAGES(0, base0, GRAN, 2, 4);
    cr_assert_eq(watched(WRITE_WATCH_FLAG_RESET, base0, GRAN, 2), 2); /* exactly full */
    EXPECT_PAGES(0, base0, GRAN, NONE);
}

RULE(many_pages_in_one_call)
{
    const size_t n = 3000; /* more than one internal chunk */
    char *base0 = walloc(n * PAGE, MEM_COMMIT, PAGE_READWRITE);
    for (size_t k = 0; k < n; k++)
        if (k % 3 != 1)
            base0[k * PAGE] = 1;
    ULONG_PTR c = watched(WRITE_WATCH_FLAG_RESET, base0, n * PAGE, 4096);
    size_t want = n - n / 3;
    cr_assert_eq(c, want, "count %lu want %zu", (unsigned long)c, want);
    for (size_t k = 0, j = 0; k < n; k++)
        if (k % 3 != 1) {
            cr_assert_eq(results[j], base0 + k * PAGE, "result %zu", j);
            j++;
        }
    cr_assert_eq(watched(0, base0, n * PAGE, 4096), 0);
    /* Clipped in the middle of a chunk boundary: the rest stays for the next call. */
    for (size_t k = 0; k < n; k++)
        base0[k * PAGE] = 2;
    cr_assert_eq(watched(WRITE_WATCH_FLAG_RESET, base0, n * PAGE, 1500), 1500);
    cr_assert_eq(results[1499], base0 + 1499 * PAGE);
    cr_assert_eq(watched(WRITE_WATCH_FLAG_RESET, base0, n * PAGE, 4096), n - 1500);
    cr_assert_eq(results[0], base0 + 1500 * PAGE);
    VirtualFree(base0, 0, MEM_RELEASE);
}

/* ---- interaction with the other calls ---- */

/* K32: "changing protections doesn't affect watches". */
RULE(virtual_protect_does_not_reset)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[2 * PAGE] = 1;
    base0[4 * PAGE] = 1;
    DWORD old;
    cr_assert(VirtualProtect(base0, 3 * PAGE, PAGE_READONLY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert_eq(tu_query(base0).RegionSize, 3 * PAGE);
    cr_assert_eq(tu_query(base0).Protect, PAGE_READONLY);
    EXPECT_PAGES(0, base0, GRAN, 2, 4);
    cr_assert(VirtualProtect(base0, 3 * PAGE, PAGE_READWRITE, &old));
    cr_assert_eq(old, PAGE_READONLY);
    EXPECT_PAGES(0, base0, GRAN, 2, 4);
    MEMORY_BASIC_INFORMATION m = tu_query(base0);
    cr_assert_eq(m.RegionSize, GRAN, "hidden watch state split a region");
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    /* Clean pages are still tracked after the round trip, written ones stay writable. */
    base0[0] = 1;
    base0[2 * PAGE + 1] = 1;
    EXPECT_PAGES(0, base0, GRAN, 0, 2, 4);
    /* A protect over a mixed range, reset in between. */
    cr_assert_eq(ResetWriteWatch(base0, PAGE), 0);
    cr_assert(VirtualProtect(base0, 5 * PAGE, PAGE_EXECUTE_READWRITE, &old));
    base0[PAGE] = 1;
    base0[0] = 1;
    EXPECT_PAGES(0, base0, GRAN, 0, 1, 2, 4);
}

/* K32: the initial protection does not matter; writes made while writable are kept through
 * PAGE_NOACCESS and through decommit. */
RULE(noaccess_then_writable_then_decommit)
{
    char *base0 = walloc(GRAN, 0, PAGE_NOACCESS);
    cr_assert_eq(VirtualAlloc(base0, GRAN, MEM_COMMIT, PAGE_NOACCESS), base0);
    EXPECT_PAGES(0, base0, GRAN, NONE);
    DWORD old;
    cr_assert(VirtualProtect(base0, 6 * PAGE, PAGE_READWRITE, &old));
    cr_assert_eq(old, PAGE_NOACCESS);
    base0[5 * PAGE + 200] = 3;
    cr_assert(VirtualProtect(base0, 6 * PAGE, PAGE_NOACCESS, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    EXPECT_PAGES(0, base0, GRAN, 5);
    cr_assert(VirtualFree(base0, GRAN, MEM_DECOMMIT));
    EXPECT_PAGES(0, base0, GRAN, 5);
    cr_assert_eq(tu_query(base0).State, MEM_RESERVE);
    cr_assert_eq(tu_query(base0).RegionSize, GRAN);
}

/* Decommitted pages keep their written state, recommitted pages start with it, and a page
 * is never reported twice. */
RULE(decommit_and_recommit)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[2 * PAGE] = 1;
    base0[3 * PAGE] = 1;
    cr_assert(VirtualFree(base0 + 2 * PAGE, 4 * PAGE, MEM_DECOMMIT));
    EXPECT_PAGES(0, base0, GRAN, 2, 3);
    cr_assert_eq(VirtualAlloc(base0, GRAN, MEM_COMMIT, PAGE_READWRITE), base0);
    cr_assert_eq(base0[2 * PAGE], 0, "decommit kept the contents");
    volatile char sum = 0;
    for (size_t k = 0; k < GRAN; k += PAGE)
        sum += base0[k];
    EXPECT_PAGES(0, base0, GRAN, 2, 3); /* reads of the fresh pages do not count */
    base0[2 * PAGE] = 5;                /* written again: still one entry */
    base0[6 * PAGE] = 5;
    EXPECT_PAGES(0, base0, GRAN, 2, 3, 6);
    cr_assert_eq(watched(WRITE_WATCH_FLAG_RESET, base0, GRAN, 1), 1);
    EXPECT_PAGES(0, base0, GRAN, 3, 6);
    EXPECT_PAGES(WRITE_WATCH_FLAG_RESET, base0, GRAN, 3, 6);
    EXPECT_PAGES(0, base0, GRAN, NONE);
    base0[2 * PAGE] = 6; /* tracked again after the reset */
    base0[3 * PAGE] = 6;
    EXPECT_PAGES(0, base0, GRAN, 2, 3);
    /* A decommitted, reset page and a reset-only decommit. */
    cr_assert_eq(ResetWriteWatch(base0, GRAN), 0);
    cr_assert(VirtualFree(base0, GRAN, MEM_DECOMMIT));
    EXPECT_PAGES(0, base0, GRAN, NONE);
}

RULE(reserve_then_commit_parts)
{
    char *base0 = walloc(16 * GRAN, 0, PAGE_READWRITE);
    EXPECT_PAGES(0, base0, 16 * GRAN, NONE);
    cr_assert_eq(VirtualAlloc(base0 + GRAN, 2 * PAGE, MEM_COMMIT, PAGE_READWRITE), base0 + GRAN);
    cr_assert_eq(VirtualAlloc(base0 + 9 * GRAN, PAGE, MEM_COMMIT, PAGE_READONLY), base0 + 9 * GRAN);
    EXPECT_PAGES(0, base0, 16 * GRAN, NONE);
    base0[GRAN + PAGE] = 1;
    EXPECT_PAGES(0, base0, 16 * GRAN, 17);
    DWORD old;
    cr_assert(VirtualProtect(base0 + 9 * GRAN, PAGE, PAGE_READWRITE, &old));
    base0[9 * GRAN] = 1;
    EXPECT_PAGES(WRITE_WATCH_FLAG_RESET, base0, 16 * GRAN, 17, 144);
    EXPECT_PAGES(0, base0, 16 * GRAN, NONE);
}

RULE(recommit_with_another_protection_keeps_the_state)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[PAGE] = 1;
    cr_assert_eq(VirtualAlloc(base0, 4 * PAGE, MEM_COMMIT, PAGE_READONLY), base0);
    EXPECT_PAGES(0, base0, GRAN, 1);
    cr_assert_eq(VirtualAlloc(base0, 4 * PAGE, MEM_COMMIT, PAGE_READWRITE), base0);
    base0[0] = 1;
    EXPECT_PAGES(0, base0, GRAN, 0, 1);
}

static void write_byte(void *arg) { *(volatile char *)arg = 1; }
static void read_byte(void *arg) { (void)*(volatile char *)arg; }

/* A write to a read-only watched page is an access violation, on either path, and does not
 * count; a guard page still raises its exception first. */
RULE(read_only_and_guard_pages)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READONLY);
    EXCEPTION_RECORD rec;
    cr_assert_eq(winvm_try(write_byte, base0 + PAGE, &rec), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(rec.ExceptionInformation[0], 1);
    EXPECT_PAGES(0, base0, GRAN, NONE);
    DWORD old;
    cr_assert(VirtualProtect(base0 + 2 * PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    cr_assert_eq(winvm_try(read_byte, base0 + 2 * PAGE, &rec), STATUS_GUARD_PAGE_VIOLATION);
    EXPECT_PAGES(0, base0, GRAN, NONE); /* the guard's read did not count */
    cr_assert_eq(winvm_try(write_byte, base0 + 2 * PAGE, &rec), 0);
    EXPECT_PAGES(0, base0, GRAN, 2);
    /* A write that consumes the guard counts once the access is retried. */
    cr_assert(VirtualProtect(base0 + 3 * PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    cr_assert_eq(winvm_try(write_byte, base0 + 3 * PAGE, &rec), STATUS_GUARD_PAGE_VIOLATION);
    cr_assert_eq(winvm_try(write_byte, base0 + 3 * PAGE, &rec), 0);
    EXPECT_PAGES(0, base0, GRAN, 2, 3);
}

/* The Windows-visible state never shows the tracking. */
RULE(tracking_is_invisible)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[PAGE] = 1;
    MEMORY_BASIC_INFORMATION m = tu_query(base0);
    cr_assert_eq(m.RegionSize, GRAN);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_not(IsBadWritePtr(base0, GRAN));
    cr_assert_not(IsBadReadPtr(base0, GRAN));
    EXPECT_PAGES(0, base0, GRAN, 1); /* IsBadWritePtr wrote nothing */
    /* The host mapping: read-only while clean on the fallback, writable on the kernel path. */
    cr_assert_eq(tu_host_prot(base0) & 2, g_soft ? 0 : 2);
    cr_assert_eq(tu_host_prot(base0 + PAGE) & 2, 2);
}

/* ---- threads ---- */

#define WT_THREADS 8
#define WT_PAGES 512

struct writer {
    pthread_t tid;
    char *base;
    int id;
    int rounds;
};

/* Thread t writes pages t, t + 8, t + 16, ... and every page divisible by 5 (shared ones). */
static bool writes_page(int t, size_t k) { return k % WT_THREADS == (size_t)t || k % 5 == 0; }

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (int r = 0; r < w->rounds; r++)
        for (size_t k = 0; k < WT_PAGES; k++)
            if (writes_page(w->id, k) && (k + (size_t)r) % 3 == 0)
                __atomic_fetch_add(w->base + k * PAGE + w->id, 1, __ATOMIC_RELAXED);
    return NULL;
}

RULE(concurrent_writers)
{
    static void *big[WT_PAGES];
    char *base0 = walloc(WT_PAGES * PAGE, MEM_COMMIT, PAGE_READWRITE);
    struct writer w[WT_THREADS];
    /* Round 1: writers race each other on shared pages; every written page shows. */
    for (int t = 0; t < WT_THREADS; t++) {
        w[t] = (struct writer){.base = base0, .id = t, .rounds = 3};
        cr_assert_eq(pthread_create(&w[t].tid, NULL, writer_main, &w[t]), 0);
    }
    bool seen[WT_PAGES] = {0};
    /* Meanwhile, harvest with reset: a write may land in this call or the next, never lost. */
    for (int i = 0; i < 50; i++) {
        ULONG_PTR count = WT_PAGES;
        DWORD gran;
        cr_assert_eq(GetWriteWatch(WRITE_WATCH_FLAG_RESET, base0, WT_PAGES * PAGE, big, &count,
                                   &gran), 0);
        for (ULONG_PTR j = 0; j < count; j++)
            seen[((char *)big[j] - base0) / PAGE] = true;
    }
    for (int t = 0; t < WT_THREADS; t++)
        pthread_join(w[t].tid, NULL);
    ULONG_PTR count = WT_PAGES;
    DWORD gran;
    cr_assert_eq(GetWriteWatch(WRITE_WATCH_FLAG_RESET, base0, WT_PAGES * PAGE, big, &count, &gran), 0);
    for (ULONG_PTR j = 0; j < count; j++)
        seen[((char *)big[j] - base0) / PAGE] = true;
    for (size_t k = 0; k < WT_PAGES; k++) {
        bool any = false;
        for (int t = 0; t < WT_THREADS; t++)
            for (int r = 0; r < 3; r++)
                any = any || (writes_page(t, k) && (k + (size_t)r) % 3 == 0);
        cr_assert_eq(seen[k], any, "page %zu seen %d written %d", k, seen[k], any);
    }
    /* Contents are intact: no write was lost to the tracking. */
    for (size_t k = 0; k < WT_PAGES; k++)
        for (int t = 0; t < WT_THREADS; t++) {
            int want = 0;
            for (int r = 0; r < 3; r++)
                want += writes_page(t, k) && (k + (size_t)r) % 3 == 0;
            cr_assert_eq(base0[k * PAGE + t], want, "page %zu byte %d", k, t);
        }
    cr_assert_eq(watched(0, base0, WT_PAGES * PAGE, 64), 0);
}

/* ---- writes by the kernel ---- */

static int pipe_with(size_t n)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    char *buf = malloc(n);
    memset(buf, 'k', n);
    cr_assert_eq(write(fds[1], buf, n), (ssize_t)n);
    free(buf);
    close(fds[1]);
    return fds[0];
}

Test(kernel, read_into_watched_buffer_counts_and_does_not_fault, .init = use_kernel)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    /* Never-touched pages. */
    int fd = pipe_with(3 * PAGE + 5);
    ssize_t got = read(fd, base0 + PAGE, 8 * PAGE);
    cr_assert_eq(got, (ssize_t)(3 * PAGE + 5), "read: %zd (%s)", got, strerror(errno));
    close(fd);
    cr_assert_eq(base0[4 * PAGE + 4], 'k');
    EXPECT_PAGES(WRITE_WATCH_FLAG_RESET, base0, GRAN, 1, 2, 3, 4);
    /* Resident pages protected again by the reset. */
    fd = pipe_with(PAGE);
    got = read(fd, base0 + 2 * PAGE + 100, PAGE);
    cr_assert_eq(got, (ssize_t)PAGE, "read: %zd (%s)", got, strerror(errno));
    close(fd);
    EXPECT_PAGES(0, base0, GRAN, 2, 3);
    /* A file read, through the page cache. */
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    fputs("hello, watch", f);
    fflush(f);
    got = pread(fileno(f), base0 + 9 * PAGE, 100, 0);
    cr_assert_eq(got, 12);
    fclose(f);
    EXPECT_PAGES(0, base0, GRAN, 2, 3, 9);
}

/* The documented limit of the fallback: the kernel's writes into a clean page fault in the
 * kernel (EFAULT), since the page is read-only on the host until its first user write. */
Test(fallback, kernel_writes_into_clean_pages_fail, .init = use_fallback)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    int fd = pipe_with(PAGE);
    errno = 0;
    cr_assert_eq(read(fd, base0 + PAGE, PAGE), -1);
    cr_assert_eq(errno, EFAULT);
    base0[PAGE] = 1; /* written once by the process: the kernel may write it now */
    cr_assert_eq(read(fd, base0 + PAGE, PAGE), (ssize_t)PAGE);
    close(fd);
    EXPECT_PAGES(0, base0, GRAN, 1);
}

/* The kernel path is what a kernel that has it uses (Linux 6.7: PAGEMAP_SCAN, WP_ASYNC). */
Test(kernel, used_when_the_kernel_has_it, .init = use_kernel)
{
    struct utsname u;
    cr_assert_eq(uname(&u), 0);
    int major = 0, minor = 0;
    sscanf(u.release, "%d.%d", &major, &minor);
    if (major < 6 || (major == 6 && minor < 7))
        cr_skip_test("Linux %s predates PAGEMAP_SCAN", u.release);
    cr_assert(wv_uffd_usable(), "Linux %s should support the kernel path", u.release);
    char *p = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not(view_is_soft(p));
}

Test(fallback, forced_by_the_environment, .init = use_fallback)
{
    cr_assert_not(wv_uffd_usable());
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE);
    cr_assert(view_is_soft(p));
}

/* A forked child gets its own (conservative) answers and never touches the parent's state:
 * the userfaultfd belongs to the parent's address space. */
Test(kernel, fork_child_does_not_disturb_the_parent, .init = use_kernel)
{
    char *base0 = walloc(GRAN, MEM_COMMIT, PAGE_READWRITE);
    base0[PAGE] = 1;
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        void *out[64];
        ULONG_PTR count = 64;
        DWORD gran;
        int bad = 0;
        if (GetWriteWatch(WRITE_WATCH_FLAG_RESET, base0, GRAN, out, &count, &gran) != 0 ||
            count < 1 || out[0] != base0 + PAGE)
            bad |= 1;
        base0[3 * PAGE] = 1;
        char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                               PAGE_READWRITE);
        if (!p || !view_is_soft(p))
            bad |= 2;
        p[PAGE] = 1;
        count = 64;
        if (GetWriteWatch(0, p, GRAN, out, &count, &gran) != 0 || count != 1 || out[0] != p + PAGE)
            bad |= 4;
        _exit(bad);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
    EXPECT_PAGES(0, base0, GRAN, 1);
    base0[2 * PAGE] = 1;
    EXPECT_PAGES(WRITE_WATCH_FLAG_RESET, base0, GRAN, 1, 2);
    EXPECT_PAGES(0, base0, GRAN, NONE);
}
