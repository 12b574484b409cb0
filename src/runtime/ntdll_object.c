/* SPDX-License-Identifier: MIT */
/* ntdll_object.c - NtDuplicateObject over DuplicateHandle (win32/handle.c): the same handles,
 * this process's and another's (as DuplicateHandle reaches them), NTSTATUS results and the
 * thread's last error kept.  Attributes: OBJ_INHERIT makes the new handle inheritable;
 * DUPLICATE_SAME_ATTRIBUTES takes the source handle's instead (this process's source). */
#include "runtime/runtime.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

NTSTATUS NTAPI NtDuplicateObject(HANDLE src_process, HANDLE src, HANDLE dst_process, PHANDLE dst, ACCESS_MASK access,
                                 ULONG attributes, ULONG options)
{
    if (dst && wv_nt_probe_out(dst, sizeof(*dst)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (options & ~(ULONG)(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    DWORD saved = GetLastError(), flags = 0;
    BOOL inherit = (attributes & OBJ_INHERIT) != 0;
    if ((options & DUPLICATE_SAME_ATTRIBUTES) && src_process == WV_CURRENT_PROCESS && GetHandleInformation(src, &flags))
        inherit = (flags & 1 /* HANDLE_FLAG_INHERIT */) != 0;
    HANDLE h = NULL;
    BOOL ok = DuplicateHandle(src_process, src, dst_process, dst ? &h : NULL, access, inherit,
                              options & (DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS));
    NTSTATUS st = ok ? STATUS_SUCCESS : wv_status_of(GetLastError());
    SetLastError(saved);
    if (ok && dst)
        wv_nt_out(dst, &h, sizeof(h));
    return st;
}
