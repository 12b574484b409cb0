/* SPDX-License-Identifier: MIT */
/* thrctl.c - thrctl.exe: thread control from PE code.  CRT-free (as threads.c: -nostdlib
 * -e start, kernel32 only).  Prints "ok NAME" / "FAIL NAME" lines; exits with the failures.
 *
 *   suspend_*     a thread counting in a loop is suspended (SuspendThread returns 0, then 1;
 *                 ResumeThread 2), its counter stops while suspended
 *   get_context   its Rip is inside the counting function, its Rsp on its own stack
 *   set_context   Rip set to landing(), Rcx to 0x1234 and Xmm1 to 2.5: read back, then the
 *                 thread resumes there (exit code 55, the arguments seen)
 *   max_count     MAXIMUM_SUSPEND_COUNT suspensions, the next refused
 *   errors        bad handles, a handle without the right, a bad CONTEXT pointer, an ended thread
 *   open_thread   OpenThread by id (own thread too), rights kept, an unknown id refused
 *   self_context  GetThreadContext(GetCurrentThread()): as Windows' (NtGetContextThread), Rip
 *                 a `ret` in ntdll near NtGetContextThread, Rsp the slot of the return address
 *   self_set      SetThreadContext(GetCurrentThread()) with debug registers alone: TRUE; a Get's
 *                 CONTROL|INTEGER given back from the same frame returns TRUE from the Set, once
 *   duplicate     DuplicateHandle of GetCurrentThread(): a real handle that signals at the end
 *   apc_*         QueueUserAPC: nothing runs in a plain wait; an alertable SleepEx runs the three
 *                 in order and returns WAIT_IO_COMPLETION; WaitForSingleObjectEx alertable too
 *   created_suspended  SuspendThread/ResumeThread counts of a CREATE_SUSPENDED thread
 */
#include "exe_util.h"

#ifndef ERROR_SIGNAL_REFCOUNT_EXCEEDED
#define ERROR_SIGNAL_REFCOUNT_EXCEEDED 156
#endif

static volatile LONG64 counter;
static volatile LONG stop;
static volatile ULONG64 got_arg;
static volatile double got_dbl;

static DWORD WINAPI spin(LPVOID p)
{
    (void)p;
    while (!stop)
        counter++;
    return 7;
}

__attribute__((noinline)) static void landing(ULONG64 a, double d)
{
    got_arg = a;
    got_dbl = d;
    ExitThread(55);
}

static char apc_log[8];
static volatile LONG apc_n;

static void WINAPI apc(ULONG_PTR x) { apc_log[apc_n++] = (char)x; }

/* Waits on its event (plain), then sleeps alertably: returns what it saw, as
 * 1000 * APCs run before + SleepEx's result (WAIT_IO_COMPLETION 0xc0 expected, with 0 before). */
static DWORD WINAPI alertee(LPVOID evt)
{
    WaitForSingleObject((HANDLE)evt, INFINITE);
    LONG before = apc_n;
    DWORD r = SleepEx(5000, TRUE);
    return (DWORD)before * 1000 + r;
}

static DWORD WINAPI dup_self(LPVOID out)
{
    HANDLE d = NULL;
    BOOL ok = DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &d, 0, FALSE,
                              DUPLICATE_SAME_ACCESS);
    *(HANDLE *)out = ok && GetThreadId(d) == GetCurrentThreadId() ? d : NULL;
    Sleep(50);
    return 9;
}

static BOOL fails_with(BOOL failed, DWORD err) { return failed && GetLastError() == err; }

static void suspend_and_jump(void)
{
    DWORD tid;
    HANDLE h = CreateThread(NULL, 0, spin, NULL, 0, &tid);
    Sleep(30);
    eu_check("suspend_first", SuspendThread(h) == 0);
    LONG64 c1 = counter;
    Sleep(60);
    eu_check("suspend_stops_the_thread", c1 != 0 && counter == c1);
    eu_check("suspend_counts", SuspendThread(h) == 1 && ResumeThread(h) == 2);
    CONTEXT ctx;
    ctx.ContextFlags = CONTEXT_FULL;
    BOOL got = GetThreadContext(h, &ctx);
    MEMORY_BASIC_INFORMATION mine, its;
    VirtualQuery(&ctx, &mine, sizeof(mine));
    VirtualQuery((void *)ctx.Rsp, &its, sizeof(its));
    eu_check("get_context", got && ctx.Rip >= (ULONG64)spin && ctx.Rip < (ULONG64)spin + 64 &&
                                its.State == MEM_COMMIT && its.AllocationBase != mine.AllocationBase);
    union { double d; ULONG64 u; } v = {2.5};
    ctx.Rip = (ULONG64)landing;
    ctx.Rcx = 0x1234;
    ctx.Xmm1.Low = v.u;
    ctx.Xmm1.High = 0;
    ctx.Rsp = ((ctx.Rsp - 256) & ~(ULONG64)15) - 8; /* as after a call */
    ctx.ContextFlags = CONTEXT_FULL;
    BOOL set = SetThreadContext(h, &ctx);
    CONTEXT back;
    back.ContextFlags = CONTEXT_CONTROL;
    eu_check("set_context", set && GetThreadContext(h, &back) && back.Rip == (ULONG64)landing &&
                                back.Rsp == ctx.Rsp);
    eu_check("resume_to_one", ResumeThread(h) == 1);
    DWORD code = 0;
    BOOL ended = WaitForSingleObject(h, 5000) == WAIT_OBJECT_0 && GetExitCodeThread(h, &code);
    eu_check("set_context_jumped", ended && code == 55 && got_arg == 0x1234 && got_dbl == 2.5);
    SetLastError(0);
    eu_check("suspend_ended_thread", fails_with(SuspendThread(h) == (DWORD)-1, ERROR_ACCESS_DENIED));
    CloseHandle(h);
}

