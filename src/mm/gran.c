/* SPDX-License-Identifier: MIT */
/* gran.c - granule summaries: the classes the granule map's bytes name (mm.h).
 *
 * A class is what VirtualQuery reports for every page of a small private view: its allocation
 * protection, its size, where its second region starts (if it has one) and the visible state
 * of each region.  The table is an open-addressed hash of 254 slots (codes 2..255; 0 and 1
 * mean no view and a view without a summary), probed linearly from the key's hash.  A slot
 * whose count fell to 0 keeps its key and may be taken by any class found nowhere earlier in
 * its chain; a slot never used ends the chain.  Two slots may then hold one class: harmless,
 * each says the same.  A slot is rewritten only while no granule names it, so a code read
 * under the lock always means the class it was given for.  All of it under the space lock.
 */
#include "mm/mm.h"

struct wv_gran_class wv_gran_classes[WV_GRAN_CODES];

#define WV_GRAN_FIRST 2
#define WV_GRAN_SLOTS (WV_GRAN_CODES - WV_GRAN_FIRST)

/* v's class, or false when v has more than two regions.  v has at most 16 pages: one edge
 * word, whose bit 0 is always set. */
static bool wv_gran_describe(const struct wv_view *v, struct wv_gran_class *c)
{
    uint64_t rest = v->edge[0] & ~(uint64_t)1;
    if (rest & (rest - 1))
        return false;
    size_t split = rest ? (size_t)__builtin_ctzll(rest) : v->npages;
    c->alloc_protect = v->alloc_protect;
    c->npages = (uint8_t)v->npages;
    c->split = (uint8_t)split;
    c->bits = (v->flags & WV_VIEW_TAIL) ? WV_GRAN_TAIL : 0;
    c->lo = v->page[0] & WV_VISIBLE;
    c->hi = split < v->npages ? v->page[split] & WV_VISIBLE : c->lo;
    c->key = (uint64_t)c->alloc_protect | (uint64_t)c->npages << 32 | (uint64_t)c->split << 37 |
             (uint64_t)c->bits << 42 | (uint64_t)c->lo << 44 | (uint64_t)c->hi << 53;
    return true;
}

unsigned wv_gran_intern(const struct wv_view *v)
{
    wv_assert(wv_space_locked_by_self());
    struct wv_gran_class c;
    if (!wv_gran_describe(v, &c))
        return WV_GRAN_VIEW;
    /* Keys are never 0 (npages >= 1), so a slot with key 0 was never used. */
    unsigned h = (unsigned)((c.key * 0x9E3779B97F4A7C15ull) >> 40) % WV_GRAN_SLOTS, reuse = 0;
    for (unsigned k = 0; k < WV_GRAN_SLOTS; k++) {
        unsigned code = WV_GRAN_FIRST + (h + k) % WV_GRAN_SLOTS;
        struct wv_gran_class *s = &wv_gran_classes[code];
        if (s->key == c.key) {
            s->refs++;
            return code;
        }
        if (!s->refs && !reuse)
            reuse = code;
        if (!s->key)
            break;
    }
    if (!reuse) /* 254 classes in use at once: this view goes without */
        return WV_GRAN_VIEW;
    c.refs = 1;
    wv_gran_classes[reuse] = c;
    return reuse;
}

void wv_gran_drop(unsigned code)
{
    wv_assert(wv_space_locked_by_self());
    if (code >= WV_GRAN_FIRST) {
        wv_assert(wv_gran_classes[code].refs > 0);
        wv_gran_classes[code].refs--;
    }
}

bool wv_gran_matches(unsigned code, const struct wv_view *v)
{
    struct wv_gran_class c;
    if (!wv_gran_describe(v, &c))
        return code == WV_GRAN_VIEW;
    /* Interning may also have found no room. */
    return code == WV_GRAN_VIEW ||
           (code >= WV_GRAN_FIRST && code < WV_GRAN_CODES && wv_gran_classes[code].refs &&
            wv_gran_classes[code].key == c.key);
}
