/* SPDX-License-Identifier: MIT */
/* kernel32.c - the rest of kernel32 a PE image commonly needs: standard handles, ReadFile and
 * WriteFile, ExitProcess, Sleep, clocks, thread-local storage, the process heap.  (PE code
 * reaches these and every other export through the ms_abi thunks of k32_exports.c.)
 *
 * Windows' choices kept here: TlsGetValue sets ERROR_SUCCESS when it succeeds (callers tell a
 * stored NULL from a failure by it); 1088 TLS indexes (64 + 1024 expansion slots);
 * QueryPerformanceFrequency is 10 MHz; synchronous ReadFile/WriteFile block even on a
 * descriptor opened O_NONBLOCK, and a write never raises SIGPIPE.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/io_int.h"
#include "runtime/k32_ext.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- standard handles ----
 * A standard handle's file object names the descriptor 0, 1 or 2 itself, not a duplicate:
 * a dup2 onto stdout redirects it as SetStdHandle would, and closing the handle never closes
 * the process's stdout.  The objects are static and hold one reference of their own, so they
 * are never destroyed; the handle is made on first use and again after a CloseHandle.
 * SetStdHandle replaces what GetStdHandle answers with any value, as Windows keeps it in the
 * process parameters unchecked; a child started without STARTF_USESTDHANDLES gets the
 * replacement's descriptor (wv_std_replacement, process_create.c), as Windows hands a console
 * child its parent's standard handles. */

static void wv_std_destroy(struct wv_object *o) { (void)o; }

#define WV_STD_FILE(n)                                                                      \
    {.obj = {.kind = WV_KIND_FILE, .refs = 1, .destroy = wv_std_destroy}, .fd = (n),        \
     .access = GENERIC_READ | GENERIC_WRITE}

static struct wv_file wv_std_files[3] = {WV_STD_FILE(0), WV_STD_FILE(1), WV_STD_FILE(2)};
static HANDLE wv_std_handles[3];   /* wv_std_lock: the handle made for each file */
static HANDLE wv_std_replaced[3];  /* wv_std_lock: SetStdHandle's value, when is_replaced */
static bool wv_std_is_replaced[3]; /* wv_std_lock */
static pthread_mutex_t wv_std_lock = PTHREAD_MUTEX_INITIALIZER;

bool wv_std_replacement(unsigned i, HANDLE *h)
{
    pthread_mutex_lock(&wv_std_lock);
    bool r = i < 3 && wv_std_is_replaced[i];
    if (r)
        *h = wv_std_replaced[i];
    pthread_mutex_unlock(&wv_std_lock);
    return r;
}

BOOL WINAPI SetStdHandle(DWORD which, HANDLE h)
{
    DWORD i = STD_INPUT_HANDLE - which;
    if (i > 2)
        return wv_fail(ERROR_INVALID_HANDLE);
    pthread_mutex_lock(&wv_std_lock);
    wv_std_replaced[i] = h, wv_std_is_replaced[i] = true;
    wv_peb_set_std(i, h);
    pthread_mutex_unlock(&wv_std_lock);
    return TRUE;
}

HANDLE WINAPI GetStdHandle(DWORD which)
{
    DWORD fd = STD_INPUT_HANDLE - which; /* -10, -11, -12 -> 0, 1, 2 */
    if (fd > 2) {
        wv_set_error(ERROR_INVALID_HANDLE);
        return INVALID_HANDLE_VALUE;
    }
    struct wv_object *mine = &wv_std_files[fd].obj;
    pthread_mutex_lock(&wv_std_lock);
    if (wv_std_is_replaced[fd]) {
        HANDLE set = wv_std_replaced[fd];
        pthread_mutex_unlock(&wv_std_lock);
        return set;
    }
    /* A process whose descriptor is closed has no such handle: NULL, as for a Windows
     * process without a console (no last error). */
    if (fcntl((int)fd, F_GETFD) < 0) {
        pthread_mutex_unlock(&wv_std_lock);
        return NULL;
    }
    HANDLE h = wv_std_handles[fd];
    struct wv_object *o = h ? wv_handle_get(h, WV_KIND_FILE, NULL) : NULL;
    if (o != mine) /* never made, or closed (its slot may hold another object by now) */
        h = wv_std_handles[fd] = wv_handle_new(mine, wv_std_files[fd].access);
    pthread_mutex_unlock(&wv_std_lock);
    wv_object_unref(o);
    if (!h) {
        wv_set_error(ERROR_TOO_MANY_OPEN_FILES); /* the handle table is full */
        return INVALID_HANDLE_VALUE;
    }
    return h;
}

