/* SPDX-License-Identifier: MIT */
/* initonce.c - one-time initialisation (InitOnceExecuteOnce, InitOnceBeginInitialize,
 * InitOnceComplete; ntdll's RtlRunOnce* return the statuses these cores do: ntdll_synch.c).
 *
 * An INIT_ONCE is one pointer-sized word the program owns.  Its low two bits are its state,
 * as on Windows (Wine's test_initonce reads the word): 0 not begun; 1 being initialised by
 * one thread (synchronous: the others wait); 3 being initialised asynchronously (every caller
 * may try, the first completion wins); 2 done, the rest of the word the context (whose low two
 * bits must be clear: INIT_ONCE_CTX_RESERVED_BITS).  A waiter for a synchronous initialisation
 * marks the word (state 1 | WV_ONCE_WAITERS, where Windows links its waiters) and sleeps on
 * its low 32 bits; the completion that sees the mark wakes them all.  A failed synchronous
 * initialisation puts the word back to 0: the next caller begins again.
 *
 * Results (Windows', per Wine's test_initonce): Begin: STATUS_SUCCESS done (the context
 * given), STATUS_PENDING begun by this caller (the context untouched), STATUS_UNSUCCESSFUL
 * CHECK_ONLY and not done, STATUS_INVALID_PARAMETER CHECK_ONLY with ASYNC or a mode other
 * than the one in progress.  Complete: STATUS_INVALID_PARAMETER for a context with reserved
 * bits, INIT_FAILED with a context or with ASYNC, a mode other than the one in progress;
 * STATUS_UNSUCCESSFUL when nothing is in progress (not begun, or done). */
#include "runtime/synch_int.h"

#include <stdint.h>
#include <string.h>

#define WV_ONCE_STATE 3u
#define WV_ONCE_BUSY 1u
#define WV_ONCE_DONE 2u
#define WV_ONCE_ASYNC 3u
#define WV_ONCE_WAITERS 4u /* with WV_ONCE_BUSY: a thread sleeps on the word */

static uintptr_t *wv_once_word(PINIT_ONCE o) { return (uintptr_t *)(void *)o; } /* any alignment */

