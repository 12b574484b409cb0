/* SPDX-License-Identifier: MIT */
/* wsname.c - Winsock's names and address text (tests/test_winsock.c): the database calls
 * (gethostbyname/addr, gethostname, getservbyname/port, getprotobyname/number), inet_ntoa/ntop/
 * pton and their W forms, WSAStringToAddress / WSAAddressToString, GetAddrInfoW / GetNameInfoW,
 * WSASocketA / WSADuplicateSocketA, WSAStartup's versions and WSACleanup closing the sockets.
 * Nothing needs the network: localhost, numeric addresses and /etc/services' "http".
 * One line per check: "name=ok", "name=FAILED ..." or, for a call that must fail, "name=RET ERR"
 * (its return and WSAGetLastError); the last line counts the failures. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <string.h>

static int fails;

static void ok(const char *name, int cond)
{
    if (cond)
        printf("%s=ok\n", name);
    else
        printf("%s=FAILED %d\n", name, WSAGetLastError()), fails++;
}

static void err(const char *name, long long ret) { printf("%s=%lld %d\n", name, ret, WSAGetLastError()); }

/* A pointer that is no memory: the call must say WSAEFAULT, not crash. */
#define BAD ((void *)16)

static void before_startup(void)
{
    char name[256];
    WSASetLastError(0xdead);
    err("wsasocketa_before_startup", WSASocketA(0, 0, 0, NULL, 0, 0) == INVALID_SOCKET ? -1 : 0);
    err("gethostbyname_before_startup", gethostbyname("localhost") ? 1 : 0);
    err("gethostname_before_startup", gethostname(name, sizeof(name)));
    err("getservbyname_before_startup", getservbyname("http", "tcp") ? 1 : 0);
    err("getprotobynumber_before_startup", getprotobynumber(6) ? 1 : 0);
    struct sockaddr_in a;
    INT len = sizeof(a);
    DWORD plen = 0;
    err("enumprotocols_before_startup", WSAEnumProtocolsA(NULL, NULL, &plen));
    err("stringtoaddress_before_startup", WSAStringToAddressA("1.2.3.4", AF_INET, NULL, (struct sockaddr *)&a, &len));
}

static void hosts(void)
{
    struct hostent *h = gethostbyname("localhost");
    ok("gethostbyname_localhost", h && h->h_addrtype == AF_INET && h->h_length == 4 && h->h_addr_list[0] &&
                                      !memcmp(h->h_addr_list[0], "\x7f\0\0\1", 4));
    if (!h)
        return;
    /* Windows' layout: the structure, the alias pointers, the address pointers, the addresses. */
    char **aliases = (char **)(h + 1), **p = aliases;
    while (*p)
        p++;
    ok("gethostbyname_layout", h->h_aliases == aliases && h->h_addr_list == p + 1);
    h = gethostbyname("127.0.0.1");
    ok("gethostbyname_numeric", h && h->h_name && !strcmp(h->h_name, "127.0.0.1") &&
                                    !memcmp(h->h_addr_list[0], "\x7f\0\0\1", 4) &&
                                    !h->h_addr_list[1]);
    err("gethostbyname_bad_pointer", gethostbyname(BAD) ? 1 : 0);
    h = gethostbyaddr("\x7f\0\0\1", 4, AF_INET);
    ok("gethostbyaddr_loopback", h && h->h_addrtype == AF_INET && !memcmp(h->h_addr_list[0], "\x7f\0\0\1", 4));
    err("gethostbyaddr_short", gethostbyaddr("\x7f\0\0\1", 3, AF_INET) ? 1 : 0);
    err("gethostbyaddr_bad_family", gethostbyaddr("\x7f\0\0\1", 4, 99) ? 1 : 0);
    err("gethostbyaddr_bad_pointer", gethostbyaddr(BAD, 4, AF_INET) ? 1 : 0);

    char name[256], small[256] = "deadbeef";
    WCHAR wname[256];
    err("gethostname_null", gethostname(NULL, 256));
    ok("gethostname", gethostname(name, sizeof(name)) == 0 && name[0]);
    err("gethostname_short", gethostname(small, (int)strlen(name)));
    ok("gethostname_short_unchanged", !strcmp(small, "deadbeef"));
    ok("gethostname_exact", gethostname(small, (int)strlen(name) + 1) == 0 && !strcmp(small, name));
    err("gethostname_bad_pointer", gethostname(BAD, 256));
    int same = GetHostNameW(wname, 256) == 0;
    for (size_t i = 0; same && i <= strlen(name); i++)
        same = wname[i] == (WCHAR)name[i];
    ok("gethostnamew", same);
    h = gethostbyname("");
    ok("gethostbyname_empty_is_this_computer", h && h->h_addr_list[0]);
}

