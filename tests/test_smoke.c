/* SPDX-License-Identifier: MIT */
#include "testutil.h"
#include <criterion/criterion.h>

Test(smoke, reserve_commit_protect_query_release)
{
    char *p = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t)p & 0xffff, 0);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.State, MEM_RESERVE);
    cr_assert_eq(m.Protect, 0);
    cr_assert_eq(m.RegionSize, 0x10000);
    cr_assert_eq(VirtualAlloc(p + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE), p + 0x1000);
    p[0x1000] = 42;
    DWORD old;
    cr_assert(VirtualProtect(p + 0x1000, 1, PAGE_READONLY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p + 0x1000), 1);
    cr_assert(tu_write_faults(p + 0x1000));
    m = tu_query(p + 0x1234);
    cr_assert_eq(m.BaseAddress, p + 0x1000);
    cr_assert_eq(m.RegionSize, 0x1000);
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    cr_assert_eq(tu_host_prot(p), -1);
    cr_assert_eq(tu_query(p).State, MEM_FREE);
}
