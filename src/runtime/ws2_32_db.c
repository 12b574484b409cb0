/* SPDX-License-Identifier: MIT */
/* ws2_32_db.c - Winsock's database calls: gethostbyname, gethostbyaddr, gethostname,
 * GetHostNameW, getservbyname, getservbyport, getprotobyname, getprotobynumber.
 *
 * Hosts and services come from the host's resolver (/etc/hosts, DNS, /etc/services).  Protocols
 * come from Windows' own table (its etc\protocol file: 19 entries, each with its capitalised
 * alias), which differs from Linux's /etc/protocols, and are matched without regard to case.
 *
 * As on Windows, each call but gethostname's needs WSAStartup first (WSANOTINITIALISED), and the
 * result is one block per thread and per kind (host, service, protocol), reused by the thread's
 * next call of that kind and grown only when an answer does not fit (so two answers that fit
 * come back at the same address).  A hostent is laid out as Windows lays it: the structure, its
 * alias pointers, its address pointers, the addresses, then the strings.  A bad pointer argument
 * is WSAEFAULT; a name that resolves to nothing WSAHOST_NOT_FOUND (hosts) or WSANO_DATA
 * (services, protocols). */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Windows x64's layouts (servent puts s_proto before s_port on 64-bit). */
struct wv_hostent {
    char *h_name;
    char **h_aliases;
    short h_addrtype, h_length;
    char **h_addr_list;
};
struct wv_servent {
    char *s_name;
    char **s_aliases;
    char *s_proto;
    short s_port;
};
struct wv_protoent {
    char *p_name;
    char **p_aliases;
    short p_proto;
};

/* ---- the per-thread result blocks ---- */

enum { WV_DB_HOST, WV_DB_SERV, WV_DB_PROTO, WV_DB_KINDS };
struct wv_db_tls {
    void *block[WV_DB_KINDS];
    size_t cap[WV_DB_KINDS];
};
static __thread struct wv_db_tls *wv_db_mine;
static pthread_key_t wv_db_key;
static pthread_once_t wv_db_once = PTHREAD_ONCE_INIT;

static void wv_db_free(void *p)
{
    struct wv_db_tls *t = p;
    for (int i = 0; i < WV_DB_KINDS; i++)
        free(t->block[i]);
    free(t);
}

static void wv_db_init(void) { pthread_key_create(&wv_db_key, wv_db_free); }

/* The thread's block of that kind, at least need bytes, zeroed; NULL without memory. */
static void *wv_db_room(int kind, size_t need)
{
    if (!wv_db_mine) {
        pthread_once(&wv_db_once, wv_db_init);
        if (!(wv_db_mine = calloc(1, sizeof(*wv_db_mine))))
            return NULL;
        pthread_setspecific(wv_db_key, wv_db_mine); /* freed when the thread ends */
    }
    struct wv_db_tls *t = wv_db_mine;
    if (t->cap[kind] < need) {
        size_t cap = need < 1024 ? 1024 : need;
        void *b = realloc(t->block[kind], cap);
        if (!b)
            return NULL;
        t->block[kind] = b, t->cap[kind] = cap;
    }
    return memset(t->block[kind], 0, need);
}

static void *wv_db_fail(int wsa) { return wv_set_error((DWORD)wsa), NULL; }

/* The caller's string (NULL stays NULL): 0 or WSAEFAULT. */
static int wv_db_str(const char *s, char **out)
{
    *out = NULL;
    return s && wv_user_str(s, out) ? WSAEFAULT : 0;
}

/* A NULL-terminated string list placed at *ptrs, its strings at *room (both advanced). */
static char **wv_db_list(char *const *src, char ***ptrs, char **room)
{
    char **list = *ptrs;
    size_t i = 0;
    for (; src && src[i]; i++)
        list[i] = strcpy(*room, src[i]), *room += strlen(src[i]) + 1;
    list[i] = NULL;
    *ptrs += i + 1;
    return list;
}

static size_t wv_db_list_bytes(char *const *src, size_t *count)
{
    size_t bytes = 0, n = 0;
    for (; src && src[n]; n++)
        bytes += strlen(src[n]) + 1;
    *count = n;
    return bytes;
}

/* ---- hosts ---- */

static int wv_h_error(int herr)
{
    switch (herr) {
    case HOST_NOT_FOUND: return WSAHOST_NOT_FOUND;
    case TRY_AGAIN: return WSATRY_AGAIN;
    case NO_DATA: return WSANO_DATA;
    default: return WSANO_RECOVERY;
    }
}

