/* SPDX-License-Identifier: MIT */
/* cmdapi.c - cmdapi.exe: the calls a command interpreter makes (Wine's cmd.exe needed each),
 * from PE code on msvcrt.  Expected values: Windows' (Wine's kernel32 locale.c, process.c,
 * path.c and msvcrt dir.c record them).  Prints "ok NAME" / "FAIL NAME: detail"; exits with
 * the failures.  `cmdapi.exe child` prints what a child started without STARTF_USESTDHANDLES
 * writes to its standard output.
 *
 *   version        RtlGetVersion: 10.0.19045 (not GetVersionEx's 6.2), platform 2, the EX form's
 *                  product type workstation; GetVersionEx unchanged
 *   startup_w      GetStartupInfoW: cb, the standard handles, no strings
 *   std_handle     SetStdHandle then GetStdHandle gives the value set (any value); a bad
 *                  selector ERROR_INVALID_HANDLE; the PEB's StandardOutput follows
 *   std_child      a child started after SetStdHandle(STD_OUTPUT_HANDLE, file) writes into it
 *   compare        CompareStringW/A: case last, symbols < digits < letters, the word-sort
 *                  ignorables, SORT_STRINGSORT, NUL weightless, accents, bad flags and NULLs
 *   date_time      GetDateFormatW/GetTimeFormatW/A: pictures, defaults, flags, sizes, errors
 *   search         SearchPathW: a bare name in a given path, the extension rule, not found,
 *                  the buffer protocol and the file part
 *   split          _wsplitpath/_splitpath, _splitpath_s errors, _wcsrev
 *   chars          CharUpperBuffW, CharUpperW of a character, IsCharAlpha(Numeric)W,
 *                  CharNextExA over UTF-8, CharPrevA
 *   label          SetVolumeLabelW: ERROR_ACCESS_DENIED for the root, a missing root's error
 *   argv0          GetCommandLineW's first token is the program in Windows' form (no '/')
 *   drives_paths   GetDriveTypeW (C:\ fixed or its file system's kind, D:\ and a non-root no root
 *                  dir), GetLogicalDrives/DriveStrings, GetLongPathNameW (the path as given,
 *                  NULL / empty / wildcard errors, the size), GetBinaryTypeW (this program
 *                  64-bit; a text file and a missing one fail)
 *   user_name_ex   secur32's GetUserNameExW: NameSamCompatible is COMPUTER\user, the size
 *                  protocol (ERROR_MORE_DATA, the size with the terminator, the buffer untouched),
 *                  NameUnknown ERROR_NO_SUCH_USER, NameDisplay ERROR_NONE_MAPPED (a local account)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>
#include <winternl.h>
#define SECURITY_WIN32
#include <security.h>

static int failures;

static void check(const char *name, int ok, const char *detail)
{
    if (ok)
        printf("ok %s\n", name);
    else
        printf("FAIL %s: %s\n", name, detail), failures++;
    fflush(stdout);
}

typedef NTSTATUS(NTAPI *get_version_fn)(RTL_OSVERSIONINFOEXW *);

static void version(void)
{
    get_version_fn get = (get_version_fn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "RtlGetVersion");
    RTL_OSVERSIONINFOEXW v;
    memset(&v, 0xcc, sizeof(v));
    v.dwOSVersionInfoSize = sizeof(v);
    int ok = get && get(&v) == 0 && v.dwMajorVersion == 10 && v.dwMinorVersion == 0 && v.dwBuildNumber == 19045 &&
             v.dwPlatformId == 2 && v.wProductType == VER_NT_WORKSTATION && v.szCSDVersion[0] == 0 &&
             v.wServicePackMajor == 0;
    RTL_OSVERSIONINFOEXW s;
    memset(&s, 0xcc, sizeof(s));
    s.dwOSVersionInfoSize = sizeof(RTL_OSVERSIONINFOW);
    ok = ok && get(&s) == 0 && s.dwMajorVersion == 10 && s.wServicePackMajor == 0xcccc; /* short form: no more */
    OSVERSIONINFOW k = {.dwOSVersionInfoSize = sizeof(k)};
    ok = ok && GetVersionExW(&k) && k.dwMajorVersion == 6 && k.dwMinorVersion == 2;
    check("version", ok, "RtlGetVersion or GetVersionEx");
}

static void startup_w(void)
{
    STARTUPINFOW si;
    memset(&si, 0xcc, sizeof(si));
    GetStartupInfoW(&si);
    check("startup_w",
          si.cb == sizeof(si) && si.hStdOutput == GetStdHandle(STD_OUTPUT_HANDLE) && !si.lpTitle && !si.lpDesktop &&
              !si.lpReserved,
          "fields");
}

