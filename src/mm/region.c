/* SPDX-License-Identifier: MIT */
/* region.c - the one way a view comes to life and the one way it goes.
 *
 * Invariants:
 *   R1. A view is in the tree exactly while its whole range is mapped on the host.
 *   R2. mmap and munmap of a whole view run outside the space lock (the kernel arbitrates
 *       who gets a range); inserting and removing run under it.
 *   R3. A view not yet published is seen by no other thread: its creator may fill its pages
 *       and state without the lock.
 *   R4. A failed release leaves the view where it was, in the tree and mapped.
 *   R5. While mapped (or being mapped) and not in the tree, a view's range is in flight
 *       (inflight.c): free to every other thread's query and fault, never someone else's.
 *   R6. Views replaced in place (placeholders, placeholder.c: wv_region_swap) change under one
 *       hold of the lock, host mapping first: their range is never free nor in flight.
 *   R7. A view's host mapping is [base, wv_view_host_end(v)): a WV_VIEW_TAIL view maps its
 *       last granule whole, the pages past end PROT_NONE with the flags every reservation has,
 *       so the kernel merges neighbouring reservations into one mapping and a million of
 *       them stay far below vm.max_map_count.  The tail is mapped, placed, put in flight and
 *       unmapped with its view, and is free to every query and fault (wv_space_tail_end).
 */
#include "mm/mm.h"

/* Maps [want, want + host_len) for v, in flight while it is mapped (R5): 0 or the error. */
static DWORD wv_region_map_at(struct wv_view *v, uintptr_t want, size_t host_len, int prot,
                              const struct wv_backing *b)
{
    wv_space_lock();
    wv_inflight_add(&v->inflight, want, want + host_len, WV_INFLIGHT_PLACING);
    wv_space_unlock();
    DWORD err = wv_os_map_at(want, host_len, prot, b);
    if (err) {
        wv_space_lock();
        wv_inflight_remove(&v->inflight);
        wv_space_unlock();
    } else
        __atomic_store_n(&v->inflight.state, WV_INFLIGHT_MAPPED, __ATOMIC_RELEASE);
    return err;
}

DWORD wv_region_place(struct wv_view *v, uintptr_t want, bool top_down, int prot,
                      const struct wv_backing *b)
{
    wv_assert(!wv_space_locked_by_self());
    size_t len = v->end - v->base, host_len = wv_view_host_end(v) - v->base; /* R7 */
    uintptr_t at = want;
    DWORD err;
    if (want) {
        err = wv_region_map_at(v, want, host_len, prot, b);
        if (err == ERROR_INVALID_ADDRESS && host_len != len) {
            /* A host mapping holds the rest of the granule (a neighbour Windows could not have):
             * the tail is an economy, not a rule, so the pages asked for are mapped alone. */
            v->flags &= ~WV_VIEW_TAIL;
            err = wv_region_map_at(v, want, len, prot, b);
        }
    } else
        err = wv_place_map(host_len, prot, top_down, b, &at, &v->inflight);
    if (!err) {
        v->base = at;
        v->end = at + len;
    }
    return err;
}

uintptr_t wv_region_publish(struct wv_view *v)
{
    uintptr_t base = v->base;
    wv_os_leak_roots(base, v->end - base, true); /* undone in wv_region_release */
    wv_space_lock();
    wv_view_sync_commits(v, 0, v->npages); /* pages other views of its section committed */
    wv_space_insert(v);
    wv_wswatch_arm(v, 0, v->npages); /* its untouched pages, while the watch is on */
    wv_space_unlock();
    /* From here another thread may release it (VirtualFree of an address it guessed): v is
     * not touched again. */
    wv_debug_validate_at(base);
    return base;
}

void wv_region_abort(struct wv_view *v)
{
    wv_os_unmap(v->base, wv_view_host_end(v) - v->base);
    wv_space_lock();
    wv_inflight_remove(&v->inflight);
    wv_space_unlock();
    wv_view_delete(v);
}

DWORD wv_region_release(struct wv_view *v)
{
    wv_assert(!wv_space_locked_by_self());
    /* Outside the lock: munmap is the slow part and needs none of our state. */
    wv_os_leak_roots(v->base, v->end - v->base, false);
    DWORD err = wv_os_unmap(v->base, wv_view_host_end(v) - v->base);
    if (err)
        wv_os_leak_roots(v->base, v->end - v->base, true); /* R4: it stays */
    wv_space_lock();
    if (err)
        wv_space_insert(v); /* and no longer in flight */
    else {
        wv_inflight_remove(&v->inflight);
        wv_place_released(v->base, wv_view_host_end(v) - v->base);
    }
    wv_space_unlock();
    if (!err) {
        v->recycle = true; /* its state block may serve the next view (space.c) */
        wv_view_delete(v);
    }
    return err;
}
