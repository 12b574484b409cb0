/* SPDX-License-Identifier: MIT */
/* mm.h - the memory manager: the state of every page winvm manages, the tree of views, the
 * space lock, placement, and the one allocation and release protocol that private memory,
 * section views, image views and stacks all use.  Above the host layer (the only code that
 * maps), below faults, sections and everything public.
 *
 * Locking: one lock, the space lock (lock.c), guards the tree, the granule map, every view's
 * pages and the placement cursors.  Functions marked "Lock held" assert it in debug builds.
 * Host calls that add or remove a whole view (mmap, munmap) run outside it.
 */
#ifndef WV_MM_H
#define WV_MM_H

#include "base/base.h"
#include "host/host.h"

#include <sys/mman.h> /* PROT_*, for wv_prot_host */
/* libbsd's header expects its overlay's __unused; we include it directly. */
#ifndef __unused
#define __unused __attribute__((unused))
#endif
#include <bsd/sys/tree.h>

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
    WV_WS_ARMED = 0x2000,    /* working-set watch: committed, accessible, not yet touched; host
                              * PROT_NONE until its first touch is recorded (hidden, host-only:
                              * wv_prot_host answers PROT_NONE; never Windows-visible; wswatch.c) */
    WV_LOCKED = 0x4000,      /* VirtualLock'ed, mlock'ed on the host; committed pages only (hidden) */
    WV_DBG_ARMED = 0x8000,   /* watched by a debug register's breakpoint: host PROT_NONE so that
                              * every access faults and is decided (fault/dbgreg.c; hidden,
                              * host-only: never Windows-visible) */
    WV_CACHE_MODS = WV_NOCACHE | WV_WRITECOMBINE,
};

/* Whether page bits carry PAGE_WRITECOPY or PAGE_EXECUTE_WRITECOPY (index 4 or 8): the
 * commit path's test, without wv_prot_report's translation. */
static inline bool wv_prot_is_copy(wv_page_t bits)
{
    return (bits & WV_PROT_MASK) == 4 || (bits & WV_PROT_MASK) == 8;
}

/* The two tables every commit and protect reads, on one page (protect.c fills parse once):
 * host[i] is the PROT_* of protection index i, parse[p][c] what wv_prot_parse(p, c) answers
 * for every p below 0x800 (both variants of a value side by side).  Read inline: a call to
 * each cost more than the lookup. */
struct wv_prot_tables {
    int host[16];
    wv_page_t parse[0x800][2];
};
struct wv_view;
struct wv_inflight;
RB_HEAD(wv_tree, wv_view);

/* The globals that every allocation, release, commit and protect touches, on one cache line:
 * after a syscall the kernel has evicted much of L1, and each distinct line read afterwards is
 * a miss (~4-5 ns on the project's VM; they were seven lines in four files' data).  Each field
 * belongs to the file named at it, which alone writes it; all but the lock word itself are
 * guarded by the space lock. */
struct wv_mm_hot {
    int lock;                            /* lock.c: the space lock's word */
    bool wswatch_on;                     /* wswatch.c: the working-set watch is on */
    bool anchored;                       /* place.c: the anchor page is mapped */
    struct wv_inflight *inflight_head;   /* inflight.c: the in-flight list */
    uintptr_t cursor_lo, cursor_hi;      /* place.c: the placement cursors */
    size_t nlarge;                       /* space.c: views too big for the granule map */
    size_t nviews;                       /* space.c: views in the tree */
    struct wv_view *last_found;          /* space.c: the last view found or inserted, or NULL */
    struct wv_tree views;                /* space.c: the tree's root */
    /* protect.c: PAGE_* parsing and PROT_* translation, after the hot line and on the same
     * page (the page is aligned): a commit reads the lock's line, host[] and one parse row,
     * and after its syscall every distinct page it touches costs a TLB refill on a machine
     * without PCID (docs/performance.md, "Twelfth session").  Rows of the base protections
     * and their GUARD and NOCACHE forms lie in the first page. */
    struct wv_prot_tables prot __attribute__((aligned(64)));
} __attribute__((aligned(4096)));
extern struct wv_mm_hot wv_mm_hot;

/* The tables are a field of the hot globals (wv_mm_hot.prot, below): on their page. */
#define wv_prot (wv_mm_hot.prot)
/* Parses a PAGE_* value into page bits (protection index + modifiers) or returns 0 when the
 * value is not exactly one base protection with allowed modifiers.  allow_copy admits the
 * two WRITECOPY protections (mapped and image views only). */
