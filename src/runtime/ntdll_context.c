/* SPDX-License-Identifier: MIT */
/* ntdll_context.c - NtGetContextThread and NtSetContextThread (ms_abi, for ntdll.c's table)
 * over GetThreadContext/SetThreadContext's core (thread_ctl.c), with NTSTATUS results and no
 * change to the last error.
 *
 * The checks come first and change nothing: a CONTEXT the caller cannot read (Set) or write
 * (Get) is STATUS_ACCESS_VIOLATION, ContextFlags without CONTEXT_AMD64 or with a part x64 does
 * not have STATUS_INVALID_PARAMETER, a handle that is not a thread's STATUS_INVALID_HANDLE (or
 * STATUS_OBJECT_TYPE_MISMATCH when it names another object), one without THREAD_GET_CONTEXT /
 * THREAD_SET_CONTEXT STATUS_ACCESS_DENIED.
 *
 * The calling thread: its registers are the caller's own, so the entry points are assembly.
 * Get captures them (wv_seh_capture) as Windows' syscall stub has them: Rip a ret in ntdll's
 * image (its entry point's; the entry's own final ret for a host caller with no ntdll module
 * made), Rsp the slot of the return address (the stack on entry), the nonvolatile registers
 * untouched (the checks are ms_abi code, which keeps them), and copies the parts asked for.
 * Set captures the same, replaces the parts given and resumes there (Rax STATUS_SUCCESS unless
 * CONTEXT_INTEGER gave it), so a context without CONTEXT_CONTROL returns to the caller and one
 * with it goes where it says.  A Get's context given back to Set from the same frame thus
 * returns from the Set (its ret pops the return address now in that slot: the Set's own), as
 * on Windows, where programs rely on it.  Debug registers cannot be set: hardware breakpoints
 * need ptrace or perf events the hardware honours (STATUS_NOT_SUPPORTED when Dr7 enables one).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/thread_int.h"
#include "runtime/debug_int.h"
#include "fault/fault.h"
#include "loader/loader.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

#include <stddef.h>
#include <unistd.h>

/* The parts an x64 CONTEXT has (CONTROL .. DEBUG_REGISTERS) and the flags Windows keeps in
 * ContextFlags beside them (exception state, CONTEXT_XSTATE's bit is not a part winvm has). */
#define WV_CTX_PARTS 0x1fu
#define WV_CTX_STATE 0xd8000000u /* EXCEPTION_REQUEST/REPORTING, EXCEPTION_ACTIVE, SERVICE_ACTIVE */

static NTSTATUS wv_ctx_flags(DWORD flags)
{
    if (!(flags & CONTEXT_AMD64) || (flags & ~(CONTEXT_AMD64 | WV_CTX_PARTS | WV_CTX_STATE)))
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
    if (set && (mine.ContextFlags & CONTEXT_DEBUG_REGISTERS & WV_CTX_PARTS) && (mine.Dr7 & 0xff))
        return STATUS_NOT_SUPPORTED; /* no hardware breakpoints without ptrace */
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
    st = t->tid == (DWORD)gettid() ? 1 : 0;
    wv_object_unref(&t->obj);
    return st;
}

WV_MSABI NTSTATUS wv_nt_ctx_which_get(HANDLE h, CONTEXT *c)
{
    wv_stack_probe();
    return wv_ctx_which(h, c, false);
}

WV_MSABI NTSTATUS wv_nt_ctx_which_set(HANDLE h, CONTEXT *c)
{
    wv_stack_probe();
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
    wv_stack_probe();
    return wv_ctx_other(h, c, false);
}

WV_MSABI NTSTATUS wv_nt_ctx_set_other(HANDLE h, CONTEXT *c)
{
    wv_stack_probe();
    return wv_ctx_other(h, c, true);
}

/* ntdll's ret (wv_builtin_ret), found once: the module is never unloaded.  Else own, the
 * entry's. */
