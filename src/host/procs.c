/* SPDX-License-Identifier: MIT */
/* procs.c - processes and threads as /proc shows them (NtQuerySystemInformation's process
 * list): every process the kernel lists, whoever owns it; what another user's process keeps
 * private (its descriptors, status) reads as 0. */
#define _GNU_SOURCE
#include "host/host.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long wv_proc_ticks(void)
{
    long t = sysconf(_SC_CLK_TCK);
    return t > 0 ? t : 100;
}

size_t wv_proc_list(int pid, int *out, size_t cap)
{
    char path[64];
    if (pid > 0)
        snprintf(path, sizeof(path), "/proc/%d/task", pid);
    DIR *d = opendir(pid > 0 ? path : "/proc");
    if (!d)
        return 0;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char *end;
        long v = strtol(e->d_name, &end, 10);
        if (*end || v <= 0 || e->d_name[0] == '0')
            continue;
        if (n < cap)
            out[n] = (int)v;
        n++;
    }
    closedir(d);
    return n;
}

static uint32_t wv_proc_fds(const char *dir)
{
    char path[80];
    snprintf(path, sizeof(path), "%s/fd", dir);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    uint32_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

bool wv_proc_info_read(int pid, int tid, struct wv_proc_info *p)
{
    char dir[64], path[80], buf[4096];
    if (tid > 0)
        snprintf(dir, sizeof(dir), "/proc/%d/task/%d", pid, tid);
    else
        snprintf(dir, sizeof(dir), "/proc/%d", pid);
    snprintf(path, sizeof(path), "%s/stat", dir);
    if (!wv_read_text(path, buf, sizeof(buf)))
        return false;
    /* "pid (comm) state ppid ...": the name may hold spaces and parentheses; the last ')'
     * ends it. */
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close || close < open)
        return false;
    memset(p, 0, sizeof(*p));
    p->pid = tid > 0 ? tid : pid;
    size_t n = (size_t)(close - open - 1);
    n = n < sizeof(p->name) - 1 ? n : sizeof(p->name) - 1;
    memcpy(p->name, open + 1, n);
    unsigned long long minflt, majflt, ut, st, start, vsize, rss;
    long prio, nice;
    if (sscanf(close + 2, "%c %d %*d %*d %*d %*d %*u %llu %*u %llu %*u %llu %llu %*d %*d %ld %ld %*d %*d %llu %llu %llu",
               &p->state, &p->ppid, &minflt, &majflt, &ut, &st, &prio, &nice, &start, &vsize, &rss) != 11)
        return false;
    p->faults = minflt + majflt, p->utime = ut, p->stime = st, p->start = start;
    p->vsize = vsize, p->rss = rss, p->priority = prio, p->nice = nice;
    snprintf(path, sizeof(path), "%s/status", dir);
    if (wv_read_text(path, buf, sizeof(buf))) {
        p->vm_peak = wv_field(buf, "VmPeak");
        p->rss_peak = wv_field(buf, "VmHWM");
        p->data = wv_field(buf, "VmData");
    }
    p->handles = tid > 0 ? 0 : wv_proc_fds(dir);
    return true;
}

size_t wv_proc_exe_leaf(int pid, char *out, size_t cap)
{
    char path[64], target[4096];
    snprintf(path, sizeof(path), "/proc/%d/exe", pid);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n <= 0 || cap == 0)
        return 0;
    target[n] = 0;
    static const char gone[] = " (deleted)"; /* the kernel's mark of an unlinked image */
    size_t len = (size_t)n, g = sizeof(gone) - 1;
    if (len > g && !strcmp(target + len - g, gone))
        target[len -= g] = 0;
    const char *leaf = strrchr(target, '/');
    leaf = leaf ? leaf + 1 : target;
    len = strlen(leaf);
    if (!len || len >= cap)
        return 0;
    memcpy(out, leaf, len + 1);
    return len;
}
