/* SPDX-License-Identifier: MIT */
/* bench_mem.c - the checked calls, paired measurement, and rows 1-5 (alloc+free, protect,
 * VirtualQuery among N live, reserve+commits, thread scaling). */
#define _GNU_SOURCE
#include "bench_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- checked calls ---- */

void *raw_mmap(size_t size, int prot, int extra_flags)
{
    void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
    if (p == MAP_FAILED)
        die("mmap(NULL, %zu, %d) failed: %s", size, prot, strerror(errno));
    return p;
}

void raw_munmap(void *p, size_t size)
{
    if (munmap(p, size) != 0)
        die("munmap(%p, %zu) failed: %s", p, size, strerror(errno));
}

void raw_mprotect(void *p, size_t size, int prot)
{
    if (mprotect(p, size, prot) != 0)
        die("mprotect(%p, %zu, %d) failed: %s", p, size, prot, strerror(errno));
}

void *win_alloc(void *addr, size_t size, DWORD type, DWORD protect)
{
    void *p = VirtualAlloc(addr, size, type, protect);
    if (!p)
        die("VirtualAlloc(%p, %zu, 0x%x, 0x%x) failed: error %u", addr, size, type, protect,
            GetLastError());
    if (addr && type == MEM_COMMIT && p != addr)
        die("VirtualAlloc(%p, MEM_COMMIT) returned %p", addr, p);
    if (!addr && ((uintptr_t)p & (ALLOC_SIZE - 1)))
        die("VirtualAlloc(NULL, %zu) returned %p, not 64 KiB aligned", size, p);
    return p;
}

void win_release(void *p)
{
    if (!VirtualFree(p, 0, MEM_RELEASE))
        die("VirtualFree(%p, 0, MEM_RELEASE) failed: error %u", p, GetLastError());
}

void win_protect(void *p, size_t size, DWORD protect, DWORD expect_old)
{
    DWORD old = 0;
    if (!VirtualProtect(p, size, protect, &old))
        die("VirtualProtect(%p, %zu, 0x%x) failed: error %u", p, size, protect, GetLastError());
    if (old != expect_old)
        die("VirtualProtect(%p) reported old protection 0x%x, expected 0x%x", p, old, expect_old);
}

/* ---- paired measurement: raw and winvm batches in alternating order ---- */



static double time_batch(batch_fn fn, long iters, void *ctx, double ops_per_iter)
{
    double t0 = now_ns();
    fn(iters, ctx);
    return (now_ns() - t0) / ((double)iters * ops_per_iter);
}

void measure_pair(struct pair *m, batch_fn raw, batch_fn win, void *ctx)
{
    /* Warm both paths (page tables, malloc arenas, winvm's granule-map leaf). */
    long warm = m->iters / 4 ? m->iters / 4 : 1;
    raw(warm, ctx);
    win(warm, ctx);
    if (m->alt_fn)
        m->alt_fn(warm, ctx);
    int kinds = m->alt_fn ? 3 : 2;
    for (int r = 0; r < m->rounds; r++) {
        /* Rotate which batch goes first, so none always follows the same neighbour. */
        for (int k = 0; k < kinds; k++) {
            int which = (k + r) % kinds;
            if (which == 0)
                m->raw[r] = time_batch(raw, m->iters, ctx, m->ops_per_iter);
            else if (which == 1)
                m->win[r] = time_batch(win, m->iters, ctx, m->ops_per_iter);
            else
                m->alt[r] = time_batch(m->alt_fn, m->iters, ctx, m->ops_per_iter);
        }
        m->ratio[r] = m->win[r] / m->raw[r];
        if (m->alt_fn)
            m->alt_ratio[r] = m->win[r] / m->alt[r];
    }
    m->raw_ns = median(m->raw, m->rounds);
    m->win_ns = median(m->win, m->rounds);
    m->ratio_med = median(m->ratio, m->rounds);
    if (m->alt_fn) {
        m->alt_ns = median(m->alt, m->rounds);
        m->alt_ratio_med = median(m->alt_ratio, m->rounds);
    }
}

/* ---- row 1: 64 KiB reserve+commit and release ---- */

void alloc_raw(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++)
        raw_munmap(raw_mmap(ALLOC_SIZE, PROT_READ | PROT_WRITE, 0), ALLOC_SIZE);
}

void alloc_raw_noreserve(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++)
        raw_munmap(raw_mmap(ALLOC_SIZE, PROT_READ | PROT_WRITE, MAP_NORESERVE), ALLOC_SIZE);
}

