/* SPDX-License-Identifier: MIT */
/* rtl_sd.c - security descriptors and ACLs as data: ntdll's RtlCreateSecurityDescriptor,
 * RtlValidSecurityDescriptor, RtlLengthSecurityDescriptor, RtlGetControlSecurityDescriptor,
 * Rtl(Set|Get)(Dacl|Owner|Group)SecurityDescriptor, RtlCreateAcl, RtlValidAcl,
 * RtlAddAccessAllowedAce(Ex), RtlAddAccessDeniedAce(Ex), RtlGetAce, RtlValidSid,
 * RtlLengthSid (ms_abi, for ntdll.c's table; advapi32_sd.c gives them advapi32's names and
 * Win32 errors).
 *
 * The bytes are Windows' (winnt.h): an absolute SECURITY_DESCRIPTOR is Revision, Sbz1, Control
 * and four pointers (Owner, Group, Sacl, Dacl; 40 bytes on x64), a self-relative one
 * (SE_SELF_RELATIVE) holds 32-bit offsets instead (20 bytes); an ACL is an 8-byte header
 * (AclRevision, Sbz1, AclSize, AceCount, Sbz2) followed by its ACEs, each a header (type,
 * flags, size) and, for the allowed/denied types, a mask and the SID.  Errors as Windows gives
 * them (facts: Wine's advapi32 security.c and ntdll tests, run on Windows; Microsoft's docs):
 * a descriptor revision other than 1 is STATUS_UNKNOWN_REVISION, a self-relative one cannot be
 * set (STATUS_INVALID_SECURITY_DESCR), an ACL shorter than its header STATUS_BUFFER_TOO_SMALL
 * and a revision outside 2..4 or a size past 0xffff STATUS_INVALID_PARAMETER, an ACE that does
 * not fit STATUS_ALLOTTED_SPACE_EXCEEDED.  Nothing here touches kernel objects: a program
 * builds the bytes, inspects them and hands them to a Create call, which keeps no ACL
 * (docs/semantics.md).  Every access to the caller's memory goes through wv_copy: a bad pointer
 * is (NTSTATUS)STATUS_ACCESS_VIOLATION, never a crash of winvm's code. */
#include "runtime/rtl_sd.h"

#include <stdlib.h>
#include <string.h>

#define WV_SD_ABS 40
#define WV_SD_REL 20

/* ---- SIDs ---- */

/* The length of the SID at p (8 + 4 per sub-authority), 0 when p is none. */
ULONG wv_sd_sid_len(const void *p)
{
    BYTE h[2];
    if (!p || wv_copy(h, p, 2) || h[0] != 1 || h[1] > 15)
        return 0;
    return 8u + 4u * h[1];
}

WV_MSABI BOOLEAN wv_nt_RtlValidSid(const void *sid) { return wv_sd_sid_len(sid) != 0; }
WV_MSABI ULONG wv_nt_RtlLengthSid(const void *sid) { return wv_sd_sid_len(sid); }

/* ---- descriptors ---- */

/* The descriptor's header, its four parts as addresses (self-relative offsets resolved). */
struct wv_sd {
    BYTE rev;
    USHORT control;
    uintptr_t owner, group, sacl, dacl;
};

/* Reads the descriptor at p: 0 or a status. */
static NTSTATUS wv_sd_read(const void *p, struct wv_sd *sd)
{
    BYTE raw[WV_SD_ABS];
    if (!p || wv_copy(raw, p, WV_SD_REL))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    sd->rev = raw[0];
    memcpy(&sd->control, raw + 2, 2);
    if (sd->control & WV_SE_SELF_RELATIVE) {
        DWORD off[4];
        memcpy(off, raw + 4, 16);
        uintptr_t *parts[4] = {&sd->owner, &sd->group, &sd->sacl, &sd->dacl};
        for (int i = 0; i < 4; i++)
            *parts[i] = off[i] ? (uintptr_t)p + off[i] : 0;
    } else {
        if (wv_copy(raw + WV_SD_REL, (const BYTE *)p + WV_SD_REL, WV_SD_ABS - WV_SD_REL))
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
        memcpy(&sd->owner, raw + 8, 8), memcpy(&sd->group, raw + 16, 8);
        memcpy(&sd->sacl, raw + 24, 8), memcpy(&sd->dacl, raw + 32, 8);
    }
    return sd->rev == 1 ? STATUS_SUCCESS : WV_STATUS_UNKNOWN_REVISION;
}

