/* SPDX-License-Identifier: MIT */
/* module.c - kernel32's module calls (LoadLibrary, FreeLibrary, GetModuleHandle,
 * GetModuleFileName, GetProcAddress, in their A and W forms) over the loader, and the DLLs the
 * runtime serves itself, registered with the loader before the first load.
 */
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Each gets a PE image and a module when first named (loader/builtin.c). */
static const struct wv_builtin wv_builtin_dlls[] = {
    {"advapi32.dll", wv_advapi_lookup, wv_advapi_name_at},
    {"kernel32.dll", wv_k32_lookup, wv_k32_name_at},
    {"kernelbase.dll", wv_k32_lookup, wv_k32_name_at},
    {"msvcrt.dll", wv_crt_lookup, wv_crt_name_at},
    {"ntdll.dll", wv_nt_lookup, wv_nt_name_at},
    {"psapi.dll", wv_ps_lookup, wv_ps_name_at},
    {"user32.dll", wv_u32_lookup, wv_u32_name_at},
    {"ws2_32.dll", wv_ws_lookup, wv_ws_name_at},
};

static pthread_once_t wv_runtime_once = PTHREAD_ONCE_INIT;

static void wv_runtime_register(void)
{
    wv_loader_set_builtins(wv_builtin_dlls, sizeof(wv_builtin_dlls) / sizeof(wv_builtin_dlls[0]));
    wv_fault_describer = wv_image_describe; /* crash reports name module!function+offset */
    wv_seh_init(); /* faults in PE code go to its frame handlers */
    wv_process_init(); /* process handles for the NT copy calls and DuplicateHandle */
}

void wv_runtime_init(void) { pthread_once(&wv_runtime_once, wv_runtime_register); }

HMODULE WINAPI LoadLibraryExA(LPCSTR file, HANDLE reserved, DWORD flags)
{
    if (!file || reserved || (flags & ~(DWORD)(DONT_RESOLVE_DLL_REFERENCES | LOAD_WITH_ALTERED_SEARCH_PATH))) {
        wv_set_error(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    wv_runtime_init();
    HMODULE h = NULL;
    char *host = NULL;
    DWORD err = wv_thread_adopt(); /* a TEB before any DllMain runs (attach.c) */
    if (!err)
        err = wv_module_host_name(file, &host); /* "C:\dir\x.dll" (k32_modname.c) */
    if (!err)
        err = wv_loader_load_library(host ? host : file, flags, &h);
    free(host);
    if (err)
        wv_set_error(err);
    return err ? NULL : h;
}

HMODULE WINAPI LoadLibraryA(LPCSTR file) { return LoadLibraryExA(file, NULL, 0); }

BOOL WINAPI FreeLibrary(HMODULE h)
{
    DWORD err = wv_loader_free(h);
    if (err)
        wv_set_error(err);
    return !err;
}

HMODULE WINAPI GetModuleHandleA(LPCSTR name)
{
    wv_runtime_init();
    wv_thread_adopt(); /* best effort: its failure is LoadLibrary's or the call's to report */
    HMODULE h = wv_loader_find(name);
    if (!h)
        wv_set_error(ERROR_MOD_NOT_FOUND);
    return h;
}

DWORD WINAPI GetModuleFileNameA(HMODULE h, LPSTR out, DWORD size)
{
    char path[PATH_MAX];
    if (!wv_loader_file_name(h, path, sizeof(path))) {
        wv_set_error(ERROR_MOD_NOT_FOUND);
        return 0;
    }
    size_t n = strlen(path);
    if (size == 0) {
        wv_set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    if (n >= size) { /* truncated, NUL-terminated; Windows' XP+ behaviour */
        memcpy(out, path, size - 1);
        out[size - 1] = 0;
        wv_set_error(ERROR_INSUFFICIENT_BUFFER);
        return size;
    }
    memcpy(out, path, n + 1);
    wv_set_error(ERROR_SUCCESS);
    return (DWORD)n;
}

FARPROC WINAPI GetProcAddress(HMODULE h, LPCSTR proc)
{
    void *p = NULL;
    wv_thread_adopt(); /* the caller is about to call PE code: it needs a TEB (attach.c) */
    DWORD err = wv_loader_proc(h, proc, &p);
    if (err)
        wv_set_error(err);
    return (FARPROC)p;
}

/* ---- the W forms: names converted exactly (base/wide.c), then the A forms ---- */

HMODULE WINAPI LoadLibraryExW(LPCWSTR name, HANDLE file, DWORD flags)
{
    if (!name)
        return LoadLibraryExA(NULL, file, flags);
    char *u;
    DWORD err = wv_utf8(name, &u);
    if (err)
        return wv_set_error(err), NULL;
    HMODULE h = LoadLibraryExA(u, file, flags);
    free(u);
    return h;
}

HMODULE WINAPI LoadLibraryW(LPCWSTR name) { return LoadLibraryExW(name, NULL, 0); }

HMODULE WINAPI GetModuleHandleW(LPCWSTR name)
{
    if (!name)
        return GetModuleHandleA(NULL);
    char *u;
    DWORD err = wv_utf8(name, &u);
    if (err)
        return wv_set_error(err), NULL;
    HMODULE h = GetModuleHandleA(u);
    free(u);
    return h;
}
