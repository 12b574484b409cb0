/* SPDX-License-Identifier: MIT */
/* search.c - where the loader looks for a DLL named without a path, in Windows' order
 * (SafeDllSearchMode) adapted to a Linux host:
 *   1. the application's directory: the EXE's (`winvm run`), else the Linux program's;
 *   2. the system directory: winvm's builtins (kernel32, msvcrt, ...), found before any search;
 *   3. the directory of the module that imports it (Windows searches it only under
 *      LOAD_WITH_ALTERED_SEARCH_PATH; a DLL loaded by path finds its neighbours here);
 *   4. the current directory, or instead SetDllDirectory's directory (dlldir.c);
 *   5. each directory of $WINVM_PATH (as Windows' PATH);
 *   6. the directories where Debian's mingw-w64 packages install DLLs: the target's lib/ and
 *      bin/ (zlib1.dll, libwinpthread-1.dll, libgcrypt-20.dll ...) and the newest gcc's runtime
 *      directory (libstdc++-6.dll, libgcc_s_seh-1.dll) of the thread model the default
 *      x86_64-w64-mingw32-gcc uses.
 * A load with LOAD_LIBRARY_SEARCH_* flags (its own, or SetDefaultDllDirectories') searches only
 * the directories they name, the mingw-w64 ones standing for System32 (wv_search_flagged).
 * LdrLoadDll's path, when given, is the whole search (wv_search_list).
 * The state of dlldir.c is read under the loader lock, which every search runs under.
 * File names are compared without case, as on Windows (**winvm choice**: a pass with exact
 * names over all of them comes first, so a name differing only in case in an earlier directory
 * loses to the exact name in a later one).  Found files are opened here, so what is mapped is
 * what was found.  An i386 image found on the way is passed over, the search going on as
 * Windows' does in a 64-bit process (wv_other_machine). */
#define _GNU_SOURCE
#include "loader/loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WV_MINGW_ROOT "/usr/x86_64-w64-mingw32"
#define WV_MINGW_GCC_DIR "/usr/lib/gcc/x86_64-w64-mingw32"

/* Whether fd is a PE32 i386 image: the search passes over it and goes on (Windows' loader in a
 * 64-bit process looks further along the path for an image of its own machine: Wine's
 * test_Loader, LdrLoadDll finding the next directory's DLL).  Only the signature, the machine
 * and the optional header's magic are read: an i386 image broken elsewhere is passed over too. */
static bool wv_other_machine(int fd)
{
    uint8_t dos[64], nt[26];
    if (pread(fd, dos, sizeof(dos), 0) != (ssize_t)sizeof(dos) || dos[0] != 'M' || dos[1] != 'Z')
        return false;
    uint32_t lfanew;
    memcpy(&lfanew, dos + 60, 4);
    if (pread(fd, nt, sizeof(nt), lfanew) != (ssize_t)sizeof(nt) || memcmp(nt, "PE\0\0", 4))
        return false;
    return nt[4] == 0x4c && nt[5] == 0x01 && nt[24] == 0x0b && nt[25] == 0x01; /* 0x14c, PE32 0x10b */
}

static __thread bool wv_passed_over; /* this thread's last search passed over an i386 image */

bool wv_search_passed_over(void) { return wv_passed_over; }

/* Opens path unless it is another machine's image (wv_other_machine). */
static int wv_open_candidate(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && wv_other_machine(fd)) {
        close(fd);
        fd = -1;
        wv_passed_over = true;
    }
    return fd;
}

/* Opens dir/file: the exact name, or (nocase) a name differing only in case. */
static int wv_open_in(const char *dir, const char *file, char *path, size_t cap, bool nocase)
{
    if ((size_t)snprintf(path, cap, "%s/%s", dir, file) >= cap)
        return -1;
    if (!nocase)
        return wv_open_candidate(path);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int fd = -1;
    for (struct dirent *e; fd < 0 && (e = readdir(d));)
        if (!strcasecmp(e->d_name, file)) {
            snprintf(path, cap, "%s/%s", dir, e->d_name);
            fd = wv_open_candidate(path);
        }
    closedir(d);
    return fd;
}

/* The Linux program's own directory (step 1 for C programs using winvm). */
static bool wv_program_dir(char *dir, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", dir, cap - 1);
    if (n <= 0)
        return false;
    dir[n] = 0;
    char *slash = strrchr(dir, '/');
    if (!slash)
        return false;
    *slash = 0;
    return true;
}

/* "12-win32" style names: the gcc version's number, -1 for other entries. */
static long wv_gcc_version(const char *name, const char *model)
{
    char *end;
    long v = strtol(name, &end, 10);
    return end != name && *end == '-' && !strcmp(end + 1, model) ? v : -1;
}

/* The newest WV_MINGW_GCC_DIR/N-MODEL directory, MODEL the default compiler's thread model
 * (Debian's alternatives: x86_64-w64-mingw32-gcc -> ...-gcc-win32 or -posix). */
static bool wv_gcc_runtime_dir(char *dir, size_t cap)
{
    char target[PATH_MAX];
    const char *model = "win32";
    ssize_t n = readlink("/etc/alternatives/x86_64-w64-mingw32-gcc", target, sizeof(target) - 1);
    if (n > 0 && (target[n] = 0, strstr(target, "posix")))
        model = "posix";
    DIR *d = opendir(WV_MINGW_GCC_DIR);
    if (!d)
        return false;
    long best = -1;
    for (struct dirent *e; (e = readdir(d));) {
        long v = wv_gcc_version(e->d_name, model);
        if (v > best && (size_t)snprintf(dir, cap, "%s/%s", WV_MINGW_GCC_DIR, e->d_name) < cap)
            best = v;
    }
    closedir(d);
    return best >= 0 && (size_t)snprintf(dir, cap, "%s/%ld-%s", WV_MINGW_GCC_DIR, best, model) < cap;
}

