/* SPDX-License-Identifier: MIT */
/* test_kernel32.c - standard handles, ReadFile/WriteFile, ExitProcess, clocks, TLS, the process
 * heap, and the ms_abi export table PE code calls kernel32 through (kernel32.c). */
#define _GNU_SOURCE
#include "testutil.h"
#include "fault_child.h"
#include "runtime/runtime.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static HANDLE handle_of(int fd, DWORD access)
{
    HANDLE h = winvm_handle_from_fd(fd, access);
    cr_assert_neq(h, INVALID_HANDLE_VALUE, "winvm_handle_from_fd: %u", GetLastError());
    return h;
}

/* A pipe as two handles (the descriptors are closed: the handles hold duplicates). */
static void handle_pipe(HANDLE *r, HANDLE *w)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    *r = handle_of(p[0], GENERIC_READ);
    *w = handle_of(p[1], GENERIC_WRITE);
    close(p[0]);
    close(p[1]);
}

/* Everything a descriptor gives until end of file. */
static size_t read_all(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    ssize_t n;
    while (len < cap && (n = read(fd, buf + len, cap - len)) > 0)
        len += (size_t)n;
    return len;
}

/* ---- standard handles ---- */

Test(kernel32, std_handles_are_stable_distinct_and_checked)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE), out = GetStdHandle(STD_OUTPUT_HANDLE);
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    cr_assert(in && out && err);
    cr_assert(in != INVALID_HANDLE_VALUE && out != INVALID_HANDLE_VALUE && err != INVALID_HANDLE_VALUE);
    cr_assert(in != out && out != err && in != err);
    cr_assert_eq(GetStdHandle(STD_OUTPUT_HANDLE), out, "the same handle every time");
    static const DWORD bad[] = {0, 1, (DWORD)-9, (DWORD)-13, 0xFFFFFFFF};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_eq(GetStdHandle(bad[i]), INVALID_HANDLE_VALUE, "GetStdHandle(%#x)", bad[i]);
        EXPECT_ERR(ERROR_INVALID_HANDLE);
    }
}

/* Child: GetStdHandle before stdout goes to a pipe, write, close the handle, write again. */
static int std_out_child(void *arg)
{
    int wfd = *(int *)arg;
    HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);
    if (!h || h == INVALID_HANDLE_VALUE)
        return 10;
    if (dup2(wfd, 1) != 1)
        return 11;
    close(wfd);
    DWORD n = 0;
    if (!WriteFile(h, "one,", 4, &n, NULL) || n != 4)
        return 12; /* the handle follows descriptor 1 */
    if (!CloseHandle(h))
        return 13;
    if (fcntl(1, F_GETFD) < 0)
        return 14; /* CloseHandle of a std handle leaves stdout open */
    HANDLE h2 = GetStdHandle(STD_OUTPUT_HANDLE);
    if (!h2 || h2 == INVALID_HANDLE_VALUE || !WriteFile(h2, "two", 3, &n, NULL) || n != 3)
        return 15; /* and GetStdHandle gives a working handle again */
    close(1);
    if (GetStdHandle(STD_OUTPUT_HANDLE) != NULL)
        return 16; /* no descriptor, no standard handle */
    return 0;
}

Test(kernel32, std_output_follows_fd_1_and_survives_close_handle)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    struct fc_result r = fc_run(std_out_child, &p[1]);
    close(p[1]);
    FC_EXITED_OK(r);
    char buf[64] = {0};
    read_all(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    cr_assert_str_eq(buf, "one,two");
}

static int std_in_child(void *arg)
{
    int rfd = *(int *)arg;
    if (dup2(rfd, 0) != 0)
        return 10;
    char buf[16] = {0};
    DWORD n = SENTINEL;
    if (!ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof(buf), &n, NULL))
        return 11;
    return n == 3 && memcmp(buf, "xyz", 3) == 0 ? 0 : 12;
}

Test(kernel32, std_input_reads_fd_0)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(write(p[1], "xyz", 3), 3);
    close(p[1]);
    struct fc_result r = fc_run(std_in_child, &p[0]);
    close(p[0]);
    FC_EXITED_OK(r);
}

/* ---- ReadFile and WriteFile ---- */

Test(kernel32, pipe_round_trip_then_eof_when_writer_closes)
{
    HANDLE r, w;
    handle_pipe(&r, &w);
    DWORD n = SENTINEL;
    cr_assert(WriteFile(w, "hello", 5, &n, NULL));
    cr_assert_eq(n, 5);
    char buf[64];
    n = SENTINEL;
    cr_assert(ReadFile(r, buf, sizeof(buf), &n, NULL));
    cr_assert_eq(n, 5);
    cr_assert_arr_eq(buf, "hello", 5);
    cr_assert(CloseHandle(w));
    n = SENTINEL;
    SetLastError(SENTINEL);
    cr_assert(ReadFile(r, buf, sizeof(buf), &n, NULL), "a pipe without writers: TRUE");
    cr_assert_eq(n, 0, "with 0 bytes");
    CloseHandle(r);
}

