/* SPDX-License-Identifier: MIT */
/* handle.c - CloseHandle and DuplicateHandle: the public entry points over the handle table's
 * cores (ob/handle.c).
 */
#include "ob/ob.h"
#include "fault/fault.h"

/* The pseudo handles close successfully and stay usable (wv_handle_close_api), as PE code's
 * CloseHandle (debug_close.c) does. */
BOOL WINAPI CloseHandle(HANDLE h)
{
    DWORD err = wv_handle_close_api(h);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI DuplicateHandle(HANDLE src_process, HANDLE src, HANDLE dst_process, LPHANDLE dst,
                            DWORD access, BOOL inherit, DWORD options)
{
    /* The out-param is proven writable (a self-copy) before anything happens, and written
     * through wv_copy: a bad one is ERROR_NOACCESS, never a crash, with nothing changed. */
    if (dst && wv_copy(dst, dst, sizeof(*dst)))
        return wv_fail(ERROR_NOACCESS);
    HANDLE h = NULL;
    DWORD err = 0xFFFFFFFFu;
    if ((src_process != WV_CURRENT_PROCESS || dst_process != WV_CURRENT_PROCESS) && wv_ob_duplicate_remote)
        err = wv_ob_duplicate_remote(src_process, src, dst_process, dst ? &h : NULL, access, inherit, options);
    if (err != 0xFFFFFFFFu) { /* another process's handle table: its value is written back */
        if (!err && dst)
            wv_copy(dst, &h, sizeof(h));
        return err ? wv_fail(err) : TRUE;
    }
    if (wv_ob_duplicate_remote) /* both name this process */
        src_process = dst_process = WV_CURRENT_PROCESS;
    err = wv_handle_duplicate(src_process, src, dst_process, dst ? &h : NULL, access, options);
    if (!err && inherit)
        wv_handle_flags(h, 1 /* HANDLE_FLAG_INHERIT */, 1, NULL);
    if (!err && wv_copy(dst, &h, sizeof(h))) {
        wv_handle_close(h); /* made unwritable meanwhile by another thread */
        err = ERROR_NOACCESS;
    }
    return err ? wv_fail(err) : TRUE;
}
