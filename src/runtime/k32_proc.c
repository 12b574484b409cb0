/* SPDX-License-Identifier: MIT */
/* k32_proc.c - what kernel32 tells and sets about this process and its threads (OpenProcess
 * and the other process calls: process.c): affinity masks, process and thread times, thread priorities,
 * SwitchToThread, IsDebuggerPresent.
 *
 * Host facts behind them: the affinity is sched_getaffinity's (set on every thread, Linux
 * keeping it per thread); times come from getrusage and /proc (start times are clock ticks
 * after the boot time /proc/stat gives); a thread priority is remembered per thread and applied
 * as the nearest nice value when the host allows (raising it needs CAP_SYS_NICE: then only the
 * remembered value changes, as Wine does); a debugger is a tracer (/proc/self/status).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/debug_int.h"
#include "runtime/thread_int.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>


/* Another process's affinity and times are not served: its handle is ERROR_INVALID_HANDLE. */
static bool wv_is_this_process(HANDLE h) { return wv_process_is_self(h); }

/* ---- affinity ---- */

static DWORD_PTR wv_system_mask(void)
{
    int n = get_nprocs_conf();
    return n >= 64 ? ~(DWORD_PTR)0 : ((DWORD_PTR)1 << n) - 1;
}

BOOL WINAPI GetProcessAffinityMask(HANDLE h, PDWORD_PTR process, PDWORD_PTR system)
{
    if (!wv_is_this_process(h))
        return wv_fail(ERROR_INVALID_HANDLE);
    DWORD_PTR mine = wv_process_mask(), sys = wv_system_mask(); /* not the caller's own mask */
    DWORD err = wv_user_put(process, &mine, sizeof(mine));
    if (!err)
        err = wv_user_put(system, &sys, sizeof(sys));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetProcessAffinityMask(HANDLE h, DWORD_PTR mask)
{
    if (!wv_is_this_process(h))
        return wv_fail(ERROR_INVALID_HANDLE);
    if (!mask || (mask & ~wv_system_mask()))
        return wv_fail(ERROR_INVALID_PARAMETER);
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < 64; i++)
        if (mask & ((DWORD_PTR)1 << i))
            CPU_SET(i, &set);
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return wv_fail(wv_errno_to_error(errno));
    DWORD err = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' && sched_setaffinity((pid_t)atoi(e->d_name), sizeof(set), &set) != 0 &&
            errno != ESRCH && !err)
            err = wv_errno_to_error(errno);
    closedir(d);
    if (!err)
        wv_process_mask_set(mask);
    return err ? wv_fail(err) : TRUE;
}

/* ---- times ---- */

/* The boot time, in seconds since 1970 (/proc/stat's btime). */
static long long wv_boot_time(void)
{
    FILE *f = fopen("/proc/stat", "re");
    long long bt = 0;
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "btime %lld", &bt) == 1)
            break;
    if (f)
        fclose(f);
    return bt;
}

/* utime, stime (ticks) and starttime (ticks after boot) from a /proc stat file. */
static bool wv_proc_stat(const char *path, unsigned long long *ut, unsigned long long *st, unsigned long long *start)
{
    char buf[1024];
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    return p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
                       ut, st, start) == 3;
}

static uint64_t wv_ticks_ft(unsigned long long ticks) { return ticks * 10000000ull / (uint64_t)sysconf(_SC_CLK_TCK); }

static BOOL wv_put_times(uint64_t created, uint64_t ended, uint64_t kernel, uint64_t user, LPFILETIME c,
                         LPFILETIME e, LPFILETIME k, LPFILETIME u)
{
    FILETIME v[4];
    uint64_t x[4] = {created, ended, kernel, user};
    LPFILETIME out[4] = {c, e, k, u};
    for (int i = 0; i < 4; i++) {
        wv_filetime_set(&v[i], x[i]);
        if (wv_user_put(out[i], &v[i], sizeof(v[i])))
            return wv_fail(ERROR_NOACCESS);
    }
    return TRUE;
}

static uint64_t wv_started(unsigned long long start_ticks)
{
    struct timespec t = {(time_t)wv_boot_time(), 0};
    return wv_filetime_of(&t) + wv_ticks_ft(start_ticks);
}

BOOL WINAPI GetProcessTimes(HANDLE h, LPFILETIME c, LPFILETIME e, LPFILETIME k, LPFILETIME u)
{
    unsigned long long ut, st, start;
    if (!wv_is_this_process(h))
        return wv_fail(ERROR_INVALID_HANDLE);
    if (!wv_proc_stat("/proc/self/stat", &ut, &st, &start))
        return wv_fail(ERROR_ACCESS_DENIED);
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    uint64_t kt = (uint64_t)r.ru_stime.tv_sec * 10000000u + (uint64_t)r.ru_stime.tv_usec * 10u;
    uint64_t us = (uint64_t)r.ru_utime.tv_sec * 10000000u + (uint64_t)r.ru_utime.tv_usec * 10u;
    return wv_put_times(wv_started(start), 0, kt, us, c, e, k, u);
}

/* The host thread id of a thread handle (the pseudo handle included); 0 when none. */
static DWORD wv_tid_of(HANDLE h) { return h == WV_CURRENT_THREAD ? wv_tid() : GetThreadId(h); }

