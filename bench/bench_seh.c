/* SPDX-License-Identifier: MIT */
/* bench_seh.c - rows 21-22: exceptions in PE programs under `winvm run`, timed inside the
 * programs (QueryPerformanceCounter), so process start is not in the figure.
 *
 *   21  a C++ exception thrown 10 frames down (a destructor in each) and caught: mingw-w64
 *       g++ (bench/seh_throw.cpp, statically linked libstdc++) under winvm, against the same
 *       source built by the host g++ on Linux (ratio reported).
 *   22  __try/__except around a write to 0x10 (clang, MSVC target: bench/seh_av.c): the
 *       signal, the frame walk, __C_specific_handler and the unwind.
 *
 * Wine column (wine64 installed, not --quick or --no-wine): each program runs under `winvm run`
 * and under wine64 in alternating pairs (winvm first, then wine first, ...), every run timing
 * itself; the ratio is the median over pairs of winvm/Wine.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <stdlib.h>
#include <string.h>

#define WINE_PAIRS 3

static struct {
    bool throw_ok, av_ok;
    double throw_ns, native_ns, av_ns;
    double wine_throw_ns, wine_av_ns;       /* medians; 0: not measured */
    double throw_wine_ratio, av_wine_ratio; /* medians of the per-pair ratios; 0: not measured */
} S;

/* Runs cmd and reads "<key> N" from its output; -1 when it did not say. */
static double read_figure(const char *cmd, const char *key)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[256];
    double v = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof(line), p))
        if (!strncmp(line, key, n) && line[n] == ' ')
            v = atof(line + n + 1);
    if (pclose(p) != 0)
        return -1;
    return v;
}

/* The program pe (with args) under winvm run and under wine64 in WINE_PAIRS alternating pairs:
 * *winvm_ns and *wine_ns the medians of "key N", the return the median ratio; 0 on a failure. */
static double wine_pairs(const char *wine64, const char *pe, const char *args, const char *key, double *winvm_ns,
                         double *wine_ns)
{
    char on_winvm[1024], on_wine[1024];
    double a[WINE_PAIRS], b[WINE_PAIRS], r[WINE_PAIRS];
    snprintf(on_winvm, sizeof(on_winvm), "'%s' run '%s' %s", WINVM_BENCH_CLI, pe, args);
    snprintf(on_wine, sizeof(on_wine), "WINEDEBUG=-all '%s' '%s' %s 2>/dev/null </dev/null", wine64, pe, args);
    for (int i = 0; i < WINE_PAIRS; i++) {
        bool winvm_first = !(i & 1);
        double x = winvm_first ? read_figure(on_winvm, key) : read_figure(on_wine, key);
        double y = winvm_first ? read_figure(on_wine, key) : read_figure(on_winvm, key);
        a[i] = winvm_first ? x : y, b[i] = winvm_first ? y : x;
        if (a[i] <= 0 || b[i] <= 0)
            return 0;
        r[i] = a[i] / b[i];
    }
    *winvm_ns = median(a, WINE_PAIRS), *wine_ns = median(b, WINE_PAIRS);
    return median(r, WINE_PAIRS);
}

static void measure_on_wine(void)
{
#if defined(WINVM_BENCH_CLI) && defined(WINVM_BENCH_SEH_THROW) && defined(WINVM_BENCH_SEH_AV)
    const char *wine64 = bench_wine64();
    if (quick || bench_no_wine || !wine64)
        return;
    progress("  21-22. the same programs under winvm run and wine64, %d pairs...\n", WINE_PAIRS);
    bench_wine_server(wine64);
    double winvm_ns;
    if (S.throw_ok)
        S.throw_wine_ratio = wine_pairs(wine64, WINVM_BENCH_SEH_THROW, "2000", "ns_per_throw", &winvm_ns,
                                        &S.wine_throw_ns);
    if (S.av_ok)
        S.av_wine_ratio = wine_pairs(wine64, WINVM_BENCH_SEH_AV, "", "ns_per_av", &winvm_ns, &S.wine_av_ns);
#endif
}

