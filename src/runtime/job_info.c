/* SPDX-License-Identifier: MIT */
/* job_info.c - NtQueryInformationJobObject and NtSetInformationJobObject: accounting, the
 * process list, limits, the end-of-job time and the completion port.
 *
 * Sizes and statuses as Wine's kernel32 process.c test_QueryInformationJobObject records
 * Windows: a buffer smaller than the class's structure is STATUS_INFO_LENGTH_MISMATCH
 * (ERROR_BAD_LENGTH); the process list (active processes only) that does not fit is
 * STATUS_BUFFER_OVERFLOW (ERROR_MORE_DATA) with as many ids as fit.  Times and page faults come
 * from each member's /proc/PID/stat, I/O counts from /proc/PID/io (Linux's read and write system
 * calls and bytes: OtherOperationCount stays 0), the last seen kept once it has ended (a child reaped before
 * its last look keeps the look before).  Limits enforced: the active-process count,
 * breakaway, kill on close (job.c) and the job's user time (here); the others are kept and
 * reported, not enforced (docs/jobs.md).
 */
#define _GNU_SOURCE
#include "runtime/job_int.h"
#include "runtime/io_int.h"
#include "nt/nt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void wv_job_sample(struct wv_job_member *m)
{
    char path[48], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)m->pid);
    FILE *f = m->active ? fopen(path, "re") : NULL;
    if (!f)
        return;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *s = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
    unsigned long minflt, majflt, ut, st;
    if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %lu %*u %lu %*u %lu %lu", &minflt, &majflt, &ut, &st) != 4)
        return;
    long hz = sysconf(_SC_CLK_TCK);
    ULONGLONG tick = hz > 0 ? 10000000ull / (ULONGLONG)hz : 100000ull;
    m->utime = ut * tick, m->stime = st * tick, m->faults = minflt + majflt;
    snprintf(path, sizeof(path), "/proc/%d/io", (int)m->pid);
    if (!(f = fopen(path, "re")))
        return;
    unsigned long long rc, wc, sr, sw;
    if (fscanf(f, "rchar: %llu wchar: %llu syscr: %llu syscw: %llu", &rc, &wc, &sr, &sw) == 4)
        m->io = (IO_COUNTERS){.ReadOperationCount = sr, .WriteOperationCount = sw, .ReadTransferCount = rc,
                              .WriteTransferCount = wc};
    fclose(f);
}

/* The job's accounting (lock held). */
static void wv_job_account(struct wv_job *j, JOBOBJECT_BASIC_ACCOUNTING_INFORMATION *a)
{
    memset(a, 0, sizeof(*a));
    ULONGLONG ut = 0, kt = 0, faults = 0;
    for (struct wv_job_member *m = j->members; m; m = m->next) {
        wv_job_sample(m);
        ut += m->utime, kt += m->stime, faults += m->faults;
    }
    a->TotalUserTime.QuadPart = a->ThisPeriodTotalUserTime.QuadPart = (LONGLONG)ut;
    a->TotalKernelTime.QuadPart = a->ThisPeriodTotalKernelTime.QuadPart = (LONGLONG)kt;
    a->TotalPageFaultCount = (DWORD)faults;
    a->TotalProcesses = j->total, a->ActiveProcesses = j->active, a->TotalTerminatedProcesses = j->ended;
}

