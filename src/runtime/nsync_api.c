/* SPDX-License-Identifier: MIT */
/* nsync_api.c - the Open and Ex calls of events, mutexes and semaphores, and the Create of a
 * named one (the state lives in nsync.c, the waits in sync.c).
 *
 * Windows' rules kept: a Create of an existing name returns a handle to that object with
 * ERROR_ALREADY_EXISTS (its own initial state and owner are ignored); a name of another kind
 * of object (event, mutex, semaphore, section: one namespace) is ERROR_INVALID_HANDLE; an Open
 * of a missing name is ERROR_FILE_NOT_FOUND; "Global\" and "Local\" name the same per-user
 * namespace.  A handle carries the access asked for (generic rights mapped as Windows maps
 * them): SetEvent/ResetEvent need EVENT_MODIFY_STATE, ReleaseSemaphore SEMAPHORE_MODIFY_STATE,
 * a wait SYNCHRONIZE.  An unnamed object of an Ex call gets every right.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/nsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The object path a kernel32 name stands for, kept for NtQueryObject: "Global\\x" is
 * \\BaseNamedObjects\\x, "x" and "Local\\x" the session's (an NT call's own path replaces it). */
static void wv_sync_name_keep(struct wv_object *o, LPCSTR name)
{
    char path[64];
    bool global = !strncmp(name, "Global\\", 7);
    name += global ? 7 : !strncmp(name, "Local\\", 6) ? 6 : 0;
    if (global)
        snprintf(path, sizeof(path), "\\BaseNamedObjects\\");
    else
        snprintf(path, sizeof(path), "\\Sessions\\%u\\BaseNamedObjects\\", WV_OB_SESSION);
    size_t pl = strlen(path), n = 0;
    WCHAR *w = malloc((pl + 3 * strlen(name) + 1) * sizeof(WCHAR));
    if (!w)
        return;
    for (size_t i = 0; i < pl; i++)
        w[i] = (WCHAR)path[i];
    if (!wv_utf8_to_utf16(name, strlen(name), w + pl, 3 * strlen(name) + 1, WV_TEXT_WTF8, &n))
        wv_ob_name_set(o, w, pl + n);
    free(w);
}

/* A handle of the given access on the named object got (or made, with init) by name;
 * existing says whether to report ERROR_ALREADY_EXISTS for an object that was there. */
