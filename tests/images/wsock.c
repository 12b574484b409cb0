/* wsock.c - Winsock's server side as a Windows program uses it, in one process: a listener
 * (getaddrinfo, socket, setsockopt, bind, listen, getsockname), a client connecting to it, select
 * seeing the pending connection, accept, bytes both ways, getpeername/getnameinfo, shutdown;
 * and the errors Windows gives (each line "name=value", compared by tests/test_winsock.c). */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <string.h>

static int fails;
static void check(const char *name, int ok)
{
    printf("%s=%s\n", name, ok ? "ok" : "FAIL");
    fails += !ok;
}
#define CHECK(name, cond) check(name, (cond) != 0)
#define ERR(name, call, want) do { WSASetLastError(0); int r_ = (int)(call); int e_ = WSAGetLastError(); \
        printf("%s=%d %d%s\n", name, r_, e_, e_ != (want) ? " FAIL" : ""); fails += e_ != (want); } while (0)

static SOCKET listener(struct sockaddr_in *where)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET, hints.ai_socktype = SOCK_STREAM, hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    int r = getaddrinfo("127.0.0.1", "0", &hints, &ai);
    CHECK("getaddrinfo", r == 0 && ai && ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(struct sockaddr_in));
    SOCKET s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    int one = 1;
    CHECK("setsockopt_reuseaddr", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (char *)&one, sizeof(one)) == 0);
    ERR("listen_unbound", listen(s, 1), WSAEINVAL);
    int n = sizeof(*where);
    ERR("getsockname_unbound", getsockname(s, (struct sockaddr *)where, &n), WSAEINVAL);
    CHECK("bind", bind(s, ai->ai_addr, (int)ai->ai_addrlen) == 0);
    freeaddrinfo(ai);
    CHECK("listen", listen(s, 4) == 0);
    n = sizeof(*where);
    CHECK("getsockname", getsockname(s, (struct sockaddr *)where, &n) == 0 && n == sizeof(*where) &&
                             where->sin_family == AF_INET && where->sin_port != 0);
    return s;
}

