/* SPDX-License-Identifier: MIT */
/* msvcrt_stdio.c - msvcrt's FILEs: fopen/_fdopen/freopen/tmpfile/fclose, character and block
 * I/O, positions, buffering.  (printf and scanf: msvcrt_fmt.c; wide characters: msvcrt_wide.c.)
 *
 * stdin/stdout/stderr are msvcrt FILE structures (__iob_func) mapped to the host's; output to
 * them is flushed at once so it interleaves with WriteFile on the same descriptors.  Every
 * other FILE is a host FILE made by fopencookie over msvcrt's descriptor layer (msvcrt_io.c),
 * so a text-mode file gets its CR LF translation there, and _fileno, _setmode, _read and the
 * FILE agree.  ftell/fseek on a text-mode FILE count bytes on disk, as msvcrt's: the bytes read
 * ahead but not handed out are given back through the cookie's seek, which knows which of them
 * were CR LF pairs on disk.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* msvcrt has 20 static FILEs; code built for it locks those by index and every other FILE
 * through the critical section that follows it (msvcrt's _FILEX). */
struct wv_crt_file wv_ms__iob[20] = {{.file = 0}, {.file = 1}, {.file = 2}};

struct wv_crt_filex {
    struct wv_crt_file file;
    CRITICAL_SECTION lock;
    FILE *host;
    /* The last text-mode read: crlf[i] says whether byte i was a CR LF pair on disk. */
    unsigned char *crlf;
    size_t len, cap;
    WCHAR wpending; /* wv_crt_wpending */
};

FILE *wv_crt_host_file(void *fp)
{
    if (fp == &wv_ms__iob[0])
        return stdin;
    if (fp == &wv_ms__iob[1])
        return stdout;
    if (fp == &wv_ms__iob[2])
        return stderr;
    if ((char *)fp >= (char *)wv_ms__iob && (char *)fp < (char *)(wv_ms__iob + 20))
        return NULL;
    return fp ? ((struct wv_crt_filex *)fp)->host : NULL;
}

static bool wv_is_std(FILE *f) { return f == stdin || f == stdout || f == stderr; }

CRT void *wv_ms___iob_func(void) { return wv_ms__iob; }

WCHAR *wv_crt_wpending(void *fp)
{
    static WCHAR std[3];
    FILE *f = wv_crt_host_file(fp);
    return wv_is_std(f) ? &std[f == stdin ? 0 : f == stdout ? 1 : 2] : &((struct wv_crt_filex *)fp)->wpending;
}

/* ---- the cookie: a host FILE over an msvcrt descriptor ---- */

static ssize_t wv_cookie_read(void *c, char *buf, size_t n)
{
    struct wv_crt_filex *x = c;
    int fd = x->file.file;
    x->len = 0;
    if (!wv_crt_fd_valid(fd))
        return errno = EBADF, -1;
    n = n > INT_MAX ? INT_MAX : n;
    if (!wv_crt_fd_text(fd)) {
        int r = wv_ms__read(fd, buf, (unsigned)n);
        return r < 0 ? (errno = EIO, -1) : r;
    }
    if (n > x->cap) {
        unsigned char *m = realloc(x->crlf, n);
        if (m)
            x->crlf = m, x->cap = n;
        n = x->cap;
    }
    int r = wv_crt_read_text(fd, buf, (unsigned)n, x->crlf);
    x->len = r > 0 ? (size_t)r : 0;
    return r < 0 ? (errno = EIO, -1) : r;
}

