/* SPDX-License-Identifier: MIT */
/* test_nt_section.c - ntdll's section calls (src/nt/section.c, view.c, sectinfo.c; declared in
 * include/winvm/ntsection.h): each call's statuses with nothing changed on bad input, the
 * in/out parameters, views as VirtualQuery sees them, names shared with CreateFileMapping,
 * NtQueryVirtualMemory's working-set list and image classes, and ntsect.exe calling them from
 * PE code with a child process opening the parent's section.  Facts: Wine's
 * dlls/ntdll/tests/virtual.c and dlls/kernel32/tests/virtual.c, run on Windows. */
#define _GNU_SOURCE
#include "testutil.h"
#include <winvm/ntdll.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

#define SELF NtCurrentProcess()
#define BAD_HANDLE ((HANDLE)(uintptr_t)0xdeadbee0)

static WCHAR wbuf[256];
static UNICODE_STRING ustr;
static OBJECT_ATTRIBUTES oattr;

/* Object attributes naming path (ASCII). */
static OBJECT_ATTRIBUTES *named(const char *path, ULONG attrs)
{
    size_t n = strlen(path);
    for (size_t i = 0; i <= n; i++)
        wbuf[i] = (WCHAR)path[i];
    ustr = (UNICODE_STRING){(USHORT)(n * 2), (USHORT)(n * 2 + 2), wbuf};
    InitializeObjectAttributes(&oattr, &ustr, attrs, NULL, NULL);
    return &oattr;
}

static HANDLE pagefile(ULONGLONG size, ULONG prot, ULONG attrs)
{
    HANDLE h = NULL;
    LARGE_INTEGER max = {.QuadPart = (LONGLONG)size};
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, prot, attrs, NULL), STATUS_SUCCESS);
    return h;
}

static NTSTATUS map(HANDLE s, void **p, ULONGLONG off, SIZE_T *size, ULONG type, ULONG prot)
{
    LARGE_INTEGER o = {.QuadPart = (LONGLONG)off};
    return NtMapViewOfSection(s, SELF, p, 0, 0, &o, size, ViewShare, type, prot);
}

static void *view(HANDLE s, SIZE_T size, ULONG prot)
{
    void *p = NULL;
    cr_assert_eq(map(s, &p, 0, &size, 0, prot), STATUS_SUCCESS);
    return p;
}

static SECTION_BASIC_INFORMATION basic(HANDLE s)
{
    SECTION_BASIC_INFORMATION b;
    memset(&b, 0x55, sizeof(b));
    cr_assert_eq(NtQuerySection(s, SectionBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
    return b;
}

static MEMORY_BASIC_INFORMATION query(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery(p, &m, sizeof(m)), sizeof(m));
    return m;
}

/* A file of size bytes (the first bytes "MZ" when mz) and a handle to it with access. */
static HANDLE temp_file(off_t size, DWORD access, bool mz, char *path)
{
    strcpy(path, "/tmp/winvm-ntsect-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    if (mz)
        cr_assert_eq(write(fd, "MZ", 2), 2);
    else if (size)
        cr_assert_eq(write(fd, "data", 4), 4);
    cr_assert_eq(ftruncate(fd, size), 0);
    HANDLE h = winvm_handle_from_fd(fd, access);
    close(fd);
    cr_assert_not_null(h);
    return h;
}

/* ---- NtCreateSection ---- */

Test(nt_section, create_refuses_bad_arguments_and_changes_nothing)
{
    LARGE_INTEGER max = {.QuadPart = 0x10000};
    HANDLE h = BAD_HANDLE;
    struct {
        ULONG prot, attrs;
        NTSTATUS want;
    } bad[] = {
        {PAGE_NOACCESS, SEC_COMMIT, STATUS_INVALID_PAGE_PROTECTION},
        {PAGE_EXECUTE, SEC_COMMIT, STATUS_INVALID_PAGE_PROTECTION},
        {PAGE_READWRITE | PAGE_GUARD, SEC_COMMIT, STATUS_INVALID_PAGE_PROTECTION},
        {PAGE_READWRITE, 0, STATUS_INVALID_PARAMETER_6},
        {PAGE_READWRITE, SEC_COMMIT | SEC_RESERVE, STATUS_INVALID_PARAMETER_6},
        {PAGE_READWRITE, SEC_NOCACHE, STATUS_INVALID_PARAMETER_6},
        {PAGE_READWRITE, SEC_FILE | SEC_COMMIT, STATUS_INVALID_PARAMETER_6},
        {PAGE_READWRITE, SEC_RESERVE | SEC_LARGE_PAGES, STATUS_INVALID_PARAMETER_6},
        {PAGE_READWRITE, SEC_COMMIT | SEC_NOCACHE | SEC_WRITECOMBINE, STATUS_INVALID_PARAMETER_6},
        {PAGE_READWRITE, SEC_IMAGE | SEC_COMMIT, STATUS_INVALID_PARAMETER_6},
        {PAGE_READONLY, SEC_IMAGE, (NTSTATUS)STATUS_INVALID_FILE_FOR_SECTION},
        {PAGE_READWRITE, SEC_COMMIT | SEC_LARGE_PAGES, STATUS_PRIVILEGE_NOT_HELD},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        NTSTATUS st = NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, bad[i].prot, bad[i].attrs, NULL);
        cr_assert_eq(st, bad[i].want, "%zu: %#x", i, (unsigned)st);
        cr_assert_eq(h, BAD_HANDLE, "%zu: the handle was written", i);
    }
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_INVALID_PARAMETER_4);
    cr_assert_eq(NtCreateSection((PHANDLE)8, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, (PLARGE_INTEGER)8, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE, SEC_COMMIT, BAD_HANDLE),
                 STATUS_INVALID_HANDLE);
    cr_assert_eq(h, BAD_HANDLE);
}

