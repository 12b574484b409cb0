/* SPDX-License-Identifier: MIT */
/* sysdir.c - sysdir.exe: the builtin DLLs' files in C:\windows\system32, as Wine's conformance
 * tests use them (kernel32 loader.c test_dll_file, virtual.c test_mapping, ntdll virtual.c
 * test_syscalls).  Prints "ok NAME" / "FAIL NAME" and exits with the failures
 * (tests/test_sysdir.c).
 *   sysdir        GetSystemDirectory is C:\windows\system32, a directory to GetFileAttributes
 *   headers_DLL   for ntdll, kernel32, advapi32, user32, msvcrt: the file of the module's
 *                 GetModuleFileName opens for reading, its size is SizeOfImage, and a plain
 *                 read-only view of it has the module's headers (sections, entry point, data
 *                 directories) and its .text bytes
 *   attributes    the file is FILE_ATTRIBUTE_ARCHIVE, its size SizeOfImage (GetFileAttributesEx,
 *                 GetFileInformationByHandle); ReadFile reads "MZ"
 *   spellings     "\\?\", upper case, '/', "..": the same file; LoadLibrary of the full path
 *                 is the module itself
 *   write_refused GENERIC_WRITE, read-write, CREATE_ALWAYS, DeleteFile: ERROR_ACCESS_DENIED
 *   not_found     another name in the directory: ERROR_FILE_NOT_FOUND (CreateFile, attributes)
 *   mapped_name   GetMappedFileName of a view of the file and of the module: ...\windows\
 *                 system32\kernel32.dll, never a host name
 *   sec_image     a SEC_IMAGE view of ntdll's file: MEM_IMAGE, PAGE_EXECUTE_WRITECOPY, the
 *                 header page read-only and .text PAGE_EXECUTE_READ, its first page the module's
 *   same_file_data_view  NtAreMappedFilesTheSame(module, a data view of its file) is
 *                 STATUS_SUCCESS, the other order and ntdll's module STATUS_NOT_SAME_DEVICE
 *   copied_stub   NtClose called through that view's copy of the stub closes a handle
 *   same_file     NtAreMappedFilesTheSame: that view and the module, the module and itself,
 *                 STATUS_SUCCESS; ntdll and kernel32, the view and kernel32, STATUS_NOT_SAME_DEVICE
 *   written_copy  the view's header page made PAGE_WRITECOPY and written is PAGE_READWRITE
 *                 (the view's own copy; the module's page unchanged)
 *   copy_file     CopyFile of kernel32.dll to a temporary file gives its bytes
 *   crt_open      msvcrt's fopen reads it ("MZ"); for update it is EACCES; _stat gives its size
 *   find          FindFirstFile of the file finds "kernel32.dll" (ARCHIVE, SizeOfImage);
 *                 "*.dll" there lists ntdll.dll and kernel32.dll; "C:\windows\sys*" finds the
 *                 directory "system32"; "nosuch*.dll" there is ERROR_FILE_NOT_FOUND
 *   current_dir   SetCurrentDirectory("C:\WINDOWS\system32") works (the host has no such
 *                 directory): GetCurrentDirectory and _getcwd give C:\windows\system32, relative
 *                 "kernel32.dll" opens the builtin's file ("MZ"), GetFullPathName("ntdll.dll")
 *                 is in it, creating "winvm-new.txt" there is ERROR_ACCESS_DENIED, "*.dll" lists
 *                 kernel32.dll; ".." is C:\windows, where "sys*" finds system32; setting the
 *                 first directory back gives it again
 *   child_cwd     a child started from C:\windows\system32 (no lpCurrentDirectory) and one
 *                 given it as lpCurrentDirectory start there (sysdir.exe cwd: exit 0 when its
 *                 GetCurrentDirectory is C:\windows\system32)
 */
#include <windows.h>
#include <psapi.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <direct.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static IMAGE_NT_HEADERS *nt_of(const void *base)
{
    const IMAGE_DOS_HEADER *d = base;
    return (IMAGE_NT_HEADERS *)((char *)base + d->e_lfanew);
}

static IMAGE_SECTION_HEADER *sections_of(IMAGE_NT_HEADERS *nt)
{
    return (IMAGE_SECTION_HEADER *)((char *)&nt->OptionalHeader + nt->FileHeader.SizeOfOptionalHeader);
}

