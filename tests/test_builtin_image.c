/* SPDX-License-Identifier: MIT */
/* test_builtin_image.c - the builtin DLLs' generated PE images (loader/builtin.c): the module
 * handle is an image's base, the export directory parses and agrees with GetProcAddress, the
 * stubs jump to the export tables' functions, forwarders and data exports, the system path;
 * and the same from PE code (bimg.exe, tests/images/bimg.c lists its checks). */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"
#include <winvm/ntdll.h>

#include <criterion/criterion.h>
#include <string.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

struct find {
    const char *name;
    const wv_pe_export *hit;
    wv_pe_export copy;
    int named;
};

static int find_one(void *arg, const wv_pe_export *e)
{
    struct find *f = arg;
    f->named += e->name != NULL;
    if (e->name && !strcmp(e->name, f->name) && !f->hit)
        f->copy = *e, f->hit = &f->copy;
    return 0;
}

/* The export name of the image at h as the PE parser reads it, laid out. */
static const wv_pe_export *parsed_export(HMODULE h, const char *name, struct find *f)
{
    MEMORY_BASIC_INFORMATION mbi;
    cr_assert(VirtualQuery(h, &mbi, sizeof(mbi)));
    static wv_pe pe;
    uint32_t size;
    memcpy(&size, (char *)h + *(uint32_t *)((char *)h + 0x3c) + 24 + 56, 4);
    cr_assert_eq(wv_pe_parse_layout(&pe, h, size), 0, "%s", pe.reason);
    *f = (struct find){name, NULL, {0}, 0};
    cr_assert_eq(wv_pe_exports(&pe, find_one, f), 0);
    return f->hit;
}

Test(builtin_image, handle_is_an_image)
{
    HMODULE h = GetModuleHandleA("kernel32.dll");
    cr_assert_not_null(h);
    cr_assert_eq(memcmp(h, "MZ", 2), 0);
    MEMORY_BASIC_INFORMATION mbi;
    cr_assert(VirtualQuery(h, &mbi, sizeof(mbi)));
    cr_assert_eq(mbi.Type, MEM_IMAGE);
    cr_assert_eq(mbi.AllocationBase, (void *)h);
    cr_assert_eq(mbi.Protect, PAGE_READONLY);
    cr_assert_eq(GetModuleHandleA("KERNEL32"), h, "names are case-insensitive, .dll added");
    cr_assert_not_null(GetModuleHandleA("ntdll.dll"), "ntdll is there with kernel32");
}

Test(builtin_image, getprocaddress_is_the_exported_stub)
{
    HMODULE h = GetModuleHandleA("kernel32.dll");
    void *p = (void *)GetProcAddress(h, "CreateFileA");
    struct find f;
    const wv_pe_export *e = parsed_export(h, "CreateFileA", &f);
    cr_assert_not_null(e);
    cr_assert_null(e->forwarder);
    cr_assert_eq((char *)h + e->rva, (char *)p, "the directory gives what GetProcAddress gives");
    const uint8_t *s = p;
    static const uint8_t jmp[8] = {0xfc, 0xff, 0x25, 1, 0, 0, 0, 0xcc};
    cr_assert_eq(memcmp(s, jmp, 8), 0, "cld; jmp [rip+1]; int3");
    void *target;
    memcpy(&target, s + 8, 8);
    cr_assert_eq(target, wv_k32_lookup("CreateFileA"), "the stub goes to the table's function");
    MEMORY_BASIC_INFORMATION mbi;
    cr_assert(VirtualQuery(p, &mbi, sizeof(mbi)));
    cr_assert_eq(mbi.Protect, PAGE_EXECUTE_READ);
    int n = 0;
    while (wv_k32_name_at((size_t)n))
        n++;
    cr_assert_eq(f.named, n, "every kernel32 function is named in the directory");
}

typedef NTSTATUS (__attribute__((ms_abi)) *nt_close_fn)(HANDLE);

