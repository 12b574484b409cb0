/* SPDX-License-Identifier: MIT */
/* rtl_sd.h - what the security-descriptor files share (rtl_sd.c: descriptors and SIDs,
 * rtl_acl.c: ACLs and ACEs, advapi32_sd.c: advapi32's names).  Statuses and bits are
 * winnt.h's / ntstatus.h's. */
#ifndef WV_RUNTIME_RTL_SD_H
#define WV_RUNTIME_RTL_SD_H

#include "runtime/runtime.h"
#include <winvm/ntdll.h>

#define WV_STATUS_UNKNOWN_REVISION ((NTSTATUS)0xC0000058)
#define WV_STATUS_REVISION_MISMATCH ((NTSTATUS)0xC0000059)
#define WV_STATUS_INVALID_ACL ((NTSTATUS)0xC0000077)
#define WV_STATUS_INVALID_SID ((NTSTATUS)0xC0000078)
#define WV_STATUS_INVALID_SECURITY_DESCR ((NTSTATUS)0xC0000079)
#define WV_STATUS_ALLOTTED_SPACE_EXCEEDED ((NTSTATUS)0xC0000099)
#define WV_STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023)

#define WV_SE_OWNER_DEFAULTED 0x0001
#define WV_SE_GROUP_DEFAULTED 0x0002
#define WV_SE_DACL_PRESENT 0x0004
#define WV_SE_DACL_DEFAULTED 0x0008
#define WV_SE_SACL_PRESENT 0x0010
#define WV_SE_SELF_RELATIVE 0x8000

/* The length of the SID at p, 0 when p is none (rtl_sd.c). */
ULONG wv_sd_sid_len(const void *p);
/* A malloc'ed copy of the valid ACL at p into *out: its AclSize, or 0 (*out NULL) when it is
 * no valid ACL (revision 2..4, size at least its header, every ACE inside it) (rtl_acl.c). */
ULONG wv_sd_acl_load(const void *p, BYTE **out);

/* ntdll's entries (ms_abi), for ntdll.c's and advapi32_sd.c's use. */
WV_MSABI NTSTATUS wv_nt_RtlCreateSecurityDescriptor(void *p, ULONG rev);
WV_MSABI BOOLEAN wv_nt_RtlValidSecurityDescriptor(const void *p);
WV_MSABI ULONG wv_nt_RtlLengthSecurityDescriptor(const void *p);
WV_MSABI NTSTATUS wv_nt_RtlGetControlSecurityDescriptor(const void *p, USHORT *control, ULONG *rev);
WV_MSABI NTSTATUS wv_nt_RtlSetDaclSecurityDescriptor(void *p, BOOLEAN present, void *dacl, BOOLEAN defaulted);
WV_MSABI NTSTATUS wv_nt_RtlSetOwnerSecurityDescriptor(void *p, void *owner, BOOLEAN defaulted);
WV_MSABI NTSTATUS wv_nt_RtlSetGroupSecurityDescriptor(void *p, void *group, BOOLEAN defaulted);
WV_MSABI NTSTATUS wv_nt_RtlGetDaclSecurityDescriptor(const void *p, BOOLEAN *present, void **dacl,
                                                     BOOLEAN *defaulted);
WV_MSABI NTSTATUS wv_nt_RtlGetOwnerSecurityDescriptor(const void *p, void **owner, BOOLEAN *defaulted);
WV_MSABI NTSTATUS wv_nt_RtlGetGroupSecurityDescriptor(const void *p, void **group, BOOLEAN *defaulted);
WV_MSABI NTSTATUS wv_nt_RtlCreateAcl(void *acl, ULONG size, ULONG rev);
WV_MSABI BOOLEAN wv_nt_RtlValidAcl(const void *acl);
WV_MSABI NTSTATUS wv_nt_RtlAddAccessAllowedAceEx(void *acl, ULONG rev, ULONG flags, ACCESS_MASK mask, void *sid);
WV_MSABI NTSTATUS wv_nt_RtlAddAccessDeniedAceEx(void *acl, ULONG rev, ULONG flags, ACCESS_MASK mask, void *sid);
WV_MSABI NTSTATUS wv_nt_RtlGetAce(void *acl, ULONG index, void **ace);
WV_MSABI BOOLEAN wv_nt_RtlFirstFreeAce(void *acl, void **ace);
WV_MSABI NTSTATUS wv_nt_RtlAddAccessAllowedAce(void *acl, ULONG rev, ACCESS_MASK mask, void *sid);
WV_MSABI NTSTATUS wv_nt_RtlAddAccessDeniedAce(void *acl, ULONG rev, ACCESS_MASK mask, void *sid);
WV_MSABI BOOLEAN wv_nt_RtlValidSid(const void *sid);
WV_MSABI ULONG wv_nt_RtlLengthSid(const void *sid);

#endif
