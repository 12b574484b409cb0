/* SPDX-License-Identifier: MIT */
/* test_obdir.c - the object namespace: Windows' standard tree, directory and symbolic-link
 * objects, lookups and their statuses, names living as long as their handles, named events
 * found under both BaseNamedObjects directories (in this process and a forked one), objects
 * made in a program's own directory, NtQueryDirectoryObject, ObjectNameInformation, debug
 * objects; and a PE program doing the same under `winvm run` (tests/images/obdir.c).
 * Expected values: Wine's ntdll/tests/om.c as run on Windows. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/ntdll_file.h"
#include "winvm.h"
#include <winvm/ntdll.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

TestSuite(obdir, .timeout = 60);

static WCHAR wbuf[8][256];
static UNICODE_STRING ustr[8];
static OBJECT_ATTRIBUTES oas[8];

/* Attributes naming s (ASCII; "%d" the pid), relative to root. */
static POBJECT_ATTRIBUTES oa_at(HANDLE root, const char *s, ULONG flags)
{
    static int k;
    k = (k + 1) % 8;
    char a[256];
    int n = snprintf(a, sizeof(a), s, (int)getpid());
    for (int i = 0; i <= n; i++)
        wbuf[k][i] = (WCHAR)a[i];
    ustr[k] = (UNICODE_STRING){(USHORT)(n * 2), (USHORT)(n * 2 + 2), wbuf[k]};
    InitializeObjectAttributes(&oas[k], &ustr[k], flags, root, NULL);
    return &oas[k];
}
#define OA(s) oa_at(NULL, s, 0)

/* h's ObjectNameInformation as ASCII into out. */
static NTSTATUS name_of(HANDLE h, char *out, size_t cap)
{
    union {
        OBJECT_NAME_INFORMATION n;
        char b[1024];
    } u;
    ULONG len = 0;
    NTSTATUS st = NtQueryObject(h, ObjectNameInformation, &u, sizeof(u), &len);
    size_t n = st ? 0 : u.n.Name.Length / 2;
    for (size_t i = 0; i < n && i + 1 < cap; i++)
        out[i] = (char)u.n.Name.Buffer[i];
    out[n < cap ? n : cap - 1] = 0;
    return st;
}

/* A link's target as ASCII. */
static NTSTATUS target_of(HANDLE h, char *out)
{
    WCHAR w[128];
    UNICODE_STRING t = {0, sizeof(w), w};
    ULONG len = 0;
    NTSTATUS st = NtQuerySymbolicLinkObject(h, &t, &len);
    for (int i = 0; i < t.Length / 2; i++)
        out[i] = (char)w[i];
    out[st ? 0 : t.Length / 2] = 0;
    return st;
}

Test(obdir, the_standard_tree_is_there)
{
    HANDLE h;
    char t[128];
    const char *dirs[] = {"\\", "\\BaseNamedObjects", "\\Sessions\\1\\BaseNamedObjects", "\\KernelObjects",
                          "\\GLOBAL??", "\\BaseNamedObjects\\Global", "\\DosDevices"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
        cr_assert_eq(NtOpenDirectoryObject(&h, DIRECTORY_QUERY, OA(dirs[i])), STATUS_SUCCESS, "%s", dirs[i]);
        CloseHandle(h);
    }
    const char *links[][2] = {{"\\DosDevices", "\\??"},
                              {"\\BaseNamedObjects\\Local", "\\BaseNamedObjects"},
                              {"\\Sessions\\1\\BaseNamedObjects\\Local", "\\Sessions\\1\\BaseNamedObjects"},
                              {"\\??\\GLOBALROOT", ""}};
    for (size_t i = 0; i < sizeof(links) / sizeof(*links); i++) {
        cr_assert_eq(NtOpenSymbolicLinkObject(&h, SYMBOLIC_LINK_QUERY, OA(links[i][0])), STATUS_SUCCESS, "%s",
                     links[i][0]);
        cr_assert_eq(target_of(h, t), STATUS_SUCCESS);
        cr_assert_str_eq(t, links[i][1]);
        CloseHandle(h);
    }
    cr_assert_eq(NtCreateEvent(&h, EVENT_ALL_ACCESS, NULL, NotificationEvent, FALSE), STATUS_SUCCESS);
    CloseHandle(h);
}

