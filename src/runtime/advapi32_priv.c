/* SPDX-License-Identifier: MIT */
/* advapi32_priv.c - privilege names and LUIDs: LookupPrivilegeValueA/W and
 * LookupPrivilegeNameA/W, what AdjustTokenPrivileges' callers look up first.  The LUIDs are
 * Windows' fixed ones (SeCreateTokenPrivilege 2 .. SeDelegateSessionUserImpersonatePrivilege
 * 36); names compare without regard to case, as on Windows.  Only this machine answers: a
 * system name other than NULL or "" is RPC_S_SERVER_UNAVAILABLE (no remote lookups). */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <winvm/token.h>

#define ADV __attribute__((ms_abi))
#define WV_RPC_S_SERVER_UNAVAILABLE 1722

static const char *const wv_privileges[] = {
    [2] = "SeCreateTokenPrivilege", [3] = "SeAssignPrimaryTokenPrivilege", [4] = "SeLockMemoryPrivilege",
    [5] = "SeIncreaseQuotaPrivilege", [6] = "SeMachineAccountPrivilege", [7] = "SeTcbPrivilege",
    [8] = "SeSecurityPrivilege", [9] = "SeTakeOwnershipPrivilege", [10] = "SeLoadDriverPrivilege",
    [11] = "SeSystemProfilePrivilege", [12] = "SeSystemtimePrivilege",
    [13] = "SeProfileSingleProcessPrivilege", [14] = "SeIncreaseBasePriorityPrivilege",
    [15] = "SeCreatePagefilePrivilege", [16] = "SeCreatePermanentPrivilege", [17] = "SeBackupPrivilege",
    [18] = "SeRestorePrivilege", [19] = "SeShutdownPrivilege", [20] = "SeDebugPrivilege",
    [21] = "SeAuditPrivilege", [22] = "SeSystemEnvironmentPrivilege", [23] = "SeChangeNotifyPrivilege",
    [24] = "SeRemoteShutdownPrivilege", [25] = "SeUndockPrivilege", [26] = "SeSyncAgentPrivilege",
    [27] = "SeEnableDelegationPrivilege", [28] = "SeManageVolumePrivilege", [29] = "SeImpersonatePrivilege",
    [30] = "SeCreateGlobalPrivilege", [31] = "SeTrustedCredManAccessPrivilege", [32] = "SeRelabelPrivilege",
    [33] = "SeIncreaseWorkingSetPrivilege", [34] = "SeTimeZonePrivilege", [35] = "SeCreateSymbolicLinkPrivilege",
    [36] = "SeDelegateSessionUserImpersonatePrivilege",
};
#define WV_PRIV_COUNT (sizeof(wv_privileges) / sizeof(wv_privileges[0]))

/* The system name (UTF-8, malloc'ed; NULL for none) names this machine: 0 or the error. */
static DWORD wv_local_system(char *sys)
{
    DWORD err = sys && *sys ? WV_RPC_S_SERVER_UNAVAILABLE : 0;
    free(sys);
    return err;
}

static DWORD wv_priv_value(char *sys, char *name, LUID *out)
{
    DWORD err = wv_local_system(sys);
    DWORD i = 2;
    while (!err && i < WV_PRIV_COUNT && strcasecmp(wv_privileges[i], name))
        i++;
    free(name);
    if (err)
        return err;
    if (i == WV_PRIV_COUNT)
        return ERROR_NO_SUCH_PRIVILEGE;
    LUID l = {i, 0};
    return wv_user_put(out, &l, sizeof(l)) ? ERROR_NOACCESS : 0;
}

ADV BOOL wv_adv_LookupPrivilegeValueA(LPCSTR sys, LPCSTR name, LUID *out)
{
    char *s = NULL, *n = NULL;
    DWORD err = sys ? wv_user_str(sys, &s) : 0;
    if (!err && !name)
        err = ERROR_NOACCESS;
    if (!err && (err = wv_user_str(name, &n)))
        free(s);
    err = err ? err : wv_priv_value(s, n, out);
    return err ? wv_fail(err) : TRUE;
}

ADV BOOL wv_adv_LookupPrivilegeValueW(LPCWSTR sys, LPCWSTR name, LUID *out)
{
    char *s = NULL, *n = NULL;
    DWORD err = sys ? wv_user_wstr(sys, WV_TEXT_REPLACE, &s) : 0;
    if (!err && !name)
        err = ERROR_NOACCESS;
    if (!err && (err = wv_user_wstr(name, WV_TEXT_REPLACE, &n)))
        free(s);
    err = err ? err : wv_priv_value(s, n, out);
    return err ? wv_fail(err) : TRUE;
}

/* The name of *luid into buf (cap characters, *io in and out), A or W. */
static DWORD wv_priv_name(char *sys, const LUID *luid, void *buf, DWORD *io, bool wide)
{
    DWORD err = wv_local_system(sys), cap, ret = 0;
    LUID l;
    if (err)
        return err;
    if (!luid || wv_copy(&l, luid, sizeof(l)) || !io || wv_copy(&cap, io, sizeof(cap)))
        return ERROR_NOACCESS;
    if (l.HighPart || l.LowPart >= WV_PRIV_COUNT || !wv_privileges[l.LowPart])
        return ERROR_NO_SUCH_PRIVILEGE;
    const char *name = wv_privileges[l.LowPart];
    err = wide ? wv_out_w(name, buf, cap, &ret) : wv_out_a(name, buf, cap, &ret);
    if (!err && wv_user_put(io, &ret, sizeof(ret)))
        err = ERROR_NOACCESS;
    return err ? err : ret >= cap ? ERROR_INSUFFICIENT_BUFFER : 0;
}

ADV BOOL wv_adv_LookupPrivilegeNameA(LPCSTR sys, LUID *luid, LPSTR buf, DWORD *io)
{
    char *s = NULL;
    DWORD err = sys ? wv_user_str(sys, &s) : 0;
    err = err ? err : wv_priv_name(s, luid, buf, io, false);
    return err ? wv_fail(err) : TRUE;
}

ADV BOOL wv_adv_LookupPrivilegeNameW(LPCWSTR sys, LUID *luid, LPWSTR buf, DWORD *io)
{
    char *s = NULL;
    DWORD err = sys ? wv_user_wstr(sys, WV_TEXT_REPLACE, &s) : 0;
    err = err ? err : wv_priv_name(s, luid, buf, io, true);
    return err ? wv_fail(err) : TRUE;
}
