/* SPDX-License-Identifier: MIT */
/* wsaio.c - the Winsock calls Rust's std imports beyond gdbserver's (tests/test_winsock.c):
 * WSASocketW, WSADuplicateSocketW, WSASend, WSARecv, sendto, recvfrom (and WSASendTo, WSARecvFrom),
 * each with the WSA errors Windows gives for bad input (the cases Wine's conformance tests record where they do).  One
 * line per check, "name=ok" or "name=RET ERR"; the last line counts the failures. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <string.h>

static int fails;

/* A check that must succeed. */
static void ok(const char *name, int cond)
{
    if (cond)
        printf("%s=ok\n", name);
    else
        printf("%s=FAILED %d\n", name, WSAGetLastError()), fails++;
}

/* A call that must fail: its return and WSAGetLastError printed for the test to compare. */
static void err(const char *name, long long ret)
{
    printf("%s=%lld %d\n", name, ret, WSAGetLastError());
}

static int sock_type(SOCKET s)
{
    int type = 0, n = sizeof(type);
    return getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&type, &n) ? -1 : type;
}

static struct sockaddr_in loopback(void)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A bound UDP socket and its address. */
static SOCKET udp_bound(struct sockaddr_in *a)
{
    SOCKET s = WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, WSA_FLAG_OVERLAPPED);
    int n = sizeof(*a);
    *a = loopback();
    if (s == INVALID_SOCKET || bind(s, (struct sockaddr *)a, sizeof(*a)) || getsockname(s, (struct sockaddr *)a, &n))
        return INVALID_SOCKET;
    return s;
}

/* A connected TCP pair made with WSASocketW flags. */
static int tcp_pair(DWORD flags, SOCKET *client, SOCKET *server)
{
    struct sockaddr_in a = loopback();
    int n = sizeof(a);
    SOCKET l = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, flags);
    if (l == INVALID_SOCKET || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&a, &n))
        return -1;
    *client = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, flags);
    if (*client == INVALID_SOCKET || connect(*client, (struct sockaddr *)&a, sizeof(a)))
        return -1;
    *server = accept(l, NULL, NULL);
    closesocket(l);
    return *server == INVALID_SOCKET ? -1 : 0;
}

static void check_wsasocket(void)
{
    static const struct { const char *name; int af, type, protocol; } bad[] = {
        {"wsasocket_bad_family", 0xdead, SOCK_STREAM, IPPROTO_TCP},
        {"wsasocket_bad_type", AF_INET, 0xdead, IPPROTO_TCP},
        {"wsasocket_bad_protocol", AF_INET, SOCK_STREAM, 0xdead},
        {"wsasocket_bad_family_and_type", 0xdead, 0xdead, IPPROTO_TCP},
        {"wsasocket_unspec_no_protocol", AF_UNSPEC, SOCK_STREAM, 0},
        {"wsasocket_stream_udp", AF_INET, SOCK_STREAM, IPPROTO_UDP},
        {"wsasocket_dgram_tcp", AF_INET, SOCK_DGRAM, IPPROTO_TCP},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        WSASetLastError(0xdead);
        SOCKET s = WSASocketW(bad[i].af, bad[i].type, bad[i].protocol, NULL, 0, 0);
        err(bad[i].name, s == INVALID_SOCKET ? -1 : (long long)s);
    }
    SOCKET s = WSASocketW(AF_UNSPEC, 0, IPPROTO_UDP, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    ok("wsasocket_unspec_udp_is_dgram", s != INVALID_SOCKET && sock_type(s) == SOCK_DGRAM && GetLastError() == 0);
    closesocket(s);
    s = WSASocketW(AF_INET, 0, 0, NULL, 0, 0); /* (AF_INET6 would need the host's IPv6) */
    ok("wsasocket_default_stream", s != INVALID_SOCKET && sock_type(s) == SOCK_STREAM);
    closesocket(s);
    WSASetLastError(0xdead);
    s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_REGISTERED_IO);
    err("wsasocket_registered_io", s == INVALID_SOCKET ? -1 : (long long)s);
    s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 1 /* SG_UNCONSTRAINED_GROUP */, 0);
    err("wsasocket_group", s == INVALID_SOCKET ? -1 : (long long)s);
    s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, (WSAPROTOCOL_INFOW *)16, 0, 0);
    err("wsasocket_bad_info", s == INVALID_SOCKET ? -1 : (long long)s);
    WSAPROTOCOL_INFOW pi;
    memset(&pi, 0, sizeof(pi));
    pi.iAddressFamily = -1, pi.iSocketType = -1, pi.iProtocol = -1;
    s = WSASocketW(0, 0, IPPROTO_UDP, &pi, 0, 0); /* the info's family is used, and checked first */
    err("wsasocket_info_bad_family", s == INVALID_SOCKET ? -1 : (long long)s);
    pi.iAddressFamily = AF_INET, pi.iSocketType = SOCK_DGRAM, pi.iProtocol = IPPROTO_UDP;
    s = WSASocketW(0, 0, 0, &pi, 0, 0);
    ok("wsasocket_from_info", s != INVALID_SOCKET && sock_type(s) == SOCK_DGRAM);
    closesocket(s);
    s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, &pi, 0, 0);
    ok("wsasocket_arguments_over_info", s != INVALID_SOCKET && sock_type(s) == SOCK_STREAM);
    closesocket(s);
}