static void std_handle(void)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE), fake = (HANDLE)(ULONG_PTR)0x1234;
    int ok = SetStdHandle(STD_ERROR_HANDLE, fake) && GetStdHandle(STD_ERROR_HANDLE) == fake;
    PEB *peb = NtCurrentTeb()->ProcessEnvironmentBlock;
    ok = ok && ((HANDLE *)((char *)peb->ProcessParameters + 0x30))[0] == fake; /* StandardError */
    SetLastError(0xdeadbeef);
    ok = ok && !SetStdHandle((DWORD)-13, out) && GetLastError() == ERROR_INVALID_HANDLE;
    ok = ok && SetStdHandle(STD_ERROR_HANDLE, NULL) && GetStdHandle(STD_ERROR_HANDLE) == NULL;
    check("std_handle", ok, "set, get, PEB, errors");
}

static void std_child(const char *self)
{
    char path[MAX_PATH], line[2 * MAX_PATH + 16], got[64] = {0};
    GetTempPathA(sizeof(path), path);
    strcat(path, "cmdapi-child.txt");
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, CREATE_ALWAYS,
                           0, NULL);
    HANDLE old = GetStdHandle(STD_OUTPUT_HANDLE);
    SetStdHandle(STD_OUTPUT_HANDLE, f);
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    snprintf(line, sizeof(line), "\"%s\" child", self);
    BOOL made = CreateProcessA(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
    SetStdHandle(STD_OUTPUT_HANDLE, old);
    if (made) {
        WaitForSingleObject(pi.hProcess, 30000);
        CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
    }
    DWORD n = 0;
    SetFilePointer(f, 0, NULL, FILE_BEGIN);
    ReadFile(f, got, sizeof(got) - 1, &n, NULL);
    CloseHandle(f);
    DeleteFileA(path);
    check("std_child", made && strstr(got, "from the child") != NULL, got);
}

#define CMPW(flags, a, na, b, nb) CompareStringW(LOCALE_USER_DEFAULT, flags, a, na, b, nb)
#define CMPA(flags, a, na, b, nb) CompareStringA(LOCALE_USER_DEFAULT, flags, a, na, b, nb)

static void compare(void)
{
    static const WCHAR a_acute[] = {0xc1, 'B', 'C', 0}, a_comb[] = {'A', 0x301, 'B', 'C', 0},
                       a_nul[] = {'A', 0, 'B', 'C', 0}, abc[] = {'A', 'B', 'C', 0, 0xee};
    int ok = CMPA(0, "AAA", -1, "aaa", -1) == CSTR_GREATER_THAN && CMPA(0, "aB", -1, "Aab", -1) == CSTR_GREATER_THAN &&
             CMPA(0, "aa", -1, "AB", -1) == CSTR_LESS_THAN && CMPA(0, ".AAA", -1, "Aab", -1) == CSTR_LESS_THAN &&
             CMPA(0, "EndDialog", -1, "_Property", -1) == CSTR_GREATER_THAN &&
             CMPA(0, "3.5", -1, "4.0", -1) == CSTR_LESS_THAN && CMPA(0, "a", -1, "{", -1) == CSTR_GREATER_THAN;
    ok = ok && CMPA(0, "-o", -1, "/m", -1) == CSTR_GREATER_THAN &&
         CMPA(SORT_STRINGSORT, "-o", -1, "/m", -1) == CSTR_LESS_THAN && CMPA(0, "'o", -1, "-o", -1) == CSTR_LESS_THAN &&
         CMPA(0, "`o", -1, "-m", -1) == CSTR_LESS_THAN && CMPA(SORT_STRINGSORT, "`o", -1, "-m", -1) == CSTR_GREATER_THAN &&
         CMPA(0, "#", -1, ".", -1) == CSTR_LESS_THAN && CMPA(0, "_", -1, ".", -1) == CSTR_GREATER_THAN;
    ok = ok && CMPA(0, "a-", 3, "a\0", 3) == CSTR_GREATER_THAN && CMPA(NORM_IGNORESYMBOLS, "a.", 3, "a\0", 3) == CSTR_EQUAL &&
         CMPA(0, "a", 1, "a\0\0", 4) == CSTR_EQUAL && CMPA(0, "a\0x", 4, "a", 1) == CSTR_GREATER_THAN &&
         CMPA(NORM_IGNORECASE, "Salut", -1, "SaLuT", -1) == CSTR_EQUAL &&
         CMPA(NORM_IGNORECASE, "haha", -1, "hoho", 0) == CSTR_GREATER_THAN;
    ok = ok && CMPW(0, abc, 4, a_acute, 4) == CSTR_LESS_THAN && CMPW(0, a_acute, 4, a_comb, 5) == CSTR_EQUAL &&
         CMPW(NORM_IGNORENONSPACE, abc, 3, a_acute, 4) == CSTR_EQUAL && CMPW(0, abc, 4, a_nul, 4) == CSTR_EQUAL &&
         CMPW(NORM_IGNORECASE | SORT_STRINGSORT, L"echo", 4, L"ECHO", -1) == CSTR_EQUAL &&
         CMPW(SORT_DIGITSASNUMBERS, L"a10", -1, L"a9", -1) == CSTR_GREATER_THAN &&
         CMPW(0, L"a10", -1, L"a9", -1) == CSTR_LESS_THAN;
    SetLastError(0xdeadbeef);
    ok = ok && CMPA(SORT_DIGITSASNUMBERS, "NULL", -1, "NULL", -1) == 0 && GetLastError() == ERROR_INVALID_FLAGS;
    SetLastError(0xdeadbeef);
    ok = ok && CMPW(0, NULL, -1, L"x", -1) == 0 && GetLastError() == ERROR_INVALID_PARAMETER;
    SetLastError(0xdeadbeef);
    ok = ok && CMPW(0, (WCHAR *)8, 3, L"x", -1) == 0 && GetLastError() == ERROR_NOACCESS;
    check("compare", ok, "a comparison");
}

