/* SPDX-License-Identifier: MIT */
/* test_nt_virtual.c - the NT memory calls (src/nt, include/winvm/ntdll.h): the status of each
 * kind of bad input with nothing changed, the in/out parameters written back rounded, and
 * RtlNtStatusToDosError.  Facts: Wine's dlls/ntdll/tests/virtual.c and info.c, run on Windows. */
#include "testutil.h"
#include <winvm/ntdll.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SELF NtCurrentProcess()

static NTSTATUS nt_alloc(void **p, ULONG_PTR zb, SIZE_T *size, ULONG type, ULONG prot)
{
    return NtAllocateVirtualMemory(SELF, p, zb, size, type, prot);
}

static void *alloc(SIZE_T size, ULONG type, ULONG prot)
{
    void *p = NULL;
    cr_assert_eq(nt_alloc(&p, 0, &size, type, prot), STATUS_SUCCESS);
    return p;
}

static void release(void *p)
{
    SIZE_T size = 0;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &p, &size, MEM_RELEASE), STATUS_SUCCESS);
}

static MEMORY_BASIC_INFORMATION query(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery(p, &m, sizeof(m)), sizeof(m));
    return m;
}

#define SAME_MBI(a, b)                                                                     \
    do {                                                                                   \
        MEMORY_BASIC_INFORMATION now_ = (b);                                               \
        cr_assert(now_.BaseAddress == (a).BaseAddress && now_.RegionSize == (a).RegionSize && \
                      now_.State == (a).State && now_.Protect == (a).Protect &&             \
                      now_.AllocationBase == (a).AllocationBase && now_.Type == (a).Type,   \
                  "VirtualQuery changed");                                                 \
    } while (0)

/* ---- NtAllocateVirtualMemory ---- */

