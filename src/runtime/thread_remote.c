/* SPDX-License-Identifier: MIT */
/* thread_remote.c - a thread of another process held here (WV_KIND_REMOTE_THREAD): what
 * DuplicateHandle into this process, out of another, and inheritance make of a thread handle
 * (docs/processes.md, "Threads across processes"; the owner's side: thread_serve.c).
 *
 * The object keeps the thread's id, its serial in its process, the process (an object of ours
 * for it, so its channel and exit code) and the read end of a pipe the owner writes the
 * thread's exit code to when the thread ends (EOF alone: the process ended first, and the
 * thread's code is the process's, as on Windows).  A watcher thread polls the pipe and marks
 * the object signalled (done, under the wait lock), so waits see it like any thread; it leaves
 * when the last handle goes.  GetExitCodeThread, GetThreadId and GetProcessIdOfThread answer
 * here (THREAD_QUERY_(LIMITED_)INFORMATION); SuspendThread, ResumeThread (THREAD_SUSPEND_RESUME)
 * and TerminateThread (THREAD_TERMINATE) are asked of the owner (WV_CHAN_THREAD), by id and
 * serial, or answered here as for an ended thread once the pipe said so.
 *
 * rt->lock (a leaf above the wait lock) guards reading the pipe: the code is read once.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "runtime/thread_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WV_QUERY_RIGHTS (THREAD_QUERY_INFORMATION | THREAD_QUERY_LIMITED_INFORMATION)
#define WV_PROCESS_CODE_WAIT_MS 10000

struct wv_rthread {
    struct wv_object obj; /* WV_KIND_REMOTE_THREAD */
    struct wv_process *p; /* its process (a reference) */
    DWORD tid;
    uint64_t serial;
    int end_fd;        /* the owner's pipe: the exit code, or EOF (non-blocking) */
    int stop[2];       /* the watcher's: written when the last handle goes */
    int handles;       /* atomic */
    pthread_mutex_t lock;
    bool settled;      /* the pipe was read (lock) */
    bool done;         /* wait lock */
    bool code_known;   /* wait lock */
    DWORD code;        /* wait lock */
};

static void wv_rthread_destroy(struct wv_object *o)
{
    struct wv_rthread *rt = (struct wv_rthread *)o;
    int fds[3] = {rt->end_fd, rt->stop[0], rt->stop[1]};
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (rt->p)
        wv_object_unref(&rt->p->obj);
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

static void wv_rthread_on_handle(struct wv_object *o, int delta)
{
    struct wv_rthread *rt = (struct wv_rthread *)o;
    char b = 1;
    if (__atomic_add_fetch(&rt->handles, delta, __ATOMIC_ACQ_REL) == 0 && delta < 0 &&
        write(rt->stop[1], &b, 1) != 1) {
        /* the watcher has left already */
    }
}

bool wv_rthread_signalled(struct wv_object *o) { return ((struct wv_rthread *)o)->done; }

/* Whether the pipe says the thread ended (without reading it). */
static bool wv_ended_now(struct wv_rthread *rt)
{
    struct pollfd f = {.fd = rt->end_fd, .events = POLLIN};
    return poll(&f, 1, 0) > 0;
}

/* Reads the thread's end once the pipe says it ended: its code, or the process's after EOF
 * (waited for: the process object hears it when the process is gone). */
static void wv_settle(struct wv_rthread *rt)
{
    pthread_mutex_lock(&rt->lock);
    if (rt->settled || !wv_ended_now(rt)) {
        pthread_mutex_unlock(&rt->lock);
        return;
    }
    uint32_t code = 0;
    ssize_t n;
    while ((n = read(rt->end_fd, &code, sizeof(code))) < 0 && errno == EINTR)
        ;
    bool known = n == (ssize_t)sizeof(code);
    if (!known) {
        struct wv_object *po = &rt->p->obj;
        wv_wait(&po, 1, false, WV_PROCESS_CODE_WAIT_MS, NULL);
    }
    pthread_mutex_lock(&wv_wait_lock);
    if (!known && rt->p->code_known)
        known = true, code = rt->p->code;
    rt->code = code, rt->code_known = known, rt->done = true;
    pthread_cond_broadcast(&wv_wait_cond);
    pthread_mutex_unlock(&wv_wait_lock);
    rt->settled = true;
    pthread_mutex_unlock(&rt->lock);
}

static void *wv_rthread_watch(void *arg)
{
    struct wv_rthread *rt = arg;
    struct pollfd f[2] = {{.fd = rt->end_fd, .events = POLLIN}, {.fd = rt->stop[0], .events = POLLIN}};
    for (;;) {
        int rc = poll(f, 2, -1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0 || f[1].revents)
            break; /* no handle left: nobody can wait on it any more */
        if (f[0].revents) {
            wv_settle(rt);
            break;
        }
    }
    wv_object_unref(&rt->obj);
    return NULL;
}

static bool wv_rthread_watcher(struct wv_rthread *rt)
{
    pthread_attr_t a;
    pthread_t t;
    sigset_t all, old;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 64 * 1024);
    sigfillset(&all); /* the program's signals go to its own threads */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    wv_object_ref(&rt->obj);
    int rc = pthread_create(&t, &a, wv_rthread_watch, rt);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&a);
    if (rc)
        wv_object_unref(&rt->obj);
    return rc == 0;
}

