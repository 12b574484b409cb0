/* SPDX-License-Identifier: MIT */
/* pages.c - which physical page backs each virtual page of a process, from /proc.
 *
 * pagemap gives present/swapped, "file page or shared" (bit 61) and, for root, the frame.
 * Without the frame, a file page is still identified exactly by the page-cache page it maps,
 * (inode, file offset), which /proc/PID/maps gives for its mapping; an anonymous page is a
 * copy nobody else has. */
#define _GNU_SOURCE
#include "pages.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The mapping of pid containing addr: its start, file offset and inode (0 when anonymous). */
static bool mapping_of(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *off, uint64_t *inode)
{
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    bool found = false;
    while (f && !found && fgets(line, sizeof(line), f)) {
        uint64_t a, b, o, ino;
        char perm[8], dev[16];
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %15s %" SCNu64, &a, &b, perm, &o, dev, &ino) == 6 &&
            addr >= a && addr < b)
            *start = a, *off = o, *inode = ino, found = true;
    }
    if (f)
        fclose(f);
    return found;
}

int pages_read(pid_t pid, uint64_t start, size_t n, struct page_info *out)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int counts = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
    for (size_t i = 0; i < n; i++) {
        uint64_t addr = start + i * 4096, e = 0, ms = 0, moff = 0, ino = 0, cnt = 0;
        if (pread(fd, &e, 8, (off_t)(addr / 4096 * 8)) != 8)
            e = 0;
        struct page_info *p = &out[i];
        p->present = (e >> 62) != 0;
        p->copy = p->present && !(e >> 61 & 1);
        p->pfn = (e >> 63) ? e & ((1ull << 55) - 1) : 0;
        p->mapcount = 0;
        if (p->pfn && counts >= 0 && pread(counts, &cnt, 8, (off_t)(p->pfn * 8)) == 8)
            p->mapcount = (unsigned)cnt;
        if (p->pfn)
            p->frame = p->pfn;
        else if (p->present && !p->copy && mapping_of(pid, addr, &ms, &moff, &ino))
            p->frame = ino << 28 | ((moff + (addr - ms)) / 4096);
        else
            p->frame = ((uint64_t)pid << 40) ^ addr ^ (1ull << 63); /* a copy: unique */
    }
    if (counts >= 0)
        close(counts);
    close(fd);
    return 0;
}
