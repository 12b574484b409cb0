/* SPDX-License-Identifier: MIT */
/* msvcrt_printf.c - msvcrt.dll's printf engine (msvcrt.c serves the exports that use it).
 *
 * What differs from the host C library is translated here: `long` is 32 bits on Windows, so
 * printf's %ld/%lx read 32-bit values and %I64/%ll 64-bit ones; %p prints 16 upper-case hex
 * digits; variadic arguments arrive in a Windows va_list, read one by one with their types (a
 * host va_list cannot be built from one), each conversion then formatted by the host snprintf.
 *
 * The wide functions (msvcrt_wprintf.c) run the same engine over the format's UTF-8 (WTF-8,
 * so unpaired surrogates come back) with `wide` set: msvcrt's rule is that %s and %c take the
 * function's own width, so there they are UTF-16 and %S/%C narrow; %hs/%hc are narrow and
 * %ls/%lc/%ws/%wc wide in both.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wv_out {
    FILE *f;     /* or a buffer: */
    char *buf;
    size_t cap, len;
    bool grow;   /* buf is malloc'ed and grows to hold everything (cap its size) */
    bool wide;   /* a wide function's format: %s %c are UTF-16 */
    bool nomem;  /* grow failed: the text is incomplete */
};

static void wv_emit(struct wv_out *o, const char *s, size_t n)
{
    if (o->grow && !o->nomem && o->len + n > o->cap) {
        size_t cap = (o->len + n) * 2 + 64;
        char *b = realloc(o->buf, cap);
        if (b)
            o->buf = b, o->cap = cap;
        else
            o->nomem = true;
    }
    if (o->f)
        fwrite(s, 1, n, o->f);
    else if (o->buf && o->len < o->cap) {
        size_t k = n < o->cap - o->len ? n : o->cap - o->len;
        memcpy(o->buf + o->len, s, k);
    }
    o->len += n;
}

/* One conversion as the host printf will see it: Windows' size prefixes taken out (size says
 * what to read instead), '*' widths and precisions already read, in order, from the va_list. */
struct wv_conv {
    char spec[64]; /* '%', flags, width, precision; then a host length and the conversion */
    size_t k;      /* spec's length so far */
    int star[2], nstar;
    int size;      /* 0 int, 1 64-bit, 2 wide (strings and chars), 3 'h' (narrow ones) */
    char c;        /* the conversion; 0 when fmt ended first */
};

/* Parses the conversion after a '%' at p; returns where the text after it starts. */
static const char *wv_conv_parse(struct wv_conv *cv, const char *p, wv_ms_va *ap)
{
    cv->k = 0, cv->nstar = 0, cv->size = 0;
    cv->spec[cv->k++] = '%';
    while (*p && strchr("-+ #0", *p) && cv->k < 40)
        cv->spec[cv->k++] = *p++;
    for (int part = 0; part < 2; part++) { /* the width, then the precision */
        if (part == 1) {
            if (*p != '.')
                break;
            cv->spec[cv->k++] = *p++;
        }
        if (*p == '*') {
            cv->star[cv->nstar++] = __builtin_va_arg(*ap, int);
            cv->spec[cv->k++] = '*', p++;
        } else
            while (*p >= '0' && *p <= '9' && cv->k < 50)
                cv->spec[cv->k++] = *p++;
    }
    if (!strncmp(p, "I64", 3))
        cv->size = 1, p += 3;
    else if (!strncmp(p, "I32", 3))
        p += 3;
    else if (*p == 'I' || *p == 'z' || *p == 'j' || *p == 't')
        cv->size = 1, p++;
    else if (p[0] == 'l' && p[1] == 'l')
        cv->size = 1, p += 2;
    else if (*p == 'l' || *p == 'w')
        cv->size = 2, p++; /* %ld is 32-bit on Windows; %ls a wide string */
    else if (*p == 'h')
        cv->size = 3, p += p[1] == 'h' ? 2 : 1;
    else if (*p == 'L')
        p++;
    cv->c = *p ? *p++ : 0;
    return p;
}

