/* SPDX-License-Identifier: MIT */
/* loadme.c - loadme*.dll: the main image of the loader tests.  CRT-free (mingw-w64, -nostdlib
 * -shared -e DllEntry -lkernel32 plus dep.dll's import library), built by tests/CMakeLists.txt
 * into WINVM_PE_IMAGES_DIR in four variants from this file and loadme.def:
 *
 *   loadme.dll         FileAlignment 0x200, DYNAMIC_BASE, ImageBase 0x241000000
 *   loadme_fa1000.dll  -Wl,--file-alignment=0x1000 (sections page-aligned in the file),
 *                      ImageBase 0x242000000
 *   loadme_nodyn.dll   -Wl,--disable-dynamicbase -Wl,--image-base=0x250000000 (fixed base;
 *                      .reloc still present, so it can still be relocated if the base is taken)
 *   loadme_delay.dll   ImageBase 0x243000000, -DLOADME_DELAY: dep.dll is a DELAY import
 *                      (dlltool --output-delaylib, libdep_delay.a) instead of a normal one;
 *                      __delayLoadHelper2 is defined below because mingw-w64's (libmingwex's
 *                      delayimp.o) needs LocalAlloc, LocalFree and RaiseException.
 * LOADME_BASENAME (loadme, loadme_fa1000, ...) is passed by the build so loadme_self() asks for
 * the module's own file name.  loadme.def has no LIBRARY line: the export directory's name is the
 * output file name of each variant.
 *
 * Imports (all variants): KERNEL32.dll VirtualAlloc VirtualFree VirtualProtect VirtualQuery
 * GetLastError SetLastError GetProcAddress GetModuleHandleA LoadLibraryA FreeLibrary.
 * loadme, loadme_fa1000, loadme_nodyn also import dep.dll: dep_value, dep_twice, dep_note,
 * dep_attach_count (DATA) by name and ordinal 7 (dep_ordinal_only) BY ORDINAL.
 * loadme_delay has no dep.dll entry in its import directory.  Its delay descriptor (grAttrs 1 =
 * RVAs; dep_value, dep_twice by name, ordinal 7 by ordinal; IAT in .idata, module handle in .data)
 * sits in .text, and GNU ld 2.40 does NOT point DataDirectory[13] (delay import) at it: the
 * delay import is invisible in the headers and works only through the helper at run time.  The
 * loader needs nothing for it, but must leave the writable .idata writable: the helper patches
 * the delay IAT slots (which ld places inside the IAT directory range, DataDirectory[12]).
 *
 * Exports (loadme.def):
 *   @1 loadme_add(a,b) -> a+b          @2 loadme_call_dep() -> 42 + 10 + 7007 = 7059
 *   @3 loadme_counter int DATA = 5     @4 loadme_bump() -> ++loadme_counter
 *   @5 loadme_table fn[2048] DATA      @6 loadme_sum_table() -> LOADME_TABLE_SUM (5120)
 *   @7 loadme_alloc_test() -> LOADME_ALLOC_ALL (0x7f) when every check passed
 *   @8 loadme_self() -> GetModuleHandleA("<own file name>")
 *   @9 loadme_fwd  FORWARDER "dep.dep_value"
 *   @10 loadme_dynamic() -> LOADME_DYNAMIC_ALL (0x7f): LoadLibraryA/GetProcAddress/FreeLibrary
 *   @11 loadme_reasons int[32], @12 loadme_reserved void*[32], @13 loadme_nreasons int: DllEntry
 *       calls (reason, lpReserved) in order
 *   @14 loadme_tls_calls int, @15 loadme_tls_reasons int[32]: TLS callback calls
 *   @16 loadme_events int[32], @17 loadme_nevents: both in one sequence, TLS callback as
 *       0x100|reason, DllEntry as 0x200|reason
 *   @18 loadme_hinst: the HINSTANCE DllEntry got; @19 loadme_attach_self: 1 if, during
 *       DLL_PROCESS_ATTACH, GetModuleHandleA(own name) already returned that HINSTANCE
 *   @20 loadme_attach_dep_value, @21 loadme_attach_dep_count: dep_value() and dep_attach_count
 *       read during DLL_PROCESS_ATTACH (42 and 1: dep.dll initialised first); -1 in loadme_delay
 *   @22 loadme_counter_ptr = &loadme_counter (DIR64 in .data)
 *   @23 loadme_rotable const fn[4] (DIR64 fixups in a read-only section), @24 loadme_sum_rotable()
 *       -> 10
 *   @25 loadme_delay_calls int: __delayLoadHelper2 calls (0 except in loadme_delay)
 *   @26 loadme_delay_failures int
 *   @50 loadme_hidden() -> 50, NONAME (ordinal-only export)
 * DllEntry also calls dep_note(0x300|reason) (not in loadme_delay), so dep.dll's dep_log records
 * loadme's attach AND detach even after loadme is unmapped.
 *
 * What the loader tests should check (each variant unless said otherwise):
 *  1. LoadLibraryA("loadme.dll") succeeds and also loads dep.dll (GetModuleHandleA("dep.dll")
 *     non-NULL, dep_attach_count == 1 when it was not loaded before); the HMODULE is the image
 *     base; loadme_hinst == HMODULE;
 *     loadme_attach_self == 1; loadme_attach_dep_value == 42 and loadme_attach_dep_count == 1.
 *  2. Imports: loadme_call_dep() == 7059 (by-name AND by-ordinal imports resolved, and the DATA
 *     import dep_attach_count: its IAT slot holds the variable's address).  .idata, where the IAT
 *     lives, is a writable section in mingw images and must stay writable (loadme_delay writes
 *     its delay IAT slots there).
 *  3. Relocations: loadme.dll is placed wherever it lands (DYNAMIC_BASE); loadme_sum_table() ==
 *     5120 and loadme_sum_rotable() == 10 (calls through relocated pointers); *loadme_counter_ptr
 *     is loadme_counter; every loadme_table[i] lies inside the image.  With gcc 12 / binutils
 *     2.40: 2058 DIR64 fixups in 7 blocks - 4 full pages (512 each) of loadme_table at RVA
 *     0x2000-0x5000, .data 0x6000, .rdata 0x7000 (loadme_rotable and the TLS directory: fixups in
 *     a read-only section), .CRT 0xd000 (the TLS callback array).  Each variant loads at its
 *     ImageBase when that range is free; with the range pre-reserved (VirtualAlloc MEM_RESERVE
 *     there first) it must still load, relocated, and pass the same checks - loadme_nodyn too
 *     (no DYNAMIC_BASE, but it has a .reloc, so Windows relocates it).
 *  4. Data: loadme_counter == 5, loadme_bump() == 6, the exported address and the function agree.
 *  5. Sections: VirtualQuery of .text is PAGE_EXECUTE_READ, .rdata PAGE_READONLY, .data
 *     PAGE_READWRITE (or WRITECOPY as Windows shows images), Type MEM_IMAGE, AllocationBase ==
 *     HMODULE; loadme_fa1000 must give the same results as loadme (file alignment differs).
 *  6. GetProcAddress: by name, by ordinal ((LPCSTR)50 -> loadme_hidden, which returns 50;
 *     (LPCSTR)1 -> loadme_add); "loadme_hidden" by name fails (ERROR_PROC_NOT_FOUND);
 *     "loadme_fwd" returns dep.dll's dep_value (forwarder; in loadme_delay this must load dep.dll).
 *  7. loadme_alloc_test() == 0x7f (VirtualAlloc/Protect/Query/Free + Set/GetLastError called
 *     from PE code through the IAT, ms_abi); loadme_dynamic() == 0x7f.
 *  8. DllEntry / TLS: after LoadLibraryA, loadme_reasons == {1}, loadme_reserved[0] == NULL
 *     (dynamic load), loadme_tls_calls == 1 with reason 1, loadme_events == {0x101, 0x201}
 *     (TLS callbacks run before the entry point; no thread created meanwhile, or THREAD_ATTACH
 *     calls follow if the loader sends them).  The TLS directory (DataDirectory[9], in
 *     .rdata, its 4 VAs are DIR64 fixups) gives a 4-byte template "5a 00 00 00" (.tls),
 *     AddressOfIndex -> _tls_index (.bss) and AddressOfCallBacks -> {tls_cb, NULL} (.CRT).
 *  9. FreeLibrary(loadme): while the test holds dep.dll itself, dep_log ends with 0x301, 0x300
 *     (attach and detach of loadme) and dep_detach_count stays 0; the last FreeLibrary of dep then
 *     unmaps it.  Reference counts: LoadLibraryA twice needs FreeLibrary twice before unmapping.
 * 10. loadme_delay: after LoadLibraryA("loadme_delay.dll") dep.dll is NOT loaded and
 *     loadme_delay_calls == 0; loadme_call_dep() == 7059 loads it (delay_calls == 3: one per
 *     delay-imported function), a second call leaves delay_calls at 3 (IAT slots patched).
 */
