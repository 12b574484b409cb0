/* SPDX-License-Identifier: MIT */
/* test_coexist.c - winvm living next to malloc, the dynamic loader and raw mmap.
 *
 * winvm owns only what it mapped.  Everything else in the process (malloc arenas, libraries,
 * raw mmaps) must be reported truthfully by VirtualQuery and never be changed by
 * VirtualFree/VirtualProtect/VirtualAlloc, and its presence must never break placement.
 */
#define _GNU_SOURCE
#include "testutil.h"
#include "hooks.h"

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define EXEC_PROTS (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY)

static void *raw_map(void *at, size_t len, int prot, int flags)
{
    void *p = mmap(at, len, prot, flags | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED, "mmap(%p, %#zx) failed", at, len);
    return p;
}

/* A committed, read-write, 64K-aligned allocation that really works. */
static char *good_alloc(size_t size, DWORD extra_type)
{
    char *p = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT | extra_type, PAGE_READWRITE);
    cr_assert_not_null(p, "VirtualAlloc(%#zx) failed: %u", size, GetLastError());
    cr_assert_eq((uintptr_t)p & (GRAN - 1), 0, "%p is not 64K aligned", (void *)p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.AllocationBase, p);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Type, MEM_PRIVATE);
    cr_assert_eq(m.RegionSize, (size + PAGE - 1) & ~(PAGE - 1));
    cr_assert_eq(tu_host_prot(p), 3);
    p[0] = 0x11;
    p[size - 1] = 0x22;
    cr_assert_eq(p[0] + p[size - 1], 0x33);
    return p;
}

/* ---- malloc between winvm calls ---- */

Test(coexist, malloc_and_free_interleaved)
{
    enum { N = 64 };
    char *va[N] = {0}, *small[N] = {0}, *large[N] = {0};
    for (int i = 0; i < N; i++) {
        small[i] = malloc(16 + (size_t)i * 24);
        cr_assert_not_null(small[i]);
        memset(small[i], i, 16 + (size_t)i * 24);
        va[i] = VirtualAlloc(NULL, 0x3000 + (size_t)i * 0x1000, MEM_RESERVE | MEM_COMMIT,
                             PAGE_READWRITE);
        cr_assert_not_null(va[i], "VirtualAlloc %d failed: %u", i, GetLastError());
        cr_assert_eq((uintptr_t)va[i] & (GRAN - 1), 0);
        memset(va[i], 0x80 + i, 0x3000 + (size_t)i * 0x1000);
        large[i] = malloc((size_t)(1 + i % 4) << 20); /* mmap'ed by malloc */
        cr_assert_not_null(large[i]);
        memset(large[i], 0x40 + i, (size_t)(1 + i % 4) << 20);
        if (i % 3 == 2) {
            free(small[i - 1]);
            small[i - 1] = NULL;
            free(large[i - 2]);
            large[i - 2] = NULL;
            cr_assert(VirtualFree(va[i - 2], 0, MEM_RELEASE));
            va[i - 2] = NULL;
        }
        /* winvm's allocations never overlap malloc's blocks. */
        for (int j = 0; j <= i; j++) {
            if (!va[j])
                continue;
            uintptr_t b = (uintptr_t)va[j], e = b + 0x3000 + (uintptr_t)j * 0x1000;
            for (int k = 0; k <= i; k++) {
                if (large[k]) {
                    uintptr_t lb = (uintptr_t)large[k], le = lb + ((uintptr_t)(1 + k % 4) << 20);
                    cr_assert(le <= b || e <= lb, "malloc block %d overlaps VirtualAlloc %d", k, j);
                }
                if (small[k]) {
                    uintptr_t sb = (uintptr_t)small[k], se = sb + 16 + (uintptr_t)k * 24;
                    cr_assert(se <= b || e <= sb, "malloc block %d overlaps VirtualAlloc %d", k, j);
                }
            }
        }
    }
    for (int i = 0; i < N; i++) {
        if (small[i])
            for (size_t k = 0; k < 16 + (size_t)i * 24; k++)
                cr_assert_eq((unsigned char)small[i][k], (unsigned char)i);
        if (large[i]) {
            size_t len = (size_t)(1 + i % 4) << 20;
            cr_assert_eq((unsigned char)large[i][0], (unsigned char)(0x40 + i));
            cr_assert_eq((unsigned char)large[i][len - 1], (unsigned char)(0x40 + i));
        }
        if (va[i]) {
            size_t len = 0x3000 + (size_t)i * 0x1000;
            cr_assert_eq((unsigned char)va[i][0], (unsigned char)(0x80 + i));
            cr_assert_eq((unsigned char)va[i][len - 1], (unsigned char)(0x80 + i));
            MEMORY_BASIC_INFORMATION m = tu_query(va[i] + len / 2);
            cr_assert_eq(m.AllocationBase, va[i]);
            cr_assert_eq(m.State, MEM_COMMIT);
            cr_assert_eq(m.Protect, PAGE_READWRITE);
            cr_assert(VirtualFree(va[i], 0, MEM_RELEASE));
        }
        free(small[i]);
        free(large[i]);
    }
}

