/* SPDX-License-Identifier: MIT */
/* msvcrt.c - msvcrt.dll's process and thread life: startup (__getmainargs, _initterm), exit
 * and its _onexit/atexit functions, abort and _assert, signal/raise, errno with msvcrt's
 * numbers, the _lock table, the environment, _beginthreadex.
 *
 * The other exports are by concern: descriptors (msvcrt_io.c), names (msvcrt_fs.c,
 * msvcrt_find.c), FILEs (msvcrt_stdio.c, msvcrt_fmt.c, msvcrt_printf.c), strings and memory
 * (msvcrt_str.c), wide text (msvcrt_wide.c), time (msvcrt_time.c), math (msvcrt_math.c),
 * locale and ctype (msvcrt_locale.c), setjmp and _resetstkoflw (msvcrt_jmp.c); the table is msvcrt_exports.c.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- errno: msvcrt's numbers ---- */

static __thread int wv_crt_errno;
CRT int *wv_ms__errno(void) { return &wv_crt_errno; }

/* Linux and msvcrt agree from 1 to 34 but for the two msvcrt lacks (15 ENOTBLK, 26 ETXTBSY). */
int wv_crt_errno_from_host(int err)
{
    switch (err) {
    case ENOTBLK: return EINVAL;
    case ETXTBSY: return EACCES;
    case EDEADLK: return WV_EDEADLK;
    case ENAMETOOLONG: return WV_ENAMETOOLONG;
    case ENOLCK: return WV_ENOLCK;
    case ENOSYS: return WV_ENOSYS;
    case ENOTEMPTY: return WV_ENOTEMPTY;
    case EILSEQ: return WV_EILSEQ;
    case ELOOP: return ENOENT;
    case EOVERFLOW: return EFBIG;
    default: return err >= 0 && err <= 34 ? err : EINVAL;
    }
}

int wv_crt_errno_to_host(int err)
{
    switch (err) {
    case WV_EDEADLK: return EDEADLK;
    case WV_ENAMETOOLONG: return ENAMETOOLONG;
    case WV_ENOLCK: return ENOLCK;
    case WV_ENOSYS: return ENOSYS;
    case WV_ENOTEMPTY: return ENOTEMPTY;
    case WV_EILSEQ: return EILSEQ;
    default: return err;
    }
}

int wv_crt_fail(int err)
{
    wv_crt_errno = wv_crt_errno_from_host(err);
    return -1;
}

CRT int wv_ms__get_errno(int *v) { return v ? (*v = wv_crt_errno, 0) : EINVAL; }
CRT int wv_ms__set_errno(int v) { wv_crt_errno = v; return 0; }

CRT char *wv_ms_strerror(int e)
{
    return (char *)(e >= 0 && e < wv_ms__sys_nerr ? wv_ms__sys_errlist[e] : "Unknown error");
}

CRT void wv_ms_perror(const char *s)
{
    if (s && *s)
        fprintf(stderr, "%s: ", s);
    fprintf(stderr, "%s\n", wv_ms_strerror(wv_crt_errno));
    fflush(stderr);
}

/* ---- startup: arguments, initialisers ---- */

char *wv_ms__acmdln;
WCHAR *wv_ms__wcmdln;
char **wv_ms___initenv;
WCHAR **wv_ms___winitenv;
int wv_ms__fmode, wv_ms__commode;

/* mingw's startup: argc/argv/envp from the command line winvm run was given. */
CRT int wv_ms___getmainargs(int *argc, char ***argv, char ***envp, int wildcard, void *startinfo)
{
    *argc = wv_command_args(argv);
    *envp = environ;
    wv_ms___initenv = environ;
    return 0;
}

/* A malloc'ed UTF-16 copy of a NULL-ended vector, made once; NULL without memory. */
static WCHAR **wv_wide_vector(char **v)
{
    size_t n = 0;
    while (v[n])
        n++;
    WCHAR **w = calloc(n + 1, sizeof(*w));
    for (size_t i = 0; w && i < n; i++)
        if (!(w[i] = wv_utf16(v[i])))
            return NULL; /* the process is out of memory at startup: _amsg_exit follows */
    return w;
}

