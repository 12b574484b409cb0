/* SPDX-License-Identifier: MIT */
/* winvm/nttimer.h - ntdll's timer calls for C callers (included by winvm/ntdll.h): Windows'
 * names, types, values and statuses.  Names are object paths as for sections
 * (winvm/ntsection.h): "\BaseNamedObjects\NAME" is kernel32's "NAME". */
#ifndef WINVM_NTTIMER_H
#define WINVM_NTTIMER_H

#ifdef __cplusplus
extern "C" {
#endif

typedef BOOLEAN *PBOOLEAN;

#define STATUS_TIMER_RESUME_IGNORED ((NTSTATUS)0x40000025)

typedef enum _TIMER_TYPE { NotificationTimer, SynchronizationTimer } TIMER_TYPE;
typedef enum _TIMER_INFORMATION_CLASS { TimerBasicInformation } TIMER_INFORMATION_CLASS;
typedef struct _TIMER_BASIC_INFORMATION {
    LARGE_INTEGER RemainingTime; /* 100 ns units until the next expiry (0 when not set) */
    BOOLEAN TimerState;          /* signalled */
} TIMER_BASIC_INFORMATION, *PTIMER_BASIC_INFORMATION;
typedef void(NTAPI *PTIMER_APC_ROUTINE)(PVOID TimerContext, ULONG TimerLowValue, LONG TimerHighValue);

NTSYSAPI NTSTATUS NTAPI NtCreateTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess,
                                      POBJECT_ATTRIBUTES ObjectAttributes, TIMER_TYPE TimerType);
NTSYSAPI NTSTATUS NTAPI NtOpenTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess,
                                    POBJECT_ATTRIBUTES ObjectAttributes);
/* ResumeTimer TRUE: STATUS_TIMER_RESUME_IGNORED (a success; the timer is set). */
NTSYSAPI NTSTATUS NTAPI NtSetTimer(HANDLE TimerHandle, PLARGE_INTEGER DueTime, PTIMER_APC_ROUTINE TimerApcRoutine,
                                   PVOID TimerContext, BOOLEAN ResumeTimer, LONG Period, PBOOLEAN PreviousState);
NTSYSAPI NTSTATUS NTAPI NtCancelTimer(HANDLE TimerHandle, PBOOLEAN CurrentState);
NTSYSAPI NTSTATUS NTAPI NtQueryTimer(HANDLE TimerHandle, TIMER_INFORMATION_CLASS TimerInformationClass,
                                     PVOID TimerInformation, ULONG TimerInformationLength, PULONG ReturnLength);

#ifdef __cplusplus
}
#endif
#endif
