/* os.c - host mappings: where a new allocation goes, and the mmap/mprotect/munmap calls.
 *
 * Windows hands out 64 KiB-aligned reservations; Linux mmap only page-aligns.  Rather than
 * over-map and trim on every call (three syscalls), placement keeps two cursors and asks the
 * kernel for an exact aligned range with MAP_FIXED_NOREPLACE, which costs one syscall when the
 * guess is free:
 *   - bottom-up allocations start at WV_BOTTOM and move up, and a release below the cursor
 *     moves it back down, so freed ranges are reused first (as Windows reuses low addresses);
 *   - MEM_TOP_DOWN allocations start below the lowest address the kernel's own top-down
 *     allocator chose for us and move down.
 * A guess that meets a mapping winvm does not own (malloc arenas, libraries, another thread's
 * allocation in flight) skips past that mapping, found with one kernel query (foreign.c).
 * The kernel stays the arbiter: two threads can never both get one range.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define WV_BOTTOM ((uintptr_t)0x10000000)
#define WV_MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
#define WV_PLACE_TRIES 16
#define WV_TREE_STEPS 64

static uintptr_t wv_cursor_lo = WV_BOTTOM;
static bool wv_anchored;
static uintptr_t wv_cursor_hi; /* 0 until the kernel has chosen a first top-down address */

/* mmap arguments for anonymous memory (b NULL) or for a section's descriptor. */
static void *wv_mmap(void *addr, size_t size, int prot, int fixed, const struct wv_backing *b)
{
    if (!b)
        return mmap(addr, size, prot, WV_MAP_FLAGS | fixed, -1, 0);
    return mmap(addr, size, prot, (b->shared ? MAP_SHARED : MAP_PRIVATE) | fixed, b->fd, b->off);
}

DWORD wv_os_map_at(uintptr_t addr, size_t size, int prot, const struct wv_backing *b)
{
    void *p = wv_mmap((void *)addr, size, prot, MAP_FIXED_NOREPLACE, b);
    if (p == MAP_FAILED)
        return errno == EEXIST ? ERROR_INVALID_ADDRESS : wv_errno_to_error(errno);
    if ((uintptr_t)p != addr) {
        /* A kernel that ignores MAP_FIXED_NOREPLACE treats it as a hint. */
        munmap(p, size);
        return ERROR_INVALID_ADDRESS;
    }
    return 0;
}

/* Lowest 64 KiB-aligned address >= a where [a, a+size) meets no view.  Lock held. */
static uintptr_t wv_gap_up(uintptr_t a, size_t size)
{
    for (int steps = 0;; steps++) {
        if (a < WV_MIN_ADDR || a > WV_END_ADDR - size)
            return 0;
        struct wv_view *v = wv_space_first_after(a);
        if (!v || v->base >= a + size)
            return a;
        a = wv_gran_up(v->end);
        if (steps == WV_TREE_STEPS) {
            /* Next-fit gave up on a crowded stretch: go past every view at once. */
            uintptr_t top = wv_gran_up(wv_space_last()->end);
            a = top > a ? top : a;
        }
    }
}

/* Highest 64 KiB-aligned a with a + size <= top where [a, a+size) meets no view.  Lock held. */
static uintptr_t wv_gap_down(uintptr_t top, size_t size)
{
    for (int steps = 0; steps < WV_TREE_STEPS; steps++) {
        if (top < WV_MIN_ADDR + size)
            return 0;
        uintptr_t a = wv_gran_down(top - size);
        struct wv_view *v = wv_space_first_after(a);
        if (!v || v->base >= a + size)
            return a;
        top = v->base;
    }
    return 0;
}

static uintptr_t wv_choose(size_t size, bool top_down)
{
    uintptr_t a;
    wv_space_write_lock();
    if (top_down) {
        a = wv_cursor_hi ? wv_gap_down(wv_cursor_hi, size) : 0;
        if (a)
            wv_cursor_hi = a;
    } else {
        if (!wv_anchored) {
            /* One inaccessible page just below the bottom-up area keeps the kernel's upper
             * page tables for it alive: without it, releasing the only allocation there frees
             * them and the next allocation rebuilds them (measured: mmap+munmap 1.8x slower). */
            mmap((void *)(WV_BOTTOM - WV_PAGE_SIZE), WV_PAGE_SIZE, PROT_NONE,
                 WV_MAP_FLAGS | MAP_FIXED_NOREPLACE, -1, 0);
            wv_anchored = true;
        }
        a = wv_gap_up(wv_cursor_lo, size);
        if (a)
            wv_cursor_lo = wv_gran_up(a + size);
    }
    wv_space_unlock();
    return a;
}

/* The guess at a failed: move the cursor past whatever host mapping is in the way. */
static void wv_skip_obstacle(uintptr_t a, size_t size, bool top_down)
{
    uintptr_t map_end = 0;
    uintptr_t start = wv_foreign_next(a, a + size, &map_end);
    wv_space_write_lock();
    if (top_down) {
        uintptr_t below = start ? start : a;
        if (below < wv_cursor_hi)
            wv_cursor_hi = wv_gran_down(below);
    } else {
        uintptr_t past = start ? wv_gran_up(map_end) : a + WV_GRANULE;
        if (past > wv_cursor_lo)
            wv_cursor_lo = past;
    }
    wv_space_unlock();
}

/* Over-map by one granule and trim: always works while the kernel has room.  A section is
 * then mapped over the aligned range (its offset must not move with the trim). */
static DWORD wv_map_trimmed(size_t size, int prot, const struct wv_backing *b, uintptr_t *out)
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
    if (b && wv_mmap((void *)a, size, prot, MAP_FIXED, b) == MAP_FAILED) {
        DWORD err = wv_errno_to_error(errno);
        munmap((void *)a, size);
        return err;
    }
    *out = a;
    return 0;
}

DWORD wv_os_map_anywhere(size_t size, int prot, bool top_down, const struct wv_backing *b,
                         uintptr_t *out)
{
    for (int tries = 0; tries < WV_PLACE_TRIES; tries++) {
        uintptr_t a = wv_choose(size, top_down);
        if (!a)
            break;
        DWORD err = wv_os_map_at(a, size, prot, b);
        if (!err) {
            *out = a;
            return 0;
        }
        if (err != ERROR_INVALID_ADDRESS)
            return err;
        wv_skip_obstacle(a, size, top_down);
    }
    DWORD err = wv_map_trimmed(size, b ? PROT_NONE : prot, b, out);
    if (!err && top_down) {
        wv_space_write_lock();
        if (!wv_cursor_hi || *out < wv_cursor_hi)
            wv_cursor_hi = *out;
        wv_space_unlock();
    }
    return err;
}

void wv_os_note_released(uintptr_t addr, size_t size)
{
    if (addr >= WV_BOTTOM && addr < wv_cursor_lo)
        wv_cursor_lo = addr;
    if (addr == wv_cursor_hi)
        wv_cursor_hi = wv_gran_up(addr + size);
}

DWORD wv_os_unmap(uintptr_t addr, size_t size)
{
    return munmap((void *)addr, size) ? wv_errno_to_error(errno) : 0;
}

DWORD wv_os_protect(uintptr_t addr, size_t size, int prot)
{
    return mprotect((void *)addr, size, prot) ? wv_errno_to_error(errno) : 0;
}

void wv_os_discard(uintptr_t addr, size_t size)
{
    /* Cannot fail on a private anonymous range: it splits no mapping. */
    madvise((void *)addr, size, MADV_DONTNEED);
}
