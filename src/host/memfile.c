/* SPDX-License-Identifier: MIT */
/* memfile.c - read-only files winvm makes in memory (the builtin DLLs' files, loader/
 * builtin_file.c), and the names they are shown under.
 *
 * Such a file is a memfd: in no directory, so nothing is left behind and no other user can
 * reach it (only through this process's /proc/PID/fd, which is the process's own); it lives
 * as long as a descriptor of it does.  Its contents are sealed (F_SEAL_WRITE, GROW, SHRINK and
 * SEAL): no write, truncation or shared writable mapping can change them, whoever opens it, root
 * included.  The kernel names it "/memfd:..." wherever it shows a descriptor's path; winvm
 * shows the name it was made with instead (wv_memfile_name), so no host detail leaks into a
 * mapped file's name.
 *
 * The names: a fixed table filled once per file and never emptied (a process makes a handful),
 * published by a release store of the count, so readers take no lock; writers take
 * wv_memfile_lock (a leaf).
 */
#define _GNU_SOURCE
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WV_MEMFILE_MAX 32
#define WV_MEMFILE_NAME 64

static struct {
    dev_t dev;
    ino_t ino;
    char name[WV_MEMFILE_NAME];
} wv_memfiles[WV_MEMFILE_MAX];
static size_t wv_nmemfiles; /* entries below it are complete (release store, acquire load) */
static pthread_mutex_t wv_memfile_lock = PTHREAD_MUTEX_INITIALIZER;

/* Records (st's identity, name); false when the table is full or the name too long. */
static bool wv_memfile_record(const struct stat *st, const char *name)
{
    bool ok = false;
    pthread_mutex_lock(&wv_memfile_lock);
    size_t n = wv_nmemfiles;
    if (n < WV_MEMFILE_MAX && strlen(name) < WV_MEMFILE_NAME) {
        wv_memfiles[n].dev = st->st_dev, wv_memfiles[n].ino = st->st_ino;
        strcpy(wv_memfiles[n].name, name);
        __atomic_store_n(&wv_nmemfiles, n + 1, __ATOMIC_RELEASE);
        ok = true;
    }
    pthread_mutex_unlock(&wv_memfile_lock);
    return ok;
}

int wv_memfile_make(const char *name, const void *bytes, size_t len)
{
    const char *base = strrchr(name, '/');
    int fd = memfd_create(base ? base + 1 : name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    struct stat st;
    bool ok = fchmod(fd, 0644) == 0; /* an ordinary file's mode: FILE_ATTRIBUTE_ARCHIVE alone */
    for (size_t done = 0; ok && done < len;) {
        ssize_t n = write(fd, (const char *)bytes + done, len - done);
        if (n <= 0 && errno != EINTR)
            ok = false;
        done += n > 0 ? (size_t)n : 0;
    }
    ok = ok && fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) == 0 &&
         fstat(fd, &st) == 0 && wv_memfile_record(&st, name);
    if (!ok) {
        int e = errno;
        close(fd);
        errno = e ? e : ENOMEM;
        return -1;
    }
    return fd;
}

bool wv_memfile_name(int fd, char *out, size_t cap)
{
    size_t n = __atomic_load_n(&wv_nmemfiles, __ATOMIC_ACQUIRE);
    struct stat st;
    if (!n || fstat(fd, &st) != 0)
        return false; /* no such file made: no cost beyond the load */
    for (size_t i = 0; i < n; i++)
        if (wv_memfiles[i].dev == st.st_dev && wv_memfiles[i].ino == st.st_ino) {
            snprintf(out, cap, "%s", wv_memfiles[i].name);
            return strlen(wv_memfiles[i].name) < cap;
        }
    return false;
}

bool wv_memfile_sealed(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & F_SEAL_WRITE);
}
