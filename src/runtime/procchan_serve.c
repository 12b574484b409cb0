/* SPDX-License-Identifier: MIT */
/* procchan_serve.c - the target's side of the control channel: a thread listening on
 * pPID in the per-user directory (procchan_dir.c), and one thread per connection that answers
 * requests by calling this process's own memory manager (mm's cores, the same VirtualAlloc and
 * VirtualQuery see), so the target's state model stays the one source of truth and an
 * operation is whole or not at all (each core runs under the space lock).  No ptrace.
 *
 * A peer must be of our effective uid (SO_PEERCRED, the kernel's answer); the directory is
 * ours and closed to others already.  The threads block every signal, so signals meant for
 * the program reach its own threads.
 *
 * Watchers (WV_CHAN_WATCH) are connections that hear the exit code: ExitProcess, an unhandled
 * exception and TerminateProcess through the channel write it to each before the process
 * ends (wv_chan_exit_notify, async-signal-safe: atomics and write only).  A watcher going
 * away and the exit racing are settled Dekker-style on `wv_exiting` and the slot (seq_cst):
 * either the exit sees the slot empty, or the closing thread sees the exit and leaves the
 * descriptor open (the process is ending anyway).  A watcher is told WV_CHAN_WATCHING once its
 * slot is taken, and its caller waits for that, so an exit requested after OpenProcess
 * returned (on another connection, served by another thread) cannot pass its slot unseen;
 * a watcher that takes its slot while the exit is under way is sent the code by its own thread.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "runtime/debug_int.h"
#include "mm/mm.h"
#include "nt/nt.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define WV_WATCHERS 64

static int wv_watchers[WV_WATCHERS] = {[0 ... WV_WATCHERS - 1] = -1};
static int wv_exiting; /* 0; 1 an exit under way; 2 its code in wv_exit_code */
static uint32_t wv_exit_code;
static int wv_listen_fd = -1;
static char wv_sock_path[108];

/* ---- the one-page write ---- */

/* PAGE_READWRITE for a read-only page, PAGE_EXECUTE_READWRITE for an executable one (Windows
 * keeps write-copy pages write-copy); 0 when the page cannot be written at all. */
static DWORD wv_writable_form(DWORD protect)
{
    if (protect & (PAGE_NOACCESS | PAGE_GUARD))
        return 0;
    if (protect & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE))
        return protect & ~(DWORD)(PAGE_NOCACHE | PAGE_WRITECOMBINE);
    if (protect & (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_WRITECOPY))
        return PAGE_EXECUTE_READWRITE;
    return protect & (PAGE_READONLY | PAGE_WRITECOPY) ? PAGE_READWRITE : 0;
}

DWORD wv_chan_write_page(uintptr_t addr, const void *src, size_t n)
{
    if (wv_copy((void *)addr, src, n) == 0)
        return 0;
    MEMORY_BASIC_INFORMATION m;
    wv_virtual_query(addr, &m);
    DWORD rw = m.State == MEM_COMMIT ? wv_writable_form(m.Protect) : 0, old = 0;
    if (!rw || wv_virtual_protect(addr, n, rw, &old))
        return ERROR_NOACCESS;
    DWORD err = wv_copy((void *)addr, src, n);
    wv_virtual_protect(addr, n, old, &rw); /* back as it was, whatever the copy did */
    return err;
}

/* ---- requests ---- */

static void wv_serve_op(const struct wv_chan_req *rq, struct wv_chan_rep *rp)
{
    uintptr_t out = 0;
    switch (rq->op) {
    case WV_CHAN_ALLOC:
        wv_fault_attach();
        rp->err = wv_virtual_alloc(rq->addr, rq->size, rq->type, rq->protect, &out);
        rp->addr = out;
        break;
    case WV_CHAN_FREE:
        rp->err = wv_virtual_free(rq->addr, rq->size, rq->type);
        break;
    case WV_CHAN_PROTECT:
        wv_fault_attach();
        rp->err = wv_virtual_protect(rq->addr, rq->size, rq->protect, &rp->old);
        break;
    case WV_CHAN_QUERY:
        wv_virtual_query(rq->addr, &rp->mbi);
        break;
    case WV_CHAN_WRITE:
        rp->err = rq->len > WV_PAGE_SIZE ? ERROR_INVALID_PARAMETER : wv_chan_write_page(rq->addr, rq->data, rq->len);
        break;
    case WV_CHAN_BASIC:
        wv_chan_basic_serve(rp);
        break;
    case WV_CHAN_HCOUNT:
        rp->size = wv_handle_total();
        break;
    case WV_CHAN_NTVM:
        wv_chan_ntvm_serve(rq, rp);
        break;
    case WV_CHAN_JOB:
        wv_job_chan_serve(rq, rp);
        break;
    default:
        rp->err = ERROR_INVALID_FUNCTION;
    }
    wv_debug_validate_at(rq->addr);
}

