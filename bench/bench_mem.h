/* SPDX-License-Identifier: MIT */
/* bench_mem.h - what the memory rows 1-11 share: bench.c (plumbing, the run, main), bench_mem.c
 * (the checked calls, paired measurement, rows 1-5), bench_fault.c (rows 6-8), bench_view.c
 * (rows 9-11), bench_report.c (the table and the JSON). */
#ifndef WV_BENCH_MEM_H
#define WV_BENCH_MEM_H

#include "winvm.h"
#include "bench.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/utsname.h>

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
#define ROUNDS 21        /* rows 1, 2, 4, 9: the rows with a ratio target near their figure */
#define FAULT_ROUNDS 11  /* rows 6-7: ~0.97x and ~1.02x against targets of 1.20x and 1.30x */
#define NB_ROUNDS 11     /* the 'one other reservation live' lines (info) */
#define COMMIT_NB_ROUNDS 7 /* row 4's 'one other reservation live' line (info; ~90 ms a round) */
#define ALLOC_ITERS 5000 /* ~25 ms a batch */
#define PROTECT_ITERS 5000
#define COMMIT_ITERS 30
#define QUERY_ROUNDS 15
#define SCALE_ROUNDS 5
#define SCALE_ITERS 5000
#define MT_ROUNDS 5      /* rows 1, 2, 4 again after row 5 (info) */
#define WATCH_ROUNDS 3   /* row 8 is info since row 28 measures the same cycle against the kernel */
#define SECTION_ITERS 3000
#define COW_ROUNDS 15
#define FAULT_ITERS 2000 /* ~50 ms (row 6) and ~25 ms (row 7) a batch */
#define WATCH_ITERS 1    /* one cycle is 10,000 faults, ~160 ms */
#define WATCH_PAGES 10000 /* row 8 */

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

struct protect_ctx {
    char *raw_page, *win_page;
};

#define QUERY_ADDRS 65536 /* random addresses per pass (512 KiB, read sequentially) */
#define QUERY_COMMIT_EVERY 8
#define QUERY_COMMIT_PAGES 4
#define NQ 5
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

struct scaling {
    int rounds;
    long iters; /* per thread */
    double raw1[MAX_ROUNDS], raw2[MAX_ROUNDS], win1[MAX_ROUNDS], win2[MAX_ROUNDS];
    double raw_speedup[MAX_ROUNDS], win_speedup[MAX_ROUNDS], rel[MAX_ROUNDS];
    double raw1_ops, raw2_ops, win1_ops, win2_ops; /* medians, ops/s */
    double raw_speedup_med, win_speedup_med, rel_med;
};

#define COW_PAGES 1000
#define COW_QUERIES 2048
struct cow_query {
    int rounds;
    double first_ns; /* the first query after the writes: it marks the 500 copies */
    double ns0[MAX_ROUNDS], nsr[MAX_ROUNDS], nsp[MAX_ROUNDS], nsf[MAX_ROUNDS];
    double nsg[MAX_ROUNDS]; /* one getrusage(RUSAGE_SELF): the check a skipped read costs */
    double ns0_med, nsr_med, nsp_med, nsf_med, nsg_med;
    double ratio0_med, ratior_med; /* medians of the per-round query / getrusage ratios */
};

#define PSS_PROCS 16
struct pss_result {
    size_t bytes;
    int procs;
    double pss_kib, rss_kib, ratio;
    bool ok;
};

struct machine {
    struct utsname uts;
    long nproc;
    char date[64];
    char cpu[128];
};

#define TARGET_RATIO 1.10
#define TARGET_COMMIT 1.05 /* row 4: issue 16 */
#define TARGET_QUERY_NS 100.0
#define TARGET_FLAT 1.50
#define TARGET_GUARD 1.20
#define TARGET_AV_TRY 1.30
#define TARGET_SECTION 1.30
/* Row 10: a query whose page-map read is skipped costs the check that allows the skip (one
 * getrusage) and little more.  (It was an absolute 2 us, set where a system call cost ~0.1 us;
 * on a VM with PTI one costs ~2 us.) */
#define TARGET_COW_QUERY_RATIO 1.5
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
    bool watch_kernel, watch_fb_ok;
    struct pair section;      /* row 9: pagefile section create+map+unmap+close */
    struct cow_query cow;     /* row 10: VirtualQuery on a write-copy view */
    struct pss_result pss;    /* row 11: 16 processes share one section */
    bool pass_section, pass_cow0, pass_cowr, pass_pss;
};

extern double row_seconds[BENCH_MAX_ROW + 1];
extern bool row_timed[BENCH_MAX_ROW + 1];
extern bool watch_child;

double min_of(const double *v, int n);
double max_of(const double *v, int n);
uint64_t rng(void);
void *raw_mmap(size_t size, int prot, int extra_flags);
void raw_munmap(void *p, size_t size);
void raw_mprotect(void *p, size_t size, int prot);
void *win_alloc(void *addr, size_t size, DWORD type, DWORD protect);
void win_release(void *p);
void win_protect(void *p, size_t size, DWORD protect, DWORD expect_old);
void measure_pair(struct pair *m, batch_fn raw, batch_fn win, void *ctx);
void alloc_raw(long iters, void *ctx);
void alloc_raw_noreserve(long iters, void *ctx);
void alloc_win(long iters, void *ctx);
void protect_raw(long iters, void *ctx);
void protect_win(long iters, void *ctx);
void commit_raw(long iters, void *ctx);
void commit_win(long iters, void *ctx);
void measure_query(struct query_result *res, struct query_hot *hot, int rounds, double *ns_per_alloc);
void neighbour_on(void);
void neighbour_off(void);
void measure_scaling(struct scaling *s);
void measure_faults(struct pair *guard, struct pair *av, int rounds);
bool measure_watch(struct pair *m, int rounds);
void watch_child_report(const struct pair *m);
bool measure_watch_fallback(struct pair *m);
void section_raw(long iters, void *ctx);
void section_win(long iters, void *ctx);
void measure_cow_query(struct cow_query *res, int rounds);
int pss_child_main(const char *name, size_t bytes);
bool measure_pss(struct pss_result *res);
void get_machine(struct machine *m);
void print_table(const struct results *r);
void write_json(FILE *f, const struct results *r);

#endif
