/* SPDX-License-Identifier: MIT */
/* advapi32_sd.c - advapi32's names of the security-descriptor and ACL calls: BOOL results and
 * the Win32 error of ntdll's status as the last error (Windows' advapi32 forwards the same way
 * to ntdll), over rtl_sd.c and rtl_acl.c.  Listed in advapi32.c's export table.
 * InitializeSecurityDescriptor, IsValidSecurityDescriptor, GetSecurityDescriptorLength,
 * GetSecurityDescriptorControl, (Set|Get)SecurityDescriptor(Dacl|Owner|Group), InitializeAcl,
 * IsValidAcl, AddAccessAllowedAce(Ex), AddAccessDeniedAce(Ex), GetAce, FindFirstFreeAce. */
#include "runtime/rtl_sd.h"

#define ADV __attribute__((ms_abi))

/* The status as advapi32's BOOL and last error. */
static BOOL wv_sd_result(NTSTATUS st)
{
    static const struct {
        NTSTATUS st;
        DWORD err;
    } map[] = {
        {WV_STATUS_UNKNOWN_REVISION, 1305 /* ERROR_UNKNOWN_REVISION */},
        {WV_STATUS_REVISION_MISMATCH, 1306 /* ERROR_REVISION_MISMATCH */},
        {WV_STATUS_INVALID_ACL, 1336 /* ERROR_INVALID_ACL */},
        {WV_STATUS_INVALID_SID, 1337 /* ERROR_INVALID_SID */},
        {WV_STATUS_INVALID_SECURITY_DESCR, 1338 /* ERROR_INVALID_SECURITY_DESCR */},
        {WV_STATUS_ALLOTTED_SPACE_EXCEEDED, 1344 /* ERROR_ALLOTTED_SPACE_EXCEEDED */},
        {WV_STATUS_BUFFER_TOO_SMALL, ERROR_INSUFFICIENT_BUFFER},
        {STATUS_INVALID_PARAMETER, ERROR_INVALID_PARAMETER},
        {(NTSTATUS)STATUS_ACCESS_VIOLATION, ERROR_NOACCESS},
    };
    if (!st)
        return TRUE;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].st == st)
            return wv_fail(map[i].err);
    return wv_fail(ERROR_GEN_FAILURE);
}

ADV BOOL wv_adv_InitializeSecurityDescriptor(void *sd, DWORD rev)
{
    return wv_sd_result(wv_nt_RtlCreateSecurityDescriptor(sd, rev));
}

ADV BOOL wv_adv_IsValidSecurityDescriptor(void *sd)
{
    return wv_nt_RtlValidSecurityDescriptor(sd) ? TRUE : wv_fail(1338 /* ERROR_INVALID_SECURITY_DESCR */);
}

ADV DWORD wv_adv_GetSecurityDescriptorLength(void *sd) { return wv_nt_RtlLengthSecurityDescriptor(sd); }

ADV BOOL wv_adv_GetSecurityDescriptorControl(void *sd, USHORT *control, DWORD *rev)
{
    return wv_sd_result(wv_nt_RtlGetControlSecurityDescriptor(sd, control, rev));
}

ADV BOOL wv_adv_SetSecurityDescriptorDacl(void *sd, BOOL present, void *dacl, BOOL defaulted)
{
    return wv_sd_result(wv_nt_RtlSetDaclSecurityDescriptor(sd, present != 0, dacl, defaulted != 0));
}

ADV BOOL wv_adv_SetSecurityDescriptorOwner(void *sd, void *owner, BOOL defaulted)
{
    return wv_sd_result(wv_nt_RtlSetOwnerSecurityDescriptor(sd, owner, defaulted != 0));
}

ADV BOOL wv_adv_SetSecurityDescriptorGroup(void *sd, void *group, BOOL defaulted)
{
    return wv_sd_result(wv_nt_RtlSetGroupSecurityDescriptor(sd, group, defaulted != 0));
}

/* BOOLEANs from ntdll widened into the caller's BOOLs. */
static BOOL wv_sd_put_bool(BOOL *out, BOOLEAN v)
{
    BOOL b = v;
    return out && !wv_copy(out, &b, sizeof(b));
}

ADV BOOL wv_adv_GetSecurityDescriptorDacl(void *sd, BOOL *present, void **dacl, BOOL *defaulted)
{
    BOOLEAN pr = FALSE, df = FALSE;
    void *d = NULL;
    NTSTATUS st = wv_nt_RtlGetDaclSecurityDescriptor(sd, &pr, &d, &df);
    if (st)
        return wv_sd_result(st);
    if (!wv_sd_put_bool(present, pr) || (pr && (wv_copy(dacl, &d, sizeof(d)) || !wv_sd_put_bool(defaulted, df))))
        return wv_fail(ERROR_NOACCESS);
    return TRUE;
}

static BOOL wv_sd_get_sid(void *sd, bool group, void **sid, BOOL *defaulted)
{
    BOOLEAN df = FALSE;
    void *s = NULL;
    NTSTATUS st = group ? wv_nt_RtlGetGroupSecurityDescriptor(sd, &s, &df)
                        : wv_nt_RtlGetOwnerSecurityDescriptor(sd, &s, &df);
    if (st)
        return wv_sd_result(st);
    return wv_copy(sid, &s, sizeof(s)) || !wv_sd_put_bool(defaulted, df) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

ADV BOOL wv_adv_GetSecurityDescriptorOwner(void *sd, void **owner, BOOL *defaulted)
{
    return wv_sd_get_sid(sd, false, owner, defaulted);
}

ADV BOOL wv_adv_GetSecurityDescriptorGroup(void *sd, void **group, BOOL *defaulted)
{
    return wv_sd_get_sid(sd, true, group, defaulted);
}

ADV BOOL wv_adv_InitializeAcl(void *acl, DWORD size, DWORD rev) { return wv_sd_result(wv_nt_RtlCreateAcl(acl, size, rev)); }
ADV BOOL wv_adv_IsValidAcl(void *acl) { return wv_nt_RtlValidAcl(acl); }

ADV BOOL wv_adv_AddAccessAllowedAce(void *acl, DWORD rev, DWORD mask, void *sid)
{
    return wv_sd_result(wv_nt_RtlAddAccessAllowedAceEx(acl, rev, 0, mask, sid));
}

ADV BOOL wv_adv_AddAccessAllowedAceEx(void *acl, DWORD rev, DWORD flags, DWORD mask, void *sid)
{
    return wv_sd_result(wv_nt_RtlAddAccessAllowedAceEx(acl, rev, flags, mask, sid));
}

ADV BOOL wv_adv_AddAccessDeniedAce(void *acl, DWORD rev, DWORD mask, void *sid)
{
    return wv_sd_result(wv_nt_RtlAddAccessDeniedAceEx(acl, rev, 0, mask, sid));
}

ADV BOOL wv_adv_AddAccessDeniedAceEx(void *acl, DWORD rev, DWORD flags, DWORD mask, void *sid)
{
    return wv_sd_result(wv_nt_RtlAddAccessDeniedAceEx(acl, rev, flags, mask, sid));
}

ADV BOOL wv_adv_GetAce(void *acl, DWORD index, void **ace) { return wv_sd_result(wv_nt_RtlGetAce(acl, index, ace)); }

ADV BOOL wv_adv_FindFirstFreeAce(void *acl, void **ace)
{
    return wv_nt_RtlFirstFreeAce(acl, ace) ? TRUE : wv_fail(1336 /* ERROR_INVALID_ACL */);
}
