/* SPDX-License-Identifier: MIT */
/* ntdll_ldrlock.c - LdrLockLoaderLock and LdrUnlockLoaderLock (ms_abi, for ntdll.c's export
 * table): the loader lock (the one DllMain runs under, wv_loader_lock) taken and given back by
 * PE code, with Windows' cookie: the taking thread's id in bits 16-27 and a count below, so an
 * unlock with another thread's cookie is refused (STATUS_INVALID_PARAMETER_2) and never breaks
 * the holder's hold (Wine's loader.c phase 4: a lock taken by one thread cannot be released by
 * another).  Flags: 1 raise on errors (accepted; the argument errors are returned), 2 try
 * only (*disposition 1 taken, 2 not); any other bit is STATUS_INVALID_PARAMETER_1.  A thread
 * that holds it is never ended by TerminateThread in PE code (thread_kill.c), only in a wait. */
#include "runtime/runtime.h"
#include "nt/nt.h"

#include <pthread.h>

#define WV_LDR_RAISE 1u
#define WV_LDR_TRY 2u
#define WV_ST_INVALID_PARAMETER_1 ((NTSTATUS)0xC00000EF)
#define WV_ST_INVALID_PARAMETER_2 ((NTSTATUS)0xC00000F0)
#define WV_ST_INVALID_PARAMETER_3 ((NTSTATUS)0xC00000F1)

static unsigned wv_ldr_count; /* atomic: the cookies' low part */

WV_MSABI NTSTATUS wv_nt_LdrLockLoaderLock(ULONG flags, ULONG *disposition, ULONG_PTR *cookie)
{
    if (flags & ~(WV_LDR_RAISE | WV_LDR_TRY))
        return WV_ST_INVALID_PARAMETER_1;
    ULONG_PTR none = 0;
    ULONG unknown = 0;
    if (!cookie || wv_copy(cookie, &none, sizeof(none)))
        return WV_ST_INVALID_PARAMETER_3;
    if ((flags & WV_LDR_TRY) && (!disposition || wv_copy(disposition, &unknown, sizeof(unknown))))
        return WV_ST_INVALID_PARAMETER_2;
    bool got = true;
    if (flags & WV_LDR_TRY)
        got = pthread_mutex_trylock(&wv_loader_lock) == 0;
    else
        pthread_mutex_lock(&wv_loader_lock);
    ULONG state = got ? 1 : 2;
    ULONG_PTR c = got ? ((ULONG_PTR)(wv_tid() & 0xfff) << 16) |
                            ((__atomic_add_fetch(&wv_ldr_count, 1, __ATOMIC_RELAXED)) & 0xffff)
                      : 0;
    if (disposition)
        (void)wv_copy(disposition, &state, sizeof(state));
    (void)wv_copy(cookie, &c, sizeof(c)); /* written above: it stays writable but for a race */
    return STATUS_SUCCESS;
}

WV_MSABI NTSTATUS wv_nt_LdrUnlockLoaderLock(ULONG flags, ULONG_PTR cookie)
{
    if (flags & ~WV_LDR_RAISE)
        return WV_ST_INVALID_PARAMETER_1;
    if (!cookie)
        return STATUS_SUCCESS; /* a try that did not take it: nothing to give back */
    if (((cookie >> 16) & 0xfff) != (wv_tid() & 0xfff) ||
        __atomic_load_n(&wv_loader_lock.__data.__owner, __ATOMIC_ACQUIRE) != (int)wv_tid())
        return WV_ST_INVALID_PARAMETER_2; /* another thread's hold, or none */
    pthread_mutex_unlock(&wv_loader_lock);
    return STATUS_SUCCESS;
}
