/* SPDX-License-Identifier: MIT */
/* ws2_int.h - what the Winsock files share (private to runtime/): the SOCKET set and its
 * checks (ws2_32.c), Windows' numbers, and the exports the other ws2_32_*.c files define for
 * ws2_32.c's one table: server calls (ws2_32_srv.c), options (ws2_32_opt.c), select
 * (ws2_32_select.c), name resolution (ws2_32_addr.c), making and duplicating sockets
 * (ws2_32_make.c), sending and receiving (ws2_32_io.c), the host/service/protocol database
 * (ws2_32_db.c), addresses as text (ws2_32_text.c, ws2_32_straddr.c). */
#ifndef WV_WS2_INT_H
#define WV_WS2_INT_H

#include "runtime/runtime.h"

#include <sys/socket.h>

#define WV_WS_API __attribute__((ms_abi))
typedef uintptr_t SOCKET;
#define INVALID_SOCKET ((SOCKET)~0ull)
#define SOCKET_ERROR (-1)
enum {
    WSAEINTR = 10004, WSAEBADF = 10009, WSAEACCES = 10013, WSAEFAULT = 10014, WSAEINVAL = 10022,
    WSAEMFILE = 10024, WSAEWOULDBLOCK = 10035, WSAEINPROGRESS = 10036, WSAEALREADY = 10037,
    WSAENOTSOCK = 10038, WSAEDESTADDRREQ = 10039, WSAEMSGSIZE = 10040, WSAENOPROTOOPT = 10042,
    WSAEPROTONOSUPPORT = 10043, WSAESOCKTNOSUPPORT = 10044, WSAEOPNOTSUPP = 10045,
    WSAEAFNOSUPPORT = 10047, WSAEADDRINUSE = 10048, WSAEADDRNOTAVAIL = 10049, WSAENETUNREACH = 10051,
    WSAECONNABORTED = 10053, WSAECONNRESET = 10054, WSAENOBUFS = 10055, WSAEISCONN = 10056,
    WSAENOTCONN = 10057, WSAESHUTDOWN = 10058, WSAETIMEDOUT = 10060, WSAECONNREFUSED = 10061, WSAEHOSTUNREACH = 10065,
    WSAVERNOTSUPPORTED = 10092, WSANOTINITIALISED = 10093, WSATYPE_NOT_FOUND = 10109,
    WSAHOST_NOT_FOUND = 11001, WSATRY_AGAIN = 11002, WSANO_RECOVERY = 11003, WSANO_DATA = 11004,
    WSA_NOT_ENOUGH_MEMORY = 8, WSAEPROTOTYPE = 10041,
};
#define WV_WIN_AF_INET6 23
#define WV_WIN_FIONBIO 0x8004667eu
#define WV_WIN_FIONREAD 0x4004667fu
#define WV_MAX_SOCKETS 65536

/* ws2_32.c: errno as a WSA code; the failure return with the thread's error set; 0 when s is
 * one of ours and Winsock is started (else the WSA error); adding or dropping fd from the
 * set; whether WSAStartup was called (and not cleaned up). */
int wv_wsa_error(int e);
int wv_sock_fail(int wsa);
int wv_sock_check(SOCKET s);
void wv_sock_mark(int fd, bool on);
bool wv_sock_started(void);
/* Whether a socket of ours has Windows' overlapped attribute (socket() gives it, WSASocketW
 * only with WSA_FLAG_OVERLAPPED), and setting it (cleared when the socket is closed). */
bool wv_sock_overlapped(SOCKET s);
void wv_sock_set_overlapped(int fd, bool on);
/* ws2_32_proto.c: the protocol catalogue.  WSAPROTOCOL_INFOW: 628 bytes, every field 4-aligned;
 * WSAPROTOCOL_INFOA the same with the name in 256 chars (372 bytes). */
