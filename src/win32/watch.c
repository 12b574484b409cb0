/* SPDX-License-Identifier: MIT */
/* watch.c - GetWriteWatch and ResetWriteWatch: the public entry points over mm's cores
 * (mm/watch.c).  Both fail with a nonzero UINT, not FALSE: ~0u, with the error as the last
 * error.
 */
#include "mm/mm.h"
#include "fault/fault.h"

#include <stdint.h>
#include <stdlib.h>

static UINT wv_watch_fail(DWORD code)
{
    wv_set_error(code);
    return ~0u;
}

UINT WINAPI GetWriteWatch(DWORD flags, PVOID base, SIZE_T size, PVOID *addresses,
                          ULONG_PTR *count, LPDWORD granularity)
{
    /* The caller's count, granularity and address array are proven writable first (a
     * self-copy), so a bad one is ERROR_NOACCESS with nothing reset and no crash.  The
     * addresses are gathered into a buffer of ours and copied out with wv_copy: a thread that
     * unmaps the caller's array meanwhile gets ERROR_NOACCESS, not a crash (with
     * WRITE_WATCH_FLAG_RESET the pages are reset by then). */
    ULONG_PTR want = 0;
    DWORD gran = 0;
    if ((count && (wv_copy(count, count, sizeof(*count)) || wv_copy(&want, count, sizeof(want)))) ||
        (granularity && wv_copy(granularity, granularity, sizeof(*granularity))))
        return wv_watch_fail(ERROR_NOACCESS);
    if (addresses && want && want <= SIZE_MAX / sizeof(*addresses) &&
        wv_copy(addresses, addresses, want * sizeof(*addresses)))
        return wv_watch_fail(ERROR_NOACCESS);
    /* No more entries than the range has pages (plus one for an unaligned start). */
    ULONG_PTR cap = want, pages = size / WV_PAGE_SIZE + 2;
    if (cap > pages)
        cap = pages;
    void **buf = addresses && cap ? malloc(cap * sizeof(*buf)) : NULL;
    if (addresses && cap && !buf)
        return wv_watch_fail(ERROR_NOT_ENOUGH_MEMORY);
    ULONG_PTR got = cap;
    DWORD err = wv_watch_get(flags, (uintptr_t)base, size, buf ? buf : (void **)addresses, count ? &got : NULL,
                             granularity ? &gran : NULL);
    wv_debug_validate_at(base); /* WRITE_WATCH_FLAG_RESET changes the pages' watch state */
    if (!err && buf && got && wv_copy(addresses, buf, got * sizeof(*buf)))
        err = ERROR_NOACCESS;
    if (!err && (wv_copy(count, &got, sizeof(got)) || wv_copy(granularity, &gran, sizeof(gran))))
        err = ERROR_NOACCESS;
    free(buf);
    return err ? wv_watch_fail(err) : 0;
}

UINT WINAPI ResetWriteWatch(LPVOID base, SIZE_T size)
{
    DWORD err = wv_watch_reset((uintptr_t)base, size);
    wv_debug_validate_at(base);
    return err ? wv_watch_fail(err) : 0;
}
