/* SPDX-License-Identifier: MIT */
/* thread_start.c - the first registers of a PE thread created suspended, and ntdll's
 * RtlUserThreadStart where such a thread begins.
 *
 * Windows creates a thread with its stack and a CONTEXT before it runs: Rip is
 * ntdll!RtlUserThreadStart, Rcx the start routine, Rdx its argument, Rsp 0x28 below the top of
 * its stack (room for the four home slots and a return address, as at a function's entry),
 * EFlags 0x200, the x87 control word 0x27f and MXCSR 0x1f80 (Wine builds the same context).  A
 * debugger or injector reads that context before the first ResumeThread and may change it.
 * winvm does the same for threads created with CREATE_SUSPENDED: the creator makes the stack
 * and the CONTEXT (thread->init); Get/SetThreadContext work on it while the thread has not run
 * (thread_ctl.c); when it starts, after its TEB and DLL_THREAD_ATTACH, the thread loads that
 * context (wv_seh_restore), so what was set is what runs.  Every PE thread starts so (thread.c):
 * one suspended before it reached its own code shows and takes these registers too.  The main
 * thread, which winvm's own start-up code runs on, is given the same floating-point state
 * (wv_thread_fpu_reset, run.c) before the first DllMain: Linux starts a process with the x87
 * control word 0x37f (64-bit precision), which PE code would see in _setjmp's buffer,
 * RtlCaptureContext and its exceptions' contexts.
 */
#include "runtime/thread_int.h"
#include "seh/seh.h"

#include <string.h>

/* Runs the start routine on the thread's own stack and ends the thread with its result. */
WV_MSABI void wv_nt_RtlUserThreadStart(LPTHREAD_START_ROUTINE start, void *arg)
{
    DWORD(WV_MSABI * fn)(void *) = (DWORD(WV_MSABI *)(void *))(void *)start;
    wv_thread_exit(fn(arg));
}

DWORD wv_thread_init_suspended(struct wv_thread *t, SIZE_T reserve, SIZE_T commit)
{
    uintptr_t lo = t->stack_lo, top = t->stack_top; /* one the caller made (RtlCreateUserThread) */
    DWORD err = lo ? 0 : wv_stack_create(reserve, commit, &lo, &top);
    if (err)
        return err;
    t->stack_lo = lo, t->stack_top = top;
    CONTEXT *c = &t->init;
    wv_seh_capture(c); /* the segment selectors and the rest of the layout */
    memset(&c->Rax, 0, offsetof(CONTEXT, R15) + sizeof(DWORD64) - offsetof(CONTEXT, Rax));
    memset(&c->FltSave, 0, sizeof(c->FltSave)); /* a fresh x87/SSE state, as Windows gives */
    c->FltSave.ControlWord = WV_X87_DEFAULT;
    c->FltSave.MxCsr = c->MxCsr = WV_MXCSR_DEFAULT;
    c->ContextFlags = CONTEXT_FULL | CONTEXT_DEBUG_REGISTERS; /* a debugger's Dr7 set before it runs */
    c->Dr0 = c->Dr1 = c->Dr2 = c->Dr3 = c->Dr6 = c->Dr7 = 0;
    /* ntdll's export as PE code sees it (its stub in ntdll's image, loader/builtin.c). */
    void *start = NULL;
    const struct wv_builtin *nt = wv_builtin_named("ntdll.dll");
    if (!nt || wv_builtin_proc(nt, "RtlUserThreadStart", &start) != 0)
        start = (void *)wv_nt_RtlUserThreadStart;
    c->Rip = (DWORD64)(uintptr_t)start;
    c->Rcx = (DWORD64)(uintptr_t)t->start;
    c->Rdx = (DWORD64)(uintptr_t)t->arg;
    c->Rsp = (DWORD64)top - 0x28;
    c->EFlags = 0x200; /* interrupts on, as every user-mode context */
    t->has_init = true;
    return 0;
}

void wv_thread_fpu_reset(void)
{
    const unsigned short x87 = WV_X87_DEFAULT;
    const unsigned int mxcsr = WV_MXCSR_DEFAULT;
    __asm__ volatile("fninit\n\tfldcw %0\n\tldmxcsr %1" : : "m"(x87), "m"(mxcsr) : "memory");
}

void wv_thread_start_init(struct wv_thread *t)
{
    CONTEXT c;
    sigset_t old;
    wv_thread_lock(t, &old);
    c = t->init;
    t->has_init = false; /* from here its registers are the parking signal's */
    wv_thread_unlock(t, &old);
    wv_seh_restore(&c);
}

/* Get/SetThreadContext on a thread that has not run (t->lock held): true when it had not. */
bool wv_thread_init_context(struct wv_thread *t, CONTEXT *c, bool set,
                            void (*merge)(CONTEXT *dst, const CONTEXT *src, DWORD flags))
{
    if (!t->has_init)
        return false;
    if (set)
        merge(&t->init, c, c->ContextFlags);
    else
        merge(c, &t->init, c->ContextFlags);
    return true;
}
