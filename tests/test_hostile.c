/* SPDX-License-Identifier: MIT */
/* test_hostile.c - issue 15, items 4 and 8-10, with real processes (docs/threat-model.md):
 * a loaded DLL whose file is overwritten and truncated runs on unchanged (and the next load
 * sees the new file); the named-section namespace: another user's squatted names, locks and
 * symlinks neither block nor redirect CreateFileMapping, a name dies with the last process
 * holding it, and a killed process's names are reclaimed; `winvm share` groups pages by device
 * and inode.  Each test gets its own stand-in for /dev/shm (a sticky, world-writable directory:
 * $WINVM_SHM_DIR) and its own image cache. */
#define _GNU_SOURCE
#include "testutil.h"
#include "pe/pe.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define IMG(name) WINVM_PE_IMAGES "/" name

static char root[128], shm[160], cache[160];

static void fresh(void)
{
    snprintf(root, sizeof(root), "/tmp/winvm-test-hostile.%d", (int)getpid());
    snprintf(shm, sizeof(shm), "%s/shm", root);
    snprintf(cache, sizeof(cache), "%s/cache", root);
    mkdir(root, 0755);
    mkdir(shm, 0777);
    chmod(shm, 01777); /* as /dev/shm: anyone may create, only owners remove */
    mkdir(cache, 0700);
    setenv("WINVM_SHM_DIR", shm, 1);
    setenv("WINVM_CACHE_DIR", cache, 1);
    winvm_set_image_sharing(WINVM_IMAGE_SHARING_CLASSIC);
}

static void drop(void)
{
    tu_remove_tree(root);
}

TestSuite(hostile, .init = fresh, .fini = drop);

/* ---- item 4: a running image never follows its file ---- */

static void copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(in >= 0 && out >= 0, "%s -> %s", from, to);
    char buf[65536];
    for (ssize_t n; (n = read(in, buf, sizeof(buf))) > 0;)
        cr_assert_eq(write(out, buf, (size_t)n), n);
    close(in), close(out);
}

/* The file offset of rva in the PE file at path. */
static off_t file_offset(const char *path, uint32_t rva)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    cr_assert(fd >= 0 && fstat(fd, &st) == 0);
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    wv_pe pe;
    cr_assert_eq(wv_pe_parse(&pe, p, (size_t)st.st_size), 0);
    off_t off = -1;
    for (unsigned k = 0; k < pe.nsections; k++)
        if (rva >= pe.sections[k].va && rva < pe.sections[k].va + pe.sections[k].raw_size)
            off = (off_t)(pe.sections[k].raw_ptr + (rva - pe.sections[k].va));
    munmap(p, (size_t)st.st_size);
    cr_assert_geq(off, 0, "rva %#x has no file bytes", rva);
    return off;
}

/* Reads every readable page of the image at h (none may fault). */
static unsigned touch_image(HMODULE h)
{
    unsigned sum = 0;
    MEMORY_BASIC_INFORMATION mbi;
    for (uint8_t *p = (uint8_t *)h; VirtualQuery(p, &mbi, sizeof(mbi)) && mbi.AllocationBase == (void *)h;
         p += mbi.RegionSize)
        if (mbi.Protect & (PAGE_READONLY | PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READ |
                           PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY))
            for (size_t i = 0; i < mbi.RegionSize; i += PAGE)
                sum += ((volatile uint8_t *)p)[i];
    return sum;
}

typedef int(__attribute__((ms_abi)) * binop)(int, int);

/* Loads a copy of dll, overwrites its counter and code in the file, then truncates the file:
 * the loaded image shows none of it and never faults; FreeLibrary (TLS callbacks, detach)
 * neither.  A file then holding counter = 42 is what the next load sees. */
static void survives_its_file(const char *dll, bool use_cache)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/victim.dll", root);
    copy_file(dll, path);
    if (!use_cache)
        setenv("WINVM_CACHE_DIR", "/nonexistent/winvm-cache", 1); /* private copies */
    HMODULE h = LoadLibraryA(path);
    cr_assert_not_null(h, "%s: %u", path, GetLastError());
    int *counter = (int *)GetProcAddress(h, "simple_counter");
    binop add = (binop)(void (*)(void))GetProcAddress(h, "simple_add");
    cr_assert(counter && add);
    off_t coff = file_offset(path, (uint32_t)((uintptr_t)counter - (uintptr_t)h));
    off_t aoff = file_offset(path, (uint32_t)((uintptr_t)add - (uintptr_t)h));
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    int v = 42;
    uint8_t trap[64];
    memset(trap, 0xcc, sizeof(trap)); /* int3: executing it would end the test */
    cr_assert_eq(pwrite(fd, &v, sizeof(v), coff), (ssize_t)sizeof(v));
    cr_assert_eq(pwrite(fd, trap, sizeof(trap), aoff), (ssize_t)sizeof(trap));
    cr_assert_eq(*counter, 7, "the running image follows writes to its file");
    cr_assert_eq(add(2, 3), 5);
    cr_assert_eq(ftruncate(fd, 0), 0);
    touch_image(h);
    cr_assert_eq(*counter, 7);
    cr_assert_eq(add(20, 3), 23);
    cr_assert(FreeLibrary(h), "%u", GetLastError());
    close(fd);
    copy_file(dll, path);
    fd = open(path, O_RDWR);
    cr_assert_eq(pwrite(fd, &v, sizeof(v), coff), (ssize_t)sizeof(v));
    close(fd);
    h = LoadLibraryA(path);
    cr_assert_not_null(h, "%u", GetLastError());
    counter = (int *)GetProcAddress(h, "simple_counter");
    cr_assert_eq(*counter, 42, "the next load sees the new file");
    FreeLibrary(h);
}