static void counts_and_errors(void)
{
    DWORD tid;
    stop = 0;
    HANDLE h = CreateThread(NULL, 0, spin, NULL, 0, &tid);
    BOOL ok = TRUE;
    for (DWORD i = 0; i < MAXIMUM_SUSPEND_COUNT; i++)
        ok = ok && SuspendThread(h) == i;
    eu_check("max_count", ok && fails_with(SuspendThread(h) == (DWORD)-1, ERROR_SIGNAL_REFCOUNT_EXCEEDED));
    for (DWORD i = MAXIMUM_SUSPEND_COUNT; i > 0; i--)
        ok = ok && ResumeThread(h) == i;
    eu_check("resume_all", ok && ResumeThread(h) == 0);
    CONTEXT ctx;
    ctx.ContextFlags = CONTEXT_FULL;
    eu_check("errors_bad_handle", fails_with(SuspendThread(NULL) == (DWORD)-1, ERROR_INVALID_HANDLE) &&
                                      fails_with(ResumeThread((HANDLE)0x7ffc) == (DWORD)-1, ERROR_INVALID_HANDLE) &&
                                      fails_with(!GetThreadContext(NULL, &ctx), ERROR_INVALID_HANDLE) &&
                                      fails_with(!SetThreadContext(NULL, &ctx), ERROR_INVALID_HANDLE));
    eu_check("errors_bad_context", fails_with(!GetThreadContext(h, (CONTEXT *)8), ERROR_NOACCESS) &&
                                       fails_with(!SetThreadContext(h, (CONTEXT *)8), ERROR_NOACCESS));
    HANDLE o = OpenThread(THREAD_GET_CONTEXT, FALSE, tid);
    eu_check("open_thread_rights", o && fails_with(GetThreadId(o) == 0, ERROR_ACCESS_DENIED) &&
                                       fails_with(SuspendThread(o) == (DWORD)-1, ERROR_ACCESS_DENIED) &&
                                       fails_with(!SetThreadContext(o, &ctx), ERROR_ACCESS_DENIED) &&
                                       GetThreadContext(o, &ctx));
    HANDLE all = OpenThread(THREAD_ALL_ACCESS, FALSE, tid);
    eu_check("open_thread", all && SuspendThread(all) == 0 && ResumeThread(h) == 1);
    HANDLE me = OpenThread(THREAD_QUERY_INFORMATION, FALSE, GetCurrentThreadId());
    eu_check("open_own_thread", me && GetThreadId(me) == GetCurrentThreadId());
    eu_check("open_unknown_id", fails_with(OpenThread(THREAD_ALL_ACCESS, FALSE, 0xfffffff0) == NULL,
                                           ERROR_INVALID_PARAMETER));
    stop = 1;
    WaitForSingleObject(h, 5000);
    CloseHandle(o), CloseHandle(all), CloseHandle(me), CloseHandle(h);
}

/* Windows' kernel32 GetThreadContext is NtGetContextThread: the thread is shown inside it, at
 * a `ret` in ntdll (Wine's exception tests: Rip within ntdll, near NtGetContextThread) with Rsp
 * the stack on entry, the slot of the return address into this function. */
__attribute__((noinline)) static void self_context(void)
{
    static CONTEXT ctx __attribute__((aligned(16)));
    ctx.ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
    volatile char here = 0;
    BOOL ok = GetThreadContext(GetCurrentThread(), &ctx);
    ULONG64 sp = (ULONG64)&here, ret = ok ? *(const ULONG64 *)ctx.Rsp : 0;
    ULONG64 fn = (ULONG64)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtGetContextThread");
    eu_check("self_context", ok && ctx.Rsp <= sp && sp - ctx.Rsp < 4096 && ctx.Rsp % 16 == 8 &&
                                 ret > (ULONG64)self_context && ret < (ULONG64)self_context + 1024 && fn &&
                                 ctx.Rip + 0x40000 - fn < 0x80000 && *(const BYTE *)ctx.Rip == 0xc3 &&
                                 ctx.ContextFlags == (CONTEXT_CONTROL | CONTEXT_INTEGER) && here == 0);
}

