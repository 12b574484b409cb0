/* SPDX-License-Identifier: MIT */
/* handle.c - the process's handle table: HANDLE values for files and sections.
 *
 * A HANDLE is (slot + 1) * 4, as Windows' handles are multiples of 4, so it is never NULL
 * nor INVALID_HANDLE_VALUE.  Each slot holds a counted reference to an object and the access
 * the handle grants.  Objects are reference counted: a handle is one reference, a mapped view
 * another, so CloseHandle never frees what a view still uses.
 */
#include "ob/ob.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define WV_MAX_HANDLES 4096

struct wv_slot {
    struct wv_object *obj;
    DWORD access;
    DWORD flags; /* HANDLE_FLAG_INHERIT, HANDLE_FLAG_PROTECT_FROM_CLOSE */
};

static struct wv_slot wv_slots[WV_MAX_HANDLES];
struct wv_object *(*wv_ob_self_process)(void);
struct wv_object *(*wv_ob_self_thread)(void);
static pthread_mutex_t wv_handles_lock = PTHREAD_MUTEX_INITIALIZER;

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
    size_t i = 0;
    while (i < WV_MAX_HANDLES && wv_slots[i].obj)
        i++;
    if (i < WV_MAX_HANDLES) {
        wv_object_ref(o);
        wv_slots[i] = (struct wv_slot){o, access, 0};
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
    if (wv_slots[i].obj && (kind == WV_KIND_ANY || wv_slots[i].obj->kind == kind)) {
        o = wv_slots[i].obj;
        wv_object_ref(o);
        if (access)
            *access = wv_slots[i].access;
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
        if (wv_kind_fits(wv_slots[i].obj, kind) && !(wv_slots[i].flags & 2)) {
            o = wv_slots[i].obj;
            wv_slots[i].obj = NULL;
        }
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
    if (wv_kind_fits(wv_slots[i].obj, WV_KIND_ANY)) {
        if (old)
            *old = wv_slots[i].flags;
        mask &= 3;
        wv_slots[i].flags = (wv_slots[i].flags & ~mask) | (value & mask);
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
    if (!wv_slots[i].obj)
        err = ERROR_INVALID_HANDLE;
    else if (i != j && wv_slots[j].obj)
        err = ERROR_ALREADY_EXISTS;
    else {
        struct wv_slot s = wv_slots[i];
        wv_slots[i].obj = NULL;
        s.flags = flags & 3;
        wv_slots[j] = s;
    }
    pthread_mutex_unlock(&wv_handles_lock);
    return err;
}

size_t wv_handle_inheritable(HANDLE *out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&wv_handles_lock);
    for (size_t i = 0; i < WV_MAX_HANDLES && n < cap; i++)
        if (wv_slots[i].obj && (wv_slots[i].flags & 1))
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
        o = wv_kind_fits(wv_slots[i].obj, WV_KIND_ANY) ? wv_slots[i].obj : NULL;
        granted = o ? wv_slots[i].access : 0;
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
    if (wv_kind_fits(wv_slots[i].obj, WV_KIND_ANY)) {
        o = wv_slots[i].obj;
        *access = wv_slots[i].access, *flags = wv_slots[i].flags;
        wv_object_ref(o);
    }
    pthread_mutex_unlock(&wv_handles_lock);
    return o;
}

DWORD wv_handle_count(const struct wv_object *o)
{
    DWORD n = 0;
    pthread_mutex_lock(&wv_handles_lock);
    for (size_t j = 0; j < WV_MAX_HANDLES; j++)
        n += wv_slots[j].obj == o;
    pthread_mutex_unlock(&wv_handles_lock);
    return n;
}

struct wv_object *wv_handle_find(int kind, bool (*match)(const struct wv_object *o, const void *arg), const void *arg)
{
    struct wv_object *o = NULL;
    pthread_mutex_lock(&wv_handles_lock);
    for (size_t j = 0; j < WV_MAX_HANDLES && !o; j++)
        if (wv_slots[j].obj && wv_slots[j].obj->kind == kind && match(wv_slots[j].obj, arg))
            wv_object_ref(o = wv_slots[j].obj);
    pthread_mutex_unlock(&wv_handles_lock);
    return o;
}
