/* SPDX-License-Identifier: MIT */
/* test_isbad.c - IsBadReadPtr / IsBadWritePtr / IsBadCodePtr.
 * Rules: docs/semantics.md "IsBadReadPtr / IsBadWritePtr / IsBadCodePtr"; Wine's
 * test_IsBadReadPtr/WritePtr/CodePtr (results from Windows), Microsoft's pages, the Old New
 * Thing "IsBadXxxPtr should really be called CrashProgramRandomly" (guard pages). */
#define _GNU_SOURCE
#include "testutil.h"
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RD(p, n) IsBadReadPtr((const void *)(p), (n))
#define WR(p, n) IsBadWritePtr((void *)(p), (n))
#define CODE(p) IsBadCodePtr((FARPROC)(uintptr_t)(p))

static char *commit(SIZE_T size, DWORD prot)
{
    char *p = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, prot);
    cr_assert_not_null(p, "VirtualAlloc(%#x): %u", (unsigned)prot, GetLastError());
    return p;
}

Test(isbad, wine_conformance_cases)
{
    char stackvar = 0;
    void *bad = (void *)(uintptr_t)0xdeadbeef;
    cr_assert_eq(RD(NULL, 0), FALSE);
    cr_assert_eq(RD(NULL, 1), TRUE);
    cr_assert_eq(RD(bad, 0), FALSE);
    cr_assert_eq(RD(bad, 1), TRUE);
    cr_assert_eq(RD(&stackvar, 0), FALSE);
    cr_assert_eq(RD(&stackvar, 1), FALSE);
    cr_assert_eq(WR(NULL, 0), FALSE);
    cr_assert_eq(WR(NULL, 1), TRUE);
    cr_assert_eq(WR(bad, 0), FALSE);
    cr_assert_eq(WR(bad, 1), TRUE);
    cr_assert_eq(WR(&stackvar, 0), FALSE);
    cr_assert_eq(WR(&stackvar, 1), FALSE);
    cr_assert_eq(CODE(NULL), TRUE);
    cr_assert_eq(CODE(bad), TRUE);
    cr_assert_eq(CODE(&stackvar), FALSE, "IsBadCodePtr checks read access only");
}

Test(isbad, size_zero_is_never_bad)
{
    char *r = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_eq(RD(r, 0), FALSE);
    cr_assert_eq(WR(r, 0), FALSE);
    cr_assert_eq(RD((void *)~(uintptr_t)0, 0), FALSE);
}

Test(isbad, reserved_and_noaccess_pages_are_bad)
{
    char *r = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(r);
    cr_assert_eq(RD(r + 0x4000, 4), TRUE);
    cr_assert_eq(WR(r + 0x4000, 4), TRUE);
    cr_assert_eq(CODE(r), TRUE);
    char *n = commit(PAGE, PAGE_NOACCESS);
    cr_assert_eq(RD(n, 1), TRUE);
    cr_assert_eq(WR(n, 1), TRUE);
    cr_assert_eq(CODE(n), TRUE);
}

Test(isbad, each_protection)
{
    static const struct { DWORD prot; BOOL rd, wr; } t[] = {
        {PAGE_READONLY, FALSE, TRUE},
        {PAGE_READWRITE, FALSE, FALSE},
        {PAGE_EXECUTE, FALSE, TRUE}, /* x86-64 reads it (Windows' probe is a read): mm/protect.c */
        {PAGE_EXECUTE_READ, FALSE, TRUE},
        {PAGE_EXECUTE_READWRITE, FALSE, FALSE},
    };
    for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        char *p = commit(2 * PAGE, t[k].prot);
        cr_assert_eq(RD(p, 2 * PAGE), t[k].rd, "read %#x", (unsigned)t[k].prot);
        cr_assert_eq(WR(p + 7, PAGE), t[k].wr, "write %#x", (unsigned)t[k].prot);
        cr_assert_eq(CODE(p + 5), t[k].rd, "code %#x", (unsigned)t[k].prot);
    }
}

Test(isbad, whole_range_is_checked_to_its_last_byte)
{
    char *p = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(VirtualAlloc(p, 0x3000, MEM_COMMIT, PAGE_READWRITE));
    cr_assert_eq(RD(p, 0x3000), FALSE);
    cr_assert_eq(RD(p + 1, 0x2fff), FALSE);
    cr_assert_eq(RD(p + 1, 0x3000), TRUE, "last byte on a reserved page");
    cr_assert_eq(WR(p + 0x2fff, 2), TRUE);
    DWORD old;
    cr_assert(VirtualProtect(p + 0x1000, PAGE, PAGE_READONLY, &old));
    cr_assert_eq(RD(p, 0x3000), FALSE);
    cr_assert_eq(WR(p, 0x3000), TRUE, "read-only page in the middle");
    cr_assert_eq(WR(p + 0x2000, 0x1000), FALSE);
}

Test(isbad, ranges_spanning_allocations)
{
    char *b = tu_free_range(3 * GRAN);
    cr_assert_eq(VirtualAlloc(b, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), b);
    cr_assert_eq(VirtualAlloc(b + GRAN, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY), b + GRAN);
    cr_assert_eq(RD(b + GRAN - 8, 16), FALSE);
    cr_assert_eq(WR(b + GRAN - 8, 16), TRUE);
    cr_assert_eq(RD(b, 2 * GRAN), FALSE);
    /* Running on into free memory. */
    cr_assert_eq(RD(b, 2 * GRAN + 1), TRUE);
}

