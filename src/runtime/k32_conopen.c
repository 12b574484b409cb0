/* SPDX-License-Identifier: MIT */
/* k32_conopen.c - CreateFile's console names: "CONIN$" (the console's input), "CONOUT$" (its
 * screen buffer) and "CON" (the input when opened for reading, the output when opened for
 * writing), also as "\\.\NAME" and "\??\NAME", in any case.  The handle is a file over the
 * console's terminal that the console calls accept (k32_console.c's wv_console_fd tells input
 * from output by the descriptor's access mode, so the input is opened for reading only).
 *
 * Windows' rules, as Wine's console.c records them (test_CreateFileW, test_OpenCON,
 * test_FreeConsole): any access is accepted for CONIN$ and CONOUT$, 0 included; a creation
 * disposition outside CREATE_NEW..TRUNCATE_EXISTING is ERROR_INVALID_PARAMETER; "CON" opened for
 * both reading and writing (or for neither) is ERROR_FILE_NOT_FOUND; without a console every
 * name is ERROR_INVALID_HANDLE.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum wv_con_name { WV_CON_NONE, WV_CON_IN, WV_CON_OUT, WV_CON_EITHER };

static enum wv_con_name wv_con_name_of(const char *win)
{
    if (!strncmp(win, "\\\\.\\", 4) || !strncmp(win, "\\??\\", 4))
        win += 4;
    return !strcasecmp(win, "CONIN$")    ? WV_CON_IN
           : !strcasecmp(win, "CONOUT$") ? WV_CON_OUT
           : !strcasecmp(win, "CON")     ? WV_CON_EITHER
                                         : WV_CON_NONE;
}

/* The console's terminal opened for input (reading only) or output: the controlling
 * terminal, else a standard descriptor that is a terminal opened anew; -1 when there is none. */
static int wv_con_terminal(bool input)
{
    int mode = (input ? O_RDONLY : O_RDWR) | O_NOCTTY | O_CLOEXEC;
    int fd = open("/dev/tty", mode);
    for (int i = 0; fd < 0 && i < 3; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", i);
        if (isatty(i))
            fd = open(path, mode);
    }
    return fd;
}

/* Which side "CON" is: the generic or specific read or write rights alone decide. */
static DWORD wv_con_side(DWORD access, enum wv_con_name *name)
{
    bool rd = (access & (GENERIC_READ | FILE_READ_DATA)) != 0;
    bool wr = (access & (GENERIC_WRITE | FILE_WRITE_DATA | FILE_APPEND_DATA)) != 0;
    if (rd == wr)
        return ERROR_FILE_NOT_FOUND;
    *name = rd ? WV_CON_IN : WV_CON_OUT;
    return 0;
}

bool wv_console_createfile(const char *win, DWORD access, DWORD disposition, HANDLE *out)
{
    enum wv_con_name name = wv_con_name_of(win);
    if (name == WV_CON_NONE)
        return false;
    DWORD err = 0;
    if (disposition < CREATE_NEW || disposition > TRUNCATE_EXISTING)
        err = ERROR_INVALID_PARAMETER;
    else if (!wv_console_attached())
        err = ERROR_INVALID_HANDLE;
    else if (name == WV_CON_EITHER)
        err = wv_con_side(access, &name);
    int fd = err ? -1 : wv_con_terminal(name == WV_CON_IN);
    if (!err && fd < 0)
        err = ERROR_INVALID_HANDLE; /* attached, yet the terminal is gone */
    if (!err)
        err = wv_file_from_fd(fd, access, out);
    if (fd >= 0)
        close(fd);
    if (err)
        *out = wv_fail_file(err);
    else
        wv_set_error(ERROR_SUCCESS);
    return true;
}
