/* SPDX-License-Identifier: MIT */
/* seh.c - seh.exe: structured exception handling (issue 13), built with clang for the MSVC
 * target (clang --target=x86_64-pc-windows-msvc, lld-link /entry:start /subsystem:console
 * /nodefaultlib, import libraries made by llvm-dlltool from seh_kernel32.def and
 * seh_ntdll.def).  CRT-free: the few kernel32 and ntdll functions it uses are declared here.
 * __try/__except/__finally compile to scope tables that __C_specific_handler (ntdll) reads.
 *
 * Each check writes "ok NAME" or "FAIL NAME" (one line, one WriteFile); test_seh.c wants every
 * line "ok".  Then the last check sets an unhandled-exception filter and raises 0xE000002A
 * nobody handles: the filter writes "filter 0xe000002a" and answers EXCEPTION_EXECUTE_HANDLER,
 * so the process ends quietly with exit status 0x2a (the code's low byte).  Checks, in order:
 *   av        a write to 0x10 caught by __except: code 0xc0000005, info {1, 0x10}
 *   read_av   a read of 0x20: info {0, 0x20}
 *   finally   __finally runs once on the normal path, abnormal flag clear
 *   unwind    an exception caught two frames out runs the __finally between, abnormally
 *   divzero   an integer division by zero: 0xc0000094
 *   illegal   ud2: 0xc000001d
 *   raise     RaiseException's code, flags and arguments reach the filter
 *   continue  a filter answering EXCEPTION_CONTINUE_EXECUTION resumes after RaiseException
 *   fixup     a filter that repairs the faulting register (rax) and continues
 *   noncont   continuing a noncontinuable exception raises 0xc0000025 nested on it
 *   guard     a PAGE_GUARD page: 0x80000001 once, then the access succeeds
 *   search    an inner filter answering CONTINUE_SEARCH: the outer one handles it
 *   infilter  an exception raised inside a filter is caught by an __except around the raise
 *   collided  an exception raised inside a __finally during an unwind, caught by a scope the
 *             first unwind was passing: the first unwind ends there (collided unwind)
 *   pdata     RtlLookupFunctionEntry finds start's entry; RtlPcToFileHeader the image base
 *   backtrace RtlCaptureStackBackTrace from a nested call: three frames of this image
 *   context   RtlCaptureContext then RtlRestoreContext comes back once, registers intact
 *   longjmp   msvcrt's longjmp out of a __try two frames down runs its __finally (abnormally)
 *             on the way, as Windows' longjmp unwinds when setjmp recorded a frame; value 0
 *             arrives as 1
 *   uef       UnhandledExceptionFilter in an __except filter: it calls the program's filter and
 *             answers what that answers (1, then -1); with no filter it writes winvm's report
 *             of 0xe0000079 to stderr and answers EXCEPTION_EXECUTE_HANDLER (1)
 */
#include "seh_rt.h"

IMPORT void *__stdcall VirtualAlloc(void *, ULONG_PTR, DWORD, DWORD);
IMPORT LONG __stdcall UnhandledExceptionFilter(void *);
IMPORT RUNTIME_FUNCTION *__stdcall RtlLookupFunctionEntry(DWORD64, DWORD64 *, void *);
IMPORT void *__stdcall RtlPcToFileHeader(void *, void **);
IMPORT WORD __stdcall RtlCaptureStackBackTrace(DWORD, DWORD, void **, DWORD *);
IMPORT void __stdcall RtlCaptureContext(CONTEXT *);
IMPORT void __stdcall RtlRestoreContext(CONTEXT *, EXCEPTION_RECORD *);
typedef struct __declspec(align(16)) {
    DWORD64 Part[2];
} SETJMP_FLOAT128;
typedef SETJMP_FLOAT128 jmp_buf[16];
int _setjmp(jmp_buf); /* clang's builtin: msvcrt's _setjmp(buf, establisher frame) */
IMPORT void __cdecl longjmp(jmp_buf, int);

