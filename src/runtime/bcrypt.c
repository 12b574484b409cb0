/* SPDX-License-Identifier: MIT */
/* bcrypt.c - bcrypt.dll's random numbers: BCryptGenRandom with the system-preferred generator
 * (BCRYPT_USE_SYSTEM_PREFERRED_RNG and no algorithm handle), the form Rust's std and most
 * programs use for hash seeds.  winvm opens no algorithm providers, so every handle is invalid:
 * the call without the flag fails as on Windows when it is given no handle. */
#include "runtime/runtime.h"

#define BCRYPT_USE_SYSTEM_PREFERRED_RNG 0x00000002
#define BCRYPT_RNG_USE_ENTROPY_IN_BUFFER 0x00000001 /* ignored since Windows 8 */

static __attribute__((ms_abi)) NTSTATUS bc_BCryptGenRandom(void *alg, UCHAR *buf, ULONG len, ULONG flags)
{
    if (flags & ~(ULONG)(BCRYPT_USE_SYSTEM_PREFERRED_RNG | BCRYPT_RNG_USE_ENTROPY_IN_BUFFER))
        return STATUS_INVALID_PARAMETER;
    if (!(flags & BCRYPT_USE_SYSTEM_PREFERRED_RNG) || alg)
        return STATUS_INVALID_HANDLE;
    if (!len)
        return STATUS_SUCCESS;
    if (!buf)
        return STATUS_INVALID_PARAMETER;
    return wv_random(buf, len) ? STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

static const struct wv_export wv_bcrypt_exports[] = {
    {"BCryptGenRandom", (void *)bc_BCryptGenRandom},
};
#define WV_BCRYPT_COUNT (sizeof(wv_bcrypt_exports) / sizeof(wv_bcrypt_exports[0]))

void *wv_bcrypt_lookup(const char *name) { return wv_export_find(wv_bcrypt_exports, WV_BCRYPT_COUNT, name); }

const char *wv_bcrypt_name_at(size_t i) { return i < WV_BCRYPT_COUNT ? wv_bcrypt_exports[i].name : NULL; }
