/* SPDX-License-Identifier: MIT */
/* thread_serve.c - this process's threads as other processes hold them (docs/processes.md,
 * "Threads across processes"): the owner's side.
 *
 * A thread handle that goes to another process (DuplicateHandle, inheritance) travels as the
 * thread's id, its serial (tids are reused; the serial is not) and our pid, beside the read end
 * of a pipe made for that holder: when the thread ends its exit code (4 bytes) is written to
 * every such pipe and the write end closed; when this process ends first, the kernel closes
 * them and the holder reads EOF alone (the thread's code is then the process's, as Windows').
 * So the holder's waits need nothing of ours but a descriptor.  What acts on the thread
 * (SuspendThread, ResumeThread, TerminateThread) comes as a WV_CHAN_THREAD request over the
 * control channel; the holder checked the right on its handle, and the thread is found by id
 * and serial and acted on by this process's own calls, so a thread that has ended (or a tid
 * since reused) answers as an ended thread does.
 *
 * Handing a thread out starts serving the channel in a Linux program that does not yet (as
 * its first CreateProcess does): the holder needs it to act on the thread.
 *
 * t->ends (t->lock) holds the write ends until the thread's end tells them.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "runtime/thread_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void wv_tell(int fd, DWORD code)
{
    if (write(fd, &code, sizeof(code)) != (ssize_t)sizeof(code)) {
        /* the holder has gone: nothing more to tell it */
    }
    close(fd);
}