Test(nt_section, create_names_and_object_attributes)
{
    LARGE_INTEGER max = {.QuadPart = 0x10000};
    HANDLE h = BAD_HANDLE;
    char path[128], name[64];
    snprintf(name, sizeof(name), "winvm-ntsec-%d", (int)getpid());
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, named(name, 0), &max, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_OBJECT_PATH_SYNTAX_BAD);
    snprintf(path, sizeof(path), "\\Elsewhere\\%s", name);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, named(path, 0), &max, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_OBJECT_PATH_NOT_FOUND);
    snprintf(path, sizeof(path), "\\BaseNamedObjects\\sub\\%s", name);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, named(path, 0), &max, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_OBJECT_PATH_NOT_FOUND);
    OBJECT_ATTRIBUTES *oa = named("\\BaseNamedObjects\\x", 0);
    oa->Length = 8;
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, oa, &max, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_INVALID_PARAMETER);
    oa = named("\\BaseNamedObjects\\x", 0);
    oa->RootDirectory = BAD_HANDLE;
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, oa, &max, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_INVALID_HANDLE);
    cr_assert_eq(h, BAD_HANDLE);

    /* The session path and the global one are the one namespace CreateFileMapping uses. */
    snprintf(path, sizeof(path), "\\Sessions\\1\\BaseNamedObjects\\%s", name);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, named(path, 0), &max, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_SUCCESS);
    HANDLE w = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, name);
    cr_assert_not_null(w, "OpenFileMapping: %u", GetLastError());
    SetLastError(SENTINEL);
    HANDLE w2 = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, name);
    cr_assert_not_null(w2);
    EXPECT_ERR(ERROR_ALREADY_EXISTS);
    char *a = view(h, 0, PAGE_READWRITE), *b = MapViewOfFile(w, FILE_MAP_READ, 0, 0, 0);
    strcpy(a, "through NtMapViewOfSection");
    cr_assert_str_eq(b, "through NtMapViewOfSection");
    HANDLE h2 = BAD_HANDLE;
    snprintf(path, sizeof(path), "\\BaseNamedObjects\\%s", name);
    cr_assert_eq(NtCreateSection(&h2, SECTION_ALL_ACCESS, named(path, 0), &max, PAGE_READWRITE, SEC_COMMIT, NULL),
                 STATUS_OBJECT_NAME_COLLISION);
    cr_assert_eq(h2, BAD_HANDLE);
    cr_assert_eq(NtCreateSection(&h2, SECTION_ALL_ACCESS, named(path, OBJ_OPENIF), &max, PAGE_READWRITE, SEC_COMMIT,
                                 NULL), STATUS_OBJECT_NAME_EXISTS);
    cr_assert_eq(RtlNtStatusToDosError(STATUS_OBJECT_NAME_EXISTS), ERROR_ALREADY_EXISTS);
    cr_assert_eq(basic(h2).Size.QuadPart, 0x10000);
    cr_assert_eq(NtUnmapViewOfSection(SELF, a), STATUS_SUCCESS);
    cr_assert(UnmapViewOfFile(b));
    CloseHandle(h2), CloseHandle(w2), CloseHandle(w), CloseHandle(h);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name), "the name outlived its handles");
}

/* ---- NtOpenSection ---- */

Test(nt_section, open_by_name_with_the_access_asked)
{
    char name[64], path[128];
    snprintf(name, sizeof(name), "winvm-ntopen-%d", (int)getpid());
    snprintf(path, sizeof(path), "\\BaseNamedObjects\\Global\\%s", name);
    HANDLE h = BAD_HANDLE;
    cr_assert_eq(NtOpenSection(&h, SECTION_MAP_READ, named(path, 0)), STATUS_OBJECT_NAME_NOT_FOUND);
    cr_assert_eq(NtOpenSection(&h, SECTION_MAP_READ, NULL), STATUS_INVALID_PARAMETER);
    cr_assert_eq(NtOpenSection((PHANDLE)8, SECTION_MAP_READ, named(path, 0)), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(h, BAD_HANDLE);
    HANDLE w = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x3000, name);
    cr_assert_not_null(w);
    cr_assert_eq(NtOpenSection(&h, SECTION_MAP_READ, named(path, 0)), STATUS_SUCCESS);
    SECTION_BASIC_INFORMATION b;
    cr_assert_eq(NtQuerySection(h, SectionBasicInformation, &b, sizeof(b), NULL), STATUS_ACCESS_DENIED);
    void *p = NULL;
    SIZE_T size = 0;
    cr_assert_eq(map(h, &p, 0, &size, 0, PAGE_READWRITE), STATUS_ACCESS_DENIED);
    cr_assert_null(p);
    cr_assert_eq(map(h, &p, 0, &size, 0, PAGE_READONLY), STATUS_SUCCESS);
    cr_assert_eq(size, 0x3000);
    cr_assert_eq(NtUnmapViewOfSection(SELF, p), STATUS_SUCCESS);
    CloseHandle(h);
    cr_assert_eq(NtOpenSection(&h, GENERIC_READ, named(path, 0)), STATUS_SUCCESS);
    cr_assert_eq(basic(h).Size.QuadPart, 0x3000); /* GENERIC_READ includes SECTION_QUERY */
    CloseHandle(h), CloseHandle(w);
}

