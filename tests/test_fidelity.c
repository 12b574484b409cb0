/* SPDX-License-Identifier: MIT */
/* test_fidelity.c - the Windows facts of issue 14 that winvm got wrong, one test each: named
 * file-backed and image sections found by name, MEM_RESET on pagefile views, write-copy
 * commits on views, image view access, section flags and sizes Windows accepts or refuses,
 * the address space a program sees, and output pointers that are not writable.  Facts come
 * from Wine's conformance tests (kernel32 virtual.c, loader.c) as issue 14 records them. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define DLL WINVM_PE_IMAGES "/dep.dll"
#define ERROR_BAD_EXE_FORMAT 193L

static const char *nm(const char *suffix)
{
    static char buf[4][128];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof(buf[0]), "winvm-fid-%d-%s", (int)getpid(), suffix);
    return b;
}

/* A scratch file of size bytes of 'f', opened as a winvm handle with access. */
static HANDLE scratch(char *path, size_t cap, size_t size, DWORD access, int *fdp)
{
    snprintf(path, cap, "/tmp/winvm-fid-%d-XXXXXX", (int)getpid());
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    char *buf = malloc(size);
    memset(buf, 'f', size);
    cr_assert_eq(pwrite(fd, buf, size, 0), (ssize_t)size);
    free(buf);
    HANDLE f = winvm_handle_from_fd(fd, access);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    *fdp = fd;
    return f;
}

static off_t file_size_of(int fd)
{
    return lseek(fd, 0, SEEK_END);
}

static HANDLE dll_section(DWORD protect, const char *name)
{
    HANDLE f = CreateFileA(DLL, GENERIC_READ | GENERIC_EXECUTE, FILE_SHARE_READ, NULL,
                           OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE, "%s: %u", DLL, GetLastError());
    HANDLE s = CreateFileMappingA(f, NULL, protect | SEC_IMAGE, 0, 0, name);
    cr_assert_not_null(s, "SEC_IMAGE section of %s: %u", DLL, GetLastError());
    CloseHandle(f);
    return s;
}

/* ---- fact 4: a named file-backed section is found by name ---- */

Test(fidelity, named_file_section_opens_by_name_here)
{
    char path[128];
    int fd;
    HANDLE f = scratch(path, sizeof(path), 2 * PAGE, GENERIC_READ | GENERIC_WRITE, &fd);
    const char *n = nm("file");
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, n);
    cr_assert_not_null(h, "%u", GetLastError());
    SetLastError(SENTINEL);
    HANDLE o = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, n);
    cr_assert_not_null(o, "OpenFileMapping of a named file section: %u", GetLastError());
    char *v = MapViewOfFile(o, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(v, "%u", GetLastError());
    cr_assert_eq(v[PAGE + 5], 'f', "the view shows the file");
    v[7] = 'o';
    char c = 0;
    cr_assert_eq(pread(fd, &c, 1, 7), 1);
    cr_assert_eq(c, 'o', "the opened section writes the same file");
    /* CreateFileMapping of the name again (any file) gives the existing section. */
    SetLastError(SENTINEL);
    HANDLE again = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, n);
    cr_assert_not_null(again, "%u", GetLastError());
    EXPECT_ERR(ERROR_ALREADY_EXISTS);
    char *w = MapViewOfFile(again, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(w, "%u", GetLastError());
    cr_assert_eq(w[7], 'o');
    UnmapViewOfFile(w), UnmapViewOfFile(v);
    CloseHandle(again), CloseHandle(o), CloseHandle(h), CloseHandle(f);
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, n), "the name outlived its handles");
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    close(fd);
    unlink(path);
}

Test(fidelity, named_file_section_opens_by_name_in_another_process)
{
    char path[128];
    int fd;
    HANDLE f = scratch(path, sizeof(path), PAGE, GENERIC_READ | GENERIC_WRITE, &fd);
    const char *n = nm("file-proc");
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, n);
    cr_assert_not_null(h, "%u", GetLastError());
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE o = OpenFileMappingA(FILE_MAP_WRITE, FALSE, n);
        char *v = o ? MapViewOfFile(o, FILE_MAP_WRITE, 0, 0, 0) : NULL;
        if (!v)
            _exit(o ? 2 : 1);
        v[3] = 'c';
        _exit(v[0] == 'f' ? 0 : 3);
    }
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %d", WEXITSTATUS(st));
    char c = 0;
    cr_assert_eq(pread(fd, &c, 1, 3), 1);
    cr_assert_eq(c, 'c', "the other process's view wrote the file");
    CloseHandle(h), CloseHandle(f);
    close(fd);
    unlink(path);
}

