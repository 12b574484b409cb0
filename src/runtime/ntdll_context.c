/* SPDX-License-Identifier: MIT */
/* ntdll_context.c - NtGetContextThread and NtSetContextThread (ms_abi, for ntdll.c's table)
 * over GetThreadContext/SetThreadContext's core (thread_ctl.c), with NTSTATUS results and no
 * change to the last error; and PE code's kernel32 GetThreadContext/SetThreadContext, which
 * on the calling thread are the same calls with a BOOL result (as kernelbase makes them).
 *
 * The checks come first and change nothing: a CONTEXT the caller cannot read (Set) or write
 * (Get) is STATUS_ACCESS_VIOLATION, ContextFlags without CONTEXT_AMD64 or with a part x64 does
 * not have STATUS_INVALID_PARAMETER, a handle that is not a thread's STATUS_INVALID_HANDLE (or
 * STATUS_OBJECT_TYPE_MISMATCH when it names another object), one without THREAD_GET_CONTEXT /
 * THREAD_SET_CONTEXT STATUS_ACCESS_DENIED.
 *
 * The calling thread: its registers are the caller's own, so the entry points are assembly.
 * Get captures them (wv_seh_capture) with the nonvolatile registers untouched (the checks are
 * ms_abi code, which keeps them) and copies the parts asked for.  Windows shows the thread
 * inside the call, at the `ret` of ntdll's system-call stub with Rsp at the return address
 * (Wine's exception.c records Rsp as the stack on entry and Rip within ntdll); winvm shows it
 * at the `ret` of ntdll's image's entry point (wv_builtin_ret), so a thread given that context
 * back (NtContinue, NtSetContextThread) returns from the call again, with Rax STATUS_SUCCESS.
 * Set captures the registers as they are when the call returns (Rip the return address, Rsp
 * past it), replaces the parts given and resumes there (Rax STATUS_SUCCESS unless
 * CONTEXT_INTEGER gave it), so a context without CONTEXT_CONTROL returns to the caller and one
 * with it goes where it says.  The debug registers are the thread's (fault/dbgreg.c: Set stores
 * them and arms their breakpoints; an I/O breakpoint in Dr7 is STATUS_NOT_SUPPORTED).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/thread_int.h"
#include "runtime/debug_int.h"
#include "runtime/ctx_ex.h"
#include "fault/fault.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

#include <stddef.h>
#include <unistd.h>

/* The parts an x64 CONTEXT has (CONTROL .. DEBUG_REGISTERS) and the flags Windows keeps in
 * ContextFlags beside them (exception state).  CONTEXT_XSTATE (with AVX, fault/xstate.c) names
 * the XSTATE area after the CONTEXT: the calling thread's AVX state is read into it
 * (ctx_ex.c) and given back from it (seh/context.c); another thread's by thread_ctl.c. */
#define WV_CTX_PARTS 0x1fu
#define WV_CTX_STATE 0xd8000000u /* EXCEPTION_REQUEST/REPORTING, EXCEPTION_ACTIVE, SERVICE_ACTIVE */
#define WV_CTX_XSTATE (CONTEXT_AMD64 | 0x40u) /* CONTEXT_XSTATE: with AVX, the area after the CONTEXT */

