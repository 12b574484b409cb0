/* SPDX-License-Identifier: MIT */
/* file.c - file objects: the core of CreateFile (dispositions, share modes, the flags winvm
 * honours) and handles for descriptors the caller already has.
 *
 * Share modes are kept for this process: every object CreateFile made is listed with its file's
 * identity, the access it was opened for and what it shares, and an open that conflicts with
 * one of them (either way round, as Windows checks) is ERROR_SHARING_VIOLATION.  Other
 * processes' opens are not seen (docs/semantics.md, "Files").  Nothing is truncated or created
 * before the check has passed, except a file CREATE_NEW/CREATE_ALWAYS/OPEN_ALWAYS made new,
 * which nobody else can have open.
 */
#define _GNU_SOURCE
#include "section/section.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct wv_file *wv_files;
static pthread_mutex_t wv_files_lock = PTHREAD_MUTEX_INITIALIZER; /* a leaf */

static void wv_file_unlist(struct wv_file *f)
{
    pthread_mutex_lock(&wv_files_lock);
    for (struct wv_file **p = &wv_files; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next;
            break;
        }
    pthread_mutex_unlock(&wv_files_lock);
}

static void wv_file_destroy(struct wv_object *o)
{
    struct wv_file *f = (struct wv_file *)o;
    if (f->listed)
        wv_file_unlist(f);
    if (f->delete_path)
        unlink(f->delete_path);
    free(f->delete_path);
    for (struct wv_file_lock *l = f->locks, *next; l; l = next) {
        next = l->next;
        free(l);
    }
    if (f->ext_free)
        f->ext_free(f->ext);
    wv_object_unref(f->port); /* NULL: none */
    close(f->fd); /* and with it the descriptor's record locks */
    free(f);
}

/* A handle for a new file object over fd, which it takes (closed on failure); f is the object
 * (already listed, or NULL to make one). */
