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
    {"bcrypt.dll", wv_bcrypt_lookup, wv_bcrypt_name_at},
    {"kernel32.dll", wv_k32_lookup, wv_k32_name_at},
    {"kernelbase.dll", wv_k32_lookup, wv_k32_name_at},
    {"msvcrt.dll", wv_crt_lookup, wv_crt_name_at},
    {"ntdll.dll", wv_nt_lookup, wv_nt_name_at},
    {"psapi.dll", wv_ps_lookup, wv_ps_name_at},
    {"secur32.dll", wv_secur32_lookup, wv_secur32_name_at},
    {"shell32.dll", wv_sh_lookup, wv_sh_name_at},
    {"ucrtbase.dll", wv_ucrt_lookup, wv_ucrt_name_at},
    {"user32.dll", wv_u32_lookup, wv_u32_name_at},
    {"userenv.dll", wv_userenv_lookup, wv_userenv_name_at},
    {"vcruntime140.dll", wv_vc_lookup, wv_vc_name_at},
    {"vcruntime140_1.dll", wv_vc1_lookup, wv_vc1_name_at},
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

/* The flags LoadLibraryEx knows.  LOAD_IGNORE_CODE_AUTHZ_LEVEL has no effect (no AppLocker);
 * LOAD_LIBRARY_REQUIRE_SIGNED_TARGET and LOAD_LIBRARY_SAFE_CURRENT_DIRS are left out (refused):
 * winvm checks no signatures and has no safe-directory policy. */
#define WV_LLX_FLAGS                                                                                 \
    (DONT_RESOLVE_DLL_REFERENCES | LOAD_LIBRARY_AS_DATAFILE | LOAD_WITH_ALTERED_SEARCH_PATH |      \
     LOAD_IGNORE_CODE_AUTHZ_LEVEL | LOAD_LIBRARY_AS_IMAGE_RESOURCE | LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE | \
     WV_SEARCH_FLAGS | LOAD_LIBRARY_SEARCH_SYSTEM32_NO_FORWARDER)
#define WV_LLX_DATA (LOAD_LIBRARY_AS_DATAFILE | LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE | LOAD_LIBRARY_AS_IMAGE_RESOURCE)

/* A path from a root ("\\dir", "C:\\dir", "/dir"), as LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR needs. */
static bool wv_rooted(const char *f)
{
    return f[0] == '\\' || f[0] == '/' || (f[0] && f[1] == ':' && (f[2] == '\\' || f[2] == '/'));
}

/* Windows' refusals (Wine's module.c test_LoadLibraryEx_search_flags): ALTERED_SEARCH_PATH
 * with any LOAD_LIBRARY_SEARCH_* flag, DLL_LOAD_DIR for a name that is not a rooted path. */
static DWORD wv_llx_check(LPCSTR file, HANDLE reserved, DWORD flags)
{
    if (!file || reserved || (flags & ~(DWORD)WV_LLX_FLAGS))
        return ERROR_INVALID_PARAMETER;
    if ((flags & LOAD_WITH_ALTERED_SEARCH_PATH) &&
        (flags & (WV_SEARCH_FLAGS | LOAD_LIBRARY_SEARCH_SYSTEM32_NO_FORWARDER)))
        return ERROR_INVALID_PARAMETER;
    if ((flags & LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR) && !wv_rooted(file))
        return ERROR_INVALID_PARAMETER;
    return 0;
}

HMODULE WINAPI LoadLibraryExA(LPCSTR file, HANDLE reserved, DWORD flags)
{
    DWORD err = wv_llx_check(file, reserved, flags);
    if (err)
        return wv_set_error(err), NULL;
    wv_runtime_init();
    HMODULE h = NULL;
    char *host = NULL, *name = strdup(file);
    err = name ? wv_thread_adopt() : ERROR_NOT_ENOUGH_MEMORY; /* a TEB before any DllMain runs (attach.c) */
    for (size_t n = name ? strlen(name) : 0; n && name[n - 1] == ' ';) /* Windows drops trailing blanks */
        name[--n] = 0;
    if (!err)
        err = wv_module_host_name(name, &host); /* "C:\dir\x.dll" (k32_modname.c) */
    if (!err && (flags & WV_LLX_DATA))
        err = wv_module_load_data(host ? host : name, flags, &h);
    else if (!err)
        err = wv_loader_load_library(host ? host : name, flags, &h);
    free(host), free(name);
    if (err)
        wv_set_error(err);
    return err ? NULL : h;
}

HMODULE WINAPI LoadLibraryA(LPCSTR file) { return LoadLibraryExA(file, NULL, 0); }

BOOL WINAPI FreeLibrary(HMODULE h)
{
    DWORD err = (uintptr_t)h & 3 ? wv_module_free_data(h) : wv_loader_free(h);
    if (err)
        wv_set_error(err);
    return !err;
}

HMODULE WINAPI GetModuleHandleA(LPCSTR name)
{
    wv_runtime_init();
    wv_thread_adopt(); /* best effort: its failure is LoadLibrary's or the call's to report */
    HMODULE h = wv_module_find(name);
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
