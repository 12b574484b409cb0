/* SPDX-License-Identifier: MIT */
/* procexit.c - procexit.exe: the process's end in Windows' order, from PE code (mingw-w64,
 * default CRT, -lntdll).  The parent runs itself as children, one per mode; children print
 * their own lines.  Output, one line each ("ok NAME" or "FAIL NAME"); exit code = number of
 * failures.  Expected values are Windows' (Wine's kernel32 loader.c, test_ExitProcess):
 *   exit_code           ExitProcess(42) with a second thread waiting: the parent reads 42
 *   detach_thread_ended at DLL_PROCESS_DETACH (a TLS callback) the second thread has ended with
 *                       the process's code, its mutex is abandoned, no DLL_THREAD_DETACH came
 *   detach_no_thread    CreateThread there fails with ERROR_ACCESS_DENIED
 *   detach_fls          FlsFree there runs the callback for the ended thread's value
 *   detach_shutdown     RtlDllShutdownInProgress is TRUE there
 *   nt_terminate_null   NtTerminateProcess(NULL, 43) succeeds, returns, the other thread ends
 *                       with 43; CreateThread then fails (ERROR_ACCESS_DENIED); the process is
 *                       not shutting down until LdrShutdownProcess, which sends the detach
 *   nt_exit_code        the child then ends by ExitProcess(44): the parent reads 44
 *   peb_lock_hangs      ExitProcess while another thread holds the PEB lock does not end (the
 *                       parent's 2 s wait times out; TerminateProcess(46) ends it: 46)
 *   cs_orphan_ends      a critical section held by a thread the exit ended, entered at
 *                       DLL_PROCESS_DETACH: the process ends at once with ExitProcess's 47
 *   affinity            NtSetInformationProcess(ProcessAffinityMask) of this process: 0 with
 *                       its own mask, STATUS_INFO_LENGTH_MISMATCH with 4 bytes, an ended
 *                       child's: STATUS_PROCESS_IS_TERMINATING
 *   debug_self          DebugActiveProcess(self): ERROR_ACCESS_DENIED, then WaitForDebugEvent
 *                       times out (ERROR_SEM_TIMEOUT: the caller has its debug object)
 *   ldr_lock            LdrLockLoaderLock: a cookie; another thread's try finds it taken
 *                       (disposition 2) and cannot unlock it with our cookie
 *                       (STATUS_INVALID_PARAMETER_2); our unlock works, then its try takes it;
 *                       bad flags STATUS_INVALID_PARAMETER_1
 * and threads made in another process (CreateRemoteThread; the child is this program, so its
 * functions are at the same addresses):
 *   remote_runs         a running child: a thread there at plus_one(41) ends with 42
 *   remote_suspended    a suspended child: a thread created suspended at 0xdeadbeef; its
 *                       context can be read (Rip not 0) and written back, TerminateThread(199)
 *                       ends it with 199
 *   remote_after_end    the child terminated: the thread's and the child's main thread's
 *                       contexts are refused, a new thread there ERROR_ACCESS_DENIED
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef LONG NTSTATUS;
NTSTATUS NTAPI NtTerminateProcess(HANDLE h, NTSTATUS code);
NTSTATUS NTAPI NtSetInformationProcess(HANDLE h, ULONG cls, PVOID in, ULONG len);
void NTAPI LdrShutdownProcess(void);
BOOLEAN NTAPI RtlDllShutdownInProgress(void);
void NTAPI RtlAcquirePebLock(void);
NTSTATUS NTAPI LdrLockLoaderLock(ULONG flags, ULONG *disposition, ULONG_PTR *cookie);
NTSTATUS NTAPI LdrUnlockLoaderLock(ULONG flags, ULONG_PTR cookie);

static int failures;
static const char *mode = "";
static HANDLE worker, mutex, never;
static DWORD worker_id, fls_index;
static volatile LONG fls_calls, worker_detached;
static CRITICAL_SECTION cs;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    if (!ok)
        failures++;
}

static void WINAPI fls_cb(PVOID v)
{
    if (v == (PVOID)0x5151)
        InterlockedIncrement(&fls_calls);
}

static DWORD WINAPI hold_and_wait(LPVOID arg)
{
    (void)arg;
    WaitForSingleObject(mutex, INFINITE);
    FlsSetValue(fls_index, (PVOID)0x5151);
    if (!strcmp(mode, "peb"))
        RtlAcquirePebLock();
    if (!strcmp(mode, "cs"))
        EnterCriticalSection(&cs);
    SetEvent((HANDLE)arg);
    WaitForSingleObject(never, INFINITE);
    return 1;
}

static void start_worker(void)
{
    HANDLE ready = CreateEventA(NULL, TRUE, FALSE, NULL);
    mutex = CreateMutexA(NULL, FALSE, NULL);
    never = CreateEventA(NULL, TRUE, FALSE, NULL);
    fls_index = FlsAlloc(fls_cb);
    InitializeCriticalSection(&cs);
    worker = CreateThread(NULL, 0, hold_and_wait, ready, 0, &worker_id);
    WaitForSingleObject(ready, 5000);
}

static DWORD WINAPI noop(LPVOID arg) { return (DWORD)(ULONG_PTR)arg; }

static void NTAPI on_tls(PVOID base, DWORD reason, PVOID reserved)
{
    (void)base, (void)reserved;
    if (reason == DLL_THREAD_DETACH && GetCurrentThreadId() == worker_id)
        worker_detached = 1;
    if (reason != DLL_PROCESS_DETACH || !worker)
        return;
    if (!strcmp(mode, "cs")) {
        EnterCriticalSection(&cs); /* its owner was ended: the process ends here */
        check("cs_orphan_ends", 0);
        return;
    }
    if (strcmp(mode, "exit"))
        return;
    DWORD code = 0;
    check("detach_thread_ended", WaitForSingleObject(worker, 0) == WAIT_OBJECT_0 &&
                                     GetExitCodeThread(worker, &code) && code == 42 &&
                                     WaitForSingleObject(mutex, 0) == WAIT_ABANDONED && !worker_detached);
    SetLastError(0);
    HANDLE h = CreateThread(NULL, 0, noop, NULL, 0, NULL);
    check("detach_no_thread", !h && GetLastError() == ERROR_ACCESS_DENIED);
    check("detach_fls", FlsFree(fls_index) && fls_calls == 1);
    check("detach_shutdown", RtlDllShutdownInProgress() != 0);
}
__attribute__((section(".CRT$XLB"), used)) PIMAGE_TLS_CALLBACK procexit_tls = on_tls;

