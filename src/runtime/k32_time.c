/* SPDX-License-Identifier: MIT */
/* k32_time.c - FILETIME (100 ns since 1601-01-01 UTC) and host time in one place, and the time
 * calls: GetSystemTime(AsFileTime, PreciseAsFileTime), GetLocalTime, FileTimeToSystemTime,
 * SystemTimeToFileTime, FileTimeToLocalFileTime, LocalFileTimeToFileTime, CompareFileTime,
 * SetSystemTime, GetSystemTimeAdjustment, (SleepEx: apc.c).  Local time is the host's (TZ, tzdata);
 * GetTimeZoneInformation is k32_tz.c.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <sys/timex.h>
#include <time.h>

#define WV_EPOCH_DIFF 116444736000000000ull /* 1601 -> 1970 in 100 ns */
#define WV_TICKS 10000000ll                 /* 100 ns per second */

uint64_t wv_filetime_of(const struct timespec *t)
{
    return (uint64_t)((int64_t)WV_EPOCH_DIFF + (int64_t)t->tv_sec * WV_TICKS + t->tv_nsec / 100);
}

struct timespec wv_timespec_of(uint64_t ft)
{
    int64_t d = (int64_t)(ft - WV_EPOCH_DIFF); /* may be negative: before 1970 */
    int64_t s = d / WV_TICKS, r = d % WV_TICKS;
    if (r < 0)
        s--, r += WV_TICKS;
    return (struct timespec){(time_t)s, (long)r * 100};
}

void wv_filetime_set(FILETIME *ft, uint64_t v)
{
    ft->dwLowDateTime = (DWORD)v;
    ft->dwHighDateTime = (DWORD)(v >> 32);
}

uint64_t wv_filetime_get(const FILETIME *ft) { return (uint64_t)ft->dwHighDateTime << 32 | ft->dwLowDateTime; }

static uint64_t wv_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return wv_filetime_of(&t);
}

/* ---- FILETIME <-> SYSTEMTIME, pure arithmetic on days since 1601-01-01 (a Monday) ---- */

static bool wv_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int wv_month_days(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return d[m - 1] + (m == 2 && wv_leap(y));
}

/* Days from 1601-01-01 to y-m-d (the civil-from-days algorithm, shifted to 1601). */
static int64_t wv_days_of(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = y / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 584694; /* 584694: 1601-01-01 counted from 0000-03-01 */
}

static void wv_date_of(int64_t days, SYSTEMTIME *st)
{
    int64_t z = days + 584694, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    st->wYear = (WORD)(yoe + era * 400 + (m <= 2));
    st->wMonth = (WORD)m;
    st->wDay = (WORD)(doy - (153 * mp + 2) / 5 + 1);
    st->wDayOfWeek = (WORD)((days + 1) % 7); /* 1601-01-01 was a Monday (1) */
}

static void wv_systemtime_of(uint64_t ft, SYSTEMTIME *st)
{
    uint64_t ms = ft / 10000, day_ms = ms % 86400000;
    wv_date_of((int64_t)(ms / 86400000), st);
    st->wHour = (WORD)(day_ms / 3600000);
    st->wMinute = (WORD)(day_ms / 60000 % 60);
    st->wSecond = (WORD)(day_ms / 1000 % 60);
    st->wMilliseconds = (WORD)(day_ms % 1000);
}

/* The FILETIME of st, false when a field is out of range (the day of the week is ignored). */
static bool wv_systemtime_valid(const SYSTEMTIME *st, uint64_t *ft)
{
    if (st->wYear < 1601 || st->wYear > 30827 || st->wMonth < 1 || st->wMonth > 12 || st->wDay < 1 ||
        st->wDay > wv_month_days(st->wYear, st->wMonth) || st->wHour > 23 || st->wMinute > 59 ||
        st->wSecond > 59 || st->wMilliseconds > 999)
        return false;
    int64_t days = wv_days_of(st->wYear, st->wMonth, st->wDay);
    uint64_t ms = (uint64_t)days * 86400000 + st->wHour * 3600000u + st->wMinute * 60000u +
                  st->wSecond * 1000u + st->wMilliseconds;
    *ft = ms * 10000;
    return true;
}

/* ---- the calls ---- */

/* KUSER_SHARED_DATA's SystemTime, as on Windows: the time of the last clock tick (kusd.c). */
void WINAPI GetSystemTimeAsFileTime(LPFILETIME out)
{
    uint64_t t = wv_kusd_system_time();
    wv_filetime_set(out, t ? t : wv_now());
}
/* The host's realtime clock has nanoseconds: both forms are precise. */
void WINAPI GetSystemTimePreciseAsFileTime(LPFILETIME out) { wv_filetime_set(out, wv_now()); }
void WINAPI GetSystemTime(LPSYSTEMTIME out) { wv_systemtime_of(wv_now(), out); }

