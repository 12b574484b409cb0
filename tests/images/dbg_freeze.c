/* SPDX-License-Identifier: MIT */
/* dbg_freeze.c - dbg_freeze.exe: the debuggee's other threads stand still while an event
 * waits for ContinueDebugEvent, as on Windows (tests/test_thread_kill.c).
 *
 * Without arguments it is the debugger: it starts itself with "child" under
 * DEBUG_ONLY_THIS_PROCESS.  The child starts a thread that counts in a loop of PE code, waits
 * until it has counted, then reports the counter's address with OutputDebugStringA.  At that
 * event the debugger reads the counter twice, 100 ms apart (ReadProcessMemory): the same value
 * ("frozen").  After ContinueDebugEvent the counter moves again: the child exits with 7 when it
 * saw it move ("thawed").  Prints "ok NAME" / "FAIL NAME"; exits with the failures.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static volatile LONG counter;

static DWORD WINAPI count(LPVOID arg)
{
    (void)arg;
    for (;;)
        InterlockedIncrement(&counter);
    return 0;
}

static int child(void)
{
    CreateThread(NULL, 0, count, NULL, 0, NULL);
    while (counter < 100000)
        Sleep(1);
    char msg[64];
    snprintf(msg, sizeof(msg), "counter %p", (void *)&counter);
    OutputDebugStringA(msg);
    LONG after = counter;
    Sleep(50);
    ExitProcess(counter != after ? 7 : 8);
}

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

/* At the child's string: its counter stands still while the event waits. */
static void at_output(HANDLE proc, const OUTPUT_DEBUG_STRING_INFO *s)
{
    char text[64] = "";
    SIZE_T got = 0;
    void *addr = NULL;
    LONG c1 = -1, c2 = -2;
    ReadProcessMemory(proc, s->lpDebugStringData, text, sizeof(text) - 1, &got);
    if (sscanf(text, "counter %p", &addr) == 1) {
        ReadProcessMemory(proc, addr, &c1, sizeof(c1), &got);
        Sleep(100);
        ReadProcessMemory(proc, addr, &c2, sizeof(c2), &got);
    }
    check("frozen", c1 == c2 && c1 >= 100000);
    if (c1 != c2)
        printf("  counter %ld then %ld\n", c1, c2);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child();
    char path[MAX_PATH], cmd[MAX_PATH + 16];
    GetModuleFileNameA(NULL, path, sizeof(path));
    snprintf(cmd, sizeof(cmd), "\"%s\" child", path);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, DEBUG_ONLY_THIS_PROCESS, NULL, NULL, &si, &pi)) {
        printf("FAIL CreateProcess (error %lu)\n", GetLastError());
        return 1;
    }
    DEBUG_EVENT ev;
    for (;;) {
        if (!WaitForDebugEvent(&ev, 20000)) {
            printf("FAIL wait (error %lu)\n", GetLastError());
            return 1;
        }
        DWORD status = DBG_CONTINUE;
        if (ev.dwDebugEventCode == OUTPUT_DEBUG_STRING_EVENT)
            at_output(pi.hProcess, &ev.u.DebugString);
        else if (ev.dwDebugEventCode == EXCEPTION_DEBUG_EVENT &&
                 ev.u.Exception.ExceptionRecord.ExceptionCode != EXCEPTION_BREAKPOINT)
            status = DBG_EXCEPTION_NOT_HANDLED;
        else if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT) {
            check("thawed", ev.u.ExitProcess.dwExitCode == 7);
            ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, DBG_CONTINUE);
            break;
        }
        ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, status);
    }
    printf("failures %d\n", failures);
    return failures;
}
