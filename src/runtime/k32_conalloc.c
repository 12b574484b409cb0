/* SPDX-License-Identifier: MIT */
/* k32_conalloc.c - whether the process has a console: FreeConsole, AllocConsole,
 * AttachConsole, GetConsoleWindow.
 *
 * A console is the terminal the process runs on (k32_console.c).  A process starts attached
 * to it.  FreeConsole detaches: from then on no handle is a console (every console call on the
 * handles that were, standard handles included, is ERROR_INVALID_HANDLE; GetConsoleCP is 0),
 * while the handles themselves stay as they were, as on Windows (Wine's console.c
 * test_FreeConsole, test_AllocConsole_child).  AllocConsole or AttachConsole attaches again, to
 * the same terminal: the old handles are consoles again, and a standard handle the process
 * lacks (its descriptor closed) is given the terminal.  A process without a terminal has no
 * console to attach to (docs/semantics.md, "Console allocation"). */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"
#include "runtime/con_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <winvm/console.h>

static pthread_mutex_t wv_attach_lock = PTHREAD_MUTEX_INITIALIZER;
static bool wv_detached; /* FreeConsole ran and nothing attached since (atomic reads) */

bool wv_console_attached(void) { return !__atomic_load_n(&wv_detached, __ATOMIC_ACQUIRE); }

/* The terminal the process has: its controlling terminal, else a standard descriptor that is
 * a terminal; a descriptor to close, or -1. */
static int wv_terminal(void)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    for (int i = 0; fd < 0 && i < 3; i++)
        if (isatty(i))
            fd = fcntl(i, F_DUPFD_CLOEXEC, 3);
    return fd;
}

/* Attaches to the terminal tty (lock held): the standard descriptors the process lacks become
 * it, so GetStdHandle gives console handles for them. */
static void wv_con_attach(int tty)
{
    for (int i = 0; i < 3; i++)
        if (fcntl(i, F_GETFD) < 0)
            dup2(tty, i);
    __atomic_store_n(&wv_detached, false, __ATOMIC_RELEASE);
}

BOOL WINAPI FreeConsole(void)
{
    pthread_mutex_lock(&wv_attach_lock);
    __atomic_store_n(&wv_detached, true, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&wv_attach_lock);
    return TRUE; /* also when there was none, as on Windows */
}

BOOL WINAPI AllocConsole(void)
{
    DWORD err = 0;
    pthread_mutex_lock(&wv_attach_lock);
    int tty = -1;
    if (wv_console_attached())
        err = ERROR_ACCESS_DENIED; /* one console per process */
    else if ((tty = wv_terminal()) < 0)
        err = ERROR_NOT_SUPPORTED; /* no terminal to be the new console: winvm opens no window */
    else
        wv_con_attach(tty);
    pthread_mutex_unlock(&wv_attach_lock);
    if (tty >= 0)
        close(tty);
    return err ? wv_fail(err) : TRUE;
}

/* The controlling terminal of process pid (/proc's tty_nr; 0: none), or -1 when there is no
 * such process. */
static long wv_tty_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    int tty = 0;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %d", &tty) != 1)
        return -1;
    return tty;
}

/* pid's console is this process's terminal: 0, or the error AttachConsole reports. */
static DWORD wv_attach_check(DWORD pid)
{
    pid_t target = pid == ATTACH_PARENT_PROCESS ? getppid() : (pid_t)pid;
    if (pid != ATTACH_PARENT_PROCESS && (pid == 0 || pid > 0x7FFFFFFF))
        return ERROR_INVALID_PARAMETER;
    long theirs = wv_tty_of(target), mine = wv_tty_of(getpid());
    if (theirs < 0)
        return pid == ATTACH_PARENT_PROCESS ? ERROR_INVALID_HANDLE : ERROR_INVALID_PARAMETER;
    /* this process has none now; another one's console is reachable only when it is the
     * terminal this process has too */
    if (target == getpid() || theirs == 0 || theirs != mine)
        return ERROR_INVALID_HANDLE;
    return 0;
}

BOOL WINAPI AttachConsole(DWORD pid)
{
    DWORD err = 0;
    int tty = -1;
    pthread_mutex_lock(&wv_attach_lock);
    if (wv_console_attached())
        err = ERROR_ACCESS_DENIED;
    else if (!(err = wv_attach_check(pid)) && (tty = wv_terminal()) < 0)
        err = ERROR_INVALID_HANDLE;
    if (!err)
        wv_con_attach(tty);
    pthread_mutex_unlock(&wv_attach_lock);
    if (tty >= 0)
        close(tty);
    return err ? wv_fail(err) : TRUE;
}

/* A console has no window here (a terminal is not one winvm could name): NULL; without a
 * console also ERROR_INVALID_HANDLE, as Windows answers then. */
void *WINAPI GetConsoleWindow(void)
{
    if (!wv_console_attached())
        wv_set_error(ERROR_INVALID_HANDLE);
    return NULL;
}
