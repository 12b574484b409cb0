/* dbg_thr.c - a debugger's view of a two-threaded debuggee's threads, as gdbserver uses it: run
 * without arguments it debugs itself run as "child" (DEBUG_ONLY_THIS_PROCESS).  The child's
 * main thread spins at dbg_spin while its second thread executes int3; at that event the
 * debugger reads both threads' registers (CREATE_THREAD's hThread names the second thread),
 * moves the frozen main thread to moved() (which ends the process with 0x42), and finds the
 * thread handle refused once the event is continued.  Each check prints "ok" or "FAIL".
 * Built with a fixed base: the labels have the same address in both processes. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

extern char dbg_spin[], dbg_spin_end[], dbg_thr_int3[];
volatile int spinning;

static DWORD WINAPI second(void *arg)
{
    (void)arg;
    while (!spinning) /* the main thread is in its loop from here */
        Sleep(1);
    __asm__ volatile(".globl dbg_thr_int3\ndbg_thr_int3: int3\n");
    Sleep(INFINITE);
    return 0;
}

static __attribute__((noreturn, used)) void moved(void) { ExitProcess(0x42); }

static int child(void)
{
    CreateThread(NULL, 0, second, NULL, 0, NULL);
    __asm__ volatile("movl $1, spinning(%rip)\n"
                     ".globl dbg_spin\ndbg_spin: pause\n  jmp dbg_spin\n.globl dbg_spin_end\ndbg_spin_end:\n");
    return 1;
}

static void check(const char *what, BOOL good)
{
    printf("%s %s (err %lu)\n", good ? "ok" : "FAIL", what, GetLastError());
}

static void at_int3(HANDLE main_th, HANDLE th2)
{
    CONTEXT c2 = {.ContextFlags = CONTEXT_FULL}, cm = {.ContextFlags = CONTEXT_FULL};
    BOOL got2 = GetThreadContext(th2, &c2);
    check("second thread's registers at its int3", got2 && c2.Rip == (DWORD64)dbg_thr_int3 + 1);
    BOOL gotm = GetThreadContext(main_th, &cm);
    check("main thread's registers where it was frozen",
          gotm && cm.Rip >= (DWORD64)dbg_spin && cm.Rip < (DWORD64)dbg_spin_end);
    check("two stacks", gotm && got2 && cm.Rsp && c2.Rsp && cm.Rsp != c2.Rsp);
    cm.Rip = (DWORD64)moved, cm.Rsp = ((cm.Rsp - 512) & ~(DWORD64)15) - 8; /* as after a call */
    check("main thread moved", SetThreadContext(main_th, &cm));
}

static int debugger(void)
{
    char self[MAX_PATH], cmd[2 * MAX_PATH];
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" child", self);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi = {0};
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, DEBUG_ONLY_THIS_PROCESS, NULL, NULL, &si, &pi))
        return printf("FAIL CreateProcess %lu\n", GetLastError()), 1;
    HANDLE main_th = NULL, th2 = NULL;
    for (;;) {
        DEBUG_EVENT ev;
        if (!WaitForDebugEvent(&ev, 20000))
            return printf("FAIL wait %lu\n", GetLastError()), 1;
        DWORD code = ev.dwDebugEventCode, status = DBG_CONTINUE;
        BOOL at = FALSE;
        if (code == CREATE_PROCESS_DEBUG_EVENT)
            main_th = ev.u.CreateProcessInfo.hThread;
        if (code == CREATE_THREAD_DEBUG_EVENT && !th2) {
            th2 = ev.u.CreateThread.hThread;
            check("CREATE_THREAD's handle names the thread", th2 && GetThreadId(th2) == ev.dwThreadId);
        }
        if (code == EXCEPTION_DEBUG_EVENT) {
            const EXCEPTION_RECORD *r = &ev.u.Exception.ExceptionRecord;
            at = r->ExceptionAddress == dbg_thr_int3;
            if (at)
                at_int3(main_th, th2);
            else if (r->ExceptionCode != EXCEPTION_BREAKPOINT)
                status = DBG_EXCEPTION_NOT_HANDLED;
        }
        if (code == EXIT_PROCESS_DEBUG_EVENT)
            check("the moved main thread ended the process", ev.u.ExitProcess.dwExitCode == 0x42);
        ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, status);
        if (at) {
            CONTEXT c = {.ContextFlags = CONTEXT_FULL};
            SetLastError(0);
            check("no registers once it runs", !GetThreadContext(th2, &c) && GetLastError() != 0);
        }
        if (code == EXIT_PROCESS_DEBUG_EVENT)
            break;
    }
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child();
    return debugger();
}