static DWORD WINAPI other_thread(LPVOID arg)
{
    *(struct servent **)arg = getservbyname("http", "tcp");
    return 0;
}

static void services_and_protocols(void)
{
    struct servent *s = getservbyname("http", "tcp");
    ok("getservbyname_http", s && s->s_port == htons(80) && !strcmp(s->s_name, "http") && !strcmp(s->s_proto, "tcp"));
    struct servent *again = getservbyname("http", NULL);
    ok("getservbyname_same_block", again == s && again->s_port == htons(80));
    struct servent *theirs = NULL;
    HANDLE t = CreateThread(NULL, 0, other_thread, &theirs, 0, NULL);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    ok("getservbyname_per_thread", theirs && theirs != s);
    s = getservbyport(htons(80), "tcp");
    ok("getservbyport_80", s && !strcmp(s->s_name, "http") && s->s_port == htons(80));
    err("getservbyname_unknown", getservbyname("no-such-service", "tcp") ? 1 : 0);
    err("getservbyname_bad_pointer", getservbyname(BAD, "tcp") ? 1 : 0);

    struct protoent *p = getprotobyname("tcp");
    ok("getprotobyname_tcp", p && p->p_proto == 6 && !strcmp(p->p_name, "tcp") && !strcmp(p->p_aliases[0], "TCP") &&
                                 !p->p_aliases[1]);
    p = getprotobyname("IPV6-NONXT");
    ok("getprotobyname_any_case", p && p->p_proto == 59 && !strcmp(p->p_name, "ipv6-nonxt"));
    p = getprotobynumber(17);
    ok("getprotobynumber_udp", p && !strcmp(p->p_name, "udp") && !strcmp(p->p_aliases[0], "UDP"));
    err("getprotobynumber_2", getprotobynumber(2) ? 1 : 0); /* IGMP: not in Windows' table */
    err("getprotobyname_unknown", getprotobyname("igmp") ? 1 : 0);
}

static void text(void)
{
    struct in_addr in;
    in.s_addr = htonl(0x15102020);
    ok("inet_ntoa", !strcmp(inet_ntoa(in), "21.16.32.32"));
    ok("inet_addr_three_parts", inet_addr("1.2.3") == htonl(0x01020003));
    ok("inet_addr_hex_octal", inet_addr("0x7f.1") == htonl(0x7f000001) && inet_addr("0777") == htonl(0x1ff));
    ok("inet_addr_trailing_space", inet_addr("1.2.3.4 junk") == htonl(0x01020304));
    ok("inet_addr_port", inet_addr("1.2.3.4:5") == INADDR_NONE);
    WSASetLastError(0xdead);
    err("inet_addr_null", (int)inet_addr(NULL));

    DWORD v4 = 0xdeadbeef;
    ok("inet_pton_v4", inet_pton(AF_INET, "1.1.1.1", &v4) == 1 && v4 == 0x01010101);
    v4 = 0xdeadbeef;
    ok("inet_pton_leading_zero", inet_pton(AF_INET, "1.1.1.010", &v4) == 0 && v4 == 0xdeadbeef);
    ok("inet_pton_trailing_text", inet_pton(AF_INET, "1.1.1.0a", &v4) == 0 && v4 == 0x00010101);
    err("inet_pton_unspec", inet_pton(AF_UNSPEC, "1.1.1.1", &v4));
    err("inet_pton_null", inet_pton(AF_INET, NULL, &v4));
    err("inet_pton_bad_pointer", inet_pton(AF_INET, BAD, &v4));
    BYTE v6[16];
    static const BYTE mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 129, 144, 52, 38};
    ok("inet_pton_v6", inet_pton(AF_INET6, "::ffff:129.144.52.38", v6) == 1 && !memcmp(v6, mapped, 16));
    ok("inet_pton_v6_two_gaps", inet_pton(AF_INET6, "1::2::3", v6) == 0);
    WSASetLastError(0xdead);
    err("inetptonw_not_address", InetPtonW(AF_INET6, L"1::2::3", v6));
    ok("inetptonw_v4", InetPtonW(AF_INET, L"127.0.0.1", &v4) == 1 && v4 == htonl(0x7f000001));

    char buf[64];
    static const struct { BYTE a[16]; const char *text; } six[] = {
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 129, 144, 52, 38}, "::ffff:129.144.52.38"},
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xcc, 0x98, 0xbd, 0x74}, "::204.152.189.116"},
        {{0x20, 0x30, 0xa4, 0xb1}, "2030:a4b1::"},
        {{0x11, 0x11, 0, 0, 0x33, 0x33, 0, 0, 0x55, 0x55, 0, 0, 0x77, 0x77, 0, 0}, "1111:0:3333:0:5555:0:7777:0"},
        {{0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44, 0, 0, 0x5e, 0xfe, 129, 144, 52, 38},
         "1111:2222:3333:4444:0:5efe:129.144.52.38"},
    };
    for (size_t i = 0; i < sizeof(six) / sizeof(six[0]); i++) {
        const char *r = inet_ntop(AF_INET6, six[i].a, buf, sizeof(buf));
        printf("inet_ntop_v6_%u=%s\n", (unsigned)i, r ? r : "NULL");
    }
    WSASetLastError(0);
    err("inet_ntop_short_buffer", inet_ntop(AF_INET, &in, buf, 11) ? 1 : 0);
    printf("inet_ntop_short_buffer_error=%#x\n", (unsigned)WSAGetLastError()); /* STATUS_INVALID_PARAMETER */
    err("inet_ntop_bad_family", inet_ntop(1, &in, buf, sizeof(buf)) ? 1 : 0);
    err("inet_ntop_bad_pointer", inet_ntop(AF_INET, BAD, buf, sizeof(buf)) ? 1 : 0);
    WCHAR wbuf[64];
    ok("inetntopw", InetNtopW(AF_INET, &in, wbuf, 12) == wbuf && !wcscmp(wbuf, L"21.16.32.32"));
}

