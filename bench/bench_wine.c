/* SPDX-License-Identifier: MIT */
/* bench_wine.c - the Wine column of the memory rows, and row 25.
 *
 * Wine column: bench/wine_mem.c, built with mingw-w64, runs the memory rows' operations and
 * times its own loops (QueryPerformanceCounter).  The bench runs it under `winvm run` and under
 * wine64 in alternating order (winvm, wine, wine, winvm, ...), takes the per-pair ratio
 * winvm/Wine for each operation and reports the median over pairs.  Wine is optional: without
 * wine64 (or with --no-wine, or in --quick) every Wine figure is null.  The wineserver started by
 * the first wine64 run stays (its own default), and its start is outside the timed loops.
 *
 * Row 25: the same 64 KiB alloc+free loop from the PE program under `winvm run` (through
 * kernel32's ms_abi thunks) and from C linked to libwinvm, in alternating order; the
 * ratio PE/C says what running as a Windows program adds to a memory call.
 */
#define _GNU_SOURCE
#include "winvm.h"
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_OPS 16
#define MAX_PAIRS 16

bool bench_no_wine;

#if defined(WINVM_BENCH_CLI) && defined(WINVM_BENCH_WINE_MEM)
static const char *cli = WINVM_BENCH_CLI, *pe = WINVM_BENCH_WINE_MEM;
#else
static const char *cli = NULL, *pe = NULL;
#endif

/* Each memory row and the PE program's operations that stand for it (bench/wine_mem.c). */
static const struct {
    int row;
    const char *id;
} ops[] = {
    {1, "alloc_free_64k"},         {1, "alloc_touch_free_64k"}, {2, "protect_1page"},
    {3, "virtual_query_10"},       {4, "reserve_1g_commit_1000"}, {6, "guard_page_hit"},
    {8, "write_watch_10000"},      {9, "section_create_map_64k"},
    {3, "virtual_query_100000"}, /* last: what a failure leaves allocated stays */
};
#define NOPS (int)(sizeof(ops) / sizeof(ops[0]))

static struct {
    bool ran[NOPS], winvm_failed[NOPS], wine_failed[NOPS]; /* failed: in any pair */
    double winvm[NOPS][MAX_PAIRS], wine[NOPS][MAX_PAIRS], ratio[NOPS][MAX_PAIRS];
    double winvm_ns[NOPS], wine_ns[NOPS], ratio_med[NOPS];
    int pairs;
    const char *path; /* wine64; NULL: not measured */
    bool run_failed;  /* wine_mem.exe itself failed (not one call in it) */
} W;

const char *bench_wine64(void)
{
    if (access("/usr/lib/wine/wine64", X_OK) == 0) /* Debian's wine64 package */
        return "/usr/lib/wine/wine64";
    return access("/usr/bin/wine64", X_OK) == 0 ? "/usr/bin/wine64" : NULL;
}

/* Starts a wineserver that stays up 10 s after its last client (`wineserver -p10`, beside
 * wine64), unless one runs already (that one keeps its own setting).  Started by wine64 itself,
 * the server went down within ~3 s of its last client, and the next wine64 run, after a `winvm
 * run` of the other side, started it again with its services: 1-2 s on a quiet machine, up to
 * 10 s on a loaded one, outside the timed loops but in the bench's time.  It ends by itself. */
void bench_wine_server(const char *wine64)
{
    char cmd[600];
    const char *slash = strrchr(wine64, '/');
    int dir = slash ? (int)(slash - wine64 + 1) : 0;
    static const char *const names[] = {"wineserver64", "wineserver"};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof(cmd), "%.*s%s", dir, wine64, names[i]);
        if (access(cmd, X_OK) != 0)
            continue;
        snprintf(cmd, sizeof(cmd), "'%.*s%s' -p10 >/dev/null 2>&1", dir, wine64, names[i]);
        if (system(cmd) == -1)
            progress("  could not start the wineserver: wine64 will start its own\n");
        return;
    }
}

/* Runs `runner pe [-q] args`, reads "<id> <ns>" lines into ns[] by op index; false on failure. */
static bool run_pe(const char *runner, const char *args, double *ns)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "WINEDEBUG=-all '%s'%s '%s' %s%s 2>/dev/null </dev/null", runner,
             runner == cli ? " run" : "", pe, quick ? "-q " : "", args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return false;
    char line[256], id[64];
    double v;
    int got = 0;
    while (fgets(line, sizeof(line), p))
        if (sscanf(line, "%63s %lf", id, &v) == 2)
            for (int i = 0; i < NOPS; i++)
                if (!strcmp(ops[i].id, id))
                    ns[i] = v, got++;
    return pclose(p) == 0 && got > 0;
}

static bool asked(int i) { return bench_row_on(ops[i].row); }

