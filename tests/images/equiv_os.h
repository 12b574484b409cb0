/* equiv_os.h - equiv_kv.c's operating-system layer, as SQLite has one per system: os_win.c's
 * calls for Windows, POSIX ones for Linux.  Every failure prints what failed and exits 1, so
 * the two builds' outputs differ exactly when a call misbehaves. */
#ifndef EQUIV_OS_H
#define EQUIV_OS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void os_die(const char *what, unsigned long code)
{
    printf("FAILED %s (%lu)\n", what, code);
    exit(1);
}

#ifdef _WIN32
#include <windows.h>

typedef HANDLE kv_file;
static HANDLE heap;
static CRITICAL_SECTION mutex; /* SQLite's static mutexes are critical sections */

static void os_init(void)
{
    InitializeCriticalSection(&mutex);
    heap = HeapCreate(0, 64 * 1024, 0); /* SQLite's SQLITE_WIN32_MALLOC heap */
    if (!heap)
        os_die("HeapCreate", GetLastError());
}

static void os_done(void)
{
    if (!HeapValidate(heap, 0, NULL))
        os_die("HeapValidate", 0);
    HeapCompact(heap, 0);
    if (!HeapDestroy(heap))
        os_die("HeapDestroy", GetLastError());
    DeleteCriticalSection(&mutex);
}

static void *os_alloc(size_t n)
{
    EnterCriticalSection(&mutex);
    void *p = HeapAlloc(heap, 0, n);
    LeaveCriticalSection(&mutex);
    if (!p)
        os_die("HeapAlloc", n);
    return p;
}

static void os_free(void *p)
{
    if (!HeapFree(heap, 0, p))
        os_die("HeapFree", GetLastError());
}

/* UTF-8 to UTF-16 as winUtf8ToUnicode: size first, then the conversion. */
static WCHAR *os_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    WCHAR *w = os_alloc((size_t)n * sizeof(WCHAR));
    if (MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) != n)
        os_die("MultiByteToWideChar", GetLastError());
    return w;
}

static kv_file os_open(const char *path, int create)
{
    WCHAR *w = os_wide(path);
    HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           create ? OPEN_ALWAYS : OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    os_free(w);
    if (h == INVALID_HANDLE_VALUE)
        os_die("CreateFileW", GetLastError());
    return h;
}

static void os_close(kv_file f) { CloseHandle(f); }

/* winRead: ReadFile at an OVERLAPPED offset; a short read is zero-filled by the caller. */
static long os_read(kv_file f, long long at, void *buf, DWORD n)
{
    OVERLAPPED o = {0};
    o.Offset = (DWORD)at, o.OffsetHigh = (DWORD)(at >> 32);
    DWORD got = 0;
    if (!ReadFile(f, buf, n, &got, &o) && GetLastError() != ERROR_HANDLE_EOF)
        os_die("ReadFile", GetLastError());
    return (long)got;
}

static void os_write(kv_file f, long long at, const void *buf, DWORD n)
{
    OVERLAPPED o = {0};
    o.Offset = (DWORD)at, o.OffsetHigh = (DWORD)(at >> 32);
    DWORD put = 0;
    if (!WriteFile(f, buf, n, &put, &o) || put != n)
        os_die("WriteFile", GetLastError());
}

static void os_sync(kv_file f)
{
    if (!FlushFileBuffers(f))
        os_die("FlushFileBuffers", GetLastError());
}

static long long os_size(kv_file f)
{
    LARGE_INTEGER s;
    if (!GetFileSizeEx(f, &s))
        os_die("GetFileSizeEx", GetLastError());
    return s.QuadPart;
}

/* winTruncate: the file pointer, then SetEndOfFile. */
static void os_truncate(kv_file f, long long n)
{
    LARGE_INTEGER at;
    at.QuadPart = n;
    if (!SetFilePointerEx(f, at, NULL, FILE_BEGIN) || !SetEndOfFile(f))
        os_die("SetEndOfFile", GetLastError());
}

/* SQLite's lock bytes: a shared lock on one byte of the range, exclusive on all of it. */
#define LOCK_AT 0x40000000u
static void os_lock(kv_file f, int exclusive)
{
    OVERLAPPED o = {0};
    o.Offset = LOCK_AT;
    DWORD flags = LOCKFILE_FAIL_IMMEDIATELY | (exclusive ? LOCKFILE_EXCLUSIVE_LOCK : 0);
    if (!LockFileEx(f, flags, 0, 510, 0, &o))
        os_die("LockFileEx", GetLastError());
}

static void os_unlock(kv_file f)
{
    OVERLAPPED o = {0};
    o.Offset = LOCK_AT;
    if (!UnlockFileEx(f, 0, 510, 0, &o))
        os_die("UnlockFileEx", GetLastError());
}

static int os_exists(const char *path)
{
    WCHAR *w = os_wide(path);
    DWORD a = GetFileAttributesW(w);
    os_free(w);
    return a != INVALID_FILE_ATTRIBUTES;
}

static void os_delete(const char *path)
{
    WCHAR *w = os_wide(path);
    if (!DeleteFileW(w))
        os_die("DeleteFileW", GetLastError());
    os_free(w);
}

static void os_exit(int code) { ExitProcess((UINT)code); }

#include "equiv_os_win.h"
#else
#include "equiv_os_posix.h"
#endif

#endif /* EQUIV_OS_H */
