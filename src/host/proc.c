/* SPDX-License-Identifier: MIT */
/* proc.c - what the kernel says about this process's address space: its mappings
 * (PROCMAP_QUERY where the kernel has it, /proc/self/maps otherwise) and page residency
 * (/proc/self/pagemap).  The descriptors are opened once and reopened in a forked child,
 * since /proc/self was resolved to the parent when they were opened.
 */
#define _GNU_SOURCE
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* PROCMAP_QUERY (Linux 6.11) as in <linux/fs.h>; Debian 12's headers predate it. */
struct wv_procmap_query {
    uint64_t size, query_flags, query_addr;
    uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
    uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
#define WV_PROCMAP_QUERY _IOWR('f', 17, struct wv_procmap_query)
enum { WV_Q_READ = 1, WV_Q_WRITE = 2, WV_Q_EXEC = 4, WV_Q_SHARED = 8, WV_Q_COVERING_OR_NEXT = 16 };

static int wv_fd[2] = {-1, -1};
/* Whether PROCMAP_QUERY works: -1 unknown until first tried.  Read and written atomically:
 * threads query concurrently, and every one of them may be the first. */
static int wv_have_query = -1;
static pthread_once_t wv_once = PTHREAD_ONCE_INIT;

static void wv_proc_after_fork(void)
{
    for (int i = 0; i < 2; i++) {
        if (wv_fd[i] >= 0)
            close(wv_fd[i]);
        wv_fd[i] = -1;
    }
}

static void wv_proc_init(void) { pthread_atfork(NULL, NULL, wv_proc_after_fork); }

static int wv_proc_fd(int which)
{
    static const char *const path[2] = {"/proc/self/maps", "/proc/self/pagemap"};
    pthread_once(&wv_once, wv_proc_init);
    int fd = __atomic_load_n(&wv_fd[which], __ATOMIC_ACQUIRE);
    if (fd >= 0)
        return fd;
    fd = open(path[which], O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int expected = -1;
    if (!__atomic_compare_exchange_n(&wv_fd[which], &expected, fd, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        close(fd);
        fd = expected;
    }
    return fd;
}

static bool wv_query_ioctl(uintptr_t addr, struct wv_mapping *m)
{
    int fd = wv_proc_fd(0);
    if (fd < 0)
        return false;
    struct wv_procmap_query q = {.size = sizeof(q), .query_flags = WV_Q_COVERING_OR_NEXT,
                                 .query_addr = addr, .vma_name_size = sizeof(m->name),
                                 .vma_name_addr = (uintptr_t)m->name};
    if (ioctl(fd, WV_PROCMAP_QUERY, &q) != 0) {
        if (errno == ENOENT) {
            m->start = 0; /* nothing at or above addr */
            return true;
        }
        return false;
    }
    if (q.vma_name_size == 0)
        m->name[0] = 0;
    m->start = q.vma_start;
    m->end = q.vma_end;
    m->prot = ((q.vma_flags & WV_Q_READ) ? 1 : 0) | ((q.vma_flags & WV_Q_WRITE) ? 2 : 0) |
              ((q.vma_flags & WV_Q_EXEC) ? 4 : 0);
    m->shared = (q.vma_flags & WV_Q_SHARED) != 0;
    m->inode = q.inode;
    m->file = q.inode != 0;
    return true;
}

/* Parses one /proc/self/maps line; returns false if it is malformed. */
static bool wv_parse_line(const char *s, struct wv_mapping *m)
{
    char *p;
    m->start = strtoull(s, &p, 16);
    if (*p++ != '-')
        return false;
    m->end = strtoull(p, &p, 16);
    if (*p++ != ' ' || strlen(p) < 4)
        return false;
    m->prot = (p[0] == 'r' ? 1 : 0) | (p[1] == 'w' ? 2 : 0) | (p[2] == 'x' ? 4 : 0);
    m->shared = p[3] == 's';
    p += 5;
    strtoull(p, &p, 16);             /* offset */
    while (*p == ' ')
        p++;
    while (*p && *p != ' ')
        p++;                         /* dev */
    m->inode = strtoull(p, &p, 10);
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, "\n");
    if (n >= sizeof(m->name))
        n = sizeof(m->name) - 1;
    memcpy(m->name, p, n);
    m->name[n] = 0;
    m->file = m->inode != 0;
    return true;
}

static bool wv_query_text(uintptr_t addr, struct wv_mapping *m)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[8192];
    size_t have = 0;
    bool found = false;
    m->start = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (r <= 0)
            break;
        have += (size_t)r;
        buf[have] = 0;
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = 0;
            /* [vsyscall] lives in kernel space; PROCMAP_QUERY does not report it either. */
            if (wv_parse_line(line, m) && m->end > addr && m->start < ((uintptr_t)1 << 47)) {
                found = true;
                break;
            }
            line = nl + 1;
        }
        if (found)
            break;
        have -= (size_t)(line - buf);
        memmove(buf, line, have);
        if (have == sizeof(buf) - 1)
            have = 0; /* a line longer than the buffer: drop it */
    }
    close(fd);
    if (!found)
        m->start = 0;
    return true;
}

bool wv_proc_mapping_text(uintptr_t addr, struct wv_mapping *m) { return wv_query_text(addr, m); }

