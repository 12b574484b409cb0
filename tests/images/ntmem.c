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
 *   sysbasic   NtQuerySystemInformation(SystemBasicInformation): 0x40 bytes exactly (more is
 *              STATUS_INFO_LENGTH_MISMATCH), its processors and page size GetSystemInfo's
 *   sysclass   an unknown class: STATUS_INVALID_INFO_CLASS; a NULL buffer: STATUS_ACCESS_VIOLATION
 *   sysproc    SystemProcessInformation: the length needed, then this process in the list
 *   perfinfo   GetPerformanceInfo's PhysicalTotal is SystemBasicInformation's page count
 *   realhandle OpenProcess(own pid): GetProcessMemoryInfo, GetMappedFileNameA (the EXE),
 *              QueryWorkingSetEx, VirtualQueryEx, NtAllocate/NtFreeVirtualMemory work as with
 *              the pseudo handle; without PROCESS_VM_OPERATION the allocation is
 *              STATUS_ACCESS_DENIED, without PROCESS_QUERY_INFORMATION the name ERROR_ACCESS_DENIED
 *   prefetch   kernelbase's PrefetchVirtualMemory (by GetProcAddress, as programs find it) of a
 *              committed untouched page: TRUE, the page still out of the working set and zero;
 *              0 entries: ERROR_INVALID_PARAMETER; ntdll's NtSetInformationVirtualMemory with
 *              class 99: STATUS_INVALID_PARAMETER_2
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef LONG NTSTATUS;
__declspec(dllimport) NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE, PVOID *, ULONG_PTR, PSIZE_T, ULONG, ULONG);
__declspec(dllimport) NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE, PVOID *, PSIZE_T, ULONG);
__declspec(dllimport) NTSTATUS NTAPI NtProtectVirtualMemory(HANDLE, PVOID *, PSIZE_T, ULONG, PULONG);
__declspec(dllimport) NTSTATUS NTAPI NtQueryVirtualMemory(HANDLE, PVOID, int, PVOID, SIZE_T, PSIZE_T);
__declspec(dllimport) ULONG NTAPI RtlNtStatusToDosError(NTSTATUS);
__declspec(dllimport) BOOL WINAPI K32QueryWorkingSetEx(HANDLE, PVOID, DWORD);
__declspec(dllimport) NTSTATUS NTAPI NtQuerySystemInformation(int, PVOID, ULONG, PULONG);

struct basic { /* SYSTEM_BASIC_INFORMATION, x64 */
    ULONG reserved, timer, page_size, pages, lowest, highest, granularity;
    ULONG_PTR min_addr, max_addr, mask;
    char processors;
};
struct proc { /* the start of SYSTEM_PROCESS_INFORMATION */
    ULONG next, threads;
    char skip[0x50 - 8];
    HANDLE pid;
};

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

static void check_sysinfo(void)
{
    struct basic b;
    char big[2 * sizeof(b)];
    ULONG len = 0;
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    NTSTATUS st = NtQuerySystemInformation(0, &b, sizeof(b), &len);
    NTSTATUS st2 = NtQuerySystemInformation(0, big, sizeof(big), NULL);
    check("sysbasic", st == 0 && len == 0x40 && sizeof(b) == 0x40 && st2 == (NTSTATUS)0xC0000004 &&
                          (DWORD)b.processors == si.dwNumberOfProcessors && b.page_size == si.dwPageSize &&
                          b.granularity == si.dwAllocationGranularity,
          (unsigned)st);
    st = NtQuerySystemInformation(1000, &b, sizeof(b), &len);
    st2 = NtQuerySystemInformation(0, NULL, sizeof(b), NULL);
    check("sysclass", st == (NTSTATUS)0xC0000003 && st2 == (NTSTATUS)0xC0000005, (unsigned)st);
    len = 0;
    st = NtQuerySystemInformation(5, NULL, 0, &len);
    int found = 0;
    char *buf = len ? malloc(len + 65536) : NULL;
    if (buf && st == (NTSTATUS)0xC0000004 && NtQuerySystemInformation(5, buf, len + 65536, &len) == 0)
        for (struct proc *e = (struct proc *)buf;; e = (struct proc *)((char *)e + e->next)) {
            found |= (DWORD)(ULONG_PTR)e->pid == GetCurrentProcessId() && e->threads >= 1;
            if (!e->next)
                break;
        }
    free(buf);
    check("sysproc", found, (unsigned)st);
    PERFORMANCE_INFORMATION pi;
    check("perfinfo", GetPerformanceInfo(&pi, sizeof(pi)) && pi.PhysicalTotal == b.pages && pi.PageSize == 4096,
          GetLastError());
}

