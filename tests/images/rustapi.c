/* SPDX-License-Identifier: MIT */
/* rustapi.c - the calls Rust's std makes that C programs seldom do, checked from PE code
 * (test_rust.c): SetThreadStackGuarantee's rounding, floor, monotony and refusal (Windows'
 * values as Wine's kernel32 thread.c test records them), on the main thread and on a new one;
 * BCryptGenRandom with the system-preferred generator and its refusals; GetUserProfileDirectoryW's
 * sizes.  One line per check, "ok NAME" or "FAIL NAME ..."; exit status the failures' count. */
#include <windows.h>
#include <bcrypt.h>
#include <userenv.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static int failures;

static void check(const char *name, int ok, const char *fmt, unsigned long long a, unsigned long long b)
{
    if (ok) {
        printf("ok %s\n", name);
        return;
    }
    failures++;
    printf("FAIL %s: ", name);
    printf(fmt, a, b);
    printf("\n");
}

static ULONG teb_guarantee(void) { return *(ULONG *)((char *)NtCurrentTeb() + 0x1748); }

/* Each step: the request, the value *size must get back, the TEB's value after. */
static void guarantee_steps(const char *who)
{
    static const struct { ULONG in, back, teb; } steps[] = {
        {0, 0, 0}, {200, 0, 8192}, {5000, 8192, 8192}, {2000, 8192, 8192}, {10000, 8192, 12288}, {0, 12288, 12288},
    };
    char name[64];
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        ULONG size = steps[i].in;
        BOOL r = SetThreadStackGuarantee(&size);
        snprintf(name, sizeof(name), "guarantee_%s_%lu_%u", who, (unsigned long)steps[i].in, (unsigned)i);
        check(name, r && size == steps[i].back && teb_guarantee() == steps[i].teb,
              "back %llu teb %llu", size, teb_guarantee());
    }
    ULONG size = 0xdeadbef;
    SetLastError(0);
    BOOL r = SetThreadStackGuarantee(&size);
    snprintf(name, sizeof(name), "guarantee_%s_too_big", who);
    check(name, !r && GetLastError() == ERROR_INVALID_PARAMETER && size == 12288 && teb_guarantee() == 12288,
          "error %llu size %llu", GetLastError(), size);
}

static DWORD WINAPI thread_main(void *arg)
{
    (void)arg;
    check("guarantee_new_thread_starts_at_0", teb_guarantee() == 0, "teb %llu%llu", teb_guarantee(), 0);
    guarantee_steps("thread");
    return 0;
}

/* A thread asking for a 64 KiB guarantee overflows its stack: the vectored handler runs on the
 * overflowing stack with (nearly) that much committed below it, and leaves through ExitThread. */
static volatile LONG_PTR overflow_room = -1;

