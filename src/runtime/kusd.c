/* SPDX-License-Identifier: MIT */
/* kusd.c - KUSER_SHARED_DATA, the read-only page at 0x7ffe0000 that Windows code reads
 * directly (inlined GetTickCount, version checks, the processor features), and the calls
 * that answer from it: GetTickCount(64), GetSystemTimeAsFileTime, IsProcessorFeaturePresent.
 *
 * Which processes have it: `winvm run` maps it before anything else (run.c); a C program asks
 * with winvm_map_user_shared_data().  Its static fields are the answers winvm gives elsewhere
 * (the PEB's version, SystemBasicInformation's pages, GetSystemInfo's processors, the Windows
 * directory); the processor features are CPUID's, each only when the kernel lets user code
 * use it.
 *
 * The time fields (docs/shareddata.md): a clock thread, asleep between ticks, writes them on
 * Windows' clock tick (15.625 ms, 64 a second) through the page's writable alias
 * (host/syspage.c), in the KSYSTEM_TIME order readers rely on (High2Time, LowPart,
 * High1Time).  GetTickCount and GetSystemTimeAsFileTime read the page when it is mapped, so
 * they and a program's own reads agree (Windows' calls read the page too); without the page
 * GetTickCount counts the same ticks from the clock.  Ticks and InterruptTime count
 * CLOCK_MONOTONIC, as QueryPerformanceCounter and Sleep do (InterruptTimeBias 0).
 *
 * The page is this process's alone (a memfd no other process can open): no other user, or
 * process, can write what a program here reads.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/ctx_ex.h" /* wv_kusd_xstate */
#include "host/host.h"
#include "fault/fault.h" /* wv_xstate_features */
#include <winvm/ntsysinfo.h>

#include <cpuid.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <unistd.h>

_Static_assert(offsetof(KUSER_SHARED_DATA, NtSystemRoot) == 0x30, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, NtBuildNumber) == 0x260, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, NtMajorVersion) == 0x26c, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, ProcessorFeatures) == 0x274, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, KdDebuggerEnabled) == 0x2d4, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, NumberOfPhysicalPages) == 0x2e8, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, QpcFrequency) == 0x300, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, TickCount) == 0x320, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, Cookie) == 0x330, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, InterruptTimeBias) == 0x3b0, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, ActiveProcessorCount) == 0x3c0, "ntddk.h's layout");
_Static_assert(offsetof(KUSER_SHARED_DATA, XState) == 0x3d8, "ntddk.h's layout");
_Static_assert(sizeof(KUSER_SHARED_DATA) <= 4096, "one page");

#define WV_TICK 156250u              /* 100 ns units: 15.625 ms, Windows' clock tick */
#define WV_TICK_MULTIPLIER 0x0fa00000u /* 15.625 * 2^24: ms = ticks * this >> 24 */
#define WV_BIAS_TICKS 64u            /* the time-zone bias read again about once a second */

/* The page's writable alias once mapped (NULL before): written by the clock thread only,
 * after wv_kusd_map's first fill.  The static fields are written before it is published. */
static KUSER_SHARED_DATA *wv_kusd_rw;
static pthread_once_t wv_kusd_once = PTHREAD_ONCE_INIT;
static DWORD wv_kusd_err; /* wv_kusd_map's result, set under the once */

/* ---- the processor features ---- */

static uint64_t wv_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

/* Whether MXCSR's denormals-are-zero bit can be set (FXSAVE's MXCSR_MASK, bit 6). */
static bool wv_daz(void)
{
    uint8_t area[512] __attribute__((aligned(16)));
    memset(area, 0, sizeof(area));
    __asm__ volatile("fxsave64 %0" : "=m"(area));
    uint32_t mask;
    memcpy(&mask, area + 28, 4);
    return (mask ? mask : 0xffbf) & 0x40;
}

