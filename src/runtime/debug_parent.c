/* SPDX-License-Identifier: MIT */
/* debug_parent.c - the debugger's side of the debug API: the children this process created
 * with DEBUG_PROCESS / DEBUG_ONLY_THIS_PROCESS, each with its end of a debug channel
 * (debug_int.h), their events read by WaitForDebugEvent and answered by ContinueDebugEvent.
 *
 * A debuggee has at most one event waiting for its answer; its channel is not read until it
 * is answered.  CREATE_PROCESS's hProcess and hThread are the system's, closed when
 * EXIT_PROCESS is continued (as Windows does).  A child that ended without reporting it
 * (killed) gets its EXIT_PROCESS made here from its exit code.  Debuggees are children created
 * debugged and processes DebugActiveProcess attached to (debug_attach.c).  A process that never
 * debugged gets ERROR_INVALID_HANDLE from WaitForDebugEvent; one whose debuggees are all gone
 * waits and times out (ERROR_SEM_TIMEOUT), as a thread that keeps its debug object does.
 */
#define _GNU_SOURCE
#include "runtime/debug_int.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WV_DBG_MAX 32
#define WV_DBG_THREADS 64

struct wv_debuggee {
    struct wv_process *p; /* NULL: a free slot */
    int fd;
    HANDLE hp, ht;        /* CREATE_PROCESS's handles, the system's */
    bool pending, exiting;
    DWORD code;           /* the pending event's */
    DWORD tid;            /* the thread the pending event came from */
    HANDLE th[WV_DBG_THREADS]; /* CREATE_THREAD's handles, the system's until EXIT_THREAD */
    DWORD th_tid[WV_DBG_THREADS];
};

static struct wv_debuggee wv_dbgs[WV_DBG_MAX];
static bool wv_dbg_kill_on_exit = true;
static bool wv_dbg_ever; /* this process has debugged: waits with nobody left time out */
static pthread_mutex_t wv_dbgs_lock = PTHREAD_MUTEX_INITIALIZER;

DWORD wv_debug_pair(DWORD flags, int *mine, int *theirs)
{
    int sv[2];
    if (!(flags & (DEBUG_PROCESS | DEBUG_ONLY_THIS_PROCESS)))
        return 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return wv_errno_to_error(errno);
    *mine = sv[0], *theirs = sv[1];
    return 0;
}

static void wv_dbg_send(int fd, DWORD kind, DWORD value)
{
    struct wv_dbg_msg m = {kind, value};
    ssize_t n = send(fd, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)n; /* the child gone: its EXIT_PROCESS is made from its exit code */
}

void wv_debug_connect(void)
{
    pthread_mutex_lock(&wv_dbgs_lock);
    wv_dbg_ever = true;
    pthread_mutex_unlock(&wv_dbgs_lock);
}

void wv_debug_adopt(struct wv_process *p, int fd)
{
    pthread_mutex_lock(&wv_dbgs_lock);
    struct wv_debuggee *d = NULL;
    for (int i = 0; i < WV_DBG_MAX && !d; i++)
        d = wv_dbgs[i].p ? NULL : &wv_dbgs[i];
    if (d) {
        wv_object_ref(&p->obj);
        *d = (struct wv_debuggee){.p = p, .fd = fd};
        wv_dbg_ever = true;
        if (!wv_dbg_kill_on_exit)
            wv_dbg_send(fd, WV_DBG_KILL_FLAG, 0);
    } else {
        close(fd); /* no room: the child runs undebugged, as after DebugActiveProcessStop */
    }
    pthread_mutex_unlock(&wv_dbgs_lock);
}

/* Lock held: forgets a debuggee (its channel closed: a child still running goes on). */
static void wv_dbg_drop(struct wv_debuggee *d)
{
    close(d->fd);
    if (d->hp)
        CloseHandle(d->hp);
    if (d->ht)
        CloseHandle(d->ht);
    for (int i = 0; i < WV_DBG_THREADS; i++)
        if (d->th[i])
            CloseHandle(d->th[i]);
    wv_object_unref(&d->p->obj);
    memset(d, 0, sizeof(*d));
}

/* ---- WaitForDebugEvent ---- */

/* The child's exit code once its channel closed without EXIT_PROCESS. */
static DWORD wv_dbg_exit_code(struct wv_process *p)
{
    DWORD code = 0;
    HANDLE h = wv_handle_new(&p->obj, SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION);
    if (h) {
        WaitForSingleObject(h, INFINITE);
        GetExitCodeProcess(h, &code);
        CloseHandle(h);
    }
    return code;
}

