/* SPDX-License-Identifier: MIT */
/* ucrt_stdio.c - the Universal CRT's printf and scanf core: every printf and scanf of a UCRT
 * program is one of these __stdio_common_* calls (the SDK's and mingw-w64's headers inline the
 * named functions onto them), with option bits choosing the standard's or msvcrt's behaviour.
 * The formatting is msvcrt's engine (msvcrt_printf.c); what differs is here:
 *
 *  - the buffer's limit and terminator, three ways (Wine's ucrtbase printf tests record them):
 *    LEGACY_VSPRINTF_NULL_TERMINATION (1) is _vsnprintf's (text > count: count units, no
 *    terminator, -1; text == count: no terminator), STANDARD_SNPRINTF_BEHAVIOR (2) is C99's
 *    (at most count - 1 units and a terminator, the whole length returned), neither is
 *    swprintf's (a text that does not fit: count - 1 units, a terminator, -2; -1 for count 0);
 *    a NULL buffer with count 0 asks for the length in every mode;
 *  - in the wide functions %s and %c are narrow, as in C, unless LEGACY_WIDE_SPECIFIERS (4)
 *    asks for msvcrt's rule (the function's own width), which the SDK's headers do by default;
 *  - the _s forms: _TRUNCATE, ERANGE with an empty buffer.
 * The locale argument is ignored: winvm's one locale is "C".  LEGACY_MSVCRT_COMPATIBILITY (8)
 * and LEGACY_THREE_DIGIT_EXPONENTS (16) are not served: infinities print as "inf", exponents
 * with two digits at least (the standard's, UCRT's default).
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WV_PF_LEGACY_NULLTERM 0x1
#define WV_PF_STANDARD_SNPRINTF 0x2
#define WV_PF_LEGACY_WIDE 0x4
#define WV_SCANF_SECURECRT 0x1
#define WV_TRUNCATE ((size_t)-1)

/* The whole text, in units of its width: UTF-8 bytes or UTF-16 units, malloc'ed; NULL: errno. */
static void *wv_text(bool wfn, const void *fmt, wv_ms_va *ap, uint64_t opt, size_t *n)
{
    if (!fmt) {
        wv_crt_fail(EINVAL);
        return NULL;
    }
    if (wfn)
        return wv_crt_wformat(fmt, ap, (opt & WV_PF_LEGACY_WIDE) != 0, n);
    char *t = wv_crt_format_alloc(fmt, ap, false, n);
    if (!t)
        wv_crt_fail(ENOMEM);
    return t;
}

/* Writes unit i of buf as 0. */
static DWORD wv_put0(void *buf, size_t i, size_t unit)
{
    static const WCHAR zero;
    return wv_copy((char *)buf + i * unit, &zero, unit);
}

/* Places a text of n units into buf (cap units) by the options' rule; the return value. */
static int wv_place(uint64_t opt, void *buf, size_t cap, const void *text, size_t n, size_t unit)
{
    if (!buf)
        return (int)n; /* cap is 0: the length */
    size_t k = n < cap ? n : cap;
    if (!(opt & WV_PF_LEGACY_NULLTERM) && k == cap && cap)
        k = cap - 1; /* room for the terminator */
    if (k && wv_copy(buf, text, k * unit))
        return wv_crt_fail(EINVAL);
    if (opt & WV_PF_LEGACY_NULLTERM) {
        if (n < cap)
            wv_put0(buf, n, unit);
        return n > cap ? -1 : (int)n;
    }
    if (cap)
        wv_put0(buf, k, unit);
    if (opt & WV_PF_STANDARD_SNPRINTF)
        return (int)n;
    return n < cap ? (int)n : cap ? -2 : -1;
}

static int wv_sprint(bool wfn, uint64_t opt, void *buf, size_t cap, const void *fmt, wv_ms_va *ap)
{
    if (!buf && cap)
        return wv_crt_fail(EINVAL);
    size_t n;
    void *text = wv_text(wfn, fmt, ap, opt, &n);
    if (!text)
        return -1;
    int r = wv_place(opt, buf, cap, text, n, wfn ? sizeof(WCHAR) : 1);
    free(text);
    return r;
}

CRT int wv_ucrt___stdio_common_vsprintf(uint64_t opt, char *buf, size_t cap, const char *fmt, void *loc, wv_ms_va ap)
{
    (void)loc;
    return wv_sprint(false, opt, buf, cap, fmt, &ap);
}

CRT int wv_ucrt___stdio_common_vswprintf(uint64_t opt, WCHAR *buf, size_t cap, const WCHAR *fmt, void *loc, wv_ms_va ap)
{
    (void)loc;
    return wv_sprint(true, opt, buf, cap, fmt, &ap);
}

/* _vsnprintf_s: at most count units (_TRUNCATE: as many as fit) and always a terminator; -1
 * when cut; a text that must not be cut and does not fit is ERANGE and leaves "". */
