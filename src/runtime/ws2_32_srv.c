/* SPDX-License-Identifier: MIT */
/* ws2_32_srv.c - Winsock's server side and socket names: bind, listen, accept, getsockname,
 * getpeername, shutdown, with Windows' rules where Linux differs: listen on an unbound socket
 * is WSAEINVAL (Linux binds it to a free port), getsockname of an unbound socket is WSAEINVAL
 * (Linux reports the wildcard), a socket accepted from a non-blocking listener is non-blocking
 * too (Linux's accept does not inherit it), and shutdown's SD_* values are checked
 * (WSAEINVAL). */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

WV_WS_API int wv_ws_bind(SOCKET s, const void *addr, int len)
{
    int err = wv_sock_check(s);
    struct sockaddr_storage a;
    if (!err && !wv_host_addr(addr, len, &a))
        err = WSAEFAULT;
    if (!err && bind((int)s, (struct sockaddr *)&a, (socklen_t)len) != 0)
        err = wv_wsa_error(errno);
    return err ? wv_sock_fail(err) : 0;
}

/* Whether the socket has a local address (bind, or connect's implicit one). */
bool wv_sock_bound(int fd)
{
    struct sockaddr_storage a;
    socklen_t n = sizeof(a);
    if (getsockname(fd, (struct sockaddr *)&a, &n) != 0)
        return false;
    if (a.ss_family == AF_INET)
        return ((struct sockaddr_in *)&a)->sin_port != 0;
    if (a.ss_family == AF_INET6)
        return ((struct sockaddr_in6 *)&a)->sin6_port != 0;
    return a.ss_family != AF_UNSPEC;
}

static bool wv_sock_connected(int fd)
{
    struct sockaddr_storage a;
    socklen_t n = sizeof(a);
    return getpeername(fd, (struct sockaddr *)&a, &n) == 0;
}

WV_WS_API int wv_ws_listen(SOCKET s, int backlog)
{
    int err = wv_sock_check(s);
    if (!err && wv_sock_connected((int)s))
        err = WSAEISCONN;
    else if (!err && !wv_sock_bound((int)s))
        err = WSAEINVAL;
    if (!err && listen((int)s, backlog < 0 ? 0 : backlog) != 0)
        err = wv_wsa_error(errno);
    return err ? wv_sock_fail(err) : 0;
}

WV_WS_API SOCKET wv_ws_accept(SOCKET s, void *addr, int *len)
{
    int err = wv_sock_check(s), cap = 0;
    if (!err && addr && (!len || wv_copy(&cap, len, sizeof(cap)) || cap < (int)sizeof(struct sockaddr)))
        err = WSAEFAULT; /* checked before a connection is taken off the queue */
    if (err)
        return wv_sock_fail(err), INVALID_SOCKET;
    struct sockaddr_storage a;
    socklen_t n = sizeof(a);
    int fl = fcntl((int)s, F_GETFL);
    int fd = accept4((int)s, (struct sockaddr *)&a, &n, SOCK_CLOEXEC | (fl >= 0 && (fl & O_NONBLOCK) ? SOCK_NONBLOCK : 0));
    if (fd < 0)
        return wv_sock_fail(errno == EINVAL ? WSAEINVAL : wv_wsa_error(errno)), INVALID_SOCKET;
    if (fd >= WV_MAX_SOCKETS) {
        close(fd);
        return wv_sock_fail(WSAEMFILE), INVALID_SOCKET;
    }
    err = wv_win_addr(&a, n, addr, len);
    if (err) { /* the address did not fit after all: the connection is dropped */
        close(fd);
        return wv_sock_fail(err), INVALID_SOCKET;
    }
    wv_sock_mark(fd, true);
    wv_sock_set_overlapped(fd, wv_sock_overlapped(s)); /* an accepted socket has the listener's attributes */
    return (SOCKET)fd;
}

/* getsockname (peer false) or getpeername (true). */
static int wv_sock_name(SOCKET s, void *addr, int *len, bool peer)
{
    int err = wv_sock_check(s);
    if (!err && (!addr || !len))
        err = WSAEFAULT;
    if (!err && !peer && !wv_sock_bound((int)s))
        err = WSAEINVAL; /* Windows: not bound yet */
    struct sockaddr_storage a;
    socklen_t n = sizeof(a);
    if (!err && (peer ? getpeername((int)s, (struct sockaddr *)&a, &n) : getsockname((int)s, (struct sockaddr *)&a, &n)))
        err = wv_wsa_error(errno);
    if (!err)
        err = wv_win_addr(&a, n, addr, len);
    return err ? wv_sock_fail(err) : 0;
}

WV_WS_API int wv_ws_getsockname(SOCKET s, void *addr, int *len) { return wv_sock_name(s, addr, len, false); }
WV_WS_API int wv_ws_getpeername(SOCKET s, void *addr, int *len) { return wv_sock_name(s, addr, len, true); }

/* SD_RECEIVE 0, SD_SEND 1, SD_BOTH 2: the same numbers as SHUT_*. */
WV_WS_API int wv_ws_shutdown(SOCKET s, int how)
{
    int err = wv_sock_check(s);
    if (!err && (how < 0 || how > 2))
        err = WSAEINVAL;
    if (!err && shutdown((int)s, how) != 0)
        err = wv_wsa_error(errno);
    return err ? wv_sock_fail(err) : 0;
}
