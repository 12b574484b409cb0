/* SPDX-License-Identifier: MIT */
/* test_nt_thin.c - the Win32 memory and section calls as thin wrappers over the NT calls, as
 * on Windows: for each kind of bad input the Win32 call's last error is
 * RtlNtStatusToDosError of the NT call's status, and neither changes anything.  Then
 * NtMapViewOfSectionEx's allocation types (MEM_TOP_DOWN, MEM_RESERVE, MEM_LARGE_PAGES) and
 * top-down placement inside address requirements.
 * Facts: Wine's kernel32 and ntdll virtual.c tests; ReactOS' kernel-mode ZwMapViewOfSection
 * test; both run on Windows. */
#include "testutil.h"
#include <winvm/placeholder.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SELF NtCurrentProcess()

static MEMORY_BASIC_INFORMATION query(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery(p, &m, sizeof(m)), sizeof(m));
    return m;
}

static void same(const MEMORY_BASIC_INFORMATION *a, const void *p)
{
    MEMORY_BASIC_INFORMATION b = query(p);
    cr_assert(a->BaseAddress == b.BaseAddress && a->RegionSize == b.RegionSize && a->State == b.State &&
                  a->Protect == b.Protect && a->AllocationBase == b.AllocationBase && a->Type == b.Type,
              "VirtualQuery of %p changed", p);
}

/* The Win32 call failed with the error the NT call's status stands for. */
static void agree(NTSTATUS st, NTSTATUS want)
{
    cr_assert_eq(st, want, "status %#x, want %#x", (unsigned)st, (unsigned)want);
    cr_assert_eq(GetLastError(), RtlNtStatusToDosError(st), "last error %u, status %#x", GetLastError(),
                 (unsigned)st);
}

/* ---- VirtualAlloc / NtAllocateVirtualMemory ---- */

static NTSTATUS nt_alloc(void *addr, SIZE_T size, ULONG type, ULONG prot)
{
    void *a = addr;
    SIZE_T s = size;
    NTSTATUS st = NtAllocateVirtualMemory(SELF, &a, 0, &s, type, prot);
    if (st == STATUS_SUCCESS && !addr) {
        s = 0;
        NtFreeVirtualMemory(SELF, &a, &s, MEM_RELEASE);
    }
    return st;
}

Test(nt_thin, virtual_alloc_bad_input_agrees)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION before = query(p);
    struct {
        void *addr;
        SIZE_T size;
        ULONG type, prot;
        NTSTATUS want;
    } bad[] = {
        {NULL, 0, MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_PARAMETER_4},
        {NULL, PAGE, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5},
        {NULL, PAGE, MEM_COMMIT | 0x10, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5},
        {NULL, PAGE, MEM_COMMIT, 0, STATUS_INVALID_PAGE_PROTECTION},
        {NULL, PAGE, MEM_COMMIT, PAGE_READONLY | PAGE_EXECUTE, STATUS_INVALID_PAGE_PROTECTION},
        {p, PAGE, MEM_RESERVE, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES},
        {(void *)0x7fffffff0000, PAGE, MEM_RESERVE, PAGE_READWRITE, STATUS_INVALID_PARAMETER_2},
        {p, PAGE, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, STATUS_INVALID_PARAMETER},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_null(VirtualAlloc(bad[i].addr, bad[i].size, bad[i].type, bad[i].prot), "%zu", i);
        agree(nt_alloc(bad[i].addr, bad[i].size, bad[i].type, bad[i].prot), bad[i].want);
        same(&before, p);
    }
    VirtualFree(p, 0, MEM_RELEASE);
}

/* ---- VirtualFree / NtFreeVirtualMemory ---- */

static NTSTATUS nt_free(void *addr, SIZE_T size, ULONG type)
{
    void *a = addr;
    SIZE_T s = size;
    return NtFreeVirtualMemory(SELF, &a, &s, type);
}

