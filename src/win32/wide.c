/* SPDX-License-Identifier: MIT */
/* wide.c - the W (UTF-16) forms of the section calls: names converted exactly
 * (base/wide.c), then the A forms do the work. */
#include "base/base.h"

#include <stdlib.h>

HANDLE WINAPI CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD protect, DWORD hi,
                                 DWORD lo, LPCWSTR name)
{
    char *a = NULL;
    DWORD err = name ? wv_utf8(name, &a) : 0;
    if (err)
        return wv_set_error(err), NULL;
    HANDLE h = CreateFileMappingA(file, sa, protect, hi, lo, a);
    free(a);
    return h;
}

HANDLE WINAPI OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name)
{
    char *a = NULL;
    DWORD err = name ? wv_utf8(name, &a) : 0;
    if (err)
        return wv_set_error(err), NULL;
    HANDLE h = OpenFileMappingA(access, inherit, a);
    free(a);
    return h;
}