/* ---- NtQuerySection ---- */

Test(nt_section, query_reports_attributes_and_sizes)
{
    HANDLE h = pagefile(0x3457, PAGE_READONLY, SEC_COMMIT);
    SECTION_BASIC_INFORMATION b = basic(h);
    cr_assert_eq(b.Attributes, SEC_COMMIT);
    cr_assert_null(b.BaseAddress);
    cr_assert_eq(b.Size.QuadPart, 0x4000); /* a pagefile section is whole pages */
    SIZE_T len = 0;
    cr_assert_eq(NtQuerySection(h, SectionBasicInformation, &b, sizeof(b) - 1, &len), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(NtQuerySection(h, SectionBasicInformation, &b, sizeof(b) + 1, &len), STATUS_SUCCESS);
    cr_assert_eq(len, sizeof(b));
    SECTION_IMAGE_INFORMATION ii;
    cr_assert_eq(NtQuerySection(h, SectionImageInformation, &ii, sizeof(ii) - 1, NULL), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(NtQuerySection(h, SectionImageInformation, &ii, sizeof(ii), NULL), STATUS_SECTION_NOT_IMAGE);
    cr_assert_eq(NtQuerySection(h, (SECTION_INFORMATION_CLASS)7, &ii, sizeof(ii), NULL), STATUS_INVALID_INFO_CLASS);
    cr_assert_eq(NtQuerySection(h, SectionBasicInformation, (void *)8, sizeof(b), NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtQuerySection(BAD_HANDLE, SectionBasicInformation, &b, sizeof(b), NULL), STATUS_INVALID_HANDLE);
    CloseHandle(h);
    h = pagefile(0x1000, PAGE_READWRITE, SEC_RESERVE | SEC_NOCACHE);
    cr_assert_eq(basic(h).Attributes, SEC_RESERVE | SEC_NOCACHE);
    CloseHandle(h);
}

/* The whole length the caller gives is probed for writing, before the section is looked at
 * (Wine's kernel32 test_NtQuerySection: 64 GiB past the structure is an access violation,
 * not STATUS_SECTION_NOT_IMAGE); a length inside writable memory is fine. */
Test(nt_section, query_probes_the_whole_length)
{
    HANDLE h = pagefile(0x1000, PAGE_READONLY, SEC_COMMIT);
    SIZE_T len = 7;
    char *buf = VirtualAlloc(NULL, 3 * 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(buf);
    SECTION_IMAGE_INFORMATION *ii = (void *)(buf + 4096 - 8);
    cr_assert_eq(NtQuerySection(h, SectionImageInformation, ii, sizeof(*ii) + ((SIZE_T)0x10000000 << 8), &len),
                 STATUS_ACCESS_VIOLATION);
    cr_assert_eq(len, 7);
    cr_assert_eq(NtQuerySection(h, SectionImageInformation, ii, 2 * 4096, NULL), STATUS_SECTION_NOT_IMAGE);
    /* The last page read-only: the probe fails there, even for a class that writes 24 bytes. */
    DWORD old;
    cr_assert(VirtualProtect(buf + 2 * 4096, 4096, PAGE_READONLY, &old));
    cr_assert_eq(NtQuerySection(h, SectionBasicInformation, buf, 2 * 4096 + 1, &len), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(len, 7);
    cr_assert_eq(NtQuerySection(h, SectionBasicInformation, buf, 2 * 4096, &len), STATUS_SUCCESS);
    cr_assert_eq(len, sizeof(SECTION_BASIC_INFORMATION));
    cr_assert_eq(NtQuerySection(h, SectionBasicInformation, buf, (SIZE_T)-1, NULL), STATUS_ACCESS_VIOLATION);
    VirtualFree(buf, 0, MEM_RELEASE);
    CloseHandle(h);
}

Test(nt_section, file_sections_take_the_exact_size)
{
    char path[64];
    HANDLE f = temp_file(0x3456, GENERIC_READ, false, path), h = BAD_HANDLE;
    LARGE_INTEGER max = {.QuadPart = 0x3457};
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READONLY, SEC_COMMIT, f),
                 STATUS_SECTION_TOO_BIG);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &max, PAGE_READONLY, SEC_IMAGE, f),
                 (NTSTATUS)STATUS_INVALID_IMAGE_NOT_MZ);
    cr_assert_eq(h, BAD_HANDLE);
    max.QuadPart = 0x3452;
    cr_assert_eq(NtCreateSection(&h, SECTION_QUERY | SECTION_MAP_READ, NULL, &max, PAGE_READONLY, SEC_COMMIT, f),
                 STATUS_SUCCESS);
    SECTION_BASIC_INFORMATION b = basic(h);
    cr_assert_eq(b.Attributes, SEC_FILE);
    cr_assert_eq(b.Size.QuadPart, 0x3452);
    void *p = NULL;
    SIZE_T size = 0x3452;
    cr_assert_eq(map(h, &p, 0, &size, 0, PAGE_READONLY), STATUS_SUCCESS);
    cr_assert_eq(size, 0x4000);
    cr_assert_eq(memcmp(p, "data", 4), 0);
    cr_assert_eq(NtUnmapViewOfSection(SELF, p), STATUS_SUCCESS);
    p = NULL, size = 0x3453;
    cr_assert_eq(map(h, &p, 0, &size, 0, PAGE_READONLY), STATUS_INVALID_VIEW_SIZE);
    cr_assert_null(p);
    cr_assert_eq(size, 0x3453);
    CloseHandle(h), CloseHandle(f);
    unlink(path);
    f = temp_file(0, GENERIC_READ, false, path);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READONLY, SEC_COMMIT, f),
                 STATUS_MAPPED_FILE_SIZE_ZERO);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READONLY, SEC_IMAGE, f),
                 (NTSTATUS)STATUS_INVALID_FILE_FOR_SECTION);
    CloseHandle(f);
    unlink(path);
    /* "MZ", then no "PE\0\0" where e_lfanew (0) says: Wine's test_Loader (a bad signature,
     * an e_lfanew past the file) records STATUS_INVALID_IMAGE_PROTECT on Windows */
    f = temp_file(0x1000, GENERIC_READ, true, path);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READONLY, SEC_IMAGE, f),
                 (NTSTATUS)0xC0000130 /* STATUS_INVALID_IMAGE_PROTECT */);
    CloseHandle(f);
    unlink(path);
}

