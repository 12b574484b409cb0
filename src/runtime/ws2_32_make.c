/* SPDX-License-Identifier: MIT */
/* ws2_32_make.c - making sockets: socket, WSASocketW, WSADuplicateSocketW and their ANSI forms
 * WSASocketA, WSADuplicateSocketA (WSAPROTOCOL_INFOA: the same fields, the name in 256 chars).
 *
 * socket and WSASocketW resolve (family, type, protocol) by Windows' rules, as Wine's
 * conformance tests record them: an AF_UNSPEC family with protocol 0 is WSAEINVAL, then a type
 * other than 0, stream, datagram or raw is WSAESOCKTNOSUPPORT, a family other than AF_UNSPEC,
 * AF_INET, AF_INET6 (23) WSAEAFNOSUPPORT, and a protocol that does not fit the type
 * WSAEPROTONOSUPPORT; type 0 follows from the protocol (TCP: stream, UDP: datagram), protocol
 * 0 from the type, both 0 is TCP, AF_UNSPEC is AF_INET.  With a WSAPROTOCOL_INFOW the family
 * must be AF_INET or AF_INET6, and each of the three arguments that is 0 or FROM_PROTOCOL_INFO
 * comes from it.
 *
 * socket() gives a socket Windows' overlapped attribute; WSASocketW only with
 * WSA_FLAG_OVERLAPPED (without it WSASend/WSARecv ignore an OVERLAPPED and block, as Windows'
 * do).  A SOCKET here is never inherited by a child process (winvm's CreateProcess passes
 * handles, and a SOCKET is not one), so WSA_FLAG_NO_HANDLE_INHERIT is what every socket has
 * anyway; multipoint, registered-I/O and system-security sockets are not made (WSAEINVAL).
 *
 * WSADuplicateSocketW for this process duplicates the descriptor at once (Windows makes the
 * target's handle at once too) and records it under a serial written to the info's
 * dwProviderReserved; WSASocketW given that info takes the descriptor (once: a second use of
 * the same info is WSAEINVAL).  An info never used keeps its descriptor until the process ends,
 * as the target's handle would on Windows.  Another process cannot be given a SOCKET
 * (docs/semantics.md). */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WV_FROM_PROTOCOL_INFO (-1)
#define WV_WSA_FLAG_OVERLAPPED 0x01u
#define WV_WSA_FLAG_NO_HANDLE_INHERIT 0x80u
#define WV_DUP_MAX 1024 /* duplicates not yet taken by WSASocketW */

/* (family, type, protocol) resolved as the header says, in Windows' numbers; 0 or the error. */
static int wv_sock_resolve(int *af, int *type, int *protocol, bool from_info)
{
    bool af_ok = *af == AF_INET || *af == WV_WIN_AF_INET6 || (*af == AF_UNSPEC && !from_info);
    if (from_info && !af_ok)
        return WSAEAFNOSUPPORT; /* an info's family is looked at first */
    if (*af == AF_UNSPEC && *protocol == 0)
        return WSAEINVAL;
    if (*type != 0 && *type != SOCK_STREAM && *type != SOCK_DGRAM && *type != SOCK_RAW)
        return WSAESOCKTNOSUPPORT;
    if (!af_ok)
        return WSAEAFNOSUPPORT;
    if (*af == AF_UNSPEC)
        *af = AF_INET;
    if (*type == SOCK_RAW)
        return *protocol < 0 || *protocol > 255 ? WSAEPROTONOSUPPORT : 0;
    if (*type == 0)
        *type = *protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
    if (*protocol == 0)
        *protocol = *type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
    if (*protocol != (*type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP))
        return WSAEPROTONOSUPPORT;
    return 0;
}

/* fd (taken) made one of our sockets; INVALID_SOCKET with the error when it is out of range. */
static SOCKET wv_sock_adopt(int fd, bool overlapped)
{
    if (fd >= WV_MAX_SOCKETS) {
        close(fd);
        return wv_sock_fail(WSAEMFILE), INVALID_SOCKET;
    }
    wv_sock_mark(fd, true);
    wv_sock_set_overlapped(fd, overlapped);
    return wv_set_error(0), (SOCKET)fd;
}

