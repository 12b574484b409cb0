/* SPDX-License-Identifier: MIT */
/* ws2_32_select.c - select and __WSAFDIsSet (what FD_ISSET expands to) on Windows' fd_set: a
 * count and an array of SOCKETs, not a bitmap, so it holds any SOCKET value and its size is
 * the program's (FD_SETSIZE, 64 unless redefined: fd_count is what is read).  nfds is ignored;
 * the timeout is two 32-bit longs; all sets empty is WSAEINVAL, a value that is not one of our
 * sockets WSAENOTSOCK.  Readable: data, a pending connection, or the end of the connection
 * (recv then says which); writable: send would not block; except: out-of-band data or a
 * failed connect.  On return each set holds only its ready sockets; the count is theirs
 * summed.  Done with poll, retried across signals as Windows' select is never interrupted. */
#define _GNU_SOURCE
#include "runtime/ws2_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wv_fdset {
    uint32_t count;
    SOCKET sock[]; /* count of them (u_int then padding to 8: the array is 8-aligned) */
};
#define WV_FDSET_ARRAY 8 /* offset of fd_array in Windows' x64 fd_set */

struct wv_timeval32 {
    int32_t sec, usec;
};

#define WV_SELECT_MAX 4096

/* The caller's set read into *out (malloc'ed, *n entries); 0 or the WSA error. */
static int wv_set_read(struct wv_fdset *set, SOCKET **out, uint32_t *n)
{
    *out = NULL, *n = 0;
    if (!set)
        return 0;
    uint32_t count;
    if (wv_copy(&count, set, sizeof(count)))
        return WSAEFAULT;
    if (count > WV_SELECT_MAX)
        return WSAEINVAL;
    SOCKET *s = malloc(count ? count * sizeof(SOCKET) : 1);
    if (!s)
        return WSAENOBUFS;
    if (wv_copy(s, (char *)set + WV_FDSET_ARRAY, count * sizeof(SOCKET))) {
        free(s);
        return WSAEFAULT;
    }
    for (uint32_t i = 0; i < count; i++) {
        int err = wv_sock_check(s[i]);
        if (err) {
            free(s);
            return err;
        }
    }
    *out = s, *n = count;
    return 0;
}

/* Writes back the ready ones of set (its entries at pfd[0..n)); how many were. */
static int wv_set_write(struct wv_fdset *set, SOCKET *s, uint32_t n, const struct pollfd *pfd, short want, int *err)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (pfd[i].revents & want)
            s[k++] = s[i];
    if (set && (wv_user_put((char *)set + WV_FDSET_ARRAY, s, k * sizeof(SOCKET)) || wv_user_put(set, &k, sizeof(k))))
        *err = WSAEFAULT;
    return (int)k;
}

/* poll, restarted after signals with the time left; ms < 0 waits for ever. */
static int wv_poll_all(struct pollfd *pfd, nfds_t n, int ms)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int left = ms;
        if (ms > 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
            left = spent >= ms ? 0 : ms - (int)spent;
        }
        int r = poll(pfd, n, left);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

/* The timeout in milliseconds (rounded up), -1 for none; WSAEFAULT/WSAEINVAL in *err. */
static int wv_select_ms(const struct wv_timeval32 *t, int *err)
{
    struct wv_timeval32 tv;
    if (!t)
        return -1;
    if (wv_copy(&tv, t, sizeof(tv)))
        return *err = WSAEFAULT, 0;
    if (tv.sec < 0 || tv.usec < 0)
        return *err = WSAEINVAL, 0;
    long long ms = (long long)tv.sec * 1000 + (tv.usec + 999) / 1000;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

WV_WS_API int wv_ws_select(int nfds, struct wv_fdset *r, struct wv_fdset *w, struct wv_fdset *e,
                           const struct wv_timeval32 *timeout)
{
    (void)nfds;
    if (!wv_sock_started())
        return wv_sock_fail(WSANOTINITIALISED);
    SOCKET *s[3] = {NULL, NULL, NULL};
    uint32_t n[3] = {0, 0, 0};
    struct wv_fdset *sets[3] = {r, w, e};
    int err = 0;
    for (int i = 0; i < 3 && !err; i++)
        err = wv_set_read(sets[i], &s[i], &n[i]);
    int ms = err ? 0 : wv_select_ms(timeout, &err);
    uint32_t total = n[0] + n[1] + n[2];
    if (!err && !total)
        err = WSAEINVAL;
    struct pollfd *pfd = err ? NULL : calloc(total, sizeof(*pfd));
    if (!err && !pfd)
        err = WSAENOBUFS;
    static const short events[3] = {POLLIN, POLLOUT, POLLPRI};
    static const short ready[3] = {POLLIN | POLLHUP | POLLERR, POLLOUT, POLLPRI | POLLERR};
    int got = 0;
    if (!err) {
        for (uint32_t i = 0, k = 0; i < 3; k += n[i], i++)
            for (uint32_t j = 0; j < n[i]; j++)
                pfd[k + j] = (struct pollfd){.fd = (int)s[i][j], .events = events[i]};
        if (wv_poll_all(pfd, total, ms) < 0)
            err = wv_wsa_error(errno);
        for (uint32_t i = 0, k = 0; i < 3 && !err; k += n[i], i++)
            got += wv_set_write(sets[i], s[i], n[i], pfd + k, ready[i], &err);
    }
    free(pfd);
    for (int i = 0; i < 3; i++)
        free(s[i]);
    return err ? wv_sock_fail(err) : got;
}

WV_WS_API int wv_ws___WSAFDIsSet(SOCKET sock, struct wv_fdset *set)
{
    uint32_t count;
    if (!set || wv_copy(&count, set, sizeof(count)))
        return 0;
    for (uint32_t i = 0; i < count; i++) {
        SOCKET v;
        if (wv_copy(&v, (char *)set + WV_FDSET_ARRAY + i * sizeof(SOCKET), sizeof(v)))
            return 0;
        if (v == sock)
            return 1;
    }
    return 0;
}
