/* SPDX-License-Identifier: MIT */
/* watch.c - write watches: MEM_WRITE_WATCH, and the cores of GetWriteWatch and ResetWriteWatch
 * (public in win32/watch.c).
 *
 * Two ways to know which pages were written since the last reset:
 *
 *   - the kernel path (uffd.c), used whenever the kernel has it (Linux 6.7+): each view is
 *     registered with the process's userfaultfd in asynchronous write-protect mode, its pages
 *     are write-protected as they are committed, and the kernel clears the protection of a
 *     page on its first write, with no signal.  GetWriteWatch reads the written pages with
 *     PAGEMAP_SCAN, which also re-protects them (WRITE_WATCH_FLAG_RESET) in the same walk.
 *     Writes the kernel makes for the process (read(2)) count like any other.
 *   - the fallback (views flagged WV_VIEW_WATCH_SOFT): a clean committed page carries
 *     WV_WATCH_WP, which makes its host mapping read-only (wv_prot_host); the first write
 *     faults, and wv_watch_fault (from the SIGSEGV handler) marks it WV_WATCH_DIRTY and gives
 *     the page its real protection back.  The kernel's own writes into a clean page fail
 *     with EFAULT instead: it cannot see them.
 *
 * In both, WV_WATCH_DIRTY holds written state the kernel does not: on the kernel path, pages
 * decommitted after being written (Windows still reports them); v->watch_dirty counts them,
 * so the common case (none) costs no scan of the page array.
 *
 * Results are gathered under the lock in chunks and copied to the caller's array outside it:
 * the array may itself be watched memory whose first write must fault (fallback), and a
 * fault inside the lock cannot be served.  Each chunk resets exactly what it reports.
 */
#define _GNU_SOURCE
#include "mm/mm.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define WV_WATCH_CHUNK 1024

static bool wv_soft(const struct wv_view *v) { return (v->flags & WV_VIEW_WATCH_SOFT) != 0; }

static uintptr_t wv_addr(const struct wv_view *v, size_t i) { return v->base + i * WV_PAGE_SIZE; }

/* ---- keeping the state ---- */

DWORD wv_watch_attach(struct wv_view *v)
{
    size_t len = v->end - v->base;
    bool committed = (v->page[0] & WV_COMMITTED) != 0; /* a new view: all pages alike */
    if (wv_uffd_usable()) {
        int rc = wv_uffd_register(v->base, len);
        if (!rc && committed && (rc = wv_uffd_protect(v->base, len)) != 0)
            wv_uffd_unregister(v->base, len);
        if (!rc)
            return 0;
    }
    v->flags |= WV_VIEW_WATCH_SOFT;
    if (!committed)
        return 0;
    for (size_t k = 0; k < v->npages; k++)
        v->page[k] |= WV_WATCH_WP; /* hidden: no region edge moves */
    int real = wv_prot_host(v->page[0] & (wv_page_t)~WV_WATCH_WP);
    return (real & PROT_WRITE) ? wv_os_protect(v->base, len, real & ~PROT_WRITE) : 0;
}

/* Fallback: gives the written pages of [i, i+n) their real protection back (best effort: a
 * page left read-only just faults once more, and wv_watch_fault lifts it then). */
static void wv_soft_lift(struct wv_view *v, size_t i, size_t n)
{
    for (size_t k = i; k < i + n;) {
        if (!(v->page[k] & WV_WATCH_DIRTY)) {
            k++;
            continue;
        }
        size_t e = k + 1;
        int prot = wv_prot_host(v->page[k]);
        while (e < i + n && (v->page[e] & WV_WATCH_DIRTY) && wv_prot_host(v->page[e]) == prot)
            e++;
        if (prot & PROT_WRITE)
            wv_os_protect(wv_addr(v, k), (e - k) * WV_PAGE_SIZE, prot);
        k = e;
    }
}

