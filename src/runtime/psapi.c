/* SPDX-License-Identifier: MIT */
/* psapi.c - psapi.dll as PE code sees it: the working-set and process-memory queries of
 * win32/psapi.c behind the Windows convention, and its sorted export table.  kernel32 exports
 * the same functions as K32* (k32_exports.c), as Windows 7 and later do. */
#include "runtime/runtime.h"
#include "runtime/thunk.h"
#include <winvm/psapi.h>
#include "runtime/psapi_mod.h"

WV_THUNK_1(wv_ps_, BOOL, EmptyWorkingSet, HANDLE)
WV_THUNK_2(wv_ps_, BOOL, GetPerformanceInfo, PPERFORMANCE_INFORMATION, DWORD)
WV_THUNK_3(wv_ps_, BOOL, QueryWorkingSet, HANDLE, PVOID, DWORD)
WV_THUNK_4(wv_ps_, DWORD, GetMappedFileNameA, HANDLE, LPVOID, LPSTR, DWORD)
WV_THUNK_4(wv_ps_, DWORD, GetMappedFileNameW, HANDLE, LPVOID, LPWSTR, DWORD)
WV_THUNK_3(wv_ps_, BOOL, GetProcessMemoryInfo, HANDLE, PPROCESS_MEMORY_COUNTERS, DWORD)
WV_THUNK_3(wv_ps_, BOOL, QueryWorkingSetEx, HANDLE, PVOID, DWORD)
WV_THUNK_3(wv_ps_, DWORD, GetProcessImageFileNameA, HANDLE, LPSTR, DWORD)
WV_THUNK_3(wv_ps_, DWORD, GetProcessImageFileNameW, HANDLE, LPWSTR, DWORD)
WV_THUNK_1(wv_ps_, BOOL, InitializeProcessForWsWatch, HANDLE)
WV_THUNK_3(wv_ps_, BOOL, GetWsChanges, HANDLE, PPSAPI_WS_WATCH_INFORMATION, DWORD)
WV_THUNK_3(wv_ps_, BOOL, GetWsChangesEx, HANDLE, PPSAPI_WS_WATCH_INFORMATION_EX, PDWORD)

#define P(f) {#f, (void *)wv_ps_##f}
static const struct wv_export wv_ps_exports[] = {
    P(EmptyWorkingSet),
    P(EnumProcessModules),
    P(EnumProcessModulesEx),
    P(EnumProcesses),
    P(GetMappedFileNameA),
    P(GetMappedFileNameW),
    P(GetModuleBaseNameA),
    P(GetModuleBaseNameW),
    P(GetModuleFileNameExA),
    P(GetModuleFileNameExW),
    P(GetModuleInformation),
    P(GetPerformanceInfo),
    P(GetProcessImageFileNameA),
    P(GetProcessImageFileNameW),
    P(GetProcessMemoryInfo),
    P(GetWsChanges),
    P(GetWsChangesEx),
    P(InitializeProcessForWsWatch),
    P(QueryWorkingSet),
    P(QueryWorkingSetEx),
};
#undef P
#define WV_PS_COUNT (sizeof(wv_ps_exports) / sizeof(wv_ps_exports[0]))

void *wv_ps_lookup(const char *name) { return wv_export_find(wv_ps_exports, WV_PS_COUNT, name); }

const char *wv_ps_name_at(size_t i) { return i < WV_PS_COUNT ? wv_ps_exports[i].name : NULL; }
