/* SPDX-License-Identifier: MIT */
/* job_chan.c - jobs across processes: a job lives in the process that made it, and a member
 * that is another winvm process learns which job it is in (WV_JOB_JOINED over its control
 * channel: the job's process and the job's id), so that its own CreateProcess asks the job's
 * process whether the child may break away (WV_JOB_CHECK) and then hands it the child
 * (WV_JOB_ADD), which the job's process opens by pid and lists as it lists its own children
 * (breakaway and the active-process limit decided there), telling the child in turn.  So a
 * job's tree of processes is in the job however deep, and ends with it.
 *
 * What is left open: a child is told after CreateProcess made it, so a grandchild it creates
 * in its first instants, before the message, is not in the job; a member that is no winvm
 * process (no channel) is never told; the member sees itself in a job (IsProcessInJob with
 * NULL) but cannot name it (the job's handles are its process's).
 */
#define _GNU_SOURCE
#include "runtime/job_int.h"
#include "runtime/procchan.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The job this process is in when it is another process's (JOINED); 0: none. */
static pid_t wv_job_up_pid;
static uint64_t wv_job_up_id;
static pthread_mutex_t wv_job_up_lock = PTHREAD_MUTEX_INITIALIZER; /* a leaf */
static struct wv_process *wv_job_up_proc; /* the job's process, opened once (wv_job_up_lock) */

static DWORD wv_job_call(struct wv_process *p, int type, uint64_t id, uint32_t pid, uint32_t flags)
{
    struct wv_chan_req *rq = calloc(1, sizeof(*rq));
    if (!rq)
        return ERROR_NOT_ENOUGH_MEMORY;
    struct wv_job_msg m = {id, pid, flags};
    rq->op = WV_CHAN_JOB, rq->type = (uint32_t)type, rq->len = sizeof(m);
    memcpy(rq->data, &m, sizeof(m));
    struct wv_chan_rep rp = {0};
    DWORD err = wv_chan_call(p, rq, &rp);
    free(rq);
    return err;
}

void wv_job_tell(struct wv_process *p, uint64_t id)
{
    (void)wv_job_call(p, WV_JOB_JOINED, id, (uint32_t)getpid(), 0);
}

bool wv_job_up_member(void) { return __atomic_load_n(&wv_job_up_pid, __ATOMIC_ACQUIRE) != 0; }

/* A reference to the job's process and the job's id, or NULL when this process is in none. */
static struct wv_process *wv_job_up(uint64_t *id)
{
    pthread_mutex_lock(&wv_job_up_lock);
    pid_t pid = wv_job_up_pid;
    *id = wv_job_up_id;
    if (pid && (!wv_job_up_proc || wv_job_up_proc->pid != pid)) {
        if (wv_job_up_proc)
            wv_object_unref(&wv_job_up_proc->obj), wv_job_up_proc = NULL;
        if (wv_process_open(pid, &wv_job_up_proc))
            wv_job_up_proc = NULL;
    }
    struct wv_process *p = pid ? wv_job_up_proc : NULL;
    if (p)
        wv_object_ref(&p->obj);
    pthread_mutex_unlock(&wv_job_up_lock);
    return p;
}

DWORD wv_job_up_check(DWORD flags)
{
    uint64_t id;
    struct wv_process *up = wv_job_up(&id);
    if (!up)
        return 0;
    /* the job's process gone: its jobs are too (no handle is left to them) */
    DWORD err = wv_job_call(up, WV_JOB_CHECK, id, 0, flags);
    wv_object_unref(&up->obj);
    return err == ERROR_ACCESS_DENIED && wv_process_gone(up) ? 0 : err;
}

DWORD wv_job_up_join(struct wv_process *child, DWORD flags)
{
    uint64_t id;
    struct wv_process *up = wv_job_up(&id);
    if (!up)
        return 0;
    DWORD err = wv_job_call(up, WV_JOB_ADD, id, (uint32_t)child->pid, flags);
    if (err && err != ERROR_NOT_ENOUGH_QUOTA)
        err = 0; /* the job's process ended meanwhile: nothing to join */
    wv_object_unref(&up->obj);
    return err;
}

/* The job's side of WV_JOB_ADD: the child opened by pid and listed, then told. */
static DWORD wv_job_adopt(const struct wv_job_msg *m)
{
    struct wv_process *p;
    DWORD err = wv_process_open((pid_t)m->pid, &p);
    if (err)
        return err;
    uint64_t id = 0;
    pthread_mutex_lock(&wv_job_lock);
    struct wv_job *j = wv_job_target(wv_job_by_id(m->id), m->flags), *full = j ? wv_job_full(j) : NULL;
    if (full)
        wv_job_post(full, JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, 0), full->ended++, err = ERROR_NOT_ENOUGH_QUOTA;
    else if (j && !wv_job_add(j, p))
        err = ERROR_NOT_ENOUGH_MEMORY;
    else if (j)
        id = j->id;
    pthread_mutex_unlock(&wv_job_lock);
    if (id)
        wv_job_tell(p, id);
    wv_object_unref(&p->obj);
    return err;
}

void wv_job_chan_serve(const struct wv_chan_req *rq, struct wv_chan_rep *rp)
{
    struct wv_job_msg m;
    memcpy(&m, rq->data, sizeof(m));
    if (rq->type == WV_JOB_JOINED) {
        pthread_mutex_lock(&wv_job_up_lock);
        wv_job_up_id = m.id;
        __atomic_store_n(&wv_job_up_pid, (pid_t)m.pid, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&wv_job_up_lock);
        return;
    }
    if (rq->type == WV_JOB_ADD) {
        rp->err = wv_job_adopt(&m);
        return;
    }
    if (rq->type != WV_JOB_CHECK) {
        rp->err = ERROR_INVALID_FUNCTION;
        return;
    }
    DWORD ok = JOB_OBJECT_LIMIT_BREAKAWAY_OK | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
    pthread_mutex_lock(&wv_job_lock);
    struct wv_job *j = wv_job_by_id(m.id);
    rp->err = j && (m.flags & CREATE_BREAKAWAY_FROM_JOB) && !(j->limits.BasicLimitInformation.LimitFlags & ok)
                  ? ERROR_ACCESS_DENIED : 0;
    pthread_mutex_unlock(&wv_job_lock);
}
