/* SPDX-License-Identifier: MIT */
/* test_process.c - CreateProcess, process handles and memory across processes, with real
 * processes only: proc_parent.exe (tests/images) runs its checks from PE code under
 * `winvm run` (children: proc_child.exe); the rest calls the same API from this Linux program
 * linked with libwinvm, which spawns the PE child the same way.
 */
#define _GNU_SOURCE
#include "winvm.h"

#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

static char scratch[] = "/tmp/wvproc-XXXXXX";

static void setup(void)
{
    tu_need_pe(EXE("proc_child.exe"), NULL);
    cr_assert(mkdtemp(scratch));
}

TestSuite(process, .init = setup, .timeout = 120);

/* proc_parent.exe: every check "ok", none "FAIL", exit 0. */
Test(process, pe_parent_creates_children)
{
    char dir[64], cmd[512], out[128];
    snprintf(dir, sizeof(dir), "%s/wvproc", scratch);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(out, sizeof(out), "%s/parent.txt", scratch);
    snprintf(cmd, sizeof(cmd), "cd %s && %s run %s %s >%s 2>&1", scratch, WINVM_CLI, EXE("proc_parent.exe"), dir, out);
    int st = system(cmd);
    const char *text = tu_slurp(out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d:\n%s", st, text);
    cr_assert(!strstr(text, "FAIL"), "%s", text);
    const char *must[] = {"ok command_line_verbatim", "ok exit_code_32_bits", "ok suspended_does_not_run",
                          "ok terminate_code", "ok read_partial_copy", "ok write_child", "ok create_not_pe",
                          "ok resume_after_exit", "ok suspend_after_exit"};
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        cr_assert(strstr(text, must[i]), "missing %s in:\n%s", must[i], text);
}

/* CreateProcess is not a fork of the caller: the child starts as a new program, so no atfork
 * handler of the calling program runs in it (winvm forks only to exec, and with _Fork). */
static volatile int atfork_child_ran;
static int atfork_pipe[2] = {-1, -1};
static void note_atfork_child(void)
{
    char c = 'F';
    atfork_child_ran = 1;
    if (write(atfork_pipe[1], &c, 1) != 1)
        _exit(99);
}

Test(process, create_process_runs_no_atfork_handler)
{
    char cmd[] = "proc_child exit 3";
    cr_assert_eq(pipe2(atfork_pipe, O_CLOEXEC), 0);
    cr_assert_eq(pthread_atfork(NULL, NULL, note_atfork_child), 0);
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    cr_assert(CreateProcessA(EXE("proc_child.exe"), cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi),
              "error %u", GetLastError());
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
    DWORD code = 0;
    cr_assert(GetExitCodeProcess(pi.hProcess, &code) && code == 3, "code %u", code);
    CloseHandle(pi.hThread), CloseHandle(pi.hProcess);
    close(atfork_pipe[1]); /* the child's copy is closed by now (it exec'ed or ended) */
    char c;
    cr_assert_eq(read(atfork_pipe[0], &c, 1), 0, "an atfork child handler ran in the CreateProcess child");
    close(atfork_pipe[0]);
    /* The handler itself works: a real fork runs it. */
    cr_assert_eq(pipe2(atfork_pipe, O_CLOEXEC), 0);
    pid_t p = fork();
    if (p == 0)
        _exit(atfork_child_ran ? 0 : 1);
    int st;
    cr_assert_eq(waitpid(p, &st, 0), p);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(atfork_pipe[0]), close(atfork_pipe[1]);
}

/* From a Linux program: stdout to a file handle, the whole exit code, the handle's object. */
Test(process, linux_caller_redirects_and_waits)
{
    char path[128], cmd[] = "proc_child exit 0xC0FFEE \"two words\"";
    snprintf(path, sizeof(path), "%s/out.txt", scratch);
    HANDLE f = CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    STARTUPINFOA si = {.cb = sizeof(si), .dwFlags = STARTF_USESTDHANDLES, .hStdOutput = f, .hStdError = f};
    PROCESS_INFORMATION pi;
    cr_assert(CreateProcessA(EXE("proc_child.exe"), cmd, NULL, NULL, TRUE, 0, NULL, scratch, &si, &pi),
              "error %u", GetLastError());
    CloseHandle(f);
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
    DWORD code = 0;
    cr_assert(GetExitCodeProcess(pi.hProcess, &code));
    cr_assert_eq(code, 0xC0FFEE);
    const char *out = tu_slurp(path);
    cr_assert(strstr(out, "cmdline=[proc_child exit 0xC0FFEE \"two words\"]"), "%s", out);
    cr_assert(strstr(out, "argv[3]=[two words]"), "%s", out);
    /* reaped by its watcher: no zombie is left */
    cr_assert_eq(waitpid((pid_t)pi.dwProcessId, NULL, WNOHANG), -1);
    cr_assert(CloseHandle(pi.hThread) && CloseHandle(pi.hProcess));
    cr_assert(!CloseHandle(pi.hProcess));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
}

/* A suspended child whose handles are all closed never runs, and leaves no zombie. */
Test(process, suspended_child_closed_unresumed_ends)
{
    char path[128], cmd[] = "proc_child exit 3";
    snprintf(path, sizeof(path), "%s/never.txt", scratch);
    HANDLE f = CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
    STARTUPINFOA si = {.cb = sizeof(si), .dwFlags = STARTF_USESTDHANDLES, .hStdOutput = f, .hStdError = f};
    PROCESS_INFORMATION pi;
    cr_assert(CreateProcessA(EXE("proc_child.exe"), cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi));
    CloseHandle(f);
    HANDLE watch = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, pi.dwProcessId);
    cr_assert(watch);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    CloseHandle(watch); /* the last handle: the start pipe closes */
    for (int i = 0; i < 3000 && kill((pid_t)pi.dwProcessId, 0) == 0; i++) /* 30 s: a loaded machine */
        usleep(10000);
    cr_assert_neq(kill((pid_t)pi.dwProcessId, 0), 0, "the unresumed child still runs");
    cr_assert_str_eq(tu_slurp(path), "");
}

