/* SPDX-License-Identifier: MIT */
/* test_section_rules.c - one test per section/view fact of the reference
 * (docs: /work/shared/reference/windows-memory-semantics.md "Sections", "Write-copy") and of
 * the Wine/ReactOS/Microsoft facts collected for issue 4: CreateFileMapping validation, names,
 * handle access, MapViewOfFile(Ex) rules, VirtualProtect/VirtualAlloc/VirtualFree on views,
 * UnmapViewOfFile, file-backed sections, FlushViewOfFile and VirtualQuery of views.
 * Where Windows' answer is not verified by a test, the test checks winvm's documented choice
 * and says so. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEC_WRITECOMBINE 0x40000000u
#define SEC_LARGE_PAGES 0x80000000u
#define ERROR_BAD_EXE_FORMAT 193L

/* ---- helpers ---- */

/* A section name unique to this test and process. */
static const char *nm(const char *suffix)
{
    static char buf[8][128];
    static int next;
    char *b = buf[next++ % 8];
    snprintf(b, sizeof(buf[0]), "winvm-rules-%d-%s", (int)getpid(), suffix);
    return b;
}

static HANDLE anon(DWORD protect, SIZE_T size)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, protect, 0, (DWORD)size, NULL);
    cr_assert_not_null(h, "CreateFileMapping(%#x, %#zx): %u", (unsigned)protect, (size_t)size,
                       GetLastError());
    return h;
}

static HANDLE named(DWORD protect, SIZE_T size, const char *name)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, protect, 0, (DWORD)size, name);
    cr_assert_not_null(h, "CreateFileMapping(%s): %u", name, GetLastError());
    return h;
}

/* A scratch file of size bytes, filled with 'f'; its path goes to path (unlinked by rm_file). */
static int scratch_file(char *path, size_t cap, off_t size)
{
    snprintf(path, cap, "/tmp/winvm-rules-%d-XXXXXX", (int)getpid());
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    if (size) {
        char *buf = malloc((size_t)size);
        memset(buf, 'f', (size_t)size);
        cr_assert_eq(pwrite(fd, buf, (size_t)size, 0), (ssize_t)size);
        free(buf);
    }
    return fd;
}

static off_t file_size(int fd)
{
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    return st.st_size;
}

static char file_byte(int fd, off_t at)
{
    char c = 0;
    cr_assert_eq(pread(fd, &c, 1, at), 1);
    return c;
}

#define CFM_FAILS(err, file, prot, size, name)                                              \
    do {                                                                                    \
        SetLastError(SENTINEL);                                                             \
        HANDLE r_ = CreateFileMappingA((file), NULL, (prot), 0, (DWORD)(size), (name));     \
        cr_assert_null(r_, "CreateFileMapping(prot %#x, size %#zx) succeeded",              \
                       (unsigned)(prot), (size_t)(size));                                   \
        EXPECT_ERR(err);                                                                    \
    } while (0)

#define MAP_FAILS(err, h, access, off, size)                                                \
    do {                                                                                    \
        SetLastError(SENTINEL);                                                             \
        void *r_ = MapViewOfFile((h), (access), 0, (DWORD)(off), (size));                   \
        cr_assert_null(r_, "MapViewOfFile(access %#x, off %#zx, size %#zx) = %p",           \
                       (unsigned)(access), (size_t)(off), (size_t)(size), r_);              \
        EXPECT_ERR(err);                                                                    \
    } while (0)

static char *map_ok(HANDLE h, DWORD access, SIZE_T off, SIZE_T size)
{
    char *p = MapViewOfFile(h, access, 0, (DWORD)off, size);
    cr_assert_not_null(p, "MapViewOfFile(access %#x, off %#zx, size %#zx): %u", (unsigned)access,
                       (size_t)off, (size_t)size, GetLastError());
    return p;
}

/* ---- 1. CreateFileMapping: protection and SEC_* flags ---- */

static const DWORD good_prots[] = {PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY,
                                   PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY};
static const DWORD bad_prots[] = {0, PAGE_NOACCESS, PAGE_EXECUTE,
                                  PAGE_READONLY | PAGE_NOACCESS, PAGE_WRITECOPY | PAGE_READWRITE,
                                  PAGE_EXECUTE_READ | PAGE_EXECUTE, PAGE_READONLY | PAGE_READWRITE,
                                  PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY};

Test(section_rules, create_protection_table_anonymous)
{
    for (size_t i = 0; i < sizeof(good_prots) / sizeof(good_prots[0]); i++) {
        SetLastError(SENTINEL);
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, good_prots[i] | SEC_COMMIT, 0,
                                      (DWORD)PAGE, NULL);
        cr_assert_not_null(h, "protection %#x refused: %u", good_prots[i], GetLastError());
        EXPECT_ERR(ERROR_SUCCESS);
        cr_assert(CloseHandle(h));
        h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, good_prots[i], 0, (DWORD)PAGE, NULL);
        cr_assert_not_null(h, "protection %#x without SEC_COMMIT refused", good_prots[i]);
        cr_assert(CloseHandle(h));
    }
    for (size_t i = 0; i < sizeof(bad_prots) / sizeof(bad_prots[0]); i++) {
        CFM_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, bad_prots[i] | SEC_COMMIT, PAGE, NULL);
        CFM_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, bad_prots[i], PAGE, NULL);
    }
}

Test(section_rules, create_protection_table_file)
{
    /* Wine's test_CreateFileMapping_protection: a one-page file opened read/write/execute. */
    char path[128];
    int fd = scratch_file(path, sizeof(path), (off_t)PAGE);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE, 0, NULL,
                           OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    for (size_t i = 0; i < sizeof(good_prots) / sizeof(good_prots[0]); i++) {
        HANDLE h = CreateFileMappingA(f, NULL, good_prots[i] | SEC_COMMIT, 0, (DWORD)PAGE, NULL);
        cr_assert_not_null(h, "protection %#x refused on a file: %u", good_prots[i], GetLastError());
        cr_assert(CloseHandle(h));
    }
    for (size_t i = 0; i < sizeof(bad_prots) / sizeof(bad_prots[0]); i++)
        CFM_FAILS(ERROR_INVALID_PARAMETER, f, bad_prots[i] | SEC_COMMIT, PAGE, NULL);
    cr_assert_eq(file_size(fd), (off_t)PAGE);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, sec_flag_table)
{
    static const DWORD ok[] = {SEC_COMMIT, SEC_COMMIT | SEC_NOCACHE, SEC_COMMIT | SEC_WRITECOMBINE, 0};
    static const DWORD bad[] = {SEC_RESERVE | SEC_COMMIT, SEC_RESERVE | SEC_LARGE_PAGES,
                                SEC_NOCACHE, SEC_LARGE_PAGES, SEC_WRITECOMBINE,
                                SEC_FILE, SEC_FILE | SEC_COMMIT, SEC_FILE | SEC_RESERVE,
                                SEC_IMAGE | SEC_RESERVE, SEC_IMAGE | SEC_COMMIT};
    char path[128];
    int fd = scratch_file(path, sizeof(path), (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, ok[i] | PAGE_READWRITE, 0, 0x1000, NULL);
        cr_assert_not_null(h, "flags %#x refused: %u", ok[i], GetLastError());
        CloseHandle(h);
        h = CreateFileMappingA(f, NULL, ok[i] | PAGE_READWRITE, 0, 0x1000, NULL);
        cr_assert_not_null(h, "flags %#x refused on a file: %u", ok[i], GetLastError());
        CloseHandle(h);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CFM_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, bad[i] | PAGE_READWRITE, 0x1000, NULL);
        CFM_FAILS(ERROR_INVALID_PARAMETER, f, bad[i] | PAGE_READWRITE, 0x1000, NULL);
    }
    /* SEC_IMAGE on a file that is no PE image, or without a file: ERROR_BAD_EXE_FORMAT, as
     * Windows (Wine's test_CreateFileMapping table, size 0x1000).  Without a file and with
     * size 0, kernelbase refuses the size before NtCreateSection sees the flags:
     * ERROR_INVALID_PARAMETER (CreateFileMappingW in Wine and ReactOS alike).  SEC_RESERVE
     * has its own tests. */
    CFM_FAILS(ERROR_BAD_EXE_FORMAT, f, SEC_IMAGE | PAGE_READONLY, 0, NULL);
    CFM_FAILS(ERROR_BAD_EXE_FORMAT, INVALID_HANDLE_VALUE, SEC_IMAGE | PAGE_READONLY, 0x1000, NULL);
    CFM_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, SEC_IMAGE | PAGE_READONLY, 0, NULL);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, anonymous_size_zero_is_invalid)
{
    CFM_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, NULL);
    CFM_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, nm("size0"));
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, nm("size0")), "a failed create left a name");
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
}

