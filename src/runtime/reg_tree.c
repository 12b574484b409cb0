/* SPDX-License-Identifier: MIT */
/* reg_tree.c - the registry's keys and values in memory: lookup by path (names compare without
 * case, as Windows compares them), creation, removal. */
#define _GNU_SOURCE
#include "runtime/reg.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ASCII letters fold; other characters compare exactly. */
static char wv_reg_fold(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

bool wv_reg_name_eq(const char *a, const char *b)
{
    while (*a && wv_reg_fold(*a) == wv_reg_fold(*b))
        a++, b++;
    return *a == *b;
}

void wv_reg_touch(struct wv_rkey *k)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t t = (uint64_t)ts.tv_sec * 10000000u + (uint64_t)ts.tv_nsec / 100u + 116444736000000000ull;
    k->written.dwLowDateTime = (DWORD)t;
    k->written.dwHighDateTime = (DWORD)(t >> 32);
}

static struct wv_rkey *wv_reg_kid(struct wv_rkey *k, const char *name, size_t n)
{
    for (struct wv_rkey *c = k->kids; c; c = c->next) {
        size_t i = 0;
        while (i < n && c->name[i] && wv_reg_fold(c->name[i]) == wv_reg_fold(name[i]))
            i++;
        if (i == n && !c->name[n])
            return c;
    }
    return NULL;
}

/* A new last child named name[0..n). */
static struct wv_rkey *wv_reg_add(struct wv_rkey *k, const char *name, size_t n)
{
    struct wv_rkey *c = calloc(1, sizeof(*c)), **p = &k->kids;
    if (!c || !(c->name = strndup(name, n)))
        return free(c), NULL;
    wv_reg_touch(c);
    while (*p)
        p = &(*p)->next;
    *p = c;
    return c;
}

struct wv_rkey *wv_reg_find(struct wv_reg *r, int root, const char *path, bool create, bool *created)
{
    struct wv_rkey *k = &r->root[root];
    if (created)
        *created = false;
    while (k && *path) {
        size_t n = strcspn(path, "\\");
        if (n) {
            struct wv_rkey *c = wv_reg_kid(k, path, n);
            if (!c && create && (c = wv_reg_add(k, path, n))) {
                r->dirty = true;
                if (created)
                    *created = true;
            }
            k = c;
        }
        path += n + (path[n] != 0);
    }
    return k;
}

struct wv_rval *wv_reg_val(struct wv_rkey *k, const char *name)
{
    struct wv_rval *v = k->vals;
    while (v && !wv_reg_name_eq(v->name, name ? name : ""))
        v = v->next;
    return v;
}

DWORD wv_reg_set(struct wv_reg *r, struct wv_rkey *k, const char *name, DWORD type, const void *data, DWORD len)
{
    BYTE *copy = malloc(len ? len : 1);
    if (!copy)
        return ERROR_NOT_ENOUGH_MEMORY;
    memcpy(copy, data, len);
    struct wv_rval *v = wv_reg_val(k, name), **p = &k->vals;
    if (!v) {
        if (!(v = calloc(1, sizeof(*v))) || !(v->name = strdup(name ? name : "")))
            return free(v), free(copy), ERROR_NOT_ENOUGH_MEMORY;
        while (*p)
            p = &(*p)->next;
        *p = v;
    }
    free(v->data);
    v->data = copy, v->len = len, v->type = type;
    wv_reg_touch(k);
    r->dirty = true;
    return 0;
}

static void wv_reg_val_free(struct wv_rval *v)
{
    free(v->name);
    free(v->data);
    free(v);
}

bool wv_reg_unset(struct wv_reg *r, struct wv_rkey *k, const char *name)
{
    struct wv_rval **p = &k->vals;
    while (*p && !wv_reg_name_eq((*p)->name, name ? name : ""))
        p = &(*p)->next;
    struct wv_rval *v = *p;
    if (!v)
        return false;
    *p = v->next;
    wv_reg_val_free(v);
    wv_reg_touch(k);
    r->dirty = true;
    return true;
}

void wv_reg_key_free(struct wv_rkey *k)
{
    while (k->kids) {
        struct wv_rkey *c = k->kids;
        k->kids = c->next;
        wv_reg_key_free(c);
        free(c);
    }
    while (k->vals) {
        struct wv_rval *v = k->vals;
        k->vals = v->next;
        wv_reg_val_free(v);
    }
    free(k->name);
    k->name = NULL;
}

DWORD wv_reg_remove(struct wv_reg *r, int root, const char *path)
{
    struct wv_rkey *k = wv_reg_find(r, root, path, false, NULL);
    if (!k)
        return ERROR_FILE_NOT_FOUND;
    if (k->kids || k == &r->root[root])
        return ERROR_ACCESS_DENIED; /* Windows: a key with subkeys is not deleted by RegDeleteKey */
    /* the parent: the path without its last component */
    size_t n = strlen(path);
    while (n && path[n - 1] == '\\')
        n--;
    while (n && path[n - 1] != '\\')
        n--;
    char *up = strndup(path, n);
    if (!up)
        return ERROR_NOT_ENOUGH_MEMORY;
    struct wv_rkey *parent = wv_reg_find(r, root, up, false, NULL), **p = &parent->kids;
    free(up);
    while (*p != k)
        p = &(*p)->next;
    *p = k->next;
    wv_reg_key_free(k);
    free(k);
    wv_reg_touch(parent);
    r->dirty = true;
    return 0;
}
