/* SPDX-License-Identifier: MIT */
/* test_dbgreg.c - debug registers and their breakpoints (fault/dbgreg.c): from PE code,
 * dbgregs.exe under `winvm run` (tests/images/dbgregs.c lists its checks); from C, another
 * thread's Dr0-Dr7 set with SetThreadContext while it is suspended: a write breakpoint on
 * VirtualAlloc'd memory raises EXCEPTION_SINGLE_STEP after the write on that thread only, an
 * execute breakpoint on code written to memory raises before its first instruction, the
 * watched page's protection as VirtualQuery reports it unchanged, Dr7 0 ends them, and an I/O
 * breakpoint is refused with nothing changed. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"
#include "runtime/thread_int.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

Test(dbgreg, from_pe_code, .timeout = 120)
{
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/dbgregs.exe", out, sizeof(out));
    cr_assert_eq(oks, 12, "%s", out);
}

#define DR7_EXEC0 0x1ull
#define DR7_WRITE1 ((1ull << 2) | (1ull << 20) | (3ull << 22)) /* L1, RW1 01, LEN1 11 (4) */

static volatile LONG *data;  /* watched by Dr1 */
static int (*code)(void);    /* watched by Dr0: mov $42, %eax; ret */
static volatile int go, done_work, worker_ready, result;
static volatile LONG hits, wrong_thread, seen_value;
static volatile DWORD64 seen_addr, seen_dr6, seen_dr7;
static volatile DWORD worker_tid;

static LONG WINAPI handler(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_SINGLE_STEP)
        return EXCEPTION_CONTINUE_SEARCH;
    hits++;
    if (GetCurrentThreadId() != worker_tid)
        wrong_thread++;
    seen_addr = (DWORD64)ep->ExceptionRecord->ExceptionAddress;
    seen_dr6 = ep->ContextRecord->Dr6, seen_dr7 = ep->ContextRecord->Dr7;
    seen_value = *data;
    if (ep->ContextRecord->Rip == (DWORD64)(uintptr_t)code)
        ep->ContextRecord->EFlags |= 0x10000; /* RF */
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* Waits for go to reach round, then writes, reads and calls; done_work = round after. */
static HANDLE worker_handle;

/* A Linux thread with its object (attach.c gives one at its first Win32 call) and a handle. */
static void adopt(void)
{
    wv_thread_self();
    worker_handle = OpenThread(THREAD_ALL_ACCESS, FALSE, GetCurrentThreadId());
    worker_tid = GetCurrentThreadId();
}

static void *worker(void *arg)
{
    (void)arg;
    adopt();
    worker_ready = 1;
    for (int round = 1; round <= 2; round++) {
        while (go < round)
            ;
        *data = 0x55 + round;
        LONG v = *data;
        result = code() + (int)v;
        done_work = round;
    }
    return NULL;
}

static void set_dr(HANDLE t, DWORD64 dr7, bool expect)
{
    CONTEXT c;
    memset(&c, 0, sizeof(c));
    c.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    c.Dr0 = (DWORD64)(uintptr_t)code, c.Dr1 = (DWORD64)(uintptr_t)data, c.Dr7 = dr7;
    cr_assert_eq(SuspendThread(t), 0);
    cr_assert_eq(SetThreadContext(t, &c) != 0, expect, "err %lu", GetLastError());
    CONTEXT g;
    memset(&g, 0, sizeof(g));
    g.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    cr_assert(GetThreadContext(t, &g));
    if (expect)
        cr_assert(g.Dr0 == c.Dr0 && g.Dr1 == c.Dr1 && g.Dr7 == dr7, "Get gives back what Set stored");
    cr_assert_eq(ResumeThread(t), 1);
}

