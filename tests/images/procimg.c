/* SPDX-License-Identifier: MIT */
/* procimg.c - procimg.exe: what the process's image is and may do, from PE code
 * (tests/test_thread_kill.c).  Prints "ok NAME" / "FAIL NAME"; exits with the failures.
 *
 *   exec_flags      NtQueryInformationProcess(ProcessExecuteFlags): 0xd (DEP on, no thunk
 *                   emulation, permanent) as 64-bit Windows; a wrong length:
 *                   STATUS_INFO_LENGTH_MISMATCH
 *   exec_set        NtSetInformationProcess(ProcessExecuteFlags): refused with
 *                   STATUS_INVALID_PARAMETER for MEM_EXECUTE_OPTION_ENABLE and _DISABLE (a
 *                   64-bit process has none to set), a wrong length STATUS_INFO_LENGTH_MISMATCH,
 *                   a real handle to this process STATUS_INVALID_PARAMETER, an unknown class
 *                   STATUS_INVALID_INFO_CLASS; the flags stay 0xd
 *   nt_name         ProcessImageFileName: "\Device\HarddiskVolume1\...\procimg.exe" in a
 *                   UNICODE_STRING whose Buffer follows it; too small: STATUS_INFO_LENGTH_MISMATCH
 *                   and the length needed
 *   win32_name      ProcessImageFileNameWin32: GetModuleFileNameW(NULL)'s path
 *   full_name       QueryFullProcessImageNameA/W: GetModuleFileName's path, the size in
 *                   characters; PROCESS_NAME_NATIVE: the NT form; through an OpenProcess handle
 *   full_small      too small: FALSE, ERROR_INSUFFICIENT_BUFFER, size and buffer unchanged; NULL
 *                   buffer (A): ERROR_INVALID_PARAMETER; a bad flag: ERROR_INVALID_PARAMETER
 *   image_file      K32GetProcessImageFileNameA/W and psapi's GetProcessImageFileNameA: the NT
 *                   form and its length; no buffer: 0 and ERROR_INSUFFICIENT_BUFFER; a bad
 *                   handle: ERROR_INVALID_HANDLE
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

typedef LONG(NTAPI *query_fn)(HANDLE, ULONG, PVOID, ULONG, PULONG);
typedef LONG(NTAPI *set_fn)(HANDLE, ULONG, PVOID, ULONG);
typedef struct {
    USHORT Length, MaximumLength;
    PWSTR Buffer;
} USTR;

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '\\');
    return b ? b + 1 : p;
}

int main(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    query_fn q = (query_fn)(void *)GetProcAddress(nt, "NtQueryInformationProcess");
    set_fn s = (set_fn)(void *)GetProcAddress(nt, "NtSetInformationProcess");
    ULONG flags = 0, len = 0;
    LONG st = q(GetCurrentProcess(), 34, &flags, sizeof(flags), &len);
    ULONG_PTR big = 0;
    LONG st2 = q(GetCurrentProcess(), 34, &big, sizeof(big), NULL);
    check("exec_flags", st == 0 && flags == 0xd && len == 4 && st2 == (LONG)0xC0000004);

    HANDLE self = OpenProcess(PROCESS_ALL_ACCESS, FALSE, GetCurrentProcessId());
    ULONG want = 2; /* MEM_EXECUTE_OPTION_ENABLE */
    LONG a = s(GetCurrentProcess(), 34, &want, sizeof(want));
    LONG b = s(GetCurrentProcess(), 34, &want, 8);
    LONG c = self ? s(self, 34, &want, sizeof(want)) : -1;
    LONG d = s(GetCurrentProcess(), 1000, &want, sizeof(want));
    ULONG off = 1; /* MEM_EXECUTE_OPTION_DISABLE: Wine's exception.c records STATUS_INVALID_PARAMETER */
    LONG e = s(GetCurrentProcess(), 34, &off, sizeof(off));
    flags = 0;
    q(GetCurrentProcess(), 34, &flags, sizeof(flags), NULL);
    check("exec_set", a == (LONG)0xC000000D && b == (LONG)0xC0000004 && c == (LONG)0xC000000D &&
                          d == (LONG)0xC0000003 && e == (LONG)0xC000000D && flags == 0xd);
    if (a || b || c || d || e)
        printf("  set: %lx %lx %lx %lx %lx\n", a, b, c, d, e);

    WCHAR modw[MAX_PATH];
    char moda[MAX_PATH];
    GetModuleFileNameW(NULL, modw, MAX_PATH);
    GetModuleFileNameA(NULL, moda, MAX_PATH);

    static char buf[4096];
    USTR *u = (USTR *)buf;
    len = 0;
    st = q(GetCurrentProcess(), 27, buf, sizeof(buf), &len);
    int nt_ok = st == 0 && u->Buffer == (PWSTR)(u + 1) && wcsncmp(u->Buffer, L"\\Device\\HarddiskVolume1\\", 24) == 0 &&
                u->Length == wcslen(u->Buffer) * 2 && u->MaximumLength == u->Length + 2 &&
                wcsstr(u->Buffer, L"procimg.exe") && len == sizeof(USTR) + u->MaximumLength;
    ULONG need = len, got = 0;
    st2 = q(GetCurrentProcess(), 27, buf, need - 1, &got);
    check("nt_name", nt_ok && st2 == (LONG)0xC0000004 && got == need);
    static WCHAR ntw[MAX_PATH];
    wcscpy(ntw, u->Buffer);

    st = q(GetCurrentProcess(), 43, buf, sizeof(buf), &len);
    check("win32_name", st == 0 && _wcsicmp(u->Buffer, modw) == 0);

    char fa[MAX_PATH];
    WCHAR fw[MAX_PATH];
    DWORD na = MAX_PATH, nw = MAX_PATH, nn = MAX_PATH, no = MAX_PATH;
    BOOL r1 = QueryFullProcessImageNameA(GetCurrentProcess(), 0, fa, &na);
    BOOL r2 = QueryFullProcessImageNameW(GetCurrentProcess(), 0, fw, &nw);
    WCHAR fn[MAX_PATH], fo[MAX_PATH];
    BOOL r3 = QueryFullProcessImageNameW(GetCurrentProcess(), PROCESS_NAME_NATIVE, fn, &nn);
    BOOL r4 = self && QueryFullProcessImageNameW(self, 0, fo, &no);
    check("full_name", r1 && r2 && r3 && r4 && strcmp(fa, moda) == 0 && na == strlen(fa) &&
                           wcscmp(fw, modw) == 0 && nw == wcslen(fw) && wcscmp(fn, ntw) == 0 &&
                           nn == wcslen(fn) && wcscmp(fo, modw) == 0);

    DWORD small = (DWORD)strlen(moda);
    strcpy(fa, "unchanged");
    SetLastError(0);
    BOOL t1 = QueryFullProcessImageNameA(GetCurrentProcess(), 0, fa, &small);
    DWORD e1 = GetLastError();
    DWORD n1024 = 1024;
    SetLastError(0);
    BOOL t2 = QueryFullProcessImageNameA(GetCurrentProcess(), 0, NULL, &n1024);
    DWORD e2 = GetLastError();
    DWORD nf = MAX_PATH;
    SetLastError(0);
    BOOL t3 = QueryFullProcessImageNameW(GetCurrentProcess(), 2, fw, &nf);
    DWORD e3 = GetLastError();
    check("full_small", !t1 && e1 == ERROR_INSUFFICIENT_BUFFER && small == strlen(moda) &&
                            strcmp(fa, "unchanged") == 0 && !t2 && e2 == ERROR_INVALID_PARAMETER &&
                            n1024 == 1024 && !t3 && e3 == ERROR_INVALID_PARAMETER && nf == MAX_PATH);

    char ia[MAX_PATH];
    WCHAR iw[MAX_PATH];
    HMODULE ps = LoadLibraryA("psapi.dll");
    DWORD(WINAPI * ps_a)(HANDLE, LPSTR, DWORD) =
        ps ? (DWORD(WINAPI *)(HANDLE, LPSTR, DWORD))(void *)GetProcAddress(ps, "GetProcessImageFileNameA") : NULL;
    DWORD la = K32GetProcessImageFileNameA(GetCurrentProcess(), ia, MAX_PATH);
    DWORD lw = K32GetProcessImageFileNameW(GetCurrentProcess(), iw, MAX_PATH);
    char pa[MAX_PATH] = "";
    DWORD lp = ps_a ? ps_a(GetCurrentProcess(), pa, MAX_PATH) : 0;
    SetLastError(0);
    DWORD l0 = K32GetProcessImageFileNameA(GetCurrentProcess(), NULL, 0);
    DWORD e0 = GetLastError();
    SetLastError(0);
    DWORD lb = K32GetProcessImageFileNameA((HANDLE)(ULONG_PTR)0x12340, ia + 0, MAX_PATH);
    DWORD eb = GetLastError();
    K32GetProcessImageFileNameA(GetCurrentProcess(), ia, MAX_PATH);
    check("image_file", la == strlen(ia) && strncmp(ia, "\\Device\\HarddiskVolume1\\", 24) == 0 &&
                            strcmp(base_name(ia), "procimg.exe") == 0 && lw == wcslen(iw) && wcscmp(iw, ntw) == 0 &&
                            lp == la && strcmp(pa, ia) == 0 && l0 == 0 && e0 == ERROR_INSUFFICIENT_BUFFER &&
                            lb == 0 && eb == ERROR_INVALID_HANDLE);
    if (!(la == strlen(ia) && lw == wcslen(iw) && lp == la && l0 == 0 && lb == 0))
        printf("  la %lu lw %lu lp %lu l0 %lu e0 %lu lb %lu eb %lu %s %s\n", la, lw, lp, l0, e0, lb, eb, ia, pa);
    if (self)
        CloseHandle(self);
    printf("failures %d\n", failures);
    return failures;
}
