/* SPDX-License-Identifier: MIT */
/* space.c - the state model: every allocation winvm made, and the state of each of its pages.
 *
 * Views live in two indexes kept in step under one lock:
 *   - a red-black tree ordered by base, for ordered walks (free-region ends, placement);
 *   - a granule map, a two-level table from 64 KiB granule to view, for O(1) lookup, with
 *     a byte per granule that answers VirtualQuery for small private views alone (gran.c).
 * Because every view's base is 64 KiB aligned, a granule belongs to at most one view, even
 * the last, partly used granule of a view.  Views above WV_MAP_MAX are left out of the map (a
 * 256 GiB reservation would otherwise write 32 MiB of entries) and found through the tree, as
 * are the only views whose base is not 64 KiB aligned: pieces of a split placeholder and what
 * replaced them (placeholder.c), which may share a granule with the view before them.
 *
 * Each view holds one wv_page_t per page (O(1) to read) and an "edge" bitmap marking where
 * the visible state changes, summarised one level up, so a region's length is found in
 * O(pages / 4096) word tests rather than a page-by-page scan.
 */
#define _GNU_SOURCE
#include "mm/mm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The hot line (mm.h): this file's fields, and the others' defaults. */
struct wv_mm_hot wv_mm_hot = {.cursor_lo = WV_PLACE_BOTTOM, .views = RB_INITIALIZER(&wv_mm_hot.views)};
_Static_assert(offsetof(struct wv_mm_hot, prot) == 64, "the hot globals fill one cache line");
_Static_assert(offsetof(struct wv_mm_hot, prot.parse[0x204][1]) < 4096, "the common parse rows share the hot page");
#define wv_nlarge wv_mm_hot.nlarge
#define wv_last_found wv_mm_hot.last_found
#define wv_nviews wv_mm_hot.nviews
#define wv_views wv_mm_hot.views

/* ---- ordered tree ---- */

static int wv_view_cmp(const struct wv_view *a, const struct wv_view *b)
{
    return a->base < b->base ? -1 : a->base > b->base;
}

RB_GENERATE_STATIC(wv_tree, wv_view, link, wv_view_cmp)

#define WV_MAP_MAX ((uintptr_t)256 << 20)

/* ---- granule map: addr bits 46..32 pick a leaf, bits 31..16 a granule's entries ---- */

#define WV_LEAF_BITS 16
#define WV_LEAF_SIZE ((size_t)1 << WV_LEAF_BITS)
#define WV_DIR_SIZE ((size_t)1 << 15)
#define WV_GRAN_PAGES (WV_GRANULE / WV_PAGE_SIZE)

/* Two arrays: the views, and each granule's summary code (gran.c), apart so that a query,
 * which reads the codes alone, finds them dense: 64 KiB a leaf, not 512. */
struct wv_leaf {
    struct wv_view *view[WV_LEAF_SIZE];
    uint8_t code[WV_LEAF_SIZE];
};

static struct wv_leaf *wv_dir[WV_DIR_SIZE];

static struct wv_leaf *wv_leaf(uintptr_t addr, bool create)
{
    size_t d = addr >> 32;
    if (!wv_dir[d] && create) {
        /* Leaves are mmap'ed so untouched entries cost no memory; they are never freed. */
        void *p = wv_os_alloc_sparse(sizeof(struct wv_leaf));
        if (!p)
            return NULL;
        wv_dir[d] = p;
    }
    return wv_dir[d];
}

static inline size_t wv_leaf_index(uintptr_t addr) { return (addr >> WV_LEAF_BITS) & (WV_LEAF_SIZE - 1); }

/* After v's visible state may have changed: its granule's code follows (T3). */
static void wv_gran_refresh(const struct wv_view *v)
{
    uint8_t *code = &wv_dir[v->base >> 32]->code[wv_leaf_index(v->base)];
    unsigned now = wv_gran_intern(v);
    wv_gran_drop(*code);
    *code = (uint8_t)now;
}