Test(section_rules, anonymous_section_size_rounds_up_to_pages)
{
    /* NtQuerySection: 0x3457 -> 0x4000; a view of the rounded size is allowed. */
    HANDLE h = anon(PAGE_READWRITE, 0x3457);
    char *p = map_ok(h, FILE_MAP_WRITE, 0, 0x4000);
    p[0x3fff] = 1;
    cr_assert_eq(tu_query(p).RegionSize, 0x4000);
    MAP_FAILS(ERROR_ACCESS_DENIED, h, FILE_MAP_WRITE, 0, 0x4001);
    UnmapViewOfFile(p);
    char *q = map_ok(h, FILE_MAP_READ, 0, 0);
    cr_assert_eq(tu_query(q).RegionSize, 0x4000);
    UnmapViewOfFile(q);
    CloseHandle(h);
    h = anon(PAGE_READWRITE, 4090);
    q = map_ok(h, FILE_MAP_READ, 0, 0);
    cr_assert_eq(tu_query(q).RegionSize, 4096);
    UnmapViewOfFile(q);
    CloseHandle(h);
}

/* ---- 2. CreateFileMapping on files ---- */

Test(section_rules, zero_length_file_is_invalid)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 0);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    CFM_FAILS(ERROR_FILE_INVALID, f, PAGE_READWRITE, 0, NULL);
    CFM_FAILS(ERROR_FILE_INVALID, f, PAGE_READONLY, 0, NULL);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, file_size_zero_takes_the_exact_file_size)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 0x3456);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    cr_assert_not_null(h);
    char *p = map_ok(h, FILE_MAP_READ, 0, 0x3456);
    cr_assert_eq(p[0x3455], 'f');
    cr_assert_eq(tu_query(p).RegionSize, 0x4000);
    UnmapViewOfFile(p);
    /* A file-backed section keeps its exact byte size: one byte more is past its end. */
    MAP_FAILS(ERROR_ACCESS_DENIED, h, FILE_MAP_READ, 0, 0x3457);
    CloseHandle(h);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, read_only_section_past_end_of_file_fails)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 0x3456);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE);
    /* NT: STATUS_SECTION_TOO_BIG -> ERROR_NOT_ENOUGH_MEMORY (8). */
    CFM_FAILS(ERROR_NOT_ENOUGH_MEMORY, f, PAGE_READONLY, 0x3457, NULL);
    CFM_FAILS(ERROR_NOT_ENOUGH_MEMORY, f, PAGE_EXECUTE_READ, 0x10000, NULL);
    cr_assert_eq(file_size(fd), 0x3456, "a failed create changed the file");
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0x3456, NULL);
    cr_assert_not_null(h, "exactly the file size is fine");
    CloseHandle(h);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, read_write_section_past_end_extends_the_file)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 4096);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0x100000, NULL);
    cr_assert_not_null(h, "%u", GetLastError());
    cr_assert_eq(file_size(fd), 0x100000, "the file was not extended before CreateFileMapping returned");
    char *p = map_ok(h, FILE_MAP_WRITE, 0, 0);
    cr_assert_eq(tu_query(p).RegionSize, 0x100000);
    cr_assert_eq(p[0], 'f');
    cr_assert_eq(p[0x80000], 0);
    p[0xfffff] = 'e';
    cr_assert_eq(file_byte(fd, 0xfffff), 'e');
    UnmapViewOfFile(p);
    CloseHandle(h);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, write_protection_needs_a_writable_file_handle)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), (off_t)PAGE);
    HANDLE f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    CFM_FAILS(ERROR_ACCESS_DENIED, f, PAGE_READWRITE, 0, NULL);
    CFM_FAILS(ERROR_ACCESS_DENIED, f, PAGE_EXECUTE_READWRITE, 0, NULL);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_WRITECOPY, 0, 0, NULL);
    cr_assert_not_null(h, "WRITECOPY on a read-only file: %u", GetLastError());
    CloseHandle(h);
    h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    cr_assert_not_null(h, "READONLY on a read-only file: %u", GetLastError());
    CloseHandle(h);
    CloseHandle(f);
    /* Without GENERIC_EXECUTE, no EXECUTE_* protection (test_MapViewOfFile; todo_wine). */
    f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    CFM_FAILS(ERROR_ACCESS_DENIED, f, PAGE_EXECUTE_READ, 0, NULL);
    CFM_FAILS(ERROR_ACCESS_DENIED, f, PAGE_EXECUTE_WRITECOPY, 0, NULL);
    CFM_FAILS(ERROR_ACCESS_DENIED, f, PAGE_EXECUTE_READWRITE, 0, NULL);
    CloseHandle(f);
    f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_EXECUTE);
    h = CreateFileMappingA(f, NULL, PAGE_EXECUTE_READ, 0, 0, NULL);
    cr_assert_not_null(h, "EXECUTE_READ with GENERIC_EXECUTE: %u", GetLastError());
    CloseHandle(h);
    CloseHandle(f);
    /* A handle with access 0 backs no section at all. */
    f = winvm_handle_from_fd(fd, 0);
    CFM_FAILS(ERROR_ACCESS_DENIED, f, PAGE_READWRITE, 0, NULL);
    CFM_FAILS(ERROR_ACCESS_DENIED, f, PAGE_WRITECOPY, 0, NULL);
    CFM_FAILS(ERROR_ACCESS_DENIED, f, PAGE_READONLY, 0, NULL);
    CloseHandle(f);
    /* The same through a wrapped descriptor. */
    HANDLE g = winvm_handle_from_fd(fd, GENERIC_READ);
    CFM_FAILS(ERROR_ACCESS_DENIED, g, PAGE_READWRITE, 0, NULL);
    CloseHandle(g);
    close(fd);
    unlink(path);
}

Test(section_rules, create_on_a_bad_file_handle)
{
    /* winvm's choice: a handle that is not a file fails with ERROR_INVALID_HANDLE. */
    CFM_FAILS(ERROR_INVALID_HANDLE, (HANDLE)(uintptr_t)0x7ffc, PAGE_READWRITE, PAGE, NULL);
    HANDLE s = anon(PAGE_READWRITE, PAGE);
    CFM_FAILS(ERROR_INVALID_HANDLE, s, PAGE_READWRITE, PAGE, NULL);
    CloseHandle(s);
}

/* ---- 3. Names ---- */

Test(section_rules, existing_name_returns_the_same_object_with_183)
{
    const char *n = nm("exists");
    SetLastError(SENTINEL);
    HANDLE a = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, SEC_COMMIT | PAGE_READWRITE, 0, 0x1000, n);
    cr_assert_not_null(a);
    EXPECT_ERR(ERROR_SUCCESS);
    char *wa = map_ok(a, FILE_MAP_WRITE, 0, 0);
    strcpy(wa, "first object");
    /* Another size and protection: the existing object, with its current size. */
    SetLastError(SENTINEL);
    HANDLE b = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, SEC_COMMIT | PAGE_READONLY, 0, 0x3000, n);
    cr_assert_not_null(b);
    EXPECT_ERR(ERROR_ALREADY_EXISTS);
    cr_assert_neq(a, b);
    char *rb = map_ok(b, FILE_MAP_READ, 0, 0);
    cr_assert_str_eq(rb, "first object");
    cr_assert_eq(tu_query(rb).RegionSize, 0x1000, "the existing size");
    MAP_FAILS(ERROR_ACCESS_DENIED, b, FILE_MAP_READ, 0, 0x2000);
    strcpy(wa, "shared");
    cr_assert_str_eq(rb, "shared");
    UnmapViewOfFile(wa), UnmapViewOfFile(rb);
    CloseHandle(a), CloseHandle(b);
}