/* OpenProcess of a process of another user: ERROR_ACCESS_DENIED (the kernel's answer). */
Test(process, other_users_process_denied)
{
    struct stat st;
    if (stat("/proc/1", &st) != 0 || st.st_uid == geteuid())
        cr_skip_test("pid 1 belongs to this user here (running as root in a container?)");
    cr_assert_null(OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, 1));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
}

/* Another process of ours that is no child: waits and memory through the pidfd. */
Test(process, open_non_child_reads_and_waits)
{
    static char secret[] = "linux-side-secret";
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t pid = fork();
    if (pid == 0) { /* a plain Linux process: its memory is this one's copy */
        char c;
        close(go[1]);
        _exit(read(go[0], &c, 1) == 1 ? 17 : 18);
    }
    close(go[0]);
    HANDLE h = OpenProcess(PROCESS_VM_READ | SYNCHRONIZE | PROCESS_QUERY_INFORMATION | PROCESS_TERMINATE, FALSE,
                           (DWORD)pid);
    cr_assert(h, "error %u", GetLastError());
    char buf[32] = {0};
    SIZE_T n = 0;
    cr_assert(ReadProcessMemory(h, secret, buf, sizeof(secret), &n));
    cr_assert_eq(n, sizeof(secret));
    cr_assert_str_eq(buf, secret);
    cr_assert_eq(WaitForSingleObject(h, 50), WAIT_TIMEOUT);
    DWORD code = 0;
    cr_assert(GetExitCodeProcess(h, &code));
    cr_assert_eq(code, STILL_ACTIVE);
    cr_assert(TerminateProcess(h, 9));
    cr_assert_eq(WaitForSingleObject(h, 10000), WAIT_OBJECT_0);
    close(go[1]);
    waitpid(pid, NULL, 0);
    CloseHandle(h);
}
