/* SPDX-License-Identifier: MIT */
/* stress.c - threads of random mixed memory calls, every answer checked against a reference
 * model (issue 14).  A plain program, not a Criterion test: Criterion cannot start under
 * ThreadSanitizer (its inheritable arena, Criterion issue 274), and this is the program the
 * TSan build runs.  CTest runs it in every build; `make stress` runs it for longer.
 *
 * Each thread owns a window of slots (one allocation at most per 128 KiB slot, based on the
 * slot) and keeps a model of it: reservation, per page commit, protection and the byte it last
 * wrote.  Every call's result, last error, VirtualQuery answer and the bytes in memory are
 * compared with the model as the thread goes.  At the end of each round the threads stop at a
 * barrier and the main thread compares every page of every window with the kernel's view
 * (/proc/self/maps).  All threads also work on one shared window where no model can say what
 * the others did: there only the invariants of every answer are checked (a queried region lies
 * inside its allocation, an allocation starts on 64 KiB), and touches under winvm_try must end
 * in success or an access violation, never in the death of the process.
 *
 * WINVM_STRESS_SECONDS bounds the run (default 8; `make stress` runs longer), WINVM_STRESS_SEED
 * replays a failing run (the seed is printed with any failure).
 */
#define _GNU_SOURCE
#include <winvm.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE ((SIZE_T)0x1000)
#define GRAN ((SIZE_T)0x10000)
#define SENTINEL 0xdeadbeefu
#define NTHREADS 4
#define NSLOTS 24
#define SLOT_PAGES 32 /* 128 KiB */
#define SLOT_BYTES (SLOT_PAGES * PAGE)
#define SHARED_SLOTS 16
#define OPS_PER_ROUND 4000

struct page_model {
    bool committed;
    DWORD protect;
    unsigned char value; /* the byte at offset 77, 0 when never written since commit */
};

struct slot_model {
    bool reserved;
    unsigned npages; /* the allocation's size in pages */
    DWORD alloc_protect;
    struct page_model page[SLOT_PAGES];
};

struct worker {
    int id;
    uint64_t rng;
    char *window; /* NSLOTS slots */
    struct slot_model slot[NSLOTS];
    unsigned long ops, shared_ops;
    char failure[512];
};

static struct {
    pthread_barrier_t round_end, round_go;
    volatile bool stop;
    char *shared;
    struct worker w[NTHREADS];
    uint64_t seed;
} stress;

static uint64_t next(struct worker *w)
{
    w->rng ^= w->rng << 13, w->rng ^= w->rng >> 7, w->rng ^= w->rng << 17;
    return w->rng;
}
static unsigned pick(struct worker *w, unsigned n) { return (unsigned)(next(w) % n); }

#define FAIL(w, ...)                                                                   \
    do {                                                                               \
        if (!(w)->failure[0])                                                          \
            snprintf((w)->failure, sizeof((w)->failure), __VA_ARGS__);                 \
        return;                                                                        \
    } while (0)

static const DWORD protections[] = {PAGE_READWRITE, PAGE_READONLY, PAGE_NOACCESS, PAGE_EXECUTE_READ,
                                    PAGE_READWRITE | PAGE_GUARD};

static bool readable(DWORD p) { return !(p & PAGE_GUARD) && p != PAGE_NOACCESS; }

/* The host protection bits (1 r, 2 w, 4 x) a committed page with protection p must have. */
static int host_of(DWORD p)
{
    switch (p) {
    case PAGE_READONLY: return 1;
    case PAGE_READWRITE: return 3;
    case PAGE_EXECUTE_READ: return 5;
    default: return 0; /* PAGE_NOACCESS, and guard pages until touched */
    }
}

/* ---- the owned window: each call against the model ---- */

