/* SPDX-License-Identifier: MIT */
/* lock.c - the one lock that guards the state model.
 *
 * A plain mutex, not a reader-writer lock: every critical section is tens of nanoseconds
 * (the syscalls that add or remove whole views run outside it), and on the commit benchmark
 * glibc's rwlock measured 1.16x raw against the mutex's 1.11-1.12x.  A hand-written futex
 * lock and a single-thread bias with no atomic instruction (revoked through membarrier) were
 * also built; both stayed within run-to-run noise (about 2%) of the mutex, so the simplest
 * lock stays.  Every holder may change the state (VirtualQuery brings in other views' commits
 * and marks copies), so there is no shared mode.
 */
#include "mm/mm.h"

#include <pthread.h>

static pthread_mutex_t wv_lock = PTHREAD_MUTEX_INITIALIZER;
/* Whether this thread holds the lock: the fault handler must not wait for it then. */
static __thread __attribute__((tls_model("initial-exec"))) bool wv_held;

WV_HOT void wv_space_lock(void)
{
    wv_assert(!wv_held); /* not recursive: a second lock here would deadlock */
    pthread_mutex_lock(&wv_lock);
    wv_held = true;
}

WV_HOT void wv_space_unlock(void)
{
    wv_assert(wv_held);
    wv_held = false;
    pthread_mutex_unlock(&wv_lock);
}

bool wv_space_locked_by_self(void) { return wv_held; }

/* fork() while another thread holds the lock would leave the child's copy locked forever:
 * hold it across fork so both sides start with a consistent, unlocked state model. */
static void wv_fork_prepare(void) { pthread_mutex_lock(&wv_lock); }
static void wv_fork_parent(void) { pthread_mutex_unlock(&wv_lock); }
static void wv_fork_child(void)
{
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    wv_lock = fresh;
    wv_held = false;
}

__attribute__((constructor)) static void wv_lock_init(void)
{
    pthread_atfork(wv_fork_prepare, wv_fork_parent, wv_fork_child);
}
