/* SPDX-License-Identifier: MIT */
/* inflight.c - ranges between the host and the tree (see struct wv_inflight in mm.h).
 *
 * R2 (region.c) keeps mmap and munmap outside the space lock, so for the length of one syscall
 * a range can be mapped on the host with no view in the tree.  Without this list a query in
 * that window reported the mapping as someone else's memory (a region that never existed), and
 * a fault in it was chained as not ours (the process died inside winvm_try).  The list is
 * short: one entry per allocation or release in progress.  Lock held throughout.
 */
#include "mm/mm.h"

#define wv_inflight_head wv_mm_hot.inflight_head /* guarded by the space lock */

/* This thread, as the owner of its ranges: the thread pointer (pthread_self() on glibc),
 * read without a call into libc. */
static inline uintptr_t wv_self(void) { return (uintptr_t)__builtin_thread_pointer(); }

void wv_inflight_add(struct wv_inflight *f, uintptr_t base, uintptr_t end, int state)
{
    wv_assert(wv_space_locked_by_self());
    wv_assert(!f->state && state);
    f->base = base, f->end = end;
    f->owner = wv_self();
    __atomic_store_n(&f->state, state, __ATOMIC_RELEASE);
    f->prev = NULL;
    f->next = wv_inflight_head;
    if (f->next)
        f->next->prev = f;
    wv_inflight_head = f;
}

void wv_inflight_remove(struct wv_inflight *f)
{
    wv_assert(wv_space_locked_by_self());
    if (!f->state)
        return;
    if (f->prev)
        f->prev->next = f->next;
    else
        wv_inflight_head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    f->next = f->prev = NULL;
    __atomic_store_n(&f->state, 0, __ATOMIC_RELEASE);
}

const struct wv_inflight *wv_inflight_find(uintptr_t addr)
{
    wv_assert(wv_space_locked_by_self());
    for (const struct wv_inflight *f = wv_inflight_head; f; f = f->next)
        if (addr >= f->base && addr < f->end)
            return f;
    return NULL;
}

int wv_inflight_state(uintptr_t addr, uintptr_t *end)
{
    const struct wv_inflight *f = wv_inflight_find(addr);
    if (!f || f->owner == wv_self())
        return 0;
    int state = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
    *end = f->end;
    return state == WV_INFLIGHT_PLACING ? WV_INFLIGHT_PLACING : WV_INFLIGHT_MAPPED;
}