/* ---- fact 5: MEM_RESET on pagefile views ---- */

Test(fidelity, mem_reset_on_pagefile_views)
{
    static const DWORD kinds[] = {SEC_COMMIT, SEC_RESERVE};
    for (size_t k = 0; k < 2; k++) {
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | kinds[k], 0,
                                      (DWORD)(4 * PAGE), NULL);
        cr_assert_not_null(h);
        char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
        cr_assert_not_null(v);
        if (kinds[k] == SEC_RESERVE)
            cr_assert_eq(VirtualAlloc(v, 4 * PAGE, MEM_COMMIT, PAGE_READWRITE), v);
        v[PAGE] = 1;
        SetLastError(SENTINEL);
        void *r = VirtualAlloc(v + PAGE, 2 * PAGE, MEM_RESET, PAGE_NOACCESS);
        cr_assert_eq(r, v + PAGE, "MEM_RESET on a %s view: %p, %u",
                     k ? "SEC_RESERVE" : "SEC_COMMIT", r, GetLastError());
        MEMORY_BASIC_INFORMATION m = tu_query(v + PAGE);
        cr_assert_eq(m.State, MEM_COMMIT);
        cr_assert_eq(m.Protect, PAGE_READWRITE);
        v[PAGE] = 2; /* still committed and writable */
        UnmapViewOfFile(v);
        CloseHandle(h);
    }
}

/* ---- fact 1: MEM_COMMIT with a write-copy protection on views ---- */

Test(fidelity, writecopy_commit_on_file_and_image_views_is_access_denied)
{
    char path[128];
    int fd;
    HANDLE f = scratch(path, sizeof(path), PAGE, GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE, &fd);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_EXECUTE_READWRITE, 0, 0, NULL);
    cr_assert_not_null(h, "%u", GetLastError());
    char *v = MapViewOfFile(h, FILE_MAP_WRITE | FILE_MAP_EXECUTE, 0, 0, 0);
    cr_assert_not_null(v, "%u", GetLastError());
    ALLOC_FAILS(ERROR_ACCESS_DENIED, v, PAGE, MEM_COMMIT, PAGE_WRITECOPY);
    ALLOC_FAILS(ERROR_ACCESS_DENIED, v, PAGE, MEM_COMMIT, PAGE_EXECUTE_WRITECOPY);
    cr_assert_eq(tu_query(v).Protect, PAGE_EXECUTE_READWRITE, "nothing changed");
    UnmapViewOfFile(v);
    CloseHandle(h), CloseHandle(f);
    close(fd);
    unlink(path);

    HANDLE s = dll_section(PAGE_EXECUTE_WRITECOPY, NULL);
    char *img = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(img, "%u", GetLastError());
    ALLOC_FAILS(ERROR_ACCESS_DENIED, img, PAGE, MEM_COMMIT, PAGE_WRITECOPY);
    ALLOC_FAILS(ERROR_ACCESS_DENIED, img, PAGE, MEM_COMMIT, PAGE_EXECUTE_WRITECOPY);
    UnmapViewOfFile(img);
    CloseHandle(s);
    /* Private memory never takes a write-copy protection. */
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
    ALLOC_FAILS(ERROR_INVALID_PARAMETER, p, PAGE, MEM_COMMIT, PAGE_WRITECOPY);
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(fidelity, writecopy_commit_on_pagefile_view_commits)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_EXECUTE_READWRITE | SEC_RESERVE,
                                  0, (DWORD)(2 * PAGE), NULL);
    cr_assert_not_null(h);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE | FILE_MAP_EXECUTE, 0, 0, 0);
    cr_assert_not_null(v, "%u", GetLastError());
    SetLastError(SENTINEL);
    cr_assert_eq(VirtualAlloc(v, PAGE, MEM_COMMIT, PAGE_WRITECOPY), v, "%u", GetLastError());
    cr_assert_eq(tu_query(v).State, MEM_COMMIT);
    cr_assert_eq(VirtualAlloc(v + PAGE, PAGE, MEM_COMMIT, PAGE_EXECUTE_WRITECOPY), v + PAGE,
                 "%u", GetLastError());
    v[0] = 1;
    UnmapViewOfFile(v);
    CloseHandle(h);
}

/* ---- fact 3: section flags Windows accepts ---- */