/* Sleeps until a synchronous initialisation seen as v ends. */
static void wv_once_wait(uintptr_t *w, uintptr_t v)
{
    uintptr_t marked = v | WV_ONCE_WAITERS;
    if (v == marked || __atomic_compare_exchange_n(w, &v, marked, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        wv_futex_wait((uint32_t *)w, (uint32_t)marked, WV_FOREVER);
}

NTSTATUS wv_once_begin(PINIT_ONCE o, ULONG flags, PVOID *ctx)
{
    uintptr_t *w = wv_once_word(o);
    bool async = (flags & INIT_ONCE_ASYNC) != 0;
    if ((flags & INIT_ONCE_CHECK_ONLY) && async)
        return STATUS_INVALID_PARAMETER;
    for (;;) {
        uintptr_t v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
        switch (v & WV_ONCE_STATE) {
        case WV_ONCE_DONE:
            if (ctx)
                *ctx = (PVOID)(v & ~(uintptr_t)WV_ONCE_STATE);
            return STATUS_SUCCESS;
        case 0:
            if (flags & INIT_ONCE_CHECK_ONLY)
                return STATUS_UNSUCCESSFUL;
            if (__atomic_compare_exchange_n(w, &v, async ? WV_ONCE_ASYNC : WV_ONCE_BUSY, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE))
                return STATUS_PENDING;
            break;
        case WV_ONCE_BUSY:
            if (flags & INIT_ONCE_CHECK_ONLY)
                return STATUS_UNSUCCESSFUL;
            if (async)
                return STATUS_INVALID_PARAMETER;
            wv_once_wait(w, v);
            break;
        default: /* asynchronous, in progress */
            if (flags & INIT_ONCE_CHECK_ONLY)
                return STATUS_UNSUCCESSFUL;
            return async ? STATUS_PENDING : STATUS_INVALID_PARAMETER;
        }
    }
}

NTSTATUS wv_once_complete(PINIT_ONCE o, ULONG flags, PVOID ctx)
{
    uintptr_t *w = wv_once_word(o), c = (uintptr_t)ctx;
    bool async = (flags & INIT_ONCE_ASYNC) != 0, failed = (flags & INIT_ONCE_INIT_FAILED) != 0;
    if ((c & WV_ONCE_STATE) || (failed && (c || async)))
        return STATUS_INVALID_PARAMETER;
    uintptr_t to = failed ? 0 : c | WV_ONCE_DONE;
    for (;;) {
        uintptr_t v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
        uintptr_t state = v & WV_ONCE_STATE;
        if (state != WV_ONCE_BUSY && state != WV_ONCE_ASYNC)
            return STATUS_UNSUCCESSFUL;
        if (async != (state == WV_ONCE_ASYNC))
            return STATUS_INVALID_PARAMETER;
        if (!__atomic_compare_exchange_n(w, &v, to, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            continue;
        if (v & WV_ONCE_WAITERS && state == WV_ONCE_BUSY)
            wv_futex_wake((uint32_t *)w, INT32_MAX);
        return STATUS_SUCCESS;
    }
}

typedef BOOL (*wv_once_host_fn)(PINIT_ONCE, PVOID, PVOID *);
typedef BOOL (*wv_once_pe_fn)(PINIT_ONCE, PVOID, PVOID *) WV_MSABI;

/* Its own function: gcc merges an if whose arms call one pointer through an ms_abi and a host
 * type into one host call (apc.c). */
__attribute__((noinline)) static BOOL wv_once_call_pe(void *fn, PINIT_ONCE o, PVOID param, PVOID *ctx)
{
    return ((wv_once_pe_fn)fn)(o, param, ctx);
}

NTSTATUS wv_once_execute(PINIT_ONCE o, void *fn, bool pe, PVOID param, PVOID *ctx)
{
    NTSTATUS st = wv_once_begin(o, 0, ctx);
    if (st != STATUS_PENDING)
        return st;
    BOOL ok = pe ? wv_once_call_pe(fn, o, param, ctx) : ((wv_once_host_fn)fn)(o, param, ctx);
    if (!ok) {
        wv_once_complete(o, INIT_ONCE_INIT_FAILED, NULL);
        return STATUS_UNSUCCESSFUL;
    }
    return wv_once_complete(o, 0, ctx ? *ctx : NULL);
}

void WINAPI InitOnceInitialize(PINIT_ONCE o) { memset(o, 0, sizeof(*o)); }

/* A failed initialisation leaves the last error as the function left it (Windows'). */
BOOL WINAPI InitOnceExecuteOnce(PINIT_ONCE o, PINIT_ONCE_FN fn, PVOID param, LPVOID *ctx)
{
    return wv_once_execute(o, (void *)fn, false, param, ctx) == STATUS_SUCCESS;
}

BOOL WINAPI InitOnceBeginInitialize(LPINIT_ONCE o, DWORD flags, PBOOL pending, LPVOID *ctx)
{
    NTSTATUS st = wv_once_begin(o, flags, ctx);
    if (st != STATUS_SUCCESS && st != STATUS_PENDING)
        return wv_fail(st == STATUS_UNSUCCESSFUL ? ERROR_GEN_FAILURE : ERROR_INVALID_PARAMETER);
    *pending = st == STATUS_PENDING;
    return TRUE;
}

BOOL WINAPI InitOnceComplete(LPINIT_ONCE o, DWORD flags, LPVOID ctx)
{
    NTSTATUS st = wv_once_complete(o, flags, ctx);
    if (st != STATUS_SUCCESS)
        return wv_fail(st == STATUS_UNSUCCESSFUL ? ERROR_GEN_FAILURE : ERROR_INVALID_PARAMETER);
    return TRUE;
}

/* PE code's InitOnceExecuteOnce: its callback is an ms_abi function (k32_exports.c). */
__attribute__((ms_abi, no_stack_protector)) BOOL wv_k32_InitOnceExecuteOnce(PINIT_ONCE o, PINIT_ONCE_FN fn,
                                                                          PVOID param, LPVOID *ctx)
{
    wv_seg_check();
    return wv_once_execute(o, (void *)fn, true, param, ctx) == STATUS_SUCCESS;
}
