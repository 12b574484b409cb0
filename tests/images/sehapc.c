/* SPDX-License-Identifier: MIT */
/* sehapc.c - sehapc.exe: unwinds and exceptions leaving a user APC routine reach the frames
 * of the alertable call's caller, as on Windows, where KiUserApcDispatcher's frame holds the
 * CONTEXT of the call and its unwind info leads there.  Built as seh.c is (clang for the MSVC
 * target, CRT-free); each check writes "ok NAME" or "FAIL NAME"; test_seh.c wants every one.
 *   unwind_sleep    an NtQueueApcThread routine's RtlUnwindEx to a frame of SleepEx's caller
 *                   (Wine's test_unwind_from_apc): execution goes on at the target, the
 *                   caller's registers and locals as they were, rax the return value
 *   unwind_continue the same from NtContinue(ctx, TRUE), which delivers the APC above ctx
 *   longjmp         msvcrt's longjmp out of a QueueUserAPC routine to a _setjmp in the caller of
 *                   the function that waits (WaitForSingleObjectEx), whose __finally runs on
 *                   the way (abnormally)
 *   except          RaiseException in an APC (SleepEx) caught by an __except around the wait
 *                   two frames out, the __finally between run
 *   testalert       the same through NtTestAlert
 *   filter_continue a filter around the wait answering EXCEPTION_CONTINUE_EXECUTION: the APC
 *                   goes on after its raise, the wait returns WAIT_IO_COMPLETION
 *   one_at_a_time   two APCs queued, the first unwinds out: the second stays queued and runs
 *                   in the next alertable wait (NtDelayExecution: STATUS_USER_APC)
 */
#include "seh_rt.h"

IMPORT DWORD __stdcall SleepEx(DWORD, BOOL);
IMPORT DWORD __stdcall WaitForSingleObjectEx(HANDLE, DWORD, BOOL);
IMPORT DWORD __stdcall QueueUserAPC(void *, HANDLE, ULONG_PTR);
IMPORT HANDLE __stdcall GetCurrentThread(void);
IMPORT void __stdcall RtlCaptureContext(CONTEXT *);
IMPORT LONG __stdcall NtQueueApcThread(HANDLE, void *, ULONG_PTR, ULONG_PTR, ULONG_PTR);
IMPORT LONG __stdcall NtContinue(CONTEXT *, BOOL);
IMPORT LONG __stdcall NtTestAlert(void);
IMPORT LONG __stdcall NtDelayExecution(BOOL, long long *);
IMPORT void __stdcall RtlUnwindEx(void *, void *, EXCEPTION_RECORD *, void *, CONTEXT *, void *);
typedef struct __declspec(align(16)) {
    DWORD64 Part[2];
} SETJMP_FLOAT128;
typedef SETJMP_FLOAT128 jmp_buf[16];
int _setjmp(jmp_buf); /* clang's builtin: msvcrt's _setjmp(buf, establisher frame) */
IMPORT void __cdecl longjmp(jmp_buf, int);

#define WAIT_IO_COMPLETION 0xc0
#define STATUS_USER_APC 0xc0
#define CURRENT_PROCESS ((HANDLE)-1) /* waitable, never signalled */

static __declspec(noinline) DWORD64 opaque(DWORD64 v)
{
    __asm__ volatile("" : "+r"(v));
    return v;
}

/* ---- RtlUnwindEx from an APC to a frame of the waiting function ---- */
static CONTEXT target, scratch;
static volatile int pass, unwind_calls;
static volatile DWORD64 unwind_rax;

static void __stdcall unwind_apc(ULONG_PTR a1, ULONG_PTR a2, ULONG_PTR a3)
{
    EXCEPTION_RECORD rec = {0};
    unwind_calls += a1 == 1 && a2 == 2 && a3 == 3;
    RtlUnwindEx((void *)target.Rsp, (void *)target.Rip, &rec, (void *)0x5eed, &scratch, 0);
    check("unwind_returned", 0);
}