Test(section_rules, name_of_another_object_type_gives_invalid_handle)
{
    /* Events, mutexes, ... share the sections' namespace.  winvm has no other named object
     * yet, so the test plants one: a file at the name's place that is not a section (wrong
     * header), held (shared flock) as a live object would be. */
    const char *n = nm("other-type");
    char path[600];
    int k = snprintf(path, sizeof(path), "/dev/shm/winvm-%u", (unsigned)getuid());
    mkdir(path, 0700); /* the namespace's directory (ob/namespace.c), there already or not */
    path[k++] = '/';
    for (const char *c = n; *c; c++)
        k += snprintf(path + k, sizeof(path) - (size_t)k, "%02x", (unsigned char)*c);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    cr_assert(fd >= 0, "cannot plant %s", path);
    char junk[64] = "an event, say";
    cr_assert_eq(pwrite(fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
    cr_assert_eq(flock(fd, LOCK_SH), 0);
    CFM_FAILS(ERROR_INVALID_HANDLE, INVALID_HANDLE_VALUE, PAGE_READWRITE, PAGE, n);
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, n));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "the other object's name was removed");
    unlink(path);
    close(fd);
}

Test(section_rules, missing_name_gives_file_not_found)
{
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, nm("never-created")));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, nm("never-created")));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
}

Test(section_rules, names_are_case_sensitive)
{
    char lower[128], upper[128];
    snprintf(lower, sizeof(lower), "%s", nm("case-name"));
    snprintf(upper, sizeof(upper), "%s", nm("CASE-NAME"));
    HANDLE a = named(PAGE_READWRITE, PAGE, lower);
    EXPECT_ERR(ERROR_SUCCESS);
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, upper));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    SetLastError(SENTINEL);
    HANDLE b = named(PAGE_READWRITE, PAGE, upper);
    EXPECT_ERR(ERROR_SUCCESS); /* a new object, not the existing one */
    char *pa = map_ok(a, FILE_MAP_WRITE, 0, 0), *pb = map_ok(b, FILE_MAP_WRITE, 0, 0);
    strcpy(pa, "lower");
    cr_assert_eq(pb[0], 0, "two names in different case are one object");
    UnmapViewOfFile(pa), UnmapViewOfFile(pb);
    CloseHandle(a), CloseHandle(b);
}

Test(section_rules, local_and_global_prefixes)
{
    /* "Local\" works (Wine's test_MapViewOfFile) and, for a process of an interactive
     * session, names the same object as the bare name.  winvm's choice: "Global\" too (one
     * namespace per user). */
    char bare[128], local[160], global[160];
    snprintf(bare, sizeof(bare), "%s", nm("prefixed"));
    snprintf(local, sizeof(local), "Local\\%s", bare);
    snprintf(global, sizeof(global), "Global\\%s", bare);
    HANDLE a = named(PAGE_READWRITE, PAGE, local);
    EXPECT_ERR(ERROR_SUCCESS);
    HANDLE b = OpenFileMappingA(FILE_MAP_READ, FALSE, bare);
    cr_assert_not_null(b);
    HANDLE c = OpenFileMappingA(FILE_MAP_READ, FALSE, global);
    cr_assert_not_null(c);
    CloseHandle(a), CloseHandle(b), CloseHandle(c);
}

Test(section_rules, names_with_backslashes_are_paths_not_found)
{
    /* Another backslash names an object in a directory of \BaseNamedObjects that does not
     * exist: STATUS_OBJECT_PATH_NOT_FOUND, ERROR_PATH_NOT_FOUND (3), for create and open, as
     * Wine's test_MapViewOfFile records of NT4 ("Local\Foo" before "Local" existed).  A name
     * ending in the backslash names nothing: ERROR_INVALID_NAME. */
    CFM_FAILS(ERROR_PATH_NOT_FOUND, INVALID_HANDLE_VALUE, PAGE_READWRITE, PAGE, "winvm-rules-a\\b");
    CFM_FAILS(ERROR_PATH_NOT_FOUND, INVALID_HANDLE_VALUE, PAGE_READWRITE, PAGE, "Local\\x\\y");
    CFM_FAILS(ERROR_INVALID_NAME, INVALID_HANDLE_VALUE, PAGE_READWRITE, PAGE, "Local\\");
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, "winvm-rules-a\\b"));
    EXPECT_ERR(ERROR_PATH_NOT_FOUND);
}

Test(section_rules, name_length_limit)
{
    /* MAX_PATH (260) characters are allowed; longer is ERROR_FILENAME_EXCED_RANGE (206),
     * winvm's choice (Windows UNVERIFIED: 206 or 87). */
    char name[300];
    int k = snprintf(name, sizeof(name), "winvm-rules-%d-long-", (int)getpid());
    memset(name + k, 'n', 260 - (size_t)k);
    name[260] = 0;
    SetLastError(SENTINEL);
    HANDLE a = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, name);
    cr_assert_not_null(a, "a 260-character name: %u", GetLastError());
    EXPECT_ERR(ERROR_SUCCESS);
    HANDLE b = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    cr_assert_not_null(b, "opening a 260-character name: %u", GetLastError());
    char *pa = map_ok(a, FILE_MAP_WRITE, 0, 0), *pb = map_ok(b, FILE_MAP_READ, 0, 0);
    strcpy(pa, "long");
    cr_assert_str_eq(pb, "long");
    /* A different long name that shares the long prefix is another object. */
    name[259] = 'm';
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    name[259] = 'n';
    UnmapViewOfFile(pa), UnmapViewOfFile(pb);
    CloseHandle(a), CloseHandle(b);
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name), "the long name outlived its handles");
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    memset(name + 260, 'n', 1);
    name[261] = 0;
    CFM_FAILS(ERROR_FILENAME_EXCED_RANGE, INVALID_HANDLE_VALUE, PAGE_READWRITE, PAGE, name);
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
    EXPECT_ERR(ERROR_FILENAME_EXCED_RANGE);
}

Test(section_rules, name_dies_with_the_last_handle_even_with_views_mapped)
{
    const char *n = nm("lifetime");
    HANDLE a = named(PAGE_READWRITE, 0x100000, n);
    HANDLE b = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, n);
    cr_assert_not_null(b);
    HANDLE d;
    cr_assert(DuplicateHandle(GetCurrentProcess(), a, GetCurrentProcess(), &d, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
    char *v = map_ok(a, FILE_MAP_WRITE, 0, 0);
    strcpy(v, "old object");
    cr_assert(CloseHandle(a));
    cr_assert(CloseHandle(b));
    HANDLE still = OpenFileMappingA(FILE_MAP_READ, FALSE, n);
    cr_assert_not_null(still, "the duplicate still holds the name");
    CloseHandle(still);
    cr_assert(CloseHandle(d), "CloseHandle of a mapping handle with live views");
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, n));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    /* The view keeps the section alive: readable, writable, same query. */
    MEMORY_BASIC_INFORMATION m = tu_query(v);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Type, MEM_MAPPED);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 0x100000);
    cr_assert_not(IsBadReadPtr(v, 0x100000));
    cr_assert_str_eq(v, "old object");
    v[0xfffff] = 1;
    /* The name makes a new object now. */
    SetLastError(SENTINEL);
    HANDLE c = named(PAGE_READWRITE, PAGE, n);
    EXPECT_ERR(ERROR_SUCCESS);
    char *w = map_ok(c, FILE_MAP_READ, 0, 0);
    cr_assert_eq(w[0], 0, "the new object has the old one's bytes");
    UnmapViewOfFile(w);
    CloseHandle(c);
    cr_assert(UnmapViewOfFile(v));
}

