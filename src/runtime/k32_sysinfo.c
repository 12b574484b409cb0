/* SPDX-License-Identifier: MIT */
/* k32_sysinfo.c - what a console program asks about the system it runs on: the Windows
 * version, code pages and locale, its priority class and working-set limits, the legacy
 * GlobalMemoryStatus, and DeviceIoControl's answer for handles that are not devices.
 *
 * **winvm choices** (docs/semantics.md): the version is what Windows 10 tells a program without
 * a compatibility manifest, 6.2 build 9200 (the PEB says 10.0.19045, as on Windows); the ANSI
 * and OEM code pages are UTF-8 (65001), the one winvm converts with; the locale is en-US
 * (0x0409). */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include <winvm/ntdll.h>
#include <winvm/psapi.h>

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define WV_LOCALE_EN_US 0x0409

DWORD WINAPI GetVersion(void) { return 6u | 2u << 8 | 9200u << 16; }

/* The fields both structures share, then the CSD string of each. */
static BOOL wv_version(DWORD size, DWORD want, DWORD *major, DWORD *minor, DWORD *build, DWORD *platform)
{
    if (size != want && size != want + 20) /* OSVERSIONINFO or OSVERSIONINFOEX */
        return wv_fail(ERROR_INSUFFICIENT_BUFFER);
    *major = 6, *minor = 2, *build = 9200, *platform = 2; /* VER_PLATFORM_WIN32_NT */
    return TRUE;
}

BOOL WINAPI GetVersionExA(LPOSVERSIONINFOA v)
{
    if (!v)
        return wv_fail(ERROR_NOACCESS);
    DWORD size = v->dwOSVersionInfoSize;
    if (!wv_version(size, sizeof(OSVERSIONINFOA), &v->dwMajorVersion, &v->dwMinorVersion, &v->dwBuildNumber,
                    &v->dwPlatformId))
        return FALSE;
    memset(v->szCSDVersion, 0, sizeof(v->szCSDVersion));
    if (size > sizeof(OSVERSIONINFOA))
        memset((char *)v + sizeof(OSVERSIONINFOA), 0, 20); /* no service pack; workstation */
    if (size > sizeof(OSVERSIONINFOA))
        ((BYTE *)v)[sizeof(OSVERSIONINFOA) + 18] = 1; /* wProductType VER_NT_WORKSTATION */
    return TRUE;
}

BOOL WINAPI GetVersionExW(LPOSVERSIONINFOW v)
{
    if (!v)
        return wv_fail(ERROR_NOACCESS);
    DWORD size = v->dwOSVersionInfoSize;
    if (!wv_version(size, sizeof(OSVERSIONINFOW), &v->dwMajorVersion, &v->dwMinorVersion, &v->dwBuildNumber,
                    &v->dwPlatformId))
        return FALSE;
    memset(v->szCSDVersion, 0, sizeof(v->szCSDVersion));
    if (size > sizeof(OSVERSIONINFOW)) {
        memset((char *)v + sizeof(OSVERSIONINFOW), 0, 20);
        ((BYTE *)v)[sizeof(OSVERSIONINFOW) + 18] = 1;
    }
    return TRUE;
}

/* RTL_OSVERSIONINFOW (276 bytes) or, when its size says so, RTL_OSVERSIONINFOEXW (284): the
 * PEB's version (what the program's manifest cannot change, which is why programs ask ntdll),
 * no service pack, a workstation.  Any other size is taken as the short form, as Windows does. */
NTSTATUS NTAPI RtlGetVersion(PRTL_OSVERSIONINFOW info)
{
    OSVERSIONINFOEXW v;
    if (wv_copy(&v.dwOSVersionInfoSize, info, sizeof(DWORD)))
        return (LONG)0xC0000005; /* STATUS_ACCESS_VIOLATION */
    DWORD size = v.dwOSVersionInfoSize == sizeof(OSVERSIONINFOEXW) ? sizeof(OSVERSIONINFOEXW) : sizeof(OSVERSIONINFOW);
    memset((char *)&v + sizeof(DWORD), 0, sizeof(v) - sizeof(DWORD));
    const uint8_t *peb = wv_peb();
    uint16_t build;
    memcpy(&v.dwMajorVersion, peb + 0x118, 4); /* OSMajorVersion */
    memcpy(&v.dwMinorVersion, peb + 0x11c, 4);
    memcpy(&build, peb + 0x120, 2);
    memcpy(&v.dwPlatformId, peb + 0x124, 4);
    v.dwBuildNumber = build;
    v.wSuiteMask = VER_SUITE_SINGLEUSERTS;
    v.wProductType = VER_NT_WORKSTATION;
    if (wv_user_put((char *)info + sizeof(DWORD), (char *)&v + sizeof(DWORD), size - sizeof(DWORD)))
        return (LONG)0xC0000005;
    return 0;
}