WV_MSABI NTSTATUS wv_nt_RtlCreateSecurityDescriptor(void *p, ULONG rev)
{
    BYTE raw[WV_SD_ABS] = {1};
    if (rev != 1)
        return WV_STATUS_UNKNOWN_REVISION;
    return wv_copy(p, raw, sizeof(raw)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

/* An ACL's size when it is valid (wv_sd_acl_valid), else 0. */
static ULONG wv_sd_acl_size(uintptr_t acl)
{
    BYTE *a = NULL;
    ULONG n = acl ? wv_sd_acl_load((const void *)acl, &a) : 0;
    free(a);
    return n;
}

WV_MSABI BOOLEAN wv_nt_RtlValidSecurityDescriptor(const void *p)
{
    struct wv_sd sd;
    if (wv_sd_read(p, &sd))
        return FALSE;
    if ((sd.owner && !wv_sd_sid_len((void *)sd.owner)) || (sd.group && !wv_sd_sid_len((void *)sd.group)))
        return FALSE;
    if ((sd.control & WV_SE_DACL_PRESENT) && sd.dacl && !wv_sd_acl_size(sd.dacl))
        return FALSE;
    return !((sd.control & WV_SE_SACL_PRESENT) && sd.sacl && !wv_sd_acl_size(sd.sacl));
}

/* The header and every part it names, as Windows counts them (0 for what is no descriptor). */
WV_MSABI ULONG wv_nt_RtlLengthSecurityDescriptor(const void *p)
{
    struct wv_sd sd;
    if (wv_sd_read(p, &sd) == (NTSTATUS)STATUS_ACCESS_VIOLATION)
        return 0;
    ULONG n = (sd.control & WV_SE_SELF_RELATIVE) ? WV_SD_REL : WV_SD_ABS;
    n += wv_sd_sid_len((void *)sd.owner) + wv_sd_sid_len((void *)sd.group);
    USHORT size;
    if ((sd.control & WV_SE_SACL_PRESENT) && sd.sacl && !wv_copy(&size, (void *)(sd.sacl + 2), 2))
        n += size;
    if ((sd.control & WV_SE_DACL_PRESENT) && sd.dacl && !wv_copy(&size, (void *)(sd.dacl + 2), 2))
        n += size;
    return n;
}

WV_MSABI NTSTATUS wv_nt_RtlGetControlSecurityDescriptor(const void *p, USHORT *control, ULONG *rev)
{
    struct wv_sd sd;
    NTSTATUS st = wv_sd_read(p, &sd);
    ULONG r = sd.rev;
    if (st == (NTSTATUS)STATUS_ACCESS_VIOLATION || wv_copy(rev, &r, sizeof(r)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (st)
        return st;
    return wv_copy(control, &sd.control, sizeof(USHORT)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

/* Sets part `slot` (0 owner, 1 group, 3 dacl; -1 none: the control bits alone) of an absolute
 * descriptor and its control bits: clears `clear`'s bits and ors `bits`. */
static NTSTATUS wv_sd_set(void *p, int slot, const void *v, USHORT clear, USHORT bits)
{
    struct wv_sd sd;
    NTSTATUS st = wv_sd_read(p, &sd);
    if (st)
        return st;
    if (sd.control & WV_SE_SELF_RELATIVE)
        return WV_STATUS_INVALID_SECURITY_DESCR;
    USHORT control = (USHORT)((sd.control & ~clear) | bits);
    uintptr_t ptr = (uintptr_t)v;
    if ((slot >= 0 && wv_copy((BYTE *)p + 8 + 8 * slot, &ptr, 8)) || wv_copy((BYTE *)p + 2, &control, 2))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

WV_MSABI NTSTATUS wv_nt_RtlSetDaclSecurityDescriptor(void *p, BOOLEAN present, void *dacl, BOOLEAN defaulted)
{
    if (!present) /* only the flag goes: the pointer is kept, as on Windows */
        return wv_sd_set(p, -1, NULL, WV_SE_DACL_PRESENT, 0);
    return wv_sd_set(p, 3, dacl, WV_SE_DACL_PRESENT | WV_SE_DACL_DEFAULTED,
                     (USHORT)(WV_SE_DACL_PRESENT | (defaulted ? WV_SE_DACL_DEFAULTED : 0)));
}

WV_MSABI NTSTATUS wv_nt_RtlSetOwnerSecurityDescriptor(void *p, void *owner, BOOLEAN defaulted)
{
    return wv_sd_set(p, 0, owner, WV_SE_OWNER_DEFAULTED, defaulted ? WV_SE_OWNER_DEFAULTED : 0);
}

WV_MSABI NTSTATUS wv_nt_RtlSetGroupSecurityDescriptor(void *p, void *group, BOOLEAN defaulted)
{
    return wv_sd_set(p, 1, group, WV_SE_GROUP_DEFAULTED, defaulted ? WV_SE_GROUP_DEFAULTED : 0);
}

WV_MSABI NTSTATUS wv_nt_RtlGetDaclSecurityDescriptor(const void *p, BOOLEAN *present, void **dacl,
                                                     BOOLEAN *defaulted)
{
    struct wv_sd sd;
    NTSTATUS st = wv_sd_read(p, &sd);
    if (st)
        return st;
    BOOLEAN pr = (sd.control & WV_SE_DACL_PRESENT) != 0, df = (sd.control & WV_SE_DACL_DEFAULTED) != 0;
    if (wv_copy(present, &pr, 1))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (pr && (wv_copy(dacl, &sd.dacl, sizeof(void *)) || wv_copy(defaulted, &df, 1)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

static NTSTATUS wv_sd_get_sid(const void *p, bool group, void **sid, BOOLEAN *defaulted)
{
    struct wv_sd sd;
    NTSTATUS st = wv_sd_read(p, &sd);
    if (st)
        return st;
    uintptr_t v = group ? sd.group : sd.owner;
    BOOLEAN df = (sd.control & (group ? WV_SE_GROUP_DEFAULTED : WV_SE_OWNER_DEFAULTED)) != 0;
    return wv_copy(sid, &v, sizeof(v)) || wv_copy(defaulted, &df, 1) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

WV_MSABI NTSTATUS wv_nt_RtlGetOwnerSecurityDescriptor(const void *p, void **owner, BOOLEAN *defaulted)
{
    return wv_sd_get_sid(p, false, owner, defaulted);
}

WV_MSABI NTSTATUS wv_nt_RtlGetGroupSecurityDescriptor(const void *p, void **group, BOOLEAN *defaulted)
{
    return wv_sd_get_sid(p, true, group, defaulted);
}
