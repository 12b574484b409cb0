/* SPDX-License-Identifier: MIT */
/* dllflags.c - dllflags.exe: LoadLibraryEx's flags (data files, image resources, search flags,
 * refused combinations), the DLL search directories (SetDllDirectory, AddDllDirectory,
 * SetDefaultDllDirectories) and a hand-made DLL Windows loads that older winvm refused, all
 * from PE code.  The DLLs are written by this program as bytes.  Prints "ok NAME" /
 * "FAIL NAME" and exits with the failures (tests/test_dllflags.c). */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static void w16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8); }
static void w32(unsigned char *p, unsigned v) { w16(p, v & 0xffff), w16(p + 2, v >> 16); }

/* A PE32+ DLL: headers, one read-only section at 0x1000 whose file data is at raw (size 0x10,
 * virtual size 0x100), SizeOfImage as given; FileAlignment 0x200; no entry point. */
static DWORD make_dll(unsigned char *f, unsigned image_size, unsigned raw)
{
    memset(f, 0, 0x400);
    f[0] = 'M', f[1] = 'Z';
    w32(f + 60, 0x40);
    memcpy(f + 0x40, "PE\0\0", 4);
    unsigned char *c = f + 0x44, *o = c + 20, *s = o + 240;
    w16(c, 0x8664), w16(c + 2, 1), w16(c + 16, 240), w16(c + 18, 0x2002);
    w16(o, 0x20b);
    w32(o + 24, 0x10000000); /* ImageBase (low half; high half 0) */
    w32(o + 32, 0x1000), w32(o + 36, 0x200), w32(o + 56, image_size), w32(o + 60, 0x200);
    w16(o + 68, 3), w16(o + 70, 0x0140); /* console; DYNAMIC_BASE | NX_COMPAT */
    w32(o + 108, 16);
    memcpy(s, ".rdata", 6);
    w32(s + 8, 0x100), w32(s + 12, 0x1000), w32(s + 16, 0x10), w32(s + 20, raw), w32(s + 36, 0x40000040);
    for (int i = 0; i < 0x10; i++)
        f[0x200 + i] = (unsigned char)(0xa0 + i);
    return 0x400;
}

static int write_file(const char *path, const void *data, DWORD n)
{
    HANDLE h = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD done = 0;
    int ok = h != INVALID_HANDLE_VALUE && WriteFile(h, data, n, &done, NULL) && done == n;
    CloseHandle(h);
    return ok;
}

static char tmp[MAX_PATH], dll[MAX_PATH];

