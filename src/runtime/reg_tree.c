/* SPDX-License-Identifier: MIT */
/* reg_tree.c - the registry's keys and values in memory: lookup by path (names compare without
 * case, as Windows compares them: wv_reg_up), creation, removal. */
#define _GNU_SOURCE
#include "runtime/reg.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The next character of the UTF-8 (WTF-8) name at *s before end; a byte that starts no
 * sequence stands for itself, apart from every character. */
static uint32_t wv_reg_next(const char **s, const char *end)
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t len = p[0] < 0xC0 ? 1 : p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
    uint32_t c = len == 1 ? p[0] : p[0] & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((const char *)p + i >= end || (p[i] & 0xC0) != 0x80)
            return (*s)++, 0x80000000u | p[0];
        c = c << 6 | (p[i] & 0x3F);
    }
    *s += len;
    return len == 1 && c >= 0x80 ? 0x80000000u | c : c;
}

/* Windows compares key names by their upper case: the letters of Latin-1, Latin Extended-A,
 * Greek and Cyrillic fold here (the names programs use); other characters compare exactly, and
 * so do surrogates, as on Windows (Wine's ntdll/tests/reg.c). */
static uint32_t wv_reg_up(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 32;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7) || (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) || (c >= 0x430 && c <= 0x44F))
        return c - 0x20;
    if (c == 0xFF)
        return 0x178;
    if (c >= 0x450 && c <= 0x45F)
        return c - 0x50;
    bool even_upper = (c >= 0x100 && c <= 0x137 && c != 0x130 && c != 0x131) || (c >= 0x14A && c <= 0x177) ||
                      (c >= 0x370 && c <= 0x377) || (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF);
    if (even_upper)
        return c & ~1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return c & 1 ? c : c - 1;
    return c;
}

/* a[0..an) and b[0..bn) name the same key or value. */
static bool wv_reg_same(const char *a, size_t an, const char *b, size_t bn)
{
    const char *ae = a + an, *be = b + bn;
    while (a < ae && b < be)
        if (wv_reg_up(wv_reg_next(&a, ae)) != wv_reg_up(wv_reg_next(&b, be)))
            return false;
    return a == ae && b == be;
}

bool wv_reg_name_eq(const char *a, const char *b) { return wv_reg_same(a, strlen(a), b, strlen(b)); }

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
    for (struct wv_rkey *c = k->kids; c; c = c->next)
        if (wv_reg_same(c->name, strlen(c->name), name, n))
            return c;
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

DWORD wv_reg_clear(struct wv_reg *r, int root, const char *path)
{
    struct wv_rkey *k = wv_reg_find(r, root, path, false, NULL);
    if (!k)
        return ERROR_FILE_NOT_FOUND;
    char *name = k->name;
    k->name = NULL; /* kept: wv_reg_key_free empties the rest */
    wv_reg_key_free(k);
    k->name = name;
    wv_reg_touch(k);
    r->dirty = true;
    return 0;
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
