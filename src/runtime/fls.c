/* SPDX-License-Identifier: MIT */
/* fls.c - fiber-local storage: FlsAlloc, FlsFree, FlsGetValue, FlsSetValue (kernel32 and
 * kernelbase; winvm has no fibers, so a thread's one fiber is the thread and these are
 * thread-local slots with destructors).
 *
 * Indexes run from 1 to FLS_MAXIMUM_AVAILABLE - 1 (0 is never handed out and, as any index out
 * of range, is ERROR_INVALID_PARAMETER); FlsAlloc gives the lowest free one, FLS_OUT_OF_INDEXES
 * with ERROR_NOT_ENOUGH_MEMORY when none is (Windows' status there is STATUS_NO_MEMORY).  As
 * on Windows (Wine's test_FiberLocalStorage), an index in range but not allocated reads NULL
 * and may be set; FlsAlloc clears its index in every thread, FlsGetValue sets ERROR_SUCCESS.
 * An index's callback runs for each thread's non-NULL value when FlsFree frees the index (on
 * the freeing thread, every value taken out first) and for the ending thread's values when a
 * thread ends (wv_fls_thread_end: before DLL_THREAD_DETACH, as Windows runs them; a key
 * destructor for threads winvm did not start); a PE caller's callback is an ms_abi function.
 *
 * Each thread's values live in chunks of WV_FLS_CHUNK made on its first FlsSetValue of a
 * non-NULL value there; its block is linked in a list so FlsFree and FlsAlloc reach every
 * thread's.  Values are read and written with atomics (FlsFree writes other threads'); the
 * lock (wv_fls_lock, a leaf: docs/architecture.md level 7) guards the slot table and the list
 * and is never held across a callback. */
#include "runtime/synch_int.h"

#include <pthread.h>
#include <stdlib.h>

#define WV_FLS_CHUNK 128
#define WV_FLS_CHUNKS ((FLS_MAXIMUM_AVAILABLE + WV_FLS_CHUNK - 1) / WV_FLS_CHUNK)

struct wv_fls_block {
    struct wv_fls_block *next, *prev;
    void **chunk[WV_FLS_CHUNKS];
};

static struct wv_fls_slot {
    bool used, pe;
    void *cb;
} wv_fls_slots[FLS_MAXIMUM_AVAILABLE];
static struct wv_fls_block *wv_fls_blocks;
static pthread_mutex_t wv_fls_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t wv_fls_key;
static pthread_once_t wv_fls_once = PTHREAD_ONCE_INIT;
static __thread struct wv_fls_block *wv_fls_mine;

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

/* The address of thread b's slot i, NULL when its chunk was never made. */
static void **wv_fls_at(struct wv_fls_block *b, DWORD i)
{
    void **c = b ? __atomic_load_n(&b->chunk[i / WV_FLS_CHUNK], __ATOMIC_ACQUIRE) : NULL;
    return c ? &c[i % WV_FLS_CHUNK] : NULL;
}

static void wv_fls_key_end(void *b)
{
    (void)b;
    wv_fls_thread_end(true);
}

static void wv_fls_key_make(void) { pthread_key_create(&wv_fls_key, wv_fls_key_end); }

void wv_fls_thread_end(bool run)
{
    struct wv_fls_block *b = wv_fls_mine;
    if (!b)
        return;
    for (DWORD i = 1; run && i < FLS_MAXIMUM_AVAILABLE; i++) {
        void **p = wv_fls_at(b, i);
        void *v = p ? __atomic_exchange_n(p, NULL, __ATOMIC_ACQ_REL) : NULL;
        if (!v)
            continue;
        pthread_mutex_lock(&wv_fls_lock);
        struct wv_fls_slot s = wv_fls_slots[i];
        pthread_mutex_unlock(&wv_fls_lock);
        if (s.used && s.cb)
            wv_fls_call(s.cb, s.pe, v);
    }
    pthread_mutex_lock(&wv_fls_lock);
    if (b->prev)
        b->prev->next = b->next;
    else
        wv_fls_blocks = b->next;
    if (b->next)
        b->next->prev = b->prev;
    pthread_mutex_unlock(&wv_fls_lock);
    for (size_t c = 0; c < WV_FLS_CHUNKS; c++)
        free(b->chunk[c]);
    free(b);
    wv_fls_mine = NULL;
    pthread_setspecific(wv_fls_key, NULL);
}

