/* SPDX-License-Identifier: MIT */
/* wine_mem.c - the memory rows' operations as one PE program (built with mingw-w64), so the same
 * machine code can run under `winvm run` and under wine64 (bench/bench_wine.c runs it under both
 * and takes the ratios).  It times its own loops with QueryPerformanceCounter and prints, per
 * operation, one line: "<row id> <median ns per op over its rounds>", or "<row id> failed" after
 * a line naming the call and its error (Wine refuses 100,000 live reservations, for one).
 *
 *   wine_mem.exe [-q] [op ...]    -q: fewer iterations (bench --quick); ops: row ids (all if none)
 *
 * Each operation is the one of the C row with the same id in bench/bench.c (its winvm side), so
 * the JSON row and this figure describe the same calls.  A call that fails or answers wrong ends
 * its operation untimed (a wrong answer must not be timed); the others still run.
 */
#include <windows.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIB 1024
#define ALLOC_SIZE (64 * KIB)
#define PAGE 4096
#define ROUNDS 3
#define QUERY_ADDRS 65536
#define QUERY_ITERS 16384 /* queries a round: ~0.4 ms under winvm, ~40 ms under wine64 */
#define WATCH_PAGES 10000

static int quick;
static double qpc_ns; /* ns per QueryPerformanceCounter tick */

static jmp_buf op_failed; /* fail() returns here: the operation is reported failed, the next runs */

static void fail(const char *what)
{
    printf("%s failed: error %lu\n", what, (unsigned long)GetLastError());
    longjmp(op_failed, 1);
}

static double now_ns(void)
{
    LARGE_INTEGER c;
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart * qpc_ns;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef void (*loop_fn)(long iters, void *ctx);

/* Median over rounds batches of ns per op, after one warm-up batch. */
static double timed_rounds(loop_fn fn, long iters, double ops_per_iter, void *ctx, int rounds)
{
    double v[ROUNDS];
    fn(iters / 4 ? iters / 4 : 1, ctx);
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        fn(iters, ctx);
        v[r] = (now_ns() - t0) / ((double)iters * ops_per_iter);
    }
    qsort(v, (size_t)rounds, sizeof(double), cmp_double);
    return v[rounds / 2];
}

static double timed(loop_fn fn, long iters, double ops_per_iter, void *ctx)
{
    return timed_rounds(fn, iters, ops_per_iter, ctx, ROUNDS);
}

static void *alloc(void *addr, SIZE_T size, DWORD type, DWORD protect)
{
    void *p = VirtualAlloc(addr, size, type, protect);
    if (!p)
        fail("VirtualAlloc");
    return p;
}

static void release(void *p)
{
    if (!VirtualFree(p, 0, MEM_RELEASE))
        fail("VirtualFree");
}

static void protect(void *p, DWORD prot, DWORD expect_old)
{
    DWORD old = 0;
    if (!VirtualProtect(p, PAGE, prot, &old) || old != expect_old)
        fail("VirtualProtect");
}

/* ---- the loops ---- */

static void alloc_free(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++)
        release(alloc(NULL, ALLOC_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
}

static void alloc_touch_free(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++) {
        char *p = alloc(NULL, ALLOC_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        *(volatile char *)p = 1;
        release(p);
    }
}

static void protect_toggle(long iters, void *ctx)
{
    for (long i = 0; i < iters; i++) {
        protect(ctx, PAGE_READONLY, PAGE_READWRITE);
        protect(ctx, PAGE_READWRITE, PAGE_READONLY);
    }
}

static void commit_1000(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++) {
        char *q = alloc(NULL, (SIZE_T)1 << 30, MEM_RESERVE, PAGE_READWRITE);
        for (SIZE_T k = 0; k < 1000; k++)
            if (alloc(q + k * PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE) != q + k * PAGE)
                fail("VirtualAlloc(MEM_COMMIT) at its address");
        release(q);
    }
}

static void section_cycle(long iters, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < iters; i++) {
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, ALLOC_SIZE, NULL);
        if (!h)
            fail("CreateFileMappingA");
        void *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, ALLOC_SIZE);
        if (!v)
            fail("MapViewOfFile");
        if (!UnmapViewOfFile(v) || !CloseHandle(h))
            fail("UnmapViewOfFile/CloseHandle");
    }
}