static void string_to_address(void)
{
    struct sockaddr_in a;
    struct sockaddr_in6 a6;
    INT len = 0;
    err("stringtoaddress_no_room", WSAStringToAddressA("1.2.3.4", AF_INET, NULL, (struct sockaddr *)&a, &len));
    ok("stringtoaddress_no_room_len", len == sizeof(a));
    len = sizeof(a) + 10;
    ok("stringtoaddress_port", !WSAStringToAddressA("127.0.0.1:0x50", AF_INET, NULL, (struct sockaddr *)&a, &len) &&
                                   a.sin_family == AF_INET && a.sin_port == htons(80) &&
                                   a.sin_addr.s_addr == htonl(0x7f000001) && len == sizeof(a));
    len = sizeof(a) + 10;
    memset(&a, 0xab, sizeof(a));
    err("stringtoaddress_port_0", WSAStringToAddressA("1.2.3.4:0", AF_INET, NULL, (struct sockaddr *)&a, &len));
    ok("stringtoaddress_port_0_cleared", a.sin_family == 0 && a.sin_port == 0 && len == sizeof(a) + 10);
    len = sizeof(a6);
    ok("stringtoaddress_v6", !WSAStringToAddressW(L"[::1%5]:65535", AF_INET6, NULL, (struct sockaddr *)&a6, &len) &&
                                 a6.sin6_family == AF_INET6 && a6.sin6_port == 0xffff && a6.sin6_scope_id == 5 &&
                                 a6.sin6_addr.s6_addr[15] == 1);
    err("stringtoaddress_v6_unbracketed_port",
        WSAStringToAddressA("::1]:80", AF_INET6, NULL, (struct sockaddr *)&a6, &len));
    err("stringtoaddress_bad_family", WSAStringToAddressA("1.2.3.4", AF_UNSPEC, NULL, (struct sockaddr *)&a, &len));
    len = sizeof(a);
    err("stringtoaddress_bad_pointer", WSAStringToAddressA(BAD, AF_INET, NULL, (struct sockaddr *)&a, &len));
    err("stringtoaddress_bad_len", WSAStringToAddressA("1.2.3.4", AF_INET, NULL, (struct sockaddr *)&a, BAD));
}

