/* SPDX-License-Identifier: MIT */
/* test_fault_context.c - the CONTEXT a vectored handler sees, and resuming with a changed one. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#define MAGIC12 0x1122334455667788ull
#define MAGIC13 0x0badc0ffee0ddf00ull
#define MAGIC_XMM 0x5eed5eed12345678ull
#define LOADED 0x0123456789abcdefull

/* Written by the asm block just before the faulting instruction. */
static uintptr_t g_fault_rip, g_next_rip;
static uintptr_t g_stack_probe; /* an address in the faulting function's frame */

static struct {
    int calls;
    DWORD code;
    uintptr_t addr, rip, rsp, r12, r13, xmm7;
    ULONG_PTR info0, info1;
    DWORD flags;
    bool rsp_sane;
    int mode; /* 0: observe only and skip; 1: change registers and skip; 2: also set CF */
} seen;

static LONG WINAPI context_handler(PEXCEPTION_POINTERS ep)
{
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    CONTEXT *c = ep->ContextRecord;
    if (r->ExceptionCode != STATUS_ACCESS_VIOLATION || c->Rip != g_fault_rip)
        return EXCEPTION_CONTINUE_SEARCH;
    seen.calls++;
    seen.code = r->ExceptionCode;
    seen.addr = (uintptr_t)r->ExceptionAddress;
    seen.info0 = r->ExceptionInformation[0];
    seen.info1 = r->ExceptionInformation[1];
    seen.rip = c->Rip;
    seen.rsp = c->Rsp;
    seen.r12 = c->R12;
    seen.r13 = c->R13;
    seen.xmm7 = c->Xmm7.Low;
    seen.flags = c->ContextFlags;
    /* The faulting frame's stack: within a page of a local of the faulting function (which
     * may sit in the red zone, below Rsp), and not the handler's (alternate) stack. */
    uintptr_t here = (uintptr_t)&here;
    uintptr_t d = c->Rsp > g_stack_probe ? c->Rsp - g_stack_probe : g_stack_probe - c->Rsp;
    seen.rsp_sane = d < 4096 && (c->Rsp & 7) == 0 &&
                    (here > c->Rsp ? here - c->Rsp : c->Rsp - here) > 64;
    /* Skip the faulting load (its length from the two labels) and supply its result. */
    c->Rip = g_next_rip;
    c->R14 = LOADED;
    if (seen.mode >= 1) {
        c->R12 = c->R12 ^ 0xffff;
        c->Rbx = 0x600d;
        c->Xmm7.Low = ~(ULONGLONG)MAGIC_XMM;
    }
    if (seen.mode >= 2)
        c->EFlags |= 1; /* CF */
    return EXCEPTION_CONTINUE_EXECUTION;
}

struct asm_out {
    uint64_t r12, r14, rbx, xmm7, cf;
};

/* Loads 8 bytes from p with r12, r13, xmm7 and rbx set to known values; the load is the only
 * instruction between labels 1 and 2. */
__attribute__((noinline, noclone)) static void faulting_load(const void *p, struct asm_out *o)
{
    volatile char probe = 0;
    g_stack_probe = (uintptr_t)&probe;
    uint64_t r12, r14, rbx, xmm7;
    unsigned char cf;
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, %[frip]\n\t"
                     "lea 2f(%%rip), %%rax\n\t"
                     "mov %%rax, %[nrip]\n\t"
                     "movabs %[m12], %%r12\n\t"
                     "movabs %[m13], %%r13\n\t"
                     "movabs %[mx], %%rax\n\t"
                     "movq %%rax, %%xmm7\n\t"
                     "xor %%ebx, %%ebx\n\t"
                     "xor %%r14d, %%r14d\n\t" /* also clears CF */
                     "1: movq (%[p]), %%r14\n\t"
                     "2: setc %[cf]\n\t"
                     "mov %%r12, %[o12]\n\t"
                     "mov %%r14, %[o14]\n\t"
                     "mov %%rbx, %[obx]\n\t"
                     "movq %%xmm7, %[ox]\n\t"
                     : [frip] "=m"(g_fault_rip), [nrip] "=m"(g_next_rip), [o12] "=&r"(r12),
                       [o14] "=&r"(r14), [obx] "=&r"(rbx), [ox] "=&r"(xmm7), [cf] "=&q"(cf)
                     : [p] "r"(p), [m12] "i"(MAGIC12), [m13] "i"(MAGIC13), [mx] "i"(MAGIC_XMM)
                     : "rax", "rbx", "r12", "r13", "r14", "xmm7", "cc", "memory");
    o->r12 = r12, o->r14 = r14, o->rbx = rbx, o->xmm7 = xmm7, o->cf = cf;
}