Test(fidelity, file_section_accepts_sec_reserve)
{
    char path[128];
    int fd;
    HANDLE f = scratch(path, sizeof(path), PAGE, GENERIC_READ | GENERIC_WRITE, &fd);
    SetLastError(SENTINEL);
    HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE | SEC_RESERVE, 0, 0, NULL);
    cr_assert_not_null(h, "SEC_RESERVE on a file: %u", GetLastError());
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(v);
    cr_assert_eq(tu_query(v).State, MEM_COMMIT, "a file's view is committed whole");
    cr_assert_eq(v[0], 'f');
    UnmapViewOfFile(v);
    CloseHandle(h), CloseHandle(f);
    close(fd);
    unlink(path);
}

Test(fidelity, named_image_section)
{
    const char *n = nm("image");
    HANDLE s = dll_section(PAGE_READONLY, n);
    HANDLE o = OpenFileMappingA(FILE_MAP_READ, FALSE, n);
    cr_assert_not_null(o, "OpenFileMapping of a named image section: %u", GetLastError());
    unsigned char *a = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    unsigned char *b = MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(a, "%u", GetLastError());
    cr_assert_not_null(b, "%u", GetLastError());
    cr_assert(a[0] == 'M' && a[1] == 'Z' && b[0] == 'M' && b[1] == 'Z');
    cr_assert_eq(tu_query(b).Type, MEM_IMAGE);
    UnmapViewOfFile(a), UnmapViewOfFile(b);
    CloseHandle(o), CloseHandle(s);
}

Test(fidelity, image_section_of_a_non_pe_file)
{
    char path[128];
    int fd;
    HANDLE f = scratch(path, sizeof(path), PAGE, GENERIC_READ, &fd);
    SetLastError(SENTINEL);
    cr_assert_null(CreateFileMappingA(f, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, nm("notpe")));
    EXPECT_ERR(ERROR_BAD_EXE_FORMAT);
    CloseHandle(f);
    close(fd);
    unlink(path);
}

/* ---- fact 2: image views need the access the section and the handle grant ---- */

Test(fidelity, image_view_access_rules)
{
    HANDLE s = dll_section(PAGE_EXECUTE_WRITECOPY, NULL);
    static const DWORD writes[] = {FILE_MAP_WRITE, FILE_MAP_ALL_ACCESS, FILE_MAP_WRITE | FILE_MAP_EXECUTE};
    for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
        SetLastError(SENTINEL);
        void *p = MapViewOfFile(s, writes[i], 0, 0, 0);
        cr_assert_null(p, "a write view (%#x) of an image", (unsigned)writes[i]);
        EXPECT_ERR(ERROR_ACCESS_DENIED);
    }
    /* Copy plus execute: the view reports what Windows gives, PAGE_READONLY at the headers. */
    static const DWORD copies[] = {FILE_MAP_COPY | SECTION_MAP_EXECUTE,
                                   FILE_MAP_COPY | SECTION_MAP_EXECUTE | FILE_MAP_EXECUTE};
    for (size_t i = 0; i < 2; i++) {
        char *p = MapViewOfFile(s, copies[i], 0, 0, 0);
        cr_assert_not_null(p, "%#x: %u", (unsigned)copies[i], GetLastError());
        MEMORY_BASIC_INFORMATION m = tu_query(p);
        cr_assert_eq(m.Protect, PAGE_READONLY, "%#x view: protect %#x", (unsigned)copies[i],
                     (unsigned)m.Protect);
        cr_assert_eq(m.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
        UnmapViewOfFile(p);
    }
    CloseHandle(s);
    /* Execute access on an image section created READWRITE: refused. */
    s = dll_section(PAGE_READWRITE, NULL);
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFile(s, FILE_MAP_READ | FILE_MAP_EXECUTE, 0, 0, 0));
    EXPECT_ERR(ERROR_ACCESS_DENIED);
    char *r = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(r, "%u", GetLastError());
    UnmapViewOfFile(r);
    CloseHandle(s);
    /* Through a handle opened with no access: refused. */
    const char *n = nm("img-noaccess");
    s = dll_section(PAGE_EXECUTE_READ, n);
    HANDLE o = OpenFileMappingA(0, FALSE, n);
    cr_assert_not_null(o, "%u", GetLastError());
    SetLastError(SENTINEL);
    cr_assert_null(MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0));
    EXPECT_ERR(ERROR_ACCESS_DENIED);
    CloseHandle(o), CloseHandle(s);
}