static ssize_t wv_cookie_write(void *c, const char *buf, size_t n)
{
    struct wv_crt_filex *x = c;
    int r = wv_ms__write(x->file.file, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
    return r < 0 ? 0 : r;
}

/* glibc gives back what it read but did not hand out as a SEEK_CUR by minus its length: on
 * disk that is longer by one byte for each CR LF among it. */
static int wv_cookie_seek(void *c, off64_t *pos, int whence)
{
    struct wv_crt_filex *x = c;
    off64_t off = *pos;
    if (whence == SEEK_CUR && off < 0 && x->len) {
        size_t u = (size_t)-off < x->len ? (size_t)-off : x->len;
        for (size_t i = x->len - u; i < x->len; i++)
            off -= x->crlf[i];
    }
    if (!(whence == SEEK_CUR && off == 0))
        x->len = 0;
    long long r = wv_ms__lseeki64(x->file.file, off, whence);
    if (r < 0)
        return errno = EINVAL, -1;
    *pos = r;
    return 0;
}

static int wv_cookie_close(void *c)
{
    struct wv_crt_filex *x = c;
    return wv_ms__close(x->file.file) < 0 ? -1 : 0;
}

int wv_crt_mode_flags(const char *mode)
{
    int f;
    switch (mode ? *mode : 0) {
    case 'r': f = WV_O_RDONLY; break;
    case 'w': f = WV_O_WRONLY | WV_O_CREAT | WV_O_TRUNC; break;
    case 'a': f = WV_O_WRONLY | WV_O_CREAT | WV_O_APPEND; break;
    default: return -1;
    }
    for (const char *c = mode + 1; *c && *c != ','; c++)
        if (*c == '+')
            f = (f & ~3) | WV_O_RDWR;
        else if (*c == 't')
            f |= WV_O_TEXT;
        else if (*c == 'b')
            f |= WV_O_BINARY;
        else if (*c == 'D')
            f |= WV_O_TEMPORARY;
        else if (!strchr("cnNSRT ", *c))
            return -1;
    return f;
}

/* Gives x a host FILE over fd (flags: the mode's _open flags); false without memory. */
static bool wv_filex_attach(struct wv_crt_filex *x, int fd, int flags)
{
    static const char *const host_mode[2][3] = {{"r", "w", "r+"}, {"a", "a", "a+"}};
    cookie_io_functions_t io = {wv_cookie_read, wv_cookie_write, wv_cookie_seek, wv_cookie_close};
    x->file.file = fd;
    x->len = 0;
    x->host = fopencookie(x, host_mode[!!(flags & WV_O_APPEND)][flags & 3], io);
    return x->host != NULL;
}

void *wv_crt_fdopen(int fd, const char *mode)
{
    int flags = wv_crt_mode_flags(mode);
    if (flags < 0)
        return wv_crt_fail(EINVAL), NULL;
    if (!wv_crt_fd_valid(fd))
        return wv_crt_fail(EBADF), NULL;
    if (!wv_crt_stream_take())
        return wv_crt_fail(EMFILE), NULL;
    struct wv_crt_filex *x = calloc(1, sizeof(*x));
    if (!x || !wv_filex_attach(x, fd, flags)) {
        free(x);
        wv_crt_stream_give();
        return wv_crt_fail(ENOMEM), NULL;
    }
    InitializeCriticalSection(&x->lock);
    return x;
}

/* ---- opening and closing ---- */

static void *wv_fopen_host(const char *path, const char *mode)
{
    int flags = wv_crt_mode_flags(mode);
    if (flags < 0)
        return wv_crt_fail(EINVAL), NULL;
    int fd = wv_crt_open_path(path, flags, 0x180);
    void *fp = fd < 0 ? NULL : wv_crt_fdopen(fd, mode);
    if (fd >= 0 && !fp) {
        int e = *wv_ms__errno();
        wv_ms__close(fd);
        *wv_ms__errno() = e;
    }
    return fp;
}

CRT void *wv_ms_fopen(const char *path, const char *mode)
{
    char *p = wv_crt_host_path(path);
    void *fp = p ? wv_fopen_host(p, mode) : NULL;
    free(p);
    return fp;
}

CRT void *wv_ms__wfopen(const WCHAR *path, const WCHAR *mode)
{
    char *p = wv_crt_host_wpath(path), *m = NULL;
    if (p && (!mode || wv_utf8(mode, &m)))
        wv_crt_fail(EINVAL);
    void *fp = p && m ? wv_fopen_host(p, m) : NULL;
    free(p), free(m);
    return fp;
}

CRT void *wv_ms__fdopen(int fd, const char *mode) { return wv_crt_fdopen(fd, mode); }

CRT void *wv_ms_tmpfile(void)
{
    char dir[] = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return wv_crt_fail(errno), NULL;
    char name[32];
    snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
    int mine = wv_crt_open_path(name, WV_O_RDWR | WV_O_BINARY, 0x180);
    close(fd);
    void *fp = mine < 0 ? NULL : wv_crt_fdopen(mine, "w+b");
    if (mine >= 0 && !fp)
        wv_ms__close(mine);
    return fp;
}

CRT int wv_ms_fclose(void *fp)
{
    FILE *f = wv_crt_host_file(fp);
    if (!f)
        return wv_crt_fail(EINVAL);
    if (wv_is_std(f)) { /* as msvcrt: the stream and its descriptor close */
        fflush(f);
        return wv_ms__close(fileno(f));
    }
    struct wv_crt_filex *x = fp;
    int r = fclose(f);
    DeleteCriticalSection(&x->lock);
    free(x->crlf);
    free(x);
    wv_crt_stream_give();
    return r ? -1 : 0;
}

/* A standard stream is given the new file's descriptor (dup2): the host stream goes on. */
CRT void *wv_ms_freopen(const char *path, const char *mode, void *fp)
{
    FILE *f = wv_crt_host_file(fp);
    int flags = wv_crt_mode_flags(mode);
    if (!f || flags < 0 || !path)
        return wv_crt_fail(EINVAL), NULL;
    char *p = wv_crt_host_path(path);
    int fd = p ? wv_crt_open_path(p, flags, 0x180) : -1;
    free(p);
    if (fd < 0)
        return NULL;
    fflush(f);
    if (wv_is_std(f)) {
        int r = wv_ms__dup2(fd, fileno(f));
        wv_ms__close(fd);
        clearerr(f);
        return r < 0 ? NULL : fp;
    }
    struct wv_crt_filex *x = fp;
    fclose(x->host); /* the old descriptor closes; the FILE structure stays the caller's */
    if (!wv_filex_attach(x, fd, flags)) {
        wv_ms__close(fd);
        return wv_crt_fail(ENOMEM), NULL;
    }
    return fp;
}

CRT int wv_ms__fileno(void *fp)
{
    FILE *f = wv_crt_host_file(fp);
    if (!f)
        return wv_crt_fail(EINVAL);
    return wv_is_std(f) ? fileno(f) : ((struct wv_crt_filex *)fp)->file.file;
}

/* ---- characters and blocks ---- */

#define WV_HOST(fp, fail)                                                                   \
    FILE *f = wv_crt_host_file(fp);                                                         \
    if (!f)                                                                                 \
    return (wv_crt_fail(EINVAL), (fail))

/* Output to the standard streams is flushed at once (it interleaves with WriteFile). */
static int wv_out(FILE *f, int r)
{
    if (wv_is_std(f))
        fflush(f);
    return r;
}

CRT size_t wv_ms_fwrite(const void *p, size_t size, size_t n, void *fp)
{
    WV_HOST(fp, 0);
    size_t r = fwrite(p, size, n, f);
    wv_out(f, 0);
    return r;
}

CRT size_t wv_ms_fread(void *p, size_t size, size_t n, void *fp) { WV_HOST(fp, 0); return fread(p, size, n, f); }
/* One character to a standard stream: written at once to a terminal, at the end of the line
 * to a file or pipe, so a program printing character by character (mingw's own printf does)
 * costs a write per line, and two processes printing lines to one file do not cut into each
 * other's lines (msvcrt buffers a redirected stdout; the C runtime's exit flushes it). */
static int wv_out_char(FILE *f, int c, int r)
{
    if (wv_is_std(f) && (c == '\n' || isatty(fileno(f))))
        fflush(f);
    return r;
}

CRT int wv_ms_fputc(int c, void *fp) { WV_HOST(fp, -1); return wv_out_char(f, c, fputc(c, f)); }
CRT int wv_ms_putc(int c, void *fp) { return wv_ms_fputc(c, fp); }
CRT int wv_ms_putchar(int c) { return wv_out_char(stdout, c, putchar(c)); }
CRT int wv_ms__fputchar(int c) { return wv_ms_putchar(c); }
CRT int wv_ms_fputs(const char *s, void *fp) { WV_HOST(fp, -1); return wv_out(f, fputs(s, f) < 0 ? -1 : 0); }
CRT int wv_ms_puts(const char *s) { return wv_out(stdout, puts(s) < 0 ? -1 : 0); }
CRT int wv_ms_fgetc(void *fp) { WV_HOST(fp, -1); return fgetc(f); }
CRT int wv_ms_getc(void *fp) { return wv_ms_fgetc(fp); }
CRT int wv_ms_getchar(void) { return getchar(); }
CRT int wv_ms__fgetchar(void) { return getchar(); }
CRT int wv_ms_ungetc(int c, void *fp) { WV_HOST(fp, -1); return ungetc(c, f); }
CRT char *wv_ms_fgets(char *s, int n, void *fp) { WV_HOST(fp, NULL); return fgets(s, n, f); }
CRT int wv_ms_feof(void *fp) { WV_HOST(fp, 0); return feof(f) ? 0x10 : 0; } /* msvcrt's _IOEOF */
CRT int wv_ms_ferror(void *fp) { WV_HOST(fp, 0); return ferror(f) ? 0x20 : 0; } /* _IOERR */
CRT void wv_ms_clearerr(void *fp) { FILE *f = wv_crt_host_file(fp); if (f) clearerr(f); }

/* The line without its newline; NULL at the end of input before any character. */
CRT char *wv_ms_gets(char *s)
{
    int c, n = 0;
    while ((c = getchar()) != EOF && c != '\n')
        s[n++] = (char)c;
    s[n] = 0;
    return c == EOF && n == 0 ? NULL : s;
}

CRT int wv_ms_fflush(void *fp)
{
    if (!fp)
        return fflush(NULL) ? -1 : 0;
    WV_HOST(fp, -1);
    return fflush(f) ? -1 : 0;
}

CRT int wv_ms__flushall(void) { fflush(NULL); return 3; }

/* ---- positions ---- */

/* A FILE of ours is positioned on its descriptor, never through glibc's cached offset (which
 * counts bytes after translation): fflush writes what is pending and gives back what was read
 * ahead (the cookie's seek), so the descriptor's position is the FILE's. */
static long long wv_tell(void *fp)
{
    WV_HOST(fp, -1);
    if (wv_is_std(f)) {
        off_t r = ftello(f);
        return r < 0 ? wv_crt_fail(errno) : r;
    }
    if (fflush(f))
        return wv_crt_fail(EIO);
    return wv_ms__lseeki64(((struct wv_crt_filex *)fp)->file.file, 0, SEEK_CUR);
}

/* fseek: the end-of-file flag and pushed-back characters go, as C says. */
static int wv_seek(void *fp, long long off, int whence)
{
    WV_HOST(fp, -1);
    if (whence < 0 || whence > 2)
        return wv_crt_fail(EINVAL);
    if (wv_is_std(f))
        return fseeko(f, off, whence) < 0 ? wv_crt_fail(errno) : 0;
    struct wv_crt_filex *x = fp;
    if (whence == SEEK_CUR) {
        long long here = wv_tell(fp);
        if (here < 0)
            return -1;
        off += here, whence = SEEK_SET;
    } else if (fflush(f)) {
        return wv_crt_fail(EIO);
    }
    __fpurge(f);
    clearerr(f);
    x->len = 0;
    return wv_ms__lseeki64(x->file.file, off, whence) < 0 ? -1 : 0;
}

CRT long long wv_ms__ftelli64(void *fp) { return wv_tell(fp); }
CRT int wv_ms__fseeki64(void *fp, long long off, int whence) { return wv_seek(fp, off, whence); }
CRT int wv_ms_fseek(void *fp, long off, int whence) { return wv_seek(fp, off, whence); }

CRT long wv_ms_ftell(void *fp)
{
    long long r = wv_tell(fp);
    return r > INT32_MAX ? wv_crt_fail(EINVAL) : (long)r;
}

CRT int wv_ms_fgetpos(void *fp, long long *pos)
{
    long long r = pos ? wv_tell(fp) : wv_crt_fail(EINVAL);
    if (r < 0)
        return -1;
    *pos = r;
    return 0;
}

CRT int wv_ms_fsetpos(void *fp, const long long *pos) { return pos ? wv_seek(fp, *pos, SEEK_SET) : wv_crt_fail(EINVAL); }

CRT void wv_ms_rewind(void *fp)
{
    FILE *f = wv_crt_host_file(fp);
    if (f && wv_seek(fp, 0, SEEK_SET) == 0)
        clearerr(f);
}

/* ---- buffering: msvcrt's modes are _IOFBF 0, _IOLBF 0x40 (full buffering there), _IONBF 4 */

CRT int wv_ms_setvbuf(void *fp, char *buf, int mode, size_t size)
{
    WV_HOST(fp, -1);
    if (mode == 4)
        return setvbuf(f, NULL, _IONBF, 0) ? -1 : 0;
    if ((mode != 0 && mode != 0x40) || size < 2 || size > INT_MAX)
        return wv_crt_fail(EINVAL);
    return setvbuf(f, buf, _IOFBF, size) ? -1 : 0;
}

CRT void wv_ms_setbuf(void *fp, char *buf) { wv_ms_setvbuf(fp, buf, buf ? 0 : 4, 512); }