/* What test_dll_file compares, and the .text bytes (the stubs hold this process's addresses). */
static int same_headers(const void *module, const void *file)
{
    IMAGE_NT_HEADERS *a = nt_of(module), *b = nt_of(file);
    if (memcmp(b, "PE\0\0", 4) || a->FileHeader.NumberOfSections != b->FileHeader.NumberOfSections ||
        a->OptionalHeader.AddressOfEntryPoint != b->OptionalHeader.AddressOfEntryPoint ||
        a->OptionalHeader.NumberOfRvaAndSizes != b->OptionalHeader.NumberOfRvaAndSizes ||
        memcmp(a->OptionalHeader.DataDirectory, b->OptionalHeader.DataDirectory,
               a->OptionalHeader.NumberOfRvaAndSizes * sizeof(IMAGE_DATA_DIRECTORY)) ||
        memcmp(sections_of(a), sections_of(b), a->FileHeader.NumberOfSections * sizeof(IMAGE_SECTION_HEADER)))
        return 0;
    IMAGE_SECTION_HEADER *text = sections_of(a);
    return !memcmp((char *)module + text->VirtualAddress, (char *)file + text->PointerToRawData,
                   text->Misc.VirtualSize);
}

/* Whether the file at path opens for reading, is SizeOfImage long and a read-only view of it
 * holds m's headers and .text. */
static int file_is_image(const char *path, HMODULE m)
{
    HANDLE f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE s = f != INVALID_HANDLE_VALUE ? CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL) : NULL;
    void *v = s ? MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0) : NULL;
    int ok = m && v && GetFileSize(f, NULL) == nt_of(m)->OptionalHeader.SizeOfImage && same_headers(m, v);
    if (v)
        UnmapViewOfFile(v);
    if (s)
        CloseHandle(s);
    if (f != INVALID_HANDLE_VALUE)
        CloseHandle(f);
    return ok;
}

static void headers(const char *dll)
{
    HMODULE m = LoadLibraryA(dll);
    char path[MAX_PATH], name[64];
    DWORD n = GetModuleFileNameA(m, path, sizeof(path));
    snprintf(name, sizeof(name), "headers_%s", dll);
    check(name, n && file_is_image(path, m));
}

