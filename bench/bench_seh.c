/* SPDX-License-Identifier: MIT */
/* bench_seh.c - rows 21-22: exceptions in PE programs under `winvm run`, timed inside the
 * programs (QueryPerformanceCounter), so process start is not in the figure.
 *
 *   21  a C++ exception thrown 10 frames down (a destructor in each) and caught: mingw-w64
 *       g++ (bench/seh_throw.cpp, statically linked libstdc++) under winvm, against the same
 *       source built by the host g++ on Linux (ratio reported).  Wine column left out: wine64
 *       not installed where this was written.
 *   22  __try/__except around a write to 0x10 (clang, MSVC target: bench/seh_av.c): the
 *       signal, the frame walk, __C_specific_handler and the unwind.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <stdlib.h>
#include <string.h>

static struct {
    bool throw_ok, av_ok;
    double throw_ns, native_ns, av_ns;
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
}

void bench_seh_table(void)
{
    if (!S.throw_ok && !S.av_ok)
        return;
    printf("\nexceptions in PE code (winvm run, timed inside the program):\n");
    if (S.throw_ok)
        printf("  21 C++ throw+catch, 10 frames: %.0f ns; Linux g++ %.0f ns (ratio winvm/linux %.2fx); wine64 not measured\n",
               S.throw_ns, S.native_ns, S.throw_ns / S.native_ns);
    if (S.av_ok)
        printf("  22 __try/__except of an access violation: %.0f ns; wine64 not measured\n", S.av_ns);
}

void bench_seh_json(FILE *f)
{
    if (S.throw_ok)
        fprintf(f, "    {\"id\": \"seh_cxx_throw_10\", \"operation\": \"C++ throw+catch through 10 frames (mingw g++, winvm run)\", "
                   "\"unit\": \"ns\", \"winvm\": %.1f, \"linux_gxx\": %.1f, \"ratio_to_linux\": %.3f, \"wine64\": null},\n",
                S.throw_ns, S.native_ns, S.throw_ns / S.native_ns);
    if (S.av_ok)
        fprintf(f, "    {\"id\": \"seh_av_except\", \"operation\": \"__try/__except of an access violation (clang, winvm run)\", "
                   "\"unit\": \"ns\", \"winvm\": %.1f, \"wine64\": null},\n",
                S.av_ns);
}
