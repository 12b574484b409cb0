/* SPDX-License-Identifier: MIT */
/* test_vlock.c - VirtualLock / VirtualUnlock.
 * Rules: docs/semantics.md "VirtualLock / VirtualUnlock"; Microsoft's VirtualLock and
 * VirtualUnlock pages, Wine's test_guard_page, NT's NtLockVirtualMemory (WRK lockvm.c).
 * The kernel's view of a lock is read from /proc/self/smaps (VmFlags "lo", Locked:). */
#define _GNU_SOURCE
#include "testutil.h"
#include <criterion/criterion.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The smaps entry of the mapping containing addr: its "lo" flag and its Locked: kB. */
static bool smaps_entry(const void *addr, bool *lo, long *locked_kb)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    cr_assert_not_null(f);
    char line[512];
    bool in = false, found = false;
    *lo = false;
    *locked_kb = -1;
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3) {
            if (in)
                break;
            in = (uintptr_t)addr >= s && (uintptr_t)addr < e;
            found |= in;
            continue;
        }
        if (!in)
            continue;
        if (strncmp(line, "Locked:", 7) == 0)
            *locked_kb = strtol(line + 7, NULL, 10);
        if (strncmp(line, "VmFlags:", 8) == 0)
            *lo = strstr(line, " lo") != NULL;
    }
    fclose(f);
    return found;
}

/* Whether the kernel has the page at addr in a locked (VM_LOCKED) mapping.  Locked: alone
 * would not do: read-only pages are populated with the shared zero page, which it omits. */
static bool host_locked(const void *addr)
{
    bool lo;
    long kb;
    cr_assert(smaps_entry(addr, &lo, &kb), "no mapping at %p", addr);
    return lo;
}

/* Locked: kB of the mapping containing addr (mlock splits mappings at lock boundaries). */
static long locked_kb(const void *addr)
{
    bool lo;
    long kb;
    cr_assert(smaps_entry(addr, &lo, &kb));
    return kb;
}

static char *rw(SIZE_T size)
{
    char *p = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    return p;
}

#define LOCK_FAILS(err, addr, size)                                                        \
    do {                                                                                   \
        SetLastError(SENTINEL);                                                            \
        cr_assert_not(VirtualLock((void *)(addr), (size)), "VirtualLock(%p, %#zx) succeeded", \
                      (void *)(addr), (size_t)(size));                                     \
        EXPECT_ERR(err);                                                                   \
    } while (0)

#define UNLOCK_FAILS(err, addr, size)                                                      \
    do {                                                                                   \
        SetLastError(SENTINEL);                                                            \
        cr_assert_not(VirtualUnlock((void *)(addr), (size)),                               \
                      "VirtualUnlock(%p, %#zx) succeeded", (void *)(addr), (size_t)(size)); \
        EXPECT_ERR(err);                                                                   \
    } while (0)

#define OK(call) cr_assert((call), #call " failed: %u", GetLastError())

Test(vlock, range_is_rounded_out_to_pages)
{
    char *p = rw(GRAN);
    SetLastError(SENTINEL);
    OK(VirtualLock(p + 0x1fff, 2)); /* a 2-byte range straddling a boundary: two pages */
    EXPECT_ERR(SENTINEL);           /* success leaves the last error alone */
    cr_assert_not(host_locked(p));
    cr_assert(host_locked(p + 0x1000));
    cr_assert(host_locked(p + 0x2000));
    cr_assert_not(host_locked(p + 0x3000));
    cr_assert_eq(locked_kb(p + 0x1000), 8);
    OK(VirtualUnlock(p + 0x1000, 0x2000));
    cr_assert_not(host_locked(p + 0x1000));
    cr_assert_not(host_locked(p + 0x2000));
}

