/* SPDX-License-Identifier: MIT */
/* psapi_mod.h - psapi's process and module enumeration (psapi_mod.c), as PE code calls it. */
#ifndef WV_PSAPI_MOD_H
#define WV_PSAPI_MOD_H
#include "runtime/runtime.h"

BOOL WV_MSABI wv_ps_EnumProcesses(DWORD *pids, DWORD cb, DWORD *needed);
BOOL WV_MSABI wv_ps_EnumProcessModules(HANDLE process, HMODULE *mods, DWORD cb, DWORD *needed);
BOOL WV_MSABI wv_ps_EnumProcessModulesEx(HANDLE process, HMODULE *mods, DWORD cb, DWORD *needed, DWORD filter);
DWORD WV_MSABI wv_ps_GetModuleBaseNameA(HANDLE process, HMODULE mod, LPSTR out, DWORD size);
DWORD WV_MSABI wv_ps_GetModuleBaseNameW(HANDLE process, HMODULE mod, LPWSTR out, DWORD size);
DWORD WV_MSABI wv_ps_GetModuleFileNameExA(HANDLE process, HMODULE mod, LPSTR out, DWORD size);
DWORD WV_MSABI wv_ps_GetModuleFileNameExW(HANDLE process, HMODULE mod, LPWSTR out, DWORD size);
BOOL WV_MSABI wv_ps_GetModuleInformation(HANDLE process, HMODULE mod, void *info, DWORD cb);
/* kernel32's QueryDosDeviceA/W (psapi_mod.c: the device names GetMappedFileName gives). */
DWORD WV_MSABI wv_k32_QueryDosDeviceA(LPCSTR name, LPSTR out, DWORD size);
DWORD WV_MSABI wv_k32_QueryDosDeviceW(LPCWSTR name, LPWSTR out, DWORD size);
#endif
