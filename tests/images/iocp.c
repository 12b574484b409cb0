/* SPDX-License-Identifier: MIT */
/* iocp.c - I/O completion ports from PE code (tests/test_iocp.c runs it under `winvm run`):
 * packets posted and removed in order, timeouts, the waiters released last-first, the wait
 * ended by the port's close, a file's and a named pipe's overlapped requests posting to the
 * port they are associated with (a failed one's packet, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS,
 * hEvent's bit 0), and ntdll's calls with a named port.  Expected values: Wine's
 * ntdll/tests/file.c and kernel32/tests/file.c as run on Windows, and Windows' documentation.
 * Prints "ok NAME" or "FAIL NAME (0xDETAIL)", exits 0 when all passed. */
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "nt_objattr.h"
#include "nt_check.h"

typedef struct {
    ULONG_PTR Key, Value;
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} COMPINFO;
NTSTATUS NTAPI NtCreateIoCompletion(PHANDLE, ACCESS_MASK, OBJATTR *, ULONG);
NTSTATUS NTAPI NtOpenIoCompletion(PHANDLE, ACCESS_MASK, OBJATTR *);
NTSTATUS NTAPI NtSetIoCompletion(HANDLE, ULONG_PTR, ULONG_PTR, NTSTATUS, SIZE_T);
NTSTATUS NTAPI NtRemoveIoCompletion(HANDLE, PULONG_PTR, PULONG_PTR, IOSB *, PLARGE_INTEGER);
NTSTATUS NTAPI NtRemoveIoCompletionEx(HANDLE, COMPINFO *, ULONG, ULONG *, PLARGE_INTEGER, BOOLEAN);
NTSTATUS NTAPI NtQueryIoCompletion(HANDLE, int, PVOID, ULONG, PULONG);
NTSTATUS NTAPI NtCreateEvent(PHANDLE, ACCESS_MASK, OBJATTR *, int, BOOLEAN);
NTSTATUS NTAPI NtClose(HANDLE);
NTSTATUS NTAPI NtWriteFile(HANDLE, HANDLE, PVOID, PVOID, IOSB *, const void *, ULONG, PLARGE_INTEGER, PULONG);

static LONG depth(HANDLE port)
{
    LONG d = -1;
    ULONG len = 0;
    NTSTATUS st = NtQueryIoCompletion(port, 0, &d, sizeof(d), &len);
    return st || len != sizeof(d) ? -100 : d;
}

/* Whether the next packet is (key, ov, n, ok); ms 0. */
static int next_is(HANDLE port, ULONG_PTR key, OVERLAPPED *ov, DWORD n, BOOL ok, DWORD err)
{
    DWORD got = 0xdead;
    ULONG_PTR k = 0xdead;
    OVERLAPPED *o = (OVERLAPPED *)1;
    SetLastError(0xbeef);
    BOOL r = GetQueuedCompletionStatus(port, &got, &k, &o, 0);
    if (!r != !ok || k != key || o != ov || got != n || (!ok && GetLastError() != err))
        printf("  got r=%d key=%llx ov=%p n=%lu err=%lu\n", r, (unsigned long long)k, (void *)o, got, GetLastError());
    return !r == !ok && k == key && o == ov && got == n && (ok || GetLastError() == err);
}

static int next_is_wait(HANDLE port, ULONG_PTR key, OVERLAPPED *ov, DWORD n)
{
    DWORD got = 0;
    ULONG_PTR k = 0;
    OVERLAPPED *o = NULL;
    return GetQueuedCompletionStatus(port, &got, &k, &o, 2000) && k == key && o == ov && got == n;
}

static int empty(HANDLE port)
{
    DWORD got = 0;
    ULONG_PTR k = 0;
    OVERLAPPED *o = (OVERLAPPED *)1;
    BOOL r = GetQueuedCompletionStatus(port, &got, &k, &o, 0);
    return !r && GetLastError() == WAIT_TIMEOUT && !o;
}