Test(section_rules, file_backed_name_dies_with_the_last_handle)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    const char *n = nm("file-lifetime");
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, n);
    cr_assert_not_null(h, "%u", GetLastError());
    EXPECT_ERR(ERROR_SUCCESS);
    char *v = map_ok(h, FILE_MAP_WRITE, 0, 0);
    CloseHandle(h);
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, n));
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    v[1] = 'w';
    cr_assert_eq(file_byte(fd, 1), 'w', "the view outlived its handle and still writes the file");
    UnmapViewOfFile(v);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

/* ---- 4. OpenFileMapping and handle access ---- */

Test(section_rules, read_handle_cannot_map_for_write)
{
    const char *n = nm("open-read");
    HANDLE a = named(PAGE_READWRITE, PAGE, n);
    HANDLE r = OpenFileMappingA(FILE_MAP_READ, FALSE, n);
    cr_assert_not_null(r);
    MAP_FAILS(ERROR_ACCESS_DENIED, r, FILE_MAP_WRITE, 0, 0);
    MAP_FAILS(ERROR_ACCESS_DENIED, r, FILE_MAP_ALL_ACCESS, 0, 0);
    char *p = map_ok(r, FILE_MAP_READ, 0, 0);
    cr_assert_eq(tu_query(p).Protect, PAGE_READONLY);
    cr_assert_eq(tu_query(p).AllocationProtect, PAGE_READONLY);
    UnmapViewOfFile(p);
    p = map_ok(r, FILE_MAP_COPY, 0, 0);
    cr_assert_eq(tu_query(p).Protect, PAGE_WRITECOPY);
    UnmapViewOfFile(p);
    CloseHandle(r), CloseHandle(a);
}

Test(section_rules, write_handle_cannot_map_for_read)
{
    const char *n = nm("open-write");
    HANDLE a = named(PAGE_READWRITE, PAGE, n);
    HANDLE w = OpenFileMappingA(FILE_MAP_WRITE, FALSE, n);
    cr_assert_not_null(w);
    MAP_FAILS(ERROR_ACCESS_DENIED, w, FILE_MAP_READ, 0, 0);
    char *p = map_ok(w, FILE_MAP_WRITE, 0, 0);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
    UnmapViewOfFile(p);
    CloseHandle(w), CloseHandle(a);
}

Test(section_rules, open_with_copy_access_maps_copy_views)
{
    /* KB: OpenFileMapping(FILE_MAP_COPY) asks for SECTION_MAP_READ. */
    const char *n = nm("open-copy");
    HANDLE a = named(PAGE_READWRITE, PAGE, n);
    HANDLE c = OpenFileMappingA(FILE_MAP_COPY, FALSE, n);
    cr_assert_not_null(c);
    char *p = map_ok(c, FILE_MAP_COPY, 0, 0);
    cr_assert_eq(tu_query(p).Protect, PAGE_WRITECOPY);
    UnmapViewOfFile(p);
    p = map_ok(c, FILE_MAP_READ, 0, 0);
    UnmapViewOfFile(p);
    MAP_FAILS(ERROR_ACCESS_DENIED, c, FILE_MAP_WRITE, 0, 0);
    CloseHandle(c), CloseHandle(a);
}

Test(section_rules, duplicate_handle_with_less_access)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    cr_assert_not_null(h);
    HANDLE me = GetCurrentProcess(), d;
    char *p;

    cr_assert(DuplicateHandle(me, h, me, &d, FILE_MAP_READ | FILE_MAP_WRITE, FALSE, 0));
    p = map_ok(d, FILE_MAP_WRITE, 0, 0);
    UnmapViewOfFile(p);
    CloseHandle(d);

    cr_assert(DuplicateHandle(me, h, me, &d, FILE_MAP_READ, FALSE, 0));
    MAP_FAILS(ERROR_ACCESS_DENIED, d, FILE_MAP_WRITE, 0, 0);
    p = map_ok(d, 0, 0, 0);
    cr_assert_eq(tu_query(p).Protect, PAGE_NOACCESS);
    UnmapViewOfFile(p);
    CloseHandle(d);

    cr_assert(DuplicateHandle(me, h, me, &d, 0, FALSE, 0));
    MAP_FAILS(ERROR_ACCESS_DENIED, d, 0, 0, 0);
    MAP_FAILS(ERROR_ACCESS_DENIED, d, FILE_MAP_READ, 0, 0);
    CloseHandle(d);

    /* A duplicate of a reduced handle cannot get back what its source lacks. */
    HANDLE r, rr;
    cr_assert(DuplicateHandle(me, h, me, &r, FILE_MAP_READ, FALSE, 0));
    cr_assert(DuplicateHandle(me, r, me, &rr, FILE_MAP_ALL_ACCESS, FALSE, 0));
    MAP_FAILS(ERROR_ACCESS_DENIED, rr, FILE_MAP_WRITE, 0, 0);
    CloseHandle(rr), CloseHandle(r);

    /* DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE moves the handle. */
    cr_assert(DuplicateHandle(me, h, me, &d, 0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    SetLastError(SENTINEL);
    cr_assert_not(CloseHandle(h), "the source was not closed");
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    p = map_ok(d, FILE_MAP_WRITE, 0, 0);
    UnmapViewOfFile(p);
    CloseHandle(d);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, inaccessible_mapping_handle_refuses_every_view)
{
    /* test_mapping: a PAGE_READONLY section duplicated with access 0. */
    HANDLE h = anon(PAGE_READONLY, PAGE), d;
    cr_assert(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0, FALSE, 0));
    static const DWORD acc[] = {0, FILE_MAP_READ, FILE_MAP_COPY, FILE_MAP_WRITE, FILE_MAP_EXECUTE,
                                FILE_MAP_READ | FILE_MAP_EXECUTE};
    for (size_t i = 0; i < sizeof(acc) / sizeof(acc[0]); i++)
        MAP_FAILS(ERROR_ACCESS_DENIED, d, acc[i], 0, 0);
    CloseHandle(d), CloseHandle(h);
}

/* ---- 5. MapViewOfFile / MapViewOfFileEx ---- */

Test(section_rules, view_access_gives_initial_protection)
{
    static const struct { DWORD access, prot; } t[] = {
        {0, PAGE_NOACCESS},
        {FILE_MAP_COPY, PAGE_WRITECOPY},
        {FILE_MAP_WRITE, PAGE_READWRITE},
        {FILE_MAP_WRITE | FILE_MAP_COPY, PAGE_READWRITE},
        {FILE_MAP_READ, PAGE_READONLY},
        {FILE_MAP_READ | FILE_MAP_COPY, PAGE_READONLY},
        {FILE_MAP_READ | FILE_MAP_WRITE, PAGE_READWRITE},
        {FILE_MAP_READ | FILE_MAP_WRITE | FILE_MAP_COPY, PAGE_READWRITE},
        {FILE_MAP_ALL_ACCESS, PAGE_READWRITE},
        {SECTION_MAP_EXECUTE, PAGE_NOACCESS},
        {SECTION_MAP_EXECUTE | FILE_MAP_READ, PAGE_READONLY},
        /* copy beside any right but FILE_MAP_EXECUTE is not a copy view (rows 0x09, 0x29) */
        {SECTION_MAP_EXECUTE | FILE_MAP_COPY, PAGE_NOACCESS},
        {FILE_MAP_EXECUTE | SECTION_MAP_EXECUTE | FILE_MAP_COPY, PAGE_NOACCESS},
        {FILE_MAP_EXECUTE, PAGE_NOACCESS},
        {FILE_MAP_EXECUTE | FILE_MAP_COPY, PAGE_EXECUTE_WRITECOPY},
        {FILE_MAP_EXECUTE | FILE_MAP_WRITE, PAGE_EXECUTE_READWRITE},
        {FILE_MAP_EXECUTE | FILE_MAP_READ, PAGE_EXECUTE_READ},
        {FILE_MAP_EXECUTE | FILE_MAP_READ | FILE_MAP_COPY, PAGE_EXECUTE_READ},
    };
    HANDLE h = anon(PAGE_EXECUTE_READWRITE, 2 * PAGE);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char *p = MapViewOfFile(h, t[i].access, 0, 0, 0);
        cr_assert_not_null(p, "access %#x: %u", t[i].access, GetLastError());
        MEMORY_BASIC_INFORMATION m = tu_query(p);
        cr_assert_eq(m.Protect, t[i].prot, "access %#x: Protect %#x, want %#x", t[i].access,
                     m.Protect, t[i].prot);
        cr_assert_eq(m.AllocationProtect, t[i].prot, "access %#x: AllocationProtect %#x",
                     t[i].access, m.AllocationProtect);
        cr_assert_eq(m.Type, MEM_MAPPED);
        cr_assert_eq(m.State, MEM_COMMIT);
        cr_assert_eq(m.RegionSize, 2 * PAGE);
        cr_assert_eq(tu_host_prot(p), tu_host_of(t[i].prot) |
                                          ((t[i].prot & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY))
                                               ? (t[i].prot == PAGE_WRITECOPY ? 3 : 7) : 0),
                     "access %#x: host protection", t[i].access);
        cr_assert(UnmapViewOfFile(p));
    }
    CloseHandle(h);
}