void alloc_win(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++)
        win_release(win_alloc(NULL, ALLOC_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
}

/* ---- row 2: one page toggled READWRITE <-> READONLY ---- */


/* Each batch makes an even number of calls, so the page is READWRITE between batches. */
void protect_raw(long iters, void *ctx)
{
    char *p = ((struct protect_ctx *)ctx)->raw_page;
    for (long i = 0; i < iters; i++) {
        raw_mprotect(p, PAGE, PROT_READ);
        raw_mprotect(p, PAGE, PROT_READ | PROT_WRITE);
    }
}

void protect_win(long iters, void *ctx)
{
    char *p = ((struct protect_ctx *)ctx)->win_page;
    for (long i = 0; i < iters; i++) {
        win_protect(p, PAGE, PAGE_READONLY, PAGE_READWRITE);
        win_protect(p, PAGE, PAGE_READWRITE, PAGE_READONLY);
    }
}

/* ---- row 4: reserve 1 GiB, commit 1,000 single pages, release ---- */

void commit_raw(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++) {
        char *q = raw_mmap(GIB, PROT_NONE, MAP_NORESERVE);
        for (size_t k = 0; k < COMMIT_PAGES; k++)
            raw_mprotect(q + k * PAGE, PAGE, PROT_READ | PROT_WRITE);
        raw_munmap(q, GIB);
    }
}

void commit_win(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++) {
        char *q = win_alloc(NULL, GIB, MEM_RESERVE, PAGE_READWRITE);
        for (size_t k = 0; k < COMMIT_PAGES; k++)
            win_alloc(q + k * PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE);
        win_release(q);
    }
}

/* ---- row 3: VirtualQuery with N live allocations ---- */

static const long query_n[NQ] = {10, 100, 1000, 10000, 100000};



static double query_pass(char *const *addr, size_t count)
{
    MEMORY_BASIC_INFORMATION mbi;
    double t0 = now_ns();
    for (size_t i = 0; i < count; i++) {
        if (VirtualQuery(addr[i], &mbi, sizeof(mbi)) != sizeof(mbi))
            die("VirtualQuery(%p) failed: error %u", (void *)addr[i], GetLastError());
        if ((uintptr_t)mbi.AllocationBase != ((uintptr_t)addr[i] & ~(uintptr_t)(ALLOC_SIZE - 1)))
            die("VirtualQuery(%p) reported AllocationBase %p", (void *)addr[i],
                mbi.AllocationBase);
    }
    return (now_ns() - t0) / (double)count;
}

void measure_query(struct query_result *res, struct query_hot *hot, int rounds,
                          double *ns_per_alloc)
{
    long nmax = query_n[NQ - 1];
    char **base = calloc((size_t)nmax, sizeof(*base));
    char **addr = calloc(QUERY_ADDRS, sizeof(*addr));
    if (!base || !addr)
        die("out of memory for the VirtualQuery tables");
    long live = 0;
    double alloc_ns = 0;
    for (int q = 0; q < NQ; q++) {
        long n = query_n[q];
        progress("  VirtualQuery: %ld live allocations...\n", n);
        /* Grow the live set to n: 64 KiB reserves, every 8th with its first 4 pages
         * committed, so queries see committed and reserved regions of several lengths. */
        double t0 = now_ns();
        for (; live < n; live++) {
            base[live] = win_alloc(NULL, ALLOC_SIZE, MEM_RESERVE, PAGE_READWRITE);
            if (live % QUERY_COMMIT_EVERY == 0)
                win_alloc(base[live], QUERY_COMMIT_PAGES * PAGE, MEM_COMMIT, PAGE_READWRITE);
        }
        alloc_ns += now_ns() - t0;
        /* Random addresses among the n allocations, at any byte of any page. */
        for (size_t i = 0; i < QUERY_ADDRS; i++)
            addr[i] = base[rng() % (uint64_t)n] + rng() % ALLOC_SIZE;
        query_pass(addr, QUERY_ADDRS); /* warm-up */
        res[q].n = n;
        res[q].rounds = rounds;
        for (int r = 0; r < rounds; r++)
            res[q].ns[r] = query_pass(addr, QUERY_ADDRS);
        res[q].ns_med = median(res[q].ns, rounds);
    }
    progress("  VirtualQuery: %ld live allocations, 10 of them queried...\n", live);
    long hot_idx[10];
    for (int k = 0; k < 10; k++)
        hot_idx[k] = (long)(rng() % (uint64_t)live);
    for (size_t i = 0; i < QUERY_ADDRS; i++)
        addr[i] = base[hot_idx[rng() % 10]] + rng() % ALLOC_SIZE;
    query_pass(addr, QUERY_ADDRS);
    hot->rounds = rounds;
    for (int r = 0; r < rounds; r++)
        hot->ns[r] = query_pass(addr, QUERY_ADDRS);
    hot->ns_med = median(hot->ns, rounds);
    *ns_per_alloc = alloc_ns / (double)live;
    for (long i = 0; i < live; i++)
        win_release(base[i]);
    free(base);
    free(addr);
}