/* The active members' ids into l (room for cap): the status. */
static NTSTATUS wv_job_pids(struct wv_job *j, JOBOBJECT_BASIC_PROCESS_ID_LIST *l, size_t cap)
{
    DWORD n = 0;
    for (struct wv_job_member *m = j->members; m; m = m->next)
        if (m->active && n++ < cap)
            l->ProcessIdList[n - 1] = (ULONG_PTR)m->pid;
    l->NumberOfAssignedProcesses = n;
    l->NumberOfProcessIdsInList = n < cap ? n : (DWORD)cap;
    return n > cap ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* The class's answer into out (its room, len): the size written and the status (lock held). */
static NTSTATUS wv_job_query(struct wv_job *j, JOBOBJECTINFOCLASS cls, void *out, ULONG len, ULONG *size)
{
    static const ULONG need[] = {
        [JobObjectBasicAccountingInformation] = sizeof(JOBOBJECT_BASIC_ACCOUNTING_INFORMATION),
        [JobObjectBasicLimitInformation] = sizeof(JOBOBJECT_BASIC_LIMIT_INFORMATION),
        [JobObjectBasicProcessIdList] = sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST),
        [JobObjectEndOfJobTimeInformation] = sizeof(JOBOBJECT_END_OF_JOB_TIME_INFORMATION),
        [JobObjectBasicAndIoAccountingInformation] = sizeof(JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION),
        [JobObjectExtendedLimitInformation] = sizeof(JOBOBJECT_EXTENDED_LIMIT_INFORMATION)};
    if ((unsigned)cls >= sizeof(need) / sizeof(need[0]) || !need[cls])
        return cls > 0 && cls < MaxJobObjectInfoClass ? STATUS_NOT_IMPLEMENTED : STATUS_INVALID_INFO_CLASS;
    if (len < need[cls])
        return STATUS_INFO_LENGTH_MISMATCH;
    *size = need[cls];
    switch (cls) {
    case JobObjectBasicAccountingInformation: wv_job_account(j, out); return STATUS_SUCCESS;
    case JobObjectBasicAndIoAccountingInformation: {
        JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION *b = out;
        wv_job_account(j, &b->BasicInfo); /* samples every member */
        memset(&b->IoInfo, 0, sizeof(b->IoInfo));
        for (struct wv_job_member *m = j->members; m; m = m->next) {
            b->IoInfo.ReadOperationCount += m->io.ReadOperationCount;
            b->IoInfo.WriteOperationCount += m->io.WriteOperationCount;
            b->IoInfo.ReadTransferCount += m->io.ReadTransferCount;
            b->IoInfo.WriteTransferCount += m->io.WriteTransferCount;
        }
        return STATUS_SUCCESS;
    }
    case JobObjectBasicLimitInformation: memcpy(out, &j->limits.BasicLimitInformation, *size); return 0;
    case JobObjectExtendedLimitInformation: memcpy(out, &j->limits, *size); return 0;
    case JobObjectEndOfJobTimeInformation: memcpy(out, &j->eoj_action, *size); return 0;
    default: break;
    }
    size_t cap = (len - offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList)) / sizeof(ULONG_PTR);
    NTSTATUS st = wv_job_pids(j, out, cap);
    DWORD listed = ((JOBOBJECT_BASIC_PROCESS_ID_LIST *)out)->NumberOfProcessIdsInList;
    *size = (ULONG)(offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList) + listed * sizeof(ULONG_PTR));
    return st;
}

NTSTATUS NTAPI NtQueryInformationJobObject(HANDLE job, JOBOBJECTINFOCLASS cls, PVOID info, ULONG len, PULONG ret)
{
    struct wv_job *j;
    NTSTATUS st = wv_job_get(job, JOB_OBJECT_QUERY, &j);
    if (st)
        return st;
    if (len > (1u << 20))
        len = 1u << 20; /* a bound on the host copy: a list that long does not fit anyway */
    void *buf = calloc(1, len ? len : 1);
    ULONG size = 0;
    if (!buf)
        st = STATUS_NO_MEMORY;
    else {
        pthread_mutex_lock(&wv_job_lock);
        st = wv_job_query(j, cls, buf, len, &size);
        pthread_mutex_unlock(&wv_job_lock);
    }
    wv_object_unref(&j->obj);
    if ((st == STATUS_SUCCESS || st == STATUS_BUFFER_OVERFLOW) && wv_copy(info, buf, size))
        st = STATUS_ACCESS_VIOLATION;
    if ((st == STATUS_SUCCESS || st == STATUS_BUFFER_OVERFLOW) && ret && wv_copy(ret, &size, sizeof(size)))
        st = STATUS_ACCESS_VIOLATION;
    free(buf);
    return st;
}

/* The limits' checks: 0 or the status (flags of another class, a process limit of 0 is
 * allowed: it refuses every process). */
static NTSTATUS wv_job_limits_ok(const JOBOBJECT_EXTENDED_LIMIT_INFORMATION *l, bool extended)
{
    DWORD valid = extended ? JOB_OBJECT_EXTENDED_LIMIT_VALID_FLAGS : JOB_OBJECT_BASIC_LIMIT_VALID_FLAGS;
    return l->BasicLimitInformation.LimitFlags & ~valid ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
}

/* JobObjectAssociateCompletionPortInformation: once per job; the active members are told as
 * new processes, as Windows posts them (test_CompletionPort). */
static NTSTATUS wv_job_set_port(struct wv_job *j, const JOBOBJECT_ASSOCIATE_COMPLETION_PORT *a)
{
    DWORD access = 0;
    struct wv_object *port = wv_handle_get(a->CompletionPort, WV_KIND_ANY, &access);
    if (!port)
        return STATUS_INVALID_HANDLE;
    if (port->kind != WV_KIND_IOCP)
        return wv_object_unref(port), STATUS_OBJECT_TYPE_MISMATCH;
    pthread_mutex_lock(&wv_job_lock);
    bool taken = j->port != NULL;
    if (!taken) {
        j->port = port, j->port_key = (ULONG_PTR)a->CompletionKey;
        for (struct wv_job_member *m = j->members; m; m = m->next)
            if (m->active)
                wv_job_post(j, JOB_OBJECT_MSG_NEW_PROCESS, m->pid);
    }
    pthread_mutex_unlock(&wv_job_lock);
    if (taken)
        wv_object_unref(port);
    return taken ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
}

