/* SPDX-License-Identifier: MIT */
/* lookup.c - which function covers an address: the exception directory (.pdata) of the image
 * holding it, or a table PE code added at run time (RtlAddFunctionTable, or a callback with
 * RtlInstallFunctionTableCallback, for generated code).
 *
 * An image is found from the address space itself (the MEM_IMAGE view holding the address,
 * whose section keeps the parsed headers), not from the loader's module list: no loader lock
 * is taken, so a thread whose DllMain waits cannot stop another thread's exception.  Entries
 * are read with wv_copy: an unmapped or protected table is "no entry", never a crash.
 *
 * Run-time tables live in a fixed array.  Editors take wv_seh_table_lock; readers (the
 * dispatcher, and the fault handler asking whether an address is PE code) read each slot under
 * its sequence count, retrying while it is odd or moved.
 */
#include "seh/seh.h"

#include <pthread.h>
#include <string.h>

/* ---- images ---- */

struct wv_image_dir {
    DWORD64 base, size;
    DWORD rva, len;
};

static bool wv_image_of(DWORD64 pc, struct wv_image_dir *out)
{
    if (wv_space_locked_by_self())
        return false; /* a fault under the lock: not PE code's */
    wv_space_lock();
    const struct wv_view *v = wv_space_find((uintptr_t)pc);
    bool ok = v && v->type == MEM_IMAGE && v->section && v->section->image;
    if (ok) {
        const struct wv_image *img = v->section->image;
        out->base = v->base;
        out->size = img->size;
        out->rva = img->pe.dirs[WV_PE_DIR_EXCEPTION].rva;
        out->len = img->pe.dirs[WV_PE_DIR_EXCEPTION].size;
    }
    wv_space_unlock();
    return ok;
}

/* Bisection over n entries at table (sorted, as linkers write .pdata); *hit is the entry's
 * copy. */
static PRUNTIME_FUNCTION wv_search(DWORD64 table, size_t n, DWORD rel, RUNTIME_FUNCTION *hit)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        RUNTIME_FUNCTION f;
        if (!wv_seh_read(&f, table + mid * sizeof(f), sizeof(f)))
            return NULL;
        if (rel < f.BeginAddress)
            hi = mid;
        else if (rel >= f.EndAddress)
            lo = mid + 1;
        else {
            *hit = f;
            return (PRUNTIME_FUNCTION)(uintptr_t)(table + mid * sizeof(f));
        }
    }
    return NULL;
}

/* ---- the thread's cache of image lookups ----
 *
 * An unwind looks the same return addresses up again and again (a C++ throw raises once more
 * for each frame with a cleanup and walks up to the catch each time: bench row 21), and each
 * lookup took the space lock and bisected the .pdata through wv_copy.  A thread keeps its last
 * hits: the function's range, its entry and the image base, valid while no image view has
 * been removed since (wv_space_image_gen, read before the lookup that filled the slot, so a
 * removal during it leaves the slot stale).  Only image hits are kept: run-time tables are
 * looked up as before.  What is not seen: a program rewriting its own .pdata in place. */
#define WV_FE_CACHE 32

struct wv_fe_hit {
    DWORD64 lo, hi, base; /* the function [lo, hi), its image's base */
    PRUNTIME_FUNCTION fe;
    unsigned long gen;
};
static __thread __attribute__((tls_model("initial-exec"))) struct wv_fe_hit wv_fe_cache[WV_FE_CACHE];

static struct wv_fe_hit *wv_fe_slot(DWORD64 pc) { return &wv_fe_cache[(pc >> 3) % WV_FE_CACHE]; }

/* ---- run-time tables ---- */

#define WV_TABLES 256

struct wv_table {
    unsigned seq;   /* odd while edited */
    bool live;
    DWORD64 id;     /* the table's address, or the callback's identifier */
    DWORD64 base, lo, hi;
    DWORD count;
    PGET_RUNTIME_FUNCTION_CALLBACK cb;
    PVOID context;
};

static struct wv_table wv_tables[WV_TABLES];
static pthread_mutex_t wv_seh_table_lock = PTHREAD_MUTEX_INITIALIZER;

/* A consistent copy of slot i; false when it is not live. */
static bool wv_table_get(unsigned i, struct wv_table *out)
{
    struct wv_table *t = &wv_tables[i];
    for (;;) {
        unsigned s = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
        if (s & 1) {
            __builtin_ia32_pause();
            continue;
        }
        memcpy(out, t, sizeof(*out));
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&t->seq, __ATOMIC_RELAXED) == s)
            return out->live;
    }
}