Test(nt_thin, virtual_free_bad_input_agrees)
{
    char *p = VirtualAlloc(NULL, 2 * GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    char *freed = tu_free_range(GRAN);
    cr_assert_not_null(p);
    p[0] = 7;
    MEMORY_BASIC_INFORMATION before = query(p);
    struct {
        void *addr;
        SIZE_T size;
        ULONG type;
        NTSTATUS want;
    } bad[] = {
        {p, 0, 0, STATUS_INVALID_PARAMETER_4},
        {p, 0, MEM_FREE, STATUS_INVALID_PARAMETER_4},
        {p, 0, MEM_RELEASE | MEM_DECOMMIT, STATUS_INVALID_PARAMETER_4},
        {p + PAGE, 0, MEM_RELEASE, STATUS_FREE_VM_NOT_AT_BASE},
        {p, 3 * GRAN, MEM_DECOMMIT, STATUS_UNABLE_TO_FREE_VM},
        {freed, 0, MEM_RELEASE, STATUS_MEMORY_NOT_ALLOCATED},
        {freed, PAGE, MEM_DECOMMIT, STATUS_MEMORY_NOT_ALLOCATED},
        {(void *)0x7fffffff0000, 0, MEM_RELEASE, STATUS_INVALID_PARAMETER_2},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_not(VirtualFree(bad[i].addr, bad[i].size, bad[i].type), "%zu", i);
        agree(nt_free(bad[i].addr, bad[i].size, bad[i].type), bad[i].want);
        same(&before, p);
        cr_assert_eq(p[0], 7);
    }
    /* kernelbase's own check: MEM_RELEASE with a size is refused, where the NT call releases
     * that part of the allocation (Wine's test_VirtualAlloc). */
    SetLastError(SENTINEL);
    cr_assert_not(VirtualFree(p, PAGE, MEM_RELEASE));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    same(&before, p);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
}

/* ---- VirtualProtect / NtProtectVirtualMemory ---- */

static NTSTATUS nt_protect(void *addr, SIZE_T size, ULONG prot, ULONG *old)
{
    void *a = addr;
    SIZE_T s = size;
    return NtProtectVirtualMemory(SELF, &a, &s, prot, old);
}

Test(nt_thin, virtual_protect_bad_input_agrees)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_eq(VirtualAlloc(p, PAGE, MEM_COMMIT, PAGE_READWRITE), p);
    char *freed = tu_free_range(GRAN);
    MEMORY_BASIC_INFORMATION before = query(p);
    ULONG old = 0x55;
    DWORD wold = 0x55;
    struct {
        void *addr;
        SIZE_T size;
        ULONG prot;
        bool null_old;
        NTSTATUS want;
    } bad[] = {
        /* NULL old protection: ERROR_NOACCESS from both (docs/semantics.md, Windows) */
        {p, PAGE, PAGE_READONLY, true, STATUS_ACCESS_VIOLATION},
        {p, PAGE, 0, false, STATUS_INVALID_PAGE_PROTECTION},
        {p, PAGE, PAGE_READWRITE | PAGE_EXECUTE_WRITECOPY, false, STATUS_INVALID_PAGE_PROTECTION},
        {p, 0, PAGE_READONLY, false, STATUS_INVALID_PARAMETER_3},
        {p, 2 * PAGE, PAGE_READONLY, false, STATUS_NOT_COMMITTED},
        {p, PAGE, PAGE_WRITECOPY, false, STATUS_INVALID_PAGE_PROTECTION},
        {freed, PAGE, PAGE_READONLY, false, STATUS_CONFLICTING_ADDRESSES},
        {(void *)0x7fffffff0000, PAGE, PAGE_READONLY, false, STATUS_INVALID_PARAMETER_2},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_not(VirtualProtect(bad[i].addr, bad[i].size, bad[i].prot, bad[i].null_old ? NULL : &wold), "%zu",
                      i);
        agree(nt_protect(bad[i].addr, bad[i].size, bad[i].prot, bad[i].null_old ? NULL : &old), bad[i].want);
        cr_assert_eq(old, 0x55, "%zu: old written", i);
        cr_assert_eq(wold, 0x55, "%zu: old written", i);
        same(&before, p);
    }
    VirtualFree(p, 0, MEM_RELEASE);
}

