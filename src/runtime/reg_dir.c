/* SPDX-License-Identifier: MIT */
/* reg_dir.c - where a user's registry lives: $XDG_DATA_HOME/winvm, else ~/.local/share/winvm
 * (docs/semantics.md, "The registry").  The directory is trusted only after it was opened
 * (O_NOFOLLOW: the last component is no symlink) and its descriptor checked: a directory,
 * owned by our effective uid, closed to group and others.  Every later access is relative to
 * that descriptor (openat/renameat, O_NOFOLLOW), never through the name again. */
#define _GNU_SOURCE
#include "runtime/reg.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory's name into buf: false when no home is known. */
static bool wv_reg_dir_name(char *buf, size_t cap)
{
    const char *x = getenv("XDG_DATA_HOME");
    if (x && x[0] == '/') /* the XDG rule: a relative value is ignored */
        return (size_t)snprintf(buf, cap, "%s/winvm", x) < cap;
    const char *home = getenv("HOME");
    struct passwd *pw = (!home || home[0] != '/') ? getpwuid(geteuid()) : NULL;
    if (pw)
        home = pw->pw_dir;
    if (!home || home[0] != '/')
        return false;
    return (size_t)snprintf(buf, cap, "%s/.local/share/winvm", home) < cap;
}

/* mkdir -p of path's parents (0700 for what is made, as XDG asks). */
static void wv_reg_parents(char *path)
{
    for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        mkdir(path, 0700);
        *s = '/';
    }
}

int wv_reg_dir(bool create)
{
    char path[4096];
    if (!wv_reg_dir_name(path, sizeof(path)))
        return errno = ENOENT, -1;
    if (create)
        wv_reg_parents(path);
    return wv_private_dir(path, create);
}
