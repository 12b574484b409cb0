/* dbg_regs.c - a debugger's view of its debuggee's registers, as gdbserver uses it: run without
 * arguments it debugs itself run as "child" (DEBUG_ONLY_THIS_PROCESS) and prints what it saw:
 *   create    GetThreadContext at CREATE_PROCESS works; writing back what was read succeeds, a
 *             change is refused (ERROR_NOT_SUPPORTED: the thread is inside winvm then);
 *   int3      the child's int3: ExceptionAddress the int3, Rip past it; the debugger sets Rax
 *             and moves Rip over "mov $1, %eax", and sets the trap flag; the data selectors
 *             it writes (ds 0, es 0x53, gs 0) are not taken: read back, ds, es and gs are ss
 *             (0x2b) and fs is not, as Windows x64 shows (Wine's exception.c, stage 16);
 *   step      EXCEPTION_SINGLE_STEP after one instruction (at dbg_step_to), the flag cleared;
 *             the debugger sets Dr0 = dbg_hw, Dr7 = 1 (an execute breakpoint);
 *   hw        EXCEPTION_SINGLE_STEP at dbg_hw before it runs, Dr6 B0, Dr0/Dr7 as set; the
 *             debugger clears Dr7 and the child goes on;
 *   exit      the child's exit code is the low byte of the Rax the debugger gave it (0x34);
 *   plain     a child that is not debugged: GetThreadContext of its thread works (asked of the
 *             child over its control channel, as Windows reads any thread it may)
 * Built with a fixed base: the labels have the same address in both processes. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

extern char dbg_int3[], dbg_after[], dbg_step_to[], dbg_hw[];

static int child(void)
{
    unsigned v;
    __asm__ volatile(".globl dbg_int3\ndbg_int3: int3\n"
                     "  mov $1, %%eax\n"
                     ".globl dbg_after\ndbg_after: mov %%eax, %%ecx\n"
                     ".globl dbg_step_to\ndbg_step_to: mov %%ecx, %0\n"
                     ".globl dbg_hw\ndbg_hw: nop\n"
                     : "=r"(v) : : "rax", "rcx");
    return (int)(v & 0xff); /* printed by the debugger: one writer, no interleaving */
}

static PROCESS_INFORMATION spawn(const char *arg, DWORD flags)
{
    char self[MAX_PATH], cmd[2 * MAX_PATH];
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" %s", self, arg);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi = {0};
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, flags, NULL, NULL, &si, &pi))
        printf("CreateProcess failed %lu\n", GetLastError());
    return pi;
}

static void at_create(HANDLE th)
{
    CONTEXT c = {.ContextFlags = CONTEXT_FULL};
    BOOL got = GetThreadContext(th, &c);
    BOOL same = SetThreadContext(th, &c);
    c.Rip += 1;
    SetLastError(0);
    BOOL changed = SetThreadContext(th, &c);
    printf("create: get %d rip %s, same %d, changed %d err %lu\n", got, c.Rip > 1 ? "set" : "zero", same, changed,
           GetLastError());
}

static void at_int3(HANDLE th, const EXCEPTION_RECORD *r)
{
    CONTEXT c = {.ContextFlags = CONTEXT_FULL | CONTEXT_SEGMENTS};
    BOOL got = GetThreadContext(th, &c);
    printf("int3: get %d address %s rip %s\n", got, r->ExceptionAddress == dbg_int3 ? "at int3" : "other",
           c.Rip == (DWORD64)dbg_int3 + 1 ? "past it" : "other");
    c.Rax = 0x1234, c.Rip = (DWORD64)dbg_after, c.EFlags |= 0x100;
    c.SegDs = 0, c.SegEs = c.SegFs, c.SegGs = 0;
    printf("int3: set %d\n", SetThreadContext(th, &c));
    CONTEXT b = {.ContextFlags = CONTEXT_FULL | CONTEXT_SEGMENTS};
    GetThreadContext(th, &b);
    printf("int3: segs %s\n", b.SegDs == b.SegSs && b.SegEs == b.SegSs && b.SegGs == b.SegSs && b.SegFs != b.SegSs
                                  ? "windows'" : "as set");
}

