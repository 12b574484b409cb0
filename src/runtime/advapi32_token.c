/* SPDX-License-Identifier: MIT */
/* advapi32_token.c - the token calls programs use to ask who they are and to enable their
 * privileges: OpenProcessToken, OpenThreadToken, GetTokenInformation, AdjustTokenPrivileges,
 * DuplicateToken(Ex), thin over ntdll's (ntdll_token.c, ntdll_tokinfo.c, ntdll_tokpriv.c: the
 * token object and what it says), their statuses turned into Win32 errors; and the SID helpers
 * IsValidSid, GetLengthSid, ConvertSidToStringSidA/W. */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winvm/token.h>

#define ADV __attribute__((ms_abi))

/* The SID, as Windows lays it out: revision, count, 6-byte authority (big-endian), RIDs. */
struct wv_sid {
    BYTE rev, count, auth[6];
    DWORD sub[15];
};

static BOOL wv_nt_result(NTSTATUS st) { return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE; }

ADV BOOL wv_adv_OpenProcessToken(HANDLE process, DWORD access, HANDLE *out)
{
    return wv_nt_result(NtOpenProcessToken(process, access, out));
}

ADV BOOL wv_adv_OpenThreadToken(HANDLE thread, DWORD access, BOOL self, HANDLE *out)
{
    return wv_nt_result(NtOpenThreadToken(thread, access, (BOOLEAN)(self != 0), out));
}

ADV BOOL wv_adv_GetTokenInformation(HANDLE h, DWORD cls, void *buf, DWORD len, DWORD *ret)
{
    return wv_nt_result(NtQueryInformationToken(h, (TOKEN_INFORMATION_CLASS)cls, buf, len, ret));
}

/* TRUE also when some privilege was not the token's: then ERROR_NOT_ALL_ASSIGNED, otherwise
 * ERROR_SUCCESS, as the callers check GetLastError after TRUE. */
ADV BOOL wv_adv_AdjustTokenPrivileges(HANDLE h, BOOL all, PTOKEN_PRIVILEGES state, DWORD len, PTOKEN_PRIVILEGES prev,
                                      DWORD *ret)
{
    NTSTATUS st = NtAdjustPrivilegesToken(h, (BOOLEAN)(all != 0), state, len, prev, ret);
    if (st != STATUS_SUCCESS && st != STATUS_NOT_ALL_ASSIGNED)
        return wv_fail(RtlNtStatusToDosError(st));
    SetLastError(RtlNtStatusToDosError(st));
    return TRUE;
}

struct wv_security_attributes {
    DWORD nLength;
    void *lpSecurityDescriptor;
    BOOL bInheritHandle;
};

ADV BOOL wv_adv_DuplicateTokenEx(HANDLE src, DWORD access, const struct wv_security_attributes *sa, DWORD level,
                                 DWORD type, HANDLE *out)
{
    SECURITY_QUALITY_OF_SERVICE q = {sizeof(q), (SECURITY_IMPERSONATION_LEVEL)level, FALSE, FALSE};
    OBJECT_ATTRIBUTES oa = {sizeof(oa), NULL, NULL, 0, NULL, &q};
    struct wv_security_attributes a;
    if (sa) {
        if (wv_copy(&a, sa, sizeof(a)))
            return wv_fail(ERROR_NOACCESS);
        oa.Attributes = a.bInheritHandle ? OBJ_INHERIT : 0, oa.SecurityDescriptor = a.lpSecurityDescriptor;
    }
    return wv_nt_result(NtDuplicateToken(src, access, &oa, FALSE, (TOKEN_TYPE)type, out));
}

ADV BOOL wv_adv_DuplicateToken(HANDLE src, DWORD level, HANDLE *out)
{
    return wv_adv_DuplicateTokenEx(src, TOKEN_IMPERSONATE | TOKEN_QUERY, NULL, level, TokenImpersonation, out);
}

/* A copy of the caller's SID when it is one: its length, or 0. */
static DWORD wv_sid_get(const void *p, struct wv_sid *s)
{
    if (!p || wv_copy(s, p, 8) || s->rev != 1 || s->count > 15)
        return 0;
    DWORD n = 8 + 4 * s->count;
    return wv_copy(s, p, n) ? 0 : n;
}

ADV BOOL wv_adv_IsValidSid(void *sid)
{
    struct wv_sid s;
    return wv_sid_get(sid, &s) != 0;
}

/* Windows does not check the SID here; winvm answers 0 for what is none rather than crash. */
ADV DWORD wv_adv_GetLengthSid(void *sid)
{
    struct wv_sid s;
    return wv_sid_get(sid, &s);
}

/* "S-1-5-21-..." into a LocalAlloc'ed string the caller frees with LocalFree. */
static DWORD wv_sid_string(const void *sid, void **out, bool wide)
{
    struct wv_sid s;
    if (!sid || !out)
        return ERROR_INVALID_PARAMETER;
    if (!wv_sid_get(sid, &s))
        return ERROR_INVALID_SID;
    char text[200];
    uint64_t auth = 0;
    for (int i = 0; i < 6; i++)
        auth = auth << 8 | s.auth[i];
    int n = snprintf(text, sizeof(text), auth < (1ull << 32) ? "S-1-%llu" : "S-1-0x%llX", (unsigned long long)auth);
    for (int i = 0; i < s.count; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n, "-%u", (unsigned)s.sub[i]);
    size_t unit = wide ? 2 : 1;
    BYTE *mem = LocalAlloc(0, ((size_t)n + 1) * unit);
    if (!mem)
        return ERROR_NOT_ENOUGH_MEMORY;
    for (int i = 0; i <= n; i++) /* ASCII: each character widens to one unit */
        memcpy(mem + (size_t)i * unit, &(WCHAR){(WCHAR)text[i]}, unit);
    if (wv_user_put(out, &mem, sizeof(mem)))
        return LocalFree(mem), ERROR_NOACCESS;
    return 0;
}

ADV BOOL wv_adv_ConvertSidToStringSidA(void *sid, LPSTR *out)
{
    DWORD err = wv_sid_string(sid, (void **)out, false);
    return err ? wv_fail(err) : TRUE;
}

ADV BOOL wv_adv_ConvertSidToStringSidW(void *sid, LPWSTR *out)
{
    DWORD err = wv_sid_string(sid, (void **)out, true);
    return err ? wv_fail(err) : TRUE;
}
