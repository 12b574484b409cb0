/* SPDX-License-Identifier: MIT */
/* ws2_32_opt.c - setsockopt and getsockopt: Windows' option numbers and value layouts
 * translated to the host's.  SOL_SOCKET is 0xffff and its options are numbered differently;
 * SO_LINGER's struct holds two u_shorts; SO_RCVTIMEO/SO_SNDTIMEO are DWORD milliseconds;
 * SO_RCVBUF/SO_SNDBUF read back what was set (Linux doubles it); SO_DONTLINGER is SO_LINGER's
 * l_onoff inverted.  IPPROTO_IP/IPV6 options have Windows' numbers (IP_PKTINFO 19, IPV6_V6ONLY
 * 27, ...); IP_DONTFRAGMENT is Linux's IP_MTU_DISCOVER (DO or DONT; its default reads as
 * Windows' default, on for TCP, off for UDP); IP_HDRINCL on a socket that is not raw is
 * WSAEINVAL.  SO_PROTOCOL_INFOA/W give the socket's provider entry (ws2_32_proto.c).  An option
 * winvm does not know is WSAENOPROTOOPT, an unknown level WSAEINVAL.
 *
 * Lengths, as Wine's test_set_getsockopt records Windows' answers: a value is 4 bytes, but
 * TCP_NODELAY, SO_KEEPALIVE, SO_DONTROUTE and IPV6_V6ONLY are one byte (only the first byte
 * counts, any length works, getsockopt gives one byte), and the boolean and small-number options
 * marked SHORT take a shorter value (and getsockopt with less than 4 bytes of room gives one);
 * others with less than 4 bytes are WSAEFAULT.  A negative setsockopt length is WSAENOBUFS except
 * for SOL_SOCKET's 4-byte options (read as 4); a 0 length sets nothing for SOL_SOCKET's
 * booleans and is WSAEFAULT elsewhere; a NULL value is always WSAEFAULT; a negative or 0
 * getsockopt length WSAEFAULT.  TTL and hop-limit values past 255 are WSAEINVAL.  Success sets
 * the last error to 0.
 *
 * SO_REUSEADDR becomes Linux's: Windows lets a second socket bind a port even while another
 * listens on it, Linux only past TIME_WAIT (the part servers want). */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/time.h>

#define WV_SOL_SOCKET 0xffff

enum wv_optkind { WV_OPT_INT, WV_OPT_LINGER, WV_OPT_DONTLINGER, WV_OPT_MS, WV_OPT_BUF, WV_OPT_RAW, WV_OPT_DF };
enum {
    WV_RO = 1,    /* read only */
    WV_SHORT = 2, /* a value shorter than 4 bytes is taken */
    WV_BYTE = 4,  /* a one-byte value */
    WV_BOOL0 = 8, /* SOL_SOCKET boolean: a 0 length sets nothing and succeeds */
    WV_MAX255 = 16,
};

struct wv_sockopt {
    int level, name;        /* Windows' */
    int host_level, host_name;
    enum wv_optkind kind;
    int flags;
};

