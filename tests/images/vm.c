/* SPDX-License-Identifier: MIT */
/* vm.c - vm.exe: winvm's memory API and exceptions driven from PE code.  CRT-free (mingw-w64,
 * -nostdlib -e start -Wl,--subsystem,console, -lkernel32 only), built by tests/CMakeLists.txt
 * into WINVM_PE_IMAGES_DIR.  Default EXE layout (ImageBase 0x140000000, DYNAMIC_BASE, .reloc;
 * stack reserve 2 MiB, commit 4 KiB: ld's defaults).
 *
 * Imports KERNEL32.dll: GetStdHandle, WriteFile, GetLastError, SetLastError, GetSystemInfo,
 * VirtualAlloc, VirtualFree, VirtualProtect, VirtualQuery, AddVectoredExceptionHandler,
 * RemoveVectoredExceptionHandler.  ___chkstk_ms (the stack probe gcc calls for frames over
 * 4 KiB, normally from libgcc) is defined below, as libgcc does it: it touches each page of a
 * large frame from the top down, so the stack's guard page is hit in order.
 *
 * Output: one line per check, in this order, "ok NAME\n" or "FAIL NAME\n" (nothing else):
 *   sysinfo        GetSystemInfo: dwPageSize 4096, dwAllocationGranularity 65536
 *   veh_add        AddVectoredExceptionHandler(1, handler) != NULL
 *   alloc          VirtualAlloc(NULL, 64K, MEM_RESERVE|MEM_COMMIT, PAGE_READWRITE): 64 KiB
 *                  aligned, reads zero, a write reads back
 *   query_commit   VirtualQuery of it: 48 returned, Base = AllocationBase = p, RegionSize 64K,
 *                  MEM_COMMIT, PAGE_READWRITE, AllocationProtect PAGE_READWRITE, MEM_PRIVATE
 *   reserve        VirtualAlloc(NULL, 1 MiB, MEM_RESERVE, PAGE_NOACCESS) = r; VirtualQuery(r):
 *                  MEM_RESERVE, Protect 0, AllocationProtect PAGE_NOACCESS, RegionSize 1 MiB
 *   commit         VirtualAlloc(r+0x4000, 0x2000, MEM_COMMIT, PAGE_READWRITE) == r+0x4000;
 *                  VirtualQuery: r -> reserved 0x4000, r+0x4000 -> committed RW 0x2000,
 *                  r+0x6000 -> reserved 1 MiB-0x6000, AllocationBase r everywhere
 *   protect        VirtualProtect(r+0x4000, 0x1000, PAGE_READONLY) old == PAGE_READWRITE;
 *                  VirtualQuery: READONLY for 0x1000, then READWRITE for 0x1000
 *   protect_reserved  VirtualProtect on reserved r fails with ERROR_INVALID_ADDRESS (487)
 *   readonly_write a write to the READONLY page r+0x4000+8 raises 0xC0000005 with
 *                  ExceptionInformation {1 (write), address}; the handler VirtualProtects the
 *                  page to READWRITE (old == READONLY) and returns EXCEPTION_CONTINUE_EXECUTION;
 *                  the write then lands (one exception exactly)
 *   guard          p+0x1000 made PAGE_READWRITE|PAGE_GUARD (VirtualQuery shows it); a read
 *                  raises 0x80000001 once (address in ExceptionInformation[1]), the handler
 *                  returns EXCEPTION_CONTINUE_EXECUTION, the read returns the page's byte;
 *                  VirtualQuery then shows PAGE_READWRITE; a second read raises nothing
 *   guard_write    same with a write to p+0x2000 (PAGE_GUARD set by VirtualAlloc MEM_COMMIT):
 *                  one more guard exception, the write lands
 *   nx             a call into PAGE_READWRITE code (mov eax,5; ret) raises 0xC0000005 with
 *                  ExceptionInformation {8 (execute), the code's address}, ExceptionAddress and
 *                  Rip that address; the handler emulates a `ret` with Rax = 77 by changing
 *                  the CONTEXT (Rip = [Rsp], Rsp += 8): the call returns 77
 *   exec           after VirtualProtect(PAGE_EXECUTE_READ) the same call returns 5
 *   stack          50 nested calls, each with a volatile 4 KiB local array (~205 KiB of stack,
 *                  grown through the thread stack's guard page); every frame's array intact
 *                  after the calls return, deepest array >= 49 * 4 KiB below the first
 *   stack_query    VirtualQuery of a local: MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE
 *   decommit       VirtualFree(r+0x4000, 0x1000, MEM_DECOMMIT): the page turns MEM_RESERVE;
 *                  recommitted it reads zero
 *   release        VirtualFree(r, 0, MEM_RELEASE) and (p, 0, MEM_RELEASE) succeed,
 *                  VirtualQuery(r) shows MEM_FREE; VirtualFree(r, 0, MEM_RELEASE) again fails
 *                  with ERROR_INVALID_ADDRESS
 *   unexpected     the handler saw no exception other than the 5 above (it passes any other
 *                  on with EXCEPTION_CONTINUE_SEARCH: the stack's growth must raise none)
 *   veh_remove     RemoveVectoredExceptionHandler(h) != 0, a second call returns 0
 * Exit code: the number of FAIL lines (0 when everything passed).  A crash in the middle (e.g.
 * an exception the handler does not claim) ends the output early.
 */
