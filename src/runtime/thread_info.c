/* SPDX-License-Identifier: MIT */
/* thread_info.c - what a thread handle tells and the current process's remote threads:
 * NtQueryInformationThread (ThreadBasicInformation, ThreadTimes,
 * ThreadQuerySetWin32StartAddress, ThreadSuspendCount), NtSetInformationThread (ThreadHideFromDebugger,
 * ThreadAffinityMask) and kernel32's SetThreadAffinityMask over the same core,
 * CreateRemoteThread(Ex) on this process, and on another one through its control channel
 * (thread_remote.c: the thread made there as its CreateThread makes one, held here).
 */
#define _GNU_SOURCE
#include "runtime/thread_int.h"
#include <winvm/ntdll.h>

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#define WV_THREAD_QUERY 0x0040 /* THREAD_QUERY_INFORMATION */
#define WV_THREAD_SET 0x0020   /* THREAD_SET_INFORMATION */

typedef struct {
    NTSTATUS ExitStatus;
    PVOID TebBaseAddress;
    HANDLE UniqueProcess, UniqueThread; /* CLIENT_ID */
    ULONG_PTR AffinityMask;
    LONG Priority, BasePriority;
} WV_THREAD_BASIC_INFORMATION;

#define WV_THREAD_QUERY_LIMITED 0x0800 /* THREAD_QUERY_LIMITED_INFORMATION */

enum { WV_ThreadBasicInformation = 0, WV_ThreadTimes = 1, WV_ThreadAffinityMask = 4, WV_ThreadHideFromDebugger = 17,
       WV_ThreadAmILastThread = 12, WV_ThreadPriorityBoost = 14,
       WV_ThreadQuerySetWin32StartAddress = 9, WV_ThreadSuspendCount = 35 };

/* The NTSTATUS for wv_thread_ref's failure (its last error). */
static NTSTATUS wv_ref_status(void)
{
    return GetLastError() == ERROR_ACCESS_DENIED ? (NTSTATUS)0xC0000022 : (NTSTATUS)0xC0000008;
}

/* A Linux thread's mask as Windows writes one (0 for a thread that has ended). */
static ULONG_PTR wv_affinity_of(pid_t tid)
{
    cpu_set_t set;
    ULONG_PTR m = 0;
    if (sched_getaffinity(tid, sizeof(set), &set) == 0)
        for (int i = 0; i < 64; i++)
            if (CPU_ISSET(i, &set))
                m |= (ULONG_PTR)1 << i;
    return m;
}

/* The process's mask.  Linux keeps masks per thread only, so it is remembered: the main
 * thread's when first asked (nothing in winvm narrows a thread before that), then what
 * SetProcessAffinityMask sets.  Read and written atomically, 0 meaning not yet read. */
static ULONG_PTR wv_proc_mask;

ULONG_PTR wv_process_mask(void)
{
    ULONG_PTR m = __atomic_load_n(&wv_proc_mask, __ATOMIC_ACQUIRE), none = 0;
    if (m)
        return m;
    m = wv_affinity_of(getpid());
    __atomic_compare_exchange_n(&wv_proc_mask, &none, m, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    return __atomic_load_n(&wv_proc_mask, __ATOMIC_ACQUIRE);
}

void wv_process_mask_set(ULONG_PTR mask) { __atomic_store_n(&wv_proc_mask, mask, __ATOMIC_RELEASE); }

/* A thread's new mask, as Windows' ThreadAffinityMask takes it: the low 32 bits all set ask for
 * every processor of the process (Vista on, Wine's thread.c: "only the low 32-bits matter"),
 * otherwise a mask that is empty or names a processor outside the process's is
 * STATUS_INVALID_PARAMETER.  *old: the mask before. */
static NTSTATUS wv_set_affinity(pid_t tid, ULONG_PTR mask, ULONG_PTR *old)
{
    ULONG_PTR proc = wv_process_mask();
    if ((ULONG)mask == ~0u)
        mask = proc;
    if (!mask || (mask & ~proc))
        return (NTSTATUS)0xC000000D;
    *old = wv_affinity_of(tid);
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < 64; i++)
        if (mask & ((ULONG_PTR)1 << i))
            CPU_SET(i, &set);
    if (sched_setaffinity(tid, sizeof(set), &set) != 0)
        return errno == ESRCH ? 0 : (NTSTATUS)0xC0000022; /* an ended thread: nothing to place */
    return 0;
}