Test(kernel32, regular_file_read_stops_at_eof)
{
    char path[] = "/tmp/winvm-k32-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    unlink(path);
    HANDLE h = handle_of(fd, GENERIC_READ | GENERIC_WRITE);
    char data[100], buf[1000];
    for (int i = 0; i < 100; i++)
        data[i] = (char)(i * 7 + 1);
    DWORD n = 0;
    cr_assert(WriteFile(h, data, sizeof(data), &n, NULL));
    cr_assert_eq(n, sizeof(data));
    cr_assert_eq(lseek(fd, 0, SEEK_SET), 0); /* the handle's duplicate shares the offset */
    cr_assert(ReadFile(h, buf, sizeof(buf), &n, NULL));
    cr_assert_eq(n, sizeof(data));
    cr_assert_arr_eq(buf, data, sizeof(data));
    n = SENTINEL;
    cr_assert(ReadFile(h, buf, sizeof(buf), &n, NULL), "at end of file: TRUE");
    cr_assert_eq(n, 0);
    n = SENTINEL;
    cr_assert(ReadFile(h, buf, 0, &n, NULL));
    cr_assert_eq(n, 0);
    CloseHandle(h);
    close(fd);
}

struct drain {
    int fd;
    char *buf;
    size_t len, cap;
};

static void *drain_slowly(void *arg)
{
    struct drain *d = arg;
    ssize_t n;
    while (d->len < d->cap && (n = read(d->fd, d->buf + d->len, 4096)) > 0) {
        d->len += (size_t)n;
        if ((d->len / 4096) % 16 == 0)
            usleep(1000); /* let the writer find the pipe full */
    }
    return NULL;
}

Test(kernel32, write_file_writes_everything_to_a_nonblocking_pipe)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0); /* write() takes part, then EAGAIN */
    HANDLE w = handle_of(p[1], GENERIC_WRITE);
    close(p[1]);
    size_t size = 1 << 20;
    char *data = malloc(size), *got = calloc(1, size);
    cr_assert(data && got);
    for (size_t i = 0; i < size; i++)
        data[i] = (char)(i * 31 + (i >> 12));
    struct drain d = {p[0], got, 0, size};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, drain_slowly, &d), 0);
    DWORD n = 0;
    cr_assert(WriteFile(w, data, (DWORD)size, &n, NULL), "WriteFile: %u", GetLastError());
    cr_assert_eq(n, size);
    CloseHandle(w);
    pthread_join(t, NULL);
    cr_assert_eq(d.len, size);
    cr_assert(memcmp(got, data, size) == 0);
    close(p[0]);
    free(data);
    free(got);
}

#define IO_FAILS(call, err, count)                                                          \
    do {                                                                                    \
        (count) = SENTINEL;                                                                 \
        SetLastError(SENTINEL);                                                             \
        cr_assert_not(call, #call " succeeded");                                            \
        EXPECT_ERR(err);                                                                    \
        cr_assert_eq((count), 0, #call ": count %u, want 0", (count));                      \
    } while (0)

Test(kernel32, read_write_errors)
{
    HANDLE r, w;
    handle_pipe(&r, &w);
    char buf[16];
    DWORD n;
    OVERLAPPED ov = {0}; /* a handle opened without FILE_FLAG_OVERLAPPED: the call completes */
    HANDLE section = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
    cr_assert_not_null(section);
    HANDLE bad[] = {NULL, INVALID_HANDLE_VALUE, (HANDLE)(uintptr_t)0x3ffc, (HANDLE)(uintptr_t)3,
                    section};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        IO_FAILS(WriteFile(bad[i], "x", 1, &n, NULL), ERROR_INVALID_HANDLE, n);
        IO_FAILS(ReadFile(bad[i], buf, 1, &n, NULL), ERROR_INVALID_HANDLE, n);
    }
    IO_FAILS(WriteFile(w, "x", 1, &n, (LPOVERLAPPED)16), ERROR_NOACCESS, n);
    IO_FAILS(ReadFile(r, buf, 1, &n, (LPOVERLAPPED)16), ERROR_NOACCESS, n);
    cr_assert(WriteFile(w, "x", 1, &n, &ov) && n == 1 && ov.Internal == 0 && ov.InternalHigh == 1);
    cr_assert(ReadFile(r, buf, 1, &n, &ov) && n == 1 && buf[0] == 'x' && ov.InternalHigh == 1);
    /* The handle's access decides, as on Windows. */
    IO_FAILS(ReadFile(w, buf, 1, &n, NULL), ERROR_ACCESS_DENIED, n);
    IO_FAILS(WriteFile(r, "x", 1, &n, NULL), ERROR_ACCESS_DENIED, n);
    /* A bad buffer is ERROR_NOACCESS. */
    cr_assert(WriteFile(w, "abc", 3, &n, NULL));
    IO_FAILS(ReadFile(r, NULL, 3, &n, NULL), ERROR_NOACCESS, n);
    /* A descriptor open for both, behind handles granting one direction each. */
    char path[] = "/tmp/winvm-k32-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    unlink(path);
    cr_assert_eq(write(fd, "data", 4), 4);
    cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
    HANDLE ro = handle_of(fd, GENERIC_READ), wo = handle_of(fd, GENERIC_WRITE);
    IO_FAILS(WriteFile(ro, "x", 1, &n, NULL), ERROR_ACCESS_DENIED, n);
    IO_FAILS(ReadFile(wo, buf, 1, &n, NULL), ERROR_ACCESS_DENIED, n);
    HANDLE none = handle_of(fd, 0);
    IO_FAILS(ReadFile(none, buf, 1, &n, NULL), ERROR_ACCESS_DENIED, n);
    IO_FAILS(WriteFile(none, "x", 1, &n, NULL), ERROR_ACCESS_DENIED, n);
    cr_assert_eq(lseek(fd, 0, SEEK_CUR), 0, "nothing was read or written");
    CloseHandle(ro);
    CloseHandle(wo);
    CloseHandle(none);
    close(fd);
    /* A handle granting write on a descriptor open only for reading. */
    int p[2];
    cr_assert_eq(pipe(p), 0);
    HANDLE wrong = handle_of(p[0], GENERIC_READ | GENERIC_WRITE);
    IO_FAILS(WriteFile(wrong, "x", 1, &n, NULL), ERROR_ACCESS_DENIED, n);
    CloseHandle(wrong);
    close(p[0]);
    close(p[1]);
    /* A closed handle is invalid. */
    cr_assert(CloseHandle(w));
    IO_FAILS(WriteFile(w, "x", 1, &n, NULL), ERROR_INVALID_HANDLE, n);
    CloseHandle(r);
    CloseHandle(section);
}

/* Child: SIGPIPE's default action would kill it; WriteFile must fail instead and leave no
 * SIGPIPE pending and the signal mask as it was. */
static int broken_pipe_child(void *arg)
{
    (void)arg;
    signal(SIGPIPE, SIG_DFL);
    HANDLE r, w;
    int p[2];
    if (pipe(p) != 0)
        return 10;
    r = winvm_handle_from_fd(p[0], GENERIC_READ);
    w = winvm_handle_from_fd(p[1], GENERIC_WRITE);
    close(p[0]);
    close(p[1]);
    CloseHandle(r);
    sigset_t before, after, pending;
    pthread_sigmask(SIG_SETMASK, NULL, &before);
    DWORD n = SENTINEL;
    SetLastError(SENTINEL);
    if (WriteFile(w, "x", 1, &n, NULL))
        return 11;
    if (GetLastError() != ERROR_NO_DATA || n != 0)
        return 12;
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE))
        return 13;
    if (sigismember(&after, SIGPIPE) != sigismember(&before, SIGPIPE))
        return 14;
    return 0;
}

