/* SPDX-License-Identifier: MIT */
/* veh.c - vectored exception and continue handlers for PE code: ntdll's
 * RtlAdd/RtlRemoveVectoredExceptionHandler and RtlAdd/RtlRemoveVectoredContinueHandler, which
 * kernel32 exports as Add/RemoveVectored*Handler (Windows' kernel32 forwards them to ntdll).
 *
 * A PE handler is an ms_abi function; fault/vectored.c calls handlers with the host
 * convention.  Each PE handler gets one of a fixed set of host shims, which calls the ms_abi
 * function stored in its slot; a shim serves an exception handler or a continue handler, as it
 * was registered.  Add returns vectored.c's handle for the shim, so Remove takes it unchanged
 * (and the wrong kind's Remove fails there, as on Windows).  A slot is reused only after its
 * shim was removed; a dispatch that copied a handler list just before the removal may still
 * call the shim, which then finds the slot empty (search on) or, if it was reused at once,
 * its new handler.  Windows does not look at the handler pointer when it is added. */
#include "runtime/runtime.h"
#include "runtime/thunk.h"

#include <pthread.h>

typedef LONG(__attribute__((ms_abi)) * wv_ms_handler)(PEXCEPTION_POINTERS);

#define WV_PE_HANDLERS 64

/* Written under wv_pe_handler_lock; wv_pe_handler read without it by the shims. */
static wv_ms_handler wv_pe_handler[WV_PE_HANDLERS];
static PVOID wv_pe_handle[WV_PE_HANDLERS];
static pthread_mutex_t wv_pe_handler_lock = PTHREAD_MUTEX_INITIALIZER;

/* Runs in the fault handler: one atomic load, no lock. */
static LONG wv_pe_handler_call(unsigned k, PEXCEPTION_POINTERS ep)
{
    wv_ms_handler fn = __atomic_load_n(&wv_pe_handler[k], __ATOMIC_ACQUIRE);
    return fn ? fn(ep) : EXCEPTION_CONTINUE_SEARCH;
}

#define WV_SHIM(i, j)                                                                       \
    static LONG wv_shim_##i##_##j(PEXCEPTION_POINTERS ep) { return wv_pe_handler_call(i * 8 + j, ep); }
#define WV_SHIM8(i)                                                                         \
    WV_SHIM(i, 0) WV_SHIM(i, 1) WV_SHIM(i, 2) WV_SHIM(i, 3)                                 \
    WV_SHIM(i, 4) WV_SHIM(i, 5) WV_SHIM(i, 6) WV_SHIM(i, 7)
WV_SHIM8(0) WV_SHIM8(1) WV_SHIM8(2) WV_SHIM8(3) WV_SHIM8(4) WV_SHIM8(5) WV_SHIM8(6) WV_SHIM8(7)

#define WV_SHIM_REF8(i)                                                                     \
    wv_shim_##i##_0, wv_shim_##i##_1, wv_shim_##i##_2, wv_shim_##i##_3, wv_shim_##i##_4,      \
        wv_shim_##i##_5, wv_shim_##i##_6, wv_shim_##i##_7
static const PVECTORED_EXCEPTION_HANDLER wv_shims[WV_PE_HANDLERS] = {
    WV_SHIM_REF8(0), WV_SHIM_REF8(1), WV_SHIM_REF8(2), WV_SHIM_REF8(3),
    WV_SHIM_REF8(4), WV_SHIM_REF8(5), WV_SHIM_REF8(6), WV_SHIM_REF8(7)};

static PVOID wv_pe_add(ULONG first, wv_ms_handler fn, PVOID (*add)(ULONG, PVECTORED_EXCEPTION_HANDLER))
{
    if (!fn)
        return add(first, NULL); /* its error for a NULL handler */
    pthread_mutex_lock(&wv_pe_handler_lock);
    unsigned k = 0;
    while (k < WV_PE_HANDLERS && wv_pe_handler[k])
        k++;
    PVOID h = NULL;
    if (k == WV_PE_HANDLERS) {
        wv_set_error(ERROR_NOT_ENOUGH_MEMORY); /* what vectored.c says when its list is full */
    } else {
        __atomic_store_n(&wv_pe_handler[k], fn, __ATOMIC_RELEASE);
        h = wv_pe_handle[k] = add(first, wv_shims[k]);
        if (!h)
            __atomic_store_n(&wv_pe_handler[k], NULL, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&wv_pe_handler_lock);
    return h;
}

static ULONG wv_pe_remove(PVOID h, ULONG (*remove)(PVOID))
{
    pthread_mutex_lock(&wv_pe_handler_lock);
    ULONG removed = remove(h);
    for (unsigned k = 0; removed && k < WV_PE_HANDLERS; k++)
        if (wv_pe_handler[k] && wv_pe_handle[k] == h) {
            __atomic_store_n(&wv_pe_handler[k], NULL, __ATOMIC_RELEASE);
            wv_pe_handle[k] = NULL;
        }
    pthread_mutex_unlock(&wv_pe_handler_lock);
    return removed;
}

WV_MSABI PVOID k32_AddVectoredExceptionHandler(ULONG first, void *fn)
{
    return wv_pe_add(first, (wv_ms_handler)fn, AddVectoredExceptionHandler);
}
WV_MSABI ULONG k32_RemoveVectoredExceptionHandler(PVOID h) { return wv_pe_remove(h, RemoveVectoredExceptionHandler); }
WV_MSABI PVOID k32_AddVectoredContinueHandler(ULONG first, void *fn)
{
    return wv_pe_add(first, (wv_ms_handler)fn, AddVectoredContinueHandler);
}
WV_MSABI ULONG k32_RemoveVectoredContinueHandler(PVOID h) { return wv_pe_remove(h, RemoveVectoredContinueHandler); }