/* The host's offset from UTC at the UTC time ft (in 100 ns), DST included. */
static int64_t wv_local_offset(uint64_t ft)
{
    struct timespec ts = wv_timespec_of(ft);
    struct tm tm;
    if (!localtime_r(&ts.tv_sec, &tm))
        return 0;
    return (int64_t)tm.tm_gmtoff * WV_TICKS;
}

void WINAPI GetLocalTime(LPSYSTEMTIME out)
{
    uint64_t now = wv_now();
    wv_systemtime_of(now + (uint64_t)wv_local_offset(now), out);
}

BOOL WINAPI FileTimeToSystemTime(const FILETIME *ft, LPSYSTEMTIME st)
{
    FILETIME v;
    if (wv_copy(&v, ft, sizeof(v)))
        return wv_fail(ERROR_NOACCESS);
    uint64_t x = wv_filetime_get(&v);
    if (x > 0x7FFFFFFFFFFFFFFFull)
        return wv_fail(ERROR_INVALID_PARAMETER);
    SYSTEMTIME s;
    wv_systemtime_of(x, &s);
    DWORD err = wv_user_put(st, &s, sizeof(s));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SystemTimeToFileTime(const SYSTEMTIME *st, LPFILETIME ft)
{
    SYSTEMTIME s;
    uint64_t x;
    if (wv_copy(&s, st, sizeof(s)))
        return wv_fail(ERROR_NOACCESS);
    if (!wv_systemtime_valid(&s, &x))
        return wv_fail(ERROR_INVALID_PARAMETER);
    FILETIME v;
    wv_filetime_set(&v, x);
    DWORD err = wv_user_put(ft, &v, sizeof(v));
    return err ? wv_fail(err) : TRUE;
}

/* Both directions use the offset in force now, as Windows' FileTimeToLocalFileTime does (it
 * does not look up the offset at the converted time). */
static BOOL wv_shift(const FILETIME *in, LPFILETIME out, int sign)
{
    FILETIME v;
    if (wv_copy(&v, in, sizeof(v)))
        return wv_fail(ERROR_NOACCESS);
    uint64_t x = wv_filetime_get(&v) + (uint64_t)(sign * wv_local_offset(wv_now()));
    wv_filetime_set(&v, x);
    DWORD err = wv_user_put(out, &v, sizeof(v));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI FileTimeToLocalFileTime(const FILETIME *in, LPFILETIME out) { return wv_shift(in, out, 1); }
BOOL WINAPI LocalFileTimeToFileTime(const FILETIME *in, LPFILETIME out) { return wv_shift(in, out, -1); }

LONG WINAPI CompareFileTime(const FILETIME *a, const FILETIME *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0; /* Windows: a missing time is the smaller */
    uint64_t x = wv_filetime_get(a), y = wv_filetime_get(b);
    return x < y ? -1 : x > y;
}

/* Setting the clock needs the host's CAP_SYS_TIME, as Windows needs SE_SYSTEMTIME_NAME. */
BOOL WINAPI SetSystemTime(const SYSTEMTIME *st)
{
    SYSTEMTIME s;
    uint64_t x;
    if (wv_copy(&s, st, sizeof(s)))
        return wv_fail(ERROR_NOACCESS);
    if (!wv_systemtime_valid(&s, &x))
        return wv_fail(ERROR_INVALID_PARAMETER);
    struct timespec ts = wv_timespec_of(x);
    if (clock_settime(CLOCK_REALTIME, &ts) != 0)
        return wv_fail(errno == EPERM ? ERROR_PRIVILEGE_NOT_HELD : wv_errno_to_error(errno));
    return TRUE;
}

/* The host clock's tick (adjtimex: microseconds per tick) as the increment, in 100 ns; the
 * adjustment is disabled (equal to the increment) unless the host is slewing its clock. */
BOOL WINAPI GetSystemTimeAdjustment(PDWORD adjust, PDWORD increment, PBOOL disabled)
{
    struct timex tx = {.modes = 0};
    if (adjtimex(&tx) < 0)
        return wv_fail(wv_errno_to_error(errno));
    DWORD inc = (DWORD)tx.tick * 10;
    /* freq is the frequency offset in ppm with a 16-bit fraction */
    DWORD adj = (DWORD)((int64_t)inc + (int64_t)inc * tx.freq / 65536 / 1000000);
    BOOL off = tx.freq == 0 && tx.offset == 0;
    DWORD err = wv_user_put(adjust, off ? &inc : &adj, sizeof(DWORD));
    if (!err)
        err = wv_user_put(increment, &inc, sizeof(inc));
    if (!err)
        err = wv_user_put(disabled, &off, sizeof(off));
    return err ? wv_fail(err) : TRUE;
}