static inline wv_page_t wv_prot_parse(DWORD protect, bool allow_copy)
{
    return protect < 0x800 ? wv_prot.parse[protect][allow_copy] : 0;
}
/* The PAGE_* value VirtualQuery reports for a page (0 when not committed). */
DWORD wv_prot_report(wv_page_t page);
/* The PROT_* bits the host mapping needs for a page.  Guard pages stay inaccessible until
 * their first touch is reported (fault.c), and so do the pages the working-set watch waits for
 * (wswatch.c); a clean page the write-watch fallback tracks stays read-only until written
 * (watch.c). */
static inline int wv_prot_host(wv_page_t page)
{
    if (!(page & WV_COMMITTED) || (page & (WV_GUARD | WV_WS_ARMED | WV_DBG_ARMED)))
        return PROT_NONE;
    return wv_prot.host[page & WV_PROT_MASK] & ~((page & WV_WATCH_WP) ? PROT_WRITE : 0);
}

/* ---- the state model (space.c) ---- */
struct wv_section;
struct wv_view_ops;

/* WV_VIEW_WATCH_SOFT: a write-watch view tracked by the mprotect fallback (watch.c), not the kernel. */
/* WV_VIEW_COW: a mapped view with write-copy pages, whose copies VirtualQuery looks up. */
/* WV_VIEW_STACK: a thread stack (stack.c): a guard-page hit commits the next page down. */
/* WV_VIEW_PAGEFILE: a view of a pagefile-backed section (MEM_RESET applies to it). */
/* WV_VIEW_PLACEHOLDER: a placeholder (placeholder.c); WV_VIEW_IN_PLACEHOLDER: an allocation or
 * view that replaced one, which MEM_PRESERVE_PLACEHOLDER turns back into a placeholder. */
/* WV_VIEW_SPLIT: what was left above a hole released in an allocation (split.c), off the grid. */
/* WV_VIEW_TAIL: a reservation whose last granule is mapped whole (region.c, R7): the pages past
 * its end up to the next 64 KiB boundary are host-mapped PROT_NONE, free to every query, so
 * that neighbouring reservations merge into one kernel mapping (Windows' unusable tail). */
/* WV_VIEW_GROWS: a reserved view of a file (MEM_RESERVE) reaching past its section's end: the
 * pages past the end stay reserved until the section grows over them (the view's ops commit
 * them when they sync). */
enum { WV_VIEW_WRITE_WATCH = 1, WV_VIEW_PHYSICAL = 2, WV_VIEW_WATCH_SOFT = 4, WV_VIEW_COW = 8,
       WV_VIEW_STACK = 16, WV_VIEW_PAGEFILE = 32, WV_VIEW_PLACEHOLDER = 64,
       WV_VIEW_IN_PLACEHOLDER = 128, WV_VIEW_SPLIT = 256, WV_VIEW_TAIL = 512,
       WV_VIEW_GROWS = 1024 };

/* A range mapped on the host (or about to be) that no view in the tree covers: an allocation
 * between its mmap and its publication, or a release between its removal from the tree and its
 * munmap (region.c).  To everyone but its owner the range is free (it has not been allocated
 * yet, or has been released already); only while PLACING (its mmap may still fail on a
 * mapping that is not ours) does nobody know yet, and queries and faults wait for the
 * answer.  Guarded by the space lock; state also read and written atomically by the owner. */
enum { WV_INFLIGHT_PLACING = 1, WV_INFLIGHT_MAPPED, WV_INFLIGHT_RELEASING };
struct wv_inflight {
    struct wv_inflight *next, *prev; /* the list, while linked */
    uintptr_t base, end;
    uintptr_t owner;                 /* the thread pointer of the thread placing or releasing it */
    int state;                       /* 0 when not linked */
};

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
    bool summarized;       /* in the granule map, private, <= 16 pages: its byte there is kept (gran.c) */
    wv_page_t *page;       /* npages entries */
    uint64_t *edge;        /* bit i set: page i starts a region (bit 0 always set) */
    uint64_t *edge_sum;    /* bit w set: edge word w is nonzero */
    /* Then what only inserts, removals, walks and mapped views need. */
    const struct wv_view_ops *ops; /* views of sections: how their pages are mapped, else NULL */
    struct wv_section *section; /* MEM_MAPPED/MEM_IMAGE: the section (a reference), else NULL */
    uint64_t offset;            /* MEM_MAPPED: offset of base in the section */
    RB_ENTRY(wv_view) link;
    size_t block_size;     /* how the view's memory was obtained (see wv_view_new) */
    bool recycle;          /* a big block wv_view_delete keeps for the next view (space.c) */
    size_t watch_dirty;    /* write watch: pages with WV_WATCH_DIRTY set (watch.c) */
    struct wv_inflight inflight; /* while placed or released but not in the tree */
};


