/* SPDX-License-Identifier: MIT */
/* vectored.c - the two lists of vectored handlers: exception handlers, called before any
 * frame-based handler, and continue handlers, called when an exception is about to be
 * continued because a vectored or a frame-based handler (or the top-level filter) answered
 * EXCEPTION_CONTINUE_EXECUTION, as Windows' RtlDispatchException calls them.
 *
 * Dispatch runs inside the fault handler, so it allocates nothing and takes no lock: each list
 * is a fixed table read under a sequence count.  Add and Remove (never called from a signal
 * handler by winvm) take wv_handlers_lock, make the list's count odd, edit, make it even;
 * dispatch copies the call order and retries if the count moved.  Entries are never freed, so
 * a handler being removed while another thread runs it is safe; a removed slot is reused only
 * after its generation changes the handle.  A handle names its list: one list's Remove never
 * removes the other's handler (Windows: RtlRemoveVectoredExceptionHandler fails on a continue
 * handler's handle).
 */
#define _GNU_SOURCE
#include "fault/fault.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>

#define WV_MAX_HANDLERS 256
#define WV_KIND_BIT 0x8000u /* in a handle: a continue handler's */

struct wv_handler {
    PVECTORED_EXCEPTION_HANDLER fn;
    unsigned gen; /* bumped on every reuse: a stale handle no longer matches */
    bool live;
};

struct wv_vlist {
    struct wv_handler h[WV_MAX_HANDLERS];
    unsigned short order[WV_MAX_HANDLERS]; /* call order: indexes into h */
    unsigned n;
    unsigned seq; /* odd while the list is being edited */
};

/* [0] exception handlers, [1] continue handlers.  Edited under wv_handlers_lock. */
static struct wv_vlist wv_lists[2];
static pthread_mutex_t wv_handlers_lock = PTHREAD_MUTEX_INITIALIZER;

/* Set while this thread edits a list: a fault in a signal handler that interrupted the edit
 * must not wait for it to end. */
static __thread bool wv_editing;

/* Handles are (slot + 1) | kind | gen << 16, so NULL is never a handle. */
static PVOID wv_handle_of(unsigned kind, unsigned slot)
{
    return (PVOID)(uintptr_t)((slot + 1) | (kind ? WV_KIND_BIT : 0) | (uintptr_t)wv_lists[kind].h[slot].gen << 16);
}