Test(obdir, lookups_give_windows_statuses)
{
    HANDLE h, h2;
    cr_assert_eq(NtOpenDirectoryObject(&h, DIRECTORY_QUERY, OA("BaseNamedObjects")), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_assert_eq(NtOpenDirectoryObject(&h, DIRECTORY_QUERY, OA("\\BaseNamedObjects\\")), STATUS_OBJECT_NAME_INVALID);
    cr_assert_eq(NtOpenDirectoryObject(&h, DIRECTORY_QUERY, OA("\\\\BaseNamedObjects")), STATUS_OBJECT_NAME_INVALID);
    cr_assert_eq(NtOpenDirectoryObject(&h, DIRECTORY_QUERY, OA("\\BaseNamedObjects\\wvob-%d\\")),
                 STATUS_OBJECT_PATH_NOT_FOUND);
    cr_assert_eq(NtOpenDirectoryObject(&h, DIRECTORY_QUERY, OA("\\BaseNamedObjects\\wvob-%d")),
                 STATUS_OBJECT_NAME_NOT_FOUND);
    cr_assert_eq(NtOpenDirectoryObject(&h, DIRECTORY_QUERY, OA("\\BASENAMEDOBJECTS")), STATUS_OBJECT_NAME_NOT_FOUND,
                 "exact case without OBJ_CASE_INSENSITIVE");
    cr_assert_eq(NtOpenDirectoryObject(&h, DIRECTORY_QUERY, oa_at(NULL, "\\BASENAMEDOBJECTS", OBJ_CASE_INSENSITIVE)),
                 STATUS_SUCCESS);
    CloseHandle(h);
    cr_assert_eq(NtCreateDirectoryObject(&h, DIRECTORY_QUERY, OA("\\BaseNamedObjects\\wvob-%d")), STATUS_SUCCESS);
    cr_assert_eq(NtCreateDirectoryObject(&h2, DIRECTORY_QUERY, OA("\\BaseNamedObjects\\wvob-%d")),
                 STATUS_OBJECT_NAME_COLLISION);
    cr_assert_eq(NtCreateDirectoryObject(&h2, DIRECTORY_QUERY,
                                         oa_at(NULL, "\\BaseNamedObjects\\wvob-%d", OBJ_OPENIF)),
                 STATUS_OBJECT_NAME_EXISTS);
    CloseHandle(h2);
    cr_assert_eq(NtCreateEvent(&h2, EVENT_ALL_ACCESS, OA("\\BaseNamedObjects\\wvob-%d"), NotificationEvent, 0),
                 STATUS_OBJECT_TYPE_MISMATCH, "a directory holds the name");
    cr_assert_eq(NtOpenEvent(&h2, EVENT_ALL_ACCESS, OA("\\BaseNamedObjects\\wvob-%d")), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtOpenSymbolicLinkObject(&h2, SYMBOLIC_LINK_QUERY, OA("\\BaseNamedObjects\\wvob-%d")),
                 STATUS_OBJECT_TYPE_MISMATCH);
    CloseHandle(h);
    cr_assert_eq(NtOpenDirectoryObject(&h, DIRECTORY_QUERY, OA("\\BaseNamedObjects\\wvob-%d")),
                 STATUS_OBJECT_NAME_NOT_FOUND, "the name went with the last handle");
}

Test(obdir, a_link_cannot_be_a_root_and_links_are_followed)
{
    HANDLE link, h, d;
    UNICODE_STRING target = {sizeof(u"\\BaseNamedObjects") - 2, sizeof(u"\\BaseNamedObjects"),
                             (LPWSTR)u"\\BaseNamedObjects"};
    cr_assert_eq(NtCreateSymbolicLinkObject(&link, SYMBOLIC_LINK_QUERY, OA("\\KernelObjects\\wvob-l0"), &target),
                 STATUS_SUCCESS);
    cr_assert_eq(NtCreateDirectoryObject(&h, DIRECTORY_QUERY, oa_at(link, "x", 0)), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtCreateDirectoryObject(&d, DIRECTORY_QUERY, OA("\\KernelObjects\\wvob-l0\\wvob-d%d")),
                 STATUS_SUCCESS, "made through the link");
    char n[256], want[256];
    cr_assert_eq(name_of(d, n, sizeof(n)), STATUS_SUCCESS);
    snprintf(want, sizeof(want), "\\BaseNamedObjects\\wvob-d%d", (int)getpid());
    cr_assert_str_eq(n, want, "the name is where it lives");
    CloseHandle(d), CloseHandle(link);
}

Test(obdir, a_kernel32_event_is_in_both_base_named_objects)
{
    char k32[64], n[256], want[256];
    snprintf(k32, sizeof(k32), "wvob-ev-%d", (int)getpid());
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, k32), h;
    cr_assert_not_null(e);
    cr_assert_eq(name_of(e, n, sizeof(n)), STATUS_SUCCESS);
    snprintf(want, sizeof(want), "\\Sessions\\1\\BaseNamedObjects\\%s", k32);
    cr_assert_str_eq(n, want);
    cr_assert_eq(NtOpenEvent(&h, EVENT_ALL_ACCESS, OA("\\Sessions\\1\\BaseNamedObjects\\wvob-ev-%d")), STATUS_SUCCESS);
    CloseHandle(h);
    HANDLE bno;
    cr_assert_eq(NtOpenDirectoryObject(&bno, DIRECTORY_QUERY, OA("\\BaseNamedObjects")), STATUS_SUCCESS);
    cr_assert_eq(NtOpenEvent(&h, EVENT_MODIFY_STATE, oa_at(bno, "wvob-ev-%d", 0)), STATUS_SUCCESS,
                 "relative to a directory handle");
    POBJECT_ATTRIBUTES ci = oa_at(NULL, "\\BASENAMEDOBJECTS\\WVOB-EV-%d", OBJ_CASE_INSENSITIVE);
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE c;
        if (NtOpenEvent(&c, EVENT_MODIFY_STATE, ci))
            _exit(10);
        _exit(NtSetEvent(c, NULL) ? 11 : 0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %d", WEXITSTATUS(st));
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0, "set by the child, found case-insensitively");
    CloseHandle(h), CloseHandle(bno), CloseHandle(e);
}