/* The host's answer as the thread's Windows hostent; NULL (error set) without memory. */
static struct wv_hostent *wv_host_pack(const struct hostent *h)
{
    size_t na, nn = 0, len = (size_t)h->h_length;
    size_t strings = wv_db_list_bytes(h->h_aliases, &na) + strlen(h->h_name) + 1;
    while (h->h_addr_list[nn])
        nn++;
    size_t bytes = sizeof(struct wv_hostent) + (na + 1 + nn + 1) * sizeof(char *) + nn * len + strings;
    struct wv_hostent *w = wv_db_room(WV_DB_HOST, bytes);
    if (!w)
        return wv_db_fail(WSAENOBUFS);
    char **ptrs = (char **)(w + 1);
    char *addrs = (char *)(ptrs + na + 1 + nn + 1), *room = addrs + nn * len;
    w->h_aliases = wv_db_list(h->h_aliases, &ptrs, &room);
    w->h_addr_list = ptrs;
    for (size_t i = 0; i < nn; i++)
        ptrs[i] = memcpy(addrs + i * len, h->h_addr_list[i], len);
    ptrs[nn] = NULL;
    w->h_name = strcpy(room, h->h_name);
    w->h_addrtype = (short)(h->h_addrtype == AF_INET6 ? WV_WIN_AF_INET6 : h->h_addrtype);
    w->h_length = (short)len;
    return wv_set_error(0), w;
}

/* The host's answer for a name (addr NULL) or an address, with a buffer grown until it fits. */
static struct wv_hostent *wv_host_lookup(const char *name, const void *addr, socklen_t len, int af)
{
    for (size_t cap = 4096; cap <= (1u << 20); cap *= 2) {
        char *buf = malloc(cap);
        if (!buf)
            break;
        struct hostent he, *res = NULL;
        int herr = 0, r = addr ? gethostbyaddr_r(addr, len, af, &he, buf, cap, &res, &herr)
                               : gethostbyname2_r(name, AF_INET, &he, buf, cap, &res, &herr);
        struct wv_hostent *w = res ? wv_host_pack(res) : NULL;
        free(buf);
        if (r != ERANGE)
            return res ? w : wv_db_fail(wv_h_error(herr));
    }
    return wv_db_fail(WSAENOBUFS);
}

WV_WS_API struct wv_hostent *wv_ws_gethostbyname(const char *name)
{
    if (!wv_sock_started())
        return wv_db_fail(WSANOTINITIALISED);
    char *n, local[256];
    if (wv_db_str(name, &n))
        return wv_db_fail(WSAEFAULT);
    const char *use = n;
    if (!n || !*n) { /* NULL or "": this computer */
        if (gethostname(local, sizeof(local)) != 0)
            return free(n), wv_db_fail(WSANO_RECOVERY);
        local[sizeof(local) - 1] = 0, use = local;
    }
    struct wv_hostent *h = wv_host_lookup(use, NULL, 0, 0);
    free(n);
    return h;
}

WV_WS_API struct wv_hostent *wv_ws_gethostbyaddr(const char *addr, int len, int type)
{
    if (!wv_sock_started())
        return wv_db_fail(WSANOTINITIALISED);
    unsigned char a[16];
    int need = type == AF_INET ? 4 : type == WV_WIN_AF_INET6 ? 16 : 0;
    if (!need)
        return wv_db_fail(WSAEAFNOSUPPORT);
    if (!addr || len < need || wv_copy(a, addr, (size_t)need))
        return wv_db_fail(WSAEFAULT);
    return wv_host_lookup(NULL, a, (socklen_t)need, type == AF_INET ? AF_INET : AF_INET6);
}

/* This computer's name in buf (256 bytes): 0 or a WSA error. */
static int wv_local_name(char *buf)
{
    if (gethostname(buf, 256) != 0)
        return WSANO_RECOVERY;
    buf[255] = 0;
    return 0;
}

WV_WS_API int wv_ws_gethostname(char *name, int len)
{
    char h[256];
    int err = !wv_sock_started() ? WSANOTINITIALISED : !name ? WSAEFAULT : wv_local_name(h);
    if (!err && (len < 0 || strlen(h) >= (size_t)len))
        err = WSAEFAULT; /* too short: nothing written */
    if (!err && wv_user_put(name, h, strlen(h) + 1))
        err = WSAEFAULT;
    return err ? wv_sock_fail(err) : 0;
}

WV_WS_API int wv_ws_GetHostNameW(WCHAR *name, int len)
{
    char h[256];
    int err = !wv_sock_started() ? WSANOTINITIALISED : !name ? WSAEFAULT : wv_local_name(h);
    size_t n = strlen(h);
    if (!err && (len < 0 || n >= (size_t)len))
        err = WSAEFAULT;
    WCHAR w[256];
    for (size_t i = 0; !err && i <= n; i++)
        w[i] = (unsigned char)h[i]; /* a host name is ASCII */
    if (!err && wv_user_put(name, w, (n + 1) * sizeof(WCHAR)))
        err = WSAEFAULT;
    return err ? wv_sock_fail(err) : 0;
}

/* ---- services ---- */