static LONG WINAPI guard_handler(PEXCEPTION_POINTERS ep)
{
    if (ep->ExceptionRecord->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void guard_hit(long iters, void *ctx)
{
    char *p = ctx;
    for (long i = 0; i < iters; i++) {
        protect(p, PAGE_READWRITE | PAGE_GUARD, PAGE_READWRITE);
        *(volatile char *)(p + (i & 255)) = 1;
    }
}

struct watch { char *base; PVOID *out; };

static void watch_cycle(long iters, void *ctx)
{
    struct watch *w = ctx;
    for (long i = 0; i < iters; i++) {
        for (SIZE_T k = 0; k < WATCH_PAGES; k++)
            *(volatile char *)(w->base + k * PAGE) = (char)i;
        ULONG_PTR count = WATCH_PAGES;
        DWORD gran = 0;
        if (GetWriteWatch(WRITE_WATCH_FLAG_RESET, w->base, WATCH_PAGES * PAGE, w->out, &count, &gran) != 0 ||
            count != WATCH_PAGES)
            fail("GetWriteWatch");
    }
}

struct query { char **addr; };

static void query_pass(long iters, void *ctx)
{
    char **addr = ((struct query *)ctx)->addr;
    MEMORY_BASIC_INFORMATION mbi;
    for (long i = 0; i < iters; i++)
        if (VirtualQuery(addr[i % QUERY_ADDRS], &mbi, sizeof(mbi)) != sizeof(mbi) ||
            (ULONG_PTR)mbi.AllocationBase != ((ULONG_PTR)addr[i % QUERY_ADDRS] & ~(ULONG_PTR)(ALLOC_SIZE - 1)))
            fail("VirtualQuery");
}

/* ---- the operations, by row id ---- */

static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;

static unsigned long long rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Row 3's setup: n live 64 KiB reserves, every 8th with 4 pages committed; random addresses. */
static double op_query(long n)
{
    char **base = malloc((size_t)n * sizeof(*base));
    struct query q = {malloc(QUERY_ADDRS * sizeof(char *))};
    if (!base || !q.addr)
        fail("malloc");
    for (long i = 0; i < n; i++) {
        base[i] = alloc(NULL, ALLOC_SIZE, MEM_RESERVE, PAGE_READWRITE);
        if (i % 8 == 0)
            alloc(base[i], 4 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    }
    for (long i = 0; i < QUERY_ADDRS; i++)
        q.addr[i] = base[rng() % (unsigned long long)n] + rng() % ALLOC_SIZE;
    double ns = timed(query_pass, quick ? QUERY_ITERS / 8 : QUERY_ITERS, 1, &q);
    for (long i = 0; i < n; i++)
        release(base[i]);
    free(base);
    free(q.addr);
    return ns;
}

static double op(const char *id)
{
    long k = quick ? 10 : 1;
    if (!strcmp(id, "alloc_free_64k"))
        return timed(alloc_free, 5000 / k, 1, NULL);
    if (!strcmp(id, "alloc_touch_free_64k"))
        return timed(alloc_touch_free, 1000 / k, 1, NULL);
    if (!strcmp(id, "reserve_1g_commit_1000"))
        return timed(commit_1000, quick ? 2 : 10, 1, NULL);
    if (!strcmp(id, "section_create_map_64k"))
        return timed(section_cycle, 200 / k, 1, NULL); /* ~0.4 ms a cycle under wine64 */
    if (!strcmp(id, "virtual_query_10"))
        return op_query(10);
    if (!strcmp(id, "virtual_query_100000"))
        return op_query(100000);
    char *page = alloc(NULL, ALLOC_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    double ns = -1;
    if (!strcmp(id, "protect_1page"))
        ns = timed(protect_toggle, 4000 / k, 2, page + PAGE);
    if (!strcmp(id, "guard_page_hit")) {
        PVOID h = AddVectoredExceptionHandler(1, guard_handler);
        if (!h)
            fail("AddVectoredExceptionHandler");
        ns = timed(guard_hit, 2000 / k, 1, page); /* 25-100 us a hit under wine64; winvm/Wine 0.87-1.15 */
        RemoveVectoredExceptionHandler(h);
    }
    release(page);
    if (!strcmp(id, "write_watch_10000")) {
        struct watch w = {alloc(NULL, WATCH_PAGES * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                                PAGE_READWRITE),
                          malloc(WATCH_PAGES * sizeof(PVOID))};
        ns = timed_rounds(watch_cycle, 1, 1, &w, 1); /* a cycle is 10,000 faults, 0.15-0.25 s */
        release(w.base);
        free(w.out);
    }
    return ns;
}

static const char *const all_ops[] = {
    "alloc_free_64k", "alloc_touch_free_64k", "protect_1page", "virtual_query_10",
    "reserve_1g_commit_1000", "guard_page_hit", "write_watch_10000", "section_create_map_64k",
    "virtual_query_100000",
};

int main(int argc, char **argv)
{
    LARGE_INTEGER f;
    if (!QueryPerformanceFrequency(&f) || f.QuadPart <= 0)
        fail("QueryPerformanceFrequency");
    qpc_ns = 1e9 / (double)f.QuadPart;
    int first = 1;
    if (argc > 1 && !strcmp(argv[1], "-q"))
        quick = 1, first = 2;
    int n = argc > first ? argc - first : (int)(sizeof(all_ops) / sizeof(all_ops[0]));
    for (int i = 0; i < n; i++) {
        const char *id = argc > first ? argv[first + i] : all_ops[i];
        if (setjmp(op_failed)) { /* what it allocated stays: this op is last in the bench's order */
            printf("%s failed\n", id);
            fflush(stdout);
            continue;
        }
        double ns = op(id);
        if (ns < 0) {
            fprintf(stderr, "wine_mem: no operation %s\n", id);
            return 2;
        }
        printf("%s %.2f\n", id, ns);
        fflush(stdout);
    }
    return 0;
}
