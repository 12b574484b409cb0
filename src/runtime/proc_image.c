/* SPDX-License-Identifier: MIT */
/* proc_image.c - what a process is and may do as ntdll's process classes say it: the image's
 * name (ProcessImageFileName: the NT form "\Device\HarddiskVolume1\dir\x.exe", the root file
 * system being one volume as NtQueryVirtualMemory names mapped files; ProcessImageFileNameWin32:
 * "C:\dir\x.exe", GetModuleFileName's form), the execute flags (ProcessExecuteFlags), and
 * NtSetInformationProcess; kernel32's QueryFullProcessImageNameA/W and
 * K32GetProcessImageFileNameA/W (psapi's GetProcessImageFileNameA/W) over them.
 *
 * Execute flags: a 64-bit process on Windows has DEP on for good, and reports
 * MEM_EXECUTE_OPTION_DISABLE | DISABLE_THUNK_EMULATION | PERMANENT (0xd); setting them is
 * refused with STATUS_INVALID_PARAMETER, whatever the value (a 64-bit process has no execute
 * options to change: Wine's exception.c records it for MEM_EXECUTE_OPTION_DISABLE), after the
 * length check (STATUS_INFO_LENGTH_MISMATCH); a handle other than the pseudo handle is
 * STATUS_INVALID_PARAMETER too.  winvm enforces the same: PAGE_READWRITE memory never runs.
 *
 * Only this process's image is known here (another winvm process's lives there): another
 * process's handle is STATUS_NOT_SUPPORTED / ERROR_NOT_SUPPORTED.
 */
#define _GNU_SOURCE
#include "runtime/thread_int.h"
#include <winvm/ntdll.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum {
    WV_ProcessAffinityMask = 21,
    WV_ProcessImageFileName = 27,
    WV_ProcessExecuteFlags = 34,
    WV_ProcessImageInformation = 37,
    WV_ProcessImageFileNameWin32 = 43,
};
#define WV_EXECUTE_FLAGS 0xdu /* DISABLE (1) | DISABLE_THUNK_EMULATION (4) | PERMANENT (8) */
#define WV_PROCESS_NAME_NATIVE 1u
#define WV_DEVICE "\\Device\\HarddiskVolume1"

#define WV_ST_INFO_LENGTH_MISMATCH ((LONG)0xC0000004)
#define WV_ST_ACCESS_VIOLATION ((LONG)0xC0000005)
#define WV_ST_INVALID_HANDLE ((LONG)0xC0000008)
#define WV_ST_INVALID_PARAMETER ((LONG)0xC000000D)
#define WV_ST_NOT_SUPPORTED ((LONG)0xC00000BB)
#define WV_ST_INVALID_INFO_CLASS ((LONG)0xC0000003)
#define WV_ST_ACCESS_DENIED ((LONG)0xC0000022)
#define WV_ST_PROCESS_IS_TERMINATING ((LONG)0xC000010A)

/* The EXE's name in UTF-8 (native: NT form, else Win32 form), malloc'ed; NULL without one. */
static char *wv_image_name(bool native)
{
    char host[PATH_MAX];
    if (!wv_main_module || !wv_loader_file_name((HMODULE)wv_main_module->base, host, sizeof(host)))
        return NULL;
    if (!native)
        return wv_path_windows(host);
    char *nt = malloc(strlen(WV_DEVICE) + strlen(host) + 1), *p;
    if (!nt)
        return NULL;
    strcpy(nt, WV_DEVICE);
    strcat(nt, host);
    for (p = nt + strlen(WV_DEVICE); *p; p++)
        if (*p == '/')
            *p = '\\';
    return nt;
}

/* The name as a UNICODE_STRING followed by its characters and a terminator, as Windows lays
 * it out in the caller's buffer (Buffer points just past the structure). */