bool wv_proc_mapping(uintptr_t addr, struct wv_mapping *m)
{
    int have = __atomic_load_n(&wv_have_query, __ATOMIC_RELAXED);
    if (have != 0) {
        if (wv_query_ioctl(addr, m)) {
            if (have < 0)
                __atomic_store_n(&wv_have_query, 1, __ATOMIC_RELAXED);
            return true;
        }
        if (have < 0) /* never worked: this kernel lacks it (unless a thread saw it work since) */
            __atomic_compare_exchange_n(&wv_have_query, &have, 0, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED);
    }
    return wv_query_text(addr, m);
}

/* Reads n (<= 64) pagemap entries for the pages at addr. */
static int wv_pagemap_read(uintptr_t addr, size_t n, uint64_t *ent)
{
    int fd = wv_proc_fd(1);
    if (fd < 0 || n > 64)
        return -1;
    ssize_t want = (ssize_t)(n * sizeof(uint64_t));
    return pread(fd, ent, (size_t)want, (off_t)(addr / WV_PAGE_SIZE * sizeof(uint64_t))) == want ? 0 : -1;
}

/* Present or swapped, and not a file page or shared memory: private anonymous data. */
static bool wv_pagemap_is_anon(uint64_t ent) { return (ent & (3ull << 62)) && !(ent & (1ull << 61)); }

#define WV_PAGEMAP_BATCH 512 /* entries per pread: 4 KiB of stack, fine on a signal stack */

/* wv_pagemap_anon for any n: one pread per 512 pages (the kernel's walk costs per page, the
 * system call per call, so fewer, larger reads). */
static int wv_pagemap_anon_many(uintptr_t addr, size_t n, uint64_t *out)
{
    int fd = wv_proc_fd(1);
    if (fd < 0)
        return -1;
    uint64_t ent[WV_PAGEMAP_BATCH];
    memset(out, 0, (n + 63) / 64 * sizeof(uint64_t));
    for (size_t k = 0; k < n; k += WV_PAGEMAP_BATCH) {
        size_t m = n - k < WV_PAGEMAP_BATCH ? n - k : WV_PAGEMAP_BATCH;
        ssize_t want = (ssize_t)(m * sizeof(uint64_t));
        off_t off = (off_t)((addr / WV_PAGE_SIZE + k) * sizeof(uint64_t));
        if (pread(fd, ent, (size_t)want, off) != want)
            return -1;
        for (size_t j = 0; j < m; j++)
            if (wv_pagemap_is_anon(ent[j]))
                out[(k + j) / 64] |= (uint64_t)1 << ((k + j) % 64);
    }
    return 0;
}

/* Bit j % 64 of out[j / 64] set when page j of the n pages at addr holds a private copy; out
 * has (n + 63) / 64 words (one when n <= 64). */
int wv_pagemap_anon(uintptr_t addr, size_t n, uint64_t *out)
{
    if (n > 64)
        return wv_pagemap_anon_many(addr, n, out);
    uint64_t ent[64], bits = 0;
    if (wv_pagemap_read(addr, n, ent) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (wv_pagemap_is_anon(ent[i]))
            bits |= (uint64_t)1 << i;
    *out = bits;
    return 0;
}

int wv_pagemap_present(uintptr_t addr, size_t n, uint64_t *out)
{
    uint64_t ent[64];
    if (wv_pagemap_read(addr, n, ent) != 0)
        return -1;
    uint64_t bits = 0;
    for (size_t i = 0; i < n; i++)
        if (ent[i] & (3ull << 62)) /* present or swapped: the page holds data */
            bits |= (uint64_t)1 << i;
    *out = bits;
    return 0;
}

bool wv_proc_fd_path(int fd, char *out, size_t cap)
{
    char link[32];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1 || out[0] != '/')
        return false;
    out[n] = 0;
    return true;
}

int wv_pagemap_entries(uintptr_t addr, size_t n, uint64_t *out)
{
    int fd = wv_proc_fd(1);
    if (fd < 0)
        return -1;
    size_t want = n * sizeof(uint64_t);
    /* One read: the kernel walks the range in one go (it stops at 2 MiB steps internally). */
    return pread(fd, out, want, (off_t)(addr / WV_PAGE_SIZE * sizeof(uint64_t))) == (ssize_t)want ? 0 : -1;
}

/* /proc/kpagecount, opened once (-2: not tried; -1: unreadable).  Not per process: no reopen
 * after fork is needed. */
static int wv_kpc_fd = -2;

int wv_kpagecount(const uint64_t *pfn, size_t n, uint64_t *out)
{
    int fd = __atomic_load_n(&wv_kpc_fd, __ATOMIC_ACQUIRE);
    if (fd == -2) {
        int nfd = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
        int expected = -2;
        if (!__atomic_compare_exchange_n(&wv_kpc_fd, &expected, nfd < 0 ? -1 : nfd, false,
                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) && nfd >= 0)
            close(nfd);
        fd = __atomic_load_n(&wv_kpc_fd, __ATOMIC_ACQUIRE);
    }
    if (fd < 0)
        return -1;
    /* Consecutive frames (common for a file's or a section's pages) in one read. */
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && pfn[j] == pfn[j - 1] + 1; j++)
            ;
        ssize_t want = (ssize_t)((j - i) * sizeof(uint64_t));
        if (pread(fd, out + i, (size_t)want, (off_t)(pfn[i] * sizeof(uint64_t))) != want)
            return -1;
    }
    return 0;
}
