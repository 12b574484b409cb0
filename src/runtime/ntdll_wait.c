/* SPDX-License-Identifier: MIT */
/* ntdll_wait.c - NtWaitForSingleObject and NtWaitForMultipleObjects (ms_abi, for ntdll.c's table) over the wait of
 * WaitForSingleObjectEx (sync.c): the same objects, access check and alertable APC delivery,
 * with an NT timeout and NTSTATUS results.  The thread's last error is left as it was (NT
 * calls do not set it). */
#include "runtime/runtime.h"
#include "runtime/thunk.h"
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
WV_MSABI NTSTATUS wv_nt_NtWaitForMultipleObjects(ULONG n, const HANDLE *handles, int type, BOOLEAN alertable,
                                                 PLARGE_INTEGER timeout)
{
    wv_stack_probe();
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
WV_MSABI NTSTATUS wv_nt_NtWaitForSingleObject(HANDLE h, BOOLEAN alertable, PLARGE_INTEGER timeout)
{
    wv_stack_probe();
    DWORD ms;
    NTSTATUS st = wv_nt_timeout(timeout, &ms);
    if (st)
        return st;
    DWORD saved = GetLastError();
    st = wv_wait_status(WaitForSingleObjectEx(h, ms, alertable));
    SetLastError(saved);
    return st;
}
