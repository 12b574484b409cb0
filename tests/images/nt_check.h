/* SPDX-License-Identifier: MIT */
/* nt_check.h - the check lines the NT-call test programs print ("ok NAME", or "FAIL NAME
 * (0xDETAIL)" counted in failures) and fn(), an export looked up by name (a missing one is a
 * failure, and the program goes on). */
#ifndef WV_TEST_NT_CHECK_H
#define WV_TEST_NT_CHECK_H

#include <windows.h>
#include <stdio.h>

static int failures;

static void check(int cond, const char *name, long long detail)
{
    if (cond)
        printf("ok %s\n", name);
    else
        printf("FAIL %s (0x%llx)\n", name, detail), failures++;
    fflush(stdout);
}

static inline FARPROC fn(const char *dll, const char *name)
{
    FARPROC p = GetProcAddress(LoadLibraryA(dll), name);
    if (!p)
        printf("FAIL missing %s!%s\n", dll, name), failures++;
    return p;
}

#endif