static const struct wv_sockopt wv_opts[] = {
    {WV_SOL_SOCKET, 0x0002, SOL_SOCKET, SO_ACCEPTCONN, WV_OPT_INT, WV_RO},
    {WV_SOL_SOCKET, 0x0004, SOL_SOCKET, SO_REUSEADDR, WV_OPT_INT, WV_SHORT | WV_BOOL0},
    {WV_SOL_SOCKET, 0x0008, SOL_SOCKET, SO_KEEPALIVE, WV_OPT_INT, WV_BYTE},
    {WV_SOL_SOCKET, 0x0010, SOL_SOCKET, SO_DONTROUTE, WV_OPT_INT, WV_BYTE},
    {WV_SOL_SOCKET, 0x0020, SOL_SOCKET, SO_BROADCAST, WV_OPT_INT, WV_SHORT | WV_BOOL0},
    {WV_SOL_SOCKET, 0x0080, SOL_SOCKET, SO_LINGER, WV_OPT_LINGER, 0},
    {WV_SOL_SOCKET, ~0x0080, SOL_SOCKET, SO_LINGER, WV_OPT_DONTLINGER, WV_SHORT | WV_BOOL0},
    {WV_SOL_SOCKET, 0x0100, SOL_SOCKET, SO_OOBINLINE, WV_OPT_INT, WV_SHORT | WV_BOOL0},
    {WV_SOL_SOCKET, 0x1001, SOL_SOCKET, SO_SNDBUF, WV_OPT_BUF, 0},
    {WV_SOL_SOCKET, 0x1002, SOL_SOCKET, SO_RCVBUF, WV_OPT_BUF, 0},
    {WV_SOL_SOCKET, 0x1005, SOL_SOCKET, SO_SNDTIMEO, WV_OPT_MS, 0},
    {WV_SOL_SOCKET, 0x1006, SOL_SOCKET, SO_RCVTIMEO, WV_OPT_MS, 0},
    {WV_SOL_SOCKET, 0x1007, SOL_SOCKET, SO_ERROR, WV_OPT_INT, WV_RO},
    {WV_SOL_SOCKET, 0x1008, SOL_SOCKET, SO_TYPE, WV_OPT_INT, WV_RO},
    {IPPROTO_IP, 2, IPPROTO_IP, IP_HDRINCL, WV_OPT_RAW, 0},
    {IPPROTO_IP, 3, IPPROTO_IP, IP_TOS, WV_OPT_INT, WV_SHORT | WV_MAX255},
    {IPPROTO_IP, 4, IPPROTO_IP, IP_TTL, WV_OPT_INT, WV_SHORT | WV_MAX255},
    {IPPROTO_IP, 10, IPPROTO_IP, IP_MULTICAST_TTL, WV_OPT_INT, WV_SHORT | WV_MAX255},
    {IPPROTO_IP, 11, IPPROTO_IP, IP_MULTICAST_LOOP, WV_OPT_INT, WV_SHORT},
    {IPPROTO_IP, 14, IPPROTO_IP, IP_MTU_DISCOVER, WV_OPT_DF, WV_SHORT},
    {IPPROTO_IP, 19, IPPROTO_IP, IP_PKTINFO, WV_OPT_INT, 0},
    {IPPROTO_IP, 21, IPPROTO_IP, IP_RECVTTL, WV_OPT_INT, 0},
    {IPPROTO_IP, 40, IPPROTO_IP, IP_RECVTOS, WV_OPT_INT, 0},
    {IPPROTO_TCP, 1, IPPROTO_TCP, TCP_NODELAY, WV_OPT_INT, WV_BYTE},
    {IPPROTO_IPV6, 4, IPPROTO_IPV6, IPV6_UNICAST_HOPS, WV_OPT_INT, WV_SHORT | WV_MAX255},
    {IPPROTO_IPV6, 10, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, WV_OPT_INT, WV_SHORT | WV_MAX255},
    {IPPROTO_IPV6, 11, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, WV_OPT_INT, WV_SHORT},
    {IPPROTO_IPV6, 14, IPPROTO_IPV6, IPV6_DONTFRAG, WV_OPT_INT, WV_SHORT},
    {IPPROTO_IPV6, 19, IPPROTO_IPV6, IPV6_RECVPKTINFO, WV_OPT_INT, 0},
    {IPPROTO_IPV6, 21, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, WV_OPT_INT, 0},
    {IPPROTO_IPV6, 27, IPPROTO_IPV6, IPV6_V6ONLY, WV_OPT_INT, WV_BYTE},
    {IPPROTO_IPV6, 40, IPPROTO_IPV6, IPV6_RECVTCLASS, WV_OPT_INT, 0},
};

/* The option, or NULL with *err: WSAEINVAL for a level Windows does not have, else
 * WSAENOPROTOOPT. */
static const struct wv_sockopt *wv_opt_find(int level, int name, int *err)
{
    for (size_t i = 0; i < sizeof(wv_opts) / sizeof(wv_opts[0]); i++)
        if (wv_opts[i].level == level && wv_opts[i].name == name)
            return &wv_opts[i];
    bool known = level == WV_SOL_SOCKET || level == IPPROTO_IP || level == IPPROTO_TCP || level == IPPROTO_IPV6 ||
                 level == IPPROTO_UDP;
    *err = known ? WSAENOPROTOOPT : WSAEINVAL;
    return NULL;
}

