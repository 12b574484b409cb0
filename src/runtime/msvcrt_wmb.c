/* SPDX-License-Identifier: MIT */
/* msvcrt_wmb.c - between wide and multibyte text: wcstombs/mbstowcs/wctomb/mbtowc (by the
 * locale's code page, msvcrt_wide.c's header says how), wide number conversions (wcstol...),
 * and wide characters on FILEs (fgetwc, fputwc, ungetwc, fputws, fgetws: UTF-8 on the stream).
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WV_WEOF 0xffff

CRT unsigned wv_ms____lc_codepage_func(void);
static bool wv_utf8_locale(void) { return wv_ms____lc_codepage_func() == 65001; }

/* ---- multibyte <-> wide ---- */

/* Units of s as the locale's bytes into d (cap bytes; whole characters only), or only the
 * length when d is NULL: the length, or -1 and EILSEQ for a unit the locale cannot write. */
CRT size_t wv_ms_wcstombs(char *d, const WCHAR *s, size_t cap)
{
    size_t n = wv_crt_wcslen(s), len = 0;
    if (!wv_utf8_locale()) {
        for (size_t i = 0; i < n; i++)
            if (s[i] > 0xff)
                return wv_crt_fail(EILSEQ), (size_t)-1;
        len = d && n > cap ? cap : n;
        for (size_t i = 0; d && i < len; i++)
            d[i] = (char)s[i];
    } else {
        DWORD e = wv_utf16_to_utf8(s, n, d, d ? cap : 0, WV_TEXT_STRICT, &len);
        if (e == ERROR_NO_UNICODE_TRANSLATION)
            return wv_crt_fail(EILSEQ), (size_t)-1;
    }
    if (d && len < cap)
        d[len] = 0;
    return len;
}

CRT size_t wv_ms_mbstowcs(WCHAR *d, const char *s, size_t cap)
{
    size_t n = strlen(s), len = 0;
    if (!wv_utf8_locale()) {
        len = d && n > cap ? cap : n;
        for (size_t i = 0; d && i < len; i++)
            d[i] = (unsigned char)s[i];
    } else if (wv_utf8_to_utf16(s, n, d, d ? cap : 0, WV_TEXT_STRICT, &len) == ERROR_NO_UNICODE_TRANSLATION) {
        return wv_crt_fail(EILSEQ), (size_t)-1;
    }
    if (d && len < cap)
        d[len] = 0;
    return len;
}

CRT int wv_ms_wctomb(char *d, WCHAR c)
{
    if (!d)
        return 0; /* no shift states */
    size_t len = 0;
    if (!wv_utf8_locale())
        return c > 0xff ? wv_crt_fail(EILSEQ) : (d[0] = (char)c, 1);
    if (wv_utf16_to_utf8(&c, 1, d, 4, WV_TEXT_STRICT, &len))
        return wv_crt_fail(EILSEQ);
    return (int)len;
}

/* The length of the character at s (n bytes at most) and its unit in *w; 0 for the
 * terminator, -1 and EILSEQ when it is not one whole character of the BMP. */
CRT int wv_ms_mbtowc(WCHAR *w, const char *s, size_t n)
{
    if (!s)
        return 0;
    if (!n)
        return -1;
    unsigned char b = (unsigned char)s[0];
    int len = !wv_utf8_locale() || b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : 0;
    WCHAR u = b;
    size_t out = 0;
    if (len > 1 && ((size_t)len > n || wv_utf8_to_utf16(s, (size_t)len, &u, 1, WV_TEXT_STRICT, &out) || out != 1))
        len = 0;
    if (!len)
        return wv_crt_fail(EILSEQ);
    if (w)
        *w = u;
    return b ? len : 0;
}

CRT int wv_ms_mblen(const char *s, size_t n) { return wv_ms_mbtowc(NULL, s, n); }

/* ---- wide numbers: the digits are ASCII, so the narrow conversion does the work ---- */

/* An ASCII copy of s (other units become 0x01, which ends any number); NULL without memory. */
static char *wv_ascii(const WCHAR *s)
{
    size_t n = wv_crt_wcslen(s);
    char *a = malloc(n + 1);
    for (size_t i = 0; a && i <= n; i++)
        a[i] = s[i] < 0x80 ? (char)s[i] : 1;
    return a;
}

CRT long wv_ms_strtol(const char *s, char **e, int b);
CRT unsigned long wv_ms_strtoul(const char *s, char **e, int b);
CRT long long wv_ms__strtoi64(const char *s, char **e, int b);
CRT unsigned long long wv_ms__strtoui64(const char *s, char **e, int b);
CRT double wv_ms_strtod(const char *s, char **e);

#define WV_WNUM(type, name, call)                                                           \
    CRT type wv_ms_##name(const WCHAR *s, WCHAR **end, int b)                               \
    {                                                                                       \
        char *a = wv_ascii(s), *e = NULL;                                                   \
        type r = a ? call : 0;                                                              \
        if (end)                                                                            \
            *end = (WCHAR *)s + (a ? e - a : 0);                                            \
        free(a);                                                                            \
        return r;                                                                           \
    }

