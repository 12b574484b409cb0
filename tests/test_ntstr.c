/* SPDX-License-Identifier: MIT */
/* test_ntstr.c - ntdll's counted-string calls (src/runtime/ntdll_str.c): from PE code,
 * ntstr.exe (tests/images/ntstr.c lists its checks) under `winvm run`; from C, through
 * ntdll's export table (ms_abi), the bad-pointer cases PE code cannot show without faulting:
 * STATUS_ACCESS_VIOLATION (or nothing written) and the caller's structures unchanged.
 * Facts: Wine's dlls/ntdll/tests/rtlstr.c, run on Windows. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"
#include <winvm/ntdll.h>

#include <criterion/criterion.h>
#include <string.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE WINVM_PE_IMAGES "/ntstr.exe"
#define MS __attribute__((ms_abi))

Test(ntstr, from_pe_code, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(EXE, out, sizeof(out));
    cr_assert_eq(oks, 14, "%s", out);
}

typedef NTSTATUS(MS *a2u_fn)(PUNICODE_STRING, const ANSI_STRING *, BOOLEAN);
typedef NTSTATUS(MS *u2a_fn)(PANSI_STRING, const UNICODE_STRING *, BOOLEAN);
typedef NTSTATUS(MS *app_fn)(PUNICODE_STRING, LPCWSTR);
typedef NTSTATUS(MS *apps_fn)(PUNICODE_STRING, const UNICODE_STRING *);
typedef void(MS *init_fn)(PANSI_STRING, const char *);
typedef BOOLEAN(MS *eq_fn)(const UNICODE_STRING *, const UNICODE_STRING *, BOOLEAN);
#define NT(name, type) ((type)(void (*)(void))wv_nt_lookup(name))

/* A page that cannot be read: a pointer Windows would fault on. */
static void *noaccess(void)
{
    void *p = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(p);
    return p;
}

Test(ntstr, bad_pointers_are_access_violations)
{
    wv_runtime_init();
    void *bad = noaccess();
    WCHAR buf[8];
    memset(buf, 0x55, sizeof(buf));
    UNICODE_STRING u = {0, 16, buf};
    ANSI_STRING a = {4, 5, bad};
    cr_assert_eq(NT("RtlAnsiStringToUnicodeString", a2u_fn)(&u, &a, FALSE), STATUS_ACCESS_VIOLATION);
    cr_assert(u.Length == 0 && buf[0] == 0x5555, "the destination untouched");
    cr_assert_eq(NT("RtlAnsiStringToUnicodeString", a2u_fn)(bad, &a, TRUE), STATUS_ACCESS_VIOLATION);
    a = (ANSI_STRING){2, 3, "hi"};
    cr_assert_eq(NT("RtlAnsiStringToUnicodeString", a2u_fn)(&u, &a, FALSE), STATUS_SUCCESS);
    cr_assert(u.Length == 4 && buf[0] == 'h' && buf[1] == 'i' && buf[2] == 0);

    char out[4] = "zzz";
    ANSI_STRING d = {0, 4, out};
    UNICODE_STRING ub = {4, 4, bad};
    cr_assert_eq(NT("RtlUnicodeStringToAnsiString", u2a_fn)(&d, &ub, FALSE), STATUS_ACCESS_VIOLATION);
    cr_assert(d.Length == 0 && out[0] == 'z');

    UNICODE_STRING dst = {4, 16, buf};
    cr_assert_eq(NT("RtlAppendUnicodeToString", app_fn)(&dst, bad), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NT("RtlAppendUnicodeStringToString", apps_fn)(&dst, &ub), STATUS_ACCESS_VIOLATION);
    cr_assert(dst.Length == 4 && buf[2] == 0, "dst unchanged");

    NT("RtlInitAnsiString", init_fn)(bad, "x"); /* nothing written, no fault */
    cr_assert_not(NT("RtlEqualUnicodeString", eq_fn)(&ub, &ub, FALSE));
    VirtualFree(bad, 0, MEM_RELEASE);
}

/* A converted string as long as a UNICODE_STRING holds (0x7ffe characters and the
 * terminator) passes; one more character is STATUS_INVALID_PARAMETER_2. */
Test(ntstr, ansi_to_unicode_limit)
{
    wv_runtime_init();
    static char s[0x7fff];
    memset(s, 'a', sizeof(s));
    ANSI_STRING a = {0x7ffe, 0x7fff, s};
    UNICODE_STRING u = {0, 0, NULL};
    cr_assert_eq(NT("RtlAnsiStringToUnicodeString", a2u_fn)(&u, &a, TRUE), STATUS_SUCCESS);
    cr_assert(u.Length == 0xfffc && u.MaximumLength == 0xfffe && u.Buffer[0x7ffd] == 'a' && u.Buffer[0x7ffe] == 0);
    HeapFree(GetProcessHeap(), 0, u.Buffer);
    a.Length = 0x7fff;
    u = (UNICODE_STRING){0, 0, NULL};
    cr_assert_eq(NT("RtlAnsiStringToUnicodeString", a2u_fn)(&u, &a, TRUE), STATUS_INVALID_PARAMETER_2);
    cr_assert_null(u.Buffer);
}
