/* SPDX-License-Identifier: MIT */
/* test_ntreg.c - ntdll's registry calls: from C (names, statuses, bad pointers changing
 * nothing, the information classes' buffer rules) and from PE code (tests/images/ntreg.c, which
 * also reads through advapi32 what ntdll wrote and the reverse).  Each test sets XDG_DATA_HOME
 * to a fresh directory, so the registry is the seeded one and nothing of the user's is touched.
 * Expected values: Wine's ntdll/tests/reg.c and om.c as run on Windows. */
#define _GNU_SOURCE
#include "testutil.h"
#include "winvm.h"
#include <winvm/ntdll.h>

#include <criterion/criterion.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uchar.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE WINVM_PE_IMAGES "/ntreg.exe"

static char home[64];

static void fresh_home(void)
{
    strcpy(home, "/tmp/winvm-ntreg-XXXXXX");
    cr_assert_not_null(mkdtemp(home));
    setenv("XDG_DATA_HOME", home, 1);
    setenv("WINVM_CACHE_DIR", TU_RUN_CACHE, 1);
    mkdir(TU_RUN_CACHE, 0700);
}

static void cleanup(void) { tu_remove_tree(home); }

TestSuite(ntreg, .init = fresh_home, .fini = cleanup, .timeout = 60);

static WCHAR wbuf[4][512];
static UNICODE_STRING ustr[4];
static OBJECT_ATTRIBUTES oas[4];

/* Attributes naming s (ASCII; "%s" the user's key path), relative to root. */
static POBJECT_ATTRIBUTES oa_at(HANDLE root, const char *s)
{
    static int k;
    k = (k + 1) % 4;
    UNICODE_STRING cu;
    char user[128] = "", a[512];
    cr_assert_eq(RtlFormatCurrentUserKeyPath(&cu), STATUS_SUCCESS);
    for (int i = 0; i < cu.Length / 2; i++)
        user[i] = (char)cu.Buffer[i];
    HeapFree(GetProcessHeap(), 0, cu.Buffer); /* on the process heap, as Windows' */
    int n = snprintf(a, sizeof(a), s, user);
    for (int i = 0; i <= n; i++)
        wbuf[k][i] = (WCHAR)a[i];
    ustr[k] = (UNICODE_STRING){(USHORT)(n * 2), (USHORT)(n * 2 + 2), wbuf[k]};
    InitializeObjectAttributes(&oas[k], &ustr[k], 0, root, NULL);
    return &oas[k];
}

static UNICODE_STRING name(const char16_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return (UNICODE_STRING){(USHORT)(n * 2), (USHORT)(n * 2 + 2), (WCHAR *)s};
}

/* A key of the user's, made fresh. */
static HANDLE make(void)
{
    HANDLE h = NULL;
    ULONG disp = 0;
    cr_assert_eq(NtCreateKey(&h, KEY_ALL_ACCESS, oa_at(NULL, "%s\\Software\\ntregtest"), 0, NULL, 0, &disp),
                 STATUS_SUCCESS);
    cr_assert_eq(disp, REG_CREATED_NEW_KEY);
    return h;
}

