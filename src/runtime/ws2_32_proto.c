/* SPDX-License-Identifier: MIT */
/* ws2_32_proto.c - the protocol catalogue: the six MSAFD Tcpip entries Windows lists (TCP, UDP
 * and RAW over IPv4, then over IPv6, catalogue ids 1001 to 1006), as WSAEnumProtocolsA/W give
 * them and as SO_PROTOCOL_INFO, WSADuplicateSocket and WSASocket's info use them.
 *
 * WSAEnumProtocols needs WSAStartup; with a protocol list (zero-terminated) it gives only the
 * entries whose iProtocol is in it.  A buffer too small for every entry (or none) is WSAENOBUFS
 * with *len set to the size needed; a bad list or length pointer WSAEFAULT. */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct wv_protocol_info) == WV_PROTOCOL_INFOW_SIZE, "WSAPROTOCOL_INFOW");
_Static_assert(offsetof(struct wv_protocol_info, name) + 256 == WV_PROTOCOL_INFOA_SIZE, "WSAPROTOCOL_INFOA");

static const BYTE wv_provider_v4[16] = {0xa0, 0x1a, 0x0f, 0xe7, 0x8b, 0xab, 0xcf, 0x11,
                                        0x8c, 0xa3, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92};
static const BYTE wv_provider_v6[16] = {0xc0, 0xb0, 0xea, 0xf9, 0xd4, 0x26, 0xd0, 0x11,
                                        0xbb, 0xbf, 0x00, 0xaa, 0x00, 0x6c, 0x34, 0xe4};

bool wv_proto_ours(const BYTE id[16]) { return !memcmp(id, wv_provider_v4, 16) || !memcmp(id, wv_provider_v6, 16); }

void wv_proto_entry(bool v6, int type, int protocol, struct wv_protocol_info *pi)
{
    bool stream = type == SOCK_STREAM, raw = type == SOCK_RAW;
    memset(pi, 0, sizeof(*pi));
    pi->service_flags[0] = 0x20000 /* XP1_IFS_HANDLES */ |
                           (stream ? 0x2 | 0x4 | 0x20 | 0x40       /* delivery, order, graceful close, OOB */
                                   : 0x1 | 0x8 | 0x200 | 0x400); /* connectionless, messages, broadcast, multipoint */
    pi->provider_flags = 0x8; /* PFL_MATCHES_PROTOCOL_ZERO */
    memcpy(pi->provider_id, v6 ? wv_provider_v6 : wv_provider_v4, 16);
    pi->catalog_entry = (v6 ? 1004 : 1001) + (stream ? 0 : raw ? 2 : 1);
    pi->chain_len = 1, pi->version = 2;
    pi->family = v6 ? WV_WIN_AF_INET6 : AF_INET;
    pi->max_addr = pi->min_addr = v6 ? 28 : 16;
    pi->type = type, pi->protocol = raw ? protocol : stream ? IPPROTO_TCP : IPPROTO_UDP;
    pi->protocol_max_offset = raw ? 255 : 0;
    pi->message_size = stream ? 0 : raw ? 0x8000 : 0xffbb;
    const char *name = stream ? (v6 ? "MSAFD Tcpip [TCP/IPv6]" : "MSAFD Tcpip [TCP/IP]")
                       : raw  ? (v6 ? "MSAFD Tcpip [RAW/IPv6]" : "MSAFD Tcpip [RAW/IP]")
                              : (v6 ? "MSAFD Tcpip [UDP/IPv6]" : "MSAFD Tcpip [UDP/IP]");
    for (size_t i = 0; name[i]; i++)
        pi->name[i] = (WCHAR)name[i];
}

void wv_info_narrow(const struct wv_protocol_info *pi, char *a)
{
    memcpy(a, pi, offsetof(struct wv_protocol_info, name));
    for (size_t i = 0; i < 256; i++)
        a[offsetof(struct wv_protocol_info, name) + i] = (char)pi->name[i];
}

#define WV_NENTRIES 6

/* Whether protocol is in the caller's zero-terminated list (already copied); no list: all. */
static bool wv_proto_wanted(const int *list, size_t n, int protocol)
{
    if (!list)
        return true;
    for (size_t i = 0; i < n; i++)
        if (list[i] == protocol)
            return true;
    return false;
}

/* The caller's protocol list, up to its 0, into out (room for cap): its length, or -1 when it
 * cannot be read. */
static long wv_proto_list(const int *protocols, int *out, size_t cap)
{
    size_t n = 0;
    for (; n < cap; n++) {
        if (wv_copy(&out[n], protocols + n, sizeof(int)))
            return -1;
        if (!out[n])
            break;
    }
    return (long)n;
}

static int wv_enum(const int *protocols, void *buf, DWORD *len, bool ansi)
{
    if (!wv_sock_started())
        return wv_sock_fail(WSANOTINITIALISED);
    int list[256];
    long n = protocols ? wv_proto_list(protocols, list, sizeof(list) / sizeof(list[0])) : 0;
    DWORD cap;
    if (n < 0 || !len || wv_copy(&cap, len, sizeof(cap)))
        return wv_sock_fail(WSAEFAULT);
    size_t size = ansi ? WV_PROTOCOL_INFOA_SIZE : WV_PROTOCOL_INFOW_SIZE, count = 0;
    unsigned char *out = malloc(WV_NENTRIES * size);
    if (!out)
        return wv_sock_fail(WSAENOBUFS);
    static const int types[3] = {SOCK_STREAM, SOCK_DGRAM, SOCK_RAW};
    for (int i = 0; i < WV_NENTRIES; i++) {
        struct wv_protocol_info pi;
        wv_proto_entry(i >= 3, types[i % 3], 0, &pi);
        if (!wv_proto_wanted(protocols ? list : NULL, (size_t)n, pi.protocol))
            continue;
        if (ansi)
            wv_info_narrow(&pi, (char *)out + count++ * size);
        else
            memcpy(out + count++ * size, &pi, size);
    }
    DWORD need = (DWORD)(count * size);
    int err = 0;
    if (!buf || cap < need)
        err = wv_user_put(len, &need, sizeof(need)) ? WSAEFAULT : WSAENOBUFS;
    else if (wv_user_put(buf, out, need))
        err = WSAEFAULT;
    free(out);
    return err ? wv_sock_fail(err) : (wv_set_error(0), (int)count);
}

WV_WS_API int wv_ws_WSAEnumProtocolsA(const int *protocols, void *buf, DWORD *len)
{
    return wv_enum(protocols, buf, len, true);
}

WV_WS_API int wv_ws_WSAEnumProtocolsW(const int *protocols, void *buf, DWORD *len)
{
    return wv_enum(protocols, buf, len, false);
}