/* Our object for process pid (the thread's): a reference, or NULL with the error. */
static struct wv_process *wv_owner(pid_t pid, DWORD *err)
{
    if (pid == getpid())
        return (struct wv_process *)wv_process_self_ref();
    HANDLE h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    struct wv_process *p = h ? (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, NULL) : NULL;
    *err = p ? 0 : GetLastError();
    if (h)
        wv_handle_close(h);
    return p;
}

/* One of our own threads come back: the thread object itself while it lives. */
static bool wv_adopt_own(const struct wv_xfer *x, HANDLE *out, DWORD *err)
{
    struct wv_thread *t = x->protect == (uint32_t)getpid() ? wv_thread_find((DWORD)x->size) : NULL;
    if (t && t->serial != x->offset)
        wv_object_unref(&t->obj), t = NULL;
    if (!t)
        return false;
    *out = wv_handle_new(&t->obj, x->access);
    *err = *out ? 0 : ERROR_TOO_MANY_OPEN_FILES;
    wv_object_unref(&t->obj);
    return true;
}

DWORD wv_rthread_adopt(const struct wv_xfer *x, int fd, HANDLE *out)
{
    DWORD err = 0;
    if (wv_adopt_own(x, out, &err))
        return close(fd), err;
    struct wv_rthread *rt = calloc(1, sizeof(*rt));
    struct wv_process *p = rt ? wv_owner((pid_t)x->protect, &err) : NULL;
    if (!p) {
        free(rt);
        close(fd);
        return rt ? err : ERROR_NOT_ENOUGH_MEMORY;
    }
    rt->obj = (struct wv_object){.kind = WV_KIND_REMOTE_THREAD, .destroy = wv_rthread_destroy,
                                 .on_handle = wv_rthread_on_handle};
    rt->p = p, rt->tid = (DWORD)x->size, rt->serial = x->offset, rt->end_fd = fd;
    pthread_mutex_init(&rt->lock, NULL);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    if (pipe2(rt->stop, O_CLOEXEC) != 0)
        rt->stop[0] = rt->stop[1] = -1;
    HANDLE h = rt->stop[0] >= 0 ? wv_handle_new(&rt->obj, x->access) : NULL;
    if (!h) {
        wv_rthread_destroy(&rt->obj);
        return ERROR_TOO_MANY_OPEN_FILES;
    }
    if (!wv_rthread_watcher(rt)) {
        wv_handle_close(h);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    *out = h;
    return 0;
}

/* The end pipe of thread tid (serial: 0 for any) asked of its process p: 0 or the error. */
static DWORD wv_open_end(struct wv_process *p, DWORD tid, uint64_t *serial, int *fd)
{
    struct wv_chan_req rq = {.op = WV_CHAN_THREAD, .type = WV_THREAD_OPEN, .addr = tid, .size = *serial};
    struct wv_chan_rep rp = {0};
    DWORD err = wv_chan_call_io(p, &rq, -1, &rp, fd);
    if (!err && *fd < 0)
        err = ERROR_INVALID_HANDLE;
    *serial = rp.size;
    return err;
}

DWORD wv_pthread_xfer(struct wv_object *o, struct wv_xfer *x, int *fd)
{
    DWORD tid;
    struct wv_process *p = wv_process_thread_of(o, &tid);
    uint64_t serial = 0;
    DWORD err = wv_open_end(p, tid, &serial, fd);
    x->kind = WV_KIND_THREAD, x->size = tid, x->offset = serial, x->protect = (uint32_t)p->pid;
    wv_object_unref(&p->obj);
    return err ? ERROR_NOT_SUPPORTED : 0; /* ended, or not started yet: not a thread to hand on */
}

DWORD wv_rthread_xfer(struct wv_object *o, struct wv_xfer *x, int *fd)
{
    struct wv_rthread *rt = (struct wv_rthread *)o;
    x->kind = WV_KIND_THREAD, x->size = rt->tid, x->offset = rt->serial, x->protect = (uint32_t)rt->p->pid;
    wv_settle(rt);
    pthread_mutex_lock(&wv_wait_lock);
    bool done = rt->done;
    DWORD code = rt->code;
    pthread_mutex_unlock(&wv_wait_lock);
    if (done) { /* a pipe that tells it ended, made here */
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0)
            return wv_errno_to_error(errno);
        if (write(p[1], &code, sizeof(code)) != (ssize_t)sizeof(code)) {
            /* a new pipe takes 4 bytes */
        }
        close(p[1]);
        *fd = p[0];
        return 0;
    }
    uint64_t serial = rt->serial;
    return wv_open_end(rt->p, rt->tid, &serial, fd);
}

