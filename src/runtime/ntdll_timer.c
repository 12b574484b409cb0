/* SPDX-License-Identifier: MIT */
/* ntdll_timer.c - NtCreateTimer, NtOpenTimer, NtSetTimer, NtCancelTimer, NtQueryTimer over
 * the timer cores of timer.c: NTSTATUS results, no last error set (the thread's is kept), the
 * caller's pointers probed before anything changes (a bad one: STATUS_ACCESS_VIOLATION), names
 * as object paths (\BaseNamedObjects\NAME, read as sections' are; the Create / Open shared
 * with events', ntdll_sync.c).  The order of the checks is
 * Windows' (facts: the Windows Research Kernel's ex/timer.c): pointers, then the class and
 * length, then the handle.  PE code's NtSetTimer gets an ms_abi APC routine. */
#include "runtime/thread_int.h"
#include "runtime/nsync.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

NTSTATUS NTAPI NtCreateTimer(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, TIMER_TYPE type)
{
    if (type != NotificationTimer && type != SynchronizationTimer)
        return STATUS_INVALID_PARAMETER_4;
    struct wv_nsync_init in = {.manual = type == NotificationTimer};
    return wv_nt_sync_make(out, access, oa, WV_KIND_TIMER, &in);
}

NTSTATUS NTAPI NtOpenTimer(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    return wv_nt_sync_make(out, access, oa, WV_KIND_TIMER, NULL);
}

static NTSTATUS wv_timer_nt_set(HANDLE h, PLARGE_INTEGER due, void *fn, PVOID ctx, BOOLEAN resume, LONG period,
                                PBOOLEAN prev, bool pe)
{
    LONGLONG d;
    if (!due || wv_copy(&d, due, sizeof(d)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (prev && wv_nt_probe_out(prev, sizeof(*prev)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (period < 0)
        return STATUS_INVALID_PARAMETER_6;
    bool was;
    DWORD err = wv_timer_set(h, d, period, fn, ctx, pe, &was);
    if (err)
        return wv_nt_sync_status(err, h);
    BOOLEAN b = was;
    if (prev)
        wv_nt_out(prev, &b, sizeof(b));
    return resume ? STATUS_TIMER_RESUME_IGNORED : STATUS_SUCCESS; /* set, but no wake from sleep */
}

NTSTATUS NTAPI NtSetTimer(HANDLE h, PLARGE_INTEGER due, PTIMER_APC_ROUTINE fn, PVOID ctx, BOOLEAN resume, LONG period,
                          PBOOLEAN prev)
{
    return wv_timer_nt_set(h, due, (void *)fn, ctx, resume, period, prev, false);
}

WV_MSABI NTSTATUS wv_nt_NtSetTimer(HANDLE h, PLARGE_INTEGER due, void *fn, PVOID ctx, BOOLEAN resume, LONG period,
                                   PBOOLEAN prev)
{
    return wv_timer_nt_set(h, due, fn, ctx, resume, period, prev, true);
}

NTSTATUS NTAPI NtCancelTimer(HANDLE h, PBOOLEAN current)
{
    if (current && wv_nt_probe_out(current, sizeof(*current)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    bool now;
    DWORD err = wv_timer_cancel(h, &now);
    if (err)
        return wv_nt_sync_status(err, h);
    BOOLEAN b = now;
    if (current)
        wv_nt_out(current, &b, sizeof(b));
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtQueryTimer(HANDLE h, TIMER_INFORMATION_CLASS cls, PVOID out, ULONG len, PULONG ret)
{
    if (wv_nt_probe_out(out, len) || (ret && wv_nt_probe_out(ret, sizeof(*ret))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (cls != TimerBasicInformation)
        return STATUS_INVALID_INFO_CLASS;
    if (len != sizeof(TIMER_BASIC_INFORMATION))
        return STATUS_INFO_LENGTH_MISMATCH;
    int64_t left;
    bool signalled;
    DWORD err = wv_timer_query(h, &left, &signalled);
    if (err)
        return wv_nt_sync_status(err, h);
    TIMER_BASIC_INFORMATION info = {0};
    info.RemainingTime.QuadPart = left;
    info.TimerState = signalled;
    wv_nt_out(out, &info, sizeof(info));
    ULONG n = sizeof(info);
    if (ret)
        wv_nt_out(ret, &n, sizeof(n));
    return STATUS_SUCCESS;
}
