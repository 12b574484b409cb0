/* SPDX-License-Identifier: MIT */
/* virtual.c - the cores of VirtualAlloc, VirtualFree, VirtualProtect and VirtualQuery: Windows'
 * validation, then the change.  The public entry points (win32/virtual.c) only call these and
 * turn the returned error into the last error.
 *
 * Every call validates everything before it changes anything, and changes the host mapping
 * before the state model, so a failed syscall leaves both as they were.  Syscalls that only
 * add or remove a whole allocation (mmap, munmap) run outside the lock (region.c), so threads
 * that allocate independently do not wait for each other; the kernel arbitrates who gets a
 * range.
 */
#include "mm/mm.h"

#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#define WV_ALLOC_TYPES                                                                     \
    (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO | MEM_TOP_DOWN | MEM_WRITE_WATCH | \
     MEM_LARGE_PAGES | MEM_PHYSICAL)

/* [*start, *end) = the pages touched by [addr, addr + size); false if that wraps or leaves
 * user space. */
WV_HOT static bool wv_page_range(uintptr_t addr, SIZE_T size, uintptr_t *start, uintptr_t *end)
{
    if (addr >= WV_END_ADDR || size > WV_END_ADDR - addr)
        return false;
    *start = wv_page_down(addr);
    *end = wv_page_up(addr + size);
    return true;
}

/* NOCACHE and WRITECOMBINE belong to the allocation: modern Windows keeps the ones given at
 * reservation across later calls and ignores ones given later (see docs/semantics.md). */
static wv_page_t wv_with_alloc_mods(const struct wv_view *v, wv_page_t bits)
{
    return (wv_page_t)((bits & ~WV_CACHE_MODS) | v->cache_mods);
}

/* Gives pages [i, i+n) of v the visible state target, on the host and in the model; on
 * failure both stay as they were.  Committed pages keep their contents. */
static inline __attribute__((always_inline)) DWORD wv_apply_state(struct wv_view *v, size_t i, size_t n, wv_page_t target)
{
    if (__builtin_expect(v->flags & WV_VIEW_WRITE_WATCH, 0))
        return wv_watch_apply(v, i, n, target); /* host protection follows the watch state */
    if (__builtin_expect(v->type != MEM_PRIVATE && v->ops, 0)) /* private memory has none: ops' line unread */
        return v->ops->protect(v, i, n, target); /* shared or private mapping per page */
    DWORD err = wv_os_protect(v->base + i * WV_PAGE_SIZE, n * WV_PAGE_SIZE, wv_prot_host(target));
    if (!err)
        wv_view_update(v, i, n, (wv_page_t)~WV_VISIBLE, target);
    return err;
}

/* wv_apply_state over [start, end), then the working-set watch's marks on the pages changed
 * (wswatch.c: a page not yet touched stays out of the working set whatever its protection).
 * Inline in its two callers, commit and protect: as a call it cost a commit ~20 instructions
 * of prologue and argument moves. */
static inline __attribute__((always_inline)) DWORD wv_apply(struct wv_view *v, uintptr_t start, uintptr_t end,
                                                            wv_page_t target)
{
    size_t i = wv_view_index(v, start), n = (end - start) / WV_PAGE_SIZE;
    if (wv_view_all(v, i, n, WV_VISIBLE, target))
        return 0;
    DWORD err = wv_apply_state(v, i, n, target);
    if (!err)
        wv_wswatch_arm(v, i, n);
    return err;
}

/* VirtualProtect on image pages: READWRITE asks for WRITECOPY, EXECUTE_READWRITE for
 * EXECUTE_WRITECOPY (reference, "Images"); modifiers kept. */
static DWORD wv_image_protect(DWORD protect)
{
    DWORD base = protect & 0xff;
    if (base == PAGE_READWRITE)
        return (protect & ~0xffu) | PAGE_WRITECOPY;
    if (base == PAGE_EXECUTE_READWRITE)
        return (protect & ~0xffu) | PAGE_EXECUTE_WRITECOPY;
    return protect;
}

