/* SPDX-License-Identifier: MIT */
/* k32_conctrl.c - console control events: SetConsoleCtrlHandler's list and
 * GenerateConsoleCtrlEvent.  The console is the terminal (k32_console.c), so its events are the
 * terminal's signals: SIGINT (Ctrl+C) is CTRL_C_EVENT, SIGQUIT (Ctrl+\, the terminal's other
 * key) CTRL_BREAK_EVENT, SIGHUP (the terminal gone) CTRL_CLOSE_EVENT.  Windows delivers an event
 * on a new thread of the process (csrss injects it); so here: the signal handler only writes
 * the event's number to a pipe (async-signal-safe), a host service thread reads it and starts a
 * winvm thread with a TEB that calls the handlers, last registered first, until one returns
 * TRUE; if none does, the default handler ends the process with STATUS_CONTROL_C_EXIT as
 * Windows' does.  CTRL_CLOSE_EVENT ends the process after its handlers whatever they return
 * (Windows terminates a process whose console closed).
 *
 * SetConsoleCtrlHandler(NULL, TRUE) is the process's "ignore Ctrl+C" flag, kept as the host's
 * SIGINT disposition SIG_IGN: a child inherits it through exec as Windows' children inherit the
 * flag, and a process that starts with SIGINT ignored starts with the flag set.  A `winvm run`
 * process installs the handlers at its start (every Windows console process has the default
 * handler); a Linux program linking winvm at its first SetConsoleCtrlHandler or
 * GenerateConsoleCtrlEvent, chaining to the host handler it replaced.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef BOOL(WV_MSABI *wv_pe_ctrl)(DWORD);
typedef BOOL (*wv_c_ctrl)(DWORD);

struct wv_ctrl_entry {
    void *fn;
    bool pe; /* an ms_abi routine of PE code (the kernel32 export's caller) */
};

static pthread_mutex_t wv_ctrl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_ctrl_entry *wv_ctrl_list; /* registration order (lock) */
static size_t wv_ctrl_n, wv_ctrl_cap;
static pthread_once_t wv_ctrl_once = PTHREAD_ONCE_INIT;
static int wv_ctrl_wfd = -1, wv_ctrl_rfd = -1;
static bool wv_ctrl_ready;
static struct sigaction wv_ctrl_prev[3]; /* SIGINT, SIGQUIT, SIGHUP as they were */

static int wv_ctrl_slot(int sig) { return sig == SIGINT ? 0 : sig == SIGQUIT ? 1 : 2; }

/* A Linux program's own handler of sig, called after ours queued the event. */
static void wv_ctrl_chain(int sig, siginfo_t *si, void *uc)
{
    const struct sigaction *p = &wv_ctrl_prev[wv_ctrl_slot(sig)];
    if ((p->sa_flags & SA_SIGINFO) && p->sa_sigaction)
        p->sa_sigaction(sig, si, uc);
    else if (!(p->sa_flags & SA_SIGINFO) && p->sa_handler != SIG_DFL && p->sa_handler != SIG_IGN)
        p->sa_handler(sig);
}

__attribute__((used)) static void wv_ctrl_signal(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    unsigned char ev = sig == SIGINT ? CTRL_C_EVENT : sig == SIGQUIT ? CTRL_BREAK_EVENT : CTRL_CLOSE_EVENT;
    ssize_t w = write(wv_ctrl_wfd, &ev, 1); /* non-blocking: a full pipe already holds events */
    (void)w;
    wv_ctrl_chain(sig, si, uc);
    errno = saved;
}

/* Its entry: the fs and gs bases first (fault/seg.c), for PE code that loaded a selector. */
void wv_ctrl_signal_entry(int sig, siginfo_t *si, void *uc);
WV_SIG_ENTRY("wv_ctrl_signal_entry", "wv_ctrl_signal");

static void wv_ctrl_catch(int sig, struct sigaction *old)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = wv_ctrl_signal_entry;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, old);
}

/* Apart, so gcc cannot merge the call with the host-convention one: it compares the two
 * pointer types without their calling conventions. */
static __attribute__((noinline)) bool wv_ctrl_call_pe(void *fn, DWORD ev)
{
    wv_pe_ctrl f = (wv_pe_ctrl)fn;
    return f(ev) != FALSE;
}

/* The new thread Windows runs an event on: the handlers, newest first, then the default. */
static WV_MSABI DWORD wv_ctrl_routine(LPVOID arg)
{
    DWORD ev = (DWORD)(uintptr_t)arg;
    if (ev == CTRL_C_EVENT && wv_console_ctrl_c_ignored())
        return 0;
    /* A copy, so a handler may add or remove handlers (Windows' lock is recursive). */
    pthread_mutex_lock(&wv_ctrl_lock);
    size_t n = wv_ctrl_n;
    struct wv_ctrl_entry *copy = n ? malloc(n * sizeof(*copy)) : NULL;
    if (copy)
        memcpy(copy, wv_ctrl_list, n * sizeof(*copy));
    pthread_mutex_unlock(&wv_ctrl_lock);
    bool handled = false;
    for (size_t i = copy ? n : 0; i-- > 0 && !handled;)
        handled = copy[i].pe ? wv_ctrl_call_pe(copy[i].fn, ev) : ((wv_c_ctrl)copy[i].fn)(ev) != FALSE;
    free(copy);
    if (!handled || ev == CTRL_CLOSE_EVENT)
        ExitProcess(STATUS_CONTROL_C_EXIT);
    return 1;
}