static void op_reserve(struct worker *w, unsigned s)
{
    struct slot_model *m = &w->slot[s];
    unsigned n = 1 + pick(w, SLOT_PAGES);
    bool commit = pick(w, 2);
    DWORD prot = protections[pick(w, 4)];
    SetLastError(SENTINEL);
    char *got = VirtualAlloc(w->window + s * SLOT_BYTES, n * PAGE, MEM_RESERVE | (commit ? MEM_COMMIT : 0), prot);
    if (m->reserved) {
        if (got || GetLastError() != ERROR_INVALID_ADDRESS)
            FAIL(w, "reserve over slot %u: %p, error %u", s, (void *)got, GetLastError());
        return;
    }
    if (got != w->window + s * SLOT_BYTES)
        FAIL(w, "reserve slot %u (%u pages): %p, error %u", s, n, (void *)got, GetLastError());
    *m = (struct slot_model){.reserved = true, .npages = n, .alloc_protect = prot};
    for (unsigned p = 0; p < n; p++)
        m->page[p] = (struct page_model){commit, commit ? prot : 0, 0};
}

static void op_commit(struct worker *w, unsigned s, unsigned first, unsigned n)
{
    struct slot_model *m = &w->slot[s];
    DWORD prot = protections[pick(w, 5)];
    char *at = w->window + s * SLOT_BYTES + first * PAGE;
    SetLastError(SENTINEL);
    char *got = VirtualAlloc(at, n * PAGE, MEM_COMMIT, prot);
    if (!m->reserved || first + n > m->npages) {
        if (got || GetLastError() != ERROR_INVALID_ADDRESS)
            FAIL(w, "commit outside an allocation (slot %u, pages %u+%u): %p, error %u", s, first, n, (void *)got,
                 GetLastError());
        return;
    }
    if (got != at)
        FAIL(w, "commit slot %u pages %u+%u prot %#x: %p, error %u", s, first, n, prot, (void *)got, GetLastError());
    for (unsigned p = first; p < first + n; p++) {
        if (!m->page[p].committed)
            m->page[p].value = 0; /* fresh pages read zero; committed ones keep their bytes */
        m->page[p].committed = true;
        m->page[p].protect = prot;
    }
}

static void op_decommit(struct worker *w, unsigned s, unsigned first, unsigned n)
{
    struct slot_model *m = &w->slot[s];
    if (!m->reserved || first + n > m->npages)
        return; /* the rules for ranges past an allocation are the fidelity tests' */
    if (!VirtualFree(w->window + s * SLOT_BYTES + first * PAGE, n * PAGE, MEM_DECOMMIT))
        FAIL(w, "decommit slot %u pages %u+%u: error %u", s, first, n, GetLastError());
    for (unsigned p = first; p < first + n; p++)
        m->page[p] = (struct page_model){false, 0, 0};
}

static void op_protect(struct worker *w, unsigned s, unsigned first, unsigned n)
{
    struct slot_model *m = &w->slot[s];
    if (!m->reserved || first + n > m->npages)
        return;
    bool all = true;
    for (unsigned p = first; p < first + n; p++)
        all = all && m->page[p].committed;
    DWORD prot = protections[pick(w, 5)], old = SENTINEL;
    SetLastError(SENTINEL);
    BOOL ok = VirtualProtect(w->window + s * SLOT_BYTES + first * PAGE, n * PAGE, prot, &old);
    if (!all) {
        if (ok || GetLastError() != ERROR_INVALID_ADDRESS)
            FAIL(w, "protect over uncommitted pages (slot %u, %u+%u): %d, error %u", s, first, n, ok,
                 GetLastError());
        return;
    }
    if (!ok || old != m->page[first].protect)
        FAIL(w, "protect slot %u pages %u+%u to %#x: %d, old %#x want %#x, error %u", s, first, n, prot, ok, old,
             m->page[first].protect, GetLastError());
    for (unsigned p = first; p < first + n; p++)
        m->page[p].protect = prot;
}

