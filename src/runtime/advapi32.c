/* SPDX-License-Identifier: MIT */
/* advapi32.c - advapi32.dll as PE code sees it: the random numbers C runtimes and libssp ask for
 * (CryptAcquireContextA/W, CryptGenRandom, CryptReleaseContext, SystemFunction036 alias
 * RtlGenRandom), from the host's getrandom, and this DLL's sorted export table.
 *
 * A provider context is a verification context only (CRYPT_VERIFYCONTEXT): winvm keeps no key
 * containers, so asking for one is NTE_BAD_KEYSET, what Windows says for a container that does
 * not exist.  Contexts are small objects listed here, so a stale or forged HCRYPTPROV is
 * NTE_BAD_UID and never a crash.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/reg_value.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>

struct wv_prov {
    struct wv_prov *next;
    DWORD type;
};

static struct wv_prov *wv_provs;
static pthread_mutex_t wv_prov_lock = PTHREAD_MUTEX_INITIALIZER; /* a leaf */

static bool wv_prov_known(HCRYPTPROV p)
{
    pthread_mutex_lock(&wv_prov_lock);
    struct wv_prov *v = wv_provs;
    while (v && (HCRYPTPROV)v != p)
        v = v->next;
    pthread_mutex_unlock(&wv_prov_lock);
    return v != NULL;
}

/* Fills n bytes from getrandom (a blocking read of the host's pool): 0 or a Win32 error.
 * bcrypt.c's BCryptGenRandom draws from it too. */