WV_HOT DWORD wv_virtual_reserve(uintptr_t addr, SIZE_T size, DWORD type, DWORD protect, wv_page_t bits,
                                uintptr_t *out)
{
    uintptr_t base, end;
    if (addr) {
        if (!wv_page_range(addr, size, &base, &end))
            return ERROR_INVALID_PARAMETER;
        base = wv_gran_down(addr);
        if (base < WV_MIN_ADDR)
            return ERROR_INVALID_PARAMETER;
    } else {
        if (size > WV_END_ADDR - WV_MIN_ADDR)
            return ERROR_INVALID_PARAMETER; /* NT: STATUS_INVALID_PARAMETER_4 */
        base = 0;
        end = wv_page_up(size);
    }
    wv_page_t initial = (type & MEM_COMMIT) ? (wv_page_t)(WV_COMMITTED | bits) : 0;

    /* The view first: a malloc failure must not leave a mapping behind. */
    struct wv_view *v = wv_view_new(base, end, protect, MEM_PRIVATE, initial);
    if (!v)
        return ERROR_NOT_ENOUGH_MEMORY;
    /* A plain reservation maps its last granule whole (R7, region.c): reservations then merge
     * into one kernel mapping however many there are.  Not committed ones: the tail would be
     * a second mapping of another protection, and merge with nothing. */
    if (!initial && !(type & (MEM_WRITE_WATCH | MEM_PHYSICAL)))
        v->flags |= WV_VIEW_TAIL;
    DWORD err = wv_region_place(v, addr ? base : 0, (type & MEM_TOP_DOWN) != 0, wv_prot_host(initial), NULL);
    if (err) {
        wv_view_delete(v);
        return err;
    }
    if (type & MEM_WRITE_WATCH)
        v->flags |= WV_VIEW_WRITE_WATCH;
    if (type & MEM_PHYSICAL)
        v->flags |= WV_VIEW_PHYSICAL;
    v->cache_mods = bits & WV_CACHE_MODS;
    if ((v->flags & WV_VIEW_WRITE_WATCH) && (err = wv_watch_attach(v)) != 0) {
        wv_region_abort(v);
        return err;
    }
    *out = wv_region_publish(v);
    return 0;
}

/* Validates [addr, addr + size) into its pages [*start, *end), then takes the space lock and
 * finds the view holding *start (NULL when none).  Without the lock on ERROR_INVALID_PARAMETER. */
WV_HOT static DWORD wv_find_range(uintptr_t addr, SIZE_T size, uintptr_t *start, uintptr_t *end,
                           struct wv_view **v)
{
    if (!wv_page_range(addr, size, start, end))
        return ERROR_INVALID_PARAMETER;
    wv_space_lock();
    *v = wv_space_find(*start);
    return 0;
}

/* Whether [start, end) lies in v; [*i, *i + *n) are its pages there. */
static bool wv_in_view(const struct wv_view *v, uintptr_t start, uintptr_t end, size_t *i, size_t *n)
{
    if (!v || end > v->end)
        return false;
    *i = wv_view_index(v, start);
    *n = (end - start) / WV_PAGE_SIZE;
    return true;
}

