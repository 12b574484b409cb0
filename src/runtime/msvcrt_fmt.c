/* SPDX-License-Identifier: MIT */
/* msvcrt_fmt.c - the printf family's exports (the engine is msvcrt_printf.c) and the scanf
 * family: scanf, fscanf, sscanf.
 *
 * scanf's variadic arguments are all pointers, 8 bytes each in a Windows va_list as in a host
 * one, so they are read from the Windows va_list up front and passed on to the host scanf
 * with a format rewritten to the host's sizes: %ld %li %lu %lx %lo %ln store 32 bits on Windows
 * (long is 32 bits), %I64 and %ll 64, %I32 32, %Lf a double (long double is double there).
 * Wide conversions (%lc %ls %C %S %l[) would store UTF-16: not provided, the call fails (-1,
 * EINVAL) before reading anything.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- printf ---- */

CRT int wv_ms_vfprintf(void *fp, const char *fmt, wv_ms_va ap) { return wv_crt_fprint(wv_crt_host_file(fp), fmt, &ap); }
CRT int wv_ms_vprintf(const char *fmt, wv_ms_va ap) { return wv_crt_fprint(stdout, fmt, &ap); }

CRT int wv_ms_fprintf(void *fp, const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_crt_fprint(wv_crt_host_file(fp), fmt, &ap);
    __builtin_ms_va_end(ap);
    return n;
}

CRT int wv_ms_printf(const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_crt_fprint(stdout, fmt, &ap);
    __builtin_ms_va_end(ap);
    return n;
}

CRT int wv_ms_vsprintf(char *buf, const char *fmt, wv_ms_va ap) { return wv_crt_sprint(buf, (size_t)1 << 30, fmt, &ap); }

CRT int wv_ms_sprintf(char *buf, const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_crt_sprint(buf, (size_t)1 << 30, fmt, &ap);
    __builtin_ms_va_end(ap);
    return n;
}

/* msvcrt's _vsnprintf: at most cap bytes; the terminator only when the text is shorter; -1
 * when it is longer.  Nothing is written past buf[cap - 1]. */
CRT int wv_ms__vsnprintf(char *buf, size_t cap, const char *fmt, wv_ms_va ap)
{
    int n = wv_crt_sprint_unterminated(buf, cap, fmt, &ap);
    if (n >= 0 && (size_t)n < cap)
        buf[n] = 0;
    return (size_t)n > cap ? -1 : n;
}

CRT int wv_ms_vsnprintf(char *buf, size_t cap, const char *fmt, wv_ms_va ap) { return wv_ms__vsnprintf(buf, cap, fmt, ap); }

CRT int wv_ms__snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_ms__vsnprintf(buf, cap, fmt, ap);
    __builtin_ms_va_end(ap);
    return n;
}

/* The length the output would have. */
CRT int wv_ms__vscprintf(const char *fmt, wv_ms_va ap)
{
    char none[1];
    return fmt ? wv_crt_sprint(none, 0, fmt, &ap) : wv_crt_fail(EINVAL);
}

CRT int wv_ms__scprintf(const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_ms__vscprintf(fmt, ap);
    __builtin_ms_va_end(ap);
    return n;
}

/* The secure form: EINVAL without a buffer or format; ERANGE (and "") when it does not fit. */
CRT int wv_ms_vsprintf_s(char *buf, size_t cap, const char *fmt, wv_ms_va ap)
{
    if (!buf || !cap || !fmt) {
        if (buf && cap)
            buf[0] = 0;
        return wv_crt_fail(EINVAL);
    }
    int n = wv_crt_sprint(buf, cap, fmt, &ap);
    if (n >= 0 && (size_t)n < cap)
        return n;
    buf[0] = 0;
    return wv_crt_fail(ERANGE);
}

CRT int wv_ms_sprintf_s(char *buf, size_t cap, const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_ms_vsprintf_s(buf, cap, fmt, ap);
    __builtin_ms_va_end(ap);
    return n;
}

/* ---- scanf ---- */

#define WV_SCAN_ARGS 32