static NTSTATUS wv_ctx_flags(DWORD flags)
{
    DWORD xstate = wv_xstate_avx() ? 0x40u : 0;
    if (!(flags & CONTEXT_AMD64) || (flags & ~(CONTEXT_AMD64 | WV_CTX_PARTS | WV_CTX_STATE | xstate)))
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

/* The checks of both calls: 1 when h names the calling thread, 0 for another thread, else the
 * failure's status.  The last error is kept. */
static NTSTATUS wv_ctx_which(HANDLE h, CONTEXT *c, bool set)
{
    CONTEXT mine;
    if (set ? wv_copy(&mine, c, sizeof(mine)) : wv_copy(c, c, sizeof(*c)))
        return STATUS_ACCESS_VIOLATION;
    if (!set && wv_copy(&mine.ContextFlags, &c->ContextFlags, sizeof(DWORD)))
        return STATUS_ACCESS_VIOLATION;
    NTSTATUS st = wv_ctx_flags(mine.ContextFlags);
    if (st)
        return st;
    if (set && (mine.ContextFlags & CONTEXT_DEBUG_REGISTERS & WV_CTX_PARTS) && wv_dbg_check(mine.Dr7))
        return STATUS_NOT_SUPPORTED; /* an I/O breakpoint (fault/dbgreg.c emulates the others) */
    DWORD pid, tid;
    if (wv_process_thread_ids(h, &pid, &tid))
        return 0; /* a child process's thread: the core's */
    DWORD saved = GetLastError(), access = 0;
    struct wv_thread *t = wv_thread_ref(h, set ? THREAD_SET_CONTEXT : THREAD_GET_CONTEXT);
    if (!t) {
        DWORD err = GetLastError();
        struct wv_object *o = err == ERROR_INVALID_HANDLE ? wv_handle_get(h, WV_KIND_ANY, &access) : NULL;
        SetLastError(saved);
        if (o)
            wv_object_unref(o);
        return o ? STATUS_OBJECT_TYPE_MISMATCH : wv_status_of(err);
    }
    SetLastError(saved);
    st = t->tid == wv_tid() ? 1 : 0;
    wv_object_unref(&t->obj);
    return st;
}

WV_MSABI NTSTATUS wv_nt_ctx_which_get(HANDLE h, CONTEXT *c)
{
    return wv_ctx_which(h, c, false);
}

WV_MSABI NTSTATUS wv_nt_ctx_which_set(HANDLE h, CONTEXT *c)
{
    return wv_ctx_which(h, c, true);
}

/* Another thread (or a debuggee's, at an event): the core, its error as a status. */
static NTSTATUS wv_ctx_other(HANDLE h, CONTEXT *c, bool set)
{
    DWORD saved = GetLastError();
    DWORD err = wv_thread_context(h, c, set);
    SetLastError(saved);
    return err ? wv_status_of(err) : STATUS_SUCCESS;
}

WV_MSABI NTSTATUS wv_nt_ctx_get_other(HANDLE h, CONTEXT *c)
{
    return wv_ctx_other(h, c, false);
}

WV_MSABI NTSTATUS wv_nt_ctx_set_other(HANDLE h, CONTEXT *c)
{
    return wv_ctx_other(h, c, true);
}

/* The calling thread's registers at the call's return: now (captured in the entry point)
 * with its Rip and Rsp those of the return. */
static void wv_ctx_at_return(CONTEXT *now, DWORD64 rsp, DWORD64 rip, DWORD64 rax)
{
    now->Rsp = rsp, now->Rip = rip;
    now->Rax = rax; /* what the call returns there: STATUS_SUCCESS, or kernel32's TRUE */
    wv_dbg_get(wv_tid(), now); /* the capture leaves the debug registers alone */
}

/* Where the calling thread is shown inside NtGetContextThread: ntdll's `ret`, found once
 * (ntdll's module exists before PE code can call it); 0 without an ntdll image. */
static DWORD64 wv_ctx_inside(void)
{
    static void *ret; /* atomic: set once, any thread may find it first */
    void *r = __atomic_load_n(&ret, __ATOMIC_ACQUIRE);
    const struct wv_builtin *nt = r ? NULL : wv_builtin_named("ntdll.dll");
    if (nt && wv_builtin_ret(nt, &r) == 0)
        __atomic_store_n(&ret, r, __ATOMIC_RELEASE);
    return (DWORD64)(uintptr_t)r;
}

/* The calling thread's context, shown inside the call; rax: what the call returns when it is
 * given back. */
static NTSTATUS wv_ctx_give(CONTEXT *user, CONTEXT *now, DWORD64 rsp, DWORD64 rip, DWORD64 rax)
{
    CONTEXT c;
    BYTE upper[256];
    bool inuse = wv_xstate_avx() && wv_xstate_save(upper); /* first: before C code can touch them */
    if (wv_copy(&c, user, sizeof(c)))
        return STATUS_ACCESS_VIOLATION;
    DWORD64 in = wv_ctx_inside();
    if (in)
        wv_ctx_at_return(now, rsp - 8, in, rax); /* Rsp at the return address, which the ret takes */
    else
        wv_ctx_at_return(now, rsp, rip, rax);
    wv_context_merge(&c, now, c.ContextFlags);
    if (wv_copy(user, &c, sizeof(c)))
        return STATUS_ACCESS_VIOLATION;
    return wv_xstate_avx() ? wv_ctx_xstate_get(user, upper, inuse) : STATUS_SUCCESS;
}

/* The calling thread goes on at the call's return with the parts given (Rax rax unless they
 * give it); returns only when the CONTEXT cannot be read. */
static void wv_ctx_switch(CONTEXT *user, CONTEXT *now, DWORD64 rsp, DWORD64 rip, DWORD64 rax)
{
    CONTEXT c;
    if (wv_copy(&c, user, sizeof(c)))
        return;
    wv_ctx_at_return(now, rsp, rip, rax);
    wv_context_merge(now, &c, c.ContextFlags);
    now->ContextFlags = CONTEXT_FULL | CONTEXT_SEGMENTS |
                        ((c.ContextFlags & CONTEXT_DEBUG_REGISTERS & WV_CTX_PARTS) ? CONTEXT_DEBUG_REGISTERS : 0);
    if ((c.ContextFlags & WV_CTX_XSTATE) == WV_CTX_XSTATE) {
        now->ContextFlags |= WV_CTX_XSTATE;
        wv_seh_restore_xs(now, user); /* the AVX state from user's XSTATE area; does not return */
    }
    wv_nt_RtlRestoreContext(now, NULL); /* does not return */
}

WV_MSABI NTSTATUS wv_nt_ctx_give(CONTEXT *user, CONTEXT *now, DWORD64 rsp, DWORD64 rip)
{
    return wv_ctx_give(user, now, rsp, rip, STATUS_SUCCESS);
}

WV_MSABI NTSTATUS wv_nt_ctx_switch(CONTEXT *user, CONTEXT *now, DWORD64 rsp, DWORD64 rip)
{
    wv_ctx_switch(user, now, rsp, rip, STATUS_SUCCESS);
    return STATUS_ACCESS_VIOLATION;
}

/* ---- PE code's kernel32 GetThreadContext and SetThreadContext ----
 * On the calling thread they are NtGetContextThread and NtSetContextThread, which Windows'
 * kernelbase calls: the thread is shown inside the call (Rip ntdll's `ret`, Rsp the stack on
 * entry) and any ContextFlags set it, going on from the call's return.  What differs is the
 * result a context given back returns: TRUE, kernel32's BOOL.  Whatever the NT checks refuse,
 * and any other thread, takes the C calls (thread_ctl.c), which answer with Win32 errors. */
WV_MSABI NTSTATUS wv_k32_ctx_which_get(HANDLE h, CONTEXT *c) { return wv_nt_ctx_which_get(h, c) == 1; }
WV_MSABI NTSTATUS wv_k32_ctx_which_set(HANDLE h, CONTEXT *c) { return wv_nt_ctx_which_set(h, c) == 1; }

WV_MSABI BOOL wv_k32_ctx_give(CONTEXT *user, CONTEXT *now, DWORD64 rsp, DWORD64 rip)
{
    NTSTATUS st = wv_ctx_give(user, now, rsp, rip, TRUE);
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}

WV_MSABI BOOL wv_k32_ctx_switch(CONTEXT *user, CONTEXT *now, DWORD64 rsp, DWORD64 rip)
{
    wv_ctx_switch(user, now, rsp, rip, TRUE);
    return wv_fail(ERROR_NOACCESS);
}

WV_MSABI BOOL wv_k32_ctx_get_other(HANDLE h, CONTEXT *c)
{
    return GetThreadContext(h, c);
}

WV_MSABI BOOL wv_k32_ctx_set_other(HANDLE h, CONTEXT *c)
{
    return SetThreadContext(h, c);
}

/* ms_abi: rcx = thread, rdx = CONTEXT.  The calls run on the thread's context stack
 * (ctx_stack.c), as Windows' run on the kernel stack, so the caller's needs no room below its
 * rsp: only the lookup of that stack (a few words) runs on it.  The slot at its top keeps the
 * caller's rsp (at its return address); the other thread's path goes back to the caller's
 * stack before its jump.  The frame of the calling-thread path: the CONTEXT captured at
 * 0x20(%rsp) (16-aligned, 0x4d0 bytes), the caller's CONTEXT pointer at 0x500, the caller's rsp
 * at 0x508. */
#define WV_CTX_ENTRY(name, which, self, other)                                                                      \
    __asm__(".text\n"                                                                                              \
            ".globl " #name "\n"                                                                                   \
            ".hidden " #name "\n"                                                                                  \
            ".type " #name ",@function\n" #name ":\n"                                                              \
            "  push %rcx\n"                                                                                        \
            "  push %rdx\n"                                                                                        \
            "  sub $40, %rsp\n"                                                                                    \
            "  call wv_ctx_stack_top\n"                                                                            \
            "  add $40, %rsp\n"                                                                                    \
            "  pop %rdx\n"                                                                                         \
            "  pop %rcx\n"                                                                                         \
            "  test %rax, %rax\n"                                                                                  \
            "  jnz 2f\n"                                                                                           \
            "  mov %rsp, %rax\n" /* none: below the caller's return address, on its stack */                      \
            "  and $-16, %rax\n"                                                                                   \
            "  sub $16, %rax\n"                                                                                    \
            "2:\n"                                                                                                 \
            "  mov %rsp, -8(%rax)\n"                                                                               \
            "  lea -8(%rax), %rsp\n" /* as at an entry: 8 mod 16 */                                               \
            "  push %rcx\n"                                                                                        \
            "  push %rdx\n"                                                                                        \
            "  sub $40, %rsp\n"                                                                                    \
            "  call " #which "\n"                                                                                  \
            "  add $40, %rsp\n"                                                                                    \
            "  pop %rdx\n"                                                                                         \
            "  pop %rcx\n"                                                                                         \
            "  cmp $1, %eax\n"                                                                                     \
            "  je 1f\n"                                                                                            \
            "  pop %rsp\n"                                                                                         \
            "  test %eax, %eax\n"                                                                                  \
            "  jz " #other "\n"                                                                                    \
            "  ret\n"                                                                                              \
            "1:\n"                                                                                                 \
            "  push %rdx\n"                                                                                        \
            "  sub $0x500, %rsp\n"                                                                                 \
            "  lea 0x20(%rsp), %rcx\n"                                                                             \
            "  call wv_seh_capture\n"                                                                              \
            "  mov 0x500(%rsp), %rcx\n"                                                                            \
            "  lea 0x20(%rsp), %rdx\n"                                                                             \
            "  mov 0x508(%rsp), %r8\n"                                                                             \
            "  mov (%r8), %r9\n"  /* the return address */                                                         \
            "  add $8, %r8\n"     /* the caller's stack past it */                                                 \
            "  call " #self "\n"                                                                                   \
            "  add $0x500, %rsp\n"                                                                                 \
            "  pop %rdx\n"                                                                                         \
            "  pop %rsp\n"                                                                                         \
            "  ret\n"                                                                                              \
            ".size " #name ", .-" #name "\n")

WV_CTX_ENTRY(wv_nt_NtGetContextThread, wv_nt_ctx_which_get, wv_nt_ctx_give, wv_nt_ctx_get_other);
WV_CTX_ENTRY(wv_nt_NtSetContextThread, wv_nt_ctx_which_set, wv_nt_ctx_switch, wv_nt_ctx_set_other);
WV_CTX_ENTRY(wv_k32_GetThreadContext, wv_k32_ctx_which_get, wv_k32_ctx_give, wv_k32_ctx_get_other);
WV_CTX_ENTRY(wv_k32_SetThreadContext, wv_k32_ctx_which_set, wv_k32_ctx_switch, wv_k32_ctx_set_other);