static void wv_features(BYTE *pf)
{
    unsigned a = 0, b = 0, c = 0, d = 0, b7 = 0, c7 = 0, d7 = 0, xc = 0, xd = 0;
    __get_cpuid(1, &a, &b, &c, &d);
    __get_cpuid_count(7, 0, &a, &b7, &c7, &d7);
    __get_cpuid(0x80000001, &a, &b, &xc, &xd);
    bool osxsave = c & (1u << 27);
    uint64_t xcr0 = osxsave ? wv_xcr0() : 3;
    bool avx = osxsave && (xcr0 & 6) == 6 && (c & (1u << 28));
    pf[PF_COMPARE_EXCHANGE_DOUBLE] = (d >> 8) & 1;
    pf[PF_MMX_INSTRUCTIONS_AVAILABLE] = (d >> 23) & 1;
    pf[PF_XMMI_INSTRUCTIONS_AVAILABLE] = (d >> 25) & 1;
    pf[PF_3DNOW_INSTRUCTIONS_AVAILABLE] = (xd >> 31) & 1;
    pf[PF_RDTSC_INSTRUCTION_AVAILABLE] = (d >> 4) & 1;
    pf[PF_PAE_ENABLED] = 1; /* long mode runs with PAE paging */
    pf[PF_XMMI64_INSTRUCTIONS_AVAILABLE] = (d >> 26) & 1;
    pf[PF_SSE_DAZ_MODE_AVAILABLE] = wv_daz();
    pf[PF_NX_ENABLED] = (xd >> 20) & 1;
    pf[PF_SSE3_INSTRUCTIONS_AVAILABLE] = c & 1;
    pf[PF_COMPARE_EXCHANGE128] = (c >> 13) & 1;
    pf[PF_XSAVE_ENABLED] = osxsave;
    pf[PF_RDWRFSGSBASE_AVAILABLE] = (getauxval(AT_HWCAP2) & 2) != 0; /* HWCAP2_FSGSBASE: the kernel allows it */
    pf[PF_RDRAND_INSTRUCTION_AVAILABLE] = (c >> 30) & 1;
    pf[PF_RDTSCP_INSTRUCTION_AVAILABLE] = (xd >> 27) & 1;
    pf[PF_RDPID_INSTRUCTION_AVAILABLE] = (c7 >> 22) & 1;
    pf[PF_SSSE3_INSTRUCTIONS_AVAILABLE] = (c >> 9) & 1;
    pf[PF_SSE4_1_INSTRUCTIONS_AVAILABLE] = (c >> 19) & 1;
    pf[PF_SSE4_2_INSTRUCTIONS_AVAILABLE] = (c >> 20) & 1;
    pf[PF_AVX_INSTRUCTIONS_AVAILABLE] = avx;
    pf[PF_AVX2_INSTRUCTIONS_AVAILABLE] = avx && ((b7 >> 5) & 1);
    pf[PF_AVX512F_INSTRUCTIONS_AVAILABLE] = avx && (xcr0 & 0xe0) == 0xe0 && ((b7 >> 16) & 1);
    pf[PF_ERMS_AVAILABLE] = (b7 >> 9) & 1;
    pf[PF_FASTFAIL_AVAILABLE] = 1; /* int 0x29 ends the process (fault/gp.c, docs/semantics.md) */
}

/* The XSTATE features winvm's contexts carry (fault/xstate.c): x87, SSE and, where the CPU
 * has AVX and the OS enabled it, AVX (7, as Windows reports on such a CPU); 3 otherwise.
 * AVX-512's state is not carried, so not reported (a Windows without it answers 7 too).
 * KUSER_SHARED_DATA's XState says the same (wv_kusd_xstate). */
DWORD64 WINAPI GetEnabledXStateFeatures(void) { return wv_xstate_features(); }

WV_MSABI DWORD64 wv_nt_RtlGetEnabledExtendedFeatures(DWORD64 mask) { return wv_xstate_features() & mask; }

/* ---- the fields ---- */

