/* SPDX-License-Identifier: MIT */
/* fault.c - SIGSEGV and SIGBUS: what a fault on winvm memory means in Windows' terms.
 *
 * One handler for the process, installed the first time winvm is used, running on a per-thread
 * alternate stack (so a stack overflow can still be reported).  It decides in Windows' order:
 *   1. a guard page: clear PAGE_GUARD on that page only and raise STATUS_GUARD_PAGE_VIOLATION;
 *   2. a page the working-set watch holds until its first touch (mm/wswatch.c): record it,
 *      resume; a write-watch page write-protected by the fallback tracking: record it, resume;
 *   2b. a page a debug register's breakpoint watches (fault/dbgreg.c): an execute breakpoint of
 *      the faulting thread is EXCEPTION_SINGLE_STEP before its instruction; any other access
 *      runs once on the opened page under the trap flag (a data breakpoint's exception follows
 *      its trace trap, wv_on_trap);
 *   3. a page whose state allows the access (another thread changed it meanwhile): resume;
 *   4. otherwise STATUS_ACCESS_VIOLATION (STATUS_IN_PAGE_ERROR for SIGBUS).
 * Faults on memory winvm does not manage go to the handler that was installed before ours,
 * with the same arguments, except faults on unmapped addresses while this thread is inside a
 * winvm_try or a vectored handler is registered: those are Windows access violations too.
 *
 * The handler takes the state-model lock, never while this thread already holds it (a fault
 * inside winvm itself, or in a signal handler that interrupted winvm): such a fault is not
 * ours to explain and is chained.  It allocates nothing.
 */
#define _GNU_SOURCE
#include "fault/fault.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WV_ALTSTACK_SIZE ((size_t)256 * 1024)

static struct sigaction wv_prev_segv, wv_prev_bus, wv_prev_ill, wv_prev_fpe, wv_prev_trap;

bool (*volatile wv_fault_pe_hook)(EXCEPTION_RECORD *rec, ucontext_t *uc);
bool (*volatile wv_fault_step_hook)(ucontext_t *uc);
static pthread_once_t wv_install_once = PTHREAD_ONCE_INIT;
static pthread_key_t wv_altstack_key;
__thread __attribute__((tls_model("initial-exec"))) bool wv_fault_thread_ready;

/* The x86-64 page-fault error code says write (bit 1) and instruction fetch (bit 4); bit 2
 * (user mode) tells that it is there at all.  Without it (valgrind), guess from the state:
 * a fault at the instruction pointer is an execute, a fault on a readable page a write. */
static int wv_access_kind(const ucontext_t *uc, uintptr_t addr, const struct wv_view *v)
{
    unsigned long err = (unsigned long)uc->uc_mcontext.gregs[REG_ERR];
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (err & 0x10)
        return WV_EXEC;
    if (err & 0x4)
        return (err & 0x2) ? WV_WRITE : WV_READ;
    if (wv_page_down(rip) == wv_page_down(addr))
        return WV_EXEC;
    if (v && wv_page_allows(v->page[wv_view_index(v, addr)], WV_READ))
        return WV_WRITE;
    return WV_READ;
}

static void wv_chain(int sig, siginfo_t *si, void *ctx)
{
    const struct sigaction *prev = sig == SIGBUS ? &wv_prev_bus : sig == SIGILL ? &wv_prev_ill
                                 : sig == SIGFPE ? &wv_prev_fpe : sig == SIGTRAP ? &wv_prev_trap : &wv_prev_segv;
    if ((prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction) {
        prev->sa_sigaction(sig, si, ctx);
        return;
    }
    if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
        prev->sa_handler(sig);
        return;
    }
    /* Nobody else wants it: the default action, which the retried access now triggers. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    if (si->si_code <= 0 || sig == SIGTRAP) /* sent, or a trap: it will not happen again by itself */
        raise(sig);
}

enum wv_verdict { WV_CHAIN, WV_RETRY, WV_RAISE };

bool (*wv_fault_thread_stack)(struct wv_thread_stack *out);