/* Keeps the compiler from reasoning about a value. */
static __declspec(noinline) DWORD64 opaque(DWORD64 v)
{
    __asm__ volatile("" : "+r"(v));
    return v;
}

/* Faults happen in calls: clang's scope tables cover the calls of a __try body (its code
 * between calls may be moved), as MSVC's /EHs-style SEH does. */
static __declspec(noinline) void store(DWORD64 at) { *(volatile int *)at = 1; }
static __declspec(noinline) int load(DWORD64 at) { return *(volatile int *)at; }
static __declspec(noinline) int divide(int a, int b) { return a / b; }
static __declspec(noinline) void illegal(void) { __asm__ volatile("ud2"); }
static __declspec(noinline) int load_rax(DWORD64 p)
{
    DWORD64 v;
    __asm__ volatile("movl (%1), %k0" : "=r"(v) : "a"(p) : "memory");
    return (int)v;
}

static void t_av(void)
{
    DWORD code = 0;
    ULONG_PTR info0 = 9, info1 = 9;
    __try {
        store(opaque(0x10));
    } __except (code = _exception_code(),
                info0 = ((EXCEPTION_POINTERS *)_exception_info())->ExceptionRecord->ExceptionInformation[0],
                info1 = ((EXCEPTION_POINTERS *)_exception_info())->ExceptionRecord->ExceptionInformation[1], 1) {
        check("av", code == 0xc0000005 && info0 == 1 && info1 == 0x10);
    }
    __try {
        info0 = load(opaque(0x20));
    } __except (info0 = ((EXCEPTION_POINTERS *)_exception_info())->ExceptionRecord->ExceptionInformation[0],
                info1 = ((EXCEPTION_POINTERS *)_exception_info())->ExceptionRecord->ExceptionInformation[1], 1) {
        check("read_av", info0 == 0 && info1 == 0x20);
    }
}

/* A call through a NULL function pointer: the fetch at 0 faults outside any image, and Windows
 * raises it for the caller's frames (execute access, address 0). */
static void t_callnull(void)
{
    DWORD code = 0;
    ULONG_PTR info0 = 9, info1 = 9;
    void (*volatile fn)(void) = (void (*)(void))opaque(0);
    __try {
        fn();
    } __except (code = _exception_code(),
                info0 = ((EXCEPTION_POINTERS *)_exception_info())->ExceptionRecord->ExceptionInformation[0],
                info1 = ((EXCEPTION_POINTERS *)_exception_info())->ExceptionRecord->ExceptionInformation[1], 1) {
        check("callnull", code == 0xc0000005 && info0 == 8 && info1 == 0);
    }
}

static int fin_count, fin_abnormal;

static __declspec(noinline) void inner_raise(void)
{
    __try {
        RaiseException(0xE0000010, 0, 0, 0);
    } __finally {
        fin_count++;
        fin_abnormal = _abnormal_termination();
    }
}

static __declspec(noinline) void middle(void)
{
    inner_raise();
    fin_count += 100; /* never reached */
}

static void t_finally(void)
{
    int n = 0, ab = 1;
    __try {
        n++;
    } __finally {
        n++;
        ab = _abnormal_termination();
    }
    check("finally", n == 2 && !ab);
    DWORD code = 0;
    __try {
        middle();
    } __except (code = _exception_code(), 1) {
    }
    check("unwind", code == 0xE0000010 && fin_count == 1 && fin_abnormal);
}

static void t_divzero(void)
{
    DWORD code = 0;
    volatile int r = 0; /* used: the call may not be dropped */
    __try {
        r = divide(100, (int)opaque(0));
    } __except (code = _exception_code(), 1) {
    }
    check("divzero", code == 0xc0000094);
    code = 0;
    __try {
        illegal();
    } __except (code = _exception_code(), 1) {
    }
    check("illegal", code == 0xc000001d);
    (void)r;
}

static LONG raise_filter(EXCEPTION_POINTERS *ep, int *ok)
{
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    *ok = r->ExceptionCode == 0xE0000020 && r->ExceptionFlags == 0 && r->NumberParameters == 3 &&
          r->ExceptionInformation[0] == 11 && r->ExceptionInformation[2] == 33;
    return 1;
}