static void op_release(struct worker *w, unsigned s)
{
    struct slot_model *m = &w->slot[s];
    SetLastError(SENTINEL);
    BOOL ok = VirtualFree(w->window + s * SLOT_BYTES, 0, MEM_RELEASE);
    if (ok != m->reserved || (!ok && GetLastError() != ERROR_INVALID_ADDRESS))
        FAIL(w, "release slot %u (reserved %d): %d, error %u", s, m->reserved, ok, GetLastError());
    memset(m, 0, sizeof(*m));
}

/* The run of pages from p with p's state and protection, within the allocation. */
static unsigned run_length(const struct slot_model *m, unsigned p)
{
    unsigned q = p + 1;
    while (q < m->npages && m->page[q].committed == m->page[p].committed && m->page[q].protect == m->page[p].protect)
        q++;
    return q - p;
}

static void op_query(struct worker *w, unsigned s, unsigned p)
{
    const struct slot_model *m = &w->slot[s];
    char *slot = w->window + s * SLOT_BYTES, *at = slot + p * PAGE;
    MEMORY_BASIC_INFORMATION q;
    if (VirtualQuery(at + 5, &q, sizeof(q)) != sizeof(q))
        FAIL(w, "query slot %u page %u: error %u", s, p, GetLastError());
    if (q.BaseAddress != at)
        FAIL(w, "query slot %u page %u: BaseAddress %p", s, p, q.BaseAddress);
    if (!m->reserved || p >= m->npages) {
        /* free up to the next allocation of this window at least */
        SIZE_T least = SLOT_BYTES - p * PAGE;
        if (q.State != MEM_FREE || q.AllocationBase || q.RegionSize < least)
            FAIL(w, "query free slot %u page %u: State %#x AllocationBase %p RegionSize %#zx", s, p, q.State,
                 q.AllocationBase, (size_t)q.RegionSize);
        return;
    }
    const struct page_model *g = &m->page[p];
    DWORD state = g->committed ? MEM_COMMIT : MEM_RESERVE, prot = g->committed ? g->protect : 0;
    SIZE_T size = run_length(m, p) * PAGE;
    if (q.AllocationBase != slot || q.AllocationProtect != m->alloc_protect || q.State != state ||
        q.Protect != prot || q.RegionSize != size || q.Type != MEM_PRIVATE)
        FAIL(w,
             "query slot %u page %u: AllocationBase %p/%p AllocationProtect %#x/%#x State %#x/%#x Protect %#x/%#x "
             "RegionSize %#zx/%#zx Type %#x",
             s, p, q.AllocationBase, (void *)slot, q.AllocationProtect, m->alloc_protect, q.State, state, q.Protect,
             prot, (size_t)q.RegionSize, (size_t)size, q.Type);
}

static void op_touch(struct worker *w, unsigned s, unsigned p)
{
    struct slot_model *m = &w->slot[s];
    if (!m->reserved || p >= m->npages || !m->page[p].committed || !readable(m->page[p].protect))
        return;
    volatile unsigned char *b = (unsigned char *)w->window + s * SLOT_BYTES + p * PAGE + 77;
    if (*b != m->page[p].value)
        FAIL(w, "slot %u page %u holds %#x, want %#x", s, p, *b, m->page[p].value);
    if (m->page[p].protect == PAGE_READWRITE) {
        unsigned char v = (unsigned char)(1 + pick(w, 255));
        *b = v;
        m->page[p].value = v;
    }
}

static void owned_op(struct worker *w)
{
    unsigned s = pick(w, NSLOTS), first = pick(w, SLOT_PAGES), n = 1 + pick(w, 4);
    if (first + n > SLOT_PAGES)
        n = SLOT_PAGES - first;
    switch (pick(w, 16)) {
    case 0: case 1: op_reserve(w, s); break;
    case 2: op_release(w, s); break;
    case 3: case 4: case 5: op_commit(w, s, first, n); break;
    case 6: op_decommit(w, s, first, n); break;
    case 7: case 8: op_protect(w, s, first, n); break;
    case 9: case 10: case 11: op_query(w, s, first); break;
    default: op_touch(w, s, first); break;
    }
}

