/* SPDX-License-Identifier: MIT */
/* ntdll_load.c - LdrLoadDll and LdrUnloadDll (ms_abi, for ntdll.c's export table): LoadLibrary
 * and FreeLibrary with NTSTATUS results.  LdrLoadDll's path, when given, is the whole search
 * path: ';'-separated Windows directories (Wine's loader.c test_Loader loads its test DLL so).
 * Every access to the caller's memory goes through wv_copy / wv_user_wstr: a bad pointer is
 * STATUS_ACCESS_VIOLATION, never a fault inside winvm. */
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"
#include "runtime/thunk.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef STATUS_DLL_INIT_FAILED
#define STATUS_DLL_INIT_FAILED ((NTSTATUS)0xC0000142)
#endif

/* path's directories as one ':'-separated host list (malloc'ed); those that name no host
 * directory are left out. */
static NTSTATUS wv_ldr_path(LPCWSTR path, char **out)
{
    char *win = NULL;
    if (wv_user_wstr(path, WV_TEXT_STRICT, &win))
        return STATUS_ACCESS_VIOLATION;
    size_t cap = strlen(win) * 4 + 16, n = 0;
    char *list = malloc(cap);
    for (char *p = win, *next; list && p; p = next) {
        next = strchr(p, ';');
        if (next)
            *next++ = 0;
        char *host = NULL;
        if (*p && !wv_path_host(p, &host) && n + strlen(host) + 2 <= cap)
            n += (size_t)snprintf(list + n, cap - n, "%s%s", n ? ":" : "", host);
        free(host);
    }
    if (list)
        list[n] = 0;
    free(win);
    *out = list;
    return list ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

/* The loader's Win32 error as LdrLoadDll reports it. */
static NTSTATUS wv_ldr_status(DWORD err)
{
    switch (err) {
    case ERROR_MOD_NOT_FOUND:
        return STATUS_DLL_NOT_FOUND;
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_FILE_INVALID: /* an empty file */
        return wv_loader_image_status() ? (NTSTATUS)wv_loader_image_status() : (NTSTATUS)STATUS_INVALID_IMAGE_FORMAT;
    case ERROR_DLL_INIT_FAILED:
        return STATUS_DLL_INIT_FAILED;
    case ERROR_PROC_NOT_FOUND:
        return STATUS_PROCEDURE_NOT_FOUND;
    default:
        return wv_status_of(err);
    }
}

WV_MSABI NTSTATUS wv_nt_LdrLoadDll(LPCWSTR path, PULONG chars, const UNICODE_STRING *name, PVOID *base)
{
    (void)chars; /* the DllCharacteristics Windows takes there change nothing here */
    UNICODE_STRING u;
    if (wv_copy(&u, name, sizeof(u)))
        return STATUS_ACCESS_VIOLATION;
    size_t n = u.Length / 2, len = 0;
    WCHAR *w = malloc(n * 2 + 2);
    char *s = malloc(n * 3 + 1), *list = NULL;
    NTSTATUS st = w && s ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
    if (!st && n && wv_copy(w, u.Buffer, n * 2))
        st = STATUS_ACCESS_VIOLATION;
    if (!st && (!n || wv_utf16_to_utf8(w, n, s, n * 3, WV_TEXT_STRICT, &len) || memchr(s, 0, len)))
        st = STATUS_DLL_NOT_FOUND;
    if (!st && path)
        st = wv_ldr_path(path, &list);
    HMODULE h = NULL;
    if (!st) {
        s[len] = 0;
        wv_runtime_init();
        char *host = NULL;
        DWORD err = wv_thread_adopt();
        if (!err)
            err = wv_module_host_name(s, &host);
        if (!err)
            err = wv_loader_load_along(host ? host : s, list, &h);
        free(host);
        st = err ? wv_ldr_status(err) : STATUS_SUCCESS;
    }
    free(w), free(s), free(list);
    if (!st && wv_copy(base, &h, sizeof(h))) {
        wv_loader_free(h);
        st = STATUS_ACCESS_VIOLATION;
    }
    return st;
}

WV_MSABI NTSTATUS wv_nt_LdrUnloadDll(PVOID base)
{
    return wv_loader_free((HMODULE)base) ? STATUS_DLL_NOT_FOUND : STATUS_SUCCESS;
}
