/* SPDX-License-Identifier: MIT */
/* test_vmchan.c - Read/WriteProcessMemory through the target's control channel, the path taken
 * when the kernel refuses process_vm_readv/writev (Yama's ptrace_scope 1, a non-dumpable
 * target): the same counts, partial copies and errors as the kernel's copy.  WINVM_VM_COPY=
 * channel forces it (read once, at the runtime's start); as root, a real refusal is made by an
 * unprivileged uid reading a non-dumpable process.
 */
#define _GNU_SOURCE
#include "winvm.h"
#include "winvm/ntdll.h"

#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name
#define PG 4096
#define BIG (1024 * 1024)

/* What the target allocates: rw (2 pages) then noaccess; ro (1 page); guard; big (1 MiB). */
struct layout {
    char *rw, *ro, *guard, *big;
};

static char pattern(size_t i) { return (char)(i * 7 + 3); }

/* A forked Linux process serving its channel (non-dumpable when asked): the layout on out. */
static pid_t target(int out, int hold, int hold_w, bool nodump)
{
    pid_t pid = fork();
    if (pid)
        return pid;
    close(hold_w); /* its end of the wait: EOF when the parent closes its own */
    if (nodump)
        prctl(PR_SET_DUMPABLE, 0);
    struct layout l;
    DWORD old;
    l.rw = VirtualAlloc(NULL, 3 * PG, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    l.ro = VirtualAlloc(NULL, PG, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    l.guard = VirtualAlloc(NULL, PG, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE | PAGE_GUARD);
    l.big = VirtualAlloc(NULL, BIG, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    if (!l.rw || !l.ro || !l.guard || !l.big || !winvm_serve_channel())
        _exit(3);
    for (size_t i = 0; i < BIG; i++)
        l.big[i] = pattern(i);
    for (size_t i = 0; i < 2 * PG; i++)
        l.rw[i] = pattern(i);
    memset(l.ro, 'r', PG);
    VirtualProtect(l.rw + 2 * PG, PG, PAGE_NOACCESS, &old);
    VirtualProtect(l.ro, PG, PAGE_READONLY, &old);
    if (write(out, &l, sizeof(l)) != sizeof(l))
        _exit(4);
    char c;
    _exit(read(hold, &c, 1) < 0 ? 5 : 0);
}

/* The checks, the same whichever way the copy goes; 0 or the number of the failed one. */
static int checks(HANDLE h, const struct layout *l)
{
    static char buf[BIG];
    SIZE_T n = 99;
    MEMORY_BASIC_INFORMATION m;
    if (!ReadProcessMemory(h, l->big, buf, BIG, &n) || n != BIG)
        return 1;
    for (size_t i = 0; i < BIG; i++)
        if (buf[i] != pattern(i))
            return 2;
    if (ReadProcessMemory(h, l->rw + 100, buf, 2 * PG, &n) || GetLastError() != ERROR_PARTIAL_COPY ||
        n != 2 * PG - 100 || buf[0] != pattern(100) || buf[n - 1] != pattern(2 * PG - 1))
        return 3;
    if (ReadProcessMemory(h, l->guard, buf, 16, &n) || GetLastError() != ERROR_PARTIAL_COPY || n != 0)
        return 4;
    if (!VirtualQueryEx(h, l->guard, &m, sizeof(m)) || !(m.Protect & PAGE_GUARD))
        return 5; /* the read left the guard in place */
    if (ReadProcessMemory(h, l->rw, (void *)8, 16, &n) || GetLastError() != ERROR_NOACCESS || n != 0)
        return 6;
    memset(buf, 'w', 2 * PG);
    if (NtWriteVirtualMemory(h, l->ro, buf, 20, &n) != STATUS_PARTIAL_COPY || n != 0)
        return 7; /* the NT call writes no read-only page */
    if (NtWriteVirtualMemory(h, l->rw + PG, buf, 2 * PG, &n) != STATUS_PARTIAL_COPY || n != PG)
        return 8;
    if (!WriteProcessMemory(h, l->ro, buf, PG, &n) || n != PG) /* read-only: written by its owner */
        return 9;
    if (!ReadProcessMemory(h, l->ro, buf + PG, PG, &n) || memcmp(buf, buf + PG, PG))
        return 10;
    if (!VirtualQueryEx(h, l->ro, &m, sizeof(m)) || m.Protect != PAGE_READONLY)
        return 11;
    if (WriteProcessMemory(h, l->rw, (void *)8, 16, &n) || GetLastError() != ERROR_NOACCESS || n != 0)
        return 12;
    if (!WriteProcessMemory(h, l->big + 5, "abc", 3, &n) || n != 3 || !ReadProcessMemory(h, l->big + 4, buf, 5, &n) ||
        buf[0] != pattern(4) || memcmp(buf + 1, "abc", 3) || buf[4] != pattern(8))
        return 13;
    return 0;
}

/* Runs the checks on a fresh target: 0 or the failed check's number. */
static int run_checks(bool nodump, bool need_eperm)
{
    int lay[2], hold[2];
    if (pipe(lay) || pipe(hold))
        return 100;
    pid_t pid = target(lay[1], hold[0], hold[1], nodump);
    struct layout l;
    int rc = read(lay[0], &l, sizeof(l)) == sizeof(l) ? 0 : 101;
    if (!rc && need_eperm) {
        char b;
        struct iovec li = {&b, 1}, ri = {l.big, 1};
        rc = process_vm_readv(pid, &li, 1, &ri, 1, 0) < 0 && errno == EPERM ? 0 : 102;
    }
    HANDLE h = rc ? NULL : OpenProcess(PROCESS_ALL_ACCESS, FALSE, (DWORD)pid);
    if (!rc)
        rc = h ? checks(h, &l) : 103;
    close(hold[1]);
    waitpid(pid, NULL, 0);
    return rc;
}

Test(vmchan, kernel_copy)
{
    unsetenv("WINVM_VM_COPY");
    int rc = run_checks(false, false);
    cr_assert_eq(rc, 0, "check %d failed", rc);
}

Test(vmchan, forced_channel)
{
    setenv("WINVM_VM_COPY", "channel", 1); /* before the runtime starts in this test's process */
    int rc = run_checks(false, false);
    cr_assert_eq(rc, 0, "check %d failed", rc);
}

/* A real refusal: as uid 65534, the target made itself non-dumpable. */
Test(vmchan, eperm_falls_back)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to become an unprivileged uid (a non-dumpable target refuses only those)");
    unsetenv("WINVM_VM_COPY");
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(110);
        _exit(run_checks(true, true));
    }
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st));
    cr_assert_eq(WEXITSTATUS(st), 0, "check %d failed", WEXITSTATUS(st));
}