static void at_step(HANDLE th, const EXCEPTION_RECORD *r)
{
    CONTEXT c = {.ContextFlags = CONTEXT_FULL};
    BOOL got = GetThreadContext(th, &c);
    printf("step: get %d address %s rip %s rcx %#llx tf %d\n", got, r->ExceptionAddress == dbg_step_to ? "next" : "other",
           c.Rip == (DWORD64)dbg_step_to ? "next" : "other", (unsigned long long)c.Rcx, (int)(c.EFlags >> 8 & 1));
    CONTEXT d = {.ContextFlags = CONTEXT_DEBUG_REGISTERS};
    d.Dr0 = (DWORD64)dbg_hw, d.Dr7 = 1;
    printf("step: set dr7 %d\n", SetThreadContext(th, &d));
}

static void at_hw(HANDLE th, const EXCEPTION_RECORD *r)
{
    CONTEXT c = {.ContextFlags = CONTEXT_FULL | CONTEXT_DEBUG_REGISTERS};
    BOOL got = GetThreadContext(th, &c);
    printf("hw: get %d address %s rip %s dr6 %llu dr0 %s dr7 %llu\n", got,
           r->ExceptionAddress == dbg_hw ? "at it" : "other", c.Rip == (DWORD64)dbg_hw ? "at it" : "other",
           (unsigned long long)(c.Dr6 & 0xf), c.Dr0 == (DWORD64)dbg_hw ? "set" : "other", (unsigned long long)c.Dr7);
    c.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    c.Dr7 = 0;
    printf("hw: clear %d\n", SetThreadContext(th, &c));
}

static int debugger(void)
{
    PROCESS_INFORMATION pi = spawn("child", DEBUG_ONLY_THIS_PROCESS);
    HANDLE th = NULL;
    for (;;) {
        DEBUG_EVENT ev;
        if (!WaitForDebugEvent(&ev, 20000))
            return printf("wait failed %lu\n", GetLastError()), 1;
        DWORD status = DBG_CONTINUE;
        if (ev.dwDebugEventCode == CREATE_PROCESS_DEBUG_EVENT)
            at_create(th = ev.u.CreateProcessInfo.hThread);
        if (ev.dwDebugEventCode == EXCEPTION_DEBUG_EVENT) {
            const EXCEPTION_RECORD *r = &ev.u.Exception.ExceptionRecord;
            if (r->ExceptionCode == EXCEPTION_BREAKPOINT && r->ExceptionAddress == dbg_int3)
                at_int3(th, r);
            else if (r->ExceptionCode == EXCEPTION_SINGLE_STEP && r->ExceptionAddress == dbg_hw)
                at_hw(th, r);
            else if (r->ExceptionCode == EXCEPTION_SINGLE_STEP)
                at_step(th, r);
            else if (r->ExceptionCode != EXCEPTION_BREAKPOINT)
                status = DBG_EXCEPTION_NOT_HANDLED;
        }
        if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT)
            printf("exit: %#lx\n", ev.u.ExitProcess.dwExitCode);
        ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, status);
        if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT)
            break;
    }
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
    fflush(stdout);
    PROCESS_INFORMATION plain = spawn("plain", 0);
    CONTEXT c = {.ContextFlags = CONTEXT_FULL};
    SetLastError(0);
    BOOL got = GetThreadContext(plain.hThread, &c);
    printf("plain: get %d err %lu\n", got, GetLastError());
    TerminateProcess(plain.hProcess, 0); /* it waits for this: alive while asked */
    WaitForSingleObject(plain.hProcess, INFINITE);
    CloseHandle(plain.hProcess), CloseHandle(plain.hThread);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child();
    if (argc > 1 && !strcmp(argv[1], "plain")) {
        Sleep(60000); /* until the parent has asked and ends it */
        return 0;
    }
    return debugger();
}
