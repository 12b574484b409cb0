/* SPDX-License-Identifier: MIT */
/* winvm/iocp.h - I/O completion ports: kernel32's CreateIoCompletionPort,
 * GetQueuedCompletionStatus(Ex), PostQueuedCompletionStatus, SetFileCompletionNotificationModes,
 * and ntdll's NtCreate/Open/Set/Remove/RemoveEx/QueryIoCompletion.  Windows' names, types and
 * constant values.  Ports live in the process that made them (a name is found by its opens).
 */
#ifndef WINVM_IOCP_H
#define WINVM_IOCP_H

#include <winvm/ntdll.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IO_COMPLETION_QUERY_STATE 0x0001
#define IO_COMPLETION_MODIFY_STATE 0x0002
#define IO_COMPLETION_ALL_ACCESS 0x001F0003
#define FILE_SKIP_COMPLETION_PORT_ON_SUCCESS 0x1
#define FILE_SKIP_SET_EVENT_ON_HANDLE 0x2
#ifndef ERROR_ABANDONED_WAIT_0
#define ERROR_ABANDONED_WAIT_0 735L
#endif

typedef struct _OVERLAPPED_ENTRY {
    ULONG_PTR lpCompletionKey;
    LPOVERLAPPED lpOverlapped;
    ULONG_PTR Internal;
    DWORD dwNumberOfBytesTransferred;
} OVERLAPPED_ENTRY, *LPOVERLAPPED_ENTRY;

typedef struct _FILE_IO_COMPLETION_INFORMATION {
    ULONG_PTR CompletionKey;
    ULONG_PTR CompletionValue;
    IO_STATUS_BLOCK IoStatusBlock;
} FILE_IO_COMPLETION_INFORMATION, *PFILE_IO_COMPLETION_INFORMATION;

typedef enum _IO_COMPLETION_INFORMATION_CLASS { IoCompletionBasicInformation } IO_COMPLETION_INFORMATION_CLASS;
typedef struct _IO_COMPLETION_BASIC_INFORMATION {
    LONG Depth;
} IO_COMPLETION_BASIC_INFORMATION;

HANDLE WINAPI CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads);
BOOL WINAPI GetQueuedCompletionStatus(HANDLE port, LPDWORD count, PULONG_PTR key, LPOVERLAPPED *ov, DWORD ms);
BOOL WINAPI GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries, ULONG n, PULONG removed, DWORD ms,
                                        BOOL alertable);
BOOL WINAPI PostQueuedCompletionStatus(HANDLE port, DWORD count, ULONG_PTR key, LPOVERLAPPED ov);
BOOL WINAPI SetFileCompletionNotificationModes(HANDLE file, UCHAR flags);

NTSYSAPI NTSTATUS NTAPI NtCreateIoCompletion(PHANDLE h, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, ULONG threads);
NTSYSAPI NTSTATUS NTAPI NtOpenIoCompletion(PHANDLE h, ACCESS_MASK access, POBJECT_ATTRIBUTES oa);
NTSYSAPI NTSTATUS NTAPI NtSetIoCompletion(HANDLE h, ULONG_PTR key, ULONG_PTR value, NTSTATUS status,
                                          SIZE_T info);
NTSYSAPI NTSTATUS NTAPI NtRemoveIoCompletion(HANDLE h, PULONG_PTR key, PULONG_PTR value, PIO_STATUS_BLOCK iosb,
                                             PLARGE_INTEGER timeout);
NTSYSAPI NTSTATUS NTAPI NtRemoveIoCompletionEx(HANDLE h, FILE_IO_COMPLETION_INFORMATION *info, ULONG count,
                                               ULONG *written, PLARGE_INTEGER timeout, BOOLEAN alertable);
NTSYSAPI NTSTATUS NTAPI NtQueryIoCompletion(HANDLE h, IO_COMPLETION_INFORMATION_CLASS cls, PVOID buf, ULONG len,
                                            PULONG ret);

#ifdef __cplusplus
}
#endif
#endif