/* The host thread that turns queued events into winvm threads (a signal handler cannot). */
static void *wv_ctrl_service(void *unused)
{
    (void)unused;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* the terminal's signals go to the program's threads */
    for (;;) {
        unsigned char ev;
        ssize_t r = read(wv_ctrl_rfd, &ev, 1);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return NULL;
        if (wv_process_terminating())
            continue;
        HANDLE h = wv_thread_create(0, (LPTHREAD_START_ROUTINE)(void *)wv_ctrl_routine, (LPVOID)(uintptr_t)ev, 0,
                                    NULL, true);
        if (h)
            CloseHandle(h);
    }
}

static void wv_ctrl_setup(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return;
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    wv_ctrl_rfd = p[0], wv_ctrl_wfd = p[1];
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &a, wv_ctrl_service, NULL);
    pthread_attr_destroy(&a);
    if (rc != 0) {
        close(p[0]), close(p[1]);
        wv_ctrl_rfd = wv_ctrl_wfd = -1;
        return;
    }
    static const int sigs[3] = {SIGINT, SIGQUIT, SIGHUP};
    for (int i = 0; i < 3; i++) {
        struct sigaction cur;
        sigaction(sigs[i], NULL, &cur);
        wv_ctrl_prev[i] = cur;
        if (cur.sa_handler != SIG_IGN || (cur.sa_flags & SA_SIGINFO)) /* an ignored one stays so */
            wv_ctrl_catch(sigs[i], NULL);
    }
    wv_ctrl_ready = true;
}

/* 0, or the error when the events cannot be delivered (no pipe or thread). */
static DWORD wv_ctrl_start(void)
{
    pthread_once(&wv_ctrl_once, wv_ctrl_setup);
    return wv_ctrl_ready ? 0 : ERROR_NOT_ENOUGH_MEMORY;
}

void wv_console_ctrl_start(void) { (void)wv_ctrl_start(); }

bool wv_console_ctrl_c_ignored(void)
{
    struct sigaction cur;
    return sigaction(SIGINT, NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_IGN;
}

/* NULL: the ignore flag (a Linux program's own SIGINT handler is put back when it is cleared). */
static DWORD wv_ctrl_ignore(bool on)
{
    if (on) {
        struct sigaction sa = {0};
        sa.sa_handler = SIG_IGN;
        sigemptyset(&sa.sa_mask);
        return sigaction(SIGINT, &sa, NULL) == 0 ? 0 : ERROR_INVALID_PARAMETER;
    }
    if (wv_console_ctrl_c_ignored())
        wv_ctrl_catch(SIGINT, NULL);
    return 0;
}

static DWORD wv_ctrl_edit(void *fn, bool add, bool pe)
{
    DWORD err = wv_ctrl_start();
    if (err)
        return err;
    if (!fn)
        return wv_ctrl_ignore(add);
    pthread_mutex_lock(&wv_ctrl_lock);
    if (add && wv_ctrl_n == wv_ctrl_cap) {
        size_t cap = wv_ctrl_cap ? wv_ctrl_cap * 2 : 8;
        struct wv_ctrl_entry *l = realloc(wv_ctrl_list, cap * sizeof(*l));
        if (l)
            wv_ctrl_list = l, wv_ctrl_cap = cap;
        else
            err = ERROR_NOT_ENOUGH_MEMORY;
    }
    if (add && !err) {
        wv_ctrl_list[wv_ctrl_n++] = (struct wv_ctrl_entry){fn, pe};
    } else if (!add) {
        size_t i = wv_ctrl_n; /* the last registration of fn goes first, as Windows removes */
        while (i > 0 && wv_ctrl_list[i - 1].fn != fn)
            i--;
        if (i == 0)
            err = ERROR_INVALID_PARAMETER; /* Wine's console.c testCtrlHandler on Windows */
        else
            memmove(&wv_ctrl_list[i - 1], &wv_ctrl_list[i], (wv_ctrl_n-- - i) * sizeof(*wv_ctrl_list));
    }
    pthread_mutex_unlock(&wv_ctrl_lock);
    return err;
}

BOOL WINAPI SetConsoleCtrlHandler(PHANDLER_ROUTINE fn, BOOL add)
{
    DWORD err = wv_ctrl_edit((void *)fn, add != FALSE, false);
    return err ? wv_fail(err) : TRUE;
}

BOOL WV_MSABI wv_k32_SetConsoleCtrlHandler(void *fn, BOOL add)
{
    DWORD err = wv_ctrl_edit(fn, add != FALSE, true);
    return err ? wv_fail(err) : TRUE;
}

/* Group 0 is every process of the console: here the caller's process group, the processes a
 * Ctrl+C at the terminal reaches.  Other groups (CREATE_NEW_PROCESS_GROUP's) are not made here,
 * so no other group id names one.  Without a terminal there is no console: ERROR_INVALID_HANDLE
 * (Wine's console.c test_FreeConsole on Windows). */
BOOL WINAPI GenerateConsoleCtrlEvent(DWORD ev, DWORD group)
{
    if (ev != CTRL_C_EVENT && ev != CTRL_BREAK_EVENT)
        return wv_fail(ERROR_INVALID_PARAMETER);
    int tty = wv_console_attached() ? open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    if (tty < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    close(tty);
    if (group != 0)
        return wv_fail(ERROR_INVALID_PARAMETER);
    DWORD err = wv_ctrl_start();
    if (err)
        return wv_fail(err);
    return kill(0, ev == CTRL_C_EVENT ? SIGINT : SIGQUIT) == 0 ? TRUE : wv_fail(wv_errno_to_error(errno));
}
