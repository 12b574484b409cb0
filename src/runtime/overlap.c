/* SPDX-License-Identifier: MIT */
/* overlap.c - overlapped I/O: ReadFile, WriteFile and ConnectNamedPipe with an OVERLAPPED, and
 * GetOverlappedResult(Ex), CancelIo(Ex).
 *
 * A request first makes one attempt on the caller's thread that never blocks (wv_io_try): a
 * file's read or write always completes there (at Offset/OffsetHigh), as does a pipe's when
 * data or room is there; Windows may complete a request at once too.  One that would block, on
 * a handle opened with FILE_FLAG_OVERLAPPED, is handed to a host thread of its own that waits
 * (poll) for the descriptor or for its cancellation and then completes it: the call returns
 * FALSE with ERROR_IO_PENDING, the OVERLAPPED's Internal reads STATUS_PENDING until then.
 * Completing writes InternalHigh (the bytes moved), then Internal (the NTSTATUS), then sets
 * the event, so whoever sees the event or a status other than STATUS_PENDING sees the count.
 * A handle opened without the flag runs the request to its end before returning (its
 * OVERLAPPED still gets the position, the status and the event), as Windows does.
 *
 * Pending requests are listed (wv_async_lock, a leaf) so that CancelIo/CancelIoEx find them
 * (each has an eventfd its thread polls) and GetOverlappedResult without an event can wait for
 * one to leave the list.
 */
#define _GNU_SOURCE
#include "runtime/io_int.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* ---- statuses ---- */

static const DWORD wv_io_map[][2] = {
    {0, 0},
    {ERROR_HANDLE_EOF, 0xC0000011},        {ERROR_OPERATION_ABORTED, 0xC0000120},
    {ERROR_BROKEN_PIPE, 0xC000014B},       {ERROR_MORE_DATA, 0x80000005},
    {ERROR_PIPE_LISTENING, 0xC00000B3},    {ERROR_PIPE_CONNECTED, 0xC00000B2},
    {ERROR_PIPE_NOT_CONNECTED, 0xC00000B0}, {ERROR_NO_DATA, 0xC00000B1},
    {ERROR_NOACCESS, 0xC0000005},          {ERROR_INVALID_FUNCTION, 0xC0000010},
    {ERROR_ACCESS_DENIED, 0xC0000022},     {ERROR_DISK_FULL, 0xC000007F},
    {ERROR_NOT_ENOUGH_MEMORY, 0xC0000017}, {ERROR_INVALID_HANDLE, 0xC0000008},
    {ERROR_PIPE_BUSY, 0xC00000AE},         {ERROR_IO_PENDING, STATUS_PENDING},
    {ERROR_SEM_TIMEOUT, 0xC00000B5},       {ERROR_INSUFFICIENT_BUFFER, 0xC0000023},
};
#define WV_IO_MAP_N (sizeof(wv_io_map) / sizeof(wv_io_map[0]))

DWORD wv_io_status(DWORD err)
{
    for (size_t i = 0; i < WV_IO_MAP_N; i++)
        if (wv_io_map[i][0] == err)
            return wv_io_map[i][1];
    return 0xC0000001; /* STATUS_UNSUCCESSFUL */
}

DWORD wv_io_error_of(DWORD status)
{
    for (size_t i = 0; i < WV_IO_MAP_N; i++)
        if (wv_io_map[i][1] == status)
            return wv_io_map[i][0];
    return ERROR_GEN_FAILURE;
}

/* ---- pending requests ---- */

struct wv_async {
    struct wv_async *next;
    struct wv_file *f;  /* a reference */
    OVERLAPPED *ov;     /* the caller's */
    HANDLE ev;
    DWORD tid;          /* the issuing thread (CancelIo) */
    int cancel;         /* eventfd: written to cancel */
    bool finished;      /* its result is being published: nothing left to cancel (lock) */
    struct wv_object *port; /* the completion port its packet goes to (a reference), or NULL */
    ULONG_PTR key;
    struct wv_object *apc;  /* ReadFileEx/WriteFileEx: the issuing thread (a reference) */
    void *routine;          /* and the completion routine queued to it */
    struct wv_io_req r;
};

static pthread_mutex_t wv_async_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wv_async_cond = PTHREAD_COND_INITIALIZER;
static struct wv_async *wv_pending;

/* Publishes a result: count, then status (the order the header explains). */
static void wv_io_publish(OVERLAPPED *ov, DWORD err, DWORD count)
{
    ULONG_PTR high = count, status = wv_io_status(err);
    wv_user_put(&ov->InternalHigh, &high, sizeof(high));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    wv_user_put(&ov->Internal, &status, sizeof(status));
}

