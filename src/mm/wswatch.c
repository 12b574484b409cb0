/* SPDX-License-Identifier: MIT */
/* wswatch.c - the working-set watch (InitializeProcessForWsWatch, GetWsChanges[Ex]): the page
 * faults that bring a page into the process's working set, as Windows records them.
 *
 * Linux tells user space nothing of an ordinary page fault, so while the watch is on every
 * committed, accessible page of winvm's views that the process has not touched (no entry in
 * its page tables: pagemap neither "present" nor "swapped") is held inaccessible on the host and marked
 * WV_WS_ARMED (a hidden page bit: wv_prot_host answers PROT_NONE for it).  Its first touch
 * faults; the fault handler (fault.c) calls wv_wswatch_fault, which records the page, the
 * faulting instruction and thread, gives the page its real protection and lets the access run
 * again.  Pages already resident when the watch starts are in the working set: never armed,
 * never recorded, as on Windows.  Only winvm's views (private memory, section views, images,
 * stacks) are covered; memory winvm does not manage is not.  Why not userfaultfd: see
 * docs/wswatch.md.
 *
 * The watch, once on, stays on for the life of the process (Windows has no call to stop it).
 * Every change of a page's state keeps the rule: the cores that commit, protect or publish a
 * view call wv_wswatch_arm on the pages they changed (a no-op test of wv_wswatch_on when the watch
 * is off, the only cost it adds to those paths).
 *
 * The records: at most WV_WSWATCH_CAP held, then faults are only counted (wv_ws_lost) until a
 * GetWsChanges takes them (Windows: "no new records are added until ..."; the lost count ends
 * the next answer).  All guarded by the space lock, which the fault handler holds already: the
 * record is async-signal-safe (no allocation, no other lock).
 */
#define _GNU_SOURCE
#include "mm/mm.h"

#include <sys/mman.h>
#include <unistd.h>

/* pagemap: present, or swapped.  A swapped page was touched: it is never armed, so a page
 * winvm itself touched once (a thread stack's, probed before any lock is taken: stack.c) can
 * never fault under the space lock, where the fault could not be explained. */
#define WV_PM_HELD (3ull << 62)

/* Guarded by the space lock. */
static struct wv_ws_record wv_ws_rec[WV_WSWATCH_CAP]; /* [0, wv_ws_count): oldest first */
static size_t wv_ws_count;                            /* records held */
static size_t wv_ws_lost;                             /* faults not recorded: the buffer was full */
static bool wv_ws_busy;                               /* a GetWsChanges is between peek and done */
/* The records a GetWsChanges is answering with, copied under the lock (wv_ws_busy owns it). */
static struct wv_ws_record wv_ws_snap[WV_WSWATCH_CAP];

static bool wv_ws_armable(wv_page_t page)
{
    return wv_prot_host((wv_page_t)(page & ~WV_WS_ARMED)) != PROT_NONE;
}

/* Gives armed page k of v back its real protection (the mark cleared). */
static DWORD wv_ws_disarm(struct wv_view *v, size_t k)
{
    v->page[k] &= (wv_page_t)~WV_WS_ARMED;
    return wv_os_protect(v->base + k * WV_PAGE_SIZE, WV_PAGE_SIZE, wv_prot_host(v->page[k]));
}

/* Arms pages [k, k + m) of v (m <= 64) from their pagemap entries: untouched accessible pages
 * armed in runs, every other page disarmed. */
static void wv_ws_arm64(struct wv_view *v, size_t k, size_t m, const uint64_t *pm)
{
    for (size_t j = 0; j < m;) {
        size_t s = j;
        while (j < m && wv_ws_armable(v->page[k + j]) && !(pm[j] & WV_PM_HELD))
            j++;
        if (j > s && wv_os_protect(v->base + (k + s) * WV_PAGE_SIZE, (j - s) * WV_PAGE_SIZE, PROT_NONE) == 0)
            for (size_t q = s; q < j; q++)
                v->page[k + q] |= WV_WS_ARMED;
        for (; j < m && !(wv_ws_armable(v->page[k + j]) && !(pm[j] & WV_PM_HELD)); j++)
            if (v->page[k + j] & WV_WS_ARMED)
                wv_ws_disarm(v, k + j);
    }
}

