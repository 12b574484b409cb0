/* SPDX-License-Identifier: MIT */
/* reg.h - advapi32's registry inside the runtime layer: the store on disk (reg_store.c), the
 * key handles (reg_key.c) and the value calls (reg_value.c).  Names are UTF-8 (the A forms'
 * code page is UTF-8); string data is kept as Windows keeps it, UTF-16LE with its terminator. */
#ifndef WINVM_RUNTIME_REG_H
#define WINVM_RUNTIME_REG_H

#include "runtime/runtime.h"

/* The predefined roots winvm keeps a tree for (HKEY_CLASSES_ROOT .. HKEY_DYN_DATA). */
enum { WV_REG_ROOTS = 7 };

struct wv_rval {
    struct wv_rval *next;
    char *name; /* "" is the key's default value */
    DWORD type, len;
    BYTE *data;
};

struct wv_rkey {
    struct wv_rkey *next, *kids;
    char *name;
    struct wv_rval *vals;
    FILETIME written;
};

/* The whole registry of this user, loaded under the store's lock. */
struct wv_reg {
    struct wv_rkey root[WV_REG_ROOTS];
    int dir_fd;  /* the verified directory, or -1 when there is none yet (a read) */
    int lock_fd; /* its registry.lock, flocked; -1 with dir_fd */
    bool dirty;
};

/* Loads the registry (the file, or the seeded keys when there is none) holding its lock, shared
 * or (write) exclusive: 0 or a Win32 error. */
DWORD wv_reg_begin(struct wv_reg *r, bool write);
/* Writes it back when dirty (a new file renamed over the old one), unlocks and frees: 0 or a
 * Win32 error (the registry on disk is then unchanged). */
DWORD wv_reg_end(struct wv_reg *r);

/* The key at root's path ("A\\B", empty components ignored), or NULL; create: made as needed
 * (*created says whether the last one was new). */
struct wv_rkey *wv_reg_find(struct wv_reg *r, int root, const char *path, bool create, bool *created);
struct wv_rval *wv_reg_val(struct wv_rkey *k, const char *name);
/* Sets a value (copies data): 0 or ERROR_NOT_ENOUGH_MEMORY. */
DWORD wv_reg_set(struct wv_reg *r, struct wv_rkey *k, const char *name, DWORD type, const void *data, DWORD len);
bool wv_reg_unset(struct wv_reg *r, struct wv_rkey *k, const char *name);
/* Removes root's path when it has no subkeys: 0, ERROR_FILE_NOT_FOUND or ERROR_ACCESS_DENIED. */
DWORD wv_reg_remove(struct wv_reg *r, int root, const char *path);
/* Empties root's path of every subkey and value, the key itself kept: 0 or ERROR_FILE_NOT_FOUND. */
DWORD wv_reg_clear(struct wv_reg *r, int root, const char *path);
/* reg_dir.c: the verified directory (create: made when missing), or -1 with errno. */
int wv_reg_dir(bool create);
bool wv_reg_name_eq(const char *a, const char *b);
void wv_reg_touch(struct wv_rkey *k);
void wv_reg_key_free(struct wv_rkey *k);

#endif
