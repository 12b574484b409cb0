/* SPDX-License-Identifier: MIT */
/* placeholder.c - placeholders (MEM_RESERVE_PLACEHOLDER): reservations that can be split at
 * any page, coalesced again, replaced by a private allocation or a view of a section
 * (section/placeholder.c), and given back by them (MEM_PRESERVE_PLACEHOLDER).
 *
 * A placeholder is a private view flagged WV_VIEW_PLACEHOLDER: reserved, AllocationProtect
 * PAGE_NOACCESS, mapped PROT_NONE on the host and holding nothing (every way into a
 * placeholder maps fresh anonymous memory).  VirtualQuery reports it as Windows does: a
 * MEM_RESERVE, MEM_PRIVATE region of its own size.  Pieces of a split one may start anywhere on
 * a page (space.c keeps such views out of the granule map).
 *
 * Every change here replaces views in place (wv_region_swap): under the space lock, the host
 * mapping first, then the tree, so the range is never free in between, as Windows does it
 * atomically.  The new views are made before the lock is taken (nothing is allocated under
 * it): the call looks at the old ones first, builds the new ones, then checks under the lock
 * that what it looked at is still there.
 */
#include "mm/mm.h"

#include <stdlib.h>
#include <sys/mman.h>

#define WV_SWAP_MAX 64 /* views a coalesce takes without a heap array */

struct wv_view *wv_placeholder_new(uintptr_t base, uintptr_t end)
{
    struct wv_view *v = wv_view_new(base, end, PAGE_NOACCESS, MEM_PRIVATE, 0);
    if (v)
        v->flags = WV_VIEW_PLACEHOLDER;
    return v;
}

static bool wv_is_placeholder(const struct wv_view *v)
{
    return v && (v->flags & WV_VIEW_PLACEHOLDER);
}

DWORD wv_region_swap(struct wv_view **old, size_t n, struct wv_view **nw, size_t m, int how, int prot,
                     const struct wv_backing *b)
{
    wv_assert(wv_space_locked_by_self());
    uintptr_t base = old[0]->base, end = old[n - 1]->end;
    wv_assert(nw[0]->base == base && nw[m - 1]->end == end);
    DWORD err = 0;
    if (how == WV_SWAP_MAP)
        err = wv_os_map_over(base, end - base, prot, b);
    else if (how == WV_SWAP_PROTECT)
        err = wv_os_protect(base, end - base, prot);
    if (err)
        return err;
    for (size_t i = 0; i < n; i++) {
        wv_space_remove(old[i]);
        wv_inflight_remove(&old[i]->inflight); /* never free: the new views hold it now */
    }
    for (size_t j = 0; j < m; j++) {
        wv_space_insert(nw[j]);
        wv_wswatch_arm(nw[j], 0, nw[j]->npages); /* while the working-set watch is on */
        /* Before anyone can release it (ASan builds: the leak checker's own lock, a leaf). */
        wv_os_leak_roots(nw[j]->base, nw[j]->end - nw[j]->base, true);
    }
    return 0;
}

void wv_region_swapped(struct wv_view **old, size_t n, struct wv_view **nw, size_t m)
{
    wv_assert(!wv_space_locked_by_self());
    /* The new views are published: another thread may already have freed them, so only the
     * old ones (ours alone now) are read; they start where the new ones do. */
    uintptr_t at = n ? old[0]->base : 0;
    (void)at; /* read by the debug builds' check only */
    for (size_t i = 0; i < n; i++) {
        wv_os_leak_roots(old[i]->base, old[i]->end - old[i]->base, false);
        wv_view_delete(old[i]);
    }
    if (m && n)
        wv_debug_validate_at(at);
}