/* ---- fact 8: sizes Windows refuses ---- */

Test(fidelity, absurd_section_sizes_are_refused)
{
    char path[128];
    int fd;
    HANDLE f = scratch(path, sizeof(path), PAGE, GENERIC_READ | GENERIC_WRITE, &fd);
    const char *n = nm("huge");
    SetLastError(SENTINEL);
    cr_assert_null(CreateFileMappingA(f, NULL, PAGE_READWRITE, 0xFFFFFFFF, 0xFFFFF001, n));
    EXPECT_ERR(ERROR_DISK_FULL); /* the file cannot grow to that size */
    SetLastError(SENTINEL);
    cr_assert_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0xFFFFFFFF,
                                      0xFFFFF001, n));
    EXPECT_ERR(ERROR_NOT_ENOUGH_MEMORY);
    SetLastError(SENTINEL);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, n), "a refused create left a name");
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    static const DWORD kinds[] = {SEC_COMMIT, SEC_RESERVE};
    for (size_t k = 0; k < 2; k++) {
        SetLastError(SENTINEL);
        cr_assert_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | kinds[k],
                                          0x40000000, 0, NULL), "a 2^62-byte section");
        EXPECT_ERR(ERROR_NOT_ENOUGH_MEMORY);
    }
    cr_assert_eq(file_size_of(fd), (off_t)PAGE, "the file was not changed");
    CloseHandle(f);
    close(fd);
    unlink(path);
}

/* ---- fact 9: nothing the program did not allocate is visible or in its way ---- */

Test(fidelity, no_hidden_page_below_the_allocation_area)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m = tu_query((void *)0x0FFFF000);
    cr_assert_eq(m.State, MEM_FREE, "0x0FFFF000: state %#x", (unsigned)m.State);
    if (!tu_range_free(0x0FFF0000, GRAN))
        cr_skip_test("0xFFF0000 holds a host mapping here");
    SetLastError(SENTINEL);
    char *q = VirtualAlloc((void *)0x0FFF0000, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_eq(q, (char *)0x0FFF0000, "VirtualAlloc(0xFFF0000, 64 KiB): %u", GetLastError());
    q[GRAN - 1] = 1;
    cr_assert(VirtualFree(q, 0, MEM_RELEASE));
    char *r = VirtualAlloc(NULL, PAGE, MEM_COMMIT, PAGE_READWRITE); /* placement still works */
    cr_assert_not_null(r);
    VirtualFree(r, 0, MEM_RELEASE);
    VirtualFree(p, 0, MEM_RELEASE);
}

/* ---- fact 7: output pointers that cannot be written ---- */

/* One read-only page and one reserved (unmapped) page. */
static void bad_pointers(char **ro, char **none)
{
    *ro = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(*ro);
    DWORD old;
    cr_assert(VirtualProtect(*ro, PAGE, PAGE_READONLY, &old));
    cr_assert(VirtualFree(*ro + PAGE, PAGE, MEM_DECOMMIT));
    *none = *ro + PAGE;
}

Test(fidelity, get_write_watch_bad_outputs)
{
    char *ro, *none;
    bad_pointers(&ro, &none);
    char *w = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
    cr_assert_not_null(w);
    w[0] = 1, w[2 * PAGE] = 1;
    void *addrs[8];
    ULONG_PTR count = 8;
    DWORD gran = 0;
    char *bad[] = {ro, none};
    for (int b = 0; b < 2; b++) {
        SetLastError(SENTINEL);
        cr_assert_neq(GetWriteWatch(WRITE_WATCH_FLAG_RESET, w, 4 * PAGE, addrs, (ULONG_PTR *)bad[b], &gran), 0);
        EXPECT_ERR(ERROR_NOACCESS);
        SetLastError(SENTINEL);
        cr_assert_neq(GetWriteWatch(WRITE_WATCH_FLAG_RESET, w, 4 * PAGE, addrs, &count, (DWORD *)bad[b]), 0);
        EXPECT_ERR(ERROR_NOACCESS);
        SetLastError(SENTINEL);
        cr_assert_neq(GetWriteWatch(WRITE_WATCH_FLAG_RESET, w, 4 * PAGE, (void **)bad[b], &count, &gran), 0);
        EXPECT_ERR(ERROR_NOACCESS);
        cr_assert_eq(count, 8, "count changed");
    }
    /* Nothing was reset: both written pages are still reported. */
    cr_assert_eq(GetWriteWatch(0, w, 4 * PAGE, addrs, &count, &gran), 0);
    cr_assert_eq(count, 2);
    cr_assert_eq(gran, PAGE);
    VirtualFree(w, 0, MEM_RELEASE);
    VirtualFree(ro, 0, MEM_RELEASE);
}

