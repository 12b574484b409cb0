/* SPDX-License-Identifier: MIT */
/* procchan_call.c - the caller's side of the control channel (procchan.h): one connection per
 * process object, made on first use and kept, its requests one at a time under the object's
 * chan_lock (a leaf: nothing is taken under it; the wait is on the target's reply only).  A
 * CreateProcess child may not be listening yet when its parent asks (its `winvm run` binds
 * the socket first thing, before a suspended child waits): a child is retried while it runs,
 * any other process is asked once.  A target that has ended, or that ends during a request,
 * fails the call with ERROR_ACCESS_DENIED (Windows' STATUS_PROCESS_IS_TERMINATING).
 *
 * Also the *Ex calls' way up (nt.h's wv_nt_remote): the rights each operation needs are
 * checked here, one by one: VirtualAllocEx/FreeEx/ProtectEx PROCESS_VM_OPERATION,
 * VirtualQueryEx PROCESS_QUERY_INFORMATION, FlushInstructionCache PROCESS_VM_WRITE.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "nt/nt.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Whether p still runs (the pid is then still its). */
static bool wv_alive(struct wv_process *p)
{
    if (p->pidfd >= 0) {
        struct pollfd f = {.fd = p->pidfd, .events = POLLIN};
        return poll(&f, 1, 0) == 0;
    }
    /* a hint read without the wait lock, which ranks above chan_lock (docs/architecture.md) */
    return !__atomic_load_n(&p->done, __ATOMIC_ACQUIRE);
}

/* A connection to p's channel: the descriptor or -1. */
static int wv_connect(struct wv_process *p)
{
    struct timespec pause = {0, 1000000}; /* 1 ms, up to 10 s for a child still starting */
    for (int tries = 0; wv_alive(p); tries++) {
        int fd = wv_chan_connect(p->pid);
        if (fd >= 0 && wv_alive(p)) /* the peer was p, not a later owner of the pid */
            return fd;
        if (fd >= 0)
            close(fd);
        bool starting = errno == ENOENT || errno == ECONNREFUSED;
        if (!p->child || !starting || tries >= 10000)
            break;
        nanosleep(&pause, NULL);
    }
    return -1;
}

bool wv_chan_send_fd(int fd, const void *rq, size_t len, int pass)
{
    struct iovec iov = {(void *)rq, len};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } c;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (pass >= 0) {
        m.msg_control = c.buf, m.msg_controllen = sizeof(c.buf);
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET, h->cmsg_type = SCM_RIGHTS, h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &pass, sizeof(int));
    }
    return sendmsg(fd, &m, MSG_NOSIGNAL) == (ssize_t)len;
}

/* Receives the reply (and up to cap bytes after it into data), and the descriptor passed
 * beside it into *got (when got: else closed). */
static ssize_t wv_recv_reply(int fd, struct wv_chan_rep *rp, void *data, size_t cap, int *got)
{
    struct iovec iov[2] = {{rp, sizeof(*rp)}, {data, cap}};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } c;
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = data ? 2 : 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf)};
    ssize_t n;
    while ((n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    struct cmsghdr *h = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL;
    int passed = -1;
    if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS && h->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&passed, CMSG_DATA(h), sizeof(int));
    if (got)
        *got = passed;
    else if (passed >= 0)
        close(passed);
    return n;
}

/* Where the bytes after a reply go (WV_CHAN_READ), and how many came. */
struct wv_extra {
    void *data;
    size_t cap, got;
};

static DWORD wv_exchange(int fd, struct wv_chan_req *rq, int pass, struct wv_chan_rep *rp, int *got,
                         struct wv_extra *x)
{
    bool data = rq->op == WV_CHAN_WRITE || rq->op == WV_CHAN_HANDLE || rq->op == WV_CHAN_VIEW ||
                rq->op == WV_CHAN_VMWRITE || rq->op == WV_CHAN_NTVM || rq->op == WV_CHAN_JOB ||
                (rq->op == WV_CHAN_THREAD && rq->len);
    size_t len = WV_CHAN_REQ_HEAD + (data ? rq->len : 0);
    if (!wv_chan_send_fd(fd, rq, len, pass))
        return ERROR_ACCESS_DENIED;
    ssize_t n = wv_recv_reply(fd, rp, x ? x->data : NULL, x ? x->cap : 0, got);
    if (x && n >= (ssize_t)sizeof(*rp))
        x->got = (size_t)n - sizeof(*rp);
    return n == (ssize_t)sizeof(*rp) || (x && n > (ssize_t)sizeof(*rp)) ? 0 : ERROR_ACCESS_DENIED;
}

DWORD wv_chan_call(struct wv_process *p, struct wv_chan_req *rq, struct wv_chan_rep *rp)
{
    return wv_chan_call_fd(p, rq, -1, rp);
}

DWORD wv_chan_call_fd(struct wv_process *p, struct wv_chan_req *rq, int pass, struct wv_chan_rep *rp)
{
    return wv_chan_call_io(p, rq, pass, rp, NULL);
}

