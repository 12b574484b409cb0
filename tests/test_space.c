/* SPDX-License-Identifier: MIT */
/* White-box tests of the state model (space.c): region edges, runs, lookups. */
#include "mm/mm.h"
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static size_t brute_run(const struct wv_view *v, size_t i, size_t limit)
{
    size_t k = i + 1;
    while (k < limit && !((v->page[k] ^ v->page[i]) & WV_VISIBLE))
        k++;
    return k - i;
}

Test(space, runs_match_a_page_by_page_scan_after_random_updates)
{
    /* 300,000 pages: edge words span several summary words. */
    const size_t npages = 300000;
    struct wv_view *v = wv_view_new(0x100000000, 0x100000000 + npages * WV_PAGE_SIZE,
                                    PAGE_READWRITE, MEM_PRIVATE, 0);
    cr_assert_not_null(v);
    srand(7);
    for (int step = 0; step < 400; step++) {
        size_t i = (size_t)rand() % npages;
        size_t n = 1 + (size_t)rand() % (step % 10 == 0 ? 70000 : 300);
        if (i + n > npages)
            n = npages - i;
        wv_page_t set = (rand() % 3) ? (wv_page_t)(WV_COMMITTED | (1 + rand() % 3)) : 0;
        if (rand() % 5 == 0)
            set |= WV_WATCH_DIRTY; /* hidden: must not split regions */
        wv_view_update(v, i, n, 0, set);
        for (int probe = 0; probe < 20; probe++) {
            size_t j = (size_t)rand() % npages;
            cr_assert_eq(wv_view_run(v, j, npages), brute_run(v, j, npages), "step %d page %zu", step, j);
        }
        cr_assert_eq(wv_view_run(v, 0, npages), brute_run(v, 0, npages));
    }
    wv_view_delete(v);
}

Test(space, hidden_bits_do_not_split_regions)
{
    struct wv_view *v = wv_view_new(0x100000000, 0x100000000 + 64 * WV_PAGE_SIZE, PAGE_READWRITE,
                                    MEM_PRIVATE, WV_COMMITTED | 3);
    wv_view_update(v, 10, 5, (wv_page_t)~0, WV_WATCH_DIRTY | WV_RESET_KEPT);
    cr_assert_eq(wv_view_run(v, 0, 64), 64);
    wv_view_update(v, 10, 5, (wv_page_t)~0, WV_GUARD);
    cr_assert_eq(wv_view_run(v, 0, 64), 10);
    cr_assert_eq(wv_view_run(v, 10, 64), 5);
    cr_assert_eq(wv_view_run(v, 12, 64), 3);
    cr_assert_eq(wv_view_run(v, 15, 64), 49);
    cr_assert(wv_view_all(v, 0, 64, WV_COMMITTED, WV_COMMITTED));
    cr_assert_not(wv_view_all(v, 0, 64, WV_GUARD, 0));
    wv_view_delete(v);
}

Test(space, large_reservation_is_found_without_the_granule_map)
{
    /* 512 MiB is above the granule map's limit: lookups go through the tree. */
    char *big = VirtualAlloc(NULL, (SIZE_T)512 << 20, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(big);
    char *small = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    cr_assert_not_null(small);
    char *mid = big + ((SIZE_T)300 << 20) + 0x1234;
    cr_assert_eq(VirtualAlloc(mid, 1, MEM_COMMIT, PAGE_READWRITE), (void *)((uintptr_t)mid & ~0xfffUL));
    *mid = 5;
    MEMORY_BASIC_INFORMATION m = tu_query(mid);
    cr_assert_eq(m.AllocationBase, big);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.RegionSize, 0x1000);
    m = tu_query(big);
    cr_assert_eq(m.RegionSize, ((SIZE_T)300 << 20) + 0x1000);
    cr_assert_eq(m.State, MEM_RESERVE);
    m = tu_query(big + ((SIZE_T)512 << 20) - 1);
    cr_assert_eq(m.AllocationBase, big);
    cr_assert_eq(tu_query(small).AllocationBase, small);
    cr_assert_eq(tu_query(small).Protect, PAGE_READONLY);
    cr_assert(VirtualFree(big, 0, MEM_RELEASE));
    cr_assert_eq(tu_query(mid).State, MEM_FREE);
    cr_assert_eq(tu_query(small).State, MEM_COMMIT);
    cr_assert(VirtualFree(small, 0, MEM_RELEASE));
}

Test(space, released_range_is_reused_first)
{
    char *a = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_NOACCESS);
    char *b = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert(a && b);
    cr_assert(VirtualFree(a, 0, MEM_RELEASE));
    char *c = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_eq(c, a);
    VirtualFree(b, 0, MEM_RELEASE);
    VirtualFree(c, 0, MEM_RELEASE);
}

/* Every reservation answers for itself, and the tree is sound (wv_space_validate, T1). */
static void check_reserved(char *const *p, int n)
{
    for (int i = 0; i < n; i++) {
        MEMORY_BASIC_INFORMATION m = tu_query(p[i] + 0x234);
        cr_assert_eq(m.AllocationBase, p[i], "reservation %d at %p: AllocationBase %p", i, (void *)p[i],
                     m.AllocationBase);
        cr_assert_eq(m.State, MEM_RESERVE);
    }
    wv_space_validate();
}