DWORD wv_fls_alloc(void *cb, bool pe, DWORD *err)
{
    DWORD i = 1;
    pthread_mutex_lock(&wv_fls_lock);
    while (i < FLS_MAXIMUM_AVAILABLE && wv_fls_slots[i].used)
        i++;
    if (i < FLS_MAXIMUM_AVAILABLE) {
        wv_fls_slots[i] = (struct wv_fls_slot){true, pe, cb};
        for (struct wv_fls_block *b = wv_fls_blocks; b; b = b->next) { /* values set while it was free */
            void **p = wv_fls_at(b, i);
            if (p)
                __atomic_store_n(p, NULL, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&wv_fls_lock);
    *err = i < FLS_MAXIMUM_AVAILABLE ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    return i < FLS_MAXIMUM_AVAILABLE ? i : FLS_OUT_OF_INDEXES;
}

DWORD WINAPI FlsAlloc(PFLS_CALLBACK_FUNCTION cb)
{
    DWORD err, i = wv_fls_alloc((void *)cb, false, &err);
    return err ? (wv_set_error(err), FLS_OUT_OF_INDEXES) : i;
}

/* Every thread's value of i taken out (under the lock, with the callback), the index freed;
 * the callbacks run after. */
BOOL WINAPI FlsFree(DWORD i)
{
    if (!i || i >= FLS_MAXIMUM_AVAILABLE)
        return wv_fail(ERROR_INVALID_PARAMETER);
    size_t n = 0, cap = 0;
    void **vals = NULL;
    pthread_mutex_lock(&wv_fls_lock);
    struct wv_fls_slot s = wv_fls_slots[i];
    if (!s.used) {
        pthread_mutex_unlock(&wv_fls_lock);
        return wv_fail(ERROR_INVALID_PARAMETER);
    }
    for (struct wv_fls_block *b = wv_fls_blocks; b; b = b->next) {
        void **p = wv_fls_at(b, i);
        if (!p || !__atomic_load_n(p, __ATOMIC_ACQUIRE))
            continue;
        if (n == cap) {
            void **grown = realloc(vals, (cap = cap ? 2 * cap : 16) * sizeof(*vals));
            if (!grown) {
                pthread_mutex_unlock(&wv_fls_lock);
                free(vals);
                return wv_fail(ERROR_NOT_ENOUGH_MEMORY); /* nothing taken yet: nothing changed */
            }
            vals = grown;
        }
        vals[n++] = p;
    }
    for (size_t k = 0; k < n; k++) /* the slots' addresses become their values */
        vals[k] = __atomic_exchange_n((void **)vals[k], NULL, __ATOMIC_ACQ_REL);
    wv_fls_slots[i] = (struct wv_fls_slot){false, false, NULL};
    pthread_mutex_unlock(&wv_fls_lock);
    for (size_t k = 0; k < n; k++)
        if (vals[k] && s.cb)
            wv_fls_call(s.cb, s.pe, vals[k]);
    free(vals);
    return TRUE;
}

PVOID WINAPI FlsGetValue(DWORD i)
{
    if (!i || i >= FLS_MAXIMUM_AVAILABLE)
        return wv_set_error(ERROR_INVALID_PARAMETER), NULL;
    void **p = wv_fls_at(wv_fls_mine, i);
    wv_set_error(ERROR_SUCCESS);
    return p ? __atomic_load_n(p, __ATOMIC_ACQUIRE) : NULL;
}

/* This thread's block (linked, its key set) and the chunk of i, made when missing. */
static void **wv_fls_make(DWORD i)
{
    struct wv_fls_block *b = wv_fls_mine;
    if (!b) {
        pthread_once(&wv_fls_once, wv_fls_key_make);
        if (!(b = calloc(1, sizeof(*b))))
            return NULL;
        pthread_mutex_lock(&wv_fls_lock);
        b->next = wv_fls_blocks;
        if (b->next)
            b->next->prev = b;
        wv_fls_blocks = b;
        pthread_mutex_unlock(&wv_fls_lock);
        wv_fls_mine = b;
        pthread_setspecific(wv_fls_key, b);
    }
    void **c = b->chunk[i / WV_FLS_CHUNK];
    if (!c && (c = calloc(WV_FLS_CHUNK, sizeof(void *))) != NULL)
        __atomic_store_n(&b->chunk[i / WV_FLS_CHUNK], c, __ATOMIC_RELEASE);
    return c ? &c[i % WV_FLS_CHUNK] : NULL;
}

BOOL WINAPI FlsSetValue(DWORD i, PVOID v)
{
    if (!i || i >= FLS_MAXIMUM_AVAILABLE)
        return wv_fail(ERROR_INVALID_PARAMETER);
    void **p = wv_fls_at(wv_fls_mine, i);
    if (!p && v && !(p = wv_fls_make(i)))
        return wv_fail(ERROR_NOT_ENOUGH_MEMORY);
    if (p)
        __atomic_store_n(p, v, __ATOMIC_RELEASE);
    return TRUE;
}

/* PE code's FlsAlloc: its callback is an ms_abi function (k32_exports.c). */
__attribute__((ms_abi, no_stack_protector)) DWORD wv_k32_FlsAlloc(PFLS_CALLBACK_FUNCTION cb)
{
    wv_seg_check();
    wv_stack_probe();
    DWORD err, i = wv_fls_alloc((void *)cb, true, &err);
    return err ? (wv_set_error(err), FLS_OUT_OF_INDEXES) : i;
}
