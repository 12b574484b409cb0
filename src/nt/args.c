/* SPDX-License-Identifier: MIT */
/* args.c - the in/out parameters of the NT calls (the fixed-size ones are inline in nt.h).
 * Windows probes them for writing and captures their values before it changes anything; a
 * bad one fails the call with STATUS_ACCESS_VIOLATION and nothing changed.  Copying a value
 * onto itself proves the pointer readable and writable without changing what it points to.
 */
#include "nt/nt.h"

void wv_nt_out_copy(void *p, const void *v, size_t n)
{
    /* Proven writable before the change; if another thread unmapped it since, the result is
     * lost as it is on Windows, where the write-back is inside the system call's try. */
    (void)wv_copy(p, v, n);
}
