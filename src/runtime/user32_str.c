/* SPDX-License-Identifier: MIT */
/* user32_str.c - wsprintfW/wvsprintfW (msvcrt's wide printf rules: %s the function's width,
 * %S/%hs narrow; the 1024-unit limit: at most 1023 units and a terminator, the count written)
 * and LoadStringW: a string from a module's string table (RT_STRING resources:
 * block (id >> 4) + 1 holds strings id & ~15 .. id | 15, each a WORD count and that many UTF-16
 * units, not terminated).
 *
 * The resource directory is read from the module's mapped image, every offset checked against
 * SizeOfImage (an image's resource tree is the file's, not to be trusted).  Of a block's
 * languages the neutral one is taken, else US English, else the first: winvm's user interface
 * language is English (GetUserDefaultUILanguage).
 */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

#define WV_RT_STRING 6
#ifndef ERROR_RESOURCE_DATA_NOT_FOUND
#define ERROR_RESOURCE_DATA_NOT_FOUND 1812
#define ERROR_RESOURCE_TYPE_NOT_FOUND 1813
#define ERROR_RESOURCE_NAME_NOT_FOUND 1814
#define ERROR_RESOURCE_LANG_NOT_FOUND 1815
#endif

struct wv_res {
    const uint8_t *base; /* the image */
    uint32_t size;       /* SizeOfImage */
    uint32_t root;       /* the resource directory's RVA */
};

/* Whether [rva, rva + n) lies in the image. */
static bool wv_res_in(const struct wv_res *r, uint32_t rva, uint32_t n) { return rva <= r->size && n <= r->size - rva; }

/* The entry of directory dir (an RVA) for id; with id ~0u a language by the order above.
 * Its OffsetToData, or ~0u when there is none. */
static uint32_t wv_res_entry(const struct wv_res *r, uint32_t dir, uint32_t id)
{
    if (!wv_res_in(r, dir, 16))
        return ~0u;
    uint16_t named, ids;
    memcpy(&named, r->base + dir + 12, 2), memcpy(&ids, r->base + dir + 14, 2);
    uint32_t first = dir + 16 + (uint32_t)named * 8, pick = ~0u;
    if (!wv_res_in(r, first, (uint32_t)ids * 8))
        return ~0u;
    for (uint32_t i = 0; i < ids; i++) {
        uint32_t name, off;
        memcpy(&name, r->base + first + i * 8, 4), memcpy(&off, r->base + first + i * 8 + 4, 4);
        if (id != ~0u) {
            if (name == id)
                return off;
            continue;
        }
        if (name == 0)
            return off; /* LANG_NEUTRAL */
        if (name == 0x409 || pick == ~0u)
            pick = off;
    }
    return pick;
}