DWORD wv_random(BYTE *out, size_t n)
{
    BYTE tmp[256];
    while (n) {
        size_t k = n < sizeof(tmp) ? n : sizeof(tmp);
        ssize_t r = getrandom(tmp, k, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return wv_errno_to_error(errno);
        if (wv_user_put(out, tmp, (size_t)r))
            return ERROR_NOACCESS;
        out += r, n -= (size_t)r;
    }
    return 0;
}

static DWORD wv_acquire(HCRYPTPROV *out, bool container, DWORD type, DWORD flags)
{
    DWORD known = CRYPT_VERIFYCONTEXT | CRYPT_NEWKEYSET | CRYPT_DELETEKEYSET | CRYPT_MACHINE_KEYSET | CRYPT_SILENT;
    if (!out)
        return ERROR_INVALID_PARAMETER;
    if (flags & ~known)
        return NTE_BAD_FLAGS;
    if (type == 0 || type > 999)
        return NTE_BAD_PROV_TYPE;
    if (!(flags & CRYPT_VERIFYCONTEXT) || container)
        return NTE_BAD_KEYSET; /* no key containers (see above) */
    struct wv_prov *v = calloc(1, sizeof(*v));
    if (!v)
        return ERROR_NOT_ENOUGH_MEMORY;
    v->type = type;
    HCRYPTPROV h = (HCRYPTPROV)v;
    if (wv_user_put(out, &h, sizeof(h)))
        return free(v), ERROR_NOACCESS;
    pthread_mutex_lock(&wv_prov_lock);
    v->next = wv_provs;
    wv_provs = v;
    pthread_mutex_unlock(&wv_prov_lock);
    return 0;
}

/* The provider's name is not checked: every provider type gets the same host randomness. */
BOOL WINAPI CryptAcquireContextA(HCRYPTPROV *out, LPCSTR container, LPCSTR provider, DWORD type, DWORD flags)
{
    (void)provider;
    DWORD err = wv_acquire(out, container != NULL, type, flags);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI CryptAcquireContextW(HCRYPTPROV *out, LPCWSTR container, LPCWSTR provider, DWORD type, DWORD flags)
{
    (void)provider;
    DWORD err = wv_acquire(out, container != NULL, type, flags);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI CryptGenRandom(HCRYPTPROV prov, DWORD len, BYTE *buf)
{
    if (!wv_prov_known(prov))
        return wv_fail(NTE_BAD_UID);
    DWORD err = wv_random(buf, len);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI CryptReleaseContext(HCRYPTPROV prov, DWORD flags)
{
    pthread_mutex_lock(&wv_prov_lock);
    struct wv_prov **p = &wv_provs;
    while (*p && (HCRYPTPROV)*p != prov)
        p = &(*p)->next;
    struct wv_prov *v = *p;
    if (v && !flags)
        *p = v->next;
    pthread_mutex_unlock(&wv_prov_lock);
    if (!v)
        return wv_fail(NTE_BAD_UID);
    if (flags)
        return wv_fail(NTE_BAD_FLAGS);
    free(v);
    return TRUE;
}

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len) { return wv_random(buf, len) == 0; }

/* ---- the exports: sorted by strcmp, one line each ---- */

#define ADV_ABI static __attribute__((ms_abi))
ADV_ABI BOOL adv_CryptAcquireContextA(HCRYPTPROV *o, LPCSTR c, LPCSTR p, DWORD t, DWORD f)
{
    return CryptAcquireContextA(o, c, p, t, f);
}
ADV_ABI BOOL adv_CryptAcquireContextW(HCRYPTPROV *o, LPCWSTR c, LPCWSTR p, DWORD t, DWORD f)
{
    return CryptAcquireContextW(o, c, p, t, f);
}
ADV_ABI BOOL adv_CryptGenRandom(HCRYPTPROV p, DWORD n, BYTE *b) { return CryptGenRandom(p, n, b); }
ADV_ABI BOOL adv_CryptReleaseContext(HCRYPTPROV p, DWORD f) { return CryptReleaseContext(p, f); }
ADV_ABI BOOLEAN adv_SystemFunction036(PVOID b, ULONG n) { return SystemFunction036(b, n); }

#define ADV_ABI_EXT __attribute__((ms_abi))
/* advapi32_token.c */
ADV_ABI_EXT BOOL wv_adv_ConvertSidToStringSidA(void *sid, LPSTR *out);
ADV_ABI_EXT BOOL wv_adv_ConvertSidToStringSidW(void *sid, LPWSTR *out);
ADV_ABI_EXT DWORD wv_adv_GetLengthSid(void *sid);
ADV_ABI_EXT BOOL wv_adv_GetTokenInformation(HANDLE h, DWORD cls, void *buf, DWORD len, DWORD *ret);
ADV_ABI_EXT BOOL wv_adv_IsValidSid(void *sid);
ADV_ABI_EXT BOOL wv_adv_OpenProcessToken(HANDLE process, DWORD access, HANDLE *out);
ADV_ABI_EXT BOOL wv_adv_OpenThreadToken(HANDLE thread, DWORD access, BOOL self, HANDLE *out);
/* declared for their addresses only: advapi32_token.c, advapi32_priv.c */
extern char wv_adv_AdjustTokenPrivileges[];
extern char wv_adv_DuplicateToken[];
extern char wv_adv_DuplicateTokenEx[];
extern char wv_adv_LookupPrivilegeNameA[];
extern char wv_adv_LookupPrivilegeNameW[];
extern char wv_adv_LookupPrivilegeValueA[];
extern char wv_adv_LookupPrivilegeValueW[];

/* advapi32_sd.c: declared for their addresses only (ms_abi, taken by the table) */
extern char wv_adv_AddAccessAllowedAce[];
extern char wv_adv_AddAccessAllowedAceEx[];
extern char wv_adv_AddAccessDeniedAce[];
extern char wv_adv_AddAccessDeniedAceEx[];
extern char wv_adv_FindFirstFreeAce[];
extern char wv_adv_GetAce[];
extern char wv_adv_GetSecurityDescriptorControl[];
extern char wv_adv_GetSecurityDescriptorDacl[];
extern char wv_adv_GetSecurityDescriptorGroup[];
extern char wv_adv_GetSecurityDescriptorLength[];
extern char wv_adv_GetSecurityDescriptorOwner[];
extern char wv_adv_InitializeAcl[];
extern char wv_adv_InitializeSecurityDescriptor[];
extern char wv_adv_IsValidAcl[];
extern char wv_adv_IsValidSecurityDescriptor[];
extern char wv_adv_SetSecurityDescriptorDacl[];
extern char wv_adv_SetSecurityDescriptorGroup[];
extern char wv_adv_SetSecurityDescriptorOwner[];

/* advapi32_acct.c: accounts and files' security (ms_abi, taken by the table) */
extern char wv_adv_GetFileSecurityA[];
extern char wv_adv_GetFileSecurityW[];
extern char wv_adv_LookupAccountNameA[];
extern char wv_adv_LookupAccountNameW[];
extern char wv_adv_LookupAccountSidA[];
extern char wv_adv_LookupAccountSidW[];

static const struct wv_export wv_advapi_exports[] = {
    {"AddAccessAllowedAce", (void *)wv_adv_AddAccessAllowedAce},
    {"AddAccessAllowedAceEx", (void *)wv_adv_AddAccessAllowedAceEx},
    {"AddAccessDeniedAce", (void *)wv_adv_AddAccessDeniedAce},
    {"AddAccessDeniedAceEx", (void *)wv_adv_AddAccessDeniedAceEx},
    {"AdjustTokenPrivileges", (void *)wv_adv_AdjustTokenPrivileges},
    {"ConvertSidToStringSidA", (void *)wv_adv_ConvertSidToStringSidA},
    {"ConvertSidToStringSidW", (void *)wv_adv_ConvertSidToStringSidW},
    {"CryptAcquireContextA", (void *)adv_CryptAcquireContextA},
    {"CryptAcquireContextW", (void *)adv_CryptAcquireContextW},
    {"CryptGenRandom", (void *)adv_CryptGenRandom},
    {"CryptReleaseContext", (void *)adv_CryptReleaseContext},
    {"DuplicateToken", (void *)wv_adv_DuplicateToken},
    {"DuplicateTokenEx", (void *)wv_adv_DuplicateTokenEx},
    {"FindFirstFreeAce", (void *)wv_adv_FindFirstFreeAce},
    {"GetAce", (void *)wv_adv_GetAce},
    {"GetFileSecurityA", (void *)wv_adv_GetFileSecurityA},
    {"GetFileSecurityW", (void *)wv_adv_GetFileSecurityW},
    {"GetLengthSid", (void *)wv_adv_GetLengthSid},
    {"GetSecurityDescriptorControl", (void *)wv_adv_GetSecurityDescriptorControl},
    {"GetSecurityDescriptorDacl", (void *)wv_adv_GetSecurityDescriptorDacl},
    {"GetSecurityDescriptorGroup", (void *)wv_adv_GetSecurityDescriptorGroup},
    {"GetSecurityDescriptorLength", (void *)wv_adv_GetSecurityDescriptorLength},
    {"GetSecurityDescriptorOwner", (void *)wv_adv_GetSecurityDescriptorOwner},
    {"GetTokenInformation", (void *)wv_adv_GetTokenInformation},
    {"GetUserNameA", (void *)wv_adv_GetUserNameA},
    {"GetUserNameW", (void *)wv_adv_GetUserNameW},
    {"InitializeAcl", (void *)wv_adv_InitializeAcl},
    {"InitializeSecurityDescriptor", (void *)wv_adv_InitializeSecurityDescriptor},
    {"IsValidAcl", (void *)wv_adv_IsValidAcl},
    {"IsValidSecurityDescriptor", (void *)wv_adv_IsValidSecurityDescriptor},
    {"IsValidSid", (void *)wv_adv_IsValidSid},
    {"LookupAccountNameA", (void *)wv_adv_LookupAccountNameA},
    {"LookupAccountNameW", (void *)wv_adv_LookupAccountNameW},
    {"LookupAccountSidA", (void *)wv_adv_LookupAccountSidA},
    {"LookupAccountSidW", (void *)wv_adv_LookupAccountSidW},
    {"LookupPrivilegeNameA", (void *)wv_adv_LookupPrivilegeNameA},
    {"LookupPrivilegeNameW", (void *)wv_adv_LookupPrivilegeNameW},
    {"LookupPrivilegeValueA", (void *)wv_adv_LookupPrivilegeValueA},
    {"LookupPrivilegeValueW", (void *)wv_adv_LookupPrivilegeValueW},
    {"OpenProcessToken", (void *)wv_adv_OpenProcessToken},
    {"OpenThreadToken", (void *)wv_adv_OpenThreadToken},
    {"RegCloseKey", (void *)wv_adv_RegCloseKey},
    {"RegCreateKeyExA", (void *)wv_adv_RegCreateKeyExA},
    {"RegCreateKeyExW", (void *)wv_adv_RegCreateKeyExW},
    {"RegDeleteKeyA", (void *)wv_adv_RegDeleteKeyA},
    {"RegDeleteKeyW", (void *)wv_adv_RegDeleteKeyW},
    {"RegDeleteTreeA", (void *)wv_adv_RegDeleteTreeA},
    {"RegDeleteTreeW", (void *)wv_adv_RegDeleteTreeW},
    {"RegDeleteValueA", (void *)wv_adv_RegDeleteValueA},
    {"RegDeleteValueW", (void *)wv_adv_RegDeleteValueW},
    {"RegEnumKeyExA", (void *)wv_adv_RegEnumKeyExA},
    {"RegEnumKeyExW", (void *)wv_adv_RegEnumKeyExW},
    {"RegEnumValueA", (void *)wv_adv_RegEnumValueA},
    {"RegEnumValueW", (void *)wv_adv_RegEnumValueW},
    {"RegGetValueA", (void *)wv_adv_RegGetValueA},
    {"RegGetValueW", (void *)wv_adv_RegGetValueW},
    {"RegOpenKeyExA", (void *)wv_adv_RegOpenKeyExA},
    {"RegOpenKeyExW", (void *)wv_adv_RegOpenKeyExW},
    {"RegQueryInfoKeyA", (void *)wv_adv_RegQueryInfoKeyA},
    {"RegQueryInfoKeyW", (void *)wv_adv_RegQueryInfoKeyW},
    {"RegQueryValueExA", (void *)wv_adv_RegQueryValueExA},
    {"RegQueryValueExW", (void *)wv_adv_RegQueryValueExW},
    {"RegSetValueExA", (void *)wv_adv_RegSetValueExA},
    {"RegSetValueExW", (void *)wv_adv_RegSetValueExW},
    {"SetSecurityDescriptorDacl", (void *)wv_adv_SetSecurityDescriptorDacl},
    {"SetSecurityDescriptorGroup", (void *)wv_adv_SetSecurityDescriptorGroup},
    {"SetSecurityDescriptorOwner", (void *)wv_adv_SetSecurityDescriptorOwner},
    {"SystemFunction036", (void *)adv_SystemFunction036},
};

#define WV_ADVAPI_COUNT (sizeof(wv_advapi_exports) / sizeof(wv_advapi_exports[0]))

void *wv_advapi_lookup(const char *name) { return wv_export_find(wv_advapi_exports, WV_ADVAPI_COUNT, name); }

const char *wv_advapi_name_at(size_t i) { return i < WV_ADVAPI_COUNT ? wv_advapi_exports[i].name : NULL; }