void wv_wswatch_arm_on(struct wv_view *v, size_t i, size_t n)
{
    wv_assert(wv_space_locked_by_self());
    uint64_t pm[64];
    for (size_t k = i; k < i + n;) {
        /* Uncommitted runs first, cheaply: nothing there to arm (nor armed). */
        if (!(v->page[k] & WV_COMMITTED)) {
            k += wv_view_run(v, k, i + n);
            continue;
        }
        size_t m = i + n - k < 64 ? i + n - k : 64;
        if (wv_pagemap_entries(v->base + k * WV_PAGE_SIZE, m, pm) != 0)
            return; /* residency unknown: the pages stay as they are (unrecorded) */
        wv_ws_arm64(v, k, m, pm);
        k += m;
    }
}

DWORD wv_wswatch_start(void)
{
    wv_space_lock();
    if (!wv_wswatch_on) {
        wv_wswatch_on = true;
        for (struct wv_view *v = wv_space_first_after(0); v; v = wv_space_first_after(v->end))
            wv_wswatch_arm_on(v, 0, v->npages);
    }
    wv_space_unlock();
    return 0;
}

static int wv_ws_reprotect(const struct wv_view *v, size_t i, size_t n, int prot, void *arg)
{
    (void)arg;
    wv_os_protect(v->base + i * WV_PAGE_SIZE, n * WV_PAGE_SIZE, prot);
    return 0;
}

/* The low bit of FaultingVa marks a soft fault (the page needed no read from disk): a demand-
 * zero page of private memory or of a pagefile-backed section, or a file page already in the
 * page cache; a file page read in is a hard fault. */
static uintptr_t wv_ws_soft_bit(const struct wv_view *v, uintptr_t pa)
{
    if (v->type == MEM_PRIVATE || (v->flags & WV_VIEW_PAGEFILE))
        return 1;
    return wv_os_cached(pa) ? 1 : 0;
}

bool wv_wswatch_fault(struct wv_view *v, size_t i, uintptr_t addr, uintptr_t pc, int access)
{
    wv_assert(wv_space_locked_by_self());
    wv_page_t page = v->page[i];
    if (!(page & WV_WS_ARMED) || !wv_page_allows((wv_page_t)(page & ~WV_WS_ARMED), access))
        return false; /* not armed, or an access violation: the page does not come in */
    uintptr_t pa = wv_page_down(addr);
    uintptr_t va = pa | wv_ws_soft_bit(v, pa);
    if (wv_ws_disarm(v, i) != 0) {
        /* The kernel would not split the mapping (vm.max_map_count): the whole view goes back
         * to its real protections, fewer mappings, and leaves the watch. */
        for (size_t k = 0; k < v->npages; k++)
            v->page[k] &= (wv_page_t)~WV_WS_ARMED;
        wv_view_host_runs(v, 0, v->npages, wv_ws_reprotect, NULL);
    }
    if (wv_ws_count < WV_WSWATCH_CAP)
        wv_ws_rec[wv_ws_count++] = (struct wv_ws_record){.pc = pc, .va = va, .tid = wv_tid()};
    else
        wv_ws_lost++;
    return true;
}

DWORD wv_wswatch_peek(const struct wv_ws_record **recs, size_t *n, size_t *lost)
{
    DWORD err = 0;
    wv_space_lock();
    if (!wv_wswatch_on)
        err = ERROR_GEN_FAILURE; /* NT: STATUS_UNSUCCESSFUL, no watch */
    else if (wv_ws_busy || (!wv_ws_count && !wv_ws_lost))
        err = ERROR_NO_MORE_ITEMS; /* NT: STATUS_NO_MORE_ENTRIES */
    else {
        wv_ws_busy = true;
        *n = wv_ws_count;
        *lost = wv_ws_lost;
        for (size_t k = 0; k < *n; k++)
            wv_ws_snap[k] = wv_ws_rec[k];
        *recs = wv_ws_snap;
    }
    wv_space_unlock();
    return err;
}

void wv_wswatch_done(size_t n, size_t lost, bool taken)
{
    wv_space_lock();
    if (taken) {
        /* Records added since the peek stay, for the next call. */
        for (size_t k = n; k < wv_ws_count; k++)
            wv_ws_rec[k - n] = wv_ws_rec[k];
        wv_ws_count -= n;
        wv_ws_lost -= lost;
    }
    wv_ws_busy = false;
    wv_space_unlock();
}