/* The first address bottom-up placement tries, one granule above the anchor (place.c). */
#define WV_PLACE_ANCHOR ((uintptr_t)0x10000000)
#define WV_PLACE_BOTTOM (WV_PLACE_ANCHOR + WV_GRANULE)

/* The space lock: guards the tree, the granule map, every view's pages and the placement
 * cursors.  Exclusive: every holder may change the state (VirtualQuery refreshes it).  Not
 * recursive; the fault handler never waits for it on a thread that holds it.  The word lives
 * on the hot line (wv_mm_hot.lock: WV_LOCK_*); the uncontended take and give are inline (a
 * compare-and-swap, an exchange and the holder flag: a call and its prologue cost a commit
 * as much again), the waits are lock.c's. */
enum { WV_LOCK_FREE, WV_LOCK_HELD, WV_LOCK_WAITERS };
/* Whether this thread holds the lock (lock.c): the fault handler must not wait for it then. */
extern __thread __attribute__((tls_model("initial-exec"))) bool wv_space_held;
void wv_space_lock_wait(void);   /* lock.c: sleeps until the lock is this thread's */
void wv_space_unlock_wake(void); /* lock.c: wakes one sleeper */
static inline void wv_space_lock(void)
{
    wv_assert(!wv_space_held); /* not recursive: a second lock here would deadlock */
    int expect = WV_LOCK_FREE;
    if (__builtin_expect(!__atomic_compare_exchange_n(&wv_mm_hot.lock, &expect, WV_LOCK_HELD, false,
                                                      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 0))
        wv_space_lock_wait();
    wv_space_held = true;
}
/* This thread's stack page the fault handler opened while the lock was held (stack.c). */
extern __thread __attribute__((tls_model("initial-exec"))) uintptr_t wv_stack_pending;
void wv_stack_settle(void);
static inline void wv_space_unlock(void)
{
    wv_assert(wv_space_held);
    if (__builtin_expect(wv_stack_pending != 0, 0))
        wv_stack_settle(); /* the model catches up with the stack winvm grew under the lock */
    wv_space_held = false;
    if (__builtin_expect(__atomic_exchange_n(&wv_mm_hot.lock, WV_LOCK_FREE, __ATOMIC_RELEASE) == WV_LOCK_WAITERS,
                         0))
        wv_space_unlock_wake();
}
static inline bool wv_space_locked_by_self(void) { return wv_space_held; }

struct wv_view *wv_view_new(uintptr_t base, uintptr_t end, DWORD alloc_protect, DWORD type,
                            wv_page_t initial);
void wv_view_delete(struct wv_view *v);

/* Lock held. */
void wv_space_insert(struct wv_view *v);
void wv_space_remove(struct wv_view *v);
/* Counts removals of MEM_IMAGE views (space.c, written under the space lock, read without
 * it): what a cache of lookups in images (seh/lookup.c) checks for staleness. */
extern unsigned long wv_space_image_gen;
/* Lock held.  find: the view containing addr; next: the first view starting at or
 * after addr; first: the lowest view whose end is above addr. */
struct wv_view *wv_space_find(uintptr_t addr);
struct wv_view *wv_space_next(uintptr_t addr);
struct wv_view *wv_space_first_after(uintptr_t addr);
/* Lock held: the lowest view meeting [a, a + size), from the granule map alone; false when the
 * map cannot tell (a view off it, a range off the grid or of many granules): ask the tree. */
bool wv_space_map_first(uintptr_t a, size_t size, struct wv_view **v);
/* Lock held: whether the tree's links are consistent, its in-order walk strictly ascending and
 * as long as the count of views (validate.c, T1). */
bool wv_space_tree_sound(void);
struct wv_view *wv_space_last(void);

/* Lock held: the summary code of addr's granule (granule map, space.c): WV_GRAN_FREE when no
 * view in the map holds it, WV_GRAN_VIEW when one does without a summary, else the index of
 * its class in wv_gran_classes.  Views off the grid and large ones are in no granule. */
unsigned wv_space_gran(uintptr_t addr);

/* ---- granule summaries (gran.c) ----
 * A small private view (one granule, on the grid, at most two regions) is summarised by a
 * class: what VirtualQuery reports for any of its pages.  The granule map holds one byte per
 * granule naming its class, so a query reads one byte of a dense array (1 MB for a million
 * granules, a cache-sized structure) instead of the view, its pages and its edges: with a
 * million reservations neither the views (~200 MB) nor their page-table entries stay in any
 * cache, and each was a dependent miss of ~150 ns on the project's VM.  Few classes exist at
 * once (the same size and state repeat), so they are interned, counted, in a table of 256:
 * a view whose class finds no room is simply not summarised.  The byte follows the view's
 * visible state through wv_view_update, its only writer once the view is in the tree (T3,
 * validate.c).  Guarded by the space lock. */
enum { WV_GRAN_FREE = 0, WV_GRAN_VIEW = 1, WV_GRAN_CODES = 256 };
enum { WV_GRAN_TAIL = 1 }; /* bits: the view maps the rest of its granule (WV_VIEW_TAIL) */
struct wv_gran_class {
    uint64_t key;          /* the fields below packed, for interning */
    uint32_t refs;         /* granules naming this class; 0: the slot may be reused */
    DWORD alloc_protect;
    wv_page_t lo, hi;      /* the visible state of pages [0, split) and [split, npages) */
    uint8_t npages, split; /* one region: split == npages */
    uint8_t bits;          /* WV_GRAN_* */
};
extern struct wv_gran_class wv_gran_classes[WV_GRAN_CODES];
/* v's class code (a reference taken), or WV_GRAN_VIEW when v has more than two regions or
 * no slot is free.  v is private and of at most 16 pages.  Lock held. */
unsigned wv_gran_intern(const struct wv_view *v);
/* Drops the reference a code holds (none for WV_GRAN_FREE and WV_GRAN_VIEW).  Lock held. */
void wv_gran_drop(unsigned code);
/* Whether code says what v holds (T3).  Lock held. */
bool wv_gran_matches(unsigned code, const struct wv_view *v);

/* Where the view's host mapping ends: its end, or the end of its last granule (WV_VIEW_TAIL). */
static inline uintptr_t wv_view_host_end(const struct wv_view *v)
{
    return (v->flags & WV_VIEW_TAIL) ? wv_gran_up(v->end) : v->end;
}
/* Lock held: the end of the tail (WV_VIEW_TAIL) holding addr, or 0 when addr is in none. */
uintptr_t wv_space_tail_end(uintptr_t addr);

static inline size_t wv_view_index(const struct wv_view *v, uintptr_t addr)
{
    return (addr - v->base) / WV_PAGE_SIZE;
}
/* Number of pages from page i (inclusive) up to the next region start, capped at limit. */
size_t wv_view_run(const struct wv_view *v, size_t i, size_t limit);
/* Sets pages [i, i+n) to (page & keep) | set, keeping region edges exact.  The single-page
 * change (a commit or protect of one page, the common call) is its own small function: only
 * edges i and i + 1 can move, and it needs few registers to save. */
void wv_view_update_one(struct wv_view *v, size_t i, wv_page_t keep, wv_page_t set);
void wv_view_update_runs(struct wv_view *v, size_t i, size_t n, wv_page_t keep, wv_page_t set);
static inline void wv_view_update(struct wv_view *v, size_t i, size_t n, wv_page_t keep, wv_page_t set)
{
    if (n == 1)
        wv_view_update_one(v, i, keep, set);
    else
        wv_view_update_runs(v, i, n, keep, set);
}
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

/* ---- views of sections (set by the section layer: section/view.c, section/image.c) ----
 * How a view whose pages come from a section maps them.  mm calls these for any view with
 * ops; private memory has none.  Lock held for every call. */
struct wv_view_ops {
    /* Brings in the pages of [i, i+n) that another view committed (SEC_RESERVE). */
    void (*sync_commits)(struct wv_view *v, size_t i, size_t n);
    /* Marks the write-copy pages of [i, i+n) that now hold a private copy (WV_COPIED). */
    void (*refresh_copies)(struct wv_view *v, size_t i, size_t n);
    /* MEM_COMMIT of [i, i+n) to target; VirtualProtect of [i, i+n) to target.  0 or error. */
    DWORD (*commit)(struct wv_view *v, size_t i, size_t n, wv_page_t target);
    DWORD (*protect)(struct wv_view *v, size_t i, size_t n, wv_page_t target);
};
/* A view has ops exactly when it is not private memory (V3, validate.c): the test reads the
 * type, in the view's first cache line, not ops, in a later one (a miss per query when the
 * views no longer fit the caches). */
static inline void wv_view_sync_commits(struct wv_view *v, size_t i, size_t n)
{
    if (v->type != MEM_PRIVATE)
        v->ops->sync_commits(v, i, n);
}
static inline void wv_view_refresh_copies(struct wv_view *v, size_t i, size_t n)
{
    if (v->type != MEM_PRIVATE)
        v->ops->refresh_copies(v, i, n);
}
/* Rights (1 read, 2 write, 4 execute) a protection grants; write-copy counts as read. */
unsigned wv_rights_of(DWORD protect);
/* Access kinds, as ExceptionInformation[0] reports them. */
enum { WV_READ = EXCEPTION_READ_FAULT, WV_WRITE = EXCEPTION_WRITE_FAULT, WV_EXEC = EXCEPTION_EXECUTE_FAULT };
/* True when the page's state lets the access through. */
bool wv_page_allows(wv_page_t page, int access);

/* ---- in-flight ranges (inflight.c); lock held for each ---- */
void wv_inflight_add(struct wv_inflight *f, uintptr_t base, uintptr_t end, int state);
void wv_inflight_remove(struct wv_inflight *f); /* no-op when not linked */
/* The in-flight range holding addr, or NULL. */
const struct wv_inflight *wv_inflight_find(uintptr_t addr);
/* What a query or fault at addr, found in no view, must do: 0 (not in flight: the host's
 * mappings tell), WV_INFLIGHT_PLACING (wait: unlock, yield, look again) or WV_INFLIGHT_MAPPED
 * when it is free to everyone else (*end: the range's end).  The owner itself (a signal
 * handler that interrupted it) never waits: to it the range is not in flight. */
int wv_inflight_state(uintptr_t addr, uintptr_t *end);

/* ---- placement (place.c) ---- */
/* Maps size bytes at a 64 KiB-aligned address of winvm's choosing, the range in flight (f,
 * WV_INFLIGHT_MAPPED) from before its mmap until published or aborted.  Lock not held. */
DWORD wv_place_map(size_t size, int prot, bool top_down, const struct wv_backing *b, uintptr_t *out,
                   struct wv_inflight *f);
/* A range was released: placement may reuse it.  Lock held. */
void wv_place_released(uintptr_t addr, size_t size);

/* ---- the allocation and release protocol (region.c) ----
 * Every view comes to life the same way: wv_view_new (nothing mapped), wv_region_place (mapped
 * where asked, or placed, with base and end set), whatever the caller fills in while no other
 * thread can see it, then wv_region_publish (inserted in the tree).  A view that fails before
 * it is published goes with wv_region_abort.  Every view leaves the same way: wv_region_take
 * (removed from the tree, under the lock, checked by the caller) then wv_region_release. */
DWORD wv_region_place(struct wv_view *v, uintptr_t want, bool top_down, int prot,
                      const struct wv_backing *b);
/* Returns its base: the caller must not touch v afterwards (another thread may free it). */
uintptr_t wv_region_publish(struct wv_view *v);
void wv_region_abort(struct wv_view *v);
/* Unmaps a view already removed from the tree and deletes it; when munmap fails the view goes
 * back into the tree and the error is returned.  Lock not held. */
DWORD wv_region_release(struct wv_view *v);

/* ---- the cores of the Virtual* calls (virtual.c) ----
 * Windows' validation and effect; 0 or the Win32 error the public call reports. */
DWORD wv_virtual_alloc(uintptr_t addr, SIZE_T size, DWORD type, DWORD protect, uintptr_t *out);
DWORD wv_virtual_free(uintptr_t addr, SIZE_T size, DWORD type);
/* The cases the NT calls meet most, their arguments already checked by the caller: a commit
 * (MEM_COMMIT alone at addr != 0, below WV_END_ADDR, size != 0, bits = wv_prot_parse(protect,
 * true) != 0) as wv_virtual_alloc makes it, and the release of the whole private allocation
 * at addr as wv_virtual_free(addr, 0, MEM_RELEASE) makes it, [*base, *end) the range it
 * freed; and a new private allocation (MEM_RESERVE, or MEM_COMMIT at NULL; type with neither
 * MEM_RESET, MEM_RESET_UNDO nor MEM_LARGE_PAGES and valid as wv_virtual_alloc checks it; size
 * != 0, addr < WV_END_ADDR, bits = wv_prot_parse(protect, false) != 0) as wv_virtual_alloc
 * makes it.  Same errors as the general cores. */
DWORD wv_virtual_commit(uintptr_t addr, SIZE_T size, wv_page_t bits, uintptr_t *out);
/* wv_virtual_commit for a caller that answers what it answers: the start of the pages
 * committed, or what fail(err, arg) returns (called last, so it may return in the caller's
 * place).  VirtualAlloc's commit ends with it: on this project's AMD machine every return a
 * thread makes after a system call is mispredicted (~11 ns; docs/performance.md, "Thirteenth
 * session"), and this way the commit's mprotect returns here and this returns to the program. */
typedef void *wv_commit_fail_fn(DWORD err, uintptr_t arg);
void *wv_virtual_commit_to(uintptr_t addr, SIZE_T size, wv_page_t bits, wv_commit_fail_fn *fail, uintptr_t arg);
DWORD wv_virtual_reserve(uintptr_t addr, SIZE_T size, DWORD type, DWORD protect, wv_page_t bits,
                         uintptr_t *out);
DWORD wv_virtual_release(uintptr_t addr, uintptr_t *base, uintptr_t *end);
DWORD wv_virtual_protect(uintptr_t addr, SIZE_T size, DWORD protect, DWORD *old);
/* addr <= WV_MAX_ADDR; never fails. */
void wv_virtual_query(uintptr_t addr, MEMORY_BASIC_INFORMATION *mbi);

/* The allocation (view) holding addr, as the NT calls need it to pick their status. */
struct wv_extent {
    uintptr_t base, end; /* the allocation */
    DWORD type, protect; /* MEM_PRIVATE/MAPPED/IMAGE; AllocationProtect */
    unsigned flags;      /* WV_VIEW_* */
    size_t committed;    /* committed pages */
};
/* False when no view holds addr.  Lock not held. */
bool wv_virtual_extent(uintptr_t addr, struct wv_extent *e);

/* ---- the working set (wset.c) ----
 * One entry per address asked, laid out as MEMORY_WORKING_SET_EX_INFORMATION: attr receives
 * the MEMORY_WORKING_SET_EX_BLOCK bits for the page holding va, from the page state and the
 * kernel's page tables (pagemap, and the frames' map counts where /proc/kpagecount is
 * readable).  Lock not held. */
struct wv_ws_entry {
    uintptr_t va;
    uint64_t attr;
};
#define WV_WS_MAX 1024 /* entries a call takes (its state, ~43 bytes an entry, is on the stack):
                        * 1,000 pages in one pagemap read */
void wv_ws_query(struct wv_ws_entry *e, size_t n);
/* EmptyWorkingSet's core (trim.c): the resident pages of every committed range offered to the
 * kernel for reclaim, contents kept.  Lock not held. */
void wv_ws_empty(void);

/* ---- the working-set watch (wswatch.c) ----
 * InitializeProcessForWsWatch and GetWsChanges' cores.  A record per page fault that brought a
 * page into the working set: the faulting instruction, the page (low bit set: a soft fault) and
 * the thread. */
struct wv_ws_record {
    uintptr_t pc, va;
    DWORD tid;
};
#define WV_WSWATCH_CAP 1024 /* records held between two GetWsChanges; more are counted as lost */
/* Starts the watch (once; later calls change nothing): the untouched accessible pages of every
 * view armed.  Lock not held.  0. */
DWORD wv_wswatch_start(void);
/* Whether the watch is on.  Guarded by the space lock (set once, never cleared). */
#define wv_wswatch_on wv_mm_hot.wswatch_on
void wv_wswatch_arm_on(struct wv_view *v, size_t i, size_t n);
/* After a change of pages [i, i+n) of v (commit, protect, a new view): when the watch is on,
 * its untouched accessible pages are armed, the others not; when it is off, one test.  Lock
 * held. */
static inline void wv_wswatch_arm(struct wv_view *v, size_t i, size_t n)
{
    if (__builtin_expect(wv_wswatch_on, 0))
        wv_wswatch_arm_on(v, i, n);
}
/* The fault handler's part: a fault at addr by the instruction at pc on page i of v.  True
 * when the page was armed and the access allowed: recorded and given its real protection (the
 * access may run again).  Lock held; async-signal-safe. */
bool wv_wswatch_fault(struct wv_view *v, size_t i, uintptr_t addr, uintptr_t pc, int access);
/* GetWsChanges in two steps, so a caller's bad buffer loses nothing: peek copies the records
 * held (*n of them, *recs valid until done) and the lost count; done(taken) drops them when
 * the caller delivered them.  Peek fails with ERROR_GEN_FAILURE (no watch) or
 * ERROR_NO_MORE_ITEMS (nothing recorded, or another query between its peek and done); after
 * a successful peek, done must follow.  Lock not held. */
DWORD wv_wswatch_peek(const struct wv_ws_record **recs, size_t *n, size_t *lost);
void wv_wswatch_done(size_t n, size_t lost, bool taken);

/* ---- thread stacks (stack.c) ---- */
/* The core of winvm_stack_create: a stack of reserve bytes (0: 1 MiB; rounded up to 64 KiB)
 * with commit bytes committed at the top (0: one page) and a guard page below them, at
 * [*lo, *hi).  0 or the Win32 error the public call reports.  Lock not held. */
DWORD wv_stack_create(SIZE_T reserve, SIZE_T commit, uintptr_t *lo, uintptr_t *hi);
/* The reservation at base (a stack laid out as wv_stack_create's, made by other means: ntdll's
 * RtlCreateUserStack with ZeroBits) flagged a stack, so its guard page grows it silently once a
 * thread runs on it.  ERROR_INVALID_ADDRESS when no view starts at base. */
DWORD wv_stack_adopt(uintptr_t base);
/* The guard pages a stack keeps below its committed part (Windows x64 keeps one). */
#define WV_STACK_GUARD_PAGES 1
/* A guard page of stack view v was touched at page i (its guard already cleared, lock held):
 * the WV_STACK_GUARD_PAGES below become the guard, whatever they were, as Windows grows a
 * thread stack.  False when the stack is exhausted (STATUS_STACK_OVERFLOW). */
bool wv_stack_grow(struct wv_view *v, size_t i);
/* Commits read-write the pages of stack view v from page i up to its committed part (reserved
 * or guard pages: the stack grown down to i at once).  Lock held.  How many it committed. */
size_t wv_stack_commit_from(struct wv_view *v, size_t i);
/* The fault handler, the lock held by this thread: a touch at addr of this thread's stack (sp
 * the faulting stack pointer) as the stack growing; the page opened on the host only and left
 * for wv_stack_settle, which wv_space_unlock calls.  False when it is not that.
 * Async-signal-safe. */
bool wv_stack_defer(uintptr_t addr, uintptr_t sp);
/* A guard set on [addr, addr + size) by VirtualAlloc or VirtualProtect: inside the committed
 * part of this thread's stack it ends that part (StackLimit moves up to its end), as Windows. */
void wv_stack_guard_set(uintptr_t addr, SIZE_T size);
/* The winvm stack this thread runs PE code on (stack.c; 0, 0 when none); wv_stack_probed is
 * where _resetstkoflw put the guard back (fault/stkoflw.c) and a fiber's copy of it. */
/* Initial-exec, as every variable the fault handler reads: no lazy TLS in a signal handler. */
extern __thread __attribute__((tls_model("initial-exec"))) uintptr_t wv_stack_lo, wv_stack_hi, wv_stack_probed;
#define WV_PROBE_BYTES ((uintptr_t)256 * 1024) /* room winvm's deepest path needs, ASan included */
/* The TEB's StackLimit of this thread (set by the layer that makes TEBs): the stack's growth
 * moves it. */
extern __thread __attribute__((tls_model("initial-exec"))) uintptr_t *wv_stack_limit_ref;
/* winvm code entered from PE code runs on the PE thread's stack with nothing done first: the
 * stack grows as winvm's frames touch it, under the lock too (wv_stack_defer), so it is
 * committed as deep as it is used and no deeper, as Windows'. */

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
/* The cores of GetWriteWatch (the written pages of [base, base+size) into addresses, at most
 * *count of them; *count and *granularity set on success) and ResetWriteWatch: Windows' checks
 * in Windows' order.  0 or the Win32 error the public call reports.  Lock not held. */
DWORD wv_watch_get(DWORD flags, uintptr_t base, SIZE_T size, void **addresses, ULONG_PTR *count,
                   DWORD *granularity);
DWORD wv_watch_reset(uintptr_t base, SIZE_T size);
/* A read into [addr, addr+size) is being issued: its committed writable pages in write-watch
 * views count as written (Windows' probe for write).  Takes the lock. */
void wv_watch_probe_write(uintptr_t addr, size_t size);

/* ---- VirtualLock and VirtualUnlock (vlock.c) ---- */
/* The cores of the two calls: Windows' checks in Windows' order, then the effect.  0 or the
 * Win32 error the public call reports.  Lock not held. */
DWORD wv_vlock(uintptr_t addr, SIZE_T size);
DWORD wv_vunlock(uintptr_t addr, SIZE_T size);
/* munlocks the locked pages of [i, i+n) of v and clears their WV_LOCKED.  Lock held. */
void wv_vlock_drop(struct wv_view *v, size_t i, size_t n);

/* ---- MEM_RESET and MEM_RESET_UNDO (reset.c) ---- */
/* MEM_RESET (undo false) or MEM_RESET_UNDO of the pages of [addr, addr+size); *out is the
 * first page.  0 or a Win32 error. */
DWORD wv_reset(uintptr_t addr, SIZE_T size, bool undo, uintptr_t *out);

/* ---- placeholders (placeholder.c) ----
 * The in-place step of the allocation protocol: views old[0..n), in the tree and tiling a
 * range, are replaced by nw[0..m), made by the caller and tiling the same range, with the
 * host mapping changed first (how: WV_SWAP_KEEP nothing, WV_SWAP_PROTECT mprotect to prot,
 * WV_SWAP_MAP b, or fresh anonymous memory when b is NULL, mapped over with prot).  On failure
 * nothing changed.  The range is never free meanwhile.  Lock held.  After unlocking, the caller
 * calls wv_region_swapped: the old views leave the leak checker's roots and are deleted. */
enum { WV_SWAP_KEEP, WV_SWAP_PROTECT, WV_SWAP_MAP };
DWORD wv_region_swap(struct wv_view **old, size_t n, struct wv_view **nw, size_t m, int how, int prot,
                     const struct wv_backing *b);
void wv_region_swapped(struct wv_view **old, size_t n, struct wv_view **nw, size_t m);
/* A placeholder view of [base, end), not yet anywhere (NULL: out of memory). */
struct wv_view *wv_placeholder_new(uintptr_t base, uintptr_t end);
/* A new placeholder: at addr (rounded down to 64 KiB) or placed; size bytes.  Lock not held. */
DWORD wv_placeholder_reserve(uintptr_t addr, SIZE_T size, bool top_down, uintptr_t *out);
/* MEM_RESERVE | MEM_REPLACE_PLACEHOLDER (type may add MEM_COMMIT): the placeholder that is
 * exactly [addr, addr + size) becomes a private allocation.  ERROR_INVALID_PARAMETER when no
 * view or no placeholder is there, ERROR_INVALID_ADDRESS when the range is not the whole
 * placeholder.  Lock not held. */
DWORD wv_placeholder_replace(uintptr_t addr, SIZE_T size, DWORD type, DWORD protect, uintptr_t *out);
/* VirtualFree with MEM_RELEASE and MEM_PRESERVE_PLACEHOLDER (split a placeholder, or give an
 * allocation back to one) or MEM_COALESCE_PLACEHOLDERS.  ERROR_INVALID_ADDRESS when the range
 * does not fit the rule (STATUS_CONFLICTING_ADDRESSES).  Lock not held. */
DWORD wv_placeholder_free(uintptr_t addr, SIZE_T size, DWORD type);
/* Whether a placeholder holds addr.  Lock not held. */
bool wv_placeholder_at(uintptr_t addr);

/* ---- releasing part of an allocation (split.c) ----
 * NtFreeVirtualMemory's MEM_RELEASE of [start, end) (pages), a part of the private allocation
 * holding start: the allocation is split around the hole.  ERROR_INVALID_ADDRESS when no
 * private allocation holds the range, ERROR_INVALID_PARAMETER for one Windows never splits
 * (write watch, AWE, a thread stack).  Lock not held. */
DWORD wv_release_part(uintptr_t start, uintptr_t end);

/* ---- validation (validate.c) ---- */
/* Checks the invariants of the state model (numbered in validate.c) and aborts naming the
 * broken one: of every view, or of the view holding addr.  Lock not held.  Debug builds check
 * the view a public call changed after the call (wv_debug_validate_at). */
void wv_space_validate(void);
void wv_space_validate_at(uintptr_t addr);
#if WV_DEBUG
#define wv_debug_validate_at(addr) wv_space_validate_at((uintptr_t)(addr))
#else
#define wv_debug_validate_at(addr) ((void)0)
#endif

#endif
