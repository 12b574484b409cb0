/* SPDX-License-Identifier: MIT */
/* k32_coninput.c - the console's input buffer: INPUT_RECORDs in arrival order, the keys typed
 * at the terminal (k32_conkeys.c; a key-down and a key-up record for each, as Windows sends
 * both) and what the program wrote itself (WriteConsoleInput, as Windows allows).
 * ReadConsoleInput, PeekConsoleInput, GetNumberOfConsoleInputEvents, FlushConsoleInputBuffer.
 *
 * The buffer is the process's: Windows' is the console's, shared by the processes on it, but a
 * terminal's bytes go to whichever process reads them first, so records read from it here are
 * this process's (docs/semantics.md).  One thread at a time reads the terminal (the reader
 * lock); a reader waiting for keys also wakes for records written by another thread (a pipe to
 * itself).  The terminal gives single keys without echo while it is read (k32_console.c's
 * wv_console_keys_begin), whatever the mode, as Windows' records come as keys are pressed.
 * An ESC is the Escape key when nothing follows it within WV_ESC_MS, as terminals' readers
 * decide (an escape sequence's bytes arrive together).  Records are kept in UTF-16; the A
 * forms convert with the console code page, UTF-8: a character that is not one byte there is
 * 0 in AsciiChar, a byte that is no character alone becomes U+FFFD.
 */
#define _GNU_SOURCE
#include "runtime/con_int.h"
#include "fault/fault.h" /* wv_copy */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define WV_ESC_MS 50

static pthread_mutex_t wv_inq_lock = PTHREAD_MUTEX_INITIALIZER;
static INPUT_RECORD *wv_inq; /* the buffer, oldest first (lock) */
static size_t wv_inq_n, wv_inq_cap;
static pthread_mutex_t wv_inq_reader = PTHREAD_MUTEX_INITIALIZER;
static unsigned char wv_pend[64]; /* a sequence's start, read and not yet a key (reader lock) */
static size_t wv_npend;
static struct timespec wv_pend_at; /* when it arrived */
static pthread_once_t wv_wake_once = PTHREAD_ONCE_INIT;
static int wv_wake[2] = {-1, -1};

static void wv_wake_make(void)
{
    if (pipe2(wv_wake, O_CLOEXEC | O_NONBLOCK) != 0)
        wv_wake[0] = wv_wake[1] = -1;
}

/* Appends n records (lock held): 0 or ERROR_NOT_ENOUGH_MEMORY, nothing added then. */
static DWORD wv_inq_push(const INPUT_RECORD *r, size_t n)
{
    if (n == 0)
        return 0; /* the queue may not exist yet: no memcpy on NULL */
    if (wv_inq_n + n > wv_inq_cap) {
        size_t cap = wv_inq_cap ? wv_inq_cap : 64;
        while (cap < wv_inq_n + n)
            cap *= 2;
        INPUT_RECORD *q = realloc(wv_inq, cap * sizeof(*q));
        if (!q)
            return ERROR_NOT_ENOUGH_MEMORY;
        wv_inq = q, wv_inq_cap = cap;
    }
    memcpy(wv_inq + wv_inq_n, r, n * sizeof(*r));
    wv_inq_n += n;
    return 0;
}

static void wv_inq_drop(size_t n) /* lock held */
{
    if (n == 0)
        return; /* the queue may not exist yet: no memmove on NULL */
    memmove(wv_inq, wv_inq + n, (wv_inq_n - n) * sizeof(*wv_inq));
    wv_inq_n -= n;
}

static size_t wv_inq_count(void)
{
    pthread_mutex_lock(&wv_inq_lock);
    size_t n = wv_inq_n;
    pthread_mutex_unlock(&wv_inq_lock);
    return n;
}

/* A typed key: its down and up records. */
static void wv_key_sink_queue(void *ctx, const struct wv_key *k)
{
    INPUT_RECORD r[2];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < 2; i++) {
        KEY_EVENT_RECORD *e = &r[i].Event.KeyEvent;
        r[i].EventType = KEY_EVENT;
        e->bKeyDown = i == 0;
        e->wRepeatCount = 1;
        e->wVirtualKeyCode = k->vk;
        e->wVirtualScanCode = k->scan;
        e->uChar.UnicodeChar = k->ch;
        e->dwControlKeyState = k->state;
    }
    pthread_mutex_lock(&wv_inq_lock);
    if (wv_inq_push(r, 2))
        *(DWORD *)ctx = ERROR_NOT_ENOUGH_MEMORY;
    pthread_mutex_unlock(&wv_inq_lock);
}