/* The same, then the event. */
static void wv_io_finish(OVERLAPPED *ov, HANDLE ev, DWORD err, DWORD count)
{
    wv_io_publish(ov, err, count);
    if (ev)
        SetEvent(ev);
}

static bool wv_async_listed(const OVERLAPPED *ov)
{
    for (struct wv_async *a = wv_pending; a; a = a->next)
        if (a->ov == ov)
            return true;
    return false;
}

/* Completes a: marked finished (CancelIo passes it by: whoever sees its status must find
 * nothing to cancel), its file let go, the result, then off the list, then the event, so
 * whoever the event or the list wakes finds it done in every respect: a program that closes
 * its handles once GetOverlappedResult returns closes the last reference (a named pipe's
 * instance then ends there, and CreateNamedPipe of the name right after succeeds, as Wine's
 * kernel32 virtual.c test_write_watch does). */
static void wv_async_done(struct wv_async *a, DWORD err)
{
    pthread_mutex_lock(&wv_async_lock);
    a->finished = true; /* a caller who sees the status must not find it cancellable */
    pthread_mutex_unlock(&wv_async_lock);
    wv_object_unref(&a->f->obj); /* CancelIo compares a->f only with finished clear */
    wv_io_publish(a->ov, err, a->r.done);
    pthread_mutex_lock(&wv_async_lock);
    for (struct wv_async **p = &wv_pending; *p; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            break;
        }
    pthread_cond_broadcast(&wv_async_cond);
    pthread_mutex_unlock(&wv_async_lock);
    if (a->ev)
        SetEvent(a->ev);
    wv_iocp_io_done(a->port, a->key, a->ov, err, a->r.done, false, NULL);
    if (a->apc) {
        if (a->routine)
            wv_apc_queue_io(a->apc, a->routine, err, a->r.done, a->ov);
        wv_object_unref(a->apc);
    }
    close(a->cancel);
    free(a);
}

/* The request's own thread: waits for its descriptor (or its cancellation), then completes. */
static void *wv_async_run(void *arg)
{
    struct wv_async *a = arg;
    DWORD err;
    for (;;) {
        int fd = -1;
        short events = 0;
        if ((err = wv_io_try(a->f, &a->r, &fd, &events)) != WV_IO_AGAIN)
            break;
        struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = a->cancel, .events = POLLIN}};
        if (poll(p, 2, wv_io_wait_ms(&a->r)) < 0 && errno != EINTR) {
            err = ERROR_GEN_FAILURE;
            break;
        }
        if (p[1].revents) {
            err = ERROR_OPERATION_ABORTED;
            break;
        }
    }
    wv_async_done(a, err);
    return NULL;
}

/* Hands r to a thread of its own; f's reference goes with it, and apc's (a thread to queue
 * routine to at the end instead of an event and a port's packet).  0 or the error (f and apc
 * kept). */
static DWORD wv_async_start(struct wv_file *f, struct wv_io_req *r, OVERLAPPED *ov, HANDLE ev, struct wv_object *apc,
                            void *routine)
{
    struct wv_async *a = calloc(1, sizeof(*a));
    if (!a)
        return ERROR_NOT_ENOUGH_MEMORY;
    *a = (struct wv_async){.f = f, .ov = ov, .ev = ev, .tid = GetCurrentThreadId(), .r = *r};
    if (!apc)
        a->port = wv_iocp_port_of(f, ov, &a->key);
    a->r.first = false;
    a->apc = apc, a->routine = routine;
    if ((a->cancel = eventfd(0, EFD_CLOEXEC)) < 0)
        return free(a), ERROR_NOT_ENOUGH_MEMORY;
    pthread_mutex_lock(&wv_async_lock);
    a->next = wv_pending, wv_pending = a;
    pthread_mutex_unlock(&wv_async_lock);
    /* Only the signals that report its own faults reach it (wv_copy's, a watched page's). */
    sigset_t all, old;
    sigfillset(&all);
    for (int s = 0; s < 5; s++)
        sigdelset(&all, (int[]){SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP}[s]);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t at;
    pthread_t t;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, 256 << 10);
    int rc = pthread_create(&t, &at, wv_async_run, a);
    pthread_attr_destroy(&at);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0)
        return 0;
    wv_object_ref(&f->obj); /* wv_async_done drops the one it thinks it owns */
    a->apc = NULL;          /* failed at once: no routine, the caller keeps apc */
    wv_object_unref(a->port), a->port = NULL; /* failed at once: no packet */
    wv_async_done(a, ERROR_NOT_ENOUGH_MEMORY);
    return ERROR_NOT_ENOUGH_MEMORY;
}

/* ---- issuing ---- */

uint64_t wv_io_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* A request with a deadline wakes for it; its next attempt says what the time means. */
int wv_io_wait_ms(const struct wv_io_req *r)
{
    if (!r->deadline)
        return -1;
    uint64_t now = wv_io_now_ms();
    return now >= r->deadline ? 0 : r->deadline - now > INT_MAX ? INT_MAX : (int)(r->deadline - now);
}

