/* SPDX-License-Identifier: MIT */
/* meminfo.c - the kernel's memory counters for this process (/proc/self/status and stat) and for
 * the system (/proc/meminfo), read as key/value text. */
#include "host/host.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* host.h */
bool wv_read_text(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t have = 0;
    ssize_t r;
    while (have < cap - 1 && (r = read(fd, buf + have, cap - 1 - have)) > 0)
        have += (size_t)r;
    close(fd);
    buf[have] = 0;
    return have > 0;
}

/* host.h */
uint64_t wv_field(const char *text, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, n) && p[n] == ':') {
            char *end;
            uint64_t v = strtoull(p + n + 1, &end, 10);
            return strncmp(end, " kB", 3) ? v : v * 1024;
        }
    return 0;
}

bool wv_proc_memory(struct wv_proc_mem *m)
{
    char buf[4096];
    if (!wv_read_text("/proc/self/status", buf, sizeof(buf)))
        return false;
    m->rss = wv_field(buf, "VmRSS");
    m->hwm = wv_field(buf, "VmHWM");
    m->data = wv_field(buf, "VmData");
    m->size = wv_field(buf, "VmSize");
    m->swap = wv_field(buf, "VmSwap");
    /* stat: minflt and majflt are fields 10 and 12, after the parenthesised command name. */
    m->faults = 0;
    if (!wv_read_text("/proc/self/stat", buf, sizeof(buf)))
        return false;
    const char *p = strrchr(buf, ')');
    unsigned long long f[10] = {0};
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %llu %llu", &f[0], &f[1], &f[2]) == 3)
        m->faults = f[0] + f[2];
    return true;
}

bool wv_sys_memory(struct wv_sys_mem *m)
{
    char buf[8192];
    if (!wv_read_text("/proc/meminfo", buf, sizeof(buf)))
        return false;
    m->total = wv_field(buf, "MemTotal");
    m->avail = wv_field(buf, "MemAvailable");
    m->swap_total = wv_field(buf, "SwapTotal");
    m->swap_free = wv_field(buf, "SwapFree");
    m->committed = wv_field(buf, "Committed_AS");
    m->commit_limit = wv_field(buf, "CommitLimit");
    m->cached = wv_field(buf, "Cached");
    m->slab_reclaimable = wv_field(buf, "SReclaimable");
    m->kernel_unreclaimable = wv_field(buf, "SUnreclaim") + wv_field(buf, "KernelStack") + wv_field(buf, "PageTables");
    return m->total != 0;
}

unsigned wv_sys_processors(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n; /* one processor group, as Windows reports it */
}