Test(section_rules, view_needing_more_than_the_section_is_denied)
{
    static const struct { DWORD section; DWORD allowed[8]; DWORD denied[8]; } t[] = {
        {PAGE_READONLY, {FILE_MAP_READ, FILE_MAP_COPY, 0},
         {FILE_MAP_WRITE, FILE_MAP_EXECUTE | FILE_MAP_READ, FILE_MAP_EXECUTE | FILE_MAP_COPY,
          FILE_MAP_ALL_ACCESS, FILE_MAP_EXECUTE}},
        {PAGE_WRITECOPY, {FILE_MAP_READ, FILE_MAP_COPY, 0},
         {FILE_MAP_WRITE, FILE_MAP_EXECUTE | FILE_MAP_READ, FILE_MAP_EXECUTE}},
        {PAGE_READWRITE, {FILE_MAP_READ, FILE_MAP_COPY, FILE_MAP_WRITE, 0},
         {FILE_MAP_EXECUTE | FILE_MAP_READ, FILE_MAP_EXECUTE | FILE_MAP_WRITE,
          FILE_MAP_EXECUTE | FILE_MAP_COPY, FILE_MAP_EXECUTE}},
        {PAGE_EXECUTE_READ, {FILE_MAP_READ, FILE_MAP_COPY, FILE_MAP_EXECUTE | FILE_MAP_READ,
                             FILE_MAP_EXECUTE | FILE_MAP_COPY, 0},
         {FILE_MAP_WRITE, FILE_MAP_EXECUTE | FILE_MAP_WRITE}},
        {PAGE_EXECUTE_WRITECOPY, {FILE_MAP_READ, FILE_MAP_COPY, FILE_MAP_EXECUTE | FILE_MAP_READ,
                                  FILE_MAP_EXECUTE | FILE_MAP_COPY, 0},
         {FILE_MAP_WRITE, FILE_MAP_EXECUTE | FILE_MAP_WRITE}},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        HANDLE h = anon(t[i].section, PAGE);
        for (size_t j = 0; j < 8 && (j == 0 || t[i].allowed[j]); j++) {
            char *p = MapViewOfFile(h, t[i].allowed[j], 0, 0, 0);
            cr_assert_not_null(p, "section %#x, access %#x: %u", t[i].section, t[i].allowed[j],
                               GetLastError());
            UnmapViewOfFile(p);
            if (!t[i].allowed[j])
                break;
        }
        for (size_t j = 0; j < 8 && t[i].denied[j]; j++)
            MAP_FAILS(ERROR_ACCESS_DENIED, h, t[i].denied[j], 0, 0);
        CloseHandle(h);
    }
}

Test(section_rules, offset_must_be_64k_aligned)
{
    HANDLE h = anon(PAGE_READWRITE, 4 * GRAN);
    MAP_FAILS(ERROR_MAPPED_ALIGNMENT, h, FILE_MAP_READ, 1, 0);
    MAP_FAILS(ERROR_MAPPED_ALIGNMENT, h, FILE_MAP_READ, PAGE, PAGE);
    MAP_FAILS(ERROR_MAPPED_ALIGNMENT, h, FILE_MAP_READ, GRAN + PAGE, 0);
    char *p = map_ok(h, FILE_MAP_WRITE, GRAN, 0);
    MEMORY_BASIC_INFORMATION m = tu_query(p);
    cr_assert_eq(m.RegionSize, 3 * GRAN, "size 0 maps from the offset to the end");
    char *q = map_ok(h, FILE_MAP_READ, 0, 0);
    strcpy(p, "at 64K");
    cr_assert_str_eq(q + GRAN, "at 64K");
    UnmapViewOfFile(p), UnmapViewOfFile(q);
    CloseHandle(h);
}

Test(section_rules, view_size_past_the_section_end_is_access_denied)
{
    HANDLE h = anon(PAGE_READWRITE, 2 * GRAN);
    MAP_FAILS(ERROR_ACCESS_DENIED, h, FILE_MAP_READ, 0, 2 * GRAN + 1);
    MAP_FAILS(ERROR_ACCESS_DENIED, h, FILE_MAP_READ, GRAN, GRAN + PAGE);
    /* offset at the end with a nonzero size */
    MAP_FAILS(ERROR_ACCESS_DENIED, h, FILE_MAP_READ, 2 * GRAN, 1);
    char *p = map_ok(h, FILE_MAP_READ, GRAN, GRAN);
    UnmapViewOfFile(p);
    CloseHandle(h);
    /* the file-backed case of test_MapViewOfFile: 0x3452 bytes ok, 0x3453 not */
    char path[128];
    int fd = scratch_file(path, sizeof(path), 0x3452);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ);
    h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    cr_assert_not_null(h);
    p = map_ok(h, FILE_MAP_READ, 0, 0x3452);
    UnmapViewOfFile(p);
    MAP_FAILS(ERROR_ACCESS_DENIED, h, FILE_MAP_READ, 0, 0x3453);
    CloseHandle(h), CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, offset_past_the_end_with_size_zero_is_invalid_parameter)
{
    /* Wine's implementation: offset >= section size, size 0 -> STATUS_INVALID_PARAMETER
     * (UNVERIFIED on Windows). */
    HANDLE h = anon(PAGE_READWRITE, 2 * GRAN);
    MAP_FAILS(ERROR_INVALID_PARAMETER, h, FILE_MAP_READ, 2 * GRAN, 0);
    MAP_FAILS(ERROR_INVALID_PARAMETER, h, FILE_MAP_READ, 5 * GRAN, 0);
    CloseHandle(h);
}

Test(section_rules, map_view_ex_base_must_be_64k_aligned)
{
    HANDLE h = anon(PAGE_READWRITE, GRAN);
    char *free_at = tu_free_range(GRAN);
    static const uintptr_t off[] = {42, 0x1000, 0x8000};
    for (size_t i = 0; i < 3; i++) {
        SetLastError(SENTINEL);
        cr_assert_null(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0, free_at + off[i]));
        EXPECT_ERR(ERROR_MAPPED_ALIGNMENT);
    }
    cr_assert_eq(tu_query(free_at).State, MEM_FREE, "a refused view left something mapped");
    char *p = MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0, free_at);
    cr_assert_eq(p, free_at, "an aligned free base: %u", GetLastError());
    cr_assert_eq(tu_query(p).AllocationBase, free_at);
    UnmapViewOfFile(p);
    CloseHandle(h);
}

Test(section_rules, map_view_ex_base_in_use_is_invalid_address)
{
    HANDLE h = anon(PAGE_READWRITE, GRAN);
    char *v = map_ok(h, FILE_MAP_READ, 0, 0);
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0, v));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    char *priv = VirtualAlloc(NULL, 2 * GRAN, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(priv);
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0, priv + GRAN));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    cr_assert_eq(tu_query(priv).Type, MEM_PRIVATE, "the reservation changed");
    cr_assert_eq(tu_query(priv).RegionSize, 2 * GRAN);
    VirtualFree(priv, 0, MEM_RELEASE);
    UnmapViewOfFile(v);
    CloseHandle(h);
}

