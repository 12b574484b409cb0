/* SPDX-License-Identifier: MIT */
/* reg_key.c - registry key handles: RegOpenKeyEx, RegCreateKeyEx, RegCloseKey, RegDeleteKey.
 *
 * A handle names a key by its root and path, not by an object in memory: every call loads the
 * registry from disk (reg_store.c), so two processes of the user see each other's writes.  A
 * handle whose key was deleted since gets ERROR_KEY_DELETED, as on Windows.  Handles are listed
 * here, so a stale or forged HKEY is ERROR_INVALID_HANDLE and never a crash.
 *
 * Rights: HKEY_CURRENT_USER is the user's; the other roots are the machine's and, as for a
 * Windows process that is not elevated, read-only unless the process runs as root (uid 0):
 * asking for a write right there, or writing, is ERROR_ACCESS_DENIED. */
#define _GNU_SOURCE
#include "runtime/reg.h"
#include "runtime/reg_api.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WV_HKEY_FIRST 0x80000000u
#define WV_KEY_WRITES (KEY_SET_VALUE | KEY_CREATE_SUB_KEY | KEY_CREATE_LINK | 0x000D0000u) /* DELETE, WRITE_DAC/OWNER */

struct wv_hk {
    struct wv_hk *next;
    int root;
    DWORD access;
    char *path;
};

static struct wv_hk *wv_hks;
static pthread_mutex_t wv_hk_lock = PTHREAD_MUTEX_INITIALIZER; /* a leaf */

/* The predefined root h names (0 for HKEY_CLASSES_ROOT ...), or -1.  64-bit Windows' headers
 * sign-extend them (0xFFFFFFFF80000002); a zero-extended value is taken as well. */
static int wv_root_of(HKEY h)
{
    uint64_t v = (uintptr_t)h;
    if ((v >> 32) != 0 && (v >> 32) != 0xFFFFFFFFu)
        return -1;
    v &= 0xFFFFFFFFu;
    return v >= WV_HKEY_FIRST && v < WV_HKEY_FIRST + WV_REG_ROOTS ? (int)(v - WV_HKEY_FIRST) : -1;
}

static bool wv_root_writable(int root) { return root == 1 || geteuid() == 0; }

/* Generic rights mapped to the key's, as Windows maps them. */
static DWORD wv_key_rights(DWORD sam, int root)
{
    if (sam & 0x80000000u)
        sam |= KEY_READ;
    if (sam & 0x40000000u)
        sam |= KEY_WRITE;
    if (sam & 0x10000000u)
        sam |= KEY_ALL_ACCESS;
    if (sam & 0x02000000u) /* MAXIMUM_ALLOWED */
        sam |= wv_root_writable(root) ? KEY_ALL_ACCESS : KEY_READ;
    return sam & (KEY_ALL_ACCESS | 0x000C0000u);
}

DWORD wv_key_resolve(HKEY h, int *root, char **path, DWORD *access)
{
    if (wv_root_of(h) >= 0) {
        *root = wv_root_of(h);
        *access = wv_root_writable(*root) ? KEY_ALL_ACCESS : KEY_READ;
        *path = strdup("");
        return *path ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    }
    pthread_mutex_lock(&wv_hk_lock);
    struct wv_hk *k = wv_hks;
    while (k && (HKEY)k != h)
        k = k->next;
    if (k) {
        *root = k->root, *access = k->access;
        *path = strdup(k->path);
    }
    pthread_mutex_unlock(&wv_hk_lock);
    if (!k)
        return ERROR_INVALID_HANDLE;
    return *path ? 0 : ERROR_NOT_ENOUGH_MEMORY;
}

DWORD wv_key_at(HKEY h, DWORD need, bool write, struct wv_reg *r, struct wv_rkey **out)
{
    int root;
    char *path;
    DWORD access, err = wv_key_resolve(h, &root, &path, &access);
    if (err)
        return err;
    if ((access & need) != need || (write && !wv_root_writable(root)))
        return free(path), ERROR_ACCESS_DENIED;
    if ((err = wv_reg_begin(r, write)))
        return free(path), err;
    *out = wv_reg_find(r, root, path, false, NULL);
    free(path);
    if (!*out)
        return wv_reg_end(r), ERROR_KEY_DELETED;
    return 0;
}

