/* virtual.c - VirtualAlloc, VirtualFree, VirtualProtect, VirtualQuery and their *Ex forms.
 *
 * Every call validates everything before it changes anything, and changes the host mapping
 * before the state model, so a failed syscall leaves both as they were.  Syscalls that only
 * add or remove a whole allocation (mmap, munmap) run outside the lock, so threads that
 * allocate independently do not wait for each other; the kernel arbitrates who gets a range.
 */
#include "internal.h"

#include <sys/mman.h>

#define WV_ALLOC_TYPES                                                                     \
    (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO | MEM_TOP_DOWN | MEM_WRITE_WATCH | \
     MEM_LARGE_PAGES | MEM_PHYSICAL)

static void *wv_fail_ptr(DWORD code)
{
    wv_set_error(code);
    return NULL;
}

static BOOL wv_fail(DWORD code)
{
    wv_set_error(code);
    return FALSE;
}

/* [*start, *end) = the pages touched by [addr, addr + size); false if that wraps or leaves
 * user space. */
static bool wv_page_range(uintptr_t addr, SIZE_T size, uintptr_t *start, uintptr_t *end)
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

/* Gives pages [start, end) of v the visible state target, on the host and in the model; on
 * failure both stay as they were.  Committed pages keep their contents. */
static DWORD wv_apply(struct wv_view *v, uintptr_t start, uintptr_t end, wv_page_t target)
{
    size_t i = wv_view_index(v, start), n = (end - start) / WV_PAGE_SIZE;
    if (wv_view_all(v, i, n, WV_VISIBLE, target))
        return 0;
    if (v->flags & WV_VIEW_WRITE_WATCH)
        return wv_watch_apply(v, i, n, target); /* host protection follows the watch state */
    if (v->type != MEM_PRIVATE)
        return wv_view_protect(v, i, n, target); /* shared or private mapping per page */
    DWORD err = wv_os_protect(start, end - start, wv_prot_host(target));
    if (!err)
        wv_view_update(v, i, n, (wv_page_t)~WV_VISIBLE, target);
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

static LPVOID wv_reserve(uintptr_t addr, SIZE_T size, DWORD type, DWORD protect, wv_page_t bits)
{
    uintptr_t base, end;
    if (addr) {
        if (!wv_page_range(addr, size, &base, &end))
            return wv_fail_ptr(ERROR_INVALID_PARAMETER);
        base = wv_gran_down(addr);
        if (base < WV_MIN_ADDR)
            return wv_fail_ptr(ERROR_INVALID_PARAMETER);
    } else {
        if (size > WV_END_ADDR - WV_MIN_ADDR)
            return wv_fail_ptr(ERROR_INVALID_PARAMETER); /* NT: STATUS_INVALID_PARAMETER_4 */
        base = 0;
        end = wv_page_up(size);
    }
    wv_page_t initial = (type & MEM_COMMIT) ? (wv_page_t)(WV_COMMITTED | bits) : 0;
    int prot = wv_prot_host(initial);
    size_t len = end - base;

    /* The view first: a malloc failure must not leave a mapping behind. */
    struct wv_view *v = wv_view_new(base, base + len, protect, MEM_PRIVATE, initial);
    if (!v)
        return wv_fail_ptr(ERROR_NOT_ENOUGH_MEMORY);
    DWORD err = addr ? wv_os_map_at(base, len, prot, NULL)
                     : wv_os_map_anywhere(len, prot, (type & MEM_TOP_DOWN) != 0, NULL, &base);
    if (err) {
        wv_view_delete(v);
        return wv_fail_ptr(err);
    }
    v->base = base;
    v->end = base + len;
    if (type & MEM_WRITE_WATCH)
        v->flags |= WV_VIEW_WRITE_WATCH;
    if (type & MEM_PHYSICAL)
        v->flags |= WV_VIEW_PHYSICAL;
    v->cache_mods = bits & WV_CACHE_MODS;
    if ((v->flags & WV_VIEW_WRITE_WATCH) && (err = wv_watch_attach(v)) != 0) {
        wv_os_unmap(base, len);
        wv_view_delete(v);
        return wv_fail_ptr(err);
    }
    wv_space_write_lock();
    wv_space_insert(v);
    wv_space_unlock();
    return (LPVOID)base;
}

static LPVOID wv_commit(uintptr_t addr, SIZE_T size, wv_page_t bits)
{
    uintptr_t start, end;
    if (!wv_page_range(addr, size, &start, &end))
        return wv_fail_ptr(ERROR_INVALID_PARAMETER);
    wv_space_write_lock();
    struct wv_view *v = wv_space_find(start);
    DWORD err = 0;
    if (!v || end > v->end)
        err = ERROR_INVALID_ADDRESS;
    else if (v->type == MEM_MAPPED) {
        /* Only SEC_RESERVE views commit: in the section, for every view. */
        size_t i = wv_view_index(v, start), n = (end - start) / WV_PAGE_SIZE;
        wv_view_sync_commits(v, i, n);
        err = wv_view_commit(v, i, n, (wv_page_t)(WV_COMMITTED | wv_with_alloc_mods(v, bits)));
        wv_space_unlock();
        return err ? wv_fail_ptr(err) : (LPVOID)start;
    } else if (v->type != MEM_PRIVATE)
        err = ERROR_ACCESS_DENIED;
    else if (v->flags & WV_VIEW_PHYSICAL)
        err = ERROR_INVALID_PARAMETER; /* AWE regions take physical pages, never commits */
    /* Committing committed pages keeps their contents and sets the new protection. */
    if (!err)
        err = wv_apply(v, start, end, (wv_page_t)(WV_COMMITTED | wv_with_alloc_mods(v, bits)));
    wv_space_unlock();
    return err ? wv_fail_ptr(err) : (LPVOID)start;
}

LPVOID WINAPI VirtualAlloc(LPVOID lpAddress, SIZE_T dwSize, DWORD type, DWORD protect)
{
    uintptr_t addr = (uintptr_t)lpAddress;
    wv_fault_attach();
    if (dwSize == 0 || (type & ~(DWORD)WV_ALLOC_TYPES))
        return wv_fail_ptr(ERROR_INVALID_PARAMETER);
    if (type & (MEM_RESET | MEM_RESET_UNDO)) {
        /* Alone, with a valid (though ignored) protection. */
        if ((type != MEM_RESET && type != MEM_RESET_UNDO) || !wv_prot_parse(protect, true))
            return wv_fail_ptr(ERROR_INVALID_PARAMETER);
        return wv_reset(addr, dwSize, type == MEM_RESET_UNDO);
    }
    if (!(type & (MEM_COMMIT | MEM_RESERVE)) ||
        ((type & MEM_WRITE_WATCH) && !(type & MEM_RESERVE)))
        return wv_fail_ptr(ERROR_INVALID_PARAMETER);
    /* An AWE region: a reservation only, read-write, nothing else. */
    if ((type & MEM_PHYSICAL) && ((type & ~(DWORD)MEM_TOP_DOWN) != (MEM_RESERVE | MEM_PHYSICAL) ||
                                  protect != PAGE_READWRITE))
        return wv_fail_ptr(ERROR_INVALID_PARAMETER);
    wv_page_t bits = wv_prot_parse(protect, false);
    if (!bits)
        return wv_fail_ptr(ERROR_INVALID_PARAMETER);
    if (type & MEM_LARGE_PAGES)
        return wv_fail_ptr(ERROR_PRIVILEGE_NOT_HELD); /* as for a process without SeLockMemory */
    if (addr >= WV_END_ADDR)
        return wv_fail_ptr(ERROR_INVALID_PARAMETER);
    if ((type & MEM_RESERVE) || !addr)
        return wv_reserve(addr, dwSize, type, protect, bits); /* NULL commit reserves too */
    return wv_commit(addr, dwSize, bits);
}

static BOOL wv_release(uintptr_t addr)
{
    wv_space_write_lock();
    struct wv_view *v = wv_space_find(addr);
    DWORD err = 0;
    if (!v || wv_page_down(addr) != v->base)
        err = ERROR_INVALID_ADDRESS;
    else if (v->type != MEM_PRIVATE)
        err = ERROR_INVALID_PARAMETER;
    else
        wv_space_remove(v);
    wv_space_unlock();
    if (err)
        return wv_fail(err);
    /* Outside the lock: munmap is the slow part and needs none of our state. */
    err = wv_os_unmap(v->base, v->end - v->base);
    wv_space_write_lock();
    if (err)
        wv_space_insert(v);
    else
        wv_os_note_released(v->base, v->end - v->base);
    wv_space_unlock();
    if (err)
        return wv_fail(err);
    wv_view_delete(v);
    return TRUE;
}

static BOOL wv_decommit(uintptr_t addr, SIZE_T size)
{
    uintptr_t start, end;
    if (!wv_page_range(addr, size, &start, &end))
        return wv_fail(ERROR_INVALID_PARAMETER);
    wv_space_write_lock();
    struct wv_view *v = wv_space_find(start);
    DWORD err = 0;
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
                wv_lock_drop(v, i, n); /* MADV_DONTNEED refuses locked pages */
                wv_os_discard(start, end - start);
            }
        }
        if (!err)
            wv_view_update(v, i, n, WV_WATCH_DIRTY, 0);
    }
    wv_space_unlock();
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI VirtualFree(LPVOID lpAddress, SIZE_T dwSize, DWORD type)
{
    uintptr_t addr = (uintptr_t)lpAddress;
    if (type == MEM_RELEASE) {
        if (dwSize != 0 || addr >= WV_END_ADDR)
            return wv_fail(ERROR_INVALID_PARAMETER);
        return wv_release(addr);
    }
    if (type == MEM_DECOMMIT)
        return wv_decommit(addr, dwSize);
    return wv_fail(ERROR_INVALID_PARAMETER);
}