static bool wv_map_set(const struct wv_view *v, struct wv_view *value)
{
    for (uintptr_t g = v->base; g < v->end; g += WV_GRANULE) {
        struct wv_leaf *leaf = wv_leaf(g, value != NULL);
        if (!leaf && value)
            return false;
        if (leaf) {
            leaf->view[wv_leaf_index(g)] = value;
            leaf->code[wv_leaf_index(g)] = value ? WV_GRAN_VIEW : WV_GRAN_FREE;
        }
    }
    return true;
}

unsigned wv_space_gran(uintptr_t addr)
{
    wv_assert(wv_space_locked_by_self());
    const struct wv_leaf *leaf = addr < WV_END_ADDR ? wv_dir[addr >> 32] : NULL;
    return leaf ? leaf->code[wv_leaf_index(addr)] : WV_GRAN_FREE;
}

struct wv_view *wv_space_next(uintptr_t addr)
{
    wv_assert(wv_space_locked_by_self());
    struct wv_view key = {.base = addr};
    return RB_NFIND(wv_tree, &wv_views, &key);
}

/* The view with the greatest base <= addr, if it contains addr. */

WV_HOT static struct wv_view *wv_tree_find(uintptr_t addr)
{
    struct wv_view *v = wv_space_next(addr + 1);
    v = v ? RB_PREV(wv_tree, &wv_views, v) : RB_MAX(wv_tree, &wv_views);
    if (!v || addr >= v->end)
        return NULL;
    __atomic_store_n(&wv_last_found, v, __ATOMIC_RELAXED); /* calls come in runs */
    return v;
}

WV_HOT_PATH struct wv_view *wv_space_find(uintptr_t addr)
{
    wv_assert(wv_space_locked_by_self());
    /* Calls come in runs on one view (a commit loop, a release after its allocation): the
     * last view found or inserted answers without the directory's and the leaf's lines. */
    struct wv_view *last = __atomic_load_n(&wv_last_found, __ATOMIC_RELAXED);
    if (last && addr >= last->base && addr < last->end)
        return last;
    if (addr >= WV_END_ADDR)
        return NULL;
    struct wv_leaf *leaf = wv_dir[addr >> 32];
    struct wv_view *v = leaf ? leaf->view[wv_leaf_index(addr)] : NULL;
    if (v) {
        /* A small view's pages and edges follow it (wv_view_new): fetch them along with its
         * first line rather than after it, one memory latency instead of two when the views
         * no longer fit the caches (a million reservations). */
        __builtin_prefetch(v + 1);
        __builtin_prefetch((char *)(v + 1) + 64);
        if (addr < v->end) {
            __atomic_store_n(&wv_last_found, v, __ATOMIC_RELAXED);
            return v;
        }
    }
    /* Past the end of the granule's view: a view off the 64 KiB grid may start there. */
    return wv_nlarge ? wv_tree_find(addr) : NULL;
}

struct wv_view *wv_space_first_after(uintptr_t addr)
{
    wv_assert(wv_space_locked_by_self());
    struct wv_view *v = wv_space_find(addr);
    return v ? v : wv_space_next(addr);
}

struct wv_view *wv_space_last(void) { return RB_MAX(wv_tree, &wv_views); }

bool wv_space_tree_sound(void)
{
    wv_assert(wv_space_locked_by_self());
    size_t n = 0;
    const struct wv_view *prev = NULL;
    struct wv_view *v;
    RB_FOREACH(v, wv_tree, &wv_views) {
        const struct wv_view *up = RB_PARENT(v, link), *l = RB_LEFT(v, link), *r = RB_RIGHT(v, link);
        if ((prev && prev->base >= v->base) || (up ? RB_LEFT(up, link) != v && RB_RIGHT(up, link) != v
                                                   : RB_ROOT(&wv_views) != v) ||
            (l && RB_PARENT(l, link) != v) || (r && RB_PARENT(r, link) != v))
            return false;
        prev = v, n++;
    }
    return n == wv_nviews;
}


