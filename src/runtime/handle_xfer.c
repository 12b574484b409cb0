/* SPDX-License-Identifier: MIT */
/* handle_xfer.c - handles that go to another process: DuplicateHandle into another process
 * (the object and its descriptor travel over the target's control channel, SCM_RIGHTS; the
 * target makes the handle in its own table and answers its value) and CreateProcess's
 * bInheritHandles (each inheritable handle's descriptor is passed through exec and named in
 * WINVM_HANDLES; the child makes the handle under the same value before the program runs).
 *
 * What can go: sections (pagefile-backed, named or not, and file-backed; not SEC_IMAGE) and
 * files and pipe ends: their whole state is in the descriptor (a SEC_RESERVE section's commit
 * bitmap included), so both processes share one object as Windows' handles do.  A named
 * section's copy does not hold the name (it stays with the handles that opened it).  Events,
 * mutexes and semaphores, named or not: the descriptor of their shared state (an unnamed one
 * moves into a shared file the first time it goes: sync.c's wv_sync_share).  Processes: a
 * pidfd with the pid.  Threads: their id, serial and process, and a pipe that tells their end
 * (thread_serve.c, thread_remote.c).  Taking a handle out of another process: handle_take.c.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "runtime/nsync.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A process: a pidfd of it (proving to the receiver that the pid was not reused), its pid in
 * x->size.  0 or the error (it ended: a child reaped may have lost its pid). */
static DWORD wv_xfer_process(struct wv_process *p, struct wv_xfer *x, int *fd)
{
    pid_t pid = p->self ? getpid() : p->pid;
    if (!p->self && __atomic_load_n(&p->done, __ATOMIC_ACQUIRE))
        return ERROR_NOT_SUPPORTED;
    *fd = (int)syscall(SYS_pidfd_open, pid, 0);
    x->size = (uint64_t)pid;
    return *fd < 0 ? ERROR_NOT_SUPPORTED : 0;
}

/* The kinds whose descriptor is made for the transfer: events, mutexes, semaphores and timers (their
 * state moved into a shared file if not there yet) and processes.  0, an error, or
 * ERROR_INVALID_FUNCTION for the other kinds. */
static DWORD wv_xfer_made(struct wv_object *o, struct wv_xfer *x, int *fd)
{
    if (o->kind == WV_KIND_EVENT || o->kind == WV_KIND_MUTEX || o->kind == WV_KIND_SEMAPHORE ||
        o->kind == WV_KIND_TIMER)
        return wv_sync_share(o, fd);
    if (o->kind == WV_KIND_PROCESS)
        return wv_xfer_process((struct wv_process *)o, x, fd);
    if (o->kind == WV_KIND_THREAD)
        return wv_thread_xfer(o, x, fd);
    if (o->kind == WV_KIND_REMOTE_THREAD)
        return wv_rthread_xfer(o, x, fd);
    if (o->kind == WV_KIND_PROCESS_THREAD)
        return wv_pthread_xfer(o, x, fd);
    return ERROR_INVALID_FUNCTION;
}

DWORD wv_xfer_take(HANDLE h, DWORD access, struct wv_xfer *x, int *fd)
{
    struct wv_object *o = h == WV_CURRENT_PROCESS ? wv_process_self_ref()
                          : h == WV_CURRENT_THREAD ? wv_thread_self_ref()
                                                   : wv_handle_get(h, WV_KIND_ANY, NULL);
    if (!o)
        return ERROR_INVALID_HANDLE;
    *x = (struct wv_xfer){.kind = (uint32_t)o->kind, .access = access};
    DWORD err = wv_xfer_made(o, x, fd);
    if (err != ERROR_INVALID_FUNCTION) {
        wv_object_unref(o);
        return err;
    }
    err = 0;
    int from = -1;
    if (o->kind == WV_KIND_SECTION) {
        struct wv_section *s = (struct wv_section *)o;
        from = s->image ? -1 : s->fd;
        x->protect = s->protect, x->flags = s->flags, x->size = s->size, x->offset = (uint64_t)s->data_offset;
        x->file_backed = s->file_backed;
    } else if (o->kind == WV_KIND_FILE) {
        struct wv_file *f = (struct wv_file *)o;
        from = f->fd, x->flags = f->pipe;
    }
    if (from < 0)
        err = ERROR_NOT_SUPPORTED;
    else if ((*fd = fcntl(from, F_DUPFD_CLOEXEC, 3)) < 0)
        err = wv_errno_to_error(errno);
    wv_object_unref(o);
    return err;
}

