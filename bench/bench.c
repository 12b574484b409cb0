/* SPDX-License-Identifier: MIT */
/* bench.c - winvm-bench: winvm's calls measured against the raw Linux calls they wrap.
 *
 * Every winvm figure is taken in the same run as its raw baseline, in alternating rounds
 * (raw, winvm, winvm, raw, ...), and the ratio reported is the median over rounds of the
 * per-round ratio winvm/raw: each round's two batches run back to back, so slow drift of the
 * machine (frequency, a noisy neighbour on the VM) cancels out of the ratio.  The raw and
 * winvm columns are the medians of the per-round times.
 *
 *   winvm-bench            full run (under a minute on a quiet 2-vCPU VM)
 *   winvm-bench --quick    smoke run (a few seconds); never fails on performance
 *   winvm-bench --rows L   only rows L: numbers, ranges, names (--list prints them)
 *   winvm-bench --json F   also write the JSON object to F (bench/compare.py compares two)
 *
 * Output: a table on stdout, then one JSON object on stdout.  Progress goes to stderr.
 * Exit status: 0 ok, 1 a call failed (the message says which), 2 a performance target was
 * missed (full mode only), 64 bad usage.  See docs/performance.md.
 */
#define _GNU_SOURCE
#include "winvm.h"
#include "bench.h"

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

#define KIB ((size_t)1024)
#define GIB ((size_t)1 << 30)
#define PAGE ((size_t)4096)
#define ALLOC_SIZE (64 * KIB)
#define COMMIT_PAGES 1000
#define MAX_ROUNDS 64

/* Rounds and batch sizes of the full run, chosen so `make bench` stays under a minute on a
 * quiet 2-vCPU VM (docs/performance.md, "Time"): a batch is long enough (~1-5 ms) that timer
 * and scheduling noise stay small against it, and the rounds are enough for the median of the
 * per-round ratios to settle (its quartiles are in the JSON, see bench/compare.py). */
#define ROUNDS 21
#define ALLOC_ITERS 10000
#define PROTECT_ITERS 10000
#define COMMIT_ITERS 30
#define QUERY_ROUNDS 15
#define SCALE_ROUNDS 9
#define SCALE_ITERS 10000
#define MT_ROUNDS 9
#define WATCH_ROUNDS 9
#define SECTION_ITERS 3000
#define COW_ROUNDS 15
#define FAULT_ITERS 5000
#define WATCH_ITERS 2

/* ---- plumbing ---- */

bool quick;

void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("winvm-bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

double now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die("clock_gettime(CLOCK_MONOTONIC) failed: %s", strerror(errno));
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double median(const double *v, int n)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof(double));
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* The q-th quartile (1 or 3) by linear interpolation: the per-round spread that
 * bench/compare.py takes as a row's noise. */
double bench_quartile(const double *v, int n, int q)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof(double));
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    double pos = (double)(n - 1) * q / 4.0;
    int lo = (int)pos;
    return lo + 1 < n ? s[lo] + (pos - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

static double min_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static double max_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    /* xorshift64*: deterministic, so every run queries the same addresses. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* ---- checked calls ---- */

static void *raw_mmap(size_t size, int prot, int extra_flags)
{
    void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
    if (p == MAP_FAILED)
        die("mmap(NULL, %zu, %d) failed: %s", size, prot, strerror(errno));
    return p;
}

static void raw_munmap(void *p, size_t size)
{
    if (munmap(p, size) != 0)
        die("munmap(%p, %zu) failed: %s", p, size, strerror(errno));
}

static void raw_mprotect(void *p, size_t size, int prot)
{
    if (mprotect(p, size, prot) != 0)
        die("mprotect(%p, %zu, %d) failed: %s", p, size, prot, strerror(errno));
}

static void *win_alloc(void *addr, size_t size, DWORD type, DWORD protect)
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

static void win_release(void *p)
{
    if (!VirtualFree(p, 0, MEM_RELEASE))
        die("VirtualFree(%p, 0, MEM_RELEASE) failed: error %u", p, GetLastError());
}

static void win_protect(void *p, size_t size, DWORD protect, DWORD expect_old)
{
    DWORD old = 0;
    if (!VirtualProtect(p, size, protect, &old))
        die("VirtualProtect(%p, %zu, 0x%x) failed: error %u", p, size, protect, GetLastError());
    if (old != expect_old)
        die("VirtualProtect(%p) reported old protection 0x%x, expected 0x%x", p, old, expect_old);
}

/* ---- paired measurement: raw and winvm batches in alternating order ---- */

typedef void (*batch_fn)(long iters, void *ctx);

struct pair {
    int rounds;
    long iters;          /* per batch */
    double ops_per_iter; /* the ns figures are per op */
    batch_fn alt_fn;     /* optional second raw baseline (e.g. with MAP_NORESERVE) */
    double raw[MAX_ROUNDS], win[MAX_ROUNDS], ratio[MAX_ROUNDS];
    double alt[MAX_ROUNDS], alt_ratio[MAX_ROUNDS];
    double raw_ns, win_ns, ratio_med, alt_ns, alt_ratio_med;
};

static double time_batch(batch_fn fn, long iters, void *ctx, double ops_per_iter)
{
    double t0 = now_ns();
    fn(iters, ctx);
    return (now_ns() - t0) / ((double)iters * ops_per_iter);
}

static void measure_pair(struct pair *m, batch_fn raw, batch_fn win, void *ctx)
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

static void alloc_raw(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++)
        raw_munmap(raw_mmap(ALLOC_SIZE, PROT_READ | PROT_WRITE, 0), ALLOC_SIZE);
}

static void alloc_raw_noreserve(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++)
        raw_munmap(raw_mmap(ALLOC_SIZE, PROT_READ | PROT_WRITE, MAP_NORESERVE), ALLOC_SIZE);
}

static void alloc_win(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++)
        win_release(win_alloc(NULL, ALLOC_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
}

/* ---- row 2: one page toggled READWRITE <-> READONLY ---- */

struct protect_ctx {
    char *raw_page, *win_page;
};

/* Each batch makes an even number of calls, so the page is READWRITE between batches. */
static void protect_raw(long iters, void *ctx)
{
    char *p = ((struct protect_ctx *)ctx)->raw_page;
    for (long i = 0; i < iters; i++) {
        raw_mprotect(p, PAGE, PROT_READ);
        raw_mprotect(p, PAGE, PROT_READ | PROT_WRITE);
    }
}

static void protect_win(long iters, void *ctx)
{
    char *p = ((struct protect_ctx *)ctx)->win_page;
    for (long i = 0; i < iters; i++) {
        win_protect(p, PAGE, PAGE_READONLY, PAGE_READWRITE);
        win_protect(p, PAGE, PAGE_READWRITE, PAGE_READONLY);
    }
}

/* ---- row 4: reserve 1 GiB, commit 1,000 single pages, release ---- */

static void commit_raw(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++) {
        char *q = raw_mmap(GIB, PROT_NONE, MAP_NORESERVE);
        for (size_t k = 0; k < COMMIT_PAGES; k++)
            raw_mprotect(q + k * PAGE, PAGE, PROT_READ | PROT_WRITE);
        raw_munmap(q, GIB);
    }
}

static void commit_win(long iters, void *ctx)
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

#define QUERY_ADDRS 65536 /* random addresses per pass (512 KiB, read sequentially) */
#define QUERY_COMMIT_EVERY 8
#define QUERY_COMMIT_PAGES 4
#define NQ 5
static const long query_n[NQ] = {10, 100, 1000, 10000, 100000};

struct query_result {
    long n;
    int rounds;
    double ns[MAX_ROUNDS];
    double ns_med;
};

/* Control: all allocations live, but the queries go to 10 of them only, so the working set
 * stays in cache.  Against the N=100000 row it separates cache misses from lookup cost. */
struct query_hot {
    int rounds;
    double ns[MAX_ROUNDS];
    double ns_med;
};

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

static void measure_query(struct query_result *res, struct query_hot *hot, int rounds,
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

static void neighbour_on(void)
{
    neighbour = win_alloc(NULL, ALLOC_SIZE, MEM_RESERVE, PAGE_NOACCESS);
}

static void neighbour_off(void)
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

struct scaling {
    int rounds;
    long iters; /* per thread */
    double raw1[MAX_ROUNDS], raw2[MAX_ROUNDS], win1[MAX_ROUNDS], win2[MAX_ROUNDS];
    double raw_speedup[MAX_ROUNDS], win_speedup[MAX_ROUNDS], rel[MAX_ROUNDS];
    double raw1_ops, raw2_ops, win1_ops, win2_ops; /* medians, ops/s */
    double raw_speedup_med, win_speedup_med, rel_med;
};

static void measure_scaling(struct scaling *s)
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

/* ---- rows 6 and 7: faults as exceptions ----
 *
 * Row 6: a guard-page hit delivered to a vectored handler that returns
 * EXCEPTION_CONTINUE_EXECUTION, the access retried; per op the page is re-armed
 * (VirtualProtect PAGE_READWRITE|PAGE_GUARD) and touched.  Raw: a SIGSEGV handler that
 * mprotects the page back to read-write and returns; per op mprotect(PROT_NONE) and touch.
 * Row 7: an access violation caught by winvm_try vs sigsetjmp + a raw SIGSEGV handler that
 * siglongjmps back.  The raw batches install their own handler for the batch (and put
 * winvm's back after it), so neither path pays for the other's. */

static char *volatile fault_raw_page;
static sigjmp_buf fault_raw_env;

static void fault_raw_fix(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    mprotect(fault_raw_page, PAGE, PROT_READ | PROT_WRITE);
}

static void fault_raw_escape(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    siglongjmp(fault_raw_env, 1);
}

static struct sigaction fault_saved;

static void fault_raw_install(void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    /* winvm's own flags, so the kernel does the same work on both paths */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &fault_saved) != 0)
        die("sigaction failed: %s", strerror(errno));
}