WV_WNUM(long, wcstol, wv_ms_strtol(a, &e, b))
WV_WNUM(unsigned long, wcstoul, wv_ms_strtoul(a, &e, b))
WV_WNUM(long long, _wcstoi64, wv_ms__strtoi64(a, &e, b))
WV_WNUM(unsigned long long, _wcstoui64, wv_ms__strtoui64(a, &e, b))
WV_WNUM(double, wcstod_, wv_ms_strtod(a, &e))

CRT double wv_ms_wcstod(const WCHAR *s, WCHAR **end) { return wv_ms_wcstod_(s, end, 0); }
CRT int wv_ms__wtoi(const WCHAR *s) { return (int)wv_ms_wcstol(s, NULL, 10); }
CRT long wv_ms__wtol(const WCHAR *s) { return wv_ms_wcstol(s, NULL, 10); }
CRT double wv_ms__wtof(const WCHAR *s) { return wv_ms_wcstod(s, NULL); }

/* ---- wide characters on FILEs ---- */

/* UTF-8 bytes of one or two units (a pair) written to f; the unit, or WEOF. */
static WCHAR wv_put_units(FILE *f, const WCHAR *u, size_t n, WCHAR ret)
{
    char b[8];
    size_t len = 0;
    wv_utf16_to_utf8(u, n, b, sizeof(b), WV_TEXT_REPLACE, &len);
    bool ok = fwrite(b, 1, len, f) == len;
    if (f == stdout || f == stderr)
        fflush(f);
    return ok ? ret : WV_WEOF;
}

CRT WCHAR wv_ms_fputwc(WCHAR c, void *fp)
{
    FILE *f = wv_crt_host_file(fp);
    if (!f)
        return wv_crt_fail(EINVAL), WV_WEOF;
    WCHAR *high = wv_crt_wpending(fp);
    if (c >= 0xd800 && c < 0xdc00) { /* the first of a pair: written with the second */
        *high = c;
        return c;
    }
    WCHAR u[2] = {*high, c};
    bool pair = *high && c >= 0xdc00 && c < 0xe000;
    *high = 0;
    return wv_put_units(f, pair ? u : u + 1, pair ? 2 : 1, c);
}

CRT WCHAR wv_ms_putwc(WCHAR c, void *fp) { return wv_ms_fputwc(c, fp); }
CRT WCHAR wv_ms_putwchar(WCHAR c) { return wv_ms_fputwc(c, &wv_ms__iob[1]); }

CRT WCHAR wv_ms_fgetwc(void *fp)
{
    FILE *f = wv_crt_host_file(fp);
    if (!f)
        return wv_crt_fail(EINVAL), WV_WEOF;
    WCHAR *low = wv_crt_wpending(fp);
    if (*low) { /* the second of a pair read last time */
        WCHAR c = *low;
        *low = 0;
        return c;
    }
    int c = fgetc(f);
    if (c == EOF)
        return WV_WEOF;
    char b[4] = {(char)c};
    size_t n = c < 0xc2 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 1, k = 1;
    for (; k < n; k++) {
        int d = fgetc(f);
        if ((d & 0xc0) != 0x80) { /* not a continuation: the next character's */
            if (d != EOF)
                ungetc(d, f);
            break;
        }
        b[k] = (char)d;
    }
    WCHAR u[2] = {0xfffd, 0};
    size_t len = 0;
    wv_utf8_to_utf16(b, k, u, 2, WV_TEXT_REPLACE, &len);
    if (len == 2)
        *low = u[1];
    return u[0];
}

CRT WCHAR wv_ms_getwc(void *fp) { return wv_ms_fgetwc(fp); }

/* Pushes back the character's UTF-8 bytes, last first. */
CRT WCHAR wv_ms_ungetwc(WCHAR c, void *fp)
{
    FILE *f = wv_crt_host_file(fp);
    char b[8];
    size_t len = 0;
    if (!f || c == WV_WEOF)
        return WV_WEOF;
    wv_utf16_to_utf8(&c, 1, b, sizeof(b), WV_TEXT_REPLACE, &len);
    while (len)
        if (ungetc((unsigned char)b[--len], f) == EOF)
            return WV_WEOF;
    return c;
}

CRT int wv_ms_fputws(const WCHAR *s, void *fp)
{
    for (; s && *s; s++)
        if (wv_ms_fputwc(*s, fp) == WV_WEOF && *s != WV_WEOF)
            return -1;
    return s ? 0 : wv_crt_fail(EINVAL);
}

CRT WCHAR *wv_ms_fgetws(WCHAR *buf, int n, void *fp)
{
    int k = 0;
    while (k + 1 < n) {
        WCHAR c = wv_ms_fgetwc(fp);
        if (c == WV_WEOF)
            break;
        buf[k++] = c;
        if (c == '\n')
            break;
    }
    if (n > 0)
        buf[k] = 0;
    return k ? buf : NULL;
}