Test(hostile, page_aligned_dll_ignores_its_file_overwritten_and_truncated)
{
    survives_its_file(IMG("simple_fa1000.dll"), true);
}
Test(hostile, cached_dll_ignores_its_file_overwritten_and_truncated)
{
    survives_its_file(IMG("simple.dll"), true);
}
Test(hostile, private_copy_ignores_its_file_overwritten_and_truncated)
{
    survives_its_file(IMG("simple_fa1000.dll"), false);
}

/* A process that filled a cache entry maps it under the entry's name, as later users do. */
Test(hostile, the_builder_maps_the_entry_by_its_name)
{
    HMODULE h = LoadLibraryA(IMG("simple.dll"));
    cr_assert_not_null(h);
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024];
    bool found = false;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (uintptr_t)h >= lo && (uintptr_t)h < hi) {
            found = true;
            cr_assert_not_null(strstr(line, cache), "%s", line);
            cr_assert_not_null(strstr(line, ".img"), "%s", line);
            cr_assert_null(strstr(line, "(deleted)"), "%s", line);
        }
    }
    fclose(f);
    cr_assert(found);
    FreeLibrary(h);
}

/* ---- items 8-9: the named-section namespace ---- */

/* The namespace directory a process of uid would use first. */
static void ns_dir(char *out, size_t cap, unsigned uid, int n)
{
    int k = snprintf(out, cap, "%s/winvm-%u", shm, uid);
    if (n)
        snprintf(out + k, cap - (size_t)k, ".%d", n);
}

/* Files in dir (dot files aside): -1 when dir cannot be read. */
static int count_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

enum { MIB = 1 << 20 };

/* A child that creates (or opens) the named section, writes or checks it, then waits for a
 * byte on `go` and exits the way `how` says: 'e' exit() without CloseHandle, 'k' SIGKILL. */
static pid_t holder(const char *name, bool create, int ready, int go, char how)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(30);
        HANDLE h = create ? CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MIB, name)
                          : OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, name);
        char *p = h ? MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0) : NULL;
        if (!p)
            _exit(2);
        if (create)
            memset(p, 'x', MIB);
        else if (p[MIB - 1] != 'x')
            _exit(3);
        char c = 'r';
        if (write(ready, &c, 1) != 1 || (go >= 0 && read(go, &c, 1) != 1))
            _exit(4);
        if (how == 'k')
            raise(SIGKILL);
        exit(0); /* no CloseHandle, no UnmapViewOfFile: as a program that just ends */
    }
    return pid;
}

static void reap(pid_t pid, int want_status)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    if (want_status >= 0)
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == want_status, "child status %#x", st);
}

Test(hostile, a_named_section_dies_with_the_last_process_holding_it)
{
    char dir[256];
    ns_dir(dir, sizeof(dir), geteuid(), 0);
    int ready[2], go[2];
    cr_assert_eq(pipe(ready), 0);
    cr_assert_eq(pipe(go), 0);
    char c;
    pid_t a = holder("hostile-last", true, ready[1], go[0], 'e');
    cr_assert_eq(read(ready[0], &c, 1), 1);
    pid_t b = holder("hostile-last", false, ready[1], -1, 'e');
    cr_assert_eq(read(ready[0], &c, 1), 1);
    reap(b, 0);
    cr_assert_eq(count_in(dir), 1, "the creator still holds the name");
    cr_assert_eq(write(go[1], "g", 1), 1);
    reap(a, 0);
    cr_assert_eq(count_in(dir), 0, "the section's storage outlived every process using it");
}

/* The path of name's file in dir (the hex form). */
static void name_path(char *out, size_t cap, const char *dir, const char *name)
{
    int k = snprintf(out, cap, "%s/", dir);
    for (const char *c = name; *c; c++)
        k += snprintf(out + k, cap - (size_t)k, "%02x", (unsigned char)*c);
}

