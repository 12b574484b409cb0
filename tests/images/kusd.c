/* SPDX-License-Identifier: MIT */
/* kusd.c - kusd.exe: KUSER_SHARED_DATA at 0x7ffe0000 read from PE code (mingw-w64, default CRT,
 * -lntdll), compared with the API answers.  Output, one line each ("ok NAME" or "FAIL NAME");
 * exit code = number of failures.  Offsets are ntddk.h's (x64); expected values are Windows':
 *   query       VirtualQuery(0x7ffe0000): base and allocation base the page, MEM_COMMIT,
 *               PAGE_READONLY (both), MEM_PRIVATE, one page (Wine's ntdll/tests/info.c)
 *   version     NtMajor/MinorVersion and NtBuildNumber the PEB's OSMajor/Minor/BuildNumber,
 *               NtProductType 1 (workstation, as GetVersionEx's wProductType), valid,
 *               ImageNumberLow/High 0x8664, NtSystemRoot GetWindowsDirectoryW's
 *   processors  ActiveProcessorCount GetSystemInfo's and the PEB's; ActiveGroupCount 1;
 *               NumberOfPhysicalPages SystemBasicInformation's
 *   features    ProcessorFeatures[i] == IsProcessorFeaturePresent(i) for every i < 64; FASTFAIL, RDTSC
 *               and SSE2 present; feature 64 and past: FALSE
 *   tick_order  GetTickCount() <= the page's tick count in ms <= GetTickCount() (multiplier
 *               0x0fa00000), and TickCountLowDeprecated the low part of TickCount (read
 *               between two reads of it)
 *   time_order  GetSystemTimeAsFileTime <= SystemTime <= GetSystemTimeAsFileTime
 *   interrupt   InterruptTime at most QueryPerformanceCounter's (both 100 ns since boot), and
 *               the tick count InterruptTime's / 156250 ticks or less
 *   zone        TimeZoneBias SystemTimeOfDayInformation's
 *   read_calls  QueryUnbiasedInterruptTime and RtlQueryUnbiasedInterruptTime <= InterruptTime
 *               - InterruptTimeBias <= the same calls; NtQuerySystemTime <= SystemTime <=
 *               NtQuerySystemTime (all read the page, as on Windows)
 *   advance     TickCount, InterruptTime and SystemTime all move on while the program sleeps
 *               (Sleep(50) until they have, 100 times at most)
 *   write       a store to 0x7ffe0100 raises STATUS_ACCESS_VIOLATION {1 (write), 0x7ffe0100}
 *               (a vectored handler steps over it); the page is unchanged
 *   protect     VirtualProtect(0x7ffe0000, PAGE_READWRITE) fails and the page stays read-only
 */
#include <windows.h>
#include <stdio.h>

typedef LONG NTSTATUS;
NTSTATUS NTAPI NtQuerySystemInformation(int cls, void *out, ULONG len, ULONG *ret);
NTSTATUS NTAPI NtQuerySystemTime(LARGE_INTEGER *t);
BOOLEAN NTAPI RtlQueryUnbiasedInterruptTime(ULONGLONG *t);

#define KUSD ((const volatile BYTE *)0x7ffe0000)
#define U16(off) (*(const volatile USHORT *)(KUSD + (off)))
#define U32(off) (*(const volatile ULONG *)(KUSD + (off)))
#define U64(off) (*(const volatile ULONG64 *)(KUSD + (off)))

static int failures;

/* TEB->ProcessEnvironmentBlock (gs:0x60). */
static const BYTE *peb_of_process(void)
{
    const BYTE *p;
    __asm__("mov %%gs:0x60, %0" : "=r"(p));
    return p;
}

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

/* A KSYSTEM_TIME: LowPart, High1Time, High2Time. */
static ULONG64 ktime(unsigned off)
{
    for (;;) {
        LONG hi = (LONG)U32(off + 4);
        ULONG lo = U32(off);
        if (hi == (LONG)U32(off + 8))
            return (ULONG64)(ULONG)hi << 32 | lo;
    }
}

static ULONG64 ft64(void)
{
    FILETIME f;
    GetSystemTimeAsFileTime(&f);
    return (ULONG64)f.dwHighDateTime << 32 | f.dwLowDateTime;
}

static void query(void)
{
    MEMORY_BASIC_INFORMATION m;
    SIZE_T n = VirtualQuery((void *)KUSD, &m, sizeof(m));
    check("query", n == sizeof(m) && m.BaseAddress == (void *)KUSD && m.AllocationBase == (void *)KUSD &&
                       m.AllocationProtect == PAGE_READONLY && m.State == MEM_COMMIT &&
                       m.Protect == PAGE_READONLY && m.Type == MEM_PRIVATE && m.RegionSize == 0x1000);
}

static void version(void)
{
    const BYTE *peb = peb_of_process();
    WCHAR dir[MAX_PATH];
    UINT n = GetWindowsDirectoryW(dir, MAX_PATH);
    int root = n > 0 && lstrcmpW(dir, (const WCHAR *)(KUSD + 0x30)) == 0;
    check("version", U32(0x26c) == *(const ULONG *)(peb + 0x118) && U32(0x270) == *(const ULONG *)(peb + 0x11c) &&
                         U32(0x260) == *(const USHORT *)(peb + 0x120) && U32(0x26c) == 10 && U32(0x264) == 1 &&
                         KUSD[0x268] == 1 && U16(0x2c) == 0x8664 && U16(0x2e) == 0x8664 && root);
}

