/* SPDX-License-Identifier: MIT */
/* test_model.c - randomized model test.
 *
 * Each test runs a fixed-seed random sequence of VirtualAlloc / VirtualFree / VirtualProtect /
 * VirtualQuery calls, valid and invalid, against an independent model written from the Windows
 * rules (shared/reference/windows-memory-semantics.md, notes/wine-vm-facts.md), not from winvm's
 * internals.  After every step it checks:
 *   - the call's result and GetLastError against the model's prediction;
 *   - a VirtualQuery walk of every live allocation against the model's regions (all fields);
 *   - the kernel (/proc/self/maps, parsed once per step) against the protection each page needs;
 *   - released allocations are unmapped and report MEM_FREE;
 *   - per-page tags written into writable pages survive protection changes, and decommitted
 *     pages read zero after recommit.
 * Every failure message names the seed and the step; a crash prints them too.  WINVM_MODEL_SEED=N
 * adds N to every test's seed: other sequences, for runs beyond CI's three.
 *
 * Combinations whose Windows answer is not recorded anywhere are not generated: a GUARD or
 * NOACCESS commit/protect on a NOCACHE/WRITECOMBINE allocation, VirtualProtect with size 0,
 * addresses at or above the user-space end, MEM_RESET, MEM_WRITE_WATCH.
 */
#define _GNU_SOURCE
#include "testutil.h"
#include "hooks.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PDOWN(a) ((uintptr_t)(a) & ~(PAGE - 1))
#define PUP(a) (((uintptr_t)(a) + PAGE - 1) & ~(PAGE - 1))
#define GDOWN(a) ((uintptr_t)(a) & ~(GRAN - 1))
#define GUP(a) (((uintptr_t)(a) + GRAN - 1) & ~(GRAN - 1))

#define MAXA 16          /* live allocations */
#define MAXPAGES 1024    /* pages per allocation */
#define NRELEASED 24
#define CACHE_MODS (PAGE_NOCACHE | PAGE_WRITECOMBINE)

/* ---------------------------------------------------------------- the model ---- */

struct mpage {
    bool committed;
    DWORD prot;     /* as VirtualQuery must report it (0 when reserved) */
    uint64_t tag;   /* expected first and last 8 bytes; 0 = zero page */
};

struct malloc_m {
    uintptr_t base, end;
    size_t npages;
    DWORD aprot;
    struct mpage pg[MAXPAGES];
};

static struct malloc_m g_alloc[MAXA];
static int g_nalloc;
static struct { uintptr_t base, end; } g_released[NRELEASED];
static int g_nreleased, g_released_next;

/* ---------------------------------------------------------------- context ---- */

static unsigned g_seed;
static int g_step;
static char g_op[512];
static uint64_t g_rng;

#define CHK(cond, ...)                                                                     \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            char _m[1024];                                                                 \
            snprintf(_m, sizeof(_m), __VA_ARGS__);                                         \
            cr_assert_fail("seed %u step %d [%s]: %s (%s:%d)", g_seed, g_step, g_op, _m,  \
                           __FILE__, __LINE__);                                            \
        }                                                                                  \
    } while (0)

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint64_t rn(uint64_t n) { return n ? rnd() % n : 0; }
static bool chance(unsigned pct) { return rn(100) < pct; }

