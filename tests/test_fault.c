/* SPDX-License-Identifier: MIT */
/* test_fault.c - guard pages, access violations and DEP as Windows exceptions. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <string.h>

static EXCEPTION_RECORD last;
static volatile int calls; /* changed behind the compiler, by the handlers */

static LONG WINAPI record_and_continue(PEXCEPTION_POINTERS ep)
{
    last = *ep->ExceptionRecord;
    calls++;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static LONG WINAPI decline(PEXCEPTION_POINTERS ep)
{
    (void)ep;
    calls++;
    return EXCEPTION_CONTINUE_SEARCH;
}

Test(fault, guard_page_raises_once_then_access_succeeds)
{
    char *p = VirtualAlloc(NULL, 3 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    cr_assert(VirtualProtect(p + PAGE, 2 * PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    PVOID h = AddVectoredExceptionHandler(1, record_and_continue);
    cr_assert_not_null(h);
    calls = 0;
    *(volatile char *)(p + PAGE + 5) = 42; /* raises, guard cleared, retried */
    cr_assert_eq(calls, 1, "calls %d code %#x", calls, last.ExceptionCode);
    cr_assert_eq(last.ExceptionCode, STATUS_GUARD_PAGE_VIOLATION);
    cr_assert_eq(last.NumberParameters, 2);
    cr_assert_eq(last.ExceptionInformation[0], 1);
    cr_assert_eq(last.ExceptionInformation[1], (ULONG_PTR)(p + PAGE + 5));
    cr_assert_eq(p[PAGE + 5], 42);
    *(volatile char *)(p + PAGE + 6) = 43; /* no second exception */
    cr_assert_eq(calls, 1);
    cr_assert_eq(tu_query(p + PAGE).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_query(p + PAGE).RegionSize, PAGE);
    cr_assert_eq(tu_query(p + 2 * PAGE).Protect, PAGE_READWRITE | PAGE_GUARD);
    cr_assert(RemoveVectoredExceptionHandler(h));
    cr_assert_not(RemoveVectoredExceptionHandler(h));
    VirtualFree(p, 0, MEM_RELEASE);
}

struct touch { volatile char *p; int write; };

static void do_touch(void *arg)
{
    struct touch *t = arg;
    if (t->write)
        *t->p = 1;
    else
        (void)*t->p;
}

Test(fault, try_catches_access_violation_with_kind_and_address)
{
    char *p = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    EXCEPTION_RECORD rec;
    struct touch t = {p + 100, 1};
    cr_assert_eq(winvm_try(do_touch, &t, &rec), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(rec.ExceptionCode, STATUS_ACCESS_VIOLATION);
    cr_assert_eq(rec.ExceptionInformation[0], 1);
    cr_assert_eq(rec.ExceptionInformation[1], (ULONG_PTR)(p + 100));
    t.write = 0;
    cr_assert_eq(winvm_try(do_touch, &t, &rec), 0);
    DWORD old;
    cr_assert(VirtualProtect(p, PAGE, PAGE_NOACCESS, &old));
    cr_assert_eq(winvm_try(do_touch, &t, &rec), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(rec.ExceptionInformation[0], 0);
    /* reserved memory */
    cr_assert(VirtualFree(p + PAGE, PAGE, MEM_DECOMMIT));
    t.p = p + PAGE;
    cr_assert_eq(winvm_try(do_touch, &t, &rec), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(rec.ExceptionInformation[1], (ULONG_PTR)(p + PAGE));
    /* released (free) memory */
    VirtualFree(p, 0, MEM_RELEASE);
    t.p = p;
    cr_assert_eq(winvm_try(do_touch, &t, &rec), STATUS_ACCESS_VIOLATION);
}

static void call_it(void *arg) { ((void (*)(void))arg)(); }

Test(fault, executing_a_non_executable_page_is_dep)
{
    unsigned char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    p[0] = 0xc3; /* ret */
    EXCEPTION_RECORD rec;
    cr_assert_eq(winvm_try(call_it, p, &rec), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(rec.ExceptionInformation[0], 8);
    cr_assert_eq(rec.ExceptionInformation[1], (ULONG_PTR)p);
    DWORD old;
    cr_assert(VirtualProtect(p, PAGE, PAGE_EXECUTE_READ, &old));
    cr_assert_eq(winvm_try(call_it, p, &rec), 0);
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(fault, declining_handlers_fall_through_to_try)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
    PVOID h = AddVectoredExceptionHandler(0, decline);
    calls = 0;
    struct touch t = {p, 0};
    cr_assert_eq(winvm_try(do_touch, &t, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(calls, 1);
    RemoveVectoredExceptionHandler(h);
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(fault, unhandled_access_violation_ends_the_process_with_a_report, .signal = 11)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    *(volatile char *)p = 1;
}
