/* SPDX-License-Identifier: MIT */
/* fsgs.c - fsgs.exe (mingw): PE code that loads null selectors into fs and gs survives, as on
 * Windows x64, whose kernel gives the thread its TEB back (Wine's ntdll exception.c loads them
 * in its debuggee).  On processors where a null selector clears the segment's base, glibc's
 * thread pointer (fs) and the TEB (gs) were gone and the next winvm code to run died.  Each
 * check prints "ok NAME" or "FAIL NAME ..."; test_seh.c wants them all.
 *   export   null fs and gs, then a kernel32 export (GetCurrentThreadId): the right id, and
 *            gs:0x30 (the TEB's Self) and gs:0x48 (its thread id) right after it
 *   gs_read  null gs, then gs:0x30 read straight from PE code: the TEB, no exception
 *   av       null fs and gs, then an access violation: a vectored handler sees it (code,
 *            address 0x10) and the TEB through gs, continues it, the TEB is right after
 *   int3     null fs and gs, then int3: EXCEPTION_BREAKPOINT to the handler, continued
 *   segs     that CONTEXT's SegFs 0x53 and SegGs 0x2b, Windows' own whatever the code loaded
 *            (Wine's exception.c, test_debugger's stage 16: gs == ss, fs != ss)
 *   crt      printf and GetLastError/SetLastError after null selectors (msvcrt, kernel32)
 *   overlong 15 fs prefixes before cli (a general-protection fault at address 0 through fs):
 *            raised once, not taken for a gone fs base and run again for ever */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static DWORD want_tid;
static void *want_teb;
static EXCEPTION_RECORD last_rec;
static CONTEXT last_ctx;
static void *handler_teb;
static int calls;
static int skip; /* when set: what the handler adds to Rip */

static void *teb_self(void)
{
    void *p;
    __asm__ volatile("mov %%gs:0x30, %0" : "=r"(p));
    return p;
}

static DWORD teb_tid(void)
{
    DWORD64 v;
    __asm__ volatile("mov %%gs:0x48, %0" : "=r"(v));
    return (DWORD)v;
}

static void null_fs_gs(void) { __asm__ volatile("xor %%eax, %%eax\n\tmov %%ax, %%fs\n\tmov %%ax, %%gs" : : : "rax"); }
static void null_gs(void) { __asm__ volatile("xor %%eax, %%eax\n\tmov %%ax, %%gs" : : : "rax"); }

static LONG CALLBACK veh(EXCEPTION_POINTERS *ep)
{
    DWORD code = ep->ExceptionRecord->ExceptionCode;
    if (code != EXCEPTION_ACCESS_VIOLATION && code != EXCEPTION_BREAKPOINT && code != EXCEPTION_ILLEGAL_INSTRUCTION)
        return EXCEPTION_CONTINUE_SEARCH;
    if (calls++ == 0) { /* the first one: a later one would only follow from it */
        last_rec = *ep->ExceptionRecord;
        last_ctx = *ep->ContextRecord;
        handler_teb = teb_self();
    }
    ep->ContextRecord->Rip += skip ? skip : code == EXCEPTION_BREAKPOINT ? 1 : 2; /* int3; mov (%rcx),%eax */
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void check(const char *name, int good)
{
    if (good)
        printf("ok %s\n", name);
    else
        printf("FAIL %s: calls %d code %#lx addr %p info %#llx teb %p/%p ctx fs %#x gs %#x\n", name, calls,
               last_rec.ExceptionCode, last_rec.ExceptionAddress,
               (unsigned long long)last_rec.ExceptionInformation[1], handler_teb, want_teb, last_ctx.SegFs,
               last_ctx.SegGs);
    fflush(stdout);
}

int main(void)
{
    want_tid = GetCurrentThreadId();
    want_teb = teb_self();
    AddVectoredExceptionHandler(1, veh);

    null_fs_gs();
    DWORD tid = GetCurrentThreadId();
    void *self = teb_self();
    DWORD ttid = teb_tid();
    check("export", tid == want_tid && self == want_teb && ttid == want_tid);

    null_gs();
    self = teb_self();
    check("gs_read", self == want_teb && calls == 0);

    calls = 0;
    null_fs_gs();
    __asm__ volatile("mov $0x10, %%rcx\n\tmov (%%rcx), %%eax" : : : "rax", "rcx", "memory");
    self = teb_self();
    check("av", calls == 1 && last_rec.ExceptionCode == EXCEPTION_ACCESS_VIOLATION &&
                    last_rec.ExceptionInformation[1] == 0x10 && handler_teb == want_teb && self == want_teb &&
                    GetCurrentThreadId() == want_tid);

    calls = 0;
    null_fs_gs();
    __asm__ volatile("int3" : : : "memory");
    check("int3", calls == 1 && last_rec.ExceptionCode == EXCEPTION_BREAKPOINT && handler_teb == want_teb &&
                      teb_self() == want_teb);
    check("segs", last_ctx.SegFs == 0x53 && last_ctx.SegGs == 0x2b && last_ctx.SegGs == last_ctx.SegSs);

    null_fs_gs();
    SetLastError(1234);
    DWORD err = GetLastError();
    null_fs_gs();
    printf("printed %lu\n", err);
    check("crt", err == 1234 && teb_tid() == want_tid);

    static const BYTE overlong[] = {0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64,
                                    0x64, 0x64, 0x64, 0x64, 0x64, 0xfa, 0xc3};
    BYTE *code = VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    memcpy(code, overlong, sizeof(overlong));
    calls = 0, skip = 16;
    ((void (*)(void))code)();
    skip = 0;
    check("overlong", calls == 1 && (last_rec.ExceptionCode == EXCEPTION_ILLEGAL_INSTRUCTION ||
                                     last_rec.ExceptionCode == EXCEPTION_ACCESS_VIOLATION));
    return 0;
}