static struct wv_servent *wv_serv_pack(const struct servent *s)
{
    size_t na, strings = wv_db_list_bytes(s->s_aliases, &na) + strlen(s->s_name) + strlen(s->s_proto) + 2;
    struct wv_servent *w = wv_db_room(WV_DB_SERV, sizeof(*w) + (na + 1) * sizeof(char *) + strings);
    if (!w)
        return wv_db_fail(WSAENOBUFS);
    char **ptrs = (char **)(w + 1), *room = (char *)(ptrs + na + 1);
    w->s_aliases = wv_db_list(s->s_aliases, &ptrs, &room);
    w->s_name = strcpy(room, s->s_name), room += strlen(room) + 1;
    w->s_proto = strcpy(room, s->s_proto);
    w->s_port = (short)s->s_port; /* network order, as both keep it */
    return wv_set_error(0), w;
}

static struct wv_servent *wv_serv_lookup(const char *name, int port, const char *proto)
{
    char buf[4096];
    struct servent se, *res = NULL;
    if (name)
        getservbyname_r(name, proto, &se, buf, sizeof(buf), &res);
    else
        getservbyport_r(port, proto, &se, buf, sizeof(buf), &res);
    return res ? wv_serv_pack(res) : wv_db_fail(WSANO_DATA);
}

WV_WS_API struct wv_servent *wv_ws_getservbyname(const char *name, const char *proto)
{
    if (!wv_sock_started())
        return wv_db_fail(WSANOTINITIALISED);
    char *n, *p;
    if (!name || wv_db_str(name, &n))
        return wv_db_fail(WSAEFAULT);
    if (wv_db_str(proto, &p))
        return free(n), wv_db_fail(WSAEFAULT);
    struct wv_servent *s = wv_serv_lookup(n, 0, p);
    free(n), free(p);
    return s;
}

WV_WS_API struct wv_servent *wv_ws_getservbyport(int port, const char *proto)
{
    if (!wv_sock_started())
        return wv_db_fail(WSANOTINITIALISED);
    char *p;
    if (wv_db_str(proto, &p))
        return wv_db_fail(WSAEFAULT);
    struct wv_servent *s = wv_serv_lookup(NULL, (int)(unsigned short)port, p);
    free(p);
    return s;
}

/* ---- protocols: Windows' table ---- */

static const struct {
    short number;
    const char *name, *alias;
} wv_protocols[] = {
    {0, "ip", "IP"}, {1, "icmp", "ICMP"}, {3, "ggp", "GGP"}, {6, "tcp", "TCP"}, {8, "egp", "EGP"},
    {12, "pup", "PUP"}, {17, "udp", "UDP"}, {20, "hmp", "HMP"}, {22, "xns-idp", "XNS-IDP"},
    {27, "rdp", "RDP"}, {41, "ipv6", "IPv6"}, {43, "ipv6-route", "IPv6-Route"},
    {44, "ipv6-frag", "IPv6-Frag"}, {50, "esp", "ESP"}, {51, "ah", "AH"}, {58, "ipv6-icmp", "IPv6-ICMP"},
    {59, "ipv6-nonxt", "IPv6-NoNxt"}, {60, "ipv6-opts", "IPv6-Opts"}, {66, "rvd", "RVD"},
};
#define WV_NPROTO (sizeof(wv_protocols) / sizeof(wv_protocols[0]))

static struct wv_protoent *wv_proto_pack(size_t i)
{
    const char *n = wv_protocols[i].name, *a = wv_protocols[i].alias;
    struct wv_protoent *w = wv_db_room(WV_DB_PROTO, sizeof(*w) + 2 * sizeof(char *) + strlen(n) + strlen(a) + 2);
    if (!w)
        return wv_db_fail(WSAENOBUFS);
    char **ptrs = (char **)(w + 1), *room = (char *)(ptrs + 2);
    w->p_aliases = ptrs;
    ptrs[0] = strcpy(room, a), room += strlen(a) + 1;
    w->p_name = strcpy(room, n);
    w->p_proto = wv_protocols[i].number;
    return wv_set_error(0), w;
}

WV_WS_API struct wv_protoent *wv_ws_getprotobyname(const char *name)
{
    if (!wv_sock_started())
        return wv_db_fail(WSANOTINITIALISED);
    char *n;
    if (!name || wv_db_str(name, &n))
        return wv_db_fail(WSAEFAULT);
    size_t i = 0;
    while (i < WV_NPROTO && strcasecmp(n, wv_protocols[i].name) && strcasecmp(n, wv_protocols[i].alias))
        i++;
    free(n);
    return i < WV_NPROTO ? wv_proto_pack(i) : wv_db_fail(WSANO_DATA);
}

WV_WS_API struct wv_protoent *wv_ws_getprotobynumber(int number)
{
    if (!wv_sock_started())
        return wv_db_fail(WSANOTINITIALISED);
    for (size_t i = 0; i < WV_NPROTO; i++)
        if (wv_protocols[i].number == number)
            return wv_proto_pack(i);
    return wv_db_fail(WSANO_DATA);
}
