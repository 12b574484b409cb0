/* SPDX-License-Identifier: MIT */
/* trace.c - WINVM_DEBUG: one line per call on stderr, by channel, as Wine's WINEDEBUG.
 *
 *   WINVM_DEBUG=+virtual,+section,+loader,+seh,+thread,+relay   (or +all; -chan turns one off)
 *
 * virtual: the public Virtual* calls; section: sections and views; loader: modules found,
 * mapped, initialised, unloaded; seh: exceptions dispatched to PE code and each frame
 * handler's answer; thread: Linux threads given a TEB and leaving; relay: every call PE code
 * makes into a builtin DLL and its result (loader/relay.c; not part of +all, as it is loud).
 *
 * Each line: "winvm:CHANNEL:TID: text\n", written with one write(2) so lines from threads do
 * not interleave.  The mask is read once, before main (a constructor), so a disabled channel
 * costs one load and a predicted branch at each call site (WV_TRACE in base.h). */
#define _GNU_SOURCE
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

unsigned wv_trace_mask;

static const char *const wv_channel_names[] = {"virtual", "section", "loader", "seh", "thread", "relay"};
#define WV_NCHANNELS (sizeof(wv_channel_names) / sizeof(wv_channel_names[0]))

/* One token of the list: "+name", "-name", "name" (= +name), "all". */
static void wv_trace_token(const char *t, size_t n)
{
    bool off = n && t[0] == '-';
    if (n && (t[0] == '+' || t[0] == '-'))
        t++, n--;
    unsigned bits = 0;
    if (n == 3 && !strncmp(t, "all", 3))
        bits = ((1u << WV_NCHANNELS) - 1) & ~(unsigned)WV_TRACE_RELAY; /* named only */
    for (size_t i = 0; i < WV_NCHANNELS; i++)
        if (strlen(wv_channel_names[i]) == n && !strncmp(t, wv_channel_names[i], n))
            bits = 1u << i;
    wv_trace_mask = off ? wv_trace_mask & ~bits : wv_trace_mask | bits;
}

unsigned wv_trace_parse(const char *spec)
{
    wv_trace_mask = 0;
    for (const char *p = spec; p && *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        wv_trace_token(p, n);
        p = c ? c + 1 : NULL;
    }
    return wv_trace_mask;
}

__attribute__((constructor)) static void wv_trace_init(void) { wv_trace_parse(getenv("WINVM_DEBUG")); }

void wv_trace_emit(unsigned channel, const char *fmt, ...)
{
    char line[512];
    const char *name = "?";
    for (size_t i = 0; i < WV_NCHANNELS; i++)
        if (channel == 1u << i)
            name = wv_channel_names[i];
    int n = snprintf(line, sizeof(line), "winvm:%s:%04lx: ", name, (long)syscall(SYS_gettid));
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    ssize_t w = write(2, line, len);
    (void)w;
}