static void wv_table_set(unsigned i, const struct wv_table *val)
{
    struct wv_table *t = &wv_tables[i];
    unsigned s = t->seq;
    __atomic_store_n(&t->seq, s + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->live = val->live, t->id = val->id, t->base = val->base, t->lo = val->lo, t->hi = val->hi;
    t->count = val->count, t->cb = val->cb, t->context = val->context;
    __atomic_store_n(&t->seq, s + 2, __ATOMIC_RELEASE);
}

static bool wv_table_find(DWORD64 pc, struct wv_table *out)
{
    for (unsigned i = 0; i < WV_TABLES; i++)
        if (wv_table_get(i, out) && pc >= out->lo && pc < out->hi)
            return true;
    return false;
}

static BOOLEAN wv_table_insert(const struct wv_table *val)
{
    pthread_mutex_lock(&wv_seh_table_lock);
    unsigned i = 0;
    while (i < WV_TABLES && wv_tables[i].live)
        i++;
    if (i < WV_TABLES)
        wv_table_set(i, val);
    pthread_mutex_unlock(&wv_seh_table_lock);
    return i < WV_TABLES;
}

BOOLEAN wv_seh_table_add(PRUNTIME_FUNCTION table, DWORD count, DWORD64 base)
{
    struct wv_table t = {.live = true, .id = (uintptr_t)table, .base = base, .count = count};
    DWORD lo = ~0u, hi = 0;
    for (DWORD i = 0; i < count; i++) {
        RUNTIME_FUNCTION f;
        if (!wv_seh_read(&f, (uintptr_t)(table + i), sizeof(f)))
            return FALSE;
        lo = f.BeginAddress < lo ? f.BeginAddress : lo;
        hi = f.EndAddress > hi ? f.EndAddress : hi;
    }
    if (!table || (count && lo >= hi))
        return FALSE;
    if (!count) /* Windows keeps an empty table too: it covers nothing, and deleting it succeeds once */
        lo = hi = 0;
    t.lo = base + lo, t.hi = base + hi;
    return wv_table_insert(&t);
}

BOOLEAN wv_seh_table_callback(DWORD64 id, DWORD64 base, DWORD length, PGET_RUNTIME_FUNCTION_CALLBACK cb,
                              PVOID context)
{
    /* Windows tells a callback's identifier from a table's address by its two low bits. */
    if ((id & 3) != 3 || !cb || !length || base + length < base)
        return FALSE;
    struct wv_table t = {.live = true, .id = id, .base = base, .lo = base, .hi = base + length,
                         .cb = cb, .context = context};
    return wv_table_insert(&t);
}

BOOLEAN wv_seh_table_delete(PRUNTIME_FUNCTION table)
{
    BOOLEAN found = FALSE;
    pthread_mutex_lock(&wv_seh_table_lock);
    for (unsigned i = 0; i < WV_TABLES && !found; i++)
        if (wv_tables[i].live && wv_tables[i].id == (uintptr_t)table) {
            struct wv_table dead = wv_tables[i];
            dead.live = false;
            wv_table_set(i, &dead);
            found = TRUE;
        }
    pthread_mutex_unlock(&wv_seh_table_lock);
    return found;
}

/* The entry of a run-time table covering pc (linear: such tables are short). */
static PRUNTIME_FUNCTION wv_table_entry(const struct wv_table *t, DWORD64 pc)
{
    if (t->cb)
        return t->cb(pc, t->context);
    DWORD rel = (DWORD)(pc - t->base);
    for (DWORD i = 0; i < t->count; i++) {
        RUNTIME_FUNCTION f;
        DWORD64 at = t->id + (DWORD64)i * sizeof(f);
        if (!wv_seh_read(&f, at, sizeof(f)))
            return NULL;
        if (rel >= f.BeginAddress && rel < f.EndAddress)
            return (PRUNTIME_FUNCTION)(uintptr_t)at;
    }
    return NULL;
}

/* ---- the lookups ---- */

PRUNTIME_FUNCTION wv_seh_lookup_in(DWORD64 pc, DWORD64 *base, bool *image)
{
    struct wv_image_dir d;
    struct wv_fe_hit *h = wv_fe_slot(pc);
    unsigned long gen = __atomic_load_n(&wv_space_image_gen, __ATOMIC_ACQUIRE);
    *image = true;
    if (h->fe && h->gen == gen && pc >= h->lo && pc < h->hi) {
        *base = h->base;
        return h->fe;
    }
    *base = 0;
    if (wv_image_of(pc, &d)) {
        RUNTIME_FUNCTION f;
        *base = d.base;
        if (!d.rva || d.len < sizeof(RUNTIME_FUNCTION) || (DWORD64)d.rva + d.len > d.size)
            return NULL;
        PRUNTIME_FUNCTION fe = wv_search(d.base + d.rva, d.len / sizeof(RUNTIME_FUNCTION), (DWORD)(pc - d.base), &f);
        if (fe)
            *h = (struct wv_fe_hit){.lo = d.base + f.BeginAddress, .hi = d.base + f.EndAddress, .base = d.base,
                                    .fe = fe, .gen = gen};
        return fe;
    }
    struct wv_table t;
    *image = false;
    if (!wv_table_find(pc, &t))
        return NULL;
    *base = t.base;
    return wv_table_entry(&t, pc);
}

PRUNTIME_FUNCTION wv_seh_lookup(DWORD64 pc, DWORD64 *base)
{
    bool image;
    return wv_seh_lookup_in(pc, base, &image);
}

bool wv_seh_is_pe(DWORD64 pc)
{
    struct wv_image_dir d;
    struct wv_table t;
    return wv_image_of(pc, &d) || wv_table_find(pc, &t);
}

bool wv_seh_in_view(DWORD64 pc)
{
    if (wv_space_locked_by_self())
        return false; /* a fault under the lock: winvm's own */
    wv_space_lock();
    bool in = wv_space_find((uintptr_t)pc) != NULL;
    wv_space_unlock();
    return in;
}

void *wv_seh_image_base(DWORD64 pc)
{
    struct wv_image_dir d;
    return wv_image_of(pc, &d) ? (void *)(uintptr_t)d.base : NULL;
}
