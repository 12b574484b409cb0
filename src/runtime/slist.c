/* SPDX-License-Identifier: MIT */
/* slist.c - interlocked singly linked lists (SLists): kernel32's InitializeSListHead,
 * InterlockedPush/Pop/FlushSList, ... and ntdll's Rtl* names, with Windows 8's x64 header
 * (winvm/slist.h): the depth and a 48-bit sequence in one quadword, the first entry's address
 * in the other, both changed by one cmpxchg16b.  Lock-free: every change bumps the sequence,
 * so a pop that read the first entry and its Next fails its exchange if the list changed in
 * between, even when the same entry is first again (ABA).
 *
 * A pop reads first->Next after another thread may have popped that entry and freed its
 * memory.  Windows' kernel recognises a fault at that read in its pop and restarts the pop;
 * here the read is a guarded access (fault/copy.c, wv_user_get64): a fault there returns an
 * error and the pop starts over with the header as it is now. */
#include "runtime/runtime.h"
#include "runtime/synch_int.h"
#include "runtime/pool_int.h"
#include <winvm/slist.h>

#include <sched.h>

/* Pops that met a fault at that read and started over (pool_int.h). */
unsigned long wv_sl_faults;

#define WV_SL_PTR(w) ((PSLIST_ENTRY)(uintptr_t)((w) & ~(uint64_t)0xf)) /* NextEntry << 4 */
#define WV_SL_FLAGS(w) ((w) & 0xf)
#define WV_SL_DEPTH(w) ((w) & 0xffff)
#define WV_SL_SEQ1 ((uint64_t)1 << 16)

struct wv_sl {
    uint64_t lo, hi; /* Depth | Sequence << 16; NextEntry << 4 | flags */
};

/* One cmpxchg16b: *h becomes nw when it holds *old; else *old is what it holds. */
static bool wv_sl_cas(PSLIST_HEADER h, struct wv_sl *old, struct wv_sl nw)
{
    bool ok;
    __asm__ __volatile__("lock cmpxchg16b %1"
                         : "=@ccz"(ok), "+m"(*h), "+a"(old->lo), "+d"(old->hi)
                         : "b"(nw.lo), "c"(nw.hi)
                         : "memory");
    return ok;
}

/* The two quadwords, read apart: a torn pair only makes the exchange fail. */
static struct wv_sl wv_sl_read(const SLIST_HEADER *h)
{
    const volatile uint64_t *q = (const volatile uint64_t *)h;
    struct wv_sl s;
    s.lo = q[0];
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    s.hi = q[1];
    return s;
}

void WINAPI InitializeSListHead(PSLIST_HEADER h)
{
    volatile uint64_t *q = (volatile uint64_t *)h;
    q[0] = 0, q[1] = 0;
}

static PSLIST_ENTRY wv_sl_push(PSLIST_HEADER h, PSLIST_ENTRY first, PSLIST_ENTRY last, ULONG count)
{
    struct wv_sl old = wv_sl_read(h), nw;
    do {
        last->Next = WV_SL_PTR(old.hi);
        nw.lo = ((old.lo & ~(uint64_t)0xffff) + WV_SL_SEQ1) | ((old.lo + count) & 0xffff);
        nw.hi = (uint64_t)(uintptr_t)first | WV_SL_FLAGS(old.hi);
    } while (!wv_sl_cas(h, &old, nw));
    return WV_SL_PTR(old.hi);
}

PSLIST_ENTRY WINAPI InterlockedPushEntrySList(PSLIST_HEADER h, PSLIST_ENTRY e) { return wv_sl_push(h, e, e, 1); }

PSLIST_ENTRY WINAPI InterlockedPushListSListEx(PSLIST_HEADER h, PSLIST_ENTRY first, PSLIST_ENTRY last, ULONG count)
{
    return wv_sl_push(h, first, last, count);
}

