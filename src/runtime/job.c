/* SPDX-License-Identifier: MIT */
/* job.c - job objects: NtCreate/OpenJobObject, NtAssignProcessToJobObject, NtIsProcessInJob,
 * NtTerminateJobObject, and what processes tell jobs: a member's end (process.c), a child
 * CreateProcess makes while this process is in a job (process_create.c), this process's exit
 * (process_child.c).  Queries and limits: job_info.c; kernel32's calls: job_k32.c.
 *
 * A job lives in the process that made it (a name is found by this process's opens only, and
 * held in the per-user store so another kind's name is refused); its members are real
 * processes, each reached through a process object of ours whose watcher tells its end, and
 * ended through TerminateProcess's core.  Nesting (Windows 8): assigning a process that is in
 * job J to job K makes K a child of J when K is in no hierarchy and never had a process (Wine's
 * test_nested_jobs: an emptied job is refused too); a process is then listed in
 * the job it was assigned to and in every ancestor, which is what their counts, lists and
 * termination cover.  A child of this process joins this process's innermost job unless it
 * breaks away: CREATE_BREAKAWAY_FROM_JOB from a job with JOB_OBJECT_LIMIT_BREAKAWAY_OK, always
 * from one with _SILENT_BREAKAWAY_OK, going up the hierarchy to the first job it stays in
 * (Wine's kernel32 process.c test_BreakawayOk records Windows' answers, ERROR_ACCESS_DENIED
 * when the innermost job allows neither).  A member that is another process is told its job
 * over its control channel, and asks this process about its own children (job_chan.c).
 */
#define _GNU_SOURCE
#include "runtime/job_int.h"
#include "runtime/synch_int.h"
#include "runtime/io_int.h"
#include "nt/nt.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

pthread_mutex_t wv_job_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_job *wv_job_names, *wv_jobs;
static int wv_job_count; /* atomic: no job, no look at a process's end */

static void wv_job_unlink(struct wv_job **head, struct wv_job *j, bool named)
{
    for (struct wv_job **q = head; *q; q = named ? &(*q)->next_named : &(*q)->next_all)
        if (*q == j) {
            *q = named ? j->next_named : j->next_all;
            return;
        }
}

static void wv_job_destroy(struct wv_object *o)
{
    struct wv_job *j = (struct wv_job *)o;
    int lk = j->fd >= 0 ? wv_ns_lock() : -1;
    pthread_mutex_lock(&wv_job_lock);
    wv_job_unlink(&wv_job_names, j, true);
    wv_job_unlink(&wv_jobs, j, false);
    pthread_mutex_unlock(&wv_job_lock);
    __atomic_sub_fetch(&wv_job_count, 1, __ATOMIC_ACQ_REL);
    if (j->fd >= 0)
        wv_ns_release(lk, j->fd), close(j->fd);
    if (lk >= 0)
        wv_ns_unlock(lk);
    for (struct wv_job_member *m = j->members, *next; m; m = next) {
        next = m->next;
        if (m->p)
            wv_object_unref(&m->p->obj);
        free(m);
    }
    wv_object_unref(j->port);
    wv_object_unref(j->parent ? &j->parent->obj : NULL);
    free(j->name);
    free(j);
}

/* The last handle closed: with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE every member ends. */
static void wv_job_on_handle(struct wv_object *o, int delta)
{
    struct wv_job *j = (struct wv_job *)o;
    if (__atomic_add_fetch(&j->handles, delta, __ATOMIC_ACQ_REL) != 0 || delta > 0)
        return;
    pthread_mutex_lock(&wv_job_lock);
    bool kill = j->limits.BasicLimitInformation.LimitFlags & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    pthread_mutex_unlock(&wv_job_lock);
    if (kill)
        wv_job_kill(j, 0, false);
}

/* The named job with a new reference, or NULL (lock held). */
static struct wv_object *wv_job_find(const char *name)
{
    for (struct wv_job *j = wv_job_names; j; j = j->next_named)
        if (!strcmp(j->name, name))
            return wv_object_ref_live(&j->obj) ? &j->obj : NULL;
    return NULL;
}

