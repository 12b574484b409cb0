/* SPDX-License-Identifier: MIT */
/* k32_dir.c - names in directories: DeleteFile, CreateDirectory, RemoveDirectory, MoveFile(Ex),
 * CreateHardLink, GetFileAttributes(Ex), SetFileAttributes, in their A and W forms; CopyFile
 * is k32_copy.c.  Each form maps its paths (k32_path.c) and calls one core on host paths.
 *
 * Windows' refusals kept: a read-only file (no write permission) is not deleted nor replaced
 * (ERROR_ACCESS_DENIED, even for root); a file this process has open without FILE_SHARE_DELETE
 * is not deleted nor moved (ERROR_SHARING_VIOLATION); a directory is not deleted by DeleteFile
 * (ERROR_ACCESS_DENIED) and a file not by RemoveDirectory (ERROR_DIRECTORY); the current
 * directory is not removed (ERROR_SHARING_VIOLATION: Windows holds it open).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- A and W forms over a core on host paths ---- */

typedef DWORD (*wv_op1)(const char *host, DWORD arg);
typedef DWORD (*wv_op2)(const char *from, const char *to, DWORD arg);

static BOOL wv_run1(DWORD err, char *h, wv_op1 op, DWORD arg)
{
    if (!err)
        err = op(h, arg);
    free(h);
    return err ? wv_fail(err) : TRUE;
}

static BOOL wv_run2(DWORD err, char *a, char *b, wv_op2 op, DWORD arg)
{
    if (!err)
        err = op(a, b, arg);
    free(a), free(b);
    return err ? wv_fail(err) : TRUE;
}

#define WV_PATH1(name, op)                                                                  \
    BOOL WINAPI name##A(LPCSTR p) { char *h; DWORD e = wv_path_host_a(p, &h); return wv_run1(e, h, op, 0); } \
    BOOL WINAPI name##W(LPCWSTR p) { char *h; DWORD e = wv_path_host_w(p, &h); return wv_run1(e, h, op, 0); }

/* Both paths mapped (the second may be NULL when null_ok): 0 or the first error. */
static DWORD wv_two_a(LPCSTR a, LPCSTR b, bool null_ok, char **ha, char **hb)
{
    DWORD e = wv_path_host_a(a, ha);
    *hb = NULL;
    return e ? e : (b || !null_ok) ? wv_path_host_a(b, hb) : 0;
}

static DWORD wv_two_w(LPCWSTR a, LPCWSTR b, bool null_ok, char **ha, char **hb)
{
    DWORD e = wv_path_host_w(a, ha);
    *hb = NULL;
    return e ? e : (b || !null_ok) ? wv_path_host_w(b, hb) : 0;
}

/* ---- the cores ---- */

static bool wv_readonly(const struct stat *st) { return !S_ISLNK(st->st_mode) && !(st->st_mode & 0222); }

static DWORD wv_delete(const char *h, DWORD unused)
{
    (void)unused;
    struct stat st;
    if (lstat(h, &st) != 0)
        return wv_file_path_error(h, errno);
    if (S_ISDIR(st.st_mode) || wv_readonly(&st))
        return ERROR_ACCESS_DENIED;
    DWORD err = wv_file_share_check(st.st_dev, st.st_ino, DELETE);
    if (!err && unlink(h) != 0)
        err = wv_file_path_error(h, errno);
    return err;
}

static DWORD wv_rmdir(const char *h, DWORD unused)
{
    (void)unused;
    struct stat st, cwd;
    if (lstat(h, &st) != 0)
        return wv_file_path_error(h, errno);
    if (!S_ISDIR(st.st_mode))
        return ERROR_DIRECTORY;
    if (stat(".", &cwd) == 0 && cwd.st_dev == st.st_dev && cwd.st_ino == st.st_ino)
        return ERROR_SHARING_VIOLATION;
    if (rmdir(h) == 0)
        return 0;
    return errno == ENOTEMPTY || errno == EEXIST ? ERROR_DIR_NOT_EMPTY : wv_file_path_error(h, errno);
}

