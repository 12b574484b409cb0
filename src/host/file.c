/* SPDX-License-Identifier: MIT */
/* file.c - files mapped for winvm's own reading: a PE file to parse, a section's commit bitmap.
 *
 * These are not views: no page state describes them, and they go wherever the kernel likes.
 * Both are unmapped with wv_os_unmap.
 */
#include "host/host.h"

#include <sys/mman.h>

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