/* Keeps a watcher's connection until the peer closes it; false when the table is full. */
static bool wv_watch_keep(int fd)
{
    for (int i = 0; i < WV_WATCHERS; i++) {
        int none = -1;
        if (!__atomic_compare_exchange_n(&wv_watchers[i], &none, fd, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            continue;
        uint32_t ack = WV_CHAN_WATCHING;
        if (send(fd, &ack, sizeof(ack), MSG_NOSIGNAL) == (ssize_t)sizeof(ack) &&
            __atomic_load_n(&wv_exiting, __ATOMIC_SEQ_CST)) { /* the exit may have passed this slot */
            while (__atomic_load_n(&wv_exiting, __ATOMIC_SEQ_CST) != 2)
                sched_yield(); /* its code is being stored */
            uint32_t code = __atomic_load_n(&wv_exit_code, __ATOMIC_SEQ_CST);
            if (send(fd, &code, sizeof(code), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                /* a closed peer: nothing more to tell it */
            }
        }
        char b;
        while (recv(fd, &b, 1, 0) < 0 && errno == EINTR)
            ;
        __atomic_store_n(&wv_watchers[i], -1, __ATOMIC_SEQ_CST);
        if (!__atomic_load_n(&wv_exiting, __ATOMIC_SEQ_CST))
            close(fd);
        return true;
    }
    return false;
}

static void wv_do_exit(DWORD code)
{
    wv_child_exit(code); /* the exit pipe of a CreateProcess parent, and the watchers */
    _exit((int)(code & 0xff));
}

/* One request, and the descriptor passed beside it in *passed (else -1). */
static ssize_t wv_recv(int fd, struct wv_chan_req *rq, int *passed)
{
    struct iovec iov = {rq, sizeof(*rq)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } c;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf)};
    ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
    *passed = -1;
    struct cmsghdr *h = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL;
    if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS && h->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(passed, CMSG_DATA(h), sizeof(int));
    return n;
}

/* WV_CHAN_HANDLE: the object another process hands over, a handle to it in our table. */
static void wv_serve_handle(const struct wv_chan_req *rq, ssize_t n, int passed, struct wv_chan_rep *rp)
{
    struct wv_xfer x;
    HANDLE h = NULL;
    if (passed < 0 || (size_t)n < WV_CHAN_REQ_HEAD + sizeof(x)) {
        rp->err = ERROR_INVALID_PARAMETER;
        if (passed >= 0)
            close(passed);
        return;
    }
    memcpy(&x, rq->data, sizeof(x));
    rp->err = wv_xfer_adopt(&x, passed, &h);
    rp->addr = (uintptr_t)h;
}

/* One connection: requests answered in order until the peer closes it. */
static void *wv_serve_conn(void *arg)
{
    int fd = (int)(intptr_t)arg, passed;
    wv_fault_attach(); /* its own alternate stack: wv_copy's faults are handled on it */
    struct wv_chan_req *rq = malloc(sizeof(*rq));
    for (ssize_t n; rq && (n = wv_recv(fd, rq, &passed)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n >= (ssize_t)WV_CHAN_REQ_HEAD &&
            (rq->op == WV_CHAN_HANDLE || rq->op == WV_CHAN_VIEW || rq->op == WV_CHAN_DEBUG)) {
            struct wv_chan_rep rp = {0};
            if (rq->op == WV_CHAN_VIEW)
                wv_chan_view_serve(rq, (size_t)n, passed, &rp);
            else if (rq->op == WV_CHAN_DEBUG) /* a debugger attaching (debug_attach.c) */
                rp.err = passed >= 0 ? wv_debug_attach(passed) : ERROR_INVALID_PARAMETER;
            else
                wv_serve_handle(rq, n, passed, &rp);
            if (send(fd, &rp, sizeof(rp), MSG_NOSIGNAL) != (ssize_t)sizeof(rp))
                break;
            continue;
        }
        if (passed >= 0)
            close(passed);
        if (n < (ssize_t)WV_CHAN_REQ_HEAD)
            break;
        if (rq->op == WV_CHAN_WATCH) {
            free(rq);
            if (wv_watch_keep(fd))
                return NULL;
            rq = NULL;
            break;
        }
        if (rq->op == WV_CHAN_EXIT)
            wv_do_exit(rq->protect);
        if (rq->op == WV_CHAN_TAKE) {
            wv_chan_take_serve(fd, rq);
            continue;
        }
        if (rq->op == WV_CHAN_THREAD) {
            if (rq->len > sizeof(rq->data) || (size_t)n < WV_CHAN_REQ_HEAD + rq->len)
                rq->len = 0; /* what came is all the request has */
            wv_chan_thread_serve(fd, rq);
            continue;
        }
        if (rq->op == WV_CHAN_IMAGE) {
            if (!wv_chan_image_serve(fd))
                break;
            continue;
        }
        if (rq->op == WV_CHAN_EXENAME || rq->op == WV_CHAN_MODULES) {
            if (!(rq->op == WV_CHAN_EXENAME ? wv_chan_exename_serve(fd) : wv_chan_modules_serve(fd)))
                break;
            continue;
        }
        if (rq->op == WV_CHAN_READ || rq->op == WV_CHAN_VMWRITE) {
            if (!wv_chan_vm_serve(fd, rq, (size_t)n))
                break;
            continue;
        }
        if (rq->op == WV_CHAN_WRITE && (size_t)n < WV_CHAN_REQ_HEAD + rq->len)
            break;
        if (rq->op == WV_CHAN_NTVM && (size_t)n < WV_CHAN_REQ_HEAD + sizeof(struct wv_remote_vm))
            break;
        if (rq->op == WV_CHAN_JOB && (size_t)n < WV_CHAN_REQ_HEAD + sizeof(struct wv_job_msg))
            break;
        struct wv_chan_rep rp = {0};
        wv_serve_op(rq, &rp);
        if (send(fd, &rp, sizeof(rp), MSG_NOSIGNAL) != (ssize_t)sizeof(rp))
            break;
    }
    free(rq);
    close(fd);
    return NULL;
}

static bool wv_spawn(void *(*fn)(void *), void *arg)
{
    pthread_attr_t a;
    pthread_t t;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 256 * 1024);
    /* created with every asynchronous signal blocked (the mask is inherited, no window); the
     * faults a copy can take stay open: blocked, the kernel would kill the process. */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV), sigdelset(&all, SIGBUS), sigdelset(&all, SIGILL), sigdelset(&all, SIGFPE);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&t, &a, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&a);
    return rc == 0;
}

