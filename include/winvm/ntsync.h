/* SPDX-License-Identifier: MIT */
/* winvm/ntsync.h - ntdll's event, mutant and semaphore calls, NtSignalAndWaitForSingleObject,
 * NtDelayExecution, NtYieldExecution, NtQueueApcThread and NtTestAlert for C callers (included
 * by winvm/ntdll.h): Windows' names, types, values and statuses.  Names are object paths as
 * for sections (winvm/ntsection.h): "\BaseNamedObjects\NAME" is kernel32's "NAME". */
#ifndef WINVM_NTSYNC_H
#define WINVM_NTSYNC_H

#ifdef __cplusplus
extern "C" {
#endif

#define STATUS_NO_YIELD_PERFORMED ((NTSTATUS)0x40000024)
#define STATUS_MUTANT_NOT_OWNED ((NTSTATUS)0xC0000046)
#define STATUS_SEMAPHORE_LIMIT_EXCEEDED ((NTSTATUS)0xC0000047)

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef enum _EVENT_INFORMATION_CLASS { EventBasicInformation } EVENT_INFORMATION_CLASS;
typedef struct _EVENT_BASIC_INFORMATION {
    EVENT_TYPE EventType;
    LONG EventState; /* 1: signalled */
} EVENT_BASIC_INFORMATION, *PEVENT_BASIC_INFORMATION;
typedef enum _MUTANT_INFORMATION_CLASS { MutantBasicInformation } MUTANT_INFORMATION_CLASS;
typedef struct _MUTANT_BASIC_INFORMATION {
    LONG CurrentCount; /* 1 free; 1 - recursion when owned */
    BOOLEAN OwnedByCaller;
    BOOLEAN AbandonedState;
} MUTANT_BASIC_INFORMATION, *PMUTANT_BASIC_INFORMATION;
typedef enum _SEMAPHORE_INFORMATION_CLASS { SemaphoreBasicInformation } SEMAPHORE_INFORMATION_CLASS;
typedef struct _SEMAPHORE_BASIC_INFORMATION {
    ULONG CurrentCount;
    ULONG MaximumCount;
} SEMAPHORE_BASIC_INFORMATION, *PSEMAPHORE_BASIC_INFORMATION;
typedef void(NTAPI *PNTAPCFUNC)(ULONG_PTR Argument1, ULONG_PTR Argument2, ULONG_PTR Argument3);

/* A name that exists: STATUS_OBJECT_NAME_EXISTS with OBJ_OPENIF (a success, the existing
 * object), else STATUS_OBJECT_NAME_COLLISION; a name of another kind of object:
 * STATUS_OBJECT_TYPE_MISMATCH; an Open of a missing name: STATUS_OBJECT_NAME_NOT_FOUND. */
NTSYSAPI NTSTATUS NTAPI NtCreateEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess,
                                      POBJECT_ATTRIBUTES ObjectAttributes, EVENT_TYPE EventType,
                                      BOOLEAN InitialState);
NTSYSAPI NTSTATUS NTAPI NtOpenEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess,
                                    POBJECT_ATTRIBUTES ObjectAttributes);
