/* SPDX-License-Identifier: MIT */
/* test_job.c - job objects with real processes: CreateProcess children (proc_child.exe under
 * `winvm run`) assigned to jobs made by this Linux program, killed when the job's last handle
 * closes (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE) or by TerminateJobObject, listed and counted, told
 * to a completion port, refused past the active-process limit; children of a process in a job
 * joining it unless they break away; the ntdll calls' statuses.  Expectations: Windows' as
 * Wine's kernel32 process.c (test_QueryInformationJobObject, test_TerminateJobObject,
 * test_KillOnJobClose, test_CompletionPort, test_BreakawayOk) records them.  Each test runs in
 * its own forked process (Criterion), so assigning this process to a job stays in the test.
 */
#define _GNU_SOURCE
#include "winvm.h"
#include <winvm/iocp.h>
#include <winvm/job.h>

#include "testutil.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define CHILD WINVM_PE_IMAGES "/proc_child.exe"

static void setup(void)
{
    tu_need_pe(CHILD, NULL);
}

TestSuite(job, .init = setup, .timeout = 120);

/* A child that sleeps a minute (or exits with 3: "exit"), with flags. */
static BOOL spawn_flags(const char *what, DWORD flags, PROCESS_INFORMATION *pi)
{
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "proc_child %s", what);
    STARTUPINFOA si = {.cb = sizeof(si)};
    return CreateProcessA(CHILD, cmd, NULL, NULL, FALSE, flags, NULL, NULL, &si, pi);
}

static void spawn(const char *what, PROCESS_INFORMATION *pi)
{
    cr_assert(spawn_flags(what, 0, pi), "CreateProcess error %u", GetLastError());
}

static void done(PROCESS_INFORMATION *pi)
{
    TerminateProcess(pi->hProcess, 0);
    WaitForSingleObject(pi->hProcess, 10000);
    CloseHandle(pi->hProcess);
    CloseHandle(pi->hThread);
}

Test(job, kill_on_job_close_ends_the_member)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    cr_assert(job);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li = {0};
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    cr_assert(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof(li)));
    PROCESS_INFORMATION pi;
    spawn("sleep", &pi);
    cr_assert(AssignProcessToJobObject(job, pi.hProcess), "error %u", GetLastError());
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 300), WAIT_TIMEOUT, "the member runs while the job is open");
    cr_assert(CloseHandle(job));
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0, "the member ends with the job's last handle");
    cr_assert_eq(kill((pid_t)pi.dwProcessId, 0), -1, "the Linux process is gone");
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
}

Test(job, without_kill_on_close_the_member_lives_on)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    PROCESS_INFORMATION pi;
    spawn("sleep", &pi);
    cr_assert(AssignProcessToJobObject(job, pi.hProcess));
    CloseHandle(job);
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 500), WAIT_TIMEOUT);
    done(&pi);
}

Test(job, terminate_job_object_code_and_signal)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    PROCESS_INFORMATION pi, ended;
    cr_assert_eq(WaitForSingleObject(job, 0), WAIT_TIMEOUT);
    spawn("sleep", &pi);
    cr_assert(AssignProcessToJobObject(job, pi.hProcess));
    cr_assert(TerminateJobObject(job, 123));
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
    DWORD code = 0;
    cr_assert(GetExitCodeProcess(pi.hProcess, &code));
    cr_assert_eq(code, 123);
    cr_assert_eq(WaitForSingleObject(job, 1000), WAIT_OBJECT_0, "a terminated job is signalled");
    cr_assert_eq(WaitForSingleObject(job, 0), WAIT_OBJECT_0, "and stays so");
    /* an ended process cannot join (ERROR_ACCESS_DENIED) */
    spawn("exit 3", &ended);
    cr_assert_eq(WaitForSingleObject(ended.hProcess, 10000), WAIT_OBJECT_0);
    SetLastError(0xdeadbeef);
    cr_assert(!AssignProcessToJobObject(job, ended.hProcess));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED, "error %u", GetLastError());
    done(&ended);
    done(&pi);
    CloseHandle(job);
}

