/* SPDX-License-Identifier: MIT */
/* test_dload.c - delay-loaded imports: dload.exe (tests/images/dload.c lists its checks)
 * under `winvm run`: mingw-w64's own helper with a failure hook answered by kernel32's
 * DelayLoadFailureHook, and the system resolver (kernel32 ResolveDelayLoadedAPI, ntdll
 * LdrResolveDelayLoadedAPI) by name, by ordinal, for a missing procedure and a missing DLL. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

Test(dload, mingw_helper_and_system_resolver, .timeout = 60)
{
    static char out[8192];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/dload.exe", out, sizeof(out));
    cr_assert_eq(oks, 13, "%s", out);
}