/* A guard page at page i (address pa) of v was touched, its guard cleared (lock held).  A
 * thread stack grows silently (true: the access runs again) and only its end is an exception
 * (*code STATUS_STACK_OVERFLOW): a stack winvm made, or the memory the thread's TEB names as
 * its stack, as Windows decides (a program may switch to a stack it reserved itself).  The
 * TEB's StackLimit follows the lowest committed page. */
static bool wv_stack_guard_hit(struct wv_view *v, size_t i, uintptr_t pa, DWORD *code)
{
    struct wv_thread_stack ts = {0};
    bool teb = wv_fault_thread_stack && wv_fault_thread_stack(&ts) && pa >= ts.dealloc && pa < ts.base &&
               v->base == ts.dealloc;
    if (!(v->flags & WV_VIEW_STACK) && !teb)
        return false;
    size_t pages = wv_stack_guarantee_pages(teb ? ts.guaranteed : 0);
    bool grew = wv_stack_touch(v, i, pages);
    if (!grew)
        *code = STATUS_STACK_OVERFLOW;
    if (teb && ts.limit) {
        if (grew)
            *ts.limit = pa; /* even above where a program had put it: Windows' limit follows the touch */
        else if (v->base + WV_PAGE_SIZE < *ts.limit)
            *ts.limit = v->base + WV_PAGE_SIZE; /* the guarantee committed */
    }
    return grew;
}

/* A reserved page of this thread's own stack touched at or just below its stack pointer: a
 * frame of host code that skipped the guard page (no stack-clash probes), so the stack grows
 * down to it as though each page had been touched in turn (stack.c).  Lock held. */
static bool wv_stack_skip_hit(struct wv_view *v, size_t i, uintptr_t pa, uintptr_t sp)
{
    if (!(v->flags & WV_VIEW_STACK) || v->base != wv_stack_lo || pa + WV_PAGE_SIZE + 128 < sp ||
        i <= WV_STACK_GUARANTEE_PAGES + 1)
        return false;
    wv_stack_commit_from(v, i);
    wv_stack_grow(v, i);
    struct wv_thread_stack ts = {0};
    if (wv_fault_thread_stack && wv_fault_thread_stack(&ts) && ts.limit && ts.dealloc == v->base)
        *ts.limit = pa;
    return true;
}

/* Classifies a fault on addr; for WV_RAISE fills *code and *access. */
static enum wv_verdict wv_classify(int sig, uintptr_t addr, ucontext_t *uc, DWORD *code,
                                   int *access)
{
    wv_space_lock();
    struct wv_view *v = wv_space_find(addr);
    *access = wv_access_kind(uc, addr, v);
    if (!v) {
        /* In flight (mm/inflight.c): free to everyone but its owner, so an access violation;
         * still being placed: unknown for one syscall, so the access runs again. */
        uintptr_t flight_end;
        int flight = wv_inflight_state(addr, &flight_end);
        /* Under the lock: see wv_virtual_query.  A reservation's tail is ours (R7, mm/region.c). */
        bool foreign = !flight && !wv_space_tail_end(addr) &&
                       wv_page_down(addr) != wv_os_anchor_page() && wv_os_mapped(addr) &&
                       !wv_syspage_at(addr); /* KUSER_SHARED_DATA: a write is an access violation */
        wv_space_unlock();
        if (flight == WV_INFLIGHT_PLACING)
            return sched_yield(), WV_RETRY;
        if (!wv_exceptions_wanted() || foreign)
            return WV_CHAIN;
        *code = sig == SIGBUS ? STATUS_IN_PAGE_ERROR : STATUS_ACCESS_VIOLATION;
        return WV_RAISE;
    }
    enum wv_verdict verdict = WV_RAISE;
    int dbg;
    size_t i = wv_view_index(v, addr);
    wv_view_sync_commits(v, i, 1); /* another view may have committed it (SEC_RESERVE) */
    wv_page_t page = v->page[i];
    uintptr_t pa = wv_page_down(addr);
    *code = STATUS_ACCESS_VIOLATION;
    if (sig == SIGBUS) {
        *code = STATUS_IN_PAGE_ERROR;
    } else if ((page & WV_WS_ARMED) &&
               wv_wswatch_fault(v, i, addr, (uintptr_t)uc->uc_mcontext.gregs[REG_RIP], *access)) {
        verdict = WV_RETRY; /* the page's first touch, recorded (working-set watch) */
    } else if ((page & WV_COMMITTED) && (page & WV_GUARD)) {
        /* One shot: the guard goes from this page only, then the exception is raised. */
        wv_view_update(v, i, 1, (wv_page_t)~WV_GUARD, 0);
        wv_os_protect(pa, WV_PAGE_SIZE, wv_prot_host(v->page[i]));
        *code = STATUS_GUARD_PAGE_VIOLATION;
        if (wv_stack_guard_hit(v, i, pa, code))
            verdict = WV_RETRY;
    } else if (!(page & WV_COMMITTED) && wv_stack_skip_hit(v, i, pa, (uintptr_t)uc->uc_mcontext.gregs[REG_RSP])) {
        verdict = WV_RETRY;
    } else if (*access == WV_WRITE && wv_watch_fault(v, i)) {
        verdict = WV_RETRY;
    } else if ((page & WV_DBG_ARMED) && (dbg = wv_dbg_fault(v, i, addr, *access, uc, code)) != WV_DBG_NONE) {
        verdict = dbg == WV_DBG_STEP ? WV_RETRY : WV_RAISE; /* a debug register's page (dbgreg.c) */
    } else if (wv_page_allows(page, *access) && !(*access == WV_WRITE && (page & WV_WATCH_WP))) {
        /* The state moved on since the fault (another thread's VirtualProtect): make sure the
         * host agrees, then let the access run again.  Not for a tracked clean page that
         * wv_watch_fault could not open (mprotect failed): its retry would fault forever, so
         * it is reported as an access violation. */
        wv_os_protect(pa, WV_PAGE_SIZE, wv_prot_host(page));
        verdict = WV_RETRY;
    }
    wv_space_unlock();
    return verdict;
}

