/* SPDX-License-Identifier: MIT */
/* os.c - the mmap/mprotect/munmap/madvise calls behind every winvm mapping, and behind the
 * anonymous memory winvm keeps for itself (tables, buffers, signal stacks).
 *
 * Where a new allocation goes is decided above (mm/place.c); this file only asks the kernel
 * for exactly that range, with MAP_FIXED_NOREPLACE, so the kernel stays the arbiter: two
 * threads can never both get one range.
 */
#define _GNU_SOURCE
#include "host/host.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define WV_MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

/* mmap arguments for anonymous memory (b NULL) or for a section's descriptor. */
static void *wv_mmap(void *addr, size_t size, int prot, int fixed, const struct wv_backing *b)
{
    if (!b)
        return mmap(addr, size, prot, WV_MAP_FLAGS | fixed, -1, 0);
    return mmap(addr, size, prot, (b->shared ? MAP_SHARED : MAP_PRIVATE) | fixed, b->fd, b->off);
}

/* The anchor page (wv_os_anchor), 0 when there is none: winvm's own, so no program may see it
 * or meet it.  Taken (atomically) by the one call that gives it up. */
static uintptr_t wv_anchor;

uintptr_t wv_os_anchor_page(void) { return __atomic_load_n(&wv_anchor, __ATOMIC_ACQUIRE); }

/* A fixed mapping of [addr, addr+size) met something: when that is the anchor, it goes (it only
 * saves page-table work) and the mapping is tried again.  True when it is worth a retry. */
