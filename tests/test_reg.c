/* SPDX-License-Identifier: MIT */
/* test_reg.c - advapi32's registry from PE code: reg.exe (tests/images/reg.c lists its checks)
 * under `winvm run`, each run with XDG_DATA_HOME set to a fresh directory, so the registry it
 * finds is the seeded one and nothing of the user's is touched. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE WINVM_PE_IMAGES "/reg.exe"

static char home[64];

static void fresh_home(void)
{
    tu_need_pe(EXE, NULL);
    strcpy(home, "/tmp/winvm-reg-XXXXXX");
    cr_assert_not_null(mkdtemp(home));
    setenv("XDG_DATA_HOME", home, 1);
}

/* Runs reg.exe with args; its output into out, its exit status returned. */
static int run(const char *args, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s run %s %s 2>&1", WINVM_CLI, EXE, args);
    return tu_capture(cmd, out, cap);
}

static void cleanup(void)
{
    tu_remove_tree(home);
}

Test(reg, every_call_from_pe_code, .timeout = 60)
{
    fresh_home();
    static char out[16384];
    int st = run("", out, sizeof(out));
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    int oks = 0;
    for (const char *s = out; (s = strstr(s, "ok ")); s += 3)
        oks++;
    cr_assert_eq(oks, 56, "%s", out);
    /* the directory: ours alone; the file: written whole (no temporary left) */
    char path[128];
    struct stat st_dir, st_file;
    snprintf(path, sizeof(path), "%s/winvm", home);
    cr_assert_eq(lstat(path, &st_dir), 0);
    cr_assert(S_ISDIR(st_dir.st_mode) && (st_dir.st_mode & 0777) == 0700, "mode %o", st_dir.st_mode);
    snprintf(path, sizeof(path), "%s/winvm/registry", home);
    cr_assert_eq(lstat(path, &st_file), 0);
    cr_assert_eq(st_file.st_mode & 077, 0);
    snprintf(path, sizeof(path), "ls %s/winvm | grep -c tmp", home);
    FILE *p = popen(path, "r");
    char n[8] = "";
    cr_assert(fgets(n, sizeof(n), p));
    pclose(p);
    cr_assert_eq(atoi(n), 0, "a temporary file left");
    cleanup();
}

Test(reg, values_persist_across_processes, .timeout = 60)
{
    fresh_home();
    char out[512];
    int st = run("read", out, sizeof(out));
    cr_assert_neq(st, 0, "nothing yet: %s", out);
    cr_assert_eq(run("write", out, sizeof(out)), 0, "%s", out);
    cr_assert_eq(run("read", out, sizeof(out)), 0, "%s", out);
    cr_assert_not_null(strstr(out, "persist kept 0x1122334455667788 (0)"), "%s", out);
    /* HKLM: the machine's, writable by root only, as for an elevated Windows process */
    cr_assert_eq(run("hklm", out, sizeof(out)), 0, "%s", out);
    cr_assert_not_null(strstr(out, geteuid() == 0 ? "hklm allowed" : "hklm denied"), "%s", out);
    cleanup();
}

Test(reg, a_directory_that_is_a_symlink_is_refused, .timeout = 60)
{
    fresh_home();
    char target[100], link[160], out[512];
    snprintf(target, sizeof(target), "%s/elsewhere", home);
    snprintf(link, sizeof(link), "%s/winvm", home);
    cr_assert_eq(mkdir(target, 0700), 0);
    cr_assert_eq(symlink(target, link), 0);
    cr_assert_eq(run("write", out, sizeof(out)), 1, "%s", out);
    cr_assert_not_null(strstr(out, "write 5"), "ERROR_ACCESS_DENIED: %s", out);
    snprintf(link, sizeof(link), "%s/registry", target);
    cr_assert_neq(access(link, F_OK), 0, "nothing written through the link");
    cleanup();
}