/* Lock held: a handle to d's thread tid for its CREATE_THREAD, kept until EXIT_THREAD is
 * continued; NULL when d has WV_DBG_THREADS such handles open. */
static HANDLE wv_dbg_thread_handle(struct wv_debuggee *d, DWORD tid)
{
    for (int i = 0; i < WV_DBG_THREADS; i++) {
        if (d->th[i])
            continue;
        d->th[i] = wv_process_other_thread_handle(d->p, tid);
        d->th_tid[i] = tid;
        return d->th[i];
    }
    return NULL;
}

/* Lock held: EXIT_THREAD continued: the system closes CREATE_THREAD's handle. */
static void wv_dbg_thread_gone(struct wv_debuggee *d, DWORD tid)
{
    for (int i = 0; i < WV_DBG_THREADS; i++) {
        if (d->th[i] && d->th_tid[i] == tid) {
            CloseHandle(d->th[i]);
            d->th[i] = NULL;
        }
    }
}

/* Lock held: the event from the child's message, in Windows' form. */
static void wv_dbg_fill(struct wv_debuggee *d, const struct wv_dbg_event *m, DEBUG_EVENT *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->dwDebugEventCode = m->code;
    ev->dwProcessId = (DWORD)d->p->pid;
    ev->dwThreadId = m->tid;
    switch (m->code) {
    case CREATE_PROCESS_DEBUG_EVENT:
        if (!d->hp)
            d->hp = wv_handle_new(&d->p->obj, PROCESS_ALL_ACCESS);
        if (!d->ht)
            d->ht = wv_process_thread_handle(d->p);
        ev->u.CreateProcessInfo.hProcess = d->hp;
        ev->u.CreateProcessInfo.hThread = d->ht;
        ev->u.CreateProcessInfo.lpBaseOfImage = (LPVOID)(uintptr_t)m->a;
        ev->u.CreateProcessInfo.lpStartAddress = (LPTHREAD_START_ROUTINE)(uintptr_t)m->b;
        break;
    case EXIT_PROCESS_DEBUG_EVENT: ev->u.ExitProcess.dwExitCode = m->value; break;
    case CREATE_THREAD_DEBUG_EVENT:
        ev->u.CreateThread.hThread = wv_dbg_thread_handle(d, m->tid);
        ev->u.CreateThread.lpStartAddress = (LPTHREAD_START_ROUTINE)(uintptr_t)m->a;
        ev->u.CreateThread.lpThreadLocalBase = (LPVOID)(uintptr_t)m->b;
        break;
    case EXIT_THREAD_DEBUG_EVENT: ev->u.ExitThread.dwExitCode = m->value; break;
    case LOAD_DLL_DEBUG_EVENT: ev->u.LoadDll.lpBaseOfDll = (LPVOID)(uintptr_t)m->a; break;
    case UNLOAD_DLL_DEBUG_EVENT: ev->u.UnloadDll.lpBaseOfDll = (LPVOID)(uintptr_t)m->a; break;
    case OUTPUT_DEBUG_STRING_EVENT:
        ev->u.DebugString.lpDebugStringData = (LPSTR)(uintptr_t)m->a;
        ev->u.DebugString.nDebugStringLength = (WORD)m->value;
        break;
    case EXCEPTION_DEBUG_EVENT:
        memcpy(&ev->u.Exception.ExceptionRecord, &m->rec, sizeof(m->rec));
        ev->u.Exception.dwFirstChance = m->value;
        break;
    case RIP_EVENT: /* a DBG_RIPEXCEPTION's parameters */
        ev->u.RipInfo.dwError = (DWORD)m->rec.ExceptionInformation[0];
        ev->u.RipInfo.dwType = (DWORD)m->rec.ExceptionInformation[1];
        break;
    }
}

