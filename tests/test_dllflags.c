/* SPDX-License-Identifier: MIT */
/* test_dllflags.c - LoadLibraryEx's flags (data files, image resources, LOAD_LIBRARY_SEARCH_*,
 * refused combinations), the DLL search directories (runtime/module_data.c, module_dirs.c,
 * loader/dlldir.c, search.c) and a hand-made DLL with headers Windows accepts, from PE code
 * (dllflags.exe, tests/images/dllflags.c lists its checks; LdrLoadDll and LdrUnloadDll too),
 * and the search calls from C. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <string.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

Test(dllflags, from_pe_code, .timeout = 60)
{
    static char out[8192];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/dllflags.exe", out, sizeof(out));
    cr_assert_eq(oks, 56, "%s", out);
}

Test(dllflags, dll_directory_from_c)
{
    char buf[64];
    cr_assert_eq(GetDllDirectoryA(sizeof(buf), buf), 0);
    cr_assert_str_eq(buf, "");
    cr_assert(SetDllDirectoryA("C:\\Some\\Path"));
    cr_assert_eq(GetDllDirectoryA(0, NULL), 13);
    cr_assert_eq(GetDllDirectoryA(sizeof(buf), buf), 12);
    cr_assert_str_eq(buf, "C:\\Some\\Path");
    WCHAR w[64];
    cr_assert_eq(GetDllDirectoryW(13, w), 12);
    cr_assert_eq(w[0], 'C');
    cr_assert_eq(w[12], 0);
    cr_assert(SetDllDirectoryA(NULL));
    cr_assert_eq(GetDllDirectoryA(0, NULL), 1);
    SetLastError(0);
    cr_assert(!SetDefaultDllDirectories(LOAD_LIBRARY_SEARCH_APPLICATION_DIR | 0x8000));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    SetLastError(0);
    cr_assert(!RemoveDllDirectory((DLL_DIRECTORY_COOKIE)buf));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    SetLastError(0);
    cr_assert_null(AddDllDirectory(u"C:tmp"));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
}
