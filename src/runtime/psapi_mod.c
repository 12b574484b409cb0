/* SPDX-License-Identifier: MIT */
/* psapi_mod.c - psapi's process and module enumeration as PE code calls it: EnumProcesses,
 * EnumProcessModules(Ex), GetModuleBaseName, GetModuleFileNameEx, GetModuleInformation,
 * and kernel32's QueryDosDevice for the device names they give.
 *
 * The module calls answer for this process from the loader's list, the EXE first and then
 * the DLLs in load order (PEB->Ldr's InLoadOrderModuleList, which is what psapi reads on
 * Windows); winvm's own DLLs are there with their generated images (loader/builtin.c).
 * Another process's loader data lives in its own winvm runtime, out of reach: those calls
 * fail with ERROR_PARTIAL_COPY, Windows' answer when it cannot read a process's loader data.
 * Access as Windows checks it: the module calls need PROCESS_QUERY_INFORMATION and
 * PROCESS_VM_READ.  (GetProcessImageFileName: proc_image.c.)  EnumProcesses lists every process
 * the kernel shows (/proc), as Windows lists every process whatever its owner. */
#define _GNU_SOURCE
#include "runtime/psapi_mod.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { LIST_MODULES_DEFAULT = 0, LIST_MODULES_32BIT = 1, LIST_MODULES_64BIT = 2, LIST_MODULES_ALL = 3 };

/* The volume GetMappedFileName names the root file system by (nt/query.c): C: is "/". */
#define WV_PS_VOLUME "\\Device\\HarddiskVolume1"

DWORD WV_MSABI wv_k32_GetModuleFileNameA(HMODULE h, LPSTR out, DWORD size);
DWORD WV_MSABI wv_k32_GetModuleFileNameW(HMODULE h, LPWSTR out, DWORD size);

/* 0 with *self, or why h cannot be asked with the rights need. */
static DWORD wv_ps_open(HANDLE h, DWORD need, bool *self)
{
    *self = true;
    if (h == WV_CURRENT_PROCESS)
        return 0;
    DWORD access;
    struct wv_object *o = wv_handle_get(h, WV_KIND_PROCESS, &access);
    if (!o)
        return ERROR_INVALID_HANDLE;
    wv_object_unref(o);
    if ((access & need) != need)
        return ERROR_ACCESS_DENIED;
    *self = wv_process_is_self(h);
    return 0;
}

#define WV_PS_READ (PROCESS_QUERY_INFORMATION | PROCESS_VM_READ)

static DWORD wv_ps_module_access(HANDLE h)
{
    bool self;
    DWORD err = wv_ps_open(h, WV_PS_READ, &self);
    return err ? err : self ? 0 : ERROR_PARTIAL_COPY;
}

/* ---- EnumProcesses ---- */

BOOL WV_MSABI wv_ps_EnumProcesses(DWORD *pids, DWORD cb, DWORD *needed)
{
    DIR *d = opendir("/proc");
    if (!d)
        return wv_fail(wv_errno_to_error(errno));
    DWORD n = 0, cap = cb / sizeof(DWORD), err = 0;
    struct dirent *e;
    while (!err && n < cap && (e = readdir(d))) {
        char *end;
        unsigned long pid = strtoul(e->d_name, &end, 10);
        if (!isdigit((unsigned char)e->d_name[0]) || *end || pid > UINT32_MAX)
            continue;
        DWORD v = (DWORD)pid;
        err = wv_user_put(pids + n++, &v, sizeof(v));
    }
    closedir(d);
    DWORD bytes = n * (DWORD)sizeof(DWORD);
    if (!err)
        err = wv_user_put(needed, &bytes, sizeof(bytes));
    return err ? wv_fail(err) : TRUE;
}

/* ---- the module list ---- */

/* This process's image modules, EXE first then load order, into mods (cap); the count. */
static size_t wv_ps_modules(HMODULE *mods, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&wv_loader_lock);
    if (wv_main_module && n < cap)
        mods[n] = (HMODULE)wv_main_module->base;
    n += wv_main_module != NULL;
    size_t dlls = 0;
    for (struct wv_module *m = wv_modules; m; m = m->next)
        dlls += m != wv_main_module && m->img;
    size_t i = dlls; /* wv_modules is newest first: fill backwards */
    for (struct wv_module *m = wv_modules; m; m = m->next)
        if (m != wv_main_module && m->img && --i + n < cap)
            mods[n + i] = (HMODULE)m->base;
    pthread_mutex_unlock(&wv_loader_lock);
    return n + dlls;
}

