/* SPDX-License-Identifier: MIT */
/* pipes.c - pipes.exe: anonymous pipes from PE code.  CRT-free (as threads.c: -nostdlib
 * -e start, kernel32 only).  Prints "ok NAME" / "FAIL NAME" lines; exits with the failures.
 *
 *   create        CreatePipe gives two handles
 *   write_read    bytes written come out in order; a read takes what is there
 *   peek          PeekNamedPipe shows bytes and the total without taking them
 *   directions    reading the write end and writing the read end: ERROR_ACCESS_DENIED
 *   blocking      a read waits for a writer on another thread
 *   broken_read   data left is read first; then, every write end closed (a duplicate too):
 *                 ERROR_BROKEN_PIPE with 0 bytes, PeekNamedPipe too
 *   broken_write  the read end closed: WriteFile fails with ERROR_NO_DATA
 *   errors        bad handles, bad out pointers
 *   handle_info   CreatePipe with bInheritHandle: both ends HANDLE_FLAG_INHERIT; Set/Get
 *                 HandleInformation change only the masked bits; a handle protected from
 *                 close is not closed (ERROR_INVALID_HANDLE) until unprotected
 */
#include "exe_util.h"

static BOOL fails_with(BOOL failed, DWORD err) { return failed && GetLastError() == err; }

static BOOL same(const char *a, const char *b, DWORD n)
{
    for (DWORD i = 0; i < n; i++)
        if (a[i] != b[i])
            return FALSE;
    return TRUE;
}

static DWORD WINAPI late_writer(LPVOID w)
{
    Sleep(50);
    DWORD n;
    return WriteFile((HANDLE)w, "late", 4, &n, NULL) && n == 4;
}

void start(void)
{
    HANDLE r = NULL, w = NULL;
    eu_check("create", CreatePipe(&r, &w, NULL, 0) && r && w && r != w);
    DWORD n = 0, avail = 0, left = 7;
    char buf[16];
    eu_check("write", WriteFile(w, "hello", 5, &n, NULL) && n == 5);
    eu_check("peek", PeekNamedPipe(r, buf, 3, &n, &avail, &left) && n == 3 && avail == 5 && left == 0 &&
                         same(buf, "hel", 3) && PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL) && avail == 5);
    eu_check("write_read", ReadFile(r, buf, sizeof(buf), &n, NULL) && n == 5 && same(buf, "hello", 5) &&
                               PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL) && avail == 0);
    eu_check("directions", fails_with(!ReadFile(w, buf, 1, &n, NULL), ERROR_ACCESS_DENIED) &&
                               fails_with(!WriteFile(r, "x", 1, &n, NULL), ERROR_ACCESS_DENIED));
    HANDLE t = CreateThread(NULL, 0, late_writer, w, 0, NULL);
    eu_check("blocking", ReadFile(r, buf, sizeof(buf), &n, NULL) && n == 4 && same(buf, "late", 4));
    WaitForSingleObject(t, 5000);
    CloseHandle(t);
    HANDLE w2 = NULL;
    BOOL dup = DuplicateHandle(GetCurrentProcess(), w, GetCurrentProcess(), &w2, 0, FALSE, DUPLICATE_SAME_ACCESS);
    WriteFile(w, "abc", 3, &n, NULL);
    CloseHandle(w);
    eu_check("duplicate_keeps_it_open", dup && WriteFile(w2, "d", 1, &n, NULL) && n == 1);
    CloseHandle(w2);
    n = 99;
    eu_check("broken_read", ReadFile(r, buf, sizeof(buf), &n, NULL) && n == 4 && same(buf, "abcd", 4) &&
                                fails_with(!ReadFile(r, buf, sizeof(buf), &n, NULL), ERROR_BROKEN_PIPE) && n == 0 &&
                                fails_with(!PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL), ERROR_BROKEN_PIPE));
    CloseHandle(r);
    eu_check("create_sized", CreatePipe(&r, &w, NULL, 1 << 20));
    CloseHandle(r);
    eu_check("broken_write", fails_with(!WriteFile(w, "x", 1, &n, NULL), ERROR_NO_DATA));
    CloseHandle(w);
    eu_check("errors", fails_with(!CreatePipe((PHANDLE)8, &w, NULL, 0), ERROR_NOACCESS) &&
                           fails_with(!PeekNamedPipe(NULL, buf, 1, &n, &avail, NULL), ERROR_INVALID_HANDLE) &&
                           fails_with(!PeekNamedPipe(r, buf, 1, &n, &avail, NULL), ERROR_INVALID_HANDLE));
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    DWORD fr = 0, fw = 0, f2 = 9;
    BOOL made = CreatePipe(&r, &w, &sa, 0) && GetHandleInformation(r, &fr) && GetHandleInformation(w, &fw);
    BOOL set = SetHandleInformation(r, HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE,
                                    HANDLE_FLAG_PROTECT_FROM_CLOSE) && GetHandleInformation(r, &f2);
    eu_check("handle_info", made && fr == HANDLE_FLAG_INHERIT && fw == HANDLE_FLAG_INHERIT && set &&
                                f2 == HANDLE_FLAG_PROTECT_FROM_CLOSE);
    BOOL kept = fails_with(!CloseHandle(r), ERROR_INVALID_HANDLE) && PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL);
    eu_check("protect_from_close", kept && SetHandleInformation(r, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0) &&
                                       CloseHandle(r) && CloseHandle(w));
    eu_check("handle_info_errors", fails_with(!GetHandleInformation(NULL, &f2), ERROR_INVALID_HANDLE) &&
                                       fails_with(!SetHandleInformation((HANDLE)0x7ffc, 1, 1), ERROR_INVALID_HANDLE) &&
                                       fails_with(!GetHandleInformation(w, &f2), ERROR_INVALID_HANDLE));
    ExitProcess(*eu_failures());
}
