/* SPDX-License-Identifier: MIT */
/* validate.c - the invariants of the state model, checked (debug builds call these after every
 * public call that changes the model; tests call wv_space_validate whenever they like).
 *
 * Invariants, per page (mm.h, "per-page state"):
 *   P1. A page without WV_COMMITTED has no protection index, no modifier (GUARD, NOCACHE,
 *       WRITECOMBINE), no WV_COPIED and no WV_LOCKED.
 *   P2. A committed page has exactly one protection index in 1..8.
 *   P3. WV_GUARD never goes with PAGE_NOACCESS; NOCACHE and WRITECOMBINE never with GUARD or
 *       with each other.
 *   P4. WV_WS_ARMED only on a committed page whose state makes it accessible (wswatch.c).
 * Per view:
 *   V1. base is 64 KiB aligned (page aligned for a placeholder, what replaced one, or the upper
 *       piece of a split allocation), end page
 *       aligned, base < end, npages = (end - base) / page.
 *   V2. Edge bit i is set exactly when i == 0 or page i differs from page i-1 in WV_VISIBLE;
 *       edge_sum bit w is set exactly when edge word w is nonzero.
 *   V3. A view of a section (MEM_MAPPED, MEM_IMAGE) has a section and view ops; private memory
 *       has neither.
 *   V4. watch_dirty counts the pages with WV_WATCH_DIRTY.
 * Of the tree:
 *   T1. Views are ordered by base and do not overlap; the tree's parent and child links agree
 *       and its in-order walk holds every view once.
 *   T2. Every view is found at its own base (granule map and tree agree).
 *   T3. A view in the granule map has every granule it spans recorded as its own.  A small
 *       private one (at most 16 pages) names in its granule's code the class that says what
 *       VirtualQuery answers for it (its size, allocation protection, tail, where its regions
 *       are and their state), or WV_GRAN_VIEW when it has more than two regions or no class
 *       slot was free; any other view's granules say WV_GRAN_VIEW.
 */
#include "mm/mm.h"

#include <string.h>
#include <sys/mman.h>

#define WV_CHECK(cond, what) ((cond) ? (void)0 : wv_assert_fail(what, __FILE__, __LINE__))
/* A view this large is checked page by page only near the address a call named. */
#define WV_FULL_CHECK_PAGES ((size_t)1 << 16)
#define WV_WINDOW_PAGES ((size_t)4096)

static void wv_check_page(wv_page_t p)
{
    unsigned idx = p & WV_PROT_MASK;
    if (!(p & WV_COMMITTED)) {
        WV_CHECK(!(p & (WV_PROT_MASK | WV_GUARD | WV_CACHE_MODS | WV_COPIED | WV_LOCKED)),
                 "P1 uncommitted page carries protection, modifier, copy or lock bits");
        WV_CHECK(!(p & WV_WS_ARMED), "P4 uncommitted page armed by the working-set watch");
        return;
    }
    WV_CHECK(idx >= 1 && idx <= 8, "P2 committed page without one protection index");
    WV_CHECK(!((p & WV_GUARD) && idx == 1), "P3 GUARD with PAGE_NOACCESS");
    WV_CHECK(!((p & WV_CACHE_MODS) && (p & WV_GUARD)), "P3 NOCACHE/WRITECOMBINE with GUARD");
    WV_CHECK((p & WV_CACHE_MODS) != WV_CACHE_MODS, "P3 NOCACHE with WRITECOMBINE");
    WV_CHECK(!(p & WV_WS_ARMED) || wv_prot_host((wv_page_t)(p & ~(WV_WS_ARMED | WV_DBG_ARMED))) != PROT_NONE,
             "P4 inaccessible page armed by the working-set watch");
}

static bool wv_edge_bit(const struct wv_view *v, size_t i) { return v->edge[i / 64] >> (i % 64) & 1; }

/* Pages [i, e) of v: P1-P3 and V2's edge bits. */
static void wv_check_pages(const struct wv_view *v, size_t i, size_t e)
{
    for (size_t k = i; k < e; k++) {
        wv_check_page(v->page[k]);
        bool starts = k == 0 || ((v->page[k] ^ v->page[k - 1]) & WV_VISIBLE);
        WV_CHECK(wv_edge_bit(v, k) == starts, "V2 region edge bit disagrees with the pages");
    }
}

