/* SPDX-License-Identifier: MIT */
/* view.c - views of sections: the cores of MapViewOfFile(Ex), UnmapViewOfFile and
 * FlushViewOfFile (the public calls are win32/section.c), and how a view's pages are mapped.
 *
 * Copy-on-write is the kernel's: a write-copy page is mapped MAP_PRIVATE from the section's
 * descriptor, every other page MAP_SHARED.  Until written, a private page is the page-cache
 * page itself, shared with every other view and process; the first write gives this view its
 * own copy, and nobody else sees it.  winvm never copies a page, and a write costs no extra
 * fault: which pages were copied is read from /proc/self/pagemap when someone asks
 * (VirtualQuery, VirtualProtect): a copy is anonymous memory, an uncopied page a file page.
 *
 * Rules (docs/semantics.md, "Sections"): the section's protection grants rights (read,
 * write, execute) and the handle grants SECTION_MAP_* access; a view needing more is refused
 * with ERROR_ACCESS_DENIED.  The view's initial protection follows from its access, and
 * VirtualProtect may later ask only for rights within it.
 */
#define _GNU_SOURCE
#include "section/section.h"

#include <pthread.h>
#include <sys/resource.h>

/* ---- which pages are copies ---- */

/* Only a page mapped privately and not yet copied can become a copy; once copied, always. */
static bool wv_copy_candidate(wv_page_t page)
{
    return (page & (WV_COW_MAPPED | WV_COPIED)) == WV_COW_MAPPED;
}

/* Faults the whole process has taken (every thread, live or gone).  A private page becomes a
 * copy only through a fault of this process: its own write, or the kernel writing for it
 * (read() into the page, MADV_POPULATE_WRITE, /proc/self/mem).  While the count stands still,
 * no page anywhere became a copy.  (Not seen: another process writing in, e.g. a debugger's
 * process_vm_writev; that copy shows at this process's next fault.) */
static bool wv_faults_now(uint64_t *out)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return false;
    *out = (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
    return true;
}

/* Per thread: the copy state of [lo, hi) was read from the page map when the process had
 * taken `faults` faults.  A view mapped there since has no copy the count would not show. */
static __thread struct wv_fresh {
    uintptr_t lo, hi;
    uint64_t faults;
} wv_fresh;
static pthread_once_t wv_fresh_once = PTHREAD_ONCE_INIT;

/* A forked child counts its faults from zero: what this thread knew says nothing there. */
static void wv_fresh_forget(void) { wv_fresh.lo = wv_fresh.hi = 0; }
static void wv_fresh_init(void) { pthread_atfork(NULL, NULL, wv_fresh_forget); }

#define WV_REFRESH_CHUNK 4096 /* pages per wv_pagemap_anon call: 512 bytes of bits */

/* Marks the candidates among pages [i, e) that the page map shows anonymous now. */
static int wv_view_mark_copies(struct wv_view *v, size_t i, size_t e)
{
    uint64_t bits[WV_REFRESH_CHUNK / 64];
    for (size_t k = i; k < e; k += WV_REFRESH_CHUNK) {
        size_t m = e - k < WV_REFRESH_CHUNK ? e - k : WV_REFRESH_CHUNK;
        if (wv_pagemap_anon(v->base + k * WV_PAGE_SIZE, m, bits) != 0)
            return -1;
        for (size_t w = 0; w < (m + 63) / 64; w++)
            for (uint64_t b = bits[w]; b; b &= b - 1) {
                size_t j = k + w * 64 + (size_t)__builtin_ctzll(b);
                if (j < e && wv_copy_candidate(v->page[j]))
                    wv_view_update(v, j, 1, (wv_page_t)~0, WV_COPIED);
            }
    }
    return 0;
}

