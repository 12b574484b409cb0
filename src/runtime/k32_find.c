/* SPDX-License-Identifier: MIT */
/* k32_find.c - FindFirstFile/FindNextFile/FindClose, A and W.
 *
 * A search is its own object (WV_KIND_FIND): FindClose closes it, CloseHandle refuses it as
 * Windows does.  FindFirstFile reads the directory once, keeps the names that match the last
 * component of the pattern ('*' any run, '?' one character, ASCII case ignored, "*.*" all) and
 * sorts them as NTFS lists them ("." and ".." first, then case-insensitive order); each call
 * then looks up one name.  A pattern ending in a separator finds nothing (ERROR_FILE_NOT_FOUND);
 * a directory that does not exist is ERROR_PATH_NOT_FOUND.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static void wv_find_destroy(struct wv_object *o)
{
    struct wv_find *f = (struct wv_find *)o;
    for (size_t i = 0; i < f->n; i++)
        free(f->names[i]);
    free(f->names);
    free(f->dir);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

struct wv_find *wv_find_new(void)
{
    struct wv_find *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->obj = (struct wv_object){.kind = WV_KIND_FIND, .destroy = wv_find_destroy};
    pthread_mutex_init(&f->lock, NULL);
    return f;
}

/* DOS wildcards as FindFirstFile matches them, ASCII case ignored. */
static bool wv_match(const char *p, const char *s)
{
    if (!strcmp(p, "*.*"))
        p = "*";
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*')
            star = p++, resume = s;
        else if (*p == '?' || tolower((unsigned char)*p) == tolower((unsigned char)*s))
            p++, s++;
        else if (star)
            p = star + 1, s = ++resume;
        else
            return false;
    }
    while (*p == '*')
        p++;
    return !*p;
}

static int wv_rank(const char *n) { return !strcmp(n, ".") ? 0 : !strcmp(n, "..") ? 1 : 2; }

static int wv_name_order(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int r = wv_rank(x) - wv_rank(y);
    return r ? r : strcasecmp(x, y) ? strcasecmp(x, y) : strcmp(x, y);
}

/* Adds name to f's list: 0 or ERROR_NOT_ENOUGH_MEMORY. */
static DWORD wv_find_add(struct wv_find *f, size_t *cap, const char *name)
{
    if (f->n == *cap) {
        char **v = realloc(f->names, (*cap = *cap ? 2 * *cap : 16) * sizeof(*v));
        if (!v)
            return ERROR_NOT_ENOUGH_MEMORY;
        f->names = v;
    }
    if (!(f->names[f->n] = strdup(name)))
        return ERROR_NOT_ENOUGH_MEMORY;
    f->n++;
    return 0;
}

/* The names of C:\windows or its system32 when the host lacks them (k32_sysdir.c). */
static DWORD wv_find_virtual(struct wv_find *f, const char *dir, const char *pat)
{
    size_t cap = 0;
    DWORD err = 0;
    const char *name;
    for (size_t i = 0; !err && (name = wv_sysdir_entry(dir, i)); i++)
        if (wv_match(pat, name))
            err = wv_find_add(f, &cap, name);
    return err;
}

/* Reads the names of dir matching pat into f: 0 or a Win32 error. */
static DWORD wv_find_read(struct wv_find *f, const char *dir, const char *pat)
{
    DIR *d = opendir(dir);
    if (!d && errno == ENOENT && wv_sysdir_entry(dir, 0)) {
        DWORD err = wv_find_virtual(f, dir, pat);
        if (!err && f->n == 0)
            err = ERROR_FILE_NOT_FOUND;
        if (!err)
            qsort(f->names, f->n, sizeof(*f->names), wv_name_order);
        return err;
    }
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? ERROR_PATH_NOT_FOUND : wv_errno_to_error(errno);
    bool root = !strcmp(dir, "/"); /* a drive's root lists no "." nor ".." on Windows */
    size_t cap = 0;
    DWORD err = 0;
    for (struct dirent *e; !err && (e = readdir(d));) {
        if ((root && wv_rank(e->d_name) < 2) || !wv_match(pat, e->d_name))
            continue;
        err = wv_find_add(f, &cap, e->d_name);
    }
    closedir(d);
    if (!err && f->n == 0)
        err = ERROR_FILE_NOT_FOUND;
    if (!err)
        qsort(f->names, f->n, sizeof(*f->names), wv_name_order);
    return err;
}

/* The next entry of f as find data (UTF-8 name in *name, which points into f): 0,
 * ERROR_NO_MORE_FILES. */
static DWORD wv_find_next(struct wv_find *f, WIN32_FIND_DATAA *d, const char **name)
{
    pthread_mutex_lock(&f->lock);
    DWORD err = f->next < f->n ? 0 : ERROR_NO_MORE_FILES;
    const char *n = err ? NULL : f->names[f->next++];
    pthread_mutex_unlock(&f->lock);
    if (err)
        return err;
    char *path = malloc(strlen(f->dir) + strlen(n) + 2);
    if (!path)
        return ERROR_NOT_ENOUGH_MEMORY;
    strcat(strcat(strcpy(path, f->dir), "/"), n);
    struct stat st;
    FILETIME t[3] = {{0, 0}, {0, 0}, {0, 0}};
    if (wv_file_stat(-1, path, &st, t) != 0 && lstat(path, &st) != 0 && wv_sysdir_stat(path, &st, t) != 0)
        memset(&st, 0, sizeof(st)); /* gone since the directory was read: a bare name */
    free(path);
    uint64_t size = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size;
    memset(d, 0, sizeof(*d));
    d->dwFileAttributes = wv_file_attributes(&st, n);
    d->ftCreationTime = t[0], d->ftLastAccessTime = t[1], d->ftLastWriteTime = t[2];
    d->nFileSizeHigh = (DWORD)(size >> 32), d->nFileSizeLow = (DWORD)size;
    size_t len = strlen(n);
    memcpy(d->cFileName, n, len < MAX_PATH ? len : MAX_PATH - 1);
    *name = n;
    return 0;
}

