/* SPDX-License-Identifier: MIT */
/* k32_user.c - reading strings and filling buffers the caller names.  A bad pointer is
 * ERROR_NOACCESS, never a crash (fault/copy.c's wv_copy does every access), so the kernel32
 * calls that take paths, names and output buffers can check them as Windows' system calls do.
 */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

DWORD wv_user_put(void *dst, const void *src, size_t n) { return n ? wv_copy(dst, src, n) : 0; }

/* runtime.h.  A page at most per step: a string may end just before an unreadable page. */
DWORD wv_user_units(const void *s, size_t unit, void **out, size_t *len)
{
    size_t cap = 256, n = 0; /* bytes */
    char *buf = malloc(cap + unit);
    if (!buf)
        return ERROR_NOT_ENOUGH_MEMORY;
    for (;;) {
        uintptr_t at = (uintptr_t)s + n;
        size_t step = WV_PAGE_SIZE - (at & (WV_PAGE_SIZE - 1));
        if (step > 256)
            step = 256;
        if (n + step > cap) {
            char *b = realloc(buf, 2 * cap + unit);
            if (!b)
                return free(buf), ERROR_NOT_ENOUGH_MEMORY;
            buf = b, cap *= 2;
        }
        if (wv_copy(buf + n, (const char *)s + n, step))
            return free(buf), ERROR_NOACCESS;
        for (size_t i = n - n % unit; i + unit <= n + step; i += unit) {
            bool zero = true;
            for (size_t k = 0; k < unit; k++)
                zero = zero && buf[i + k] == 0;
            if (zero) {
                *out = buf, *len = i / unit;
                return 0;
            }
        }
        n += step;
    }
}

DWORD wv_user_str(const char *s, char **out)
{
    size_t len;
    *out = NULL;
    return wv_user_units(s, 1, (void **)out, &len);
}

DWORD wv_user_wstr(LPCWSTR s, enum wv_text_policy bad, char **out)
{
    WCHAR *w;
    size_t len, n;
    *out = NULL;
    DWORD err = wv_user_units(s, sizeof(WCHAR), (void **)&w, &len);
    if (err)
        return err;
    err = wv_utf16_to_utf8(w, len, NULL, 0, bad, &n);
    char *u = err ? NULL : malloc(n + 1);
    if (u) {
        wv_utf16_to_utf8(w, len, u, n, bad, &n);
        u[n] = 0;
    }
    free(w);
    if (err)
        return err == ERROR_NO_UNICODE_TRANSLATION ? ERROR_INVALID_NAME : err;
    *out = u;
    return u ? 0 : ERROR_NOT_ENOUGH_MEMORY;
}

DWORD wv_out_a(const char *s, LPSTR buf, DWORD cap, DWORD *ret)
{
    size_t n = strlen(s);
    if (n >= cap) {
        *ret = (DWORD)n + 1;
        return 0;
    }
    *ret = (DWORD)n;
    return wv_user_put(buf, s, n + 1);
}

DWORD wv_out_w(const char *s, LPWSTR buf, DWORD cap, DWORD *ret)
{
    WCHAR *w = wv_utf16(s);
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    size_t n = 0;
    while (w[n])
        n++;
    DWORD err = 0;
    if (n >= cap)
        *ret = (DWORD)n + 1;
    else {
        *ret = (DWORD)n;
        err = wv_user_put(buf, w, (n + 1) * sizeof(WCHAR));
    }
    free(w);
    return err;
}