Test(fidelity, duplicate_handle_bad_output)
{
    char *ro, *none;
    bad_pointers(&ro, &none);
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)PAGE, NULL);
    cr_assert_not_null(h);
    char *bad[] = {ro, none};
    for (int b = 0; b < 2; b++) {
        SetLastError(SENTINEL);
        cr_assert_not(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), (HANDLE *)bad[b],
                                      0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
        EXPECT_ERR(ERROR_NOACCESS);
    }
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(v, "the source handle was closed: %u", GetLastError());
    UnmapViewOfFile(v);
    cr_assert(CloseHandle(h));
    VirtualFree(ro, 0, MEM_RELEASE);
}

/* ---- defect 12: concurrent VirtualQuery (run under TSan: no data race reported) ---- */

#include <pthread.h>

static void *query_loop(void *arg)
{
    char *p = arg;
    for (int i = 0; i < 2000; i++) {
        MEMORY_BASIC_INFORMATION m;
        if (VirtualQuery(p + (i % 4) * PAGE, &m, sizeof(m)) != sizeof(m) || m.State != MEM_COMMIT)
            return (void *)1;
        /* Also an address winvm does not own, which asks the host's mappings. */
        if (VirtualQuery((void *)&m, &m, sizeof(m)) != sizeof(m))
            return (void *)1;
    }
    return NULL;
}

Test(fidelity, concurrent_queries)
{
    char *p = VirtualAlloc(NULL, 4 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, query_loop, p), 0);
    for (int i = 0; i < 4; i++) {
        void *r = (void *)1;
        pthread_join(t[i], &r);
        cr_assert_null(r, "a query failed");
    }
    VirtualFree(p, 0, MEM_RELEASE);
}

/* ---- defect 14: an image far larger than its file costs what the file holds ---- */

#include <sys/resource.h>
#include <time.h>

Test(fidelity, huge_size_of_image_costs_its_file)
{
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer keeps shadow memory for every mapping: 256 MiB to write for 2 GiB. */
    cr_skip_test("costs are AddressSanitizer's own here");
#endif
    /* dep.dll (a few KB) declaring SizeOfImage 2 GiB. */
    int in = open(DLL, O_RDONLY);
    cr_assert_geq(in, 0);
    static unsigned char d[1 << 16];
    ssize_t n = read(in, d, sizeof(d));
    close(in);
    cr_assert_gt(n, 0x200);
    uint32_t pe;
    memcpy(&pe, d + 0x3c, 4);
    uint32_t big = 0x80000000u;
    memcpy(d + pe + 24 + 56, &big, 4); /* OptionalHeader.SizeOfImage */
    char path[128], cache[128];
    snprintf(path, sizeof(path), "/tmp/winvm-fid-%d-big.dll", (int)getpid());
    snprintf(cache, sizeof(cache), "/tmp/winvm-fid-%d-cache", (int)getpid());
    mkdir(cache, 0700);
    setenv("WINVM_CACHE_DIR", cache, 1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_eq(write(fd, d, (size_t)n), n);
    close(fd);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_EXECUTE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    HANDLE s = CreateFileMappingA(f, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    cr_assert_not_null(s, "%u", GetLastError());
    unsigned char *v = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(v, "%u", GetLastError());
    clock_gettime(CLOCK_MONOTONIC, &b);
    getrusage(RUSAGE_SELF, &r1);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    cr_assert_lt(secs, 2.0, "mapping took %.2f s", secs);
    cr_assert_lt(r1.ru_maxrss - r0.ru_maxrss, 64 * 1024, "memory grew by %ld KB",
                 r1.ru_maxrss - r0.ru_maxrss);
    cr_assert_eq(tu_query(v).RegionSize > 0, 1);
    cr_assert(v[0] == 'M' && v[1] == 'Z');
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "test -z \"$(find %s -size +65536k)\"", cache);
    cr_assert_eq(system(cmd), 0, "a huge cache entry was written");
    UnmapViewOfFile(v);
    CloseHandle(s), CloseHandle(f);
    unlink(path);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", cache);
    cr_assert_eq(system(cmd), 0);
}
