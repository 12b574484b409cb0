/* SPDX-License-Identifier: MIT */
/* npipes.c - npipes.exe: named pipes and overlapped I/O from PE code (tests/test_pipes.c runs
 * it).  CRT-free (-nostdlib -e start, kernel32 only).  Prints "ok NAME" / "FAIL NAME" lines;
 * exits with the failures.  With the argument "squat" it only tries to create a pipe and prints
 * the error (the test gives it a namespace directory someone else could enter).
 *
 *   bad_input       names outside \\.\pipe\, zero instances, message reads on a byte pipe,
 *                   a name with no server (CreateFile, WaitNamedPipe): Windows' errors
 *   listening       an unconnected server end: reads, writes, Disconnect: ERROR_PIPE_LISTENING
 *   instances       a second instance past nMaxInstances is ERROR_PIPE_BUSY, with
 *                   FILE_FLAG_FIRST_PIPE_INSTANCE too; that flag on a live name with room
 *                   ERROR_ACCESS_DENIED
 *   byte_pipe       a client by another case of the name; bytes both ways; PeekNamedPipe
 *   message_pipe    messages keep their bounds; a short buffer: ERROR_MORE_DATA and the rest next
 *   handle_state    SetNamedPipeHandleState: message reads on a message pipe; refused on a byte pipe
 *   transact        TransactNamedPipe and CallNamedPipe against a server thread
 *   broken          the client gone: read ERROR_BROKEN_PIPE, write ERROR_NO_DATA, Connect
 *                   ERROR_NO_DATA; Disconnect, then ERROR_PIPE_NOT_CONNECTED; a new client
 *   early_client    a client's CreateFile connects before ConnectNamedPipe: the server reads and
 *                   peeks what it wrote, ConnectNamedPipe is then ERROR_PIPE_CONNECTED
 *   server_disconnects  DisconnectNamedPipe with the client's bytes unread: the client's reads,
 *                   writes and peeks are ERROR_PIPE_NOT_CONNECTED, a second Disconnect too; the
 *                   same seen by a client in another process (npipes.exe peer PID)
 *   ov_connect      an overlapped ConnectNamedPipe pends (Internal STATUS_PENDING, result
 *                   ERROR_IO_INCOMPLETE) until a client comes, then the event is set
 *   ov_read         a pending read completes with the bytes; data already there completes at once;
 *                   a pending read whose Internal the program overwrote still completes (the
 *                   wait is for the request, not for Internal's STATUS_PENDING)
 *   ov_cancel       CancelIo, CancelIoEx: ERROR_OPERATION_ABORTED, STATUS_CANCELLED; nothing
 *                   pending: ERROR_NOT_FOUND; GetOverlappedResultEx times out with WAIT_TIMEOUT
 *   ov_no_event     an OVERLAPPED without an event: GetOverlappedResult waits all the same
 *   ov_file         a FILE_FLAG_OVERLAPPED file: Offset/OffsetHigh honoured, EOF is
 *                   ERROR_HANDLE_EOF; a plain handle with an OVERLAPPED reads at the offset and
 *                   moves its position; a bad OVERLAPPED pointer is ERROR_NOACCESS
 */
#include "exe_util.h"

#define STATUS_CANCELLED_ 0xC0000120

static BOOL fails_with(BOOL failed, DWORD err) { return failed && GetLastError() == err; }

static BOOL same(const char *a, const char *b, DWORD n)
{
    for (DWORD i = 0; i < n; i++)
        if (a[i] != b[i])
            return FALSE;
    return TRUE;
}

/* "\\.\pipe\wvt-PID-TAG" into out (upper: the same name in another case) for process pid. */
static char *pipe_name_of(char *out, DWORD pid, const char *tag, BOOL upper)
{
    const char *pre = upper ? "\\\\.\\PIPE\\WVT-" : "\\\\.\\pipe\\wvt-";
    int k = 0;
    for (int i = 0; pre[i]; i++)
        out[k++] = pre[i];
    k += eu_fmt_dec(out + k, (LONG64)pid);
    out[k++] = '-';
    for (int i = 0; tag[i]; i++)
        out[k++] = upper && tag[i] >= 'a' && tag[i] <= 'z' ? tag[i] - 32 : tag[i];
    out[k] = 0;
    return out;
}

