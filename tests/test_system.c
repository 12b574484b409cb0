/* SPDX-License-Identifier: MIT */
/* test_system.c - constants and layouts, GetSystemInfo, the thread's last error, and the *Ex
 * functions' process handle.  Rules: reference "Constants", wine-vm-facts §0, §1, §3, §6. */
#include "testutil.h"
#include <criterion/criterion.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

/* ---- constants (reference "Constants"; checked at compile time and at run time) ---- */

_Static_assert(PAGE_NOACCESS == 0x01 && PAGE_READONLY == 0x02 && PAGE_READWRITE == 0x04 &&
                   PAGE_WRITECOPY == 0x08 && PAGE_EXECUTE == 0x10 && PAGE_EXECUTE_READ == 0x20 &&
                   PAGE_EXECUTE_READWRITE == 0x40 && PAGE_EXECUTE_WRITECOPY == 0x80 &&
                   PAGE_GUARD == 0x100 && PAGE_NOCACHE == 0x200 && PAGE_WRITECOMBINE == 0x400,
               "PAGE_* values");
_Static_assert(sizeof(MEMORY_BASIC_INFORMATION) == 48, "MEMORY_BASIC_INFORMATION is 48 bytes");
_Static_assert(sizeof(DWORD) == 4 && sizeof(WORD) == 2 && sizeof(SIZE_T) == 8, "LLP64 widths");

#define EQ(a, b) cr_expect_eq((unsigned long long)(a), (unsigned long long)(b), #a " = %#llx, want %#llx", \
                              (unsigned long long)(a), (unsigned long long)(b))

Test(constants, page_protections)
{
    EQ(PAGE_NOACCESS, 0x01);
    EQ(PAGE_READONLY, 0x02);
    EQ(PAGE_READWRITE, 0x04);
    EQ(PAGE_WRITECOPY, 0x08);
    EQ(PAGE_EXECUTE, 0x10);
    EQ(PAGE_EXECUTE_READ, 0x20);
    EQ(PAGE_EXECUTE_READWRITE, 0x40);
    EQ(PAGE_EXECUTE_WRITECOPY, 0x80);
    EQ(PAGE_GUARD, 0x100);
    EQ(PAGE_NOCACHE, 0x200);
    EQ(PAGE_WRITECOMBINE, 0x400);
}

Test(constants, memory_types_and_states)
{
    EQ(MEM_COMMIT, 0x1000);
    EQ(MEM_RESERVE, 0x2000);
    EQ(MEM_DECOMMIT, 0x4000);
    EQ(MEM_RELEASE, 0x8000);
    EQ(MEM_FREE, 0x10000);
    EQ(MEM_PRIVATE, 0x20000);
    EQ(MEM_MAPPED, 0x40000);
    EQ(MEM_RESET, 0x80000);
    EQ(MEM_TOP_DOWN, 0x100000);
    EQ(MEM_WRITE_WATCH, 0x200000);
    EQ(MEM_RESET_UNDO, 0x1000000);
    EQ(MEM_IMAGE, 0x1000000);
    EQ(MEM_LARGE_PAGES, 0x20000000);
    EQ(MEM_PHYSICAL, 0x400000);
}

Test(constants, section_and_file_map)
{
    EQ(SEC_FILE, 0x800000);
    EQ(SEC_IMAGE, 0x1000000);
    EQ(SEC_RESERVE, 0x4000000);
    EQ(SEC_COMMIT, 0x8000000);
    EQ(SEC_NOCACHE, 0x10000000);
    EQ(FILE_MAP_COPY, 0x1);
    EQ(FILE_MAP_WRITE, 0x2);
    EQ(FILE_MAP_READ, 0x4);
    EQ(FILE_MAP_EXECUTE, 0x20);
    EQ(FILE_MAP_ALL_ACCESS, 0xf001f);
}

Test(constants, exception_codes)
{
    EQ(STATUS_ACCESS_VIOLATION, 0xC0000005u);
    EQ(STATUS_GUARD_PAGE_VIOLATION, 0x80000001u);
    EQ(EXCEPTION_ACCESS_VIOLATION, 0xC0000005u);
    EQ(EXCEPTION_GUARD_PAGE, 0x80000001u);
}