/* The -municode startup: the same, in UTF-16. */
CRT int wv_ms___wgetmainargs(int *argc, WCHAR ***argv, WCHAR ***envp, int wildcard, void *startinfo)
{
    static WCHAR **wargv, **wenv;
    char **a;
    *argc = wv_command_args(&a);
    if (!wargv)
        wargv = wv_wide_vector(a), wenv = wv_wide_vector(environ);
    *argv = wargv, *envp = wenv;
    wv_ms___winitenv = wenv;
    return wargv && wenv ? 0 : -1;
}

void wv_crt_setup(void)
{
    wv_ms__acmdln = GetCommandLineA();
    wv_ms__wcmdln = GetCommandLineW();
    wv_ms___pctype_func(); /* fills _pctype's table */
    wv_crt_time_init();    /* clock() counts from here */
    wv_crt_environ_sync(); /* _environ */
}

CRT int *wv_ms___p__fmode(void) { return &wv_ms__fmode; }
CRT int *wv_ms___p__commode(void) { return &wv_ms__commode; }

typedef void(__attribute__((ms_abi)) * wv_crt_fn)(void);
typedef int(__attribute__((ms_abi)) * wv_crt_ifn)(void);

CRT void wv_ms__initterm(wv_crt_fn *begin, wv_crt_fn *end)
{
    for (; begin < end; begin++)
        if (*begin)
            (*begin)();
}

CRT int wv_ms__initterm_e(wv_crt_ifn *begin, wv_crt_ifn *end)
{
    for (; begin < end; begin++)
        if (*begin) {
            int r = (*begin)();
            if (r)
                return r;
        }
    return 0;
}

CRT void wv_ms___set_app_type(int type) { (void)type; }
CRT void wv_ms___setusermatherr(void *fn) { (void)fn; }

/* ---- exit: _onexit functions run last-registered first, at exit or _cexit, once ---- */

static wv_crt_fn *wv_onexit;
static size_t wv_nonexit, wv_onexit_cap;
static pthread_mutex_t wv_onexit_lock = PTHREAD_MUTEX_INITIALIZER;

static void wv_run_onexit(void)
{
    for (;;) {
        pthread_mutex_lock(&wv_onexit_lock);
        wv_crt_fn f = wv_nonexit > 0 ? wv_onexit[--wv_nonexit] : NULL;
        pthread_mutex_unlock(&wv_onexit_lock);
        if (!f)
            return;
        f();
    }
}

static pthread_once_t wv_onexit_once = PTHREAD_ONCE_INIT;
static void wv_onexit_register(void) { atexit(wv_run_onexit); }

CRT wv_crt_fn wv_ms__onexit(wv_crt_fn f)
{
    pthread_once(&wv_onexit_once, wv_onexit_register);
    pthread_mutex_lock(&wv_onexit_lock);
    if (wv_nonexit == wv_onexit_cap) {
        size_t cap = wv_onexit_cap ? 2 * wv_onexit_cap : 32;
        wv_crt_fn *m = realloc(wv_onexit, cap * sizeof(*m));
        if (m)
            wv_onexit = m, wv_onexit_cap = cap;
    }
    bool ok = f && wv_nonexit < wv_onexit_cap;
    if (ok)
        wv_onexit[wv_nonexit++] = f;
    pthread_mutex_unlock(&wv_onexit_lock);
    return ok ? f : NULL;
}

CRT int wv_ms_atexit(wv_crt_fn f) { return wv_ms__onexit(f) ? 0 : -1; }
CRT void wv_ms__cexit(void) { wv_run_onexit(); fflush(NULL); }
CRT void wv_ms__c_exit(void) { fflush(NULL); }
/* Both end in ExitProcess on Windows: a CreateProcess parent learns the whole code. */
CRT __attribute__((noreturn)) void wv_ms_exit(int code) { ExitProcess((UINT)code); }
CRT __attribute__((noreturn)) void wv_ms__exit(int code)
{
    fflush(NULL);
    wv_child_exit((UINT)code);
    _exit(code);
}
CRT int wv_ms__getpid(void) { return (int)getpid(); } /* the process id GetCurrentProcessId gives */

