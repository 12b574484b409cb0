/* SPDX-License-Identifier: MIT */
/* test_threads.c - thread safety.
 *
 *  - four threads run thousands of independent reserve/commit/write/protect/query/decommit/
 *    release cycles on their own allocations, checking every result (and, now and then, the
 *    kernel's protection); afterwards no mapping is left behind;
 *  - threads query an allocation while another thread protects pages in it: every answer is
 *    one of the two protections, with the exact region, never a torn state;
 *  - an address-space walk runs while other threads allocate and free.
 * Threads record their first failure; the main thread asserts (Criterion asserts belong there).
 */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 4

struct result {
    int failed;
    char msg[768];
};

#define TCHK(res, cond, ...)                                                               \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            if (!(res)->failed) {                                                          \
                (res)->failed = __LINE__;                                                  \
                snprintf((res)->msg, sizeof((res)->msg), __VA_ARGS__);                     \
            }                                                                              \
            return NULL;                                                                   \
        }                                                                                  \
    } while (0)

static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Kernel protection of addr (1 r, 2 w, 4 x; -1 unmapped) without Criterion or stdio. */
static int kernel_prot(uintptr_t addr, char *buf, size_t bufsize)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -2;
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, bufsize - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    buf[n] = 0;
    for (char *p = buf; *p;) {
        char *q;
        uintptr_t s = strtoull(p, &q, 16), e = strtoull(q + 1, &q, 16);
        if (addr >= s && addr < e)
            return (q[1] == 'r') | (q[2] == 'w') << 1 | (q[3] == 'x') << 2;
        char *nl = strchr(q, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    return -1;
}

static size_t maps_lines(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* ---- 1. independent cycles ---- */

struct cycle_arg {
    int id;
    int cycles;
    struct result res;
};

static void *cycle_thread(void *p)
{
    struct cycle_arg *arg = p;
    struct result *res = &arg->res;
    uint64_t rs = 0x9E3779B97F4A7C15ull * (uint64_t)(arg->id + 1);
    size_t bufsize = 1 << 20;
    char *mapsbuf = malloc(bufsize);
    TCHK(res, mapsbuf, "malloc");
    for (int c = 0; c < arg->cycles; c++) {
        size_t npages = 2 + next_rand(&rs) % 31;
        size_t size = npages * PAGE;
        DWORD type = MEM_RESERVE;
        if (next_rand(&rs) % 4 == 0)
            type |= MEM_TOP_DOWN;
        char *b = VirtualAlloc(NULL, size, type, PAGE_READWRITE);
        TCHK(res, b, "thread %d cycle %d: reserve %#zx failed: %u", arg->id, c, size, GetLastError());
        TCHK(res, ((uintptr_t)b & (GRAN - 1)) == 0, "unaligned %p", (void *)b);

        MEMORY_BASIC_INFORMATION m;
        TCHK(res, VirtualQuery(b, &m, sizeof(m)) == sizeof(m), "query failed");
        TCHK(res, m.State == MEM_RESERVE && m.RegionSize == size && m.AllocationBase == b &&
                      m.Protect == 0 && m.Type == MEM_PRIVATE,
             "thread %d cycle %d: fresh reserve %p: State %#x Size %#zx AllocBase %p", arg->id, c,
             (void *)b, m.State, (size_t)m.RegionSize, m.AllocationBase);

        /* Commit [i, i+n) and fill it with this thread's pattern. */
        size_t i = next_rand(&rs) % (npages - 1), n = 1 + next_rand(&rs) % (npages - i);
        char *cp = b + i * PAGE;
        TCHK(res, VirtualAlloc(cp, n * PAGE, MEM_COMMIT, PAGE_READWRITE) == cp, "commit failed: %u",
             GetLastError());
        unsigned char pat = (unsigned char)(arg->id * 16 + c % 16 + 1);
        for (size_t k = 0; k < n; k++) {
            TCHK(res, cp[k * PAGE] == 0 && cp[k * PAGE + PAGE - 1] == 0,
                 "thread %d cycle %d: fresh commit not zero", arg->id, c);
            memset(cp + k * PAGE, pat, PAGE);
        }
        TCHK(res, VirtualQuery(cp + 1, &m, sizeof(m)) == sizeof(m), "query failed");
        TCHK(res, m.State == MEM_COMMIT && m.Protect == PAGE_READWRITE && m.BaseAddress == cp &&
                      m.RegionSize == n * PAGE && m.AllocationBase == b,
             "thread %d cycle %d: committed region: State %#x Protect %#x Base %p Size %#zx", arg->id,
             c, m.State, m.Protect, m.BaseAddress, (size_t)m.RegionSize);

        /* Protect the first committed page READONLY, then back. */
        DWORD old = 0;
        TCHK(res, VirtualProtect(cp, PAGE, PAGE_READONLY, &old) && old == PAGE_READWRITE,
             "protect: %u old %#x", GetLastError(), old);
        TCHK(res, VirtualQuery(cp, &m, sizeof(m)) == sizeof(m) && m.Protect == PAGE_READONLY &&
                      m.RegionSize == PAGE,
             "after protect: Protect %#x Size %#zx", m.Protect, (size_t)m.RegionSize);
        if (c % 64 == 0) {
            int kp = kernel_prot((uintptr_t)cp, mapsbuf, bufsize);
            TCHK(res, kp == 1, "thread %d cycle %d: kernel prot %d for READONLY", arg->id, c, kp);
            if (i > 0 || n < npages) {
                uintptr_t rp = (uintptr_t)b + (i > 0 ? 0 : n * PAGE); /* a reserved page */
                kp = kernel_prot(rp, mapsbuf, bufsize);
                TCHK(res, kp == 0, "thread %d cycle %d: kernel prot %d for a reserved page",
                     arg->id, c, kp);
            }
        }
        TCHK(res, (unsigned char)cp[PAGE / 2] == pat, "thread %d cycle %d: contents %#x, expected %#x",
             arg->id, c, (unsigned char)cp[PAGE / 2], pat);
        TCHK(res, VirtualProtect(cp, n * PAGE, PAGE_READWRITE, &old) && old == PAGE_READONLY,
             "protect back: %u old %#x", GetLastError(), old);

        /* Decommit the last committed page, recommit it: zero again. */
        char *last = cp + (n - 1) * PAGE;
        TCHK(res, VirtualFree(last, PAGE, MEM_DECOMMIT), "decommit: %u", GetLastError());
        TCHK(res, VirtualQuery(last, &m, sizeof(m)) == sizeof(m) && m.State == MEM_RESERVE,
             "after decommit: State %#x", m.State);
        TCHK(res, VirtualAlloc(last, PAGE, MEM_COMMIT, PAGE_READWRITE) == last, "recommit: %u",
             GetLastError());
        TCHK(res, last[0] == 0 && last[PAGE - 1] == 0, "recommitted page not zero");
        for (size_t k = 0; k + 1 < n; k++)
            TCHK(res, (unsigned char)cp[k * PAGE + 7] == pat,
                 "thread %d cycle %d: page %zu contents %#x, expected %#x (another thread's "
                 "allocation overlaps?)",
                 arg->id, c, k, (unsigned char)cp[k * PAGE + 7], pat);

        /* Errors are per thread. */
        SetLastError(0);
        TCHK(res, !VirtualFree(b + PAGE, 0, MEM_RELEASE) && GetLastError() == ERROR_INVALID_ADDRESS,
             "release at a non-base address: error %u", GetLastError());
        TCHK(res, VirtualFree(b, 0, MEM_RELEASE), "release: %u", GetLastError());
    }
    free(mapsbuf);
    return NULL;
}

static void run_cycles(int cycles)
{
    pthread_t t[NTHREADS];
    static struct cycle_arg args[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        args[i] = (struct cycle_arg){.id = i, .cycles = cycles};
        cr_assert_eq(pthread_create(&t[i], NULL, cycle_thread, &args[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        cr_assert_eq(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < NTHREADS; i++)
        cr_assert_not(args[i].res.failed, "thread %d (line %d): %s", i, args[i].res.failed,
                      args[i].res.msg);
}

Test(threads, independent_cycles_no_leak, .timeout = 300)
{
    run_cycles(20); /* warm-up: thread stacks, malloc arenas, /proc descriptors */
    size_t before = maps_lines();
    run_cycles(3000);
    size_t after = maps_lines();
    cr_assert(after <= before + 8 && before <= after + 8,
              "mappings before %zu, after %zu: winvm leaked or lost mappings", before, after);
}

/* ---- 2. queries while another thread protects ---- */

#define QPAGES 64
#define QLO 16
#define QHI 48
#define QMID 32

struct race {
    char *base;
    volatile int done;
    int per_page; /* 0: the whole [QLO, QHI) at once; 1: one page at a time */
    struct result res[NTHREADS];
    unsigned long queries[NTHREADS];
};

static void *protector(void *p)
{
    struct race *r = p;
    struct result *res = &r->res[0];
    DWORD prots[2] = {PAGE_READONLY, PAGE_EXECUTE_READ};
    for (int i = 0; i < 20000; i++) {
        DWORD old = 0, want = prots[i & 1], was = prots[(i & 1) ^ 1];
        if (!r->per_page) {
            /* Two states with different region layouts: S1 = [QLO, QHI) READONLY;
             * S2 = [QLO, QMID) EXECUTE_READ + [QMID, QHI) READONLY. */
            want = (i & 1) ? PAGE_READONLY : PAGE_EXECUTE_READ;
            was = (i & 1) ? PAGE_EXECUTE_READ : PAGE_READONLY;
            size_t len = (i & 1) ? (QHI - QLO) * PAGE : (QMID - QLO) * PAGE;
            BOOL ok = VirtualProtect(r->base + QLO * PAGE, len, want, &old);
            if (!ok || old != was) {
                r->done = 1;
                TCHK(res, false, "protect %d: ok %d error %u old %#x, expected %#x", i, ok,
                     GetLastError(), old, was);
            }
        } else {
            for (int k = QLO; k < QHI; k++) {
                BOOL ok = VirtualProtect(r->base + (size_t)k * PAGE, 1, want, &old);
                if (!ok || old != was) {
                    r->done = 1;
                    TCHK(res, false, "protect %d page %d: ok %d error %u old %#x, expected %#x", i,
                         k, ok, GetLastError(), old, was);
                }
            }
            if (i > 2000)
                break;
        }
    }
    r->done = 1;
    return NULL;
}

struct qarg {
    struct race *r;
    int id;
};

static void *querier(void *p)
{
    struct qarg *qa = p;
    struct race *r = qa->r;
    int id = qa->id;
    struct result *res = &r->res[id];
    uint64_t rs = 0x1234567ull * (uint64_t)id + 99;
    while (!r->done) {
        size_t j = next_rand(&rs) % QPAGES;
        char *a = r->base + j * PAGE + next_rand(&rs) % PAGE;
        MEMORY_BASIC_INFORMATION m;
        memset(&m, 0xcc, sizeof(m));
        TCHK(res, VirtualQuery(a, &m, sizeof(m)) == sizeof(m), "query failed: %u", GetLastError());
        r->queries[id]++;
        TCHK(res, m.BaseAddress == r->base + j * PAGE && m.AllocationBase == r->base &&
                      m.AllocationProtect == PAGE_READWRITE && m.State == MEM_COMMIT &&
                      m.Type == MEM_PRIVATE,
             "page %zu: Base %p AllocBase %p AllocProt %#x State %#x Type %#x", j, m.BaseAddress,
             m.AllocationBase, m.AllocationProtect, m.State, m.Type);
        if (j < QLO || j >= QHI) {
            size_t end = j < QLO ? QLO : QPAGES;
            TCHK(res, m.Protect == PAGE_READWRITE && m.RegionSize == (end - j) * PAGE,
                 "page %zu: Protect %#x Size %#zx, expected RW and %#zx", j, m.Protect,
                 (size_t)m.RegionSize, (size_t)((end - j) * PAGE));
        } else {
            TCHK(res, m.Protect == PAGE_READONLY || m.Protect == PAGE_EXECUTE_READ,
                 "page %zu: Protect %#x, expected READONLY or EXECUTE_READ (a torn state)", j,
                 m.Protect);
            if (!r->per_page) {
                bool s1 = m.Protect == PAGE_READONLY && m.RegionSize == (QHI - j) * PAGE;
                bool s2 = j < QMID ? m.Protect == PAGE_EXECUTE_READ && m.RegionSize == (QMID - j) * PAGE
                                   : s1;
                TCHK(res, s1 || s2,
                     "page %zu: Protect %#x Size %#zx: neither state (READONLY to page %d, or "
                     "EXECUTE_READ to page %d): a torn state",
                     j, m.Protect, (size_t)m.RegionSize, QHI, QMID);
            }
            else
                TCHK(res, m.RegionSize >= PAGE && m.RegionSize <= (QHI - j) * PAGE,
                     "page %zu: Size %#zx beyond the toggled range", j, (size_t)m.RegionSize);
            /* Both protections are readable: the contents are always there. */
            TCHK(res, (unsigned char)r->base[j * PAGE + 9] == (unsigned char)(j + 1),
                 "page %zu contents %#x", j, (unsigned char)r->base[j * PAGE + 9]);
        }
    }
    return NULL;
}

static void run_race(int per_page)
{
    static struct race r;
    memset(&r, 0, sizeof(r));
    r.per_page = per_page;
    r.base = VirtualAlloc(NULL, QPAGES * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(r.base);
    for (size_t j = 0; j < QPAGES; j++)
        memset(r.base + j * PAGE, (int)(j + 1), PAGE);
    DWORD old;
    cr_assert(VirtualProtect(r.base + QLO * PAGE, (QHI - QLO) * PAGE,
                             per_page ? PAGE_EXECUTE_READ : PAGE_READONLY, &old));
    pthread_t t[NTHREADS];
    struct qarg qa[NTHREADS];
    for (int i = 1; i < NTHREADS; i++) {
        qa[i] = (struct qarg){&r, i};
        cr_assert_eq(pthread_create(&t[i], NULL, querier, &qa[i]), 0);
    }
    cr_assert_eq(pthread_create(&t[0], NULL, protector, &r), 0);
    for (int i = 0; i < NTHREADS; i++)
        cr_assert_eq(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < NTHREADS; i++)
        cr_assert_not(r.res[i].failed, "%s thread %d (line %d): %s", i ? "query" : "protect", i,
                      r.res[i].failed, r.res[i].msg);
    for (int i = 1; i < NTHREADS; i++)
        cr_assert_gt(r.queries[i], 0);
    /* The end state: the kernel agrees with the last protection. */
    for (int k = QLO; k < QHI; k++) {
        MEMORY_BASIC_INFORMATION m = tu_query(r.base + (size_t)k * PAGE);
        int want = m.Protect == PAGE_READONLY ? 1 : 5;
        cr_assert_eq(tu_host_prot(r.base + (size_t)k * PAGE), want, "page %d", k);
    }
    cr_assert_eq(tu_host_prot(r.base), 3);
    cr_assert(VirtualFree(r.base, 0, MEM_RELEASE));
}

Test(threads, query_while_protecting_range, .timeout = 300) { run_race(0); }
Test(threads, query_while_protecting_pages, .timeout = 300) { run_race(1); }

/* ---- 3. an address-space walk while others allocate and free ---- */

static volatile int g_walk_done;

static void *churn(void *p)
{
    struct result *res = p;
    while (!g_walk_done) {
        char *a = VirtualAlloc(NULL, 0x30000, MEM_RESERVE, PAGE_READWRITE);
        TCHK(res, a, "reserve failed: %u", GetLastError());
        TCHK(res, VirtualAlloc(a + 0x1000, 0x2000, MEM_COMMIT, PAGE_READONLY), "commit failed");
        TCHK(res, VirtualFree(a, 0, MEM_RELEASE), "release failed");
    }
    return NULL;
}

Test(threads, address_space_walk_during_churn, .timeout = 300)
{
    static struct result res[NTHREADS];
    pthread_t t[NTHREADS];
    memset(res, 0, sizeof(res));
    g_walk_done = 0;
    for (int i = 1; i < NTHREADS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, churn, &res[i]), 0);
    for (int pass = 0; pass < 20; pass++) {
        uintptr_t addr = 0;
        size_t n = 0;
        while (addr < UEND) {
            MEMORY_BASIC_INFORMATION m;
            cr_assert_eq(VirtualQuery((void *)addr, &m, sizeof(m)), sizeof(m));
            cr_assert_eq((uintptr_t)m.BaseAddress, addr);
            cr_assert_gt(m.RegionSize, 0);
            cr_assert_leq(addr + m.RegionSize, UEND);
            addr += m.RegionSize;
            cr_assert_lt(++n, 1000000);
        }
        cr_assert_eq(addr, UEND);
    }
    g_walk_done = 1;
    for (int i = 1; i < NTHREADS; i++)
        cr_assert_eq(pthread_join(t[i], NULL), 0);
    for (int i = 1; i < NTHREADS; i++)
        cr_assert_not(res[i].failed, "churn thread %d (line %d): %s", i, res[i].failed, res[i].msg);
}
