/* SPDX-License-Identifier: MIT */
/* ws2_32_addr.c - getaddrinfo, freeaddrinfo, getnameinfo and their UTF-16 forms GetAddrInfoW,
 * FreeAddrInfoW, GetNameInfoW over the host's resolver, in Windows' forms: ADDRINFOA (and
 * ADDRINFOW, whose ai_canonname is UTF-16) puts ai_addrlen (a size_t) and ai_canonname before ai_addr, the
 * AI_* and NI_* flags and AF_INET6 have other numbers, and the errors are WSA codes (returned,
 * and set as the thread's last error).  Both need WSAStartup first.
 *
 * A result list is one malloc'ed block (the entries, their addresses, the canonical name),
 * remembered until freeaddrinfo: a pointer that is not the head of a live list is ignored
 * there rather than freed. */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct wv_addrinfo {
    int flags, family, socktype, protocol;
    size_t addrlen;
    char *canonname;
    void *addr;
    struct wv_addrinfo *next;
};

/* Windows' AI_* bits and the host's. */
static const int wv_ai_flags[][2] = {
    {0x1, AI_PASSIVE}, {0x2, AI_CANONNAME}, {0x4, AI_NUMERICHOST}, {0x8, AI_NUMERICSERV},
    {0x100, AI_ALL}, {0x400, AI_ADDRCONFIG}, {0x800, AI_V4MAPPED},
};
/* Windows' NI_* bits and the host's. */
static const int wv_ni_flags[][2] = {
    {0x1, NI_NOFQDN}, {0x2, NI_NUMERICHOST}, {0x4, NI_NAMEREQD}, {0x8, NI_NUMERICSERV}, {0x10, NI_DGRAM},
};

/* flags mapped through table; false when a bit is not in it. */
static bool wv_map_flags(int flags, const int (*table)[2], size_t n, int *out)
{
    *out = 0;
    for (size_t i = 0; i < n; i++)
        if (flags & table[i][0])
            *out |= table[i][1], flags &= ~table[i][0];
    return flags == 0;
}

static int wv_eai_error(int e)
{
    switch (e) {
    case EAI_AGAIN: return WSATRY_AGAIN;
    case EAI_BADFLAGS: return WSAEINVAL;
    case EAI_FAIL: return WSANO_RECOVERY;
    case EAI_FAMILY: return WSAEAFNOSUPPORT;
    case EAI_MEMORY: return WSA_NOT_ENOUGH_MEMORY;
    case EAI_SERVICE: return WSATYPE_NOT_FOUND;
    case EAI_SOCKTYPE: return WSAESOCKTNOSUPPORT;
    case EAI_OVERFLOW: return WSAEFAULT;
    default: return WSAHOST_NOT_FOUND; /* EAI_NONAME, EAI_NODATA, EAI_ADDRFAMILY */
    }
}

static int wv_ai_fail(int wsa) { return wv_set_error((DWORD)wsa), wsa; }

static pthread_mutex_t wv_ai_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_ai_block {
    struct wv_ai_block *next;
} *wv_ai_live; /* guarded by wv_ai_lock */

/* The host's list as one Windows block (after a link header), canonical names in UTF-16 when
 * wide; NULL without memory. */
static struct wv_addrinfo *wv_ai_convert(const struct addrinfo *list, bool wide, int socktype, int protocol)
{
    size_t n = 0, bytes = sizeof(struct wv_ai_block), unit = wide ? sizeof(WCHAR) : 1;
    for (const struct addrinfo *a = list; a; a = a->ai_next, n++)
        bytes += sizeof(struct wv_addrinfo) + ((a->ai_addrlen + 15) & ~(size_t)15) +
                 (a->ai_canonname ? (strlen(a->ai_canonname) + 1) * unit : 0);
    struct wv_ai_block *b = calloc(1, bytes + 16);
    if (!b)
        return NULL;
    struct wv_addrinfo *out = (struct wv_addrinfo *)(b + 1), *prev = NULL;
    char *room = (char *)(out + n);
    for (const struct addrinfo *a = list; a; a = a->ai_next) {
        struct wv_addrinfo *w = prev ? prev + 1 : out;
        int fam = a->ai_family == AF_INET6 ? WV_WIN_AF_INET6 : a->ai_family;
        *w = (struct wv_addrinfo){.flags = 0, .family = fam, .socktype = socktype,
                                  .protocol = protocol, .addrlen = a->ai_addrlen, .addr = room};
        memcpy(room, a->ai_addr, a->ai_addrlen);
        if (a->ai_family == AF_INET6)
            memcpy(room, &(unsigned short){WV_WIN_AF_INET6}, sizeof(unsigned short));
        room += (a->ai_addrlen + 15) & ~(size_t)15;
        if (a->ai_canonname) {
            size_t len = strlen(a->ai_canonname) + 1;
            w->canonname = room;
            for (size_t i = 0; i < len; i++) /* a host name is ASCII (IDN names come punycoded) */
                if (wide)
                    ((WCHAR *)room)[i] = (unsigned char)a->ai_canonname[i];
                else
                    room[i] = a->ai_canonname[i];
            room += len * unit;
        }
        if (prev)
            prev->next = w;
        prev = w;
    }
    pthread_mutex_lock(&wv_ai_lock);
    b->next = wv_ai_live, wv_ai_live = b;
    pthread_mutex_unlock(&wv_ai_lock);
    return out;
}