struct wv_protocol_info {
    DWORD service_flags[4], provider_flags;
    BYTE provider_id[16];
    DWORD catalog_entry;
    int chain_len;
    DWORD chain[7];
    int version, family, max_addr, min_addr, type, protocol, protocol_max_offset, byte_order, security;
    DWORD message_size, provider_reserved;
    WCHAR name[256];
};
/* The MSAFD entry for (IPv6 or not, a host socket type, its protocol); whether a provider GUID
 * is one of those entries'; an entry in the ANSI form. */
void wv_proto_entry(bool v6, int type, int protocol, struct wv_protocol_info *pi);
bool wv_proto_ours(const BYTE id[16]);
void wv_info_narrow(const struct wv_protocol_info *pi, char *a);
WV_WS_API int wv_ws_WSAEnumProtocolsA(const int *protocols, void *buf, DWORD *len);
WV_WS_API int wv_ws_WSAEnumProtocolsW(const int *protocols, void *buf, DWORD *len);
/* ws2_32_make.c: the WSAPROTOCOL_INFOW (or, ansi, INFOA) Windows' provider gives for a socket of
 * fd's kind into out (that many bytes); 0 or a WSA error. */
#define WV_PROTOCOL_INFOW_SIZE 628
#define WV_PROTOCOL_INFOA_SIZE 372
int wv_sock_protocol_info(int fd, bool ansi, void *out);
/* ws2_32_srv.c: whether fd has a local address (bind, or connect's implicit one). */
bool wv_sock_bound(int fd);
/* A caller's Windows sockaddr of len bytes as the host's (AF_INET6's number differs). */
bool wv_host_addr(const void *addr, int len, struct sockaddr_storage *out);
/* A host sockaddr given back in Windows' form to the caller's addr and len (addr NULL: the
 * caller wants none, nothing is written); 0 or WSAEFAULT (no len, len too small, or a bad
 * pointer). */
int wv_win_addr(const struct sockaddr_storage *a, socklen_t n, void *addr, int *len);

struct wv_wsabuf;
WV_WS_API SOCKET wv_ws_socket(int af, int type, int protocol);
WV_WS_API SOCKET wv_ws_WSASocketW(int af, int type, int protocol, const void *info, unsigned g, DWORD flags);
WV_WS_API int wv_ws_WSADuplicateSocketW(SOCKET s, DWORD pid, void *info);
WV_WS_API int wv_ws_send(SOCKET s, const char *buf, int len, int flags);
WV_WS_API int wv_ws_recv(SOCKET s, char *buf, int len, int flags);
WV_WS_API int wv_ws_sendto(SOCKET s, const char *buf, int len, int flags, const void *to, int tolen);
WV_WS_API int wv_ws_recvfrom(SOCKET s, char *buf, int len, int flags, void *from, int *fromlen);
WV_WS_API int wv_ws_WSASend(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *sent, DWORD flags,
                            void *ov, void *routine);
WV_WS_API int wv_ws_WSARecv(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *got, DWORD *flags,
                            void *ov, void *routine);
WV_WS_API int wv_ws_WSASendTo(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *sent, DWORD flags,
                              const void *to, int tolen, void *ov, void *routine);
WV_WS_API int wv_ws_WSARecvFrom(SOCKET s, const struct wv_wsabuf *bufs, DWORD count, DWORD *got, DWORD *flags,
                                void *from, int *fromlen, void *ov, void *routine);
WV_WS_API SOCKET wv_ws_accept(SOCKET s, void *addr, int *len);
WV_WS_API int wv_ws_bind(SOCKET s, const void *addr, int len);
WV_WS_API int wv_ws_listen(SOCKET s, int backlog);
WV_WS_API int wv_ws_getsockname(SOCKET s, void *addr, int *len);
WV_WS_API int wv_ws_getpeername(SOCKET s, void *addr, int *len);
WV_WS_API int wv_ws_shutdown(SOCKET s, int how);
WV_WS_API int wv_ws_setsockopt(SOCKET s, int level, int name, const char *val, int len);
WV_WS_API int wv_ws_getsockopt(SOCKET s, int level, int name, char *val, int *len);
struct wv_timeval32;
struct wv_fdset;
WV_WS_API int wv_ws_select(int nfds, struct wv_fdset *r, struct wv_fdset *w, struct wv_fdset *e,
                           const struct wv_timeval32 *timeout);