static __declspec(noinline) void t_unwind(void)
{
    DWORD64 keep = opaque(0x1122334455667788ull);
    pass = 0;
    unwind_calls = 0;
    RtlCaptureContext(&target);
    __asm__ volatile("" : "=a"(unwind_rax)); /* rax as the target resumes with it */
    pass++;
    if (pass == 1) {
        NtQueueApcThread(GetCurrentThread(), (void *)unwind_apc, 1, 2, 3);
        SleepEx(0, 1);
        check("unwind_sleep", 0);
        return;
    }
    if (pass == 2) {
        check("unwind_sleep", unwind_calls == 1 && keep == 0x1122334455667788ull && unwind_rax == 0x5eed);
        NtQueueApcThread(GetCurrentThread(), (void *)unwind_apc, 1, 2, 3);
        NtContinue(&target, 1);
        check("unwind_continue", 0);
        return;
    }
    check("unwind_continue", pass == 3 && unwind_calls == 2 && keep == 0x1122334455667788ull);
}

/* ---- longjmp out of an APC ---- */
static jmp_buf jb;
static volatile int jump_fin;

static void __stdcall longjmp_apc(ULONG_PTR v) { longjmp(jb, (int)v); }

static __declspec(noinline) void jump_wait(void)
{
    __try {
        QueueUserAPC((void *)longjmp_apc, GetCurrentThread(), 7);
        WaitForSingleObjectEx(CURRENT_PROCESS, 0, 1);
        check("longjmp", 0);
    } __finally {
        jump_fin += _abnormal_termination() ? 10 : 1;
    }
}

static void t_longjmp(void)
{
    jump_fin = 0;
    int r = _setjmp(jb);
    if (r == 0) {
        jump_wait();
        check("longjmp", 0);
        return;
    }
    check("longjmp", r == 7 && jump_fin == 10);
}

/* ---- exceptions raised in an APC ---- */
static volatile int fin_runs, after_raise;

static void __stdcall raise_apc(ULONG_PTR code)
{
    RaiseException((DWORD)code, 0, 0, 0);
    after_raise++;
}

static __declspec(noinline) void wait_in_finally(int how)
{
    __try {
        if (how == 0)
            SleepEx(0, 1);
        else
            NtTestAlert();
    } __finally {
        fin_runs += _abnormal_termination() ? 10 : 1;
    }
}

static void t_except(const char *name, int how)
{
    DWORD code = 0;
    fin_runs = 0;
    after_raise = 0;
    __try {
        QueueUserAPC((void *)raise_apc, GetCurrentThread(), 0xE0000042);
        wait_in_finally(how);
        check(name, 0);
    } __except (code = _exception_code(), 1) {
        check(name, code == 0xE0000042 && fin_runs == 10 && after_raise == 0);
    }
}

static void t_filter_continue(void)
{
    DWORD r = 0;
    after_raise = 0;
    __try {
        QueueUserAPC((void *)raise_apc, GetCurrentThread(), 0xE0000043);
        r = SleepEx(0, 1);
    } __except (_exception_code() == 0xE0000043 ? -1 : 0) {
        r = 1;
    }
    check("filter_continue", r == WAIT_IO_COMPLETION && after_raise == 1);
}

/* ---- one APC at a time ---- */
static volatile int counted;

static void __stdcall count_apc(ULONG_PTR v) { counted += (int)v; }

static void t_one_at_a_time(void)
{
    counted = 0;
    int r = _setjmp(jb);
    if (r == 0) {
        QueueUserAPC((void *)longjmp_apc, GetCurrentThread(), 5);
        QueueUserAPC((void *)count_apc, GetCurrentThread(), 1);
        SleepEx(0, 1);
        check("one_at_a_time", 0);
        return;
    }
    int before = counted;
    long long zero = 0;
    LONG st = NtDelayExecution(1, &zero);
    check("one_at_a_time", r == 5 && before == 0 && counted == 1 && st == STATUS_USER_APC);
}

int start(void)
{
    t_unwind();
    t_longjmp();
    t_except("except", 0);
    t_except("testalert", 1);
    t_filter_continue();
    t_one_at_a_time();
    if (failures)
        out_hex("failures ", (DWORD64)failures);
    return failures ? 1 : 0;
}
