/* SPDX-License-Identifier: MIT */
/* dbgreg.c - the x64 debug registers (Dr0-Dr3, Dr6, Dr7) of every thread, and the breakpoints
 * they enable, emulated with the MMU and the trap flag: on the VM winvm runs on real hardware
 * breakpoints never fire (not through perf breakpoint events, not for gdb; semantics.md).
 *
 * State: one slot per thread that has a debug register set (its tid, Dr0-3, Dr6, Dr7), written
 * under the space lock, read without it through a sequence count (a Get of a thread parked in
 * winvm's code under the space lock must not wait for it; the exception path reads it in the
 * signal handler).  The pages the enabled breakpoints of all threads watch are held
 * inaccessible on the host and marked WV_DBG_ARMED (a hidden page bit: wv_prot_host answers
 * PROT_NONE for it, VirtualQuery never sees it), as the working-set watch holds its pages
 * (wswatch.c).
 *
 * A fault on such a page whose access the page's Windows state allows is decided here (fault.c
 * calls wv_dbg_fault with the space lock held):
 *   - an instruction fetch at Dr_n of the faulting thread's execute breakpoint (RW=00), RF not
 *     set for it: EXCEPTION_SINGLE_STEP before the instruction runs, Dr6's B_n set;
 *   - anything else (another thread's access, another address, a read under a write
 *     breakpoint, or a data breakpoint's hit, which fires after its instruction): the page gets
 *     its real protection, the thread runs that one instruction with the trap flag set, and its
 *     trace trap (wv_dbg_trap) puts the page back; for a hit, the trap raises
 *     EXCEPTION_SINGLE_STEP at the next instruction with Dr6's B_n set.
 * A data access hits when its faulting address (the first byte the processor reports) lies in
 * [Dr_n, Dr_n + len), Dr_n aligned down to len as the processor takes it.
 *
 * A CONTEXT that carries CONTEXT_DEBUG_REGISTERS and is given back to the thread (NtContinue,
 * an exception continued, SetThreadContext) sets its registers (wv_dbg_restore); EFlags' RF
 * (0x10000) skips an execute breakpoint at the context's Rip once, as the processor's resume
 * flag does.  The trap flag's own single step sets Dr6's BS (0x4000) in the thread's
 * registers, as the processor does (Wine's test_exceptions records it in the exception's
 * CONTEXT); a thread that set no debug registers keeps Dr6 0.
 */
#define _GNU_SOURCE
#include "fault/fault.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WV_DBG_SLOTS 64                   /* threads with debug registers at once */
#define WV_DBG_PAGES (WV_DBG_SLOTS * 4 * 2) /* each breakpoint spans at most two pages */
#define WV_EFL_TF 0x100
#define WV_EFL_RF 0x10000
#define WV_DR6_BS 0x4000 /* Dr6: the trap flag's single step */

struct wv_dbg_slot {
    unsigned seq; /* odd while written (space lock held) */
    DWORD tid;    /* 0: free */
    DWORD64 dr[4], dr6, dr7;
};

/* Written under the space lock; the slots read with their sequence counts. */
static struct wv_dbg_slot wv_dbg_slot[WV_DBG_SLOTS];
static uintptr_t wv_dbg_armed[WV_DBG_PAGES]; /* the pages marked WV_DBG_ARMED */
static size_t wv_dbg_narmed;
static unsigned wv_dbg_used; /* slots ever used: the scans stop there */

/* A thread's step through an armed page (its own, so async-signal-safe). */
struct wv_dbg_step {
    uintptr_t open[4]; /* pages opened for the instruction */
    int nopen;
    unsigned hit;      /* B0..B3 of data breakpoints the instruction hit */
    bool tf;           /* the trap flag was set before the step (the program's own) */
    uintptr_t rf_rip;  /* an execute breakpoint here is skipped once (RF); 0: none */
};
static __thread __attribute__((tls_model("initial-exec"))) struct wv_dbg_step wv_dbg_self;

static DWORD wv_dbg_gettid(void) { return wv_tid(); }

static bool wv_dbg_enabled(DWORD64 dr7, int n) { return (dr7 >> (2 * n)) & 3; }
static unsigned wv_dbg_rw(DWORD64 dr7, int n) { return (unsigned)(dr7 >> (16 + 4 * n)) & 3; }

