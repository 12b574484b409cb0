/* SPDX-License-Identifier: MIT */
/* tid.c - the calling thread's Linux thread id, without a system call each time.
 *
 * GetCurrentThreadId, the debug registers' per-thread slots and every fault's CONTEXT ask for
 * it; each gettid(2) cost ~0.7 us on this project's VM (page-table isolation: the TLB is
 * flushed on every system call), two per access violation dispatched to PE code.  The id is
 * kept in a thread variable the first call fills; a forked child's only thread has a new id,
 * so fork's child handler clears it.  Async-signal-safe: a TLS read, at worst one gettid.
 */
#define _GNU_SOURCE
#include "base/base.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

__thread __attribute__((tls_model("initial-exec"))) DWORD wv_tid_cached;

DWORD wv_tid_slow(void)
{
    DWORD t = (DWORD)syscall(SYS_gettid);
    wv_tid_cached = t;
    return t;
}

static void wv_tid_forked(void) { wv_tid_cached = 0; }

__attribute__((constructor)) static void wv_tid_init(void) { pthread_atfork(NULL, NULL, wv_tid_forked); }
