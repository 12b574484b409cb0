/* SPDX-License-Identifier: MIT */
/* ws2_32_text.c - IP addresses as text and back: inet_addr, inet_ntoa, inet_ntop, InetNtopW,
 * inet_pton, InetPtonW, and the parsers and formatter WSAStringToAddress / WSAAddressToString
 * share (ws2_32_straddr.c).  None needs WSAStartup, as on Windows.
 *
 * Windows' rules, as Wine's conformance tests record them, are those of ntdll's
 * RtlIpv4StringToAddress / RtlIpv6StringToAddress, which differ from glibc's:
 * - IPv4, strict (inet_pton): four decimal parts of at most 255, no leading zero ("010", "00"
 *   and "0x.." are no address at all).  Not strict (inet_addr, WSAStringToAddress): one to four
 *   parts, each decimal, octal ("0" then digits: "08" is no number, "008" is 0 followed by '8')
 *   or hex ("0x", at least one digit); "a", "a.b" (b 24 bits), "a.b.c" (c 16 bits).
 * - The parse stops at the first character that cannot continue the address; what follows
 *   decides the caller's answer: inet_pton writes the address it parsed but returns 0 unless
 *   the text ended there ("1.1.1.0a" writes 1.1.1.0); inet_addr accepts trailing white space.
 * - IPv6: groups of one to four hex digits, one "::" (which may stand for a single zero group),
 *   a dotted IPv4 tail (parts of one to three decimal digits).
 * - IPv6 text: the first longest run of two or more zero groups becomes "::" (a single zero
 *   group stays "0"); the IPv4-compatible (::a.b.c.d, when the seventh group is not zero),
 *   mapped (::ffff:a.b.c.d, likewise), SIIT (::ffff:0:a.b.c.d) and ISATAP (..:0:5efe:a.b.c.d or
 *   ..:200:5efe:a.b.c.d) forms end in dotted IPv4.
 * Where Windows' parser leaves part of an IPv6 address behind on text it then rejects, winvm
 * writes nothing (docs/semantics.md). */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WV_STATUS_INVALID_PARAMETER 0xC000000Du

static bool wv_dec(char c) { return c >= '0' && c <= '9'; }

static int wv_hexval(char c)
{
    return wv_dec(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One number at *s in base 10, 8 ("0" then a digit) or 16 ("0x"); strict: decimal alone, with
 * no leading zero, at most 255.  Values wrap at 32 bits as Windows' do.  false: no number. */
static bool wv_num(const char **s, bool strict, uint32_t *out)
{
    const char *p = *s;
    int base = 10;
    if (!wv_dec(*p))
        return false;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2;
    else if (p[0] == '0' && wv_dec(p[1]))
        base = 8, p++;
    if (strict && base != 10)
        return false;
    const char *start = p;
    uint32_t v = 0;
    for (int d; (d = wv_hexval(*p)) >= 0 && d < base; p++) {
        v = v * (uint32_t)base + (uint32_t)d;
        if (strict && v > 255)
            return false;
    }
    if (p == start)
        return false;
    *s = p, *out = v;
    return true;
}

const char *wv_ipv4_parse(const char *s, bool strict, uint32_t *addr)
{
    uint32_t part[4];
    int n = 0;
    for (;;) {
        if (!wv_num(&s, strict, &part[n]))
            return NULL;
        n++;
        if (*s != '.')
            break;
        if (n == 4)
            return NULL; /* a fifth part */
        s++;
    }
    static const uint32_t last_max[] = {0xffffffffu, 0xffffffu, 0xffffu, 0xffu};
    if ((strict && n != 4) || part[n - 1] > last_max[n - 1])
        return NULL;
    uint32_t v = part[n - 1];
    for (int i = 0; i < n - 1; i++) {
        if (part[i] > 255)
            return NULL;
        v |= part[i] << (24 - 8 * i);
    }
    *addr = __builtin_bswap32(v);
    return s;
}

/* A dotted IPv4 tail of an IPv6 address: four parts of one to three decimal digits. */
static const char *wv_ipv4_tail(const char *s, uint32_t *host_order)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if (i && *s++ != '.')
            return NULL;
        uint32_t part = 0;
        int digits = 0;
        for (; wv_dec(*s); s++, digits++)
            part = part * 10 + (uint32_t)(*s - '0');
        if (!digits || digits > 3 || part > 255)
            return NULL;
        v = v << 8 | part;
    }
    *host_order = v;
    return s;
}