BOOL WINAPI VirtualProtect(LPVOID lpAddress, SIZE_T dwSize, DWORD protect, PDWORD old)
{
    uintptr_t start, end;
    wv_fault_attach();
    if (!old)
        return wv_fail(ERROR_NOACCESS);
    wv_page_t bits = wv_prot_parse(protect, true);
    if (!bits || dwSize == 0)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (!wv_page_range((uintptr_t)lpAddress, dwSize, &start, &end))
        return wv_fail(ERROR_INVALID_PARAMETER);
    wv_space_write_lock();
    struct wv_view *v = wv_space_find(start);
    size_t i = 0, n = 0;
    DWORD err = 0;
    if (!v || end > v->end)
        err = ERROR_INVALID_ADDRESS;
    else {
        i = wv_view_index(v, start);
        n = (end - start) / WV_PAGE_SIZE;
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
    return err ? wv_fail(err) : TRUE;
}

SIZE_T WINAPI VirtualQuery(LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
    uintptr_t addr = (uintptr_t)lpAddress;
    if (addr > WV_MAX_ADDR)
        return wv_set_error(ERROR_INVALID_PARAMETER), 0;
    if (len < sizeof(*mbi))
        return wv_set_error(ERROR_BAD_LENGTH), 0;
    if (!mbi)
        return wv_set_error(ERROR_NOACCESS), 0;
    wv_space_read_lock();
    struct wv_view *v = wv_space_find(addr);
    if (v) {
        size_t i = wv_view_index(v, addr);
        wv_view_sync_commits(v, i, v->npages - i);
        wv_view_refresh_copies(v, i, v->npages - i);
        wv_page_t page = v->page[i];
        mbi->BaseAddress = (PVOID)wv_page_down(addr);
        mbi->AllocationBase = (PVOID)v->base;
        mbi->AllocationProtect = v->alloc_protect;
        mbi->PartitionId = 0;
        mbi->RegionSize = wv_view_run(v, i, v->npages) * WV_PAGE_SIZE;
        mbi->State = (page & WV_COMMITTED) ? MEM_COMMIT : MEM_RESERVE;
        mbi->Protect = wv_prot_report(page);
        mbi->Type = v->type;
        wv_space_unlock();
        return sizeof(*mbi);
    }
    const struct wv_view *next = wv_space_next(addr);
    uintptr_t limit = next ? next->base : WV_END_ADDR;
    wv_space_unlock();
    wv_foreign_query(addr, limit, mbi);
    return sizeof(*mbi);
}

/* ---- the *Ex forms: this process only ---- */

static bool wv_is_self(HANDLE h) { return h == GetCurrentProcess(); }

LPVOID WINAPI VirtualAllocEx(HANDLE h, LPVOID addr, SIZE_T size, DWORD type, DWORD protect)
{
    return wv_is_self(h) ? VirtualAlloc(addr, size, type, protect) : wv_fail_ptr(ERROR_INVALID_HANDLE);
}

BOOL WINAPI VirtualFreeEx(HANDLE h, LPVOID addr, SIZE_T size, DWORD type)
{
    return wv_is_self(h) ? VirtualFree(addr, size, type) : wv_fail(ERROR_INVALID_HANDLE);
}

BOOL WINAPI VirtualProtectEx(HANDLE h, LPVOID addr, SIZE_T size, DWORD protect, PDWORD old)
{
    return wv_is_self(h) ? VirtualProtect(addr, size, protect, old) : wv_fail(ERROR_INVALID_HANDLE);
}

SIZE_T WINAPI VirtualQueryEx(HANDLE h, LPCVOID addr, PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
    if (!wv_is_self(h))
        return wv_set_error(ERROR_INVALID_HANDLE), 0;
    return VirtualQuery(addr, mbi, len);
}
