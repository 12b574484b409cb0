/* SPDX-License-Identifier: MIT */
/* k32.c - kernel32 for console programs, from PE code: files, directories, the environment,
 * time, FormatMessage, short paths and the last error in the TEB, through the mingw import
 * library as a real program would.  Works in a new directory under GetTempPath and removes it.
 * Prints "ok NAME" / "FAIL NAME" per check, then
 * two FormatMessage texts:
 *   msg2=The system cannot find the file specified.
 *   fmt=<two|one|-7|002a>
 * and exits with the number of failures. */
#include "exe_util.h"

static DWORD fmt(char *buf, DWORD size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_STRING, f, 0, 0, buf, size, &ap);
    va_end(ap);
    return n;
}

/* No 8.3 names on winvm's volumes: the short form of an existing path is the path as given. */
static void short_paths(void)
{
    char buf[MAX_PATH];
    WCHAR wbuf[MAX_PATH];
    eu_check("short_path", GetShortPathNameA("sub\\moved.txt", buf, MAX_PATH) == 13 && eu_streq(buf, "sub\\moved.txt"));
    buf[0] = '#';
    eu_check("short_path_small", GetShortPathNameA("sub\\moved.txt", buf, 5) == 14 && buf[0] == '#');
    eu_check("short_path_w", GetShortPathNameW(L"sub", wbuf, MAX_PATH) == 3 && wbuf[0] == 's' && wbuf[3] == 0);
    eu_check("short_path_missing", !GetShortPathNameA("none.txt", buf, MAX_PATH) && GetLastError() == ERROR_FILE_NOT_FOUND);
    eu_check("short_path_wild", !GetShortPathNameA("sub\\*.txt", buf, MAX_PATH) && GetLastError() == ERROR_INVALID_NAME);
    eu_check("short_path_null", !GetShortPathNameA(NULL, buf, MAX_PATH) && GetLastError() == ERROR_INVALID_PARAMETER);
}

