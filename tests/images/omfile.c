/* SPDX-License-Identifier: MIT */
/* omfile.c - omfile.exe: what Wine's ntdll om.c and kernel32 sync.c import beyond the object
 * namespace, from PE code (tests/test_omfile.c runs it under `winvm run`): msvcrt's wide
 * printf family (_vsnwprintf, _snwprintf, swprintf, _scwprintf, _vscwprintf), ntdll's file
 * calls (NtCreateFile, NtOpenFile, NtReadFile, NtWriteFile, NtQueryInformationFile),
 * RtlDuplicateUnicodeString, RtlAcquirePebLock/RtlReleasePebLock and PEB->FastPebLock,
 * RtlDllShutdownInProgress (FALSE while running, TRUE in a TLS callback's process detach), and
 * user32's GetThreadDesktop.  Every new call is found with GetProcAddress, so the program runs
 * (and fails) where they are missing.  Expected values: Windows' (Wine's conformance tests
 * ntdll file.c, rtlstr.c, om.c; msvcrt printf.c).  Prints "ok NAME" or "FAIL NAME (detail)". */
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "nt_objattr.h"

#include "nt_check.h"

/* ---- msvcrt's wide printf ---- */

typedef int(__cdecl *VSNW)(wchar_t *, size_t, const wchar_t *, va_list);
typedef int(__cdecl *SNW)(wchar_t *, size_t, const wchar_t *, ...);
typedef int(__cdecl *SW)(wchar_t *, const wchar_t *, ...);
typedef int(__cdecl *SCW)(const wchar_t *, ...);
typedef int(__cdecl *VSCW)(const wchar_t *, va_list);
static VSNW p_vsnw;
static VSCW p_vscw;

