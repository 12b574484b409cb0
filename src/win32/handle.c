/* handle.c - CloseHandle and DuplicateHandle: the public entry points over the handle table's
 * cores (ob/handle.c).
 */
#include "ob/ob.h"

BOOL WINAPI CloseHandle(HANDLE h)
{
    DWORD err = wv_handle_close(h);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI DuplicateHandle(HANDLE src_process, HANDLE src, HANDLE dst_process, LPHANDLE dst,
                            DWORD access, BOOL inherit, DWORD options)
{
    (void)inherit;
    DWORD err = wv_handle_duplicate(src_process, src, dst_process, dst, access, options);
    return err ? wv_fail(err) : TRUE;
}
