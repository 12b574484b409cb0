/* SPDX-License-Identifier: MIT */
/* test_console.c - the console over a pseudo terminal: tests/images/conctl.exe under `winvm
 * run` as the session leader of a pty of 100 columns and 30 rows (forkpty); what arrives on the
 * master (escape sequences, the program's lines) and how it ends.  Ctrl+C is the terminal's
 * ^C (ISIG), Windows' CTRL_C_EVENT. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
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

struct run {
    int master;
    pid_t pid;
    char out[8192];
    size_t n;
};

static void start_exe(struct run *r, const char *exe, const char *mode)
{
    struct winsize ws = {.ws_row = 30, .ws_col = 100};
    memset(r, 0, sizeof(*r));
    setenv("WINVM_CACHE_DIR", "/tmp/winvm-test-run-cache", 1);
    r->pid = forkpty(&r->master, NULL, NULL, &ws);
    cr_assert_geq(r->pid, 0, "forkpty: %s", strerror(errno));
    if (r->pid == 0) {
        signal(SIGINT, SIG_DFL);
        execl(WINVM_CLI, WINVM_CLI, "run", exe, mode, (char *)NULL);
        _exit(127);
    }
}

static void start(struct run *r, const char *mode) { start_exe(r, WINVM_PE_IMAGES "/conctl.exe", mode); }

/* Reads the master until needle arrives (true) or ms pass or the terminal closes. */
static bool read_until(struct run *r, const char *needle, int ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        r->out[r->n] = 0;
        if (needle && strstr(r->out, needle))
            return true;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd p = {.fd = r->master, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return false;
        ssize_t k = read(r->master, r->out + r->n, sizeof(r->out) - 1 - r->n);
        if (k <= 0)
            return false; /* EIO: every holder of the slave closed it */
        r->n += (size_t)k;
    }
}

/* The exit status, after draining the terminal. */
static int finish(struct run *r)
{
    read_until(r, NULL, 15000);
    int st = 0;
    cr_assert_eq(waitpid(r->pid, &st, 0), r->pid);
    close(r->master);
    cr_assert(WIFEXITED(st), "ended by signal %d: %s", WTERMSIG(st), r->out);
    return WEXITSTATUS(st);
}

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