DWORD wv_watch_apply(struct wv_view *v, size_t i, size_t n, wv_page_t target)
{
    wv_assert(wv_space_locked_by_self());
    uintptr_t start = wv_addr(v, i);
    size_t len = n * WV_PAGE_SIZE;
    int real = wv_prot_host(target);
    if (!wv_soft(v)) {
        /* Pages committed now start clean: protect them before they become accessible. */
        for (size_t k = i, m; k < i + n; k += m) {
            m = wv_view_run(v, k, i + n);
            if (v->page[k] & WV_COMMITTED)
                continue;
            int rc = wv_uffd_protect(wv_addr(v, k), m * WV_PAGE_SIZE);
            if (rc)
                return wv_errno_to_error(rc);
        }
        DWORD err = wv_os_protect(start, len, real);
        if (!err)
            wv_view_update(v, i, n, (wv_page_t)~WV_VISIBLE, target);
        return err;
    }
    /* Fallback: everything read-only first (the one step that can fail), then the written
     * pages get their real protection back. */
    DWORD err = wv_os_protect(start, len, real & ~PROT_WRITE);
    if (err)
        return err;
    wv_view_update(v, i, n, (wv_page_t)~WV_VISIBLE, target);
    for (size_t k = i; k < i + n; k++) {
        if (v->page[k] & WV_WATCH_DIRTY)
            v->page[k] &= (wv_page_t)~WV_WATCH_WP;
        else
            v->page[k] |= WV_WATCH_WP;
    }
    if (real & PROT_WRITE)
        wv_soft_lift(v, i, n);
    return 0;
}

static void wv_mark_dirty(struct wv_view *v, size_t k)
{
    if (!(v->page[k] & WV_WATCH_DIRTY)) {
        v->page[k] |= WV_WATCH_DIRTY;
        v->watch_dirty++;
    }
}

void wv_watch_decommit(struct wv_view *v, size_t i, size_t n)
{
    wv_assert(wv_space_locked_by_self());
    if (wv_soft(v))
        return; /* WV_WATCH_DIRTY is the whole truth already, and decommit keeps it */
    uintptr_t pos = wv_addr(v, i), end = wv_addr(v, i + n);
    void *buf[256];
    while (pos < end) {
        long got = wv_uffd_written(&pos, end, false, buf, 256);
        if (got <= 0)
            break;
        for (long k = 0; k < got; k++)
            wv_mark_dirty(v, wv_view_index(v, (uintptr_t)buf[k]));
    }
}

bool wv_watch_fault(struct wv_view *v, size_t i)
{
    wv_assert(wv_space_locked_by_self());
    if ((v->flags & (WV_VIEW_WRITE_WATCH | WV_VIEW_WATCH_SOFT)) !=
        (WV_VIEW_WRITE_WATCH | WV_VIEW_WATCH_SOFT))
        return false;
    wv_page_t page = v->page[i];
    if (!(page & WV_COMMITTED))
        return false;
    int real = wv_prot_host(page & (wv_page_t)~WV_WATCH_WP);
    if (!(real & PROT_WRITE))
        return false; /* a real access violation */
    if (wv_os_protect(wv_addr(v, i), WV_PAGE_SIZE, real))
        return false;
    wv_mark_dirty(v, i);
    v->page[i] &= (wv_page_t)~WV_WATCH_WP;
    return true;
}

/* ---- reading (and resetting) the state ---- */

/* Fallback: the written pages [a, b) become clean again (and read-only on the host where
 * they are committed and writable).  A page whose mprotect fails stays written. */
