/* kernel32.c - the rest of kernel32 a PE image commonly needs: standard handles, ReadFile and
 * WriteFile, ExitProcess, Sleep, clocks, thread-local storage, the process heap; and the
 * table of ms_abi thunks through which PE code calls every kernel32 export winvm provides.
 *
 * Windows' choices kept here: TlsGetValue sets ERROR_SUCCESS when it succeeds (callers tell a
 * stored NULL from a failure by it); 1088 TLS indexes (64 + 1024 expansion slots);
 * QueryPerformanceFrequency is 10 MHz; synchronous ReadFile/WriteFile block even on a
 * descriptor opened O_NONBLOCK, and a write never raises SIGPIPE.
 */
#define _GNU_SOURCE
#include "kernel32.h"
#include "image.h"

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
 * are never destroyed; the handle is made on first use and again after a CloseHandle. */

static void wv_std_destroy(struct wv_object *o) { (void)o; }

#define WV_STD_FILE(n)                                                                      \
    {.obj = {.kind = WV_KIND_FILE, .refs = 1, .destroy = wv_std_destroy}, .fd = (n),        \
     .access = GENERIC_READ | GENERIC_WRITE}

static struct wv_file wv_std_files[3] = {WV_STD_FILE(0), WV_STD_FILE(1), WV_STD_FILE(2)};
static HANDLE wv_std_handles[3];
static pthread_mutex_t wv_std_lock = PTHREAD_MUTEX_INITIALIZER;

HANDLE WINAPI GetStdHandle(DWORD which)
{
    DWORD fd = STD_INPUT_HANDLE - which; /* -10, -11, -12 -> 0, 1, 2 */
    if (fd > 2) {
        wv_set_error(ERROR_INVALID_HANDLE);
        return INVALID_HANDLE_VALUE;
    }
    /* A process whose descriptor is closed has no such handle: NULL, as for a Windows
     * process without a console (no last error). */
    if (fcntl((int)fd, F_GETFD) < 0)
        return NULL;
    struct wv_object *mine = &wv_std_files[fd].obj;
    pthread_mutex_lock(&wv_std_lock);
    HANDLE h = wv_std_handles[fd];
    struct wv_object *o = h ? wv_handle_get(h, WV_KIND_FILE, NULL) : NULL;
    if (o != mine) /* never made, or closed (its slot may hold another object by now) */
        h = wv_std_handles[fd] = wv_handle_new(mine, wv_std_files[fd].access);
    pthread_mutex_unlock(&wv_std_lock);
    wv_object_unref(o);
    return h ? h : INVALID_HANDLE_VALUE; /* a full handle table has set the error */
}

/* ---- ReadFile and WriteFile ---- */

#define FILE_READ_DATA 0x0001
#define FILE_WRITE_DATA 0x0002
#define FILE_APPEND_DATA 0x0004
#define WV_READ_RIGHTS (GENERIC_READ | GENERIC_ALL | FILE_READ_DATA)
#define WV_WRITE_RIGHTS (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA | FILE_APPEND_DATA)

/* The file behind h if the handle grants one of rights, with a reference; NULL and the last
 * error otherwise.  Asynchronous I/O is not supported: any OVERLAPPED is refused. */
static struct wv_file *wv_io_file(HANDLE h, DWORD rights, LPOVERLAPPED ov)
{
    DWORD access = 0;
    struct wv_file *f = (struct wv_file *)wv_handle_get(h, WV_KIND_FILE, &access);
    DWORD err = !f ? ERROR_INVALID_HANDLE
                   : ov ? ERROR_INVALID_PARAMETER : !(access & rights) ? ERROR_ACCESS_DENIED : 0;
    if (!err)
        return f;
    wv_object_unref(f ? &f->obj : NULL);
    wv_set_error(err);
    return NULL;
}