/* The security descriptor is not used: the directory gets the host's default permissions. */
static DWORD wv_mkdir(const char *h, DWORD unused)
{
    (void)unused;
    if (mkdir(h, 0777) == 0)
        return 0;
    return errno == EEXIST ? ERROR_ALREADY_EXISTS : errno == ENOENT ? ERROR_PATH_NOT_FOUND
                                                                    : wv_errno_to_error(errno);
}

/* The target of a move that exists: whether it may be replaced. */
static DWORD wv_replace_check(const struct stat *src, const char *to, DWORD flags)
{
    struct stat st;
    if (lstat(to, &st) != 0)
        return 0;
    if (src->st_dev == st.st_dev && src->st_ino == st.st_ino)
        return 0; /* the same file under another name (or a case change) */
    if (!(flags & MOVEFILE_REPLACE_EXISTING))
        return ERROR_ALREADY_EXISTS;
    if (S_ISDIR(st.st_mode) || S_ISDIR(src->st_mode) || wv_readonly(&st))
        return ERROR_ACCESS_DENIED;
    return wv_file_share_check(st.st_dev, st.st_ino, DELETE);
}

DWORD wv_copy_file(const char *from, const char *to, bool fail_if_exists); /* k32_copy.c */

static DWORD wv_sync_dir(const char *to)
{
    char *d = strdup(to);
    if (!d)
        return ERROR_NOT_ENOUGH_MEMORY;
    int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(d);
    if (fd >= 0)
        fsync(fd), close(fd);
    return 0;
}

static DWORD wv_move(const char *from, const char *to, DWORD flags)
{
    DWORD known = MOVEFILE_REPLACE_EXISTING | MOVEFILE_COPY_ALLOWED | MOVEFILE_DELAY_UNTIL_REBOOT |
                  MOVEFILE_WRITE_THROUGH;
    if (flags & ~known)
        return ERROR_INVALID_PARAMETER;
    if (flags & MOVEFILE_DELAY_UNTIL_REBOOT)
        return ERROR_NOT_SUPPORTED; /* winvm does not run at boot */
    if (!to)
        return ERROR_INVALID_PARAMETER;
    struct stat st;
    if (lstat(from, &st) != 0)
        return wv_file_path_error(from, errno);
    DWORD err = wv_file_share_check(st.st_dev, st.st_ino, DELETE);
    if (!err)
        err = wv_replace_check(&st, to, flags);
    if (err)
        return err;
    unsigned how = (flags & MOVEFILE_REPLACE_EXISTING) ? 0 : RENAME_NOREPLACE;
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, how) == 0)
        return (flags & MOVEFILE_WRITE_THROUGH) ? wv_sync_dir(to) : 0;
    if (errno == EEXIST)
        return ERROR_ALREADY_EXISTS;
    if (errno != EXDEV)
        return errno == ENOENT ? ERROR_PATH_NOT_FOUND : wv_errno_to_error(errno);
    if (!(flags & MOVEFILE_COPY_ALLOWED) || S_ISDIR(st.st_mode))
        return ERROR_NOT_SAME_DEVICE;
    err = wv_copy_file(from, to, !(flags & MOVEFILE_REPLACE_EXISTING));
    if (!err && unlink(from) != 0)
        err = wv_errno_to_error(errno);
    return err;
}

static DWORD wv_link(const char *made, const char *existing, DWORD unused)
{
    (void)unused;
    if (link(existing, made) == 0)
        return 0;
    switch (errno) {
    case EEXIST: return ERROR_ALREADY_EXISTS;
    case EXDEV: return ERROR_NOT_SAME_DEVICE;
    case EMLINK: return ERROR_TOO_MANY_LINKS;
    case ENOENT: return access(existing, F_OK) == 0 ? ERROR_PATH_NOT_FOUND : wv_file_path_error(existing, ENOENT);
    default: return wv_errno_to_error(errno);
    }
}

WV_PATH1(DeleteFile, wv_delete)
WV_PATH1(RemoveDirectory, wv_rmdir)

BOOL WINAPI CreateDirectoryA(LPCSTR p, LPSECURITY_ATTRIBUTES sa)
{
    (void)sa;
    char *h;
    DWORD e = wv_path_host_a(p, &h);
    return wv_run1(e, h, wv_mkdir, 0);
}

