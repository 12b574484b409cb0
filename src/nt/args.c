/* SPDX-License-Identifier: MIT */
/* args.c - the in/out parameters of the NT calls.  Windows probes them for writing and captures
 * their values before it changes anything; a bad one fails the call with
 * STATUS_ACCESS_VIOLATION and nothing changed.  Copying a value onto itself proves the pointer
 * readable and writable without changing what it points to.
 */
#include "nt/nt.h"

#include <unistd.h>

NTSTATUS wv_nt_in_ptr(PVOID *p, uintptr_t *v)
{
    PVOID x;
    if (wv_copy(p, p, sizeof(*p)) || wv_copy(&x, p, sizeof(x)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    *v = (uintptr_t)x;
    return STATUS_SUCCESS;
}

NTSTATUS wv_nt_in_size(PSIZE_T p, SIZE_T *v)
{
    if (wv_copy(p, p, sizeof(*p)) || wv_copy(v, p, sizeof(*v)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

void wv_nt_out(void *p, const void *v, size_t n)
{
    /* Proven writable before the change; if another thread unmapped it since, the result is
     * lost as it is on Windows, where the write-back is inside the system call's try. */
    (void)wv_copy(p, v, n);
}

NTSTATUS wv_nt_this(HANDLE h, DWORD need, DWORD alt)
{
    if (wv_nt_self(h))
        return STATUS_SUCCESS;
    int (*pid_of)(HANDLE, DWORD, bool *) = wv_nt_process_pid;
    bool chan;
    int pid = pid_of ? pid_of(h, need, &chan) : 0;
    if (pid == -1 && alt)
        pid = pid_of(h, alt, &chan);
    if (pid == -1)
        return (NTSTATUS)STATUS_ACCESS_DENIED;
    return pid == getpid() ? STATUS_SUCCESS : (NTSTATUS)STATUS_INVALID_HANDLE;
}
