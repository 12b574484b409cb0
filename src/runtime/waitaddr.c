/* SPDX-License-Identifier: MIT */
/* waitaddr.c - WaitOnAddress, WakeByAddressSingle, WakeByAddressAll (kernelbase's, reached
 * through kernel32, kernelbase.dll and api-ms-win-core-synch-l1-2-0.dll; ntdll's
 * RtlWaitOnAddress/RtlWakeAddress*: ntdll_synch.c).
 *
 * A waiter is a record on its own stack in the queue of one of WV_WA_BUCKETS buckets, chosen
 * by the address; it sleeps on its own futex word until a wake of its address marks it.  The
 * value is compared with the bucket's lock held and the waiter queued under the same hold, and
 * a wake takes that lock: a waker that stores a new value and then wakes either made the
 * waiter see the new value (no sleep) or finds it queued, so no wake is lost.  A wake marks
 * the oldest waiter of the address (Single) or every one (All) and takes them out of the
 * queue: WakeByAddressSingle with two waiters wakes exactly one.  A timed-out waiter takes
 * itself out; one TerminateThread ends takes itself out before it goes (its record is on the
 * stack that goes with it).  Condition variables queue their sleepers the same way
 * (wv_addr_wait without a value: condvar.c).  Sizes other than 1, 2, 4, 8 are STATUS_INVALID_PARAMETER
 * (kernel32: ERROR_INVALID_PARAMETER); a value already different returns at once, successful.
 *
 * Lock: each bucket's mutex is a leaf (docs/architecture.md, level 7), held for a compare and
 * a queue edit only, never across a sleep or PE code. */
#include "runtime/synch_int.h"

#include <errno.h>
#include <pthread.h>

#define WV_WA_BUCKETS 256

struct wv_wa_waiter {
    const volatile void *addr;
    struct wv_wa_waiter *next, *prev;
    uint32_t woken; /* the futex word: 1 once a wake took it out of the queue */
};

static struct wv_wa_bucket {
    pthread_mutex_t lock;
    struct wv_wa_waiter *head, *tail;
} wv_wa[WV_WA_BUCKETS] = {[0 ... WV_WA_BUCKETS - 1] = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL}};

static struct wv_wa_bucket *wv_wa_bucket(const volatile void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    return &wv_wa[((a >> 3) ^ (a >> 11)) % WV_WA_BUCKETS];
}

/* Whether *addr still holds *cmp (size bytes, read once each). */
static bool wv_wa_same(const volatile void *addr, const void *cmp, SIZE_T size)
{
    switch (size) {
    case 1:
        return __atomic_load_n((const volatile uint8_t *)addr, __ATOMIC_SEQ_CST) == *(const uint8_t *)cmp;
    case 2:
        return __atomic_load_n((const volatile uint16_t *)addr, __ATOMIC_SEQ_CST) == *(const uint16_t *)cmp;
    case 4:
        return __atomic_load_n((const volatile uint32_t *)addr, __ATOMIC_SEQ_CST) == *(const uint32_t *)cmp;
    default:
        return __atomic_load_n((const volatile uint64_t *)addr, __ATOMIC_SEQ_CST) == *(const uint64_t *)cmp;
    }
}

static void wv_wa_unlink(struct wv_wa_bucket *b, struct wv_wa_waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        b->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        b->tail = w->prev;
}

/* Takes w out unless a wake did: whether a wake did. */
static bool wv_wa_leave(struct wv_wa_bucket *b, struct wv_wa_waiter *w)
{
    pthread_mutex_lock(&b->lock);
    bool woken = __atomic_load_n(&w->woken, __ATOMIC_ACQUIRE) != 0;
    if (!woken)
        wv_wa_unlink(b, w);
    pthread_mutex_unlock(&b->lock);
    return woken;
}

NTSTATUS wv_addr_wait(const volatile void *addr, const void *cmp, SIZE_T size, void (*queued)(void *), void *arg,
                      DWORD ms)
{
    uint64_t deadline = wv_synch_deadline(ms);
    struct wv_wa_bucket *b = wv_wa_bucket(addr);
    struct wv_wa_waiter me = {addr, NULL, NULL, 0};
    pthread_mutex_lock(&b->lock);
    if (cmp && !wv_wa_same(addr, cmp, size)) {
        pthread_mutex_unlock(&b->lock);
        return STATUS_SUCCESS;
    }
    me.prev = b->tail;
    if (b->tail)
        b->tail->next = &me;
    else
        b->head = &me;
    b->tail = &me;
    pthread_mutex_unlock(&b->lock);
    if (queued)
        queued(arg);
    int r = 0;
    while (!__atomic_load_n(&me.woken, __ATOMIC_ACQUIRE) && r != ETIMEDOUT) {
        r = wv_futex_sleep(&me.woken, 0, deadline);
        if (r == EINTR && wv_thread_kill_pending() && !wv_wa_leave(b, &me))
            wv_thread_kill_point(); /* out of the queue: its record goes with its stack */
    }
    /* Woken or not, through the lock once more: a waker still inside its wake holds it, and
     * the record must outlive the wake's futex call. */
    return wv_wa_leave(b, &me) ? STATUS_SUCCESS : STATUS_TIMEOUT;
}

NTSTATUS wv_wait_address(const volatile void *addr, const void *cmp, SIZE_T size, DWORD ms)
{
    if (size != 1 && size != 2 && size != 4 && size != 8)
        return STATUS_INVALID_PARAMETER;
    return wv_addr_wait(addr, cmp, size, NULL, NULL, ms);
}

void wv_wake_address(const void *addr, bool all)
{
    if (!addr)
        return;
    struct wv_wa_bucket *b = wv_wa_bucket(addr);
    pthread_mutex_lock(&b->lock);
    for (struct wv_wa_waiter *w = b->head, *next; w; w = next) {
        next = w->next;
        if (w->addr != addr)
            continue;
        wv_wa_unlink(b, w);
        __atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
        /* Under the lock, which the waiter takes before its record goes (wv_wait_address). */
        wv_futex_wake(&w->woken, 1);
        if (!all)
            break;
    }
    pthread_mutex_unlock(&b->lock);
}

BOOL WINAPI WaitOnAddress(volatile void *addr, PVOID cmp, SIZE_T size, DWORD ms)
{
    NTSTATUS st = wv_wait_address(addr, cmp, size, ms);
    if (st == STATUS_SUCCESS)
        return TRUE;
    return wv_fail(st == STATUS_TIMEOUT ? ERROR_TIMEOUT : ERROR_INVALID_PARAMETER);
}

void WINAPI WakeByAddressSingle(PVOID addr) { wv_wake_address(addr, false); }
void WINAPI WakeByAddressAll(PVOID addr) { wv_wake_address(addr, true); }
