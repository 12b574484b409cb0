/* SPDX-License-Identifier: MIT */
/* procthread.c - thread handles across processes from PE code (tests/test_proc_thread.c runs
 * it under `winvm run`).  The parent starts a worker thread blocked on an event and creates
 * itself as a child with bInheritHandles: an inheritable duplicate of the worker's handle (all
 * access) goes by inheritance, and the child takes a second one out of the parent with
 * THREAD_QUERY_LIMITED_INFORMATION | SYNCHRONIZE only (DuplicateHandle, the parent as source).
 * The child checks ids, exit code STILL_ACTIVE, a suspension the parent then sees, the rights
 * one by one, sets the named event "ready", waits for the thread's end and reads its code; the
 * parent checks the child's suspension from its side, lets the worker end with 42 and the
 * child's main thread handle (PROCESS_INFORMATION.hThread) duplicated to itself.  Each process
 * prints "ok NAME" or "FAIL NAME ..."; the parent exits 0 when all passed and the child's code
 * was 0.
 *
 * Usage: procthread (the parent) | procthread child PARENTPID INHERITED TAKEN TID */
#include <windows.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

typedef DWORD(WINAPI *pidof_fn)(HANDLE);
static pidof_fn GetProcessIdOfThread_;

static int failures;

static void check(int cond, const char *name, unsigned long long detail)
{
    if (cond)
        printf("ok %s\n", name);
    else
        printf("FAIL %s (%llu, error %lu)\n", name, detail, (unsigned long)GetLastError()), failures++;
    fflush(stdout);
}

#define H(s) ((HANDLE)(ULONG_PTR)_strtoui64((s), NULL, 0))

static HANDLE go, suspended, resumed, ready;

static DWORD WINAPI worker(LPVOID arg)
{
    (void)arg;
    WaitForSingleObject(go, INFINITE);
    return 42;
}

static int child(DWORD parent, HANDLE inh, DWORD taken_value, DWORD tid)
{
    HANDLE pp = OpenProcess(PROCESS_DUP_HANDLE, FALSE, parent), lim = NULL;
    check(pp != NULL, "child_open_parent", 0);
    check(DuplicateHandle(pp, (HANDLE)(ULONG_PTR)taken_value, GetCurrentProcess(), &lim,
                          THREAD_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, 0),
          "child_take_thread_from_parent", 0);
    check(GetThreadId(inh) == tid, "child_thread_id", GetThreadId(inh));
    check(GetThreadId(lim) == tid, "child_taken_thread_id", GetThreadId(lim));
    check(GetProcessIdOfThread_(inh) == parent, "child_process_id_of_thread", GetProcessIdOfThread_(inh));
    DWORD code = 0;
    check(GetExitCodeThread(inh, &code) && code == STILL_ACTIVE, "child_still_active", code);
    check(WaitForSingleObject(lim, 0) == WAIT_TIMEOUT, "child_wait_times_out", 0);
    SetLastError(0);
    check(SuspendThread(lim) == (DWORD)-1 && GetLastError() == ERROR_ACCESS_DENIED, "child_suspend_needs_right", 0);
    SetLastError(0);
    check(!TerminateThread(lim, 1) && GetLastError() == ERROR_ACCESS_DENIED, "child_terminate_needs_right", 0);
    check(SuspendThread(inh) == 0, "child_suspend", 0);
    SetEvent(suspended);
    WaitForSingleObject(resumed, 30000); /* the parent has seen the count */
    check(ResumeThread(inh) == 1, "child_resume", 0);
    SetEvent(ready);
    check(WaitForSingleObject(lim, 30000) == WAIT_OBJECT_0, "child_wait_thread_end", 0);
    check(GetExitCodeThread(inh, &code) && code == 42, "child_exit_code", code);
    check(GetExitCodeThread(lim, &code) && code == 42, "child_exit_code_limited", code);
    SetLastError(0);
    check(SuspendThread(inh) == (DWORD)-1 && GetLastError() == ERROR_ACCESS_DENIED, "child_suspend_ended", 0);
    check(TerminateThread(inh, 5) && GetExitCodeThread(inh, &code) && code == 42, "child_terminate_ended", code);
    check(CloseHandle(inh) && CloseHandle(lim), "child_close", 0);
    return failures ? 1 : 0;
}

static int parent(void)
{
    char cmd[256], self[MAX_PATH];
    DWORD tid = 0, code = 99;
    HANDLE th = CreateThread(NULL, 0, worker, NULL, 0, &tid), inh = NULL;
    check(th != NULL, "parent_thread", 0);
    check(DuplicateHandle(GetCurrentProcess(), th, GetCurrentProcess(), &inh, 0, TRUE, DUPLICATE_SAME_ACCESS),
          "parent_inheritable_duplicate", 0);
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "procthread child %lu %llu %llu %lu", (unsigned long)GetCurrentProcessId(),
             (unsigned long long)(ULONG_PTR)inh, (unsigned long long)(ULONG_PTR)th, (unsigned long)tid);
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    check(CreateProcessA(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi), "parent_create_child", 0);
    check(WaitForSingleObject(suspended, 30000) == WAIT_OBJECT_0, "parent_child_suspended", 0);
    check(SuspendThread(th) == 1, "parent_sees_child_suspension", 0);
    check(ResumeThread(th) == 2, "parent_resume_own", 0);
    SetEvent(resumed);
    check(WaitForSingleObject(ready, 30000) == WAIT_OBJECT_0, "parent_child_ready", 0);
    /* the child's main thread handle goes too (into the child itself: its own thread there) */
    HANDLE mt = NULL;
    check(DuplicateHandle(GetCurrentProcess(), pi.hThread, pi.hProcess, &mt, 0, FALSE, DUPLICATE_SAME_ACCESS) &&
              mt != NULL,
          "parent_child_main_thread", 0);
    SetEvent(go);
    check(WaitForSingleObject(th, 30000) == WAIT_OBJECT_0 && GetExitCodeThread(th, &code) && code == 42,
          "parent_thread_ended", code);
    check(WaitForSingleObject(pi.hProcess, 60000) == WAIT_OBJECT_0 && GetExitCodeProcess(pi.hProcess, &code) &&
              code == 0,
          "parent_child_passed", code);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    GetProcessIdOfThread_ = (pidof_fn)GetProcAddress(GetModuleHandleA("kernel32.dll"), "GetProcessIdOfThread");
    bool is_child = argc == 6 && !strcmp(argv[1], "child");
    unsigned long family = is_child ? strtoul(argv[2], NULL, 0) : (unsigned long)GetCurrentProcessId();
    char name[64];
    go = CreateEventA(NULL, TRUE, FALSE, NULL);
    snprintf(name, sizeof(name), "winvm-procthread-%lu-suspended", family);
    suspended = CreateEventA(NULL, FALSE, FALSE, name);
    snprintf(name, sizeof(name), "winvm-procthread-%lu-resumed", family);
    resumed = CreateEventA(NULL, FALSE, FALSE, name);
    snprintf(name, sizeof(name), "winvm-procthread-%lu-ready", family);
    ready = CreateEventA(NULL, FALSE, FALSE, name);
    if (!GetProcessIdOfThread_ || !go || !suspended || !resumed || !ready)
        return printf("FAIL setup (error %lu)\n", (unsigned long)GetLastError()), 2;
    if (is_child)
        return child((DWORD)strtoul(argv[2], NULL, 0), H(argv[3]), (DWORD)strtoul(argv[4], NULL, 0),
                     (DWORD)strtoul(argv[5], NULL, 0));
    return parent();
}
