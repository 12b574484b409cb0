/* SPDX-License-Identifier: MIT */
/* ntstr.c - ntstr.exe: ntdll's counted-string calls from PE code (imports of ntdll.dll,
 * mingw-w64, default CRT).  Output, one line each ("ok NAME" or "FAIL NAME"); exit code =
 * number of failures.  Expected values are Windows' (Wine's dlls/ntdll/tests/rtlstr.c), with
 * winvm's ANSI code page, UTF-8:
 *   init_ansi     RtlInitAnsiString / RtlInitString("abc"): 3, 4, the buffer; NULL: 0, 0, NULL
 *   a2u_alloc     RtlAnsiStringToUnicodeString(TRUE) of "hello": 0, 10, 12, "hello" terminated
 *   a2u_buffer    into a 16-byte buffer: 0, Length 10, MaximumLength kept, terminated
 *   a2u_overflow  into a 6-byte buffer: STATUS_BUFFER_OVERFLOW, Length 10, buffer untouched
 *   a2u_too_long  a 0x8000-byte ANSI string: STATUS_INVALID_PARAMETER_2, destination untouched
 *   a2u_utf8      "h\xc3\xa9": Length 4, L"h\xe9" (as MultiByteToWideChar(CP_ACP) converts it)
 *   u2a_alloc     RtlUnicodeStringToAnsiString(TRUE) of L"hello": 0, 5, 6, "hello"
 *   u2a_overflow  into a 3-byte buffer: STATUS_BUFFER_OVERFLOW, Length 2, "he" terminated
 *   free_ansi     RtlFreeAnsiString: Buffer NULL, lengths 0
 *   compare       RtlCompareUnicodeString: abc/abd < 0, ABC/abc 0 case-insensitive and
 *                 'A' - 'a' sensitive, ab/abc -2 (the lengths' difference in bytes)
 *   equal         RtlEqualUnicodeString: ABC/abc TRUE insensitive, FALSE sensitive, ab/abc FALSE
 *   copy          RtlCopyUnicodeString: cut at a 6-byte MaximumLength (no terminator),
 *                 whole and terminated into 20 bytes, NULL source: Length 0
 *   append        RtlAppendUnicodeToString "abc" + "de": 0, Length 10, terminated;
 *                 + "xyz" past MaximumLength 14: STATUS_BUFFER_TOO_SMALL, unchanged
 *   append_string RtlAppendUnicodeStringToString the same
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

typedef LONG NTSTATUS;
typedef struct {
    USHORT Length, MaximumLength;
    PWSTR Buffer;
} USTR;
typedef struct {
    USHORT Length, MaximumLength;
    char *Buffer;
} ASTR;

void NTAPI RtlInitAnsiString(ASTR *dst, const char *src);
void NTAPI RtlInitString(ASTR *dst, const char *src);
void NTAPI RtlInitUnicodeString(USTR *dst, const WCHAR *src);
NTSTATUS NTAPI RtlAnsiStringToUnicodeString(USTR *dst, const ASTR *src, BOOLEAN alloc);
NTSTATUS NTAPI RtlUnicodeStringToAnsiString(ASTR *dst, const USTR *src, BOOLEAN alloc);
void NTAPI RtlFreeUnicodeString(USTR *s);
void NTAPI RtlFreeAnsiString(ASTR *s);
LONG NTAPI RtlCompareUnicodeString(const USTR *a, const USTR *b, BOOLEAN ci);
BOOLEAN NTAPI RtlEqualUnicodeString(const USTR *a, const USTR *b, BOOLEAN ci);
void NTAPI RtlCopyUnicodeString(USTR *dst, const USTR *src);
NTSTATUS NTAPI RtlAppendUnicodeToString(USTR *dst, const WCHAR *src);
NTSTATUS NTAPI RtlAppendUnicodeStringToString(USTR *dst, const USTR *src);

#define OVERFLOW ((NTSTATUS)0x80000005)
#define TOO_SMALL ((NTSTATUS)0xC0000023)
#define PARAM_2 ((NTSTATUS)0xC00000F0)

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static void ansi_to_unicode(void)
{
    static const char abc[] = "abc";
    ASTR a = {9, 9, NULL}, b = {9, 9, NULL};
    RtlInitAnsiString(&a, abc);
    RtlInitString(&b, abc);
    int ok = a.Length == 3 && a.MaximumLength == 4 && a.Buffer == abc && b.Length == 3 && b.MaximumLength == 4 &&
             b.Buffer == abc;
    RtlInitAnsiString(&a, NULL);
    check("init_ansi", ok && a.Length == 0 && a.MaximumLength == 0 && !a.Buffer);

    USTR u = {0, 0, NULL};
    RtlInitAnsiString(&a, "hello");
    NTSTATUS st = RtlAnsiStringToUnicodeString(&u, &a, TRUE);
    check("a2u_alloc", st == 0 && u.Length == 10 && u.MaximumLength == 12 && u.Buffer && !memcmp(u.Buffer, L"hello", 12));
    RtlFreeUnicodeString(&u);
    WCHAR buf[8];
    memset(buf, 0x55, sizeof(buf));
    u = (USTR){0, 16, buf};
    st = RtlAnsiStringToUnicodeString(&u, &a, FALSE);
    check("a2u_buffer", st == 0 && u.Length == 10 && u.MaximumLength == 16 && u.Buffer == buf &&
                            !memcmp(buf, L"hello", 12));
    memset(buf, 0x55, sizeof(buf));
    u = (USTR){0, 6, buf};
    st = RtlAnsiStringToUnicodeString(&u, &a, FALSE);
    check("a2u_overflow", st == OVERFLOW && u.Length == 10 && u.MaximumLength == 6 && buf[0] == 0x5555);
    static char big[0x8000];
    memset(big, 'x', sizeof(big));
    ASTR l = {0x8000, 0x8000, big};
    u = (USTR){0, 16, buf};
    st = RtlAnsiStringToUnicodeString(&u, &l, FALSE);
    check("a2u_too_long", st == PARAM_2 && u.Length == 0 && u.MaximumLength == 16 && buf[0] == 0x5555);
    RtlInitAnsiString(&a, "h\xc3\xa9");
    u = (USTR){0, 16, buf};
    st = RtlAnsiStringToUnicodeString(&u, &a, FALSE);
    check("a2u_utf8", st == 0 && u.Length == 4 && buf[0] == L'h' && buf[1] == 0xe9 && buf[2] == 0);
}

static void unicode_to_ansi(void)
{
    USTR u;
    RtlInitUnicodeString(&u, L"hello");
    ASTR a = {0, 0, NULL};
    NTSTATUS st = RtlUnicodeStringToAnsiString(&a, &u, TRUE);
    check("u2a_alloc", st == 0 && a.Length == 5 && a.MaximumLength == 6 && a.Buffer && !memcmp(a.Buffer, "hello", 6));
    RtlFreeAnsiString(&a);
    check("free_ansi", !a.Buffer && a.Length == 0 && a.MaximumLength == 0);
    char buf[8];
    memset(buf, 'z', sizeof(buf));
    a = (ASTR){0, 3, buf};
    st = RtlUnicodeStringToAnsiString(&a, &u, FALSE);
    check("u2a_overflow", st == OVERFLOW && a.Length == 2 && !memcmp(buf, "he\0z", 4));
}

static void compare(void)
{
    USTR abc, abd, ABC, ab;
    RtlInitUnicodeString(&abc, L"abc");
    RtlInitUnicodeString(&abd, L"abd");
    RtlInitUnicodeString(&ABC, L"ABC");
    RtlInitUnicodeString(&ab, L"ab");
    check("compare", RtlCompareUnicodeString(&abc, &abd, FALSE) < 0 && RtlCompareUnicodeString(&ABC, &abc, TRUE) == 0 &&
                         RtlCompareUnicodeString(&ABC, &abc, FALSE) == 'A' - 'a' &&
                         RtlCompareUnicodeString(&ab, &abc, FALSE) == -2);
    check("equal", RtlEqualUnicodeString(&ABC, &abc, TRUE) && !RtlEqualUnicodeString(&ABC, &abc, FALSE) &&
                       !RtlEqualUnicodeString(&ab, &abc, TRUE) && RtlEqualUnicodeString(&abc, &abc, FALSE));
}

static void copy_append(void)
{
    USTR src, dst;
    WCHAR buf[10];
    RtlInitUnicodeString(&src, L"hello");
    wmemset(buf, L'#', 10);
    dst = (USTR){0, 6, buf};
    RtlCopyUnicodeString(&dst, &src);
    int ok = dst.Length == 6 && !memcmp(buf, L"hel#", 8);
    wmemset(buf, L'#', 10);
    dst = (USTR){0, 20, buf};
    RtlCopyUnicodeString(&dst, &src);
    ok = ok && dst.Length == 10 && !memcmp(buf, L"hello", 12);
    RtlCopyUnicodeString(&dst, NULL);
    check("copy", ok && dst.Length == 0);

    wmemset(buf, L'#', 10);
    memcpy(buf, L"abc", 6);
    dst = (USTR){6, 14, buf};
    NTSTATUS st = RtlAppendUnicodeToString(&dst, L"de");
    ok = st == 0 && dst.Length == 10 && !memcmp(buf, L"abcde", 12);
    st = RtlAppendUnicodeToString(&dst, L"xyz");
    check("append", ok && st == TOO_SMALL && dst.Length == 10 && !memcmp(buf, L"abcde", 12));

    wmemset(buf, L'#', 10);
    memcpy(buf, L"abc", 6);
    dst = (USTR){6, 14, buf};
    RtlInitUnicodeString(&src, L"de");
    st = RtlAppendUnicodeStringToString(&dst, &src);
    ok = st == 0 && dst.Length == 10 && !memcmp(buf, L"abcde", 12);
    RtlInitUnicodeString(&src, L"xyz");
    st = RtlAppendUnicodeStringToString(&dst, &src);
    check("append_string", ok && st == TOO_SMALL && dst.Length == 10 && !memcmp(buf, L"abcde", 12));
}

int main(void)
{
    ansi_to_unicode();
    unicode_to_ansi();
    compare();
    copy_append();
    return failures;
}