Test(section_rules, two_views_are_distinct_and_share_writes)
{
    HANDLE h = anon(PAGE_READWRITE, 3 * PAGE);
    char *a = map_ok(h, FILE_MAP_WRITE, 0, 0), *b = map_ok(h, FILE_MAP_WRITE, 0, 0);
    cr_assert_neq(a, b);
    cr_assert_eq((uintptr_t)a % GRAN, 0);
    cr_assert_eq((uintptr_t)b % GRAN, 0);
    a[2 * PAGE + 7] = 'x';
    cr_assert_eq(b[2 * PAGE + 7], 'x');
    UnmapViewOfFile(a), UnmapViewOfFile(b);
    CloseHandle(h);
}

Test(section_rules, map_view_bad_handle)
{
    MAP_FAILS(ERROR_INVALID_HANDLE, NULL, FILE_MAP_READ, 0, 0);
    MAP_FAILS(ERROR_INVALID_HANDLE, INVALID_HANDLE_VALUE, FILE_MAP_READ, 0, 0);
    char path[128];
    int fd = scratch_file(path, sizeof(path), (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ);
    MAP_FAILS(ERROR_INVALID_HANDLE, f, FILE_MAP_READ, 0, 0); /* a file, not a section */
    CloseHandle(f);
    close(fd);
    unlink(path);
    HANDLE h = anon(PAGE_READWRITE, PAGE);
    CloseHandle(h);
    MAP_FAILS(ERROR_INVALID_HANDLE, h, FILE_MAP_READ, 0, 0);
}

/* ---- 6/7. VirtualProtect, VirtualAlloc, VirtualFree on views ---- */

/* Access class: NOACCESS {}, READONLY/WRITECOPY R, READWRITE RW, EXECUTE* X-classes RX,
 * EXECUTE_READWRITE RWX. */
static unsigned prot_class(DWORD p)
{
    switch (p) {
    case PAGE_NOACCESS: return 0;
    case PAGE_READONLY: case PAGE_WRITECOPY: return 1;
    case PAGE_READWRITE: return 3;
    case PAGE_EXECUTE: case PAGE_EXECUTE_READ: case PAGE_EXECUTE_WRITECOPY: return 5;
    default: return 7;
    }
}

Test(section_rules, virtual_protect_targets_per_view_protection)
{
    static const struct { DWORD access, prot; } views[] = {
        {0, PAGE_NOACCESS},
        {FILE_MAP_READ, PAGE_READONLY},
        {FILE_MAP_COPY, PAGE_WRITECOPY},
        {FILE_MAP_WRITE, PAGE_READWRITE},
        {FILE_MAP_EXECUTE | FILE_MAP_READ, PAGE_EXECUTE_READ},
        {FILE_MAP_EXECUTE | FILE_MAP_COPY, PAGE_EXECUTE_WRITECOPY},
        {FILE_MAP_EXECUTE | FILE_MAP_WRITE, PAGE_EXECUTE_READWRITE},
    };
    HANDLE h = anon(PAGE_EXECUTE_READWRITE, 2 * PAGE);
    for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
        for (int t = 0; t < 8; t++) {
            DWORD target = tu_bases[t];
            char *p = map_ok(h, views[i].access, 0, 0);
            bool allowed = (prot_class(target) & ~prot_class(views[i].prot)) == 0;
            DWORD old = SENTINEL;
            SetLastError(SENTINEL);
            BOOL r = VirtualProtect(p, PAGE, target, &old);
            if (allowed) {
                cr_assert(r, "view %#x -> %#x refused: %u", views[i].prot, target, GetLastError());
                cr_assert_eq(old, views[i].prot);
                cr_assert_eq(tu_query(p).Protect, target, "view %#x -> %#x", views[i].prot, target);
                cr_assert_eq(tu_query(p).RegionSize, target == views[i].prot ? 2 * PAGE : PAGE);
                cr_assert_eq(tu_query(p + PAGE).Protect, views[i].prot);
                cr_assert_eq(tu_query(p).AllocationProtect, views[i].prot);
            } else {
                cr_assert_not(r, "view %#x -> %#x allowed", views[i].prot, target);
                EXPECT_ERR(ERROR_INVALID_PARAMETER);
                cr_assert_eq(tu_query(p).Protect, views[i].prot);
                cr_assert_eq(tu_query(p).RegionSize, 2 * PAGE);
            }
            cr_assert(UnmapViewOfFile(p));
        }
    }
    CloseHandle(h);
}

Test(section_rules, virtual_protect_on_rwx_view_goes_back_and_forth)
{
    HANDLE h = anon(PAGE_EXECUTE_READWRITE, PAGE);
    char *p = map_ok(h, FILE_MAP_EXECUTE | FILE_MAP_WRITE, 0, 0);
    DWORD old;
    cr_assert(VirtualProtect(p, PAGE, PAGE_NOACCESS, &old));
    cr_assert_eq(old, PAGE_EXECUTE_READWRITE);
    for (int t = 0; t < 8; t++) {
        cr_assert(VirtualProtect(p, PAGE, tu_bases[t], &old), "-> %#x", tu_bases[t]);
        cr_assert_eq(tu_query(p).Protect, tu_bases[t]);
    }
    UnmapViewOfFile(p);
    CloseHandle(h);
}

Test(section_rules, read_view_of_file_protection_allows_only_read_and_writecopy)
{
    /* test_CreateFileMapping_protection: a FILE_MAP_READ view of a file section. */
    char path[128];
    int fd = scratch_file(path, sizeof(path), (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    cr_assert_not_null(h);
    char *p = map_ok(h, FILE_MAP_READ, 0, 0);
    for (int t = 0; t < 8; t++) {
        DWORD old;
        if (tu_bases[t] == PAGE_READONLY || tu_bases[t] == PAGE_WRITECOPY || tu_bases[t] == PAGE_NOACCESS)
            cr_assert(VirtualProtect(p, PAGE, tu_bases[t], &old));
        else
            PROTECT_FAILS(ERROR_INVALID_PARAMETER, p, PAGE, tu_bases[t]);
    }
    UnmapViewOfFile(p);
    CloseHandle(h), CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, virtual_alloc_commit_on_a_file_view_is_access_denied)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 2 * (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    char *p = map_ok(h, FILE_MAP_WRITE, 0, 0);
    struct tu_snap a, b;
    tu_take(&a, p, 2);
    for (int t = 0; t < 8; t++)
        ALLOC_FAILS(ERROR_ACCESS_DENIED, p, PAGE, MEM_COMMIT, tu_bases[t] == PAGE_WRITECOPY ||
                    tu_bases[t] == PAGE_EXECUTE_WRITECOPY ? PAGE_READONLY : tu_bases[t]);
    ALLOC_FAILS(ERROR_ACCESS_DENIED, p + PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE);
    tu_take(&b, p, 2);
    tu_same(&a, &b, 2);
    UnmapViewOfFile(p);
    CloseHandle(h), CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, virtual_free_on_a_view_is_invalid_parameter)
{
    HANDLE h = anon(PAGE_READWRITE, 2 * GRAN);
    char *p = map_ok(h, FILE_MAP_WRITE, 0, 0);
    p[0] = 'k';
    struct tu_snap a, b;
    tu_take(&a, p, 4);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, 0, MEM_RELEASE);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, 0x10000, MEM_DECOMMIT);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, PAGE, MEM_DECOMMIT);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p + PAGE, PAGE, MEM_DECOMMIT);
    tu_take(&b, p, 4);
    tu_same(&a, &b, 4);
    cr_assert_eq(p[0], 'k');
    UnmapViewOfFile(p);
    CloseHandle(h);
}

/* ---- 8. UnmapViewOfFile, CloseHandle ---- */

