/* SPDX-License-Identifier: MIT */
/* test_selfhandle.c - the process-memory calls with a real handle to the current process
 * (OpenProcess of its own pid, DuplicateHandle of the pseudo handle) answer as with the pseudo
 * handle, after the access checks Windows makes: the Nt memory calls PROCESS_VM_OPERATION,
 * NtQueryVirtualMemory (so QueryWorkingSet(Ex), GetMappedFileName, VirtualQueryEx)
 * PROCESS_QUERY_INFORMATION, GetProcessMemoryInfo PROCESS_QUERY_INFORMATION or
 * PROCESS_QUERY_LIMITED_INFORMATION, EmptyWorkingSet PROCESS_SET_QUOTA; a right missing is
 * ERROR_ACCESS_DENIED / STATUS_ACCESS_DENIED.  Facts: Wine's psapi_main.c (hpSR, hpQI, hpQV:
 * handles to its own pid).  PE code's side: tests/images/ntmem.c. */
#define _GNU_SOURCE
#include "testutil.h"
#include <winvm/psapi.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SR 0x000F0000 /* STANDARD_RIGHTS_REQUIRED */

static HANDLE open_self(DWORD access)
{
    HANDLE h = OpenProcess(access, FALSE, GetCurrentProcessId());
    cr_assert_not_null(h, "OpenProcess(%#x): %u", access, GetLastError());
    return h;
}

Test(selfhandle, psapi_queries_with_their_rights)
{
    HANDLE sr = open_self(SR), qi = open_self(PROCESS_QUERY_INFORMATION);
    HANDLE lim = open_self(PROCESS_QUERY_LIMITED_INFORMATION);
    PROCESS_MEMORY_COUNTERS pmc;
    SetLastError(0);
    cr_assert_not(GetProcessMemoryInfo(sr, &pmc, sizeof(pmc)));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    cr_assert_not(GetProcessMemoryInfo(qi, &pmc, sizeof(pmc) - 1));
    cr_assert_eq(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    cr_assert(GetProcessMemoryInfo(qi, &pmc, sizeof(pmc)), "%u", GetLastError());
    cr_assert_gt(pmc.WorkingSetSize, 0);
    cr_assert(GetProcessMemoryInfo(lim, &pmc, sizeof(pmc)), "the limited right is enough: %u", GetLastError());
    cr_assert_not(GetProcessMemoryInfo(NULL, &pmc, sizeof(pmc)));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);

    /* A file view: its name through either handle. */
    char path[] = "/tmp/winvm-selfhandle-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 0x4000), 0);
    close(fd);
    HANDLE f = CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    char *base = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(base);
    char a[512], b[512];
    DWORD na = GetMappedFileNameA(GetCurrentProcess(), base, a, sizeof(a));
    cr_assert_gt(na, 0);
    cr_assert_eq(GetMappedFileNameA(qi, base, b, sizeof(b)), na, "%u", GetLastError());
    cr_assert_str_eq(a, b);
    WCHAR w[512];
    cr_assert_eq(GetMappedFileNameW(qi, base, w, 512), na);
    SetLastError(0);
    cr_assert_eq(GetMappedFileNameA(sr, base, b, sizeof(b)), 0);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    cr_assert_eq(GetMappedFileNameA(lim, base, b, sizeof(b)), 0);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED, "NtQueryVirtualMemory wants PROCESS_QUERY_INFORMATION");

    /* The working set: the view's touched page is in it, through either handle. */
    volatile char c = base[0x1000];
    (void)c;
    PSAPI_WORKING_SET_EX_INFORMATION x = {.VirtualAddress = base + 0x1000};
    cr_assert(QueryWorkingSetEx(qi, &x, sizeof(x)), "%u", GetLastError());
    cr_assert(x.VirtualAttributes.Valid);
    cr_assert_not(QueryWorkingSetEx(sr, &x, sizeof(x)));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    static char ws[1 << 20];
    cr_assert(QueryWorkingSet(qi, ws, sizeof(ws)), "%u", GetLastError());
    cr_assert_gt(((PSAPI_WORKING_SET_INFORMATION *)ws)->NumberOfEntries, 0);

    MEMORY_BASIC_INFORMATION mb1, mb2;
    memset(&mb1, 0, sizeof(mb1)), memset(&mb2, 0, sizeof(mb2)); /* the padding too */
    cr_assert_eq(VirtualQueryEx(qi, base, &mb2, sizeof(mb2)), sizeof(mb2), "%u", GetLastError());
    cr_assert_eq(VirtualQuery(base, &mb1, sizeof(mb1)), sizeof(mb1));
    cr_assert_eq(mb1.BaseAddress, mb2.BaseAddress);
    cr_assert_eq(mb1.AllocationBase, mb2.AllocationBase);
    cr_assert_eq(mb1.AllocationProtect, mb2.AllocationProtect);
    cr_assert_eq(mb1.RegionSize, mb2.RegionSize);
    cr_assert_eq(mb1.State, mb2.State);
    cr_assert_eq(mb1.Protect, mb2.Protect, "%#x %#x", mb1.Protect, mb2.Protect);
    cr_assert_eq(mb1.Type, mb2.Type);

    cr_assert_not(EmptyWorkingSet(qi));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED, "EmptyWorkingSet wants PROCESS_SET_QUOTA");
    HANDLE quota = open_self(PROCESS_SET_QUOTA | PROCESS_QUERY_INFORMATION);
    cr_assert(EmptyWorkingSet(quota), "%u", GetLastError());

    UnmapViewOfFile(base);
    CloseHandle(m), CloseHandle(f), unlink(path);
    CloseHandle(sr), CloseHandle(qi), CloseHandle(lim), CloseHandle(quota);
}

