/* SPDX-License-Identifier: MIT */
/* ntdll_reg.h - what ntdll's registry calls share (ntdll_reg.c: keys, ntdll_regval.c: values,
 * ntdll_regpath.c: names), over the registry's cores (reg_api.h). */
#ifndef WINVM_RUNTIME_NTDLL_REG_H
#define WINVM_RUNTIME_NTDLL_REG_H

#include "runtime/reg_value.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

/* *oa read and resolved (a RootDirectory: a key's handle) into root and a malloc'ed path:
 * 0 or the status Windows gives (STATUS_OBJECT_PATH_SYNTAX_BAD, _NAME_INVALID,
 * _TYPE_MISMATCH, _NAME_NOT_FOUND, STATUS_INVALID_PARAMETER for a component too long,
 * STATUS_ACCESS_VIOLATION, ...).  The key need not exist. */
NTSTATUS wv_nt_key_oa(const OBJECT_ATTRIBUTES *oa, int *root, char **path);
/* The key h names (a key handle only: another object is STATUS_OBJECT_TYPE_MISMATCH, none
 * STATUS_INVALID_HANDLE): its root, a malloc'ed path, the handle's rights (access may be NULL). */
NTSTATUS wv_nt_key_of(HANDLE h, int *root, char **path, DWORD *access);
/* root's path as Windows names it (\REGISTRY\MACHINE\...) into out, cap units: its length. */
size_t wv_nt_key_name(int root, const char *path, WCHAR *out, size_t cap);
/* Names in the store are C strings: a NUL unit of an NT name is kept as C0 80 (the overlong
 * form no converter makes).  UTF-16 units n at w into out (3 n + 1 bytes): its length. */
size_t wv_nt_reg_utf8(const WCHAR *w, size_t n, char *out);
/* The reverse into out (cap units; NULL measures): the length in units, 0 when it does not fit. */
size_t wv_nt_reg_utf16(const char *s, WCHAR *out, size_t cap);
/* A registry core's Win32 error as the NT calls report it. */
NTSTATUS wv_nt_key_status(DWORD err);
/* "S-1-5-21-0-0-0-<uid>", the user's SID (advapi32_token.c lays out the same one). */
void wv_user_sid_text(char *buf, size_t cap);
/* Loads the registry (write: exclusively) and finds h's key, when h is a key handle with the
 * rights need: 0 (then wv_reg_end(r) later) or the status. */
NTSTATUS wv_nt_key_at(HANDLE h, DWORD need, bool write, struct wv_reg *r, struct wv_rkey **out);
/* Answers with the fixed part (fixed bytes) and the variable part (var, vlen bytes) behind it
 * as Windows: len below fixed: STATUS_BUFFER_TOO_SMALL, nothing written; below the whole:
 * what fits and STATUS_BUFFER_OVERFLOW; *ret (when given) the whole size either way. */
NTSTATUS wv_nt_key_answer(void *out, ULONG len, ULONG *ret, const void *head, ULONG fixed, const void *var,
                          ULONG vlen);

#endif
