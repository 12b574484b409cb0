/* SPDX-License-Identifier: MIT */
/* test_chan_stale.c - control-channel names (pPID in the per-user directory) that outlive
 * their process or are not their process's: a name left by a process killed with SIGKILL is
 * swept by the next process that starts serving; a name nobody listens on is removed by the
 * peer that finds it so, and the call fails as for a process without a channel; a name another
 * process listens on is refused on its credentials: no request reaches it, and it stays.
 */
#define _GNU_SOURCE
#include "winvm.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* The channel name of pid, as procchan_dir.c places it. */
static void chan_name(pid_t pid, char *out, size_t cap)
{
    char run[64];
    struct stat st;
    snprintf(run, sizeof(run), "/run/user/%u", (unsigned)geteuid());
    if (lstat(run, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !(st.st_mode & 077))
        snprintf(out, cap, "%s/winvm/p%d", run, (int)pid);
    else
        snprintf(out, cap, "/tmp/winvm-%u/p%d", (unsigned)geteuid(), (int)pid);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* A child that waits until its pipe closes, serving its channel when asked. */
static pid_t child(int hold[2], bool serve)
{
    int ready[2];
    cr_assert_eq(pipe(hold), 0);
    cr_assert_eq(pipe(ready), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(hold[1]);
        char c = serve && !winvm_serve_channel() ? 'x' : 'r';
        if (write(ready[1], &c, 1) != 1)
            _exit(2);
        _exit(read(hold[0], &c, 1) < 0 ? 3 : 0);
    }
    close(hold[0]);
    close(ready[1]);
    char c = 0;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    cr_assert_eq(c, 'r');
    close(ready[0]);
    return pid;
}

/* A socket bound at path, listening when asked. */
static int bound(const char *path, bool listening)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    cr_assert_geq(s, 0);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0, "bind %s: %m", path);
    if (listening)
        cr_assert_eq(listen(s, 8), 0);
    return s;
}

/* A handle to pid, whose VirtualQueryEx fails as for a process without a channel. */
static HANDLE query_refused(pid_t pid)
{
    HANDLE h = OpenProcess(PROCESS_ALL_ACCESS, FALSE, (DWORD)pid);
    cr_assert_not_null(h);
    MEMORY_BASIC_INFORMATION m;
    SetLastError(0);
    cr_assert_eq(VirtualQueryEx(h, NULL, &m, sizeof(m)), 0);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    return h;
}

Test(chan_stale, killed_process_name_swept_by_next_server)
{
    int hold[2];
    pid_t pid = child(hold, true);
    char name[128];
    chan_name(pid, name, sizeof(name));
    cr_assert(exists(name), "%s is not there while it serves", name);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(hold[1]);
    cr_assert(exists(name), "SIGKILL left no name: nothing to test");
    cr_assert(winvm_serve_channel()); /* this process starts serving: it sweeps */
    cr_assert(!exists(name), "the dead process's name %s is still there", name);
    char own[128];
    chan_name(getpid(), own, sizeof(own));
    cr_assert(exists(own));
}

Test(chan_stale, refused_name_removed_by_the_peer)
{
    int hold[2];
    pid_t pid = child(hold, false); /* alive, serves nothing */
    char name[128];
    chan_name(pid, name, sizeof(name));
    cr_assert(winvm_serve_channel()); /* the directory exists */
    close(bound(name, false));        /* a name with no listener, as a killed server leaves */
    HANDLE h = query_refused(pid);
    cr_assert(!exists(name), "the stale name %s was not removed", name);
    cr_assert_eq(kill(pid, 0), 0, "the child is alive: only its stale name went");
    CloseHandle(h);
    close(hold[1]);
    waitpid(pid, NULL, 0);
}

Test(chan_stale, name_of_another_process_refused)
{
    int hold[2];
    pid_t pid = child(hold, false);
    char name[128];
    chan_name(pid, name, sizeof(name));
    cr_assert(winvm_serve_channel());
    int s = bound(name, true); /* this process listens under the child's name */
    HANDLE h = query_refused(pid);
    /* The connections it took (OpenProcess's watch, the query's) carried no request. */
    int c, took = 0;
    fcntl(s, F_SETFL, O_NONBLOCK);
    while ((c = accept(s, NULL, NULL)) >= 0) {
        char b[64];
        took++;
        cr_assert_eq(recv(c, b, sizeof(b), MSG_DONTWAIT), 0, "a request reached the squatter");
        close(c);
    }
    cr_assert_gt(took, 0, "nobody connected: nothing was refused");
    cr_assert(exists(name), "a live listener's name was removed");
    close(s);
    unlink(name);
    CloseHandle(h);
    close(hold[1]);
    waitpid(pid, NULL, 0);
}
