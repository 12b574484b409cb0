/* SPDX-License-Identifier: MIT */
/* placeholder.c - views of sections and placeholders (mm/placeholder.c): MapViewOfFile3's
 * MEM_REPLACE_PLACEHOLDER puts a data view where a placeholder was, UnmapViewOfFile2's
 * MEM_PRESERVE_PLACEHOLDER puts the placeholder back.  Both replace views in place under the
 * space lock (wv_region_swap): the range is never free in between, so another thread cannot
 * take it, as on Windows.  The ring buffer is built this way: one placeholder split in two,
 * the same pagefile section mapped into both halves.
 */
#include "section/section.h"

#include <sys/mman.h>

DWORD wv_view_map_placeholder(struct wv_section *s, DWORD granted, DWORD access, uint64_t off,
                              SIZE_T bytes, uintptr_t base, uintptr_t *out)
{
    if (s->image)
        return ERROR_INVALID_PARAMETER; /* images are mapped whole, at their own address */
    size_t len = 0;
    DWORD initial = 0;
    DWORD err = wv_data_view_check(s, granted, access, off, bytes, 0, &len, &initial);
    if (err)
        return err;
    if (base % WV_PAGE_SIZE)
        return ERROR_MAPPED_ALIGNMENT;
    if (!base || base >= WV_END_ADDR || len > WV_END_ADDR - base)
        return ERROR_INVALID_PARAMETER;
    bool priv = (initial & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY)) != 0;
    wv_page_t state = wv_data_view_state(s, initial);
    struct wv_view *v = wv_view_new(base, base + len, initial, MEM_MAPPED, state);
    if (!v)
        return ERROR_NOT_ENOUGH_MEMORY;
    v->flags = WV_VIEW_IN_PLACEHOLDER;
    wv_data_view_init(v, s, off);
    struct wv_backing b = {s->fd, s->data_offset + (off_t)off, !priv};
    wv_space_lock();
    struct wv_view *ph = wv_space_find(base);
    if (!ph || !(ph->flags & WV_VIEW_PLACEHOLDER))
        err = ERROR_INVALID_PARAMETER;
    else if (ph->base != base || ph->end != base + len)
        err = ERROR_INVALID_ADDRESS;
    else if (!(err = wv_region_swap(&ph, 1, &v, 1, WV_SWAP_MAP, wv_prot_host(state), &b)))
        wv_view_sync_commits(v, 0, v->npages); /* before the lock goes: v may be freed after */
    wv_space_unlock();
    if (err) {
        wv_view_delete(v);
        wv_object_unref(&s->obj); /* the view's, taken by wv_data_view_init */
        return err;
    }
    wv_region_swapped(&ph, 1, &v, 1);
    *out = base;
    return 0;
}

DWORD wv_view_unmap_preserve(uintptr_t addr)
{
    wv_space_lock();
    const struct wv_view *v = addr < WV_END_ADDR ? wv_space_find(addr) : NULL;
    bool mapped = v && (v->type == MEM_MAPPED || v->type == MEM_IMAGE);
    uintptr_t base = mapped ? v->base : 0, end = mapped ? v->end : 0;
    bool in = mapped && (v->flags & WV_VIEW_IN_PLACEHOLDER);
    wv_space_unlock();
    if (!in)
        return ERROR_INVALID_ADDRESS;
    struct wv_view *ph = wv_placeholder_new(base, end);
    if (!ph)
        return ERROR_NOT_ENOUGH_MEMORY;
    wv_space_lock();
    struct wv_view *old = wv_space_find(addr);
    DWORD err = ERROR_INVALID_ADDRESS;
    if (old && old->base == base && old->end == end && old->type == MEM_MAPPED &&
        (old->flags & WV_VIEW_IN_PLACEHOLDER)) {
        wv_vlock_drop(old, 0, old->npages);
        err = wv_region_swap(&old, 1, &ph, 1, WV_SWAP_MAP, PROT_NONE, NULL);
    }
    wv_space_unlock();
    if (err) {
        wv_view_delete(ph);
        return err;
    }
    struct wv_section *s = old->section;
    wv_region_swapped(&old, 1, &ph, 1);
    wv_object_unref(&s->obj);
    return 0;
}