static long wv_ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Turns the pending bytes into records (reader lock held); final: the wait for more is over. */
static DWORD wv_pend_parse(bool final)
{
    DWORD err = 0;
    size_t used = wv_conkeys_parse(wv_pend, wv_npend, final, wv_key_sink_queue, &err);
    memmove(wv_pend, wv_pend + used, wv_npend - used);
    wv_npend -= used;
    if (wv_npend && used)
        clock_gettime(CLOCK_MONOTONIC, &wv_pend_at);
    return err;
}

/* One read of what the terminal has (reader lock held): 0, or the error (its end included). */
static DWORD wv_term_read(int fd)
{
    size_t room = sizeof(wv_pend) - wv_npend;
    ssize_t r;
    do
        r = read(fd, wv_pend + wv_npend, room);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return errno == EAGAIN ? 0 : wv_errno_to_error(errno);
    if (r == 0)
        return ERROR_HANDLE_EOF; /* the terminal hung up */
    if (!wv_npend)
        clock_gettime(CLOCK_MONOTONIC, &wv_pend_at);
    wv_npend += (size_t)r;
    return wv_pend_parse(false);
}

/* Polls the terminal and the wake pipe for at most ms (-1: no limit), reading what arrives. */
static DWORD wv_term_poll(int fd, int ms)
{
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = wv_wake[0], .events = POLLIN}};
    int r = poll(p, wv_wake[0] >= 0 ? 2 : 1, ms);
    if (r < 0)
        return errno == EINTR ? 0 : wv_errno_to_error(errno);
    if (r > 0 && (p[1].revents & POLLIN)) {
        char drain[64];
        while (read(wv_wake[0], drain, sizeof(drain)) > 0) {
        }
    }
    if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
        return wv_term_read(fd);
    if (wv_npend && wv_ms_since(&wv_pend_at) >= WV_ESC_MS)
        return wv_pend_parse(true);
    return 0;
}

DWORD wv_conin_fill(int fd, bool block)
{
    pthread_once(&wv_wake_once, wv_wake_make);
    if (block)
        pthread_mutex_lock(&wv_inq_reader);
    else if (pthread_mutex_trylock(&wv_inq_reader) != 0)
        return 0; /* another thread is reading the terminal: the buffer as it is */
    wv_console_keys_begin(fd);
    DWORD err = 0;
    if (!block) {
        err = wv_term_poll(fd, 0);
    } else {
        while (!err && !wv_inq_count()) {
            long left = wv_npend ? WV_ESC_MS - wv_ms_since(&wv_pend_at) : -1;
            err = wv_term_poll(fd, wv_npend ? (int)(left > 0 ? left : 0) : -1);
        }
    }
    wv_console_keys_end(fd);
    pthread_mutex_unlock(&wv_inq_reader);
    return err;
}

/* ---- the public calls ---- */

/* A record as the A forms give it: the character in the console code page, UTF-8. */
static void wv_rec_to_a(INPUT_RECORD *r)
{
    if (r->EventType == KEY_EVENT) {
        WCHAR c = r->Event.KeyEvent.uChar.UnicodeChar;
        r->Event.KeyEvent.uChar.UnicodeChar = 0;
        r->Event.KeyEvent.uChar.AsciiChar = c < 0x80 ? (CHAR)c : 0;
    }
}

static void wv_rec_from_a(INPUT_RECORD *r)
{
    if (r->EventType == KEY_EVENT) {
        unsigned char c = (unsigned char)r->Event.KeyEvent.uChar.AsciiChar;
        r->Event.KeyEvent.uChar.UnicodeChar = c < 0x80 ? c : 0xFFFD;
    }
}

/* The count pointer's checks: NULL is ERROR_INVALID_ACCESS (Wine's console.c
 * test_WriteConsoleInputA records it), memory that cannot be written ERROR_NOACCESS. */
