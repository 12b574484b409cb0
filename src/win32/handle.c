/* handle.c - DuplicateHandle: the public entry point over the handle table's core
 * (ob/handle.c).  CloseHandle, over wv_handle_close, is still defined in ob/handle.c: the
 * loader calls it, and win32 is not below the loader.
 */
#include "ob/ob.h"

static BOOL wv_fail(DWORD code)
{
    wv_set_error(code);
    return FALSE;
}

BOOL WINAPI DuplicateHandle(HANDLE src_process, HANDLE src, HANDLE dst_process, LPHANDLE dst,
                            DWORD access, BOOL inherit, DWORD options)
{
    (void)inherit;
    DWORD err = wv_handle_duplicate(src_process, src, dst_process, dst, access, options);
    return err ? wv_fail(err) : TRUE;
}
