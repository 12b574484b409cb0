/* SPDX-License-Identifier: MIT */
/* error.c - the thread's last error, and host errno values as Win32 errors. */
#include "base/base.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* Where the calling thread's last error lives: its TEB's LastErrorValue (TEB + 0x68) once the
 * loader gave it one, since Windows code reads and writes that field directly (Wine's headers
 * inline GetLastError as such a read); wv_own_error for threads without a TEB (Linux threads
 * using winvm as a library).  Each thread's own variables: no lock. */
static __thread DWORD wv_own_error;
static __thread DWORD *wv_error_at;

static DWORD *wv_error_slot(void) { return wv_error_at ? wv_error_at : &wv_own_error; }

DWORD WINAPI GetLastError(void) { return *wv_error_slot(); }
void WINAPI SetLastError(DWORD code) { *wv_error_slot() = code; }
void wv_set_error(DWORD code) { *wv_error_slot() = code; }

void wv_error_move(DWORD *slot)
{
    DWORD code = *wv_error_slot();
    wv_error_at = slot;
    *wv_error_slot() = code;
}

/* Each errno has the code Windows gives for the same condition.  A caller for which an errno
 * means something else there says so itself before asking (mmap's EEXIST is an address in
 * use, host/os.c; a read's EBADF or EISDIR, runtime/kernel32.c; an unopenable section name,
 * section/section.c).  Anything unlisted is an invalid parameter. */
DWORD wv_errno_to_error(int err)
{
    switch (err) {
    case ENOMEM:
    case EAGAIN:
        return ERROR_NOT_ENOUGH_MEMORY;
    case EACCES:
    case EPERM:
    case EROFS:
        return ERROR_ACCESS_DENIED;
    case ENOENT:
        return ERROR_FILE_NOT_FOUND;
    case ENOTDIR:
        return ERROR_PATH_NOT_FOUND;
    case EEXIST:
        return ERROR_FILE_EXISTS;
    case ENAMETOOLONG:
        return ERROR_FILENAME_EXCED_RANGE;
    case EMFILE:
    case ENFILE:
        return ERROR_TOO_MANY_OPEN_FILES;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return ERROR_DISK_FULL;
    case EFAULT:
        return ERROR_NOACCESS; /* "Invalid access to memory location": a bad buffer */
    case EPIPE:
        return ERROR_NO_DATA; /* "The pipe is being closed." */
    default:
        return ERROR_INVALID_PARAMETER;
    }
}

void wv_assert_fail(const char *what, const char *file, int line)
{
    /* write(2) only: this may run in the fault handler. */
    char num[12], *p = num + sizeof(num);
    *--p = 0;
    do
        *--p = (char)('0' + line % 10);
    while ((line /= 10) > 0);
    const char *parts[] = {"winvm: assertion failed: ", file, ":", p, ": ", what, "\n"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        size_t n = 0;
        while (parts[i][n])
            n++;
        if (write(2, parts[i], n) < 0)
            break;
    }
    abort();
}
