/* SPDX-License-Identifier: MIT */
/* handle.c - the process's handle table: HANDLE values for files and sections.
 *
 * A HANDLE is (slot + 1) * 4, as Windows' handles are multiples of 4, so it is never NULL
 * nor INVALID_HANDLE_VALUE.  Each slot holds a counted reference to an object and the access
 * the handle grants.  Objects are reference counted: a handle is one reference, a mapped view
 * another, so CloseHandle never frees what a view still uses.
 */
#include "ob/ob.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Windows' limit: 2^24 handles a process (handle values up to 0x4000000).  The table is chunks
 * of 4,096 slots (64 KiB) made when first needed and kept: a program holding few handles pays
 * for one chunk, one holding a million for 245.
 *
 * Invariants (all under wv_handles_lock):
 *   1. A slot is in use iff its obj is not NULL iff its bit in its chunk's used[] is set;
 *      n_used counts those bits.
 *   2. wv_full's bit c is set iff chunk c exists and every one of its slots is in use: a new
 *      handle takes the lowest free slot (as Windows, whose freed handles come back first
 *      in a short-lived table) by two scans of 64 words.
 *   3. wv_live is the sum of every chunk's n_used (GetProcessHandleCount). */
#define WV_HANDLE_BITS 24
#define WV_CHUNK_BITS 12
#define WV_CHUNK ((size_t)1 << WV_CHUNK_BITS)
#define WV_CHUNKS ((size_t)1 << (WV_HANDLE_BITS - WV_CHUNK_BITS))
#define WV_MAX_HANDLES (WV_CHUNK * WV_CHUNKS)

struct wv_slot {
    struct wv_object *obj;
    DWORD access;
    DWORD flags; /* HANDLE_FLAG_INHERIT, HANDLE_FLAG_PROTECT_FROM_CLOSE */
};

struct wv_chunk {
    uint64_t used[WV_CHUNK / 64];
    size_t n_used;
    struct wv_slot slot[WV_CHUNK];
};

static pthread_mutex_t wv_handles_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_chunk *wv_chunks[WV_CHUNKS]; /* wv_handles_lock; never freed */
static uint64_t wv_full[WV_CHUNKS / 64];       /* wv_handles_lock */
static size_t wv_live;                         /* wv_handles_lock */
struct wv_object *(*wv_ob_self_process)(void);
struct wv_object *(*wv_ob_self_thread)(void);

/* The slot of index i, or NULL when its chunk was never made (lock held). */
static struct wv_slot *wv_slot_at(size_t i)
{
    struct wv_chunk *c = wv_chunks[i >> WV_CHUNK_BITS];
    return c ? &c->slot[i & (WV_CHUNK - 1)] : NULL;
}

/* The object in slot i (lock held): NULL for a free slot or one never made. */
static struct wv_object *wv_obj_at(size_t i)
{
    struct wv_slot *s = wv_slot_at(i);
    return s ? s->obj : NULL;
}

/* Fills the free slot i, its chunk made (lock held). */
static void wv_slot_fill(size_t i, struct wv_slot v)
{
    struct wv_chunk *c = wv_chunks[i >> WV_CHUNK_BITS];
    size_t k = i & (WV_CHUNK - 1);
    assert(c && !c->slot[k].obj && v.obj);
    c->slot[k] = v;
    c->used[k / 64] |= (uint64_t)1 << (k % 64);
    if (++c->n_used == WV_CHUNK)
        wv_full[(i >> WV_CHUNK_BITS) / 64] |= (uint64_t)1 << ((i >> WV_CHUNK_BITS) % 64);
    wv_live++;
}

/* Empties the used slot i (lock held): its object, whose reference passes to the caller. */
static struct wv_object *wv_slot_empty(size_t i)
{
    struct wv_chunk *c = wv_chunks[i >> WV_CHUNK_BITS];
    size_t k = i & (WV_CHUNK - 1);
    struct wv_object *o = c->slot[k].obj;
    assert(o && (c->used[k / 64] >> (k % 64) & 1));
    c->slot[k].obj = NULL;
    c->used[k / 64] &= ~((uint64_t)1 << (k % 64));
    c->n_used--;
    wv_full[(i >> WV_CHUNK_BITS) / 64] &= ~((uint64_t)1 << ((i >> WV_CHUNK_BITS) % 64));
    wv_live--;
    return o;
}

