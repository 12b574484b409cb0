/* SPDX-License-Identifier: MIT */
/* npipe_ns.c - the namespace of named pipes and mailslots: per user, on the host.
 *
 * A pipe named "\\\\.\\pipe\\NAME" (a mailslot "\\\\.\\mailslot\\NAME") is an AF_UNIX socket
 * in a directory only its user can enter: $XDG_RUNTIME_DIR/winvm-pipes when that is set, else
 * /tmp/winvm-pipes-UID.  The directory is made 0700 and then checked on its open descriptor (a
 * directory, the user's, no access for anyone else: ERROR_ACCESS_DENIED otherwise), so another
 * user can neither create a name in it (squat) nor put a directory or a link of their own in
 * its place.  Sockets are bound and connected through that descriptor (/proc/self/fd/N/FILE:
 * the *at() form AF_UNIX lacks), so the path is never looked up again.  Windows compares pipe
 * and mailslot names without case: a name is folded (ASCII) and hashed into a fixed-length file
 * name, which always fits sun_path.
 */
#define _GNU_SOURCE
#include "runtime/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static pthread_once_t wv_pipens_once = PTHREAD_ONCE_INIT;
static int wv_pipens_fd = -1;

static void wv_pipens_open(void)
{
    char path[256];
    const char *run = getenv("XDG_RUNTIME_DIR");
    if (run && run[0] == '/' && strlen(run) < 200)
        snprintf(path, sizeof(path), "%s/winvm-pipes", run);
    else
        snprintf(path, sizeof(path), "/tmp/winvm-pipes-%u", (unsigned)getuid());
    wv_pipens_fd = wv_private_dir(path, true); /* someone else's, or open to others: -1 */
}

/* The socket file for a name: the kind ('p' a pipe, 'm' a mailslot) and 32 hex digits of two
 * FNV-1a hashes of the folded name (distinct seeds). */
static void wv_pipens_file(char kind, const char *name, char out[40])
{
    uint64_t h1 = 0xcbf29ce484222325ull, h2 = 0x84222325cbf29ce4ull;
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        unsigned c = *s >= 'A' && *s <= 'Z' ? *s + 32u : *s;
        h1 = (h1 ^ c) * 0x100000001b3ull;
        h2 = (h2 ^ c) * 0x100000001b3ull ^ (h2 >> 29);
    }
    snprintf(out, 40, "%c%016llx%016llx", kind, (unsigned long long)h1, (unsigned long long)h2);
}

DWORD wv_ns_sockaddr(char kind, const char *name, void *addr, socklen_t *len)
{
    pthread_once(&wv_pipens_once, wv_pipens_open);
    if (wv_pipens_fd < 0)
        return ERROR_ACCESS_DENIED;
    char file[40];
    wv_pipens_file(kind, name, file);
    struct sockaddr_un *sun = addr;
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    snprintf(sun->sun_path, sizeof(sun->sun_path), "/proc/self/fd/%d/%s", wv_pipens_fd, file);
    *len = (socklen_t)sizeof(*sun);
    return 0;
}

void wv_ns_unlink(char kind, const char *name)
{
    pthread_once(&wv_pipens_once, wv_pipens_open);
    char file[40];
    wv_pipens_file(kind, name, file);
    if (wv_pipens_fd >= 0)
        unlinkat(wv_pipens_fd, file, 0);
}

DWORD wv_npipe_sockaddr(const char *name, void *addr, socklen_t *len) { return wv_ns_sockaddr('p', name, addr, len); }
void wv_npipe_unlink(const char *name) { wv_ns_unlink('p', name); }

/* The directory's lock for replacing a dead server's socket file: a flock of a descriptor of
 * its own (flock is per open file description, so threads of one process exclude each other
 * too); -1 when it cannot be had.  Released by wv_ns_unlock (or the holder's death). */
int wv_ns_lock_dir(void)
{
    pthread_once(&wv_pipens_once, wv_pipens_open);
    int fd = wv_pipens_fd >= 0 ? openat(wv_pipens_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

void wv_ns_unlock_dir(int fd)
{
    if (fd >= 0)
        close(fd); /* the lock goes with its last descriptor */
}
