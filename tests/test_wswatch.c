/* SPDX-License-Identifier: MIT */
/* test_wswatch.c - the working-set watch: InitializeProcessForWsWatch, GetWsChanges and
 * GetWsChangesEx (docs/wswatch.md).  Facts: Wine's psapi_main.c (a page touched after the
 * watch starts is in GetWsChanges' answer), Microsoft's pages (the terminator, the lost count,
 * ERROR_INSUFFICIENT_BUFFER with the buffer empty), ReactOS's psapi (a second
 * InitializeProcessForWsWatch succeeds), System Informer (nothing new: STATUS_NO_MORE_ENTRIES;
 * no watch: STATUS_UNSUCCESSFUL).  Criterion runs each test in its own process, so each starts
 * without a watch.  The same from PE code: wswatch.exe (tests/images/wswatch.c lists its
 * checks) under `winvm run`. */
#define _GNU_SOURCE
#include "testutil.h"
#include "mm/mm.h"
#include <winvm/psapi.h>
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define SELF GetCurrentProcess()
#define CAP 4096

static PSAPI_WS_WATCH_INFORMATION wi[CAP];
static PSAPI_WS_WATCH_INFORMATION_EX wx[CAP];

/* Writes p and returns the address of the writing instruction (what FaultingPc must be). */
static uintptr_t touch(volatile char *p)
{
    uintptr_t pc;
    __asm__ volatile("1: movb $1, (%1)\n\tlea 1b(%%rip), %0" : "=&r"(pc) : "r"(p) : "memory");
    return pc;
}

static uintptr_t peek(const volatile char *p)
{
    uintptr_t pc;
    char c;
    __asm__ volatile("1: movb (%2), %1\n\tlea 1b(%%rip), %0" : "=&r"(pc), "=&q"(c) : "r"(p) : "memory");
    return pc;
}

/* The record of page p in wi (terminated), or NULL. */
static const PSAPI_WS_WATCH_INFORMATION *find(const void *p)
{
    for (size_t i = 0; i < CAP && wi[i].FaultingPc; i++)
        if (((uintptr_t)wi[i].FaultingVa & ~(uintptr_t)0xfff) == (uintptr_t)p)
            return &wi[i];
    return NULL;
}

static size_t count(void)
{
    size_t n = 0;
    while (n < CAP && wi[n].FaultingPc)
        n++;
    return n;
}

Test(wswatch, no_watch_and_bad_handles)
{
    SetLastError(SENTINEL);
    cr_assert_not(GetWsChanges(SELF, wi, sizeof(wi)));
    EXPECT_ERR(ERROR_GEN_FAILURE);
    SetLastError(SENTINEL);
    cr_assert_not(InitializeProcessForWsWatch(NULL));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert(InitializeProcessForWsWatch(SELF));
    SetLastError(SENTINEL);
    cr_assert_not(GetWsChanges(NULL, wi, sizeof(wi)));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    DWORD cb = sizeof(wx);
    SetLastError(SENTINEL);
    cr_assert_not(GetWsChangesEx((HANDLE)(uintptr_t)0x1234, wx, &cb));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
}

