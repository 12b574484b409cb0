/* SPDX-License-Identifier: MIT */
/* ws2_32_io.c - sending and receiving: send, recv, sendto, recvfrom, WSASend, WSARecv,
 * WSASendTo, WSARecvFrom (one sendmsg/recvmsg each, WSABUFs as the iovec), with Windows' rules
 * where Linux differs:
 *  - flags are Windows' numbers (MSG_WAITALL is 8); a receive with a flag Windows does not
 *    know is WSAEINVAL; a send keeps MSG_OOB and MSG_DONTROUTE and never raises SIGPIPE;
 *  - a datagram socket that is not bound cannot receive (WSAEINVAL; Linux would bind it), and
 *    a datagram larger than the buffers fills them and fails with WSAEMSGSIZE;
 *  - a blocking call cut short by SO_RCVTIMEO/SO_SNDTIMEO is WSAETIMEDOUT (Linux: EAGAIN), and
 *    a host signal does not interrupt one (it is restarted);
 *  - sendto and recvfrom ignore the address on a stream socket; recvfrom's room for it is
 *    checked before anything is received (too small: WSAEFAULT, nothing taken);
 *  - a count the caller asks for is checked writable before the transfer (a bad one is
 *    WSAEFAULT with nothing sent or received), and success clears the thread's last error.
 * The WSA forms take zero buffers as WSAEINVAL and more than the host's IOV_MAX as
 * WSAENOBUFS.  With an OVERLAPPED: a socket made without the overlapped attribute ignores it
 * and blocks, as Windows does; on an overlapped socket winvm has no asynchronous socket I/O
 * (a SOCKET is not a handle overlap.c serves), so the call fails with WSAEOPNOTSUPP before
 * doing anything (docs/semantics.md). */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

struct wv_wsabuf {
    uint32_t len;
    char *buf;
};

enum { WV_MSG_OOB = 0x1, WV_MSG_PEEK = 0x2, WV_MSG_DONTROUTE = 0x4, WV_MSG_WAITALL = 0x8,
       WV_MSG_PUSH_IMMEDIATE = 0x20 };

static int wv_send_flags(DWORD f)
{
    return (f & WV_MSG_OOB ? MSG_OOB : 0) | (f & WV_MSG_DONTROUTE ? MSG_DONTROUTE : 0) | MSG_NOSIGNAL;
}

/* Windows' receive flags as the host's in *host; 0 or WSAEINVAL (a flag it does not know). */
static int wv_recv_flags(DWORD f, int *host)
{
    if (f & ~(DWORD)(WV_MSG_OOB | WV_MSG_PEEK | WV_MSG_WAITALL | WV_MSG_PUSH_IMMEDIATE))
        return WSAEINVAL;
    *host = (f & WV_MSG_OOB ? MSG_OOB : 0) | (f & WV_MSG_PEEK ? MSG_PEEK : 0) | (f & WV_MSG_WAITALL ? MSG_WAITALL : 0);
    return 0;
}

static int wv_sock_type(int fd)
{
    int type = 0;
    socklen_t n = sizeof(type);
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) == 0 ? type : 0;
}

/* The error of a failed transfer: EAGAIN on a blocking socket is its timeout running out. */
static int wv_io_error(int fd, int e)
{
    if (e == EAGAIN || e == EWOULDBLOCK) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0 && !(fl & O_NONBLOCK))
            return WSAETIMEDOUT;
    }
    return wv_wsa_error(e);
}

/* Whether the caller's n bytes at p can be written (read, then the same bytes put back). */
static bool wv_out_ok(void *p, size_t n)
{
    unsigned char v[8];
    return n <= sizeof(v) && !wv_copy(v, p, n) && !wv_user_put(p, v, n);
}