static SOCKET wv_sock_new(int af, int type, int protocol, bool from_info, bool overlapped)
{
    if (!wv_sock_started())
        return wv_sock_fail(WSANOTINITIALISED), INVALID_SOCKET;
    int err = wv_sock_resolve(&af, &type, &protocol, from_info);
    if (err)
        return wv_sock_fail(err), INVALID_SOCKET;
    int fd = socket(af == WV_WIN_AF_INET6 ? AF_INET6 : af, type | SOCK_CLOEXEC, protocol);
    if (fd < 0)
        return wv_sock_fail(wv_wsa_error(errno)), INVALID_SOCKET;
    return wv_sock_adopt(fd, overlapped);
}

WV_WS_API SOCKET wv_ws_socket(int af, int type, int protocol) { return wv_sock_new(af, type, protocol, false, true); }

/* ---- duplicates waiting for WSASocketW ---- */

struct wv_dup {
    struct wv_dup *next;
    DWORD serial;
    int fd;
};
static pthread_mutex_t wv_dup_lock = PTHREAD_MUTEX_INITIALIZER; /* a leaf */
static struct wv_dup *wv_dups;   /* guarded by wv_dup_lock */
static DWORD wv_dup_serial, wv_dup_count;

/* The duplicate recorded under serial, taken off the list: its descriptor, or -1. */
static int wv_dup_take(DWORD serial)
{
    int fd = -1;
    pthread_mutex_lock(&wv_dup_lock);
    for (struct wv_dup **p = &wv_dups; *p; p = &(*p)->next)
        if ((*p)->serial == serial) {
            struct wv_dup *d = *p;
            *p = d->next, fd = d->fd, wv_dup_count--;
            free(d);
            break;
        }
    pthread_mutex_unlock(&wv_dup_lock);
    return fd;
}

/* Records fd: its serial (never 0), or 0 when the list is full or memory is short. */
static DWORD wv_dup_put(int fd)
{
    struct wv_dup *d = malloc(sizeof(*d));
    if (!d)
        return 0;
    pthread_mutex_lock(&wv_dup_lock);
    DWORD serial = 0;
    if (wv_dup_count < WV_DUP_MAX) {
        if (++wv_dup_serial == 0)
            ++wv_dup_serial;
        serial = wv_dup_serial, wv_dup_count++;
        *d = (struct wv_dup){.next = wv_dups, .serial = serial, .fd = fd};
        wv_dups = d;
    }
    pthread_mutex_unlock(&wv_dup_lock);
    if (!serial)
        free(d);
    return serial;
}

/* The protocol entry Windows' MSAFD provider gives for a socket of fd's kind. */
static int wv_proto_fill(int fd, struct wv_protocol_info *pi)
{
    int type, protocol;
    struct sockaddr_storage a;
    socklen_t n = sizeof(type), m = sizeof(protocol), k = sizeof(a);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) || getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &m) ||
        getsockname(fd, (struct sockaddr *)&a, &k))
        return wv_wsa_error(errno);
    wv_proto_entry(a.ss_family == AF_INET6, type, protocol, pi);
    return 0;
}

/* The protocol info for a new duplicate of s, written by put (the W or A form of the info) to
 * the caller's info: 0 or the WSA error, nothing left behind on failure. */
