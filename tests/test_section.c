/* SPDX-License-Identifier: MIT */
/* test_section.c - sections and views in one process: sharing, write-copy, access rules. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <string.h>

static HANDLE pagefile(DWORD protect, SIZE_T size)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, protect, 0, (DWORD)size, NULL);
    cr_assert_not_null(h, "CreateFileMapping: %u", GetLastError());
    return h;
}

Test(section, write_views_share_bytes)
{
    HANDLE h = pagefile(PAGE_READWRITE, 4 * PAGE);
    char *a = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    char *b = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    cr_assert(a && b && a != b);
    strcpy(a + PAGE, "shared");
    cr_assert_str_eq(b + PAGE, "shared");
    MEMORY_BASIC_INFORMATION m = tu_query(a);
    cr_assert_eq(m.Type, MEM_MAPPED);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 4 * PAGE);
    cr_assert_eq(tu_query(b).Protect, PAGE_READONLY);
    cr_assert(tu_write_faults(b));
    cr_assert(UnmapViewOfFile(a + 5));
    cr_assert(UnmapViewOfFile(b));
    cr_assert(CloseHandle(h));
}

Test(section, copy_view_writes_are_private_and_reported_page_by_page)
{
    HANDLE h = pagefile(PAGE_READWRITE, 4 * PAGE);
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    char *c = MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0);
    strcpy(w + PAGE, "original");
    cr_assert_str_eq(c + PAGE, "original");
    cr_assert_eq(tu_query(c).Protect, PAGE_WRITECOPY);
    cr_assert_eq(tu_query(c).RegionSize, 4 * PAGE);
    strcpy(c + PAGE, "copy");
    cr_assert_str_eq(w + PAGE, "original", "a copy-view write reached the section");
    MEMORY_BASIC_INFORMATION m = tu_query(c + PAGE);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, PAGE);
    cr_assert_eq(m.AllocationProtect, PAGE_WRITECOPY);
    cr_assert_eq(tu_query(c).Protect, PAGE_WRITECOPY);
    cr_assert_eq(tu_query(c).RegionSize, PAGE);
    cr_assert_eq(tu_query(c + 2 * PAGE).Protect, PAGE_WRITECOPY);
    /* protecting the copied page back to WRITECOPY reads back READWRITE */
    DWORD old;
    cr_assert(VirtualProtect(c + PAGE, PAGE, PAGE_WRITECOPY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert_eq(tu_query(c + PAGE).Protect, PAGE_READWRITE);
    /* a copy view may not become writable */
    SetLastError(0);
    cr_assert_not(VirtualProtect(c, PAGE, PAGE_READWRITE, &old));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    UnmapViewOfFile(w);
    UnmapViewOfFile(c);
    CloseHandle(h);
}

Test(section, writecopy_on_a_write_view_keeps_writes_private)
{
    HANDLE h = pagefile(PAGE_READWRITE, 2 * PAGE);
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    char *r = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    strcpy(w, "before");
    DWORD old;
    cr_assert(VirtualProtect(w, PAGE, PAGE_WRITECOPY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert_eq(tu_query(w).Protect, PAGE_WRITECOPY);
    cr_assert_str_eq(w, "before");
    strcpy(w, "after");
    cr_assert_str_eq(r, "before", "a write-copy page wrote through to the section");
    cr_assert_eq(tu_query(w).Protect, PAGE_READWRITE);
    /* the neighbour is still shared */
    strcpy(w + PAGE, "neighbour");
    cr_assert_str_eq(r + PAGE, "neighbour");
    UnmapViewOfFile(w);
    UnmapViewOfFile(r);
    CloseHandle(h);
}

Test(section, access_rules)
{
    HANDLE ro = pagefile(PAGE_READONLY, PAGE);
    SetLastError(0);
    cr_assert_null(MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, 0));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    char *c = MapViewOfFile(ro, FILE_MAP_COPY, 0, 0, 0);
    cr_assert_not_null(c, "FILE_MAP_COPY needs only read");
    cr_assert_null(MapViewOfFile(ro, FILE_MAP_READ | FILE_MAP_EXECUTE, 0, 0, 0));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    SetLastError(0);
    cr_assert_null(MapViewOfFile(ro, FILE_MAP_READ, 0, 0x1000, 0));
    cr_assert_eq(GetLastError(), ERROR_MAPPED_ALIGNMENT);
    /* a pagefile view takes a commit as a protection change within its rights (Wine's
     * test_mapping); a file-backed view refuses it (test_section_rules) */
    cr_assert_eq(VirtualAlloc(c, PAGE, MEM_COMMIT, PAGE_READONLY), c);
    cr_assert_eq(tu_query(c).Protect, PAGE_READONLY);
    SetLastError(0);
    cr_assert_null(VirtualAlloc(c, PAGE, MEM_COMMIT, PAGE_READWRITE));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    UnmapViewOfFile(c);
    CloseHandle(ro);
    SetLastError(0);
    cr_assert_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_NOACCESS, 0, PAGE, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
}

Test(section, unmap_refuses_private_memory_and_views_outlive_handles)
{
    void *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    SetLastError(0);
    cr_assert_not(UnmapViewOfFile(p));
    cr_assert_eq(GetLastError(), ERROR_INVALID_ADDRESS);
    VirtualFree(p, 0, MEM_RELEASE);
    HANDLE h = pagefile(PAGE_READWRITE, PAGE);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert(CloseHandle(h));
    SetLastError(0);
    cr_assert_not(CloseHandle(h));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    strcpy(v, "alive");
    cr_assert_str_eq(v, "alive");
    cr_assert(UnmapViewOfFile(v));
    cr_assert_eq(tu_query(v).State, MEM_FREE);
}

Test(section, named_section_is_found_again_with_already_exists)
{
    HANDLE a = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, "winvm-test-named");
    cr_assert_not_null(a);
    cr_assert_eq(GetLastError(), ERROR_SUCCESS);
    HANDLE b = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, "winvm-test-named");
    cr_assert_not_null(b);
    cr_assert_eq(GetLastError(), ERROR_ALREADY_EXISTS);
    HANDLE c = OpenFileMappingA(FILE_MAP_READ, FALSE, "winvm-test-named");
    cr_assert_not_null(c);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, "WINVM-TEST-NAMED"), "names are case-sensitive");
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    char *wa = MapViewOfFile(a, FILE_MAP_WRITE, 0, 0, 0);
    char *rc = MapViewOfFile(c, FILE_MAP_READ, 0, 0, 0);
    strcpy(wa, "by name");
    cr_assert_str_eq(rc, "by name");
    SetLastError(0);
    cr_assert_null(MapViewOfFile(c, FILE_MAP_WRITE, 0, 0, 0), "a read handle cannot map for write");
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    CloseHandle(a), CloseHandle(b), CloseHandle(c);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, "winvm-test-named"),
                   "the name outlived its last handle");
    cr_assert_str_eq(rc, "by name", "views keep the section");
    UnmapViewOfFile(wa), UnmapViewOfFile(rc);
}