bool wv_thread_times_now(uint64_t out[4])
{
    char path[64];
    unsigned long long ut, st, start;
    struct rusage r;
    snprintf(path, sizeof(path), "/proc/self/task/%u/stat", (unsigned)wv_tid());
    if (!wv_proc_stat(path, &ut, &st, &start) || getrusage(RUSAGE_THREAD, &r) != 0)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    out[0] = wv_started(start);
    out[1] = wv_filetime_of(&now);
    out[2] = (uint64_t)r.ru_stime.tv_sec * 10000000u + (uint64_t)r.ru_stime.tv_usec * 10u;
    out[3] = (uint64_t)r.ru_utime.tv_sec * 10000000u + (uint64_t)r.ru_utime.tv_usec * 10u;
    return true;
}

/* The times an ended thread's object kept (wv_thread_times_now at its end): true when h names
 * such a thread. */
static bool wv_thread_times_kept(HANDLE h, uint64_t out[4])
{
    if (h == WV_CURRENT_THREAD)
        return false;
    struct wv_thread *t = wv_thread_ref(h, THREAD_QUERY_LIMITED_INFORMATION); /* either right will do */
    if (!t && !(t = wv_thread_ref(h, THREAD_QUERY_INFORMATION)))
        return false;
    pthread_mutex_lock(&wv_wait_lock);
    bool kept = t->done && t->times_kept;
    if (kept)
        memcpy(out, t->times, sizeof(t->times));
    pthread_mutex_unlock(&wv_wait_lock);
    wv_object_unref(&t->obj);
    return kept;
}

/* A live thread's times from /proc; an ended one's as its object kept them (exit time set). */
BOOL WINAPI GetThreadTimes(HANDLE h, LPFILETIME c, LPFILETIME e, LPFILETIME k, LPFILETIME u)
{
    uint64_t kept[4];
    if (wv_thread_times_kept(h, kept))
        return wv_put_times(kept[0], kept[1], kept[2], kept[3], c, e, k, u);
    DWORD tid = wv_tid_of(h);
    char path[64];
    unsigned long long ut, st, start;
    snprintf(path, sizeof(path), "/proc/self/task/%u/stat", tid);
    if (!tid || !wv_proc_stat(path, &ut, &st, &start))
        return wv_fail(ERROR_INVALID_HANDLE);
    return wv_put_times(wv_started(start), 0, wv_ticks_ft(st), wv_ticks_ft(ut), c, e, k, u);
}

/* ---- priorities ---- */

#define WV_PRIO_SLOTS 256
static struct { DWORD tid; int prio; } wv_prio[WV_PRIO_SLOTS];
static pthread_mutex_t wv_prio_lock = PTHREAD_MUTEX_INITIALIZER;

static int wv_nice_of(int prio)
{
    switch (prio) {
    case THREAD_PRIORITY_IDLE: return 19;
    case THREAD_PRIORITY_LOWEST: return 10;
    case THREAD_PRIORITY_BELOW_NORMAL: return 5;
    case THREAD_PRIORITY_ABOVE_NORMAL: return -5;
    case THREAD_PRIORITY_HIGHEST: return -10;
    case THREAD_PRIORITY_TIME_CRITICAL: return -20;
    default: return 0;
    }
}

int WINAPI GetThreadPriority(HANDLE h)
{
    DWORD tid = wv_tid_of(h);
    if (!tid)
        return wv_set_error(ERROR_INVALID_HANDLE), THREAD_PRIORITY_ERROR_RETURN;
    int prio = THREAD_PRIORITY_NORMAL;
    pthread_mutex_lock(&wv_prio_lock);
    for (int i = 0; i < WV_PRIO_SLOTS; i++)
        if (wv_prio[i].tid == tid)
            prio = wv_prio[i].prio;
    pthread_mutex_unlock(&wv_prio_lock);
    return prio;
}

BOOL WINAPI SetThreadPriority(HANDLE h, int prio)
{
    DWORD tid = wv_tid_of(h);
    if (!tid)
        return wv_fail(ERROR_INVALID_HANDLE);
    if (prio != THREAD_PRIORITY_IDLE && prio != THREAD_PRIORITY_TIME_CRITICAL && (prio < -2 || prio > 2))
        return wv_fail(ERROR_INVALID_PARAMETER);
    pthread_mutex_lock(&wv_prio_lock);
    int slot = -1;
    for (int i = 0; i < WV_PRIO_SLOTS && slot < 0; i++)
        if (wv_prio[i].tid == tid || wv_prio[i].tid == 0)
            slot = i;
    if (slot < 0) /* full: reuse the slot of a thread that has ended */
        for (int i = 0; i < WV_PRIO_SLOTS && slot < 0; i++)
            if (kill((pid_t)wv_prio[i].tid, 0) != 0 && errno == ESRCH)
                slot = i;
    if (slot >= 0)
        wv_prio[slot].tid = tid, wv_prio[slot].prio = prio;
    pthread_mutex_unlock(&wv_prio_lock);
    if (slot < 0)
        return wv_fail(ERROR_NOT_ENOUGH_MEMORY);
    setpriority(PRIO_PROCESS, (id_t)tid, wv_nice_of(prio)); /* may be refused: see above */
    return TRUE;
}

BOOL WINAPI SwitchToThread(void) { return sched_yield() == 0; }

BOOL WINAPI IsDebuggerPresent(void)
{
    if (wv_debug_attached()) /* a debugger of the debug API (debug_child.c) */
        return TRUE;
    FILE *f = fopen("/proc/self/status", "re");
    char line[128];
    int tracer = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "TracerPid: %d", &tracer) == 1)
            break;
    if (f)
        fclose(f);
    return tracer != 0;
}