static void wv_basic(HANDLE h, struct wv_thread *t, WV_THREAD_BASIC_INFORMATION *b)
{
    memset(b, 0, sizeof(*b));
    pthread_mutex_lock(&wv_wait_lock);
    b->ExitStatus = t->done ? (NTSTATUS)t->exit_code : (NTSTATUS)STATUS_PENDING;
    pthread_mutex_unlock(&wv_wait_lock);
    /* A thread whose object came before its TEB (the main thread) is asked about itself. */
    b->TebBaseAddress = t->teb ? t->teb : t == wv_thread_peek() ? wv_teb_self() : NULL;
    b->UniqueProcess = (HANDLE)(ULONG_PTR)getpid();
    b->UniqueThread = (HANDLE)(ULONG_PTR)t->tid;
    b->AffinityMask = wv_affinity_of((pid_t)t->tid);
    int prio = GetThreadPriority(h);
    b->BasePriority = prio == THREAD_PRIORITY_ERROR_RETURN ? 0 : prio;
    b->Priority = 8 + b->BasePriority; /* NORMAL_PRIORITY_CLASS's base is 8 */
}

/* The answer for class into a (at most 48 bytes), its size in *n: 0 or an NTSTATUS. */
static NTSTATUS wv_thread_answer(HANDLE h, struct wv_thread *t, ULONG cls, void *a, ULONG *n)
{
    switch (cls) {
    case WV_ThreadBasicInformation:
        wv_basic(h, t, a);
        return *n = sizeof(WV_THREAD_BASIC_INFORMATION), 0;
    case WV_ThreadTimes: {
        FILETIME *ft = a; /* KERNEL_USER_TIMES: creation, exit, kernel, user */
        if (!GetThreadTimes(h, &ft[0], &ft[1], &ft[2], &ft[3]))
            return (NTSTATUS)0xC0000008;
        return *n = 4 * sizeof(FILETIME), 0;
    }
    case WV_ThreadQuerySetWin32StartAddress:
        *(void **)a = (void *)(uintptr_t)t->start;
        return *n = sizeof(void *), 0;
    case WV_ThreadAmILastThread: { /* a ULONG: 1 when no other thread of the process lives */
        struct wv_thread *all[2];
        wv_thread_self(); /* the caller counted, whether or not it had an object yet */
        size_t live = wv_thread_snapshot(all, 2);
        for (size_t i = 0; i < live; i++)
            wv_object_unref(&all[i]->obj);
        *(ULONG *)a = live <= 1;
        return *n = sizeof(ULONG), 0;
    }
    case WV_ThreadPriorityBoost: /* a ULONG: whether boosts are disabled (thread_ideal.c) */
        *(ULONG *)a = __atomic_load_n(&t->boost_off, __ATOMIC_ACQUIRE) ? 1 : 0;
        return *n = sizeof(ULONG), 0;
    case WV_ThreadSuspendCount: /* a ULONG: SuspendThread's count as it stands */
        *(ULONG *)a = (ULONG)__atomic_load_n(&t->suspend, __ATOMIC_ACQUIRE);
        return *n = sizeof(ULONG), 0;
    default:
        return (NTSTATUS)0xC0000003; /* STATUS_INVALID_INFO_CLASS */
    }
}

/* The thread h names for a query of cls: the classes Windows answers with
 * THREAD_QUERY_LIMITED_INFORMATION take either right, the others THREAD_QUERY_INFORMATION (Wine's
 * thread.c test_thread_info, run on Windows). */
static struct wv_thread *wv_query_ref(HANDLE h, ULONG cls)
{
    bool limited = cls == WV_ThreadBasicInformation || cls == WV_ThreadTimes || cls == WV_ThreadAmILastThread ||
                   cls == WV_ThreadPriorityBoost;
    struct wv_thread *t = limited ? wv_thread_ref(h, WV_THREAD_QUERY_LIMITED) : NULL;
    return t ? t : wv_thread_ref(h, WV_THREAD_QUERY);
}

WV_MSABI LONG wv_nt_NtQueryInformationThread(HANDLE h, ULONG cls, PVOID out, ULONG len, ULONG *ret)
{
    struct wv_thread *t = wv_query_ref(h, cls);
    if (!t)
        return wv_ref_status();
    LONG ist;
    if (wv_thread_ideal_info(t, cls, out, len, false, ret, &ist)) {
        wv_object_unref(&t->obj);
        return ist;
    }
    char a[64];
    ULONG n = 0;
    NTSTATUS st = wv_thread_answer(h, t, cls, a, &n);
    wv_object_unref(&t->obj);
    if (st)
        return st;
    if (len != n)
        return (NTSTATUS)0xC0000004; /* STATUS_INFO_LENGTH_MISMATCH */
    if (wv_user_put(out, a, n) || (ret && wv_user_put(ret, &n, sizeof(n))))
        return (NTSTATUS)0xC0000005;
    return 0;
}

