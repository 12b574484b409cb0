/* error.c - the thread's last error, and host errno values as Win32 errors. */
#include "base/base.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static __thread DWORD wv_last_error;

DWORD WINAPI GetLastError(void) { return wv_last_error; }
void WINAPI SetLastError(DWORD code) { wv_last_error = code; }
void wv_set_error(DWORD code) { wv_last_error = code; }

DWORD wv_errno_to_error(int err)
{
    switch (err) {
    case ENOMEM:
    case EAGAIN:
        return ERROR_NOT_ENOUGH_MEMORY;
    case EACCES:
    case EPERM:
        return ERROR_ACCESS_DENIED;
    case EEXIST:
    case EFAULT:
        return ERROR_INVALID_ADDRESS;
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