static DWORD wv_count_ptr_err(LPDWORD p)
{
    return !p ? ERROR_INVALID_ACCESS : IsBadWritePtr(p, sizeof(*p)) ? ERROR_NOACCESS : 0;
}

/* Read and Peek: up to n records into buf (A: converted), removed when take; waits for one
 * when wait.  Nothing is removed unless they reached the caller. */
static BOOL wv_conin_get(HANDLE h, PINPUT_RECORD buf, DWORD n, LPDWORD got, bool take, bool wait, bool a)
{
    int fd = wv_conin_fd(h);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    DWORD err = wv_count_ptr_err(got);
    if (!err && n && (!buf || (uint64_t)n * sizeof(*buf) > SIZE_MAX / 2 || IsBadWritePtr(buf, n * sizeof(*buf))))
        err = ERROR_NOACCESS;
    if (!err && n)
        err = wv_conin_fill(fd, wait);
    close(fd);
    DWORD k = 0;
    if (!err) {
        pthread_mutex_lock(&wv_inq_lock);
        k = (DWORD)(wv_inq_n < n ? wv_inq_n : n);
        INPUT_RECORD *c = k ? malloc(k * sizeof(*c)) : NULL;
        if (k && !c)
            err = ERROR_NOT_ENOUGH_MEMORY;
        for (DWORD i = 0; c && i < k; i++)
            c[i] = wv_inq[i], a ? wv_rec_to_a(&c[i]) : (void)0;
        if (!err && k)
            err = wv_user_put(buf, c, k * sizeof(*c));
        if (!err && take)
            wv_inq_drop(k);
        pthread_mutex_unlock(&wv_inq_lock);
        free(c);
    }
    if (!err)
        err = wv_user_put(got, &k, sizeof(k));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI ReadConsoleInputW(HANDLE h, PINPUT_RECORD buf, DWORD n, LPDWORD got)
{
    return wv_conin_get(h, buf, n, got, true, true, false);
}

BOOL WINAPI ReadConsoleInputA(HANDLE h, PINPUT_RECORD buf, DWORD n, LPDWORD got)
{
    return wv_conin_get(h, buf, n, got, true, true, true);
}

BOOL WINAPI PeekConsoleInputW(HANDLE h, PINPUT_RECORD buf, DWORD n, LPDWORD got)
{
    return wv_conin_get(h, buf, n, got, false, false, false);
}

BOOL WINAPI PeekConsoleInputA(HANDLE h, PINPUT_RECORD buf, DWORD n, LPDWORD got)
{
    return wv_conin_get(h, buf, n, got, false, false, true);
}

BOOL WINAPI GetNumberOfConsoleInputEvents(HANDLE h, LPDWORD count)
{
    int fd = wv_conin_fd(h);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    DWORD err = wv_count_ptr_err(count);
    if (!err)
        err = wv_conin_fill(fd, false);
    close(fd);
    DWORD k = (DWORD)wv_inq_count();
    if (!err)
        err = wv_user_put(count, &k, sizeof(k));
    return err ? wv_fail(err) : TRUE;
}

/* Everything queued goes, and what the terminal holds unread (typed ahead), as Windows'
 * flush empties the console's whole buffer. */
BOOL WINAPI FlushConsoleInputBuffer(HANDLE h)
{
    int fd = wv_conin_fd(h);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    tcflush(fd, TCIFLUSH);
    if (pthread_mutex_trylock(&wv_inq_reader) == 0) { /* else a reader keeps a cut sequence it holds */
        wv_npend = 0;
        pthread_mutex_unlock(&wv_inq_reader);
    }
    pthread_mutex_lock(&wv_inq_lock);
    wv_inq_drop(wv_inq_n);
    pthread_mutex_unlock(&wv_inq_lock);
    close(fd);
    return TRUE;
}

/* A single mouse movement written after a queued one replaces it, as Windows coalesces them
 * (Wine's console.c test_WriteConsoleInputA on Windows: the count stays). */
static bool wv_coalesces(const INPUT_RECORD *r, DWORD n)
{
    return n == 1 && r->EventType == MOUSE_EVENT && (r->Event.MouseEvent.dwEventFlags & MOUSE_MOVED) && wv_inq_n &&
           wv_inq[wv_inq_n - 1].EventType == MOUSE_EVENT &&
           (wv_inq[wv_inq_n - 1].Event.MouseEvent.dwEventFlags & MOUSE_MOVED);
}

static BOOL wv_conin_write(HANDLE h, const INPUT_RECORD *buf, DWORD n, LPDWORD written, bool a)
{
    /* The order of the checks is Windows' (Wine's console.c test_WriteConsoleInputA). */
    DWORD err = wv_count_ptr_err(written);
    if (!err && h == INVALID_HANDLE_VALUE)
        err = ERROR_INVALID_HANDLE;
    INPUT_RECORD *c = NULL;
    if (!err && n && (uint64_t)n * sizeof(*buf) > SIZE_MAX / 2)
        err = ERROR_NOACCESS;
    if (!err && n && !(c = malloc(n * sizeof(*c))))
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (!err && n && (!buf || wv_copy(c, buf, n * sizeof(*c))))
        err = ERROR_NOACCESS;
    int fd = err ? -1 : wv_conin_fd(h);
    if (!err && fd < 0)
        err = ERROR_INVALID_HANDLE;
    if (fd >= 0)
        close(fd);
    for (DWORD i = 0; !err && a && i < n; i++)
        wv_rec_from_a(&c[i]);
    if (!err && n) {
        pthread_mutex_lock(&wv_inq_lock);
        if (wv_coalesces(c, n))
            wv_inq[wv_inq_n - 1] = c[0];
        else
            err = wv_inq_push(c, n);
        pthread_mutex_unlock(&wv_inq_lock);
        pthread_once(&wv_wake_once, wv_wake_make);
        if (!err && wv_wake[1] >= 0 && write(wv_wake[1], "", 1) < 0) {
            /* full: the reader has wake-ups waiting already */
        }
        if (!err) { /* waits on the input handle look again */
            pthread_mutex_lock(&wv_wait_lock);
            pthread_cond_broadcast(&wv_wait_cond);
            pthread_mutex_unlock(&wv_wait_lock);
        }
    }
    free(c);
    if (!err)
        err = wv_user_put(written, &n, sizeof(n));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI WriteConsoleInputW(HANDLE h, const INPUT_RECORD *buf, DWORD n, LPDWORD written)
{
    return wv_conin_write(h, buf, n, written, false);
}

BOOL WINAPI WriteConsoleInputA(HANDLE h, const INPUT_RECORD *buf, DWORD n, LPDWORD written)
{
    return wv_conin_write(h, buf, n, written, true);
}

/* ---- waits on the input handle (sync.c) ---- */

bool wv_conin_waitable(struct wv_object *o)
{
    int fd = ((struct wv_file *)o)->fd;
    return isatty(fd) && (fd == 0 || (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
}

/* Signalled while records wait, as Windows' input handle.  The wait polls (a terminal's bytes
 * broadcast nothing), taking what the terminal holds as records each time it looks. */
bool wv_conin_ready(struct wv_object *o)
{
    if (!wv_conin_waitable(o))
        return false;
    if (!wv_inq_count())
        (void)wv_conin_fill(((struct wv_file *)o)->fd, false);
    return wv_inq_count() != 0;
}

/* ---- for ReadConsole (k32_conread.c) ---- */

size_t wv_conin_take_chars(WCHAR *w, size_t n, bool line, bool *saw_cr)
{
    size_t k = 0, used = 0;
    *saw_cr = false;
    pthread_mutex_lock(&wv_inq_lock);
    while (used < wv_inq_n && k < n && !*saw_cr) {
        const INPUT_RECORD *r = &wv_inq[used++];
        if (r->EventType != KEY_EVENT || !r->Event.KeyEvent.bKeyDown || !r->Event.KeyEvent.uChar.UnicodeChar)
            continue;
        w[k++] = r->Event.KeyEvent.uChar.UnicodeChar;
        *saw_cr = line && w[k - 1] == '\r';
    }
    wv_inq_drop(used);
    pthread_mutex_unlock(&wv_inq_lock);
    return k;
}
