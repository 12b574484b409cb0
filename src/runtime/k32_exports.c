/* k32_exports.c - kernel32.dll as PE code sees it: an ms_abi thunk for every export winvm
 * provides (the memory API, files, sections, exceptions, threads and waits, the loader, ...),
 * shims that let PE code's vectored exception handlers be called by except.c, and the sorted
 * export table the loader binds imports from. */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <pthread.h>
#include <string.h>

/* ---- vectored handlers for PE code ----
 * A PE handler is an ms_abi function; except.c calls handlers with the host convention.  Each
 * PE handler gets one of a fixed set of host shims, which calls the ms_abi function stored in
 * its slot.  Add returns except.c's handle for the shim, so Remove takes it unchanged.  A
 * slot is reused only after its shim was removed; a dispatch that copied the handler list just
 * before the removal may still call the shim, which then finds the slot empty (search on) or,
 * if it was reused at once, its new handler. */

typedef LONG(__attribute__((ms_abi)) * wv_ms_handler)(PEXCEPTION_POINTERS);

#define WV_PE_HANDLERS 64

static wv_ms_handler wv_pe_handler[WV_PE_HANDLERS];
static PVOID wv_pe_handle[WV_PE_HANDLERS];
static pthread_mutex_t wv_pe_handler_lock = PTHREAD_MUTEX_INITIALIZER;

/* Runs in the fault handler: one atomic load, no lock. */
static LONG wv_pe_handler_call(unsigned k, PEXCEPTION_POINTERS ep)
{
    wv_ms_handler fn = __atomic_load_n(&wv_pe_handler[k], __ATOMIC_ACQUIRE);
    return fn ? fn(ep) : EXCEPTION_CONTINUE_SEARCH;
}

#define WV_SHIM(i, j)                                                                       \
    static LONG wv_shim_##i##_##j(PEXCEPTION_POINTERS ep) { return wv_pe_handler_call(i * 8 + j, ep); }
#define WV_SHIM8(i)                                                                         \
    WV_SHIM(i, 0) WV_SHIM(i, 1) WV_SHIM(i, 2) WV_SHIM(i, 3)                                 \
    WV_SHIM(i, 4) WV_SHIM(i, 5) WV_SHIM(i, 6) WV_SHIM(i, 7)
WV_SHIM8(0) WV_SHIM8(1) WV_SHIM8(2) WV_SHIM8(3) WV_SHIM8(4) WV_SHIM8(5) WV_SHIM8(6) WV_SHIM8(7)

#define WV_SHIM_REF8(i)                                                                     \
    wv_shim_##i##_0, wv_shim_##i##_1, wv_shim_##i##_2, wv_shim_##i##_3, wv_shim_##i##_4,      \
        wv_shim_##i##_5, wv_shim_##i##_6, wv_shim_##i##_7
static const PVECTORED_EXCEPTION_HANDLER wv_shims[WV_PE_HANDLERS] = {
    WV_SHIM_REF8(0), WV_SHIM_REF8(1), WV_SHIM_REF8(2), WV_SHIM_REF8(3),
    WV_SHIM_REF8(4), WV_SHIM_REF8(5), WV_SHIM_REF8(6), WV_SHIM_REF8(7)};

