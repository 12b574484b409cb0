/* internal.h - shared declarations of winvm's modules.  Every internal name starts with wv_. */
#ifndef WV_INTERNAL_H
#define WV_INTERNAL_H

#include "winvm.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define WV_PAGE_SIZE ((uintptr_t)4096)
#define WV_GRANULE ((uintptr_t)65536)
/* Windows x64 user space: [0x10000, 0x7FFFFFFEFFFF]; we refuse anything outside it. */
#define WV_MIN_ADDR ((uintptr_t)0x10000)
#define WV_MAX_ADDR ((uintptr_t)0x7FFFFFFEFFFF)
#define WV_END_ADDR (WV_MAX_ADDR + 1)

#define wv_page_down(a) ((uintptr_t)(a) & ~(WV_PAGE_SIZE - 1))
#define wv_page_up(a) (((uintptr_t)(a) + WV_PAGE_SIZE - 1) & ~(WV_PAGE_SIZE - 1))
#define wv_gran_down(a) ((uintptr_t)(a) & ~(WV_GRANULE - 1))
#define wv_gran_up(a) (((uintptr_t)(a) + WV_GRANULE - 1) & ~(WV_GRANULE - 1))

/* ---- errors (error.c) ---- */
/* Sets the thread's last error and returns the failure value the caller hands back. */
void wv_set_error(DWORD code);
DWORD wv_errno_to_error(int err);
/* A malloc'ed UTF-8 copy of a UTF-16 string, or NULL with the last error set (wide.c). */
char *wv_utf8(LPCWSTR s);

/* ---- per-page state (protect.c) ----
 * One uint16_t per page.  The low WV_VISIBLE bits are what VirtualQuery can see: two pages
 * belong to one region exactly when (a ^ b) & WV_VISIBLE == 0.  Invariants:
 *   - a page without WV_COMMITTED has no protection index and no modifier bits;
 *   - a committed page has exactly one protection index in 1..8;
 *   - WV_GUARD never goes with PAGE_NOACCESS; NOCACHE and WRITECOMBINE never with GUARD
 *     or with each other.
 */
typedef uint16_t wv_page_t;

enum {
    WV_PROT_MASK = 0x000f,   /* index: 1 NOACCESS .. 8 EXECUTE_WRITECOPY, 0 none */
    WV_COMMITTED = 0x0010,
    WV_GUARD = 0x0020,
    WV_NOCACHE = 0x0040,
    WV_WRITECOMBINE = 0x0080,
    WV_COPIED = 0x0100,      /* write-copy page that already holds its private copy */
    WV_VISIBLE = 0x01ff,
    WV_WATCH_DIRTY = 0x0200, /* written since the last write-watch reset (hidden) */
    WV_RESET_KEPT = 0x0400,  /* MEM_RESET found the page resident (hidden) */
    WV_WATCH_WP = 0x0800,    /* write-watch fallback: host write-protected until written (hidden,
                              * host-only: wv_prot_host drops PROT_WRITE; never Windows-visible) */
    WV_COW_MAPPED = 0x1000,  /* mapped view: the page is mapped MAP_PRIVATE (write-copy) (hidden) */
    WV_LOCKED = 0x4000,      /* VirtualLock'ed, mlock'ed on the host; committed pages only (hidden) */
    WV_CACHE_MODS = WV_NOCACHE | WV_WRITECOMBINE,
};

/* Parses a PAGE_* value into page bits (protection index + modifiers) or returns 0 when the
 * value is not exactly one base protection with allowed modifiers.  allow_copy admits the
 * two WRITECOPY protections (mapped and image views only). */
wv_page_t wv_prot_parse(DWORD protect, bool allow_copy);
/* The PAGE_* value VirtualQuery reports for a page (0 when not committed). */
DWORD wv_prot_report(wv_page_t page);
/* The PROT_* bits the host mapping needs for a page. */
int wv_prot_host(wv_page_t page);

