/* SPDX-License-Identifier: MIT */
/* module_data.c - LoadLibraryEx of a DLL as data: LOAD_LIBRARY_AS_DATAFILE(_EXCLUSIVE) maps the
 * file as a read-only data view, LOAD_LIBRARY_AS_IMAGE_RESOURCE as a SEC_IMAGE view; neither
 * binds imports nor runs code, neither is a module (GetModuleHandle does not find it).  As on
 * Windows the handle is the view's base with a low bit set (1: data file, 2: image resource),
 * and FreeLibrary unmaps it.  A DLL already loaded as a module is not mapped again: the call
 * returns the module with one more reference.
 *
 * Facts (Wine's kernel32 loader.c test_Loader and module.c testLoadLibraryEx, run on Windows):
 * an empty file is ERROR_FILE_INVALID; a missing path ERROR_FILE_NOT_FOUND; _EXCLUSIVE lets no
 * one open the file for writing while mapped, plain AS_DATAFILE does; FreeLibrary of a handle
 * with a low bit set that is no such mapping is ERROR_BAD_EXE_FORMAT.
 *
 * Locking: wv_data_lock guards wv_data_maps; a leaf. */
#include "runtime/runtime.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct wv_data_map {
    struct wv_data_map *next;
    uintptr_t handle; /* base | 1 or base | 2 */
    HANDLE file;      /* kept open: its share mode is what _EXCLUSIVE means */
};

static pthread_mutex_t wv_data_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_data_map *wv_data_maps; /* guarded by wv_data_lock */

/* Whether the view at v (size bytes) starts with DOS and PE signatures, as Windows requires of
 * a data file (its resources are found through the headers). */
static bool wv_data_is_pe(const uint8_t *v, uint64_t size)
{
    if (size < 64 || v[0] != 'M' || v[1] != 'Z')
        return false;
    uint32_t lfanew;
    memcpy(&lfanew, v + 60, 4);
    return (uint64_t)lfanew + 4 <= size && !memcmp(v + lfanew, "PE\0\0", 4);
}

/* Maps the file open at f; the view's base in *base. */
static DWORD wv_data_map_file(HANDLE f, bool image, uintptr_t *base)
{
    LARGE_INTEGER size = {0};
    if (!GetFileSizeEx(f, &size))
        return GetLastError();
    if (!size.QuadPart)
        return ERROR_FILE_INVALID;
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READONLY | (image ? SEC_IMAGE : 0), 0, 0, NULL);
    if (!m)
        return GetLastError();
    void *v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    DWORD err = v ? 0 : GetLastError();
    CloseHandle(m); /* the view holds the section */
    if (!err && !image && !wv_data_is_pe(v, (uint64_t)size.QuadPart)) {
        UnmapViewOfFile(v);
        err = ERROR_BAD_EXE_FORMAT;
    }
    *base = (uintptr_t)v;
    return err;
}

DWORD wv_module_load_data(const char *file, DWORD flags, HMODULE *out)
{
    char path[PATH_MAX];
    HMODULE loaded = NULL;
    DWORD err = wv_loader_open_file(file, flags, &loaded, path, sizeof(path));
    if (err || loaded) {
        *out = loaded;
        return err;
    }
    bool image = flags & LOAD_LIBRARY_AS_IMAGE_RESOURCE;
    DWORD share = flags & LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE ? FILE_SHARE_READ | FILE_SHARE_DELETE
                                                             : FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    HANDLE f;
    bool existed;
    if ((err = wv_file_open(path, GENERIC_READ, share, OPEN_EXISTING, 0, &f, &existed)) != 0)
        return err;
    struct wv_data_map *d = malloc(sizeof(*d));
    uintptr_t base = 0;
    err = d ? wv_data_map_file(f, image, &base) : ERROR_NOT_ENOUGH_MEMORY;
    if (err) {
        free(d);
        CloseHandle(f);
        return err;
    }
    d->handle = base | (image ? 2 : 1);
    d->file = f;
    pthread_mutex_lock(&wv_data_lock);
    d->next = wv_data_maps;
    wv_data_maps = d;
    pthread_mutex_unlock(&wv_data_lock);
    *out = (HMODULE)d->handle;
    return 0;
}

DWORD wv_module_free_data(HMODULE h)
{
    pthread_mutex_lock(&wv_data_lock);
    struct wv_data_map *d = NULL;
    for (struct wv_data_map **p = &wv_data_maps; *p; p = &(*p)->next)
        if ((*p)->handle == (uintptr_t)h) {
            d = *p;
            *p = d->next;
            break;
        }
    pthread_mutex_unlock(&wv_data_lock);
    if (!d)
        return ERROR_BAD_EXE_FORMAT;
    UnmapViewOfFile((void *)(d->handle & ~(uintptr_t)3));
    CloseHandle(d->file);
    free(d);
    return 0;
}
