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
void *NTAPI RtlImageNtHeader(HMODULE base);
void NTAPI RtlInitUnicodeString(USTR *dst, const WCHAR *src);
BOOLEAN NTAPI RtlCreateUnicodeStringFromAsciiz(USTR *dst, const char *src);
void NTAPI RtlFreeUnicodeString(USTR *s);

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

int main(void)
{
    loader_data();
    relocations();
    strings();
    return failures;
}