static void *wv_serve_listen(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept4(wv_listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE || errno == ENOMEM)
                continue;
            return NULL;
        }
        struct ucred cr;
        socklen_t len = sizeof(cr);
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || cr.uid != geteuid() ||
            !wv_spawn(wv_serve_conn, (void *)(intptr_t)c))
            close(c);
    }
}

static DWORD wv_serve_result = 0xFFFFFFFFu;
static pid_t wv_serve_owner; /* the process that started serving (a fork's child serves anew) */
static pthread_mutex_t wv_serve_once = PTHREAD_MUTEX_INITIALIZER;

static pid_t wv_serve_pid;

static void wv_serve_unlink(void)
{
    /* a Linux program's exit: no stale name left (a forked child's exit leaves its parent's) */
    if (wv_sock_path[0] && getpid() == wv_serve_pid && !__atomic_load_n(&wv_exiting, __ATOMIC_SEQ_CST))
        unlink(wv_sock_path);
}

DWORD wv_chan_serve_once(bool at_exit)
{
    pthread_mutex_lock(&wv_serve_once);
    if (wv_serve_result == 0xFFFFFFFFu || wv_serve_owner != getpid()) {
        wv_serve_owner = getpid();
        wv_serve_result = wv_chan_serve_start();
        if (!wv_serve_result && at_exit)
            wv_serve_pid = getpid(), atexit(wv_serve_unlink);
    }
    DWORD err = wv_serve_result;
    pthread_mutex_unlock(&wv_serve_once);
    return err;
}

DWORD wv_chan_serve_start(void)
{
    int dir = wv_chan_dir();
    if (dir < 0)
        return wv_errno_to_error(errno);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    wv_chan_path(dir, getpid(), a.sun_path, sizeof(a.sun_path));
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0)
        return wv_errno_to_error(errno);
    char name[32];
    snprintf(name, sizeof(name), "p%d", (int)getpid());
    wv_chan_sweep();
    int lock = wv_chan_dir_lock(); /* no one removes the name between bind and listen */
    unlinkat(dir, name, 0);        /* a dead process's name: the pid is ours now */
    int rc = bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 ? listen(s, 64) : -1;
    DWORD err = rc ? wv_errno_to_error(errno) : 0;
    wv_chan_dir_unlock(lock);
    if (err) {
        close(s);
        return err;
    }
    memcpy(wv_sock_path, a.sun_path, sizeof(wv_sock_path));
    wv_listen_fd = s;
    if (!wv_spawn(wv_serve_listen, NULL)) {
        unlinkat(dir, name, 0);
        close(s);
        wv_listen_fd = -1;
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    return 0;
}

void wv_chan_exit_notify(DWORD code)
{
    int none = 0;
    if (!__atomic_compare_exchange_n(&wv_exiting, &none, 1, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return; /* told once */
    __atomic_store_n(&wv_exit_code, (uint32_t)code, __ATOMIC_SEQ_CST);
    __atomic_store_n(&wv_exiting, 2, __ATOMIC_SEQ_CST);
    uint32_t v = code;
    for (int i = 0; i < WV_WATCHERS; i++) {
        int fd = __atomic_load_n(&wv_watchers[i], __ATOMIC_SEQ_CST);
        if (fd >= 0 && send(fd, &v, sizeof(v), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
            /* a full or closed peer: nothing more to tell it */
        }
    }
    if (wv_listen_fd >= 0 && wv_sock_path[0])
        unlink(wv_sock_path);
}