static void basics(void)
{
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    check(port != NULL, "new_port", GetLastError());
    SetLastError(0);
    HANDLE bad = CreateIoCompletionPort(INVALID_HANDLE_VALUE, port, 1, 0);
    check(!bad && GetLastError() == ERROR_INVALID_PARAMETER, "existing_port_without_file", GetLastError());
    check(empty(port), "poll_times_out", GetLastError());
    DWORD t0 = GetTickCount(), n;
    ULONG_PTR k;
    OVERLAPPED *o = (OVERLAPPED *)1;
    BOOL r = GetQueuedCompletionStatus(port, &n, &k, &o, 200);
    DWORD el = GetTickCount() - t0;
    check(!r && GetLastError() == WAIT_TIMEOUT && !o && el >= 150 && el < 2000, "timeout_waits", el);
    OVERLAPPED a, b, c;
    PostQueuedCompletionStatus(port, 1, 11, &a);
    PostQueuedCompletionStatus(port, 2, 22, &b);
    check(PostQueuedCompletionStatus(port, 3, 33, &c), "post", GetLastError());
    check(depth(port) == 3, "query_depth", depth(port));
    check(next_is(port, 11, &a, 1, TRUE, 0) && next_is(port, 22, &b, 2, TRUE, 0) && next_is(port, 33, &c, 3, TRUE, 0) &&
              empty(port) && depth(port) == 0,
          "fifo", 0);
    /* a packet with an error status: FALSE, its error, its OVERLAPPED and count given */
    NtSetIoCompletion(port, 5, (ULONG_PTR)&a, 0xC0000010 /* STATUS_INVALID_DEVICE_REQUEST */, 9);
    check(next_is(port, 5, &a, 9, FALSE, ERROR_INVALID_FUNCTION), "failed_packet", 0);
    OVERLAPPED_ENTRY e[4];
    ULONG got = 0;
    PostQueuedCompletionStatus(port, 7, 70, &a);
    PostQueuedCompletionStatus(port, 8, 80, &b);
    r = GetQueuedCompletionStatusEx(port, e, 4, &got, 0, FALSE);
    check(r && got == 2 && e[0].lpCompletionKey == 70 && e[0].lpOverlapped == &a &&
              e[0].dwNumberOfBytesTransferred == 7 && e[0].Internal == 0 && e[1].lpCompletionKey == 80 &&
              e[1].lpOverlapped == &b && e[1].dwNumberOfBytesTransferred == 8,
          "get_ex_takes_several", got);
    r = GetQueuedCompletionStatusEx(port, e, 4, &got, 0, FALSE);
    check(!r && GetLastError() == WAIT_TIMEOUT, "get_ex_times_out", GetLastError());
    HANDLE dup = NULL;
    DuplicateHandle(GetCurrentProcess(), port, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS);
    PostQueuedCompletionStatus(dup, 4, 44, NULL);
    check(dup && CloseHandle(dup) && next_is(port, 44, NULL, 4, TRUE, 0), "duplicated_handle", 0);
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    r = GetQueuedCompletionStatus(ev, &n, &k, &o, 0);
    check(!r && GetLastError() == ERROR_INVALID_HANDLE, "event_is_no_port", GetLastError());
    r = PostQueuedCompletionStatus(ev, 0, 0, NULL);
    check(!r && GetLastError() == ERROR_INVALID_HANDLE, "post_to_event", GetLastError());
    CloseHandle(ev);
    check(CloseHandle(port), "close_port", GetLastError());
    r = PostQueuedCompletionStatus(port, 0, 0, NULL);
    check(!r && GetLastError() == ERROR_INVALID_HANDLE, "closed_port_is_invalid", GetLastError());
}

struct waiter {
    HANDLE port;
    ULONG_PTR key;
    DWORD err, order;
    BOOL r;
    OVERLAPPED *ov;
};
static volatile LONG served;

