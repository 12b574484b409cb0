/* SPDX-License-Identifier: MIT */
/* test_prefetch.c - NtSetInformationVirtualMemory (VmPrefetchInformation) and kernelbase's
 * PrefetchVirtualMemory over it (src/nt/vminfo.c).  Facts: Wine's dlls/ntdll/tests/virtual.c
 * and dlls/kernel32/tests/virtual.c, run on Windows 10: the order of the parameter checks,
 * unallocated ranges accepted; Microsoft's documentation: the pages are not added to the
 * working set, the flags must be 0, the handle needs PROCESS_SET_QUOTA. */
#include "testutil.h"
#include <winvm/ntdll.h>
#include <winvm/psapi.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SELF NtCurrentProcess()

static NTSTATUS set_vm(int cls, ULONG_PTR n, MEMORY_RANGE_ENTRY *e, void *info, ULONG len)
{
    return NtSetInformationVirtualMemory(SELF, (VIRTUAL_MEMORY_INFORMATION_CLASS)cls, n, e, info, len);
}

static bool in_working_set(const void *p)
{
    PSAPI_WORKING_SET_EX_INFORMATION i = {.VirtualAddress = (void *)p};
    cr_assert(QueryWorkingSetEx(GetCurrentProcess(), &i, sizeof(i)));
    return i.VirtualAttributes.Valid;
}

Test(prefetch, checks_come_in_windows_order)
{
    static char data[] = "prefetched";
    MEMORY_RANGE_ENTRY e[2] = {{data, sizeof(data)}};
    ULONG flags = 0;
    unsigned long long wide = 0;
    /* The class before anything is read, even a NULL list. */
    cr_expect_eq(set_vm(-1, 1, e, NULL, 32), STATUS_INVALID_PARAMETER_2);
    cr_expect_eq(set_vm(-1, 0, NULL, NULL, 0), STATUS_INVALID_PARAMETER_2);
    cr_expect_eq(set_vm(-1, 1, NULL, NULL, 32), STATUS_INVALID_PARAMETER_2);
    cr_expect_eq(set_vm(99, 1, e, &flags, sizeof(flags)), STATUS_INVALID_PARAMETER_2);
    /* The information, then its length, before the count. */
    cr_expect_eq(set_vm(VmPrefetchInformation, 1, e, NULL, 0), STATUS_INVALID_PARAMETER_5);
    cr_expect_eq(set_vm(VmPrefetchInformation, 0, NULL, NULL, 0), STATUS_INVALID_PARAMETER_5);
    cr_expect_eq(set_vm(VmPrefetchInformation, 1, e, &wide, sizeof(wide)), STATUS_INVALID_PARAMETER_6);
    cr_expect_eq(set_vm(VmPrefetchInformation, 0, NULL, &wide, sizeof(wide)), STATUS_INVALID_PARAMETER_6);
    cr_expect_eq(set_vm(VmPrefetchInformation, 1, e, &flags, 2), STATUS_INVALID_PARAMETER_6);
    cr_expect_eq(set_vm(VmPrefetchInformation, 0, NULL, &flags, sizeof(flags)), STATUS_INVALID_PARAMETER_3);
    /* Then the list itself. */
    cr_expect_eq(set_vm(VmPrefetchInformation, 1, NULL, &flags, sizeof(flags)), STATUS_ACCESS_VIOLATION);
    MEMORY_RANGE_ENTRY empty = {NULL, 0};
    cr_expect_eq(set_vm(VmPrefetchInformation, 1, &empty, &flags, sizeof(flags)), STATUS_INVALID_PARAMETER_4);
    /* An empty entry after a good one fails the whole call too. */
    e[1] = empty;
    cr_expect_eq(set_vm(VmPrefetchInformation, 2, e, &flags, sizeof(flags)), STATUS_INVALID_PARAMETER_4);
    /* Flags are reserved. */
    flags = 1;
    cr_expect_eq(set_vm(VmPrefetchInformation, 1, e, &flags, sizeof(flags)), STATUS_INVALID_PARAMETER_5);
    /* Windows' other classes are not winvm's: refused, not a silent success. */
    flags = 0;
    cr_expect_eq(set_vm(VmPagePriorityInformation, 1, e, &flags, sizeof(flags)), STATUS_NOT_SUPPORTED);
}