NTSYSAPI NTSTATUS NTAPI NtSetEvent(HANDLE EventHandle, PLONG PreviousState);
NTSYSAPI NTSTATUS NTAPI NtResetEvent(HANDLE EventHandle, PLONG PreviousState);
NTSYSAPI NTSTATUS NTAPI NtClearEvent(HANDLE EventHandle);
NTSYSAPI NTSTATUS NTAPI NtPulseEvent(HANDLE EventHandle, PLONG PreviousState);
NTSYSAPI NTSTATUS NTAPI NtQueryEvent(HANDLE EventHandle, EVENT_INFORMATION_CLASS EventInformationClass,
                                     PVOID EventInformation, ULONG EventInformationLength, PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtCreateMutant(PHANDLE MutantHandle, ACCESS_MASK DesiredAccess,
                                       POBJECT_ATTRIBUTES ObjectAttributes, BOOLEAN InitialOwner);
NTSYSAPI NTSTATUS NTAPI NtOpenMutant(PHANDLE MutantHandle, ACCESS_MASK DesiredAccess,
                                     POBJECT_ATTRIBUTES ObjectAttributes);
/* Not the owner: STATUS_MUTANT_NOT_OWNED. */
NTSYSAPI NTSTATUS NTAPI NtReleaseMutant(HANDLE MutantHandle, PLONG PreviousCount);
NTSYSAPI NTSTATUS NTAPI NtQueryMutant(HANDLE MutantHandle, MUTANT_INFORMATION_CLASS MutantInformationClass,
                                      PVOID MutantInformation, ULONG MutantInformationLength, PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtCreateSemaphore(PHANDLE SemaphoreHandle, ACCESS_MASK DesiredAccess,
                                          POBJECT_ATTRIBUTES ObjectAttributes, LONG InitialCount, LONG MaximumCount);
NTSYSAPI NTSTATUS NTAPI NtOpenSemaphore(PHANDLE SemaphoreHandle, ACCESS_MASK DesiredAccess,
                                        POBJECT_ATTRIBUTES ObjectAttributes);
/* Past the maximum: STATUS_SEMAPHORE_LIMIT_EXCEEDED, the count unchanged. */
NTSYSAPI NTSTATUS NTAPI NtReleaseSemaphore(HANDLE SemaphoreHandle, ULONG ReleaseCount, PULONG PreviousCount);
NTSYSAPI NTSTATUS NTAPI NtQuerySemaphore(HANDLE SemaphoreHandle, SEMAPHORE_INFORMATION_CLASS SemaphoreInformationClass,
                                         PVOID SemaphoreInformation, ULONG SemaphoreInformationLength,
                                         PULONG ReturnLength);
/* Signals an event, mutant or semaphore (another kind: STATUS_OBJECT_TYPE_MISMATCH), then waits. */
NTSYSAPI NTSTATUS NTAPI NtSignalAndWaitForSingleObject(HANDLE SignalHandle, HANDLE WaitHandle, BOOLEAN Alertable,
                                                       PLARGE_INTEGER Timeout);
/* Sleeps (negative: relative 100 ns units; positive: an absolute system time); alertable:
 * STATUS_USER_APC once queued APCs ran. */
NTSYSAPI NTSTATUS NTAPI NtDelayExecution(BOOLEAN Alertable, PLARGE_INTEGER DelayInterval);
/* STATUS_NO_YIELD_PERFORMED when no other thread ran meanwhile. */
NTSYSAPI NTSTATUS NTAPI NtYieldExecution(void);
NTSYSAPI NTSTATUS NTAPI NtQueueApcThread(HANDLE ThreadHandle, PNTAPCFUNC ApcRoutine, ULONG_PTR Argument1,
                                         ULONG_PTR Argument2, ULONG_PTR Argument3);
/* Runs the calling thread's queued APCs. */
NTSYSAPI NTSTATUS NTAPI NtTestAlert(void);
/* DuplicateHandle's (this process's and another's handles): Attributes OBJ_INHERIT; Options
 * DUPLICATE_CLOSE_SOURCE, DUPLICATE_SAME_ACCESS, DUPLICATE_SAME_ATTRIBUTES. */
#define DUPLICATE_SAME_ATTRIBUTES 0x00000004
typedef enum _OBJECT_INFORMATION_CLASS {
    ObjectBasicInformation,
    ObjectNameInformation,
    ObjectTypeInformation
} OBJECT_INFORMATION_CLASS;
typedef struct _PUBLIC_OBJECT_BASIC_INFORMATION {
    ULONG Attributes; /* the handle's: OBJ_INHERIT 2, protected from close 1 */
    ACCESS_MASK GrantedAccess;
    ULONG HandleCount;  /* this process's handles to the object */
    ULONG PointerCount; /* its references (handles, views, calls in progress) */
    ULONG Reserved[10];
} PUBLIC_OBJECT_BASIC_INFORMATION, OBJECT_BASIC_INFORMATION, *POBJECT_BASIC_INFORMATION;
typedef struct _WV_GENERIC_MAPPING {
    ACCESS_MASK GenericRead, GenericWrite, GenericExecute, GenericAll;
} WV_GENERIC_MAPPING;
/* The type's name follows the structure (TypeName.Buffer points there, NUL-terminated). */
typedef struct _OBJECT_TYPE_INFORMATION {
    UNICODE_STRING TypeName; /* "Event", "Mutant", "Semaphore", "Timer", "Section", "File", ... */
    ULONG TotalNumberOfObjects, TotalNumberOfHandles, TotalPagedPoolUsage, TotalNonPagedPoolUsage;
    ULONG TotalNamePoolUsage, TotalHandleTableUsage, HighWaterNumberOfObjects, HighWaterNumberOfHandles;
    ULONG HighWaterPagedPoolUsage, HighWaterNonPagedPoolUsage, HighWaterNamePoolUsage, HighWaterHandleTableUsage;
    ULONG InvalidAttributes;
    WV_GENERIC_MAPPING GenericMapping;
    ULONG ValidAccessMask;
    BOOLEAN SecurityRequired, MaintainHandleCount;
    UCHAR TypeIndex;
    CHAR ReservedByte;
    ULONG PoolType, DefaultPagedPoolCharge, DefaultNonPagedPoolCharge;
} OBJECT_TYPE_INFORMATION, *POBJECT_TYPE_INFORMATION;
/* ObjectBasicInformation, ObjectTypeInformation and ObjectNameInformation (an
 * OBJECT_NAME_INFORMATION, ntobdir.h: the object path it was made or opened under, empty for
 * an unnamed object; a file's is STATUS_NOT_IMPLEMENTED); a buffer too small:
 * STATUS_INFO_LENGTH_MISMATCH, *ReturnLength the size needed; other classes
 * STATUS_INVALID_INFO_CLASS. */
NTSYSAPI NTSTATUS NTAPI NtQueryObject(HANDLE Handle, OBJECT_INFORMATION_CLASS ObjectInformationClass,
                                      PVOID ObjectInformation, ULONG ObjectInformationLength, PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtDuplicateObject(HANDLE SourceProcessHandle, HANDLE SourceHandle,
                                          HANDLE TargetProcessHandle, PHANDLE TargetHandle, ACCESS_MASK DesiredAccess,
                                          ULONG HandleAttributes, ULONG Options);

/* Keyed events (ntdll_keyed.c): a wait for a key (an even value, often an address) meets a
 * release of the same key, whichever comes first; each blocks until the other comes or its
 * timeout passes (STATUS_TIMEOUT).  A key with bit 0 set is STATUS_INVALID_PARAMETER_1; a NULL
 * handle is the process's global keyed event, as Windows'.  Names are this process's only
 * (a keyed event is not shared between processes here).  Rights: KEYEDEVENT_WAIT to wait,
 * KEYEDEVENT_WAKE to release (GENERIC_READ and GENERIC_WRITE give them); with SYNCHRONIZE a
 * WaitForSingleObject on it returns at once. */
#define STATUS_ALERTED ((NTSTATUS)0x00000101)
#define STATUS_INVALID_CID ((NTSTATUS)0xC000000B)
#define KEYEDEVENT_WAIT 0x0001
#define KEYEDEVENT_WAKE 0x0002
#define KEYEDEVENT_ALL_ACCESS 0x000F0003
NTSYSAPI NTSTATUS NTAPI NtCreateKeyedEvent(PHANDLE KeyedEventHandle, ACCESS_MASK DesiredAccess,
                                           POBJECT_ATTRIBUTES ObjectAttributes, ULONG Flags);
NTSYSAPI NTSTATUS NTAPI NtOpenKeyedEvent(PHANDLE KeyedEventHandle, ACCESS_MASK DesiredAccess,
                                         POBJECT_ATTRIBUTES ObjectAttributes);
NTSYSAPI NTSTATUS NTAPI NtWaitForKeyedEvent(HANDLE KeyedEventHandle, PVOID Key, BOOLEAN Alertable,
                                            PLARGE_INTEGER Timeout);
NTSYSAPI NTSTATUS NTAPI NtReleaseKeyedEvent(HANDLE KeyedEventHandle, PVOID Key, BOOLEAN Alertable,
                                            PLARGE_INTEGER Timeout);
/* A thread's alert (ntdll_keyed.c): NtAlertThreadByThreadId sets it (a thread of this process;
 * another id: STATUS_INVALID_CID), NtWaitForAlertByThreadId takes it: STATUS_ALERTED, or
 * STATUS_TIMEOUT when none came in time.  The address is a hint only, as on Windows. */
NTSYSAPI NTSTATUS NTAPI NtAlertThreadByThreadId(HANDLE ThreadId);
NTSYSAPI NTSTATUS NTAPI NtWaitForAlertByThreadId(const void *Address, PLARGE_INTEGER Timeout);

/* RTL_RWLOCK, Windows' RTL_RESOURCE (ntdll_resource.c): a lock held shared by any number of
 * threads or exclusively by one, recursively; the exclusive owner's shared acquisitions count
 * as exclusive ones.  Acquire returns FALSE (without waiting) when wait is FALSE and the lock is
 * not to be had; shared acquisitions do not queue behind exclusive waiters. */
typedef struct _RTL_RWLOCK {
    CRITICAL_SECTION rtlCS;
    HANDLE hSharedReleaseSemaphore;
    UINT uSharedWaiters;
    HANDLE hExclusiveReleaseSemaphore;
    UINT uExclusiveWaiters;
    int iNumberActive; /* > 0: shared holders; < 0: the exclusive owner's recursion */
    HANDLE hOwningThreadId;
    DWORD dwTimeoutBoost;
    PVOID pDebugInfo;
} RTL_RWLOCK, *LPRTL_RWLOCK;
NTSYSAPI void NTAPI RtlInitializeResource(LPRTL_RWLOCK Resource);
NTSYSAPI void NTAPI RtlDeleteResource(LPRTL_RWLOCK Resource);
NTSYSAPI BOOLEAN NTAPI RtlAcquireResourceExclusive(LPRTL_RWLOCK Resource, BOOLEAN Wait);
NTSYSAPI BOOLEAN NTAPI RtlAcquireResourceShared(LPRTL_RWLOCK Resource, BOOLEAN Wait);
NTSYSAPI void NTAPI RtlReleaseResource(LPRTL_RWLOCK Resource);
/* The state, one line, to the debugger (OutputDebugStringA's). */
NTSYSAPI void NTAPI RtlDumpResource(LPRTL_RWLOCK Resource);

#ifdef __cplusplus
}
#endif
#endif
