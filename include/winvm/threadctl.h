/* SPDX-License-Identifier: MIT */
/* winvm/threadctl.h - TerminateThread (safe against winvm's own locks: docs/threads.md), the
 * process image-name queries (kernel32 and psapi) and the execute-flag values ntdll's
 * ProcessExecuteFlags class reports. */
#ifndef WINVM_THREADCTL_H
#define WINVM_THREADCTL_H

#ifdef __cplusplus
extern "C" {
#endif

#ifndef THREAD_TERMINATE
#define THREAD_TERMINATE 0x0001
#endif

WINBASEAPI BOOL WINAPI TerminateThread(HANDLE hThread, DWORD dwExitCode);

#define PROCESS_NAME_NATIVE 0x00000001
/* For ntdll's ProcessExecuteFlags class. */
#define MEM_EXECUTE_OPTION_DISABLE 0x1
#define MEM_EXECUTE_OPTION_ENABLE 0x2
#define MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION 0x4
#define MEM_EXECUTE_OPTION_PERMANENT 0x8

/* The program's path: flags 0 its Win32 form ("C:\dir\x.exe"), PROCESS_NAME_NATIVE its NT form
 * ("\Device\HarddiskVolume1\dir\x.exe"); *size in characters, in and out. */
WINBASEAPI BOOL WINAPI QueryFullProcessImageNameA(HANDLE hProcess, DWORD dwFlags, LPSTR lpExeName, PDWORD lpdwSize);
WINBASEAPI BOOL WINAPI QueryFullProcessImageNameW(HANDLE hProcess, DWORD dwFlags, LPWSTR lpExeName, PDWORD lpdwSize);
/* psapi (kernel32: K32GetProcessImageFileNameA/W): the NT form; its length, or 0. */
WINBASEAPI DWORD WINAPI GetProcessImageFileNameA(HANDLE hProcess, LPSTR lpImageFileName, DWORD nSize);
WINBASEAPI DWORD WINAPI GetProcessImageFileNameW(HANDLE hProcess, LPWSTR lpImageFileName, DWORD nSize);

#ifdef __cplusplus
}
#endif

#endif
