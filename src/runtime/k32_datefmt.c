/* SPDX-License-Identifier: MIT */
/* k32_datefmt.c - GetDateFormat and GetTimeFormat (A, W, Ex): a SYSTEMTIME (NULL: the local
 * time now) written by a picture, the caller's or the locale's.  Pictures as Windows reads them:
 * d dd ddd dddd, M MM MMM MMMM, y yy yyyy (yyy and longer: the whole year), g gg (the era);
 * h hh H HH m mm s ss t tt; text in single quotes is copied ('' is a quote), any other
 * character is copied.  TIME_NOSECONDS / TIME_NOMINUTESORSECONDS drop the fields and the
 * separator before them, TIME_NOTIMEMARKER the marker and the space before it,
 * TIME_FORCE24HOURFORMAT reads h as H.
 *
 * Windows' size protocol: with cch 0 the length needed (terminator included); too small,
 * ERROR_INSUFFICIENT_BUFFER; a picture with DATE_SHORTDATE/LONGDATE/YEARMONTH or TIME_* it
 * cannot take, ERROR_INVALID_FLAGS; a field out of range, ERROR_INVALID_PARAMETER.
 * **winvm choice**: every locale formats as en-US, LOCALE_INVARIANT as the invariant locale
 * (docs/semantics.md). */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const wv_day_names[7] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
static const char *const wv_month_names[12] = {"January", "February", "March",     "April",   "May",      "June",
                                               "July",    "August",   "September", "October", "November", "December"};

#define WV_LOCALE_INVARIANT 0x007f

/* The locale's picture for flags (one of the DATE_ kinds; 0 for the time). */
static const char *wv_picture(LCID lcid, DWORD kind)
{
    bool inv = lcid == WV_LOCALE_INVARIANT;
    switch (kind) {
    case DATE_LONGDATE:
        return inv ? "dddd, dd MMMM yyyy" : "dddd, MMMM d, yyyy";
    case DATE_YEARMONTH:
        return inv ? "yyyy MMMM" : "MMMM yyyy";
    case DATE_MONTHDAY:
        return inv ? "MMMM dd" : "MMMM d";
    case 0:
        return inv ? "HH:mm:ss" : "h:mm:ss tt";
    default:
        return inv ? "MM/dd/yyyy" : "M/d/yyyy";
    }
}

/* Output into a bounded buffer, counting what did not fit. */
struct wv_fmt_out {
    char *p;
    size_t n, cap;
};

static void wv_put(struct wv_fmt_out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, o->n++)
        if (o->n + 1 < o->cap)
            o->p[o->n] = s[i];
}

static void wv_put_num(struct wv_fmt_out *o, unsigned v, int width)
{
    char b[16];
    wv_put(o, b, (size_t)snprintf(b, sizeof(b), "%0*u", width, v));
}

/* One field: count repeats of letter c. */
static void wv_date_field(struct wv_fmt_out *o, char c, size_t count, const SYSTEMTIME *t)
{
    const char *name;
    switch (c) {
    case 'd':
        if (count <= 2)
            return wv_put_num(o, t->wDay, (int)count);
        name = wv_day_names[t->wDayOfWeek];
        return wv_put(o, name, count == 3 ? 3 : strlen(name));
    case 'M':
        if (count <= 2)
            return wv_put_num(o, t->wMonth, (int)count);
        name = wv_month_names[t->wMonth - 1];
        return wv_put(o, name, count == 3 ? 3 : strlen(name));
    case 'y':
        if (count <= 2)
            return wv_put_num(o, t->wYear % 100, (int)count);
        return wv_put_num(o, t->wYear, 1);
    default: /* 'g' */
        return wv_put(o, "A.D.", 4);
    }
}

static void wv_time_field(struct wv_fmt_out *o, char c, size_t count, const SYSTEMTIME *t, DWORD flags)
{
    int w = count >= 2 ? 2 : 1;
    unsigned h12 = t->wHour % 12 ? t->wHour % 12 : 12;
    switch (c) {
    case 'h':
        return wv_put_num(o, flags & TIME_FORCE24HOURFORMAT ? t->wHour : h12, w);
    case 'H':
        return wv_put_num(o, t->wHour, w);
    case 'm':
        return wv_put_num(o, t->wMinute, w);
    case 's':
        return wv_put_num(o, t->wSecond, w);
    default: /* 't' */
        return wv_put(o, t->wHour < 12 ? "AM" : "PM", count >= 2 ? 2 : 1);
    }
}