Test(prefetch, unallocated_unaligned_and_kernel_ranges_are_accepted)
{
    static char data[] = "Test memory range data";
    char stack[] = "Test stack mem";
    ULONG flags = 0;
    MEMORY_RANGE_ENTRY e[4] = {{data, sizeof(data)},
                               {(void *)((uintptr_t)stack & ~(uintptr_t)0xfff), 0x1000},
                               {NULL, 0x1000},
                               {(void *)(uintptr_t)0xffff800000000000ull, 0x1000}};
    cr_expect_eq(set_vm(VmPrefetchInformation, 4, e, &flags, sizeof(flags)), STATUS_SUCCESS);
    MEMORY_RANGE_ENTRY all = {(void *)0x10000, (SIZE_T)-0x10000}; /* wraps: clipped, not refused */
    cr_expect_eq(set_vm(VmPrefetchInformation, 1, &all, &flags, sizeof(flags)), STATUS_SUCCESS);
    cr_expect_str_eq(data, "Test memory range data");
}

Test(prefetch, pages_stay_out_of_the_working_set_with_their_contents_and_protection)
{
    char *p = VirtualAlloc(NULL, 16 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    p[PAGE] = 7;
    cr_assert(VirtualProtect(p + 2 * PAGE, PAGE, PAGE_NOACCESS, &(DWORD){0}));
    cr_assert(VirtualProtect(p + 3 * PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD, &(DWORD){0}));
    MEMORY_BASIC_INFORMATION before[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(VirtualQuery(p + i * PAGE, &before[i], sizeof(before[i])), sizeof(before[i]));
    WIN32_MEMORY_RANGE_ENTRY e = {p, 16 * PAGE};
    cr_assert(PrefetchVirtualMemory(GetCurrentProcess(), 1, &e, 0));
    cr_expect(!in_working_set(p), "an untouched page entered the working set");
    cr_expect(!in_working_set(p + 5 * PAGE));
    cr_expect(in_working_set(p + PAGE));
    for (int i = 0; i < 4; i++) {
        MEMORY_BASIC_INFORMATION now;
        cr_assert_eq(VirtualQuery(p + i * PAGE, &now, sizeof(now)), sizeof(now));
        cr_expect(now.Protect == before[i].Protect && now.State == before[i].State &&
                      now.RegionSize == before[i].RegionSize,
                  "page %d changed", i);
    }
    cr_expect_eq(p[PAGE], 7);
    cr_expect_eq(p[0], 0);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
}

Test(prefetch, a_file_view_keeps_its_bytes)
{
    char path[] = "/tmp/winvm-prefetch-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    char buf[8 * PAGE];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)(i * 7);
    cr_assert_eq(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    HANDLE s = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    cr_assert_not_null(s);
    char *v = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(v);
    WIN32_MEMORY_RANGE_ENTRY e = {v, sizeof(buf)};
    cr_assert(PrefetchVirtualMemory(GetCurrentProcess(), 1, &e, 0));
    cr_expect(!in_working_set(v + 3 * PAGE), "prefetch mapped a page into the working set");
    cr_expect_eq(memcmp(v, buf, sizeof(buf)), 0);
    cr_assert(UnmapViewOfFile(v));
    CloseHandle(s);
    CloseHandle(f);
    close(fd);
}

Test(prefetch, win32_errors_and_bad_handles)
{
    static char data[64];
    WIN32_MEMORY_RANGE_ENTRY e = {data, sizeof(data)};
    SetLastError(0xdeadbeef);
    cr_expect(!PrefetchVirtualMemory(GetCurrentProcess(), 0, NULL, 0));
    cr_expect_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    SetLastError(0xdeadbeef);
    cr_expect(!PrefetchVirtualMemory(GetCurrentProcess(), 1, &e, 1));
    cr_expect_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    /* An unreadable list is ERROR_NOACCESS, no crash. */
    void *gone = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert(VirtualFree(gone, 0, MEM_RELEASE));
    SetLastError(0xdeadbeef);
    cr_expect(!PrefetchVirtualMemory(GetCurrentProcess(), 1, gone, 0));
    cr_expect_eq(GetLastError(), ERROR_NOACCESS);
    /* A real handle to this process needs PROCESS_SET_QUOTA. */
    HANDLE weak = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, GetCurrentProcessId());
    HANDLE strong = OpenProcess(PROCESS_SET_QUOTA, FALSE, GetCurrentProcessId());
    cr_assert(weak && strong);
    SetLastError(0xdeadbeef);
    cr_expect(!PrefetchVirtualMemory(weak, 1, &e, 0));
    cr_expect_eq(GetLastError(), ERROR_ACCESS_DENIED);
    cr_expect(PrefetchVirtualMemory(strong, 1, &e, 0));
    CloseHandle(weak);
    CloseHandle(strong);
    SetLastError(0xdeadbeef);
    cr_expect(!PrefetchVirtualMemory((HANDLE)(uintptr_t)0x1234, 1, &e, 0));
    cr_expect_eq(GetLastError(), ERROR_INVALID_HANDLE);
}
