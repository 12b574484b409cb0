/* SPDX-License-Identifier: MIT */
/* msvcrt_time.c - time as msvcrt has it: 64-bit time_t (x64), struct tm of 9 ints, results
 * in a per-thread struct tm, dates from 1970 to the end of 3000 (else NULL or -1 and EINVAL),
 * clock() as wall time since the process started (CLOCKS_PER_SEC 1000), strftime's "C"-locale
 * %c %x %X as msvcrt writes them ("01/02/70 03:04:05"), asctime with a two-digit day.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* msvcrt's struct tm: exactly the first nine fields of the host's. */
struct wv_tm {
    int sec, min, hour, mday, mon, year, wday, yday, isdst;
};

#define WV_TIME_MAX 32535215999ll /* 3000-12-31 23:59:59 UTC */

static void wv_tm_from(struct wv_tm *w, const struct tm *t)
{
    *w = (struct wv_tm){t->tm_sec, t->tm_min, t->tm_hour, t->tm_mday, t->tm_mon, t->tm_year, t->tm_wday, t->tm_yday, t->tm_isdst};
}

static void wv_tm_to(struct tm *t, const struct wv_tm *w)
{
    *t = (struct tm){.tm_sec = w->sec, .tm_min = w->min, .tm_hour = w->hour, .tm_mday = w->mday,
                     .tm_mon = w->mon, .tm_year = w->year, .tm_wday = w->wday, .tm_yday = w->yday,
                     .tm_isdst = w->isdst};
    t->tm_zone = tzname[w->isdst > 0];
}

CRT long long wv_ms__time64(long long *t)
{
    long long now = (long long)time(NULL);
    if (t)
        *t = now;
    return now;
}

CRT long long wv_ms_time(long long *t) { return wv_ms__time64(t); }

CRT int wv_ms__time32(int *t)
{
    int now = (int)time(NULL);
    if (t)
        *t = now;
    return now;
}

/* Local (or UTC) broken-down time of *t into w; 0 or EINVAL. */
static int wv_break(struct wv_tm *w, const long long *t, bool utc)
{
    struct tm h;
    if (!w || !t || *t < 0 || *t > WV_TIME_MAX)
        return EINVAL;
    time_t v = (time_t)*t;
    if (!(utc ? gmtime_r(&v, &h) : localtime_r(&v, &h)))
        return EINVAL;
    wv_tm_from(w, &h);
    return 0;
}

static __thread struct wv_tm wv_tm_buf;

static struct wv_tm *wv_break_static(const long long *t, bool utc)
{
    int e = wv_break(&wv_tm_buf, t, utc);
    return e ? (wv_crt_fail(e), NULL) : &wv_tm_buf;
}

CRT struct wv_tm *wv_ms__localtime64(const long long *t) { return wv_break_static(t, false); }
CRT struct wv_tm *wv_ms_localtime(const long long *t) { return wv_break_static(t, false); }
CRT struct wv_tm *wv_ms__gmtime64(const long long *t) { return wv_break_static(t, true); }
CRT struct wv_tm *wv_ms_gmtime(const long long *t) { return wv_break_static(t, true); }

static int wv_break_s(struct wv_tm *w, const long long *t, bool utc)
{
    int e = wv_break(w, t, utc);
    if (e && w)
        memset(w, 0xff, sizeof(*w)); /* msvcrt marks the result invalid */
    return e ? (wv_crt_fail(e), e) : 0;
}

CRT int wv_ms__localtime64_s(struct wv_tm *w, const long long *t) { return wv_break_s(w, t, false); }
CRT int wv_ms__gmtime64_s(struct wv_tm *w, const long long *t) { return wv_break_s(w, t, true); }

/* Normalises *w (local time, or UTC) and gives its time_t; -1 outside msvcrt's range. */
static long long wv_make(struct wv_tm *w, bool utc)
{
    struct tm h;
    if (!w)
        return wv_crt_fail(EINVAL);
    wv_tm_to(&h, w);
    time_t r = utc ? timegm(&h) : mktime(&h);
    if (r < 0 || r > WV_TIME_MAX)
        return wv_crt_fail(EINVAL);
    wv_tm_from(w, &h);
    return r;
}

CRT long long wv_ms__mktime64(struct wv_tm *w) { return wv_make(w, false); }
CRT long long wv_ms_mktime(struct wv_tm *w) { return wv_make(w, false); }
CRT long long wv_ms__mkgmtime64(struct wv_tm *w) { return wv_make(w, true); }
CRT long long wv_ms__mkgmtime(struct wv_tm *w) { return wv_make(w, true); }
CRT double wv_ms_difftime(long long a, long long b) { return (double)(a - b); }
CRT double wv_ms__difftime64(long long a, long long b) { return (double)(a - b); }

/* ---- clock: milliseconds of wall time since the process started ---- */