static __attribute__((ms_abi)) PVOID k32_AddVectoredExceptionHandler(ULONG first, wv_ms_handler fn)
{
    if (!fn)
        return AddVectoredExceptionHandler(first, NULL); /* its error for a NULL handler */
    pthread_mutex_lock(&wv_pe_handler_lock);
    unsigned k = 0;
    while (k < WV_PE_HANDLERS && wv_pe_handler[k])
        k++;
    PVOID h = NULL;
    if (k == WV_PE_HANDLERS) {
        wv_set_error(ERROR_NOT_ENOUGH_MEMORY); /* what except.c says when its table is full */
    } else {
        __atomic_store_n(&wv_pe_handler[k], fn, __ATOMIC_RELEASE);
        h = wv_pe_handle[k] = AddVectoredExceptionHandler(first, wv_shims[k]);
        if (!h)
            __atomic_store_n(&wv_pe_handler[k], NULL, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&wv_pe_handler_lock);
    return h;
}

static __attribute__((ms_abi)) ULONG k32_RemoveVectoredExceptionHandler(PVOID h)
{
    wv_stack_probe();
    pthread_mutex_lock(&wv_pe_handler_lock);
    ULONG removed = RemoveVectoredExceptionHandler(h);
    for (unsigned k = 0; removed && k < WV_PE_HANDLERS; k++)
        if (wv_pe_handler[k] && wv_pe_handle[k] == h) {
            __atomic_store_n(&wv_pe_handler[k], NULL, __ATOMIC_RELEASE);
            wv_pe_handle[k] = NULL;
        }
    pthread_mutex_unlock(&wv_pe_handler_lock);
    return removed;
}

/* ---- ms_abi thunks ----
 * K32_n(ret, Name, types...) defines k32_Name, an ms_abi function of n arguments that calls
 * Name; the compiler moves the arguments between the two conventions and saves what ms_abi
 * callers expect preserved (rsi, rdi, xmm6-xmm15).  Each first makes sure the stack below has
 * room for winvm's own frames (wv_stack_probe): Windows' system calls run on a kernel stack,
 * winvm's run on the caller's, and a guard-page fault inside winvm could not grow it. */
#define K32_ABI static __attribute__((ms_abi))
#define K32_0(r, f) K32_ABI r k32_##f(void) { wv_stack_probe(); return f(); }
#define K32_1(r, f, A) K32_ABI r k32_##f(A a) { wv_stack_probe(); return f(a); }
#define K32_2(r, f, A, B) K32_ABI r k32_##f(A a, B b) { wv_stack_probe(); return f(a, b); }
#define K32_3(r, f, A, B, C) K32_ABI r k32_##f(A a, B b, C c) { wv_stack_probe(); return f(a, b, c); }
#define K32_4(r, f, A, B, C, D) K32_ABI r k32_##f(A a, B b, C c, D d) { wv_stack_probe(); return f(a, b, c, d); }
#define K32_5(r, f, A, B, C, D, E)                                                          \
    K32_ABI r k32_##f(A a, B b, C c, D d, E e) { wv_stack_probe(); return f(a, b, c, d, e); }
#define K32_6(r, f, A, B, C, D, E, F)                                                       \
    K32_ABI r k32_##f(A a, B b, C c, D d, E e, F g) { wv_stack_probe(); return f(a, b, c, d, e, g); }
#define K32_8(r, f, A, B, C, D, E, F, G, H)                                                 \
    K32_ABI r k32_##f(A a, B b, C c, D d, E e, F g, G h, H i) { wv_stack_probe(); return f(a, b, c, d, e, g, h, i); }
#define K32_7(r, f, A, B, C, D, E, F, G)                                                    \
    K32_ABI r k32_##f(A a, B b, C c, D d, E e, F g, G h) { wv_stack_probe(); return f(a, b, c, d, e, g, h); }

K32_1(BOOL, CloseHandle, HANDLE)
K32_7(HANDLE, CreateFileA, LPCSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE)
K32_6(HANDLE, CreateFileMappingA, HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCSTR)
K32_6(HANDLE, CreateFileMappingW, HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCWSTR)
K32_7(HANDLE, CreateFileW, LPCWSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE)
K32_7(BOOL, DuplicateHandle, HANDLE, HANDLE, HANDLE, LPHANDLE, DWORD, BOOL, DWORD)
K32_ABI __attribute__((noreturn)) void k32_ExitProcess(UINT code) { ExitProcess(code); }
K32_2(BOOL, FlushViewOfFile, LPCVOID, SIZE_T)
K32_0(HANDLE, GetCurrentProcess)
K32_0(DWORD, GetCurrentProcessId)
K32_0(HANDLE, GetCurrentThread)
K32_0(DWORD, GetCurrentThreadId)
K32_0(DWORD, GetLastError)
K32_ABI void k32_GetNativeSystemInfo(LPSYSTEM_INFO si) { GetNativeSystemInfo(si); }
K32_0(HANDLE, GetProcessHeap)
K32_1(HANDLE, GetStdHandle, DWORD)
K32_ABI void k32_GetSystemInfo(LPSYSTEM_INFO si) { GetSystemInfo(si); }
K32_0(DWORD, GetTickCount)
K32_0(ULONGLONG, GetTickCount64)
K32_6(UINT, GetWriteWatch, DWORD, PVOID, SIZE_T, PVOID *, ULONG_PTR *, LPDWORD)
K32_3(LPVOID, HeapAlloc, HANDLE, DWORD, SIZE_T)
K32_3(BOOL, HeapFree, HANDLE, DWORD, LPVOID)
K32_4(LPVOID, HeapReAlloc, HANDLE, DWORD, LPVOID, SIZE_T)
K32_3(SIZE_T, HeapSize, HANDLE, DWORD, LPCVOID)
K32_1(BOOL, IsBadCodePtr, FARPROC)
K32_2(BOOL, IsBadReadPtr, const void *, UINT_PTR)
K32_2(BOOL, IsBadWritePtr, LPVOID, UINT_PTR)
K32_5(LPVOID, MapViewOfFile, HANDLE, DWORD, DWORD, DWORD, SIZE_T)
K32_6(LPVOID, MapViewOfFileEx, HANDLE, DWORD, DWORD, DWORD, SIZE_T, LPVOID)
K32_3(HANDLE, OpenFileMappingA, DWORD, BOOL, LPCSTR)
K32_3(HANDLE, OpenFileMappingW, DWORD, BOOL, LPCWSTR)
K32_1(BOOL, QueryPerformanceCounter, LARGE_INTEGER *)
K32_1(BOOL, QueryPerformanceFrequency, LARGE_INTEGER *)
K32_5(BOOL, ReadFile, HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED)
K32_2(UINT, ResetWriteWatch, LPVOID, SIZE_T)
K32_ABI void k32_SetLastError(DWORD code) { SetLastError(code); }
K32_ABI void k32_Sleep(DWORD ms) { Sleep(ms); }
K32_0(DWORD, TlsAlloc)
K32_1(BOOL, TlsFree, DWORD)
K32_1(LPVOID, TlsGetValue, DWORD)
K32_2(BOOL, TlsSetValue, DWORD, LPVOID)
K32_1(BOOL, UnmapViewOfFile, LPCVOID)
K32_4(LPVOID, VirtualAlloc, LPVOID, SIZE_T, DWORD, DWORD)
K32_5(LPVOID, VirtualAllocEx, HANDLE, LPVOID, SIZE_T, DWORD, DWORD)
K32_3(BOOL, VirtualFree, LPVOID, SIZE_T, DWORD)
K32_4(BOOL, VirtualFreeEx, HANDLE, LPVOID, SIZE_T, DWORD)
K32_2(BOOL, VirtualLock, LPVOID, SIZE_T)
K32_4(BOOL, VirtualProtect, LPVOID, SIZE_T, DWORD, PDWORD)
K32_5(BOOL, VirtualProtectEx, HANDLE, LPVOID, SIZE_T, DWORD, PDWORD)
K32_3(SIZE_T, VirtualQuery, LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T)
K32_4(SIZE_T, VirtualQueryEx, HANDLE, LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T)
K32_2(BOOL, VirtualUnlock, LPVOID, SIZE_T)
K32_5(BOOL, WriteFile, HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED)
K32_4(void, RaiseException, DWORD, DWORD, DWORD, const ULONG_PTR *)
K32_0(LPSTR, GetCommandLineA)
K32_1(void, InitializeCriticalSection, LPCRITICAL_SECTION)
K32_2(BOOL, InitializeCriticalSectionAndSpinCount, LPCRITICAL_SECTION, DWORD)
K32_1(void, EnterCriticalSection, LPCRITICAL_SECTION)
K32_1(BOOL, TryEnterCriticalSection, LPCRITICAL_SECTION)
K32_1(void, LeaveCriticalSection, LPCRITICAL_SECTION)
K32_1(void, DeleteCriticalSection, LPCRITICAL_SECTION)
K32_1(void, GetStartupInfoA, LPSTARTUPINFOA)
K32_2(BOOL, IsDBCSLeadByteEx, UINT, BYTE)
K32_6(int, MultiByteToWideChar, UINT, DWORD, LPCSTR, int, LPWSTR, int)
K32_8(int, WideCharToMultiByte, UINT, DWORD, LPCWSTR, int, LPSTR, int, LPCSTR, BOOL *)
/* PE code's filter is an ms_abi function; it is only kept (k32_crt.c), so no shim is needed. */
K32_1(LPTOP_LEVEL_EXCEPTION_FILTER, SetUnhandledExceptionFilter, LPTOP_LEVEL_EXCEPTION_FILTER)
K32_2(DWORD, WaitForSingleObject, HANDLE, DWORD)
K32_4(DWORD, WaitForMultipleObjects, DWORD, const HANDLE *, BOOL, DWORD)
K32_4(HANDLE, CreateEventA, LPSECURITY_ATTRIBUTES, BOOL, BOOL, LPCSTR)
K32_4(HANDLE, CreateEventW, LPSECURITY_ATTRIBUTES, BOOL, BOOL, LPCWSTR)
K32_1(BOOL, SetEvent, HANDLE)
K32_1(BOOL, ResetEvent, HANDLE)
K32_3(HANDLE, CreateMutexA, LPSECURITY_ATTRIBUTES, BOOL, LPCSTR)
K32_3(HANDLE, CreateMutexW, LPSECURITY_ATTRIBUTES, BOOL, LPCWSTR)
K32_1(BOOL, ReleaseMutex, HANDLE)
K32_4(HANDLE, CreateSemaphoreA, LPSECURITY_ATTRIBUTES, LONG, LONG, LPCSTR)
K32_4(HANDLE, CreateSemaphoreW, LPSECURITY_ATTRIBUTES, LONG, LONG, LPCWSTR)
K32_3(BOOL, ReleaseSemaphore, HANDLE, LONG, LONG *)
K32_2(BOOL, GetExitCodeThread, HANDLE, LPDWORD)
K32_1(DWORD, ResumeThread, HANDLE)
K32_1(DWORD, GetThreadId, HANDLE)
/* A PE caller's start routine is an ms_abi function: run with the Windows thread setup. */
K32_ABI HANDLE k32_CreateThread(LPSECURITY_ATTRIBUTES sa, SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg,
                                DWORD flags, LPDWORD tid)
{
    (void)sa;
    wv_stack_probe();
    return wv_thread_create(stack, start, arg, flags, tid, true);
}
K32_ABI __attribute__((noreturn)) void k32_ExitThread(DWORD code) { ExitThread(code); }
K32_0(LPWSTR, GetCommandLineW)
K32_5(BOOL, WriteConsoleA, HANDLE, const void *, DWORD, LPDWORD, LPVOID)
K32_5(BOOL, WriteConsoleW, HANDLE, const void *, DWORD, LPDWORD, LPVOID)
/* the loader's (loader.c, wide.c) */
K32_1(BOOL, FreeLibrary, HMODULE)
K32_3(DWORD, GetModuleFileNameA, HMODULE, LPSTR, DWORD)
K32_1(HMODULE, GetModuleHandleA, LPCSTR)
K32_1(HMODULE, GetModuleHandleW, LPCWSTR)
K32_2(FARPROC, GetProcAddress, HMODULE, LPCSTR)
K32_1(HMODULE, LoadLibraryA, LPCSTR)
K32_3(HMODULE, LoadLibraryExA, LPCSTR, HANDLE, DWORD)
K32_3(HMODULE, LoadLibraryExW, LPCWSTR, HANDLE, DWORD)
K32_1(HMODULE, LoadLibraryW, LPCWSTR)

/* ---- the export table: sorted by strcmp, searched by bisection ----
 * Keep the order: test_kernel32 checks every adjacent pair. */

#define K32(f) {#f, (void *)k32_##f}

static const struct wv_export wv_k32_exports[] = {
    K32(AddVectoredExceptionHandler),
    K32(CloseHandle),
    K32(CreateEventA),
    K32(CreateEventW),
    K32(CreateFileA),
    K32(CreateFileMappingA),
    K32(CreateFileMappingW),
    K32(CreateFileW),
    K32(CreateMutexA),
    K32(CreateMutexW),
    K32(CreateSemaphoreA),
    K32(CreateSemaphoreW),
    K32(CreateThread),
    K32(DeleteCriticalSection),
    K32(DuplicateHandle),
    K32(EnterCriticalSection),
    K32(ExitProcess),
    K32(ExitThread),
    K32(FlushViewOfFile),
    K32(FreeLibrary),
    K32(GetCommandLineA),
    K32(GetCommandLineW),
    K32(GetCurrentProcess),
    K32(GetCurrentProcessId),
    K32(GetCurrentThread),
    K32(GetCurrentThreadId),
    K32(GetExitCodeThread),
    K32(GetLastError),
    K32(GetModuleFileNameA),
    K32(GetModuleHandleA),
    K32(GetModuleHandleW),
    K32(GetNativeSystemInfo),
    K32(GetProcAddress),
    K32(GetProcessHeap),
    K32(GetStartupInfoA),
    K32(GetStdHandle),
    K32(GetSystemInfo),
    K32(GetThreadId),
    K32(GetTickCount),
    K32(GetTickCount64),
    K32(GetWriteWatch),
    K32(HeapAlloc),
    K32(HeapFree),
    K32(HeapReAlloc),
    K32(HeapSize),
    K32(InitializeCriticalSection),
    K32(InitializeCriticalSectionAndSpinCount),
    K32(IsBadCodePtr),
    K32(IsBadReadPtr),
    K32(IsBadWritePtr),
    K32(IsDBCSLeadByteEx),
    K32(LeaveCriticalSection),
    K32(LoadLibraryA),
    K32(LoadLibraryExA),
    K32(LoadLibraryExW),
    K32(LoadLibraryW),
    K32(MapViewOfFile),
    K32(MapViewOfFileEx),
    K32(MultiByteToWideChar),
    K32(OpenFileMappingA),
    K32(OpenFileMappingW),
    K32(QueryPerformanceCounter),
    K32(QueryPerformanceFrequency),
    K32(RaiseException),
    K32(ReadFile),
    K32(ReleaseMutex),
    K32(ReleaseSemaphore),
    K32(RemoveVectoredExceptionHandler),
    K32(ResetEvent),
    K32(ResetWriteWatch),
    K32(ResumeThread),
    K32(SetEvent),
    K32(SetLastError),
    K32(SetUnhandledExceptionFilter),
    K32(Sleep),
    K32(TlsAlloc),
    K32(TlsFree),
    K32(TlsGetValue),
    K32(TlsSetValue),
    K32(TryEnterCriticalSection),
    K32(UnmapViewOfFile),
    K32(VirtualAlloc),
    K32(VirtualAllocEx),
    K32(VirtualFree),
    K32(VirtualFreeEx),
    K32(VirtualLock),
    K32(VirtualProtect),
    K32(VirtualProtectEx),
    K32(VirtualQuery),
    K32(VirtualQueryEx),
    K32(VirtualUnlock),
    K32(WaitForMultipleObjects),
    K32(WaitForSingleObject),
    K32(WideCharToMultiByte),
    K32(WriteConsoleA),
    K32(WriteConsoleW),
    K32(WriteFile),
};

#define WV_K32_COUNT (sizeof(wv_k32_exports) / sizeof(wv_k32_exports[0]))

void *wv_export_find(const struct wv_export *table, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (name && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, table[mid].name);
        if (c == 0)
            return table[mid].addr;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

void *wv_k32_lookup(const char *name) { return wv_export_find(wv_k32_exports, WV_K32_COUNT, name); }

const char *wv_k32_name_at(size_t i) { return i < WV_K32_COUNT ? wv_k32_exports[i].name : NULL; }
