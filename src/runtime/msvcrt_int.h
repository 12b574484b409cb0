/* SPDX-License-Identifier: MIT */
/* msvcrt_int.h - what the files of msvcrt.dll share (private to src/runtime/msvcrt*.c).
 *
 * Every export is an ms_abi function named wv_ms_<export> (CRT below); msvcrt_exports.c lists
 * them in one sorted table.  Descriptors are the host's (msvcrt_io.c keeps per-descriptor
 * state: text or binary mode, the HANDLE _get_osfhandle gave); FILEs opened by PE code are host
 * FILEs over that descriptor layer (msvcrt_stdio.c), so text mode translates in one place.
 * errno holds msvcrt's numbers (msvcrt.c translates the host's).
 */
#ifndef WV_MSVCRT_INT_H
#define WV_MSVCRT_INT_H

#include "runtime/runtime.h"

#include <stdint.h>
#include <stdio.h>

#define CRT __attribute__((ms_abi))

/* ---- errno (msvcrt.c) ---- */
CRT int *wv_ms__errno(void);
/* msvcrt's number for a host errno value, and back. */
int wv_crt_errno_from_host(int err);
int wv_crt_errno_to_host(int err);
/* Sets errno to msvcrt's number for host errno err; returns -1 (the usual failure value). */
int wv_crt_fail(int err);
/* msvcrt's own numbers where they differ from Linux's. */
#define WV_EDEADLK 36
#define WV_ENAMETOOLONG 38
#define WV_ENOLCK 39
#define WV_ENOSYS 40
#define WV_ENOTEMPTY 41
#define WV_EILSEQ 42
#define WV_STRUNCATE 80

/* An exception's signal (SIGSEGV 11, SIGILL 4, SIGFPE 8) as an exception filter sees it: 0
 * (EXCEPTION_CONTINUE_SEARCH) under SIG_DFL; -1 (EXCEPTION_CONTINUE_EXECUTION) under SIG_IGN,
 * or after the program's handler ran (reset to SIG_DFL first, as raise does). */
int wv_crt_signal_filter(int sig);

/* ---- descriptors (msvcrt_io.c) ---- */
/* msvcrt's _open flags (fcntl.h of the Windows SDK). */
#define WV_O_RDONLY 0x0000
#define WV_O_WRONLY 0x0001
#define WV_O_RDWR 0x0002
#define WV_O_APPEND 0x0008
#define WV_O_TEMPORARY 0x0040
#define WV_O_NOINHERIT 0x0080
#define WV_O_CREAT 0x0100
#define WV_O_TRUNC 0x0200
#define WV_O_EXCL 0x0400
#define WV_O_TEXT 0x4000
#define WV_O_BINARY 0x8000
extern int wv_ms__fmode; /* the _fmode variable: _O_BINARY makes binary the default */

/* _open on a host path (already converted from Windows' syntax): an fd, or -1 and errno. */
int wv_crt_open_path(const char *path, int flags, int pmode);
CRT int wv_ms__close(int fd);
CRT int wv_ms__dup2(int fd, int to);
CRT int wv_ms__read(int fd, void *buf, unsigned n);
CRT int wv_ms__write(int fd, const void *buf, unsigned n);
CRT long long wv_ms__lseeki64(int fd, long long off, int whence);
/* Whether fd is one of msvcrt's descriptors (0-2 when open, or one _open/_dup made). */
bool wv_crt_fd_valid(int fd);
/* Whether fd is in text mode. */
bool wv_crt_fd_text(int fd);
/* A text-mode read that also reports which output bytes were a CR LF pair on disk:
 * crlf[i] is 1 when out[i] is such an LF.  (The stdio layer needs it to seek back.) */
int wv_crt_read_text(int fd, char *out, unsigned n, unsigned char *crlf);

/* A Windows path as the host names it, by kernel32's mapping (wv_path_host: a drive letter
 * names the host's root, either separator, the virtual system directory's files): a malloc'ed
 * copy, or NULL with errno set (EINVAL for a NULL or malformed name, ENOENT for one no host
 * file can have, such as a UNC path, ENOMEM). */
char *wv_crt_host_path(const char *path);
/* The same from UTF-16. */
char *wv_crt_host_wpath(const WCHAR *path);

/* ---- FILEs (msvcrt_stdio.c) ---- */
/* msvcrt's FILE, 48 bytes: the standard three are entries of __iob_func's array; every other
 * FILE is a wv_crt_filex, whose critical section follows the FILE as in msvcrt's _FILEX. */
struct wv_crt_file {
    char *ptr;
    int cnt;
    char *base;
    int flag, file, charbuf, bufsiz;
    char *tmpfname;
};
extern struct wv_crt_file wv_ms__iob[20];
/* The host FILE behind a PE FILE, NULL when fp is none. */
FILE *wv_crt_host_file(void *fp);
/* A PE FILE for fd, opened by a _fdopen-style mode (NULL and errno on failure). */
void *wv_crt_fdopen(int fd, const char *mode);
/* msvcrt_vars.c: strerror's table; _environ remade from the environment (after _putenv);
 * a stream counted against _setmaxstdio's limit (false: at the limit) and given back. */
extern const char *const wv_ms__sys_errlist[];
extern int wv_ms__sys_nerr;
extern char **wv_ms__environ;
void wv_crt_environ_sync(void);
bool wv_crt_stream_take(void);
void wv_crt_stream_give(void);
/* The _open flags of an fopen mode string ("r+b", "wt", ...); -1 when it is not valid. */
int wv_crt_mode_flags(const char *mode);
/* The FILE's half of a surrogate pair kept between wide calls (0: none); fp must be valid. */
WCHAR *wv_crt_wpending(void *fp);

/* ---- one-time setup before the first export is handed out ---- */
void wv_crt_time_init(void); /* clock()'s start (msvcrt_time.c) */
CRT const unsigned short *wv_ms___pctype_func(void); /* also fills _pctype */
extern const unsigned short *wv_ms__pctype;
CRT int wv_ms__isctype(int c, int mask);

/* ---- wide text (msvcrt_wide.c) ---- */
size_t wv_crt_wcslen(const WCHAR *s);
/* The scanf family's core over a Windows va_list (msvcrt_fmt.c): -1 and EINVAL for a format
 * it cannot serve (wide conversions). */
int wv_crt_vsscanf(const char *s, const char *fmt, wv_ms_va *ap);
int wv_crt_vfscanf(FILE *f, const char *fmt, wv_ms_va *ap);

#endif
