/* SPDX-License-Identifier: MIT */
/* timerq_api.c - the timer-queue calls' faces over timerq.c's cores: kernel32's (a BOOL and the
 * last error, set only on failure: a successful delete leaves it as it was, as Windows'), PE
 * code's kernel32 CreateTimerQueueTimer (an ms_abi callback; k32_exports.c), and ntdll's
 * RtlCreateTimerQueue, RtlCreateTimer, RtlUpdateTimer, RtlDeleteTimer, RtlDeleteTimerQueueEx
 * (NTSTATUS; STATUS_PENDING where kernel32 says ERROR_IO_PENDING). */
#include "runtime/pool_int.h"
#include "runtime/synch_int.h"
#include "nt/nt.h"

HANDLE WINAPI CreateTimerQueue(void)
{
    HANDLE q;
    DWORD err = wv_tq_create(&q);
    return err ? wv_fail_null(err) : q;
}

BOOL WINAPI CreateTimerQueueTimer(PHANDLE out, HANDLE q, WAITORTIMERCALLBACK cb, PVOID arg, DWORD due, DWORD period,
                                  ULONG flags)
{
    DWORD err = wv_tq_timer_create(q, out, (void *)cb, false, arg, due, period, flags);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI ChangeTimerQueueTimer(HANDLE q, HANDLE t, ULONG due, ULONG period)
{
    (void)q; /* the timer alone names it (timerq.c) */
    DWORD err = wv_tq_timer_change(t, due, period);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI DeleteTimerQueueTimer(HANDLE q, HANDLE t, HANDLE event)
{
    (void)q;
    DWORD err = wv_tq_timer_delete(t, event);
    return err ? wv_fail(err) : TRUE;
}

/* Vista and later: TRUE while callbacks still run too (the event, if any, tells their end). */
BOOL WINAPI DeleteTimerQueueEx(HANDLE q, HANDLE event)
{
    DWORD err = wv_tq_delete(q, event);
    return err && err != ERROR_IO_PENDING ? wv_fail(err) : TRUE;
}

BOOL WINAPI DeleteTimerQueue(HANDLE q) { return DeleteTimerQueueEx(q, NULL); }

/* ---- PE code's entries (ms_abi) ---- */
#define WV_ENTER() wv_seg_check()

WV_SY_ABI BOOL wv_k32_CreateTimerQueueTimer(PHANDLE out, HANDLE q, void *cb, PVOID arg, DWORD due, DWORD period,
                                            ULONG flags)
{
    WV_ENTER();
    DWORD err = wv_tq_timer_create(q, out, cb, true, arg, due, period, flags);
    return err ? wv_fail(err) : TRUE;
}

WV_SY_ABI NTSTATUS wv_nt_RtlCreateTimerQueue(PHANDLE out)
{
    WV_ENTER();
    HANDLE q;
    DWORD err = wv_tq_create(&q);
    if (!err && wv_copy(out, &q, sizeof(q))) {
        wv_tq_delete(q, NULL);
        return STATUS_ACCESS_VIOLATION;
    }
    return wv_status_of(err);
}

WV_SY_ABI NTSTATUS wv_nt_RtlCreateTimer(HANDLE q, PHANDLE out, void *cb, PVOID arg, DWORD due, DWORD period,
                                        ULONG flags)
{
    WV_ENTER();
    return wv_status_of(wv_tq_timer_create(q, out, cb, true, arg, due, period, flags));
}

WV_SY_ABI NTSTATUS wv_nt_RtlUpdateTimer(HANDLE q, HANDLE t, DWORD due, DWORD period)
{
    WV_ENTER();
    (void)q;
    return wv_status_of(wv_tq_timer_change(t, due, period));
}

WV_SY_ABI NTSTATUS wv_nt_RtlDeleteTimer(HANDLE q, HANDLE t, HANDLE event)
{
    WV_ENTER();
    (void)q;
    DWORD err = wv_tq_timer_delete(t, event);
    return err == ERROR_IO_PENDING ? STATUS_PENDING : wv_status_of(err);
}

WV_SY_ABI NTSTATUS wv_nt_RtlDeleteTimerQueueEx(HANDLE q, HANDLE event)
{
    WV_ENTER();
    DWORD err = wv_tq_delete(q, event);
    return err == ERROR_IO_PENDING ? STATUS_PENDING : wv_status_of(err);
}