Test(vlock, locked_memory_keeps_contents_state_and_protection)
{
    char *p = rw(GRAN);
    memset(p, 0x5a, 0x3000);
    OK(VirtualLock(p, 0x3000));
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.RegionSize, GRAN, "a lock is not visible to VirtualQuery");
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(p[0x2fff], 0x5a);
    DWORD old;
    OK(VirtualProtect(p, 0x1000, PAGE_READONLY, &old));
    cr_assert(host_locked(p), "VirtualProtect must keep the lock");
    OK(VirtualUnlock(p, 0x3000));
}

Test(vlock, bad_arguments_are_invalid_parameter)
{
    char *p = rw(GRAN);
    LOCK_FAILS(ERROR_INVALID_PARAMETER, p, 0);
    UNLOCK_FAILS(ERROR_INVALID_PARAMETER, p, 0);
    LOCK_FAILS(ERROR_INVALID_PARAMETER, UEND, PAGE);
    UNLOCK_FAILS(ERROR_INVALID_PARAMETER, UEND, PAGE);
    LOCK_FAILS(ERROR_INVALID_PARAMETER, p, ~(SIZE_T)0 - 0x100); /* wraps */
    LOCK_FAILS(ERROR_INVALID_PARAMETER, UEND - PAGE, 2 * PAGE); /* leaves user space */
    cr_assert_not(host_locked(p));
}

Test(vlock, every_page_must_be_committed)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    LOCK_FAILS(ERROR_NOACCESS, p, PAGE);
    cr_assert_not_null(VirtualAlloc(p, 0x2000, MEM_COMMIT, PAGE_READWRITE));
    /* Two committed pages, then a reserved one: nothing is locked. */
    LOCK_FAILS(ERROR_NOACCESS, p, 0x3000);
    cr_assert_not(host_locked(p));
    cr_assert_not(host_locked(p + 0x1000));
    OK(VirtualLock(p, 0x2000));
    OK(VirtualUnlock(p, 0x2000));
}

Test(vlock, noaccess_memory_cannot_be_locked)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
    cr_assert_not_null(p);
    LOCK_FAILS(ERROR_NOACCESS, p, PAGE);
    DWORD old;
    OK(VirtualProtect(p, PAGE, PAGE_READONLY, &old));
    OK(VirtualLock(p, PAGE)); /* read-only pages can be */
    LOCK_FAILS(ERROR_NOACCESS, p, 2 * PAGE);
    cr_assert(host_locked(p), "a failed lock must not undo an earlier one");
}

Test(vlock, free_memory_cannot_be_locked)
{
    char *f = tu_free_range(GRAN);
    LOCK_FAILS(ERROR_NOACCESS, f, PAGE);
    /* An allocation followed by free memory. */
    char *p = rw(0x2000);
    cr_assert_not_null(p);
    LOCK_FAILS(ERROR_NOACCESS, p, GRAN + PAGE);
    cr_assert_not(host_locked(p));
}

