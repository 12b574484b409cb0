/* SPDX-License-Identifier: MIT */
/* msvcrt_str.c - memory, byte strings and number conversions as msvcrt has them: the host's
 * functions where Windows' types agree, and Windows' answers where they differ: `long` is 32
 * bits (strtol/strtoul/atol/_ltoa clamp or wrap to it, ERANGE as msvcrt), the _s forms check
 * their buffers (EINVAL, ERANGE, STRUNCATE for _TRUNCATE) and return the errno value, the
 * "C" locale's comparisons (strcoll is strcmp, _stricmp folds ASCII).
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- memory ---- */

/* More than the user address space can hold is refused here, ENOMEM, before the host's
 * allocator sees it (a sanitizer's allocator would abort on it instead of failing). */
#define WV_CRT_MAX_ALLOC ((size_t)1 << 47)
CRT void *wv_ms_malloc(size_t n)
{
    void *p = n < WV_CRT_MAX_ALLOC ? malloc(n) : NULL;
    return p || !n ? p : (wv_crt_fail(ENOMEM), NULL);
}
CRT void *wv_ms_calloc(size_t n, size_t m)
{
    bool fits = !m || n < WV_CRT_MAX_ALLOC / m;
    void *p = fits ? calloc(n, m) : NULL;
    return p || !n || !m ? p : (wv_crt_fail(ENOMEM), NULL);
}
CRT void *wv_ms_realloc(void *p, size_t n)
{
    if (n >= WV_CRT_MAX_ALLOC)
        return wv_crt_fail(ENOMEM), NULL; /* the block stays as it was, as realloc's failure leaves it */
    return realloc(p, n);
}
CRT void wv_ms_free(void *p) { free(p); }

/* align: a power of two; the block is freed by _aligned_free only, as on Windows. */
CRT void *wv_ms__aligned_malloc(size_t n, size_t align)
{
    void *p = NULL;
    if (!align || (align & (align - 1)))
        return wv_crt_fail(EINVAL), NULL;
    if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, n ? n : 1))
        return wv_crt_fail(ENOMEM), NULL;
    return p;
}

CRT void wv_ms__aligned_free(void *p) { free(p); }

CRT void *wv_ms_memcpy(void *d, const void *s, size_t n) { return memcpy(d, s, n); }
CRT void *wv_ms_memmove(void *d, const void *s, size_t n) { return memmove(d, s, n); }
CRT void *wv_ms_memset(void *d, int c, size_t n) { return memset(d, c, n); }
CRT int wv_ms_memcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }
CRT void *wv_ms_memchr(const void *p, int c, size_t n) { return memchr(p, c, n); }

CRT int wv_ms__memicmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (tolower(x[i]) != tolower(y[i]))
            return tolower(x[i]) - tolower(y[i]);
    return 0;
}

/* errno_t forms: the value returned is also put in errno when it is not 0. */
static int wv_err(int e) { return e ? (wv_crt_fail(e), e) : 0; }

CRT int wv_ms_memcpy_s(void *d, size_t cap, const void *s, size_t n)
{
    if (!n)
        return 0;
    if (!d)
        return wv_err(EINVAL);
    if (!s || cap < n) {
        memset(d, 0, cap);
        return wv_err(!s ? EINVAL : ERANGE);
    }
    memcpy(d, s, n);
    return 0;
}

CRT int wv_ms_memmove_s(void *d, size_t cap, const void *s, size_t n)
{
    if (!n)
        return 0;
    if (!d || !s)
        return wv_err(EINVAL);
    if (cap < n)
        return wv_err(ERANGE);
    memmove(d, s, n);
    return 0;
}

/* ---- strings ---- */

CRT size_t wv_ms_strlen(const char *s) { return strlen(s); }
CRT size_t wv_ms_strnlen(const char *s, size_t n) { return strnlen(s, n); }
CRT int wv_ms_strcmp(const char *a, const char *b) { return strcmp(a, b); }
CRT int wv_ms_strncmp(const char *a, const char *b, size_t n) { return strncmp(a, b, n); }
CRT char *wv_ms_strcpy(char *d, const char *s) { return strcpy(d, s); }
CRT char *wv_ms_strncpy(char *d, const char *s, size_t n) { return strncpy(d, s, n); }
CRT char *wv_ms_strcat(char *d, const char *s) { return strcat(d, s); }
CRT char *wv_ms_strncat(char *d, const char *s, size_t n) { return strncat(d, s, n); }
CRT char *wv_ms_strchr(const char *s, int c) { return strchr(s, c); }
CRT char *wv_ms_strrchr(const char *s, int c) { return strrchr(s, c); }
CRT char *wv_ms_strstr(const char *s, const char *t) { return strstr(s, t); }
CRT char *wv_ms_strpbrk(const char *s, const char *a) { return strpbrk(s, a); }
CRT size_t wv_ms_strspn(const char *s, const char *a) { return strspn(s, a); }
CRT size_t wv_ms_strcspn(const char *s, const char *a) { return strcspn(s, a); }
CRT char *wv_ms__strdup(const char *s) { return s ? strdup(s) : NULL; }
CRT int wv_ms_strcoll(const char *a, const char *b) { return strcmp(a, b); } /* the "C" locale */
CRT int wv_ms__stricmp(const char *a, const char *b) { return strcasecmp(a, b); }
CRT int wv_ms__strnicmp(const char *a, const char *b, size_t n) { return strncasecmp(a, b, n); }
CRT int wv_ms__stricoll(const char *a, const char *b) { return strcasecmp(a, b); }