Test(job, process_list_and_accounting)
{
    char buf[sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST) + sizeof(ULONG_PTR) * 4];
    JOBOBJECT_BASIC_PROCESS_ID_LIST *l = (JOBOBJECT_BASIC_PROCESS_ID_LIST *)buf;
    HANDLE job = CreateJobObjectW(NULL, NULL);
    PROCESS_INFORMATION gone, pi[2];
    spawn("sleep", &gone);
    cr_assert(AssignProcessToJobObject(job, gone.hProcess));
    TerminateProcess(gone.hProcess, 0);
    cr_assert_eq(WaitForSingleObject(gone.hProcess, 10000), WAIT_OBJECT_0);
    DWORD len = 0;
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION a;
    for (int i = 0; i < 2; i++) {
        spawn("sleep", &pi[i]);
        cr_assert(AssignProcessToJobObject(job, pi[i].hProcess));
    }
    SetLastError(0xdeadbeef);
    cr_assert(!QueryInformationJobObject(job, JobObjectBasicProcessIdList, l, 8, &len));
    cr_assert_eq(GetLastError(), ERROR_BAD_LENGTH);
    SetLastError(0xdeadbeef);
    cr_assert(!QueryInformationJobObject(job, JobObjectBasicProcessIdList, l, 16, &len));
    cr_assert_eq(GetLastError(), ERROR_MORE_DATA);
    cr_assert(QueryInformationJobObject(job, JobObjectBasicProcessIdList, l, sizeof(buf), &len));
    cr_assert_eq(len, 8 + 2 * sizeof(ULONG_PTR));
    cr_assert_eq(l->NumberOfAssignedProcesses, 2, "only active processes are listed");
    cr_assert_eq(l->ProcessIdList[0], pi[0].dwProcessId);
    cr_assert_eq(l->ProcessIdList[1], pi[1].dwProcessId);
    cr_assert(QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &a, sizeof(a), &len));
    cr_assert_eq(len, sizeof(a));
    cr_assert_eq(a.TotalProcesses, 3, "every process that was ever in it");
    cr_assert_eq(a.ActiveProcesses, 2);
    JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION io;
    cr_assert(QueryInformationJobObject(job, JobObjectBasicAndIoAccountingInformation, &io, sizeof(io), &len));
    cr_assert_eq(len, sizeof(io));
    cr_assert_eq(io.BasicInfo.ActiveProcesses, 2);
    cr_assert_gt(io.IoInfo.ReadTransferCount, 0, "the members read their program");
    cr_assert_gt(io.IoInfo.ReadOperationCount, 0);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION e;
    cr_assert(!QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &e, sizeof(e) - 1, &len));
    cr_assert_eq(GetLastError(), ERROR_BAD_LENGTH);
    memset(&e, 0x11, sizeof(e));
    cr_assert(QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &e, sizeof(e), &len));
    cr_assert_eq(len, sizeof(e));
    cr_assert_eq(e.BasicLimitInformation.LimitFlags, 0);
    done(&pi[0]);
    cr_assert(QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &a, sizeof(a), &len));
    cr_assert_eq(a.ActiveProcesses, 1, "an ended member is no longer active");
    done(&pi[1]);
    done(&gone);
    CloseHandle(job);
}

/* The next packet: its message (the byte count), key and value (the pid). */
static void expect_msg(HANDLE port, DWORD msg, ULONG_PTR key, DWORD pid, DWORD ms)
{
    DWORD got = 0;
    ULONG_PTR k = 0;
    OVERLAPPED *ov = NULL;
    cr_assert(GetQueuedCompletionStatus(port, &got, &k, &ov, ms), "no packet (%u) for message %u", GetLastError(), msg);
    cr_assert_eq(got, msg);
    cr_assert_eq(k, key);
    cr_assert_eq((ULONG_PTR)ov, (ULONG_PTR)pid);
}

Test(job, completion_port_messages)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    PROCESS_INFORMATION pi, pi2;
    spawn("sleep", &pi2);
    cr_assert(AssignProcessToJobObject(job, pi2.hProcess));
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = {job, port};
    cr_assert(SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof(a)));
    SetLastError(0xdeadbeef);
    cr_assert(!SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof(a)));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER, "one port per job");
    spawn("sleep", &pi);
    cr_assert(AssignProcessToJobObject(job, pi.hProcess));
    expect_msg(port, JOB_OBJECT_MSG_NEW_PROCESS, (ULONG_PTR)job, pi2.dwProcessId, 0);
    expect_msg(port, JOB_OBJECT_MSG_NEW_PROCESS, (ULONG_PTR)job, pi.dwProcessId, 0);
    TerminateProcess(pi.hProcess, 0);
    WaitForSingleObject(pi.hProcess, 10000);
    expect_msg(port, JOB_OBJECT_MSG_EXIT_PROCESS, (ULONG_PTR)job, pi.dwProcessId, 5000);
    TerminateProcess(pi2.hProcess, 0);
    WaitForSingleObject(pi2.hProcess, 10000);
    expect_msg(port, JOB_OBJECT_MSG_EXIT_PROCESS, (ULONG_PTR)job, pi2.dwProcessId, 5000);
    expect_msg(port, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, (ULONG_PTR)job, 0, 5000);
    done(&pi);
    done(&pi2);
    CloseHandle(job);
    CloseHandle(port);
}

