/* SPDX-License-Identifier: MIT */
/* test_k32_ext.c - the kernel32 calls the real programs of issue 18 needed (k32_posio.c,
 * k32_heap.c, k32_diskfree.c, k32_modname.c, k32_compname.c): I/O at an OVERLAPPED's offset,
 * private heaps, GetDiskFreeSpace, the file APIs' code page, GetModuleFileName as PE code sees
 * it.  Each test works in a fresh directory under /tmp. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

static char dir[64];

static void enter(void)
{
    strcpy(dir, "/tmp/wvk32x-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(chdir(dir), 0);
}

static void leave(void)
{
    if (chdir("/") != 0)
        cr_log_warn("cannot leave %s", dir);
    tu_remove_tree(dir);
}

TestSuite(k32_ext, .init = enter, .fini = leave);

static HANDLE new_file(const char *name)
{
    HANDLE h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    return h;
}

Test(k32_ext, io_at_an_overlapped_offset)
{
    HANDLE h = new_file("f");
    OVERLAPPED o = {0};
    o.Offset = 8192;
    o.hEvent = CreateEventA(NULL, TRUE, FALSE, NULL);
    DWORD n = 0;
    cr_assert(WriteFile(h, "page two", 8, &n, &o));
    cr_assert_eq(n, 8);
    cr_assert_eq(o.Internal, 0);
    cr_assert_eq(o.InternalHigh, 8);
    cr_assert_eq(WaitForSingleObject(o.hEvent, 0), WAIT_OBJECT_0, "the event is set");
    LARGE_INTEGER size;
    cr_assert(GetFileSizeEx(h, &size));
    cr_assert_eq(size.QuadPart, 8200, "a hole before the page");
    cr_assert_eq(SetFilePointer(h, 0, NULL, FILE_CURRENT), 8200u, "the pointer follows the transfer");
    char buf[16] = {0};
    o.Offset = 8192 + 5;
    cr_assert(ReadFile(h, buf, sizeof(buf), &n, &o));
    cr_assert_eq(n, 3);
    cr_assert_str_eq(buf, "two");
    o.Offset = 8200; /* at the end: unlike a plain ReadFile, an error */
    SetLastError(0);
    cr_assert_not(ReadFile(h, buf, sizeof(buf), &n, &o));
    cr_assert_eq(GetLastError(), ERROR_HANDLE_EOF);
    cr_assert_eq(n, 0);
    cr_assert_eq(o.Internal, 0xC0000011u, "STATUS_END_OF_FILE");
    o.Offset = 0, o.OffsetHigh = 0;
    cr_assert(ReadFile(h, buf, 4, &n, &o));
    cr_assert_eq(memcmp(buf, "\0\0\0\0", 4), 0, "the hole reads as zeros");
    cr_assert_not(ReadFile(h, buf, 4, &n, (LPOVERLAPPED)8));
    cr_assert_eq(GetLastError(), ERROR_NOACCESS);
    cr_assert_not(ReadFile(NULL, buf, 4, &n, &o));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    CloseHandle(o.hEvent);
    CloseHandle(h);
}

