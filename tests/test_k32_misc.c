/* SPDX-License-Identifier: MIT */
/* test_k32_misc.c - kernel32's environment (k32_env.c), time (k32_time.c, k32_tz.c),
 * FormatMessage (k32_format.c, k32_msgs.c), console (k32_console.c), strings and local memory
 * (k32_str.c), process information (k32_proc.c), GetModuleHandleEx (k32_module.c), advapi32.dll
 * (advapi32.c), and the exports Debian's PE DLLs import, through the ms_abi tables. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MS __attribute__((ms_abi))

/* ---- environment ---- */

Test(k32_env, get_set_case_insensitive_and_sizes)
{
    char buf[64] = "foo";
    cr_assert(SetEnvironmentVariableA("WvSomeName", "SomeValue"));
    cr_assert_str_eq(getenv("WvSomeName"), "SomeValue", "the host environment itself");
    cr_assert_eq(GetEnvironmentVariableA("wvsomename", NULL, 0), 10);
    cr_assert_eq(GetEnvironmentVariableA("WVSOMENAME", buf, 9), 10);
    cr_assert_str_eq(buf, "foo", "too small: untouched");
    cr_assert_eq(GetEnvironmentVariableA("WVSOMENAME", buf, 10), 9);
    cr_assert_str_eq(buf, "SomeValue");
    cr_assert(SetEnvironmentVariableA("WVSOMENAME", "Two"), "the existing name is kept");
    cr_assert_str_eq(getenv("WvSomeName"), "Two");
    cr_assert_null(getenv("WVSOMENAME"));
    WCHAR w[16];
    cr_assert_eq(GetEnvironmentVariableW(u"wvSOMEname", w, 16), 3);
    cr_assert_eq(w[0], 'T');
    cr_assert(SetEnvironmentVariableW(u"WvSomeName", u""));
    SetLastError(SENTINEL);
    cr_assert_eq(GetEnvironmentVariableA("WvSomeName", buf, sizeof(buf)), 0);
    EXPECT_ERR(ERROR_SUCCESS);
    cr_assert_str_eq(buf, "");
    cr_assert(SetEnvironmentVariableA("wvsomename", NULL));
    cr_assert_null(getenv("WvSomeName"));
    strcpy(buf, "foo");
    cr_assert_eq(GetEnvironmentVariableA("WvSomeName", buf, sizeof(buf)), 0);
    EXPECT_ERR(ERROR_ENVVAR_NOT_FOUND);
    cr_assert_str_eq(buf, "foo");
    cr_assert_eq(GetEnvironmentVariableA("", buf, sizeof(buf)), 0);
    EXPECT_ERR(ERROR_ENVVAR_NOT_FOUND);
    cr_assert_eq(GetEnvironmentVariableA(NULL, buf, sizeof(buf)), 0);
    EXPECT_ERR(ERROR_ENVVAR_NOT_FOUND);
    cr_assert_not(SetEnvironmentVariableA("a=b", "x"));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_not(SetEnvironmentVariableA("", "x"));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_not(SetEnvironmentVariableA("X", (LPCSTR)(uintptr_t)8));
    EXPECT_ERR(ERROR_NOACCESS);
}

Test(k32_env, block_and_expansion)
{
    setenv("WV_BLOCK_TEST", "1", 1);
    char *b = GetEnvironmentStringsA();
    bool seen = false;
    for (char *p = b; *p; p += strlen(p) + 1)
        seen = seen || !strcmp(p, "WV_BLOCK_TEST=1");
    cr_assert(seen);
    cr_assert(FreeEnvironmentStringsA(b));
    WCHAR *w = GetEnvironmentStringsW();
    cr_assert_not_null(w);
    cr_assert(FreeEnvironmentStringsW(w));
    setenv("EnvVar", "Long long value", 1);
    char out[64];
    cr_assert_eq(ExpandEnvironmentStringsA("%EnvVar%", NULL, 0), 16);
    cr_assert_eq(ExpandEnvironmentStringsA("x%ENVVAR%y", out, sizeof(out)), 18);
    cr_assert_str_eq(out, "xLong long valuey");
    cr_assert_eq(ExpandEnvironmentStringsA("%NotAnEnvVar%", out, sizeof(out)), 14);
    cr_assert_str_eq(out, "%NotAnEnvVar%");
    cr_assert_eq(ExpandEnvironmentStringsA("50% off", out, sizeof(out)), 8);
    cr_assert_str_eq(out, "50% off");
    cr_assert_eq(ExpandEnvironmentStringsA(NULL, out, sizeof(out)), 1);
    WCHAR wo[32];
    cr_assert_eq(ExpandEnvironmentStringsW(u"%EnvVar%!", wo, 32), 17);
    cr_assert_eq(wo[15], '!');
}