PSLIST_ENTRY WINAPI InterlockedPopEntrySList(PSLIST_HEADER h)
{
    wv_fault_attach(); /* the guarded read's fault handler */
    struct wv_sl old = wv_sl_read(h), nw;
    for (;;) {
        PSLIST_ENTRY first = WV_SL_PTR(old.hi);
        if (!first)
            return NULL;
        uint64_t next;
        if (wv_user_get64(&first->Next, &next)) {
            __atomic_add_fetch(&wv_sl_faults, 1, __ATOMIC_RELAXED);
            /* The entry went away under us: its popper changed the header.  If the header is
             * the same, the list itself is broken; Windows' restart loops there too. */
            struct wv_sl now = wv_sl_read(h);
            if (now.lo == old.lo && now.hi == old.hi)
                sched_yield();
            old = now;
            continue;
        }
        nw.lo = ((old.lo & ~(uint64_t)0xffff) + WV_SL_SEQ1) | ((old.lo - 1) & 0xffff);
        nw.hi = (next & ~(uint64_t)0xf) | WV_SL_FLAGS(old.hi);
        if (wv_sl_cas(h, &old, nw))
            return first;
    }
}

/* Windows 8 and later: the depth is 0 after a flush, an empty list's included (Wine's test
 * accepts it as `broken`: older Windows kept an empty list's depth). */
PSLIST_ENTRY WINAPI InterlockedFlushSList(PSLIST_HEADER h)
{
    struct wv_sl old = wv_sl_read(h), nw;
    do {
        if (!WV_SL_PTR(old.hi) && !WV_SL_DEPTH(old.lo))
            return NULL;
        nw.lo = (old.lo & ~(uint64_t)0xffff) + WV_SL_SEQ1;
        nw.hi = WV_SL_FLAGS(old.hi);
    } while (!wv_sl_cas(h, &old, nw));
    return WV_SL_PTR(old.hi);
}

USHORT WINAPI QueryDepthSList(PSLIST_HEADER h) { return (USHORT)WV_SL_DEPTH(wv_sl_read(h).lo); }

PSLIST_ENTRY WINAPI RtlFirstEntrySList(const SLIST_HEADER *h) { return WV_SL_PTR(wv_sl_read(h).hi); }

/* ---- PE code's entries (ms_abi): kernel32's names (k32_exports.c) and ntdll's (ntdll.c) ---- */
#define WV_SL_ENTRY(ret, name) WV_SY_ABI ret wv_sl_##name
#define WV_ENTER() wv_seg_check()

WV_SL_ENTRY(void, InitializeSListHead)(PSLIST_HEADER h) { WV_ENTER(), InitializeSListHead(h); }
WV_SL_ENTRY(PSLIST_ENTRY, InterlockedPushEntrySList)(PSLIST_HEADER h, PSLIST_ENTRY e)
{
    WV_ENTER();
    return wv_sl_push(h, e, e, 1);
}
WV_SL_ENTRY(PSLIST_ENTRY, InterlockedPopEntrySList)(PSLIST_HEADER h)
{
    WV_ENTER();
    return InterlockedPopEntrySList(h);
}
WV_SL_ENTRY(PSLIST_ENTRY, InterlockedFlushSList)(PSLIST_HEADER h)
{
    WV_ENTER();
    return InterlockedFlushSList(h);
}
WV_SL_ENTRY(USHORT, QueryDepthSList)(PSLIST_HEADER h)
{
    WV_ENTER();
    return QueryDepthSList(h);
}
WV_SL_ENTRY(PSLIST_ENTRY, InterlockedPushListSListEx)(PSLIST_HEADER h, PSLIST_ENTRY first, PSLIST_ENTRY last,
                                                      ULONG count)
{
    WV_ENTER();
    return wv_sl_push(h, first, last, count);
}
WV_SL_ENTRY(PSLIST_ENTRY, RtlFirstEntrySList)(const SLIST_HEADER *h)
{
    WV_ENTER();
    return RtlFirstEntrySList(h);
}
