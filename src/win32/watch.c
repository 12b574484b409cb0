/* watch.c - GetWriteWatch and ResetWriteWatch: the public entry points over mm's cores
 * (mm/watch.c).  Both fail with a nonzero UINT, not FALSE: ~0u, with the error as the last
 * error.
 */
#include "mm/mm.h"

static UINT wv_watch_fail(DWORD code)
{
    wv_set_error(code);
    return ~0u;
}

UINT WINAPI GetWriteWatch(DWORD flags, PVOID base, SIZE_T size, PVOID *addresses,
                          ULONG_PTR *count, LPDWORD granularity)
{
    DWORD err = wv_watch_get(flags, (uintptr_t)base, size, addresses, count, granularity);
    wv_debug_validate_at(base); /* WRITE_WATCH_FLAG_RESET changes the pages' watch state */
    return err ? wv_watch_fail(err) : 0;
}

UINT WINAPI ResetWriteWatch(LPVOID base, SIZE_T size)
{
    DWORD err = wv_watch_reset((uintptr_t)base, size);
    wv_debug_validate_at(base);
    return err ? wv_watch_fail(err) : 0;
}
