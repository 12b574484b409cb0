/* SPDX-License-Identifier: MIT */
/* ntdll_tokpriv.c - a token's privileges: which a new token has (Windows 10's sets for a
 * standard user and for an elevated administrator, root being the latter) and
 * NtAdjustPrivilegesToken, which enables, disables and removes them.
 *
 * A privilege is bit n of the token's masks for the LUID n (SeCreateTokenPrivilege 2 ..
 * SeDelegateSessionUserImpersonatePrivilege 36).  Adjustments are serialised: a concurrent one
 * through another handle is wholly before or after. */
#include "runtime/runtime.h"
#include "runtime/token_int.h"

#include <pthread.h>
#include <string.h>
#include "nt/nt.h"

#define B(n) (1ull << (n))
/* A standard user's: SeShutdown, SeChangeNotify, SeUndock, SeIncreaseWorkingSet, SeTimeZone. */
#define WV_PRIV_USER (B(19) | B(23) | B(25) | B(33) | B(34))
/* An elevated administrator's adds SeIncreaseQuota, SeSecurity, SeTakeOwnership, SeLoadDriver,
 * SeSystemProfile, SeSystemtime, SeProfileSingleProcess, SeIncreaseBasePriority,
 * SeCreatePagefile, SeBackup, SeRestore, SeDebug, SeSystemEnvironment, SeRemoteShutdown,
 * SeManageVolume, SeImpersonate, SeCreateGlobal, SeCreateSymbolicLink,
 * SeDelegateSessionUserImpersonate. */
#define WV_PRIV_ADMIN                                                                                      \
    (WV_PRIV_USER | B(5) | B(8) | B(9) | B(10) | B(11) | B(12) | B(13) | B(14) | B(15) | B(17) | B(18) |   \
     B(20) | B(22) | B(24) | B(28) | B(29) | B(30) | B(35) | B(36))
/* Enabled by default: SeChangeNotify; for administrators SeImpersonate and SeCreateGlobal. */
#define WV_PRIV_DEFAULT_ON (B(23) | B(29) | B(30))

void wv_token_privileges_init(struct wv_token *t)
{
    t->held = t->uid == 0 ? WV_PRIV_ADMIN : WV_PRIV_USER;
    t->enabled = t->held & WV_PRIV_DEFAULT_ON;
}

uint64_t wv_token_default_on(const struct wv_token *t)
{
    return __atomic_load_n(&t->held, __ATOMIC_ACQUIRE) & WV_PRIV_DEFAULT_ON;
}

/* What one adjustment asks, read from the caller's TOKEN_PRIVILEGES: the privileges to enable,
 * to disable and to remove, and whether some named one the token does not hold. */
struct wv_adjust {
    uint64_t on, off, remove;
    bool missing;
};

static NTSTATUS wv_adjust_read(const TOKEN_PRIVILEGES *p, uint64_t held, struct wv_adjust *a)
{
    DWORD n;
    memset(a, 0, sizeof(*a));
    if (wv_copy(&n, &p->PrivilegeCount, sizeof(n)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    for (DWORD i = 0; i < n; i++) {
        LUID_AND_ATTRIBUTES e;
        if (wv_copy(&e, &p->Privileges[i], sizeof(e)))
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
        uint64_t bit = !e.Luid.HighPart && e.Luid.LowPart < 64 ? B(e.Luid.LowPart) : 0;
        if (!(bit & held)) {
            a->missing = true; /* Windows skips it and says STATUS_NOT_ALL_ASSIGNED */
            continue;
        }
        if (e.Attributes & SE_PRIVILEGE_REMOVED)
            a->remove |= bit;
        else if (e.Attributes & SE_PRIVILEGE_ENABLED)
            a->on |= bit;
        else
            a->off |= bit;
    }
    return STATUS_SUCCESS;
}

/* The previous state of the privileges in mask (those the adjustment changes), as a
 * TOKEN_PRIVILEGES into out (the caller checked its size). */
static void wv_adjust_previous(const struct wv_token *t, uint64_t mask, uint64_t enabled, PTOKEN_PRIVILEGES out)
{
    DWORD n = 0;
    for (DWORD i = 0; i < 64; i++) {
        if (!(mask & B(i)))
            continue;
        LUID_AND_ATTRIBUTES e = {{i, 0}, (enabled & B(i)) ? SE_PRIVILEGE_ENABLED : 0};
        if (wv_token_default_on(t) & B(i))
            e.Attributes |= SE_PRIVILEGE_ENABLED_BY_DEFAULT;
        wv_nt_out(&out->Privileges[n++], &e, sizeof(e));
    }
    wv_nt_out(&out->PrivilegeCount, &n, sizeof(n));
}

/* Applies a to t (or, with all, disables every privilege): the privileges whose state changed
 * and the enabled mask before, or STATUS_BUFFER_TOO_SMALL (nothing changed) when the previous
 * state does not fit in len.  One lock for every token's adjustments (they are rare); readers
 * load the masks atomically without it. */
static NTSTATUS wv_adjust_apply(struct wv_token *t, const struct wv_adjust *a, bool all, bool prev, ULONG len,
                                uint64_t *changed, uint64_t *before, ULONG *need)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    NTSTATUS st = STATUS_SUCCESS;
    pthread_mutex_lock(&lock);
    uint64_t held = t->held, on = t->enabled;
    uint64_t nh = held & ~a->remove, non = all ? 0 : ((on | a->on) & ~a->off) & nh;
    *changed = (on ^ non) | (held ^ nh), *before = on;
    *need = (ULONG)(sizeof(DWORD) + sizeof(LUID_AND_ATTRIBUTES) * (size_t)__builtin_popcountll(*changed));
    if (prev && len < *need)
        st = STATUS_BUFFER_TOO_SMALL;
    else if (*changed) {
        __atomic_store_n(&t->held, nh, __ATOMIC_RELEASE);
        __atomic_store_n(&t->enabled, non, __ATOMIC_RELEASE);
        t->modified = wv_token_new_luid();
    }
    pthread_mutex_unlock(&lock);
    return st;
}

NTSTATUS NTAPI NtAdjustPrivilegesToken(HANDLE h, BOOLEAN all, PTOKEN_PRIVILEGES state, ULONG len,
                                       PTOKEN_PRIVILEGES prev, PULONG ret)
{
    if (!all && !state)
        return STATUS_INVALID_PARAMETER;
    if (prev && (wv_nt_probe_out(prev, len) || !ret || wv_nt_probe_out(ret, sizeof(*ret))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    DWORD have;
    NTSTATUS st;
    struct wv_token *t = wv_token_get(h, &have, &st);
    if (!t)
        return st;
    struct wv_adjust a = {0};
    if (!(have & TOKEN_ADJUST_PRIVILEGES) || (prev && !(have & TOKEN_QUERY)))
        st = STATUS_ACCESS_DENIED;
    else if (!all)
        st = wv_adjust_read(state, __atomic_load_n(&t->held, __ATOMIC_ACQUIRE), &a);
    uint64_t changed = 0, before = 0;
    ULONG need = 0;
    if (!st)
        st = wv_adjust_apply(t, &a, all, prev != NULL, len, &changed, &before, &need);
    if (prev && (!st || st == STATUS_BUFFER_TOO_SMALL))
        wv_nt_out(ret, &need, sizeof(need));
    if (!st && prev)
        wv_adjust_previous(t, changed, before, prev);
    wv_object_unref(&t->obj);
    return st ? st : a.missing ? STATUS_NOT_ALL_ASSIGNED : STATUS_SUCCESS;
}