static void check_duplicate(void)
{
    WSAPROTOCOL_INFOW info;
    DWORD pid = GetCurrentProcessId();
    SOCKET src = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, 0);
    err("dup_not_socket", WSADuplicateSocketW(0, pid, &info));
    err("dup_pid_0_no_info", WSADuplicateSocketW(src, 0, NULL));
    err("dup_bad_pid", WSADuplicateSocketW(src, ~0u, &info));
    err("dup_no_info", WSADuplicateSocketW(src, pid, NULL));
    err("dup_bad_info", WSADuplicateSocketW(src, pid, (WSAPROTOCOL_INFOW *)16));
    memset(&info, 0, sizeof(info));
    WSASetLastError(0xdead);
    ok("dup_tcp", WSADuplicateSocketW(src, pid, &info) == 0 && WSAGetLastError() == 0 &&
                      info.iAddressFamily == AF_INET && info.iSocketType == SOCK_STREAM &&
                      info.iProtocol == IPPROTO_TCP && info.iMaxSockAddr == 16 && info.iVersion == 2 &&
                      info.ProtocolChain.ChainLen == 1 && !wcscmp(info.szProtocol, L"MSAFD Tcpip [TCP/IP]"));
    SOCKET dup = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0, 0);
    ok("dup_taken", dup != INVALID_SOCKET && dup != src && sock_type(dup) == SOCK_STREAM);
    SOCKET again = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0, 0);
    err("dup_taken_twice", again == INVALID_SOCKET ? -1 : (long long)again);
    closesocket(dup);
    closesocket(src);

    /* A bound UDP socket: what is sent to the original is received on the duplicate, which
     * lives on after the original is closed. */
    struct sockaddr_in a, from;
    src = udp_bound(&a);
    memset(&info, 0, sizeof(info));
    ok("dup_udp", WSADuplicateSocketW(src, pid, &info) == 0 && info.iSocketType == SOCK_DGRAM &&
                      info.iProtocol == IPPROTO_UDP && info.dwMessageSize == 0xffbb);
    dup = WSASocketW(0, 0, 0, &info, 0, WSA_FLAG_OVERLAPPED);
    ok("dup_udp_taken", dup != INVALID_SOCKET);
    ok("dup_udp_sendto", sendto(src, "TEST", 5, 0, (struct sockaddr *)&a, sizeof(a)) == 5);
    closesocket(src);
    char buf[16] = {0};
    int n = sizeof(from);
    ok("dup_udp_recvfrom", recvfrom(dup, buf, sizeof(buf), 0, (struct sockaddr *)&from, &n) == 5 &&
                               !strcmp(buf, "TEST") && n == sizeof(from) && from.sin_port == a.sin_port);
    closesocket(dup);
}