static DWORD wv_io_error(int fd, int err)
{
    switch (err) {
    case EBADF: /* open for the other direction only, or closed behind our back (stdio) */
        return fcntl(fd, F_GETFD) < 0 ? ERROR_INVALID_HANDLE : ERROR_ACCESS_DENIED;
    case EFAULT: return ERROR_NOACCESS;
    case EPIPE: return ERROR_NO_DATA; /* "The pipe is being closed." */
    case ENOSPC: case EDQUOT: case EFBIG: return ERROR_DISK_FULL;
    case EISDIR: return ERROR_INVALID_FUNCTION;
    default: return wv_errno_to_error(err);
    }
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
    struct wv_file *f = wv_io_file(h, WV_WRITE_RIGHTS, ov);
    if (!f)
        return FALSE;
    struct wv_nopipe np;
    DWORD done = 0;
    wv_nopipe_begin(&np);
    int err = wv_write_all(f->fd, buf, n, &done);
    wv_nopipe_end(&np, err == EPIPE);
    DWORD code = err ? wv_io_error(f->fd, err) : 0;
    wv_object_unref(&f->obj);
    if (written)
        *written = done; /* what reached the file, even when the call fails */
    if (code)
        wv_set_error(code);
    return !code;
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
    if (!w) {
        wv_set_error(ERROR_NOT_ENOUGH_MEMORY);
        return FALSE;
    }
    memcpy(w, buf, (size_t)n * sizeof(WCHAR));
    w[n] = 0;
    char *u = wv_utf8(w);
    free(w);
    if (!u)
        return FALSE;
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
    struct wv_file *f = wv_io_file(h, WV_READ_RIGHTS, ov);
    if (!f)
        return FALSE;
    ssize_t r;
    do
        r = read(f->fd, buf, n);
    while (r < 0 && wv_io_retry(f->fd, POLLIN));
    /* End of file, and a pipe whose writers are gone, are success with 0 bytes.  (Windows
     * fails an anonymous pipe's read with ERROR_BROKEN_PIPE there; C runtimes treat both
     * as end of file, and on Linux a pipe's end looks like any other.) */
    DWORD code = r < 0 ? wv_io_error(f->fd, errno) : 0;
    wv_object_unref(&f->obj);
    if (code) {
        wv_set_error(code);
        return FALSE;
    }
    if (nread)
        *nread = (DWORD)r;
    return TRUE;
}

/* ---- process, threads and time ---- */

/* exit(), not _exit(): Windows' ExitProcess detaches every DLL, and the C runtime's detach is
 * what runs its atexit functions and flushes its streams.  exit() is that on Linux: atexit
 * functions and destructors run and buffered stdio reaches its file.  A Linux parent sees
 * only the low 8 bits of the code. */
void WINAPI ExitProcess(UINT code) { exit((int)code); }

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
        for (;;)
            pause();
    uint64_t end = wv_monotonic_ns() + (uint64_t)ms * 1000000u;
    struct timespec t = {(time_t)(end / 1000000000u), (long)(end % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
        ;
}

ULONGLONG WINAPI GetTickCount64(void) { return wv_monotonic_ns() / 1000000u; }
DWORD WINAPI GetTickCount(void) { return (DWORD)GetTickCount64(); } /* wraps after 49.7 days */
DWORD WINAPI GetCurrentThreadId(void) { return (DWORD)gettid(); }
HANDLE WINAPI GetCurrentThread(void) { return (HANDLE)(intptr_t)-2; }

/* 100 ns ticks at 10 MHz, the frequency Windows 10 and later report. */
BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *freq)
{
    if (!freq) {
        wv_set_error(ERROR_NOACCESS);
        return FALSE;
    }
    freq->QuadPart = 10000000;
    return TRUE;
}

BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *count)
{
    if (!count) {
        wv_set_error(ERROR_NOACCESS);
        return FALSE;
    }
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
    if (!ok)
        wv_set_error(ERROR_INVALID_PARAMETER);
    return ok;
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
    if (i >= WV_TLS_SLOTS) {
        wv_set_error(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    struct wv_tls_block *b = wv_tls_mine;
    if (!b && !v)
        return TRUE; /* every slot of a thread without a block is already NULL */
    if (!b && !(b = wv_tls_attach())) {
        wv_set_error(ERROR_NOT_ENOUGH_MEMORY);
        return FALSE;
    }
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
    (void)heap;
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
    (void)heap, (void)flags;
    if (p)
        free(wv_heap_head_of(p));
    return TRUE;
}

LPVOID WINAPI HeapReAlloc(HANDLE heap, DWORD flags, LPVOID p, SIZE_T n)
{
    (void)heap;
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
    (void)heap, (void)flags;
    return p ? wv_heap_head_of(p)->size : (SIZE_T)-1;
}

/* ---- vectored handlers for PE code ----
 * A PE handler is an ms_abi function; except.c calls handlers with the host convention.  Each
 * PE handler gets one of a fixed set of host shims, which calls the ms_abi function stored in
 * its slot.  Add returns except.c's handle for the shim, so Remove takes it unchanged.  A
 * slot is reused only after its shim was removed; a dispatch that copied the handler list just
 * before the removal may still call the shim, which then finds the slot empty (search on) or,
 * if it was reused at once, its new handler. */

typedef LONG(__attribute__((ms_abi)) * wv_ms_handler)(PEXCEPTION_POINTERS);

#define WV_PE_HANDLERS 64

static wv_ms_handler wv_pe_handler[WV_PE_HANDLERS];
static PVOID wv_pe_handle[WV_PE_HANDLERS];
static pthread_mutex_t wv_pe_handler_lock = PTHREAD_MUTEX_INITIALIZER;

/* Runs in the fault handler: one atomic load, no lock. */
static LONG wv_pe_handler_call(unsigned k, PEXCEPTION_POINTERS ep)
{
    wv_ms_handler fn = __atomic_load_n(&wv_pe_handler[k], __ATOMIC_ACQUIRE);
    return fn ? fn(ep) : EXCEPTION_CONTINUE_SEARCH;
}

#define WV_SHIM(i, j)                                                                       \
    static LONG wv_shim_##i##_##j(PEXCEPTION_POINTERS ep) { return wv_pe_handler_call(i * 8 + j, ep); }
#define WV_SHIM8(i)                                                                         \
    WV_SHIM(i, 0) WV_SHIM(i, 1) WV_SHIM(i, 2) WV_SHIM(i, 3)                                 \
    WV_SHIM(i, 4) WV_SHIM(i, 5) WV_SHIM(i, 6) WV_SHIM(i, 7)
WV_SHIM8(0) WV_SHIM8(1) WV_SHIM8(2) WV_SHIM8(3) WV_SHIM8(4) WV_SHIM8(5) WV_SHIM8(6) WV_SHIM8(7)

#define WV_SHIM_REF8(i)                                                                     \
    wv_shim_##i##_0, wv_shim_##i##_1, wv_shim_##i##_2, wv_shim_##i##_3, wv_shim_##i##_4,      \
        wv_shim_##i##_5, wv_shim_##i##_6, wv_shim_##i##_7
static const PVECTORED_EXCEPTION_HANDLER wv_shims[WV_PE_HANDLERS] = {
    WV_SHIM_REF8(0), WV_SHIM_REF8(1), WV_SHIM_REF8(2), WV_SHIM_REF8(3),
    WV_SHIM_REF8(4), WV_SHIM_REF8(5), WV_SHIM_REF8(6), WV_SHIM_REF8(7)};

static __attribute__((ms_abi)) PVOID k32_AddVectoredExceptionHandler(ULONG first, wv_ms_handler fn)
{
    if (!fn)
        return AddVectoredExceptionHandler(first, NULL); /* its error for a NULL handler */
    pthread_mutex_lock(&wv_pe_handler_lock);
    unsigned k = 0;
    while (k < WV_PE_HANDLERS && wv_pe_handler[k])
        k++;
    PVOID h = NULL;
    if (k == WV_PE_HANDLERS) {
        wv_set_error(ERROR_NOT_ENOUGH_MEMORY); /* what except.c says when its table is full */
    } else {
        __atomic_store_n(&wv_pe_handler[k], fn, __ATOMIC_RELEASE);
        h = wv_pe_handle[k] = AddVectoredExceptionHandler(first, wv_shims[k]);
        if (!h)
            __atomic_store_n(&wv_pe_handler[k], NULL, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&wv_pe_handler_lock);
    return h;
}

static __attribute__((ms_abi)) ULONG k32_RemoveVectoredExceptionHandler(PVOID h)
{
    wv_stack_probe();
    pthread_mutex_lock(&wv_pe_handler_lock);
    ULONG removed = RemoveVectoredExceptionHandler(h);
    for (unsigned k = 0; removed && k < WV_PE_HANDLERS; k++)
        if (wv_pe_handler[k] && wv_pe_handle[k] == h) {
            __atomic_store_n(&wv_pe_handler[k], NULL, __ATOMIC_RELEASE);
            wv_pe_handle[k] = NULL;
        }
    pthread_mutex_unlock(&wv_pe_handler_lock);
    return removed;
}

/* ---- ms_abi thunks ----
 * K32_n(ret, Name, types...) defines k32_Name, an ms_abi function of n arguments that calls
 * Name; the compiler moves the arguments between the two conventions and saves what ms_abi
 * callers expect preserved (rsi, rdi, xmm6-xmm15).  Each first makes sure the stack below has
 * room for winvm's own frames (wv_stack_probe): Windows' system calls run on a kernel stack,
 * winvm's run on the caller's, and a guard-page fault inside winvm could not grow it. */
#define K32_ABI static __attribute__((ms_abi))
#define K32_0(r, f) K32_ABI r k32_##f(void) { wv_stack_probe(); return f(); }
#define K32_1(r, f, A) K32_ABI r k32_##f(A a) { wv_stack_probe(); return f(a); }
#define K32_2(r, f, A, B) K32_ABI r k32_##f(A a, B b) { wv_stack_probe(); return f(a, b); }
#define K32_3(r, f, A, B, C) K32_ABI r k32_##f(A a, B b, C c) { wv_stack_probe(); return f(a, b, c); }
#define K32_4(r, f, A, B, C, D) K32_ABI r k32_##f(A a, B b, C c, D d) { wv_stack_probe(); return f(a, b, c, d); }
#define K32_5(r, f, A, B, C, D, E)                                                          \
    K32_ABI r k32_##f(A a, B b, C c, D d, E e) { wv_stack_probe(); return f(a, b, c, d, e); }
#define K32_6(r, f, A, B, C, D, E, F)                                                       \
    K32_ABI r k32_##f(A a, B b, C c, D d, E e, F g) { wv_stack_probe(); return f(a, b, c, d, e, g); }
#define K32_8(r, f, A, B, C, D, E, F, G, H)                                                 \
    K32_ABI r k32_##f(A a, B b, C c, D d, E e, F g, G h, H i) { wv_stack_probe(); return f(a, b, c, d, e, g, h, i); }
#define K32_7(r, f, A, B, C, D, E, F, G)                                                    \
    K32_ABI r k32_##f(A a, B b, C c, D d, E e, F g, G h) { wv_stack_probe(); return f(a, b, c, d, e, g, h); }

K32_1(BOOL, CloseHandle, HANDLE)
K32_7(HANDLE, CreateFileA, LPCSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE)
K32_6(HANDLE, CreateFileMappingA, HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCSTR)
K32_6(HANDLE, CreateFileMappingW, HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCWSTR)
K32_7(HANDLE, CreateFileW, LPCWSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE)
K32_7(BOOL, DuplicateHandle, HANDLE, HANDLE, HANDLE, LPHANDLE, DWORD, BOOL, DWORD)
K32_ABI __attribute__((noreturn)) void k32_ExitProcess(UINT code) { ExitProcess(code); }
K32_2(BOOL, FlushViewOfFile, LPCVOID, SIZE_T)
K32_0(HANDLE, GetCurrentProcess)
K32_0(DWORD, GetCurrentProcessId)
K32_0(HANDLE, GetCurrentThread)
K32_0(DWORD, GetCurrentThreadId)
K32_0(DWORD, GetLastError)
K32_ABI void k32_GetNativeSystemInfo(LPSYSTEM_INFO si) { GetNativeSystemInfo(si); }
K32_0(HANDLE, GetProcessHeap)
K32_1(HANDLE, GetStdHandle, DWORD)
K32_ABI void k32_GetSystemInfo(LPSYSTEM_INFO si) { GetSystemInfo(si); }
K32_0(DWORD, GetTickCount)
K32_0(ULONGLONG, GetTickCount64)
K32_6(UINT, GetWriteWatch, DWORD, PVOID, SIZE_T, PVOID *, ULONG_PTR *, LPDWORD)
K32_3(LPVOID, HeapAlloc, HANDLE, DWORD, SIZE_T)
K32_3(BOOL, HeapFree, HANDLE, DWORD, LPVOID)
K32_4(LPVOID, HeapReAlloc, HANDLE, DWORD, LPVOID, SIZE_T)
K32_3(SIZE_T, HeapSize, HANDLE, DWORD, LPCVOID)
K32_1(BOOL, IsBadCodePtr, FARPROC)
K32_2(BOOL, IsBadReadPtr, const void *, UINT_PTR)
K32_2(BOOL, IsBadWritePtr, LPVOID, UINT_PTR)
K32_5(LPVOID, MapViewOfFile, HANDLE, DWORD, DWORD, DWORD, SIZE_T)
K32_6(LPVOID, MapViewOfFileEx, HANDLE, DWORD, DWORD, DWORD, SIZE_T, LPVOID)
K32_3(HANDLE, OpenFileMappingA, DWORD, BOOL, LPCSTR)
K32_3(HANDLE, OpenFileMappingW, DWORD, BOOL, LPCWSTR)
K32_1(BOOL, QueryPerformanceCounter, LARGE_INTEGER *)
K32_1(BOOL, QueryPerformanceFrequency, LARGE_INTEGER *)
K32_5(BOOL, ReadFile, HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED)
K32_2(UINT, ResetWriteWatch, LPVOID, SIZE_T)
K32_ABI void k32_SetLastError(DWORD code) { SetLastError(code); }
K32_ABI void k32_Sleep(DWORD ms) { Sleep(ms); }
K32_0(DWORD, TlsAlloc)
K32_1(BOOL, TlsFree, DWORD)
K32_1(LPVOID, TlsGetValue, DWORD)
K32_2(BOOL, TlsSetValue, DWORD, LPVOID)
K32_1(BOOL, UnmapViewOfFile, LPCVOID)
K32_4(LPVOID, VirtualAlloc, LPVOID, SIZE_T, DWORD, DWORD)
K32_5(LPVOID, VirtualAllocEx, HANDLE, LPVOID, SIZE_T, DWORD, DWORD)
K32_3(BOOL, VirtualFree, LPVOID, SIZE_T, DWORD)
K32_4(BOOL, VirtualFreeEx, HANDLE, LPVOID, SIZE_T, DWORD)
K32_2(BOOL, VirtualLock, LPVOID, SIZE_T)
K32_4(BOOL, VirtualProtect, LPVOID, SIZE_T, DWORD, PDWORD)
K32_5(BOOL, VirtualProtectEx, HANDLE, LPVOID, SIZE_T, DWORD, PDWORD)
K32_3(SIZE_T, VirtualQuery, LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T)
K32_4(SIZE_T, VirtualQueryEx, HANDLE, LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T)
K32_2(BOOL, VirtualUnlock, LPVOID, SIZE_T)
K32_5(BOOL, WriteFile, HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED)
K32_4(void, RaiseException, DWORD, DWORD, DWORD, const ULONG_PTR *)
K32_0(LPSTR, GetCommandLineA)
K32_1(void, InitializeCriticalSection, LPCRITICAL_SECTION)
K32_2(BOOL, InitializeCriticalSectionAndSpinCount, LPCRITICAL_SECTION, DWORD)
K32_1(void, EnterCriticalSection, LPCRITICAL_SECTION)
K32_1(BOOL, TryEnterCriticalSection, LPCRITICAL_SECTION)
K32_1(void, LeaveCriticalSection, LPCRITICAL_SECTION)
K32_1(void, DeleteCriticalSection, LPCRITICAL_SECTION)
K32_1(void, GetStartupInfoA, LPSTARTUPINFOA)
K32_2(BOOL, IsDBCSLeadByteEx, UINT, BYTE)
K32_6(int, MultiByteToWideChar, UINT, DWORD, LPCSTR, int, LPWSTR, int)
K32_8(int, WideCharToMultiByte, UINT, DWORD, LPCWSTR, int, LPSTR, int, LPCSTR, BOOL *)
/* PE code's filter is an ms_abi function; it is only kept (k32_crt.c), so no shim is needed. */
K32_1(LPTOP_LEVEL_EXCEPTION_FILTER, SetUnhandledExceptionFilter, LPTOP_LEVEL_EXCEPTION_FILTER)
K32_2(DWORD, WaitForSingleObject, HANDLE, DWORD)
K32_4(DWORD, WaitForMultipleObjects, DWORD, const HANDLE *, BOOL, DWORD)
K32_4(HANDLE, CreateEventA, LPSECURITY_ATTRIBUTES, BOOL, BOOL, LPCSTR)
K32_4(HANDLE, CreateEventW, LPSECURITY_ATTRIBUTES, BOOL, BOOL, LPCWSTR)
K32_1(BOOL, SetEvent, HANDLE)
K32_1(BOOL, ResetEvent, HANDLE)
K32_3(HANDLE, CreateMutexA, LPSECURITY_ATTRIBUTES, BOOL, LPCSTR)
K32_3(HANDLE, CreateMutexW, LPSECURITY_ATTRIBUTES, BOOL, LPCWSTR)
K32_1(BOOL, ReleaseMutex, HANDLE)
K32_4(HANDLE, CreateSemaphoreA, LPSECURITY_ATTRIBUTES, LONG, LONG, LPCSTR)
K32_4(HANDLE, CreateSemaphoreW, LPSECURITY_ATTRIBUTES, LONG, LONG, LPCWSTR)
K32_3(BOOL, ReleaseSemaphore, HANDLE, LONG, LONG *)
K32_2(BOOL, GetExitCodeThread, HANDLE, LPDWORD)
K32_1(DWORD, ResumeThread, HANDLE)
K32_1(DWORD, GetThreadId, HANDLE)
/* A PE caller's start routine is an ms_abi function: run with the Windows thread setup. */
K32_ABI HANDLE k32_CreateThread(LPSECURITY_ATTRIBUTES sa, SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg,
                                DWORD flags, LPDWORD tid)
{
    (void)sa;
    wv_stack_probe();
    return wv_thread_create(stack, start, arg, flags, tid, true);
}
K32_ABI __attribute__((noreturn)) void k32_ExitThread(DWORD code) { ExitThread(code); }
K32_0(LPWSTR, GetCommandLineW)
K32_5(BOOL, WriteConsoleA, HANDLE, const void *, DWORD, LPDWORD, LPVOID)
K32_5(BOOL, WriteConsoleW, HANDLE, const void *, DWORD, LPDWORD, LPVOID)
/* the loader's (loader.c, wide.c) */
K32_1(BOOL, FreeLibrary, HMODULE)
K32_3(DWORD, GetModuleFileNameA, HMODULE, LPSTR, DWORD)
K32_1(HMODULE, GetModuleHandleA, LPCSTR)
K32_1(HMODULE, GetModuleHandleW, LPCWSTR)
K32_2(FARPROC, GetProcAddress, HMODULE, LPCSTR)
K32_1(HMODULE, LoadLibraryA, LPCSTR)
K32_3(HMODULE, LoadLibraryExA, LPCSTR, HANDLE, DWORD)
K32_3(HMODULE, LoadLibraryExW, LPCWSTR, HANDLE, DWORD)
K32_1(HMODULE, LoadLibraryW, LPCWSTR)

/* ---- the export table: sorted by strcmp, searched by bisection ----
 * Keep the order: test_kernel32 checks every adjacent pair. */

#define K32(f) {#f, (void *)k32_##f}

static const struct wv_export wv_k32_exports[] = {
    K32(AddVectoredExceptionHandler),
    K32(CloseHandle),
    K32(CreateEventA),
    K32(CreateEventW),
    K32(CreateFileA),
    K32(CreateFileMappingA),
    K32(CreateFileMappingW),
    K32(CreateFileW),
    K32(CreateMutexA),
    K32(CreateMutexW),
    K32(CreateSemaphoreA),
    K32(CreateSemaphoreW),
    K32(CreateThread),
    K32(DeleteCriticalSection),
    K32(DuplicateHandle),
    K32(EnterCriticalSection),
    K32(ExitProcess),
    K32(ExitThread),
    K32(FlushViewOfFile),
    K32(FreeLibrary),
    K32(GetCommandLineA),
    K32(GetCommandLineW),
    K32(GetCurrentProcess),
    K32(GetCurrentProcessId),
    K32(GetCurrentThread),
    K32(GetCurrentThreadId),
    K32(GetExitCodeThread),
    K32(GetLastError),
    K32(GetModuleFileNameA),
    K32(GetModuleHandleA),
    K32(GetModuleHandleW),
    K32(GetNativeSystemInfo),
    K32(GetProcAddress),
    K32(GetProcessHeap),
    K32(GetStartupInfoA),
    K32(GetStdHandle),
    K32(GetSystemInfo),
    K32(GetThreadId),
    K32(GetTickCount),
    K32(GetTickCount64),
    K32(GetWriteWatch),
    K32(HeapAlloc),
    K32(HeapFree),
    K32(HeapReAlloc),
    K32(HeapSize),
    K32(InitializeCriticalSection),
    K32(InitializeCriticalSectionAndSpinCount),
    K32(IsBadCodePtr),
    K32(IsBadReadPtr),
    K32(IsBadWritePtr),
    K32(IsDBCSLeadByteEx),
    K32(LeaveCriticalSection),
    K32(LoadLibraryA),
    K32(LoadLibraryExA),
    K32(LoadLibraryExW),
    K32(LoadLibraryW),
    K32(MapViewOfFile),
    K32(MapViewOfFileEx),
    K32(MultiByteToWideChar),
    K32(OpenFileMappingA),
    K32(OpenFileMappingW),
    K32(QueryPerformanceCounter),
    K32(QueryPerformanceFrequency),
    K32(RaiseException),
    K32(ReadFile),
    K32(ReleaseMutex),
    K32(ReleaseSemaphore),
    K32(RemoveVectoredExceptionHandler),
    K32(ResetEvent),
    K32(ResetWriteWatch),
    K32(ResumeThread),
    K32(SetEvent),
    K32(SetLastError),
    K32(SetUnhandledExceptionFilter),
    K32(Sleep),
    K32(TlsAlloc),
    K32(TlsFree),
    K32(TlsGetValue),
    K32(TlsSetValue),
    K32(TryEnterCriticalSection),
    K32(UnmapViewOfFile),
    K32(VirtualAlloc),
    K32(VirtualAllocEx),
    K32(VirtualFree),
    K32(VirtualFreeEx),
    K32(VirtualLock),
    K32(VirtualProtect),
    K32(VirtualProtectEx),
    K32(VirtualQuery),
    K32(VirtualQueryEx),
    K32(VirtualUnlock),
    K32(WaitForMultipleObjects),
    K32(WaitForSingleObject),
    K32(WideCharToMultiByte),
    K32(WriteConsoleA),
    K32(WriteConsoleW),
    K32(WriteFile),
};

#define WV_K32_COUNT (sizeof(wv_k32_exports) / sizeof(wv_k32_exports[0]))

void *wv_export_find(const struct wv_export *table, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (name && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, table[mid].name);
        if (c == 0)
            return table[mid].addr;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

void *wv_k32_lookup(const char *name) { return wv_export_find(wv_k32_exports, WV_K32_COUNT, name); }

const char *wv_k32_name_at(size_t i) { return i < WV_K32_COUNT ? wv_k32_exports[i].name : NULL; }