/* Whether a time field c is dropped by flags. */
static bool wv_time_dropped(char c, DWORD flags)
{
    return (c == 's' && (flags & (TIME_NOSECONDS | TIME_NOMINUTESORSECONDS))) ||
           (c == 'm' && (flags & TIME_NOMINUTESORSECONDS)) || (c == 't' && (flags & TIME_NOTIMEMARKER));
}

/* The picture pic applied to t: the date's letters when date, the time's otherwise. */
static void wv_format(struct wv_fmt_out *o, const char *pic, const SYSTEMTIME *t, bool date, DWORD flags)
{
    const char *fields = date ? "dMyg" : "hHmst";
    size_t sep = o->n; /* where the literal text since the last field began */
    for (const char *p = pic; *p;) {
        if (p[0] == '\'' && p[1] == '\'') { /* '' is a quote */
            wv_put(o, p, 1), p += 2;
            continue;
        }
        if (*p == '\'') { /* text up to the closing quote, '' in it a quote */
            for (p++; *p; wv_put(o, p++, 1))
                if (*p == '\'' && *++p != '\'')
                    break;
            continue;
        }
        if (!strchr(fields, *p)) {
            wv_put(o, p++, 1);
            continue;
        }
        size_t count = 1;
        while (p[count] == p[0])
            count++;
        if (!date && wv_time_dropped(*p, flags)) {
            o->n = sep < o->n ? sep : o->n; /* the separator before the field goes with it */
            p += count;
            continue;
        }
        if (date)
            wv_date_field(o, *p, count, t);
        else
            wv_time_field(o, *p, count, t, flags);
        p += count;
        sep = o->n;
    }
}

/* The SYSTEMTIME to format: the caller's (validated: the date's or the time's fields) or now. */
static DWORD wv_fmt_time(const SYSTEMTIME *in, bool date, SYSTEMTIME *t)
{
    if (!in) {
        GetLocalTime(t);
        return 0;
    }
    if (wv_copy(t, in, sizeof(*t)))
        return ERROR_NOACCESS;
    SYSTEMTIME probe = *t;
    if (date)
        probe.wHour = probe.wMinute = probe.wSecond = probe.wMilliseconds = 0;
    else
        probe.wYear = 2000, probe.wMonth = probe.wDay = 1;
    FILETIME ft;
    if (!SystemTimeToFileTime(&probe, &ft) || (!date && t->wMilliseconds > 999))
        return ERROR_INVALID_PARAMETER;
    if (date) { /* Windows works the day of the week out itself */
        SYSTEMTIME back;
        FileTimeToSystemTime(&ft, &back);
        t->wDayOfWeek = back.wDayOfWeek;
    }
    return 0;
}

/* The formatted text (UTF-8, malloc'ed) into *out: 0 or the error. */
static DWORD wv_fmt(LCID lcid, DWORD flags, const SYSTEMTIME *in, const char *pic, bool date, char **out)
{
    DWORD kinds = DATE_SHORTDATE | DATE_LONGDATE | DATE_YEARMONTH | DATE_MONTHDAY;
    DWORD known = date ? kinds | DATE_USE_ALT_CALENDAR | DATE_LTRREADING | DATE_RTLREADING | DATE_AUTOLAYOUT
                       : TIME_NOMINUTESORSECONDS | TIME_NOSECONDS | TIME_NOTIMEMARKER | TIME_FORCE24HOURFORMAT;
    known |= LOCALE_NOUSEROVERRIDE | LOCALE_USE_CP_ACP;
    DWORD kind = date ? flags & kinds : 0;
    if ((flags & ~known) || (kind & (kind - 1)) || (pic && kind) || (date && (flags & DATE_LTRREADING) && (flags & DATE_RTLREADING)))
        return ERROR_INVALID_FLAGS;
    if (pic && (flags & LOCALE_NOUSEROVERRIDE))
        return ERROR_INVALID_FLAGS;
    SYSTEMTIME t;
    DWORD err = wv_fmt_time(in, date, &t);
    if (err)
        return err;
    struct wv_fmt_out o = {NULL, 0, 0};
    const char *use = pic ? pic : wv_picture(lcid, date && !kind ? DATE_SHORTDATE : kind);
    wv_format(&o, use, &t, date, flags); /* measure */
    o.p = malloc(o.n + 1), o.cap = o.n + 1, o.n = 0;
    if (!o.p)
        return ERROR_NOT_ENOUGH_MEMORY;
    wv_format(&o, use, &t, date, flags);
    o.p[o.n < o.cap ? o.n : o.cap - 1] = 0;
    *out = o.p;
    return 0;
}

