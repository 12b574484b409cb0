/* SPDX-License-Identifier: MIT */
/* objdir.c - the NT object namespace's tree: directory and symbolic-link objects, and every
 * other object that lives only in this process's tree (debug objects), with the lookup every
 * named Create and Open goes through (the contract is in ob.h).
 *
 * Why process-local: the named objects other processes must see (sections, events, mutexes,
 * semaphores, timers) are already shared through the per-user store (namespace.c), which is
 * one flat directory per user; a shared tree of directories and links would need its own
 * files and locking in that store, for objects programs make and use within themselves.  So
 * the tree is this process's, and its two BaseNamedObjects directories are views of the store:
 * a leaf name there is the store's name, seen by every process of the user.
 *
 * Lifetime is Windows': a name lives while its object has handles (or is permanent: the
 * standard tree); the last handle's close takes the name out of its directory, whatever
 * references remain.  A named object holds a reference on its directory, for its full name.
 */
#define _GNU_SOURCE
#include "ob/ob.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WV_OD_DEPTH 64 /* symbolic links followed in one lookup (Windows: a cycle fails) */

static pthread_mutex_t wv_od_mu = PTHREAD_MUTEX_INITIALIZER; /* guards every link of the tree */
static struct wv_odent *wv_od_root;
static unsigned wv_od_ids;

static WCHAR wv_fold(WCHAR c)
{
    if (c >= 'a' && c <= 'z')
        return (WCHAR)(c - 32);
    if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
        return (WCHAR)(c - 32);
    return c;
}

static bool wv_same(const WCHAR *a, size_t an, const WCHAR *b, size_t bn, bool ci)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (a[i] != b[i] && !(ci && wv_fold(a[i]) == wv_fold(b[i])))
            return false;
    return true;
}

static void wv_od_unlink(struct wv_odent *e);

/* Never under the tree lock: a linked object's last reference is its handle's or its maker's,
 * which are dropped outside it.  Linked still only when no handle was ever made for it. */
static void wv_od_destroy(struct wv_object *o)
{
    struct wv_odent *e = (struct wv_odent *)o;
    pthread_mutex_lock(&wv_od_mu);
    wv_od_unlink(e);
    pthread_mutex_unlock(&wv_od_mu);
    wv_object_unref(e->parent ? &e->parent->obj : NULL);
    free(e->name);
    free(e->target);
    free(e);
}

