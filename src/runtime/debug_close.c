/* SPDX-License-Identifier: MIT */
/* debug_close.c - CloseHandle and NtClose as PE code calls them: a bad handle closed in a
 * debugged process raises EXCEPTION_INVALID_HANDLE (no parameters) at the caller, as Windows'
 * kernel does for a process with a debug port, before the call fails as it does without one
 * (FALSE with ERROR_INVALID_HANDLE, STATUS_INVALID_HANDLE).  The debugger sees it first chance
 * (DBG_CONTINUE: the call just fails); not handled, the program's handlers see it (one that
 * continues it lets the call fail), and nobody handling it is the second chance.  NULL and
 * the pseudo handles raise nothing: closing a pseudo handle (the current process and thread,
 * the three token pseudo handles, ~0 to ~5) succeeds and does nothing, as on Windows 10.
 * Both enter through WV_CAPTURING (thunk.h): the raise starts from the caller's CONTEXT, and
 * continuing it returns to the caller with the failure in Rax.  What decides is the debug
 * channel, never PEB.BeingDebugged (a program may write that: Wine's test writes 0x98).
 */
#include "runtime/debug_int.h"
#include "runtime/thunk.h"
#include "nt/nt.h"
#include "seh/seh.h"
#include <winvm/ntdll.h>

#ifndef EXCEPTION_INVALID_HANDLE
#define EXCEPTION_INVALID_HANDLE ((DWORD)0xC0000008)
#endif

/* 0 or ERROR_INVALID_HANDLE; raises first when that is a debugged process's bad handle, with
 * failed in the caller's Rax once continued. */
static DWORD wv_close_checked(HANDLE h, CONTEXT *ctx, DWORD64 failed)
{
    DWORD err = wv_handle_close_api(h); /* a pseudo handle: 0 */
    if (err && h && wv_debug_attached()) {
        EXCEPTION_RECORD rec = {.ExceptionCode = EXCEPTION_INVALID_HANDLE,
                                .ExceptionAddress = (PVOID)(uintptr_t)ctx->Rip};
        if (failed == FALSE)
            wv_set_error(err); /* what the caller reads once it is continued */
        ctx->Rax = failed;
        wv_seh_raise(&rec, ctx);
    }
    return err;
}

static WV_MSABI __attribute__((used)) NTSTATUS wv_nt_close_core(HANDLE h, DWORD64 b, DWORD64 c, DWORD64 d,
                                                                CONTEXT *ctx, const DWORD64 *stack)
{
    (void)b, (void)c, (void)d, (void)stack;
    DWORD err = wv_close_checked(h, ctx, (DWORD64)(ULONG)STATUS_INVALID_HANDLE);
    return err ? wv_status_of(err) : STATUS_SUCCESS;
}
WV_CAPTURING("wv_nt_NtClose", "wv_nt_close_core");

static WV_MSABI __attribute__((used)) BOOL wv_k32_close_core(HANDLE h, DWORD64 b, DWORD64 c, DWORD64 d,
                                                             CONTEXT *ctx, const DWORD64 *stack)
{
    (void)b, (void)c, (void)d, (void)stack;
    DWORD err = wv_close_checked(h, ctx, FALSE);
    return err ? wv_fail(err) : TRUE;
}
WV_CAPTURING("wv_k32_CloseHandle", "wv_k32_close_core");