Test(constants, error_codes)
{
    EQ(ERROR_SUCCESS, 0);
    EQ(ERROR_ACCESS_DENIED, 5);
    EQ(ERROR_INVALID_HANDLE, 6);
    EQ(ERROR_NOT_ENOUGH_MEMORY, 8);
    EQ(ERROR_BAD_LENGTH, 24);
    EQ(ERROR_INVALID_PARAMETER, 87);
    EQ(ERROR_INVALID_ADDRESS, 487);
    EQ(ERROR_NOACCESS, 998);
    EQ(ERROR_COMMITMENT_LIMIT, 1455);
}

Test(constants, processor_architecture)
{
    EQ(PROCESSOR_ARCHITECTURE_INTEL, 0);
    EQ(PROCESSOR_ARCHITECTURE_ARM, 5);
    EQ(PROCESSOR_ARCHITECTURE_IA64, 6);
    EQ(PROCESSOR_ARCHITECTURE_AMD64, 9);
    EQ(PROCESSOR_ARCHITECTURE_ARM64, 12);
    EQ(PROCESSOR_ARCHITECTURE_UNKNOWN, 0xffff);
    EQ(PROCESSOR_AMD_X8664, 8664);
}

Test(constants, basic_type_widths)
{
    EQ(sizeof(DWORD), 4);
    EQ(sizeof(WORD), 2);
    EQ(sizeof(BYTE), 1);
    EQ(sizeof(BOOL), 4);
    EQ(sizeof(LONG), 4);
    EQ(sizeof(SIZE_T), 8);
    EQ(sizeof(ULONG_PTR), 8);
    EQ(sizeof(HANDLE), 8);
}

Test(constants, memory_basic_information_layout)
{
    EQ(sizeof(MEMORY_BASIC_INFORMATION), 48);
    EQ(offsetof(MEMORY_BASIC_INFORMATION, BaseAddress), 0);
    EQ(offsetof(MEMORY_BASIC_INFORMATION, AllocationBase), 8);
    EQ(offsetof(MEMORY_BASIC_INFORMATION, AllocationProtect), 16);
    EQ(offsetof(MEMORY_BASIC_INFORMATION, PartitionId), 20);
    EQ(offsetof(MEMORY_BASIC_INFORMATION, RegionSize), 24);
    EQ(offsetof(MEMORY_BASIC_INFORMATION, State), 32);
    EQ(offsetof(MEMORY_BASIC_INFORMATION, Protect), 36);
    EQ(offsetof(MEMORY_BASIC_INFORMATION, Type), 40);
}

Test(constants, system_info_layout)
{
    EQ(sizeof(SYSTEM_INFO), 48);
    EQ(offsetof(SYSTEM_INFO, dwOemId), 0);
    EQ(offsetof(SYSTEM_INFO, wProcessorArchitecture), 0);
    EQ(offsetof(SYSTEM_INFO, wReserved), 2);
    EQ(offsetof(SYSTEM_INFO, dwPageSize), 4);
    EQ(offsetof(SYSTEM_INFO, lpMinimumApplicationAddress), 8);
    EQ(offsetof(SYSTEM_INFO, lpMaximumApplicationAddress), 16);
    EQ(offsetof(SYSTEM_INFO, dwActiveProcessorMask), 24);
    EQ(offsetof(SYSTEM_INFO, dwNumberOfProcessors), 32);
    EQ(offsetof(SYSTEM_INFO, dwProcessorType), 36);
    EQ(offsetof(SYSTEM_INFO, dwAllocationGranularity), 40);
    EQ(offsetof(SYSTEM_INFO, wProcessorLevel), 44);
    EQ(offsetof(SYSTEM_INFO, wProcessorRevision), 46);
}

/* ---- GetSystemInfo ---- */