/* ---- VirtualQuery / NtQueryVirtualMemory ---- */

Test(nt_thin, virtual_query_bad_input_agrees)
{
    MEMORY_BASIC_INFORMATION m;
    memset(&m, 0x5a, sizeof(m));
    struct {
        const void *addr;
        void *buf;
        SIZE_T len;
        NTSTATUS want;
    } bad[] = {
        {&m, &m, sizeof(m) - 1, STATUS_INFO_LENGTH_MISMATCH},
        {&m, NULL, sizeof(m), STATUS_ACCESS_VIOLATION},
        {(void *)0x7fffffff0000, &m, sizeof(m), STATUS_INVALID_PARAMETER},
        {&m, (void *)8, sizeof(m), STATUS_ACCESS_VIOLATION},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_eq(VirtualQuery(bad[i].addr, bad[i].buf, bad[i].len), 0, "%zu", i);
        SIZE_T ret = 77;
        agree(NtQueryVirtualMemory(SELF, (PVOID)bad[i].addr, MemoryBasicInformation, bad[i].buf, bad[i].len, &ret),
              bad[i].want);
        cr_assert_eq(ret, 77, "%zu: length written", i);
        cr_assert_eq(((unsigned char *)&m)[0], 0x5a, "%zu: buffer written", i);
    }
}

/* ---- MapViewOfFile / NtMapViewOfSection ---- */

static NTSTATUS nt_map(HANDLE h, uint64_t off, SIZE_T size, ULONG prot)
{
    void *b = NULL;
    SIZE_T s = size;
    LARGE_INTEGER o = {.QuadPart = (LONGLONG)off};
    NTSTATUS st = NtMapViewOfSection(h, SELF, &b, 0, 0, &o, &s, ViewShare, 0, prot);
    if (st >= 0)
        NtUnmapViewOfSection(SELF, b);
    return st;
}

Test(nt_thin, map_view_bad_input_agrees)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 2 * GRAN, NULL);
    HANDLE ro = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, GRAN, NULL);
    cr_assert(h && ro);
    char *probe = tu_free_range(4 * GRAN);
    struct {
        HANDLE h;
        DWORD access;
        uint64_t off;
        SIZE_T size;
        ULONG prot;
        NTSTATUS want;
    } bad[] = {
        /* past the end: a size is a wrong view size (ERROR_ACCESS_DENIED, Wine's test_MapViewOfFile
         * and ReactOS' ZwMapViewOfSection test); an offset at or past the end with size 0 leaves
         * no view at all: STATUS_INVALID_PARAMETER (Wine's NtMapViewOfSection; UNVERIFIED) */
        {h, FILE_MAP_READ, 0, 2 * GRAN + 1, PAGE_READONLY, STATUS_INVALID_VIEW_SIZE},
        {h, FILE_MAP_READ, 2 * GRAN, 1, PAGE_READONLY, STATUS_INVALID_VIEW_SIZE},
        {h, FILE_MAP_READ, 2 * GRAN, 0, PAGE_READONLY, STATUS_INVALID_PARAMETER},
        {h, FILE_MAP_READ, 5 * GRAN, 0, PAGE_READONLY, STATUS_INVALID_PARAMETER},
        {h, FILE_MAP_READ, PAGE, 0, PAGE_READONLY, STATUS_MAPPED_ALIGNMENT},
        /* CreateFileMapping's handle to a read-only section has no map-write right
         * (kernelbase asks for the rights the protection allows) */
        {ro, FILE_MAP_WRITE, 0, 0, PAGE_READWRITE, STATUS_ACCESS_DENIED},
        {ro, FILE_MAP_EXECUTE | FILE_MAP_READ, 0, 0, PAGE_EXECUTE_READ, STATUS_ACCESS_DENIED},
        {(HANDLE)(uintptr_t)0x7ffc, FILE_MAP_READ, 0, 0, PAGE_READONLY, STATUS_INVALID_HANDLE},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_null(MapViewOfFile(bad[i].h, bad[i].access, (DWORD)(bad[i].off >> 32), (DWORD)bad[i].off,
                                     bad[i].size),
                       "%zu", i);
        agree(nt_map(bad[i].h, bad[i].off, bad[i].size, bad[i].prot), bad[i].want);
        cr_assert_eq(query(probe).State, MEM_FREE, "%zu: a failed map left a view", i);
    }
    CloseHandle(h), CloseHandle(ro);
}

