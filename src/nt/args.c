/* SPDX-License-Identifier: MIT */
/* args.c - the in/out parameters of the NT calls.  Windows probes them for writing and captures
 * their values before it changes anything; a bad one fails the call with
 * STATUS_ACCESS_VIOLATION and nothing changed.  Copying a value onto itself proves the pointer
 * readable and writable without changing what it points to.
 */
#include "nt/nt.h"

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