/* Ends the host spec with a length (the host's spelling) and the conversion c. */
static void wv_conv_end(struct wv_conv *cv, const char *length, char c)
{
    size_t n = strlen(length);
    memcpy(cv->spec + cv->k, length, n), cv->k += n;
    cv->spec[cv->k++] = c, cv->spec[cv->k] = 0;
}

/* A host printf-family call with the '*' values the spec takes before the value itself. */
#define WV_STARRED(cv, v, fn, ...)                                                            \
    ((cv)->nstar == 2 ? fn(__VA_ARGS__, (cv)->star[0], (cv)->star[1], v)                      \
     : (cv)->nstar   ? fn(__VA_ARGS__, (cv)->star[0], v)                                      \
                     : fn(__VA_ARGS__, v))

/* %d %i %o %u %x %X: 32 bits unless a 64-bit size was given. */
static int wv_conv_int(struct wv_conv *cv, char *piece, size_t cap, wv_ms_va *ap)
{
    if (cv->size == 1) {
        wv_conv_end(cv, "ll", cv->c);
        long long v = __builtin_va_arg(*ap, long long);
        return WV_STARRED(cv, v, snprintf, piece, cap, cv->spec);
    }
    wv_conv_end(cv, "", cv->c);
    int v = __builtin_va_arg(*ap, int);
    return WV_STARRED(cv, v, snprintf, piece, cap, cv->spec);
}

/* %f %e %g %a and their capitals: always a double. */
static int wv_conv_float(struct wv_conv *cv, char *piece, size_t cap, wv_ms_va *ap)
{
    wv_conv_end(cv, "", cv->c);
    double v = __builtin_va_arg(*ap, double);
    return WV_STARRED(cv, v, snprintf, piece, cap, cv->spec);
}

/* Whether a %s/%S/%c/%C conversion takes UTF-16: by its size, else by the function's width
 * (the lower-case letter is the function's own, the capital the other). */
static bool wv_conv_is_wide(const struct wv_out *o, const struct wv_conv *cv)
{
    if (cv->size == 2 || cv->size == 3)
        return cv->size == 2;
    bool lower = cv->c == 's' || cv->c == 'c';
    return lower == o->wide;
}

/* %c %C: one character, a UTF-16 unit (as UTF-8) or a byte. */
static int wv_conv_char(struct wv_out *o, struct wv_conv *cv, char *piece, wv_ms_va *ap)
{
    int v = __builtin_va_arg(*ap, int);
    if (!wv_conv_is_wide(o, cv))
        return piece[0] = (char)v, 1;
    WCHAR w = (WCHAR)v;
    size_t n = 0;
    if (wv_utf16_to_utf8(&w, 1, piece, 4, WV_TEXT_WTF8, &n))
        n = 0;
    return (int)n;
}

/* %s, and %S %ls %ws (UTF-16, printed as UTF-8): emitted whole, however long. */
static void wv_conv_string(struct wv_out *o, struct wv_conv *cv, wv_ms_va *ap)
{
    const void *v = __builtin_va_arg(*ap, const void *);
    char *wide = NULL;
    const char *str = v ? (const char *)v : "(null)";
    if (v && wv_conv_is_wide(o, cv)) {
        DWORD err = o->wide ? wv_utf8_as((LPCWSTR)v, WV_TEXT_WTF8, &wide) : wv_utf8((LPCWSTR)v, &wide);
        if (err)
            wv_set_error(err); /* printed as "": the last error tells why */
        str = wide ? wide : "";
    }
    wv_conv_end(cv, "", 's');
    char *out = NULL;
    int n = WV_STARRED(cv, str, asprintf, &out, cv->spec);
    if (n > 0)
        wv_emit(o, out, (size_t)n);
    free(out);
    free(wide);
}