#include <windows.h>
#include <delayimp.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#ifndef LOADME_BASENAME
#define LOADME_BASENAME loadme
#endif
#define LOADME_NAME STR(LOADME_BASENAME) ".dll"

#define LOADME_LOG_MAX 32
#define LOADME_TABLE_LEN 2048     /* 16 KiB of pointers: 4-5 fixup blocks in .data */
#define LOADME_TABLE_SUM 5120     /* 512 * (1 + 2 + 3 + 4) */
#define LOADME_ALLOC_ALL 0x7f
#define LOADME_DYNAMIC_ALL 0x7f

/* ---- imports from dep.dll (by name, and dep_ordinal_only by ordinal 7) ---- */
__declspec(dllimport) int dep_value(void);
__declspec(dllimport) int dep_twice(int x);
__declspec(dllimport) int dep_ordinal_only(void);
#ifndef LOADME_DELAY
__declspec(dllimport) void dep_note(int event);
__declspec(dllimport) extern int dep_attach_count;
#endif

/* ---- exported data ---- */
int loadme_counter = 5;
int *loadme_counter_ptr = &loadme_counter;
int loadme_reasons[LOADME_LOG_MAX];
void *loadme_reserved[LOADME_LOG_MAX];
int loadme_nreasons = 0;
int loadme_tls_calls = 0;
int loadme_tls_reasons[LOADME_LOG_MAX];
int loadme_events[LOADME_LOG_MAX];
int loadme_nevents = 0;
HINSTANCE loadme_hinst = 0;
int loadme_attach_self = 0;
int loadme_attach_dep_value = -1;
int loadme_attach_dep_count = -1;
int loadme_delay_calls = 0;
int loadme_delay_failures = 0;

