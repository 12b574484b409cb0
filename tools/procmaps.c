/* SPDX-License-Identifier: MIT */
/* procmaps.c - reading another process's /proc maps and pagemap, for `winvm map` and
 * `winvm share`. */
#define _GNU_SOURCE
#include "procmaps.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool maps_has_suffix(const char *p, const char *suffix)
{
    size_t n = strlen(p), k = strlen(suffix);
    return n > k && !strcasecmp(p + n - k, suffix);
}

/* Whether path is in winvm's namespace of named objects: /dev/shm/winvm-<uid>[.<n>]/<name>. */
bool maps_in_namespace(const char *path)
{
    return !strncmp(path, "/dev/shm/winvm-", 15) && strchr(path + 15, '/');
}

/* winvm's named sections are <namespace>/<hex of the name>: show the name. */
void maps_section_name(const char *path, char *out, size_t cap)
{
    const char *slash = maps_in_namespace(path) ? strchr(path + 15, '/') : NULL;
    out[0] = 0;
    if (!slash)
        return;
    size_t k = 0;
    for (const char *h = slash + 1; h[0] && h[1] && h[0] != ' ' && k + 1 < cap; h += 2) {
        unsigned c;
        if (sscanf(h, "%2x", &c) != 1)
            break;
        out[k++] = (char)c;
    }
    out[k] = 0;
}

/* Reads /proc/PID/smaps (or maps): the kernel walks only populated page tables, so even a
 * process with terabytes of reserved address space (a sanitizer's shadow) is listed quickly. */
bool maps_read_regions(const char *pid, struct region **out, size_t *n)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%s/smaps", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t cap = 256;
    *out = malloc(cap * sizeof(**out));
    *n = 0;
    char line[1024];
    bool skipping = false; /* the attribute lines of a skipped region are not the previous one's */
    while (*out && fgets(line, sizeof(line), f)) {
        struct region g = {0};
        int used = 0;
        uint64_t kib;
        if (skipping && sscanf(line, "%" SCNx64 "-%" SCNx64, &g.start, &g.end) < 2)
            continue;
        if (*n && sscanf(line, "Rss: %" SCNu64, &kib) == 1)
            (*out)[*n - 1].rss = kib;
        else if (*n && sscanf(line, "Anonymous: %" SCNu64, &kib) == 1)
            (*out)[*n - 1].anon = kib;
        else if (*n && (sscanf(line, "Shared_Clean: %" SCNu64, &kib) == 1 ||
                        sscanf(line, "Shared_Dirty: %" SCNu64, &kib) == 1))
            (*out)[*n - 1].shared += kib;
        else if (*n && sscanf(line, "Swap: %" SCNu64, &kib) == 1)
            (*out)[*n - 1].swap = kib;
        unsigned major = 0, minor = 0;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n", &g.start,
                   &g.end, g.perm, &g.offset, &major, &minor, &g.inode, &used) < 7)
            continue;
        g.dev = (uint64_t)major << 32 | minor;
        skipping = g.start >= ((uint64_t)1 << 47); /* [vsyscall] */
        if (skipping)
            continue;
        snprintf(g.path, sizeof(g.path), "%s", line + used);
        g.path[strcspn(g.path, "\n")] = 0;
        if (*n == cap)
            *out = realloc(*out, (cap *= 2) * sizeof(**out));
        if (*out)
            (*out)[(*n)++] = g;
    }
    fclose(f);
    return *out != NULL;
}

/* Walks the pagemap entries of [start, end) in pid, calling fn for each page. */
void maps_walk_pages(int pagemap, uint64_t start, uint64_t end,
                     void (*fn)(uint64_t addr, uint64_t ent, void *arg), void *arg)
{
    uint64_t buf[512];
    for (uint64_t a = start; a < end;) {
        size_t n = (size_t)((end - a) / 4096 < 512 ? (end - a) / 4096 : 512);
        ssize_t got = pread(pagemap, buf, n * 8, (off_t)(a / 4096 * 8));
        if (got <= 0)
            return;
        for (size_t i = 0; i < (size_t)got / 8; i++)
            fn(a + i * 4096, buf[i], arg);
        a += (uint64_t)got / 8 * 4096;
    }
}