/* The "C" locale's transform is the string itself; the length it needs either way. */
CRT size_t wv_ms_strxfrm(char *d, const char *s, size_t n)
{
    size_t len = strlen(s);
    if (len < n)
        memcpy(d, s, len + 1);
    return len;
}

static __thread char *wv_strtok_next;
CRT char *wv_ms_strtok(char *s, const char *delim) { return strtok_r(s, delim, &wv_strtok_next); }
CRT char *wv_ms_strtok_s(char *s, const char *delim, char **ctx) { return strtok_r(s, delim, ctx); }

CRT char *wv_ms__strlwr(char *s)
{
    for (char *c = s; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return s;
}

CRT char *wv_ms__strupr(char *s)
{
    for (char *c = s; c && *c; c++)
        *c = (char)toupper((unsigned char)*c);
    return s;
}

CRT char *wv_ms__strrev(char *s)
{
    for (size_t i = 0, j = strlen(s); j-- > i + 1; i++) {
        char t = s[i];
        s[i] = s[j], s[j] = t;
    }
    return s;
}

#define WV_TRUNCATE ((size_t)-1)

/* Copies at most n bytes of s (all with _TRUNCATE) after the first `at` bytes of d. */
static int wv_copy_s(char *d, size_t cap, size_t at, const char *s, size_t n)
{
    size_t len = n >= PTRDIFF_MAX ? strlen(s) : strnlen(s, n);
    if (at + len < cap) {
        memcpy(d + at, s, len), d[at + len] = 0;
        return 0;
    }
    if (n == WV_TRUNCATE) {
        memcpy(d + at, s, cap - at - 1), d[cap - 1] = 0;
        return WV_STRUNCATE; /* not an error: errno is left alone */
    }
    d[0] = 0;
    return wv_err(ERANGE);
}

CRT int wv_ms_strncpy_s(char *d, size_t cap, const char *s, size_t n)
{
    if (!d && !cap && !n)
        return 0;
    if (!d || !cap)
        return wv_err(EINVAL);
    if (!s) {
        d[0] = 0;
        return n ? wv_err(EINVAL) : 0;
    }
    return wv_copy_s(d, cap, 0, s, n);
}

CRT int wv_ms_strcpy_s(char *d, size_t cap, const char *s)
{
    if (d && cap && !s)
        return d[0] = 0, wv_err(EINVAL);
    return !d || !cap ? wv_err(EINVAL) : wv_copy_s(d, cap, 0, s, SIZE_MAX - 1);
}

CRT int wv_ms_strncat_s(char *d, size_t cap, const char *s, size_t n)
{
    if (!d || !cap || (!s && n))
        return wv_err(EINVAL);
    size_t at = strnlen(d, cap);
    if (at == cap) {
        d[0] = 0;
        return wv_err(EINVAL); /* no terminator in the buffer */
    }
    return s ? wv_copy_s(d, cap, at, s, n) : 0;
}

CRT int wv_ms_strcat_s(char *d, size_t cap, const char *s)
{
    if (d && cap && !s)
        return d[0] = 0, wv_err(EINVAL);
    return wv_ms_strncat_s(d, cap, s, SIZE_MAX - 1);
}

/* ---- numbers: long is 32 bits ---- */

/* Runs a host conversion with errno cleared, then gives msvcrt errno its result. */
#define WV_CONVERT(expr)                                                                    \
    ({                                                                                      \
        errno = 0;                                                                          \
        __typeof__(expr) r_ = (expr);                                                       \
        if (errno)                                                                          \
            wv_crt_fail(errno);                                                             \
        r_;                                                                                 \
    })

CRT long wv_ms_strtol(const char *s, char **e, int b)
{
    long long v = WV_CONVERT(strtoll(s, e, b));
    if (v > INT32_MAX || v < INT32_MIN) {
        wv_crt_fail(ERANGE);
        return v > 0 ? INT32_MAX : INT32_MIN;
    }
    return (long)v;
}

/* A leading '-' negates in 32 bits, as msvcrt's: "-1" is 4294967295. */
CRT unsigned long wv_ms_strtoul(const char *s, char **e, int b)
{
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    bool neg = *p == '-';
    unsigned long long v = WV_CONVERT(strtoull(s, e, b));
    unsigned long long mag = neg ? -v : v;
    if (mag > UINT32_MAX || (errno == ERANGE)) {
        wv_crt_fail(ERANGE);
        return UINT32_MAX;
    }
    return (unsigned)(neg ? -(unsigned)mag : (unsigned)mag);
}

CRT long long wv_ms__strtoi64(const char *s, char **e, int b) { return WV_CONVERT(strtoll(s, e, b)); }
CRT unsigned long long wv_ms__strtoui64(const char *s, char **e, int b) { return WV_CONVERT(strtoull(s, e, b)); }
CRT long long wv_ms_strtoll(const char *s, char **e, int b) { return WV_CONVERT(strtoll(s, e, b)); }
CRT unsigned long long wv_ms_strtoull(const char *s, char **e, int b) { return WV_CONVERT(strtoull(s, e, b)); }
CRT double wv_ms_strtod(const char *s, char **e) { return WV_CONVERT(strtod(s, e)); }
CRT float wv_ms_strtof(const char *s, char **e) { return WV_CONVERT(strtof(s, e)); }
CRT double wv_ms_atof(const char *s) { return strtod(s, NULL); }
CRT int wv_ms_atoi(const char *s) { return (int)wv_ms_strtol(s, NULL, 10); }
CRT long wv_ms_atol(const char *s) { return wv_ms_strtol(s, NULL, 10); }
CRT long long wv_ms__atoi64(const char *s) { return strtoll(s, NULL, 10); }
CRT long long wv_ms_atoll(const char *s) { return strtoll(s, NULL, 10); }

/* Digits of v in radix (2-36, lower case), '-' first when neg. */
static char *wv_utoa(unsigned long long v, bool neg, char *buf, int radix)
{
    char tmp[72];
    int n = 0;
    if (!buf || radix < 2 || radix > 36) {
        if (buf)
            buf[0] = 0;
        return wv_crt_fail(EINVAL), buf;
    }
    do
        tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % (unsigned)radix];
    while (v /= (unsigned)radix);
    char *p = buf;
    if (neg)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    *p = 0;
    return buf;
}