static void processors(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    const BYTE *peb = peb_of_process();
    BYTE sbi[0x40];
    NTSTATUS st = NtQuerySystemInformation(0 /* SystemBasicInformation */, sbi, sizeof(sbi), NULL);
    check("processors", U32(0x3c0) == si.dwNumberOfProcessors && U32(0x3c0) == *(const ULONG *)(peb + 0xb8) &&
                            KUSD[0x3c4] == 1 && st == 0 && U32(0x2e8) == *(const ULONG *)(sbi + 0x0c) &&
                            U32(0x2e8) != 0);
}

static void features(void)
{
    int same = 1;
    for (DWORD i = 0; i < 64; i++)
        same &= !IsProcessorFeaturePresent(i) == !KUSD[0x274 + i];
    check("features", same && KUSD[0x274 + PF_RDTSC_INSTRUCTION_AVAILABLE] &&
                          IsProcessorFeaturePresent(PF_XMMI64_INSTRUCTIONS_AVAILABLE) &&
                          IsProcessorFeaturePresent(PF_FASTFAIL_AVAILABLE) &&
                          !IsProcessorFeaturePresent(64) && !IsProcessorFeaturePresent(0xffffffff));
}

static void tick_order(void)
{
    DWORD t1 = GetTickCount();
    ULONG64 ticks = ktime(0x320);
    DWORD t2 = (DWORD)(ticks * U32(4) >> 24);
    DWORD t3 = GetTickCount();
    ULONG low = U32(0);
    ULONG64 later = ktime(0x320);
    check("tick_order", U32(4) == 0x0fa00000 && t1 <= t2 && t2 <= t3 && low >= (ULONG)ticks && low <= (ULONG)later + 1);
}

static void time_order(void)
{
    ULONG64 t1 = ft64(), t2 = ktime(0x14), t3 = ft64();
    check("time_order", t1 <= t2 && t2 <= t3 && t2 > 130000000000000000ull /* after 2012 */);
}

static void interrupt(void)
{
    ULONG64 it = ktime(0x8), ticks = ktime(0x320);
    LARGE_INTEGER q;
    QueryPerformanceCounter(&q);
    check("interrupt", it <= (ULONG64)q.QuadPart && ticks <= it / 156250 && U64(0x3b0) == 0);
}

static void zone(void)
{
    BYTE tod[0x30];
    NTSTATUS st = NtQuerySystemInformation(3 /* SystemTimeOfDayInformation */, tod, sizeof(tod), NULL);
    check("zone", st == 0 && *(const LONG64 *)(tod + 0x10) == (LONG64)ktime(0x20));
}

static void read_calls(void)
{
    ULONGLONG a = 0, c = 0, d = 0, e = 0;
    BOOL ok = QueryUnbiasedInterruptTime(&a) && RtlQueryUnbiasedInterruptTime(&d);
    ULONG64 b = ktime(0x8) - U64(0x3b0);
    ok = ok && RtlQueryUnbiasedInterruptTime(&e) && QueryUnbiasedInterruptTime(&c);
    LARGE_INTEGER s1, s3;
    NTSTATUS st1 = NtQuerySystemTime(&s1);
    ULONG64 s2 = ktime(0x14);
    NTSTATUS st3 = NtQuerySystemTime(&s3);
    check("read_calls", ok && a <= d && d <= b && b <= e && e <= c && st1 == 0 && st3 == 0 &&
                            (ULONG64)s1.QuadPart <= s2 && s2 <= (ULONG64)s3.QuadPart);
}

static void advance(void)
{
    ULONG64 tc = ktime(0x320), it = ktime(0x8), st = ktime(0x14);
    int moved = 0;
    for (int i = 0; i < 100 && !moved; i++) {
        Sleep(50);
        moved = ktime(0x320) > tc && ktime(0x8) > it && ktime(0x14) > st;
    }
    check("advance", moved);
}

static volatile LONG av_seen;

static LONG CALLBACK on_av(EXCEPTION_POINTERS *e)
{
    EXCEPTION_RECORD *r = e->ExceptionRecord;
    if (r->ExceptionCode != STATUS_ACCESS_VIOLATION || r->NumberParameters < 2 || r->ExceptionInformation[0] != 1 ||
        r->ExceptionInformation[1] != 0x7ffe0100)
        return EXCEPTION_CONTINUE_SEARCH;
    av_seen++;
    e->ContextRecord->Rip += 6; /* movl $1, (%rax): c7 00 01 00 00 00 */
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void write_faults(void)
{
    ULONG before = U32(0x100);
    void *h = AddVectoredExceptionHandler(1, on_av);
    __asm__ volatile(".byte 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00" : : "a"(0x7ffe0100ull) : "memory");
    RemoveVectoredExceptionHandler(h);
    check("write", h && av_seen == 1 && U32(0x100) == before);
}

static void protect(void)
{
    DWORD old = 0;
    BOOL ok = VirtualProtect((void *)KUSD, 0x1000, PAGE_READWRITE, &old);
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery((void *)KUSD, &m, sizeof(m));
    check("protect", !ok && m.Protect == PAGE_READONLY);
}

int main(void)
{
    query();
    version();
    processors();
    features();
    tick_order();
    time_order();
    interrupt();
    zone();
    read_calls();
    advance();
    write_faults();
    protect();
    return failures;
}
