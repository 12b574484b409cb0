/* SPDX-License-Identifier: MIT */
/* test_k32_file.c - kernel32's files, directories and paths (k32_file.c, k32_fileio.c,
 * k32_lock.c, k32_dir.c, k32_copy.c, k32_find.c, k32_path.c, section/file.c): CreateFile's
 * dispositions, share modes and errors, sizes and positions, locks, attributes, DeleteFile,
 * MoveFile, CopyFile, directories, FindFirstFile and the Windows path mapping.  Each test works
 * in a fresh directory under /tmp that is its current directory. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void enter(void)
{
    strcpy(dir, "/tmp/wvk32-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(chdir(dir), 0);
}

static void leave(void)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "chmod -R u+w %s; rm -rf %s", dir, dir);
    if (chdir("/") != 0 || system(cmd) != 0)
        cr_log_warn("cleanup of %s failed", dir);
}

TestSuite(k32_file, .init = enter, .fini = leave);

static void put(const char *name, const char *text)
{
    FILE *f = fopen(name, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static HANDLE open_ok(const char *name, DWORD access, DWORD share, DWORD disp, DWORD want_err)
{
    SetLastError(SENTINEL);
    HANDLE h = CreateFileA(name, access, share, NULL, disp, FILE_ATTRIBUTE_NORMAL, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE, "CreateFileA(%s, disp %u): %u", name, disp, GetLastError());
    EXPECT_ERR(want_err);
    return h;
}

static void open_fails(const char *name, DWORD access, DWORD share, DWORD disp, DWORD err)
{
    SetLastError(SENTINEL);
    HANDLE h = CreateFileA(name, access, share, NULL, disp, 0, NULL);
    cr_assert_eq(h, INVALID_HANDLE_VALUE, "CreateFileA(%s, disp %u) succeeded", name, disp);
    EXPECT_ERR(err);
}

#define RW (GENERIC_READ | GENERIC_WRITE)
#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

Test(k32_file, dispositions_and_their_errors)
{
    open_fails("a.txt", RW, 0, OPEN_EXISTING, ERROR_FILE_NOT_FOUND);
    open_fails("no\\such\\dir\\a.txt", RW, 0, OPEN_EXISTING, ERROR_PATH_NOT_FOUND);
    open_fails("no/a.txt", RW, 0, CREATE_NEW, ERROR_PATH_NOT_FOUND);
    open_fails("a.txt", RW, 0, TRUNCATE_EXISTING, ERROR_FILE_NOT_FOUND);
    open_fails("a.txt", RW, 0, 0, ERROR_INVALID_PARAMETER);
    open_fails("a.txt", RW, 0, 6, ERROR_INVALID_PARAMETER);
    open_fails("", RW, 0, OPEN_EXISTING, ERROR_PATH_NOT_FOUND);
    open_fails(NULL, RW, 0, OPEN_EXISTING, ERROR_PATH_NOT_FOUND);
    open_fails((LPCSTR)(uintptr_t)16, RW, 0, OPEN_EXISTING, ERROR_NOACCESS);
    CloseHandle(open_ok("a.txt", RW, 0, CREATE_NEW, ERROR_SUCCESS));
    open_fails("a.txt", RW, 0, CREATE_NEW, ERROR_FILE_EXISTS);
    put("a.txt", "hello");
    CloseHandle(open_ok("a.txt", GENERIC_READ, 0, OPEN_ALWAYS, ERROR_ALREADY_EXISTS));
    cr_assert_eq(GetFileAttributesA("a.txt"), FILE_ATTRIBUTE_ARCHIVE);
    HANDLE h = open_ok("a.txt", RW, 0, CREATE_ALWAYS, ERROR_ALREADY_EXISTS);
    cr_assert_eq(GetFileSize(h, NULL), 0, "CREATE_ALWAYS truncates");
    CloseHandle(h);
    CloseHandle(open_ok("b.txt", RW, 0, OPEN_ALWAYS, ERROR_SUCCESS));
    CloseHandle(open_ok("c.txt", RW, 0, CREATE_ALWAYS, ERROR_SUCCESS));
    put("b.txt", "data");
    open_fails("b.txt", GENERIC_READ, 0, TRUNCATE_EXISTING, ERROR_INVALID_PARAMETER);
    h = open_ok("b.txt", GENERIC_WRITE, 0, TRUNCATE_EXISTING, ERROR_SUCCESS);
    cr_assert_eq(GetFileSize(h, NULL), 0);
    CloseHandle(h);
    /* a directory needs FILE_FLAG_BACKUP_SEMANTICS */
    cr_assert(CreateDirectoryA("d", NULL));
    open_fails("d", GENERIC_READ, SHARE_ALL, OPEN_EXISTING, ERROR_ACCESS_DENIED);
    h = CreateFileA("d", GENERIC_READ, SHARE_ALL, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    cr_assert_eq(GetFileType(h), FILE_TYPE_DISK);
    CloseHandle(h);
}