/* Lock held.  When every view is in the granule map (none large or off the grid) and
 * [a, a + size) spans at most WV_MAP_SCAN granules, the map alone answers: true, with *v the
 * lowest view meeting the range or NULL.  Placement asks this instead of the tree, whose nodes
 * a million reservations have long evicted from every cache (bench row 27). */
#define WV_MAP_SCAN 32
bool wv_space_map_first(uintptr_t a, size_t size, struct wv_view **v)
{
    wv_assert(wv_space_locked_by_self());
    if (wv_nlarge || a % WV_GRANULE || size > WV_MAP_SCAN * WV_GRANULE || a >= WV_END_ADDR ||
        size > WV_END_ADDR - a)
        return false;
    *v = NULL;
    for (uintptr_t g = a; g < a + size && !*v; g += WV_GRANULE) {
        const struct wv_leaf *leaf = wv_dir[g >> 32];
        *v = leaf ? leaf->view[wv_leaf_index(g)] : NULL;
    }
    return true;
}

/* Inserts v, starting from its neighbour below when the granule map knows it: with every view
 * in the map and v on the grid, the view holding the granule under v's base is v's predecessor,
 * so v becomes its right child, or the left child of its successor (the leftmost node of its
 * right subtree, which has none), with no descent from the root (20 levels of cache misses at
 * a million views).  Before v is in the map itself. */
static void wv_tree_insert(struct wv_view *v)
{
    uintptr_t below = v->base - WV_GRANULE;
    const struct wv_leaf *leaf = v->base >= WV_GRANULE ? wv_dir[below >> 32] : NULL;
    struct wv_view *p = NULL;
    if (!wv_nlarge && v->base % WV_GRANULE == 0 && leaf)
        p = leaf->view[wv_leaf_index(below)];
    if (!p) {
        RB_INSERT(wv_tree, &wv_views, v);
        return;
    }
    wv_assert(p->base < v->base && p->end <= v->base);
    struct wv_view *s = RB_RIGHT(p, link);
    if (s) {
        while (RB_LEFT(s, link))
            s = RB_LEFT(s, link);
        RB_SET(v, s, link);
        RB_LEFT(s, link) = v;
    } else {
        RB_SET(v, p, link);
        RB_RIGHT(p, link) = v;
    }
    wv_tree_RB_INSERT_COLOR(&wv_views, v);
}

void wv_space_insert(struct wv_view *v)
{
    wv_assert(wv_space_locked_by_self());
    wv_inflight_remove(&v->inflight); /* R5: in the tree now */
    wv_tree_insert(v);
    wv_nviews++;
    __atomic_store_n(&wv_last_found, v, __ATOMIC_RELAXED); /* the next call is likely about it */
    /* A leaf that cannot be mapped leaves the view to the tree, like a large one; so does a
     * view off the 64 KiB grid (its first granule belongs to the view before it). */
    bool mapped = v->end - v->base <= WV_MAP_MAX && v->base % WV_GRANULE == 0;
    if (!mapped || !wv_map_set(v, v)) {
        if (mapped)
            wv_map_set(v, NULL);
        v->unmapped = true;
        wv_nlarge++;
    } else if (v->type == MEM_PRIVATE && v->npages <= WV_GRAN_PAGES) {
        v->summarized = true;
        wv_gran_refresh(v);
    }
}

unsigned long wv_space_image_gen;

void wv_space_remove(struct wv_view *v)
{
    wv_assert(wv_space_locked_by_self());
    if (v->type == MEM_IMAGE)
        __atomic_fetch_add(&wv_space_image_gen, 1, __ATOMIC_RELEASE);
    if (wv_last_found == v)
        __atomic_store_n(&wv_last_found, NULL, __ATOMIC_RELAXED);
    if (v->unmapped) { /* in no granule: another view may own the ones it touches */
        wv_nlarge--;
    } else {
        if (v->summarized)
            wv_gran_drop(wv_space_gran(v->base));
        wv_map_set(v, NULL);
    }
    v->unmapped = false;
    v->summarized = false;
    RB_REMOVE(wv_tree, &wv_views, v);
    wv_nviews--;
    wv_inflight_add(&v->inflight, v->base, wv_view_host_end(v), WV_INFLIGHT_RELEASING); /* R5, R7 */
}