/* A process handed over: opened by its pid, which the pidfd still running after the open
 * proves to be the same process.  fd taken. */
static DWORD wv_xfer_adopt_process(const struct wv_xfer *x, int fd, HANDLE *h)
{
    *h = OpenProcess(x->access, FALSE, (DWORD)x->size);
    DWORD err = *h ? 0 : GetLastError();
    struct pollfd f = {.fd = fd, .events = POLLIN};
    if (!err && poll(&f, 1, 0) != 0) /* it ended meanwhile: the pid may be another's now */
        wv_handle_close(*h), *h = NULL, err = ERROR_INVALID_PARAMETER;
    close(fd);
    return err;
}

DWORD wv_xfer_adopt(const struct wv_xfer *x, int fd, HANDLE *out)
{
    DWORD err;
    HANDLE h = NULL;
    if (x->kind == WV_KIND_SECTION) {
        struct wv_section like = {.size = x->size, .data_offset = (off_t)x->offset, .protect = x->protect,
                                  .flags = x->flags, .file_backed = x->file_backed != 0};
        err = wv_section_adopt(fd, &like, x->access, &h);
    } else if (x->kind == WV_KIND_FILE) {
        err = wv_file_from_fd(fd, x->access, &h);
        close(fd);
        struct wv_file *f = err ? NULL : wv_file_of(h, NULL);
        if (f)
            f->pipe = x->flags != 0, wv_object_unref(&f->obj);
    } else if (x->kind == WV_KIND_EVENT || x->kind == WV_KIND_MUTEX || x->kind == WV_KIND_SEMAPHORE ||
               x->kind == WV_KIND_TIMER) {
        h = wv_sync_adopt((int)x->kind, fd, x->access);
        err = h ? 0 : GetLastError();
        close(fd);
    } else if (x->kind == WV_KIND_PROCESS) {
        err = wv_xfer_adopt_process(x, fd, &h);
    } else if (x->kind == WV_KIND_THREAD) {
        err = wv_rthread_adopt(x, fd, &h);
    } else {
        close(fd);
        err = ERROR_NOT_SUPPORTED;
    }
    DWORD flags = x->inherit ? 1 : 0;
    if (!err && (x->handle || flags))
        err = wv_handle_move(h, x->handle ? (HANDLE)(uintptr_t)x->handle : h, flags);
    if (err && h)
        wv_handle_close(h);
    if (!err)
        *out = x->handle ? (HANDLE)(uintptr_t)x->handle : h;
    return err;
}

/* ---- DuplicateHandle into another process ---- */

/* The process behind a DuplicateHandle process argument: NULL for this one (*err 0), else a
 * reference, or NULL with *err set (no process handle, no PROCESS_DUP_HANDLE). */
static struct wv_process *wv_dup_process(HANDLE ph, DWORD *err)
{
    DWORD access = 0;
    *err = 0;
    if (ph == WV_CURRENT_PROCESS)
        return NULL;
    struct wv_process *p = (struct wv_process *)wv_handle_get(ph, WV_KIND_PROCESS, &access);
    if (!p)
        *err = ERROR_INVALID_HANDLE;
    else if (!(access & PROCESS_DUP_HANDLE))
        *err = ERROR_ACCESS_DENIED;
    else if (p->pid != getpid())
        return p;
    if (p)
        wv_object_unref(&p->obj);
    return NULL;
}