/* ---- NtExtendSection ---- */

Test(nt_section, extend_grows_a_file_section)
{
    char path[64];
    HANDLE f = temp_file(0x1000, GENERIC_READ | GENERIC_WRITE, false, path), h = NULL;
    LARGE_INTEGER size = {.QuadPart = 0x1000};
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &size, PAGE_READWRITE, SEC_COMMIT, f), STATUS_SUCCESS);
    size.QuadPart = 0x3000;
    cr_assert_eq(NtExtendSection(h, &size), STATUS_SUCCESS);
    cr_assert_eq(size.QuadPart, 0x3000);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 0x3000);
    cr_assert_eq(basic(h).Size.QuadPart, 0x3000);
    char *p = view(h, 0, PAGE_READWRITE);
    p[0x2fff] = 1;
    cr_assert_eq(query(p).RegionSize, 0x3000);
    size.QuadPart = 0x2000; /* smaller: nothing changes, the size comes back */
    cr_assert_eq(NtExtendSection(h, &size), STATUS_SUCCESS);
    cr_assert_eq(size.QuadPart, 0x3000);
    cr_assert_eq(NtExtendSection(h, (PLARGE_INTEGER)8), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtUnmapViewOfSection(SELF, p), STATUS_SUCCESS);
    CloseHandle(h);
    h = pagefile(0x1000, PAGE_READWRITE, SEC_COMMIT);
    size.QuadPart = 0x2000;
    cr_assert_eq(NtExtendSection(h, &size), STATUS_SECTION_NOT_EXTENDED);
    cr_assert_eq(size.QuadPart, 0x2000);
    HANDLE ro = NULL;
    cr_assert(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &ro, SECTION_MAP_READ, FALSE, 0));
    cr_assert_eq(NtExtendSection(ro, &size), STATUS_ACCESS_DENIED);
    CloseHandle(ro), CloseHandle(h), CloseHandle(f);
    unlink(path);
}

/* A reserved view (MEM_RESERVE) of a file may reach past its end; the pages past it are
 * reserved until the section grows over them (facts: ReactOS' ZwMapViewOfSection test, run on
 * Windows: the size past the end refused without MEM_RESERVE, taken with it; a commit size
 * only with it; a read-only section refuses it). */
