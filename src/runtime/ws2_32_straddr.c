/* SPDX-License-Identifier: MIT */
/* ws2_32_straddr.c - WSAStringToAddressA/W and WSAAddressToStringA/W: a sockaddr_in or
 * sockaddr_in6 as text ("a.b.c.d[:port]", "addr[%scope]", "[addr[%scope]]:port") and back.
 * Both need WSAStartup.  The protocol info argument is not looked at: the family says which
 * provider, and winvm has one per family.
 *
 * Text to address (Windows' rules as Wine's tests record them): IPv4 is parsed the lenient way
 * (inet_addr's: octal, hex, fewer parts; ws2_32_text.c), then ":port" (decimal, octal or hex,
 * 1..65535) may follow; IPv6 may be bracketed, may carry "%scope", and only a bracketed one a
 * port.  The caller's length must hold the structure (else WSAEFAULT, and *len says how much);
 * the structure is cleared before the parse, so text that is no address leaves it zero (but for
 * the address part Windows had already parsed), and *len changes only on success.
 * Address to text: the port only when it is not 0; *len is the length with the terminator,
 * in characters, set both on success and when the buffer is too small (WSAEFAULT). */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wv_sin {
    unsigned short family, port;
    unsigned char addr[4], zero[8];
};
struct wv_sin6 {
    unsigned short family, port;
    uint32_t flowinfo;
    unsigned char addr[16];
    uint32_t scope;
};

/* A port or scope number (base as wv_ipv4_parse's parts) that ends the text: false if none. */
static bool wv_text_number(const char *s, uint32_t max, uint32_t *out)
{
    uint32_t v;
    const char *end = wv_ipv4_parse(s, false, &v);
    if (!end || *end || memchr(s, '.', (size_t)(end - s)))
        return false;
    v = __builtin_bswap32(v); /* one part: the number itself */
    if (!v || v > max)
        return false;
    *out = v;
    return true;
}

/* IPv4 text into a (cleared by the caller): 0 or WSAEINVAL (a may hold the address part). */
static int wv_str_v4(const char *t, struct wv_sin *a)
{
    uint32_t addr, port = 0;
    const char *end = wv_ipv4_parse(t, false, &addr);
    if (!end)
        return WSAEINVAL;
    memcpy(a->addr, &addr, 4);
    if (*end && (*end != ':' || !wv_text_number(end + 1, 0xffff, &port)))
        return WSAEINVAL;
    a->family = AF_INET, a->port = __builtin_bswap16((uint16_t)port);
    return 0;
}

static int wv_str_v6(const char *t, struct wv_sin6 *a)
{
    bool bracket = *t == '[';
    uint32_t scope = 0, port = 0;
    const char *end = wv_ipv6_parse(t + bracket, a->addr);
    if (!end)
        return WSAEINVAL;
    if (*end == '%') {
        const char *s = end + 1;
        while (*s >= '0' && *s <= '9')
            s++;
        char num[16];
        if (s == end + 1 || s - end > 11)
            return WSAEINVAL;
        memcpy(num, end + 1, (size_t)(s - end - 1)), num[s - end - 1] = 0;
        if (!wv_text_number(num, 0xffffffffu, &scope))
            return WSAEINVAL;
        end = s;
    }
    if (bracket) {
        if (*end++ != ']')
            return WSAEINVAL;
        if (*end && (*end != ':' || !wv_text_number(end + 1, 0xffff, &port)))
            return WSAEINVAL;
    } else if (*end)
        return WSAEINVAL;
    a->family = WV_WIN_AF_INET6, a->port = __builtin_bswap16((uint16_t)port), a->scope = scope;
    return 0;
}

/* The common part of both forms; t is the caller's text as ASCII (NULL: none). */
static int wv_string_to_address(const char *t, int family, void *sa, int *len)
{
    if (!wv_sock_started())
        return wv_sock_fail(WSANOTINITIALISED);
    if (family != AF_INET && family != WV_WIN_AF_INET6)
        return wv_sock_fail(WSAEINVAL);
    int need = family == AF_INET ? (int)sizeof(struct wv_sin) : (int)sizeof(struct wv_sin6), cap;
    if (!len || wv_copy(&cap, len, sizeof(cap)))
        return wv_sock_fail(WSAEFAULT);
    if (cap < need)
        return wv_user_put(len, &need, sizeof(need)), wv_sock_fail(WSAEFAULT);
    if (!sa)
        return wv_sock_fail(WSAEFAULT);
    if (!t)
        return wv_sock_fail(WSAEINVAL);
    union {
        struct wv_sin v4;
        struct wv_sin6 v6;
    } a;
    memset(&a, 0, sizeof(a));
    int err = family == AF_INET ? wv_str_v4(t, &a.v4) : wv_str_v6(t, &a.v6);
    if (wv_user_put(sa, &a, (size_t)need) || (!err && wv_user_put(len, &need, sizeof(need))))
        err = WSAEFAULT;
    return err ? wv_sock_fail(err) : (wv_set_error(0), 0);
}