BOOL WV_MSABI wv_ps_EnumProcessModulesEx(HANDLE process, HMODULE *mods, DWORD cb, DWORD *needed, DWORD filter)
{
    DWORD err = wv_ps_module_access(process);
    if (!err && filter > LIST_MODULES_ALL && !(filter & LIST_MODULES_ALL))
        err = ERROR_INVALID_PARAMETER;
    if (err)
        return wv_fail(err);
    HMODULE list[512];
    /* a 64-bit process has no 32-bit modules */
    size_t n = (filter & LIST_MODULES_ALL) == LIST_MODULES_32BIT ? 0 : wv_ps_modules(list, 512);
    n = n < 512 ? n : 512;
    size_t fit = cb / sizeof(HMODULE) < n ? cb / sizeof(HMODULE) : n;
    err = fit ? wv_user_put(mods, list, fit * sizeof(HMODULE)) : 0;
    DWORD bytes = (DWORD)(n * sizeof(HMODULE));
    if (!err)
        err = wv_user_put(needed, &bytes, sizeof(bytes));
    return err ? wv_fail(err) : TRUE;
}

BOOL WV_MSABI wv_ps_EnumProcessModules(HANDLE process, HMODULE *mods, DWORD cb, DWORD *needed)
{
    return wv_ps_EnumProcessModulesEx(process, mods, cb, needed, LIST_MODULES_DEFAULT);
}

/* ---- names and information of one module ---- */

/* 0 when mod (NULL: the EXE) is a module of this process the caller may ask about. */
static DWORD wv_ps_module(HANDLE process, HMODULE mod)
{
    DWORD err = wv_ps_module_access(process);
    char path[PATH_MAX];
    if (!err && !wv_loader_file_name(mod, path, sizeof(path)))
        err = ERROR_INVALID_HANDLE;
    return err;
}

/* GetModuleFileNameEx is GetModuleFileName of that process, but leaves the last error as it
 * was when it succeeds, a cut name included. */
DWORD WV_MSABI wv_ps_GetModuleFileNameExA(HANDLE process, HMODULE mod, LPSTR out, DWORD size)
{
    DWORD err = wv_ps_module(process, mod), saved = GetLastError();
    if (err)
        return wv_set_error(err), 0;
    DWORD n = wv_k32_GetModuleFileNameA(mod, out, size);
    if (n)
        wv_set_error(saved);
    return n;
}

DWORD WV_MSABI wv_ps_GetModuleFileNameExW(HANDLE process, HMODULE mod, LPWSTR out, DWORD size)
{
    DWORD err = wv_ps_module(process, mod), saved = GetLastError();
    if (err)
        return wv_set_error(err), 0;
    DWORD n = wv_k32_GetModuleFileNameW(mod, out, size);
    if (n)
        wv_set_error(saved);
    return n;
}

/* The part of the Windows-form name after its last '\', into out (size units, cut and
 * terminated): the units written without the terminator. */
static DWORD wv_ps_base_name(HANDLE process, HMODULE mod, void *out, DWORD size, bool wide)
{
    union {
        char a[PATH_MAX];
        WCHAR w[PATH_MAX];
    } full;
    size_t unit = wide ? sizeof(WCHAR) : 1;
    DWORD err = wv_ps_module(process, mod), n = 0;
    if (!err)
        n = wide ? wv_k32_GetModuleFileNameW(mod, full.w, PATH_MAX) : wv_k32_GetModuleFileNameA(mod, full.a, PATH_MAX);
    if (err || !n)
        return wv_set_error(err ? err : ERROR_INVALID_HANDLE), 0;
    if (!size)
        return wv_set_error(ERROR_INSUFFICIENT_BUFFER), 0;
    DWORD at = n;
    while (at && (wide ? full.w[at - 1] : (WCHAR)full.a[at - 1]) != '\\')
        at--;
    size_t take = n - at < size - 1 ? n - at : size - 1;
    char *name = (char *)&full + at * unit;
    memset(name + take * unit, 0, unit);
    err = wv_user_put(out, name, (take + 1) * unit);
    return err ? wv_set_error(err), 0 : (DWORD)take;
}

DWORD WV_MSABI wv_ps_GetModuleBaseNameA(HANDLE process, HMODULE mod, LPSTR out, DWORD size)
{
    return wv_ps_base_name(process, mod, out, size, false);
}

