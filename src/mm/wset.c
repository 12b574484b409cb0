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

#define WV_PM_PRESENT (1ull << 63)
#define WV_PM_FILE (1ull << 61)
#define WV_PM_EXCLUSIVE (1ull << 56)
#define WV_PM_PFN ((1ull << 55) - 1)

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

/* Page state of page a of winvm's view v.  Lock held. */
static void wv_ws_view_state(struct wv_view *v, uintptr_t a, struct wv_ws_state *s)
{
    size_t i = wv_view_index(v, a);
    wv_view_sync_commits(v, i, 1);
    wv_view_refresh_copies(v, i, 1);
    wv_page_t p = v->page[i];
    DWORD prot = (p & WV_COMMITTED) ? wv_prot_report(p) : 0;
    s->protect = wv_accessible(prot) ? prot : 0;
    s->locked = (p & WV_LOCKED) != 0;
    s->maybe_shared = v->ops && !(p & WV_COPIED);
}

/* The page state of every entry: views under one hold of the lock, foreign pages after. */
static void wv_ws_states(const struct wv_ws_entry *e, size_t n, struct wv_ws_state *s, bool *foreign)
{
    struct wv_view *v = NULL;
    wv_space_lock();
    for (size_t k = 0; k < n; k++) {
        uintptr_t a = wv_page_down(e[k].va);
        s[k] = (struct wv_ws_state){0};
        foreign[k] = false;
        if (a > WV_MAX_ADDR)
            continue;
        if (!v || a < v->base || a >= v->end)
            v = wv_space_find(a);
        if (v)
            wv_ws_view_state(v, a, &s[k]);
        else
            foreign[k] = true;
    }
    wv_space_unlock();
    for (size_t k = 0; k < n; k++)
        if (foreign[k]) {
            MEMORY_BASIC_INFORMATION m;
            wv_virtual_query(wv_page_down(e[k].va), &m);
            s[k].protect = m.State == MEM_COMMIT && wv_accessible(m.Protect) ? m.Protect : 0;
            s[k].maybe_shared = m.Type != MEM_PRIVATE && m.State == MEM_COMMIT;
        }
}

/* Pagemap entries of every entry's page: one read per run of consecutive pages. */
static void wv_ws_pagemap(const struct wv_ws_entry *e, size_t n, uint64_t *pm)
{
    for (size_t k = 0, j; k < n; k = j) {
        uintptr_t a = wv_page_down(e[k].va);
        for (j = k + 1; j < n && wv_page_down(e[j].va) == a + (j - k) * WV_PAGE_SIZE; j++)
            ;
        if (a > WV_MAX_ADDR || wv_pagemap_entries(a, j - k, pm + k) != 0)
            for (size_t q = k; q < j; q++)
                pm[q] = 0;
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
    struct wv_ws_state s[n];
    bool foreign[n];
    uint64_t pm[n], pfn[n], count[n];
    size_t shared = 0;
    wv_ws_states(e, n, s, foreign);
    wv_ws_pagemap(e, n, pm);
    for (size_t k = 0; k < n; k++) {
        bool valid = s[k].protect && (pm[k] & WV_PM_PRESENT);
        bool is_shared = valid ? (pm[k] & WV_PM_FILE) != 0 : s[k].maybe_shared;
        e[k].attr = (valid ? WV_WS_VALID | (uint64_t)s[k].protect << 4 : 0) |
                    (is_shared ? WV_WS_SHARED : 0) | (valid && s[k].locked ? WV_WS_LOCKED : 0);
        if (valid && is_shared && (pm[k] & WV_PM_PFN))
            pfn[shared++] = pm[k] & WV_PM_PFN;
    }
    bool have = shared && wv_kpagecount(pfn, shared, count) == 0;
    for (size_t k = 0, q = 0; k < n; k++)
        if ((e[k].attr & WV_WS_VALID) && (e[k].attr & WV_WS_SHARED)) {
            bool pfn_known = (pm[k] & WV_PM_PFN) != 0;
            uint64_t c = wv_ws_share_count(pm[k], pfn_known ? count[q] : 0, have && pfn_known);
            q += pfn_known;
            e[k].attr |= c << 1;
        }
}
