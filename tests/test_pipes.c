/* SPDX-License-Identifier: MIT */
/* test_pipes.c - named pipes and overlapped I/O from PE code: npipes.exe (tests/images/npipes.c
 * lists its checks) under `winvm run`, and the pipe namespace's guard: a namespace directory
 * others could enter is refused (ERROR_ACCESS_DENIED), so no other user can squat a name.
 */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

static void setup(void)
{
    if (access(EXE("npipes.exe"), R_OK) != 0)
        cr_skip_test("test programs not built (mingw-w64 missing)");
    setenv("WINVM_CACHE_DIR", TU_RUN_CACHE, 1);
}

TestSuite(pipes, .init = setup, .timeout = 60);

/* Runs `winvm run exe arg` with env set; its stdout into out, the exit status returned. */
static int run(const char *env, const char *exe, const char *arg, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s %s run %s %s 2>&1", env ? env : "", WINVM_CLI, exe, arg ? arg : "");
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

Test(pipes, named_pipes_and_overlapped_io_from_pe_code)
{
    static char out[16384];
    int st = run(NULL, EXE("npipes.exe"), NULL, out, sizeof(out));
    cr_assert_eq(st, 0, "%d failures:\n%s", st, out);
    cr_assert_eq(count(out, "FAIL"), 0, "%s", out);
    cr_assert_geq(count(out, "ok "), 37, "%s", out);
    cr_assert(strstr(out, "ok disconnect_other_process"), "%s", out);
    cr_assert(strstr(out, "ok overlapped_then_again"), "%s", out);
}

Test(pipes, a_namespace_others_can_enter_is_refused)
{
    char dir[] = "/tmp/wvpipens-XXXXXX", sub[64], env[128], out[512];
    cr_assert(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/winvm-pipes", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    snprintf(env, sizeof(env), "XDG_RUNTIME_DIR=%s", dir);
    cr_assert_eq(run(env, EXE("npipes.exe"), "squat", out, sizeof(out)), 0);
    cr_assert(strstr(out, "error 0\n"), "a private directory works: %s", out);
    chmod(sub, 0777); /* anyone could now put a socket of theirs there */
    cr_assert_eq(run(env, EXE("npipes.exe"), "squat", out, sizeof(out)), 0);
    cr_assert(strstr(out, "error 5\n"), "ERROR_ACCESS_DENIED expected: %s", out);
    rmdir(sub);
    rmdir(dir);
}

/* Issue 14, fact 6: pages the kernel writes for the program (ReadFile from files, overlapped
 * reads, anonymous and named pipes) are reported by GetWriteWatch; reads into no-access and
 * guard pages fail with ERROR_NOACCESS.  tests/images/wwio.c lists the checks. */
Test(pipes, reads_into_watched_and_forbidden_memory)
{
    static char out[4096];
    /* Both ways of watching (mm/watch.c): the kernel's where it has it, and the fallback whose
     * read-only pages the kernel itself cannot write (EFAULT before this was handled). */
    const char *modes[] = {NULL, "WINVM_WRITE_WATCH=fallback"};
    for (int i = 0; i < 2; i++) {
        int st = run(modes[i], EXE("wwio.exe"), NULL, out, sizeof(out));
        cr_assert_eq(st, 0, "%s: %d failures:\n%s", modes[i] ? modes[i] : "default", st, out);
        cr_assert_eq(count(out, "FAIL"), 0, "%s", out);
        cr_assert_geq(count(out, "ok "), 7, "%s", out);
    }
}
