/* SPDX-License-Identifier: MIT */
/* pfn.h - the physical frame of a page, for tests that check sharing between processes.
 * Header-only: section_helper, a plain program without Criterion, uses it too. */
#ifndef WV_TEST_PFN_H
#define WV_TEST_PFN_H

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

/* Page frame number of the page at p; 0 when not resident or unknown (frames need root). */
static inline uint64_t pfn_of(const void *p)
{
    int fd = open("/proc/self/pagemap", O_RDONLY);
    uint64_t ent = 0;
    if (fd >= 0) {
        if (pread(fd, &ent, 8, (off_t)((uintptr_t)p / 4096 * 8)) != 8)
            ent = 0;
        close(fd);
    }
    return (ent >> 63) ? ent & ((1ull << 55) - 1) : 0;
}

#endif
