/* SPDX-License-Identifier: MIT */
/* test_kusd.c - KUSER_SHARED_DATA at 0x7ffe0000 (runtime/kusd.c, host/syspage.c): from PE
 * code, kusd.exe under `winvm run` (tests/images/kusd.c lists its checks); from C, the page a
 * program asks for with winvm_map_user_shared_data(): where it is, what VirtualQuery says of
 * it, that a write is an access violation and that nothing can change it, the fields the API
 * answers agree with, and that a forked child's page keeps its own clock. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"
#include <winvm/ntsysinfo.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

Test(kusd, from_pe_code, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/kusd.exe", out, sizeof(out));
    cr_assert_eq(oks, 12, "%s", out);
}

static uint64_t ktime(const volatile KSYSTEM_TIME *t)
{
    for (;;) {
        LONG hi = t->High1Time;
        ULONG lo = t->LowPart;
        if (hi == t->High2Time)
            return (uint64_t)(ULONG)hi << 32 | lo;
    }
}

static const KUSER_SHARED_DATA *page(void)
{
    const KUSER_SHARED_DATA *k = winvm_map_user_shared_data();
    cr_assert_eq((uintptr_t)k, MM_SHARED_USER_DATA_VA, "error %u", GetLastError());
    cr_assert_eq(winvm_map_user_shared_data(), k, "once: the same page");
    return k;
}

Test(kusd, the_page_is_where_and_what_windows_says)
{
    const KUSER_SHARED_DATA *k = page();
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery((void *)(uintptr_t)(MM_SHARED_USER_DATA_VA + 0x123), &m, sizeof(m)), sizeof(m));
    cr_assert_eq((uintptr_t)m.BaseAddress, MM_SHARED_USER_DATA_VA);
    cr_assert_eq((uintptr_t)m.AllocationBase, MM_SHARED_USER_DATA_VA);
    cr_assert_eq(m.AllocationProtect, PAGE_READONLY);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.Type, MEM_PRIVATE);
    cr_assert_eq(m.RegionSize, 0x1000);
    cr_assert_eq(k->NtMajorVersion, 10);
    cr_assert_eq(k->NtMinorVersion, 0);
    cr_assert_eq(k->NtBuildNumber, 19045);
    cr_assert_eq(k->NtProductType, 1);
    cr_assert_eq(k->TickCountMultiplier, 0x0fa00000);
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    cr_assert_eq(k->ActiveProcessorCount, si.dwNumberOfProcessors);
    for (DWORD i = 0; i < PROCESSOR_FEATURE_MAX; i++)
        cr_assert_eq(!k->ProcessorFeatures[i], !IsProcessorFeaturePresent(i), "feature %u", i);
}

static void write_it(void *arg) { *(volatile ULONG *)arg = 1; }

Test(kusd, nothing_writes_or_frees_it)
{
    const KUSER_SHARED_DATA *k = page();
    ULONG before = k->NtMajorVersion;
    EXCEPTION_RECORD r;
    DWORD code = winvm_try(write_it, (void *)&k->NtMajorVersion, &r);
    cr_assert_eq(code, STATUS_ACCESS_VIOLATION);
    cr_assert_eq(r.ExceptionInformation[0], 1, "a write");
    cr_assert_eq(r.ExceptionInformation[1], (ULONG_PTR)&k->NtMajorVersion);
    cr_assert_eq(k->NtMajorVersion, before);
    DWORD old;
    void *p = (void *)(uintptr_t)MM_SHARED_USER_DATA_VA;
    cr_assert_not(VirtualProtect(p, 4096, PAGE_READWRITE, &old));
    cr_assert_not(VirtualFree(p, 0, MEM_RELEASE));
    cr_assert_null(VirtualAlloc(p, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE));
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(p, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(winvm_try(write_it, (void *)&k->NtMajorVersion, NULL), STATUS_ACCESS_VIOLATION);
}

Test(kusd, the_calls_and_the_page_agree)
{
    const KUSER_SHARED_DATA *k = page();
    DWORD t1 = GetTickCount();
    DWORD t2 = (DWORD)(ktime(&k->TickCount) * k->TickCountMultiplier >> 24);
    DWORD t3 = GetTickCount();
    cr_assert(t1 <= t2 && t2 <= t3, "%u %u %u", t1, t2, t3);
    FILETIME f;
    GetSystemTimeAsFileTime(&f);
    uint64_t s1 = (uint64_t)f.dwHighDateTime << 32 | f.dwLowDateTime;
    uint64_t s2 = ktime(&k->SystemTime);
    GetSystemTimeAsFileTime(&f);
    uint64_t s3 = (uint64_t)f.dwHighDateTime << 32 | f.dwLowDateTime;
    cr_assert(s1 <= s2 && s2 <= s3);
    SYSTEM_TIMEOFDAY_INFORMATION tod;
    cr_assert_eq(NtQuerySystemInformation(SystemTimeOfDayInformation, &tod, sizeof(tod), NULL), 0);
    cr_assert_eq((uint64_t)tod.TimeZoneBias.QuadPart, ktime(&k->TimeZoneBias));
    /* XState: EnabledFeatures and EnabledVolatileFeatures are GetEnabledXStateFeatures' mask,
     * Size the legacy area, the XSAVE header and AVX's part when enabled, SSE's part at 160,
     * 256 bytes */
    uint64_t enabled, volatile_f;
    uint32_t size, sse[2];
    memcpy(&enabled, k->XState, 8);
    memcpy(&volatile_f, k->XState + 8, 8);
    memcpy(&size, k->XState + 0x10, 4);
    memcpy(sse, k->XState + 0x20, 8);
    cr_assert_eq(enabled, GetEnabledXStateFeatures());
    cr_assert_eq(volatile_f, enabled);
    cr_assert_eq(size, enabled & 4 ? 832 : 576);
    cr_assert(sse[0] == 160 && sse[1] == 256, "%u %u", sse[0], sse[1]);
    uint32_t avx[2], all_avx;
    memcpy(avx, k->XState + 0x28, 8);
    memcpy(&all_avx, k->XState + 0x22c + 8, 4);
    if (enabled & 4) /* AVX (this CPU has it): at 576, 256 bytes, as Windows' */
        cr_assert(avx[0] == 576 && avx[1] == 256 && all_avx == 256, "%u %u %u", avx[0], avx[1], all_avx);
    else
        cr_assert(avx[0] == 0 && avx[1] == 0 && all_avx == 0, "%u %u %u", avx[0], avx[1], all_avx);
}