uintptr_t wv_space_tail_end(uintptr_t addr)
{
    wv_assert(wv_space_locked_by_self());
    /* The view with the greatest base <= addr: only its tail can hold addr (R7). */
    struct wv_view *v = wv_space_next(addr + 1);
    v = v ? RB_PREV(wv_tree, &wv_views, v) : RB_MAX(wv_tree, &wv_views);
    if (!v || addr < v->end || addr >= wv_view_host_end(v))
        return 0;
    return wv_view_host_end(v);
}

/* ---- views and their pages ---- */

#define WV_WORDS(n) (((n) + 63) / 64)
#define WV_SMALL_BLOCK 16384

/* The last big block of a released view (wv_region_release sets recycle), kept for the next
 * view of the same size: a program that reserves and releases one big region in a loop (bench
 * row 4) then pays neither the mmap and munmap of its state nor the page faults of its first
 * writes (about 15 us each on a VM), only the zeroing of the few pages it wrote.  The busy
 * flag is a try-lock: a thread that finds it taken just maps or unmaps as before. */
static struct {
    void *block;
    size_t size;
} wv_spare;
static bool wv_spare_busy;

static void *wv_big_block_take(size_t size, bool *spare)
{
    void *p = NULL;
    if (!__atomic_exchange_n(&wv_spare_busy, true, __ATOMIC_ACQUIRE)) {
        if (wv_spare.block && wv_spare.size == size) {
            p = wv_spare.block;
            wv_spare.block = NULL;
        }
        __atomic_store_n(&wv_spare_busy, false, __ATOMIC_RELEASE);
    }
    if (p) {
        wv_os_zero_resident(p, size); /* a fresh view reads zero everywhere, as mmap's does */
        *spare = true;
        return p;
    }
    return wv_os_alloc_sparse(size);
}

static void wv_big_block_put(void *p, size_t size)
{
    if (!__atomic_exchange_n(&wv_spare_busy, true, __ATOMIC_ACQUIRE)) {
        void *old = wv_spare.block;
        size_t old_size = wv_spare.size;
        wv_spare.block = p, wv_spare.size = size;
        __atomic_store_n(&wv_spare_busy, false, __ATOMIC_RELEASE);
        p = old, size = old_size;
    }
    if (p)
        wv_os_unmap((uintptr_t)p, size);
}

/* The last small block freed, kept for the next view of the same size: a program that
 * allocates and frees in a loop (bench rows 1 and 18) then skips malloc's arena, where glibc's
 * calloc always goes (it never takes the thread's cache of freed blocks): ~400 instructions an
 * allocation and release, callgrind.  One slot, taken and given with an atomic exchange, so
 * whoever holds the pointer owns the block; a block of another size is freed. */
static struct wv_view *wv_small_spare;

static struct wv_view *wv_small_block_take(size_t size)
{
    struct wv_view *v = __atomic_load_n(&wv_small_spare, __ATOMIC_RELAXED) ?
                        __atomic_exchange_n(&wv_small_spare, NULL, __ATOMIC_ACQUIRE) : NULL;
    if (v && v->block_size == size) {
        memset(v, 0, size); /* as calloc's */
        return v;
    }
    free(v);
    return calloc(1, size);
}

static void wv_small_block_put(struct wv_view *v)
{
    free(__atomic_exchange_n(&wv_small_spare, v, __ATOMIC_ACQ_REL));
}

/* page[0, n) = state, four entries a store. */
static void wv_pages_fill(wv_page_t *page, size_t n, wv_page_t state)
{
    uint64_t four = (uint64_t)state * 0x0001000100010001ull;
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        memcpy(&page[i], &four, sizeof(four));
    for (; i < n; i++)
        page[i] = state;
}

