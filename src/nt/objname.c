/* SPDX-License-Identifier: MIT */
/* objname.c - OBJECT_ATTRIBUTES as every named Create and Open reads them: the root directory
 * handle, the name looked up in the object namespace's tree (ob/objdir.c), and what a name
 * that ends outside the tree becomes: the per-user store's name the cores of sections, events,
 * mutexes, semaphores and timers take.
 *
 * A leaf in a BaseNamedObjects directory is the store's name itself (shared by every process
 * of the user); a leaf in a directory a program made is the store's name prefixed by a form
 * unique to that directory in this process (the directory is this process's, so its objects
 * are too; the prefix starts with a lone surrogate, which names rarely hold).  The full object
 * path is kept for the object (ob/obname.c, wv_nt_name_handle) for NtQueryObject.
 * Facts: Wine's ntdll/tests/om.c (test_directory, test_symboliclink, test_case_sensitive).
 */
#define _GNU_SOURCE
#include "nt/nt.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define WV_OBJ_UNITS 32767 /* a UNICODE_STRING's most units */

/* The full path of the name this thread read last (wv_nt_read_name), for wv_nt_name_handle. */
static __thread WCHAR *wv_last;
static __thread size_t wv_last_len;

void wv_nt_oa_free(struct wv_nt_oa *r)
{
    wv_object_unref(r->root ? &r->root->obj : NULL);
    free(r->name);
    r->root = NULL, r->name = NULL;
}

/* The root directory handle: a directory's object (a reference), or the status. */
static NTSTATUS wv_nt_root(HANDLE h, struct wv_odent **out)
{
    DWORD granted;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &granted);
    if (!o)
        return STATUS_INVALID_HANDLE;
    if (o->kind != WV_KIND_DIRECTORY) {
        wv_object_unref(o);
        return STATUS_OBJECT_TYPE_MISMATCH; /* a link, an event, ...: no directory to look in */
    }
    *out = (struct wv_odent *)o;
    return STATUS_SUCCESS;
}

