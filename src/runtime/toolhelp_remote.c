/* SPDX-License-Identifier: MIT */
/* toolhelp_remote.c - a module snapshot of another winvm process (CreateToolhelp32Snapshot
 * with TH32CS_SNAPMODULE and its pid).  Its modules live in its own winvm runtime, so the
 * process itself lists them (WV_CHAN_MODULES through its control channel): the same list, in
 * the same order, as its own snapshot would hold, taken by its own loader at the request.
 *
 * The list travels as records (base, size, the path's length in WCHARs, the path), 8-byte
 * aligned, in one message of at most WV_CHAN_READ_MAX bytes: a process with more modules than
 * fit sends those that do, in order (several hundred with ordinary paths).
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "runtime/toolhelp_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct wv_modrec {
    uint64_t base;
    uint32_t size, len; /* len: the path's WCHARs, no terminator */
};

static size_t wv_wcslen(const WCHAR *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n])
        n++;
    return n;
}

bool wv_chan_modules_serve(int fd)
{
    struct wv_snapshot s = {0};
    DWORD err = wv_snap_modules(&s);
    char *buf = err ? NULL : malloc(WV_CHAN_READ_MAX);
    size_t n = 0;
    for (size_t i = 0; buf && i < s.mod_walk.n; i++) {
        struct wv_modrec r = {(uintptr_t)s.mods[i].base, s.mods[i].size, 0};
        r.len = (uint32_t)wv_wcslen(s.mods[i].path, MAX_PATH);
        size_t step = (sizeof(r) + r.len * sizeof(WCHAR) + 7) / 8 * 8;
        if (n + step > WV_CHAN_READ_MAX)
            break;
        memset(buf + n, 0, step);
        memcpy(buf + n, &r, sizeof(r));
        memcpy(buf + n + sizeof(r), s.mods[i].path, r.len * sizeof(WCHAR));
        n += step;
    }
    free(s.mods);
    struct wv_chan_rep rp = {.err = err ? err : buf ? 0 : ERROR_NOT_ENOUGH_MEMORY, .size = n};
    struct iovec iov[2] = {{&rp, sizeof(rp)}, {buf, n}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    bool sent = sendmsg(fd, &m, MSG_NOSIGNAL) == (ssize_t)(sizeof(rp) + n);
    free(buf);
    return sent;
}

/* The records in buf (n bytes) into s->mods: 0 or the error. */
static DWORD wv_modules_parse(struct wv_snapshot *s, const char *buf, size_t n)
{
    size_t count = 0;
    for (size_t at = 0; at + sizeof(struct wv_modrec) <= n; count++) {
        struct wv_modrec r;
        memcpy(&r, buf + at, sizeof(r));
        if (r.len >= MAX_PATH)
            return ERROR_PARTIAL_COPY; /* not what a winvm process sends */
        at += (sizeof(r) + r.len * sizeof(WCHAR) + 7) / 8 * 8;
    }
    if (!(s->mods = calloc(count ? count : 1, sizeof(*s->mods))))
        return ERROR_NOT_ENOUGH_MEMORY;
    for (size_t at = 0; at + sizeof(struct wv_modrec) <= n;) {
        struct wv_modrec r;
        memcpy(&r, buf + at, sizeof(r));
        size_t step = (sizeof(r) + r.len * sizeof(WCHAR) + 7) / 8 * 8;
        if (at + sizeof(r) + r.len * sizeof(WCHAR) > n)
            break;
        struct wv_snap_mod *m = &s->mods[s->mod_walk.n++];
        m->base = (BYTE *)(uintptr_t)r.base, m->size = r.size;
        memcpy(m->path, buf + at + sizeof(r), r.len * sizeof(WCHAR));
        at += step;
    }
    return 0;
}

DWORD wv_snap_remote_modules(struct wv_snapshot *s, DWORD pid)
{
    int fd = wv_chan_connect((pid_t)pid);
    if (fd < 0)
        return errno == EACCES || errno == ENOENT || errno == ECONNREFUSED ? ERROR_PARTIAL_COPY
                                                                           : wv_errno_to_error(errno);
    struct timeval limit = {5, 0}; /* a stopped process does not hold the caller for ever */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    char *buf = malloc(WV_CHAN_READ_MAX);
    struct wv_chan_req rq = {.op = WV_CHAN_MODULES};
    struct wv_chan_rep rp = {0};
    struct iovec iov[2] = {{&rp, sizeof(rp)}, {buf, WV_CHAN_READ_MAX}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t n = -1;
    if (buf && wv_chan_send_fd(fd, &rq, WV_CHAN_REQ_HEAD, -1))
        while ((n = recvmsg(fd, &m, 0)) < 0 && errno == EINTR)
            ;
    close(fd);
    DWORD err = !buf ? ERROR_NOT_ENOUGH_MEMORY
                : n < (ssize_t)sizeof(rp) || rp.size != (size_t)n - sizeof(rp) ? ERROR_PARTIAL_COPY
                : rp.err                                                       ? rp.err
                                                                               : wv_modules_parse(s, buf, rp.size);
    free(buf);
    if (!err)
        s->pid = pid;
    return err;
}
