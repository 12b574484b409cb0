/* SPDX-License-Identifier: MIT */
/* dbg_debugger.c - dbg_debugger.exe: a small debugger written against the Windows debug API
 * (mingw-w64, its C runtime).  Starts dbg_child.exe (same directory) with
 * DEBUG_ONLY_THIS_PROCESS and its first argument as the child's mode, then prints one line per
 * debug event until EXIT_PROCESS:
 *   create_process (base and start nonzero, hProcess names the child)
 *   load_dll / unload_dll (base nonzero)
 *   create_thread (start and TEB nonzero, another thread id) / exit_thread CODE
 *   exception CODE first=N   (breakpoints continued with DBG_CONTINUE, others not handled)
 *   output TEXT              (read from the child with ReadProcessMemory)
 *   exit_process CODE
 * Along the way "ok NAME" / "FAIL NAME" checks: WaitForDebugEvent's timeout while an event is
 * unanswered, ContinueDebugEvent's bad input.  Mode "detach": DebugActiveProcessStop at the
 * first output, then the child's own exit code.  Mode "fix": the first-chance access violation
 * is repaired (VirtualProtectEx makes the page writable) and continued with DBG_CONTINUE.
 * Modes "leave" (DebugSetProcessKillOnExit(FALSE) first) and "leavekill": the debugger exits at
 * the first output without answering it.  Mode "bphandled": the child's "bp", its breakpoints
 * answered with DBG_EXCEPTION_HANDLED (what Windows takes as DBG_CONTINUE).  Exits with the
 * number of failures.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

static int failures;

static void check(const char *name, int ok)
{
    printf(ok ? "ok %s\n" : "FAIL %s\n", name);
    fflush(stdout);
    failures += !ok;
}

static void print_output(HANDLE proc, const OUTPUT_DEBUG_STRING_INFO *s)
{
    char text[256] = "";
    SIZE_T got = 0, n = s->nDebugStringLength < sizeof(text) ? s->nDebugStringLength : sizeof(text) - 1;
    if (!ReadProcessMemory(proc, s->lpDebugStringData, text, n, &got))
        snprintf(text, sizeof(text), "(unreadable: error %lu)", GetLastError());
    text[sizeof(text) - 1] = 0;
    printf("output %s\n", text);
}

/* The first event: nothing else comes while it is unanswered. */
static void first_checks(const DEBUG_EVENT *ev, const PROCESS_INFORMATION *pi)
{
    DEBUG_EVENT more;
    DWORD t0 = GetTickCount();
    SetLastError(0);
    check("wait_times_out", !WaitForDebugEvent(&more, 200) && GetLastError() == ERROR_SEM_TIMEOUT &&
                                GetTickCount() - t0 >= 150);
    check("continue_bad_status", !ContinueDebugEvent(ev->dwProcessId, ev->dwThreadId, 0x1234));
    check("continue_other_pid", !ContinueDebugEvent(ev->dwProcessId + 100000, ev->dwThreadId, DBG_CONTINUE));
    check("create_process_info", ev->u.CreateProcessInfo.lpBaseOfImage && ev->u.CreateProcessInfo.lpStartAddress &&
                                     GetProcessId(ev->u.CreateProcessInfo.hProcess) == pi->dwProcessId &&
                                     ev->dwProcessId == pi->dwProcessId);
    BOOL remote = FALSE;
    check("remote_debugger_present", CheckRemoteDebuggerPresent(pi->hProcess, &remote) && remote);
    check("self_not_debugged", !IsDebuggerPresent());
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    char path[MAX_PATH], cmd[MAX_PATH + 32];
    GetModuleFileNameA(NULL, path, sizeof(path));
    strcpy(strrchr(path, '\\') ? strrchr(path, '\\') + 1 : path, "dbg_child.exe");
    bool leave = !strncmp(mode, "leave", 5); /* the child goes on as in "detach" */
    bool handled = !strcmp(mode, "bphandled");
    snprintf(cmd, sizeof(cmd), "\"%s\" %s", path, leave ? "detach" : handled ? "bp" : mode);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    DEBUG_EVENT ev;
    SetLastError(0);
    check("wait_without_debuggee", !WaitForDebugEvent(&ev, 0));
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, DEBUG_ONLY_THIS_PROCESS, NULL, NULL, &si, &pi)) {
        printf("FAIL CreateProcess (error %lu)\n", GetLastError());
        return 1;
    }
    for (int n = 0;; n++) {
        if (!WaitForDebugEvent(&ev, 20000)) {
            printf("FAIL wait (error %lu)\n", GetLastError());
            return failures + 1;
        }
        DWORD status = DBG_CONTINUE;
        switch (ev.dwDebugEventCode) {
        case CREATE_PROCESS_DEBUG_EVENT:
            printf("create_process\n");
            fflush(stdout);
            if (n == 0)
                first_checks(&ev, &pi);
            break;
        case LOAD_DLL_DEBUG_EVENT: printf("load_dll%s\n", ev.u.LoadDll.lpBaseOfDll ? "" : " NULL"); break;
        case UNLOAD_DLL_DEBUG_EVENT: printf("unload_dll%s\n", ev.u.UnloadDll.lpBaseOfDll ? "" : " NULL"); break;
        case CREATE_THREAD_DEBUG_EVENT:
            printf("create_thread%s\n", ev.u.CreateThread.lpStartAddress && ev.u.CreateThread.lpThreadLocalBase &&
                                            ev.dwThreadId != pi.dwThreadId ? "" : " BAD");
            break;
        case EXIT_THREAD_DEBUG_EVENT: printf("exit_thread %lu\n", ev.u.ExitThread.dwExitCode); break;
        case OUTPUT_DEBUG_STRING_EVENT: print_output(pi.hProcess, &ev.u.DebugString); break;
        case EXCEPTION_DEBUG_EVENT:
            printf("exception %08lx first=%lu\n", ev.u.Exception.ExceptionRecord.ExceptionCode,
                   ev.u.Exception.dwFirstChance);
            if (ev.u.Exception.ExceptionRecord.ExceptionCode != EXCEPTION_BREAKPOINT)
                status = DBG_EXCEPTION_NOT_HANDLED;
            else if (handled)
                status = DBG_EXCEPTION_HANDLED;
            if (ev.u.Exception.ExceptionRecord.ExceptionCode == EXCEPTION_ACCESS_VIOLATION && !strcmp(mode, "fix")) {
                DWORD old = 0;
                void *at = (void *)ev.u.Exception.ExceptionRecord.ExceptionInformation[1];
                check("fix_page", ev.u.Exception.ExceptionRecord.ExceptionInformation[0] == 1 &&
                                      VirtualProtectEx(pi.hProcess, at, 1, PAGE_READWRITE, &old) &&
                                      old == PAGE_READONLY);
                status = DBG_CONTINUE;
            }
            break;
        case EXIT_PROCESS_DEBUG_EVENT: printf("exit_process %lx\n", ev.u.ExitProcess.dwExitCode); break;
        default: printf("event %lu\n", ev.dwDebugEventCode);
        }
        fflush(stdout);
        if (ev.dwDebugEventCode == OUTPUT_DEBUG_STRING_EVENT && leave) {
            if (!strcmp(mode, "leave"))
                check("kill_on_exit_off", DebugSetProcessKillOnExit(FALSE));
            return failures; /* gone without answering: the child's fate is kill-on-exit's */
        }
        if (ev.dwDebugEventCode == OUTPUT_DEBUG_STRING_EVENT && !strcmp(mode, "detach")) {
            BOOL stopped = DebugActiveProcessStop(ev.dwProcessId);
            DWORD code = 0;
            WaitForSingleObject(pi.hProcess, INFINITE); /* before printing: the child writes too */
            check("detach", stopped);
            GetExitCodeProcess(pi.hProcess, &code);
            printf("detached child exit %lu\n", code);
            break;
        }
        /* silent when it works: the child runs from here and writes to the same stdout */
        if (!ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, status))
            check("continue", 0);
        if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT)
            break;
    }
    SetLastError(0);
    check("no_more_events", !WaitForDebugEvent(&ev, 0) && GetLastError() == ERROR_SEM_TIMEOUT);
    return failures;
}