struct wv_view *wv_view_new(uintptr_t base, uintptr_t end, DWORD alloc_protect, DWORD type,
                            wv_page_t initial)
{
    size_t npages = (end - base) / WV_PAGE_SIZE;
    size_t nedge = WV_WORDS(npages), nsum = WV_WORDS(nedge);
    size_t pages_bytes = (npages * sizeof(wv_page_t) + 7) & ~(size_t)7;
    size_t size = sizeof(struct wv_view) + pages_bytes + (nedge + nsum) * sizeof(uint64_t);
    struct wv_view *v;

    /* Small views come from malloc; big ones from mmap, whose zero pages are free until a
     * non-zero state touches them (a reserve-only GiB costs nothing here). */
    if (size <= WV_SMALL_BLOCK) {
        v = wv_small_block_take(size);
        if (!v)
            return NULL;
    } else {
        bool spare = false;
        v = wv_big_block_take(size, &spare);
        if (!v)
            return NULL;
        v->recycle = spare; /* a failed call puts it back: the host's mappings stay the same */
    }
    v->block_size = size;
    v->base = base;
    v->end = end;
    v->npages = npages;
    v->alloc_protect = alloc_protect;
    v->type = type;
    v->page = (wv_page_t *)(v + 1);
    v->edge = (uint64_t *)((char *)v->page + pages_bytes);
    v->edge_sum = v->edge + nedge;
    if (initial)
        wv_pages_fill(v->page, npages, initial);
    v->edge[0] = 1;
    v->edge_sum[0] = 1;
    return v;
}

void wv_view_delete(struct wv_view *v)
{
    if (!v)
        return;
    wv_assert(!v->inflight.state); /* R5: out of flight before it goes */
    if (v->block_size <= WV_SMALL_BLOCK)
        wv_small_block_put(v);
    else if (v->recycle)
        wv_big_block_put(v, v->block_size);
    else
        wv_os_unmap((uintptr_t)v, v->block_size);
}

/* First region start in [j, limit), or limit.  Scans edge words, then summary words, but
 * never past limit: a one-page question about a 1 GiB view costs one word test. */
WV_HOT static size_t wv_next_edge(const struct wv_view *v, size_t j, size_t limit)
{
    if (j >= limit)
        return limit;
    size_t w = j / 64, last_w = (limit - 1) / 64;
    uint64_t bits = v->edge[w] & (~(uint64_t)0 << (j % 64));
    if (!bits && w < last_w) {
        /* Whole edge words w+1 .. last_w, found through the summary. */
        size_t from = w + 1;
        for (size_t s = from / 64; s <= last_w / 64; s++) {
            uint64_t sb = v->edge_sum[s];
            if (s == from / 64)
                sb &= ~(uint64_t)0 << (from % 64);
            if (sb) {
                w = s * 64 + (size_t)__builtin_ctzll(sb);
                bits = w <= last_w ? v->edge[w] : 0;
                break;
            }
        }
    }
    if (!bits)
        return limit;
    size_t e = w * 64 + (size_t)__builtin_ctzll(bits);
    return e < limit ? e : limit;
}

WV_HOT size_t wv_view_run(const struct wv_view *v, size_t i, size_t limit)
{
    return wv_next_edge(v, i + 1, limit) - i;
}

WV_HOT static void wv_edge_put(struct wv_view *v, size_t k, bool on)
{
    size_t w = k / 64;
    uint64_t bit = (uint64_t)1 << (k % 64), was = v->edge[w];
    uint64_t now = on ? was | bit : was & ~bit;
    if (now == was)
        return;
    v->edge[w] = now;
    if (!was || !now) /* the word turned empty or non-empty: the summary follows */
        v->edge_sum[w / 64] ^= (uint64_t)1 << (w % 64);
}