/* A commit's effect on [start, end) in v (NULL: none there), lock held: every kind of view. */
static __attribute__((noinline)) DWORD wv_commit_in(struct wv_view *v, uintptr_t start, uintptr_t end,
                                                    wv_page_t bits)
{
    size_t i, n;
    if (wv_prot_is_copy(bits) && (!v || (v->type != MEM_MAPPED && v->type != MEM_IMAGE)))
        return ERROR_INVALID_PARAMETER; /* only a view's pages may be write-copy */
    if (!wv_in_view(v, start, end, &i, &n) || (v->flags & WV_VIEW_PLACEHOLDER))
        return ERROR_INVALID_ADDRESS; /* a placeholder is replaced, never committed */
    wv_page_t target = (wv_page_t)(WV_COMMITTED | wv_with_alloc_mods(v, bits));
    if (v->type == MEM_MAPPED) {
        /* Only SEC_RESERVE views commit: in the section, for every view. */
        wv_view_sync_commits(v, i, n);
        DWORD err = v->ops->commit(v, i, n, target);
        if (!err)
            wv_wswatch_arm(v, i, n);
        return err;
    }
    if (v->type != MEM_PRIVATE)
        return ERROR_ACCESS_DENIED;
    if (v->flags & WV_VIEW_PHYSICAL)
        return ERROR_INVALID_PARAMETER; /* AWE regions take physical pages, never commits */
    return wv_apply(v, start, end, target); /* committed pages keep their contents, take the new protection */
}

/* The commit a loop makes by the thousand (bench row 4): one page of private memory without
 * write watch, placeholder or AWE flags, and a protection that is not write-copy.  Straight
 * through, in few code lines (each a cache miss after the syscall); wv_commit_in decides every
 * other case, in the same order, and this one as it would. */
static inline bool wv_commit_plain(const struct wv_view *v, uintptr_t start, uintptr_t end, wv_page_t bits)
{
    return v && end - start == WV_PAGE_SIZE && end <= v->end && v->type == MEM_PRIVATE &&
           !(v->flags & (WV_VIEW_PLACEHOLDER | WV_VIEW_PHYSICAL | WV_VIEW_WRITE_WATCH)) && !wv_prot_is_copy(bits);
}

static inline __attribute__((always_inline)) DWORD wv_commit_body(uintptr_t addr, SIZE_T size, wv_page_t bits,
                                                                  uintptr_t *out)
{
    uintptr_t start, end;
    struct wv_view *v;
    DWORD err = wv_find_range(addr, size, &start, &end, &v);
    if (err)
        return err;
    if (__builtin_expect(wv_commit_plain(v, start, end, bits), 1))
        err = wv_apply(v, start, end, (wv_page_t)(WV_COMMITTED | wv_with_alloc_mods(v, bits)));
    else
        err = wv_commit_in(v, start, end, bits);
    wv_space_unlock();
    if (!err)
        *out = start;
    if (__builtin_expect(!err && (bits & WV_GUARD), 0))
        wv_stack_guard_set(start, end - start);
    return err;
}

WV_HOT_PATH DWORD wv_virtual_commit(uintptr_t addr, SIZE_T size, wv_page_t bits, uintptr_t *out)
{
    return wv_commit_body(addr, size, bits, out);
}

WV_HOT_PATH void *wv_virtual_commit_to(uintptr_t addr, SIZE_T size, wv_page_t bits, wv_commit_fail_fn *fail,
                                       uintptr_t arg)
{
    uintptr_t start = 0;
    DWORD err = wv_commit_body(addr, size, bits, &start);
    wv_debug_validate_at(err ? addr : start);
    if (__builtin_expect(err != 0, 0))
        return fail(err, arg);
    return (void *)start;
}

