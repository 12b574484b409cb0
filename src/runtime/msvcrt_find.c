/* SPDX-License-Identifier: MIT */
/* msvcrt_find.c - directory searches: _findfirst/_findnext/_findclose, narrow and wide, with
 * 64-bit sizes (_findfirst64) or 32-bit ones (_findfirst, which is _findfirst64i32 on x64).
 *
 * A search is a directory stream and a pattern; names match Windows' wildcards ('*', '?')
 * without regard to case, "*.*" matching every name.  The handle is a slot number + 1 (256
 * searches at once); an unknown one is EINVAL.  No match at all: -1 and ENOENT.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct wv_search {
    DIR *dir;
    char *path; /* the directory, ending in '/' */
    char *pattern;
};

#define WV_SEARCHES 256
static struct wv_search *wv_searches[WV_SEARCHES];
static pthread_mutex_t wv_search_lock = PTHREAD_MUTEX_INITIALIZER;

/* One entry in any of the four layouts: attrib, 3 times, size (32 or 64 bits), name. */
struct wv_found {
    unsigned attrib;
    long long ctime, atime, mtime, size;
    const char *name;
};

enum { WV_F64 = 1, WV_FWIDE = 2 };

static void wv_found_put(const struct wv_found *f, void *out, int kind)
{
    char *o = out;
    memcpy(o, &f->attrib, 4);
    memcpy(o + 8, &f->ctime, 8), memcpy(o + 16, &f->atime, 8), memcpy(o + 24, &f->mtime, 8);
    size_t at = 36;
    if (kind & WV_F64)
        memcpy(o + 32, &f->size, 8), at = 40;
    else {
        unsigned s = f->size > 0xffffffffll ? 0xffffffffu : (unsigned)f->size;
        memcpy(o + 32, &s, 4);
    }
    size_t n = 0;
    if (kind & WV_FWIDE) {
        wv_utf8_to_utf16(f->name, strlen(f->name), (WCHAR *)(o + at), 259, WV_TEXT_REPLACE, &n);
        ((WCHAR *)(o + at))[n] = 0;
    } else {
        n = strlen(f->name) < 259 ? strlen(f->name) : 259;
        memcpy(o + at, f->name, n), o[at + n] = 0;
    }
}

/* The next entry of s that matches; false at the end. */
static bool wv_search_next(struct wv_search *s, struct wv_found *f)
{
    struct dirent *e;
    while ((e = readdir(s->dir))) {
        if (fnmatch(s->pattern, e->d_name, FNM_CASEFOLD) != 0)
            continue;
        char *full;
        struct stat st;
        if (asprintf(&full, "%s%s", s->path, e->d_name) < 0)
            continue;
        int r = stat(full, &st);
        free(full);
        if (r < 0)
            continue;
        bool dir = S_ISDIR(st.st_mode);
        *f = (struct wv_found){.attrib = (dir ? 0x10 : 0x20) | (st.st_mode & 0200 ? 0 : 1),
                               .ctime = st.st_ctime, .atime = st.st_atime, .mtime = st.st_mtime,
                               .size = dir ? 0 : st.st_size, .name = e->d_name};
        return true;
    }
    return false;
}

static void wv_search_free(struct wv_search *s)
{
    if (s->dir)
        closedir(s->dir);
    free(s->path), free(s->pattern), free(s);
}

static intptr_t wv_find_first(char *p, void *out, int kind)
{
    struct wv_search *s = calloc(1, sizeof(*s));
    char *slash = strrchr(p, '/');
    const char *pat = slash ? slash + 1 : p;
    if (!s)
        return wv_crt_fail(ENOMEM);
    s->pattern = strdup(!strcmp(pat, "*.*") ? "*" : pat);
    if (slash)
        slash[1] = 0;
    s->path = strdup(slash ? p : "./");
    s->dir = s->path ? opendir(s->path) : NULL;
    struct wv_found f;
    if (!s->pattern || !s->dir || !wv_search_next(s, &f)) {
        int err = !s->pattern || !s->path ? ENOMEM : ENOENT;
        wv_search_free(s);
        return wv_crt_fail(err);
    }
    wv_found_put(&f, out, kind);
    pthread_mutex_lock(&wv_search_lock);
    int k = 0;
    while (k < WV_SEARCHES && wv_searches[k])
        k++;
    if (k < WV_SEARCHES)
        wv_searches[k] = s;
    pthread_mutex_unlock(&wv_search_lock);
    if (k == WV_SEARCHES) {
        wv_search_free(s);
        return wv_crt_fail(EMFILE);
    }
    return k + 1;
}

static struct wv_search *wv_search_get(intptr_t h)
{
    if (h < 1 || h > WV_SEARCHES)
        return NULL;
    pthread_mutex_lock(&wv_search_lock);
    struct wv_search *s = wv_searches[h - 1];
    pthread_mutex_unlock(&wv_search_lock);
    return s;
}

static int wv_find_next(intptr_t h, void *out, int kind)
{
    struct wv_search *s = wv_search_get(h);
    struct wv_found f;
    if (!s || !out)
        return wv_crt_fail(EINVAL);
    if (!wv_search_next(s, &f))
        return wv_crt_fail(ENOENT);
    wv_found_put(&f, out, kind);
    return 0;
}

CRT int wv_ms__findclose(intptr_t h)
{
    if (!wv_search_get(h))
        return wv_crt_fail(EINVAL);
    pthread_mutex_lock(&wv_search_lock);
    struct wv_search *s = wv_searches[h - 1];
    wv_searches[h - 1] = NULL;
    pthread_mutex_unlock(&wv_search_lock);
    if (s)
        wv_search_free(s);
    return 0;
}

static intptr_t wv_first(const char *name, const WCHAR *wname, void *out, int kind)
{
    if (!out || (!name && !wname))
        return wv_crt_fail(EINVAL);
    char *p = wname ? wv_crt_host_wpath(wname) : wv_crt_host_path(name);
    if (!p)
        return -1;
    intptr_t h = wv_find_first(p, out, kind);
    free(p);
    return h;
}

CRT intptr_t wv_ms__findfirst64(const char *p, void *out) { return wv_first(p, NULL, out, WV_F64); }
CRT intptr_t wv_ms__findfirst(const char *p, void *out) { return wv_first(p, NULL, out, 0); }
CRT intptr_t wv_ms__wfindfirst64(const WCHAR *p, void *out) { return wv_first(NULL, p, out, WV_F64 | WV_FWIDE); }
CRT intptr_t wv_ms__wfindfirst(const WCHAR *p, void *out) { return wv_first(NULL, p, out, WV_FWIDE); }
CRT int wv_ms__findnext64(intptr_t h, void *out) { return wv_find_next(h, out, WV_F64); }
CRT int wv_ms__findnext(intptr_t h, void *out) { return wv_find_next(h, out, 0); }
CRT int wv_ms__wfindnext64(intptr_t h, void *out) { return wv_find_next(h, out, WV_F64 | WV_FWIDE); }
CRT int wv_ms__wfindnext(intptr_t h, void *out) { return wv_find_next(h, out, WV_FWIDE); }
