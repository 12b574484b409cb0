/* SPDX-License-Identifier: MIT */
/* bench_progs.c - rows 23-24: real programs under `winvm run` against wine64.
 *
 *   23  whole-process wall time, warm image cache, of Debian's yat2m.exe (a Texinfo page to a
 *       man page) and the equivalents of tests/images (equiv_kv: a journaled store's
 *       transaction, equiv_lua: a script with a C module DLL, equiv_bz: 1.5 MB compressed,
 *       omp: OpenMP through libgomp-1.dll); each against the same program under wine64 with a
 *       running wineserver.  Target: faster than Wine.
 *   24  Pss of one equiv_lua with its module DLL loaded, waiting (`os wait`), against wine64.
 *       Target: smaller than Wine.
 * Rows whose program is not built, and every wine64 column when wine64 is absent, are left out.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef WINVM_BENCH_CLI
static const char *cli = WINVM_BENCH_CLI, *images = WINVM_BENCH_IMAGES;
#else
static const char *cli = NULL, *images = NULL;
#endif

struct prog {
    const char *name, *exe, *args; /* exe: in images, or an absolute path */
    double winvm_ms, wine_ms;
    bool ran;
};

static struct prog progs[] = {
    {"yat2m", "/usr/x86_64-w64-mingw32/bin/yat2m.exe", "t.texi", 0, 0, false},
    {"equiv_kv", "equiv_kv.exe", "db put a 1 b 2 c 3", 0, 0, false},
    {"equiv_lua", "equiv_lua.exe", "script", 0, 0, false},
    {"equiv_bz", "equiv_bz.exe", "-z data", 0, 0, false},
    {"omp", "omp.exe", "", 0, 0, false},
};
#define NPROGS (sizeof(progs) / sizeof(progs[0]))

static struct {
    bool available, wine, pss_ran;
    double pss_kib, wine_pss_kib;
} P;
static char dir[64], cache[80];


static void exe_path(const struct prog *p, char *out, size_t cap)
{
    snprintf(out, cap, p->exe[0] == '/' ? "%s%s" : "%s/%s", p->exe[0] == '/' ? "" : images, p->exe);
}

/* `[runner] exe args` in dir through the shell, output to /dev/null; wall ms, -1 if it failed. */
static double time_once(const char *runner, const char *exe, const char *args)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "cd %s && %s %s %s >/dev/null 2>&1 </dev/null", dir, runner, exe, args);
    double t0 = now_ns();
    int st = system(cmd);
    double ms = (now_ns() - t0) / 1e6;
    return st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) > 1 ? -1 : ms; /* equiv_lua's script exits 1 */
}

/* Appends host_dir to a WINEPATH value in Windows' form (Z:\\ plus the path, ';' between). */
static void winepath_add(char *out, size_t cap, const char *host_dir)
{
    size_t n = strlen(out);
    if (n + strlen(host_dir) + 4 >= cap)
        return;
    n += (size_t)snprintf(out + n, cap - n, "%sZ:", n ? ";" : "");
    for (const char *c = host_dir; *c; c++)
        out[n++] = *c == '/' ? '\\' : *c;
    out[n] = 0;
}

/* wine64 with WINEPATH naming where Debian keeps the mingw runtime DLLs (libgomp-1.dll and
 * libgcc_s_seh-1.dll under gcc's posix directory, libwinpthread-1.dll), which winvm's DLL
 * search has built in and Wine does not: the OpenMP program needs them. */
static void wine_runner(char *out, size_t cap, const char *wine)
{
    char path[512] = "";
    glob_t g;
    if (glob("/usr/lib/gcc/x86_64-w64-mingw32/*-posix", 0, NULL, &g) == 0) {
        winepath_add(path, sizeof(path), g.gl_pathv[0]);
        globfree(&g);
    }
    winepath_add(path, sizeof(path), "/usr/x86_64-w64-mingw32/lib");
    snprintf(out, cap, "env WINEPATH='%s' %s", path, wine);
}

/* Median wall ms of p under winvm run and (when wine is set) wine64, in alternating order
 * (winvm, wine, wine, winvm, ...) so load from the rest of the machine falls on both alike.
 * A run that fails leaves that side -1; the first run of each warms its cache or wineserver. */
static void time_pair(struct prog *p, const char *winvm, const char *wine, const char *exe, int rounds)
{
    double v[2][32];
    const char *runner[2] = {winvm, wine};
    bool ok[2] = {time_once(winvm, exe, p->args) >= 0, wine && time_once(wine, exe, p->args) >= 0};
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < 2; k++) {
            int side = (k + r) % 2;
            if (ok[side])
                ok[side] = (v[side][r] = time_once(runner[side], exe, p->args)) >= 0;
        }
    p->winvm_ms = ok[0] ? median(v[0], rounds) : -1;
    p->wine_ms = ok[1] ? median(v[1], rounds) : -1;
}

static void write_inputs(void)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd),
             "cd %s && printf '\\\\input texinfo\\n@setfilename t.info\\n@manpage foo.1\\n@mansect description\\n"
             "@command{foo} frobnicates @emph{the} bar.\\n@mansect see also\\n@command{bar}(1)\\n@end\\n' > t.texi && "
             "printf 'x = 10/4\\nload equiv_mod\\ncall mul3 x\\npcall call fail 2\\nos date\\n' > script && "
             "head -c 1500000 /usr/lib/x86_64-linux-gnu/libc.so.6 > data && "
             "printf 'load equiv_mod\\nos wait\\n' > wait",
             dir);
    if (system(cmd) != 0)
        die("cannot write the inputs in %s", dir);
}