DWORD wv_placeholder_reserve(uintptr_t addr, SIZE_T size, bool top_down, uintptr_t *out)
{
    uintptr_t base = addr ? wv_gran_down(addr) : 0;
    uintptr_t end = addr ? wv_page_up(addr + size) : wv_page_up(size);
    if (addr && (base < WV_MIN_ADDR || end > WV_END_ADDR || end <= base))
        return ERROR_INVALID_PARAMETER;
    struct wv_view *v = wv_placeholder_new(base, end);
    if (!v)
        return ERROR_NOT_ENOUGH_MEMORY;
    DWORD err = wv_region_place(v, base, top_down, PROT_NONE, NULL);
    if (err) {
        wv_view_delete(v);
        return err;
    }
    *out = wv_region_publish(v);
    return 0;
}

/* The bounds of the view holding addr (false when none) and its flags. */
static bool wv_peek(uintptr_t addr, uintptr_t *base, uintptr_t *end, unsigned *flags, DWORD *type)
{
    wv_space_lock();
    const struct wv_view *v = wv_space_find(addr);
    if (v)
        *base = v->base, *end = v->end, *flags = v->flags, *type = v->type;
    wv_space_unlock();
    return v != NULL;
}

/* The view at start still has these bounds and flags (lock held). */
static struct wv_view *wv_still(uintptr_t start, uintptr_t base, uintptr_t end, unsigned flags)
{
    struct wv_view *v = wv_space_find(start);
    return v && v->base == base && v->end == end && v->flags == flags ? v : NULL;
}

static void wv_delete_all(struct wv_view **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wv_view_delete(v[i]);
}

/* Splits placeholder [base, end) around [start, stop): the pieces go into piece[], *n of them. */
static bool wv_split_pieces(uintptr_t base, uintptr_t end, uintptr_t start, uintptr_t stop,
                            struct wv_view **piece, size_t *n)
{
    uintptr_t cut[4] = {base, start, stop, end};
    *n = 0;
    for (int k = 0; k < 3; k++) {
        if (cut[k] == cut[k + 1])
            continue;
        if (!(piece[*n] = wv_placeholder_new(cut[k], cut[k + 1]))) {
            wv_delete_all(piece, *n);
            return false;
        }
        (*n)++;
    }
    return true;
}

/* MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER of [start, stop): a placeholder is split there (the
 * range must be a strict part of it); an allocation that replaced one, given whole, becomes
 * the placeholder again, its contents gone. */
static DWORD wv_placeholder_release(uintptr_t start, uintptr_t stop)
{
    uintptr_t base = 0, end = 0;
    unsigned flags = 0;
    DWORD type = 0;
    if (!wv_peek(start, &base, &end, &flags, &type))
        return ERROR_INVALID_ADDRESS;
    bool split = flags & WV_VIEW_PLACEHOLDER;
    if (split ? stop > end || (start == base && stop == end)
              : !(flags & WV_VIEW_IN_PLACEHOLDER) || type != MEM_PRIVATE || start != base || stop != end)
        return ERROR_INVALID_ADDRESS;
    struct wv_view *piece[3];
    size_t n = 0;
    if (split ? !wv_split_pieces(base, end, start, stop, piece, &n)
              : !(piece[0] = wv_placeholder_new(base, end)))
        return ERROR_NOT_ENOUGH_MEMORY;
    n = split ? n : 1;
    wv_space_lock();
    struct wv_view *v = wv_still(start, base, end, flags);
    DWORD err = !v ? ERROR_INVALID_ADDRESS : 0;
    if (!err && !split)
        wv_vlock_drop(v, 0, v->npages); /* the pages go: so do their locks */
    if (!err) /* splitting changes nothing on the host; giving back maps fresh memory */
        err = wv_region_swap(&v, 1, piece, n, split ? WV_SWAP_KEEP : WV_SWAP_MAP, PROT_NONE, NULL);
    wv_space_unlock();
    if (err) {
        wv_delete_all(piece, n);
        return err;
    }
    wv_region_swapped(&v, 1, piece, n);
    return 0;
}

/* The placeholders tiling [start, stop) exactly, at least two of them, into old (NULL: just
 * counted); their number, or 0 when the range is not such a tiling.  Lock held. */