static void fault_raw_restore(void)
{
    if (sigaction(SIGSEGV, &fault_saved, NULL) != 0)
        die("sigaction failed: %s", strerror(errno));
}

struct fault_ctx {
    char *raw_page, *win_page;
    long hits;
};

static LONG WINAPI fault_bench_handler(PEXCEPTION_POINTERS ep)
{
    if (ep->ExceptionRecord->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void guard_raw(long iters, void *ctx)
{
    struct fault_ctx *c = ctx;
    fault_raw_page = c->raw_page;
    fault_raw_install(fault_raw_fix);
    for (long i = 0; i < iters; i++) {
        raw_mprotect(c->raw_page, PAGE, PROT_NONE);
        *(volatile char *)(c->raw_page + (i & 255)) = 1;
    }
    fault_raw_restore();
}

static void guard_win(long iters, void *ctx)
{
    struct fault_ctx *c = ctx;
    for (long i = 0; i < iters; i++) {
        win_protect(c->win_page, PAGE, PAGE_READWRITE | PAGE_GUARD, PAGE_READWRITE);
        *(volatile char *)(c->win_page + (i & 255)) = 1;
    }
}

static void av_raw(long iters, void *ctx)
{
    struct fault_ctx *c = ctx;
    fault_raw_install(fault_raw_escape);
    volatile long caught = 0;
    for (long i = 0; i < iters; i++) {
        if (sigsetjmp(fault_raw_env, 1) == 0)
            (void)*(volatile char *)(c->raw_page + (i & 255));
        else
            caught = caught + 1;
    }
    fault_raw_restore();
    if (caught != iters)
        die("raw access-violation loop: %ld of %ld faults caught", (long)caught, iters);
}

static void av_touch(void *p) { (void)*(volatile char *)p; }

static void av_win(long iters, void *ctx)
{
    struct fault_ctx *c = ctx;
    for (long i = 0; i < iters; i++)
        if (winvm_try(av_touch, c->win_page + (i & 255), NULL) != STATUS_ACCESS_VIOLATION)
            die("winvm_try did not report the access violation");
}

static void measure_faults(struct pair *guard, struct pair *av, int rounds)
{
    struct fault_ctx c;
    c.raw_page = raw_mmap(PAGE, PROT_READ | PROT_WRITE, 0);
    c.win_page = win_alloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    PVOID h = AddVectoredExceptionHandler(1, fault_bench_handler);
    if (!h)
        die("AddVectoredExceptionHandler failed: error %u", GetLastError());
    *guard = (struct pair){.rounds = rounds, .iters = quick ? 1000 : FAULT_ITERS, .ops_per_iter = 1};
    measure_pair(guard, guard_raw, guard_win, &c);
    RemoveVectoredExceptionHandler(h);
    raw_mprotect(c.raw_page, PAGE, PROT_NONE);
    win_protect(c.win_page, PAGE, PAGE_NOACCESS, PAGE_READWRITE);
    *av = (struct pair){.rounds = rounds, .iters = quick ? 1000 : FAULT_ITERS, .ops_per_iter = 1};
    measure_pair(av, av_raw, av_win, &c);
    raw_munmap(c.raw_page, PAGE);
    win_release(c.win_page);
}

/* ---- row 8: write watch, 10,000 pages written then GetWriteWatch + reset ----
 *
 * winvm: a MEM_WRITE_WATCH allocation; each cycle writes one byte to every page, then one
 * GetWriteWatch(WRITE_WATCH_FLAG_RESET) hands out the 10,000 addresses and re-arms them.
 * Raw: the same without kernel help: the range is read-only, a SIGSEGV handler mprotects each
 * faulting page read-write and records it; the harvest copies the list out and mprotects the
 * range read-only again.  winvm's path is chosen once per process, so this process measures
 * the kernel path (userfaultfd + PAGEMAP_SCAN) and a child run with WINVM_WRITE_WATCH=fallback
 * measures the mprotect fallback against the same baseline. */

#define WATCH_PAGES 10000

static char *watch_raw_base;
static void **watch_raw_list;
static volatile size_t watch_raw_count; /* changed by the handler, behind the compiler */
static bool watch_child; /* --watch-fallback: this process is that child */

static void watch_raw_record(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    char *page = (char *)((uintptr_t)si->si_addr & ~(uintptr_t)(PAGE - 1));
    if (page < watch_raw_base || page >= watch_raw_base + WATCH_PAGES * PAGE)
        abort();
    mprotect(page, PAGE, PROT_READ | PROT_WRITE);
    watch_raw_list[watch_raw_count++] = page;
}

struct watch_ctx {
    char *raw, *win;
    void **out;
};

static void watch_raw(long iters, void *ctx)
{
    struct watch_ctx *c = ctx;
    watch_raw_base = c->raw;
    fault_raw_install(watch_raw_record);
    for (long i = 0; i < iters; i++) {
        watch_raw_count = 0;
        for (size_t k = 0; k < WATCH_PAGES; k++)
            *(volatile char *)(c->raw + k * PAGE) = (char)i;
        if (watch_raw_count != WATCH_PAGES)
            die("raw write watch: %zu of %d pages recorded", watch_raw_count, WATCH_PAGES);
        memcpy(c->out, watch_raw_list, WATCH_PAGES * sizeof(*c->out));
        raw_mprotect(c->raw, WATCH_PAGES * PAGE, PROT_READ);
    }
    fault_raw_restore();
}

static void watch_win(long iters, void *ctx)
{
    struct watch_ctx *c = ctx;
    for (long i = 0; i < iters; i++) {
        for (size_t k = 0; k < WATCH_PAGES; k++)
            *(volatile char *)(c->win + k * PAGE) = (char)i;
        ULONG_PTR count = WATCH_PAGES;
        DWORD gran = 0;
        if (GetWriteWatch(WRITE_WATCH_FLAG_RESET, c->win, WATCH_PAGES * PAGE, c->out, &count,
                          &gran) != 0)
            die("GetWriteWatch failed: error %u", GetLastError());
        if (count != WATCH_PAGES || c->out[0] != c->win)
            die("GetWriteWatch reported %lu pages, expected %d", (unsigned long)count, WATCH_PAGES);
    }
}

/* Which path tracks p: the fallback keeps clean pages read-only on the host. */
static bool watch_on_kernel_path(const char *p)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        die("cannot read /proc/self/maps: %s", strerror(errno));
    char line[512];
    bool writable = false;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && (uintptr_t)p >= lo &&
            (uintptr_t)p < hi) {
            writable = perms[1] == 'w';
            break;
        }
    }
    fclose(f);
    return writable;
}

/* Measures row 8 in this process; returns true when winvm used the kernel path. */
static bool measure_watch(struct pair *m, int rounds)
{
    struct watch_ctx c;
    c.raw = raw_mmap(WATCH_PAGES * PAGE, PROT_READ, 0);
    c.win = win_alloc(NULL, WATCH_PAGES * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                      PAGE_READWRITE);
    c.out = malloc(WATCH_PAGES * sizeof(*c.out));
    watch_raw_list = malloc(WATCH_PAGES * sizeof(*watch_raw_list));
    if (!c.out || !watch_raw_list)
        die("out of memory for the write-watch lists");
    *m = (struct pair){.rounds = rounds, .iters = quick ? 1 : WATCH_ITERS, .ops_per_iter = 1};
    measure_pair(m, watch_raw, watch_win, &c);
    bool kernel = watch_on_kernel_path(c.win);
    raw_munmap(c.raw, WATCH_PAGES * PAGE);
    win_release(c.win);
    free(c.out);
    free(watch_raw_list);
    return kernel;
}

/* The child's report: raw ns, winvm ns, rounds, then the per-round ratios. */
static void watch_child_report(const struct pair *m)
{
    printf("%.1f %.1f %d", m->raw_ns, m->win_ns, m->rounds);
    for (int r = 0; r < m->rounds; r++)
        printf(" %.6f", m->ratio[r]);
    printf("\n");
}

