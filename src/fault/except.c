/* SPDX-License-Identifier: MIT */
/* except.c - Windows exceptions for C code: winvm_try, dispatch of host code's exceptions,
 * RaiseException, unhandled reports.  The vectored handlers' lists are vectored.c's.
 *
 * Dispatch runs inside the fault handler, so it allocates nothing and takes no lock:
 * winvm_try frames are sigsetjmp buffers on the caller's stack, recorded in a per-thread table
 * (see below for how frames abandoned by a longjmp are recognised).
 * Order, as on Windows: vectored handlers first (EXCEPTION_CONTINUE_EXECUTION resumes with
 * the CONTEXT they may have changed, after the continue handlers saw it), then the innermost
 * try, then the top-level filter, then an unhandled-exception report and the end of the
 * process.
 */
#define _GNU_SOURCE
#include "fault/fault.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* ---- winvm_try ----
 * Frames are recorded in a per-thread table, not chained through the stack: a frame abandoned
 * by a longjmp (out of fn, or out of a vectored handler) must never be followed or written.
 * A frame is dead when the stack is back at or above it (checked on every try entry and every
 * dispatch), or when its cookie on the stack has been overwritten by later calls.  A dead
 * frame whose cookie survived untouched cannot be told from a live one: jumping to it is the
 * same undefined behaviour as longjmp to a returned setjmp (docs/semantics.md). */

#define WV_TRY_MAX 64

struct wv_try_frame {
    sigjmp_buf env;
    volatile uint64_t cookie;
};

struct wv_try_slot {
    struct wv_try_frame *frame;
    uint64_t cookie;
};

static __thread struct wv_try_slot wv_tries[WV_TRY_MAX];
static __thread int wv_ntries;
static __thread uint64_t wv_try_serial;
static __thread EXCEPTION_RECORD wv_try_caught;

static volatile bool wv_unhandled_exits;

/* Under `winvm run` every fault is the program's: there is no Linux code to chain to. */
bool wv_exceptions_wanted(void)
{
    return wv_unhandled_exits || wv_ntries > 0 || wv_vectored_any();
}

/* Drops recorded frames at or below sp: the stack has come back above them. */
static void wv_tries_prune(uintptr_t sp)
{
    while (wv_ntries > 0 && (uintptr_t)wv_tries[wv_ntries - 1].frame <= sp)
        wv_ntries--;
}

/* The innermost live frame for a fault at stack pointer sp, unlinked; NULL if none. */
static struct wv_try_frame *wv_tries_catch(uintptr_t sp)
{
    wv_tries_prune(sp);
    while (wv_ntries > 0) {
        struct wv_try_slot *s = &wv_tries[--wv_ntries];
        if (s->frame->cookie == s->cookie)
            return s->frame;
    }
    return NULL;
}

DWORD winvm_try(winvm_try_fn fn, void *arg, PEXCEPTION_RECORD record)
{
    wv_fault_attach();
    struct wv_try_frame frame;
    wv_tries_prune((uintptr_t)&frame);
    int mine = wv_ntries;
    if (sigsetjmp(frame.env, 1) == 0) {
        if (mine < WV_TRY_MAX) { /* deeper nesting: exceptions go to the outer frames */
            frame.cookie = ++wv_try_serial ^ (uintptr_t)&frame;
            wv_tries[mine] = (struct wv_try_slot){&frame, frame.cookie};
            wv_ntries = mine + 1;
        }
        fn(arg);
        if (wv_ntries > mine)
            wv_ntries = mine; /* also drops frames that fn left behind by a longjmp */
        frame.cookie = 0;
        return 0;
    }
    /* Arrived from wv_dispatch, which already unlinked the frame. */
    frame.cookie = 0;
    if (record)
        *record = wv_try_caught;
    return wv_try_caught.ExceptionCode;
}

/* ---- CONTEXT <-> ucontext ---- */

