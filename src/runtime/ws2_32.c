/* SPDX-License-Identifier: MIT */
/* ws2_32.c - Winsock for console programs: TCP/UDP sockets over the host's, with Windows'
 * numbers where they differ from Linux (AF_INET6 23, FIONBIO/FIONREAD, WSA error codes) and
 * its rules: every call but the byte-order helpers and the address-text ones (ws2_32_text.c)
 * needs WSAStartup first (WSANOTINITIALISED), errors are read with WSAGetLastError (the thread's
 * last error, as Windows keeps it), and a SOCKET is one this DLL made: any other value is
 * WSAENOTSOCK, so PE code can never close or use one of winvm's own descriptors through it.
 *
 * A SOCKET is the host descriptor's number; the set of ours is a bitmap guarded by
 * wv_sock_lock (a leaf). */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define WS static __attribute__((ms_abi))

static pthread_mutex_t wv_sock_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t wv_socks[WV_MAX_SOCKETS / 64]; /* guarded by wv_sock_lock */
static uint64_t wv_socks_sync[WV_MAX_SOCKETS / 64]; /* those without the overlapped attribute; same lock */
static int wv_startups;                        /* WSAStartup calls not yet cleaned up; same lock */

int wv_wsa_error(int e)
{
    switch (e) {
    case EINTR: return WSAEINTR;
    case EBADF: case ENOTSOCK: return WSAENOTSOCK;
    case EACCES: case EPERM: return WSAEACCES;
    case EFAULT: return WSAEFAULT;
    case EMFILE: case ENFILE: return WSAEMFILE;
    case EAGAIN: return WSAEWOULDBLOCK;
    case EINPROGRESS: return WSAEWOULDBLOCK; /* Windows' non-blocking connect says WOULDBLOCK */
    case EALREADY: return WSAEALREADY;
    case EMSGSIZE: return WSAEMSGSIZE;
    case EPROTONOSUPPORT: return WSAEPROTONOSUPPORT;
    case EAFNOSUPPORT: return WSAEAFNOSUPPORT;
    case EADDRINUSE: return WSAEADDRINUSE;
    case EADDRNOTAVAIL: return WSAEADDRNOTAVAIL;
    case ENETUNREACH: return WSAENETUNREACH;
    case ECONNABORTED: return WSAECONNABORTED;
    case ECONNRESET: case EPIPE: return WSAECONNRESET;
    case ENOBUFS: case ENOMEM: return WSAENOBUFS;
    case EISCONN: return WSAEISCONN;
    case ENOTCONN: return WSAENOTCONN;
    case ETIMEDOUT: return WSAETIMEDOUT;
    case ECONNREFUSED: return WSAECONNREFUSED;
    case EOPNOTSUPP: return WSAEOPNOTSUPP;
    case ENOPROTOOPT: return WSAENOPROTOOPT;
    case EDESTADDRREQ: return WSAEDESTADDRREQ;
    case EHOSTUNREACH: return WSAEHOSTUNREACH;
    default: return WSAEINVAL;
    }
}

int wv_sock_fail(int wsa) { return wv_set_error((DWORD)wsa), SOCKET_ERROR; }

/* 0 when s is one of ours and Winsock is started, else the WSA error. */
int wv_sock_check(SOCKET s)
{
    pthread_mutex_lock(&wv_sock_lock);
    int err = !wv_startups ? WSANOTINITIALISED
              : s < WV_MAX_SOCKETS && (wv_socks[s / 64] >> (s % 64) & 1) ? 0 : WSAENOTSOCK;
    pthread_mutex_unlock(&wv_sock_lock);
    return err;
}

void wv_sock_mark(int fd, bool on)
{
    pthread_mutex_lock(&wv_sock_lock);
    if (on)
        wv_socks[fd / 64] |= 1ull << (fd % 64);
    else
        wv_socks[fd / 64] &= ~(1ull << (fd % 64)), wv_socks_sync[fd / 64] &= ~(1ull << (fd % 64));
    pthread_mutex_unlock(&wv_sock_lock);
}

bool wv_sock_overlapped(SOCKET s)
{
    if (s >= WV_MAX_SOCKETS)
        return false;
    pthread_mutex_lock(&wv_sock_lock);
    bool sync = wv_socks_sync[s / 64] >> (s % 64) & 1;
    pthread_mutex_unlock(&wv_sock_lock);
    return !sync;
}

