/* SPDX-License-Identifier: MIT */
/* test_loader_ident.c - which module a name means and how long it stays (loader.c,
 * runtime/k32_modname.c, k32_module.c), as Windows does it (Wine's test_Loader and
 * test_LoadLibraryEx_search_flags, run on Windows):
 *   - a module is its file: another name of the file (a hard link) loads the same module and
 *     GetModuleHandle finds it by either path, GetModuleFileName keeping the first;
 *   - "C:dir\x.dll" is relative to the drive's current directory, and a path: the search flags
 *     do not apply to it (a relative "dir\x.dll" is searched for, and not found under
 *     LOAD_LIBRARY_SEARCH_SYSTEM32);
 *   - GetModuleHandleEx(PIN) pins a module: FreeLibrary succeeds and it stays loaded. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

static char dir[] = "/tmp/winvm-ldident-XXXXXX";

/* The test DLL from copied into dir/sub under name; its host path in path. */
static void copy_dll(const char *from, const char *name, char *path, size_t cap)
{
    char src[256];
    snprintf(src, sizeof(src), "%s/%s", WINVM_PE_IMAGES, from);
    snprintf(path, cap, "%s/sub/%s", dir, name);
    FILE *in = fopen(src, "rb"), *out = fopen(path, "wb");
    cr_assert(in && out);
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), in)) > 0;)
        cr_assert_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    cr_assert_eq(fclose(out), 0);
}

static void setup(void)
{
    if (access(WINVM_PE_IMAGES "/loadme.dll", R_OK) != 0)
        cr_skip_test("test programs not built (mingw-w64 missing)");
    cr_assert_not_null(mkdtemp(dir));
    char sub[64];
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    setenv("WINVM_PATH", WINVM_PE_IMAGES, 1); /* loadme.dll's import, dep.dll */
    setenv("WINVM_CACHE_DIR", dir, 1);
    cr_assert_eq(chdir(dir), 0);
}

static void teardown(void)
{
    cr_assert_eq(chdir("/"), 0);
    tu_remove_tree(dir);
}

TestSuite(loader_ident, .init = setup, .fini = teardown);

/* "/tmp/x" as Windows names it: "C:\tmp\x". */
static void windows_path(const char *host, char *win, size_t cap)
{
    snprintf(win, cap, "C:%s", host);
    for (char *p = win; *p; p++)
        if (*p == '/')
            *p = '\\';
}

Test(loader_ident, hard_link_is_the_same_module)
{
    char first[128], other[128], wfirst[160], wother[160], got[MAX_PATH];
    copy_dll("loadme.dll", "first.dll", first, sizeof(first));
    snprintf(other, sizeof(other), "%s/sub/other-name.dll", dir);
    cr_assert_eq(link(first, other), 0);
    windows_path(first, wfirst, sizeof(wfirst));
    windows_path(other, wother, sizeof(wother));
    HMODULE a = LoadLibraryA(wother);
    cr_assert_not_null(a, "%u %s", GetLastError(), winvm_last_load_error());
    cr_assert_eq(GetModuleHandleA(wfirst), a, "found by the file's other name");
    HMODULE b = LoadLibraryA(wfirst);
    cr_assert_eq(b, a, "loaded once");
    cr_assert(GetModuleFileNameA(b, got, sizeof(got)) > 0);
    cr_assert_str_eq(got, other, "the first name stays (a Linux caller's: the host path)");
    cr_assert(FreeLibrary(b));
    cr_assert(FreeLibrary(a));
    cr_assert_null(GetModuleHandleA(wother), "two loads, two frees: gone");
    cr_assert_null(GetModuleHandleA(wfirst));
}

Test(loader_ident, drive_relative_path_is_a_path)
{
    char host[128];
    copy_dll("simple.dll", "rel.dll", host, sizeof(host));
    HMODULE h = LoadLibraryA("C:sub\\rel.dll");
    cr_assert_not_null(h, "%u %s", GetLastError(), winvm_last_load_error());
    cr_assert(FreeLibrary(h));
    h = LoadLibraryExA("C:sub\\rel.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
    cr_assert_not_null(h, "a path: the flags do not apply");
    cr_assert(FreeLibrary(h));
    SetLastError(0);
    cr_assert_null(LoadLibraryExA("sub\\rel.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32));
    cr_assert_eq(GetLastError(), ERROR_MOD_NOT_FOUND, "a relative path is searched for");
    h = LoadLibraryA("sub\\rel.dll");
    cr_assert_not_null(h, "found from the current directory");
    cr_assert(FreeLibrary(h));
}

Test(loader_ident, pinned_module_never_unloads)
{
    char host[128], win[160];
    copy_dll("loadme.dll", "pinned.dll", host, sizeof(host));
    windows_path(host, win, sizeof(win));
    HMODULE h = LoadLibraryA(win), p = NULL;
    cr_assert_not_null(h);
    cr_assert(GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_PIN, "pinned.dll", &p));
    cr_assert_eq(p, h);
    cr_assert(FreeLibrary(h));
    cr_assert(FreeLibrary(h), "a pinned module's FreeLibrary succeeds");
    cr_assert(FreeLibrary(h));
    cr_assert_eq(GetModuleHandleA("pinned.dll"), h, "still loaded");
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery(h, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.Type, MEM_IMAGE);
    cr_assert_eq(m.AllocationBase, (PVOID)h);
    /* without the pin, the same sequence unloads: what the pin changes */
    char host2[128], win2[160];
    copy_dll("loadme.dll", "unpinned.dll", host2, sizeof(host2));
    windows_path(host2, win2, sizeof(win2));
    HMODULE u = LoadLibraryA(win2), q = NULL;
    cr_assert_not_null(u);
    cr_assert(GetModuleHandleExA(0, "unpinned.dll", &q));
    cr_assert(FreeLibrary(u));
    cr_assert(FreeLibrary(u));
    cr_assert_null(GetModuleHandleA("unpinned.dll"));
}