static void wv_edit_begin(struct wv_vlist *l)
{
    wv_editing = true;
    __atomic_store_n(&l->seq, l->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void wv_edit_end(struct wv_vlist *l)
{
    __atomic_store_n(&l->seq, l->seq + 1, __ATOMIC_RELEASE);
    wv_editing = false;
}

static PVOID wv_vadd(unsigned kind, ULONG first, PVECTORED_EXCEPTION_HANDLER fn)
{
    wv_fault_attach();
    if (!fn) {
        wv_set_error(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    struct wv_vlist *l = &wv_lists[kind];
    pthread_mutex_lock(&wv_handlers_lock);
    unsigned slot = 0;
    while (slot < WV_MAX_HANDLERS && l->h[slot].live)
        slot++;
    if (slot == WV_MAX_HANDLERS) {
        pthread_mutex_unlock(&wv_handlers_lock);
        wv_set_error(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    wv_edit_begin(l);
    l->h[slot].fn = fn;
    l->h[slot].gen = (l->h[slot].gen + 1) & 0xffff;
    l->h[slot].live = true;
    if (first) {
        memmove(l->order + 1, l->order, l->n * sizeof(l->order[0]));
        l->order[0] = (unsigned short)slot;
    } else
        l->order[l->n] = (unsigned short)slot;
    l->n++;
    wv_edit_end(l);
    PVOID h = wv_handle_of(kind, slot);
    pthread_mutex_unlock(&wv_handlers_lock);
    return h;
}

static ULONG wv_vremove(unsigned kind, PVOID handle)
{
    uintptr_t h = (uintptr_t)handle;
    unsigned slot = (unsigned)(h & (WV_KIND_BIT - 1)) - 1;
    struct wv_vlist *l = &wv_lists[kind];
    ULONG removed = 0;
    pthread_mutex_lock(&wv_handlers_lock);
    if (h && slot < WV_MAX_HANDLERS && l->h[slot].live && wv_handle_of(kind, slot) == handle) {
        wv_edit_begin(l);
        l->h[slot].live = false;
        unsigned k = 0;
        while (l->order[k] != slot)
            k++;
        memmove(l->order + k, l->order + k + 1, (l->n - k - 1) * sizeof(l->order[0]));
        l->n--;
        wv_edit_end(l);
        removed = 1;
    }
    pthread_mutex_unlock(&wv_handlers_lock);
    return removed;
}

PVOID WINAPI AddVectoredExceptionHandler(ULONG first, PVECTORED_EXCEPTION_HANDLER fn) { return wv_vadd(0, first, fn); }
ULONG WINAPI RemoveVectoredExceptionHandler(PVOID handle) { return wv_vremove(0, handle); }
PVOID WINAPI AddVectoredContinueHandler(ULONG first, PVECTORED_EXCEPTION_HANDLER fn) { return wv_vadd(1, first, fn); }
ULONG WINAPI RemoveVectoredContinueHandler(PVOID handle) { return wv_vremove(1, handle); }

/* Copies a list's handlers in call order; returns how many. */
static unsigned wv_snapshot(const struct wv_vlist *l, PVECTORED_EXCEPTION_HANDLER *out)
{
    for (int tries = 0;; tries++) {
        unsigned seq = __atomic_load_n(&l->seq, __ATOMIC_ACQUIRE);
        /* Another thread's edit ends soon (it may be preempted: yield after a while).  An
         * edit on this very thread, interrupted by the signal we are handling, never ends
         * while we wait: take the list as it stands; every entry in it is a valid function. */
        if ((seq & 1) && !wv_editing) {
            if (tries > 100)
                sched_yield();
            else
                __builtin_ia32_pause();
            continue;
        }
        unsigned n = __atomic_load_n(&l->n, __ATOMIC_RELAXED);
        if (n > WV_MAX_HANDLERS)
            n = WV_MAX_HANDLERS;
        unsigned m = 0;
        for (unsigned k = 0; k < n; k++) {
            const struct wv_handler *e = &l->h[l->order[k] % WV_MAX_HANDLERS];
            PVECTORED_EXCEPTION_HANDLER fn = __atomic_load_n(&e->fn, __ATOMIC_RELAXED);
            if (fn)
                out[m++] = fn;
        }
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&l->seq, __ATOMIC_RELAXED) == seq || wv_editing)
            return m;
    }
}

/* Calls a list in order until one answers EXCEPTION_CONTINUE_EXECUTION: true then. */
static bool wv_vcall(const struct wv_vlist *l, EXCEPTION_POINTERS *ep)
{
    PVECTORED_EXCEPTION_HANDLER fns[WV_MAX_HANDLERS];
    unsigned n = wv_snapshot(l, fns);
    for (unsigned k = 0; k < n; k++)
        if (fns[k](ep) == EXCEPTION_CONTINUE_EXECUTION)
            return true;
    return false;
}

bool wv_vectored(EXCEPTION_POINTERS *ep) { return wv_vcall(&wv_lists[0], ep); }

/* A continue handler's EXCEPTION_CONTINUE_EXECUTION ends the list early; either way the
 * exception is continued (the caller's decision, taken before). */
void wv_vectored_continue(EXCEPTION_POINTERS *ep) { (void)wv_vcall(&wv_lists[1], ep); }

bool wv_vectored_any(void) { return __atomic_load_n(&wv_lists[0].n, __ATOMIC_RELAXED) != 0; }