Test(nt_section, reserved_view_reaches_past_the_end_until_the_section_grows)
{
    char path[64];
    HANDLE f = temp_file(0x1800, GENERIC_READ | GENERIC_WRITE, false, path), h = NULL;
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE, SEC_COMMIT, f), STATUS_SUCCESS);
    char *p = NULL;
    SIZE_T size = 0x10000;
    cr_assert_eq(map(h, (void **)&p, 0, &size, 0, PAGE_READWRITE), STATUS_INVALID_VIEW_SIZE);
    SIZE_T whole = 0;
    cr_assert_eq(NtMapViewOfSection(h, SELF, (void **)&p, 0, 0x1000, NULL, &whole, ViewShare, 0, PAGE_READWRITE),
                 STATUS_INVALID_PARAMETER_5, "a file's view takes no commit size");
    cr_assert_null(p);
    cr_assert_eq(NtMapViewOfSection(h, SELF, (void **)&p, 0, 0x1000, NULL, &size, ViewShare, MEM_RESERVE,
                                    PAGE_READWRITE), STATUS_SUCCESS);
    cr_assert_eq(size, 0x10000);
    MEMORY_BASIC_INFORMATION m = query(p);
    cr_assert(m.State == MEM_COMMIT && m.RegionSize == 0x2000 && m.Type == MEM_MAPPED && m.Protect == PAGE_READWRITE);
    m = query(p + 0x2000);
    cr_assert(m.State == MEM_RESERVE && m.RegionSize == 0xe000 && m.Type == MEM_MAPPED && m.Protect == 0);
    cr_assert(m.AllocationBase == p && m.AllocationProtect == PAGE_READWRITE);
    cr_assert_eq(memcmp(p, "data", 4), 0);
    p[0x17ff] = 7;
    cr_assert(IsBadReadPtr(p + 0x2000, 1), "past the end is reserved");
    cr_assert_null(VirtualAlloc(p + 0x2000, 0x1000, MEM_COMMIT, PAGE_READWRITE), "a file's pages are never committed by hand");
    cr_assert_eq(query(p + 0x2000).State, MEM_RESERVE);
    /* The section grows: the view's pages over the new size are the file's, first touched... */
    LARGE_INTEGER grow = {.QuadPart = 0x5000};
    cr_assert_eq(NtExtendSection(h, &grow), STATUS_SUCCESS);
    p[0x4fff] = 9;
    /* ...or first queried. */
    m = query(p);
    cr_assert(m.State == MEM_COMMIT && m.RegionSize == 0x5000 && m.Protect == PAGE_READWRITE, "%#zx", m.RegionSize);
    m = query(p + 0x5000);
    cr_assert(m.State == MEM_RESERVE && m.RegionSize == 0xb000);
    cr_assert_eq(NtFlushVirtualMemory(SELF, (void **)&p, &(SIZE_T){0}, &(IO_STATUS_BLOCK){0}), STATUS_SUCCESS);
    int fd = open(path, O_RDONLY);
    char b[2] = {0};
    cr_assert_eq(pread(fd, &b[0], 1, 0x17ff), 1);
    cr_assert_eq(pread(fd, &b[1], 1, 0x4fff), 1);
    close(fd);
    cr_assert(b[0] == 7 && b[1] == 9, "the view writes its file: %d %d", b[0], b[1]);
    cr_assert_eq(NtUnmapViewOfSection(SELF, p), STATUS_SUCCESS);
    cr_assert_eq(query(p).State, MEM_FREE);
    /* MapViewOfFileEx's FILE_MAP_RESERVE is the same request. */
    p = MapViewOfFileEx(h, FILE_MAP_WRITE | FILE_MAP_RESERVE, 0, 0, 0x20000, NULL);
    cr_assert_not_null(p);
    cr_assert_eq(query(p).RegionSize, 0x5000);
    cr_assert_eq(query(p + 0x5000).State, MEM_RESERVE);
    cr_assert_eq(p[0x4fff], 9);
    cr_assert(UnmapViewOfFile(p));
    CloseHandle(h);
    /* Only a file's view is reserved, and only of a section that can grow its file. */
    h = pagefile(0x10000, PAGE_READWRITE, SEC_COMMIT);
    p = NULL, size = 0;
    cr_assert_eq(map(h, (void **)&p, 0, &size, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_9);
    cr_assert_null(MapViewOfFileEx(h, FILE_MAP_WRITE | FILE_MAP_RESERVE, 0, 0, 0, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    CloseHandle(h);
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READONLY, SEC_COMMIT, f), STATUS_SUCCESS);
    cr_assert_eq(map(h, (void **)&p, 0, &size, MEM_RESERVE, PAGE_READONLY), STATUS_SECTION_PROTECTION);
    cr_assert_null(p);
    CloseHandle(h), CloseHandle(f);
    unlink(path);
}

/* ---- NtMapViewOfSection ---- */