Test(kernel32, write_to_pipe_without_reader_fails_without_sigpipe)
{
    struct fc_result r = fc_run(broken_pipe_child, NULL);
    FC_EXITED_OK(r);
}

/* ---- ExitProcess ---- */

static int exit_fd = -1;
static void at_exit_mark(void)
{
    if (write(exit_fd, "atexit;", 7) != 7)
        _exit(99);
}

static int exit_child(void *arg)
{
    exit_fd = *(int *)arg;
    dup2(exit_fd, 1);
    atexit(at_exit_mark);
    fputs("buffered;", stdout); /* stdout on a pipe is fully buffered: still in memory */
    ExitProcess(42);
}

Test(kernel32, exit_process_runs_atexit_and_flushes_stdio)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    struct fc_result r = fc_run(exit_child, &p[1]);
    close(p[1]);
    char buf[128] = {0};
    read_all(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    cr_assert(WIFEXITED(r.status), "child died: stderr %s", r.err);
    cr_assert_eq(WEXITSTATUS(r.status), 42);
    cr_assert(strstr(buf, "atexit;"), "atexit functions ran: got \"%s\"", buf);
    cr_assert(strstr(buf, "buffered;"), "stdio was flushed: got \"%s\"", buf);
}

/* ---- time and threads ---- */

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Milliseconds counted in Windows' clock ticks (15.625 ms, kusd.c): behind the clock by less
 * than one tick. */
Test(kernel32, tick_counts_are_monotonic_milliseconds)
{
    uint64_t m0 = mono_ms();
    ULONGLONG t0 = GetTickCount64();
    DWORD d0 = GetTickCount();
    cr_assert(t0 + 16 >= m0 && t0 <= mono_ms(), "GetTickCount64 %llu, CLOCK_MONOTONIC %llu ms", t0,
              (unsigned long long)m0);
    cr_assert((DWORD)(d0 - (DWORD)t0) <= 16, "GetTickCount is the low 32 bits (a tick later at most)");
    ULONGLONG prev = t0;
    for (int i = 0; i < 1000; i++) {
        ULONGLONG t = GetTickCount64();
        cr_assert_geq(t, prev);
        prev = t;
    }
    Sleep(120);
    ULONGLONG t1 = GetTickCount64();
    cr_assert_geq(t1 - t0, 120 - 16, "Sleep(120) took %llu ms", t1 - t0); /* less a tick */
    cr_assert_lt(t1 - t0, 5000);
}

static void on_usr1(int sig) { (void)sig; }

static void *poke_main(void *arg)
{
    for (int k = 0; k < 5; k++) {
        usleep(5000);
        pthread_kill(*(pthread_t *)arg, SIGUSR1);
    }
    return NULL;
}

