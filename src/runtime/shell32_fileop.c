/* SPDX-License-Identifier: MIT */
/* shell32_fileop.c - SHFileOperationA/W without a GUI: FO_DELETE (directories with all they
 * hold, wildcards in the last component), FO_COPY, FO_MOVE, FO_RENAME.
 *
 * Every source is found (and its wildcards expanded) before anything changes, so a missing
 * one changes nothing (Wine's shlfileop.c: deleting "test1.txt\0nonexistent.txt\0" leaves
 * test1.txt).  There is no dialog to show: FOF_SILENT, FOF_NOCONFIRMATION, FOF_NOERRORUI and
 * FOF_NOCONFIRMMKDIR describe what happens anyway (overwrites and new directories without
 * asking), FOF_ALLOWUNDO deletes for good (no recycle bin).  Results are the Vista and later
 * values shlfileop.c records: ERROR_FILE_NOT_FOUND for a missing source in an existing
 * directory, DE_INVALIDFILES when its directory is missing too, DE_SAMEFILE, DE_MANYSRC1DEST,
 * DE_DESTSUBTREE, DE_FLDDESTISFILE, DE_FILEDESTISFLD, ERROR_ALREADY_EXISTS for a rename onto
 * an existing name.  fAnyOperationsAborted says whether the user cancelled: never here. */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/shell32_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WV_FO_MOVE 1
#define WV_FO_COPY 2
#define WV_FO_DELETE 3
#define WV_FO_RENAME 4
#define WV_FOF_MULTIDESTFILES 0x1
#define WV_FOF_FILESONLY 0x80

/* SHFILEOPSTRUCTA/W on x64 (the two differ in their strings' type only). */
struct wv_shfileop {
    HANDLE hwnd;
    UINT func;
    const void *from, *to;
    WORD flags;
    BOOL aborted;
    void *mappings;
    const void *title;
};

struct wv_list {
    char **item;
    size_t n;
};

static void wv_list_free(struct wv_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->item[i]);
    free(l->item);
    l->item = NULL, l->n = 0;
}

static DWORD wv_list_add(struct wv_list *l, char *s)
{
    char **more = s ? realloc(l->item, (l->n + 1) * sizeof(*more)) : NULL;
    if (!more) {
        free(s);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    l->item = more;
    l->item[l->n++] = s;
    return 0;
}

/* The caller's double-NUL-terminated list of Windows paths as host paths. */
static DWORD wv_list_read(const void *p, bool wide, struct wv_list *l)
{
    const char *at = p;
    for (;;) {
        void *units;
        size_t len;
        DWORD err = wv_user_units(at, wide ? 2 : 1, &units, &len);
        if (err)
            return err;
        if (!len) {
            free(units);
            return 0;
        }
        char *win = units, *host = NULL;
        if (wide)
            err = wv_utf8(units, &win);
        if (!err)
            err = wv_path_host(win, &host);
        if (win != units)
            free(win);
        free(units);
        if (err || (err = wv_list_add(l, host)))
            return err;
        at += (len + 1) * (wide ? 2 : 1);
    }
}

static bool wv_has_wildcard(const char *path)
{
    const char *base = strrchr(path, '/');
    return strpbrk(base ? base + 1 : path, "*?") != NULL;
}

static bool wv_is_dir(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* The directory part of path ("." when it has none), malloc'ed. */
static char *wv_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    return slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
}

/* The names of dir matching pattern (Windows' "*.*" is every name), case-insensitive. */
static DWORD wv_expand(const char *pattern, bool files_only, struct wv_list *out)
{
    char *dir = wv_parent(pattern);
    const char *slash = strrchr(pattern, '/');
    const char *glob = slash ? slash + 1 : pattern;
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d) {
        free(dir);
        return DE_INVALIDFILES;
    }
    DWORD err = 0;
    struct dirent *e;
    while (!err && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (strcmp(glob, "*.*") && fnmatch(glob, e->d_name, FNM_CASEFOLD))
            continue;
        char *full = NULL;
        if (asprintf(&full, "%s/%s", dir, e->d_name) < 0)
            full = NULL;
        if (full && files_only && wv_is_dir(full))
            free(full);
        else
            err = wv_list_add(out, full);
    }
    closedir(d);
    free(dir);
    return err;
}

