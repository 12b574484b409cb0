/* SPDX-License-Identifier: MIT */
/* k32_exports.c - kernel32.dll as PE code sees it: an ms_abi thunk for every export winvm
 * provides (the memory API, files, sections, exceptions, threads and waits, the loader, ...)
 * and the sorted export table the loader binds imports from (PE code's vectored handlers:
 * veh.c). */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/ctx_ex.h"
#include "runtime/thunk.h"
#include "runtime/thread_int.h"
#include "runtime/debug_int.h"
#include "runtime/psapi_mod.h"
#include "runtime/io_int.h"
#include "runtime/nsync.h"
#include "runtime/synch_int.h"
#include "runtime/fiber_int.h"
#include "runtime/pool_int.h"
#include "runtime/actctx.h"
#include <winvm/psapi.h>
#include <winvm/placeholder.h>
#include <winvm/iocp.h>
#include <winvm/job.h>
#include <winvm/delayload.h>

#include <pthread.h>
#include <string.h>

/* ---- ms_abi thunks (runtime/thunk.h), named k32_Name ---- */
#define K32_ABI WV_THUNK_ABI
#define K32_0(...) WV_THUNK_0(k32_, __VA_ARGS__)
#define K32_1(...) WV_THUNK_1(k32_, __VA_ARGS__)
#define K32_2(...) WV_THUNK_2(k32_, __VA_ARGS__)
#define K32_3(...) WV_THUNK_3(k32_, __VA_ARGS__)
#define K32_4(...) WV_THUNK_4(k32_, __VA_ARGS__)
#define K32_5(...) WV_THUNK_5(k32_, __VA_ARGS__)
#define K32_6(...) WV_THUNK_6(k32_, __VA_ARGS__)
#define K32_7(...) WV_THUNK_7(k32_, __VA_ARGS__)
#define K32_8(...) WV_THUNK_8(k32_, __VA_ARGS__)
#define K32_9(...) WV_THUNK_9(k32_, __VA_ARGS__)

/* psapi's queries, also kernel32's as K32* since Windows 7 (the same functions). */
WV_THUNK_4(k32_K32, DWORD, GetMappedFileNameA, HANDLE, LPVOID, LPSTR, DWORD)
WV_THUNK_4(k32_K32, DWORD, GetMappedFileNameW, HANDLE, LPVOID, LPWSTR, DWORD)
WV_THUNK_3(k32_K32, BOOL, GetProcessMemoryInfo, HANDLE, PPROCESS_MEMORY_COUNTERS, DWORD)
WV_THUNK_3(k32_K32, BOOL, QueryWorkingSetEx, HANDLE, PVOID, DWORD)
WV_THUNK_1(k32_K32, BOOL, EmptyWorkingSet, HANDLE)
WV_THUNK_2(k32_K32, BOOL, GetPerformanceInfo, PPERFORMANCE_INFORMATION, DWORD)
WV_THUNK_3(k32_K32, BOOL, QueryWorkingSet, HANDLE, PVOID, DWORD)
WV_THUNK_3(k32_K32, DWORD, GetProcessImageFileNameA, HANDLE, LPSTR, DWORD)
WV_THUNK_3(k32_K32, DWORD, GetProcessImageFileNameW, HANDLE, LPWSTR, DWORD)
WV_THUNK_1(k32_K32, BOOL, InitializeProcessForWsWatch, HANDLE)
WV_THUNK_3(k32_K32, BOOL, GetWsChanges, HANDLE, PPSAPI_WS_WATCH_INFORMATION, DWORD)
WV_THUNK_3(k32_K32, BOOL, GetWsChangesEx, HANDLE, PPSAPI_WS_WATCH_INFORMATION_EX, PDWORD)

