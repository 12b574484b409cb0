/* SPDX-License-Identifier: MIT */
/* reg_value.h - what the registry's value calls share (reg_value.c, reg_get.c, reg_enum.c). */
#ifndef WINVM_RUNTIME_REG_VALUE_H
#define WINVM_RUNTIME_REG_VALUE_H

#include "runtime/reg_api.h"

bool wv_reg_is_str(DWORD type);
/* A malloc'ed copy of v's data as the form sees it (A: strings in UTF-8). */
DWORD wv_val_bytes(const struct wv_rval *v, bool wide, BYTE **out, DWORD *len);
/* Hands out a value as RegQueryValueEx does: the type, the size (ERROR_MORE_DATA with the size
 * needed when data is too small; data NULL: only the size), the bytes. */
DWORD wv_val_out(DWORD type, const BYTE *bytes, DWORD len, DWORD *type_out, BYTE *data, DWORD *size);

#define WV_ADV __attribute__((ms_abi))
WV_ADV LONG wv_adv_RegQueryValueExA(HKEY, LPCSTR, LPDWORD, LPDWORD, BYTE *, LPDWORD);
WV_ADV LONG wv_adv_RegQueryValueExW(HKEY, LPCWSTR, LPDWORD, LPDWORD, BYTE *, LPDWORD);
WV_ADV LONG wv_adv_RegSetValueExA(HKEY, LPCSTR, DWORD, DWORD, const BYTE *, DWORD);
WV_ADV LONG wv_adv_RegSetValueExW(HKEY, LPCWSTR, DWORD, DWORD, const BYTE *, DWORD);
WV_ADV LONG wv_adv_RegDeleteValueA(HKEY, LPCSTR);
WV_ADV LONG wv_adv_RegDeleteValueW(HKEY, LPCWSTR);
WV_ADV LONG wv_adv_RegCreateKeyExA(HKEY, LPCSTR, DWORD, LPSTR, DWORD, DWORD, void *, HKEY *, DWORD *);
WV_ADV LONG wv_adv_RegCreateKeyExW(HKEY, LPCWSTR, DWORD, LPWSTR, DWORD, DWORD, void *, HKEY *, DWORD *);
WV_ADV LONG wv_adv_RegDeleteKeyA(HKEY, LPCSTR);
WV_ADV LONG wv_adv_RegDeleteKeyW(HKEY, LPCWSTR);
WV_ADV LONG wv_adv_RegDeleteTreeA(HKEY, LPCSTR);
WV_ADV LONG wv_adv_RegDeleteTreeW(HKEY, LPCWSTR);
WV_ADV LONG wv_adv_RegEnumKeyExA(HKEY, DWORD, LPSTR, LPDWORD, LPDWORD, LPSTR, LPDWORD, FILETIME *);
WV_ADV LONG wv_adv_RegEnumKeyExW(HKEY, DWORD, LPWSTR, LPDWORD, LPDWORD, LPWSTR, LPDWORD, FILETIME *);
WV_ADV LONG wv_adv_RegEnumValueA(HKEY, DWORD, LPSTR, LPDWORD, LPDWORD, LPDWORD, BYTE *, LPDWORD);
WV_ADV LONG wv_adv_RegEnumValueW(HKEY, DWORD, LPWSTR, LPDWORD, LPDWORD, LPDWORD, BYTE *, LPDWORD);
WV_ADV LONG wv_adv_RegQueryInfoKeyA(HKEY, LPSTR, LPDWORD, LPDWORD, LPDWORD, LPDWORD, LPDWORD, LPDWORD, LPDWORD,
                                    LPDWORD, LPDWORD, FILETIME *);
WV_ADV LONG wv_adv_RegQueryInfoKeyW(HKEY, LPWSTR, LPDWORD, LPDWORD, LPDWORD, LPDWORD, LPDWORD, LPDWORD, LPDWORD,
                                    LPDWORD, LPDWORD, FILETIME *);
WV_ADV LONG wv_adv_RegGetValueA(HKEY, LPCSTR, LPCSTR, DWORD, LPDWORD, void *, LPDWORD);
WV_ADV LONG wv_adv_RegGetValueW(HKEY, LPCWSTR, LPCWSTR, DWORD, LPDWORD, void *, LPDWORD);
#endif
