/* SPDX-License-Identifier: MIT */
/* process.c - process objects: this process, the children CreateProcess makes
 * (process_create.c), and any process of the same user OpenProcess opens; waits on them,
 * GetExitCodeProcess, TerminateProcess, GetProcessId, and the main-thread handle of a child.
 *
 * Each object that can end has a watcher thread holding a reference until it does: a child's
 * reaps it (waitpid: no zombie is left) and reads the 32-bit exit code the child wrote to its
 * exit pipe before exiting (process_child.c; a child that never reached ExitProcess reports
 * Linux's 8-bit status, a signal s as 128 + s); another process's polls its pidfd and reads
 * the exit code the process sent its watchers before it ended (its control channel,
 * procchan.h); a process without a channel (not winvm's) or killed by a signal leaves it
 * unknown (GetExitCodeProcess: ERROR_NOT_SUPPORTED).  OpenProcess of our own child returns the
 * child's one object.  TerminateProcess asks a winvm process to end itself with the code
 * (every watcher hears it), and kills it when that fails.  The watcher sets
 * `done` under the wait lock and broadcasts, so waits (sync.c) see processes like any object.
 *
 * Locking: wv_process_lock guards the children list and suspend counts; a leaf.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/con_int.h"
#include "nt/nt.h"
#include "runtime/procchan.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define WV_QUERY (PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION)

static pthread_mutex_t wv_process_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_process *wv_children;

struct wv_process_thread {
    struct wv_object obj; /* WV_KIND_PROCESS_THREAD */
    struct wv_process *p;
    DWORD tid; /* 0: the main thread (its id is the pid); else a debuggee's other thread */
};

