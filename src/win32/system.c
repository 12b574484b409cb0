/* SPDX-License-Identifier: MIT */
/* system.c - GetSystemInfo and the current-process pseudo handle. */
#include "base/base.h"
#include "fault/fault.h"

#include <string.h>
#include <unistd.h>

/* Filled in a copy of ours, then copied out: a bad pointer is ERROR_NOACCESS (the call has
 * no result to fail with), never a crash. */
void WINAPI GetSystemInfo(LPSYSTEM_INFO out)
{
    SYSTEM_INFO mine, *si = &mine;
    unsigned n = wv_sys_processors();
    memset(si, 0, sizeof(*si));
    si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
    si->dwPageSize = (DWORD)WV_PAGE_SIZE;
    si->lpMinimumApplicationAddress = (LPVOID)WV_MIN_ADDR;
    si->lpMaximumApplicationAddress = (LPVOID)WV_MAX_ADDR;
    si->dwActiveProcessorMask = n == 64 ? ~(DWORD_PTR)0 : ((DWORD_PTR)1 << n) - 1;
    si->dwNumberOfProcessors = (DWORD)n;
    si->dwProcessorType = PROCESSOR_AMD_X8664;
    si->dwAllocationGranularity = (DWORD)WV_GRANULE;
    si->wProcessorLevel = 6;
    if (wv_copy(out, si, sizeof(*si)))
        wv_set_error(ERROR_NOACCESS);
}

void WINAPI GetNativeSystemInfo(LPSYSTEM_INFO si) { GetSystemInfo(si); }

HANDLE WINAPI GetCurrentProcess(void) { return WV_CURRENT_PROCESS; }

DWORD WINAPI GetCurrentProcessId(void) { return (DWORD)getpid(); }
