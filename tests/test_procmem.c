/* SPDX-License-Identifier: MIT */
/* test_procmem.c - memory of another process through its own memory manager, with real
 * processes only: procmem.exe (tests/images) runs its checks from PE code under `winvm run`
 * against a child of its own and the child against it; from this Linux program: the exit code
 * of a process that is not our child, heard after it ended; another uid opens nothing.
 */
#define _GNU_SOURCE
#include "winvm.h"
#include "runtime/procchan.h"

#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

static char scratch[] = "/tmp/wvpmem-XXXXXX";

static void setup(void)
{
    tu_need_pe(EXE("procmem.exe"), NULL);
    cr_assert(mkdtemp(scratch));
}

TestSuite(procmem, .init = setup, .timeout = 120);

/* procmem.exe parent: every check "ok", none "FAIL", exit 0. */
Test(procmem, pe_parent_and_child)
{
    char cmd[512], out[128];
    snprintf(out, sizeof(out), "%s/parent.txt", scratch);
    snprintf(cmd, sizeof(cmd), "%s run %s parent %s >%s 2>&1", WINVM_CLI, EXE("procmem.exe"), scratch, out);
    int st = system(cmd);
    const char *text = tu_slurp(out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d:\n%s", st, text);
    cr_assert(!strstr(text, "FAIL"), "%s", text);
    const char *must[] = {"ok child_sees_alloc", "ok child_sees_readonly", "ok write_readonly",
                          "ok write_execute", "ok write_partial_noaccess", "ok read_execute_only", "ok read_partial_noaccess", "ok basic_child", "ok basic_child_ids",
                          "ok basic_child_peb", "ok basic_child_peb_image", "ok basic_child_length",
                          "ok basic_child_needs_query", "ok basic_child_ended", "ok mapview_ended_terminating", "ok child_sees_free",
                          "ok allocex_needs_operation", "ok queryex_needs_query", "ok write_needs_operation",
                          "ok parent_sees_child_alloc", "ok crash_exit_code", "ok allocex_ended_fails",
                          "ok inherited_section_same_value", "ok inherited_section_shared",
                          "ok not_inheritable_not_passed", "ok duplicated_section_in_child",
                          "ok duplicated_section_shared", "ok duplicate_needs_dup_handle"};
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        cr_assert(strstr(text, must[i]), "missing %s in:\n%s", must[i], text);
}

/* A winvm process started by fork + exec here (not a CreateProcess child): OpenProcess hears
 * its exit code through its channel after it ended. */
static pid_t spawn_run(const char *arg1, const char *arg2)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl(WINVM_CLI, "winvm", "run", EXE("procmem.exe"), arg1, arg2, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Connects to pid's channel as wv_chan_connect does, retrying while it starts. */
static bool channel_up(pid_t pid)
{
    for (int i = 0; i < 5000; i++) {
        int fd = wv_chan_connect(pid);
        if (fd >= 0)
            return close(fd), true;
        usleep(1000);
    }
    return false;
}

Test(procmem, exit_code_of_non_child)
{
    pid_t pid = spawn_run("sleep", "300");
    cr_assert(pid > 0);
    cr_assert(channel_up(pid), "no channel");
    HANDLE h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    cr_assert(h, "error %u", GetLastError());
    DWORD code = 0;
    cr_assert(GetExitCodeProcess(h, &code));
    cr_assert_eq(code, STILL_ACTIVE);
    cr_assert_eq(WaitForSingleObject(h, 20000), WAIT_OBJECT_0);
    cr_assert(GetExitCodeProcess(h, &code), "error %u", GetLastError());
    cr_assert_eq(code, 7);
    CloseHandle(h);
    waitpid(pid, NULL, 0);
}

/* TerminateProcess of a non-child: the process ends itself with the code, which another
 * handle (its own watcher) hears too. */
Test(procmem, terminate_non_child_code)
{
    pid_t pid = spawn_run("sleep", "60000");
    cr_assert(pid > 0);
    cr_assert(channel_up(pid), "no channel");
    HANDLE t = OpenProcess(PROCESS_TERMINATE, FALSE, (DWORD)pid);
    HANDLE w = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, (DWORD)pid);
    cr_assert(t && w);
    cr_assert(TerminateProcess(t, 0xDEADBEEF), "error %u", GetLastError());
    cr_assert_eq(WaitForSingleObject(w, 20000), WAIT_OBJECT_0);
    DWORD code = 0;
    cr_assert(GetExitCodeProcess(w, &code), "error %u", GetLastError());
    cr_assert_eq(code, 0xDEADBEEF);
    int st = 0;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0xEF);
    CloseHandle(t), CloseHandle(w);
}

/* Another uid (root switching to one no account uses) can neither open the process nor reach
 * its channel, and sees no socket of ours. */
Test(procmem, other_uid_opens_nothing)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to run a second uid (the check switches to uid 64999)");
    pid_t pid = spawn_run("sleep", "60000");
    cr_assert(pid > 0);
    cr_assert(channel_up(pid), "no channel");
    pid_t k = fork();
    if (k == 0) {
        if (setresgid(64999, 64999, 64999) || setresuid(64999, 64999, 64999))
            _exit(10);
        if (OpenProcess(PROCESS_VM_OPERATION | PROCESS_VM_READ, FALSE, (DWORD)pid) ||
            GetLastError() != ERROR_ACCESS_DENIED)
            _exit(11);
        if (wv_chan_connect(pid) >= 0)
            _exit(12);
        /* root's directory itself: the socket there cannot be reached by name either */
        char path[108];
        snprintf(path, sizeof(path), "/tmp/winvm-0/p%d", (int)pid);
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        memcpy(a.sun_path, path, strlen(path) + 1);
        int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
        if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
            _exit(13);
        _exit(0);
    }
    int st = -1;
    waitpid(k, &st, 0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
}
