/* SPDX-License-Identifier: MIT */
/* test_sysdir.c - the builtin DLLs' files in C:\windows\system32 (runtime/k32_sysdir.c,
 * loader/builtin.c's wv_builtin_file, host/memfile.c): from C through the public calls, the
 * file opens and holds the module's image, writes are refused, other names are not found,
 * mapped views are named by the system path, a SEC_IMAGE mapping leaves no image-cache entry,
 * nothing is made before a program names a file; and the same from PE code (sysdir.exe,
 * tests/images/sysdir.c lists its checks). */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"
#include <winvm/psapi.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define K32 "C:\\windows\\system32\\kernel32.dll"
#define CHECKS 21

static DWORD size_of_image(HMODULE m)
{
    DWORD size, lfanew;
    memcpy(&lfanew, (char *)m + 0x3c, 4);
    memcpy(&size, (char *)m + lfanew + 24 + 56, 4);
    return size;
}

/* How many of this process's descriptors are memfds named like a builtin's file. */
static int builtin_memfds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    char link[300], target[256];
    for (struct dirent *e; d && (e = readdir(d));) {
        snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(link, target, sizeof(target) - 1);
        target[len > 0 ? len : 0] = 0;
        n += strstr(target, "memfd:") && strstr(target, ".dll");
    }
    if (d)
        closedir(d);
    return n;
}

Test(sysdir, pe_program, .timeout = 60)
{
    static char out[8192];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/sysdir.exe", out, sizeof(out));
    cr_assert_eq(oks, CHECKS, "%s", out);
}

Test(sysdir, opens_as_the_image)
{
    HMODULE m = GetModuleHandleA("kernel32.dll");
    cr_assert_not_null(m);
    HANDLE f = CreateFileA(K32, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE, "error %lu", (unsigned long)GetLastError());
    cr_assert_eq(GetFileSize(f, NULL), size_of_image(m));
    static char buf[0x3000];
    DWORD got = 0;
    cr_assert(ReadFile(f, buf, sizeof(buf), &got, NULL));
    cr_assert_eq(got, sizeof(buf));
    /* The module is at its preferred base, so even its headers are the file's; .text's stubs
     * hold this process's addresses. */
    cr_assert_eq(memcmp(buf, m, sizeof(buf)), 0);
    CloseHandle(f);
}