/* Row 8 on the fallback path, measured by a child: false if that failed. */
static bool measure_watch_fallback(struct pair *m)
{
    char self[1024], cmd[1200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return false;
    self[n] = 0;
    snprintf(cmd, sizeof(cmd), "WINVM_WRITE_WATCH=fallback '%s' --watch-fallback%s", self,
             quick ? " --quick" : "");
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    if (!p)
        return false;
    *m = (struct pair){.iters = quick ? 1 : WATCH_ITERS, .ops_per_iter = 1};
    bool ok = fscanf(p, "%lf %lf %d", &m->raw_ns, &m->win_ns, &m->rounds) == 3 &&
              m->rounds > 0 && m->rounds <= MAX_ROUNDS;
    for (int r = 0; ok && r < m->rounds; r++)
        ok = fscanf(p, "%lf", &m->ratio[r]) == 1;
    if (pclose(p) != 0)
        ok = false;
    if (ok)
        m->ratio_med = median(m->ratio, m->rounds);
    return ok;
}

/* ---- row 9: a 64 KiB pagefile section created, mapped, unmapped, closed ----
 *
 * winvm: CreateFileMappingA(INVALID_HANDLE_VALUE, PAGE_READWRITE, 64 KiB) +
 * MapViewOfFile(FILE_MAP_WRITE) + UnmapViewOfFile + CloseHandle.  Raw: what a pagefile section
 * is underneath: memfd_create + ftruncate + mmap(MAP_SHARED) + munmap + close. */

static void section_raw(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++) {
        int fd = memfd_create("winvm-bench", MFD_CLOEXEC);
        if (fd < 0)
            die("memfd_create failed: %s", strerror(errno));
        if (ftruncate(fd, (off_t)ALLOC_SIZE) != 0)
            die("ftruncate(memfd, %zu) failed: %s", ALLOC_SIZE, strerror(errno));
        void *p = mmap(NULL, ALLOC_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            die("mmap(memfd, %zu, MAP_SHARED) failed: %s", ALLOC_SIZE, strerror(errno));
        raw_munmap(p, ALLOC_SIZE);
        close(fd);
    }
}

static void section_win(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++) {
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                      (DWORD)ALLOC_SIZE, NULL);
        if (!h)
            die("CreateFileMappingA(64 KiB, PAGE_READWRITE) failed: error %u", GetLastError());
        void *p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
        if (!p)
            die("MapViewOfFile(FILE_MAP_WRITE) failed: error %u", GetLastError());
        if (!UnmapViewOfFile(p))
            die("UnmapViewOfFile(%p) failed: error %u", p, GetLastError());
        if (!CloseHandle(h))
            die("CloseHandle(section) failed: error %u", GetLastError());
    }
}

/* ---- row 10: VirtualQuery on a FILE_MAP_COPY view of 1,000 pages, 500 written ----
 *
 * A 1,000-page pagefile section, filled through a write view; a FILE_MAP_COPY view of it reads
 * every page, then writes every other one (pages 0, 2, 4, ...: 500 private copies).  Queried
 * at page 0 (winvm rereads the copy state of the whole view from /proc/self/pagemap) and at
 * random pages; every answer is checked (written: PAGE_READWRITE, else PAGE_WRITECOPY, one
 * page per region).  The raw column of the page-0 line is one pread of the view's 1,000
 * pagemap entries, the floor of any method that reads them. */

#define COW_PAGES 1000
#define COW_QUERIES 2048

struct cow_query {
    int rounds;
    double first_ns; /* the first query after the writes: it marks the 500 copies */
    double ns0[MAX_ROUNDS], nsr[MAX_ROUNDS], nsp[MAX_ROUNDS], nsf[MAX_ROUNDS];
    double ns0_med, nsr_med, nsp_med, nsf_med;
};

static double cow_pass(char *view, const size_t *idx, size_t count)
{
    MEMORY_BASIC_INFORMATION mbi;
    double t0 = now_ns();
    for (size_t i = 0; i < count; i++) {
        size_t k = idx[i];
        if (VirtualQuery(view + k * PAGE, &mbi, sizeof(mbi)) != sizeof(mbi))
            die("VirtualQuery(%p) failed: error %u", (void *)(view + k * PAGE), GetLastError());
        DWORD want = k % 2 ? PAGE_WRITECOPY : PAGE_READWRITE;
        if (mbi.Protect != want || mbi.RegionSize != PAGE || mbi.Type != MEM_MAPPED)
            die("VirtualQuery(write-copy view page %zu): protect 0x%x, region %zu, expected "
                "0x%x, one page", k, mbi.Protect, (size_t)mbi.RegionSize, want);
    }
    return (now_ns() - t0) / (double)count;
}

/* Page 0 again, but the process takes a page fault (a first write to a fresh page) before
 * each query, outside the timed call: winvm then cannot skip the page-map read. */
static double cow_fault_pass(char *view, size_t count)
{
    char *scratch = raw_mmap(count * PAGE, PROT_READ | PROT_WRITE, 0);
    size_t zero = 0;
    double total = 0;
    for (size_t i = 0; i < count; i++) {
        *(volatile char *)(scratch + i * PAGE) = 1;
        double t0 = now_ns();
        cow_pass(view, &zero, 1);
        total += now_ns() - t0;
    }
    raw_munmap(scratch, count * PAGE);
    return total / (double)count;
}

static double cow_pagemap_pass(int fd, const char *view, size_t count)
{
    static uint64_t ent[COW_PAGES];
    off_t off = (off_t)((uintptr_t)view / PAGE * sizeof(uint64_t));
    double t0 = now_ns();
    for (size_t i = 0; i < count; i++)
        if (pread(fd, ent, sizeof(ent), off) != (ssize_t)sizeof(ent))
            die("pread(/proc/self/pagemap) failed: %s", strerror(errno));
    return (now_ns() - t0) / (double)count;
}

static void measure_cow_query(struct cow_query *res, int rounds)
{
    size_t bytes = COW_PAGES * PAGE;
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)bytes,
                                  NULL);
    if (!h)
        die("CreateFileMappingA(%zu) failed: error %u", bytes, GetLastError());
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    if (!w)
        die("MapViewOfFile(FILE_MAP_WRITE) failed: error %u", GetLastError());
    memset(w, 0x5a, bytes);
    char *v = MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0);
    if (!v)
        die("MapViewOfFile(FILE_MAP_COPY) failed: error %u", GetLastError());
    unsigned sum = 0;
    for (size_t k = 0; k < COW_PAGES; k++)
        sum += *(volatile unsigned char *)(v + k * PAGE);
    if (sum != COW_PAGES * 0x5au)
        die("FILE_MAP_COPY view does not read the section's bytes");
    for (size_t k = 0; k < COW_PAGES; k += 2)
        *(volatile char *)(v + k * PAGE) = 1;
    MEMORY_BASIC_INFORMATION mbi;
    double t0 = now_ns();
    if (VirtualQuery(v, &mbi, sizeof(mbi)) != sizeof(mbi))
        die("VirtualQuery(%p) failed: error %u", (void *)v, GetLastError());
    res->first_ns = now_ns() - t0;
    if (w[0] != 0x5a)
        die("a write through the FILE_MAP_COPY view reached the section");
    size_t count = quick ? COW_QUERIES / 8 : COW_QUERIES;
    size_t *zero = calloc(count, sizeof(*zero)), *any = malloc(count * sizeof(*any));
    if (!zero || !any)
        die("out of memory for the write-copy query lists");
    for (size_t i = 0; i < count; i++)
        any[i] = (size_t)(rng() % COW_PAGES);
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("cannot open /proc/self/pagemap: %s", strerror(errno));
    cow_pass(v, zero, count); /* warm-up */
    cow_pass(v, any, count);
    cow_pagemap_pass(fd, v, count);
    cow_fault_pass(v, count / 8);
    res->rounds = rounds;
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < 4; k++) {
            int which = (k + r) % 4;
            if (which == 0)
                res->ns0[r] = cow_pass(v, zero, count);
            else if (which == 1)
                res->nsr[r] = cow_pass(v, any, count);
            else if (which == 2)
                res->nsp[r] = cow_pagemap_pass(fd, v, count);
            else
                res->nsf[r] = cow_fault_pass(v, count / 8);
        }
    res->ns0_med = median(res->ns0, rounds);
    res->nsr_med = median(res->nsr, rounds);
    res->nsp_med = median(res->nsp, rounds);
    res->nsf_med = median(res->nsf, rounds);
    close(fd);
    free(zero);
    free(any);
    if (!UnmapViewOfFile(v) || !UnmapViewOfFile(w) || !CloseHandle(h))
        die("tearing down the write-copy views failed: error %u", GetLastError());
}

/* ---- row 11: 16 processes map one named section read-only: total PSS ----
 *
 * The parent creates a named pagefile section (64 MiB; 8 MiB in --quick), fills it through a
 * write view and unmaps that view (it keeps the handle, so the name lives).  16 children
 * (fork + exec of this program with --pss-child) each open the name, map it FILE_MAP_READ,
 * read every page and report the view's address; with all 16 mapped, the parent sums the Pss
 * and Rss of each child's view from /proc/PID/smaps.  One physical copy shared 16 ways is a
 * total PSS of exactly the section's size. */

