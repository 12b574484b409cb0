/* SPDX-License-Identifier: MIT */
/* job_int.h - what job.c (the object, membership, assignment, termination) shares with
 * job_info.c (Query/SetInformationJobObject, accounting) and job_k32.c (kernel32's faces).
 * Not an interface of the layer: runtime.h declares the hooks other files call. */
#ifndef WV_RUNTIME_JOB_INT_H
#define WV_RUNTIME_JOB_INT_H

#include "runtime/runtime.h"
#include <winvm/job.h>

/* One process in a job: in the job it was assigned to (direct) and in each of its ancestors. */
struct wv_job_member {
    struct wv_job_member *next;
    pid_t pid;
    struct wv_process *p; /* a reference (its watcher tells the end); NULL: this process */
    bool active;          /* has not ended */
    bool direct;          /* assigned to this job, not to a job nested in it */
    ULONGLONG utime, stime, faults; /* last seen (100 ns, 100 ns, count) */
    IO_COUNTERS io;                 /* last seen (/proc/PID/io: system calls and bytes) */
};

struct wv_job {
    struct wv_object obj; /* WV_KIND_JOB */
    uint64_t id;          /* unique in this process: how members name it (job_chan.c) */
    char *name;           /* NULL: unnamed */
    int fd;               /* its name held in the per-user store, or -1 */
    struct wv_job *next_named, *next_all;
    struct wv_job *parent;          /* the job this one is nested in (a reference), or NULL */
    struct wv_job_member *members;  /* in the order they joined */
    DWORD total, active, ended;     /* TotalProcesses, ActiveProcesses, TotalTerminatedProcesses */
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    DWORD eoj_action;               /* JobObjectEndOfJobTimeInformation */
    struct wv_object *port;         /* JobObjectAssociateCompletionPortInformation, a reference */
    ULONG_PTR port_key;
    bool signalled;                 /* wait lock: TerminateJobObject, the end-of-job time */
    bool time_watch;                /* a thread watches the job's user time */
    int handles;                    /* atomic */
};

/* Guards every job's fields above but signalled, the lists of jobs and names; taken before
 * wv_iocp_lock (a packet posted) and never held while a process is terminated. */
extern pthread_mutex_t wv_job_lock;

/* The job h names with a reference if the handle grants need: 0 or the status. */
NTSTATUS wv_job_get(HANDLE h, DWORD need, struct wv_job **out);
/* Posts msg about pid to j's port if it has one (lock held). */
void wv_job_post(struct wv_job *j, DWORD msg, pid_t pid);
/* Ends every active member of j with code (the caller last, if a member); j signalled when
 * signal.  Lock not held. */
void wv_job_kill(struct wv_job *j, UINT code, bool signal);
/* (lock held) The job p (NULL: this process) was assigned to, active there, or NULL; the job
 * with this id, or NULL; the job a child of a process in j joins with these creation flags
 * (NULL: it breaks away from all); the first job from j up a new process would take past its
 * active-process limit, or NULL; p listed in j and its ancestors (false without memory). */
struct wv_job *wv_job_innermost(const struct wv_process *p);
struct wv_job *wv_job_by_id(uint64_t id);
struct wv_job *wv_job_target(struct wv_job *j, DWORD flags);
struct wv_job *wv_job_full(struct wv_job *j);
bool wv_job_add(struct wv_job *j, struct wv_process *p);
/* job_chan.c: tells a member (another process) the job it is now in (lock not held; a process
 * without a channel is not told); a member's side of CreateProcess when its job is another
 * process's: the breakaway check, the child's joining (0 or the error: ERROR_ACCESS_DENIED,
 * ERROR_NOT_ENOUGH_QUOTA); whether this process is in another process's job. */
void wv_job_tell(struct wv_process *p, uint64_t id);
DWORD wv_job_up_check(DWORD flags);
DWORD wv_job_up_join(struct wv_process *child, DWORD flags);
bool wv_job_up_member(void);
/* Reads a member's times and faults from /proc, keeping the last seen (lock held). */
void wv_job_sample(struct wv_job_member *m);
/* job_info.c: starts the thread that watches j's user time against PerJobUserTimeLimit (lock
 * held, JOB_OBJECT_LIMIT_JOB_TIME set). */
void wv_job_time_watch(struct wv_job *j);

#endif
