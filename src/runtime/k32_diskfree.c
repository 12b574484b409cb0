/* SPDX-License-Identifier: MIT */
/* k32_diskfree.c - GetDiskFreeSpaceA/W, the older form of GetDiskFreeSpaceExW (k32_volume.c):
 * the host file system holding the directory asked about (NULL: the current directory's), in
 * Windows' cluster terms: 512-byte sectors, the file system's fragment size a cluster, and
 * counts that do not fit 32 bits cut to 0xffffffff as Windows does for volumes past 2 TiB at
 * 512-byte sectors.  And the file APIs' code page switch (AreFileApisANSI, SetFileApisToANSI/OEM):
 * winvm's ANSI and OEM code pages are both UTF-8, so only the answer changes. */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/statvfs.h>

static DWORD wv_clusters(unsigned long long n) { return n > 0xffffffffull ? 0xffffffffu : (DWORD)n; }

static BOOL wv_disk_free(char *host, DWORD err, LPDWORD spc, LPDWORD bps, LPDWORD freec, LPDWORD total)
{
    struct statvfs v;
    if (!err && statvfs(host ? host : ".", &v) != 0)
        err = wv_file_path_error(host ? host : ".", errno);
    free(host);
    if (err)
        return wv_fail(err);
    unsigned long frag = v.f_frsize >= 512 ? v.f_frsize : 512;
    DWORD s = (DWORD)(frag / 512), b = 512;
    DWORD f = wv_clusters((unsigned long long)v.f_bavail * v.f_frsize / frag);
    DWORD t = wv_clusters((unsigned long long)v.f_blocks * v.f_frsize / frag);
    if (spc)
        err = wv_user_put(spc, &s, sizeof(s));
    if (!err && bps)
        err = wv_user_put(bps, &b, sizeof(b));
    if (!err && freec)
        err = wv_user_put(freec, &f, sizeof(f));
    if (!err && total)
        err = wv_user_put(total, &t, sizeof(t));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI GetDiskFreeSpaceA(LPCSTR root, LPDWORD spc, LPDWORD bps, LPDWORD freec, LPDWORD total)
{
    char *host = NULL;
    DWORD err = root ? wv_path_host(root, &host) : 0;
    return wv_disk_free(host, err, spc, bps, freec, total);
}

BOOL WINAPI GetDiskFreeSpaceW(LPCWSTR root, LPDWORD spc, LPDWORD bps, LPDWORD freec, LPDWORD total)
{
    char *host = NULL;
    DWORD err = root ? wv_path_host_w(root, &host) : 0;
    return wv_disk_free(host, err, spc, bps, freec, total);
}

static int wv_file_apis_oem; /* process-wide, as on Windows */

BOOL WINAPI AreFileApisANSI(void) { return !__atomic_load_n(&wv_file_apis_oem, __ATOMIC_RELAXED); }
void WINAPI SetFileApisToANSI(void) { __atomic_store_n(&wv_file_apis_oem, 0, __ATOMIC_RELAXED); }
void WINAPI SetFileApisToOEM(void) { __atomic_store_n(&wv_file_apis_oem, 1, __ATOMIC_RELAXED); }
