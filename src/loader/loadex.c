/* SPDX-License-Identifier: MIT */
/* loadex.c - the loads LoadLibraryEx and LdrLoadDll make (over loader.c's wv_load and
 * wv_attach): the search set their flags or path choose (dlldir.c, search.c) held for the
 * whole load, imports included, and the search for a DLL mapped as data (runtime/module_data.c).
 * Everything runs under the loader lock. */
#define _GNU_SOURCE
#include "loader/loader.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Makes the search set of a load with these LoadLibraryEx flags the current one (its own
 * LOAD_LIBRARY_SEARCH_* bits, else SetDefaultDllDirectories'); returns the one it replaces
 * (a DllMain may load: the outer load's set comes back after).  Loader lock held. */
static DWORD wv_search_push(DWORD flags)
{
    DWORD saved = wv_search_now;
    if (flags & LOAD_LIBRARY_SEARCH_SYSTEM32_NO_FORWARDER)
        flags |= LOAD_LIBRARY_SEARCH_SYSTEM32;
    wv_search_now = flags & WV_SEARCH_FLAGS ? flags & WV_SEARCH_FLAGS : wv_search_default;
    return saved;
}

/* The normalised name to look for (malloc'ed) in *name, or, for a builtin DLL's name, its
 * handle in *builtin and *name NULL. */
static DWORD wv_name_or_builtin(const char *file, char **name, HMODULE *builtin)
{
    *name = wv_normal_name(file);
    *builtin = NULL;
    if (!*name)
        return ERROR_NOT_ENOUGH_MEMORY;
    const struct wv_builtin *bi = wv_builtin_named(*name);
    if (!bi)
        return 0;
    free(*name);
    *name = NULL;
    struct wv_module *bm;
    DWORD err = wv_builtin_module(bi, &bm); /* its image, made the first time it is named */
    if (!err)
        *builtin = (HMODULE)bm->base;
    return err;
}

DWORD wv_loader_open_file(const char *file, DWORD flags, HMODULE *loaded, char *path, size_t cap)
{
    char *name;
    DWORD err = wv_name_or_builtin(file, &name, loaded);
    if (err || !name)
        return err;
    pthread_mutex_lock(&wv_loader_lock);
    char app[PATH_MAX];
    if (wv_main_module)
        wv_module_dir(wv_main_module, app, sizeof(app));
    DWORD saved = wv_search_push(flags);
    int fd = wv_dll_search(name, wv_main_module ? app : NULL, NULL, path, cap);
    /* a path opened as it is: the file's error; a name searched for: not found */
    if (fd < 0)
        err = name[0] == '/' || (strchr(name, '/') && !wv_search_now) ? wv_file_path_error(name, errno)
                                                                       : ERROR_MOD_NOT_FOUND;
    wv_search_now = saved;
    char *real = fd >= 0 ? realpath(path, NULL) : NULL;
    for (struct wv_module *k = wv_modules; real && k; k = k->next)
        if (!strcmp(k->path, real)) {
            if (k != wv_main_module)
                k->refs++;
            *loaded = (HMODULE)k->base;
        }
    if (real)
        snprintf(path, cap, "%s", real);
    pthread_mutex_unlock(&wv_loader_lock);
    free(real), free(name);
    if (fd >= 0)
        close(fd);
    return err;
}

static DWORD wv_load_library(const char *file, DWORD flags, const char *list, HMODULE *out);

DWORD wv_loader_load_library(const char *file, DWORD flags, HMODULE *out)
{
    return wv_load_library(file, flags, NULL, out);
}

DWORD wv_loader_load_along(const char *file, const char *list, HMODULE *out)
{
    return wv_load_library(file, 0, list, out);
}

/* LoadLibraryEx's and LdrLoadDll's load: list, when not NULL, is the whole search path. */
static DWORD wv_load_library(const char *file, DWORD flags, const char *list, HMODULE *out)
{
    char *name;
    DWORD err = wv_name_or_builtin(file, &name, out);
    if (err || !name)
        return err;
    wv_loader_begin();
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = NULL;
    wv_say("%s%s", "", NULL); /* no reason yet */
    bool bind = !(flags & DONT_RESOLVE_DLL_REFERENCES);
    DWORD saved = wv_search_push(flags);
    const char *saved_list = wv_search_list;
    wv_search_list = list;
    err = wv_load(name, NULL, bind, &m); /* LoadLibrary: no importer (search.c) */
    if (!err && m->bound && (err = wv_attach(m, false, 0)) != 0)
        wv_mod_unref(m); /* everything this load brought in goes with it */
    if (!err)
        wv_say("%s%s", "", NULL); /* stubbed imports may have left a reason behind */
    wv_search_now = saved;
    wv_search_list = saved_list;
    pthread_mutex_unlock(&wv_loader_lock);
    free(name);
    if (!err)
        *out = (HMODULE)m->base;
    return err;
}