/* ---- OpenFileMapping, CreateFileMapping / NtOpenSection, NtCreateSection ---- */

static void object_attrs(OBJECT_ATTRIBUTES *oa, UNICODE_STRING *u, WCHAR *buf, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i <= n; i++)
        buf[i] = (WCHAR)(unsigned char)path[i];
    u->Length = (USHORT)(n * sizeof(WCHAR)), u->MaximumLength = (USHORT)((n + 1) * sizeof(WCHAR));
    u->Buffer = buf;
    InitializeObjectAttributes(oa, u, 0, NULL, NULL);
}

Test(nt_thin, backslash_names_are_paths_not_found)
{
    /* "a\b" names b in the directory a of \BaseNamedObjects, which does not exist:
     * STATUS_OBJECT_PATH_NOT_FOUND, ERROR_PATH_NOT_FOUND (Wine's test_MapViewOfFile records it
     * of NT4, which had no "Local\" directory). */
    char name[64], path[96];
    snprintf(name, sizeof(name), "wv-thin-%d\\b", (int)getpid());
    snprintf(path, sizeof(path), "\\BaseNamedObjects\\%s", name);
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING u;
    WCHAR buf[96];
    object_attrs(&oa, &u, buf, path);
    HANDLE h = (HANDLE)1;
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
    agree(NtOpenSection(&h, SECTION_MAP_READ, &oa), STATUS_OBJECT_PATH_NOT_FOUND);
    cr_assert_eq(h, (HANDLE)1);
    SetLastError(SENTINEL);
    cr_assert_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, name));
    LARGE_INTEGER size = {.QuadPart = PAGE};
    agree(NtCreateSection(&h, SECTION_ALL_ACCESS, &oa, &size, PAGE_READWRITE, SEC_COMMIT, NULL),
          STATUS_OBJECT_PATH_NOT_FOUND);
    cr_assert_eq(h, (HANDLE)1);
    /* "Local\x\y" too; "Local\" alone names nothing: STATUS_OBJECT_NAME_INVALID */
    SetLastError(SENTINEL);
    cr_assert_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, "Local\\x\\y"));
    EXPECT_ERR(ERROR_PATH_NOT_FOUND);
    SetLastError(SENTINEL);
    cr_assert_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, "Local\\"));
    EXPECT_ERR(ERROR_INVALID_NAME);
    /* nothing was created under the name's last part */
    snprintf(name, sizeof(name), "wv-thin-%d", (int)getpid());
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
}

Test(nt_thin, create_file_mapping_handle_rights_follow_the_protection)
{
    /* kernelbase asks NtCreateSection for the rights the protection allows: a read-only
     * section's handle cannot map for writing (ERROR_ACCESS_DENIED, Wine's test_MapViewOfFile),
     * a read-write one can. */
    HANDLE ro = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, PAGE, NULL);
    HANDLE rw = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, NULL);
    cr_assert(ro && rw);
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, 0));
    EXPECT_ERR(ERROR_ACCESS_DENIED);
    void *p = MapViewOfFile(ro, FILE_MAP_COPY, 0, 0, 0);
    cr_assert_not_null(p);
    cr_assert_eq(query(p).Protect, PAGE_WRITECOPY);
    UnmapViewOfFile(p);
    p = MapViewOfFile(rw, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(p);
    cr_assert_eq(query(p).Protect, PAGE_READWRITE);
    UnmapViewOfFile(p);
    CloseHandle(ro), CloseHandle(rw);
}

/* ---- NtMapViewOfSectionEx: allocation types ---- */