static uintptr_t wv_dbg_len(DWORD64 dr7, int n)
{
    static const uintptr_t len[4] = {1, 2, 8, 4}; /* LEN: 00 1, 01 2, 10 8, 11 4 */
    return wv_dbg_rw(dr7, n) == 0 ? 1 : len[(dr7 >> (18 + 4 * n)) & 3];
}

/* The watched range of breakpoint n: [*lo, lo + len). */
static uintptr_t wv_dbg_range(const DWORD64 dr[4], DWORD64 dr7, int n, uintptr_t *len)
{
    *len = wv_dbg_len(dr7, n);
    return (uintptr_t)dr[n] & ~(*len - 1);
}

DWORD wv_dbg_check(DWORD64 dr7)
{
    for (int n = 0; n < 4; n++)
        if (wv_dbg_enabled(dr7, n) && wv_dbg_rw(dr7, n) == 2)
            return ERROR_NOT_SUPPORTED; /* an I/O breakpoint: no port access reaches here */
    return 0;
}

/* Reads tid's registers (0s when it has none) into out[6]: Dr0-3, Dr6, Dr7.  Lock-free. */
static void wv_dbg_read(DWORD tid, DWORD64 out[6])
{
    memset(out, 0, 6 * sizeof(DWORD64));
    unsigned used = __atomic_load_n(&wv_dbg_used, __ATOMIC_ACQUIRE);
    for (unsigned k = 0; k < used; k++) {
        struct wv_dbg_slot *s = &wv_dbg_slot[k];
        for (int tries = 0;; tries++) {
            unsigned seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
            /* A writer between its two stores (bounded: one parked there must not hang us). */
            if ((seq & 1) && tries < (1 << 16))
                continue;
            DWORD owner = __atomic_load_n(&s->tid, __ATOMIC_RELAXED);
            DWORD64 v[6] = {s->dr[0], s->dr[1], s->dr[2], s->dr[3], s->dr6, s->dr7};
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq && tries < (1 << 16))
                continue;
            if (owner == tid) {
                memcpy(out, v, sizeof(v));
                return;
            }
            break;
        }
    }
}

void wv_dbg_get(DWORD tid, CONTEXT *c)
{
    DWORD64 v[6];
    wv_dbg_read(tid, v);
    c->Dr0 = v[0], c->Dr1 = v[1], c->Dr2 = v[2], c->Dr3 = v[3], c->Dr6 = v[4], c->Dr7 = v[5];
}

void wv_dbg_get_self(CONTEXT *c)
{
    wv_dbg_get(wv_dbg_gettid(), c);
    c->ContextFlags |= CONTEXT_DEBUG_REGISTERS;
}

/* Marks or unmarks the page at pa (lock held): its host protection follows. */
static void wv_dbg_mark(uintptr_t pa, bool on)
{
    struct wv_view *v = wv_space_find(pa);
    if (!v || pa >= v->base + v->npages * WV_PAGE_SIZE)
        return; /* no memory of winvm's there: nothing can be armed */
    size_t i = wv_view_index(v, pa);
    wv_page_t was = v->page[i], now = on ? (wv_page_t)(was | WV_DBG_ARMED) : (wv_page_t)(was & ~WV_DBG_ARMED);
    if (was == now)
        return;
    v->page[i] = now;
    wv_os_protect(pa, WV_PAGE_SIZE, wv_prot_host(now));
}

static bool wv_dbg_has(const uintptr_t *set, size_t n, uintptr_t pa)
{
    for (size_t k = 0; k < n; k++)
        if (set[k] == pa)
            return true;
    return false;
}

/* Lock held: the armed pages made the union of every slot's enabled breakpoints' pages. */
static void wv_dbg_rearm(void)
{
    /* Not on the stack: under the space lock a PE thread's stack must not grow (its guard
     * fault could not be served), and 4 KiB could reach past what it has committed. */
    static uintptr_t want[WV_DBG_PAGES];
    size_t nw = 0;
    for (unsigned k = 0; k < wv_dbg_used; k++) {
        const struct wv_dbg_slot *s = &wv_dbg_slot[k];
        for (int n = 0; s->tid && n < 4; n++) {
            if (!wv_dbg_enabled(s->dr7, n))
                continue;
            uintptr_t len, lo = wv_dbg_range(s->dr, s->dr7, n, &len);
            uintptr_t first = wv_page_down(lo), last = wv_page_down(lo + len - 1);
            for (uintptr_t pa = first; pa <= last && pa >= first; pa += WV_PAGE_SIZE)
                if (!wv_dbg_has(want, nw, pa))
                    want[nw++] = pa;
        }
    }
    for (size_t k = 0; k < wv_dbg_narmed; k++)
        if (!wv_dbg_has(want, nw, wv_dbg_armed[k]))
            wv_dbg_mark(wv_dbg_armed[k], false);
    for (size_t k = 0; k < nw; k++)
        wv_dbg_mark(want[k], true); /* again for one armed already: a new view may be there */
    memcpy(wv_dbg_armed, want, nw * sizeof(want[0]));
    wv_dbg_narmed = nw;
}

