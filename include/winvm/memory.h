/* SPDX-License-Identifier: MIT */
/* winvm/memory.h - the memory API: system information, VirtualAlloc and friends, handles and file mappings,
 * faults and vectored handlers, write watches, locking and probing, thread stacks, DLLs.
 * Part of <winvm.h>: Win32 names, types, constant values and error codes. */
#ifndef WINVM_MEMORY_H
#define WINVM_MEMORY_H

#include <winvm/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- system ---- */
WINBASEAPI void WINAPI GetSystemInfo(LPSYSTEM_INFO lpSystemInfo);
WINBASEAPI void WINAPI GetNativeSystemInfo(LPSYSTEM_INFO lpSystemInfo);
WINBASEAPI HANDLE WINAPI GetCurrentProcess(void);
WINBASEAPI DWORD WINAPI GetCurrentProcessId(void);

/* ---- virtual memory ---- */
WINBASEAPI LPVOID WINAPI VirtualAlloc(LPVOID lpAddress, SIZE_T dwSize, DWORD flAllocationType,
                                      DWORD flProtect);
WINBASEAPI BOOL WINAPI VirtualFree(LPVOID lpAddress, SIZE_T dwSize, DWORD dwFreeType);
WINBASEAPI BOOL WINAPI VirtualProtect(LPVOID lpAddress, SIZE_T dwSize, DWORD flNewProtect,
                                      PDWORD lpflOldProtect);
WINBASEAPI SIZE_T WINAPI VirtualQuery(LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION lpBuffer,
                                      SIZE_T dwLength);

/* The *Ex forms accept only the current process (GetCurrentProcess() or a handle naming it). */
WINBASEAPI LPVOID WINAPI VirtualAllocEx(HANDLE hProcess, LPVOID lpAddress, SIZE_T dwSize,
                                        DWORD flAllocationType, DWORD flProtect);
WINBASEAPI BOOL WINAPI VirtualFreeEx(HANDLE hProcess, LPVOID lpAddress, SIZE_T dwSize,
                                     DWORD dwFreeType);
WINBASEAPI BOOL WINAPI VirtualProtectEx(HANDLE hProcess, LPVOID lpAddress, SIZE_T dwSize,
                                        DWORD flNewProtect, PDWORD lpflOldProtect);
WINBASEAPI SIZE_T WINAPI VirtualQueryEx(HANDLE hProcess, LPCVOID lpAddress,
                                        PMEMORY_BASIC_INFORMATION lpBuffer, SIZE_T dwLength);

/* Reads ahead the ranges (file read-ahead, swap-in) without adding them to the working set;
 * Flags must be 0.  This process only (NtSetInformationVirtualMemory, VmPrefetchInformation). */
typedef struct _WIN32_MEMORY_RANGE_ENTRY {
    PVOID VirtualAddress;
    SIZE_T NumberOfBytes;
} WIN32_MEMORY_RANGE_ENTRY, *PWIN32_MEMORY_RANGE_ENTRY;
WINBASEAPI BOOL WINAPI PrefetchVirtualMemory(HANDLE hProcess, ULONG_PTR NumberOfEntries,
                                             PWIN32_MEMORY_RANGE_ENTRY VirtualAddresses, ULONG Flags);

/* ---- handles, files and sections ---- */
WINBASEAPI BOOL WINAPI CloseHandle(HANDLE hObject);
WINBASEAPI BOOL WINAPI DuplicateHandle(HANDLE hSourceProcess, HANDLE hSource, HANDLE hTargetProcess,
                                       LPHANDLE lpTarget, DWORD dwDesiredAccess, BOOL bInheritHandle,
                                       DWORD dwOptions);
WINBASEAPI HANDLE WINAPI CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
                                     LPSECURITY_ATTRIBUTES lpSecurityAttributes,
                                     DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
                                     HANDLE hTemplateFile);
/* winvm: a file HANDLE for an open POSIX descriptor (duplicated; access as given). */
WINBASEAPI HANDLE winvm_handle_from_fd(int fd, DWORD dwDesiredAccess);
WINBASEAPI HANDLE WINAPI CreateFileMappingA(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
                                            DWORD flProtect, DWORD dwMaximumSizeHigh,
                                            DWORD dwMaximumSizeLow, LPCSTR lpName);
WINBASEAPI HANDLE WINAPI OpenFileMappingA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName);
WINBASEAPI HANDLE WINAPI CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
                                     LPSECURITY_ATTRIBUTES lpSecurityAttributes,
                                     DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
                                     HANDLE hTemplateFile);
WINBASEAPI HANDLE WINAPI CreateFileMappingW(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
                                            DWORD flProtect, DWORD dwMaximumSizeHigh,
                                            DWORD dwMaximumSizeLow, LPCWSTR lpName);
WINBASEAPI HANDLE WINAPI OpenFileMappingW(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCWSTR lpName);
WINBASEAPI LPVOID WINAPI MapViewOfFile(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
                                       DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
                                       SIZE_T dwNumberOfBytesToMap);
