/* SPDX-License-Identifier: MIT */
/* test_procmem_end.c - ReadProcessMemory / WriteProcessMemory / NtReadVirtualMemory through
 * the handle of a process that has ended, with real processes: a forked process opened by pid
 * (not a CreateProcess child: its pid is freed for reuse at once when reaped) and a
 * CreateProcess child (reaped by its watcher).  Both fail with ERROR_ACCESS_DENIED
 * (STATUS_PROCESS_IS_TERMINATING, as Windows' kernel answers a process in rundown), count 0,
 * and touch neither buffer: a copy by pid is made only while the process lives
 * (docs/processes.md, "Memory"). */
#define _GNU_SOURCE
#include "winvm.h"
#include "winvm/ntdll.h"

#include "testutil.h"

#include <criterion/criterion.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(procmem_end, .timeout = 60);

static char shared_bytes[64] = "the target's bytes";

#define RIGHTS (PROCESS_VM_READ | PROCESS_VM_WRITE | PROCESS_VM_OPERATION | SYNCHRONIZE)

/* RPM and WPM through h fail as for an ended process and change nothing. */
static void refused(HANDLE h, void *remote)
{
    char buf[64];
    memset(buf, 0x5a, sizeof(buf));
    SIZE_T n = 77;
    SetLastError(SENTINEL);
    cr_assert(!ReadProcessMemory(h, remote, buf, sizeof(buf), &n));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED, "error %u", GetLastError());
    cr_assert_eq(n, 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        cr_assert_eq((unsigned char)buf[i], 0x5a, "the buffer was written at %zu", i);
    n = 77;
    SetLastError(SENTINEL);
    cr_assert(!WriteProcessMemory(h, remote, buf, sizeof(buf), &n));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED, "error %u", GetLastError());
    cr_assert_eq(n, 0);
    SIZE_T got = 77;
    cr_assert_eq(NtReadVirtualMemory(h, remote, buf, sizeof(buf), &got), STATUS_PROCESS_IS_TERMINATING);
    cr_assert_eq(got, 0);
}

Test(procmem_end, opened_by_pid_after_it_ended)
{
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        _exit(read(go[0], &c, 1) == 0 ? 0 : 1); /* ends when the pipe closes */
    }
    close(go[0]);
    HANDLE h = OpenProcess(RIGHTS, FALSE, (DWORD)pid);
    cr_assert(h, "error %u", GetLastError());
    char buf[64] = {0};
    SIZE_T n = 0;
    cr_assert(ReadProcessMemory(h, shared_bytes, buf, sizeof(buf), &n), "error %u", GetLastError());
    cr_assert_eq(n, sizeof(buf));
    cr_assert_str_eq(buf, "the target's bytes");
    close(go[1]);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid); /* reaped: its pid is free for reuse */
    cr_assert_eq(WaitForSingleObject(h, 30000), WAIT_OBJECT_0);
    refused(h, shared_bytes);
    CloseHandle(h);
}

Test(procmem_end, create_process_child_after_it_ended)
{
    const char *exe = WINVM_PE_IMAGES "/thrend.exe";
    tu_need_pe(exe, NULL);
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    char cmd[] = "thrend.exe";
    cr_assert(CreateProcessA(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi), "error %u", GetLastError());
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
    refused(pi.hProcess, (void *)(uintptr_t)0x140000000); /* its image base, mapped while it ran */
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
}