static int wv_snprint_s(bool wfn, uint64_t opt, void *buf, size_t size, size_t count, const void *fmt, wv_ms_va *ap)
{
    size_t unit = wfn ? sizeof(WCHAR) : 1, n;
    if (!buf || !size || !fmt) {
        if (buf && size)
            wv_put0(buf, 0, unit);
        return wv_crt_fail(EINVAL);
    }
    void *text = wv_text(wfn, fmt, ap, opt, &n);
    if (!text)
        return -1;
    int r;
    size_t k = n;
    if (n < size && (count == WV_TRUNCATE || n <= count))
        r = (int)n;
    else if (count == WV_TRUNCATE || count < size)
        r = -1, k = count == WV_TRUNCATE || count >= size ? size - 1 : count;
    else
        r = -2, k = 0;
    if (k && wv_copy(buf, text, k * unit))
        r = wv_crt_fail(EINVAL), k = 0;
    wv_put0(buf, k, unit);
    free(text);
    return r == -2 ? wv_crt_fail(ERANGE) : r;
}

CRT int wv_ucrt___stdio_common_vsnprintf_s(uint64_t opt, char *buf, size_t size, size_t count, const char *fmt,
                                            void *loc, wv_ms_va ap)
{
    (void)loc;
    return wv_snprint_s(false, opt, buf, size, count, fmt, &ap);
}

CRT int wv_ucrt___stdio_common_vsnwprintf_s(uint64_t opt, WCHAR *buf, size_t size, size_t count, const WCHAR *fmt,
                                             void *loc, wv_ms_va ap)
{
    (void)loc;
    return wv_snprint_s(true, opt, buf, size, count, fmt, &ap);
}

/* vsprintf_s: the whole text or nothing (ERANGE). */
CRT int wv_ucrt___stdio_common_vsprintf_s(uint64_t opt, char *buf, size_t size, const char *fmt, void *loc, wv_ms_va ap)
{
    (void)loc;
    return wv_snprint_s(false, opt, buf, size, size, fmt, &ap);
}

CRT int wv_ucrt___stdio_common_vswprintf_s(uint64_t opt, WCHAR *buf, size_t size, const WCHAR *fmt, void *loc,
                                            wv_ms_va ap)
{
    (void)loc;
    return wv_snprint_s(true, opt, buf, size, size, fmt, &ap);
}

/* ---- to a FILE: wide text goes out as UTF-8, as fputws writes it ---- */

static int wv_fprint(bool wfn, uint64_t opt, void *fp, const void *fmt, wv_ms_va *ap)
{
    FILE *f = wv_crt_host_file(fp);
    if (!f || !fmt)
        return wv_crt_fail(EINVAL);
    if (!wfn)
        return wv_crt_fprint(f, fmt, ap);
    char *f8 = NULL, *text;
    size_t n;
    if (wv_utf8_as(fmt, WV_TEXT_WTF8, &f8) || !(text = wv_crt_format_alloc(f8, ap, (opt & WV_PF_LEGACY_WIDE) != 0, &n))) {
        free(f8);
        return wv_crt_fail(ENOMEM);
    }
    free(f8);
    size_t units = 0; /* the count returned is in UTF-16 units */
    wv_utf8_to_utf16(text, n, NULL, 0, WV_TEXT_WTF8, &units);
    bool ok = fwrite(text, 1, n, f) == n;
    free(text);
    fflush(f);
    return ok ? (int)units : -1;
}

CRT int wv_ucrt___stdio_common_vfprintf(uint64_t opt, void *fp, const char *fmt, void *loc, wv_ms_va ap)
{
    (void)loc;
    return wv_fprint(false, opt, fp, fmt, &ap);
}

CRT int wv_ucrt___stdio_common_vfwprintf(uint64_t opt, void *fp, const WCHAR *fmt, void *loc, wv_ms_va ap)
{
    (void)loc;
    return wv_fprint(true, opt, fp, fmt, &ap);
}

/* ---- scanf ---- */

/* Whether fmt has a stored %c, %s or %[ (the _s forms' buffer-size argument follows those). */
static bool wv_scan_sized(const char *fmt)
{
    for (const char *p = fmt; (p = strchr(p, '%'));) {
        p++;
        if (*p == '%') {
            p++;
            continue;
        }
        bool skip = *p == '*';
        p += strspn(p, "*0123456789hlLwIjzt36");
        if (!skip && *p && strchr("cs[CS", *p))
            return true;
    }
    return false;
}

/* SECURECRT (the _s forms) with a sized conversion would read a size argument the host scanf
 * does not take: refused (EINVAL) before reading anything. */
CRT int wv_ucrt___stdio_common_vsscanf(uint64_t opt, const char *s, size_t len, const char *fmt, void *loc,
                                        wv_ms_va ap)
{
    (void)loc;
    if (!s || !fmt || ((opt & WV_SCANF_SECURECRT) && wv_scan_sized(fmt)))
        return wv_crt_fail(EINVAL);
    if (len == (size_t)-1)
        return wv_crt_vsscanf(s, fmt, &ap);
    char *copy = strndup(s, len); /* the input ends at len */
    if (!copy)
        return wv_crt_fail(ENOMEM);
    int r = wv_crt_vsscanf(copy, fmt, &ap);
    free(copy);
    return r;
}

CRT int wv_ucrt___stdio_common_vfscanf(uint64_t opt, void *fp, const char *fmt, void *loc, wv_ms_va ap)
{
    (void)loc;
    FILE *f = wv_crt_host_file(fp);
    if (!f || !fmt || ((opt & WV_SCANF_SECURECRT) && wv_scan_sized(fmt)))
        return wv_crt_fail(EINVAL);
    return wv_crt_vfscanf(f, fmt, &ap);
}
