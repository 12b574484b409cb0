/* SPDX-License-Identifier: MIT */
/* reset.c - MEM_RESET and MEM_RESET_UNDO.
 *
 * MEM_RESET says "the contents no longer matter, but keep the pages committed".  Linux's
 * MADV_FREE is exactly that: the kernel may drop the pages under memory pressure, and a
 * write cancels the drop.  Only writable committed pages are reset: for others the contents
 * are simply kept, which Windows allows ("kept or zeroed").
 *
 * MEM_RESET_UNDO must say whether every byte survived.  At reset time we note which pages
 * were resident (WV_RESET_KEPT); at undo time such a page that is no longer resident was
 * dropped.  Pages still resident are written once (an atomic OR of zero) to cancel the lazy
 * free.  A drop between that check and that write cannot be seen: see docs/semantics.md.
 *
 * A view of a pagefile-backed section takes MEM_RESET too (Windows): its pages are shared
 * memory, which MADV_FREE does not drop, so their contents are kept (allowed) and an undo
 * finds them intact.
 */
#include "mm/mm.h"

#include <sys/mman.h>

static bool wv_writable(wv_page_t page) { return (wv_prot_host(page) & PROT_WRITE) != 0; }

static void wv_reset_pages(struct wv_view *v, size_t i, size_t n)
{
    for (size_t k = i; k < i + n; k += 64) {
        size_t m = i + n - k < 64 ? i + n - k : 64;
        uintptr_t addr = v->base + k * WV_PAGE_SIZE;
        uint64_t present = 0;
        if (wv_pagemap_present(addr, m, &present) != 0)
            present = 0; /* nothing recorded: UNDO then reports success only for unread pages */
        for (size_t j = 0; j < m; j++) {
            wv_page_t page = v->page[k + j];
            if (!(page & WV_COMMITTED) || !wv_writable(page))
                continue;
            wv_os_discard_lazily(addr + j * WV_PAGE_SIZE, WV_PAGE_SIZE);
            if (present & ((uint64_t)1 << j))
                v->page[k + j] |= WV_RESET_KEPT; /* hidden bit: region edges unchanged */
        }
    }
}

/* Cancels the lazy free; false if any page reset while resident has been dropped. */
static bool wv_undo_pages(struct wv_view *v, size_t i, size_t n)
{
    bool intact = true;
    for (size_t k = i; k < i + n; k += 64) {
        size_t m = i + n - k < 64 ? i + n - k : 64;
        uintptr_t addr = v->base + k * WV_PAGE_SIZE;
        uint64_t present = 0;
        if (wv_pagemap_present(addr, m, &present) != 0)
            present = 0;
        for (size_t j = 0; j < m; j++) {
            wv_page_t page = v->page[k + j];
            if (!(page & WV_RESET_KEPT))
                continue;
            if (!(present & ((uint64_t)1 << j)))
                intact = false;
            else if (wv_writable(page))
                __atomic_fetch_or((volatile char *)(addr + j * WV_PAGE_SIZE), 0, __ATOMIC_RELAXED);
            v->page[k + j] &= (wv_page_t)~WV_RESET_KEPT;
        }
    }
    return intact;
}

DWORD wv_reset(uintptr_t addr, SIZE_T size, bool undo, uintptr_t *out)
{
    if (addr >= WV_END_ADDR || size > WV_END_ADDR - addr)
        return ERROR_INVALID_PARAMETER;
    uintptr_t start = wv_page_down(addr), end = wv_page_up(addr + size);
    DWORD err = 0;
    wv_space_lock();
    struct wv_view *v = wv_space_find(start);
    if (!v || end > v->end)
        err = ERROR_INVALID_ADDRESS;
    else if (v->type == MEM_MAPPED && (v->flags & WV_VIEW_PAGEFILE)) {
        wv_view_sync_commits(v, wv_view_index(v, start), (end - start) / WV_PAGE_SIZE);
        err = undo && !wv_view_all(v, wv_view_index(v, start), (end - start) / WV_PAGE_SIZE,
                                   WV_COMMITTED, WV_COMMITTED)
                  ? ERROR_INVALID_ADDRESS : 0; /* shared pages: contents kept */
    }
    else if (v->type != MEM_PRIVATE)
        err = ERROR_INVALID_PARAMETER;
    else {
        size_t i = wv_view_index(v, start), n = (end - start) / WV_PAGE_SIZE;
        if (!undo)
            wv_reset_pages(v, i, n);
        else if (!wv_view_all(v, i, n, WV_COMMITTED, WV_COMMITTED))
            err = ERROR_INVALID_ADDRESS;
        else if (!wv_undo_pages(v, i, n))
            err = ERROR_INVALID_ADDRESS;
    }
    wv_space_unlock();
    if (!err)
        *out = start;
    return err;
}