static NTSTATUS map_ex(HANDLE s, void **at, SIZE_T *size, ULONG type, ULONG prot, MEM_EXTENDED_PARAMETER *ext,
                       ULONG n)
{
    LARGE_INTEGER off = {0};
    return NtMapViewOfSectionEx(s, SELF, at, &off, size, type, prot, ext, n);
}

Test(nt_thin, map_ex_top_down_goes_above_an_ordinary_view)
{
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, GRAN, NULL);
    void *low = NULL, *high = NULL;
    SIZE_T size = 0;
    cr_assert_eq(map_ex(s, &low, &size, 0, PAGE_READWRITE, NULL, 0), STATUS_SUCCESS);
    size = 0;
    cr_assert_eq(map_ex(s, &high, &size, MEM_TOP_DOWN, PAGE_READWRITE, NULL, 0), STATUS_SUCCESS);
    cr_assert_gt((uintptr_t)high, (uintptr_t)low, "top-down %p not above %p", high, low);
    cr_assert_eq(size, GRAN);
    strcpy(high, "shared");
    cr_assert_str_eq(low, "shared");
    cr_assert_eq(query(high).Type, MEM_MAPPED);
    UnmapViewOfFile(low), UnmapViewOfFile(high);
    /* MapViewOfFile3 passes it through */
    high = MapViewOfFile3(s, NULL, NULL, 0, 0, MEM_TOP_DOWN, PAGE_READONLY, NULL, 0);
    cr_assert_not_null(high, "%u", GetLastError());
    cr_assert_str_eq(high, "shared");
    UnmapViewOfFile(high);
    CloseHandle(s);
}

/* A free window of n granules: its base, nothing mapped in it. */
static char *window(size_t n)
{
    char *w = VirtualAlloc(NULL, n * GRAN, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(w);
    VirtualFree(w, 0, MEM_RELEASE);
    return w;
}

Test(nt_thin, top_down_inside_address_requirements_takes_the_highest_fit)
{
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, GRAN, NULL);
    for (int attempt = 0; attempt < 8; attempt++) {
        char *w = window(8);
        /* a view in the middle: the highest fit is the window's last granule */
        void *mid = w + 4 * GRAN;
        SIZE_T size = 0;
        if (map_ex(s, &mid, &size, 0, PAGE_READWRITE, NULL, 0) != STATUS_SUCCESS)
            continue; /* another thread took the window */
        MEM_ADDRESS_REQUIREMENTS a = {.LowestStartingAddress = w,
                                      .HighestEndingAddress = w + 8 * GRAN - 1};
        MEM_EXTENDED_PARAMETER e = {.Type = MemExtendedParameterAddressRequirements, .Pointer = &a};
        void *at = NULL;
        size = 0;
        NTSTATUS st = map_ex(s, &at, &size, MEM_TOP_DOWN, PAGE_READWRITE, &e, 1);
        void *bottom = NULL;
        SIZE_T bsize = 0;
        NTSTATUS st2 = map_ex(s, &bottom, &bsize, 0, PAGE_READWRITE, &e, 1);
        UnmapViewOfFile(mid);
        if (st == STATUS_SUCCESS)
            UnmapViewOfFile(at);
        if (st2 == STATUS_SUCCESS)
            UnmapViewOfFile(bottom);
        cr_assert_eq(st, STATUS_SUCCESS);
        cr_assert_eq(st2, STATUS_SUCCESS);
        if (at != w + 7 * GRAN || bottom != w)
            continue; /* someone mapped into the window meanwhile */
        /* and the allocation form, top-down and bottom-up */
        void *p = NULL;
        size = GRAN;
        cr_assert_eq(NtAllocateVirtualMemoryEx(SELF, &p, &size, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE, &e, 1),
                     STATUS_SUCCESS);
        VirtualFree(p, 0, MEM_RELEASE);
        cr_assert_eq(p, w + 7 * GRAN);
        CloseHandle(s);
        return;
    }
    cr_assert_fail("the window was never left alone");
}

