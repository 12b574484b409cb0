/* SPDX-License-Identifier: MIT */
/* k32_heap.c - private heaps: HeapCreate, HeapDestroy, HeapValidate, HeapCompact, and the block
 * calls kernel32.c's process heap hands over for any other handle.
 *
 * A heap is a list of its blocks (host allocations, each behind a header naming its heap), so
 * HeapDestroy frees them all and HeapValidate can tell a block of the heap from anything else.
 * Live heaps are kept in a list: a handle that names none is ERROR_INVALID_HANDLE (HeapFree,
 * HeapDestroy, HeapValidate) or a NULL block (HeapAlloc, HeapReAlloc, without a last error, as
 * RtlAllocateHeap), never a crash.  Each heap has its own lock; HEAP_NO_SERIALIZE is accepted
 * and the lock taken anyway (the cost is small, the safety not).
 *
 * HeapLock holds that same lock (recursive, so the holder's own HeapAlloc/HeapWalk go on while
 * other threads' calls on the heap wait).  So no thread ever waits for a heap's lock while
 * holding wv_heaps_lock (HeapUnlock must still find the heap), and a heap's struct is never
 * freed: HeapDestroy marks it dead and HeapCreate reuses it, so a thread that found it and
 * waits on its lock wakes to a struct that still exists and sees whether it is live. */
#define _GNU_SOURCE
#include "runtime/k32_ext.h"
#include "fault/fault.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct wv_pheap;

struct __attribute__((aligned(16))) wv_pblock {
    struct wv_pheap *heap;
    struct wv_pblock *prev, *next;
    SIZE_T size;
};

struct wv_pheap {
    struct wv_pheap *next_heap, *next_dead; /* wv_heaps_lock */
    pthread_mutex_t lock;                   /* recursive: HeapLock's holder calls on */
    bool live;                              /* lock (and set only with wv_heaps_lock too) */
    DWORD locks;                            /* lock: HeapLock calls not yet HeapUnlocked */
    struct wv_pblock *blocks;               /* lock */
    SIZE_T max, used;                       /* lock; max 0: growable */
};

/* Every heap struct ever made (wv_heaps, never shrinks) and the destroyed ones HeapCreate
 * reuses (wv_dead), both guarded by wv_heaps_lock, taken before no heap's lock. */
static struct wv_pheap *wv_heaps, *wv_dead;
static pthread_mutex_t wv_heaps_lock = PTHREAD_MUTEX_INITIALIZER;