/* Inserts start from the neighbour below when the granule map knows it (space.c): at the top,
 * into gaps whose neighbour below has a right subtree, where no neighbour is known, and with a
 * view outside the map alive (the map then knows nothing and the tree is descended). */
Test(space, inserts_beside_a_neighbour_keep_the_tree_sound)
{
    enum { N = 96 };
    static char *p[N + 8];
    for (int i = 0; i < N; i++)
        cr_assert_not_null(p[i] = VirtualAlloc(NULL, 0x2000, MEM_RESERVE, PAGE_READWRITE));
    check_reserved(p, N);
    for (int i = 1; i < N; i += 3)
        cr_assert(VirtualFree(p[i], 0, MEM_RELEASE));
    for (int i = 1; i < N; i += 3)
        cr_assert_not_null(p[i] = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE));
    check_reserved(p, N);
    /* Explicit addresses in a free stretch, out of order: some with a neighbour below, some not. */
    char *area = VirtualAlloc(NULL, 64 << 16, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(area);
    cr_assert(VirtualFree(area, 0, MEM_RELEASE));
    static const int at[8] = {40, 0, 20, 41, 1, 21, 63, 39};
    for (int k = 0; k < 8; k++)
        cr_assert_eq(p[N + k] = VirtualAlloc(area + ((SIZE_T)at[k] << 16), 0x1000, MEM_RESERVE, PAGE_READWRITE),
                     area + ((SIZE_T)at[k] << 16));
    check_reserved(p, N + 8);
    char *big = VirtualAlloc(NULL, (SIZE_T)512 << 20, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(big);
    for (int i = 2; i < N; i += 3) {
        cr_assert(VirtualFree(p[i], 0, MEM_RELEASE));
        cr_assert_not_null(p[i] = VirtualAlloc(NULL, 0x1000, MEM_RESERVE, PAGE_READWRITE));
    }
    check_reserved(p, N + 8);
    cr_assert(VirtualFree(big, 0, MEM_RELEASE));
    for (int i = 0; i < N + 8; i++)
        cr_assert(VirtualFree(p[i], 0, MEM_RELEASE));
    wv_space_validate();
}

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int stop_churn;

static void *churn(void *arg)
{
    while (!stop_churn) {
        void *p = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (p)
            VirtualFree(p, 0, MEM_RELEASE);
    }
    return arg;
}

#if defined(__SANITIZE_ADDRESS__)
#define FORK_TEST_DISABLED true /* ASan's own allocator is not fork-safe while threads allocate */
#else
#define FORK_TEST_DISABLED false
#endif

Test(space, fork_while_another_thread_allocates_leaves_a_usable_child, .timeout = 30,
     .disabled = FORK_TEST_DISABLED)
{
    pthread_t t;
    stop_churn = 0;
    cr_assert_eq(pthread_create(&t, NULL, churn, NULL), 0);
    for (int i = 0; i < 50; i++) {
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
            alarm(10); /* a hung child must not outlive the test and hold its output open */
            /* Would hang if the child inherited a held lock. */
            void *p = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
            MEMORY_BASIC_INFORMATION m;
            _exit(p && VirtualQuery(p, &m, sizeof(m)) == sizeof(m) && m.State == MEM_COMMIT &&
                          VirtualFree(p, 0, MEM_RELEASE) ? 0 : 1);
        }
        int st;
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d failed", i);
    }
    stop_churn = 1;
    pthread_join(t, NULL);
}

#include "host/host.h"
#include <stdio.h>
#include <sys/mman.h>

/* Both ways of asking the kernel (PROCMAP_QUERY, /proc/self/maps text) agree everywhere. */
Test(space, kernel_mapping_lookups_agree)
{
    char *anon = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(anon, MAP_FAILED);
    cr_assert_eq(mprotect(anon + 4096, 4096, PROT_NONE), 0);
    uintptr_t probes[] = {0, 0x10000, (uintptr_t)anon, (uintptr_t)anon + 4096,
                          (uintptr_t)anon + 8191, (uintptr_t)anon + 3 * 4096,
                          (uintptr_t)&brute_run, (uintptr_t)&probes, (uintptr_t)printf,
                          0x7ffffffff000};
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        struct wv_mapping a, b;
        cr_assert(wv_proc_mapping(probes[i], &a));
        cr_assert(wv_proc_mapping_text(probes[i], &b));
        cr_assert_eq(a.start, b.start, "probe %#lx", (unsigned long)probes[i]);
        if (!a.start)
            continue;
        cr_assert_eq(a.end, b.end, "probe %#lx", (unsigned long)probes[i]);
        cr_assert_eq(a.prot, b.prot, "probe %#lx", (unsigned long)probes[i]);
        cr_assert_eq(a.shared, b.shared);
        cr_assert_eq(a.file, b.file);
        cr_assert_eq(a.inode, b.inode);
        cr_assert_str_eq(a.name, b.name, "probe %#lx", (unsigned long)probes[i]);
    }
    munmap(anon, 3 * 4096);
}
