/* SPDX-License-Identifier: MIT */
/* ntctx.c - ntctx.exe: NtGetContextThread and NtSetContextThread from PE code (mingw-w64,
 * default CRT, -lntdll).  Output, one line each ("ok NAME" or "FAIL NAME"); exit code = number
 * of failures.  Expected values are Windows':
 *   get_self      the calling thread (GetCurrentThread()): STATUS_SUCCESS, Rip a ret in ntdll,
 *                 near NtGetContextThread (Windows: its syscall stub's), not in this image, Rsp
 *                 the stack on entry (the return address's slot: 8 mod 16, a little below a
 *                 local of the caller)
 *   get_parts     CONTEXT_DEBUG_REGISTERS alone: Dr0..Dr7 0, the other parts untouched (0xcc),
 *                 ContextFlags kept
 *   bad_handle    a handle that names nothing: STATUS_INVALID_HANDLE; an event's:
 *                 STATUS_OBJECT_TYPE_MISMATCH
 *   no_right      a thread handle with THREAD_QUERY_INFORMATION only: Get STATUS_ACCESS_DENIED;
 *                 one with THREAD_GET_CONTEXT only: Set STATUS_ACCESS_DENIED
 *   bad_flags     ContextFlags 0 or CONTEXT_i386|CONTROL (0x10001): STATUS_INVALID_PARAMETER
 *   null_context  NULL: STATUS_ACCESS_VIOLATION, both calls
 *   other_get     a suspended worker: STATUS_SUCCESS, Rip and Rsp not 0, Rsp in its stack
 *   other_set     its Rip set to a function that ends the thread with code 7: resumed, it
 *                 exits with 7
 *   set_self_dr   the calling thread, CONTEXT_DEBUG_REGISTERS all 0: STATUS_SUCCESS, the
 *                 call returns
 *   set_self_jump the calling thread, the CONTROL and SEGMENTS a Get captured, given back from
 *                 the same frame: its ret pops the slot, which now holds the Set's own return
 *                 address, so the Set returns STATUS_SUCCESS and the Get's return is not repeated
 *   set_self_selectors  that Set's selectors (ds 0, es the old fs, fs the old ss) are not
 *                 loaded: ds, es and ss stay equal, fs differs, a Get reports them as they are
 *   set_self_rip  a Get's CONTEXT_CONTROL with Rip set to a function: it runs on the Get's
 *                 stack slot, so it returns from the Set, with its own return value
 *   dr7_refused   (winvm: breakpoints are emulated, I/O ones cannot be) Dr7 enabling Dr0
 *                 as an I/O breakpoint (RW0 10): STATUS_NOT_SUPPORTED
 */
#include <windows.h>
#include <stdio.h>

typedef LONG NTSTATUS;
NTSTATUS NTAPI NtGetContextThread(HANDLE thread, CONTEXT *ctx);
NTSTATUS NTAPI NtSetContextThread(HANDLE thread, const CONTEXT *ctx);

#define ST_INVALID_HANDLE ((NTSTATUS)0xC0000008)
#define ST_TYPE_MISMATCH ((NTSTATUS)0xC0000024)
#define ST_ACCESS_DENIED ((NTSTATUS)0xC0000022)
#define ST_INVALID_PARAMETER ((NTSTATUS)0xC000000D)
#define ST_ACCESS_VIOLATION ((NTSTATUS)0xC0000005)
#define ST_NOT_SUPPORTED ((NTSTATUS)0xC00000BB)

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

static CONTEXT ctx __attribute__((aligned(16)));

static void get_self(void)
{
    volatile int local = 0;
    ctx.ContextFlags = CONTEXT_FULL;
    NTSTATUS st = NtGetContextThread(GetCurrentThread(), &ctx);
    BYTE *base = (BYTE *)GetModuleHandleW(NULL);
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
    ULONG_PTR at = (ULONG_PTR)&local;
    ULONG_PTR fn = (ULONG_PTR)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtGetContextThread");
    int in_image = ctx.Rip >= (ULONG_PTR)base && ctx.Rip < (ULONG_PTR)base + nt->OptionalHeader.SizeOfImage;
    int close_by = fn && ctx.Rip >= fn - 0x40000 && ctx.Rip < fn + 0x40000 && !in_image;
    check("get_self", st == 0 && close_by && *(const BYTE *)ctx.Rip == 0xc3 && ctx.Rsp % 16 == 8 && ctx.Rsp <= at &&
                          at - ctx.Rsp < 0x10000 && ctx.ContextFlags == CONTEXT_FULL);
}

static void get_parts(void)
{
    memset(&ctx, 0xcc, sizeof(ctx));
    ctx.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    NTSTATUS st = NtGetContextThread(GetCurrentThread(), &ctx);
    check("get_parts", st == 0 && ctx.ContextFlags == CONTEXT_DEBUG_REGISTERS && ctx.Dr0 == 0 && ctx.Dr7 == 0 &&
                           ctx.Rax == 0xccccccccccccccccull && ctx.Rip == 0xccccccccccccccccull);
}

static void bad_handle(void)
{
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    ctx.ContextFlags = CONTEXT_FULL;
    NTSTATUS a = NtGetContextThread((HANDLE)(ULONG_PTR)0xdead0, &ctx);
    NTSTATUS b = NtGetContextThread(ev, &ctx);
    NTSTATUS c = NtSetContextThread(ev, &ctx);
    CloseHandle(ev);
    check("bad_handle", a == ST_INVALID_HANDLE && b == ST_TYPE_MISMATCH && c == ST_TYPE_MISMATCH);
}

static volatile LONG stop, spinning;

static DWORD WINAPI spin(void *arg)
{
    (void)arg;
    spinning = 1;
    while (!stop)
        SwitchToThread();
    return 0;
}

