/* dbgregs.c - the debug registers Dr0-Dr3/Dr6/Dr7 set through a thread's CONTEXT, and the
 * breakpoints they enable (winvm emulates them: fault/dbgreg.c).  Checks, one line each:
 *   get_returns_set  NtSetContextThread on itself with CONTEXT_DEBUG_REGISTERS, then
 *                    NtGetContextThread and GetThreadContext give Dr0/Dr7 back
 *   exec_fires       Dr0 execute breakpoint on exec_target: a vectored handler sees
 *                    EXCEPTION_SINGLE_STEP at exec_target, Dr6 B0, the CONTEXT's Dr0/Dr7 set, no
 *                    parameters; it continues with RF and the function returns its value
 *   exec_again       a second call fires again (RF skips one instruction only)
 *   write_fires      Dr1 write breakpoint (RW=01, len 4) on a global: EXCEPTION_SINGLE_STEP
 *                    after the write, the value written already there, Dr6 B1
 *   read_not_trapped a read of that global raises nothing under RW=01
 *   rw_read_fires    Dr2 read/write breakpoint (RW=11, len 8): a read raises, Dr6 B2
 *   other_thread     a thread without debug registers calls exec_target and writes the global:
 *                    no exception, its write lands
 *   cleared          Dr7 0: neither the call nor the write raises; Get gives Dr7 0
 *   by_continue      RtlCaptureContext + Dr0/Dr7 + NtContinue sets them: the call fires
 *   suspended_other  SetThreadContext on a suspended spinning thread (Dr0 on exec_target),
 *                    GetThreadContext gives it back; resumed, the call raises on that thread
 *   io_refused       Dr7 enabling an I/O breakpoint (RW=10): STATUS_NOT_SUPPORTED, the
 *                    registers as they were
 *   step_sets_bs     with Dr0 set (Dr6 0), the trap flag's single step (popf with TF): one
 *                    EXCEPTION_SINGLE_STEP whose CONTEXT has Dr6's BS (0x4000), as the
 *                    processor sets it (Wine's test_exceptions records it); B0 not set
 * The watched code and data have pages of their own (sections .dbgx, .dbgw). */
#include <windows.h>
#include <stdio.h>

typedef LONG NTSTATUS;
NTSTATUS NTAPI NtGetContextThread(HANDLE thread, CONTEXT *ctx);
NTSTATUS NTAPI NtSetContextThread(HANDLE thread, const CONTEXT *ctx);
NTSTATUS NTAPI NtContinue(CONTEXT *ctx, BOOLEAN alert);
#define ST_NOT_SUPPORTED ((NTSTATUS)0xC00000BB)

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

__attribute__((section(".dbgx"), noinline)) int exec_target(int x)
{
    return x * 3 + 1;
}

struct watched {
    volatile LONG value;
    LONG pad;
    volatile LONG64 other;
};
__attribute__((section(".dbgw"))) struct watched w = {1, 2, 3};

static int (*volatile call)(int) = exec_target;

/* What the handler saw. */
static volatile LONG hits, seen_tid;
static volatile DWORD64 seen_addr, seen_dr6, seen_dr0, seen_dr7, seen_rip;
static volatile LONG seen_value, seen_params;

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *ep)
{
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    CONTEXT *c = ep->ContextRecord;
    if (r->ExceptionCode != EXCEPTION_SINGLE_STEP)
        return EXCEPTION_CONTINUE_SEARCH;
    hits++;
    seen_tid = (LONG)GetCurrentThreadId();
    seen_addr = (DWORD64)r->ExceptionAddress;
    seen_params = (LONG)r->NumberParameters;
    seen_rip = c->Rip;
    seen_dr6 = c->Dr6, seen_dr0 = c->Dr0, seen_dr7 = c->Dr7;
    seen_value = w.value;
    if (c->Rip == (DWORD64)exec_target)
        c->EFlags |= 0x10000; /* RF: the breakpointed instruction runs once */
    return EXCEPTION_CONTINUE_EXECUTION;
}

static CONTEXT ctx __attribute__((aligned(16)));

static NTSTATUS set_dr(HANDLE th, DWORD64 dr0, DWORD64 dr1, DWORD64 dr2, DWORD64 dr7)
{
    memset(&ctx, 0, sizeof(ctx));
    ctx.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    ctx.Dr0 = dr0, ctx.Dr1 = dr1, ctx.Dr2 = dr2, ctx.Dr7 = dr7;
    return NtSetContextThread(th, &ctx);
}

#define DR7_EXEC0 0x1ull                                  /* L0, RW0 00 */
#define DR7_WRITE1 ((1ull << 2) | (1ull << 20) | (3ull << 22)) /* L1, RW1 01, LEN1 11 (4) */
#define DR7_RW2 ((1ull << 4) | (3ull << 24) | (2ull << 26))    /* L2, RW2 11, LEN2 10 (8) */

static void exec_checks(void)
{
    NTSTATUS st = set_dr(GetCurrentThread(), (DWORD64)exec_target, (DWORD64)&w.value, (DWORD64)&w.other,
                         DR7_EXEC0 | DR7_WRITE1 | DR7_RW2);
    static CONTEXT a __attribute__((aligned(16))), b __attribute__((aligned(16)));
    a.ContextFlags = b.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    NTSTATUS ga = NtGetContextThread(GetCurrentThread(), &a);
    BOOL gb = GetThreadContext(GetCurrentThread(), &b);
    check("get_returns_set", st == 0 && ga == 0 && gb && a.Dr0 == (DWORD64)exec_target &&
                                 a.Dr1 == (DWORD64)&w.value && a.Dr7 == (DR7_EXEC0 | DR7_WRITE1 | DR7_RW2) &&
                                 b.Dr0 == a.Dr0 && b.Dr2 == a.Dr2 && b.Dr7 == a.Dr7);
    hits = 0;
    int r = call(4);
    check("exec_fires", r == 13 && hits == 1 && seen_addr == (DWORD64)exec_target &&
                            seen_rip == (DWORD64)exec_target && (seen_dr6 & 0xf) == 1 && seen_params == 0 &&
                            seen_dr0 == (DWORD64)exec_target && seen_dr7 == (DR7_EXEC0 | DR7_WRITE1 | DR7_RW2) &&
                            seen_tid == (LONG)GetCurrentThreadId());
    r = call(5);
    check("exec_again", r == 16 && hits == 2);
}