#define PSS_PROCS 16

struct pss_result {
    size_t bytes;
    int procs;
    double pss_kib, rss_kib, ratio;
    bool ok;
};

static int pss_child_main(const char *name, size_t bytes)
{
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    if (!h)
        die("--pss-child: OpenFileMappingA(%s) failed: error %u", name, GetLastError());
    const char *p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, bytes);
    if (!p)
        die("--pss-child: MapViewOfFile(FILE_MAP_READ) failed: error %u", GetLastError());
    size_t sum = 0;
    for (size_t o = 0; o < bytes; o += PAGE)
        sum += *(const volatile unsigned char *)(p + o);
    if (sum != bytes / PAGE * 0x5a)
        die("--pss-child: the view does not read the section's bytes");
    printf("%p\n", (const void *)p);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) /* the parent closes our stdin once it has read smaps */
        ;
    if (!UnmapViewOfFile(p) || !CloseHandle(h))
        die("--pss-child: teardown failed: error %u", GetLastError());
    return 0;
}

/* Sums Pss and Rss (KiB) of pid's mappings inside [lo, hi). */
bool smaps_sum(pid_t pid, uintptr_t lo, uintptr_t hi, double *pss, double *rss)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%ld/smaps", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool in = false, seen = false;
    while (fgets(line, sizeof(line), f)) {
        unsigned long a, b;
        unsigned long kib;
        if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f')) {
            in = sscanf(line, "%lx-%lx", &a, &b) == 2 && a >= lo && b <= hi;
            seen = seen || in;
        } else if (in && sscanf(line, "Pss: %lu kB", &kib) == 1)
            *pss += (double)kib;
        else if (in && sscanf(line, "Rss: %lu kB", &kib) == 1)
            *rss += (double)kib;
    }
    fclose(f);
    return seen;
}

static bool measure_pss(struct pss_result *res)
{
    *res = (struct pss_result){.bytes = (quick ? 8 : 64) * KIB * KIB, .procs = PSS_PROCS};
    char name[64], size[32], self[1024];
    snprintf(name, sizeof(name), "winvm-bench-pss-%ld", (long)getpid());
    snprintf(size, sizeof(size), "%zu", res->bytes);
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return false;
    self[n] = 0;
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                  (DWORD)res->bytes, name);
    if (!h)
        die("CreateFileMappingA(%s) failed: error %u", name, GetLastError());
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    if (!w)
        die("MapViewOfFile(%s, FILE_MAP_WRITE) failed: error %u", name, GetLastError());
    memset(w, 0x5a, res->bytes);
    if (!UnmapViewOfFile(w))
        die("UnmapViewOfFile failed: error %u", GetLastError());
    pid_t pid[PSS_PROCS];
    int to[PSS_PROCS];
    FILE *from[PSS_PROCS];
    int started = 0;
    bool ok = true;
    fflush(stdout);
    for (; started < PSS_PROCS; started++) {
        int in[2], out[2];
        if (pipe2(in, O_CLOEXEC) != 0)
            die("pipe2 failed: %s", strerror(errno));
        if (pipe2(out, O_CLOEXEC) != 0)
            die("pipe2 failed: %s", strerror(errno));
        pid_t p = fork();
        if (p < 0)
            die("fork failed: %s", strerror(errno));
        if (p == 0) {
            if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
                _exit(127);
            execl(self, self, "--pss-child", name, size, (char *)NULL);
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        pid[started] = p;
        to[started] = in[1];
        from[started] = fdopen(out[0], "r");
        if (!from[started])
            die("fdopen failed: %s", strerror(errno));
    }
    uintptr_t addr[PSS_PROCS];
    for (int i = 0; i < PSS_PROCS; i++) {
        void *a = NULL;
        if (fscanf(from[i], "%p", &a) != 1)
            ok = false;
        addr[i] = (uintptr_t)a;
    }
    for (int i = 0; ok && i < PSS_PROCS; i++)
        ok = smaps_sum(pid[i], addr[i], addr[i] + res->bytes, &res->pss_kib, &res->rss_kib);
    for (int i = 0; i < PSS_PROCS; i++) {
        close(to[i]);
        fclose(from[i]);
        int status;
        if (waitpid(pid[i], &status, 0) != pid[i] || !WIFEXITED(status) || WEXITSTATUS(status))
            ok = false;
    }
    if (!CloseHandle(h))
        die("CloseHandle(%s) failed: error %u", name, GetLastError());
    res->ratio = res->pss_kib * (double)KIB / (double)res->bytes;
    res->ok = ok;
    return ok;
}

/* ---- machine info ---- */

struct machine {
    struct utsname uts;
    long nproc;
    char date[64];
    char cpu[128];
};

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void get_machine(struct machine *m)
{
    if (uname(&m->uts) != 0)
        die("uname failed: %s", strerror(errno));
    m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(m->date, sizeof(m->date), "%Y-%m-%dT%H:%M:%SZ", &tm))
        strcpy(m->date, "unknown");
    strcpy(m->cpu, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof(line), f)) {
            char *colon = strchr(line, ':');
            if (strncmp(line, "model name", 10) == 0 && colon) {
                colon++;
                while (*colon == ' ')
                    colon++;
                colon[strcspn(colon, "\n")] = 0;
                snprintf(m->cpu, sizeof(m->cpu), "%s", colon);
                break;
            }
        }
        fclose(f);
    }
}

/* ---- report ---- */

#define TARGET_RATIO 1.10
#define TARGET_QUERY_NS 100.0
#define TARGET_FLAT 1.50
#define TARGET_GUARD 1.20
#define TARGET_AV_TRY 1.30
#define TARGET_SECTION 1.30
#define TARGET_COW_QUERY_NS 2000.0
#define TARGET_PSS 1.02

struct results {
    struct machine machine;
    int rounds; /* of the paired rows */
    struct pair alloc, alloc_nb, protect, commit, commit_nb;
    struct pair alloc_mt, protect_mt, commit_mt; /* after a second thread used winvm */
    struct query_result query[NQ];
    struct query_hot query_hot;
    double query_alloc_ns;
    double query_flat, query_hot_flat;
    struct scaling scale, scale_nb;
    bool pass_alloc, pass_protect, pass_commit, pass_query[NQ], pass_flat, all_pass;
    struct pair guard_hit, av_try; /* rows 6 and 7: faults */
    bool pass_guard, pass_av_try;
    struct pair watch, watch_fb; /* row 8: write watch, kernel path and fallback */
    bool watch_kernel, watch_fb_ok, pass_watch;
    struct pair section;      /* row 9: pagefile section create+map+unmap+close */
    struct cow_query cow;     /* row 10: VirtualQuery on a write-copy view */
    struct pss_result pss;    /* row 11: 16 processes share one section */
    bool pass_section, pass_cow0, pass_cowr, pass_pss;
};

static const char *verdict(bool pass) { return pass ? "PASS" : "FAIL"; }

#define SEP "------------------------------------------------------------------------------------------------------------"

/* The "vs Wine" column: winvm/Wine of the PE program's same operation (bench_wine.c). */
static void wine_cell(const char *id)
{
    double w = bench_wine_ratio(id);
    if (isnan(w))
        printf(" -\n");
    else
        printf(" %6.3fx\n", w);
}