static size_t wv_tiling(uintptr_t start, uintptr_t stop, struct wv_view **old)
{
    size_t n = 0;
    uintptr_t at = start;
    while (at < stop) {
        struct wv_view *v = wv_space_find(at);
        if (!wv_is_placeholder(v) || v->base != at || v->end > stop)
            return 0;
        if (old)
            old[n] = v;
        n++;
        at = v->end;
    }
    return n >= 2 ? n : 0;
}

/* MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS: [start, stop) must be two or more whole placeholders. */
static DWORD wv_placeholder_coalesce(uintptr_t start, uintptr_t stop)
{
    wv_space_lock();
    size_t n = wv_tiling(start, stop, NULL);
    wv_space_unlock();
    if (!n)
        return ERROR_INVALID_ADDRESS;
    struct wv_view *one = wv_placeholder_new(start, stop), *stack[WV_SWAP_MAX];
    struct wv_view **old = n <= WV_SWAP_MAX ? stack : calloc(n, sizeof(*old));
    if (!one || !old) {
        wv_view_delete(one);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    wv_space_lock();
    size_t now = wv_tiling(start, stop, NULL) == n ? wv_tiling(start, stop, old) : 0;
    if (now)
        wv_region_swap(old, n, &one, 1, WV_SWAP_KEEP, 0, NULL); /* no syscall: cannot fail */
    wv_space_unlock();
    if (now)
        wv_region_swapped(old, n, &one, 1);
    else
        wv_view_delete(one);
    if (old != stack)
        free(old);
    return now ? 0 : ERROR_INVALID_ADDRESS;
}

DWORD wv_placeholder_free(uintptr_t addr, SIZE_T size, DWORD type)
{
    if (size == 0 || addr >= WV_END_ADDR || size > WV_END_ADDR - addr)
        return ERROR_INVALID_PARAMETER;
    uintptr_t start = wv_page_down(addr), stop = wv_page_up(addr + size);
    if (type == (MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER))
        return wv_placeholder_release(start, stop);
    if (type == (MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS))
        return wv_placeholder_coalesce(start, stop);
    return ERROR_INVALID_PARAMETER;
}

DWORD wv_placeholder_replace(uintptr_t addr, SIZE_T size, DWORD type, DWORD protect, uintptr_t *out)
{
    bool commit = type & MEM_COMMIT;
    wv_page_t bits = wv_prot_parse(protect, false);
    if (!bits || addr >= WV_END_ADDR || size == 0 || size > WV_END_ADDR - addr)
        return ERROR_INVALID_PARAMETER;
    uintptr_t start = wv_page_down(addr), stop = wv_page_up(addr + size);
    struct wv_view *nv = wv_view_new(start, stop, protect, MEM_PRIVATE,
                                     commit ? (wv_page_t)(WV_COMMITTED | bits) : 0);
    if (!nv)
        return ERROR_NOT_ENOUGH_MEMORY;
    nv->flags = WV_VIEW_IN_PLACEHOLDER;
    nv->cache_mods = bits & WV_CACHE_MODS;
    wv_space_lock();
    struct wv_view *v = wv_space_find(start);
    DWORD err = 0;
    if (!v)
        err = ERROR_INVALID_PARAMETER;
    else if (v->base != start || v->end != stop)
        err = ERROR_INVALID_ADDRESS;
    else if (!wv_is_placeholder(v))
        err = ERROR_INVALID_PARAMETER;
    else /* the placeholder's memory is fresh: a commit only opens it */
        err = wv_region_swap(&v, 1, &nv, 1, commit ? WV_SWAP_PROTECT : WV_SWAP_KEEP,
                             wv_prot_host(nv->page[0]), NULL);
    wv_space_unlock();
    if (err) {
        wv_view_delete(nv);
        return err;
    }
    wv_region_swapped(&v, 1, &nv, 1);
    *out = start;
    return 0;
}

bool wv_placeholder_at(uintptr_t addr)
{
    wv_space_lock();
    bool yes = wv_is_placeholder(wv_space_find(addr));
    wv_space_unlock();
    return yes;
}
