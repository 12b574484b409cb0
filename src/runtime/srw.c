/* SPDX-License-Identifier: MIT */
/* srw.c - slim reader/writer locks (AcquireSRWLockExclusive, ...; ntdll's RtlAcquireSRWLock*
 * are the same functions: ntdll_synch.c), and the futex waits every object of synch_int.h
 * sleeps in.
 *
 * An SRWLOCK is one pointer-sized word the program owns, zero when free (SRWLOCK_INIT):
 * nothing is allocated per lock and there is nothing to delete.  winvm keeps the whole state in
 * the word's low 32 bits (little endian: the futex word is the SRWLOCK's address):
 *   bit 0  WV_SRW_EXCL   held exclusively;
 *   bit 1  WV_SRW_WAIT   a thread may sleep on the word (set by the sleeper before it sleeps);
 *   bit 2  WV_SRW_XWAIT  an exclusive acquirer sleeps: new shared acquirers queue behind it
 *                        (Windows' lock does not let readers starve a writer either);
 *   bits 3-31            the number of shared holders.
 * Uncontended, taking and giving back are one compare-and-swap each, no system call.  A
 * contended acquirer spins briefly (WV_SRW_SPIN pauses), then sets WV_SRW_WAIT and sleeps on
 * the word; the release that leaves the lock free clears both wait bits and wakes every
 * sleeper, which race again (a sleeper that loses sets its bit again before it sleeps, so no
 * wake is lost: any change of the word before its sleep makes the futex return at once).
 * Releasing a lock not held in that mode changes nothing (Windows raises
 * STATUS_RESOURCE_NOT_OWNED; winvm leaves the word as it is). */
#define _GNU_SOURCE
#include "runtime/synch_int.h"

#include <errno.h>
#include <string.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WV_SRW_EXCL 1u
#define WV_SRW_WAIT 2u
#define WV_SRW_XWAIT 4u
#define WV_SRW_ONE 8u /* one shared holder */
#define WV_SRW_HELD (WV_SRW_EXCL | ~(WV_SRW_ONE - 1))
#define WV_SRW_SPIN 100
#define WV_SLICE_NS 50000000ull /* a wait's slice: TerminateThread's safe point between two */
#define WV_POLL_NS 1000000ull   /* an unaligned word's poll */

/* ---- futex waits ---- */

static uint64_t wv_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

uint64_t wv_synch_deadline(DWORD ms)
{
    return ms == INFINITE ? WV_FOREVER : wv_now_ns() + (uint64_t)ms * 1000000ull;
}

int wv_futex_sleep(uint32_t *word, uint32_t val, uint64_t deadline)
{
    uint64_t now = wv_now_ns(), left = WV_SLICE_NS;
    if (deadline != WV_FOREVER) {
        if (now >= deadline)
            return ETIMEDOUT;
        if (deadline - now < left)
            left = deadline - now;
    }
    if ((uintptr_t)word & 3) {
        /* Linux's futex refuses a word not 4-byte aligned (EINVAL); Windows takes an SRWLOCK or
         * an INIT_ONCE at any address.  Such a word is polled: a short sleep, then back to the
         * caller, which looks at the word again (its wakes are futex calls that find nobody). */
        struct timespec p = {0, (long)(left < WV_POLL_NS ? left : WV_POLL_NS)};
        nanosleep(&p, NULL);
        return 0;
    }
    struct timespec ts = {(time_t)(left / 1000000000ull), (long)(left % 1000000000ull)};
    if (syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0) == 0 || errno == EAGAIN)
        return 0;
    return EINTR; /* the slice's end or a signal (a suspension): not alertable, sleep again */
}

int wv_futex_wait(uint32_t *word, uint32_t val, uint64_t deadline)
{
    int r;
    while ((r = wv_futex_sleep(word, val, deadline)) == EINTR)
        wv_thread_kill_point();
    return r;
}

void wv_futex_wake(uint32_t *word, int n) { syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0); }

/* ---- the lock ---- */

/* The word is the lock's address: no member access, which would assume the struct's alignment
 * (a lock at an unaligned address is allowed, see wv_futex_sleep). */
static uint32_t *wv_srw_word(PSRWLOCK l) { return (uint32_t *)(void *)l; }