/* The caller's hints in the host's form; 0 or a WSA error.  Windows gives one entry per address,
 * carrying the hints' socket type and protocol as they were given (0 included, and a protocol
 * that does not fit the type), where glibc gives one per type; so the host is asked for
 * stream sockets (datagram ones when those are wanted: a service may be UDP's alone) and the
 * hints' two values are kept in *w for the entries. */
static int wv_ai_hints(const struct wv_addrinfo *hints, struct addrinfo *h, struct wv_addrinfo *w)
{
    memset(h, 0, sizeof(*h));
    memset(w, 0, sizeof(*w));
    h->ai_socktype = SOCK_STREAM;
    if (!hints)
        return 0;
    if (wv_copy(w, hints, sizeof(*w)))
        return WSAEFAULT;
    if (w->socktype < 0 || w->socktype > 5)
        return WSAESOCKTNOSUPPORT;
    if (!wv_map_flags(w->flags, wv_ai_flags, sizeof(wv_ai_flags) / sizeof(wv_ai_flags[0]), &h->ai_flags))
        return WSAEINVAL;
    if (w->family != AF_UNSPEC && w->family != AF_INET && w->family != WV_WIN_AF_INET6)
        return WSAEAFNOSUPPORT;
    h->ai_family = w->family == WV_WIN_AF_INET6 ? AF_INET6 : w->family;
    if (w->socktype == SOCK_DGRAM)
        h->ai_socktype = SOCK_DGRAM;
    return 0;
}

/* A bracketed IPv6 node ("[addr]", "[addr]:port", the port ignored, as Windows takes them)
 * without its brackets, into out (cap bytes); not bracketed: NULL.  *err is WSAHOST_NOT_FOUND
 * for brackets round something else. */
static const char *wv_ai_unbracket(const char *n, char *out, size_t cap, int *err)
{
    if (n[0] != '[')
        return NULL;
    const char *close = strchr(n, ']'), *p = close ? close + 1 : NULL;
    unsigned char a[16];
    if (p && *p == ':')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    size_t len = close ? (size_t)(close - n - 1) : 0;
    if (!close || *p || len >= cap)
        return *err = WSAHOST_NOT_FOUND, NULL;
    memcpy(out, n + 1, len), out[len] = 0;
    const char *end = wv_ipv6_parse(out, a);
    if (!end || *end)
        return *err = WSAHOST_NOT_FOUND, NULL;
    return out;
}

/* getaddrinfo's work once the node and service are host strings: 0 or the WSA error. */
static int wv_ai_resolve(const char *n, const char *s, const struct wv_addrinfo *hints, struct wv_addrinfo **res,
                         bool wide)
{
    struct addrinfo h, *list = NULL;
    struct wv_addrinfo w;
    char local[256];
    int err = wv_ai_hints(hints, &h, &w);
    if (!err && n && !*n) { /* "": this computer */
        if (gethostname(local, sizeof(local)) != 0)
            err = WSANO_RECOVERY;
        local[sizeof(local) - 1] = 0, n = local;
    }
    if (s && !*s)
        s = "0"; /* "": no service, port 0 */
    char inner[64];
    const char *unbracketed = !err && n ? wv_ai_unbracket(n, inner, sizeof(inner), &err) : NULL;
    if (unbracketed)
        n = unbracketed;
    if (!err) {
        int r = getaddrinfo(n, s, &h, &list);
        err = r ? wv_eai_error(r) : 0;
    }
    struct wv_addrinfo *out = NULL;
    if (!err && !(out = wv_ai_convert(list, wide, w.socktype, w.protocol)))
        err = WSA_NOT_ENOUGH_MEMORY;
    if (list)
        freeaddrinfo(list);
    if (wv_user_put(res, &out, sizeof(out)) && !err) { /* a failure leaves *res NULL, as Windows does */
        wv_ws_freeaddrinfo(out);
        err = WSAEFAULT;
    }
    return err;
}

/* The checks both forms make first: 0 or the WSA error. */
static int wv_ai_args(const void *node, const void *service, void *res)
{
    if (!wv_sock_started())
        return WSANOTINITIALISED;
    if (!res)
        return WSAEFAULT; /* checked first */
    if (!node && !service) {
        void *none = NULL;
        wv_user_put(res, &none, sizeof(none));
        return WSAHOST_NOT_FOUND;
    }
    return 0;
}

