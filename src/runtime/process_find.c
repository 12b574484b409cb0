/* SPDX-License-Identifier: MIT */
/* process_find.c - which program CreateProcess runs, found as Windows finds it, and whether
 * it is one winvm can run.
 *
 * lpApplicationName, when given, is the program as named (relative to the current directory;
 * no search, no extension added).  Otherwise the program is the command line's first token: up
 * to the closing quote when it starts with one; else Windows' reading of an unquoted name with
 * blanks ("C:\Program Files\x y" tries "C:\Program", then "C:\Program Files\x", then the whole
 * line), each try getting ".exe" when its last component has no extension.  A name with no
 * directory part is searched in the directory of the application (the calling EXE), the
 * current directory, then each directory of PATH (';'-separated, or ':' when it holds no ';',
 * a Linux PATH); Windows' system directories do not exist here.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether host path p is a regular file. */
static bool wv_is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* name with ".exe" appended when its last component has no '.', malloc'ed. */
static char *wv_with_exe(const char *name)
{
    const char *last = name;
    for (const char *p = name; *p; p++)
        if (*p == '\\' || *p == '/' || *p == ':')
            last = p + 1;
    size_t n = strlen(name);
    char *s = malloc(n + 5);
    if (s)
        snprintf(s, n + 5, "%s%s", name, strchr(last, '.') ? "" : ".exe");
    return s;
}

/* dir/name as a host path when it is a file, malloc'ed; NULL otherwise. */
static char *wv_try_in(const char *dir, size_t dirlen, const char *name)
{
    char *win = malloc(dirlen + strlen(name) + 2), *host = NULL;
    if (!win)
        return NULL;
    snprintf(win, dirlen + strlen(name) + 2, "%.*s\\%s", (int)dirlen, dir, name);
    if (wv_path_host(win, &host) == 0 && !wv_is_file(host))
        free(host), host = NULL;
    free(win);
    return host;
}

/* The application's directory (Windows form), malloc'ed, or NULL. */
static char *wv_app_dir(void)
{
    char buf[4096];
    DWORD n = GetModuleFileNameA(NULL, buf, sizeof(buf));
    if (n == 0 || n >= sizeof(buf))
        return NULL;
    char *slash = NULL; /* the module name may be in host form ("/x/y.exe") */
    for (char *p = buf; *p; p++)
        if (*p == '\\' || *p == '/')
            slash = p;
    if (slash)
        *slash = 0;
    return strdup(buf);
}

/* name searched as Windows does when it has no directory part: a host path or NULL. */
static char *wv_search(const char *name)
{
    char *dir = wv_app_dir(), *found = dir ? wv_try_in(dir, strlen(dir), name) : NULL;
    free(dir);
    if (!found)
        found = wv_try_in(".", 1, name);
    const char *path = getenv("PATH");
    if (!found && path)
        found = wv_dir_list_find(path, strchr(path, ';') ? ';' : ':', name, wv_try_in);
    return found;
}

/* One candidate name: a host path to the file, or NULL. */
static char *wv_try_name(const char *name, bool search)
{
    char *exe = wv_with_exe(name), *host = NULL;
    if (!exe)
        return NULL;
    if (!search || strpbrk(exe, "\\/:")) {
        if (wv_path_host(exe, &host) == 0 && !wv_is_file(host))
            free(host), host = NULL;
    } else {
        host = wv_search(exe);
    }
    free(exe);
    return host;
}

/* The program of a command line without lpApplicationName (see the top). */
static char *wv_from_command_line(const char *cmd)
{
    size_t len = strlen(cmd);
    char *tok = malloc(len + 1), *found = NULL;
    if (!tok)
        return NULL;
    if (*cmd == '"') {
        const char *end = strchr(cmd + 1, '"');
        size_t n = end ? (size_t)(end - cmd - 1) : len - 1;
        snprintf(tok, len + 1, "%.*s", (int)n, cmd + 1);
        found = n ? wv_try_name(tok, true) : NULL;
    } else {
        /* Each blank ends a try; the whole line is the last one. */
        for (size_t i = 0; !found && i <= len; i++)
            if ((i == len || cmd[i] == ' ' || cmd[i] == '\t') && i > 0 && cmd[i - 1] != ' ' && cmd[i - 1] != '\t') {
                snprintf(tok, len + 1, "%.*s", (int)i, cmd);
                found = wv_try_name(tok, true);
            }
    }
    free(tok);
    return found;
}

/* Whether the file is an x86-64 PE program: 0 or ERROR_BAD_EXE_FORMAT. */
static DWORD wv_check_pe(const char *host)
{
    unsigned char dos[64], nt[24];
    int fd = open(host, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wv_errno_to_error(errno);
    bool ok = pread(fd, dos, sizeof(dos), 0) == (ssize_t)sizeof(dos) && dos[0] == 'M' && dos[1] == 'Z';
    uint32_t lfanew = ok ? (uint32_t)dos[0x3c] | (uint32_t)dos[0x3d] << 8 | (uint32_t)dos[0x3e] << 16 |
                               (uint32_t)dos[0x3f] << 24
                         : 0;
    ok = ok && pread(fd, nt, sizeof(nt), lfanew) == (ssize_t)sizeof(nt) && !memcmp(nt, "PE\0\0", 4);
    close(fd);
    /* machine AMD64 (0x8664), and IMAGE_FILE_DLL (0x2000) clear in the characteristics */
    ok = ok && nt[4] == 0x64 && nt[5] == 0x86 && !(nt[23] & 0x20);
    return ok ? 0 : ERROR_BAD_EXE_FORMAT;
}

DWORD wv_process_find(const char *app, const char *cmd, char **host)
{
    if (!app && !cmd)
        return ERROR_INVALID_PARAMETER;
    if (app && !*app)
        return ERROR_PATH_NOT_FOUND;
    char *found = NULL;
    if (app) {
        if (wv_path_host(app, &found) == 0 && !wv_is_file(found))
            free(found), found = NULL;
    } else {
        found = wv_from_command_line(cmd);
    }
    if (!found)
        return ERROR_FILE_NOT_FOUND;
    DWORD err = wv_check_pe(found);
    if (err)
        free(found);
    else
        *host = found;
    return err;
}