static struct wv_object *wv_job_new(int lk, const char *name, void *arg, NTSTATUS *st)
{
    (void)arg;
    struct wv_job *j = calloc(1, sizeof(*j));
    if (!j || (name && !(j->name = strdup(name)))) {
        *st = STATUS_NO_MEMORY;
        return free(j), NULL;
    }
    j->fd = name ? wv_local_name_hold(lk, name, 0x6a627677u /* "wvbj" */, st) : -1;
    if (name && j->fd < 0)
        return free(j->name), free(j), NULL;
    j->obj = (struct wv_object){.kind = WV_KIND_JOB, .refs = 1, .destroy = wv_job_destroy,
                                .on_handle = wv_job_on_handle};
    static uint64_t serial;
    j->id = ++serial; /* lock held */
    __atomic_add_fetch(&wv_job_count, 1, __ATOMIC_ACQ_REL);
    j->next_all = wv_jobs, wv_jobs = j;
    if (name)
        j->next_named = wv_job_names, wv_job_names = j;
    return &j->obj;
}

static const struct wv_local_kind wv_job_kind = {
    .lock = &wv_job_lock, .find = wv_job_find, .make = wv_job_new,
    .kind = WV_KIND_JOB};

NTSTATUS NTAPI NtCreateJobObject(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    return wv_local_make(&wv_job_kind, out, access, oa, true, NULL);
}

NTSTATUS NTAPI NtOpenJobObject(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    return wv_local_make(&wv_job_kind, out, access, oa, false, NULL);
}

NTSTATUS wv_job_get(HANDLE h, DWORD need, struct wv_job **out)
{
    DWORD access = 0;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &access);
    if (!o)
        return STATUS_INVALID_HANDLE;
    NTSTATUS st = o->kind != WV_KIND_JOB ? STATUS_OBJECT_TYPE_MISMATCH
                  : (access & need) != need ? STATUS_ACCESS_DENIED : STATUS_SUCCESS;
    if (st)
        return wv_object_unref(o), st;
    *out = (struct wv_job *)o;
    return STATUS_SUCCESS;
}

void wv_job_post(struct wv_job *j, DWORD msg, pid_t pid)
{
    if (j->port)
        wv_iocp_post(j->port, j->port_key, (ULONG_PTR)pid, STATUS_SUCCESS, msg);
}

bool wv_job_signalled(struct wv_object *o) { return ((struct wv_job *)o)->signalled; }

/* ---- membership (lock held) ---- */

/* Whether m is the process p (NULL: this process). */
static bool wv_job_is(const struct wv_job_member *m, const struct wv_process *p)
{
    if (!p || p->self)
        return m->pid == getpid() && !m->p;
    return m->p == p || (m->active && m->pid == p->pid && m->p && !m->p->done);
}

static struct wv_job_member *wv_job_member_of(struct wv_job *j, const struct wv_process *p)
{
    for (struct wv_job_member *m = j->members; m; m = m->next)
        if (wv_job_is(m, p))
            return m;
    return NULL;
}

/* The job p (NULL: this process) was assigned to, active there, or NULL. */
struct wv_job *wv_job_innermost(const struct wv_process *p)
{
    for (struct wv_job *j = wv_jobs; j; j = j->next_all) {
        struct wv_job_member *m = wv_job_member_of(j, p);
        if (m && m->direct && m->active)
            return j;
    }
    return NULL;
}

struct wv_job *wv_job_by_id(uint64_t id)
{
    struct wv_job *j = wv_jobs;
    while (j && j->id != id)
        j = j->next_all;
    return j;
}

