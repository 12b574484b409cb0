/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const DWORD tu_bases[8] = {PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY,
                           PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
                           PAGE_EXECUTE_WRITECOPY};

MEMORY_BASIC_INFORMATION tu_query(const void *addr)
{
    MEMORY_BASIC_INFORMATION mbi;
    memset(&mbi, 0xcc, sizeof(mbi));
    SIZE_T r = VirtualQuery(addr, &mbi, sizeof(mbi));
    cr_assert_eq(r, sizeof(mbi), "VirtualQuery(%p) failed: %u", addr, GetLastError());
    return mbi;
}

int tu_host_prot(const void *addr)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    char line[512];
    int prot = -1;
    uintptr_t a = (uintptr_t)addr;
    while (fgets(line, sizeof(line), f)) {
        uintptr_t s, e;
        char perm[5];
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &s, &e, perm) != 3)
            continue;
        if (a >= s && a < e) {
            prot = (perm[0] == 'r') | (perm[1] == 'w') << 1 | (perm[2] == 'x') << 2;
            break;
        }
    }
    fclose(f);
    return prot;
}

static bool tu_faults(volatile char *p, bool write)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        if (write)
            *p = 1;
        else
            (void)*p;
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS);
}

bool tu_read_faults(const void *addr) { return tu_faults((volatile char *)addr, false); }
bool tu_write_faults(void *addr) { return tu_faults((volatile char *)addr, true); }

bool tu_resident(const void *addr)
{
    int fd = open("/proc/self/pagemap", O_RDONLY);
    cr_assert(fd >= 0);
    uint64_t ent = 0;
    cr_assert_eq(pread(fd, &ent, 8, (off_t)((uintptr_t)addr / 4096 * 8)), 8);
    close(fd);
    return (ent >> 63) & 1;
}

char *tu_free_range(SIZE_T size)
{
    char *p = VirtualAlloc(NULL, size, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(p);
    cr_assert(VirtualFree(p, 0, MEM_RELEASE));
    return p;
}

bool tu_range_free(uintptr_t addr, SIZE_T size)
{
    MEMORY_BASIC_INFORMATION m;
    return VirtualQuery((void *)addr, &m, sizeof(m)) == sizeof(m) && m.State == MEM_FREE &&
           (uintptr_t)m.BaseAddress + m.RegionSize >= addr + size;
}

int tu_host_of(DWORD prot)
{
    switch (prot & 0xff) {
    case PAGE_READONLY: return 1;
    case PAGE_READWRITE: return 3;
    case PAGE_EXECUTE: return 5; /* readable, as x86-64 Windows' (mm/protect.c) */
    case PAGE_EXECUTE_READ: return 5;
    case PAGE_EXECUTE_READWRITE: return 7;
    default: return 0;
    }
}

void tu_take(struct tu_snap *s, const char *base, int n)
{
    for (int i = 0; i < n; i++) {
        s->m[i] = tu_query(base + i * PAGE);
        s->host[i] = tu_host_prot(base + i * PAGE);
    }
}

void tu_same(const struct tu_snap *a, const struct tu_snap *b, int n)
{
    for (int i = 0; i < n; i++) {
        cr_assert_eq(a->m[i].BaseAddress, b->m[i].BaseAddress, "page %d", i);
        cr_assert_eq(a->m[i].AllocationBase, b->m[i].AllocationBase, "page %d", i);
        cr_assert_eq(a->m[i].AllocationProtect, b->m[i].AllocationProtect, "page %d", i);
        cr_assert_eq(a->m[i].RegionSize, b->m[i].RegionSize, "page %d", i);
        cr_assert_eq(a->m[i].State, b->m[i].State, "page %d", i);
        cr_assert_eq(a->m[i].Protect, b->m[i].Protect, "page %d", i);
        cr_assert_eq(a->m[i].Type, b->m[i].Type, "page %d", i);
        cr_assert_eq(a->host[i], b->host[i], "page %d host protection", i);
    }
}

int tu_capture(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    while (p && n + 1 < cap) {
        size_t got = fread(out + n, 1, cap - 1 - n, p);
        if (got == 0)
            break;
        n += got;
    }
    out[n] = 0;
    if (!p)
        return -1;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    if (remove(path) != 0)
        cr_log_warn("could not remove %s", path);
    return 0;
}

void tu_remove_tree(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) == 0)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_need_pe(const char *exe, const char *why)
{
    if (access(exe, R_OK) != 0)
        cr_skip_test("%s not built (%s)", exe, why ? why : "mingw-w64 missing");
    setenv("WINVM_CACHE_DIR", TU_RUN_CACHE, 1);
    mkdir(TU_RUN_CACHE, 0700);
}

int tu_run_pe(const char *dir, const char *env, const char *exe, const char *args, char *out, size_t cap)
{
#ifdef WINVM_CLI
    tu_need_pe(exe, NULL);
    args = args ? args : "";
    char cmd[2048];
    int n = snprintf(cmd, sizeof(cmd), "%s%s%s%s %s run %s %s %s", dir ? "cd " : "", dir ? dir : "",
                     dir ? " && " : "", env ? env : "", WINVM_CLI, exe, args, strstr(args, "2>") ? "" : "2>&1");
    cr_assert_lt(n, (int)sizeof(cmd), "command line too long");
    return tu_capture(cmd, out, cap);
#else
    (void)dir, (void)env, (void)exe, (void)args, (void)out, (void)cap;
    cr_skip_test("built without the winvm CLI");
#endif
}

int tu_run_checks(const char *exe, char *out, size_t cap)
{
    int st = tu_run_pe(NULL, NULL, exe, NULL, out, cap);
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    int oks = 0;
    for (const char *s = out; (s = strstr(s, "ok ")); s += 3)
        oks++;
    return oks;
}

char *tu_slurp(const char *path)
{
    static char buf[16384];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    return buf;
}