Test(kernel32, sleep_zero_returns_and_signals_do_not_shorten_sleep)
{
    Sleep(0);
    struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART: EINTR reaches Sleep */
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t self = pthread_self(), t;
    uint64_t m0 = mono_ms();
    cr_assert_eq(pthread_create(&t, NULL, poke_main, &self), 0);
    Sleep(80);
    uint64_t slept = mono_ms() - m0;
    pthread_join(t, NULL);
    cr_assert_geq(slept, 80, "Sleep(80) returned after %llu ms", (unsigned long long)slept);
}

Test(kernel32, performance_counter_is_10mhz_monotonic)
{
    LARGE_INTEGER f = {.QuadPart = 0}, c0, c1;
    cr_assert(QueryPerformanceFrequency(&f));
    cr_assert_eq(f.QuadPart, 10000000);
    uint64_t m0 = mono_ms();
    cr_assert(QueryPerformanceCounter(&c0));
    Sleep(50);
    cr_assert(QueryPerformanceCounter(&c1));
    uint64_t m1 = mono_ms();
    cr_assert_gt(c1.QuadPart, c0.QuadPart);
    LONGLONG ms = (c1.QuadPart - c0.QuadPart) / 10000;
    cr_assert(ms >= 50 && (uint64_t)ms <= m1 - m0 + 1, "50 ms sleep measured %lld ms (clock %llu)",
              ms, (unsigned long long)(m1 - m0));
    cr_assert(c0.QuadPart / 10000 >= (LONGLONG)m0 - 1, "counts CLOCK_MONOTONIC in 100 ns");
    SetLastError(SENTINEL);
    cr_assert_not(QueryPerformanceCounter(NULL));
    EXPECT_ERR(ERROR_NOACCESS);
}

static void *thread_id_of(void *arg)
{
    *(DWORD *)arg = GetCurrentThreadId();
    return NULL;
}

Test(kernel32, thread_ids_and_pseudo_handles)
{
    cr_assert_eq(GetCurrentThreadId(), (DWORD)syscall(SYS_gettid));
    cr_assert_eq(GetCurrentThreadId(), (DWORD)getpid(), "the main thread's id is the pid");
    DWORD other = 0;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, thread_id_of, &other), 0);
    pthread_join(t, NULL);
    cr_assert(other != 0 && other != GetCurrentThreadId());
    cr_assert_eq(GetCurrentThread(), (HANDLE)(intptr_t)-2);
}

/* ---- thread-local storage ---- */

Test(kernel32, tls_set_get_and_last_error)
{
    DWORD i = TlsAlloc();
    cr_assert_neq(i, TLS_OUT_OF_INDEXES);
    cr_assert_lt(i, 1088);
    SetLastError(SENTINEL);
    cr_assert_null(TlsGetValue(i));
    EXPECT_ERR(ERROR_SUCCESS); /* Windows clears it so a stored NULL reads as success */
    int x;
    cr_assert(TlsSetValue(i, &x));
    SetLastError(SENTINEL);
    cr_assert_eq(TlsGetValue(i), &x);
    EXPECT_ERR(ERROR_SUCCESS);
    DWORD j = TlsAlloc();
    cr_assert(j != i && j != TLS_OUT_OF_INDEXES);
    cr_assert_null(TlsGetValue(j), "slots are independent");
    cr_assert(TlsSetValue(i, NULL));
    cr_assert_null(TlsGetValue(i));
    cr_assert(TlsFree(i));
    cr_assert(TlsFree(j));
}

Test(kernel32, tls_invalid_indexes)
{
    SetLastError(SENTINEL);
    cr_assert_null(TlsGetValue(1088));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL);
    cr_assert_not(TlsSetValue(1088, &errno));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL);
    cr_assert_not(TlsSetValue(TLS_OUT_OF_INDEXES, &errno));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL);
    cr_assert_not(TlsFree(TLS_OUT_OF_INDEXES));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    DWORD i = TlsAlloc();
    cr_assert(TlsFree(i));
    SetLastError(SENTINEL);
    cr_assert_not(TlsFree(i), "freeing twice");
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    /* The last index is in range: Get succeeds (allocated or not, as on Windows). */
    SetLastError(SENTINEL);
    cr_assert_null(TlsGetValue(1087));
    EXPECT_ERR(ERROR_SUCCESS);
}

struct tls_peer {
    DWORD index;
    pthread_barrier_t *bar;
    void *seen_first, *seen_after_free;
    int mine;
};

static void *tls_peer_run(void *arg)
{
    struct tls_peer *p = arg;
    p->seen_first = TlsGetValue(p->index); /* another thread's value is not ours */
    TlsSetValue(p->index, &p->mine);
    pthread_barrier_wait(p->bar); /* our value is set */
    pthread_barrier_wait(p->bar); /* the main thread has freed the index */
    p->seen_after_free = TlsGetValue(p->index);
    return NULL;
}

