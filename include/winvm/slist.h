/* SPDX-License-Identifier: MIT */
/* winvm/slist.h - interlocked singly linked lists (SLists) and timer queues
 * and work items (docs/semantics.md, "Interlocked singly linked lists" and "Timer queues"). */
#ifndef WINVM_SLIST_H
#define WINVM_SLIST_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- interlocked singly linked lists (runtime/slist.c) ---- */
/* x64's layout: entries and the header are 16-byte aligned (MEMORY_ALLOCATION_ALIGNMENT); the
 * header is Windows 8's 16-byte one, changed by one cmpxchg16b: Depth (16 bits) and Sequence
 * (48 bits) in the first quadword, the first entry's address (NextEntry, 60 bits, the address
 * shifted right by 4) above 4 flag bits in the second. */
typedef struct __attribute__((aligned(16))) _SLIST_ENTRY {
    struct _SLIST_ENTRY *Next;
} SLIST_ENTRY, *PSLIST_ENTRY;
typedef union __attribute__((aligned(16))) _SLIST_HEADER {
    struct {
        ULONGLONG Alignment;
        ULONGLONG Region;
    } s;
    struct {
        ULONGLONG Depth : 16;
        ULONGLONG Sequence : 48;
        ULONGLONG HeaderType : 1;
        ULONGLONG Init : 1;
        ULONGLONG Reserved : 2;
        ULONGLONG NextEntry : 60;
    } HeaderX64;
} SLIST_HEADER, *PSLIST_HEADER;

WINBASEAPI void WINAPI InitializeSListHead(PSLIST_HEADER ListHead);
/* Each returns the entry that was first before the call (NULL: the list was empty). */
WINBASEAPI PSLIST_ENTRY WINAPI InterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry);
WINBASEAPI PSLIST_ENTRY WINAPI InterlockedPopEntrySList(PSLIST_HEADER ListHead);
WINBASEAPI PSLIST_ENTRY WINAPI InterlockedFlushSList(PSLIST_HEADER ListHead);
WINBASEAPI USHORT WINAPI QueryDepthSList(PSLIST_HEADER ListHead);
/* Pushes the chain List..ListEnd the caller linked, Count entries long (Count is what the depth
 * grows by). */
WINBASEAPI PSLIST_ENTRY WINAPI InterlockedPushListSListEx(PSLIST_HEADER ListHead, PSLIST_ENTRY List,
                                                          PSLIST_ENTRY ListEnd, ULONG Count);
/* ntdll's: the same, and the first entry without popping it. */
WINBASEAPI PSLIST_ENTRY WINAPI RtlFirstEntrySList(const SLIST_HEADER *ListHead);

/* ---- timer queues (runtime/timerq.c) ---- */
typedef void(WINAPI *WAITORTIMERCALLBACK)(PVOID Parameter, BOOLEAN TimerOrWaitFired);
#define WT_EXECUTEDEFAULT 0x00000000
#define WT_EXECUTEINIOTHREAD 0x00000001
#define WT_EXECUTEINWAITTHREAD 0x00000004
#define WT_EXECUTEONLYONCE 0x00000008
#define WT_EXECUTEINTIMERTHREAD 0x00000020
#define WT_EXECUTELONGFUNCTION 0x00000010
#define WT_EXECUTEINPERSISTENTTHREAD 0x00000080
#define WT_TRANSFER_IMPERSONATION 0x00000100
WINBASEAPI HANDLE WINAPI CreateTimerQueue(void);
/* TimerQueue NULL: the process's default queue.  Period 0 (or WT_EXECUTEONLYONCE): once. */
WINBASEAPI BOOL WINAPI CreateTimerQueueTimer(PHANDLE phNewTimer, HANDLE TimerQueue, WAITORTIMERCALLBACK Callback,
                                             PVOID Parameter, DWORD DueTime, DWORD Period, ULONG Flags);
WINBASEAPI BOOL WINAPI ChangeTimerQueueTimer(HANDLE TimerQueue, HANDLE Timer, ULONG DueTime, ULONG Period);
/* CompletionEvent NULL: returns at once (FALSE, ERROR_IO_PENDING while a callback is queued or
 * running); INVALID_HANDLE_VALUE: returns when they are done; an event: signalled when they are
 * (FALSE, ERROR_IO_PENDING if that is later). */
WINBASEAPI BOOL WINAPI DeleteTimerQueueTimer(HANDLE TimerQueue, HANDLE Timer, HANDLE CompletionEvent);
WINBASEAPI BOOL WINAPI DeleteTimerQueueEx(HANDLE TimerQueue, HANDLE CompletionEvent);
WINBASEAPI BOOL WINAPI DeleteTimerQueue(HANDLE TimerQueue);

/* ---- work items (runtime/workpool.c): Function(Context) on a worker thread ---- */
WINBASEAPI BOOL WINAPI QueueUserWorkItem(LPTHREAD_START_ROUTINE Function, PVOID Context, ULONG Flags);

/* ---- registered waits (runtime/regwait.c): Callback(Context, TRUE) when dwMilliseconds pass,
 * (Context, FALSE) when hObject is signalled; again unless WT_EXECUTEONLYONCE.  Unregistering
 * follows DeleteTimerQueueTimer's rules for CompletionEvent. ---- */
WINBASEAPI BOOL WINAPI RegisterWaitForSingleObject(PHANDLE phNewWaitObject, HANDLE hObject,
                                                   WAITORTIMERCALLBACK Callback, PVOID Context,
                                                   ULONG dwMilliseconds, ULONG dwFlags);
WINBASEAPI BOOL WINAPI UnregisterWait(HANDLE WaitHandle);
WINBASEAPI BOOL WINAPI UnregisterWaitEx(HANDLE WaitHandle, HANDLE CompletionEvent);

#ifdef __cplusplus
}
#endif

#endif