K32_ABI __attribute__((noreturn)) void k32_ExitProcess(UINT code) { ExitProcess(code); }
K32_ABI void k32_GetNativeSystemInfo(LPSYSTEM_INFO si) { GetNativeSystemInfo(si); }
K32_ABI void k32_GetSystemInfo(LPSYSTEM_INFO si) { GetSystemInfo(si); }
K32_ABI void k32_SetLastError(DWORD code) { SetLastError(code); }
K32_ABI void k32_Sleep(DWORD ms) { Sleep(ms); }
K32_ABI void k32_SetFileApisToANSI(void) { SetFileApisToANSI(); }
K32_ABI void k32_SetFileApisToOEM(void) { SetFileApisToOEM(); }
K32_ABI void k32_GlobalMemoryStatus(LPMEMORYSTATUS m) { GlobalMemoryStatus(m); }
/* Ten arguments: past the thunk macros. */
K32_ABI BOOL k32_CreateProcessA(LPCSTR app, LPSTR cmd, LPSECURITY_ATTRIBUTES psa, LPSECURITY_ATTRIBUTES tsa,
                                BOOL inherit, DWORD flags, LPVOID env, LPCSTR cwd, LPSTARTUPINFOA si,
                                LPPROCESS_INFORMATION pi)
{
    return CreateProcessA(app, cmd, psa, tsa, inherit, flags, env, cwd, si, pi);
}
K32_ABI BOOL k32_CreateProcessW(LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES psa, LPSECURITY_ATTRIBUTES tsa,
                                BOOL inherit, DWORD flags, LPVOID env, LPCWSTR cwd, LPSTARTUPINFOW si,
                                LPPROCESS_INFORMATION pi)
{
    return CreateProcessW(app, cmd, psa, tsa, inherit, flags, env, cwd, si, pi);
}
/* A PE caller's start routine is an ms_abi function: run with the Windows thread setup. */
K32_ABI HANDLE k32_CreateThread(LPSECURITY_ATTRIBUTES sa, SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg,
                                DWORD flags, LPDWORD tid)
{
    (void)sa;
    return wv_thread_create(stack, start, arg, flags, tid, true);
}
K32_ABI __attribute__((noreturn)) void k32_ExitThread(DWORD code) { ExitThread(code); }
/* GetCurrentThread's pseudo handle duplicates too (ob/handle.c). */
K32_ABI BOOL k32_DuplicateHandle(HANDLE sp, HANDLE src, HANDLE dp, LPHANDLE dst, DWORD access, BOOL inherit,
                                 DWORD options)
{
    return DuplicateHandle(sp, src, dp, dst, access, inherit, options);
}
/* On the calling thread, NtGet/NtSetContextThread with a BOOL (ntdll_context.c). */
BOOL WV_MSABI wv_k32_GetThreadContext(HANDLE h, CONTEXT *c);
BOOL WV_MSABI wv_k32_SetThreadContext(HANDLE h, const CONTEXT *c);
#define k32_GetThreadContext wv_k32_GetThreadContext
#define k32_SetThreadContext wv_k32_SetThreadContext
/* PE code gets the Windows form of a module's path (k32_modname.c). */
DWORD WV_MSABI wv_k32_GetModuleFileNameA(HMODULE h, LPSTR out, DWORD size);
DWORD WV_MSABI wv_k32_GetModuleFileNameW(HMODULE h, LPWSTR out, DWORD size);
#define k32_GetModuleFileNameA wv_k32_GetModuleFileNameA
#define k32_GetModuleFileNameW wv_k32_GetModuleFileNameW
/* CONTEXT_EX's calls (ctx_ex_k32.c). */
#define k32_CopyContext wv_k32_CopyContext
#define k32_GetXStateFeaturesMask wv_k32_GetXStateFeaturesMask
#define k32_InitializeContext wv_k32_InitializeContext
#define k32_InitializeContext2 wv_k32_InitializeContext2
#define k32_LocateXStateFeature wv_k32_LocateXStateFeature
#define k32_SetXStateFeaturesMask wv_k32_SetXStateFeaturesMask
#define k32_InitOnceExecuteOnce wv_k32_InitOnceExecuteOnce /* PE callbacks (initonce.c, fls.c) */
#define k32_FlsAlloc wv_k32_FlsAlloc
/* PE code's control handlers are ms_abi routines (k32_conctrl.c). */
BOOL WV_MSABI wv_k32_SetConsoleCtrlHandler(void *fn, BOOL add);
#define k32_SetConsoleCtrlHandler wv_k32_SetConsoleCtrlHandler
/* Fibers (fiber.c): a PE caller's fiber routine is an ms_abi function. */
#define k32_ConvertFiberToThread wv_k32_ConvertFiberToThread
#define k32_ConvertThreadToFiber wv_k32_ConvertThreadToFiber
#define k32_ConvertThreadToFiberEx wv_k32_ConvertThreadToFiberEx
#define k32_CreateFiber wv_k32_CreateFiber
#define k32_CreateFiberEx wv_k32_CreateFiberEx
#define k32_DeleteFiber wv_k32_DeleteFiber
#define k32_IsThreadAFiber wv_k32_IsThreadAFiber
#define k32_SwitchToFiber wv_k32_SwitchToFiber
#define k32_InitializeSListHead wv_sl_InitializeSListHead /* slist.c */
#define k32_InterlockedFlushSList wv_sl_InterlockedFlushSList
#define k32_InterlockedPopEntrySList wv_sl_InterlockedPopEntrySList
#define k32_InterlockedPushEntrySList wv_sl_InterlockedPushEntrySList
#define k32_InterlockedPushListSListEx wv_sl_InterlockedPushListSListEx
#define k32_QueryDepthSList wv_sl_QueryDepthSList
#define k32_CreateTimerQueueTimer wv_k32_CreateTimerQueueTimer /* timerq_api.c: a PE callback */
#define k32_QueueUserWorkItem wv_k32_QueueUserWorkItem /* workpool.c */
#define k32_RegisterWaitForSingleObject wv_k32_RegisterWaitForSingleObject /* regwait.c */
/* psapi's module and process calls and QueryDosDevice (psapi_mod.c). */
#define k32_QueryDosDeviceA wv_k32_QueryDosDeviceA
#define k32_QueryDosDeviceW wv_k32_QueryDosDeviceW
#define k32_K32EnumProcessModules wv_ps_EnumProcessModules
#define k32_K32EnumProcessModulesEx wv_ps_EnumProcessModulesEx
#define k32_K32EnumProcesses wv_ps_EnumProcesses
#define k32_K32GetModuleBaseNameA wv_ps_GetModuleBaseNameA
#define k32_K32GetModuleBaseNameW wv_ps_GetModuleBaseNameW
#define k32_K32GetModuleFileNameExA wv_ps_GetModuleFileNameExA
#define k32_K32GetModuleFileNameExW wv_ps_GetModuleFileNameExW
#define k32_K32GetModuleInformation wv_ps_GetModuleInformation
#define k32_ReadFileEx wv_k32_ReadFileEx /* kernel32.c: a PE completion routine */
#define k32_WriteFileEx wv_k32_WriteFileEx
/* x64 kernel32 forwards __C_specific_handler to ntdll's: the same function (seh/cspecific.c) */
#define k32___C_specific_handler wv_seh_c_specific_handler
/* A PE caller's APC routine is an ms_abi function. */
K32_ABI DWORD k32_QueueUserAPC(PAPCFUNC fn, HANDLE h, ULONG_PTR data)
{
    DWORD err = wv_apc_queue((void *)fn, h, data, true);
    return err ? wv_fail(err) : TRUE;
}
/* A PE caller's completion routine is an ms_abi function (timer.c). */
K32_ABI BOOL k32_SetWaitableTimer(HANDLE h, const LARGE_INTEGER *due, LONG period, PTIMERAPCROUTINE fn, LPVOID arg,
                                  BOOL resume)
{
    return wv_timer_set_api(h, due, period, (void *)fn, arg, true, resume);
}
K32_ABI BOOL k32_SetWaitableTimerEx(HANDLE h, const LARGE_INTEGER *due, LONG period, PTIMERAPCROUTINE fn, LPVOID arg,
                                    PREASON_CONTEXT wake, ULONG delay)
{
    (void)delay;
    return wv_timer_set_api(h, due, period, (void *)fn, arg, true, wake != NULL);
}
/* PE code's va_list is its own (ms_abi): passed through to the core as such. */
K32_ABI DWORD k32_FormatMessageA(DWORD flags, LPCVOID src, DWORD id, DWORD lang, LPSTR buf, DWORD size,
                                 __builtin_ms_va_list *args)
{
    return wv_format_message(false, flags, src, id, lang, buf, size, NULL, args);
}
K32_ABI DWORD k32_FormatMessageW(DWORD flags, LPCVOID src, DWORD id, DWORD lang, LPWSTR buf, DWORD size,
                                 __builtin_ms_va_list *args)
{
    return wv_format_message(true, flags, src, id, lang, buf, size, NULL, args);
}

