/* error.c - the thread's last error, and host errno values as Win32 errors. */
#include "internal.h"

#include <errno.h>

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