static void wv_mapped_refresh(struct wv_view *v, size_t i, size_t n)
{
    wv_assert(wv_space_locked_by_self());
    if (!(v->flags & WV_VIEW_COW))
        return;
    /* Only candidates can change: trim the range to the first and last of them. */
    size_t e = i + n;
    while (i < e && !wv_copy_candidate(v->page[i]))
        i++;
    while (e > i && !wv_copy_candidate(v->page[e - 1]))
        e--;
    if (i == e)
        return;
    pthread_once(&wv_fresh_once, wv_fresh_init);
    uint64_t faults = 0;
    bool counted = wv_faults_now(&faults); /* before the page map is read */
    uintptr_t lo = v->base + i * WV_PAGE_SIZE, hi = v->base + e * WV_PAGE_SIZE;
    struct wv_fresh *f = &wv_fresh;
    int err;
    if (counted && f->lo < f->hi && f->faults == faults && lo <= f->hi && hi >= f->lo) {
        /* No fault since [f->lo, f->hi) was read: read only what lies outside it. */
        err = 0;
        if (lo < f->lo)
            err = wv_view_mark_copies(v, i, (f->lo - v->base) / WV_PAGE_SIZE);
        if (!err && hi > f->hi)
            err = wv_view_mark_copies(v, (f->hi - v->base) / WV_PAGE_SIZE, e);
        lo = lo < f->lo ? lo : f->lo;
        hi = hi > f->hi ? hi : f->hi;
    } else
        err = wv_view_mark_copies(v, i, e);
    if (err || !counted)
        lo = hi = 0;
    *f = (struct wv_fresh){.lo = lo, .hi = hi, .faults = faults};
}

/* ---- mapping pages ---- */

static bool wv_is_copy_prot(wv_page_t page)
{
    DWORD p = wv_prot_report(page & (wv_page_t)~WV_COPIED);
    return (p & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY)) != 0;
}

/* Maps pages [i, i+n) of v from the section, privately or shared, with prot. */
static DWORD wv_view_map(const struct wv_view *v, size_t i, size_t n, bool private_map, int prot)
{
    const struct wv_section *s = v->section;
    off_t off = s->data_offset + (off_t)(v->offset + i * WV_PAGE_SIZE);
    struct wv_backing b = {.fd = s->fd, .off = off, .shared = !private_map};
    return wv_os_map_over(v->base + i * WV_PAGE_SIZE, n * WV_PAGE_SIZE, prot, &b);
}

static DWORD wv_mapped_protect(struct wv_view *v, size_t i, size_t n, wv_page_t target)
{
    wv_assert(wv_space_locked_by_self());
    wv_mapped_refresh(v, i, n);
    bool copy = wv_is_copy_prot(target);
    for (size_t k = i, e; k < i + n; k = e) {
        wv_page_t was = v->page[k], key = was & (WV_COW_MAPPED | WV_COPIED);
        for (e = k + 1; e < i + n && (v->page[e] & (WV_COW_MAPPED | WV_COPIED)) == key; e++)
            ;
        /* Private when write-copy now, or when it already holds its copy (kept for good); an
         * image's pages are private whatever their protection. */
        bool copied = (was & WV_COPIED) != 0, priv = copy || copied || v->type == MEM_IMAGE;
        if (v->type == MEM_IMAGE)
            priv = (was & WV_COW_MAPPED) != 0; /* never remapped: only the protection moves */
        wv_page_t now = (wv_page_t)(target | (copied ? WV_COPIED : 0) | (priv ? WV_COW_MAPPED : 0));
        int prot = wv_prot_host(now);
        DWORD err = priv == ((was & WV_COW_MAPPED) != 0)
                        ? wv_os_protect(v->base + k * WV_PAGE_SIZE, (e - k) * WV_PAGE_SIZE, prot)
                        : wv_view_map(v, k, e - k, priv, prot); /* same bytes: the page cache's */
        if (err)
            return err; /* earlier runs keep their new protection */
        wv_view_update(v, k, e - k, (wv_page_t)~(WV_VISIBLE | WV_COW_MAPPED), now);
        if (priv)
            v->flags |= WV_VIEW_COW;
    }
    return 0;
}

/* ---- SEC_RESERVE: commits shared by every view ---- */

static bool wv_section_page_committed(const struct wv_section *s, uint64_t page)
{
    return __atomic_load_n(&s->commits[page / 64], __ATOMIC_ACQUIRE) >> (page % 64) & 1;
}

static bool wv_view_reserving(const struct wv_view *v)
{
    return v->type == MEM_MAPPED && v->section->commits != NULL;
}

/* Which uncommitted pages a sync commits: those the section has committed (SEC_RESERVE, by
 * another view or process), or, in a grown reserved view, any the caller's range holds. */
static bool wv_due_section(const struct wv_view *v, size_t k)
{
    return wv_section_page_committed(v->section, v->offset / WV_PAGE_SIZE + k);
}

static bool wv_due_any(const struct wv_view *v, size_t k) { return (void)v, (void)k, true; }

