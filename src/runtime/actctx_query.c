/* SPDX-License-Identifier: MIT */
/* actctx_query.c - QueryActCtxW and RtlQueryInformationActivationContext: what a context is
 * (ActivationContextBasicInformation: its handle and flags) and where it came from
 * (ActivationContextDetailedInformation: the assembly count, the root manifest's path and the
 * application directory, the strings after the structure in the caller's buffer).
 *
 * Facts (Wine's kernel32 actctx.c test_basic_info / test_detailed_info, run on Windows): the
 * size returned is set to 0 first; USE_ACTIVE_ACTCTX with a handle is ERROR_INVALID_PARAMETER;
 * a buffer too small is ERROR_INSUFFICIENT_BUFFER with the size needed; the handle returned by
 * the basic class carries a reference unless QUERY_ACTCTX_FLAG_NO_ADDREF; path types are
 * ACTIVATION_CONTEXT_PATH_TYPE_WIN32_FILE for the manifest and the directory, _NONE for the
 * configuration file (there is none).  The other classes (assemblies one by one, their files,
 * run levels, compatibility) are not kept by winvm's contexts: ERROR_NOT_SUPPORTED.
 */
#include "runtime/actctx.h"

#include <stdlib.h>
#include <string.h>

enum {
    WV_QUERY_USE_ACTIVE = 0x4, WV_QUERY_IS_HMODULE = 0x8, WV_QUERY_IS_ADDRESS = 0x10,
    WV_QUERY_NO_ADDREF = 0x80000000u
};
enum { WV_ActivationContextBasicInformation = 1, WV_ActivationContextDetailedInformation = 2,
       WV_ActivationContextManifestResourceName = 7 };
enum { WV_PATH_TYPE_NONE = 1, WV_PATH_TYPE_WIN32_FILE = 2 };

struct wv_basic_info { /* ACTIVATION_CONTEXT_BASIC_INFORMATION */
    HANDLE hActCtx;
    DWORD dwFlags;
};

struct wv_detailed_info { /* ACTIVATION_CONTEXT_DETAILED_INFORMATION */
    DWORD dwFlags, ulFormatVersion, ulAssemblyCount;
    DWORD ulRootManifestPathType, ulRootManifestPathChars;
    DWORD ulRootConfigurationPathType, ulRootConfigurationPathChars;
    DWORD ulAppDirPathType, ulAppDirPathChars;
    const WCHAR *lpRootManifestPath, *lpRootConfigurationPath, *lpAppDirPath;
};

static size_t wv_wlen(const WCHAR *s)
{
    size_t n = 0;
    while (s && s[n])
        n++;
    return n;
}

/* The detailed class into a malloc'ed block laid out for the caller's buffer at dst. */
static void *wv_detailed(const struct wv_actctx *c, void *dst, SIZE_T *need)
{
    size_t lm = c ? wv_wlen(c->manifest_path) : 0, la = c ? wv_wlen(c->app_dir) : 0;
    size_t sm = c && c->manifest_path ? (lm + 1) * sizeof(WCHAR) : 0, sa = c && c->app_dir ? (la + 1) * sizeof(WCHAR) : 0;
    *need = sizeof(struct wv_detailed_info) + sm + sa;
    char *b = calloc(1, *need);
    if (!b)
        return NULL;
    struct wv_detailed_info *d = (void *)b;
    d->ulFormatVersion = 1;
    d->ulAssemblyCount = c ? (DWORD)c->n_assemblies : 0;
    d->ulRootManifestPathType = c && c->manifest_path ? WV_PATH_TYPE_WIN32_FILE : WV_PATH_TYPE_NONE;
    d->ulRootManifestPathChars = (DWORD)lm;
    d->ulRootConfigurationPathType = WV_PATH_TYPE_NONE;
    d->ulAppDirPathType = c && c->app_dir ? WV_PATH_TYPE_WIN32_FILE : WV_PATH_TYPE_NONE;
    d->ulAppDirPathChars = (DWORD)la;
    size_t off = sizeof(*d);
    if (sm) {
        memcpy(b + off, c->manifest_path, sm);
        d->lpRootManifestPath = (const WCHAR *)((char *)dst + off);
        off += sm;
    }
    if (sa) {
        memcpy(b + off, c->app_dir, sa);
        d->lpAppDirPath = (const WCHAR *)((char *)dst + off);
    }
    return b;
}

