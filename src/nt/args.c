/* SPDX-License-Identifier: MIT */
/* args.c - the in/out parameters of the NT calls (the fixed-size ones are inline in nt.h).
 * Windows probes them for writing and captures their values before it changes anything; a
 * bad one fails the call with STATUS_ACCESS_VIOLATION and nothing changed.  Copying a value
 * onto itself proves the pointer readable and writable without changing what it points to.
 */
#include "nt/nt.h"

#include <unistd.h>

void wv_nt_out_copy(void *p, const void *v, size_t n)
{
    /* Proven writable before the change; if another thread unmapped it since, the result is
     * lost as it is on Windows, where the write-back is inside the system call's try. */
    (void)wv_copy(p, v, n);
}

WV_HOT NTSTATUS wv_nt_this(HANDLE h, DWORD need, DWORD alt)
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
