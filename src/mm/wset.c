/* SPDX-License-Identifier: MIT */
/* wset.c - the working-set attributes of pages (QueryWorkingSetEx, NtQueryVirtualMemory's
 * MemoryWorkingSetExInformation), from winvm's page state and the kernel's page tables.
 *
 *   Valid           the page is resident (pagemap "present") and accessible: a NOACCESS, guard
 *                   or uncommitted page is not in a Windows working set;
 *   Win32Protection its protection as VirtualQuery reports it (valid pages only);
 *   Shared          the frame belongs to a file or to shared memory (pagemap "file-page or
 *                   shared-anon"): a page of a section or an image not yet copied, as Windows
 *                   marks pages behind prototype PTEs, however many map them.  A write-copy
 *                   page once written is private (Shared 0).  For a page not resident, Shared
 *                   says whether it would be (a view's page not copied);
 *   ShareCount      for a valid shared page, how many mappings the frame has
 *                   (/proc/kpagecount, capped at 7 as Windows' 3 bits); without kpagecount
 *                   (it needs CAP_SYS_ADMIN), 1 when pagemap says "exclusively mapped", else 2
 *                   (at least two; the exact count is not readable);
 *   Locked          VirtualLock'ed (winvm's own pages);  Node, LargePage, Bad: 0.
 * Memory winvm does not manage is described from VirtualQuery's view of it (foreign.c).
 */
#include "mm/mm.h"

#include <string.h>

#define WV_PM_PRESENT (1ull << 63)
#define WV_PM_FILE (1ull << 61)
#define WV_PM_EXCLUSIVE (1ull << 56)
#define WV_PM_PFN ((1ull << 55) - 1)

_Static_assert(WV_WS_MAX <= UINT16_MAX, "run lengths are kept in 16 bits");

enum { WV_WS_VALID = 1, WV_WS_SHARED = 1 << 15, WV_WS_LOCKED = 1 << 22 };

/* What the page state says, before the page tables are read. */
struct wv_ws_state {
    DWORD protect;   /* 0: not accessible */
    bool locked, maybe_shared;
};

static bool wv_accessible(DWORD protect)
{
    return protect && !(protect & PAGE_GUARD) && (protect & 0xff) != PAGE_NOACCESS;
}

/* The state of a page of view v whose page-state word is p. */
static struct wv_ws_state wv_ws_of_page(const struct wv_view *v, wv_page_t p)
{
    DWORD prot = (p & WV_COMMITTED) ? wv_prot_report(p) : 0;
    return (struct wv_ws_state){.protect = wv_accessible(prot) ? prot : 0,
                                .locked = (p & WV_LOCKED) != 0,
                                .maybe_shared = v->ops && !(p & WV_COPIED)};
}

/* The attribute bits of a page, from its state and its pagemap entry (ShareCount aside). */
static uint64_t wv_ws_attr(struct wv_ws_state s, uint64_t pm)
{
    bool valid = s.protect && (pm & WV_PM_PRESENT);
    bool shared = valid ? (pm & WV_PM_FILE) != 0 : s.maybe_shared;
    return (valid ? WV_WS_VALID | (uint64_t)s.protect << 4 : 0) | (shared ? WV_WS_SHARED : 0) |
           (valid && s.locked ? WV_WS_LOCKED : 0);
}

/* The three attribute words a page of state s can have, by its pagemap entry: not present,
 * present anonymous, present file-backed.  A run of pages in one state then costs a table
 * lookup a page (QueryWorkingSetEx of 1,000 pages against one pagemap read: bench row 20). */
struct wv_ws_attrs {
    uint64_t absent, anon, file;
};

static struct wv_ws_attrs wv_ws_attrs_of(struct wv_ws_state s)
{
    return (struct wv_ws_attrs){wv_ws_attr(s, 0), wv_ws_attr(s, WV_PM_PRESENT),
                                wv_ws_attr(s, WV_PM_PRESENT | WV_PM_FILE)};
}

/* How many entries from e[0] name consecutive pages (at least one). */
static size_t wv_ws_run(const struct wv_ws_entry *e, size_t n)
{
    uintptr_t first = e[0].va / WV_PAGE_SIZE;
    size_t j = 1;
    while (j < n && e[j].va / WV_PAGE_SIZE == first + j)
        j++;
    return j;
}

/* Entries e[0..m) name consecutive pages of v: one sync of the run, then each page's
 * attributes; the state is worked out again only where the page-state word changes (a run of
 * pages of one allocation mostly shares one).  Lock held. */
