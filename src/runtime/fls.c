/* SPDX-License-Identifier: MIT */
/* fls.c - fiber-local storage: FlsAlloc, FlsFree, FlsGetValue, FlsSetValue (kernel32 and
 * kernelbase) and their cores, which ntdll's RtlFls* (ntdll_fls.c) share.
 *
 * Indexes run from 1 to FLS_MAXIMUM_AVAILABLE - 1 (0 is never handed out and, as any index out
 * of range, is ERROR_INVALID_PARAMETER); FlsAlloc gives the lowest free one, FLS_OUT_OF_INDEXES
 * with ERROR_NOT_ENOUGH_MEMORY when none is (Windows' status there is STATUS_NO_MEMORY).  As
 * on Windows (Wine's test_FiberLocalStorage), an index in range but not allocated reads NULL
 * and may be set; FlsAlloc clears its index in every fiber, FlsGetValue sets ERROR_SUCCESS.
 *
 * The values belong to a fiber (a thread that is not one is its own fiber): each fiber's
 * block is TEB->FlsData while it runs (fiber.c switches it with the fiber), the calling
 * thread's own variable on a thread without a TEB.  A fiber that has no block yet (a new
 * fiber; a thread before its first FlsAlloc or FlsSetValue) reads NULL with
 * ERROR_INVALID_PARAMETER, as Windows (Wine's FiberMainProc); FlsAlloc and a non-NULL
 * FlsSetValue give the caller its block.  An index's callback runs for each fiber's non-NULL
 * value when FlsFree frees the index (on the freeing thread, every value taken out first), for
 * a fiber's values when DeleteFiber deletes it, and for the running fiber's values when a
 * thread ends (wv_fls_thread_end: before DLL_THREAD_DETACH, as Windows runs them; a key
 * destructor for threads winvm did not start); a PE caller's callback is an ms_abi function.
 * The callbacks are a table indexed by FLS index, which PEB->FlsCallback points at once FLS is
 * used (Windows' PEB field of that table before Windows 10 1809).
 *
 * A block's values live in chunks of WV_FLS_CHUNK made on the first non-NULL FlsSetValue
 * there; every block is linked in one list so FlsFree and FlsAlloc reach every fiber's.
 * Values are read and written with atomics (FlsFree writes other fibers'); the lock
 * (wv_fls_lock, a leaf: docs/architecture.md level 7) guards the slot table and the list and
 * is never held across a callback. */
#include "runtime/synch_int.h"
#include "runtime/fiber_int.h"

#include <pthread.h>
#include <stdlib.h>

#define WV_FLS_CHUNK 128
#define WV_FLS_CHUNKS ((FLS_MAXIMUM_AVAILABLE + WV_FLS_CHUNK - 1) / WV_FLS_CHUNK)

/* A LIST_ENTRY's shape (Flink, Blink): every block begins with one, linked in a circular list
 * whose head is PEB->FlsListHead, as in Windows before 1809 (kernel32 loader.c's
 * test_ExitProcess walks it from there to the thread's TEB->FlsSlots). */
struct wv_fls_links {
    struct wv_fls_links *next, *prev;
};

struct wv_fls_block {
    struct wv_fls_links links; /* first: TEB->FlsData points at it */
    void **chunk[WV_FLS_CHUNKS];
};

enum { WV_FLS_USED = 1, WV_FLS_PE = 2 };
static void *wv_fls_cbs[FLS_MAXIMUM_AVAILABLE]; /* PEB->FlsCallback points here */
static uint8_t wv_fls_state[FLS_MAXIMUM_AVAILABLE];
static struct wv_fls_links *wv_fls_head; /* PEB->FlsListHead, or wv_fls_own_head without a PEB */
static struct wv_fls_links wv_fls_own_head;
static pthread_mutex_t wv_fls_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t wv_fls_key;
static pthread_once_t wv_fls_once = PTHREAD_ONCE_INIT;
static __thread struct wv_fls_block *wv_fls_mine; /* a thread without a TEB: its block */

