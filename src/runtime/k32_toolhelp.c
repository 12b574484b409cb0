/* SPDX-License-Identifier: MIT */
/* k32_toolhelp.c - the tool help snapshot: CreateToolhelp32Snapshot, and Module32First/Next(W)
 * walking this process's modules (TH32CS_SNAPMODULE; SNAPMODULE32 does not change a 64-bit
 * process's list).  Its process and thread lists: k32_toolhelp_list.c.
 *
 * A snapshot is a handle object (WV_KIND_SNAPSHOT) holding copies of the lists asked for, taken
 * at the call: what starts or ends later does not change it.  The module list is in the order
 * psapi's EnumProcessModules gives it (the EXE first, then load order), names Windows paths as
 * GetModuleFileNameW gives them.  Each First starts its walk again; the end, and a list the
 * snapshot was not asked for, is ERROR_NO_MORE_FILES.  Another winvm process's modules are
 * listed by that process (toolhelp_remote.c); a process that cannot be asked (not a winvm
 * process, another user's) is ERROR_PARTIAL_COPY, psapi's answer; a pid no process has,
 * ERROR_INVALID_PARAMETER.  Heap lists (TH32CS_SNAPHEAPLIST): this process's only; another
 * process's is ERROR_PARTIAL_COPY.
 */
#define _GNU_SOURCE
#include "runtime/toolhelp_int.h"
#include "runtime/psapi_mod.h"

#include <stddef.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TH32CS_SNAPHEAPLIST 0x1u
#define TH32CS_SNAPPROCESS 0x2u
#define TH32CS_SNAPTHREAD 0x4u
#define TH32CS_SNAPMODULE 0x8u
#define TH32CS_SNAPMODULE32 0x10u
#define TH32CS_INHERIT 0x80000000u
#define MAX_MODULE_NAME32 255

/* tlhelp32.h's layouts (x64). */
typedef struct {
    DWORD dwSize, th32ModuleID, th32ProcessID, GlblcntUsage, ProccntUsage;
    BYTE *modBaseAddr;
    DWORD modBaseSize;
    HMODULE hModule;
    WCHAR szModule[MAX_MODULE_NAME32 + 1];
    WCHAR szExePath[MAX_PATH];
} WV_MODULEENTRY32W;
typedef struct {
    DWORD dwSize, th32ModuleID, th32ProcessID, GlblcntUsage, ProccntUsage;
    BYTE *modBaseAddr;
    DWORD modBaseSize;
    HMODULE hModule;
    char szModule[MAX_MODULE_NAME32 + 1];
    char szExePath[MAX_PATH];
} WV_MODULEENTRY32;
_Static_assert(sizeof(WV_MODULEENTRY32W) == 1080, "MODULEENTRY32W");
_Static_assert(sizeof(WV_MODULEENTRY32) == 568, "MODULEENTRY32");

DWORD WV_MSABI wv_k32_GetModuleFileNameW(HMODULE h, LPWSTR out, DWORD size);

static void wv_snap_destroy(struct wv_object *o)
{
    struct wv_snapshot *s = (struct wv_snapshot *)o;
    pthread_mutex_destroy(&s->lock);
    free(s->mods);
    free(s->procs);
    free(s->threads);
    free(s->heaps);
    free(s);
}

DWORD wv_snap_modules(struct wv_snapshot *s)
{
    enum { CAP = 512 };
    HMODULE list[CAP];
    DWORD bytes = 0;
    if (!wv_ps_EnumProcessModules(WV_CURRENT_PROCESS, list, sizeof(list), &bytes))
        return GetLastError();
    size_t n = bytes / sizeof(HMODULE) < CAP ? bytes / sizeof(HMODULE) : CAP;
    if (!(s->mods = calloc(n ? n : 1, sizeof(*s->mods))))
        return ERROR_NOT_ENOUGH_MEMORY;
    for (size_t i = 0; i < n; i++) {
        struct { void *base; DWORD size; void *entry; } mi; /* psapi's MODULEINFO */
        struct wv_snap_mod *m = &s->mods[s->mod_walk.n];
        if (!wv_ps_GetModuleInformation(WV_CURRENT_PROCESS, list[i], &mi, sizeof(mi)) ||
            !wv_k32_GetModuleFileNameW(list[i], m->path, MAX_PATH))
            continue; /* freed since the list was taken */
        m->base = mi.base, m->size = mi.size;
        s->mod_walk.n++;
    }
    return 0;
}

/* 0 when pid names a process (ERROR_INVALID_PARAMETER: none has it). */
static DWORD wv_snap_pid(DWORD pid)
{
    char proc[32];
    snprintf(proc, sizeof(proc), "/proc/%u", (unsigned)pid);
    return access(proc, F_OK) == 0 ? 0 : ERROR_INVALID_PARAMETER;
}

