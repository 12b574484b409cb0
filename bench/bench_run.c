/* SPDX-License-Identifier: MIT */
/* bench_run.c - rows 16-17: whole programs under `winvm run`.
 *
 *   16  `winvm run hello.exe`, fork+exec to exit, image cache cold (emptied before each run)
 *       and warm; against a native ELF hello world (the floor any loader pays: fork, exec,
 *       dynamic linking of the loader itself) and against wine64 with a running wineserver
 *       when wine is installed.  Target: faster than Wine.
 *   17  8 concurrent instances of the demo app (examples/demo/app.exe, which waits on stdin):
 *       their total Pss, all mappings, against 8 wine instances when wine is installed.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_INSTANCES 8

static struct {
    bool available, wine;
    double cold_ms, warm_ms, native_ms, wine_ms;
    double pss_kib, pss_per_kib, wine_pss_kib;
} R;

#ifdef WINVM_BENCH_CLI
static const char *cli = WINVM_BENCH_CLI, *hello = WINVM_BENCH_HELLO, *demo_app = WINVM_BENCH_DEMO_APP;
#else
static const char *cli = NULL, *hello = NULL, *demo_app = NULL;
#endif

static char cache[64];

/* Runs argv to completion with stdout to /dev/null; the wall time in ms. */
static double run_ms(char *const argv[])
{
    double t0 = now_ns();
    pid_t p = fork();
    if (p < 0)
        die("fork: %s", strerror(errno));
    if (p == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
        die("%s did not run", argv[0]);
    return (now_ns() - t0) / 1e6;
}

static void clear_cache(void)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -m 700 %s", cache, cache);
    if (system(cmd) != 0)
        die("cannot reset %s", cache);
}

static const char *wine_path(void)
{
    static char found[256];
    if (access("/usr/lib/wine/wine64", X_OK) == 0) /* Debian's wine64 package */
        return "/usr/lib/wine/wine64";
    const char *path = getenv("PATH");
    for (const char *p = path; p && *p;) {
        const char *c = strchr(p, ':');
        int n = c ? (int)(c - p) : (int)strlen(p);
        snprintf(found, sizeof(found), "%.*s/wine64", n, p);
        if (access(found, X_OK) == 0)
            return found;
        p = c ? c + 1 : NULL;
    }
    return NULL;
}

/* Pss of a whole process, KiB (smaps_rollup). */
static double pss_of(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
    FILE *f = fopen(path, "r");
    double kib = 0;
    unsigned long v;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Pss: %lu kB", &v) == 1)
            kib = (double)v;
    if (f)
        fclose(f);
    return kib;
}

/* Starts n instances of argv that wait on stdin; their total Pss once all are ready. */
static double concurrent_pss(char *const argv[], int n)
{
    pid_t pid[RUN_INSTANCES];
    int to[RUN_INSTANCES];
    for (int i = 0; i < n; i++) {
        int in[2], out[2];
        if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
            die("pipe2: %s", strerror(errno));
        pid[i] = fork();
        if (pid[i] == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            execv(argv[0], argv);
            _exit(127);
        }
        close(in[0]), close(out[1]);
        to[i] = in[1];
        char buf[512];
        ssize_t got, all = 0;
        /* "ready" ends the demo app's output */
        while ((got = read(out[0], buf + all, sizeof(buf) - 1 - (size_t)all)) > 0) {
            all += got;
            buf[all] = 0;
            if (strstr(buf, "ready"))
                break;
        }
        close(out[0]);
    }
    double total = 0;
    for (int i = 0; i < n; i++)
        total += pss_of(pid[i]);
    for (int i = 0; i < n; i++) {
        close(to[i]);
        waitpid(pid[i], NULL, 0);
    }
    return total;
}

