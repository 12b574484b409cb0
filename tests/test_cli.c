/* test_cli.c - `winvm map` and `winvm share` read real processes correctly. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t run(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    char rest[4096]; /* drain what does not fit, so the tool never dies of a broken pipe */
    while (fread(rest, 1, sizeof(rest), p) > 0)
        ;
    cr_assert_eq(pclose(p), 0, "%s failed", cmd);
    return n;
}

/* A child that maps the section FILE_MAP_COPY, writes page 0 (its copy) and touches page 1. */
static pid_t copier(const char *name, int ready_fd)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(30);
        HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
        char *c = h ? MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0) : NULL;
        if (!c)
            _exit(2);
        c[0] = 'x';
        (void)*(volatile char *)(c + PAGE);
        if (write(ready_fd, "r", 1) != 1)
            _exit(3);
        pause();
        _exit(0);
    }
    return pid;
}

Test(cli, share_reports_shared_pages_and_private_copies)
{
    const char *name = "winvm-cli-share";
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 2 * PAGE, name);
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(w);
    memset(w, 'a', 2 * PAGE);
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t a = copier(name, ready[1]), b = copier(name, ready[1]);
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    cr_assert_eq(read(ready[0], &c, 1), 1);
    char cmd[256], out[8192];
    snprintf(cmd, sizeof(cmd), "%s share %d %d %d", WINVM_CLI, (int)getpid(), (int)a, (int)b);
    run(cmd, out, sizeof(out));
    kill(a, SIGKILL), kill(b, SIGKILL);
    waitpid(a, NULL, 0), waitpid(b, NULL, 0);
    char *line = strstr(out, "section \"winvm-cli-share\"");
    cr_assert_not_null(line, "no line for the section in:\n%s", out);
    /* page 1 is shared by all three; page 0 is copied in both children */
    cr_assert_not_null(strstr(line, "2 resident pages"), "%s", out);
    cr_assert_not_null(strstr(line, "2 private copies"), "%s", out);
    char want[64];
    snprintf(want, sizeof(want), "page 0: private copy in pid %d", (int)a);
    cr_assert_not_null(strstr(out, want), "%s", out);
    UnmapViewOfFile(w);
    CloseHandle(h);
}

Test(cli, map_lists_a_view_as_mapped_with_its_name)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4 * PAGE, "winvm-cli-map");
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(w);
    memset(w, 1, 3 * PAGE);
    static char out[1 << 20];
    char cmd[256], base[32];
    snprintf(cmd, sizeof(cmd), "%s map %d", WINVM_CLI, (int)getpid());
    run(cmd, out, sizeof(out));
    snprintf(base, sizeof(base), "%014lx", (unsigned long)(uintptr_t)w);
    char *line = strstr(out, base);
    cr_assert_not_null(line, "view %s not listed:\n%s", base, out);
    char *eol = strchr(line, '\n');
    if (eol)
        *eol = 0;
    cr_assert_not_null(strstr(line, "mapped"), "%s", line);
    cr_assert_not_null(strstr(line, "READWRITE"), "%s", line);
    cr_assert_not_null(strstr(line, "winvm-cli-map"), "%s", line);
    cr_assert_not_null(strstr(line, "      12 "), "12 KiB resident expected: %s", line);
    snprintf(cmd, sizeof(cmd), "%s map %d --json", WINVM_CLI, (int)getpid());
    run(cmd, out, sizeof(out));
    cr_assert_not_null(strstr(out, "\"section\": \"winvm-cli-map\""), "%s", out);
    UnmapViewOfFile(w);
    CloseHandle(h);
}