static int wv_dup_to(SOCKET s, DWORD pid, void *info, int (*put)(void *info, const struct wv_protocol_info *pi))
{
    int err = wv_sock_check(s);
    if (!err && pid != (DWORD)getpid())
        err = WSAEINVAL; /* another process: docs/semantics.md */
    if (!err && !info)
        err = WSAEFAULT;
    struct wv_protocol_info pi;
    if (!err)
        err = wv_proto_fill((int)s, &pi);
    if (err)
        return err;
    /* Checked writable before the descriptor is made, so a bad pointer leaves nothing behind. */
    if (put(info, &pi))
        return WSAEFAULT;
    int fd = fcntl((int)s, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return wv_wsa_error(errno);
    pi.provider_reserved = wv_dup_put(fd);
    if (!pi.provider_reserved) {
        close(fd);
        return WSAENOBUFS;
    }
    if (put(info, &pi)) {
        close(wv_dup_take(pi.provider_reserved)); /* the caller unmapped it meanwhile */
        return WSAEFAULT;
    }
    return 0;
}

static int wv_put_info_w(void *info, const struct wv_protocol_info *pi)
{
    return wv_user_put(info, pi, sizeof(*pi)) ? -1 : 0;
}

static int wv_put_info_a(void *info, const struct wv_protocol_info *pi)
{
    char a[WV_PROTOCOL_INFOA_SIZE];
    wv_info_narrow(pi, a);
    return wv_user_put(info, a, sizeof(a)) ? -1 : 0;
}

int wv_sock_protocol_info(int fd, bool ansi, void *out)
{
    struct wv_protocol_info pi;
    int err = wv_proto_fill(fd, &pi);
    if (!err && ansi)
        wv_info_narrow(&pi, out);
    else if (!err)
        memcpy(out, &pi, sizeof(pi));
    return err;
}

WV_WS_API int wv_ws_WSADuplicateSocketW(SOCKET s, DWORD pid, void *info)
{
    int err = wv_dup_to(s, pid, info, wv_put_info_w);
    return err ? wv_sock_fail(err) : (wv_set_error(0), 0);
}

WV_WS_API int wv_ws_WSADuplicateSocketA(SOCKET s, DWORD pid, void *info)
{
    int err = wv_dup_to(s, pid, info, wv_put_info_a);
    return err ? wv_sock_fail(err) : (wv_set_error(0), 0);
}

/* An argument given as 0 or FROM_PROTOCOL_INFO: the info's value. */
static int wv_from_info(int arg, int from_info) { return arg == 0 || arg == WV_FROM_PROTOCOL_INFO ? from_info : arg; }

WV_WS_API SOCKET wv_ws_WSASocketW(int af, int type, int protocol, const void *info, unsigned g, DWORD flags)
{
    if (!wv_sock_started())
        return wv_sock_fail(WSANOTINITIALISED), INVALID_SOCKET;
    if (g != 0 || (flags & ~(WV_WSA_FLAG_OVERLAPPED | WV_WSA_FLAG_NO_HANDLE_INHERIT)))
        return wv_sock_fail(WSAEINVAL), INVALID_SOCKET;
    bool overlapped = flags & WV_WSA_FLAG_OVERLAPPED;
    if (!info)
        return wv_sock_new(af, type, protocol, false, overlapped);
    struct wv_protocol_info pi;
    if (wv_copy(&pi, info, sizeof(pi)))
        return wv_sock_fail(WSAEFAULT), INVALID_SOCKET;
    af = wv_from_info(af, pi.family), type = wv_from_info(type, pi.type);
    protocol = wv_from_info(protocol, pi.protocol);
    bool ours = pi.provider_reserved && wv_proto_ours(pi.provider_id);
    if (!ours)
        return wv_sock_new(af, type, protocol, true, overlapped);
    int err = wv_sock_resolve(&af, &type, &protocol, true);
    if (!err && (af != pi.family || type != pi.type || protocol != pi.protocol))
        err = WSAEINVAL; /* not the duplicated socket's kind */
    int fd = err ? -1 : wv_dup_take(pi.provider_reserved);
    if (!err && fd < 0)
        err = WSAEINVAL; /* taken already, or never made here */
    return err ? (wv_sock_fail(err), INVALID_SOCKET) : wv_sock_adopt(fd, overlapped);
}

WV_WS_API SOCKET wv_ws_WSASocketA(int af, int type, int protocol, const void *info, unsigned g, DWORD flags)
{
    if (!info)
        return wv_ws_WSASocketW(af, type, protocol, NULL, g, flags);
    struct wv_protocol_info w;
    char a[WV_PROTOCOL_INFOA_SIZE];
    if (!wv_sock_started())
        return wv_sock_fail(WSANOTINITIALISED), INVALID_SOCKET;
    if (wv_copy(a, info, sizeof(a)))
        return wv_sock_fail(WSAEFAULT), INVALID_SOCKET;
    memcpy(&w, a, offsetof(struct wv_protocol_info, name));
    for (size_t i = 0; i < 256; i++)
        w.name[i] = (unsigned char)a[offsetof(struct wv_protocol_info, name) + i];
    w.name[255] = 0;
    return wv_ws_WSASocketW(af, type, protocol, &w, g, flags);
}