static void print_rows_1_5(const struct results *r)
{
    if (bench_row_on(1)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "1. VirtualAlloc+VirtualFree 64 KiB RW",
               r->alloc.raw_ns, r->alloc.win_ns, r->alloc.ratio_med, "<= 1.10x",
               verdict(r->pass_alloc));
        wine_cell("alloc_free_64k");
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "   same, one other winvm reservation live",
               r->alloc_nb.raw_ns, r->alloc_nb.win_ns, r->alloc_nb.ratio_med, "info", "-");
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "   same, raw with MAP_NORESERVE (winvm's flags)",
               r->alloc.alt_ns, r->alloc.win_ns, r->alloc.alt_ratio_med, "info", "-");
    }
    if (bench_row_on(2)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "2. VirtualProtect 1 page RW<->RO (per call)",
               r->protect.raw_ns, r->protect.win_ns, r->protect.ratio_med, "<= 1.10x",
               verdict(r->pass_protect));
        wine_cell("protect_1page");
    }
    if (bench_row_on(3)) {
        for (int q = 0; q < NQ; q++) {
            char name[64];
            snprintf(name, sizeof(name), "3. VirtualQuery, %ld live allocations", r->query[q].n);
            printf("%-48s %10s %10.1f %8s %10s  %-6s", name, "-", r->query[q].ns_med, "-",
                   "<= 100 ns", verdict(r->pass_query[q]));
            snprintf(name, sizeof(name), "virtual_query_%ld", r->query[q].n);
            wine_cell(name);
        }
        printf("%-48s %10s %10.1f %8s %10s  %s\n", "   VirtualQuery, 100000 live, 10 queried (hot)", "-",
               r->query_hot.ns_med, "-", "info", "-");
        printf("%-48s %10s %10s %7.3fx %10s  %s\n", "   flatness of the lookup: hot 100000 / N=10", "-",
               "-", r->query_hot_flat, "<= 1.50x", verdict(r->pass_flat));
        printf("%-48s %10s %10s %7.3fx %10s  %s\n", "   cold N=100000 / N=10 (cache misses)", "-", "-",
               r->query_flat, "info", "-");
    }
    if (bench_row_on(4)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "4. Reserve 1 GiB, 1000 x commit 1 page, release",
               r->commit.raw_ns, r->commit.win_ns, r->commit.ratio_med, "<= 1.10x",
               verdict(r->pass_commit));
        wine_cell("reserve_1g_commit_1000");
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "   same, one other winvm reservation live",
               r->commit_nb.raw_ns, r->commit_nb.win_ns, r->commit_nb.ratio_med, "info", "-");
    }
    if (bench_row_on(5)) {
        printf("%-48s %9.2fx %9.2fx %7.3fx %10s  %s\n", "5. 2-thread scaling, 64 KiB alloc+free (2T/1T)",
               r->scale.raw_speedup_med, r->scale.win_speedup_med, r->scale.rel_med, "info", "-");
        printf("%-48s %9.2fx %9.2fx %7.3fx %10s  %s\n", "   same, one other winvm reservation live",
               r->scale_nb.raw_speedup_med, r->scale_nb.win_speedup_med, r->scale_nb.rel_med, "info",
               "-");
    }
    if (bench_row_on(5) && bench_row_on(1))
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "1. alloc+free, after a 2nd thread used winvm",
               r->alloc_mt.raw_ns, r->alloc_mt.win_ns, r->alloc_mt.ratio_med, "info", "-");
    if (bench_row_on(5) && bench_row_on(2))
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "2. protect, after a 2nd thread used winvm",
               r->protect_mt.raw_ns, r->protect_mt.win_ns, r->protect_mt.ratio_med, "info", "-");
    if (bench_row_on(5) && bench_row_on(4))
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "4. 1 GiB + 1000 commits, after a 2nd thread",
               r->commit_mt.raw_ns, r->commit_mt.win_ns, r->commit_mt.ratio_med, "info", "-");
}

static void print_rows_6_11(const struct results *r)
{
    if (bench_row_on(6)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "6. guard-page hit -> vectored handler -> resume",
               r->guard_hit.raw_ns, r->guard_hit.win_ns, r->guard_hit.ratio_med, "<= 1.20x",
               verdict(r->pass_guard));
        wine_cell("guard_page_hit");
    }
    if (bench_row_on(7))
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "7. access violation caught by winvm_try",
               r->av_try.raw_ns, r->av_try.win_ns, r->av_try.ratio_med, "<= 1.30x",
               verdict(r->pass_av_try));
    if (bench_row_on(8)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s",
               r->watch_kernel ? "8. write watch: 10000 pages + GetWriteWatch+reset"
                               : "8. write watch (kernel path unavailable)",
               r->watch.raw_ns, r->watch.win_ns, r->watch.ratio_med,
               r->watch_kernel ? "<= 0.20x" : "n/a", r->watch_kernel ? verdict(r->pass_watch) : "-");
        wine_cell("write_watch_10000");
        if (r->watch_fb_ok)
            printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "   same, mprotect fallback (child process)",
                   r->watch_fb.raw_ns, r->watch_fb.win_ns, r->watch_fb.ratio_med, "info", "-");
    }
    if (bench_row_on(9)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "9. CreateFileMapping+MapView+Unmap+Close 64 KiB",
               r->section.raw_ns, r->section.win_ns, r->section.ratio_med, "<= 1.30x",
               verdict(r->pass_section));
        wine_cell("section_create_map_64k");
    }
    if (bench_row_on(10)) {
        printf("%-48s %10.0f %10.0f %8s %10s  %s\n", "10. VirtualQuery, COPY view 1000 pg/500 written, pg 0",
               r->cow.nsp_med, r->cow.ns0_med, "-", "<= 2 us", verdict(r->pass_cow0));
        printf("%-48s %10s %10.0f %8s %10s  %s\n", "    same, a random page of the view", "-",
               r->cow.nsr_med, "-", "<= 2 us", verdict(r->pass_cowr));
        printf("%-48s %10s %10.0f %8s %10s  %s\n", "    page 0, a page fault before each query", "-",
               r->cow.nsf_med, "-", "info", "-");
        printf("%-48s %10s %10.0f %8s %10s  %s\n", "    first query after the 500 writes (one call)", "-",
               r->cow.first_ns, "-", "info", "-");
    }
    if (bench_row_on(11)) {
        if (r->pss.ok)
            printf("%-48s %9.0fK %9.0fK %7.3fx %10s  %s\n", "11. 16 processes map one section RO: total PSS",
                   (double)r->pss.bytes / KIB, r->pss.pss_kib, r->pss.ratio, "<= 1.02x",
                   verdict(r->pass_pss));
        else
            printf("%-48s %10s %10s %8s %10s  %s\n", "11. 16 processes map one section RO: total PSS", "-",
                   "-", "-", "<= 1.02x", "FAIL (children failed)");
    }
}

static void print_table(const struct results *r)
{
    printf("winvm-bench (%s mode)  %s  %s %s  nproc=%ld  %s\n", quick ? "quick" : "full",
           r->machine.date, r->machine.uts.sysname, r->machine.uts.release, r->machine.nproc,
           r->machine.cpu);
    printf("%s\n", SEP);
    printf("%-48s %10s %10s %8s %10s  %-6s %s\n", "operation", "raw ns", "winvm ns", "ratio",
           "target", "result", "vs Wine");
    printf("%s\n", SEP);
    print_rows_1_5(r);
    print_rows_6_11(r);
    printf("%s\n", SEP);
    if (bench_row_on(5))
    printf("Rows 1, 2 and 4 run before any second thread exists; the rows marked 'after a 2nd\n"
               "thread' repeat them once row 5 has run threads, to show a threaded process pays the same.\n");
    if (bench_rows_any(1, 4))
    printf("Ratios: median over %d rounds of the per-round winvm/raw ratio (batches alternate, so\n"
               "drift cancels); ns columns: medians of per-round ns.  Row 1 ns are per alloc+free pair,\n"
               "row 2 per call, row 4 per whole cycle (%.0f / %.0f ns per commit, raw / winvm).\n",
               r->rounds, r->commit.raw_ns / COMMIT_PAGES, r->commit.win_ns / COMMIT_PAGES);
    if (bench_row_on(5))
    printf("Row 5: raw and winvm columns are speedups (2-thread total ops/s over 1-thread ops/s),\n"
               "ratio = winvm speedup / raw speedup.  Pairs/s 1T -> 2T: raw %.0f -> %.0f, winvm %.0f ->\n"
               "%.0f; with a live reservation: raw %.0f -> %.0f, winvm %.0f -> %.0f.\n",
               r->scale.raw1_ops, r->scale.raw2_ops, r->scale.win1_ops, r->scale.win2_ops,
               r->scale_nb.raw1_ops, r->scale_nb.raw2_ops, r->scale_nb.win1_ops, r->scale_nb.win2_ops);
    if (bench_row_on(8))
    printf("Row 8 ns are per cycle (%d page writes + one harvest); raw = SIGSEGV handler that\n"
               "mprotects each page read-write and records it, then one mprotect read-only.  Target:\n"
               "winvm's kernel path (userfaultfd async write-protect + PAGEMAP_SCAN) >= 5x faster.\n",
               WATCH_PAGES);
    if (bench_rows_any(9, 11))
    printf("Row 9 raw: memfd_create + ftruncate + mmap(MAP_SHARED) + munmap + close.  Row 10 ns per\n"
               "VirtualQuery (answers checked); its raw column is one pread of the view's %d pagemap\n"
               "entries.  winvm skips that read while the process has taken no page fault since it last\n"
               "read the range (a copy needs one); the 'page fault before each' line is the cost without.\n"
               "  Row 11: raw = the section's size, winvm = Pss summed over the %d children's\n"
               "views (/proc/PID/smaps), %.0f KiB Rss in all; ratio = total Pss / one copy.\n",
               COW_PAGES, r->pss.procs, r->pss.rss_kib);
    if (quick)
        printf("Quick mode: few iterations, figures are indicative only; targets not enforced.\n");
    printf("%s\n\n", r->all_pass ? "All targets met." : "Some targets missed.");
}

/* "wine_ratio": winvm/Wine of the PE program's same operation (bench_wine.c), or null. */
static void json_wine(FILE *f, const char *id)
{
    double w = bench_wine_ratio(id);
    if (isnan(w))
        fprintf(f, "\"wine_ratio\": null, ");
    else
        fprintf(f, "\"wine_ratio\": %.4f, ", w);
}

