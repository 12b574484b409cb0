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
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
    if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0)
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
