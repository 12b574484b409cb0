/* SPDX-License-Identifier: MIT */
/* ntdll_peb.c - the process-wide state ntdll exposes through calls: RtlAcquirePebLock /
 * RtlReleasePebLock (the PEB's FastPebLock, a recursive critical section the PEB points at, as
 * on Windows, so code that takes PEB->FastPebLock itself and code that calls these agree) and
 * RtlDllShutdownInProgress (TRUE once the process's exit has begun detaching its DLLs: a
 * DllMain told DLL_PROCESS_DETACH asks it to know whether the process is ending).
 * ms_abi entries for ntdll.c's table. */
#include "runtime/runtime.h"

#include <pthread.h>

static CRITICAL_SECTION wv_peb_lock;
static pthread_once_t wv_peb_lock_once = PTHREAD_ONCE_INIT;

static void wv_peb_lock_init(void)
{
    InitializeCriticalSection(&wv_peb_lock);
    wv_peb_set_lock(&wv_peb_lock);
}

void wv_peb_lock_setup(void) { pthread_once(&wv_peb_lock_once, wv_peb_lock_init); }

void wv_peb_lock_hold(void)
{
    wv_peb_lock_setup();
    EnterCriticalSection(&wv_peb_lock);
}

WV_MSABI void wv_nt_RtlAcquirePebLock(void)
{
    wv_peb_lock_setup();
    EnterCriticalSection(&wv_peb_lock);
}

/* Released by a thread that does not hold it: undefined on Windows; here nothing happens,
 * so another thread's hold is not broken. */
WV_MSABI void wv_nt_RtlReleasePebLock(void)
{
    wv_peb_lock_setup();
    if (wv_peb_lock.OwningThread == (HANDLE)(uintptr_t)GetCurrentThreadId() && wv_peb_lock.RecursionCount > 0)
        LeaveCriticalSection(&wv_peb_lock);
}

WV_MSABI BOOLEAN wv_nt_RtlDllShutdownInProgress(void) { return wv_loader_exiting() ? TRUE : FALSE; }
