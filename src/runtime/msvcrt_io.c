/* SPDX-License-Identifier: MIT */
/* msvcrt_io.c - msvcrt's low-level I/O: descriptors (_open, _read, _write, _lseeki64, _close,
 * _dup, _dup2, _setmode, _isatty, _get_osfhandle, _open_osfhandle ...).
 *
 * An msvcrt descriptor is the host descriptor of the same number.  Only the ones msvcrt made
 * (or the standard three) are msvcrt's: any other number, winvm's own descriptors included, is
 * EBADF, so PE code can never close what winvm uses.  Text mode works as msvcrt's: on read a
 * CR LF pair becomes LF and Ctrl-Z ends the file; on write LF becomes CR LF.  _open defaults to
 * text unless _O_BINARY is given or _fmode says binary.  **winvm choice**: the standard three
 * start in binary mode, so a program's output reaches Linux with LF line ends (_setmode can
 * ask for text).  _get_osfhandle gives a kernel32 HANDLE (the standard handles for 0-2, else one
 * made on first use and closed by _close); _open_osfhandle takes the HANDLE over likewise.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WV_NFD 2048 /* msvcrt's own limit */

struct wv_fd {
    bool open;    /* msvcrt's descriptor */
    bool text;    /* text mode */
    bool eof;     /* a pipe met Ctrl-Z: no more input */
    int pending;  /* a pipe's byte read past a CR, + 1; 0 when none */
    HANDLE h;     /* _get_osfhandle's HANDLE, owned (closed by _close); NULL when none */
};

static struct wv_fd wv_fds[WV_NFD];
static pthread_mutex_t wv_fd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t wv_fd_once = PTHREAD_ONCE_INIT;

static void wv_fd_init(void)
{
    for (int fd = 0; fd < 3; fd++)
        wv_fds[fd].open = fcntl(fd, F_GETFD) >= 0;
}

bool wv_crt_fd_valid(int fd)
{
    pthread_once(&wv_fd_once, wv_fd_init);
    return fd >= 0 && fd < WV_NFD && __atomic_load_n(&wv_fds[fd].open, __ATOMIC_ACQUIRE);
}

bool wv_crt_fd_text(int fd) { return wv_crt_fd_valid(fd) && wv_fds[fd].text; }

/* Makes host descriptor fd msvcrt's; closes it and fails with EMFILE past msvcrt's limit. */
static int wv_fd_adopt(int fd, bool text, HANDLE h)
{
    if (fd >= WV_NFD) {
        close(fd);
        return wv_crt_fail(EMFILE);
    }
    pthread_once(&wv_fd_once, wv_fd_init);
    pthread_mutex_lock(&wv_fd_lock);
    wv_fds[fd] = (struct wv_fd){.text = text, .h = h};
    __atomic_store_n(&wv_fds[fd].open, true, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&wv_fd_lock);
    return fd;
}

#define WV_FD_CHECK(fd, fail) if (!wv_crt_fd_valid(fd)) return (wv_crt_fail(EBADF), (fail))

/* ---- paths ---- */

char *wv_crt_host_path(const char *path)
{
    char *p = NULL;
    DWORD err = path ? wv_path_host(path, &p) : ERROR_INVALID_PARAMETER;
    if (!err)
        return p;
    free(p);
    wv_crt_fail(err == ERROR_NOT_ENOUGH_MEMORY ? ENOMEM : err == ERROR_INVALID_PARAMETER ? EINVAL : ENOENT);
    return NULL;
}

char *wv_crt_host_wpath(const WCHAR *path)
{
    char *u = NULL;
    if (!path || wv_utf8(path, &u)) {
        wv_crt_fail(!path || !u ? EINVAL : ENOMEM);
        return NULL;
    }
    char *p = wv_crt_host_path(u);
    free(u);
    return p;
}

/* ---- open and close ---- */

