/* SPDX-License-Identifier: MIT */
/* bench_procmem.c - winvm-bench-procmem: memory of another process (docs/processes.md).
 *
 *   VirtualAllocEx + VirtualFreeEx of 64 KiB reserve+commit RW in another winvm process (the
 *   demo's app.exe under `winvm run`, waiting on its stdin), against VirtualAlloc + VirtualFree
 *   of the same in this process: the cost of the control channel (a request and a reply over
 *   an AF_UNIX socket, served by the target's own memory manager).  Reported, no target.
 *   ReadProcessMemory of 4 KiB and 1 MiB of that process against process_vm_readv of the same
 *   bytes: targets <= 1.5x and <= 1.1x.
 * Rounds alternate the two sides; ratios are medians of per-round ratios, as in bench.c.
 * Usage: winvm-bench-procmem [--quick]; exit 2 when a target is missed, 1 when a call fails.
 */
#define _GNU_SOURCE
#include "winvm.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 21

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    return v[n / 2];
}

static HANDLE target;
static pid_t target_pid;
static char *remote_buf, *local_buf;
static size_t copy_len;

static void die(const char *what)
{
    fprintf(stderr, "winvm-bench-procmem: %s failed (error %u)\n", what, GetLastError());
    exit(1);
}

static void alloc_remote(long n)
{
    for (long i = 0; i < n; i++) {
        void *p = VirtualAllocEx(target, NULL, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!p || !VirtualFreeEx(target, p, 0, MEM_RELEASE))
            die("VirtualAllocEx/VirtualFreeEx");
    }
}

static void alloc_local(long n)
{
    for (long i = 0; i < n; i++) {
        void *p = VirtualAlloc(NULL, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!p || !VirtualFree(p, 0, MEM_RELEASE))
            die("VirtualAlloc/VirtualFree");
    }
}

static void read_win(long n)
{
    for (long i = 0; i < n; i++)
        if (!ReadProcessMemory(target, remote_buf, local_buf, copy_len, NULL))
            die("ReadProcessMemory");
}

static void read_raw(long n)
{
    for (long i = 0; i < n; i++) {
        struct iovec l = {local_buf, copy_len}, r = {remote_buf, copy_len};
        if (process_vm_readv(target_pid, &l, 1, &r, 1, 0) != (ssize_t)copy_len)
            die("process_vm_readv");
    }
}

/* The median per-round ratio of a over b (and their ns per iteration). */
static double measure(void (*a)(long), void (*b)(long), long iters, int rounds, double *a_ns, double *b_ns)
{
    double ra[ROUNDS], rb[ROUNDS], q[ROUNDS];
    a(iters / 10 + 1), b(iters / 10 + 1);
    for (int k = 0; k < rounds; k++) {
        double t0 = now_ns();
        (k & 1 ? b : a)(iters);
        double t1 = now_ns();
        (k & 1 ? a : b)(iters);
        double t2 = now_ns();
        ra[k] = ((k & 1) ? t2 - t1 : t1 - t0) / iters;
        rb[k] = ((k & 1) ? t1 - t0 : t2 - t1) / iters;
        q[k] = ra[k] / rb[k];
    }
    *a_ns = median(ra, rounds), *b_ns = median(rb, rounds);
    return median(q, rounds);
}

/* Starts the target with a pipe as its stdin (it ends when the pipe closes). */
static int start_target(void)
{
    int in[2];
    if (pipe(in) != 0)
        return -1;
    target_pid = fork();
    if (target_pid == 0) {
        dup2(in[0], 0);
        close(in[1]); /* the target ends when ours closes */
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(WINVM_BENCH_CLI, "winvm", "run", WINVM_BENCH_DEMO_APP, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    return in[1];
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && !strcmp(argv[1], "--quick");
    int rounds = quick ? 3 : ROUNDS, keep = start_target();
    if (keep < 0 || target_pid < 0)
        die("starting the target");
    /* the target's channel is up once an allocation goes through */
    for (int i = 0; i < 5000 && !target; i++) {
        target = OpenProcess(PROCESS_ALL_ACCESS, FALSE, (DWORD)target_pid);
        void *p = target ? VirtualAllocEx(target, NULL, 4096, MEM_COMMIT, PAGE_READWRITE) : NULL;
        if (!p && target)
            CloseHandle(target), target = NULL;
        if (!p)
            usleep(1000);
    }
    if (!target)
        die("OpenProcess + VirtualAllocEx of the target");
    remote_buf = VirtualAllocEx(target, NULL, 1 << 20, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    local_buf = malloc(1 << 20);
    if (!remote_buf || !local_buf)
        die("the copy buffers");
    memset(local_buf, 1, 1 << 20);
    if (!WriteProcessMemory(target, remote_buf, local_buf, 1 << 20, NULL))
        die("WriteProcessMemory");
    double a, b, r_alloc, r4, r1m;
    r_alloc = measure(alloc_remote, alloc_local, quick ? 200 : 2000, rounds, &a, &b);
    printf("%-44s %10.0f ns %10.0f ns  ratio %6.2fx (reported)\n", "VirtualAllocEx+FreeEx 64K other / local", a, b,
           r_alloc);
    copy_len = 4096;
    r4 = measure(read_win, read_raw, quick ? 2000 : 50000, rounds, &a, &b);
    printf("%-44s %10.0f ns %10.0f ns  ratio %6.2fx (target <= 1.5x)\n", "ReadProcessMemory 4K / process_vm_readv", a,
           b, r4);
    copy_len = 1 << 20;
    r1m = measure(read_win, read_raw, quick ? 20 : 300, rounds, &a, &b);
    printf("%-44s %10.0f ns %10.0f ns  ratio %6.2fx (target <= 1.1x)\n", "ReadProcessMemory 1M / process_vm_readv", a,
           b, r1m);
    close(keep);
    waitpid(target_pid, NULL, 0);
    return !quick && (r4 > 1.5 || r1m > 1.1) ? 2 : 0;
}
