/* SPDX-License-Identifier: MIT */
/* test_fault_continue.c - vectored continue handlers for C callers (when they run, their order,
 * what their answer does, their handles) and OutputDebugStringA/W's exceptions without a
 * debugger.  PE code's side of both: tests/images/veh.c (test_seh). */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <string.h>

static char seen[64];
static int nseen;
static char *noaccess; /* a page the continue handler 'R' opens */

static void saw(char c)
{
    if (nseen < 63)
        seen[nseen++] = c, seen[nseen] = 0;
}

static void reset(void) { nseen = 0, seen[0] = 0; }

static LONG WINAPI veh(PEXCEPTION_POINTERS ep)
{
    DWORD code = ep->ExceptionRecord->ExceptionCode;
    if (code == STATUS_ACCESS_VIOLATION || code == 0xE0000001 || code == 0xE0000002) {
        saw('V');
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

static LONG WINAPI c1(PEXCEPTION_POINTERS ep) { (void)ep, saw('1'); return EXCEPTION_CONTINUE_SEARCH; }
static LONG WINAPI c3(PEXCEPTION_POINTERS ep) { (void)ep, saw('3'); return EXCEPTION_CONTINUE_SEARCH; }
/* Ends the list for 0xE0000002; makes the faulting page readable for an access violation. */
static LONG WINAPI c2(PEXCEPTION_POINTERS ep)
{
    saw('2');
    DWORD old;
    if (ep->ExceptionRecord->ExceptionCode == STATUS_ACCESS_VIOLATION)
        VirtualProtect(noaccess, PAGE, PAGE_READWRITE, &old);
    return ep->ExceptionRecord->ExceptionCode == 0xE0000002 ? EXCEPTION_CONTINUE_EXECUTION : EXCEPTION_CONTINUE_SEARCH;
}

static void raise_e3(void *arg)
{
    (void)arg;
    RaiseException(0xE0000003, 0, 0, NULL);
}

Test(fault_continue, order_early_end_and_only_after_a_continue)
{
    noaccess = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
    cr_assert_not_null(noaccess);
    PVOID v = AddVectoredExceptionHandler(1, veh);
    PVOID h1 = AddVectoredContinueHandler(0, c1);
    PVOID h2 = AddVectoredContinueHandler(1, c2); /* first: before c1 */
    PVOID h3 = AddVectoredContinueHandler(0, c3);
    cr_assert(v && h1 && h2 && h3);

    reset();
    RaiseException(0xE0000001, 0, 0, NULL);
    cr_assert_str_eq(seen, "V213");
    reset();
    RaiseException(0xE0000002, 0, 0, NULL);
    cr_assert_str_eq(seen, "V2", "c2's EXCEPTION_CONTINUE_EXECUTION ends the list");
    /* A fault: the vectored handler continues it, c2 repairs what faulted, the read is retried. */
    reset();
    cr_assert_eq(((volatile char *)noaccess)[5], 0);
    cr_assert_str_eq(seen, "V213");
    /* Handled by a try, not continued: no continue handler runs. */
    reset();
    cr_assert_eq(winvm_try(raise_e3, NULL, NULL), 0xE0000003);
    cr_assert_str_eq(seen, "");

    cr_assert(RemoveVectoredContinueHandler(h2));
    reset();
    RaiseException(0xE0000002, 0, 0, NULL);
    cr_assert_str_eq(seen, "V13", "removed: c2 is not called");
    cr_assert(RemoveVectoredExceptionHandler(v));
    cr_assert(RemoveVectoredContinueHandler(h1));
    cr_assert(RemoveVectoredContinueHandler(h3));
    VirtualFree(noaccess, 0, MEM_RELEASE);
}

Test(fault_continue, each_remove_takes_only_its_own_kind)
{
    PVOID c = AddVectoredContinueHandler(1, c1);
    PVOID e = AddVectoredExceptionHandler(1, c1);
    cr_assert(c && e && c != e);
    cr_assert_eq(RemoveVectoredExceptionHandler(c), 0);
    cr_assert_eq(RemoveVectoredContinueHandler(e), 0);
    cr_assert_eq(RemoveVectoredContinueHandler(c), 1);
    cr_assert_eq(RemoveVectoredContinueHandler(c), 0, "twice: gone");
    cr_assert_eq(RemoveVectoredExceptionHandler(e), 1);
    cr_assert_eq(RemoveVectoredContinueHandler((PVOID)0x11223344), 0);
    cr_assert_eq(RemoveVectoredContinueHandler(NULL), 0);
    SetLastError(0);
    cr_assert_null(AddVectoredContinueHandler(0, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
}

/* ---- OutputDebugString without a debugger ---- */

static EXCEPTION_RECORD got[3];
static int ngot;
static LONG wide_answer;

static LONG WINAPI ods_veh(PEXCEPTION_POINTERS ep)
{
    DWORD code = ep->ExceptionRecord->ExceptionCode;
    if (code != DBG_PRINTEXCEPTION_C && code != DBG_PRINTEXCEPTION_WIDE_C)
        return EXCEPTION_CONTINUE_SEARCH;
    if (ngot < 3)
        got[ngot] = *ep->ExceptionRecord;
    ngot++;
    return code == DBG_PRINTEXCEPTION_WIDE_C ? wide_answer : EXCEPTION_CONTINUE_SEARCH;
}

static void ods_a(void *arg) { OutputDebugStringA(arg); }

Test(fault_continue, output_debug_string_raises_print_exceptions)
{
    static const char hello[] = "Hello World";
    static const WCHAR whello[] = {'H', 0xe9, 'l', 'l', 'o', 0};
    PVOID v = AddVectoredExceptionHandler(1, ods_veh);
    PVOID c = AddVectoredContinueHandler(1, c1);
    ngot = 0, reset();
    cr_assert_eq(winvm_try(ods_a, (void *)hello, NULL), 0, "unhandled, it ends inside the call");
    cr_assert_eq(ngot, 1);
    cr_assert_eq(got[0].ExceptionCode, DBG_PRINTEXCEPTION_C);
    cr_assert_eq(got[0].NumberParameters, 2);
    cr_assert_eq(got[0].ExceptionInformation[0], 12, "the length with the NUL");
    cr_assert_eq(got[0].ExceptionInformation[1], (ULONG_PTR)hello, "the caller's string");
    cr_assert_str_eq(seen, "", "nobody continued it");

    ngot = 0;
    OutputDebugStringW(whello);
    cr_assert_eq(ngot, 2, "the wide exception, then the ANSI one");
    cr_assert_eq(got[0].ExceptionCode, DBG_PRINTEXCEPTION_WIDE_C);
    cr_assert_eq(got[0].NumberParameters, 4);
    cr_assert_eq(got[0].ExceptionInformation[0], 6);
    cr_assert_eq(got[0].ExceptionInformation[1], (ULONG_PTR)whello);
    cr_assert_eq(got[0].ExceptionInformation[2], 7, "the ANSI (UTF-8) form's length: e-acute is two bytes");
    cr_assert_eq(got[1].ExceptionCode, DBG_PRINTEXCEPTION_C);
    cr_assert_eq(got[1].NumberParameters, 2);
    cr_assert_eq(got[1].ExceptionInformation[0], 7);

    ngot = 0, wide_answer = EXCEPTION_CONTINUE_EXECUTION;
    OutputDebugStringW(whello);
    wide_answer = EXCEPTION_CONTINUE_SEARCH;
    cr_assert_eq(ngot, 1, "continued: no ANSI fallback");
    cr_assert_str_eq(seen, "1", "and the continue handlers ran");

    ngot = 0;
    OutputDebugStringA(NULL);
    OutputDebugStringA((LPCSTR)0x10);
    OutputDebugStringW((LPCWSTR)0x10);
    cr_assert_eq(ngot, 0, "no string, nothing raised");
    cr_assert(RemoveVectoredExceptionHandler(v));
    cr_assert(RemoveVectoredContinueHandler(c));
}