static void wv_soft_rearm(struct wv_view *v, size_t a, size_t b)
{
    for (size_t k = a; k < b;) {
        wv_page_t now = (wv_page_t)(v->page[k] & ~WV_WATCH_DIRTY);
        if (now & WV_COMMITTED)
            now |= WV_WATCH_WP;
        int prot = wv_prot_host(now), was = wv_prot_host(v->page[k]);
        size_t e = k + 1;
        while (e < b && wv_prot_host(v->page[e]) == was &&
               ((v->page[e] ^ v->page[k]) & WV_COMMITTED) == 0)
            e++;
        if (prot == was || wv_os_protect(wv_addr(v, k), (e - k) * WV_PAGE_SIZE, prot) == 0)
            for (size_t j = k; j < e; j++) {
                v->page[j] &= (wv_page_t)~WV_WATCH_DIRTY;
                if (v->page[j] & WV_COMMITTED)
                    v->page[j] |= WV_WATCH_WP;
                v->watch_dirty--;
            }
        k = e;
    }
}

/* Next page of [k, end) with WV_WATCH_DIRTY, or end. */
static size_t wv_next_dirty(const struct wv_view *v, size_t k, size_t end)
{
    if (!v->watch_dirty)
        return end;
    while (k < end && !(v->page[k] & WV_WATCH_DIRTY))
        k++;
    return k;
}

/* Reports the written pages of v from page *k to page end, in order, at most max of them
 * (into out, unless out is NULL), resetting the reported ones when reset is set; *k moves past
 * the pages examined.  Returns the number reported, or -errno.  Lock held. */
static long wv_watch_collect(struct wv_view *v, size_t *k, size_t end, bool reset, void **out,
                             size_t max)
{
    wv_assert(wv_space_locked_by_self());
    size_t n = 0;
    if (wv_soft(v)) {
        size_t j = *k, run = j;
        for (; j < end && n < max; j++) {
            if (!(v->page[j] & WV_WATCH_DIRTY)) {
                if (reset && run < j)
                    wv_soft_rearm(v, run, j);
                run = j + 1;
                continue;
            }
            if (out)
                out[n] = (void *)wv_addr(v, j);
            n++;
        }
        if (reset && run < j)
            wv_soft_rearm(v, run, j);
        *k = j;
        return (long)n;
    }
    /* Kernel path: the kernel's written pages, merged in order with the model's. */
    while (*k < end && n < max) {
        size_t m = wv_next_dirty(v, *k, end);
        if (*k < m) {
            uintptr_t pos = wv_addr(v, *k);
            long got = wv_uffd_written(&pos, wv_addr(v, m), reset, out ? out + n : NULL, max - n);
            if (got < 0)
                return got;
            n += (size_t)got;
            *k = out ? wv_view_index(v, pos) : m;
            if (*k < m)
                break; /* max reached */
        }
        if (m >= end || n >= max)
            break;
        if (out)
            out[n] = (void *)wv_addr(v, m);
        n++;
        if (reset) {
            /* Written again after a recommit: the kernel's bit goes too. */
            uintptr_t pos = wv_addr(v, m);
            wv_uffd_written(&pos, pos + WV_PAGE_SIZE, true, NULL, 0);
            v->page[m] &= (wv_page_t)~WV_WATCH_DIRTY;
            v->watch_dirty--;
        }
        *k = m + 1;
    }
    return (long)n;
}

/* The page range [*start, *end) of (addr, size), as Windows rounds it; false when empty. */
static bool wv_watch_range(uintptr_t addr, SIZE_T size, uintptr_t *start, uintptr_t *end)
{
    if (size == 0 && !(addr & (WV_PAGE_SIZE - 1)))
        return false;
    *start = wv_page_down(addr);
    /* A range that wraps or leaves user space lies in no view: the lookup refuses it. */
    *end = addr >= WV_END_ADDR || size > WV_END_ADDR - addr ? WV_END_ADDR + WV_PAGE_SIZE
                                                            : wv_page_up(addr + size);
    return true;
}

/* The write-watch view holding all of [start, end), or NULL.  Lock held. */
static struct wv_view *wv_watch_view(uintptr_t start, uintptr_t end)
{
    struct wv_view *v = wv_space_find(start);
    if (!v || !(v->flags & WV_VIEW_WRITE_WATCH) || end > v->end)
        return NULL;
    return v;
}