static DWORD wv_file_handle(int fd, DWORD access, struct wv_file *f, HANDLE *out)
{
    if (!f && !(f = calloc(1, sizeof(*f)))) {
        close(fd);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    f->obj = (struct wv_object){.kind = WV_KIND_FILE, .destroy = wv_file_destroy};
    f->fd = fd;
    f->access = access;
    *out = wv_handle_new(&f->obj, access);
    if (!*out) {
        wv_file_destroy(&f->obj);
        return ERROR_TOO_MANY_OPEN_FILES;
    }
    return 0;
}

DWORD wv_file_from_fd(int fd, DWORD access, HANDLE *out)
{
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    return dup < 0 ? ERROR_INVALID_HANDLE : wv_file_handle(dup, access, NULL, out);
}

/* ---- share modes ---- */

static DWORD wv_wants(DWORD access)
{
    DWORD w = 0;
    if (access & WV_FILE_READ_RIGHTS)
        w |= FILE_SHARE_READ;
    if (access & WV_FILE_WRITE_RIGHTS)
        w |= FILE_SHARE_WRITE;
    if (access & (DELETE | GENERIC_ALL))
        w |= FILE_SHARE_DELETE;
    return w;
}

/* Whether an open for access sharing share may sit beside the listed f.  Lock held. */
static bool wv_share_ok(const struct wv_file *f, DWORD access, DWORD share)
{
    return !(wv_wants(access) & ~f->share) && !(wv_wants(f->access) & ~share);
}

static DWORD wv_share_scan(dev_t dev, ino_t ino, DWORD access, DWORD share)
{
    for (struct wv_file *f = wv_files; f; f = f->next)
        if (f->dev == dev && f->ino == ino && !wv_share_ok(f, access, share))
            return ERROR_SHARING_VIOLATION;
    return 0;
}

DWORD wv_file_share_check(dev_t dev, ino_t ino, DWORD access)
{
    return wv_file_share_check_as(dev, ino, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE);
}

DWORD wv_file_share_check_as(dev_t dev, ino_t ino, DWORD access, DWORD share)
{
    pthread_mutex_lock(&wv_files_lock);
    DWORD err = wv_share_scan(dev, ino, access, share);
    pthread_mutex_unlock(&wv_files_lock);
    return err;
}

/* Lists f (identity from st) unless it conflicts with an open one. */
static DWORD wv_file_list(struct wv_file *f, const struct stat *st)
{
    f->dev = st->st_dev, f->ino = st->st_ino;
    pthread_mutex_lock(&wv_files_lock);
    DWORD err = wv_share_scan(f->dev, f->ino, f->access, f->share);
    if (!err) {
        f->next = wv_files;
        wv_files = f;
        f->listed = true;
    }
    pthread_mutex_unlock(&wv_files_lock);
    return err;
}

/* ---- CreateFile ---- */

DWORD wv_file_path_error(const char *path, int err)
{
    if (err != ENOENT)
        return wv_errno_to_error(err);
    /* Windows tells a missing file from a missing directory on the way to it. */
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return ERROR_FILE_NOT_FOUND;
    char dir[PATH_MAX];
    size_t n = (size_t)(slash - path);
    if (n >= sizeof(dir))
        return ERROR_PATH_NOT_FOUND;
    memcpy(dir, path, n);
    dir[n] = 0;
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? ERROR_FILE_NOT_FOUND : ERROR_PATH_NOT_FOUND;
}

/* Opens path for the disposition: the descriptor, *made when this call created the file. */
static int wv_open_disposition(const char *path, int how, DWORD disposition, mode_t mode, bool *made)
{
    *made = false;
    for (;;) {
        if (disposition != CREATE_NEW) {
            int fd = open(path, how, 0);
            if (fd >= 0 || errno != ENOENT || disposition == OPEN_EXISTING ||
                disposition == TRUNCATE_EXISTING)
                return fd;
        }
        int fd = open(path, (how & ~O_PATH) | O_CREAT | O_EXCL, mode);
        if (fd >= 0)
            *made = true;
        if (fd >= 0 || errno != EEXIST || disposition == CREATE_NEW)
            return fd;
        /* made by someone else meanwhile: open it as existing */
    }
}

/* The open(2) flags for access; directories are opened read-only whatever is asked. */
static int wv_open_flags(DWORD access, DWORD disposition)
{
    bool rd = access & WV_FILE_READ_RIGHTS, wr = access & WV_FILE_WRITE_RIGHTS;
    int how = O_CLOEXEC | O_NOCTTY;
    if (wr)
        how |= rd ? O_RDWR : O_WRONLY;
    else if (!rd && disposition == OPEN_EXISTING)
        how |= O_PATH; /* attributes only: no read permission needed, as on Windows */
    if (wr && !(access & (FILE_WRITE_DATA | GENERIC_WRITE | GENERIC_ALL)))
        how |= O_APPEND; /* FILE_APPEND_DATA alone: every write at the end */
    return how;
}

/* After a successful open: the checks Windows makes on what was found. */
static DWORD wv_open_checks(int fd, const struct stat *st, DWORD access, DWORD disposition, DWORD flags, bool made)
{
    if (S_ISDIR(st->st_mode))
        return (flags & FILE_FLAG_BACKUP_SEMANTICS) && disposition != CREATE_ALWAYS &&
                       disposition != TRUNCATE_EXISTING
                   ? 0
                   : ERROR_ACCESS_DENIED;
    /* FILE_ATTRIBUTE_READONLY is a file without write permission: refused even to root. */
    if (!made && (access & WV_FILE_WRITE_RIGHTS) && !(st->st_mode & 0222))
        return ERROR_ACCESS_DENIED;
    /* A sealed file (a builtin DLL's, host/memfile.c) is as a system file Windows' ACL keeps:
     * opened for reading only, whoever asks. */
    if ((access & WV_FILE_WRITE_RIGHTS) && S_ISREG(st->st_mode) && !made && st->st_nlink == 0 &&
        wv_memfile_sealed(fd))
        return ERROR_ACCESS_DENIED;
    return 0;
}

static int wv_open_dir_retry(const char *path, int fd, DWORD flags)
{
    if (fd < 0 && errno == EISDIR && (flags & FILE_FLAG_BACKUP_SEMANTICS))
        return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd;
}

static char *wv_abs_path(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char *cwd = getcwd(NULL, 0), *p = NULL;
    if (cwd && asprintf(&p, "%s/%s", cwd, path) < 0)
        p = NULL;
    free(cwd);
    return p;
}

DWORD wv_file_open(const char *path, DWORD access, DWORD share, DWORD disposition, DWORD flags,
                   HANDLE *out, bool *existed)
{
    *existed = false;
    if (!path || disposition < CREATE_NEW || disposition > TRUNCATE_EXISTING ||
        (share & ~(DWORD)(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)))
        return ERROR_INVALID_PARAMETER;
    if (disposition == TRUNCATE_EXISTING && !(access & (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA)))
        return ERROR_INVALID_PARAMETER;
    mode_t mode = (flags & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;
    bool made;
    int fd = wv_open_disposition(path, wv_open_flags(access, disposition), disposition, mode, &made);
    fd = wv_open_dir_retry(path, fd, flags);
    if (fd < 0)
        return errno == EISDIR ? ERROR_ACCESS_DENIED : wv_file_path_error(path, errno);
    struct stat st;
    struct wv_file *f = calloc(1, sizeof(*f));
    DWORD err = !f ? ERROR_NOT_ENOUGH_MEMORY : fstat(fd, &st) ? wv_errno_to_error(errno)
                                                : wv_open_checks(fd, &st, access, disposition, flags, made);
    if (!err) {
        f->access = access, f->share = share, f->flags = flags;
        err = wv_file_list(f, &st);
    }
    bool emptied = !made && (disposition == CREATE_ALWAYS || disposition == TRUNCATE_EXISTING);
    if (!err && emptied && ftruncate(fd, 0) != 0 && truncate(path, 0) != 0)
        err = wv_errno_to_error(errno);
    if (!err && (flags & FILE_FLAG_DELETE_ON_CLOSE) && !(f->delete_path = wv_abs_path(path)))
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (err) {
        if (f && f->listed)
            wv_file_unlist(f);
        if (f)
            free(f->delete_path);
        free(f);
        close(fd);
        if (made)
            unlink(path);
        return err;
    }
    *existed = !made && disposition != OPEN_EXISTING && disposition != TRUNCATE_EXISTING;
    return wv_file_handle(fd, access, f, out);
}
