/* SPDX-License-Identifier: MIT */
/* reg_key.c - registry key handles, the cores of advapi32's RegOpenKeyEx, RegCreateKeyEx,
 * RegCloseKey, RegDeleteKey and of ntdll's NtCreateKey, NtOpenKey, NtDeleteKey.
 *
 * A key handle is a handle of the process's table (WV_KIND_KEY), so NtClose, NtDuplicateObject
 * and NtQueryObject treat it as every other; its object names a key by its root and path, not by
 * a node in memory: every call loads the registry from disk (reg_store.c), so two processes of
 * the user see each other's writes.  A handle whose key was deleted since gets
 * ERROR_KEY_DELETED, as on Windows; a stale or forged HKEY is ERROR_INVALID_HANDLE.
 *
 * Rights: HKEY_CURRENT_USER is the user's; the other roots are the machine's and, as for a
 * Windows process that is not elevated, read-only unless the process runs as root (uid 0):
 * asking for a write right there, or writing, is ERROR_ACCESS_DENIED. */
#define _GNU_SOURCE
#include "runtime/reg.h"
#include "runtime/reg_api.h"
#include "runtime/ntdll_reg.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WV_HKEY_FIRST 0x80000000u
#define WV_KEY_WRITES (KEY_SET_VALUE | KEY_CREATE_SUB_KEY | KEY_CREATE_LINK | 0x000D0000u) /* DELETE, WRITE_DAC/OWNER */

struct wv_key {
    struct wv_object obj; /* WV_KIND_KEY */
    int root;             /* 0 .. WV_REG_ROOTS - 1, or WV_REG_TOP (\\Registry itself) */
    char *path;           /* below the root, components joined by one backslash */
};

static void wv_key_destroy(struct wv_object *o)
{
    free(((struct wv_key *)o)->path);
    free(o);
}

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

bool wv_root_writable(int root) { return root == 1 || geteuid() == 0; }

/* Generic rights mapped to the key's, as Windows maps them. */
DWORD wv_key_rights(DWORD sam, int root)
{
    if (sam & 0x80000000u)
        sam |= KEY_READ;
    if (sam & 0x40000000u)
        sam |= KEY_WRITE;
    if (sam & 0x20000000u) /* GENERIC_EXECUTE: KEY_READ with KEY_CREATE_LINK */
        sam |= KEY_READ | KEY_CREATE_LINK;
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
    struct wv_key *k = (struct wv_key *)wv_handle_get(h, WV_KIND_KEY, access);
    if (!k)
        return ERROR_INVALID_HANDLE;
    *root = k->root;
    *path = strdup(k->path);
    wv_object_unref(&k->obj);
    return *path ? 0 : ERROR_NOT_ENOUGH_MEMORY;
}

