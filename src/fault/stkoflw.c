/* SPDX-License-Identifier: MIT */
/* stkoflw.c - the end of a thread stack: STATUS_STACK_OVERFLOW with room to handle it, and
 * msvcrt's _resetstkoflw.
 *
 * mm/stack.c grows a stack one guard page at a time and never commits its lowest page.  The
 * fault handler (fault.c) asks wv_stack_touch what a touch of the guard means.  Above the last
 * WV_STACK_GUARANTEE_PAGES (the guarantee, above the never-committed page; more when the thread
 * asked SetThreadStackGuarantee for more, the TEB's GuaranteedStackBytes) the stack grows
 * silently.  A touch inside it commits the whole guarantee at once, read-write and without a
 * guard, and raises STATUS_STACK_OVERFLOW: as Windows raises it with its guaranteed stack bytes
 * left, because the exception is dispatched on this very stack (the CONTEXT and record copied
 * below the faulting frame, then the vectored handlers, the filters, the unwind).  A second
 * overflow there has no guard to hit: it reaches the reserved bottom page, an access violation.
 *
 * wv_stack_reset gives the stack its guard back (after the handler is done): the pages below a
 * new guard are decommitted, so the stack is again what mm/stack.c made, reserved pages, one
 * guard page, the committed top, and the next overflow is raised the same way.
 */
#include "fault/fault.h"

size_t wv_stack_guarantee_pages(ULONG bytes)
{
    size_t pages = ((size_t)bytes + WV_PAGE_SIZE - 1) / WV_PAGE_SIZE;
    return pages > WV_STACK_GUARANTEE_PAGES ? pages : WV_STACK_GUARANTEE_PAGES;
}

bool wv_stack_touch(struct wv_view *v, size_t i, size_t pages)
{
    if (i > pages && wv_stack_grow(v, i))
        return true;
    if (i > 1) { /* page i's own guard is already gone (fault.c): commit the pages below it */
        wv_page_t rw = (wv_page_t)(WV_COMMITTED | wv_prot_parse(PAGE_READWRITE, false));
        wv_view_update(v, 1, i - 1, 0, rw);
        wv_os_protect(v->base + WV_PAGE_SIZE, (i - 1) * WV_PAGE_SIZE, wv_prot_host(rw));
    }
    return false;
}

/* Whether a page in [1, below) of stack view v is a guard page: the stack has not overflowed. */
static bool wv_stack_guarded(const struct wv_view *v, size_t below)
{
    for (size_t i = 1; i < below; i++)
        if (v->page[i] & WV_GUARD)
            return true;
    return false;
}

bool wv_stack_reset(uintptr_t sp)
{
    wv_space_lock();
    struct wv_view *v = wv_space_find(sp);
    bool stack = v && (v->flags & WV_VIEW_STACK);
    uintptr_t lo = stack ? v->base : 0;
    size_t at = stack ? wv_view_index(v, sp) : 0;
    bool guarded = stack && wv_stack_guarded(v, at);
    wv_space_unlock();
    if (!stack)
        return false;
    if (guarded)
        return true; /* nothing to reset */
    /* winvm's own frames (this call's included) may use WV_PROBE_BYTES below sp: the guard
     * goes under them, and must lie above the guarantee so that its touch grows the stack. */
    if (sp - lo < WV_PROBE_BYTES + (WV_STACK_GUARANTEE_PAGES + 3) * WV_PAGE_SIZE)
        return false;
    uintptr_t guard = wv_page_down(sp - WV_PROBE_BYTES) - WV_PAGE_SIZE;
    DWORD old;
    if (wv_virtual_free(lo + WV_PAGE_SIZE, guard - lo - WV_PAGE_SIZE, MEM_DECOMMIT) ||
        wv_virtual_protect(guard, WV_PAGE_SIZE, PAGE_READWRITE | PAGE_GUARD, &old))
        return false;
    if (wv_stack_probed < guard + WV_PAGE_SIZE && sp - wv_stack_lo < wv_stack_hi - wv_stack_lo)
        wv_stack_probed = guard + WV_PAGE_SIZE; /* the probes must find the guard again */
    return true;
}
