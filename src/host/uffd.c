/* SPDX-License-Identifier: MIT */
/* uffd.c - userfaultfd (write-protect, async) and PAGEMAP_SCAN: see host.h, "the kernel's own write tracking".
 *
 * One userfaultfd per process, created at the first MEM_WRITE_WATCH allocation with
 *   - UFFD_FEATURE_WP_ASYNC: a write to a protected page is resolved by the kernel itself
 *     (it clears the page's uffd-wp bit), for user-mode writes and for the kernel's own
 *     writes on the process's behalf (read(2) into a watched buffer) alike;
 *   - UFFD_FEATURE_WP_UNPOPULATED: protecting a never-touched page installs a marker, so a
 *     read of it maps the zero page still protected and a first write is seen as a write.
 * PAGEMAP_SCAN reports pages whose uffd-wp bit is clear (PAGE_IS_WRITTEN) and, with
 * PM_SCAN_WP_MATCHING, sets it again on exactly the pages it reported.
 *
 * Debian 12's headers predate both features and the ioctl: the kernel ABI values are
 * defined here.  The file descriptors belong to the process that opened them (a forked
 * child's ioctls on them would act on the parent's memory), so a child closes them.
 */
#define _GNU_SOURCE
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WV_PAGE ((uintptr_t)4096)

/* ---- kernel ABI (include/uapi/linux/userfaultfd.h, include/uapi/linux/fs.h, 6.7) ---- */
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define WV_UFFD_FEATURE_WP_UNPOPULATED (1ull << 13)
#define WV_UFFD_FEATURE_WP_ASYNC (1ull << 15)

struct wv_page_region {
    uint64_t start, end, categories;
};
struct wv_pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define WV_PAGEMAP_SCAN _IOWR('f', 16, struct wv_pm_scan_arg)
enum { WV_PAGE_IS_WPALLOWED = 1 << 0, WV_PAGE_IS_WRITTEN = 1 << 1, WV_PAGE_IS_PRESENT = 1 << 3,
       WV_PAGE_IS_SWAPPED = 1 << 4 };
enum { WV_PM_SCAN_WP_MATCHING = 1 << 0, WV_PM_SCAN_CHECK_WPASYNC = 1 << 1 };

/* ---- state ---- */

static pthread_once_t wv_uffd_once = PTHREAD_ONCE_INIT;
static int wv_uffd = -1;     /* the userfaultfd, or -1 (fallback, or a forked child) */
static int wv_pagemap = -1;  /* /proc/self/pagemap, opened lazily, reopened after fork */
static bool wv_forked;       /* this process is a child forked after the uffd was made */

static void wv_uffd_after_fork(void)
{
    if (wv_uffd >= 0) {
        close(wv_uffd);
        wv_uffd = -1;
        wv_forked = true;
    }
    if (wv_pagemap >= 0)
        close(wv_pagemap);
    wv_pagemap = -1;
}

