/* SPDX-License-Identifier: MIT */
/* nsync.c - named events and mutexes between a PE parent and the child it creates with
 * CreateProcess (tests/test_named_sync.c runs it under `winvm run`).  The parent prints one
 * line per check, "ok NAME" or "FAIL NAME ...", and exits 0 when all passed.
 * Run without arguments: the parent; "child SUFFIX": the child. */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check(int cond, const char *name, DWORD detail)
{
    if (cond)
        printf("ok %s\n", name);
    else
        printf("FAIL %s (%lu, error %lu)\n", name, (unsigned long)detail, (unsigned long)GetLastError()), failures++;
    fflush(stdout);
}

static void names(const char *suffix, char *ready, char *go, char *mutex, size_t cap)
{
    snprintf(ready, cap, "Local\\wvns-ready-%s", suffix);
    snprintf(go, cap, "wvns-go-%s", suffix);
    snprintf(mutex, cap, "Global\\wvns-mutex-%s", suffix);
}

/* The child: opens the parent's objects, takes the mutex, says it is ready, waits for "go",
 * then ends without releasing the mutex (the parent must see it abandoned). */
static int child(const char *suffix)
{
    char ready[128], go[128], mutex[128];
    names(suffix, ready, go, mutex, sizeof(ready));
    HANDLE r = OpenEventA(EVENT_MODIFY_STATE, FALSE, ready);
    HANDLE g = CreateEventA(NULL, TRUE, FALSE, go); /* exists: the parent's */
    DWORD exists = GetLastError();
    HANDLE m = OpenMutexA(SYNCHRONIZE, FALSE, mutex);
    if (!r || !g || exists != ERROR_ALREADY_EXISTS || !m)
        return 10;
    if (WaitForSingleObject(m, 5000) != WAIT_OBJECT_0)
        return 11;
    if (!SetEvent(r))
        return 12;
    if (WaitForSingleObject(g, 10000) != WAIT_OBJECT_0)
        return 13;
    ExitProcess(7); /* owning the mutex */
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "child"))
        return child(argv[2]);
    char suffix[32], ready[128], go[128], mutex[128], self[MAX_PATH], cmd[512];
    snprintf(suffix, sizeof(suffix), "%lu", (unsigned long)GetCurrentProcessId());
    names(suffix, ready, go, mutex, sizeof(ready));
    HANDLE r = CreateEventA(NULL, FALSE, FALSE, ready);
    HANDLE g = CreateEventA(NULL, TRUE, FALSE, go);
    HANDLE m = CreateMutexA(NULL, FALSE, mutex);
    check(r && g && m && GetLastError() == 0, "create", 0);
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" child %s", self, suffix);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    BOOL started = CreateProcessA(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi);
    check(started, "create_process", 0);
    if (!started)
        return 1;
    DWORD w = WaitForSingleObject(r, 20000);
    check(w == WAIT_OBJECT_0, "child_set_ready", w);
    w = WaitForSingleObject(m, 0);
    check(w == WAIT_TIMEOUT, "mutex_owned_by_child", w);
    check(!ReleaseMutex(m) && GetLastError() == ERROR_NOT_OWNER, "release_not_owner", 0);
    HANDLE both[2] = {pi.hProcess, m};
    SetEvent(g);
    w = WaitForMultipleObjects(2, both, TRUE, 20000);
    check(w == WAIT_ABANDONED_0 + 1 || w == WAIT_ABANDONED_0, "wait_all_abandoned", w);
    DWORD code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    check(code == 7, "child_exit_code", code);
    check(ReleaseMutex(m), "release_abandoned_now_owned", 0);
    w = WaitForSingleObject(m, 0);
    check(w == WAIT_OBJECT_0, "mutex_again", w);
    ReleaseMutex(m);
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
    CloseHandle(r), CloseHandle(g), CloseHandle(m);
    check(OpenEventA(SYNCHRONIZE, FALSE, go) == NULL && GetLastError() == ERROR_FILE_NOT_FOUND, "name_gone", 0);
    return failures != 0;
}
