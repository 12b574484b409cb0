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

double min_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

double max_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

uint64_t rng(void)
{
    /* xorshift64*: deterministic, so every run queries the same addresses. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

double row_seconds[BENCH_MAX_ROW + 1]; /* wall time each row took, for --rows choices */
bool row_timed[BENCH_MAX_ROW + 1];

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
        r->alloc_nb = (struct pair){.rounds = quick ? rounds : NB_ROUNDS, .iters = r->alloc.iters,
                                    .ops_per_iter = 1};
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
        r->commit_nb = (struct pair){.rounds = quick ? rounds : COMMIT_NB_ROUNDS, .iters = r->commit.iters,
                                     .ops_per_iter = 1};
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
        measure_faults(&r->guard_hit, &r->av_try, quick ? r->rounds : FAULT_ROUNDS);
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
    /* The rows that run wine64 follow the Wine column: the wineserver its runs started is
     * still up (it exits 3 s after its last client), and starting it again costs seconds. */
    static const struct {
        int first, last;
        void (*fn)(void);
    } groups[] = {{16, 17, bench_run_measure},  {23, 24, bench_progs_measure}, {12, 15, NULL},
                  {25, 25, bench_pe_alloc_measure}, {21, 22, bench_seh_measure},
                  {18, 20, bench_nt_run},       {26, 28, bench_scale_run}};
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (bench_rows_any(groups[i].first, groups[i].last)) {
            timer_start();
            if (groups[i].fn)
                groups[i].fn();
            else
                bench_images_run(self); /* rows 12-15 need the path of this program */
            timer_stop(groups[i].first);
        }
}

static bool all_pass_1_11(struct results *r)
{
    r->pass_alloc = r->alloc.ratio_med <= TARGET_RATIO;
    r->pass_protect = r->protect.ratio_med <= TARGET_RATIO;
    r->pass_commit = r->commit.ratio_med <= TARGET_COMMIT;
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
    /* Row 8 is info: its target is row 28's (<= 1.05x of the raw kernel mechanism). */
    r->pass_section = r->section.ratio_med <= TARGET_SECTION;
    r->pass_cow0 = r->cow.ratio0_med <= TARGET_COW_QUERY_RATIO;
    r->pass_cowr = r->cow.ratior_med <= TARGET_COW_QUERY_RATIO;
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