/* ---- the dynamic loader ---- */

Test(coexist, dlopen_between_winvm_calls)
{
    char *a = good_alloc(0x20000, 0);
    char *b = good_alloc(0x10000, MEM_TOP_DOWN);
    void *h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(h, "dlopen(libm.so.6): %s", dlerror());
    double (*cosine)(double) = (double (*)(double))dlsym(h, "cos");
    cr_assert_not_null(cosine);
    cr_assert_float_eq(cosine(0.0), 1.0, 1e-12);
    MEMORY_BASIC_INFORMATION m = tu_query((void *)cosine);
    cr_assert_eq(m.Type, MEM_IMAGE, "cos: Type %#x", m.Type);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert(m.Protect & EXEC_PROTS, "cos: Protect %#x", m.Protect);
    char *c = good_alloc(0x30000, 0);
    cr_assert(VirtualFree(a, 0, MEM_RELEASE));
    cr_assert(VirtualFree(b, 0, MEM_RELEASE));
    cr_assert_eq(dlclose(h), 0);
    char *d = good_alloc(0x10000, 0);
    cr_assert(VirtualFree(c, 0, MEM_RELEASE));
    cr_assert(VirtualFree(d, 0, MEM_RELEASE));
    /* libm may stay loaded (libc can depend on it); dlopen again still works. */
    h = dlopen("libm.so.6", RTLD_NOW);
    cr_assert_not_null(h);
    dlclose(h);
}

/* ---- VirtualQuery reports foreign memory truthfully ---- */

Test(coexist, foreign_anonymous_private_rw)
{
    /* NONE | RW RW | NONE ...: the RW pages are bounded, so their region is exact. */
    char *x = raw_map(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE);
    cr_assert_eq(mprotect(x + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE), 0);
    x[PAGE] = 1;
    MEMORY_BASIC_INFORMATION m = tu_query(x + PAGE + 5);
    cr_assert_eq(m.BaseAddress, x + PAGE);
    cr_assert_eq(m.RegionSize, 2 * PAGE);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Type, MEM_PRIVATE);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_not_null(m.AllocationBase);
    cr_assert_leq((uintptr_t)m.AllocationBase, (uintptr_t)m.BaseAddress);

    /* PROT_NONE anonymous memory is a reservation. */
    m = tu_query(x + 3 * PAGE);
    cr_assert_eq(m.BaseAddress, x + 3 * PAGE);
    cr_assert_eq(m.State, MEM_RESERVE, "PROT_NONE: State %#x", m.State);
    cr_assert_eq(m.Protect, 0);
    cr_assert_eq(m.Type, MEM_PRIVATE);
    cr_assert_geq((uintptr_t)m.BaseAddress + m.RegionSize, (uintptr_t)(x + 8 * PAGE));
    m = tu_query(x);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq((uintptr_t)m.BaseAddress + m.RegionSize, (uintptr_t)(x + PAGE),
                 "the reservation before the RW pages must end where they start");

    /* Other protections read back as the matching PAGE_* value. */
    cr_assert_eq(mprotect(x + 4 * PAGE, PAGE, PROT_READ), 0);
    m = tu_query(x + 4 * PAGE);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.RegionSize, PAGE);
    cr_assert_eq(mprotect(x + 6 * PAGE, PAGE, PROT_READ | PROT_EXEC), 0);
    m = tu_query(x + 6 * PAGE);
    cr_assert_eq(m.Protect, PAGE_EXECUTE_READ);
    cr_assert_eq(m.RegionSize, PAGE);
    munmap(x, 8 * PAGE);
}