Test(k32_file, share_modes_within_the_process)
{
    HANDLE a = open_ok("s.txt", GENERIC_READ, FILE_SHARE_READ, CREATE_NEW, ERROR_SUCCESS);
    HANDLE b = open_ok("s.txt", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, ERROR_SUCCESS);
    open_fails("s.txt", GENERIC_WRITE, SHARE_ALL, OPEN_EXISTING, ERROR_SHARING_VIOLATION);
    /* the other way round: a writer open refuses a new opener that does not share writing */
    open_fails("s.txt", GENERIC_READ, 0, OPEN_EXISTING, ERROR_SHARING_VIOLATION);
    open_fails("s.txt", GENERIC_WRITE, SHARE_ALL, CREATE_ALWAYS, ERROR_SHARING_VIOLATION);
    SetLastError(SENTINEL);
    cr_assert_not(DeleteFileA("s.txt"));
    EXPECT_ERR(ERROR_SHARING_VIOLATION);
    cr_assert_not(MoveFileA("s.txt", "t.txt"));
    EXPECT_ERR(ERROR_SHARING_VIOLATION);
    CloseHandle(a), CloseHandle(b);
    HANDLE c = open_ok("s.txt", GENERIC_WRITE, 0, OPEN_EXISTING, ERROR_SUCCESS);
    CloseHandle(c);
    /* FILE_SHARE_DELETE lets it go while open */
    HANDLE d = open_ok("s.txt", GENERIC_READ, SHARE_ALL, OPEN_EXISTING, ERROR_SUCCESS);
    cr_assert(DeleteFileA("s.txt"));
    CloseHandle(d);
    cr_assert_eq(GetFileAttributesA("s.txt"), INVALID_FILE_ATTRIBUTES);
}