Test(section, wide_names_are_the_same_names)
{
    static const WCHAR wname[] = {'w', 'v', '-', 0x00e9, 0xd83d, 0xde00, 0}; /* "wv-é😀" */
    HANDLE a = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, wname);
    cr_assert_not_null(a);
    HANDLE b = OpenFileMappingA(FILE_MAP_READ, FALSE, "wv-\xc3\xa9\xf0\x9f\x98\x80");
    cr_assert_not_null(b, "the UTF-8 spelling names the same section");
    HANDLE c = OpenFileMappingW(FILE_MAP_READ, FALSE, wname);
    cr_assert_not_null(c);
    /* A lone surrogate is a name of its own (Windows compares UTF-16 units), not U+FFFD's. */
    static const WCHAR lone[] = {'w', 'v', '-', 'x', 0xd800, 0};
    HANDLE d = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, lone);
    cr_assert_not_null(d);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, "wv-x\xef\xbf\xbd"));
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    HANDLE e = OpenFileMappingW(FILE_MAP_READ, FALSE, lone);
    cr_assert_not_null(e);
    CloseHandle(a), CloseHandle(b), CloseHandle(c), CloseHandle(d), CloseHandle(e);
}

static void touch_read(void *p) { (void)*(volatile char *)p; }

Test(section, sec_reserve_views_share_their_commits)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0,
                                  8 * PAGE, NULL);
    cr_assert_not_null(h, "SEC_RESERVE: %u", GetLastError());
    char *a = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    char *b = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    cr_assert(a && b);
    MEMORY_BASIC_INFORMATION m = tu_query(a);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.Protect, 0);
    cr_assert_eq(m.RegionSize, 8 * PAGE);
    cr_assert_eq(m.Type, MEM_MAPPED);
    cr_assert_eq(winvm_try(touch_read, b + PAGE, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(VirtualAlloc(a + PAGE + 5, 2 * PAGE, MEM_COMMIT, PAGE_READWRITE), a + PAGE);
    m = tu_query(a + PAGE);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 3 * PAGE, "pages 1..3 committed (rounded to pages)");
    strcpy(a + PAGE, "committed through a");
    /* the other view sees the commit, with its own protection, and the bytes */
    m = tu_query(b + PAGE);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_str_eq(b + PAGE, "committed through a");
    cr_assert_eq(tu_query(b).State, MEM_RESERVE);
    /* a read view cannot commit for write */
    SetLastError(0);
    cr_assert_null(VirtualAlloc(b + 5 * PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    UnmapViewOfFile(a), UnmapViewOfFile(b);
    CloseHandle(h);
}

Test(section, views_are_not_decommitted_and_commit_sets_protection_on_pagefile_views)
{
    HANDLE h = pagefile(PAGE_READWRITE, 2 * PAGE);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    strcpy(v, "kept");
    SetLastError(0);
    cr_assert_not(VirtualFree(v, 0, MEM_DECOMMIT));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_eq(tu_query(v).State, MEM_COMMIT);
    cr_assert_eq(VirtualAlloc(v, PAGE, MEM_COMMIT, PAGE_READONLY), v);
    cr_assert_eq(tu_query(v).Protect, PAGE_READONLY);
    cr_assert_eq(tu_query(v).RegionSize, PAGE);
    cr_assert_str_eq(v, "kept");
    cr_assert(tu_write_faults(v));
    SetLastError(0);
    cr_assert_null(VirtualAlloc(v, PAGE, MEM_COMMIT, PAGE_EXECUTE_READ), "beyond the view's rights");
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    UnmapViewOfFile(v);
    CloseHandle(h);
}

Test(section, sec_nocache_shows_on_every_view)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE,
                                  0, 2 * PAGE, NULL);
    cr_assert_not_null(h);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    MEMORY_BASIC_INFORMATION m = tu_query(v);
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE | PAGE_NOCACHE);
    DWORD old;
    cr_assert(VirtualProtect(v, PAGE, PAGE_READONLY, &old));
    cr_assert_eq(old, PAGE_READWRITE | PAGE_NOCACHE);
    cr_assert_eq(tu_query(v).Protect, PAGE_READONLY | PAGE_NOCACHE);
    UnmapViewOfFile(v);
    CloseHandle(h);
}

#include <stdlib.h>
#include <unistd.h>

Test(section, a_view_of_a_truncated_file_raises_in_page_error)
{
    char path[] = "/tmp/winvm-trunc-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(ftruncate(fd, 2 * PAGE), 0);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    cr_assert_not_null(h);
    char *v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(v);
    cr_assert_eq(ftruncate(fd, PAGE), 0); /* the second page no longer exists in the file */
    EXCEPTION_RECORD rec;
    cr_assert_eq(winvm_try(touch_read, v, &rec), 0);
    cr_assert_eq(winvm_try(touch_read, v + PAGE, &rec), STATUS_IN_PAGE_ERROR);
    cr_assert_eq(rec.NumberParameters, 3);
    cr_assert_eq(rec.ExceptionInformation[0], 0);
    cr_assert_eq(rec.ExceptionInformation[1], (ULONG_PTR)(v + PAGE));
    UnmapViewOfFile(v);
    CloseHandle(h);
    CloseHandle(f);
    close(fd);
    unlink(path);
}