WINBASEAPI LPVOID WINAPI MapViewOfFileEx(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
                                         DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
                                         SIZE_T dwNumberOfBytesToMap, LPVOID lpBaseAddress);
WINBASEAPI BOOL WINAPI UnmapViewOfFile(LPCVOID lpBaseAddress);
WINBASEAPI BOOL WINAPI FlushViewOfFile(LPCVOID lpBaseAddress, SIZE_T dwNumberOfBytesToFlush);

/* ---- faults and exceptions ---- */
WINBASEAPI PVOID WINAPI AddVectoredExceptionHandler(ULONG First, PVECTORED_EXCEPTION_HANDLER Handler);
WINBASEAPI ULONG WINAPI RemoveVectoredExceptionHandler(PVOID Handle);
/* Continue handlers: called, in their order (First: at the front), when an exception is about
 * to be continued because a vectored or frame-based handler or the top-level filter answered
 * EXCEPTION_CONTINUE_EXECUTION (not when a debugger continued it); they see and may change the
 * CONTEXT it resumes; one answering EXCEPTION_CONTINUE_EXECUTION ends the list early.  A
 * continue handler's handle is no exception handler's: each Remove takes only its own kind. */
WINBASEAPI PVOID WINAPI AddVectoredContinueHandler(ULONG First, PVECTORED_EXCEPTION_HANDLER Handler);
WINBASEAPI ULONG WINAPI RemoveVectoredContinueHandler(PVOID Handle);

/* winvm's structured try for plain C, the building block of __try/__except: runs fn(arg);
 * returns 0 when it returned normally, or the code of the exception that stopped it (after
 * the vectored handlers declined it), with the exception copied to *record when record is
 * not NULL.  Tries nest; the innermost one catches. */
typedef void (*winvm_try_fn)(void *arg);
/* Raises a software exception: vectored handlers, then the innermost winvm_try, else the
 * process ends with the unhandled-exception report.  Returns when a handler continued
 * (never for EXCEPTION_NONCONTINUABLE: continuing one raises STATUS_NONCONTINUABLE_EXCEPTION). */
WINBASEAPI void WINAPI RaiseException(DWORD dwExceptionCode, DWORD dwExceptionFlags, DWORD nNumberOfArguments,
                                      const ULONG_PTR *lpArguments);
WINBASEAPI DWORD winvm_try(winvm_try_fn fn, void *arg, PEXCEPTION_RECORD record);

/* ---- write watches ---- */
WINBASEAPI UINT WINAPI GetWriteWatch(DWORD dwFlags, PVOID lpBaseAddress, SIZE_T dwRegionSize,
                                     PVOID *lpAddresses, ULONG_PTR *lpdwCount,
                                     LPDWORD lpdwGranularity);
WINBASEAPI UINT WINAPI ResetWriteWatch(LPVOID lpBaseAddress, SIZE_T dwRegionSize);

/* ---- locking pages, probing pointers ---- */
WINBASEAPI BOOL WINAPI VirtualLock(LPVOID lpAddress, SIZE_T dwSize);
WINBASEAPI BOOL WINAPI VirtualUnlock(LPVOID lpAddress, SIZE_T dwSize);
WINBASEAPI BOOL WINAPI IsBadReadPtr(const void *lp, UINT_PTR ucb);
WINBASEAPI BOOL WINAPI IsBadWritePtr(LPVOID lp, UINT_PTR ucb);
WINBASEAPI BOOL WINAPI IsBadCodePtr(FARPROC lpfn);

/* ---- thread stacks (stack.c) ----
 * A stack laid out as Windows lays out a thread's: `reserve` bytes reserved, the top `commit`
 * bytes committed READWRITE, one PAGE_GUARD page below them.  Touching the guard commits it and
 * moves the guard one page down, silently; when only the last reserved page is left the touch
 * raises STATUS_STACK_OVERFLOW instead.  Returns the allocation base (release it with
 * VirtualFree(base, 0, MEM_RELEASE)) and the stack's top in *top, or NULL and the last error. */
WINBASEAPI LPVOID winvm_stack_create(SIZE_T reserve, SIZE_T commit, LPVOID *top);

