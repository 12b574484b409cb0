/* SPDX-License-Identifier: MIT */
/* ntreg.c - ntreg.exe: ntdll's registry calls from PE code, and advapi32's over the same keys.
 * Prints "ok NAME" / "FAIL NAME" and exits with the failures.  tests/test_ntreg.c runs it with
 * XDG_DATA_HOME set to a fresh directory.  The calls are found with GetProcAddress, so the
 * program's own prototypes are the ones Windows documents. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

typedef LONG NTSTATUS;
typedef struct { USHORT Length, MaximumLength; PWSTR Buffer; } USTR;
typedef struct {
    ULONG Length;
    HANDLE RootDirectory;
    USTR *ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor, SecurityQualityOfService;
} OA;
typedef struct { ULONG TitleIndex, Type, DataLength; UCHAR Data[1]; } VPARTIAL;
typedef struct { ULONG TitleIndex, Type, DataOffset, DataLength, NameLength; WCHAR Name[1]; } VFULL;
typedef struct { LARGE_INTEGER LastWriteTime; ULONG TitleIndex, NameLength; WCHAR Name[1]; } KBASIC;
typedef struct {
    LARGE_INTEGER LastWriteTime;
    ULONG TitleIndex, ClassOffset, ClassLength, SubKeys, MaxNameLen, MaxClassLen, Values, MaxValueNameLen,
        MaxValueDataLen;
} KFULL;

#define SUCCESS 0
#define BUFFER_OVERFLOW ((NTSTATUS)0x80000005)
#define NO_MORE_ENTRIES ((NTSTATUS)0x8000001A)
#define ACCESS_VIOLATION ((NTSTATUS)0xC0000005)
#define INVALID_HANDLE ((NTSTATUS)0xC0000008)
#define BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023)
#define TYPE_MISMATCH ((NTSTATUS)0xC0000024)
#define NAME_NOT_FOUND ((NTSTATUS)0xC0000034)
#define PATH_SYNTAX_BAD ((NTSTATUS)0xC000003B)
#define CANNOT_DELETE ((NTSTATUS)0xC0000121)
#define KEY_DELETED ((NTSTATUS)0xC000017C)

static NTSTATUS(WINAPI *pNtCreateKey)(HANDLE *, ACCESS_MASK, OA *, ULONG, USTR *, ULONG, ULONG *);
static NTSTATUS(WINAPI *pNtOpenKey)(HANDLE *, ACCESS_MASK, OA *);
static NTSTATUS(WINAPI *pNtDeleteKey)(HANDLE);
static NTSTATUS(WINAPI *pNtClose)(HANDLE);
static NTSTATUS(WINAPI *pNtSetValueKey)(HANDLE, USTR *, ULONG, ULONG, const void *, ULONG);
static NTSTATUS(WINAPI *pNtQueryValueKey)(HANDLE, USTR *, int, void *, ULONG, ULONG *);
static NTSTATUS(WINAPI *pNtDeleteValueKey)(HANDLE, USTR *);
static NTSTATUS(WINAPI *pNtEnumerateKey)(HANDLE, ULONG, int, void *, ULONG, ULONG *);
static NTSTATUS(WINAPI *pNtEnumerateValueKey)(HANDLE, ULONG, int, void *, ULONG, ULONG *);
static NTSTATUS(WINAPI *pNtQueryKey)(HANDLE, int, void *, ULONG, ULONG *);
static NTSTATUS(WINAPI *pNtFlushKey)(HANDLE);
static NTSTATUS(WINAPI *pNtQueryObject)(HANDLE, int, void *, ULONG, ULONG *);
static NTSTATUS(WINAPI *pNtDuplicateObject)(HANDLE, HANDLE, HANDLE, HANDLE *, ACCESS_MASK, ULONG, ULONG);
static NTSTATUS(WINAPI *pRtlFormatCurrentUserKeyPath)(USTR *);
static NTSTATUS(WINAPI *pRtlOpenCurrentUser)(ACCESS_MASK, HANDLE *);

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static USTR us(const WCHAR *s)
{
    USTR u = {(USHORT)(wcslen(s) * 2), (USHORT)(wcslen(s) * 2 + 2), (PWSTR)s};
    return u;
}

static OA oa(HANDLE root, USTR *name)
{
    OA a = {sizeof(a), root, name, 0x40 /* OBJ_CASE_INSENSITIVE */, NULL, NULL};
    return a;
}