void wv_sock_set_overlapped(int fd, bool on)
{
    pthread_mutex_lock(&wv_sock_lock);
    if (on)
        wv_socks_sync[fd / 64] &= ~(1ull << (fd % 64));
    else
        wv_socks_sync[fd / 64] |= 1ull << (fd % 64);
    pthread_mutex_unlock(&wv_sock_lock);
}

/* WSADATA for 64-bit Windows: versions, then (unlike 32-bit) the socket limits before the
 * description strings. */
struct wv_wsadata {
    WORD version, high_version;
    unsigned short max_sockets, max_udp;
    char *vendor_info;
    char description[257], system_status[129];
};

/* Windows' answers (Wine's test_startup): a major version 0 is WSAVERNOTSUPPORTED, checked before
 * the data pointer, and still fills the data; 1.x is served as 1.0 or 1.1, 2.x up to 2.2, anything
 * higher as 2.2.  The 1.x data carry the old socket and datagram limits; lpVendorInfo is left as
 * the caller had it. */
WS int ws_WSAStartup(WORD want, struct wv_wsadata *data)
{
    BYTE major = want & 0xff, minor = want >> 8;
    if (major && !data)
        return WSAEFAULT;
    if (major == 1 && minor > 1)
        minor = 1;
    if (!major || major > 2 || (major == 2 && minor > 2))
        major = 2, minor = 2;
    struct wv_wsadata d = {0};
    if (data && wv_copy(&d, data, sizeof(d)))
        return WSAEFAULT;
    char *vendor = d.vendor_info;
    memset(&d, 0, sizeof(d));
    d.vendor_info = vendor;
    d.version = (WORD)(major | minor << 8);
    d.high_version = 0x0202;
    if (major == 1)
        d.max_sockets = 32767, d.max_udp = 65467;
    strcpy(d.description, "WinSock 2.0");
    strcpy(d.system_status, "Running");
    if (data && wv_user_put(data, &d, sizeof(d)))
        return WSAEFAULT;
    if (!(want & 0xff))
        return WSAVERNOTSUPPORTED;
    pthread_mutex_lock(&wv_sock_lock);
    wv_startups++;
    pthread_mutex_unlock(&wv_sock_lock);
    return 0;
}

/* The last WSACleanup closes every socket of ours, as Windows destroys them (Wine's
 * test_WithWSAStartup: a socket used after it is WSAENOTSOCK). */
WS int ws_WSACleanup(void)
{
    pthread_mutex_lock(&wv_sock_lock);
    int ok = wv_startups > 0;
    if (ok && --wv_startups == 0)
        for (int w = 0; w < WV_MAX_SOCKETS / 64; w++)
            for (; wv_socks[w]; wv_socks[w] &= wv_socks[w] - 1)
                close(w * 64 + __builtin_ctzll(wv_socks[w]));
    if (ok && !wv_startups)
        memset(wv_socks_sync, 0, sizeof(wv_socks_sync));
    pthread_mutex_unlock(&wv_sock_lock);
    return ok ? (wv_set_error(0), 0) : wv_sock_fail(WSANOTINITIALISED);
}

WS int ws_WSAGetLastError(void) { return (int)GetLastError(); }
WS void ws_WSASetLastError(int e) { SetLastError((DWORD)e); }

bool wv_sock_started(void)
{
    pthread_mutex_lock(&wv_sock_lock);
    bool on = wv_startups > 0;
    pthread_mutex_unlock(&wv_sock_lock);
    return on;
}

WS int ws_closesocket(SOCKET s)
{
    int err = wv_sock_check(s);
    if (err)
        return wv_sock_fail(err);
    wv_sock_mark((int)s, false);
    return close((int)s) == 0 ? 0 : wv_sock_fail(wv_wsa_error(errno));
}

/* A Windows sockaddr as the host's: AF_INET6's family number differs; the rest is the same. */
bool wv_host_addr(const void *addr, int len, struct sockaddr_storage *out)
{
    if (!addr || len < (int)sizeof(unsigned short) || len > (int)sizeof(*out) || wv_copy(out, addr, (size_t)len))
        return false; /* a bad pointer too: the callers' WSAEFAULT */
    if (out->ss_family == WV_WIN_AF_INET6)
        out->ss_family = AF_INET6;
    return true;
}