typedef void (*wv_fls_host_cb)(PVOID);
typedef void (*wv_fls_pe_cb)(PVOID) WV_MSABI;

/* Its own function: gcc merges an if whose arms call one pointer through an ms_abi and a host
 * type into one host call (apc.c). */
__attribute__((noinline)) static void wv_fls_call_pe(void *cb, void *v) { ((wv_fls_pe_cb)cb)(v); }

static void wv_fls_call(void *cb, bool pe, void *v)
{
    if (pe)
        wv_fls_call_pe(cb, v);
    else
        ((wv_fls_host_cb)cb)(v);
}

/* Where the running fiber's block pointer is: TEB->FlsData, or the thread's variable. */
static struct wv_fls_block **wv_fls_here(void)
{
    uint8_t *teb = wv_teb_self();
    return teb ? (struct wv_fls_block **)(void *)(teb + WV_TEB_FLS_DATA) : &wv_fls_mine;
}

void *wv_fls_current(void) { return *wv_fls_here(); }

static void wv_fls_key_end(void *b)
{
    wv_fls_mine = NULL;
    wv_fls_process(b, 3);
}

static void wv_fls_key_make(void) { pthread_key_create(&wv_fls_key, wv_fls_key_end); }

/* The key's value follows the running block, so a thread winvm did not start runs its running
 * fiber's callbacks when it ends. */
void wv_fls_switch(void *block)
{
    *wv_fls_here() = block;
    pthread_once(&wv_fls_once, wv_fls_key_make);
    pthread_setspecific(wv_fls_key, block);
}

/* The address of block b's slot i, NULL when its chunk was never made. */
static void **wv_fls_at(struct wv_fls_block *b, DWORD i)
{
    void **c = b ? __atomic_load_n(&b->chunk[i / WV_FLS_CHUNK], __ATOMIC_ACQUIRE) : NULL;
    return c ? &c[i % WV_FLS_CHUNK] : NULL;
}

/* The list's head, chosen at its first use (lock held): the PEB's when there is a PEB. */
static struct wv_fls_links *wv_fls_list(void)
{
    if (!wv_fls_head) {
        struct wv_fls_links *h = wv_peb_fls_list_head();
        if (!h)
            h = &wv_fls_own_head, h->next = h->prev = h;
        wv_fls_head = h;
    }
    return wv_fls_head;
}

#define WV_FLS_EACH(b)                                                                                  \
    for (struct wv_fls_links *l_ = wv_fls_list()->next; l_ != wv_fls_list(); l_ = l_->next)            \
        for (struct wv_fls_block *b = (struct wv_fls_block *)(void *)l_; b; b = NULL)

/* Whether b is in the list (lock held). */
static bool wv_fls_linked(const struct wv_fls_block *b)
{
    WV_FLS_EACH(x)
        if (x == b)
            return true;
    return false;
}

void wv_fls_process(void *block, ULONG flags)
{
    struct wv_fls_block *b = block;
    if (!b)
        return;
    pthread_mutex_lock(&wv_fls_lock);
    bool linked = wv_fls_linked(b), run = linked && (flags & 1);
    if (linked && (flags & 3)) { /* out of FlsFree's reach before its values are taken */
        b->links.prev->next = b->links.next;
        b->links.next->prev = b->links.prev;
    }
    pthread_mutex_unlock(&wv_fls_lock);
    for (DWORD i = 1; run && i < FLS_MAXIMUM_AVAILABLE; i++) {
        void **p = wv_fls_at(b, i);
        void *v = p ? __atomic_exchange_n(p, NULL, __ATOMIC_ACQ_REL) : NULL;
        if (!v)
            continue;
        pthread_mutex_lock(&wv_fls_lock);
        void *cb = wv_fls_cbs[i];
        uint8_t st = wv_fls_state[i];
        pthread_mutex_unlock(&wv_fls_lock);
        if ((st & WV_FLS_USED) && cb)
            wv_fls_call(cb, st & WV_FLS_PE, v);
    }
    if (!(flags & 2))
        return;
    if (wv_fls_current() == b)
        wv_fls_switch(NULL);
    for (size_t c = 0; c < WV_FLS_CHUNKS; c++)
        free(b->chunk[c]);
    free(b);
}