static char *pipe_name(char *out, const char *tag, BOOL upper)
{
    return pipe_name_of(out, GetCurrentProcessId(), tag, upper);
}

static HANDLE server(const char *tag, DWORD open_mode, DWORD pipe_mode, DWORD max)
{
    char name[96];
    return CreateNamedPipeA(pipe_name(name, tag, FALSE), open_mode, pipe_mode, max, 4096, 4096, 0, NULL);
}

static HANDLE client(const char *tag, DWORD flags)
{
    char name[96];
    return CreateFileA(pipe_name(name, tag, TRUE), GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, flags, NULL);
}

static BOOL connect_ok(HANDLE s) { return ConnectNamedPipe(s, NULL) || GetLastError() == ERROR_PIPE_CONNECTED; }

static void bad_input(void)
{
    char name[96];
    eu_check("bad_name", fails_with(CreateNamedPipeA("\\\\.\\nopipe\\x", PIPE_ACCESS_DUPLEX, 0, 1, 0, 0, 0, NULL) ==
                                        INVALID_HANDLE_VALUE, ERROR_INVALID_NAME));
    eu_check("zero_instances", fails_with(server("z", PIPE_ACCESS_DUPLEX, 0, 0) == INVALID_HANDLE_VALUE,
                                          ERROR_INVALID_PARAMETER));
    eu_check("message_reads_on_byte_pipe",
             fails_with(server("z", PIPE_ACCESS_DUPLEX, PIPE_READMODE_MESSAGE, 1) == INVALID_HANDLE_VALUE,
                        ERROR_INVALID_PARAMETER));
    eu_check("no_server", fails_with(client("none", 0) == INVALID_HANDLE_VALUE, ERROR_FILE_NOT_FOUND) &&
                              fails_with(!WaitNamedPipeA(pipe_name(name, "none", FALSE), 10), ERROR_FILE_NOT_FOUND));
    eu_check("bad_name_pointer", fails_with(CreateNamedPipeA((LPCSTR)8, PIPE_ACCESS_DUPLEX, 0, 1, 0, 0, 0, NULL) ==
                                                INVALID_HANDLE_VALUE, ERROR_NOACCESS));
}

static void listening(void)
{
    HANDLE s = server("listen", PIPE_ACCESS_DUPLEX, 0, 1);
    char buf[8];
    DWORD n;
    eu_check("listening", s != INVALID_HANDLE_VALUE && fails_with(!ReadFile(s, buf, 8, &n, NULL), ERROR_PIPE_LISTENING) &&
                              fails_with(!WriteFile(s, "x", 1, &n, NULL), ERROR_PIPE_LISTENING) &&
                              fails_with(!DisconnectNamedPipe(s), ERROR_PIPE_LISTENING) &&
                              GetFileType(s) == FILE_TYPE_PIPE);
    CloseHandle(s);
}

static void instances(void)
{
    HANDLE a = server("inst", PIPE_ACCESS_DUPLEX, 0, 2), b = server("inst", PIPE_ACCESS_DUPLEX, 0, 2);
    HANDLE c = server("inst", PIPE_ACCESS_DUPLEX, 0, 2);
    DWORD busy = GetLastError();
    /* FILE_FLAG_FIRST_PIPE_INSTANCE is FILE_CREATE, which a full name refuses for its instances
     * first (STATUS_INSTANCE_NOT_AVAILABLE, Wine's ntdll om.c), one with room as a name taken */
    HANDLE d = server("inst", PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE, 0, 2);
    DWORD full = GetLastError();
    CloseHandle(b);
    HANDLE e = server("inst", PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE, 0, 2);
    HANDLE inbound = server("inst", PIPE_ACCESS_INBOUND, 0, 2); /* every instance shares PIPE_ACCESS_* */
    DWORD access_err = GetLastError();
    eu_check("instances", a != INVALID_HANDLE_VALUE && b != INVALID_HANDLE_VALUE && c == INVALID_HANDLE_VALUE &&
                              busy == ERROR_PIPE_BUSY && d == INVALID_HANDLE_VALUE && full == ERROR_PIPE_BUSY &&
                              fails_with(e == INVALID_HANDLE_VALUE, ERROR_ACCESS_DENIED) &&
                              inbound == INVALID_HANDLE_VALUE && access_err == ERROR_ACCESS_DENIED);
    CloseHandle(a);
    a = server("inst", PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE, 0, 1);
    eu_check("name_free_after_close", a != INVALID_HANDLE_VALUE);
    CloseHandle(a);
}