Test(dbgreg, another_threads_breakpoints_fire_on_it_only, .timeout = 60)
{
    char *mem = VirtualAlloc(NULL, 8192, MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE);
    cr_assert_not_null(mem);
    static const unsigned char body[] = {0xb8, 42, 0, 0, 0, 0xc3};
    memcpy(mem + 4096 + 16, body, sizeof(body));
    code = (int (*)(void))(void *)(mem + 4096 + 16);
    data = (volatile LONG *)(mem + 64);
    PVOID h = AddVectoredExceptionHandler(1, handler);
    wv_runtime_init();
    pthread_t pt;
    cr_assert_eq(pthread_create(&pt, NULL, worker, NULL), 0);
    while (!worker_ready)
        SwitchToThread();
    HANDLE t = worker_handle;

    set_dr(t, DR7_EXEC0 | DR7_WRITE1, true);
    MEMORY_BASIC_INFORMATION mbi;
    cr_assert(VirtualQuery(mem, &mbi, sizeof(mbi)));
    cr_assert_eq(mbi.Protect, PAGE_EXECUTE_READWRITE, "the watched page's protection is not shown");
    *data = 7; /* this thread has no breakpoints: nothing raised */
    cr_assert_eq(code(), 42);
    cr_assert_eq(hits, 0);

    go = 1;
    while (done_work < 1)
        SwitchToThread();
    cr_assert_eq(result, 42 + 0x56);
    cr_assert_eq(hits, 2, "the write and the call raised, the read did not");
    cr_assert_eq(wrong_thread, 0);
    cr_assert_eq(seen_addr, (DWORD64)(uintptr_t)code, "the execute breakpoint last, at its address");
    cr_assert_eq(seen_dr6 & 0xf, 1);
    cr_assert_eq(seen_dr7, DR7_EXEC0 | DR7_WRITE1);

    /* An I/O breakpoint is refused, and the registers stay as they were. */
    set_dr(t, 1ull | (2ull << 16), false);
    CONTEXT g;
    memset(&g, 0, sizeof(g));
    g.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    cr_assert(GetThreadContext(t, &g));
    cr_assert_eq(g.Dr7, DR7_EXEC0 | DR7_WRITE1);

    set_dr(t, 0, true);
    hits = 0;
    go = 2;
    while (done_work < 2)
        SwitchToThread();
    cr_assert_eq(result, 42 + 0x57);
    cr_assert_eq(hits, 0, "Dr7 0: nothing fires");
    pthread_join(pt, NULL);
    CloseHandle(t);
    RemoveVectoredExceptionHandler(h);
    VirtualFree(mem, 0, MEM_RELEASE);
}

/* The data breakpoint's exception comes after the write, with the value written there. */
static volatile LONG write_seen = -1;
static LONG WINAPI write_handler(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_SINGLE_STEP)
        return EXCEPTION_CONTINUE_SEARCH;
    write_seen = *data;
    seen_dr6 = ep->ContextRecord->Dr6;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void *writer(void *arg)
{
    (void)arg;
    adopt();
    worker_ready = 1;
    while (!go)
        ;
    *data = 0x4321;
    done_work = 1;
    return NULL;
}

Test(dbgreg, write_breakpoint_raises_after_the_write, .timeout = 60)
{
    LONG *mem = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    data = mem + 3;
    code = NULL;
    PVOID h = AddVectoredExceptionHandler(1, write_handler);
    wv_runtime_init();
    pthread_t pt;
    cr_assert_eq(pthread_create(&pt, NULL, writer, NULL), 0);
    while (!worker_ready)
        SwitchToThread();
    HANDLE t = worker_handle;
    set_dr(t, DR7_WRITE1, true);
    go = 1;
    while (!done_work)
        SwitchToThread();
    cr_assert_eq(write_seen, 0x4321);
    cr_assert_eq(seen_dr6 & 0xf, 2);
    pthread_join(pt, NULL);
    CloseHandle(t);
    RemoveVectoredExceptionHandler(h);
    VirtualFree(mem, 0, MEM_RELEASE);
}