/* Makes chunk c if it does not exist (lock held): false when memory is short. */
static bool wv_chunk_ready(size_t c)
{
    if (!wv_chunks[c])
        wv_chunks[c] = calloc(1, sizeof(struct wv_chunk));
    return wv_chunks[c] != NULL;
}

/* The lowest free slot, its chunk made (lock held): its index, or WV_MAX_HANDLES when the table
 * is full or memory short. */
static size_t wv_slot_free(void)
{
    for (size_t w = 0; w < WV_CHUNKS / 64; w++) {
        if (wv_full[w] == ~(uint64_t)0)
            continue;
        size_t c = w * 64 + (size_t)__builtin_ctzll(~wv_full[w]);
        if (!wv_chunk_ready(c))
            return WV_MAX_HANDLES;
        for (size_t u = 0; u < WV_CHUNK / 64; u++)
            if (wv_chunks[c]->used[u] != ~(uint64_t)0)
                return (c << WV_CHUNK_BITS) + u * 64 + (size_t)__builtin_ctzll(~wv_chunks[c]->used[u]);
        assert(!"a chunk not marked full has a free slot");
    }
    return WV_MAX_HANDLES;
}

/* The first used slot at or after i (lock held), or WV_MAX_HANDLES: walks used[] bits, so a
 * sweep costs the chunks made, not the table's 16 million slots. */
static size_t wv_slot_next(size_t i)
{
    for (size_t c = i >> WV_CHUNK_BITS; c < WV_CHUNKS; c++, i = c << WV_CHUNK_BITS) {
        struct wv_chunk *ch = wv_chunks[c];
        if (!ch || !ch->n_used)
            continue;
        for (size_t k = i & (WV_CHUNK - 1); k < WV_CHUNK; k = (k | 63) + 1) {
            uint64_t bits = ch->used[k / 64] & (~(uint64_t)0 << (k % 64));
            if (bits)
                return (c << WV_CHUNK_BITS) + (k & ~(size_t)63) + (size_t)__builtin_ctzll(bits);
        }
    }
    return WV_MAX_HANDLES;
}

void wv_object_ref(struct wv_object *o) { __atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED); }

