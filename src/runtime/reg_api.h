/* SPDX-License-Identifier: MIT */
/* reg_api.h - between the registry's key handles (reg_key.c) and its exported calls
 * (advapi32_reg.c, reg_value.c, reg_enum.c).  Names are UTF-8 here. */
#ifndef WINVM_RUNTIME_REG_API_H
#define WINVM_RUNTIME_REG_API_H

#include "runtime/reg.h"

typedef WV_HKEY HKEY;

/* The handle's root, a malloc'ed copy of its path and its rights: 0 or ERROR_INVALID_HANDLE. */
DWORD wv_key_resolve(HKEY h, int *root, char **path, DWORD *access);
/* Loads the registry (write: exclusively) and finds h's key, when h holds the rights need:
 * 0 (then wv_reg_end(r) later) or ERROR_INVALID_HANDLE / ERROR_ACCESS_DENIED / ERROR_KEY_DELETED. */
DWORD wv_key_at(HKEY h, DWORD need, bool write, struct wv_reg *r, struct wv_rkey **out);
/* A key handle's root: 0 .. WV_REG_ROOTS - 1 (HKEY_CLASSES_ROOT ...), or \Registry itself. */
#define WV_REG_TOP (-1)
/* Whether root's keys may be written by this process; sam's generic rights mapped to a key's. */
bool wv_root_writable(int root);
DWORD wv_key_rights(DWORD sam, int root);
/* A new handle (*out) to root's path (taken: freed on failure) with these rights: 0 or an error. */
DWORD wv_key_handle(int root, char *path, DWORD access, HKEY *out);
/* Opens (WV_KEY_OPEN) or creates root's path: every missing component (RegCreateKeyEx) or only
 * the last (NtCreateKey: a missing parent is ERROR_PATH_NOT_FOUND).  want: the mapped rights
 * (a write right on a read-only root is ERROR_ACCESS_DENIED); *made: the key is new.  0,
 * ERROR_FILE_NOT_FOUND or another error; no handle is made. */
enum { WV_KEY_OPEN, WV_KEY_CREATE_ALL, WV_KEY_CREATE_LAST };
DWORD wv_key_open_at(int root, const char *path, DWORD want, int how, bool *made);
/* Whether the key a WV_KIND_KEY object names is gone (NtQueryObject's name of it:
 * STATUS_KEY_DELETED). */
bool wv_key_deleted(const struct wv_object *o);
/* RegOpenKeyEx (create false) and RegCreateKeyEx (disp: REG_CREATED_NEW_KEY or
 * REG_OPENED_EXISTING_KEY). */
DWORD wv_key_open(HKEY h, const char *sub, DWORD sam, bool create, DWORD *disp, HKEY *out);
LONG wv_key_close(HKEY h);
DWORD wv_key_delete(HKEY h, const char *sub);
DWORD wv_key_delete_tree(HKEY h, const char *sub);

/* Reads *p (a caller's DWORD): 0 or ERROR_NOACCESS. */
DWORD wv_reg_get32(const DWORD *p, DWORD *v);
/* A name out to the caller's buffer of *cap characters (wide: UTF-16, else UTF-8), with its
 * terminator; *cap becomes its length without it.  ERROR_MORE_DATA when it does not fit. */
DWORD wv_reg_name_out(const char *name, void *buf, DWORD *cap, bool wide);
/* A caller's name (NULL is "") as a malloc'ed UTF-8 string: 0 or a Win32 error. */
DWORD wv_reg_name_in(const void *name, bool wide, char **out);

#endif
