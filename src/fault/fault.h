/* SPDX-License-Identifier: MIT */
/* fault.h - hardware faults as Windows exceptions (fault.c: the SIGSEGV/SIGBUS handler and its
 * verdict from the page state) and their dispatch (vectored.c: the vectored handlers' lists;
 * except.c: winvm_try, RaiseException, the unhandled-exception report).  Above mm; below
 * sections and everything public.
 *
 * Locking: the handler takes the space lock (never when this thread holds it: such a fault is
 * not ours and is chained); the vectored-handler lists are edited under their own mutex and read
 * without it (async-signal-safe snapshot).
 */
#ifndef WV_FAULT_H
#define WV_FAULT_H

#include "base/base.h"
#include "mm/mm.h"

#include <signal.h>
#include <ucontext.h>

/* Installs the SIGSEGV/SIGBUS handlers (once) and gives the calling thread an alternate
 * signal stack (once per thread).  Inline, because every entry point calls it: after the
 * first call it is one thread-local flag test. */
extern __thread __attribute__((tls_model("initial-exec"))) bool wv_fault_thread_ready;
void wv_fault_attach_thread(void);
static inline void wv_fault_attach(void)
{
    if (__builtin_expect(!wv_fault_thread_ready, 0))
        wv_fault_attach_thread();
}

/* seg.c: the fs and gs bases back after code loaded a selector into fs or gs (which clears
 * the base on this kind of processor: glibc's thread pointer, the TEB).  wv_seg_stack: the
 * header at the bottom of the thread's alternate signal stack (fault.c) that the signal entry
 * finds without TLS (NULL: it is freed); wv_seg_set_gs: the thread's TEB (loader/teb.c), 0 when it has none.
 * WV_SIG_ENTRY(entry, handler) defines entry, an sa_sigaction that repairs both bases before
 * it jumps to handler (which must be `used`: only the assembly names it); wv_seg_check, at
 * each export's start (runtime/thunk.h), faults into that repair when a base is gone, and
 * wv_seg_check_asm is the same for assembly (rax and flags clobbered). */
void wv_seg_stack(void *stack);
/* A thread whose alternate stack (ss_sp) is another runtime's: its header kept aside. */
void wv_seg_adopt(void *ss_sp);
void wv_seg_set_gs(uintptr_t base);
void wv_seg_check_asm(void);
/* True for a SIGSEGV the MMU raised at a low address through an fs or gs prefix on a thread
 * whose bases winvm keeps: the base was gone at the fault and came back before the handler
 * (Linux restores it at a context switch, wv_seg_enter found it right), so the access is run
 * again rather than raised. */
bool wv_seg_refault(int sig, const siginfo_t *si, const ucontext_t *uc);
extern __thread __attribute__((tls_model("initial-exec"))) uintptr_t wv_seg_gs;
static inline __attribute__((always_inline)) void wv_seg_check(void)
{
    __asm__ volatile("cmpq $0, %%fs:0" : : : "cc", "memory");
    if (wv_seg_gs)
        __asm__ volatile("cmpq $0, %%gs:0x30" : : : "cc", "memory");
}
#define WV_SIG_ENTRY(entry, handler)                                                               \
    __asm__(".text\n.globl " entry "\n.hidden " entry "\n.type " entry ",@function\n" entry ":\n" \
            "  lea " handler "(%rip), %r10\n"                                                    \
            "  jmp wv_seg_enter\n"                                                                \
            ".size " entry ", .-" entry "\n")

/* Offers rec to the vectored handlers, then to the innermost winvm_try.  Returns when a
 * handler asked to continue, with uc updated from the handler's CONTEXT; never returns when a
 * try caught it; ends the process when nobody did.  Async-signal-safe. */
void wv_dispatch(EXCEPTION_RECORD *rec, ucontext_t *uc);
/* The parts of wv_dispatch, for the frame-based dispatcher of PE code (seh/): the vectored
 * handlers (vectored.c; true: one asked to continue, with ep's CONTEXT), the continue handlers
 * (called once the exception is to be continued, after a vectored or frame-based handler or
 * the filter asked so), the innermost winvm_try live at stack pointer sp (never returns when
 * there is one), and the report and end of the process. */