/* A SIGKILLed holder: its name stays behind until the next use. */
static void killed_holder(const char *name, int ready[2])
{
    char c;
    pid_t k = holder(name, true, ready[1], -1, 'k');
    cr_assert_eq(read(ready[0], &c, 1), 1);
    reap(k, -1);
}

Test(hostile, a_killed_process_names_are_reclaimed)
{
    char dir[256], left[512], alive[512];
    ns_dir(dir, sizeof(dir), geteuid(), 0);
    int ready[2], go[2];
    cr_assert_eq(pipe(ready), 0);
    cr_assert_eq(pipe(go), 0);
    killed_holder("hostile-killed-1", ready);
    cr_assert_eq(count_in(dir), 1, "what the killed process left");
    /* A later process asking for that name finds it absent (and removes it). */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        SetLastError(0);
        HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, "hostile-killed-1");
        _exit(h ? 2 : GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : 3);
    }
    reap(pid, 0);
    cr_assert_eq(count_in(dir), 0, "leftovers of a SIGKILLed process stay");
    /* A later process using another name sweeps what the killed one left. */
    killed_holder("hostile-killed-2", ready);
    name_path(left, sizeof(left), dir, "hostile-killed-2");
    name_path(alive, sizeof(alive), dir, "hostile-alive");
    cr_assert_eq(access(left, F_OK), 0);
    char c;
    pid_t a = holder("hostile-alive", true, ready[1], go[0], 'e');
    cr_assert_eq(read(ready[0], &c, 1), 1);
    cr_assert_neq(access(left, F_OK), 0, "the first use did not sweep a dead process's name");
    cr_assert_eq(access(alive, F_OK), 0);
    cr_assert_eq(write(go[1], "g", 1), 1);
    reap(a, 0);
    cr_assert_eq(count_in(dir), 0);
}

/* A directory of ours that others could write into, or a symlink, is never used. */
Test(hostile, a_loose_or_linked_namespace_directory_is_skipped)
{
    char loose[256], linked[256], where[256], target[256];
    ns_dir(loose, sizeof(loose), geteuid(), 0);
    ns_dir(linked, sizeof(linked), geteuid(), 1);
    ns_dir(where, sizeof(where), geteuid(), 2);
    snprintf(target, sizeof(target), "%s/elsewhere", root);
    cr_assert_eq(mkdir(loose, 0700), 0);
    cr_assert_eq(chmod(loose, 0777), 0);
    cr_assert_eq(mkdir(target, 0700), 0);
    cr_assert_eq(symlink(target, linked), 0);
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, "hostile-loose");
    cr_assert_not_null(h, "%u", GetLastError());
    cr_assert_eq(count_in(loose), 0);
    cr_assert_eq(count_in(target), 0);
    cr_assert_eq(count_in(where), 1);
    struct stat st;
    cr_assert_eq(lstat(where, &st), 0);
    cr_assert(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700 && st.st_uid == geteuid());
    CloseHandle(h);
    cr_assert_eq(count_in(where), 0, "the last close removes the name");
}

static gid_t other_gid;

/* The other user (made here when missing): uid, or 0 when none can be had. */
static uid_t other_user(void)
{
    struct passwd *pw = getpwnam("winvmhostile");
    if (!pw && system("useradd -r -M -s /usr/sbin/nologin winvmhostile >/dev/null 2>&1") == 0)
        pw = getpwnam("winvmhostile");
    other_gid = pw ? pw->pw_gid : 0;
    return pw ? pw->pw_uid : 0;
}

/* Creates path as the squatter: a file (0666) held under an exclusive lock. */
static void squat_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT, 0666);
    if (fd < 0 || fchmod(fd, 0666) != 0 || flock(fd, LOCK_EX) != 0)
        _exit(10);
}

/* The squatter: every name the victim's namespace could start from, as another user, with
 * locks held while it lives. */
static pid_t squatter(uid_t uid, unsigned victim, int ready)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(60);
        if (setgroups(0, NULL) != 0 || setgid(other_gid) != 0 || setuid(uid) != 0)
            _exit(9);
        char p[256], q[300], mine[256];
        ns_dir(p, sizeof(p), victim, 0); /* a directory of theirs, open to all, locked */
        if (mkdir(p, 0777) != 0 || chmod(p, 0777) != 0)
            _exit(11);
        int dfd = open(p, O_RDONLY | O_DIRECTORY);
        if (dfd < 0 || flock(dfd, LOCK_EX) != 0)
            _exit(12);
        snprintf(q, sizeof(q), "%s/.lock", p);
        squat_file(q);
        snprintf(q, sizeof(q), "%s/", p); /* the name's file, in the hex form */
        for (const char *c = "hostile-squat"; *c; c++)
            snprintf(q + strlen(q), sizeof(q) - strlen(q), "%02x", (unsigned char)*c);
        squat_file(q);
        snprintf(q, sizeof(q), "%s/winvm-%u.lock", shm, victim); /* the old lock file */
        squat_file(q);
        snprintf(mine, sizeof(mine), "%s/theirs", shm); /* a symlink to a directory of theirs */
        ns_dir(p, sizeof(p), victim, 1);
        if (mkdir(mine, 0777) != 0 || chmod(mine, 0777) != 0 || symlink(mine, p) != 0)
            _exit(13);
        ns_dir(p, sizeof(p), victim, 2); /* a plain file */
        squat_file(p);
        if (write(ready, "r", 1) != 1)
            _exit(14);
        pause();
        _exit(0);
    }
    return pid;
}

