/* SPDX-License-Identifier: MIT */
/* proc_parent.c - proc_parent.exe: CreateProcess and process handles from PE code, with
 * proc_child.exe (in the same directory) as the child.  mingw-w64 with its C runtime.  Prints
 * "ok NAME" or "FAIL NAME (detail)" per check and exits with the number of failures.  Its
 * first argument is a scratch directory (Windows or host form) for the children's output.
 *
 * Checks: a child found on the command line alone (no path, no .exe: the application's
 * directory) with stdout and stderr redirected to a file, an ANSI environment block and a
 * current directory, its command line verbatim and its 32-bit exit code; CreateProcessW with a
 * UTF-16 environment, CREATE_SUSPENDED (nothing runs until ResumeThread); TerminateProcess and
 * the code it gives; a wait on two processes; OpenProcess + ReadProcessMemory of the child's
 * memory, ERROR_PARTIAL_COPY at a PAGE_NOACCESS page, rights checked one by one,
 * WriteProcessMemory seen by the child; the pseudo handle's rules; bad input for each call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

NTSTATUS NTAPI NtReadVirtualMemory(HANDLE, PVOID, PVOID, SIZE_T, PSIZE_T);

static int failures;
static char dir[MAX_PATH], child[MAX_PATH];

static void check(const char *name, int ok, const char *detail)
{
    printf(ok ? "ok %s\n" : "FAIL %s (%s)\n", name, detail ? detail : "");
    fflush(stdout);
    failures += !ok;
}

#define CHECK(name, cond) check(name, (cond), NULL)
#define CHECK_ERR(name, cond, want) \
    do { BOOL c_ = (cond); DWORD e_ = GetLastError(); char d_[64]; snprintf(d_, sizeof d_, "error %lu", e_); \
         check(name, c_ && e_ == (want), d_); } while (0)

static HANDLE out_file(const char *name, char *path)
{
    snprintf(path, MAX_PATH, "%s\\%s", dir, name);
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    return CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, CREATE_ALWAYS, 0, NULL);
}

/* The file's contents (static buffer, NUL-terminated). */
static const char *slurp(const char *path)
{
    static char buf[8192];
    HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    DWORD got = 0;
    buf[0] = 0;
    if (h != INVALID_HANDLE_VALUE) {
        ReadFile(h, buf, sizeof(buf) - 1, &got, NULL);
        buf[got] = 0;
        CloseHandle(h);
    }
    return buf;
}

static BOOL start(char *cmd, DWORD flags, void *env, const char *cwd, HANDLE out, PROCESS_INFORMATION *pi)
{
    STARTUPINFOA si = {sizeof(si)};
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = si.hStdError = out;
    return CreateProcessA(NULL, cmd, NULL, NULL, TRUE, flags, env, cwd, &si, pi);
}

static void redirected(void)
{
    char path[MAX_PATH], cmd[] = "proc_child exit 0x12345678 \"a b\"", want[128];
    HANDLE f = out_file("out1.txt", path);
    PROCESS_INFORMATION pi;
    BOOL ok = start(cmd, 0, "WVTEST=hello\0OTHER=1\0", dir, f, &pi);
    CloseHandle(f);
    check("create_found_in_app_dir", ok, "CreateProcessA");
    if (!ok)
        return;
    CHECK("process_id", GetProcessId(pi.hProcess) == pi.dwProcessId && pi.dwProcessId != GetCurrentProcessId());
    CHECK("thread_id", GetThreadId(pi.hThread) == pi.dwThreadId);
    CHECK("wait_process", WaitForSingleObject(pi.hProcess, 20000) == WAIT_OBJECT_0);
    CHECK("wait_thread", WaitForSingleObject(pi.hThread, 5000) == WAIT_OBJECT_0);
    DWORD code = 0;
    CHECK("exit_code_32_bits", GetExitCodeProcess(pi.hProcess, &code) && code == 0x12345678);
    const char *out = slurp(path);
    snprintf(want, sizeof want, "cmdline=[%s]", "proc_child exit 0x12345678 \"a b\"");
    check("command_line_verbatim", strstr(out, want) != NULL, out);
    check("argv_from_command_line", strstr(out, "argv[3]=[a b]") != NULL, out);
    check("ansi_environment", strstr(out, "env=[hello]") != NULL, out);
    check("current_directory", strstr(out, "cwd=[") && strstr(out, "wvproc]"), out);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
}