DWORD WV_MSABI wv_ps_GetModuleBaseNameW(HANDLE process, HMODULE mod, LPWSTR out, DWORD size)
{
    return wv_ps_base_name(process, mod, out, size, true);
}

/* MODULEINFO: the image's base, size and entry point (NULL when it has none). */
typedef struct {
    void *base;
    DWORD size;
    void *entry;
} WV_MODULEINFO;

BOOL WV_MSABI wv_ps_GetModuleInformation(HANDLE process, HMODULE mod, void *info, DWORD cb)
{
    DWORD err = wv_ps_module_access(process);
    if (err)
        return wv_fail(err);
    if (cb < sizeof(WV_MODULEINFO))
        return wv_fail(ERROR_INSUFFICIENT_BUFFER);
    WV_MODULEINFO mi = {0};
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = mod ? wv_find_base((uintptr_t)mod) : wv_main_module;
    if (m && m->img) {
        mi.base = (void *)m->base;
        mi.size = (DWORD)m->img->size;
        mi.entry = m->img->pe.entry_rva ? (void *)(m->base + m->img->pe.entry_rva) : NULL;
    }
    pthread_mutex_unlock(&wv_loader_lock);
    if (!mi.base)
        return wv_fail(ERROR_INVALID_HANDLE);
    err = wv_user_put(info, &mi, sizeof(mi));
    return err ? wv_fail(err) : TRUE;
}

/* ---- QueryDosDevice ---- */

/* The MS-DOS device names winvm has and their NT targets: the one volume, and NUL. */
static const char *const wv_dos_devices[][2] = {
    {"C:", WV_PS_VOLUME},
    {"NUL", "\\Device\\Null"},
};
#define WV_DOS_COUNT (sizeof(wv_dos_devices) / sizeof(wv_dos_devices[0]))

/* The answer as a list of strings ending in an empty one, malloc'ed into *list (*len bytes,
 * both terminators counted): name's target, or every name when name is NULL. */
static DWORD wv_dos_list(const char *name, char **list, size_t *len)
{
    size_t n = 0;
    char buf[256];
    for (size_t i = 0; i < WV_DOS_COUNT; i++) {
        const char *s = name ? wv_dos_devices[i][1] : wv_dos_devices[i][0];
        if (name && strcasecmp(name, wv_dos_devices[i][0]))
            continue;
        memcpy(buf + n, s, strlen(s) + 1);
        n += strlen(s) + 1;
    }
    if (!n)
        return ERROR_FILE_NOT_FOUND;
    buf[n++] = 0;
    *list = malloc(n);
    if (!*list)
        return ERROR_NOT_ENOUGH_MEMORY;
    memcpy(*list, buf, n);
    *len = n;
    return 0;
}

DWORD WV_MSABI wv_k32_QueryDosDeviceA(LPCSTR name, LPSTR out, DWORD size)
{
    char *n = NULL, *list = NULL;
    size_t len = 0;
    DWORD err = name ? wv_user_str(name, &n) : 0;
    if (!err)
        err = wv_dos_list(n, &list, &len);
    if (!err && len > size)
        err = ERROR_INSUFFICIENT_BUFFER;
    if (!err)
        err = wv_user_put(out, list, len);
    free(n);
    free(list);
    return err ? wv_set_error(err), 0 : (DWORD)len;
}

DWORD WV_MSABI wv_k32_QueryDosDeviceW(LPCWSTR name, LPWSTR out, DWORD size)
{
    char *n = NULL, *list = NULL;
    size_t len = 0, wlen = 0;
    DWORD err = name ? wv_user_wstr(name, WV_TEXT_STRICT, &n) : 0;
    if (!err)
        err = wv_dos_list(n, &list, &len);
    WCHAR *w = err ? NULL : malloc(len * sizeof(WCHAR));
    if (!err && !w)
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (!err) /* the names are ASCII: one unit each, the NULs included */
        err = wv_utf8_to_utf16(list, len, w, len, WV_TEXT_REPLACE, &wlen);
    if (!err && wlen > size)
        err = ERROR_INSUFFICIENT_BUFFER;
    if (!err)
        err = wv_user_put(out, w, wlen * sizeof(WCHAR));
    free(n);
    free(list);
    free(w);
    return err ? wv_set_error(err), 0 : (DWORD)wlen;
}