HANDLE WINAPI CreateToolhelp32Snapshot(DWORD flags, DWORD pid)
{
    bool mods = flags & (TH32CS_SNAPMODULE | TH32CS_SNAPMODULE32);
    bool procs = flags & TH32CS_SNAPPROCESS, threads = flags & TH32CS_SNAPTHREAD;
    bool heaps = flags & TH32CS_SNAPHEAPLIST;
    bool remote = (mods || heaps) && pid && pid != GetCurrentProcessId();
    DWORD err = remote ? wv_snap_pid(pid) : 0;
    if (!err && remote && heaps)
        err = ERROR_PARTIAL_COPY; /* another process's heaps are its own runtime's */
    struct wv_snapshot *s = err ? NULL : calloc(1, sizeof(*s));
    if (!err && !s)
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (err)
        return wv_set_error(err), INVALID_HANDLE_VALUE;
    s->obj = (struct wv_object){.kind = WV_KIND_SNAPSHOT, .refs = 1, .destroy = wv_snap_destroy};
    pthread_mutex_init(&s->lock, NULL);
    s->pid = GetCurrentProcessId();
    err = !mods ? 0 : remote ? wv_snap_remote_modules(s, pid) : wv_snap_modules(s);
    if (!err && heaps)
        err = wv_snap_take_heaps(s);
    if (!err && (procs || threads))
        err = wv_snap_take_lists(s, procs, threads);
    HANDLE h = err ? NULL : wv_handle_new(&s->obj, 0);
    if (!err && !h)
        err = ERROR_TOO_MANY_OPEN_FILES;
    wv_object_unref(&s->obj);
    if (err)
        return wv_set_error(err), INVALID_HANDLE_VALUE;
    if (flags & TH32CS_INHERIT)
        wv_handle_flags(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT, NULL);
    return h;
}

DWORD wv_snap_next(HANDLE h, size_t list, bool first, size_t *at, struct wv_snapshot **out)
{
    struct wv_snapshot *s = (struct wv_snapshot *)wv_handle_get(h, WV_KIND_SNAPSHOT, NULL);
    if (!s)
        return ERROR_INVALID_HANDLE;
    struct wv_snap_list *w = (struct wv_snap_list *)((char *)s + list);
    pthread_mutex_lock(&s->lock);
    if (first)
        w->next = 0;
    DWORD err = w->next < w->n ? 0 : ERROR_NO_MORE_FILES;
    if (!err)
        *at = w->next++;
    pthread_mutex_unlock(&s->lock);
    if (err)
        wv_object_unref(&s->obj);
    else
        *out = s;
    return err;
}

/* The file part of a Windows path. */
static const WCHAR *wv_snap_leaf(const WCHAR *p)
{
    const WCHAR *leaf = p;
    for (; *p; p++)
        if (*p == '\\' || *p == '/')
            leaf = p + 1;
    return leaf;
}

/* Module32First/NextW: the entry's size is checked first (too small: ERROR_INSUFFICIENT_BUFFER,
 * the walk not moved). */
static BOOL wv_snap_module_w(HANDLE h, WV_MODULEENTRY32W *out, bool first)
{
    DWORD size;
    if (wv_copy(&size, &out->dwSize, sizeof(size)))
        return wv_fail(ERROR_NOACCESS);
    if (size < sizeof(WV_MODULEENTRY32W))
        return wv_fail(ERROR_INSUFFICIENT_BUFFER);
    size_t at;
    struct wv_snapshot *s;
    DWORD err = wv_snap_next(h, offsetof(struct wv_snapshot, mod_walk), first, &at, &s);
    if (err)
        return wv_fail(err);
    struct wv_snap_mod m = s->mods[at];
    DWORD pid = s->pid;
    wv_object_unref(&s->obj);
    WV_MODULEENTRY32W e = {.dwSize = size, .th32ModuleID = 1, .th32ProcessID = pid, .GlblcntUsage = 0xFFFF,
                           .ProccntUsage = 0xFFFF, .modBaseAddr = m.base, .modBaseSize = m.size,
                           .hModule = (HMODULE)m.base};
    const WCHAR *leaf = wv_snap_leaf(m.path);
    for (size_t i = 0; i < MAX_MODULE_NAME32 && leaf[i]; i++)
        e.szModule[i] = leaf[i];
    memcpy(e.szExePath, m.path, sizeof(e.szExePath));
    return wv_user_put(out, &e, sizeof(e)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

/* The ANSI forms: the W entry, its names converted to the ANSI code page. */
static BOOL wv_snap_module_a(HANDLE h, WV_MODULEENTRY32 *out, bool first)
{
    DWORD size;
    if (wv_copy(&size, &out->dwSize, sizeof(size)))
        return wv_fail(ERROR_NOACCESS);
    if (size < sizeof(WV_MODULEENTRY32))
        return wv_fail(ERROR_INSUFFICIENT_BUFFER);
    WV_MODULEENTRY32W w = {.dwSize = sizeof(w)};
    if (!wv_snap_module_w(h, &w, first))
        return FALSE;
    WV_MODULEENTRY32 e = {.dwSize = size, .th32ModuleID = w.th32ModuleID, .th32ProcessID = w.th32ProcessID,
                          .GlblcntUsage = w.GlblcntUsage, .ProccntUsage = w.ProccntUsage,
                          .modBaseAddr = w.modBaseAddr, .modBaseSize = w.modBaseSize, .hModule = w.hModule};
    WideCharToMultiByte(CP_ACP, 0, w.szModule, -1, e.szModule, sizeof(e.szModule), NULL, NULL);
    WideCharToMultiByte(CP_ACP, 0, w.szExePath, -1, e.szExePath, sizeof(e.szExePath), NULL, NULL);
    return wv_user_put(out, &e, sizeof(e)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

BOOL WINAPI Module32FirstW(HANDLE h, void *me) { return wv_snap_module_w(h, me, true); }
BOOL WINAPI Module32NextW(HANDLE h, void *me) { return wv_snap_module_w(h, me, false); }
BOOL WINAPI Module32First(HANDLE h, void *me) { return wv_snap_module_a(h, me, true); }
BOOL WINAPI Module32Next(HANDLE h, void *me) { return wv_snap_module_a(h, me, false); }