static void suspended(void)
{
    char path[MAX_PATH];
    WCHAR app[MAX_PATH], cmd[] = L"proc_child.exe exit 7";
    MultiByteToWideChar(CP_UTF8, 0, child, -1, app, MAX_PATH);
    HANDLE f = out_file("out2.txt", path);
    STARTUPINFOW si = {sizeof(si)};
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = si.hStdError = f;
    PROCESS_INFORMATION pi;
    BOOL ok = CreateProcessW(app, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT,
                             L"WVTEST=wide\0", NULL, &si, &pi);
    CloseHandle(f);
    check("create_w_suspended", ok, "CreateProcessW");
    if (!ok)
        return;
    DWORD code = 0;
    /* Nothing of the program's yet (its first line is "cmdline="); winvm's own diagnostics may
     * be there: the EXE is mapped before the child waits, as Windows' kernel maps it. */
    CHECK("suspended_does_not_run", WaitForSingleObject(pi.hProcess, 500) == WAIT_TIMEOUT &&
                                        !strstr(slurp(path), "cmdline="));
    CHECK("still_active", GetExitCodeProcess(pi.hProcess, &code) && code == STILL_ACTIVE);
    CHECK("resume_returns_previous", ResumeThread(pi.hThread) == 1 && ResumeThread(pi.hThread) == 0);
    CHECK("resumed_ends", WaitForSingleObject(pi.hProcess, 20000) == WAIT_OBJECT_0);
    CHECK("resumed_code", GetExitCodeProcess(pi.hProcess, &code) && code == 7);
    /* Its thread has ended with it: a count of 0 to resume, nothing to suspend. */
    SetLastError(0);
    CHECK("resume_after_exit", ResumeThread(pi.hThread) == 0 && GetLastError() == 0);
    CHECK("suspend_after_exit", SuspendThread(pi.hThread) == (DWORD)-1 && GetLastError() == ERROR_ACCESS_DENIED);
    check("unicode_environment", strstr(slurp(path), "env=[wide]") != NULL, slurp(path));
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
}

static void terminate(void)
{
    PROCESS_INFORMATION a, b;
    char c1[] = "proc_child sleep", c2[] = "proc_child sleep";
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    if (!start(c1, 0, NULL, NULL, out, &a) || !start(c2, 0, NULL, NULL, out, &b)) {
        check("create_sleepers", 0, "CreateProcess");
        return;
    }
    HANDLE both[2] = {a.hProcess, b.hProcess}, dup = NULL;
    CHECK("running_times_out", WaitForMultipleObjects(2, both, FALSE, 100) == WAIT_TIMEOUT);
    CHECK("terminate", TerminateProcess(a.hProcess, 0xDEAD));
    CHECK("wait_any_first", WaitForMultipleObjects(2, both, FALSE, 20000) == WAIT_OBJECT_0);
    DWORD code = 0;
    CHECK("terminate_code", GetExitCodeProcess(a.hProcess, &code) && code == 0xDEAD);
    CHECK_ERR("terminate_ended", !TerminateProcess(a.hProcess, 1), ERROR_ACCESS_DENIED);
    CHECK("duplicate_process_handle",
          DuplicateHandle(GetCurrentProcess(), b.hProcess, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS));
    CHECK("terminate_through_duplicate", TerminateProcess(dup, 5));
    CHECK("wait_all", WaitForMultipleObjects(2, both, TRUE, 20000) == WAIT_OBJECT_0);
    CHECK("duplicate_same_object", GetExitCodeProcess(b.hProcess, &code) && code == 5);
    HANDLE hs[] = {a.hProcess, a.hThread, b.hProcess, b.hThread, dup};
    for (int i = 0; i < 5; i++)
        CloseHandle(hs[i]);
}

/* Starts proc_child mem and reads the addresses it prints. */
static BOOL mem_child(PROCESS_INFORMATION *pi, void **secret, char **edge, char **flag, char *path)
{
    char cmd[] = "proc_child mem";
    HANDLE f = out_file("out4.txt", path);
    BOOL ok = start(cmd, 0, NULL, NULL, f, pi);
    CloseHandle(f);
    for (int i = 0; ok && i < 3000; i++) { /* 30 s at least: a child starts slowly on a loaded machine */
        if (sscanf(slurp(path), "secret=%p edge=%p flag=%p", secret, (void **)edge, (void **)flag) == 3)
            return TRUE;
        Sleep(10);
    }
    return FALSE;
}