struct wv_job *wv_job_target(struct wv_job *j, DWORD flags)
{
    for (; j; j = j->parent) { /* up to the first job it does not break away from */
        DWORD f = j->limits.BasicLimitInformation.LimitFlags;
        if (!(f & JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK) &&
            !((flags & CREATE_BREAKAWAY_FROM_JOB) && (f & JOB_OBJECT_LIMIT_BREAKAWAY_OK)))
            break;
    }
    return j;
}

static bool wv_job_above(const struct wv_job *a, const struct wv_job *j)
{
    for (; j; j = j->parent)
        if (j == a)
            return true;
    return false;
}

/* The first job from j up whose active-process limit one more process would pass, or NULL. */
struct wv_job *wv_job_full(struct wv_job *j)
{
    for (; j; j = j->parent) {
        const JOBOBJECT_BASIC_LIMIT_INFORMATION *b = &j->limits.BasicLimitInformation;
        if ((b->LimitFlags & JOB_OBJECT_LIMIT_ACTIVE_PROCESS) && j->active >= b->ActiveProcessLimit)
            return j;
    }
    return NULL;
}

/* Lists p (NULL: this process) in j, directly, and in j's ancestors: false without memory. */
bool wv_job_add(struct wv_job *j, struct wv_process *p)
{
    for (struct wv_job *a = j; a; a = a->parent) {
        struct wv_job_member *m = calloc(1, sizeof(*m)), **tail = &a->members;
        if (!m)
            return false; /* the levels listed so far keep it: it is in them */
        m->pid = p && !p->self ? p->pid : getpid();
        m->p = p && !p->self ? p : NULL;
        if (m->p)
            wv_object_ref(&m->p->obj);
        m->active = true, m->direct = a == j;
        while (*tail)
            tail = &(*tail)->next;
        *tail = m;
        a->total++, a->active++;
        wv_job_post(a, JOB_OBJECT_MSG_NEW_PROCESS, m->pid);
    }
    if (!p || p->self)
        wv_object_ref(&j->obj); /* this process stays in it: it lives as long */
    return true;
}

/* Puts p (NULL: this process) in k: 0 or the status.  A process in a job whose ancestor k is
 * stays where it is; one in job J goes into k only when k is J's child or can become it. */
static NTSTATUS wv_job_assign(struct wv_job *k, struct wv_process *p)
{
    struct wv_job *j = wv_job_innermost(p);
    if (j && wv_job_above(k, j))
        return STATUS_SUCCESS;
    if (j && k->parent != j) {
        if (k->parent || k->total) /* a job that has had processes stays a root (Windows) */
            return STATUS_ACCESS_DENIED;
        wv_object_ref(&j->obj);
        k->parent = j;
    }
    if (j) { /* listed in J and above already: only k's own entry is new */
        struct wv_job_member *m = wv_job_member_of(j, p);
        m->direct = false;
        struct wv_job *up = k->parent;
        k->parent = NULL;
        bool ok = wv_job_add(k, p);
        k->parent = up;
        if (!ok) {
            m->direct = true;
            return STATUS_NO_MEMORY;
        }
        return STATUS_SUCCESS;
    }
    return wv_job_add(k, p) ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
}

/* The process object h names with a reference (the pseudo handle: this process's). */
static struct wv_process *wv_job_process(HANDLE h, DWORD *access, NTSTATUS *st)
{
    struct wv_object *o;
    if (h == WV_CURRENT_PROCESS)
        *access = PROCESS_ALL_ACCESS, o = wv_process_self_ref();
    else
        o = wv_handle_get(h, WV_KIND_ANY, access);
    *st = !o ? STATUS_INVALID_HANDLE : o->kind != WV_KIND_PROCESS ? STATUS_OBJECT_TYPE_MISMATCH : 0;
    if (*st && o)
        wv_object_unref(o);
    return *st ? NULL : (struct wv_process *)o;
}

