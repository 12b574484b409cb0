/* SPDX-License-Identifier: MIT */
/* excgp.c - excgp.exe (mingw): the exceptions of code written to VirtualAlloc'd memory (no
 * function table) as Windows x64 raises them, and the thread start's filter, as Wine's ntdll
 * exception.c records Windows.  Each check prints "ok NAME" or "FAIL NAME ..."; test_seh.c
 * wants them all "ok", then the last raise to end the process (status 0x02, winvm's report).
 *   priv     cli: STATUS_PRIVILEGED_INSTRUCTION at it, no parameters
 *   segs     that CONTEXT's selectors: ds, es, gs and ss 0x2b, fs 0x53; ds really 0x2b
 *   int2c    int $0x2c: STATUS_ASSERTION_FAILURE at the int
 *   intff    int $0xff: STATUS_ACCESS_VIOLATION {0, ~0} at the int
 *   dbgprint int $0x2d with Rax 1 (BREAKPOINT_PRINT): no exception, the byte after it skipped
 *   dbgbreak int $0x2d with Rax 2 (BREAKPOINT_PROMPT): EXCEPTION_BREAKPOINT {2} whose address
 *            and CONTEXT Rip are the byte after the int
 *   int3     int3: EXCEPTION_BREAKPOINT at it, the CONTEXT's Rip at it
 *   rtluef   RtlSetUnhandledExceptionFilter's filter replaces SetUnhandledExceptionFilter's as
 *            the last chance: it continues an unhandled 0xE0000001, the other is not called
 *   ntterm   NtTerminateProcess of a bad handle: STATUS_INVALID_HANDLE
 * Last: RtlSetUnhandledExceptionFilter(NULL) leaves no filter: 0xE0000002 ends the process. */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef void(WINAPI *RTLSETUEF)(LPTOP_LEVEL_EXCEPTION_FILTER);
typedef LONG(WINAPI *NTTERM)(HANDLE, LONG);

static BYTE *code;
static EXCEPTION_RECORD last_rec;
static CONTEXT last_ctx;
static int calls;
static int skip_len; /* what the handler adds to Rip to go on */

static LONG CALLBACK veh(EXCEPTION_POINTERS *ep)
{
    DWORD64 rip = ep->ContextRecord->Rip;
    if (rip < (DWORD64)code || rip >= (DWORD64)code + 0x100)
        return EXCEPTION_CONTINUE_SEARCH;
    calls++;
    last_rec = *ep->ExceptionRecord;
    last_ctx = *ep->ContextRecord;
    ep->ContextRecord->Rip += skip_len;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static DWORD64 run(const BYTE *bytes, size_t n, int skip, DWORD64 arg)
{
    memcpy(code, bytes, n);
    FlushInstructionCache(GetCurrentProcess(), code, n);
    calls = 0, skip_len = skip;
    memset(&last_rec, 0, sizeof(last_rec));
    return ((DWORD64(*)(DWORD64))code)(arg);
}

static void check(const char *name, int good)
{
    if (good)
        printf("ok %s\n", name);
    else
        printf("FAIL %s: calls %d code %#lx addr %p params %lu [%#llx %#llx] rip %#llx (code %p)\n", name, calls,
               last_rec.ExceptionCode, last_rec.ExceptionAddress, last_rec.NumberParameters,
               (unsigned long long)last_rec.ExceptionInformation[0],
               (unsigned long long)last_rec.ExceptionInformation[1], (unsigned long long)last_ctx.Rip, code);
    fflush(stdout);
}

static int uef_rtl, uef_k32;
static LONG WINAPI rtl_filter(EXCEPTION_POINTERS *ep)
{
    uef_rtl += ep->ExceptionRecord->ExceptionCode == 0xE0000001;
    return EXCEPTION_CONTINUE_EXECUTION;
}
static LONG WINAPI k32_filter(EXCEPTION_POINTERS *ep)
{
    (void)ep;
    uef_k32++;
    return EXCEPTION_EXECUTE_HANDLER;
}

int main(void)
{
    static const BYTE cli[] = {0xfa, 0xc3};
    static const BYTE int2c[] = {0xcd, 0x2c, 0xc3};
    static const BYTE intff[] = {0xcd, 0xff, 0xc3};
    /* mov %rcx,%rax; int $0x2d; ret (+5); xor %eax,%eax; ret (+6) */
    static const BYTE int2d[] = {0x48, 0x89, 0xc8, 0xcd, 0x2d, 0xc3, 0x31, 0xc0, 0xc3};
    static const BYTE int3[] = {0xcc, 0xc3};
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    RTLSETUEF set_uef = (RTLSETUEF)GetProcAddress(nt, "RtlSetUnhandledExceptionFilter");
    NTTERM ntterm = (NTTERM)GetProcAddress(nt, "NtTerminateProcess");
    code = VirtualAlloc(NULL, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    AddVectoredExceptionHandler(1, veh);

    run(cli, sizeof(cli), 1, 0);
    check("priv", calls == 1 && last_rec.ExceptionCode == 0xC0000096 && last_rec.ExceptionAddress == code &&
                      last_rec.NumberParameters == 0 && last_ctx.Rip == (DWORD64)code);
    WORD ds;
    __asm__ volatile("movw %%ds, %0" : "=r"(ds));
    check("segs", last_ctx.SegDs == 0x2b && last_ctx.SegEs == 0x2b && last_ctx.SegGs == 0x2b &&
                      last_ctx.SegSs == 0x2b && last_ctx.SegFs == 0x53 && last_ctx.SegCs == 0x33 && ds == 0x2b);
    run(int2c, sizeof(int2c), 2, 0);
    check("int2c", calls == 1 && last_rec.ExceptionCode == 0xC0000420 && last_rec.ExceptionAddress == code &&
                       last_ctx.Rip == (DWORD64)code);
    run(intff, sizeof(intff), 2, 0);
    check("intff", calls == 1 && last_rec.ExceptionCode == 0xC0000005 && last_rec.ExceptionAddress == code &&
                       last_rec.NumberParameters == 2 && last_rec.ExceptionInformation[0] == 0 &&
                       last_rec.ExceptionInformation[1] == ~(ULONG_PTR)0);
    DWORD64 r = run(int2d, sizeof(int2d), 0, 1);
    check("dbgprint", calls == 0 && r == 0);
    r = run(int2d, sizeof(int2d), 0, 2);
    check("dbgbreak", calls == 1 && r == 2 && last_rec.ExceptionCode == EXCEPTION_BREAKPOINT &&
                          last_rec.ExceptionAddress == code + 5 && last_ctx.Rip == (DWORD64)code + 5 &&
                          last_rec.NumberParameters == 1 && last_rec.ExceptionInformation[0] == 2);
    run(int3, sizeof(int3), 1, 0);
    check("int3", calls == 1 && last_rec.ExceptionCode == EXCEPTION_BREAKPOINT && last_rec.ExceptionAddress == code &&
                      last_ctx.Rip == (DWORD64)code);

    SetUnhandledExceptionFilter(k32_filter);
    set_uef(rtl_filter);
    RaiseException(0xE0000001, 0, 0, NULL);
    check("rtluef", uef_rtl == 1 && uef_k32 == 0);

    check("ntterm", ntterm((HANDLE)(ULONG_PTR)0xdeadbee0, 1) == (LONG)0xC0000008);

    set_uef(NULL);
    RaiseException(0xE0000002, 0, 0, NULL);
    printf("FAIL not ended\n");
    return 0;
}