NTSTATUS wv_nt_oa_read(const OBJECT_ATTRIBUTES *oa, struct wv_nt_oa *r)
{
    OBJECT_ATTRIBUTES a;
    UNICODE_STRING u;
    memset(r, 0, sizeof(*r));
    if (wv_copy(&a, oa, sizeof(a)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (a.Length != sizeof(a) || (a.Attributes & ~(ULONG)OBJ_VALID_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    r->attrs = a.Attributes;
    if (a.ObjectName) {
        if (wv_copy(&u, a.ObjectName, sizeof(u)))
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
        if ((u.Length & 1) || u.Length > u.MaximumLength)
            return STATUS_OBJECT_NAME_INVALID;
        r->named = true, r->len = u.Length / 2;
        if (!(r->name = malloc(u.Length + 2)))
            return STATUS_NO_MEMORY;
        if (u.Length && wv_copy(r->name, u.Buffer, u.Length)) {
            wv_nt_oa_free(r);
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
        }
    }
    NTSTATUS st = a.RootDirectory ? wv_nt_root(a.RootDirectory, &r->root) : STATUS_SUCCESS;
    if (st)
        wv_nt_oa_free(r);
    return st;
}

/* The store's name for leaf in dir (UTF-8, WTF-8 for lone surrogates, NUL as U+FFFD: the
 * cores take C strings) into buf: 0 or STATUS_NAME_TOO_LONG. */
static NTSTATUS wv_nt_store_name(const struct wv_odent *dir, const WCHAR *leaf, size_t n, char *buf, size_t cap)
{
    int k = dir->shared ? 0 : snprintf(buf, cap, "\xed\xbf\xbfod%d.%u\xed\xbf\xbf", (int)getpid(), dir->id);
    WCHAR *w = malloc((n + 1) * sizeof(WCHAR));
    if (!w)
        return STATUS_NO_MEMORY;
    for (size_t i = 0; i < n; i++)
        w[i] = leaf[i] ? leaf[i] : 0xFFFD;
    size_t len = 0;
    DWORD err = wv_utf16_to_utf8(w, n, buf + k, cap - (size_t)k - 1, WV_TEXT_WTF8, &len);
    free(w);
    if (err)
        return STATUS_NAME_TOO_LONG;
    buf[(size_t)k + len] = 0;
    return STATUS_SUCCESS;
}

/* Remembers dir's full name and leaf as the name read last. */
static void wv_nt_remember(const struct wv_odent *dir, const WCHAR *leaf, size_t n)
{
    free(wv_last);
    wv_last_len = 0;
    if (!(wv_last = malloc((WV_OBJ_UNITS + 1) * sizeof(WCHAR))))
        return;
    size_t k = wv_od_name(dir, wv_last, WV_OBJ_UNITS);
    if (k == 1)
        k = 0; /* the root: "\" and the leaf's own "\" would double it */
    if (k + 1 + n > WV_OBJ_UNITS)
        return;
    wv_last[k] = '\\';
    memcpy(wv_last + k + 1, leaf, n * sizeof(WCHAR));
    wv_last_len = k + 1 + n;
}

void wv_nt_name_handle(HANDLE h)
{
    DWORD granted;
    struct wv_object *o = h && wv_last_len ? wv_handle_get(h, WV_KIND_ANY, &granted) : NULL;
    if (o)
        wv_ob_name_set(o, wv_last, wv_last_len);
    wv_object_unref(o);
    wv_last_len = 0;
}

/* With OBJ_CASE_INSENSITIVE: the store's own spelling of a name in it that differs from buf
 * only in case, into buf (names the store keeps as hex; hashed long ones cannot be found). */
static void wv_nt_store_fold(char *buf)
{
    struct wv_store_ent e;
    for (void *it = wv_nt_store_first(); it && wv_nt_store_next(it, &e);)
        if (!e.hashed && !strcasecmp(e.name, buf) && strlen(e.name) == strlen(buf)) {
            memcpy(buf, e.name, strlen(e.name) + 1);
            break;
        }
    wv_nt_store_end();
}


NTSTATUS wv_nt_read_name(const OBJECT_ATTRIBUTES *oa, char *buf, size_t cap, const char **name, ULONG *attrs,
                         bool create)
{
    struct wv_nt_oa a;
    *name = NULL, *attrs = 0;
    wv_last_len = 0;
    if (!oa)
        return STATUS_SUCCESS;
    NTSTATUS st = wv_nt_oa_read(oa, &a);
    if (st)
        return st;
    *attrs = a.attrs;
    if (!a.len && !a.root) {
        wv_nt_oa_free(&a);
        return STATUS_SUCCESS; /* unnamed */
    }
    if (!a.len) {
        wv_nt_oa_free(&a); /* the root directory itself: no object of these types */
        return create ? STATUS_SUCCESS : STATUS_OBJECT_TYPE_MISMATCH;
    }
    struct wv_od_path p;
    st = wv_od_lookup(a.root, a.name, a.len, a.attrs, create ? WV_OD_NOFOLLOW : WV_OD_FOLLOW, &p);
    wv_nt_oa_free(&a);
    if (st)
        return st;
    if (p.found)
        st = STATUS_OBJECT_TYPE_MISMATCH; /* the tree's own object (a directory, ...): another type */
    else if (!(st = wv_nt_store_name(p.dir, p.leaf, p.llen, buf, cap))) {
        if ((*attrs & OBJ_CASE_INSENSITIVE) && p.dir->shared)
            wv_nt_store_fold(buf);
        wv_nt_remember(p.dir, p.leaf, p.llen);
        *name = buf;
    }
    wv_od_path_free(&p);
    return st;
}

/* p's path as UTF-8, "\\GLOBAL??\\" written "\\??\\" as the file layer reads it. */
static NTSTATUS wv_nt_path_utf8(const struct wv_od_path *p, char **out)
{
    WCHAR *w = malloc((WV_OBJ_UNITS + 2) * sizeof(WCHAR));
    char *s = malloc(3 * (WV_OBJ_UNITS + 2) + 1);
    size_t k = w ? wv_od_name(p->dir, w, WV_OBJ_UNITS) : 0, len = 0;
    NTSTATUS st = STATUS_NO_MEMORY;
    if (w && s && k + 1 + p->llen <= WV_OBJ_UNITS) {
        k = k == 1 ? 0 : k;
        w[k] = '\\';
        memcpy(w + k + 1, p->leaf, p->llen * sizeof(WCHAR));
        st = wv_utf16_to_utf8(w, k + 1 + p->llen, s, 3 * (WV_OBJ_UNITS + 2), WV_TEXT_STRICT, &len)
                 ? STATUS_OBJECT_NAME_INVALID : STATUS_SUCCESS;
    }
    free(w);
    if (st) {
        free(s);
        return st;
    }
    s[len] = 0;
    if (!strncmp(s, "\\GLOBAL??\\", 10))
        memmove(s + 1, s + 7, len - 6); /* "\\GLOBAL??\\x" -> "\\??\\x" */
    *out = s;
    return STATUS_SUCCESS;
}

NTSTATUS wv_nt_file_path(const OBJECT_ATTRIBUTES *oa, char **out)
{
    OBJECT_ATTRIBUTES a;
    struct wv_nt_oa r;
    *out = NULL;
    if (wv_copy(&a, oa, sizeof(a)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    DWORD granted;
    struct wv_object *root = a.RootDirectory ? wv_handle_get(a.RootDirectory, WV_KIND_ANY, &granted) : NULL;
    bool tree = root ? root->kind >= WV_KIND_DIRECTORY && root->kind <= WV_KIND_DEBUG : a.RootDirectory == NULL;
    wv_object_unref(root);
    if (!tree || !a.ObjectName)
        return STATUS_SUCCESS; /* the file layer's: a file directory's handle, or its errors */
    NTSTATUS st = wv_nt_oa_read(oa, &r);
    if (st)
        return a.RootDirectory ? st : STATUS_SUCCESS; /* a link or a debug object as root: no directory */
    if (!r.root && (!r.len || r.name[0] != '\\')) {
        wv_nt_oa_free(&r);
        return STATUS_SUCCESS;
    }
    struct wv_od_path p;
    st = wv_od_lookup(r.root, r.name, r.len, r.attrs, WV_OD_FOLLOW | WV_OD_PREFIX, &p);
    wv_nt_oa_free(&r);
    if (st)
        return st;
    st = p.found ? STATUS_OBJECT_TYPE_MISMATCH /* a directory, a link, ...: no file */ : wv_nt_path_utf8(&p, out);
    wv_od_path_free(&p);
    return st;
}

/* ---- the store's names, listed ---- */

struct wv_store_it {
    int lk;
    DIR *d;
};
static __thread struct wv_store_it wv_it = {-1, NULL};

void *wv_nt_store_first(void)
{
    wv_nt_store_end();
    wv_it.lk = wv_ns_lock();
    int d2 = wv_it.lk >= 0 ? openat(wv_it.lk, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    wv_it.d = d2 >= 0 ? fdopendir(d2) : NULL;
    if (!wv_it.d && d2 >= 0)
        close(d2);
    return wv_it.d ? &wv_it : NULL;
}

static int wv_hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool wv_nt_store_next(void *it, struct wv_store_ent *e)
{
    struct wv_store_it *s = it;
    for (struct dirent *d; (d = readdir(s->d));) {
        size_t n = strlen(d->d_name);
        if (d->d_name[0] == '.')
            continue;
        memset(e, 0, sizeof(*e));
        e->hashed = d->d_name[0] == 'h';
        for (size_t i = 0; !e->hashed && i + 1 < n && i / 2 < sizeof(e->name) - 1; i += 2)
            e->name[i / 2] = (char)(wv_hex(d->d_name[i]) << 4 | wv_hex(d->d_name[i + 1]));
        int fd = openat(dirfd(s->d), d->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 && pread(fd, &e->magic, sizeof(e->magic), 0) != sizeof(e->magic))
            e->magic = 0;
        if (fd >= 0)
            close(fd);
        return true;
    }
    return false;
}

void wv_nt_store_end(void)
{
    if (wv_it.d)
        closedir(wv_it.d);
    wv_ns_unlock(wv_it.lk);
    wv_it = (struct wv_store_it){-1, NULL};
}

NTSTATUS wv_nt_store_prefix(const struct wv_odent *dir, char *buf, size_t cap)
{
    WCHAR none = 0;
    return wv_nt_store_name(dir, &none, 0, buf, cap);
}