static void attributes(const char *k32, DWORD size)
{
    WIN32_FILE_ATTRIBUTE_DATA d;
    BY_HANDLE_FILE_INFORMATION i;
    char mz[2] = {0};
    DWORD got = 0;
    HANDLE f = CreateFileA(k32, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    int ok = GetFileAttributesA(k32) == FILE_ATTRIBUTE_ARCHIVE && GetFileAttributesExA(k32, GetFileExInfoStandard, &d) &&
             d.dwFileAttributes == FILE_ATTRIBUTE_ARCHIVE && d.nFileSizeLow == size && d.nFileSizeHigh == 0;
    ok = ok && f != INVALID_HANDLE_VALUE && GetFileInformationByHandle(f, &i) &&
         i.dwFileAttributes == FILE_ATTRIBUTE_ARCHIVE && i.nFileSizeLow == size;
    ok = ok && ReadFile(f, mz, 2, &got, NULL) && got == 2 && mz[0] == 'M' && mz[1] == 'Z';
    CloseHandle(f);
    check("attributes", ok);
}

static int opens_as(const char *path, HMODULE m)
{
    HANDLE f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (f == INVALID_HANDLE_VALUE)
        return 0;
    DWORD size = GetFileSize(f, NULL);
    CloseHandle(f);
    return size == nt_of(m)->OptionalHeader.SizeOfImage;
}

static void spellings(HMODULE k32)
{
    int ok = opens_as("\\\\?\\C:\\WINDOWS\\System32\\KERNEL32.DLL", k32) &&
             opens_as("c:/windows/system32/kernel32.dll", k32) &&
             opens_as("C:\\windows\\system32\\..\\system32\\.\\kernel32.dll", k32) &&
             opens_as("\\windows\\system32\\kernel32.dll", k32);
    ok = ok && LoadLibraryA("C:\\Windows\\System32\\kernel32.dll") == k32;
    check("spellings", ok);
}

static int denied(HANDLE h)
{
    DWORD e = GetLastError();
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    return h == INVALID_HANDLE_VALUE && e == ERROR_ACCESS_DENIED;
}

static void write_refused(const char *k32)
{
    int ok = denied(CreateFileA(k32, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL));
    ok = ok && denied(CreateFileA(k32, GENERIC_READ | GENERIC_WRITE, 7, NULL, OPEN_EXISTING, 0, NULL));
    ok = ok && denied(CreateFileA(k32, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL));
    ok = ok && denied(CreateFileA(k32, FILE_APPEND_DATA, 7, NULL, OPEN_ALWAYS, 0, NULL));
    SetLastError(0);
    ok = ok && !DeleteFileA(k32) && GetLastError() == ERROR_ACCESS_DENIED;
    check("write_refused", ok && GetFileAttributesA(k32) == FILE_ATTRIBUTE_ARCHIVE);
}

static void not_found(void)
{
    const char *p = "C:\\windows\\system32\\winvm-no-such.dll";
    SetLastError(0);
    HANDLE f = CreateFileA(p, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    int ok = f == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND;
    SetLastError(0);
    ok = ok && GetFileAttributesA(p) == INVALID_FILE_ATTRIBUTES && GetLastError() == ERROR_FILE_NOT_FOUND;
    SetLastError(0);
    f = CreateFileA("C:\\windows\\system32\\kernel32", GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    check("not_found", ok && f == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND);
}

static int names_k32(const char *n)
{
    size_t len = strlen(n);
    const char *tail = "\\windows\\system32\\kernel32.dll";
    return len > strlen(tail) && n[0] == '\\' && !_stricmp(n + len - strlen(tail), tail) && !strstr(n, "memfd");
}

static void mapped_name(const char *k32, HMODULE m)
{
    char a[MAX_PATH] = "", b[MAX_PATH] = "";
    HANDLE f = CreateFileA(k32, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE s = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    void *v = s ? MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0) : NULL;
    int ok = v && GetMappedFileNameA(GetCurrentProcess(), v, a, sizeof(a)) && names_k32(a);
    ok = ok && GetMappedFileNameA(GetCurrentProcess(), (char *)m + 0x1000, b, sizeof(b)) && names_k32(b) && !strcmp(a, b);
    if (!ok)
        printf("  names: '%s' '%s'\n", a, b);
    check("mapped_name", ok);
    /* The image first, a data view of its file second: the same file; not the other way round
     * (the first argument is File1MappedAsAnImage), and not another DLL's image. */
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    LONG(WINAPI * same)(PVOID, PVOID) = (LONG(WINAPI *)(PVOID, PVOID))GetProcAddress(nt, "NtAreMappedFilesTheSame");
    ok = v && same && same(m, v) == 0 && same((char *)m + 0x1000, (char *)v + 0x10) == 0 &&
         same(v, m) == (LONG)0xC00000D4 && same(nt, v) == (LONG)0xC00000D4;
    check("same_file_data_view", ok);
    if (v)
        UnmapViewOfFile(v);
    CloseHandle(s), CloseHandle(f);
}

typedef LONG(WINAPI *nt_close_fn)(HANDLE);

static void sec_image(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    char path[MAX_PATH];
    GetModuleFileNameA(nt, path, sizeof(path));
    HANDLE f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE s = CreateFileMappingA(f, NULL, SEC_IMAGE | PAGE_READONLY, 0, 0, NULL);
    char *v = s ? MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0) : NULL;
    CloseHandle(s), CloseHandle(f);
    MEMORY_BASIC_INFORMATION hdr = {0}, text = {0};
    IMAGE_SECTION_HEADER *sec = sections_of(nt_of(nt));
    int ok = v && VirtualQuery(v, &hdr, sizeof(hdr)) && VirtualQuery(v + sec->VirtualAddress, &text, sizeof(text));
    ok = ok && hdr.Type == MEM_IMAGE && hdr.AllocationBase == v && hdr.AllocationProtect == PAGE_EXECUTE_WRITECOPY &&
         hdr.Protect == PAGE_READONLY && text.Protect == PAGE_EXECUTE_READ && text.Type == MEM_IMAGE;
    ok = ok && (void *)v != (void *)nt && !memcmp(v, nt, 0x1000);
    check("sec_image", ok);
    /* As ntdll's test_syscalls: the copy of NtClose's stub in the new view still closes. */
    nt_close_fn close_stub = (nt_close_fn)GetProcAddress(nt, "NtClose");
    nt_close_fn copy = v ? (nt_close_fn)((char *)close_stub - (char *)nt + v) : NULL;
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
    ok = copy && !memcmp((void *)copy, (void *)close_stub, 16) && copy(e) == 0 && copy(e) == (LONG)0xC0000008;
    check("copied_stub", ok);
    /* NtAreMappedFilesTheSame: that view and the module are one file; two builtins are not. */
    LONG(WINAPI * same)(PVOID, PVOID) = (LONG(WINAPI *)(PVOID, PVOID))GetProcAddress(nt, "NtAreMappedFilesTheSame");
    HMODULE k32 = GetModuleHandleA("kernel32.dll");
    ok = same && v && same(v, nt) == 0 && same(nt, v + 0x1000) == 0 && same(k32, (char *)k32 + 0x1000) == 0 &&
         same(nt, k32) == (LONG)0xC00000D4 && same(v, k32) == (LONG)0xC00000D4;
    check("same_file", ok);
    /* A page written through PAGE_WRITECOPY is the view's own copy: PAGE_READWRITE after. */
    DWORD old = 0;
    MEMORY_BASIC_INFORMATION w = {0};
    ok = v && VirtualProtect(v, 0x1000, PAGE_WRITECOPY, &old) && old == PAGE_READONLY;
    if (ok)
        v[0x200] = 0x5a;
    ok = ok && VirtualQuery(v, &w, sizeof(w)) && w.Protect == PAGE_READWRITE && w.RegionSize == 0x1000 &&
         ((char *)nt)[0x200] != 0x5a;
    check("written_copy", ok);
    if (v)
        UnmapViewOfFile(v);
}

static void copy_file(const char *k32, HMODULE m)
{
    char dir[MAX_PATH], tmp[MAX_PATH];
    GetTempPathA(sizeof(dir), dir);
    GetTempFileNameA(dir, "sys", 0, tmp);
    int ok = CopyFileA(k32, tmp, FALSE) && file_is_image(tmp, m);
    check("copy_file", ok && DeleteFileA(tmp));
}

static void crt_open(const char *k32, DWORD size)
{
    char mz[2] = {0};
    struct _stat st;
    FILE *f = fopen(k32, "rb");
    int ok = f && fread(mz, 1, 2, f) == 2 && mz[0] == 'M' && mz[1] == 'Z';
    if (f)
        fclose(f);
    errno = 0;
    f = fopen(k32, "r+b");
    ok = ok && !f && errno == EACCES;
    if (f)
        fclose(f);
    ok = ok && _stat(k32, &st) == 0 && (DWORD)st.st_size == size;
    check("crt_open", ok);
}

static void find(const char *k32, DWORD size)
{
    WIN32_FIND_DATAA d;
    HANDLE h = FindFirstFileA(k32, &d);
    int ok = h != INVALID_HANDLE_VALUE && !strcmp(d.cFileName, "kernel32.dll") &&
             d.dwFileAttributes == FILE_ATTRIBUTE_ARCHIVE && d.nFileSizeLow == size;
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    int nt = 0, k = 0;
    h = FindFirstFileA("C:\\windows\\system32\\*.dll", &d);
    for (BOOL more = h != INVALID_HANDLE_VALUE; more; more = FindNextFileA(h, &d))
        nt += !strcmp(d.cFileName, "ntdll.dll"), k += !strcmp(d.cFileName, "kernel32.dll");
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    ok = ok && nt == 1 && k == 1;
    h = FindFirstFileA("C:\\windows\\sys*", &d);
    ok = ok && h != INVALID_HANDLE_VALUE && !strcmp(d.cFileName, "system32") &&
         (d.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && !FindNextFileA(h, &d);
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    SetLastError(0);
    h = FindFirstFileA("C:\\windows\\system32\\nosuch*.dll", &d);
    check("find", ok && h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND);
}

static int count_dll(const char *pattern, const char *name)
{
    WIN32_FIND_DATAA d;
    int n = 0;
    HANDLE h = FindFirstFileA(pattern, &d);
    for (BOOL more = h != INVALID_HANDLE_VALUE; more; more = FindNextFileA(h, &d))
        n += !strcmp(d.cFileName, name);
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    return n;
}

static int relative_names(void)
{
    char buf[MAX_PATH], crt[MAX_PATH];
    char mz[2] = {0};
    DWORD got = 0;
    HANDLE f = CreateFileA("kernel32.dll", GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    int ok = f != INVALID_HANDLE_VALUE && ReadFile(f, mz, 2, &got, NULL) && got == 2 && !memcmp(mz, "MZ", 2);
    if (f != INVALID_HANDLE_VALUE)
        CloseHandle(f);
    ok = ok && GetFullPathNameA("ntdll.dll", sizeof(buf), buf, NULL) &&
         !strcmp(buf, "C:\\windows\\system32\\ntdll.dll");
    ok = ok && _getcwd(crt, sizeof(crt)) && !strcmp(crt, "C:\\windows\\system32");
    ok = ok && denied(CreateFileA("winvm-new.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL));
    return ok && count_dll("*.dll", "kernel32.dll") == 1;
}

static void current_dir(const char *before)
{
    char buf[MAX_PATH];
    int ok = SetCurrentDirectoryA("C:\\WINDOWS\\system32") && GetCurrentDirectoryA(sizeof(buf), buf) &&
             !strcmp(buf, "C:\\windows\\system32") && relative_names();
    ok = ok && SetCurrentDirectoryA("..") && GetCurrentDirectoryA(sizeof(buf), buf) && !strcmp(buf, "C:\\windows");
    ok = ok && count_dll("sys*", "system32") == 1;
    ok = ok && SetCurrentDirectoryA(before) && GetCurrentDirectoryA(sizeof(buf), buf) && !strcmp(buf, before);
    check("current_dir", ok);
}

/* Runs "sysdir.exe cwd" from dir (NULL: this process's): its exit code. */
static DWORD child_in(const char *dir)
{
    char self[MAX_PATH], cmd[MAX_PATH + 8];
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" cwd", self);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    DWORD code = 99;
    if (!CreateProcessA(self, cmd, NULL, NULL, FALSE, 0, NULL, dir, &si, &pi))
        return 98;
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}

static void child_cwd(const char *before)
{
    int ok = SetCurrentDirectoryA("C:\\windows\\system32") && child_in(NULL) == 0;
    ok = SetCurrentDirectoryA(before) && ok && child_in("c:\\windows\\SYSTEM32") == 0;
    check("child_cwd", ok && child_in(NULL) == 1);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "cwd")) {
        char buf[MAX_PATH];
        return !(GetCurrentDirectoryA(sizeof(buf), buf) && !strcmp(buf, "C:\\windows\\system32"));
    }
    static const char *const dlls[] = {"ntdll.dll", "kernel32.dll", "advapi32.dll", "user32.dll", "msvcrt.dll"};
    char sys[MAX_PATH], k32[MAX_PATH];
    UINT n = GetSystemDirectoryA(sys, sizeof(sys));
    check("sysdir", n && !strcmp(sys, "C:\\windows\\system32") &&
                        GetFileAttributesA(sys) == FILE_ATTRIBUTE_DIRECTORY &&
                        (GetFileAttributesA("C:\\windows") & FILE_ATTRIBUTE_DIRECTORY) &&
                        GetFileAttributesA("C:\\windows\\system32\\") == FILE_ATTRIBUTE_DIRECTORY);
    for (size_t i = 0; i < sizeof(dlls) / sizeof(dlls[0]); i++)
        headers(dlls[i]);
    HMODULE m = GetModuleHandleA("kernel32.dll");
    snprintf(k32, sizeof(k32), "%s\\kernel32.dll", sys);
    attributes(k32, nt_of(m)->OptionalHeader.SizeOfImage);
    spellings(m);
    write_refused(k32);
    not_found();
    mapped_name(k32, m);
    sec_image();
    copy_file(k32, m);
    crt_open(k32, nt_of(m)->OptionalHeader.SizeOfImage);
    find(k32, nt_of(m)->OptionalHeader.SizeOfImage);
    char before[MAX_PATH];
    GetCurrentDirectoryA(sizeof(before), before);
    current_dir(before);
    child_cwd(before);
    return failures;
}