Test(k32_file, size_pointer_end_of_file)
{
    HANDLE h = open_ok("p.bin", RW, 0, CREATE_NEW, ERROR_SUCCESS);
    DWORD n = 0, high = 7;
    cr_assert(WriteFile(h, "0123456789", 10, &n, NULL));
    cr_assert_eq(GetFileSize(h, &high), 10);
    cr_assert_eq(high, 0);
    LARGE_INTEGER sz = {0}, pos = {0}, d = {.QuadPart = -4};
    cr_assert(GetFileSizeEx(h, &sz));
    cr_assert_eq(sz.QuadPart, 10);
    cr_assert(SetFilePointerEx(h, d, &pos, FILE_END));
    cr_assert_eq(pos.QuadPart, 6);
    char buf[8] = {0};
    cr_assert(ReadFile(h, buf, 8, &n, NULL));
    cr_assert_eq(n, 4);
    cr_assert_str_eq(buf, "6789");
    SetLastError(SENTINEL);
    cr_assert_eq(SetFilePointer(h, -1, NULL, FILE_BEGIN), INVALID_SET_FILE_POINTER);
    EXPECT_ERR(ERROR_NEGATIVE_SEEK);
    cr_assert_eq(SetFilePointer(h, 0, NULL, FILE_CURRENT), 10, "a failed seek moves nothing");
    cr_assert_eq(SetFilePointer(h, 0, NULL, 3), INVALID_SET_FILE_POINTER);
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    /* a position whose low part is 0xFFFFFFFF is told from a failure by the last error */
    LONG hi = 0;
    SetLastError(SENTINEL);
    cr_assert_eq(SetFilePointer(h, -1, &hi, FILE_BEGIN), INVALID_SET_FILE_POINTER);
    EXPECT_ERR(ERROR_SUCCESS);
    cr_assert_eq(hi, 0);
    cr_assert(SetEndOfFile(h));
    cr_assert(GetFileSizeEx(h, &sz));
    cr_assert_eq(sz.QuadPart, 0xFFFFFFFFll);
    cr_assert_eq(SetFilePointer(h, 3, NULL, FILE_BEGIN), 3);
    cr_assert(SetEndOfFile(h));
    cr_assert_eq(GetFileSize(h, NULL), 3);
    cr_assert(FlushFileBuffers(h));
    SetLastError(SENTINEL);
    cr_assert_eq(GetFileSize(h, (LPDWORD)(uintptr_t)8), INVALID_FILE_SIZE);
    EXPECT_ERR(ERROR_NOACCESS);
    CloseHandle(h);
    HANDLE r = open_ok("p.bin", GENERIC_READ, SHARE_ALL, OPEN_EXISTING, ERROR_SUCCESS);
    cr_assert_not(SetEndOfFile(r));
    EXPECT_ERR(ERROR_ACCESS_DENIED);
    cr_assert_not(FlushFileBuffers(r));
    EXPECT_ERR(ERROR_ACCESS_DENIED);
    CloseHandle(r);
    SetLastError(SENTINEL);
    cr_assert_eq(GetFileType((HANDLE)(uintptr_t)0x7ff0), FILE_TYPE_UNKNOWN);
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert_eq(GetFileType(GetStdHandle(STD_INPUT_HANDLE)) != FILE_TYPE_UNKNOWN, 1);
}

Test(k32_file, information_by_handle_and_times)
{
    put("i.txt", "abc");
    HANDLE h = open_ok("i.txt", GENERIC_READ | FILE_WRITE_ATTRIBUTES, 0, OPEN_EXISTING, ERROR_SUCCESS);
    BY_HANDLE_FILE_INFORMATION bi;
    cr_assert(GetFileInformationByHandle(h, &bi));
    struct stat st;
    stat("i.txt", &st);
    cr_assert_eq(bi.nFileSizeLow, 3);
    cr_assert_eq(bi.nNumberOfLinks, 1);
    cr_assert_eq(bi.nFileIndexLow, (DWORD)st.st_ino);
    cr_assert_eq(bi.dwFileAttributes, FILE_ATTRIBUTE_ARCHIVE);
    uint64_t wt = (uint64_t)bi.ftLastWriteTime.dwHighDateTime << 32 | bi.ftLastWriteTime.dwLowDateTime;
    cr_assert_eq(wt, 116444736000000000ull + (uint64_t)st.st_mtim.tv_sec * 10000000 + (uint64_t)st.st_mtim.tv_nsec / 100);
    FILETIME set = {0}, got;
    SYSTEMTIME s2000 = {2000, 1, 6, 1, 12, 0, 0, 0};
    cr_assert(SystemTimeToFileTime(&s2000, &set));
    cr_assert(SetFileTime(h, NULL, NULL, &set));
    cr_assert(GetFileTime(h, NULL, NULL, &got));
    cr_assert_eq(CompareFileTime(&got, &set), 0);
    stat("i.txt", &st);
    cr_assert_eq(st.st_mtime, 946728000);
    cr_assert_not(GetFileInformationByHandle(h, (LPBY_HANDLE_FILE_INFORMATION)(uintptr_t)64));
    EXPECT_ERR(ERROR_NOACCESS);
    DWORD flags = 99;
    cr_assert(GetHandleInformation(h, &flags));
    cr_assert_eq(flags, 0);
    CloseHandle(h);
    cr_assert_not(GetHandleInformation(h, &flags));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
}

