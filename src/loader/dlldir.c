/* SPDX-License-Identifier: MIT */
/* dlldir.c - the directories PE code adds to the DLL search (search.c reads them): the one
 * SetDllDirectory names, those AddDllDirectory adds, the LOAD_LIBRARY_SEARCH_* set
 * SetDefaultDllDirectories makes the default, and the set the load in progress uses.
 * Facts: Wine's kernel32 module.c tests (testGetDllDirectory, test_AddDllDirectory,
 * test_SetDefaultDllDirectories, test_LoadLibraryEx_search_flags), run on Windows.
 *
 * Everything here is guarded by the loader lock (taken here; recursive, so the search, which
 * runs under it, reads these directly). */
#define _GNU_SOURCE
#include "loader/loader.h"

#include <stdlib.h>
#include <string.h>

char *wv_dlldir_shown;          /* SetDllDirectory's string as given, NULL when none */
char *wv_dlldir_host;           /* its host path ("" for ""), NULL when none */
struct wv_user_dir *wv_user_dirs; /* AddDllDirectory's, newest first */
DWORD wv_search_default;        /* SetDefaultDllDirectories' set, 0 for the standard order */
DWORD wv_search_now;            /* the set of the load in progress (0: standard order) */
const char *wv_search_list;     /* LdrLoadDll's path of the load in progress, NULL: none */

DWORD wv_dlldir_set(const char *shown, const char *host)
{
    char *s = NULL, *h = NULL;
    if (shown && (!(s = strdup(shown)) || !(h = strdup(host)))) {
        free(s);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    pthread_mutex_lock(&wv_loader_lock);
    free(wv_dlldir_shown), free(wv_dlldir_host);
    wv_dlldir_shown = s, wv_dlldir_host = h;
    pthread_mutex_unlock(&wv_loader_lock);
    return 0;
}

char *wv_dlldir_get(void)
{
    pthread_mutex_lock(&wv_loader_lock);
    char *s = strdup(wv_dlldir_shown ? wv_dlldir_shown : "");
    pthread_mutex_unlock(&wv_loader_lock);
    return s;
}

DWORD wv_user_dir_add(const char *host, void **cookie)
{
    struct wv_user_dir *d = malloc(sizeof(*d));
    char *h = strdup(host);
    if (!d || !h) {
        free(d), free(h);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    d->path = h;
    pthread_mutex_lock(&wv_loader_lock);
    d->next = wv_user_dirs;
    wv_user_dirs = d;
    pthread_mutex_unlock(&wv_loader_lock);
    *cookie = d;
    return 0;
}

DWORD wv_user_dir_remove(void *cookie)
{
    DWORD err = ERROR_INVALID_PARAMETER;
    pthread_mutex_lock(&wv_loader_lock);
    for (struct wv_user_dir **p = &wv_user_dirs; *p; p = &(*p)->next)
        if (*p == cookie) {
            struct wv_user_dir *d = *p;
            *p = d->next;
            free(d->path), free(d);
            err = 0;
            break;
        }
    pthread_mutex_unlock(&wv_loader_lock);
    return err;
}

DWORD wv_search_set_default(DWORD flags)
{
    const DWORD ok = LOAD_LIBRARY_SEARCH_APPLICATION_DIR | LOAD_LIBRARY_SEARCH_USER_DIRS |
                     LOAD_LIBRARY_SEARCH_SYSTEM32 | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS;
    if (!flags || (flags & ~ok)) /* DLL_LOAD_DIR has no meaning without a DLL: refused too */
        return ERROR_INVALID_PARAMETER;
    pthread_mutex_lock(&wv_loader_lock);
    wv_search_default = flags;
    pthread_mutex_unlock(&wv_loader_lock);
    return 0;
}