/* Runs r to its end on this thread. */
static DWORD wv_io_sync(struct wv_file *f, struct wv_io_req *r)
{
    for (;;) {
        int fd = -1;
        short events = 0;
        DWORD err = wv_io_try(f, r, &fd, &events);
        r->first = false;
        if (err != WV_IO_AGAIN)
            return err;
        struct pollfd p = {.fd = fd, .events = events};
        if (poll(&p, 1, wv_io_wait_ms(r)) < 0 && errno != EINTR)
            return ERROR_GEN_FAILURE;
    }
}

static bool wv_seekable(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
}

static BOOL wv_io_end(struct wv_file *f, DWORD err, DWORD done, LPDWORD count)
{
    wv_object_unref(&f->obj);
    if (count && err != ERROR_IO_PENDING)
        wv_user_put(count, &done, sizeof(done));
    return err ? wv_fail(err) : (wv_set_error(ERROR_SUCCESS), TRUE);
}

BOOL wv_io_call(struct wv_file *f, HANDLE h, struct wv_io_req *r, LPDWORD count, LPOVERLAPPED ov)
{
    (void)h;
    r->off = -1, r->first = true;
    if (!ov) {
        DWORD err = wv_io_sync(f, r);
        return wv_io_end(f, err, r->done, count);
    }
    OVERLAPPED o;
    if (wv_copy(&o, ov, sizeof(o)))
        return wv_io_end(f, ERROR_NOACCESS, 0, NULL);
    HANDLE ev = (HANDLE)((uintptr_t)o.hEvent & ~(uintptr_t)1); /* bit 0: no completion port */
    bool seek = r->op != WV_IO_CONNECT && wv_seekable(f->fd);
    if (seek)
        r->off = (int64_t)((uint64_t)o.OffsetHigh << 32 | o.Offset);
    if (!(f->flags & FILE_FLAG_OVERLAPPED)) { /* synchronous: at the offset, the position moved */
        DWORD err = wv_io_sync(f, r);
        if (seek)
            lseek(f->fd, (off_t)(r->off + r->done), SEEK_SET);
        wv_io_finish(ov, ev, err, r->done);
        return wv_io_end(f, err, r->done, count);
    }
    ULONG_PTR pending = STATUS_PENDING, zero = 0;
    wv_user_put(&ov->Internal, &pending, sizeof(pending));
    wv_user_put(&ov->InternalHigh, &zero, sizeof(zero));
    if (ev)
        ResetEvent(ev);
    int fd;
    short events;
    DWORD err = wv_io_try(f, r, &fd, &events);
    if (err == WV_IO_AGAIN && (err = wv_async_start(f, r, ov, ev, NULL, NULL)) == 0)
        return wv_fail(ERROR_IO_PENDING); /* f's reference went with the request */
    wv_io_finish(ov, ev, err, r->done);
    ULONG_PTR key = 0;
    struct wv_object *port = wv_iocp_port_of(f, ov, &key);
    wv_iocp_io_done(port, key, ov, err, r->done, true, f);
    return wv_io_end(f, err, r->done, count);
}

/* ReadFileEx/WriteFileEx: as an overlapped request, but hEvent is the program's (neither reset
 * nor set) and no completion port hears of it; the routine is queued to this thread when the
 * request ends, at once or later.  A request that fails at once fails the call and queues
 * nothing (Wine's kernel32 file.c test_async_file_errors: a read at the end of the file). */
BOOL wv_io_call_ex(struct wv_file *f, struct wv_io_req *r, LPOVERLAPPED ov, void *routine)
{
    if (!(f->flags & FILE_FLAG_OVERLAPPED))
        return wv_io_end(f, ERROR_INVALID_PARAMETER, 0, NULL);
    OVERLAPPED o;
    if (wv_copy(&o, ov, sizeof(o)))
        return wv_io_end(f, ERROR_NOACCESS, 0, NULL);
    struct wv_object *t = wv_apc_io_thread();
    if (!t)
        return wv_io_end(f, ERROR_NOT_ENOUGH_MEMORY, 0, NULL);
    r->off = -1, r->first = true;
    if (r->op != WV_IO_CONNECT && wv_seekable(f->fd))
        r->off = (int64_t)((uint64_t)o.OffsetHigh << 32 | o.Offset);
    ULONG_PTR pending = STATUS_PENDING, zero = 0;
    wv_user_put(&ov->Internal, &pending, sizeof(pending));
    wv_user_put(&ov->InternalHigh, &zero, sizeof(zero));
    int fd;
    short events;
    DWORD err = wv_io_try(f, r, &fd, &events);
    if (err == WV_IO_AGAIN && (err = wv_async_start(f, r, ov, NULL, t, routine)) == 0) {
        wv_set_error(ERROR_SUCCESS); /* f's and t's references went with the request */
        return TRUE;
    }
    wv_io_publish(ov, err, r->done);
    if (!err && routine && !wv_apc_queue_io(t, routine, 0, r->done, ov))
        err = ERROR_NOT_ENOUGH_MEMORY;
    wv_object_unref(t);
    return wv_io_end(f, err, r->done, NULL);
}