/* ---- DLLs (loader.c): PE x86-64 images mapped by SEC_IMAGE sections ---- */
#define DONT_RESOLVE_DLL_REFERENCES 0x00000001
#define LOAD_LIBRARY_AS_DATAFILE 0x00000002
#define LOAD_WITH_ALTERED_SEARCH_PATH 0x00000008
#define LOAD_IGNORE_CODE_AUTHZ_LEVEL 0x00000010
#define LOAD_LIBRARY_AS_IMAGE_RESOURCE 0x00000020
#define LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE 0x00000040
#define LOAD_LIBRARY_REQUIRE_SIGNED_TARGET 0x00000080
#define LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR 0x00000100
#define LOAD_LIBRARY_SEARCH_APPLICATION_DIR 0x00000200
#define LOAD_LIBRARY_SEARCH_USER_DIRS 0x00000400
#define LOAD_LIBRARY_SEARCH_SYSTEM32 0x00000800
#define LOAD_LIBRARY_SEARCH_DEFAULT_DIRS 0x00001000
#define LOAD_LIBRARY_SAFE_CURRENT_DIRS 0x00002000
#define LOAD_LIBRARY_SEARCH_SYSTEM32_NO_FORWARDER 0x00004000
typedef PVOID DLL_DIRECTORY_COOKIE, *PDLL_DIRECTORY_COOKIE;
#define DLL_PROCESS_DETACH 0
#define DLL_PROCESS_ATTACH 1
#define DLL_THREAD_ATTACH 2
#define DLL_THREAD_DETACH 3
WINBASEAPI HMODULE WINAPI LoadLibraryA(LPCSTR lpLibFileName);
WINBASEAPI HMODULE WINAPI LoadLibraryW(LPCWSTR lpLibFileName);
WINBASEAPI HMODULE WINAPI LoadLibraryExA(LPCSTR lpLibFileName, HANDLE hFile, DWORD dwFlags);
WINBASEAPI HMODULE WINAPI LoadLibraryExW(LPCWSTR lpLibFileName, HANDLE hFile, DWORD dwFlags);
WINBASEAPI HMODULE WINAPI GetModuleHandleA(LPCSTR lpModuleName);
WINBASEAPI HMODULE WINAPI GetModuleHandleW(LPCWSTR lpModuleName);
WINBASEAPI FARPROC WINAPI GetProcAddress(HMODULE hModule, LPCSTR lpProcName);
WINBASEAPI BOOL WINAPI FreeLibrary(HMODULE hLibModule);
WINBASEAPI DWORD WINAPI GetModuleFileNameA(HMODULE hModule, LPSTR lpFilename, DWORD nSize);
/* The DLL search path (module_dirs.c): SetDllDirectory's directory (searched where the current
 * directory was, which it replaces; "" only drops the current directory), AddDllDirectory's
 * (with LOAD_LIBRARY_SEARCH_USER_DIRS: newest first, then SetDllDirectory's), and the
 * LOAD_LIBRARY_SEARCH_* set loads without one of their own use (SetDefaultDllDirectories). */
WINBASEAPI BOOL WINAPI SetDllDirectoryA(LPCSTR lpPathName);
WINBASEAPI BOOL WINAPI SetDllDirectoryW(LPCWSTR lpPathName);
WINBASEAPI DWORD WINAPI GetDllDirectoryA(DWORD nBufferLength, LPSTR lpBuffer);
WINBASEAPI DWORD WINAPI GetDllDirectoryW(DWORD nBufferLength, LPWSTR lpBuffer);
WINBASEAPI DLL_DIRECTORY_COOKIE WINAPI AddDllDirectory(LPCWSTR NewDirectory);
WINBASEAPI BOOL WINAPI RemoveDllDirectory(DLL_DIRECTORY_COOKIE Cookie);
WINBASEAPI BOOL WINAPI SetDefaultDllDirectories(DWORD DirectoryFlags);
/* Why the last LoadLibrary on this thread failed, naming the missing DLL or import ("" if it
 * did not fail). */
WINBASEAPI const char *winvm_last_load_error(void);
/* PE code reads its thread's TEB through gs.  A Linux thread gets one on its first
 * LoadLibrary*, GetModuleHandle* or GetProcAddress call, or with winvm_thread_attach(): its own
 * stack in the TEB, every module's static TLS, DLL_THREAD_ATTACH to the loaded DLLs.  Call it
 * in a thread that runs PE functions another thread looked up.  The TEB goes (with
 * DLL_THREAD_DETACH) when the pthread ends, or at winvm_thread_detach(), which fails with
 * ERROR_INVALID_FUNCTION on a thread whose TEB winvm itself made (or that has none). */
WINBASEAPI BOOL WINAPI winvm_thread_attach(void);
WINBASEAPI BOOL WINAPI winvm_thread_detach(void);

/* How an image that cannot load at its preferred base is relocated (docs/semantics.md):
 * SHARED: one base per image per boot, the relocated pages shared through the image cache;
 * CLASSIC: any free base, fixups applied in place (exactly the fixup pages become private);
 * DEFAULT: back to $WINVM_IMAGE_SHARING (classic|shared), shared when unset. */
#define WINVM_IMAGE_SHARING_SHARED 0
#define WINVM_IMAGE_SHARING_CLASSIC 1
#define WINVM_IMAGE_SHARING_DEFAULT 2
WINBASEAPI BOOL winvm_set_image_sharing(DWORD policy);

#ifdef __cplusplus
}
#endif

#endif /* WINVM_MEMORY_H */