static DWORD wv_dup_send(struct wv_process *p, HANDLE src, DWORD access, BOOL inherit, DWORD options, HANDLE *dst)
{
    bool pseudo = src == WV_CURRENT_PROCESS || src == WV_CURRENT_THREAD; /* this process, this thread */
    DWORD granted = src == WV_CURRENT_THREAD ? THREAD_ALL_ACCESS : PROCESS_ALL_ACCESS;
    struct wv_object *o = pseudo ? NULL : wv_handle_get(src, WV_KIND_ANY, &granted);
    if (!o && !pseudo)
        return ERROR_INVALID_HANDLE;
    if (o)
        wv_object_unref(o);
    struct wv_chan_req *rq = calloc(1, sizeof(*rq));
    struct wv_xfer x;
    int fd = -1;
    DWORD want = (options & DUPLICATE_SAME_ACCESS) ? granted : access & granted;
    DWORD err = rq ? wv_xfer_take(src, want, &x, &fd) : ERROR_NOT_ENOUGH_MEMORY;
    if (!err) {
        struct wv_chan_rep rp = {0};
        x.inherit = inherit != 0;
        rq->op = WV_CHAN_HANDLE, rq->len = sizeof(x);
        memcpy(rq->data, &x, sizeof(x));
        err = wv_chan_call_fd(p, rq, fd, &rp);
        *dst = (HANDLE)(uintptr_t)rp.addr;
        close(fd);
    }
    free(rq);
    if (!err && (options & DUPLICATE_CLOSE_SOURCE))
        wv_handle_close(src);
    return err;
}

static DWORD wv_dup_remote(HANDLE sp, HANDLE src, HANDLE dp, HANDLE *dst, DWORD access, BOOL inherit,
                           DWORD options)
{
    DWORD err_s, err_d;
    struct wv_process *s = wv_dup_process(sp, &err_s), *d = wv_dup_process(dp, &err_d);
    DWORD err = err_s ? err_s : err_d;
    if (!err && !s && !d)
        err = 0xFFFFFFFFu; /* both this process: the local call */
    else if (!err && (options & ~(DWORD)(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS)))
        err = ERROR_INVALID_PARAMETER;
    else if (!err && s) /* out of another process (handle_take.c) */
        err = wv_xfer_take_from(s, src, d, dst, access, inherit, options);
    else if (!err && !dst)
        err = ERROR_INVALID_PARAMETER;
    else if (!err)
        err = wv_dup_send(d, src, access, inherit, options, dst);
    if (s)
        wv_object_unref(&s->obj);
    if (d)
        wv_object_unref(&d->obj);
    return err;
}

void wv_xfer_init(void) { wv_ob_duplicate_remote = wv_dup_remote; }

/* ---- inheritance ---- */

size_t wv_xfer_inherit(struct wv_xfer *x, int *fds, size_t cap, int first_fd, char **env)
{
    HANDLE hs[64];
    size_t n = 0, k = wv_handle_inheritable(hs, cap < 64 ? cap : 64);
    size_t len = 32 + k * 160;
    char *e = malloc(len);
    if (!e)
        return 0;
    int at = snprintf(e, len, "WINVM_HANDLES=");
    for (size_t i = 0; i < k; i++) {
        DWORD access = 0;
        struct wv_object *o = wv_handle_get(hs[i], WV_KIND_ANY, &access);
        if (o)
            wv_object_unref(o);
        if (!o || wv_xfer_take(hs[i], access, &x[n], &fds[n]))
            continue; /* a kind that cannot go: the child does not get it */
        x[n].handle = (uintptr_t)hs[i], x[n].inherit = 1;
        at += snprintf(e + at, len - (size_t)at, "%d:%u:%llu:%u:%u:%u:%llu:%llu:%u;", first_fd + (int)n, x[n].kind,
                       (unsigned long long)x[n].handle, x[n].access, x[n].protect, x[n].flags,
                       (unsigned long long)x[n].size, (unsigned long long)x[n].offset, x[n].file_backed);
        n++;
    }
    *env = e;
    return n;
}

void wv_xfer_inherited(void)
{
    const char *v = getenv("WINVM_HANDLES");
    for (const char *p = v; p && *p;) {
        struct wv_xfer x = {.inherit = 1};
        unsigned long long handle, size, offset;
        int fd, used = 0;
        if (sscanf(p, "%d:%u:%llu:%u:%u:%u:%llu:%llu:%u;%n", &fd, &x.kind, &handle, &x.access, &x.protect, &x.flags,
                   &size, &offset, &x.file_backed, &used) != 9 || used == 0)
            break;
        x.handle = handle, x.size = size, x.offset = offset;
        p += used;
        HANDLE h;
        int own = fcntl(fd, F_DUPFD_CLOEXEC, 3); /* the exec'd number goes no further */
        close(fd);
        if (own >= 0)
            wv_xfer_adopt(&x, own, &h); /* a value in use already: that handle is not inherited */
    }
    unsetenv("WINVM_HANDLES");
}