Test(nt_section, map_writes_back_base_and_size)
{
    HANDLE h = pagefile(0x30000, PAGE_READWRITE, SEC_COMMIT);
    void *p = NULL;
    SIZE_T size = 0;
    cr_assert_eq(map(h, &p, 0, &size, 0, PAGE_READWRITE), STATUS_SUCCESS);
    cr_assert_eq((uintptr_t)p % GRAN, 0);
    cr_assert_eq(size, 0x30000);
    MEMORY_BASIC_INFORMATION m = query(p);
    cr_assert_eq(m.Type, MEM_MAPPED);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 0x30000);
    void *q = NULL;
    size = 0x1001;
    cr_assert_eq(map(h, &q, 0x10000, &size, 0, PAGE_WRITECOPY), STATUS_SUCCESS);
    cr_assert_eq(size, 0x2000);
    cr_assert_eq(query(q).Protect, PAGE_WRITECOPY);
    ((char *)p)[0x10000] = 'x';
    cr_assert_eq(((char *)q)[0], 'x', "views of one section share its pages");
    cr_assert_eq(NtUnmapViewOfSection(SELF, (char *)q + 0x1234), STATUS_SUCCESS); /* any address in it */
    cr_assert_eq(query(q).State, MEM_FREE);
    /* MEM_TOP_DOWN goes above an ordinary placement */
    q = NULL, size = 0;
    cr_assert_eq(map(h, &q, 0, &size, MEM_TOP_DOWN, PAGE_READONLY), STATUS_SUCCESS);
    cr_assert_gt((uintptr_t)q, (uintptr_t)p);
    cr_assert_eq(NtUnmapViewOfSection(SELF, q), STATUS_SUCCESS);
    /* zero bits: a mask with 36 leading zeros keeps the view below 2^28 */
    q = NULL, size = 0;
    NTSTATUS st = NtMapViewOfSection(h, SELF, &q, 0x0fffffff, 0, NULL, &size, ViewUnmap, 0, PAGE_READONLY);
    cr_assert(st == STATUS_SUCCESS || st == (NTSTATUS)STATUS_NO_MEMORY, "%#x", (unsigned)st);
    if (st == STATUS_SUCCESS) {
        cr_assert_leq((uintptr_t)q + size, 0x10000000);
        cr_assert_eq(NtUnmapViewOfSection(SELF, q), STATUS_SUCCESS);
    }
    cr_assert_eq(NtUnmapViewOfSection(SELF, p), STATUS_SUCCESS);
    CloseHandle(h);
}

Test(nt_section, map_refuses_bad_arguments_and_changes_nothing)
{
    HANDLE h = pagefile(0x20000, PAGE_READWRITE, SEC_COMMIT);
    char *p = view(h, 0, PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION before = query(p);
    struct {
        uintptr_t base;
        ULONGLONG off;
        SIZE_T size;
        ULONG_PTR zero_bits;
        SECTION_INHERIT inherit;
        ULONG type, prot;
        NTSTATUS want;
    } bad[] = {
        {0, 0, 0, 22, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_4},
        {0, 0, 0, 0, ViewShare, AT_ROUND_TO_PAGE, PAGE_READWRITE, STATUS_INVALID_PARAMETER_9},
        {0, 0, 0, 0, ViewShare, MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_PARAMETER_9},
        {0, 0, 0, 0, (SECTION_INHERIT)0, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_8},
        {0, 0, 0, 0, (SECTION_INHERIT)3, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_8},
        {0, 0, 0, 0, ViewShare, 0, PAGE_READWRITE | PAGE_GUARD, STATUS_INVALID_PAGE_PROTECTION},
        {0, 0, 0, 0, ViewShare, 0, 0, STATUS_INVALID_PAGE_PROTECTION},
        {0, 0, 0, 0, ViewShare, 0, PAGE_EXECUTE | PAGE_NOACCESS, STATUS_INVALID_PAGE_PROTECTION},
        {0, 0, 0, 0, ViewShare, 0, PAGE_EXECUTE_READ | PAGE_READONLY, STATUS_INVALID_PAGE_PROTECTION},
        {0, 1, 0, 0, ViewShare, 0, PAGE_READWRITE, STATUS_MAPPED_ALIGNMENT},
        {0, 0x1000, 0, 0, ViewShare, 0, PAGE_READWRITE, STATUS_MAPPED_ALIGNMENT},
        {(uintptr_t)p + 42, 0, 0, 0, ViewShare, 0, PAGE_READWRITE, STATUS_MAPPED_ALIGNMENT},
        {(uintptr_t)p + 0x1000, 0, 0, 0, ViewShare, 0, PAGE_READWRITE, STATUS_MAPPED_ALIGNMENT},
        {(uintptr_t)p, 0, 0, 0, ViewShare, 0, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES},
        {0, 0, 0x20001, 0, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_VIEW_SIZE},
        {0, 0x20000, 0, 0, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER},
        {0, 0x10000, 0x10001, 0, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_VIEW_SIZE},
        {0x7fffffff0000, 0, 0, 0, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_3},
        {0x10000000, 0, 0, 12, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_4},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        void *b = (void *)bad[i].base;
        SIZE_T size = bad[i].size;
        LARGE_INTEGER off = {.QuadPart = (LONGLONG)bad[i].off};
        NTSTATUS st = NtMapViewOfSection(h, SELF, &b, bad[i].zero_bits, 0, &off, &size, bad[i].inherit, bad[i].type,
                                         bad[i].prot);
        cr_assert_eq(st, bad[i].want, "%zu: %#x", i, (unsigned)st);
        cr_assert_eq(b, (void *)bad[i].base, "%zu: base written", i);
        cr_assert_eq(size, bad[i].size, "%zu: size written", i);
    }
    void *b = NULL;
    SIZE_T size = 0;
    cr_assert_eq(NtMapViewOfSection(h, NULL, &b, 0, 0, NULL, &size, ViewShare, 0, PAGE_READWRITE), STATUS_INVALID_HANDLE);
    cr_assert_eq(NtMapViewOfSection(BAD_HANDLE, SELF, &b, 0, 0, NULL, &size, ViewShare, 0, PAGE_READWRITE),
                 STATUS_INVALID_HANDLE);
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    cr_assert_eq(NtMapViewOfSection(ev, SELF, &b, 0, 0, NULL, &size, ViewShare, 0, PAGE_READWRITE),
                 STATUS_OBJECT_TYPE_MISMATCH);
    CloseHandle(ev);
    cr_assert_eq(NtMapViewOfSection(h, SELF, (PVOID *)8, 0, 0, NULL, &size, ViewShare, 0, PAGE_READWRITE),
                 STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtMapViewOfSection(h, SELF, &b, 0, 0, (PLARGE_INTEGER)8, &size, ViewShare, 0, PAGE_READWRITE),
                 STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtMapViewOfSection(h, SELF, &b, 0, 0x30000, NULL, &size, ViewShare, 0, PAGE_READWRITE),
                 STATUS_INVALID_PARAMETER_5);
    cr_assert_null(b);
    MEMORY_BASIC_INFORMATION after = query(p);
    cr_assert(after.BaseAddress == before.BaseAddress && after.RegionSize == before.RegionSize &&
              after.Protect == before.Protect && after.State == before.State);
    /* A view needing rights the section's protection does not give. */
    HANDLE ro = pagefile(0x10000, PAGE_READONLY, SEC_COMMIT);
    cr_assert_eq(NtMapViewOfSection(ro, SELF, &b, 0, 0, NULL, &size, ViewShare, 0, PAGE_READWRITE),
                 STATUS_SECTION_PROTECTION);
    cr_assert_eq(NtMapViewOfSection(ro, SELF, &b, 0, 0, NULL, &size, ViewShare, 0, PAGE_EXECUTE_READ),
                 STATUS_SECTION_PROTECTION);
    cr_assert_null(b);
    CloseHandle(ro);
    cr_assert_eq(NtUnmapViewOfSection(SELF, p), STATUS_SUCCESS);
    CloseHandle(h);
}

Test(nt_section, commit_size_commits_a_reserved_view)
{
    HANDLE h = pagefile(0x40000, PAGE_READWRITE, SEC_RESERVE);
    void *p = NULL;
    SIZE_T size = 0;
    cr_assert_eq(NtMapViewOfSection(h, SELF, &p, 0, 0x1800, NULL, &size, ViewUnmap, 0, PAGE_READWRITE), STATUS_SUCCESS);
    MEMORY_BASIC_INFORMATION m = query(p);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.RegionSize, 0x2000);
    cr_assert_eq(query((char *)p + 0x2000).State, MEM_RESERVE);
    ((char *)p)[0x1fff] = 1;
    cr_assert_eq(NtUnmapViewOfSection(SELF, p), STATUS_SUCCESS);
    CloseHandle(h);
}

