/* SPDX-License-Identifier: MIT */
/* extend.c - NtExtendSection's core: a section over a file grows, and its file with it when the
 * file is shorter, as Windows extends a data file's section.  Views already mapped keep their
 * length; a later view may reach the new end.  A pagefile-backed section or an image has a
 * fixed size.  The size of a named section read by another process is the one it opened.
 */
#include "section/section.h"

#include <sys/stat.h>
#include <unistd.h>

DWORD wv_section_extend(struct wv_section *s, uint64_t size, uint64_t *now)
{
    uint64_t cur = __atomic_load_n(&s->size, __ATOMIC_ACQUIRE);
    *now = cur;
    if (!s->file_backed || s->image)
        return ERROR_NOT_SUPPORTED;
    if (size <= cur)
        return 0; /* never shrinks: the size stays, and the call succeeds */
    if (!(wv_rights_of(s->protect) & 2))
        return ERROR_ACCESS_DENIED; /* a read-only section cannot write its file longer */
    if (size > WV_END_ADDR)
        return ERROR_NOT_ENOUGH_MEMORY;
    struct stat st;
    if (fstat(s->fd, &st) != 0)
        return ERROR_INVALID_HANDLE;
    if ((uint64_t)st.st_size < size && ftruncate(s->fd, (off_t)size) != 0)
        return ERROR_DISK_FULL;
    /* Only ever grows: a racing extension to a smaller size leaves the larger. */
    while (cur < size && !__atomic_compare_exchange_n(&s->size, &cur, size, false, __ATOMIC_ACQ_REL,
                                                       __ATOMIC_ACQUIRE))
        ;
    *now = cur > size ? cur : size;
    return 0;
}