int wv_crt_open_path(const char *path, int flags, int pmode)
{
    static const int acc[3] = {O_RDONLY, O_WRONLY, O_RDWR};
    if ((flags & 3) == 3)
        return wv_crt_fail(EINVAL);
    int host = acc[flags & 3] | O_CLOEXEC | (flags & WV_O_APPEND ? O_APPEND : 0) |
               (flags & WV_O_CREAT ? O_CREAT : 0) | (flags & WV_O_TRUNC ? O_TRUNC : 0) |
               (flags & WV_O_EXCL ? O_EXCL : 0);
    int fd = open(path, host, pmode & 0x80 ? 0666 : 0444); /* _S_IWRITE: writable */
    if (fd < 0)
        return wv_crt_fail(errno);
    struct stat st;
    bool known = fstat(fd, &st) == 0;
    /* Windows opens no directory, nor a system DLL's file (a sealed one) for writing. */
    if (known && (S_ISDIR(st.st_mode) || ((flags & 3) && st.st_nlink == 0 && wv_memfile_sealed(fd)))) {
        close(fd);
        return wv_crt_fail(EACCES);
    }
    if (flags & WV_O_TEMPORARY) /* deleted when the last descriptor closes */
        unlink(path);
    bool text = flags & WV_O_BINARY ? false : flags & WV_O_TEXT ? true : !(wv_ms__fmode & WV_O_BINARY);
    return wv_fd_adopt(fd, text, NULL);
}

CRT int wv_ms__open(const char *path, int flags, int pmode)
{
    char *p = wv_crt_host_path(path);
    int fd = p ? wv_crt_open_path(p, flags, pmode) : -1;
    free(p);
    return fd;
}

CRT int wv_ms__wopen(const WCHAR *path, int flags, int pmode)
{
    char *p = wv_crt_host_wpath(path);
    int fd = p ? wv_crt_open_path(p, flags, pmode) : -1;
    free(p);
    return fd;
}

/* **winvm choice**: no share modes, as CreateFile here: the share flag is not enforced. */
CRT int wv_ms__sopen(const char *path, int flags, int share, int pmode) { return wv_ms__open(path, flags, pmode); }
CRT int wv_ms__wsopen(const WCHAR *path, int flags, int share, int pmode) { return wv_ms__wopen(path, flags, pmode); }

CRT int wv_ms__close(int fd)
{
    WV_FD_CHECK(fd, -1);
    pthread_mutex_lock(&wv_fd_lock);
    HANDLE h = wv_fds[fd].h;
    __atomic_store_n(&wv_fds[fd].open, false, __ATOMIC_RELEASE);
    wv_fds[fd].h = NULL;
    pthread_mutex_unlock(&wv_fd_lock);
    if (h)
        CloseHandle(h);
    return close(fd) == 0 || errno == EINTR ? 0 : wv_crt_fail(errno);
}

CRT int wv_ms__dup(int fd)
{
    WV_FD_CHECK(fd, -1);
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    return d < 0 ? wv_crt_fail(errno) : wv_fd_adopt(d, wv_fds[fd].text, NULL);
}

/* **winvm choice**: a target that is a host descriptor winvm uses is refused (EBADF). */
CRT int wv_ms__dup2(int fd, int to)
{
    WV_FD_CHECK(fd, -1);
    if (to < 0 || to >= WV_NFD || (!wv_crt_fd_valid(to) && fcntl(to, F_GETFD) >= 0))
        return wv_crt_fail(EBADF);
    if (fd == to)
        return 0;
    if (wv_crt_fd_valid(to))
        wv_ms__close(to);
    if (dup3(fd, to, to < 3 ? 0 : O_CLOEXEC) < 0)
        return wv_crt_fail(errno);
    return wv_fd_adopt(to, wv_fds[fd].text, NULL) < 0 ? -1 : 0;
}

/* ---- read and write ---- */

