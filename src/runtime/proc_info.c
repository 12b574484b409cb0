/* SPDX-License-Identifier: MIT */
/* proc_info.c - NtQueryInformationProcess for this process: ProcessBasicInformation (exit
 * status STATUS_PENDING, the PEB, the affinity, base priority 8, the ids), ProcessDebugPort (0:
 * no debugger) and ProcessWow64Information (0: a 64-bit process), as 64-bit Windows answers.
 * Another process's handle is STATUS_NOT_SUPPORTED for now (its PEB lives there).
 */
#define _GNU_SOURCE
#include "runtime/thread_int.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    LONG ExitStatus;
    PVOID PebBaseAddress;
    ULONG_PTR AffinityMask;
    LONG BasePriority;
    ULONG_PTR UniqueProcessId, InheritedFromUniqueProcessId;
} WV_PROCESS_BASIC_INFORMATION;

enum { WV_ProcessBasicInformation = 0, WV_ProcessDebugPort = 7, WV_ProcessWow64Information = 26 };

static ULONG_PTR wv_process_affinity(void)
{
    cpu_set_t set;
    ULONG_PTR m = 0;
    if (sched_getaffinity(getpid(), sizeof(set), &set) == 0)
        for (int i = 0; i < 64; i++)
            if (CPU_ISSET(i, &set))
                m |= (ULONG_PTR)1 << i;
    return m;
}

/* The answer for class into a, its size in *n: 0 or an NTSTATUS. */
static LONG wv_process_answer(ULONG cls, void *a, ULONG *n)
{
    switch (cls) {
    case WV_ProcessBasicInformation: {
        WV_PROCESS_BASIC_INFORMATION *b = a;
        memset(b, 0, sizeof(*b));
        b->ExitStatus = STATUS_PENDING;
        b->PebBaseAddress = wv_peb();
        b->AffinityMask = wv_process_affinity();
        b->BasePriority = 8; /* NORMAL_PRIORITY_CLASS */
        b->UniqueProcessId = (ULONG_PTR)getpid();
        b->InheritedFromUniqueProcessId = (ULONG_PTR)getppid();
        return *n = sizeof(*b), 0;
    }
    case WV_ProcessDebugPort:
    case WV_ProcessWow64Information:
        *(ULONG_PTR *)a = 0;
        return *n = sizeof(ULONG_PTR), 0;
    default:
        return (LONG)0xC0000003; /* STATUS_INVALID_INFO_CLASS */
    }
}

WV_MSABI LONG wv_nt_NtQueryInformationProcess(HANDLE h, ULONG cls, PVOID out, ULONG len, ULONG *ret)
{
    LONG more;
    if (wv_process_query_more(h, cls, out, len, ret, &more)) /* proc_image.c */
        return more;
    if (!wv_process_is_self(h)) {
        struct wv_object *o = wv_handle_get(h, WV_KIND_PROCESS, NULL);
        if (o)
            wv_object_unref(o);
        return o ? (LONG)0xC00000BB /* STATUS_NOT_SUPPORTED */ : (LONG)0xC0000008;
    }
    char a[64];
    ULONG n = 0;
    LONG st = wv_process_answer(cls, a, &n);
    if (st)
        return st;
    if (len != n)
        return (LONG)0xC0000004; /* STATUS_INFO_LENGTH_MISMATCH */
    if (wv_user_put(out, a, n) || (ret && wv_user_put(ret, &n, sizeof(n))))
        return (LONG)0xC0000005;
    return 0;
}