static int wv_opt_type(int fd)
{
    int type = 0;
    socklen_t n = sizeof(type);
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) == 0 ? type : -1;
}

/* IP_HDRINCL is for raw sockets alone: 0, or WSAEINVAL for another kind. */
static int wv_opt_raw_only(int fd) { return wv_opt_type(fd) == SOCK_RAW ? 0 : WSAEINVAL; }

static int wv_opt_is_stream(int fd) { return wv_opt_type(fd) == SOCK_STREAM; }

/* How many bytes of the caller's value setsockopt reads (len's rules above): 0 (set nothing),
 * or -1 with *err. */
static int wv_set_len(const struct wv_sockopt *o, int len, int *err)
{
    if (len < 0 && (o->level != WV_SOL_SOCKET || (o->flags & WV_BYTE)))
        return *err = WSAENOBUFS, -1;
    if (len < 0)
        return 4;
    if (len == 0)
        return (o->flags & WV_BOOL0) ? 0 : (*err = WSAEFAULT, -1);
    if (len < 4 && !(o->flags & (WV_SHORT | WV_BYTE)))
        return *err = WSAEFAULT, -1;
    return (o->flags & WV_BYTE) ? 1 : len < 4 ? len : 4;
}

WV_WS_API int wv_ws_setsockopt(SOCKET s, int level, int name, const char *val, int len)
{
    int err = wv_sock_check(s), n = 0;
    const struct wv_sockopt *o = err ? NULL : wv_opt_find(level, name, &err);
    if (o && (o->flags & WV_RO))
        err = WSAENOPROTOOPT;
    if (o && !err && o->kind == WV_OPT_RAW)
        err = wv_opt_raw_only((int)s);
    if (o && !err && !val)
        err = WSAEFAULT;
    if (o && !err)
        n = wv_set_len(o, len, &err);
    unsigned char raw[4] = {0};
    if (o && !err && n > 0 && wv_copy(raw, val, (size_t)n))
        err = WSAEFAULT;
    if (err)
        return wv_sock_fail(err);
    if (n == 0)
        return wv_set_error(0), 0;
    uint32_t u;
    memcpy(&u, raw, 4);
    if ((o->flags & WV_MAX255) && u > 255)
        return wv_sock_fail(WSAEINVAL);
    union {
        int i;
        struct linger l;
        struct timeval tv;
    } v;
    socklen_t hn = sizeof(int);
    if (o->kind == WV_OPT_LINGER) {
        unsigned short on, secs; /* Windows' struct linger: two u_shorts */
        memcpy(&on, raw, 2), memcpy(&secs, raw + 2, 2);
        v.l = (struct linger){.l_onoff = on != 0, .l_linger = secs}, hn = sizeof(v.l);
    } else if (o->kind == WV_OPT_DONTLINGER) {
        socklen_t ln = sizeof(v.l); /* keeps the linger time */
        if (getsockopt((int)s, SOL_SOCKET, SO_LINGER, &v.l, &ln) != 0)
            return wv_sock_fail(wv_wsa_error(errno));
        v.l.l_onoff = u == 0, hn = sizeof(v.l);
    } else if (o->kind == WV_OPT_MS) {
        v.tv = (struct timeval){.tv_sec = u / 1000, .tv_usec = (u % 1000) * 1000}, hn = sizeof(v.tv);
    } else if (o->kind == WV_OPT_DF) {
        v.i = u ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
    } else {
        v.i = (int)u;
    }
    if (setsockopt((int)s, o->host_level, o->host_name, &v, hn) != 0)
        return wv_sock_fail(wv_wsa_error(errno));
    return wv_set_error(0), 0;
}