/* Whether s starts a dotted IPv4 tail (decimal digits, then '.'). */
static bool wv_at_ipv4(const char *s)
{
    while (wv_dec(*s))
        s++;
    return *s == '.';
}

const char *wv_ipv6_parse(const char *s, unsigned char out[16])
{
    uint16_t w[8];
    int n = 0, gap = -1;
    if (s[0] == ':') {
        if (s[1] != ':')
            return NULL;
        gap = 0, s += 2;
    }
    while (n < 8) {
        if (n <= 6 && wv_dec(*s) && wv_at_ipv4(s)) {
            uint32_t v;
            if (!(s = wv_ipv4_tail(s, &v)))
                return NULL;
            w[n++] = (uint16_t)(v >> 16), w[n++] = (uint16_t)v;
            break;
        }
        if (wv_hexval(*s) < 0) {
            if (gap == n && n > 0)
                break; /* the text ends with "::" */
            if (gap == 0 && n == 0)
                break; /* "::" alone */
            return NULL;
        }
        uint32_t v = 0;
        int digits = 0;
        for (; wv_hexval(*s) >= 0; s++, digits++)
            v = v << 4 | (uint32_t)wv_hexval(*s);
        if (digits > 4)
            return NULL;
        w[n++] = (uint16_t)v;
        if (n == 8 || *s != ':')
            break;
        if (s[1] == ':') {
            if (gap >= 0)
                return NULL; /* a second "::" */
            gap = n, s += 2;
        } else if (wv_hexval(s[1]) >= 0)
            s++;
        else
            return NULL; /* "1111:2222:" */
    }
    if (gap < 0 ? n != 8 : n > 7)
        return NULL;
    int zeros = 8 - n;
    for (int i = 0, j = 0; i < 8; i++) {
        uint16_t v = gap >= 0 && i >= gap && i < gap + zeros ? 0 : w[j++];
        out[2 * i] = (unsigned char)(v >> 8), out[2 * i + 1] = (unsigned char)v;
    }
    return s;
}

/* Groups [0, k) in hex, the first longest run (two or more) of zero groups as "::". */
static char *wv_ipv6_groups(const uint16_t *w, int k, char *p)
{
    int best = -1, best_len = 1;
    for (int i = 0; i < k;) {
        int j = i;
        while (j < k && !w[j])
            j++;
        if (j - i > best_len)
            best = i, best_len = j - i;
        i = j > i ? j : i + 1;
    }
    for (int i = 0; i < k; i++) {
        if (i == best) {
            p += sprintf(p, "::");
            i += best_len - 1;
            continue;
        }
        p += sprintf(p, "%s%x", i && i != best + best_len ? ":" : "", w[i]);
    }
    return p;
}

void wv_ipv6_format(const unsigned char a[16], char out[46])
{
    uint16_t w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
    bool z4 = !w[0] && !w[1] && !w[2] && !w[3];
    bool v4 = (z4 && !w[4] && !w[5] && w[6]) ||            /* compatible */
              (z4 && !w[4] && w[5] == 0xffff && w[6]) ||   /* mapped */
              (z4 && w[4] == 0xffff && !w[5]) ||           /* SIIT */
              (w[5] == 0x5efe && !(w[4] & 0xfdff));        /* ISATAP */
    char *p = wv_ipv6_groups(w, v4 ? 6 : 8, out);
    if (v4)
        sprintf(p, "%s%u.%u.%u.%u", p[-1] == ':' ? "" : ":", a[12], a[13], a[14], a[15]);
}

void wv_ipv4_format(const unsigned char a[4], char out[16]) { sprintf(out, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]); }

/* ---- inet_addr, inet_ntoa ---- */

WV_WS_API uint32_t wv_ws_inet_addr(const char *text)
{
    char *t;
    if (!text || wv_user_str(text, &t))
        return wv_set_error(WSAEFAULT), 0xffffffffu;
    uint32_t a;
    const char *end = strcmp(t, " ") ? wv_ipv4_parse(t, false, &a) : (a = 0, t + 1); /* Windows: " " is 0 */
    bool ok = end && (!*end || *end == ' ' || (*end >= '\t' && *end <= '\r'));
    free(t);
    return ok ? a : 0xffffffffu;
}

static __thread char wv_ntoa_buf[16];

WV_WS_API char *wv_ws_inet_ntoa(uint32_t addr)
{
    wv_ipv4_format((const unsigned char *)&addr, wv_ntoa_buf);
    return wv_ntoa_buf;
}