Test(ntreg, names_and_statuses)
{
    HANDLE h = (HANDLE)1;
    cr_expect_eq(NtOpenKey(&h, KEY_READ, oa_at(NULL, "")), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_expect_null(h, "the handle is zeroed on failure");
    cr_expect_eq(NtOpenKey(&h, KEY_READ, oa_at(NULL, "Machine")), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_expect_eq(NtOpenKey(&h, KEY_READ, oa_at(NULL, "\\")), STATUS_OBJECT_TYPE_MISMATCH);
    cr_expect_eq(NtOpenKey(&h, KEY_READ, oa_at(NULL, "\\\\\\")), STATUS_OBJECT_NAME_INVALID);
    cr_expect_eq(NtOpenKey(&h, KEY_READ, oa_at(NULL, "\\Foobar")), STATUS_OBJECT_NAME_NOT_FOUND);
    cr_expect_eq(NtOpenKey(&h, KEY_READ, oa_at(NULL, "\\Foobar\\Machine")), STATUS_OBJECT_PATH_NOT_FOUND);
    cr_expect_eq(NtOpenKey(&h, 0, oa_at(NULL, "\\Registry\\Machine")), STATUS_ACCESS_DENIED);
    cr_assert_eq(NtOpenKey(&h, KEY_READ, oa_at(NULL, "\\Registry\\\\")), STATUS_SUCCESS);
    CloseHandle(h);
    cr_assert_eq(NtOpenKey(&h, KEY_READ, oa_at(NULL, "\\REGISTRY\\machine\\SOFTWARE\\Microsoft\\Windows NT\\"
                                                    "CurrentVersion")), STATUS_SUCCESS);
    HANDLE sub;
    cr_expect_eq(NtOpenKey(&sub, KEY_READ, oa_at(h, "\\x")), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_expect_eq(NtOpenKey(&sub, KEY_READ, oa_at(h, "nothere")), STATUS_OBJECT_NAME_NOT_FOUND);
    cr_expect_eq(NtOpenKey(&sub, KEY_READ, oa_at((HANDLE)0xdeadbeef, "")), STATUS_INVALID_HANDLE);
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    cr_expect_eq(NtOpenKey(&sub, KEY_READ, oa_at(ev, "x")), STATUS_OBJECT_TYPE_MISMATCH);
    CloseHandle(ev);
    OBJECT_ATTRIBUTES bad = *oa_at(NULL, "\\Registry");
    bad.Length *= 2;
    cr_expect_eq(NtOpenKey(&sub, KEY_READ, &bad), STATUS_INVALID_PARAMETER);
    CloseHandle(h);
}

Test(ntreg, create_only_the_last_component)
{
    HANDLE h;
    cr_expect_eq(NtCreateKey(&h, KEY_ALL_ACCESS, oa_at(NULL, "%s\\Software\\a\\b"), 0, NULL, 0, NULL),
                 STATUS_OBJECT_NAME_NOT_FOUND);
    HANDLE k = make(), k2;
    ULONG disp = 0;
    cr_expect_eq(NtCreateKey(&k2, KEY_READ, oa_at(NULL, "%s\\software\\NTREGTEST\\"), 0, NULL, 0, &disp),
                 STATUS_SUCCESS);
    cr_expect_eq(disp, REG_OPENED_EXISTING_KEY);
    CloseHandle(k2);
    /* a bad out pointer: nothing is made */
    cr_expect_eq(NtCreateKey((HANDLE *)0xdeadbee0, KEY_ALL_ACCESS, oa_at(k, "c"), 0, NULL, 0, NULL),
                 STATUS_ACCESS_VIOLATION);
    cr_expect_eq(NtOpenKey(&h, KEY_READ, oa_at(k, "c")), STATUS_OBJECT_NAME_NOT_FOUND);
    cr_expect_eq(NtCreateKey(&h, KEY_ALL_ACCESS, NULL, 0, NULL, 0, NULL), STATUS_ACCESS_VIOLATION);
    cr_expect_eq(NtDeleteKey(k), STATUS_SUCCESS);
    cr_expect(CloseHandle(k));
}

Test(ntreg, values_and_buffers)
{
    HANDLE k = make();
    UNICODE_STRING v = name(u"value");
    DWORD dw = 711;
    cr_assert_eq(NtSetValueKey(k, &v, 0, REG_DWORD, &dw, 4), STATUS_SUCCESS);
    union {
        KEY_VALUE_PARTIAL_INFORMATION p;
        KEY_VALUE_BASIC_INFORMATION b;
        BYTE raw[128];
    } u;
    ULONG len = 0, fixed = offsetof(KEY_VALUE_PARTIAL_INFORMATION, Data);
    cr_expect_eq(NtQueryValueKey(k, &v, KeyValuePartialInformation, NULL, 0, &len), STATUS_BUFFER_TOO_SMALL);
    cr_expect_eq(len, fixed + 4);
    cr_expect_eq(NtQueryValueKey(k, &v, KeyValuePartialInformation, &u, fixed, &len), STATUS_BUFFER_OVERFLOW);
    cr_expect_eq(u.p.DataLength, 4);
    cr_expect_eq(u.p.Type, REG_DWORD);
    cr_assert_eq(NtQueryValueKey(k, &v, KeyValuePartialInformation, &u, sizeof(u), &len), STATUS_SUCCESS);
    cr_expect_eq(*(DWORD *)u.p.Data, 711);
    cr_assert_eq(NtQueryValueKey(k, &v, KeyValueBasicInformation, &u, sizeof(u), &len), STATUS_SUCCESS);
    cr_expect_eq(u.b.NameLength, 10);
    cr_expect_eq(len, offsetof(KEY_VALUE_BASIC_INFORMATION, Name) + 10);
    cr_expect_eq(NtQueryValueKey(k, &v, 9, &u, sizeof(u), &len), STATUS_INVALID_PARAMETER);
    /* bad pointers: STATUS_ACCESS_VIOLATION, the value as it was */
    dw = 5;
    cr_expect_eq(NtSetValueKey(k, (PUNICODE_STRING)8, 0, REG_DWORD, &dw, 4), STATUS_ACCESS_VIOLATION);
    cr_expect_eq(NtSetValueKey(k, &v, 0, REG_DWORD, (void *)8, 4), STATUS_ACCESS_VIOLATION);
    cr_expect_eq(NtQueryValueKey(k, &v, KeyValuePartialInformation, (void *)8, 64, &len), STATUS_ACCESS_VIOLATION);
    cr_expect_eq(NtQueryValueKey(k, &v, KeyValuePartialInformation, &u, sizeof(u), (PULONG)8),
                 STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtQueryValueKey(k, &v, KeyValuePartialInformation, &u, sizeof(u), &len), STATUS_SUCCESS);
    cr_expect_eq(*(DWORD *)u.p.Data, 711);
    UNICODE_STRING missing = name(u"missing");
    cr_expect_eq(NtQueryValueKey(k, &missing, KeyValuePartialInformation, &u, sizeof(u), &len),
                 STATUS_OBJECT_NAME_NOT_FOUND);
    cr_expect_eq(NtDeleteValueKey(k, &v), STATUS_SUCCESS);
    cr_expect_eq(NtDeleteValueKey(k, &v), STATUS_OBJECT_NAME_NOT_FOUND);
    NtDeleteKey(k);
    CloseHandle(k);
}

Test(ntreg, query_key_classes_and_rights)
{
    HANDLE k = make(), sub, ro;
    cr_assert_eq(NtCreateKey(&sub, KEY_ALL_ACCESS, oa_at(k, "child"), 0, NULL, 0, NULL), STATUS_SUCCESS);
    union {
        KEY_NAME_INFORMATION n;
        KEY_FULL_INFORMATION f;
        KEY_BASIC_INFORMATION b;
        BYTE raw[1024];
    } u;
    ULONG len = 0, whole = 0;
    cr_expect_eq(NtQueryKey(sub, KeyNameInformation, NULL, 0, &whole), STATUS_BUFFER_TOO_SMALL);
    cr_expect_eq(NtQueryKey(sub, KeyNameInformation, &u, offsetof(KEY_NAME_INFORMATION, Name), &len),
                 STATUS_BUFFER_OVERFLOW);
    cr_expect_eq(len, whole);
    cr_assert_eq(NtQueryKey(sub, KeyNameInformation, &u, sizeof(u), &len), STATUS_SUCCESS);
    char got[512] = "";
    const WCHAR *kname = u.n.Name; /* Name[1]: the name runs past it */
    for (ULONG i = 0; i < u.n.NameLength / 2 && i < 511; i++)
        got[i] = (char)kname[i];
    cr_expect(strncmp(got, "\\REGISTRY\\USER\\S-1-5-21-", 24) == 0, "%s", got);
    cr_expect(strstr(got, "\\Software\\ntregtest\\child") != NULL, "%s", got);
    cr_assert_eq(NtQueryKey(k, KeyFullInformation, &u, sizeof(u), &len), STATUS_SUCCESS);
    cr_expect_eq(u.f.SubKeys, 1);
    cr_expect_eq(u.f.MaxNameLen, 10);
    cr_expect_eq(u.f.Values, 0);
    cr_assert_eq(NtEnumerateKey(k, 0, KeyBasicInformation, &u, sizeof(u), &len), STATUS_SUCCESS);
    cr_expect_eq(u.b.NameLength, 10);
    cr_expect_eq(NtEnumerateKey(k, 1, KeyBasicInformation, &u, sizeof(u), &len), STATUS_NO_MORE_ENTRIES);
    /* rights: a read-only handle cannot write or delete */
    cr_assert_eq(NtOpenKey(&ro, KEY_READ, oa_at(k, "child")), STATUS_SUCCESS);
    UNICODE_STRING v = name(u"v");
    DWORD dw = 1;
    cr_expect_eq(NtSetValueKey(ro, &v, 0, REG_DWORD, &dw, 4), STATUS_ACCESS_DENIED);
    cr_expect_eq(NtDeleteKey(ro), STATUS_ACCESS_DENIED);
    /* a key handle is a handle of the table: its type and access */
    OBJECT_BASIC_INFORMATION obi;
    cr_assert_eq(NtQueryObject(ro, ObjectBasicInformation, &obi, sizeof(obi), &len), STATUS_SUCCESS);
    cr_expect_eq(obi.GrantedAccess, KEY_READ);
    union {
        OBJECT_TYPE_INFORMATION t;
        BYTE raw[512];
    } ti;
    cr_assert_eq(NtQueryObject(ro, ObjectTypeInformation, &ti, sizeof(ti), &len), STATUS_SUCCESS);
    cr_expect_eq(ti.t.TypeName.Length, 6);
    cr_expect(ti.t.TypeName.Buffer[0] == 'K' && ti.t.TypeName.Buffer[2] == 'y');
    cr_expect_eq(ti.t.GenericMapping.GenericRead, KEY_READ);
    cr_expect_eq(ti.t.GenericMapping.GenericExecute, 0x20039);
    cr_expect_eq(ti.t.GenericMapping.GenericAll, KEY_ALL_ACCESS);
    cr_expect_eq(ti.t.ValidAccessMask, 0x1F003F);
    cr_expect_eq(NtDeleteKey(k), STATUS_CANNOT_DELETE);
    cr_expect_eq(NtDeleteKey(sub), STATUS_SUCCESS);
    cr_expect_eq(NtQueryKey(ro, KeyBasicInformation, &u, sizeof(u), &len), STATUS_KEY_DELETED);
    cr_expect_eq(NtFlushKey(ro), STATUS_SUCCESS);
    CloseHandle(ro);
    CloseHandle(sub);
    cr_expect_eq(NtQueryKey(sub, KeyBasicInformation, &u, sizeof(u), &len), STATUS_INVALID_HANDLE);
    NtDeleteKey(k);
    CloseHandle(k);
}

Test(ntreg, names_fold_case_beyond_ascii)
{
    HANDLE k = make(), sub, h;
    /* U+00F6 U+0101 U+03B1 U+0439, then the same letters in upper case */
    static const WCHAR lower[] = {0xF6, 0x101, 0x3B1, 0x439}, upper[] = {0xD6, 0x100, 0x391, 0x419};
    static const WCHAR pair[] = {0xD801, 0xDC00}, pair_up[] = {0xD801, 0xDC28}; /* not folded */
    UNICODE_STRING u = {8, 8, (WCHAR *)lower};
    OBJECT_ATTRIBUTES a;
    InitializeObjectAttributes(&a, &u, 0, k, NULL);
    cr_assert_eq(NtCreateKey(&sub, KEY_ALL_ACCESS, &a, 0, NULL, 0, NULL), STATUS_SUCCESS);
    u.Buffer = (WCHAR *)upper;
    cr_expect_eq(NtOpenKey(&h, KEY_READ, &a), STATUS_SUCCESS);
    CloseHandle(h);
    NtDeleteKey(sub);
    CloseHandle(sub);
    u = (UNICODE_STRING){4, 4, (WCHAR *)pair};
    cr_assert_eq(NtCreateKey(&sub, KEY_ALL_ACCESS, &a, 0, NULL, 0, NULL), STATUS_SUCCESS);
    u.Buffer = (WCHAR *)pair_up;
    cr_expect_eq(NtOpenKey(&h, KEY_READ, &a), STATUS_OBJECT_NAME_NOT_FOUND);
    NtDeleteKey(sub);
    CloseHandle(sub);
    /* a NUL inside a name is a character like any other */
    static const WCHAR nul[] = {'a', 0, 'b'};
    u = (UNICODE_STRING){6, 6, (WCHAR *)nul};
    cr_assert_eq(NtCreateKey(&sub, KEY_ALL_ACCESS, &a, 0, NULL, 0, NULL), STATUS_SUCCESS);
    u.Length = 2;
    cr_expect_eq(NtOpenKey(&h, KEY_READ, &a), STATUS_OBJECT_NAME_NOT_FOUND, "\"a\" is another key");
    union {
        KEY_BASIC_INFORMATION b;
        BYTE raw[256];
    } info;
    ULONG len;
    cr_assert_eq(NtQueryKey(sub, KeyBasicInformation, &info, sizeof(info), &len), STATUS_SUCCESS);
    cr_expect_eq(info.b.NameLength, 6);
    const WCHAR *nm = info.b.Name; /* Name[1]: the name runs past it */
    cr_expect(nm[1] == 0 && nm[2] == 'b');
    NtDeleteKey(sub);
    CloseHandle(sub);
    NtDeleteKey(k);
    CloseHandle(k);
}

Test(ntreg, deleted_keys)
{
    HANDLE k = make(), h;
    char buf[256];
    ULONG len;
    cr_assert_eq(NtDeleteKey(k), STATUS_SUCCESS);
    cr_expect_eq(NtDeleteKey(k), STATUS_SUCCESS, "deleting it again");
    cr_expect_eq(NtOpenKey(&h, KEY_READ, oa_at(k, "below")), STATUS_KEY_DELETED);
    cr_expect_eq(NtCreateKey(&h, KEY_ALL_ACCESS, oa_at(k, "below"), 0, NULL, 0, NULL), STATUS_KEY_DELETED);
    UNICODE_STRING v = name(u"v");
    cr_expect_eq(NtSetValueKey(k, &v, 0, REG_SZ, "x", 2), STATUS_KEY_DELETED);
    cr_expect_eq(NtEnumerateValueKey(k, 0, KeyValueBasicInformation, buf, sizeof(buf), &len), STATUS_KEY_DELETED);
    cr_expect_eq(NtQueryObject(k, ObjectNameInformation, buf, sizeof(buf), &len), STATUS_KEY_DELETED);
    cr_expect_eq(NtQueryObject(k, ObjectBasicInformation, buf, sizeof(OBJECT_BASIC_INFORMATION), &len),
                 STATUS_SUCCESS);
    CloseHandle(k);
}

Test(ntreg, rtl_helpers)
{
    static WCHAR empty[] = {0};
    WCHAR path[256];
    UNICODE_STRING cu;
    cr_assert_eq(RtlFormatCurrentUserKeyPath(&cu), STATUS_SUCCESS);
    const char *tail = "\\Software\\rtltest";
    size_t n = cu.Length / 2;
    memcpy(path, cu.Buffer, cu.Length);
    HeapFree(GetProcessHeap(), 0, cu.Buffer);
    for (size_t i = 0; tail[i]; i++)
        path[n++] = (WCHAR)tail[i];
    path[n] = 0;
    cr_expect_eq(RtlCheckRegistryKey(RTL_REGISTRY_ABSOLUTE, path), STATUS_OBJECT_NAME_NOT_FOUND);
    cr_expect_eq(RtlCreateRegistryKey(RTL_REGISTRY_ABSOLUTE, path), STATUS_SUCCESS);
    cr_expect_eq(RtlCheckRegistryKey(RTL_REGISTRY_ABSOLUTE | RTL_REGISTRY_OPTIONAL, path), STATUS_SUCCESS);
    cr_expect_eq(RtlCheckRegistryKey(RTL_REGISTRY_ABSOLUTE, NULL), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_expect_eq(RtlCheckRegistryKey(RTL_REGISTRY_ABSOLUTE, empty), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_expect_eq(RtlCheckRegistryKey(RTL_REGISTRY_USER, NULL), STATUS_SUCCESS);
    cr_expect_eq(RtlCreateRegistryKey(RTL_REGISTRY_USER + 1, path), STATUS_INVALID_PARAMETER);
    static const WCHAR rel[] = {'S', 'o', 'f', 't', 'w', 'a', 'r', 'e', '\\', 'r', 't', 'l', 't', 'e', 's', 't', 0};
    static const WCHAR vname[] = {'n', 0};
    DWORD dw = 42;
    cr_expect_eq(RtlWriteRegistryValue(RTL_REGISTRY_USER, rel, vname, REG_DWORD, &dw, 4), STATUS_SUCCESS);
    cr_expect_eq(RtlWriteRegistryValue(RTL_REGISTRY_USER, rel, vname, REG_DWORD, (void *)8, 4),
                 STATUS_ACCESS_VIOLATION);
    HANDLE k;
    union {
        KEY_VALUE_PARTIAL_INFORMATION p;
        BYTE raw[64];
    } u;
    ULONG len;
    UNICODE_STRING v = name(u"n");
    cr_assert_eq(NtOpenKey(&k, KEY_READ, oa_at(NULL, "%s\\Software\\rtltest")), STATUS_SUCCESS);
    cr_assert_eq(NtQueryValueKey(k, &v, KeyValuePartialInformation, &u, sizeof(u), &len), STATUS_SUCCESS);
    cr_expect_eq(*(DWORD *)u.p.Data, 42, "the bad write changed nothing");
    CloseHandle(k);
}

Test(ntreg, from_pe_code_with_advapi32, .timeout = 120)
{
    if (access(EXE, R_OK) != 0)
        cr_skip_test("test programs not built (mingw-w64 missing)");
    static char out[16384];
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s run %s 2>&1", WINVM_CLI, EXE);
    int st = tu_capture(cmd, out, sizeof(out));
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    int oks = 0;
    for (const char *s = out; (s = strstr(s, "ok ")); s += 3)
        oks++;
    cr_assert_eq(oks, 53, "%s", out);
}