/* ---- code ---- */
int loadme_add(int a, int b) { return a + b; }
int loadme_bump(void) { return ++loadme_counter; }
int loadme_hidden(void) { return 50; }
HMODULE loadme_self(void) { return GetModuleHandleA(LOADME_NAME); }

int loadme_call_dep(void) { return dep_value() + dep_twice(5) + dep_ordinal_only(); }

/* The table: 2048 absolute function pointers, one DIR64 fixup each, over 16 KiB of .data. */
typedef int (*loadme_fn)(void);
static int ret1(void) { return 1; }
static int ret2(void) { return 2; }
static int ret3(void) { return 3; }
static int ret4(void) { return 4; }
#define T4 ret1, ret2, ret3, ret4
#define T16 T4, T4, T4, T4
#define T64 T16, T16, T16, T16
#define T256 T64, T64, T64, T64
#define T1024 T256, T256, T256, T256
loadme_fn loadme_table[LOADME_TABLE_LEN] = {T1024, T1024};
const loadme_fn loadme_rotable[4] = {T4};

int loadme_sum_table(void)
{
    int s = 0;
    for (int i = 0; i < LOADME_TABLE_LEN; i++)
        s += loadme_table[i]();
    return s;
}

int loadme_sum_rotable(void)
{
    int s = 0;
    for (int i = 0; i < 4; i++)
        s += loadme_rotable[i]();
    return s;
}

/* Bit mask of the memory-API checks that passed; LOADME_ALLOC_ALL when all did. */
int loadme_alloc_test(void)
{
    int mask = 0;
    volatile char *p = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (p)
        mask |= 1;
    else
        return mask;
    p[0] = 1;
    p[0xffff] = 2;
    if (p[0] == 1 && p[0xffff] == 2)
        mask |= 2;
    DWORD old = 0;
    if (VirtualProtect((LPVOID)p, 0x1000, PAGE_READONLY, &old) && old == PAGE_READWRITE)
        mask |= 4;
    MEMORY_BASIC_INFORMATION mbi;
    if (VirtualQuery((LPCVOID)p, &mbi, sizeof mbi) == sizeof mbi && mbi.BaseAddress == (PVOID)p &&
        mbi.AllocationBase == (PVOID)p && mbi.RegionSize == 0x1000 && mbi.State == MEM_COMMIT &&
        mbi.Protect == PAGE_READONLY && mbi.AllocationProtect == PAGE_READWRITE &&
        mbi.Type == MEM_PRIVATE)
        mask |= 8;
    SetLastError(0);
    if (!VirtualProtect((LPVOID)p, 0x1000, 0x12345, &old) &&
        GetLastError() == ERROR_INVALID_PARAMETER)
        mask |= 0x10;
    SetLastError(1234);
    if (GetLastError() == 1234)
        mask |= 0x20;
    if (VirtualFree((LPVOID)p, 0, MEM_RELEASE))
        mask |= 0x40;
    return mask;
}

