/* SPDX-License-Identifier: MIT */
/* winvm/wow64.h - WOW64 as a 64-bit program asks about it: winvm runs x86-64 code only, so no
 * process is a 32-bit one under WOW64 and there is no SysWOW64 directory (what 32-bit Windows,
 * which has no WOW64 either, answers).  Windows' names, types and error codes. */
#ifndef WINVM_WOW64_H
#define WINVM_WOW64_H

#ifdef __cplusplus
extern "C" {
#endif

/* *out FALSE for this process or a process handle of ours; ERROR_INVALID_HANDLE for anything
 * else, ERROR_NOACCESS for a bad out pointer. */
WINBASEAPI BOOL WINAPI IsWow64Process(HANDLE hProcess, PBOOL Wow64Process);

#ifndef IMAGE_FILE_MACHINE_UNKNOWN
#define IMAGE_FILE_MACHINE_UNKNOWN 0
#endif
#ifndef IMAGE_FILE_MACHINE_AMD64
#define IMAGE_FILE_MACHINE_AMD64 0x8664
#endif
/* *pProcessMachine IMAGE_FILE_MACHINE_UNKNOWN (not under WOW64), *pNativeMachine (optional)
 * IMAGE_FILE_MACHINE_AMD64, as 64-bit Windows answers a 64-bit process; the handle checked
 * and its errors as IsWow64Process's; a bad out pointer: ERROR_NOACCESS. */
WINBASEAPI BOOL WINAPI IsWow64Process2(HANDLE hProcess, USHORT *pProcessMachine,
                                       USHORT *pNativeMachine);
/* 0 and ERROR_CALL_NOT_IMPLEMENTED: there is no 32-bit system directory. */
WINBASEAPI UINT WINAPI GetSystemWow64DirectoryA(LPSTR lpBuffer, UINT uSize);
WINBASEAPI UINT WINAPI GetSystemWow64DirectoryW(LPWSTR lpBuffer, UINT uSize);

#ifdef __cplusplus
}
#endif
#endif /* WINVM_WOW64_H */
