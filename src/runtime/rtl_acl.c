/* SPDX-License-Identifier: MIT */
/* rtl_acl.c - ACLs as data: ntdll's RtlCreateAcl, RtlValidAcl, RtlAddAccessAllowedAce(Ex),
 * RtlAddAccessDeniedAce(Ex), RtlGetAce, RtlFirstFreeAce (ms_abi, for ntdll.c's table; the
 * layouts and rules: rtl_sd.c's comment).  An ACL is read whole into a copy, checked, changed
 * there and written back in one copy, so a bad pointer or a full ACL leaves it as it was. */
#include "runtime/rtl_sd.h"

#include <stdlib.h>
#include <string.h>

#define WV_ACL_HDR 8
#define WV_MIN_ACL_REVISION 2
#define WV_MAX_ACL_REVISION 4
#define WV_ACCESS_ALLOWED_ACE_TYPE 0
#define WV_ACCESS_DENIED_ACE_TYPE 1
#define WV_VALID_ACE_FLAGS 0xdf /* the inheritance flags and SUCCESSFUL/FAILED_ACCESS_ACE_FLAG */

static USHORT wv_get16(const BYTE *p) { return (USHORT)(p[0] | p[1] << 8); }
static void wv_put16(BYTE *p, ULONG v) { p[0] = (BYTE)v, p[1] = (BYTE)(v >> 8); }

/* Where the ACEs of the ACL a (size bytes) end, or 0 when one of them does not fit. */
static ULONG wv_acl_end(const BYTE *a, ULONG size)
{
    ULONG pos = WV_ACL_HDR;
    for (ULONG i = 0, n = wv_get16(a + 4); i < n; i++) {
        if (pos + 4 > size)
            return 0;
        ULONG ace = wv_get16(a + pos + 2);
        if (ace < 4 || pos + ace > size)
            return 0;
        pos += ace;
    }
    return pos;
}

ULONG wv_sd_acl_load(const void *p, BYTE **out)
{
    BYTE h[WV_ACL_HDR];
    *out = NULL;
    if (!p || wv_copy(h, p, sizeof(h)))
        return 0;
    ULONG size = wv_get16(h + 2);
    if (h[0] < WV_MIN_ACL_REVISION || h[0] > WV_MAX_ACL_REVISION || size < WV_ACL_HDR)
        return 0;
    BYTE *a = malloc(size);
    if (!a || wv_copy(a, p, size) || !wv_acl_end(a, size)) {
        free(a);
        return 0;
    }
    *out = a;
    return size;
}

/* The size is rounded down to whole DWORDs: the ACL never claims bytes past the buffer. */
WV_MSABI NTSTATUS wv_nt_RtlCreateAcl(void *acl, ULONG size, ULONG rev)
{
    if (size < WV_ACL_HDR)
        return WV_STATUS_BUFFER_TOO_SMALL;
    if (rev < WV_MIN_ACL_REVISION || rev > WV_MAX_ACL_REVISION || size > 0xffff)
        return STATUS_INVALID_PARAMETER;
    BYTE h[WV_ACL_HDR] = {(BYTE)rev};
    wv_put16(h + 2, size & ~3u);
    return wv_copy(acl, h, sizeof(h)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

WV_MSABI BOOLEAN wv_nt_RtlValidAcl(const void *acl)
{
    BYTE *a;
    ULONG n = wv_sd_acl_load(acl, &a);
    free(a);
    return n != 0;
}

/* Appends an ACE of type (allowed, denied) for sid: the ACL's revision is raised to rev. */
static NTSTATUS wv_acl_add(void *acl, ULONG rev, ULONG flags, ACCESS_MASK mask, const void *sid, BYTE type)
{
    ULONG sid_len = wv_sd_sid_len(sid);
    if (!sid_len)
        return WV_STATUS_INVALID_SID;
    BYTE *a;
    ULONG size = wv_sd_acl_load(acl, &a);
    if (!size)
        return WV_STATUS_INVALID_ACL;
    NTSTATUS st = STATUS_SUCCESS;
    ULONG end = wv_acl_end(a, size), need = 8 + sid_len;
    if (rev < WV_MIN_ACL_REVISION || rev > WV_MAX_ACL_REVISION)
        st = WV_STATUS_REVISION_MISMATCH;
    else if (flags & ~(ULONG)WV_VALID_ACE_FLAGS)
        st = STATUS_INVALID_PARAMETER;
    else if (need > size - end)
        st = WV_STATUS_ALLOTTED_SPACE_EXCEEDED;
    if (!st) {
        BYTE *e = a + end;
        e[0] = type, e[1] = (BYTE)flags;
        wv_put16(e + 2, need);
        memcpy(e + 4, &mask, 4);
        if (wv_copy(e + 8, sid, sid_len))
            st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
        wv_put16(a + 4, wv_get16(a + 4) + 1u);
        if (a[0] < rev)
            a[0] = (BYTE)rev;
    }
    if (!st && wv_copy(acl, a, end + need))
        st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
    free(a);
    return st;
}

WV_MSABI NTSTATUS wv_nt_RtlAddAccessAllowedAceEx(void *acl, ULONG rev, ULONG flags, ACCESS_MASK mask, void *sid)
{
    return wv_acl_add(acl, rev, flags, mask, sid, WV_ACCESS_ALLOWED_ACE_TYPE);
}

WV_MSABI NTSTATUS wv_nt_RtlAddAccessAllowedAce(void *acl, ULONG rev, ACCESS_MASK mask, void *sid)
{
    return wv_acl_add(acl, rev, 0, mask, sid, WV_ACCESS_ALLOWED_ACE_TYPE);
}

WV_MSABI NTSTATUS wv_nt_RtlAddAccessDeniedAceEx(void *acl, ULONG rev, ULONG flags, ACCESS_MASK mask, void *sid)
{
    return wv_acl_add(acl, rev, flags, mask, sid, WV_ACCESS_DENIED_ACE_TYPE);
}

WV_MSABI NTSTATUS wv_nt_RtlAddAccessDeniedAce(void *acl, ULONG rev, ACCESS_MASK mask, void *sid)
{
    return wv_acl_add(acl, rev, 0, mask, sid, WV_ACCESS_DENIED_ACE_TYPE);
}

/* *ace: the index-th ACE inside the caller's ACL.  An index past the last, or no valid ACL:
 * STATUS_INVALID_PARAMETER. */
WV_MSABI NTSTATUS wv_nt_RtlGetAce(void *acl, ULONG index, void **ace)
{
    BYTE *a;
    ULONG size = wv_sd_acl_load(acl, &a);
    if (!size || index >= wv_get16(a + 4)) {
        free(a);
        return STATUS_INVALID_PARAMETER;
    }
    ULONG pos = WV_ACL_HDR;
    for (ULONG i = 0; i < index; i++)
        pos += wv_get16(a + pos + 2);
    free(a);
    void *p = (BYTE *)acl + pos;
    return wv_copy(ace, &p, sizeof(p)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

/* *ace: where the next ACE would go, NULL when the ACL is full; FALSE for no valid ACL. */
WV_MSABI BOOLEAN wv_nt_RtlFirstFreeAce(void *acl, void **ace)
{
    BYTE *a;
    ULONG size = wv_sd_acl_load(acl, &a);
    if (!size)
        return FALSE;
    ULONG end = wv_acl_end(a, size);
    free(a);
    void *p = end < size ? (BYTE *)acl + end : NULL;
    return !wv_copy(ace, &p, sizeof(p));
}