Test(k32_file, byte_range_locks)
{
    HANDLE a = open_ok("l.bin", RW, SHARE_ALL, CREATE_NEW, ERROR_SUCCESS);
    HANDLE b = open_ok("l.bin", RW, SHARE_ALL, OPEN_EXISTING, ERROR_SUCCESS);
    OVERLAPPED o = {0};
    o.Offset = 100;
    cr_assert(LockFileEx(a, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 10, 0, &o));
    SetLastError(SENTINEL);
    cr_assert_not(LockFileEx(b, LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &o), "another handle is refused");
    EXPECT_ERR(ERROR_LOCK_VIOLATION);
    cr_assert_not(LockFileEx(a, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 5, 0, &o), "no overlap with its own");
    EXPECT_ERR(ERROR_LOCK_VIOLATION);
    o.Offset = 110;
    cr_assert(LockFileEx(b, LOCKFILE_FAIL_IMMEDIATELY, 0, 10, 0, &o), "the next bytes are free");
    o.Offset = 100;
    cr_assert_not(UnlockFileEx(a, 0, 5, 0, &o), "only the exact range unlocks");
    EXPECT_ERR(ERROR_NOT_LOCKED);
    cr_assert(UnlockFileEx(a, 0, 10, 0, &o));
    cr_assert(LockFileEx(b, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 10, 0, &o));
    cr_assert_not(LockFileEx(a, 0, 1, 10, 0, &o), "reserved must be 0");
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_not(LockFileEx(a, 0, 0, 10, 0, NULL));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert(LockFile(a, 0, 0, 10, 0));
    cr_assert_not(LockFile(b, 5, 0, 1, 0));
    EXPECT_ERR(ERROR_LOCK_VIOLATION);
    cr_assert(UnlockFile(a, 0, 0, 10, 0));
    cr_assert(LockFile(b, 5, 0, 1, 0));
    CloseHandle(a), CloseHandle(b);
}