/* Nine arguments, more than the thunk macros take: MapViewOfFile3 and its FromApp form. */
K32_ABI PVOID k32_MapViewOfFile3(HANDLE h, HANDLE p, PVOID base, ULONG64 off, SIZE_T size, ULONG type,
                                 ULONG protect, MEM_EXTENDED_PARAMETER *ext, ULONG count)
{
    return MapViewOfFile3(h, p, base, off, size, type, protect, ext, count);
}
K32_ABI PVOID k32_MapViewOfFile3FromApp(HANDLE h, HANDLE p, PVOID base, ULONG64 off, SIZE_T size, ULONG type,
                                        ULONG protect, MEM_EXTENDED_PARAMETER *ext, ULONG count)
{
    return MapViewOfFile3FromApp(h, p, base, off, size, type, protect, ext, count);
}

/* The alertable waits: gates that deliver APCs above the caller's context (apc_gate.c). */
#define WV_K32_GATE(f, n)                                                                     \
    WV_ALERTABLE(k32_##f, k32_core_##f, n)                                                    \
    extern __attribute__((visibility("hidden"))) char k32_##f[];
WV_THUNK_5(k32_core_, BOOL, GetOverlappedResultEx, HANDLE, LPOVERLAPPED, LPDWORD, DWORD, BOOL)
WV_THUNK_4(k32_core_, DWORD, SignalObjectAndWait, HANDLE, HANDLE, DWORD, BOOL)
WV_THUNK_2(k32_core_, DWORD, SleepEx, DWORD, BOOL)
WV_THUNK_5(k32_core_, DWORD, WaitForMultipleObjectsEx, DWORD, const HANDLE *, BOOL, DWORD, BOOL)
WV_THUNK_3(k32_core_, DWORD, WaitForSingleObjectEx, HANDLE, DWORD, BOOL)
WV_K32_GATE(GetOverlappedResultEx, 1)
WV_K32_GATE(SignalObjectAndWait, 0)
WV_K32_GATE(SleepEx, 0)
WV_K32_GATE(WaitForMultipleObjectsEx, 1)
WV_K32_GATE(WaitForSingleObjectEx, 0)

#include "runtime/k32_table.h" /* WV_K32_EXPORTS: the exports, sorted by strcmp */

#define WV_K32_THUNK(n, r, f, ...) K32_##n(r, f, ##__VA_ARGS__)
#define WV_K32_NONE(f)
WV_K32_EXPORTS(WV_K32_THUNK, WV_K32_NONE)

#define WV_K32_ENTRY(n, r, f, ...) {#f, (void *)k32_##f},
#define WV_K32_ENTRY_H(f) {#f, (void *)k32_##f},
static const struct wv_export wv_k32_exports[] = {WV_K32_EXPORTS(WV_K32_ENTRY, WV_K32_ENTRY_H)};

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
