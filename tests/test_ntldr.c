/* SPDX-License-Identifier: MIT */
/* test_ntldr.c - ntdll's loader-data, string, wait and suspend calls from PE code
 * (src/runtime/ntdll_ldr.c, ntdll_wait.c, ntdll_thread.c): ntldr.exe (tests/images/ntldr.c
 * lists its checks) under `winvm run`: LdrFindEntryForAddress, RtlImageNtHeader,
 * LdrProcessRelocationBlock, NtClose, RtlInitUnicodeString, RtlCreateUnicodeStringFromAsciiz,
 * RtlFreeUnicodeString, LdrGetDllHandle, LdrGetDllFullName, NtWaitForSingleObject, NtSuspendThread and
 * NtResumeThread with Windows' results (facts: Wine's dlls/kernel32/tests/module.c,
 * dlls/ntdll/tests/rtlstr.c and om.c, run on Windows). */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE WINVM_PE_IMAGES "/ntldr.exe"

Test(ntldr, loader_data_relocations_and_strings, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(EXE, out, sizeof(out));
    cr_assert_eq(oks, 15, "%s", out);
}
