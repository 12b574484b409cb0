/* SPDX-License-Identifier: MIT */
/* winvm/delayload.h - resolving delay-loaded imports as Windows 8+ does for programs whose
 * delay-load helper is the system's: ntdll's LdrResolveDelayLoadedAPI (kernel32's
 * ResolveDelayLoadedAPI), and kernel32's DelayLoadFailureHook, the default system failure
 * routine.  Windows' names, types and values. */
#ifndef WINVM_DELAYLOAD_H
#define WINVM_DELAYLOAD_H

#include <winvm/ntdll.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _IMAGE_DELAYLOAD_DESCRIPTOR {
    DWORD Attributes; /* bit 0: RvaBased */
    DWORD DllNameRVA;
    DWORD ModuleHandleRVA;
    DWORD ImportAddressTableRVA;
    DWORD ImportNameTableRVA;
    DWORD BoundImportAddressTableRVA;
    DWORD UnloadInformationTableRVA;
    DWORD TimeDateStamp;
} IMAGE_DELAYLOAD_DESCRIPTOR;

typedef struct _DELAYLOAD_PROC_DESCRIPTOR {
    ULONG ImportDescribedByName;
    union {
        LPCSTR Name;
        ULONG Ordinal;
    } Description;
} DELAYLOAD_PROC_DESCRIPTOR;

typedef struct _DELAYLOAD_INFO {
    ULONG Size;
    const IMAGE_DELAYLOAD_DESCRIPTOR *DelayloadDescriptor;
    ULONGLONG *ThunkAddress; /* PIMAGE_THUNK_DATA64 */
    LPCSTR TargetDllName;
    DELAYLOAD_PROC_DESCRIPTOR TargetApiDescriptor;
    PVOID TargetModuleBase;
    PVOID Unused;
    ULONG LastError;
} DELAYLOAD_INFO, *PDELAYLOAD_INFO;

#define DELAYLOAD_GPA_FAILURE 4

/* Both are PE code's (ms_abi) functions. */
typedef PVOID(__attribute__((ms_abi)) * PDELAYLOAD_FAILURE_DLL_CALLBACK)(ULONG NotificationReason,
                                                                       PDELAYLOAD_INFO DelayloadInfo);
typedef PVOID(__attribute__((ms_abi)) * PDELAYLOAD_FAILURE_SYSTEM_ROUTINE)(LPCSTR DllName, LPCSTR ProcName);

NTSYSAPI PVOID NTAPI LdrResolveDelayLoadedAPI(PVOID ParentModuleBase,
                                              const IMAGE_DELAYLOAD_DESCRIPTOR *DelayloadedAPIDescriptor,
                                              PDELAYLOAD_FAILURE_DLL_CALLBACK FailureDllHook,
                                              PDELAYLOAD_FAILURE_SYSTEM_ROUTINE FailureSystemHook,
                                              ULONGLONG *ThunkAddress, ULONG Flags);
/* kernel32's name for it */
WINBASEAPI PVOID WINAPI ResolveDelayLoadedAPI(PVOID ParentModuleBase,
                                              const IMAGE_DELAYLOAD_DESCRIPTOR *DelayloadedAPIDescriptor,
                                              PDELAYLOAD_FAILURE_DLL_CALLBACK FailureDllHook,
                                              PDELAYLOAD_FAILURE_SYSTEM_ROUTINE FailureSystemHook,
                                              ULONGLONG *ThunkAddress, ULONG Flags);
/* kernel32's: the address of a function failing the call the import stood for. */
WINBASEAPI PVOID WINAPI DelayLoadFailureHook(LPCSTR pszDllName, LPCSTR pszProcName);

#ifdef __cplusplus
}
#endif
#endif