/* Clears edge bits (from, to): word at a time, with the summary kept exact. */
static void wv_edge_clear(struct wv_view *v, size_t from, size_t to)
{
    for (size_t k = from; k < to;) {
        size_t w = k / 64, hi = (w + 1) * 64 < to ? (w + 1) * 64 : to;
        uint64_t mask = (hi - k == 64 ? ~(uint64_t)0 : (((uint64_t)1 << (hi - k)) - 1)) << (k % 64);
        v->edge[w] &= ~mask;
        if (!v->edge[w])
            v->edge_sum[w / 64] &= ~((uint64_t)1 << (w % 64));
        k = hi;
    }
}

WV_HOT static void wv_edge_check(struct wv_view *v, size_t k)
{
    if (k > 0 && k < v->npages)
        wv_edge_put(v, k, ((v->page[k] ^ v->page[k - 1]) & WV_VISIBLE) != 0);
}

/* Edges i and i + 1 after page i became now: when both bits lie in one word, inside the view
 * (the usual single-page commit or protect), one read and at most one write of that word. */
WV_HOT static void wv_edge_single(struct wv_view *v, size_t i, wv_page_t now)
{
    if (i == 0 || i + 1 >= v->npages || (i + 1) % 64 == 0) {
        wv_edge_check(v, i);
        wv_edge_check(v, i + 1);
        return;
    }
    size_t w = i / 64;
    uint64_t lo = (uint64_t)1 << (i % 64), both = lo | lo << 1, was = v->edge[w];
    uint64_t bits = (((now ^ v->page[i - 1]) & WV_VISIBLE) ? lo : 0) |
                    (((now ^ v->page[i + 1]) & WV_VISIBLE) ? lo << 1 : 0);
    uint64_t word = (was & ~both) | bits;
    if (word == was)
        return;
    v->edge[w] = word;
    if (!was || !word) /* the word turned empty or non-empty: the summary follows */
        v->edge_sum[w / 64] ^= (uint64_t)1 << (w % 64);
}

WV_HOT_PATH void wv_view_update_one(struct wv_view *v, size_t i, wv_page_t keep, wv_page_t set)
{
    wv_page_t now = (wv_page_t)((v->page[i] & keep) | set), was = v->page[i];
    v->page[i] = now;
    if ((now ^ was) & WV_VISIBLE) {
        wv_edge_single(v, i, now);
        if (v->summarized)
            wv_gran_refresh(v);
    }
}

WV_HOT void wv_view_update_runs(struct wv_view *v, size_t i, size_t n, wv_page_t keep, wv_page_t set)
{
    for (size_t k = i; k < i + n; k++)
        v->page[k] = (wv_page_t)((v->page[k] & keep) | set);
    if (keep & WV_VISIBLE) {
        for (size_t k = i; k <= i + n; k++)
            wv_edge_check(v, k);
    } else {
        /* Every visible bit was replaced by set: the range is one run inside. */
        wv_edge_clear(v, i + 1, i + n);
        wv_edge_check(v, i);
        wv_edge_check(v, i + n);
    }
    if (v->summarized)
        wv_gran_refresh(v);
}

WV_HOT bool wv_view_all_runs(const struct wv_view *v, size_t i, size_t n, wv_page_t mask, wv_page_t want)
{
    /* Runs share their visible bits, so one page per run answers for the run. */
    for (size_t k = i; k < i + n; k += wv_view_run(v, k, i + n))
        if ((v->page[k] & mask) != want)
            return false;
    return true;
}

int wv_view_host_runs(const struct wv_view *v, size_t i, size_t n,
                      int (*fn)(const struct wv_view *v, size_t i, size_t n, int prot, void *arg),
                      void *arg)
{
    size_t k = i;
    while (k < i + n) {
        int prot = wv_prot_host(v->page[k]);
        size_t e = k + wv_view_run(v, k, i + n);
        while (e < i + n && wv_prot_host(v->page[e]) == prot)
            e += wv_view_run(v, e, i + n);
        int rc = fn(v, k, e - k, prot, arg);
        if (rc)
            return rc;
        k = e;
    }
    return 0;
}