Test(wswatch, fresh_pages_recorded_with_pc)
{
    char *p = VirtualAlloc(NULL, 8 * PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(p);
    p[0] = 1; /* resident before the watch: in the working set already */
    cr_assert(InitializeProcessForWsWatch(SELF));
    uintptr_t pc[4];
    pc[0] = touch(p);
    pc[1] = touch(p + PAGE);
    pc[2] = peek(p + 2 * PAGE + 100);
    pc[3] = touch(p + 3 * PAGE + 7);
    touch(p + PAGE + 1); /* in the working set now: no second record */
    memset(wi, 0xab, sizeof(wi));
    cr_assert(GetWsChanges(SELF, wi, sizeof(wi)), "GetWsChanges: %u", GetLastError());
    cr_assert_null(find(p), "a page resident before the watch is not recorded");
    for (int k = 1; k < 4; k++) {
        const PSAPI_WS_WATCH_INFORMATION *r = find(p + k * PAGE);
        cr_assert_not_null(r, "page %d", k);
        cr_assert_eq((uintptr_t)r->FaultingPc, pc[k], "page %d: pc %p, want %p", k, r->FaultingPc, (void *)pc[k]);
        /* The page, its low bit set: a demand-zero page is a soft fault. */
        cr_assert_eq((uintptr_t)r->FaultingVa, (uintptr_t)(p + k * PAGE) | 1);
    }
    cr_assert_eq(count(), 3);
    cr_assert_null(wi[3].FaultingVa, "no records lost");
    /* Taken: nothing new since. */
    SetLastError(SENTINEL);
    cr_assert_not(GetWsChanges(SELF, wi, sizeof(wi)));
    EXPECT_ERR(ERROR_NO_MORE_ITEMS);
    /* Contents untouched by the watch. */
    cr_assert_eq(p[PAGE], 1);
    cr_assert_eq(p[3 * PAGE + 7], 1);
    cr_assert_eq(p[2 * PAGE + 100], 0);
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(wswatch, buffer_rules)
{
    char *p = VirtualAlloc(NULL, 4 * PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    cr_assert(InitializeProcessForWsWatch(SELF));
    for (int k = 0; k < 3; k++)
        touch(p + k * PAGE);
    /* Three records need four entries (the terminator): too small, untouched, kept. */
    memset(wi, 0xab, sizeof(wi));
    SetLastError(SENTINEL);
    cr_assert_not(GetWsChanges(SELF, wi, 3 * sizeof(wi[0])));
    EXPECT_ERR(ERROR_INSUFFICIENT_BUFFER);
    cr_assert_eq(((unsigned char *)wi)[0], 0xab);
    SetLastError(SENTINEL);
    cr_assert_not(GetWsChanges(SELF, (void *)16, sizeof(wi)));
    EXPECT_ERR(ERROR_NOACCESS);
    /* The Ex form: *cb gets the size needed. */
    DWORD cb = sizeof(wx[0]);
    SetLastError(SENTINEL);
    cr_assert_not(GetWsChangesEx(SELF, wx, &cb));
    EXPECT_ERR(ERROR_INSUFFICIENT_BUFFER);
    cr_assert_eq(cb, 4 * sizeof(wx[0]));
    SetLastError(SENTINEL);
    cr_assert_not(GetWsChangesEx(SELF, wx, NULL));
    EXPECT_ERR(ERROR_NOACCESS);
    /* A second InitializeProcessForWsWatch changes nothing. */
    cr_assert(InitializeProcessForWsWatch(SELF));
    cr_assert(GetWsChanges(SELF, wi, 4 * sizeof(wi[0])), "GetWsChanges: %u", GetLastError());
    cr_assert_eq(count(), 3);
    for (int k = 0; k < 3; k++)
        cr_assert_not_null(find(p + k * PAGE));
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(wswatch, lost_records_counted)
{
    size_t n = 1024 + 5; /* WV_WSWATCH_CAP + 5 */
    char *p = VirtualAlloc(NULL, n * PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    cr_assert(InitializeProcessForWsWatch(SELF));
    for (size_t k = 0; k < n; k++)
        touch(p + k * PAGE);
    cr_assert(GetWsChanges(SELF, wi, sizeof(wi)), "GetWsChanges: %u", GetLastError());
    cr_assert_eq(count(), 1024);
    cr_assert_eq((uintptr_t)wi[1024].FaultingVa, 5, "the terminator counts the records lost");
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(p[k * PAGE], 1);
    VirtualFree(p, 0, MEM_RELEASE);
}

struct thr {
    char *page;
    DWORD tid;
};

static void *toucher(void *arg)
{
    struct thr *t = arg;
    t->tid = GetCurrentThreadId();
    touch(t->page);
    return NULL;
}

Test(wswatch, threads_in_ex_form)
{
    char *p = VirtualAlloc(NULL, 4 * PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    cr_assert(InitializeProcessForWsWatch(SELF));
    struct thr t[3];
    pthread_t th[3];
    for (int k = 0; k < 3; k++) {
        t[k].page = p + k * PAGE;
        cr_assert_eq(pthread_create(&th[k], NULL, toucher, &t[k]), 0);
    }
    for (int k = 0; k < 3; k++)
        pthread_join(th[k], NULL);
    DWORD me = GetCurrentThreadId();
    touch(p + 3 * PAGE);
    DWORD cb = sizeof(wx);
    cr_assert(GetWsChangesEx(SELF, wx, &cb), "GetWsChangesEx: %u", GetLastError());
    cr_assert_eq(cb, 5 * sizeof(wx[0]));
    for (int k = 0; k < 4; k++) {
        const PSAPI_WS_WATCH_INFORMATION_EX *r = NULL;
        for (int i = 0; i < 4; i++)
            if (((uintptr_t)wx[i].BasicInfo.FaultingVa & ~(uintptr_t)0xfff) == (uintptr_t)(p + k * PAGE))
                r = &wx[i];
        cr_assert_not_null(r, "page %d", k);
        cr_assert_eq(r->FaultingThreadId, k < 3 ? t[k].tid : me, "page %d", k);
        cr_assert_eq(r->Flags, 0);
    }
    cr_assert_null(wx[4].BasicInfo.FaultingPc);
    cr_assert_null(wx[4].BasicInfo.FaultingVa);
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(wswatch, state_changes_keep_untouched_pages_out)
{
    char *p = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert(InitializeProcessForWsWatch(SELF));
    /* Committed after the watch started; protected again before its first touch. */
    cr_assert_not_null(VirtualAlloc(p, 3 * PAGE, MEM_COMMIT, PAGE_READWRITE));
    DWORD old;
    cr_assert(VirtualProtect(p, PAGE, PAGE_READONLY, &old));
    PSAPI_WORKING_SET_EX_INFORMATION q = {.VirtualAddress = p};
    cr_assert(QueryWorkingSetEx(SELF, &q, sizeof(q)));
    cr_assert_eq(q.VirtualAttributes.Valid, 0);
    uintptr_t pc = peek(p);
    cr_assert(QueryWorkingSetEx(SELF, &q, sizeof(q)));
    cr_assert_eq(q.VirtualAttributes.Valid, 1);
    cr_assert_eq(q.VirtualAttributes.Win32Protection, PAGE_READONLY);
    /* Protected to NOACCESS and decommitted while armed: the mark goes (P4, validate.c). */
    cr_assert(VirtualProtect(p + PAGE, PAGE, PAGE_NOACCESS, &old));
    cr_assert(VirtualFree(p + 2 * PAGE, PAGE, MEM_DECOMMIT));
    wv_space_validate();
    /* A view mapped after the watch started. */
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 2 * PAGE, NULL);
    char *v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(v);
    uintptr_t vpc = touch(v + PAGE);
    cr_assert(GetWsChanges(SELF, wi, sizeof(wi)));
    const PSAPI_WS_WATCH_INFORMATION *r = find(p);
    cr_assert_not_null(r);
    cr_assert_eq((uintptr_t)r->FaultingPc, pc);
    r = find(v + PAGE);
    cr_assert_not_null(r, "a section view's page");
    cr_assert_eq((uintptr_t)r->FaultingPc, vpc);
    cr_assert_null(find(v));
    cr_assert_null(find(p + PAGE));
    cr_assert_null(find(p + 2 * PAGE));
    cr_assert_eq(count(), 2);
    cr_assert_eq(v[PAGE], 1);
    UnmapViewOfFile(v);
    CloseHandle(m);
    VirtualFree(p, 0, MEM_RELEASE);
}

static void write_one(void *p) { touch(p); }

Test(wswatch, access_violation_brings_nothing_in)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READONLY);
    cr_assert(InitializeProcessForWsWatch(SELF));
    cr_assert_eq(winvm_try(write_one, p, NULL), STATUS_ACCESS_VIOLATION);
    SetLastError(SENTINEL);
    cr_assert_not(GetWsChanges(SELF, wi, sizeof(wi)));
    EXPECT_ERR(ERROR_NO_MORE_ITEMS);
    uintptr_t pc = peek(p);
    cr_assert(GetWsChanges(SELF, wi, sizeof(wi)));
    cr_assert_eq((uintptr_t)find(p)->FaultingPc, pc);
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(wswatch, from_pe_code, .timeout = 60)
{
    static char out[8192];
    cr_assert_eq(tu_run_checks(WINVM_PE_IMAGES "/wswatch.exe", out, sizeof(out)), 23, "%s", out);
}

/* The kernel cannot write a page the watch holds: ReadFile's transfer takes the page's fault in
 * user mode instead (runtime/uio.c), so the read succeeds and the page is recorded. */
Test(wswatch, read_into_untouched_page)
{
    char path[] = "/tmp/winvm-wswatch-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "watched", 7), 7);
    close(fd);
    HANDLE h = CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    char *p = VirtualAlloc(NULL, 2 * PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    cr_assert(InitializeProcessForWsWatch(SELF));
    DWORD n = 0;
    cr_assert(ReadFile(h, p + PAGE + 10, 7, &n, NULL), "ReadFile: %u", GetLastError());
    cr_assert_eq(n, 7);
    cr_assert_eq(memcmp(p + PAGE + 10, "watched", 7), 0);
    cr_assert(GetWsChanges(SELF, wi, sizeof(wi)));
    cr_assert_not_null(find(p + PAGE));
    cr_assert_null(find(p));
    CloseHandle(h);
    unlink(path);
    VirtualFree(p, 0, MEM_RELEASE);
}