static void options(SOCKET s)
{
    int v = 0, n = sizeof(v);
    CHECK("getsockopt_reuseaddr", getsockopt(s, SOL_SOCKET, SO_REUSEADDR, (char *)&v, &n) == 0 && v && n == 4);
    n = sizeof(v);
    CHECK("getsockopt_type", getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&v, &n) == 0 && v == SOCK_STREAM);
    n = sizeof(v);
    CHECK("getsockopt_acceptconn", getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, (char *)&v, &n) == 0 && v);
    struct linger l = {1, 5};
    CHECK("setsockopt_linger", setsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&l, sizeof(l)) == 0);
    memset(&l, 0, sizeof(l)), n = sizeof(l);
    CHECK("getsockopt_linger", getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&l, &n) == 0 && l.l_onoff && l.l_linger == 5);
    DWORD ms = 1500;
    CHECK("setsockopt_rcvtimeo", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&ms, sizeof(ms)) == 0);
    ms = 0, n = sizeof(ms);
    CHECK("getsockopt_rcvtimeo", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&ms, &n) == 0 && ms == 1500);
    ERR("setsockopt_unknown", setsockopt(s, SOL_SOCKET, 0x7777, (char *)&v, sizeof(v)), WSAENOPROTOOPT);
    ERR("setsockopt_short", setsockopt(s, SOL_SOCKET, SO_RCVBUF, (char *)&v, 2), WSAEFAULT); /* SO_KEEPALIVE takes 2 */
    /* Windows' lengths (Wine's test_set_getsockopt): one-byte options, short booleans, limits. */
    WSASetLastError(0xdead);
    CHECK("setsockopt_keepalive_one_byte", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, "\1", 1) == 0 && !WSAGetLastError());
    v = 0xdeadbeef, n = sizeof(v);
    CHECK("getsockopt_keepalive_one_byte", getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *)&v, &n) == 0 && n == 1 &&
                                               v == (int)0xdeadbe01);
    v = 0x100;
    CHECK("setsockopt_nodelay_first_byte", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (char *)&v, 4) == 0);
    n = sizeof(v);
    CHECK("getsockopt_nodelay_first_byte", getsockopt(s, IPPROTO_TCP, TCP_NODELAY, (char *)&v, &n) == 0 && v == 0x100);
    ERR("setsockopt_nodelay_no_length", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (char *)&v, 0), WSAEFAULT);
    ERR("setsockopt_ttl_negative_length", setsockopt(s, IPPROTO_IP, IP_TTL, (char *)&v, -1), WSAENOBUFS);
    v = 256;
    ERR("setsockopt_ttl_256", setsockopt(s, IPPROTO_IP, IP_TTL, (char *)&v, 4), WSAEINVAL);
    ERR("setsockopt_linger_null", setsockopt(s, SOL_SOCKET, SO_DONTLINGER, NULL, 0), WSAEFAULT);
    CHECK("setsockopt_reuseaddr_no_length", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (char *)&v, 0) == 0);
    v = 0;
    CHECK("setsockopt_dontlinger", setsockopt(s, SOL_SOCKET, SO_DONTLINGER, (char *)&v, 1) == 0);
    memset(&l, 0, sizeof(l)), n = sizeof(l);
    CHECK("getsockopt_dontlinger_sets_linger", getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&l, &n) == 0 && l.l_onoff &&
                                                   l.l_linger == 5);
    v = 8192;
    n = sizeof(v);
    CHECK("getsockopt_rcvbuf_as_set", setsockopt(s, SOL_SOCKET, SO_RCVBUF, (char *)&v, 4) == 0 && (v = 0) == 0 &&
                                          getsockopt(s, SOL_SOCKET, SO_RCVBUF, (char *)&v, &n) == 0 && v == 8192);
    v = 0, n = 2;
    ERR("getsockopt_error_short", getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&v, &n), WSAEFAULT);
    WSAPROTOCOL_INFOA info;
    memset(&info, 0, sizeof(info)), n = sizeof(info) * 2;
    CHECK("getsockopt_protocol_info", getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOA, (char *)&info, &n) == 0 &&
                                          n == sizeof(info) * 2 && info.iSocketType == SOCK_STREAM &&
                                          info.iProtocol == IPPROTO_TCP && !strcmp(info.szProtocol, "MSAFD Tcpip [TCP/IP]"));
    n = 10;
    ERR("getsockopt_protocol_info_short", getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, (char *)&info, &n), WSAEFAULT);
    CHECK("getsockopt_protocol_info_short_len", n == sizeof(WSAPROTOCOL_INFOW));
    v = 0xdead, n = sizeof(v);
    CHECK("getsockopt_dontfragment_tcp", getsockopt(s, IPPROTO_IP, IP_DONTFRAGMENT, (char *)&v, &n) == 0 && v == 1);
    v = 1;
    ERR("setsockopt_hdrincl_tcp", setsockopt(s, IPPROTO_IP, IP_HDRINCL, (char *)&v, sizeof(v)), WSAEINVAL);
}