Test(nt_alloc, reserve_and_commit_round_and_write_back)
{
    char *p = alloc(0x10000, MEM_RESERVE, PAGE_READWRITE);
    void *a = p + 0x1fff;
    SIZE_T size = 2;
    cr_assert_eq(nt_alloc(&a, 0, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    cr_assert_eq(a, p + 0x1000);
    cr_assert_eq(size, 0x2000);
    cr_assert_eq(query(p + 0x1000).State, MEM_COMMIT);
    cr_assert_eq(query(p + 0x1000).RegionSize, 0x2000);
    release(p);
    /* A reservation at an unaligned address starts at its 64 KiB boundary. */
    void *q = p + 0x1234;
    size = 0x100;
    cr_assert_eq(nt_alloc(&q, 0, &size, MEM_RESERVE, PAGE_NOACCESS), STATUS_SUCCESS);
    cr_assert_eq(q, p);
    cr_assert_eq(size, 0x2000);
    release(q);
}

Test(nt_alloc, conflicting_addresses)
{
    char *p = alloc(0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    void *a = p + 0x1000;
    SIZE_T size = 0x1000;
    cr_assert_eq(nt_alloc(&a, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(nt_alloc(&a, 12, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(a, p + 0x1000, "a failed call wrote *BaseAddress");
    cr_assert_eq(size, 0x1000, "a failed call wrote *RegionSize");
    release(p);
}

Test(nt_alloc, bad_arguments_change_nothing)
{
    char *p = alloc(0x10000, MEM_RESERVE, PAGE_NOACCESS);
    MEMORY_BASIC_INFORMATION before = query(p);
    void *a = p;
    SIZE_T size = 0x1000;
    cr_assert_eq(nt_alloc(&a, 22, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_INVALID_PARAMETER_3);
    cr_assert_eq(nt_alloc(&a, 31, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_INVALID_PARAMETER_3);
    cr_assert_eq(nt_alloc(&a, 0, &size, MEM_COMMIT | 0x40000000, PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);
    cr_assert_eq(nt_alloc(&a, 0, &size, MEM_TOP_DOWN, PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);
    cr_assert_eq(nt_alloc(&a, 0, &size, MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);
    cr_assert_eq(nt_alloc(&a, 0, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS), STATUS_INVALID_PARAMETER);
    cr_assert_eq(nt_alloc(&a, 0, &size, MEM_COMMIT, 0x3), STATUS_INVALID_PAGE_PROTECTION);
    cr_assert_eq(nt_alloc(&a, 0, &size, MEM_COMMIT, PAGE_WRITECOPY), STATUS_INVALID_PAGE_PROTECTION);
    cr_assert_eq(nt_alloc(NULL, 0, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(nt_alloc((void **)8, 0, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(nt_alloc(&a, 0, NULL, MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    SIZE_T zero = 0, huge = (SIZE_T)-0x1000;
    cr_assert_eq(nt_alloc(&a, 0, &zero, MEM_COMMIT, PAGE_READWRITE), STATUS_INVALID_PARAMETER_4);
    cr_assert_eq(nt_alloc(&a, 0, &huge, MEM_COMMIT, PAGE_READWRITE), STATUS_INVALID_PARAMETER_4);
    void *kernel = (void *)0xffff800000000000ull;
    cr_assert_eq(nt_alloc(&kernel, 0, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_INVALID_PARAMETER_2);
    cr_assert_eq(NtAllocateVirtualMemory(NULL, &a, 0, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_INVALID_HANDLE);
    cr_assert_eq(NtAllocateVirtualMemory((HANDLE)0x1234, &a, 0, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_INVALID_HANDLE);
    SAME_MBI(before, query(p));
    cr_assert_eq(a, p);
    cr_assert_eq(size, 0x1000);
    release(p);
}

/* The in/out parameters are probed for writing before anything changes: in a read-only page,
 * or straddling into an inaccessible one, they are STATUS_ACCESS_VIOLATION, with the memory
 * and the parameters as they were.  A parameter on a write-watched page works, and counts as
 * written (the probe writes the value back, as Windows' ProbeForWrite does). */
Test(nt_args, unwritable_in_out_parameters_change_nothing)
{
    char *p = alloc(0x10000, MEM_RESERVE, PAGE_READWRITE);
    char *args = alloc(0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    void **ro_base = (void **)args;
    SIZE_T *ro_size = (SIZE_T *)(args + 8);
    ULONG *ro_old = (ULONG *)(args + 16);
    *ro_base = p, *ro_size = 0x1000, *ro_old = 0x55;
    ULONG old = 0;
    cr_assert(VirtualProtect(args, 0x1000, PAGE_READONLY, &old));
    MEMORY_BASIC_INFORMATION before = query(p);
    void *a = p;
    SIZE_T size = 0x1000;
    cr_assert_eq(nt_alloc(ro_base, 0, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(nt_alloc(&a, 0, ro_size, MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    SAME_MBI(before, query(p));
    cr_assert_eq(nt_alloc(&a, 0, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    before = query(p);
    cr_assert_eq(NtProtectVirtualMemory(SELF, &a, &size, PAGE_READONLY, ro_old), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtProtectVirtualMemory(SELF, ro_base, &size, PAGE_READONLY, &old), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, ro_size, MEM_DECOMMIT), STATUS_ACCESS_VIOLATION);
    size = 0;
    cr_assert_eq(NtFreeVirtualMemory(SELF, ro_base, &size, MEM_RELEASE), STATUS_ACCESS_VIOLATION);
    SAME_MBI(before, query(p));
    cr_assert_eq(*ro_base, p);
    cr_assert_eq(*ro_size, 0x1000);
    cr_assert_eq(*ro_old, 0x55);

    /* Eight bytes that run from a writable page into an inaccessible one. */
    cr_assert(VirtualProtect(args, 0x1000, PAGE_READWRITE, &old));
    cr_assert(VirtualProtect(args + 0x1000, 0x1000, PAGE_NOACCESS, &old));
    void **across = (void **)(args + 0x1000 - 4);
    memset(across, 0xab, 4);
    size = 0x1000;
    cr_assert_eq(nt_alloc(across, 0, &size, MEM_RESERVE, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtFreeVirtualMemory(SELF, across, &size, MEM_RELEASE), STATUS_ACCESS_VIOLATION);
    for (int k = 0; k < 4; k++)
        cr_assert_eq((unsigned char)args[0x1000 - 4 + k], 0xab);
    SAME_MBI(before, query(p));
    release(args);
    release(p);
}

Test(nt_args, parameters_on_a_write_watched_page)
{
    char *w = alloc(0x1000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
    cr_assert_eq(ResetWriteWatch(w, 0x1000), 0);
    void **base = (void **)w;
    SIZE_T *size = (SIZE_T *)(w + 8);
    *base = NULL;
    *size = 0x3000;
    cr_assert_eq(ResetWriteWatch(w, 0x1000), 0);
    cr_assert_eq(nt_alloc(base, 0, size, MEM_RESERVE, PAGE_NOACCESS), STATUS_SUCCESS);
    cr_assert_eq(query(*base).State, MEM_RESERVE);
    cr_assert_eq(*size, 0x3000);
    void *hits[4];
    ULONG_PTR n = 4;
    ULONG gran = 0;
    cr_assert_eq(GetWriteWatch(0, w, 0x1000, hits, &n, &gran), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(hits[0], w);
    release(*base);
    release(w);
}

Test(nt_alloc, zero_bits_limit_the_address)
{
    for (ULONG_PTR zb = 1; zb <= 20; zb++) {
        void *a = NULL;
        SIZE_T size = 0x1000;
        NTSTATUS st = nt_alloc(&a, zb, &size, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE);
        cr_assert(st == STATUS_SUCCESS || st == (NTSTATUS)STATUS_NO_MEMORY, "zero bits %lu: %#x", zb, (unsigned)st);
        if (st == STATUS_SUCCESS) {
            cr_assert_eq((uintptr_t)a >> (32 - zb), 0, "zero bits %lu: %p", zb, a);
            release(a);
        }
    }
    void *a = NULL;
    SIZE_T size = 0x1000;
    cr_assert_eq(nt_alloc(&a, 21, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), STATUS_NO_MEMORY);
    /* x64: 32 and more is a mask; only its leading zero bits count. */
    cr_assert_eq(nt_alloc(&a, 0x1aaaaaaa, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    cr_assert_leq((uintptr_t)a + size - 1, 0x1fffffff);
    release(a);
    /* An address given must satisfy the zero bits. */
    a = (void *)0x7f0000000000ull;
    cr_assert_eq(nt_alloc(&a, 8, &size, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_3);
}

/* ---- NtFreeVirtualMemory ---- */

Test(nt_free, statuses_and_write_back)
{
    char *p = alloc(0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    void *a = p + 0x1fff;
    SIZE_T size = 2;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_DECOMMIT), STATUS_SUCCESS);
    cr_assert_eq(a, p + 0x1000);
    cr_assert_eq(size, 0x2000);
    cr_assert_eq(query(p + 0x1000).State, MEM_RESERVE);
    MEMORY_BASIC_INFORMATION before = query(p);
    a = p + 0x1001, size = 0;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_DECOMMIT), STATUS_FREE_VM_NOT_AT_BASE);
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
    cr_assert_eq(a, p + 0x1001);
    cr_assert_eq(size, 0);
    a = p, size = 0x11000;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_DECOMMIT), STATUS_UNABLE_TO_FREE_VM);
    size = 0;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE | MEM_DECOMMIT), STATUS_INVALID_PARAMETER_4);
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, 0), STATUS_INVALID_PARAMETER_4);
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_COALESCE_PLACEHOLDERS), STATUS_INVALID_PARAMETER_4);
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_INVALID_PARAMETER_3);
    size = 0x10000;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), STATUS_CONFLICTING_ADDRESSES);
    size = 0;
    cr_assert_eq(NtFreeVirtualMemory(NULL, &a, &size, MEM_RELEASE), STATUS_INVALID_HANDLE);
    cr_assert_eq(NtFreeVirtualMemory(SELF, NULL, &size, MEM_RELEASE), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, (SIZE_T *)16, MEM_RELEASE), STATUS_ACCESS_VIOLATION);
    SAME_MBI(before, query(p));
    /* Size 0 from inside the first page decommits it all and reports size 0 (Windows 10 1803+). */
    a = p + 0xffe;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_DECOMMIT), STATUS_SUCCESS);
    cr_assert_eq(a, p);
    cr_assert_eq(size, 0);
    cr_assert_eq(query(p).RegionSize, 0x10000);
    a = p + 0xfff;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(a, p);
    cr_assert_eq(size, 0x10000);
    cr_assert_eq(query(p).State, MEM_FREE);
    a = p, size = 0;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
}

Test(nt_free, whole_allocation_by_size)
{
    char *p = alloc(0x3000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    void *a = p;
    SIZE_T size = 0x3000;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE), STATUS_SUCCESS);
    cr_assert_eq(size, 0x3000);
    cr_assert_eq(query(p).State, MEM_FREE);
}

Test(nt_free, views_are_not_freed)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10000, NULL);
    void *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0), *a = v;
    SIZE_T size = 0;
    cr_assert_eq(NtFreeVirtualMemory(SELF, &a, &size, MEM_RELEASE), STATUS_UNABLE_TO_DELETE_SECTION);
    cr_assert_eq(query(v).Type, MEM_MAPPED);
    UnmapViewOfFile(v);
    CloseHandle(h);
}

/* ---- NtProtectVirtualMemory ---- */

Test(nt_protect, statuses_and_write_back)
{
    char *p = alloc(0x10000, MEM_RESERVE, PAGE_NOACCESS);
    void *a = p + 0x10;
    SIZE_T size = 0x1000;
    ULONG old = 0x55;
    cr_assert_eq(NtProtectVirtualMemory(SELF, &a, &size, PAGE_READONLY, &old), STATUS_NOT_COMMITTED);
    void *c = p;
    SIZE_T csize = 0x2000;
    cr_assert_eq(nt_alloc(&c, 0, &csize, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    MEMORY_BASIC_INFORMATION before = query(p);
    cr_assert_eq(NtProtectVirtualMemory(SELF, &a, &size, 0x3, &old), STATUS_INVALID_PAGE_PROTECTION);
    cr_assert_eq(NtProtectVirtualMemory(SELF, &a, &size, PAGE_WRITECOPY, &old), STATUS_INVALID_PAGE_PROTECTION);
    cr_assert_eq(NtProtectVirtualMemory(SELF, &a, &size, PAGE_READONLY, NULL), STATUS_ACCESS_VIOLATION);
    SIZE_T zero = 0, over = 0x11000;
    cr_assert_eq(NtProtectVirtualMemory(SELF, &a, &zero, PAGE_READONLY, &old), STATUS_INVALID_PARAMETER_3);
    cr_assert_eq(NtProtectVirtualMemory(SELF, &a, &over, PAGE_READONLY, &old), STATUS_CONFLICTING_ADDRESSES);
    cr_assert_eq(NtProtectVirtualMemory(NULL, &a, &size, PAGE_READONLY, &old), STATUS_INVALID_HANDLE);
    SAME_MBI(before, query(p));
    cr_assert_eq(old, 0x55);
    a = p + 0x10, size = 0x1000;
    cr_assert_eq(NtProtectVirtualMemory(SELF, &a, &size, PAGE_READONLY, &old), STATUS_SUCCESS);
    cr_assert_eq(a, p);
    cr_assert_eq(size, 0x2000, "[p+0x10, p+0x1010) touches two pages");
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert_eq(query(p).Protect, PAGE_READONLY);
    release(p);
    void *freed = p;
    cr_assert_eq(NtProtectVirtualMemory(SELF, &freed, &size, PAGE_READONLY, &old), STATUS_CONFLICTING_ADDRESSES);
}

/* ---- NtQueryVirtualMemory ---- */

Test(nt_query, basic_and_statuses)
{
    char *p = alloc(0x3000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION m;
    SIZE_T len = 0;
    cr_assert_eq(NtQueryVirtualMemory(SELF, p, MemoryBasicInformation, &m, sizeof(m), &len), STATUS_SUCCESS);
    cr_assert_eq(len, sizeof(m));
    cr_assert_eq(m.RegionSize, 0x3000);
    len = 77;
    cr_assert_eq(NtQueryVirtualMemory(SELF, p, MemoryBasicInformation, &m, sizeof(m) - 1, &len), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(len, 77);
    cr_assert_eq(NtQueryVirtualMemory(SELF, p, (MEMORY_INFORMATION_CLASS)99, &m, sizeof(m), &len), STATUS_INVALID_INFO_CLASS);
    cr_assert_eq(NtQueryVirtualMemory(SELF, p, MemoryBasicInformation, NULL, sizeof(m), &len), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtQueryVirtualMemory(SELF, p, MemoryBasicInformation, &m, sizeof(m), (SIZE_T *)8), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtQueryVirtualMemory(SELF, (void *)0xffff800000000000ull, MemoryBasicInformation, &m, sizeof(m), &len), STATUS_INVALID_PARAMETER);
    cr_assert_eq(NtQueryVirtualMemory(NULL, p, MemoryBasicInformation, &m, sizeof(m), &len), STATUS_INVALID_HANDLE);
    cr_assert_eq(NtQueryVirtualMemory(SELF, p, MemoryBasicInformation, &m, sizeof(m), NULL), STATUS_SUCCESS);
    release(p);
}

Test(nt_query, region_information)
{
    char *p = alloc(0x10000, MEM_RESERVE, PAGE_READWRITE);
    void *c = p + 0x2000;
    SIZE_T size = 0x3000;
    cr_assert_eq(nt_alloc(&c, 0, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    MEMORY_REGION_INFORMATION r;
    SIZE_T len = 0;
    cr_assert_eq(NtQueryVirtualMemory(SELF, p + 0x5000, MemoryRegionInformation, &r, 16, &len), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(NtQueryVirtualMemory(SELF, p + 0x5000, MemoryRegionInformation, &r, 24, &len), STATUS_SUCCESS);
    memset(&r, 0x11, sizeof(r));
    cr_assert_eq(NtQueryVirtualMemory(SELF, p + 0x5000, MemoryRegionInformation, &r, sizeof(r), &len), STATUS_SUCCESS);
    cr_assert_eq(len, sizeof(r));
    cr_assert_eq(r.AllocationBase, p);
    cr_assert_eq(r.AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(r.RegionType, 0);
    cr_assert_eq(r.RegionSize, 0x10000);
    cr_assert_eq(r.CommitSize, 0x3000);
    release(p);
    cr_assert_eq(NtQueryVirtualMemory(SELF, p, MemoryRegionInformation, &r, sizeof(r), &len), STATUS_INVALID_ADDRESS);
}

Test(nt_query, mapped_file_name)
{
    char path[] = "/tmp/winvm-nt-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0 && ftruncate(fd, 0x2000) == 0);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    char *v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    cr_assert(v);
    union {
        MEMORY_SECTION_NAME n;
        char raw[1024];
    } u;
    SIZE_T len = 0;
    cr_assert_eq(NtQueryVirtualMemory(SELF, v + 0x1000, MemoryMappedFilenameInformation, &u, 8, &len), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(NtQueryVirtualMemory(SELF, v + 0x1000, MemoryMappedFilenameInformation, &u, 20, &len), STATUS_BUFFER_OVERFLOW);
    SIZE_T need = len;
    cr_assert_eq(NtQueryVirtualMemory(SELF, v + 0x1000, MemoryMappedFilenameInformation, &u, sizeof(u), &len), STATUS_SUCCESS);
    cr_assert_eq(len, need);
    char want[128], got[128] = {0};
    snprintf(want, sizeof(want), "\\Device\\HarddiskVolume1%s", path);
    for (char *q = want; *q; q++)
        if (*q == '/')
            *q = '\\';
    for (size_t i = 0; i < u.n.SectionFileName.Length / 2 && i < 127; i++)
        got[i] = (char)u.n.SectionFileName.Buffer[i];
    cr_assert_str_eq(got, want);
    cr_assert_eq(u.n.SectionFileName.Buffer[u.n.SectionFileName.Length / 2], 0);
    /* A pagefile-backed section has no file; private memory is no view at all. */
    HANDLE anon = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, NULL);
    void *av = MapViewOfFile(anon, FILE_MAP_READ, 0, 0, 0);
    cr_assert_eq(NtQueryVirtualMemory(SELF, av, MemoryMappedFilenameInformation, &u, sizeof(u), &len), STATUS_FILE_INVALID);
    char *priv = alloc(0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(NtQueryVirtualMemory(SELF, priv, MemoryMappedFilenameInformation, &u, sizeof(u), &len), STATUS_INVALID_ADDRESS);
    release(priv);
    UnmapViewOfFile(av);
    UnmapViewOfFile(v);
    CloseHandle(anon);
    CloseHandle(h);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

/* ---- lock, flush, write watch ---- */

Test(nt_lock, lock_unlock_round_trip)
{
    char *p = alloc(0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    void *a = p + 0x10;
    SIZE_T size = 0x10;
    cr_assert_eq(NtLockVirtualMemory(SELF, &a, &size, 0), STATUS_INVALID_PARAMETER);
    cr_assert_eq(NtLockVirtualMemory(SELF, &a, &size, MAP_SYSTEM), STATUS_PRIVILEGE_NOT_HELD);
    cr_assert_eq(NtUnlockVirtualMemory(SELF, &a, &size, MAP_PROCESS), STATUS_NOT_LOCKED);
    cr_assert_eq(NtLockVirtualMemory(SELF, &a, &size, MAP_PROCESS), STATUS_SUCCESS);
    cr_assert_eq(a, p);
    cr_assert_eq(size, 0x1000);
    cr_assert_eq(NtUnlockVirtualMemory(SELF, &a, &size, MAP_PROCESS), STATUS_SUCCESS);
    release(p);
}

Test(nt_flush, only_views)
{
    char *p = alloc(0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    void *a = p;
    SIZE_T size = 0;
    IO_STATUS_BLOCK io;
    cr_assert_eq(NtFlushVirtualMemory(SELF, &a, &size, &io), STATUS_NOT_MAPPED_VIEW);
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x3000, NULL);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    a = v + 0x1000;
    cr_assert_eq(NtFlushVirtualMemory(SELF, &a, &size, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtFlushVirtualMemory(SELF, &a, &size, &io), STATUS_SUCCESS);
    cr_assert_eq(a, v + 0x1000);
    cr_assert_eq(size, 0x2000);
    UnmapViewOfFile(v);
    CloseHandle(h);
    release(p);
}

Test(nt_watch, get_and_reset)
{
    char *p = alloc(0x4000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
    p[0x1000] = 1;
    void *addrs[8];
    ULONG_PTR count = 8;
    ULONG gran = 0;
    cr_assert_eq(NtGetWriteWatch(SELF, 0, p, 0x4000, addrs, NULL, &gran), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtGetWriteWatch(SELF, 0, p, 0x4000, (void **)8, &count, &gran), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtGetWriteWatch(NULL, 0, p, 0x4000, addrs, &count, &gran), STATUS_INVALID_HANDLE);
    cr_assert_eq(NtGetWriteWatch(SELF, WRITE_WATCH_FLAG_RESET, p, 0x4000, addrs, &count, &gran), STATUS_SUCCESS);
    cr_assert_eq(count, 1);
    cr_assert_eq(addrs[0], p + 0x1000);
    cr_assert_eq(gran, 0x1000);
    count = 8;
    cr_assert_eq(NtGetWriteWatch(SELF, 0, p, 0x4000, addrs, &count, &gran), STATUS_SUCCESS);
    cr_assert_eq(count, 0);
    p[0x2000] = 1;
    cr_assert_eq(NtResetWriteWatch(SELF, p, 0x4000), STATUS_SUCCESS);
    count = 8;
    cr_assert_eq(NtGetWriteWatch(SELF, 0, p, 0x4000, addrs, &count, &gran), STATUS_SUCCESS);
    cr_assert_eq(count, 0);
    release(p);
}

/* ---- NtReadVirtualMemory, NtWriteVirtualMemory ---- */

Test(nt_rw, copies_and_partial_copy)
{
    static const char text[] = "test string";
    char buf[12];
    SIZE_T n = 99;
    cr_assert_eq(NtReadVirtualMemory(SELF, (void *)text, buf, sizeof(buf), &n), STATUS_SUCCESS);
    cr_assert_eq(n, 12);
    cr_assert_str_eq(buf, text);
    cr_assert_eq(NtReadVirtualMemory(SELF, (void *)text, buf, sizeof(buf), NULL), STATUS_SUCCESS);
    n = 99;
    cr_assert_eq(NtReadVirtualMemory(NULL, (void *)text, buf, sizeof(buf), &n), STATUS_INVALID_HANDLE);
    cr_assert_eq(n, 0);
    n = 99;
    cr_assert_eq(NtReadVirtualMemory(SELF, (void *)0x1234, buf, sizeof(buf), &n), STATUS_PARTIAL_COPY);
    cr_assert_eq(n, 0);
    n = 99;
    cr_assert_eq(NtReadVirtualMemory(SELF, (void *)text, (void *)0x1234, sizeof(buf), &n), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(n, 0);
    /* A range whose second page is inaccessible: exactly the first page is copied. */
    char *p = alloc(0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    memset(p, 'a', 0x1000);
    void *a = p + 0x1000;
    SIZE_T size = 0x1000;
    ULONG old;
    cr_assert_eq(NtProtectVirtualMemory(SELF, &a, &size, PAGE_NOACCESS, &old), STATUS_SUCCESS);
    static char big[0x2000];
    cr_assert_eq(NtReadVirtualMemory(SELF, p + 0x800, big, 0x1000, &n), STATUS_PARTIAL_COPY);
    cr_assert_eq(n, 0x800);
    cr_assert_eq(big[0x7ff], 'a');
    cr_assert_eq(NtWriteVirtualMemory(SELF, p + 0xf00, big, 0x200, &n), STATUS_PARTIAL_COPY);
    cr_assert_eq(n, 0x100);
    cr_assert_eq(NtWriteVirtualMemory(SELF, p, "xy", 2, &n), STATUS_SUCCESS);
    cr_assert_eq(n, 2);
    cr_assert_eq(p[1], 'y');
    cr_assert_eq(NtWriteVirtualMemory(SELF, p, (void *)0x1234, 2, &n), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(n, 0);
    release(p);
}

/* ---- RtlNtStatusToDosError ---- */

Test(nt_status, to_dos_error)
{
    static const struct {
        NTSTATUS s;
        ULONG e;
    } t[] = {
        {STATUS_SUCCESS, ERROR_SUCCESS},
        {STATUS_ACCESS_VIOLATION, ERROR_NOACCESS},
        {STATUS_INVALID_HANDLE, ERROR_INVALID_HANDLE},
        {STATUS_INVALID_PARAMETER, ERROR_INVALID_PARAMETER},
        {STATUS_INVALID_PARAMETER_1, ERROR_INVALID_PARAMETER},
        {STATUS_INVALID_PARAMETER_12, ERROR_INVALID_PARAMETER},
        {STATUS_CONFLICTING_ADDRESSES, ERROR_INVALID_ADDRESS},
        {STATUS_FREE_VM_NOT_AT_BASE, ERROR_INVALID_ADDRESS},
        {STATUS_MEMORY_NOT_ALLOCATED, ERROR_INVALID_ADDRESS},
        {STATUS_NOT_COMMITTED, ERROR_INVALID_ADDRESS},
        {STATUS_NOT_MAPPED_VIEW, ERROR_INVALID_ADDRESS},
        {STATUS_UNABLE_TO_FREE_VM, ERROR_INVALID_PARAMETER},
        {STATUS_UNABLE_TO_DELETE_SECTION, ERROR_INVALID_PARAMETER},
        {STATUS_INVALID_PAGE_PROTECTION, ERROR_INVALID_PARAMETER},
        {STATUS_SECTION_PROTECTION, ERROR_INVALID_PARAMETER},
        {STATUS_INFO_LENGTH_MISMATCH, ERROR_BAD_LENGTH},
        {STATUS_INVALID_INFO_CLASS, ERROR_INVALID_PARAMETER},
        {STATUS_NO_MEMORY, ERROR_NOT_ENOUGH_MEMORY},
        {STATUS_PARTIAL_COPY, ERROR_PARTIAL_COPY},
        {STATUS_NOT_LOCKED, ERROR_NOT_LOCKED},
        {STATUS_WORKING_SET_QUOTA, ERROR_WORKING_SET_QUOTA},
        {STATUS_PRIVILEGE_NOT_HELD, ERROR_PRIVILEGE_NOT_HELD},
        {STATUS_COMMITMENT_LIMIT, ERROR_COMMITMENT_LIMIT},
        {STATUS_ALREADY_COMMITTED, ERROR_ACCESS_DENIED},
        {STATUS_INVALID_VIEW_SIZE, ERROR_ACCESS_DENIED},
        {STATUS_BUFFER_OVERFLOW, ERROR_MORE_DATA},
        {STATUS_BUFFER_TOO_SMALL, ERROR_INSUFFICIENT_BUFFER},
        {STATUS_FILE_INVALID, ERROR_FILE_INVALID},
        {STATUS_INVALID_ADDRESS, ERROR_UNEXP_NET_ERR},
        {STATUS_MAPPED_ALIGNMENT, ERROR_MAPPED_ALIGNMENT},
        {STATUS_NOT_SUPPORTED, ERROR_NOT_SUPPORTED},
        {STATUS_UNSUCCESSFUL, ERROR_GEN_FAILURE},
        {STATUS_NOT_IMPLEMENTED, ERROR_INVALID_FUNCTION},
        {STATUS_INSUFFICIENT_RESOURCES, ERROR_NO_SYSTEM_RESOURCES},
        {STATUS_STACK_OVERFLOW, 1001},
        {STATUS_IN_PAGE_ERROR, 999},
        {(NTSTATUS)0xC0DEC0DE, ERROR_MR_MID_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        cr_assert_eq(RtlNtStatusToDosError(t[i].s), t[i].e, "%#x -> %u, want %u", (unsigned)t[i].s,
                     RtlNtStatusToDosError(t[i].s), t[i].e);
}

/* VirtualAlloc's MEM_COMMIT at an address takes a short path (nt/alloc.c) that must answer as
 * NtAllocateVirtualMemory's full checks do: the same error, the same pages committed. */
Test(nt_alloc, virtualalloc_commit_answers_as_the_nt_call)
{
    char *p = VirtualAlloc(NULL, 4 * GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    static const struct {
        SIZE_T off, size;
        DWORD protect;
    } c[] = {
        {0, 0x1000, PAGE_READWRITE}, {0x10, 0x1, PAGE_READONLY}, {0x1ff0, 0x20, PAGE_EXECUTE_READ},
        {0, 0x1000, 0},              {0, 0x1000, 0x1234},        {0, 0x1000, PAGE_WRITECOPY},
        {0, 0x1000, PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE}, {0, 0, PAGE_READWRITE},
        {3 * GRAN, 2 * GRAN, PAGE_READWRITE}, {0x3000, ~(SIZE_T)0 / 2, PAGE_READWRITE},
        {0, 0x1000, PAGE_READWRITE | PAGE_WRITECOMBINE},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        PVOID base = p + c[i].off;
        SIZE_T size = c[i].size;
        NTSTATUS st = NtAllocateVirtualMemory(GetCurrentProcess(), &base, 0, &size, MEM_COMMIT, c[i].protect);
        MEMORY_BASIC_INFORMATION nt = tu_query(p + c[i].off);
        cr_assert(VirtualFree(p, 4 * GRAN, MEM_DECOMMIT));
        SetLastError(SENTINEL);
        void *r = VirtualAlloc(p + c[i].off, c[i].size, MEM_COMMIT, c[i].protect);
        MEMORY_BASIC_INFORMATION w = tu_query(p + c[i].off);
        cr_assert(VirtualFree(p, 4 * GRAN, MEM_DECOMMIT));
        if (st == STATUS_SUCCESS) {
            cr_assert_eq(r, base, "case %zu: VirtualAlloc %p, NtAllocateVirtualMemory %p", i, r, base);
        } else {
            cr_assert_null(r, "case %zu: VirtualAlloc succeeded, NtAllocateVirtualMemory %#x", i, (unsigned)st);
            cr_assert_eq(GetLastError(), RtlNtStatusToDosError(st), "case %zu: error %u, status %#x", i,
                         GetLastError(), (unsigned)st);
        }
        cr_assert(nt.State == w.State && nt.Protect == w.Protect && nt.RegionSize == w.RegionSize,
                  "case %zu: the pages differ", i);
    }
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
}