typedef BOOL(WINAPI *prefetch_fn)(HANDLE, ULONG_PTR, WIN32_MEMORY_RANGE_ENTRY *, ULONG);
typedef NTSTATUS(NTAPI *setvm_fn)(HANDLE, int, ULONG_PTR, WIN32_MEMORY_RANGE_ENTRY *, PVOID, ULONG);

static void check_prefetch(void)
{
    prefetch_fn prefetch = (prefetch_fn)GetProcAddress(GetModuleHandleA("kernelbase.dll"), "PrefetchVirtualMemory");
    setvm_fn setvm = (setvm_fn)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtSetInformationVirtualMemory");
    char *p = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!prefetch || !setvm || !p) {
        check("prefetch", 0, (ULONG_PTR)prefetch);
        return;
    }
    WIN32_MEMORY_RANGE_ENTRY e = {p + 0x3000, 0x1000};
    BOOL ok = prefetch(GetCurrentProcess(), 1, &e, 0);
    PSAPI_WORKING_SET_EX_INFORMATION ws = {p + 0x3000};
    BOOL q = QueryWorkingSetEx(GetCurrentProcess(), &ws, sizeof(ws));
    SetLastError(0xdeadbeef);
    BOOL none = prefetch(GetCurrentProcess(), 0, &e, 0);
    DWORD err = GetLastError();
    ULONG flags = 0;
    NTSTATUS st = setvm(GetCurrentProcess(), 99, 1, &e, &flags, sizeof(flags));
    check("prefetch", ok && q && !ws.VirtualAttributes.Valid && p[0x3000] == 0 && !none &&
                          err == ERROR_INVALID_PARAMETER && st == (NTSTATUS)0xC00000F0,
          ws.VirtualAttributes.Flags);
    VirtualFree(p, 0, MEM_RELEASE);
}

static void check_real_handle(void)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | PROCESS_VM_OPERATION, FALSE,
                           GetCurrentProcessId());
    HANDLE q = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, GetCurrentProcessId());
    HANDLE s = OpenProcess(SYNCHRONIZE, FALSE, GetCurrentProcessId());
    PROCESS_MEMORY_COUNTERS pmc;
    char name[MAX_PATH], name2[MAX_PATH];
    PSAPI_WORKING_SET_EX_INFORMATION ws = {.VirtualAddress = (PVOID)&failures};
    MEMORY_BASIC_INFORMATION m;
    int ok = h && q && s && GetProcessMemoryInfo(h, &pmc, sizeof(pmc)) && pmc.WorkingSetSize > 0;
    DWORD n = GetMappedFileNameA(h, GetModuleHandleA(NULL), name, sizeof(name));
    ok = ok && n && n == GetMappedFileNameA((HANDLE)-1, GetModuleHandleA(NULL), name2, sizeof(name2)) &&
         !strcmp(name, name2) && strstr(name, "ntmem.exe");
    ok = ok && QueryWorkingSetEx(h, &ws, sizeof(ws)) && ws.VirtualAttributes.Valid;
    ok = ok && VirtualQueryEx(h, &failures, &m, sizeof(m)) == sizeof(m) && m.State == MEM_COMMIT;
    PVOID base = NULL;
    SIZE_T size = 0x10000;
    ok = ok && NtAllocateVirtualMemory(h, &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == 0;
    size = 0;
    ok = ok && NtFreeVirtualMemory(h, &base, &size, MEM_RELEASE) == 0 && size == 0x10000;
    PVOID none = NULL;
    size = 0x10000;
    NTSTATUS st = NtAllocateVirtualMemory(q, &none, 0, &size, MEM_RESERVE, PAGE_READWRITE);
    SetLastError(0);
    ok = ok && st == (NTSTATUS)0xC0000022 && !none && !GetMappedFileNameA(s, GetModuleHandleA(NULL), name, sizeof(name)) &&
         GetLastError() == ERROR_ACCESS_DENIED;
    check("realhandle", ok, (unsigned)st);
    CloseHandle(h), CloseHandle(q), CloseHandle(s);
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
    check_sysinfo();
    check_real_handle();
    check_prefetch();
    return failures;
}
