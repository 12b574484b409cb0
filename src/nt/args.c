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

NTSTATUS wv_nt_probe_out(void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, last = a + n - 1;
    if (!n)
        return STATUS_SUCCESS;
    if (last < a)
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    /* The first byte, the first byte of each later page, and the last: a byte copied onto
     * itself (wv_copy) is the read and write-back without a change. */
    for (uintptr_t q = a;; q = wv_page_down(q) + WV_PAGE_SIZE) {
        if (wv_copy((void *)q, (void *)q, 1))
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
        if (wv_page_down(q) == wv_page_down(last))
            break;
    }
    return wv_copy((void *)last, (void *)last, 1) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
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