/* The PE programs' cross-process checks (both directions, parent and child) forced through
 * the channel. */
Test(vmchan, pe_programs_through_channel)
{
    if (access(EXE("procmem.exe"), R_OK) != 0)
        cr_skip_test("test programs not built (mingw-w64 missing)");
    char dir[] = "/tmp/wvvmchan-XXXXXX", cmd[512], out[128];
    cr_assert(mkdtemp(dir));
    mkdir(TU_RUN_CACHE, 0700);
    const char *runs[][2] = {{"procmem.exe", "parent"}, {"proc_parent.exe", ""}};
    char sub[64]; /* proc_parent.exe's directory, below the current one (as test_process) */
    snprintf(sub, sizeof(sub), "%s/wvproc", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    for (int i = 0; i < 2; i++) {
        snprintf(out, sizeof(out), "%s/out%d.txt", dir, i);
        snprintf(cmd, sizeof(cmd),
                 "cd %s && WINVM_VM_COPY=channel WINVM_CACHE_DIR=" TU_RUN_CACHE " %s run %s/%s %s %s >%s 2>&1",
                 dir, WINVM_CLI, WINVM_PE_IMAGES, runs[i][0], runs[i][1], i ? sub : dir, out);
        int st = system(cmd);
        FILE *f = fopen(out, "r");
        static char text[16384];
        size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
        if (f)
            fclose(f);
        text[n] = 0;
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %d:\n%s", runs[i][0], st, text);
        cr_assert(!strstr(text, "FAIL"), "%s", text);
        cr_assert(strstr(text, i ? "ok read_partial_copy" : "ok write_readonly"), "%s", text);
    }
}