DWORD wv_virtual_alloc(uintptr_t addr, SIZE_T size, DWORD type, DWORD protect, uintptr_t *out)
{
    if (size == 0 || (type & ~(DWORD)WV_ALLOC_TYPES))
        return ERROR_INVALID_PARAMETER;
    if (type & (MEM_RESET | MEM_RESET_UNDO)) {
        /* Alone, with a valid (though ignored) protection. */
        if ((type != MEM_RESET && type != MEM_RESET_UNDO) || !wv_prot_parse(protect, true))
            return ERROR_INVALID_PARAMETER;
        return wv_reset(addr, size, type == MEM_RESET_UNDO, out);
    }
    if (!(type & (MEM_COMMIT | MEM_RESERVE)) ||
        ((type & MEM_WRITE_WATCH) && !(type & MEM_RESERVE)))
        return ERROR_INVALID_PARAMETER;
    /* An AWE region: a reservation only, read-write, nothing else. */
    if ((type & MEM_PHYSICAL) && ((type & ~(DWORD)MEM_TOP_DOWN) != (MEM_RESERVE | MEM_PHYSICAL) ||
                                  protect != PAGE_READWRITE))
        return ERROR_INVALID_PARAMETER;
    /* Write-copy only commits pages of a view (wv_virtual_commit says which). */
    bool commit_only = !(type & MEM_RESERVE) && addr;
    wv_page_t bits = wv_prot_parse(protect, commit_only);
    if (!bits)
        return ERROR_INVALID_PARAMETER;
    if (type & MEM_LARGE_PAGES)
        return ERROR_PRIVILEGE_NOT_HELD; /* as for a process without SeLockMemory */
    if (addr >= WV_END_ADDR)
        return ERROR_INVALID_PARAMETER;
    if ((type & MEM_RESERVE) || !addr)
        return wv_virtual_reserve(addr, size, type, protect, bits, out); /* NULL commit reserves too */
    return wv_virtual_commit(addr, size, bits, out);
}

DWORD wv_virtual_release(uintptr_t addr, uintptr_t *base, uintptr_t *end)
{
    wv_space_lock();
    struct wv_view *v = addr < WV_END_ADDR ? wv_space_find(addr) : NULL;
    DWORD err = 0;
    if (!v || wv_page_down(addr) != v->base)
        err = ERROR_INVALID_ADDRESS;
    else if (v->type != MEM_PRIVATE)
        err = ERROR_INVALID_PARAMETER;
    else {
        wv_space_remove(v);
        *base = v->base, *end = v->end; /* v is deleted by its release */
    }
    wv_space_unlock();
    return err ? err : wv_region_release(v);
}

static DWORD wv_decommit(uintptr_t addr, SIZE_T size)
{
    uintptr_t start, end;
    struct wv_view *v;
    DWORD err = wv_find_range(addr, size, &start, &end, &v);
    if (err)
        return err;
    if (!v)
        err = ERROR_INVALID_ADDRESS;
    else if (v->type != MEM_PRIVATE)
        err = ERROR_INVALID_PARAMETER; /* views and images are not decommitted */
    else if (size == 0 && start != v->base)
        err = ERROR_INVALID_ADDRESS;
    else if (size == 0)
        end = v->end;
    else if (end > v->end || v->type != MEM_PRIVATE)
        err = ERROR_INVALID_PARAMETER;
    if (!err) {
        size_t i = wv_view_index(v, start), n = (end - start) / WV_PAGE_SIZE;
        if (!wv_view_all(v, i, n, WV_COMMITTED, 0)) {
            if (v->flags & WV_VIEW_WRITE_WATCH)
                wv_watch_decommit(v, i, n); /* written pages stay reported (Windows) */
            /* Protect first: it is the step that can fail, and it fails with nothing done. */
            err = wv_os_protect(start, end - start, PROT_NONE);
            if (!err) {
                wv_vlock_drop(v, i, n); /* MADV_DONTNEED refuses locked pages */
                wv_os_discard(start, end - start);
            }
        }
        if (!err)
            wv_view_update(v, i, n, WV_WATCH_DIRTY, 0);
    }
    wv_space_unlock();
    return err;
}

DWORD wv_virtual_free(uintptr_t addr, SIZE_T size, DWORD type)
{
    if (type & (MEM_PRESERVE_PLACEHOLDER | MEM_COALESCE_PLACEHOLDERS))
        return wv_placeholder_free(addr, size, type);
    if (type == MEM_RELEASE) {
        if (size != 0 || addr >= WV_END_ADDR)
            return ERROR_INVALID_PARAMETER;
        uintptr_t base, end;
        return wv_virtual_release(addr, &base, &end);
    }
    if (type == MEM_DECOMMIT)
        return wv_decommit(addr, size);
    return ERROR_INVALID_PARAMETER;
}

