/* SPDX-License-Identifier: MIT */
/* bench_fault.c - rows 6-8: a guard-page hit and an access violation as exceptions, the
 * write watch. */
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

void measure_faults(struct pair *guard, struct pair *av, int rounds)
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

static char *watch_raw_base;
static void **watch_raw_list;
static volatile size_t watch_raw_count; /* changed by the handler, behind the compiler */
bool watch_child; /* --watch-fallback: this process is that child */

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
bool measure_watch(struct pair *m, int rounds)
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
void watch_child_report(const struct pair *m)
{
    printf("%.1f %.1f %d", m->raw_ns, m->win_ns, m->rounds);
    for (int r = 0; r < m->rounds; r++)
        printf(" %.6f", m->ratio[r]);
    printf("\n");
}

/* Row 8 on the fallback path, measured by a child: false if that failed. */
bool measure_watch_fallback(struct pair *m)
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