Test(section_rules, unmap_with_an_address_inside_the_view)
{
    HANDLE h = anon(PAGE_READWRITE, 3 * PAGE);
    static const size_t at[] = {100, PAGE, PAGE + 100, 3 * PAGE - 1};
    for (size_t i = 0; i < 4; i++) {
        char *p = map_ok(h, FILE_MAP_WRITE, 0, 0);
        cr_assert(UnmapViewOfFile(p + at[i]), "UnmapViewOfFile(view + %#zx): %u", at[i], GetLastError());
        MEMORY_BASIC_INFORMATION m = tu_query(p);
        cr_assert_eq(m.State, MEM_FREE);
        cr_assert_eq(m.Protect, PAGE_NOACCESS);
        cr_assert_null(m.AllocationBase);
        cr_assert_eq(m.AllocationProtect, 0);
        cr_assert_eq(m.Type, 0);
        cr_assert_eq(tu_query(p + 2 * PAGE).State, MEM_FREE, "the whole view is unmapped");
        cr_assert(IsBadReadPtr(p, 1));
        cr_assert_eq(tu_host_prot(p), -1, "the host mapping is gone");
    }
    CloseHandle(h);
}

Test(section_rules, unmap_refuses_what_is_not_a_view)
{
    char *priv = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(priv);
    SetLastError(SENTINEL);
    cr_assert_not(UnmapViewOfFile(priv));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    SetLastError(SENTINEL);
    cr_assert_not(UnmapViewOfFile(priv + 3 * PAGE));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    cr_assert_eq(tu_query(priv).Type, MEM_PRIVATE);
    VirtualFree(priv, 0, MEM_RELEASE);
    SetLastError(SENTINEL);
    cr_assert_not(UnmapViewOfFile((void *)(uintptr_t)0xdeadbeef));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    /* NULL and a view unmapped twice: STATUS_NOT_MAPPED_VIEW -> 487 (UNVERIFIED). */
    SetLastError(SENTINEL);
    cr_assert_not(UnmapViewOfFile(NULL));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    HANDLE h = anon(PAGE_READWRITE, PAGE);
    char *p = map_ok(h, FILE_MAP_READ, 0, 0);
    cr_assert(UnmapViewOfFile(p));
    SetLastError(SENTINEL);
    cr_assert_not(UnmapViewOfFile(p));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    CloseHandle(h);
}

Test(section_rules, close_handle_invalid)
{
    static const uintptr_t bad[] = {0, (uintptr_t)-7, 1, 0x1234, 0x7ffc, 0x100000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_not(CloseHandle((HANDLE)bad[i]), "CloseHandle(%#zx)", (size_t)bad[i]);
        EXPECT_ERR(ERROR_INVALID_HANDLE);
    }
    /* The pseudo handles ~0 to ~5 close successfully (Windows 10) and stay usable. */
    for (uintptr_t k = 0; k <= 5; k++) {
        SetLastError(SENTINEL);
        cr_assert(CloseHandle((HANDLE)~k), "CloseHandle(~%zu)", (size_t)k);
        EXPECT_ERR(SENTINEL);
    }
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQueryEx(GetCurrentProcess(), &m, &m, sizeof(m)), sizeof(m));
    HANDLE h = anon(PAGE_READWRITE, PAGE);
    cr_assert(CloseHandle(h));
    SetLastError(SENTINEL);
    cr_assert_not(CloseHandle(h), "closed twice");
    EXPECT_ERR(ERROR_INVALID_HANDLE);
}

/* ---- file-backed sections ---- */

static void write_view_reaches_file(HANDLE f, int fd)
{
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    cr_assert_not_null(h, "%u", GetLastError());
    char *p = map_ok(h, FILE_MAP_WRITE, 0, 0);
    cr_assert_eq(p[PAGE + 5], 'f');
    memcpy(p + PAGE + 5, "through", 7);
    char buf[8] = {0};
    cr_assert_eq(pread(fd, buf, 7, (off_t)PAGE + 5), 7);
    cr_assert_str_eq(buf, "through", "a FILE_MAP_WRITE write did not reach the file");
    cr_assert(FlushViewOfFile(p, 0));
    /* and the file's writes reach the view */
    cr_assert_eq(pwrite(fd, "back", 4, 9), 4);
    cr_assert_eq(memcmp(p + 9, "back", 4), 0);
    UnmapViewOfFile(p);
    CloseHandle(h);
}