/* ---- results and cancellation ---- */

/* Waits up to ms for ov's request to leave the list (no event to wait on): false on timeout. */
static bool wv_async_wait(const OVERLAPPED *ov, DWORD ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ms / 1000, dl.tv_nsec += (long)(ms % 1000) * 1000000;
    if (dl.tv_nsec >= 1000000000)
        dl.tv_sec++, dl.tv_nsec -= 1000000000;
    bool ok = true;
    pthread_mutex_lock(&wv_async_lock);
    while (ok && wv_async_listed(ov))
        ok = ms == INFINITE ? !pthread_cond_wait(&wv_async_cond, &wv_async_lock)
                            : pthread_cond_timedwait(&wv_async_cond, &wv_async_lock, &dl) == 0;
    pthread_mutex_unlock(&wv_async_lock);
    return ok || !wv_async_listed(ov);
}

/* Whether ov's request is still in progress here, whatever its Internal says: a program may
 * overwrite Internal while its request is pending (Wine's kernel32 virtual.c does), and on
 * Windows the completion, which comes within the writer's call on a local pipe, rewrites it.
 * Here it comes from the request's thread a moment later, so the list decides. */
static bool wv_async_pending(const OVERLAPPED *ov)
{
    pthread_mutex_lock(&wv_async_lock);
    bool pending = wv_async_listed(ov); /* listed until its result is published */
    pthread_mutex_unlock(&wv_async_lock);
    return pending;
}

BOOL WINAPI GetOverlappedResultEx(HANDLE h, LPOVERLAPPED ov, LPDWORD count, DWORD ms, BOOL alertable)
{
    (void)h;
    OVERLAPPED o;
    if (wv_copy(&o, ov, sizeof(o)))
        return wv_fail(ERROR_NOACCESS);
    if ((DWORD)o.Internal == STATUS_PENDING || wv_async_pending(ov)) {
        if (ms == 0)
            return wv_fail(ERROR_IO_INCOMPLETE);
        HANDLE ev = (HANDLE)((uintptr_t)o.hEvent & ~(uintptr_t)1);
        DWORD w = ev ? WaitForSingleObjectEx(ev, ms, alertable) : wv_async_wait(ov, ms) ? 0 : WAIT_TIMEOUT;
        if (w == WAIT_FAILED)
            return FALSE;
        if (w == WAIT_TIMEOUT || w == WAIT_IO_COMPLETION)
            return wv_fail(w);
        if (wv_copy(&o, ov, sizeof(o)))
            return wv_fail(ERROR_NOACCESS);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if ((DWORD)o.Internal == STATUS_PENDING)
            return wv_fail(ERROR_IO_INCOMPLETE); /* the event was set by someone else */
    }
    DWORD n = (DWORD)o.InternalHigh, err = wv_io_error_of((DWORD)o.Internal);
    if (count && wv_user_put(count, &n, sizeof(n)))
        return wv_fail(ERROR_NOACCESS);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI GetOverlappedResult(HANDLE h, LPOVERLAPPED ov, LPDWORD count, BOOL wait)
{
    return GetOverlappedResultEx(h, ov, count, wait ? INFINITE : 0, FALSE);
}

/* Cancels f's pending requests: every one (ov NULL, any thread), ov's, or this thread's. */
static BOOL wv_cancel(HANDLE h, const OVERLAPPED *ov, bool mine)
{
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f)
        return wv_fail(ERROR_INVALID_HANDLE);
    DWORD me = GetCurrentThreadId(), found = 0;
    uint64_t one = 1;
    pthread_mutex_lock(&wv_async_lock);
    for (struct wv_async *a = wv_pending; a; a = a->next)
        if (a->f == f && !a->finished && (!ov || a->ov == ov) && (!mine || a->tid == me))
            found += write(a->cancel, &one, sizeof(one)) == sizeof(one);
    pthread_mutex_unlock(&wv_async_lock);
    wv_object_unref(&f->obj);
    return found || mine ? TRUE : wv_fail(ERROR_NOT_FOUND);
}

BOOL WINAPI CancelIo(HANDLE h) { return wv_cancel(h, NULL, true); }
BOOL WINAPI CancelIoEx(HANDLE h, LPOVERLAPPED ov) { return wv_cancel(h, ov, false); }