static void json_pair(FILE *f, const char *id, const char *op, const struct pair *m,
                      const char *target, int pass, const char *unit)
{
    fprintf(f, "    {\"id\": \"%s\", \"operation\": ", id);
    json_string(f, op);
    fprintf(f, ", \"unit\": \"%s\", \"raw_ns\": %.1f, \"winvm_ns\": %.1f, \"ratio\": %.4f, "
               "\"ratio_min\": %.4f, \"ratio_max\": %.4f, \"ratio_q1\": %.4f, \"ratio_q3\": %.4f, ",
            unit, m->raw_ns, m->win_ns, m->ratio_med, min_of(m->ratio, m->rounds),
            max_of(m->ratio, m->rounds), bench_quartile(m->ratio, m->rounds, 1),
            bench_quartile(m->ratio, m->rounds, 3));
    json_wine(f, id);
    if (m->alt_fn)
        fprintf(f, "\"raw_noreserve_ns\": %.1f, \"ratio_to_raw_noreserve\": %.4f, ", m->alt_ns,
                m->alt_ratio_med);
    fprintf(f, "\"target\": \"%s\", \"pass\": %s, \"rounds\": %d, \"iterations_per_round\": %ld},\n",
            target, pass < 0 ? "null" : pass ? "true" : "false", m->rounds, m->iters);
}

static void json_scaling(FILE *f, const char *id, const char *op, const struct scaling *s)
{
    fprintf(f, "    {\"id\": \"%s\", \"operation\": ", id);
    json_string(f, op);
    fprintf(f, ", \"unit\": \"alloc+free pairs per second\", \"raw_ops_1t\": %.0f, "
               "\"raw_ops_2t\": %.0f, \"winvm_ops_1t\": %.0f, \"winvm_ops_2t\": %.0f, "
               "\"raw_speedup\": %.4f, \"winvm_speedup\": %.4f, "
               "\"winvm_speedup_over_raw_speedup\": %.4f, \"target\": \"info\", \"pass\": null, "
               "\"rounds\": %d, \"iterations_per_thread\": %ld},\n",
            s->raw1_ops, s->raw2_ops, s->win1_ops, s->win2_ops, s->raw_speedup_med,
            s->win_speedup_med, s->rel_med, s->rounds, s->iters);
}

static void json_query_point(FILE *f, const char *sep, const struct query_result *q, bool pass)
{
    char id[64];
    snprintf(id, sizeof(id), "virtual_query_%ld", q->n);
    fprintf(f, "%s{\"n\": %ld, \"winvm_ns\": %.2f, \"min_ns\": %.2f, \"max_ns\": %.2f, "
               "\"q1_ns\": %.2f, \"q3_ns\": %.2f, ",
            sep, q->n, q->ns_med, min_of(q->ns, q->rounds), max_of(q->ns, q->rounds),
            bench_quartile(q->ns, q->rounds, 1), bench_quartile(q->ns, q->rounds, 3));
    json_wine(f, id);
    fprintf(f, "\"pass\": %s}", pass ? "true" : "false");
}

static double row_seconds[BENCH_MAX_ROW + 1]; /* wall time each row took, for --rows choices */
static bool row_timed[BENCH_MAX_ROW + 1];

static void json_rows_1_5(FILE *f, const struct results *r)
{
    if (bench_row_on(1)) {
        json_pair(f, "alloc_free_64k",
                  "VirtualAlloc(NULL, 64 KiB, MEM_RESERVE|MEM_COMMIT, PAGE_READWRITE) + "
                  "VirtualFree(MEM_RELEASE) vs mmap(64 KiB, RW, private anonymous) + munmap",
                  &r->alloc, "ratio <= 1.10", r->pass_alloc, "ns per alloc+free pair");
        json_pair(f, "alloc_free_64k_neighbour",
                  "as alloc_free_64k, with one other winvm reservation (64 KiB, MEM_RESERVE) live",
                  &r->alloc_nb, "info", -1, "ns per alloc+free pair");
    }
    if (bench_row_on(2))
        json_pair(f, "protect_1page",
                  "VirtualProtect 1 page PAGE_READWRITE <-> PAGE_READONLY vs mprotect RW <-> R",
                  &r->protect, "ratio <= 1.10", r->pass_protect, "ns per call");
    if (bench_row_on(4)) {
        json_pair(f, "reserve_1g_commit_1000",
                  "VirtualAlloc(1 GiB, MEM_RESERVE) + 1000 x VirtualAlloc(1 page, MEM_COMMIT) + "
                  "VirtualFree vs mmap(1 GiB, PROT_NONE, MAP_NORESERVE) + 1000 x mprotect + munmap",
                  &r->commit, "ratio <= 1.10", r->pass_commit, "ns per cycle");
        json_pair(f, "reserve_1g_commit_1000_neighbour",
                  "as reserve_1g_commit_1000, with one other winvm reservation (64 KiB) live",
                  &r->commit_nb, "info", -1, "ns per cycle");
    }
    if (bench_row_on(3)) {
        fprintf(f, "    {\"id\": \"virtual_query\", \"operation\": \"VirtualQuery at random addresses "
                   "among N live 64 KiB reservations (every 8th with 4 pages committed)\", "
                   "\"unit\": \"ns per call\", \"target\": \"ns <= %.0f, hot lookup flatness <= %.2f\", "
                   "\"points\": [",
                TARGET_QUERY_NS, TARGET_FLAT);
        for (int q = 0; q < NQ; q++)
            json_query_point(f, q ? ", " : "", &r->query[q], r->pass_query[q]);
        fprintf(f, "], \"flatness_ratio_100000_to_10\": %.4f, \"flatness_pass\": %s, "
                   "\"hot_10_of_100000_ns\": %.2f, \"hot_ratio_to_n10\": %.4f, "
                   "\"rounds\": %d, \"queries_per_round\": %d, \"setup_ns_per_alloc\": %.1f},\n",
                r->query_flat, r->pass_flat ? "true" : "false", r->query_hot.ns_med,
                r->query_hot_flat, r->query[0].rounds, QUERY_ADDRS, r->query_alloc_ns);
    }
    if (bench_row_on(5) && bench_row_on(1))
        json_pair(f, "alloc_free_64k_multithreaded", "as alloc_free_64k, after a second thread used winvm",
                  &r->alloc_mt, "info", -1, "ns per pair");
    if (bench_row_on(5) && bench_row_on(2))
        json_pair(f, "protect_1_page_multithreaded", "as protect_1_page, after a second thread used winvm",
                  &r->protect_mt, "info", -1, "ns per call");
    if (bench_row_on(5) && bench_row_on(4))
        json_pair(f, "reserve_1g_commit_1000_multithreaded",
                  "as reserve_1g_commit_1000, after a second thread used winvm", &r->commit_mt, "info", -1,
                  "ns per cycle");
    if (bench_row_on(5)) {
        json_scaling(f, "scaling_2_threads", "64 KiB alloc+free loops, 2 threads vs 1", &r->scale);
        json_scaling(f, "scaling_2_threads_neighbour",
                     "as scaling_2_threads, with one other winvm reservation live", &r->scale_nb);
    }
}

static void json_rows_6_11(FILE *f, const struct results *r)
{
    if (bench_row_on(6))
        json_pair(f, "guard_page_hit",
                  "guard-page hit -> vectored handler (EXCEPTION_CONTINUE_EXECUTION) -> access retried, "
                  "page re-armed with VirtualProtect(PAGE_READWRITE|PAGE_GUARD) vs SIGSEGV handler that "
                  "mprotects the page read-write and returns, page re-armed with mprotect(PROT_NONE)",
                  &r->guard_hit, "ratio <= 1.20", r->pass_guard, "ns per hit");
    if (bench_row_on(7))
        json_pair(f, "access_violation_try",
                  "access violation caught by winvm_try vs sigsetjmp + SIGSEGV handler that siglongjmps",
                  &r->av_try, "ratio <= 1.30", r->pass_av_try, "ns per caught fault");
    if (bench_row_on(8))
        json_pair(f, "write_watch_10000",
                  r->watch_kernel
                      ? "10,000 pages written then GetWriteWatch(WRITE_WATCH_FLAG_RESET), kernel path "
                        "(userfaultfd async write-protect + PAGEMAP_SCAN) vs mprotect read-only + "
                        "SIGSEGV handler that mprotects each page read-write and records it"
                      : "as write_watch_10000, but the kernel path was unavailable (fallback measured)",
                  &r->watch, r->watch_kernel ? "ratio <= 0.20" : "n/a",
                  r->watch_kernel ? r->pass_watch : -1, "ns per cycle");
    if (r->watch_fb_ok && bench_row_on(8))
        json_pair(f, "write_watch_10000_fallback",
                  "as write_watch_10000, winvm's mprotect + SIGSEGV fallback "
                  "(WINVM_WRITE_WATCH=fallback, measured in a child process)",
                  &r->watch_fb, "info", -1, "ns per cycle");
    if (bench_row_on(9))
        json_pair(f, "section_create_map_64k",
                  "CreateFileMappingA(INVALID_HANDLE_VALUE, PAGE_READWRITE, 64 KiB) + "
                  "MapViewOfFile(FILE_MAP_WRITE) + UnmapViewOfFile + CloseHandle vs memfd_create + "
                  "ftruncate + mmap(MAP_SHARED) + munmap + close",
                  &r->section, "ratio <= 1.30", r->pass_section, "ns per cycle");
    if (bench_row_on(10))
        fprintf(f, "    {\"id\": \"virtual_query_writecopy_view\", \"operation\": \"VirtualQuery on a "
                   "FILE_MAP_COPY view of %d pages with every other page written\", \"unit\": \"ns per "
                   "call\", \"page0_ns\": %.1f, \"page0_min_ns\": %.1f, \"page0_max_ns\": %.1f, "
                   "\"random_page_ns\": %.1f, \"random_min_ns\": %.1f, \"random_max_ns\": %.1f, "
                   "\"page0_after_a_fault_ns\": %.1f, \"first_query_after_writes_ns\": %.1f, "
                   "\"raw_pagemap_pread_ns\": %.1f, "
                   "\"target\": \"ns <= 2000\", \"pass\": %s, \"rounds\": %d},\n",
                COW_PAGES, r->cow.ns0_med, min_of(r->cow.ns0, r->cow.rounds),
                max_of(r->cow.ns0, r->cow.rounds), r->cow.nsr_med, min_of(r->cow.nsr, r->cow.rounds),
                max_of(r->cow.nsr, r->cow.rounds), r->cow.nsf_med, r->cow.first_ns, r->cow.nsp_med,
                r->pass_cow0 && r->pass_cowr ? "true" : "false", r->cow.rounds);
    if (bench_row_on(11))
        fprintf(f, "    {\"id\": \"section_shared_pss\", \"operation\": \"%d processes (fork+exec) "
                   "each map one named section FILE_MAP_READ and read every page; Pss of the views "
                   "summed\", \"unit\": \"KiB\", \"section_kib\": %.0f, \"total_pss_kib\": %.0f, "
                   "\"total_rss_kib\": %.0f, \"ratio\": %.4f, \"target\": \"ratio <= 1.02\", "
                   "\"pass\": %s},\n",
                r->pss.procs, (double)r->pss.bytes / KIB, r->pss.pss_kib, r->pss.rss_kib, r->pss.ratio,
                r->pass_pss ? "true" : "false");
}