/* A negative value has a sign in radix 10 only; in others its two's complement digits. */
CRT char *wv_ms__itoa(int v, char *buf, int radix)
{
    bool neg = radix == 10 && v < 0;
    return wv_utoa(neg ? -(unsigned long long)(long long)v : (unsigned)v, neg, buf, radix);
}

CRT char *wv_ms__ltoa(long v, char *buf, int radix) { return wv_ms__itoa((int)v, buf, radix); }
CRT char *wv_ms__ultoa(unsigned long v, char *buf, int radix) { return wv_utoa((unsigned)v, false, buf, radix); }
CRT char *wv_ms__ui64toa(unsigned long long v, char *buf, int radix) { return wv_utoa(v, false, buf, radix); }

CRT char *wv_ms__i64toa(long long v, char *buf, int radix)
{
    bool neg = radix == 10 && v < 0;
    return wv_utoa(neg ? -(unsigned long long)v : (unsigned long long)v, neg, buf, radix);
}

CRT int wv_ms_abs(int v) { return v < 0 ? -v : v; }
CRT long wv_ms_labs(long v) { return (long)((int)v < 0 ? -(int)v : (int)v); }
CRT long long wv_ms_llabs(long long v) { return v < 0 ? -v : v; }
CRT long long wv_ms__abs64(long long v) { return v < 0 ? -v : v; }

struct wv_div {
    int quot, rem;
};
CRT struct wv_div wv_ms_div(int a, int b) { return (struct wv_div){a / b, a % b}; }
CRT struct wv_div wv_ms_ldiv(long a, long b) { return (struct wv_div){(int)a / (int)b, (int)a % (int)b}; }

/* ---- rand: RAND_MAX is 0x7fff, msvcrt's generator, per thread ---- */

static __thread unsigned wv_seed = 1;
CRT void wv_ms_srand(unsigned seed) { wv_seed = seed; }
CRT int wv_ms_rand(void)
{
    wv_seed = wv_seed * 214013u + 2531011u;
    return (int)((wv_seed >> 16) & 0x7fff);
}

/* ---- qsort and bsearch with a Windows comparator: a host shim calls it (per thread) ---- */

typedef int(__attribute__((ms_abi)) * wv_crt_cmp)(const void *, const void *);
static __thread wv_crt_cmp wv_cmp;
static int wv_cmp_shim(const void *a, const void *b) { return wv_cmp(a, b); }

CRT void wv_ms_qsort(void *base, size_t n, size_t size, wv_crt_cmp cmp)
{
    wv_crt_cmp outer = wv_cmp; /* a comparator may sort too */
    wv_cmp = cmp;
    qsort(base, n, size, wv_cmp_shim);
    wv_cmp = outer;
}

CRT void *wv_ms_bsearch(const void *key, const void *base, size_t n, size_t size, wv_crt_cmp cmp)
{
    wv_crt_cmp outer = wv_cmp;
    wv_cmp = cmp;
    void *r = bsearch(key, base, n, size, wv_cmp_shim);
    wv_cmp = outer;
    return r;
}