WV_WS_API int wv_ws_getaddrinfo(const char *node, const char *service, const struct wv_addrinfo *hints,
                                struct wv_addrinfo **res)
{
    int err = wv_ai_args(node, service, res);
    char *n = NULL, *s = NULL;
    if (!err && ((node && wv_user_str(node, &n)) || (service && wv_user_str(service, &s))))
        err = WSAEFAULT;
    if (!err)
        err = wv_ai_resolve(n, s, hints, res, false);
    free(n), free(s);
    return err ? wv_ai_fail(err) : (wv_set_error(0), 0);
}

WV_WS_API int wv_ws_GetAddrInfoW(const WCHAR *node, const WCHAR *service, const struct wv_addrinfo *hints,
                                 struct wv_addrinfo **res)
{
    int err = wv_ai_args(node, service, res);
    char *n = NULL, *s = NULL;
    if (!err && ((node && wv_user_wstr(node, WV_TEXT_REPLACE, &n)) ||
                 (service && wv_user_wstr(service, WV_TEXT_REPLACE, &s))))
        err = WSAEFAULT;
    if (!err)
        err = wv_ai_resolve(n, s, hints, res, true);
    free(n), free(s);
    return err ? wv_ai_fail(err) : (wv_set_error(0), 0);
}

WV_WS_API void wv_ws_freeaddrinfo(struct wv_addrinfo *ai)
{
    struct wv_ai_block *found = NULL;
    pthread_mutex_lock(&wv_ai_lock);
    for (struct wv_ai_block **p = &wv_ai_live; *p; p = &(*p)->next)
        if ((struct wv_addrinfo *)(*p + 1) == ai) {
            found = *p, *p = found->next;
            break;
        }
    pthread_mutex_unlock(&wv_ai_lock);
    free(found);
}

/* getnameinfo's answer in h and s (NI_MAXHOST, NI_MAXSERV bytes; each only when wanted): 0 or
 * the WSA error. */
static int wv_ni_resolve(const void *sa, int salen, bool want_host, bool want_serv, int flags, char *h, char *s)
{
    if (!wv_sock_started())
        return WSANOTINITIALISED;
    struct sockaddr_storage a;
    int hf;
    if (!wv_host_addr(sa, salen, &a))
        return WSAEFAULT;
    if (!wv_map_flags(flags, wv_ni_flags, sizeof(wv_ni_flags) / sizeof(wv_ni_flags[0]), &hf))
        return WSAEINVAL;
    if (!want_host && !want_serv)
        return WSAHOST_NOT_FOUND;
    int r = getnameinfo((struct sockaddr *)&a, (socklen_t)salen, want_host ? h : NULL, want_host ? NI_MAXHOST : 0,
                        want_serv ? s : NULL, want_serv ? NI_MAXSERV : 0, hf);
    return r ? wv_eai_error(r) : 0;
}

WV_WS_API int wv_ws_getnameinfo(const void *sa, int salen, char *host, DWORD hostlen, char *serv,
                                DWORD servlen, int flags)
{
    char h[NI_MAXHOST], s[NI_MAXSERV];
    int err = wv_ni_resolve(sa, salen, host, serv, flags, h, s);
    if (!err && ((host && strlen(h) >= hostlen) || (serv && strlen(s) >= servlen)))
        err = WSAEFAULT; /* a buffer is too small */
    if (!err && ((host && wv_user_put(host, h, strlen(h) + 1)) || (serv && wv_user_put(serv, s, strlen(s) + 1))))
        err = WSAEFAULT;
    return err ? wv_ai_fail(err) : (wv_set_error(0), 0);
}

/* UTF-8 text into the caller's UTF-16 buffer of cap units: 0 or WSAEFAULT (too small, bad). */
static int wv_ni_put_w(const char *t, WCHAR *buf, DWORD cap)
{
    DWORD n;
    DWORD e = wv_out_w(t, buf, cap, &n);
    return e || n >= cap ? WSAEFAULT : 0;
}

WV_WS_API int wv_ws_GetNameInfoW(const void *sa, int salen, WCHAR *host, DWORD hostlen, WCHAR *serv,
                                 DWORD servlen, int flags)
{
    char h[NI_MAXHOST], s[NI_MAXSERV];
    int err = wv_ni_resolve(sa, salen, host, serv, flags, h, s);
    if (!err && ((host && strlen(h) >= hostlen) || (serv && strlen(s) >= servlen)))
        err = WSAEFAULT; /* checked before either is written */
    if (!err && host)
        err = wv_ni_put_w(h, host, hostlen);
    if (!err && serv)
        err = wv_ni_put_w(s, serv, servlen);
    return err ? wv_ai_fail(err) : (wv_set_error(0), 0);
}
