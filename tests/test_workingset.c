/* SPDX-License-Identifier: MIT */
/* test_workingset.c - QueryWorkingSetEx (facts: Wine's dlls/psapi/tests/psapi_main.c, run on
 * Windows), two real processes sharing a pagefile section's frames, GetProcessMemoryInfo,
 * GlobalMemoryStatusEx and GetMappedFileName. */
#include "testutil.h"
#include <winvm/psapi.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SELF GetCurrentProcess()

static MEMORY_WORKING_SET_EX_BLOCK ws(const void *p)
{
    PSAPI_WORKING_SET_EX_INFORMATION i;
    memset(&i, 0x41, sizeof(i));
    i.VirtualAddress = (void *)p;
    cr_assert(QueryWorkingSetEx(SELF, &i, sizeof(i)), "QueryWorkingSetEx: %u", GetLastError());
    return i.VirtualAttributes;
}

static bool kpagecount_readable(void)
{
    int fd = open("/proc/kpagecount", O_RDONLY);
    uint64_t c;
    bool ok = fd >= 0 && pread(fd, &c, 8, 0) == 8;
    if (fd >= 0)
        close(fd);
    return ok;
}

Test(workingset, lengths_and_handles)
{
    PSAPI_WORKING_SET_EX_INFORMATION info[2] = {0};
    SIZE_T len = 0xdeadbeef;
    cr_assert_eq(NtQueryVirtualMemory(SELF, NULL, MemoryWorkingSetExInformation, info, 0, &len), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(len, 0xdeadbeef);
    SetLastError(SENTINEL);
    cr_assert_not(QueryWorkingSetEx(SELF, info, 0));
    EXPECT_ERR(ERROR_BAD_LENGTH);
    /* One and a half entries: one is filled, and the length given comes back (64-bit). */
    cr_assert_eq(NtQueryVirtualMemory(SELF, NULL, MemoryWorkingSetExInformation, info, sizeof(info[0]) * 3 / 2, &len), STATUS_SUCCESS);
    cr_assert_eq(len, sizeof(info[0]) * 3 / 2);
    cr_assert_eq(info[0].VirtualAttributes.Valid, 0);
    SetLastError(SENTINEL);
    cr_assert_not(QueryWorkingSetEx(NULL, info, sizeof(info)));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    SetLastError(SENTINEL);
    cr_assert_not(QueryWorkingSetEx(SELF, (void *)8, sizeof(info)));
    EXPECT_ERR(ERROR_NOACCESS);
}

Test(workingset, private_pages)
{
    char *p = VirtualAlloc(NULL, 0x2000, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    MEMORY_WORKING_SET_EX_BLOCK b = ws(p);
    cr_assert_eq(b.Valid, 0, "never touched: not in the working set");
    cr_assert_eq(b.Shared, 0);
    cr_assert_eq(b.ShareCount, 0);
    p[0] = 0x42;
    b = ws(p);
    cr_assert_eq(b.Valid, 1);
    cr_assert_eq(b.Win32Protection, PAGE_READWRITE);
    cr_assert_eq(b.Shared, 0);
    cr_assert_eq(b.ShareCount, 0);
    cr_assert_eq(b.Node, 0);
    cr_assert_eq(b.LargePage, 0);
    cr_assert_eq(b.Bad, 0);
    cr_assert_eq(b.Locked, 0);
    cr_assert(VirtualLock(p, 1));
    cr_assert_eq(ws(p).Locked, 1);
    cr_assert(VirtualUnlock(p, 1));
    DWORD old;
    cr_assert(VirtualProtect(p, 0x1000, PAGE_NOACCESS, &old));
    b = ws(p);
    cr_assert_eq(b.Valid, 0);
    cr_assert_eq(b.Win32Protection, 0);
    cr_assert(VirtualProtect(p, 0x1000, PAGE_READONLY, &old));
    cr_assert_eq(ws(p).Win32Protection, PAGE_READONLY);
    /* Several entries, in any order; a released page is not valid. */
    PSAPI_WORKING_SET_EX_INFORMATION info[3] = {{p + 0x1000, {0}}, {p, {0}}, {(void *)0x7fff0000, {0}}};
    cr_assert(QueryWorkingSetEx(SELF, info, sizeof(info)));
    cr_assert_eq(info[0].VirtualAttributes.Valid, 0);
    cr_assert_eq(info[1].VirtualAttributes.Valid, 1);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    cr_assert_eq(ws(p).Valid, 0);
}

/* One call over runs of pages that cross from one allocation into the next, with repeats, a
 * section's page, memory winvm does not manage and addresses past the user range: each entry
 * gets what a call for it alone gets (the call works run by run). */
Test(workingset, one_call_many_runs_matches_one_page_calls)
{
    char *a = VirtualAlloc(NULL, 0x20000, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert(a);
    cr_assert(VirtualFree(a, 0, MEM_RELEASE));
    char *b = a + 0x10000; /* two neighbouring allocations of 16 pages */
    cr_assert_eq(VirtualAlloc(a, 0x10000, MEM_RESERVE, PAGE_READWRITE), a);
    cr_assert_eq(VirtualAlloc(b, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), b);
    cr_assert(VirtualAlloc(a, 0xe000, MEM_COMMIT, PAGE_READWRITE));
    for (int k = 0; k < 12; k++)
        a[k * 0x1000] = (char)k;
    DWORD old;
    cr_assert(VirtualProtect(a + 0x4000, 0x2000, PAGE_READONLY, &old));
    cr_assert(VirtualProtect(a + 0x8000, 0x1000, PAGE_READWRITE | PAGE_GUARD, &old));
    cr_assert(VirtualLock(a + 0xa000, 0x1000));
    b[0] = b[0x1000] = 1;
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x2000, NULL);
    char *view = MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert(view);
    view[0] = 1;
    int on_stack = 0;
    enum { N = 48 };
    PSAPI_WORKING_SET_EX_INFORMATION info[N];
    int n = 0;
    for (int k = 0; k < 20; k++) /* a's 16 pages and b's first 4: one run over the boundary */
        info[n++].VirtualAddress = a + k * 0x1000 + (k & 7) * 3;
    void *other[] = {b + 0x1000, a + 0x4000, a, view, view + 0x1000, &on_stack, (void *)&ws,
                     (void *)0x7ffffffeffffull, (void *)0x7fffffff0000ull, (void *)0xffff800000000000ull, NULL,
                     a + 0xe000, a + 0xf000, b, b + 0x1000, b + 0x2000, a + 0xa000, a + 0x9000};
    for (size_t k = 0; k < sizeof(other) / sizeof(other[0]); k++)
        info[n++].VirtualAddress = other[k];
    cr_assert(QueryWorkingSetEx(SELF, info, n * sizeof(info[0])), "%u", GetLastError());
    for (int k = 0; k < n; k++) {
        MEMORY_WORKING_SET_EX_BLOCK one = ws(info[k].VirtualAddress);
        cr_assert_eq(info[k].VirtualAttributes.Flags, one.Flags, "entry %d (%p): %#llx in the batch, %#llx alone", k,
                     info[k].VirtualAddress, (unsigned long long)info[k].VirtualAttributes.Flags,
                     (unsigned long long)one.Flags);
    }
    /* And what they are. */
    cr_assert_eq(info[0].VirtualAttributes.Valid, 1);
    cr_assert_eq(info[0].VirtualAttributes.Win32Protection, PAGE_READWRITE);
    cr_assert_eq(info[4].VirtualAttributes.Win32Protection, PAGE_READONLY);
    cr_assert_eq(info[8].VirtualAttributes.Valid, 0, "a guard page is not in the working set");
    cr_assert_eq(info[10].VirtualAttributes.Locked, 1);
    cr_assert_eq(info[12].VirtualAttributes.Valid, 0, "committed, never touched");
    cr_assert_eq(info[14].VirtualAttributes.Valid, 0, "reserved");
    cr_assert_eq(info[16].VirtualAttributes.Valid, 1, "b's first page, touched");
    cr_assert_eq(info[18].VirtualAttributes.Valid, 0, "b's third page, never touched");
    cr_assert_eq(info[23].VirtualAttributes.Shared, 1, "a section's page");
    cr_assert_eq(info[25].VirtualAttributes.Valid, 1, "the stack");
    cr_assert_eq(info[29].VirtualAttributes.Flags, 0, "past the user range");
    cr_assert(VirtualUnlock(a + 0xa000, 0x1000));
    cr_assert(UnmapViewOfFile(view));
    cr_assert(CloseHandle(s));
    cr_assert(VirtualFree(a, 0, MEM_RELEASE));
    cr_assert(VirtualFree(b, 0, MEM_RELEASE));
}

/* Two real processes map one pagefile section: its frames are shared (ShareCount >= 2) until a
 * process writes its copy-on-write view, whose page then becomes its own (Shared 0). */
Test(workingset, sharing_between_processes)
{
    if (!kpagecount_readable())
        cr_skip_test("/proc/kpagecount is not readable (needs CAP_SYS_ADMIN): ShareCount is a lower bound");
    char name[64];
    snprintf(name, sizeof(name), "winvm-ws-%d", (int)getpid());
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x2000, name);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert(v);
    memset(v, 'p', 0x2000);
    MEMORY_WORKING_SET_EX_BLOCK b = ws(v);
    cr_assert_eq(b.Valid, 1);
    cr_assert_eq(b.Shared, 1, "a section's page is shared memory even with one mapping");
    cr_assert_eq(b.ShareCount, 1);
    int up[2], down[2];
    cr_assert(pipe(up) == 0 && pipe(down) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE h2 = OpenFileMappingA(FILE_MAP_COPY, FALSE, name);
        volatile char *c = h2 ? MapViewOfFile(h2, FILE_MAP_COPY, 0, 0, 0) : NULL;
        if (!c)
            _exit(10);
        (void)c[0], (void)c[0x1000];
        char r = 0;
        if (write(up[1], "r", 1) != 1 || read(down[0], &r, 1) != 1)
            _exit(11);
        c[0] = 'c'; /* this process's own copy of page 0 */
        MEMORY_WORKING_SET_EX_BLOCK b0 = ws((const void *)c), b1 = ws((const void *)(c + 0x1000));
        _exit(b0.Valid != 1 ? 12 : b0.Shared != 0 ? 13 : b0.ShareCount != 0 ? 14 : b1.Shared != 1 ? 15
              : b1.ShareCount < 2 ? 16 : 0);
    }
    char r;
    cr_assert_eq(read(up[0], &r, 1), 1);
    b = ws(v);
    cr_assert_eq(b.Valid, 1);
    cr_assert_eq(b.Shared, 1);
    cr_assert_geq(b.ShareCount, 2, "ShareCount %u", (unsigned)b.ShareCount);
    cr_assert_eq(write(down[1], "g", 1), 1);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %d", WEXITSTATUS(status));
    cr_assert_eq(ws(v).Shared, 1);
    UnmapViewOfFile(v);
    CloseHandle(h);
}

Test(workingset, process_memory_info)
{
    PROCESS_MEMORY_COUNTERS_EX c;
    SetLastError(SENTINEL);
    cr_assert_not(GetProcessMemoryInfo(SELF, (PPROCESS_MEMORY_COUNTERS)&c, sizeof(PROCESS_MEMORY_COUNTERS) - 1));
    EXPECT_ERR(ERROR_INSUFFICIENT_BUFFER);
    SetLastError(SENTINEL);
    cr_assert_not(GetProcessMemoryInfo(NULL, (PPROCESS_MEMORY_COUNTERS)&c, sizeof(c)));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert(GetProcessMemoryInfo(SELF, (PPROCESS_MEMORY_COUNTERS)&c, sizeof(c)));
    SIZE_T before = c.WorkingSetSize;
    char *p = VirtualAlloc(NULL, 16 << 20, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    memset(p, 1, 16 << 20);
    cr_assert(GetProcessMemoryInfo(SELF, (PPROCESS_MEMORY_COUNTERS)&c, sizeof(c)));
    cr_assert_eq(c.cb, sizeof(c));
    cr_assert_geq(c.WorkingSetSize, before + (15 << 20), "16 MiB touched: %zu -> %zu", before, c.WorkingSetSize);
    cr_assert_geq(c.PeakWorkingSetSize, c.WorkingSetSize);
    cr_assert_geq(c.PrivateUsage, 16 << 20);
    cr_assert_eq(c.PagefileUsage, c.PrivateUsage);
    cr_assert_geq(c.PeakPagefileUsage, c.PagefileUsage);
    cr_assert_gt(c.PageFaultCount, 4000);
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(workingset, global_memory_status)
{
    MEMORYSTATUSEX s = {0};
    SetLastError(SENTINEL);
    cr_assert_not(GlobalMemoryStatusEx(&s));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    s.dwLength = sizeof(s);
    cr_assert(GlobalMemoryStatusEx(&s));
    cr_assert_gt(s.ullTotalPhys, 0);
    cr_assert_leq(s.ullAvailPhys, s.ullTotalPhys);
    cr_assert_geq(s.ullTotalPageFile, s.ullTotalPhys);
    cr_assert_leq(s.dwMemoryLoad, 100);
    cr_assert_eq(s.ullTotalVirtual, 0x7FFFFFFF0000ull - 0x10000);
    cr_assert_lt(s.ullAvailVirtual, s.ullTotalVirtual);
}

Test(workingset, mapped_file_name)
{
    char path[] = "/tmp/winvm-ws-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0 && ftruncate(fd, 0x3000) == 0);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    char *v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    char want[128], got[128];
    snprintf(want, sizeof(want), "\\Device\\HarddiskVolume1%s", path);
    for (char *q = want; *q; q++)
        if (*q == '/')
            *q = '\\';
    cr_assert_eq(GetMappedFileNameA(SELF, v + 0x2000, got, sizeof(got)), strlen(want));
    cr_assert_str_eq(got, want);
    WCHAR w[128];
    cr_assert_eq(GetMappedFileNameW(SELF, v, w, 128), strlen(want));
    cr_assert_eq(w[0], '\\');
    cr_assert_eq(GetMappedFileNameA(SELF, v, got, 1), 1);
    cr_assert_eq(got[0], 0);
    SetLastError(SENTINEL);
    cr_assert_eq(GetMappedFileNameA(SELF, v, NULL, sizeof(got)), 0);
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL);
    cr_assert_eq(GetMappedFileNameA(NULL, v, got, sizeof(got)), 0);
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    SetLastError(SENTINEL);
    cr_assert_eq(GetMappedFileNameA(SELF, NULL, got, sizeof(got)), 0);
    EXPECT_ERR(ERROR_UNEXP_NET_ERR);
    HANDLE anon = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, 0x1000, NULL);
    void *av = MapViewOfFile(anon, FILE_MAP_READ, 0, 0, 0);
    SetLastError(SENTINEL);
    cr_assert_eq(GetMappedFileNameA(SELF, av, got, sizeof(got)), 0);
    EXPECT_ERR(ERROR_FILE_INVALID);
    UnmapViewOfFile(av);
    UnmapViewOfFile(v);
    CloseHandle(anon);
    CloseHandle(h);
    CloseHandle(f);
    close(fd);
    unlink(path);
}