/* ---- the shared window: invariants only ---- */

static void shared_touch(void *arg) { *(volatile char *)arg = 1; }

static void shared_op(struct worker *w)
{
    unsigned s = pick(w, SHARED_SLOTS), p = pick(w, SLOT_PAGES);
    char *slot = stress.shared + s * SLOT_BYTES, *at = slot + p * PAGE;
    switch (pick(w, 6)) {
    case 0:
        VirtualAlloc(slot, (1 + pick(w, SLOT_PAGES)) * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        break;
    case 1:
        VirtualFree(slot, 0, MEM_RELEASE);
        break;
    case 2:
        VirtualAlloc(at, PAGE, MEM_COMMIT, protections[pick(w, 5)]);
        break;
    case 3: {
        EXCEPTION_RECORD r;
        DWORD code = winvm_try(shared_touch, at, &r);
        if (code && code != STATUS_ACCESS_VIOLATION && code != STATUS_GUARD_PAGE_VIOLATION)
            FAIL(w, "touching %p under winvm_try: exception %#x", (void *)at, code);
        break;
    }
    default: {
        MEMORY_BASIC_INFORMATION q;
        if (VirtualQuery(at, &q, sizeof(q)) != sizeof(q))
            FAIL(w, "shared query %p: error %u", (void *)at, GetLastError());
        if (q.BaseAddress != at || q.RegionSize == 0 || q.RegionSize % PAGE)
            FAIL(w, "shared query %p: BaseAddress %p RegionSize %#zx", (void *)at, q.BaseAddress, (size_t)q.RegionSize);
        if (q.State == MEM_FREE)
            break;
        char *alloc = q.AllocationBase;
        if ((uintptr_t)alloc % GRAN || alloc > at || (char *)at + q.RegionSize > alloc + SLOT_BYTES ||
            q.Type != MEM_PRIVATE || (q.State != MEM_COMMIT && q.State != MEM_RESERVE))
            FAIL(w, "shared query %p: a region that never existed: AllocationBase %p RegionSize %#zx State %#x",
                 (void *)at, (void *)alloc, (size_t)q.RegionSize, q.State);
    }
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    while (!stress.stop) {
        for (int i = 0; i < OPS_PER_ROUND && !w->failure[0]; i++) {
            if (pick(w, 4)) {
                owned_op(w);
                w->ops++;
            } else {
                shared_op(w);
                w->shared_ops++;
            }
        }
        pthread_barrier_wait(&stress.round_end); /* the main thread checks the kernel's view */
        pthread_barrier_wait(&stress.round_go);
    }
    return NULL;
}

/* /proc/self/maps read once a round: the host protection (tu_host_prot's bits) of a page. */
struct host_map {
    uintptr_t lo, hi;
    int prot;
};
static struct host_map maps[65536];
static size_t nmaps;

static void read_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return;
    char line[512], perm[8];
    unsigned long lo, hi;
    nmaps = 0;
    while (fgets(line, sizeof(line), f) && nmaps < sizeof(maps) / sizeof(maps[0]))
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3)
            maps[nmaps++] = (struct host_map){lo, hi, (perm[0] == 'r') | (perm[1] == 'w') << 1 | (perm[2] == 'x') << 2};
    fclose(f);
}

static int host_prot(const void *addr)
{
    size_t lo = 0, hi = nmaps; /* the lines are in address order */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)addr < maps[mid].lo)
            hi = mid;
        else if ((uintptr_t)addr >= maps[mid].hi)
            lo = mid + 1;
        else
            return maps[mid].prot;
    }
    return -1;
}

/* Between rounds: every page of every window as the kernel has it; false (said) on a
 * difference. */