/* ---- ReadFile and WriteFile ---- */

#define FILE_READ_DATA 0x0001
#define FILE_WRITE_DATA 0x0002
#define FILE_APPEND_DATA 0x0004
#define WV_READ_RIGHTS (GENERIC_READ | GENERIC_ALL | FILE_READ_DATA)
#define WV_WRITE_RIGHTS (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA | FILE_APPEND_DATA)

/* The file behind h if the handle grants one of rights, with a reference; NULL and the last
 * error otherwise. */
static struct wv_file *wv_io_file(HANDLE h, DWORD rights)
{
    DWORD access = 0;
    struct wv_file *f = (struct wv_file *)wv_handle_get(h, WV_KIND_FILE, &access);
    DWORD err = !f ? ERROR_INVALID_HANDLE : !(access & rights) ? ERROR_ACCESS_DENIED : 0;
    if (!err)
        return f;
    wv_object_unref(f ? &f->obj : NULL);
    wv_set_error(err);
    return NULL;
}

/* A failed read's or write's errno as a Win32 error: the table's (base/error.c), but for the
 * two errno values whose meaning on a descriptor the table cannot know. */
static DWORD wv_io_error(int fd, int err)
{
    if (err == EBADF) /* open for the other direction only, or closed behind our back (stdio) */
        return fcntl(fd, F_GETFD) < 0 ? ERROR_INVALID_HANDLE : ERROR_ACCESS_DENIED;
    if (err == EISDIR) /* ReadFile on a directory; opening one is another error */
        return ERROR_INVALID_FUNCTION;
    return wv_errno_to_error(err);
}

/* After a failed read or write: true when the call should be tried again.  EINTR is retried;
 * EAGAIN (an O_NONBLOCK descriptor) waits until the descriptor is ready, since a Windows
 * handle opened without FILE_FLAG_OVERLAPPED blocks.  errno is kept when false. */
static bool wv_io_retry(int fd, short events)
{
    if (errno == EINTR)
        return true;
    if (errno != EAGAIN)
        return false;
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, -1) >= 0 || errno == EINTR;
}

/* Writing to a pipe nobody reads raises SIGPIPE, which kills a Linux process; Windows only
 * fails the call.  So writes run with SIGPIPE blocked on this thread, and a SIGPIPE they
 * raised is taken back before the mask returns (one that was already pending is left). */
struct wv_nopipe {
    sigset_t pipe, old;
    bool was_pending;
};

static void wv_nopipe_begin(struct wv_nopipe *s)
{
    sigset_t pending;
    sigemptyset(&s->pipe);
    sigaddset(&s->pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s->pipe, &s->old);
    s->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
}