Test(job, active_process_limit)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    JOBOBJECT_BASIC_LIMIT_INFORMATION b = {0};
    b.LimitFlags = JOB_OBJECT_LIMIT_ACTIVE_PROCESS, b.ActiveProcessLimit = 1;
    cr_assert(SetInformationJobObject(job, JobObjectBasicLimitInformation, &b, sizeof(b)));
    b.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE; /* an extended flag in the basic class */
    SetLastError(0xdeadbeef);
    cr_assert(!SetInformationJobObject(job, JobObjectBasicLimitInformation, &b, sizeof(b)));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    PROCESS_INFORMATION one, two;
    spawn("sleep", &one);
    spawn("sleep", &two);
    cr_assert(AssignProcessToJobObject(job, one.hProcess));
    SetLastError(0xdeadbeef);
    cr_assert(!AssignProcessToJobObject(job, two.hProcess));
    cr_assert_eq(GetLastError(), ERROR_NOT_ENOUGH_QUOTA, "error %u", GetLastError());
    cr_assert_eq(WaitForSingleObject(two.hProcess, 10000), WAIT_OBJECT_0, "the process past the limit ends");
    BOOL in = TRUE;
    cr_assert(IsProcessInJob(two.hProcess, job, &in));
    cr_assert(!in);
    done(&one);
    done(&two);
    CloseHandle(job);
}

Test(job, children_of_a_process_in_a_job_join_it)
{
    HANDLE outer = CreateJobObjectW(NULL, NULL);
    BOOL in = TRUE;
    cr_assert(IsProcessInJob(GetCurrentProcess(), NULL, &in));
    cr_assert(!in);
    cr_assert(AssignProcessToJobObject(outer, GetCurrentProcess()));
    cr_assert(IsProcessInJob(GetCurrentProcess(), outer, &in) && in);
    PROCESS_INFORMATION pi;
    spawn("sleep", &pi);
    cr_assert(IsProcessInJob(pi.hProcess, outer, &in) && in, "a child joins its creator's job");
    done(&pi);

    /* nested: the inner job becomes the outer one's child */
    HANDLE inner = CreateJobObjectW(NULL, NULL);
    cr_assert(AssignProcessToJobObject(inner, GetCurrentProcess()), "error %u", GetLastError());
    SetLastError(0xdeadbeef);
    cr_assert(!spawn_flags("exit 3", CREATE_BREAKAWAY_FROM_JOB, &pi));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED, "breakaway needs the job's permission");
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li = {0};
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_BREAKAWAY_OK;
    cr_assert(SetInformationJobObject(inner, JobObjectExtendedLimitInformation, &li, sizeof(li)));
    cr_assert(spawn_flags("sleep", CREATE_BREAKAWAY_FROM_JOB, &pi));
    cr_assert(IsProcessInJob(pi.hProcess, inner, &in) && !in, "broke away from the inner job");
    cr_assert(IsProcessInJob(pi.hProcess, outer, &in) && in, "but not from the outer one");
    done(&pi);
    cr_assert(SetInformationJobObject(outer, JobObjectExtendedLimitInformation, &li, sizeof(li)));
    cr_assert(spawn_flags("sleep", CREATE_BREAKAWAY_FROM_JOB, &pi));
    cr_assert(IsProcessInJob(pi.hProcess, outer, &in) && !in, "broke away from both");
    cr_assert(IsProcessInJob(pi.hProcess, NULL, &in) && !in);
    done(&pi);
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
    cr_assert(SetInformationJobObject(inner, JobObjectExtendedLimitInformation, &li, sizeof(li)));
    spawn("sleep", &pi);
    cr_assert(IsProcessInJob(pi.hProcess, inner, &in) && !in, "silent breakaway without the flag");
    done(&pi);
}