/* The record of an access fault: code, the kind of access and the address, as Windows. */
static void wv_fault_record(EXCEPTION_RECORD *rec, DWORD code, int access, uintptr_t addr, const ucontext_t *uc)
{
    memset(rec, 0, sizeof(*rec));
    rec->ExceptionCode = code;
    rec->ExceptionAddress = (PVOID)uc->uc_mcontext.gregs[REG_RIP];
    if (code == EXCEPTION_SINGLE_STEP)
        return; /* an execute breakpoint (dbgreg.c): no parameters */
    rec->NumberParameters = 2;
    rec->ExceptionInformation[0] = (ULONG_PTR)access;
    rec->ExceptionInformation[1] = addr;
    if (code == STATUS_IN_PAGE_ERROR) {
        rec->NumberParameters = 3;
        rec->ExceptionInformation[2] = 0xC000009Cu; /* STATUS_DEVICE_DATA_ERROR */
    }
}

/* A breakpoint's trap left Rip one past the byte its handlers see it at (int3, int 0x2d):
 * backed up for the fault handler's own dispatch, as seh/dispatch.c does for PE code. */
static void wv_breakpoint_back(const EXCEPTION_RECORD *rec, ucontext_t *uc)
{
    if (rec->ExceptionCode == EXCEPTION_BREAKPOINT &&
        (uintptr_t)rec->ExceptionAddress + 1 == (uintptr_t)uc->uc_mcontext.gregs[REG_RIP])
        uc->uc_mcontext.gregs[REG_RIP]--;
}