/* ---- the state model (space.c) ---- */
struct wv_section;
/* libbsd's header expects its overlay's __unused; we include it directly. */
#ifndef __unused
#define __unused __attribute__((unused))
#endif
#include <bsd/sys/tree.h>

/* WV_VIEW_WATCH_SOFT: a write-watch view tracked by the mprotect fallback (watch.c), not the kernel. */
/* WV_VIEW_COW: a mapped view with write-copy pages, whose copies VirtualQuery looks up. */
/* WV_VIEW_STACK: a thread stack (stack.c): a guard-page hit commits the next page down. */
enum { WV_VIEW_WRITE_WATCH = 1, WV_VIEW_PHYSICAL = 2, WV_VIEW_WATCH_SOFT = 4, WV_VIEW_COW = 8,
       WV_VIEW_STACK = 16 };

struct wv_view {
    /* First cache line: everything a commit, protect or query reads. */
    uintptr_t base;        /* 64 KiB aligned */
    uintptr_t end;         /* page aligned; the allocation is [base, end) */
    size_t npages;
    DWORD alloc_protect;   /* as given at allocation; never changes */
    DWORD type;            /* MEM_PRIVATE, MEM_MAPPED or MEM_IMAGE */
    unsigned flags;
    wv_page_t cache_mods;  /* WV_NOCACHE / WV_WRITECOMBINE of the allocation, for every page */
    bool unmapped;         /* not in the granule map (large view): found through the tree */
    wv_page_t *page;       /* npages entries */
    uint64_t *edge;        /* bit i set: page i starts a region (bit 0 always set) */
    uint64_t *edge_sum;    /* bit w set: edge word w is nonzero */
    /* Then what only inserts, removals, walks and mapped views need. */
    struct wv_section *section; /* MEM_MAPPED: the section (a reference), else NULL */
    uint64_t offset;            /* MEM_MAPPED: offset of base in the section */
    RB_ENTRY(wv_view) link;
    size_t block_size;     /* how the view's memory was obtained (see wv_view_new) */
    size_t watch_dirty;    /* write watch: pages with WV_WATCH_DIRTY set (watch.c) */
};

/* Lock protecting the tree, the granule map and every view's pages. */
void wv_space_read_lock(void);
void wv_space_write_lock(void);
void wv_space_unlock(void);
bool wv_space_locked_by_self(void);

struct wv_view *wv_view_new(uintptr_t base, uintptr_t end, DWORD alloc_protect, DWORD type,
                            wv_page_t initial);
void wv_view_delete(struct wv_view *v);

/* Callers hold the write lock. */
void wv_space_insert(struct wv_view *v);
void wv_space_remove(struct wv_view *v);
/* Callers hold a lock.  find: the view containing addr; next: the first view starting at or
 * after addr; first: the lowest view whose end is above addr. */
struct wv_view *wv_space_find(uintptr_t addr);
struct wv_view *wv_space_next(uintptr_t addr);
struct wv_view *wv_space_first_after(uintptr_t addr);
struct wv_view *wv_space_last(void);
size_t wv_space_count(void);

static inline size_t wv_view_index(const struct wv_view *v, uintptr_t addr)
{
    return (addr - v->base) / WV_PAGE_SIZE;
}
/* Number of pages from page i (inclusive) up to the next region start, capped at limit. */
size_t wv_view_run(const struct wv_view *v, size_t i, size_t limit);
/* Sets pages [i, i+n) to (page & keep) | set, keeping region edges exact. */
void wv_view_update(struct wv_view *v, size_t i, size_t n, wv_page_t keep, wv_page_t set);
/* True when every page of [i, i+n) has (page & mask) == want; mask within WV_VISIBLE. */
bool wv_view_all_runs(const struct wv_view *v, size_t i, size_t n, wv_page_t mask, wv_page_t want);
static inline bool wv_view_all(const struct wv_view *v, size_t i, size_t n, wv_page_t mask,
                               wv_page_t want)
{
    return n == 1 ? (v->page[i] & mask) == want : wv_view_all_runs(v, i, n, mask, want);
}
/* Calls fn for each maximal run of [i, i+n) with equal host protection. */
int wv_view_host_runs(const struct wv_view *v, size_t i, size_t n,
                      int (*fn)(const struct wv_view *v, size_t i, size_t n, int prot, void *arg),
                      void *arg);