Test(k32_file, delete_move_copy_and_attributes)
{
    SetLastError(SENTINEL);
    cr_assert_not(DeleteFileA("none"));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    cr_assert_not(DeleteFileA("none\\x"));
    EXPECT_ERR(ERROR_PATH_NOT_FOUND);
    cr_assert_not(DeleteFileA(NULL));
    EXPECT_ERR(ERROR_PATH_NOT_FOUND);
    put("m.txt", "move me");
    put("o.txt", "other");
    cr_assert_not(MoveFileA("m.txt", "o.txt"));
    EXPECT_ERR(ERROR_ALREADY_EXISTS);
    cr_assert(MoveFileExA("m.txt", "o.txt", MOVEFILE_REPLACE_EXISTING));
    cr_assert_eq(GetFileAttributesA("m.txt"), INVALID_FILE_ATTRIBUTES);
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    cr_assert(MoveFileW(u"o.txt", u"w.txt"));
    cr_assert_not(MoveFileExA("w.txt", NULL, 0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert(CopyFileA("w.txt", "c.txt", TRUE));
    cr_assert_not(CopyFileA("w.txt", "c.txt", TRUE));
    EXPECT_ERR(ERROR_FILE_EXISTS);
    cr_assert(CopyFileW(u"w.txt", u"c.txt", FALSE));
    cr_assert_not(CopyFileA("nothere", "c2.txt", FALSE));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    cr_assert_eq(GetFileAttributesA("c2.txt"), INVALID_FILE_ATTRIBUTES);
    WIN32_FILE_ATTRIBUTE_DATA ad;
    cr_assert(GetFileAttributesExA("c.txt", GetFileExInfoStandard, &ad));
    cr_assert_eq(ad.nFileSizeLow, 7);
    cr_assert_not(GetFileAttributesExA("c.txt", GetFileExMaxInfoLevel, &ad));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    /* read-only: neither deleted nor replaced, even by root */
    cr_assert(SetFileAttributesA("c.txt", FILE_ATTRIBUTE_READONLY));
    cr_assert_eq(GetFileAttributesA("c.txt"), FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_READONLY);
    cr_assert_not(DeleteFileA("c.txt"));
    EXPECT_ERR(ERROR_ACCESS_DENIED);
    open_fails("c.txt", GENERIC_WRITE, 0, OPEN_EXISTING, ERROR_ACCESS_DENIED);
    cr_assert_not(CopyFileA("w.txt", "c.txt", FALSE));
    EXPECT_ERR(ERROR_ACCESS_DENIED);
    cr_assert(SetFileAttributesA("c.txt", FILE_ATTRIBUTE_NORMAL));
    cr_assert(DeleteFileW(u"c.txt"));
    put(".hidden", "");
    cr_assert_eq(GetFileAttributesA(".hidden"), FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_HIDDEN);
    cr_assert(CreateHardLinkA("link.txt", "w.txt", NULL));
    cr_assert_not(CreateHardLinkW(u"link.txt", u"w.txt", NULL));
    EXPECT_ERR(ERROR_ALREADY_EXISTS);
    struct stat st;
    stat("w.txt", &st);
    cr_assert_eq(st.st_nlink, 2);
}

Test(k32_file, directories)
{
    cr_assert(CreateDirectoryA("sub", NULL));
    SetLastError(SENTINEL);
    cr_assert_not(CreateDirectoryA("sub", NULL));
    EXPECT_ERR(ERROR_ALREADY_EXISTS);
    cr_assert_not(CreateDirectoryA("x\\y", NULL));
    EXPECT_ERR(ERROR_PATH_NOT_FOUND);
    cr_assert(CreateDirectoryW(u"sub\\inner", NULL));
    put("sub/f", "");
    cr_assert_not(RemoveDirectoryA("sub"));
    EXPECT_ERR(ERROR_DIR_NOT_EMPTY);
    cr_assert_not(RemoveDirectoryA("sub\\f"));
    EXPECT_ERR(ERROR_DIRECTORY);
    cr_assert_not(RemoveDirectoryA("nothere"));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    cr_assert_not(DeleteFileA("sub"));
    EXPECT_ERR(ERROR_ACCESS_DENIED);
    cr_assert_eq(GetFileAttributesA("sub"), FILE_ATTRIBUTE_DIRECTORY);
    cr_assert(SetCurrentDirectoryA("sub\\inner"));
    cr_assert_not(RemoveDirectoryA("."), "the current directory stays");
    EXPECT_ERR(ERROR_SHARING_VIOLATION);
    cr_assert(SetCurrentDirectoryA(".."));
    cr_assert(RemoveDirectoryA("inner"));
    cr_assert(DeleteFileA("f"));
    cr_assert(SetCurrentDirectoryA(".."));
    cr_assert(RemoveDirectoryW(u"sub"));
    cr_assert_not(SetCurrentDirectoryA("nothere"));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    put("file", "");
    cr_assert_not(SetCurrentDirectoryA("file"));
    EXPECT_ERR(ERROR_DIRECTORY);
}

/* Every name FindFirstFile/FindNextFile give for pattern, joined by ','. */
static void find_all(const char *pattern, char *out, size_t cap)
{
    WIN32_FIND_DATAA d;
    out[0] = 0;
    HANDLE h = FindFirstFileA(pattern, &d);
    cr_assert_neq(h, INVALID_HANDLE_VALUE, "FindFirstFileA(%s): %u", pattern, GetLastError());
    do {
        if (out[0])
            strncat(out, ",", cap - strlen(out) - 1);
        strncat(out, d.cFileName, cap - strlen(out) - 1);
    } while (FindNextFileA(h, &d));
    EXPECT_ERR(ERROR_NO_MORE_FILES);
    cr_assert(FindClose(h));
}

Test(k32_file, find_first_next_close)
{
    put("b.txt", "12345");
    put("A.TXT", "");
    put("c.log", "");
    put("ab.txt", "");
    cr_assert(CreateDirectoryA("dir", NULL));
    char got[512];
    find_all("*", got, sizeof(got));
    cr_assert_str_eq(got, ".,..,A.TXT,ab.txt,b.txt,c.log,dir");
    find_all("*.txt", got, sizeof(got));
    cr_assert_str_eq(got, "A.TXT,ab.txt,b.txt");
    find_all("?.txt", got, sizeof(got));
    cr_assert_str_eq(got, "A.TXT,b.txt");
    find_all("*.*", got, sizeof(got));
    cr_assert_str_eq(got, ".,..,A.TXT,ab.txt,b.txt,c.log,dir");
    char pat[96];
    snprintf(pat, sizeof(pat), "C:%s\\b.*", dir);
    WIN32_FIND_DATAA d;
    HANDLE h = FindFirstFileA(pat, &d);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    cr_assert_str_eq(d.cFileName, "b.txt");
    cr_assert_eq(d.nFileSizeLow, 5);
    cr_assert_eq(d.dwFileAttributes, FILE_ATTRIBUTE_ARCHIVE);
    SetLastError(SENTINEL);
    cr_assert_not(CloseHandle(h), "a find handle is not a kernel handle");
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert(FindClose(h));
    cr_assert_not(FindClose(h));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    WIN32_FIND_DATAW w;
    h = FindFirstFileW(u"dir", &w);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    cr_assert_eq(w.dwFileAttributes, FILE_ATTRIBUTE_DIRECTORY);
    cr_assert_eq(w.cFileName[0], 'd');
    cr_assert_eq(w.cFileName[3], 0);
    cr_assert(FindClose(h));
    static const struct { const char *pattern; DWORD err; } bad[] = {
        {"*.none", ERROR_FILE_NOT_FOUND}, {"nodir\\*", ERROR_PATH_NOT_FOUND},
        {"dir\\", ERROR_FILE_NOT_FOUND}, {"", ERROR_PATH_NOT_FOUND}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_eq(FindFirstFileA(bad[i].pattern, &d), INVALID_HANDLE_VALUE, "%s", bad[i].pattern);
        EXPECT_ERR(bad[i].err);
    }
    cr_assert_eq(FindFirstFileA("*", (LPWIN32_FIND_DATAA)(uintptr_t)64), INVALID_HANDLE_VALUE);
    EXPECT_ERR(ERROR_NOACCESS);
    HANDLE f = open_ok("b.txt", GENERIC_READ, SHARE_ALL, OPEN_EXISTING, ERROR_SUCCESS);
    cr_assert_not(FindClose(f), "a file handle is no search");
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert_not(FindNextFileA(f, &d));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    CloseHandle(f);
}

Test(k32_file, windows_paths_map_to_the_host)
{
    char *h;
    static const struct { const char *win, *host; } map[] = {
        {"C:\\tmp\\x", "/tmp/x"}, {"c:/tmp/x", "/tmp/x"}, {"\\\\?\\C:\\a\\b", "/a/b"},
        {"d\\e.txt", "d/e.txt"}, {"\\etc", "/etc"}, {"C:x", "x"}, {"NUL", "/dev/null"},
        {"/usr/lib", "/usr/lib"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        cr_assert_eq(wv_path_host(map[i].win, &h), 0, "%s", map[i].win);
        cr_assert_str_eq(h, map[i].host, "%s", map[i].win);
        free(h);
    }
    cr_assert_eq(wv_path_host("\\\\server\\share\\f", &h), ERROR_BAD_NETPATH);
    cr_assert_eq(wv_path_host("", &h), ERROR_PATH_NOT_FOUND);
    char *w = wv_path_windows("/tmp/a b");
    cr_assert_str_eq(w, "C:\\tmp\\a b");
    free(w);
    w = wv_path_windows("/");
    cr_assert_str_eq(w, "C:\\");
    free(w);
    put("real.txt", "x");
    char full[160];
    snprintf(full, sizeof(full), "C:%s\\real.txt", dir);
    for (char *c = full; *c; c++)
        if (*c == '/')
            *c = '\\';
    HANDLE f = open_ok(full, GENERIC_READ, SHARE_ALL, OPEN_EXISTING, ERROR_SUCCESS);
    CloseHandle(f);
    f = open_ok("NUL", GENERIC_WRITE, SHARE_ALL, OPEN_EXISTING, ERROR_SUCCESS);
    cr_assert_eq(GetFileType(f), FILE_TYPE_CHAR);
    CloseHandle(f);
}

Test(k32_file, full_current_temp_and_system_paths)
{
    char buf[300], want[300], *part = NULL;
    DWORD n = GetCurrentDirectoryA(sizeof(buf), buf);
    snprintf(want, sizeof(want), "C:%s", dir);
    for (char *c = want; *c; c++)
        if (*c == '/')
            *c = '\\';
    cr_assert_str_eq(buf, want);
    cr_assert_eq(n, strlen(want));
    cr_assert_eq(GetCurrentDirectoryA(3, buf), strlen(want) + 1, "too small: the size needed");
    n = GetFullPathNameA("a\\.\\b\\..\\c.txt", sizeof(buf), buf, &part);
    snprintf(want + strlen(want), sizeof(want) - strlen(want), "\\a\\c.txt");
    cr_assert_str_eq(buf, want);
    cr_assert_eq(n, strlen(want));
    cr_assert_str_eq(part, "c.txt");
    cr_assert_eq(GetFullPathNameA("C:\\x\\..\\..\\y\\", sizeof(buf), buf, &part), 5);
    cr_assert_str_eq(buf, "C:\\y\\");
    cr_assert_null(part);
    cr_assert_eq(GetFullPathNameA("\\etc\\hosts", sizeof(buf), buf, NULL), 12);
    cr_assert_str_eq(buf, "C:\\etc\\hosts");
    WCHAR wb[64];
    LPWSTR wpart;
    cr_assert_eq(GetFullPathNameW(u"D:\\one\\two", 64, wb, &wpart), 10);
    cr_assert_eq(wpart, wb + 7);
    cr_assert_eq(GetFullPathNameA("", sizeof(buf), buf, NULL), 0);
    EXPECT_ERR(ERROR_INVALID_NAME);
    cr_assert_eq(GetFullPathNameA(NULL, sizeof(buf), buf, NULL), 0);
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    setenv("TMP", "/var/tmp", 1);
    cr_assert_eq(GetTempPathA(sizeof(buf), buf), 11);
    cr_assert_str_eq(buf, "C:\\var\\tmp\\");
    cr_assert_eq(GetTempPathA(4, buf), 12);
    cr_assert_eq(GetSystemDirectoryA(buf, sizeof(buf)), 19);
    cr_assert_str_eq(buf, "C:\\windows\\system32");
    cr_assert_eq(GetWindowsDirectoryW(wb, 64), 10);
    cr_assert_eq(GetWindowsDirectoryA(buf, 5), 11);
    cr_assert_eq(GetTempFileNameA(".", "abcd", 0x1a2b, buf), 0x1a2b);
    cr_assert_str_eq(buf, ".\\abc1A2B.tmp");
    cr_assert_eq(GetFileAttributesA(buf), INVALID_FILE_ATTRIBUTES, "a given number creates nothing");
    UINT u = GetTempFileNameA(".\\", "wv", 0, buf);
    cr_assert_neq(u, 0);
    cr_assert_eq(GetFileAttributesA(buf), FILE_ATTRIBUTE_ARCHIVE, "the chosen name is created");
    cr_assert_eq(GetTempFileNameA("nodir", "wv", 0, buf), 0);
    EXPECT_ERR(ERROR_DIRECTORY);
}
