/* SPDX-License-Identifier: MIT */
/* ntmem.c - ntmem.exe: ntdll's memory calls and psapi's working-set query called by PE code
 * (imports of ntdll.dll, psapi.dll and kernel32's K32 forms).  mingw-w64, default CRT.
 * Output, one line each ("ok NAME" or "FAIL NAME ..."); exit code = number of failures:
 *   alloc      NtAllocateVirtualMemory(64 KiB reserve+commit) = 0, base 64 KiB aligned, size written back
 *   query      NtQueryVirtualMemory(MemoryBasicInformation) reports it committed READWRITE
 *   protect    NtProtectVirtualMemory(first page, READONLY): old READWRITE
 *   badclass   class 99: STATUS_INVALID_INFO_CLASS (0xC0000003)
 *   wsex       after a write, QueryWorkingSetEx (psapi) and K32QueryWorkingSetEx: Valid, private
 *   free       NtFreeVirtualMemory(MEM_RELEASE) = 0 and the size written back is 64 KiB
 *   dos        RtlNtStatusToDosError(STATUS_CONFLICTING_ADDRESSES) = 487
 *   meminfo    GetProcessMemoryInfo: WorkingSetSize > 0
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>

typedef LONG NTSTATUS;
__declspec(dllimport) NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE, PVOID *, ULONG_PTR, PSIZE_T, ULONG, ULONG);
__declspec(dllimport) NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE, PVOID *, PSIZE_T, ULONG);
__declspec(dllimport) NTSTATUS NTAPI NtProtectVirtualMemory(HANDLE, PVOID *, PSIZE_T, ULONG, PULONG);
__declspec(dllimport) NTSTATUS NTAPI NtQueryVirtualMemory(HANDLE, PVOID, int, PVOID, SIZE_T, PSIZE_T);
__declspec(dllimport) ULONG NTAPI RtlNtStatusToDosError(NTSTATUS);
__declspec(dllimport) BOOL WINAPI K32QueryWorkingSetEx(HANDLE, PVOID, DWORD);

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

int main(void)
{
    HANDLE self = (HANDLE)-1;
    PVOID base = NULL;
    SIZE_T size = 0x10000;
    NTSTATUS st = NtAllocateVirtualMemory(self, &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    check("alloc", st == 0 && base && ((ULONG_PTR)base & 0xffff) == 0 && size == 0x10000, (unsigned)st);

    MEMORY_BASIC_INFORMATION m;
    SIZE_T len = 0;
    st = NtQueryVirtualMemory(self, base, 0, &m, sizeof(m), &len);
    check("query", st == 0 && len == sizeof(m) && m.State == MEM_COMMIT && m.Protect == PAGE_READWRITE, (unsigned)st);

    PVOID p = base;
    SIZE_T one = 0x1000;
    ULONG old = 0;
    st = NtProtectVirtualMemory(self, &p, &one, PAGE_READONLY, &old);
    check("protect", st == 0 && old == PAGE_READWRITE, (unsigned)st);

    st = NtQueryVirtualMemory(self, base, 99, &m, sizeof(m), &len);
    check("badclass", st == (NTSTATUS)0xC0000003, (unsigned)st);

    ((volatile char *)base)[0x2000] = 1;
    PSAPI_WORKING_SET_EX_INFORMATION ws[2];
    ws[0].VirtualAddress = (char *)base + 0x2000;
    ws[1].VirtualAddress = (char *)base + 0x2000;
    BOOL a = QueryWorkingSetEx(self, &ws[0], sizeof(ws[0]));
    BOOL b = K32QueryWorkingSetEx(self, &ws[1], sizeof(ws[1]));
    check("wsex", a && b && ws[0].VirtualAttributes.Valid && !ws[0].VirtualAttributes.Shared &&
                      ws[1].VirtualAttributes.Valid && ws[0].VirtualAttributes.Win32Protection == PAGE_READWRITE,
          ws[0].VirtualAttributes.Flags);

    size = 0;
    st = NtFreeVirtualMemory(self, &base, &size, MEM_RELEASE);
    check("free", st == 0 && size == 0x10000, (unsigned)st);

    check("dos", RtlNtStatusToDosError((NTSTATUS)0xC0000018) == 487, 0);

    PROCESS_MEMORY_COUNTERS pmc;
    check("meminfo", GetProcessMemoryInfo(self, &pmc, sizeof(pmc)) && pmc.WorkingSetSize > 0, 0);
    return failures;
}