bool wv_vectored(EXCEPTION_POINTERS *ep);
void wv_vectored_continue(EXCEPTION_POINTERS *ep);
/* True when an exception handler (not a continue handler) is registered. */
bool wv_vectored_any(void);
void wv_try_deliver(const EXCEPTION_RECORD *rec, uintptr_t sp);
__attribute__((noreturn)) void wv_unhandled_end(const EXCEPTION_RECORD *rec);
/* The report alone (stderr), for UnhandledExceptionFilter, which leaves the end to its caller. */
void wv_unhandled_report(const EXCEPTION_RECORD *rec);
/* The CONTEXT of an interrupted thread (integer, control, segments, FXSAVE image). */
void wv_context_from(const ucontext_t *uc, CONTEXT *c);

/* xstate.c: the AVX state (ymm0-15's upper halves, 256 bytes) beside a CONTEXT.
 * wv_xstate_avx: the CPU has AVX and the OS enabled it; wv_xstate_features: the XSTATE
 * features contexts carry, 7 then (x87, SSE, AVX), else 3.  wv_xstate_from_uc: a signal
 * frame's (zero when in the initial state; true when in use); wv_xstate_to_uc: into the frame
 * (NULL: the initial state).  wv_xstate_of_context: a context's CONTEXT_EX XSTATE area's (1 in
 * it, 0 the initial state, -1 no area).  wv_xstate_save: the thread's now (true when in use).
 * wv_xstate_image: an XSAVE image for XRSTOR (features 7) of fx (512 bytes; NULL: the thread's
 * x87/SSE state now) and upper (NULL: initial), WV_XSTATE_IMAGE bytes, 64-aligned. */
#define WV_XSTATE_IMAGE 832
bool wv_xstate_avx(void);
DWORD64 wv_xstate_features(void);
bool wv_xstate_from_uc(const ucontext_t *uc, BYTE upper[256]);
void wv_xstate_to_uc(ucontext_t *uc, const BYTE *upper);
int wv_xstate_of_context(const CONTEXT *ctx, BYTE upper[256]);
bool wv_xstate_save(BYTE upper[256]);
void wv_xstate_image(BYTE *img, const void *fx, const BYTE *upper);
/* The XSTATE area (header and AVX) of an exception's context, from its signal frame. */
#define WV_XSTATE_AREA (64 + 256)
void wv_xstate_area(BYTE *area, const ucontext_t *uc);
/* The selectors Windows x64 gives user code: cs 0x33, the flat data segment 0x2b in ds, es, gs
 * and ss, fs 0x53 (the 32-bit TEB's).  PE threads get 0x2b in ds and es (loader/teb.c); an
 * exception's CONTEXT (wv_context_from) reports a null ds, es or gs (the same flat segment in
 * 64-bit mode: Linux's gs is null, its base the TEB) as 0x2b and a null fs as 0x53, as Windows
 * does; RtlCaptureContext (seh/context.c) reports fs and gs as they are. */
#define WV_SEG_FLAT_DATA 0x2b
#define WV_SEG_TEB32 0x53
/* Set from above (seh/, by the runtime) before PE code runs: offered every exception the fault
 * handler raises (SIGSEGV, SIGBUS, SIGILL, SIGFPE); returns true when it took the exception
 * over (uc then resumes in its dispatcher), false to dispatch as wv_dispatch does.  Called in
 * the signal handler, space lock not held. */
extern bool (*volatile wv_fault_pe_hook)(EXCEPTION_RECORD *rec, ucontext_t *uc);
/* Set from above (runtime/thread_ctl.c): offered every trace trap (the trap flag's single step)
 * first; true when it was one the runtime asked for (a suspended thread stepping out of winvm's
 * code to its own), which it handled.  Async-signal-safe. */
extern bool (*volatile wv_fault_step_hook)(ucontext_t *uc);
/* Names the code at addr for the unhandled-exception report ("zlib1.dll!crc32+0x1a"): writes at
 * most cap bytes (NUL-terminated) into out, returns the length, 0 when addr is in no image.  Set
 * from above (the runtime sets section's wv_image_describe); NULL: addresses only. */
extern size_t (*volatile wv_fault_describer)(uintptr_t addr, char *out, size_t cap);
/* The process's top-level filter (SetUnhandledExceptionFilter), asked about an exception of
 * host code nothing else handled: EXCEPTION_CONTINUE_SEARCH when there is none.  Set by seh/,
 * which keeps the one filter (a C program's or PE code's). */