/* ---- time ---- */

Test(k32_time, filetime_and_systemtime)
{
    SYSTEMTIME st = {1601, 1, 0, 1, 0, 0, 0, 0}, back;
    FILETIME ft;
    cr_assert(SystemTimeToFileTime(&st, &ft));
    cr_assert_eq(ft.dwLowDateTime, 0);
    cr_assert_eq(ft.dwHighDateTime, 0);
    SYSTEMTIME leap = {2024, 2, 0, 29, 23, 59, 58, 999};
    cr_assert(SystemTimeToFileTime(&leap, &ft));
    cr_assert(FileTimeToSystemTime(&ft, &back));
    cr_assert_eq(back.wYear, 2024);
    cr_assert_eq(back.wMonth, 2);
    cr_assert_eq(back.wDay, 29);
    cr_assert_eq(back.wDayOfWeek, 4, "2024-02-29 was a Thursday");
    cr_assert_eq(back.wHour, 23);
    cr_assert_eq(back.wMilliseconds, 999);
    /* 1970-01-01 is 116444736000000000 */
    SYSTEMTIME epoch = {1970, 1, 0, 1, 0, 0, 0, 0};
    cr_assert(SystemTimeToFileTime(&epoch, &ft));
    cr_assert_eq((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime, 116444736000000000ull);
    SYSTEMTIME bad[] = {{2023, 2, 0, 29, 0, 0, 0, 0}, {2024, 13, 0, 1, 0, 0, 0, 0}, {1600, 12, 0, 31, 0, 0, 0, 0},
                        {2024, 1, 0, 1, 24, 0, 0, 0}, {2024, 1, 0, 1, 0, 0, 0, 1000}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_not(SystemTimeToFileTime(&bad[i], &ft), "case %zu", i);
        EXPECT_ERR(ERROR_INVALID_PARAMETER);
    }
    FILETIME huge = {0, 0x80000000u};
    cr_assert_not(FileTimeToSystemTime(&huge, &back));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_not(FileTimeToSystemTime(&ft, (LPSYSTEMTIME)(uintptr_t)32));
    EXPECT_ERR(ERROR_NOACCESS);
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    uint64_t n = (uint64_t)now.dwHighDateTime << 32 | now.dwLowDateTime;
    uint64_t host = 116444736000000000ull + (uint64_t)time(NULL) * 10000000ull;
    cr_assert(n + 20000000 > host && n < host + 20000000, "within two seconds of time()");
    SYSTEMTIME sys;
    GetSystemTime(&sys);
    cr_assert_geq(sys.wYear, 2024);
}

Test(k32_time, local_time_and_time_zone)
{
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    TIME_ZONE_INFORMATION z;
    DWORD id = GetTimeZoneInformation(&z);
    cr_assert(id == TIME_ZONE_ID_STANDARD || id == TIME_ZONE_ID_DAYLIGHT);
    cr_assert_eq(z.Bias, -60);
    cr_assert_eq(z.DaylightBias, -60);
    cr_assert_eq(z.DaylightDate.wMonth, 3);
    cr_assert_eq(z.DaylightDate.wDay, 5, "the last Sunday");
    cr_assert_eq(z.DaylightDate.wDayOfWeek, 0);
    cr_assert_eq(z.DaylightDate.wHour, 2);
    cr_assert_eq(z.StandardDate.wMonth, 10);
    cr_assert_eq(z.StandardDate.wDay, 5);
    cr_assert_eq(z.StandardDate.wHour, 3);
    cr_assert_eq(z.StandardName[0], 'C', "CET");
    setenv("TZ", "UTC", 1);
    tzset();
    cr_assert_eq(GetTimeZoneInformation(&z), TIME_ZONE_ID_UNKNOWN);
    cr_assert_eq(z.Bias, 0);
    setenv("TZ", "Asia/Kolkata", 1);
    tzset();
    cr_assert_eq(GetTimeZoneInformation(&z), TIME_ZONE_ID_UNKNOWN);
    cr_assert_eq(z.Bias, -330);
    FILETIME utc = {0, 0}, local;
    cr_assert(FileTimeToLocalFileTime(&utc, &local));
    cr_assert_eq((uint64_t)local.dwHighDateTime << 32 | local.dwLowDateTime, 330ull * 60 * 10000000);
    cr_assert(LocalFileTimeToFileTime(&local, &utc));
    cr_assert_eq(utc.dwLowDateTime | utc.dwHighDateTime, 0);
    SYSTEMTIME s, l;
    GetSystemTime(&s);
    GetLocalTime(&l);
    cr_assert_eq((l.wHour * 60 + l.wMinute - s.wHour * 60 - s.wMinute + 1440) % 1440, 330);
    cr_assert_eq(GetTimeZoneInformation((LPTIME_ZONE_INFORMATION)(uintptr_t)16), TIME_ZONE_ID_INVALID);
    EXPECT_ERR(ERROR_NOACCESS);
    DWORD adj, inc;
    BOOL off;
    cr_assert(GetSystemTimeAdjustment(&adj, &inc, &off));
    cr_assert_gt(inc, 0);
}

/* ---- FormatMessage ---- */

Test(k32_format, system_messages)
{
    char buf[256];
    cr_assert_eq(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 2, 0, buf, sizeof(buf), NULL), 44);
    cr_assert_str_eq(buf, "The system cannot find the file specified.\r\n");
    cr_assert_gt(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, ERROR_ACCESS_DENIED, 0x409, buf, sizeof(buf), NULL), 0);
    cr_assert_str_eq(buf, "Access is denied.\r\n");
    cr_assert_gt(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, 193, 0, buf,
                                sizeof(buf), NULL), 0);
    cr_assert_str_eq(buf, "%1 is not a valid Win32 application.\r\n");
    SetLastError(SENTINEL);
    cr_assert_eq(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 0xdead, 0, buf, sizeof(buf), NULL), 0);
    EXPECT_ERR(ERROR_MR_MID_NOT_FOUND);
    cr_assert_eq(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 2, 0, buf, 10, NULL), 0);
    EXPECT_ERR(ERROR_INSUFFICIENT_BUFFER);
    cr_assert_eq(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 2, 0x407, buf, sizeof(buf), NULL), 0);
    EXPECT_ERR(15100); /* ERROR_RESOURCE_LANG_NOT_FOUND: English only */
    LPSTR mem = NULL;
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER, NULL, 87, 0, (LPSTR)&mem, 0, NULL);
    cr_assert_eq(n, 29);
    cr_assert_str_eq(mem, "The parameter is incorrect.\r\n");
    cr_assert_null(LocalFree(mem));
    WCHAR w[64];
    cr_assert_eq(FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 5, 0, w, 64, NULL), 19);
    cr_assert_eq(w[0], 'A');
    cr_assert_eq(w[18], '\n');
    cr_assert_eq(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 2, 0, NULL, 64, NULL), 0);
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    /* the table is sorted and every winvm error code has its text */
    for (size_t i = 1; wv_system_message_code_at(i) != (DWORD)-1; i++)
        cr_assert_lt(wv_system_message_code_at(i - 1), wv_system_message_code_at(i));
    static const DWORD used[] = {ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND, ERROR_TOO_MANY_OPEN_FILES,
                                 ERROR_INVALID_HANDLE, ERROR_NOT_ENOUGH_MEMORY, ERROR_OUTOFMEMORY,
                                 ERROR_NO_MORE_FILES, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION,
                                 ERROR_HANDLE_EOF, ERROR_NOT_SUPPORTED, ERROR_FILE_EXISTS, ERROR_INVALID_PARAMETER,
                                 ERROR_BROKEN_PIPE, ERROR_DISK_FULL, ERROR_INSUFFICIENT_BUFFER, ERROR_INVALID_NAME,
                                 ERROR_MOD_NOT_FOUND, ERROR_PROC_NOT_FOUND, ERROR_NEGATIVE_SEEK, ERROR_DIR_NOT_EMPTY,
                                 ERROR_NOT_LOCKED, ERROR_ALREADY_EXISTS, ERROR_BAD_EXE_FORMAT, ERROR_ENVVAR_NOT_FOUND,
                                 ERROR_FILENAME_EXCED_RANGE, ERROR_NO_DATA, ERROR_NO_MORE_ITEMS, ERROR_DIRECTORY,
                                 ERROR_NOT_OWNER, ERROR_TOO_MANY_POSTS, ERROR_INVALID_ADDRESS, ERROR_NOACCESS,
                                 ERROR_INVALID_FLAGS, ERROR_FILE_INVALID, ERROR_NO_UNICODE_TRANSLATION,
                                 ERROR_DLL_INIT_FAILED, ERROR_MAPPED_ALIGNMENT, ERROR_PRIVILEGE_NOT_HELD,
                                 ERROR_WORKING_SET_QUOTA, ERROR_COMMITMENT_LIMIT, ERROR_BAD_LENGTH,
                                 ERROR_INVALID_FUNCTION, ERROR_NOT_SAME_DEVICE, ERROR_BAD_NETPATH,
                                 ERROR_INVALID_ORDINAL, ERROR_BUFFER_OVERFLOW};
    for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
        cr_assert_not_null(wv_system_message(used[i]), "no text for %u", used[i]);
}