static void files(void)
{
    DWORD n = 0;
    HANDLE h = CreateFileA("data.txt", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    eu_check("create_new", h != INVALID_HANDLE_VALUE && GetLastError() == 0);
    eu_check("write", WriteFile(h, "hello, world", 12, &n, NULL) && n == 12);
    LARGE_INTEGER size;
    eu_check("size", GetFileSizeEx(h, &size) && size.QuadPart == 12 && GetFileSize(h, NULL) == 12);
    eu_check("seek", SetFilePointer(h, 7, NULL, FILE_BEGIN) == 7);
    char buf[16] = {0};
    eu_check("read", ReadFile(h, buf, sizeof(buf), &n, NULL) && n == 5 && eu_streq(buf, "world"));
    eu_check("negative_seek", SetFilePointer(h, -100, NULL, FILE_CURRENT) == INVALID_SET_FILE_POINTER &&
                                  GetLastError() == ERROR_NEGATIVE_SEEK);
    SetFilePointer(h, 5, NULL, FILE_BEGIN);
    eu_check("truncate", SetEndOfFile(h) && GetFileSize(h, NULL) == 5);
    eu_check("type", GetFileType(h) == FILE_TYPE_DISK);
    BY_HANDLE_FILE_INFORMATION bi;
    eu_check("info", GetFileInformationByHandle(h, &bi) && bi.nFileSizeLow == 5 && bi.nNumberOfLinks == 1);
    eu_check("shared_refused", CreateFileA("data.txt", GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL) ==
                                   INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION);
    CloseHandle(h);
    h = CreateFileA("data.txt", GENERIC_WRITE, 0, NULL, OPEN_ALWAYS, 0, NULL);
    eu_check("open_always_existed", h != INVALID_HANDLE_VALUE && GetLastError() == ERROR_ALREADY_EXISTS);
    CloseHandle(h);
    eu_check("create_new_exists", CreateFileA("data.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL) ==
                                      INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_EXISTS);
    eu_check("not_found", CreateFileA("none.txt", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL) ==
                              INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND);
    eu_check("path_not_found", CreateFileA("no\\dir\\x", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL) ==
                                   INVALID_HANDLE_VALUE && GetLastError() == ERROR_PATH_NOT_FOUND);
    eu_check("copy", CopyFileA("data.txt", "copy.txt", TRUE));
    eu_check("copy_exists", !CopyFileA("data.txt", "copy.txt", TRUE) && GetLastError() == ERROR_FILE_EXISTS);
    eu_check("move", MoveFileExW(L"copy.txt", L"sub\\moved.txt", 0));
    eu_check("attributes", GetFileAttributesA("sub") == FILE_ATTRIBUTE_DIRECTORY &&
                               GetFileAttributesA("sub\\moved.txt") == FILE_ATTRIBUTE_ARCHIVE);
    short_paths();
}

static void finding(void)
{
    WIN32_FIND_DATAA d;
    HANDLE f = FindFirstFileA("*.txt", &d);
    int count = 0;
    if (f != INVALID_HANDLE_VALUE) {
        do
            count++;
        while (FindNextFileA(f, &d));
    }
    eu_check("find", f != INVALID_HANDLE_VALUE && count == 1 && eu_streq(d.cFileName, "data.txt") &&
                         GetLastError() == ERROR_NO_MORE_FILES);
    eu_check("find_close", FindClose(f) && !CloseHandle(f));
    eu_check("find_none", FindFirstFileA("*.none", &d) == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND);
}

static void cleanup(const char *dir)
{
    eu_check("delete", DeleteFileA("data.txt") && DeleteFileA("sub\\moved.txt"));
    eu_check("delete_again", !DeleteFileA("data.txt") && GetLastError() == ERROR_FILE_NOT_FOUND);
    eu_check("rmdir", RemoveDirectoryA("sub"));
    eu_check("chdir_up", SetCurrentDirectoryA(".."));
    eu_check("rmdir_top", RemoveDirectoryA(dir));
}

static void environment_and_time(void)
{
    char buf[64];
    eu_check("setenv", SetEnvironmentVariableA("WvTest", "value"));
    eu_check("getenv", GetEnvironmentVariableA("WVTEST", buf, sizeof(buf)) == 5 && eu_streq(buf, "value"));
    eu_check("expand", ExpandEnvironmentStringsA("[%wvtest%]", buf, sizeof(buf)) == 8 && eu_streq(buf, "[value]"));
    eu_check("unsetenv", SetEnvironmentVariableA("WvTest", NULL) && !GetEnvironmentVariableA("WvTest", buf, 64) &&
                             GetLastError() == ERROR_ENVVAR_NOT_FOUND);
    SYSTEMTIME st = {2001, 9, 0, 9, 1, 46, 40, 0}, back;
    FILETIME ft;
    eu_check("systemtime", SystemTimeToFileTime(&st, &ft) && ft.dwHighDateTime == 0x01c138d1 && ft.dwLowDateTime == 0x44ff8000u &&
                               FileTimeToSystemTime(&ft, &back) && back.wDayOfWeek == 0 && back.wMinute == 46);
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    eu_check("now", now.dwHighDateTime > 0x01d00000);
    TIME_ZONE_INFORMATION tz;
    eu_check("timezone", GetTimeZoneInformation(&tz) != TIME_ZONE_ID_INVALID);
}

static void line(const char *prefix, const char *text)
{
    char b[256];
    int n = 0;
    while (*prefix)
        b[n++] = *prefix++;
    while (*text && *text != '\r' && n < 250)
        b[n++] = *text++;
    b[n++] = '\n';
    eu_write(b, (DWORD)n);
}

static void messages(void)
{
    char buf[128];
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, ERROR_FILE_NOT_FOUND, 0,
                             buf, sizeof(buf), NULL);
    eu_check("format_system", n == 44);
    line("msg2=", buf);
    n = fmt(buf, sizeof(buf), "<%2|%1|%3!d!|%4!04x!>", "one", "two", -7, 42);
    eu_check("format_string", n == 17);
    line("fmt=", buf);
}

/* The last error is the TEB's LastErrorValue (TEB + 0x68), which Windows code may read and
 * write directly (Wine's headers inline GetLastError so): both ways, on this thread and another. */
static volatile DWORD *teb_last_error(void)
{
    BYTE *teb;
    __asm__ volatile("movq %%gs:0x30, %0" : "=r"(teb));
    return (volatile DWORD *)(teb + 0x68);
}

static DWORD WINAPI last_error_thread(void *arg)
{
    (void)arg;
    SetLastError(0x5eed);
    if (*teb_last_error() != 0x5eed)
        return 1;
    *teb_last_error() = 0x7e57;
    return GetLastError() == 0x7e57 ? 0 : 2;
}

static void last_error(void)
{
    SetLastError(0x1234);
    eu_check("last_error_in_teb", *teb_last_error() == 0x1234);
    *teb_last_error() = ERROR_NOACCESS;
    eu_check("last_error_from_teb", GetLastError() == ERROR_NOACCESS);
    DWORD code = 99;
    HANDLE t = CreateThread(NULL, 0, last_error_thread, NULL, 0, NULL);
    eu_check("last_error_thread", t && WaitForSingleObject(t, INFINITE) == WAIT_OBJECT_0 &&
                                      GetExitCodeThread(t, &code) && code == 0);
    CloseHandle(t);
}

void start(void)
{
    last_error();
    char tmp[MAX_PATH], dir[MAX_PATH];
    DWORD n = GetTempPathA(MAX_PATH, tmp);
    eu_check("temp_path", n > 3 && tmp[1] == ':' && tmp[n - 1] == '\\');
    eu_check("temp_file_name", GetTempFileNameA(tmp, "wvk", 0, dir) != 0 && DeleteFileA(dir));
    eu_check("mkdir", CreateDirectoryA(dir, NULL) && SetCurrentDirectoryA(dir) && CreateDirectoryA("sub", NULL));
    eu_check("mkdir_exists", !CreateDirectoryA("sub", NULL) && GetLastError() == ERROR_ALREADY_EXISTS);
    char cwd[MAX_PATH];
    eu_check("cwd", GetCurrentDirectoryA(MAX_PATH, cwd) > 3 && cwd[1] == ':');
    files();
    finding();
    cleanup(dir);
    environment_and_time();
    messages();
    ExitProcess((UINT)*eu_failures());
}
