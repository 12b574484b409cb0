/* SPDX-License-Identifier: MIT */
/* fault_child.h - run a piece of a fault test in a forked child, so the order of signal
 * handlers is controlled and deaths can be observed; its stderr is captured through a pipe. */
#ifndef WV_FAULT_CHILD_H
#define WV_FAULT_CHILD_H

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct fc_result {
    int status;      /* from waitpid */
    char err[4096];  /* the child's stderr, NUL-terminated */
    size_t err_len;
};

/* Runs fn(arg) in a child with stderr on a pipe; the child exits with fn's return value. */
static inline struct fc_result fc_run(int (*fn)(void *), void *arg)
{
    struct fc_result r;
    memset(&r, 0, sizeof(r));
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        close(fds[1]);
        /* A clean slate: nobody's SIGSEGV handler but the ones the child installs. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        alarm(20); /* a hang (a loop in the fault path) ends as SIGALRM, not a stuck suite */
        _exit(fn(arg));
    }
    close(fds[1]);
    for (;;) {
        char chunk[1024];
        ssize_t n = read(fds[0], chunk, sizeof(chunk));
        if (n <= 0)
            break;
        /* keep the start, drain the rest (a long sanitizer report must not block the child) */
        size_t room = sizeof(r.err) - 1 - r.err_len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(r.err + r.err_len, chunk, take);
        r.err_len += take;
    }
    close(fds[0]);
    cr_assert_eq(waitpid(pid, &r.status, 0), pid);
    return r;
}

#define FC_EXITED_OK(r)                                                                        \
    cr_assert(WIFEXITED((r).status) && WEXITSTATUS((r).status) == 0,                          \
              "child: %s %d; stderr: %s", WIFEXITED((r).status) ? "exit" : "signal",          \
              WIFEXITED((r).status) ? WEXITSTATUS((r).status) : WTERMSIG((r).status), (r).err)

#define FC_KILLED_BY(r, sig)                                                                   \
    cr_assert(WIFSIGNALED((r).status) && WTERMSIG((r).status) == (sig),                        \
              "child: %s %d, want signal %d; stderr: %s",                                      \
              WIFEXITED((r).status) ? "exit" : "signal",                                       \
              WIFEXITED((r).status) ? WEXITSTATUS((r).status) : WTERMSIG((r).status), (sig),   \
              (r).err)

/* In a child: fail with a distinct exit code and a message on stderr. */
#define FC_CHECK(cond, code)                                                                   \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);           \
            return (code);                                                                     \
        }                                                                                      \
    } while (0)

#endif