DWORD wv_key_at(HKEY h, DWORD need, bool write, struct wv_reg *r, struct wv_rkey **out)
{
    int root;
    char *path;
    DWORD access, err = wv_key_resolve(h, &root, &path, &access);
    if (err)
        return err;
    if (root == WV_REG_TOP) /* \Registry itself holds no values and is not kept in the store */
        return free(path), ERROR_ACCESS_DENIED;
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

DWORD wv_key_handle(int root, char *path, DWORD access, HKEY *out)
{
    struct wv_key *k = calloc(1, sizeof(*k));
    if (!k)
        return free(path), ERROR_NOT_ENOUGH_MEMORY;
    k->obj = (struct wv_object){.kind = WV_KIND_KEY, .refs = 1, .destroy = wv_key_destroy};
    k->root = root, k->path = path;
    WCHAR *name = malloc(32768 * sizeof(WCHAR)); /* NtQueryObject's ObjectNameInformation */
    size_t n = name ? wv_nt_key_name(root, path, name, 32767) : 0;
    if (n)
        wv_ob_name_set(&k->obj, name, n);
    free(name);
    *out = wv_handle_new(&k->obj, access);
    wv_object_unref(&k->obj); /* the handle holds it now (or nothing does) */
    return *out ? 0 : ERROR_TOO_MANY_OPEN_FILES;
}

/* parent's path joined with sub into a malloc'ed string. */
static char *wv_key_join(const char *parent, const char *sub)
{
    char *s = NULL;
    if (asprintf(&s, "%s%s%s", parent, *parent && *sub ? "\\" : "", sub) < 0)
        return NULL;
    return s;
}

/* The parent of path exists in r (the root's own keys always have one). */
static bool wv_key_parent_in(struct wv_reg *r, int root, const char *path)
{
    const char *slash = strrchr(path, '\\');
    if (!slash)
        return true;
    char *up = strndup(path, (size_t)(slash - path));
    bool ok = up && wv_reg_find(r, root, up, false, NULL);
    free(up);
    return ok;
}

DWORD wv_key_open_at(int root, const char *path, DWORD want, int how, bool *made)
{
    *made = false;
    if ((want & WV_KEY_WRITES) && !wv_root_writable(root))
        return ERROR_ACCESS_DENIED;
    if (root == WV_REG_TOP) /* \Registry itself: it always exists, nothing is made in it */
        return *path ? ERROR_FILE_NOT_FOUND : 0;
    bool create = how != WV_KEY_OPEN;
    struct wv_reg r;
    DWORD err = wv_reg_begin(&r, create);
    if (err)
        return err;
    struct wv_rkey *k = wv_reg_find(&r, root, path, false, NULL);
    if (!k && create && !wv_root_writable(root))
        err = ERROR_ACCESS_DENIED;
    else if (!k && how == WV_KEY_CREATE_LAST && !wv_key_parent_in(&r, root, path))
        err = ERROR_PATH_NOT_FOUND;
    else if (!k && create && !(k = wv_reg_find(&r, root, path, true, made)))
        err = ERROR_NOT_ENOUGH_MEMORY;
    else if (!k)
        err = ERROR_FILE_NOT_FOUND;
    DWORD end = wv_reg_end(&r);
    if (!err && end)
        *made = false;
    return err ? err : end;
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
    bool made;
    if ((err = wv_key_open_at(root, path, want, create ? WV_KEY_CREATE_ALL : WV_KEY_OPEN, &made)))
        return free(path), err;
    DWORD d = made ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY;
    if (disp && wv_user_put(disp, &d, sizeof(d)))
        return free(path), ERROR_NOACCESS;
    HKEY k;
    if ((err = wv_key_handle(root, path, want, &k)))
        return err;
    if (wv_user_put(out, &k, sizeof(k)))
        return wv_handle_close(k), ERROR_NOACCESS;
    return 0;
}

LONG wv_key_close(HKEY h)
{
    if (wv_root_of(h) >= 0)
        return ERROR_SUCCESS;
    return (LONG)wv_handle_close_kind(h, WV_KIND_KEY);
}

static DWORD wv_key_remove(HKEY h, const char *sub, bool tree);

DWORD wv_key_delete(HKEY h, const char *sub) { return wv_key_remove(h, sub, false); }

/* RegDeleteTree: sub and everything below it, or (sub NULL or "") everything below h. */
DWORD wv_key_delete_tree(HKEY h, const char *sub) { return wv_key_remove(h, sub, true); }

static DWORD wv_key_remove(HKEY h, const char *sub, bool tree)
{
    int root;
    char *base;
    DWORD have, err = wv_key_resolve(h, &root, &base, &have);
    if (err)
        return err;
    char *path = wv_key_join(base, sub ? sub : "");
    free(base);
    if (!path)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (root == WV_REG_TOP || !wv_root_writable(root))
        return free(path), ERROR_ACCESS_DENIED;
    struct wv_reg r;
    if ((err = wv_reg_begin(&r, true)))
        return free(path), err;
    if (tree)
        err = wv_reg_clear(&r, root, path);
    if (!err && (!tree || (sub && *sub)))
        err = wv_reg_remove(&r, root, path);
    free(path);
    DWORD end = wv_reg_end(&r);
    return err ? err : end;
}

bool wv_key_deleted(const struct wv_object *o)
{
    const struct wv_key *k = (const struct wv_key *)o;
    bool made;
    return k->root != WV_REG_TOP && wv_key_open_at(k->root, k->path, 0, WV_KEY_OPEN, &made) == ERROR_FILE_NOT_FOUND;
}
