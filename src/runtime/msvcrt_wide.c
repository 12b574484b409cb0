/* SPDX-License-Identifier: MIT */
/* msvcrt_wide.c - wide (UTF-16) strings, classes and case, multibyte conversions, and wide
 * characters on FILEs.
 *
 * wchar_t is 16 bits on Windows: every function here works on WCHAR.  Classes and case follow
 * Unicode (the host's C.UTF-8 tables), as Windows' do whatever the locale.  Multibyte text is
 * what the locale says (msvcrt_locale.c): in "C" one byte is one character 0-255 (wcstombs of
 * anything above 255 is EILSEQ), in the user's UTF-8 locale it is UTF-8.  **winvm choice**:
 * wide characters on a FILE (fgetwc, fputwc, fputws...) are UTF-8 on the stream whatever the
 * locale, so wide output reaches a Linux terminal readable.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#define WV_WEOF 0xffff

/* ---- strings ---- */

size_t wv_crt_wcslen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static WCHAR wv_wlower(WCHAR c);

CRT size_t wv_ms_wcslen(const WCHAR *s) { return wv_crt_wcslen(s); }
CRT size_t wv_ms_wcsnlen(const WCHAR *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k])
        k++;
    return k;
}
CRT WCHAR *wv_ms_wcscpy(WCHAR *d, const WCHAR *s) { return memmove(d, s, (wv_crt_wcslen(s) + 1) * 2); }
CRT WCHAR *wv_ms_wcscat(WCHAR *d, const WCHAR *s) { wv_ms_wcscpy(d + wv_crt_wcslen(d), s); return d; }

CRT WCHAR *wv_ms_wcsncpy(WCHAR *d, const WCHAR *s, size_t n)
{
    size_t k = 0;
    for (; k < n && s[k]; k++)
        d[k] = s[k];
    for (; k < n; k++)
        d[k] = 0;
    return d;
}

CRT WCHAR *wv_ms_wcsncat(WCHAR *d, const WCHAR *s, size_t n)
{
    WCHAR *e = d + wv_crt_wcslen(d);
    size_t k = 0;
    for (; k < n && s[k]; k++)
        e[k] = s[k];
    e[k] = 0;
    return d;
}

CRT int wv_ms_wcsncmp(const WCHAR *a, const WCHAR *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i] || !a[i])
            return a[i] < b[i] ? -1 : a[i] > b[i];
    return 0;
}

CRT int wv_ms_wcscmp(const WCHAR *a, const WCHAR *b) { return wv_ms_wcsncmp(a, b, SIZE_MAX); }
CRT int wv_ms_wcscoll(const WCHAR *a, const WCHAR *b) { return wv_ms_wcscmp(a, b); } /* "C" locale */

CRT int wv_ms__wcsnicmp(const WCHAR *a, const WCHAR *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        WCHAR x = wv_wlower(a[i]), y = wv_wlower(b[i]);
        if (x != y || !x)
            return x - y;
    }
    return 0;
}

CRT int wv_ms__wcsicmp(const WCHAR *a, const WCHAR *b) { return wv_ms__wcsnicmp(a, b, SIZE_MAX); }

CRT size_t wv_ms_wcsxfrm(WCHAR *d, const WCHAR *s, size_t n)
{
    size_t len = wv_crt_wcslen(s);
    if (len < n)
        memcpy(d, s, (len + 1) * 2);
    return len;
}

CRT WCHAR *wv_ms_wcschr(const WCHAR *s, WCHAR c)
{
    for (;; s++) {
        if (*s == c)
            return (WCHAR *)s;
        if (!*s)
            return NULL;
    }
}

CRT WCHAR *wv_ms_wcsrchr(const WCHAR *s, WCHAR c)
{
    const WCHAR *r = NULL;
    do
        if (*s == c)
            r = s;
    while (*s++);
    return (WCHAR *)r;
}

CRT WCHAR *wv_ms_wcsstr(const WCHAR *s, const WCHAR *t)
{
    size_t n = wv_crt_wcslen(t);
    for (; *s || !n; s++)
        if (!wv_ms_wcsncmp(s, t, n))
            return (WCHAR *)s;
    return NULL;
}

CRT size_t wv_ms_wcsspn(const WCHAR *s, const WCHAR *set)
{
    size_t k = 0;
    while (s[k] && wv_ms_wcschr(set, s[k]))
        k++;
    return k;
}