static void wv_check_view(const struct wv_view *v, uintptr_t near)
{
    uintptr_t grid = (v->flags & (WV_VIEW_PLACEHOLDER | WV_VIEW_IN_PLACEHOLDER | WV_VIEW_SPLIT)) ? WV_PAGE_SIZE : WV_GRANULE;
    WV_CHECK(v->base % grid == 0 && v->end % WV_PAGE_SIZE == 0 && v->base < v->end,
             "V1 view bounds");
    WV_CHECK(v->npages == (v->end - v->base) / WV_PAGE_SIZE, "V1 npages");
    bool mapped = v->type == MEM_MAPPED || v->type == MEM_IMAGE;
    WV_CHECK(mapped ? v->section && v->ops : !v->section && !v->ops, "V3 section and ops");
    size_t nedge = (v->npages + 63) / 64;
    for (size_t w = 0; w < nedge; w++)
        WV_CHECK(((v->edge_sum[w / 64] >> (w % 64)) & 1) == (v->edge[w] != 0), "V2 edge summary");
    if (v->npages <= WV_FULL_CHECK_PAGES) {
        size_t dirty = 0;
        for (size_t k = 0; k < v->npages; k++)
            dirty += (v->page[k] & WV_WATCH_DIRTY) != 0;
        WV_CHECK(!(v->flags & WV_VIEW_WRITE_WATCH) || dirty == v->watch_dirty, "V4 watch_dirty");
        wv_check_pages(v, 0, v->npages);
        return;
    }
    size_t c = near > v->base && near < v->end ? wv_view_index(v, near) : 0;
    size_t i = c > WV_WINDOW_PAGES ? c - WV_WINDOW_PAGES : 0;
    size_t e = v->npages - c > WV_WINDOW_PAGES ? c + WV_WINDOW_PAGES : v->npages;
    wv_check_pages(v, i, e);
}

/* T3, lock held. */
static void wv_check_records(const struct wv_view *v)
{
    if (v->unmapped) {
        WV_CHECK(!v->summarized, "T3 a view outside the granule map is summarised");
        return;
    }
    WV_CHECK(v->summarized == (v->type == MEM_PRIVATE && v->npages <= WV_GRANULE / WV_PAGE_SIZE),
             "T3 small private view not summarised, or another one summarised");
    for (uintptr_t a = v->base; a < v->end; a += WV_GRANULE) {
        unsigned code = wv_space_gran(a);
        WV_CHECK(code != WV_GRAN_FREE && wv_space_find(a) == v, "T3 a granule of the view is not its own");
        WV_CHECK(v->summarized ? wv_gran_matches(code, v) : code == WV_GRAN_VIEW,
                 "T3 the granule's summary disagrees with the view");
    }
}

void wv_space_validate(void)
{
    static size_t refs[WV_GRAN_CODES]; /* under the lock */
    wv_space_lock();
    WV_CHECK(wv_space_tree_sound(), "T1 the tree's links or order are broken");
    memset(refs, 0, sizeof(refs));
    uintptr_t prev_end = 0;
    for (struct wv_view *v = wv_space_first_after(0); v; v = wv_space_first_after(v->end)) {
        WV_CHECK(v->base >= prev_end, "T1 views overlap or are out of order");
        WV_CHECK(wv_space_find(v->base) == v, "T2 view not found at its base");
        wv_check_records(v);
        if (v->summarized)
            refs[wv_space_gran(v->base)]++;
        wv_check_view(v, v->base);
        prev_end = v->end;
    }
    for (unsigned code = WV_GRAN_VIEW + 1; code < WV_GRAN_CODES; code++)
        WV_CHECK(refs[code] == wv_gran_classes[code].refs, "T3 a class's count is not its granules'");
    wv_space_unlock();
}

void wv_space_validate_at(uintptr_t addr)
{
    wv_space_lock();
    struct wv_view *v = wv_space_find(addr);
    if (v) {
        WV_CHECK(wv_space_find(v->base) == v, "T2 view not found at its base");
        wv_check_records(v);
        wv_check_view(v, addr);
        struct wv_view *next = wv_space_first_after(v->end);
        WV_CHECK(!next || next->base >= v->end, "T1 views overlap or are out of order");
    }
    wv_space_unlock();
}
