/* SPDX-License-Identifier: MIT */
/* stack.c - thread stacks that grow as Windows grows them.
 *
 * Layout (low to high): reserved pages, one guard page, the committed top.  A touch of the
 * guard page (fault.c) commits it and makes the page below the new guard, without any
 * exception: that is how a Windows thread stack grows.  The lowest reserved page is never
 * committed; when the guard reaches the page above it, the touch raises
 * STATUS_STACK_OVERFLOW and the remaining committed page is what the handler has left.
 * Invariant: a stack view has exactly one guard page until it overflows, none after.
 */
#include "mm/mm.h"

__thread uintptr_t wv_stack_lo, wv_stack_hi, wv_stack_probed;

void wv_stack_probe_slow(uintptr_t sp)
{
    uintptr_t floor = wv_stack_lo + WV_PAGE_SIZE; /* page 0 is never committed */
    uintptr_t want = sp - WV_PROBE_BYTES > floor ? wv_page_down(sp - WV_PROBE_BYTES) : floor;
    uintptr_t a = wv_page_down(sp) < wv_stack_probed ? wv_page_down(sp) : wv_stack_probed;
    for (; a >= want; a -= WV_PAGE_SIZE)
        (void)*(volatile char *)a; /* a guard here grows the stack, or raises the overflow */
    wv_stack_probed = want;
}

bool wv_stack_grow(struct wv_view *v, size_t i)
{
    wv_assert(wv_space_locked_by_self());
    if (i < 2)
        return false; /* page 0 stays reserved: the overflow */
    /* Reserved pages are PROT_NONE on the host, as a guard page is: only the model moves. */
    wv_page_t guard = (wv_page_t)(WV_COMMITTED | WV_GUARD | wv_prot_parse(PAGE_READWRITE, false));
    wv_view_update(v, i - 1, 1, 0, guard);
    return true;
}

/* The stack's pages: reserved, the committed top and its guard page below; flagged a stack. */
static DWORD wv_stack_make(SIZE_T reserve, SIZE_T commit, uintptr_t *base)
{
    /* Top-down: away from the low addresses images ask for (run.c places it before them). */
    DWORD err = wv_virtual_alloc(0, reserve, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE, base);
    if (err)
        return err;
    uintptr_t hi = *base + reserve, got;
    err = wv_virtual_alloc(hi - commit, commit, MEM_COMMIT, PAGE_READWRITE, &got);
    if (!err)
        err = wv_virtual_alloc(hi - commit - WV_PAGE_SIZE, WV_PAGE_SIZE, MEM_COMMIT,
                               PAGE_READWRITE | PAGE_GUARD, &got);
    if (err) {
        wv_virtual_free(*base, 0, MEM_RELEASE);
        return err;
    }
    wv_space_lock();
    struct wv_view *v = wv_space_find(*base);
    wv_assert(v && v->base == *base);
    v->flags |= WV_VIEW_STACK;
    wv_space_unlock();
    return 0;
}

DWORD wv_stack_adopt(uintptr_t base)
{
    wv_space_lock();
    struct wv_view *v = wv_space_find(base);
    DWORD err = v && v->base == base ? 0 : ERROR_INVALID_ADDRESS;
    if (!err)
        v->flags |= WV_VIEW_STACK;
    wv_space_unlock();
    return err;
}

DWORD wv_stack_create(SIZE_T reserve, SIZE_T commit, uintptr_t *lo, uintptr_t *hi)
{
    reserve = wv_gran_up(reserve ? reserve : 1 << 20);
    commit = wv_page_up(commit ? commit : WV_PAGE_SIZE);
    if (commit + 2 * WV_PAGE_SIZE > reserve)
        return ERROR_INVALID_PARAMETER;
    DWORD err = wv_stack_make(reserve, commit, lo);
    if (!err)
        *hi = *lo + reserve;
    return err;
}