void bench_run_measure(void)
{
    if (!cli || access(hello, R_OK) != 0 || access(demo_app, R_OK) != 0) {
        progress("  16-17. no hello.exe or demo app (mingw-w64 missing?): left out\n");
        return;
    }
    R.available = true;
    snprintf(cache, sizeof(cache), "/tmp/winvm-bench-cache.%d", (int)getpid());
    setenv("WINVM_CACHE_DIR", cache, 1);
    int rounds = quick ? 3 : 5;
    double cold[64], warm[64], native[64];
    char *run[] = {(char *)cli, "run", (char *)hello, NULL};
    char *nat[] = {"/bin/echo", "hello, world", NULL};
    const char *wine = quick || bench_no_wine ? NULL : wine_path(); /* --quick: CI, short */
    char *w[] = {(char *)wine, (char *)hello, NULL};
    double wine_v[64];
    progress("  16. winvm run hello.exe, cold and warm image cache%s...\n", wine ? ", wine64" : "");
    if (wine) {
        bench_wine_server(wine);
        run_ms(w); /* the wineserver's first client starts its services */
    }
    /* One round: each runner once, in turn, so load falls on all of them alike. */
    for (int r = 0; r < rounds; r++) {
        clear_cache();
        cold[r] = run_ms(run);
        warm[r] = run_ms(run);
        native[r] = run_ms(nat);
        if (wine)
            wine_v[r] = run_ms(w);
    }
    R.cold_ms = median(cold, rounds);
    R.warm_ms = median(warm, rounds);
    R.native_ms = median(native, rounds);
    if (wine) {
        R.wine_ms = median(wine_v, rounds);
        R.wine = true;
    }
    progress("  17. %d concurrent instances of the demo app...\n", RUN_INSTANCES);
    char *app[] = {(char *)cli, "run", (char *)demo_app, NULL};
    R.pss_kib = concurrent_pss(app, RUN_INSTANCES);
    R.pss_per_kib = R.pss_kib / RUN_INSTANCES;
    if (wine) {
        char *wapp[] = {(char *)wine, (char *)demo_app, NULL};
        R.wine_pss_kib = concurrent_pss(wapp, RUN_INSTANCES);
    }
    clear_cache();
    rmdir(cache);
    unsetenv("WINVM_CACHE_DIR"); /* the rows after this one must not use a removed cache */
}

void bench_run_table(void)
{
    if (!R.available)
        return;
    printf("\nprograms (winvm run):\n");
    printf("  16 hello.exe, whole process: cold cache %.2f ms, warm %.2f ms; native /bin/echo %.2f ms; wine64 %s",
           R.cold_ms, R.warm_ms, R.native_ms, R.wine ? "" : "not measured\n");
    if (R.wine)
        printf("%.2f ms (warm ratio winvm/wine %.3fx)\n", R.wine_ms, R.warm_ms / R.wine_ms);
    printf("  17 %d concurrent demo apps: total Pss %.0f KiB (%.0f KiB each)", RUN_INSTANCES, R.pss_kib, R.pss_per_kib);
    if (R.wine)
        printf("; wine64: %.0f KiB\n", R.wine_pss_kib);
    else
        printf("; wine64 not measured\n");
}

void bench_run_json(FILE *f)
{
    if (!R.available)
        return;
    char wine_ms[32] = "null", wine_pss[32] = "null";
    if (R.wine) {
        snprintf(wine_ms, sizeof(wine_ms), "%.3f", R.wine_ms);
        snprintf(wine_pss, sizeof(wine_pss), "%.0f", R.wine_pss_kib);
    }
    fprintf(f, "    {\"id\": \"run_hello\", \"operation\": \"winvm run hello.exe, fork+exec to exit\", \"unit\": \"ms\", "
               "\"cold_cache\": %.3f, \"warm_cache\": %.3f, \"native_echo\": %.3f, \"wine64\": %s, "
               "\"target\": \"faster than wine64 (when installed)\", \"pass\": %s},\n",
            R.cold_ms, R.warm_ms, R.native_ms, wine_ms, R.wine ? (R.warm_ms < R.wine_ms ? "true" : "false") : "null");
    fprintf(f, "    {\"id\": \"run_pss_8\", \"operation\": \"8 concurrent instances of the demo app: total Pss\", "
               "\"unit\": \"KiB\", \"total_pss\": %.0f, \"per_instance\": %.0f, \"wine64_total_pss\": %s, "
               "\"target\": \"below wine64 (when installed)\", \"pass\": %s},\n",
            R.pss_kib, R.pss_per_kib, wine_pss, R.wine ? (R.pss_kib < R.wine_pss_kib ? "true" : "false") : "null");
}