CRT __attribute__((noreturn)) void wv_ms__amsg_exit(int code)
{
    fprintf(stderr, "runtime error R60%02d\n", code);
    _exit(255);
}

/* ---- signal and raise: msvcrt's numbers; the default action ends the process with 3 ---- */

#define WV_NSIG 23
typedef void(__attribute__((ms_abi)) * wv_crt_sig)(int);
static wv_crt_sig wv_sig[WV_NSIG]; /* NULL is SIG_DFL, 1 SIG_IGN */

static int wv_sig_index(int sig)
{
    return sig == 2 || sig == 4 || sig == 8 || sig == 11 || sig == 15 || sig == 21 || sig == 22 ? sig
           : sig == 6 ? 22 /* SIGABRT_COMPAT */ : -1;
}

/* Runs sig's handler as msvcrt does (reset to the default first); 0, or the default action. */
static int wv_sig_deliver(int sig)
{
    wv_crt_sig h = __atomic_exchange_n(&wv_sig[sig], (wv_crt_sig)NULL, __ATOMIC_ACQ_REL);
    if (h == (wv_crt_sig)1) {
        wv_sig[sig] = h;
        return 0;
    }
    if (!h)
        _exit(3);
    h(sig);
    return 0;
}

/* Host SIGTERM reaches the PE handler (on whichever thread Linux picks, a PE one in a PE
 * process). */
static void wv_host_signal(int hostsig) { (void)hostsig, wv_sig_deliver(15); }

/* SIGINT and SIGBREAK come as Windows' CRT takes them: from its console control handler
 * (k32_conctrl.c, on the event's new thread): the default action lets the next handler (in the
 * end the process's default) have the event, an ignored signal takes it, a handler is reset to
 * the default and called. */