Test(vlock, first_lock_of_a_guard_page_fails_and_consumes_the_guard)
{
    /* Wine test_guard_page (results from Windows). */
    char *p = rw(PAGE);
    DWORD old;
    *(int *)p = 1;
    OK(VirtualProtect(p, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    LOCK_FAILS(STATUS_GUARD_PAGE_VIOLATION, p, PAGE);
    cr_assert_eq(GetLastError(), 0x80000001u);
    cr_assert_not(host_locked(p));
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.Protect, PAGE_READWRITE, "guard not consumed: %#x", (unsigned)m.Protect);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(tu_host_prot(p), 3);
    OK(VirtualLock(p, PAGE));
    cr_assert_eq(*(int *)p, 1);
    cr_assert(host_locked(p));
    OK(VirtualUnlock(p, PAGE));
}

Test(vlock, each_call_consumes_only_the_first_guard)
{
    char *p = VirtualAlloc(NULL, 0x3000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    DWORD old;
    OK(VirtualProtect(p + 0x1000, 0x2000, PAGE_READWRITE | PAGE_GUARD, &old));
    LOCK_FAILS(STATUS_GUARD_PAGE_VIOLATION, p, 0x3000);
    cr_assert_eq(tu_query(p + 0x1000).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_query(p + 0x2000).Protect, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_not(host_locked(p), "pages before the guard must not stay locked");
    LOCK_FAILS(STATUS_GUARD_PAGE_VIOLATION, p, 0x3000);
    cr_assert_eq(tu_query(p + 0x2000).Protect, PAGE_READWRITE);
    OK(VirtualLock(p, 0x3000));
    cr_assert(host_locked(p + 0x2000));
}

Test(vlock, guard_survives_when_an_earlier_page_or_free_memory_fails)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    cr_assert_not_null(VirtualAlloc(p + 0x1000, PAGE, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD));
    cr_assert_not_null(VirtualAlloc(p + 0xF000, PAGE, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD));
    /* A reserved page is probed first. */
    LOCK_FAILS(ERROR_NOACCESS, p, 0x2000);
    cr_assert_eq(tu_query(p + 0x1000).Protect, PAGE_READWRITE | PAGE_GUARD);
    /* Free memory anywhere in the range fails it before any page is probed. */
    LOCK_FAILS(ERROR_NOACCESS, p + 0xF000, 0x2000);
    cr_assert_eq(tu_query(p + 0xF000).Protect, PAGE_READWRITE | PAGE_GUARD);
}

Test(vlock, unlock_needs_every_page_locked)
{
    char *p = rw(GRAN);
    UNLOCK_FAILS(ERROR_NOT_LOCKED, p, PAGE);
    OK(VirtualLock(p, 0x2000));
    /* Partly locked: fails, and the locked part stays locked. */
    UNLOCK_FAILS(ERROR_NOT_LOCKED, p, 0x3000);
    cr_assert(host_locked(p));
    cr_assert(host_locked(p + 0x1000));
    UNLOCK_FAILS(ERROR_NOT_LOCKED, tu_free_range(GRAN), PAGE);
    /* Reserved (never lockable) pages are "not locked" too. */
    char *r = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    UNLOCK_FAILS(ERROR_NOT_LOCKED, r, PAGE);
    OK(VirtualUnlock(p, 0x2000));
}

Test(vlock, unlock_range_need_not_match_the_lock)
{
    char *p = rw(GRAN);
    OK(VirtualLock(p, 0x4000));
    OK(VirtualUnlock(p + 0x1800, 0x1000)); /* pages 1 and 2 */
    cr_assert(host_locked(p));
    cr_assert_not(host_locked(p + 0x1000));
    cr_assert_not(host_locked(p + 0x2000));
    cr_assert(host_locked(p + 0x3000));
    UNLOCK_FAILS(ERROR_NOT_LOCKED, p, 0x4000);
    OK(VirtualUnlock(p + 0x3000, PAGE));
    OK(VirtualUnlock(p, PAGE));
}

Test(vlock, locks_do_not_nest)
{
    char *p = rw(GRAN);
    OK(VirtualLock(p, 0x2000));
    OK(VirtualLock(p, 0x2000));
    OK(VirtualLock(p + 0x1000, 0x1000));
    OK(VirtualUnlock(p, 0x2000));
    cr_assert_not(host_locked(p));
    UNLOCK_FAILS(ERROR_NOT_LOCKED, p, PAGE);
}

Test(vlock, decommit_drops_locks_and_discards_contents)
{
    char *p = rw(GRAN);
    memset(p, 0x77, 0x3000);
    OK(VirtualLock(p, 0x3000));
    OK(VirtualFree(p + 0x1000, 0x1000, MEM_DECOMMIT));
    cr_assert_eq(tu_query(p + 0x1000).State, MEM_RESERVE);
    cr_assert_not(host_locked(p + 0x1000));
    cr_assert(host_locked(p), "decommit unlocks only the decommitted pages");
    cr_assert(host_locked(p + 0x2000));
    cr_assert_not_null(VirtualAlloc(p + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE));
    cr_assert_eq(p[0x1000], 0, "decommitted locked page kept its contents");
    cr_assert_eq(p[0x1fff], 0);
    UNLOCK_FAILS(ERROR_NOT_LOCKED, p + 0x1000, PAGE);
    cr_assert_eq(p[0], 0x77);
    OK(VirtualUnlock(p, PAGE));
    OK(VirtualUnlock(p + 0x2000, PAGE));
}

Test(vlock, release_drops_locks)
{
    char *p = rw(GRAN);
    OK(VirtualLock(p, GRAN));
    OK(VirtualFree(p, 0, MEM_RELEASE));
    UNLOCK_FAILS(ERROR_NOT_LOCKED, p, PAGE);
    char *q = VirtualAlloc(p, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(q, p);
    cr_assert_not(host_locked(q));
    UNLOCK_FAILS(ERROR_NOT_LOCKED, q, PAGE);
}

Test(vlock, range_may_span_allocations)
{
    char *b = tu_free_range(2 * GRAN);
    cr_assert_eq(VirtualAlloc(b, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), b);
    cr_assert_eq(VirtualAlloc(b + GRAN, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY), b + GRAN);
    OK(VirtualLock(b + GRAN - PAGE, 2 * PAGE));
    cr_assert(host_locked(b + GRAN - PAGE));
    cr_assert(host_locked(b + GRAN));
    OK(VirtualUnlock(b + GRAN - PAGE, 2 * PAGE));
    cr_assert_not(host_locked(b + GRAN));
}

Test(vlock, memory_winvm_does_not_manage)
{
    char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(m, MAP_FAILED);
    UNLOCK_FAILS(ERROR_NOT_LOCKED, m, PAGE);
    OK(VirtualLock(m + PAGE, 2 * PAGE));
    cr_assert(host_locked(m + PAGE));
    cr_assert_not(host_locked(m));
    UNLOCK_FAILS(ERROR_NOT_LOCKED, m, 2 * PAGE);
    cr_assert(host_locked(m + PAGE));
    OK(VirtualUnlock(m + PAGE, 2 * PAGE));
    cr_assert_not(host_locked(m + PAGE));
    UNLOCK_FAILS(ERROR_NOT_LOCKED, m + PAGE, PAGE);
    cr_assert_eq(mprotect(m, PAGE, PROT_NONE), 0);
    LOCK_FAILS(ERROR_NOACCESS, m, 2 * PAGE);
    cr_assert_not(host_locked(m + PAGE));
    munmap(m, 4 * PAGE);
}

/* Drops CAP_IPC_LOCK (which lets root lock past RLIMIT_MEMLOCK) from this process.  Criterion
 * runs each test in its own process, so nothing else is affected. */
static bool drop_ipc_lock(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return false;
    d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
    d[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
    return syscall(SYS_capset, &h, d) == 0;
}

Test(vlock, memlock_limit_is_working_set_quota_and_changes_nothing)
{
    cr_assert(drop_ipc_lock(), "capset: cannot drop CAP_IPC_LOCK");
    struct rlimit rl = {.rlim_cur = 16 * PAGE, .rlim_max = 16 * PAGE};
    cr_assert_eq(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
    char *p = rw(16 * GRAN);
    OK(VirtualLock(p, 4 * PAGE));
    LOCK_FAILS(ERROR_WORKING_SET_QUOTA, p, 16 * GRAN);
    cr_assert(host_locked(p), "the earlier lock must survive");
    cr_assert_not(host_locked(p + 4 * PAGE));
    cr_assert_eq(locked_kb(p), 16);
    /* Relocking locked pages costs nothing against the limit. */
    OK(VirtualLock(p, 4 * PAGE));
    OK(VirtualLock(p, 16 * PAGE));
    LOCK_FAILS(ERROR_WORKING_SET_QUOTA, p + 16 * PAGE, PAGE);
    UNLOCK_FAILS(ERROR_NOT_LOCKED, p + 16 * PAGE, PAGE);
    OK(VirtualUnlock(p, 16 * PAGE));
    OK(VirtualLock(p + 16 * PAGE, PAGE));
}
