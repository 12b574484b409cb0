/* SPDX-License-Identifier: MIT */
/* test_proc_exit.c - the process's end in Windows' order, from PE code: procexit.exe
 * (tests/images/procexit.c lists its checks: ExitProcess ends the other threads before
 * DLL_PROCESS_DETACH, NtTerminateProcess(NULL), LdrShutdownProcess, the PEB lock held by the
 * exit, a critical section left held by an ended thread, ProcessAffinityMask, a refused
 * DebugActiveProcess, LdrLockLoaderLock; CreateRemoteThread and thread contexts in another process). */
#include "testutil.h"

#include <criterion/criterion.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

Test(proc_exit, from_pe_code, .timeout = 120)
{
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/procexit.exe", out, sizeof(out));
    cr_assert_eq(oks, 15, "%s", out);
}