/* Bit mask of the run-time linking checks that passed; LOADME_DYNAMIC_ALL when all did. */
int loadme_dynamic(void)
{
    int mask = 0;
    HMODULE h = LoadLibraryA("dep.dll");
    if (h)
        mask |= 1;
    else
        return mask;
    if (GetModuleHandleA("dep.dll") == h && GetModuleHandleA("DEP.DLL") == h)
        mask |= 2;
    int (*twice)(int) = (int (*)(int))(void *)GetProcAddress(h, "dep_twice");
    if (twice && twice(21) == 42)
        mask |= 4;
    int (*ord)(void) = (int (*)(void))(void *)GetProcAddress(h, (LPCSTR)7);
    if (ord && ord() == 7007)
        mask |= 8;
    SetLastError(0);
    if (!GetProcAddress(h, "dep_nothere") && GetLastError() == ERROR_PROC_NOT_FOUND)
        mask |= 0x10;
    FARPROC fwd = GetProcAddress(GetModuleHandleA(LOADME_NAME), "loadme_fwd");
    if (fwd && fwd == GetProcAddress(h, "dep_value"))
        mask |= 0x20;
    if (FreeLibrary(h))
        mask |= 0x40;
    return mask;
}

/* ---- DllEntry and the TLS callback ---- */
static void log_event(int ev)
{
    if (loadme_nevents < LOADME_LOG_MAX)
        loadme_events[loadme_nevents++] = ev;
}

static void NTAPI tls_cb(PVOID h, DWORD reason, PVOID reserved)
{
    (void)h; (void)reserved;
    if (loadme_tls_calls < LOADME_LOG_MAX)
        loadme_tls_reasons[loadme_tls_calls] = (int)reason;
    loadme_tls_calls++;
    log_event(0x100 | (int)reason);
}

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    if (loadme_nreasons < LOADME_LOG_MAX) {
        loadme_reasons[loadme_nreasons] = (int)reason;
        loadme_reserved[loadme_nreasons] = reserved;
    }
    loadme_nreasons++;
    log_event(0x200 | (int)reason);
    if (reason == DLL_PROCESS_ATTACH) {
        loadme_hinst = h;
        loadme_attach_self = GetModuleHandleA(LOADME_NAME) == h;
#ifndef LOADME_DELAY
        loadme_attach_dep_value = dep_value();
        loadme_attach_dep_count = dep_attach_count;
#endif
    }
#ifndef LOADME_DELAY
    dep_note(0x300 | (int)reason);
#endif
    return TRUE;
}

/* TLS directory, as mingw's CRT would provide it (tlssup.c), with one callback. */
int _tls_index = 0;
__attribute__((section(".CRT$XLB"))) PIMAGE_TLS_CALLBACK loadme_tls_cb = tls_cb;
__attribute__((section(".CRT$XLA"))) PIMAGE_TLS_CALLBACK tls_start = 0;
__attribute__((section(".CRT$XLZ"))) PIMAGE_TLS_CALLBACK tls_end = 0;
__attribute__((section(".tls"))) char tls_data_start = 0x5a;
__attribute__((section(".tls$ZZZ"))) char tls_data_end = 0;
__attribute__((used)) const IMAGE_TLS_DIRECTORY _tls_used = {
    (ULONG_PTR)&tls_data_start, (ULONG_PTR)&tls_data_end, (ULONG_PTR)&_tls_index,
    (ULONG_PTR)(&tls_start + 1), 0, 0};

#ifdef LOADME_DELAY
/* A minimal __delayLoadHelper2 (mingw-w64's needs LocalAlloc and RaiseException, which winvm's
 * kernel32 does not serve): load the DLL once, resolve the one slot, patch the IAT slot. */
extern IMAGE_DOS_HEADER __ImageBase;

static int delay_failed(void) { return -1000000; }

FARPROC WINAPI __delayLoadHelper2(PCImgDelayDescr d, FARPROC *slot)
{
    char *base = (d->grAttrs & dlattrRva) ? (char *)&__ImageBase : NULL;
    LPCSTR dll = (LPCSTR)(base + d->rvaDLLName);
    HMODULE *hmod = (HMODULE *)(base + d->rvaHmod);
    FARPROC *iat = (FARPROC *)(base + d->rvaIAT);
    IMAGE_THUNK_DATA *names = (IMAGE_THUNK_DATA *)(base + d->rvaINT);
    IMAGE_THUNK_DATA *name = &names[slot - iat];
    LPCSTR proc;
    FARPROC f = NULL;

    loadme_delay_calls++;
    if (IMAGE_SNAP_BY_ORDINAL(name->u1.Ordinal))
        proc = (LPCSTR)(ULONG_PTR)IMAGE_ORDINAL(name->u1.Ordinal);
    else
        proc = (LPCSTR)((IMAGE_IMPORT_BY_NAME *)(base + name->u1.AddressOfData))->Name;
    if (!*hmod)
        *hmod = LoadLibraryA(dll);
    if (*hmod)
        f = GetProcAddress(*hmod, proc);
    if (!f) {
        loadme_delay_failures++;
        f = (FARPROC)(void *)delay_failed;
    }
    *slot = f;
    return f;
}
#endif
