/* SPDX-License-Identifier: MIT */
/* obdir.c - the object namespace from PE code (tests/test_obdir.c runs it under `winvm run`):
 * the standard tree and the PEB's session, a kernel32 event's object path, a program's own
 * directory holding an event listed by NtQueryDirectoryObject, a symbolic link's target, a
 * debug object's type, and the lookup statuses.  Expected values: Wine's ntdll/tests/om.c as
 * run on Windows.  Prints "ok NAME" or "FAIL NAME (0xDETAIL)", exits 0 when all passed. */
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "nt_objattr.h"
#include "nt_check.h"

typedef struct {
    UNISTR Name, Type;
} DIRINFO;
NTSTATUS NTAPI NtCreateDirectoryObject(PHANDLE, ACCESS_MASK, OBJATTR *);
NTSTATUS NTAPI NtOpenDirectoryObject(PHANDLE, ACCESS_MASK, OBJATTR *);
NTSTATUS NTAPI NtQueryDirectoryObject(HANDLE, PVOID, ULONG, BOOLEAN, BOOLEAN, PULONG, PULONG);
NTSTATUS NTAPI NtOpenSymbolicLinkObject(PHANDLE, ACCESS_MASK, OBJATTR *);
NTSTATUS NTAPI NtQuerySymbolicLinkObject(HANDLE, UNISTR *, PULONG);
NTSTATUS NTAPI NtCreateDebugObject(PHANDLE, ACCESS_MASK, OBJATTR *, ULONG);
NTSTATUS NTAPI NtCreateEvent(PHANDLE, ACCESS_MASK, OBJATTR *, int, BOOLEAN);
NTSTATUS NTAPI NtOpenEvent(PHANDLE, ACCESS_MASK, OBJATTR *);
NTSTATUS NTAPI NtQueryObject(HANDLE, int, PVOID, ULONG, PULONG);
NTSTATUS NTAPI NtClose(HANDLE);

static UNISTR us[4];
static OBJATTR oas[4];

static OBJATTR *oa(HANDLE root, const WCHAR *name, ULONG attrs)
{
    static int k;
    k = (k + 1) % 4;
    us[k].Length = (USHORT)(wcslen(name) * 2), us[k].MaximumLength = us[k].Length + 2, us[k].Buffer = (PWSTR)name;
    oas[k] = (OBJATTR){sizeof(OBJATTR), root, &us[k], attrs, NULL, NULL};
    return &oas[k];
}

/* Whether h's ObjectNameInformation is want. */
static int named(HANDLE h, const WCHAR *want)
{
    union {
        UNISTR n;
        char b[1024];
    } u;
    ULONG len = 0;
    NTSTATUS st = NtQueryObject(h, 1 /* ObjectNameInformation */, &u, sizeof(u), &len);
    return !st && u.n.Length == wcslen(want) * 2 && !memcmp(u.n.Buffer, want, u.n.Length) &&
           len == sizeof(UNISTR) + u.n.Length + 2;
}

static void tree(void)
{
    HANDLE h;
    ULONG session = *(ULONG *)(__readgsqword(0x60) + 0x2c0);
    check(session == 1, "peb_session", session);
    NTSTATUS a = NtOpenDirectoryObject(&h, 3, oa(NULL, L"\\Sessions\\1\\BaseNamedObjects", 0));
    NtClose(h);
    NTSTATUS b = NtOpenDirectoryObject(&h, 3, oa(NULL, L"\\KernelObjects", 0));
    NtClose(h);
    check(!a && !b, "standard_tree", a ? a : b);
    WCHAR w[64];
    UNISTR t = {0, sizeof(w), w};
    ULONG len = 0;
    a = NtOpenSymbolicLinkObject(&h, 1, oa(NULL, L"\\DosDevices", 0));
    b = a ? a : NtQuerySymbolicLinkObject(h, &t, &len);
    check(!b && t.Length == 6 && !memcmp(w, L"\\??", 8) && len == 8, "dosdevices_link", b);
    NtClose(h);
    a = NtOpenDirectoryObject(&h, 3, oa(NULL, L"BaseNamedObjects", 0));
    b = NtOpenDirectoryObject(&h, 3, oa(NULL, L"\\BaseNamedObjects\\", 0));
    NTSTATUS c = NtOpenDirectoryObject(&h, 3, oa(NULL, L"\\BaseNamedObjects\\wvobpe-none\\x", 0));
    check(a == (NTSTATUS)0xC000003B && b == (NTSTATUS)0xC0000033 && c == (NTSTATUS)0xC000003A, "lookup_statuses",
          (long long)a << 32 | (ULONG)c);
}