Test(k32_ext, private_heaps)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    cr_assert_not_null(heap);
    cr_assert_neq(heap, GetProcessHeap());
    char *a = HeapAlloc(heap, HEAP_ZERO_MEMORY, 100), *b = HeapAlloc(heap, 0, 50);
    cr_assert(a && b);
    cr_assert_eq(a[99], 0);
    cr_assert_eq(HeapSize(heap, 0, a), 100);
    memset(a, 'a', 100);
    a = HeapReAlloc(heap, HEAP_ZERO_MEMORY, a, 4000);
    cr_assert(a && a[99] == 'a' && a[100] == 0 && a[3999] == 0);
    cr_assert_eq(HeapSize(heap, 0, a), 4000);
    cr_assert(HeapValidate(heap, 0, NULL));
    cr_assert(HeapValidate(heap, 0, a));
    char *other = HeapAlloc(GetProcessHeap(), 0, 64), local[64];
    cr_assert_not(HeapValidate(heap, 0, other), "the process heap's block is not this heap's");
    cr_assert_not(HeapValidate(heap, 0, local + 16));
    cr_assert_not(HeapFree(heap, 0, other), "nothing freed, no crash");
    cr_assert(HeapFree(GetProcessHeap(), 0, other));
    cr_assert(HeapFree(heap, 0, b));
    SetLastError(1);
    cr_assert_eq(HeapCompact(heap, 0), 0);
    cr_assert_eq(GetLastError(), NO_ERROR);
    cr_assert(HeapDestroy(heap), "frees a with it");
    cr_assert_not(HeapDestroy(heap));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert_null(HeapAlloc(heap, 0, 8), "a destroyed heap gives nothing");
    cr_assert_not(HeapValidate(heap, 0, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    /* A fixed-size heap: at most its maximum in blocks. */
    HANDLE fixed = HeapCreate(0, 4096, 8192);
    void *x = HeapAlloc(fixed, 0, 6000);
    cr_assert_not_null(x);
    cr_assert_null(HeapAlloc(fixed, 0, 4000));
    cr_assert(HeapFree(fixed, 0, x));
    cr_assert_not_null(HeapAlloc(fixed, 0, 4000));
    cr_assert(HeapDestroy(fixed));
}

Test(k32_ext, disk_free_space_in_clusters)
{
    DWORD spc = 0, bps = 0, freec = 0, total = 0;
    cr_assert(GetDiskFreeSpaceA(NULL, &spc, &bps, &freec, &total));
    struct statvfs v;
    cr_assert_eq(statvfs(".", &v), 0);
    cr_assert_eq(bps, 512);
    cr_assert_eq((unsigned long)spc * bps, v.f_frsize >= 512 ? v.f_frsize : 512);
    cr_assert_geq(total, freec);
    WCHAR root[] = {'C', ':', '\\', 0};
    cr_assert(GetDiskFreeSpaceW(root, &spc, &bps, NULL, NULL));
    cr_assert_not(GetDiskFreeSpaceA("C:\\no\\such\\dir\\", &spc, &bps, &freec, &total));
    cr_assert_eq(GetLastError(), ERROR_PATH_NOT_FOUND);
    cr_assert_not(GetDiskFreeSpaceA(NULL, (LPDWORD)8, &bps, &freec, &total));
    cr_assert_eq(GetLastError(), ERROR_NOACCESS);
}

Test(k32_ext, file_apis_code_page)
{
    cr_assert(AreFileApisANSI());
    SetFileApisToOEM();
    cr_assert_not(AreFileApisANSI());
    SetFileApisToANSI();
    cr_assert(AreFileApisANSI());
}

/* PE code's GetModuleFileNameA (the export table's) gives the Windows form; the public one,
 * for Linux callers, the host path. */
Test(k32_ext, module_file_name_windows_form_for_pe_code)
{
    HMODULE h = LoadLibraryA("zlib1.dll");
    if (!h)
        cr_skip_test("zlib1.dll is missing: scripts/bootstrap.sh installs libz-mingw-w64");
    typedef DWORD(__attribute__((ms_abi)) * name_fn)(HMODULE, LPSTR, DWORD);
    name_fn pe = (name_fn)wv_k32_lookup("GetModuleFileNameA");
    char host[300], win[300];
    cr_assert_gt(GetModuleFileNameA(h, host, sizeof(host)), 0);
    DWORD n = pe(h, win, sizeof(win));
    cr_assert_eq(n, strlen(host) + 2);
    cr_assert_eq(win[0], 'C');
    cr_assert_eq(win[1], ':');
    for (char *p = host; *p; p++)
        if (*p == '/')
            *p = '\\';
    cr_assert_str_eq(win + 2, host);
    cr_assert_eq(pe(h, win, 5), 5, "too small: the size");
    cr_assert_eq(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    cr_assert_str_eq(win, "C:\\u");
    HMODULE again = LoadLibraryA("C:\\usr\\x86_64-w64-mingw32\\lib\\zlib1.dll");
    cr_assert_eq(again, h, "LoadLibrary takes the Windows form");
    FreeLibrary(again);
    FreeLibrary(h);
}