static void data_file(void)
{
    HMODULE h = LoadLibraryExA(dll, NULL, LOAD_LIBRARY_AS_DATAFILE);
    check("datafile_low_bit", h && ((ULONG_PTR)h & 3) == 1);
    MEMORY_BASIC_INFORMATION mbi;
    char *base = (char *)((ULONG_PTR)h & ~(ULONG_PTR)3);
    check("datafile_is_the_file", h && !memcmp(base, "MZ", 2) && base[0x200] == (char)0xa0);
    check("datafile_mapped_view", VirtualQuery(base, &mbi, sizeof(mbi)) && mbi.Type == MEM_MAPPED);
    check("datafile_not_a_module", !GetModuleHandleA(dll));
    HANDLE w = CreateFileA(dll, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    check("datafile_lets_writers_open", w != INVALID_HANDLE_VALUE);
    CloseHandle(w);
    SetLastError(0);
    check("free_wrong_data_handle", !FreeLibrary((HMODULE)((ULONG_PTR)h + 0x1230)) &&
                                        GetLastError() == ERROR_BAD_EXE_FORMAT);
    check("datafile_free", FreeLibrary(h));
    check("datafile_unmapped", VirtualQuery(base, &mbi, sizeof(mbi)) && mbi.State == MEM_FREE);
    check("datafile_free_twice", !FreeLibrary(h));

    h = LoadLibraryExA(dll, NULL, LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE);
    check("exclusive_low_bit", h && ((ULONG_PTR)h & 3) == 1);
    SetLastError(0);
    w = CreateFileA(dll, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    check("exclusive_keeps_writers_out", w == INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION);
    check("exclusive_free", FreeLibrary(h));
    w = CreateFileA(dll, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    check("exclusive_gone_after_free", w != INVALID_HANDLE_VALUE);
    CloseHandle(w);

    h = LoadLibraryExA(dll, NULL, LOAD_LIBRARY_AS_IMAGE_RESOURCE);
    base = (char *)((ULONG_PTR)h & ~(ULONG_PTR)3);
    check("resource_low_bits", h && ((ULONG_PTR)h & 3) == 2);
    check("resource_image_view", VirtualQuery(base, &mbi, sizeof(mbi)) && mbi.Type == MEM_IMAGE);
    check("resource_laid_out", h && base[0x1000] == (char)0xa0);
    check("resource_not_a_module", !GetModuleHandleA(dll));
    check("resource_free", FreeLibrary(h));
}

static void data_of_loaded(void)
{
    HMODULE m = LoadLibraryA(dll);
    HMODULE d = LoadLibraryExA(dll, NULL, LOAD_LIBRARY_AS_DATAFILE);
    check("datafile_of_loaded_is_module", m && d == m);
    check("datafile_of_loaded_holds_ref", FreeLibrary(m) && GetModuleHandleA(dll) == m);
    check("datafile_of_loaded_last_ref", FreeLibrary(d) && !GetModuleHandleA(dll));
}

static void data_errors(void)
{
    char empty[MAX_PATH], missing[MAX_PATH];
    snprintf(empty, sizeof(empty), "%sdlf_empty.dll", tmp);
    snprintf(missing, sizeof(missing), "%sdlf_missing_dir\\x.dll", tmp);
    write_file(empty, "", 0);
    SetLastError(0);
    check("datafile_empty", !LoadLibraryExA(empty, NULL, LOAD_LIBRARY_AS_DATAFILE) &&
                                GetLastError() == ERROR_FILE_INVALID);
    DeleteFileA(empty);
    snprintf(empty, sizeof(empty), "%sdlf_nothere.dll", tmp);
    SetLastError(0);
    check("datafile_missing", !LoadLibraryExA(empty, NULL, LOAD_LIBRARY_AS_DATAFILE) &&
                                  GetLastError() == ERROR_FILE_NOT_FOUND);
    (void)missing;
    /* A handle of ours that shares no reading keeps the loader out, as Windows' open. */
    HANDLE lock = CreateFileA(dll, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    SetLastError(0);
    check("locked_file_not_loaded", lock != INVALID_HANDLE_VALUE && !LoadLibraryA(dll) &&
                                        GetLastError() == ERROR_SHARING_VIOLATION);
    CloseHandle(lock);
    lock = CreateFileA(dll, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    SetLastError(0);
    check("written_file_not_loaded", lock != INVALID_HANDLE_VALUE && !LoadLibraryA(dll) &&
                                         GetLastError() == ERROR_SHARING_VIOLATION);
    CloseHandle(lock);
    HMODULE h = LoadLibraryA(dll);
    check("unlocked_file_loads", h && FreeLibrary(h));
}

static void refused_flags(void)
{
    static const DWORD bad[] = {
        LOAD_WITH_ALTERED_SEARCH_PATH | LOAD_LIBRARY_SEARCH_SYSTEM32,
        LOAD_WITH_ALTERED_SEARCH_PATH | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS,
        LOAD_WITH_ALTERED_SEARCH_PATH | LOAD_LIBRARY_SEARCH_USER_DIRS,
        LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR, /* with a name, not a rooted path */
        0x80000000,
    };
    int ok = 1;
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(0);
        ok &= !LoadLibraryExA("dlf.dll", NULL, bad[i]) && GetLastError() == ERROR_INVALID_PARAMETER;
    }
    check("refused_flag_combinations", ok);
    SetLastError(0);
    check("dll_load_dir_needs_root", !LoadLibraryExA("foo\\dlf.dll", NULL, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR) &&
                                         GetLastError() == ERROR_INVALID_PARAMETER);
}

/* The directory (its last component) the module named dlf.dll was loaded from: '1' or '2'. */
static char loaded_from(HMODULE h)
{
    char path[MAX_PATH];
    DWORD n = h ? GetModuleFileNameA(h, path, sizeof(path)) : 0;
    return n > 10 ? path[n - 9] : '?';
}

static void search_dirs(void)
{
    char d1[MAX_PATH], d2[MAX_PATH], p[MAX_PATH];
    WCHAR w[MAX_PATH];
    unsigned char img[0x400];
    DWORD n = make_dll(img, 0x2000, 0x200);
    snprintf(d1, sizeof(d1), "%sdlf_dirs\\1", tmp);
    snprintf(d2, sizeof(d2), "%sdlf_dirs\\2", tmp);
    snprintf(p, sizeof(p), "%sdlf_dirs", tmp);
    CreateDirectoryA(p, NULL), CreateDirectoryA(d1, NULL), CreateDirectoryA(d2, NULL);
    snprintf(p, sizeof(p), "%s\\dlf.dll", d1);
    write_file(p, img, n);
    snprintf(p, sizeof(p), "%s\\dlf.dll", d2);
    write_file(p, img, n);

    SetLastError(0);
    check("search_not_found_outside", !LoadLibraryExA("dlf.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32) &&
                                          GetLastError() == ERROR_MOD_NOT_FOUND);
    MultiByteToWideChar(CP_ACP, 0, d1, -1, w, MAX_PATH);
    DLL_DIRECTORY_COOKIE c1 = AddDllDirectory(w);
    MultiByteToWideChar(CP_ACP, 0, d2, -1, w, MAX_PATH);
    DLL_DIRECTORY_COOKIE c2 = AddDllDirectory(w);
    check("add_dll_directory", c1 && c2);
    HMODULE h = LoadLibraryExA("dlf.dll", NULL, LOAD_LIBRARY_SEARCH_USER_DIRS);
    check("user_dirs_newest_first", loaded_from(h) == '2');
    FreeLibrary(h);
    check("remove_dll_directory", RemoveDllDirectory(c2));
    SetLastError(0);
    check("remove_twice", !RemoveDllDirectory(c2) && GetLastError() == ERROR_INVALID_PARAMETER);
    h = LoadLibraryExA("dlf.dll", NULL, LOAD_LIBRARY_SEARCH_USER_DIRS);
    check("user_dirs_after_remove", loaded_from(h) == '1');
    FreeLibrary(h);
    SetLastError(0);
    check("add_relative_refused", !AddDllDirectory(L".\\.") && GetLastError() == ERROR_INVALID_PARAMETER);
    snprintf(p, sizeof(p), "%sdlf_dirs\\none", tmp);
    MultiByteToWideChar(CP_ACP, 0, p, -1, w, MAX_PATH);
    SetLastError(0);
    check("add_missing_refused", !AddDllDirectory(w) && GetLastError() == ERROR_FILE_NOT_FOUND);

    /* SetDllDirectory: after the added ones under USER_DIRS; in the standard order too. */
    check("set_dll_directory", SetDllDirectoryA(d2));
    char got[MAX_PATH];
    DWORD len = (DWORD)strlen(d2);
    check("get_dll_directory", GetDllDirectoryA(MAX_PATH, got) == len && !strcmp(got, d2) &&
                                   GetDllDirectoryA(0, NULL) == len + 1 && GetDllDirectoryW(0, NULL) == len + 1);
    got[0] = 'x';
    check("get_dll_directory_short", GetDllDirectoryA(len, got) == len + 1 && got[0] == 0);
    h = LoadLibraryA("dlf.dll");
    check("dll_directory_standard_order", loaded_from(h) == '2');
    FreeLibrary(h);
    h = LoadLibraryExA("dlf.dll", NULL, LOAD_LIBRARY_SEARCH_USER_DIRS);
    check("dll_directory_after_added", loaded_from(h) == '1');
    FreeLibrary(h);
    check("clear_dll_directory", SetDllDirectoryA(NULL) && GetDllDirectoryA(MAX_PATH, got) == 0 && !got[0]);

    /* SetDefaultDllDirectories: plain loads use the set. */
    SetLastError(0);
    check("default_dirs_refused", !SetDefaultDllDirectories(0) && GetLastError() == ERROR_INVALID_PARAMETER &&
                                      !SetDefaultDllDirectories(LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR));
    check("default_dirs_user", SetDefaultDllDirectories(LOAD_LIBRARY_SEARCH_USER_DIRS));
    h = LoadLibraryA("dlf.dll");
    check("default_dirs_used", loaded_from(h) == '1');
    FreeLibrary(h);
    check("default_dirs_system", SetDefaultDllDirectories(LOAD_LIBRARY_SEARCH_SYSTEM32));
    check("default_dirs_exclude", !LoadLibraryA("dlf.dll") && GetLastError() == ERROR_MOD_NOT_FOUND);
    check("kernel32_still_found", LoadLibraryA("kernel32.dll") != NULL);
    SetDefaultDllDirectories(LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
    RemoveDllDirectory(c1);

    /* LdrLoadDll: its path (';'-separated) is the whole search. */
    typedef struct { USHORT Length, MaximumLength; PWSTR Buffer; } ustr;
    typedef LONG(WINAPI * load_fn)(PCWSTR, PULONG, const ustr *, HMODULE *);
    typedef LONG(WINAPI * unload_fn)(HMODULE);
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    load_fn ldr_load = (load_fn)(void *)GetProcAddress(nt, "LdrLoadDll");
    unload_fn ldr_unload = (unload_fn)(void *)GetProcAddress(nt, "LdrUnloadDll");
    WCHAR name[] = L"dlf.dll", along[2 * MAX_PATH];
    ustr u = {sizeof(name) - 2, sizeof(name), name};
    snprintf(p, sizeof(p), "%s;%s", d2, d1);
    MultiByteToWideChar(CP_ACP, 0, p, -1, along, 2 * MAX_PATH);
    h = NULL;
    check("ldr_load_dll_along_path", ldr_load && ldr_load(along, NULL, &u, &h) == 0 && loaded_from(h) == '2');
    check("ldr_unload_dll", ldr_unload && ldr_unload(h) == 0 && ldr_unload(h) == (LONG)0xC0000135);
    MultiByteToWideChar(CP_ACP, 0, tmp, -1, along, 2 * MAX_PATH);
    check("ldr_load_dll_not_found", ldr_load && ldr_load(along, NULL, &u, &h) == (LONG)0xC0000135);
}

/* A DLL Windows loads: SizeOfImage stops short of the section's aligned end, and its
 * PointerToRawData (0x210) is not sector aligned: Windows maps the sector from 0x200. */
static void odd_headers(void)
{
    unsigned char img[0x400];
    char path[MAX_PATH];
    DWORD n = make_dll(img, 0x1170, 0x210);
    snprintf(path, sizeof(path), "%sdlf_odd.dll", tmp);
    write_file(path, img, n);
    HMODULE h = LoadLibraryA(path);
    check("odd_headers_load", h != NULL);
    MEMORY_BASIC_INFORMATION mbi;
    /* Headers and section both READONLY: one region, SizeOfImage rounded to a page. */
    check("odd_headers_size", h && VirtualQuery(h, &mbi, sizeof(mbi)) && mbi.RegionSize == 0x2000 &&
                                  mbi.Protect == PAGE_READONLY && mbi.Type == MEM_IMAGE &&
                                  VirtualQuery((char *)h + 0x2000, &mbi, sizeof(mbi)) && mbi.AllocationBase != (void *)h);
    check("odd_headers_sector", h && ((unsigned char *)h)[0x1000] == 0xa0 && ((unsigned char *)h)[0x1010] == 0);
    FreeLibrary(h);
    DeleteFileA(path);

    /* Its entry point in the read-only section: DllMain would fault (DEP); Windows fails the
     * load with the access violation, and DONT_RESOLVE_DLL_REFERENCES, which calls nothing,
     * still loads it. */
    make_dll(img, 0x2000, 0x200);
    w32(img + 0x40 + 24 + 16, 0x1000);
    write_file(path, img, n);
    SetLastError(0);
    check("entry_not_executable", !LoadLibraryA(path) && GetLastError() == ERROR_NOACCESS && !GetModuleHandleA(path));
    h = LoadLibraryExA(path, NULL, DONT_RESOLVE_DLL_REFERENCES);
    check("entry_not_called_unresolved", h != NULL && FreeLibrary(h));
    DeleteFileA(path);
}

int main(void)
{
    unsigned char img[0x400];
    GetTempPathA(sizeof(tmp), tmp);
    snprintf(dll, sizeof(dll), "%sdlf_data_%lu.dll", tmp, GetCurrentProcessId());
    write_file(dll, img, make_dll(img, 0x2000, 0x200));
    data_file();
    data_of_loaded();
    data_errors();
    refused_flags();
    search_dirs();
    odd_headers();
    DeleteFileA(dll);
    return failures;
}
