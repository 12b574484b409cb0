/* SPDX-License-Identifier: MIT */
/* ucrt.c - the Universal CRT's (ucrtbase.dll's) own process-life calls, over msvcrt.dll's
 * implementation (one C runtime: the same errno, FILEs, heap, environment, _onexit list):
 * the startup MSVC's and mingw-w64-ucrt's entry code make (_configure_narrow_argv, __p___argv,
 * _initialize_narrow_environment, _set_fmode, _configthreadlocale, _seh_filter_exe, ...),
 * _onexit tables, __acrt_iob_func, and UCRT's abort (silent: the message is a debug-CRT one).
 * The printf/scanf core is ucrt_stdio.c; the export table ucrt_exports.c.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- arguments and environment ---- */

static int wv_ucrt_argc;
static char **wv_ucrt_argv;
static WCHAR **wv_ucrt_wargv, **wv_ucrt_wenv;

CRT int wv_ms___wgetmainargs(int *argc, WCHAR ***argv, WCHAR ***envp, int wildcard, void *startinfo);

/* _crt_argv_mode: 0 none (nothing is set), 1 unexpanded, 2 expanded (wildcards: winvm's
 * __getmainargs expands none either; a Windows shell passes them through unexpanded too). */
static int wv_argv_mode_ok(int mode)
{
    if (mode < 0 || mode > 2) {
        wv_ms__errno()[0] = EINVAL;
        return EINVAL;
    }
    return 0;
}

CRT int wv_ucrt__configure_narrow_argv(int mode)
{
    int r = wv_argv_mode_ok(mode);
    if (!r && mode)
        wv_ucrt_argc = wv_command_args(&wv_ucrt_argv);
    return r;
}

CRT int wv_ucrt__configure_wide_argv(int mode)
{
    int r = wv_argv_mode_ok(mode);
    if (!r && mode && wv_ms___wgetmainargs(&wv_ucrt_argc, &wv_ucrt_wargv, &wv_ucrt_wenv, 0, NULL))
        return ENOMEM;
    return r;
}

CRT int *wv_ucrt___p___argc(void) { return &wv_ucrt_argc; }
CRT char ***wv_ucrt___p___argv(void) { return &wv_ucrt_argv; }
CRT WCHAR ***wv_ucrt___p___wargv(void) { return &wv_ucrt_wargv; }
CRT char ***wv_ucrt___p__environ(void) { return &wv_ms__environ; }

extern char *wv_ms__acmdln;
extern WCHAR *wv_ms__wcmdln;
CRT char **wv_ucrt___p__acmdln(void) { return &wv_ms__acmdln; }
CRT WCHAR **wv_ucrt___p__wcmdln(void) { return &wv_ms__wcmdln; }

/* The time zone variables _tzset fills (msvcrt_time.c). */
extern int wv_ms__daylight;
extern long wv_ms__timezone;
extern char *wv_ms__tzname[2];
CRT int *wv_ucrt___daylight(void) { return &wv_ms__daylight; }
CRT long *wv_ucrt___timezone(void) { return &wv_ms__timezone; }
CRT char **wv_ucrt___tzname(void) { return wv_ms__tzname; }

/* The environment is the process's from the start: nothing to build for the narrow one. */
CRT int wv_ucrt__initialize_narrow_environment(void) { return 0; }
CRT char **wv_ucrt__get_initial_narrow_environment(void) { return environ; }

CRT int wv_ucrt__initialize_wide_environment(void)
{
    int argc;
    WCHAR **argv;
    return wv_ms___wgetmainargs(&argc, &argv, &wv_ucrt_wenv, 0, NULL) ? -1 : 0;
}

CRT WCHAR **wv_ucrt__get_initial_wide_environment(void) { return wv_ucrt_wenv; }

/* ---- modes ---- */

/* _crt_app_type: 1 console, 2 GUI: where UCRT would show a runtime error.  winvm writes them
 * to stderr either way (it has no message boxes); the type is kept for that choice. */