CRT size_t wv_ms_wcscspn(const WCHAR *s, const WCHAR *set)
{
    size_t k = 0;
    while (s[k] && !wv_ms_wcschr(set, s[k]))
        k++;
    return k;
}

CRT WCHAR *wv_ms_wcspbrk(const WCHAR *s, const WCHAR *set)
{
    s += wv_ms_wcscspn(s, set);
    return *s ? (WCHAR *)s : NULL;
}

CRT WCHAR *wv_ms__wcsdup(const WCHAR *s)
{
    if (!s)
        return NULL;
    size_t n = (wv_crt_wcslen(s) + 1) * 2;
    WCHAR *d = malloc(n);
    return d ? memcpy(d, s, n) : (wv_crt_fail(ENOMEM), NULL);
}

/* ---- classes and case: Unicode's ---- */

static locale_t wv_uloc;
static pthread_once_t wv_uloc_once = PTHREAD_ONCE_INIT;
static void wv_uloc_init(void) { wv_uloc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0); }

static locale_t wv_loc(void)
{
    pthread_once(&wv_uloc_once, wv_uloc_init);
    return wv_uloc;
}

/* Surrogates are not characters: they keep their value and have no class. */
static WCHAR wv_wlower(WCHAR c)
{
    if (c < 0x80 || !wv_loc() || (c >= 0xd800 && c < 0xe000))
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    wint_t r = towlower_l(c, wv_loc());
    return r <= 0xffff ? (WCHAR)r : c;
}

static WCHAR wv_wupper(WCHAR c)
{
    if (c < 0x80 || !wv_loc() || (c >= 0xd800 && c < 0xe000))
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    wint_t r = towupper_l(c, wv_loc());
    return r <= 0xffff ? (WCHAR)r : c;
}

CRT WCHAR wv_ms_towlower(WCHAR c) { return wv_wlower(c); }
CRT WCHAR wv_ms_towupper(WCHAR c) { return wv_wupper(c); }

/* In place, by towupper/towlower's rule; the string itself is returned. */
CRT WCHAR *wv_ms__wcsupr(WCHAR *s)
{
    for (WCHAR *c = s; c && *c; c++)
        *c = wv_wupper(*c);
    return s;
}

CRT WCHAR *wv_ms__wcslwr(WCHAR *s)
{
    for (WCHAR *c = s; c && *c; c++)
        *c = wv_wlower(*c);
    return s;
}

/* msvcrt's class bits (_UPPER 1 ... _ALPHA 0x100) of a UTF-16 unit. */
static int wv_wclass(WCHAR c)
{
    locale_t l = wv_loc();
    if (c < 0x80 || !l)
        return wv_ms__isctype(c, 0x1ff);
    if (c >= 0xd800 && c < 0xe000)
        return 0;
    return (iswupper_l(c, l) ? 0x1 : 0) | (iswlower_l(c, l) ? 0x2 : 0) | (iswdigit_l(c, l) ? 0x4 : 0) |
           (iswspace_l(c, l) ? 0x8 : 0) | (iswpunct_l(c, l) ? 0x10 : 0) | (iswcntrl_l(c, l) ? 0x20 : 0) |
           (iswblank_l(c, l) ? 0x40 : 0) | (iswalpha_l(c, l) ? 0x100 : 0);
}

CRT int wv_ms_iswctype(WCHAR c, unsigned short mask) { return c == WV_WEOF ? 0 : wv_wclass(c) & mask; }
CRT int wv_ms_iswalpha(WCHAR c) { return wv_ms_iswctype(c, 0x103); }
CRT int wv_ms_iswdigit(WCHAR c) { return wv_ms_iswctype(c, 0x4); }
CRT int wv_ms_iswspace(WCHAR c) { return wv_ms_iswctype(c, 0x8); }
CRT int wv_ms_iswupper(WCHAR c) { return wv_ms_iswctype(c, 0x1); }
CRT int wv_ms_iswlower(WCHAR c) { return wv_ms_iswctype(c, 0x2); }
CRT int wv_ms_iswalnum(WCHAR c) { return wv_ms_iswctype(c, 0x107); }
CRT int wv_ms_iswpunct(WCHAR c) { return wv_ms_iswctype(c, 0x10); }
CRT int wv_ms_iswxdigit(WCHAR c) { return c < 0x80 ? wv_ms__isctype(c, 0x80) : 0; }