/* ---- inet_ntop, InetNtopW ---- */

/* The text for family's address at src into t (46 bytes): 0 or a WSA error. */
static int wv_ntop(int family, const void *src, char *t)
{
    unsigned char a[16];
    if (family != AF_INET && family != WV_WIN_AF_INET6)
        return WSAEAFNOSUPPORT;
    if (!src || wv_copy(a, src, family == AF_INET ? 4 : 16))
        return WSAEFAULT;
    if (family == AF_INET)
        wv_ipv4_format(a, t);
    else
        wv_ipv6_format(a, t);
    return 0;
}

WV_WS_API const char *wv_ws_inet_ntop(int family, const void *src, char *buf, size_t size)
{
    char t[46];
    int err = wv_ntop(family, src, t);
    if (!err && (!buf || size <= strlen(t)))
        return wv_set_error(WV_STATUS_INVALID_PARAMETER), NULL; /* what Windows 8 and later set */
    if (!err && wv_user_put(buf, t, strlen(t) + 1))
        err = WSAEFAULT;
    return err ? (wv_set_error((DWORD)err), NULL) : buf;
}

WV_WS_API const WCHAR *wv_ws_InetNtopW(int family, const void *src, WCHAR *buf, size_t size)
{
    char t[46];
    WCHAR w[46];
    int err = wv_ntop(family, src, t);
    size_t n = strlen(t);
    if (!err && (!buf || size <= n))
        return wv_set_error(WV_STATUS_INVALID_PARAMETER), NULL;
    for (size_t i = 0; !err && i <= n; i++)
        w[i] = (unsigned char)t[i];
    if (!err && wv_user_put(buf, w, (n + 1) * sizeof(WCHAR)))
        err = WSAEFAULT;
    return err ? (wv_set_error((DWORD)err), NULL) : buf;
}

/* ---- inet_pton, InetPtonW ---- */

/* text (host memory) parsed for family into dst: 1, 0 (not an address; dst holds what the
 * parse produced, if anything) or -1 with the WSA error in *err. */
static int wv_pton(int family, const char *text, void *dst, int *err)
{
    unsigned char a[16];
    uint32_t v4;
    const char *end;
    if (family == AF_INET)
        end = wv_ipv4_parse(text, true, &v4), memcpy(a, &v4, 4);
    else
        end = wv_ipv6_parse(text, a);
    if (!end)
        return 0;
    if (wv_user_put(dst, a, family == AF_INET ? 4 : 16))
        return *err = WSAEFAULT, -1;
    return !*end;
}

/* The checks both forms make before parsing: 0 or the WSA error. */
static int wv_pton_args(int family, const void *src, void *dst)
{
    if (!src)
        return WSAEFAULT;
    if (family != AF_INET && family != WV_WIN_AF_INET6)
        return WSAEAFNOSUPPORT;
    return dst ? 0 : WSAEFAULT;
}

WV_WS_API int wv_ws_inet_pton(int family, const char *src, void *dst)
{
    int err = wv_pton_args(family, src, dst);
    char *t = NULL;
    if (!err && wv_user_str(src, &t))
        err = WSAEFAULT;
    int r = err ? -1 : wv_pton(family, t, dst, &err);
    free(t);
    return r < 0 ? wv_sock_fail(err) : r;
}

/* A caller's UTF-16 address text as ASCII (other characters end any parse): malloc'ed, or NULL
 * for a bad pointer or no memory. */
char *wv_ws_ascii(const WCHAR *s)
{
    WCHAR *w;
    size_t n;
    if (wv_user_units(s, sizeof(WCHAR), (void **)&w, &n))
        return NULL;
    char *t = malloc(n + 1);
    for (size_t i = 0; t && i <= n; i++)
        t[i] = w[i] < 0x80 ? (char)w[i] : '\x7f';
    free(w);
    return t;
}

WV_WS_API int wv_ws_InetPtonW(int family, const WCHAR *src, void *dst)
{
    int err = wv_pton_args(family, src, dst);
    char *t = err ? NULL : wv_ws_ascii(src);
    if (!err && !t)
        err = WSAEFAULT;
    int r = err ? -1 : wv_pton(family, t, dst, &err);
    free(t);
    if (r == 0)
        wv_set_error(WSAEINVAL); /* the W form says why; the A form leaves the error alone */
    return r < 0 ? wv_sock_fail(err) : r;
}