WV_HOT DWORD wv_virtual_protect(uintptr_t addr, SIZE_T size, DWORD protect, DWORD *old)
{
    uintptr_t start, end;
    if (!old)
        return ERROR_NOACCESS;
    wv_page_t bits = wv_prot_parse(protect, true);
    if (!bits || size == 0)
        return ERROR_INVALID_PARAMETER;
    struct wv_view *v;
    DWORD err = wv_find_range(addr, size, &start, &end, &v);
    if (err)
        return err;
    size_t i = 0, n = 0;
    if (!wv_in_view(v, start, end, &i, &n))
        err = ERROR_INVALID_ADDRESS;
    else {
        wv_view_sync_commits(v, i, n);
        if (!wv_view_all(v, i, n, WV_COMMITTED, WV_COMMITTED))
            err = ERROR_INVALID_ADDRESS;
        else if (v->type == MEM_PRIVATE && bits != wv_prot_parse(protect, false))
            err = ERROR_INVALID_PARAMETER; /* WRITECOPY needs a mapped or image view */
        else if (v->type == MEM_MAPPED && (wv_rights_of(protect) & ~wv_rights_of(v->alloc_protect)))
            err = ERROR_INVALID_PARAMETER; /* a view never gains rights it was not mapped with */
        else if (v->type == MEM_IMAGE) /* never written through: writable means write-copy */
            bits = wv_prot_parse(wv_image_protect(protect), true);
    }
    if (!err) {
        wv_view_refresh_copies(v, i, 1);
        DWORD was = wv_prot_report(v->page[i]);
        err = wv_apply(v, start, end, (wv_page_t)(WV_COMMITTED | wv_with_alloc_mods(v, bits)));
        if (!err)
            *old = was;
    }
    wv_space_unlock();
    if (!err && (protect & PAGE_GUARD))
        wv_stack_guard_set(start, end - start);
    return err;
}

/* Free memory from addr to end, as VirtualQuery reports it. */
static void wv_query_free(uintptr_t addr, uintptr_t end, MEMORY_BASIC_INFORMATION *mbi)
{
    memset(mbi, 0, sizeof(*mbi));
    mbi->BaseAddress = (PVOID)wv_page_down(addr);
    mbi->RegionSize = end - wv_page_down(addr);
    mbi->State = MEM_FREE;
    mbi->Protect = PAGE_NOACCESS;
}

/* Free memory from addr, in the tail of a reservation ending at tail_end, up to limit (the
 * next view): the tail, then whatever free space the host has after it.  Lock held. */
static void wv_query_tail(uintptr_t addr, uintptr_t tail_end, uintptr_t limit,
                          MEMORY_BASIC_INFORMATION *mbi)
{
    uintptr_t end = tail_end < limit ? tail_end : limit;
    if (end < limit) {
        wv_foreign_query(end, limit, mbi);
        if (mbi->State == MEM_FREE)
            end += mbi->RegionSize;
    }
    wv_query_free(addr, end, mbi);
}

/* Pages from addr's page to the end of its region (npages of them), in a view at base. */
static void wv_query_view(uintptr_t addr, uintptr_t base, DWORD alloc_protect, size_t npages, wv_page_t page,
                          DWORD type, MEMORY_BASIC_INFORMATION *mbi)
{
    mbi->BaseAddress = (PVOID)wv_page_down(addr);
    mbi->AllocationBase = (PVOID)base;
    mbi->AllocationProtect = alloc_protect;
    mbi->PartitionId = 0;
    mbi->RegionSize = npages * WV_PAGE_SIZE;
    mbi->State = (page & WV_COMMITTED) ? MEM_COMMIT : MEM_RESERVE;
    mbi->Protect = wv_prot_report(page);
    mbi->Type = type;
}