Test(hostile, another_user_can_neither_block_nor_redirect_create_file_mapping)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to create and become another user (CI runs as root)");
    uid_t uid = other_user();
    if (!uid)
        cr_skip_test("cannot create a second user (useradd failed)");
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t sq = squatter(uid, geteuid(), ready[1]);
    char c;
    int got = (int)read(ready[0], &c, 1);
    int st;
    if (got != 1) {
        waitpid(sq, &st, 0);
        cr_assert_fail("the squatter failed: status %#x", st);
    }
    alarm(20); /* blocking on the squatter's locks would end the test here */
    SetLastError(0);
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, "hostile-squat");
    cr_assert_not_null(h, "CreateFileMapping: %u", GetLastError());
    cr_assert_eq(GetLastError(), 0, "the squatter's file was taken for the section");
    char *p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(p);
    strcpy(p, "victim's");
    char theirs[256], link[256], used[256];
    ns_dir(theirs, sizeof(theirs), geteuid(), 0);
    snprintf(link, sizeof(link), "%s/theirs", shm);
    ns_dir(used, sizeof(used), geteuid(), 3);
    cr_assert_eq(count_in(theirs), 1, "something was created in the squatter's directory");
    cr_assert_eq(count_in(link), 0, "the symlink was followed");
    cr_assert_eq(count_in(used), 1, "the name is not in the first free private directory");
    struct stat sb;
    cr_assert_eq(lstat(used, &sb), 0);
    cr_assert(S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 0700 && sb.st_uid == geteuid());
    /* Another process of ours finds the same section. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        HANDLE o = OpenFileMappingA(FILE_MAP_READ, FALSE, "hostile-squat");
        char *q = o ? MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0) : NULL;
        _exit(q && !strcmp(q, "victim's") ? 0 : 2);
    }
    reap(pid, 0);
    alarm(0);
    kill(sq, SIGKILL);
    waitpid(sq, NULL, 0);
    UnmapViewOfFile(p);
    CloseHandle(h);
}

/* ---- item 10: `winvm share` groups pages by device and inode ---- */

/* A child mapping 4 pages of path shared and reading them, until killed. */
static pid_t mapper(const char *path, int ready)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_RDONLY);
        volatile char *m = fd >= 0 ? mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
        if (m == MAP_FAILED)
            _exit(2);
        for (int i = 0; i < 4; i++)
            (void)m[i * PAGE];
        if (write(ready, "r", 1) != 1)
            _exit(3);
        pause();
        _exit(0);
    }
    return pid;
}

Test(hostile, share_groups_one_file_under_two_names)
{
    char a[256], b[256];
    snprintf(a, sizeof(a), "%s/one-name", root);
    snprintf(b, sizeof(b), "%s/other-name", root);
    int fd = open(a, O_RDWR | O_CREAT, 0644);
    char page[PAGE];
    memset(page, 'z', sizeof(page));
    for (int i = 0; i < 4; i++)
        cr_assert_eq(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
    close(fd);
    cr_assert_eq(link(a, b), 0);
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t x = mapper(a, ready[1]), y = mapper(b, ready[1]);
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    cr_assert_eq(read(ready[0], &c, 1), 1);
    /* The report lists every shared file of both processes with its private pages, which
     * passes 64 KiB for an ASan build of this test: read it all. */
    static char out[1 << 22];
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s share --all %d %d", WINVM_CLI, (int)x, (int)y);
    FILE *p = popen(cmd, "r");
    size_t n = 0, got;
    while (n < sizeof(out) - 1 && (got = fread(out + n, 1, sizeof(out) - 1 - n, p)) > 0)
        n += got;
    out[n] = 0;
    pclose(p);
    kill(x, SIGKILL), kill(y, SIGKILL);
    waitpid(x, NULL, 0), waitpid(y, NULL, 0);
    int lines = 0;
    for (char *l = out; (l = strstr(l, "-name: ")); l++) {
        lines++;
        cr_assert_not_null(strstr(l, "4 resident pages, 4 shared by several processes"), "%s", out);
    }
    cr_assert_eq(lines, 1, "one file, one line:\n%s", out);
}
