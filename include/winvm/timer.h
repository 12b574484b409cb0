/* SPDX-License-Identifier: MIT */
/* winvm/timer.h - kernel32's waitable timers: Windows' names, types and values
 * (docs/semantics.md, "Waitable timers"; the NT calls: winvm/nttimer.h). */
#ifndef WINVM_TIMER_H
#define WINVM_TIMER_H

#ifdef __cplusplus
extern "C" {
#endif

#define TIMER_QUERY_STATE 0x0001
#define TIMER_MODIFY_STATE 0x0002
#define TIMER_ALL_ACCESS 0x001F0003
#define CREATE_WAITABLE_TIMER_MANUAL_RESET 0x00000001
#define CREATE_WAITABLE_TIMER_HIGH_RESOLUTION 0x00000002

/* A completion routine: its argument and the time the timer expired (a FILETIME's halves). */
typedef void(WINAPI *PTIMERAPCROUTINE)(LPVOID lpArgToCompletionRoutine, DWORD dwTimerLowValue,
                                       DWORD dwTimerHighValue);
typedef struct _REASON_CONTEXT REASON_CONTEXT, *PREASON_CONTEXT; /* only passed on */

WINBASEAPI HANDLE WINAPI CreateWaitableTimerA(LPSECURITY_ATTRIBUTES lpTimerAttributes, BOOL bManualReset,
                                             LPCSTR lpTimerName);
WINBASEAPI HANDLE WINAPI CreateWaitableTimerW(LPSECURITY_ATTRIBUTES lpTimerAttributes, BOOL bManualReset,
                                             LPCWSTR lpTimerName);
WINBASEAPI HANDLE WINAPI CreateWaitableTimerExA(LPSECURITY_ATTRIBUTES lpTimerAttributes, LPCSTR lpTimerName,
                                               DWORD dwFlags, DWORD dwDesiredAccess);
WINBASEAPI HANDLE WINAPI CreateWaitableTimerExW(LPSECURITY_ATTRIBUTES lpTimerAttributes, LPCWSTR lpTimerName,
                                               DWORD dwFlags, DWORD dwDesiredAccess);
WINBASEAPI HANDLE WINAPI OpenWaitableTimerA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpTimerName);
WINBASEAPI HANDLE WINAPI OpenWaitableTimerW(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCWSTR lpTimerName);
/* lpDueTime: negative, relative in 100 ns units; else an absolute FILETIME (system time).
 * lPeriod: ms between expiries after the first (0: once; negative: ERROR_INVALID_PARAMETER).
 * fResume TRUE succeeds with the last error ERROR_NOT_SUPPORTED (no wake from sleep). */
WINBASEAPI BOOL WINAPI SetWaitableTimer(HANDLE hTimer, const LARGE_INTEGER *lpDueTime, LONG lPeriod,
                                        PTIMERAPCROUTINE pfnCompletionRoutine, LPVOID lpArgToCompletionRoutine,
                                        BOOL fResume);
WINBASEAPI BOOL WINAPI SetWaitableTimerEx(HANDLE hTimer, const LARGE_INTEGER *lpDueTime, LONG lPeriod,
                                          PTIMERAPCROUTINE pfnCompletionRoutine, LPVOID lpArgToCompletionRoutine,
                                          PREASON_CONTEXT WakeContext, ULONG TolerableDelay);
WINBASEAPI BOOL WINAPI CancelWaitableTimer(HANDLE hTimer);

#ifdef __cplusplus
}
#endif
#endif