static bool wv_anchor_yield(uintptr_t addr, size_t size)
{
    uintptr_t a = wv_os_anchor_page();
    if (!a || a + WV_PAGE_SIZE <= addr || a >= addr + size)
        return false;
    if (__atomic_compare_exchange_n(&wv_anchor, &a, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        munmap((void *)a, WV_PAGE_SIZE);
    return true;
}

DWORD wv_os_map_at(uintptr_t addr, size_t size, int prot, const struct wv_backing *b)
{
    void *p = wv_mmap((void *)addr, size, prot, MAP_FIXED_NOREPLACE, b);
    if (p == MAP_FAILED && errno == EEXIST && wv_anchor_yield(addr, size))
        p = wv_mmap((void *)addr, size, prot, MAP_FIXED_NOREPLACE, b);
    if (p == MAP_FAILED)
        return errno == EEXIST ? ERROR_INVALID_ADDRESS : wv_errno_to_error(errno);
    if ((uintptr_t)p != addr) {
        /* A kernel that ignores MAP_FIXED_NOREPLACE treats it as a hint. */
        munmap(p, size);
        return ERROR_INVALID_ADDRESS;
    }
    return 0;
}

/* Over-map by one granule and trim: always works while the kernel has room.  A section is
 * then mapped over the aligned range (its offset must not move with the trim). */
DWORD wv_os_map_trimmed(size_t size, int prot, const struct wv_backing *b, uintptr_t *out)
{
    size_t span = size + WV_GRANULE - WV_PAGE_SIZE;
    if (span < size)
        return ERROR_NOT_ENOUGH_MEMORY;
    void *p = mmap(NULL, span, prot, WV_MAP_FLAGS, -1, 0);
    if (p == MAP_FAILED)
        return wv_errno_to_error(errno);
    uintptr_t raw = (uintptr_t)p, a = wv_gran_up(raw);
    if (a > raw)
        munmap(p, a - raw);
    if (raw + span > a + size)
        munmap((void *)(a + size), raw + span - (a + size));
    DWORD err = b ? wv_os_map_over(a, size, prot, b) : 0;
    if (err) {
        munmap((void *)a, size);
        return err;
    }
    *out = a;
    return 0;
}

DWORD wv_os_map_over(uintptr_t addr, size_t size, int prot, const struct wv_backing *b)
{
    return wv_mmap((void *)addr, size, prot, MAP_FIXED, b) == MAP_FAILED ? wv_errno_to_error(errno) : 0;
}

void wv_os_anchor(uintptr_t addr)
{
    /* Shared, so the kernel never merges it with a neighbour: it stays one page it can tell. */
    void *p = mmap((void *)addr, WV_PAGE_SIZE, PROT_NONE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == (void *)addr)
        __atomic_store_n(&wv_anchor, addr, __ATOMIC_RELEASE);
    else if (p != MAP_FAILED)
        munmap(p, WV_PAGE_SIZE); /* a kernel that took the address as a hint */
}

DWORD wv_os_unmap(uintptr_t addr, size_t size)
{
    return munmap((void *)addr, size) ? wv_errno_to_error(errno) : 0;
}

void wv_os_discard(uintptr_t addr, size_t size)
{
    /* Cannot fail on a private anonymous range: it splits no mapping. */
    madvise((void *)addr, size, MADV_DONTNEED);
}

void wv_os_discard_lazily(uintptr_t addr, size_t size)
{
    /* Fails (EINVAL) on shared or file-backed pages, which then simply keep their contents. */
    madvise((void *)addr, size, MADV_FREE);
}

void wv_os_will_need(uintptr_t addr, size_t size)
{
    /* ENOMEM for a hole in the range: the mapped parts got the hint all the same. */
    madvise((void *)addr, size, MADV_WILLNEED);
}

/* ---- winvm's own memory ---- */

void *wv_os_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *wv_os_alloc_sparse(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, WV_MAP_FLAGS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Zeroes len bytes at p unless they read zero already: a page only read maps the shared zero
 * page, and writing it would cost a fault for nothing. */
static void wv_zero_page(char *p, size_t len)
{
    const uint64_t *w = (const uint64_t *)p;
    for (size_t i = 0; i < len / 8; i++)
        if (w[i]) {
            memset(p, 0, len);
            return;
        }
}

void wv_os_zero_resident(void *p, size_t size)
{
    unsigned char vec[256];
    char *c = p;
    size_t n = (size + WV_PAGE_SIZE - 1) / WV_PAGE_SIZE;
    for (size_t i = 0; i < n; i += sizeof(vec)) {
        size_t k = n - i < sizeof(vec) ? n - i : sizeof(vec);
        size_t len = k * WV_PAGE_SIZE < size - i * WV_PAGE_SIZE ? k * WV_PAGE_SIZE : size - i * WV_PAGE_SIZE;
        if (mincore(c + i * WV_PAGE_SIZE, len, vec) != 0) {
            memset(c + i * WV_PAGE_SIZE, 0, len); /* cannot tell: zero it all */
            continue;
        }
        for (size_t j = 0; j < k; j++)
            if (vec[j] & 1) {
                size_t off = (i + j) * WV_PAGE_SIZE;
                wv_zero_page(c + off, size - off < WV_PAGE_SIZE ? size - off : WV_PAGE_SIZE);
            }
    }
}

void *wv_os_stack_alloc(size_t size)
{
    void *p = mmap(NULL, size + WV_PAGE_SIZE, PROT_READ | PROT_WRITE, WV_MAP_FLAGS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    mprotect(p, WV_PAGE_SIZE, PROT_NONE);
    return (char *)p + WV_PAGE_SIZE;
}

void wv_os_stack_free(void *stack, size_t size)
{
    munmap((char *)stack - WV_PAGE_SIZE, size + WV_PAGE_SIZE);
}

DWORD wv_os_flush(uintptr_t addr, size_t size)
{
    return msync((void *)addr, size, MS_SYNC) ? wv_errno_to_error(errno) : 0;
}

bool wv_os_cached(uintptr_t addr)
{
    unsigned char vec = 0;
    return mincore((void *)wv_page_down(addr), WV_PAGE_SIZE, &vec) == 0 && (vec & 1);
}

bool wv_os_mapped(uintptr_t addr)
{
    unsigned char vec;
    return mincore((void *)wv_page_down(addr), WV_PAGE_SIZE, &vec) == 0 || errno != ENOMEM;
}

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
void wv_os_leak_roots(uintptr_t addr, size_t size, bool on)
{
    if (on)
        __lsan_register_root_region((void *)addr, size);
    else
        __lsan_unregister_root_region((void *)addr, size);
}
#else
void wv_os_leak_roots(uintptr_t addr, size_t size, bool on) { (void)addr, (void)size, (void)on; }
#endif