static DWORD wv_key_new(int root, char *path, DWORD access, HKEY *out)
{
    struct wv_hk *k = calloc(1, sizeof(*k));
    if (!k)
        return free(path), ERROR_NOT_ENOUGH_MEMORY;
    k->root = root, k->path = path, k->access = access;
    HKEY h = (HKEY)k;
    if (wv_user_put(out, &h, sizeof(h)))
        return free(path), free(k), ERROR_NOACCESS;
    pthread_mutex_lock(&wv_hk_lock);
    k->next = wv_hks;
    wv_hks = k;
    pthread_mutex_unlock(&wv_hk_lock);
    return 0;
}

/* parent's path joined with sub into a malloc'ed string. */
static char *wv_key_join(const char *parent, const char *sub)
{
    char *s = NULL;
    if (asprintf(&s, "%s%s%s", parent, *parent && *sub ? "\\" : "", sub) < 0)
        return NULL;
    return s;
}

DWORD wv_key_open(HKEY h, const char *sub, DWORD sam, bool create, DWORD *disp, HKEY *out)
{
    int root;
    char *base, *path;
    DWORD have, err = wv_key_resolve(h, &root, &base, &have);
    if (err)
        return err;
    DWORD want = wv_key_rights(sam, root);
    if (!*sub && !create && wv_root_of(h) >= 0) {
        free(base); /* the root itself: Windows hands back the predefined handle */
        return wv_user_put(out, &h, sizeof(h));
    }
    path = wv_key_join(base, sub);
    free(base);
    if (!path)
        return ERROR_NOT_ENOUGH_MEMORY;
    if ((want & WV_KEY_WRITES) && !wv_root_writable(root))
        return free(path), ERROR_ACCESS_DENIED;
    struct wv_reg r;
    if ((err = wv_reg_begin(&r, create)))
        return free(path), err;
    bool made = false;
    struct wv_rkey *k = wv_reg_find(&r, root, path, false, NULL);
    if (!k && create && !wv_root_writable(root))
        err = ERROR_ACCESS_DENIED;
    else if (!k && create && !(k = wv_reg_find(&r, root, path, true, &made)))
        err = ERROR_NOT_ENOUGH_MEMORY;
    else if (!k)
        err = ERROR_FILE_NOT_FOUND;
    DWORD end = wv_reg_end(&r);
    err = err ? err : end;
    if (err)
        return free(path), err;
    DWORD d = made ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY;
    if (disp && wv_user_put(disp, &d, sizeof(d)))
        return free(path), ERROR_NOACCESS;
    return wv_key_new(root, path, want, out);
}

LONG wv_key_close(HKEY h)
{
    if (wv_root_of(h) >= 0)
        return ERROR_SUCCESS;
    pthread_mutex_lock(&wv_hk_lock);
    struct wv_hk **p = &wv_hks;
    while (*p && (HKEY)*p != h)
        p = &(*p)->next;
    struct wv_hk *k = *p;
    if (k)
        *p = k->next;
    pthread_mutex_unlock(&wv_hk_lock);
    if (!k)
        return ERROR_INVALID_HANDLE;
    free(k->path);
    free(k);
    return ERROR_SUCCESS;
}

DWORD wv_key_delete(HKEY h, const char *sub)
{
    int root;
    char *base;
    DWORD have, err = wv_key_resolve(h, &root, &base, &have);
    if (err)
        return err;
    char *path = wv_key_join(base, sub);
    free(base);
    if (!path)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (!wv_root_writable(root))
        return free(path), ERROR_ACCESS_DENIED;
    struct wv_reg r;
    if ((err = wv_reg_begin(&r, true)))
        return free(path), err;
    err = wv_reg_remove(&r, root, path);
    free(path);
    DWORD end = wv_reg_end(&r);
    return err ? err : end;
}