/* Commits the runs of uncommitted pages in [i, end) that are due with the view's own
 * protection (alloc_protect carries the section's cache modifier already); a failure leaves
 * the rest reserved. */
static void wv_commit_due(struct wv_view *v, size_t i, size_t end, bool (*due)(const struct wv_view *, size_t))
{
    wv_page_t target = (wv_page_t)(WV_COMMITTED | wv_prot_parse(v->alloc_protect, true));
    for (size_t k = i, e; k < end; k = e) {
        e = k + 1;
        if ((v->page[k] & WV_COMMITTED) || !due(v, k))
            continue;
        while (e < end && !(v->page[e] & WV_COMMITTED) && due(v, e))
            e++;
        if (wv_mapped_protect(v, k, e - k, target) != 0)
            return;
    }
}

static void wv_mapped_sync(struct wv_view *v, size_t i, size_t n)
{
    wv_assert(wv_space_locked_by_self());
    if (v->flags & WV_VIEW_GROWS) {
        /* A reserved view of a file: the pages the section's size now covers (the file is
         * mapped under them already). */
        uint64_t size = __atomic_load_n(&v->section->size, __ATOMIC_ACQUIRE);
        size_t covered = size <= v->offset ? 0 : (size_t)(wv_page_up(size - v->offset) / WV_PAGE_SIZE);
        wv_commit_due(v, i, covered < i + n ? covered : i + n, wv_due_any);
    }
    if (wv_view_reserving(v))
        wv_commit_due(v, i, i + n, wv_due_section);
}

static DWORD wv_mapped_commit(struct wv_view *v, size_t i, size_t n, wv_page_t target)
{
    wv_assert(wv_space_locked_by_self());
    DWORD prot = wv_prot_report(target);
    if (v->section->file_backed)
        return ERROR_ACCESS_DENIED; /* a file's pages are never committed by hand */
    if (wv_rights_of(prot) & ~wv_rights_of(v->alloc_protect))
        return ERROR_INVALID_PARAMETER;
    /* On committed pages of a pagefile section, a commit sets the protection (Wine's
     * test_mapping); on a SEC_RESERVE section it commits for every view. */
    DWORD err = wv_mapped_protect(v, i, n, target);
    if (err || !wv_view_reserving(v))
        return err;
    uint64_t first = v->offset / WV_PAGE_SIZE;
    for (size_t k = i; k < i + n; k++)
        __atomic_fetch_or(&v->section->commits[(first + k) / 64], (uint64_t)1 << ((first + k) % 64),
                          __ATOMIC_RELEASE);
    return 0;
}

const struct wv_view_ops wv_section_view_ops = {
    .sync_commits = wv_mapped_sync,
    .refresh_copies = wv_mapped_refresh,
    .commit = wv_mapped_commit,
    .protect = wv_mapped_protect,
};

/* ---- MapViewOfFile ---- */

/* The initial protection of a view with this access (Wine's test_mapping table): write wins,
 * then read (a copy request beside read is ignored), then copy alone; execute adds to each;
 * access 0 or execute alone map a PAGE_NOACCESS view. */
static DWORD wv_view_initial(DWORD access)
{
    bool x = access & FILE_MAP_EXECUTE;
    if (access & FILE_MAP_WRITE)
        return x ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
    if (access & FILE_MAP_READ)
        return x ? PAGE_EXECUTE_READ : PAGE_READONLY;
    if (access & FILE_MAP_COPY)
        return x ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
    return PAGE_NOACCESS;
}

/* A view of a SEC_IMAGE section: always the whole image (image.c).  Never written through,
 * so write access is refused; execute access needs an executable section protection; the
 * handle must grant map-read (map-execute for execute) (Windows, issue 14 fact 2). */
static DWORD wv_image_view(struct wv_section *s, DWORD granted, DWORD access, uint64_t off,
                           uintptr_t base, uintptr_t *out, bool *not_at_base)
{
    if (access & ~(DWORD)(FILE_MAP_ALL_ACCESS | FILE_MAP_EXECUTE | FILE_MAP_COPY))
        return ERROR_INVALID_PARAMETER;
    bool x = access & FILE_MAP_EXECUTE;
    DWORD need_access = SECTION_MAP_READ | (x ? SECTION_MAP_EXECUTE : 0);
    if ((access & FILE_MAP_WRITE) || (x && !(wv_rights_of(s->protect) & 4)) ||
        (need_access & ~granted))
        return ERROR_ACCESS_DENIED;
    if (off)
        return ERROR_INVALID_PARAMETER;
    if (base % WV_GRANULE)
        return ERROR_MAPPED_ALIGNMENT;
    return wv_image_map(s, base, out, not_at_base); /* the view takes its own reference */
}

