/* SPDX-License-Identifier: MIT */
/* k32_wow64.c - IsWow64Process and GetSystemWow64Directory (winvm/wow64.h): every process
 * winvm runs is x86-64, none under WOW64, and there is no 32-bit system directory. */
#include "runtime/runtime.h"

BOOL WINAPI IsWow64Process(HANDLE h, PBOOL out)
{
    if (!wv_process_is_self(h)) {
        DWORD access = 0;
        struct wv_object *p = wv_handle_get(h, WV_KIND_PROCESS, &access);
        if (!p)
            return wv_fail(ERROR_INVALID_HANDLE);
        wv_object_unref(p);
        if (!(access & (PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION)))
            return wv_fail(ERROR_ACCESS_DENIED);
    }
    BOOL no = FALSE;
    return wv_user_put(out, &no, sizeof(no)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

/* What a system without WOW64 answers. */
UINT WINAPI GetSystemWow64DirectoryA(LPSTR buf, UINT len)
{
    (void)buf, (void)len;
    return wv_fail(ERROR_CALL_NOT_IMPLEMENTED), 0;
}

UINT WINAPI GetSystemWow64DirectoryW(LPWSTR buf, UINT len)
{
    (void)buf, (void)len;
    return wv_fail(ERROR_CALL_NOT_IMPLEMENTED), 0;
}

/* What 64-bit Windows answers a 64-bit process: not under WOW64 (UNKNOWN), on an AMD64 system.
 * The handle is checked as IsWow64Process checks it; nativeMachine may be NULL. */
BOOL WINAPI IsWow64Process2(HANDLE h, USHORT *process_machine, USHORT *native_machine)
{
    BOOL wow;
    if (!IsWow64Process(h, &wow))
        return FALSE;
    USHORT pm = IMAGE_FILE_MACHINE_UNKNOWN, nm = IMAGE_FILE_MACHINE_AMD64;
    if (wv_user_put(process_machine, &pm, sizeof(pm)) ||
        (native_machine && wv_user_put(native_machine, &nm, sizeof(nm))))
        return wv_fail(ERROR_NOACCESS);
    return TRUE;
}
