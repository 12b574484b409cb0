/* SPDX-License-Identifier: MIT */
/* ringbuf.c - ringbuf.exe: the placeholder ring buffer built by PE code.  VirtualAlloc2,
 * MapViewOfFile3 and UnmapViewOfFile2 are found with GetProcAddress in kernelbase.dll (as
 * programs do, mingw's import libraries lack them), UnmapViewOfFileEx is imported from
 * kernel32.dll, NtAllocateVirtualMemoryEx and NtMapViewOfSectionEx from ntdll.dll.  mingw-w64,
 * default CRT.  Output, one line each ("ok NAME" or "FAIL NAME ..."); exit code = failures:
 *   procs      the three kernelbase entries resolve, and ZwAllocateVirtualMemoryEx in ntdll
 *   reserve    a 2*N placeholder: MEM_RESERVE, MEM_PRIVATE, PAGE_NOACCESS, 2*N bytes
 *   split      VirtualFree(MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER) of its first half
 *   map        one N-byte pagefile section mapped into both halves (MEM_REPLACE_PLACEHOLDER)
 *   wrap       bytes written past the end of the first view read back at its start
 *   unmap      both views unmapped back into placeholders (UnmapViewOfFile2, UnmapViewOfFileEx)
 *   coalesce   MEM_COALESCE_PLACEHOLDERS joins them; MEM_RELEASE frees the range
 *   ntex       NtAllocateVirtualMemoryEx makes a placeholder, NtMapViewOfSectionEx replaces it
 *   conflict   splitting a whole placeholder: STATUS_CONFLICTING_ADDRESSES, error 487 in Win32
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef LONG NTSTATUS;
#ifndef MEM_RESERVE_PLACEHOLDER
#define MEM_RESERVE_PLACEHOLDER 0x00040000
#define MEM_REPLACE_PLACEHOLDER 0x00004000
#endif
#ifndef MEM_PRESERVE_PLACEHOLDER
#define MEM_PRESERVE_PLACEHOLDER 0x00000002
#define MEM_COALESCE_PLACEHOLDERS 0x00000001
#endif

typedef PVOID(WINAPI *alloc2_fn)(HANDLE, PVOID, SIZE_T, ULONG, ULONG, void *, ULONG);
typedef PVOID(WINAPI *map3_fn)(HANDLE, HANDLE, PVOID, ULONG64, SIZE_T, ULONG, ULONG, void *, ULONG);
typedef BOOL(WINAPI *unmap2_fn)(HANDLE, PVOID, ULONG);
__declspec(dllimport) BOOL WINAPI UnmapViewOfFileEx(PVOID, ULONG);
__declspec(dllimport) NTSTATUS NTAPI NtAllocateVirtualMemoryEx(HANDLE, PVOID *, PSIZE_T, ULONG, ULONG, void *, ULONG);
__declspec(dllimport) NTSTATUS NTAPI NtMapViewOfSectionEx(HANDLE, HANDLE, PVOID *, LARGE_INTEGER *, PSIZE_T, ULONG,
                                                          ULONG, void *, ULONG);
__declspec(dllimport) NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE, PVOID *, PSIZE_T, ULONG);

#define N 0x10000

static int failures;

static void check(const char *name, int ok, unsigned long long detail)
{
    if (ok)
        printf("ok %s\n", name);
    else {
        printf("FAIL %s %#llx\n", name, detail);
        failures++;
    }
}

static int is_placeholder(const void *p, SIZE_T size)
{
    MEMORY_BASIC_INFORMATION m;
    return VirtualQuery(p, &m, sizeof(m)) == sizeof(m) && m.State == MEM_RESERVE && m.Type == MEM_PRIVATE &&
           m.AllocationProtect == PAGE_NOACCESS && m.RegionSize == size && m.AllocationBase == p;
}

static void nt_forms(HANDLE section)
{
    HANDLE self = GetCurrentProcess();
    PVOID base = NULL;
    SIZE_T size = N;
    NTSTATUS st = NtAllocateVirtualMemoryEx(self, &base, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER,
                                            PAGE_NOACCESS, NULL, 0);
    PVOID at = base;
    LARGE_INTEGER off;
    off.QuadPart = 0;
    NTSTATUS st2 = NtMapViewOfSectionEx(section, self, &at, &off, &size, MEM_REPLACE_PLACEHOLDER,
                                        PAGE_READWRITE, NULL, 0);
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(base, &m, sizeof(m));
    check("ntex", st == 0 && st2 == 0 && at == base && m.Type == MEM_MAPPED, (unsigned)(st | st2));
    UnmapViewOfFile(at);

    base = NULL;
    size = N;
    NtAllocateVirtualMemoryEx(self, &base, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, NULL, 0);
    st = NtFreeVirtualMemory(self, &base, &size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER);
    SetLastError(0);
    BOOL ok = VirtualFree(base, N, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER);
    check("conflict", st == (NTSTATUS)0xC0000018 && !ok && GetLastError() == 487 && is_placeholder(base, N),
          (unsigned)st);
    VirtualFree(base, 0, MEM_RELEASE);
}

int main(void)
{
    HMODULE kb = GetModuleHandleA("kernelbase.dll");
    alloc2_fn alloc2 = (alloc2_fn)GetProcAddress(kb, "VirtualAlloc2");
    map3_fn map3 = (map3_fn)GetProcAddress(kb, "MapViewOfFile3");
    unmap2_fn unmap2 = (unmap2_fn)GetProcAddress(kb, "UnmapViewOfFile2");
    FARPROC zw = GetProcAddress(GetModuleHandleA("ntdll.dll"), "ZwAllocateVirtualMemoryEx");
    check("procs", alloc2 && map3 && unmap2 && zw, 0);
    if (!alloc2 || !map3 || !unmap2)
        return failures;

    char *ph = alloc2(NULL, NULL, 2 * N, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, NULL, 0);
    check("reserve", ph && is_placeholder(ph, 2 * N), (ULONG_PTR)ph);
    BOOL split = VirtualFree(ph, N, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER);
    check("split", split && is_placeholder(ph, N) && is_placeholder(ph + N, N), GetLastError());

    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, N, NULL);
    char *v1 = map3(s, GetCurrentProcess(), ph, 0, N, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0);
    char *v2 = map3(s, NULL, ph + N, 0, N, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0);
    check("map", v1 == ph && v2 == ph + N, GetLastError());
    if (v1 != ph || v2 != ph + N)
        return failures;

    volatile char *w = v1;
    const char msg[] = "wrapped around";
    for (size_t i = 0; i < sizeof(msg); i++)
        w[N - 4 + i] = msg[i];
    check("wrap", memcmp((const char *)w, msg + 4, sizeof(msg) - 4) == 0, (unsigned char)w[0]);

    BOOL u1 = unmap2(GetCurrentProcess(), v1, MEM_PRESERVE_PLACEHOLDER);
    BOOL u2 = UnmapViewOfFileEx(v2, MEM_PRESERVE_PLACEHOLDER);
    check("unmap", u1 && u2 && is_placeholder(ph, N) && is_placeholder(ph + N, N), GetLastError());

    BOOL c = VirtualFree(ph, 2 * N, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS);
    int joined = is_placeholder(ph, 2 * N);
    MEMORY_BASIC_INFORMATION m;
    BOOL r = VirtualFree(ph, 0, MEM_RELEASE);
    VirtualQuery(ph, &m, sizeof(m));
    check("coalesce", c && joined && r && m.State == MEM_FREE, GetLastError());

    nt_forms(s);
    CloseHandle(s);
    return failures;
}