static ULONG_PTR main_cookie;
static HANDLE ldr_go, ldr_done;

/* Another thread, started before main takes the lock (a new thread's DLL_THREAD_ATTACH waits
 * for it): its try while main holds it and an unlock with main's cookie; then, once main has
 * let go, a try given back at once.  Bit 0: try refused, bit 1: unlock refused, bit 2: later
 * try taken. */
static DWORD WINAPI ldr_other(LPVOID arg)
{
    (void)arg;
    ULONG disp = 0;
    ULONG_PTR cookie = 1;
    DWORD r = 0;
    WaitForSingleObject(ldr_go, 5000);
    if (!LdrLockLoaderLock(2, &disp, &cookie) && disp == 2 && cookie == 0)
        r |= 1;
    if (LdrUnlockLoaderLock(0, main_cookie) == (NTSTATUS)0xC00000F0)
        r |= 2;
    SignalObjectAndWait(ldr_done, ldr_go, 5000, FALSE);
    if (!LdrLockLoaderLock(2, &disp, &cookie) && disp == 1 && cookie && !LdrUnlockLoaderLock(0, cookie))
        r |= 4;
    return r;
}

static void ldr_lock(void)
{
    ULONG_PTR cookie = 0;
    DWORD r = 0;
    ldr_go = CreateEventA(NULL, FALSE, FALSE, NULL);
    ldr_done = CreateEventA(NULL, FALSE, FALSE, NULL);
    HANDLE t = CreateThread(NULL, 0, ldr_other, NULL, 0, NULL);
    Sleep(100); /* past its DLL_THREAD_ATTACH */
    NTSTATUS st = LdrLockLoaderLock(0, NULL, &cookie);
    main_cookie = cookie;
    SetEvent(ldr_go);
    WaitForSingleObject(ldr_done, 5000);
    NTSTATUS un = LdrUnlockLoaderLock(0, cookie);
    SetEvent(ldr_go);
    WaitForSingleObject(t, 5000);
    GetExitCodeThread(t, &r);
    CloseHandle(t);
    check("ldr_lock", !st && cookie && !un && r == 7 && LdrLockLoaderLock(4, NULL, &cookie) == (NTSTATUS)0xC00000EF);
}

static DWORD WINAPI plus_one(LPVOID arg) { return (DWORD)(ULONG_PTR)arg + 1; }

static int child(void)
{
    if (!strcmp(mode, "idle")) {
        Sleep(20000);
        return 0;
    }
    start_worker();
    if (!strcmp(mode, "exit") || !strcmp(mode, "peb") || !strcmp(mode, "cs"))
        ExitProcess(!strcmp(mode, "exit") ? 42 : !strcmp(mode, "peb") ? 45 : 47);
    /* mode "nt" */
    NTSTATUS st = NtTerminateProcess(NULL, 43);
    DWORD code = 0;
    int ended = WaitForSingleObject(worker, 2000) == WAIT_OBJECT_0 && GetExitCodeThread(worker, &code) && code == 43;
    SetLastError(0);
    HANDLE h = CreateThread(NULL, 0, noop, NULL, 0, NULL);
    int refused = !h && GetLastError() == ERROR_ACCESS_DENIED;
    int before = RtlDllShutdownInProgress();
    LdrShutdownProcess();
    check("nt_terminate_null", st == 0 && ended && refused && !before && RtlDllShutdownInProgress());
    ExitProcess(44);
}