static int call_vsnw(wchar_t *buf, size_t n, const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = p_vsnw(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

static int call_vscw(const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = p_vscw(fmt, ap);
    va_end(ap);
    return r;
}

static void wide_printf(void)
{
    SNW snw = (SNW)fn("msvcrt.dll", "_snwprintf");
    SW sw = (SW)fn("msvcrt.dll", "swprintf");
    SCW scw = (SCW)fn("msvcrt.dll", "_scwprintf");
    p_vsnw = (VSNW)fn("msvcrt.dll", "_vsnwprintf");
    p_vscw = (VSCW)fn("msvcrt.dll", "_vscwprintf");
    if (!snw || !sw || !scw || !p_vsnw || !p_vscw)
        return;
    wchar_t buf[64];
    int n = snw(buf, 64, L"%s|%S|%hs|%ls|%c|%C|%d|%x", L"wide", "narrow", "h", L"l", L'W', 'n', 42, 255);
    check(n == 25 && !wcscmp(buf, L"wide|narrow|h|l|W|n|42|ff"), "wide_conversions", n);
    wmemset(buf, L'#', 64);
    n = call_vsnw(buf, 5, L"%s", L"abcdef");
    check(n == -1 && !wmemcmp(buf, L"abcde#", 6), "wide_truncated_no_terminator", n);
    wmemset(buf, L'#', 64);
    n = call_vsnw(buf, 3, L"a%cc", L'b');
    check(n == 3 && !wmemcmp(buf, L"abc#", 4), "wide_exact_fit_no_terminator", n);
    n = call_vsnw(buf, 64, L"\\Sessions\\%u%s", 1u, L"\\BaseNamedObjects");
    check(n == 28 && !wcscmp(buf, L"\\Sessions\\1\\BaseNamedObjects"), "wide_om_name", n);
    n = call_vsnw(buf, 64, L"%s", L"\xd83d\xde00");
    check(n == 2 && buf[0] == 0xd83d && buf[1] == 0xde00 && !buf[2], "wide_surrogates", n);
    buf[0] = L'#';
    n = snw(buf, 4, L"");
    check(n == 0 && !buf[0], "wide_empty", n);
    n = sw(buf, L"%d-%ls", 7, L"x");
    check(n == 3 && !wcscmp(buf, L"7-x"), "swprintf_no_count", n);
    check(scw(L"%s%d", L"ab", 123) == 5 && call_vscw(L"%S!", "four") == 5, "scwprintf", scw(L"%s%d", L"ab", 123));
    check(call_vscw(NULL) == -1, "vscwprintf_null", 0);
}

/* ---- ntdll's file calls ---- */

typedef NTSTATUS(NTAPI *NTCREATEFILE)(HANDLE *, ACCESS_MASK, OBJATTR *, IOSB *, LARGE_INTEGER *, ULONG, ULONG, ULONG,
                                      ULONG, void *, ULONG);
typedef NTSTATUS(NTAPI *NTOPENFILE)(HANDLE *, ACCESS_MASK, OBJATTR *, IOSB *, ULONG, ULONG);
typedef NTSTATUS(NTAPI *NTRW)(HANDLE, HANDLE, void *, void *, IOSB *, void *, ULONG, LARGE_INTEGER *, ULONG *);
typedef NTSTATUS(NTAPI *NTQIF)(HANDLE, IOSB *, void *, ULONG, ULONG);
static NTCREATEFILE p_create;
static NTOPENFILE p_open;
static NTRW p_read, p_write;
static NTQIF p_query;

static WCHAR dir[MAX_PATH], file[MAX_PATH], ntname[MAX_PATH + 8];
static UNISTR us;
static OBJATTR oa;

/* out = a b <num in decimal> c (no printf: the wide family is what is tested here). */
static void wjoin(WCHAR *out, const WCHAR *a, const WCHAR *b, DWORD num, const WCHAR *c)
{
    WCHAR digits[16];
    int k = 15;
    digits[k] = 0;
    do
        digits[--k] = (WCHAR)(L'0' + num % 10);
    while (num /= 10);
    wcscpy(out, a), wcscat(out, b), wcscat(out, digits + k), wcscat(out, c);
}

static OBJATTR *attr(const WCHAR *name, HANDLE root)
{
    wcscpy(ntname, root ? L"" : L"\\??\\");
    wcscat(ntname, name);
    us.Length = (USHORT)(wcslen(ntname) * 2), us.MaximumLength = us.Length + 2, us.Buffer = ntname;
    memset(&oa, 0, sizeof(oa));
    oa.Length = sizeof(oa), oa.ObjectName = &us, oa.RootDirectory = root;
    return &oa;
}

static NTSTATUS create(HANDLE *h, const WCHAR *name, HANDLE root, ULONG disp, ULONG opts, IOSB *io)
{
    *h = NULL;
    io->Information = 77;
    return p_create(h, GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE, attr(name, root), io, NULL, FILE_ATTRIBUTE_NORMAL,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, disp, opts | 0x20, NULL, 0);
}

static void file_dispositions(void)
{
    HANDLE h, h2;
    IOSB io;
    NTSTATUS st = create(&h, file, NULL, 2 /* FILE_CREATE */, 0, &io);
    check(!st && h && io.Information == 2 /* FILE_CREATED */, "create_new", st);
    NTSTATUS coll = create(&h2, file, NULL, 2, 0, &io);
    check(coll == (NTSTATUS)0xC0000035, "create_collision", coll);
    IOSB wio;
    st = p_write(h, NULL, NULL, NULL, &wio, "hello world", 11, NULL, NULL);
    check(!st && wio.Status == 0 && wio.Information == 11, "write", st);
    CloseHandle(h);
    st = create(&h, file, NULL, 3 /* FILE_OPEN_IF */, 0, &io);
    check(!st && io.Information == 1 /* FILE_OPENED */, "open_if_existing", io.Information);
    CloseHandle(h);
    st = create(&h, file, NULL, 0 /* FILE_SUPERSEDE */, 0, &io);
    check(!st && io.Information == 0 /* FILE_SUPERSEDED */ && GetFileSize(h, NULL) == 0, "supersede", io.Information);
    p_write(h, NULL, NULL, NULL, &wio, "hello world", 11, NULL, NULL);
    CloseHandle(h);
    st = create(&h, file, NULL, 5 /* FILE_OVERWRITE_IF */, 0, &io);
    check(!st && io.Information == 3 /* FILE_OVERWRITTEN */ && GetFileSize(h, NULL) == 0, "overwrite_if", io.Information);
    p_write(h, NULL, NULL, NULL, &wio, "hello world", 11, NULL, NULL);
    CloseHandle(h);
}

static void file_open_errors(void)
{
    HANDLE h;
    IOSB io;
    WCHAR p[MAX_PATH];
    wjoin(p, dir, L"wvomfile-none-", GetCurrentProcessId(), L"");
    NTSTATUS a = p_open(&h, GENERIC_READ, attr(p, NULL), &io, FILE_SHARE_READ, 0);
    wcscat(p, L"\\x.txt");
    NTSTATUS b = p_open(&h, GENERIC_READ, attr(p, NULL), &io, FILE_SHARE_READ, 0);
    check(a == (NTSTATUS)0xC0000034 && b == (NTSTATUS)0xC000003A, "open_not_found", (long long)a << 32 | (ULONG)b);
    wcscpy(p, dir), wcscat(p, L"*.txt");
    NTSTATUS c = p_open(&h, GENERIC_READ, attr(p, NULL), &io, FILE_SHARE_READ, 0);
    check(c == (NTSTATUS)0xC0000033, "open_wildcard_invalid", c);
    UNISTR rel = {6, 8, L"abc"};
    OBJATTR ra = {sizeof(ra), NULL, &rel, 0, NULL, NULL};
    NTSTATUS d = p_open(&h, GENERIC_READ, &ra, &io, FILE_SHARE_READ, 0);
    check(d == (NTSTATUS)0xC000003B, "open_relative_without_root", d);
    NTSTATUS e = create(&h, file, NULL, 1, 0x1 /* FILE_DIRECTORY_FILE */, &io);
    check(e == (NTSTATUS)0xC0000103, "open_file_as_directory", e);
    NTSTATUS f = create(&h, dir, NULL, 1, 0x40 /* FILE_NON_DIRECTORY_FILE */, &io);
    check(f == (NTSTATUS)0xC00000BA, "open_directory_as_file", f);
    NTSTATUS g = create(&h, file, NULL, 9, 0, &io);
    check(g == (NTSTATUS)0xC000000D, "bad_disposition", g);
}

static void file_read_query(void)
{
    HANDLE h;
    IOSB io;
    char buf[32] = {0};
    NTSTATUS st = p_open(&h, GENERIC_READ | SYNCHRONIZE, attr(file, NULL), &io, FILE_SHARE_READ | FILE_SHARE_WRITE,
                         0x20);
    check(!st && io.Information == 1, "open_existing", st);
    LARGE_INTEGER off = {.QuadPart = 6};
    st = p_read(h, NULL, NULL, NULL, &io, buf, 5, &off, NULL);
    check(!st && io.Information == 5 && !memcmp(buf, "world", 5), "read_at_offset", st);
    LONGLONG pos[2] = {-1, -1};
    st = p_query(h, &io, pos, 8, 14 /* FilePositionInformation */);
    check(!st && pos[0] == 11 && io.Information == 8, "position_after_read", pos[0]);
    st = p_read(h, NULL, NULL, NULL, &io, buf, 5, NULL, NULL);
    check(st == (NTSTATUS)0xC0000011 && io.Information == 0, "read_end_of_file", st);
    struct {
        LONGLONG alloc, eof;
        ULONG links;
        BOOLEAN del, isdir;
    } std;
    st = p_query(h, &io, &std, sizeof(std), 5 /* FileStandardInformation */);
    check(!st && std.eof == 11 && std.links == 1 && !std.isdir && io.Information == 24, "standard_info", std.eof);
    BYTE basic[40];
    st = p_query(h, &io, basic, sizeof(basic), 4 /* FileBasicInformation */);
    ULONG attrs = *(ULONG *)(basic + 32);
    check(!st && (attrs & FILE_ATTRIBUTE_ARCHIVE) && !(attrs & FILE_ATTRIBUTE_DIRECTORY) && *(LONGLONG *)(basic + 16),
          "basic_info", attrs);
    ULONG acc = 0;
    st = p_query(h, &io, &acc, 4, 8 /* FileAccessInformation */);
    check(!st && (acc & 0x120089) == 0x120089, "access_info", acc);
    BYTE nb[600];
    st = p_query(h, &io, nb, sizeof(nb), 9 /* FileNameInformation */);
    ULONG nlen = *(ULONG *)nb;
    WCHAR *nm = (WCHAR *)(nb + 4), *base = wcsrchr(file, L'\\');
    check(!st && nm[0] == L'\\' && nlen >= wcslen(base) * 2 && !wmemcmp(nm + nlen / 2 - wcslen(base), base, wcslen(base)),
          "name_info", st);
    st = p_query(h, &io, nb, 8, 9);
    check(st == (NTSTATUS)0x80000005 && *(ULONG *)nb == nlen && io.Information == 8, "name_info_overflow", st);
    NTSTATUS a = p_query(h, &io, nb, sizeof(nb), 0xdeadbeef);
    NTSTATUS b = p_query(h, &io, nb, 8, 4);
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    NTSTATUS c = p_query(ev, &io, nb, sizeof(nb), 8);
    check(a == (NTSTATUS)0xC0000003 && b == (NTSTATUS)0xC0000004 && c == (NTSTATUS)0xC0000024, "query_errors",
          (long long)a << 32 | (ULONG)c);
    CloseHandle(ev);
    CloseHandle(h);
}

static void file_root_directory(void)
{
    HANDLE d, h;
    IOSB io;
    NTSTATUS st = p_open(&d, GENERIC_READ | SYNCHRONIZE, attr(dir, NULL), &io, FILE_SHARE_READ | FILE_SHARE_WRITE,
                         0x21 /* FILE_DIRECTORY_FILE | SYNCHRONOUS */);
    check(!st, "open_directory", st);
    WCHAR rel[64], full[MAX_PATH];
    wjoin(rel, L"", L"wvomfile-rel-", GetCurrentProcessId(), L".txt");
    wcscpy(full, dir), wcscat(full, rel);
    st = create(&h, rel, d, 2, 0, &io);
    check(!st && io.Information == 2 && GetFileAttributesW(full) != INVALID_FILE_ATTRIBUTES, "create_under_root", st);
    if (!st)
        CloseHandle(h);
    DeleteFileW(full);
    CloseHandle(d);
}

static void files(void)
{
    p_create = (NTCREATEFILE)fn("ntdll.dll", "NtCreateFile");
    p_open = (NTOPENFILE)fn("ntdll.dll", "NtOpenFile");
    p_read = (NTRW)fn("ntdll.dll", "NtReadFile");
    p_write = (NTRW)fn("ntdll.dll", "NtWriteFile");
    p_query = (NTQIF)fn("ntdll.dll", "NtQueryInformationFile");
    if (!p_create || !p_open || !p_read || !p_write || !p_query)
        return;
    GetTempPathW(MAX_PATH, dir);
    wjoin(file, dir, L"wvomfile-", GetCurrentProcessId(), L".txt");
    DeleteFileW(file);
    file_dispositions();
    file_open_errors();
    file_read_query();
    file_root_directory();
    DeleteFileW(file);
}

/* ---- the rest: strings, the PEB lock, the shutdown flag, the desktop ---- */

typedef NTSTATUS(NTAPI *DUP)(ULONG, UNISTR *, UNISTR *);
typedef void(NTAPI *VOIDFN)(void);
typedef BOOLEAN(NTAPI *SHUTDOWN)(void);
static SHUTDOWN p_shutdown;

static void duplicate(void)
{
    DUP dup = (DUP)fn("ntdll.dll", "RtlDuplicateUnicodeString");
    void(NTAPI * freestr)(UNISTR *) = (void(NTAPI *)(UNISTR *))fn("ntdll.dll", "RtlFreeUnicodeString");
    if (!dup || !freestr)
        return;
    WCHAR src[] = L"This is a string";
    UNISTR s = {32, 34, src}, d = {40, 42, (PWSTR)L"x"};
    NTSTATUS st = dup(1, &s, &d);
    check(!st && d.Length == 32 && d.MaximumLength == 34 && d.Buffer != src && !wcscmp(d.Buffer, src), "dup_nul", st);
    freestr(&d);
    st = dup(0, &s, &d);
    check(!st && d.Length == 32 && d.MaximumLength == 32 && !wmemcmp(d.Buffer, src, 16), "dup_plain", st);
    freestr(&d);
    UNISTR keep = {40, 42, (PWSTR)L"x"}, bad = {32, 30, src};
    NTSTATUS a = dup(2, &s, &keep), b = dup(0, &bad, &keep), c = dup(4, &s, &keep);
    check(a == (NTSTATUS)0xC000000D && b == a && c == a && keep.Length == 40 && keep.MaximumLength == 42,
          "dup_invalid", a);
    UNISTR empty = {0, 2, src};
    st = dup(3, &empty, &d);
    check(!st && d.Length == 0 && d.MaximumLength == 2 && d.Buffer && !d.Buffer[0], "dup_empty_alloc", st);
    freestr(&d);
    st = dup(1, &empty, &d);
    check(!st && d.Length == 0 && d.MaximumLength == 0 && !d.Buffer, "dup_empty_none", st);
}

/* Gives the lock back when it got it: a thread ending with the PEB lock held would keep the
 * process's ExitProcess waiting for it forever, as on Windows. */
static DWORD WINAPI try_peb_lock(LPVOID cs)
{
    BOOL got = TryEnterCriticalSection((CRITICAL_SECTION *)cs);
    if (got)
        LeaveCriticalSection((CRITICAL_SECTION *)cs);
    return got;
}

static void peb_lock(void)
{
    VOIDFN acq = (VOIDFN)fn("ntdll.dll", "RtlAcquirePebLock"), rel = (VOIDFN)fn("ntdll.dll", "RtlReleasePebLock");
    if (!acq || !rel)
        return;
    BYTE *peb = *(BYTE **)((BYTE *)NtCurrentTeb() + 0x60);
    CRITICAL_SECTION *cs = *(CRITICAL_SECTION **)(peb + 0x38);
    check(cs != NULL, "peb_fast_lock_set", 0);
    if (!cs)
        return;
    acq(), acq();
    LONG depth = cs->RecursionCount;
    DWORD owner = (DWORD)(ULONG_PTR)cs->OwningThread;
    HANDLE t = CreateThread(NULL, 0, try_peb_lock, cs, 0, NULL);
    DWORD other = 2;
    WaitForSingleObject(t, INFINITE), GetExitCodeThread(t, &other), CloseHandle(t);
    rel(), rel();
    check(depth == 2 && owner == GetCurrentThreadId() && other == 0 && cs->RecursionCount == 0, "peb_lock_recursive",
          depth);
    t = CreateThread(NULL, 0, try_peb_lock, cs, 0, NULL);
    WaitForSingleObject(t, INFINITE), GetExitCodeThread(t, &other), CloseHandle(t);
    check(other == 1, "peb_lock_released", other);
}

static void misc(void)
{
    duplicate();
    peb_lock();
    p_shutdown = (SHUTDOWN)fn("ntdll.dll", "RtlDllShutdownInProgress");
    if (p_shutdown)
        check(p_shutdown() == FALSE, "shutdown_not_in_progress", 0);
    HANDLE(WINAPI * desk)(DWORD) = (HANDLE(WINAPI *)(DWORD))fn("user32.dll", "GetThreadDesktop");
    if (desk) {
        SetLastError(0xdeadbeef);
        HANDLE d = desk(0x7ffffff0);
        check(!d && GetLastError() == ERROR_INVALID_PARAMETER, "thread_desktop_bad_id", GetLastError());
    }
}

/* At the process's exit the TLS callbacks get DLL_PROCESS_DETACH with the DLLs: by then
 * RtlDllShutdownInProgress is TRUE. */
static void NTAPI on_tls(PVOID base, DWORD reason, PVOID reserved)
{
    (void)base, (void)reserved;
    if (reason != DLL_PROCESS_DETACH || !p_shutdown)
        return;
    const char *msg = p_shutdown() ? "ok shutdown_in_progress_at_detach\n" : "FAIL shutdown_in_progress_at_detach\n";
    DWORD n;
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), msg, (DWORD)strlen(msg), &n, NULL);
}
__attribute__((section(".CRT$XLB"), used)) PIMAGE_TLS_CALLBACK omfile_tls = on_tls;

int main(void)
{
    LoadLibraryA("user32.dll");
    wide_printf();
    files();
    misc();
    printf("%s done (%d failures)\n", failures ? "FAIL" : "ok", failures);
    fflush(stdout);
    return failures;
}