WV_WS_API int wv_ws___WSAFDIsSet(SOCKET s, struct wv_fdset *set);
struct wv_addrinfo;
WV_WS_API int wv_ws_getaddrinfo(const char *node, const char *service, const struct wv_addrinfo *hints,
                                struct wv_addrinfo **res);
WV_WS_API void wv_ws_freeaddrinfo(struct wv_addrinfo *ai);
WV_WS_API int wv_ws_getnameinfo(const void *sa, int salen, char *host, DWORD hostlen, char *serv,
                                DWORD servlen, int flags);
WV_WS_API int wv_ws_GetAddrInfoW(const WCHAR *node, const WCHAR *service, const struct wv_addrinfo *hints,
                                 struct wv_addrinfo **res);
WV_WS_API int wv_ws_GetNameInfoW(const void *sa, int salen, WCHAR *host, DWORD hostlen, WCHAR *serv,
                                 DWORD servlen, int flags);
WV_WS_API SOCKET wv_ws_WSASocketA(int af, int type, int protocol, const void *info, unsigned g, DWORD flags);
WV_WS_API int wv_ws_WSADuplicateSocketA(SOCKET s, DWORD pid, void *info);

/* ws2_32_db.c: hosts, services, protocols (results in per-thread blocks). */
struct wv_hostent;
struct wv_servent;
struct wv_protoent;
WV_WS_API struct wv_hostent *wv_ws_gethostbyname(const char *name);
WV_WS_API struct wv_hostent *wv_ws_gethostbyaddr(const char *addr, int len, int type);
WV_WS_API int wv_ws_gethostname(char *name, int len);
WV_WS_API int wv_ws_GetHostNameW(WCHAR *name, int len);
WV_WS_API struct wv_servent *wv_ws_getservbyname(const char *name, const char *proto);
WV_WS_API struct wv_servent *wv_ws_getservbyport(int port, const char *proto);
WV_WS_API struct wv_protoent *wv_ws_getprotobyname(const char *name);
WV_WS_API struct wv_protoent *wv_ws_getprotobynumber(int number);

/* ws2_32_text.c: Windows' address parsers (the end of what was parsed, NULL when there is no
 * address; strict: inet_pton's IPv4 rules, else inet_addr's) and formatters. */
const char *wv_ipv4_parse(const char *s, bool strict, uint32_t *addr);
const char *wv_ipv6_parse(const char *s, unsigned char out[16]);
void wv_ipv4_format(const unsigned char a[4], char out[16]);
void wv_ipv6_format(const unsigned char a[16], char out[46]);
/* A caller's UTF-16 text as ASCII (other characters become 0x7f), malloc'ed; NULL when bad. */
char *wv_ws_ascii(const WCHAR *s);
WV_WS_API uint32_t wv_ws_inet_addr(const char *text);
WV_WS_API char *wv_ws_inet_ntoa(uint32_t addr);
WV_WS_API const char *wv_ws_inet_ntop(int family, const void *src, char *buf, size_t size);
WV_WS_API const WCHAR *wv_ws_InetNtopW(int family, const void *src, WCHAR *buf, size_t size);
WV_WS_API int wv_ws_inet_pton(int family, const char *src, void *dst);
WV_WS_API int wv_ws_InetPtonW(int family, const WCHAR *src, void *dst);
/* ws2_32_straddr.c */
WV_WS_API int wv_ws_WSAStringToAddressA(const char *text, int family, void *info, void *sa, int *len);
WV_WS_API int wv_ws_WSAStringToAddressW(const WCHAR *text, int family, void *info, void *sa, int *len);
WV_WS_API int wv_ws_WSAAddressToStringA(const void *sa, DWORD salen, void *info, char *buf, DWORD *len);
WV_WS_API int wv_ws_WSAAddressToStringW(const void *sa, DWORD salen, void *info, WCHAR *buf, DWORD *len);

#endif
