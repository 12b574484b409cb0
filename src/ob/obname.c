/* SPDX-License-Identifier: MIT */
/* obname.c - the object path a named object outside the tree (a section, an event, a mutex,
 * ...) was made or opened under: NtQueryObject's ObjectNameInformation.  Kept beside the
 * objects, not in struct wv_object, because few objects are named and every kind allocates
 * its own; the last reference drops it (wv_object_unref), so a freed object's address never
 * finds an old name.  A flag spares unnamed objects' last unref the lock.
 */
#include "ob/ob.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct wv_obname {
    const struct wv_object *o;
    struct wv_obname *next;
    size_t len;
    WCHAR name[];
};

#define WV_OBNAME_BUCKETS 256

static pthread_mutex_t wv_obname_mu = PTHREAD_MUTEX_INITIALIZER;
static struct wv_obname *wv_obnames[WV_OBNAME_BUCKETS]; /* by address: a destroy looks in one */
static int wv_obnames_any; /* atomic: whether any name was ever set */

/* o's entry's link (lock held). */
static struct wv_obname **wv_obname_find(const struct wv_object *o)
{
    struct wv_obname **p = &wv_obnames[((uintptr_t)o >> 4) % WV_OBNAME_BUCKETS];
    while (*p && (*p)->o != o)
        p = &(*p)->next;
    return p;
}

void wv_ob_name_set(struct wv_object *o, const WCHAR *name, size_t len)
{
    struct wv_obname *n = len ? malloc(sizeof(*n) + len * sizeof(WCHAR)) : NULL;
    if (n) {
        n->o = o, n->len = len;
        memcpy(n->name, name, len * sizeof(WCHAR));
    }
    pthread_mutex_lock(&wv_obname_mu);
    struct wv_obname **p = wv_obname_find(o), *old = *p;
    if (old)
        *p = old->next;
    if (n) {
        struct wv_obname **head = &wv_obnames[((uintptr_t)o >> 4) % WV_OBNAME_BUCKETS];
        n->next = *head, *head = n;
    }
    __atomic_store_n(&wv_obnames_any, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&wv_obname_mu);
    free(old);
}

size_t wv_ob_name_get(const struct wv_object *o, WCHAR *out, size_t cap)
{
    size_t len = 0;
    pthread_mutex_lock(&wv_obname_mu);
    struct wv_obname *n = *wv_obname_find(o);
    if (n && n->len <= cap) {
        memcpy(out, n->name, n->len * sizeof(WCHAR));
        len = n->len;
    }
    pthread_mutex_unlock(&wv_obname_mu);
    return len;
}

void wv_ob_name_drop(struct wv_object *o)
{
    if (!__atomic_load_n(&wv_obnames_any, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&wv_obname_mu);
    struct wv_obname **p = wv_obname_find(o), *old = *p;
    if (old)
        *p = old->next;
    pthread_mutex_unlock(&wv_obname_mu);
    free(old);
}