static void date_time(void)
{
    SYSTEMTIME t = {2026, 12, 5 /* ignored */, 4, 13, 7, 9, 0};
    WCHAR w[64];
    char a[64];
    int ok = GetDateFormatW(LOCALE_USER_DEFAULT, DATE_SHORTDATE, &t, NULL, w, 64) == 10 && !wcscmp(w, L"12/4/2026");
    ok = ok && GetDateFormatW(LOCALE_USER_DEFAULT, 0, &t, NULL, w, 64) == 10 && !wcscmp(w, L"12/4/2026");
    ok = ok && GetDateFormatW(LOCALE_USER_DEFAULT, DATE_LONGDATE, &t, NULL, w, 64) && !wcscmp(w, L"Friday, December 4, 2026");
    ok = ok && GetDateFormatW(0, 0, &t, L"ddd dd MMM yy 'yy''s' gg", w, 64) && !wcscmp(w, L"Fri 04 Dec 26 yy's A.D.");
    ok = ok && GetTimeFormatW(LOCALE_USER_DEFAULT, 0, &t, NULL, w, 64) && !wcscmp(w, L"1:07:09 PM");
    ok = ok && GetTimeFormatW(LOCALE_USER_DEFAULT, TIME_NOSECONDS, &t, NULL, w, 64) && !wcscmp(w, L"1:07 PM");
    ok = ok && GetTimeFormatW(0, TIME_NOTIMEMARKER | TIME_FORCE24HOURFORMAT, &t, NULL, w, 64) && !wcscmp(w, L"13:07:09");
    ok = ok && GetTimeFormatA(LOCALE_INVARIANT, 0, &t, NULL, a, 64) && !strcmp(a, "13:07:09");
    ok = ok && GetTimeFormatA(0, 0, &t, "hh'h'mm tt", a, 64) && !strcmp(a, "01h07 PM");
    ok = ok && GetDateFormatA(0, 0, &t, "M", NULL, 0) == 3; /* the size with the terminator */
    SetLastError(0xdeadbeef);
    ok = ok && GetDateFormatW(0, DATE_SHORTDATE, &t, NULL, w, 5) == 0 && GetLastError() == ERROR_INSUFFICIENT_BUFFER;
    SetLastError(0xdeadbeef);
    ok = ok && GetDateFormatW(0, DATE_SHORTDATE, &t, L"d", w, 64) == 0 && GetLastError() == ERROR_INVALID_FLAGS;
    t.wMonth = 13;
    SetLastError(0xdeadbeef);
    ok = ok && GetDateFormatW(0, 0, &t, NULL, w, 64) == 0 && GetLastError() == ERROR_INVALID_PARAMETER;
    t.wMonth = 12, t.wHour = 24;
    SetLastError(0xdeadbeef);
    ok = ok && GetTimeFormatW(0, 0, &t, NULL, w, 64) == 0 && GetLastError() == ERROR_INVALID_PARAMETER;
    ok = ok && GetDateFormatW(0, 0, &t, NULL, w, 64) > 0; /* a date ignores the time's fields */
    check("date_time", ok, "a format");
}