static DWORD wv_call(struct wv_process *p, struct wv_chan_req *rq, int pass, struct wv_chan_rep *rp, int *got,
                     struct wv_extra *x)
{
    if (got)
        *got = -1;
    pthread_mutex_lock(&p->chan_lock);
    if (p->chan_fd < 0)
        p->chan_fd = wv_connect(p);
    DWORD err = p->chan_fd < 0 ? ERROR_ACCESS_DENIED : wv_exchange(p->chan_fd, rq, pass, rp, got, x);
    if (err && p->chan_fd >= 0) /* the target went away: a later call finds it ended */
        close(p->chan_fd), p->chan_fd = -1;
    pthread_mutex_unlock(&p->chan_lock);
    return err ? err : rp->err;
}

DWORD wv_chan_call_io(struct wv_process *p, struct wv_chan_req *rq, int pass, struct wv_chan_rep *rp, int *got)
{
    return wv_call(p, rq, pass, rp, got, NULL);
}

DWORD wv_chan_call_data(struct wv_process *p, struct wv_chan_req *rq, struct wv_chan_rep *rp, void *data, size_t cap,
                        size_t *got)
{
    struct wv_extra x = {data, cap, 0};
    DWORD err = wv_call(p, rq, -1, rp, NULL, &x);
    *got = x.got;
    return err;
}

#define WV_WATCH_WAIT_MS 10000

int wv_chan_watch(pid_t pid)
{
    int fd = wv_chan_connect(pid);
    struct wv_chan_req rq = {.op = WV_CHAN_WATCH};
    if (fd >= 0 && send(fd, &rq, WV_CHAN_REQ_HEAD, MSG_NOSIGNAL) != (ssize_t)WV_CHAN_REQ_HEAD)
        close(fd), fd = -1;
    /* Kept once told so: an exit after this returns reaches the connection.  A peer that does
     * not answer in WV_WATCH_WAIT_MS is not waited for: its exit code will not be known. */
    struct pollfd f = {.fd = fd, .events = POLLIN};
    uint32_t ack = 0;
    int rc = 0;
    while (fd >= 0 && (rc = poll(&f, 1, WV_WATCH_WAIT_MS)) < 0 && errno == EINTR)
        ;
    if (fd >= 0 && (rc <= 0 || recv(fd, &ack, sizeof(ack), MSG_DONTWAIT) != (ssize_t)sizeof(ack) ||
                    ack != WV_CHAN_WATCHING))
        close(fd), fd = -1;
    return fd;
}

bool wv_chan_terminate(struct wv_process *p, DWORD code)
{
    struct wv_chan_req rq = {.op = WV_CHAN_EXIT, .protect = code};
    pthread_mutex_lock(&p->chan_lock);
    if (p->chan_fd < 0)
        p->chan_fd = wv_connect(p);
    bool ok = p->chan_fd >= 0 && send(p->chan_fd, &rq, WV_CHAN_REQ_HEAD, MSG_NOSIGNAL) == (ssize_t)WV_CHAN_REQ_HEAD;
    pthread_mutex_unlock(&p->chan_lock);
    return ok;
}

/* ---- the *Ex calls ---- */

static DWORD wv_right_for(uint32_t op)
{
    switch (op) {
    case WV_REMOTE_QUERY:
        return PROCESS_QUERY_INFORMATION;
    case WV_REMOTE_FLUSH:
        return PROCESS_VM_WRITE;
    default:
        return PROCESS_VM_OPERATION;
    }
}

static const uint32_t wv_chan_ops[] = {[WV_REMOTE_ALLOC] = WV_CHAN_ALLOC, [WV_REMOTE_FREE] = WV_CHAN_FREE,
                                       [WV_REMOTE_PROTECT] = WV_CHAN_PROTECT, [WV_REMOTE_QUERY] = WV_CHAN_QUERY};

static DWORD wv_remote_call(HANDLE h, struct wv_remote *r)
{
    DWORD access = 0;
    struct wv_process *p = (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, &access);
    if (!p)
        return ERROR_INVALID_HANDLE;
    DWORD err = (access & wv_right_for(r->op)) ? 0 : ERROR_ACCESS_DENIED;
    if (!err && p->pid == getpid())
        err = WV_REMOTE_SELF;
    else if (!err && r->op == WV_REMOTE_FLUSH) /* x86-64 keeps instruction caches coherent */
        err = wv_alive(p) ? 0 : ERROR_ACCESS_DENIED;
    else if (!err) {
        struct wv_chan_req rq = {.op = wv_chan_ops[r->op], .type = r->type, .protect = r->protect,
                                 .addr = r->addr, .size = r->size};
        struct wv_chan_rep rp = {0};
        err = wv_chan_call(p, &rq, &rp);
        r->addr = rp.addr, r->old = rp.old, r->mbi = rp.mbi;
    }
    wv_object_unref(&p->obj);
    return err;
}

void wv_chan_init(void)
{
    wv_nt_remote = wv_remote_call;
    wv_xfer_init();
    wv_chan_view_init();
    wv_chan_ntvm_init();
    wv_proc_names_init();
}
