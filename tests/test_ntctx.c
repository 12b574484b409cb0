/* SPDX-License-Identifier: MIT */
/* test_ntctx.c - NtGetContextThread and NtSetContextThread (runtime/ntdll_context.c): from PE
 * code, ntctx.exe under `winvm run` (tests/images/ntctx.c lists its checks); from C, through
 * ntdll's export table (ms_abi): the statuses of bad calls, a write-protected CONTEXT left
 * unwritten, the calling thread's Rip and Rsp, another thread's registers read and set, and
 * the last error never touched. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"
#include "runtime/thread_int.h"
#include <winvm/ntdll.h>

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define MS __attribute__((ms_abi))

Test(ntctx, from_pe_code, .timeout = 60)
{
    static char out[4096];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/ntctx.exe", out, sizeof(out));
    cr_assert_eq(oks, 13, "%s", out);
}

typedef NTSTATUS(MS *ctx_fn)(HANDLE, CONTEXT *);
#define NT(name) ((ctx_fn)(void (*)(void))wv_nt_lookup(name))

static CONTEXT ctx __attribute__((aligned(16)));

Test(ntctx, bad_calls_have_windows_statuses_and_keep_the_last_error)
{
    wv_runtime_init();
    ctx_fn get = NT("NtGetContextThread"), set = NT("NtSetContextThread");
    cr_assert(get && set);
    cr_assert_eq(NT("ZwGetContextThread"), get);
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    SetLastError(1234);
    ctx.ContextFlags = CONTEXT_FULL;
    cr_assert_eq(get((HANDLE)(uintptr_t)0xdead0, &ctx), STATUS_INVALID_HANDLE);
    cr_assert_eq(get(GetCurrentThread(), NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(set(GetCurrentThread(), NULL), STATUS_ACCESS_VIOLATION);
    ctx.ContextFlags = 0x10001; /* CONTEXT_i386 | CONTROL */
    cr_assert_eq(get(GetCurrentThread(), &ctx), STATUS_INVALID_PARAMETER);
    ctx.ContextFlags = CONTEXT_FULL;
    cr_assert_eq(get(ev, &ctx), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(GetLastError(), 1234, "NT calls leave the last error");
    CloseHandle(ev);

    /* A CONTEXT that cannot be written: nothing written, STATUS_ACCESS_VIOLATION. */
    CONTEXT *ro = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(ro);
    memset(ro, 0xcc, sizeof(*ro));
    ro->ContextFlags = CONTEXT_FULL;
    DWORD old;
    cr_assert(VirtualProtect(ro, 4096, PAGE_READONLY, &old));
    cr_assert_eq(get(GetCurrentThread(), ro), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(ro->Rax, 0xccccccccccccccccull);
    VirtualFree(ro, 0, MEM_RELEASE);
}

/* As Windows' syscall stub has it: Rip a ret (ntdll's, or the entry's own for a host caller
 * with no ntdll module), Rsp the stack on entry, the slot of the return address. */
Test(ntctx, own_context_is_at_a_ret_over_the_return_address)
{
    wv_runtime_init();
    ctx_fn get = NT("NtGetContextThread");
    volatile int local = 0;
    ctx.ContextFlags = CONTEXT_CONTROL;
    cr_assert_eq(get(GetCurrentThread(), &ctx), STATUS_SUCCESS);
    cr_assert_eq(*(const uint8_t *)(uintptr_t)ctx.Rip, 0xc3, "Rip names a ret");
    cr_assert_eq(ctx.Rsp % 16, 8, "Rsp is the stack on entry");
    cr_assert(ctx.Rsp < (uintptr_t)&local && (uintptr_t)&local - ctx.Rsp < 0x1000);
}

static volatile int stop;
static volatile pid_t other_tid;
static HANDLE other_handle;

static void *spin(void *arg)
{
    (void)arg;
    wv_thread_self(); /* a Linux thread: its object (attach.c does this at its first Win32 call) */
    other_handle = OpenThread(THREAD_ALL_ACCESS, FALSE, GetCurrentThreadId());
    __atomic_store_n(&other_tid, gettid(), __ATOMIC_RELEASE);
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
        sched_yield();
    return NULL;
}

Test(ntctx, another_threads_registers)
{
    wv_runtime_init();
    ctx_fn get = NT("NtGetContextThread"), set = NT("NtSetContextThread");
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, spin, NULL), 0);
    while (!__atomic_load_n(&other_tid, __ATOMIC_ACQUIRE))
        sched_yield();
    cr_assert_eq(SuspendThread(other_handle), 0);
    ctx.ContextFlags = CONTEXT_FULL;
    cr_assert_eq(get(other_handle, &ctx), STATUS_SUCCESS);
    cr_assert(ctx.Rip && ctx.Rsp);
    DWORD64 r12 = ctx.R12;
    ctx.R12 = r12; /* the same registers back: it goes on as it was */
    cr_assert_eq(set(other_handle, &ctx), STATUS_SUCCESS);
    CONTEXT again __attribute__((aligned(16)));
    again.ContextFlags = CONTEXT_INTEGER;
    cr_assert_eq(get(other_handle, &again), STATUS_SUCCESS);
    cr_assert_eq(again.R12, r12);
    HANDLE q = OpenThread(THREAD_QUERY_INFORMATION, FALSE, (DWORD)other_tid);
    cr_assert_not_null(q);
    cr_assert_eq(get(q, &ctx), STATUS_ACCESS_DENIED);
    CloseHandle(q);
    cr_assert_eq(ResumeThread(other_handle), 1);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    CloseHandle(other_handle);
}