/* Windows' checks of a data view of s through a handle granting `granted`: 0 with the view's
 * length and initial protection (modifiers included), or the Win32 error. */
DWORD wv_data_view_check(const struct wv_section *s, DWORD granted, DWORD access,
                                uint64_t off, SIZE_T bytes, uintptr_t base, size_t *len,
                                DWORD *initial)
{
    *initial = wv_view_initial(access);
    bool reserve = (access & FILE_MAP_RESERVE) != 0;
    access &= ~(DWORD)FILE_MAP_RESERVE;
    if (access & ~(DWORD)(FILE_MAP_ALL_ACCESS | FILE_MAP_EXECUTE | FILE_MAP_COPY))
        return ERROR_INVALID_PARAMETER;
    if (reserve && !s->file_backed)
        return ERROR_INVALID_PARAMETER; /* a reserved view is a file's (see wv_data_view) */
    if (off % WV_GRANULE)
        return ERROR_MAPPED_ALIGNMENT;
    /* What the view needs: from the section's protection, and from the handle. */
    unsigned need = wv_rights_of(*initial) | ((access & FILE_MAP_EXECUTE) ? 4u : 0u);
    /* A write view needs map-write on the handle, any other (even access 0) map-read. */
    DWORD need_access = ((access & FILE_MAP_WRITE) ? SECTION_MAP_WRITE : SECTION_MAP_READ) |
                        ((access & FILE_MAP_EXECUTE) ? SECTION_MAP_EXECUTE : 0);
    /* A reserved view may reach past the end, which only a section that can grow its file
     * (a writable one) allows: STATUS_SECTION_PROTECTION on a read-only one. */
    if (reserve)
        need |= 2u;
    if ((need & ~wv_rights_of(s->protect)) || (need_access & ~granted))
        return ERROR_ACCESS_DENIED;
    if (off >= s->size || (bytes > s->size - off && !reserve))
        return off >= s->size && bytes == 0 ? ERROR_INVALID_PARAMETER : ERROR_ACCESS_DENIED;
    if (bytes > WV_END_ADDR)
        return ERROR_NOT_ENOUGH_MEMORY;
    *len = wv_page_up(bytes ? bytes : s->size - off);
    if (base % WV_GRANULE)
        return ERROR_MAPPED_ALIGNMENT;
    /* SEC_NOCACHE / SEC_WRITECOMBINE show on every page of every view, as the allocation's
     * modifier does on private memory. */
    if (*initial != PAGE_NOACCESS)
        *initial |= (s->flags & SEC_NOCACHE) ? PAGE_NOCACHE
                    : (s->flags & 0x40000000u) ? PAGE_WRITECOMBINE : 0;
    return 0;
}

wv_page_t wv_data_view_state(const struct wv_section *s, DWORD initial)
{
    wv_page_t bits = wv_prot_parse(initial, true);
    bool priv = (initial & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY)) != 0;
    /* A SEC_RESERVE view starts reserved; the pages the section has committed follow. */
    return s->commits ? (wv_page_t)(priv ? WV_COW_MAPPED : 0)
                      : (wv_page_t)(WV_COMMITTED | bits | (priv ? WV_COW_MAPPED : 0));
}

void wv_data_view_init(struct wv_view *v, struct wv_section *s, uint64_t off)
{
    wv_object_ref(&s->obj); /* the view's */
    v->ops = &wv_section_view_ops;
    v->section = s, v->offset = off;
    v->cache_mods = wv_prot_parse(v->alloc_protect, true) & WV_CACHE_MODS;
    if (v->alloc_protect & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY))
        v->flags |= WV_VIEW_COW;
    if (!s->file_backed)
        v->flags |= WV_VIEW_PAGEFILE;
}

/* Maps [off, off + len) of s at base (0: placed) with this initial protection.  A view
 * reaching past the section's end (a reserved view, FILE_MAP_RESERVE) maps the file over its
 * whole length, every page reserved; publishing commits those the section covers, and each
 * later sync (a fault, a query) those it has grown over since (NtExtendSection). */