/* One sendmsg: 0 and *n, or the WSA error. */
static int wv_do_send(int fd, struct msghdr *m, int flags, DWORD *n)
{
    ssize_t r;
    while ((r = sendmsg(fd, m, flags)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return wv_io_error(fd, errno);
    *n = (DWORD)r;
    return 0;
}

/* One recvmsg on fd, a socket of type: 0 and *n, or the WSA error. */
static int wv_do_recv(int fd, int type, struct msghdr *m, int flags, DWORD *n)
{
    if (type != SOCK_STREAM && !wv_sock_bound(fd))
        return WSAEINVAL;
    ssize_t r;
    while ((r = recvmsg(fd, m, flags)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return wv_io_error(fd, errno);
    if (type != SOCK_STREAM && (m->msg_flags & MSG_TRUNC))
        return WSAEMSGSIZE;
    *n = (DWORD)r;
    return 0;
}

/* The caller's WSABUFs as an iovec (*out malloc'ed): 0 or the WSA error. */
static int wv_bufs_read(const struct wv_wsabuf *bufs, DWORD count, struct iovec **out)
{
    *out = NULL;
    if (!count)
        return WSAEINVAL;
    if (!bufs)
        return WSAEFAULT;
    if (count > IOV_MAX)
        return WSAENOBUFS;
    struct wv_wsabuf *w = malloc(count * sizeof(*w));
    struct iovec *iov = malloc(count * sizeof(*iov));
    int err = !w || !iov ? WSAENOBUFS : wv_copy(w, bufs, count * sizeof(*w)) ? WSAEFAULT : 0;
    for (DWORD i = 0; !err && i < count; i++)
        iov[i] = (struct iovec){.iov_base = w[i].buf, .iov_len = w[i].len};
    free(w);
    if (err)
        free(iov);
    else
        *out = iov;
    return err;
}

/* An OVERLAPPED given: 0 (the socket has no overlapped attribute: it is ignored) or
 * WSAEOPNOTSUPP. */
static int wv_ov_check(SOCKET s, const void *ov) { return ov && wv_sock_overlapped(s) ? WSAEOPNOTSUPP : 0; }

/* The room recvfrom has for the sender's address: 0 (enough, or none wanted) or WSAEFAULT. */
static int wv_from_room(int fd, const void *from, int *fromlen)
{
    if (!from)
        return 0;
    int cap;
    struct sockaddr_storage a;
    socklen_t n = sizeof(a);
    if (!fromlen || wv_copy(&cap, fromlen, sizeof(cap)) || !wv_out_ok(fromlen, sizeof(cap)))
        return WSAEFAULT;
    if (getsockname(fd, (struct sockaddr *)&a, &n) != 0)
        return wv_wsa_error(errno);
    int need = a.ss_family == AF_INET6 ? (int)sizeof(struct sockaddr_in6) : (int)sizeof(struct sockaddr_in);
    return cap < need ? WSAEFAULT : 0;
}

/* A sendto address (stream sockets: ignored, *use false) in the host's form: 0 or WSAEFAULT. */
static int wv_to_addr(int fd, const void *to, int tolen, struct sockaddr_storage *a, bool *use)
{
    *use = to && wv_sock_type(fd) != SOCK_STREAM; /* a connection's peer is where the bytes go */
    if (!*use)
        return 0;
    if (!wv_host_addr(to, tolen, a))
        return WSAEFAULT;
    size_t need = a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    return tolen < (int)need ? WSAEFAULT : 0; /* too short for its family */
}

/* WSASend and WSASendTo. */
static int wv_wsa_send(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *sent, DWORD flags,
                       const void *to, int tolen, void *ov)
{
    int err = wv_sock_check(s);
    if (!err)
        err = wv_ov_check(s, ov);
    if (!err && (sent ? !wv_out_ok(sent, sizeof(*sent)) : !ov))
        err = WSAEFAULT;
    struct sockaddr_storage a;
    bool use = false;
    if (!err)
        err = wv_to_addr((int)s, to, tolen, &a, &use);
    struct iovec *iov = NULL;
    if (!err)
        err = wv_bufs_read(bufs, count, &iov);
    DWORD n = 0;
    if (!err) {
        struct msghdr m = {.msg_name = use ? &a : NULL, .msg_namelen = use ? (socklen_t)tolen : 0,
                           .msg_iov = iov, .msg_iovlen = count};
        err = wv_do_send((int)s, &m, wv_send_flags(flags), &n);
    }
    free(iov);
    if (!err && sent && wv_user_put(sent, &n, sizeof(n)))
        err = WSAEFAULT;
    return err ? wv_sock_fail(err) : (wv_set_error(0), 0);
}

WV_WS_API int wv_ws_WSASend(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *sent, DWORD flags,
                            void *ov, void *routine)
{
    (void)routine; /* used only with an OVERLAPPED */
    return wv_wsa_send(s, bufs, count, sent, flags, NULL, 0, ov);
}

WV_WS_API int wv_ws_WSASendTo(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *sent, DWORD flags,
                              const void *to, int tolen, void *ov, void *routine)
{
    (void)routine;
    return wv_wsa_send(s, bufs, count, sent, flags, to, tolen, ov);
}

/* WSARecv and WSARecvFrom. */
static int wv_wsa_recv(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *got, DWORD *flags,
                       void *from, int *fromlen, void *ov)
{
    int err = wv_sock_check(s), host = 0;
    DWORD in = 0;
    if (!err)
        err = wv_ov_check(s, ov);
    if (!err && (!flags || wv_copy(&in, flags, sizeof(in)) || !wv_out_ok(flags, sizeof(in)) ||
                 (got ? !wv_out_ok(got, sizeof(*got)) : !ov)))
        err = WSAEFAULT;
    if (!err)
        err = wv_recv_flags(in, &host);
    int type = err ? 0 : wv_sock_type((int)s);
    if (type == SOCK_STREAM)
        from = NULL; /* a connection's peer is not reported */
    if (!err)
        err = wv_from_room((int)s, from, fromlen);
    struct iovec *iov = NULL;
    if (!err)
        err = wv_bufs_read(bufs, count, &iov);
    DWORD n = 0, out = 0;
    struct sockaddr_storage a;
    struct msghdr m = {.msg_name = from ? &a : NULL, .msg_namelen = from ? sizeof(a) : 0, .msg_iov = iov,
                       .msg_iovlen = count};
    if (!err)
        err = wv_do_recv((int)s, type, &m, host, &n);
    free(iov);
    if (!err && from)
        err = wv_win_addr(&a, m.msg_namelen, from, fromlen);
    if (!err && ((got && wv_user_put(got, &n, sizeof(n))) || wv_user_put(flags, &out, sizeof(out))))
        err = WSAEFAULT;
    return err ? wv_sock_fail(err) : (wv_set_error(0), 0);
}

WV_WS_API int wv_ws_WSARecv(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *got, DWORD *flags,
                            void *ov, void *routine)
{
    (void)routine;
    return wv_wsa_recv(s, bufs, count, got, flags, NULL, NULL, ov);
}

WV_WS_API int wv_ws_WSARecvFrom(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *got, DWORD *flags,
                                void *from, int *fromlen, void *ov, void *routine)
{
    (void)routine;
    return wv_wsa_recv(s, bufs, count, got, flags, from, fromlen, ov);
}

WV_WS_API int wv_ws_recvfrom(SOCKET s, char *buf, int len, int flags, void *from, int *fromlen)
{
    int err = wv_sock_check(s), host = 0;
    if (!err)
        err = wv_recv_flags((DWORD)flags, &host);
    int type = err ? 0 : wv_sock_type((int)s);
    if (type == SOCK_STREAM)
        from = NULL; /* a connection's peer is not reported (fromlen is left as it is) */
    if (!err)
        err = wv_from_room((int)s, from, fromlen);
    struct iovec iov = {.iov_base = buf, .iov_len = (size_t)(len < 0 ? 0 : len)};
    struct sockaddr_storage a;
    struct msghdr m = {.msg_name = from ? &a : NULL, .msg_namelen = from ? sizeof(a) : 0, .msg_iov = &iov,
                       .msg_iovlen = 1};
    DWORD n = 0;
    if (!err)
        err = wv_do_recv((int)s, type, &m, host, &n);
    if (!err && from)
        err = wv_win_addr(&a, m.msg_namelen, from, fromlen);
    return err ? wv_sock_fail(err) : (wv_set_error(0), (int)n);
}

WV_WS_API int wv_ws_recv(SOCKET s, char *buf, int len, int flags)
{
    return wv_ws_recvfrom(s, buf, len, flags, NULL, NULL);
}

WV_WS_API int wv_ws_sendto(SOCKET s, const char *buf, int len, int flags, const void *to, int tolen)
{
    int err = wv_sock_check(s);
    struct sockaddr_storage a;
    bool use = false;
    if (!err)
        err = wv_to_addr((int)s, to, tolen, &a, &use);
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = (size_t)(len < 0 ? 0 : len)};
    struct msghdr m = {.msg_name = use ? &a : NULL, .msg_namelen = use ? (socklen_t)tolen : 0, .msg_iov = &iov,
                       .msg_iovlen = 1};
    DWORD n = 0;
    if (!err)
        err = wv_do_send((int)s, &m, wv_send_flags((DWORD)flags), &n);
    return err ? wv_sock_fail(err) : (wv_set_error(0), (int)n);
}

WV_WS_API int wv_ws_send(SOCKET s, const char *buf, int len, int flags)
{
    return wv_ws_sendto(s, buf, len, flags, NULL, 0);
}