/* XState, the XSTATE_CONFIGURATION of the features GetEnabledXStateFeatures reports: each part
 * at its architectural XSAVE offset and size (x87 0/160, SSE 160/256, AVX 576/256), the save
 * area the legacy region, the XSAVE header and AVX's; OptimizedSave and CompactionEnabled as
 * the CPU has XSAVEOPT and XSAVEC (the areas ctx_ex.c makes are compacted then).  Fields at
 * their offsets: the header's struct is not winvm's. */
void wv_kusd_xstate(BYTE *xs)
{
    static const uint32_t part[3][2] = {{0, 160}, {160, 256}, {576, 256}};
    uint64_t f = wv_xstate_features();
    int n = f & 4 ? 3 : 2;
    uint32_t size = 512 + 64 + (f & 4 ? 256 : 0), control = 0;
    unsigned a, b, c, d;
    if ((f & 4) && __get_cpuid_count(0xd, 1, &a, &b, &c, &d))
        control = (a & 1) | (a & 2); /* OptimizedSave: XSAVEOPT; CompactionEnabled: XSAVEC */
    memcpy(xs + 0x00, &f, 8);        /* EnabledFeatures */
    memcpy(xs + 0x08, &f, 8);        /* EnabledVolatileFeatures */
    memcpy(xs + 0x10, &size, 4);     /* Size */
    memcpy(xs + 0x14, &control, 4);  /* ControlFlags */
    memcpy(xs + 0x228, &size, 4);    /* AllFeatureSize */
    for (int i = 0; i < n; i++) {
        memcpy(xs + 0x18 + 8 * i, part[i], 8);      /* Features[i]: Offset, Size */
        memcpy(xs + 0x22c + 4 * i, &part[i][1], 4); /* AllFeatures[i] */
    }
}

/* The static fields, as winvm answers them elsewhere. */
static void wv_kusd_fill(KUSER_SHARED_DATA *k)
{
    unsigned n = wv_sys_processors();
    SYSTEM_BASIC_INFORMATION sbi;
    memset(&sbi, 0, sizeof(sbi));
    NtQuerySystemInformation(SystemBasicInformation, &sbi, sizeof(sbi), NULL);
    k->TickCountMultiplier = WV_TICK_MULTIPLIER;
    k->ImageNumberLow = k->ImageNumberHigh = 0x8664; /* IMAGE_FILE_MACHINE_AMD64 */
    static const char root[] = "C:\\windows"; /* GetWindowsDirectory's */
    for (size_t i = 0; i < sizeof(root); i++)
        k->NtSystemRoot[i] = (WCHAR)root[i];
    k->LargePageMinimum = 0x200000;
    k->NtBuildNumber = WV_OS_BUILD;
    k->NtProductType = 1; /* NtProductWinNt: a workstation, as GetVersionEx's wProductType */
    k->ProductTypeIsValid = 1;
    k->NativeProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
    k->NtMajorVersion = WV_OS_MAJOR;
    k->NtMinorVersion = WV_OS_MINOR;
    wv_features(k->ProcessorFeatures);
    k->NXSupportPolicy = 2; /* NX_SUPPORT_POLICY_OPTIN, Windows client's default */
    k->ActiveConsoleId = 1;
    k->NumberOfPhysicalPages = sbi.NumberOfPhysicalPages;
    k->QpcFrequency = 10000000; /* QueryPerformanceFrequency's */
    if (getrandom(&k->Cookie, sizeof(k->Cookie), 0) != (ssize_t)sizeof(k->Cookie))
        k->Cookie = (ULONG)getpid() * 2654435761u;
    k->ActiveProcessorCount = (ULONG)n;
    k->ActiveGroupCount = 1;
    wv_kusd_xstate(k->XState);
}

static uint64_t wv_clock_100ns(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (uint64_t)t.tv_sec * 10000000u + (uint64_t)t.tv_nsec / 100u;
}

/* A KSYSTEM_TIME written so that a reader never takes a torn value: High2Time, the low part,
 * High1Time (readers read them the other way round and retry while the highs differ). */
