/* lock.c - the one lock that guards the state model.
 *
 * Two layers:
 *   - a futex mutex (0 free, 1 held, 2 held with waiters; Drepper, "Futexes are tricky");
 *   - a bias for the common single-threaded program: the first thread to take the lock owns
 *     it and enters with plain stores, no atomic instruction.  Measured on this project's
 *     machines, one locked instruction next to an mprotect costs ~15 ns, 6% of the syscall,
 *     which is most of winvm's overhead on commit and protect.
 *
 * The bias is an asymmetric Dekker protocol.  Owner: store busy = 1, then load revoked; if
 * clear, it is inside.  Any other thread, the first time it needs the lock: store
 * revoked = 1, run membarrier(PRIVATE_EXPEDITED), which executes a full barrier on every
 * thread of the process, then wait for busy == 0.  After the barrier either the owner saw
 * revoked, or its busy = 1 is visible to us; either way the two never both enter.  From then
 * on everyone, the owner included, uses the futex.  Where membarrier is unavailable the bias
 * is never granted.
 *
 * Invariants: revoked never goes back to 0; busy and held are only written by the owner;
 * the owner holds the lock through the bias exactly while held is set.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

/* All of the lock's state in one cache line, thread identity included (the thread pointer),
 * so taking the lock after a syscall costs one line, not a line plus thread-local storage. */
static struct {
    int futex;
    volatile int busy;      /* owner is inside through the bias */
    volatile int revoked;   /* the bias is gone: everyone uses the futex */
    int held;               /* owner-only: it holds the lock through the bias */
    void *volatile owner;   /* thread pointer of the bias owner, NULL until one claims it */
} wv_lk __attribute__((aligned(64))) = {.revoked = 1};

#define wv_self() __builtin_thread_pointer()
#define wv_bias_owner (wv_lk.owner == wv_self())

static void wv_futex(int op, int val)
{
    syscall(SYS_futex, &wv_lk.futex, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void wv_futex_lock(void)
{
    int c = 0;
    if (__atomic_compare_exchange_n(&wv_lk.futex, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    for (int spin = 0; spin < 100 && c != 2; spin++) {
        __builtin_ia32_pause();
        c = 0;
        if (__atomic_compare_exchange_n(&wv_lk.futex, &c, 1, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return;
    }
    while (__atomic_exchange_n(&wv_lk.futex, 2, __ATOMIC_ACQUIRE) != 0)
        wv_futex(FUTEX_WAIT, 2);
}

static void wv_futex_unlock(void)
{
    if (__atomic_exchange_n(&wv_lk.futex, 0, __ATOMIC_RELEASE) == 2)
        wv_futex(FUTEX_WAKE, 1);
}

static void wv_revoke(void)
{
    /* Serialise revokers on the futex so only one runs the barrier. */
    wv_futex_lock();
    if (!wv_lk.revoked) {
        wv_lk.revoked = 1;
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
        while (wv_lk.busy)
            __builtin_ia32_pause();
    }
    wv_futex_unlock();
}

static void wv_lock_acquire(void)
{
    if (wv_bias_owner) {
        wv_lk.busy = 1;
        __asm__ volatile("" ::: "memory"); /* the barrier is the revoker's membarrier */
        if (!wv_lk.revoked) {
            wv_lk.held = 1;
            return;
        }
        wv_lk.busy = 0;
    } else if (!wv_lk.revoked) {
        void *none = NULL;
        if (__atomic_compare_exchange_n(&wv_lk.owner, &none, wv_self(), false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED)) {
            wv_lock_acquire();
            return;
        }
        wv_revoke();
    }
    wv_futex_lock();
}

void wv_space_unlock(void)
{
    if (wv_lk.held && wv_bias_owner) {
        wv_lk.held = 0;
        __asm__ volatile("" ::: "memory");
        wv_lk.busy = 0; /* a plain store is a release store on x86-64 */
        return;
    }
    wv_futex_unlock();
}

void wv_space_read_lock(void) { wv_lock_acquire(); }
void wv_space_write_lock(void) { wv_lock_acquire(); }

/* fork() while another thread holds the lock would leave the child's copy locked forever:
 * hold it across fork so both sides start consistent.  The child has one thread, so the
 * futex restarts free; a bias owned by a thread that did not survive is simply dropped. */
static void wv_fork_prepare(void) { wv_lock_acquire(); }
static void wv_fork_parent(void) { wv_space_unlock(); }
static void wv_fork_child(void)
{
    wv_lk.held = 0;
    wv_lk.futex = 0;
    wv_lk.busy = 0;
    if (!wv_bias_owner)
        wv_lk.revoked = 1;
}

__attribute__((constructor)) static void wv_lock_init(void)
{
    pthread_atfork(wv_fork_prepare, wv_fork_parent, wv_fork_child);
    /* The bias needs the expedited barrier; without it, start revoked. */
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
        wv_lk.revoked = 0;
}