#include "exe_util.h"

EU_DEFINE_CHKSTK

#define PG 0x1000

static volatile LONG guard_hits, av_hits, nx_hits, unexpected;
static char *volatile guard_lo, *volatile guard_hi; /* [lo, hi): guard pages the handler claims */
static char *volatile ro_page;                       /* the READONLY page it may fix */
static volatile DWORD ro_old;                        /* the protection its VirtualProtect saw */
static char *volatile nx_code;                       /* the non-executable code */
static volatile int nx_ok;                           /* the DEP exception's details matched */
static volatile ULONG_PTR guard_addr;

static LONG CALLBACK vm_handler(EXCEPTION_POINTERS *ep)
{
    EXCEPTION_RECORD *er = ep->ExceptionRecord;
    CONTEXT *c = ep->ContextRecord;
    ULONG_PTR kind = er->NumberParameters >= 2 ? er->ExceptionInformation[0] : (ULONG_PTR)-1;
    char *addr = er->NumberParameters >= 2 ? (char *)er->ExceptionInformation[1] : NULL;
    if (er->ExceptionCode == EXCEPTION_GUARD_PAGE && addr >= guard_lo && addr < guard_hi) {
        guard_hits++;
        guard_addr = (ULONG_PTR)addr;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (er->ExceptionCode == EXCEPTION_ACCESS_VIOLATION && kind == 1 && ro_page &&
        addr >= ro_page && addr < ro_page + PG) {
        DWORD old = 0;
        av_hits++;
        if (!VirtualProtect(ro_page, PG, PAGE_READWRITE, &old))
            return EXCEPTION_CONTINUE_SEARCH;
        ro_old = old;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (er->ExceptionCode == EXCEPTION_ACCESS_VIOLATION && kind == 8 && nx_code &&
        addr == nx_code) {
        nx_hits++;
        nx_ok = er->ExceptionAddress == (PVOID)nx_code && c->Rip == (DWORD64)(ULONG_PTR)nx_code;
        c->Rip = *(DWORD64 *)(ULONG_PTR)c->Rsp; /* return to the caller */
        c->Rsp += 8;
        c->Rax = 77;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    unexpected++;
    return EXCEPTION_CONTINUE_SEARCH;
}

static int q(const void *a, MEMORY_BASIC_INFORMATION *m)
{
    SIZE_T n;
    for (SIZE_T i = 0; i < sizeof *m; i++)
        ((volatile char *)m)[i] = 0;
    n = VirtualQuery(a, m, sizeof *m);
    return n == sizeof *m;
}

static int is(const MEMORY_BASIC_INFORMATION *m, const void *base, const void *abase, SIZE_T size,
              DWORD state, DWORD prot)
{
    return m->BaseAddress == base && m->AllocationBase == abase && m->RegionSize == size &&
           m->State == state && m->Protect == prot;
}

/* Not inlined, not a tail call: each frame keeps its 4 KiB until the inner calls return. */
__attribute__((noinline)) static int vm_recurse(int depth, volatile char **deepest)
{
    volatile char buf[4096];
    int ok;
    for (int i = 0; i < 4096; i += 128)
        buf[i] = (char)(depth * 3 + i / 128);
    buf[4095] = (char)depth;
    ok = depth > 1 ? vm_recurse(depth - 1, deepest) : (*deepest = buf, 0);
    int intact = buf[4095] == (char)depth;
    for (int i = 0; i < 4096; i += 128)
        intact &= buf[i] == (char)(depth * 3 + i / 128);
    return ok + intact;
}

typedef int (*vm_fn)(void);

int start(void)
{
    MEMORY_BASIC_INFORMATION m;
    SYSTEM_INFO si;
    DWORD old;
    int ok;

    GetSystemInfo(&si);
    eu_check("sysinfo", si.dwPageSize == PG && si.dwAllocationGranularity == 0x10000);

    PVOID veh = AddVectoredExceptionHandler(1, vm_handler);
    eu_check("veh_add", veh != NULL);

    /* alloc, query_commit */
    volatile char *p = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ok = p && ((ULONG_PTR)p & 0xffff) == 0;
    if (ok) {
        for (int i = 0; i < 0x10000; i += 512)
            ok &= p[i] == 0;
        p[0x1234] = 0x5a;
        ok &= p[0x1234] == 0x5a;
    }
    eu_check("alloc", ok);
    ok = p && q((void *)p, &m) && is(&m, (void *)p, (void *)p, 0x10000, MEM_COMMIT, PAGE_READWRITE) &&
         m.AllocationProtect == PAGE_READWRITE && m.Type == MEM_PRIVATE;
    eu_check("query_commit", ok);

    /* reserve, commit */
    char *r = VirtualAlloc(NULL, 0x100000, MEM_RESERVE, PAGE_NOACCESS);
    ok = r && q(r, &m) && is(&m, r, r, 0x100000, MEM_RESERVE, 0) &&
         m.AllocationProtect == PAGE_NOACCESS && m.Type == MEM_PRIVATE;
    eu_check("reserve", ok);
    ok = r && VirtualAlloc(r + 0x4000, 0x2000, MEM_COMMIT, PAGE_READWRITE) == r + 0x4000;
    ok = ok && q(r, &m) && is(&m, r, r, 0x4000, MEM_RESERVE, 0);
    ok = ok && q(r + 0x4000, &m) && is(&m, r + 0x4000, r, 0x2000, MEM_COMMIT, PAGE_READWRITE) &&
         m.Type == MEM_PRIVATE;
    ok = ok && q(r + 0x6000, &m) && is(&m, r + 0x6000, r, 0x100000 - 0x6000, MEM_RESERVE, 0);
    eu_check("commit", ok);

    /* protect, protect_reserved */
    old = 0;
    ok = r && VirtualProtect(r + 0x4000, PG, PAGE_READONLY, &old) && old == PAGE_READWRITE;
    ok = ok && q(r + 0x4000, &m) && is(&m, r + 0x4000, r, PG, MEM_COMMIT, PAGE_READONLY);
    ok = ok && q(r + 0x5000, &m) && is(&m, r + 0x5000, r, PG, MEM_COMMIT, PAGE_READWRITE);
    eu_check("protect", ok);
    SetLastError(0);
    ok = r && !VirtualProtect(r, PG, PAGE_READWRITE, &old) && GetLastError() == ERROR_INVALID_ADDRESS;
    eu_check("protect_reserved", ok);

    /* readonly_write */
    ok = 0;
    if (r) {
        ro_page = r + 0x4000;
        ((volatile char *)r)[0x4008] = 0x3c;
        ro_page = NULL;
        ok = av_hits == 1 && ro_old == PAGE_READONLY && ((volatile char *)r)[0x4008] == 0x3c &&
             q(r + 0x4000, &m) && m.Protect == PAGE_READWRITE;
    }
    eu_check("readonly_write", ok);

    /* guard, guard_write */
    ok = 0;
    if (p) {
        guard_lo = (char *)p + 0x1000;
        guard_hi = (char *)p + 0x3000;
        p[0x1010] = 0x11;
        ok = VirtualProtect((char *)p + 0x1000, PG, PAGE_READWRITE | PAGE_GUARD, &old) &&
             old == PAGE_READWRITE && q((char *)p + 0x1000, &m) &&
             m.Protect == (PAGE_READWRITE | PAGE_GUARD) && m.RegionSize == PG;
        char v = p[0x1010];
        ok = ok && v == 0x11 && guard_hits == 1 && guard_addr == (ULONG_PTR)(p + 0x1010);
        ok = ok && q((char *)p + 0x1000, &m) && m.Protect == PAGE_READWRITE;
        v = p[0x1020];
        ok = ok && v == 0 && guard_hits == 1;
    }
    eu_check("guard", ok);
    ok = 0;
    if (p) {
        ok = VirtualAlloc((char *)p + 0x2000, PG, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD) ==
                 (char *)p + 0x2000 &&
             q((char *)p + 0x2000, &m) && m.Protect == (PAGE_READWRITE | PAGE_GUARD);
        p[0x2040] = 0x22;
        ok = ok && guard_hits == 2 && guard_addr == (ULONG_PTR)(p + 0x2040) && p[0x2040] == 0x22;
        p[0x2041] = 0x23;
        ok = ok && guard_hits == 2 && q((char *)p + 0x2000, &m) && m.Protect == PAGE_READWRITE;
    }
    guard_lo = guard_hi = NULL;
    eu_check("guard_write", ok);

    /* nx, exec */
    ok = 0;
    if (p) {
        static const unsigned char code[] = {0xb8, 0x05, 0x00, 0x00, 0x00, 0xc3}; /* mov eax,5; ret */
        volatile unsigned char *c = (volatile unsigned char *)p + 0x3000;
        for (unsigned i = 0; i < sizeof code; i++)
            c[i] = code[i];
        nx_code = (char *)c;
        vm_fn fn = (vm_fn)(ULONG_PTR)c;
        __asm__ volatile("" : "+r"(fn)::"memory");
        int got = fn();
        ok = got == 77 && nx_hits == 1 && nx_ok;
        eu_check("nx", ok);
        ok = VirtualProtect((char *)c, PG, PAGE_EXECUTE_READ, &old) && old == PAGE_READWRITE;
        got = ok ? fn() : -1;
        nx_code = NULL;
        ok = ok && got == 5 && nx_hits == 1;
        eu_check("exec", ok);
    } else {
        eu_check("nx", 0);
        eu_check("exec", 0);
    }

    /* stack, stack_query */
    {
        volatile char top[16];
        volatile char *deepest = NULL;
        top[0] = 1;
        int frames = vm_recurse(50, &deepest);
        ok = frames == 50 && deepest && (ULONG_PTR)top - (ULONG_PTR)deepest >= 49 * 4096;
        eu_check("stack", ok);
        ok = q((void *)top, &m) && m.State == MEM_COMMIT && m.Protect == PAGE_READWRITE &&
             m.Type == MEM_PRIVATE;
        eu_check("stack_query", ok);
    }

    /* decommit */
    ok = r && VirtualFree(r + 0x4000, PG, MEM_DECOMMIT) && q(r + 0x4000, &m) &&
         is(&m, r + 0x4000, r, PG, MEM_RESERVE, 0) &&
         VirtualAlloc(r + 0x4000, PG, MEM_COMMIT, PAGE_READWRITE) == r + 0x4000 &&
         ((volatile char *)r)[0x4008] == 0;
    eu_check("decommit", ok);

    /* release */
    ok = r && VirtualFree(r, 0, MEM_RELEASE) && p && VirtualFree((void *)p, 0, MEM_RELEASE) &&
         q(r, &m) && m.State == MEM_FREE;
    SetLastError(0);
    ok = ok && !VirtualFree(r, 0, MEM_RELEASE) && GetLastError() == ERROR_INVALID_ADDRESS;
    eu_check("release", ok);

    eu_check("unexpected", unexpected == 0);
    ok = veh && RemoveVectoredExceptionHandler(veh) != 0 && RemoveVectoredExceptionHandler(veh) == 0;
    eu_check("veh_remove", ok);
    return *eu_failures();
}
