/* SPDX-License-Identifier: MIT */
/* fiber.cpp - fiber.exe: fibers and fiber-local storage from PE code (tests/test_fiber.c).
 * C++ only for its exceptions, which mingw-w64 raises and unwinds through Windows' SEH
 * (RaiseException, the frame walk, RtlUnwindEx).  Prints "ok NAME" / "FAIL NAME"; exits with
 * the failures.
 *
 *   fiber_convert      ConvertThreadToFiber: GetCurrentFiber, GetFiberData, IsThreadAFiber; a
 *                      second one ERROR_ALREADY_FIBER; ConvertFiberToThread, then
 *                      ERROR_ALREADY_THREAD; bad flags ERROR_INVALID_PARAMETER
 *   fiber_switch       two fibers ping-pong 1000 times: each sees its own fiber and data
 *   fiber_registers    rbx, rsi, rdi, r12-r15 and xmm6 set before a switch are there after it,
 *                      though the other fiber set them all
 *   fiber_float        FIBER_FLAG_FLOAT_SWITCH: a fiber's MXCSR is its own; without the flag
 *                      the change is the thread's
 *   fiber_stack        on a fiber the TEB's StackBase/StackLimit are its stack's, the
 *                      thread's again after the switch back
 *   fiber_seh          a C++ exception thrown and caught on a fiber (SEH dispatch and unwind
 *                      on the fiber's stack)
 *   fiber_grow         a 1.5 MiB recursion on a fiber of 2 MiB reserve grows through its
 *                      guard page; StackLimit follows it down; an export called at its
 *                      deepest works (winvm's probes use the fiber's stack bounds)
 *   fiber_threads      a fiber started on one thread resumes on another
 *   fls_per_fiber      FLS values per fiber: a new fiber has none (NULL, ERROR_INVALID_PARAMETER,
 *                      TEB FlsData NULL), sets its own; DeleteFiber runs its callback, FlsFree
 *                      every remaining fiber's
 *   fls_list_head      PEB->FlsListHead (0x328) is a circular list holding each fiber's
 *                      block (TEB->FlsData) while it lives, as Windows before 1809 keeps it
 *   fls_new_thread     once an index exists, a new thread has its FLS block from its start:
 *                      FlsGetValue there is NULL with ERROR_SUCCESS (not ERROR_INVALID_PARAMETER)
 *   fiber_delete_self  DeleteFiber of the running fiber ends the thread (exit code 1), its FLS
 *                      callback run, nothing after the call
 *   fiber_return       a fiber routine that returns ends its thread
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check(const char *name, bool ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

static NT_TIB *tib(void) { return (NT_TIB *)NtCurrentTeb(); }

static void *main_fiber;

/* ---- convert ---- */
static void fiber_convert(void)
{
    static int data;
    bool ok = !IsThreadAFiber();
    SetLastError(0);
    ok &= !ConvertFiberToThread() && GetLastError() == ERROR_ALREADY_THREAD;
    SetLastError(0);
    ok &= !ConvertThreadToFiberEx(&data, 2) && GetLastError() == ERROR_INVALID_PARAMETER;
    SetLastError(0);
    ok &= !CreateFiberEx(0, 0, 4, NULL, NULL) && GetLastError() == ERROR_INVALID_PARAMETER;
    void *f = ConvertThreadToFiber(&data);
    ok &= f && GetCurrentFiber() == f && GetFiberData() == &data && IsThreadAFiber();
    ok &= tib()->FiberData == f;
    SetLastError(0);
    ok &= !ConvertThreadToFiber(&data) && GetLastError() == ERROR_ALREADY_FIBER;
    ok &= ConvertFiberToThread() && !IsThreadAFiber();
    main_fiber = ConvertThreadToFiberEx(&data, FIBER_FLAG_FLOAT_SWITCH);
    ok &= main_fiber && GetCurrentFiber() == main_fiber;
    check("fiber_convert", ok);
}