/* Calls close (a copy of NtClose's stub) on a fresh event twice: success, then the handle is
 * gone. */
static void close_twice(nt_close_fn close, const char *where)
{
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    cr_assert_not_null(ev);
    cr_assert_eq(close(ev), STATUS_SUCCESS, "%s", where);
    cr_assert_eq(close(ev), STATUS_INVALID_HANDLE, "%s: the first call closed it", where);
}

/* A stub is self-contained: its bytes copied to other executable memory, at any alignment,
 * still call the function (programs copy ntdll's syscall stubs, 32 bytes, and call the copy). */
Test(builtin_image, copied_stub_still_calls)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    void *stub = (void *)GetProcAddress(nt, "NtClose");
    cr_assert_not_null(stub);
    uint8_t *mem = VirtualAlloc(NULL, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    cr_assert_not_null(mem);
    memcpy(mem, stub, 32);
    close_twice((nt_close_fn)mem, "at a page's start");
    memcpy(mem + 0x805, stub, 32);
    DWORD old;
    cr_assert(VirtualProtect(mem, 0x1000, PAGE_EXECUTE_READ, &old), "and read-execute, unaligned");
    close_twice((nt_close_fn)(mem + 0x805), "at an odd address");
    close_twice((nt_close_fn)stub, "the stub itself");
    cr_assert(VirtualFree(mem, 0, MEM_RELEASE));
}

Test(builtin_image, forwarders_and_data)
{
    HMODULE k32 = GetModuleHandleA("kernel32.dll"), nt = GetModuleHandleA("ntdll.dll");
    struct find f;
    const wv_pe_export *e = parsed_export(k32, "RtlUnwind", &f);
    cr_assert(e && e->forwarder && !strcmp(e->forwarder, "NTDLL.RtlUnwind"));
    cr_assert_eq(GetProcAddress(k32, "RtlUnwind"), GetProcAddress(nt, "RtlUnwind"));
    HMODULE crt = LoadLibraryA("msvcrt.dll");
    cr_assert_not_null(crt);
    cr_assert_eq((void *)GetProcAddress(crt, "_iob"), wv_crt_lookup("_iob"), "a variable is itself");
    cr_assert_null(parsed_export(crt, "_iob", &f), "and not in the directory");
    cr_assert_not_null(parsed_export(crt, "printf", &f));
}

Test(builtin_image, by_ordinal_refused)
{
    HMODULE h = GetModuleHandleA("ws2_32.dll");
    cr_assert_not_null(h);
    SetLastError(0);
    cr_assert_null(GetProcAddress(h, (LPCSTR)115), "winvm's ordinals are not Windows'");
    cr_assert_eq(GetLastError(), ERROR_PROC_NOT_FOUND);
}

Test(builtin_image, system_path)
{
    HMODULE h = GetModuleHandleA("psapi.dll");
    char path[260];
    cr_assert_eq(GetModuleFileNameA(h, path, sizeof(path)), strlen("/windows/system32/psapi.dll"));
    cr_assert_str_eq(path, "/windows/system32/psapi.dll", "the public (host) form");
    cr_assert_eq(LoadLibraryA("C:\\windows\\system32\\psapi.dll"), h);
    cr_assert_eq(GetModuleHandleA("c:\\Windows\\System32\\PSAPI.DLL"), h);
    SetLastError(0);
    cr_assert_null(GetModuleHandleA("C:\\elsewhere\\psapi.dll"), "another directory's is another DLL");
    for (int i = 0; i < 4; i++)
        cr_assert(FreeLibrary(h));
    MEMORY_BASIC_INFORMATION mbi;
    cr_assert(VirtualQuery(h, &mbi, sizeof(mbi)));
    cr_assert_eq(mbi.Type, MEM_IMAGE, "a builtin is never unloaded");
}

Test(builtin_image, from_pe_code, .timeout = 60)
{
    static char out[8192];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/bimg.exe", out, sizeof(out));
    cr_assert_eq(oks, 35, "%s", out);
}
