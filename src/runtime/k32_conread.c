/* SPDX-License-Identifier: MIT */
/* k32_conread.c - ReadConsoleW and ReadConsoleA: characters from a console's input, a terminal
 * here (the input handles k32_console.c accepts; anything else, an output handle, a file or a
 * pipe, is ERROR_INVALID_HANDLE, as Windows answers), as the input mode says:
 * - line input (ENABLE_LINE_INPUT): a whole line, ended by CR LF as Windows' cooked read ends
 *   it; the terminal's own line discipline edits it (ICANON) and echoes it (ECHO) as the
 *   console does.  Characters already in the input buffer (WriteConsoleInput's, keys typed
 *   during a ReadConsoleInput) come first, Backspace taking the one before, Enter ending the
 *   line.
 * - otherwise: the characters of the key-down records as they come (k32_coninput.c), so keys
 *   without a character (arrows, F-keys) give none, as Windows' raw read.
 * What the caller's count leaves is kept for the next call, as Windows' console keeps the rest
 * of a line.  The terminal gives UTF-8; a sequence a read cut waits for the rest of its bytes.
 * ReadConsoleA gives the same text in the console code page (UTF-8), its count in bytes.
 */
#define _GNU_SOURCE
#include "runtime/con_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t wv_conread_lock = PTHREAD_MUTEX_INITIALIZER;
static char wv_conread_bytes[4]; /* the start of a sequence the last read cut (lock) */
static size_t wv_conread_nbytes;
static WCHAR *wv_conread_units; /* what was read and not yet given (lock) */
static size_t wv_conread_n, wv_conread_off, wv_conread_cap;
static char *wv_conread_a; /* ReadConsoleA's bytes not yet given (lock) */
static size_t wv_conread_an, wv_conread_aoff;

/* How many bytes of b[0..n) are whole UTF-8 sequences (the rest: a cut sequence's start). */
static size_t wv_utf8_whole(const char *b, size_t n)
{
    size_t i = n, back = 0;
    while (i > 0 && back < 4 && ((unsigned char)b[i - 1] & 0xC0) == 0x80)
        i--, back++;
    if (i == 0)
        return n;
    unsigned char lead = (unsigned char)b[i - 1];
    size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return back + 1 < len ? i - 1 : n;
}

/* A malloc'ed UTF-8 copy of n units, *len bytes long; NULL without memory. */
static char *wv_units_utf8(const WCHAR *w, size_t n, size_t *len)
{
    wv_utf16_to_utf8(w, n, NULL, 0, WV_TEXT_REPLACE, len);
    char *u = malloc(*len + 1);
    if (u)
        wv_utf16_to_utf8(w, n, u, *len + 1, WV_TEXT_REPLACE, len);
    return u;
}

/* Appends n units to the pending ones (lock held). */
static DWORD wv_units_add(const WCHAR *w, size_t n)
{
    if (wv_conread_off == wv_conread_n)
        wv_conread_off = wv_conread_n = 0;
    if (wv_conread_n + n > wv_conread_cap) {
        size_t cap = wv_conread_n + n + 256;
        WCHAR *u = realloc(wv_conread_units, cap * sizeof(WCHAR));
        if (!u)
            return ERROR_NOT_ENOUGH_MEMORY;
        wv_conread_units = u, wv_conread_cap = cap;
    }
    memcpy(wv_conread_units + wv_conread_n, w, n * sizeof(WCHAR));
    wv_conread_n += n;
    return 0;
}

/* One read(2) of the terminal in line mode: a line (its LF made CR LF), or 0 units at the
 * end of input.  0 or the error. */
static DWORD wv_read_line(int fd)
{
    enum { CHUNK = 4096 };
    char b[4 + CHUNK];
    size_t have = wv_conread_nbytes;
    memcpy(b, wv_conread_bytes, have);
    ssize_t r;
    do
        r = read(fd, b + have, CHUNK);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return wv_errno_to_error(errno);
    if (r == 0)
        return 0; /* the end of input: what a cut sequence held is dropped */
    size_t total = have + (size_t)r, whole = wv_utf8_whole(b, total);
    wv_conread_nbytes = total - whole;
    memcpy(wv_conread_bytes, b + whole, wv_conread_nbytes);
    WCHAR *w = malloc((whole + 2) * sizeof(WCHAR));
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    size_t n = whole ? (size_t)MultiByteToWideChar(CP_UTF8, 0, b, (int)whole, w, (int)whole + 1) : 0;
    if (n && w[n - 1] == '\n' && (n == 1 || w[n - 2] != '\r'))
        w[n - 1] = '\r', w[n++] = '\n';
    DWORD err = wv_units_add(w, n);
    free(w);
    return err;
}

/* Line mode: the buffer's characters start the line (Backspace edits, Enter ends it, echoed
 * when the mode echoes); the terminal's line completes it.  *done: the line ended. */