static void names(void)
{
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, "wvobpe-ev"), g = CreateEventA(NULL, TRUE, FALSE, "Global\\wvobpe-g");
    check(named(e, L"\\Sessions\\1\\BaseNamedObjects\\wvobpe-ev") && named(g, L"\\BaseNamedObjects\\wvobpe-g"),
          "kernel32_names", 0);
    HANDLE d, e2, o;
    NTSTATUS st = NtCreateDirectoryObject(&d, 0xF000F, oa(NULL, L"\\BaseNamedObjects\\wvobpe-dir", 0));
    NTSTATUS s2 = st ? st : NtCreateEvent(&e2, EVENT_ALL_ACCESS, oa(d, L"Ajax", 0), 0, FALSE);
    NTSTATUS s3 = s2 ? s2 : NtOpenEvent(&o, EVENT_ALL_ACCESS, oa(NULL, L"\\BaseNamedObjects\\wvobpe-dir\\Ajax", 0));
    check(!s3 && named(o, L"\\BaseNamedObjects\\wvobpe-dir\\Ajax"), "event_in_directory", s3);
    char buf[256];
    ULONG ctx = 0, size = 0;
    st = NtQueryDirectoryObject(d, buf, sizeof(buf), TRUE, TRUE, &ctx, &size);
    DIRINFO *i = (DIRINFO *)buf;
    check(!st && ctx == 1 && i->Name.Length == 8 && !memcmp(i->Name.Buffer, L"Ajax", 8) && i->Type.Length == 10 &&
              !memcmp(i->Type.Buffer, L"Event", 10),
          "query_directory", st);
    st = NtQueryDirectoryObject(d, buf, sizeof(buf), TRUE, FALSE, &ctx, &size);
    check(st == (NTSTATUS)0x8000001A && size == sizeof(DIRINFO), "query_directory_end", st);
    NtClose(o), NtClose(e2), NtClose(d), CloseHandle(e), CloseHandle(g);
    st = NtOpenDirectoryObject(&d, 3, oa(NULL, L"\\BaseNamedObjects\\wvobpe-dir", 0));
    check(st == (NTSTATUS)0xC0000034, "directory_gone_with_its_handles", st);
}

static void debug_object(void)
{
    HANDLE d, e;
    union {
        UNISTR name;
        char b[512];
    } u;
    NTSTATUS st = NtCreateDebugObject(&d, 0x1F000F, oa(NULL, L"\\BaseNamedObjects\\wvobpe-dbg", 0), 1);
    NTSTATUS s2 = st ? st : NtQueryObject(d, 2 /* ObjectTypeInformation */, &u, sizeof(u), NULL);
    check(!s2 && u.name.Length == 22 && !memcmp(u.name.Buffer, L"DebugObject", 22), "debug_object_type", s2);
    st = NtOpenEvent(&e, EVENT_ALL_ACCESS, oa(NULL, L"\\BaseNamedObjects\\wvobpe-dbg", 0));
    check(st == (NTSTATUS)0xC0000024, "debug_object_name_is_not_an_event", st);
    NtClose(d);
}

int main(void)
{
    tree();
    names();
    debug_object();
    printf("%d failures\n", failures);
    return failures != 0;
}
