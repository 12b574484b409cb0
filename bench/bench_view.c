/* SPDX-License-Identifier: MIT */
/* bench_view.c - rows 9-11: a pagefile section created and mapped, VirtualQuery on a
 * write-copy view, processes sharing one section (Pss). */
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
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- row 9: a 64 KiB pagefile section created, mapped, unmapped, closed ----
 *
 * winvm: CreateFileMappingA(INVALID_HANDLE_VALUE, PAGE_READWRITE, 64 KiB) +
 * MapViewOfFile(FILE_MAP_WRITE) + UnmapViewOfFile + CloseHandle.  Raw: what a pagefile section
 * is underneath: memfd_create + ftruncate + mmap(MAP_SHARED) + munmap + close. */

void section_raw(long iters, void *ctx)
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

void section_win(long iters, void *ctx)
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
 * page per region).  The raw column is one getrusage, the check that lets winvm skip the
 * page-map read (no fault since the last read: no new copy); one pread of the view's 1,000
 * pagemap entries, the floor of any method that reads them, is reported beside it. */



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

/* The floor of a query that skips the page-map read: the fault count it reads instead. */
static double cow_floor_pass(size_t count)
{
    struct rusage ru;
    double t0 = now_ns();
    for (size_t i = 0; i < count; i++)
        if (getrusage(RUSAGE_SELF, &ru) != 0)
            die("getrusage failed: %s", strerror(errno));
    return (now_ns() - t0) / (double)count;
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

void measure_cow_query(struct cow_query *res, int rounds)
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
    cow_floor_pass(count);
    res->rounds = rounds;
    double q0[MAX_ROUNDS], qr[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 5; k++) {
            int which = (k + r) % 5;
            if (which == 0)
                res->ns0[r] = cow_pass(v, zero, count);
            else if (which == 1)
                res->nsr[r] = cow_pass(v, any, count);
            else if (which == 2)
                res->nsp[r] = cow_pagemap_pass(fd, v, count);
            else if (which == 3)
                res->nsg[r] = cow_floor_pass(count);
            else
                res->nsf[r] = cow_fault_pass(v, count / 8);
        }
        q0[r] = res->ns0[r] / res->nsg[r];
        qr[r] = res->nsr[r] / res->nsg[r];
    }
    res->ns0_med = median(res->ns0, rounds);
    res->nsr_med = median(res->nsr, rounds);
    res->nsp_med = median(res->nsp, rounds);
    res->nsf_med = median(res->nsf, rounds);
    res->nsg_med = median(res->nsg, rounds);
    res->ratio0_med = median(q0, rounds);
    res->ratior_med = median(qr, rounds);
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



int pss_child_main(const char *name, size_t bytes)
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

bool measure_pss(struct pss_result *res)
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