Test(job, ntdll_names_and_statuses)
{
    WCHAR path[] = u"\\BaseNamedObjects\\wvtest_job_names";
    UNICODE_STRING us = {sizeof(path) - 2, sizeof(path), path};
    OBJECT_ATTRIBUTES oa = {sizeof(oa), NULL, &us, 0, NULL, NULL};
    HANDLE h = NULL, h2 = NULL;
    cr_assert_eq(NtCreateJobObject(&h, JOB_OBJECT_ALL_ACCESS, &oa), STATUS_SUCCESS);
    cr_assert_eq(NtCreateJobObject(&h2, JOB_OBJECT_ALL_ACCESS, &oa), STATUS_OBJECT_NAME_COLLISION);
    cr_assert_eq(NtOpenJobObject(&h2, JOB_OBJECT_QUERY, &oa), STATUS_SUCCESS);
    cr_assert_eq(NtTerminateJobObject(h2, 1), STATUS_ACCESS_DENIED, "a query handle may not terminate");
    cr_assert_eq(NtOpenJobObject(&h2, JOB_OBJECT_QUERY, NULL), STATUS_INVALID_PARAMETER);
    cr_assert_eq(NtCreateJobObject((HANDLE *)0xdeadbee0, GENERIC_ALL, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtIsProcessInJob(GetCurrentProcess(), h), STATUS_PROCESS_NOT_IN_JOB);
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    cr_assert_eq(NtIsProcessInJob(GetCurrentProcess(), ev), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtAssignProcessToJobObject(h, ev), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtQueryInformationJobObject(h, (JOBOBJECTINFOCLASS)99, NULL, 0, NULL), STATUS_INVALID_INFO_CLASS);
    CloseHandle(ev);
    CloseHandle(h2);
    CloseHandle(h);
    cr_assert_eq(NtOpenJobObject(&h2, JOB_OBJECT_QUERY, &oa), STATUS_OBJECT_NAME_NOT_FOUND, "gone with its handles");
    /* kernel32: a second Create opens it with ERROR_ALREADY_EXISTS */
    HANDLE a = CreateJobObjectA(NULL, "wvtest_job_k32");
    cr_assert(a);
    HANDLE b = CreateJobObjectA(NULL, "wvtest_job_k32");
    cr_assert(b && GetLastError() == ERROR_ALREADY_EXISTS);
    HANDLE c = OpenJobObjectA(JOB_OBJECT_QUERY, FALSE, "Local\\wvtest_job_k32");
    cr_assert(c);
    cr_assert(!OpenJobObjectA(JOB_OBJECT_QUERY, FALSE, "wvtest_job_none"));
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    CloseHandle(a), CloseHandle(b), CloseHandle(c);
}

Test(job, end_of_job_time_posts)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = {(PVOID)7, port};
    cr_assert(SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof(a)));
    JOBOBJECT_END_OF_JOB_TIME_INFORMATION eoj = {JOB_OBJECT_POST_AT_END_OF_JOB};
    cr_assert(SetInformationJobObject(job, JobObjectEndOfJobTimeInformation, &eoj, sizeof(eoj)));
    cr_assert(AssignProcessToJobObject(job, GetCurrentProcess()));
    JOBOBJECT_BASIC_LIMIT_INFORMATION b = {0};
    b.LimitFlags = JOB_OBJECT_LIMIT_JOB_TIME;
    b.PerJobUserTimeLimit.QuadPart = 2000000; /* 200 ms of user time */
    cr_assert(SetInformationJobObject(job, JobObjectBasicLimitInformation, &b, sizeof(b)));
    expect_msg(port, JOB_OBJECT_MSG_NEW_PROCESS, 7, (DWORD)getpid(), 0);
    volatile unsigned long x = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do { /* burn user time */
        for (int i = 0; i < 1000000; i++)
            x += (unsigned long)i;
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (t.tv_sec - t0.tv_sec < 2);
    expect_msg(port, JOB_OBJECT_MSG_END_OF_JOB_TIME, 7, 0, 5000);
    DWORD len;
    cr_assert(QueryInformationJobObject(job, JobObjectBasicLimitInformation, &b, sizeof(b), &len));
    cr_assert_eq(b.LimitFlags & JOB_OBJECT_LIMIT_JOB_TIME, 0, "the posted limit is dropped");
    cr_assert_eq(WaitForSingleObject(job, 0), WAIT_TIMEOUT, "posting does not signal");
}

/* The state letter of /proc/PID/stat ('Z' a zombie), or 0 when the process is gone. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    return p && p[1] ? p[2] : 0;
}

/* The job's process ends: its kill-on-close members end with it (its handles close then on
 * Windows).  The owner is a forked copy of this test, so its exit ends nothing else. */