Test(kernel32, tls_is_per_thread_and_tls_free_clears_every_thread)
{
    DWORD i = TlsAlloc();
    int main_value;
    cr_assert(TlsSetValue(i, &main_value));
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    struct tls_peer p = {.index = i, .bar = &bar, .seen_first = &bar};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, tls_peer_run, &p), 0);
    pthread_barrier_wait(&bar);
    cr_assert_eq(TlsGetValue(i), &main_value, "the other thread's Set did not touch ours");
    cr_assert(TlsFree(i));
    pthread_barrier_wait(&bar);
    pthread_join(t, NULL);
    cr_assert_null(p.seen_first, "a new thread sees NULL");
    cr_assert_null(p.seen_after_free, "TlsFree cleared the other thread's slot");
    cr_assert_null(TlsGetValue(i), "and ours");
    cr_assert_eq(TlsAlloc(), i, "the lowest free index comes back");
    cr_assert_null(TlsGetValue(i), "empty again");
    pthread_barrier_destroy(&bar);
}

static void *tls_set_and_exit(void *arg)
{
    TlsSetValue(*(DWORD *)arg, arg);
    return TlsGetValue(*(DWORD *)arg);
}

Test(kernel32, tls_free_after_threads_exited, .timeout = 30)
{
    DWORD i = TlsAlloc();
    pthread_t t[8];
    for (int k = 0; k < 8; k++)
        cr_assert_eq(pthread_create(&t[k], NULL, tls_set_and_exit, &i), 0);
    for (int k = 0; k < 8; k++) {
        void *got = NULL;
        pthread_join(t[k], &got);
        cr_assert_eq(got, &i);
    }
    cr_assert(TlsFree(i)); /* walks only live threads' slots (ASan would see a freed one) */
}

struct tls_holder {
    DWORD index;
    pthread_barrier_t bar;
};

static void *tls_hold(void *arg)
{
    struct tls_holder *t = arg;
    TlsSetValue(t->index, t);
    pthread_barrier_wait(&t->bar); /* set: the parent forks now */
    pthread_barrier_wait(&t->bar); /* forked */
    return NULL;
}

/* Child of a fork while another thread held a TLS block: only its own slots remain. */
static int tls_fork_child(void *arg)
{
    DWORD i = *(DWORD *)arg;
    if (TlsGetValue(i) != arg)
        return 10; /* the forking thread keeps its values */
    if (!TlsFree(i))
        return 11; /* walks the child's list: the other thread's block is gone */
    DWORD j = TlsAlloc();
    return j == i && TlsSetValue(j, &j) && TlsGetValue(j) == &j ? 0 : 12;
}

Test(kernel32, tls_survives_fork_with_other_threads)
{
    struct tls_holder t = {.index = TlsAlloc()};
    pthread_barrier_init(&t.bar, NULL, 2);
    cr_assert(TlsSetValue(t.index, &t.index));
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, tls_hold, &t), 0);
    pthread_barrier_wait(&t.bar);
    struct fc_result r = fc_run(tls_fork_child, &t.index);
    pthread_barrier_wait(&t.bar);
    pthread_join(th, NULL);
    FC_EXITED_OK(r);
    cr_assert_eq(TlsGetValue(t.index), &t.index, "the parent is unchanged");
    pthread_barrier_destroy(&t.bar);
}

Test(kernel32, tls_runs_out_at_1088_indexes)
{
    /* Each Criterion test runs in its own process: nothing else holds an index. */
    static DWORD got[1100];
    static bool seen[1088];
    size_t n = 0;
    DWORD i;
    while (n < 1100 && (i = TlsAlloc()) != TLS_OUT_OF_INDEXES) {
        cr_assert_lt(i, 1088);
        cr_assert_not(seen[i], "index %u handed out twice", i);
        seen[i] = true;
        got[n++] = i;
    }
    cr_assert_eq(n, 1088);
    SetLastError(SENTINEL);
    cr_assert_eq(TlsAlloc(), TLS_OUT_OF_INDEXES);
    EXPECT_ERR(ERROR_NO_MORE_ITEMS);
    cr_assert(TlsSetValue(got[1087], &n), "an expansion slot stores values");
    cr_assert_eq(TlsGetValue(got[1087]), &n);
    cr_assert(TlsFree(got[700]));
    cr_assert_eq(TlsAlloc(), got[700]);
    for (size_t k = 0; k < n; k++)
        cr_assert(TlsFree(got[k]));
    cr_assert_eq(TlsAlloc(), 0);
}

/* ---- the process heap ---- */

Test(kernel32, heap_alloc_sizes_zeroing_and_realloc)
{
    HANDLE heap = GetProcessHeap();
    cr_assert_not_null(heap);
    cr_assert_eq(GetProcessHeap(), heap);
    unsigned char *p = HeapAlloc(heap, HEAP_ZERO_MEMORY, 100);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t)p % 16, 0, "16-byte aligned");
    for (int i = 0; i < 100; i++)
        cr_assert_eq(p[i], 0);
    cr_assert_eq(HeapSize(heap, 0, p), 100);
    memset(p, 0xab, 100);
    p = HeapReAlloc(heap, HEAP_ZERO_MEMORY, p, 5000);
    cr_assert_not_null(p);
    cr_assert_eq(HeapSize(heap, 0, p), 5000);
    for (int i = 0; i < 5000; i++)
        cr_assert_eq(p[i], i < 100 ? 0xab : 0, "byte %d", i);
    cr_assert_null(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, p, 6000));
    cr_assert_eq(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, p, 50), p);
    cr_assert_eq(HeapSize(heap, 0, p), 50);
    cr_assert(HeapFree(heap, 0, p));
    void *z = HeapAlloc(heap, 0, 0);
    cr_assert_not_null(z, "a zero-byte block is a block");
    cr_assert_eq(HeapSize(heap, 0, z), 0);
    cr_assert(HeapFree(heap, 0, z));
    cr_assert(HeapFree(heap, 0, NULL));
    cr_assert_null(HeapAlloc(heap, 0, (SIZE_T)-8), "an impossible size fails");
}

