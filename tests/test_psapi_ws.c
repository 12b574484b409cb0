/* SPDX-License-Identifier: MIT */
/* test_psapi_ws.c - QueryWorkingSet, EmptyWorkingSet and GetPerformanceInfo (psapi; kernel32's
 * K32 forms are the same functions).  Facts: Wine's dlls/psapi/tests/psapi_main.c, run on
 * Windows: a short buffer is ERROR_BAD_LENGTH with the count written, a trimmed page leaves the
 * working set and comes back with its contents when touched. */
#include "testutil.h"
#include <winvm/psapi.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SELF GetCurrentProcess()

static const PSAPI_WORKING_SET_BLOCK *find(const PSAPI_WORKING_SET_INFORMATION *w, const void *p)
{
    for (ULONG_PTR i = 0; i < w->NumberOfEntries; i++)
        if (w->WorkingSetInfo[i].VirtualPage == (uintptr_t)p / PAGE)
            return &w->WorkingSetInfo[i];
    return NULL;
}

static bool valid(const void *p)
{
    PSAPI_WORKING_SET_EX_INFORMATION i = {.VirtualAddress = (void *)p};
    cr_assert(QueryWorkingSetEx(SELF, &i, sizeof(i)));
    return i.VirtualAttributes.Valid;
}

Test(psapi_ws, query_working_set)
{
    DWORD cap = 1 << 24;
    PSAPI_WORKING_SET_INFORMATION *w = malloc(cap);
    char *p = VirtualAlloc(NULL, 0x3000, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    p[0x1000] = 1;
    cr_assert(QueryWorkingSet(SELF, w, cap), "QueryWorkingSet: %u", GetLastError());
    const PSAPI_WORKING_SET_BLOCK *b = find(w, p + 0x1000);
    cr_assert_not_null(b);
    cr_assert_eq(b->Protection, 4);
    cr_assert_eq(b->Shared, 0);
    cr_assert_null(find(w, p));
    ULONG_PTR n = w->NumberOfEntries;
    PSAPI_WORKING_SET_INFORMATION one;
    one.NumberOfEntries = 0;
    SetLastError(SENTINEL);
    cr_assert_not(QueryWorkingSet(SELF, &one, sizeof(one)));
    EXPECT_ERR(ERROR_BAD_LENGTH);
    cr_assert_gt(one.NumberOfEntries, 1);
    cr_assert_lt(one.NumberOfEntries, n + 64);
    SetLastError(SENTINEL);
    cr_assert_not(QueryWorkingSet(SELF, &one, 4));
    EXPECT_ERR(ERROR_BAD_LENGTH);
    SetLastError(SENTINEL);
    cr_assert_not(QueryWorkingSet(NULL, w, cap));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    VirtualFree(p, 0, MEM_RELEASE);
    free(w);
}

Test(psapi_ws, empty_working_set_drops_file_pages_and_keeps_contents)
{
    char path[] = "winvm-emptyws-XXXXXX"; /* the build tree: a disk file system, not tmpfs */
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    char page[4096];
    memset(page, 'f', sizeof(page));
    for (int i = 0; i < 4; i++)
        cr_assert_eq(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
    cr_assert_eq(fsync(fd), 0); /* clean pages: reclaim need not write them */
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ);
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    const char *v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(v);
    char *priv = VirtualAlloc(NULL, 0x1000, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    priv[7] = 'p';
    cr_assert_eq(*(volatile const char *)(v + 0x2000), 'f');
    cr_assert(valid(v + 0x2000));
    cr_assert(EmptyWorkingSet(SELF), "EmptyWorkingSet: %u", GetLastError());
    cr_assert_not(valid(v + 0x2000), "a clean file page mapped only here left the working set");
    cr_assert_eq(*(volatile const char *)(v + 0x2000), 'f');
    cr_assert(valid(v + 0x2000), "touched again, it is back");
    cr_assert_eq(priv[7], 'p', "a private page keeps its contents");
    SetLastError(SENTINEL);
    cr_assert_not(EmptyWorkingSet(NULL));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    UnmapViewOfFile(v);
    CloseHandle(m), CloseHandle(f);
    VirtualFree(priv, 0, MEM_RELEASE);
    close(fd);
    unlink(path);
}

Test(psapi_ws, performance_info)
{
    PERFORMANCE_INFORMATION p;
    SetLastError(SENTINEL);
    cr_assert_not(GetPerformanceInfo(&p, sizeof(p) - 1));
    EXPECT_ERR(ERROR_BAD_LENGTH);
    SetLastError(SENTINEL);
    cr_assert_not(GetPerformanceInfo((PPERFORMANCE_INFORMATION)8, sizeof(p)));
    EXPECT_ERR(ERROR_NOACCESS);
    memset(&p, 0, sizeof(p));
    cr_assert(GetPerformanceInfo(&p, sizeof(p)), "%u", GetLastError());
    cr_assert_eq(p.cb, sizeof(p));
    cr_assert_eq(p.PageSize, 4096);
    MEMORYSTATUSEX s = {.dwLength = sizeof(s)};
    cr_assert(GlobalMemoryStatusEx(&s));
    cr_assert_eq(p.PhysicalTotal * p.PageSize, s.ullTotalPhys);
    cr_assert_gt(p.PhysicalAvailable, 0);
    cr_assert_leq(p.PhysicalAvailable, p.PhysicalTotal);
    cr_assert_gt(p.CommitTotal, 0);
    cr_assert_gt(p.CommitLimit, 0);
    cr_assert_geq(p.CommitPeak, p.CommitTotal);
    cr_assert_eq(p.KernelTotal, p.KernelPaged + p.KernelNonpaged);
    cr_assert_geq(p.ProcessCount, 1);
    cr_assert_geq(p.ThreadCount, p.ProcessCount);
    cr_assert_gt(p.HandleCount, 0);
}