static DWORD WINAPI wait_one(void *arg)
{
    struct waiter *w = arg;
    DWORD n;
    w->ov = (OVERLAPPED *)1;
    w->r = GetQueuedCompletionStatus(w->port, &n, &w->key, &w->ov, 5000);
    w->err = GetLastError();
    w->order = (DWORD)InterlockedIncrement(&served);
    return 0;
}

static void threads(void)
{
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 2);
    struct waiter w1 = {port}, w2 = {port};
    HANDLE t1 = CreateThread(NULL, 0, wait_one, &w1, 0, NULL);
    Sleep(150);
    HANDLE t2 = CreateThread(NULL, 0, wait_one, &w2, 0, NULL);
    Sleep(150);
    PostQueuedCompletionStatus(port, 0, 1, NULL);
    Sleep(150);
    PostQueuedCompletionStatus(port, 0, 2, NULL);
    WaitForSingleObject(t1, 6000), WaitForSingleObject(t2, 6000);
    check(w1.r && w2.r && w2.key == 1 && w1.key == 2 && w2.order == 1, "waiters_released_last_first", w2.key);
    /* the last handle closed while a thread waits: ERROR_ABANDONED_WAIT_0, no OVERLAPPED */
    struct waiter w3 = {port};
    HANDLE t3 = CreateThread(NULL, 0, wait_one, &w3, 0, NULL);
    Sleep(150);
    CloseHandle(port);
    DWORD wr = WaitForSingleObject(t3, 3000);
    check(wr == WAIT_OBJECT_0 && !w3.r && w3.err == ERROR_ABANDONED_WAIT_0 && !w3.ov, "close_abandons_wait", w3.err);
    CloseHandle(t1), CloseHandle(t2), CloseHandle(t3);
}

static void file_io(void)
{
    char dir[MAX_PATH], path[MAX_PATH];
    GetTempPathA(sizeof(dir), dir);
    GetTempFileNameA(dir, "iocp", 0, path);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_FLAG_OVERLAPPED | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    HANDLE port = CreateIoCompletionPort(f, NULL, 77, 0);
    check(f != INVALID_HANDLE_VALUE && port != NULL, "file_port", GetLastError());
    HANDLE port2 = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    SetLastError(0);
    check(!CreateIoCompletionPort(f, port2, 1, 0) && GetLastError() == ERROR_INVALID_PARAMETER,
          "associated_once", GetLastError());
    OVERLAPPED ov = {0};
    DWORD n = 0;
    BOOL r = WriteFile(f, "hello", 5, &n, &ov);
    if (!r && GetLastError() == ERROR_IO_PENDING)
        r = GetOverlappedResult(f, &ov, &n, TRUE);
    check(r && n == 5, "write", GetLastError());
    check(next_is(port, 77, &ov, 5, TRUE, 0) && empty(port), "write_posts", 0);
    OVERLAPPED ov2 = {0};
    ov2.hEvent = (HANDLE)((ULONG_PTR)CreateEventA(NULL, TRUE, FALSE, NULL) | 1);
    char buf[8];
    r = ReadFile(f, buf, 5, &n, &ov2);
    if (!r && GetLastError() == ERROR_IO_PENDING)
        r = GetOverlappedResult(f, &ov2, &n, TRUE);
    check(r && n == 5 && !memcmp(buf, "hello", 5) && empty(port), "event_bit0_posts_nothing", n);
    CloseHandle((HANDLE)((ULONG_PTR)ov2.hEvent & ~(ULONG_PTR)1));
    /* ntdll: the ApcContext is the packet's value; none without one */
    IOSB io = {0};
    LARGE_INTEGER at = {.QuadPart = 1};
    /* (Windows may answer STATUS_PENDING on this handle: the packet comes all the same) */
    NTSTATUS st = NtWriteFile(f, NULL, NULL, (PVOID)0x1234, &io, "ab", 2, &at, NULL);
    ULONG_PTR key = 0;
    OVERLAPPED *po = NULL;
    r = GetQueuedCompletionStatus(port, &n, &key, &po, 2000);
    check((!st || st == 0x103) && r && key == 77 && po == (OVERLAPPED *)0x1234 && n == 2, "nt_write_posts_its_context",
          st);
    st = NtWriteFile(f, NULL, NULL, NULL, &io, "ab", 2, &at, NULL);
    Sleep(100);
    check((!st || st == 0x103) && empty(port), "nt_write_without_context_posts_nothing", st);
    check(SetFileCompletionNotificationModes(f, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS), "set_modes", GetLastError());
    /* at once: no packet; pending (Windows may): its packet comes */
    OVERLAPPED ov3 = {0};
    r = WriteFile(f, "x", 1, &n, &ov3);
    check(r ? empty(port) : GetLastError() == ERROR_IO_PENDING && next_is_wait(port, 77, &ov3, 1), "skip_on_success", r);
    HANDLE sync = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                              OPEN_EXISTING, 0, NULL);
    if (sync == INVALID_HANDLE_VALUE) /* the first handle shares nothing: a file of its own */
        sync = CreateFileA(dir, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS,
                           NULL);
    SetLastError(0);
    check(sync != INVALID_HANDLE_VALUE && !SetFileCompletionNotificationModes(sync, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) &&
              GetLastError() == ERROR_INVALID_PARAMETER,
          "skip_refused_on_synchronous_handle", GetLastError());
    CloseHandle(sync);
    CloseHandle(f), CloseHandle(port), CloseHandle(port2);
}

