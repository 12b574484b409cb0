/* SPDX-License-Identifier: MIT */
/* test_imgcache.c - the image cache under faults and hostile neighbours (issue 15): a full
 * disk, racing builders, content corrupted behind the mtime check, a swapped directory, and
 * files winvm did not make.  Real processes where the case is about processes. */
#define _GNU_SOURCE
#include "testutil.h"
#include "tool.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define IMG(name) WINVM_PE_IMAGES "/" name

static char cache_dir[128];

static void fresh_cache(void)
{
    snprintf(cache_dir, sizeof(cache_dir), "/tmp/winvm-test-imgcache.%d", (int)getpid());
    mkdir(cache_dir, 0700);
    setenv("WINVM_CACHE_DIR", cache_dir, 1);
    unsetenv("WINVM_CACHE_MAX");
    winvm_set_image_sharing(WINVM_IMAGE_SHARING_CLASSIC); /* one entry per image: its own base */
}

static void drop_cache(void)
{
    umount2(cache_dir, MNT_DETACH); /* the tmpfs tests' mount, if any */
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s.link %s.real", cache_dir, cache_dir, cache_dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", cache_dir);
}

TestSuite(imgcache, .init = fresh_cache, .fini = drop_cache);

static uint8_t *map_image(const char *path)
{
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_EXECUTE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE, "%s: %u", path, GetLastError());
    HANDLE s = CreateFileMappingA(f, NULL, PAGE_EXECUTE_READ | SEC_IMAGE, 0, 0, NULL);
    cr_assert_not_null(s, "%s: %u", path, GetLastError());
    CloseHandle(f);
    uint8_t *p = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(p, "%s: %u", path, GetLastError());
    CloseHandle(s);
    return p;
}

/* The inode of the file mapped at p (0: anonymous or none), from /proc/self/maps. */
static unsigned long mapped_inode(const void *p)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long ino = 0;
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long lo, hi, inode;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &lo, &hi, &inode) == 3 && (uintptr_t)p >= lo &&
            (uintptr_t)p < hi) {
            ino = inode;
            break;
        }
    }
    if (f)
        fclose(f);
    return ino;
}

/* Files in the cache directory: all of them, and those named like entries. */
static int count_files(int *entries)
{
    DIR *d = opendir(cache_dir);
    int n = 0;
    *entries = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        n++;
        *entries += strlen(e->d_name) > 21 && !strcmp(e->d_name + strlen(e->d_name) - 4, ".img");
    }
    if (d)
        closedir(d);
    return n;
}

static void entry_path(char *out, size_t cap)
{
    DIR *d = opendir(cache_dir);
    out[0] = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strstr(e->d_name, ".img"))
            snprintf(out, cap, "%s/%s", cache_dir, e->d_name);
    closedir(d);
    cr_assert(out[0], "no entry in %s", cache_dir);
}