/* Each directory of a ':'-separated list, until one holds name. */
static int wv_open_in_list(const char *list, const char *name, char *path, size_t cap, bool nocase)
{
    int fd = -1;
    for (const char *p = list; fd < 0 && p && *p;) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char dir[PATH_MAX];
        if (n && n < sizeof(dir)) {
            memcpy(dir, p, n), dir[n] = 0;
            fd = wv_open_in(dir, name, path, cap, nocase);
        }
        p = c ? c + 1 : NULL;
    }
    return fd;
}

/* The mingw-w64 directories, winvm's stand-in for System32 (step 6). */
static int wv_open_system(const char *name, char *path, size_t cap, bool nocase)
{
    char dir[PATH_MAX];
    int fd = wv_open_in_list(WV_MINGW_ROOT "/bin:" WV_MINGW_ROOT "/lib", name, path, cap, nocase);
    if (fd < 0 && wv_gcc_runtime_dir(dir, sizeof(dir)))
        fd = wv_open_in(dir, name, path, cap, nocase);
    return fd;
}

static int wv_open_app(const char *name, const char *app_dir, char *path, size_t cap, bool nocase)
{
    char dir[PATH_MAX];
    if (app_dir)
        return wv_open_in(app_dir, name, path, cap, nocase);
    return wv_program_dir(dir, sizeof(dir)) ? wv_open_in(dir, name, path, cap, nocase) : -1;
}

/* The LOAD_LIBRARY_SEARCH_* order: the loading DLL's directory, the application's, the user
 * directories (AddDllDirectory's newest first, then SetDllDirectory's), System32; nothing else
 * (no current directory, no PATH). */
static int wv_search_flagged(DWORD f, const char *name, const char *app_dir, const char *from, char *path,
                             size_t cap, bool nocase)
{
    int fd = -1;
    if (f & LOAD_LIBRARY_SEARCH_DEFAULT_DIRS)
        f |= LOAD_LIBRARY_SEARCH_APPLICATION_DIR | LOAD_LIBRARY_SEARCH_USER_DIRS | LOAD_LIBRARY_SEARCH_SYSTEM32;
    if ((f & LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR) && from)
        fd = wv_open_in(from, name, path, cap, nocase);
    if (fd < 0 && (f & LOAD_LIBRARY_SEARCH_APPLICATION_DIR))
        fd = wv_open_app(name, app_dir, path, cap, nocase);
    for (struct wv_user_dir *d = wv_user_dirs; fd < 0 && d && (f & LOAD_LIBRARY_SEARCH_USER_DIRS); d = d->next)
        fd = wv_open_in(d->path, name, path, cap, nocase);
    if (fd < 0 && (f & LOAD_LIBRARY_SEARCH_USER_DIRS) && wv_dlldir_host && wv_dlldir_host[0])
        fd = wv_open_in(wv_dlldir_host, name, path, cap, nocase);
    if (fd < 0 && (f & LOAD_LIBRARY_SEARCH_SYSTEM32))
        fd = wv_open_system(name, path, cap, nocase);
    return fd;
}

/* One pass over the search order (see the top); SetDllDirectory's directory takes the current
 * directory's place ("" just drops it). */
static int wv_search_pass(const char *name, const char *app_dir, const char *from, char *path, size_t cap,
                          bool nocase)
{
    if (wv_search_list) /* LdrLoadDll's path replaces the order */
        return wv_open_in_list(wv_search_list, name, path, cap, nocase);
    if (wv_search_now)
        return wv_search_flagged(wv_search_now, name, app_dir, from, path, cap, nocase);
    int fd = wv_open_app(name, app_dir, path, cap, nocase);
    if (fd < 0 && from)
        fd = wv_open_in(from, name, path, cap, nocase);
    if (fd < 0 && wv_dlldir_host && wv_dlldir_host[0])
        fd = wv_open_in(wv_dlldir_host, name, path, cap, nocase);
    else if (fd < 0 && !wv_dlldir_host)
        fd = wv_open_in(".", name, path, cap, nocase);
    if (fd < 0)
        fd = wv_open_in_list(getenv("WINVM_PATH"), name, path, cap, nocase);
    if (fd < 0)
        fd = wv_open_system(name, path, cap, nocase);
    return fd;
}

int wv_dll_search(const char *name, const char *app_dir, const char *from, char *path, size_t cap)
{
    wv_passed_over = false;
    /* A path is opened as it is; under LOAD_LIBRARY_SEARCH_* a relative one is looked for in
     * the flagged directories only (Windows: "1\x.dll" is not found from the current one). */
    if (name[0] == '/' || (strchr(name, '/') && !wv_search_now)) {
        snprintf(path, cap, "%s", name);
        return open(name, O_RDONLY | O_CLOEXEC);
    }
    /* Exact names first, everywhere; only then names differing in case (a directory scan each:
     * measured 20% of a warm load with a large current directory). */
    int fd = wv_search_pass(name, app_dir, from, path, cap, false);
    return fd >= 0 ? fd : wv_search_pass(name, app_dir, from, path, cap, true);
}