static void pipe_io(void)
{
    const char *name = "\\\\.\\pipe\\winvm_iocp_test";
    HANDLE srv = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, PIPE_TYPE_BYTE, 1, 512, 512, 0, NULL);
    HANDLE cli = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    OVERLAPPED ovc = {0};
    ovc.hEvent = CreateEventA(NULL, TRUE, FALSE, NULL);
    DWORD got;
    if (!ConnectNamedPipe(srv, &ovc) && GetLastError() == ERROR_IO_PENDING)
        GetOverlappedResult(srv, &ovc, &got, TRUE);
    CloseHandle(ovc.hEvent);
    HANDLE port = CreateIoCompletionPort(srv, NULL, 5, 1);
    check(srv != INVALID_HANDLE_VALUE && cli != INVALID_HANDLE_VALUE && port, "pipe_port", GetLastError());
    OVERLAPPED ov = {0};
    char buf[16];
    DWORD n = 0;
    BOOL r = ReadFile(srv, buf, sizeof(buf), &n, &ov);
    check(!r && GetLastError() == ERROR_IO_PENDING && empty(port), "pipe_read_pends", GetLastError());
    WriteFile(cli, "abc", 3, &n, NULL);
    ULONG_PTR k = 0;
    OVERLAPPED *o = NULL;
    r = GetQueuedCompletionStatus(port, &n, &k, &o, 3000);
    check(r && k == 5 && o == &ov && n == 3 && !memcmp(buf, "abc", 3), "pending_read_posts", n);
    OVERLAPPED ov2 = {0};
    r = ReadFile(srv, buf, sizeof(buf), &n, &ov2);
    check(!r && GetLastError() == ERROR_IO_PENDING, "second_read_pends", GetLastError());
    CloseHandle(cli);
    o = NULL, n = 0xdead;
    SetLastError(0);
    r = GetQueuedCompletionStatus(port, &n, &k, &o, 3000);
    check(!r && GetLastError() == ERROR_BROKEN_PIPE && o == &ov2 && k == 5 && n == 0, "failed_read_posts_its_error",
          GetLastError());
    CloseHandle(srv), CloseHandle(port);
}

static VOID CALLBACK apc_proc(ULONG_PTR arg) { (*(int *)arg)++; }

