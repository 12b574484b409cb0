/* SPDX-License-Identifier: MIT */
/* thread_ideal.c - a thread's scheduling hints: its ideal processor (SetThreadIdealProcessor,
 * SetThreadIdealProcessorEx, GetThreadIdealProcessorEx, and ntdll's ThreadIdealProcessor (set)
 * and ThreadIdealProcessorEx (query and set) classes) and whether its priority may be boosted
 * (Get/SetThreadPriorityBoost, ThreadPriorityBoost).  Linux boosts no priority, so the setting
 * is recorded and reported, as the ideal processor is.
 *
 * The ideal processor is the scheduler's preference, and it stays one: Linux has no such hint,
 * so winvm records it per thread and reports it, and the thread runs where its affinity lets it
 * (SetThreadAffinityMask is what binds).  Until one is set a thread's is given round-robin by
 * its creation order, as Windows spreads new threads' ideal processors.  There is one processor
 * group (group 0), as winvm reports (wv_sys_processors).
 *
 * Windows' rules (Wine's kernel32 thread.c test_thread_processor, 64-bit): a number above
 * MAXIMUM_PROCESSORS (64) is ERROR_INVALID_PARAMETER and returns (DWORD)-1; MAXIMUM_PROCESSORS
 * itself asks for the current one without changing it; a processor the system does not have is
 * ERROR_INVALID_PARAMETER too.  NtSetInformationThread(ThreadIdealProcessor) returns the
 * previous number as its status.
 */
#include "runtime/thread_int.h"

#define WV_MAXIMUM_PROCESSORS 64
#define WV_THREAD_QUERY 0x0040 /* THREAD_QUERY_INFORMATION */
#define WV_THREAD_SET 0x0020   /* THREAD_SET_INFORMATION */
#define WV_THREAD_SET_LIMITED 0x0400   /* THREAD_SET_LIMITED_INFORMATION */
#define WV_THREAD_QUERY_LIMITED 0x0800 /* THREAD_QUERY_LIMITED_INFORMATION */
enum { WV_ThreadIdealProcessor = 13, WV_ThreadIdealProcessorEx = 33 };

#define wv_procnum _PROCESSOR_NUMBER

static unsigned wv_ideal_get(struct wv_thread *t)
{
    int v = __atomic_load_n(&t->ideal, __ATOMIC_ACQUIRE);
    return v ? (unsigned)v - 1 : (unsigned)(t->serial % wv_sys_processors());
}

/* Sets t's ideal processor to n (a processor the system has): the previous one. */
static unsigned wv_ideal_set(struct wv_thread *t, unsigned n)
{
    unsigned prev = wv_ideal_get(t);
    __atomic_store_n(&t->ideal, (int)n + 1, __ATOMIC_RELEASE);
    return prev;
}

/* SetThreadIdealProcessor's core: 0 and the previous processor in *prev, or the error. */
static DWORD wv_ideal_number(struct wv_thread *t, DWORD n, unsigned *prev)
{
    if (n == WV_MAXIMUM_PROCESSORS)
        return *prev = wv_ideal_get(t), 0;
    if (n > WV_MAXIMUM_PROCESSORS || n >= wv_sys_processors())
        return ERROR_INVALID_PARAMETER;
    *prev = wv_ideal_set(t, n);
    return 0;
}

bool wv_thread_ideal_info(struct wv_thread *t, ULONG cls, PVOID buf, ULONG len, bool set, ULONG *ret, LONG *st)
{
    if (cls == WV_ThreadIdealProcessor) {
        ULONG n;
        unsigned prev = 0;
        *st = !set ? (LONG)0xC0000003 /* STATUS_INVALID_INFO_CLASS: set only */
              : len != sizeof(n) ? (LONG)0xC0000004
              : wv_copy(&n, buf, sizeof(n)) ? (LONG)0xC0000005
              : wv_ideal_number(t, n, &prev) ? (LONG)0xC000000D : (LONG)prev;
        return true;
    }
    if (cls != WV_ThreadIdealProcessorEx)
        return false;
    struct wv_procnum p = {0, 0, 0}, old = {0, (BYTE)wv_ideal_get(t), 0};
    if (len != sizeof(p))
        return *st = (LONG)0xC0000004, true;
    if (set) {
        if (wv_copy(&p, buf, sizeof(p)))
            return *st = (LONG)0xC0000005, true;
        if (p.Group != 0 || p.Number >= wv_sys_processors())
            return *st = (LONG)0xC000000D, true;
        wv_ideal_set(t, p.Number);
    }
    /* Query: the current one; set: the previous one, written back over the new. */
    *st = wv_user_put(buf, &old, sizeof(old)) ? (LONG)0xC0000005 : 0;
    if (!*st && ret && !set && wv_user_put(ret, &len, sizeof(len)))
        *st = (LONG)0xC0000005;
    return true;
}