void bench_seh_measure(void)
{
#if defined(WINVM_BENCH_CLI) && defined(WINVM_BENCH_SEH_THROW)
    char cmd[1024];
    const char *iters = quick ? "2000" : "5000"; /* 5 batches of it: ~0.5 s quiet */
    progress("  21. C++ throw+catch through 10 frames (winvm run, host g++)...\n");
    snprintf(cmd, sizeof(cmd), "'%s' run '%s' %s", WINVM_BENCH_CLI, WINVM_BENCH_SEH_THROW, iters);
    S.throw_ns = read_figure(cmd, "ns_per_throw");
    snprintf(cmd, sizeof(cmd), "'%s' %s", WINVM_BENCH_SEH_THROW_NATIVE, iters);
    S.native_ns = read_figure(cmd, "ns_per_throw");
    S.throw_ok = S.throw_ns > 0 && S.native_ns > 0;
#endif
#if defined(WINVM_BENCH_CLI) && defined(WINVM_BENCH_SEH_AV)
    char av[1024];
    progress("  22. __try/__except of an access violation (winvm run)...\n");
    snprintf(av, sizeof(av), "'%s' run '%s'", WINVM_BENCH_CLI, WINVM_BENCH_SEH_AV);
    S.av_ns = read_figure(av, "ns_per_av");
    S.av_ok = S.av_ns > 0;
#endif
    measure_on_wine();
}

/* "; wine64 N ns (winvm/wine R, target < 1.00 PASS)" or "; wine64 not measured". */
static void print_wine(double ratio, double wine_ns)
{
    if (ratio > 0)
        printf("; wine64 %.0f ns (winvm/wine %.3fx in %d alternating pairs, target < 1.00x %s)\n", wine_ns, ratio,
               WINE_PAIRS, ratio < 1.0 ? "PASS" : "FAIL");
    else
        printf("; wine64 not measured\n");
}

void bench_seh_table(void)
{
    if (!S.throw_ok && !S.av_ok)
        return;
    printf("\nexceptions in PE code (winvm run, timed inside the program):\n");
    if (S.throw_ok) {
        printf("  21 C++ throw+catch, 10 frames: %.0f ns; Linux g++ %.0f ns (ratio winvm/linux %.2fx)", S.throw_ns,
               S.native_ns, S.throw_ns / S.native_ns);
        print_wine(S.throw_wine_ratio, S.wine_throw_ns);
    }
    if (S.av_ok) {
        printf("  22 __try/__except of an access violation: %.0f ns", S.av_ns);
        print_wine(S.av_wine_ratio, S.wine_av_ns);
    }
}

/* The row's Wine fields and its end: nulls when not measured. */
static void json_wine(FILE *f, double ratio, double wine_ns)
{
    if (ratio > 0)
        fprintf(f, "\"wine64\": %.1f, \"wine_ratio\": %.4f, \"wine_pairs\": %d, \"target\": \"wine_ratio < 1.0\", "
                   "\"pass\": %s},\n",
                wine_ns, ratio, WINE_PAIRS, ratio < 1.0 ? "true" : "false");
    else
        fprintf(f, "\"wine64\": null, \"wine_ratio\": null},\n");
}

void bench_seh_json(FILE *f)
{
    if (S.throw_ok) {
        fprintf(f, "    {\"id\": \"seh_cxx_throw_10\", \"operation\": \"C++ throw+catch through 10 frames (mingw g++, winvm run)\", "
                   "\"unit\": \"ns\", \"winvm\": %.1f, \"linux_gxx\": %.1f, \"ratio_to_linux\": %.3f, ",
                S.throw_ns, S.native_ns, S.throw_ns / S.native_ns);
        json_wine(f, S.throw_wine_ratio, S.wine_throw_ns);
    }
    if (S.av_ok) {
        fprintf(f, "    {\"id\": \"seh_av_except\", \"operation\": \"__try/__except of an access violation (clang, winvm run)\", "
                   "\"unit\": \"ns\", \"winvm\": %.1f, ",
                S.av_ns);
        json_wine(f, S.av_wine_ratio, S.wine_av_ns);
    }
}