/* ---- the ms_abi export table ---- */

#define MS __attribute__((ms_abi))

static const char *const expected_exports[] = {
    "AddVectoredExceptionHandler", "CloseHandle", "CreateFileA", "CreateFileMappingA",
    "CreateFileMappingW", "CreateFileW", "DuplicateHandle", "ExitProcess", "FlushViewOfFile",
    "GetCurrentProcess", "GetCurrentProcessId", "GetCurrentThread", "GetCurrentThreadId",
    "GetLastError", "GetNativeSystemInfo", "GetProcessHeap", "GetStdHandle", "GetSystemInfo",
    "GetTickCount", "GetTickCount64", "GetWriteWatch", "HeapAlloc", "HeapFree", "HeapReAlloc",
    "HeapSize", "IsBadCodePtr", "IsBadReadPtr", "IsBadWritePtr", "MapViewOfFile",
    "MapViewOfFileEx", "OpenFileMappingA", "OpenFileMappingW", "QueryPerformanceCounter",
    "QueryPerformanceFrequency", "ReadFile", "RemoveVectoredExceptionHandler",
    "ResetWriteWatch", "SetLastError", "Sleep", "TlsAlloc", "TlsFree", "TlsGetValue",
    "TlsSetValue", "UnmapViewOfFile", "VirtualAlloc", "VirtualAllocEx", "VirtualFree",
    "VirtualFreeEx", "VirtualLock", "VirtualProtect", "VirtualProtectEx", "VirtualQuery",
    "VirtualQueryEx", "VirtualUnlock", "WriteFile"};

Test(k32_table, sorted_and_complete)
{
    size_t n = 0;
    while (wv_k32_name_at(n))
        n++;
    cr_assert_geq(n, sizeof(expected_exports) / sizeof(expected_exports[0]));
    for (size_t i = 0; i + 1 < n; i++)
        cr_assert_lt(strcmp(wv_k32_name_at(i), wv_k32_name_at(i + 1)), 0, "%s before %s",
                     wv_k32_name_at(i), wv_k32_name_at(i + 1));
    for (size_t i = 0; i < n; i++)
        cr_assert_not_null(wv_k32_lookup(wv_k32_name_at(i)), "%s", wv_k32_name_at(i));
    for (size_t i = 0; i < sizeof(expected_exports) / sizeof(expected_exports[0]); i++)
        cr_assert_not_null(wv_k32_lookup(expected_exports[i]), "%s missing", expected_exports[i]);
    static const char *const absent[] = {"", "A", "Zzz", "virtualalloc", "VirtualAllocExNuma",
                                         "VirtualAlloc ", "GetTickCount6", "_VirtualAlloc"};
    for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
        cr_assert_null(wv_k32_lookup(absent[i]), "\"%s\" found", absent[i]);
    cr_assert_null(wv_k32_lookup(NULL));
    cr_assert_neq(wv_k32_lookup("VirtualAlloc"), wv_k32_lookup("VirtualFree"));
}

#define K32FN(type, name) ((type)wv_k32_lookup(name))

typedef LPVOID(MS *ms_VirtualAlloc)(LPVOID, SIZE_T, DWORD, DWORD);
typedef SIZE_T(MS *ms_VirtualQuery)(LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T);
typedef BOOL(MS *ms_VirtualFree)(LPVOID, SIZE_T, DWORD);
typedef BOOL(MS *ms_VirtualProtectEx)(HANDLE, LPVOID, SIZE_T, DWORD, PDWORD);
typedef DWORD(MS *ms_GetLastError)(void);
typedef void(MS *ms_SetLastError)(DWORD);