BOOL WINAPI CreateDirectoryW(LPCWSTR p, LPSECURITY_ATTRIBUTES sa)
{
    (void)sa;
    char *h;
    DWORD e = wv_path_host_w(p, &h);
    return wv_run1(e, h, wv_mkdir, 0);
}

BOOL WINAPI MoveFileExA(LPCSTR from, LPCSTR to, DWORD flags)
{
    char *a, *b;
    DWORD e = wv_two_a(from, to, true, &a, &b);
    return wv_run2(e, a, b, wv_move, flags);
}

BOOL WINAPI MoveFileExW(LPCWSTR from, LPCWSTR to, DWORD flags)
{
    char *a, *b;
    DWORD e = wv_two_w(from, to, true, &a, &b);
    return wv_run2(e, a, b, wv_move, flags);
}

/* MoveFile moves directories and files across file systems (MOVEFILE_COPY_ALLOWED for files). */
BOOL WINAPI MoveFileA(LPCSTR from, LPCSTR to) { return MoveFileExA(from, to, MOVEFILE_COPY_ALLOWED); }
BOOL WINAPI MoveFileW(LPCWSTR from, LPCWSTR to) { return MoveFileExW(from, to, MOVEFILE_COPY_ALLOWED); }

BOOL WINAPI CreateHardLinkA(LPCSTR made, LPCSTR existing, LPSECURITY_ATTRIBUTES sa)
{
    (void)sa;
    char *a, *b;
    DWORD e = wv_two_a(made, existing, false, &a, &b);
    return wv_run2(e, a, b, wv_link, 0);
}

BOOL WINAPI CreateHardLinkW(LPCWSTR made, LPCWSTR existing, LPSECURITY_ATTRIBUTES sa)
{
    (void)sa;
    char *a, *b;
    DWORD e = wv_two_w(made, existing, false, &a, &b);
    return wv_run2(e, a, b, wv_link, 0);
}

/* ---- attributes ---- */

static DWORD wv_attr_data(const char *h, WIN32_FILE_ATTRIBUTE_DATA *d)
{
    struct stat st;
    FILETIME t[3];
    int e = wv_file_stat(-1, h, &st, t);
    if (e == ENOENT && wv_sysdir_is_dir(h) && !(e = wv_file_stat(-1, "/", &st, t)))
        h = "/"; /* C:\windows or its system32, which the host lacks: directories as the root */
    if (e)
        return wv_sysdir_error(h, wv_file_path_error(h, e));
    const char *name = strrchr(h, '/');
    uint64_t size = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size;
    *d = (WIN32_FILE_ATTRIBUTE_DATA){
        .dwFileAttributes = wv_file_attributes(&st, name ? name + 1 : h),
        .ftCreationTime = t[0], .ftLastAccessTime = t[1], .ftLastWriteTime = t[2],
        .nFileSizeHigh = (DWORD)(size >> 32), .nFileSizeLow = (DWORD)size};
    return 0;
}

static DWORD wv_attrs(DWORD err, char *h)
{
    WIN32_FILE_ATTRIBUTE_DATA d;
    if (!err)
        err = wv_attr_data(h, &d);
    free(h);
    return err ? (wv_set_error(err), INVALID_FILE_ATTRIBUTES) : d.dwFileAttributes;
}

DWORD WINAPI GetFileAttributesA(LPCSTR p) { char *h; DWORD e = wv_path_host_a(p, &h); return wv_attrs(e, h); }
DWORD WINAPI GetFileAttributesW(LPCWSTR p) { char *h; DWORD e = wv_path_host_w(p, &h); return wv_attrs(e, h); }