static void address_to_string(void)
{
    struct sockaddr_in a = {AF_INET};
    char out[64];
    WCHAR wout[64];
    DWORD len = 0;
    err("addresstostring_no_room", WSAAddressToStringA((struct sockaddr *)&a, sizeof(a), NULL, out, &len));
    ok("addresstostring_no_room_len", len == 8);
    len = sizeof(out);
    a.sin_addr.s_addr = htonl(0xffffffff), a.sin_port = htons(65535);
    ok("addresstostring_v4", !WSAAddressToStringA((struct sockaddr *)&a, sizeof(a), NULL, out, &len) &&
                                 !strcmp(out, "255.255.255.255:65535") && len == 22);
    struct sockaddr_in6 a6 = {AF_INET6};
    a6.sin6_addr.s6_addr[0] = 0x20, a6.sin6_addr.s6_addr[1] = 0xab, a6.sin6_addr.s6_addr[14] = 0x20;
    a6.sin6_addr.s6_addr[15] = 0x01, a6.sin6_port = 0xfa81, a6.sin6_scope_id = 0x1234;
    len = 64;
    ok("addresstostring_v6", !WSAAddressToStringW((struct sockaddr *)&a6, sizeof(a6), NULL, wout, &len) &&
                                 !wcscmp(wout, L"[20ab::2001%4660]:33274") && len == 24);
    a6.sin6_port = 0, len = 64;
    ok("addresstostring_v6_no_port", !WSAAddressToStringA((struct sockaddr *)&a6, sizeof(a6), NULL, out, &len) &&
                                         !strcmp(out, "20ab::2001%4660"));
    err("addresstostring_short_address", WSAAddressToStringA((struct sockaddr *)&a6, 20, NULL, out, &len));
    err("addresstostring_bad_pointer", WSAAddressToStringA(BAD, sizeof(a), NULL, out, &len));
    len = 64;
    err("addresstostring_bad_buffer", WSAAddressToStringA((struct sockaddr *)&a, sizeof(a), NULL, BAD, &len));
}

static void addrinfo(void)
{
    ADDRINFOA hints = {0}, *res = (ADDRINFOA *)1;
    hints.ai_family = AF_INET, hints.ai_socktype = SOCK_STREAM, hints.ai_protocol = IPPROTO_UDP;
    ok("getaddrinfo_hints_echoed", !getaddrinfo("127.0.0.1", "80", &hints, &res) && res && !res->ai_next &&
                                       res->ai_socktype == SOCK_STREAM && res->ai_protocol == IPPROTO_UDP &&
                                       ((struct sockaddr_in *)res->ai_addr)->sin_port == htons(80));
    freeaddrinfo(res);
    ok("getaddrinfo_no_hints_one_entry", !getaddrinfo("127.0.0.1", "", NULL, &res) && res && !res->ai_next &&
                                             res->ai_socktype == 0 && res->ai_protocol == 0 &&
                                             ((struct sockaddr_in *)res->ai_addr)->sin_port == 0);
    freeaddrinfo(res);
    hints.ai_family = AF_INET6, hints.ai_flags = AI_NUMERICHOST;
    ok("getaddrinfo_brackets", !getaddrinfo("[::1]:99", NULL, &hints, &res) && res->ai_family == AF_INET6);
    freeaddrinfo(res);
    err("getaddrinfo_unmatched_bracket", getaddrinfo("[::1", NULL, &hints, &res));
    hints.ai_socktype = 999;
    err("getaddrinfo_bad_socktype", getaddrinfo("127.0.0.1", NULL, &hints, &res));
    res = (ADDRINFOA *)1;
    err("getaddrinfo_nothing", getaddrinfo(NULL, NULL, NULL, &res));
    ok("getaddrinfo_nothing_res_null", res == NULL);

    ADDRINFOW hw = {0}, *rw = NULL;
    hw.ai_family = AF_INET, hw.ai_flags = AI_CANONNAME;
    ok("getaddrinfow", !GetAddrInfoW(L"localhost", L"http", &hw, &rw) && rw && rw->ai_family == AF_INET &&
                           ((struct sockaddr_in *)rw->ai_addr)->sin_port == htons(80) && rw->ai_canonname &&
                           rw->ai_canonname[0] == L'l');
    FreeAddrInfoW(rw);
    struct sockaddr_in a = {AF_INET};
    a.sin_addr.s_addr = htonl(0x7f000001), a.sin_port = htons(80);
    WCHAR host[64], serv[16];
    int numeric = NI_NUMERICHOST | NI_NUMERICSERV;
    ok("getnameinfow", !GetNameInfoW((struct sockaddr *)&a, sizeof(a), host, 64, serv, 16, numeric) &&
                           !wcscmp(host, L"127.0.0.1") && !wcscmp(serv, L"80"));
    err("getnameinfow_short", GetNameInfoW((struct sockaddr *)&a, sizeof(a), host, 9, NULL, 0, NI_NUMERICHOST));
}

