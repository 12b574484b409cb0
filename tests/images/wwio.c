/* SPDX-License-Identifier: MIT */
/* wwio.c - wwio.exe: what the kernel writes for the program counts as written (issue 14, fact
 * 6), and a read into memory the program may not write fails cleanly.  CRT-free (-nostdlib
 * -e start, kernel32 only).  Prints "ok NAME" / "FAIL NAME"; exits with the failures.
 *
 *   file_read      ReadFile of 64 KiB into a MEM_WRITE_WATCH region: GetWriteWatch reports all
 *                  16 pages, and the bytes are the file's
 *   overlapped     an overlapped read of 3 pages at an offset: exactly those 3 pages
 *   anon_pipe      ReadFile from an anonymous pipe into 2 pages (unaligned): those 2
 *   named_pipe     a pending overlapped named pipe read completed by another writer: its 2 pages
 *   noaccess       ReadFile into a PAGE_NOACCESS page, and into a buffer whose second page is
 *                  one: FALSE, ERROR_NOACCESS, the process goes on
 *   guard          ReadFile into a PAGE_GUARD page: FALSE, ERROR_NOACCESS
 *   pending        an overlapped named pipe read of 4 pages, still pending: all 4 pages already
 *                  count as written (Windows locks the buffer for write when the read is
 *                  issued); 10 bytes arrive: after the reset, only the first page
 */
#include "exe_util.h"

#define PG 4096

static char *region;

/* The watched pages written since the last call (reset), compared with [first, first + n). */
static BOOL watched(int first, int n)
{
    PVOID addrs[16];
    ULONG_PTR count = 16;
    ULONG gran = 0;
    if (GetWriteWatch(WRITE_WATCH_FLAG_RESET, region, 16 * PG, addrs, &count, &gran) != 0 || count != (ULONG_PTR)n)
        return FALSE;
    for (int i = 0; i < n; i++)
        if (addrs[i] != region + (first + i) * PG)
            return FALSE;
    return TRUE;
}

static HANDLE data_file(char *path, DWORD flags)
{
    char dir[MAX_PATH];
    GetTempPathA(MAX_PATH, dir);
    GetTempFileNameA(dir, "wvw", 0, path);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, flags, NULL);
    static char page[PG];
    DWORD n;
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < PG; j++)
            page[j] = (char)(i * 7 + j);
        WriteFile(f, page, PG, &n, NULL);
    }
    SetFilePointer(f, 0, NULL, FILE_BEGIN);
    return f;
}

static void files(void)
{
    char path[MAX_PATH];
    HANDLE f = data_file(path, FILE_FLAG_DELETE_ON_CLOSE);
    DWORD n = 0;
    BOOL ok = ReadFile(f, region, 16 * PG, &n, NULL);
    eu_check("file_read", ok && n == 16 * PG && watched(0, 16) && region[5 * PG + 9] == (char)(5 * 7 + 9));
    CloseHandle(f);
    f = data_file(path, FILE_FLAG_DELETE_ON_CLOSE | FILE_FLAG_OVERLAPPED);
    OVERLAPPED ov = {0};
    ov.Offset = 8 * PG;
    ov.hEvent = CreateEventA(NULL, TRUE, FALSE, NULL);
    ok = ReadFile(f, region + 2 * PG, 3 * PG, NULL, &ov) || GetLastError() == ERROR_IO_PENDING;
    eu_check("overlapped", ok && GetOverlappedResult(f, &ov, &n, TRUE) && n == 3 * PG && watched(2, 3) &&
                               region[2 * PG + 1] == (char)(8 * 7 + 1));
    CloseHandle(ov.hEvent);
    static char junk[PG];
    SetFilePointer(f, 0, NULL, FILE_BEGIN);
    char *none = VirtualAlloc(NULL, 2 * PG, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    VirtualProtect(none + PG, PG, PAGE_NOACCESS, &old);
    CloseHandle(f);
    f = data_file(path, FILE_FLAG_DELETE_ON_CLOSE);
    BOOL bad1 = !ReadFile(f, none + PG, 100, &n, NULL) && GetLastError() == ERROR_NOACCESS;
    BOOL bad2 = !ReadFile(f, none + 100, PG, &n, NULL) && GetLastError() == ERROR_NOACCESS;
    eu_check("noaccess", bad1 && bad2 && ReadFile(f, junk, 10, &n, NULL) && n == 10);
    char *guard = VirtualAlloc(NULL, PG, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    eu_check("guard", guard && !ReadFile(f, guard, 100, &n, NULL) && GetLastError() == ERROR_NOACCESS);
    CloseHandle(f);
}

static void pending_read(void)
{
    HANDLE s = CreateNamedPipeA("\\\\.\\pipe\\wvt-wwio2", PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED, 0, 1, 0, 0, 0, NULL);
    HANDLE c = CreateFileA("\\\\.\\pipe\\wvt-wwio2", GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    OVERLAPPED ov = {0};
    DWORD n = 0;
    ov.hEvent = CreateEventA(NULL, TRUE, FALSE, NULL);
    BOOL ok = watched(0, 0) && (ConnectNamedPipe(s, NULL) || GetLastError() == ERROR_PIPE_CONNECTED) &&
              !ReadFile(s, region + 4 * PG, 4 * PG, NULL, &ov) && GetLastError() == ERROR_IO_PENDING;
    BOOL before = watched(4, 4);
    BOOL wrote = WriteFile(c, "0123456789", 10, &n, NULL);
    eu_check("pending", ok && before && wrote && GetOverlappedResult(s, &ov, &n, TRUE) && n == 10 && watched(4, 1) &&
                            region[4 * PG + 9] == '9');
    CloseHandle(c), CloseHandle(s), CloseHandle(ov.hEvent);
}

static void pipes(void)
{
    HANDLE r, w;
    static char src[2 * PG];
    DWORD n = 0;
    for (int i = 0; i < 2 * PG; i++)
        src[i] = (char)i;
    BOOL ok = CreatePipe(&r, &w, NULL, 0) && WriteFile(w, src, 5000, &n, NULL);
    eu_check("anon_pipe", ok && ReadFile(r, region + 9 * PG + 100, 5000, &n, NULL) && n == 5000 && watched(9, 2));
    CloseHandle(r), CloseHandle(w);
    HANDLE s = CreateNamedPipeA("\\\\.\\pipe\\wvt-wwio", PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, 0, 1, 0, 0, 0, NULL);
    HANDLE c = CreateFileA("\\\\.\\pipe\\wvt-wwio", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    OVERLAPPED ov = {0};
    ov.hEvent = CreateEventA(NULL, TRUE, FALSE, NULL);
    ok = (ConnectNamedPipe(s, NULL) || GetLastError() == ERROR_PIPE_CONNECTED) &&
         !ReadFile(s, region + 12 * PG, 2 * PG, NULL, &ov) && GetLastError() == ERROR_IO_PENDING;
    BOOL wrote = WriteFile(c, src, 2 * PG, &n, NULL);
    eu_check("named_pipe", ok && wrote && GetOverlappedResult(s, &ov, &n, TRUE) && n == 2 * PG && watched(12, 2) &&
                               region[12 * PG + 300] == (char)300);
    CloseHandle(c), CloseHandle(s), CloseHandle(ov.hEvent);
    pending_read();
}

void start(void)
{
    region = VirtualAlloc(NULL, 16 * PG, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
    eu_check("region", region != NULL && watched(0, 0));
    files();
    pipes();
    ExitProcess((UINT)*eu_failures());
}