/* ---- switch ---- */
static void *ping, *pong;
static int ping_n, pong_n, ping_bad, pong_bad;

static void WINAPI pong_main(void *data)
{
    for (;;) {
        pong_n++;
        pong_bad += GetCurrentFiber() != pong || GetFiberData() != data;
        SwitchToFiber(ping);
    }
}

static void WINAPI ping_main(void *data)
{
    for (int i = 0; i < 1000; i++) {
        ping_n++;
        ping_bad += GetCurrentFiber() != ping || GetFiberData() != data;
        SwitchToFiber(pong);
    }
    SwitchToFiber(main_fiber);
}

static void fiber_switch(void)
{
    static int a, b;
    ping = CreateFiber(0, ping_main, &a);
    pong = CreateFiber(0x10000, pong_main, &b);
    SwitchToFiber(ping);
    check("fiber_switch", ping && pong && ping_n == 1000 && pong_n == 1000 && !ping_bad && !pong_bad &&
                               GetCurrentFiber() == main_fiber);
    DeleteFiber(ping);
    DeleteFiber(pong);
}

/* ---- registers ---- */
static void *clobber;

static void WINAPI clobber_main(void *)
{
    for (;;) {
        register long long b asm("rbx") = 1, si asm("rsi") = 2, di asm("rdi") = 3, r12 asm("r12") = 4,
                           r13 asm("r13") = 5, r14 asm("r14") = 6, r15 asm("r15") = 7;
        asm volatile("pxor %%xmm6, %%xmm6" : "+r"(b), "+r"(si), "+r"(di), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
                     : : "xmm6");
        SwitchToFiber(main_fiber);
    }
}

static void fiber_registers(void)
{
    clobber = CreateFiber(0, clobber_main, NULL);
    long long got[8];
    register long long b asm("rbx") = 0x1111, si asm("rsi") = 0x2222, di asm("rdi") = 0x3333,
                       r12 asm("r12") = 0x4444, r13 asm("r13") = 0x5555, r14 asm("r14") = 0x6666,
                       r15 asm("r15") = 0x7777;
    long long x = 0x8888;
    asm volatile("movq %0, %%xmm6" : : "r"(x) : "xmm6");
    asm volatile("" : "+r"(b), "+r"(si), "+r"(di), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15));
    /* The call by hand: the compiler must not keep anything of its own in these registers. */
    void *fn = (void *)SwitchToFiber, *arg = clobber;
    asm volatile("sub $32, %%rsp\n\tcall *%[fn]\n\tadd $32, %%rsp"
                 : "+r"(b), "+r"(si), "+r"(di), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15), [fn] "+a"(fn), "+c"(arg)
                 :
                 : "rdx", "r8", "r9", "r10", "r11", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "memory");
    asm volatile("movq %%xmm6, %0" : "=r"(x));
    got[0] = b, got[1] = si, got[2] = di, got[3] = r12, got[4] = r13, got[5] = r14, got[6] = r15, got[7] = x;
    bool ok = true;
    for (int i = 0; i < 8; i++)
        ok &= got[i] == 0x1111 * (i + 1);
    check("fiber_registers", ok);
    DeleteFiber(clobber);
}