Test(isbad, wrapping_or_out_of_user_space_is_bad)
{
    char *p = commit(PAGE, PAGE_READWRITE);
    cr_assert_eq(RD(p, ~(UINT_PTR)0), TRUE);
    cr_assert_eq(WR(p, ~(UINT_PTR)0 - (uintptr_t)p + 2), TRUE);
    cr_assert_eq(RD((void *)(~(uintptr_t)0 - 15), 32), TRUE);
    cr_assert_eq(RD((void *)0xffff800000000000ull, 1), TRUE);
    cr_assert_eq(CODE(0xffffffffff600000ull), TRUE); /* the vsyscall page is kernel space */
}

Test(isbad, guard_page_is_bad_once_and_loses_its_guard)
{
    char *p = commit(PAGE, PAGE_READWRITE);
    DWORD old;
    p[0] = 9;
    cr_assert(VirtualProtect(p, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    cr_assert_eq(RD(p, 1), TRUE);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.Protect, PAGE_READWRITE, "probe must consume the guard: %#x", (unsigned)m.Protect);
    cr_assert_eq(tu_host_prot(p), 3);
    cr_assert_eq(RD(p, 1), FALSE);
    cr_assert_eq(p[0], 9);
    cr_assert(VirtualProtect(p, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    cr_assert_eq(WR(p, 1), TRUE);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
    cr_assert(VirtualProtect(p, PAGE, PAGE_READONLY | PAGE_GUARD, &old));
    cr_assert_eq(CODE(p), TRUE);
    cr_assert_eq(tu_query(p).Protect, PAGE_READONLY);
    cr_assert_eq(CODE(p), FALSE);
}

Test(isbad, probe_stops_at_the_first_bad_page)
{
    char *p = commit(0x4000, PAGE_READWRITE);
    DWORD old;
    cr_assert(VirtualProtect(p + 0x1000, 0x2000, PAGE_READWRITE | PAGE_GUARD, &old));
    cr_assert_eq(RD(p, 0x4000), TRUE);
    cr_assert_eq(tu_query(p + 0x1000).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_query(p + 0x2000).Protect, PAGE_READWRITE | PAGE_GUARD, "only the first guard goes");
    cr_assert_eq(RD(p, 0x4000), TRUE);
    cr_assert_eq(RD(p, 0x4000), FALSE);
    /* A no-access page before a guard page: the guard is never reached. */
    cr_assert(VirtualProtect(p + 0x1000, PAGE, PAGE_NOACCESS, &old));
    cr_assert(VirtualProtect(p + 0x2000, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    cr_assert_eq(WR(p, 0x4000), TRUE);
    cr_assert_eq(tu_query(p + 0x2000).Protect, PAGE_READWRITE | PAGE_GUARD);
    /* A read-only page stops a write probe before the guard too. */
    cr_assert(VirtualProtect(p + 0x1000, PAGE, PAGE_READONLY, &old));
    cr_assert_eq(WR(p, 0x4000), TRUE);
    cr_assert_eq(tu_query(p + 0x2000).Protect, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_eq(RD(p, 0x4000), TRUE);
    cr_assert_eq(tu_query(p + 0x2000).Protect, PAGE_READWRITE);
}

static int handler_calls;
static LONG WINAPI count_handler(PEXCEPTION_POINTERS ep)
{
    (void)ep;
    handler_calls++;
    return EXCEPTION_CONTINUE_SEARCH;
}

Test(isbad, answers_without_faulting)
{
    PVOID h = AddVectoredExceptionHandler(1, count_handler);
    cr_assert_not_null(h);
    char *r = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE);
    char *n = commit(PAGE, PAGE_NOACCESS);
    char *g = commit(PAGE, PAGE_READWRITE | PAGE_GUARD);
    char *ro = commit(PAGE, PAGE_READONLY);
    cr_assert(RD(r, 1) && RD(n, 1) && WR(ro, 1) && RD(g, 1));
    cr_assert(WR(tu_free_range(GRAN), 1));
    cr_assert_eq(handler_calls, 0, "IsBad*Ptr raised %d exceptions", handler_calls);
    RemoveVectoredExceptionHandler(h);
}

Test(isbad, memory_winvm_does_not_manage)
{
    char *heap = calloc(1, 100);
    cr_assert_eq(RD(heap, 100), FALSE);
    cr_assert_eq(WR(heap, 100), FALSE);
    free(heap);
    char *m = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(m, MAP_FAILED);
    cr_assert_eq(RD(m, 3 * PAGE), FALSE);
    cr_assert_eq(WR(m, 1), TRUE);
    cr_assert_eq(mprotect(m + PAGE, PAGE, PROT_NONE), 0);
    cr_assert_eq(RD(m, PAGE), FALSE);
    cr_assert_eq(RD(m, PAGE + 1), TRUE);
    cr_assert_eq(mprotect(m + PAGE, PAGE, PROT_READ | PROT_WRITE), 0);
    cr_assert_eq(RD(m, 3 * PAGE), FALSE, "several kernel mappings in a row");
    cr_assert_eq(munmap(m + PAGE, PAGE), 0);
    cr_assert_eq(RD(m, 3 * PAGE), TRUE, "a hole between mappings");
    cr_assert_eq(RD(m + 2 * PAGE, PAGE), FALSE);
    munmap(m, PAGE);
    munmap(m + 2 * PAGE, PAGE);
    cr_assert_eq(CODE((void *)&VirtualAlloc), FALSE, "winvm's own code");
}

Test(isbad, writecopy_counts_as_writable)
{
    char path[] = "/tmp/winvm_isbad_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    cr_assert_eq(ftruncate(fd, PAGE), 0);
    char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    cr_assert_neq(m, MAP_FAILED);
    close(fd);
    cr_assert_eq(tu_query(m).Protect, PAGE_WRITECOPY);
    cr_assert_eq(WR(m, PAGE), FALSE);
    cr_assert_eq(RD(m, PAGE), FALSE);
    munmap(m, PAGE);
}
