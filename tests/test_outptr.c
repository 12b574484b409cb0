/* SPDX-License-Identifier: MIT */
/* test_outptr.c - output pointers that are bad, or go bad while the call runs (issue 14, fact
 * 7 and its audit): the call fails with ERROR_NOACCESS and the process lives. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

Test(outptr, get_system_info_into_bad_memory)
{
    SYSTEM_INFO good;
    SetLastError(SENTINEL);
    GetSystemInfo(&good);
    cr_assert_eq(GetLastError(), SENTINEL, "success leaves the last error alone");
    cr_assert_eq(good.dwPageSize, 4096);
    SetLastError(SENTINEL);
    GetSystemInfo(NULL);
    EXPECT_ERR(ERROR_NOACCESS);
    char *ro = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(ro);
    memset(ro, 0x5a, PAGE);
    DWORD old;
    cr_assert(VirtualProtect(ro, PAGE, PAGE_READONLY, &old));
    SetLastError(SENTINEL);
    GetSystemInfo((LPSYSTEM_INFO)ro);
    EXPECT_ERR(ERROR_NOACCESS);
    for (size_t i = 0; i < PAGE; i++)
        cr_assert_eq((unsigned char)ro[i], 0x5a, "byte %zu changed", i);
    SetLastError(SENTINEL);
    GetNativeSystemInfo((LPSYSTEM_INFO)ro + 0);
    EXPECT_ERR(ERROR_NOACCESS);
    VirtualFree(ro, 0, MEM_RELEASE);
}

static struct {
    char *array_page;
    volatile bool stop;
} flip;

static void *flipper(void *arg)
{
    (void)arg;
    DWORD old;
    while (!flip.stop) {
        VirtualProtect(flip.array_page, PAGE, PAGE_NOACCESS, &old);
        VirtualProtect(flip.array_page, PAGE, PAGE_READWRITE, &old);
    }
    return NULL;
}

/* Another thread makes GetWriteWatch's address array unwritable and writable again while the
 * call runs: each call succeeds or fails with ERROR_NOACCESS; none crashes. */
Test(outptr, write_watch_array_going_bad_during_the_call, .timeout = 120)
{
    char *watched = VirtualAlloc(NULL, 64 * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
    flip.array_page = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert(watched && flip.array_page);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, flipper, NULL), 0);
    unsigned ok = 0, noaccess = 0;
    for (int round = 0; round < 20000; round++) {
        for (int p = 0; p < 64; p += 3)
            watched[p * PAGE] = (char)round;
        ULONG_PTR count = 64;
        DWORD gran = 0;
        SetLastError(SENTINEL);
        UINT r = GetWriteWatch(WRITE_WATCH_FLAG_RESET, watched, 64 * PAGE, (PVOID *)flip.array_page, &count, &gran);
        if (r == 0) {
            ok++;
            cr_assert_leq(count, 22u);
        } else {
            cr_assert_eq(GetLastError(), ERROR_NOACCESS, "round %d: error %u", round, GetLastError());
            noaccess++;
        }
    }
    flip.stop = true;
    pthread_join(t, NULL);
    cr_assert_gt(ok, 0u, "some calls found the array writable");
    cr_log_info("%u succeeded, %u ERROR_NOACCESS", ok, noaccess);
    VirtualFree(watched, 0, MEM_RELEASE);
    VirtualFree(flip.array_page, 0, MEM_RELEASE);
}