/* ---- placement and host mappings (os.c) ---- */
/* Maps [addr, addr+size) exactly, failing if anything is there.  Returns 0 or a Win32 error. */
/* What to map: a section's descriptor (shared or private), or NULL for anonymous memory. */
struct wv_backing {
    int fd;
    off_t off;
    bool shared;
};
DWORD wv_os_map_at(uintptr_t addr, size_t size, int prot, const struct wv_backing *b);
/* Maps size bytes at a 64 KiB-aligned address of winvm's choosing. */
DWORD wv_os_map_anywhere(size_t size, int prot, bool top_down, const struct wv_backing *b,
                         uintptr_t *out);
DWORD wv_os_unmap(uintptr_t addr, size_t size);
DWORD wv_os_protect(uintptr_t addr, size_t size, int prot);
/* Drops the contents of [addr, addr+size); the pages read as zero when next accessible. */
void wv_os_discard(uintptr_t addr, size_t size);
/* Called with the write lock held once a range is released, so placement can reuse it. */
void wv_os_note_released(uintptr_t addr, size_t size);

/* ---- memory winvm does not manage (foreign.c) ---- */
/* Describes addr, which no view contains, as Windows would: free space up to the next
 * mapping (capped at limit), or a foreign mapping reported by the kernel. */
void wv_foreign_query(uintptr_t addr, uintptr_t limit, MEMORY_BASIC_INFORMATION *mbi);
/* Start of the first host mapping at or above addr that overlaps [addr, end), or 0. */
uintptr_t wv_foreign_next(uintptr_t addr, uintptr_t end, uintptr_t *map_end);

/* ---- faults (fault.c) ---- */
/* Installs the SIGSEGV/SIGBUS handlers (once) and gives the calling thread an alternate
 * signal stack (once per thread).  Cheap after the first call: a flag test. */
void wv_fault_attach(void);
/* Access kinds, as ExceptionInformation[0] reports them. */
enum { WV_READ = EXCEPTION_READ_FAULT, WV_WRITE = EXCEPTION_WRITE_FAULT, WV_EXEC = EXCEPTION_EXECUTE_FAULT };
/* True when the page's state lets the access through. */
bool wv_page_allows(wv_page_t page, int access);

/* ---- thread stacks (stack.c) ---- */
/* A guard page of stack view v was touched at page i (its guard already cleared, lock held):
 * the next page down becomes the guard, as Windows grows a thread stack.  False when the
 * stack is exhausted (STATUS_STACK_OVERFLOW). */
bool wv_stack_grow(struct wv_view *v, size_t i);
/* The winvm stack this thread runs PE code on (stack.c; 0, 0 when none). */
extern __thread uintptr_t wv_stack_lo, wv_stack_hi, wv_stack_probed;
#define WV_PROBE_BYTES ((uintptr_t)256 * 1024) /* room winvm's deepest path needs, ASan included */
void wv_stack_probe_slow(uintptr_t sp);
/* Before winvm code runs on a PE thread's stack: touch the pages it may use, so their guard
 * faults happen here, outside every lock (a fault under the lock cannot grow the stack). */
static inline void wv_stack_probe(void)
{
    /* Stacks never shrink: once probed down to wv_stack_probed, a call above needs nothing. */
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (sp - wv_stack_lo < wv_stack_hi - wv_stack_lo && sp - WV_PROBE_BYTES < wv_stack_probed)
        wv_stack_probe_slow(sp);
}

