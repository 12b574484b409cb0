/* SPDX-License-Identifier: MIT */
/* dbg_attach.c - dbg_attach.exe: DebugActiveProcess on a running process that was not created
 * debugged (tests/test_thread_kill.c).
 *
 * Without arguments it is the debugger: it starts itself with "child NAME" (no debug flags),
 * waits until the child has a second thread running (the named event NAME), then attaches:
 *   attach        DebugActiveProcess succeeds; on itself and on a process that does not exist it
 *                 fails; a second attach to the same process fails
 *   events        CREATE_PROCESS first (hProcess names the child), CREATE_THREAD for the thread
 *                 that was running, then a breakpoint (first chance) from a thread that reported
 *                 CREATE_THREAD before it and EXIT_THREAD after it
 *   debugged      the child sees IsDebuggerPresent and says so with OutputDebugStringA
 *   exit          EXIT_PROCESS with the child's code
 * Prints "ok NAME" / "FAIL NAME"; exits with the failures.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static DWORD WINAPI idle(LPVOID arg)
{
    (void)arg;
    for (;;)
        Sleep(5);
    return 0;
}

static int child(const char *name)
{
    HANDLE ev = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
    CreateThread(NULL, 0, idle, NULL, 0, NULL);
    SetEvent(ev);
    for (int i = 0; i < 1000 && !IsDebuggerPresent(); i++)
        Sleep(10);
    OutputDebugStringA(IsDebuggerPresent() ? "debugged" : "not debugged");
    return IsDebuggerPresent() ? 5 : 6;
}

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

struct seen {
    int n, create_process_first, worker_thread, breakpoint, breakin_created, breakin_exited, debugged;
    DWORD breakin_tid, exit_code;
};

static void on_event(const DEBUG_EVENT *ev, struct seen *s, DWORD child_pid, DWORD main_tid, HANDLE proc)
{
    switch (ev->dwDebugEventCode) {
    case CREATE_PROCESS_DEBUG_EVENT:
        s->create_process_first = s->n == 0 && GetProcessId(ev->u.CreateProcessInfo.hProcess) == child_pid &&
                                  ev->dwThreadId == main_tid;
        break;
    case CREATE_THREAD_DEBUG_EVENT:
        if (!s->breakpoint && ev->dwThreadId != main_tid && !s->worker_thread)
            s->worker_thread = 1; /* the first one reported is the thread that was there */
        else if (!s->breakpoint)
            s->breakin_tid = ev->dwThreadId, s->breakin_created = 1;
        break;
    case EXCEPTION_DEBUG_EVENT:
        if (ev->u.Exception.ExceptionRecord.ExceptionCode == EXCEPTION_BREAKPOINT && ev->u.Exception.dwFirstChance)
            s->breakpoint = s->breakin_created && ev->dwThreadId == s->breakin_tid;
        break;
    case EXIT_THREAD_DEBUG_EVENT:
        s->breakin_exited |= s->breakpoint && ev->dwThreadId == s->breakin_tid;
        break;
    case OUTPUT_DEBUG_STRING_EVENT: {
        char text[32] = "";
        SIZE_T got = 0;
        ReadProcessMemory(proc, ev->u.DebugString.lpDebugStringData, text, sizeof(text) - 1, &got);
        s->debugged = !strcmp(text, "debugged");
        break;
    }
    }
    s->n++;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "child"))
        return child(argv[2]);
    char path[MAX_PATH], cmd[MAX_PATH + 64], name[64];
    GetModuleFileNameA(NULL, path, sizeof(path));
    snprintf(name, sizeof(name), "dbg_attach_ready_%lu", GetCurrentProcessId());
    snprintf(cmd, sizeof(cmd), "\"%s\" child %s", path, name);
    HANDLE ready = CreateEventA(NULL, TRUE, FALSE, name);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        printf("FAIL CreateProcess (error %lu)\n", GetLastError());
        return 1;
    }
    if (WaitForSingleObject(ready, 20000) != WAIT_OBJECT_0) {
        printf("FAIL child not ready\n");
        return 1;
    }
    BOOL self = DebugActiveProcess(GetCurrentProcessId());
    BOOL none = DebugActiveProcess(0x7ffffff0);
    BOOL ok = DebugActiveProcess(pi.dwProcessId);
    BOOL twice = DebugActiveProcess(pi.dwProcessId);
    check("attach", ok && !self && !none && !twice);
    struct seen s = {0};
    DEBUG_EVENT ev;
    while (ok && WaitForDebugEvent(&ev, 20000)) {
        on_event(&ev, &s, pi.dwProcessId, pi.dwThreadId, pi.hProcess);
        if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT) {
            s.exit_code = ev.u.ExitProcess.dwExitCode;
            ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, DBG_CONTINUE);
            break;
        }
        ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, DBG_CONTINUE);
    }
    check("events", s.create_process_first && s.worker_thread && s.breakpoint && s.breakin_exited);
    if (!(s.create_process_first && s.worker_thread && s.breakpoint && s.breakin_exited))
        printf("  %d %d %d %d %d\n", s.create_process_first, s.worker_thread, s.breakin_created, s.breakpoint,
               s.breakin_exited);
    check("debugged", s.debugged);
    check("exit", s.exit_code == 5);
    printf("failures %d\n", failures);
    return failures;
}