/* ---- the calls ---- */

/* Asks the owner (WV_CHAN_THREAD) unless the thread is known to have ended. */
static DWORD wv_ask(struct wv_rthread *rt, uint32_t what, DWORD code, DWORD *err)
{
    wv_settle(rt);
    if (!rt->settled) {
        struct wv_chan_req rq = {.op = WV_CHAN_THREAD, .type = what, .protect = code, .addr = rt->tid,
                                 .size = rt->serial};
        struct wv_chan_rep rp = {0};
        *err = wv_chan_call(rt->p, &rq, &rp);
        if (!*err || rp.err)
            return rp.old;
        wv_settle(rt); /* the process went away meanwhile: the thread with it */
        if (!rt->settled)
            return (DWORD)-1;
    }
    /* ended: Windows refuses to suspend it, resumes nothing, and terminates it "again" */
    *err = what == WV_THREAD_SUSPEND ? ERROR_ACCESS_DENIED : 0;
    return what == WV_THREAD_SUSPEND ? (DWORD)-1 : what == WV_THREAD_RESUME ? 0 : TRUE;
}

static DWORD wv_right_for(int op)
{
    switch (op) {
    case WV_RT_SUSPEND:
    case WV_RT_RESUME: return THREAD_SUSPEND_RESUME;
    case WV_RT_TERMINATE: return THREAD_TERMINATE;
    default: return WV_QUERY_RIGHTS;
    }
}

bool wv_rthread_call(HANDLE h, int op, DWORD arg, DWORD *out, DWORD *err)
{
    DWORD access = 0;
    struct wv_rthread *rt = (struct wv_rthread *)wv_handle_get(h, WV_KIND_REMOTE_THREAD, &access);
    if (!rt)
        return false;
    *err = 0, *out = 0;
    if (!(access & wv_right_for(op)))
        *err = ERROR_ACCESS_DENIED;
    else if (op == WV_RT_TID || op == WV_RT_PID)
        *out = op == WV_RT_TID ? rt->tid : (DWORD)rt->p->pid;
    else if (op == WV_RT_EXIT_CODE) {
        wv_settle(rt);
        pthread_mutex_lock(&wv_wait_lock);
        *out = rt->done ? rt->code : STILL_ACTIVE;
        *err = rt->done && !rt->code_known ? ERROR_NOT_SUPPORTED : 0; /* killed, its code unknown */
        pthread_mutex_unlock(&wv_wait_lock);
    } else {
        uint32_t what = op == WV_RT_SUSPEND ? WV_THREAD_SUSPEND
                        : op == WV_RT_RESUME ? WV_THREAD_RESUME
                                             : WV_THREAD_TERMINATE;
        *out = wv_ask(rt, what, arg, err);
    }
    wv_object_unref(&rt->obj);
    return true;
}