static bool wv_cas(uint32_t *w, uint32_t *old, uint32_t nw)
{
    return __atomic_compare_exchange_n(w, old, nw, true, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* One attempt: whether the lock was taken in that mode (*s: the word as last seen). */
static bool wv_srw_try(uint32_t *w, uint32_t *s, bool excl)
{
    for (;;) {
        if (excl ? (*s & WV_SRW_HELD) != 0 : (*s & (WV_SRW_EXCL | WV_SRW_XWAIT)) != 0)
            return false;
        if (wv_cas(w, s, excl ? *s | WV_SRW_EXCL : *s + WV_SRW_ONE))
            return true;
    }
}

static void wv_srw_acquire(PSRWLOCK l, bool excl)
{
    uint32_t *w = wv_srw_word(l);
    uint32_t s = __atomic_load_n(w, __ATOMIC_RELAXED);
    for (int spin = 0;; spin++) {
        if (wv_srw_try(w, &s, excl))
            return;
        if (spin < WV_SRW_SPIN) {
            __builtin_ia32_pause();
            s = __atomic_load_n(w, __ATOMIC_RELAXED);
            continue;
        }
        uint32_t sleep = s | WV_SRW_WAIT | (excl ? WV_SRW_XWAIT : 0);
        if (sleep == s || wv_cas(w, &s, sleep))
            wv_futex_wait(w, sleep, WV_FOREVER);
        s = __atomic_load_n(w, __ATOMIC_RELAXED);
    }
}

void WINAPI InitializeSRWLock(PSRWLOCK l) { memset(l, 0, sizeof(*l)); }
/* The uncontended case first, without wv_srw_acquire's frame: one compare-and-swap. */
void WINAPI AcquireSRWLockExclusive(PSRWLOCK l)
{
    uint32_t s = 0;
    if (!__atomic_compare_exchange_n(wv_srw_word(l), &s, WV_SRW_EXCL, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        wv_srw_acquire(l, true);
}

void WINAPI AcquireSRWLockShared(PSRWLOCK l)
{
    uint32_t s = __atomic_load_n(wv_srw_word(l), __ATOMIC_RELAXED);
    if ((s & (WV_SRW_EXCL | WV_SRW_XWAIT)) ||
        !__atomic_compare_exchange_n(wv_srw_word(l), &s, s + WV_SRW_ONE, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        wv_srw_acquire(l, false);
}

BOOLEAN WINAPI TryAcquireSRWLockExclusive(PSRWLOCK l)
{
    uint32_t s = __atomic_load_n(wv_srw_word(l), __ATOMIC_RELAXED);
    return wv_srw_try(wv_srw_word(l), &s, true);
}

BOOLEAN WINAPI TryAcquireSRWLockShared(PSRWLOCK l)
{
    uint32_t s = __atomic_load_n(wv_srw_word(l), __ATOMIC_RELAXED);
    return wv_srw_try(wv_srw_word(l), &s, false);
}

void WINAPI ReleaseSRWLockExclusive(PSRWLOCK l)
{
    uint32_t *w = wv_srw_word(l);
    uint32_t s = WV_SRW_EXCL; /* held, nobody waiting: the guess */
    do
        if (!(s & WV_SRW_EXCL))
            return;
    while (!wv_cas(w, &s, s & ~(WV_SRW_EXCL | WV_SRW_WAIT | WV_SRW_XWAIT)));
    if (s & WV_SRW_WAIT)
        wv_futex_wake(w, INT32_MAX);
}

void WINAPI ReleaseSRWLockShared(PSRWLOCK l)
{
    uint32_t *w = wv_srw_word(l);
    uint32_t s = __atomic_load_n(w, __ATOMIC_RELAXED), n;
    do {
        if ((s & WV_SRW_EXCL) || s < WV_SRW_ONE)
            return;
        n = s - WV_SRW_ONE;
        if (n < WV_SRW_ONE) /* the last holder: the lock is free */
            n &= ~(WV_SRW_WAIT | WV_SRW_XWAIT);
    } while (!wv_cas(w, &s, n));
    if (n < WV_SRW_ONE && (s & WV_SRW_WAIT))
        wv_futex_wake(w, INT32_MAX);
}