/* The live heap h names, locked; NULL when it names none. */
static struct wv_pheap *wv_pheap_lock(HANDLE h)
{
    pthread_mutex_lock(&wv_heaps_lock);
    struct wv_pheap *p = wv_heaps;
    while (p && p != h)
        p = p->next_heap;
    pthread_mutex_unlock(&wv_heaps_lock);
    if (!p)
        return NULL;
    pthread_mutex_lock(&p->lock); /* may wait for a HeapLock holder: wv_heaps_lock not held */
    if (p->live)
        return p;
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

size_t wv_pheap_list(HANDLE *out, size_t cap)
{
    /* every struct first, then each asked under its own lock (HeapDestroy clears live under it
     * alone), with wv_heaps_lock no longer held; structs are never freed */
    size_t all = 0, n = 0;
    pthread_mutex_lock(&wv_heaps_lock);
    for (struct wv_pheap *p = wv_heaps; p; p = p->next_heap)
        all++;
    struct wv_pheap **seen = malloc((all ? all : 1) * sizeof(*seen)), *p = wv_heaps;
    for (size_t i = 0; seen && i < all; i++, p = p->next_heap)
        seen[i] = p;
    pthread_mutex_unlock(&wv_heaps_lock);
    for (size_t i = 0; seen && i < all; i++) {
        pthread_mutex_lock(&seen[i]->lock);
        if (seen[i]->live && n < cap)
            out[n] = seen[i];
        n += seen[i]->live;
        pthread_mutex_unlock(&seen[i]->lock);
    }
    free(seen);
    return n;
}

static struct wv_pheap *wv_pheap_new(void)
{
    struct wv_pheap *p = calloc(1, sizeof(*p));
    pthread_mutexattr_t a;
    if (!p || pthread_mutexattr_init(&a))
        return free(p), NULL;
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    int e = pthread_mutex_init(&p->lock, &a);
    pthread_mutexattr_destroy(&a);
    return e ? free(p), NULL : p;
}

HANDLE WINAPI HeapCreate(DWORD options, SIZE_T initial, SIZE_T max)
{
    (void)options, (void)initial; /* blocks come from the host allocator as they are asked for */
    pthread_mutex_lock(&wv_heaps_lock);
    struct wv_pheap *p = wv_dead;
    if (p)
        wv_dead = p->next_dead;
    pthread_mutex_unlock(&wv_heaps_lock);
    bool fresh = !p;
    if (fresh && !(p = wv_pheap_new()))
        return wv_fail(ERROR_NOT_ENOUGH_MEMORY), NULL;
    pthread_mutex_lock(&wv_heaps_lock);
    pthread_mutex_lock(&p->lock);
    p->blocks = NULL, p->used = 0, p->locks = 0, p->max = max;
    p->live = true;
    pthread_mutex_unlock(&p->lock);
    if (fresh)
        p->next_heap = wv_heaps, wv_heaps = p;
    pthread_mutex_unlock(&wv_heaps_lock);
    return p;
}

BOOL WINAPI HeapDestroy(HANDLE h)
{
    struct wv_pheap *p = wv_pheap_lock(h); /* a call still inside, or a HeapLock, ends first */
    if (!p)
        return wv_fail(ERROR_INVALID_HANDLE);
    p->live = false;
    for (struct wv_pblock *b = p->blocks, *n; b; b = n)
        n = b->next, free(b);
    p->blocks = NULL, p->used = 0;
    for (; p->locks; p->locks--) /* this thread's own HeapLocks go with the heap */
        pthread_mutex_unlock(&p->lock);
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_lock(&wv_heaps_lock);
    p->next_dead = wv_dead, wv_dead = p;
    pthread_mutex_unlock(&wv_heaps_lock);
    return TRUE;
}

BOOL WINAPI HeapLock(HANDLE h)
{
    if (h == GetProcessHeap())
        return wv_fail(ERROR_NOT_SUPPORTED); /* the host allocator's: no lock to hold */
    struct wv_pheap *p = wv_pheap_lock(h);
    if (!p)
        return wv_fail(ERROR_INVALID_HANDLE);
    p->locks++; /* kept: the lock stays held until HeapUnlock */
    return TRUE;
}

BOOL WINAPI HeapUnlock(HANDLE h)
{
    if (h == GetProcessHeap())
        return wv_fail(ERROR_NOT_SUPPORTED);
    struct wv_pheap *p = wv_pheap_lock(h); /* recursive: the holder gets it at once */
    if (!p)
        return wv_fail(ERROR_INVALID_HANDLE);
    BOOL held = p->locks > 0;
    if (held)
        p->locks--, pthread_mutex_unlock(&p->lock);
    pthread_mutex_unlock(&p->lock);
    return held ? TRUE : wv_fail(ERROR_NOT_OWNER);
}

/* Is mem one of p's blocks?  Its header is read through wv_copy (a bad pointer is only a no),
 * then the list must point at it: O(1), and never trusts a header it did not write. */
static bool wv_pheap_owns(struct wv_pheap *p, LPCVOID mem)
{
    const struct wv_pblock *b = (const struct wv_pblock *)mem - 1;
    struct wv_pblock head, *link;
    if ((uintptr_t)mem % 16 || wv_copy(&head, b, sizeof(head)) || head.heap != p)
        return false;
    if (!head.prev)
        return p->blocks == b;
    return !wv_copy(&link, &head.prev->next, sizeof(link)) && link == b;
}

BOOL WINAPI HeapValidate(HANDLE h, DWORD flags, LPCVOID mem)
{
    (void)flags;
    if (h == GetProcessHeap())
        return TRUE; /* the process heap is the host allocator's, which checks itself */
    struct wv_pheap *p = wv_pheap_lock(h);
    if (!p)
        return wv_fail(ERROR_INVALID_HANDLE);
    BOOL ok = TRUE;
    if (mem)
        ok = wv_pheap_owns(p, mem);
    else
        for (struct wv_pblock *b = p->blocks; b && ok; b = b->next)
            ok = b->heap == p && (!b->next || b->next->prev == b);
    pthread_mutex_unlock(&p->lock);
    return ok;
}

SIZE_T WINAPI HeapCompact(HANDLE h, DWORD flags)
{
    (void)flags;
    if (h != GetProcessHeap()) {
        struct wv_pheap *p = wv_pheap_lock(h);
        if (!p)
            return wv_fail(ERROR_INVALID_HANDLE), 0;
        pthread_mutex_unlock(&p->lock);
    }
    malloc_trim(0); /* the host allocator's free pages go back to the system */
    SetLastError(NO_ERROR);
    return 0;
}

static void wv_link(struct wv_pheap *p, struct wv_pblock *b)
{
    b->heap = p, b->prev = NULL, b->next = p->blocks;
    if (p->blocks)
        p->blocks->prev = b;
    p->blocks = b;
}

static void wv_unlink(struct wv_pheap *p, struct wv_pblock *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        p->blocks = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

static bool wv_fits(struct wv_pheap *p, SIZE_T old, SIZE_T n)
{
    return n <= SIZE_MAX - sizeof(struct wv_pblock) && (!p->max || p->used - old + n <= p->max);
}

LPVOID wv_pheap_alloc(HANDLE h, DWORD flags, SIZE_T n)
{
    struct wv_pheap *p = wv_pheap_lock(h);
    if (!p)
        return NULL;
    struct wv_pblock *b = NULL;
    if (wv_fits(p, 0, n))
        b = (flags & HEAP_ZERO_MEMORY) ? calloc(1, sizeof(*b) + n) : malloc(sizeof(*b) + n);
    if (b) {
        wv_link(p, b);
        b->size = n;
        p->used += n;
    }
    pthread_mutex_unlock(&p->lock);
    return b ? b + 1 : NULL;
}

BOOL wv_pheap_free(HANDLE h, DWORD flags, LPVOID mem)
{
    (void)flags;
    struct wv_pheap *p = wv_pheap_lock(h);
    if (!p)
        return wv_fail(ERROR_INVALID_HANDLE);
    BOOL ok = !mem || wv_pheap_owns(p, mem);
    if (mem && ok) {
        struct wv_pblock *b = (struct wv_pblock *)mem - 1;
        wv_unlink(p, b);
        p->used -= b->size;
        free(b);
    }
    pthread_mutex_unlock(&p->lock);
    return ok ? TRUE : wv_fail(ERROR_INVALID_PARAMETER);
}

LPVOID wv_pheap_realloc(HANDLE h, DWORD flags, LPVOID mem, SIZE_T n)
{
    struct wv_pheap *p = wv_pheap_lock(h);
    if (!p)
        return NULL;
    struct wv_pblock *b = mem && wv_pheap_owns(p, mem) ? (struct wv_pblock *)mem - 1 : NULL, *nb = NULL;
    SIZE_T old = b ? b->size : 0;
    if (b && wv_fits(p, old, n) && (n <= old || !(flags & HEAP_REALLOC_IN_PLACE_ONLY))) {
        wv_unlink(p, b);
        nb = n <= old ? b : realloc(b, sizeof(*b) + n); /* shrinking stays in place */
        wv_link(p, nb ? nb : b);
        if (nb) {
            p->used = p->used - old + n;
            nb->size = n;
            if ((flags & HEAP_ZERO_MEMORY) && n > old)
                memset((char *)(nb + 1) + old, 0, n - old);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return nb ? nb + 1 : NULL;
}

SIZE_T wv_pheap_size(HANDLE h, DWORD flags, LPCVOID mem)
{
    (void)flags;
    struct wv_pheap *p = wv_pheap_lock(h);
    if (!p)
        return (SIZE_T)-1;
    SIZE_T n = mem && wv_pheap_owns(p, mem) ? ((const struct wv_pblock *)mem - 1)->size : (SIZE_T)-1;
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* HeapWalk's entries: first the heap's one region (its control struct, what lpData NULL
 * answers, as Windows' first entry is the heap itself), then every block, busy, in the list's
 * order.  Blocks live in the host allocator, outside that region, so the region holds none
 * (lpFirstBlock == lpLastBlock, its end) and there are no free or uncommitted entries. */
static void wv_walk_fill(struct wv_pheap *p, const struct wv_pblock *b, PROCESS_HEAP_ENTRY *e)
{
    memset(e, 0, sizeof(*e));
    if (!b) {
        e->lpData = p;
        e->cbData = sizeof(*p);
        e->wFlags = PROCESS_HEAP_REGION;
        e->Region.dwCommittedSize = sizeof(*p);
        e->Region.lpFirstBlock = e->Region.lpLastBlock = p + 1;
        return;
    }
    e->lpData = (LPVOID)(b + 1);
    e->cbData = (DWORD)b->size;
    e->cbOverhead = sizeof(*b);
    e->wFlags = PROCESS_HEAP_ENTRY_BUSY;
}

BOOL WINAPI HeapWalk(HANDLE h, LPPROCESS_HEAP_ENTRY entry)
{
    if (h == GetProcessHeap())
        return wv_fail(ERROR_NOT_SUPPORTED); /* the host allocator's blocks: not enumerable */
    struct wv_pheap *p = wv_pheap_lock(h);
    if (!p)
        return wv_fail(ERROR_INVALID_HANDLE);
    LPVOID at;
    PROCESS_HEAP_ENTRY e;
    DWORD err = 0;
    if (wv_copy(&at, &entry->lpData, sizeof(at)))
        err = ERROR_NOACCESS;
    else if (at == NULL)
        wv_walk_fill(p, NULL, &e);
    else if (at != p && !wv_pheap_owns(p, at))
        err = ERROR_INVALID_PARAMETER; /* neither the region nor a block of this heap */
    else {
        struct wv_pblock *next = at == p ? p->blocks : ((struct wv_pblock *)at - 1)->next;
        if (next)
            wv_walk_fill(p, next, &e);
        else
            err = ERROR_NO_MORE_ITEMS;
    }
    if (!err && wv_user_put(entry, &e, sizeof(e)))
        err = ERROR_NOACCESS;
    pthread_mutex_unlock(&p->lock);
    return err ? wv_fail(err) : TRUE;
}