/* Formats one parsed conversion, the text [start, end) of fmt; reads its value from ap. */
static void wv_convert(struct wv_out *o, struct wv_conv *cv, const char *start, const char *end, wv_ms_va *ap)
{
    char piece[512];
    int n = -1; /* the length in piece; -1 when emitted already */
    switch (cv->c) {
    case 'd': case 'i': case 'o': case 'u': case 'x': case 'X':
        n = wv_conv_int(cv, piece, sizeof(piece), ap);
        break;
    case 'c': case 'C':
        n = wv_conv_char(o, cv, piece, ap);
        break;
    case 's': case 'S':
        wv_conv_string(o, cv, ap);
        break;
    case 'p': {
        void *v = __builtin_va_arg(*ap, void *);
        n = snprintf(piece, sizeof(piece), "%016llX", (unsigned long long)(uintptr_t)v);
        break;
    }
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
        n = wv_conv_float(cv, piece, sizeof(piece), ap);
        break;
    case 'n': {
        int *v = __builtin_va_arg(*ap, int *);
        if (v)
            *v = (int)o->len;
        break;
    }
    default: /* unknown: print it as it is */
        wv_emit(o, start, (size_t)(end - start));
    }
    if (n >= 0)
        wv_emit(o, piece, (size_t)n < sizeof(piece) ? (size_t)n : sizeof(piece) - 1);
}

static int wv_format(struct wv_out *o, const char *fmt, wv_ms_va *ap)
{
    for (const char *p = fmt; *p;) {
        if (*p != '%') {
            const char *q = strchr(p, '%');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            wv_emit(o, p, n);
            p += n;
            continue;
        }
        const char *start = p++;
        if (*p == '%') {
            wv_emit(o, "%", 1), p++;
            continue;
        }
        struct wv_conv cv;
        p = wv_conv_parse(&cv, p, ap);
        wv_convert(o, &cv, start, p, ap);
    }
    return (int)o->len;
}

/* The whole text is formatted first and written with one call: msvcrt writes a printf to an
 * unbuffered stream through a temporary buffer, so two processes (or threads) printing lines
 * to one file do not cut into each other's lines, and a line costs one write, not one per
 * piece. */
int wv_crt_fprint(FILE *f, const char *fmt, wv_ms_va *ap)
{
    if (!f || !fmt)
        return -1;
    char small[1024], *text = small;
    wv_ms_va again;
    __builtin_ms_va_copy(again, *ap);
    int n = wv_crt_sprint(small, sizeof(small), fmt, ap);
    if (n >= (int)sizeof(small)) {
        text = malloc((size_t)n + 1);
        if (text)
            wv_crt_sprint(text, (size_t)n + 1, fmt, &again);
    }
    if (text) {
        fwrite(text, 1, (size_t)n, f);
        if (text != small)
            free(text);
    } else { /* no memory for the long text: piece by piece */
        struct wv_out o = {f, NULL, 0, 0, false, false, false};
        n = wv_format(&o, fmt, &again);
    }
    __builtin_ms_va_end(again);
    fflush(f);
    return n;
}

int wv_crt_sprint(char *buf, size_t cap, const char *fmt, wv_ms_va *ap)
{
    struct wv_out o = {NULL, buf, cap ? cap - 1 : 0, 0, false, false, false};
    int n = wv_format(&o, fmt, ap);
    if (cap)
        buf[o.len < cap - 1 ? o.len : cap - 1] = 0;
    return n;
}

int wv_crt_sprint_unterminated(char *buf, size_t cap, const char *fmt, wv_ms_va *ap)
{
    struct wv_out o = {NULL, buf, cap, 0, false, false, false};
    return wv_format(&o, fmt, ap);
}

char *wv_crt_format_alloc(const char *fmt, wv_ms_va *ap, bool wide, size_t *len)
{
    struct wv_out o = {NULL, NULL, 0, 0, true, wide, false};
    wv_format(&o, fmt, ap);
    *len = 0;
    if (o.nomem || !o.buf) {
        free(o.buf);
        return o.nomem ? NULL : strdup(""); /* nothing emitted: an empty text */
    }
    *len = o.len;
    return o.buf;
}