/* ---- floating-point control ---- */
static unsigned mxcsr_get(void)
{
    unsigned v;
    asm volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void mxcsr_set(unsigned v) { asm volatile("ldmxcsr %0" : : "m"(v)); }

static void WINAPI float_main(void *)
{
    for (;;) {
        mxcsr_set(0x3f80); /* round down */
        SwitchToFiber(main_fiber);
    }
}

/* Two fibers without the flag: b's change is what a sees. */
static void *shared_a, *shared_b;
static unsigned shared_seen;

static void WINAPI shared_a_main(void *)
{
    SwitchToFiber(shared_b);
    shared_seen = mxcsr_get();
    SwitchToFiber(main_fiber);
}

static void WINAPI shared_b_main(void *)
{
    mxcsr_set(0x3f80);
    SwitchToFiber(shared_a);
}

static void fiber_float(void)
{
    void *own = CreateFiberEx(0, 0, FIBER_FLAG_FLOAT_SWITCH, float_main, NULL);
    unsigned before = mxcsr_get();
    SwitchToFiber(own);
    bool ok = own && mxcsr_get() == before;
    shared_a = CreateFiber(0, shared_a_main, NULL);
    shared_b = CreateFiber(0, shared_b_main, NULL);
    SwitchToFiber(shared_a);
    ok &= shared_seen == 0x3f80 && mxcsr_get() == before; /* the main fiber's own came back */
    mxcsr_set(before);
    check("fiber_float", ok);
    DeleteFiber(own);
    DeleteFiber(shared_a);
    DeleteFiber(shared_b);
}

/* ---- stacks ---- */
static void *stacked;
static ULONG_PTR seen_base, seen_limit, seen_local;

static void WINAPI stack_main(void *)
{
    int local;
    seen_base = (ULONG_PTR)tib()->StackBase;
    seen_limit = (ULONG_PTR)tib()->StackLimit;
    seen_local = (ULONG_PTR)&local;
    SwitchToFiber(main_fiber);
}

static void fiber_stack(void)
{
    int local;
    ULONG_PTR base = (ULONG_PTR)tib()->StackBase, limit = (ULONG_PTR)tib()->StackLimit;
    stacked = CreateFiber(0, stack_main, NULL);
    SwitchToFiber(stacked);
    bool ok = seen_limit < seen_local && seen_local < seen_base && seen_base != base &&
              !((ULONG_PTR)&local >= seen_limit && (ULONG_PTR)&local < seen_base);
    MEMORY_BASIC_INFORMATION mb;
    ok &= VirtualQuery((void *)seen_local, &mb, sizeof(mb)) && mb.Type == MEM_PRIVATE && mb.State == MEM_COMMIT;
    ok &= (ULONG_PTR)tib()->StackBase == base && (ULONG_PTR)tib()->StackLimit == limit;
    check("fiber_stack", ok);
    DeleteFiber(stacked);
}

/* ---- exceptions ---- */
static int seh_result;

static __attribute__((noinline)) void thrower(int v)
{
    if (v > 0)
        throw v * 2;
}

static void WINAPI seh_main(void *)
{
    try {
        thrower(21);
        seh_result = -1;
    } catch (int v) {
        seh_result = v;
    }
    SwitchToFiber(main_fiber);
}

static void fiber_seh(void)
{
    void *f = CreateFiber(0, seh_main, NULL);
    SwitchToFiber(f);
    check("fiber_seh", seh_result == 42);
    DeleteFiber(f);
}

/* ---- guard-page growth ---- */
static ULONG_PTR grow_low, grow_limit;
static bool grow_query_ok;

static __attribute__((noinline)) int recurse(int depth)
{
    volatile char pad[4096];
    pad[0] = (char)depth;
    if (depth == 0) {
        grow_low = (ULONG_PTR)pad;
        grow_limit = (ULONG_PTR)tib()->StackLimit;
        /* An export deep on the fiber's stack: winvm probes below it with the fiber's bounds. */
        MEMORY_BASIC_INFORMATION mb;
        grow_query_ok = VirtualQuery((void *)pad, &mb, sizeof(mb)) && mb.State == MEM_COMMIT;
        return pad[0];
    }
    return recurse(depth - 1) + pad[0];
}

static void WINAPI grow_main(void *)
{
    recurse(384); /* about 1.5 MiB */
    SwitchToFiber(main_fiber);
}

static void fiber_grow(void)
{
    void *f = CreateFiberEx(0x1000, 2 << 20, 0, grow_main, NULL);
    SwitchToFiber(f);
    check("fiber_grow", f && grow_low && grow_limit <= grow_low && grow_low - grow_limit < 0x10000 && grow_query_ok);
    DeleteFiber(f);
}

/* ---- a fiber moving between threads ---- */
static void *wander, *helper_fiber;
static DWORD wander_tids[2];

static void WINAPI wander_main(void *)
{
    wander_tids[0] = GetCurrentThreadId();
    SwitchToFiber(helper_fiber); /* back to the helper thread's fiber */
    wander_tids[1] = GetCurrentThreadId();
    SwitchToFiber(main_fiber);
}

static DWORD WINAPI wander_thread(void *)
{
    helper_fiber = ConvertThreadToFiber(NULL);
    SwitchToFiber(wander);
    ConvertFiberToThread();
    return 0;
}

static void fiber_threads(void)
{
    wander = CreateFiber(0, wander_main, NULL);
    HANDLE t = CreateThread(NULL, 0, wander_thread, NULL, 0, NULL);
    bool ok = WaitForSingleObject(t, 10000) == WAIT_OBJECT_0;
    CloseHandle(t);
    SwitchToFiber(wander); /* it goes on here, on this thread */
    ok &= wander_tids[0] && wander_tids[0] != GetCurrentThreadId() && wander_tids[1] == GetCurrentThreadId();
    check("fiber_threads", ok);
    DeleteFiber(wander);
}

/* ---- FLS per fiber ---- */
static DWORD fls;
static int fls_calls;
static void *fls_seen[8];

static void WINAPI fls_cb(void *v)
{
    if (fls_calls < 8)
        fls_seen[fls_calls] = v;
    fls_calls++;
}

static bool fls_fresh_ok;
static void *fls_teb_before, *fls_teb_after;

static void *teb_fls(void) { return *(void **)((char *)NtCurrentTeb() + 0x17c8); }

static void WINAPI fls_main(void *value)
{
    fls_teb_before = teb_fls();
    SetLastError(0);
    fls_fresh_ok = !FlsGetValue(fls) && GetLastError() == ERROR_INVALID_PARAMETER;
    FlsSetValue(fls, value);
    fls_teb_after = teb_fls();
    fls_fresh_ok &= FlsGetValue(fls) == value;
    SwitchToFiber(main_fiber);
}

static void fls_per_fiber(void)
{
    fls = FlsAlloc(fls_cb);
    FlsSetValue(fls, (void *)0xa);
    void *f1 = CreateFiber(0, fls_main, (void *)0xb);
    SwitchToFiber(f1);
    bool ok = fls_fresh_ok && !fls_teb_before && fls_teb_after && FlsGetValue(fls) == (void *)0xa;
    void *f2 = CreateFiber(0, fls_main, (void *)0xc);
    SwitchToFiber(f2);
    ok &= fls_fresh_ok && FlsGetValue(fls) == (void *)0xa && fls_calls == 0;
    DeleteFiber(f1);
    ok &= fls_calls == 1 && fls_seen[0] == (void *)0xb;
    FlsFree(fls);
    ok &= fls_calls == 3 && ((fls_seen[1] == (void *)0xa && fls_seen[2] == (void *)0xc) ||
                             (fls_seen[1] == (void *)0xc && fls_seen[2] == (void *)0xa));
    DeleteFiber(f2); /* its value went with FlsFree */
    ok &= fls_calls == 3;
    check("fls_per_fiber", ok);
}

/* Whether the circular list at head holds entry (at most 4096 steps). */
static bool fls_list_holds(LIST_ENTRY *head, void *entry)
{
    LIST_ENTRY *e = head->Flink;
    for (int i = 0; e && e != head && i < 4096; i++, e = e->Flink)
        if (e == entry)
            return true;
    return false;
}

static void fls_list_head(void)
{
    LIST_ENTRY *head = (LIST_ENTRY *)(*(char **)((char *)NtCurrentTeb() + 0x60) + 0x328); /* TEB->Peb */
    DWORD i = FlsAlloc(NULL);
    FlsSetValue(i, (void *)1);
    void *mine = teb_fls();
    fls = i;
    void *f = CreateFiber(0, fls_main, (void *)0xd); /* sets its own value: it gets a block */
    SwitchToFiber(f);
    bool ok = head->Flink && head->Blink && head->Blink->Flink == head && mine && fls_list_holds(head, mine);
    void *theirs = NULL;
    for (LIST_ENTRY *e = head->Flink; e && e != head; e = e->Flink)
        if (e != mine)
            theirs = e;
    ok &= theirs != NULL;
    DeleteFiber(f);
    ok &= !fls_list_holds(head, theirs) && fls_list_holds(head, mine);
    FlsFree(i);
    check("fls_list_head", ok);
}

static DWORD fls_thread_index, fls_thread_err;
static void *fls_thread_value, *fls_thread_block;

static DWORD WINAPI fls_thread_main(void *)
{
    fls_thread_block = teb_fls();
    SetLastError(0xdeadbeef);
    fls_thread_value = FlsGetValue(fls_thread_index);
    fls_thread_err = GetLastError();
    return 0;
}

static void fls_new_thread(void)
{
    fls_thread_index = FlsAlloc(NULL);
    FlsSetValue(fls_thread_index, (void *)7);
    HANDLE t = CreateThread(NULL, 0, fls_thread_main, NULL, 0, NULL);
    bool ok = t && WaitForSingleObject(t, 10000) == WAIT_OBJECT_0;
    check("fls_new_thread", ok && fls_thread_block && !fls_thread_value && fls_thread_err == ERROR_SUCCESS &&
                                FlsGetValue(fls_thread_index) == (void *)7);
    if (t)
        CloseHandle(t);
    FlsFree(fls_thread_index);
}

/* ---- DeleteFiber of the running fiber, a routine that returns ---- */
static DWORD self_fls;
static volatile int after_delete, self_cb_calls;
static void *self_cb_value;
static DWORD self_cb_tid, self_tid;

static void WINAPI self_cb(void *v)
{
    self_cb_calls++;
    self_cb_value = v;
    self_cb_tid = GetCurrentThreadId();
}

static void WINAPI self_main(void *)
{
    FlsSetValue(self_fls, (void *)0x5e1f);
    DeleteFiber(GetCurrentFiber());
    after_delete = 1;
}

static DWORD WINAPI self_thread(void *)
{
    self_tid = GetCurrentThreadId();
    ConvertThreadToFiber(NULL);
    SwitchToFiber(CreateFiber(0, self_main, NULL));
    after_delete = 2;
    return 7;
}

static void WINAPI return_main(void *) {}

static DWORD WINAPI return_thread(void *)
{
    ConvertThreadToFiber(NULL);
    SwitchToFiber(CreateFiber(0, return_main, NULL));
    after_delete = 3;
    return 7;
}

static void fiber_delete_self(void)
{
    self_fls = FlsAlloc(self_cb);
    HANDLE t = CreateThread(NULL, 0, self_thread, NULL, 0, NULL);
    DWORD code = 0;
    bool ok = WaitForSingleObject(t, 10000) == WAIT_OBJECT_0 && GetExitCodeThread(t, &code);
    CloseHandle(t);
    check("fiber_delete_self", ok && code == 1 && !after_delete && self_cb_calls == 1 &&
                                   self_cb_value == (void *)0x5e1f && self_cb_tid == self_tid);
    FlsFree(self_fls);
    t = CreateThread(NULL, 0, return_thread, NULL, 0, NULL);
    ok = WaitForSingleObject(t, 10000) == WAIT_OBJECT_0 && GetExitCodeThread(t, &code);
    CloseHandle(t);
    check("fiber_return", ok && code != STILL_ACTIVE && !after_delete);
}

int main(void)
{
    fiber_convert();
    fiber_switch();
    fiber_registers();
    fiber_float();
    fiber_stack();
    fiber_seh();
    fiber_grow();
    fiber_threads();
    fls_per_fiber();
    fls_list_head();
    fls_new_thread();
    fiber_delete_self();
    return failures;
}