Test(selfhandle, nt_memory_calls_with_a_duplicated_handle)
{
    HANDLE all, query = open_self(PROCESS_QUERY_INFORMATION);
    cr_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), &all, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
    PVOID base = NULL;
    SIZE_T size = 0x10000;
    cr_assert_eq(NtAllocateVirtualMemory(all, &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    ((volatile char *)base)[0] = 1;
    PVOID p = base;
    SIZE_T one = 0x1000;
    ULONG old = 0;
    cr_assert_eq(NtProtectVirtualMemory(all, &p, &one, PAGE_READONLY, &old), STATUS_SUCCESS);
    cr_assert_eq(old, PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION mbi;
    SIZE_T len = 0;
    cr_assert_eq(NtQueryVirtualMemory(query, base, MemoryBasicInformation, &mbi, sizeof(mbi), &len), STATUS_SUCCESS);
    cr_assert_eq(mbi.Protect, PAGE_READONLY);
    cr_assert_eq(len, sizeof(mbi));
    char buf[4];
    SIZE_T done = 0;
    cr_assert_eq(NtReadVirtualMemory(all, base, buf, 1, &done), STATUS_SUCCESS);
    cr_assert_eq(buf[0], 1);
    /* The rights: a query handle may not change memory; a handle without the query right may
     * not query; the right missing is said before anything is done. */
    PVOID q = NULL;
    SIZE_T qs = 0x10000;
    cr_assert_eq(NtAllocateVirtualMemory(query, &q, 0, &qs, MEM_RESERVE, PAGE_READWRITE), STATUS_ACCESS_DENIED);
    cr_assert_null(q);
    p = base, one = 0x1000;
    cr_assert_eq(NtProtectVirtualMemory(query, &p, &one, PAGE_READWRITE, &old), STATUS_ACCESS_DENIED);
    HANDLE op = open_self(PROCESS_VM_OPERATION);
    cr_assert_eq(NtQueryVirtualMemory(op, base, MemoryBasicInformation, &mbi, sizeof(mbi), &len),
                 STATUS_ACCESS_DENIED);
    p = base, one = 0x1000;
    cr_assert_eq(NtLockVirtualMemory(query, &p, &one, 1), STATUS_ACCESS_DENIED);
    cr_assert_eq(NtLockVirtualMemory(op, &p, &one, 1), STATUS_SUCCESS);
    cr_assert_eq(NtUnlockVirtualMemory(op, &p, &one, 1), STATUS_SUCCESS);
    size = 0;
    cr_assert_eq(NtFreeVirtualMemory(query, &base, &size, MEM_RELEASE), STATUS_ACCESS_DENIED);
    cr_assert_eq(NtFreeVirtualMemory(op, &base, &size, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(size, 0x10000);
    /* Not a process handle at all. */
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    cr_assert_eq(NtQueryVirtualMemory(ev, &mbi, MemoryBasicInformation, &mbi, sizeof(mbi), &len),
                 STATUS_INVALID_HANDLE);
    CloseHandle(ev), CloseHandle(op), CloseHandle(query), CloseHandle(all);
}

/* Generic rights are mapped at every open and duplicate, as Windows' process type maps them
 * (om.c's PROCESS_GENERIC_*): a GENERIC_READ handle may read memory but not allocate, a
 * GENERIC_WRITE one the reverse, GENERIC_ALL and MAXIMUM_ALLOWED everything. */
Test(selfhandle, generic_rights_are_the_process_rights_they_stand_for)
{
    static const struct {
        DWORD ask, granted;
        bool read, alloc;
    } want[] = {
        {GENERIC_READ, 0x20410, true, false},       {GENERIC_WRITE, 0x20bea, false, true},
        {GENERIC_EXECUTE, 0x121001, false, false},  {GENERIC_ALL, PROCESS_ALL_ACCESS, true, true},
        {MAXIMUM_ALLOWED, PROCESS_ALL_ACCESS, true, true},
    };
    static char data[8] = "granted";
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        HANDLE h = open_self(want[i].ask), d = NULL;
        OBJECT_BASIC_INFORMATION b;
        cr_assert_eq(NtQueryObject(h, ObjectBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
        cr_assert_eq(b.GrantedAccess, want[i].granted, "%#x: granted %#x", want[i].ask, b.GrantedAccess);
        char got[8] = {0};
        SIZE_T n = 0;
        SetLastError(0);
        cr_assert_eq(ReadProcessMemory(h, data, got, sizeof(got), &n), want[i].read, "%#x", want[i].ask);
        cr_assert(want[i].read ? !memcmp(got, data, 8) : GetLastError() == ERROR_ACCESS_DENIED);
        void *p = VirtualAllocEx(h, NULL, 0x1000, MEM_COMMIT, PAGE_READWRITE);
        cr_assert_eq(p != NULL, want[i].alloc, "%#x: %u", want[i].ask, GetLastError());
        if (p)
            cr_assert(VirtualFreeEx(h, p, 0, MEM_RELEASE));
        /* The same mapping when a duplicate asks: within what the source holds. */
        cr_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), &d, want[i].ask,
                                  FALSE, 0));
        cr_assert_eq(NtQueryObject(d, ObjectBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
        cr_assert_eq(b.GrantedAccess, want[i].granted, "duplicate %#x: granted %#x", want[i].ask, b.GrantedAccess);
        cr_assert(CloseHandle(d));
        cr_assert(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, GENERIC_ALL, FALSE, 0));
        cr_assert_eq(NtQueryObject(d, ObjectBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
        cr_assert_eq(b.GrantedAccess, want[i].granted, "never more than the source: %#x", b.GrantedAccess);
        cr_assert(CloseHandle(d));
        cr_assert(CloseHandle(h));
    }
}
