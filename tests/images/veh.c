/* SPDX-License-Identifier: MIT */
/* veh.c - veh.exe: vectored continue handlers and OutputDebugString's exceptions, from PE code
 * (clang for the MSVC target, built as seh.exe is; seh_rt.h).  Each check writes "ok NAME" or
 * "FAIL NAME"; test_seh.c wants every line "ok" and the exit status 0.  Checks, in order:
 *   handles   kernel32's and ntdll's Add of a continue handler give distinct handles (the
 *             handler pointer is not looked at); RemoveVectoredExceptionHandler of one fails,
 *             RemoveVectoredContinueHandler succeeds once; an unknown handle fails
 *   order     a vectored handler continues 0xE0000100: the continue handlers run after it, in
 *             their order (First puts one at the front), kernel32's and ntdll's in one list
 *   early     a continue handler answering EXCEPTION_CONTINUE_EXECUTION ends the list
 *   ctx       a load from a bad pointer (in rax) continued by a vectored handler: a continue
 *             handler repairs rax in the CONTEXT and the load succeeds
 *   frame     an __except filter answering EXCEPTION_CONTINUE_EXECUTION: the continue handlers
 *             run; an __except that handles it (EXCEPTION_EXECUTE_HANDLER): they do not
 *   filter    the top-level filter continues an unhandled 0xE0000104: the continue handlers run
 *   odsa      OutputDebugStringA("Hello World"): a vectored handler sees 0x40010006 {12, the
 *             string}; no __except around the call sees it; unhandled, the call returns
 *   odsw      OutputDebugStringW(L"Hello World"): 0x4001000A {12, the string, 12, "Hello
 *             World"}, then 0x40010006 {12, "Hello World"}
 *   odsw_cont a vectored handler continuing the wide one: no ANSI one follows, the continue
 *             handlers saw it
 */
#include "seh_rt.h"

typedef LONG(__stdcall *HANDLER)(EXCEPTION_POINTERS *);
IMPORT void *__stdcall AddVectoredExceptionHandler(DWORD, HANDLER);
IMPORT DWORD __stdcall RemoveVectoredExceptionHandler(void *);
IMPORT void *__stdcall AddVectoredContinueHandler(DWORD, HANDLER);
IMPORT DWORD __stdcall RemoveVectoredContinueHandler(void *);
IMPORT void *__stdcall RtlAddVectoredContinueHandler(DWORD, HANDLER);
IMPORT DWORD __stdcall RtlRemoveVectoredContinueHandler(void *);
IMPORT DWORD __stdcall RtlRemoveVectoredExceptionHandler(void *);
IMPORT void __stdcall OutputDebugStringA(const char *);
IMPORT void __stdcall OutputDebugStringW(const unsigned short *);

/* What the handlers saw, in order: one letter each. */
static char seen[32];
static int nseen;
static DWORD64 good_word = 7;

static void saw(char c)
{
    if (nseen < 31)
        seen[nseen++] = c, seen[nseen] = 0;
}

static int seen_is(const char *want)
{
    int i = 0;
    for (; want[i]; i++)
        if (seen[i] != want[i])
            return 0;
    return i == nseen;
}

static void reset(void) { nseen = 0, seen[0] = 0; }

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static int wstreq(const unsigned short *a, const char *b)
{
    while (*a && *a == (unsigned char)*b)
        a++, b++;
    return *a == (unsigned char)*b;
}

/* The vectored handler: continues its own codes and an access violation, searches on else. */
static LONG __stdcall veh(EXCEPTION_POINTERS *ep)
{
    DWORD code = ep->ExceptionRecord->ExceptionCode;
    if (code == 0xE0000100 || code == 0xE0000101 || code == 0xc0000005) {
        saw('V');
        return -1;
    }
    return 0;
}

static LONG __stdcall cont1(EXCEPTION_POINTERS *ep) { (void)ep, saw('1'); return 0; }
static LONG __stdcall cont3(EXCEPTION_POINTERS *ep) { (void)ep, saw('3'); return 0; }
/* Ends the list for 0xE0000101; repairs the faulting load's pointer. */
static LONG __stdcall cont2(EXCEPTION_POINTERS *ep)
{
    saw('2');
    if (ep->ExceptionRecord->ExceptionCode == 0xc0000005)
        ep->ContextRecord->Rax = (DWORD64)&good_word;
    return ep->ExceptionRecord->ExceptionCode == 0xE0000101 ? -1 : 0;
}

static __declspec(noinline) DWORD64 load_rax(DWORD64 p)
{
    DWORD64 v;
    __asm__ volatile("mov %1, %%rax\n\tmov (%%rax), %0" : "=r"(v) : "r"(p) : "rax", "memory");
    return v;
}

static void t_handles(void)
{
    void *a = AddVectoredContinueHandler(1, (HANDLER)0xdeadbeef);
    void *b = RtlAddVectoredContinueHandler(1, (HANDLER)0xdeadbeef);
    int ok = a && b && a != b;
    ok = ok && !RemoveVectoredExceptionHandler(a) && !RtlRemoveVectoredExceptionHandler(b);
    ok = ok && RemoveVectoredContinueHandler(a) && RtlRemoveVectoredContinueHandler(b);
    ok = ok && !RemoveVectoredContinueHandler(a) && !RtlRemoveVectoredContinueHandler((void *)0x11223344);
    check("handles", ok);
}