/* What the granule's summary alone answers (gran.c: a small private view): a page of the
 * view, or its tail when the next granule is a view's (R7: free up to there).  False when the
 * summary does not tell.  Lock held. */
static bool wv_query_gran(uintptr_t addr, MEMORY_BASIC_INFORMATION *mbi)
{
    unsigned code = wv_space_gran(addr);
    if (code <= WV_GRAN_VIEW)
        return false;
    const struct wv_gran_class *c = &wv_gran_classes[code];
    size_t i = (addr % WV_GRANULE) / WV_PAGE_SIZE;
    uintptr_t base = wv_gran_down(addr);
    if (i < c->npages) {
        bool lo = i < c->split;
        wv_query_view(addr, base, c->alloc_protect, (lo ? c->split : c->npages) - i, lo ? c->lo : c->hi,
                      MEM_PRIVATE, mbi);
        return true;
    }
    /* A granule belongs to one view: a view in the next one starts there. */
    if (!(c->bits & WV_GRAN_TAIL) || wv_space_gran(base + WV_GRANULE) == WV_GRAN_FREE)
        return false;
    wv_query_free(addr, base + WV_GRANULE, mbi);
    return true;
}

void wv_virtual_query(uintptr_t addr, MEMORY_BASIC_INFORMATION *mbi)
{
    wv_assert(addr <= WV_MAX_ADDR);
    uintptr_t flight_end = 0;
    int flight;
    wv_space_lock();
    if (wv_query_gran(addr, mbi)) {
        wv_space_unlock();
        return;
    }
    /* A range still being placed: its mmap decides whether it is ours (and then free until
     * published) or someone else's mapping; wait the one syscall that takes. */
    while (!wv_space_find(addr) && (flight = wv_inflight_state(addr, &flight_end)) == WV_INFLIGHT_PLACING) {
        wv_space_unlock();
        sched_yield();
        wv_space_lock();
    }
    struct wv_view *v = wv_space_find(addr);
    if (v) {
        size_t i = wv_view_index(v, addr);
        wv_view_sync_commits(v, i, v->npages - i);
        wv_view_refresh_copies(v, i, v->npages - i);
        wv_query_view(addr, v->base, v->alloc_protect, wv_view_run(v, i, v->npages), v->page[i], v->type, mbi);
        wv_space_unlock();
        return;
    }
    const struct wv_view *next = wv_space_next(addr);
    uintptr_t limit = next ? next->base : WV_END_ADDR;
    uintptr_t tail_end = wv_space_tail_end(addr);
    if (tail_end) { /* a reservation's unusable tail (R7): free, and so may be what follows */
        wv_query_tail(addr, tail_end, limit, mbi);
        wv_space_unlock();
        return;
    }
    flight = wv_inflight_state(addr, &flight_end);
    /* Not ours (or free): the host tells, read under the lock, where the host's mappings
     * outside the tree and the in-flight list cannot change under us (R5). */
    if (flight) /* not allocated yet, or released already: free */
        wv_query_free(addr, flight_end < limit ? flight_end : limit, mbi);
    else
        wv_foreign_query(addr, limit, mbi);
    wv_space_unlock();
}

bool wv_virtual_extent(uintptr_t addr, struct wv_extent *e)
{
    wv_space_lock();
    struct wv_view *v = addr <= WV_MAX_ADDR ? wv_space_find(addr) : NULL;
    if (v) {
        wv_view_sync_commits(v, 0, v->npages);
        e->base = v->base;
        e->end = v->end;
        e->type = v->type;
        e->protect = v->alloc_protect;
        e->flags = v->flags;
        e->committed = 0;
        for (size_t i = 0; i < v->npages; i += wv_view_run(v, i, v->npages))
            if (v->page[i] & WV_COMMITTED)
                e->committed += wv_view_run(v, i, v->npages);
    }
    wv_space_unlock();
    return v != NULL;
}
