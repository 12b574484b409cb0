/* SPDX-License-Identifier: MIT */
/* testutil.h - helpers shared by the tests: constants, failing-call checks, the kernel's view of
 * a range, queries and snapshots. */
#ifndef WV_TESTUTIL_H
#define WV_TESTUTIL_H

#include <winvm.h>
#include <stdbool.h>
#include <stdint.h>

#define PAGE ((SIZE_T)0x1000)
#define GRAN ((SIZE_T)0x10000)
#define UEND ((uintptr_t)0x7FFFFFFF0000) /* lpMaximumApplicationAddress + 1 */
#define SENTINEL 0xdeadbeefu              /* last-error value no call sets */

/* The macros below use Criterion: include <criterion/criterion.h> before using them. */

#define EXPECT_ERR(want)                                                                    \
    cr_assert_eq(GetLastError(), (DWORD)(want), "GetLastError() = %u, want %u", GetLastError(), \
                 (unsigned)(want))

/* VirtualAlloc that must fail with the given error. */
#define ALLOC_FAILS(err, addr, size, type, prot)                                            \
    do {                                                                                    \
        SetLastError(SENTINEL);                                                             \
        void *r_ = VirtualAlloc((void *)(addr), (size), (type), (prot));                    \
        cr_assert_null(r_, "VirtualAlloc(%p, %#zx, %#x, %#x) = %p, want NULL",              \
                       (void *)(addr), (size_t)(size), (unsigned)(type), (unsigned)(prot), r_); \
        EXPECT_ERR(err);                                                                    \
    } while (0)

/* VirtualFree that must fail with the given error. */
#define FREE_FAILS(err, addr, size, type)                                                   \
    do {                                                                                    \
        SetLastError(SENTINEL);                                                             \
        BOOL r_ = VirtualFree((void *)(addr), (size), (type));                              \
        cr_assert_not(r_, "VirtualFree(%p, %#zx, %#x) succeeded", (void *)(addr),           \
                      (size_t)(size), (unsigned)(type));                                    \
        EXPECT_ERR(err);                                                                    \
    } while (0)

/* VirtualProtect that must fail with the given error. */
#define PROTECT_FAILS(err, addr, size, prot)                                                \
    do {                                                                                    \
        DWORD old_ = SENTINEL;                                                              \
        SetLastError(SENTINEL);                                                             \
        BOOL r_ = VirtualProtect((void *)(addr), (size), (prot), &old_);                    \
        cr_assert_not(r_, "VirtualProtect(%p, %#zx, %#x) succeeded", (void *)(addr),        \
                      (size_t)(size), (unsigned)(prot));                                    \
        EXPECT_ERR(err);                                                                    \
    } while (0)

/* The eight base page protections, PAGE_NOACCESS to PAGE_EXECUTE_WRITECOPY. */
extern const DWORD tu_bases[8];

/* VirtualQuery that must succeed. */
MEMORY_BASIC_INFORMATION tu_query(const void *addr);

/* Host protection of the page at addr from /proc/self/maps: bits 1 r, 2 w, 4 x;
 * -1 when no mapping contains the address. */
int tu_host_prot(const void *addr);

/* True when reading / writing one byte at addr faults (tested in a forked child). */
bool tu_read_faults(const void *addr);
bool tu_write_faults(void *addr);

/* True when the page at addr is resident (/proc/self/pagemap). */
bool tu_resident(const void *addr);

/* A 64 KiB-aligned range of size bytes that nothing occupies right now. */
char *tu_free_range(SIZE_T size);
/* True when [addr, addr+size) is free address space here (under AddressSanitizer the usual
 * Windows image bases, 0x140000000 and up, lie in its shadow gap). */
bool tu_range_free(uintptr_t addr, SIZE_T size);
/* Skips the test when an image's preferred base is not free in this process. */
#define NEED_FREE(addr, size)                                                                  \
    do {                                                                                       \
        if (!tu_range_free((uintptr_t)(addr), (size)))                                         \
            cr_skip_test("%#lx is not free here (a sanitizer's shadow?)", (unsigned long)(addr)); \
    } while (0)

/* Host protection bits (as tu_host_prot) a committed page with protection prot must have;
 * modifiers above the low byte are ignored. */
int tu_host_of(DWORD prot);

/* State of up to 16 pages (queries + host protection), to check that a failed call changed
 * nothing: tu_take() before and after, then tu_same(). */
struct tu_snap {
    MEMORY_BASIC_INFORMATION m[16];
    int host[16];
};
void tu_take(struct tu_snap *s, const char *base, int n);
void tu_same(const struct tu_snap *a, const struct tu_snap *b, int n);

/* Runs a shell command line, its stdout (up to cap - 1 bytes) into out, NUL-terminated; the
 * exit status, 128 + the signal for a command killed by one, -1 when it could not start. */
int tu_capture(const char *cmd, char *out, size_t cap);

/* The image cache every test's `winvm run` shares (WINVM_CACHE_DIR). */
#define TU_RUN_CACHE "/tmp/winvm-test-run-cache"

/* What a test running a PE program does first: skips the test when exe was not built (why:
 * what building it needs, NULL for mingw-w64), then points WINVM_CACHE_DIR at TU_RUN_CACHE. */
void tu_need_pe(const char *exe, const char *why);

/* Runs `cd DIR && ENV winvm run EXE ARGS 2>&1` after tu_need_pe(exe, NULL): dir NULL runs
 * here, env NULL and args NULL add nothing, and args holding its own "2>" replaces the 2>&1.
 * The output into out, the exit status as tu_capture's. */
int tu_run_pe(const char *dir, const char *env, const char *exe, const char *args, char *out, size_t cap);

/* Runs `winvm run EXE` (stderr with stdout) with the tests' image cache, its output into out;
 * asserts exit status 0 and that no check printed FAIL; the number of checks that printed
 * "ok ".  Skips the test when exe was not built (mingw-w64 missing). */
int tu_run_checks(const char *exe, char *out, size_t cap);

/* The first 16 KiB of a file as a string in a static buffer ("" when it cannot be read). */
char *tu_slurp(const char *path);

/* Removes dir and everything below it, following no symbolic link; a warning in the test's
 * log when something stays. */
void tu_remove_tree(const char *dir);

#endif