typedef NTSTATUS(__attribute__((ms_abi)) * systime_fn)(LARGE_INTEGER *);
typedef BOOLEAN(__attribute__((ms_abi)) * unbiased_fn)(ULONGLONG *);

Test(kusd, time_calls_refuse_bad_pointers)
{
    page();
    SetLastError(0);
    cr_assert_not(QueryUnbiasedInterruptTime(NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_not(QueryUnbiasedInterruptTime((ULONGLONG *)(uintptr_t)MM_SHARED_USER_DATA_VA));
    cr_assert_eq(GetLastError(), ERROR_NOACCESS, "the page is read-only");
    systime_fn st = (systime_fn)(void (*)(void))wv_nt_lookup("NtQuerySystemTime");
    unbiased_fn ub = (unbiased_fn)(void (*)(void))wv_nt_lookup("RtlQueryUnbiasedInterruptTime");
    cr_assert(st && ub);
    cr_assert_eq(st(NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_not(ub(NULL));
    LARGE_INTEGER t;
    cr_assert_eq(st(&t), STATUS_SUCCESS);
    uint64_t after = ktime(&winvm_map_user_shared_data()->SystemTime);
    cr_assert((uint64_t)t.QuadPart <= after, "the page's SystemTime, or an earlier tick's");
}

/* The time fields move on while the caller sleeps: Sleep(20) until they have, 250 times at most. */
static bool advances(const KUSER_SHARED_DATA *k)
{
    uint64_t tc = ktime(&k->TickCount), it = ktime(&k->InterruptTime), st = ktime(&k->SystemTime);
    for (int i = 0; i < 250; i++) {
        Sleep(20);
        if (ktime(&k->TickCount) > tc && ktime(&k->InterruptTime) > it && ktime(&k->SystemTime) > st)
            return true;
    }
    return false;
}

/* The inode of the file behind the page, from /proc/self/maps (0 when not found). */
static unsigned long page_inode(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long ino = 0;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "7ffe0000-", 9) == 0)
            sscanf(line, "%*s %*s %*s %*s %lu", &ino);
    if (f)
        fclose(f);
    return ino;
}

Test(kusd, the_clock_runs_in_a_forked_child_too)
{
    const KUSER_SHARED_DATA *k = page();
    cr_assert(advances(k));
    unsigned long mine = page_inode();
    cr_assert_neq(mine, 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) /* its own page (not the parent's), kept current by its own clock */
        _exit(page_inode() != mine && advances(k) ? 0 : 1);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
