/* SPDX-License-Identifier: MIT */
/* test_oom.c - running out of address space or of kernel mappings.
 *
 * Each scenario runs in a forked child (limits are per process and hard to undo); the child
 * checks everything itself and reports through its exit status: 0 success, 77 skipped, any
 * other value the number of the check that failed (details on stderr).  The parent asserts.
 */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SKIP_CODE 77

/* In the child: on failure, say what and exit with the check's number. */
#define CCHK(n, cond, ...)                                                                 \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "child check %d failed (%s:%d): ", n, __FILE__, __LINE__);     \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
            fflush(stderr);                                                                \
            _exit(n);                                                                      \
        }                                                                                  \
    } while (0)

static void run_child(void (*fn)(void), const char *what)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st), "%s: child died with signal %d", what, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    if (WEXITSTATUS(st) == SKIP_CODE)
        cr_skip_test("%s: skipped by the child (see stderr)", what);
    cr_assert_eq(WEXITSTATUS(st), 0, "%s: child check %d failed (see stderr)", what, WEXITSTATUS(st));
}

/* ---- /proc/self/maps snapshots (no malloc: usable under tight limits) ---- */

struct mapent {
    uintptr_t s, e;
    char perm[5];
};

static size_t maps_read(struct mapent *out, size_t max)
{
    static char buf[4 << 20];
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    buf[n] = 0;
    size_t k = 0;
    for (char *p = buf; *p && k < max;) {
        char *q;
        out[k].s = strtoull(p, &q, 16);
        out[k].e = strtoull(q + 1, &q, 16);
        memcpy(out[k].perm, q + 1, 4);
        out[k].perm[4] = 0;
        k++;
        char *nl = strchr(q, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    return k;
}

static size_t maps_count(void)
{
    static struct mapent tmp[70000];
    return maps_read(tmp, 70000);
}

static uintptr_t vm_size(void)
{
    static struct mapent tmp[70000];
    size_t n = maps_read(tmp, 70000);
    uintptr_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (tmp[i].s < 0xffffffffff600000ull) /* [vsyscall] is not counted */
            total += tmp[i].e - tmp[i].s;
    return total;
}

static bool same_query(const MEMORY_BASIC_INFORMATION *a, const MEMORY_BASIC_INFORMATION *b)
{
    return a->BaseAddress == b->BaseAddress && a->AllocationBase == b->AllocationBase &&
           a->AllocationProtect == b->AllocationProtect && a->RegionSize == b->RegionSize &&
           a->State == b->State && a->Protect == b->Protect && a->Type == b->Type;
}

static MEMORY_BASIC_INFORMATION q(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    memset(&m, 0, sizeof(m));
    if (VirtualQuery(p, &m, sizeof(m)) != sizeof(m))
        m.State = 0xffffffff;
    return m;
}

/* ---- 1. RLIMIT_AS: a reservation the kernel cannot give ---- */

static struct mapent g_before[70000], g_after[70000];

static bool maps_equal(size_t n1, size_t n2)
{
    if (n1 != n2)
        return false;
    for (size_t i = 0; i < n1; i++)
        if (g_before[i].s != g_after[i].s || g_before[i].e != g_after[i].e ||
            strcmp(g_before[i].perm, g_after[i].perm) != 0)
            return false;
    return true;
}

static void child_rlimit(void)
{
    /* A pre-existing allocation: reserved, one page committed and written. */
    char *pre = VirtualAlloc(NULL, 0x40000, MEM_RESERVE, PAGE_READWRITE);
    CCHK(1, pre != NULL, "pre-existing reserve failed: %u", GetLastError());
    CCHK(2, VirtualAlloc(pre + 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE) == pre + 0x3000,
         "commit failed: %u", GetLastError());
    memset(pre + 0x3000, 0x5a, 0x1000);
    MEMORY_BASIC_INFORMATION pre_q0 = q(pre), pre_q1 = q(pre + 0x3000), pre_q2 = q(pre + 0x4000);

    /* Warm up everything that allocates lazily (descriptors, malloc arenas, view metadata). */
    void *warm = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    CCHK(3, warm != NULL, "warm-up failed");
    CCHK(4, VirtualFree(warm, 0, MEM_RELEASE), "warm-up release failed");

    /* Lower the address-space limit to just above what is mapped now. */
    uintptr_t used = vm_size();
    struct rlimit rl;
    CCHK(6, getrlimit(RLIMIT_AS, &rl) == 0, "getrlimit: %m");
    rl.rlim_cur = used + (32u << 20);
    CCHK(5, setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit: %m");

    /* A 1 GiB reservation, anywhere, bottom-up and top-down, and at a chosen free address. */
    static const DWORD types[] = {MEM_RESERVE, MEM_RESERVE | MEM_COMMIT, MEM_COMMIT,
                                  MEM_RESERVE | MEM_TOP_DOWN};
    for (unsigned t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        size_t n1 = maps_read(g_before, 70000);
        SetLastError(0xdeadbeef);
        void *p = VirtualAlloc(NULL, (SIZE_T)1 << 30, types[t], PAGE_READWRITE);
        DWORD err = GetLastError();
        size_t n2 = maps_read(g_after, 70000);
        CCHK(10 + (int)t, p == NULL, "1 GiB VirtualAlloc(type %#x) under RLIMIT_AS succeeded at %p",
             types[t], p);
        CCHK(20 + (int)t, err == ERROR_NOT_ENOUGH_MEMORY,
             "1 GiB VirtualAlloc(type %#x): error %u, expected ERROR_NOT_ENOUGH_MEMORY (8)", types[t],
             err);
        CCHK(30 + (int)t, maps_equal(n1, n2),
             "the failed VirtualAlloc(type %#x) changed /proc/self/maps (%zu -> %zu lines)",
             types[t], n1, n2);
    }
    {
        uintptr_t at = 0x500000000000ull; /* far from everything in either build */
        MEMORY_BASIC_INFORMATION fq = q((void *)at);
        if (fq.State == MEM_FREE && fq.RegionSize >= ((SIZE_T)1 << 31)) {
            size_t n1 = maps_read(g_before, 70000);
            SetLastError(0xdeadbeef);
            void *p = VirtualAlloc((void *)at, (SIZE_T)1 << 30, MEM_RESERVE, PAGE_READWRITE);
            DWORD err = GetLastError();
            size_t n2 = maps_read(g_after, 70000);
            CCHK(40, p == NULL && err == ERROR_NOT_ENOUGH_MEMORY,
                 "1 GiB reserve at %#lx: %p, error %u, expected NULL and 8", (unsigned long)at, p,
                 err);
            CCHK(41, maps_equal(n1, n2), "the failed reserve at an address changed the maps");
            CCHK(42, q((void *)at).State == MEM_FREE, "the failed range is not free");
        }
    }

    /* Nothing else changed. */
    CCHK(50, pre_q0.State == MEM_RESERVE && pre_q1.State == MEM_COMMIT, "query failed");
    MEMORY_BASIC_INFORMATION a0 = q(pre), a1 = q(pre + 0x3000), a2 = q(pre + 0x4000);
    CCHK(51, same_query(&a0, &pre_q0) && same_query(&a1, &pre_q1) && same_query(&a2, &pre_q2),
         "the pre-existing allocation's VirtualQuery changed");
    CCHK(52, pre[0x3000] == 0x5a && pre[0x3fff] == 0x5a, "the pre-existing contents changed");

    /* Small allocations still work, and so does everything on the old one. */
    char *small = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    CCHK(60, small != NULL, "a small allocation after the failure failed: %u", GetLastError());
    CCHK(61, ((uintptr_t)small & 0xffff) == 0, "not 64K aligned: %p", (void *)small);
    small[0] = 1;
    small[0x1fff] = 2;
    CCHK(62, VirtualAlloc(pre + 0x5000, 0x1000, MEM_COMMIT, PAGE_READWRITE) == pre + 0x5000,
         "commit in the pre-existing allocation failed: %u", GetLastError());
    pre[0x5000] = 3;
    DWORD old;
    CCHK(63, VirtualProtect(pre + 0x3000, 0x1000, PAGE_READONLY, &old) && old == PAGE_READWRITE,
         "protect failed: %u", GetLastError());
    CCHK(64, tu_host_prot(pre + 0x3000) == 1, "kernel prot %d", tu_host_prot(pre + 0x3000));
    CCHK(65, VirtualFree(small, 0, MEM_RELEASE), "release small failed");
    CCHK(66, VirtualFree(pre, 0, MEM_RELEASE), "release pre failed");

    /* With the budget back, a reservation that fits is granted. */
    void *mid = VirtualAlloc(NULL, 16u << 20, MEM_RESERVE, PAGE_NOACCESS);
    CCHK(70, mid != NULL, "16 MiB reserve within the limit failed: %u", GetLastError());
    CCHK(71, VirtualFree(mid, 0, MEM_RELEASE), "release failed");
}

Test(oom, rlimit_as_reserve_fails_with_not_enough_memory_and_changes_nothing)
{
    run_child(child_rlimit, "RLIMIT_AS");
}

/* ---- 2. the kernel's mapping count (vm.max_map_count) ---- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void child_map_count(void)
{
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's own allocator aborts the process when the kernel refuses it a mapping, which is
     * what this child provokes; winvm's answer is checked by the uninstrumented build. */
    fprintf(stderr, "mapping exhaustion under ASan: skipping\n");
    _exit(SKIP_CODE);
#endif
    long limit = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &limit) != 1)
            limit = 65530;
        fclose(f);
    }
    size_t have = maps_count();
    if (limit > 300000 || (long)have >= limit) {
        fprintf(stderr, "max_map_count %ld with %zu maps: skipping\n", limit, have);
        _exit(SKIP_CODE);
    }
    /* Every second page READONLY: each protected page adds two mappings. */
    size_t npages = (size_t)(limit - (long)have) + 256;
    char *p = VirtualAlloc(NULL, npages * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    CCHK(1, p != NULL, "big allocation failed: %u", GetLastError());
    double t0 = now();
    size_t i;
    DWORD err = 0, old = 0;
    for (i = 1; i < npages; i += 2) {
        SetLastError(0xdeadbeef);
        if (!VirtualProtect(p + i * PAGE, PAGE, PAGE_READONLY, &old)) {
            err = GetLastError();
            break;
        }
        if ((i & 1023) == 1 && now() - t0 > 5.0) {
            fprintf(stderr, "mapping exhaustion is slow (%zu pages in 5 s): skipping\n", i / 2);
            _exit(SKIP_CODE);
        }
    }
    CCHK(2, i < npages, "never ran out of mappings (%zu protects)", npages / 2);
    CCHK(3, err == ERROR_NOT_ENOUGH_MEMORY,
         "VirtualProtect at mapping exhaustion: error %u, expected ERROR_NOT_ENOUGH_MEMORY (8)", err);
    /* The failed call changed nothing: the page is still READWRITE, in the model and the kernel. */
    char *fp = p + i * PAGE;
    MEMORY_BASIC_INFORMATION m = q(fp);
    CCHK(4, m.State == MEM_COMMIT && m.Protect == PAGE_READWRITE && m.BaseAddress == fp,
         "failed page reports State %#x Protect %#x", m.State, m.Protect);
    CCHK(5, tu_host_prot(fp) == 3, "failed page has kernel prot %d", tu_host_prot(fp));
    fp[0] = 7; /* and is writable */
    m = q(fp - 2 * PAGE);
    CCHK(6, m.Protect == PAGE_READONLY && m.RegionSize == PAGE,
         "the last protected page: Protect %#x RegionSize %#zx", m.Protect, (size_t)m.RegionSize);
    CCHK(7, tu_host_prot(fp - 2 * PAGE) == 1, "the last protected page: kernel prot %d",
         tu_host_prot(fp - 2 * PAGE));
    m = q(fp - PAGE);
    CCHK(8, m.Protect == PAGE_READWRITE && m.RegionSize == (npages - i + 1) * PAGE,
         "the run from the page before: Protect %#x RegionSize %#zx", m.Protect,
         (size_t)m.RegionSize);

    /* Other calls that need a new mapping fail the same way, changing nothing. */
    if (i + 20 < npages) {
        char *mid = p + (i + 10) * PAGE; /* inside a long READWRITE run */
        SetLastError(0xdeadbeef);
        BOOL ok = VirtualFree(mid, PAGE, MEM_DECOMMIT);
        if (!ok) {
            CCHK(14, GetLastError() == ERROR_NOT_ENOUGH_MEMORY, "decommit: error %u", GetLastError());
            m = q(mid);
            CCHK(9, m.State == MEM_COMMIT && m.Protect == PAGE_READWRITE, "decommit changed state");
            CCHK(10, tu_host_prot(mid) == 3, "decommit changed kernel prot");
        } else {
            CCHK(11, q(mid).State == MEM_RESERVE, "decommit succeeded but state is not reserved");
        }
    }
    SetLastError(0xdeadbeef);
    void *extra = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE);
    if (!extra)
        CCHK(12, GetLastError() == ERROR_NOT_ENOUGH_MEMORY, "reserve at exhaustion: error %u",
             GetLastError());
    else
        CCHK(13, VirtualFree(extra, 0, MEM_RELEASE), "release extra failed");

    /* Putting the whole range back to one protection frees the mappings. */
    CCHK(20, VirtualProtect(p, npages * PAGE, PAGE_READWRITE, &old), "protect all back failed: %u",
         GetLastError());
    CCHK(21, old == PAGE_READWRITE, "old %#x", old);
    m = q(p);
    CCHK(22, m.RegionSize == npages * PAGE && m.Protect == PAGE_READWRITE, "after restore: size %#zx",
         (size_t)m.RegionSize);
    CCHK(23, fp[0] == 7, "contents lost");
    CCHK(24, maps_count() < have + 16, "mappings not merged back: %zu (was %zu)", maps_count(), have);
    CCHK(25, VirtualFree(p, 0, MEM_RELEASE), "release failed: %u", GetLastError());
    void *after = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    CCHK(26, after != NULL, "allocation after recovery failed: %u", GetLastError());
}

Test(oom, mapping_count_exhaustion_fails_cleanly, .timeout = 120)
{
    run_child(child_map_count, "max_map_count");
}

/* ---- 3. a size no address space can hold is a parameter error, not a memory shortage ---- */

Test(oom, size_beyond_user_space_is_invalid_parameter)
{
    /* ReactOS's kernel-mode tests, run against Windows (notes/wine-vm-facts.md section 1):
     * RegionSize (SIZE_T)-1 -> STATUS_INVALID_PARAMETER_4 -> ERROR_INVALID_PARAMETER (87). */
    SetLastError(0xdeadbeef);
    cr_assert_null(VirtualAlloc(NULL, (SIZE_T)-1, MEM_RESERVE, PAGE_READWRITE));
    cr_expect_eq(GetLastError(), ERROR_INVALID_PARAMETER,
                 "VirtualAlloc(NULL, (SIZE_T)-1): error %u, expected 87", GetLastError());
    SetLastError(0xdeadbeef);
    cr_assert_null(VirtualAlloc(NULL, (SIZE_T)-1, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
    cr_expect_eq(GetLastError(), ERROR_INVALID_PARAMETER,
                 "VirtualAlloc(NULL, (SIZE_T)-1, commit): error %u, expected 87", GetLastError());
}
