/* SPDX-License-Identifier: MIT */
/* k32_tz.c - GetTimeZoneInformation from the host's time zone (TZ and tzdata).
 *
 * Bias is UTC minus standard local time, in minutes.  When the zone has daylight saving time this
 * year, its two changes are found by scanning the year (a day at a time, then to the minute) and
 * written in Windows' rule form: the month, the weekday, its occurrence in the month (5: the
 * last) and the local time at which the change happens, in the time then in force.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <string.h>
#include <time.h>

static void wv_tz_name(WCHAR *out, const char *name)
{
    size_t len = 0;
    memset(out, 0, 32 * sizeof(WCHAR));
    if (name)
        wv_utf8_to_utf16(name, strlen(name), out, 31, WV_TEXT_REPLACE, &len);
    out[len < 31 ? len : 31] = 0;
}

static bool wv_isdst(time_t t)
{
    struct tm tm;
    return localtime_r(&t, &tm) && tm.tm_isdst > 0;
}

/* The first second after from (exclusive) at which isdst differs from at from, before to; 0 when
 * none.  Days, then a bisection to the second. */
static time_t wv_next_change(time_t from, time_t to)
{
    bool d = wv_isdst(from);
    time_t t = from;
    while (t < to && wv_isdst(t + 86400) == d)
        t += 86400;
    if (t >= to)
        return 0;
    time_t lo = t, hi = t + 86400; /* isdst(lo) == d, isdst(hi) != d */
    while (hi - lo > 1) {
        time_t mid = lo + (hi - lo) / 2;
        if (wv_isdst(mid) == d)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* The change at t as a Windows rule, in local time before the change (before - 1 second's
 * offset, as Windows states it). */
static void wv_rule(time_t t, SYSTEMTIME *r)
{
    struct tm tm;
    time_t before = t - 1;
    localtime_r(&before, &tm);
    long off = tm.tm_gmtoff;
    time_t local = t + off;
    gmtime_r(&local, &tm);
    memset(r, 0, sizeof(*r));
    r->wMonth = (WORD)(tm.tm_mon + 1);
    r->wDayOfWeek = (WORD)tm.tm_wday;
    r->wDay = (WORD)((tm.tm_mday - 1) / 7 + 1);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (tm.tm_mday + 7 > mdays[tm.tm_mon])
        r->wDay = 5; /* the last such weekday of the month */
    r->wHour = (WORD)tm.tm_hour;
    r->wMinute = (WORD)tm.tm_min;
    r->wSecond = (WORD)tm.tm_sec;
}

DWORD WINAPI GetTimeZoneInformation(LPTIME_ZONE_INFORMATION out)
{
    TIME_ZONE_INFORMATION z;
    memset(&z, 0, sizeof(z));
    tzset();
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    struct tm jan = {.tm_year = tm.tm_year, .tm_mday = 1, .tm_isdst = -1};
    time_t start = timegm(&jan) - 86400, end = start + 367 * 86400;
    time_t c1 = wv_next_change(start, end), c2 = c1 ? wv_next_change(c1, end) : 0;
    DWORD id = TIME_ZONE_ID_UNKNOWN;
    long std_off = tm.tm_gmtoff - (tm.tm_isdst > 0 ? 3600 : 0);
    if (c1 && c2) {
        bool first_to_dst = wv_isdst(c1);
        time_t to_dst = first_to_dst ? c1 : c2, to_std = first_to_dst ? c2 : c1;
        struct tm a, b;
        localtime_r(&to_dst, &a); /* in daylight time */
        localtime_r(&to_std, &b); /* in standard time */
        std_off = b.tm_gmtoff;
        z.DaylightBias = (LONG)(-(a.tm_gmtoff - b.tm_gmtoff) / 60);
        wv_rule(to_dst, &z.DaylightDate);
        wv_rule(to_std, &z.StandardDate);
        id = tm.tm_isdst > 0 ? TIME_ZONE_ID_DAYLIGHT : TIME_ZONE_ID_STANDARD;
    }
    z.Bias = (LONG)(-std_off / 60);
    wv_tz_name(z.StandardName, tzname[0]);
    wv_tz_name(z.DaylightName, tzname[1]);
    DWORD err = wv_user_put(out, &z, sizeof(z));
    return err ? (wv_set_error(err), TIME_ZONE_ID_INVALID) : id;
}
