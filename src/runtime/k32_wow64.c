/* SPDX-License-Identifier: MIT */
/* k32_wow64.c - IsWow64Process and GetSystemWow64Directory (winvm/wow64.h), ntdll's
 * RtlWow64Get/SetThreadContext: every process winvm runs is x86-64, none under WOW64, and
 * there is no 32-bit system directory. */
#include "runtime/runtime.h"
#include "runtime/thread_int.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

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

/* RtlWow64GetThreadContext / RtlWow64SetThreadContext: a thread's 32-bit registers, which only
 * a WOW64 process's threads have.  Every thread here is a 64-bit process's (this process's, a
 * child's), so a thread handle with the access asked is what 64-bit Windows answers such a
 * thread: STATUS_INVALID_PARAMETER; a handle that names no thread STATUS_INVALID_HANDLE (or
 * STATUS_OBJECT_TYPE_MISMATCH for another object), one without the access STATUS_ACCESS_DENIED.
 * The WOW64_CONTEXT is never read or written.  The last error is kept. */
static NTSTATUS wv_wow64_context(HANDLE h, DWORD need)
{
    DWORD pid, tid;
    if (wv_process_thread_ids(h, &pid, &tid))
        return STATUS_INVALID_PARAMETER; /* a child process's thread: 64-bit */
    DWORD saved = GetLastError(), access = 0;
    struct wv_thread *t = wv_thread_ref(h, need);
    NTSTATUS st = STATUS_INVALID_PARAMETER;
    if (t) {
        wv_object_unref(&t->obj);
    } else {
        DWORD err = GetLastError();
        struct wv_object *o = err == ERROR_INVALID_HANDLE ? wv_handle_get(h, WV_KIND_ANY, &access) : NULL;
        if (o)
            wv_object_unref(o);
        st = o && o->kind == WV_KIND_REMOTE_THREAD ? STATUS_INVALID_PARAMETER
             : o                                   ? STATUS_OBJECT_TYPE_MISMATCH
                                                   : wv_status_of(err);
    }
    SetLastError(saved);
    return st;
}

WV_MSABI NTSTATUS wv_nt_RtlWow64GetThreadContext(HANDLE h, void *ctx)
{
    (void)ctx;
    return wv_wow64_context(h, THREAD_GET_CONTEXT);
}

WV_MSABI NTSTATUS wv_nt_RtlWow64SetThreadContext(HANDLE h, const void *ctx)
{
    (void)ctx;
    return wv_wow64_context(h, THREAD_SET_CONTEXT);
}