/* The JSON object: every row ends with a comma, so the rows go to a buffer first and the
 * last comma is cut (with --rows any row can be the last). */
static void write_json(FILE *f, const struct results *r)
{
    const struct machine *m = &r->machine;
    fprintf(f, "{\n  \"benchmark\": \"winvm-bench\",\n  \"mode\": \"%s\",\n",
            quick ? "quick" : "full");
    fprintf(f, "  \"machine\": {\"uname\": ");
    json_string(f, m->uts.sysname);
    fprintf(f, ", \"release\": ");
    json_string(f, m->uts.release);
    fprintf(f, ", \"version\": ");
    json_string(f, m->uts.version);
    fprintf(f, ", \"arch\": ");
    json_string(f, m->uts.machine);
    fprintf(f, ", \"nproc\": %ld, \"cpu\": ", m->nproc);
    json_string(f, m->cpu);
    fprintf(f, ", \"date\": \"%s\"},\n", m->date);
    fprintf(f, "  \"rows\": [\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *rows = open_memstream(&buf, &len);
    if (!rows)
        die("open_memstream failed");
    json_rows_1_5(rows, r);
    json_rows_6_11(rows, r);
    if (bench_rows_any(1, 9))
        bench_wine_json(rows);
    if (bench_row_on(25))
        bench_pe_alloc_json(rows);
    if (bench_rows_any(12, 15))
        bench_images_json(rows);
    if (bench_rows_any(18, 20))
        bench_nt_json(rows);
    if (bench_rows_any(16, 17))
        bench_run_json(rows);
    if (bench_rows_any(23, 24))
        bench_progs_json(rows);
    if (bench_rows_any(21, 22))
        bench_seh_json(rows);
    if (bench_rows_any(26, 28))
        bench_scale_json(rows);
    if (fclose(rows) != 0)
        die("open_memstream: out of memory");
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == ','))
        len--;
    fprintf(f, "%.*s\n  ],\n  \"seconds_per_row\": {", (int)len, buf);
    free(buf);
    const char *sep = "";
    for (int n = 1; n < BENCH_MAX_ROW; n++)
        if (row_timed[n])
            fprintf(f, "%s\"%d\": %.1f", sep, n, row_seconds[n]), sep = ", ";
    if (row_seconds[BENCH_MAX_ROW] >= 0.1)
        fprintf(f, "%s\"wine\": %.1f", sep, row_seconds[BENCH_MAX_ROW]);
    fprintf(f, "},\n  \"all_pass\": %s\n}\n", r->all_pass ? "true" : "false");
}

/* ---- main ---- */

static double timer_t0;
static void timer_start(void) { timer_t0 = now_ns(); }
static void timer_stop(int row)
{
    row_seconds[row] += (now_ns() - timer_t0) / 1e9;
    row_timed[row] = true;
}

static void measure_protect(struct pair *m, long iters)
{
    struct protect_ctx pc;
    pc.raw_page = (char *)raw_mmap(ALLOC_SIZE, PROT_READ | PROT_WRITE, 0) + PAGE;
    pc.win_page = (char *)win_alloc(NULL, ALLOC_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) +
                  PAGE;
    *m = (struct pair){.rounds = m->rounds, .iters = iters, .ops_per_iter = 2};
    measure_pair(m, protect_raw, protect_win, &pc);
    raw_munmap(pc.raw_page - PAGE, ALLOC_SIZE);
    win_release(pc.win_page - PAGE);
}

/* Rows 1, 2 and 4, each also with a neighbour reservation live (rows 1 and 4). */
static void run_rows_1_2_4(struct results *r)
{
    int rounds = r->rounds;
    if (bench_row_on(1)) {
        timer_start();
        progress("  1. alloc+free 64 KiB, then with one other reservation live...\n");
        r->alloc = (struct pair){.rounds = rounds, .iters = quick ? 1000 : ALLOC_ITERS,
                                 .ops_per_iter = 1, .alt_fn = alloc_raw_noreserve};
        measure_pair(&r->alloc, alloc_raw, alloc_win, NULL);
        neighbour_on();
        r->alloc_nb = (struct pair){.rounds = rounds, .iters = r->alloc.iters, .ops_per_iter = 1};
        measure_pair(&r->alloc_nb, alloc_raw, alloc_win, NULL);
        neighbour_off();
        timer_stop(1);
    }
    if (bench_row_on(2)) {
        timer_start();
        progress("  2. protect 1 page...\n");
        r->protect.rounds = rounds;
        measure_protect(&r->protect, quick ? 1000 : PROTECT_ITERS);
        timer_stop(2);
    }
    if (bench_row_on(4)) {
        timer_start();
        progress("  4. reserve 1 GiB + 1000 commits, then with one other reservation live...\n");
        r->commit = (struct pair){.rounds = rounds, .iters = quick ? 4 : COMMIT_ITERS, .ops_per_iter = 1};
        measure_pair(&r->commit, commit_raw, commit_win, NULL);
        neighbour_on();
        r->commit_nb = (struct pair){.rounds = rounds, .iters = r->commit.iters, .ops_per_iter = 1};
        measure_pair(&r->commit_nb, commit_raw, commit_win, NULL);
        neighbour_off();
        timer_stop(4);
    }
}

/* Row 5, then rows 1, 2 and 4 again (fewer rounds) now that a second thread used winvm. */
static void run_row_5(struct results *r)
{
    timer_start();
    progress("  5. scaling 1 -> 2 threads, then with one other reservation live...\n");
    r->scale.rounds = quick ? 3 : SCALE_ROUNDS;
    r->scale.iters = quick ? 2000 : SCALE_ITERS;
    measure_scaling(&r->scale);
    neighbour_on();
    r->scale_nb.rounds = r->scale.rounds;
    r->scale_nb.iters = r->scale.iters;
    measure_scaling(&r->scale_nb);
    neighbour_off();
    progress("  1, 2, 4 again, now that a second thread has used winvm...\n");
    int rounds = quick ? 3 : MT_ROUNDS;
    if (bench_row_on(1)) {
        r->alloc_mt = (struct pair){.rounds = rounds, .iters = r->alloc.iters, .ops_per_iter = 1};
        measure_pair(&r->alloc_mt, alloc_raw, alloc_win, NULL);
    }
    if (bench_row_on(2)) {
        r->protect_mt.rounds = rounds;
        measure_protect(&r->protect_mt, r->protect.iters);
    }
    if (bench_row_on(4)) {
        r->commit_mt = (struct pair){.rounds = rounds, .iters = r->commit.iters, .ops_per_iter = 1};
        measure_pair(&r->commit_mt, commit_raw, commit_win, NULL);
    }
    timer_stop(5);
}