/* ---- CreateRemoteThread and Get/SetThreadContext in another process ---- */

DWORD wv_rthread_create(struct wv_process *p, SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
                        DWORD *tid, HANDLE *out)
{
    struct wv_chan_req rq = {.op = WV_CHAN_THREAD, .type = WV_THREAD_CREATE, .len = sizeof(struct wv_rthread_new)};
    struct wv_rthread_new n = {(uintptr_t)start, (uintptr_t)arg, stack, flags};
    memcpy(rq.data, &n, sizeof(n));
    struct wv_chan_rep rp = {0};
    int fd = -1;
    DWORD err = wv_chan_call_io(p, &rq, -1, &rp, &fd);
    if (!err && !rp.err && fd < 0)
        err = ERROR_ACCESS_DENIED; /* no end pipe: no thread to hold */
    if (err || rp.err) {
        if (fd >= 0)
            close(fd);
        return err ? err : rp.err;
    }
    struct wv_xfer x = {.kind = WV_KIND_THREAD, .access = THREAD_ALL_ACCESS, .protect = (uint32_t)p->pid,
                        .size = rp.addr, .offset = rp.size};
    *tid = (DWORD)rp.addr;
    return wv_rthread_adopt(&x, fd, out);
}

/* The process, id and serial (0: any) of another process's thread behind h, a reference, and
 * the handle's access; NULL when h names none (a child's main thread counts). */
static struct wv_process *wv_rthread_of(HANDLE h, DWORD *tid, uint64_t *serial, DWORD *access)
{
    struct wv_object *o = wv_handle_get(h, WV_KIND_REMOTE_THREAD, access);
    struct wv_process *p = NULL;
    if (o) {
        struct wv_rthread *rt = (struct wv_rthread *)o;
        p = rt->p, *tid = rt->tid, *serial = rt->serial;
        wv_object_ref(&p->obj);
    } else if ((o = wv_handle_get(h, WV_KIND_PROCESS_THREAD, access)) != NULL) {
        p = wv_process_thread_of(o, tid);
        *serial = 0;
    }
    if (o)
        wv_object_unref(o);
    return p;
}

/* Whether h names another process's thread (its context calls go over the channel). */
bool wv_rthread_is(HANDLE h)
{
    DWORD tid = 0, access = 0;
    uint64_t serial = 0;
    struct wv_process *p = wv_rthread_of(h, &tid, &serial, &access);
    if (p)
        wv_object_unref(&p->obj);
    return p != NULL;
}

bool wv_rthread_context(HANDLE h, CONTEXT *c, bool set, DWORD *err)
{
    DWORD tid = 0, access = 0;
    uint64_t serial = 0;
    struct wv_process *p = wv_rthread_of(h, &tid, &serial, &access);
    if (!p)
        return false;
    if (!(access & (set ? THREAD_SET_CONTEXT : THREAD_GET_CONTEXT))) {
        *err = ERROR_ACCESS_DENIED;
    } else {
        struct wv_chan_req rq = {.op = WV_CHAN_THREAD, .type = set ? WV_THREAD_SET_CONTEXT : WV_THREAD_GET_CONTEXT,
                                 .len = sizeof(CONTEXT), .addr = tid, .size = serial};
        memcpy(rq.data, c, sizeof(*c));
        struct wv_chan_rep rp = {0};
        CONTEXT now;
        size_t got = 0;
        /* an owner that has ended answers nothing: ERROR_ACCESS_DENIED, as Windows may */
        *err = wv_chan_call_data(p, &rq, &rp, &now, sizeof(now), &got);
        *err = *err ? *err : rp.err;
        if (!*err && !set)
            *err = got == sizeof(now) ? (memcpy(c, &now, sizeof(now)), 0) : ERROR_ACCESS_DENIED;
    }
    wv_object_unref(&p->obj);
    return true;
}