static void protocols(void)
{
    DWORD len = 0;
    err("enumprotocolsa_no_buffer", WSAEnumProtocolsA(NULL, NULL, &len));
    printf("enumprotocolsa_len=%lu\n", len);
    static WSAPROTOCOL_INFOA a[8];
    static WSAPROTOCOL_INFOW w[8];
    int n = WSAEnumProtocolsA(NULL, a, &len);
    ok("enumprotocolsa", n == 6 && !strcmp(a[0].szProtocol, "MSAFD Tcpip [TCP/IP]") && a[0].iProtocol == IPPROTO_TCP &&
                             a[4].iAddressFamily == AF_INET6 && a[4].iSocketType == SOCK_DGRAM &&
                             a[2].iSocketType == SOCK_RAW && a[2].iProtocolMaxOffset == 255);
    int udp[] = {0xdead, IPPROTO_UDP, 0};
    len = sizeof(w);
    n = WSAEnumProtocolsW(udp, w, &len);
    ok("enumprotocolsw_udp_only", n == 2 && !wcscmp(w[0].szProtocol, L"MSAFD Tcpip [UDP/IP]") &&
                                      !wcscmp(w[1].szProtocol, L"MSAFD Tcpip [UDP/IPv6]") && len == sizeof(w));
    len = sizeof(WSAPROTOCOL_INFOW);
    err("enumprotocolsw_short", WSAEnumProtocolsW(NULL, w, &len));
    printf("enumprotocolsw_len=%lu\n", len);
    err("enumprotocolsa_bad_list", WSAEnumProtocolsA(BAD, a, &len));
}

static void sockets(void)
{
    SOCKET s = WSASocketA(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, 0);
    ok("wsasocketa", s != INVALID_SOCKET);
    WSAPROTOCOL_INFOA info;
    memset(&info, 0, sizeof(info));
    ok("wsaduplicatesocketa", !WSADuplicateSocketA(s, GetCurrentProcessId(), &info) &&
                                  !strcmp(info.szProtocol, "MSAFD Tcpip [TCP/IP]") && info.iSocketType == SOCK_STREAM);
    SOCKET d = WSASocketA(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0, 0);
    ok("wsasocketa_from_info", d != INVALID_SOCKET && d != s);
    err("wsasocketa_taken_twice", WSASocketA(0, 0, 0, &info, 0, 0) == INVALID_SOCKET ? -1 : 0);
    err("wsaduplicatesocketa_bad_info", WSADuplicateSocketA(s, GetCurrentProcessId(), BAD));
    err("wsasocketa_bad_info", WSASocketA(0, 0, 0, BAD, 0, 0) == INVALID_SOCKET ? -1 : 0);

    /* The last WSACleanup destroys every socket (there were two startups). */
    WSACleanup();
    ok("cleanup_not_last_keeps", send(s, "x", 0, 0) != SOCKET_ERROR || WSAGetLastError() != WSAENOTSOCK);
    WSASetLastError(0xdead);
    ok("cleanup_last", WSACleanup() == 0 && WSAGetLastError() == 0);
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
    err("cleanup_closed_socket", send(s, "x", 1, 0));
    err("cleanup_closed_duplicate", send(d, "x", 1, 0));
    WSACleanup();

    memset(&data, 0xcc, sizeof(data));
    data.lpVendorInfo = (char *)0x1234;
    err("startup_0_1", WSAStartup(MAKEWORD(0, 1), &data));
    ok("startup_0_1_filled",
       data.wVersion == 0x202 && data.wHighVersion == 0x202 && data.lpVendorInfo == (char *)0x1234);
    ok("startup_1_2", !WSAStartup(MAKEWORD(1, 2), &data) && data.wVersion == 0x101 && data.iMaxSockets == 32767 &&
                          data.iMaxUdpDg == 65467 && !strcmp(data.szDescription, "WinSock 2.0"));
    WSACleanup();
    err("startup_null_data", WSAStartup(MAKEWORD(2, 2), NULL));
}

int main(void)
{
    WSADATA data;
    before_startup();
    WSAStartup(MAKEWORD(2, 2), &data);
    WSAStartup(MAKEWORD(2, 2), &data);
    hosts();
    services_and_protocols();
    text();
    string_to_address();
    address_to_string();
    addrinfo();
    protocols();
    sockets();
    printf("fails=%d\n", fails);
    return fails != 0;
}