/* FindFirstFile's core on a mapped pattern: the handle, or 0 and the error. */
static HANDLE wv_find_first(char *host, WIN32_FIND_DATAA *d, const char **name, DWORD *err)
{
    char *slash = strrchr(host, '/');
    const char *pat = slash ? slash + 1 : host;
    struct wv_find *f = *pat ? wv_find_new() : NULL;
    *err = !*pat ? ERROR_FILE_NOT_FOUND : !f ? ERROR_NOT_ENOUGH_MEMORY : 0;
    if (!*err) {
        if (slash)
            *slash = 0;
        f->dir = strdup(!slash ? "." : slash == host ? "/" : host);
        *err = !f->dir ? ERROR_NOT_ENOUGH_MEMORY : wv_find_read(f, f->dir, pat);
    }
    if (!*err)
        *err = wv_find_next(f, d, name);
    HANDLE h = *err ? NULL : wv_handle_new(&f->obj, 0);
    if (!*err && !h)
        *err = ERROR_TOO_MANY_OPEN_FILES;
    if (f && !h)
        wv_find_destroy(&f->obj);
    free(host);
    return h;
}

static void wv_data_w(const WIN32_FIND_DATAA *a, const char *name, WIN32_FIND_DATAW *w)
{
    memset(w, 0, sizeof(*w));
    w->dwFileAttributes = a->dwFileAttributes;
    w->ftCreationTime = a->ftCreationTime, w->ftLastAccessTime = a->ftLastAccessTime;
    w->ftLastWriteTime = a->ftLastWriteTime;
    w->nFileSizeHigh = a->nFileSizeHigh, w->nFileSizeLow = a->nFileSizeLow;
    size_t len = 0;
    wv_utf8_to_utf16(name, strlen(name), w->cFileName, MAX_PATH - 1, WV_TEXT_REPLACE, &len);
}

HANDLE WINAPI FindFirstFileA(LPCSTR pattern, LPWIN32_FIND_DATAA out)
{
    char *host;
    const char *name;
    WIN32_FIND_DATAA d;
    DWORD err = wv_path_host_name_a(pattern, &host); /* a pattern: the listing finds the files */
    HANDLE h = err ? (free(host), NULL) : wv_find_first(host, &d, &name, &err);
    if (!err && (err = wv_user_put(out, &d, sizeof(d))))
        wv_handle_close_kind(h, WV_KIND_FIND);
    return err ? wv_fail_file(err) : h;
}

HANDLE WINAPI FindFirstFileW(LPCWSTR pattern, LPWIN32_FIND_DATAW out)
{
    char *host;
    const char *name;
    WIN32_FIND_DATAA d;
    WIN32_FIND_DATAW w;
    DWORD err = wv_path_host_name_w(pattern, &host); /* a pattern: the listing finds the files */
    HANDLE h = err ? (free(host), NULL) : wv_find_first(host, &d, &name, &err);
    if (!err) {
        wv_data_w(&d, name, &w);
        if ((err = wv_user_put(out, &w, sizeof(w))))
            wv_handle_close_kind(h, WV_KIND_FIND);
    }
    return err ? wv_fail_file(err) : h;
}

static struct wv_find *wv_find_of(HANDLE h)
{
    struct wv_find *f = (struct wv_find *)wv_handle_get(h, WV_KIND_FIND, NULL);
    if (f && f->volume) {
        wv_object_unref(&f->obj);
        return NULL;
    }
    return f;
}

BOOL WINAPI FindNextFileA(HANDLE h, LPWIN32_FIND_DATAA out)
{
    struct wv_find *f = wv_find_of(h);
    if (!f)
        return wv_fail(ERROR_INVALID_HANDLE);
    WIN32_FIND_DATAA d;
    const char *name;
    DWORD err = wv_find_next(f, &d, &name);
    if (!err)
        err = wv_user_put(out, &d, sizeof(d));
    wv_object_unref(&f->obj);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI FindNextFileW(HANDLE h, LPWIN32_FIND_DATAW out)
{
    struct wv_find *f = wv_find_of(h);
    if (!f)
        return wv_fail(ERROR_INVALID_HANDLE);
    WIN32_FIND_DATAA d;
    WIN32_FIND_DATAW w;
    const char *name;
    DWORD err = wv_find_next(f, &d, &name);
    if (!err) {
        wv_data_w(&d, name, &w);
        err = wv_user_put(out, &w, sizeof(w));
    }
    wv_object_unref(&f->obj);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI FindClose(HANDLE h)
{
    struct wv_find *f = wv_find_of(h);
    bool ok = f != NULL;
    wv_object_unref(f ? &f->obj : NULL);
    DWORD err = ok ? wv_handle_close_kind(h, WV_KIND_FIND) : ERROR_INVALID_HANDLE;
    return err ? wv_fail(err) : TRUE;
}