Test(sysdir, writes_refused)
{
    SetLastError(0);
    HANDLE f = CreateFileA(K32, GENERIC_READ | GENERIC_WRITE, 7, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_eq(f, INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    f = CreateFileA(K32, GENERIC_WRITE, 7, NULL, TRUNCATE_EXISTING, 0, NULL);
    cr_assert_eq(f, INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    cr_assert_not(DeleteFileA(K32));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    cr_assert_eq(GetFileAttributesA(K32), FILE_ATTRIBUTE_ARCHIVE, "still there, whole");
    f = CreateFileA(K32, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_eq(GetFileSize(f, NULL), size_of_image(GetModuleHandleA("kernel32.dll")));
    CloseHandle(f);
}

Test(sysdir, other_names_not_found)
{
    SetLastError(0);
    cr_assert_eq(GetFileAttributesA("C:\\windows\\system32\\winvm-none.dll"), INVALID_FILE_ATTRIBUTES);
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    HANDLE f = CreateFileA("C:\\windows\\system32\\cmd.exe", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_eq(f, INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    cr_assert_eq(GetFileAttributesA("C:\\windows\\system32"), FILE_ATTRIBUTE_DIRECTORY);
    cr_assert_eq(GetFileAttributesA("C:\\windows\\system32\\kernel32.dll\\x"), INVALID_FILE_ATTRIBUTES);
}

Test(sysdir, host_paths)
{
    char *h = NULL;
    cr_assert_eq(wv_path_host("C:\\Windows\\SYSTEM32\\Kernel32.DLL", &h), 0);
    cr_assert(!strncmp(h, "/proc/self/fd/", 14), "%s", h);
    free(h);
    cr_assert_eq(wv_path_host("C:\\windows\\system32\\none.dll", &h), 0);
    cr_assert_str_eq(h, "/windows/system32/none.dll");
    free(h);
    cr_assert_eq(wv_path_host_name(K32, &h), 0, "the loader's form keeps the name");
    cr_assert_str_eq(h, "/windows/system32/kernel32.dll");
    free(h);
}

Test(sysdir, made_on_first_use_only)
{
    cr_assert_not_null(GetModuleHandleA("kernel32.dll"));
    cr_assert_eq(builtin_memfds(), 0, "a module is not its file");
    cr_assert_neq(GetFileAttributesA(K32), INVALID_FILE_ATTRIBUTES);
    cr_assert_eq(builtin_memfds(), 1);
    HANDLE f = CreateFileA(K32, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    CloseHandle(f);
    cr_assert_eq(builtin_memfds(), 1, "made once");
}

/* Maps path SEC_IMAGE and unmaps it; whether it could. */
static bool map_image(const char *path)
{
    HANDLE f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE s = f != INVALID_HANDLE_VALUE ? CreateFileMappingA(f, NULL, SEC_IMAGE | PAGE_READONLY, 0, 0, NULL) : NULL;
    void *v = s ? MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0) : NULL;
    if (v)
        UnmapViewOfFile(v);
    if (s)
        CloseHandle(s);
    if (f != INVALID_HANDLE_VALUE)
        CloseHandle(f);
    return v != NULL;
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strstr(e->d_name, ".img") != NULL;
    if (d)
        closedir(d);
    return n;
}

Test(sysdir, image_mapping_leaves_no_cache_entry)
{
    char dir[] = "/tmp/winvm-sysdir-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    setenv("WINVM_CACHE_DIR", dir, 1);
    cr_assert(map_image("C:\\windows\\system32\\ntdll.dll"));
    int builtin = entries(dir);
    cr_assert(map_image(WINVM_PE_IMAGES "/sysdir.exe"), "an ordinary PE file for comparison");
    int file = entries(dir);
    tu_remove_tree(dir);
    cr_assert_eq(builtin, 0, "the builtin's file is this process's alone");
    cr_assert_gt(file, 0, "an ordinary file's image is cached (entries named *.img?)");
}

Test(sysdir, mapped_file_name)
{
    HANDLE f = CreateFileA(K32, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE s = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    void *v = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(v);
    char name[MAX_PATH], mod[MAX_PATH];
    cr_assert(GetMappedFileNameA(GetCurrentProcess(), v, name, sizeof(name)));
    cr_assert(GetMappedFileNameA(GetCurrentProcess(), GetModuleHandleA("kernel32.dll"), mod, sizeof(mod)));
    cr_assert_str_eq(name, mod);
    const char *tail = "\\windows\\system32\\kernel32.dll";
    cr_assert(strlen(name) > strlen(tail) && !strcmp(name + strlen(name) - strlen(tail), tail), "%s", name);
    UnmapViewOfFile(v);
    CloseHandle(s), CloseHandle(f);
}

/* SetCurrentDirectory into the system directory the host lacks: GetCurrentDirectory gives it,
 * relative names resolve in it (the builtin's file opens; a new file is ERROR_ACCESS_DENIED;
 * FindFirstFile("*.dll") lists the builtins), and leaving it puts the host's back. */
Test(sysdir, current_directory)
{
    char before[MAX_PATH], buf[MAX_PATH];
    cr_assert(GetCurrentDirectoryA(sizeof(before), before));
    cr_assert(SetCurrentDirectoryA("C:\\windows\\system32"), "error %lu", (unsigned long)GetLastError());
    cr_assert(GetCurrentDirectoryA(sizeof(buf), buf));
    cr_assert_str_eq(buf, "C:\\windows\\system32");
    HANDLE f = CreateFileA("kernel32.dll", GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE, "error %lu", (unsigned long)GetLastError());
    cr_assert_eq(GetFileSize(f, NULL), size_of_image(GetModuleHandleA("kernel32.dll")));
    CloseHandle(f);
    SetLastError(0);
    f = CreateFileA("winvm-new.txt", GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    cr_assert_eq(f, INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    WIN32_FIND_DATAA d;
    HANDLE h = FindFirstFileA("*.dll", &d);
    int k = 0;
    for (BOOL more = h != INVALID_HANDLE_VALUE; more; more = FindNextFileA(h, &d))
        k += !strcmp(d.cFileName, "kernel32.dll");
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    cr_assert_eq(k, 1);
    cr_assert(SetCurrentDirectoryA(before));
    cr_assert(GetCurrentDirectoryA(sizeof(buf), buf));
    cr_assert_str_eq(buf, before);
    cr_assert(GetFullPathNameA("kernel32.dll", sizeof(buf), buf, NULL)); /* relative to the host's again */
    cr_assert_eq(strncmp(buf, before, strlen(before)), 0, "%s", buf);
}
