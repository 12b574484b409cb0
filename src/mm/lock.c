/* SPDX-License-Identifier: MIT */
/* lock.c - the one lock that guards the state model.
 *
 * Exclusive, not a reader-writer lock: every critical section is tens of nanoseconds (the
 * syscalls that add or remove whole views run outside it), and on the commit benchmark glibc's
 * rwlock measured 1.16x raw against a mutex's 1.11-1.12x.  Every holder may change the state
 * (VirtualQuery brings in other views' commits and marks copies), so there is no shared mode.
 *
 * A futex word, not glibc's mutex: the uncontended path is one compare-and-swap to take and
 * one exchange to give back, inline in the caller (mm.h: a call and its prologue were ~20
 * instructions a round more), where pthread_mutex_lock and unlock ran ~53 instructions a round
 * in libc's pages (an alloc+free pair takes four rounds; each code line after a syscall is a
 * cache miss on the project's VM).  The contended path, here, is Drepper's "mutex 2" (Futexes
 * Are Tricky): 0 free, 1 held, 2 held and a thread may sleep; the holder that gives back a 2
 * wakes one sleeper.  No spinning, as glibc's default mutex.  The futex calls are async-signal-safe, as the fault handler needs.
 * (A futex lock measured alone, in 2026-11, stayed within noise of glibc's mutex on bench row
 * 4; with the hot globals on the lock's own line it is part of what brought rows 1, 4 and 18
 * down: docs/performance.md, 2026-12-02.)  TSan sees the acquire and release of the word.
 */
#define _GNU_SOURCE
#include "mm/mm.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#define wv_lock_word wv_mm_hot.lock /* WV_LOCK_*: the lock itself, on the hot line (mm.h) */
__thread __attribute__((tls_model("initial-exec"))) bool wv_space_held;

/* The contended take (wv_space_lock, mm.h, failed its compare-and-swap): sleeps until the lock
 * is ours; the word is left at WV_LOCK_WAITERS, since another thread may still sleep (a
 * spurious wake costs the next unlock one futex call, never a lost wake-up). */
void wv_space_lock_wait(void)
{
    while (__atomic_exchange_n(&wv_lock_word, WV_LOCK_WAITERS, __ATOMIC_ACQUIRE) != WV_LOCK_FREE)
        syscall(SYS_futex, &wv_lock_word, FUTEX_WAIT_PRIVATE, WV_LOCK_WAITERS, NULL, NULL, 0);
}

/* The give when a thread may sleep (wv_space_unlock, mm.h, exchanged a WV_LOCK_WAITERS). */
void wv_space_unlock_wake(void)
{
    syscall(SYS_futex, &wv_lock_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* fork() while another thread holds the lock would leave the child's copy locked forever:
 * hold it across fork so both sides start with a consistent, unlocked state model. */
static void wv_fork_prepare(void) { wv_space_lock(); }
static void wv_fork_parent(void) { wv_space_unlock(); }
static void wv_fork_child(void)
{
    /* The child's only thread is this one: nobody sleeps on its copy of the word. */
    wv_space_held = false;
    __atomic_store_n(&wv_lock_word, WV_LOCK_FREE, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void wv_lock_init(void)
{
    pthread_atfork(wv_fork_prepare, wv_fork_parent, wv_fork_child);
}