void wv_context_from(const ucontext_t *uc, CONTEXT *c)
{
    const greg_t *g = uc->uc_mcontext.gregs;
    memset(c, 0, sizeof(*c));
    c->ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_SEGMENTS;
    c->Rax = (DWORD64)g[REG_RAX], c->Rcx = (DWORD64)g[REG_RCX], c->Rdx = (DWORD64)g[REG_RDX];
    c->Rbx = (DWORD64)g[REG_RBX], c->Rsp = (DWORD64)g[REG_RSP], c->Rbp = (DWORD64)g[REG_RBP];
    c->Rsi = (DWORD64)g[REG_RSI], c->Rdi = (DWORD64)g[REG_RDI];
    c->R8 = (DWORD64)g[REG_R8], c->R9 = (DWORD64)g[REG_R9], c->R10 = (DWORD64)g[REG_R10];
    c->R11 = (DWORD64)g[REG_R11], c->R12 = (DWORD64)g[REG_R12], c->R13 = (DWORD64)g[REG_R13];
    c->R14 = (DWORD64)g[REG_R14], c->R15 = (DWORD64)g[REG_R15];
    c->Rip = (DWORD64)g[REG_RIP];
    c->EFlags = (DWORD)g[REG_EFL];
    uint64_t csgsfs = (uint64_t)g[REG_CSGSFS];
    c->SegCs = (WORD)csgsfs, c->SegGs = (WORD)(csgsfs >> 16), c->SegFs = (WORD)(csgsfs >> 32);
    c->SegSs = (WORD)(csgsfs >> 48);
    WORD ds, es; /* the kernel keeps the interrupted code's in the handler (64-bit signals) */
    __asm__ volatile("movw %%ds, %0\n\tmovw %%es, %1" : "=r"(ds), "=r"(es));
    c->SegDs = ds ? ds : WV_SEG_FLAT_DATA, c->SegEs = es ? es : WV_SEG_FLAT_DATA;
    c->SegGs = c->SegGs ? c->SegGs : WV_SEG_FLAT_DATA, c->SegFs = c->SegFs ? c->SegFs : WV_SEG_TEB32;
    if (uc->uc_mcontext.fpregs) {
        /* The kernel's FXSAVE image is the layout of XMM_SAVE_AREA32. */
        memcpy(&c->FltSave, uc->uc_mcontext.fpregs, sizeof(c->FltSave));
        c->MxCsr = c->FltSave.MxCsr;
        c->ContextFlags |= CONTEXT_FLOATING_POINT;
    }
}

static void wv_context_to(const CONTEXT *c, ucontext_t *uc)
{
    greg_t *g = uc->uc_mcontext.gregs;
    g[REG_RAX] = (greg_t)c->Rax, g[REG_RCX] = (greg_t)c->Rcx, g[REG_RDX] = (greg_t)c->Rdx;
    g[REG_RBX] = (greg_t)c->Rbx, g[REG_RSP] = (greg_t)c->Rsp, g[REG_RBP] = (greg_t)c->Rbp;
    g[REG_RSI] = (greg_t)c->Rsi, g[REG_RDI] = (greg_t)c->Rdi;
    g[REG_R8] = (greg_t)c->R8, g[REG_R9] = (greg_t)c->R9, g[REG_R10] = (greg_t)c->R10;
    g[REG_R11] = (greg_t)c->R11, g[REG_R12] = (greg_t)c->R12, g[REG_R13] = (greg_t)c->R13;
    g[REG_R14] = (greg_t)c->R14, g[REG_R15] = (greg_t)c->R15;
    g[REG_RIP] = (greg_t)c->Rip;
    /* Only the flags a user program may change (status flags, direction, trap). */
    const uint64_t user = 0x0cd5 | 0x0100;
    g[REG_EFL] = (greg_t)(((uint64_t)g[REG_EFL] & ~user) | (c->EFlags & user));
    if (uc->uc_mcontext.fpregs && (c->ContextFlags & CONTEXT_FLOATING_POINT) == CONTEXT_FLOATING_POINT) {
        /* MXCSR from the CONTEXT's own field, as Windows' kernel takes it, with the bits this
         * CPU does not have cleared (the mask its FXSAVE reported): a reserved bit would make
         * the kernel refuse the signal return and kill the process. */
        uint32_t mask = uc->uc_mcontext.fpregs->mxcr_mask ? uc->uc_mcontext.fpregs->mxcr_mask : 0xffbf;
        memcpy(uc->uc_mcontext.fpregs, &c->FltSave, sizeof(c->FltSave));
        uc->uc_mcontext.fpregs->mxcsr = c->MxCsr & mask;
        uc->uc_mcontext.fpregs->mxcr_mask = mask;
    }
}

/* ---- the unhandled-exception report (no stdio: we may be deep in a signal handler) ---- */