static int load(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
#define GET(f) (p##f = (void *)GetProcAddress(nt, #f)) != NULL
    return GET(NtCreateKey) && GET(NtOpenKey) && GET(NtDeleteKey) && GET(NtClose) && GET(NtSetValueKey) &&
           GET(NtQueryValueKey) && GET(NtDeleteValueKey) && GET(NtEnumerateKey) && GET(NtEnumerateValueKey) &&
           GET(NtQueryKey) && GET(NtFlushKey) && GET(NtQueryObject) && GET(NtDuplicateObject) &&
           GET(RtlFormatCurrentUserKeyPath) && GET(RtlOpenCurrentUser);
#undef GET
}

/* Paths as Windows resolves them. */
static void paths(void)
{
    HANDLE h = (HANDLE)1;
    USTR n = us(L"Machine");
    OA a = oa(NULL, &n);
    check("relative_without_root", pNtOpenKey(&h, KEY_READ, &a) == PATH_SYNTAX_BAD && h == NULL);
    n = us(L"\\Foobar");
    check("outside_registry", pNtOpenKey(&h, KEY_READ, &a) == NAME_NOT_FOUND);
    n = us(L"\\");
    check("root_directory", pNtOpenKey(&h, KEY_READ, &a) == TYPE_MISMATCH);
    n = us(L"\\REGISTRY\\MACHINE\\software\\MICROSOFT\\Windows NT\\CurrentVersion");
    a.Attributes = 0; /* key names compare without case anyway */
    check("machine_key", pNtOpenKey(&h, KEY_READ, &a) == SUCCESS && h);
    pNtClose(h);
    check("null_attributes", pNtOpenKey(&h, KEY_READ, NULL) == ACCESS_VIOLATION);
    a.RootDirectory = (HANDLE)0xdeadbeef;
    n = us(L"");
    check("bad_root", pNtOpenKey(&h, KEY_READ, &a) == INVALID_HANDLE);
}

static HANDLE g_key;

static void create(void)
{
    USTR cu, n;
    ULONG disp = 0;
    HANDLE user = NULL, h = NULL;
    check("format_user_path", pRtlFormatCurrentUserKeyPath(&cu) == SUCCESS && cu.Length > 30 &&
                                  !wcsncmp(cu.Buffer, L"\\REGISTRY\\USER\\S-1-5-21-", 24));
    OA a = oa(NULL, &cu);
    check("open_user", pNtOpenKey(&user, KEY_ALL_ACCESS, &a) == SUCCESS);
    n = us(L"Software\\winvmnt");
    a = oa(user, &n);
    check("bad_out_pointer", pNtCreateKey((HANDLE *)0xdeadbee0, KEY_ALL_ACCESS, &a, 0, NULL, 0, NULL) == ACCESS_VIOLATION);
    check("bad_out_made_nothing", pNtOpenKey(&h, KEY_READ, &a) == NAME_NOT_FOUND);
    check("create_new", pNtCreateKey(&g_key, KEY_ALL_ACCESS, &a, 0, NULL, 0, &disp) == SUCCESS && disp == 1);
    check("create_existing", pNtCreateKey(&h, KEY_READ, &a, 0, NULL, 0, &disp) == SUCCESS && disp == 2);
    pNtClose(h);
    n = us(L"Software\\winvmnt\\missing\\leaf");
    check("missing_parent", pNtCreateKey(&h, KEY_ALL_ACCESS, &a, 0, NULL, 0, NULL) == NAME_NOT_FOUND);
    HANDLE cur = NULL;
    check("rtl_open_current_user", pRtlOpenCurrentUser(KEY_READ, &cur) == SUCCESS && cur);
    n = us(L"Software\\winvmnt");
    a = oa(cur, &n);
    check("same_key_through_current_user", pNtOpenKey(&h, KEY_READ, &a) == SUCCESS);
    pNtClose(h);
    pNtClose(cur);
    pNtClose(user);
}