/* An operation runs in a pair while it is asked for and has failed on neither side: a failure
 * (Wine refusing 100,000 live reservations) is what the machine says every time, its cell stays
 * empty whatever the later pairs do, and redoing it cost 6 of the column's 26 s. */
static bool wanted(int i) { return asked(i) && !W.winvm_failed[i] && !W.wine_failed[i]; }

/* The wanted operations as arguments; false when there is none. */
static bool chosen_ops(char *args, size_t cap)
{
    args[0] = 0;
    for (int i = 0; i < NOPS; i++)
        if (wanted(i)) {
            strncat(args, ops[i].id, cap - strlen(args) - 2);
            strcat(args, " ");
        }
    return args[0] != 0;
}

void bench_wine_measure(void)
{
    char args[1024];
    W.path = quick || bench_no_wine ? NULL : bench_wine64();
    if (!W.path || !pe || access(pe, R_OK) != 0 || !chosen_ops(args, sizeof(args)))
        return;
    W.pairs = 3;
    bench_wine_server(W.path);
    progress("  Wine column: bench/wine_mem.c under winvm run and wine64, %d pairs...\n", W.pairs);
    double a[NOPS], b[NOPS];
    for (int k = 0; k < W.pairs && (k == 0 || chosen_ops(args, sizeof(args))); k++) {
        bool want[NOPS];
        for (int i = 0; i < NOPS; i++)
            a[i] = b[i] = NAN, want[i] = wanted(i);
        bool first_winvm = k % 2 == 0, ok;
        ok = run_pe(first_winvm ? cli : W.path, args, first_winvm ? a : b);
        ok = run_pe(first_winvm ? W.path : cli, args, first_winvm ? b : a) && ok;
        if (!ok) { /* Wine is optional: its column is left null, the run goes on */
            progress("  wine_mem.exe failed (run by hand: %s run %s; %s %s): no Wine column\n",
                     cli, pe, W.path, pe);
            memset(W.ran, 0, sizeof(W.ran));
            W.run_failed = true;
            return;
        }
        for (int i = 0; i < NOPS; i++) {
            W.winvm_failed[i] = W.winvm_failed[i] || (want[i] && isnan(a[i]));
            W.wine_failed[i] = W.wine_failed[i] || (want[i] && isnan(b[i]));
            W.ran[i] = wanted(i);
            W.winvm[i][k] = a[i], W.wine[i][k] = b[i], W.ratio[i][k] = a[i] / b[i];
        }
    }
    for (int i = 0; i < NOPS; i++)
        if (W.ran[i]) {
            W.winvm_ns[i] = median(W.winvm[i], W.pairs);
            W.wine_ns[i] = median(W.wine[i], W.pairs);
            W.ratio_med[i] = median(W.ratio[i], W.pairs);
        }
}

double bench_wine_ratio(const char *id)
{
    for (int i = 0; i < NOPS; i++)
        if (W.ran[i] && !strcmp(ops[i].id, id))
            return W.ratio_med[i];
    return NAN;
}

void bench_wine_table(void)
{
    bool any = false;
    for (int i = 0; i < NOPS; i++)
        any = any || W.ran[i] || W.winvm_failed[i] || W.wine_failed[i];
    if (!any) {
        printf("\nWine column: %s\n", quick            ? "not measured in --quick"
                                      : bench_no_wine  ? "not measured (--no-wine)"
                                      : !bench_wine64() ? "wine64 not installed"
                                      : W.run_failed   ? "wine_mem.exe failed (see stderr)"
                                                        : "no PE program (mingw-w64 missing?)");
        return;
    }
    printf("\nthe memory rows in one PE program (bench/wine_mem.c), winvm run vs wine64, "
           "median of %d alternating pairs:\n", W.pairs);
    printf("  %-3s %-26s %12s %12s %9s %8s\n", "row", "operation", "winvm ns", "wine64 ns", "ratio",
           "target");
    for (int i = 0; i < NOPS; i++)
        if (W.ran[i])
            printf("  %-3d %-26s %12.1f %12.1f %8.3fx %8s  %s\n", ops[i].row, ops[i].id,
                   W.winvm_ns[i], W.wine_ns[i], W.ratio_med[i], "< 1.00x",
                   W.ratio_med[i] < 1.0 ? "PASS" : "FAIL");
        else if (W.winvm_failed[i] || W.wine_failed[i])
            printf("  %-3d %-26s a call failed under%s%s (run wine_mem.exe %s by hand)\n",
                   ops[i].row, ops[i].id, W.winvm_failed[i] ? " winvm run" : "",
                   W.wine_failed[i] ? " wine64" : "", ops[i].id);
}

