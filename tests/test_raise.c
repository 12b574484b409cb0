/* SPDX-License-Identifier: MIT */
/* test_raise.c - RaiseException: software exceptions through the same dispatch as faults. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

static int seen;
static DWORD seen_code, seen_flags, seen_n;
static ULONG_PTR seen_arg;

static LONG WINAPI continue_handler(PEXCEPTION_POINTERS ep)
{
    if (ep->ExceptionRecord->ExceptionCode != 0xE0001234u && ep->ExceptionRecord->ExceptionCode != 0xE0005678u)
        return EXCEPTION_CONTINUE_SEARCH;
    seen++;
    seen_code = ep->ExceptionRecord->ExceptionCode;
    seen_flags = ep->ExceptionRecord->ExceptionFlags;
    seen_n = ep->ExceptionRecord->NumberParameters;
    seen_arg = ep->ExceptionRecord->ExceptionInformation[0];
    return EXCEPTION_CONTINUE_EXECUTION;
}

Test(raise, continuable_returns_after_handler)
{
    PVOID h = AddVectoredExceptionHandler(1, continue_handler);
    ULONG_PTR args[20];
    for (int i = 0; i < 20; i++)
        args[i] = 100 + (ULONG_PTR)i;
    seen = 0;
    RaiseException(0xE0001234u, 0, 20, args);
    cr_assert_eq(seen, 1, "the handler ran once and execution continued");
    cr_assert_eq(seen_code, 0xE0001234u);
    cr_assert_eq(seen_flags, 0);
    cr_assert_eq(seen_n, EXCEPTION_MAXIMUM_PARAMETERS, "at most 15 parameters");
    cr_assert_eq(seen_arg, 100);
    RemoveVectoredExceptionHandler(h);
}

static void raise_it(void *arg)
{
    ULONG_PTR a = (ULONG_PTR)arg;
    RaiseException(0xE0005678u, EXCEPTION_NONCONTINUABLE, 1, &a);
    cr_assert_fail("returned from a noncontinuable exception");
}

Test(raise, caught_by_winvm_try)
{
    EXCEPTION_RECORD rec;
    memset(&rec, 0, sizeof(rec));
    cr_assert_eq(winvm_try(raise_it, (void *)77, &rec), 0xE0005678u);
    cr_assert_eq(rec.ExceptionFlags, EXCEPTION_NONCONTINUABLE);
    cr_assert_eq(rec.NumberParameters, 1);
    cr_assert_eq(rec.ExceptionInformation[0], 77);
}

Test(raise, continuing_a_noncontinuable_raises_nested)
{
    PVOID h = AddVectoredExceptionHandler(1, continue_handler); /* continues everything it sees */
    EXCEPTION_RECORD rec;
    memset(&rec, 0, sizeof(rec));
    seen = 0;
    cr_assert_eq(winvm_try(raise_it, (void *)5, &rec), STATUS_NONCONTINUABLE_EXCEPTION);
    cr_assert_eq(seen, 1);
    cr_assert_not_null(rec.ExceptionRecord, "the nested record points at the first");
    RemoveVectoredExceptionHandler(h);
}

Test(raise, unhandled_ends_the_process, .signal = SIGSEGV)
{
    RaiseException(0xE0009999u, 0, 0, NULL);
}
