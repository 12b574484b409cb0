/* SPDX-License-Identifier: MIT */
/* ws2_32_opt.c - setsockopt and getsockopt: Windows' option numbers and value layouts
 * translated to the host's.  SOL_SOCKET is 0xffff and its options are numbered differently;
 * BOOL and DWORD options are 4-byte ints (a shorter buffer is WSAEFAULT); SO_LINGER's struct
 * holds two u_shorts; SO_RCVTIMEO/SO_SNDTIMEO are DWORD milliseconds.  IPPROTO_TCP's
 * TCP_NODELAY and IPPROTO_IP/IPV6's TTL options keep their numbers; IPV6_V6ONLY is 27.  An
 * option winvm does not know is WSAENOPROTOOPT, an unknown level WSAEINVAL, as Windows answers.
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

enum wv_optkind { WV_OPT_INT, WV_OPT_LINGER, WV_OPT_MS };

struct wv_sockopt {
    int level, name;        /* Windows' */
    int host_level, host_name;
    enum wv_optkind kind;
    bool readonly;
};

static const struct wv_sockopt wv_opts[] = {
    {WV_SOL_SOCKET, 0x0002, SOL_SOCKET, SO_ACCEPTCONN, WV_OPT_INT, true},
    {WV_SOL_SOCKET, 0x0004, SOL_SOCKET, SO_REUSEADDR, WV_OPT_INT, false},
    {WV_SOL_SOCKET, 0x0008, SOL_SOCKET, SO_KEEPALIVE, WV_OPT_INT, false},
    {WV_SOL_SOCKET, 0x0010, SOL_SOCKET, SO_DONTROUTE, WV_OPT_INT, false},
    {WV_SOL_SOCKET, 0x0020, SOL_SOCKET, SO_BROADCAST, WV_OPT_INT, false},
    {WV_SOL_SOCKET, 0x0080, SOL_SOCKET, SO_LINGER, WV_OPT_LINGER, false},
    {WV_SOL_SOCKET, 0x0100, SOL_SOCKET, SO_OOBINLINE, WV_OPT_INT, false},
    {WV_SOL_SOCKET, 0x1001, SOL_SOCKET, SO_SNDBUF, WV_OPT_INT, false},
    {WV_SOL_SOCKET, 0x1002, SOL_SOCKET, SO_RCVBUF, WV_OPT_INT, false},
    {WV_SOL_SOCKET, 0x1005, SOL_SOCKET, SO_SNDTIMEO, WV_OPT_MS, false},
    {WV_SOL_SOCKET, 0x1006, SOL_SOCKET, SO_RCVTIMEO, WV_OPT_MS, false},
    {WV_SOL_SOCKET, 0x1007, SOL_SOCKET, SO_ERROR, WV_OPT_INT, true},
    {WV_SOL_SOCKET, 0x1008, SOL_SOCKET, SO_TYPE, WV_OPT_INT, true},
    {IPPROTO_IP, 4, IPPROTO_IP, IP_TTL, WV_OPT_INT, false},
    {IPPROTO_TCP, 1, IPPROTO_TCP, TCP_NODELAY, WV_OPT_INT, false},
    {IPPROTO_IPV6, 4, IPPROTO_IPV6, IPV6_UNICAST_HOPS, WV_OPT_INT, false},
    {IPPROTO_IPV6, 27, IPPROTO_IPV6, IPV6_V6ONLY, WV_OPT_INT, false},
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

WV_WS_API int wv_ws_setsockopt(SOCKET s, int level, int name, const char *val, int len)
{
    int err = wv_sock_check(s);
    const struct wv_sockopt *o = err ? NULL : wv_opt_find(level, name, &err);
    if (o && o->readonly)
        err = WSAENOPROTOOPT;
    unsigned char raw[4];
    if (o && !err && (!val || len < 4 || wv_copy(raw, val, sizeof(raw))))
        err = WSAEFAULT;
    if (err)
        return wv_sock_fail(err);
    union {
        int i;
        struct linger l;
        struct timeval tv;
    } v;
    socklen_t n = sizeof(int);
    if (o->kind == WV_OPT_LINGER) {
        unsigned short on, secs; /* Windows' struct linger: two u_shorts */
        memcpy(&on, raw, 2), memcpy(&secs, raw + 2, 2);
        v.l = (struct linger){.l_onoff = on != 0, .l_linger = secs}, n = sizeof(v.l);
    } else if (o->kind == WV_OPT_MS) {
        uint32_t ms;
        memcpy(&ms, raw, 4);
        v.tv = (struct timeval){.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}, n = sizeof(v.tv);
    } else {
        memcpy(&v.i, raw, 4);
    }
    if (setsockopt((int)s, o->host_level, o->host_name, &v, n) != 0)
        return wv_sock_fail(wv_wsa_error(errno));
    return 0;
}

/* The host's value in Windows' layout: 4 bytes in out. */
static void wv_opt_windows(const struct wv_sockopt *o, const void *host, unsigned char out[4])
{
    if (o->kind == WV_OPT_LINGER) {
        const struct linger *l = host;
        unsigned short on = l->l_onoff != 0, secs = (unsigned short)l->l_linger;
        memcpy(out, &on, 2), memcpy(out + 2, &secs, 2);
    } else if (o->kind == WV_OPT_MS) {
        const struct timeval *tv = host;
        uint32_t ms = (uint32_t)(tv->tv_sec * 1000 + tv->tv_usec / 1000);
        memcpy(out, &ms, 4);
    } else {
        int i;
        memcpy(&i, host, sizeof(i));
        if (o->level == WV_SOL_SOCKET && o->name == 0x1007)
            i = i ? wv_wsa_error(i) : 0; /* SO_ERROR: a WSA code */
        memcpy(out, &i, 4);
    }
}

WV_WS_API int wv_ws_getsockopt(SOCKET s, int level, int name, char *val, int *len)
{
    int err = wv_sock_check(s), cap = 0;
    const struct wv_sockopt *o = err ? NULL : wv_opt_find(level, name, &err);
    if (o && !err && (!val || !len || wv_copy(&cap, len, sizeof(cap)) || cap < 4))
        err = WSAEFAULT;
    if (err)
        return wv_sock_fail(err);
    union {
        int i;
        struct linger l;
        struct timeval tv;
    } v;
    memset(&v, 0, sizeof(v));
    socklen_t n = sizeof(v);
    if (getsockopt((int)s, o->host_level, o->host_name, &v, &n) != 0)
        return wv_sock_fail(wv_wsa_error(errno));
    unsigned char out[4];
    wv_opt_windows(o, &v, out);
    int four = 4;
    if (wv_user_put(val, out, 4) || wv_user_put(len, &four, sizeof(four)))
        return wv_sock_fail(WSAEFAULT);
    return 0;
}
