/* wide.c - the W (UTF-16) forms of the name-taking calls: names converted to UTF-8, then the
 * A forms do the work.  Windows compares names by their UTF-16 code units; converting exactly
 * (surrogate pairs included, unpaired surrogates refused) keeps distinct names distinct. */
#include "internal.h"

#include <stdlib.h>

/* A malloc'ed UTF-8 copy of s, or NULL with the last error set (invalid UTF-16, no memory). */
char *wv_utf8(LPCWSTR s)
{
    size_t n = 0;
    while (s[n])
        n++;
    char *out = malloc(n * 3 + 1), *p = out;
    if (!out) {
        wv_set_error(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t c = s[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && s[i + 1] >= 0xdc00 && s[i + 1] < 0xe000)
            c = 0x10000 + ((c - 0xd800) << 10) + (s[++i] - 0xdc00u);
        else if (c >= 0xd800 && c < 0xe000) {
            free(out);
            wv_set_error(ERROR_INVALID_NAME);
            return NULL;
        }
        if (c < 0x80)
            *p++ = (char)c;
        else if (c < 0x800)
            *p++ = (char)(0xc0 | c >> 6), *p++ = (char)(0x80 | (c & 0x3f));
        else if (c < 0x10000)
            *p++ = (char)(0xe0 | c >> 12), *p++ = (char)(0x80 | (c >> 6 & 0x3f)),
            *p++ = (char)(0x80 | (c & 0x3f));
        else
            *p++ = (char)(0xf0 | c >> 18), *p++ = (char)(0x80 | (c >> 12 & 0x3f)),
            *p++ = (char)(0x80 | (c >> 6 & 0x3f)), *p++ = (char)(0x80 | (c & 0x3f));
    }
    *p = 0;
    return out;
}

HANDLE WINAPI CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD protect, DWORD hi,
                                 DWORD lo, LPCWSTR name)
{
    char *a = name ? wv_utf8(name) : NULL;
    if (name && !a)
        return NULL;
    HANDLE h = CreateFileMappingA(file, sa, protect, hi, lo, a);
    free(a);
    return h;
}

HANDLE WINAPI OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name)
{
    char *a = name ? wv_utf8(name) : NULL;
    if (name && !a)
        return NULL;
    HANDLE h = OpenFileMappingA(access, inherit, a);
    free(a);
    return h;
}

HANDLE WINAPI CreateFileW(LPCWSTR name, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
                          DWORD disposition, DWORD attributes, HANDLE template_file)
{
    char *a = name ? wv_utf8(name) : NULL;
    if (name && !a)
        return INVALID_HANDLE_VALUE;
    HANDLE h = CreateFileA(a, access, share, sa, disposition, attributes, template_file);
    free(a);
    return h;
}

HMODULE WINAPI LoadLibraryExW(LPCWSTR name, HANDLE file, DWORD flags)
{
    if (!name)
        return LoadLibraryExA(NULL, file, flags);
    char *u = wv_utf8(name);
    HMODULE h = u ? LoadLibraryExA(u, file, flags) : NULL;
    free(u);
    return h;
}

HMODULE WINAPI LoadLibraryW(LPCWSTR name) { return LoadLibraryExW(name, NULL, 0); }

HMODULE WINAPI GetModuleHandleW(LPCWSTR name)
{
    if (!name)
        return GetModuleHandleA(NULL);
    char *u = wv_utf8(name);
    HMODULE h = u ? GetModuleHandleA(u) : NULL;
    free(u);
    return h;
}