NTSTATUS NTAPI NtSetInformationJobObject(HANDLE job, JOBOBJECTINFOCLASS cls, PVOID info, ULONG len)
{
    union {
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;
        JOBOBJECT_ASSOCIATE_COMPLETION_PORT port;
        JOBOBJECT_END_OF_JOB_TIME_INFORMATION eoj;
    } u = {0};
    ULONG need = cls == JobObjectBasicLimitInformation ? sizeof(u.ext.BasicLimitInformation)
                 : cls == JobObjectExtendedLimitInformation ? sizeof(u.ext)
                 : cls == JobObjectAssociateCompletionPortInformation ? sizeof(u.port)
                 : cls == JobObjectEndOfJobTimeInformation ? sizeof(u.eoj) : 0;
    if (!need)
        return cls > 0 && cls < MaxJobObjectInfoClass ? STATUS_NOT_IMPLEMENTED : STATUS_INVALID_INFO_CLASS;
    struct wv_job *j;
    NTSTATUS st = wv_job_get(job, JOB_OBJECT_SET_ATTRIBUTES, &j);
    if (st)
        return st;
    if (len < need)
        st = STATUS_INFO_LENGTH_MISMATCH;
    else if (wv_copy(&u, info, need))
        st = STATUS_ACCESS_VIOLATION;
    else if (cls == JobObjectAssociateCompletionPortInformation)
        st = wv_job_set_port(j, &u.port);
    else if (cls == JobObjectEndOfJobTimeInformation)
        st = u.eoj.EndOfJobTimeAction > JOB_OBJECT_POST_AT_END_OF_JOB ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
    else
        st = wv_job_limits_ok(&u.ext, cls == JobObjectExtendedLimitInformation);
    if (!st && cls != JobObjectAssociateCompletionPortInformation) {
        pthread_mutex_lock(&wv_job_lock);
        if (cls == JobObjectEndOfJobTimeInformation)
            j->eoj_action = u.eoj.EndOfJobTimeAction;
        else if (cls == JobObjectBasicLimitInformation) /* the extended part stays */
            j->limits.BasicLimitInformation = u.ext.BasicLimitInformation;
        else
            j->limits = u.ext;
        if (j->limits.BasicLimitInformation.LimitFlags & JOB_OBJECT_LIMIT_JOB_TIME)
            wv_job_time_watch(j);
        pthread_mutex_unlock(&wv_job_lock);
    }
    wv_object_unref(&j->obj);
    return st;
}

/* ---- the end-of-job time ---- */

/* Looks at the members' user time every 50 ms while the job lives with a time limit: past it,
 * the job is signalled and its processes end (JOB_OBJECT_TERMINATE_AT_END_OF_JOB), or the port
 * hears JOB_OBJECT_MSG_END_OF_JOB_TIME (JOB_OBJECT_POST_AT_END_OF_JOB) and the limit is
 * dropped, as Windows does. */
static void *wv_job_timer(void *arg)
{
    struct wv_job *j = arg;
    for (;;) {
        usleep(50000);
        pthread_mutex_lock(&wv_job_lock);
        JOBOBJECT_BASIC_LIMIT_INFORMATION *b = &j->limits.BasicLimitInformation;
        bool on = (b->LimitFlags & JOB_OBJECT_LIMIT_JOB_TIME) && __atomic_load_n(&j->handles, __ATOMIC_ACQUIRE) > 0;
        JOBOBJECT_BASIC_ACCOUNTING_INFORMATION a;
        if (on)
            wv_job_account(j, &a);
        bool past = on && a.TotalUserTime.QuadPart > b->PerJobUserTimeLimit.QuadPart;
        bool post = past && j->eoj_action == JOB_OBJECT_POST_AT_END_OF_JOB;
        if (post)
            wv_job_post(j, JOB_OBJECT_MSG_END_OF_JOB_TIME, 0), b->LimitFlags &= ~JOB_OBJECT_LIMIT_JOB_TIME;
        if (!on || past)
            j->time_watch = false;
        pthread_mutex_unlock(&wv_job_lock);
        if (past && !post)
            wv_job_kill(j, ERROR_NOT_ENOUGH_QUOTA, true);
        if (!on || past)
            break;
    }
    wv_object_unref(&j->obj);
    return NULL;
}

void wv_job_time_watch(struct wv_job *j)
{
    if (j->time_watch)
        return;
    pthread_attr_t a;
    pthread_t t;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 64 * 1024);
    wv_object_ref(&j->obj);
    if (pthread_create(&t, &a, wv_job_timer, j) == 0)
        j->time_watch = true;
    else
        wv_object_unref(&j->obj);
    pthread_attr_destroy(&a);
}