/* Reads once into buf: the pending byte of a pipe first, alone (no second wait). */
static ssize_t wv_fd_read_raw(int fd, char *buf, unsigned n)
{
    struct wv_fd *s = &wv_fds[fd];
    if (s->pending) {
        buf[0] = (char)(s->pending - 1);
        s->pending = 0;
        return 1;
    }
    ssize_t r;
    do
        r = read(fd, buf, n);
    while (r < 0 && errno == EINTR);
    return r;
}

/* After a CR that ended the buffer: whether the next byte is LF (consumed); any other byte is
 * put back (sought back over, or kept for a pipe). */
static bool wv_fd_peek_lf(int fd)
{
    char c;
    if (wv_fd_read_raw(fd, &c, 1) != 1)
        return false;
    if (c == '\n')
        return true;
    if (lseek(fd, -1, SEEK_CUR) < 0)
        wv_fds[fd].pending = (unsigned char)c + 1;
    return false;
}

int wv_crt_read_text(int fd, char *out, unsigned n, unsigned char *crlf)
{
    if (wv_fds[fd].eof || n == 0)
        return 0;
    ssize_t r = wv_fd_read_raw(fd, out, n);
    if (r < 0)
        return wv_crt_fail(errno);
    unsigned j = 0;
    for (ssize_t i = 0; i < r; i++) {
        char c = out[i];
        bool pair = false;
        if (c == 0x1a) { /* Ctrl-Z: the end; a file stays there, a pipe remembers it */
            if (lseek(fd, (off_t)(i - r), SEEK_CUR) < 0)
                wv_fds[fd].eof = true;
            break;
        }
        if (c == '\r' && (i + 1 < r ? out[i + 1] == '\n' : wv_fd_peek_lf(fd)))
            c = '\n', pair = true, i += i + 1 < r;
        out[j] = c;
        if (crlf)
            crlf[j] = pair;
        j++;
    }
    return (int)j;
}

CRT int wv_ms__read(int fd, void *buf, unsigned n)
{
    WV_FD_CHECK(fd, -1);
    if (!buf || n > INT32_MAX)
        return wv_crt_fail(EINVAL);
    if (wv_fds[fd].text)
        return wv_crt_read_text(fd, buf, n, NULL);
    ssize_t r = wv_fd_read_raw(fd, buf, n);
    return r < 0 ? wv_crt_fail(errno) : (int)r;
}

static bool wv_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w, n -= (size_t)w;
    }
    return true;
}

/* LF becomes CR LF; the count is of the caller's bytes, as msvcrt's. */
static int wv_write_text(int fd, const char *p, unsigned n)
{
    char out[2048];
    unsigned done = 0;
    while (done < n) {
        size_t k = 0;
        unsigned from = done;
        while (done < n && k + 2 <= sizeof(out)) {
            if (p[done] == '\n')
                out[k++] = '\r';
            out[k++] = p[done++];
        }
        if (!wv_write_all(fd, out, k))
            return from ? (int)from : wv_crt_fail(errno);
    }
    return (int)n;
}

CRT int wv_ms__write(int fd, const void *buf, unsigned n)
{
    WV_FD_CHECK(fd, -1);
    if (!buf || n > INT32_MAX)
        return wv_crt_fail(EINVAL);
    if (wv_fds[fd].text)
        return wv_write_text(fd, buf, n);
    return wv_write_all(fd, buf, n) ? (int)n : wv_crt_fail(errno);
}

/* ---- positions and sizes ---- */

CRT long long wv_ms__lseeki64(int fd, long long off, int whence)
{
    WV_FD_CHECK(fd, -1);
    if (whence < 0 || whence > 2)
        return wv_crt_fail(EINVAL);
    off_t r = lseek(fd, off, whence);
    if (r < 0)
        return wv_crt_fail(errno);
    wv_fds[fd].eof = false;
    return r;
}

CRT long wv_ms__lseek(int fd, long off, int whence)
{
    long long r = wv_ms__lseeki64(fd, off, whence);
    return r > INT32_MAX ? wv_crt_fail(EINVAL) : (long)r;
}

