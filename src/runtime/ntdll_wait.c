/* SPDX-License-Identifier: MIT */
/* ntdll_wait.c - NtWaitForSingleObject (ms_abi, for ntdll.c's table) over the wait of
 * WaitForSingleObjectEx (sync.c): the same objects, access check and alertable APC delivery,
 * with an NT timeout and NTSTATUS results.  The thread's last error is left as it was (NT
 * calls do not set it). */
#include "runtime/runtime.h"
#include "runtime/thunk.h"
#include "nt/nt.h"
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

/* STATUS_WAIT_0, STATUS_ABANDONED_WAIT_0, STATUS_TIMEOUT, STATUS_USER_APC (alertable, APCs
 * ran), or the handle's failure: STATUS_INVALID_HANDLE, STATUS_ACCESS_DENIED (no SYNCHRONIZE);
 * an unreadable timeout is STATUS_ACCESS_VIOLATION, nothing waited for. */
WV_MSABI NTSTATUS wv_nt_NtWaitForSingleObject(HANDLE h, BOOLEAN alertable, PLARGE_INTEGER timeout)
{
    wv_stack_probe();
    DWORD ms = INFINITE;
    if (timeout) {
        LONGLONG t;
        if (wv_copy(&t, timeout, sizeof(t)))
            return STATUS_ACCESS_VIOLATION;
        ms = wv_nt_timeout_ms(t);
    }
    DWORD saved = GetLastError();
    DWORD r = WaitForSingleObjectEx(h, ms, alertable);
    NTSTATUS st;
    switch (r) {
    case WAIT_OBJECT_0:
        st = STATUS_WAIT_0;
        break;
    case WAIT_ABANDONED:
        st = STATUS_ABANDONED_WAIT_0;
        break;
    case WAIT_IO_COMPLETION:
        st = STATUS_USER_APC;
        break;
    case WAIT_TIMEOUT:
        st = STATUS_TIMEOUT;
        break;
    default:
        st = wv_status_of(GetLastError());
        break;
    }
    SetLastError(saved);
    return st;
}