static int wv_pagemap_fd(void)
{
    int fd = __atomic_load_n(&wv_pagemap, __ATOMIC_ACQUIRE);
    if (fd >= 0)
        return fd;
    fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int expected = -1;
    if (!__atomic_compare_exchange_n(&wv_pagemap, &expected, fd, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        close(fd);
        fd = expected;
    }
    return fd;
}

static int wv_uffd_open(void)
{
    /* User-mode-only needs no privilege (vm.unprivileged_userfaultfd=0) and loses nothing:
     * asynchronous write protection never delivers a fault to user space. */
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (fd < 0)
        return -1;
    struct uffdio_api api = {.api = UFFD_API,
                             .features = WV_UFFD_FEATURE_WP_ASYNC | WV_UFFD_FEATURE_WP_UNPOPULATED};
    uint64_t need = ((uint64_t)1 << _UFFDIO_REGISTER) | ((uint64_t)1 << _UFFDIO_UNREGISTER);
    if (ioctl(fd, UFFDIO_API, &api) != 0 || (api.ioctls & need) != need) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The whole round trip on a scratch mapping: register, protect, read one page, write another,
 * scan, scan with reset, scan again.  Any surprise means the fallback. */
static bool wv_uffd_selftest(void)
{
    size_t len = 4 * WV_PAGE;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return false;
    bool ok = false;
    uintptr_t a = (uintptr_t)p;
    void *out[4];
    if (wv_uffd_register(a, len) == 0 && wv_uffd_protect(a, len) == 0) {
        (void)*(volatile char *)(p + WV_PAGE);   /* a read: must not count */
        *(volatile char *)(p + 2 * WV_PAGE) = 1; /* a write: must */
        uintptr_t pos = a;
        long n = wv_uffd_written(&pos, a + len, true, out, 4);
        if (n == 1 && out[0] == p + 2 * WV_PAGE) {
            pos = a;
            n = wv_uffd_written(&pos, a + len, false, out, 4);
            ok = n == 0 && pos == a + len;
        }
    }
    munmap(p, len);
    return ok;
}

static void wv_uffd_init(void)
{
    pthread_atfork(NULL, NULL, wv_uffd_after_fork);
    const char *mode = getenv("WINVM_WRITE_WATCH");
    if (mode && strcmp(mode, "fallback") == 0)
        return;
    int fd = wv_uffd_open();
    if (fd < 0 || wv_pagemap_fd() < 0) {
        if (fd >= 0)
            close(fd);
        return;
    }
    wv_uffd = fd;
    if (!wv_uffd_selftest()) {
        wv_uffd = -1;
        close(fd);
    }
}

bool wv_uffd_usable(void)
{
    pthread_once(&wv_uffd_once, wv_uffd_init);
    return wv_uffd >= 0;
}

int wv_uffd_register(uintptr_t addr, size_t len)
{
    struct uffdio_register r = {.range = {.start = addr, .len = len},
                                .mode = UFFDIO_REGISTER_MODE_WP};
    return ioctl(wv_uffd, UFFDIO_REGISTER, &r) == 0 ? 0 : errno;
}

void wv_uffd_unregister(uintptr_t addr, size_t len)
{
    struct uffdio_range r = {.start = addr, .len = len};
    ioctl(wv_uffd, UFFDIO_UNREGISTER, &r);
}

int wv_uffd_protect(uintptr_t addr, size_t len)
{
    if (wv_uffd < 0)
        return wv_forked ? 0 : EBADF;
    struct uffdio_writeprotect wp = {.range = {.start = addr, .len = len},
                                     .mode = UFFDIO_WRITEPROTECT_MODE_WP};
    while (ioctl(wv_uffd, UFFDIO_WRITEPROTECT, &wp) != 0)
        if (errno != EAGAIN && errno != EINTR)
            return errno;
    return 0;
}

#define WV_VEC 64

long wv_uffd_written(uintptr_t *pos, uintptr_t end, bool reset, void **out, size_t max)
{
    int fd = wv_pagemap_fd();
    if (fd < 0)
        return -(long)errno;
    bool live = wv_uffd >= 0;
    struct wv_page_region vec[WV_VEC];
    size_t n = 0;
    while (*pos < end && (!out || n < max)) {
        struct wv_pm_scan_arg a = {
            .size = sizeof(a),
            .flags = live ? WV_PM_SCAN_CHECK_WPASYNC | (reset ? WV_PM_SCAN_WP_MATCHING : 0) : 0,
            .start = *pos,
            .end = end,
            .vec = out ? (uintptr_t)vec : 0,
            .vec_len = out ? WV_VEC : 0,
            .max_pages = out ? max - n : 0,
            /* Written, and holding data: the kernel's shortcut for a bare WRITTEN mask also
             * counts empty page-table entries (decommitted or reserved pages) as written. */
            .category_mask = WV_PAGE_IS_WRITTEN,
            .category_anyof_mask = WV_PAGE_IS_PRESENT | WV_PAGE_IS_SWAPPED,
            .return_mask = WV_PAGE_IS_WRITTEN,
        };
        if (!out && !(a.flags & WV_PM_SCAN_WP_MATCHING))
            return 0; /* reset only, and nothing can be reset here */
        long r = ioctl(fd, WV_PAGEMAP_SCAN, &a);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -(long)errno;
        }
        for (long k = 0; k < r; k++)
            for (uintptr_t p = vec[k].start; p < vec[k].end && n < max; p += WV_PAGE)
                out[n++] = (void *)p;
        if (out && n == max && n > 0) {
            *pos = (uintptr_t)out[n - 1] + WV_PAGE;
            break;
        }
        if (a.walk_end <= *pos) /* no progress: should not happen, but never spin */
            return -(long)EIO;
        *pos = a.walk_end;
    }
    return (long)n;
}