DWORD wv_watch_get(DWORD flags, uintptr_t base, SIZE_T size, void **addresses, ULONG_PTR *count,
                   DWORD *granularity)
{
    uintptr_t start = 0, end = 0;
    /* NtGetWriteWatch's order: the out pointers, then count and size, then flags. */
    if (!count || !granularity)
        return ERROR_NOACCESS;
    if (!*count || !wv_watch_range(base, size, &start, &end))
        return ERROR_INVALID_PARAMETER;
    if (flags & ~(DWORD)WRITE_WATCH_FLAG_RESET)
        return ERROR_INVALID_PARAMETER;
    if (!addresses)
        return ERROR_NOACCESS;
    bool reset = (flags & WRITE_WATCH_FLAG_RESET) != 0;
    ULONG_PTR want = *count, n = 0;
    void *buf[WV_WATCH_CHUNK];
    uintptr_t pos = start;
    for (bool first = true; n < want && pos < end; first = false) {
        size_t max = want - n < WV_WATCH_CHUNK ? (size_t)(want - n) : WV_WATCH_CHUNK;
        wv_space_lock();
        struct wv_view *v = wv_watch_view(start, end);
        if (!v) {
            /* Released by another thread between chunks: what was reported stands. */
            wv_space_unlock();
            if (first)
                return ERROR_INVALID_PARAMETER;
            break;
        }
        size_t k = wv_view_index(v, pos);
        long got = wv_watch_collect(v, &k, wv_view_index(v, end), reset, buf, max);
        pos = wv_addr(v, k);
        wv_space_unlock();
        if (got < 0)
            return wv_errno_to_error((int)-got);
        memcpy(addresses + n, buf, (size_t)got * sizeof(*buf));
        n += (ULONG_PTR)got;
        if ((size_t)got < max)
            break; /* the range is done */
    }
    *count = n;
    *granularity = (DWORD)WV_PAGE_SIZE;
    return 0;
}

DWORD wv_watch_reset(uintptr_t base, SIZE_T size)
{
    uintptr_t start, end;
    if (!wv_watch_range(base, size, &start, &end))
        return ERROR_INVALID_PARAMETER;
    wv_space_lock();
    struct wv_view *v = wv_watch_view(start, end);
    long rc = 0;
    if (v) {
        size_t k = wv_view_index(v, start);
        rc = wv_watch_collect(v, &k, wv_view_index(v, end), true, NULL, (size_t)-1);
    }
    wv_space_unlock();
    if (!v)
        return ERROR_INVALID_PARAMETER;
    if (rc < 0)
        return wv_errno_to_error((int)-rc);
    return 0;
}

/* Windows probes a read's buffer for writing when the read is issued (the I/O manager locks
 * its pages for write), so every committed writable page of the buffer counts as written for
 * its write watch from then on, whether or not data comes (Wine's kernel32 virtual.c records
 * it on Windows: a pending 16-page pipe ReadFile reports all 16 pages before any byte
 * arrives).  Marked in the model (WV_WATCH_DIRTY), which both paths report; the kernel's own
 * bit follows when the data is written.  Views are walked with the lock held; a range of no
 * write-watch view costs one lookup per view it meets. */
void wv_watch_probe_write(uintptr_t addr, size_t size)
{
    uintptr_t start, end;
    if (!size || !wv_watch_range(addr, size, &start, &end) || end > WV_END_ADDR)
        return;
    wv_space_lock();
    for (struct wv_view *v = wv_space_first_after(start); v && v->base < end; v = wv_space_next(v->end)) {
        if (!(v->flags & WV_VIEW_WRITE_WATCH))
            continue;
        size_t i = wv_view_index(v, start > v->base ? start : v->base);
        size_t n = wv_view_index(v, end < v->end ? end : v->end);
        for (; i < n; i++)
            if (wv_page_allows(v->page[i], WV_WRITE)) /* committed, no guard, writable */
                wv_mark_dirty(v, i);
    }
    wv_space_unlock();
}