/* The listing of d as "name:type" joined by spaces, sorted by the caller's expectations. */
static int listing_has(HANDLE d, const char *name, const char *type)
{
    char buf[4096];
    ULONG ctx = 0, size;
    for (BOOLEAN restart = TRUE;; restart = FALSE) {
        NTSTATUS st = NtQueryDirectoryObject(d, buf, sizeof(buf), TRUE, restart, &ctx, &size);
        if (st)
            return st == STATUS_NO_MORE_ENTRIES ? 0 : -1;
        DIRECTORY_BASIC_INFORMATION *i = (void *)buf;
        char n[256] = {0}, t[64] = {0};
        for (int k = 0; k < i->ObjectName.Length / 2 && k < 255; k++)
            n[k] = (char)i->ObjectName.Buffer[k];
        for (int k = 0; k < i->ObjectTypeName.Length / 2 && k < 63; k++)
            t[k] = (char)i->ObjectTypeName.Buffer[k];
        if (!strcmp(n, name) && !strcmp(t, type))
            return 1;
    }
}

Test(obdir, objects_in_a_program_directory_are_listed_and_named)
{
    HANDLE d, m, m2, bno;
    char n[256], want[256];
    cr_assert_eq(NtCreateDirectoryObject(&d, DIRECTORY_QUERY, OA("\\BaseNamedObjects\\wvob-dir%d")), STATUS_SUCCESS);
    cr_assert_eq(NtCreateMutant(&m, MUTEX_ALL_ACCESS, oa_at(d, "Telamon", 0), FALSE), STATUS_SUCCESS);
    cr_assert_eq(NtOpenMutant(&m2, MUTEX_ALL_ACCESS, OA("\\BaseNamedObjects\\wvob-dir%d\\Telamon")), STATUS_SUCCESS);
    cr_assert_eq(NtOpenMutant(&m2, MUTEX_ALL_ACCESS, OA("\\BaseNamedObjects\\Telamon")), STATUS_OBJECT_NAME_NOT_FOUND,
                 "the directory's, not the store's");
    cr_assert_eq(name_of(m, n, sizeof(n)), STATUS_SUCCESS);
    snprintf(want, sizeof(want), "\\BaseNamedObjects\\wvob-dir%d\\Telamon", (int)getpid());
    cr_assert_str_eq(n, want);
    cr_assert_eq(listing_has(d, "Telamon", "Mutant"), 1);
    cr_assert_eq(NtOpenDirectoryObject(&bno, DIRECTORY_QUERY, OA("\\BaseNamedObjects")), STATUS_SUCCESS);
    snprintf(want, sizeof(want), "wvob-dir%d", (int)getpid());
    cr_assert_eq(listing_has(bno, want, "Directory"), 1);
    cr_assert_eq(listing_has(bno, "Global", "SymbolicLink"), 1);
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, "wvob-listed");
    cr_assert_eq(listing_has(bno, "wvob-listed", "Event"), 1, "the store's names are listed");
    cr_assert_eq(listing_has(bno, "Telamon", "Mutant"), 0, "a program directory's are not");
    ULONG ctx = 0, size = 0;
    char tiny[8];
    cr_assert_eq(NtQueryDirectoryObject(d, tiny, sizeof(tiny), TRUE, TRUE, &ctx, &size), STATUS_BUFFER_TOO_SMALL);
    cr_assert_gt(size, sizeof(DIRECTORY_BASIC_INFORMATION));
    cr_assert_eq(NtQueryDirectoryObject(m, tiny, sizeof(tiny), TRUE, TRUE, &ctx, &size), STATUS_OBJECT_TYPE_MISMATCH);
    CloseHandle(e), CloseHandle(m), CloseHandle(bno), CloseHandle(d);
}