NTSTATUS NTAPI NtAssignProcessToJobObject(HANDLE job, HANDLE process)
{
    struct wv_job *k;
    DWORD access = 0;
    NTSTATUS st = wv_job_get(job, JOB_OBJECT_ASSIGN_PROCESS, &k);
    if (st)
        return st;
    struct wv_process *p = wv_job_process(process, &access, &st);
    if (!st && (access & (PROCESS_TERMINATE | PROCESS_SET_QUOTA)) != (PROCESS_TERMINATE | PROCESS_SET_QUOTA))
        st = STATUS_ACCESS_DENIED;
    if (!st && wv_process_gone(p))
        st = STATUS_PROCESS_IS_TERMINATING; /* ERROR_ACCESS_DENIED, as Windows */
    struct wv_job *full = NULL;
    uint64_t id = 0;
    if (!st) {
        pthread_mutex_lock(&wv_job_lock);
        struct wv_job *in = wv_job_innermost(p);
        if (!(in && wv_job_above(k, in)) && (full = wv_job_full(k)))
            wv_job_post(full, JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, 0), full->ended++;
        else if (!(st = wv_job_assign(k, p)) && !p->self)
            id = wv_job_innermost(p)->id;
        pthread_mutex_unlock(&wv_job_lock);
    }
    if (id) /* its own children join too: it asks us (job_chan.c) */
        wv_job_tell(p, id);
    if (full) { /* documented: the process that would pass the limit ends */
        st = STATUS_QUOTA_EXCEEDED;
        if (!p->self)
            wv_process_terminate(p, ERROR_NOT_ENOUGH_QUOTA);
    }
    wv_object_unref(p ? &p->obj : NULL);
    wv_object_unref(&k->obj);
    return st;
}

NTSTATUS NTAPI NtIsProcessInJob(HANDLE process, HANDLE job)
{
    struct wv_job *k = NULL;
    DWORD access = 0;
    NTSTATUS st = job ? wv_job_get(job, JOB_OBJECT_QUERY, &k) : STATUS_SUCCESS;
    if (st)
        return st;
    struct wv_process *p = wv_job_process(process, &access, &st);
    if (!st && !(access & (PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION)))
        st = STATUS_ACCESS_DENIED;
    if (!st) {
        bool in = false;
        pthread_mutex_lock(&wv_job_lock);
        for (struct wv_job *j = k ? k : wv_jobs; j && !in; j = k ? NULL : j->next_all)
            in = wv_job_member_of(j, p) != NULL;
        pthread_mutex_unlock(&wv_job_lock);
        if (!in && !k && (!p || p->self || p->pid == getpid()))
            in = wv_job_up_member(); /* another process's job */
        st = in ? STATUS_PROCESS_IN_JOB : STATUS_PROCESS_NOT_IN_JOB;
    }
    wv_object_unref(p ? &p->obj : NULL);
    wv_object_unref(k ? &k->obj : NULL);
    return st;
}

/* ---- termination ---- */

void wv_job_kill(struct wv_job *j, UINT code, bool signal)
{
    pthread_mutex_lock(&wv_job_lock);
    size_t n = 0;
    for (struct wv_job_member *m = j->members; m; m = m->next)
        n += m->active && m->p;
    struct wv_process **ps = n ? calloc(n, sizeof(*ps)) : NULL;
    bool self = false;
    size_t i = 0;
    for (struct wv_job_member *m = j->members; m; m = m->next) {
        if (!m->active)
            continue;
        if (!m->p)
            self = true;
        else if (ps && i < n)
            wv_object_ref(&m->p->obj), ps[i++] = m->p;
        else if (m->p->pidfd >= 0) /* no memory for the list: killed here, by pidfd */
            syscall(SYS_pidfd_send_signal, m->p->pidfd, SIGKILL, NULL, 0);
    }
    pthread_mutex_unlock(&wv_job_lock);
    for (size_t k = 0; k < i; k++) {
        wv_process_terminate(ps[k], code);
        wv_object_unref(&ps[k]->obj);
    }
    free(ps);
    if (signal) {
        pthread_mutex_lock(&wv_wait_lock);
        j->signalled = true;
        pthread_cond_broadcast(&wv_wait_cond);
        pthread_mutex_unlock(&wv_wait_lock);
    }
    if (self)
        wv_process_end_now(code); /* the caller is in the job: it ends too, last */
}

