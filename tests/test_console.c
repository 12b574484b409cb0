/* SPDX-License-Identifier: MIT */
/* test_console.c - the console over a pseudo terminal: tests/images/conctl.exe under `winvm
 * run` as the session leader of a pty of 100 columns and 30 rows (forkpty); what arrives on the
 * master (escape sequences, the program's lines) and how it ends.  Ctrl+C is the terminal's
 * ^C (ISIG), Windows' CTRL_C_EVENT. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

#include "ptyrun.h"

static void start(struct run *r, const char *mode) { start_exe(r, WINVM_PE_IMAGES "/conctl.exe", mode); }

Test(console, screen_calls_write_escape_sequences_to_the_terminal, .timeout = 60)
{
    struct run r;
    start(&r, "screen");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    /* red + intensity on blue: bright red (91) on blue (44) */
    cr_assert(strstr(r.out, "\x1b[0;91;44m"), "%s", r.out);
    cr_assert(strstr(r.out, "\x1b[3;5H"), "row 2, column 4 from 0: CUP 3;5: %s", r.out);
    cr_assert(strstr(r.out, "\x1b]0;wv-title\a"), "%s", r.out);
    cr_assert(strstr(r.out, "size 100 30 attr 28 cursor 4 2 title wv-title"), "%s", r.out);
}

Test(console, ctrl_c_runs_the_handlers_newest_first_on_another_thread, .timeout = 60)
{
    struct run r;
    start(&r, "ctrlc");
    cr_assert(read_until(&r, "ready", 20000), "%s", r.out);
    cr_assert_eq(write(r.master, "\x03", 1), 1);
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    char *b = strstr(r.out, "B other"), *a = strstr(r.out, "A other");
    cr_assert(b && a && b < a, "B (added last, returns FALSE) then A: %s", r.out);
}

Test(console, generate_ctrl_c_event_reaches_the_process, .timeout = 60)
{
    struct run r;
    start(&r, "gen");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert(strstr(r.out, "A other") && !strstr(r.out, "FAIL"), "%s", r.out);
}

Test(console, no_handler_taking_ctrl_c_ends_with_status_control_c_exit, .timeout = 60)
{
    struct run r;
    start(&r, "false");
    cr_assert(read_until(&r, "ready", 20000), "%s", r.out);
    cr_assert_eq(write(r.master, "\x03", 1), 1);
    int code = finish(&r);
    cr_assert_eq(code, 0xC000013A & 0xff, "STATUS_CONTROL_C_EXIT's low byte, not 5: %d %s", code, r.out);
    cr_assert(strstr(r.out, "B other"), "%s", r.out);
}

Test(console, ctrl_c_ignored_after_set_console_ctrl_handler_null_true, .timeout = 60)
{
    struct run r;
    start(&r, "ignore");
    cr_assert(read_until(&r, "ready", 20000), "%s", r.out);
    cr_assert_eq(write(r.master, "\x03", 1), 1);
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert(strstr(r.out, "survived") && !strstr(r.out, "A other"), "%s", r.out);
}

Test(console, msvcrt_sigint_handler_runs_from_a_control_handler, .timeout = 60)
{
    struct run r;
    start_exe(&r, WINVM_PE_IMAGES "/crtsig.exe", NULL);
    cr_assert(read_until(&r, "ready", 20000), "%s", r.out);
    cr_assert_eq(write(r.master, "\x03", 1), 1);
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert(strstr(r.out, "caught 2 other"), "%s", r.out);
}

/* FreeConsole detaches (no handle is a console, the standard handles stay), AllocConsole and
 * AttachConsole attach again to the terminal; a child on the same terminal attaches to its
 * parent's console (conalloc.exe lists the checks). */
Test(console, free_alloc_attach_console_on_a_terminal, .timeout = 60)
{
    struct run r;
    start_exe(&r, WINVM_PE_IMAGES "/conalloc.exe", "main");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert(strstr(r.out, "ok child_attach_parent"), "%s", r.out);
    cr_assert(strstr(r.out, "done 0"), "%s", r.out);
    cr_assert_null(strstr(r.out, "FAIL"), "%s", r.out);
}

/* Without any terminal (a new session, pipes for its standard handles) AllocConsole has no
 * console to give: ERROR_NOT_SUPPORTED. */
Test(console, alloc_console_without_a_terminal_fails, .timeout = 60)
{
    int out[2];
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setsid(); /* no controlling terminal */
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0), dup2(out[1], 1), dup2(out[1], 2);
        close(out[0]);
        execl(WINVM_CLI, WINVM_CLI, "run", WINVM_PE_IMAGES "/conalloc.exe", "noterm", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    static char buf[4096];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof(buf) - 1 && (k = read(out[0], buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = 0;
    close(out[0]);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", buf);
    cr_assert(strstr(buf, "ok noterm_alloc"), "%s", buf);
}