/* simple.dll's file alignment is 0x200: it goes through the cache. */
Test(imgcache, racing_builders_all_map_the_first_entry)
{
    enum { N = 8 };
    int pipes[2], go[2];
    cr_assert_eq(pipe(pipes), 0);
    cr_assert_eq(pipe(go), 0);
    fflush(NULL);
    for (int i = 0; i < N; i++) {
        if (fork() == 0) {
            close(go[1]);
            char c;
            if (read(go[0], &c, 1) != 0) /* released together when the pipe closes */
                _exit(3);
            uint8_t *p = map_image(IMG("simple.dll"));
            unsigned long ino = mapped_inode(p);
            _exit(write(pipes[1], &ino, sizeof(ino)) == sizeof(ino) ? 0 : 2);
        }
    }
    close(go[0]);
    close(go[1]);
    unsigned long first = 0;
    for (int i = 0; i < N; i++) {
        unsigned long ino;
        cr_assert_eq(read(pipes[0], &ino, sizeof(ino)), (ssize_t)sizeof(ino));
        cr_assert_neq(ino, 0ul, "an instance mapped a private copy");
        if (!first)
            first = ino;
        cr_assert_eq(ino, first, "instances map different entries: %lu and %lu", first, ino);
    }
    for (int i = 0; i < N; i++) {
        int st;
        wait(&st);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    int entries, files = count_files(&entries);
    cr_assert_eq(entries, 1);
    cr_assert_eq(files, 1, "nothing but the entry is left behind (no temporary names)");
}

/* Writes ~want over the entry's byte at RVA 0x1000, then puts its atime and mtime back. */
static void corrupt_entry_keeping_mtime(uint8_t want)
{
    char entry[512];
    entry_path(entry, sizeof(entry));
    struct stat before, after;
    cr_assert_eq(stat(entry, &before), 0);
    int fd = open(entry, O_WRONLY);
    cr_assert_geq(fd, 0);
    uint8_t bad = (uint8_t)~want;
    cr_assert_eq(pwrite(fd, &bad, 1, 4096 + 0x1000), 1);
    struct timespec ts[2] = {before.st_atim, before.st_mtim};
    cr_assert_eq(futimens(fd, ts), 0, "the mtime put back");
    close(fd);
    cr_assert_eq(stat(entry, &after), 0);
    cr_assert(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
}

Test(imgcache, corruption_behind_a_restored_mtime_is_caught)
{
    uint8_t *p = map_image(IMG("simple.dll"));
    uint8_t want = p[0x1000];
    UnmapViewOfFile(p);
    corrupt_entry_keeping_mtime(want);
    p = map_image(IMG("simple.dll"));
    cr_assert_eq(p[0x1000], want, "the corrupted entry was used");
    UnmapViewOfFile(p);
}

/* This process remembers the entries whose checksum it proved (by inode and ctime), so a
 * DLL loaded in a loop is not read whole each time: a write after that, even with the mtime
 * put back, moves ctime, and the next open checks the content again. */
Test(imgcache, corruption_after_entries_were_checked_and_reused_is_caught)
{
    uint8_t *p = map_image(IMG("simple.dll"));
    uint8_t want = p[0x1000];
    UnmapViewOfFile(p);
    for (int i = 0; i < 3; i++) { /* opened, checked and remembered */
        p = map_image(IMG("simple.dll"));
        cr_assert_eq(p[0x1000], want);
        UnmapViewOfFile(p);
    }
    corrupt_entry_keeping_mtime(want);
    p = map_image(IMG("simple.dll"));
    cr_assert_eq(p[0x1000], want, "the corrupted entry was used after this process had checked it");
    UnmapViewOfFile(p);
}

Test(imgcache, a_symlinked_directory_is_not_used)
{
    char real[160], link[160];
    snprintf(real, sizeof(real), "%s.real", cache_dir);
    snprintf(link, sizeof(link), "%s.link", cache_dir);
    cr_assert_eq(mkdir(real, 0700), 0);
    cr_assert_eq(symlink(real, link), 0);
    setenv("WINVM_CACHE_DIR", link, 1);
    FILE *out = tmpfile();
    cr_assert_eq(winvm_cache_list(out), -1, "a symlink is refused");
    rewind(out);
    char line[512] = "";
    cr_assert_not_null(fgets(line, sizeof(line), out));
    fclose(out);
    cr_assert(strstr(line, "symbolic link"), "%s", line);
    uint8_t *p = map_image(IMG("simple.dll"));
    cr_assert_eq(mapped_inode(p), 0ul, "a private copy");
    UnmapViewOfFile(p);
    DIR *d = opendir(real);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(n, 0, "nothing written through the link");
}

Test(imgcache, only_entries_are_listed_evicted_and_cleared)
{
    static const char *const foreign[] = {"disk.img", "0123456789abcdef-1.img", "notes.txt"};
    for (int i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", cache_dir, foreign[i]);
        int fd = open(path, O_CREAT | O_WRONLY, 0600);
        cr_assert_geq(fd, 0);
        char junk[8192];
        memset(junk, 'j', sizeof(junk));
        cr_assert_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
        close(fd);
    }
    setenv("WINVM_CACHE_MAX", "1", 1); /* evict all it can after each build */
    UnmapViewOfFile(map_image(IMG("simple.dll")));
    cr_assert_eq(winvm_cache_clear(), 1, "one entry removed");
    for (int i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", cache_dir, foreign[i]);
        cr_assert_eq(access(path, F_OK), 0, "%s was removed", foreign[i]);
    }
}

/* ---- a full disk (a small tmpfs: root only) ---- */

static bool mount_small_tmpfs(const char *size)
{
    if (geteuid() != 0)
        return false;
    return mount("winvm-test", cache_dir, "tmpfs", 0, size) == 0 && chmod(cache_dir, 0700) == 0;
}

static void fill_up(void)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/filler", cache_dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    cr_assert_geq(fd, 0);
    static char block[4096];
    while (write(fd, block, sizeof(block)) > 0)
        ;
    close(fd);
}

Test(imgcache, a_full_disk_gives_private_copies)
{
    if (!mount_small_tmpfs("size=64k"))
        cr_skip_test("needs root to mount a small tmpfs");
    fill_up();
    uint8_t *p = map_image(IMG("simple.dll"));
    cr_assert_eq(mapped_inode(p), 0ul, "a private copy when the cache cannot hold the entry");
    cr_assert_eq(p[0], 'M');
    UnmapViewOfFile(p);
}

/* An entry built before the disk filled is wholly allocated: reading every page of it in a
 * new process (zero pages included) needs no new block. */
Test(imgcache, entries_survive_the_disk_filling_afterwards)
{
    if (!mount_small_tmpfs("size=1m"))
        cr_skip_test("needs root to mount a small tmpfs");
    UnmapViewOfFile(map_image(IMG("simple.dll")));
    fill_up();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        uint8_t *p = map_image(IMG("simple.dll"));
        if (!mapped_inode(p))
            _exit(2);
        MEMORY_BASIC_INFORMATION m;
        unsigned sum = 0;
        for (uint8_t *q = p; VirtualQuery(q, &m, sizeof(m)) && m.AllocationBase == p; q += m.RegionSize)
            for (size_t o = 0; o < m.RegionSize && m.State == MEM_COMMIT; o += 4096)
                sum += ((volatile uint8_t *)q)[o];
        _exit(sum == 0xffffffffu ? 3 : 0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