static int continued;

static LONG continue_filter(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode != 0xE0000021)
        return 0;
    continued++;
    return -1;
}

static LONG fixup_filter(EXCEPTION_POINTERS *ep, DWORD64 good)
{
    if (ep->ExceptionRecord->ExceptionCode != 0xc0000005)
        return 0;
    ep->ContextRecord->Rax = good; /* the faulting load reads (%rax): point it somewhere good */
    return -1;
}

static void t_raise(void)
{
    int ok = 0;
    ULONG_PTR args[3] = {11, 22, 33};
    __try {
        RaiseException(0xE0000020, 0, 3, args);
    } __except (raise_filter(_exception_info(), &ok)) {
    }
    check("raise", ok);
    __try {
        RaiseException(0xE0000021, 0, 0, 0);
        continued += 10;
    } __except (continue_filter(_exception_info())) {
    }
    check("continue", continued == 11);
    static volatile int target = 1234;
    int got = 0;
    __try {
        got = load_rax(opaque(0x30));
    } __except (fixup_filter(_exception_info(), (DWORD64)&target)) {
    }
    check("fixup", got == 1234);
}

static LONG noncont_filter(EXCEPTION_POINTERS *ep, DWORD *outer, DWORD *inner)
{
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    if (r->ExceptionCode == 0xE0000022)
        return -1; /* continue what cannot be continued */
    *outer = r->ExceptionCode;
    *inner = r->ExceptionRecord ? ((EXCEPTION_RECORD *)r->ExceptionRecord)->ExceptionCode : 0;
    return 1;
}

static void t_noncont(void)
{
    DWORD outer = 0, inner = 0;
    __try {
        RaiseException(0xE0000022, 1 /* EXCEPTION_NONCONTINUABLE */, 0, 0);
    } __except (noncont_filter(_exception_info(), &outer, &inner)) {
    }
    check("noncont", outer == 0xc0000025 && inner == 0xE0000022);
}

static void t_guard(void)
{
    volatile char *p = VirtualAlloc(0, 4096, 0x3000, 0x04 | 0x100); /* PAGE_READWRITE | PAGE_GUARD */
    DWORD code = 0;
    __try {
        store((DWORD64)p);
    } __except (code = _exception_code(), 1) {
    }
    int again = 0;
    __try {
        store((DWORD64)p + 4);
        again = load((DWORD64)p + 4);
    } __except (1) {
        again = -1;
    }
    check("guard", p && code == 0x80000001 && again == 1);
}

static void t_search(void)
{
    int inner = 0, outer = 0;
    __try {
        __try {
            RaiseException(0xE0000023, 0, 0, 0);
        } __except (inner++, 0) {
            inner = 100;
        }
    } __except (outer++, 1) {
    }
    check("search", inner == 1 && outer == 1);
}

static LONG raising_filter(void)
{
    DWORD code = 0;
    __try {
        RaiseException(0xE0000025, 0, 0, 0);
    } __except (code = _exception_code(), 1) {
    }
    return code == 0xE0000025 ? 1 : 0;
}

static void t_infilter(void)
{
    int handled = 0;
    __try {
        RaiseException(0xE0000024, 0, 0, 0);
    } __except (raising_filter()) {
        handled = 1;
    }
    check("infilter", handled);
}

static int outer_hit, middle_hit;

static __declspec(noinline) void raise_in_finally(void)
{
    __try {
        RaiseException(0xE0000030, 0, 0, 0);
    } __finally {
        RaiseException(0xE0000031, 0, 0, 0);
    }
}

static void t_collided(void)
{
    __try {
        __try {
            raise_in_finally();
        } __except (_exception_code() == 0xE0000031) {
            middle_hit++;
        }
    } __except (_exception_code() == 0xE0000030) {
        outer_hit++;
    }
    check("collided", middle_hit == 1 && outer_hit == 0);
}

int start(void);