bool wv_object_ref_live(struct wv_object *o)
{
    int refs = __atomic_load_n(&o->refs, __ATOMIC_RELAXED);
    while (refs > 0)
        if (__atomic_compare_exchange_n(&o->refs, &refs, refs + 1, true, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            return true;
    return false;
}

void wv_object_unref(struct wv_object *o)
{
    if (o && __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        wv_ob_name_drop(o);
        o->destroy(o);
    }
}

/* The rights a handle to o holds for access: a kind with a generic mapping (access.c) never
 * keeps a generic right, it holds what the right stands for (Windows maps them at every open
 * and duplicate: OpenProcess(GENERIC_READ) may read the process's memory). */
static DWORD wv_handle_rights(const struct wv_object *o, DWORD access)
{
    const struct wv_ob_access *a = wv_ob_access_of(o->kind);
    return a ? wv_ob_map_generic(access, &a->map) : access;
}

HANDLE wv_handle_new(struct wv_object *o, DWORD access)
{
    access = wv_handle_rights(o, access);
    pthread_mutex_lock(&wv_handles_lock);
    size_t i = wv_slot_free();
    if (i < WV_MAX_HANDLES) {
        wv_object_ref(o);
        wv_slot_fill(i, (struct wv_slot){o, access, 0});
        if (o->on_handle)
            o->on_handle(o, +1);
    }
    pthread_mutex_unlock(&wv_handles_lock);
    return i == WV_MAX_HANDLES ? NULL : (HANDLE)((i + 1) * 4);
}

/* The one place a handle value becomes a slot.  Windows ignores a handle's low two bits (the
 * tag bits applications may use: WaitForSingleObject(h | 3) waits on h), so they are masked
 * here; the pseudo handles (-1 .. -6) are no slot before or after, and stay refused. */
static bool wv_slot_of(HANDLE h, size_t *i)
{
    uintptr_t v = (uintptr_t)h;
    if (wv_handle_pseudo(h))
        return false;
    v &= ~(uintptr_t)3;
    if (v == 0 || v / 4 > WV_MAX_HANDLES)
        return false;
    *i = v / 4 - 1;
    return true;
}

struct wv_object *wv_handle_get(HANDLE h, int kind, DWORD *access)
{
    size_t i;
    struct wv_object *o = NULL;
    if (!wv_slot_of(h, &i))
        return NULL;
    pthread_mutex_lock(&wv_handles_lock);
    struct wv_slot *s = wv_slot_at(i);
    if (s && s->obj && (kind == WV_KIND_ANY || s->obj->kind == kind)) {
        o = s->obj;
        wv_object_ref(o);
        if (access)
            *access = s->access;
    }
    pthread_mutex_unlock(&wv_handles_lock);
    return o;
}

/* Whether a slot's object may be closed by a call asking for kind (WV_KIND_ANY: CloseHandle,
 * which leaves find handles alone). */
static bool wv_kind_fits(const struct wv_object *o, int kind)
{
    return o && (kind == WV_KIND_ANY ? o->kind != WV_KIND_FIND : o->kind == kind);
}

DWORD wv_handle_close(HANDLE h) { return wv_handle_close_kind(h, WV_KIND_ANY); }

DWORD wv_handle_close_api(HANDLE h) { return wv_handle_pseudo(h) ? 0 : wv_handle_close(h); }

DWORD wv_handle_close_kind(HANDLE h, int kind)
{
    size_t i;
    struct wv_object *o = NULL;
    if (wv_slot_of(h, &i)) {
        pthread_mutex_lock(&wv_handles_lock);
        /* a protected handle is not closed (Windows' STATUS_HANDLE_NOT_CLOSABLE) */
        struct wv_slot *s = wv_slot_at(i);
        if (s && wv_kind_fits(s->obj, kind) && !(s->flags & 2))
            o = wv_slot_empty(i);
        pthread_mutex_unlock(&wv_handles_lock);
    }
    if (!o)
        return ERROR_INVALID_HANDLE;
    /* The slot is free and its reference ours: the object hears of the close after the table
     * lock is released, since it may block (a named section takes a cross-process lock). */
    if (o->on_handle)
        o->on_handle(o, -1);
    wv_object_unref(o);
    return 0;
}

DWORD wv_handle_flags(HANDLE h, DWORD mask, DWORD value, DWORD *old)
{
    size_t i;
    DWORD err = ERROR_INVALID_HANDLE;
    if (!wv_slot_of(h, &i))
        return err;
    pthread_mutex_lock(&wv_handles_lock);
    struct wv_slot *s = wv_slot_at(i);
    if (s && wv_kind_fits(s->obj, WV_KIND_ANY)) {
        if (old)
            *old = s->flags;
        mask &= 3;
        s->flags = (s->flags & ~mask) | (value & mask);
        err = 0;
    }
    pthread_mutex_unlock(&wv_handles_lock);
    return err;
}

DWORD (*wv_ob_duplicate_remote)(HANDLE sp, HANDLE src, HANDLE dp, HANDLE *dst, DWORD access, BOOL inherit,
                                DWORD options);

DWORD wv_handle_move(HANDLE from, HANDLE to, DWORD flags)
{
    size_t i, j;
    if (!wv_slot_of(from, &i) || !wv_slot_of(to, &j))
        return ERROR_INVALID_HANDLE;
    DWORD err = 0;
    pthread_mutex_lock(&wv_handles_lock);
    struct wv_slot *s = wv_slot_at(i);
    if (!s || !s->obj)
        err = ERROR_INVALID_HANDLE;
    else if (i != j && wv_obj_at(j))
        err = ERROR_ALREADY_EXISTS;
    else if (!wv_chunk_ready(j >> WV_CHUNK_BITS))
        err = ERROR_NOT_ENOUGH_MEMORY;
    else {
        struct wv_slot v = *s;
        v.obj = wv_slot_empty(i);
        v.flags = flags & 3;
        wv_slot_fill(j, v);
    }
    pthread_mutex_unlock(&wv_handles_lock);
    return err;
}

size_t wv_handle_inheritable(HANDLE *out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&wv_handles_lock);
    for (size_t i = wv_slot_next(0); i < WV_MAX_HANDLES && n < cap; i = wv_slot_next(i + 1))
        if (wv_slot_at(i)->flags & 1)
            out[n++] = (HANDLE)((i + 1) * 4);
    pthread_mutex_unlock(&wv_handles_lock);
    return n;
}

DWORD wv_handle_duplicate(HANDLE src_process, HANDLE src, HANDLE dst_process, HANDLE *dst,
                          DWORD access, DWORD options)
{
    size_t i = 0;
    if (src_process != WV_CURRENT_PROCESS || dst_process != WV_CURRENT_PROCESS ||
        (src != WV_CURRENT_PROCESS && src != WV_CURRENT_THREAD && !wv_slot_of(src, &i)))
        return ERROR_INVALID_HANDLE;
    if (options & ~(DWORD)(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS))
        return ERROR_INVALID_PARAMETER;
    struct wv_object *o = NULL;
    DWORD granted = 0x001FFFFF; /* PROCESS_ALL_ACCESS: what the pseudo handle grants */
    if (src == WV_CURRENT_PROCESS) {
        o = wv_ob_self_process ? wv_ob_self_process() : NULL;
    } else if (src == WV_CURRENT_THREAD) { /* a real handle to the calling thread, as Windows */
        o = wv_ob_self_thread ? wv_ob_self_thread() : NULL;
        granted = 0x001FFFFF; /* THREAD_ALL_ACCESS: what the pseudo handle grants */
    } else {
        pthread_mutex_lock(&wv_handles_lock);
        struct wv_slot *s = wv_slot_at(i);
        o = s && wv_kind_fits(s->obj, WV_KIND_ANY) ? s->obj : NULL;
        granted = o ? s->access : 0;
        if (o)
            wv_object_ref(o);
        pthread_mutex_unlock(&wv_handles_lock);
    }
    if (!o)
        return ERROR_INVALID_HANDLE;
    /* A duplicate may have less access than its source, never more. */
    DWORD want = (options & DUPLICATE_SAME_ACCESS) ? granted : wv_handle_rights(o, access) & granted;
    HANDLE h = dst ? wv_handle_new(o, want) : NULL;
    wv_object_unref(o);
    if (!h) /* no dst, or a full table */
        return dst ? ERROR_TOO_MANY_OPEN_FILES : ERROR_INVALID_PARAMETER;
    *dst = h;
    if (options & DUPLICATE_CLOSE_SOURCE)
        wv_handle_close(src); /* closed meanwhile by another thread: the duplicate stands */
    return 0;
}

/* The public call stays here, not in win32/, while loader.c (a layer win32 is not below)
 * calls it. */

struct wv_object *wv_handle_info(HANDLE h, DWORD *access, DWORD *flags)
{
    size_t i;
    struct wv_object *o = NULL;
    if (!wv_slot_of(h, &i))
        return NULL;
    pthread_mutex_lock(&wv_handles_lock);
    struct wv_slot *s = wv_slot_at(i);
    if (s && wv_kind_fits(s->obj, WV_KIND_ANY)) {
        o = s->obj;
        *access = s->access, *flags = s->flags;
        wv_object_ref(o);
    }
    pthread_mutex_unlock(&wv_handles_lock);
    return o;
}

DWORD wv_handle_count(const struct wv_object *o)
{
    DWORD n = 0;
    pthread_mutex_lock(&wv_handles_lock);
    for (size_t j = wv_slot_next(0); j < WV_MAX_HANDLES; j = wv_slot_next(j + 1))
        n += wv_obj_at(j) == o;
    pthread_mutex_unlock(&wv_handles_lock);
    return n;
}

struct wv_object *wv_handle_find(int kind, bool (*match)(const struct wv_object *o, const void *arg), const void *arg)
{
    struct wv_object *o = NULL;
    pthread_mutex_lock(&wv_handles_lock);
    for (size_t j = wv_slot_next(0); j < WV_MAX_HANDLES && !o; j = wv_slot_next(j + 1)) {
        struct wv_object *x = wv_obj_at(j);
        if (x->kind == kind && match(x, arg))
            wv_object_ref(o = x);
    }
    pthread_mutex_unlock(&wv_handles_lock);
    return o;
}

DWORD wv_handle_total(void)
{
    pthread_mutex_lock(&wv_handles_lock);
    DWORD n = (DWORD)wv_live;
    pthread_mutex_unlock(&wv_handles_lock);
    return n;
}