Test(nt_thin, top_down_with_requirements_that_nothing_fits)
{
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 2 * GRAN, NULL);
    char *w = window(1);
    MEM_ADDRESS_REQUIREMENTS a = {.LowestStartingAddress = w, .HighestEndingAddress = w + GRAN - 1};
    MEM_EXTENDED_PARAMETER e = {.Type = MemExtendedParameterAddressRequirements, .Pointer = &a};
    void *at = NULL;
    SIZE_T size = 0;
    cr_assert_eq(map_ex(s, &at, &size, MEM_TOP_DOWN, PAGE_READWRITE, &e, 1), STATUS_NO_MEMORY);
    cr_assert_null(at);
    cr_assert_eq(size, 0);
    CloseHandle(s);
}

Test(nt_thin, reserve_views_are_a_files_and_committed)
{
    /* MEM_RESERVE: a pagefile section's view is refused (STATUS_INVALID_PARAMETER_9 from
     * NtMapViewOfSection); a file's maps as usual, its pages committed (ReactOS' kernel-mode
     * ZwMapViewOfSection test, run on Windows). */
    HANDLE pf = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, GRAN, NULL);
    cr_assert_not_null(pf);
    char *probe = tu_free_range(4 * GRAN);
    void *at = NULL;
    SIZE_T size = 0;
    cr_assert_eq(map_ex(pf, &at, &size, MEM_RESERVE, PAGE_READWRITE, NULL, 0), STATUS_INVALID_PARAMETER);
    LARGE_INTEGER off = {0};
    cr_assert_eq(NtMapViewOfSection(pf, SELF, &at, 0, 0, &off, &size, ViewShare, MEM_RESERVE, PAGE_READWRITE),
                 STATUS_INVALID_PARAMETER_9);
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFile3(pf, NULL, NULL, 0, 0, MEM_RESERVE, PAGE_READWRITE, NULL, 0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_null(at);
    cr_assert_eq(query(probe).State, MEM_FREE);
    CloseHandle(pf);

    char path[] = "/tmp/wv-thin-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0 && ftruncate(fd, 2 * PAGE) == 0 && pwrite(fd, "file", 4, 0) == 4);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    HANDLE fs = CreateFileMappingA(f, NULL, PAGE_READWRITE | SEC_RESERVE, 0, 0, NULL);
    cr_assert_not_null(fs);
    char *v = MapViewOfFile3(fs, NULL, NULL, 0, 0, MEM_RESERVE, PAGE_READWRITE, NULL, 0);
    cr_assert_not_null(v, "%u", GetLastError());
    cr_assert_eq(query(v).State, MEM_COMMIT);
    cr_assert_eq(query(v).Protect, PAGE_READWRITE);
    cr_assert_str_eq(v, "file");
    UnmapViewOfFile(v);
    CloseHandle(fs), CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(nt_thin, large_page_views_are_invalid)
{
    /* No section of winvm's has large pages: SEC_LARGE_PAGES needs SeLockMemoryPrivilege,
     * which no process holds (STATUS_PRIVILEGE_NOT_HELD); a MEM_LARGE_PAGES view of a section
     * without them is STATUS_INVALID_PARAMETER on Windows 10 (ReactOS' kernel-mode test). */
    HANDLE h = NULL;
    LARGE_INTEGER size = {.QuadPart = GRAN};
    cr_assert_eq(NtCreateSection(&h, SECTION_ALL_ACCESS, NULL, &size, PAGE_READWRITE, SEC_COMMIT | SEC_LARGE_PAGES,
                                 NULL),
                 STATUS_PRIVILEGE_NOT_HELD);
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, GRAN, NULL);
    char *probe = tu_free_range(4 * GRAN);
    void *at = NULL;
    SIZE_T len = 0;
    cr_assert_eq(map_ex(s, &at, &len, MEM_LARGE_PAGES, PAGE_READWRITE, NULL, 0), STATUS_INVALID_PARAMETER);
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFile3(s, NULL, NULL, 0, 0, MEM_LARGE_PAGES | MEM_RESERVE, PAGE_READWRITE, NULL, 0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_null(at);
    cr_assert_eq(query(probe).State, MEM_FREE);
    CloseHandle(s);
}
