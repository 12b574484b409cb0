/* SPDX-License-Identifier: MIT */
/* dload.c - dload.exe: delay-loaded imports.  Through mingw-w64's own helper (linked in, over
 * LoadLibrary and GetProcAddress): dep.dll's dep_value, and dep_nothere (not exported), whose
 * failure goes to a failure hook answering with kernel32's DelayLoadFailureHook.  Through the system's
 * resolver (kernel32 ResolveDelayLoadedAPI, ntdll LdrResolveDelayLoadedAPI) on a hand-made
 * descriptor: a name, an ordinal, a missing procedure, a missing DLL, the DLL hook's
 * DELAYLOAD_INFO.  Prints "ok NAME" / "FAIL NAME (error)"; exits with the failures.  Runs from
 * tests/images, where dep.dll is. */
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <delayimp.h>

typedef struct {
    DWORD Attributes, DllNameRVA, ModuleHandleRVA, ImportAddressTableRVA, ImportNameTableRVA,
        BoundImportAddressTableRVA, UnloadInformationTableRVA, TimeDateStamp;
} DESC;
typedef struct {
    ULONG Size;
    const DESC *DelayloadDescriptor;
    ULONGLONG *ThunkAddress;
    LPCSTR TargetDllName;
    ULONG ImportDescribedByName;
    union {
        LPCSTR Name;
        ULONG Ordinal;
    } Description;
    PVOID TargetModuleBase, Unused;
    ULONG LastError;
} INFO;
typedef PVOID(WINAPI *syshook_t)(LPCSTR, LPCSTR);
typedef PVOID(WINAPI *dllhook_t)(ULONG, INFO *);
typedef PVOID(WINAPI *resolve_t)(PVOID, const DESC *, dllhook_t, syshook_t, ULONGLONG *, ULONG);
typedef ULONG_PTR(WINAPI *fn_t)(void);

int dep_value(void);   /* dep.dll, delay-loaded */
int dep_nothere(void); /* dep.dll, delay-loaded: not exported */
static int failures;
static syshook_t fail_hook;

static void check(const char *name, int ok)
{
    printf(ok ? "ok %s\n" : "FAIL %s (%lu)\n", name, GetLastError());
    failures += !ok;
}

/* mingw's helper asks this on failure; the system routine gives the stand-in */
static FARPROC WINAPI mingw_failure(unsigned reason, PDelayLoadInfo info)
{
    if (reason == dliFailGetProc && info->dlp.fImportByName)
        return (FARPROC)fail_hook(info->szDll, info->dlp.szProcName);
    return NULL;
}

/* A hand-made image: the descriptor's RVAs are from &img. */
static struct {
    DESC desc;
    HMODULE module;
    ULONGLONG iat[5], names[5];
    struct {
        WORD hint;
        char name[22];
    } byname[3];
    char dll[16], nodll[16];
} img;

static INFO seen;
static ULONG seen_reason;
static PVOID WINAPI dll_hook(ULONG reason, INFO *info)
{
    seen_reason = reason, seen = *info;
    return NULL;
}

static void setup(const char *dll)
{
    memset(&img, 0, sizeof(img));
#define RVA(p) (DWORD)((BYTE *)(p) - (BYTE *)&img)
    img.desc = (DESC){1, RVA(img.dll), RVA(&img.module), RVA(img.iat), RVA(img.names), 0, 0, 0};
    strcpy(img.dll, dll);
    strcpy(img.byname[0].name, "dep_value");
    strcpy(img.byname[1].name, "dep_nothere");
    img.names[0] = RVA(&img.byname[0]);
    img.names[1] = 0x8000000000000000ull | 7; /* dep_ordinal_only */
    img.names[2] = RVA(&img.byname[1]);
}

static void system_resolver(resolve_t resolve)
{
    HMODULE dep = LoadLibraryA("dep.dll");
    setup("dep.dll");
    PVOID p = resolve(&img, &img.desc, NULL, fail_hook, &img.iat[0], 0);
    check("by_name", p && p == (PVOID)GetProcAddress(dep, "dep_value") && img.iat[0] == (ULONGLONG)p &&
                         img.module == dep);
    p = resolve(&img, &img.desc, NULL, fail_hook, &img.iat[1], 0);
    check("by_ordinal", p && p == (PVOID)GetProcAddress(dep, (LPCSTR)7) && img.iat[1] == (ULONGLONG)p);
    p = resolve(&img, &img.desc, NULL, fail_hook, &img.iat[2], 0);
    SetLastError(0);
    check("missing_proc_stub", p && img.iat[2] == (ULONGLONG)p && ((fn_t)p)() == 0 &&
                                   GetLastError() == ERROR_PROC_NOT_FOUND);
    setup("nosuch_wv.dll");
    p = resolve(&img, &img.desc, NULL, fail_hook, &img.iat[0], 0);
    SetLastError(0);
    check("missing_dll_stub", p && ((fn_t)p)() == 0 && GetLastError() == ERROR_MOD_NOT_FOUND && !img.module);
    setup("nosuch_wv.dll");
    p = resolve(&img, &img.desc, dll_hook, NULL, &img.iat[0], 0);
    check("dll_hook_info", !p && seen_reason == 4 && seen.Size == sizeof(INFO) && seen.DelayloadDescriptor == &img.desc &&
                               seen.ThunkAddress == &img.iat[0] && !strcmp(seen.TargetDllName, "nosuch_wv.dll") &&
                               seen.ImportDescribedByName == 1 && !strcmp(seen.Description.Name, "dep_value") &&
                               seen.LastError == ERROR_MOD_NOT_FOUND && img.iat[0] == 0);
    FreeLibrary(dep);
}

int main(void)
{
    HMODULE k32 = GetModuleHandleA("kernel32.dll"), nt = GetModuleHandleA("ntdll.dll");
    fail_hook = (syshook_t)GetProcAddress(k32, "DelayLoadFailureHook");
    resolve_t k32_resolve = (resolve_t)GetProcAddress(k32, "ResolveDelayLoadedAPI");
    resolve_t nt_resolve = (resolve_t)GetProcAddress(nt, "LdrResolveDelayLoadedAPI");
    check("exports", fail_hook && k32_resolve && nt_resolve);
    if (failures)
        return failures;
    /* mingw-w64's helper */
    check("mingw_delay_call", dep_value() == 42);
    __pfnDliFailureHook2 = mingw_failure;
    SetLastError(0);
    check("mingw_failure_hook", dep_nothere() == 0 && GetLastError() == ERROR_PROC_NOT_FOUND);
    system_resolver(k32_resolve);
    system_resolver(nt_resolve);
    return failures;
}