Test(section_rules, file_write_view_via_create_file)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 2 * (off_t)PAGE);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                           NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE, "%u", GetLastError());
    write_view_reaches_file(f, fd);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, file_write_view_via_fd)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 2 * (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    write_view_reaches_file(f, fd);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, file_handle_outlives_its_descriptor_and_closing_it)
{
    /* winvm_handle_from_fd duplicates the descriptor; a section keeps the file after the
     * file handle closes. */
    char path[128];
    int fd = scratch_file(path, sizeof(path), (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    CloseHandle(f);
    char *p = map_ok(h, FILE_MAP_WRITE, 0, 0);
    p[3] = 'z';
    cr_assert_eq(file_byte(fd, 3), 'z');
    UnmapViewOfFile(p);
    CloseHandle(h);
    close(fd);
    unlink(path);
}

Test(section_rules, file_copy_view_writes_never_reach_the_file)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 3 * (off_t)PAGE);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    cr_assert_not_null(h);
    char *w = map_ok(h, FILE_MAP_WRITE, 0, 0);
    char *c = map_ok(h, FILE_MAP_COPY, 0, 0);
    c[PAGE] = 'c';
    cr_assert_eq(file_byte(fd, (off_t)PAGE), 'f', "a copy-view write reached the file");
    cr_assert_eq(w[PAGE], 'f', "a copy-view write reached another view");
    cr_assert(FlushViewOfFile(c, 0));
    cr_assert_eq(file_byte(fd, (off_t)PAGE), 'f', "flushing a copy view wrote the file");
    cr_assert_eq(tu_query(c + PAGE).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_query(c).Protect, PAGE_WRITECOPY);
    UnmapViewOfFile(c);
    cr_assert_eq(file_byte(fd, (off_t)PAGE), 'f', "unmapping a copy view wrote the file");
    UnmapViewOfFile(w);
    CloseHandle(h);
    /* A WRITECOPY section on a read-only file handle. */
    HANDLE r = winvm_handle_from_fd(fd, GENERIC_READ);
    h = CreateFileMappingA(r, NULL, PAGE_WRITECOPY, 0, 0, NULL);
    cr_assert_not_null(h);
    MAP_FAILS(ERROR_ACCESS_DENIED, h, FILE_MAP_WRITE, 0, 0);
    c = map_ok(h, FILE_MAP_COPY, 0, 0);
    cr_assert_eq(tu_query(c).Protect, PAGE_WRITECOPY);
    c[2 * PAGE] = 'c';
    cr_assert_eq(c[2 * PAGE], 'c');
    cr_assert_eq(file_byte(fd, 2 * (off_t)PAGE), 'f');
    UnmapViewOfFile(c);
    CloseHandle(h), CloseHandle(r), CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, file_write_view_turned_writecopy_never_reaches_the_file)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 3 * (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    char *w = map_ok(h, FILE_MAP_WRITE, 0, 0);
    w[0] = 'A'; /* written through first: the file has it */
    cr_assert_eq(file_byte(fd, 0), 'A');
    DWORD old;
    cr_assert(VirtualProtect(w, 2 * PAGE, PAGE_WRITECOPY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert_eq(w[0], 'A', "turning write-copy lost the bytes");
    w[1] = 'B';
    w[PAGE] = 'C';
    cr_assert(FlushViewOfFile(w, 0));
    cr_assert_eq(file_byte(fd, 1), 'f', "a write-copy write reached the file");
    cr_assert_eq(file_byte(fd, (off_t)PAGE), 'f', "a write-copy write reached the file");
    cr_assert_eq(tu_query(w).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_query(w).RegionSize, 2 * PAGE);
    /* The third page was not turned: still shared with the file. */
    w[2 * PAGE] = 'D';
    cr_assert_eq(file_byte(fd, 2 * (off_t)PAGE), 'D');
    cr_assert_eq(tu_query(w + 2 * PAGE).Protect, PAGE_READWRITE);
    /* Protecting the copy back to READWRITE keeps it private. */
    cr_assert(VirtualProtect(w, PAGE, PAGE_READWRITE, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    w[2] = 'E';
    cr_assert_eq(file_byte(fd, 2), 'f', "a copied page wrote through after VirtualProtect");
    UnmapViewOfFile(w);
    cr_assert_eq(file_byte(fd, 1), 'f');
    CloseHandle(h), CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(section_rules, flush_view_of_file)
{
    char path[128];
    int fd = scratch_file(path, sizeof(path), 3 * (off_t)PAGE);
    HANDLE f = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_WRITE);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    char *w = map_ok(h, FILE_MAP_WRITE, 0, 0);
    w[PAGE + 1] = 'x';
    cr_assert(FlushViewOfFile(w, 0), "size 0: the whole view");
    cr_assert(FlushViewOfFile(w + PAGE + 1, 1), "an unaligned address inside the view");
    cr_assert(FlushViewOfFile(w + PAGE, 100 * PAGE), "a size past the view is capped");
    cr_assert(FlushViewOfFile(w + 3 * PAGE - 1, 0));
    cr_assert_eq(file_byte(fd, (off_t)PAGE + 1), 'x');
    /* Windows: STATUS_NOT_MAPPED_DATA -> 487 (UNVERIFIED); winvm: 487 for private memory
     * and free space. */
    char *priv = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    SetLastError(SENTINEL);
    cr_assert_not(FlushViewOfFile(priv, 0));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    VirtualFree(priv, 0, MEM_RELEASE);
    UnmapViewOfFile(w);
    SetLastError(SENTINEL);
    cr_assert_not(FlushViewOfFile(w, 0));
    EXPECT_ERR(ERROR_INVALID_ADDRESS);
    /* An anonymous section's view flushes too. */
    HANDLE a = anon(PAGE_READWRITE, PAGE);
    char *p = map_ok(a, FILE_MAP_WRITE, 0, 0);
    cr_assert(FlushViewOfFile(p, 0));
    UnmapViewOfFile(p);
    CloseHandle(a);
    CloseHandle(h), CloseHandle(f);
    close(fd);
    unlink(path);
}

/* ---- VirtualQuery of views ---- */

Test(section_rules, query_fields_of_a_view)
{
    HANDLE h = anon(PAGE_READWRITE, 4 * PAGE);
    char *p = map_ok(h, FILE_MAP_WRITE, 0, 0);
    MEMORY_BASIC_INFORMATION m = tu_query(p + PAGE + 5);
    cr_assert_eq(m.BaseAddress, p + PAGE);
    cr_assert_eq(m.AllocationBase, p);
    cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 3 * PAGE);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.Type, MEM_MAPPED);
    /* runs: RW | RO | WRITECOPY | RW */
    DWORD old;
    cr_assert(VirtualProtect(p + PAGE, PAGE, PAGE_READONLY, &old));
    cr_assert(VirtualProtect(p + 2 * PAGE, PAGE, PAGE_WRITECOPY, &old));
    static const DWORD want[4] = {PAGE_READWRITE, PAGE_READONLY, PAGE_WRITECOPY, PAGE_READWRITE};
    for (int i = 0; i < 4; i++) {
        m = tu_query(p + i * PAGE);
        cr_assert_eq(m.Protect, want[i], "page %d", i);
        cr_assert_eq(m.RegionSize, PAGE, "page %d", i);
        cr_assert_eq(m.AllocationProtect, PAGE_READWRITE);
        cr_assert_eq(m.AllocationBase, p);
        cr_assert_eq(m.Type, MEM_MAPPED);
    }
    /* after the view: not part of it */
    m = tu_query(p + 4 * PAGE);
    cr_assert_neq(m.AllocationBase, p);
    UnmapViewOfFile(p);
    CloseHandle(h);
}

Test(section_rules, copied_pages_read_readwrite_among_writecopy_neighbours)
{
    HANDLE h = anon(PAGE_READWRITE, 8 * PAGE);
    char *c = map_ok(h, FILE_MAP_COPY, 0, 0);
    c[2 * PAGE] = 1;
    c[5 * PAGE + 9] = 1;
    c[6 * PAGE] = 1;
    (void)*(volatile char *)(c + 3 * PAGE); /* a read copies nothing */
    static const struct { int page; DWORD prot; SIZE_T run; } want[] = {
        {0, PAGE_WRITECOPY, 2}, {2, PAGE_READWRITE, 1}, {3, PAGE_WRITECOPY, 2},
        {5, PAGE_READWRITE, 2}, {7, PAGE_WRITECOPY, 1},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        MEMORY_BASIC_INFORMATION m = tu_query(c + want[i].page * PAGE);
        cr_assert_eq(m.Protect, want[i].prot, "page %d: %#x", want[i].page, m.Protect);
        cr_assert_eq(m.RegionSize, want[i].run * PAGE, "page %d: run %#zx", want[i].page,
                     (size_t)m.RegionSize);
        cr_assert_eq(m.AllocationProtect, PAGE_WRITECOPY);
        cr_assert_eq(m.Type, MEM_MAPPED);
    }
    /* VirtualProtect returns the copied protection as the old one */
    DWORD old;
    cr_assert(VirtualProtect(c + 5 * PAGE, PAGE, PAGE_WRITECOPY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert(VirtualProtect(c + 4 * PAGE, PAGE, PAGE_READONLY, &old));
    cr_assert_eq(old, PAGE_WRITECOPY);
    UnmapViewOfFile(c);
    CloseHandle(h);
}

Test(section_rules, execute_writecopy_view_written_page_is_execute_readwrite)
{
    HANDLE h = anon(PAGE_EXECUTE_READWRITE, 3 * PAGE);
    char *w = map_ok(h, FILE_MAP_WRITE, 0, 0);
    char *x = map_ok(h, FILE_MAP_EXECUTE | FILE_MAP_COPY, 0, 0);
    MEMORY_BASIC_INFORMATION m = tu_query(x);
    cr_assert_eq(m.Protect, PAGE_EXECUTE_WRITECOPY);
    cr_assert_eq(m.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
    cr_assert_eq(m.RegionSize, 3 * PAGE);
    x[PAGE] = 'x';
    cr_assert_eq(w[PAGE], 0, "an execute-write-copy write reached the section");
    m = tu_query(x + PAGE);
    cr_assert_eq(m.Protect, PAGE_EXECUTE_READWRITE);
    cr_assert_eq(m.RegionSize, PAGE);
    cr_assert_eq(m.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
    cr_assert_eq(tu_query(x).Protect, PAGE_EXECUTE_WRITECOPY);
    cr_assert_eq(tu_query(x + 2 * PAGE).Protect, PAGE_EXECUTE_WRITECOPY);
    DWORD old;
    cr_assert(VirtualProtect(x + PAGE, PAGE, PAGE_EXECUTE_WRITECOPY, &old));
    cr_assert_eq(old, PAGE_EXECUTE_READWRITE);
    cr_assert_eq(tu_query(x + PAGE).Protect, PAGE_EXECUTE_READWRITE, "a copy stays a copy");
    UnmapViewOfFile(x), UnmapViewOfFile(w);
    /* the same on a PAGE_EXECUTE_WRITECOPY section */
    h = (CloseHandle(h), anon(PAGE_EXECUTE_WRITECOPY, PAGE));
    x = map_ok(h, FILE_MAP_EXECUTE | FILE_MAP_COPY, 0, 0);
    cr_assert_eq(tu_query(x).Protect, PAGE_EXECUTE_WRITECOPY);
    x[0] = 1;
    cr_assert_eq(tu_query(x).Protect, PAGE_EXECUTE_READWRITE);
    UnmapViewOfFile(x);
    CloseHandle(h);
}
