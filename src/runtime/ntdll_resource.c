/* SPDX-License-Identifier: MIT */
/* ntdll_resource.c - RTL_RWLOCK (Windows' RTL_RESOURCE): RtlInitializeResource,
 * RtlAcquireResourceShared/Exclusive, RtlReleaseResource, RtlDeleteResource, RtlDumpResource,
 * and their ms_abi entries for ntdll.c's table.
 *
 * The structure's own fields hold the state, as Windows': a critical section guards them,
 * iNumberActive counts shared holders (> 0) or the exclusive owner's recursion (< 0), and two
 * semaphores wake the waiting shared and exclusive acquirers.  Facts from Wine's
 * ntdll/tests/sync.c test_resource, which records Windows: a shared acquisition succeeds
 * whenever nobody holds the lock exclusively (even while an exclusive acquirer waits), the
 * exclusive owner may take it again either way (a shared acquisition then counts as an
 * exclusive one), an exclusive acquisition waits for every shared holder (the caller's own
 * included: without wait it is FALSE).  A woken waiter looks again (another thread may have
 * taken the lock first) and queues again if it must. */
#include "runtime/runtime.h"
#include "runtime/synch_int.h"

#include <stdio.h>
#include <string.h>

/* Sleeps on one of the lock's semaphores (the thread's last error kept). */
static void wv_res_sleep(HANDLE sem)
{
    DWORD saved = GetLastError();
    WaitForSingleObject(sem, INFINITE);
    SetLastError(saved);
}

void NTAPI RtlInitializeResource(LPRTL_RWLOCK r)
{
    if (!r)
        return;
    memset(r, 0, sizeof(*r));
    InitializeCriticalSection(&r->rtlCS);
    NtCreateSemaphore(&r->hSharedReleaseSemaphore, SEMAPHORE_ALL_ACCESS, NULL, 0, 0x7fffffff);
    NtCreateSemaphore(&r->hExclusiveReleaseSemaphore, SEMAPHORE_ALL_ACCESS, NULL, 0, 0x7fffffff);
}

void NTAPI RtlDeleteResource(LPRTL_RWLOCK r)
{
    if (!r)
        return;
    wv_handle_close(r->hSharedReleaseSemaphore);
    wv_handle_close(r->hExclusiveReleaseSemaphore);
    DeleteCriticalSection(&r->rtlCS);
    memset(r, 0, sizeof(*r));
}

/* One acquisition: taken (TRUE), refused without waiting (FALSE), or slept on the semaphore
 * and tried again. */
static BOOLEAN wv_res_acquire(LPRTL_RWLOCK r, bool excl, BOOLEAN wait)
{
    if (!r)
        return FALSE;
    HANDLE self = (HANDLE)(uintptr_t)GetCurrentThreadId();
    for (;;) {
        EnterCriticalSection(&r->rtlCS);
        bool mine = r->iNumberActive < 0 && r->hOwningThreadId == self;
        bool got = mine || (excl ? r->iNumberActive == 0 : r->iNumberActive >= 0);
        if (got && (mine || excl))
            r->iNumberActive--, r->hOwningThreadId = self;
        else if (got)
            r->iNumberActive++;
        else if (wait)
            excl ? r->uExclusiveWaiters++ : r->uSharedWaiters++;
        LeaveCriticalSection(&r->rtlCS);
        if (got || !wait)
            return got;
        wv_res_sleep(excl ? r->hExclusiveReleaseSemaphore : r->hSharedReleaseSemaphore);
    }
}

BOOLEAN NTAPI RtlAcquireResourceExclusive(LPRTL_RWLOCK r, BOOLEAN wait) { return wv_res_acquire(r, true, wait); }
BOOLEAN NTAPI RtlAcquireResourceShared(LPRTL_RWLOCK r, BOOLEAN wait) { return wv_res_acquire(r, false, wait); }

/* Gives one hold back; the last one wakes one exclusive waiter, or else every shared one. */
void NTAPI RtlReleaseResource(LPRTL_RWLOCK r)
{
    if (!r)
        return;
    EnterCriticalSection(&r->rtlCS);
    if (r->iNumberActive > 0)
        r->iNumberActive--;
    else if (r->iNumberActive < 0 && ++r->iNumberActive == 0)
        r->hOwningThreadId = NULL;
    if (r->iNumberActive == 0 && r->uExclusiveWaiters) {
        r->uExclusiveWaiters--;
        NtReleaseSemaphore(r->hExclusiveReleaseSemaphore, 1, NULL);
    } else if (r->iNumberActive == 0 && r->uSharedWaiters) {
        NtReleaseSemaphore(r->hSharedReleaseSemaphore, r->uSharedWaiters, NULL);
        r->uSharedWaiters = 0;
    }
    LeaveCriticalSection(&r->rtlCS);
}

/* The state as one line to the debugger, as Windows' checked builds print it. */
void NTAPI RtlDumpResource(LPRTL_RWLOCK r)
{
    char line[160];
    if (!r)
        return;
    snprintf(line, sizeof(line), "RtlDumpResource(%p): active count = %d, owner = %#lx, waiting shared = %u, "
             "waiting exclusive = %u\n", (void *)r, r->iNumberActive, (unsigned long)(uintptr_t)r->hOwningThreadId,
             r->uSharedWaiters, r->uExclusiveWaiters);
    OutputDebugStringA(line);
}

/* ---- PE code's entries (ntdll.c's table) ---- */
#define WV_ENTER() wv_seg_check()
WV_SY_ABI void wv_nt_RtlInitializeResource(LPRTL_RWLOCK r) { WV_ENTER(), RtlInitializeResource(r); }
WV_SY_ABI void wv_nt_RtlDeleteResource(LPRTL_RWLOCK r) { WV_ENTER(), RtlDeleteResource(r); }
WV_SY_ABI void wv_nt_RtlReleaseResource(LPRTL_RWLOCK r) { WV_ENTER(), RtlReleaseResource(r); }
WV_SY_ABI void wv_nt_RtlDumpResource(LPRTL_RWLOCK r) { WV_ENTER(), RtlDumpResource(r); }
WV_SY_ABI BOOLEAN wv_nt_RtlAcquireResourceExclusive(LPRTL_RWLOCK r, BOOLEAN wait)
{
    WV_ENTER();
    return RtlAcquireResourceExclusive(r, wait);
}
WV_SY_ABI BOOLEAN wv_nt_RtlAcquireResourceShared(LPRTL_RWLOCK r, BOOLEAN wait)
{
    WV_ENTER();
    return RtlAcquireResourceShared(r, wait);
}