static void check_system_info(const SYSTEM_INFO *si)
{
    cr_assert_eq(si->dwPageSize, 0x1000);
    cr_assert_eq(si->dwAllocationGranularity, 0x10000);
    cr_assert_eq(si->lpMinimumApplicationAddress, (void *)0x10000);
    cr_assert_eq(si->lpMaximumApplicationAddress, (void *)0x7FFFFFFEFFFFull);
    cr_assert_eq(si->wProcessorArchitecture, PROCESSOR_ARCHITECTURE_AMD64);
    cr_assert_eq(si->dwProcessorType, PROCESSOR_AMD_X8664);
    cr_assert_eq(si->dwOemId & 0xffff, PROCESSOR_ARCHITECTURE_AMD64);
}

Test(system, get_system_info_x64_values)
{
    SYSTEM_INFO si;
    memset(&si, 0xcc, sizeof(si));
    GetSystemInfo(&si);
    check_system_info(&si);
}

Test(system, get_native_system_info_x64_values)
{
    SYSTEM_INFO si;
    memset(&si, 0xcc, sizeof(si));
    GetNativeSystemInfo(&si);
    check_system_info(&si);
}

Test(system, processor_count_and_mask)
{
    SYSTEM_INFO si;
    memset(&si, 0xcc, sizeof(si));
    GetSystemInfo(&si);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n > 64)
        n = 64;
    cr_assert_eq(si.dwNumberOfProcessors, (DWORD)n);
    cr_assert_eq((DWORD)__builtin_popcountll(si.dwActiveProcessorMask), si.dwNumberOfProcessors);
}

Test(system, reported_granularity_and_range_match_allocations)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    for (int i = 0; i < 4; i++) {
        char *p = VirtualAlloc(NULL, 0x1000, MEM_RESERVE, PAGE_READWRITE);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % si.dwAllocationGranularity, 0);
        cr_assert_geq((uintptr_t)p, (uintptr_t)si.lpMinimumApplicationAddress);
        cr_assert_leq((uintptr_t)p, (uintptr_t)si.lpMaximumApplicationAddress);
    }
}

/* ---- last error ---- */

Test(system, set_and_get_last_error)
{
    SetLastError(1234);
    cr_assert_eq(GetLastError(), 1234);
    SetLastError(0);
    cr_assert_eq(GetLastError(), 0);
    SetLastError(0xffffffffu);
    cr_assert_eq(GetLastError(), 0xffffffffu);
}

Test(system, failed_call_sets_last_error)
{
    SetLastError(0);
    cr_assert_null(VirtualAlloc(NULL, 0, MEM_RESERVE, PAGE_READWRITE));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
}

struct thread_result {
    DWORD initial;
    DWORD after_set;
    DWORD after_failure;
};

static void *thread_body(void *arg)
{
    struct thread_result *r = arg;
    r->initial = GetLastError();
    SetLastError(555);
    r->after_set = GetLastError();
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(NULL, &m, 1); /* fails with ERROR_BAD_LENGTH in this thread */
    r->after_failure = GetLastError();
    return NULL;
}

Test(system, last_error_is_per_thread)
{
    SetLastError(1234);
    struct thread_result r = {SENTINEL, SENTINEL, SENTINEL};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, thread_body, &r), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
    cr_assert_eq(r.initial, 0, "a new thread starts with last error %u", r.initial);
    cr_assert_eq(r.after_set, 555);
    cr_assert_eq(r.after_failure, ERROR_BAD_LENGTH);
    cr_assert_eq(GetLastError(), 1234, "another thread changed this thread's last error");
}

/* ---- process handles and the *Ex functions ---- */

Test(system, current_process_pseudo_handle)
{
    cr_assert_eq(GetCurrentProcess(), (HANDLE)(intptr_t)-1);
    cr_assert_eq(GetCurrentProcessId(), (DWORD)getpid());
}

