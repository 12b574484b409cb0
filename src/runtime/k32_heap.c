/* SPDX-License-Identifier: MIT */
/* k32_heap.c - private heaps: HeapCreate, HeapDestroy, HeapValidate, HeapCompact, and the block
 * calls kernel32.c's process heap hands over for any other handle.
 *
 * A heap is a list of its blocks (host allocations, each behind a header naming its heap), so
 * HeapDestroy frees them all and HeapValidate can tell a block of the heap from anything else.
 * Live heaps are kept in a list: a handle that names none is ERROR_INVALID_HANDLE (HeapFree,
 * HeapDestroy, HeapValidate) or a NULL block (HeapAlloc, HeapReAlloc, without a last error, as
 * RtlAllocateHeap), never a crash.  Each heap has its own lock; HEAP_NO_SERIALIZE is accepted
 * and the lock taken anyway (the cost is small, the safety not). */
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
    struct wv_pheap *next_heap;
    pthread_mutex_t lock;
    struct wv_pblock *blocks;
    SIZE_T max, used; /* max 0: growable */
};

static struct wv_pheap *wv_heaps;
static pthread_mutex_t wv_heaps_lock = PTHREAD_MUTEX_INITIALIZER;

/* The live heap h names, locked; NULL when it names none. */
static struct wv_pheap *wv_pheap_lock(HANDLE h)
{
    pthread_mutex_lock(&wv_heaps_lock);
    struct wv_pheap *p = wv_heaps;
    while (p && p != h)
        p = p->next_heap;
    if (p)
        pthread_mutex_lock(&p->lock);
    pthread_mutex_unlock(&wv_heaps_lock);
    return p;
}

HANDLE WINAPI HeapCreate(DWORD options, SIZE_T initial, SIZE_T max)
{
    (void)options, (void)initial; /* blocks come from the host allocator as they are asked for */
    struct wv_pheap *p = calloc(1, sizeof(*p));
    if (!p)
        return wv_fail(ERROR_NOT_ENOUGH_MEMORY), NULL;
    pthread_mutex_init(&p->lock, NULL);
    p->max = max;
    pthread_mutex_lock(&wv_heaps_lock);
    p->next_heap = wv_heaps;
    wv_heaps = p;
    pthread_mutex_unlock(&wv_heaps_lock);
    return p;
}

BOOL WINAPI HeapDestroy(HANDLE h)
{
    pthread_mutex_lock(&wv_heaps_lock);
    struct wv_pheap **at = &wv_heaps;
    while (*at && *at != h)
        at = &(*at)->next_heap;
    struct wv_pheap *p = *at;
    if (p)
        *at = p->next_heap;
    pthread_mutex_unlock(&wv_heaps_lock);
    if (!p)
        return wv_fail(ERROR_INVALID_HANDLE);
    pthread_mutex_lock(&p->lock); /* a call still inside finishes first */
    pthread_mutex_unlock(&p->lock);
    for (struct wv_pblock *b = p->blocks, *n; b; b = n)
        n = b->next, free(b);
    pthread_mutex_destroy(&p->lock);
    free(p);
    return TRUE;
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