/* Starts `[runner] exe wait`, reads until "ready", takes its Pss (smaps_sum over all), ends it. */
static double waiting_pss(const char *runner, const char *exe)
{
    char cmd[800];
    snprintf(cmd, sizeof(cmd), "cd %s && exec %s %s wait", dir, runner, exe);
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
        die("pipe2: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0), dup2(out[1], 1);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    char buf[256];
    ssize_t got, all = 0;
    while ((got = read(out[0], buf + all, sizeof(buf) - 1 - (size_t)all)) > 0) {
        buf[all += got] = 0;
        if (strstr(buf, "ready"))
            break;
    }
    double pss = 0, rss = 0;
    if (strstr(buf, "ready"))
        smaps_sum(pid, 0, UINTPTR_MAX, &pss, &rss);
    close(in[1]), close(out[0]);
    waitpid(pid, NULL, 0);
    return pss;
}

void bench_progs_measure(void)
{
    if (!cli)
        return;
    snprintf(dir, sizeof(dir), "/tmp/winvm-bench-progs.%d", (int)getpid());
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "mkdir -p -m 700 %s", cache);
    if (system(cmd) != 0)
        die("cannot make %s", dir);
    setenv("WINVM_CACHE_DIR", cache, 1);
    write_inputs();
    const char *wine64 = quick || bench_no_wine ? NULL : bench_wine64(); /* --quick: CI, short */
    char runner[256], exe[512], wine_cmd[768];
    if (wine64) {
        bench_wine_server(wine64);
        wine_runner(wine_cmd, sizeof(wine_cmd), wine64);
    }
    const char *wine = wine64 ? wine_cmd : NULL;
    snprintf(runner, sizeof(runner), "%s run", cli);
    int rounds = 3; /* each run is a whole process, 12-200 ms: the median drops one slow start */
    progress("  23-24. real programs under winvm run%s...\n", wine ? " and wine64" : "");
    for (size_t i = 0; i < NPROGS; i++) {
        exe_path(&progs[i], exe, sizeof(exe));
        if (access(exe, R_OK) != 0)
            continue;
        time_pair(&progs[i], runner, wine, exe, rounds);
        progs[i].ran = progs[i].winvm_ms >= 0;
        P.available = P.available || progs[i].ran;
    }
    snprintf(exe, sizeof(exe), "%s/equiv_lua.exe", images);
    if (access(exe, R_OK) == 0) {
        P.pss_kib = waiting_pss(runner, exe);
        P.wine_pss_kib = wine ? waiting_pss(wine, exe) : 0;
        P.pss_ran = P.pss_kib > 0;
    }
    P.wine = wine != NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    unsetenv("WINVM_CACHE_DIR"); /* the rows after this one must not use a removed cache */
    if (system(cmd) != 0)
        progress("  could not remove %s\n", dir);
}

void bench_progs_table(void)
{
    if (!P.available)
        return;
    printf("\nreal programs (winvm run, warm cache; wine64 with its wineserver running):\n");
    for (size_t i = 0; i < NPROGS; i++) {
        if (!progs[i].ran)
            continue;
        printf("  23 %-9s %8.2f ms", progs[i].name, progs[i].winvm_ms);
        if (progs[i].wine_ms > 0)
            printf("; wine64 %8.2f ms (winvm/wine %.3fx)\n", progs[i].wine_ms, progs[i].winvm_ms / progs[i].wine_ms);
        else
            printf("; wine64 %s\n", P.wine ? "failed" : "not measured");
    }
    if (P.pss_ran) {
        printf("  24 equiv_lua waiting, module loaded: Pss %.0f KiB", P.pss_kib);
        if (P.wine && P.wine_pss_kib > 0)
            printf("; wine64 %.0f KiB (winvm/wine %.3fx)\n", P.wine_pss_kib, P.pss_kib / P.wine_pss_kib);
        else
            printf("; wine64 not measured\n");
    }
}

void bench_progs_json(FILE *f)
{
    for (size_t i = 0; i < NPROGS; i++) {
        if (!progs[i].ran)
            continue;
        char wine[32] = "null";
        if (progs[i].wine_ms > 0)
            snprintf(wine, sizeof(wine), "%.3f", progs[i].wine_ms);
        fprintf(f, "    {\"id\": \"prog_%s\", \"operation\": \"winvm run %s %s, warm cache, to exit\", \"unit\": \"ms\", "
                   "\"winvm\": %.3f, \"wine64\": %s, \"target\": \"faster than wine64 (when installed)\", \"pass\": %s},\n",
                progs[i].name, progs[i].exe, progs[i].args, progs[i].winvm_ms, wine,
                progs[i].wine_ms > 0 ? (progs[i].winvm_ms < progs[i].wine_ms ? "true" : "false") : "null");
    }
    if (P.pss_ran) {
        char wine[32] = "null";
        if (P.wine && P.wine_pss_kib > 0)
            snprintf(wine, sizeof(wine), "%.0f", P.wine_pss_kib);
        fprintf(f, "    {\"id\": \"prog_pss_lua\", \"operation\": \"equiv_lua with its module DLL, waiting: Pss\", "
                   "\"unit\": \"KiB\", \"winvm\": %.0f, \"wine64\": %s, \"target\": \"below wine64 (when installed)\", "
                   "\"pass\": %s},\n",
                P.pss_kib, wine, P.wine && P.wine_pss_kib > 0 ? (P.pss_kib < P.wine_pss_kib ? "true" : "false") : "null");
    }
}