Test(system, ex_functions_work_on_current_process)
{
    HANDLE self = GetCurrentProcess();
    char *p = VirtualAllocEx(self, NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t)p & 0xffff, 0);
    cr_assert_eq(VirtualAllocEx(self, p, 0x2000, MEM_COMMIT, PAGE_READWRITE), p);
    p[0x1fff] = 1;
    DWORD old = SENTINEL;
    cr_assert(VirtualProtectEx(self, p, 0x1000, PAGE_READONLY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p), 1);
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQueryEx(self, p, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.RegionSize, 0x1000);
    cr_assert(VirtualFreeEx(self, p, 0x2000, MEM_DECOMMIT));
    cr_assert_eq(tu_query(p).State, MEM_RESERVE);
    cr_assert(VirtualFreeEx(self, p, 0, MEM_RELEASE));
    cr_assert_eq(tu_query(p).State, MEM_FREE);
    cr_assert_eq(tu_host_prot(p), -1);
}

Test(system, ex_functions_check_arguments_like_plain_ones)
{
    HANDLE self = GetCurrentProcess();
    SetLastError(SENTINEL);
    cr_assert_null(VirtualAllocEx(self, NULL, 0, MEM_RESERVE, PAGE_NOACCESS));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    char *p = VirtualAllocEx(self, NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    SetLastError(SENTINEL);
    cr_assert_not(VirtualFreeEx(self, p, GRAN, 0));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL);
    cr_assert_not(VirtualFreeEx(self, p, 0, MEM_FREE));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL);
    cr_assert_not(VirtualFreeEx(self, p, 1, MEM_RELEASE));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_eq(tu_query(p).State, MEM_COMMIT);
}

static const uintptr_t bad_handles[4] = {0, 0x1234, (uintptr_t)-2 /* current thread */, 4};

Test(system, alloc_ex_bad_handle_fails_6)
{
    for (int i = 0; i < 4; i++) {
        HANDLE h = (HANDLE)bad_handles[i];
        SetLastError(SENTINEL);
        cr_assert_null(VirtualAllocEx(h, NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
        EXPECT_ERR(ERROR_INVALID_HANDLE);
    }
    /* Nothing is mapped, even at an explicit free address. */
    char *x = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(x);
    cr_assert(VirtualFree(x, 0, MEM_RELEASE));
    SetLastError(SENTINEL);
    cr_assert_null(VirtualAllocEx(NULL, x, GRAN, MEM_RESERVE, PAGE_READWRITE));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert_eq(tu_query(x).State, MEM_FREE);
    cr_assert_eq(tu_host_prot(x), -1);
}

Test(system, free_ex_bad_handle_fails_6)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    p[0] = 7;
    for (int i = 0; i < 4; i++) {
        HANDLE h = (HANDLE)bad_handles[i];
        SetLastError(SENTINEL);
        cr_assert_not(VirtualFreeEx(h, p, 0, MEM_RELEASE));
        EXPECT_ERR(ERROR_INVALID_HANDLE);
        SetLastError(SENTINEL);
        cr_assert_not(VirtualFreeEx(h, p, 0x1000, MEM_DECOMMIT));
        EXPECT_ERR(ERROR_INVALID_HANDLE);
    }
    cr_assert_eq(tu_query(p).State, MEM_COMMIT);
    cr_assert_eq(tu_query(p).RegionSize, GRAN);
    cr_assert_eq(p[0], 7);
}

Test(system, protect_ex_bad_handle_fails_6)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    for (int i = 0; i < 4; i++) {
        DWORD old = SENTINEL;
        SetLastError(SENTINEL);
        cr_assert_not(VirtualProtectEx((HANDLE)bad_handles[i], p, 0x1000, PAGE_READONLY, &old));
        EXPECT_ERR(ERROR_INVALID_HANDLE);
    }
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p), 3);
}

Test(system, query_ex_bad_handle_fails_6)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    for (int i = 0; i < 4; i++) {
        MEMORY_BASIC_INFORMATION m;
        memset(&m, 0xab, sizeof(m));
        SetLastError(SENTINEL);
        cr_assert_eq(VirtualQueryEx((HANDLE)bad_handles[i], p, &m, sizeof(m)), 0);
        EXPECT_ERR(ERROR_INVALID_HANDLE);
    }
}