static void wv_ksystem_put(volatile KSYSTEM_TIME *t, uint64_t v)
{
    __atomic_store_n(&t->High2Time, (LONG)(v >> 32), __ATOMIC_RELEASE);
    __atomic_store_n(&t->LowPart, (ULONG)v, __ATOMIC_RELEASE);
    __atomic_store_n(&t->High1Time, (LONG)(v >> 32), __ATOMIC_RELEASE);
}

static uint64_t wv_ksystem_get(const volatile KSYSTEM_TIME *t)
{
    for (;;) {
        LONG hi = __atomic_load_n(&t->High1Time, __ATOMIC_ACQUIRE);
        ULONG lo = __atomic_load_n(&t->LowPart, __ATOMIC_ACQUIRE);
        if (hi == __atomic_load_n(&t->High2Time, __ATOMIC_ACQUIRE))
            return (uint64_t)(ULONG)hi << 32 | lo;
    }
}

/* UTC - local time in 100 ns units and the TIME_ZONE_ID_* of now, as SystemTimeOfDayInformation. */
static void wv_kusd_zone(KUSER_SHARED_DATA *k)
{
    tzset();
    time_t s = time(NULL);
    struct tm tm;
    localtime_r(&s, &tm);
    wv_ksystem_put(&k->TimeZoneBias, (uint64_t)(-(int64_t)tm.tm_gmtoff * 10000000));
    k->TimeZoneId = tm.tm_isdst > 0 ? 2 : daylight ? 1 : 0;
}

/* The time fields of tick `ticks`, sampled at monotonic time now. */
static void wv_kusd_time(KUSER_SHARED_DATA *k, uint64_t now)
{
    uint64_t ticks = now / WV_TICK;
    wv_ksystem_put(&k->InterruptTime, now);
    wv_ksystem_put(&k->SystemTime, wv_clock_100ns(CLOCK_REALTIME) + 116444736000000000ull);
    __atomic_store_n(&k->TickCountLowDeprecated, (ULONG)ticks, __ATOMIC_RELEASE);
    wv_ksystem_put(&k->TickCount, ticks);
    if (ticks % WV_BIAS_TICKS == 0)
        wv_kusd_zone(k);
}

/* The clock thread: one update a tick, asleep in between (absolute deadlines, so a late
 * wake-up does not push the next one back). */
static void *wv_kusd_clock(void *arg)
{
    KUSER_SHARED_DATA *k = arg;
    for (;;) {
        uint64_t next = (wv_clock_100ns(CLOCK_MONOTONIC) / WV_TICK + 1) * WV_TICK;
        struct timespec t = {(time_t)(next / 10000000u), (long)(next % 10000000u) * 100};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) != 0)
            ;
        wv_kusd_time(k, wv_clock_100ns(CLOCK_MONOTONIC));
    }
    return NULL;
}

/* Starts the clock thread with every signal blocked: no signal meant for the program (or
 * winvm's parking and kill signals, which are for threads it knows) lands on it. */
static DWORD wv_kusd_start(void)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, 64 * 1024);
    pthread_t t;
    int e = pthread_create(&t, &at, wv_kusd_clock, wv_kusd_rw);
    if (!e)
        pthread_setname_np(t, "winvm-clock"); /* what ps and /proc show */
    pthread_attr_destroy(&at);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return e ? ERROR_NOT_ENOUGH_MEMORY : 0;
}

/* A forked child has no clock thread and shares its parent's page: its own copy and thread. */
static void wv_kusd_after_fork(void)
{
    if (wv_kusd_rw && wv_syspage_refork() == 0)
        wv_kusd_start();
}

static void wv_kusd_map_once(void)
{
    void *rw;
    DWORD err = wv_syspage_map(MM_SHARED_USER_DATA_VA, &rw);
    if (!err) {
        KUSER_SHARED_DATA *k = rw;
        wv_kusd_fill(k);
        wv_kusd_zone(k);
        wv_kusd_time(k, wv_clock_100ns(CLOCK_MONOTONIC));
        __atomic_store_n(&wv_kusd_rw, k, __ATOMIC_RELEASE);
        err = wv_kusd_start();
        pthread_atfork(NULL, NULL, wv_kusd_after_fork);
    }
    wv_kusd_err = err;
}

