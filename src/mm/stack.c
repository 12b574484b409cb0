/* SPDX-License-Identifier: MIT */
/* stack.c - thread stacks that grow as Windows grows them.
 *
 * Layout (low to high): reserved pages, the guard page, the committed top.  A touch of the
 * guard page (fault.c) commits it, makes the WV_STACK_GUARD_PAGES below it the guard (over
 * whatever they were: the stack grows back over guard pages a program set, as Windows'), and
 * moves the TEB's StackLimit to the touched page, without any exception: that is how a Windows
 * thread stack grows.  The lowest reserved page is never committed; when the guard reaches the
 * pages above it, the touch raises STATUS_STACK_OVERFLOW (fault/stkoflw.c).
 *
 * winvm's own code runs on the PE thread's stack (Windows' would run on a kernel stack or in
 * ntdll's frames), so it grows the stack too, but only as deep as it really goes: Wine's
 * ntdll virtual.c test_stack_size records StackBase - StackLimit to the page after a thread's
 * first calls.  A touch outside the space lock is an ordinary guard hit.  Under the lock the
 * fault handler cannot take it again: it opens the touched page on the host only
 * (wv_stack_defer) and the holder settles the model when it gives the lock back
 * (wv_stack_settle), as if the touch had come then.  Host code skips pages (frames over 4 KiB,
 * no stack-clash probes): a touch of a reserved page of this thread's stack at or below its
 * stack pointer grows the stack down to it the same way (fault.c).
 */
#include "mm/mm.h"

__thread __attribute__((tls_model("initial-exec"))) uintptr_t wv_stack_lo, wv_stack_hi, wv_stack_probed;
__thread __attribute__((tls_model("initial-exec"))) uintptr_t wv_stack_pending;
__thread __attribute__((tls_model("initial-exec"))) uintptr_t *wv_stack_limit_ref;

bool wv_stack_grow(struct wv_view *v, size_t i)
{
    wv_assert(wv_space_locked_by_self());
    if (i < 2)
        return false; /* page 0 stays reserved: the overflow */
    size_t lo = i > WV_STACK_GUARD_PAGES ? i - WV_STACK_GUARD_PAGES : 1;
    wv_page_t guard = (wv_page_t)(WV_COMMITTED | WV_GUARD | wv_prot_parse(PAGE_READWRITE, false));
    for (size_t k = lo; k < i; k++)
        if ((v->page[k] & WV_VISIBLE) != guard) {
            wv_view_update(v, k, 1, 0, guard);
            wv_os_protect(v->base + k * WV_PAGE_SIZE, WV_PAGE_SIZE, PROT_NONE);
        }
    return true;
}

size_t wv_stack_commit_from(struct wv_view *v, size_t i)
{
    wv_assert(wv_space_locked_by_self());
    wv_page_t rw = (wv_page_t)(WV_COMMITTED | wv_prot_parse(PAGE_READWRITE, false));
    size_t k = i;
    for (; k < v->npages && (!(v->page[k] & WV_COMMITTED) || (v->page[k] & WV_GUARD)); k++)
        wv_view_update(v, k, 1, 0, rw);
    if (k > i)
        wv_os_protect(v->base + i * WV_PAGE_SIZE, (k - i) * WV_PAGE_SIZE, wv_prot_host(rw));
    return k - i;
}

bool wv_stack_defer(uintptr_t addr, uintptr_t sp)
{
    /* Only a frame being made: at or below sp (its red zone included), above the pages the
     * overflow keeps; anything else under the lock is not the stack growing. */
    if (!wv_stack_hi || addr < wv_stack_lo + 2 * WV_PAGE_SIZE || addr >= wv_stack_hi || addr + 128 < sp ||
        addr > sp + (64u << 10))
        return false;
    uintptr_t pa = wv_page_down(addr);
    if (wv_os_protect(pa, WV_PAGE_SIZE, PROT_READ | PROT_WRITE))
        return false;
    if (!wv_stack_pending || pa < wv_stack_pending)
        wv_stack_pending = pa;
    return true;
}

void wv_stack_settle(void)
{
    wv_assert(wv_space_locked_by_self());
    uintptr_t pa;
    /* The settling itself may touch deeper pages (a new pending page): again until none. */
    while ((pa = wv_stack_pending)) {
        wv_stack_pending = 0;
        struct wv_view *v = wv_space_find(pa);
        if (!v || v->base != wv_stack_lo)
            continue; /* the stack went away meanwhile: nothing of it to model */
        size_t i = wv_view_index(v, pa);
        wv_stack_commit_from(v, i);
        wv_stack_grow(v, i);
        if (wv_stack_limit_ref)
            *wv_stack_limit_ref = pa;
    }
}

void wv_stack_guard_set(uintptr_t addr, SIZE_T size)
{
    uintptr_t end = wv_page_up(addr + size), *limit = wv_stack_limit_ref;
    /* Windows: a guard set in the committed part of the calling thread's stack ends it there. */
    if (limit && wv_stack_hi && addr >= wv_stack_lo && end <= wv_stack_hi && end > *limit)
        *limit = end;
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