static void check_wsasend_wsarecv(void)
{
    SOCKET c, s;
    if (tcp_pair(WSA_FLAG_OVERLAPPED, &c, &s)) {
        ok("tcp_pair", 0);
        return;
    }
    char b1[8], b2[8];
    WSABUF bufs[2] = {{3, (char *)"abc"}, {5, (char *)"defgh"}};
    DWORD sent = 0, got = 0, flags = 0;
    WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof(ov));
    err("wsasend_not_socket", WSASend(INVALID_SOCKET, bufs, 2, &sent, 0, NULL, NULL));
    err("wsasend_no_buffers", WSASend(c, bufs, 0, &sent, 0, NULL, NULL));
    err("wsasend_null_buffers", WSASend(c, NULL, 1, &sent, 0, NULL, NULL));
    err("wsasend_no_count", WSASend(c, bufs, 2, NULL, 0, NULL, NULL));
    err("wsasend_bad_count", WSASend(c, bufs, 2, (DWORD *)16, 0, NULL, NULL));
    WSABUF bad = {4, (char *)16};
    err("wsasend_bad_buffer", WSASend(c, &bad, 1, &sent, 0, NULL, NULL));
    err("wsasend_overlapped", WSASend(c, bufs, 2, &sent, 0, &ov, NULL));
    WSASetLastError(0xdead);
    ok("wsasend_gather", WSASend(c, bufs, 2, &sent, 0, NULL, NULL) == 0 && sent == 8 && WSAGetLastError() == 0);

    WSABUF in[2] = {{3, b1}, {5, b2}};
    err("wsarecv_no_flags", WSARecv(s, in, 2, &got, NULL, NULL, NULL));
    flags = 0x100;
    err("wsarecv_unknown_flag", WSARecv(s, in, 2, &got, &flags, NULL, NULL));
    flags = 0;
    err("wsarecv_no_buffers", WSARecv(s, in, 0, &got, &flags, NULL, NULL));
    err("wsarecv_no_count", WSARecv(s, in, 2, NULL, &flags, NULL, NULL));
    err("wsarecv_overlapped", WSARecv(s, in, 2, &got, &flags, &ov, NULL));
    flags = MSG_PEEK;
    ok("wsarecv_peek", WSARecv(s, in, 1, &got, &flags, NULL, NULL) == 0 && got == 3 && !memcmp(b1, "abc", 3) &&
                           flags == 0);
    flags = MSG_WAITALL;
    WSASetLastError(0xdead);
    ok("wsarecv_scatter", WSARecv(s, in, 2, &got, &flags, NULL, NULL) == 0 && got == 8 && !memcmp(b1, "abc", 3) &&
                              !memcmp(b2, "defgh", 5) && WSAGetLastError() == 0);
    u_long on = 1;
    ioctlsocket(s, FIONBIO, &on);
    flags = 0;
    err("wsarecv_nothing_nonblocking", WSARecv(s, in, 2, &got, &flags, NULL, NULL));
    closesocket(c);
    closesocket(s);

    /* Sockets without the overlapped attribute: an OVERLAPPED is ignored, the call blocks. */
    if (tcp_pair(0, &c, &s)) {
        ok("tcp_pair_sync", 0);
        return;
    }
    ov.Internal = 0x1234;
    ok("wsasend_sync_socket_ignores_overlapped", WSASend(c, bufs, 1, &sent, 0, &ov, NULL) == 0 && sent == 3 &&
                                                     ov.Internal == 0x1234);
    flags = 0;
    ok("wsarecv_sync_socket_ignores_overlapped", WSARecv(s, in, 1, NULL, &flags, &ov, NULL) == 0 &&
                                                     !memcmp(b1, "abc", 3) && ov.Internal == 0x1234);
    closesocket(c);
    closesocket(s);
}