/* The host's value in Windows' layout: 4 bytes in out. */
static void wv_opt_windows(const struct wv_sockopt *o, const void *host, unsigned char out[4])
{
    if (o->kind == WV_OPT_LINGER) {
        const struct linger *l = host;
        unsigned short on = l->l_onoff != 0, secs = (unsigned short)l->l_linger;
        memcpy(out, &on, 2), memcpy(out + 2, &secs, 2);
    } else if (o->kind == WV_OPT_DONTLINGER) {
        uint32_t off = ((const struct linger *)host)->l_onoff == 0;
        memcpy(out, &off, 4);
    } else if (o->kind == WV_OPT_MS) {
        const struct timeval *tv = host;
        uint32_t ms = (uint32_t)(tv->tv_sec * 1000 + tv->tv_usec / 1000);
        memcpy(out, &ms, 4);
    } else {
        int i;
        memcpy(&i, host, sizeof(i));
        if (o->level == WV_SOL_SOCKET && o->name == 0x1007)
            i = i ? wv_wsa_error(i) : 0; /* SO_ERROR: a WSA code */
        if (o->kind == WV_OPT_BUF)
            i /= 2; /* Linux reports twice what was set (its bookkeeping overhead) */
        memcpy(out, &i, 4);
    }
}

/* SO_PROTOCOL_INFOA/W: the socket's provider entry; a short length is WSAEFAULT and says the
 * size, a longer one is left as it was. */
static int wv_opt_protocol_info(SOCKET s, bool ansi, char *val, int *len)
{
    int need = ansi ? WV_PROTOCOL_INFOA_SIZE : WV_PROTOCOL_INFOW_SIZE, cap;
    if (!val || !len || wv_copy(&cap, len, sizeof(cap)))
        return wv_sock_fail(WSAEFAULT);
    if (cap < need)
        return wv_user_put(len, &need, sizeof(need)), wv_sock_fail(WSAEFAULT);
    unsigned char info[WV_PROTOCOL_INFOW_SIZE];
    int err = wv_sock_protocol_info((int)s, ansi, info);
    if (!err && wv_user_put(val, info, (size_t)need))
        err = WSAEFAULT;
    return err ? wv_sock_fail(err) : (wv_set_error(0), 0);
}

WV_WS_API int wv_ws_getsockopt(SOCKET s, int level, int name, char *val, int *len)
{
    int err = wv_sock_check(s), cap = 0, n = 4;
    if (!err && level == WV_SOL_SOCKET && (name == 0x2004 || name == 0x2005))
        return wv_opt_protocol_info(s, name == 0x2004, val, len);
    const struct wv_sockopt *o = err ? NULL : wv_opt_find(level, name, &err);
    if (o && !err && o->kind == WV_OPT_RAW)
        err = wv_opt_raw_only((int)s);
    if (o && !err && (!val || !len || wv_copy(&cap, len, sizeof(cap)) || cap < 1))
        err = WSAEFAULT;
    if (o && !err && ((o->flags & WV_BYTE) || (cap < 4 && (o->flags & WV_SHORT))))
        n = 1; /* a one-byte answer (a SHORT one fills the room it was given, as Windows does) */
    if (o && !err && cap < n)
        err = WSAEFAULT;
    if (err)
        return wv_sock_fail(err);
    union {
        int i;
        struct linger l;
        struct timeval tv;
    } v;
    memset(&v, 0, sizeof(v));
    socklen_t hn = sizeof(v);
    if (getsockopt((int)s, o->host_level, o->host_name, &v, &hn) != 0)
        return wv_sock_fail(wv_wsa_error(errno));
    if (o->kind == WV_OPT_DF) /* Linux's "as the route wants" is Windows' default: on for TCP alone */
        v.i = v.i == IP_PMTUDISC_WANT ? wv_opt_is_stream((int)s) : v.i != IP_PMTUDISC_DONT;
    unsigned char out[4];
    wv_opt_windows(o, &v, out);
    int fill = n == 1 && (o->flags & WV_SHORT) ? cap : n;
    if (wv_user_put(val, out, (size_t)fill) || wv_user_put(len, &n, sizeof(n)))
        return wv_sock_fail(WSAEFAULT);
    return wv_set_error(0), 0;
}