static struct timespec wv_start;
void wv_crt_time_init(void) { clock_gettime(CLOCK_MONOTONIC, &wv_start); }

CRT long wv_ms_clock(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - wv_start.tv_sec) * 1000 + (now.tv_nsec - wv_start.tv_nsec) / 1000000);
}

/* struct __timeb64: time, millitm, timezone (minutes west), dstflag. */
struct wv_timeb {
    long long time;
    unsigned short millitm;
    short timezone, dstflag;
};

CRT void wv_ms__ftime64(struct wv_timeb *b)
{
    struct timeval tv;
    struct tm h;
    gettimeofday(&tv, NULL);
    time_t now = tv.tv_sec;
    localtime_r(&now, &h);
    b->time = tv.tv_sec;
    b->millitm = (unsigned short)(tv.tv_usec / 1000);
    b->timezone = (short)(timezone / 60);
    b->dstflag = (short)(h.tm_isdst > 0);
}

CRT void wv_ms__ftime(struct wv_timeb *b) { wv_ms__ftime64(b); }

/* ---- time zone variables ---- */

long wv_ms__timezone;
int wv_ms__daylight;
char *wv_ms__tzname[2] = {"", ""};

CRT void wv_ms__tzset(void)
{
    tzset();
    wv_ms__timezone = timezone, wv_ms__daylight = daylight;
    wv_ms__tzname[0] = tzname[0], wv_ms__tzname[1] = tzname[1];
}

/* ---- text ---- */

/* fmt with msvcrt's "C"-locale %c %x %X spelled out, and the '#' flag dropped (it asks for
 * no leading zeros, which the host strftime spells '-'). */
static bool wv_time_format(const char *fmt, char *out, size_t cap)
{
    size_t k = 0;
    for (const char *p = fmt; *p; p++) {
        const char *put = NULL;
        char one[4] = {*p, 0};
        if (*p == '%' && p[1]) {
            p++;
            bool hash = *p == '#' && p[1];
            p += hash;
            put = *p == 'c' ? "%m/%d/%y %H:%M:%S" : *p == 'x' ? "%m/%d/%y" : *p == 'X' ? "%H:%M:%S" : NULL;
            int n = 0;
            one[n++] = '%';
            if (hash && strchr("dHIjmMSUwWyY", *p))
                one[n++] = '-';
            one[n++] = *p, one[n] = 0;
        }
        if (!put)
            put = one;
        size_t n = strlen(put);
        if (k + n >= cap)
            return false;
        memcpy(out + k, put, n), k += n;
    }
    out[k] = 0;
    return true;
}

CRT size_t wv_ms_strftime(char *buf, size_t cap, const char *fmt, const struct wv_tm *w)
{
    char hf[1024];
    struct tm h;
    if (!buf || !fmt || !w || !cap) {
        wv_crt_fail(EINVAL);
        return 0;
    }
    if (!wv_time_format(fmt, hf, sizeof(hf)))
        return buf[0] = 0, wv_crt_fail(EINVAL), 0;
    wv_tm_to(&h, w);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t n = strftime(buf, cap, hf, &h);
#pragma GCC diagnostic pop
    if (!n)
        buf[0] = 0, wv_crt_fail(ERANGE);
    return n;
}

CRT size_t wv_ms_wcsftime(WCHAR *buf, size_t cap, const WCHAR *fmt, const struct wv_tm *w)
{
    char *f = NULL, out[4096];
    size_t len = 0;
    if (!buf || !cap || !fmt || wv_utf8(fmt, &f))
        return wv_crt_fail(EINVAL), 0;
    size_t n = wv_ms_strftime(out, sizeof(out), f, w);
    free(f);
    if (!n || wv_utf8_to_utf16(out, n, buf, cap - 1, WV_TEXT_REPLACE, &len))
        return buf[0] = 0, 0;
    buf[len] = 0;
    return len;
}

/* "Thu Jan 01 00:00:00 1970\n", per thread. */
static __thread char wv_asc[64];

CRT char *wv_ms_asctime(const struct wv_tm *w)
{
    static const char day[] = "SunMonTueWedThuFriSat", mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (!w || w->wday < 0 || w->wday > 6 || w->mon < 0 || w->mon > 11)
        return wv_crt_fail(EINVAL), NULL;
    snprintf(wv_asc, sizeof(wv_asc), "%.3s %.3s %02d %02d:%02d:%02d %4d\n", day + 3 * w->wday, mon + 3 * w->mon,
             w->mday, w->hour, w->min, w->sec, w->year + 1900);
    return wv_asc;
}

CRT char *wv_ms__ctime64(const long long *t)
{
    struct wv_tm *w = wv_break_static(t, false);
    return w ? wv_ms_asctime(w) : NULL;
}

CRT char *wv_ms_ctime(const long long *t) { return wv_ms__ctime64(t); }
