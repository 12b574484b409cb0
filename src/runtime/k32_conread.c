/* SPDX-License-Identifier: MIT */
/* k32_conread.c - ReadConsoleW: UTF-16 characters from a console's input, a terminal here (the
 * same handles GetConsoleMode accepts, k32_console.c; anything else is ERROR_INVALID_HANDLE, as
 * Windows answers for a file or a pipe).  The terminal gives UTF-8: what one read(2) returns (a
 * line in line mode, as Windows' cooked input) is converted, and the characters the caller's
 * count leaves are kept for the next call, as Windows' console keeps the rest of a line; a
 * sequence the read cut waits for the rest of its bytes.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t wv_conread_lock = PTHREAD_MUTEX_INITIALIZER;
static char wv_conread_bytes[4]; /* the start of a sequence the last read cut (lock) */
static size_t wv_conread_nbytes;
static WCHAR *wv_conread_units;   /* what was read and not yet given (lock) */
static size_t wv_conread_n, wv_conread_off;

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

/* With nothing left from before, reads what the terminal has (a line in line mode) into
 * wv_conread_units: 0 (nothing at the end of input) or the error. */
static DWORD wv_conread_fill(int fd)
{
    enum { CHUNK = 4096 };
    while (wv_conread_off == wv_conread_n) {
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
        WCHAR *w = realloc(wv_conread_units, (whole + 1) * sizeof(WCHAR));
        if (!w)
            return ERROR_NOT_ENOUGH_MEMORY;
        wv_conread_units = w, wv_conread_off = 0;
        wv_conread_n = whole ? (size_t)MultiByteToWideChar(CP_UTF8, 0, b, (int)whole, w, (int)whole + 1) : 0;
    }
    return 0;
}

BOOL WINAPI ReadConsoleW(HANDLE h, LPVOID buf, DWORD n, LPDWORD nread, PVOID control)
{
    (void)control; /* the wake-up characters of a CONSOLE_READCONSOLE_CONTROL: line mode ends at Enter */
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f || !isatty(f->fd)) {
        wv_object_unref(f ? &f->obj : NULL);
        return wv_fail(ERROR_INVALID_HANDLE);
    }
    DWORD err = 0, got = 0;
    WCHAR *w = NULL;
    if (n) {
        pthread_mutex_lock(&wv_conread_lock);
        err = wv_conread_fill(f->fd);
        got = err ? 0 : (DWORD)(wv_conread_n - wv_conread_off < n ? wv_conread_n - wv_conread_off : n);
        if (got && !(w = malloc(got * sizeof(WCHAR))))
            err = ERROR_NOT_ENOUGH_MEMORY, got = 0;
        if (got)
            memcpy(w, wv_conread_units + wv_conread_off, got * sizeof(WCHAR)), wv_conread_off += got;
        pthread_mutex_unlock(&wv_conread_lock);
    }
    wv_object_unref(&f->obj);
    if (!err && got)
        err = wv_user_put(buf, w, got * sizeof(WCHAR));
    free(w);
    if (!err && nread)
        err = wv_user_put(nread, &got, sizeof(got));
    return err ? wv_fail(err) : TRUE;
}