static DWORD64 wv_ctx_ret(DWORD64 own)
{
    static void *ntdll_ret; /* set once, atomically; NULL until ntdll's module is made */
    void *r = __atomic_load_n(&ntdll_ret, __ATOMIC_ACQUIRE);
    if (!r) {
        const struct wv_builtin *bi = wv_builtin_named("ntdll.dll");
        r = bi ? wv_builtin_ret(bi) : NULL;
        if (r)
            __atomic_store_n(&ntdll_ret, r, __ATOMIC_RELEASE);
    }
    return r ? (DWORD64)(uintptr_t)r : own;
}

/* The calling thread's registers at a ret with rsp the slot of the return address: now
 * (captured in the entry point), rip the entry's final ret. */
static void wv_ctx_at_return(CONTEXT *now, DWORD64 rsp, DWORD64 rip)
{
    now->Rsp = rsp, now->Rip = wv_ctx_ret(rip);
    now->Rax = STATUS_SUCCESS;
    /* The capture leaves the debug registers alone; winvm's threads have none set. */
    now->Dr0 = now->Dr1 = now->Dr2 = now->Dr3 = now->Dr6 = now->Dr7 = 0;
}

WV_MSABI NTSTATUS wv_nt_ctx_give(CONTEXT *user, CONTEXT *now, DWORD64 rsp, DWORD64 rip)
{
    wv_stack_probe();
    CONTEXT c;
    if (wv_copy(&c, user, sizeof(c)))
        return STATUS_ACCESS_VIOLATION;
    wv_ctx_at_return(now, rsp, rip);
    wv_context_merge(&c, now, c.ContextFlags);
    return wv_copy(user, &c, sizeof(c)) ? STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

WV_MSABI NTSTATUS wv_nt_ctx_switch(CONTEXT *user, CONTEXT *now, DWORD64 rsp, DWORD64 rip)
{
    wv_stack_probe();
    CONTEXT c;
    if (wv_copy(&c, user, sizeof(c)))
        return STATUS_ACCESS_VIOLATION;
    wv_ctx_at_return(now, rsp, rip);
    wv_context_merge(now, &c, c.ContextFlags);
    now->ContextFlags = CONTEXT_FULL | CONTEXT_SEGMENTS;
    wv_nt_RtlRestoreContext(now, NULL); /* does not return */
    return STATUS_SUCCESS;
}

/* ms_abi: rcx = thread, rdx = CONTEXT.  The frame of the calling-thread path: the CONTEXT
 * captured at 0x20(%rsp) (16-aligned, 0x4d0 bytes), the caller's CONTEXT pointer at 0x500, the
 * return address at 0x508 and the caller's stack past it at 0x510.  The context's Rip is the
 * final ret (label NAME_ret), reached with rsp at the return address's slot. */
#define WV_CTX_ENTRY(name, which, self, other)                                                                      \
    __asm__(".text\n"                                                                                              \
            ".globl " #name "\n"                                                                                   \
            ".hidden " #name "\n"                                                                                  \
            ".type " #name ",@function\n" #name ":\n"                                                              \
            "  push %rcx\n"                                                                                        \
            "  push %rdx\n"                                                                                        \
            "  sub $40, %rsp\n"                                                                                    \
            "  call " #which "\n"                                                                                  \
            "  add $40, %rsp\n"                                                                                    \
            "  pop %rdx\n"                                                                                         \
            "  pop %rcx\n"                                                                                         \
            "  cmp $1, %eax\n"                                                                                     \
            "  je 1f\n"                                                                                            \
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
            "  lea 0x508(%rsp), %r8\n"                                                                             \
            "  lea .L" #name "_ret(%rip), %r9\n"                                                                   \
            "  call " #self "\n"                                                                                   \
            "  add $0x500, %rsp\n"                                                                                 \
            "  pop %rdx\n"                                                                                         \
            ".L" #name "_ret:\n"                                                                                   \
            "  ret\n"                                                                                              \
            ".size " #name ", .-" #name "\n")

WV_CTX_ENTRY(wv_nt_NtGetContextThread, wv_nt_ctx_which_get, wv_nt_ctx_give, wv_nt_ctx_get_other);
WV_CTX_ENTRY(wv_nt_NtSetContextThread, wv_nt_ctx_which_set, wv_nt_ctx_switch, wv_nt_ctx_set_other);
