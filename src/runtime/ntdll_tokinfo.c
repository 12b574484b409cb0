/* SPDX-License-Identifier: MIT */
/* ntdll_tokinfo.c - NtQueryInformationToken: what a token says, class by class.
 *
 * The user's SID is S-1-5-21-0-0-0-<uid> (docs/semantics.md, "Tokens"); it is also the primary
 * group, and the owner of what the user creates except for root, whose tokens (elevated
 * administrators') name BUILTIN\Administrators (S-1-5-32-544) as Windows does.  A class whose
 * size depends on the token (the SIDs, the privileges) is STATUS_BUFFER_TOO_SMALL in a short
 * buffer, a fixed-size one STATUS_INFO_LENGTH_MISMATCH; both report the size in
 * *ReturnLength.  Classes winvm does not keep (groups, default DACL, source, ...) are
 * STATUS_INVALID_INFO_CLASS. */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/token_int.h"

#include <string.h>
#include <unistd.h>
#include "nt/nt.h"

#define WV_TOKINFO_MAX 512 /* the largest answer: an administrator's 24 privileges */

/* A SID at buf: S-1-<auth>-<sub...>; its length. */
static DWORD wv_put_sid(BYTE *buf, BYTE auth, const DWORD *sub, BYTE n)
{
    buf[0] = 1, buf[1] = n;
    memset(buf + 2, 0, 5);
    buf[7] = auth;
    memcpy(buf + 8, sub, 4u * n);
    return 8 + 4u * n;
}

DWORD wv_token_uid_sid(DWORD uid, BYTE *buf)
{
    DWORD sub[5] = {21, 0, 0, 0, uid};
    return wv_put_sid(buf, 5 /* SECURITY_NT_AUTHORITY */, sub, 5);
}

static DWORD wv_user_sid(const struct wv_token *t, BYTE *buf) { return wv_token_uid_sid(t->uid, buf); }

/* A structure of one SID pointer (TOKEN_OWNER, TOKEN_PRIMARY_GROUP; TOKEN_USER adds the
 * attributes word) followed by the SID; at: where the caller's buffer is. */
static DWORD wv_sid_class(const struct wv_token *t, BYTE *buf, uintptr_t at, DWORD head, bool admins)
{
    uintptr_t sid = at + head;
    memset(buf, 0, head);
    memcpy(buf, &sid, sizeof(sid));
    if (!admins)
        return head + wv_user_sid(t, buf + head);
    DWORD sub[2] = {32, 544}; /* BUILTIN\Administrators */
    return head + wv_put_sid(buf + head, 5, sub, 2);
}

static DWORD wv_privileges_class(const struct wv_token *t, BYTE *buf)
{
    uint64_t held = __atomic_load_n(&t->held, __ATOMIC_ACQUIRE), on = __atomic_load_n(&t->enabled, __ATOMIC_ACQUIRE);
    uint64_t dflt = wv_token_default_on(t);
    DWORD n = 0;
    for (DWORD i = 0; i < 64; i++) {
        if (!(held & (1ull << i)))
            continue;
        LUID_AND_ATTRIBUTES e = {{i, 0}, 0};
        e.Attributes = ((on >> i & 1) ? SE_PRIVILEGE_ENABLED : 0) | ((dflt >> i & 1) ? SE_PRIVILEGE_ENABLED_BY_DEFAULT : 0);
        memcpy(buf + 4 + sizeof(e) * n++, &e, sizeof(e));
    }
    memcpy(buf, &n, 4);
    return 4 + (DWORD)sizeof(LUID_AND_ATTRIBUTES) * n;
}

static DWORD wv_statistics_class(const struct wv_token *t, BYTE *buf)
{
    TOKEN_STATISTICS s;
    memset(&s, 0, sizeof(s));
    s.TokenId = t->id;
    s.AuthenticationId = (LUID){(DWORD)getsid(0), 0}; /* the logon session: the Linux session */
    s.ExpirationTime.QuadPart = 0x7FFFFFFFFFFFFFFFll;  /* never */
    s.TokenType = (TOKEN_TYPE)t->type, s.ImpersonationLevel = (SECURITY_IMPERSONATION_LEVEL)t->level;
    s.DynamicCharged = s.DynamicAvailable = 4096;
    s.PrivilegeCount = (DWORD)__builtin_popcountll(__atomic_load_n(&t->held, __ATOMIC_ACQUIRE));
    s.ModifiedId = t->modified;
    memcpy(buf, &s, sizeof(s));
    return sizeof(s);
}

/* The class's bytes into buf (at most WV_TOKINFO_MAX): their length, with *variable whether it
 * depends on the token; 0 for a class not served. */
static DWORD wv_token_class(const struct wv_token *t, ULONG cls, BYTE *buf, uintptr_t at, bool *variable)
{
    DWORD v;
    *variable = true;
    switch (cls) {
    case TokenUser: return wv_sid_class(t, buf, at, 16, false);
    case TokenOwner: return wv_sid_class(t, buf, at, 8, t->uid == 0);
    case TokenPrimaryGroup: return wv_sid_class(t, buf, at, 8, false);
    case TokenPrivileges: return wv_privileges_class(t, buf);
    case TokenStatistics: *variable = false; return wv_statistics_class(t, buf);
    case TokenType: v = t->type; break;
    case TokenImpersonationLevel:
        if (t->type != TokenImpersonation) /* a primary token has no level */
            return 0;
        v = t->level;
        break;
    case TokenSessionId: v = 1; break; /* the interactive session (ProcessIdToSessionId's) */
    case TokenElevationType: v = t->uid == 0 ? 2 : 1; break; /* Full for root; Default: no split token */
    case TokenElevation: v = t->uid == 0; break;
    default: return 0;
    }
    *variable = false;
    memcpy(buf, &v, 4);
    return 4;
}

NTSTATUS NTAPI NtQueryInformationToken(HANDLE h, TOKEN_INFORMATION_CLASS cls, PVOID buf, ULONG len, PULONG ret)
{
    DWORD have;
    NTSTATUS st;
    struct wv_token *t = wv_token_get(h, &have, &st);
    if (!t)
        return st;
    BYTE tmp[WV_TOKINFO_MAX];
    bool variable;
    DWORD need = wv_token_class(t, (ULONG)cls, tmp, (uintptr_t)buf, &variable);
    wv_object_unref(&t->obj);
    if (!(have & TOKEN_QUERY))
        return STATUS_ACCESS_DENIED;
    if (!need)
        return STATUS_INVALID_INFO_CLASS;
    if (!ret || wv_nt_probe_out(ret, sizeof(*ret)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    wv_nt_out(ret, &need, sizeof(need));
    if (len < need)
        return variable ? STATUS_BUFFER_TOO_SMALL : STATUS_INFO_LENGTH_MISMATCH;
    if (!buf || wv_nt_probe_out(buf, need))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    wv_nt_out(buf, tmp, need);
    return STATUS_SUCCESS;
}