static void data_checks(void)
{
    hits = 0;
    w.value = 0x1234;
    check("write_fires", hits == 1 && seen_value == 0x1234 && (seen_dr6 & 0xf) == 2 &&
                             seen_addr != 0 && seen_params == 0);
    hits = 0;
    LONG v = w.value;
    check("read_not_trapped", v == 0x1234 && hits == 0);
    hits = 0;
    LONG64 o = w.other;
    check("rw_read_fires", o == 3 && hits == 1 && (seen_dr6 & 0xf) == 4);
}

static DWORD WINAPI plain_thread(void *arg)
{
    (void)arg;
    int r = call(1);
    w.value = 0x777;
    return (DWORD)r;
}

static void other_thread(void)
{
    hits = 0;
    HANDLE t = CreateThread(NULL, 0, plain_thread, NULL, 0, NULL);
    DWORD code = 0;
    WaitForSingleObject(t, 20000);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    check("other_thread", code == 4 && hits == 0 && w.value == 0x777);
}

static void cleared(void)
{
    NTSTATUS st = set_dr(GetCurrentThread(), (DWORD64)exec_target, (DWORD64)&w.value, 0, 0);
    hits = 0;
    int r = call(2);
    w.value = 5;
    static CONTEXT a __attribute__((aligned(16)));
    a.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    NtGetContextThread(GetCurrentThread(), &a);
    check("cleared", st == 0 && r == 7 && hits == 0 && w.value == 5 && a.Dr7 == 0);
}

static void by_continue(void)
{
    static CONTEXT c __attribute__((aligned(16)));
    static volatile int pass;
    pass = 0;
    RtlCaptureContext(&c);
    if (!pass) {
        pass = 1;
        c.ContextFlags |= CONTEXT_DEBUG_REGISTERS;
        c.Dr0 = (DWORD64)exec_target, c.Dr1 = c.Dr2 = c.Dr3 = c.Dr6 = 0, c.Dr7 = DR7_EXEC0;
        NtContinue(&c, FALSE);
    }
    hits = 0;
    int r = call(3);
    check("by_continue", pass == 1 && r == 10 && hits == 1 && seen_addr == (DWORD64)exec_target);
    set_dr(GetCurrentThread(), 0, 0, 0, 0);
}

static volatile LONG go, spinning;

static DWORD WINAPI spinner(void *arg)
{
    (void)arg;
    spinning = 1;
    while (!go)
        ;
    return (DWORD)call(6);
}

static void suspended_other(void)
{
    go = 0, spinning = 0, hits = 0, seen_tid = 0;
    DWORD tid = 0;
    HANDLE t = CreateThread(NULL, 0, spinner, NULL, 0, &tid);
    while (!spinning)
        SwitchToThread();
    SuspendThread(t);
    static CONTEXT c __attribute__((aligned(16))), g __attribute__((aligned(16)));
    memset(&c, 0, sizeof(c));
    c.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    c.Dr0 = (DWORD64)exec_target, c.Dr7 = DR7_EXEC0;
    BOOL set = SetThreadContext(t, &c);
    g.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    BOOL got = GetThreadContext(t, &g);
    ResumeThread(t);
    int mine = call(1); /* this thread has none: no exception */
    go = 1;
    DWORD code = 0;
    WaitForSingleObject(t, 20000);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    check("suspended_other", set && got && g.Dr0 == (DWORD64)exec_target && g.Dr7 == DR7_EXEC0 && mine == 4 &&
                                 code == 19 && hits == 1 && seen_tid == (LONG)tid);
}

static void io_refused(void)
{
    set_dr(GetCurrentThread(), 0x1000, 0, 0, 0);
    NTSTATUS st = set_dr(GetCurrentThread(), 0x80, 0, 0, 1ull | (2ull << 16));
    static CONTEXT a __attribute__((aligned(16)));
    a.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    NtGetContextThread(GetCurrentThread(), &a);
    check("io_refused", st == ST_NOT_SUPPORTED && a.Dr0 == 0x1000 && a.Dr7 == 0);
    set_dr(GetCurrentThread(), 0, 0, 0, 0);
}

static void step_sets_bs(void)
{
    NTSTATUS st = set_dr(GetCurrentThread(), (DWORD64)exec_target, 0, 0, DR7_EXEC0);
    hits = 0, seen_dr6 = 0;
    __asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop\n\tnop" ::: "memory", "cc");
    LONG n = hits;
    DWORD64 dr6 = seen_dr6;
    set_dr(GetCurrentThread(), 0, 0, 0, 0);
    check("step_sets_bs", st == 0 && n == 1 && (dr6 & 0x4000) && !(dr6 & 0xf));
}

int main(void)
{
    AddVectoredExceptionHandler(1, on_exception);
    exec_checks();
    data_checks();
    other_thread();
    cleared();
    by_continue();
    suspended_other();
    io_refused();
    step_sets_bs();
    return failures;
}
