/* SPDX-License-Identifier: MIT */
/* ntdll_thread.c - NtSuspendThread and NtResumeThread (ms_abi, for ntdll.c's table) over
 * SuspendThread and ResumeThread (thread_ctl.c), NtTerminateProcess over TerminateProcess
 * (process.c): the same threads, processes, counts and access checks, with NTSTATUS results.  The previous count's pointer is probed before the thread is touched,
 * so a bad one (STATUS_ACCESS_VIOLATION) changes no count; the last error is left as it was.
 * SuspendThread's ERROR_ACCESS_DENIED has two causes: the handle lacks THREAD_SUSPEND_RESUME
 * (STATUS_ACCESS_DENIED), or the thread has ended or is being terminated, here or in its
 * process (STATUS_THREAD_IS_TERMINATING, which Windows' kernel32 reports as
 * ERROR_ACCESS_DENIED); a handle's granted access never changes, so it tells them apart. */
#include "runtime/runtime.h"
#include "runtime/thunk.h"
#include "fault/fault.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

/* Whether h is a handle (not a pseudo handle) granting right. */
static bool wv_grants(HANDLE h, DWORD right)
{
    DWORD access = 0;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &access);
    if (o)
        wv_object_unref(o);
    return o && (access & right);
}

/* op: SuspendThread or ResumeThread; the previous count into *prev when prev is not NULL. */
static NTSTATUS wv_nt_suspend_op(DWORD(WINAPI *op)(HANDLE), HANDLE h, PULONG prev)
{
    if (prev && wv_user_probe_rw32(prev))
        return STATUS_ACCESS_VIOLATION;
    DWORD saved = GetLastError();
    DWORD was = op(h);
    NTSTATUS st = was == (DWORD)-1 ? wv_status_of(GetLastError()) : STATUS_SUCCESS;
    SetLastError(saved);
    if (st == STATUS_ACCESS_DENIED && op == SuspendThread && wv_grants(h, THREAD_SUSPEND_RESUME))
        st = STATUS_THREAD_IS_TERMINATING;
    if (!st && prev && wv_copy(prev, &was, sizeof(was)))
        st = STATUS_ACCESS_VIOLATION; /* made unwritable meanwhile by another thread */
    return st;
}

WV_MSABI NTSTATUS wv_nt_NtSuspendThread(HANDLE h, PULONG prev)
{
    return wv_nt_suspend_op(SuspendThread, h, prev);
}

WV_MSABI NTSTATUS wv_nt_NtResumeThread(HANDLE h, PULONG prev)
{
    return wv_nt_suspend_op(ResumeThread, h, prev);
}

/* A process handle (the pseudo handle, one of this process, a child's): the process ends with
 * status as its exit code; the last error is left as it was.  NULL: every thread of this
 * process but the caller ends with status, as TerminateThread, and the process is terminating
 * from then on (proc_exit.c; the caller goes on: ExitProcess's first step). */
WV_MSABI NTSTATUS wv_nt_NtTerminateProcess(HANDLE h, NTSTATUS status)
{
    if (!h) {
        wv_process_end_others((DWORD)status);
        return STATUS_SUCCESS;
    }
    DWORD saved = GetLastError();
    NTSTATUS st = TerminateProcess(h, (UINT)status) ? STATUS_SUCCESS : wv_status_of(GetLastError());
    SetLastError(saved);
    return st;
}

/* NtCallbackReturn ends a kernel-to-user callback (win32k's, through KiUserCallbackDispatcher).
 * winvm has no win32k, so no callback is ever active on any thread: STATUS_NO_CALLBACK_ACTIVE,
 * what Windows answers a thread outside a callback; nothing is read from result. */
WV_MSABI NTSTATUS wv_nt_NtCallbackReturn(PVOID result, ULONG len, NTSTATUS status)
{
    (void)result, (void)len, (void)status;
    return STATUS_NO_CALLBACK_ACTIVE;
}
