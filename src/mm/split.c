/* SPDX-License-Identifier: MIT */
/* split.c - releasing part of a private allocation (NtFreeVirtualMemory with MEM_RELEASE and a
 * size that leaves some of it).  Windows splits the allocation: what lies below the hole keeps
 * the allocation's base, what lies above becomes an allocation of its own starting where the
 * hole ends (its AllocationBase), both keeping their pages' state and the allocation's
 * protection.
 *
 * The protocol's steps (region.c, placeholder.c): the pieces are built outside the lock from
 * the view as it was looked at; under the lock the view is checked unchanged and replaced by
 * the pieces, the hole put in flight (R5); its munmap runs outside the lock, then placement
 * learns the range is free.  A failed munmap puts the whole view back (R4).
 */
#include "mm/mm.h"

/* A piece [from, to) of an allocation with this protection and flags, its pages not yet set
 * (NULL when empty or out of memory). */
static struct wv_view *wv_piece_new(uintptr_t from, uintptr_t to, DWORD protect, unsigned flags)
{
    struct wv_view *p = from < to ? wv_view_new(from, to, protect, MEM_PRIVATE, 0) : NULL;
    if (p)
        p->flags = flags | (from % WV_GRANULE ? WV_VIEW_SPLIT : 0);
    return p;
}

/* Lock held: piece p takes v's state over its range. */
static void wv_piece_fill(struct wv_view *p, const struct wv_view *v)
{
    size_t first = wv_view_index(v, p->base);
    for (size_t k = 0; k < p->npages; k++)
        p->page[k] = v->page[first + k];
    wv_view_update(p, 0, p->npages, (wv_page_t)~0, 0); /* the region edges, from the pages */
    p->cache_mods = v->cache_mods;
}

/* Lock held: v replaced by its pieces, the hole [start, end) in flight. */
static void wv_cut(struct wv_view *v, struct wv_view **piece, size_t n, uintptr_t start, uintptr_t end)
{
    wv_space_remove(v);
    wv_inflight_remove(&v->inflight);
    for (size_t i = 0; i < n; i++) {
        wv_space_insert(piece[i]);
        wv_os_leak_roots(piece[i]->base, piece[i]->end - piece[i]->base, true);
    }
    wv_inflight_add(&v->inflight, start, end, WV_INFLIGHT_RELEASING);
}

/* Lock held: the cut undone (the munmap failed). */
static void wv_uncut(struct wv_view *v, struct wv_view **piece, size_t n)
{
    wv_inflight_remove(&v->inflight);
    for (size_t i = 0; i < n; i++) {
        wv_space_remove(piece[i]);
        wv_inflight_remove(&piece[i]->inflight);
    }
    wv_space_insert(v);
}

/* The view holding start, looked at: 0, or why the range cannot be released from it. */
static DWORD wv_look(uintptr_t start, uintptr_t end, struct wv_view *seen)
{
    wv_space_lock();
    const struct wv_view *v = wv_space_find(start);
    if (v)
        *seen = *v;
    wv_space_unlock();
    if (!v || end > seen->end || seen->type != MEM_PRIVATE)
        return ERROR_INVALID_ADDRESS;
    if (seen->flags & (WV_VIEW_WRITE_WATCH | WV_VIEW_PHYSICAL | WV_VIEW_STACK))
        return ERROR_INVALID_PARAMETER; /* never split (Windows: STATUS_FREE_VM_NOT_AT_BASE) */
    return 0;
}

/* Lock held: v replaced by the pieces (filled from it), the hole in flight; or why not. */
static DWORD wv_cut_if_same(const struct wv_view *seen, struct wv_view **piece, size_t n, uintptr_t start,
                            uintptr_t end, struct wv_view **out)
{
    struct wv_view *v = wv_space_find(start);
    if (!v || v->base != seen->base || v->end != seen->end || v->flags != seen->flags)
        return ERROR_INVALID_ADDRESS; /* changed since it was looked at */
    for (size_t i = 0; i < n; i++)
        wv_piece_fill(piece[i], v);
    uintptr_t last = end < v->end ? end : v->end; /* end may take the tail too (R7) */
    wv_vlock_drop(v, wv_view_index(v, start), (last - start) / WV_PAGE_SIZE);
    wv_cut(v, piece, n, start, end);
    *out = v;
    return 0;
}

static void wv_drop_pieces(struct wv_view **piece, size_t n, bool rooted)
{
    for (size_t i = 0; i < n; i++) {
        if (rooted)
            wv_os_leak_roots(piece[i]->base, piece[i]->end - piece[i]->base, false);
        wv_view_delete(piece[i]);
    }
}

DWORD wv_release_part(uintptr_t start, uintptr_t end)
{
    struct wv_view seen;
    DWORD err = wv_look(start, end, &seen);
    if (err)
        return err;
    /* A hole reaching the end takes the tail with it (R7); what is below it has none. */
    uintptr_t hole_end = end == seen.end ? wv_view_host_end(&seen) : end;
    struct wv_view *piece[2], *lo = wv_piece_new(seen.base, start, seen.alloc_protect, seen.flags & ~WV_VIEW_TAIL),
                              *hi = wv_piece_new(end, seen.end, seen.alloc_protect, seen.flags), *v = NULL;
    size_t n = 0;
    if (lo)
        piece[n++] = lo;
    if (hi)
        piece[n++] = hi;
    if ((seen.base < start && !lo) || (end < seen.end && !hi)) {
        wv_drop_pieces(piece, n, false);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    wv_space_lock();
    err = wv_cut_if_same(&seen, piece, n, start, hole_end, &v);
    wv_space_unlock();
    if (err) {
        wv_drop_pieces(piece, n, false);
        return err;
    }
    wv_os_leak_roots(v->base, v->end - v->base, false);
    err = wv_os_unmap(start, hole_end - start);
    wv_space_lock();
    if (err)
        wv_uncut(v, piece, n); /* R4: it stays as it was */
    else {
        wv_inflight_remove(&v->inflight);
        wv_place_released(start, hole_end - start);
    }
    wv_space_unlock();
    if (err) {
        wv_os_leak_roots(v->base, v->end - v->base, true);
        wv_drop_pieces(piece, n, true);
        return err;
    }
    wv_view_delete(v);
    return 0;
}