static int wv_app_type;
CRT void wv_ucrt__set_app_type(int type) { __atomic_store_n(&wv_app_type, type, __ATOMIC_RELAXED); }

#define WV_O_WTEXT 0x10000
#define WV_O_U16TEXT 0x20000
#define WV_O_U8TEXT 0x40000

CRT int wv_ucrt__set_fmode(int mode)
{
    if (mode != WV_O_TEXT && mode != WV_O_BINARY && mode != WV_O_WTEXT && mode != WV_O_U16TEXT &&
        mode != WV_O_U8TEXT) {
        wv_ms__errno()[0] = EINVAL;
        return EINVAL;
    }
    __atomic_store_n(&wv_ms__fmode, mode, __ATOMIC_RELAXED);
    return 0;
}

CRT int wv_ucrt__get_fmode(int *mode)
{
    if (!mode) {
        wv_ms__errno()[0] = EINVAL;
        return EINVAL;
    }
    *mode = __atomic_load_n(&wv_ms__fmode, __ATOMIC_RELAXED);
    return 0;
}

/* _ENABLE_PER_THREAD_LOCALE (1) / _DISABLE_PER_THREAD_LOCALE (2), per thread; 0 asks, -1
 * resets every thread's to the global.  winvm's one locale is "C" (msvcrt_locale.c), so the
 * setting is recorded and reported; there is no other locale for it to select. */
static __thread int wv_thread_locale = 2;

CRT int wv_ucrt__configthreadlocale(int type)
{
    int old = wv_thread_locale;
    if (type == 1 || type == 2)
        wv_thread_locale = type;
    else if (type == -1)
        wv_thread_locale = 2;
    else if (type) {
        wv_ms__errno()[0] = EINVAL;
        return -1;
    }
    return old;
}

/* The handler UCRT calls on an invalid parameter.  winvm's CRT functions fail with EINVAL and
 * their documented return value instead of calling it (docs/semantics.md), as a handler that
 * returns would have them do; the handler set is kept and given back. */
static void *wv_invalid_handler;

CRT void *wv_ucrt__set_invalid_parameter_handler(void *h)
{
    return __atomic_exchange_n(&wv_invalid_handler, h, __ATOMIC_ACQ_REL);
}

CRT void *wv_ucrt__get_invalid_parameter_handler(void) { return __atomic_load_n(&wv_invalid_handler, __ATOMIC_ACQUIRE); }

/* Whether malloc failing calls the new handler (1) or not (0).  No new handler can be set
 * in winvm's CRT (_set_new_handler is not served), so malloc never calls one either way; the
 * mode is kept and reported. */
static int wv_new_mode;
CRT int wv_ucrt__set_new_mode(int mode)
{
    if (mode != 0 && mode != 1) {
        wv_ms__errno()[0] = EINVAL;
        return -1;
    }
    return __atomic_exchange_n(&wv_new_mode, mode, __ATOMIC_ACQ_REL);
}
CRT int wv_ucrt__query_new_mode(void) { return __atomic_load_n(&wv_new_mode, __ATOMIC_ACQUIRE); }

/* ---- FILEs: UCRT's FILE is opaque to programs; stdin, stdout, stderr are msvcrt's three ---- */

CRT void *wv_ucrt___acrt_iob_func(unsigned i) { return i < 3 ? (void *)&wv_ms__iob[i] : NULL; }

/* ---- _onexit tables: a DLL's (or mingw's) own atexit list ---- */

typedef void(__attribute__((ms_abi)) * wv_ucrt_fn)(void);
struct wv_onexit_table {
    wv_ucrt_fn *first, *last, *end;
};
static pthread_mutex_t wv_table_lock = PTHREAD_MUTEX_INITIALIZER;

CRT int wv_ucrt__initialize_onexit_table(struct wv_onexit_table *t)
{
    if (!t)
        return -1;
    pthread_mutex_lock(&wv_table_lock);
    if (t->first == t->end) /* one already in use keeps its functions */
        t->first = t->last = t->end = NULL;
    pthread_mutex_unlock(&wv_table_lock);
    return 0;
}