static void wv_process_destroy(struct wv_object *o)
{
    struct wv_process *p = (struct wv_process *)o;
    pthread_mutex_lock(&wv_process_lock);
    for (struct wv_process **q = &wv_children; *q; q = &(*q)->next)
        if (*q == p) {
            *q = p->next;
            break;
        }
    pthread_mutex_unlock(&wv_process_lock);
    /* A child still suspended sees its start pipe close and exits (process_child.c). */
    int fds[5] = {p->pidfd, p->exit_fd, p->resume_fd, p->chan_fd, p->watch_fd};
    for (int i = 0; i < 5; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(p);
}

/* Handles to the process or to its main thread come and go: when the last goes, a child still
 * suspended is let go (its start pipe closes: it ends without running, process_child.c); the
 * object itself may live on in its watcher until the child has ended. */
static void wv_process_on_handle(struct wv_object *o, int delta)
{
    struct wv_process *p = (struct wv_process *)o;
    if (__atomic_add_fetch(&p->handles, delta, __ATOMIC_ACQ_REL) > 0 || delta > 0)
        return;
    pthread_mutex_lock(&wv_process_lock);
    if (p->resume_fd >= 0)
        close(p->resume_fd), p->resume_fd = -1;
    pthread_mutex_unlock(&wv_process_lock);
}

static struct wv_process *wv_process_new(pid_t pid)
{
    struct wv_process *p = calloc(1, sizeof(*p));
    if (p)
        *p = (struct wv_process){.obj = {.kind = WV_KIND_PROCESS, .destroy = wv_process_destroy,
                                         .on_handle = wv_process_on_handle},
                                 .pid = pid, .pidfd = -1, .exit_fd = -1, .resume_fd = -1, .chan_fd = -1,
                                 .watch_fd = -1, .chan_lock = PTHREAD_MUTEX_INITIALIZER};
    return p;
}

/* ---- watchers ---- */

static void wv_process_ended(struct wv_process *p, bool known, DWORD code)
{
    pthread_mutex_lock(&wv_wait_lock);
    if (!p->terminated)
        p->code_known = known, p->code = code;
    pthread_mutex_unlock(&wv_wait_lock);
    wv_job_process_ended(p); /* its jobs' counts and messages, before a wait on it returns */
    pthread_mutex_lock(&wv_wait_lock);
    p->done = true;
    pthread_cond_broadcast(&wv_wait_cond);
    pthread_mutex_unlock(&wv_wait_lock);
}

static void *wv_watch_child(void *arg)
{
    struct wv_process *p = arg;
    int st = 0;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
        ;
    uint32_t v;
    DWORD code = WIFEXITED(st) ? (DWORD)WEXITSTATUS(st) : 128u + (DWORD)WTERMSIG(st);
    if (read(p->exit_fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
        code = v;
    wv_process_ended(p, true, code);
    wv_object_unref(&p->obj);
    return NULL;
}

static void *wv_watch_other(void *arg)
{
    struct wv_process *p = arg;
    struct pollfd f = {.fd = p->pidfd, .events = POLLIN};
    while (poll(&f, 1, -1) < 0 && errno == EINTR)
        ;
    /* A winvm process told its watchers the code before it ended (procchan_serve.c). */
    uint32_t v;
    bool known = p->watch_fd >= 0 && recv(p->watch_fd, &v, sizeof(v), MSG_DONTWAIT) == (ssize_t)sizeof(v);
    wv_process_ended(p, known, known ? v : 0);
    wv_object_unref(&p->obj);
    return NULL;
}

/* Starts a watcher holding a reference to p: false when no thread can be made. */
static bool wv_watch(struct wv_process *p, void *(*fn)(void *))
{
    pthread_attr_t a;
    pthread_t t;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 64 * 1024);
    wv_object_ref(&p->obj);
    int rc = pthread_create(&t, &a, fn, p);
    pthread_attr_destroy(&a);
    if (rc)
        wv_object_unref(&p->obj);
    return rc == 0;
}

struct wv_process *wv_process_child(pid_t pid, int exit_fd, int resume_fd)
{
    struct wv_process *p = wv_process_new(pid);
    if (!p)
        return NULL;
    p->child = true, p->exit_fd = exit_fd, p->resume_fd = resume_fd, p->suspend = resume_fd >= 0;
    p->obj.refs = 1;
    /* Before its watcher runs, nobody reaps it: the pidfd is of this very child.  Copies by pid
     * look at it (nt/copy.c); without one (an old kernel) they go by `done` alone. */
    p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (!wv_watch(p, wv_watch_child)) { /* no thread: reap it here rather than leave a zombie */
        p->exit_fd = p->resume_fd = -1;
        if (p->pidfd >= 0)
            close(p->pidfd);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        free(p);
        return NULL;
    }
    pthread_mutex_lock(&wv_process_lock);
    p->next = wv_children, wv_children = p;
    pthread_mutex_unlock(&wv_process_lock);
    return p;
}

bool wv_process_gone(struct wv_process *p)
{
    if (p->self)
        return false;
    if (p->pidfd < 0)
        return __atomic_load_n(&p->done, __ATOMIC_ACQUIRE);
    struct pollfd f = {.fd = p->pidfd, .events = POLLIN};
    return poll(&f, 1, 0) > 0;
}

bool wv_process_signalled(struct wv_object *o)
{
    if (o->kind == WV_KIND_PROCESS_THREAD)
        o = &((struct wv_process_thread *)o)->p->obj;
    return ((struct wv_process *)o)->done;
}

/* ---- this process ---- */

struct wv_object *wv_process_self_ref(void)
{
    struct wv_process *p = wv_process_new(getpid());
    if (p)
        p->self = true, p->obj.refs = 1;
    return p ? &p->obj : NULL;
}

/* The process object behind h with a reference, the pseudo handle included (all access). */
static struct wv_process *wv_process_get(HANDLE h, DWORD *access)
{
    if (h == WV_CURRENT_PROCESS) {
        *access = PROCESS_ALL_ACCESS;
        return (struct wv_process *)wv_process_self_ref();
    }
    return (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, access);
}

bool wv_process_is_self(HANDLE h)
{
    DWORD access;
    struct wv_process *p = wv_process_get(h, &access);
    bool self = p && p->pid == getpid();
    if (p)
        wv_object_unref(&p->obj);
    return self;
}

/* ---- OpenProcess ---- */

/* Our child with this pid, still running, with a new reference; NULL if none. */
static struct wv_process *wv_child_of(pid_t pid)
{
    struct wv_process *found = NULL;
    pthread_mutex_lock(&wv_process_lock);
    for (struct wv_process *p = wv_children; p && !found; p = p->next) {
        int r = __atomic_load_n(&p->obj.refs, __ATOMIC_ACQUIRE);
        /* one being destroyed (no reference left) is not taken back */
        while (p->pid == pid && r > 0 &&
               !__atomic_compare_exchange_n(&p->obj.refs, &r, r + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            ;
        if (p->pid == pid && r > 0)
            found = p;
    }
    pthread_mutex_unlock(&wv_process_lock);
    return found;
}

/* Another process by pid: 0 and *out, or the error.  Ownership is the kernel's answer: the
 * owner of its /proc directory (its effective uid, root when it made itself non-dumpable),
 * checked on the descriptor while the pidfd proves the pid was not reused meanwhile. */
static DWORD wv_open_other(pid_t pid, struct wv_process **out)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0)
        return errno == ESRCH || errno == EINVAL ? ERROR_INVALID_PARAMETER : wv_errno_to_error(errno);
    char path[32];
    snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    bool mine = dir >= 0 && fstat(dir, &st) == 0 && st.st_uid == geteuid();
    struct pollfd f = {.fd = pidfd, .events = POLLIN};
    bool alive = poll(&f, 1, 0) == 0;
    if (dir >= 0)
        close(dir);
    if (!mine || !alive) {
        close(pidfd);
        return !alive ? ERROR_INVALID_PARAMETER : ERROR_ACCESS_DENIED;
    }
    struct wv_process *p = wv_process_new(pid);
    if (!p) {
        close(pidfd);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    p->pidfd = pidfd, p->obj.refs = 1;
    p->watch_fd = wv_chan_watch(pid); /* -1: no channel, the exit code will not be known */
    if (!wv_watch(p, wv_watch_other)) {
        wv_object_unref(&p->obj);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    *out = p;
    return 0;
}

DWORD wv_process_open(pid_t pid, struct wv_process **out)
{
    if (pid == getpid())
        return (*out = (struct wv_process *)wv_process_self_ref()) ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    if ((*out = wv_child_of(pid)))
        return 0;
    return wv_open_other(pid, out);
}

HANDLE WINAPI OpenProcess(DWORD access, BOOL inherit, DWORD pid)
{
    (void)inherit; /* handles are not inherited (docs/semantics.md, "Processes") */
    wv_runtime_init(); /* a Linux program's first call may be this one */
    if (pid == 0 || pid > INT32_MAX)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    struct wv_process *p = NULL;
    DWORD err = 0;
    if (pid == (DWORD)getpid())
        p = (struct wv_process *)wv_process_self_ref(), err = p ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    else if (!(p = wv_child_of((pid_t)pid)))
        err = wv_open_other((pid_t)pid, &p);
    if (err)
        return wv_fail_null(err);
    HANDLE h = wv_handle_new(&p->obj, access);
    wv_object_unref(&p->obj);
    return h ? h : wv_fail_null(ERROR_TOO_MANY_OPEN_FILES);
}

/* ---- queries and TerminateProcess ---- */

BOOL WINAPI GetExitCodeProcess(HANDLE h, LPDWORD code)
{
    DWORD access, v = STILL_ACTIVE, err = 0;
    struct wv_process *p = wv_process_get(h, &access);
    if (!p)
        return wv_fail(ERROR_INVALID_HANDLE);
    if (!(access & WV_QUERY))
        err = ERROR_ACCESS_DENIED;
    pthread_mutex_lock(&wv_wait_lock);
    if (!err && p->done)
        v = p->code, err = p->code_known ? 0 : ERROR_NOT_SUPPORTED;
    pthread_mutex_unlock(&wv_wait_lock);
    wv_object_unref(&p->obj);
    if (!err)
        err = wv_user_put(code, &v, sizeof(v));
    return err ? wv_fail(err) : TRUE;
}

DWORD WINAPI GetProcessId(HANDLE h)
{
    DWORD access, pid = 0;
    struct wv_process *p = wv_process_get(h, &access);
    if (!p)
        return wv_set_error(ERROR_INVALID_HANDLE), 0;
    if (access & WV_QUERY)
        pid = (DWORD)p->pid;
    else
        wv_set_error(ERROR_ACCESS_DENIED);
    wv_object_unref(&p->obj);
    return pid;
}

/* Waits up to secs seconds for p to end: whether it did. */
static bool wv_wait_end(struct wv_process *p, int secs)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += secs;
    pthread_mutex_lock(&wv_wait_lock);
    while (!p->done && pthread_cond_timedwait(&wv_wait_cond, &wv_wait_lock, &until) == 0)
        ;
    bool done = p->done;
    pthread_mutex_unlock(&wv_wait_lock);
    return done;
}

/* SIGKILL to p, through the pidfd when it is not our child, so a reused pid is never hit. */
static DWORD wv_kill(struct wv_process *p)
{
    int rc = p->child ? kill(p->pid, SIGKILL) : (int)syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
    return rc == 0 || errno == ESRCH ? 0 : wv_errno_to_error(errno);
}

/* A target that took the request to end has WV_TERMINATE_GRACE seconds to do so. */
#define WV_TERMINATE_GRACE 10
static void *wv_terminate_later(void *arg)
{
    struct wv_process *p = arg;
    if (!wv_wait_end(p, WV_TERMINATE_GRACE))
        wv_kill(p);
    wv_object_unref(&p->obj);
    return NULL;
}

/* Ends p, the exit code being the one given.  An ended process: ERROR_ACCESS_DENIED, as
 * Windows. */
DWORD wv_process_terminate(struct wv_process *p, UINT code)
{
    DWORD err = 0;
    pthread_mutex_lock(&wv_wait_lock);
    if (p->done)
        err = ERROR_ACCESS_DENIED;
    else /* this object's answer, whatever the process itself reports */
        p->terminated = true, p->code_known = true, p->code = code;
    pthread_mutex_unlock(&wv_wait_lock);
    if (err)
        return err;
    /* A winvm process ends itself with the code, telling its own watchers; one that does not
     * take the request is killed now, one that takes it but does not end in time (stopped) is
     * killed by a thread of its own, so the call returns at once as Windows' (its termination is
     * asynchronous) and a loaded machine's slow target still ends with the code. */
    if (wv_chan_terminate(p, code)) {
        pthread_t t;
        wv_object_ref(&p->obj);
        if (pthread_create(&t, NULL, wv_terminate_later, p) == 0)
            return pthread_detach(t), 0;
        wv_object_unref(&p->obj);
        if (wv_wait_end(p, 2))
            return 0;
    }
    return wv_kill(p);
}

BOOL WINAPI TerminateProcess(HANDLE h, UINT code)
{
    DWORD access;
    struct wv_process *p = wv_process_get(h, &access);
    if (!p)
        return wv_fail(ERROR_INVALID_HANDLE);
    bool self = p->pid == getpid();
    DWORD err = !(access & PROCESS_TERMINATE) ? ERROR_ACCESS_DENIED : self ? 0 : wv_process_terminate(p, code);
    wv_object_unref(&p->obj);
    if (!err && self) {
        wv_console_restore(); /* the terminal's modes as the process found them */
        wv_job_exit();        /* its kill-on-close jobs' members end with it */
        _exit((int)code);     /* no DLL detach, no atexit: Windows' TerminateProcess of itself */
    }
    return err ? wv_fail(err) : TRUE;
}

/* ---- a child's main thread ---- */

static void wv_process_thread_destroy(struct wv_object *o)
{
    wv_object_unref(&((struct wv_process_thread *)o)->p->obj);
    free(o);
}

static void wv_process_thread_on_handle(struct wv_object *o, int delta)
{
    wv_process_on_handle(&((struct wv_process_thread *)o)->p->obj, delta);
}

HANDLE wv_process_thread_handle(struct wv_process *p) { return wv_process_other_thread_handle(p, 0); }

HANDLE wv_process_other_thread_handle(struct wv_process *p, DWORD tid)
{
    struct wv_process_thread *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    wv_object_ref(&p->obj);
    *t = (struct wv_process_thread){{.kind = WV_KIND_PROCESS_THREAD, .destroy = wv_process_thread_destroy,
                                     .on_handle = wv_process_thread_on_handle},
                                    p, tid};
    HANDLE h = wv_handle_new(&t->obj, THREAD_ALL_ACCESS);
    if (!h)
        wv_process_thread_destroy(&t->obj);
    return h;
}

static struct wv_process *wv_thread_process_tid(HANDLE h, DWORD *tid, DWORD *access)
{
    struct wv_process_thread *t = (struct wv_process_thread *)wv_handle_get(h, WV_KIND_PROCESS_THREAD, access);
    if (!t)
        return NULL;
    struct wv_process *p = t->p;
    if (tid)
        *tid = t->tid ? t->tid : (DWORD)p->pid;
    wv_object_ref(&p->obj);
    wv_object_unref(&t->obj);
    return p;
}

static struct wv_process *wv_thread_process(HANDLE h, DWORD *access) { return wv_thread_process_tid(h, NULL, access); }

#define WV_THREAD_QUERY (THREAD_QUERY_INFORMATION | THREAD_QUERY_LIMITED_INFORMATION) /* either */

struct wv_process *wv_process_thread_of(struct wv_object *o, DWORD *tid)
{
    struct wv_process_thread *t = (struct wv_process_thread *)o;
    *tid = t->tid ? t->tid : (DWORD)t->p->pid;
    wv_object_ref(&t->p->obj);
    return t->p;
}

bool wv_process_started(struct wv_process *p)
{
    pthread_mutex_lock(&wv_process_lock);
    bool started = p->suspend == 0;
    pthread_mutex_unlock(&wv_process_lock);
    return started;
}

/* The child waits on its start pipe: the last resume writes a byte to it. */
bool wv_process_thread_resume(HANDLE h, DWORD *out)
{
    DWORD access = 0;
    struct wv_process *p = wv_thread_process(h, &access);
    if (!p)
        return false;
    if (!(access & THREAD_SUSPEND_RESUME)) {
        wv_object_unref(&p->obj);
        *out = (DWORD)-1;
        return wv_set_error(ERROR_ACCESS_DENIED), true;
    }
    pthread_mutex_lock(&wv_process_lock);
    if (!p->suspend) { /* it has started: its thread's own count, the child's (proc_suspend.c) */
        pthread_mutex_unlock(&wv_process_lock);
        wv_object_unref(&p->obj);
        return false;
    }
    *out = p->suspend;
    if (p->suspend && --p->suspend == 0 && p->resume_fd >= 0) {
        char go = 1;
        ssize_t w = write(p->resume_fd, &go, 1); /* fails when it has ended: nothing to resume */
        (void)w;
        close(p->resume_fd);
        p->resume_fd = -1;
    }
    pthread_mutex_unlock(&wv_process_lock);
    wv_object_unref(&p->obj);
    return true;
}

bool wv_process_thread_query(HANDLE h, DWORD *pid, DWORD *tid)
{
    DWORD access = 0;
    struct wv_process *p = wv_thread_process_tid(h, tid, &access);
    if (!p)
        return false;
    *pid = (DWORD)p->pid;
    if (!(access & WV_THREAD_QUERY))
        *pid = *tid = 0, wv_set_error(ERROR_ACCESS_DENIED);
    wv_object_unref(&p->obj);
    return true;
}

bool wv_process_thread_ids(HANDLE h, DWORD *pid, DWORD *tid)
{
    struct wv_process *p = wv_thread_process_tid(h, tid, NULL);
    if (p)
        *pid = (DWORD)p->pid, wv_object_unref(&p->obj);
    return p != NULL;
}

bool wv_process_thread_exit_code(HANDLE h, LPDWORD code, BOOL *out)
{
    DWORD access = 0;
    struct wv_process *p = wv_thread_process(h, &access);
    if (!p)
        return false;
    if (!(access & WV_THREAD_QUERY)) {
        wv_object_unref(&p->obj);
        *out = wv_fail(ERROR_ACCESS_DENIED);
        return true;
    }
    pthread_mutex_lock(&wv_wait_lock);
    DWORD v = p->done ? p->code : STILL_ACTIVE;
    pthread_mutex_unlock(&wv_wait_lock);
    wv_object_unref(&p->obj);
    DWORD err = wv_user_put(code, &v, sizeof(v));
    *out = err ? wv_fail(err) : TRUE;
    return true;
}

/* ---- the layers below ---- */

static void wv_exit_hook(DWORD code) { wv_child_exit(code); }

void wv_process_init(void)
{
    wv_fault_exit_hook = wv_exit_hook;
    wv_chan_init();
    wv_vmchan_init(); /* the NT copy calls' pid and channel hooks */
    wv_ob_self_process = wv_process_self_ref;
}