__attribute__((used)) static void wv_on_fault(int sig, siginfo_t *si, void *ctx)
{
    int saved_errno = errno;
    ucontext_t *uc = ctx;
    uintptr_t addr = (uintptr_t)si->si_addr;
    DWORD code = 0;
    int access = WV_READ;
    enum wv_verdict verdict;

    if (wv_seg_refault(sig, si, uc))
        verdict = WV_RETRY; /* through fs or gs while PE code had nulled its base (seg.c) */
    else if (wv_space_locked_by_self() && si->si_code > 0 && sig == SIGSEGV &&
             wv_stack_defer(addr, (uintptr_t)uc->uc_mcontext.gregs[REG_RSP]))
        verdict = WV_RETRY; /* winvm's frames under the lock grew the stack (mm/stack.c) */
    else if (wv_space_locked_by_self() || si->si_code <= 0)
        verdict = WV_CHAIN; /* ours to explain only when the MMU raised it, outside winvm */
    else if (si->si_code == SI_KERNEL && sig == SIGSEGV) {
        /* A general-protection fault: no address to look at (its record: gp.c). */
        verdict = wv_exceptions_wanted() ? WV_RAISE : WV_CHAIN;
        code = STATUS_ACCESS_VIOLATION;
        addr = ~(uintptr_t)0;
    } else
        verdict = wv_classify(sig, addr, uc, &code, &access);

    if (verdict != WV_RETRY && wv_user_fault(uc))
        verdict = WV_RETRY; /* a bad pointer handed to winvm: the access fails, nothing else */
    bool (*hook)(EXCEPTION_RECORD *, ucontext_t *) = wv_fault_pe_hook;
    if (verdict == WV_CHAIN && hook && si->si_code > 0 && !wv_space_locked_by_self()) {
        /* Not winvm's memory, but maybe PE code's fault (a NULL pointer, a call through one):
         * an access violation for its frames, as Windows raises it; anyone else's is chained. */
        EXCEPTION_RECORD rec;
        if (si->si_code == SI_KERNEL && sig == SIGSEGV) {
            if (!wv_gp_record(&rec, uc)) /* a debug service that raises nothing */
                goto out;
        } else
            wv_fault_record(&rec, STATUS_ACCESS_VIOLATION, access, addr, uc);
        if (!hook(&rec, uc))
            wv_chain(sig, si, ctx);
    } else if (verdict == WV_CHAIN) {
        wv_chain(sig, si, ctx);
    } else if (verdict == WV_RAISE) {
        EXCEPTION_RECORD rec;
        wv_dbg_settle(); /* a debug register's step that faulted elsewhere: its pages held again */
        if (si->si_code == SI_KERNEL && sig == SIGSEGV) {
            if (!wv_gp_record(&rec, uc)) /* a debug service that raises nothing */
                goto out;
        } else
            wv_fault_record(&rec, code, access, addr, uc);
        if (!hook || !hook(&rec, uc)) {
            if (wv_fault_is_fastfail(&rec)) /* outside PE code: no debugger to tell from here */
                wv_fault_exit(rec.ExceptionCode);
            wv_breakpoint_back(&rec, uc);
            wv_dispatch(&rec, uc);
        }
    }
out:
    errno = saved_errno;
}

/* SIGTRAP's record as Windows': int3 (SI_KERNEL) is EXCEPTION_BREAKPOINT at the int3, the
 * CONTEXT's Rip past it as the trap left it (what a debugger reads; the dispatcher backs it
 * up for the program's handlers); the trap flag's single step is EXCEPTION_SINGLE_STEP, the
 * flag cleared as the processor's trap clears it on Windows. */
static void wv_trap_record(EXCEPTION_RECORD *rec, const siginfo_t *si, ucontext_t *uc)
{
    greg_t *g = uc->uc_mcontext.gregs;
    if (si->si_code == SI_KERNEL) {
        rec->ExceptionCode = EXCEPTION_BREAKPOINT;
        rec->ExceptionAddress = (PVOID)(g[REG_RIP] - 1);
        rec->NumberParameters = 1; /* BREAKPOINT_BREAK */
    } else {
        rec->ExceptionCode = EXCEPTION_SINGLE_STEP;
        rec->ExceptionAddress = (PVOID)g[REG_RIP];
        g[REG_EFL] &= ~(greg_t)0x100;
        wv_dbg_stepped(); /* Dr6's BS, before the exception's CONTEXT reads the registers */
    }
}

/* SIGILL, SIGFPE and SIGTRAP: Windows exceptions for PE code (the hook decides) and, when an
 * exception handler or winvm_try waits (or under `winvm run`), for any code; anything else is
 * passed on as before winvm was here. */