Test(fault_context, handler_sees_registers_rip_and_rsp_of_the_fault)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
    cr_assert_not_null(p);
    PVOID h = AddVectoredExceptionHandler(1, context_handler);
    memset(&seen, 0, sizeof(seen));
    struct asm_out o;
    faulting_load(p + 8, &o);
    cr_assert_eq(seen.calls, 1);
    cr_assert_gt(g_next_rip, g_fault_rip);
    cr_assert_lt(g_next_rip - g_fault_rip, 16, "one instruction");
    cr_assert_eq(seen.addr, g_fault_rip, "ExceptionAddress %#lx, faulting instruction at %#lx",
                 (unsigned long)seen.addr, (unsigned long)g_fault_rip);
    cr_assert_eq(seen.rip, g_fault_rip, "Rip == ExceptionAddress");
    cr_assert_eq(seen.info0, 0);
    cr_assert_eq(seen.info1, (ULONG_PTR)(p + 8));
    cr_assert_eq(seen.r12, MAGIC12, "R12 %#lx", (unsigned long)seen.r12);
    cr_assert_eq(seen.r13, MAGIC13, "R13 %#lx", (unsigned long)seen.r13);
    cr_assert_eq(seen.xmm7, MAGIC_XMM, "Xmm7.Low %#lx", (unsigned long)seen.xmm7);
    cr_assert(seen.rsp_sane, "Rsp %#lx, frame probe %#lx", (unsigned long)seen.rsp,
              (unsigned long)g_stack_probe);
    cr_assert_eq(seen.flags & CONTEXT_CONTROL, CONTEXT_CONTROL);
    cr_assert_eq(seen.flags & CONTEXT_INTEGER, CONTEXT_INTEGER);
    /* mode 0: only Rip and R14 changed */
    cr_assert_eq(o.r14, LOADED, "the handler's R14 reached the resumed code");
    cr_assert_eq(o.r12, MAGIC12);
    cr_assert_eq(o.rbx, 0);
    cr_assert_eq(o.xmm7, MAGIC_XMM);
    cr_assert_eq(o.cf, 0);
    cr_assert(RemoveVectoredExceptionHandler(h));
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(fault_context, changed_registers_and_rip_take_effect_on_continue)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE); /* reserved only */
    PVOID h = AddVectoredExceptionHandler(1, context_handler);
    for (int mode = 1; mode <= 2; mode++) {
        memset(&seen, 0, sizeof(seen));
        seen.mode = mode;
        struct asm_out o;
        faulting_load(p + 16, &o);
        cr_assert_eq(seen.calls, 1);
        cr_assert_eq(o.r14, LOADED);
        cr_assert_eq(o.r12, MAGIC12 ^ 0xffff, "changed R12: %#lx", (unsigned long)o.r12);
        cr_assert_eq(o.rbx, 0x600d, "changed RBX: %#lx", (unsigned long)o.rbx);
        cr_assert_eq(o.xmm7, ~(ULONGLONG)MAGIC_XMM, "changed XMM7: %#lx", (unsigned long)o.xmm7);
        cr_assert_eq(o.cf, mode == 2, "changed EFlags.CF");
    }
    /* Again and again: the resume path leaves the thread in working order. */
    for (int i = 0; i < 1000; i++) {
        seen.mode = 1;
        struct asm_out o;
        faulting_load(p + 16, &o);
        cr_assert_eq(o.r14, LOADED);
    }
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    cr_assert_not(sigismember(&cur, SIGSEGV), "SIGSEGV left blocked");
    cr_assert(RemoveVectoredExceptionHandler(h));
    VirtualFree(p, 0, MEM_RELEASE);
}

/* A fault with no handler taking it: the try sees the same address. */
struct load_arg { const void *p; struct asm_out o; };
static void load_in_try(void *arg)
{
    struct load_arg *a = arg;
    faulting_load(a->p, &a->o);
}

Test(fault_context, try_record_names_the_faulting_instruction)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
    struct load_arg a = {p + 24, {0}};
    EXCEPTION_RECORD rec;
    cr_assert_eq(winvm_try(load_in_try, &a, &rec), STATUS_ACCESS_VIOLATION);
    cr_assert_eq((uintptr_t)rec.ExceptionAddress, g_fault_rip);
    cr_assert_eq(rec.ExceptionInformation[0], 0);
    cr_assert_eq(rec.ExceptionInformation[1], (ULONG_PTR)(p + 24));
    VirtualFree(p, 0, MEM_RELEASE);
}

/* Rsp changed by the handler: the resumed code reads the value the handler "pushed". */
static uintptr_t g_push_fault, g_push_next;

__attribute__((noinline, noclone)) static uint64_t rsp_change(const void *p)
{
    uint64_t out;
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, %[f]\n\t"
                     "lea 2f(%%rip), %%rax\n\t"
                     "mov %%rax, %[n]\n\t"
                     "mov %%rsp, %%r15\n\t"
                     "sub $256, %%rsp\n\t" /* clear of the red zone */
                     "movq $0, (%%rsp)\n\t"
                     "movq $0, -8(%%rsp)\n\t"
                     "1: movq (%[p]), %%rax\n\t"
                     "2: mov (%%rsp), %[out]\n\t"
                     "mov %%r15, %%rsp\n\t"
                     : [f] "=m"(g_push_fault), [n] "=m"(g_push_next), [out] "=&r"(out)
                     : [p] "r"(p)
                     : "rax", "r15", "memory");
    return out;
}

static LONG WINAPI rsp_handler(PEXCEPTION_POINTERS ep)
{
    CONTEXT *c = ep->ContextRecord;
    if (c->Rip != g_push_fault)
        return EXCEPTION_CONTINUE_SEARCH;
    c->Rsp -= 8;
    *(uint64_t *)c->Rsp = 0xbeef;
    c->Rip = g_push_next;
    return EXCEPTION_CONTINUE_EXECUTION;
}

Test(fault_context, changed_rsp_takes_effect)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
    PVOID h = AddVectoredExceptionHandler(1, rsp_handler);
    cr_assert_eq(rsp_change(p), 0xbeef);
    cr_assert_eq(rsp_change(p + 64), 0xbeef);
    cr_assert(RemoveVectoredExceptionHandler(h));
    VirtualFree(p, 0, MEM_RELEASE);
}