DWORD WINAPI SetThreadIdealProcessor(HANDLE h, DWORD n)
{
    struct wv_thread *t = wv_thread_ref(h, WV_THREAD_SET);
    if (!t)
        return (DWORD)-1; /* wv_thread_ref set the error */
    unsigned prev = 0;
    DWORD err = wv_ideal_number(t, n, &prev);
    wv_object_unref(&t->obj);
    return err ? (wv_set_error(err), (DWORD)-1) : prev;
}

BOOL WINAPI SetThreadIdealProcessorEx(HANDLE h, PPROCESSOR_NUMBER ideal, PPROCESSOR_NUMBER prev)
{
    struct wv_procnum p, old;
    if (!ideal)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (wv_copy(&p, ideal, sizeof(p)))
        return wv_fail(ERROR_NOACCESS);
    if (p.Group != 0 || p.Number >= wv_sys_processors())
        return wv_fail(ERROR_INVALID_PARAMETER);
    struct wv_thread *t = wv_thread_ref(h, WV_THREAD_SET);
    if (!t)
        return FALSE;
    old = (struct wv_procnum){0, (BYTE)wv_ideal_set(t, p.Number), 0};
    wv_object_unref(&t->obj);
    if (prev && wv_user_put(prev, &old, sizeof(old)))
        return wv_fail(ERROR_NOACCESS);
    return TRUE;
}

BOOL WINAPI GetThreadIdealProcessorEx(HANDLE h, PPROCESSOR_NUMBER out)
{
    if (!out)
        return wv_fail(ERROR_INVALID_PARAMETER);
    struct wv_thread *t = wv_thread_ref(h, WV_THREAD_QUERY);
    if (!t)
        return FALSE;
    struct wv_procnum p = {0, (BYTE)wv_ideal_get(t), 0};
    wv_object_unref(&t->obj);
    return wv_user_put(out, &p, sizeof(p)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

/* ---- priority boost ---- */

/* The thread h names with either of two rights (the full one implies the limited on Windows). */
static struct wv_thread *wv_ref_either(HANDLE h, DWORD full, DWORD limited)
{
    struct wv_thread *t = wv_thread_ref(h, limited);
    return t ? t : wv_thread_ref(h, full);
}

LONG wv_thread_boost_set(HANDLE h, bool off)
{
    struct wv_thread *t = wv_ref_either(h, WV_THREAD_SET, WV_THREAD_SET_LIMITED);
    if (!t)
        return GetLastError() == ERROR_ACCESS_DENIED ? (LONG)0xC0000022 : (LONG)0xC0000008;
    __atomic_store_n(&t->boost_off, off, __ATOMIC_RELEASE);
    wv_object_unref(&t->obj);
    return 0;
}

BOOL WINAPI SetThreadPriorityBoost(HANDLE h, BOOL disable)
{
    struct wv_thread *t = wv_ref_either(h, WV_THREAD_SET, WV_THREAD_SET_LIMITED);
    if (!t)
        return FALSE; /* wv_thread_ref set the error */
    __atomic_store_n(&t->boost_off, disable != 0, __ATOMIC_RELEASE);
    wv_object_unref(&t->obj);
    return TRUE;
}

BOOL WINAPI GetThreadPriorityBoost(HANDLE h, PBOOL disabled)
{
    struct wv_thread *t = wv_ref_either(h, WV_THREAD_QUERY, WV_THREAD_QUERY_LIMITED);
    if (!t)
        return FALSE;
    BOOL v = __atomic_load_n(&t->boost_off, __ATOMIC_ACQUIRE);
    wv_object_unref(&t->obj);
    if (!disabled)
        return wv_fail(ERROR_INVALID_PARAMETER);
    return wv_user_put(disabled, &v, sizeof(v)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}
