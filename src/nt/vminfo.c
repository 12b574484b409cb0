/* SPDX-License-Identifier: MIT */
/* vminfo.c - NtSetInformationVirtualMemory: an operation on a list of address ranges.
 *
 * winvm does the class programs use, VmPrefetchInformation (kernelbase's PrefetchVirtualMemory):
 * the ranges are read ahead, as Windows brings them into memory without adding them to the
 * working set; here MADV_WILLNEED (the file's read-ahead into the page cache, swap-in of
 * anonymous pages), which maps nothing, so QueryWorkingSetEx, the contents and the protections
 * are what they were.  A range that is not allocated is no error (Windows prefetches what is
 * there).  The other classes are Windows' but not winvm's: STATUS_NOT_SUPPORTED, never a
 * success that did nothing.
 *
 * The checks, in Windows' order (as Wine's ntdll tests record it on Windows 10):
 *   1. the class (STATUS_INVALID_PARAMETER_2), before anything is read;
 *   2. VmInformation NULL (_5), then its length not a ULONG (_6), then its flags not 0 (_5);
 *   3. no entries (_3); the entries unreadable (STATUS_ACCESS_VIOLATION);
 *   4. an entry of zero bytes (_4), before any range is touched.
 * The entries are captured first, so another thread changing them meanwhile changes nothing.
 */
#include "nt/nt.h"

#define WV_VM_CLASS_LAST VmRemoveFromWorkingSetInformation
#define WV_VM_BATCH 64 /* entries captured per step: no allocation, any count */

static NTSTATUS wv_prefetch_checks(ULONG_PTR n, PVOID info, ULONG info_len)
{
    ULONG flags;
    if (!info)
        return (NTSTATUS)STATUS_INVALID_PARAMETER_5;
    if (info_len != sizeof(ULONG))
        return (NTSTATUS)STATUS_INVALID_PARAMETER_6;
    if (wv_copy(&flags, info, sizeof(flags)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (flags) /* "reserved, must be 0" */
        return (NTSTATUS)STATUS_INVALID_PARAMETER_5;
    return n ? STATUS_SUCCESS : (NTSTATUS)STATUS_INVALID_PARAMETER_3;
}

/* Entries [from, from + n) into out; STATUS_ACCESS_VIOLATION or _4 as point 3-4 above. */
static NTSTATUS wv_ranges_capture(const MEMORY_RANGE_ENTRY *in, ULONG_PTR from, size_t n,
                                  MEMORY_RANGE_ENTRY *out)
{
    if (wv_copy(out, in + from, n * sizeof(*out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    for (size_t i = 0; i < n; i++)
        if (!out[i].NumberOfBytes)
            return (NTSTATUS)STATUS_INVALID_PARAMETER_4;
    return STATUS_SUCCESS;
}

/* The user-space part of a range, whole pages; false when none of it is user space. */
static bool wv_range_pages(const MEMORY_RANGE_ENTRY *e, uintptr_t *lo, uintptr_t *hi)
{
    uintptr_t a = (uintptr_t)e->VirtualAddress, end = a + e->NumberOfBytes;
    if (end < a || end > WV_MAX_ADDR + 1)
        end = WV_MAX_ADDR + 1;
    if (a >= end)
        return false;
    *lo = wv_page_down(a);
    *hi = wv_page_up(end);
    return true;
}

static NTSTATUS wv_prefetch(ULONG_PTR n, const MEMORY_RANGE_ENTRY *entries)
{
    MEMORY_RANGE_ENTRY batch[WV_VM_BATCH];
    /* Every entry is proven first: a bad one fails the call with nothing prefetched. */
    for (ULONG_PTR i = 0; i < n; i += WV_VM_BATCH) {
        size_t k = n - i < WV_VM_BATCH ? (size_t)(n - i) : WV_VM_BATCH;
        NTSTATUS st = wv_ranges_capture(entries, i, k, batch);
        if (st != STATUS_SUCCESS)
            return st;
    }
    for (ULONG_PTR i = 0; i < n; i += WV_VM_BATCH) {
        size_t k = n - i < WV_VM_BATCH ? (size_t)(n - i) : WV_VM_BATCH;
        if (wv_ranges_capture(entries, i, k, batch) != STATUS_SUCCESS)
            continue; /* changed under us since the check: that entry's hint is dropped */
        for (size_t j = 0; j < k; j++) {
            uintptr_t lo, hi;
            if (wv_range_pages(&batch[j], &lo, &hi))
                wv_os_will_need(lo, hi - lo);
        }
    }
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtSetInformationVirtualMemory(HANDLE process, VIRTUAL_MEMORY_INFORMATION_CLASS cls,
                                             ULONG_PTR n, PMEMORY_RANGE_ENTRY entries, PVOID info,
                                             ULONG info_len)
{
    if ((unsigned)cls > (unsigned)WV_VM_CLASS_LAST)
        return (NTSTATUS)STATUS_INVALID_PARAMETER_2;
    if (cls != VmPrefetchInformation)
        return (NTSTATUS)STATUS_NOT_SUPPORTED;
    NTSTATUS st = wv_prefetch_checks(n, info, info_len);
    if (st == STATUS_SUCCESS)
        st = wv_nt_this(process, PROCESS_SET_QUOTA, 0);
    return st == STATUS_SUCCESS ? wv_prefetch(n, entries) : st;
}