CRT long long wv_ms__telli64(int fd) { return wv_ms__lseeki64(fd, 0, SEEK_CUR); }
CRT long wv_ms__tell(int fd) { return wv_ms__lseek(fd, 0, SEEK_CUR); }

CRT long long wv_ms__filelengthi64(int fd)
{
    WV_FD_CHECK(fd, -1);
    struct stat st;
    return fstat(fd, &st) < 0 ? wv_crt_fail(errno) : (long long)st.st_size;
}

CRT long wv_ms__filelength(int fd)
{
    long long n = wv_ms__filelengthi64(fd);
    return n > INT32_MAX ? wv_crt_fail(EINVAL) : (long)n;
}

/* 1 at the end of the file, 0 before it. */
CRT int wv_ms__eof(int fd)
{
    long long here = wv_ms__telli64(fd), size = here < 0 ? -1 : wv_ms__filelengthi64(fd);
    return here < 0 || size < 0 ? -1 : here >= size;
}

CRT int wv_ms__chsize_s(int fd, long long size)
{
    WV_FD_CHECK(fd, EBADF);
    if (size < 0)
        return wv_crt_fail(EINVAL), EINVAL;
    return ftruncate(fd, size) < 0 ? (wv_crt_fail(errno), *wv_ms__errno()) : 0;
}

CRT int wv_ms__chsize(int fd, long size) { return wv_ms__chsize_s(fd, size) ? -1 : 0; }

CRT int wv_ms__commit(int fd)
{
    WV_FD_CHECK(fd, -1);
    return fsync(fd) < 0 && errno != EINVAL ? wv_crt_fail(errno) : 0;
}

/* ---- modes and handles ---- */

CRT int wv_ms__isatty(int fd)
{
    WV_FD_CHECK(fd, 0);
    return isatty(fd) ? 0x40 : 0; /* msvcrt answers with its FDEV flag */
}

CRT int wv_ms__setmode(int fd, int mode)
{
    WV_FD_CHECK(fd, -1);
    if (mode != WV_O_TEXT && mode != WV_O_BINARY) /* the wide text modes are not provided */
        return wv_crt_fail(EINVAL);
    bool was = wv_fds[fd].text;
    wv_fds[fd].text = mode == WV_O_TEXT;
    return was ? WV_O_TEXT : WV_O_BINARY;
}

CRT intptr_t wv_ms__get_osfhandle(int fd)
{
    WV_FD_CHECK(fd, -1);
    if (fd < 3)
        return (intptr_t)GetStdHandle(STD_INPUT_HANDLE - (DWORD)fd);
    pthread_mutex_lock(&wv_fd_lock);
    HANDLE h = wv_fds[fd].h;
    if (!h) {
        int acc = fcntl(fd, F_GETFL) & O_ACCMODE;
        DWORD access = acc == O_RDONLY ? GENERIC_READ : acc == O_WRONLY ? GENERIC_WRITE : GENERIC_READ | GENERIC_WRITE;
        if (wv_file_from_fd(fd, access, &h))
            h = NULL;
        wv_fds[fd].h = h;
    }
    pthread_mutex_unlock(&wv_fd_lock);
    return h ? (intptr_t)h : wv_crt_fail(EBADF);
}

CRT int wv_ms__open_osfhandle(intptr_t handle, int flags)
{
    DWORD access = 0;
    struct wv_file *f = (struct wv_file *)wv_handle_get((HANDLE)handle, WV_KIND_FILE, &access);
    if (!f)
        return wv_crt_fail(EBADF);
    int fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 3);
    wv_object_unref(&f->obj);
    if (fd < 0)
        return wv_crt_fail(errno);
    bool text = flags & WV_O_BINARY ? false : flags & WV_O_TEXT ? true : !(wv_ms__fmode & WV_O_BINARY);
    return wv_fd_adopt(fd, text, (HANDLE)handle);
}