static void run_rows_6_11(struct results *r)
{
    if (bench_row_on(6) || bench_row_on(7)) {
        timer_start();
        progress("  6, 7. guard-page hit, access violation caught by winvm_try...\n");
        measure_faults(&r->guard_hit, &r->av_try, r->rounds);
        timer_stop(6);
    }
    if (bench_row_on(8)) {
        timer_start();
        progress("  8. write watch, 10000 pages (kernel path here, fallback in a child)...\n");
        r->watch_kernel = measure_watch(&r->watch, quick ? 3 : WATCH_ROUNDS);
        r->watch_fb_ok = measure_watch_fallback(&r->watch_fb);
        if (!r->watch_fb_ok)
            progress("  8. the fallback child failed; its row is left out\n");
        timer_stop(8);
    }
    if (bench_row_on(9)) {
        timer_start();
        progress("  9. CreateFileMapping+MapViewOfFile+Unmap+Close, 64 KiB...\n");
        r->section = (struct pair){.rounds = r->rounds, .iters = quick ? 500 : SECTION_ITERS,
                                   .ops_per_iter = 1};
        measure_pair(&r->section, section_raw, section_win, NULL);
        timer_stop(9);
    }
    if (bench_row_on(10)) {
        timer_start();
        progress("  10. VirtualQuery on a write-copy view, 1000 pages, 500 written...\n");
        measure_cow_query(&r->cow, quick ? 3 : COW_ROUNDS);
        timer_stop(10);
    }
    if (bench_row_on(11)) {
        timer_start();
        progress("  11. %d processes map one %zu MiB section read-only...\n", PSS_PROCS,
                 (quick ? 8 : 64) * KIB * KIB >> 20);
        if (!measure_pss(&r->pss))
            progress("  11. a child failed or its smaps could not be read\n");
        timer_stop(11);
    }
}

/* Rows 12-28: the other files' rows, each group run when any of its rows is chosen. */
static void run_rows_12_28(void)
{
    char self[1024];
    ssize_t sn = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[sn > 0 ? sn : 0] = 0;
    if (bench_rows_any(1, 9)) {
        timer_start();
        bench_wine_measure();
        timer_stop(BENCH_MAX_ROW); /* the Wine column: reported under its own key */
    }
    static const struct {
        int first, last;
        void (*fn)(void);
    } groups[] = {{25, 25, bench_pe_alloc_measure}, {16, 17, bench_run_measure},
                  {23, 24, bench_progs_measure},    {21, 22, bench_seh_measure},
                  {18, 20, bench_nt_run},           {26, 28, bench_scale_run}};
    if (bench_rows_any(12, 15)) {
        timer_start();
        bench_images_run(self);
        timer_stop(12);
    }
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (bench_rows_any(groups[i].first, groups[i].last)) {
            timer_start();
            groups[i].fn();
            timer_stop(groups[i].first);
        }
}

static bool all_pass_1_11(struct results *r)
{
    r->pass_alloc = r->alloc.ratio_med <= TARGET_RATIO;
    r->pass_protect = r->protect.ratio_med <= TARGET_RATIO;
    r->pass_commit = r->commit.ratio_med <= TARGET_RATIO;
    bool ok = (!bench_row_on(1) || r->pass_alloc) && (!bench_row_on(2) || r->pass_protect) &&
              (!bench_row_on(4) || r->pass_commit);
    for (int q = 0; q < NQ; q++)
        r->pass_query[q] = r->query[q].ns_med <= TARGET_QUERY_NS;
    r->pass_flat = r->query_hot_flat <= TARGET_FLAT;
    for (int q = 0; q < NQ && bench_row_on(3); q++)
        ok = ok && r->pass_query[q] && r->pass_flat;
    r->pass_guard = r->guard_hit.ratio_med <= TARGET_GUARD;
    r->pass_av_try = r->av_try.ratio_med <= TARGET_AV_TRY;
    ok = ok && (!bench_row_on(6) || r->pass_guard) && (!bench_row_on(7) || r->pass_av_try);
    r->pass_watch = r->watch.ratio_med <= 0.20;
    ok = ok && (!bench_row_on(8) || !r->watch_kernel || r->pass_watch);
    r->pass_section = r->section.ratio_med <= TARGET_SECTION;
    r->pass_cow0 = r->cow.ns0_med <= TARGET_COW_QUERY_NS;
    r->pass_cowr = r->cow.nsr_med <= TARGET_COW_QUERY_NS;
    r->pass_pss = r->pss.ok && r->pss.ratio <= TARGET_PSS;
    return ok && (!bench_row_on(9) || r->pass_section) &&
           (!bench_row_on(10) || (r->pass_cow0 && r->pass_cowr)) &&
           (!bench_row_on(11) || r->pass_pss);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: winvm-bench [--quick] [--rows LIST] [--no-wine] [--json FILE] [--list]\n"
               "  --quick      short run for CI; never fails on performance; no Wine column\n"
               "  --rows LIST  only these rows: numbers, ranges and names, e.g. 1-4,watch,12\n"
               "  --no-wine    leave the Wine column out even when wine64 is installed\n"
               "  --json FILE  also write the JSON result to FILE\n"
               "  --list       print the rows (numbers and names) and exit\n");
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, const char **json_path)
{
    bool list = false;
    for (int i = 1; i < argc; i++) {
        char bad[64];
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            *json_path = argv[++i];
        else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
            if (!bench_rows_parse(argv[++i], bad, sizeof(bad))) {
                fprintf(stderr, "winvm-bench: --rows: no row '%s' (see --list)\n", bad);
                return 64;
            }
        } else if (strcmp(argv[i], "--no-wine") == 0)
            bench_no_wine = true;
        else if (strcmp(argv[i], "--list") == 0)
            list = true;
        else if (strcmp(argv[i], "--pss-child") == 0 && i + 2 < argc)
            return pss_child_main( /* internal: row 11's children */
                argv[i + 1], strtoull(argv[i + 2], NULL, 10));
        else if (strcmp(argv[i], "--image-child") == 0)
            return bench_image_child_main(argc - i, argv + i); /* internal: rows 14-15 */
        else if (strcmp(argv[i], "--watch-fallback") == 0)
            watch_child = true; /* internal: row 8's fallback measurement */
        else {
            bool help = strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
            usage(help ? stdout : stderr);
            return help ? 0 : 64;
        }
    }
    if (list)
        bench_rows_list(stdout);
    return list ? 0 : -1;
}

static void report(struct results *r, const char *json_path)
{
    print_table(r);
    if (bench_rows_any(1, 9))
        bench_wine_table();
    if (bench_rows_any(12, 15))
        bench_images_table();
    if (bench_rows_any(16, 17))
        bench_run_table();
    if (bench_rows_any(23, 24))
        bench_progs_table();
    if (bench_rows_any(21, 22))
        bench_seh_table();
    if (bench_rows_any(18, 20))
        bench_nt_table();
    if (bench_row_on(25)) {
        printf("\nPE program against C:\n");
        bench_pe_alloc_table();
    }
    if (bench_rows_any(26, 28))
        bench_scale_table();
    write_json(stdout, r);
    fflush(stdout);
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f)
            die("cannot open %s: %s", json_path, strerror(errno));
        write_json(f, r);
        if (fclose(f) != 0)
            die("cannot write %s: %s", json_path, strerror(errno));
    }
}

int main(int argc, char **argv)
{
    const char *json_path = NULL;
    int st = parse_args(argc, argv, &json_path);
    if (st >= 0)
        return st;
    static struct results r;
    get_machine(&r.machine);
    r.rounds = quick ? 5 : ROUNDS;
    progress("winvm-bench: %s mode\n", quick ? "quick" : "full");
    if (watch_child) {
        if (measure_watch(&r.watch, quick ? 3 : WATCH_ROUNDS))
            die("--watch-fallback: winvm used the kernel path (WINVM_WRITE_WATCH not set?)");
        watch_child_report(&r.watch);
        return 0;
    }
    double t0 = now_ns();
    run_rows_1_2_4(&r);
    if (bench_row_on(3)) {
        timer_start();
        measure_query(r.query, &r.query_hot, quick ? 3 : QUERY_ROUNDS, &r.query_alloc_ns);
        r.query_flat = r.query[NQ - 1].ns_med / r.query[0].ns_med;
        r.query_hot_flat = r.query_hot.ns_med / r.query[0].ns_med;
        timer_stop(3);
    }
    if (bench_row_on(5))
        run_row_5(&r);
    run_rows_6_11(&r);
    run_rows_12_28();
    r.all_pass = all_pass_1_11(&r) && (!bench_rows_any(12, 15) || bench_images_pass()) &&
                 (quick || !bench_rows_any(18, 20) || bench_nt_pass()) &&
                 (quick || !bench_rows_any(26, 28) || bench_scale_pass());
    report(&r, json_path);
    progress("winvm-bench: %.1f s; per row:", (now_ns() - t0) / 1e9);
    for (int n = 1; n < BENCH_MAX_ROW; n++)
        if (row_timed[n])
            progress(" %d %.1f", n, row_seconds[n]);
    if (row_seconds[BENCH_MAX_ROW] >= 0.1)
        progress(" wine %.1f", row_seconds[BENCH_MAX_ROW]);
    progress("\n");
    return !quick && !r.all_pass ? 2 : 0;
}