/* ---- exceptions (except.c) ---- */
#include <ucontext.h>
/* Offers rec to the vectored handlers, then to the innermost winvm_try.  Returns when a
 * handler asked to continue, with uc updated from the handler's CONTEXT; never returns when a
 * try caught it; ends the process when nobody did.  Async-signal-safe. */
void wv_dispatch(EXCEPTION_RECORD *rec, ucontext_t *uc);
/* From now on an unhandled exception ends the process with its code as exit status (after
 * the report), as a Windows process ends, instead of dying by SIGSEGV (`winvm run`). */
void wv_exit_on_unhandled(bool on);
/* True when this thread has a winvm_try active or any vectored handler is registered. */
bool wv_exceptions_wanted(void);

/* ---- write watches (watch.c) ---- */
/* A write fault on page i of a MEM_WRITE_WATCH view that the fallback tracking caused:
 * records the write and lifts the protection.  Lock held.  False when not such a fault. */
bool wv_watch_fault(struct wv_view *v, size_t i);
/* A new MEM_WRITE_WATCH view, mapped but not yet inserted: start tracking it (kernel path, or
 * the fallback's write protection of committed pages).  Returns 0 or a Win32 error. */
DWORD wv_watch_attach(struct wv_view *v);
/* wv_apply for a write-watch view: pages [i, i+n) get visible state target (committed), on the
 * host and in the model, keeping the watch state.  Lock held.  0 or a Win32 error. */
DWORD wv_watch_apply(struct wv_view *v, size_t i, size_t n, wv_page_t target);
/* Before pages [i, i+n) of a write-watch view are decommitted: their written state moves into
 * WV_WATCH_DIRTY, which decommit keeps (Windows reports them after decommit).  Lock held. */
void wv_watch_decommit(struct wv_view *v, size_t i, size_t n);

/* ---- VirtualLock (vlock.c) ---- */
/* munlocks the locked pages of [i, i+n) of v and clears their WV_LOCKED.  Lock held. */
void wv_lock_drop(struct wv_view *v, size_t i, size_t n);

/* ---- MEM_RESET and MEM_RESET_UNDO (reset.c) ---- */
LPVOID wv_reset(uintptr_t addr, SIZE_T size, bool undo);

/* ---- mapped views (view.c) ---- */
/* Marks the write-copy pages of [i, i+n) that now hold a private copy (WV_COPIED), from the
 * kernel's page map: a copied page is anonymous, an uncopied one still the section's.  Lock
 * held. */
void wv_view_refresh_copies(struct wv_view *v, size_t i, size_t n);
/* VirtualProtect of [i, i+n) of a mapped view to target: write-copy pages are mapped
 * privately, others shared, copies stay private.  Lock held. */
DWORD wv_view_protect(struct wv_view *v, size_t i, size_t n, wv_page_t target);
/* SEC_RESERVE views: whether v is one; bringing in the commits other views made (lock held);
 * committing pages through v (lock held; a Win32 error or 0). */
bool wv_view_reserving(const struct wv_view *v);
void wv_view_sync_commits(struct wv_view *v, size_t i, size_t n);
DWORD wv_view_commit(struct wv_view *v, size_t i, size_t n, wv_page_t target);
/* Rights (1 read, 2 write, 4 execute) a protection grants; write-copy counts as read. */
unsigned wv_rights_of(DWORD protect);

/* ---- pagemap (proc.c) ---- */
/* Bit j % 64 of out[j / 64] set when page j of the n pages at addr holds anonymous (private)
 * data, a copy; out has (n + 63) / 64 words. */
int wv_pagemap_anon(uintptr_t addr, size_t n, uint64_t *out);
/* Bit i of out (n <= 64) set when page i of [addr, addr + n pages) is resident. */
int wv_pagemap_present(uintptr_t addr, size_t n, uint64_t *out);

#endif
