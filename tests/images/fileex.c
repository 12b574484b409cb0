/* SPDX-License-Identifier: MIT */
/* fileex.c - fileex.exe: ReadFileEx and WriteFileEx, whose completion routine is a user APC to
 * the calling thread that runs only in its alertable waits, with the error, the count and the
 * OVERLAPPED; a request that fails at once (end of file) queues no routine; a handle opened
 * without FILE_FLAG_OVERLAPPED is refused; a named pipe read that waits for its data completes
 * later.  Prints "ok NAME" / "FAIL NAME" and exits with the failures (tests/test_rust_imports.c). */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static int calls;
static DWORD last_err, last_count;
static OVERLAPPED *last_ov;
static DWORD last_tid;

static void CALLBACK done(DWORD err, DWORD count, OVERLAPPED *ov)
{
    calls++, last_err = err, last_count = count, last_ov = ov, last_tid = GetCurrentThreadId();
}

static void file_io(const char *path)
{
    HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_FLAG_OVERLAPPED, NULL);
    check("create", h != INVALID_HANDLE_VALUE);
    static char data[3000], back[4096];
    for (int i = 0; i < (int)sizeof(data); i++)
        data[i] = (char)('a' + i % 26);
    OVERLAPPED ov = {0};
    ov.Offset = 100;
    ov.hEvent = (HANDLE)(ULONG_PTR)0x1234; /* the program's own: not touched */
    calls = 0;
    check("write_ex", WriteFileEx(h, data, sizeof(data), &ov, done));
    check("write_not_yet", calls == 0);
    Sleep(20);
    check("write_not_in_sleep", calls == 0);
    check("write_not_in_wait", WaitForSingleObjectEx(GetCurrentProcess(), 0, FALSE) == WAIT_TIMEOUT && calls == 0);
    check("write_sleepex", SleepEx(1000, TRUE) == WAIT_IO_COMPLETION);
    check("write_routine", calls == 1 && last_err == 0 && last_count == sizeof(data) && last_ov == &ov &&
                               last_tid == GetCurrentThreadId());
    check("write_event_untouched", ov.hEvent == (HANDLE)(ULONG_PTR)0x1234);
    DWORD n = 0;
    check("write_result", GetOverlappedResult(h, &ov, &n, FALSE) && n == sizeof(data));
    check("write_size", GetFileSize(h, NULL) == 100 + sizeof(data));

    OVERLAPPED ro = {0};
    ro.Offset = 100 + 1000;
    calls = 0;
    check("read_ex", ReadFileEx(h, back, sizeof(back), &ro, done));
    check("read_not_yet", calls == 0);
    check("read_wait_ex", WaitForSingleObjectEx(GetCurrentProcess(), 50, TRUE) == WAIT_IO_COMPLETION);
    check("read_routine", calls == 1 && last_err == 0 && last_count == 2000 && last_ov == &ro);
    check("read_data", memcmp(back, data + 1000, 2000) == 0);
    check("read_nothing_more", SleepEx(0, TRUE) == 0 && calls == 1);

    OVERLAPPED eo = {0};
    eo.Offset = 5000;
    calls = 0;
    SetLastError(0);
    check("read_eof_fails", !ReadFileEx(h, back, sizeof(back), &eo, done) && GetLastError() == ERROR_HANDLE_EOF);
    check("read_eof_no_routine", SleepEx(0, TRUE) == 0 && calls == 0);
    CloseHandle(h);

    h = CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    SetLastError(0);
    check("sync_handle_refused", !ReadFileEx(h, back, 10, &ro, done) && GetLastError() == ERROR_INVALID_PARAMETER);
    check("sync_no_routine", SleepEx(0, TRUE) == 0 && calls == 0);
    CloseHandle(h);
    check("bad_handle", !WriteFileEx(NULL, data, 1, &ov, done) && GetLastError() == ERROR_INVALID_HANDLE);
    DeleteFileA(path);
}

static DWORD WINAPI writer(void *arg)
{
    Sleep(100);
    DWORD n;
    WriteFile(arg, "late", 4, &n, NULL);
    return 0;
}

static void pipe_io(void)
{
    const char *name = "\\\\.\\pipe\\winvm-fileex-test";
    HANDLE srv = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, PIPE_TYPE_BYTE, 1, 512, 512, 0, NULL);
    HANDLE cli = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    check("pipe", srv != INVALID_HANDLE_VALUE && cli != INVALID_HANDLE_VALUE &&
                      (ConnectNamedPipe(srv, NULL) || GetLastError() == ERROR_PIPE_CONNECTED));
    char buf[16] = {0};
    OVERLAPPED ov = {0};
    calls = 0;
    BOOL ok = ReadFileEx(srv, buf, sizeof(buf), &ov, done);
    if (!ok)
        printf("ReadFileEx: error %lu\n", GetLastError());
    check("pipe_read_ex", ok);
    HANDLE t = CreateThread(NULL, 0, writer, cli, 0, NULL);
    check("pipe_not_in_plain_wait", WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 && calls == 0);
    DWORD w;
    while ((w = SleepEx(5000, TRUE)) == 0 && calls == 0)
        ;
    check("pipe_routine", w == WAIT_IO_COMPLETION && calls == 1 && last_err == 0 && last_count == 4 &&
                              last_ov == &ov && memcmp(buf, "late", 4) == 0);
    CloseHandle(t);
    CloseHandle(cli);
    CloseHandle(srv);
}

int main(void)
{
    char path[MAX_PATH];
    GetTempPathA(sizeof(path), path);
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "winvm-fileex-%lu.bin", GetCurrentProcessId());
    file_io(path);
    pipe_io();
    return failures;
}