void wv_fls_fiber_end(void *block) { wv_fls_process(block, 3); }

static bool wv_fls_used; /* an index was ever allocated */

void wv_fls_thread_end(bool run)
{
    struct wv_fls_block *b = wv_fls_current();
    if (run) {
        wv_fls_process(b, 1); /* callbacks, off the list; the block stays for DLL_THREAD_DETACH */
        return;
    }
    /* Terminated: as on Windows its block stays in the list with its values, whose callbacks
     * FlsFree runs later (Wine's loader.c: "the remaining callbacks from uncleanly terminated
     * threads"); the thread lets go of it, nothing frees it. */
    wv_fls_switch(NULL);
}

void wv_fls_thread_free(void)
{
    struct wv_fls_block *b = wv_fls_current();
    wv_fls_process(b, 2);
    if (b)
        wv_fls_switch(NULL);
}

static struct wv_fls_block *wv_fls_block(void);

void wv_fls_thread_start(void)
{
    if (__atomic_load_n(&wv_fls_used, __ATOMIC_ACQUIRE))
        (void)wv_fls_block();
}

/* The running fiber's block, made (linked, the key set) when missing; NULL without memory. */
static struct wv_fls_block *wv_fls_block(void)
{
    struct wv_fls_block *b = wv_fls_current();
    if (b)
        return b;
    if (!(b = calloc(1, sizeof(*b))))
        return NULL;
    pthread_mutex_lock(&wv_fls_lock);
    struct wv_fls_links *h = wv_fls_list();
    b->links.next = h->next, b->links.prev = h;
    h->next->prev = &b->links;
    h->next = &b->links;
    pthread_mutex_unlock(&wv_fls_lock);
    wv_fls_switch(b);
    return b;
}