/* The sources, wildcards expanded; a missing one is the whole call's error. */
static DWORD wv_sources(const struct wv_list *from, bool files_only, struct wv_list *out)
{
    for (size_t i = 0; i < from->n; i++) {
        const char *p = from->item[i];
        struct stat st;
        DWORD err;
        if (wv_has_wildcard(p))
            err = wv_expand(p, files_only, out);
        else if (lstat(p, &st)) {
            char *dir = wv_parent(p);
            err = dir && wv_is_dir(dir) ? ERROR_FILE_NOT_FOUND : DE_INVALIDFILES;
            free(dir);
        } else
            err = wv_list_add(out, strdup(p));
        if (err)
            return err;
    }
    return 0;
}

static int wv_remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    return (type == FTW_DP ? rmdir(path) : unlink(path)) ? -1 : 0;
}

/* Removes path and, a directory, all below it (symbolic links themselves, not their targets). */
static DWORD wv_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return wv_errno_to_error(errno);
    if (!S_ISDIR(st.st_mode))
        return unlink(path) ? wv_errno_to_error(errno) : 0;
    return nftw(path, wv_remove_one, 16, FTW_DEPTH | FTW_PHYS) ? wv_errno_to_error(errno) : 0;
}

static DWORD wv_copy_file(const char *src, const char *dst, const struct stat *st)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return wv_errno_to_error(errno);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st->st_mode & 0777);
    DWORD err = out < 0 ? wv_errno_to_error(errno) : 0;
    char buf[65536];
    ssize_t n;
    while (!err && (n = read(in, buf, sizeof(buf))) != 0) {
        if (n < 0 || write(out, buf, (size_t)n) != n)
            err = wv_errno_to_error(n < 0 ? errno : errno ? errno : ENOSPC);
    }
    if (!err) { /* a copy keeps the write time, as CopyFile's does */
        struct timespec times[2] = {st->st_atim, st->st_mtim};
        futimens(out, times);
    }
    close(in);
    if (out >= 0)
        close(out);
    return err;
}

/* Copies src (a file or a directory with all it holds) to dst; a directory merges into an
 * existing one. */
static DWORD wv_copy_tree(const char *src, const char *dst)
{
    struct stat st;
    if (stat(src, &st))
        return wv_errno_to_error(errno);
    if (!S_ISDIR(st.st_mode))
        return wv_copy_file(src, dst, &st);
    if (mkdir(dst, st.st_mode & 0777) && errno != EEXIST)
        return wv_errno_to_error(errno);
    DIR *d = opendir(src);
    if (!d)
        return wv_errno_to_error(errno);
    DWORD err = 0;
    struct dirent *e;
    while (!err && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *s = NULL, *t = NULL;
        if (asprintf(&s, "%s/%s", src, e->d_name) < 0 || asprintf(&t, "%s/%s", dst, e->d_name) < 0)
            err = ERROR_NOT_ENOUGH_MEMORY;
        else
            err = wv_copy_tree(s, t);
        free(s);
        free(t);
    }
    closedir(d);
    return err;
}

DWORD wv_make_dirs(const char *dir)
{
    if (wv_is_dir(dir))
        return 0;
    char *parent = wv_parent(dir);
    DWORD err = !parent ? ERROR_NOT_ENOUGH_MEMORY : strcmp(parent, dir) ? wv_make_dirs(parent) : 0;
    free(parent);
    if (!err && mkdir(dir, 0777) && errno != EEXIST)
        err = wv_errno_to_error(errno);
    return err;
}

/* Whether the two paths name one file, or dst lies inside the directory src. */
static DWORD wv_pair_check(const char *src, const char *dst)
{
    struct stat s, d;
    if (stat(src, &s))
        return wv_errno_to_error(errno);
    if (!stat(dst, &d)) {
        if (s.st_dev == d.st_dev && s.st_ino == d.st_ino)
            return DE_SAMEFILE;
        if (S_ISDIR(s.st_mode) && !S_ISDIR(d.st_mode))
            return DE_FLDDESTISFILE;
        if (!S_ISDIR(s.st_mode) && S_ISDIR(d.st_mode))
            return DE_FILEDESTISFLD;
    }
    char *rs = realpath(src, NULL), *parent = wv_parent(dst);
    char *rd = parent ? realpath(parent, NULL) : NULL;
    DWORD err = 0;
    size_t n = rs ? strlen(rs) : 0;
    if (rs && rd && S_ISDIR(s.st_mode) && !strncmp(rs, rd, n) && (rd[n] == '/' || !rd[n]))
        err = DE_DESTSUBTREE;
    free(rs), free(rd), free(parent);
    return err;
}

static DWORD wv_move_one(const char *src, const char *dst)
{
    if (!rename(src, dst))
        return 0;
    if (errno != EXDEV) /* another file system: a copy, then the source goes */
        return wv_errno_to_error(errno);
    DWORD err = wv_copy_tree(src, dst);
    return err ? err : wv_remove_tree(src);
}

