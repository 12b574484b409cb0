/* SPDX-License-Identifier: MIT */
/* msvcrt_vars.c - msvcrt's data exports programs read directly: _environ (the C runtime's
 * own copy of the environment, remade by _putenv as msvcrt remakes it; SetEnvironmentVariable
 * does not touch it, as on Windows), _sys_errlist and _sys_nerr (strerror's table); and the
 * stream limit _getmaxstdio/_setmaxstdio report and set, which fopen/_fdopen obey (EMFILE). */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* msvcrt's messages, by msvcrt's numbers (0 to 42). */
const char *const wv_ms__sys_errlist[] = {
    "No error", "Operation not permitted", "No such file or directory", "No such process",
    "Interrupted function call", "Input/output error", "No such device or address",
    "Arg list too long", "Exec format error", "Bad file descriptor", "No child processes",
    "Resource temporarily unavailable", "Not enough space", "Permission denied", "Bad address",
    "Unknown error", "Resource device", "File exists", "Improper link", "No such device",
    "Not a directory", "Is a directory", "Invalid argument", "Too many open files in system",
    "Too many open files", "Inappropriate I/O control operation", "Unknown error",
    "File too large", "No space left on device", "Invalid seek", "Read-only file system",
    "Too many links", "Broken pipe", "Domain error", "Result too large", "Unknown error",
    "Resource deadlock avoided", "Unknown error", "Filename too long", "No locks available",
    "Function not implemented", "Directory not empty", "Illegal byte sequence"};
int wv_ms__sys_nerr = (int)(sizeof(wv_ms__sys_errlist) / sizeof(wv_ms__sys_errlist[0]));

/* ---- _environ ---- */

char **wv_ms__environ;
static pthread_mutex_t wv_environ_lock = PTHREAD_MUTEX_INITIALIZER;

static void wv_environ_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void wv_crt_environ_sync(void)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **v = calloc(n + 1, sizeof(*v));
    for (size_t i = 0; v && i < n; i++)
        if (!(v[i] = strdup(environ[i]))) {
            wv_environ_free(v);
            return; /* out of memory: the old copy stays */
        }
    if (!v)
        return;
    pthread_mutex_lock(&wv_environ_lock);
    char **old = wv_ms__environ;
    wv_ms__environ = v;
    pthread_mutex_unlock(&wv_environ_lock);
    wv_environ_free(old); /* msvcrt frees its old block too */
}

/* ---- the stream limit ---- */

#define WV_IOB_ENTRIES 20   /* msvcrt's floor: its static _iob */
#define WV_MAX_STREAMS 2048 /* msvcrt.dll's ceiling */

static int wv_max_streams = 512;
static int wv_open_streams = 3; /* stdin, stdout, stderr */
static pthread_mutex_t wv_streams_lock = PTHREAD_MUTEX_INITIALIZER;

CRT int wv_ms__getmaxstdio(void) { return __atomic_load_n(&wv_max_streams, __ATOMIC_RELAXED); }

/* Streams already open past a lower limit stay open; new ones wait for room. */
CRT int wv_ms__setmaxstdio(int n)
{
    pthread_mutex_lock(&wv_streams_lock);
    bool ok = n >= WV_IOB_ENTRIES && n <= WV_MAX_STREAMS;
    if (ok)
        __atomic_store_n(&wv_max_streams, n, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&wv_streams_lock);
    return ok ? n : -1;
}

bool wv_crt_stream_take(void)
{
    pthread_mutex_lock(&wv_streams_lock);
    bool ok = wv_open_streams < wv_max_streams;
    if (ok)
        wv_open_streams++;
    pthread_mutex_unlock(&wv_streams_lock);
    return ok;
}

void wv_crt_stream_give(void)
{
    pthread_mutex_lock(&wv_streams_lock);
    wv_open_streams--;
    pthread_mutex_unlock(&wv_streams_lock);
}
