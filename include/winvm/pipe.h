/* SPDX-License-Identifier: MIT */
/* winvm/pipe.h - named pipes and overlapped I/O (kernel32): CreateNamedPipe, ConnectNamedPipe,
 * DisconnectNamedPipe, WaitNamedPipe, CallNamedPipe, TransactNamedPipe, the handle state calls,
 * GetOverlappedResult(Ex), CancelIo(Ex); mailslots.  Windows' names, types and constant values.  A pipe's
 * client end is CreateFile on "\\\\.\\pipe\\NAME"; ReadFile, WriteFile and PeekNamedPipe work
 * on both ends, with an OVERLAPPED when the handle was opened with FILE_FLAG_OVERLAPPED.
 */
#ifndef WINVM_PIPE_H
#define WINVM_PIPE_H

#ifdef __cplusplus
extern "C" {
#endif

#define PIPE_ACCESS_INBOUND 0x00000001
#define PIPE_ACCESS_OUTBOUND 0x00000002
#define PIPE_ACCESS_DUPLEX 0x00000003
#define FILE_FLAG_FIRST_PIPE_INSTANCE 0x00080000
#define PIPE_TYPE_BYTE 0x00000000
#define PIPE_TYPE_MESSAGE 0x00000004
#define PIPE_READMODE_BYTE 0x00000000
#define PIPE_READMODE_MESSAGE 0x00000002
#define PIPE_WAIT 0x00000000
#define PIPE_NOWAIT 0x00000001
#define PIPE_ACCEPT_REMOTE_CLIENTS 0x00000000
#define PIPE_REJECT_REMOTE_CLIENTS 0x00000008
#define PIPE_UNLIMITED_INSTANCES 255
#define PIPE_CLIENT_END 0x00000000
#define PIPE_SERVER_END 0x00000001
#define NMPWAIT_USE_DEFAULT_WAIT 0x00000000
#define NMPWAIT_NOWAIT 0x00000001
#define NMPWAIT_WAIT_FOREVER 0xffffffff

#define ERROR_SEM_TIMEOUT 121L
#define ERROR_BAD_PATHNAME 161L
#define ERROR_BAD_PIPE 230L
#define ERROR_PIPE_BUSY 231L
#define ERROR_PIPE_NOT_CONNECTED 233L
#define ERROR_PIPE_CONNECTED 535L
#define ERROR_PIPE_LISTENING 536L
#define ERROR_OPERATION_ABORTED 995L
#define ERROR_IO_INCOMPLETE 996L
#define ERROR_IO_PENDING 997L
#define ERROR_NOT_FOUND 1168L

#define MAILSLOT_NO_MESSAGE ((DWORD)-1)
#define MAILSLOT_WAIT_FOREVER ((DWORD)-1)

#define STATUS_PENDING 0x00000103
#define HasOverlappedIoCompleted(ov) (((DWORD)(ov)->Internal) != STATUS_PENDING)

HANDLE WINAPI CreateNamedPipeA(LPCSTR name, DWORD open_mode, DWORD pipe_mode, DWORD max_instances,
                               DWORD out_size, DWORD in_size, DWORD timeout, LPSECURITY_ATTRIBUTES sa);
HANDLE WINAPI CreateNamedPipeW(LPCWSTR name, DWORD open_mode, DWORD pipe_mode, DWORD max_instances,
                               DWORD out_size, DWORD in_size, DWORD timeout, LPSECURITY_ATTRIBUTES sa);
BOOL WINAPI ConnectNamedPipe(HANDLE pipe, LPOVERLAPPED ov);
BOOL WINAPI DisconnectNamedPipe(HANDLE pipe);
BOOL WINAPI WaitNamedPipeA(LPCSTR name, DWORD timeout);
BOOL WINAPI WaitNamedPipeW(LPCWSTR name, DWORD timeout);
BOOL WINAPI CallNamedPipeA(LPCSTR name, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD nread,
                           DWORD timeout);
BOOL WINAPI CallNamedPipeW(LPCWSTR name, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD nread,
                           DWORD timeout);
BOOL WINAPI TransactNamedPipe(HANDLE pipe, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD nread,
                              LPOVERLAPPED ov);
BOOL WINAPI SetNamedPipeHandleState(HANDLE pipe, LPDWORD mode, LPDWORD max_collect, LPDWORD timeout);
BOOL WINAPI GetOverlappedResult(HANDLE h, LPOVERLAPPED ov, LPDWORD count, BOOL wait);
BOOL WINAPI GetOverlappedResultEx(HANDLE h, LPOVERLAPPED ov, LPDWORD count, DWORD ms, BOOL alertable);
/* Mailslots: the server reads whole messages, which clients (CreateFile on
 * "\\\\.\\mailslot\\NAME", GENERIC_WRITE, FILE_SHARE_READ) write with WriteFile, from any
 * process of the user. */
HANDLE WINAPI CreateMailslotA(LPCSTR name, DWORD max_message, DWORD read_timeout, LPSECURITY_ATTRIBUTES sa);
HANDLE WINAPI CreateMailslotW(LPCWSTR name, DWORD max_message, DWORD read_timeout, LPSECURITY_ATTRIBUTES sa);
BOOL WINAPI GetMailslotInfo(HANDLE slot, LPDWORD max_message, LPDWORD next_size, LPDWORD count, LPDWORD read_timeout);
BOOL WINAPI SetMailslotInfo(HANDLE slot, DWORD read_timeout);
BOOL WINAPI CancelIo(HANDLE h);
BOOL WINAPI CancelIoEx(HANDLE h, LPOVERLAPPED ov);

#ifdef __cplusplus
}
#endif
#endif /* WINVM_PIPE_H */