static char *wv_put(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *wv_put_hex(char *p, uint64_t v)
{
    char tmp[16];
    int n = 0;
    do
        tmp[n++] = "0123456789abcdef"[v & 15];
    while ((v >>= 4) && n < 16);
    p = wv_put(p, "0x");
    while (n)
        *p++ = tmp[--n];
    return p;
}

static const char *wv_code_name(DWORD code)
{
    switch (code) {
    case STATUS_ACCESS_VIOLATION: return "EXCEPTION_ACCESS_VIOLATION";
    case STATUS_GUARD_PAGE_VIOLATION: return "STATUS_GUARD_PAGE_VIOLATION";
    case STATUS_IN_PAGE_ERROR: return "EXCEPTION_IN_PAGE_ERROR";
    case STATUS_STACK_OVERFLOW: return "EXCEPTION_STACK_OVERFLOW";
    case STATUS_PROCEDURE_NOT_FOUND: return "STATUS_PROCEDURE_NOT_FOUND: an import winvm does not provide";
    case STATUS_NONCONTINUABLE_EXCEPTION: return "EXCEPTION_NONCONTINUABLE_EXCEPTION";
    default: return "exception";
    }
}

static char *wv_put_protect(char *p, DWORD prot)
{
    static const char *const names[] = {"PAGE_NOACCESS", "PAGE_READONLY", "PAGE_READWRITE",
                                        "PAGE_WRITECOPY", "PAGE_EXECUTE", "PAGE_EXECUTE_READ",
                                        "PAGE_EXECUTE_READWRITE", "PAGE_EXECUTE_WRITECOPY"};
    if (!(prot & 0xff))
        return wv_put(p, "none");
    p = wv_put(p, names[__builtin_ctz(prot & 0xff)]);
    if (prot & PAGE_GUARD)
        p = wv_put(p, "|PAGE_GUARD");
    if (prot & PAGE_NOCACHE)
        p = wv_put(p, "|PAGE_NOCACHE");
    if (prot & PAGE_WRITECOMBINE)
        p = wv_put(p, "|PAGE_WRITECOMBINE");
    return p;
}

size_t (*volatile wv_fault_describer)(uintptr_t addr, char *out, size_t cap);

static void wv_unhandled(const EXCEPTION_RECORD *rec)
{
    char buf[512], *p = buf;
    uintptr_t addr = rec->ExceptionInformation[1];
    ULONG_PTR kind = rec->ExceptionInformation[0];
    p = wv_put(p, "winvm: unhandled exception ");
    p = wv_put_hex(p, rec->ExceptionCode);
    p = wv_put(p, " (");
    p = wv_put(p, wv_code_name(rec->ExceptionCode));
    p = wv_put(p, ") at ");
    p = wv_put_hex(p, (uintptr_t)rec->ExceptionAddress);
    size_t (*describe)(uintptr_t, char *, size_t) = wv_fault_describer;
    char where[200];
    if (describe && !wv_space_locked_by_self() && describe((uintptr_t)rec->ExceptionAddress, where, sizeof(where))) {
        p = wv_put(p, " (");
        p = wv_put(p, where);
        p = wv_put(p, ")");
    }
    bool memory = rec->ExceptionCode == STATUS_ACCESS_VIOLATION || rec->ExceptionCode == STATUS_IN_PAGE_ERROR ||
                  rec->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION || rec->ExceptionCode == STATUS_STACK_OVERFLOW;
    if (!memory) {
        if (rec->ExceptionCode == STATUS_PROCEDURE_NOT_FOUND && rec->NumberParameters == 1 && rec->ExceptionInformation[0]) {
            p = wv_put(p, ": ");
            const char *what = (const char *)rec->ExceptionInformation[0];
            size_t n = 0;
            while (what[n] && n < 200)
                n++;
            memcpy(p, what, n);
            p += n;
        }
        p = wv_put(p, "\n");
        ssize_t unused = write(STDERR_FILENO, buf, (size_t)(p - buf));
        (void)unused;
        return;
    }
    p = wv_put(p, kind == WV_WRITE ? ": writing " : kind == WV_EXEC ? ": executing " : ": reading ");
    p = wv_put_hex(p, addr);
    if (!wv_space_locked_by_self()) {
        /* The lock is free for us: the report runs outside every critical section. */
        wv_space_lock();
        const struct wv_view *v = wv_space_find(addr);
        if (v) {
            wv_page_t page = v->page[wv_view_index(v, addr)];
            p = wv_put(p, page & WV_COMMITTED ? ", committed page, protection " : ", reserved page, protection ");
            p = wv_put_protect(p, wv_prot_report(page));
        } else
            p = wv_put(p, ", not winvm memory");
        wv_space_unlock();
    }
    p = wv_put(p, "\n");
    ssize_t unused = write(STDERR_FILENO, buf, (size_t)(p - buf));
    (void)unused;
}

void wv_unhandled_report(const EXCEPTION_RECORD *rec) { wv_unhandled(rec); }

void wv_exit_on_unhandled(bool on) { wv_unhandled_exits = on; }

void (*volatile wv_fault_exit_hook)(DWORD code);

void wv_fault_exit(DWORD code)
{
    void (*hook)(DWORD) = wv_fault_exit_hook;
    if (hook)
        hook(code);
    _exit((int)(code & 0xff)); /* all of the code Linux keeps, as Wine */
}

static __attribute__((noreturn)) void wv_terminate(void)
{
    /* End as a crashed process does: by the fault signal, default action, core if enabled. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGSEGV, &dfl, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(SIGSEGV);
    _exit(128 + SIGSEGV);
}

void wv_try_deliver(const EXCEPTION_RECORD *rec, uintptr_t sp)
{
    struct wv_try_frame *f = wv_tries_catch(sp);
    if (f) {
        wv_try_caught = *rec;
        siglongjmp(f->env, 1);
    }
}

void wv_unhandled_end(const EXCEPTION_RECORD *rec)
{
    wv_unhandled(rec);
    if (wv_unhandled_exits)
        wv_fault_exit(rec->ExceptionCode);
    wv_terminate();
}

LONG (*volatile wv_fault_filter_hook)(EXCEPTION_POINTERS *ep);

void wv_dispatch(EXCEPTION_RECORD *rec, ucontext_t *uc)
{
    CONTEXT ctx;
    wv_context_from(uc, &ctx);
    wv_dbg_get_self(&ctx);
    EXCEPTION_POINTERS ep = {rec, &ctx};
    if (wv_vectored(&ep)) {
        wv_vectored_continue(&ep);
        wv_dbg_restore(&ctx); /* the handler's Dr7, RF */
        wv_context_to(&ctx, uc);
        return;
    }
    wv_try_deliver(rec, (uintptr_t)uc->uc_mcontext.gregs[REG_RSP]);
    /* The top-level filter: continue (a continuable exception), end quietly, or go on. */
    LONG (*filter)(EXCEPTION_POINTERS *) = wv_fault_filter_hook;
    LONG r = filter ? filter(&ep) : EXCEPTION_CONTINUE_SEARCH;
    if (r == EXCEPTION_CONTINUE_EXECUTION && !(rec->ExceptionFlags & EXCEPTION_NONCONTINUABLE)) {
        wv_vectored_continue(&ep); /* the filter answers for a frame handler on Windows */
        wv_dbg_restore(&ctx);
        wv_context_to(&ctx, uc);
        return;
    }
    if (r == EXCEPTION_EXECUTE_HANDLER)
        wv_fault_exit(rec->ExceptionCode);
    wv_unhandled_end(rec);
}