/* Lock held: tid's slot, or a free one for it (NULL: none left). */
static struct wv_dbg_slot *wv_dbg_slot_of(DWORD tid, bool make)
{
    struct wv_dbg_slot *free_one = NULL;
    for (unsigned k = 0; k < wv_dbg_used; k++) {
        if (wv_dbg_slot[k].tid == tid)
            return &wv_dbg_slot[k];
        if (!wv_dbg_slot[k].tid && !free_one)
            free_one = &wv_dbg_slot[k];
    }
    if (!make)
        return NULL;
    if (!free_one && wv_dbg_used < WV_DBG_SLOTS)
        free_one = &wv_dbg_slot[wv_dbg_used], __atomic_store_n(&wv_dbg_used, wv_dbg_used + 1, __ATOMIC_RELEASE);
    return free_one;
}

static void wv_dbg_write(struct wv_dbg_slot *s, DWORD tid, const DWORD64 v[6])
{
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    s->dr[0] = v[0], s->dr[1] = v[1], s->dr[2] = v[2], s->dr[3] = v[3], s->dr6 = v[4], s->dr7 = v[5];
    __atomic_store_n(&s->tid, tid, __ATOMIC_RELAXED);
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

DWORD wv_dbg_set(DWORD tid, const CONTEXT *c)
{
    DWORD64 v[6] = {c->Dr0, c->Dr1, c->Dr2, c->Dr3, c->Dr6, c->Dr7}, cur[6];
    DWORD err = wv_dbg_check(c->Dr7);
    if (err)
        return err;
    wv_dbg_read(tid, cur);
    if (!memcmp(v, cur, sizeof(v)))
        return 0; /* unchanged (every continued exception gives its registers back) */
    bool none = !(v[0] | v[1] | v[2] | v[3] | v[4] | v[5]);
    wv_space_lock();
    struct wv_dbg_slot *s = wv_dbg_slot_of(tid, !none);
    if (s) {
        DWORD64 zero[6] = {0};
        wv_dbg_write(s, none ? 0 : tid, none ? zero : v);
        wv_dbg_rearm();
    } else if (!none)
        err = ERROR_NOT_ENOUGH_MEMORY; /* WV_DBG_SLOTS threads have debug registers already */
    wv_space_unlock();
    return err;
}

void wv_dbg_stepped(void)
{
    DWORD64 cur[6];
    DWORD tid = wv_dbg_gettid();
    wv_dbg_read(tid, cur);
    if (!(cur[0] | cur[1] | cur[2] | cur[3] | cur[4] | cur[5]) || (cur[4] & WV_DR6_BS) ||
        wv_space_locked_by_self())
        return; /* no registers of its own, BS already there, or a step inside the lock */
    wv_space_lock();
    struct wv_dbg_slot *s = wv_dbg_slot_of(tid, false);
    if (s) {
        DWORD64 v[6] = {s->dr[0], s->dr[1], s->dr[2], s->dr[3], s->dr6 | WV_DR6_BS, s->dr7};
        wv_dbg_write(s, tid, v);
    }
    wv_space_unlock();
}

void wv_dbg_forget(DWORD tid)
{
    CONTEXT c;
    memset(&c, 0, sizeof(c));
    wv_dbg_set(tid, &c);
}

void wv_dbg_restore(const CONTEXT *c)
{
    if ((c->ContextFlags & CONTEXT_DEBUG_REGISTERS & 0xff) && !wv_dbg_check(c->Dr7))
        wv_dbg_set(wv_dbg_gettid(), c);
    if (c->EFlags & WV_EFL_RF)
        wv_dbg_self.rf_rip = (uintptr_t)c->Rip;
}

/* The faulting thread's breakpoints (lock held: no writer runs). */
static const struct wv_dbg_slot *wv_dbg_mine(void)
{
    return wv_dbg_slot_of(wv_dbg_gettid(), false);
}

/* Opens page pa for one instruction of this thread: trap flag set, page remembered. */
static void wv_dbg_open(wv_page_t page, uintptr_t pa, ucontext_t *uc)
{
    struct wv_dbg_step *st = &wv_dbg_self;
    greg_t *g = uc->uc_mcontext.gregs;
    if (st->nopen == 0)
        st->tf = (g[REG_EFL] & WV_EFL_TF) != 0;
    if (st->nopen < 4 && !wv_dbg_has(st->open, (size_t)st->nopen, pa))
        st->open[st->nopen++] = pa;
    wv_os_protect(pa, WV_PAGE_SIZE, wv_prot_host((wv_page_t)(page & ~WV_DBG_ARMED)));
    g[REG_EFL] |= WV_EFL_TF;
}

int wv_dbg_fault(struct wv_view *v, size_t i, uintptr_t addr, int access, ucontext_t *uc, DWORD *code)
{
    wv_assert(wv_space_locked_by_self());
    wv_page_t page = v->page[i];
    if (!wv_page_allows(page, access))
        return WV_DBG_NONE; /* an access violation whatever the breakpoints */
    const struct wv_dbg_slot *s = wv_dbg_mine();
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    unsigned hit = 0;
    for (int n = 0; s && n < 4; n++) {
        if (!wv_dbg_enabled(s->dr7, n))
            continue;
        unsigned rw = wv_dbg_rw(s->dr7, n);
        uintptr_t len, lo = wv_dbg_range(s->dr, s->dr7, n, &len);
        if (access == WV_EXEC && rw == 0 && lo == rip && wv_dbg_self.rf_rip != rip)
            hit |= 1u << n;
        else if (access != WV_EXEC && (rw == 3 || (rw == 1 && access == WV_WRITE)) && addr >= lo && addr < lo + len)
            wv_dbg_self.hit |= 1u << n;
    }
    if (access == WV_EXEC && wv_dbg_self.rf_rip == rip)
        wv_dbg_self.rf_rip = 0; /* RF: this one instruction runs */
    if (hit) {
        struct wv_dbg_slot *w = (struct wv_dbg_slot *)s;
        DWORD64 v6[6] = {w->dr[0], w->dr[1], w->dr[2], w->dr[3], (w->dr6 & ~(DWORD64)0xf) | hit, w->dr7};
        wv_dbg_write(w, w->tid, v6);
        *code = EXCEPTION_SINGLE_STEP;
        return WV_DBG_RAISE;
    }
    wv_dbg_open(page, wv_page_down(addr), uc);
    return WV_DBG_STEP;
}

/* Puts back the pages this thread's step opened; the data breakpoints its instruction hit
 * recorded in its Dr6.  True when there were hits. */
static bool wv_dbg_close(void)
{
    struct wv_dbg_step *st = &wv_dbg_self;
    wv_space_lock();
    for (int k = 0; k < st->nopen; k++) {
        struct wv_view *v = wv_space_find(st->open[k]);
        if (v && st->open[k] < v->base + v->npages * WV_PAGE_SIZE) {
            wv_page_t page = v->page[wv_view_index(v, st->open[k])];
            if (page & WV_DBG_ARMED)
                wv_os_protect(st->open[k], WV_PAGE_SIZE, wv_prot_host(page));
        }
    }
    unsigned hit = st->hit;
    struct wv_dbg_slot *s = hit ? wv_dbg_slot_of(wv_dbg_gettid(), false) : NULL;
    if (s) {
        DWORD64 v6[6] = {s->dr[0], s->dr[1], s->dr[2], s->dr[3], (s->dr6 & ~(DWORD64)0xf) | hit, s->dr7};
        wv_dbg_write(s, s->tid, v6);
    }
    wv_space_unlock();
    st->nopen = 0, st->hit = 0;
    return s != NULL;
}

void wv_dbg_settle(void)
{
    if (wv_dbg_self.nopen)
        wv_dbg_close(); /* its instruction raised another exception: no trace trap comes */
}

int wv_dbg_trap(ucontext_t *uc)
{
    struct wv_dbg_step *st = &wv_dbg_self;
    if (!st->nopen)
        return WV_DBG_NONE;
    bool hit = wv_dbg_close();
    if (!st->tf)
        uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)WV_EFL_TF;
    /* A data breakpoint's exception is raised as a trace trap; a trap flag that was set before
     * (the program's single step, a suspended thread stepping out of winvm) is its owner's. */
    return hit ? WV_DBG_RAISE : st->tf ? WV_DBG_NONE : WV_DBG_STEP;
}