/* The destination of source i: to[i] with FOF_MULTIDESTFILES, else inside the directory to[0]
 * (made when the sources are several), or to[0] itself for one source named without wildcards. */
static char *wv_target(const struct wv_list *to, const char *src, size_t i, bool into_dir, bool multi)
{
    if (multi)
        return strdup(to->item[i]);
    if (!into_dir)
        return strdup(to->item[0]);
    const char *base = strrchr(src, '/');
    char *t = NULL;
    return asprintf(&t, "%s/%s", to->item[0], base ? base + 1 : src) < 0 ? NULL : t;
}

static DWORD wv_transfer(const struct wv_list *from, const struct wv_list *src, const struct wv_list *to,
                         bool move, WORD flags)
{
    bool multi = (flags & WV_FOF_MULTIDESTFILES) && to->n == from->n && to->n > 1;
    bool into_dir = !multi && (wv_is_dir(to->item[0]) || src->n > 1 || wv_has_wildcard(from->item[0]));
    if (!multi && to->n > 1)
        return DE_MANYSRC1DEST;
    if (multi && src->n != from->n) /* a wildcard among paired names */
        return DE_MANYSRC1DEST;
    struct wv_list targets = {0};
    DWORD err = 0;
    for (size_t i = 0; !err && i < src->n; i++) {
        err = wv_list_add(&targets, wv_target(to, src->item[i], i, into_dir, multi));
        if (!err)
            err = wv_pair_check(src->item[i], targets.item[i]);
    }
    if (!err && into_dir)
        err = wv_make_dirs(to->item[0]);
    for (size_t i = 0; !err && i < src->n; i++) {
        char *parent = wv_parent(targets.item[i]);
        err = parent ? wv_make_dirs(parent) : ERROR_NOT_ENOUGH_MEMORY;
        free(parent);
        if (!err)
            err = move ? wv_move_one(src->item[i], targets.item[i]) : wv_copy_tree(src->item[i], targets.item[i]);
    }
    wv_list_free(&targets);
    return err;
}

static DWORD wv_rename(const struct wv_list *src, const struct wv_list *to)
{
    if (src->n != 1 || to->n != 1)
        return DE_MANYSRC1DEST;
    struct stat st;
    if (!lstat(to->item[0], &st))
        return ERROR_ALREADY_EXISTS;
    return rename(src->item[0], to->item[0]) ? wv_errno_to_error(errno) : 0;
}

static DWORD wv_file_op(const struct wv_shfileop *op, bool wide)
{
    if (op->func < WV_FO_MOVE || op->func > WV_FO_RENAME || !op->from)
        return ERROR_INVALID_PARAMETER;
    struct wv_list from = {0}, to = {0}, src = {0};
    DWORD err = wv_list_read(op->from, wide, &from);
    if (!err && op->func != WV_FO_DELETE) {
        if (op->to)
            err = wv_list_read(op->to, wide, &to);
        if (!err && !to.n) /* no destination: the current directory */
            err = wv_list_add(&to, strdup("."));
    }
    if (!err && !from.n)
        err = op->func == WV_FO_RENAME ? DE_MANYSRC1DEST : ERROR_ACCESS_DENIED;
    if (!err)
        err = wv_sources(&from, op->func == WV_FO_DELETE && (op->flags & WV_FOF_FILESONLY), &src);
    if (!err && op->func == WV_FO_DELETE) {
        for (size_t i = 0; !err && i < src.n; i++)
            err = wv_remove_tree(src.item[i]);
    } else if (!err && op->func == WV_FO_RENAME)
        err = wv_rename(&src, &to);
    else if (!err && src.n)
        err = wv_transfer(&from, &src, &to, op->func == WV_FO_MOVE, op->flags);
    wv_list_free(&from), wv_list_free(&to), wv_list_free(&src);
    return err;
}

static int wv_shfileop(void *user, bool wide)
{
    struct wv_shfileop op;
    if (!user || wv_copy(&op, user, sizeof(op)))
        return ERROR_INVALID_PARAMETER;
    DWORD err = wv_file_op(&op, wide);
    BOOL aborted = FALSE; /* no user to cancel */
    wv_user_put((char *)user + offsetof(struct wv_shfileop, aborted), &aborted, sizeof(aborted));
    return (int)err;
}

WV_MSABI int wv_sh_SHFileOperationW(void *op) { return wv_shfileop(op, true); }

WV_MSABI int wv_sh_SHFileOperationA(void *op) { return wv_shfileop(op, false); }