static OBJATTR *oa(const WCHAR *name)
{
    static UNISTR u;
    static OBJATTR a;
    u.Length = (USHORT)(wcslen(name) * 2), u.MaximumLength = u.Length + 2, u.Buffer = (PWSTR)name;
    a = (OBJATTR){sizeof(OBJATTR), NULL, &u, 0, NULL, NULL};
    return &a;
}

static void nt_calls(void)
{
    const WCHAR *name = L"\\BaseNamedObjects\\winvm_iocp_named";
    HANDLE h = NULL, h2 = NULL, h3 = NULL;
    NTSTATUS st = NtCreateIoCompletion(&h, 0x1F0003, oa(name), 0);
    check(!st && h, "nt_create_named", st);
    st = NtOpenIoCompletion(&h2, 0x1F0003, oa(name));
    check(!st && h2 && h2 != h, "nt_open_named", st);
    st = NtCreateIoCompletion(&h3, 0x1F0003, oa(name), 0);
    check(st == (NTSTATUS)0xC0000035, "nt_create_collision", st); /* STATUS_OBJECT_NAME_COLLISION */
    NtSetIoCompletion(h, 123, 456, 789, 10);
    ULONG_PTR k = 0, v = 0;
    IOSB io = {0};
    LARGE_INTEGER zero = {0};
    st = NtRemoveIoCompletion(h2, &k, &v, &io, &zero);
    check(!st && k == 123 && v == 456 && io.Status == 789 && io.Information == 10, "nt_remove_through_open", st);
    st = NtRemoveIoCompletion(h2, &k, &v, &io, &zero);
    check(st == 0x102, "nt_remove_times_out", st);
    COMPINFO info[2];
    ULONG count = 0xdeadbeef;
    st = NtRemoveIoCompletionEx(h, info, 2, &count, &zero, FALSE);
    check(st == 0x102 && count == 1, "nt_remove_ex_timeout_count", count);
    NtSetIoCompletion(h, 1, 2, 3, 4);
    NtSetIoCompletion(h, 5, 6, 7, 8);
    st = NtRemoveIoCompletionEx(h, info, 2, &count, &zero, FALSE);
    check(!st && count == 2 && info[0].Key == 1 && info[1].Value == 6 && info[1].Status == 7 && info[1].Information == 8,
          "nt_remove_ex_two", count);
    int apcs = 0;
    QueueUserAPC(apc_proc, GetCurrentThread(), (ULONG_PTR)&apcs);
    LARGE_INTEGER t = {.QuadPart = -10000000};
    st = NtRemoveIoCompletionEx(h, info, 2, &count, &t, TRUE);
    check(st == 0xC0 && apcs == 1, "nt_remove_ex_alertable_apc", st); /* STATUS_USER_APC */
    ULONG len;
    LONG d;
    st = NtQueryIoCompletion(h, 0, &d, 2, &len);
    check(st == (NTSTATUS)0xC0000004, "nt_query_length", st); /* STATUS_INFO_LENGTH_MISMATCH */
    NtClose(h), NtClose(h2);
    st = NtOpenIoCompletion(&h3, 0x1F0003, oa(name));
    check(st == (NTSTATUS)0xC0000034, "nt_name_gone_with_handles", st); /* STATUS_OBJECT_NAME_NOT_FOUND */
    HANDLE ev = NULL;
    NtCreateEvent(&ev, 0x1F0003, oa(name), 0, FALSE);
    st = NtCreateIoCompletion(&h3, 0x1F0003, oa(name), 0);
    check(ev && st == (NTSTATUS)0xC0000024, "nt_name_of_an_event", st); /* STATUS_OBJECT_TYPE_MISMATCH */
    NtClose(ev);
}

int main(void)
{
    basics();
    threads();
    file_io();
    pipe_io();
    nt_calls();
    printf("%d failures\n", failures);
    return failures != 0;
}