/* What one side writes, the other reads. */
static void values(void)
{
    USTR n = us(L"ntval");
    DWORD v = 0x1234, got = 0, size = sizeof(got), type = 0;
    HKEY k = NULL;
    check("nt_set", pNtSetValueKey(g_key, &n, 0, REG_DWORD, &v, 4) == SUCCESS);
    check("reg_open", RegOpenKeyExW(HKEY_CURRENT_USER, L"Software\\winvmnt", 0, KEY_ALL_ACCESS, &k) == 0);
    check("reg_reads_nt", RegQueryValueExW(k, L"ntval", NULL, &type, (BYTE *)&got, &size) == 0 &&
                              type == REG_DWORD && got == 0x1234 && size == 4);
    check("reg_set", RegSetValueExW(k, L"regval", 0, REG_SZ, (const BYTE *)L"hello", 12) == 0);
    BYTE buf[64];
    VPARTIAL *p = (VPARTIAL *)buf;
    ULONG len = 0;
    n = us(L"REGVAL");
    check("nt_reads_reg", pNtQueryValueKey(g_key, &n, 2, buf, sizeof(buf), &len) == SUCCESS && p->Type == REG_SZ &&
                              p->DataLength == 12 && !memcmp(p->Data, L"hello", 12) &&
                              len == offsetof(VPARTIAL, Data) + 12);
    check("partial_overflow", pNtQueryValueKey(g_key, &n, 2, buf, offsetof(VPARTIAL, Data), &len) == BUFFER_OVERFLOW &&
                                  p->DataLength == 12 && len == offsetof(VPARTIAL, Data) + 12);
    check("partial_too_small", pNtQueryValueKey(g_key, &n, 2, buf, 4, &len) == BUFFER_TOO_SMALL &&
                                   len == offsetof(VPARTIAL, Data) + 12);
    VFULL *f = (VFULL *)buf;
    check("full", pNtQueryValueKey(g_key, &n, 1, buf, sizeof(buf), &len) == SUCCESS && f->NameLength == 12 &&
                      f->DataLength == 12 && !memcmp(buf + f->DataOffset, L"hello", 12));
    /* bad pointers: STATUS_ACCESS_VIOLATION and nothing changed */
    n = us(L"ntval");
    check("set_bad_data", pNtSetValueKey(g_key, &n, 0, REG_DWORD, (void *)1, 4) == ACCESS_VIOLATION);
    got = 0, size = 4;
    check("set_bad_data_changed_nothing", RegQueryValueExW(k, L"ntval", NULL, NULL, (BYTE *)&got, &size) == 0 &&
                                              got == 0x1234);
    check("query_bad_buffer", pNtQueryValueKey(g_key, &n, 2, (void *)1, 64, &len) == ACCESS_VIOLATION);
    check("query_bad_name", pNtQueryValueKey(g_key, (USTR *)1, 2, buf, sizeof(buf), &len) == ACCESS_VIOLATION);
    check("nt_delete_value", pNtDeleteValueKey(g_key, &n) == SUCCESS);
    check("reg_sees_delete", RegQueryValueExW(k, L"ntval", NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND);
    check("delete_missing_value", pNtDeleteValueKey(g_key, &n) == NAME_NOT_FOUND);
    check("reg_close_nt_style", RegCloseKey(k) == 0);
}

static void walk(void)
{
    HANDLE sub = NULL;
    USTR n = us(L"sub");
    OA a = oa(g_key, &n);
    BYTE buf[512];
    ULONG len = 0;
    check("create_sub", pNtCreateKey(&sub, KEY_ALL_ACCESS, &a, 0, NULL, 0, NULL) == SUCCESS);
    KBASIC *b = (KBASIC *)buf;
    check("enum_key", pNtEnumerateKey(g_key, 0, 0, buf, sizeof(buf), &len) == SUCCESS && b->NameLength == 6 &&
                          !memcmp(b->Name, L"sub", 6));
    check("enum_key_end", pNtEnumerateKey(g_key, 1, 0, buf, sizeof(buf), &len) == NO_MORE_ENTRIES);
    check("enum_value", pNtEnumerateValueKey(g_key, 0, 0, buf, sizeof(buf), &len) == SUCCESS);
    check("enum_value_end", pNtEnumerateValueKey(g_key, 1, 0, buf, sizeof(buf), &len) == NO_MORE_ENTRIES);
    KFULL *f = (KFULL *)buf;
    check("query_full", pNtQueryKey(g_key, 2, buf, sizeof(buf), &len) == SUCCESS && f->SubKeys == 1 &&
                            f->Values == 1 && f->MaxNameLen == 6 && f->MaxValueNameLen == 12 && f->MaxValueDataLen == 12);
    ULONG *nl = (ULONG *)buf;
    WCHAR *name = (WCHAR *)(buf + 4);
    check("query_name", pNtQueryKey(sub, 3, buf, sizeof(buf), &len) == SUCCESS &&
                            !wcsncmp(name, L"\\REGISTRY\\USER\\S-1-5-21-", 24) &&
                            !wcsncmp(name + *nl / 2 - 20, L"Software\\winvmnt\\sub", 20));
    check("query_name_overflow", pNtQueryKey(sub, 3, buf, 4, &len) == BUFFER_OVERFLOW && len == 4 + *nl);
    check("query_name_too_small", pNtQueryKey(sub, 3, buf, 3, &len) == BUFFER_TOO_SMALL);
    /* a key handle is a handle: its type, a duplicate */
    check("object_type", pNtQueryObject(sub, 2, buf, sizeof(buf), &len) == SUCCESS &&
                             !wcsncmp(((USTR *)buf)->Buffer, L"Key", 4));
    HANDLE dup = NULL;
    check("duplicate", pNtDuplicateObject(GetCurrentProcess(), sub, GetCurrentProcess(), &dup, 0, 0, 2) == SUCCESS);
    check("duplicate_works", pNtQueryKey(dup, 0, buf, sizeof(buf), &len) == SUCCESS && b->NameLength == 6);
    check("flush", pNtFlushKey(dup) == SUCCESS);
    check("close_duplicate", pNtClose(dup) == SUCCESS);
    check("closed_is_invalid", pNtQueryKey(dup, 0, buf, sizeof(buf), &len) == INVALID_HANDLE);
    check("cannot_delete_parent", pNtDeleteKey(g_key) == CANNOT_DELETE);
    check("delete_sub", pNtDeleteKey(sub) == SUCCESS);
    check("deleted_handle", pNtQueryKey(sub, 0, buf, sizeof(buf), &len) == KEY_DELETED);
    HKEY k;
    check("reg_sees_key_delete",
          RegOpenKeyExW(HKEY_CURRENT_USER, L"Software\\winvmnt\\sub", 0, KEY_READ, &k) == ERROR_FILE_NOT_FOUND);
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    check("delete_event_handle", pNtDeleteKey(ev) == TYPE_MISMATCH);
    CloseHandle(ev);
    pNtClose(sub);
    check("delete_key", pNtDeleteKey(g_key) == SUCCESS);
    check("close_key", pNtClose(g_key) == SUCCESS);
}

int main(void)
{
    if (!load()) {
        puts("FAIL exports");
        return 1;
    }
    paths();
    create();
    values();
    walk();
    return failures;
}
