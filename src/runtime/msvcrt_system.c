/* SPDX-License-Identifier: MIT */
/* msvcrt_system.c - system() and tmpnam(), as Lua's os.execute/os.tmpname and many C programs
 * call them.
 *
 * system: winvm has no cmd.exe; the command line is run as a program, as cmd /c runs one: its
 * first word the program (found as CreateProcess finds one), the rest its arguments, the
 * caller's standard handles its own, and the caller waits for its exit code.  system(NULL)
 * asks whether commands can be run at all: 1.  A program that cannot be started is -1 with
 * errno ENOENT, msvcrt's answer when no interpreter can be started.
 *
 * tmpnam: msvcrt's names, "\s<pid>.<n>" (both in base 32) in the current drive's root, the
 * first that names no file; the static buffer when given NULL. */
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

CRT int wv_ms_system(const char *cmd)
{
    if (!cmd)
        return 1;
    char *line = strdup(cmd); /* CreateProcess may write to its command line */
    if (!line)
        return wv_crt_fail(ENOMEM);
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    BOOL ok = CreateProcessA(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
    free(line);
    if (!ok)
        return wv_crt_fail(ENOENT);
    DWORD code = (DWORD)-1;
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return (int)code;
}

static void wv_base32(unsigned long v, char *out)
{
    char tmp[16];
    int n = 0;
    do
        tmp[n++] = "0123456789abcdefghijklmnopqrstuv"[v % 32];
    while ((v /= 32) && n < 15);
    while (n)
        *out++ = tmp[--n];
    *out = 0;
}

CRT char *wv_ms_tmpnam(char *buf)
{
    static char own[260];
    static unsigned long counter;
    char *out = buf ? buf : own, pid[16], n[16];
    wv_base32((unsigned long)getpid(), pid);
    for (int tries = 0; tries < 32768; tries++) {
        wv_base32(__atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED) + 1, n);
        snprintf(out, 260, "\\s%s.%s", pid, n);
        if (GetFileAttributesA(out) == INVALID_FILE_ATTRIBUTES && GetLastError() == ERROR_FILE_NOT_FOUND)
            return out;
    }
    wv_crt_fail(EEXIST);
    return NULL;
}