Test(coexist, foreign_anonymous_shared_is_mapped)
{
    char *s = raw_map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
    s[0] = 1;
    MEMORY_BASIC_INFORMATION m = tu_query(s + 100);
    cr_assert_eq(m.BaseAddress, s);
    cr_assert_eq(m.Type, MEM_MAPPED, "MAP_SHARED anonymous: Type %#x", m.Type);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_geq(m.RegionSize, 4 * PAGE);
    munmap(s, 4 * PAGE);
}

Test(coexist, libc_text_is_image)
{
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    cr_assert_not_null(libc);
    void *fn = dlsym(libc, "printf"); /* libc's own, not a sanitizer's interceptor */
    cr_assert_not_null(fn);
    MEMORY_BASIC_INFORMATION m = tu_query(fn);
    cr_assert_eq(m.BaseAddress, (void *)((uintptr_t)fn & ~(PAGE - 1)));
    cr_assert_eq(m.Type, MEM_IMAGE, "libc text: Type %#x", m.Type);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert(m.Protect & EXEC_PROTS, "libc text: Protect %#x", m.Protect);
    cr_assert_eq(m.Protect, PAGE_EXECUTE_READ, "libc text: Protect %#x", m.Protect);
    cr_assert_neq(m.AllocationBase, NULL);
    cr_assert_eq(tu_host_prot(fn), 5);
    /* The test executable's own text too. */
    m = tu_query((void *)&good_alloc);
    cr_assert_eq(m.Type, MEM_IMAGE);
    cr_assert(m.Protect & EXEC_PROTS);
    dlclose(libc);
}

Test(coexist, free_hole_between_raw_mmaps)
{
    char *x = raw_map(NULL, 24 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    cr_assert_eq(munmap(x + 8 * PAGE, 8 * PAGE), 0);
    for (uintptr_t off = 8 * PAGE; off < 16 * PAGE; off += 3 * PAGE + 17) {
        MEMORY_BASIC_INFORMATION m = tu_query(x + off);
        uintptr_t base = (uintptr_t)(x + off) & ~(PAGE - 1);
        cr_assert_eq((uintptr_t)m.BaseAddress, base);
        cr_assert_eq(m.State, MEM_FREE, "hole: State %#x", m.State);
        cr_assert_eq((uintptr_t)m.BaseAddress + m.RegionSize, (uintptr_t)(x + 16 * PAGE),
                     "the free region must reach exactly the next mapping");
        cr_assert_eq(m.AllocationBase, NULL);
        cr_assert_eq(m.AllocationProtect, 0);
        cr_assert_eq(m.Protect, PAGE_NOACCESS);
        cr_assert_eq(m.Type, 0);
    }
    MEMORY_BASIC_INFORMATION m = tu_query(x + 16 * PAGE);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.BaseAddress, x + 16 * PAGE);
    munmap(x, 8 * PAGE);
    munmap(x + 16 * PAGE, 8 * PAGE);
}

/* ---- winvm never touches a raw mmap ---- */