static LONG frame_filter(EXCEPTION_POINTERS *ep, LONG answer)
{
    saw('F');
    return ep->ExceptionRecord->ExceptionCode == 0xE0000103 ? answer : 0;
}

static LONG __stdcall top_filter(EXCEPTION_POINTERS *ep)
{
    saw('T');
    return ep->ExceptionRecord->ExceptionCode == 0xE0000104 ? -1 : 0;
}

static void t_continue(void)
{
    void *v = AddVectoredExceptionHandler(0, veh);
    void *c1 = AddVectoredContinueHandler(0, cont1);
    void *c2 = AddVectoredContinueHandler(1, cont2);
    void *c3 = RtlAddVectoredContinueHandler(0, cont3);
    reset();
    RaiseException(0xE0000100, 0, 0, 0);
    check("order", seen_is("V213"));
    reset();
    RaiseException(0xE0000101, 0, 0, 0);
    check("early", seen_is("V2"));
    reset();
    DWORD64 got = load_rax(0x30);
    check("ctx", got == 7 && seen_is("V213"));
    reset();
    __try {
        RaiseException(0xE0000103, 0, 0, 0);
    } __except (frame_filter((EXCEPTION_POINTERS *)_exception_info(), -1)) {
        saw('X');
    }
    int ok = seen_is("F213");
    reset();
    __try {
        RaiseException(0xE0000103, 0, 0, 0);
    } __except (frame_filter((EXCEPTION_POINTERS *)_exception_info(), 1)) {
        saw('X');
    }
    check("frame", ok && seen_is("FX"));
    reset();
    SetUnhandledExceptionFilter(top_filter);
    RaiseException(0xE0000104, 0, 0, 0);
    SetUnhandledExceptionFilter(0);
    check("filter", seen_is("T213"));
    RemoveVectoredExceptionHandler(v);
    RemoveVectoredContinueHandler(c1);
    RemoveVectoredContinueHandler(c2);
    RtlRemoveVectoredContinueHandler(c3);
}

static const char hello[] = "Hello World";
static const unsigned short whello[] = {'H', 'e', 'l', 'l', 'o', ' ', 'W', 'o', 'r', 'l', 'd', 0};
static EXCEPTION_RECORD got[2];
static int ngot;
static int strings_ok[2]; /* the strings as the handler saw them (the ANSI form is the call's own) */
static LONG wide_answer;

static LONG __stdcall ods_veh(EXCEPTION_POINTERS *ep)
{
    DWORD code = ep->ExceptionRecord->ExceptionCode;
    if (code != 0x40010006 && code != 0x4001000A)
        return 0;
    if (ngot < 2) { /* field by field: no CRT, no memcpy */
        EXCEPTION_RECORD *r = ep->ExceptionRecord, *g = &got[ngot];
        g->ExceptionCode = r->ExceptionCode, g->ExceptionFlags = r->ExceptionFlags;
        g->NumberParameters = r->NumberParameters;
        for (int i = 0; i < 4; i++)
            g->ExceptionInformation[i] = r->ExceptionInformation[i];
        if (code == 0x4001000A)
            strings_ok[ngot] = wstreq((const unsigned short *)r->ExceptionInformation[1], hello) &&
                               streq((const char *)r->ExceptionInformation[3], hello);
        else
            strings_ok[ngot] = streq((const char *)r->ExceptionInformation[1], hello);
    }
    ngot++;
    return code == 0x4001000A ? wide_answer : 0;
}

static LONG __stdcall ods_cont(EXCEPTION_POINTERS *ep)
{
    saw(ep->ExceptionRecord->ExceptionCode == 0x4001000A ? 'W' : 'A');
    return 0;
}

static void t_ods(void)
{
    void *v = AddVectoredExceptionHandler(1, ods_veh);
    void *c = AddVectoredContinueHandler(1, ods_cont);
    int caught = 0;
    ngot = 0;
    reset();
    __try {
        OutputDebugStringA(hello);
    } __except (1) {
        caught = 1;
    }
    EXCEPTION_RECORD *r = &got[0];
    check("odsa", !caught && ngot == 1 && r->ExceptionCode == 0x40010006 && r->NumberParameters == 2 &&
                      r->ExceptionFlags == 0 && r->ExceptionInformation[0] == 12 &&
                      r->ExceptionInformation[1] == (ULONG_PTR)hello && strings_ok[0] && nseen == 0);
    ngot = 0;
    OutputDebugStringW(whello);
    EXCEPTION_RECORD *a = &got[1];
    check("odsw", ngot == 2 && r->ExceptionCode == 0x4001000A && r->NumberParameters == 4 &&
                      r->ExceptionInformation[0] == 12 && r->ExceptionInformation[1] == (ULONG_PTR)whello &&
                      r->ExceptionInformation[2] == 12 && strings_ok[0] && a->ExceptionCode == 0x40010006 &&
                      a->NumberParameters == 2 && a->ExceptionInformation[0] == 12 && strings_ok[1]);
    ngot = 0;
    wide_answer = -1;
    OutputDebugStringW(whello);
    wide_answer = 0;
    check("odsw_cont", ngot == 1 && got[0].ExceptionCode == 0x4001000A && seen_is("W"));
    RemoveVectoredExceptionHandler(v);
    RemoveVectoredContinueHandler(c);
}

int start(void)
{
    t_handles();
    t_continue();
    t_ods();
    if (failures)
        out_hex("failures ", (DWORD64)failures);
    return failures ? 1 : 0;
}