/* Out of its directory (tree lock held). */
static void wv_od_unlink(struct wv_odent *e)
{
    if (!e->linked)
        return;
    for (struct wv_odent **p = &e->parent->child; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    e->linked = false;
}

/* The last handle's close takes a temporary object's name away. */
static void wv_od_on_handle(struct wv_object *o, int delta)
{
    struct wv_odent *e = (struct wv_odent *)o;
    if (__atomic_add_fetch(&e->handles, delta, __ATOMIC_ACQ_REL) > 0 || delta > 0)
        return;
    pthread_mutex_lock(&wv_od_mu);
    if (!e->permanent && __atomic_load_n(&e->handles, __ATOMIC_ACQUIRE) == 0)
        wv_od_unlink(e);
    pthread_mutex_unlock(&wv_od_mu);
}

struct wv_odent *wv_od_new(int kind, const WCHAR *target, size_t tlen)
{
    struct wv_odent *e = calloc(1, sizeof(*e));
    if (!e || (tlen && !(e->target = malloc(tlen * sizeof(WCHAR))))) {
        free(e);
        return NULL;
    }
    e->obj = (struct wv_object){kind, 1, wv_od_destroy, wv_od_on_handle};
    if (tlen)
        memcpy(e->target, target, tlen * sizeof(WCHAR));
    e->tlen = tlen;
    e->id = __atomic_add_fetch(&wv_od_ids, 1, __ATOMIC_RELAXED);
    return e;
}

/* dir's entry named n, with a reference (tree lock held). */
static struct wv_odent *wv_od_child(struct wv_odent *dir, const WCHAR *n, size_t len, bool ci)
{
    for (struct wv_odent *c = dir->child; c; c = c->next)
        if (wv_same(c->name, c->nlen, n, len, ci)) {
            wv_object_ref(&c->obj);
            return c;
        }
    return NULL;
}

/* Puts e into dir as n (tree lock held): false when the name is taken. */
static bool wv_od_link(struct wv_odent *dir, struct wv_odent *e, const WCHAR *n, size_t len)
{
    struct wv_odent *old = wv_od_child(dir, n, len, false);
    if (old) {
        wv_object_unref(&old->obj);
        return false;
    }
    if (!(e->name = malloc((len ? len : 1) * sizeof(WCHAR))))
        return false;
    memcpy(e->name, n, len * sizeof(WCHAR));
    e->nlen = len, e->parent = dir, e->linked = true;
    wv_object_ref(&dir->obj);
    e->next = dir->child, dir->child = e;
    return true;
}

/* A permanent entry of the standard tree (tree lock held). */
static struct wv_odent *wv_od_std(struct wv_odent *dir, const char *name, int kind, const char *target)
{
    WCHAR n[64], t[64];
    size_t nl = strlen(name), tl = target ? strlen(target) : 0;
    for (size_t i = 0; i <= nl; i++)
        n[i] = (WCHAR)(unsigned char)name[i];
    for (size_t i = 0; i < tl; i++)
        t[i] = (WCHAR)(unsigned char)target[i];
    struct wv_odent *e = wv_od_new(kind, t, tl);
    if (!e)
        return NULL;
    e->permanent = true;
    if (dir && !wv_od_link(dir, e, n, nl)) {
        wv_object_unref(&e->obj);
        return NULL;
    }
    return e; /* the tree keeps the creation's reference for good */
}

/* The links every BaseNamedObjects directory holds (Windows' names and targets): Local is the
 * directory's own session's, so \\BaseNamedObjects\\Local is \\BaseNamedObjects (session 0's). */
static void wv_od_bno_links(struct wv_odent *bno, const char *local)
{
    wv_od_std(bno, "Global", WV_KIND_SYMLINK, "\\BaseNamedObjects");
    wv_od_std(bno, "Local", WV_KIND_SYMLINK, local);
    wv_od_std(bno, "Session", WV_KIND_SYMLINK, "\\Sessions\\BNOLINKS");
}

/* The standard tree, as far as programs look at it (tree lock held). */
static void wv_od_build(void)
{
    char sid[16], local[64];
    snprintf(sid, sizeof(sid), "%u", WV_OB_SESSION);
    snprintf(local, sizeof(local), "\\Sessions\\%u\\BaseNamedObjects", WV_OB_SESSION);
    struct wv_odent *root = wv_od_std(NULL, "", WV_KIND_DIRECTORY, NULL);
    if (!root)
        return;
    struct wv_odent *bno = wv_od_std(root, "BaseNamedObjects", WV_KIND_DIRECTORY, NULL);
    struct wv_odent *ses = wv_od_std(root, "Sessions", WV_KIND_DIRECTORY, NULL);
    struct wv_odent *s1 = ses ? wv_od_std(ses, sid, WV_KIND_DIRECTORY, NULL) : NULL;
    struct wv_odent *sbno = s1 ? wv_od_std(s1, "BaseNamedObjects", WV_KIND_DIRECTORY, NULL) : NULL;
    struct wv_odent *links = ses ? wv_od_std(ses, "BNOLINKS", WV_KIND_DIRECTORY, NULL) : NULL;
    struct wv_odent *glob = wv_od_std(root, "GLOBAL??", WV_KIND_DIRECTORY, NULL);
    if (bno)
        bno->shared = 1, wv_od_bno_links(bno, "\\BaseNamedObjects");
    if (sbno)
        sbno->shared = 2, wv_od_bno_links(sbno, local);
    if (links)
        wv_od_std(links, sid, WV_KIND_SYMLINK, local);
    if (glob) {
        wv_od_std(glob, "GLOBALROOT", WV_KIND_SYMLINK, "");
        wv_od_std(glob, "Global", WV_KIND_SYMLINK, "\\GLOBAL??");
        wv_od_std(glob, "NUL", WV_KIND_SYMLINK, "\\Device\\Null");
    }
    wv_od_std(root, "KernelObjects", WV_KIND_DIRECTORY, NULL);
    wv_od_std(root, "Device", WV_KIND_DIRECTORY, NULL);
    wv_od_std(root, "DosDevices", WV_KIND_SYMLINK, "\\??");
    wv_od_std(root, "??", WV_KIND_SYMLINK, "\\GLOBAL??"); /* Windows' per-session view */
    wv_od_root = root;
}

struct wv_odent *wv_od_root_ref(void)
{
    pthread_mutex_lock(&wv_od_mu);
    if (!wv_od_root)
        wv_od_build();
    struct wv_odent *r = wv_od_root;
    if (r)
        wv_object_ref(&r->obj);
    pthread_mutex_unlock(&wv_od_mu);
    return r;
}

/* ---- lookup ---- */

/* The path being walked: the rest of the caller's name, or a link's target and the rest. */
static bool wv_od_reparse(struct wv_od_path *r, const WCHAR *t, size_t tl, const WCHAR *rest, size_t rl)
{
    WCHAR *b = malloc((tl + rl + 1) * sizeof(WCHAR));
    if (!b)
        return false;
    if (tl)
        memcpy(b, t, tl * sizeof(WCHAR));
    if (rl) /* rest is NULL when nothing follows */
        memcpy(b + tl, rest, rl * sizeof(WCHAR));
    free(r->buf);
    r->buf = b, r->blen = tl + rl;
    return true;
}

/* One step of the walk from dir at p[0..n) (no leading '\'): the status, and r filled when
 * the walk ends.  *next the directory to go on in and *pos where, or a reparse (tree lock held). */
static NTSTATUS wv_od_step(struct wv_odent *dir, const WCHAR *p, size_t n, ULONG attrs, int mode,
                           struct wv_od_path *r, struct wv_odent **next, size_t *adv, bool *reparse)
{
    size_t c = 0;
    while (c < n && p[c] != '\\')
        c++;
    if (c == 0)
        return STATUS_OBJECT_NAME_INVALID; /* an empty component: "\\", "a\\\\b", "a\\" after a directory */
    bool last = c == n;
    struct wv_odent *e = wv_od_child(dir, p, c, (attrs & OBJ_CASE_INSENSITIVE) != 0);
    if (!e) {
        if (!last && !(mode & WV_OD_PREFIX))
            return STATUS_OBJECT_PATH_NOT_FOUND;
        wv_object_ref(&dir->obj);
        r->dir = dir, r->leaf = p, r->llen = mode & WV_OD_PREFIX ? n : c;
        return STATUS_SUCCESS;
    }
    if (e->obj.kind == WV_KIND_SYMLINK && (!last || (mode & WV_OD_FOLLOW))) {
        *reparse = true;
        bool ok = wv_od_reparse(r, e->target, e->tlen, p + c, n - c);
        wv_object_unref(&e->obj);
        return ok ? STATUS_SUCCESS : STATUS_NO_MEMORY;
    }
    if (last) {
        r->found = e;
        return STATUS_SUCCESS;
    }
    if (e->obj.kind != WV_KIND_DIRECTORY) {
        wv_object_unref(&e->obj);
        return STATUS_OBJECT_TYPE_MISMATCH; /* no parse method: nothing can be under it */
    }
    *next = e, *adv = c + 1;
    return STATUS_SUCCESS;
}

/* Walks r->buf from dir (a reference the walk takes over). */
static NTSTATUS wv_od_walk(struct wv_odent *dir, size_t pos, ULONG attrs, int mode, struct wv_od_path *r)
{
    for (int hops = 0;;) {
        struct wv_odent *next = NULL;
        size_t adv = 0;
        bool reparse = false;
        NTSTATUS st = wv_od_step(dir, r->buf + pos, r->blen - pos, attrs, mode, r, &next, &adv, &reparse);
        wv_object_unref(&dir->obj);
        if (st || (!next && !reparse))
            return st;
        if (next) {
            dir = next, pos += adv;
            continue;
        }
        if (++hops > WV_OD_DEPTH)
            return STATUS_OBJECT_PATH_NOT_FOUND;
        /* a target is absolute; "" is the root itself (\??\GLOBALROOT) */
        dir = wv_od_root;
        wv_object_ref(&dir->obj);
        pos = 0;
        if (r->blen && r->buf[0] != '\\') {
            wv_object_unref(&dir->obj);
            return STATUS_OBJECT_PATH_NOT_FOUND;
        }
        if (r->blen)
            pos = 1;
        if (pos == r->blen) { /* the root itself */
            r->found = dir;
            return STATUS_SUCCESS;
        }
    }
}

NTSTATUS wv_od_lookup(struct wv_odent *root, const WCHAR *p, size_t n, ULONG attrs, int mode, struct wv_od_path *r)
{
    memset(r, 0, sizeof(*r));
    if (root && root->obj.kind != WV_KIND_DIRECTORY)
        return STATUS_OBJECT_TYPE_MISMATCH;
    if (root ? n && p[0] == '\\' : !n || p[0] != '\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    struct wv_odent *top = root ? root : wv_od_root_ref();
    if (!top)
        return STATUS_NO_MEMORY;
    if (root)
        wv_object_ref(&top->obj);
    if (!wv_od_reparse(r, p, n, NULL, 0)) {
        wv_object_unref(&top->obj);
        return STATUS_NO_MEMORY;
    }
    size_t pos = root ? 0 : 1;
    if (pos == n) { /* "\" alone: the root */
        r->found = top;
        return STATUS_SUCCESS;
    }
    pthread_mutex_lock(&wv_od_mu);
    NTSTATUS st = wv_od_walk(top, pos, attrs, mode, r);
    pthread_mutex_unlock(&wv_od_mu);
    if (st)
        wv_od_path_free(r);
    return st;
}

void wv_od_path_free(struct wv_od_path *r)
{
    wv_object_unref(r->found ? &r->found->obj : NULL);
    wv_object_unref(r->dir ? &r->dir->obj : NULL);
    free(r->buf);
    memset(r, 0, sizeof(*r));
}

bool wv_od_insert(struct wv_odent *dir, struct wv_odent *e, const WCHAR *n, size_t len)
{
    pthread_mutex_lock(&wv_od_mu);
    bool ok = wv_od_link(dir, e, n, len);
    pthread_mutex_unlock(&wv_od_mu);
    return ok;
}

/* ---- names ---- */

/* e's full name into out (cap units), its length; 0 for an unnamed object (tree lock held). */
static size_t wv_od_name_locked(const struct wv_odent *e, WCHAR *out, size_t cap)
{
    if (!e->parent)
        return 0;
    size_t n = e->parent->parent ? wv_od_name_locked(e->parent, out, cap) : 0;
    if (n + 1 + e->nlen > cap)
        return 0;
    out[n] = '\\';
    memcpy(out + n + 1, e->name, e->nlen * sizeof(WCHAR));
    return n + 1 + e->nlen;
}

size_t wv_od_name(const struct wv_odent *e, WCHAR *out, size_t cap)
{
    if (cap && !e->parent && e == wv_od_root) {
        out[0] = '\\';
        return 1;
    }
    pthread_mutex_lock(&wv_od_mu);
    size_t n = wv_od_name_locked(e, out, cap);
    pthread_mutex_unlock(&wv_od_mu);
    return n;
}

size_t wv_od_entries(const struct wv_odent *dir, struct wv_od_entry *out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&wv_od_mu);
    for (const struct wv_odent *c = dir->child; c; c = c->next, n++)
        if (n < cap) {
            out[n].kind = c->obj.kind, out[n].nlen = c->nlen < WV_OD_LEAF_MAX ? c->nlen : WV_OD_LEAF_MAX;
            memcpy(out[n].name, c->name, out[n].nlen * sizeof(WCHAR));
        }
    pthread_mutex_unlock(&wv_od_mu);
    return n;
}