WV_WS_API int wv_ws_WSAStringToAddressA(const char *text, int family, void *info, void *sa, int *len)
{
    char *t = NULL;
    if (text && wv_user_str(text, &t))
        return wv_sock_fail(WSAEFAULT);
    int r = wv_string_to_address(t, family, sa, len);
    free(t);
    return r;
}

WV_WS_API int wv_ws_WSAStringToAddressW(const WCHAR *text, int family, void *info, void *sa, int *len)
{
    char *t = text ? wv_ws_ascii(text) : NULL;
    if (text && !t)
        return wv_sock_fail(WSAEFAULT);
    int r = wv_string_to_address(t, family, sa, len);
    free(t);
    return r;
}

/* The text for the caller's sockaddr into t (64 bytes): 0 or the WSA error. */
static int wv_address_text(const void *sa, DWORD salen, char *t)
{
    if (!wv_sock_started())
        return WSANOTINITIALISED;
    union {
        unsigned short family;
        struct wv_sin v4;
        struct wv_sin6 v6;
    } a;
    if (!sa || wv_copy(&a.family, sa, sizeof(a.family)))
        return WSAEFAULT;
    size_t need = a.family == AF_INET ? sizeof(a.v4) : a.family == WV_WIN_AF_INET6 ? sizeof(a.v6) : 0;
    if (!need || salen < need)
        return WSAEINVAL;
    if (wv_copy(&a, sa, need))
        return WSAEFAULT;
    unsigned port = __builtin_bswap16(a.v4.port); /* at the same place in both */
    char addr[46], scope[16] = "";
    if (a.family == AF_INET) {
        wv_ipv4_format(a.v4.addr, addr);
        sprintf(t, port ? "%s:%u" : "%s", addr, port);
        return 0;
    }
    wv_ipv6_format(a.v6.addr, addr);
    if (a.v6.scope)
        sprintf(scope, "%%%u", a.v6.scope);
    sprintf(t, port ? "[%s%s]:%u" : "%s%s", addr, scope, port);
    return 0;
}

/* The caller's capacity *len (characters) read, or WSAEFAULT. */
static int wv_out_len(DWORD *len, DWORD *cap) { return !len || wv_copy(cap, len, sizeof(*cap)) ? WSAEFAULT : 0; }

WV_WS_API int wv_ws_WSAAddressToStringA(const void *sa, DWORD salen, void *info, char *buf, DWORD *len)
{
    char t[64];
    DWORD cap = 0;
    int err = wv_address_text(sa, salen, t);
    if (!err)
        err = wv_out_len(len, &cap);
    DWORD need = err ? 0 : (DWORD)strlen(t) + 1;
    if (!err && (cap < need || !buf))
        err = WSAEFAULT, wv_user_put(len, &need, sizeof(need));
    else if (!err && (wv_user_put(buf, t, need) || wv_user_put(len, &need, sizeof(need))))
        err = WSAEFAULT;
    return err ? wv_sock_fail(err) : (wv_set_error(0), 0);
}

WV_WS_API int wv_ws_WSAAddressToStringW(const void *sa, DWORD salen, void *info, WCHAR *buf, DWORD *len)
{
    char t[64];
    WCHAR w[64];
    DWORD cap = 0;
    int err = wv_address_text(sa, salen, t);
    if (!err)
        err = wv_out_len(len, &cap);
    DWORD need = err ? 0 : (DWORD)strlen(t) + 1;
    for (DWORD i = 0; !err && i < need; i++)
        w[i] = (unsigned char)t[i];
    if (!err && (cap < need || !buf))
        err = WSAEFAULT, wv_user_put(len, &need, sizeof(need));
    else if (!err && (wv_user_put(buf, w, need * sizeof(WCHAR)) || wv_user_put(len, &need, sizeof(need))))
        err = WSAEFAULT;
    return err ? wv_sock_fail(err) : (wv_set_error(0), 0);
}
