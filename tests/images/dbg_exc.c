/* SPDX-License-Identifier: MIT */
/* dbg_exc.c - dbg_exc.exe: exceptions as a debugger sees them and what its answers do to the
 * debuggee's handlers (mingw-w64, its C runtime).  Without arguments it is the debugger: it
 * starts itself as "child" and then as "fastfail" with DEBUG_PROCESS and prints one line per
 * event; as the child it raises, in this order, and prints what its handlers saw:
 *
 *   initial        the loader's breakpoint: "initial_bp_in_ntdll 1" when the thread's Rip is
 *                  inside ntdll.dll's image (the debugger's own ntdll is the same builtin)
 *   raise 12345    first chance: the debugger sets Rax to 0xf00f00f1 and answers not handled;
 *                  the vectored handler sees the Rax the raise had ("handler_rax_kept 1")
 *   raise bp       RaiseException(EXCEPTION_BREAKPOINT) not handled: the handler sees Rip one
 *                  before the raise's return address ("bp_backed_up 1")
 *   rip            DBG_RIPEXCEPTION {0x11223344, 0x55667788}: RIP_EVENT with them, continued:
 *                  no handler runs ("rip_handlers 0")
 *   close          CloseHandle(0xdeadbeef): EXCEPTION_INVALID_HANDLE first chance, no
 *                  parameters, continued with DBG_EXCEPTION_HANDLED: FALSE, error 6 ("close 0 6");
 *                  NtClose(0xdeadbeef) not handled: a handler continues it, STATUS_INVALID_HANDLE
 *                  ("ntclose c0000008 1"); NULL and GetCurrentProcess() raise nothing ("quiet 0 1")
 *   written        an int3 in VirtualAlloc'd code (no function table): the debugger sees it and
 *                  continues it ("written_handlers 0")
 *   ods            OutputDebugStringA/W("ods continue") and ("ods pass"): the debugger gets
 *                  one OUTPUT_DEBUG_STRING_EVENT each (ANSI) and answers DBG_CONTINUE or
 *                  DBG_EXCEPTION_NOT_HANDLED; a counting vectored handler sees, as Wine's
 *                  ntdll tests record Windows: continue A "ods A 0 0", W "ods W 0 0"; not
 *                  handled A "ods A 2 0" (DBG_PRINTEXCEPTION_C twice), W "ods W 2 1" (the wide
 *                  one, then the ANSI one twice)
 *   filter         RtlSetUnhandledExceptionFilter's filter runs ("filter") before the debugger's
 *                  second chance, which continues it ("after_second_chance")
 *   fastfail       the second child: __fastfail(7): one event, second chance, c0000409 with
 *                  the code as its one parameter; then the exit with c0000409
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#ifndef DBG_RIPEXCEPTION
#define DBG_RIPEXCEPTION 0x40010007
#endif
#ifndef DBG_EXCEPTION_HANDLED
#define DBG_EXCEPTION_HANDLED 0x00010001
#endif

static LONG handler_calls;
static DWORD64 raise_rax;

static void say(const char *s)
{
    printf("%s\n", s);
    fflush(stdout);
}

static LONG CALLBACK vectored(EXCEPTION_POINTERS *ep)
{
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    CONTEXT *c = ep->ContextRecord;
    handler_calls++;
    if (r->ExceptionCode == 0x12345) {
        printf("handler_rax_kept %d\n", c->Rax != 0xf00f00f1);
        fflush(stdout);
    } else if (r->ExceptionCode == EXCEPTION_BREAKPOINT && r->ExceptionAddress != NULL) {
        printf("bp_backed_up %d\n", c->Rip == (DWORD64)r->ExceptionAddress - 1);
        fflush(stdout);
        c->Rip++;
    } else if (r->ExceptionCode == 0x777) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    return EXCEPTION_CONTINUE_EXECUTION;
}

static LONG ods_ansi, ods_wide;

static LONG CALLBACK ods_counter(EXCEPTION_POINTERS *ep)
{
    DWORD code = ep->ExceptionRecord->ExceptionCode;
    if (code == DBG_PRINTEXCEPTION_C)
        ods_ansi++;
    else if (code == DBG_PRINTEXCEPTION_WIDE_C)
        ods_wide++;
    return EXCEPTION_CONTINUE_SEARCH;
}

static void ods(const char *s, const WCHAR *w)
{
    void *h = AddVectoredExceptionHandler(1, ods_counter);
    ods_ansi = ods_wide = 0;
    OutputDebugStringA(s);
    printf("ods A %ld %ld\n", ods_ansi, ods_wide);
    ods_ansi = ods_wide = 0;
    OutputDebugStringW(w);
    printf("ods W %ld %ld\n", ods_ansi, ods_wide);
    fflush(stdout);
    RemoveVectoredExceptionHandler(h);
}

static LONG WINAPI last_filter(EXCEPTION_POINTERS *ep)
{
    (void)ep;
    say("filter");
    return EXCEPTION_CONTINUE_SEARCH;
}

static int child(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    LONG(NTAPI * nt_close)(HANDLE) = (void *)GetProcAddress(nt, "NtClose");
    void(NTAPI * set_filter)(void *) = (void *)GetProcAddress(nt, "RtlSetUnhandledExceptionFilter");
    void *h = AddVectoredExceptionHandler(1, vectored);
    (void)raise_rax;
    RaiseException(0x12345, 0, 0, NULL);
    RaiseException(EXCEPTION_BREAKPOINT, 0, 0, NULL);
    handler_calls = 0;
    ULONG_PTR rip[2] = {0x11223344, 0x55667788};
    RaiseException(DBG_RIPEXCEPTION, 0, 2, rip);
    printf("rip_handlers %ld\n", handler_calls);
    SetLastError(0);
    BOOL ok = CloseHandle((HANDLE)0xdeadbeef);
    printf("close %d %lu\n", ok, GetLastError());
    handler_calls = 0;
    LONG st = nt_close((HANDLE)0xdeadbeef);
    printf("ntclose %lx %ld\n", (unsigned long)st, handler_calls);
    handler_calls = 0;
    BOOL null_ok = CloseHandle(NULL), self_ok = CloseHandle(GetCurrentProcess());
    printf("quiet %d %d %ld\n", null_ok, self_ok, handler_calls);
    fflush(stdout);
    RemoveVectoredExceptionHandler(h);
    BYTE *code = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE);
    code[0] = 0xcc, code[1] = 0xc3; /* int3; ret */
    handler_calls = 0;
    ((void (*)(void))code)();
    printf("written_handlers %ld\n", handler_calls);
    fflush(stdout);
    ods("ods continue", L"ods continue");
    ods("ods pass", L"ods pass");
    set_filter(last_filter);
    RaiseException(0x777, 0, 0, NULL);
    say("after_second_chance");
    return 0;
}

