/* SPDX-License-Identifier: MIT */
/* msvcrt_wprintf.c - msvcrt.dll's wide printf family into buffers: _vsnwprintf, _snwprintf,
 * _vscwprintf, _scwprintf, and msvcrt.dll's own swprintf/vswprintf (the pre-C99 forms without a
 * count: msvcrt.dll's are those, the C99 ones with a count are later runtimes').
 *
 * The format is read as UTF-16, run through the one printf engine (msvcrt_printf.c) as UTF-8
 * with msvcrt's wide rules (%s/%c UTF-16, %S/%C/%hs narrow), and the text converted back; counts
 * and limits are in UTF-16 units, as msvcrt's are.  _vsnwprintf's limit is msvcrt's: the whole
 * text and a terminator when it fits, the text alone (no terminator) when it is exactly the
 * size, and when it is longer the first count units and -1.  A NULL format is EINVAL, -1.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

WCHAR *wv_crt_wformat(const WCHAR *fmt, wv_ms_va *ap, bool wide, size_t *len)
{
    char *f8 = NULL, *text;
    size_t n = 0;
    if (!fmt) {
        wv_crt_fail(EINVAL);
        return NULL;
    }
    if (wv_utf8_as(fmt, WV_TEXT_WTF8, &f8) || !(text = wv_crt_format_alloc(f8, ap, wide, &n))) {
        free(f8);
        wv_crt_fail(ENOMEM);
        return NULL;
    }
    free(f8);
    size_t units = 0;
    WCHAR *w = NULL;
    if (!wv_utf8_to_utf16(text, n, NULL, 0, WV_TEXT_WTF8, &units) && (w = malloc((units + 1) * sizeof(WCHAR))))
        wv_utf8_to_utf16(text, n, w, units, WV_TEXT_WTF8, &units);
    free(text);
    if (!w)
        wv_crt_fail(ENOMEM);
    *len = units;
    return w;
}

/* Writes the text into buf (cap units) as _vsnwprintf does; its length or -1. */
static int wv_wput(WCHAR *buf, size_t cap, const WCHAR *fmt, wv_ms_va *ap)
{
    size_t n;
    WCHAR *w = wv_crt_wformat(fmt, ap, true, &n);
    if (!w)
        return -1;
    size_t k = n < cap ? n : cap;
    if (k && wv_copy(buf, w, k * sizeof(WCHAR))) {
        free(w);
        return wv_crt_fail(EINVAL);
    }
    WCHAR zero = 0;
    if (n < cap)
        (void)wv_copy(buf + n, &zero, sizeof(zero));
    free(w);
    return n > cap || n > 0x7fffffff ? -1 : (int)n;
}

CRT int wv_ms__vsnwprintf(WCHAR *buf, size_t cap, const WCHAR *fmt, wv_ms_va ap) { return wv_wput(buf, cap, fmt, &ap); }

CRT int wv_ms__snwprintf(WCHAR *buf, size_t cap, const WCHAR *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_wput(buf, cap, fmt, &ap);
    __builtin_ms_va_end(ap);
    return n;
}

/* No limit: the caller's buffer is taken to be large enough, as msvcrt takes it. */
CRT int wv_ms_vswprintf(WCHAR *buf, const WCHAR *fmt, wv_ms_va ap) { return wv_wput(buf, (size_t)INT32_MAX, fmt, &ap); }

CRT int wv_ms_swprintf(WCHAR *buf, const WCHAR *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_wput(buf, (size_t)INT32_MAX, fmt, &ap);
    __builtin_ms_va_end(ap);
    return n;
}

/* The length the output would have, in UTF-16 units. */
CRT int wv_ms__vscwprintf(const WCHAR *fmt, wv_ms_va ap)
{
    size_t n;
    WCHAR *w = wv_crt_wformat(fmt, &ap, true, &n);
    free(w);
    return w ? (int)n : -1;
}

CRT int wv_ms__scwprintf(const WCHAR *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_ms__vscwprintf(fmt, ap);
    __builtin_ms_va_end(ap);
    return n;
}

/* ---- to a stream: the text formatted wide, then written as fputws writes it (UTF-8 in a
 * text stream, the ANSI code page's); the count is in UTF-16 units, -1 when the stream refuses
 * it.  A terminator the format produced (%c of 0) ends the text there, as fputws ends. ---- */

CRT int wv_ms_fputws(const WCHAR *s, void *fp); /* msvcrt_wmb.c */

CRT int wv_ms_vfwprintf(void *fp, const WCHAR *fmt, wv_ms_va ap)
{
    size_t n;
    WCHAR *w = wv_crt_wformat(fmt, &ap, true, &n);
    if (!w)
        return -1;
    int r = wv_ms_fputws(w, fp) < 0 ? -1 : (int)n;
    free(w);
    return r;
}

CRT int wv_ms_fwprintf(void *fp, const WCHAR *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_ms_vfwprintf(fp, fmt, ap);
    __builtin_ms_va_end(ap);
    return n;
}

CRT int wv_ms_vwprintf(const WCHAR *fmt, wv_ms_va ap) { return wv_ms_vfwprintf(&wv_ms__iob[1], fmt, ap); }

CRT int wv_ms_wprintf(const WCHAR *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_ms_vfwprintf(&wv_ms__iob[1], fmt, ap);
    __builtin_ms_va_end(ap);
    return n;
}