/* The string's units and count in hmod's table; false with the error when there is none. */
static DWORD wv_res_string(HMODULE hmod, UINT id, const WCHAR **str, WORD *len)
{
    struct wv_res r = {0};
    wv_runtime_init();
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = hmod ? wv_find_base((uintptr_t)hmod) : wv_main_module;
    if (m)
        r.base = (const uint8_t *)m->base;
    pthread_mutex_unlock(&wv_loader_lock);
    if (!r.base)
        return ERROR_RESOURCE_DATA_NOT_FOUND;
    /* PE32+ (every module winvm loads): e_lfanew at 0x3c; the optional header after the
     * 4-byte signature and the 20-byte file header: SizeOfImage at +56, NumberOfRvaAndSizes
     * at +108, the data directories from +112, the resource one third. */
    uint32_t lfanew, rva, count;
    memcpy(&lfanew, r.base + 0x3c, 4);
    const uint8_t *opt = r.base + lfanew + 24;
    memcpy(&r.size, opt + 56, 4), memcpy(&count, opt + 108, 4), memcpy(&rva, opt + 112 + 16, 4);
    if (count <= 2 || !rva || !wv_res_in(&r, rva, 16))
        return ERROR_RESOURCE_DATA_NOT_FOUND;
    r.root = rva;
    uint32_t off = wv_res_entry(&r, r.root, WV_RT_STRING);
    if (off == ~0u || !(off & 0x80000000u))
        return ERROR_RESOURCE_TYPE_NOT_FOUND;
    off = wv_res_entry(&r, r.root + (off & 0x7fffffffu), (id >> 4) + 1);
    if (off == ~0u || !(off & 0x80000000u))
        return ERROR_RESOURCE_NAME_NOT_FOUND;
    off = wv_res_entry(&r, r.root + (off & 0x7fffffffu), ~0u);
    if (off == ~0u || (off & 0x80000000u) || !wv_res_in(&r, r.root + off, 16))
        return ERROR_RESOURCE_LANG_NOT_FOUND;
    uint32_t data, size;
    memcpy(&data, r.base + r.root + off, 4), memcpy(&size, r.base + r.root + off + 4, 4);
    if (!wv_res_in(&r, data, size))
        return ERROR_RESOURCE_DATA_NOT_FOUND;
    const uint8_t *p = r.base + data, *end = p + size;
    for (UINT i = 0; i < (id & 15); i++) { /* skip the strings before it */
        WORD n;
        if (end - p < 2)
            return ERROR_RESOURCE_NAME_NOT_FOUND;
        memcpy(&n, p, 2);
        if ((size_t)(end - p - 2) < (size_t)n * 2)
            return ERROR_RESOURCE_NAME_NOT_FOUND;
        p += 2 + (size_t)n * 2;
    }
    if (end - p < 2)
        return ERROR_RESOURCE_NAME_NOT_FOUND;
    memcpy(len, p, 2);
    if ((size_t)(end - p - 2) < (size_t)*len * 2)
        return ERROR_RESOURCE_NAME_NOT_FOUND;
    *str = (const WCHAR *)(p + 2);
    return 0;
}

/* max 0: *buf gets a pointer to the string in the image (not terminated) and the count is
 * returned.  Else at most max - 1 units and a terminator; the count copied.  An absent or
 * empty string: 0 (with the error when absent), and "" in a buffer. */
__attribute__((ms_abi)) int wv_u32_LoadStringW(HMODULE hmod, UINT id, WCHAR *buf, int max)
{
    const WCHAR *s = NULL;
    WORD n = 0;
    if (!buf)
        return wv_set_error(ERROR_INVALID_PARAMETER), 0;
    DWORD err = wv_res_string(hmod, id, &s, &n);
    if (!max) {
        if (err)
            return wv_set_error(err), 0;
        err = wv_copy(buf, &s, sizeof(s));
        return err ? (wv_set_error(err), 0) : n;
    }
    if (max < 0)
        return wv_set_error(ERROR_INVALID_PARAMETER), 0;
    size_t k = err ? 0 : n < (size_t)max - 1 ? n : (size_t)max - 1;
    WCHAR zero = 0;
    DWORD e2 = (k ? wv_copy(buf, s, k * sizeof(WCHAR)) : 0) ? ERROR_NOACCESS : wv_copy(buf + k, &zero, sizeof(zero));
    if (e2)
        return wv_set_error(e2), 0;
    if (err)
        wv_set_error(err);
    return (int)k;
}

#define WV_WSPRINTF_MAX 1024

__attribute__((ms_abi)) int wv_u32_wvsprintfW(WCHAR *buf, const WCHAR *fmt, wv_ms_va ap)
{
    size_t n;
    WCHAR *w = fmt && buf ? wv_crt_wformat(fmt, &ap, true, &n) : NULL;
    if (!w)
        return wv_set_error(ERROR_INVALID_PARAMETER), -1;
    if (n > WV_WSPRINTF_MAX - 1)
        n = WV_WSPRINTF_MAX - 1;
    w[n] = 0;
    DWORD err = wv_copy(buf, w, (n + 1) * sizeof(WCHAR));
    free(w);
    return err ? (wv_set_error(err), -1) : (int)n;
}

__attribute__((ms_abi)) int wv_u32_wsprintfW(WCHAR *buf, const WCHAR *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_u32_wvsprintfW(buf, fmt, ap);
    __builtin_ms_va_end(ap);
    return n;
}
