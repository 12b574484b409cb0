/* SPDX-License-Identifier: MIT */
/* place.c - where a new allocation goes.
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
 * allocation in flight) skips past that mapping, found with one kernel query (host/foreign.c).
 * The kernel stays the arbiter: two threads can never both get one range.
 */
#include "mm/mm.h"

#include <sys/mman.h>

#define WV_ANCHOR WV_PLACE_ANCHOR
#define WV_BOTTOM WV_PLACE_BOTTOM
#define WV_PLACE_TRIES 16
#define WV_TREE_STEPS 64

/* The cursors, on the hot line (mm.h): guarded by the space lock.  cursor_hi is 0 until the
 * kernel has chosen a first top-down address. */
#define wv_cursor_lo wv_mm_hot.cursor_lo
#define wv_anchored wv_mm_hot.anchored
#define wv_cursor_hi wv_mm_hot.cursor_hi

/* Lowest 64 KiB-aligned address >= a where [a, a+size) meets no view.  Lock held. */
static uintptr_t wv_gap_up(uintptr_t a, size_t size)
{
    wv_assert(wv_space_locked_by_self());
    for (int steps = 0;; steps++) {
        if (a < WV_MIN_ADDR || a > WV_END_ADDR - size)
            return 0;
        struct wv_view *v;
        if (!wv_space_map_first(a, size, &v))
            v = wv_space_first_after(a);
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
    wv_assert(wv_space_locked_by_self());
    for (int steps = 0; steps < WV_TREE_STEPS; steps++) {
        if (top < WV_MIN_ADDR + size)
            return 0;
        uintptr_t a = wv_gran_down(top - size);
        struct wv_view *v;
        if (!wv_space_map_first(a, size, &v))
            v = wv_space_first_after(a);
        if (!v || v->base >= a + size)
            return a;
        top = v->base;
    }
    return 0;
}

/* The next guess for size bytes, moving the cursor past it (0: none left); in flight (f,
 * PLACING) from here, so that nobody takes a mapping there for someone else's meanwhile. */
static uintptr_t wv_place_guess(size_t size, bool top_down, struct wv_inflight *f)
{
    uintptr_t a;
    wv_space_lock();
    if (top_down) {
        a = wv_cursor_hi ? wv_gap_down(wv_cursor_hi, size) : 0;
        if (a)
            wv_cursor_hi = a;
    } else {
        if (!wv_anchored) {
            /* One inaccessible page in the first granule of the bottom-up area keeps the
             * kernel's page tables for it alive, down to the last level (the page of PTEs
             * for its first 2 MiB): without it, releasing the only allocation there frees
             * them and the next allocation, or its first touch, rebuilds them (measured:
             * mmap+munmap 1.8x slower, mmap+touch+munmap 2.1x; docs/performance.md). */
            wv_os_anchor(WV_ANCHOR);
            wv_anchored = true;
        }
        a = wv_gap_up(wv_cursor_lo, size);
        if (a)
            wv_cursor_lo = wv_gran_up(a + size);
    }
    if (a)
        wv_inflight_add(f, a, a + size, WV_INFLIGHT_PLACING);
    wv_space_unlock();
    return a;
}

/* The guess at a failed: move the cursor past whatever host mapping is in the way. */
static void wv_skip_obstacle(uintptr_t a, size_t size, bool top_down, struct wv_inflight *f)
{
    uintptr_t map_end = 0;
    uintptr_t start = wv_foreign_next(a, a + size, &map_end);
    wv_space_lock();
    wv_inflight_remove(f);
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

DWORD wv_place_map(size_t size, int prot, bool top_down, const struct wv_backing *b,
                   uintptr_t *out, struct wv_inflight *f)
{
    wv_assert(!wv_space_locked_by_self());
    for (int tries = 0; tries < WV_PLACE_TRIES; tries++) {
        uintptr_t a = wv_place_guess(size, top_down, f);
        if (!a)
            break;
        DWORD err = wv_os_map_at(a, size, prot, b);
        if (!err) {
            __atomic_store_n(&f->state, WV_INFLIGHT_MAPPED, __ATOMIC_RELEASE);
            *out = a;
            return 0;
        }
        if (err != ERROR_INVALID_ADDRESS) {
            wv_space_lock();
            wv_inflight_remove(f);
            wv_space_unlock();
            return err;
        }
        wv_skip_obstacle(a, size, top_down, f);
    }
    /* The kernel's choice: in flight only once known (a query meanwhile sees a mapping that
     * is not ours yet; this path runs only when 16 guesses met other mappings). */
    DWORD err = wv_os_map_trimmed(size, b ? PROT_NONE : prot, b, out);
    if (!err) {
        wv_space_lock();
        wv_inflight_add(f, *out, *out + size, WV_INFLIGHT_MAPPED);
        if (top_down && (!wv_cursor_hi || *out < wv_cursor_hi))
            wv_cursor_hi = *out;
        wv_space_unlock();
    }
    return err;
}

void wv_place_released(uintptr_t addr, size_t size)
{
    wv_assert(wv_space_locked_by_self());
    /* A piece of a split placeholder may start off the grid: the cursor stays on it. */
    if (addr >= WV_BOTTOM && addr < wv_cursor_lo)
        wv_cursor_lo = wv_gran_down(addr);
    if (addr == wv_cursor_hi)
        wv_cursor_hi = wv_gran_up(addr + size);
}
