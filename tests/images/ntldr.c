/* SPDX-License-Identifier: MIT */
/* ntldr.c - ntldr.exe: ntdll's loader-data and string helpers from PE code (imports of
 * ntdll.dll, mingw-w64, default CRT).  Output, one line each ("ok NAME" or "FAIL NAME");
 * exit code = number of failures:
 *   find_exe    LdrFindEntryForAddress(an address in this exe's code) = 0, the entry's DllBase
 *               (LDR_DATA_TABLE_ENTRY + 0x30) is this exe's base
 *   find_none   an address on the stack: STATUS_NO_MORE_ENTRIES, the out pointer untouched
 *   nt_header   RtlImageNtHeader(exe base) = base + e_lfanew; NULL for NULL and for a buffer
 *               without "MZ"
 *   reloc       LdrProcessRelocationBlock: DIR64, HIGHLOW, LOW, HIGH and ABSOLUTE entries
 *               applied with the delta, the result the entry after the block
 *   close       NtClose of an event handle = 0, of it again STATUS_INVALID_HANDLE
 *   init_string RtlInitUnicodeString: Length 6, MaximumLength 8, the buffer itself; NULL: 0, 0, NULL
 *   from_ascii  RtlCreateUnicodeStringFromAsciiz("hello"): TRUE, 10, 12, "hello" terminated
 *   free_string RtlFreeUnicodeString: Buffer NULL, lengths 0
 *   dll_handle  LdrGetDllHandle(L"kernel32.dll") = 0, GetModuleHandleW's base; of a DLL not
 *               loaded STATUS_DLL_NOT_FOUND, the out pointer untouched
 *   full_name   LdrGetDllFullName(ntdll): MaximumLength 0 STATUS_BUFFER_TOO_SMALL, Length 0,
 *               nothing written; 5 STATUS_BUFFER_TOO_SMALL, Length 5, two characters and the
 *               low byte of the third written (the rest untouched); room enough: 0, the system
 *               directory + "\ntdll.dll" terminated; NULL: GetModuleFileNameW(NULL)'s path; a
 *               handle that is no module STATUS_DLL_NOT_FOUND (Wine's test_LdrGetDllFullName)
 *   find_export RtlFindExportedRoutineByName: ntdll's NtClose and kernel32's CreateFileA are
 *               GetProcAddress's; NULL for a name not exported, a prefix of one, a NULL module
 *               and an image without exports (this exe)
 *   bad_image   LdrLoadDll of a file that is no image fails with NtCreateSection's status for
 *               it (Wine's test_Loader): no "MZ" STATUS_INVALID_IMAGE_NOT_MZ, "MZ" without PE
 *               headers STATUS_INVALID_IMAGE_PROTECT, an NE program STATUS_INVALID_IMAGE_NE_FORMAT;
 *               the out pointer untouched
 *   wait        NtWaitForSingleObject: a set event STATUS_WAIT_0 (NULL timeout: infinite); an
 *               unset one STATUS_TIMEOUT after 1 ms relative and at an absolute time past;
 *               a bad handle STATUS_INVALID_HANDLE; a handle without SYNCHRONIZE
 *               STATUS_ACCESS_DENIED
 *   wait_apc    alertable, with an APC queued: STATUS_USER_APC, the APC ran; not alertable:
 *               STATUS_TIMEOUT, the APC still queued
 *   suspend     NtSuspendThread / NtResumeThread of a thread created suspended: previous
 *               counts 1, 2, 1 (NULL pointer accepted); a bad count pointer
 *               STATUS_ACCESS_VIOLATION with the count unchanged; a bad handle
 *               STATUS_INVALID_HANDLE; a handle without THREAD_SUSPEND_RESUME STATUS_ACCESS_DENIED
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef LONG NTSTATUS;
typedef struct {
    USHORT Length, MaximumLength;
    PWSTR Buffer;
} USTR;

NTSTATUS NTAPI LdrFindEntryForAddress(void *addr, void **entry);
USHORT *NTAPI LdrProcessRelocationBlock(ULONG_PTR page, ULONG count, USHORT *relocs, LONG_PTR delta);
NTSTATUS NTAPI NtClose(HANDLE h);
void *NTAPI RtlFindExportedRoutineByName(HMODULE base, const char *name);
void *NTAPI RtlImageNtHeader(HMODULE base);
void NTAPI RtlInitUnicodeString(USTR *dst, const WCHAR *src);
BOOLEAN NTAPI RtlCreateUnicodeStringFromAsciiz(USTR *dst, const char *src);
void NTAPI RtlFreeUnicodeString(USTR *s);
NTSTATUS NTAPI LdrGetDllHandle(PWSTR path, PULONG flags, USTR *name, void **base);
NTSTATUS NTAPI LdrLoadDll(PWSTR path, PULONG flags, USTR *name, void **base);
NTSTATUS NTAPI NtWaitForSingleObject(HANDLE h, BOOLEAN alertable, LARGE_INTEGER *timeout);
NTSTATUS NTAPI NtSuspendThread(HANDLE h, PULONG prev);
NTSTATUS NTAPI NtResumeThread(HANDLE h, PULONG prev);

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static void loader_data(void)
{
    BYTE *base = (BYTE *)GetModuleHandleA(NULL);
    void *entry = NULL;
    NTSTATUS st = LdrFindEntryForAddress((void *)(ULONG_PTR)check, &entry);
    check("find_exe", st == 0 && entry && *(BYTE **)((BYTE *)entry + 0x30) == base);
    int local = 0;
    entry = (void *)0x1234;
    st = LdrFindEntryForAddress(&local, &entry);
    check("find_none", st == (NTSTATUS)0x8000001A && entry == (void *)0x1234);
    static BYTE notpe[64];
    LONG lfanew = *(LONG *)(base + 0x3c);
    check("nt_header", RtlImageNtHeader((HMODULE)base) == base + lfanew && !RtlImageNtHeader(NULL) &&
                           !RtlImageNtHeader((HMODULE)notpe));
}

static void relocations(void)
{
    static __attribute__((aligned(4096))) BYTE page[4096];
    ULONGLONG q = 0x1000;
    DWORD d = 0x2000;
    USHORT lo = 0x0010, hi = 0x0001;
    memcpy(page + 0x10, &q, 8);
    memcpy(page + 0x20, &d, 4);
    memcpy(page + 0x30, &lo, 2);
    memcpy(page + 0x40, &hi, 2);
    USHORT block[] = {0xa010, 0x3020, 0x2030, 0x1040, 0x0000};
    LONG_PTR delta = 0x100020003;
    USHORT *next = LdrProcessRelocationBlock((ULONG_PTR)page, 5, block, delta);
    memcpy(&q, page + 0x10, 8);
    memcpy(&d, page + 0x20, 4);
    memcpy(&lo, page + 0x30, 2);
    memcpy(&hi, page + 0x40, 2);
    check("reloc", next == block + 5 && q == 0x100021003ull && d == 0x22003 && lo == 0x0013 && hi == 0x0003);
}

static void strings(void)
{
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    check("close", ev && NtClose(ev) == 0 && NtClose(ev) == (NTSTATUS)0xC0000008);
    static const WCHAR abc[] = L"abc";
    USTR u = {1, 1, NULL};
    RtlInitUnicodeString(&u, abc);
    int ok = u.Length == 6 && u.MaximumLength == 8 && u.Buffer == abc;
    RtlInitUnicodeString(&u, NULL);
    check("init_string", ok && u.Length == 0 && u.MaximumLength == 0 && !u.Buffer);
    check("from_ascii", RtlCreateUnicodeStringFromAsciiz(&u, "hello") && u.Length == 10 && u.MaximumLength == 12 &&
                            u.Buffer && !memcmp(u.Buffer, L"hello", 12));
    RtlFreeUnicodeString(&u);
    check("free_string", !u.Buffer && u.Length == 0 && u.MaximumLength == 0);
}

static void dll_handle(void)
{
    USTR name;
    void *base = NULL;
    RtlInitUnicodeString(&name, L"kernel32.dll");
    NTSTATUS st = LdrGetDllHandle(NULL, NULL, &name, &base);
    int ok = st == 0 && base && base == (void *)GetModuleHandleW(L"kernel32.dll");
    RtlInitUnicodeString(&name, L"nosuchdll.dll");
    base = (void *)0x1234;
    st = LdrGetDllHandle(NULL, NULL, &name, &base);
    check("dll_handle", ok && st == (NTSTATUS)0xC0000135 && base == (void *)0x1234);
}

static int apc_ran;
static void CALLBACK apc(ULONG_PTR arg) { apc_ran += (int)arg; }

static void waits(void)
{
    HANDLE set = CreateEventA(NULL, TRUE, TRUE, NULL), unset = CreateEventA(NULL, TRUE, FALSE, NULL), limited;
    LARGE_INTEGER rel = {.QuadPart = -10000}, past = {.QuadPart = 1};
    DuplicateHandle(GetCurrentProcess(), unset, GetCurrentProcess(), &limited, EVENT_MODIFY_STATE, FALSE, 0);
    check("wait", NtWaitForSingleObject(set, FALSE, NULL) == 0 &&
                      NtWaitForSingleObject(unset, FALSE, &rel) == (NTSTATUS)0x102 &&
                      NtWaitForSingleObject(unset, FALSE, &past) == (NTSTATUS)0x102 &&
                      NtWaitForSingleObject((HANDLE)(ULONG_PTR)0x4320, FALSE, &rel) == (NTSTATUS)0xC0000008 &&
                      NtWaitForSingleObject(limited, FALSE, &rel) == (NTSTATUS)0xC0000022);
    QueueUserAPC(apc, GetCurrentThread(), 1);
    NTSTATUS plain = NtWaitForSingleObject(unset, FALSE, &rel);
    int before = apc_ran;
    NTSTATUS alert = NtWaitForSingleObject(unset, TRUE, &rel);
    check("wait_apc", plain == (NTSTATUS)0x102 && before == 0 && alert == (NTSTATUS)0xC0 && apc_ran == 1);
    CloseHandle(limited);
    CloseHandle(set);
    CloseHandle(unset);
}

static DWORD WINAPI quick(void *arg) { return (DWORD)(ULONG_PTR)arg; }

static void suspend(void)
{
    HANDLE t = CreateThread(NULL, 0, quick, (void *)7, CREATE_SUSPENDED, NULL), limited;
    DuplicateHandle(GetCurrentProcess(), t, GetCurrentProcess(), &limited, SYNCHRONIZE, FALSE, 0);
    ULONG a = 99, b = 99, c = 99;
    NTSTATUS s1 = NtSuspendThread(t, &a);
    NTSTATUS bad = NtSuspendThread(t, (PULONG)(ULONG_PTR)8);
    NTSTATUS r1 = NtResumeThread(t, &b);
    NTSTATUS r2 = NtResumeThread(t, NULL);
    NTSTATUS denied = NtSuspendThread(limited, &c);
    DWORD code = 0;
    WaitForSingleObject(t, INFINITE);
    GetExitCodeThread(t, &code);
    check("suspend", s1 == 0 && a == 1 && bad == (NTSTATUS)0xC0000005 && r1 == 0 && b == 2 && r2 == 0 &&
                         denied == (NTSTATUS)0xC0000022 && c == 99 && code == 7 &&
                         NtResumeThread((HANDLE)(ULONG_PTR)0x4320, NULL) == (NTSTATUS)0xC0000008);
    CloseHandle(limited);
    CloseHandle(t);
}

/* LdrLoadDll of a file holding len bytes of data (the rest of 0x400 zeros): its status. */
static NTSTATUS load_bad(const WCHAR *name, const char *data, size_t len, void **base)
{
    static char buf[0x400];
    memset(buf, 0, sizeof(buf));
    memcpy(buf, data, len);
    HANDLE f = CreateFileW(name, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD n = 0;
    WriteFile(f, buf, sizeof(buf), &n, NULL);
    CloseHandle(f);
    USTR u;
    RtlInitUnicodeString(&u, name);
    NTSTATUS st = LdrLoadDll(NULL, NULL, &u, base);
    DeleteFileW(name);
    return st;
}

static void bad_image(void)
{
    void *base = (void *)0x1234;
    NTSTATUS a = load_bad(L"ntldr_bad1.dll", "XX", 2, &base);
    NTSTATUS b = load_bad(L"ntldr_bad2.dll", "MZ", 2, &base);
    /* e_lfanew 0x40, where "NE" and ne_exetyp 1 (OS/2) stand */
    static const char ne[0x80] = {'M', 'Z', [0x3c] = 0x40, [0x40] = 'N', 'E', [0x76] = 1};
    NTSTATUS c = load_bad(L"ntldr_bad3.dll", ne, sizeof(ne), &base);
    check("bad_image", a == (NTSTATUS)0xC000012F && b == (NTSTATUS)0xC0000130 && c == (NTSTATUS)0xC000011B &&
                           base == (void *)0x1234);
    if (a != (NTSTATUS)0xC000012F || b != (NTSTATUS)0xC0000130 || c != (NTSTATUS)0xC000011B)
        printf("  statuses %lx %lx %lx\n", a, b, c);
}

static void find_export(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll"), k32 = GetModuleHandleA("kernel32.dll");
    check("find_export", nt && k32 &&
                             RtlFindExportedRoutineByName(nt, "NtClose") == (void *)GetProcAddress(nt, "NtClose") &&
                             RtlFindExportedRoutineByName(k32, "CreateFileA") ==
                                 (void *)GetProcAddress(k32, "CreateFileA") &&
                             !RtlFindExportedRoutineByName(nt, "NoSuchRoutineAnywhere") &&
                             !RtlFindExportedRoutineByName(nt, "NtClos") &&
                             !RtlFindExportedRoutineByName(NULL, "NtClose") &&
                             !RtlFindExportedRoutineByName(GetModuleHandleA(NULL), "main"));
}

typedef NTSTATUS(NTAPI *full_name_fn)(HMODULE, USTR *);

static void full_name(void)
{
    HMODULE nt = GetModuleHandleW(L"ntdll.dll");
    full_name_fn fn = (full_name_fn)(void *)GetProcAddress(nt, "LdrGetDllFullName");
    if (!fn) {
        check("full_name", 0);
        return;
    }
    WCHAR buf[MAX_PATH], want[MAX_PATH];
    USTR u = {0, 0, buf};
    memset(buf, 0x23, sizeof(buf));
    NTSTATUS none = fn(nt, &u);
    int ok = none == (NTSTATUS)0xC0000023 && u.Length == 0 && buf[0] == 0x2323;
    GetSystemDirectoryW(want, MAX_PATH);
    u.MaximumLength = 5;
    NTSTATUS part = fn(nt, &u);
    ok &= part == (NTSTATUS)0xC0000023 && u.Length == 5 && buf[0] == want[0] && buf[1] == want[1] &&
          buf[2] == (0x2300 | (want[2] & 0xff)) && buf[3] == 0x2323;
    lstrcatW(want, L"\\ntdll.dll");
    u.MaximumLength = sizeof(buf);
    NTSTATUS all = fn(nt, &u);
    ok &= all == 0 && !lstrcmpiW(buf, want) && u.Length == lstrlenW(want) * 2;
    GetModuleFileNameW(NULL, want, MAX_PATH);
    NTSTATUS exe = fn(NULL, &u);
    ok &= exe == 0 && !lstrcmpW(buf, want);
    NTSTATUS bad = fn((HMODULE)(ULONG_PTR)0x1000, &u);
    check("full_name", ok && bad == (NTSTATUS)0xC0000135);
}

int main(void)
{
    loader_data();
    relocations();
    strings();
    dll_handle();
    full_name();
    find_export();
    bad_image();
    waits();
    suspend();
    return failures;
}