/* Hands text to a W caller by Windows' size protocol: the units written or needed, or 0. */
static int wv_fmt_give_w(DWORD err, char *text, LPWSTR buf, int cch)
{
    size_t need = 0;
    if (!err)
        wv_utf8_to_utf16(text, strlen(text) + 1, NULL, 0, WV_TEXT_REPLACE, &need);
    if (!err && cch && (size_t)cch < need)
        err = ERROR_INSUFFICIENT_BUFFER;
    if (!err && cch && wv_utf8_to_utf16(text, strlen(text) + 1, buf, (size_t)cch, WV_TEXT_REPLACE, &need))
        err = ERROR_NOACCESS;
    free(text);
    return err ? wv_fail(err) : (int)need;
}

static int wv_fmt_give_a(DWORD err, char *text, LPSTR buf, int cch)
{
    size_t need = err ? 0 : strlen(text) + 1;
    if (!err && cch && (size_t)cch < need)
        err = ERROR_INSUFFICIENT_BUFFER;
    if (!err && cch)
        err = wv_user_put(buf, text, need);
    free(text);
    return err ? wv_fail(err) : (int)need;
}

/* The W picture as UTF-8 (NULL for none) into *out: 0 or the error. */
static DWORD wv_pic_w(LPCWSTR pic, char **out)
{
    *out = NULL;
    return pic ? wv_user_wstr(pic, WV_TEXT_REPLACE, out) : 0;
}

static DWORD wv_fmt_args(const void *buf, int cch)
{
    return cch < 0 || (cch && !buf) ? ERROR_INVALID_PARAMETER : 0;
}

static int wv_fmt_w(LCID lcid, DWORD flags, const SYSTEMTIME *t, LPCWSTR pic, LPWSTR buf, int cch, bool date)
{
    char *p = NULL, *text = NULL;
    DWORD err = wv_fmt_args(buf, cch);
    if (!err)
        err = wv_pic_w(pic, &p);
    if (!err)
        err = wv_fmt(lcid, flags, t, p, date, &text);
    free(p);
    return wv_fmt_give_w(err, text, buf, cch);
}

static int wv_fmt_a(LCID lcid, DWORD flags, const SYSTEMTIME *t, LPCSTR pic, LPSTR buf, int cch, bool date)
{
    char *p = NULL, *text = NULL;
    DWORD err = wv_fmt_args(buf, cch);
    if (!err && pic)
        err = wv_user_str(pic, &p);
    if (!err)
        err = wv_fmt(lcid, flags, t, p, date, &text);
    free(p);
    return wv_fmt_give_a(err, text, buf, cch);
}

int WINAPI GetDateFormatW(LCID lcid, DWORD flags, const SYSTEMTIME *t, LPCWSTR pic, LPWSTR buf, int cch)
{
    return wv_fmt_w(lcid, flags, t, pic, buf, cch, true);
}

int WINAPI GetTimeFormatW(LCID lcid, DWORD flags, const SYSTEMTIME *t, LPCWSTR pic, LPWSTR buf, int cch)
{
    return wv_fmt_w(lcid, flags, t, pic, buf, cch, false);
}

int WINAPI GetDateFormatA(LCID lcid, DWORD flags, const SYSTEMTIME *t, LPCSTR pic, LPSTR buf, int cch)
{
    return wv_fmt_a(lcid, flags, t, pic, buf, cch, true);
}

int WINAPI GetTimeFormatA(LCID lcid, DWORD flags, const SYSTEMTIME *t, LPCSTR pic, LPSTR buf, int cch)
{
    return wv_fmt_a(lcid, flags, t, pic, buf, cch, false);
}

/* The Ex forms name the locale (NULL: the user's; "" the invariant one). */
static LCID wv_lcid_of(LPCWSTR name)
{
    WCHAR c = 1;
    return name && !wv_copy(&c, name, sizeof(c)) && c == 0 ? WV_LOCALE_INVARIANT : 0x0409;
}

int WINAPI GetDateFormatEx(LPCWSTR locale, DWORD flags, const SYSTEMTIME *t, LPCWSTR pic, LPWSTR buf, int cch,
                           LPCWSTR calendar)
{
    if (calendar)
        return wv_fail(ERROR_INVALID_PARAMETER);
    return GetDateFormatW(wv_lcid_of(locale), flags, t, pic, buf, cch);
}

int WINAPI GetTimeFormatEx(LPCWSTR locale, DWORD flags, const SYSTEMTIME *t, LPCWSTR pic, LPWSTR buf, int cch)
{
    return GetTimeFormatW(wv_lcid_of(locale), flags, t, pic, buf, cch);
}