static void WINAPI landing(void) { ExitThread(7); }

static void no_right(HANDLE worker)
{
    DWORD tid = GetThreadId(worker);
    HANDLE q = OpenThread(THREAD_QUERY_INFORMATION, FALSE, tid);
    HANDLE g = OpenThread(THREAD_GET_CONTEXT, FALSE, tid);
    ctx.ContextFlags = CONTEXT_FULL;
    NTSTATUS a = NtGetContextThread(q, &ctx);
    NTSTATUS b = NtSetContextThread(g, &ctx);
    CloseHandle(q);
    CloseHandle(g);
    check("no_right", q && g && a == ST_ACCESS_DENIED && b == ST_ACCESS_DENIED);
}

static void bad_flags(void)
{
    ctx.ContextFlags = 0;
    NTSTATUS a = NtGetContextThread(GetCurrentThread(), &ctx);
    ctx.ContextFlags = 0x10001;
    NTSTATUS b = NtGetContextThread(GetCurrentThread(), &ctx);
    NTSTATUS c = NtSetContextThread(GetCurrentThread(), &ctx);
    check("bad_flags", a == ST_INVALID_PARAMETER && b == ST_INVALID_PARAMETER && c == ST_INVALID_PARAMETER);
}

static void null_context(void)
{
    NTSTATUS a = NtGetContextThread(GetCurrentThread(), NULL);
    NTSTATUS b = NtSetContextThread(GetCurrentThread(), NULL);
    check("null_context", a == ST_ACCESS_VIOLATION && b == ST_ACCESS_VIOLATION);
}

static void other(HANDLE worker)
{
    SuspendThread(worker);
    static CONTEXT c __attribute__((aligned(16)));
    c.ContextFlags = CONTEXT_FULL;
    NTSTATUS st = NtGetContextThread(worker, &c);
    ULONG_PTR here = (ULONG_PTR)&c;
    check("other_get", st == 0 && c.Rip && c.Rsp && c.Rsp != here);
    c.Rip = (ULONG_PTR)landing;
    c.Rsp = (c.Rsp & ~(ULONG_PTR)15) - 8 - 64; /* as at a function's entry, below what was in use */
    st = NtSetContextThread(worker, &c);
    ResumeThread(worker);
    DWORD code = 0;
    BOOL done = WaitForSingleObject(worker, 20000) == WAIT_OBJECT_0 && GetExitCodeThread(worker, &code);
    check("other_set", st == 0 && done && code == 7);
}

static void set_self_dr(void)
{
    memset(&ctx, 0, sizeof(ctx));
    ctx.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    NTSTATUS st = NtSetContextThread(GetCurrentThread(), &ctx);
    check("set_self_dr", st == 0);
}

static volatile int passes;

#define SEL(reg, v) __asm__ volatile("movw %%" #reg ",%0" : "=r"(v))

/* Both calls from this frame, its stack pointer the same at each (no pushes between). */
static void __attribute__((noinline)) set_self_jump(void)
{
    static CONTEXT c __attribute__((aligned(16))), after __attribute__((aligned(16)));
    c.ContextFlags = CONTEXT_CONTROL | CONTEXT_SEGMENTS;
    NTSTATUS st = NtGetContextThread(GetCurrentThread(), &c);
    passes++;
    if (passes == 1 && st == 0) {
        c.SegDs = 0, c.SegEs = c.SegFs, c.SegFs = c.SegSs;
        st = NtSetContextThread(GetCurrentThread(), &c); /* returns from here: its own address */
    }
    WORD ds, es, fs, ss;
    SEL(ds, ds);
    SEL(es, es);
    SEL(fs, fs);
    SEL(ss, ss);
    after.ContextFlags = CONTEXT_CONTROL | CONTEXT_SEGMENTS;
    NTSTATUS got = NtGetContextThread(GetCurrentThread(), &after);
    check("set_self_jump", passes == 1 && st == 0);
    check("set_self_selectors", got == 0 && ds == ss && es == ss && fs != ss && after.SegDs == ds &&
                                    after.SegEs == es && after.SegFs == fs && after.SegSs == ss);
}

static volatile int landed;

static NTSTATUS WINAPI __attribute__((noinline)) land(void)
{
    landed = 1;
    return 0x1234;
}

static void __attribute__((noinline)) set_self_rip(void)
{
    static CONTEXT c __attribute__((aligned(16)));
    c.ContextFlags = CONTEXT_CONTROL;
    NTSTATUS st = NtGetContextThread(GetCurrentThread(), &c);
    if (st == 0) {
        c.Rip = (ULONG_PTR)land; /* entered with the slot of the Set's return address */
        st = NtSetContextThread(GetCurrentThread(), &c);
    }
    check("set_self_rip", landed && st == 0x1234);
}

static void dr7_refused(void)
{
    static int target;
    memset(&ctx, 0, sizeof(ctx));
    ctx.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    ctx.Dr0 = (ULONG_PTR)&target;
    ctx.Dr7 = 1 | (2 << 16); /* RW0 10: an I/O breakpoint, which winvm cannot emulate */
    check("dr7_refused", NtSetContextThread(GetCurrentThread(), &ctx) == ST_NOT_SUPPORTED);
}

int main(void)
{
    get_self();
    get_parts();
    bad_handle();
    HANDLE worker = CreateThread(NULL, 0, spin, NULL, 0, NULL);
    while (!spinning) /* in its own code: ExitThread works there */
        SwitchToThread();
    no_right(worker);
    bad_flags();
    null_context();
    other(worker);
    set_self_dr();
    set_self_jump();
    set_self_rip();
    dr7_refused();
    stop = 1;
    CloseHandle(worker);
    return failures;
}