/* ---- NtUnmapViewOfSection(Ex) ---- */

Test(nt_section, unmap_statuses)
{
    HANDLE h = pagefile(0x10000, PAGE_READWRITE, SEC_COMMIT);
    char *p = view(h, 0, PAGE_READWRITE);
    char *priv = VirtualAlloc(NULL, 0x1000, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    cr_assert_eq(NtUnmapViewOfSection(SELF, priv), STATUS_NOT_MAPPED_VIEW);
    cr_assert_eq(NtUnmapViewOfSection(SELF, NULL), STATUS_NOT_MAPPED_VIEW);
    cr_assert_eq(NtUnmapViewOfSection(NULL, p), STATUS_INVALID_HANDLE);
    cr_assert_eq(NtUnmapViewOfSectionEx(SELF, p, 4), STATUS_INVALID_PARAMETER_3, "an unknown flag");
    cr_assert_eq(NtUnmapViewOfSectionEx(SELF, p, MEM_PRESERVE_PLACEHOLDER), STATUS_NOT_MAPPED_VIEW,
                 "the view replaced no placeholder");
    cr_assert_eq(query(p).Type, MEM_MAPPED, "and stays");
    cr_assert_eq(NtUnmapViewOfSectionEx(SELF, p, MEM_UNMAP_WITH_TRANSIENT_BOOST), STATUS_SUCCESS);
    cr_assert_eq(query(p).State, MEM_FREE);
    cr_assert_eq(NtUnmapViewOfSectionEx(SELF, p, 0), STATUS_NOT_MAPPED_VIEW);
    VirtualFree(priv, 0, MEM_RELEASE);
    CloseHandle(h);
}

/* ---- NtAreMappedFilesTheSame ---- */

Test(nt_section, mapped_files_the_same)
{
    HANDLE h = pagefile(0x10000, PAGE_READWRITE, SEC_COMMIT);
    char *p = view(h, 0, PAGE_READONLY), *q = view(h, 0, PAGE_READONLY);
    char *priv = VirtualAlloc(NULL, 0x10000, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(NtAreMappedFilesTheSame(p, p + 30), STATUS_SUCCESS);
    cr_assert_eq(NtAreMappedFilesTheSame(p, q), STATUS_NOT_SAME_DEVICE);
    cr_assert_eq(NtAreMappedFilesTheSame(p, priv), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(NtAreMappedFilesTheSame(p, NULL), STATUS_INVALID_ADDRESS);
    cr_assert_eq(NtAreMappedFilesTheSame(NULL, NULL), STATUS_INVALID_ADDRESS);
    cr_assert_eq(RtlNtStatusToDosError(STATUS_NOT_SAME_DEVICE), ERROR_NOT_SAME_DEVICE);
    VirtualFree(priv, 0, MEM_RELEASE);
    NtUnmapViewOfSection(SELF, p), NtUnmapViewOfSection(SELF, q);
    CloseHandle(h);
}

/* ---- NtQueryVirtualMemory: the working-set list and images ---- */

static const MEMORY_WORKING_SET_BLOCK *ws_find(const MEMORY_WORKING_SET_INFORMATION *w, const void *p)
{
    for (ULONG_PTR i = 0; i < w->NumberOfEntries; i++)
        if (w->WorkingSetInfo[i].VirtualPage == (uintptr_t)p / PAGE)
            return &w->WorkingSetInfo[i];
    return NULL;
}

Test(nt_section, working_set_lists_resident_pages)
{
    size_t cap = 1 << 24;
    MEMORY_WORKING_SET_INFORMATION *w = malloc(cap);
    char *p = VirtualAlloc(NULL, 0x4000, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    HANDLE h = pagefile(0x10000, PAGE_READWRITE, SEC_COMMIT);
    char *v = view(h, 0, PAGE_READONLY);
    p[0] = 1, p[0x2000] = 1;
    (void)*(volatile char *)v;
    SIZE_T len = 0;
    cr_assert_eq(NtQueryVirtualMemory(SELF, NULL, MemoryWorkingSetInformation, w, cap, &len), STATUS_SUCCESS);
    cr_assert_eq(len, sizeof(ULONG_PTR) + w->NumberOfEntries * sizeof(MEMORY_WORKING_SET_BLOCK));
    const MEMORY_WORKING_SET_BLOCK *a = ws_find(w, p), *c = ws_find(w, p + 0x2000), *s = ws_find(w, v);
    cr_assert(a && c, "written pages are in the working set");
    cr_assert_null(ws_find(w, p + 0x1000), "an untouched page is not");
    cr_assert_eq(a->Protection, 4); /* read-write */
    cr_assert_eq(a->Shared, 0);
    cr_assert(s, "a read page of a view is in the working set");
    cr_assert_eq(s->Protection, 1); /* read-only */
    cr_assert_eq(s->Shared, 1);
    cr_assert_geq(s->ShareCount, 1);
    ULONG_PTR total = w->NumberOfEntries;
    MEMORY_WORKING_SET_INFORMATION small;
    cr_assert_eq(NtQueryVirtualMemory(SELF, NULL, MemoryWorkingSetInformation, &small, sizeof(small), &len),
                 STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_gt(small.NumberOfEntries, 1);
    cr_assert_lt(small.NumberOfEntries, total + 64);
    cr_assert_eq(NtQueryVirtualMemory(SELF, NULL, MemoryWorkingSetInformation, &small, sizeof(ULONG_PTR), &len),
                 STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(NtQueryVirtualMemory(SELF, NULL, MemoryWorkingSetInformation, (void *)8, 4096, &len),
                 STATUS_ACCESS_VIOLATION);
    MEMORY_IMAGE_INFORMATION mi;
    cr_assert_eq(NtQueryVirtualMemory(SELF, p, MemoryImageInformation, &mi, sizeof(mi), NULL), STATUS_INVALID_ADDRESS);
    cr_assert_eq(NtQueryVirtualMemory(SELF, v, MemoryImageInformation, &mi, sizeof(mi), NULL), STATUS_INVALID_ADDRESS);
    cr_assert_eq(NtQueryVirtualMemory(SELF, p, MemoryImageInformation, &mi, sizeof(mi) - 1, NULL),
                 STATUS_INFO_LENGTH_MISMATCH);
    NtUnmapViewOfSection(SELF, v);
    CloseHandle(h);
    VirtualFree(p, 0, MEM_RELEASE);
    free(w);
}

/* ---- from PE code, and two processes ---- */

Test(nt_section, pe_program_and_a_child_process_share_a_named_section)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "WINVM_CACHE_DIR=" TU_RUN_CACHE " %s run %s/ntsect.exe 2>&1", WINVM_CLI,
             WINVM_PE_IMAGES);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char out[8192];
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = 0;
    int st = pclose(f);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ntsect.exe: %s", out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    int oks = 0;
    for (const char *p = out; (p = strstr(p, "ok ")); p += 3)
        oks++;
    cr_assert_eq(oks, 14, "%s", out);
}