/* The query's core: 0 or the Win32 error; *ret the size written or needed. */
static DWORD wv_query(DWORD flags, HANDLE h, ULONG cls, PVOID buf, SIZE_T len, SIZE_T *ret)
{
    if (flags & ~(DWORD)(WV_QUERY_USE_ACTIVE | WV_QUERY_IS_HMODULE | WV_QUERY_IS_ADDRESS | WV_QUERY_NO_ADDREF))
        return ERROR_INVALID_PARAMETER;
    if ((flags & WV_QUERY_USE_ACTIVE) && h)
        return ERROR_INVALID_PARAMETER;
    if (flags & (WV_QUERY_IS_HMODULE | WV_QUERY_IS_ADDRESS))
        return ERROR_NOT_SUPPORTED; /* modules carry no context of their own in winvm */
    if (cls < WV_ActivationContextBasicInformation || cls > WV_ActivationContextManifestResourceName)
        return ERROR_INVALID_PARAMETER;
    if (cls > WV_ActivationContextDetailedInformation)
        return ERROR_NOT_SUPPORTED;
    if (!buf && len)
        return ERROR_INVALID_PARAMETER;
    struct wv_actctx *c = (flags & WV_QUERY_USE_ACTIVE) ? wv_actctx_active() : wv_actctx_get(h);
    if (h && !c)
        return ERROR_INVALID_PARAMETER; /* not a live context */
    DWORD err = 0;
    if (cls == WV_ActivationContextBasicInformation) {
        struct wv_basic_info b = {(HANDLE)c, 0};
        *ret = sizeof(b);
        err = len < sizeof(b) ? ERROR_INSUFFICIENT_BUFFER : wv_user_put(buf, &b, sizeof(b));
        if (!err && !(flags & WV_QUERY_NO_ADDREF))
            wv_actctx_addref(c); /* the caller's, to release */
    } else {
        void *d = wv_detailed(c, buf, ret);
        err = !d ? ERROR_NOT_ENOUGH_MEMORY : len < *ret ? ERROR_INSUFFICIENT_BUFFER : wv_user_put(buf, d, *ret);
        free(d);
    }
    wv_actctx_release(c); /* the lookup's */
    return err;
}

WV_MSABI BOOL k32_QueryActCtxW(DWORD flags, HANDLE h, PVOID sub, ULONG cls, PVOID buf, SIZE_T len, SIZE_T *ret)
{
    (void)sub; /* the assembly or file index of the classes winvm does not keep */
    SIZE_T n = 0;
    if (ret && wv_user_put(ret, &n, sizeof(n)))
        return wv_fail(ERROR_NOACCESS);
    DWORD err = wv_query(flags, h, cls, buf, len, &n);
    if (ret && (!err || err == ERROR_INSUFFICIENT_BUFFER) && wv_user_put(ret, &n, sizeof(n)))
        return wv_fail(ERROR_NOACCESS);
    return err ? wv_fail(err) : TRUE;
}

WV_MSABI LONG wv_nt_RtlQueryInformationActivationContext(ULONG flags, HANDLE h, PVOID sub, ULONG cls, PVOID buf,
                                                         SIZE_T len, SIZE_T *ret)
{
    (void)sub;
    /* ntdll's flags: 1 use the active context, 2 h is a module, 4 an address, 0x80000000 no
     * reference (RTL_QUERY_ACTIVATION_CONTEXT_FLAG_*), kernel32's shifted right by two. */
    DWORD k = ((flags & 7) << 2) | (flags & 0x80000000u);
    if (flags & ~(ULONG)0x80000007u)
        return (LONG)0xC000000D;
    SIZE_T n = 0;
    DWORD err = wv_query(k, h, cls, buf, len, &n);
    if (ret && (!err || err == ERROR_INSUFFICIENT_BUFFER) && wv_user_put(ret, &n, sizeof(n)))
        return (LONG)0xC0000005;
    switch (err) {
    case 0: return 0;
    case ERROR_INSUFFICIENT_BUFFER: return (LONG)0xC0000023; /* STATUS_BUFFER_TOO_SMALL */
    case ERROR_NOACCESS: return (LONG)0xC0000005;
    case ERROR_NOT_ENOUGH_MEMORY: return (LONG)0xC0000017;
    case ERROR_NOT_SUPPORTED: return (LONG)0xC00000BB;
    default: return (LONG)0xC000000D;
    }
}