Test(coexist, raw_mmap_is_never_changed)
{
    char *x = raw_map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(x, 0x6b, 4 * PAGE);
    DWORD old = 0xdeadbeef;

    SetLastError(0);
    cr_assert_not(VirtualFree(x, 0, MEM_RELEASE));
    cr_assert_eq(GetLastError(), ERROR_INVALID_ADDRESS, "release: %u", GetLastError());
    SetLastError(0);
    cr_assert_not(VirtualFree(x + PAGE, PAGE, MEM_DECOMMIT));
    cr_assert_eq(GetLastError(), ERROR_INVALID_ADDRESS, "decommit: %u", GetLastError());
    SetLastError(0);
    cr_assert_not(VirtualFree(x, 0, MEM_DECOMMIT));
    cr_assert_eq(GetLastError(), ERROR_INVALID_ADDRESS, "decommit size 0: %u", GetLastError());
    SetLastError(0);
    cr_assert_not(VirtualProtect(x, PAGE, PAGE_READONLY, &old));
    cr_assert_eq(GetLastError(), ERROR_INVALID_ADDRESS, "protect: %u", GetLastError());
    SetLastError(0);
    cr_assert_not(VirtualProtect(x + PAGE, 2 * PAGE, PAGE_NOACCESS, &old));
    cr_assert_eq(GetLastError(), ERROR_INVALID_ADDRESS, "protect: %u", GetLastError());
    SetLastError(0);
    cr_assert_null(VirtualAlloc(x, PAGE, MEM_COMMIT, PAGE_READONLY));
    cr_assert_eq(GetLastError(), ERROR_INVALID_ADDRESS, "commit: %u", GetLastError());
    SetLastError(0);
    cr_assert_null(VirtualAlloc(x, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY));
    cr_assert_eq(GetLastError(), ERROR_INVALID_ADDRESS, "reserve over it: %u", GetLastError());
    SetLastError(0);
    cr_assert_null(VirtualAlloc(x + PAGE, PAGE, MEM_RESET, PAGE_READWRITE));
    cr_assert_eq(GetLastError(), ERROR_INVALID_ADDRESS, "reset: %u", GetLastError());

    for (int i = 0; i < 4; i++)
        cr_assert_eq(tu_host_prot(x + i * PAGE), 3, "page %d's protection changed", i);
    for (size_t i = 0; i < 4 * PAGE; i++)
        cr_assert_eq((unsigned char)x[i], 0x6b, "byte %zu changed", i);
    MEMORY_BASIC_INFORMATION m = tu_query(x);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.State, MEM_COMMIT);
    munmap(x, 4 * PAGE);
}

/* ---- placement survives a raw mmap exactly where winvm would go next ---- */

static void expect_works_elsewhere(char *taken, size_t taken_len, size_t size, DWORD extra)
{
    char *p = good_alloc(size, extra);
    cr_assert((uintptr_t)p + size <= (uintptr_t)taken || (uintptr_t)taken + taken_len <= (uintptr_t)p,
              "VirtualAlloc returned %p, overlapping the raw mapping at %p", (void *)p, (void *)taken);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
}

