/* SPDX-License-Identifier: MIT */
/* syscount.c - how many processes, threads and open files the system has (GetPerformanceInfo),
 * from /proc. */
#include "host/host.h"

#include <dirent.h>
#include <stdio.h>

static bool wv_read_numbers(const char *path, const char *fmt, unsigned long long *a, unsigned long long *b)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool ok = fscanf(f, fmt, a, b) == 2;
    fclose(f);
    return ok;
}

bool wv_sys_counts(uint32_t *processes, uint32_t *threads, uint32_t *handles)
{
    unsigned long long running = 0, total = 0, open = 0, unused = 0;
    /* loadavg: "0.00 0.01 0.05 running/total last-pid": total counts every thread. */
    if (!wv_read_numbers("/proc/loadavg", "%*s %*s %*s %llu/%llu", &running, &total) ||
        !wv_read_numbers("/proc/sys/fs/file-nr", "%llu %llu", &open, &unused))
        return false;
    DIR *d = opendir("/proc");
    if (!d)
        return false;
    uint32_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] >= '1' && e->d_name[0] <= '9';
    closedir(d);
    *processes = n;
    *threads = (uint32_t)total;
    *handles = (uint32_t)open;
    return true;
}