static BOOL spawn(const char *m, DWORD flags, PROCESS_INFORMATION *pi)
{
    char self[MAX_PATH], cmd[MAX_PATH + 32];
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" %s", self, m);
    STARTUPINFOA si = {sizeof(si)};
    return CreateProcessA(self, cmd, NULL, NULL, FALSE, flags, NULL, NULL, &si, pi);
}

static void remote_threads(void)
{
    PROCESS_INFORMATION pi;
    DWORD code = 0, id = 0;
    HANDLE t = spawn("idle", 0, &pi) ? CreateRemoteThread(pi.hProcess, NULL, 0, plus_one, (LPVOID)41, 0, &id) : NULL;
    check("remote_runs", t && id && WaitForSingleObject(t, 10000) == WAIT_OBJECT_0 && GetExitCodeThread(t, &code) &&
                             code == 42);
    if (t)
        CloseHandle(t);
    if (pi.hProcess)
        TerminateProcess(pi.hProcess, 0), CloseHandle(pi.hProcess), CloseHandle(pi.hThread);

    CONTEXT c;
    memset(&c, 0, sizeof(c));
    c.ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
    t = spawn("idle", CREATE_SUSPENDED, &pi)
            ? CreateRemoteThread(pi.hProcess, NULL, 0, (LPTHREAD_START_ROUTINE)0xdeadbeef, NULL, CREATE_SUSPENDED, &id)
            : NULL;
    BOOL got = t && GetThreadContext(t, &c) && c.Rip != 0;
    BOOL put = got && SetThreadContext(t, &c);
    code = 0;
    check("remote_suspended", put && TerminateThread(t, 199) && WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 &&
                                  GetExitCodeThread(t, &code) && code == 199);
    TerminateProcess(pi.hProcess, 198);
    WaitForSingleObject(pi.hProcess, 5000);
    SetLastError(0);
    BOOL a = GetThreadContext(t, &c);
    DWORD ea = GetLastError();
    SetLastError(0);
    BOOL b = SetThreadContext(pi.hThread, &c);
    DWORD eb = GetLastError();
    SetLastError(0);
    HANDLE n = CreateRemoteThread(pi.hProcess, NULL, 0, plus_one, NULL, 0, NULL);
    check("remote_after_end", !a && (ea == ERROR_ACCESS_DENIED || ea == ERROR_INVALID_PARAMETER) && !b &&
                                  eb == ERROR_ACCESS_DENIED && !n && GetLastError() == ERROR_ACCESS_DENIED);
    if (t)
        CloseHandle(t);
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
}

static DWORD run_child(const char *m, DWORD wait_ms, HANDLE *keep)
{
    PROCESS_INFORMATION pi;
    if (!spawn(m, 0, &pi))
        return 0xbad;
    DWORD code = 0xdead;
    if (WaitForSingleObject(pi.hProcess, wait_ms) != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 46);
        WaitForSingleObject(pi.hProcess, 5000);
        code = 0x1000; /* marks "did not end by itself" */
    }
    DWORD got = 0;
    GetExitCodeProcess(pi.hProcess, &got);
    code = code == 0x1000 ? 0x1000 | got : got;
    CloseHandle(pi.hThread);
    if (keep)
        *keep = pi.hProcess;
    else
        CloseHandle(pi.hProcess);
    return code;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        mode = argv[1];
        return child();
    }
    HANDLE ended = NULL;
    check("exit_code", run_child("exit", 10000, &ended) == 42);
    check("nt_exit_code", run_child("nt", 10000, NULL) == 44);
    check("peb_lock_hangs", run_child("peb", 2000, NULL) == (0x1000 | 46));
    check("cs_orphan_ends", run_child("cs", 10000, NULL) == 47);

    DWORD_PTR mine = 0, sys = 0;
    GetProcessAffinityMask(GetCurrentProcess(), &mine, &sys);
    NTSTATUS a = NtSetInformationProcess(GetCurrentProcess(), 21 /* ProcessAffinityMask */, &mine, sizeof(mine));
    NTSTATUS b = NtSetInformationProcess(GetCurrentProcess(), 21, &mine, 4);
    NTSTATUS c = ended ? NtSetInformationProcess(ended, 21, &mine, sizeof(mine)) : -1;
    check("affinity", a == 0 && b == (NTSTATUS)0xC0000004 && c == (NTSTATUS)0xC000010A);
    if (ended)
        CloseHandle(ended);

    DEBUG_EVENT de;
    SetLastError(0);
    BOOL att = DebugActiveProcess(GetCurrentProcessId());
    DWORD e1 = GetLastError();
    SetLastError(0);
    BOOL w = WaitForDebugEvent(&de, 0);
    check("debug_self", !att && e1 == ERROR_ACCESS_DENIED && !w && GetLastError() == ERROR_SEM_TIMEOUT);
    ldr_lock();
    remote_threads();
    return failures;
}