DWORD wv_fls_alloc(void *cb, bool pe, DWORD *err)
{
    if (!wv_fls_block()) {
        *err = ERROR_NOT_ENOUGH_MEMORY;
        return FLS_OUT_OF_INDEXES;
    }
    DWORD i = 1;
    __atomic_store_n(&wv_fls_used, true, __ATOMIC_RELEASE);
    pthread_mutex_lock(&wv_fls_lock);
    while (i < FLS_MAXIMUM_AVAILABLE && (wv_fls_state[i] & WV_FLS_USED))
        i++;
    if (i < FLS_MAXIMUM_AVAILABLE) {
        wv_fls_cbs[i] = cb;
        wv_fls_state[i] = (uint8_t)(WV_FLS_USED | (pe ? WV_FLS_PE : 0));
        WV_FLS_EACH(b) { /* values set while it was free */
            void **p = wv_fls_at(b, i);
            if (p)
                __atomic_store_n(p, NULL, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&wv_fls_lock);
    if (wv_peb())
        wv_peb_set_fls_callbacks(wv_fls_cbs);
    *err = i < FLS_MAXIMUM_AVAILABLE ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    return i < FLS_MAXIMUM_AVAILABLE ? i : FLS_OUT_OF_INDEXES;
}

DWORD WINAPI FlsAlloc(PFLS_CALLBACK_FUNCTION cb)
{
    DWORD err, i = wv_fls_alloc((void *)cb, false, &err);
    return err ? (wv_set_error(err), FLS_OUT_OF_INDEXES) : i;
}

/* Every fiber's value of i taken out (under the lock, with the callback), the index freed;
 * the callbacks run after. */
DWORD wv_fls_free(DWORD i)
{
    if (!i || i >= FLS_MAXIMUM_AVAILABLE)
        return ERROR_INVALID_PARAMETER;
    size_t n = 0, cap = 0;
    void **vals = NULL;
    pthread_mutex_lock(&wv_fls_lock);
    void *cb = wv_fls_cbs[i];
    uint8_t st = wv_fls_state[i];
    if (!(st & WV_FLS_USED)) {
        pthread_mutex_unlock(&wv_fls_lock);
        return ERROR_INVALID_PARAMETER;
    }
    WV_FLS_EACH(b) {
        void **p = wv_fls_at(b, i);
        if (!p || !__atomic_load_n(p, __ATOMIC_ACQUIRE))
            continue;
        if (n == cap) {
            void **grown = realloc(vals, (cap = cap ? 2 * cap : 16) * sizeof(*vals));
            if (!grown) {
                pthread_mutex_unlock(&wv_fls_lock);
                free(vals);
                return ERROR_NOT_ENOUGH_MEMORY; /* nothing taken yet: nothing changed */
            }
            vals = grown;
        }
        vals[n++] = p;
    }
    for (size_t k = 0; k < n; k++) /* the slots' addresses become their values */
        vals[k] = __atomic_exchange_n((void **)vals[k], NULL, __ATOMIC_ACQ_REL);
    wv_fls_cbs[i] = NULL;
    wv_fls_state[i] = 0;
    pthread_mutex_unlock(&wv_fls_lock);
    for (size_t k = 0; k < n; k++)
        if (vals[k] && cb)
            wv_fls_call(cb, st & WV_FLS_PE, vals[k]);
    free(vals);
    return 0;
}

BOOL WINAPI FlsFree(DWORD i)
{
    DWORD err = wv_fls_free(i);
    return err ? wv_fail(err) : TRUE;
}

DWORD wv_fls_get(DWORD i, void **v)
{
    struct wv_fls_block *b = wv_fls_current();
    if (!i || i >= FLS_MAXIMUM_AVAILABLE || !b)
        return ERROR_INVALID_PARAMETER;
    void **p = wv_fls_at(b, i);
    *v = p ? __atomic_load_n(p, __ATOMIC_ACQUIRE) : NULL;
    return 0;
}

PVOID WINAPI FlsGetValue(DWORD i)
{
    void *v = NULL;
    DWORD err = wv_fls_get(i, &v);
    wv_set_error(err);
    return v;
}

DWORD wv_fls_set(DWORD i, void *v)
{
    if (!i || i >= FLS_MAXIMUM_AVAILABLE)
        return ERROR_INVALID_PARAMETER;
    struct wv_fls_block *b = wv_fls_current();
    void **p = wv_fls_at(b, i);
    if (!p && v) {
        if (!b && !(b = wv_fls_block()))
            return ERROR_NOT_ENOUGH_MEMORY;
        void **c = b->chunk[i / WV_FLS_CHUNK];
        if (!c && (c = calloc(WV_FLS_CHUNK, sizeof(void *))) != NULL)
            __atomic_store_n(&b->chunk[i / WV_FLS_CHUNK], c, __ATOMIC_RELEASE);
        if (!c)
            return ERROR_NOT_ENOUGH_MEMORY;
        p = &c[i % WV_FLS_CHUNK];
    }
    if (p)
        __atomic_store_n(p, v, __ATOMIC_RELEASE);
    return 0;
}

BOOL WINAPI FlsSetValue(DWORD i, PVOID v)
{
    DWORD err = wv_fls_set(i, v);
    return err ? wv_fail(err) : TRUE;
}

/* PE code's FlsAlloc: its callback is an ms_abi function (k32_exports.c). */
__attribute__((ms_abi, no_stack_protector)) DWORD wv_k32_FlsAlloc(PFLS_CALLBACK_FUNCTION cb)
{
    wv_seg_check();
    DWORD err, i = wv_fls_alloc((void *)cb, true, &err);
    return err ? (wv_set_error(err), FLS_OUT_OF_INDEXES) : i;
}
