/* SPDX-License-Identifier: MIT */
/* procmaps.h - a process's regions from /proc/PID/smaps and its pages from pagemap: what
 * `winvm map` and `winvm share` read. */
#ifndef WINVM_TOOLS_PROCMAPS_H
#define WINVM_TOOLS_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct region {
    uint64_t start, end;
    char perm[5];
    uint64_t offset, inode, dev; /* dev: major << 32 | minor */
    char path[512];
    /* from smaps, KiB */
    uint64_t rss, anon, shared, swap;
};


bool maps_has_suffix(const char *p, const char *suffix);
/* Whether path is in winvm's namespace of named objects: /dev/shm/winvm-<uid>[.<n>]/<name>. */
bool maps_in_namespace(const char *path);
/* A named section's name from its path in the namespace ("" for other paths). */
void maps_section_name(const char *path, char *out, size_t cap);
/* The regions of /proc/PID/smaps ([vsyscall] left out) into a malloc'd array; false on error. */
bool maps_read_regions(const char *pid, struct region **out, size_t *n);
/* Calls fn for each page of [start, end) with its pagemap entry read from the pagemap fd. */
void maps_walk_pages(int pagemap, uint64_t start, uint64_t end,
                     void (*fn)(uint64_t addr, uint64_t ent, void *arg), void *arg);

#endif
