/* SPDX-License-Identifier: MIT */
/* thread_info.c - what a thread handle tells and the current process's remote threads:
 * NtQueryInformationThread (ThreadBasicInformation, ThreadTimes,
 * ThreadQuerySetWin32StartAddress, ThreadSuspendCount), NtSetInformationThread (ThreadHideFromDebugger),
 * CreateRemoteThread(Ex) on this process.  A thread of another process cannot be made here
 * (no channel to run code there yet): ERROR_NOT_SUPPORTED.
 */
#define _GNU_SOURCE
#include "runtime/thread_int.h"
#include <winvm/ntdll.h>

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

enum { WV_ThreadBasicInformation = 0, WV_ThreadTimes = 1, WV_ThreadHideFromDebugger = 17,
       WV_ThreadQuerySetWin32StartAddress = 9, WV_ThreadSuspendCount = 35 };

/* The NTSTATUS for wv_thread_ref's failure (its last error). */
static NTSTATUS wv_ref_status(void)
{
    return GetLastError() == ERROR_ACCESS_DENIED ? (NTSTATUS)0xC0000022 : (NTSTATUS)0xC0000008;
}

static ULONG_PTR wv_affinity(void)
{
    cpu_set_t set;
    ULONG_PTR m = 0;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        for (int i = 0; i < 64; i++)
            if (CPU_ISSET(i, &set))
                m |= (ULONG_PTR)1 << i;
    return m;
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
    b->AffinityMask = wv_affinity();
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
    case WV_ThreadSuspendCount: /* a ULONG: SuspendThread's count as it stands */
        *(ULONG *)a = (ULONG)__atomic_load_n(&t->suspend, __ATOMIC_ACQUIRE);
        return *n = sizeof(ULONG), 0;
    default:
        return (NTSTATUS)0xC0000003; /* STATUS_INVALID_INFO_CLASS */
    }
}

WV_MSABI LONG wv_nt_NtQueryInformationThread(HANDLE h, ULONG cls, PVOID out, ULONG len, ULONG *ret)
{
    struct wv_thread *t = wv_thread_ref(h, WV_THREAD_QUERY);
    if (!t)
        return wv_ref_status();
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
    (void)in;
    struct wv_thread *t = wv_thread_ref(h, WV_THREAD_SET);
    if (!t)
        return wv_ref_status();
    wv_object_unref(&t->obj);
    if (cls != WV_ThreadHideFromDebugger)
        return (NTSTATUS)0xC0000003;
    return len ? (NTSTATUS)0xC0000004 : 0;
}

/* ---- CreateRemoteThread(Ex) ---- */

WV_MSABI HANDLE k32_CreateRemoteThreadEx(HANDLE proc, LPSECURITY_ATTRIBUTES sa, SIZE_T stack,
                                                        LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
                                                        LPVOID attrs, LPDWORD tid)
{
    (void)sa;
    wv_stack_probe();
    if (!wv_process_is_self(proc)) {
        struct wv_object *o = wv_handle_get(proc, WV_KIND_PROCESS, NULL);
        if (o)
            wv_object_unref(o);
        return wv_fail_null(o ? ERROR_NOT_SUPPORTED : ERROR_INVALID_HANDLE);
    }
    if (attrs)
        return wv_fail_null(ERROR_NOT_SUPPORTED); /* no attribute list is understood yet */
    return wv_thread_create(stack, start, arg, flags, tid, true);
}

WV_MSABI HANDLE k32_CreateRemoteThread(HANDLE proc, LPSECURITY_ATTRIBUTES sa, SIZE_T stack,
                                                      LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
                                                      LPDWORD tid)
{
    return k32_CreateRemoteThreadEx(proc, sa, stack, start, arg, flags, NULL, tid);
}
