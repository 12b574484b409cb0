/* SPDX-License-Identifier: MIT */
/* isbad.c - IsBadReadPtr, IsBadWritePtr and IsBadCodePtr, answered without touching memory.
 *
 * Windows probes the range (one byte per page, and the last byte) under an exception handler;
 * winvm gives the answer that probe would give from the state model, and from the kernel's
 * mappings for memory it does not manage, so no fault, no signal, no vectored handler runs.
 * Like the probe, the first page that stops it decides: a guard page loses its guard (the
 * probe's touch would have consumed it) and the answer is TRUE; pages after it are not
 * looked at.  See docs/semantics.md, "IsBadReadPtr / IsBadWritePtr / IsBadCodePtr".
 */
#define _GNU_SOURCE
#include "mm/mm.h"
#include "fault/fault.h"

/* Where the host's user space ends: the kernel may map memory (the main stack) above
 * Windows' lpMaximumApplicationAddress, and a pointer to it is readable. */
#define WV_HOST_END ((uintptr_t)1 << 47)

/* Foreign memory: true when kernel mappings cover [a, e) and allow the access. */
static bool wv_foreign_allows(uintptr_t a, uintptr_t e, int access)
{
    /* PROT_* bits as proc.c reports them: 1 read, 2 write, 4 execute.  x86 reads what it
     * can write; a host mapping with PROT_EXEC alone is execute-only on a CPU with
     * protection keys, so it counts as unreadable (winvm's PAGE_EXECUTE pages carry PROT_READ). */
    int need = access == WV_WRITE ? 2 : 3;
    while (a < e) {
        struct wv_mapping m;
        if (!wv_proc_mapping(a, &m) || m.start == 0 || m.start > a || !(m.prot & need))
            return false;
        a = m.end;
    }
    return true;
}

/* True when [start, end) (pages) passes the probe for access.  Lock held. */
static bool wv_probe(uintptr_t start, uintptr_t end, int access)
{
    wv_assert(wv_space_locked_by_self());
    for (uintptr_t a = start, e; a < end; a = e) {
        struct wv_view *v = wv_space_find(a);
        if (!v) {
            struct wv_view *next = wv_space_next(a);
            e = next && next->base < end ? next->base : end;
            if (!wv_foreign_allows(a, e, access))
                return false;
            continue;
        }
        e = v->end < end ? v->end : end;
        size_t i = wv_view_index(v, a), n = (e - a) / WV_PAGE_SIZE;
        /* Access depends on visible bits only: one page answers for its run. */
        for (size_t k = i; k < i + n; k += wv_view_run(v, k, i + n)) {
            wv_page_t p = v->page[k];
            if (wv_page_allows(p, access))
                continue;
            if ((p & WV_COMMITTED) && (p & WV_GUARD)) {
                wv_view_update(v, k, 1, (wv_page_t)~WV_GUARD, 0);
                wv_os_protect(v->base + k * WV_PAGE_SIZE, WV_PAGE_SIZE, wv_prot_host(v->page[k]));
            }
            return false;
        }
    }
    return true;
}

static BOOL wv_is_bad(const void *lp, UINT_PTR size, int access)
{
    uintptr_t a = (uintptr_t)lp;
    if (size == 0)
        return FALSE; /* nothing is touched, not even a NULL pointer */
    if (a == 0 || a >= WV_HOST_END || size > WV_HOST_END - a)
        return TRUE;  /* NULL, a wrapping range, or one leaving user space */
    wv_space_lock();
    bool ok = wv_probe(wv_page_down(a), wv_page_up(a + size), access);
    wv_space_unlock();
    return ok ? FALSE : TRUE;
}

BOOL WINAPI IsBadReadPtr(const void *lp, UINT_PTR ucb) { return wv_is_bad(lp, ucb, WV_READ); }

BOOL WINAPI IsBadWritePtr(LPVOID lp, UINT_PTR ucb) { return wv_is_bad(lp, ucb, WV_WRITE); }

/* Windows checks read access to one byte: code in non-executable memory is "good". */
BOOL WINAPI IsBadCodePtr(FARPROC lpfn) { return wv_is_bad((const void *)lpfn, 1, WV_READ); }
