/* SPDX-License-Identifier: MIT */
/* privdir.c - a per-user directory winvm keeps things in (process channels, the registry, pipe
 * names): opened without following a symlink and trusted only when the descriptor shows a
 * directory of this user that no one else can enter.  Everything later is *at() relative to
 * the descriptor, so the path is never looked up again. */
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int wv_private_dir(const char *path, bool create)
{
    if (create && mkdir(path, 0700) != 0 && errno != EEXIST)
        return -1;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))) {
        close(fd);
        errno = EACCES; /* someone else's, or open to others: never used */
        fd = -1;
    }
    return fd;
}