static void search(void)
{
    WCHAR dir[MAX_PATH], buf[MAX_PATH], *part = NULL, name[MAX_PATH];
    GetTempPathW(MAX_PATH, dir);
    swprintf(name, MAX_PATH, L"%lscmdapi-find.bat", dir);
    HANDLE f = CreateFileW(name, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    CloseHandle(f);
    DWORD n = SearchPathW(dir, L"cmdapi-find", L".bat", MAX_PATH, buf, &part);
    int ok = n == wcslen(name) && !_wcsicmp(buf, name) && part && !wcscmp(part, L"cmdapi-find.bat");
    ok = ok && SearchPathW(dir, L"cmdapi-find.bat", L".exe", MAX_PATH, buf, NULL) == n; /* has an extension */
    ok = ok && SearchPathW(dir, L"cmdapi-find.bat", NULL, 4, buf, NULL) == n + 1;       /* short: the size */
    SetLastError(0xdeadbeef);
    ok = ok && SearchPathW(dir, L"cmdapi-none.bat", NULL, MAX_PATH, buf, NULL) == 0 &&
         GetLastError() == ERROR_FILE_NOT_FOUND;
    ok = ok && SearchPathW(NULL, name, NULL, MAX_PATH, buf, NULL) == n; /* a name with its directory */
    SetLastError(0xdeadbeef);
    ok = ok && SearchPathW(NULL, L"", NULL, MAX_PATH, buf, NULL) == 0 && GetLastError() == ERROR_INVALID_PARAMETER;
    DeleteFileW(name);
    check("search", ok, "a search");
}

static void split(void)
{
    WCHAR d[_MAX_DRIVE], p[_MAX_DIR], f[_MAX_FNAME], e[_MAX_EXT], rev[] = L"abc";
    char da[_MAX_DRIVE], pa[_MAX_DIR], fa[_MAX_FNAME], ea[_MAX_EXT], small[2];
    _wsplitpath(L"C:\\dir\\sub/name.tar.gz", d, p, f, e);
    int ok = !wcscmp(d, L"C:") && !wcscmp(p, L"\\dir\\sub/") && !wcscmp(f, L"name.tar") && !wcscmp(e, L".gz");
    _splitpath("noext", da, pa, fa, ea);
    ok = ok && !da[0] && !pa[0] && !strcmp(fa, "noext") && !ea[0];
    _splitpath("dir\\.profile", NULL, pa, fa, ea);
    ok = ok && !strcmp(pa, "dir\\") && !fa[0] && !strcmp(ea, ".profile");
    ok = ok && _splitpath_s("C:\\a\\bb.c", da, sizeof(da), pa, sizeof(pa), small, sizeof(small), ea, sizeof(ea)) == ERANGE &&
         !da[0] && !ea[0];
    ok = ok && _splitpath_s(NULL, da, sizeof(da), NULL, 0, NULL, 0, NULL, 0) == EINVAL;
    ok = ok && _splitpath_s("x", da, 0, NULL, 0, NULL, 0, NULL, 0) == EINVAL; /* a buffer without a size */
    ok = ok && !wcscmp(_wcsrev(rev), L"cba");
    check("split", ok, "a split");
}

static void chars(void)
{
    WCHAR s[] = {'a', 0xe9, 'Z', '1', 0};
    int ok = CharUpperBuffW(s, 4) == 4 && s[0] == 'A' && s[1] == 0xc9 && s[2] == 'Z';
    ok = ok && (WCHAR)(ULONG_PTR)CharUpperW((WCHAR *)(ULONG_PTR)'q') == 'Q';
    ok = ok && IsCharAlphaW(0xe9) && !IsCharAlphaW('1') && IsCharAlphaNumericW('1') && !IsCharAlphaNumericW('.');
    const char *u = "\xc3\xa9x"; /* é in UTF-8, then x */
    ok = ok && CharNextExA(CP_ACP, u, 0) == u + 2 && CharNextExA(CP_ACP, u + 3, 0) == u + 3;
    ok = ok && CharPrevA(u, u + 2) == u;
    check("chars", ok, "a character call");
}

static void label(void)
{
    SetLastError(0xdeadbeef);
    int ok = !SetVolumeLabelW(L"C:\\", L"NEW") && GetLastError() == ERROR_ACCESS_DENIED;
    SetLastError(0xdeadbeef);
    ok = ok && !SetVolumeLabelW(L"C:\\no\\such\\dir\\", L"x") && GetLastError() != ERROR_ACCESS_DENIED &&
         GetLastError() != 0xdeadbeef;
    check("label", ok, "SetVolumeLabel");
}

static void argv0(void)
{
    const WCHAR *cmd = GetCommandLineW(), *end = cmd[0] == '"' ? wcschr(cmd + 1, '"') : wcschr(cmd, ' ');
    if (!end)
        end = cmd + wcslen(cmd);
    int slash = 0;
    for (const WCHAR *c = cmd; c < end; c++)
        slash |= *c == '/';
    check("argv0", !slash && wcsstr(cmd, L"cmdapi.exe") != NULL, "the program's name");
}

static void drives_paths(const char *self)
{
    UINT c = GetDriveTypeW(L"C:\\");
    int ok = (c == DRIVE_FIXED || c == DRIVE_REMOTE || c == DRIVE_RAMDISK) && GetDriveTypeW(NULL) == c &&
             GetDriveTypeW(L"D:\\") == DRIVE_NO_ROOT_DIR && GetDriveTypeA("C:\\windows\\") == DRIVE_NO_ROOT_DIR;
    char drives[16];
    ok = ok && GetLogicalDrives() == 4 && GetLogicalDriveStringsA(2, drives) == 5 &&
         GetLogicalDriveStringsA(sizeof(drives), drives) == 4 && !memcmp(drives, "C:\\\0\0", 5);
    WCHAR tmp[MAX_PATH], out[MAX_PATH];
    DWORD n = GetTempPathW(MAX_PATH, tmp);
    ok = ok && GetLongPathNameW(tmp, out, MAX_PATH) == n && !wcscmp(out, tmp) && GetLongPathNameW(tmp, out, 2) == n + 1;
    SetLastError(0xdeadbeef);
    ok = ok && !GetLongPathNameW(NULL, out, MAX_PATH) && GetLastError() == ERROR_INVALID_PARAMETER;
    SetLastError(0xdeadbeef);
    ok = ok && !GetLongPathNameW(L"", out, MAX_PATH) && GetLastError() == ERROR_PATH_NOT_FOUND;
    wcscat(tmp, L"*");
    SetLastError(0xdeadbeef);
    ok = ok && !GetLongPathNameW(tmp, out, MAX_PATH) && GetLastError() == ERROR_INVALID_NAME;
    DWORD type = 99;
    ok = ok && GetBinaryTypeA(self, &type) && type == SCS_64BIT_BINARY;
    char text[MAX_PATH];
    GetTempPathA(MAX_PATH, text);
    strcat(text, "cmdapi-text.txt");
    FILE *f = fopen(text, "w");
    if (f)
        fputs("not a program", f), fclose(f);
    SetLastError(0xdeadbeef);
    ok = ok && !GetBinaryTypeA(text, &type) && GetLastError() == ERROR_BAD_EXE_FORMAT;
    DeleteFileA(text);
    SetLastError(0xdeadbeef);
    ok = ok && !GetBinaryTypeW(L"C:\\no\\such.exe", &type) && GetLastError() != 0xdeadbeef;
    check("drives_paths", ok, "a drive or path call");
}

static void user_name_ex(void)
{
    WCHAR want[128], user[64], got[128];
    DWORD n = 64;
    GetComputerNameW(want, &n);
    DWORD u = 64;
    GetUserNameW(user, &u);
    wcscat(want, L"\\");
    wcscat(want, user);
    ULONG size = 128;
    int ok = GetUserNameExW(NameSamCompatible, got, &size) && !wcscmp(got, want) && size == wcslen(want);
    size = 2;
    got[0] = 'x';
    SetLastError(0xdeadbeef);
    ok = ok && !GetUserNameExW(NameSamCompatible, got, &size) && GetLastError() == ERROR_MORE_DATA &&
         size == wcslen(want) + 1 && got[0] == 'x';
    size = 128;
    SetLastError(0xdeadbeef);
    ok = ok && !GetUserNameExW(NameUnknown, got, &size) && GetLastError() == ERROR_NO_SUCH_USER;
    SetLastError(0xdeadbeef);
    ok = ok && !GetUserNameExW(NameDisplay, got, &size) && GetLastError() == ERROR_NONE_MAPPED;
    check("user_name_ex", ok, "GetUserNameExW");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child")) {
        DWORD n;
        WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "from the child", 14, &n, NULL);
        return 0;
    }
    version();
    startup_w();
    std_handle();
    std_child(argv[0]);
    compare();
    date_time();
    search();
    split();
    chars();
    label();
    argv0();
    drives_paths(argv[0]);
    user_name_ex();
    return failures;
}
