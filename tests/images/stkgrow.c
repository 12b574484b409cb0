/* SPDX-License-Identifier: MIT */
/* stkgrow.c - stkgrow.exe: a thread stack grows as Windows grows it, seen through the TEB, from
 * PE code.  CRT-free (-nostdlib -e start; kernel32 only).  Prints "ok NAME" / "FAIL NAME";
 * exits with the failures.
 *
 *   teb_bounds     DeallocationStack (gs:[0x1478]) < StackLimit (gs:[0x10]) <= rsp < StackBase
 *                  (gs:[0x08]); StackLimit is the lowest committed page: the page below it is
 *                  the guard page (PAGE_READWRITE | PAGE_GUARD)
 *   limit_follows  after frames 48 KiB deeper, StackLimit has moved down over them, the guard
 *                  page again right below it
 *   own_stack      a stack the program reserved itself (4 MiB, its top page a guard page),
 *                  named in the TEB and switched to: touching 40 KiB of it grows it silently
 *                  (no STATUS_GUARD_PAGE_VIOLATION: Windows grows a guard page inside the
 *                  TEB's stack as a stack), StackLimit follows, the guard page below it
 */
#include "exe_util.h"

static void *teb_field(unsigned off)
{
    void *v;
    __asm__ volatile("mov %%gs:(%1), %0" : "=r"(v) : "r"((ULONG_PTR)off));
    return v;
}

static void teb_set(unsigned off, void *v) { __asm__ volatile("mov %0, %%gs:(%1)" ::"r"(v), "r"((ULONG_PTR)off)); }

#define STACK_BASE 0x08
#define STACK_LIMIT 0x10
#define DEALLOC 0x1478

/* The page below StackLimit is the guard page.  A first query lets the call itself grow the
 * stack (winvm probes the stack below a call's frame), then StackLimit is read again. */
static int guard_below_limit(void)
{
    MEMORY_BASIC_INFORMATION m;
    if (!VirtualQuery((void *)guard_below_limit, &m, sizeof(m)))
        return 0;
    char *limit = teb_field(STACK_LIMIT);
    if (!VirtualQuery(limit - 0x1000, &m, sizeof(m)))
        return 0;
    return m.State == MEM_COMMIT && m.Protect == (PAGE_READWRITE | PAGE_GUARD) && teb_field(STACK_LIMIT) == limit;
}

/* Frames under 4 KiB (no __chkstk_ms in a -nostdlib program), each touching its buffer from
 * the top down so that pages are met in order. */
static __attribute__((noinline)) int deeper(int n)
{
    volatile char buf[3000];
    for (int i = (int)sizeof(buf) - 1; i >= 0; i -= 512)
        buf[i] = (char)n;
    buf[0] = (char)n;
    return n ? deeper(n - 1) + buf[0] : buf[0];
}

/* call_on(fn, arg, stack): fn(arg) with rsp at stack (less the home area), back afterwards. */
__asm__(".globl call_on\n"
        "call_on:\n"
        "  push %rbp\n"
        "  mov %rsp, %rbp\n"
        "  xchg %rcx, %rdx\n"
        "  and $-16, %r8\n"
        "  sub $0x20, %r8\n"
        "  mov %r8, %rsp\n"
        "  call *%rdx\n"
        "  mov %rbp, %rsp\n"
        "  pop %rbp\n"
        "  ret\n");
extern int call_on(int (*fn)(int), int arg, void *stack);

static char *seen_limit;

static int on_own_stack(int n)
{
    int r = deeper(n);
    seen_limit = teb_field(STACK_LIMIT);
    return r;
}

void start(void)
{
    char here;
    char *dealloc = teb_field(DEALLOC), *limit = teb_field(STACK_LIMIT), *base = teb_field(STACK_BASE);
    eu_check("teb_bounds", dealloc < limit && limit <= &here && &here < base && guard_below_limit());
    deeper(16); /* 17 frames of ~3 KiB */
    char *now = teb_field(STACK_LIMIT);
    eu_check("limit_follows", now <= limit - 0x8000 && (ULONG_PTR)now < (ULONG_PTR)&here - 0xa000 && guard_below_limit());

    char *mine = VirtualAlloc(NULL, 0x400000, MEM_RESERVE, PAGE_READWRITE);
    char *top = mine + 0x400000;
    int ok = mine && VirtualAlloc(top - 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    teb_set(DEALLOC, mine), teb_set(STACK_BASE, top), teb_set(STACK_LIMIT, top);
    int r = ok ? call_on(on_own_stack, 12, top) : -1;
    teb_set(DEALLOC, dealloc), teb_set(STACK_BASE, base), teb_set(STACK_LIMIT, now);
    MEMORY_BASIC_INFORMATION m;
    int guard = VirtualQuery(seen_limit - 0x1000, &m, sizeof(m)) && m.State == MEM_COMMIT &&
                m.Protect == (PAGE_READWRITE | PAGE_GUARD);
    eu_check("own_stack", ok && r == 12 * 13 / 2 && seen_limit <= top - 0x9000 && seen_limit > mine && guard);
    VirtualFree(mine, 0, MEM_RELEASE);
    ExitProcess(*eu_failures());
}
