/* SPDX-License-Identifier: MIT */
/* trim.c - EmptyWorkingSet's core: every committed range of the process, as VirtualQuery
 * describes it (winvm's views and the host's own memory), is offered to the kernel for reclaim
 * (MADV_PAGEOUT).  Windows moves trimmed pages to its standby list; Linux frees a clean file
 * page mapped only by this process and swaps an anonymous one out when there is swap.  Either
 * way the contents stay and the next touch brings the page back; QueryWorkingSetEx shows a
 * reclaimed page Valid 0 until then.  Views under write watch are left alone: a page read back
 * in would look written to the kernel's soft-dirty tracking.  Locked pages stay (the kernel
 * refuses them).
 */
#include "mm/mm.h"

/* Whether [a, end) lies in a view whose pages must stay mapped (write watch). */
static bool wv_trim_skip(uintptr_t a)
{
    wv_space_lock();
    const struct wv_view *v = wv_space_find(a);
    bool skip = v && (v->flags & (WV_VIEW_WRITE_WATCH | WV_VIEW_WATCH_SOFT));
    wv_space_unlock();
    return skip;
}

void wv_ws_empty(void)
{
    for (uintptr_t a = 0; a <= WV_MAX_ADDR;) {
        MEMORY_BASIC_INFORMATION m;
        wv_virtual_query(a, &m);
        uintptr_t end = (uintptr_t)m.BaseAddress + m.RegionSize;
        if (m.State == MEM_COMMIT && !(m.Protect & PAGE_GUARD) && !wv_trim_skip(a))
            (void)wv_os_pageout(a, end - a); /* refused ranges (locked, special) just stay */
        if (end <= a)
            break;
        a = end;
    }
}