static HANDLE wv_sync_by_name(int kind, LPCSTR name, const struct wv_nsync_init *init, DWORD access,
                              bool existing, DWORD denied)
{
    struct wv_nsync *ns;
    bool existed = false;
    DWORD err = wv_nsync_get(kind, name, init, &ns, &existed);
    if (!err && denied) /* the name is found first: a missing one is ERROR_FILE_NOT_FOUND */
        wv_nsync_put(ns), err = denied;
    if (err)
        return wv_fail_null(err);
    struct wv_sync_head *h = wv_sync_head_new(kind);
    if (!h) {
        wv_nsync_put(ns);
        return wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
    }
    h->ns = ns;
    wv_sync_name_keep(&h->obj, name);
    return wv_sync_handle(h, kind, access, existing && existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
}

struct wv_sync_head *wv_sync_head_new(int kind)
{
    return calloc(1, kind == WV_KIND_TIMER ? sizeof(struct wv_timer) : sizeof(struct wv_sync_head));
}

HANDLE wv_sync_named(int kind, LPCSTR name, const struct wv_nsync_init *init, DWORD access)
{
    return wv_sync_by_name(kind, name, init, access, true, 0);
}

/* Windows' mapping of the generic rights for each kind (ob/access.c); MAXIMUM_ALLOWED is
 * every right. */
DWORD wv_sync_access(int kind, DWORD access) { return wv_ob_rights(kind, access); }

/* Whether an open asking for access is refused: the object's default security grants its
 * kind's rights (generic ones mapped, MAXIMUM_ALLOWED) and nothing else, so an undefined or
 * reserved bit is ERROR_ACCESS_DENIED, and so is no right at all; ACCESS_SYSTEM_SECURITY needs a
 * privilege nobody holds here.  kernel32/tests/sync.c test_mutex records which of the 32 bits
 * OpenMutex grants (0x0de0fffe refused: bits 1-15, 21-24, 26, 27). */
static DWORD wv_sync_denied(int kind, DWORD access)
{
    DWORD all = kind == WV_KIND_MUTEX ? MUTEX_ALL_ACCESS : EVENT_ALL_ACCESS;
    if (access & 0x01000000 /* ACCESS_SYSTEM_SECURITY */)
        return ERROR_PRIVILEGE_NOT_HELD;
    if (!access || (access & ~(all | MAXIMUM_ALLOWED | GENERIC_ALL | GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE)))
        return ERROR_ACCESS_DENIED;
    return 0;
}

HANDLE wv_sync_open(int kind, DWORD access, LPCSTR name)
{
    if (!name)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    return wv_sync_by_name(kind, name, NULL, wv_sync_access(kind, access), false, wv_sync_denied(kind, access));
}

/* HANDLE_FLAG_INHERIT on h when asked (Open*'s inherit, a Create's security attributes). */
static HANDLE wv_sync_inherit(HANDLE h, bool inherit)
{
    if (h && inherit)
        wv_handle_flags(h, 1 /* HANDLE_FLAG_INHERIT */, 1, NULL);
    return h;
}

static bool wv_sa_inherit(LPSECURITY_ATTRIBUTES sa)
{
    SECURITY_ATTRIBUTES a;
    return sa && wv_copy(&a, sa, sizeof(a)) == 0 && a.bInheritHandle;
}

/* A wide name as UTF-8, an unpaired surrogate kept (*a NULL when name is): 0 or the
 * conversion's error. */
static DWORD wv_sync_name(LPCWSTR name, char **a)
{
    *a = NULL;
    return name ? wv_utf8_as(name, WV_TEXT_WTF8, a) : 0;
}

/* ---- events ---- */

HANDLE WINAPI OpenEventA(DWORD access, BOOL inherit, LPCSTR name)
{
    return wv_sync_inherit(wv_sync_open(WV_KIND_EVENT, access, name), inherit);
}

HANDLE WINAPI CreateEventExA(LPSECURITY_ATTRIBUTES sa, LPCSTR name, DWORD flags, DWORD access)
{
    if (flags & ~(DWORD)(CREATE_EVENT_MANUAL_RESET | CREATE_EVENT_INITIAL_SET))
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    bool manual = flags & CREATE_EVENT_MANUAL_RESET, initial = flags & CREATE_EVENT_INITIAL_SET;
    if (!name || !*name)
        return CreateEventA(sa, manual, initial, NULL);
    return wv_sync_inherit(wv_sync_named(WV_KIND_EVENT, name,
                                         &(struct wv_nsync_init){.manual = manual, .signalled = initial},
                                         wv_sync_access(WV_KIND_EVENT, access)),
                           wv_sa_inherit(sa));
}

/* ---- mutexes ---- */

HANDLE WINAPI OpenMutexA(DWORD access, BOOL inherit, LPCSTR name)
{
    return wv_sync_inherit(wv_sync_open(WV_KIND_MUTEX, access, name), inherit);
}

HANDLE WINAPI CreateMutexExA(LPSECURITY_ATTRIBUTES sa, LPCSTR name, DWORD flags, DWORD access)
{
    if (flags & ~(DWORD)CREATE_MUTEX_INITIAL_OWNER)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    bool owned = flags & CREATE_MUTEX_INITIAL_OWNER;
    if (!name || !*name)
        return CreateMutexA(sa, owned, NULL);
    return wv_sync_inherit(wv_sync_named(WV_KIND_MUTEX, name, &(struct wv_nsync_init){.owned = owned},
                                         wv_sync_access(WV_KIND_MUTEX, access)),
                           wv_sa_inherit(sa));
}

/* ---- semaphores ---- */

HANDLE WINAPI OpenSemaphoreA(DWORD access, BOOL inherit, LPCSTR name)
{
    return wv_sync_inherit(wv_sync_open(WV_KIND_SEMAPHORE, access, name), inherit);
}

HANDLE WINAPI CreateSemaphoreExA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max, LPCSTR name, DWORD flags,
                                 DWORD access)
{
    if (flags || max <= 0 || initial < 0 || initial > max)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    if (!name || !*name)
        return CreateSemaphoreA(sa, initial, max, NULL);
    return wv_sync_inherit(wv_sync_named(WV_KIND_SEMAPHORE, name,
                                         &(struct wv_nsync_init){.count = initial, .max = max},
                                         wv_sync_access(WV_KIND_SEMAPHORE, access)),
                           wv_sa_inherit(sa));
}

/* ---- the wide forms: the name as UTF-8, then the narrow call ---- */

#define WV_WIDE(call)                                                                            \
    char *a;                                                                                     \
    DWORD err = wv_sync_name(name, &a);                                                          \
    if (err)                                                                                     \
        return wv_fail_null(err);                                                                \
    HANDLE h = call;                                                                             \
    free(a);                                                                                     \
    return h

HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial, LPCWSTR name)
{
    WV_WIDE(CreateEventA(sa, manual, initial, a));
}
HANDLE WINAPI CreateEventExW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name, DWORD flags, DWORD access)
{
    WV_WIDE(CreateEventExA(sa, a, flags, access));
}
HANDLE WINAPI OpenEventW(DWORD access, BOOL inherit, LPCWSTR name) { WV_WIDE(OpenEventA(access, inherit, a)); }
HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES sa, BOOL owned, LPCWSTR name)
{
    WV_WIDE(CreateMutexA(sa, owned, a));
}
HANDLE WINAPI CreateMutexExW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name, DWORD flags, DWORD access)
{
    WV_WIDE(CreateMutexExA(sa, a, flags, access));
}
HANDLE WINAPI OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name) { WV_WIDE(OpenMutexA(access, inherit, a)); }
HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max, LPCWSTR name)
{
    WV_WIDE(CreateSemaphoreA(sa, initial, max, a));
}
HANDLE WINAPI CreateSemaphoreExW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max, LPCWSTR name, DWORD flags,
                                 DWORD access)
{
    WV_WIDE(CreateSemaphoreExA(sa, initial, max, a, flags, access));
}
HANDLE WINAPI OpenSemaphoreW(DWORD access, BOOL inherit, LPCWSTR name)
{
    WV_WIDE(OpenSemaphoreA(access, inherit, a));
}