static char g_crash_msg[256];
static void on_crash(int sig)
{
    ssize_t r = write(2, g_crash_msg, strlen(g_crash_msg));
    (void)r;
    r = write(2, g_op, strnlen(g_op, sizeof(g_op)));
    r = write(2, "\n", 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ---------------------------------------------------------------- /proc/self/maps ---- */

struct mapent {
    uintptr_t s, e;
    int prot; /* 1 r, 2 w, 4 x */
};

static struct mapent g_maps[65536];
static size_t g_nmaps;
static char g_mbuf[8 << 20];

static uintptr_t hex(const char **pp)
{
    const char *p = *pp;
    uintptr_t v = 0;
    for (;;) {
        char c = *p;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uintptr_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uintptr_t)(c - 'a' + 10);
        else
            break;
        p++;
    }
    *pp = p;
    return v;
}

static void maps_load(void)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    CHK(fd >= 0, "open /proc/self/maps");
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, g_mbuf + n, sizeof(g_mbuf) - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    CHK(n < sizeof(g_mbuf) - 1, "maps too large");
    g_mbuf[n] = 0;
    g_nmaps = 0;
    const char *p = g_mbuf;
    while (*p) {
        struct mapent m;
        m.s = hex(&p);
        if (*p++ != '-')
            break;
        m.e = hex(&p);
        p++;
        m.prot = (p[0] == 'r' ? 1 : 0) | (p[1] == 'w' ? 2 : 0) | (p[2] == 'x' ? 4 : 0);
        CHK(g_nmaps < sizeof(g_maps) / sizeof(g_maps[0]), "too many maps");
        if (!wv_test_hidden_mapping(m.s, m.e))
            g_maps[g_nmaps++] = m;
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
}

/* Index of the first entry with e > addr (g_nmaps if none). */
static size_t maps_find(uintptr_t addr)
{
    size_t lo = 0, hi = g_nmaps;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g_maps[mid].e > addr)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static bool maps_overlap(uintptr_t s, uintptr_t e)
{
    size_t i = maps_find(s);
    return i < g_nmaps && g_maps[i].s < e;
}

/* ---------------------------------------------------------------- Windows rules ---- */

static bool is_base(DWORD b)
{
    return b == PAGE_NOACCESS || b == PAGE_READONLY || b == PAGE_READWRITE || b == PAGE_WRITECOPY ||
           b == PAGE_EXECUTE || b == PAGE_EXECUTE_READ || b == PAGE_EXECUTE_READWRITE ||
           b == PAGE_EXECUTE_WRITECOPY;
}

/* 0 invalid, 1 valid for private memory, 2 a write-copy protection (valid only for views). */
static int prot_class(DWORD p)
{
    DWORD b = p & 0xff, mods = p & ~0xffu;
    if (!is_base(b))
        return 0;
    if (mods & ~(DWORD)(PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE))
        return 0;
    if (mods & (mods - 1))
        return 0; /* GUARD, NOCACHE, WRITECOMBINE exclude each other */
    if (mods && b == PAGE_NOACCESS)
        return 0;
    if (b == PAGE_WRITECOPY || b == PAGE_EXECUTE_WRITECOPY)
        return 2;
    return 1;
}

/* Protection a page takes when committed / protected with p in allocation a: NOCACHE and
 * WRITECOMBINE belong to the allocation. */
static DWORD effective(const struct malloc_m *a, DWORD p)
{
    return (p & ~(DWORD)CACHE_MODS) | (a->aprot & CACHE_MODS);
}

/* /proc/self/maps bits a page must have. */
static int host_prot(const struct mpage *pg)
{
    if (!pg->committed || (pg->prot & PAGE_GUARD))
        return 0;
    return tu_host_of(pg->prot);
}

static struct malloc_m *find_alloc(uintptr_t addr)
{
    for (int i = 0; i < g_nalloc; i++)
        if (addr >= g_alloc[i].base && addr < g_alloc[i].end)
            return &g_alloc[i];
    return NULL;
}

static bool alloc_overlap(uintptr_t s, uintptr_t e)
{
    for (int i = 0; i < g_nalloc; i++)
        if (s < g_alloc[i].end && g_alloc[i].base < e)
            return true;
    return false;
}

static void add_alloc(uintptr_t base, uintptr_t end, DWORD aprot, bool commit)
{
    cr_assert(g_nalloc < MAXA);
    struct malloc_m *a = &g_alloc[g_nalloc++];
    a->base = base;
    a->end = end;
    a->npages = (end - base) / PAGE;
    a->aprot = aprot;
    for (size_t i = 0; i < a->npages; i++) {
        a->pg[i].committed = commit;
        a->pg[i].prot = commit ? aprot : 0;
        a->pg[i].tag = 0;
    }
}

static void remove_alloc(struct malloc_m *a)
{
    g_released[g_released_next].base = a->base;
    g_released[g_released_next].end = a->end;
    g_released_next = (g_released_next + 1) % NRELEASED;
    if (g_nreleased < NRELEASED)
        g_nreleased++;
    int idx = (int)(a - g_alloc);
    if (idx != g_nalloc - 1)
        memcpy(a, &g_alloc[g_nalloc - 1], sizeof(*a));
    g_nalloc--;
}

/* ---------------------------------------------------------------- generators ---- */

static const DWORD k_private_bases[] = {PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE,
                                        PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE};
static const DWORD k_invalid_prots[] = {
    0,
    PAGE_READONLY | PAGE_READWRITE,
    PAGE_READONLY | PAGE_NOACCESS,
    PAGE_EXECUTE_READ | PAGE_EXECUTE,
    PAGE_READWRITE | PAGE_EXECUTE_WRITECOPY,
    PAGE_NOACCESS | PAGE_GUARD,
    PAGE_NOACCESS | PAGE_NOCACHE,
    PAGE_NOACCESS | PAGE_WRITECOMBINE,
    PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE,
    PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE,
    PAGE_READONLY | PAGE_GUARD | PAGE_WRITECOMBINE,
    PAGE_READWRITE | 0x800,
    PAGE_READWRITE | 0x10000,
    PAGE_GUARD,
    PAGE_NOCACHE,
    0xFFFFFFFFu,
};
static const DWORD k_copy_prots[] = {PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY,
                                     PAGE_WRITECOPY | PAGE_GUARD,
                                     PAGE_EXECUTE_WRITECOPY | PAGE_NOCACHE};

/* A protection: mostly valid for private memory.  With cache_alloc, a valid result avoids
 * GUARD and NOACCESS (their combination with the allocation's cache attribute is unrecorded). */
static DWORD gen_prot(bool cache_alloc)
{
    unsigned r = (unsigned)rn(100);
    if (r < 10)
        return k_invalid_prots[rn(sizeof(k_invalid_prots) / sizeof(DWORD))];
    if (r < 15)
        return k_copy_prots[rn(sizeof(k_copy_prots) / sizeof(DWORD))];
    for (;;) {
        DWORD b = k_private_bases[rn(6)];
        unsigned m = (unsigned)rn(100);
        DWORD mod = 0;
        if (m < 15)
            mod = PAGE_GUARD;
        else if (m < 23)
            mod = PAGE_NOCACHE;
        else if (m < 28)
            mod = PAGE_WRITECOMBINE;
        if (b == PAGE_NOACCESS && mod)
            mod = 0;
        DWORD p = b | mod;
        if (cache_alloc && (b == PAGE_NOACCESS || mod == PAGE_GUARD))
            continue;
        return p;
    }
}

/* Allocation protection for a new allocation (valid for private memory mostly). */
static DWORD gen_alloc_prot(void) { return gen_prot(false); }

static size_t gen_npages(void)
{
    unsigned r = (unsigned)rn(100);
    if (r < 50)
        return 1 + rn(16);
    if (r < 85)
        return 17 + rn(48);
    if (r < 97)
        return 65 + rn(192);
    return 257 + rn(MAXPAGES - 257 - 16);
}

/* A byte size covering exactly npages pages from a page-aligned start (unaligned end). */
static SIZE_T gen_size_for(size_t npages)
{
    if (chance(50))
        return npages * PAGE;
    return (npages - 1) * PAGE + 1 + rn(PAGE);
}

/* Random range touching pages of a (sometimes overflowing its end). */
static void gen_range_in(const struct malloc_m *a, uintptr_t *addr, SIZE_T *size)
{
    size_t i = rn(a->npages);
    size_t maxn = a->npages - i;
    size_t n = 1 + rn(chance(30) ? maxn : (maxn < 8 ? maxn : 8));
    if (chance(8))
        n += 1 + rn(20); /* past the end: into the tail, a neighbour, or free space */
    uintptr_t off1 = chance(30) ? rn(PAGE) : 0;
    uintptr_t off2 = chance(30) ? rn(PAGE - off1) : 0;
    if (n == 1 && off1 + off2 >= PAGE)
        off2 = 0;
    *addr = a->base + i * PAGE + off1;
    *size = n * PAGE - off1 - off2;
}

static struct malloc_m *pick_alloc(void) { return g_nalloc ? &g_alloc[rn((uint64_t)g_nalloc)] : NULL; }

static int g_stackvar;

/* An address outside every live allocation, or sometimes inside one. */
static uintptr_t gen_addr_any(void)
{
    unsigned r = (unsigned)rn(100);
    struct malloc_m *a = pick_alloc();
    if (a && r < 30) {
        if (a->end != GUP(a->end))
            return a->end + rn(GUP(a->end) - a->end); /* the tail of its last granule */
        return a->end + rn(4) * PAGE;
    }
    if (g_nreleased && r < 60) {
        int k = (int)rn((uint64_t)g_nreleased);
        return g_released[k].base + rn(g_released[k].end - g_released[k].base);
    }
    if (r < 70)
        return (uintptr_t)&printf + rn(64);
    if (r < 75)
        return (uintptr_t)&g_stackvar;
    if (r < 80)
        return (uintptr_t)g_mbuf + rn(sizeof(g_mbuf));
    if (r < 85)
        return 0x10000 + rn(0x1000) * PAGE + (chance(50) ? rn(PAGE) : 0);
    return (uintptr_t)0x10000000 + rn(0x8000) * PAGE + (chance(50) ? rn(PAGE) : 0);
}

/* Target of a commit or protect: with pct% chance (when there is a live allocation) a range in
 * one and a protection fit for it, returning true; otherwise any address, a short size and a
 * protection fit for whatever holds that address, returning false. */
static bool gen_target(unsigned pct, uintptr_t *addr, SIZE_T *size, DWORD *prot)
{
    struct malloc_m *a = pick_alloc();
    if (a && chance(pct)) {
        gen_range_in(a, addr, size);
        *prot = gen_prot((a->aprot & CACHE_MODS) != 0);
        return true;
    }
    *addr = gen_addr_any();
    *size = 1 + rn(4 * PAGE);
    struct malloc_m *b = find_alloc(*addr);
    *prot = gen_prot(b && (b->aprot & CACHE_MODS));
    return false;
}

/* ---------------------------------------------------------------- checks ---- */

static void expect_fail(bool ok, DWORD want1, DWORD want2, const char *what)
{
    DWORD e = GetLastError();
    CHK(!ok, "%s succeeded, model expects failure %u", what, want1);
    CHK(e == want1 || e == want2, "%s: GetLastError %u, model expects %u%s", what, e, want1,
        want2 != want1 ? " (or the alternative)" : "");
}

static void check_free_query(uintptr_t addr)
{
    size_t mi = maps_find(addr);
    if (mi < g_nmaps && g_maps[mi].s <= addr)
        return; /* a foreign mapping: not the model's business */
    uintptr_t next = mi < g_nmaps ? g_maps[mi].s : UEND;
    if (next > UEND)
        next = UEND;
    MEMORY_BASIC_INFORMATION m;
    memset(&m, 0xcc, sizeof(m));
    SIZE_T r = VirtualQuery((void *)addr, &m, sizeof(m));
    CHK(r == sizeof(m), "VirtualQuery(%#lx) of free memory failed: %u", (unsigned long)addr,
        GetLastError());
    CHK(m.State == MEM_FREE, "free %#lx: State %#x", (unsigned long)addr, m.State);
    CHK((uintptr_t)m.BaseAddress == PDOWN(addr), "free %#lx: BaseAddress %p", (unsigned long)addr,
        m.BaseAddress);
    CHK(m.RegionSize == next - PDOWN(addr), "free %#lx: RegionSize %#zx, expected %#lx",
        (unsigned long)addr, (size_t)m.RegionSize, (unsigned long)(next - PDOWN(addr)));
    CHK(m.AllocationBase == NULL && m.AllocationProtect == 0 && m.Type == 0 &&
            m.Protect == PAGE_NOACCESS,
        "free %#lx: AllocationBase %p AllocationProtect %#x Protect %#x Type %#x",
        (unsigned long)addr, m.AllocationBase, m.AllocationProtect, m.Protect, m.Type);
}

/* The region VirtualQuery must report at page index i of a. */
static size_t model_run(const struct malloc_m *a, size_t i)
{
    size_t j = i + 1;
    while (j < a->npages && a->pg[j].committed == a->pg[i].committed && a->pg[j].prot == a->pg[i].prot)
        j++;
    return j - i;
}

static void check_query_at(const struct malloc_m *a, uintptr_t addr)
{
    size_t i = (PDOWN(addr) - a->base) / PAGE;
    MEMORY_BASIC_INFORMATION m;
    memset(&m, 0xcc, sizeof(m));
    SIZE_T r = VirtualQuery((void *)addr, &m, sizeof(m));
    CHK(r == sizeof(m), "VirtualQuery(%#lx) failed: %u", (unsigned long)addr, GetLastError());
    const struct mpage *pg = &a->pg[i];
    size_t run = model_run(a, i);
    CHK((uintptr_t)m.BaseAddress == PDOWN(addr) && (uintptr_t)m.AllocationBase == a->base &&
            m.AllocationProtect == a->aprot && m.RegionSize == run * PAGE &&
            m.State == (pg->committed ? MEM_COMMIT : MEM_RESERVE) && m.Protect == pg->prot &&
            m.Type == MEM_PRIVATE,
        "query %#lx (alloc %#lx page %zu): got Base %p AllocBase %p AllocProt %#x Size %#zx "
        "State %#x Protect %#x Type %#x; model Base %#lx AllocBase %#lx AllocProt %#x Size %#zx "
        "State %#x Protect %#x Type %#x",
        (unsigned long)addr, (unsigned long)a->base, i, m.BaseAddress, m.AllocationBase,
        m.AllocationProtect, (size_t)m.RegionSize, m.State, m.Protect, m.Type,
        (unsigned long)PDOWN(addr), (unsigned long)a->base, a->aprot, (size_t)(run * PAGE),
        pg->committed ? MEM_COMMIT : MEM_RESERVE, pg->prot, MEM_PRIVATE);
}

static void verify_alloc(const struct malloc_m *a)
{
    /* The VirtualQuery walk reproduces the model's regions exactly. */
    for (size_t i = 0; i < a->npages; i += model_run(a, i))
        check_query_at(a, a->base + i * PAGE);
    check_query_at(a, a->base + rn(a->end - a->base)); /* an unaligned interior address */

    /* The kernel agrees page by page, and contents are what was written. */
    size_t mi = maps_find(a->base);
    for (size_t i = 0; i < a->npages; i++) {
        uintptr_t p = a->base + i * PAGE;
        while (mi < g_nmaps && g_maps[mi].e <= p)
            mi++;
        CHK(mi < g_nmaps && g_maps[mi].s <= p, "page %#lx of alloc %#lx is not mapped",
            (unsigned long)p, (unsigned long)a->base);
        int want = host_prot(&a->pg[i]);
        CHK(g_maps[mi].prot == want,
            "page %#lx (alloc %#lx page %zu, %s prot %#x): kernel prot %d, expected %d",
            (unsigned long)p, (unsigned long)a->base, i,
            a->pg[i].committed ? "committed" : "reserved", a->pg[i].prot, g_maps[mi].prot, want);
        if (want & 1) {
            uint64_t first = *(volatile uint64_t *)p, last = *(volatile uint64_t *)(p + PAGE - 8);
            CHK(first == a->pg[i].tag && last == a->pg[i].tag,
                "page %#lx (alloc %#lx page %zu): contents %#llx/%#llx, expected %#llx",
                (unsigned long)p, (unsigned long)a->base, i, (unsigned long long)first,
                (unsigned long long)last, (unsigned long long)a->pg[i].tag);
        }
    }
    /* The rest of the last granule is free. */
    if (a->end != GUP(a->end))
        check_free_query(a->end + rn(GUP(a->end) - a->end));
}

static void verify_all(void)
{
    maps_load();
    for (int k = 0; k < g_nalloc; k++) {
        for (int j = k + 1; j < g_nalloc; j++)
            CHK(g_alloc[k].end <= g_alloc[j].base || g_alloc[j].end <= g_alloc[k].base,
                "model allocations overlap");
        verify_alloc(&g_alloc[k]);
    }
    for (int k = 0; k < g_nreleased; k++) {
        uintptr_t b = g_released[k].base, e = g_released[k].end;
        if (alloc_overlap(b, e))
            continue; /* reused since */
        size_t mi = maps_find(b);
        CHK(!(mi < g_nmaps && g_maps[mi].s < e), "released [%#lx, %#lx) is still mapped: %#lx-%#lx",
            (unsigned long)b, (unsigned long)e, (unsigned long)g_maps[mi].s,
            (unsigned long)g_maps[mi].e);
        check_free_query(b + rn(e - b));
    }
}

/* ---------------------------------------------------------------- operations ---- */

static const DWORD k_bad_alloc_types[] = {0,
                                          MEM_TOP_DOWN,
                                          MEM_RESERVE | MEM_DECOMMIT,
                                          MEM_COMMIT | MEM_RELEASE,
                                          MEM_RELEASE,
                                          MEM_COMMIT | MEM_RESET,
                                          MEM_RESERVE | MEM_COMMIT | MEM_RESET,
                                          MEM_TOP_DOWN | MEM_RESET,
                                          0xFFFFFFFFu,
                                          MEM_WRITE_WATCH,
                                          MEM_COMMIT | MEM_WRITE_WATCH,
                                          MEM_RESERVE | 0x40000000u};

static void call_alloc(uintptr_t addr, SIZE_T size, DWORD type, DWORD prot, bool bad_type)
{
    snprintf(g_op, sizeof(g_op), "VirtualAlloc(%#lx, %#zx, %#x, %#x)", (unsigned long)addr,
             (size_t)size, type, prot);
    int pc = prot_class(prot);
    DWORD err = 0;
    uintptr_t base = 0, end = 0;
    bool reserve = (type & MEM_RESERVE) || addr == 0;
    struct malloc_m *a = NULL;

    if (size == 0 || bad_type || pc != 1)
        err = ERROR_INVALID_PARAMETER;
    else if (addr && (addr >= UEND || size > UEND - addr))
        err = ERROR_INVALID_PARAMETER;
    else if (reserve && addr) {
        base = GDOWN(addr);
        end = PUP(addr + size);
        if (base < 0x10000)
            err = ERROR_INVALID_PARAMETER;
        else if (alloc_overlap(base, end) || maps_overlap(base, end))
            err = ERROR_INVALID_ADDRESS;
    } else if (!reserve) {
        base = PDOWN(addr);
        end = PUP(addr + size);
        a = find_alloc(base);
        if (!a || end > a->end)
            err = ERROR_INVALID_ADDRESS;
    } else {
        end = PUP(size); /* a length, for NULL */
    }
    if (!err && reserve && g_nalloc == MAXA) {
        snprintf(g_op + strlen(g_op), sizeof(g_op) - strlen(g_op), " skipped: model full");
        return;
    }

    SetLastError(0xdeadbeef);
    void *r = VirtualAlloc((void *)addr, size, type, prot);
    if (err) {
        CHK(r == NULL, "VirtualAlloc returned %p, model expects failure %u", r, err);
        expect_fail(false, err, err, "VirtualAlloc");
        return;
    }
    CHK(r != NULL, "VirtualAlloc failed with %u, model expects success", GetLastError());
    if (reserve) {
        uintptr_t got = (uintptr_t)r;
        if (addr) {
            CHK(got == base, "VirtualAlloc returned %p, expected %#lx", r, (unsigned long)base);
        } else {
            CHK((got & (GRAN - 1)) == 0 && got >= 0x10000 && got + end <= UEND,
                "VirtualAlloc(NULL) returned %p", r);
            base = got;
            end = got + end;
            CHK(!alloc_overlap(base, end), "new allocation %p overlaps a live allocation", r);
        }
        add_alloc(base, end, prot, (type & MEM_COMMIT) != 0);
        return;
    }
    CHK((uintptr_t)r == base, "commit returned %p, expected %#lx", r, (unsigned long)base);
    for (uintptr_t p = base; p < end; p += PAGE) {
        struct mpage *pg = &a->pg[(p - a->base) / PAGE];
        if (!pg->committed)
            pg->tag = 0;
        pg->committed = true;
        pg->prot = effective(a, prot);
    }
}

static void op_alloc_null(void)
{
    size_t np = gen_npages();
    SIZE_T size = gen_size_for(np);
    DWORD type = (DWORD[]){MEM_RESERVE, MEM_RESERVE | MEM_COMMIT, MEM_COMMIT}[rn(3)];
    if (chance(20))
        type |= MEM_TOP_DOWN;
    bool bad = false;
    if (chance(5)) {
        type = k_bad_alloc_types[rn(sizeof(k_bad_alloc_types) / sizeof(DWORD))];
        bad = true;
    }
    if (chance(3))
        size = 0;
    call_alloc(0, size, type, gen_alloc_prot(), bad);
}

static void op_alloc_at(void)
{
    unsigned r = (unsigned)rn(100);
    uintptr_t addr;
    struct malloc_m *a = pick_alloc();
    if (a && r < 35)
        addr = a->base + rn(a->end - a->base + GRAN); /* on or just past a live allocation */
    else if (g_nreleased && r < 65)
        addr = g_released[rn((uint64_t)g_nreleased)].base + (chance(50) ? rn(GRAN) : 0);
    else if (r < 90)
        addr = (uintptr_t)0x10000000 + rn(0x2000) * GRAN + (chance(30) ? rn(GRAN) : 0);
    else
        addr = gen_addr_any();
    size_t np = gen_npages();
    uintptr_t off = addr & (GRAN - 1);
    if (off + np * PAGE > MAXPAGES * PAGE)
        np = (MAXPAGES * PAGE - off) / PAGE;
    if (np == 0)
        np = 1;
    SIZE_T size = gen_size_for(np);
    if (PUP(addr + size) - GDOWN(addr) > MAXPAGES * PAGE)
        size = MAXPAGES * PAGE - off;
    DWORD type = chance(50) ? MEM_RESERVE : MEM_RESERVE | MEM_COMMIT;
    bool bad = false;
    if (chance(4)) {
        type = k_bad_alloc_types[rn(sizeof(k_bad_alloc_types) / sizeof(DWORD))];
        bad = true;
    }
    if (chance(2))
        size = (SIZE_T)-1 - rn(PAGE); /* wraps past the end of user space */
    call_alloc(addr, size, type, gen_alloc_prot(), bad);
}

static void op_commit(void)
{
    uintptr_t addr;
    SIZE_T size;
    DWORD prot;
    if (!gen_target(85, &addr, &size, &prot) && addr == 0)
        addr = 0x10000;
    if (chance(2))
        size = 0;
    if (chance(2))
        size = (SIZE_T)-1 - rn(PAGE);
    bool bad = false;
    DWORD type = MEM_COMMIT;
    if (chance(3)) {
        type = (DWORD[]){MEM_COMMIT | MEM_RESET, MEM_COMMIT | MEM_DECOMMIT, MEM_COMMIT | 0x8}[rn(3)];
        bad = true;
    }
    call_alloc(addr, size, type, prot, bad);
}

static void op_free(bool release)
{
    struct malloc_m *a = pick_alloc();
    uintptr_t addr;
    SIZE_T size;
    DWORD type = release ? MEM_RELEASE : MEM_DECOMMIT;
    if (a && chance(85)) {
        if (release) {
            addr = chance(70) ? a->base + rn(PAGE) : a->base + rn(a->end - a->base);
            size = chance(90) ? 0 : 1 + rn(a->end - a->base);
        } else if (chance(10)) {
            addr = chance(70) ? a->base + rn(PAGE) : a->base + rn(a->end - a->base);
            size = 0;
        } else {
            gen_range_in(a, &addr, &size);
        }
    } else {
        addr = gen_addr_any();
        size = release ? (chance(80) ? 0 : PAGE) : 1 + rn(4 * PAGE);
    }
    if (chance(3))
        type = (DWORD[]){0, MEM_FREE, MEM_RELEASE | MEM_DECOMMIT, 0x1, MEM_RESERVE}[rn(5)];
    if (!release && chance(2))
        size = (SIZE_T)-1 - rn(PAGE);

    snprintf(g_op, sizeof(g_op), "VirtualFree(%#lx, %#zx, %#x)", (unsigned long)addr, (size_t)size,
             type);
    DWORD err = 0;
    uintptr_t start = 0, end = 0;
    struct malloc_m *t = NULL;
    if (type == MEM_RELEASE) {
        t = find_alloc(addr);
        if (size != 0)
            err = ERROR_INVALID_PARAMETER;
        else if (!t || PDOWN(addr) != t->base)
            err = ERROR_INVALID_ADDRESS;
    } else if (type == MEM_DECOMMIT) {
        if (addr >= UEND || size > UEND - addr)
            err = ERROR_INVALID_PARAMETER;
        else {
            start = PDOWN(addr);
            end = PUP(addr + size);
            t = find_alloc(start);
            if (!t)
                err = ERROR_INVALID_ADDRESS;
            else if (size == 0 && start != t->base)
                err = ERROR_INVALID_ADDRESS;
            else if (size == 0)
                end = t->end;
            else if (end > t->end)
                err = ERROR_INVALID_PARAMETER;
        }
    } else {
        err = ERROR_INVALID_PARAMETER;
    }
    SetLastError(0xdeadbeef);
    BOOL ok = VirtualFree((void *)addr, size, type);
    if (err) {
        expect_fail(ok, err, err, "VirtualFree");
        return;
    }
    CHK(ok, "VirtualFree failed with %u, model expects success", GetLastError());
    if (type == MEM_RELEASE) {
        remove_alloc(t);
        return;
    }
    for (uintptr_t p = start; p < end; p += PAGE) {
        struct mpage *pg = &t->pg[(p - t->base) / PAGE];
        pg->committed = false;
        pg->prot = 0;
        pg->tag = 0;
    }
}

static void op_protect(void)
{
    uintptr_t addr;
    SIZE_T size;
    DWORD prot;
    gen_target(88, &addr, &size, &prot);
    if (chance(2))
        size = (SIZE_T)-1 - rn(PAGE);

    int pc = prot_class(prot);
    DWORD err = 0, alt = 0;
    uintptr_t start = 0, end = 0;
    struct malloc_m *t = NULL;
    if (pc == 0)
        err = ERROR_INVALID_PARAMETER;
    else if (addr >= UEND || size > UEND - addr)
        err = ERROR_INVALID_PARAMETER;
    else {
        start = PDOWN(addr);
        end = PUP(addr + size);
        t = find_alloc(start);
        bool bad = !t || end > t->end;
        for (uintptr_t p = start; !bad && p < end; p += PAGE)
            if (!t->pg[(p - t->base) / PAGE].committed)
                bad = true;
        if (bad)
            err = ERROR_INVALID_ADDRESS;
        if (pc == 2) {
            /* WRITECOPY on private memory is 87; which check comes first on a bad range is
             * not recorded, so either answer is right there. */
            alt = err ? err : ERROR_INVALID_PARAMETER;
            err = ERROR_INVALID_PARAMETER;
        }
    }
    bool null_old = !err && chance(3);
    snprintf(g_op, sizeof(g_op), "VirtualProtect(%#lx, %#zx, %#x, %s)", (unsigned long)addr,
             (size_t)size, prot, null_old ? "NULL" : "&old");
    if (null_old)
        err = alt = ERROR_NOACCESS;
    if (!alt)
        alt = err;
    DWORD old = 0xdeadbeef;
    SetLastError(0xdeadbeef);
    BOOL ok = VirtualProtect((void *)addr, size, prot, null_old ? NULL : &old);
    if (err) {
        expect_fail(ok, err, alt, "VirtualProtect");
        return;
    }
    CHK(ok, "VirtualProtect failed with %u, model expects success", GetLastError());
    DWORD want_old = t->pg[(start - t->base) / PAGE].prot;
    CHK(old == want_old, "old protection %#x, model says %#x", old, want_old);
    for (uintptr_t p = start; p < end; p += PAGE)
        t->pg[(p - t->base) / PAGE].prot = effective(t, prot);
}

static void op_query(void)
{
    unsigned r = (unsigned)rn(100);
    if (r < 4) {
        uintptr_t addr = UEND + rn(4) * PAGE + rn(PAGE);
        snprintf(g_op, sizeof(g_op), "VirtualQuery(%#lx) above user space", (unsigned long)addr);
        MEMORY_BASIC_INFORMATION m;
        SetLastError(0xdeadbeef);
        CHK(VirtualQuery((void *)addr, &m, sizeof(m)) == 0, "query above user space succeeded");
        CHK(GetLastError() == ERROR_INVALID_PARAMETER, "error %u, expected 87", GetLastError());
        return;
    }
    if (r < 8) {
        struct malloc_m *a = pick_alloc();
        uintptr_t addr = a ? a->base : 0x10000;
        snprintf(g_op, sizeof(g_op), "VirtualQuery(%#lx, short buffer)", (unsigned long)addr);
        MEMORY_BASIC_INFORMATION m;
        SetLastError(0xdeadbeef);
        CHK(VirtualQuery((void *)addr, &m, sizeof(m) - 1 - rn(8)) == 0, "short buffer accepted");
        CHK(GetLastError() == ERROR_BAD_LENGTH, "error %u, expected 24", GetLastError());
        return;
    }
    uintptr_t addr = gen_addr_any();
    snprintf(g_op, sizeof(g_op), "VirtualQuery(%#lx)", (unsigned long)addr);
    maps_load();
    struct malloc_m *a = find_alloc(addr);
    if (a)
        check_query_at(a, addr);
    else
        check_free_query(addr);
}

static void op_write(void)
{
    struct malloc_m *a = pick_alloc();
    if (!a)
        return;
    uintptr_t addr;
    SIZE_T size;
    gen_range_in(a, &addr, &size);
    snprintf(g_op, sizeof(g_op), "write tags [%#lx, +%#zx)", (unsigned long)addr, (size_t)size);
    uintptr_t end = PUP(addr + size);
    if (end > a->end)
        end = a->end;
    for (uintptr_t p = PDOWN(addr); p < end; p += PAGE) {
        struct mpage *pg = &a->pg[(p - a->base) / PAGE];
        if (!(host_prot(pg) & 2))
            continue;
        uint64_t tag = (rnd() | 1) ^ ((uint64_t)g_step << 32);
        if (!tag)
            tag = 1;
        *(volatile uint64_t *)p = tag;
        *(volatile uint64_t *)(p + PAGE - 8) = tag;
        pg->tag = tag;
    }
}

/* ---------------------------------------------------------------- driver ---- */

static void run_model(unsigned seed, int steps)
{
    const char *more = getenv("WINVM_MODEL_SEED");
    seed += more ? (unsigned)strtoul(more, NULL, 0) : 0;
    g_seed = seed;
    g_rng = seed * 0x2545F4914F6CDD1Dull + 1;
    g_nalloc = g_nreleased = g_released_next = 0;
    snprintf(g_crash_msg, sizeof(g_crash_msg), "\ntest_model crashed: seed %u, during ", seed);
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    maps_load();
    for (g_step = 0; g_step < steps; g_step++) {
        snprintf(g_crash_msg, sizeof(g_crash_msg), "\ntest_model crashed: seed %u step %d: ", seed,
                 g_step);
        g_op[0] = 0;
        unsigned r = (unsigned)rn(100);
        if (g_nalloc == 0 && r >= 20)
            r = (unsigned)rn(20);
        if (g_nalloc >= MAXA - 1 && r < 20)
            r = 40 + (unsigned)rn(5); /* release instead */
        if (r < 14)
            op_alloc_null();
        else if (r < 20)
            op_alloc_at();
        else if (r < 38)
            op_commit();
        else if (r < 48)
            op_free(false);
        else if (r < 55)
            op_free(true);
        else if (r < 75)
            op_protect();
        else if (r < 83)
            op_query();
        else
            op_write();
        verify_all();
    }
    /* Release everything; the kernel must forget every range. */
    while (g_nalloc) {
        struct malloc_m *a = &g_alloc[g_nalloc - 1];
        snprintf(g_op, sizeof(g_op), "final VirtualFree(%#lx, 0, MEM_RELEASE)", (unsigned long)a->base);
        CHK(VirtualFree((void *)a->base, 0, MEM_RELEASE), "final release failed: %u", GetLastError());
        remove_alloc(a);
    }
    verify_all();
}

Test(model, seed_1) { run_model(1, 8000); }
Test(model, seed_2) { run_model(0xC0FFEE, 8000); }
Test(model, seed_3) { run_model(20240607, 8000); }