static void wv_nopipe_end(struct wv_nopipe *s, bool raised)
{
    if (raised && !s->was_pending) {
        struct timespec now = {0, 0};
        while (sigtimedwait(&s->pipe, NULL, &now) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &s->old, NULL);
}

/* Writes all n bytes (write may take fewer); the errno that stopped it, or 0. */
static int wv_write_all(int fd, const char *buf, DWORD n, DWORD *done)
{
    while (*done < n) {
        ssize_t r = write(fd, buf + *done, n - *done);
        if (r > 0)
            *done += (DWORD)r;
        else if (r == 0)
            return ENOSPC; /* no progress and no error: never loop forever */
        else if (!wv_io_retry(fd, POLLOUT))
            return errno;
    }
    return 0;
}

BOOL WINAPI WriteFile(HANDLE h, LPCVOID buf, DWORD n, LPDWORD written, LPOVERLAPPED ov)
{
    if (written)
        *written = 0;
    struct wv_file *f = wv_io_file(h, WV_WRITE_RIGHTS);
    if (!f)
        return FALSE;
    if (ov || wv_npipe_of(f) || wv_mslot_of(f)) /* overlapped, named pipes, mailslots: overlap.c */
        return wv_io_call(f, h, &(struct wv_io_req){.op = WV_IO_WRITE, .buf = (void *)buf, .n = n}, written, ov);
    struct wv_nopipe np;
    DWORD done = 0;
    wv_nopipe_begin(&np);
    int err = wv_write_all(f->fd, buf, n, &done);
    wv_nopipe_end(&np, err == EPIPE);
    DWORD code = err ? wv_io_error(f->fd, err) : 0;
    wv_object_unref(&f->obj);
    if (written)
        *written = done; /* what reached the file, even when the call fails */
    return code ? wv_fail(code) : TRUE;
}

/* A console is a terminal or whatever stdout is here: WriteConsole writes as WriteFile does,
 * counting characters; the W form converts UTF-16 to UTF-8 first. */
BOOL WINAPI WriteConsoleA(HANDLE h, const void *buf, DWORD n, LPDWORD written, LPVOID reserved)
{
    (void)reserved;
    return WriteFile(h, buf, n, written, NULL);
}

BOOL WINAPI WriteConsoleW(HANDLE h, const void *buf, DWORD n, LPDWORD written, LPVOID reserved)
{
    (void)reserved;
    WCHAR *w = malloc(((size_t)n + 1) * sizeof(WCHAR));
    if (!w)
        return wv_fail(ERROR_NOT_ENOUGH_MEMORY);
    memcpy(w, buf, (size_t)n * sizeof(WCHAR));
    w[n] = 0;
    char *u;
    DWORD err = wv_utf8(w, &u);
    free(w);
    if (err)
        return wv_fail(err);
    DWORD bytes = 0;
    BOOL ok = WriteFile(h, u, (DWORD)strlen(u), &bytes, NULL);
    free(u);
    if (written)
        *written = ok ? n : 0;
    return ok;
}

/* One read, as Windows' ReadFile: all of a regular file up to its end, what a pipe holds. */
BOOL WINAPI ReadFile(HANDLE h, LPVOID buf, DWORD n, LPDWORD nread, LPOVERLAPPED ov)
{
    if (nread)
        *nread = 0;
    struct wv_file *f = wv_io_file(h, WV_READ_RIGHTS);
    if (!f)
        return FALSE;
    wv_watch_probe_write((uintptr_t)buf, n); /* Windows locks the buffer for write first */
    if (ov || wv_npipe_of(f) || wv_mslot_of(f)) /* overlapped, named pipes, mailslots: overlap.c */
        return wv_io_call(f, h, &(struct wv_io_req){.op = WV_IO_READ, .buf = buf, .n = n}, nread, ov);
    ssize_t r;
    do
        r = wv_uio_read(f->fd, buf, n, -1, false, 0); /* a watched or bad buffer: uio.c */
    while (r < 0 && wv_io_retry(f->fd, POLLIN));
    /* End of file, and a pipe whose writers are gone, are success with 0 bytes, except on
     * CreatePipe's pipes, whose end is ERROR_BROKEN_PIPE as on Windows.  (An inherited pipe
     * (stdin) stays success: C runtimes treat both as end of file, and on Linux a pipe's end
     * looks like any other.) */
    DWORD code = r < 0 ? wv_io_error(f->fd, errno) : 0;
    if (r == 0 && n > 0 && f->pipe)
        code = ERROR_BROKEN_PIPE; /* CreatePipe's pipe: as Windows */
    wv_object_unref(&f->obj);
    if (code)
        return wv_fail(code);
    if (nread)
        *nread = (DWORD)r;
    return TRUE;
}

/* ReadFileEx and WriteFileEx (overlap.c): PE code's completion routine, queued to the calling
 * thread as a user APC. */
BOOL WV_MSABI wv_k32_ReadFileEx(HANDLE h, LPVOID buf, DWORD n, LPOVERLAPPED ov, void *routine)
{
    struct wv_file *f = wv_io_file(h, WV_READ_RIGHTS);
    if (!f)
        return FALSE;
    wv_watch_probe_write((uintptr_t)buf, n);
    return wv_io_call_ex(f, &(struct wv_io_req){.op = WV_IO_READ, .buf = buf, .n = n}, ov, routine);
}

BOOL WV_MSABI wv_k32_WriteFileEx(HANDLE h, LPCVOID buf, DWORD n, LPOVERLAPPED ov, void *routine)
{
    struct wv_file *f = wv_io_file(h, WV_WRITE_RIGHTS);
    if (!f)
        return FALSE;
    return wv_io_call_ex(f, &(struct wv_io_req){.op = WV_IO_WRITE, .buf = (void *)buf, .n = n}, ov, routine);
}

/* ---- process, threads and time ---- */

static uint64_t wv_monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Not alertable: a signal handler that interrupts the sleep does not shorten it. */
void WINAPI Sleep(DWORD ms)
{
    if (ms == 0) { /* give up the rest of the time slice, as Windows does */
        sched_yield();
        return;
    }
    if (ms == INFINITE)
        for (;;) {
            pause();
            wv_thread_kill_point(); /* TerminateThread's reaper interrupts it */
        }
    uint64_t end = wv_monotonic_ns() + (uint64_t)ms * 1000000u;
    struct timespec t = {(time_t)(end / 1000000000u), (long)(end % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
        wv_thread_kill_point();
}

DWORD WINAPI GetCurrentThreadId(void) { return wv_tid(); }
HANDLE WINAPI GetCurrentThread(void) { return (HANDLE)(intptr_t)-2; }

/* 100 ns ticks at 10 MHz, the frequency Windows 10 and later report. */
BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *freq)
{
    if (!freq)
        return wv_fail(ERROR_NOACCESS);
    freq->QuadPart = 10000000;
    return TRUE;
}

BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *count)
{
    if (!count)
        return wv_fail(ERROR_NOACCESS);
    count->QuadPart = (LONGLONG)(wv_monotonic_ns() / 100u);
    return TRUE;
}

/* ---- thread-local storage ----
 * Each thread's slots live in a block allocated on its first TlsSetValue of a non-NULL value
 * (until then every slot reads NULL).  Blocks are linked in a list so TlsFree can clear the
 * index in every thread, as Windows does; a key destructor unlinks a block when its thread
 * ends.  Slots are read and written with atomics because TlsFree writes other threads'. */

#define WV_TLS_SLOTS 1088 /* TLS_MINIMUM_AVAILABLE (64) + TLS_EXPANSION_SLOTS (1024) */

struct wv_tls_block {
    struct wv_tls_block *next, *prev;
    void *slot[WV_TLS_SLOTS];
};

static bool wv_tls_used[WV_TLS_SLOTS];
static struct wv_tls_block *wv_tls_blocks;
static pthread_mutex_t wv_tls_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t wv_tls_key;
static bool wv_tls_key_ok;
static pthread_once_t wv_tls_once = PTHREAD_ONCE_INIT;
static __thread struct wv_tls_block *wv_tls_mine;

static void wv_tls_unlink(struct wv_tls_block *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        wv_tls_blocks = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

static void wv_tls_thread_exit(void *p)
{
    pthread_mutex_lock(&wv_tls_lock);
    wv_tls_unlink(p);
    pthread_mutex_unlock(&wv_tls_lock);
    free(p);
    wv_tls_mine = NULL; /* a later destructor's TlsSetValue starts a new block */
}

/* fork() copies only the forking thread: the child drops the other threads' blocks and
 * starts with the lock free (it was held across the fork, so the list is consistent). */
static void wv_tls_fork_prepare(void) { pthread_mutex_lock(&wv_tls_lock); }
static void wv_tls_fork_parent(void) { pthread_mutex_unlock(&wv_tls_lock); }
static void wv_tls_fork_child(void)
{
    struct wv_tls_block *b = wv_tls_blocks, *next;
    for (; b; b = next) {
        next = b->next;
        if (b != wv_tls_mine)
            free(b);
    }
    wv_tls_blocks = wv_tls_mine;
    if (wv_tls_mine)
        wv_tls_mine->next = wv_tls_mine->prev = NULL;
    pthread_mutex_unlock(&wv_tls_lock);
}

/* Once, before the lock's first use; not a constructor, since another library's (or a static
 * program's) constructor may be the first to use TLS. */
static void wv_tls_init_once(void)
{
    wv_tls_key_ok = pthread_key_create(&wv_tls_key, wv_tls_thread_exit) == 0;
    pthread_atfork(wv_tls_fork_prepare, wv_tls_fork_parent, wv_tls_fork_child);
}

static void wv_tls_lock_acquire(void)
{
    pthread_once(&wv_tls_once, wv_tls_init_once);
    pthread_mutex_lock(&wv_tls_lock);
}

/* This thread's block, made and registered now; NULL when out of memory. */
static struct wv_tls_block *wv_tls_attach(void)
{
    pthread_once(&wv_tls_once, wv_tls_init_once);
    struct wv_tls_block *b = calloc(1, sizeof(*b));
    if (!b || !wv_tls_key_ok || pthread_setspecific(wv_tls_key, b) != 0) {
        free(b);
        return NULL;
    }
    wv_tls_lock_acquire();
    b->next = wv_tls_blocks;
    if (b->next)
        b->next->prev = b;
    wv_tls_blocks = b;
    pthread_mutex_unlock(&wv_tls_lock);
    return wv_tls_mine = b;
}

void wv_tls_reserve_first(void)
{
    wv_tls_lock_acquire();
    wv_tls_used[0] = true;
    pthread_mutex_unlock(&wv_tls_lock);
}

DWORD WINAPI TlsAlloc(void)
{
    wv_tls_lock_acquire();
    DWORD i = 0;
    while (i < WV_TLS_SLOTS && wv_tls_used[i])
        i++; /* the lowest free index, as Windows hands them out */
    if (i < WV_TLS_SLOTS)
        wv_tls_used[i] = true;
    pthread_mutex_unlock(&wv_tls_lock);
    if (i == WV_TLS_SLOTS) {
        wv_set_error(ERROR_NO_MORE_ITEMS);
        return TLS_OUT_OF_INDEXES;
    }
    return i;
}

BOOL WINAPI TlsFree(DWORD i)
{
    wv_tls_lock_acquire();
    bool ok = i < WV_TLS_SLOTS && wv_tls_used[i];
    if (ok) {
        wv_tls_used[i] = false;
        for (struct wv_tls_block *b = wv_tls_blocks; b; b = b->next)
            __atomic_store_n(&b->slot[i], NULL, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&wv_tls_lock);
    return ok ? TRUE : wv_fail(ERROR_INVALID_PARAMETER);
}

/* Get and Set check only the range, not that the index is allocated: neither does Windows. */
LPVOID WINAPI TlsGetValue(DWORD i)
{
    if (i >= WV_TLS_SLOTS) {
        wv_set_error(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    struct wv_tls_block *b = wv_tls_mine;
    wv_set_error(ERROR_SUCCESS);
    return b ? __atomic_load_n(&b->slot[i], __ATOMIC_RELAXED) : NULL;
}

BOOL WINAPI TlsSetValue(DWORD i, LPVOID v)
{
    if (i >= WV_TLS_SLOTS)
        return wv_fail(ERROR_INVALID_PARAMETER);
    struct wv_tls_block *b = wv_tls_mine;
    if (!b && !v)
        return TRUE; /* every slot of a thread without a block is already NULL */
    if (!b && !(b = wv_tls_attach()))
        return wv_fail(ERROR_NOT_ENOUGH_MEMORY);
    __atomic_store_n(&b->slot[i], v, __ATOMIC_RELAXED);
    return TRUE;
}

/* ---- the process heap ----
 * Each block starts with its requested size: HeapSize reports exactly that, and a growing
 * HEAP_ZERO_MEMORY HeapReAlloc zeroes exactly the new part.  Failures return NULL without
 * setting the last error, as RtlAllocateHeap does. */

struct __attribute__((aligned(16))) wv_heap_head {
    SIZE_T size;
};

static char wv_process_heap; /* only its address is used: a unique, stable handle */

HANDLE WINAPI GetProcessHeap(void) { return &wv_process_heap; }

static struct wv_heap_head *wv_heap_head_of(LPCVOID p) { return (struct wv_heap_head *)p - 1; }

LPVOID WINAPI HeapAlloc(HANDLE heap, DWORD flags, SIZE_T n)
{
    if (heap != &wv_process_heap)
        return wv_pheap_alloc(heap, flags, n); /* a private heap (k32_heap.c) */
    if (n > SIZE_MAX - sizeof(struct wv_heap_head))
        return NULL;
    size_t total = sizeof(struct wv_heap_head) + n;
    struct wv_heap_head *b = (flags & HEAP_ZERO_MEMORY) ? calloc(1, total) : malloc(total);
    if (!b)
        return NULL;
    b->size = n;
    return b + 1;
}

BOOL WINAPI HeapFree(HANDLE heap, DWORD flags, LPVOID p)
{
    if (heap != &wv_process_heap)
        return wv_pheap_free(heap, flags, p);
    if (p)
        free(wv_heap_head_of(p));
    return TRUE;
}

LPVOID WINAPI HeapReAlloc(HANDLE heap, DWORD flags, LPVOID p, SIZE_T n)
{
    if (heap != &wv_process_heap)
        return wv_pheap_realloc(heap, flags, p, n);
    if (!p || n > SIZE_MAX - sizeof(struct wv_heap_head))
        return NULL;
    struct wv_heap_head *b = wv_heap_head_of(p);
    SIZE_T old = b->size;
    if (flags & HEAP_REALLOC_IN_PLACE_ONLY) {
        if (n > old)
            return NULL; /* growing may move the block: refuse rather than guess */
        b->size = n;
        return p;
    }
    b = realloc(b, sizeof(*b) + n);
    if (!b)
        return NULL;
    b->size = n;
    if ((flags & HEAP_ZERO_MEMORY) && n > old)
        memset((char *)(b + 1) + old, 0, n - old);
    return b + 1;
}

SIZE_T WINAPI HeapSize(HANDLE heap, DWORD flags, LPCVOID p)
{
    if (heap != &wv_process_heap)
        return wv_pheap_size(heap, flags, p);
    (void)flags;
    return p ? wv_heap_head_of(p)->size : (SIZE_T)-1;
}