static DWORD wv_line_from_buffer(int fd, bool echo, bool *done)
{
    WCHAR w[256];
    bool cr = false;
    size_t k, start = wv_conread_n;
    DWORD err = 0;
    while (!err && !cr && (k = wv_conin_take_chars(w, sizeof(w) / sizeof(w[0]), true, &cr)) > 0) {
        for (size_t i = 0; i < k && !err; i++) {
            if (w[i] == 0x08) {
                wv_conread_n -= wv_conread_n > start ? 1 : 0;
                continue;
            }
            err = wv_units_add(&w[i], 1);
            if (!err && w[i] == '\r')
                err = wv_units_add((const WCHAR[]){'\n'}, 1);
        }
    }
    if (echo && wv_conread_n > start) { /* the terminal echoes only what it reads itself */
        size_t len;
        char *u = wv_units_utf8(wv_conread_units + start, wv_conread_n - start, &len);
        if (u && write(fd, u, len) < 0) {
            /* an input descriptor opened for reading only: no echo */
        }
        free(u);
    }
    *done = cr;
    return err;
}

/* With nothing left from before: what the mode reads into the pending units.  0 or the error. */
static DWORD wv_conread_fill(int fd)
{
    DWORD mode = wv_console_input_mode(fd), err = 0;
    if (mode & ENABLE_LINE_INPUT) {
        bool done = false;
        err = wv_line_from_buffer(fd, (mode & ENABLE_ECHO_INPUT) != 0, &done);
        return err || done ? err : wv_read_line(fd);
    }
    while (!err && wv_conread_off == wv_conread_n) {
        WCHAR w[256];
        bool cr;
        size_t k = wv_conin_take_chars(w, sizeof(w) / sizeof(w[0]), false, &cr);
        err = k ? wv_units_add(w, k) : wv_conin_fill(fd, true);
    }
    return err;
}

/* Checks h and the caller's buffer of size bytes before anything is read: the input terminal
 * (to close), or -1 with *err. */
static int wv_conread_open(HANDLE h, const void *buf, size_t size, LPDWORD nread, DWORD *err)
{
    int fd = wv_conin_fd(h);
    *err = fd < 0 ? ERROR_INVALID_HANDLE : 0;
    if (!*err && size && (size > SIZE_MAX / 4 || IsBadWritePtr((LPVOID)buf, size)))
        *err = ERROR_NOACCESS;
    if (!*err && nread && IsBadWritePtr(nread, sizeof(*nread)))
        *err = ERROR_NOACCESS;
    if (*err && fd >= 0)
        close(fd), fd = -1;
    return fd;
}

BOOL WINAPI ReadConsoleW(HANDLE h, LPVOID buf, DWORD n, LPDWORD nread, PVOID control)
{
    (void)control; /* the wake-up characters of a CONSOLE_READCONSOLE_CONTROL: line mode ends at Enter */
    DWORD err, got = 0;
    int fd = wv_conread_open(h, buf, (size_t)n * sizeof(WCHAR), nread, &err);
    if (fd < 0)
        return wv_fail(err);
    if (n) {
        pthread_mutex_lock(&wv_conread_lock);
        if (wv_conread_off == wv_conread_n)
            err = wv_conread_fill(fd);
        got = err ? 0 : (DWORD)(wv_conread_n - wv_conread_off < n ? wv_conread_n - wv_conread_off : n);
        if (got)
            err = wv_user_put(buf, wv_conread_units + wv_conread_off, got * sizeof(WCHAR));
        if (!err)
            wv_conread_off += got;
        pthread_mutex_unlock(&wv_conread_lock);
    }
    close(fd);
    if (!err && nread)
        err = wv_user_put(nread, &got, sizeof(got));
    return err ? wv_fail(err) : TRUE;
}

/* ReadConsoleA: the pending characters as UTF-8, what the count leaves kept (lock held). */
static DWORD wv_conread_a_fill(int fd)
{
    DWORD err = wv_conread_off == wv_conread_n ? wv_conread_fill(fd) : 0;
    if (err || wv_conread_off == wv_conread_n)
        return err;
    size_t len;
    char *u = wv_units_utf8(wv_conread_units + wv_conread_off, wv_conread_n - wv_conread_off, &len);
    if (!u)
        return ERROR_NOT_ENOUGH_MEMORY;
    free(wv_conread_a);
    wv_conread_a = u, wv_conread_an = len, wv_conread_aoff = 0;
    wv_conread_off = wv_conread_n;
    return 0;
}

BOOL WINAPI ReadConsoleA(HANDLE h, LPVOID buf, DWORD n, LPDWORD nread, PVOID control)
{
    (void)control;
    DWORD err, got = 0;
    int fd = wv_conread_open(h, buf, n, nread, &err);
    if (fd < 0)
        return wv_fail(err);
    if (n) {
        pthread_mutex_lock(&wv_conread_lock);
        if (wv_conread_aoff == wv_conread_an)
            err = wv_conread_a_fill(fd);
        size_t left = wv_conread_an - wv_conread_aoff;
        got = err ? 0 : (DWORD)(left < n ? left : n);
        if (got)
            err = wv_user_put(buf, wv_conread_a + wv_conread_aoff, got);
        if (!err)
            wv_conread_aoff += got;
        pthread_mutex_unlock(&wv_conread_lock);
    }
    close(fd);
    if (!err && nread)
        err = wv_user_put(nread, &got, sizeof(got));
    return err ? wv_fail(err) : TRUE;
}