__attribute__((used)) static void wv_on_trap(int sig, siginfo_t *si, void *ctx)
{
    int saved_errno = errno;
    ucontext_t *uc = ctx;
    bool (*step)(ucontext_t *) = wv_fault_step_hook;
    bool trace = sig == SIGTRAP && si->si_code == TRAP_TRACE;
    int dbg = trace ? wv_dbg_trap(uc) : WV_DBG_NONE; /* a debug register's step (dbgreg.c) first */
    if (dbg == WV_DBG_STEP || (dbg == WV_DBG_NONE && trace && step && step(uc))) {
        errno = saved_errno;
        return;
    }
    if (dbg == WV_DBG_NONE)
        wv_dbg_settle(); /* a debug register's step that raised something else */
    bool (*hook)(EXCEPTION_RECORD *, ucontext_t *) = wv_fault_pe_hook;
    EXCEPTION_RECORD rec;
    memset(&rec, 0, sizeof(rec));
    rec.ExceptionCode = si->si_code == ILL_PRVOPC ? 0xC0000096u /* STATUS_PRIVILEGED_INSTRUCTION */
                                                  : 0xC000001Du; /* STATUS_ILLEGAL_INSTRUCTION */
    rec.ExceptionAddress = (PVOID)uc->uc_mcontext.gregs[REG_RIP];
    greg_t efl = uc->uc_mcontext.gregs[REG_EFL];
    if (sig == SIGFPE)
        wv_fpe_record(&rec, si->si_code, uc);
    else if (sig == SIGTRAP)
        wv_trap_record(&rec, si, uc);
    bool ours = si->si_code > 0 && !wv_space_locked_by_self();
    if (ours && hook && hook(&rec, uc)) {
        errno = saved_errno;
        return;
    }
    if (ours && wv_exceptions_wanted()) {
        /* Code outside PE images and function tables (code written to VirtualAlloc'd memory)
         * while a handler or try waits, or under `winvm run`: the fault handler's dispatch,
         * as for its access faults.  A breakpoint is seen at the int3, as the PE dispatcher
         * shows it. */
        wv_breakpoint_back(&rec, uc);
        wv_dispatch(&rec, uc);
    } else
        uc->uc_mcontext.gregs[REG_EFL] = efl, wv_chain(sig, si, ctx);
    errno = saved_errno;
}

/* The handlers' entries: the fs and gs bases first, before any TLS access (seg.c). */
void wv_on_fault_entry(int sig, siginfo_t *si, void *ctx);
void wv_on_trap_entry(int sig, siginfo_t *si, void *ctx);
WV_SIG_ENTRY("wv_on_fault_entry", "wv_on_fault");
WV_SIG_ENTRY("wv_on_trap_entry", "wv_on_trap");

static void wv_altstack_free(void *stack)
{
    wv_seg_stack(NULL);
    stack_t ss = {.ss_flags = SS_DISABLE};
    sigaltstack(&ss, NULL);
    wv_os_stack_free(stack, WV_ALTSTACK_SIZE);
}

static void wv_install(void)
{
    pthread_key_create(&wv_altstack_key, wv_altstack_free);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = wv_on_fault_entry;
    /* NODEFER: a fault inside a vectored handler is dispatched too (nested exceptions). */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &wv_prev_segv);
    sigaction(SIGBUS, &sa, &wv_prev_bus);
    sa.sa_sigaction = wv_on_trap_entry;
    sigaction(SIGILL, &sa, &wv_prev_ill);
    sigaction(SIGFPE, &sa, &wv_prev_fpe);
    sigaction(SIGTRAP, &sa, &wv_prev_trap);
}

void wv_fault_attach_thread(void)
{
    pthread_once(&wv_install_once, wv_install);
    wv_fault_thread_ready = true;
    stack_t old;
    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE)) {
        wv_seg_adopt(old.ss_sp); /* the thread has one already (another runtime's): use it */
        return;
    }
    /* A guard page below the stack turns an overflow of the handler itself into a crash,
     * not silent corruption. */
    void *stack = wv_os_stack_alloc(WV_ALTSTACK_SIZE);
    if (!stack)
        return;
    stack_t ss = {.ss_sp = stack, .ss_size = WV_ALTSTACK_SIZE};
    if (sigaltstack(&ss, NULL) != 0) {
        wv_os_stack_free(stack, WV_ALTSTACK_SIZE);
        return;
    }
    pthread_setspecific(wv_altstack_key, stack);
    wv_seg_stack(stack); /* at the bottom, which only an overflowing handler would reach */
}