static bool check_kernel_view(void)
{
    read_maps();
    for (int t = 0; t < NTHREADS; t++) {
        struct worker *w = &stress.w[t];
        for (unsigned s = 0; s < NSLOTS; s++)
            for (unsigned p = 0; p < SLOT_PAGES; p++) {
                const struct slot_model *m = &w->slot[s];
                const struct page_model *g = &m->page[p];
                char *at = w->window + s * SLOT_BYTES + p * PAGE;
                int host = host_prot(at);
                int want = !m->reserved || p >= m->npages || !g->committed ? 0 : host_of(g->protect);
                bool free_page = !m->reserved || p >= m->npages;
                if (host != want && !(free_page && host == -1)) {
                    fprintf(stderr,
                            "stress: seed %#lx: thread %d slot %u page %u: the kernel has prot %d, the model %d "
                            "(committed %d protect %#x)\n",
                            (unsigned long)stress.seed, t, s, p, host, want, g->committed, g->protect);
                    return false;
                }
            }
    }
    return true;
}

static unsigned stress_seconds(void)
{
    const char *e = getenv("WINVM_STRESS_SECONDS");
    return e && atoi(e) > 0 ? (unsigned)atoi(e) : 8;
}

int main(void)
{
    const char *seed = getenv("WINVM_STRESS_SEED");
    stress.seed = seed ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL) * 2654435761u + 1;
    char *all = VirtualAlloc(NULL, (NTHREADS * NSLOTS + SHARED_SLOTS) * SLOT_BYTES, MEM_RESERVE, PAGE_NOACCESS);
    if (!all || !VirtualFree(all, 0, MEM_RELEASE)) { /* free address space the threads then use */
        fprintf(stderr, "stress: no room for the windows: error %u\n", GetLastError());
        return 1;
    }
    stress.shared = all + NTHREADS * NSLOTS * SLOT_BYTES;
    pthread_barrier_init(&stress.round_end, NULL, NTHREADS + 1);
    pthread_barrier_init(&stress.round_go, NULL, NTHREADS + 1);
    pthread_t th[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        stress.w[t] = (struct worker){.id = t, .rng = stress.seed + (uint64_t)t * 0x9e3779b97f4a7c15ull,
                                      .window = all + t * NSLOTS * SLOT_BYTES};
        if (pthread_create(&th[t], NULL, worker_main, &stress.w[t]) != 0)
            return 1;
    }
    time_t end = time(NULL) + stress_seconds();
    unsigned rounds = 0;
    bool failed = false;
    do {
        pthread_barrier_wait(&stress.round_end);
        rounds++;
        for (int t = 0; t < NTHREADS; t++)
            failed = failed || stress.w[t].failure[0];
        if (!failed && !check_kernel_view())
            failed = true;
        stress.stop = failed || time(NULL) >= end;
        pthread_barrier_wait(&stress.round_go);
    } while (!stress.stop);
    unsigned long ops = 0;
    for (int t = 0; t < NTHREADS; t++) {
        pthread_join(th[t], NULL);
        if (stress.w[t].failure[0])
            fprintf(stderr, "stress: seed %#lx (WINVM_STRESS_SEED replays it), thread %d: %s\n",
                    (unsigned long)stress.seed, t, stress.w[t].failure);
        ops += stress.w[t].ops + stress.w[t].shared_ops;
    }
    if (!failed && ops < (unsigned long)NTHREADS * OPS_PER_ROUND / 2) {
        fprintf(stderr, "stress: only %lu calls\n", ops);
        failed = true;
    }
    printf("stress: %u rounds, %lu calls, %d threads, seed %#lx: %s\n", rounds, ops, NTHREADS,
           (unsigned long)stress.seed, failed ? "FAILED" : "passed");
    for (int t = 0; t < NTHREADS; t++)
        for (unsigned s = 0; s < NSLOTS; s++)
            VirtualFree(stress.w[t].window + s * SLOT_BYTES, 0, MEM_RELEASE);
    for (unsigned s = 0; s < SHARED_SLOTS; s++)
        VirtualFree(stress.shared + s * SLOT_BYTES, 0, MEM_RELEASE);
    return failed ? 1 : 0;
}