static void memory(void)
{
    PROCESS_INFORMATION pi;
    void *secret;
    char *edge, *flag, path[MAX_PATH], buf[64] = {0};
    if (!mem_child(&pi, &secret, &edge, &flag, path)) {
        check("mem_child", 0, slurp(path));
        return;
    }
    HANDLE r = OpenProcess(PROCESS_VM_READ | SYNCHRONIZE, FALSE, pi.dwProcessId);
    HANDLE q = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, pi.dwProcessId);
    SIZE_T n = 0;
    CHECK("open_child", r && q);
    CHECK("read_child", ReadProcessMemory(r, secret, buf, 17, &n) && n == 17 && !strcmp(buf, "winvm-secret-1234"));
    n = 99;
    CHECK_ERR("read_partial_copy", !ReadProcessMemory(r, edge, buf, 32, &n) && n == 16, ERROR_PARTIAL_COPY);
    check("partial_bytes", !memcmp(buf, "0123456789abcdef", 16), buf);
    CHECK_ERR("read_without_vm_read", !ReadProcessMemory(q, secret, buf, 4, &n), ERROR_ACCESS_DENIED);
    CHECK("nt_read_access_denied", NtReadVirtualMemory(q, secret, buf, 4, &n) == (NTSTATUS)0xC0000022);
    CHECK_ERR("write_without_vm_write", !WriteProcessMemory(r, flag, "go", 2, &n), ERROR_ACCESS_DENIED);
    CHECK_ERR("wait_without_synchronize", WaitForSingleObject(q, 0) == WAIT_FAILED, ERROR_ACCESS_DENIED);
    CHECK_ERR("exit_code_without_query", !GetExitCodeProcess(r, &(DWORD){0}), ERROR_ACCESS_DENIED);
    CHECK("write_child", WriteProcessMemory(pi.hProcess, flag, "go-written", 11, &n) && n == 11);
    CHECK("child_saw_write", WaitForSingleObject(r, 20000) == WAIT_OBJECT_0);
    DWORD code = 0;
    CHECK("child_code", GetExitCodeProcess(pi.hProcess, &code) && code == 42);
    check("child_flag", strstr(slurp(path), "flag=[go-written]") != NULL, slurp(path));
    CHECK("opened_shares_exit_code", GetExitCodeProcess(q, &code) && code == 42);
    HANDLE hs[] = {r, q, pi.hProcess, pi.hThread};
    for (int i = 0; i < 4; i++)
        CloseHandle(hs[i]);
}

static void pseudo_and_bad_input(void)
{
    HANDLE me = GetCurrentProcess(), dup = NULL;
    DWORD code = 0;
    char buf[8], cmd[] = "no_such_program_x", cwdcmd[] = "proc_child exit 0", notpe[MAX_PATH];
    PROCESS_INFORMATION pi;
    CHECK("pseudo_still_active", GetExitCodeProcess(me, &code) && code == STILL_ACTIVE);
    CHECK("pseudo_wait_times_out", WaitForSingleObject(me, 0) == WAIT_TIMEOUT);
    CHECK("pseudo_pid", GetProcessId(me) == GetCurrentProcessId());
    CHECK("pseudo_duplicate", DuplicateHandle(me, me, me, &dup, 0, FALSE, DUPLICATE_SAME_ACCESS) && dup != me &&
                                  GetProcessId(dup) == GetCurrentProcessId());
    CHECK("read_self", ReadProcessMemory(dup, "abc", buf, 4, NULL) && !strcmp(buf, "abc"));
    CloseHandle(dup);
    CHECK_ERR("create_no_names", !CreateProcessA(NULL, NULL, NULL, NULL, FALSE, 0, NULL, NULL,
                                                 &(STARTUPINFOA){sizeof(STARTUPINFOA)}, &pi), ERROR_INVALID_PARAMETER);
    CHECK_ERR("create_missing", !start(cmd, 0, NULL, NULL, NULL, &pi), ERROR_FILE_NOT_FOUND);
    HANDLE f = out_file("notpe.exe", notpe);
    WriteFile(f, "just text, not a program\n", 25, &code, NULL);
    CloseHandle(f);
    CHECK_ERR("create_not_pe", !CreateProcessA(notpe, NULL, NULL, NULL, FALSE, 0, NULL, NULL,
                                               &(STARTUPINFOA){sizeof(STARTUPINFOA)}, &pi), ERROR_BAD_EXE_FORMAT);
    CHECK_ERR("create_bad_directory", !start(cwdcmd, 0, NULL, "C:\\no\\such\\dir", NULL, &pi), ERROR_DIRECTORY);
    CHECK_ERR("open_pid_zero", !OpenProcess(PROCESS_ALL_ACCESS, FALSE, 0), ERROR_INVALID_PARAMETER);
    CHECK_ERR("open_no_such_pid", !OpenProcess(PROCESS_ALL_ACCESS, FALSE, 0x7ffffff0), ERROR_INVALID_PARAMETER);
    CHECK_ERR("exit_code_bad_handle", !GetExitCodeProcess(NULL, &code), ERROR_INVALID_HANDLE);
    CHECK_ERR("terminate_bad_handle", !TerminateProcess((HANDLE)(ULONG_PTR)0x7ff0, 1), ERROR_INVALID_HANDLE);
    CHECK_ERR("read_bad_handle", !ReadProcessMemory((HANDLE)(ULONG_PTR)0x7ff0, buf, buf, 1, NULL),
              ERROR_INVALID_HANDLE);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 100;
    snprintf(dir, sizeof dir, "%s", argv[1]);
    GetModuleFileNameA(NULL, child, sizeof child);
    char *slash = strrchr(child, '\\') ? strrchr(child, '\\') : strrchr(child, '/');
    strcpy(slash ? slash + 1 : child, "proc_child.exe");
    redirected();
    suspended();
    terminate();
    memory();
    pseudo_and_bad_input();
    printf("failures=%d\n", failures);
    return failures;
}
