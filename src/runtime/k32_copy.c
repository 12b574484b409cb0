/* SPDX-License-Identifier: MIT */
/* k32_copy.c - CopyFileA/W: the bytes, the permissions (so FILE_ATTRIBUTE_READONLY) and the
 * last-write time, as Windows' CopyFile keeps them.  A destination that exists is replaced
 * unless bFailIfExists (ERROR_FILE_EXISTS); a read-only one is ERROR_ACCESS_DENIED; the source
 * itself is ERROR_SHARING_VIOLATION (Windows has it open).  A failed copy leaves no new file.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copies everything from in to out: 0 or errno. */
static int wv_copy_bytes(int in, int out)
{
    char buf[65536];
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        if (n == 0)
            return 0;
        if (n > 0)
            continue;
        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
            return errno;
        break; /* not between these files: read and write */
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n == 0)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        for (ssize_t o = 0; o < n;) {
            ssize_t w = write(out, buf + o, (size_t)(n - o));
            if (w < 0 && errno != EINTR)
                return errno;
            o += w > 0 ? w : 0;
        }
    }
}

/* Whether the destination may be written: 0 or the refusal. */
static DWORD wv_copy_target(const struct stat *src, const char *to, bool fail_if_exists)
{
    struct stat st;
    if (stat(to, &st) != 0)
        return 0;
    if (fail_if_exists)
        return ERROR_FILE_EXISTS;
    if (st.st_dev == src->st_dev && st.st_ino == src->st_ino)
        return ERROR_SHARING_VIOLATION;
    if (S_ISDIR(st.st_mode) || !(st.st_mode & 0222))
        return ERROR_ACCESS_DENIED;
    return wv_file_share_check(st.st_dev, st.st_ino, GENERIC_WRITE);
}

DWORD wv_copy_file(const char *from, const char *to, bool fail_if_exists)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errno == EISDIR ? ERROR_ACCESS_DENIED : wv_file_path_error(from, errno);
    struct stat st;
    DWORD err = fstat(in, &st) != 0 ? wv_errno_to_error(errno)
                : S_ISDIR(st.st_mode) ? ERROR_ACCESS_DENIED
                                      : wv_file_share_check(st.st_dev, st.st_ino, GENERIC_READ);
    if (!err)
        err = wv_copy_target(&st, to, fail_if_exists);
    int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (fail_if_exists ? O_EXCL : 0);
    int out = err ? -1 : open(to, flags, 0600);
    if (!err && out < 0)
        err = errno == EEXIST ? ERROR_FILE_EXISTS : wv_file_path_error(to, errno);
    int e = err ? 0 : wv_copy_bytes(in, out);
    if (!err && !e) {
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        if (fchmod(out, st.st_mode & 07777) != 0 || futimens(out, times) != 0)
            e = errno;
    }
    if (!err && e)
        err = wv_errno_to_error(e);
    if (out >= 0 && close(out) != 0 && !err)
        err = wv_errno_to_error(errno);
    if (err && out >= 0)
        unlink(to);
    close(in);
    return err;
}

static BOOL wv_copy_run(DWORD err, char *from, char *to, BOOL fail_if_exists)
{
    if (!err)
        err = wv_copy_file(from, to, fail_if_exists);
    free(from), free(to);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI CopyFileA(LPCSTR from, LPCSTR to, BOOL fail_if_exists)
{
    char *a = NULL, *b = NULL;
    DWORD err = wv_path_host_a(from, &a);
    if (!err)
        err = wv_path_host_a(to, &b);
    return wv_copy_run(err, a, b, fail_if_exists);
}

BOOL WINAPI CopyFileW(LPCWSTR from, LPCWSTR to, BOOL fail_if_exists)
{
    char *a = NULL, *b = NULL;
    DWORD err = wv_path_host_w(from, &a);
    if (!err)
        err = wv_path_host_w(to, &b);
    return wv_copy_run(err, a, b, fail_if_exists);
}

/* ---- CopyFileExW: CopyFile with a cancel flag read before the copy and a progress routine.
 * The copy is one chunk: the routine is called with CALLBACK_STREAM_SWITCH (nothing moved yet)
 * and then CALLBACK_CHUNK_FINISHED (all of stream 1 moved), as Windows calls it for a file of
 * one stream and one chunk; the host copies by descriptors, so its file handles are NULL.
 * PROGRESS_CANCEL removes the new file, PROGRESS_STOP keeps it (both ERROR_REQUEST_ABORTED),
 * PROGRESS_QUIET stops the calls. ---- */
typedef DWORD(__attribute__((ms_abi)) *wv_progress_fn)(int64_t total, int64_t moved, int64_t stream_total,
                                                        int64_t stream_moved, DWORD stream, DWORD reason,
                                                        HANDLE src, HANDLE dst, void *data);
#define WV_COPY_FLAGS (0x1 | 0x2 | 0x4 | 0x8 | 0x1000) /* FAIL_IF_EXISTS, RESTARTABLE, OPEN_SOURCE_FOR_WRITE, ALLOW_DECRYPTED_DESTINATION, NO_BUFFERING */
enum { WV_PROGRESS_CONTINUE, WV_PROGRESS_CANCEL, WV_PROGRESS_STOP, WV_PROGRESS_QUIET };

static DWORD wv_copy_progress(wv_progress_fn fn, void *data, const char *from, const char *to)
{
    struct stat st;
    int64_t n = stat(from, &st) == 0 ? (int64_t)st.st_size : 0;
    DWORD r = fn(n, 0, n, 0, 1, 1 /* CALLBACK_STREAM_SWITCH */, NULL, NULL, data);
    if (r == WV_PROGRESS_CONTINUE)
        r = fn(n, n, n, n, 1, 0 /* CALLBACK_CHUNK_FINISHED */, NULL, NULL, data);
    if (r == WV_PROGRESS_CANCEL)
        unlink(to);
    return r == WV_PROGRESS_CANCEL || r == WV_PROGRESS_STOP ? ERROR_REQUEST_ABORTED : 0;
}

BOOL WINAPI CopyFileExW(LPCWSTR from, LPCWSTR to, void *progress, LPVOID data, LPBOOL cancel, DWORD flags)
{
    BOOL stop = FALSE;
    if (flags & ~(DWORD)WV_COPY_FLAGS)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (cancel && wv_copy(&stop, cancel, sizeof(stop)))
        return wv_fail(ERROR_NOACCESS);
    char *a = NULL, *b = NULL;
    DWORD err = stop ? ERROR_REQUEST_ABORTED : wv_path_host_w(from, &a);
    if (!err)
        err = wv_path_host_w(to, &b);
    if (!err)
        err = wv_copy_file(a, b, flags & 0x1);
    if (!err && progress)
        err = wv_copy_progress((wv_progress_fn)progress, data, a, b);
    free(a), free(b);
    return err ? wv_fail(err) : TRUE;
}