/* Lock held: reads d's next event (its channel is readable): true and *ev. */
static bool wv_dbg_read(struct wv_debuggee *d, DEBUG_EVENT *ev)
{
    struct wv_dbg_event m;
    ssize_t n = recv(d->fd, &m, sizeof(m), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return false; /* another waiting thread took it */
    if (n != (ssize_t)sizeof(m) || m.code < EXCEPTION_DEBUG_EVENT || m.code > RIP_EVENT) {
        memset(&m, 0, sizeof(m)); /* ended without telling: its EXIT_PROCESS from here */
        m.code = EXIT_PROCESS_DEBUG_EVENT, m.tid = (DWORD)d->p->pid;
        m.value = wv_dbg_exit_code(d->p);
    }
    wv_dbg_fill(d, &m, ev);
    d->pending = true, d->tid = m.tid;
    d->exiting = m.code == EXIT_PROCESS_DEBUG_EVENT;
    d->code = m.code;
    return true;
}

/* Lock held: the channels with no event pending; -1 when there is no debuggee at all. */
static int wv_dbg_pollset(struct pollfd *fds, int *idx)
{
    int n = 0, any = 0;
    for (int i = 0; i < WV_DBG_MAX; i++) {
        if (!wv_dbgs[i].p)
            continue;
        any = 1;
        if (!wv_dbgs[i].pending)
            fds[n] = (struct pollfd){.fd = wv_dbgs[i].fd, .events = POLLIN}, idx[n++] = i;
    }
    return any ? n : -1;
}

/* One round: 1 with *ev, 0 when nothing came in ms, or -1 with no debuggee. */
static int wv_dbg_round(DEBUG_EVENT *ev, int ms)
{
    struct pollfd fds[WV_DBG_MAX];
    int idx[WV_DBG_MAX];
    pthread_mutex_lock(&wv_dbgs_lock);
    int n = wv_dbg_pollset(fds, idx);
    bool ever = wv_dbg_ever;
    pthread_mutex_unlock(&wv_dbgs_lock);
    if (n < 0 && !ever)
        return -1;
    n = n < 0 ? 0 : n;
    if (poll(fds, (nfds_t)n, ms) <= 0)
        return 0;
    int got = 0;
    pthread_mutex_lock(&wv_dbgs_lock);
    for (int i = 0; i < n && !got; i++) {
        struct wv_debuggee *d = &wv_dbgs[idx[i]];
        if (fds[i].revents && d->p && d->fd == fds[i].fd && !d->pending)
            got = wv_dbg_read(d, ev);
    }
    pthread_mutex_unlock(&wv_dbgs_lock);
    return got;
}

static uint64_t wv_dbg_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

BOOL WINAPI WaitForDebugEvent(LPDEBUG_EVENT out, DWORD ms)
{
    DEBUG_EVENT ev;
    memset(&ev, 0, sizeof(ev));
    if (wv_user_put(out, &ev, sizeof(ev)))
        return wv_fail(ERROR_NOACCESS);
    uint64_t end = wv_dbg_now_ms() + ms;
    for (;;) {
        uint64_t now = wv_dbg_now_ms();
        int left = ms == INFINITE ? 1000 : now >= end ? 0 : (int)(end - now > 1000 ? 1000 : end - now);
        int r = wv_dbg_round(&ev, left);
        if (r < 0)
            return wv_fail(ERROR_INVALID_HANDLE); /* this process debugs nothing */
        if (r > 0)
            break;
        if (ms != INFINITE && wv_dbg_now_ms() >= end)
            return wv_fail(ERROR_SEM_TIMEOUT);
    }
    if (wv_user_put(out, &ev, sizeof(ev)))
        return wv_fail(ERROR_NOACCESS);
    return TRUE;
}

/* Strings go as the debuggee's UTF-8 (fUnicode 0) in both forms. */
BOOL WINAPI WaitForDebugEventEx(LPDEBUG_EVENT out, DWORD ms) { return WaitForDebugEvent(out, ms); }

/* ---- answering, detaching ---- */

/* Lock held: the debuggee of that pid, or NULL. */
static struct wv_debuggee *wv_dbg_find(DWORD pid)
{
    for (int i = 0; i < WV_DBG_MAX; i++)
        if (wv_dbgs[i].p && (DWORD)wv_dbgs[i].p->pid == pid)
            return &wv_dbgs[i];
    return NULL;
}

BOOL WINAPI ContinueDebugEvent(DWORD pid, DWORD tid, DWORD status)
{
    /* DBG_EXCEPTION_HANDLED is DBG_CONTINUE's older name for the same answer (Windows' kernel
     * treats both as handled); DBG_REPLY_LATER is not offered. */
    if (status == DBG_EXCEPTION_HANDLED)
        status = DBG_CONTINUE;
    if (status != DBG_CONTINUE && status != DBG_EXCEPTION_NOT_HANDLED)
        return wv_fail(ERROR_INVALID_PARAMETER);
    pthread_mutex_lock(&wv_dbgs_lock);
    struct wv_debuggee *d = wv_dbg_find(pid);
    DWORD err = d && d->pending && d->tid == tid ? 0 : ERROR_INVALID_PARAMETER;
    if (!err) {
        wv_dbg_send(d->fd, WV_DBG_REPLY, status);
        d->pending = false;
        if (d->code == EXIT_THREAD_DEBUG_EVENT)
            wv_dbg_thread_gone(d, tid);
        if (d->exiting)
            wv_dbg_drop(d);
    }
    pthread_mutex_unlock(&wv_dbgs_lock);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI DebugActiveProcessStop(DWORD pid)
{
    pthread_mutex_lock(&wv_dbgs_lock);
    struct wv_debuggee *d = wv_dbg_find(pid);
    if (d) {
        wv_dbg_send(d->fd, WV_DBG_DETACH, 0); /* its waiting thread, or its next event, reads it */
        wv_dbg_drop(d);
    }
    pthread_mutex_unlock(&wv_dbgs_lock);
    return d ? TRUE : wv_fail(ERROR_INVALID_PARAMETER);
}

BOOL WINAPI DebugSetProcessKillOnExit(BOOL kill)
{
    pthread_mutex_lock(&wv_dbgs_lock);
    wv_dbg_kill_on_exit = kill != FALSE;
    for (int i = 0; i < WV_DBG_MAX; i++)
        if (wv_dbgs[i].p)
            wv_dbg_send(wv_dbgs[i].fd, WV_DBG_KILL_FLAG, kill != FALSE);
    pthread_mutex_unlock(&wv_dbgs_lock);
    return TRUE;
}

/* ---- the registers of the thread whose event waits ---- */

/* Lock held: one context request and its answer (n bytes) over d's channel; the child's
 * thread is waiting for our reply, so it answers at once (or its channel closes). */
static DWORD wv_dbg_ask(struct wv_debuggee *d, const void *req, size_t len, void *ans, size_t n)
{
    if (send(d->fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
        return ERROR_INVALID_HANDLE; /* it is gone */
    for (;;) {
        ssize_t got = recv(d->fd, ans, n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        return got == (ssize_t)n ? 0 : ERROR_INVALID_HANDLE;
    }
}

DWORD wv_debug_context(DWORD pid, DWORD tid, CONTEXT *c, bool set)
{
    pthread_mutex_lock(&wv_dbgs_lock);
    struct wv_debuggee *d = wv_dbg_find(pid);
    /* A child that is not debugged, or running: no way to its registers here. */
    DWORD err = !d ? ERROR_INVALID_HANDLE : !d->pending || d->exiting ? ERROR_NOT_SUPPORTED : 0;
    if (!err && set) {
        struct wv_dbg_ctx_msg m = {.m = {WV_DBG_SET_CONTEXT, tid}, .c = *c};
        DWORD answer = 0;
        err = wv_dbg_ask(d, &m, sizeof(m), &answer, sizeof(answer));
        err = err ? err : answer;
    } else if (!err) {
        struct wv_dbg_msg m = {WV_DBG_GET_CONTEXT, tid};
        struct wv_dbg_ctx_msg now;
        err = wv_dbg_ask(d, &m, sizeof(m), &now, sizeof(now));
        err = err ? err : now.m.kind;
        if (!err)
            wv_context_merge(c, &now.c, c->ContextFlags);
    }
    pthread_mutex_unlock(&wv_dbgs_lock);
    return err;
}

bool wv_debug_is_debuggee(DWORD pid)
{
    pthread_mutex_lock(&wv_dbgs_lock);
    bool yes = wv_dbg_find(pid) != NULL;
    pthread_mutex_unlock(&wv_dbgs_lock);
    return yes;
}

/* ---- CheckRemoteDebuggerPresent ---- */

BOOL WINAPI CheckRemoteDebuggerPresent(HANDLE h, PBOOL out)
{
    if (!h || !out)
        return wv_fail(ERROR_INVALID_PARAMETER);
    BOOL yes = FALSE;
    if (wv_process_is_self(h)) {
        yes = wv_debug_attached();
    } else {
        DWORD access;
        struct wv_process *p = (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, &access);
        if (!p)
            return wv_fail(ERROR_INVALID_HANDLE);
        pthread_mutex_lock(&wv_dbgs_lock);
        yes = wv_dbg_find((DWORD)p->pid) != NULL; /* debugged by this process */
        pthread_mutex_unlock(&wv_dbgs_lock);
        wv_object_unref(&p->obj);
    }
    return wv_user_put(out, &yes, sizeof(yes)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}
