/* SPDX-License-Identifier: MIT */
/* process_child.c - the child's side of CreateProcess (process_create.c is the parent's).
 *
 * The parent runs `winvm run APP` with variables it removes again here, before the
 * program can see its environment:
 *   WINVM_CMDLINE  the command line, verbatim (GetCommandLine returns exactly it; the C
 *                  runtime's argv is read from it with Windows' rules);
 *   WINVM_CWD      C:\windows or C:\windows\system32: the current directory the parent kept
 *                  there (k32_sysdir.c), which the host lacks
 *   WINVM_CHILD    "E,R": descriptor E is the exit pipe, where ExitProcess writes its 32-bit
 *                  code (Linux keeps 8 bits of an exit status); R, when not -1, the start pipe
 *                  of a CREATE_SUSPENDED child: it reads one byte (ResumeThread) before going
 *                  on, and ends without running when the pipe closes first (the parent closed
 *                  every handle, or died, without resuming it).
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "runtime/con_int.h"
#include "runtime/debug_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int wv_exit_fd = -1;

/* Blocks until the parent resumes the child: true, or false when the pipe closed first. */
static bool wv_wait_resume(int fd)
{
    char go;
    ssize_t n;
    while ((n = read(fd, &go, 1)) < 0 && errno == EINTR)
        ;
    close(fd);
    return n == 1;
}

bool wv_child_start(void)
{
    const char *cmd = getenv("WINVM_CMDLINE"), *child = getenv("WINVM_CHILD");
    if (cmd) {
        wv_set_command_line_raw(cmd);
        unsetenv("WINVM_CMDLINE");
    }
    const char *cwd = getenv("WINVM_CWD"); /* the parent's kept current directory */
    if (cwd) {
        (void)wv_sysdir_chdir(cwd);
        unsetenv("WINVM_CWD");
    }
    if (!child)
        return true;
    const char *dbg = getenv("WINVM_DEBUG");
    int d = dbg ? atoi(dbg) : -1;
    unsetenv("WINVM_DEBUG");
    if (d > 2 && fcntl(d, F_SETFD, FD_CLOEXEC) == 0)
        wv_debug_child_init(d);
    int e = -1, r = -1;
    if (sscanf(child, "%d,%d", &e, &r) != 2)
        e = r = -1;
    unsetenv("WINVM_CHILD");
    wv_xfer_inherited(); /* bInheritHandles: the parent's handles, under the same values */
    /* Neither descriptor goes further: the program's own children get their own. */
    if (e >= 0 && fcntl(e, F_SETFD, FD_CLOEXEC) == 0)
        wv_exit_fd = e;
    if (r >= 0 && fcntl(r, F_SETFD, FD_CLOEXEC) == 0)
        return wv_wait_resume(r);
    return true;
}

void wv_child_exit(UINT code)
{
    int fd = __atomic_exchange_n(&wv_exit_fd, -1, __ATOMIC_ACQ_REL);
    uint32_t v = code;
    wv_console_restore(); /* the terminal's modes as the process found them */
    wv_debug_exit(code); /* EXIT_PROCESS_DEBUG_EVENT, answered before the end */
    wv_job_exit();       /* members of its kill-on-close jobs end with it */
    wv_chan_exit_notify(code); /* watchers that are not the parent (procchan_serve.c) */
    if (fd >= 0) {
        ssize_t w = write(fd, &v, sizeof(v)); /* fails when the parent has gone: nobody to tell */
        (void)w;
    }
}
