/* SPDX-License-Identifier: MIT */
/* actctx.c - actctx.exe: activation contexts, ideal processors, priority boost and msvcrt's
 * _control87 from PE code (tests/test_actctx.c runs it in a directory of its own).  Prints
 * "ok NAME" / "FAIL NAME"; exits with the failures.
 *
 *   actctx_create     CreateActCtxW of a manifest whose dependency sits beside it: a handle, the
 *                     ACTCTXW untouched; QueryActCtxW's basic class names it, its detailed class
 *                     counts two assemblies and gives the manifest's full path
 *   actctx_errors     NULL and a short cbSize ERROR_INVALID_PARAMETER; a missing file
 *                     ERROR_FILE_NOT_FOUND; no namespace, an unknown element, a missing
 *                     dependency, ACTCTX_FLAG_HMODULE_VALID without a module
 *                     ERROR_SXS_CANT_GEN_ACTCTX; a module without resources
 *                     ERROR_RESOURCE_DATA_NOT_FOUND
 *   actctx_stack      GetCurrentActCtx NULL, then each activation's context; TEB's
 *                     ActivationContextStackPointer (0x2c8) shows the top frame; cookies differ;
 *                     FORCE with the top cookie ERROR_INVALID_PARAMETER; FORCE with a lower one
 *                     pops both
 *   actctx_raise      out of order: STATUS_SXS_EARLY_DEACTIVATION raised; an unknown cookie
 *                     STATUS_SXS_INVALID_DEACTIVATION (each on a thread the unhandled-exception
 *                     filter ends with the code)
 *   actctx_inherit    a new thread starts with its creator's active context (none: NULL)
 *   ideal_processor   Set/GetThreadIdealProcessor(Ex): previous values, MAXIMUM_PROCESSORS
 *                     asks, above it and past the processor count ERROR_INVALID_PARAMETER, group
 *                     1 refused, per thread
 *   priority_boost    SetThreadPriorityBoost's setting read back
 *   control87         _control87 sets MXCSR's masks and rounding, leaves x87's control word
 *   stack_limits      GetCurrentThreadStackLimits is the TEB's DeallocationStack and StackBase
 *   thread_error_mode SetThreadErrorMode's previous mode, a bit it does not know refused; the
 *                     mode is the thread's: a new thread's is 0
 */
#include <windows.h>
#include <float.h>
#include <stdio.h>
#include <string.h>

#ifndef STATUS_SXS_EARLY_DEACTIVATION
#define STATUS_SXS_EARLY_DEACTIVATION 0xC015000F
#define STATUS_SXS_INVALID_DEACTIVATION 0xC0150010
#endif

static int failures;

