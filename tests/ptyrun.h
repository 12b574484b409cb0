/* SPDX-License-Identifier: MIT */
/* ptyrun.h - a `winvm run` program as the session leader of a pseudo terminal of 100 columns
 * and 30 rows (forkpty), for the console tests (test_console.c, test_conin.c): what arrives on
 * the master and how the program ends.  Include after <criterion/criterion.h>. */
#ifndef WV_TESTS_PTYRUN_H
#define WV_TESTS_PTYRUN_H

#include "testutil.h"

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    setenv("WINVM_CACHE_DIR", TU_RUN_CACHE, 1);
    r->pid = forkpty(&r->master, NULL, NULL, &ws);
    cr_assert_geq(r->pid, 0, "forkpty: %s", strerror(errno));
    if (r->pid == 0) {
        signal(SIGINT, SIG_DFL);
        execl(WINVM_CLI, WINVM_CLI, "run", exe, mode, (char *)NULL);
        _exit(127);
    }
}

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

/* The exit status, after draining the terminal; the master stays open. */
static int finish_open(struct run *r)
{
    read_until(r, NULL, 15000);
    int st = 0;
    cr_assert_eq(waitpid(r->pid, &st, 0), r->pid);
    cr_assert(WIFEXITED(st), "ended by signal %d: %s", WTERMSIG(st), r->out);
    return WEXITSTATUS(st);
}

/* The exit status, after draining the terminal. */
static __attribute__((unused)) int finish(struct run *r)
{
    int code = finish_open(r);
    close(r->master);
    return code;
}

#endif