extern LONG (*volatile wv_fault_filter_hook)(EXCEPTION_POINTERS *ep);
/* Ends the process for an unhandled exception with the exception code: the hook (set from
 * above: the runtime tells a CreateProcess parent and the process's watchers all 32 bits) runs
 * first, then _exit with the low byte, all Linux keeps.  Async-signal-safe when the hook is. */
extern void (*volatile wv_fault_exit_hook)(DWORD code);
__attribute__((noreturn)) void wv_fault_exit(DWORD code);

/* dbgreg.c: the debug registers Dr0-Dr3, Dr6, Dr7 of each thread, their breakpoints emulated
 * with the MMU and the trap flag (the watched pages held PROT_NONE, WV_DBG_ARMED).
 * wv_dbg_check: ERROR_NOT_SUPPORTED when dr7 enables a breakpoint this cannot honour (an I/O
 * breakpoint, RW=10), else 0.  wv_dbg_set: thread tid's registers become c's Dr0-3/6/7 (the
 * pages re-armed); 0, ERROR_NOT_SUPPORTED, or ERROR_NOT_ENOUGH_MEMORY (too many threads with
 * debug registers); nothing changes on failure.  Lock not held.  wv_dbg_get: tid's registers
 * into c's Dr fields (0 when none); lock-free, async-signal-safe; wv_dbg_get_self also adds
 * CONTEXT_DEBUG_REGISTERS to c's flags (an exception's CONTEXT).  wv_dbg_forget: tid ended.
 * wv_dbg_restore: the calling thread goes on with c (NtContinue, a continued exception): its
 * registers set when c carries CONTEXT_DEBUG_REGISTERS, and RF (EFlags 0x10000) skips an
 * execute breakpoint at c's Rip once. */
DWORD wv_dbg_check(DWORD64 dr7);
DWORD wv_dbg_set(DWORD tid, const CONTEXT *c);
void wv_dbg_get(DWORD tid, CONTEXT *c);
void wv_dbg_get_self(CONTEXT *c);
void wv_dbg_forget(DWORD tid);
/* The calling thread took the trap flag's single step (SIGTRAP's record, lock not held): its
 * Dr6 gets BS (0x4000), as the processor sets it; nothing for a thread without debug
 * registers, or one holding the space lock. */
void wv_dbg_stepped(void);
void wv_dbg_restore(const CONTEXT *c);
/* The fault handler's part (space lock held, page i of v marked WV_DBG_ARMED): WV_DBG_NONE when
 * the page's Windows state refuses the access (an access violation), WV_DBG_RAISE for an
 * execute breakpoint of this thread at its Rip (*code EXCEPTION_SINGLE_STEP, Dr6 set), else
 * WV_DBG_STEP: the page opened for one instruction under the trap flag (the access runs again).
 * wv_dbg_trap: a trace trap (lock not held): WV_DBG_STEP when it ended a step of ours (the
 * pages held again, nothing to raise), WV_DBG_RAISE when a data breakpoint was hit (Dr6 set:
 * EXCEPTION_SINGLE_STEP is due), WV_DBG_NONE when the trap is someone else's (no step of ours,
 * or the trap flag was set before it).  wv_dbg_settle: the thread's step ends without its trap
 * (another exception). */
enum { WV_DBG_NONE, WV_DBG_STEP, WV_DBG_RAISE };
int wv_dbg_fault(struct wv_view *v, size_t i, uintptr_t addr, int access, ucontext_t *uc, DWORD *code);
int wv_dbg_trap(ucontext_t *uc);
void wv_dbg_settle(void);

/* gp.c: the record of a general-protection fault (SIGSEGV, SI_KERNEL) as Windows raises it
 * (an int Windows serves, a privileged instruction, else an access violation at ~0); false
 * when no exception is due (int 0x2d's print services: uc's Rip is past them).  Signal-safe. */
bool wv_gp_record(EXCEPTION_RECORD *rec, ucontext_t *uc);
/* fpe.c: the code and parameters of an arithmetic fault (SIGFPE, si_code code) as Windows x64
 * raises it, from the x87 or SSE state the signal saved.  Signal-safe. */
void wv_fpe_record(EXCEPTION_RECORD *rec, int code, const ucontext_t *uc);
/* Whether rec is a __fastfail's (int 0x29, as wv_gp_record makes it: the int at its address):
 * no handler sees it; the process ends with STATUS_STACK_BUFFER_OVERRUN, a debugger told
 * first, second chance only, as Windows' kernel does. */
bool wv_fault_is_fastfail(const EXCEPTION_RECORD *rec);