/* kernel32 SetThreadContext on the calling thread takes any parts (as NtSetContextThread):
 * debug registers alone return TRUE; a Get's context given back from the same frame returns
 * TRUE from the Set (the ret pops the Set's own return address), once. */
static CONTEXT set_ctx __attribute__((aligned(16)));
static volatile BOOL set_dr, set_got, set_back;
static volatile int set_gets, set_sets;

__attribute__((noinline)) static void self_set(void)
{
    set_ctx.ContextFlags = CONTEXT_DEBUG_REGISTERS; /* all zero */
    set_dr = SetThreadContext(GetCurrentThread(), &set_ctx);
    set_ctx.ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
    set_gets++;
    set_got = GetThreadContext(GetCurrentThread(), &set_ctx);
    if (set_got && set_sets++ == 0) /* once, whatever the Set resumes to */
        set_back = SetThreadContext(GetCurrentThread(), &set_ctx);
    eu_check("self_set", set_dr && set_got && set_back == TRUE && set_gets == 1 && set_sets == 1 &&
                             set_ctx.Rax == TRUE);
}

static void duplicate(void)
{
    HANDLE d = NULL;
    HANDLE h = CreateThread(NULL, 0, dup_self, &d, 0, NULL);
    BOOL first = WaitForSingleObject(h, 5000) == WAIT_OBJECT_0;
    DWORD code = 0;
    eu_check("duplicate", first && d && WaitForSingleObject(d, 0) == WAIT_OBJECT_0 &&
                              GetExitCodeThread(d, &code) && code == 9);
    CloseHandle(d), CloseHandle(h);
    HANDLE m = NULL;
    eu_check("duplicate_main", DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &m,
                                               THREAD_QUERY_INFORMATION, FALSE, 0) &&
                                   GetThreadId(m) == GetCurrentThreadId() &&
                                   WaitForSingleObject(m, 0) == WAIT_TIMEOUT);
    CloseHandle(m);
}

static void apcs(void)
{
    HANDLE evt = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE h = CreateThread(NULL, 0, alertee, evt, 0, NULL);
    BOOL q = QueueUserAPC(apc, h, '1') && QueueUserAPC(apc, h, '2') && QueueUserAPC(apc, h, '3');
    Sleep(50);
    LONG early = apc_n;
    SetEvent(evt);
    DWORD code = 0;
    WaitForSingleObject(h, 5000);
    GetExitCodeThread(h, &code);
    eu_check("apc_waits_for_an_alertable_wait", q && early == 0 && code == WAIT_IO_COMPLETION);
    eu_check("apc_order", apc_n == 3 && apc_log[0] == '1' && apc_log[1] == '2' && apc_log[2] == '3');
    eu_check("apc_bad_handle", fails_with(!QueueUserAPC(apc, NULL, 0), ERROR_INVALID_HANDLE));
    ResetEvent(evt);
    QueueUserAPC(apc, GetCurrentThread(), '4');
    eu_check("apc_wait_ex", WaitForSingleObject(evt, 0) == WAIT_TIMEOUT && apc_n == 3 &&
                                WaitForSingleObjectEx(evt, 1000, TRUE) == WAIT_IO_COMPLETION && apc_n == 4 &&
                                SleepEx(0, TRUE) == 0);
    SetEvent(evt);
    QueueUserAPC(apc, GetCurrentThread(), '5');
    eu_check("apc_signalled_first", WaitForSingleObjectEx(evt, 0, TRUE) == WAIT_OBJECT_0 && apc_n == 4 &&
                                        SleepEx(10, TRUE) == WAIT_IO_COMPLETION && apc_n == 5);
    CloseHandle(h), CloseHandle(evt);
}

static void created_suspended(void)
{
    stop = 1;
    HANDLE h = CreateThread(NULL, 0, spin, NULL, CREATE_SUSPENDED, NULL);
    DWORD code = 0;
    eu_check("created_suspended", SuspendThread(h) == 1 && ResumeThread(h) == 2 &&
                                      WaitForSingleObject(h, 50) == WAIT_TIMEOUT && ResumeThread(h) == 1 &&
                                      WaitForSingleObject(h, 5000) == WAIT_OBJECT_0 &&
                                      GetExitCodeThread(h, &code) && code == 7 && ResumeThread(h) == 0);
    CloseHandle(h);
}

void start(void)
{
    suspend_and_jump();
    counts_and_errors();
    self_context();
    self_set();
    duplicate();
    apcs();
    created_suspended();
    ExitProcess(*eu_failures());
}