int wv_win_addr(const struct sockaddr_storage *a, socklen_t n, void *addr, int *len)
{
    if (!addr)
        return 0; /* the caller wants no address (accept's are optional) */
    if (!len)
        return WSAEFAULT;
    int cap;
    if (wv_copy(&cap, len, sizeof(cap)) || cap < 0 || (socklen_t)cap < n)
        return WSAEFAULT;
    struct sockaddr_storage w = *a;
    if (w.ss_family == AF_INET6)
        w.ss_family = WV_WIN_AF_INET6;
    int out = (int)n;
    return wv_user_put(addr, &w, n) || wv_user_put(len, &out, sizeof(out)) ? WSAEFAULT : 0;
}

WS int ws_connect(SOCKET s, const void *addr, int len)
{
    int err = wv_sock_check(s);
    struct sockaddr_storage a;
    if (!err && !wv_host_addr(addr, len, &a))
        err = WSAEFAULT;
    if (!err && connect((int)s, (struct sockaddr *)&a, (socklen_t)len) != 0)
        err = wv_wsa_error(errno);
    return err ? wv_sock_fail(err) : 0;
}

WS int ws_ioctlsocket(SOCKET s, long cmd, unsigned long *arg)
{
    int err = wv_sock_check(s);
    if (!err && !arg)
        err = WSAEFAULT;
    if (!err && (unsigned long)(uint32_t)cmd == WV_WIN_FIONBIO) {
        uint32_t on;
        memcpy(&on, arg, sizeof(on)); /* u_long is 32 bits on Windows */
        int fl = fcntl((int)s, F_GETFL);
        if (fl < 0 || fcntl((int)s, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) != 0)
            err = wv_wsa_error(errno);
    } else if (!err && (unsigned long)(uint32_t)cmd == WV_WIN_FIONREAD) {
        int avail = 0;
        if (ioctl((int)s, FIONREAD, &avail) != 0)
            err = wv_wsa_error(errno);
        uint32_t v = (uint32_t)avail;
        memcpy(arg, &v, sizeof(v));
    } else if (!err)
        err = WSAEINVAL;
    return err ? wv_sock_fail(err) : 0;
}

WS unsigned short ws_htons(unsigned short v) { return htons(v); }
WS unsigned short ws_ntohs(unsigned short v) { return ntohs(v); }
WS uint32_t ws_htonl(uint32_t v) { return htonl(v); }
WS uint32_t ws_ntohl(uint32_t v) { return ntohl(v); }

#define W(f) {#f, (void *)ws_##f}
#define X(f) {#f, (void *)wv_ws_##f}
static const struct wv_export wv_ws_exports[] = {
    {"FreeAddrInfoW", (void *)wv_ws_freeaddrinfo}, X(GetAddrInfoW), X(GetHostNameW), X(GetNameInfoW),
    X(InetNtopW), X(InetPtonW), X(WSAAddressToStringA), X(WSAAddressToStringW), W(WSACleanup),
    X(WSADuplicateSocketA), X(WSADuplicateSocketW), X(WSAEnumProtocolsA), X(WSAEnumProtocolsW),
    W(WSAGetLastError), X(WSARecv), X(WSARecvFrom), X(WSASend), X(WSASendTo), W(WSASetLastError), X(WSASocketA),
    X(WSASocketW), W(WSAStartup), X(WSAStringToAddressA), X(WSAStringToAddressW), X(__WSAFDIsSet), X(accept),
    X(bind), W(closesocket), W(connect), X(freeaddrinfo), X(getaddrinfo), X(gethostbyaddr), X(gethostbyname),
    X(gethostname), X(getnameinfo), X(getpeername), X(getprotobyname), X(getprotobynumber), X(getservbyname),
    X(getservbyport), X(getsockname), X(getsockopt), W(htonl), W(htons), X(inet_addr), X(inet_ntoa),
    X(inet_ntop), X(inet_pton), W(ioctlsocket), X(listen), W(ntohl), W(ntohs), X(recv), X(recvfrom), X(select),
    X(send), X(sendto), X(setsockopt), X(shutdown), X(socket),
};
#undef X
#undef W
#define WV_WS_COUNT (sizeof(wv_ws_exports) / sizeof(wv_ws_exports[0]))

void *wv_ws_lookup(const char *name) { return wv_export_find(wv_ws_exports, WV_WS_COUNT, name); }

const char *wv_ws_name_at(size_t i) { return i < WV_WS_COUNT ? wv_ws_exports[i].name : NULL; }
