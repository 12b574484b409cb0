/* SPDX-License-Identifier: MIT */
/* procchan_dir.c - where the control channels of a user's winvm processes meet: one directory
 * per user, /run/user/UID/winvm when the login's runtime directory exists and is ours, else
 * /tmp/winvm-UID.  The choice depends on the uid alone (not on the environment, which a
 * CreateProcess caller may replace), so every process of the user finds every other.
 *
 * The directory is trusted only after it was opened (O_NOFOLLOW: the last component is no
 * symlink) and its descriptor checked: a directory, owned by our effective uid, no access for
 * group or others.  Every later use goes through that descriptor (/proc/self/fd/N/...), never
 * the name again.  Only our uid can then create a socket in it; a peer is still checked with
 * the kernel's credentials (SO_PEERCRED) on every connection, both ways.
 *
 * Stale names: a process killed by SIGKILL leaves its pPID behind.  Nobody is confused by one
 * (a refused connection is no channel; one accepted by another process than pid is refused on
 * its credentials), and each is removed by the next process that meets it: a connection
 * refused on it, or a process starting to serve, which sweeps the names of dead pids.  A
 * removal and a bind+listen happen under the directory lock (an exclusive flock of a fresh
 * descriptor of the directory: one per use, so threads and forked processes exclude each
 * other too; released by the kernel when its holder dies, so a crash blocks nobody).  Under
 * it, a name refusing connections has no server starting on it, and a dead pid cannot come
 * back and bind its name before the removal: only the stale name is ever removed.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int wv_dir_fd = -1;

/* /run/user/UID when it is a directory of ours closed to others. */
static bool wv_run_user(char *path, size_t cap)
{
    snprintf(path, cap, "/run/user/%u", (unsigned)geteuid());
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    bool ok = fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & 077);
    if (fd >= 0)
        close(fd);
    return ok;
}

int wv_chan_dir(void)
{
    int fd = __atomic_load_n(&wv_dir_fd, __ATOMIC_ACQUIRE);
    if (fd >= 0)
        return fd;
    char base[64], path[96];
    if (wv_run_user(base, sizeof(base)))
        snprintf(path, sizeof(path), "%s/winvm", base);
    else
        snprintf(path, sizeof(path), "/tmp/winvm-%u", (unsigned)geteuid());
    fd = wv_private_dir(path, true);
    if (fd < 0)
        return -1;
    int none = -1; /* two threads at once: one descriptor stays, the other is closed */
    if (!__atomic_compare_exchange_n(&wv_dir_fd, &none, fd, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        close(fd);
        fd = none;
    }
    return fd;
}

void wv_chan_path(int dir, pid_t pid, char *buf, size_t cap)
{
    snprintf(buf, cap, "/proc/self/fd/%d/p%d", dir, (int)pid);
}

int wv_chan_dir_lock(void)
{
    int dir = wv_chan_dir();
    int fd = dir < 0 ? -1 : openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd >= 0 && flock(fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return close(fd), -1;
    return fd;
}

void wv_chan_dir_unlock(int lock)
{
    if (lock >= 0)
        close(lock); /* the flock goes with its only descriptor */
}

/* The pid a channel name stands for, or 0 for another name. */
static pid_t wv_name_pid(const char *name)
{
    if (name[0] != 'p' || name[1] < '1' || name[1] > '9')
        return 0;
    char *end;
    long v = strtol(name + 1, &end, 10);
    return *end || v <= 0 || v > 0x3fffffff ? 0 : (pid_t)v;
}

void wv_chan_sweep(void)
{
    int lock = wv_chan_dir_lock(), at = lock < 0 ? -1 : openat(lock, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = at < 0 ? NULL : fdopendir(at);
    if (!d && at >= 0)
        close(at);
    for (struct dirent *e; d && (e = readdir(d));) {
        pid_t pid = wv_name_pid(e->d_name);
        if (pid && pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH)
            unlinkat(dirfd(d), e->d_name, 0); /* its process is gone: nobody will listen there */
    }
    if (d)
        closedir(d);
    wv_chan_dir_unlock(lock);
}

/* Connects s to path.  A refused name is probed again under the directory lock (a server may
 * be between its bind and its listen; the probe does not block, so the lock is never held
 * across a wait) and removed when it still refuses; then s is tried once more: 0 or -1. */
static int wv_connect_name(int s, const struct sockaddr_un *a, pid_t pid)
{
    if (connect(s, (const struct sockaddr *)a, sizeof(*a)) == 0)
        return 0;
    if (errno != ECONNREFUSED || pid == getpid())
        return -1;
    int lock = wv_chan_dir_lock(), probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lock >= 0 && probe >= 0 && connect(probe, (const struct sockaddr *)a, sizeof(*a)) != 0 &&
        errno == ECONNREFUSED) {
        char name[32];
        snprintf(name, sizeof(name), "p%d", (int)pid);
        unlinkat(wv_chan_dir(), name, 0); /* nobody listens, nor is about to: a stale name */
    }
    if (probe >= 0)
        close(probe);
    wv_chan_dir_unlock(lock);
    return connect(s, (const struct sockaddr *)a, sizeof(*a));
}

int wv_chan_connect(pid_t pid)
{
    int dir = wv_chan_dir();
    if (dir < 0)
        return -1;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    wv_chan_path(dir, pid, a.sun_path, sizeof(a.sun_path));
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct ucred cr;
    socklen_t len = sizeof(cr);
    if (wv_connect_name(s, &a, pid) != 0)
        goto fail;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
        goto fail;
    if (cr.pid != pid || cr.uid != geteuid()) {
        errno = EACCES; /* a stale name taken by another process: not the target */
        goto fail;
    }
    return s;
fail:;
    int e = errno;
    close(s);
    errno = e;
    return -1;
}