static LONG wv_image_unicode(bool native, void *out, ULONG len, ULONG *ret)
{
    char *name = wv_image_name(native);
    if (!name)
        return WV_ST_NOT_SUPPORTED;
    size_t n8 = strlen(name), n16 = 0;
    WCHAR *w = malloc((n8 + 1) * sizeof(WCHAR));
    if (w)
        wv_utf8_to_utf16(name, n8, w, n8 + 1, WV_TEXT_REPLACE, &n16);
    free(name);
    if (!w)
        return (LONG)0xC0000017; /* STATUS_NO_MEMORY */
    ULONG need = (ULONG)(sizeof(UNICODE_STRING) + (n16 + 1) * sizeof(WCHAR));
    LONG st = 0;
    if (ret && wv_user_put(ret, &need, sizeof(need)))
        st = WV_ST_ACCESS_VIOLATION;
    else if (len < need)
        st = WV_ST_INFO_LENGTH_MISMATCH;
    else {
        UNICODE_STRING u = {(USHORT)(n16 * sizeof(WCHAR)), (USHORT)((n16 + 1) * sizeof(WCHAR)),
                            (LPWSTR)((char *)out + sizeof(UNICODE_STRING))};
        w[n16] = 0;
        if (wv_user_put(out, &u, sizeof(u)) || wv_user_put(u.Buffer, w, (n16 + 1) * sizeof(WCHAR)))
            st = WV_ST_ACCESS_VIOLATION;
    }
    free(w);
    return st;
}

bool wv_process_query_more(HANDLE h, ULONG cls, PVOID out, ULONG len, ULONG *ret, LONG *st)
{
    if (cls == WV_ProcessImageInformation) {
        *st = wv_process_image_info(h, out, len, ret); /* proc_imginfo.c */
        return true;
    }
    if (cls != WV_ProcessImageFileName && cls != WV_ProcessImageFileNameWin32 && cls != WV_ProcessExecuteFlags)
        return false;
    if (!wv_process_is_self(h)) {
        struct wv_object *o = wv_handle_get(h, WV_KIND_PROCESS, NULL);
        if (o)
            wv_object_unref(o);
        *st = o ? WV_ST_NOT_SUPPORTED : WV_ST_INVALID_HANDLE;
        return true;
    }
    if (cls != WV_ProcessExecuteFlags) {
        *st = wv_image_unicode(cls == WV_ProcessImageFileName, out, len, ret);
        return true;
    }
    ULONG v = WV_EXECUTE_FLAGS, n = sizeof(v);
    if (len != n)
        *st = WV_ST_INFO_LENGTH_MISMATCH;
    else
        *st = wv_user_put(out, &v, n) || (ret && wv_user_put(ret, &n, sizeof(n))) ? WV_ST_ACCESS_VIOLATION : 0;
    return true;
}

/* ProcessAffinityMask: this process's (the pseudo handle or a handle to it, with
 * PROCESS_SET_INFORMATION) through SetProcessAffinityMask's core, a ULONG_PTR naming processors of
 * the system (else STATUS_INVALID_PARAMETER), allowed while the process terminates (Wine's
 * loader.c sets it after NtTerminateProcess(NULL)); another process's that has ended is
 * STATUS_PROCESS_IS_TERMINATING, as Windows; a live one's is not served (its threads are its
 * own): STATUS_NOT_SUPPORTED. */
static LONG wv_set_affinity_info(HANDLE h, PVOID in, ULONG len)
{
    if (len != sizeof(ULONG_PTR))
        return WV_ST_INFO_LENGTH_MISMATCH;
    if (h != WV_CURRENT_PROCESS) {
        DWORD access;
        struct wv_object *o = wv_handle_get(h, WV_KIND_PROCESS, &access);
        if (!o)
            return WV_ST_INVALID_HANDLE;
        struct wv_process *p = (struct wv_process *)o;
        bool self = p->self, gone = !self && wv_process_gone(p);
        wv_object_unref(o);
        if (!(access & PROCESS_SET_INFORMATION))
            return WV_ST_ACCESS_DENIED;
        if (gone)
            return WV_ST_PROCESS_IS_TERMINATING;
        if (!self)
            return WV_ST_NOT_SUPPORTED;
    }
    ULONG_PTR mask;
    if (wv_copy(&mask, in, sizeof(mask)))
        return WV_ST_ACCESS_VIOLATION;
    DWORD saved = GetLastError();
    LONG st = SetProcessAffinityMask(WV_CURRENT_PROCESS, mask) ? 0 : WV_ST_INVALID_PARAMETER;
    SetLastError(saved);
    return st;
}