DWORD wv_thread_end_fd(struct wv_thread *t, int *fd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return wv_errno_to_error(errno);
    sigset_t old;
    wv_thread_lock(t, &old);
    bool ended = __atomic_load_n(&t->done, __ATOMIC_ACQUIRE);
    int *more = ended ? NULL : realloc(t->ends, (t->n_ends + 1) * sizeof(*t->ends));
    if (more)
        t->ends = more, t->ends[t->n_ends++] = p[1];
    wv_thread_unlock(t, &old);
    if (!ended && !more) {
        close(p[0]), close(p[1]);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    if (ended) { /* its code is set for good once done is (wait lock) */
        pthread_mutex_lock(&wv_wait_lock);
        DWORD code = t->exit_code;
        pthread_mutex_unlock(&wv_wait_lock);
        wv_tell(p[1], code);
    }
    *fd = p[0];
    return 0;
}

void wv_thread_ends_tell(struct wv_thread *t, DWORD code)
{
    sigset_t old;
    wv_thread_lock(t, &old);
    int *ends = t->ends;
    size_t n = t->n_ends;
    t->ends = NULL, t->n_ends = 0;
    wv_thread_unlock(t, &old);
    for (size_t i = 0; i < n; i++)
        wv_tell(ends[i], code);
    free(ends);
}

/* The live thread with this id and serial (0: any), with a reference; NULL when it ended. */
static struct wv_thread *wv_thread_by(DWORD tid, uint64_t serial)
{
    struct wv_thread *t = wv_thread_find(tid);
    if (t && serial && t->serial != serial)
        wv_object_unref(&t->obj), t = NULL;
    return t;
}

DWORD wv_thread_xfer(struct wv_object *o, struct wv_xfer *x, int *fd)
{
    struct wv_thread *t = (struct wv_thread *)o;
    x->kind = WV_KIND_THREAD, x->size = t->tid, x->offset = t->serial, x->protect = (uint32_t)getpid();
    /* the holder acts on it through our channel: a Linux program serves from now on */
    DWORD err = wv_chan_serve_once(true);
    return err ? err : wv_thread_end_fd(t, fd);
}

/* SuspendThread, ResumeThread or TerminateThread on t, through a handle of ours for the call
 * (the holder checked its own handle's right): the call's result, *err its error or 0. */
static DWORD wv_thread_act(struct wv_thread *t, uint32_t what, DWORD code, DWORD *err)
{
    HANDLE h = wv_handle_new(&t->obj, THREAD_ALL_ACCESS);
    if (!h)
        return *err = ERROR_NOT_ENOUGH_MEMORY, (DWORD)-1;
    SetLastError(0);
    DWORD r = what == WV_THREAD_SUSPEND ? SuspendThread(h)
              : what == WV_THREAD_RESUME ? ResumeThread(h)
                                          : (DWORD)TerminateThread(h, code);
    bool failed = what == WV_THREAD_TERMINATE ? r == 0 : r == (DWORD)-1;
    *err = failed ? GetLastError() : 0;
    wv_handle_close(h);
    return r;
}

/* CreateRemoteThread here for another process (it checked PROCESS_CREATE_THREAD on its
 * handle): the thread as CreateThread makes it, refused as it is while this process ends;
 * rp->addr its id, rp->size its serial, *pass its end pipe. */
static void wv_thread_create_for(const struct wv_chan_req *rq, struct wv_chan_rep *rp, int *pass)
{
    struct wv_rthread_new n;
    if (rq->len < sizeof(n)) {
        rp->err = ERROR_INVALID_PARAMETER;
        return;
    }
    memcpy(&n, rq->data, sizeof(n));
    DWORD tid = 0;
    HANDLE h = wv_thread_create((SIZE_T)n.stack, (LPTHREAD_START_ROUTINE)(uintptr_t)n.start,
                                (LPVOID)(uintptr_t)n.arg, n.flags, &tid, true);
    if (!h) {
        rp->err = GetLastError();
        return;
    }
    struct wv_thread *t = wv_thread_ref(h, 0);
    rp->err = t ? wv_thread_end_fd(t, pass) : ERROR_INVALID_HANDLE;
    rp->addr = tid, rp->size = t ? t->serial : 0;
    if (t)
        wv_object_unref(&t->obj);
    wv_handle_close(h); /* the thread lives on; the holder has its pipe */
}

/* Get/SetThreadContext of t for another process (it checked the right): the context after the
 * reply for a get.  An ended thread: ERROR_INVALID_PARAMETER to a get, ERROR_ACCESS_DENIED to a
 * set, as Windows answers for a thread of a terminated process. */
static void wv_thread_context_for(int fd, struct wv_thread *t, const struct wv_chan_req *rq)
{
    struct wv_chan_rep rp = {0};
    bool set = rq->type == WV_THREAD_SET_CONTEXT;
    CONTEXT c;
    memset(&c, 0, sizeof(c));
    if (rq->len < sizeof(c))
        rp.err = ERROR_INVALID_PARAMETER;
    else if (!t)
        rp.err = set ? ERROR_ACCESS_DENIED : ERROR_INVALID_PARAMETER;
    else {
        memcpy(&c, rq->data, sizeof(c));
        rp.err = wv_thread_context_of(t, &c, set);
    }
    rp.size = !rp.err && !set ? sizeof(c) : 0;
    struct iovec iov[2] = {{&rp, sizeof(rp)}, {&c, rp.size}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    if (sendmsg(fd, &m, MSG_NOSIGNAL) < 0) {
        /* the caller has gone: nobody to answer */
    }
}

void wv_chan_thread_serve(int fd, const struct wv_chan_req *rq)
{
    struct wv_chan_rep rp = {0};
    int pass = -1;
    if (rq->type == WV_THREAD_CREATE) {
        wv_thread_create_for(rq, &rp, &pass);
        wv_chan_send_fd(fd, &rp, sizeof(rp), rp.err ? -1 : pass);
        if (pass >= 0)
            close(pass);
        return;
    }
    if (rq->type == WV_THREAD_SUSPEND_ALL || rq->type == WV_THREAD_RESUME_ALL) {
        rp.err = wv_process_suspend_local(rq->type == WV_THREAD_SUSPEND_ALL); /* the holder checked its right */
        wv_chan_send_fd(fd, &rp, sizeof(rp), -1);
        return;
    }
    struct wv_thread *t = wv_thread_by((DWORD)rq->addr, rq->size);
    if (rq->type == WV_THREAD_GET_CONTEXT || rq->type == WV_THREAD_SET_CONTEXT) {
        wv_thread_context_for(fd, t, rq);
        if (t)
            wv_object_unref(&t->obj);
        return;
    }
    if (rq->type == WV_THREAD_OPEN) {
        rp.err = !t ? ERROR_INVALID_HANDLE : wv_thread_end_fd(t, &pass);
        rp.size = t ? t->serial : 0;
    } else if (!t) /* it has ended: as an ended thread answers */
        rp.err = rq->type == WV_THREAD_SUSPEND ? ERROR_ACCESS_DENIED : 0, rp.old = rq->type == WV_THREAD_TERMINATE;
    else if (rq->type <= WV_THREAD_TERMINATE)
        rp.old = wv_thread_act(t, rq->type, rq->protect, &rp.err);
    else
        rp.err = ERROR_INVALID_PARAMETER;
    if (t)
        wv_object_unref(&t->obj);
    wv_chan_send_fd(fd, &rp, sizeof(rp), rp.err ? -1 : pass);
    if (pass >= 0)
        close(pass);
}