Test(job, kill_on_close_members_end_with_the_owner)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t owner = fork();
    cr_assert(owner >= 0);
    if (owner == 0) {
        close(fds[0]);
        HANDLE job = CreateJobObjectW(NULL, NULL);
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION li = {0};
        li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        PROCESS_INFORMATION pi;
        DWORD pid = 0;
        if (job && SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof(li)) &&
            spawn_flags("sleep", 0, &pi) && AssignProcessToJobObject(job, pi.hProcess))
            pid = pi.dwProcessId;
        if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid))
            _exit(2);
        ExitProcess(0);
    }
    close(fds[1]);
    DWORD pid = 0;
    cr_assert_eq(read(fds[0], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
    cr_assert_neq(pid, 0, "the owner made its job");
    int st;
    cr_assert_eq(waitpid(owner, &st, 0), owner);
    char s = 'R';
    for (int i = 0; i < 100 && (s = proc_state((pid_t)pid)) && s != 'Z'; i++)
        usleep(50000);
    cr_assert(!s || s == 'Z', "the member still runs (state %c)", s);
}

/* Kills the children of pid (a child broken away from the job is nobody's to end). */
static void kill_children_of(pid_t pid)
{
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[300], buf[512];
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *f = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? fopen(path, "r") : NULL;
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        const char *p = strrchr(buf, ')');
        int ppid = 0;
        if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == pid)
            kill(atoi(e->d_name), SIGKILL);
    }
    if (d)
        closedir(d);
}

/* The active members' pids into out (cap): how many. */
static DWORD job_pids(HANDLE job, DWORD *out, DWORD cap)
{
    char buf[sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST) + sizeof(ULONG_PTR) * 8];
    JOBOBJECT_BASIC_PROCESS_ID_LIST *l = (JOBOBJECT_BASIC_PROCESS_ID_LIST *)buf;
    DWORD len;
    if (!QueryInformationJobObject(job, JobObjectBasicProcessIdList, l, sizeof(buf), &len))
        return 0;
    for (DWORD i = 0; i < l->NumberOfProcessIdsInList && i < cap; i++)
        out[i] = (DWORD)l->ProcessIdList[i];
    return l->NumberOfProcessIdsInList;
}

/* A member that is another process: the child it creates joins the job (it asks this process
 * over the channel), and ends with the job; one that breaks away does not join. */
Test(job, a_members_child_joins_and_ends_with_the_job)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li = {0};
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    cr_assert(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof(li)));
    PROCESS_INFORMATION pi;
    cr_assert(spawn_flags("spawn", CREATE_SUSPENDED, &pi));
    cr_assert(AssignProcessToJobObject(job, pi.hProcess));
    ResumeThread(pi.hThread);
    DWORD pids[8] = {0}, n = 0;
    for (int i = 0; i < 200 && (n = job_pids(job, pids, 8)) < 2; i++)
        usleep(50000);
    cr_assert_eq(n, 2, "the member's child is in the job");
    cr_assert_eq(pids[0], pi.dwProcessId);
    DWORD grandchild = pids[1];
    HANDLE g = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, grandchild);
    cr_assert(g);
    BOOL in = FALSE;
    cr_assert(IsProcessInJob(g, job, &in) && in);
    CloseHandle(job);
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(g, 10000), WAIT_OBJECT_0, "the member's child ended with the job");
    CloseHandle(g);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);

    /* CREATE_BREAKAWAY_FROM_JOB from a member: refused without BREAKAWAY_OK (the child is not
     * made: the member exits 7), allowed with it (the job keeps one process) */
    job = CreateJobObjectW(NULL, NULL);
    char flags[32];
    snprintf(flags, sizeof(flags), "spawn 0x%x", CREATE_BREAKAWAY_FROM_JOB);
    cr_assert(spawn_flags(flags, CREATE_SUSPENDED, &pi));
    cr_assert(AssignProcessToJobObject(job, pi.hProcess));
    ResumeThread(pi.hThread);
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
    DWORD code = 0;
    cr_assert(GetExitCodeProcess(pi.hProcess, &code));
    cr_assert_eq(code, 7, "the breakaway was refused");
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_BREAKAWAY_OK;
    cr_assert(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof(li)));
    cr_assert(spawn_flags(flags, CREATE_SUSPENDED, &pi));
    cr_assert(AssignProcessToJobObject(job, pi.hProcess));
    ResumeThread(pi.hThread);
    usleep(1500000);
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 0), WAIT_TIMEOUT, "the member made its child");
    cr_assert_eq(job_pids(job, pids, 8), 1, "the child broke away");
    kill_children_of((pid_t)pi.dwProcessId);
    TerminateJobObject(job, 0);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    CloseHandle(job);
}