static void wv_ws_view_run(struct wv_view *v, struct wv_ws_entry *e, size_t m, const uint64_t *pm)
{
    size_t i = wv_view_index(v, wv_page_down(e[0].va));
    wv_view_sync_commits(v, i, m);
    wv_view_refresh_copies(v, i, m);
    const wv_page_t *page = v->page + i;
    wv_page_t last = page[0];
    struct wv_ws_attrs a = wv_ws_attrs_of(wv_ws_of_page(v, last));
    for (size_t q = 0; q < m; q++) {
        if (__builtin_expect(page[q] != last, 0))
            a = wv_ws_attrs_of(wv_ws_of_page(v, last = page[q]));
        uint64_t ent = pm[q];
        e[q].attr = !(ent & WV_PM_PRESENT) ? a.absent : (ent & WV_PM_FILE) ? a.file : a.anon;
    }
}

/* Every entry's attributes from the page state and pm: views' pages under one hold of the
 * lock, run by run; pages winvm does not manage after, from VirtualQuery's view of them. */
static void wv_ws_states(struct wv_ws_entry *e, size_t n, const uint64_t *pm, const uint16_t *run)
{
    bool foreign[n], any_foreign = false;
    wv_space_lock();
    for (size_t k = 0, m, left = 0; k < n; k += m, left -= m) {
        uintptr_t a = wv_page_down(e[k].va);
        struct wv_view *v = a <= WV_MAX_ADDR ? wv_space_find(a) : NULL;
        left = left ? left : run[k]; /* consecutive pages from k on, as the page map was read */
        m = v ? (v->end - a) / WV_PAGE_SIZE : 1;
        m = m < left ? m : left;
        if (v) {
            memset(foreign + k, 0, m);
            wv_ws_view_run(v, e + k, m, pm + k);
        } else {
            e[k].attr = 0;
            foreign[k] = a <= WV_MAX_ADDR;
            any_foreign |= foreign[k];
        }
    }
    wv_space_unlock();
    for (size_t k = 0; any_foreign && k < n; k++)
        if (foreign[k]) {
            MEMORY_BASIC_INFORMATION m;
            wv_virtual_query(wv_page_down(e[k].va), &m);
            struct wv_ws_state s = {.protect = m.State == MEM_COMMIT && wv_accessible(m.Protect) ? m.Protect : 0,
                                    .maybe_shared = m.Type != MEM_PRIVATE && m.State == MEM_COMMIT};
            e[k].attr = wv_ws_attr(s, pm[k]);
        }
}

/* Pagemap entries of every entry's page: one read per run of consecutive pages, whose
 * length is left in run[] at the run's first entry. */
static void wv_ws_pagemap(const struct wv_ws_entry *e, size_t n, uint64_t *pm, uint16_t *run)
{
    for (size_t k = 0, m; k < n; k += m) {
        uintptr_t a = wv_page_down(e[k].va);
        run[k] = (uint16_t)(m = wv_ws_run(e + k, n - k));
        if (a > WV_MAX_ADDR || wv_pagemap_entries(a, m, pm + k) != 0)
            memset(pm + k, 0, m * sizeof(pm[0]));
    }
}

static uint64_t wv_ws_share_count(uint64_t ent, uint64_t mapcount, bool have_count)
{
    uint64_t c = have_count && mapcount ? mapcount : (ent & WV_PM_EXCLUSIVE) ? 1 : 2;
    return c > 7 ? 7 : c;
}

void wv_ws_query(struct wv_ws_entry *e, size_t n)
{
    wv_assert(n <= WV_WS_MAX);
    uint64_t pm[n], pfn[n], count[n];
    uint16_t run[n];
    size_t shared = 0;
    bool any = false;
    wv_ws_pagemap(e, n, pm, run);
    wv_ws_states(e, n, pm, run);
    for (size_t k = 0; k < n; k++)
        if ((e[k].attr & (WV_WS_VALID | WV_WS_SHARED)) == (WV_WS_VALID | WV_WS_SHARED)) {
            any = true;
            if (pm[k] & WV_PM_PFN)
                pfn[shared++] = pm[k] & WV_PM_PFN;
        }
    if (!any)
        return; /* private pages only: no share counts */
    bool have = shared && wv_kpagecount(pfn, shared, count) == 0;
    for (size_t k = 0, q = 0; k < n; k++)
        if ((e[k].attr & (WV_WS_VALID | WV_WS_SHARED)) == (WV_WS_VALID | WV_WS_SHARED)) {
            bool pfn_known = (pm[k] & WV_PM_PFN) != 0;
            uint64_t c = wv_ws_share_count(pm[k], pfn_known ? count[q] : 0, have && pfn_known);
            q += pfn_known;
            e[k].attr |= c << 1;
        }
}