UINT WINAPI GetACP(void) { return CP_UTF8; }
UINT WINAPI GetOEMCP(void) { return CP_UTF8; }
BOOL WINAPI IsValidCodePage(UINT cp) { return cp == CP_UTF8; }

BOOL WINAPI GetCPInfo(UINT cp, LPCPINFO info)
{
    if (cp != CP_UTF8 && cp != CP_ACP && cp != CP_OEMCP && cp != CP_THREAD_ACP)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (!info)
        return wv_fail(ERROR_INVALID_PARAMETER);
    memset(info, 0, sizeof(*info));
    info->MaxCharSize = 4;
    info->DefaultChar[0] = '?';
    return TRUE;
}

LCID WINAPI GetThreadLocale(void) { return WV_LOCALE_EN_US; }
LCID WINAPI GetUserDefaultLCID(void) { return WV_LOCALE_EN_US; }
LCID WINAPI GetSystemDefaultLCID(void) { return WV_LOCALE_EN_US; }

static bool wv_is_self(HANDLE h)
{
    if (h == GetCurrentProcess())
        return true;
    DWORD access;
    struct wv_object *o = wv_handle_get(h, WV_KIND_PROCESS, &access);
    if (o)
        wv_object_unref(o);
    return o != NULL; /* OpenProcess hands out the current process only */
}

/* The Linux nice value as Windows' priority classes see it. */
DWORD WINAPI GetPriorityClass(HANDLE h)
{
    if (!wv_is_self(h))
        return wv_set_error(ERROR_INVALID_HANDLE), 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    return nice <= -15 ? HIGH_PRIORITY_CLASS : nice < 0 ? ABOVE_NORMAL_PRIORITY_CLASS
           : nice == 0 ? NORMAL_PRIORITY_CLASS : nice < 15 ? BELOW_NORMAL_PRIORITY_CLASS : IDLE_PRIORITY_CLASS;
}

/* Windows' default limits (the kernel enforces none here: Linux has no working-set quota). */
BOOL WINAPI GetProcessWorkingSetSize(HANDLE h, PSIZE_T min, PSIZE_T max)
{
    if (!wv_is_self(h))
        return wv_fail(ERROR_INVALID_HANDLE);
    if (!min || !max)
        return wv_fail(ERROR_NOACCESS);
    *min = 204800, *max = 1413120;
    return TRUE;
}

void WINAPI GlobalMemoryStatus(LPMEMORYSTATUS out)
{
    MEMORYSTATUSEX s = {.dwLength = sizeof(s)};
    if (!out || !GlobalMemoryStatusEx(&s))
        return;
    out->dwLength = sizeof(*out);
    out->dwMemoryLoad = s.dwMemoryLoad;
    out->dwTotalPhys = (SIZE_T)s.ullTotalPhys, out->dwAvailPhys = (SIZE_T)s.ullAvailPhys;
    out->dwTotalPageFile = (SIZE_T)s.ullTotalPageFile, out->dwAvailPageFile = (SIZE_T)s.ullAvailPageFile;
    out->dwTotalVirtual = (SIZE_T)s.ullTotalVirtual, out->dwAvailVirtual = (SIZE_T)s.ullAvailVirtual;
}

/* No handle winvm makes is a device: a file's control codes are ERROR_INVALID_FUNCTION, as
 * Windows answers a file system that does not know the code. */
BOOL WINAPI DeviceIoControl(HANDLE h, DWORD code, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size,
                            LPDWORD returned, LPOVERLAPPED ov)
{
    (void)code, (void)in, (void)in_size, (void)out, (void)out_size, (void)ov;
    DWORD access;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &access);
    if (!o)
        return wv_fail(ERROR_INVALID_HANDLE);
    wv_object_unref(o);
    if (returned)
        *returned = 0;
    return wv_fail(ERROR_INVALID_FUNCTION);
}