void bench_wine_json(FILE *f)
{
    bool any = false;
    for (int i = 0; i < NOPS; i++)
        any = any || W.ran[i] || W.winvm_failed[i] || W.wine_failed[i];
    if (!any)
        return;
    fprintf(f, "    {\"id\": \"wine_pe_memory\", \"operation\": \"the memory rows' operations in one "
               "PE program (bench/wine_mem.c), winvm run vs wine64, timed inside the program\", "
               "\"unit\": \"ns per op\", \"pairs\": %d, \"target\": \"ratio < 1.0\", \"points\": [",
            W.pairs);
    const char *sep = "";
    for (int i = 0; i < NOPS; i++)
        if (W.ran[i]) {
            fprintf(f, "%s{\"op\": \"%s\", \"row\": %d, \"winvm_ns\": %.1f, \"wine_ns\": %.1f, "
                       "\"ratio\": %.4f}", sep, ops[i].id, ops[i].row, W.winvm_ns[i], W.wine_ns[i],
                    W.ratio_med[i]);
            sep = ", ";
        } else if (W.winvm_failed[i] || W.wine_failed[i]) {
            fprintf(f, "%s{\"op\": \"%s\", \"row\": %d, \"failed_under\": \"%s\"}", sep,
                    ops[i].id, ops[i].row, W.winvm_failed[i] ? "winvm" : "wine64");
            sep = ", ";
        }
    fprintf(f, "]},\n");
}

/* ---- row 25: the alloc loop from a PE program and from C ---- */

#define PE_ALLOC_ITERS 5000 /* as wine_mem.c's */
#define PE_ALLOC_ROUNDS 3 /* as wine_mem.c's ROUNDS */

static struct {
    bool ran;
    int pairs;
    double pe[MAX_PAIRS], c[MAX_PAIRS], ratio[MAX_PAIRS];
    double pe_ns, c_ns, ratio_med;
} A;

static void c_alloc_loop(long iters)
{
    for (long i = 0; i < iters; i++) {
        void *p = VirtualAlloc(NULL, 64 * 1024, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!p || !VirtualFree(p, 0, MEM_RELEASE))
            die("row 25: VirtualAlloc/VirtualFree failed: error %u", GetLastError());
    }
}

/* wine_mem.c's method in C: median of ns per op over rounds, after a warm-up batch. */
static double c_alloc_ns(void)
{
    long iters = quick ? PE_ALLOC_ITERS / 10 : PE_ALLOC_ITERS;
    double v[PE_ALLOC_ROUNDS];
    c_alloc_loop(iters / 4);
    for (int r = 0; r < PE_ALLOC_ROUNDS; r++) {
        double t0 = now_ns();
        c_alloc_loop(iters);
        v[r] = (now_ns() - t0) / (double)iters;
    }
    return median(v, PE_ALLOC_ROUNDS);
}

void bench_pe_alloc_measure(void)
{
    if (!pe || access(pe, R_OK) != 0) {
        progress("  25. no wine_mem.exe (mingw-w64 missing?): left out\n");
        return;
    }
    A.pairs = quick ? 2 : 5;
    progress("  25. 64 KiB alloc+free loop: PE program under winvm run vs C, %d pairs...\n", A.pairs);
    double ns[NOPS];
    for (int k = 0; k < A.pairs; k++) {
        ns[0] = NAN; /* ops[0] is alloc_free_64k */
        if (k % 2)
            A.c[k] = c_alloc_ns();
        if (!run_pe(cli, "alloc_free_64k", ns) || isnan(ns[0]))
            die("row 25: wine_mem.exe failed under winvm run");
        A.pe[k] = ns[0];
        if (k % 2 == 0)
            A.c[k] = c_alloc_ns();
        A.ratio[k] = A.pe[k] / A.c[k];
    }
    A.pe_ns = median(A.pe, A.pairs);
    A.c_ns = median(A.c, A.pairs);
    A.ratio_med = median(A.ratio, A.pairs);
    A.ran = true;
}

void bench_pe_alloc_table(void)
{
    if (A.ran)
        printf("  25 64 KiB alloc+free: PE program (winvm run) %.0f ns, C %.0f ns: ratio %.3fx "
               "(median of %d pairs)\n", A.pe_ns, A.c_ns, A.ratio_med, A.pairs);
}

void bench_pe_alloc_json(FILE *f)
{
    if (A.ran)
        fprintf(f, "    {\"id\": \"pe_alloc_vs_c\", \"operation\": \"64 KiB VirtualAlloc+VirtualFree "
                   "loop from a PE program under winvm run vs from C linked to libwinvm\", \"unit\": "
                   "\"ns per alloc+free pair\", \"raw_ns\": %.1f, \"winvm_ns\": %.1f, \"ratio\": %.4f, "
                   "\"ratio_q1\": %.4f, \"ratio_q3\": %.4f, \"rounds\": %d, \"target\": \"info\"},\n",
                A.c_ns, A.pe_ns, A.ratio_med, bench_quartile(A.ratio, A.pairs, 1),
                bench_quartile(A.ratio, A.pairs, 3), A.pairs);
}