static LONG CALLBACK overflow_handler(EXCEPTION_POINTERS *e)
{
    if (e->ExceptionRecord->ExceptionCode != STATUS_STACK_OVERFLOW)
        return EXCEPTION_CONTINUE_SEARCH;
    volatile char here = 0;
    MEMORY_BASIC_INFORMATION m;
    volatile char *probe = (volatile char *)((UINT_PTR)&here - 48 * 1024);
    VirtualQuery((void *)probe, &m, sizeof(m));
    overflow_room = m.State == MEM_COMMIT ? (char *)m.BaseAddress + m.RegionSize - (char *)m.AllocationBase : 0;
    if (m.State == MEM_COMMIT)
        probe[0] = here; /* usable: no second overflow */
    ExitThread(7);
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static __attribute__((noinline)) int recurse(volatile char *up)
{
    volatile char pad[1024];
    pad[0] = up ? up[0] + 1 : 0;
    return recurse(pad) + pad[1];
}

static DWORD WINAPI overflow_main(void *arg)
{
    ULONG size = 64 * 1024;
    SetThreadStackGuarantee(&size);
    return (DWORD)recurse(arg);
}

static void check_overflow_guarantee(void)
{
    void *h = AddVectoredExceptionHandler(1, overflow_handler);
    HANDLE t = CreateThread(NULL, 256 * 1024, overflow_main, NULL, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    WaitForSingleObject(t, INFINITE);
    DWORD code = 0;
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    RemoveVectoredExceptionHandler(h);
    check("guarantee_overflow_room", code == 7 && overflow_room >= 48 * 1024, "exit %llu committed %llu", code,
          (unsigned long long)overflow_room);
}

/* CompareStringOrdinal as Wine's locale.c test_CompareStringOrdinal records Windows. */
static void check_ordinal(void)
{
    static const WCHAR t1[] = L"ABCD", t2[] = L"abcd", t3[] = {'a', 'b', 0, 'd', 'd', 0}, n1[] = {'a', 0, 'b'}, n2[] = {'a', 0, 'c'};
    SetLastError(0);
    int r0 = CompareStringOrdinal(NULL, 0, t1, -1, FALSE);
    check("ordinal_null", r0 == 0 && GetLastError() == ERROR_INVALID_PARAMETER, "r %llu error %llu", r0, GetLastError());
    int r[] = {
        CompareStringOrdinal(t1, -1, t1, -1, FALSE), CompareStringOrdinal(t1, -1, t2, -1, FALSE),
        CompareStringOrdinal(t2, -1, t1, -1, FALSE), CompareStringOrdinal(t1, -1, t2, -1, TRUE),
        CompareStringOrdinal(t1, 3, t2, -1, TRUE), CompareStringOrdinal(t1, -1, t2, 3, TRUE),
        CompareStringOrdinal(n1, 3, n2, 3, FALSE), CompareStringOrdinal(t2, 4, t3, 4, FALSE),
        CompareStringOrdinal(L"\x00e9", 1, L"\x00c9", 1, TRUE),
    };
    int want[] = {CSTR_EQUAL, CSTR_LESS_THAN, CSTR_GREATER_THAN, CSTR_EQUAL, CSTR_LESS_THAN, CSTR_GREATER_THAN,
                  CSTR_LESS_THAN, CSTR_GREATER_THAN, CSTR_EQUAL};
    for (int i = 0; i < 9; i++) {
        char name[32];
        snprintf(name, sizeof(name), "ordinal_%d", i);
        check(name, r[i] == want[i], "got %llu want %llu", r[i], want[i]);
    }
}

/* GetFileInformationByHandleEx on a file of 5000 bytes and on a directory. */
static void check_file_info_ex(void)
{
    char dir[MAX_PATH], path[MAX_PATH + 32];
    GetTempPathA(sizeof(dir), dir);
    snprintf(path, sizeof(path), "%srustapi_%lu.bin", dir, GetCurrentProcessId());
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    static char data[5000];
    DWORD wrote = 0;
    WriteFile(f, data, sizeof(data), &wrote, NULL);
    FILE_STANDARD_INFO si;
    memset(&si, 0xcc, sizeof(si));
    BOOL r1 = GetFileInformationByHandleEx(f, FileStandardInfo, &si, sizeof(si));
    check("fileinfo_standard", r1 && si.EndOfFile.QuadPart == 5000 && si.NumberOfLinks == 1 && !si.Directory &&
          !si.DeletePending, "ok %llu eof %llu", r1, si.EndOfFile.QuadPart);
    FILE_BASIC_INFO bi;
    BY_HANDLE_FILE_INFORMATION hi;
    BOOL r2 = GetFileInformationByHandleEx(f, FileBasicInfo, &bi, sizeof(bi)) && GetFileInformationByHandle(f, &hi);
    check("fileinfo_basic", r2 && bi.FileAttributes == hi.dwFileAttributes &&
          bi.LastWriteTime.LowPart == hi.ftLastWriteTime.dwLowDateTime && bi.ChangeTime.QuadPart != 0,
          "ok %llu attrs %llu", r2, bi.FileAttributes);
    FILE_ATTRIBUTE_TAG_INFO ti;
    BOOL r3 = GetFileInformationByHandleEx(f, FileAttributeTagInfo, &ti, sizeof(ti));
    check("fileinfo_tag", r3 && ti.FileAttributes == hi.dwFileAttributes && ti.ReparseTag == 0, "ok %llu tag %llu", r3,
          ti.ReparseTag);
    SetLastError(0);
    BOOL r4 = GetFileInformationByHandleEx(f, FileBasicInfo, &bi, sizeof(bi) - 1);
    check("fileinfo_short", !r4 && GetLastError() == ERROR_BAD_LENGTH, "ok %llu error %llu", r4, GetLastError());
    SetLastError(0);
    BOOL r5 = GetFileInformationByHandleEx(f, FileEndOfFileInfo, &bi, sizeof(bi));
    check("fileinfo_set_only", !r5 && GetLastError() == ERROR_INVALID_PARAMETER, "ok %llu error %llu", r5,
          GetLastError());
    CloseHandle(f);
    DeleteFileA(path);
    SetLastError(0);
    BOOL r6 = GetFileInformationByHandleEx(f, FileBasicInfo, &bi, sizeof(bi));
    check("fileinfo_closed", !r6 && GetLastError() == ERROR_INVALID_HANDLE, "ok %llu error %llu", r6, GetLastError());
    HANDLE d = CreateFileA(dir, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS, NULL);
    BOOL r7 = GetFileInformationByHandleEx(d, FileStandardInfo, &si, sizeof(si));
    check("fileinfo_dir", r7 && si.Directory && si.EndOfFile.QuadPart == 0, "ok %llu dir %llu", r7, si.Directory);
    CloseHandle(d);
}

/* GetFinalPathNameByHandleW's sizes (Wine's file.c test_GetFinalPathNameByHandleW), then
 * SetFileInformationByHandle: the end of file, a basic-information time, the delete disposition. */
static void check_final_path_and_set_info(void)
{
    WCHAR dir[MAX_PATH], path[MAX_PATH + 40], full[MAX_PATH + 40], got[MAX_PATH + 40];
    GetTempPathW(MAX_PATH, dir);
    char name[64];
    WCHAR wname[64];
    snprintf(name, sizeof(name), "rustapi_final_%lu.txt", GetCurrentProcessId());
    MultiByteToWideChar(CP_ACP, 0, name, -1, wname, 64);
    wcscpy(path, dir), wcscat(path, wname);
    GetFullPathNameW(path, MAX_PATH + 40, full, NULL);
    HANDLE f = CreateFileW(path, GENERIC_READ | GENERIC_WRITE | DELETE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    WCHAR want[MAX_PATH + 48];
    wcscpy(want, L"\\\\?\\"), wcscat(want, full);
    DWORD n = (DWORD)wcslen(want);
    DWORD need = GetFinalPathNameByHandleW(f, NULL, 0, 0);
    got[0] = 0x1111;
    DWORD small = GetFinalPathNameByHandleW(f, got, n, 0);
    DWORD fits = GetFinalPathNameByHandleW(f, got, n + 1, 0);
    check("final_path_dos", need == n + 1 && small == n + 1 && fits == n && !wcscmp(got, want),
          "need %llu fits %llu", need, fits);
    DWORD none = GetFinalPathNameByHandleW(f, got, MAX_PATH + 40, 4 /* VOLUME_NAME_NONE */);
    check("final_path_none", none == n - 6 && !wcscmp(got, want + 6), "got %llu want %llu", none, n - 6);
    SetLastError(0);
    DWORD bad = GetFinalPathNameByHandleW(INVALID_HANDLE_VALUE, got, MAX_PATH, 0);
    check("final_path_bad_handle", bad == 0 && GetLastError() == ERROR_INVALID_HANDLE, "got %llu error %llu", bad,
          GetLastError());

    FILE_END_OF_FILE_INFO eof = {.EndOfFile.QuadPart = 12345};
    BOOL r1 = SetFileInformationByHandle(f, FileEndOfFileInfo, &eof, sizeof(eof));
    LARGE_INTEGER sz = {0};
    GetFileSizeEx(f, &sz);
    check("set_eof", r1 && sz.QuadPart == 12345, "ok %llu size %llu", r1, sz.QuadPart);
    FILE_BASIC_INFO bi = {0};
    bi.LastWriteTime.QuadPart = 130000000000000000LL; /* 2012-12-10 */
    BOOL r2 = SetFileInformationByHandle(f, FileBasicInfo, &bi, sizeof(bi));
    FILETIME wt;
    GetFileTime(f, NULL, NULL, &wt);
    check("set_basic_time", r2 && ((ULONGLONG)wt.dwHighDateTime << 32 | wt.dwLowDateTime) == 130000000000000000ULL,
          "ok %llu time %llu", r2, (ULONGLONG)wt.dwHighDateTime << 32 | wt.dwLowDateTime);
    SetLastError(0);
    BOOL r3 = SetFileInformationByHandle(f, FileStandardInfo, &bi, sizeof(bi));
    check("set_get_only", !r3 && GetLastError() == ERROR_INVALID_PARAMETER, "ok %llu error %llu", r3, GetLastError());
    FILE_DISPOSITION_INFO di = {TRUE};
    BOOL r4 = SetFileInformationByHandle(f, FileDispositionInfo, &di, sizeof(di));
    DWORD before = GetFileAttributesW(path);
    CloseHandle(f);
    DWORD after = GetFileAttributesW(path);
    check("set_disposition", r4 && before != INVALID_FILE_ATTRIBUTES && after == INVALID_FILE_ATTRIBUTES,
          "ok %llu after %llx", r4, after);
}

/* CopyFileExW: the progress routine's calls, its PROGRESS_CANCEL, a cancel flag set before. */
static int progress_calls;
static DWORD progress_answer;
static LONGLONG progress_moved;
static DWORD CALLBACK progress(LARGE_INTEGER total, LARGE_INTEGER moved, LARGE_INTEGER stotal, LARGE_INTEGER smoved,
                               DWORD stream, DWORD reason, HANDLE src, HANDLE dst, LPVOID data)
{
    (void)total, (void)moved, (void)stotal, (void)src, (void)dst;
    if (stream == 1 && data == &progress_calls && reason == (progress_calls ? CALLBACK_CHUNK_FINISHED : CALLBACK_STREAM_SWITCH))
        progress_moved = smoved.QuadPart;
    progress_calls++;
    return progress_calls == 2 ? progress_answer : PROGRESS_CONTINUE;
}

static void check_copy_ex(void)
{
    WCHAR dir[MAX_PATH], a[MAX_PATH + 40], b[MAX_PATH + 40];
    GetTempPathW(MAX_PATH, dir);
    wcscpy(a, dir), wcscat(a, L"rustapi_copy_a.bin");
    wcscpy(b, dir), wcscat(b, L"rustapi_copy_b.bin");
    HANDLE f = CreateFileW(a, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    static char data[3000];
    DWORD wrote;
    WriteFile(f, data, sizeof(data), &wrote, NULL);
    CloseHandle(f);
    DeleteFileW(b);
    progress_answer = PROGRESS_CONTINUE;
    BOOL r1 = CopyFileExW(a, b, progress, &progress_calls, NULL, 0);
    check("copyex_progress", r1 && progress_calls == 2 && progress_moved == 3000 &&
          GetFileAttributesW(b) != INVALID_FILE_ATTRIBUTES, "calls %llu moved %llu", progress_calls, progress_moved);
    SetLastError(0);
    BOOL r2 = CopyFileExW(a, b, NULL, NULL, NULL, COPY_FILE_FAIL_IF_EXISTS);
    check("copyex_fail_if_exists", !r2 && GetLastError() == ERROR_FILE_EXISTS, "ok %llu error %llu", r2, GetLastError());
    DeleteFileW(b);
    progress_calls = 0, progress_answer = PROGRESS_CANCEL;
    SetLastError(0);
    BOOL r3 = CopyFileExW(a, b, progress, &progress_calls, NULL, 0);
    check("copyex_cancel", !r3 && GetLastError() == ERROR_REQUEST_ABORTED && GetFileAttributesW(b) == INVALID_FILE_ATTRIBUTES,
          "ok %llu error %llu", r3, GetLastError());
    BOOL stop = TRUE;
    SetLastError(0);
    BOOL r4 = CopyFileExW(a, b, NULL, NULL, &stop, 0);
    check("copyex_cancel_flag", !r4 && GetLastError() == ERROR_REQUEST_ABORTED && GetFileAttributesW(b) == INVALID_FILE_ATTRIBUTES,
          "ok %llu error %llu", r4, GetLastError());
    DeleteFileW(a);
}

/* CreateSymbolicLinkW: a relative target read through the link; an existing name; bad flags. */
static void check_symlink(void)
{
    WCHAR dir[MAX_PATH], target[MAX_PATH + 40], link[MAX_PATH + 40];
    GetTempPathW(MAX_PATH, dir);
    wcscpy(target, dir), wcscat(target, L"rustapi_sym_target.txt");
    wcscpy(link, dir), wcscat(link, L"rustapi_sym_link.txt");
    DeleteFileW(link);
    HANDLE f = CreateFileW(target, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD n;
    WriteFile(f, "through", 7, &n, NULL);
    CloseHandle(f);
    BOOLEAN r1 = CreateSymbolicLinkW(link, L"rustapi_sym_target.txt", 0);
    char buf[16] = {0};
    f = CreateFileW(link, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    ReadFile(f, buf, sizeof(buf) - 1, &n, NULL);
    CloseHandle(f);
    check("symlink_relative", r1 && !strcmp(buf, "through"), "ok %llu read %llu", r1, n);
    SetLastError(0);
    BOOLEAN r2 = CreateSymbolicLinkW(link, target, 0);
    check("symlink_exists", !r2 && GetLastError() == ERROR_ALREADY_EXISTS, "ok %llu error %llu", r2, GetLastError());
    SetLastError(0);
    BOOLEAN r3 = CreateSymbolicLinkW(link, target, 0x10);
    check("symlink_bad_flags", !r3 && GetLastError() == ERROR_INVALID_PARAMETER, "ok %llu error %llu", r3, GetLastError());
    DeleteFileW(link);
    DeleteFileW(target);
}

static void check_random(void)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof(a)), memset(b, 0, sizeof(b));
    NTSTATUS s1 = BCryptGenRandom(NULL, a, sizeof(a), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    NTSTATUS s2 = BCryptGenRandom(NULL, b, sizeof(b), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    check("bcrypt_random", s1 == 0 && s2 == 0 && memcmp(a, b, sizeof(a)) != 0, "status %llx %llx", s1, s2);
    NTSTATUS s3 = BCryptGenRandom(NULL, a, sizeof(a), 0);
    check("bcrypt_no_handle", s3 == (NTSTATUS)0xC0000008, "status %llx%llx", (ULONG)s3, 0);
    NTSTATUS s4 = BCryptGenRandom(NULL, a, sizeof(a), 0x100);
    check("bcrypt_bad_flags", s4 == (NTSTATUS)0xC000000D, "status %llx%llx", (ULONG)s4, 0);
}

static void check_profile(void)
{
    HANDLE tok = NULL;
    BOOL opened = OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok);
    DWORD size = 0;
    SetLastError(0);
    BOOL r = GetUserProfileDirectoryW(tok, NULL, &size);
    check("profile_size", opened && !r && GetLastError() == ERROR_INSUFFICIENT_BUFFER && size > 3,
          "error %llu size %llu", GetLastError(), size);
    WCHAR buf[512];
    DWORD cap = 512;
    r = GetUserProfileDirectoryW(tok, buf, &cap);
    check("profile_dir", r && cap == size && wcslen(buf) + 1 == size && buf[1] == L':', "cap %llu size %llu", cap, size);
    WCHAR small[2];
    DWORD two = 2;
    SetLastError(0);
    r = GetUserProfileDirectoryW(tok, small, &two);
    check("profile_small", !r && GetLastError() == ERROR_INSUFFICIENT_BUFFER && two == size, "error %llu size %llu",
          GetLastError(), two);
    SetLastError(0);
    r = GetUserProfileDirectoryW(NULL, buf, &cap);
    check("profile_no_token", !r && GetLastError() == ERROR_INVALID_HANDLE, "error %llu%llu", GetLastError(), 0);
    SetLastError(0);
    r = GetUserProfileDirectoryW(tok, buf, NULL);
    check("profile_no_size", !r && GetLastError() == ERROR_INVALID_PARAMETER, "error %llu%llu", GetLastError(), 0);
    CloseHandle(tok);
}

int main(void)
{
    guarantee_steps("main");
    HANDLE t = CreateThread(NULL, 0, thread_main, NULL, 0, NULL);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    check("guarantee_main_unchanged_by_thread", teb_guarantee() == 12288, "teb %llu%llu", teb_guarantee(), 0);
    check_overflow_guarantee();
    check_random();
    check_profile();
    check_ordinal();
    check_file_info_ex();
    check_final_path_and_set_info();
    check_copy_ex();
    check_symlink();
    printf("failures: %d\n", failures);
    return failures;
}