/* Hiding a thread from a debugger: winvm has none to hide it from, so the request holds. */
WV_MSABI LONG wv_nt_NtSetInformationThread(HANDLE h, ULONG cls, PVOID in, ULONG len)
{
    struct wv_thread *t = wv_thread_ref(h, WV_THREAD_SET);
    if (!t)
        return wv_ref_status();
    LONG ist;
    if (wv_thread_ideal_info(t, cls, in, len, true, NULL, &ist)) {
        wv_object_unref(&t->obj);
        return ist;
    }
    pid_t tid = (pid_t)t->tid;
    wv_object_unref(&t->obj);
    if (cls == WV_ThreadAffinityMask) {
        ULONG_PTR mask, old;
        if (len != sizeof(mask))
            return (NTSTATUS)0xC0000004;
        if (wv_copy(&mask, in, sizeof(mask)))
            return (NTSTATUS)0xC0000005;
        return wv_set_affinity(tid, mask, &old);
    }
    if (cls == WV_ThreadPriorityBoost) {
        ULONG off;
        if (len != sizeof(off))
            return (NTSTATUS)0xC0000004;
        if (wv_copy(&off, in, sizeof(off)))
            return (NTSTATUS)0xC0000005;
        return wv_thread_boost_set(h, off != 0);
    }
    if (cls != WV_ThreadHideFromDebugger)
        return (NTSTATUS)0xC0000003;
    return len ? (NTSTATUS)0xC0000004 : 0;
}

/* SetThreadAffinityMask: the thread's mask before, 0 with the Win32 error on failure. */
DWORD_PTR WINAPI SetThreadAffinityMask(HANDLE h, DWORD_PTR mask)
{
    struct wv_thread *t = wv_thread_ref(h, WV_THREAD_SET);
    if (!t)
        return 0; /* wv_thread_ref set the error */
    pid_t tid = (pid_t)t->tid;
    wv_object_unref(&t->obj);
    ULONG_PTR old = 0;
    NTSTATUS st = wv_set_affinity(tid, mask, &old);
    if (st)
        return wv_fail(st == (NTSTATUS)0xC000000D ? ERROR_INVALID_PARAMETER : ERROR_ACCESS_DENIED), 0;
    return old;
}

/* GetCurrentThreadStackLimits: the running stack's bounds as the TEB holds them
 * (DeallocationStack, StackBase: a fiber's own while one runs), as Windows reads them (Wine's
 * thread.c test_GetCurrentThreadStackLimits).  Windows faults on a bad pointer; winvm writes
 * nothing through one. */
WV_MSABI void k32_GetCurrentThreadStackLimits(PULONG_PTR low, PULONG_PTR high)
{
    struct wv_thread_stack s = {0, 0, NULL, 0};
    if (!wv_fault_thread_stack || !wv_fault_thread_stack(&s))
        s.dealloc = wv_stack_lo, s.base = wv_stack_hi; /* no TEB: the winvm stack it runs on */
    (void)wv_user_put(low, &s.dealloc, sizeof(s.dealloc));
    (void)wv_user_put(high, &s.base, sizeof(s.base));
}

/* ---- CreateRemoteThread(Ex) ---- */

WV_MSABI HANDLE k32_CreateRemoteThreadEx(HANDLE proc, LPSECURITY_ATTRIBUTES sa, SIZE_T stack,
                                                        LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
                                                        LPVOID attrs, LPDWORD tid)
{
    (void)sa;
    if (attrs)
        return wv_fail_null(ERROR_NOT_SUPPORTED); /* no attribute list is understood yet */
    if (!wv_process_is_self(proc)) {
        DWORD access = 0, id = 0, err;
        struct wv_process *p = (struct wv_process *)wv_handle_get(proc, WV_KIND_PROCESS, &access);
        if (!p)
            return wv_fail_null(ERROR_INVALID_HANDLE);
        HANDLE h = NULL;
        if (!(access & PROCESS_CREATE_THREAD) || wv_process_gone(p))
            err = ERROR_ACCESS_DENIED; /* a process that has ended: STATUS_PROCESS_IS_TERMINATING */
        else if (!start || (flags & ~(DWORD)(CREATE_SUSPENDED | STACK_SIZE_PARAM_IS_A_RESERVATION)))
            err = ERROR_INVALID_PARAMETER;
        else
            err = wv_rthread_create(p, stack, start, arg, flags, &id, &h);
        wv_object_unref(&p->obj);
        if (!err && tid && wv_user_put(tid, &id, sizeof(id)))
            err = ERROR_NOACCESS; /* the thread runs on, as Windows leaves it */
        if (err && h)
            wv_handle_close(h), h = NULL;
        if (err)
            return wv_fail_null(err);
        wv_set_error(ERROR_SUCCESS);
        return h;
    }
    return wv_thread_create(stack, start, arg, flags, tid, true);
}

WV_MSABI HANDLE k32_CreateRemoteThread(HANDLE proc, LPSECURITY_ATTRIBUTES sa, SIZE_T stack,
                                                      LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
                                                      LPDWORD tid)
{
    return k32_CreateRemoteThreadEx(proc, sa, stack, start, arg, flags, NULL, tid);
}