NTSTATUS NTAPI NtTerminateJobObject(HANDLE job, NTSTATUS code)
{
    struct wv_job *j;
    NTSTATUS st = wv_job_get(job, JOB_OBJECT_TERMINATE, &j);
    if (st)
        return st;
    wv_job_kill(j, (UINT)code, true);
    wv_object_unref(&j->obj);
    return STATUS_SUCCESS;
}

/* ---- what processes tell ---- */

void wv_job_process_ended(struct wv_process *p)
{
    if (!__atomic_load_n(&wv_job_count, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&wv_job_lock);
    for (struct wv_job *j = wv_jobs; j; j = j->next_all)
        for (struct wv_job_member *m = j->members; m; m = m->next) {
            if (m->p != p || !m->active)
                continue;
            wv_job_sample(m); /* its last times, while /proc may still show them */
            m->active = false;
            j->active--;
            bool abnormal = p->code_known && (p->code & 0xC0000000u) == 0xC0000000u;
            wv_job_post(j, abnormal ? JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS : JOB_OBJECT_MSG_EXIT_PROCESS, m->pid);
            if (!j->active)
                wv_job_post(j, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, 0);
        }
    pthread_mutex_unlock(&wv_job_lock);
}

DWORD wv_job_create_check(DWORD flags)
{
    if (!(flags & CREATE_BREAKAWAY_FROM_JOB))
        return 0;
    struct wv_job *j = NULL;
    DWORD err = 0, ok = JOB_OBJECT_LIMIT_BREAKAWAY_OK | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
    if (__atomic_load_n(&wv_job_count, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&wv_job_lock);
        j = wv_job_innermost(NULL);
        err = j && !(j->limits.BasicLimitInformation.LimitFlags & ok) ? ERROR_ACCESS_DENIED : 0;
        pthread_mutex_unlock(&wv_job_lock);
    }
    return j ? err : wv_job_up_check(flags);
}

DWORD wv_job_create_join(struct wv_process *p, DWORD flags)
{
    struct wv_job *in = NULL, *j = NULL;
    DWORD err = 0;
    uint64_t id = 0;
    if (__atomic_load_n(&wv_job_count, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&wv_job_lock);
        in = wv_job_innermost(NULL);
        j = wv_job_target(in, flags);
        struct wv_job *full = j ? wv_job_full(j) : NULL;
        if (full) {
            wv_job_post(full, JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, 0), full->ended++;
            err = ERROR_NOT_ENOUGH_QUOTA;
        } else if (j && !wv_job_add(j, p))
            err = ERROR_NOT_ENOUGH_MEMORY;
        else if (j)
            id = j->id;
        pthread_mutex_unlock(&wv_job_lock);
    }
    if (!in) /* in no job of ours: perhaps in another process's */
        return wv_job_up_join(p, flags);
    if (id)
        wv_job_tell(p, id);
    return err;
}

/* This process ends: the members of its jobs with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE end with
 * it, as their last handle closes on Windows.  May run in a signal handler's exit: a trylock,
 * and SIGKILL by pidfd, which is async-signal-safe (no exit code: the process was killed). */
void wv_job_exit(void)
{
    if (!__atomic_load_n(&wv_job_count, __ATOMIC_ACQUIRE) || pthread_mutex_trylock(&wv_job_lock))
        return;
    for (struct wv_job *j = wv_jobs; j; j = j->next_all) {
        if (!(j->limits.BasicLimitInformation.LimitFlags & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE))
            continue;
        for (struct wv_job_member *m = j->members; m; m = m->next)
            if (m->active && m->p && m->p->pidfd >= 0)
                syscall(SYS_pidfd_send_signal, m->p->pidfd, SIGKILL, NULL, 0);
    }
    pthread_mutex_unlock(&wv_job_lock);
}