Test(coexist, raw_mmap_at_next_bottom_up_address)
{
    int k = 0;
    for (size_t size = 0x10000; size <= 0x80000; size *= 2, k++) {
        /* Allocate and release: that range is where the next bottom-up allocation of this
         * size goes (winvm reuses released low addresses first, as Windows does). */
        char *a = good_alloc(size, 0);
        cr_assert(VirtualFree(a, 0, MEM_RELEASE));
        /* Take one page of that exact spot with a raw mmap: its first or its last page. */
        char *at = (k & 1) ? a + size - PAGE : a;
        char *raw = mmap(at, PAGE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        cr_assert_eq(raw, at, "MAP_FIXED_NOREPLACE at %p failed", (void *)at);
        raw[0] = 0x3c;
        expect_works_elsewhere(raw, PAGE, size, 0);
        expect_works_elsewhere(raw, PAGE, size, MEM_TOP_DOWN);
        cr_assert_eq(raw[0], 0x3c);
        cr_assert_eq(tu_host_prot(raw), 3);
        MEMORY_BASIC_INFORMATION m = tu_query(raw);
        cr_assert_eq(m.Type, MEM_PRIVATE);
        cr_assert_eq(m.State, MEM_COMMIT);
        cr_assert_eq(m.Protect, PAGE_READWRITE);
        cr_assert_eq(munmap(raw, PAGE), 0);
    }
}

Test(coexist, raw_mmap_fence_in_front_of_the_cursor)
{
    /* Raw 64K mappings on every other granule from the next bottom-up spot: no gap fits a
     * 128K allocation for a long stretch, so placement must give up guessing and still work. */
    char *a = good_alloc(0x20000, 0);
    cr_assert(VirtualFree(a, 0, MEM_RELEASE));
    enum { FENCE = 48 };
    char *fence[FENCE];
    int n = 0;
    for (int i = 0; i < FENCE; i++) {
        char *want = a + (size_t)i * 2 * GRAN;
        char *r = mmap(want, GRAN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (r == MAP_FAILED)
            continue; /* something is there already: it is a fence post too */
        cr_assert_eq(r, want);
        fence[n++] = r;
    }
    cr_assert_gt(n, FENCE / 2);
    for (int k = 0; k < 4; k++) {
        char *p = good_alloc(0x20000, 0);
        for (int i = 0; i < n; i++)
            cr_assert((uintptr_t)p + 0x20000 <= (uintptr_t)fence[i] ||
                          (uintptr_t)fence[i] + GRAN <= (uintptr_t)p,
                      "allocation %p overlaps fence post %p", (void *)p, (void *)fence[i]);
        cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    }
    for (int i = 0; i < n; i++) {
        cr_assert_eq(tu_host_prot(fence[i]), 1);
        munmap(fence[i], GRAN);
    }
}

Test(coexist, raw_mmap_at_next_top_down_address)
{
    char *a = good_alloc(0x10000, MEM_TOP_DOWN);
    char *b = good_alloc(0x10000, MEM_TOP_DOWN);
    cr_assert(VirtualFree(b, 0, MEM_RELEASE));
    char *raw = mmap(b, GRAN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                     -1, 0);
    cr_assert_eq(raw, b);
    raw[5] = 9;
    for (int i = 0; i < 4; i++) {
        char *c = good_alloc(0x10000, MEM_TOP_DOWN);
        cr_assert((uintptr_t)c + GRAN <= (uintptr_t)raw || (uintptr_t)raw + GRAN <= (uintptr_t)c);
        cr_assert(VirtualFree(c, 0, MEM_RELEASE));
    }
    cr_assert_eq(raw[5], 9);
    munmap(raw, GRAN);
    cr_assert(VirtualFree(a, 0, MEM_RELEASE));
}

/* ---- the whole address space, walked ---- */

struct mapent {
    uintptr_t s, e;
};

static size_t read_maps(struct mapent *out, size_t max)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    char line[1024];
    size_t n = 0;
    while (n < max && fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx", &s, &e) == 2 && !wv_test_hidden_mapping(s, e))
            out[n++] = (struct mapent){s, e};
        while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
            ;
    }
    fclose(f);
    return n;
}

Test(coexist, whole_address_space_walk)
{
    /* Some variety: winvm allocations with several regions, a raw mapping, a hole. */
    char *w = VirtualAlloc(NULL, 0x40000, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(w);
    cr_assert_not_null(VirtualAlloc(w + 0x2000, 0x3000, MEM_COMMIT, PAGE_READONLY));
    cr_assert_not_null(VirtualAlloc(w + 0x9000, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READ));
    char *t = VirtualAlloc(NULL, 0x5000, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE);
    cr_assert_not_null(t);
    char *x = raw_map(NULL, 16 * PAGE, PROT_READ, MAP_PRIVATE);
    munmap(x + 4 * PAGE, 4 * PAGE);

    static struct mapent maps[70000];
    size_t nmaps = read_maps(maps, 70000);

    uintptr_t addr = 0;
    size_t nregions = 0, nwinvm = 0;
    bool saw_w = false, saw_t = false, saw_hole = false;
    while (addr <= 0x7FFFFFFEFFFFull) {
        MEMORY_BASIC_INFORMATION m;
        memset(&m, 0xcc, sizeof(m));
        SIZE_T r = VirtualQuery((void *)addr, &m, sizeof(m));
        cr_assert_eq(r, sizeof(m), "VirtualQuery(%#lx) failed: %u", (unsigned long)addr, GetLastError());
        cr_assert_eq((uintptr_t)m.BaseAddress, addr, "region at %#lx reports base %p", (unsigned long)addr,
                     m.BaseAddress);
        cr_assert_gt(m.RegionSize, 0, "empty region at %#lx", (unsigned long)addr);
        cr_assert_eq(m.RegionSize & (PAGE - 1), 0);
        cr_assert_leq(addr + m.RegionSize, UEND, "region at %#lx runs past user space",
                      (unsigned long)addr);
        cr_assert(m.State == MEM_FREE || m.State == MEM_RESERVE || m.State == MEM_COMMIT,
                  "State %#x at %#lx", m.State, (unsigned long)addr);
        if (m.State == MEM_FREE) {
            cr_assert_eq(m.Type, 0);
            cr_assert_null(m.AllocationBase);
            cr_assert_eq(m.Protect, PAGE_NOACCESS);
        } else {
            cr_assert(m.Type == MEM_PRIVATE || m.Type == MEM_MAPPED || m.Type == MEM_IMAGE,
                      "Type %#x at %#lx", m.Type, (unsigned long)addr);
            cr_assert_not_null(m.AllocationBase);
            cr_assert_leq((uintptr_t)m.AllocationBase, addr);
        }
        if (m.AllocationBase == w) {
            nwinvm++;
            saw_w = true;
        }
        if (m.AllocationBase == t)
            saw_t = true;
        if (addr == (uintptr_t)(x + 4 * PAGE) && m.State == MEM_FREE && m.RegionSize == 4 * PAGE)
            saw_hole = true;
        /* Free regions overlap no kernel mapping; others lie inside them. */
        uintptr_t end = addr + m.RegionSize;
        for (size_t i = 0; i < nmaps; i++) {
            if (maps[i].s >= end || maps[i].e <= addr)
                continue;
            cr_assert_neq(m.State, MEM_FREE, "free region [%#lx, %#lx) overlaps mapping %#lx-%#lx",
                          (unsigned long)addr, (unsigned long)end, (unsigned long)maps[i].s,
                          (unsigned long)maps[i].e);
        }
        nregions++;
        cr_assert_lt(nregions, 1000000, "the walk does not terminate");
        addr = end;
    }
    cr_assert_eq(addr, UEND, "the walk ended at %#lx", (unsigned long)addr);
    cr_assert(saw_w && saw_t && saw_hole, "walk missed: winvm %d top-down %d hole %d", saw_w, saw_t,
              saw_hole);
    cr_assert_eq(nwinvm, 5, "the winvm allocation should show 5 regions, saw %zu", nwinvm);

    /* Every kernel mapping in user space is covered by non-free regions. */
    for (size_t i = 0; i < nmaps; i++) {
        if (maps[i].s >= UEND)
            continue;
        MEMORY_BASIC_INFORMATION m = tu_query((void *)maps[i].s);
        cr_assert_neq(m.State, MEM_FREE, "mapping %#lx-%#lx reported free", (unsigned long)maps[i].s,
                      (unsigned long)maps[i].e);
    }
    SetLastError(0);
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery((void *)UEND, &m, sizeof(m)), 0);
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);

    cr_assert(VirtualFree(w, 0, MEM_RELEASE));
    cr_assert(VirtualFree(t, 0, MEM_RELEASE));
    munmap(x, 4 * PAGE);
    munmap(x + 8 * PAGE, 8 * PAGE);
}