static void in_ntdll(HANDLE thread)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    IMAGE_NT_HEADERS *h = (IMAGE_NT_HEADERS *)((BYTE *)nt + ((IMAGE_DOS_HEADER *)nt)->e_lfanew);
    CONTEXT c = {.ContextFlags = CONTEXT_FULL};
    BOOL got = GetThreadContext(thread, &c);
    printf("initial_bp_in_ntdll %d\n", got && c.Rip >= (DWORD64)nt && c.Rip < (DWORD64)nt + h->OptionalHeader.SizeOfImage);
}

/* Sets Rax at the 0x12345's first chance (dropped when not handled). */
static void set_rax(HANDLE thread)
{
    CONTEXT c = {.ContextFlags = CONTEXT_FULL};
    if (GetThreadContext(thread, &c)) {
        c.Rax = 0xf00f00f1;
        SetThreadContext(thread, &c);
    }
}

static DWORD exception_event(const DEBUG_EVENT *ev, HANDLE thread, int *n)
{
    const EXCEPTION_RECORD *r = &ev->u.Exception.ExceptionRecord;
    DWORD code = r->ExceptionCode, first = ev->u.Exception.dwFirstChance;
    printf("exception %lx first=%lu params=%lu", (unsigned long)code, first, r->NumberParameters);
    if (r->NumberParameters)
        printf(" p0=%llx", (unsigned long long)r->ExceptionInformation[0]);
    printf("\n");
    if ((*n)++ == 0) {
        in_ntdll(thread);
        return DBG_CONTINUE;
    }
    if (code == 0x12345) {
        set_rax(thread);
        return DBG_EXCEPTION_NOT_HANDLED;
    }
    if (code == EXCEPTION_BREAKPOINT && r->NumberParameters == 0)
        return DBG_EXCEPTION_NOT_HANDLED; /* RaiseException's, not an int3 */
    if (code == EXCEPTION_INVALID_HANDLE)
        return *n == 4 ? DBG_EXCEPTION_HANDLED : DBG_EXCEPTION_NOT_HANDLED;
    if (code == 0x777 && first)
        return DBG_EXCEPTION_NOT_HANDLED;
    return DBG_CONTINUE;
}

/* Prints the string and answers "ods pass" with DBG_EXCEPTION_NOT_HANDLED. */
static DWORD output_event(HANDLE proc, const OUTPUT_DEBUG_STRING_INFO *s)
{
    char text[64] = "";
    SIZE_T got = 0;
    SIZE_T n = s->nDebugStringLength < sizeof(text) ? s->nDebugStringLength : sizeof(text) - 1;
    ReadProcessMemory(proc, s->lpDebugStringData, text, n, &got);
    printf("output %s unicode=%u\n", text, (unsigned)s->fUnicode);
    return !strcmp(text, "ods pass") ? DBG_EXCEPTION_NOT_HANDLED : DBG_CONTINUE;
}

static int debug(const char *self, const char *mode)
{
    char cmd[MAX_PATH + 32];
    snprintf(cmd, sizeof(cmd), "\"%s\" %s", self, mode);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, DEBUG_PROCESS, NULL, NULL, &si, &pi)) {
        printf("FAIL CreateProcess %lu\n", GetLastError());
        return 1;
    }
    int n = 0;
    for (;;) {
        DEBUG_EVENT ev;
        if (!WaitForDebugEvent(&ev, 20000)) {
            printf("FAIL wait %lu\n", GetLastError());
            return 1;
        }
        DWORD answer = DBG_CONTINUE;
        if (ev.dwDebugEventCode == EXCEPTION_DEBUG_EVENT)
            answer = exception_event(&ev, pi.hThread, &n);
        else if (ev.dwDebugEventCode == OUTPUT_DEBUG_STRING_EVENT)
            answer = output_event(pi.hProcess, &ev.u.DebugString);
        else if (ev.dwDebugEventCode == RIP_EVENT)
            printf("rip %lx %lx\n", ev.u.RipInfo.dwError, ev.u.RipInfo.dwType);
        else if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT)
            printf("exit_process %lx\n", ev.u.ExitProcess.dwExitCode);
        fflush(stdout);
        ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, answer);
        if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT)
            break;
    }
    WaitForSingleObject(pi.hProcess, 10000);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child();
    if (argc > 1 && !strcmp(argv[1], "fastfail"))
        __asm__ volatile("int $0x29" ::"c"(7)); /* __fastfail(7) */
    char self[MAX_PATH];
    GetModuleFileNameA(NULL, self, sizeof(self));
    return debug(self, "child") + debug(self, "fastfail");
}