DWORD wv_kusd_map(void)
{
    pthread_once(&wv_kusd_once, wv_kusd_map_once);
    return wv_kusd_err;
}

const KUSER_SHARED_DATA *winvm_map_user_shared_data(void)
{
    DWORD err = wv_kusd_map();
    return err ? wv_fail_null(err) : (const KUSER_SHARED_DATA *)MM_SHARED_USER_DATA_VA;
}

/* ---- the calls that answer from the page ---- */

static const KUSER_SHARED_DATA *wv_kusd(void)
{
    return __atomic_load_n(&wv_kusd_rw, __ATOMIC_ACQUIRE) ? (const KUSER_SHARED_DATA *)MM_SHARED_USER_DATA_VA
                                                          : NULL;
}

ULONGLONG WINAPI GetTickCount64(void)
{
    const KUSER_SHARED_DATA *k = wv_kusd();
    uint64_t ticks = k ? wv_ksystem_get(&k->TickCount) : wv_clock_100ns(CLOCK_MONOTONIC) / WV_TICK;
    return ticks * WV_TICK_MULTIPLIER >> 24;
}

DWORD WINAPI GetTickCount(void) { return (DWORD)GetTickCount64(); } /* wraps after 49.7 days */

/* The page's SystemTime, or 0 when there is no page (the caller reads the clock). */
uint64_t wv_kusd_system_time(void)
{
    const KUSER_SHARED_DATA *k = wv_kusd();
    return k ? wv_ksystem_get(&k->SystemTime) : 0;
}

static pthread_once_t wv_features_once = PTHREAD_ONCE_INIT;
static BYTE wv_pf[PROCESSOR_FEATURE_MAX];

static void wv_features_init(void) { wv_features(wv_pf); }

BOOL WINAPI IsProcessorFeaturePresent(DWORD feature)
{
    pthread_once(&wv_features_once, wv_features_init);
    return feature < PROCESSOR_FEATURE_MAX && wv_pf[feature];
}

/* ---- the interrupt time and the system time, as Windows reads them from the page ---- */

/* InterruptTime - InterruptTimeBias: the page's, or the clock's at its last tick without it. */
static uint64_t wv_unbiased_interrupt_time(void)
{
    const KUSER_SHARED_DATA *k = wv_kusd();
    if (k)
        return wv_ksystem_get(&k->InterruptTime) - k->InterruptTimeBias;
    return wv_clock_100ns(CLOCK_MONOTONIC) / WV_TICK * WV_TICK;
}

BOOL WINAPI QueryUnbiasedInterruptTime(ULONGLONG *out)
{
    if (!out)
        return wv_fail(ERROR_INVALID_PARAMETER);
    uint64_t t = wv_unbiased_interrupt_time();
    DWORD err = wv_user_put(out, &t, sizeof(t));
    return err ? wv_fail(err) : TRUE;
}

/* ntdll's: the same, no last error (a NULL or bad pointer: FALSE). */
WV_MSABI BOOLEAN wv_nt_RtlQueryUnbiasedInterruptTime(ULONGLONG *out)
{
    uint64_t t = wv_unbiased_interrupt_time();
    return out && wv_copy(out, &t, sizeof(t)) == 0;
}

/* The page's SystemTime (the last tick's), or the clock's without the page. */
WV_MSABI NTSTATUS wv_nt_NtQuerySystemTime(PLARGE_INTEGER out)
{
    uint64_t t = wv_kusd_system_time();
    if (!t)
        t = wv_clock_100ns(CLOCK_REALTIME) + 116444736000000000ull;
    return out && wv_copy(out, &t, sizeof(t)) == 0 ? STATUS_SUCCESS : STATUS_ACCESS_VIOLATION;
}