static BOOL wv_attrs_ex(DWORD err, char *h, GET_FILEEX_INFO_LEVELS level, LPVOID out)
{
    WIN32_FILE_ATTRIBUTE_DATA d;
    if (!err && level != GetFileExInfoStandard)
        err = ERROR_INVALID_PARAMETER;
    if (!err)
        err = wv_attr_data(h, &d);
    if (!err)
        err = wv_user_put(out, &d, sizeof(d));
    free(h);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI GetFileAttributesExA(LPCSTR p, GET_FILEEX_INFO_LEVELS level, LPVOID out)
{
    char *h;
    DWORD e = wv_path_host_a(p, &h);
    return wv_attrs_ex(e, h, level, out);
}

BOOL WINAPI GetFileAttributesExW(LPCWSTR p, GET_FILEEX_INFO_LEVELS level, LPVOID out)
{
    char *h;
    DWORD e = wv_path_host_w(p, &h);
    return wv_attrs_ex(e, h, level, out);
}

/* Only FILE_ATTRIBUTE_READONLY has a host form (no write permission); the other attributes
 * are accepted and not kept (docs/semantics.md, "Files"). */
static DWORD wv_set_attrs(const char *h, DWORD attrs)
{
    struct stat st;
    if (stat(h, &st) != 0)
        return wv_file_path_error(h, errno);
    mode_t m = st.st_mode & 07777;
    if (attrs & FILE_ATTRIBUTE_READONLY)
        m &= ~(mode_t)0222;
    else if (!(m & 0222))
        m |= S_IWUSR;
    return m == (st.st_mode & 07777) || chmod(h, m) == 0 ? 0 : wv_errno_to_error(errno);
}

BOOL WINAPI SetFileAttributesA(LPCSTR p, DWORD attrs)
{
    char *h;
    DWORD e = wv_path_host_a(p, &h);
    return wv_run1(e, h, wv_set_attrs, attrs);
}

BOOL WINAPI SetFileAttributesW(LPCWSTR p, DWORD attrs)
{
    char *h;
    DWORD e = wv_path_host_w(p, &h);
    return wv_run1(e, h, wv_set_attrs, attrs);
}

/* ---- GetShortPathName and GetLongPathName: winvm's volumes have no 8.3 names (as an NTFS
 * volume with their creation turned off), so both forms of an existing path are the path as
 * given, relative or not.  Empty: ERROR_BAD_PATHNAME (short) or ERROR_PATH_NOT_FOUND (long);
 * wildcards: ERROR_INVALID_NAME; missing: the error of its attributes.  Windows' string-out
 * convention (wv_out_a/w): too small, the size it needs. ---- */

static DWORD wv_short_check(const char *win, DWORD empty)
{
    if (!*win)
        return empty;
    if (strpbrk(win, "*?"))
        return ERROR_INVALID_NAME;
    char *h;
    WIN32_FILE_ATTRIBUTE_DATA d;
    DWORD err = wv_path_host(win, &h);
    if (!err)
        err = wv_attr_data(h, &d);
    free(h); /* NULL when wv_path_host failed */
    return err;
}

static DWORD wv_same_path_a(LPCSTR in, LPSTR out, DWORD len, DWORD empty)
{
    char *s = NULL;
    DWORD ret = 0, err = in ? wv_user_str(in, &s) : ERROR_INVALID_PARAMETER;
    if (!err)
        err = wv_short_check(s, empty);
    if (!err)
        err = wv_out_a(s, out, len, &ret);
    free(s);
    return err ? (wv_set_error(err), 0) : ret;
}

static DWORD wv_same_path_w(LPCWSTR in, LPWSTR out, DWORD len, DWORD empty)
{
    char *s = NULL;
    DWORD ret = 0, err = in ? wv_user_wstr(in, WV_TEXT_STRICT, &s) : ERROR_INVALID_PARAMETER;
    if (!err)
        err = wv_short_check(s, empty);
    if (!err)
        err = wv_out_w(s, out, len, &ret);
    free(s);
    return err ? (wv_set_error(err), 0) : ret;
}

DWORD WINAPI GetShortPathNameA(LPCSTR in, LPSTR out, DWORD len) { return wv_same_path_a(in, out, len, ERROR_BAD_PATHNAME); }
DWORD WINAPI GetShortPathNameW(LPCWSTR in, LPWSTR out, DWORD len) { return wv_same_path_w(in, out, len, ERROR_BAD_PATHNAME); }
DWORD WINAPI GetLongPathNameA(LPCSTR in, LPSTR out, DWORD len) { return wv_same_path_a(in, out, len, ERROR_PATH_NOT_FOUND); }
DWORD WINAPI GetLongPathNameW(LPCWSTR in, LPWSTR out, DWORD len) { return wv_same_path_w(in, out, len, ERROR_PATH_NOT_FOUND); }