static DWORD wv_data_view(struct wv_section *s, uint64_t off, size_t len, uintptr_t base,
                          bool top_down, DWORD initial, uintptr_t *out)
{
    bool priv = (initial & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY)) != 0;
    bool grows = off + len > wv_page_up(__atomic_load_n(&s->size, __ATOMIC_ACQUIRE));
    wv_page_t state = grows ? (wv_page_t)(priv ? WV_COW_MAPPED : 0) : wv_data_view_state(s, initial);
    struct wv_view *v = wv_view_new(0, len, initial, MEM_MAPPED, state);
    if (!v)
        return ERROR_NOT_ENOUGH_MEMORY;
    /* Placed as VirtualAlloc places memory, the section mapped there in one call. */
    struct wv_backing b = {s->fd, s->data_offset + (off_t)off, !priv};
    DWORD err = wv_region_place(v, base, top_down, wv_prot_host(state), &b);
    if (err) {
        wv_view_delete(v);
        return err;
    }
    wv_data_view_init(v, s, off);
    if (grows)
        v->flags |= WV_VIEW_GROWS;
    *out = wv_region_publish(v); /* with the pages other views committed meanwhile */
    return 0;
}

DWORD wv_view_map_section(struct wv_section *s, DWORD granted, DWORD access, uint64_t off,
                          SIZE_T bytes, uintptr_t base, uintptr_t *out, bool *not_at_base)
{
    return wv_view_map_placed(s, granted, access, off, bytes, base, false, out, not_at_base);
}

DWORD wv_view_map_placed(struct wv_section *s, DWORD granted, DWORD access, uint64_t off,
                         SIZE_T bytes, uintptr_t base, bool top_down, uintptr_t *out,
                         bool *not_at_base)
{
    *not_at_base = false;
    if (s->image)
        return wv_image_view(s, granted, access, off, base, out, not_at_base);
    size_t len = 0;
    DWORD initial = 0;
    DWORD err = wv_data_view_check(s, granted, access, off, bytes, base, &len, &initial);
    return err ? err : wv_data_view(s, off, len, base, top_down, initial, out);
}

DWORD wv_view_unmap(uintptr_t addr)
{
    wv_space_lock();
    struct wv_view *v = wv_space_find(addr);
    bool ok = v && (v->type == MEM_MAPPED || v->type == MEM_IMAGE);
    if (ok)
        wv_space_remove(v);
    wv_space_unlock();
    if (!ok)
        return ERROR_INVALID_ADDRESS;
    struct wv_section *s = v->section;
    DWORD err = wv_region_release(v);
    if (!err)
        wv_object_unref(&s->obj);
    return err;
}

DWORD wv_view_flush(uintptr_t addr, SIZE_T size)
{
    uintptr_t a = wv_page_down(addr);
    wv_space_lock();
    const struct wv_view *v = wv_space_find(a);
    bool ok = v && v->type == MEM_MAPPED;
    uintptr_t end = 0;
    if (ok)
        end = size == 0 || size > v->end - addr ? v->end : wv_page_up(addr + size);
    wv_space_unlock();
    /* Private (write-copy) pages are not the file's: msync leaves them alone. */
    return ok ? wv_os_flush(a, end - a) : ERROR_INVALID_ADDRESS;
}

DWORD wv_view_file_name(uintptr_t addr, char *path, size_t cap)
{
    wv_space_lock();
    const struct wv_view *v = addr <= WV_MAX_ADDR ? wv_space_find(wv_page_down(addr)) : NULL;
    struct wv_section *s = v ? v->section : NULL;
    if (s)
        wv_object_ref(&s->obj);
    wv_space_unlock();
    if (!s)
        return ERROR_INVALID_ADDRESS;
    int fd = s->image ? s->image->fd : s->file_backed ? s->fd : -1;
    DWORD err = 0;
    if (s->image && fd < 0 && s->image->path) /* a builtin DLL's image: its file's name */
        err = (size_t)snprintf(path, cap, "%s", s->image->path) < cap ? 0 : ERROR_FILE_INVALID;
    else if (fd < 0)
        err = ERROR_FILE_INVALID;
    else if (!wv_memfile_name(fd, path, cap) && !wv_proc_fd_path(fd, path, cap))
        err = ERROR_FILE_INVALID; /* a builtin's file shows its name, never the kernel's "/memfd:" */
    wv_object_unref(&s->obj);
    return err;
}
