/* SPDX-License-Identifier: MIT */
/* wide.c - the one UTF-16 <-> UTF-8 converter of winvm: the W (UTF-16) forms of the
 * name-taking calls (which then call the A forms), kernel32's code-page conversions, the
 * command line, msvcrt's %ls.
 *
 * Invalid input is never converted silently into something else than U+FFFD:
 *   - UTF-16: an unpaired surrogate;
 *   - UTF-8: a byte that does not begin a well-formed sequence (a stray continuation byte,
 *     C0, C1, F5-FF, a sequence cut short, an overlong form, a surrogate, a value past
 *     U+10FFFF); decoding resumes at the next byte, so each such byte is one unit of output.
 * The caller chooses: WV_TEXT_REPLACE writes U+FFFD for each (Windows' code-page
 * conversions), WV_TEXT_STRICT refuses the input (file names, which Linux must hold),
 * WV_TEXT_WTF8 keeps an unpaired surrogate as its own three bytes (object names: Windows
 * compares them by their UTF-16 code units, so distinct names must stay distinct). */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#define WV_REPLACEMENT 0xfffdu

/* The code point of the UTF-16 character at s[*i] (n units in all), *i moved past it; -1 for
 * an unpaired surrogate. */
static int32_t wv_utf16_next(const WCHAR *s, size_t n, size_t *i)
{
    uint32_t c = s[(*i)++];
    if (c < 0xd800 || c >= 0xe000)
        return (int32_t)c;
    if (c < 0xdc00 && *i < n && s[*i] >= 0xdc00 && s[*i] < 0xe000)
        return (int32_t)(0x10000 + ((c - 0xd800) << 10) + (s[(*i)++] - 0xdc00u));
    return -1;
}

/* One character of the UTF-8 at s (n > 0 bytes left): its length, with *cp its code point;
 * for an ill-formed sequence, the bytes Windows replaces with one U+FFFD, with *cp U+FFFD and
 * *bad set.  Windows' rule (MultiByteToWideChar, CP_UTF8): a byte that begins no sequence
 * (80..C1, F5..FF) is one; else the lead byte and the continuation bytes after it up to the
 * one that shows the value cannot be valid, that byte included (E0 80 is one: an overlong
 * form; ED A0 a surrogate; F4 90 past U+10FFFF), or up to a byte that is no continuation
 * byte or the end, that byte excluded (E0 A0 followed by '-' is one). */
static size_t wv_utf8_next(const unsigned char *s, size_t n, uint32_t *cp, bool *bad)
{
    unsigned c = s[0];
    *bad = false;
    *cp = c;
    if (c < 0x80)
        return 1;
    size_t len = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
    *bad = true;
    *cp = WV_REPLACEMENT;
    if (len == 0)
        return 1;
    /* Only the second byte can rule a sequence out; its range narrows after four leads. */
    unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    uint32_t v = c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if (i >= n || (s[i] & 0xc0) != 0x80)
            return i;
        if (i == 1 && (s[1] < lo || s[1] > hi))
            return 2;
        v = v << 6 | (s[i] & 0x3f);
    }
    *bad = false;
    *cp = v;
    return len;
}

DWORD wv_utf16_to_utf8(const WCHAR *s, size_t n, char *out, size_t cap, enum wv_text_policy bad,
                       size_t *len)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        int32_t v = wv_utf16_next(s, n, &i);
        if (v < 0 && bad == WV_TEXT_STRICT)
            return ERROR_NO_UNICODE_TRANSLATION;
        uint32_t c = v >= 0 ? (uint32_t)v : bad == WV_TEXT_WTF8 ? s[i - 1] : WV_REPLACEMENT;
        unsigned char b[4];
        size_t m = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (m == 1)
            b[0] = (unsigned char)c;
        else if (m == 2)
            b[0] = (unsigned char)(0xc0 | c >> 6), b[1] = (unsigned char)(0x80 | (c & 0x3f));
        else if (m == 3)
            b[0] = (unsigned char)(0xe0 | c >> 12), b[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f)),
            b[2] = (unsigned char)(0x80 | (c & 0x3f));
        else
            b[0] = (unsigned char)(0xf0 | c >> 18), b[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f)),
            b[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f)), b[3] = (unsigned char)(0x80 | (c & 0x3f));
        if (out) {
            if (m > cap - k)
                return ERROR_INSUFFICIENT_BUFFER;
            memcpy(out + k, b, m);
        }
        k += m;
    }
    *len = k;
    return 0;
}

/* WV_TEXT_WTF8's form of an unpaired surrogate at s (n bytes left): true with *unit. */
static bool wv_wtf8_surrogate(const unsigned char *s, size_t n, uint32_t *unit)
{
    if (n < 3 || s[0] != 0xed || s[1] < 0xa0 || s[1] > 0xbf || (s[2] & 0xc0) != 0x80)
        return false;
    *unit = 0xd000u | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3fu);
    return true;
}

DWORD wv_utf8_to_utf16(const char *s, size_t n, WCHAR *out, size_t cap, enum wv_text_policy bad,
                       size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        bool invalid = false;
        if (bad == WV_TEXT_WTF8 && wv_wtf8_surrogate(u + i, n - i, &c))
            i += 3;
        else
            i += wv_utf8_next(u + i, n - i, &c, &invalid);
        if (invalid && bad == WV_TEXT_STRICT)
            return ERROR_NO_UNICODE_TRANSLATION;
        size_t units = c >= 0x10000 ? 2 : 1;
        if (out) {
            if (units > cap - k)
                return ERROR_INSUFFICIENT_BUFFER;
            if (units == 2)
                out[k] = (WCHAR)(0xd800 + ((c - 0x10000) >> 10)), out[k + 1] = (WCHAR)(0xdc00 + (c & 0x3ff));
            else
                out[k] = (WCHAR)c;
        }
        k += units;
    }
    *len = k;
    return 0;
}

DWORD wv_utf8(LPCWSTR s, char **out) { return wv_utf8_as(s, WV_TEXT_STRICT, out); }

DWORD wv_utf8_as(LPCWSTR s, enum wv_text_policy bad, char **out)
{
    size_t n = 0, len;
    while (s[n])
        n++;
    char *u = malloc(n * 3 + 1); /* a unit takes at most 3 bytes (a pair, 4 for 2 units) */
    DWORD err = u ? wv_utf16_to_utf8(s, n, u, n * 3, bad, &len) : ERROR_NOT_ENOUGH_MEMORY;
    if (err) {
        free(u);
        *out = NULL;
        return err == ERROR_NO_UNICODE_TRANSLATION ? ERROR_INVALID_NAME : err;
    }
    u[len] = 0;
    *out = u;
    return 0;
}

WCHAR *wv_utf16(const char *s)
{
    size_t n = strlen(s), len;
    WCHAR *out = malloc((n + 1) * sizeof(WCHAR)); /* a byte gives at most one unit */
    if (!out)
        return NULL;
    wv_utf8_to_utf16(s, n, out, n, WV_TEXT_REPLACE, &len); /* cannot fail: room for all */
    out[len] = 0;
    return out;
}

DWORD wv_name_form(const char *s, size_t n, char *out, size_t cap, size_t *len)
{
    WCHAR stack[256], *w = n <= 256 ? stack : malloc(n * sizeof(WCHAR)); /* a byte: at most a unit */
    size_t units = 0;
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    DWORD err = wv_utf8_to_utf16(s, n, w, n, WV_TEXT_WTF8, &units);
    if (!err)
        err = wv_utf16_to_utf8(w, units, out, cap, WV_TEXT_WTF8, len);
    if (w != stack)
        free(w);
    return err;
}
