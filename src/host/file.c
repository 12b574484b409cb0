/* SPDX-License-Identifier: MIT */
/* file.c - files mapped for winvm's own reading: a PE file to parse, a section's commit bitmap.
 *
 * These are not views: no page state describes them, and they go wherever the kernel likes.
 * All are unmapped with wv_os_unmap.
 */
#include "host/host.h"

#include <sys/mman.h>
#include <unistd.h>

const void *wv_file_map_read(int fd, size_t size)
{
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *wv_file_map_shared(int fd, off_t off, size_t size)
{
    /* Shared, so what other processes write through their own mappings shows here. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
    return p == MAP_FAILED ? NULL : p;
}

void *wv_file_snapshot(int fd, size_t size)
{
    /* Anonymous, so what others later write into the file (or cut from it) never shows here
     * and never faults: a file mapping would follow both. */
    /* Populated at once: one call instead of a fault per page as the read fills it. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    for (size_t done = 0; done < size;) {
        ssize_t n = pread(fd, (char *)p + done, size - done, (off_t)done);
        if (n <= 0) {
            munmap(p, size); /* an error, or the file got shorter meanwhile */
            return NULL;
        }
        done += (size_t)n;
    }
    mprotect(p, size, PROT_READ);
    return p;
}