static void check(const char *name, BOOL ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static void write_file(const char *name, const char *text)
{
    HANDLE f = CreateFileA(name, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD n;
    WriteFile(f, text, (DWORD)strlen(text), &n, NULL);
    CloseHandle(f);
}

static const char dep_manifest[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v1\" manifestVersion=\"1.0\">"
    "<assemblyIdentity version=\"1.2.3.4\" name=\"wvdep\" type=\"win32\" processorArchitecture=\"amd64\"/>"
    "<file name=\"wvdep.dll\"/></assembly>";
static const char main_manifest[] =
    "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v1\" manifestVersion=\"1.0\">"
    "<!-- a comment --><assemblyIdentity version=\"1.0.0.0\" name=\"Wv.Test\" type=\"win32\"/>"
    "<dependency><dependentAssembly><assemblyIdentity type=\"win32\" name=\"wvdep\" version=\"1.2.3.4\""
    " processorArchitecture=\"amd64\"/></dependentAssembly></dependency></assembly>";

static HANDLE create(const char *file)
{
    WCHAR path[MAX_PATH];
    MultiByteToWideChar(CP_ACP, 0, file, -1, path, MAX_PATH);
    ACTCTXW a;
    memset(&a, 0, sizeof(a));
    a.cbSize = sizeof(a);
    a.lpSource = path;
    return CreateActCtxW(&a);
}

static HANDLE ctx_main, ctx_dep;

static void test_create(void)
{
    write_file("wvdep.manifest", dep_manifest);
    write_file("main.manifest", main_manifest);
    WCHAR path[MAX_PATH];
    MultiByteToWideChar(CP_ACP, 0, "main.manifest", -1, path, MAX_PATH);
    ACTCTXW a;
    memset(&a, 0, sizeof(a));
    a.cbSize = sizeof(a);
    a.lpSource = path;
    ctx_main = CreateActCtxW(&a);
    ctx_dep = create("wvdep.manifest");
    BOOL ok = ctx_main != INVALID_HANDLE_VALUE && ctx_dep != INVALID_HANDLE_VALUE && a.cbSize == sizeof(a) &&
              a.dwFlags == 0 && a.lpSource == path && !a.hModule;
    ACTIVATION_CONTEXT_BASIC_INFORMATION basic;
    SIZE_T size = 0;
    ok = ok && QueryActCtxW(QUERY_ACTCTX_FLAG_NO_ADDREF, ctx_main, NULL, ActivationContextBasicInformation, &basic,
                            sizeof(basic), &size);
    ok = ok && size == sizeof(basic) && basic.hActCtx == ctx_main && basic.dwFlags == 0;
    char buf[1024];
    ACTIVATION_CONTEXT_DETAILED_INFORMATION *d = (void *)buf;
    ok = ok && !QueryActCtxW(0, ctx_main, NULL, ActivationContextDetailedInformation, buf, sizeof(*d), &size) &&
         GetLastError() == ERROR_INSUFFICIENT_BUFFER && size > sizeof(*d);
    ok = ok && QueryActCtxW(0, ctx_main, NULL, ActivationContextDetailedInformation, buf, sizeof(buf), &size);
    ok = ok && d->ulAssemblyCount == 2 && d->ulRootManifestPathType == ACTIVATION_CONTEXT_PATH_TYPE_WIN32_FILE &&
         d->lpRootManifestPath && d->lpRootManifestPath[1] == ':' &&
         !wcscmp(d->lpRootManifestPath + d->ulRootManifestPathChars - 13, L"main.manifest");
    ok = ok && !CloseHandle(ctx_main) && GetLastError() == ERROR_INVALID_HANDLE; /* not a kernel handle */
    DeleteFileA("wvdep.manifest");
    DeleteFileA("main.manifest");
    check("actctx_create", ok);
}

static BOOL fails_with(HANDLE h, DWORD err)
{
    if (h != INVALID_HANDLE_VALUE) {
        ReleaseActCtx(h);
        return FALSE;
    }
    return GetLastError() == err;
}

static void test_errors(void)
{
    ACTCTXW a;
    memset(&a, 0, sizeof(a));
    BOOL ok = fails_with(CreateActCtxW(NULL), ERROR_INVALID_PARAMETER);
    a.cbSize = 8;
    a.lpSource = L"main.manifest";
    ok = ok && fails_with(CreateActCtxW(&a), ERROR_INVALID_PARAMETER);
    ok = ok && fails_with(create("nonexistent.manifest"), ERROR_FILE_NOT_FOUND);
    write_file("bad.manifest", "<assembly manifestVersion=\"1.0\"><assemblyIdentity name=\"x\"/></assembly>");
    ok = ok && fails_with(create("bad.manifest"), ERROR_SXS_CANT_GEN_ACTCTX);
    write_file("bad.manifest", "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v1\" manifestVersion=\"1.0\">"
                               "<assemblyIdentity name=\"x\"/><test></test></assembly>");
    ok = ok && fails_with(create("bad.manifest"), ERROR_SXS_CANT_GEN_ACTCTX);
    write_file("bad.manifest", "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v1\" manifestVersion=\"1.0\">"
                               "<assemblyIdentity name=\"x\"/><dependency><dependentAssembly>"
                               "<assemblyIdentity name=\"nowhere\" version=\"1.0.0.0\"/>"
                               "</dependentAssembly></dependency></assembly>");
    ok = ok && fails_with(create("bad.manifest"), ERROR_SXS_CANT_GEN_ACTCTX);
    DeleteFileA("bad.manifest");
    ACTCTXA m;
    memset(&m, 0, sizeof(m));
    m.cbSize = sizeof(m);
    m.dwFlags = ACTCTX_FLAG_HMODULE_VALID;
    ok = ok && fails_with(CreateActCtxA(&m), ERROR_SXS_CANT_GEN_ACTCTX);
    m.dwFlags = ACTCTX_FLAG_HMODULE_VALID | ACTCTX_FLAG_RESOURCE_NAME_VALID;
    m.hModule = GetModuleHandleA(NULL);
    m.lpResourceName = MAKEINTRESOURCEA(20);
    /* This EXE has no resource directory at all (FindResource's case). */
    ok = ok && fails_with(CreateActCtxA(&m), ERROR_RESOURCE_DATA_NOT_FOUND);
    check("actctx_errors", ok);
}

static void *teb_active_context(void)
{
    char *teb;
    __asm__ volatile("mov %%gs:0x30, %0" : "=r"(teb)); /* TEB->Self */
    void **stack = *(void ***)(teb + 0x2c8);
    void **frame = stack ? stack[0] : NULL; /* ActiveFrame */
    return frame ? frame[1] : NULL;        /* ->ActivationContext */
}

static void test_stack(void)
{
    HANDLE cur = (HANDLE)1;
    ULONG_PTR c1 = 0, c2 = 0;
    BOOL ok = GetCurrentActCtx(&cur) && cur == NULL && !GetCurrentActCtx(NULL) && GetLastError() == ERROR_INVALID_PARAMETER;
    ok = ok && ActivateActCtx(ctx_main, &c1) && ActivateActCtx(ctx_dep, &c2) && c1 && c2 && c1 != c2;
    ok = ok && GetCurrentActCtx(&cur) && cur == ctx_dep && teb_active_context() == ctx_dep;
    ReleaseActCtx(cur);
    SetLastError(0);
    ok = ok && !DeactivateActCtx(DEACTIVATE_ACTCTX_FLAG_FORCE_EARLY_DEACTIVATION, c2) &&
         GetLastError() == ERROR_INVALID_PARAMETER;
    ok = ok && DeactivateActCtx(DEACTIVATE_ACTCTX_FLAG_FORCE_EARLY_DEACTIVATION, c1);
    ok = ok && GetCurrentActCtx(&cur) && cur == NULL && teb_active_context() == NULL;
    ok = ok && ActivateActCtx(ctx_main, &c1) && DeactivateActCtx(0, c1);
    check("actctx_stack", ok);
}

static LONG WINAPI end_thread_filter(EXCEPTION_POINTERS *ep)
{
    ExitThread(ep->ExceptionRecord->ExceptionCode);
}

static DWORD WINAPI early_thread(void *p)
{
    ULONG_PTR c1, c2;
    ActivateActCtx(ctx_main, &c1);
    ActivateActCtx(ctx_dep, &c2);
    DeactivateActCtx(0, p ? c1 : c1 + 1000);
    return 0;
}

static DWORD run_thread(LPTHREAD_START_ROUTINE fn, void *arg)
{
    DWORD code = 0;
    HANDLE t = CreateThread(NULL, 0, fn, arg, 0, NULL);
    WaitForSingleObject(t, 10000);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    return code;
}

static void test_raise(void)
{
    LPTOP_LEVEL_EXCEPTION_FILTER old = SetUnhandledExceptionFilter(end_thread_filter);
    BOOL ok = run_thread(early_thread, (void *)1) == STATUS_SXS_EARLY_DEACTIVATION;
    ok = ok && run_thread(early_thread, NULL) == STATUS_SXS_INVALID_DEACTIVATION;
    SetUnhandledExceptionFilter(old);
    check("actctx_raise", ok);
}

static DWORD WINAPI current_thread(void *p)
{
    HANDLE cur = (HANDLE)1;
    (void)p;
    if (!GetCurrentActCtx(&cur))
        return 0xdead;
    ReleaseActCtx(cur);
    return (DWORD)(cur == ctx_main ? 1 : cur == NULL ? 2 : 3);
}

static void test_inherit(void)
{
    ULONG_PTR c;
    BOOL ok = run_thread(current_thread, NULL) == 2;
    ok = ok && ActivateActCtx(ctx_main, &c);
    ok = ok && run_thread(current_thread, NULL) == 1;
    ok = ok && DeactivateActCtx(0, c);
    check("actctx_inherit", ok);
}

static DWORD WINAPI idle_thread(void *p)
{
    (void)p;
    return 0;
}

static void test_ideal(void)
{
    HANDLE cur = GetCurrentThread();
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    BOOL ok = SetThreadIdealProcessor(cur, 0) != (DWORD)-1;
    ok = ok && SetThreadIdealProcessor(cur, MAXIMUM_PROCESSORS) == 0;
    SetLastError(0);
    ok = ok && SetThreadIdealProcessor(cur, MAXIMUM_PROCESSORS + 1) == (DWORD)-1 &&
         GetLastError() == ERROR_INVALID_PARAMETER;
    if (si.dwNumberOfProcessors < MAXIMUM_PROCESSORS) {
        SetLastError(0);
        ok = ok && SetThreadIdealProcessor(cur, si.dwNumberOfProcessors) == (DWORD)-1 &&
             GetLastError() == ERROR_INVALID_PARAMETER;
    }
    PROCESSOR_NUMBER pn = {1, 0, 0}, prev = {9, 9, 9};
    SetLastError(0);
    ok = ok && !SetThreadIdealProcessorEx(cur, &pn, NULL) && GetLastError() == ERROR_INVALID_PARAMETER;
    pn.Group = 0;
    pn.Number = (BYTE)(si.dwNumberOfProcessors - 1);
    ok = ok && SetThreadIdealProcessorEx(cur, &pn, &prev) && prev.Group == 0 && prev.Number == 0;
    memset(&prev, 0xff, sizeof(prev));
    ok = ok && GetThreadIdealProcessorEx(cur, &prev) && prev.Group == 0 && prev.Number == pn.Number;
    /* another thread's is its own */
    HANDLE t = CreateThread(NULL, 0, idle_thread, NULL, CREATE_SUSPENDED, NULL);
    ok = ok && SetThreadIdealProcessor(t, 0) != (DWORD)-1 && SetThreadIdealProcessor(t, MAXIMUM_PROCESSORS) == 0;
    ok = ok && GetThreadIdealProcessorEx(cur, &prev) && prev.Number == pn.Number;
    ResumeThread(t);
    WaitForSingleObject(t, 10000);
    CloseHandle(t);
    check("ideal_processor", ok);
}

static void test_boost(void)
{
    BOOL off = 7;
    BOOL ok = SetThreadPriorityBoost(GetCurrentThread(), TRUE) && GetThreadPriorityBoost(GetCurrentThread(), &off) &&
              off == TRUE;
    ok = ok && SetThreadPriorityBoost(GetCurrentThread(), FALSE) && GetThreadPriorityBoost(GetCurrentThread(), &off) &&
         off == FALSE;
    check("priority_boost", ok);
}

static void test_control87(void)
{
    unsigned int initial = _control87(0, 0), mx;
    unsigned short x87, x87_before;
    __asm__ volatile("fnstcw %0" : "=m"(x87_before));
    _control87(_EM_INEXACT | _RC_CHOP, _MCW_EM | _MCW_RC);
    __asm__ volatile("stmxcsr %0" : "=m"(mx));
    __asm__ volatile("fnstcw %0" : "=m"(x87));
    BOOL ok = initial == (_MCW_EM | _PC_64) && (mx & 0xffc0) == 0x7000 && x87 == x87_before &&
              _control87(0, 0) == (_EM_INEXACT | _RC_CHOP);
    _control87(initial, _MCW_EM | _MCW_RC);
    __asm__ volatile("stmxcsr %0" : "=m"(mx));
    ok = ok && (mx & 0xffc0) == 0x1f80;
    check("control87", ok);
}

static void test_stack_limits(void)
{
    ULONG_PTR lo = 0, hi = 0;
    char *teb;
    __asm__ volatile("mov %%gs:0x30, %0" : "=r"(teb));
    GetCurrentThreadStackLimits(&lo, &hi);
    char here;
    check("stack_limits", lo == *(ULONG_PTR *)(teb + 0x1478) && hi == *(ULONG_PTR *)(teb + 0x08) &&
                              (ULONG_PTR)&here > lo && (ULONG_PTR)&here < hi);
}

static DWORD WINAPI error_mode_thread(void *p)
{
    (void)p;
    return GetThreadErrorMode() + 1;
}

static void test_thread_error_mode(void)
{
    DWORD old = 7;
    BOOL ok = SetThreadErrorMode(0, NULL) && SetThreadErrorMode(SEM_FAILCRITICALERRORS, &old) && old == 0;
    ok = ok && SetThreadErrorMode(SEM_NOOPENFILEERRORBOX, &old) && old == SEM_FAILCRITICALERRORS &&
         GetThreadErrorMode() == SEM_NOOPENFILEERRORBOX;
    SetLastError(0);
    ok = ok && !SetThreadErrorMode(SEM_NOALIGNMENTFAULTEXCEPT, NULL) && GetLastError() == ERROR_INVALID_PARAMETER &&
         GetThreadErrorMode() == SEM_NOOPENFILEERRORBOX;
    ok = ok && run_thread(error_mode_thread, NULL) == 1;
    SetThreadErrorMode(0, NULL);
    check("thread_error_mode", ok);
}

int main(void)
{
    test_create();
    test_errors();
    test_stack();
    test_raise();
    test_inherit();
    test_ideal();
    test_boost();
    test_control87();
    test_stack_limits();
    test_thread_error_mode();
    ReleaseActCtx(ctx_main);
    ReleaseActCtx(ctx_dep);
    return failures;
}