static BOOL wv_crt_ctrl(DWORD ev)
{
    int sig = ev == CTRL_C_EVENT ? 2 : ev == CTRL_BREAK_EVENT ? 21 : 0;
    wv_crt_sig h = sig ? __atomic_load_n(&wv_sig[sig], __ATOMIC_ACQUIRE) : NULL;
    if (!h)
        return FALSE;
    if (h != (wv_crt_sig)1 && __atomic_compare_exchange_n(&wv_sig[sig], &h, (wv_crt_sig)NULL, false,
                                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        h(sig);
    return TRUE;
}

static void wv_crt_ctrl_add(void) { SetConsoleCtrlHandler(wv_crt_ctrl, TRUE); }
static pthread_once_t wv_crt_ctrl_once = PTHREAD_ONCE_INIT;

int wv_crt_signal_filter(int sig)
{
    wv_crt_sig h = __atomic_load_n(&wv_sig[sig], __ATOMIC_ACQUIRE);
    if (!h)
        return 0; /* EXCEPTION_CONTINUE_SEARCH */
    if (h != (wv_crt_sig)1 && __atomic_compare_exchange_n(&wv_sig[sig], &h, (wv_crt_sig)NULL, false,
                                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        h(sig);
    return -1; /* EXCEPTION_CONTINUE_EXECUTION */
}

CRT void *wv_ms_signal(int sig, void *handler)
{
    int i = wv_sig_index(sig);
    if (i < 0 || handler == (void *)-1)
        return wv_crt_fail(EINVAL), (void *)-1; /* SIG_ERR */
    wv_crt_sig old = __atomic_exchange_n(&wv_sig[i], (wv_crt_sig)handler, __ATOMIC_ACQ_REL);
    if (i == 2 || i == 21)
        pthread_once(&wv_crt_ctrl_once, wv_crt_ctrl_add);
    if (i == 15)
        signal(SIGTERM, !handler ? SIG_DFL : handler == (void *)1 ? SIG_IGN : wv_host_signal);
    return (void *)old;
}

CRT int wv_ms_raise(int sig)
{
    int i = wv_sig_index(sig);
    return i < 0 ? wv_crt_fail(EINVAL) : wv_sig_deliver(i);
}

CRT __attribute__((noreturn)) void wv_ms_abort(void)
{
    fputs("\nabnormal program termination\n", stderr);
    fflush(stderr);
    wv_ms_raise(22);
    _exit(3);
}

CRT __attribute__((noreturn)) void wv_ms__assert(const char *what, const char *file, unsigned line)
{
    fprintf(stderr, "Assertion failed: %s, file %s, line %u\n\n", what, file, line);
    wv_ms_abort();
}

/* ---- locks ---- */

static pthread_mutex_t wv_crt_locks[64];
static pthread_once_t wv_crt_locks_once = PTHREAD_ONCE_INIT;

static void wv_crt_locks_init(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    for (int i = 0; i < 64; i++)
        pthread_mutex_init(&wv_crt_locks[i], &a);
}

CRT void wv_ms__lock(int i)
{
    pthread_once(&wv_crt_locks_once, wv_crt_locks_init);
    pthread_mutex_lock(&wv_crt_locks[i & 63]);
}

CRT void wv_ms__unlock(int i) { pthread_mutex_unlock(&wv_crt_locks[i & 63]); }

/* ---- threads ---- */

typedef unsigned(__attribute__((ms_abi)) * wv_crt_start)(void *);

CRT uintptr_t wv_ms__beginthreadex(void *sec, unsigned stack, wv_crt_start start, void *arg, unsigned flags,
                                    unsigned *tid)
{
    if (!start) {
        wv_crt_fail(EINVAL);
        return 0;
    }
    DWORD id = 0;
    HANDLE h = wv_thread_create(stack, (LPTHREAD_START_ROUTINE)(void *)start, arg, flags, &id, true);
    if (!h) {
        wv_crt_fail(GetLastError() == ERROR_INVALID_PARAMETER ? EINVAL : EAGAIN);
        return 0;
    }
    if (tid)
        *tid = id;
    return (uintptr_t)h;
}

CRT __attribute__((noreturn)) void wv_ms__endthreadex(unsigned code)
{
    ExitThread(code);
    __builtin_unreachable();
}

/* ---- the environment ---- */

CRT char *wv_ms_getenv(const char *name) { return name ? getenv(name) : (wv_crt_fail(EINVAL), NULL); }

/* "NAME=value" sets, "NAME=" removes, as msvcrt's. */
CRT int wv_ms__putenv(const char *s)
{
    const char *eq = s ? strchr(s, '=') : NULL;
    if (!eq || eq == s)
        return wv_crt_fail(EINVAL);
    char *name = strndup(s, (size_t)(eq - s));
    int r = !name ? -1 : eq[1] ? setenv(name, eq + 1, 1) : unsetenv(name);
    free(name);
    if (r < 0)
        return wv_crt_fail(name ? errno : ENOMEM);
    wv_crt_environ_sync();
    return 0;
}

/* The UTF-16 values handed out, one per distinct "NAME=value", kept for the process: a
 * pointer _wgetenv gave stays valid, as one into Windows' environment block does until a
 * change. */
struct wv_wenv {
    struct wv_wenv *next;
    char *key;
    WCHAR *value;
};
static struct wv_wenv *wv_wenvs;
static pthread_mutex_t wv_wenv_lock = PTHREAD_MUTEX_INITIALIZER;

CRT WCHAR *wv_ms__wgetenv(const WCHAR *name)
{
    char *n = NULL, *key = NULL;
    if (!name || wv_utf8(name, &n))
        return wv_crt_fail(EINVAL), NULL;
    const char *v = getenv(n);
    if (!v || asprintf(&key, "%s=%s", n, v) < 0) {
        free(n);
        return NULL;
    }
    free(n);
    pthread_mutex_lock(&wv_wenv_lock);
    struct wv_wenv *e = wv_wenvs;
    while (e && strcmp(e->key, key))
        e = e->next;
    if (!e && (e = calloc(1, sizeof(*e))) && (e->value = wv_utf16(v))) {
        e->key = key, key = NULL;
        e->next = wv_wenvs, wv_wenvs = e;
    } else if (e && !e->key) {
        free(e), e = NULL;
    }
    pthread_mutex_unlock(&wv_wenv_lock);
    free(key);
    return e ? e->value : NULL;
}

CRT int wv_ms__wputenv(const WCHAR *s)
{
    char *u = NULL;
    if (!s || wv_utf8(s, &u))
        return wv_crt_fail(EINVAL);
    int r = wv_ms__putenv(u);
    free(u);
    return r;
}
