/* SPDX-License-Identifier: MIT */
/* k32_lock.c - LockFileEx/UnlockFileEx and LockFile/UnlockFile on the host's open-file-
 * description record locks (F_OFD_SETLK), which belong to the handle's file object as Windows'
 * byte-range locks belong to the handle, not to a thread or a process.
 *
 * Windows' locks do not merge: each range is unlocked by exactly the range that locked it
 * (another is ERROR_NOT_LOCKED), and a handle's exclusive lock may not overlap its own locks.
 * Each file object keeps the ranges it holds for that; the host lock covers their union.
 * A zero-length range locks nothing and conflicts with nothing, as on Windows.  Waiting for a
 * lock another handle holds (no LOCKFILE_FAIL_IMMEDIATELY) blocks in the kernel; a handle's
 * own conflicting lock fails at once with ERROR_LOCK_VIOLATION rather than deadlock.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t wv_lock_list_lock = PTHREAD_MUTEX_INITIALIZER; /* every object's ranges */

static bool wv_overlap(const struct wv_file_lock *l, uint64_t off, uint64_t len)
{
    return len && l->len && off < l->off + l->len && l->off < off + len;
}

static int wv_ofd(int fd, short type, uint64_t off, uint64_t len, bool wait)
{
    if (!len)
        return 0;
    uint64_t max = (uint64_t)LLONG_MAX;
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET,
                       .l_start = (off_t)(off < max ? off : max)};
    fl.l_len = (off_t)(len < max - (uint64_t)fl.l_start ? len : max - (uint64_t)fl.l_start);
    if (fl.l_len == 0)
        return 0; /* entirely past what the host can lock */
    while (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) != 0)
        if (errno != EINTR)
            return errno;
    return 0;
}

static DWORD wv_lock(HANDLE h, uint64_t off, uint64_t len, bool exclusive, bool wait)
{
    DWORD access = 0;
    struct wv_file *f = wv_file_of(h, &access);
    if (!f)
        return ERROR_INVALID_HANDLE;
    DWORD err = !(access & (WV_FILE_READ_RIGHTS | WV_FILE_WRITE_RIGHTS)) ? ERROR_ACCESS_DENIED : 0;
    struct wv_file_lock *n = err ? NULL : calloc(1, sizeof(*n));
    if (!err && !n)
        err = ERROR_NOT_ENOUGH_MEMORY;
    pthread_mutex_lock(&wv_lock_list_lock);
    for (struct wv_file_lock *l = f->locks; !err && l; l = l->next)
        if (wv_overlap(l, off, len) && (exclusive || l->exclusive))
            err = ERROR_LOCK_VIOLATION;
    pthread_mutex_unlock(&wv_lock_list_lock);
    /* Shared locks are read locks (the descriptor must allow reading), so a write-only handle's
     * shared lock is taken as a write lock: on Linux only writers could be refused by it. */
    short type = exclusive || !(access & WV_FILE_READ_RIGHTS) ? F_WRLCK : F_RDLCK;
    int e = err ? 0 : wv_ofd(f->fd, type, off, len, wait);
    if (!err && e)
        err = e == EAGAIN || e == EACCES ? ERROR_LOCK_VIOLATION : e == EBADF ? ERROR_ACCESS_DENIED
                                                                               : wv_errno_to_error(e);
    if (!err) {
        *n = (struct wv_file_lock){.off = off, .len = len, .exclusive = exclusive};
        pthread_mutex_lock(&wv_lock_list_lock);
        n->next = f->locks;
        f->locks = n;
        pthread_mutex_unlock(&wv_lock_list_lock);
    } else
        free(n);
    wv_object_unref(&f->obj);
    return err;
}

static DWORD wv_unlock(HANDLE h, uint64_t off, uint64_t len)
{
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f)
        return ERROR_INVALID_HANDLE;
    pthread_mutex_lock(&wv_lock_list_lock);
    struct wv_file_lock **p = &f->locks, *gone = NULL;
    while (*p && !((*p)->off == off && (*p)->len == len))
        p = &(*p)->next;
    if (*p) {
        gone = *p;
        *p = gone->next;
        wv_ofd(f->fd, F_UNLCK, off, len, false);
        /* the host lock covered the union: give back what the other ranges still hold */
        for (struct wv_file_lock *l = f->locks; l; l = l->next)
            if (wv_overlap(l, off, len))
                wv_ofd(f->fd, l->exclusive ? F_WRLCK : F_RDLCK, l->off, l->len, false);
    }
    pthread_mutex_unlock(&wv_lock_list_lock);
    wv_object_unref(&f->obj);
    free(gone);
    return gone ? 0 : ERROR_NOT_LOCKED;
}

/* The range an OVERLAPPED names: 0 or a Win32 error. */
static DWORD wv_range(LPOVERLAPPED ov, DWORD lo, DWORD hi, uint64_t *off, uint64_t *len)
{
    OVERLAPPED o;
    if (!ov)
        return ERROR_INVALID_PARAMETER;
    if (wv_copy(&o, ov, sizeof(o)))
        return ERROR_NOACCESS;
    *off = (uint64_t)o.OffsetHigh << 32 | o.Offset;
    *len = (uint64_t)hi << 32 | lo;
    return 0;
}

BOOL WINAPI LockFileEx(HANDLE h, DWORD flags, DWORD reserved, DWORD lo, DWORD hi, LPOVERLAPPED ov)
{
    uint64_t off = 0, len = 0;
    DWORD err = reserved || (flags & ~(DWORD)(LOCKFILE_FAIL_IMMEDIATELY | LOCKFILE_EXCLUSIVE_LOCK))
                    ? ERROR_INVALID_PARAMETER
                    : wv_range(ov, lo, hi, &off, &len);
    if (!err)
        err = wv_lock(h, off, len, flags & LOCKFILE_EXCLUSIVE_LOCK, !(flags & LOCKFILE_FAIL_IMMEDIATELY));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI UnlockFileEx(HANDLE h, DWORD reserved, DWORD lo, DWORD hi, LPOVERLAPPED ov)
{
    uint64_t off = 0, len = 0;
    DWORD err = reserved ? ERROR_INVALID_PARAMETER : wv_range(ov, lo, hi, &off, &len);
    if (!err)
        err = wv_unlock(h, off, len);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI LockFile(HANDLE h, DWORD off_lo, DWORD off_hi, DWORD lo, DWORD hi)
{
    DWORD err = wv_lock(h, (uint64_t)off_hi << 32 | off_lo, (uint64_t)hi << 32 | lo, true, false);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI UnlockFile(HANDLE h, DWORD off_lo, DWORD off_hi, DWORD lo, DWORD hi)
{
    DWORD err = wv_unlock(h, (uint64_t)off_hi << 32 | off_lo, (uint64_t)hi << 32 | lo);
    return err ? wv_fail(err) : TRUE;
}