static void byte_pipe(void)
{
    HANDLE s = server("bytes", PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
    HANDLE c = client("bytes", 0);
    char buf[16];
    DWORD n = 0, avail = 0, left = 9;
    eu_check("client_by_other_case", s != INVALID_HANDLE_VALUE && c != INVALID_HANDLE_VALUE && connect_ok(s));
    eu_check("byte_pipe", WriteFile(c, "abc", 3, &n, NULL) && n == 3 && WriteFile(c, "de", 2, &n, NULL) &&
                              PeekNamedPipe(s, buf, 2, &n, &avail, &left) && n == 2 && avail == 5 && left == 0 &&
                              same(buf, "ab", 2) && ReadFile(s, buf, 16, &n, NULL) && n == 5 &&
                              same(buf, "abcde", 5) && WriteFile(s, "back", 4, &n, NULL) &&
                              ReadFile(c, buf, 16, &n, NULL) && n == 4 && same(buf, "back", 4));
    CloseHandle(c), CloseHandle(s);
}

static void message_pipe(void)
{
    HANDLE s = server("msg", PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 1);
    HANDLE c = client("msg", 0);
    char buf[16];
    DWORD n = 0, avail = 0, left = 0;
    BOOL ok = s != INVALID_HANDLE_VALUE && c != INVALID_HANDLE_VALUE && connect_ok(s) &&
              WriteFile(c, "hello", 5, &n, NULL) && WriteFile(c, "world!!", 7, &n, NULL);
    eu_check("message_bounds", ok && ReadFile(s, buf, 16, &n, NULL) && n == 5 && same(buf, "hello", 5));
    eu_check("message_peek", PeekNamedPipe(s, buf, 2, &n, &avail, &left) && n == 2 && avail == 7 && left == 5);
    eu_check("message_more_data", fails_with(!ReadFile(s, buf, 3, &n, NULL), ERROR_MORE_DATA) && n == 3 &&
                                      same(buf, "wor", 3) && ReadFile(s, buf, 16, &n, NULL) && n == 4 &&
                                      same(buf, "ld!!", 4));
    DWORD mode = PIPE_READMODE_MESSAGE;
    eu_check("handle_state", SetNamedPipeHandleState(c, &mode, NULL, NULL) && WriteFile(s, "0123456789", 10, &n, NULL) &&
                                 fails_with(!ReadFile(c, buf, 4, &n, NULL), ERROR_MORE_DATA) && n == 4);
    CloseHandle(c), CloseHandle(s);
    s = server("msg2", PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
    c = client("msg2", 0);
    eu_check("handle_state_byte_pipe", fails_with(!SetNamedPipeHandleState(c, &mode, NULL, NULL), ERROR_INVALID_PARAMETER) &&
                                           fails_with(!TransactNamedPipe(c, "x", 1, buf, 4, &n, NULL), ERROR_BAD_PIPE));
    CloseHandle(c), CloseHandle(s);
}

/* A server answering one message with "pong:" and the message, then waiting for the client to go. */
static DWORD WINAPI answer(LPVOID arg)
{
    HANDLE s = (HANDLE)arg;
    char buf[32] = "pong:";
    DWORD n = 0, w;
    if (!connect_ok(s) || !ReadFile(s, buf + 5, 27, &n, NULL) || !WriteFile(s, buf, 5 + n, &w, NULL))
        return 1;
    ReadFile(s, buf, 1, &n, NULL); /* until the client closes */
    DisconnectNamedPipe(s);
    return 0;
}

static void transact(void)
{
    HANDLE s = server("tx", PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 1);
    HANDLE t = CreateThread(NULL, 0, answer, s, 0, NULL);
    HANDLE c = client("tx", 0);
    char buf[32], name[96];
    DWORD n = 0, mode = PIPE_READMODE_MESSAGE, code = 9;
    eu_check("transact", c != INVALID_HANDLE_VALUE && SetNamedPipeHandleState(c, &mode, NULL, NULL) &&
                             TransactNamedPipe(c, "ping", 4, buf, 32, &n, NULL) && n == 9 && same(buf, "pong:ping", 9));
    CloseHandle(c);
    WaitForSingleObject(t, 5000);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    t = CreateThread(NULL, 0, answer, s, 0, NULL);
    n = 0;
    eu_check("call_named_pipe", code == 0 && CallNamedPipeA(pipe_name(name, "tx", FALSE), "hi", 2, buf, 32, &n, 2000) &&
                                    n == 7 && same(buf, "pong:hi", 7));
    WaitForSingleObject(t, 5000);
    CloseHandle(t), CloseHandle(s);
}

static void broken(void)
{
    HANDLE s = server("brk", PIPE_ACCESS_DUPLEX, 0, 1), c = client("brk", 0);
    char buf[8];
    DWORD n;
    BOOL up = connect_ok(s) && WriteFile(c, "z", 1, &n, NULL);
    CloseHandle(c);
    eu_check("broken", up && ReadFile(s, buf, 8, &n, NULL) && n == 1 &&
                           fails_with(!ReadFile(s, buf, 8, &n, NULL), ERROR_BROKEN_PIPE) &&
                           fails_with(!WriteFile(s, "y", 1, &n, NULL), ERROR_NO_DATA) &&
                           fails_with(!ConnectNamedPipe(s, NULL), ERROR_NO_DATA));
    eu_check("disconnect", DisconnectNamedPipe(s) && fails_with(!ReadFile(s, buf, 8, &n, NULL), ERROR_PIPE_NOT_CONNECTED) &&
                               fails_with(!DisconnectNamedPipe(s), ERROR_PIPE_NOT_CONNECTED));
    c = client("brk", 0);
    eu_check("reconnect", c != INVALID_HANDLE_VALUE && connect_ok(s) && WriteFile(s, "again", 5, &n, NULL) &&
                              ReadFile(c, buf, 8, &n, NULL) && n == 5 && same(buf, "again", 5) &&
                              fails_with(!DisconnectNamedPipe(c), ERROR_INVALID_FUNCTION) &&
                              fails_with(!ConnectNamedPipe(c, NULL), ERROR_INVALID_FUNCTION));
    CloseHandle(c), CloseHandle(s);
}

static void early_client(void)
{
    HANDLE s = server("early", PIPE_ACCESS_DUPLEX, 0, 1), c = client("early", 0);
    char buf[8];
    DWORD n = 0, avail = 0;
    eu_check("early_client", s != INVALID_HANDLE_VALUE && c != INVALID_HANDLE_VALUE && WriteFile(c, "hey", 3, &n, NULL) &&
                                 PeekNamedPipe(s, NULL, 0, NULL, &avail, NULL) && avail == 3 &&
                                 ReadFile(s, buf, 8, &n, NULL) && n == 3 && same(buf, "hey", 3) &&
                                 fails_with(!ConnectNamedPipe(s, NULL), ERROR_PIPE_CONNECTED));
    CloseHandle(c), CloseHandle(s);
}

static void server_disconnects(void)
{
    HANDLE s = server("disc", PIPE_ACCESS_DUPLEX, 0, 1), c = client("disc", 0);
    char buf[8];
    DWORD n = 0, avail = 0;
    BOOL up = c != INVALID_HANDLE_VALUE && WriteFile(c, "unread", 6, &n, NULL);
    eu_check("server_disconnects",
             up && DisconnectNamedPipe(s) && fails_with(!WriteFile(c, "x", 1, &n, NULL), ERROR_PIPE_NOT_CONNECTED) &&
                 fails_with(!ReadFile(c, buf, 8, &n, NULL), ERROR_PIPE_NOT_CONNECTED) &&
                 fails_with(!PeekNamedPipe(c, NULL, 0, NULL, &avail, NULL), ERROR_PIPE_NOT_CONNECTED) &&
                 fails_with(!PeekNamedPipe(s, NULL, 0, NULL, &avail, NULL), ERROR_BAD_PIPE) &&
                 fails_with(!DisconnectNamedPipe(s), ERROR_PIPE_NOT_CONNECTED));
    CloseHandle(c), CloseHandle(s);
}

/* The client in another process: it writes, then its read waits until the server disconnects. */
static void peer(DWORD parent)
{
    char name[96], buf[8];
    DWORD n;
    HANDLE c = CreateFileA(pipe_name_of(name, parent, "peer", FALSE), GENERIC_READ | GENERIC_WRITE, 0, NULL,
                           OPEN_EXISTING, 0, NULL);
    BOOL ok = c != INVALID_HANDLE_VALUE && WriteFile(c, "hi", 2, &n, NULL) &&
              fails_with(!ReadFile(c, buf, 8, &n, NULL), ERROR_PIPE_NOT_CONNECTED) &&
              fails_with(!WriteFile(c, "x", 1, &n, NULL), ERROR_PIPE_NOT_CONNECTED);
    ExitProcess(ok ? 0 : 1);
}

static void disconnect_seen_by_another_process(void)
{
    HANDLE s = server("peer", PIPE_ACCESS_DUPLEX, 0, 1);
    char line[400];
    int k = 0;
    line[k++] = '"';
    k += (int)GetModuleFileNameA(NULL, line + k, 300);
    const char *arg = "\" peer ";
    for (int i = 0; arg[i]; i++)
        line[k++] = arg[i];
    k += eu_fmt_dec(line + k, (LONG64)GetCurrentProcessId());
    line[k] = 0;
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    DWORD avail = 0, code = 9;
    BOOL started = CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi);
    for (int i = 0; started && avail < 2 && i < 500; i++) /* its bytes, no ConnectNamedPipe */
        if (!PeekNamedPipe(s, NULL, 0, NULL, &avail, NULL) || avail < 2)
            Sleep(10);
    BOOL disc = avail == 2 && DisconnectNamedPipe(s);
    if (started) {
        WaitForSingleObject(pi.hProcess, 10000);
        GetExitCodeProcess(pi.hProcess, &code);
        CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
    }
    eu_check("disconnect_other_process", started && disc && code == 0);
    CloseHandle(s);
}

/* Five rounds on a one-instance name: an overlapped read completed, both ends closed, then the
 * name made again at once (the request's thread held the instance past GetOverlappedResult:
 * the next CreateNamedPipe failed, ERROR_PIPE_BUSY, or ERROR_ACCESS_DENIED with another type). */
static void overlapped_then_again(void)
{
    BOOL ok = TRUE;
    for (int i = 0; i < 5 && ok; i++) {
        HANDLE s = server("again", PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED, i & 1 ? PIPE_TYPE_MESSAGE : 0, 1);
        HANDLE c = client("again", 0);
        OVERLAPPED ov = {0};
        ov.hEvent = CreateEventA(NULL, TRUE, FALSE, NULL);
        char buf[16];
        DWORD n = 0, w = 0;
        ok = s != INVALID_HANDLE_VALUE && c != INVALID_HANDLE_VALUE && connect_ok(s) &&
             fails_with(!ReadFile(s, buf, sizeof(buf), NULL, &ov), ERROR_IO_PENDING) && WriteFile(c, "hi", 2, &w, NULL) &&
             GetOverlappedResult(s, &ov, &n, TRUE) && n == 2;
        CloseHandle(s), CloseHandle(c), CloseHandle(ov.hEvent);
    }
    eu_check("overlapped_then_again", ok);
}

static void overlapped_pipe(void)
{
    HANDLE s = server("ov", PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, 0, 1);
    HANDLE ev = CreateEventA(NULL, TRUE, TRUE, NULL);
    OVERLAPPED ov = {0};
    ov.hEvent = ev;
    DWORD n = 7;
    BOOL pend = fails_with(!ConnectNamedPipe(s, &ov), ERROR_IO_PENDING);
    eu_check("ov_connect_pending", pend && ov.Internal == STATUS_PENDING && !HasOverlappedIoCompleted(&ov) &&
                                       WaitForSingleObject(ev, 0) == WAIT_TIMEOUT &&
                                       fails_with(!GetOverlappedResult(s, &ov, &n, FALSE), ERROR_IO_INCOMPLETE));
    HANDLE c = client("ov", 0);
    eu_check("ov_connect", c != INVALID_HANDLE_VALUE && WaitForSingleObject(ev, 5000) == WAIT_OBJECT_0 &&
                               HasOverlappedIoCompleted(&ov) && ov.Internal == 0 && GetOverlappedResult(s, &ov, &n, TRUE));
    char buf[16];
    DWORD w;
    pend = fails_with(!ReadFile(s, buf, 16, NULL, &ov), ERROR_IO_PENDING);
    BOOL wrote = WriteFile(c, "data", 4, &w, NULL);
    eu_check("ov_read", pend && wrote && WaitForSingleObject(ev, 5000) == WAIT_OBJECT_0 && ov.Internal == 0 &&
                            ov.InternalHigh == 4 && GetOverlappedResult(s, &ov, &n, TRUE) && n == 4 && same(buf, "data", 4));
    /* Internal overwritten while pending: the completion still rewrites it, and
     * GetOverlappedResult(TRUE) waits for it (it comes within WriteFile on Windows). */
    pend = fails_with(!ReadFile(s, buf, 16, NULL, &ov), ERROR_IO_PENDING);
    ov.Internal = 0xdeadbeef;
    wrote = WriteFile(c, "more", 4, &w, NULL);
    n = 0;
    eu_check("ov_internal_overwritten", pend && wrote && GetOverlappedResult(s, &ov, &n, TRUE) && n == 4 &&
                                            ov.Internal == 0 && same(buf, "more", 4));
    WriteFile(c, "now", 3, &w, NULL);
    n = 0;
    eu_check("ov_read_at_once", ReadFile(s, buf, 16, &n, &ov) && n == 3 && ov.InternalHigh == 3 &&
                                    WaitForSingleObject(ev, 0) == WAIT_OBJECT_0);
    pend = fails_with(!ReadFile(s, buf, 16, NULL, &ov), ERROR_IO_PENDING);
    BOOL timed = fails_with(!GetOverlappedResultEx(s, &ov, &n, 20, FALSE), WAIT_TIMEOUT);
    eu_check("ov_cancel", pend && timed && CancelIo(s) && fails_with(!GetOverlappedResult(s, &ov, &n, TRUE), ERROR_OPERATION_ABORTED) &&
                              ov.Internal == STATUS_CANCELLED_ && n == 0);
    pend = fails_with(!ReadFile(s, buf, 16, NULL, &ov), ERROR_IO_PENDING);
    eu_check("ov_cancel_ex", pend && CancelIoEx(s, &ov) &&
                                 fails_with(!GetOverlappedResult(s, &ov, &n, TRUE), ERROR_OPERATION_ABORTED) &&
                                 fails_with(!CancelIoEx(s, &ov), ERROR_NOT_FOUND) &&
                                 fails_with(!CancelIoEx(s, NULL), ERROR_NOT_FOUND));
    OVERLAPPED bare = {0};
    pend = fails_with(!ReadFile(s, buf, 16, NULL, &bare), ERROR_IO_PENDING);
    WriteFile(c, "bare", 4, &w, NULL);
    eu_check("ov_no_event", pend && GetOverlappedResult(s, &bare, &n, TRUE) && n == 4 && same(buf, "bare", 4));
    CloseHandle(c), CloseHandle(s), CloseHandle(ev);
}

static void overlapped_file(void)
{
    char path[MAX_PATH], dir[MAX_PATH];
    GetTempPathA(MAX_PATH, dir);
    GetTempFileNameA(dir, "wvo", 0, path);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_FLAG_OVERLAPPED | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    OVERLAPPED ov = {0};
    ov.hEvent = ev, ov.Offset = 4096;
    DWORD n = 0, high = 0;
    char buf[8];
    BOOL w = WriteFile(f, "abc", 3, NULL, &ov) || GetLastError() == ERROR_IO_PENDING;
    eu_check("ov_file_write", f != INVALID_HANDLE_VALUE && w && GetOverlappedResult(f, &ov, &n, TRUE) && n == 3 &&
                                  GetFileSize(f, NULL) == 4099);
    ov.Offset = 4097;
    BOOL r = ReadFile(f, buf, 8, NULL, &ov) || GetLastError() == ERROR_IO_PENDING;
    eu_check("ov_file_read_offset", r && GetOverlappedResult(f, &ov, &n, TRUE) && n == 2 && same(buf, "bc", 2) &&
                                        WaitForSingleObject(ev, 0) == WAIT_OBJECT_0);
    ov.Offset = 1 << 20;
    r = ReadFile(f, buf, 8, NULL, &ov);
    DWORD e = GetLastError();
    eu_check("ov_file_eof", !r && (e == ERROR_HANDLE_EOF || e == ERROR_IO_PENDING) &&
                                fails_with(!GetOverlappedResult(f, &ov, &n, TRUE), ERROR_HANDLE_EOF) && n == 0);
    ov.Offset = 0, ov.OffsetHigh = 1;
    w = WriteFile(f, "hi", 2, NULL, &ov) || GetLastError() == ERROR_IO_PENDING;
    eu_check("ov_file_offset_high", w && GetOverlappedResult(f, &ov, &n, TRUE) && n == 2 &&
                                        GetFileSize(f, &high) == 2 && high == 1);
    CloseHandle(f);
    f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    WriteFile(f, "0123456789", 10, &n, NULL);
    OVERLAPPED at = {0};
    at.Offset = 2, at.hEvent = ev;
    ResetEvent(ev);
    eu_check("plain_handle_with_overlapped", ReadFile(f, buf, 3, &n, &at) && n == 3 && same(buf, "234", 3) &&
                                                 at.InternalHigh == 3 && WaitForSingleObject(ev, 0) == WAIT_OBJECT_0 &&
                                                 SetFilePointer(f, 0, NULL, FILE_CURRENT) == 5);
    eu_check("bad_overlapped", fails_with(!ReadFile(f, buf, 3, &n, (LPOVERLAPPED)16), ERROR_NOACCESS) &&
                                   fails_with(!GetOverlappedResult(f, (LPOVERLAPPED)16, &n, FALSE), ERROR_NOACCESS));
    CloseHandle(f), CloseHandle(ev);
}

/* "squat": create one pipe, print the error (0 when it worked). */
static void squat(void)
{
    HANDLE s = server("squat", PIPE_ACCESS_DUPLEX, 0, 1);
    eu_puts("error ");
    eu_dec(s == INVALID_HANDLE_VALUE ? (LONG64)GetLastError() : 0);
    eu_puts("\n");
}

void start(void)
{
    const char *cmd = GetCommandLineA();
    for (const char *p = cmd; *p; p++)
        if (p[0] == 's' && p[1] == 'q' && p[2] == 'u' && p[3] == 'a' && p[4] == 't') {
            squat();
            ExitProcess(0);
        } else if (p[0] == ' ' && p[1] == 'p' && p[2] == 'e' && p[3] == 'e' && p[4] == 'r' && p[5] == ' ') {
            DWORD parent = 0;
            for (p += 6; *p >= '0' && *p <= '9'; p++)
                parent = parent * 10 + (DWORD)(*p - '0');
            peer(parent);
        }
    bad_input();
    listening();
    instances();
    byte_pipe();
    message_pipe();
    transact();
    broken();
    early_client();
    server_disconnects();
    disconnect_seen_by_another_process();
    overlapped_pipe();
    overlapped_then_again();
    overlapped_file();
    ExitProcess((UINT)*eu_failures());
}
