/* SPDX-License-Identifier: MIT */
/* test_ntsysinfo.c - NtQuerySystemInformation for C callers: each class's length rules, bad
 * pointers, values that agree with GetSystemInfo and GetPerformanceInfo, the process list.
 * Facts: Wine's dlls/ntdll/tests/info.c and dlls/psapi/tests/psapi_main.c, run on Windows.
 * PE code's side: tests/images/ntmem.c (test_run). */
#define _GNU_SOURCE
#include "testutil.h"
#include <winvm/ntsysinfo.h>
#include <winvm/psapi.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

Test(ntsysinfo, basic_information)
{
    SYSTEM_BASIC_INFORMATION b;
    ULONG len = 0xdead;
    cr_assert_eq(NtQuerySystemInformation((SYSTEM_INFORMATION_CLASS)-1, NULL, 0, NULL), STATUS_INVALID_INFO_CLASS);
    cr_assert_eq(NtQuerySystemInformation((SYSTEM_INFORMATION_CLASS)1000, &b, sizeof(b), &len),
                 STATUS_INVALID_INFO_CLASS);
    cr_assert_eq(NtQuerySystemInformation(SystemBasicInformation, NULL, 0, NULL), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(NtQuerySystemInformation(SystemBasicInformation, NULL, sizeof(b), NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtQuerySystemInformation(SystemBasicInformation, &b, sizeof(b), (PULONG)8), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtQuerySystemInformation(SystemBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
    cr_assert_eq(NtQuerySystemInformation(SystemBasicInformation, &b, sizeof(b) - 1, &len), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(len, sizeof(b), "the length needed");
    char big[2 * sizeof(b)];
    cr_assert_eq(NtQuerySystemInformation(SystemBasicInformation, big, sizeof(big), &len), STATUS_INFO_LENGTH_MISMATCH,
                 "exactly its size");
    memset(&b, 0xcc, sizeof(b));
    cr_assert_eq(NtQuerySystemInformation(SystemBasicInformation, &b, sizeof(b), &len), STATUS_SUCCESS);
    cr_assert_eq(len, 0x40);
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    cr_assert_eq(b.PageSize, si.dwPageSize);
    cr_assert_eq(b.AllocationGranularity, si.dwAllocationGranularity);
    cr_assert_eq(b.MinimumUserModeAddress, (ULONG_PTR)si.lpMinimumApplicationAddress);
    cr_assert_eq(b.MaximumUserModeAddress, (ULONG_PTR)si.lpMaximumApplicationAddress);
    cr_assert_eq(b.ActiveProcessorsAffinityMask, si.dwActiveProcessorMask);
    cr_assert_eq((DWORD)b.NumberOfProcessors, si.dwNumberOfProcessors);
    MEMORYSTATUSEX m = {.dwLength = sizeof(m)};
    cr_assert(GlobalMemoryStatusEx(&m));
    cr_assert_eq((ULONGLONG)b.NumberOfPhysicalPages * b.PageSize, m.ullTotalPhys);
    SYSTEM_BASIC_INFORMATION e;
    cr_assert_eq(NtQuerySystemInformation(SystemEmulationBasicInformation, &e, sizeof(e), &len), STATUS_SUCCESS);
    cr_assert_eq(memcmp(&b, &e, offsetof(SYSTEM_BASIC_INFORMATION, NumberOfProcessors) + 1), 0);
}

Test(ntsysinfo, performance_information_agrees_with_get_performance_info)
{
    SYSTEM_PERFORMANCE_INFORMATION s;
    ULONG len = 0;
    cr_assert_eq(NtQuerySystemInformation(SystemPerformanceInformation, &s, 0, &len), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(len, sizeof(s));
    cr_assert_eq(NtQuerySystemInformation(SystemPerformanceInformation, &s, 0x137, &len), STATUS_INFO_LENGTH_MISMATCH);
    memset(&s, 0xcc, sizeof(s));
    cr_assert_eq(NtQuerySystemInformation(SystemPerformanceInformation, &s, 0x138, &len), STATUS_SUCCESS,
                 "the older layout is enough");
    cr_assert_eq(len, 0x138);
    cr_assert_eq(s.CcTotalDirtyPages, 0xccccccccccccccccull, "nothing past it written");
    char big[sizeof(s) + 2];
    cr_assert_eq(NtQuerySystemInformation(SystemPerformanceInformation, big, sizeof(big), &len), STATUS_SUCCESS);
    cr_assert_eq(len, sizeof(s));
    cr_assert_eq(NtQuerySystemInformation(SystemPerformanceInformation, &s, sizeof(s), &len), STATUS_SUCCESS);
    PERFORMANCE_INFORMATION p;
    cr_assert(GetPerformanceInfo(&p, sizeof(p)));
    SYSTEM_BASIC_INFORMATION b;
    cr_assert_eq(NtQuerySystemInformation(SystemBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
    cr_assert_eq(p.PhysicalTotal, b.NumberOfPhysicalPages);
    cr_assert_eq(p.PageSize, b.PageSize);
    /* Read a moment apart from a changing system (other tests run beside this one and move
     * the machine-wide commit by megabytes): the two must agree within the psapi test's
     * margins (pages) in one of several back-to-back readings; a wrong source or unit never does. */
    int agreed = 0;
    for (int i = 0; i < 50 && !agreed; i++) {
        cr_assert_eq(NtQuerySystemInformation(SystemPerformanceInformation, &s, sizeof(s), &len), STATUS_SUCCESS);
        cr_assert(GetPerformanceInfo(&p, sizeof(p)));
        agreed = llabs((long long)p.CommitTotal - s.CommittedPages) <= 2048 &&
                 llabs((long long)p.PhysicalAvailable - s.AvailablePages) <= 512 * 16 &&
                 llabs((long long)p.KernelPaged - s.PagedPoolPages) <= 256 * 16 &&
                 llabs((long long)p.KernelNonpaged - s.NonPagedPoolPages) <= 256 * 16;
    }
    cr_assert(agreed, "commit %zu vs %lu, available %zu vs %lu", p.CommitTotal, (unsigned long)s.CommittedPages,
              p.PhysicalAvailable, (unsigned long)s.AvailablePages);
    cr_assert_eq(p.CommitLimit, s.CommitLimit);
    cr_assert_geq(p.CommitPeak, s.PeakCommitment, "the peak never goes down");
    cr_assert_gt(s.AvailablePages, 0);
    cr_assert_leq(s.AvailablePages, b.NumberOfPhysicalPages);
    cr_assert_geq(s.PeakCommitment, s.CommittedPages);
    cr_assert_eq(NtQuerySystemInformation(SystemPerformanceInformation, (void *)8, sizeof(s), NULL),
                 STATUS_ACCESS_VIOLATION);
}

Test(ntsysinfo, time_of_day_any_length_up_to_its_size)
{
    SYSTEM_TIMEOFDAY_INFORMATION t;
    ULONG len = 0xdead;
    cr_assert_eq(NtQuerySystemInformation(SystemTimeOfDayInformation, &t, 0, &len), STATUS_SUCCESS);
    cr_assert_eq(len, 0);
    t.TimeZoneId = 0xdeadbeef;
    cr_assert_eq(NtQuerySystemInformation(SystemTimeOfDayInformation, &t, 24, &len), STATUS_SUCCESS);
    cr_assert_eq(len, 24);
    cr_assert_eq(t.TimeZoneId, 0xdeadbeef, "not filled past the length");
    cr_assert_eq(NtQuerySystemInformation(SystemTimeOfDayInformation, &t, 32, &len), STATUS_SUCCESS);
    cr_assert_eq(len, 32);
    cr_assert_leq(t.TimeZoneId, 2);
    char big[49];
    cr_assert_eq(NtQuerySystemInformation(SystemTimeOfDayInformation, big, sizeof(big), &len),
                 STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(len, 0);
    cr_assert_eq(NtQuerySystemInformation(SystemTimeOfDayInformation, &t, sizeof(t), &len), STATUS_SUCCESS);
    cr_assert_eq(len, sizeof(t));
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    LONGLONG n = (LONGLONG)((ULONGLONG)now.dwHighDateTime << 32 | now.dwLowDateTime);
    cr_assert_leq(llabs(n - t.CurrentTime.QuadPart), 50000000, "within 5 s of GetSystemTimeAsFileTime");
    struct timespec up;
    clock_gettime(CLOCK_BOOTTIME, &up);
    cr_assert_leq(llabs(n - (LONGLONG)up.tv_sec * 10000000 - t.BootTime.QuadPart), 50000000, "now minus the uptime");
}

Test(ntsysinfo, process_list_has_this_process_and_its_threads)
{
    ULONG len = 0;
    cr_assert_eq(NtQuerySystemInformation(SystemProcessInformation, NULL, 0, &len), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_gt(len, sizeof(SYSTEM_PROCESS_INFORMATION));
    char small[sizeof(SYSTEM_PROCESS_INFORMATION)];
    memset(small, 0x5a, sizeof(small));
    cr_assert_eq(NtQuerySystemInformation(SystemProcessInformation, small, sizeof(small), &len),
                 STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq((unsigned char)small[0], 0x5a, "a short buffer is not written");
    ULONG cap = len + 65536;
    char *buf = malloc(cap);
    cr_assert_eq(NtQuerySystemInformation(SystemProcessInformation, buf, cap, &len), STATUS_SUCCESS);
    cr_assert_leq(len, cap);
    bool found = false;
    ULONG procs = 0;
    for (SYSTEM_PROCESS_INFORMATION *e = (void *)buf;; e = (void *)((char *)e + e->NextEntryOffset)) {
        procs++;
        cr_assert_eq(e->ImageName.MaximumLength, e->ImageName.Length + 2);
        cr_assert((char *)e->ImageName.Buffer > (char *)e && (char *)e->ImageName.Buffer < buf + len);
        cr_assert_eq(e->ImageName.Buffer[e->ImageName.Length / 2], 0);
        SYSTEM_THREAD_INFORMATION *t = (void *)(e + 1);
        for (ULONG i = 0; i < e->NumberOfThreads; i++)
            cr_assert_eq(t[i].ClientId.UniqueProcess, e->UniqueProcessId);
        if ((DWORD)(uintptr_t)e->UniqueProcessId == GetCurrentProcessId()) {
            found = true;
            cr_assert_geq(e->NumberOfThreads, 1);
            bool me = false;
            for (ULONG i = 0; i < e->NumberOfThreads; i++)
                me |= (DWORD)(uintptr_t)t[i].ClientId.UniqueThread == GetCurrentThreadId();
            cr_assert(me, "this thread is listed");
            cr_assert_eq((DWORD)(uintptr_t)e->InheritedFromUniqueProcessId, (DWORD)getppid());
            cr_assert_gt(e->WorkingSetSize, 0);
            cr_assert_geq(e->PeakWorkingSetSize, e->WorkingSetSize);
            cr_assert_gt(e->VirtualSize, 0);
            cr_assert_gt(e->HandleCount, 0);
        }
        if (!e->NextEntryOffset)
            break;
        cr_assert_eq(e->NextEntryOffset % 8, 0);
    }
    cr_assert(found);
    cr_assert_gt(procs, 1);
    free(buf);
}