Test(k32_table, virtual_memory_and_last_error_through_ms_abi)
{
    ms_VirtualAlloc va = K32FN(ms_VirtualAlloc, "VirtualAlloc");
    ms_VirtualQuery vq = K32FN(ms_VirtualQuery, "VirtualQuery");
    ms_VirtualFree vf = K32FN(ms_VirtualFree, "VirtualFree");
    ms_VirtualProtectEx vpx = K32FN(ms_VirtualProtectEx, "VirtualProtectEx");
    ms_GetLastError gle = K32FN(ms_GetLastError, "GetLastError");
    ms_SetLastError sle = K32FN(ms_SetLastError, "SetLastError");
    cr_assert(va && vq && vf && vpx && gle && sle);

    char *p = va(NULL, 3 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.RegionSize, 3 * PAGE, "the size reached VirtualAlloc");
    cr_assert_eq(m.Protect, PAGE_READWRITE, "and the protection");
    memset(&m, 0, sizeof(m));
    cr_assert_eq(vq(p + PAGE, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.BaseAddress, p + PAGE);
    DWORD old = SENTINEL; /* five arguments: the fifth travels on the stack */
    cr_assert(vpx(GetCurrentProcess(), p + PAGE, PAGE, PAGE_READONLY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert_eq(tu_query(p + PAGE).Protect, PAGE_READONLY);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);

    sle(SENTINEL);
    cr_assert_not(vf(p, PAGE, MEM_RELEASE), "MEM_RELEASE needs size 0");
    cr_assert_eq(gle(), ERROR_INVALID_PARAMETER);
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    sle(1234);
    cr_assert_eq(GetLastError(), 1234);
    SetLastError(4321);
    cr_assert_eq(gle(), 4321);
    cr_assert(vf(p, 0, MEM_RELEASE));
    cr_assert_eq(tu_query(p).State, MEM_FREE);
}

typedef BOOL(MS *ms_DuplicateHandle)(HANDLE, HANDLE, HANDLE, LPHANDLE, DWORD, BOOL, DWORD);
typedef BOOL(MS *ms_WriteFile)(HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED);
typedef BOOL(MS *ms_ReadFile)(HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED);
typedef BOOL(MS *ms_CloseHandle)(HANDLE);

Test(k32_table, files_and_handles_through_ms_abi)
{
    ms_DuplicateHandle dup = K32FN(ms_DuplicateHandle, "DuplicateHandle");
    ms_WriteFile wf = K32FN(ms_WriteFile, "WriteFile");
    ms_ReadFile rf = K32FN(ms_ReadFile, "ReadFile");
    ms_CloseHandle ch = K32FN(ms_CloseHandle, "CloseHandle");
    cr_assert(dup && wf && rf && ch);
    HANDLE r, w, w2 = NULL;
    handle_pipe(&r, &w);
    /* Seven arguments: three on the stack above the shadow space. */
    cr_assert(dup(GetCurrentProcess(), w, GetCurrentProcess(), &w2, 0, FALSE, DUPLICATE_SAME_ACCESS));
    cr_assert(w2 && w2 != w);
    DWORD n = SENTINEL;
    cr_assert(wf(w2, "ms-abi", 6, &n, NULL));
    cr_assert_eq(n, 6);
    SetLastError(SENTINEL);
    cr_assert_not(wf(w2, "x", 1, &n, (LPOVERLAPPED)16), "the fifth argument arrived");
    EXPECT_ERR(ERROR_NOACCESS);
    char buf[16] = {0};
    cr_assert(rf(r, buf, sizeof(buf), &n, NULL));
    cr_assert_eq(n, 6);
    cr_assert_str_eq(buf, "ms-abi");
    cr_assert(ch(w2));
    cr_assert(ch(w));
    SetLastError(SENTINEL);
    cr_assert_not(ch(w));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert(ch(r));
}

typedef DWORD(MS *ms_TlsAlloc)(void);
typedef BOOL(MS *ms_TlsSetValue)(DWORD, LPVOID);
typedef LPVOID(MS *ms_TlsGetValue)(DWORD);
typedef BOOL(MS *ms_QueryPerformance)(LARGE_INTEGER *);
typedef ULONGLONG(MS *ms_GetTickCount64)(void);
typedef DWORD(MS *ms_GetCurrentThreadId)(void);
typedef LPVOID(MS *ms_HeapAlloc)(HANDLE, DWORD, SIZE_T);
typedef SIZE_T(MS *ms_HeapSize)(HANDLE, DWORD, LPCVOID);
typedef HANDLE(MS *ms_GetProcessHeap)(void);
typedef void(MS *ms_GetSystemInfo)(LPSYSTEM_INFO);

Test(k32_table, tls_time_heap_and_system_through_ms_abi)
{
    ms_TlsAlloc ta = K32FN(ms_TlsAlloc, "TlsAlloc");
    ms_TlsSetValue ts = K32FN(ms_TlsSetValue, "TlsSetValue");
    ms_TlsGetValue tg = K32FN(ms_TlsGetValue, "TlsGetValue");
    ms_QueryPerformance qf = K32FN(ms_QueryPerformance, "QueryPerformanceFrequency");
    ms_QueryPerformance qc = K32FN(ms_QueryPerformance, "QueryPerformanceCounter");
    ms_GetTickCount64 tc = K32FN(ms_GetTickCount64, "GetTickCount64");
    ms_GetCurrentThreadId tid = K32FN(ms_GetCurrentThreadId, "GetCurrentThreadId");
    ms_GetProcessHeap gph = K32FN(ms_GetProcessHeap, "GetProcessHeap");
    ms_HeapAlloc ha = K32FN(ms_HeapAlloc, "HeapAlloc");
    ms_HeapSize hs = K32FN(ms_HeapSize, "HeapSize");
    ms_GetSystemInfo gsi = K32FN(ms_GetSystemInfo, "GetSystemInfo");
    cr_assert(ta && ts && tg && qf && qc && tc && tid && gph && ha && hs && gsi);

    DWORD i = ta();
    cr_assert_lt(i, 1088);
    int x;
    cr_assert(ts(i, &x));
    cr_assert_eq(tg(i), &x);
    cr_assert_eq(TlsGetValue(i), &x, "the same slots as the host API");

    LARGE_INTEGER f = {.QuadPart = 0}, c = {.QuadPart = 0};
    cr_assert(qf(&f));
    cr_assert_eq(f.QuadPart, 10000000);
    cr_assert(qc(&c));
    cr_assert_gt(c.QuadPart, 0);
    ULONGLONG t = tc();
    cr_assert(t + 1 >= mono_ms() - 1000 && t <= mono_ms(), "GetTickCount64 %llu", t);
    cr_assert_eq(tid(), GetCurrentThreadId());

    HANDLE heap = gph();
    cr_assert_eq(heap, GetProcessHeap());
    unsigned char *p = ha(heap, HEAP_ZERO_MEMORY, 777);
    cr_assert_not_null(p);
    cr_assert_eq(hs(heap, 0, p), 777);
    cr_assert_eq(p[776], 0);
    HeapFree(heap, 0, p);

    SYSTEM_INFO si;
    memset(&si, 0, sizeof(si));
    gsi(&si);
    cr_assert_eq(si.dwPageSize, 4096);
    cr_assert_eq(si.dwAllocationGranularity, 65536);
}

/* A vectored handler as PE code writes it: ms_abi. */
static int pe_handler_calls;
static DWORD pe_handler_code;

static MS LONG pe_handler(PEXCEPTION_POINTERS ep)
{
    pe_handler_calls++;
    pe_handler_code = ep->ExceptionRecord->ExceptionCode;
    void *page = (void *)ep->ExceptionRecord->ExceptionInformation[1];
    DWORD old;
    if (pe_handler_code != STATUS_ACCESS_VIOLATION || !VirtualProtect(page, PAGE, PAGE_READWRITE, &old))
        return EXCEPTION_CONTINUE_SEARCH;
    return EXCEPTION_CONTINUE_EXECUTION; /* the faulting write runs again, now allowed */
}

static void write_byte(void *p) { *(volatile char *)p = 7; }

typedef PVOID(MS *ms_AddVeh)(ULONG, LONG(MS *)(PEXCEPTION_POINTERS));
typedef ULONG(MS *ms_RemoveVeh)(PVOID);

Test(k32_table, vectored_handlers_written_in_ms_abi)
{
    ms_AddVeh add = K32FN(ms_AddVeh, "AddVectoredExceptionHandler");
    ms_RemoveVeh rem = K32FN(ms_RemoveVeh, "RemoveVectoredExceptionHandler");
    cr_assert(add && rem);
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
    cr_assert_not_null(p);

    PVOID h = add(1, pe_handler);
    cr_assert_not_null(h);
    cr_assert_eq(winvm_try(write_byte, p, NULL), 0, "the handler continued execution");
    cr_assert_eq(pe_handler_calls, 1);
    cr_assert_eq(pe_handler_code, STATUS_ACCESS_VIOLATION, "it read the EXCEPTION_POINTERS");
    cr_assert_eq(p[0], 7, "the write happened after the handler fixed the page");

    cr_assert_eq(rem(h), 1, "Remove takes what Add returned");
    cr_assert_eq(rem(h), 0, "once");
    DWORD old;
    cr_assert(VirtualProtect(p, PAGE, PAGE_NOACCESS, &old));
    cr_assert_eq(winvm_try(write_byte, p, NULL), STATUS_ACCESS_VIOLATION, "no handler any more");
    cr_assert_eq(pe_handler_calls, 1);

    /* Slots are reused: many registrations in turn all work. */
    for (int k = 0; k < 200; k++) {
        PVOID hk = add(0, pe_handler);
        cr_assert_not_null(hk, "registration %d", k);
        cr_assert_eq(rem(hk), 1);
    }
    SetLastError(SENTINEL);
    cr_assert_null(add(0, NULL));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(k32_table, ms_abi_handler_slots_run_out_cleanly)
{
    ms_AddVeh add = K32FN(ms_AddVeh, "AddVectoredExceptionHandler");
    ms_RemoveVeh rem = K32FN(ms_RemoveVeh, "RemoveVectoredExceptionHandler");
    PVOID hs[300];
    int n = 0;
    while (n < 300 && (hs[n] = add(0, pe_handler)) != NULL)
        n++;
    cr_assert(n > 0 && n < 300, "registered %d", n);
    EXPECT_ERR(ERROR_NOT_ENOUGH_MEMORY);
    for (int k = 0; k < n; k++)
        cr_assert_eq(rem(hs[k]), 1);
    cr_assert_not_null(hs[0] = add(0, pe_handler), "free again");
    cr_assert_eq(rem(hs[0]), 1);
}

Test(k32_table, msvcrt_sorted_and_served)
{
    size_t n = 0;
    for (const char *prev = NULL, *cur; (cur = wv_crt_name_at(n)); prev = cur, n++) {
        if (prev)
            cr_assert_lt(strcmp(prev, cur), 0, "%s before %s", prev, cur);
        cr_assert_not_null(wv_crt_lookup(cur), "%s", cur);
    }
    cr_assert_gt(n, 40);
    cr_assert_null(wv_crt_lookup("no_such_function"));
}
