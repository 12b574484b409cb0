/* SPDX-License-Identifier: MIT */
/* k32_module.c - GetModuleHandleExA/W and GetModuleFileNameW, beside module.c's module calls.
 *
 * GetModuleHandleEx takes a reference on the module (FreeLibrary drops it) unless
 * GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT; GET_MODULE_HANDLE_EX_FLAG_PIN pins it: it
 * stays loaded until the process ends and FreeLibrary changes nothing (loader.c).  FROM_ADDRESS finds the image holding an address,
 * winvm's own DLLs included (their generated images: loader/builtin.c).
 */
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The module whose image holds a (loader lock held); NULL when none. */
static struct wv_module *wv_module_at(uintptr_t a)
{
    for (struct wv_module *m = wv_modules; m; m = m->next)
        if (m->img && a >= m->base && a - m->base < m->img->size)
            return m;
    return NULL;
}

static DWORD wv_handle_ex(DWORD flags, const char *name, const void *addr, HMODULE *out)
{
    HMODULE h = NULL;
    wv_runtime_init();
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = NULL;
    if (flags & GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS) {
        m = wv_module_at((uintptr_t)addr);
        h = m ? (HMODULE)m->base : NULL;
    } else {
        h = wv_module_find(name); /* recursive lock */
        m = h ? wv_find_base((uintptr_t)h) : NULL;
    }
    if (m && m != wv_main_module && (flags & GET_MODULE_HANDLE_EX_FLAG_PIN))
        wv_loader_pin(m);
    else if (m && m != wv_main_module && !(flags & GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT))
        m->refs++;
    pthread_mutex_unlock(&wv_loader_lock);
    DWORD err = wv_user_put(out, &h, sizeof(h));
    return err ? err : h ? 0 : ERROR_MOD_NOT_FOUND;
}

/* Refused flags still give *out NULL, as Windows does (Wine's module.c records it). */
static DWORD wv_ex_flags(DWORD flags, HMODULE *out)
{
    DWORD known = GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT |
                  GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS;
    if (!out)
        return ERROR_INVALID_PARAMETER;
    if ((flags & ~known) ||
        ((flags & GET_MODULE_HANDLE_EX_FLAG_PIN) && (flags & GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT))) {
        HMODULE none = NULL;
        DWORD err = wv_user_put(out, &none, sizeof(none));
        return err ? err : ERROR_INVALID_PARAMETER;
    }
    return 0;
}

BOOL WINAPI GetModuleHandleExA(DWORD flags, LPCSTR name, HMODULE *out)
{
    char *n = NULL;
    DWORD err = wv_ex_flags(flags, out);
    bool by_name = !(flags & GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS) && name;
    if (!err && by_name)
        err = wv_user_str(name, &n);
    if (!err)
        err = wv_handle_ex(flags, n, name, out);
    free(n);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI GetModuleHandleExW(DWORD flags, LPCWSTR name, HMODULE *out)
{
    char *n = NULL;
    DWORD err = wv_ex_flags(flags, out);
    bool by_name = !(flags & GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS) && name;
    if (!err && by_name)
        err = wv_user_wstr(name, WV_TEXT_STRICT, &n);
    if (!err)
        err = wv_handle_ex(flags, n, name, out);
    free(n);
    return err ? wv_fail(err) : TRUE;
}

/* As GetModuleFileNameA: a buffer too small gets the truncated name, terminated, and
 * ERROR_INSUFFICIENT_BUFFER with the size as the result. */
DWORD WINAPI GetModuleFileNameW(HMODULE h, LPWSTR out, DWORD size)
{
    char path[PATH_MAX];
    if (!wv_loader_file_name(h, path, sizeof(path)))
        return wv_set_error(ERROR_MOD_NOT_FOUND), 0;
    WCHAR *w = wv_utf16(path);
    if (!w)
        return wv_set_error(ERROR_NOT_ENOUGH_MEMORY), 0;
    size_t n = 0;
    while (w[n])
        n++;
    DWORD err = 0, ret = (DWORD)n;
    if (size == 0)
        err = ERROR_INSUFFICIENT_BUFFER, ret = 0;
    else if (n >= size) {
        w[size - 1] = 0;
        err = wv_user_put(out, w, (size_t)size * sizeof(WCHAR));
        ret = err ? 0 : size;
        err = err ? err : ERROR_INSUFFICIENT_BUFFER;
    } else
        err = wv_user_put(out, w, (n + 1) * sizeof(WCHAR));
    free(w);
    if (err && err != ERROR_INSUFFICIENT_BUFFER)
        ret = 0;
    wv_set_error(err);
    return ret;
}