Test(obdir, symbolic_link_queries)
{
    HANDLE l;
    WCHAR w[32];
    UNICODE_STRING target = {8, 8, (LPWSTR)u"\\abc"}, t = {0x4444, 8, w};
    ULONG len = 0;
    cr_assert_eq(NtCreateSymbolicLinkObject(&l, SYMBOLIC_LINK_QUERY, NULL, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtCreateSymbolicLinkObject(&l, SYMBOLIC_LINK_QUERY, NULL, &target), STATUS_SUCCESS);
    cr_assert_eq(NtQuerySymbolicLinkObject(l, &t, &len), STATUS_BUFFER_TOO_SMALL, "no room for the NUL");
    cr_assert_eq(len, 10);
    cr_assert_eq(t.Length, 0x4444, "unchanged");
    t.MaximumLength = sizeof(w);
    cr_assert_eq(NtQuerySymbolicLinkObject(l, &t, &len), STATUS_SUCCESS);
    cr_assert(t.Length == 8 && !memcmp(w, u"\\abc", 10));
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
    cr_assert_eq(NtQuerySymbolicLinkObject(e, &t, &len), STATUS_OBJECT_TYPE_MISMATCH);
    CloseHandle(e), CloseHandle(l);
}

Test(obdir, debug_objects_are_named_and_typed)
{
    HANDLE d, h;
    union {
        OBJECT_TYPE_INFORMATION t;
        char b[512];
    } u;
    cr_assert_eq(NtCreateDebugObject(&d, DEBUG_ALL_ACCESS, NULL, 2), STATUS_INVALID_PARAMETER);
    cr_assert_eq(NtCreateDebugObject(&d, DEBUG_ALL_ACCESS, OA("\\BaseNamedObjects\\wvob-dbg%d"), DEBUG_KILL_ON_CLOSE),
                 STATUS_SUCCESS);
    cr_assert_eq(NtQueryObject(d, ObjectTypeInformation, &u, sizeof(u), NULL), STATUS_SUCCESS);
    cr_assert(u.t.TypeName.Length == 22 && !memcmp(u.t.TypeName.Buffer, u"DebugObject", 22));
    cr_assert_eq(NtCreateEvent(&h, EVENT_ALL_ACCESS, OA("\\BaseNamedObjects\\wvob-dbg%d"), NotificationEvent, 0),
                 STATUS_OBJECT_TYPE_MISMATCH);
    CloseHandle(d);
}

Test(obdir, file_opens_follow_the_tree_links)
{
    HANDLE bno, link, h, f;
    IO_STATUS_BLOCK io;
    ULONG sh = FILE_SHARE_READ | FILE_SHARE_WRITE;
    UNICODE_STRING target = {sizeof(u"\\DosDevices") - 2, sizeof(u"\\DosDevices"), (LPWSTR)u"\\DosDevices"};
    cr_assert_eq(NtOpenDirectoryObject(&bno, DIRECTORY_QUERY, OA("\\BaseNamedObjects")), STATUS_SUCCESS);
    cr_assert_eq(NtCreateSymbolicLinkObject(&link, SYMBOLIC_LINK_QUERY, oa_at(bno, "wvob-fl%d", 0), &target),
                 STATUS_SUCCESS);
    cr_assert_eq(wv_nt_NtOpenFile(&f, GENERIC_READ, oa_at(bno, "wvob-fl%d\\NUL", 0), &io, sh, 0), STATUS_SUCCESS,
                 "\\BaseNamedObjects\\link -> \\DosDevices -> \\?? -> \\GLOBAL??\\NUL -> \\Device\\Null");
    DWORD done = 0;
    cr_assert(WriteFile(f, "abc", 3, &done, NULL) == FALSE || done == 3, "the null device takes writes");
    CloseHandle(f);
    cr_assert_eq(wv_nt_NtOpenFile(&f, GENERIC_READ, OA("\\??\\GLOBALROOT\\Device\\Null"), &io, sh, 0), STATUS_SUCCESS);
    CloseHandle(f);
    cr_assert_eq(wv_nt_NtOpenFile(&f, GENERIC_READ, OA("\\??\\NUL"), &io, sh, 1 /* FILE_DIRECTORY_FILE */),
                 STATUS_SUCCESS, "a device takes the directory option");
    CloseHandle(f);
    cr_assert_eq(wv_nt_NtOpenFile(&f, GENERIC_READ, OA("\\DosDevices\\GLOBALROOT\\BaseNamedObjects"), &io, sh, 0),
                 STATUS_OBJECT_TYPE_MISMATCH, "a directory object is no file");
    cr_assert_eq(wv_nt_NtOpenFile(&h, GENERIC_READ, oa_at(link, "NUL", 0), &io, sh, 0), STATUS_OBJECT_TYPE_MISMATCH,
                 "a link is no root");
    CloseHandle(link), CloseHandle(bno);
}

Test(obdir, a_file_mapping_name_is_the_session_s)
{
    char n[256], want[256], k32[64];
    snprintf(k32, sizeof(k32), "wvob-map-%d", (int)getpid());
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, k32), h;
    cr_assert_not_null(m);
    cr_assert_eq(name_of(m, n, sizeof(n)), STATUS_SUCCESS);
    snprintf(want, sizeof(want), "\\Sessions\\1\\BaseNamedObjects\\%s", k32);
    cr_assert_str_eq(n, want);
    cr_assert_eq(NtOpenSection(&h, SECTION_QUERY, OA("\\BaseNamedObjects\\Global\\wvob-map-%d")), STATUS_SUCCESS,
                 "one store behind both directories");
    cr_assert_eq(name_of(h, n, sizeof(n)), STATUS_SUCCESS);
    snprintf(want, sizeof(want), "\\BaseNamedObjects\\%s", k32);
    cr_assert_str_eq(n, want, "the name it was opened under");
    CloseHandle(h), CloseHandle(m);
}

Test(obdir, pe_program_uses_the_namespace)
{
    static char out[8192];
    tu_run_checks(EXE("obdir.exe"), out, sizeof(out));
    const char *must[] = {"ok peb_session", "ok standard_tree", "ok dosdevices_link", "ok lookup_statuses",
                          "ok kernel32_names", "ok event_in_directory", "ok query_directory", "ok query_directory_end",
                          "ok directory_gone_with_its_handles", "ok debug_object_type",
                          "ok debug_object_name_is_not_an_event", "0 failures"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++)
        cr_assert(strstr(out, must[i]), "%s missing in:\n%s", must[i], out);
}