/* Rewrites fmt for the host into out; *n is how many pointers it stores through.  0, or -1
 * for a wide conversion or a format too long or with too many conversions. */
static int wv_scan_format(const char *fmt, char *out, size_t cap, int *n)
{
    size_t k = 0;
    *n = 0;
#define PUT(c) do { if (k + 1 >= cap) return -1; out[k++] = (c); } while (0)
    for (const char *p = fmt; *p;) {
        if (*p != '%' || p[1] == '%') {
            if (*p == '%')
                PUT(*p++);
            PUT(*p++);
            continue;
        }
        PUT(*p++);
        bool skip = *p == '*';
        if (skip)
            PUT(*p++);
        while (*p >= '0' && *p <= '9')
            PUT(*p++);
        const char *len = "";
        if (!strncmp(p, "I64", 3))
            len = "ll", p += 3;
        else if (!strncmp(p, "I32", 3))
            p += 3;
        else if (p[0] == 'l' && p[1] == 'l')
            len = "ll", p += 2;
        else if (*p == 'l' || *p == 'L' || *p == 'h' || *p == 'w') {
            char m = *p++;
            bool flt = *p && strchr("eEfgGaA", *p);
            if ((m == 'l' || m == 'w') && *p && strchr("cs[", *p))
                return -1; /* wide */
            len = m == 'h' ? "h" : flt ? "l" : "";
        }
        if (*p == 'S' || *p == 'C')
            return -1;
        if (!*p)
            return -1;
        for (; *len; len++)
            PUT(*len);
        if (*p == '[') { /* the set, ']' first taken as a member */
            PUT(*p++);
            if (*p == '^')
                PUT(*p++);
            if (*p == ']')
                PUT(*p++);
            while (*p && *p != ']')
                PUT(*p++);
            if (!*p)
                return -1;
        }
        PUT(*p++);
        if (!skip && ++*n > WV_SCAN_ARGS)
            return -1;
    }
    out[k] = 0;
    return 0;
#undef PUT
}

/* Reads the pointers and calls the host scanf through fn (sscanf's or fscanf's source). */
#define WV_SCAN(fn, src, fmt, ap)                                                           \
    ({                                                                                      \
        char hf[1024];                                                                      \
        void *a[WV_SCAN_ARGS] = {0};                                                        \
        int n, r_;                                                                          \
        if (!(fmt) || wv_scan_format((fmt), hf, sizeof(hf), &n) < 0)                        \
            r_ = wv_crt_fail(EINVAL);                                                      \
        else {                                                                              \
            for (int i = 0; i < n; i++)                                                     \
                a[i] = __builtin_va_arg(ap, void *);                                        \
            r_ = fn(src, hf, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], \
                   a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20],    \
                   a[21], a[22], a[23], a[24], a[25], a[26], a[27], a[28], a[29], a[30], a[31]); \
        }                                                                                   \
        r_;                                                                                 \
    })

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-security"

int wv_crt_vsscanf(const char *s, const char *fmt, wv_ms_va *ap) { return s ? WV_SCAN(sscanf, s, fmt, *ap) : wv_crt_fail(EINVAL); }
int wv_crt_vfscanf(FILE *f, const char *fmt, wv_ms_va *ap) { return f ? WV_SCAN(fscanf, f, fmt, *ap) : wv_crt_fail(EINVAL); }

CRT int wv_ms_sscanf(const char *s, const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int r = s ? WV_SCAN(sscanf, s, fmt, ap) : wv_crt_fail(EINVAL);
    __builtin_ms_va_end(ap);
    return r;
}

CRT int wv_ms_fscanf(void *fp, const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    FILE *f = wv_crt_host_file(fp);
    int r = f ? WV_SCAN(fscanf, f, fmt, ap) : wv_crt_fail(EINVAL);
    __builtin_ms_va_end(ap);
    return r;
}

CRT int wv_ms_scanf(const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int r = WV_SCAN(fscanf, stdin, fmt, ap);
    __builtin_ms_va_end(ap);
    return r;
}

#pragma GCC diagnostic pop
