/* SPDX-License-Identifier: MIT */
/* ntdll_wait.c - NtWaitForSingleObject, NtWaitForMultipleObjects (ms_abi, for ntdll.c's table),
 * NtSignalAndWaitForSingleObject and NtDelayExecution over the wait of WaitForSingleObjectEx
 * (sync.c): the same objects, access check and alertable APC delivery, with an NT timeout and
 * NTSTATUS results.  The thread's last error is left as it was (NT calls do not set it). */
#include "runtime/runtime.h"
#include "runtime/thunk.h"
#include "runtime/nsync.h"
#include "nt/nt.h"
#include "runtime/synch_int.h"
#include <winvm/ntdll.h>

/* 100 ns units between 1601-01-01 (FILETIME's epoch) and now. */
static LONGLONG wv_nt_now(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return (LONGLONG)(((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
}

/* An NT timeout as milliseconds, rounded up (a wait is never shorter than asked): negative is
 * relative, positive an absolute system time (one already past: 0), 0 a poll.  Longer than
 * INFINITE - 1 ms (49.7 days) is that: only NULL waits forever. */
static DWORD wv_nt_timeout_ms(LONGLONG t)
{
    ULONGLONG ticks = t < 0 ? (ULONGLONG)0 - (ULONGLONG)t : 0;
    if (t > 0) {
        LONGLONG now = wv_nt_now();
        ticks = t > now ? (ULONGLONG)(t - now) : 0;
    }
    ULONGLONG ms = ticks / 10000 + (ticks % 10000 != 0);
    return ms >= INFINITE ? INFINITE - 1 : (DWORD)ms;
}

/* A wait's result (WaitFor*Ex's) as its status, the handle's failure from the last error. */
static NTSTATUS wv_wait_status(DWORD r)
{
    if (r < MAXIMUM_WAIT_OBJECTS)
        return STATUS_WAIT_0 + (NTSTATUS)r;
    if (r >= WAIT_ABANDONED && r < WAIT_ABANDONED + MAXIMUM_WAIT_OBJECTS)
        return STATUS_ABANDONED_WAIT_0 + (NTSTATUS)(r - WAIT_ABANDONED);
    if (r == WAIT_IO_COMPLETION)
        return STATUS_USER_APC;
    if (r == WAIT_TIMEOUT)
        return STATUS_TIMEOUT;
    return wv_status_of(GetLastError());
}

/* An NT timeout pointer as WaitFor*'s milliseconds: 0 or STATUS_ACCESS_VIOLATION. */
NTSTATUS wv_nt_timeout(PLARGE_INTEGER timeout, DWORD *ms)
{
    LONGLONG t;
    *ms = INFINITE;
    if (!timeout)
        return STATUS_SUCCESS;
    if (wv_copy(&t, timeout, sizeof(t)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    *ms = wv_nt_timeout_ms(t);
    return STATUS_SUCCESS;
}

/* WaitType: WaitAll 0, WaitAny 1.  A count of 0 or past MAXIMUM_WAIT_OBJECTS is
 * STATUS_INVALID_PARAMETER_1, another type STATUS_INVALID_PARAMETER_3, an unreadable handle
 * array or timeout STATUS_ACCESS_VIOLATION (nothing waited for); results as below, with the
 * index of the object for a wait-any. */
WV_MSABI NTSTATUS wv_ntcore_NtWaitForMultipleObjects(ULONG n, const HANDLE *handles, int type, BOOLEAN alertable,
                                                     PLARGE_INTEGER timeout)
{
    HANDLE h[MAXIMUM_WAIT_OBJECTS];
    DWORD ms;
    if (n == 0 || n > MAXIMUM_WAIT_OBJECTS)
        return STATUS_INVALID_PARAMETER_1;
    if (type != 0 && type != 1)
        return STATUS_INVALID_PARAMETER_3;
    if (wv_copy(h, handles, n * sizeof(HANDLE)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    NTSTATUS st = wv_nt_timeout(timeout, &ms);
    if (st)
        return st;
    DWORD saved = GetLastError();
    st = wv_wait_status(WaitForMultipleObjectsEx(n, h, type == 0, ms, alertable));
    SetLastError(saved);
    return st;
}

/* STATUS_WAIT_0, STATUS_ABANDONED_WAIT_0, STATUS_TIMEOUT, STATUS_USER_APC (alertable, APCs
 * ran), or the handle's failure: STATUS_INVALID_HANDLE, STATUS_ACCESS_DENIED (no SYNCHRONIZE);
 * an unreadable timeout is STATUS_ACCESS_VIOLATION, nothing waited for. */
WV_MSABI NTSTATUS wv_ntcore_NtWaitForSingleObject(HANDLE h, BOOLEAN alertable, PLARGE_INTEGER timeout)
{
    DWORD ms;
    NTSTATUS st = wv_nt_timeout(timeout, &ms);
    if (st)
        return st;
    DWORD saved = GetLastError();
    st = wv_wait_status(WaitForSingleObjectEx(h, ms, alertable));
    SetLastError(saved);
    return st;
}

/* Signals an event, mutant or semaphore, then waits on another object.  Windows' order (the
 * Windows Research Kernel's ob/obwait.c): the signal handle (STATUS_OBJECT_TYPE_MISMATCH for
 * an object that cannot be signalled), the wait handle, then the signal (STATUS_ACCESS_DENIED,
 * STATUS_MUTANT_NOT_OWNED, STATUS_SEMAPHORE_LIMIT_EXCEEDED: nothing waited for) and the wait. */
NTSTATUS NTAPI NtSignalAndWaitForSingleObject(HANDLE signal, HANDLE wait, BOOLEAN alertable, PLARGE_INTEGER timeout)
{
    DWORD ms, access;
    NTSTATUS st = wv_nt_timeout(timeout, &ms);
    if (st)
        return st;
    struct wv_object *o = wv_handle_get(signal, WV_KIND_ANY, &access);
    int kind = o ? o->kind : -1;
    wv_object_unref(o);
    if (!o && signal != WV_CURRENT_PROCESS && signal != WV_CURRENT_THREAD)
        return STATUS_INVALID_HANDLE;
    if (kind != WV_KIND_EVENT && kind != WV_KIND_MUTEX && kind != WV_KIND_SEMAPHORE)
        return STATUS_OBJECT_TYPE_MISMATCH;
    bool me = wait == WV_CURRENT_PROCESS || wait == WV_CURRENT_THREAD; /* waitable, as alone */
    o = me ? NULL : wv_handle_get(wait, WV_KIND_ANY, &access);
    if (!o && !me)
        return STATUS_INVALID_HANDLE;
    wv_object_unref(o);
    DWORD err = wv_sync_signal(signal);
    if (err)
        return wv_nt_sync_status(err, signal);
    DWORD saved = GetLastError();
    st = wv_wait_status(WaitForSingleObjectEx(wait, ms, alertable));
    SetLastError(saved);
    return st;
}

/* Sleeps for the interval (as a wait's timeout; unreadable: STATUS_ACCESS_VIOLATION, no
 * sleep); alertable: STATUS_USER_APC once queued APCs ran, else STATUS_SUCCESS. */
NTSTATUS NTAPI NtDelayExecution(BOOLEAN alertable, PLARGE_INTEGER interval)
{
    DWORD ms;
    if (!interval)
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    NTSTATUS st = wv_nt_timeout(interval, &ms);
    if (st)
        return st;
    return SleepEx(ms, alertable != 0) == WAIT_IO_COMPLETION ? STATUS_USER_APC : STATUS_SUCCESS;
}
