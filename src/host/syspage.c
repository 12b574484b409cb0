/* SPDX-License-Identifier: MIT */
/* syspage.c - the page Windows maps read-only at 0x7ffe0000 (KUSER_SHARED_DATA).
 *
 * One page of a memfd mapped twice: read-only and shared at the fixed address, where programs
 * read it and a write faults, and read-write anywhere, where the runtime's clock thread
 * (runtime/kusd.c) writes it.  The page belongs to this process alone (a memfd nobody else
 * can open): nothing another process, of this user or another, can write reaches it.
 *
 * VirtualQuery reports it as Windows does (foreign.c asks wv_syspage_at): private, committed,
 * PAGE_READONLY, one page, its own allocation.  After fork() the child would still share the
 * parent's page, so wv_syspage_refork gives it a copy of its own.
 */
#define _GNU_SOURCE
#include "host/host.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Set once, before any reader can need them (the caller holds its own once-lock): the fixed
 * address (0 while unmapped) and the writable alias.  Read by the fault handler: atomics. */
static uintptr_t wv_syspage;
static void *wv_syspage_rw;

/* A fresh one-page memfd holding a copy of init (or zeros): its descriptor, or -1. */
static int wv_syspage_fd(const void *init)
{
    int fd = memfd_create("winvm-kuser-shared-data", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)WV_PAGE_SIZE) != 0 ||
        (init && pwrite(fd, init, WV_PAGE_SIZE, 0) != (ssize_t)WV_PAGE_SIZE)) {
        close(fd);
        return -1;
    }
    return fd;
}

DWORD wv_syspage_map(uintptr_t at, void **rw)
{
    int fd = wv_syspage_fd(NULL);
    if (fd < 0)
        return wv_errno_to_error(errno);
    struct wv_backing b = {fd, 0, true};
    DWORD err = wv_os_map_at(at, WV_PAGE_SIZE, PROT_READ, &b);
    void *w = err ? MAP_FAILED : mmap(NULL, WV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (!err && w == MAP_FAILED) {
        err = wv_errno_to_error(errno);
        munmap((void *)at, WV_PAGE_SIZE);
    }
    close(fd); /* the mappings hold the file */
    if (err)
        return err;
    __atomic_store_n(&wv_syspage_rw, w, __ATOMIC_RELEASE);
    __atomic_store_n(&wv_syspage, at, __ATOMIC_RELEASE);
    *rw = w;
    return 0;
}

bool wv_syspage_at(uintptr_t addr)
{
    uintptr_t p = __atomic_load_n(&wv_syspage, __ATOMIC_ACQUIRE);
    return p && addr - p < WV_PAGE_SIZE;
}

/* In a child after fork (one thread): both mappings replaced, in place, by a private copy. */
DWORD wv_syspage_refork(void)
{
    uintptr_t at = wv_syspage;
    if (!at)
        return 0;
    int fd = wv_syspage_fd(wv_syspage_rw);
    if (fd < 0)
        return wv_errno_to_error(errno);
    void *r = mmap((void *)at, WV_PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    void *w = mmap(wv_syspage_rw, WV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    int e = errno;
    close(fd);
    return r == MAP_FAILED || w == MAP_FAILED ? wv_errno_to_error(e) : 0;
}