static DWORD fmt_va(char *buf, DWORD size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_STRING, fmt, 0, 0, buf, size, &ap);
    va_end(ap);
    return n;
}

typedef DWORD(MS *ms_FormatMessageA)(DWORD, LPCVOID, DWORD, DWORD, LPSTR, DWORD, __builtin_ms_va_list *);

static DWORD MS fmt_ms(char *buf, DWORD size, const char *fmt, ...)
{
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, fmt);
    ms_FormatMessageA f = (ms_FormatMessageA)wv_k32_lookup("FormatMessageA");
    DWORD n = f(FORMAT_MESSAGE_FROM_STRING, fmt, 0, 0, buf, size, &ap);
    __builtin_ms_va_end(ap);
    return n;
}

Test(k32_format, from_string_inserts_and_escapes)
{
    char buf[256];
    cr_assert_eq(fmt_va(buf, sizeof(buf), "%2 and %1!s!, %3!d! %4!08x!%%%n", "one", "two", -5, 0xbeef), 27);
    cr_assert_str_eq(buf, "two and one, -5 0000beef%\r\n");
    cr_assert_eq(fmt_ms(buf, sizeof(buf), "[%1!5s!|%2!-3d!|%3!I64u!]%0ignored", "ab", 7, 12345678901ull), 23);
    cr_assert_str_eq(buf, "[   ab|7  |12345678901]");
    DWORD_PTR arr[] = {(DWORD_PTR)"x", 42};
    cr_assert_gt(FormatMessageA(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_ARGUMENT_ARRAY, "%1=%2!u!%t%.", 0, 0, buf,
                                sizeof(buf), (va_list *)arr), 0);
    cr_assert_str_eq(buf, "x=42\t.");
    cr_assert_gt(FormatMessageA(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_IGNORE_INSERTS, "keep %1 and %2!d!", 0, 0,
                                buf, sizeof(buf), NULL), 0);
    cr_assert_str_eq(buf, "keep %1 and %2!d!");
    SetLastError(SENTINEL);
    cr_assert_eq(FormatMessageA(FORMAT_MESSAGE_FROM_STRING, "needs %1", 0, 0, buf, sizeof(buf), NULL), 0);
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_eq(FormatMessageA(FORMAT_MESSAGE_FROM_STRING, NULL, 0, 0, buf, sizeof(buf), NULL), 0);
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_gt(FormatMessageA(FORMAT_MESSAGE_FROM_STRING | 0xff, "a\r\nb%nc", 0, 0, buf, sizeof(buf), NULL), 0);
    cr_assert_str_eq(buf, "a b\r\nc", "max width: only %n breaks lines");
    WCHAR w[32];
    cr_assert_eq(FormatMessageW(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_ARGUMENT_ARRAY, u"<%1>", 0, 0, w, 32,
                                (va_list *)(DWORD_PTR[]){(DWORD_PTR)u"wide"}), 6);
    cr_assert_eq(w[1], 'w');
    cr_assert_eq(w[5], '>');
}