/* ---- software exceptions ---- */

void WINAPI RaiseException(DWORD code, DWORD flags, DWORD nargs, const ULONG_PTR *args)
{
    wv_raise(code, flags, nargs, args, __builtin_return_address(0));
}

void wv_raise(DWORD code, DWORD flags, DWORD nargs, const ULONG_PTR *args, void *address)
{
    EXCEPTION_RECORD rec;
    memset(&rec, 0, sizeof(rec));
    rec.ExceptionCode = code;
    rec.ExceptionFlags = flags & EXCEPTION_NONCONTINUABLE;
    rec.ExceptionAddress = address;
    rec.NumberParameters = nargs > EXCEPTION_MAXIMUM_PARAMETERS ? EXCEPTION_MAXIMUM_PARAMETERS : nargs;
    for (DWORD i = 0; args && i < rec.NumberParameters; i++)
        rec.ExceptionInformation[i] = args[i];
    ucontext_t uc;
    memset(&uc, 0, sizeof(uc)); /* no uc_stack for the handlers' code to follow (seg.c) */
    getcontext(&uc); /* the handlers see (and may change, to no effect) this point's registers */
    wv_dispatch(&rec, &uc);
    if (!(flags & EXCEPTION_NONCONTINUABLE))
        return;
    /* A handler continued what cannot be continued: Windows raises this, nested. */
    EXCEPTION_RECORD outer = rec;
    memset(&rec, 0, sizeof(rec));
    rec.ExceptionCode = STATUS_NONCONTINUABLE_EXCEPTION;
    rec.ExceptionFlags = EXCEPTION_NONCONTINUABLE;
    rec.ExceptionRecord = &outer;
    rec.ExceptionAddress = outer.ExceptionAddress;
    getcontext(&uc);
    wv_dispatch(&rec, &uc);
    wv_unhandled_end(&rec);
}
