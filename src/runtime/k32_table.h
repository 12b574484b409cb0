/* SPDX-License-Identifier: MIT */
/* k32_table.h - kernel32.dll's exports, once (included by k32_exports.c only, which makes
 * the thunks and the table from it). */
#ifndef WV_RUNTIME_K32_TABLE_H
#define WV_RUNTIME_K32_TABLE_H

/* ---- the exports, once: sorted by strcmp (searched by bisection; test_kernel32 checks every
 * adjacent pair).  X(n, ret, Name, types...) makes the thunk k32_Name and its entry; H(Name)
 * is the entry of a thunk written by hand above (handlers, void and noreturn functions,
 * CreateThread's PE start routine).  PE code's unhandled-exception filter is an ms_abi function
 * that is only kept (k32_crt.c), so it needs no shim. ---- */
#define WV_K32_EXPORTS(X, H) \
    X(1, void, AcquireSRWLockExclusive, PSRWLOCK) \
    X(1, void, AcquireSRWLockShared, PSRWLOCK) \
    H(ActivateActCtx) \
    X(1, DLL_DIRECTORY_COOKIE, AddDllDirectory, LPCWSTR) \
    H(AddRefActCtx) \
    H(AddVectoredContinueHandler) \
    H(AddVectoredExceptionHandler) \
    X(0, BOOL, AllocConsole) \
    X(0, BOOL, AreFileApisANSI) \
    X(2, BOOL, AssignProcessToJobObject, HANDLE, HANDLE) \
    X(1, BOOL, AttachConsole, DWORD) \
    X(7, BOOL, CallNamedPipeA, LPCSTR, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, DWORD) \
    X(7, BOOL, CallNamedPipeW, LPCWSTR, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, DWORD) \
    X(1, BOOL, CancelIo, HANDLE) \
    X(2, BOOL, CancelIoEx, HANDLE, LPOVERLAPPED) \
    X(1, BOOL, CancelWaitableTimer, HANDLE) \
    X(4, BOOL, ChangeTimerQueueTimer, HANDLE, HANDLE, ULONG, ULONG) \
    X(2, BOOL, CheckRemoteDebuggerPresent, HANDLE, PBOOL) \
    H(CloseHandle) \
    X(2, LONG, CompareFileTime, const FILETIME *, const FILETIME *) \
    X(6, int, CompareStringA, LCID, DWORD, LPCSTR, int, LPCSTR, int) \
    X(9, int, CompareStringEx, LPCWSTR, DWORD, LPCWSTR, int, LPCWSTR, int, void *, void *, LONG_PTR) \
    X(5, int, CompareStringOrdinal, LPCWSTR, int, LPCWSTR, int, BOOL) \
    X(6, int, CompareStringW, LCID, DWORD, LPCWSTR, int, LPCWSTR, int) \
    X(2, BOOL, ConnectNamedPipe, HANDLE, LPOVERLAPPED) \
    X(3, BOOL, ContinueDebugEvent, DWORD, DWORD, DWORD) \
    H(ConvertFiberToThread) \
    H(ConvertThreadToFiber) \
    H(ConvertThreadToFiberEx) \
    H(CopyContext) \
    X(3, BOOL, CopyFileA, LPCSTR, LPCSTR, BOOL) \
    X(6, BOOL, CopyFileExW, LPCWSTR, LPCWSTR, void *, LPVOID, LPBOOL, DWORD) \
    X(3, BOOL, CopyFileW, LPCWSTR, LPCWSTR, BOOL) \
    H(CreateActCtxA) \
    H(CreateActCtxW) \
    X(2, BOOL, CreateDirectoryA, LPCSTR, LPSECURITY_ATTRIBUTES) \
    X(2, BOOL, CreateDirectoryW, LPCWSTR, LPSECURITY_ATTRIBUTES) \
    X(4, HANDLE, CreateEventA, LPSECURITY_ATTRIBUTES, BOOL, BOOL, LPCSTR) \
    X(4, HANDLE, CreateEventExA, LPSECURITY_ATTRIBUTES, LPCSTR, DWORD, DWORD) \
    X(4, HANDLE, CreateEventExW, LPSECURITY_ATTRIBUTES, LPCWSTR, DWORD, DWORD) \
    X(4, HANDLE, CreateEventW, LPSECURITY_ATTRIBUTES, BOOL, BOOL, LPCWSTR) \
    H(CreateFiber) \
    H(CreateFiberEx) \
    X(7, HANDLE, CreateFileA, LPCSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE) \
    X(6, HANDLE, CreateFileMappingA, HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCSTR) \
    X(6, HANDLE, CreateFileMappingW, HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCWSTR) \
    X(7, HANDLE, CreateFileW, LPCWSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE) \
    X(3, BOOL, CreateHardLinkA, LPCSTR, LPCSTR, LPSECURITY_ATTRIBUTES) \
    X(3, BOOL, CreateHardLinkW, LPCWSTR, LPCWSTR, LPSECURITY_ATTRIBUTES) \
    X(4, HANDLE, CreateIoCompletionPort, HANDLE, HANDLE, ULONG_PTR, DWORD) \
    X(2, HANDLE, CreateJobObjectA, LPSECURITY_ATTRIBUTES, LPCSTR) \
    X(2, HANDLE, CreateJobObjectW, LPSECURITY_ATTRIBUTES, LPCWSTR) \
    X(4, HANDLE, CreateMailslotA, LPCSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES) \
    X(4, HANDLE, CreateMailslotW, LPCWSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES) \
    X(3, HANDLE, CreateMutexA, LPSECURITY_ATTRIBUTES, BOOL, LPCSTR) \
    X(4, HANDLE, CreateMutexExA, LPSECURITY_ATTRIBUTES, LPCSTR, DWORD, DWORD) \
    X(4, HANDLE, CreateMutexExW, LPSECURITY_ATTRIBUTES, LPCWSTR, DWORD, DWORD) \
    X(3, HANDLE, CreateMutexW, LPSECURITY_ATTRIBUTES, BOOL, LPCWSTR) \
    X(8, HANDLE, CreateNamedPipeA, LPCSTR, DWORD, DWORD, DWORD, DWORD, DWORD, DWORD, LPSECURITY_ATTRIBUTES) \
    X(8, HANDLE, CreateNamedPipeW, LPCWSTR, DWORD, DWORD, DWORD, DWORD, DWORD, DWORD, LPSECURITY_ATTRIBUTES) \
    X(4, BOOL, CreatePipe, PHANDLE, PHANDLE, LPSECURITY_ATTRIBUTES, DWORD) \
    H(CreateProcessA) \
    H(CreateProcessW) \
    H(CreateRemoteThread) \
    H(CreateRemoteThreadEx) \
    X(4, HANDLE, CreateSemaphoreA, LPSECURITY_ATTRIBUTES, LONG, LONG, LPCSTR) \
    X(6, HANDLE, CreateSemaphoreExA, LPSECURITY_ATTRIBUTES, LONG, LONG, LPCSTR, DWORD, DWORD) \
    X(6, HANDLE, CreateSemaphoreExW, LPSECURITY_ATTRIBUTES, LONG, LONG, LPCWSTR, DWORD, DWORD) \
    X(4, HANDLE, CreateSemaphoreW, LPSECURITY_ATTRIBUTES, LONG, LONG, LPCWSTR) \
    X(3, BOOLEAN, CreateSymbolicLinkW, LPCWSTR, LPCWSTR, DWORD) \
    H(CreateThread) \
    X(0, HANDLE, CreateTimerQueue) \
    H(CreateTimerQueueTimer) \
    X(2, HANDLE, CreateToolhelp32Snapshot, DWORD, DWORD) \
    X(3, HANDLE, CreateWaitableTimerA, LPSECURITY_ATTRIBUTES, BOOL, LPCSTR) \
    X(4, HANDLE, CreateWaitableTimerExA, LPSECURITY_ATTRIBUTES, LPCSTR, DWORD, DWORD) \
    X(4, HANDLE, CreateWaitableTimerExW, LPSECURITY_ATTRIBUTES, LPCWSTR, DWORD, DWORD) \
    X(3, HANDLE, CreateWaitableTimerW, LPSECURITY_ATTRIBUTES, BOOL, LPCWSTR) \
    H(DeactivateActCtx) \
    X(1, BOOL, DebugActiveProcess, DWORD) \
    X(1, BOOL, DebugActiveProcessStop, DWORD) \
    H(DebugBreak) \
    X(1, BOOL, DebugSetProcessKillOnExit, BOOL) \
    X(2, PVOID, DelayLoadFailureHook, LPCSTR, LPCSTR) \
    X(1, void, DeleteCriticalSection, LPCRITICAL_SECTION) \
    H(DeleteFiber) \
    X(1, BOOL, DeleteFileA, LPCSTR) \
    X(1, BOOL, DeleteFileW, LPCWSTR) \
    X(1, BOOL, DeleteTimerQueue, HANDLE) \
    X(2, BOOL, DeleteTimerQueueEx, HANDLE, HANDLE) \
    X(3, BOOL, DeleteTimerQueueTimer, HANDLE, HANDLE, HANDLE) \
    X(8, BOOL, DeviceIoControl, HANDLE, DWORD, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, LPOVERLAPPED) \
    X(1, BOOL, DisconnectNamedPipe, HANDLE) \
    H(DuplicateHandle) \
    X(1, void, EnterCriticalSection, LPCRITICAL_SECTION) \
    H(ExitProcess) \
    H(ExitThread) \
    X(3, DWORD, ExpandEnvironmentStringsA, LPCSTR, LPSTR, DWORD) \
    X(3, DWORD, ExpandEnvironmentStringsW, LPCWSTR, LPWSTR, DWORD) \
    X(2, BOOL, FileTimeToLocalFileTime, const FILETIME *, LPFILETIME) \
    X(2, BOOL, FileTimeToSystemTime, const FILETIME *, LPSYSTEMTIME) \
    X(1, BOOL, FindClose, HANDLE) \
    X(2, HANDLE, FindFirstFileA, LPCSTR, LPWIN32_FIND_DATAA) \
    X(2, HANDLE, FindFirstFileW, LPCWSTR, LPWIN32_FIND_DATAW) \
    X(2, HANDLE, FindFirstVolumeW, LPWSTR, DWORD) \
    X(2, BOOL, FindNextFileA, HANDLE, LPWIN32_FIND_DATAA) \
    X(2, BOOL, FindNextFileW, HANDLE, LPWIN32_FIND_DATAW) \
    X(3, BOOL, FindNextVolumeW, HANDLE, LPWSTR, DWORD) \
    X(1, BOOL, FindVolumeClose, HANDLE) \
    H(FlsAlloc) \
    X(1, BOOL, FlsFree, DWORD) \
    X(1, PVOID, FlsGetValue, DWORD) \
    X(2, BOOL, FlsSetValue, DWORD, PVOID) \
    X(1, BOOL, FlushConsoleInputBuffer, HANDLE) \
    X(1, BOOL, FlushFileBuffers, HANDLE) \
    X(3, BOOL, FlushInstructionCache, HANDLE, LPCVOID, SIZE_T) \
    X(2, BOOL, FlushViewOfFile, LPCVOID, SIZE_T) \
    H(FormatMessageA) \
    H(FormatMessageW) \
    X(0, BOOL, FreeConsole) \
    X(1, BOOL, FreeEnvironmentStringsA, LPSTR) \
    X(1, BOOL, FreeEnvironmentStringsW, LPWSTR) \
    X(1, BOOL, FreeLibrary, HMODULE) \
    X(2, BOOL, GenerateConsoleCtrlEvent, DWORD, DWORD) \
    X(0, UINT, GetACP) \
    X(2, BOOL, GetBinaryTypeA, LPCSTR, LPDWORD) \
    X(2, BOOL, GetBinaryTypeW, LPCWSTR, LPDWORD) \
    X(2, BOOL, GetCPInfo, UINT, LPCPINFO) \
    X(0, LPSTR, GetCommandLineA) \
    X(0, LPWSTR, GetCommandLineW) \
    X(2, BOOL, GetComputerNameA, LPSTR, LPDWORD) \
    X(2, BOOL, GetComputerNameW, LPWSTR, LPDWORD) \
    X(0, UINT, GetConsoleCP) \
    X(2, BOOL, GetConsoleCursorInfo, HANDLE, PCONSOLE_CURSOR_INFO) \
    X(2, BOOL, GetConsoleMode, HANDLE, LPDWORD) \
    X(0, UINT, GetConsoleOutputCP) \
    X(2, BOOL, GetConsoleScreenBufferInfo, HANDLE, PCONSOLE_SCREEN_BUFFER_INFO) \
    X(2, DWORD, GetConsoleTitleA, LPSTR, DWORD) \
    X(2, DWORD, GetConsoleTitleW, LPWSTR, DWORD) \
    X(0, void *, GetConsoleWindow) \
    H(GetCurrentActCtx) \
    X(2, DWORD, GetCurrentDirectoryA, DWORD, LPSTR) \
    X(2, DWORD, GetCurrentDirectoryW, DWORD, LPWSTR) \
    X(0, HANDLE, GetCurrentProcess) \
    X(0, DWORD, GetCurrentProcessId) \
    X(0, HANDLE, GetCurrentThread) \
    X(0, DWORD, GetCurrentThreadId) \
    H(GetCurrentThreadStackLimits) \
    X(6, int, GetDateFormatA, LCID, DWORD, const SYSTEMTIME *, LPCSTR, LPSTR, int) \
    X(7, int, GetDateFormatEx, LPCWSTR, DWORD, const SYSTEMTIME *, LPCWSTR, LPWSTR, int, LPCWSTR) \
    X(6, int, GetDateFormatW, LCID, DWORD, const SYSTEMTIME *, LPCWSTR, LPWSTR, int) \
    X(5, BOOL, GetDiskFreeSpaceA, LPCSTR, LPDWORD, LPDWORD, LPDWORD, LPDWORD) \
    X(4, BOOL, GetDiskFreeSpaceExW, LPCWSTR, PLARGE_INTEGER, PLARGE_INTEGER, PLARGE_INTEGER) \
    X(5, BOOL, GetDiskFreeSpaceW, LPCWSTR, LPDWORD, LPDWORD, LPDWORD, LPDWORD) \
    X(2, DWORD, GetDllDirectoryA, DWORD, LPSTR) \
    X(2, DWORD, GetDllDirectoryW, DWORD, LPWSTR) \
    X(1, UINT, GetDriveTypeA, LPCSTR) \
    X(1, UINT, GetDriveTypeW, LPCWSTR) \
    X(0, DWORD64, GetEnabledXStateFeatures) \
    X(0, LPSTR, GetEnvironmentStringsA) \
    X(0, LPWSTR, GetEnvironmentStringsW) \
    X(3, DWORD, GetEnvironmentVariableA, LPCSTR, LPSTR, DWORD) \
    X(3, DWORD, GetEnvironmentVariableW, LPCWSTR, LPWSTR, DWORD) \
    X(0, UINT, GetErrorMode) \
    X(2, BOOL, GetExitCodeProcess, HANDLE, LPDWORD) \
    X(2, BOOL, GetExitCodeThread, HANDLE, LPDWORD) \
    X(1, DWORD, GetFileAttributesA, LPCSTR) \
    X(3, BOOL, GetFileAttributesExA, LPCSTR, GET_FILEEX_INFO_LEVELS, LPVOID) \
    X(3, BOOL, GetFileAttributesExW, LPCWSTR, GET_FILEEX_INFO_LEVELS, LPVOID) \
    X(1, DWORD, GetFileAttributesW, LPCWSTR) \
    X(2, BOOL, GetFileInformationByHandle, HANDLE, LPBY_HANDLE_FILE_INFORMATION) \
    X(4, BOOL, GetFileInformationByHandleEx, HANDLE, int, LPVOID, DWORD) \
    X(2, DWORD, GetFileSize, HANDLE, LPDWORD) \
    X(2, BOOL, GetFileSizeEx, HANDLE, PLARGE_INTEGER) \
    X(4, BOOL, GetFileTime, HANDLE, LPFILETIME, LPFILETIME, LPFILETIME) \
    X(1, DWORD, GetFileType, HANDLE) \
    X(4, DWORD, GetFinalPathNameByHandleW, HANDLE, LPWSTR, DWORD, DWORD) \
    X(4, DWORD, GetFullPathNameA, LPCSTR, DWORD, LPSTR, LPSTR *) \
    X(4, DWORD, GetFullPathNameW, LPCWSTR, DWORD, LPWSTR, LPWSTR *) \
    X(2, BOOL, GetHandleInformation, HANDLE, LPDWORD) \
    X(1, COORD, GetLargestConsoleWindowSize, HANDLE) \
    X(0, DWORD, GetLastError) \
    X(1, void, GetLocalTime, LPSYSTEMTIME) \
    X(2, DWORD, GetLogicalDriveStringsA, DWORD, LPSTR) \
    X(2, DWORD, GetLogicalDriveStringsW, DWORD, LPWSTR) \
    X(0, DWORD, GetLogicalDrives) \
    X(3, DWORD, GetLongPathNameA, LPCSTR, LPSTR, DWORD) \
    X(3, DWORD, GetLongPathNameW, LPCWSTR, LPWSTR, DWORD) \
    X(5, BOOL, GetMailslotInfo, HANDLE, LPDWORD, LPDWORD, LPDWORD, LPDWORD) \
    H(GetModuleFileNameA) \
    H(GetModuleFileNameW) \
    X(1, HMODULE, GetModuleHandleA, LPCSTR) \
    X(3, BOOL, GetModuleHandleExA, DWORD, LPCSTR, HMODULE *) \
    X(3, BOOL, GetModuleHandleExW, DWORD, LPCWSTR, HMODULE *) \
    X(1, HMODULE, GetModuleHandleW, LPCWSTR) \
    H(GetNativeSystemInfo) \
    X(2, BOOL, GetNumberOfConsoleInputEvents, HANDLE, LPDWORD) \
    X(0, UINT, GetOEMCP) \
    X(4, BOOL, GetOverlappedResult, HANDLE, LPOVERLAPPED, LPDWORD, BOOL) \
    H(GetOverlappedResultEx) \
    X(1, DWORD, GetPriorityClass, HANDLE) \
    X(2, FARPROC, GetProcAddress, HMODULE, LPCSTR) \
    X(3, BOOL, GetProcessAffinityMask, HANDLE, PDWORD_PTR, PDWORD_PTR) \
    X(2, BOOL, GetProcessHandleCount, HANDLE, PDWORD) \
    X(0, HANDLE, GetProcessHeap) \
    X(1, DWORD, GetProcessId, HANDLE) \
    X(1, DWORD, GetProcessIdOfThread, HANDLE) \
    X(5, BOOL, GetProcessTimes, HANDLE, LPFILETIME, LPFILETIME, LPFILETIME, LPFILETIME) \
    X(3, BOOL, GetProcessWorkingSetSize, HANDLE, PSIZE_T, PSIZE_T) \
    X(5, BOOL, GetQueuedCompletionStatus, HANDLE, LPDWORD, PULONG_PTR, LPOVERLAPPED *, DWORD) \
    X(6, BOOL, GetQueuedCompletionStatusEx, HANDLE, LPOVERLAPPED_ENTRY, ULONG, PULONG, DWORD, BOOL) \
    X(3, DWORD, GetShortPathNameA, LPCSTR, LPSTR, DWORD) \
    X(3, DWORD, GetShortPathNameW, LPCWSTR, LPWSTR, DWORD) \
    X(1, void, GetStartupInfoA, LPSTARTUPINFOA) \
    X(1, void, GetStartupInfoW, LPSTARTUPINFOW) \
    X(1, HANDLE, GetStdHandle, DWORD) \
    X(0, LCID, GetSystemDefaultLCID) \
    X(2, UINT, GetSystemDirectoryA, LPSTR, UINT) \
    X(2, UINT, GetSystemDirectoryW, LPWSTR, UINT) \
    H(GetSystemInfo) \
    X(1, void, GetSystemTime, LPSYSTEMTIME) \
    X(3, BOOL, GetSystemTimeAdjustment, PDWORD, PDWORD, PBOOL) \
    X(1, void, GetSystemTimeAsFileTime, LPFILETIME) \
    X(1, void, GetSystemTimePreciseAsFileTime, LPFILETIME) \
    X(2, UINT, GetSystemWow64DirectoryA, LPSTR, UINT) \
    X(2, UINT, GetSystemWow64DirectoryW, LPWSTR, UINT) \
    X(4, UINT, GetTempFileNameA, LPCSTR, LPCSTR, UINT, LPSTR) \
    X(4, UINT, GetTempFileNameW, LPCWSTR, LPCWSTR, UINT, LPWSTR) \
    X(2, DWORD, GetTempPathA, DWORD, LPSTR) \
    X(2, DWORD, GetTempPathW, DWORD, LPWSTR) \
    H(GetThreadContext) \
    X(0, DWORD, GetThreadErrorMode) \
    X(1, DWORD, GetThreadId, HANDLE) \
    X(2, BOOL, GetThreadIdealProcessorEx, HANDLE, PPROCESSOR_NUMBER) \
    X(0, LCID, GetThreadLocale) \
    X(1, int, GetThreadPriority, HANDLE) \
    X(2, BOOL, GetThreadPriorityBoost, HANDLE, PBOOL) \
    X(5, BOOL, GetThreadTimes, HANDLE, LPFILETIME, LPFILETIME, LPFILETIME, LPFILETIME) \
    X(0, DWORD, GetTickCount) \
    X(0, ULONGLONG, GetTickCount64) \
    X(6, int, GetTimeFormatA, LCID, DWORD, const SYSTEMTIME *, LPCSTR, LPSTR, int) \
    X(6, int, GetTimeFormatEx, LPCWSTR, DWORD, const SYSTEMTIME *, LPCWSTR, LPWSTR, int) \
    X(6, int, GetTimeFormatW, LCID, DWORD, const SYSTEMTIME *, LPCWSTR, LPWSTR, int) \
    X(1, DWORD, GetTimeZoneInformation, LPTIME_ZONE_INFORMATION) \
    X(0, LCID, GetUserDefaultLCID) \
    X(0, DWORD, GetVersion) \
    X(1, BOOL, GetVersionExA, LPOSVERSIONINFOA) \
    X(1, BOOL, GetVersionExW, LPOSVERSIONINFOW) \
    X(8, BOOL, GetVolumeInformationW, LPCWSTR, LPWSTR, DWORD, LPDWORD, LPDWORD, LPDWORD, LPWSTR, DWORD) \
    X(2, UINT, GetWindowsDirectoryA, LPSTR, UINT) \
    X(2, UINT, GetWindowsDirectoryW, LPWSTR, UINT) \
    X(6, UINT, GetWriteWatch, DWORD, PVOID, SIZE_T, PVOID *, ULONG_PTR *, LPDWORD) \
    H(GetXStateFeaturesMask) \
    X(2, HGLOBAL, GlobalAlloc, UINT, SIZE_T) \
    X(1, HGLOBAL, GlobalFree, HGLOBAL) \
    X(1, LPVOID, GlobalLock, HGLOBAL) \
    H(GlobalMemoryStatus) \
    X(1, BOOL, GlobalMemoryStatusEx, LPMEMORYSTATUSEX) \
    X(3, HGLOBAL, GlobalReAlloc, HGLOBAL, SIZE_T, UINT) \
    X(1, SIZE_T, GlobalSize, HGLOBAL) \
    X(1, BOOL, GlobalUnlock, HGLOBAL) \
    X(2, BOOL, Heap32ListFirst, HANDLE, void *) \
    X(2, BOOL, Heap32ListNext, HANDLE, void *) \
    X(3, LPVOID, HeapAlloc, HANDLE, DWORD, SIZE_T) \
    X(2, SIZE_T, HeapCompact, HANDLE, DWORD) \
    X(3, HANDLE, HeapCreate, DWORD, SIZE_T, SIZE_T) \
    X(1, BOOL, HeapDestroy, HANDLE) \
    X(3, BOOL, HeapFree, HANDLE, DWORD, LPVOID) \
    X(1, BOOL, HeapLock, HANDLE) \
    X(4, LPVOID, HeapReAlloc, HANDLE, DWORD, LPVOID, SIZE_T) \
    X(3, SIZE_T, HeapSize, HANDLE, DWORD, LPCVOID) \
    X(1, BOOL, HeapUnlock, HANDLE) \
    X(3, BOOL, HeapValidate, HANDLE, DWORD, LPCVOID) \
    X(2, BOOL, HeapWalk, HANDLE, LPPROCESS_HEAP_ENTRY) \
    X(4, BOOL, InitOnceBeginInitialize, LPINIT_ONCE, DWORD, PBOOL, LPVOID *) \
    X(3, BOOL, InitOnceComplete, LPINIT_ONCE, DWORD, LPVOID) \
    H(InitOnceExecuteOnce) \
    X(1, void, InitOnceInitialize, PINIT_ONCE) \
    X(1, void, InitializeConditionVariable, PCONDITION_VARIABLE) \
    H(InitializeContext) \
    H(InitializeContext2) \
    X(1, void, InitializeCriticalSection, LPCRITICAL_SECTION) \
    X(2, BOOL, InitializeCriticalSectionAndSpinCount, LPCRITICAL_SECTION, DWORD) \
    X(3, BOOL, InitializeCriticalSectionEx, LPCRITICAL_SECTION, DWORD, DWORD) \
    H(InitializeSListHead) \
    X(1, void, InitializeSRWLock, PSRWLOCK) \
    H(InterlockedFlushSList) \
    H(InterlockedPopEntrySList) \
    H(InterlockedPushEntrySList) \
    H(InterlockedPushListSListEx) \
    X(1, BOOL, IsBadCodePtr, FARPROC) \
    X(2, BOOL, IsBadReadPtr, const void *, UINT_PTR) \
    X(2, BOOL, IsBadStringPtrA, LPCSTR, UINT_PTR) \
    X(2, BOOL, IsBadStringPtrW, LPCWSTR, UINT_PTR) \
    X(2, BOOL, IsBadWritePtr, LPVOID, UINT_PTR) \
    X(2, BOOL, IsDBCSLeadByteEx, UINT, BYTE) \
    X(0, BOOL, IsDebuggerPresent) \
    X(3, BOOL, IsProcessInJob, HANDLE, HANDLE, BOOL *) \
    X(1, BOOL, IsProcessorFeaturePresent, DWORD) \
    H(IsThreadAFiber) \
    X(1, BOOL, IsValidCodePage, UINT) \
    X(2, BOOL, IsWow64Process, HANDLE, PBOOL) \
    X(3, BOOL, IsWow64Process2, HANDLE, USHORT *, USHORT *) \
    H(K32EmptyWorkingSet) \
    H(K32EnumProcessModules) \
    H(K32EnumProcessModulesEx) \
    H(K32EnumProcesses) \
    H(K32GetMappedFileNameA) \
    H(K32GetMappedFileNameW) \
    H(K32GetModuleBaseNameA) \
    H(K32GetModuleBaseNameW) \
    H(K32GetModuleFileNameExA) \
    H(K32GetModuleFileNameExW) \
    H(K32GetModuleInformation) \
    H(K32GetPerformanceInfo) \
    H(K32GetProcessImageFileNameA) \
    H(K32GetProcessImageFileNameW) \
    H(K32GetProcessMemoryInfo) \
    H(K32GetWsChanges) \
    H(K32GetWsChangesEx) \
    H(K32InitializeProcessForWsWatch) \
    H(K32QueryWorkingSet) \
    H(K32QueryWorkingSetEx) \
    X(1, void, LeaveCriticalSection, LPCRITICAL_SECTION) \
    X(1, HMODULE, LoadLibraryA, LPCSTR) \
    X(3, HMODULE, LoadLibraryExA, LPCSTR, HANDLE, DWORD) \
    X(3, HMODULE, LoadLibraryExW, LPCWSTR, HANDLE, DWORD) \
    X(1, HMODULE, LoadLibraryW, LPCWSTR) \
    X(2, HLOCAL, LocalAlloc, UINT, SIZE_T) \
    X(2, BOOL, LocalFileTimeToFileTime, const FILETIME *, LPFILETIME) \
    X(1, HLOCAL, LocalFree, HLOCAL) \
    X(1, LPVOID, LocalLock, HLOCAL) \
    X(3, HLOCAL, LocalReAlloc, HLOCAL, SIZE_T, UINT) \
    X(1, SIZE_T, LocalSize, HLOCAL) \
    X(1, BOOL, LocalUnlock, HLOCAL) \
    H(LocateXStateFeature) \
    X(5, BOOL, LockFile, HANDLE, DWORD, DWORD, DWORD, DWORD) \
    X(6, BOOL, LockFileEx, HANDLE, DWORD, DWORD, DWORD, DWORD, LPOVERLAPPED) \
    X(5, LPVOID, MapViewOfFile, HANDLE, DWORD, DWORD, DWORD, SIZE_T) \
    X(7, PVOID, MapViewOfFile2, HANDLE, HANDLE, ULONG64, PVOID, SIZE_T, ULONG, ULONG) \
    H(MapViewOfFile3) \
    H(MapViewOfFile3FromApp) \
    X(6, LPVOID, MapViewOfFileEx, HANDLE, DWORD, DWORD, DWORD, SIZE_T, LPVOID) \
    X(8, PVOID, MapViewOfFileNuma2, HANDLE, HANDLE, ULONG64, PVOID, SIZE_T, ULONG, ULONG, ULONG) \
    X(2, BOOL, Module32First, HANDLE, void *) \
    X(2, BOOL, Module32FirstW, HANDLE, void *) \
    X(2, BOOL, Module32Next, HANDLE, void *) \
    X(2, BOOL, Module32NextW, HANDLE, void *) \
    X(2, BOOL, MoveFileA, LPCSTR, LPCSTR) \
    X(3, BOOL, MoveFileExA, LPCSTR, LPCSTR, DWORD) \
    X(3, BOOL, MoveFileExW, LPCWSTR, LPCWSTR, DWORD) \
    X(2, BOOL, MoveFileW, LPCWSTR, LPCWSTR) \
    X(6, int, MultiByteToWideChar, UINT, DWORD, LPCSTR, int, LPWSTR, int) \
    X(3, HANDLE, OpenEventA, DWORD, BOOL, LPCSTR) \
    X(3, HANDLE, OpenEventW, DWORD, BOOL, LPCWSTR) \
    X(3, HANDLE, OpenFileMappingA, DWORD, BOOL, LPCSTR) \
    X(3, HANDLE, OpenFileMappingW, DWORD, BOOL, LPCWSTR) \
    X(3, HANDLE, OpenJobObjectA, DWORD, BOOL, LPCSTR) \
    X(3, HANDLE, OpenJobObjectW, DWORD, BOOL, LPCWSTR) \
    X(3, HANDLE, OpenMutexA, DWORD, BOOL, LPCSTR) \
    X(3, HANDLE, OpenMutexW, DWORD, BOOL, LPCWSTR) \
    X(3, HANDLE, OpenProcess, DWORD, BOOL, DWORD) \
    X(3, HANDLE, OpenSemaphoreA, DWORD, BOOL, LPCSTR) \
    X(3, HANDLE, OpenSemaphoreW, DWORD, BOOL, LPCWSTR) \
    X(3, HANDLE, OpenThread, DWORD, BOOL, DWORD) \
    X(3, HANDLE, OpenWaitableTimerA, DWORD, BOOL, LPCSTR) \
    X(3, HANDLE, OpenWaitableTimerW, DWORD, BOOL, LPCWSTR) \
    X(1, void, OutputDebugStringA, LPCSTR) \
    X(1, void, OutputDebugStringW, LPCWSTR) \
    X(4, BOOL, PeekConsoleInputA, HANDLE, PINPUT_RECORD, DWORD, LPDWORD) \
    X(4, BOOL, PeekConsoleInputW, HANDLE, PINPUT_RECORD, DWORD, LPDWORD) \
    X(6, BOOL, PeekNamedPipe, HANDLE, LPVOID, DWORD, LPDWORD, LPDWORD, LPDWORD) \
    X(4, BOOL, PostQueuedCompletionStatus, HANDLE, DWORD, ULONG_PTR, LPOVERLAPPED) \
    X(4, BOOL, PrefetchVirtualMemory, HANDLE, ULONG_PTR, PWIN32_MEMORY_RANGE_ENTRY, ULONG) \
    X(2, BOOL, Process32First, HANDLE, void *) \
    X(2, BOOL, Process32FirstW, HANDLE, void *) \
    X(2, BOOL, Process32Next, HANDLE, void *) \
    X(2, BOOL, Process32NextW, HANDLE, void *) \
    X(1, BOOL, PulseEvent, HANDLE) \
    H(QueryActCtxW) \
    H(QueryDepthSList) \
    H(QueryDosDeviceA) \
    H(QueryDosDeviceW) \
    X(4, BOOL, QueryFullProcessImageNameA, HANDLE, DWORD, LPSTR, PDWORD) \
    X(4, BOOL, QueryFullProcessImageNameW, HANDLE, DWORD, LPWSTR, PDWORD) \
    X(5, BOOL, QueryInformationJobObject, HANDLE, JOBOBJECTINFOCLASS, LPVOID, DWORD, LPDWORD) \
    X(1, BOOL, QueryPerformanceCounter, LARGE_INTEGER *) \
    X(1, BOOL, QueryPerformanceFrequency, LARGE_INTEGER *) \
    X(1, BOOL, QueryUnbiasedInterruptTime, ULONGLONG *) \
    H(QueueUserAPC) \
    H(QueueUserWorkItem) \
    H(RaiseException) \
    X(5, BOOL, ReadConsoleA, HANDLE, LPVOID, DWORD, LPDWORD, PVOID) \
    X(4, BOOL, ReadConsoleInputA, HANDLE, PINPUT_RECORD, DWORD, LPDWORD) \
    X(4, BOOL, ReadConsoleInputW, HANDLE, PINPUT_RECORD, DWORD, LPDWORD) \
    X(5, BOOL, ReadConsoleW, HANDLE, LPVOID, DWORD, LPDWORD, PVOID) \
    X(5, BOOL, ReadFile, HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED) \
    H(ReadFileEx) \
    X(5, BOOL, ReadProcessMemory, HANDLE, LPCVOID, LPVOID, SIZE_T, SIZE_T *) \
    H(RegisterWaitForSingleObject) \
    H(ReleaseActCtx) \
    X(1, BOOL, ReleaseMutex, HANDLE) \
    X(1, void, ReleaseSRWLockExclusive, PSRWLOCK) \
    X(1, void, ReleaseSRWLockShared, PSRWLOCK) \
    X(3, BOOL, ReleaseSemaphore, HANDLE, LONG, LONG *) \
    X(1, BOOL, RemoveDirectoryA, LPCSTR) \
    X(1, BOOL, RemoveDirectoryW, LPCWSTR) \
    X(1, BOOL, RemoveDllDirectory, DLL_DIRECTORY_COOKIE) \
    H(RemoveVectoredContinueHandler) \
    H(RemoveVectoredExceptionHandler) \
    X(1, BOOL, ResetEvent, HANDLE) \
    X(2, UINT, ResetWriteWatch, LPVOID, SIZE_T) \
    X(6, PVOID, ResolveDelayLoadedAPI, PVOID, const IMAGE_DELAYLOAD_DESCRIPTOR *, PDELAYLOAD_FAILURE_DLL_CALLBACK, PDELAYLOAD_FAILURE_SYSTEM_ROUTINE, ULONGLONG *, ULONG) \
    X(1, DWORD, ResumeThread, HANDLE) \
    H(RtlAddFunctionTable) \
    H(RtlCaptureContext) \
    H(RtlCaptureStackBackTrace) \
    H(RtlDeleteFunctionTable) \
    H(RtlInstallFunctionTableCallback) \
    H(RtlLookupFunctionEntry) \
    H(RtlPcToFileHeader) \
    H(RtlRestoreContext) \
    H(RtlUnwind) \
    H(RtlUnwindEx) \
    H(RtlVirtualUnwind) \
    X(6, DWORD, SearchPathA, LPCSTR, LPCSTR, LPCSTR, DWORD, LPSTR, LPSTR *) \
    X(6, DWORD, SearchPathW, LPCWSTR, LPCWSTR, LPCWSTR, DWORD, LPWSTR, LPWSTR *) \
    X(1, BOOL, SetConsoleCP, UINT) \
    H(SetConsoleCtrlHandler) \
    X(2, BOOL, SetConsoleCursorInfo, HANDLE, const CONSOLE_CURSOR_INFO *) \
    X(2, BOOL, SetConsoleCursorPosition, HANDLE, COORD) \
    X(2, BOOL, SetConsoleMode, HANDLE, DWORD) \
    X(1, BOOL, SetConsoleOutputCP, UINT) \
    X(2, BOOL, SetConsoleTextAttribute, HANDLE, WORD) \
    X(1, BOOL, SetConsoleTitleA, LPCSTR) \
    X(1, BOOL, SetConsoleTitleW, LPCWSTR) \
    X(1, BOOL, SetCurrentDirectoryA, LPCSTR) \
    X(1, BOOL, SetCurrentDirectoryW, LPCWSTR) \
    X(1, BOOL, SetDefaultDllDirectories, DWORD) \
    X(1, BOOL, SetDllDirectoryA, LPCSTR) \
    X(1, BOOL, SetDllDirectoryW, LPCWSTR) \
    X(1, BOOL, SetEndOfFile, HANDLE) \
    X(2, BOOL, SetEnvironmentVariableA, LPCSTR, LPCSTR) \
    X(2, BOOL, SetEnvironmentVariableW, LPCWSTR, LPCWSTR) \
    X(1, UINT, SetErrorMode, UINT) \
    X(1, BOOL, SetEvent, HANDLE) \
    H(SetFileApisToANSI) \
    H(SetFileApisToOEM) \
    X(2, BOOL, SetFileAttributesA, LPCSTR, DWORD) \
    X(2, BOOL, SetFileAttributesW, LPCWSTR, DWORD) \
    X(2, BOOL, SetFileCompletionNotificationModes, HANDLE, UCHAR) \
    X(4, BOOL, SetFileInformationByHandle, HANDLE, int, LPVOID, DWORD) \
    X(4, DWORD, SetFilePointer, HANDLE, LONG, PLONG, DWORD) \
    X(4, BOOL, SetFilePointerEx, HANDLE, LARGE_INTEGER, PLARGE_INTEGER, DWORD) \
    X(4, BOOL, SetFileTime, HANDLE, const FILETIME *, const FILETIME *, const FILETIME *) \
    X(3, BOOL, SetHandleInformation, HANDLE, DWORD, DWORD) \
    X(4, BOOL, SetInformationJobObject, HANDLE, JOBOBJECTINFOCLASS, LPVOID, DWORD) \
    H(SetLastError) \
    X(2, BOOL, SetMailslotInfo, HANDLE, DWORD) \
    X(4, BOOL, SetNamedPipeHandleState, HANDLE, LPDWORD, LPDWORD, LPDWORD) \
    X(2, BOOL, SetProcessAffinityMask, HANDLE, DWORD_PTR) \
    X(2, BOOL, SetStdHandle, DWORD, HANDLE) \
    X(1, BOOL, SetSystemTime, const SYSTEMTIME *) \
    X(2, DWORD_PTR, SetThreadAffinityMask, HANDLE, DWORD_PTR) \
    H(SetThreadContext) \
    X(2, BOOL, SetThreadErrorMode, DWORD, LPDWORD) \
    X(2, DWORD, SetThreadIdealProcessor, HANDLE, DWORD) \
    X(3, BOOL, SetThreadIdealProcessorEx, HANDLE, PPROCESSOR_NUMBER, PPROCESSOR_NUMBER) \
    X(2, BOOL, SetThreadPriority, HANDLE, int) \
    X(2, BOOL, SetThreadPriorityBoost, HANDLE, BOOL) \
    X(1, BOOL, SetThreadStackGuarantee, ULONG *) \
    H(SetUnhandledExceptionFilter) \
    X(2, BOOL, SetVolumeLabelA, LPCSTR, LPCSTR) \
    X(2, BOOL, SetVolumeLabelW, LPCWSTR, LPCWSTR) \
    H(SetWaitableTimer) \
    H(SetWaitableTimerEx) \
    H(SetXStateFeaturesMask) \
    H(SignalObjectAndWait) \
    H(Sleep) \
    X(3, BOOL, SleepConditionVariableCS, PCONDITION_VARIABLE, LPCRITICAL_SECTION, DWORD) \
    X(4, BOOL, SleepConditionVariableSRW, PCONDITION_VARIABLE, PSRWLOCK, DWORD, ULONG) \
    H(SleepEx) \
    X(1, DWORD, SuspendThread, HANDLE) \
    H(SwitchToFiber) \
    X(0, BOOL, SwitchToThread) \
    X(2, BOOL, SystemTimeToFileTime, const SYSTEMTIME *, LPFILETIME) \
    X(2, BOOL, TerminateJobObject, HANDLE, UINT) \
    X(2, BOOL, TerminateProcess, HANDLE, UINT) \
    X(2, BOOL, TerminateThread, HANDLE, DWORD) \
    X(2, BOOL, Thread32First, HANDLE, void *) \
    X(2, BOOL, Thread32Next, HANDLE, void *) \
    X(0, DWORD, TlsAlloc) \
    X(1, BOOL, TlsFree, DWORD) \
    X(1, LPVOID, TlsGetValue, DWORD) \
    X(2, BOOL, TlsSetValue, DWORD, LPVOID) \
    X(7, BOOL, TransactNamedPipe, HANDLE, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, LPOVERLAPPED) \
    X(1, BOOLEAN, TryAcquireSRWLockExclusive, PSRWLOCK) \
    X(1, BOOLEAN, TryAcquireSRWLockShared, PSRWLOCK) \
    X(1, BOOL, TryEnterCriticalSection, LPCRITICAL_SECTION) \
    H(UnhandledExceptionFilter) \
    X(5, BOOL, UnlockFile, HANDLE, DWORD, DWORD, DWORD, DWORD) \
    X(5, BOOL, UnlockFileEx, HANDLE, DWORD, DWORD, DWORD, LPOVERLAPPED) \
    X(1, BOOL, UnmapViewOfFile, LPCVOID) \
    X(3, BOOL, UnmapViewOfFile2, HANDLE, PVOID, ULONG) \
    X(2, BOOL, UnmapViewOfFileEx, PVOID, ULONG) \
    X(1, BOOL, UnregisterWait, HANDLE) \
    X(2, BOOL, UnregisterWaitEx, HANDLE, HANDLE) \
    X(4, LPVOID, VirtualAlloc, LPVOID, SIZE_T, DWORD, DWORD) \
    X(7, PVOID, VirtualAlloc2, HANDLE, PVOID, SIZE_T, ULONG, ULONG, MEM_EXTENDED_PARAMETER *, ULONG) \
    X(7, PVOID, VirtualAlloc2FromApp, HANDLE, PVOID, SIZE_T, ULONG, ULONG, MEM_EXTENDED_PARAMETER *, ULONG) \
    X(5, LPVOID, VirtualAllocEx, HANDLE, LPVOID, SIZE_T, DWORD, DWORD) \
    X(3, BOOL, VirtualFree, LPVOID, SIZE_T, DWORD) \
    X(4, BOOL, VirtualFreeEx, HANDLE, LPVOID, SIZE_T, DWORD) \
    X(2, BOOL, VirtualLock, LPVOID, SIZE_T) \
    X(4, BOOL, VirtualProtect, LPVOID, SIZE_T, DWORD, PDWORD) \
    X(5, BOOL, VirtualProtectEx, HANDLE, LPVOID, SIZE_T, DWORD, PDWORD) \
    X(3, SIZE_T, VirtualQuery, LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T) \
    X(4, SIZE_T, VirtualQueryEx, HANDLE, LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T) \
    X(2, BOOL, VirtualUnlock, LPVOID, SIZE_T) \
    X(2, BOOL, WaitForDebugEvent, LPDEBUG_EVENT, DWORD) \
    X(2, BOOL, WaitForDebugEventEx, LPDEBUG_EVENT, DWORD) \
    X(4, DWORD, WaitForMultipleObjects, DWORD, const HANDLE *, BOOL, DWORD) \
    H(WaitForMultipleObjectsEx) \
    X(2, DWORD, WaitForSingleObject, HANDLE, DWORD) \
    H(WaitForSingleObjectEx) \
    X(2, BOOL, WaitNamedPipeA, LPCSTR, DWORD) \
    X(2, BOOL, WaitNamedPipeW, LPCWSTR, DWORD) \
    X(4, BOOL, WaitOnAddress, volatile void *, PVOID, SIZE_T, DWORD) \
    X(1, void, WakeAllConditionVariable, PCONDITION_VARIABLE) \
    X(1, void, WakeByAddressAll, PVOID) \
    X(1, void, WakeByAddressSingle, PVOID) \
    X(1, void, WakeConditionVariable, PCONDITION_VARIABLE) \
    X(8, int, WideCharToMultiByte, UINT, DWORD, LPCWSTR, int, LPSTR, int, LPCSTR, BOOL *) \
    X(5, BOOL, WriteConsoleA, HANDLE, const void *, DWORD, LPDWORD, LPVOID) \
    X(4, BOOL, WriteConsoleInputA, HANDLE, const INPUT_RECORD *, DWORD, LPDWORD) \
    X(4, BOOL, WriteConsoleInputW, HANDLE, const INPUT_RECORD *, DWORD, LPDWORD) \
    X(5, BOOL, WriteConsoleW, HANDLE, const void *, DWORD, LPDWORD, LPVOID) \
    X(5, BOOL, WriteFile, HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED) \
    H(WriteFileEx) \
    X(5, BOOL, WriteProcessMemory, HANDLE, LPVOID, LPCVOID, SIZE_T, SIZE_T *) \
    H(__C_specific_handler) \
    X(2, LPSTR, lstrcatA, LPSTR, LPCSTR) \
    X(2, LPWSTR, lstrcatW, LPWSTR, LPCWSTR) \
    X(2, int, lstrcmpA, LPCSTR, LPCSTR) \
    X(2, int, lstrcmpW, LPCWSTR, LPCWSTR) \
    X(2, int, lstrcmpiA, LPCSTR, LPCSTR) \
    X(2, int, lstrcmpiW, LPCWSTR, LPCWSTR) \
    X(2, LPSTR, lstrcpyA, LPSTR, LPCSTR) \
    X(2, LPWSTR, lstrcpyW, LPWSTR, LPCWSTR) \
    X(1, int, lstrlenA, LPCSTR) \
    X(1, int, lstrlenW, LPCWSTR)

#endif