/* Two frames of their own (no tail calls), then start's. */
static __declspec(noinline) WORD trace3(void **frames)
{
    WORD n = RtlCaptureStackBackTrace(0, 3, frames, 0);
    return (WORD)opaque(n) + 0 * (WORD)opaque(0);
}
static __declspec(noinline) WORD trace2(void **frames)
{
    WORD n = trace3(frames);
    return (WORD)opaque(n) + 0 * (WORD)opaque(1);
}

static void t_tables(void)
{
    DWORD64 base = 0;
    RUNTIME_FUNCTION *f = RtlLookupFunctionEntry((DWORD64)start, &base, 0);
    void *hdr = 0;
    void *b = RtlPcToFileHeader((void *)start, &hdr);
    check("pdata", f && base && base + f->BeginAddress == (DWORD64)start && b == (void *)base && hdr == b);
    void *frames[3] = {0, 0, 0};
    WORD n = trace2(frames);
    int in_image = 1;
    for (int i = 0; i < 3; i++)
        in_image &= (DWORD64)frames[i] > base && (DWORD64)frames[i] < base + 0x100000;
    check("backtrace", n == 3 && in_image);
}

static void t_context(void)
{
    static CONTEXT c;
    volatile int passes = 0;
    DWORD64 rbx_before, rbx_after;
    __asm__ volatile("mov %%rbx, %0" : "=r"(rbx_before));
    RtlCaptureContext(&c);
    passes++;
    if (passes == 1)
        RtlRestoreContext(&c, 0);
    __asm__ volatile("mov %%rbx, %0" : "=r"(rbx_after));
    check("context", passes == 2 && rbx_before == rbx_after);
}

static jmp_buf jump_buf;
static int jump_fin;

static __declspec(noinline) void jump_out(void) { longjmp(jump_buf, 0); }

static __declspec(noinline) void jump_middle(void)
{
    __try {
        jump_out();
    } __finally {
        jump_fin += _abnormal_termination() ? 10 : 1;
    }
}

static void t_longjmp(void)
{
    jump_fin = 0;
    int r = _setjmp(jump_buf);
    if (r == 0) {
        jump_middle();
        check("longjmp", 0);
        return;
    }
    check("longjmp", r == 1 && jump_fin == 10);
}

static DWORD uef_seen;
static LONG uef_answer;

static LONG __stdcall uef_filter(EXCEPTION_POINTERS *ep)
{
    uef_seen = ep->ExceptionRecord->ExceptionCode;
    return uef_answer;
}

/* What UnhandledExceptionFilter answers for code raised in a __try. */
static LONG uef_for(DWORD code)
{
    LONG r = 99;
    __try {
        RaiseException(code, 0, 0, 0);
    } __except (r = UnhandledExceptionFilter(_exception_info()), 1) {
    }
    return r;
}

static void t_uef(void)
{
    SetUnhandledExceptionFilter(uef_filter);
    uef_answer = 1;
    LONG a = uef_for(0xE0000077);
    DWORD seen_a = uef_seen;
    uef_answer = -1;
    LONG b = uef_for(0xE0000078);
    DWORD seen_b = uef_seen;
    SetUnhandledExceptionFilter(0);
    uef_seen = 0;
    LONG c = uef_for(0xE0000079);
    check("uef", a == 1 && seen_a == 0xE0000077 && b == -1 && seen_b == 0xE0000078 && c == 1 && uef_seen == 0);
}

static LONG __stdcall last_filter(EXCEPTION_POINTERS *ep)
{
    out_hex("filter ", ep->ExceptionRecord->ExceptionCode);
    return 1; /* EXCEPTION_EXECUTE_HANDLER: the process ends with the code */
}

int start(void)
{
    t_av();
    t_callnull();
    t_finally();
    t_divzero();
    t_raise();
    t_noncont();
    t_guard();
    t_search();
    t_infilter();
    t_collided();
    t_tables();
    t_context();
    t_longjmp();
    t_uef();
    if (failures)
        return 1;
    SetUnhandledExceptionFilter(last_filter);
    RaiseException(0xE000002A, 0, 0, 0);
    out("after the last raise\n");
    return 2;
}
