/* SPDX-License-Identifier: MIT */
/* thrstart.c - thrstart.exe: the context of a thread created suspended that never ran, from
 * PE code (tests/test_thread_kill.c).  Prints "ok NAME" / "FAIL NAME"; exits with the failures.
 *
 *   initial     GetThreadContext before the first ResumeThread: Rip is ntdll's
 *               RtlUserThreadStart, Rcx the start routine, Rdx its argument, Rsp 0x28 below the
 *               top of the thread's stack (the StackBase its TEB reports once it runs), 8 mod 16;
 *               a fresh FPU state (MXCSR 0x1f80, x87 control word 0x27f), EFlags with IF
 *   runs        resumed unchanged: the start routine runs with its argument, its result is the
 *               exit code
 *   set_arg     SetThreadContext(Rdx) before the first resume: the routine gets the new argument
 *   set_start   SetThreadContext(Rcx): another routine runs
 *   set_rip     SetThreadContext(Rip, Rcx, Rdx, Rsp): the thread starts at an address of the
 *               program's choosing with those registers, and ExitThread's code is the exit code
 *   counts      SuspendThread on it returns 1, ResumeThread 2 then 1; it runs after the last
 */
#include <windows.h>
#include <stdio.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

static volatile ULONG_PTR seen_arg, seen_base, seen_fn;

static DWORD WINAPI record(LPVOID arg)
{
    seen_arg = (ULONG_PTR)arg;
    ULONG_PTR base;
    __asm__("mov %%gs:8, %0" : "=r"(base)); /* the TEB's NT_TIB.StackBase */
    seen_base = base;
    seen_fn = 1;
    return 42;
}

static DWORD WINAPI other(LPVOID arg)
{
    seen_arg = (ULONG_PTR)arg;
    seen_fn = 2;
    return 43;
}

static volatile ULONG_PTR alt_rcx, alt_rdx, alt_rsp;

/* Entered with the registers SetThreadContext gave: not a call, so no return address. */
static void __attribute__((used)) alt_entry_c(ULONG_PTR rcx, ULONG_PTR rdx, ULONG_PTR rsp)
{
    alt_rcx = rcx, alt_rdx = rdx, alt_rsp = rsp;
    ExitThread(77);
}
__asm__(".globl alt_entry\n"
        "alt_entry:\n"
        "  mov %rsp, %r8\n"
        "  and $-16, %rsp\n"
        "  sub $32, %rsp\n"
        "  call alt_entry_c\n"
        "  ud2\n");
void alt_entry(void);

static HANDLE suspended(LPTHREAD_START_ROUTINE fn, ULONG_PTR arg, CONTEXT *c)
{
    HANDLE h = CreateThread(NULL, 0, fn, (LPVOID)arg, CREATE_SUSPENDED, NULL);
    memset(c, 0, sizeof(*c));
    c->ContextFlags = CONTEXT_FULL;
    if (!h || !GetThreadContext(h, c))
        printf("  create %p or GetThreadContext failed: %lu\n", h, GetLastError());
    return h;
}

static DWORD finish(HANDLE h)
{
    DWORD code = 0;
    ResumeThread(h);
    if (WaitForSingleObject(h, 5000) != WAIT_OBJECT_0)
        return 0xdead;
    GetExitCodeThread(h, &code);
    CloseHandle(h);
    return code;
}

int main(void)
{
    void *start = (void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "RtlUserThreadStart");
    static CONTEXT c; /* aligned 16 as a static of its type */
    HANDLE h = suspended(record, 0x1234, &c);
    int regs = start && c.Rip == (DWORD64)start && c.Rcx == (DWORD64)record && c.Rdx == 0x1234 && c.Rsp % 16 == 8 &&
               c.MxCsr == 0x1f80 && c.FltSave.ControlWord == 0x27f && (c.EFlags & 0x200);
    DWORD64 rsp = c.Rsp;
    seen_fn = 0;
    DWORD code = finish(h);
    check("initial", regs && seen_base && rsp == seen_base - 0x28);
    check("runs", code == 42 && seen_fn == 1 && seen_arg == 0x1234);
    if (!regs)
        printf("  rip %llx (%p) rcx %llx rdx %llx rsp %llx base %llx\n", c.Rip, start, c.Rcx, c.Rdx, c.Rsp,
               (unsigned long long)seen_base);

    h = suspended(record, 0x1234, &c);
    c.ContextFlags = CONTEXT_INTEGER;
    c.Rdx = 0x5678;
    BOOL set = SetThreadContext(h, &c);
    seen_fn = 0;
    code = finish(h);
    check("set_arg", set && code == 42 && seen_arg == 0x5678);

    h = suspended(record, 0x1234, &c);
    c.Rcx = (DWORD64)other;
    set = SetThreadContext(h, &c);
    seen_fn = 0;
    code = finish(h);
    check("set_start", set && code == 43 && seen_fn == 2 && seen_arg == 0x1234);

    h = suspended(record, 0x1234, &c);
    c.ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
    c.Rip = (DWORD64)alt_entry;
    c.Rcx = 0xabc, c.Rdx = 0xdef;
    c.Rsp -= 0x1000;
    DWORD64 want_rsp = c.Rsp;
    set = SetThreadContext(h, &c);
    CONTEXT back;
    memset(&back, 0, sizeof(back));
    back.ContextFlags = CONTEXT_FULL;
    BOOL got = GetThreadContext(h, &back);
    code = finish(h);
    check("set_rip", set && got && back.Rip == (DWORD64)alt_entry && code == 77 && alt_rcx == 0xabc &&
                         alt_rdx == 0xdef && alt_rsp == want_rsp);

    seen_fn = 0;
    h = CreateThread(NULL, 0, record, (LPVOID)9, CREATE_SUSPENDED, NULL);
    DWORD s1 = SuspendThread(h), r1 = ResumeThread(h);
    Sleep(10);
    int early = seen_fn != 0;
    DWORD r2 = ResumeThread(h);
    code = finish(h); /* one more ResumeThread: 0 */
    check("counts", s1 == 1 && r1 == 2 && r2 == 1 && !early && code == 42);
    printf("failures %d\n", failures);
    return failures;
}