/* ---- console, strings, local memory, error mode ---- */

Test(k32_misc, console_modes_and_code_pages)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    HANDLE h = winvm_handle_from_fd(p[1], GENERIC_WRITE);
    DWORD mode = 77;
    SetLastError(SENTINEL);
    cr_assert_not(GetConsoleMode(h, &mode), "a pipe is no console");
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert_eq(mode, 77);
    cr_assert_not(SetConsoleMode(h, ENABLE_PROCESSED_OUTPUT));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    CloseHandle(h);
    close(p[0]), close(p[1]);
    int pt = posix_openpt(O_RDWR | O_NOCTTY);
    if (pt >= 0 && grantpt(pt) == 0 && unlockpt(pt) == 0) {
        int tty = open(ptsname(pt), O_RDWR | O_NOCTTY);
        HANDLE t = winvm_handle_from_fd(tty, GENERIC_READ | GENERIC_WRITE);
        cr_assert(GetConsoleMode(t, &mode));
        cr_assert_eq(mode & ENABLE_PROCESSED_OUTPUT, ENABLE_PROCESSED_OUTPUT);
        cr_assert_not(SetConsoleMode(t, 0x8000));
        EXPECT_ERR(ERROR_INVALID_PARAMETER);
        cr_assert(SetConsoleMode(t, ENABLE_PROCESSED_OUTPUT));
        cr_assert(GetConsoleMode(t, &mode));
        cr_assert_eq(mode, ENABLE_PROCESSED_OUTPUT);
        CloseHandle(t);
        close(tty);
    }
    cr_assert_eq(GetConsoleCP(), CP_UTF8);
    cr_assert_eq(GetConsoleOutputCP(), CP_UTF8);
    cr_assert(SetConsoleOutputCP(CP_UTF8));
    cr_assert_not(SetConsoleOutputCP(437));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_not(SetConsoleCP(0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
}

Test(k32_misc, lstr_functions)
{
    char buf[32];
    cr_assert_eq(lstrlenA("hello"), 5);
    cr_assert_eq(lstrlenA(NULL), 0);
    cr_assert_eq(lstrlenA((LPCSTR)(uintptr_t)8), 0, "a bad pointer is caught");
    cr_assert_eq(lstrlenW(u"wide"), 4);
    cr_assert_eq(lstrcpyA(buf, "ab"), buf);
    cr_assert_eq(lstrcatA(buf, "cd"), buf);
    cr_assert_str_eq(buf, "abcd");
    cr_assert_null(lstrcpyA((LPSTR)(uintptr_t)8, "x"));
    cr_assert_null(lstrcatA(buf, NULL));
    WCHAR w[8];
    cr_assert_eq(lstrcpyW(w, u"x"), w);
    cr_assert_eq(lstrcatW(w, u"yz"), w);
    cr_assert_eq(lstrlenW(w), 3);
    cr_assert_eq(lstrcmpA("abc", "abc"), 0);
    cr_assert_eq(lstrcmpA("a", "B"), -1, "letters before case");
    cr_assert_eq(lstrcmpA("a", "A"), -1, "lower case first on a tie");
    cr_assert_eq(lstrcmpiA("a", "A"), 0);
    cr_assert_eq(lstrcmpA("co-op", "coop"), 1, "a hyphen only breaks a tie");
    cr_assert_eq(lstrcmpA("co-op", "cop"), -1);
    cr_assert_eq(lstrcmpA("1", "a"), -1);
    cr_assert_eq(lstrcmpA(NULL, "a"), -1);
    cr_assert_eq(lstrcmpA(NULL, NULL), 0);
    cr_assert_eq(lstrcmpiW(u"ABC", u"abd"), -1);
    cr_assert_eq(lstrcmpW(u"b", u"a"), 1);
    cr_assert_not(IsBadStringPtrA("ok", 100));
    cr_assert(IsBadStringPtrA((LPCSTR)(uintptr_t)8, 4));
    cr_assert_not(IsBadStringPtrA((LPCSTR)(uintptr_t)8, 0));
    cr_assert(IsBadStringPtrW(NULL, 1));
}

Test(k32_misc, local_global_error_mode_debug_strings)
{
    char *p = LocalAlloc(LPTR, 100);
    cr_assert_not_null(p);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(p[i], 0);
    cr_assert_eq(LocalSize(p), 100);
    cr_assert_eq(LocalLock(p), p);
    cr_assert_not(LocalUnlock(p));
    EXPECT_ERR(ERROR_NOT_LOCKED);
    char *q = LocalReAlloc(p, 5000, LMEM_MOVEABLE | LMEM_ZEROINIT);
    cr_assert_not_null(q);
    cr_assert_eq(LocalSize(q), 5000);
    cr_assert_null(LocalFree(q));
    cr_assert_null(LocalAlloc(0x8000, 10));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    void *g = GlobalAlloc(GMEM_MOVEABLE, 10);
    cr_assert_eq(GlobalLock(g), g);
    cr_assert_null(GlobalFree(g));
    UINT old = SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    cr_assert_eq(GetErrorMode(), SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    cr_assert_eq(SetErrorMode(old), SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    OutputDebugStringA("not shown\n"); /* WINVM_DEBUGSTRINGS unset: nowhere */
    OutputDebugStringA(NULL);
}

/* ---- process ---- */

Test(k32_proc, open_process_affinity_times_priority)
{
    SetLastError(SENTINEL);
    cr_assert_null(OpenProcess(PROCESS_ALL_ACCESS, FALSE, 0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_null(OpenProcess(PROCESS_ALL_ACCESS, FALSE, 0x7ffffff0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    HANDLE me = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, GetCurrentProcessId());
    cr_assert_not_null(me);
    DWORD_PTR pm = 0, sm = 0;
    cr_assert(GetProcessAffinityMask(me, &pm, &sm));
    cr_assert_neq(pm, 0);
    cr_assert_eq(pm & ~sm, 0);
    cr_assert_not(SetProcessAffinityMask(me, 0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    DWORD_PTR lowest = pm & -pm;
    cr_assert(SetProcessAffinityMask(GetCurrentProcess(), lowest));
    cr_assert(GetProcessAffinityMask(me, &pm, &sm));
    cr_assert_eq(pm, lowest);
    FILETIME c, e, k, u, now;
    cr_assert(GetProcessTimes(me, &c, &e, &k, &u));
    GetSystemTimeAsFileTime(&now);
    cr_assert_leq(CompareFileTime(&c, &now), 0);
    cr_assert_eq(e.dwLowDateTime | e.dwHighDateTime, 0);
    cr_assert(CloseHandle(me));
    cr_assert_not(GetProcessTimes(me, &c, &e, &k, &u));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert(GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u));
    cr_assert_eq(GetThreadPriority(GetCurrentThread()), THREAD_PRIORITY_NORMAL);
    cr_assert(SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_LOWEST));
    cr_assert_eq(GetThreadPriority(GetCurrentThread()), THREAD_PRIORITY_LOWEST);
    cr_assert_not(SetThreadPriority(GetCurrentThread(), 7));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_eq(GetThreadPriority((HANDLE)(uintptr_t)0x7ff0), THREAD_PRIORITY_ERROR_RETURN);
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert_not(IsDebuggerPresent());
}

/* A thread that spins ~30 ms of CPU, then ends. */
static DWORD WINAPI spin_then_end(LPVOID arg)
{
    (void)arg;
    FILETIME c, e, k, u;
    volatile uint64_t x = 0;
    for (;;) {
        for (int i = 0; i < 1000000; i++)
            x += (uint64_t)i;
        if (!GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u))
            return 1;
        ULONGLONG cpu = ((ULONGLONG)k.dwHighDateTime << 32 | k.dwLowDateTime) +
                        ((ULONGLONG)u.dwHighDateTime << 32 | u.dwLowDateTime);
        if (cpu >= 300000) /* 30 ms in 100 ns units */
            return 0;
    }
}

/* Windows keeps an ended thread's times: its creation, its exit (after the creation), the CPU
 * it used; the thread has left /proc by then, so winvm's object keeps them at the end. */
Test(k32_proc, ended_thread_keeps_its_times)
{
    FILETIME before, c, e, k, u, now;
    GetSystemTimeAsFileTime(&before);
    HANDLE t = CreateThread(NULL, 0, spin_then_end, NULL, 0, NULL);
    cr_assert_not_null(t);
    cr_assert_eq(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
    DWORD code = 7;
    cr_assert(GetExitCodeThread(t, &code));
    cr_assert_eq(code, 0u);
    usleep(20000); /* long gone from /proc */
    cr_assert(GetThreadTimes(t, &c, &e, &k, &u), "error %lu", (unsigned long)GetLastError());
    GetSystemTimeAsFileTime(&now);
    cr_assert_neq(e.dwLowDateTime | e.dwHighDateTime, 0, "an exit time");
    cr_assert_leq(CompareFileTime(&c, &e), 0, "created before it ended");
    cr_assert_leq(CompareFileTime(&e, &now), 0);
    ULONGLONG created = (ULONGLONG)c.dwHighDateTime << 32 | c.dwLowDateTime;
    ULONGLONG started = (ULONGLONG)before.dwHighDateTime << 32 | before.dwLowDateTime;
    cr_assert_geq(created + 20000000ull, started, "created about when it was made (boot-clock ticks)");
    ULONGLONG cpu = ((ULONGLONG)k.dwHighDateTime << 32 | k.dwLowDateTime) +
                    ((ULONGLONG)u.dwHighDateTime << 32 | u.dwLowDateTime);
    cr_assert_geq(cpu, 300000ull, "its CPU time kept");
    cr_assert(CloseHandle(t));
}

Test(k32_proc, module_handle_ex)
{
    HMODULE h = (HMODULE)1;
    SetLastError(SENTINEL);
    cr_assert(GetModuleHandleExA(0, "kernel32.dll", &h));
    cr_assert_eq(h, GetModuleHandleA("kernel32.dll"));
    cr_assert_not(GetModuleHandleExW(0, u"nosuch.dll", &h));
    EXPECT_ERR(ERROR_MOD_NOT_FOUND);
    cr_assert_null(h);
    h = (HMODULE)1; /* refused flags: *module is NULL all the same, as on Windows (Wine's module.c) */
    cr_assert_not(GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                                     "kernel32.dll", &h));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_null(h);
    h = (HMODULE)1;
    cr_assert_not(GetModuleHandleExW(8, u"kernel32.dll", &h));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_null(h);
    cr_assert_not(GetModuleHandleExA(0, "kernel32.dll", NULL));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_not(GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCSTR)&h, &h));
    EXPECT_ERR(ERROR_MOD_NOT_FOUND);
}

/* ---- advapi32 ---- */

typedef BOOL(MS *ms_Acquire)(HCRYPTPROV *, LPCSTR, LPCSTR, DWORD, DWORD);
typedef BOOL(MS *ms_Gen)(HCRYPTPROV, DWORD, BYTE *);
typedef BOOL(MS *ms_Release)(HCRYPTPROV, DWORD);
typedef BOOLEAN(MS *ms_Rtl)(PVOID, ULONG);

Test(advapi32, random_numbers_through_the_dll)
{
    HMODULE adv = LoadLibraryA("advapi32.dll");
    cr_assert_not_null(adv);
    ms_Acquire acq = (ms_Acquire)(void *)GetProcAddress(adv, "CryptAcquireContextA");
    ms_Gen gen = (ms_Gen)(void *)GetProcAddress(adv, "CryptGenRandom");
    ms_Release rel = (ms_Release)(void *)GetProcAddress(adv, "CryptReleaseContext");
    ms_Rtl rtl = (ms_Rtl)(void *)GetProcAddress(adv, "SystemFunction036");
    cr_assert(acq && gen && rel && rtl);
    HCRYPTPROV p = 0;
    cr_assert(acq(&p, NULL, NULL, PROV_RSA_FULL, CRYPT_VERIFYCONTEXT | CRYPT_SILENT));
    BYTE a[64] = {0}, b[64] = {0}, zero[64] = {0};
    cr_assert(gen(p, sizeof(a), a));
    cr_assert(rtl(b, sizeof(b)));
    cr_assert(memcmp(a, zero, 64) && memcmp(b, zero, 64) && memcmp(a, b, 64));
    cr_assert_not(gen(p, 8, (BYTE *)(uintptr_t)16));
    EXPECT_ERR(ERROR_NOACCESS);
    cr_assert_not(rel(p, 1));
    EXPECT_ERR(NTE_BAD_FLAGS);
    cr_assert(rel(p, 0));
    cr_assert_not(gen(p, 8, a), "released");
    EXPECT_ERR(NTE_BAD_UID);
    cr_assert_not(rel(p, 0));
    EXPECT_ERR(NTE_BAD_UID);
    cr_assert_not(acq(&p, NULL, NULL, PROV_RSA_FULL, 0));
    EXPECT_ERR(NTE_BAD_KEYSET);
    cr_assert_not(acq(NULL, NULL, NULL, PROV_RSA_FULL, CRYPT_VERIFYCONTEXT));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_not(acq(&p, NULL, NULL, 0, CRYPT_VERIFYCONTEXT));
    EXPECT_ERR(NTE_BAD_PROV_TYPE);
    for (size_t i = 1; wv_advapi_name_at(i); i++)
        cr_assert_lt(strcmp(wv_advapi_name_at(i - 1), wv_advapi_name_at(i)), 0);
}

/* What Debian's zlib1.dll, libwinpthread-1.dll, libstdc++-6.dll and libssp-0.dll import from
 * kernel32 (but the unwinding and thread-context calls another part of winvm serves). */
Test(k32_table, debian_dll_imports_are_served)
{
    static const char *const names[] = {
        "CreateHardLinkW", "DeleteFileW", "FileTimeToSystemTime", "FindFirstVolumeW", "FindNextVolumeW",
        "FindVolumeClose", "FormatMessageA", "GetDiskFreeSpaceExW", "GetFileAttributesW",
        "GetFileInformationByHandle", "GetFileSizeEx", "GetFileType", "GetFullPathNameW", "GetHandleInformation",
        "GetModuleHandleExW", "GetProcessAffinityMask", "GetProcessTimes", "GetSystemTimeAdjustment",
        "GetSystemTimeAsFileTime", "GetTempPathW", "GetThreadPriority", "GetThreadTimes", "GetTimeZoneInformation",
        "GetVolumeInformationW", "IsDebuggerPresent", "LocalFree", "MoveFileExW", "OpenProcess",
        "OutputDebugStringA", "RemoveDirectoryW", "SetEndOfFile", "SetFilePointer", "SetProcessAffinityMask",
        "SetSystemTime", "SetThreadPriority"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        cr_assert_not_null(wv_k32_lookup(names[i]), "%s", names[i]);
}
