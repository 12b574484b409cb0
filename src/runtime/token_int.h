/* SPDX-License-Identifier: MIT */
/* token_int.h - the token object ntdll_token.c, ntdll_tokinfo.c and ntdll_tokpriv.c share. */
#ifndef WV_TOKEN_INT_H
#define WV_TOKEN_INT_H

#include "ob/ob.h"
#include <winvm/token.h>

struct wv_token {
    struct wv_object obj; /* WV_KIND_TOKEN */
    DWORD uid;            /* the effective uid the token speaks for */
    DWORD type, level;    /* TOKEN_TYPE; SECURITY_IMPERSONATION_LEVEL (impersonation tokens) */
    LUID id, modified;    /* TokenId; ModifiedId (changed by each adjustment) */
    /* the privileges, bit n for the LUID n (all of Windows' are below 64): the ones the token
     * has, and of those the enabled ones; read and changed atomically (NtAdjustPrivilegesToken
     * has no lock to take) */
    uint64_t held, enabled;
};

/* The token h names (the pseudo handles GetCurrentProcessToken() and
 * GetCurrentThreadEffectiveToken() included: the process's, TOKEN_QUERY | TOKEN_QUERY_SOURCE)
 * with a reference and the handle's rights; NULL and *st (STATUS_INVALID_HANDLE, or
 * STATUS_NO_TOKEN for GetCurrentThreadToken()) otherwise. */
struct wv_token *wv_token_get(HANDLE h, DWORD *access, NTSTATUS *st);
/* The privileges a new primary token of t->uid has, enabled as Windows enables them. */
void wv_token_privileges_init(struct wv_token *t);
/* Privileges enabled by default (SE_PRIVILEGE_ENABLED_BY_DEFAULT), of those t holds. */
uint64_t wv_token_default_on(const struct wv_token *t);
/* The SID of the host user uid, S-1-5-21-0-0-0-<uid> (docs/semantics.md, "Tokens"), at buf
 * (WV_UID_SID_LEN bytes): its length.  Tokens, file owners and account lookups share it. */
#define WV_UID_SID_LEN 28
DWORD wv_token_uid_sid(DWORD uid, BYTE *buf);
/* A new LUID for ModifiedId. */
LUID wv_token_new_luid(void);

#endif