static void check_sendto_recvfrom(void)
{
    struct sockaddr_in a, from;
    SOCKET s = udp_bound(&a);
    SOCKET u = WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, 0);
    char buf[16];
    int n = sizeof(from);
    err("recvfrom_not_socket", recvfrom(INVALID_SOCKET, buf, sizeof(buf), 0, NULL, NULL));
    err("recvfrom_unbound", recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &n));
    err("sendto_not_socket", sendto(INVALID_SOCKET, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)));
    err("sendto_short_address", sendto(u, "x", 1, 0, (struct sockaddr *)&a, 8));
    err("sendto_bad_address", sendto(u, "x", 1, 0, (struct sockaddr *)16, sizeof(a)));
    ok("sendto", sendto(u, "0123456789", 10, 0, (struct sockaddr *)&a, sizeof(a)) == 10);
    n = 8;
    err("recvfrom_short_fromlen", recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &n));
    err("recvfrom_no_fromlen", recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, NULL));
    err("recvfrom_unknown_flag", recvfrom(s, buf, sizeof(buf), 0x100, NULL, NULL));
    memset(buf, 0, sizeof(buf));
    n = sizeof(from);
    err("recvfrom_truncated", recvfrom(s, buf, 4, 0, (struct sockaddr *)&from, &n));
    ok("recvfrom_truncated_filled", !memcmp(buf, "0123", 4) && buf[4] == 0);
    struct sockaddr_in ua;
    int un = sizeof(ua);
    getsockname(u, (struct sockaddr *)&ua, &un);
    sendto(u, "again", 5, 0, (struct sockaddr *)&a, sizeof(a));
    n = sizeof(from) + 8;
    WSASetLastError(0xdead);
    ok("recvfrom", recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &n) == 5 && !memcmp(buf, "again", 5) &&
                       n == sizeof(from) && from.sin_port == ua.sin_port && WSAGetLastError() == 0);
    DWORD ms = 50;
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof(ms));
    err("recvfrom_timeout", recvfrom(s, buf, sizeof(buf), 0, NULL, NULL));
    closesocket(u);
    closesocket(s);
}

/* WSASendTo and WSARecvFrom: gather to an address, scatter with the sender's address. */
static void check_wsasendto_wsarecvfrom(void)
{
    struct sockaddr_in a, from, ua;
    SOCKET s = udp_bound(&a);
    SOCKET u = WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, 0);
    char b1[3], b2[8];
    WSABUF out[2] = {{3, "abc"}, {4, "defg"}}, in[2] = {{sizeof(b1), b1}, {sizeof(b2), b2}};
    DWORD n = 0, flags = 0;
    err("wsasendto_short_address", WSASendTo(u, out, 2, &n, 0, (struct sockaddr *)&a, 8, NULL, NULL));
    err("wsasendto_bad_address", WSASendTo(u, out, 2, &n, 0, (struct sockaddr *)16, sizeof(a), NULL, NULL));
    ok("wsasendto", WSASendTo(u, out, 2, &n, 0, (struct sockaddr *)&a, sizeof(a), NULL, NULL) == 0 && n == 7);
    int fl = 8;
    err("wsarecvfrom_short_fromlen", WSARecvFrom(s, in, 2, &n, &flags, (struct sockaddr *)&from, &fl, NULL, NULL));
    int un = sizeof(ua);
    getsockname(u, (struct sockaddr *)&ua, &un);
    fl = sizeof(from), n = 0;
    WSASetLastError(0xdead);
    ok("wsarecvfrom", WSARecvFrom(s, in, 2, &n, &flags, (struct sockaddr *)&from, &fl, NULL, NULL) == 0 && n == 7 &&
                          !memcmp(b1, "abc", 3) && !memcmp(b2, "defg", 4) && fl == sizeof(from) &&
                          from.sin_port == ua.sin_port && WSAGetLastError() == 0);
    closesocket(u);
    closesocket(s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, 0);
    err("wsasocket_before_startup", s == INVALID_SOCKET ? -1 : (long long)s);
    WSADATA d;
    if (WSAStartup(MAKEWORD(2, 2), &d)) {
        printf("startup failed\n");
        return 1;
    }
    check_wsasocket();
    check_duplicate();
    check_wsasend_wsarecv();
    check_sendto_recvfrom();
    check_wsasendto_wsarecvfrom();
    WSACleanup();
    printf("fails=%d\n", fails);
    return fails != 0;
}
