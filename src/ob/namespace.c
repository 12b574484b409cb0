/* SPDX-License-Identifier: MIT */
/* namespace.c - the per-user namespace of named kernel objects shared between processes
 * (sections today; events and mutexes may follow).  The contract is in ob.h; why it is safe:
 *
 * /dev/shm is world-writable (sticky): any local user can create a name there before us, make
 * it a symlink, or hold a lock on a file we would open.  So nothing there is trusted except a
 * directory we verify on its descriptor: a directory, owned by us, mode exactly 0700.  Inside
 * it only we (and root) can create, rename or remove anything, so a name file found there is
 * one of ours, and a lock taken on the directory cannot be held by anyone else.  Every later
 * step is relative to that descriptor (openat/unlinkat with O_NOFOLLOW): a swap of the path
 * afterwards changes nothing.  When another user squats the directory's name (a file, a
 * symlink, a directory of theirs), the next candidate name is tried: they can make winvm use
 * another name, never a directory of theirs.
 *
 * Lifetime without a daemon: each process holding a name holds a shared flock on its own open
 * of the name's file.  Releasing drops it and removes the name when an exclusive lock can
 * then be taken (nobody else holds it).  A process that dies holding names loses its locks
 * with its descriptors: a name on which an exclusive lock can be taken has no holder, so
 * opening it treats it as absent (and removes it), and the first use in each process sweeps
 * every such leftover.  Names still held at exit() are released then.  Create, open, release
 * and the sweep all run under the namespace lock (an flock of the directory: ours alone).
 */
#define _GNU_SOURCE
#include "ob/ob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define WV_NS_CANDIDATES 16 /* names tried when others squat ours */

static pthread_mutex_t wv_ns_mu = PTHREAD_MUTEX_INITIALIZER;
static int wv_ns_dfd = -1;   /* the verified directory (guarded by wv_ns_mu) */
static pid_t wv_ns_pid;      /* the process that opened it (a fork's child reopens) */

/* Names this process holds, released at exit (guarded by wv_ns_mu). */
struct wv_ns_held {
    int fd;
    char name[WV_NS_NAME_MAX + 1];
};
static struct wv_ns_held *wv_held;
static size_t wv_held_len, wv_held_cap;
static pid_t wv_held_pid;

/* Where the directories go: $WINVM_SHM_DIR (tests), else /dev/shm. */
static const char *wv_ns_root(void)
{
    const char *e = getenv("WINVM_SHM_DIR");
    return e && *e ? e : "/dev/shm";
}

/* Whether dfd is a directory of ours that no one else can write into. */
static bool wv_ns_trusted(int dfd)
{
    struct stat st;
    return fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
           (st.st_mode & 07777) == 0700;
}

/* Opens (making when missing) the first candidate directory that is ours and private. */
static int wv_ns_dir_open(void)
{
    char path[4096];
    for (int n = 0; n < WV_NS_CANDIDATES; n++) {
        int k = snprintf(path, sizeof(path), "%s/winvm-%u", wv_ns_root(), (unsigned)geteuid());
        if (n)
            snprintf(path + k, sizeof(path) - (size_t)k, ".%d", n);
        mkdir(path, 0700); /* EEXIST: checked below like any other */
        int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd >= 0 && wv_ns_trusted(dfd))
            return dfd;
        if (dfd >= 0)
            close(dfd);
    }
    errno = EACCES;
    return -1;
}

/* Removes every name in dfd that no process holds.  Namespace lock held. */
static void wv_ns_sweep(int dfd)
{
    int d2 = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
    if (!d) {
        if (d2 >= 0)
            close(d2);
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dfd, e->d_name, 0);
        if (fd >= 0)
            close(fd);
    }
    closedir(d);
}

int wv_ns_lock(void)
{
    pthread_mutex_lock(&wv_ns_mu);
    bool fresh = wv_ns_dfd < 0 || wv_ns_pid != getpid();
    if (fresh) {
        if (wv_ns_dfd >= 0)
            close(wv_ns_dfd);
        wv_ns_dfd = wv_ns_dir_open();
        wv_ns_pid = getpid();
    }
    int dfd = wv_ns_dfd;
    pthread_mutex_unlock(&wv_ns_mu);
    if (dfd < 0)
        return -1;
    /* A descriptor of our own: flock locks belong to the open file description, so threads
     * sharing one would not exclude each other. */
    int lk = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lk < 0 || flock(lk, LOCK_EX) != 0) {
        if (lk >= 0)
            close(lk);
        return -1;
    }
    if (fresh)
        wv_ns_sweep(lk);
    return lk;
}