/* Copies n bytes from src to dst, either of which the caller named: 0, or ERROR_NOACCESS when
 * a page of either cannot be read or written (copy.c).  What was copied before the bad page
 * stays copied.  Lock not held.  Inline: an unwind calls it several times per frame. */
int wv_copy_raw(void *dst, const void *src, size_t n); /* nonzero when it faulted */
static inline DWORD wv_copy(void *dst, const void *src, size_t n)
{
    wv_assert(!wv_space_locked_by_self()); /* a fault under the lock is never winvm's */
    wv_fault_attach();                     /* the handler that turns a fault into the error */
    return wv_copy_raw(dst, src, n) ? ERROR_NOACCESS : 0;
}
/* Fixed-size accesses to memory the caller named, for the NT calls' in/out parameters
 * (copy.c): one or two plain moves each, no rep-string startup and no call into C.  Each
 * returns 0, or nonzero when the access faulted, having written nothing (get_rw64: *v is
 * written only on success).  get_rw64 reads *p and writes the value back, as Windows'
 * ProbeForWrite* macros do before capturing an in/out parameter: the pointer is then known
 * readable and writable, and what it points to is unchanged; probe_rw32 is the same without
 * the capture.  The caller called wv_fault_attach; lock not held (as for wv_copy). */
int wv_user_get_rw64(void *p, uint64_t *v);
/* A plain read of *p, nothing written back: memory another thread may free or reuse under the
 * reader (an SList's first entry, runtime/slist.c). */
int wv_user_get64(const void *p, uint64_t *v);
int wv_user_probe_rw32(void *p);
int wv_user_put64(void *p, uint64_t v);
int wv_user_put32(void *p, uint32_t v);
/* For the fault handler: when the fault is one of the accesses above (wv_copy's included),
 * resumes it at its failure exit. */
bool wv_user_fault(ucontext_t *uc);

/* RaiseException's core: a software exception at address (the caller's return address). */
void wv_raise(DWORD code, DWORD flags, DWORD nargs, const ULONG_PTR *args, void *address);
/* From now on an unhandled exception ends the process with its code as exit status (after
 * the report), as a Windows process ends, instead of dying by SIGSEGV (`winvm run`). */
void wv_exit_on_unhandled(bool on);
/* True when this thread has a winvm_try active or any vectored handler is registered. */
bool wv_exceptions_wanted(void);

/* stkoflw.c.  Pages above a stack's never-committed lowest page kept for the handlers of its
 * STATUS_STACK_OVERFLOW (the dispatch runs on the overflowing stack). */
#if defined(__SANITIZE_ADDRESS__)
#define WV_STACK_GUARANTEE_PAGES 8 /* AddressSanitizer's frames are larger: the dispatch needs more */
#else
#define WV_STACK_GUARANTEE_PAGES 3
#endif
/* A guard page of stack view v was touched at page i (guard cleared, lock held): true when the
 * stack grew, false when the touch is a stack overflow (the guarantee then committed).  pages:
 * the guarantee, WV_STACK_GUARANTEE_PAGES or more when the thread asked for more
 * (SetThreadStackGuarantee, wv_stack_guarantee_pages). */
bool wv_stack_touch(struct wv_view *v, size_t i, size_t pages);
/* The guarantee in pages for a thread whose TEB asks for bytes: never below the default. */
size_t wv_stack_guarantee_pages(ULONG bytes);
/* _resetstkoflw: a guard page again on the stack holding sp, after an overflow.  False when sp
 * is not on a winvm stack or too close to its end for a guard above the guarantee. */
bool wv_stack_reset(uintptr_t sp);

/* The calling thread's stack as its TEB tells it (Windows grows a guard page as a stack when it
 * lies in [DeallocationStack, StackBase) of the faulting thread's TEB, whoever made the memory,
 * and moves StackLimit down to the lowest committed page).  Set by the layer that owns TEBs
 * (loader/teb.c); it answers false for a thread without one.  Called by the fault handler under
 * the space lock: async-signal-safe, reads memory only. */
struct wv_thread_stack {
    uintptr_t dealloc, base; /* DeallocationStack, StackBase */
    uintptr_t *limit;        /* the TEB's StackLimit field */
    ULONG guaranteed;        /* GuaranteedStackBytes (SetThreadStackGuarantee) */
};
extern bool (*wv_fault_thread_stack)(struct wv_thread_stack *out);

#endif