WV_MSABI LONG wv_nt_NtSetInformationProcess(HANDLE h, ULONG cls, PVOID in, ULONG len)
{
    if (cls == WV_ProcessAffinityMask)
        return wv_set_affinity_info(h, in, len);
    if (cls != WV_ProcessExecuteFlags)
        return WV_ST_INVALID_INFO_CLASS;
    if (len != sizeof(ULONG))
        return WV_ST_INFO_LENGTH_MISMATCH;
    if (h != WV_CURRENT_PROCESS) { /* the kernel sets only the caller's own, by the pseudo handle */
        struct wv_object *o = wv_handle_get(h, WV_KIND_PROCESS, NULL);
        if (o)
            wv_object_unref(o);
        return o ? WV_ST_INVALID_PARAMETER : WV_ST_INVALID_HANDLE;
    }
    return WV_ST_INVALID_PARAMETER; /* a 64-bit process has none to set */
}

/* ---- kernel32 / psapi ---- */

/* The name in UTF-8 for the A calls, or UTF-16 (wide) for the W ones; *n its units. */
static DWORD wv_image_text(HANDLE h, bool native, bool wide, void **text, size_t *n)
{
    if (h != WV_CURRENT_PROCESS) {
        DWORD access;
        struct wv_object *o = wv_handle_get(h, WV_KIND_PROCESS, &access);
        if (!o)
            return ERROR_INVALID_HANDLE;
        wv_object_unref(o);
        if (!(access & (PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION)))
            return ERROR_ACCESS_DENIED; /* either query right names the image */
        if (!wv_process_is_self(h))
            return ERROR_NOT_SUPPORTED;
    }
    char *name = wv_image_name(native);
    if (!name)
        return ERROR_NOT_ENOUGH_MEMORY;
    *n = strlen(name);
    if (!wide) {
        *text = name;
        return 0;
    }
    WCHAR *w = malloc((*n + 1) * sizeof(WCHAR));
    size_t n16 = 0;
    if (w)
        wv_utf8_to_utf16(name, *n, w, *n + 1, WV_TEXT_REPLACE, &n16);
    free(name);
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    w[n16] = 0;
    *text = w, *n = n16;
    return 0;
}

/* QueryFullProcessImageName: the size in characters in and out; too small changes nothing. */
static BOOL wv_query_full(HANDLE h, DWORD flags, void *buf, PDWORD size, bool wide)
{
    DWORD cap;
    if (wv_copy(&cap, size, sizeof(cap)))
        return wv_fail(ERROR_NOACCESS);
    if (flags & ~WV_PROCESS_NAME_NATIVE)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (!buf && !wide && cap)
        return wv_fail(ERROR_INVALID_PARAMETER);
    void *text = NULL;
    size_t n = 0, unit = wide ? sizeof(WCHAR) : 1;
    DWORD err = wv_image_text(h, flags & WV_PROCESS_NAME_NATIVE, wide, &text, &n);
    if (!err && (n + 1 > cap || !buf))
        err = ERROR_INSUFFICIENT_BUFFER;
    DWORD got = (DWORD)n;
    if (!err && (wv_user_put(buf, text, (n + 1) * unit) || wv_user_put(size, &got, sizeof(got))))
        err = ERROR_NOACCESS;
    free(text);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI QueryFullProcessImageNameA(HANDLE h, DWORD flags, LPSTR buf, PDWORD size)
{
    return wv_query_full(h, flags, buf, size, false);
}

BOOL WINAPI QueryFullProcessImageNameW(HANDLE h, DWORD flags, LPWSTR buf, PDWORD size)
{
    return wv_query_full(h, flags, buf, size, true);
}

/* GetProcessImageFileName: the NT form; its length, or 0 (too small: ERROR_INSUFFICIENT_BUFFER). */
static DWORD wv_image_file_name(HANDLE h, void *buf, DWORD size, bool wide)
{
    void *text = NULL;
    size_t n = 0, unit = wide ? sizeof(WCHAR) : 1;
    DWORD err = wv_image_text(h, true, wide, &text, &n);
    if (!err && (n + 1 > size || !buf))
        err = ERROR_INSUFFICIENT_BUFFER;
    if (!err && wv_user_put(buf, text, (n + 1) * unit))
        err = ERROR_NOACCESS;
    free(text);
    return err ? (wv_set_error(err), 0) : (DWORD)n;
}

DWORD WINAPI GetProcessImageFileNameA(HANDLE h, LPSTR buf, DWORD size)
{
    return wv_image_file_name(h, buf, size, false);
}

DWORD WINAPI GetProcessImageFileNameW(HANDLE h, LPWSTR buf, DWORD size)
{
    return wv_image_file_name(h, buf, size, true);
}
