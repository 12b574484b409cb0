/* SPDX-License-Identifier: MIT */
/* proc_names.c - which program a winvm process runs, as the process list names it
 * (NtQuerySystemInformation(SystemProcessInformation)'s ImageName and, through it, a tool help
 * snapshot's szExeFile): the file name of its EXE, without the directory, as Windows gives it.
 *
 * Every winvm process is the winvm binary to Linux (/proc/PID/exe), so the EXE is asked of the
 * process itself: this process knows its own (the loader's main module); another winvm process
 * of this user is asked through its control channel (WV_CHAN_EXENAME: its EXE's Win32 path,
 * GetModuleFileName's form).  A process without a channel, or with no EXE (a Linux program
 * linked with libwinvm), is not answered here: the list then names the Linux executable.  The
 * answer is waited for a second at most, so a stopped process cannot hold up a snapshot, and
 * kept (by pid and start time), so each process is asked once.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "nt/nt.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* This process's EXE as a Win32 path (UTF-8, malloc'ed), or NULL without one. */
static char *wv_exe_path(void)
{
    char host[PATH_MAX];
    if (!wv_main_module || !wv_loader_file_name((HMODULE)wv_main_module->base, host, sizeof(host)))
        return NULL;
    return wv_path_windows(host);
}

bool wv_chan_exename_serve(int fd)
{
    char *path = wv_exe_path();
    struct wv_chan_rep rp = {.err = path ? 0 : ERROR_NOT_SUPPORTED};
    rp.size = path ? strlen(path) : 0;
    struct iovec iov[2] = {{&rp, sizeof(rp)}, {path, rp.size}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    bool sent = sendmsg(fd, &m, MSG_NOSIGNAL) == (ssize_t)(sizeof(rp) + rp.size);
    free(path);
    return sent;
}

/* Another winvm process's EXE path into path (cap bytes, terminated): false without an answer. */
static bool wv_exe_path_of(int pid, char *path, size_t cap)
{
    int fd = wv_chan_connect(pid);
    if (fd < 0)
        return false;
    struct timeval limit = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    struct wv_chan_req rq = {.op = WV_CHAN_EXENAME};
    struct wv_chan_rep rp = {0};
    struct iovec iov[2] = {{&rp, sizeof(rp)}, {path, cap - 1}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t n = -1;
    if (wv_chan_send_fd(fd, &rq, WV_CHAN_REQ_HEAD, -1))
        while ((n = recvmsg(fd, &m, 0)) < 0 && errno == EINTR)
            ;
    close(fd);
    /* a whole answer only: the path's length as the reply says, and one that fitted */
    if (n < (ssize_t)sizeof(rp) || rp.err || !rp.size || rp.size != (size_t)n - sizeof(rp) || (m.msg_flags & MSG_TRUNC))
        return false;
    path[rp.size] = 0;
    return true;
}

/* Answers already had, by pid and start time (which together name one process for good: its
 * EXE never changes), so a list taken again does not ask every process again. */
enum { WV_NAMES = 256, WV_NAME_MAX = 256 }; /* a ring: a list of more winvm processes than this asks again */
static struct {
    int pid;
    uint64_t start;
    char leaf[WV_NAME_MAX];
} wv_names[WV_NAMES];
static unsigned wv_names_next;
static pthread_mutex_t wv_names_lock = PTHREAD_MUTEX_INITIALIZER;

static bool wv_name_cached(int pid, uint64_t start, char *out, size_t cap)
{
    bool hit = false;
    pthread_mutex_lock(&wv_names_lock);
    for (int i = 0; i < WV_NAMES && !hit; i++)
        if (wv_names[i].pid == pid && wv_names[i].start == start && strlen(wv_names[i].leaf) < cap) {
            strcpy(out, wv_names[i].leaf);
            hit = true;
        }
    pthread_mutex_unlock(&wv_names_lock);
    return hit;
}

static void wv_name_keep(int pid, uint64_t start, const char *leaf)
{
    if (strlen(leaf) >= WV_NAME_MAX)
        return;
    pthread_mutex_lock(&wv_names_lock);
    unsigned i = wv_names_next++ % WV_NAMES;
    wv_names[i].pid = pid, wv_names[i].start = start;
    strcpy(wv_names[i].leaf, leaf);
    pthread_mutex_unlock(&wv_names_lock);
}

/* wv_nt_image_leaf: the file part of pid's EXE path. */
static bool wv_image_leaf(int pid, uint64_t start, char *out, size_t cap)
{
    char remote[PATH_MAX], *mine = NULL;
    const char *path = NULL;
    bool self = pid == getpid();
    if (!self && wv_name_cached(pid, start, out, cap))
        return true;
    if (self)
        path = mine = wv_exe_path();
    else if (wv_exe_path_of(pid, remote, sizeof(remote)))
        path = remote;
    const char *leaf = path;
    for (const char *p = path; p && *p; p++)
        if (*p == '\\' || *p == '/')
            leaf = p + 1;
    size_t n = leaf ? strlen(leaf) : 0;
    bool ok = n && n < cap;
    if (ok)
        memcpy(out, leaf, n + 1);
    if (ok && !self)
        wv_name_keep(pid, start, out);
    free(mine);
    return ok;
}

void wv_proc_names_init(void) { wv_nt_image_leaf = wv_image_leaf; }