/* ---- address-space state: an otherwise empty range, or one other live reservation ----
 *
 * winvm places allocations from 0x10000000 up, far below everything else in a typical PIE
 * process.  When the allocation being churned is the only mapping in its 512 GiB page-table
 * slot, munmap also tears down the upper page-table levels, which costs the kernel about as
 * much again as the whole mmap+munmap.  Rows 1 and 5 are therefore also measured with one
 * other winvm reservation alive (MEM_RESERVE, PAGE_NOACCESS, so it never merges with the
 * churned mapping), the state of any process that keeps some winvm memory. */

static void *neighbour;

void neighbour_on(void)
{
    neighbour = win_alloc(NULL, ALLOC_SIZE, MEM_RESERVE, PAGE_NOACCESS);
}

void neighbour_off(void)
{
    win_release(neighbour);
    neighbour = NULL;
}

/* ---- row 5: scaling of 64 KiB alloc+free from 1 to 2 threads ---- */

struct worker {
    pthread_t tid;
    bool win;
    long iters;
    pthread_barrier_t *barrier;
    double t0, t1;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    pthread_barrier_wait(w->barrier);
    w->t0 = now_ns();
    if (w->win)
        alloc_win(w->iters, NULL);
    else
        alloc_raw(w->iters, NULL);
    w->t1 = now_ns();
    return NULL;
}

/* Total alloc+free pairs per second with nthreads threads each doing iters pairs. */
static double throughput(int nthreads, bool win, long iters)
{
    struct worker w[2];
    pthread_barrier_t barrier;
    if (pthread_barrier_init(&barrier, NULL, (unsigned)nthreads) != 0)
        die("pthread_barrier_init failed");
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){.win = win, .iters = iters, .barrier = &barrier};
        int rc = pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
        if (rc != 0)
            die("pthread_create failed: %s", strerror(rc));
    }
    double t0 = 0, t1 = 0;
    for (int i = 0; i < nthreads; i++) {
        int rc = pthread_join(w[i].tid, NULL);
        if (rc != 0)
            die("pthread_join failed: %s", strerror(rc));
        if (i == 0 || w[i].t0 < t0)
            t0 = w[i].t0;
        if (i == 0 || w[i].t1 > t1)
            t1 = w[i].t1;
    }
    pthread_barrier_destroy(&barrier);
    return (double)nthreads * (double)iters / ((t1 - t0) / 1e9);
}


void measure_scaling(struct scaling *s)
{
    throughput(2, false, s->iters / 4 + 1); /* warm-up */
    throughput(2, true, s->iters / 4 + 1);
    for (int r = 0; r < s->rounds; r++) {
        /* Rotate the order of the four measurements from round to round. */
        for (int k = 0; k < 4; k++) {
            int which = (k + r) % 4;
            bool win = which & 1;
            int nt = which & 2 ? 2 : 1;
            double t = throughput(nt, win, s->iters);
            double *dst = win ? (nt == 2 ? s->win2 : s->win1) : (nt == 2 ? s->raw2 : s->raw1);
            dst[r] = t;
        }
        s->raw_speedup[r] = s->raw2[r] / s->raw1[r];
        s->win_speedup[r] = s->win2[r] / s->win1[r];
        s->rel[r] = s->win_speedup[r] / s->raw_speedup[r];
    }
    s->raw1_ops = median(s->raw1, s->rounds);
    s->raw2_ops = median(s->raw2, s->rounds);
    s->win1_ops = median(s->win1, s->rounds);
    s->win2_ops = median(s->win2, s->rounds);
    s->raw_speedup_med = median(s->raw_speedup, s->rounds);
    s->win_speedup_med = median(s->win_speedup, s->rounds);
    s->rel_med = median(s->rel, s->rounds);
}