void wv_ns_unlock(int dfd)
{
    if (dfd >= 0)
        close(dfd); /* closing drops the lock */
}

static void wv_ns_release_all(void);

/* Lists fd as held under name, for the release at exit. */
static void wv_ns_hold(int fd, const char *name)
{
    pthread_mutex_lock(&wv_ns_mu);
    if (wv_held_pid != getpid()) {
        wv_held_len = 0; /* a fork's child holds nothing of its parent's (the locks are shared) */
        if (!wv_held_pid)
            atexit(wv_ns_release_all);
        wv_held_pid = getpid();
    }
    if (wv_held_len == wv_held_cap) {
        size_t cap = wv_held_cap ? 2 * wv_held_cap : 8;
        struct wv_ns_held *h = realloc(wv_held, cap * sizeof(*h));
        if (h)
            wv_held = h, wv_held_cap = cap;
    }
    if (wv_held_len < wv_held_cap) {
        wv_held[wv_held_len].fd = fd;
        snprintf(wv_held[wv_held_len].name, sizeof(wv_held->name), "%s", name);
        wv_held_len++;
    }
    pthread_mutex_unlock(&wv_ns_mu);
}

/* Takes fd off the list: whether it was there, and its name into name. */
static bool wv_ns_unhold(int fd, char *name)
{
    bool found = false;
    pthread_mutex_lock(&wv_ns_mu);
    for (size_t i = 0; i < wv_held_len && wv_held_pid == getpid(); i++)
        if (wv_held[i].fd == fd) {
            memcpy(name, wv_held[i].name, sizeof(wv_held[i].name));
            wv_held[i] = wv_held[--wv_held_len];
            found = true;
            break;
        }
    pthread_mutex_unlock(&wv_ns_mu);
    return found;
}

int wv_ns_open(int lk, const char *name)
{
    int fd = openat(lk, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
        close(fd);
        errno = EACCES;
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        unlinkat(lk, name, 0); /* nobody holds it: its last holder died without releasing */
        close(fd);
        errno = ENOENT;
        return -1;
    }
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
        close(fd);
        errno = EBUSY;
        return -1;
    }
    fcntl(fd, F_SETFL, O_RDWR); /* O_NONBLOCK was for the open only */
    wv_ns_hold(fd, name);
    return fd;
}

int wv_ns_create(int lk, const char *name)
{
    int fd = openat(lk, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
        unlinkat(lk, name, 0);
        close(fd);
        return -1;
    }
    wv_ns_hold(fd, name);
    return fd;
}

/* Drops fd's hold on name and removes the name if no process holds it now.  Lock held. */
static void wv_ns_drop(int lk, int fd, const char *name)
{
    flock(fd, LOCK_UN);
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        unlinkat(lk, name, 0);
        flock(fd, LOCK_UN);
    }
}

void wv_ns_release(int lk, int fd)
{
    char name[WV_NS_NAME_MAX + 1];
    if (fd < 0 || !wv_ns_unhold(fd, name))
        return; /* released already (at exit), or never held here */
    int own = lk < 0 ? wv_ns_lock() : -1;
    if (lk >= 0 || own >= 0)
        wv_ns_drop(lk >= 0 ? lk : own, fd, name);
    wv_ns_unlock(own);
}

/* At exit(): the names this process still holds go as their last handles would. */
static void wv_ns_release_all(void)
{
    int lk = wv_ns_lock();
    pthread_mutex_lock(&wv_ns_mu);
    if (lk >= 0 && wv_held_pid == getpid())
        for (size_t i = 0; i < wv_held_len; i++)
            wv_ns_drop(lk, wv_held[i].fd, wv_held[i].name);
    wv_held_len = 0;
    pthread_mutex_unlock(&wv_ns_mu);
    wv_ns_unlock(lk);
}