CRT int wv_ucrt__register_onexit_function(struct wv_onexit_table *t, wv_ucrt_fn f)
{
    if (!t)
        return -1;
    int r = 0;
    pthread_mutex_lock(&wv_table_lock);
    if (t->last == t->end) {
        size_t n = (size_t)(t->end - t->first), cap = n ? 2 * n : 32;
        wv_ucrt_fn *m = realloc(t->first, cap * sizeof(*m));
        if (m)
            t->first = m, t->last = m + n, t->end = m + cap;
        else
            r = -1;
    }
    if (!r)
        *t->last++ = f;
    pthread_mutex_unlock(&wv_table_lock);
    return r;
}

/* Runs the table's functions last-registered first, once: the table is emptied before. */
CRT int wv_ucrt__execute_onexit_table(struct wv_onexit_table *t)
{
    if (!t)
        return -1;
    pthread_mutex_lock(&wv_table_lock);
    wv_ucrt_fn *first = t->first, *last = t->last;
    t->first = t->last = t->end = NULL;
    pthread_mutex_unlock(&wv_table_lock);
    while (last > first)
        if (*--last)
            (*last)();
    free(first);
    return 0;
}

CRT wv_ucrt_fn wv_ms__onexit(wv_ucrt_fn f);
CRT int wv_ucrt__crt_atexit(wv_ucrt_fn f) { return wv_ms__onexit(f) ? 0 : -1; }

/* quick_exit's list: run last-registered first by quick_exit only, then _exit. */
static struct wv_onexit_table wv_quick;
CRT int wv_ucrt__crt_at_quick_exit(wv_ucrt_fn f) { return f ? wv_ucrt__register_onexit_function(&wv_quick, f) : -1; }

CRT __attribute__((noreturn)) void wv_ms__exit(int code);
CRT __attribute__((noreturn)) void wv_ucrt_quick_exit(int code)
{
    wv_ucrt__execute_onexit_table(&wv_quick);
    wv_ms__exit(code);
}

/* ---- ending ---- */

/* UCRT's release abort prints nothing: raise(SIGABRT), whose default action is _exit(3); a
 * handler that returns leaves __fastfail(FAST_FAIL_FATAL_APP_EXIT), status 0xC0000409. */
CRT int wv_ms_raise(int sig);
CRT __attribute__((noreturn)) void wv_ucrt_abort(void)
{
    wv_ms_raise(22);
    wv_child_exit(0xC0000409);
    _exit((int)0xC0000409); /* Linux keeps the low byte, as for every NTSTATUS exit */
}

/* std::terminate without a terminate handler of the program's (set_terminate is not served). */
CRT __attribute__((noreturn)) void wv_ucrt_terminate(void) { wv_ucrt_abort(); }
CRT __attribute__((noreturn)) void wv_ucrt___std_terminate(void) { wv_ucrt_abort(); }

/* The exception filter around main: a hardware exception the program gave a signal handler
 * for (SIGSEGV, SIGILL, SIGFPE) runs it and continues; SIG_IGN continues; else the search goes
 * on (the process's unhandled-exception path). */
CRT int wv_ucrt__seh_filter_exe(DWORD code, EXCEPTION_POINTERS *ep)
{
    (void)ep;
    int sig;
    switch (code) {
    case 0xC0000005: sig = 11; break; /* STATUS_ACCESS_VIOLATION: SIGSEGV */
    case 0xC000001D: case 0xC0000096: sig = 4; break; /* illegal / privileged instruction: SIGILL */
    case 0xC000008D: case 0xC000008E: case 0xC000008F: case 0xC0000090: case 0xC0000091:
    case 0xC0000092: case 0xC0000093: case 0xC00002B4: case 0xC00002B5: sig = 8; break; /* SIGFPE */
    default: return 0; /* EXCEPTION_CONTINUE_SEARCH */
    }
    return wv_crt_signal_filter(sig);
}