static void conversation(SOCKET ls, const struct sockaddr_in *where)
{
    u_long on = 1;
    ioctlsocket(ls, FIONBIO, &on);
    ERR("accept_nothing_pending", accept(ls, NULL, NULL), WSAEWOULDBLOCK);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(ls, &rd);
    struct timeval zero = {0, 0};
    CHECK("select_idle", select(0, &rd, NULL, NULL, &zero) == 0 && !FD_ISSET(ls, &rd));
    SOCKET c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("connect", connect(c, (const struct sockaddr *)where, sizeof(*where)) == 0);
    FD_ZERO(&rd);
    FD_SET(ls, &rd);
    struct timeval two = {2, 0};
    CHECK("select_pending", select(0, &rd, NULL, NULL, &two) == 1 && FD_ISSET(ls, &rd));
    struct sockaddr_in peer;
    int n = 4;
    ERR("accept_short_addr", accept(ls, (struct sockaddr *)&peer, &n), WSAEFAULT);
    n = sizeof(peer);
    SOCKET a = accept(ls, (struct sockaddr *)&peer, &n);
    CHECK("accept", a != INVALID_SOCKET && n == sizeof(peer) && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    char buf[16];
    ERR("accepted_inherits_nonblocking", recv(a, buf, sizeof(buf), 0), WSAEWOULDBLOCK);
    CHECK("send", send(c, "ping", 4, 0) == 4);
    fd_set rd2, wr;
    FD_ZERO(&rd2);
    FD_SET(a, &rd2);
    FD_ZERO(&wr);
    FD_SET(c, &wr);
    CHECK("select_read_write", select(0, &rd2, &wr, NULL, &two) == 2 && FD_ISSET(a, &rd2) && FD_ISSET(c, &wr));
    CHECK("recv", recv(a, buf, sizeof(buf), 0) == 4 && !memcmp(buf, "ping", 4));
    struct sockaddr_in me;
    n = sizeof(me);
    CHECK("getpeername", getpeername(c, (struct sockaddr *)&me, &n) == 0 && me.sin_port == where->sin_port);
    char host[64], serv[16];
    CHECK("getnameinfo", getnameinfo((struct sockaddr *)&me, sizeof(me), host, sizeof(host), serv, sizeof(serv),
                                     NI_NUMERICHOST | NI_NUMERICSERV) == 0 && !strcmp(host, "127.0.0.1") &&
                             atoi(serv) == ntohs(where->sin_port));
    CHECK("shutdown", shutdown(c, SD_SEND) == 0);
    on = 0;
    ioctlsocket(a, FIONBIO, &on);
    CHECK("recv_end", recv(a, buf, sizeof(buf), 0) == 0);
    ERR("shutdown_bad_how", shutdown(c, 7), WSAEINVAL);
    closesocket(a), closesocket(c);
}

static void errors(const struct sockaddr_in *where)
{
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    ERR("bind_in_use", bind(s, (const struct sockaddr *)where, sizeof(*where)), WSAEADDRINUSE);
    ERR("accept_not_listening", accept(s, NULL, NULL), WSAEINVAL);
    ERR("bind_short", bind(s, (const struct sockaddr *)where, 1), WSAEFAULT);
    fd_set rd;
    FD_ZERO(&rd);
    struct timeval zero = {0, 0};
    ERR("select_empty", select(0, &rd, NULL, NULL, &zero), WSAEINVAL);
    FD_SET((SOCKET)12345, &rd);
    ERR("select_not_socket", select(0, &rd, NULL, NULL, &zero), WSAENOTSOCK);
    closesocket(s);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = 0x10000;
    int r = getaddrinfo("127.0.0.1", "80", &hints, &ai);
    printf("getaddrinfo_bad_flags=%d %d\n", r, WSAGetLastError());
    fails += r != WSAEINVAL;
    hints.ai_flags = AI_NUMERICHOST;
    r = getaddrinfo("not-a-number", "80", &hints, &ai);
    printf("getaddrinfo_not_numeric=%d\n", r);
    fails += r != WSAHOST_NOT_FOUND;
    r = getaddrinfo(NULL, NULL, NULL, &ai);
    printf("getaddrinfo_nothing=%d\n", r);
    fails += r != WSAHOST_NOT_FOUND;
}

int main(void)
{
    WSADATA d;
    int r = WSAStartup(MAKEWORD(1, 0), &d);
    CHECK("startup_1_0", r == 0 && d.wVersion == MAKEWORD(1, 0));
    struct sockaddr_in where;
    SOCKET ls = listener(&where);
    options(ls);
    conversation(ls, &where);
    errors(&where);
    closesocket(ls);
    WSACleanup();
    struct addrinfo *ai;
    r = getaddrinfo("127.0.0.1", "1", NULL, &ai);
    printf("getaddrinfo_after_cleanup=%d\n", r);
    fails += r != WSANOTINITIALISED;
    printf("fails=%d\n", fails);
    return fails ? 1 : 0;
}
