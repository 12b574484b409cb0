/* SPDX-License-Identifier: MIT */
/* sysinfo.c - NtQuerySystemInformation: the classes programs of this area ask (the basic
 * facts, the memory counters GetPerformanceInfo reads, the time of day; the process list in
 * sysproc.c), with Windows' length rules per class and its order of checks: the buffer and
 * ReturnLength are probed first (STATUS_ACCESS_VIOLATION), then the class is looked at.
 *
 * Where the values come from: processors and addresses as GetSystemInfo reports them; memory
 * from /proc/meminfo (the same counters and mapping as GetPerformanceInfo, which is built on
 * this call: CommittedPages = Committed_AS, CommitLimit, PeakCommitment the highest
 * CommittedPages read so far in this process (Linux keeps no peak), AvailablePages =
 * MemAvailable, ResidentSystemCachePage = Cached, PagedPoolPages = SReclaimable,
 * NonPagedPoolPages = SUnreclaim + KernelStack + PageTables); the counters Linux has no
 * equivalent for (the cache manager's, pool allocations, I/O counts) are 0.
 */
#define _GNU_SOURCE
#include "nt/nt.h"
#include "winvm/ntsysinfo.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

_Static_assert(sizeof(SYSTEM_BASIC_INFORMATION) == 0x40, "Windows' x64 layout");
_Static_assert(sizeof(SYSTEM_PERFORMANCE_INFORMATION) == 0x158, "Windows' x64 layout");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, CcTotalDirtyPages) == 0x138, "the older layout's end");
_Static_assert(sizeof(SYSTEM_TIMEOFDAY_INFORMATION) == 0x30, "Windows' x64 layout");

#define WV_PERF_OLD ((ULONG)offsetof(SYSTEM_PERFORMANCE_INFORMATION, CcTotalDirtyPages))

/* The highest commit charge read so far (pages): Linux keeps no peak of it. */
static ULONG wv_commit_peak;

static void wv_sys_basic(SYSTEM_BASIC_INFORMATION *b)
{
    unsigned n = wv_sys_processors();
    struct wv_sys_mem m;
    memset(b, 0, sizeof(*b));
    b->TimerResolution = 156250;
    b->PageSize = (ULONG)WV_PAGE_SIZE;
    if (wv_sys_memory(&m)) {
        b->NumberOfPhysicalPages = (ULONG)(m.total / WV_PAGE_SIZE);
        b->LowestPhysicalPageNumber = 1;
        b->HighestPhysicalPageNumber = b->NumberOfPhysicalPages;
    }
    b->AllocationGranularity = (ULONG)WV_GRANULE;
    b->MinimumUserModeAddress = WV_MIN_ADDR;
    b->MaximumUserModeAddress = WV_MAX_ADDR;
    b->ActiveProcessorsAffinityMask = n == 64 ? ~(ULONG_PTR)0 : ((ULONG_PTR)1 << n) - 1;
    b->NumberOfProcessors = (CHAR)n;
}

static void wv_sys_perf(SYSTEM_PERFORMANCE_INFORMATION *p)
{
    struct wv_sys_mem m;
    memset(p, 0, sizeof(*p));
    if (!wv_sys_memory(&m))
        return;
    p->AvailablePages = (ULONG)(m.avail / WV_PAGE_SIZE);
    p->CommittedPages = (ULONG)(m.committed / WV_PAGE_SIZE);
    p->CommitLimit = (ULONG)(m.commit_limit / WV_PAGE_SIZE);
    ULONG peak = __atomic_load_n(&wv_commit_peak, __ATOMIC_RELAXED);
    while (p->CommittedPages > peak && !__atomic_compare_exchange_n(&wv_commit_peak, &peak, p->CommittedPages, false,
                                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    p->PeakCommitment = p->CommittedPages > peak ? p->CommittedPages : peak;
    p->PagedPoolPages = (ULONG)(m.slab_reclaimable / WV_PAGE_SIZE);
    p->NonPagedPoolPages = (ULONG)(m.kernel_unreclaimable / WV_PAGE_SIZE);
    p->ResidentSystemCachePage = (ULONG)(m.cached / WV_PAGE_SIZE);
    p->ResidentAvailablePages = (LONGLONG)p->AvailablePages;
}

/* FILETIME units (100 ns since 1601) of a host time. */
static LONGLONG wv_sys_filetime(const struct timespec *t)
{
    return ((LONGLONG)t->tv_sec + 11644473600LL) * 10000000 + t->tv_nsec / 100;
}

LONGLONG wv_nt_boot_time(void)
{
    struct timespec now, up;
    clock_gettime(CLOCK_REALTIME, &now);
    clock_gettime(CLOCK_BOOTTIME, &up);
    return wv_sys_filetime(&now) - (LONGLONG)up.tv_sec * 10000000 - up.tv_nsec / 100;
}

static void wv_sys_timeofday(SYSTEM_TIMEOFDAY_INFORMATION *t)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    memset(t, 0, sizeof(*t));
    t->BootTime.QuadPart = wv_nt_boot_time();
    t->CurrentTime.QuadPart = wv_sys_filetime(&now);
    tzset();
    struct tm tm;
    time_t s = now.tv_sec;
    localtime_r(&s, &tm);
    t->TimeZoneBias.QuadPart = -(LONGLONG)tm.tm_gmtoff * 10000000; /* UTC - local, DST included */
    /* TIME_ZONE_ID_DAYLIGHT in daylight time; STANDARD in a zone that has one; else UNKNOWN. */
    t->TimeZoneId = tm.tm_isdst > 0 ? 2 : daylight ? 1 : 0;
}

NTSTATUS NTAPI NtQuerySystemInformation(SYSTEM_INFORMATION_CLASS cls, PVOID out, ULONG len, PULONG ret)
{
    if (wv_nt_probe_out(out, len) || (ret && wv_copy(ret, ret, sizeof(*ret))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    union {
        SYSTEM_BASIC_INFORMATION basic;
        SYSTEM_PERFORMANCE_INFORMATION perf;
        SYSTEM_TIMEOFDAY_INFORMATION tod;
    } u;
    ULONG n, fill; /* the class's size; what this call writes */
    switch ((int)cls) {
    case SystemBasicInformation:
    case SystemEmulationBasicInformation: /* the same on x64 */
        n = fill = sizeof(u.basic);
        if (len != n)
            goto mismatch;
        wv_sys_basic(&u.basic);
        break;
    case SystemPerformanceInformation:
        n = sizeof(u.perf);
        if (len < WV_PERF_OLD)
            goto mismatch;
        fill = len < n ? WV_PERF_OLD : n; /* the older layout, or all */
        wv_sys_perf(&u.perf);
        break;
    case SystemTimeOfDayInformation:
        n = sizeof(u.tod);
        if (len > n) { /* any length up to the structure is filled that far; more is not */
            n = 0;
            goto mismatch;
        }
        fill = len;
        wv_sys_timeofday(&u.tod);
        break;
    case SystemProcessInformation: {
        NTSTATUS st = wv_nt_sysproc(out, len, &n);
        if (ret)
            wv_nt_out(ret, &n, sizeof(n));
        return st;
    }
    default: return (NTSTATUS)STATUS_INVALID_INFO_CLASS;
    }
    wv_nt_out(out, &u, fill);
    if (ret)
        wv_nt_out(ret, &fill, sizeof(fill));
    return STATUS_SUCCESS;
mismatch:
    if (ret)
        wv_nt_out(ret, &n, sizeof(n));
    return (NTSTATUS)STATUS_INFO_LENGTH_MISMATCH;
}
