/* SPDX-License-Identifier: MIT */
/* proc_info.c - NtQueryInformationProcess for this process: ProcessBasicInformation (exit
 * status STATUS_PENDING, the PEB, the affinity, base priority 8, the ids), ProcessDebugPort (0:
 * no debugger), ProcessWow64Information (0: a 64-bit process) and ProcessHandleCount (a ULONG,
 * any other length STATUS_INFO_LENGTH_MISMATCH with 4 as the length), as 64-bit Windows
 * answers; kernel32's GetProcessHandleCount over it.  ProcessHandleCount of another winvm
 * process is asked of it through its control channel (WV_CHAN_HCOUNT).
 * ProcessBasicInformation of another winvm process (a handle with a query right) comes from
 * the process itself through its control channel (WV_CHAN_BASIC: its PEB, readable with
 * ReadProcessMemory, its affinity and its parent), kept on the process object so that it is
 * still there after the process ended, with its exit code then.  Its other classes are
 * STATUS_NOT_SUPPORTED.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
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

enum {
    WV_ProcessBasicInformation = 0,
    WV_ProcessDebugPort = 7,
    WV_ProcessHandleCount = 20,
    WV_ProcessWow64Information = 26
};

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
    case WV_ProcessHandleCount:
        *(ULONG *)a = wv_handle_total();
        return *n = sizeof(ULONG), 0;
    default:
        return (LONG)0xC0000003; /* STATUS_INVALID_INFO_CLASS */
    }
}

void wv_chan_basic_serve(struct wv_chan_rep *rp)
{
    rp->addr = (uintptr_t)wv_peb();
    rp->size = wv_process_affinity();
    rp->old = (uint32_t)getppid();
}

/* Another process's basic information into b: 0 or the status.  Its PEB, affinity and parent
 * are asked once; an ended process never asked has none to give (STATUS_PROCESS_IS_TERMINATING
 * would hide its exit code: the PEB is reported NULL then). */
static LONG wv_process_basic_of(struct wv_process *p, DWORD access, WV_PROCESS_BASIC_INFORMATION *b)
{
    if (!(access & (PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION)))
        return (LONG)0xC0000022; /* STATUS_ACCESS_DENIED */
    if (!__atomic_load_n(&p->peb, __ATOMIC_ACQUIRE)) {
        struct wv_chan_req rq = {.op = WV_CHAN_BASIC};
        struct wv_chan_rep rp = {0};
        if (!wv_chan_call(p, &rq, &rp) && !rp.err && rp.addr) {
            __atomic_store_n(&p->affinity, (uintptr_t)rp.size, __ATOMIC_RELAXED);
            __atomic_store_n(&p->parent, (pid_t)rp.old, __ATOMIC_RELAXED);
            __atomic_store_n(&p->peb, (uintptr_t)rp.addr, __ATOMIC_RELEASE);
        }
    }
    memset(b, 0, sizeof(*b));
    b->ExitStatus = STATUS_PENDING;
    pthread_mutex_lock(&wv_wait_lock);
    if (p->done && p->code_known)
        b->ExitStatus = (LONG)p->code;
    pthread_mutex_unlock(&wv_wait_lock);
    b->PebBaseAddress = (PVOID)__atomic_load_n(&p->peb, __ATOMIC_ACQUIRE);
    b->AffinityMask = __atomic_load_n(&p->affinity, __ATOMIC_RELAXED);
    b->BasePriority = 8;
    b->UniqueProcessId = (ULONG_PTR)p->pid;
    b->InheritedFromUniqueProcessId = (ULONG_PTR)__atomic_load_n(&p->parent, __ATOMIC_RELAXED);
    if (!b->PebBaseAddress && !p->done) /* alive and no channel: not a winvm process */
        return (LONG)0xC00000BB;          /* STATUS_NOT_SUPPORTED */
    return 0;
}

/* Another process's handle count into *count: 0 or the status. */
static LONG wv_process_hcount_of(struct wv_process *p, DWORD access, ULONG *count)
{
    if (!(access & (PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION)))
        return (LONG)0xC0000022; /* STATUS_ACCESS_DENIED */
    struct wv_chan_req rq = {.op = WV_CHAN_HCOUNT};
    struct wv_chan_rep rp = {0};
    if (wv_chan_call(p, &rq, &rp) || rp.err)
        return p->done ? (LONG)0xC000010A  /* STATUS_PROCESS_IS_TERMINATING */
                       : (LONG)0xC00000BB; /* STATUS_NOT_SUPPORTED: not a winvm process */
    *count = (ULONG)rp.size;
    return 0;
}

/* Hands the n-byte answer a to the caller: STATUS_INFO_LENGTH_MISMATCH when len is not n (for
 * ProcessHandleCount with n as the length it takes, as Windows tells), STATUS_ACCESS_VIOLATION
 * when out or ret cannot take it, else 0. */
static LONG wv_process_deliver(ULONG cls, const void *a, ULONG n, PVOID out, ULONG len, ULONG *ret)
{
    if (len != n) {
        if (cls == WV_ProcessHandleCount && ret)
            (void)wv_user_put(ret, &n, sizeof(n));
        return (LONG)0xC0000004; /* STATUS_INFO_LENGTH_MISMATCH */
    }
    if (wv_user_put(out, a, n) || (ret && wv_user_put(ret, &n, sizeof(n))))
        return (LONG)0xC0000005; /* STATUS_ACCESS_VIOLATION */
    return 0;
}

/* ProcessBasicInformation or ProcessHandleCount of another process's handle: 0 or the status
 * (*answered false: the handle is not one, or the class is another). */
static LONG wv_process_query_remote(HANDLE h, ULONG cls, PVOID out, ULONG len, ULONG *ret, bool *answered)
{
    DWORD access = 0;
    struct wv_process *p = (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, &access);
    *answered = p && (cls == WV_ProcessBasicInformation || cls == WV_ProcessHandleCount);
    if (!*answered) {
        if (p)
            wv_object_unref(&p->obj);
        return 0;
    }
    union {
        WV_PROCESS_BASIC_INFORMATION basic;
        ULONG count;
    } a;
    ULONG n = cls == WV_ProcessHandleCount ? sizeof(a.count) : sizeof(a.basic);
    LONG st = 0;
    if (len == n) /* a wrong length is told before the access is checked */
        st = cls == WV_ProcessHandleCount ? wv_process_hcount_of(p, access, &a.count)
                                          : wv_process_basic_of(p, access, &a.basic);
    wv_object_unref(&p->obj);
    return st ? st : wv_process_deliver(cls, &a, n, out, len, ret);
}

WV_MSABI LONG wv_nt_NtQueryInformationProcess(HANDLE h, ULONG cls, PVOID out, ULONG len, ULONG *ret)
{
    LONG more;
    if (wv_process_query_more(h, cls, out, len, ret, &more)) /* proc_image.c */
        return more;
    bool answered;
    if (!wv_process_is_self(h) && (more = wv_process_query_remote(h, cls, out, len, ret, &answered), answered))
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
    return wv_process_deliver(cls, a, n, out, len, ret);
}

BOOL WINAPI GetProcessHandleCount(HANDLE process, PDWORD count)
{
    ULONG n = 0;
    LONG st = wv_nt_NtQueryInformationProcess(process, WV_ProcessHandleCount, &n, sizeof(n), NULL);
    if (!st && wv_user_put(count, &n, sizeof(n)))
        st = (LONG)0xC0000005;
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}
