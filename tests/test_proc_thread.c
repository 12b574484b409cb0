/* SPDX-License-Identifier: MIT */
/* test_proc_thread.c - thread handles across processes, with real processes: a thread of this
 * process duplicated into a forked Linux process serving its channel (both sides check: ids,
 * STILL_ACTIVE, a suspension the owner sees, rights one by one, the wait for its end and its
 * code, an ended thread's answers), TerminateThread from the other process, a thread taken out
 * of another process whose process then exits (its code becomes the thread's), and the PE
 * program tests/images/procthread.c (inheritance, DuplicateHandle out of the parent). */
#define _GNU_SOURCE
#include "winvm.h"

#include "testutil.h"

#include <criterion/criterion.h>
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

TestSuite(proc_thread, .timeout = 120);

static HANDLE go;

static DWORD WINAPI blocked(LPVOID arg)
{
    WaitForSingleObject(go, INFINITE);
    return (DWORD)(uintptr_t)arg;
}

/* A forked child serving its channel; to/from: pipes to it. */
static pid_t child(int (*body)(int in, int out), int *to, int *from)
{
    int a[2], b[2];
    cr_assert(pipe(a) == 0 && pipe(b) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(a[1]), close(b[0]);
        char ok = winvm_serve_channel() ? 'y' : 'n';
        if (write(b[1], &ok, 1) != 1)
            _exit(90);
        _exit(body(a[0], b[1]));
    }
    close(a[0]), close(b[1]);
    char ok = 0;
    cr_assert_eq(read(b[0], &ok, 1), 1);
    cr_assert_eq(ok, 'y');
    *to = a[1], *from = b[0];
    return pid;
}

static int reap(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void put(int fd, uint64_t v) { cr_assert_eq(write(fd, &v, sizeof(v)), (ssize_t)sizeof(v)); }

static uint64_t get(int fd)
{
    uint64_t v = 0;
    return read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v) ? v : 0;
}

/* Duplicates h into pid with access (0: the same). */
static HANDLE give(pid_t pid, HANDLE h, DWORD access)
{
    HANDLE p = OpenProcess(PROCESS_DUP_HANDLE, FALSE, (DWORD)pid), remote = NULL;
    cr_assert(p, "error %u", GetLastError());
    cr_assert(DuplicateHandle(GetCurrentProcess(), h, p, &remote, access, FALSE, access ? 0 : DUPLICATE_SAME_ACCESS),
              "error %u", GetLastError());
    CloseHandle(p);
    return remote;
}

/* The child's side: checks on the thread handles it is given (all access, then SYNCHRONIZE |
 * THREAD_QUERY_LIMITED_INFORMATION); the number of the failed check, or 0. */
static int holder(int in, int out)
{
    HANDLE h = (HANDLE)(uintptr_t)get(in), lim = (HANDLE)(uintptr_t)get(in);
    DWORD tid = (DWORD)get(in), code = 0;
    if (GetThreadId(h) != tid || GetThreadId(lim) != tid)
        return 1;
    if (GetProcessIdOfThread(h) != (DWORD)getppid())
        return 2;
    if (!GetExitCodeThread(h, &code) || code != STILL_ACTIVE || WaitForSingleObject(lim, 0) != WAIT_TIMEOUT)
        return 3;
    SetLastError(0);
    if (SuspendThread(lim) != (DWORD)-1 || GetLastError() != ERROR_ACCESS_DENIED)
        return 4;
    SetLastError(0);
    if (TerminateThread(lim, 1) || GetLastError() != ERROR_ACCESS_DENIED)
        return 5;
    if (SuspendThread(h) != 0 || SuspendThread(h) != 1)
        return 6;
    put(out, 1); /* the parent checks the count */
    if (get(in) != 2 || ResumeThread(h) != 2 || ResumeThread(h) != 1)
        return 7;
    put(out, 2); /* the parent lets it end */
    if (WaitForSingleObject(lim, 30000) != WAIT_OBJECT_0 || !GetExitCodeThread(lim, &code) || code != 42)
        return 8;
    SetLastError(0);
    if (SuspendThread(h) != (DWORD)-1 || GetLastError() != ERROR_ACCESS_DENIED || ResumeThread(h) != 0)
        return 9;
    if (!TerminateThread(h, 5) || !GetExitCodeThread(h, &code) || code != 42)
        return 10;
    return CloseHandle(h) && CloseHandle(lim) ? 0 : 11;
}

Test(proc_thread, thread_duplicated_into_another_process)
{
    int to, from;
    pid_t pid = child(holder, &to, &from); /* forked before a thread waits (the wait's condition) */
    go = CreateEventA(NULL, TRUE, FALSE, NULL);
    DWORD tid = 0;
    HANDLE th = CreateThread(NULL, 0, blocked, (LPVOID)42, 0, &tid);
    cr_assert(th);
    put(to, (uintptr_t)give(pid, th, 0));
    put(to, (uintptr_t)give(pid, th, SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION));
    put(to, tid);
    cr_assert_eq(get(from), 1, "child check %d failed", reap(pid));
    cr_assert_eq(SuspendThread(th), 2, "the child's two suspensions are the thread's");
    cr_assert_eq(ResumeThread(th), 3);
    put(to, 2);
    cr_assert_eq(get(from), 2, "child check %d failed", reap(pid));
    SetEvent(go);
    cr_assert_eq(reap(pid), 0, "a child check failed");
    DWORD code = 0;
    cr_assert(GetExitCodeThread(th, &code));
    cr_assert_eq(code, 42);
    CloseHandle(th), CloseHandle(go);
}

static int terminator(int in, int out)
{
    HANDLE h = (HANDLE)(uintptr_t)get(in);
    if (!TerminateThread(h, 7))
        return 1;
    if (WaitForSingleObject(h, 30000) != WAIT_OBJECT_0)
        return 2;
    DWORD code = 0;
    return GetExitCodeThread(h, &code) && code == 7 ? 0 : 3;
}

Test(proc_thread, terminated_from_another_process)
{
    int to, from;
    pid_t pid = child(terminator, &to, &from); /* forked before a thread waits */
    go = CreateEventA(NULL, TRUE, FALSE, NULL); /* never set: it waits until terminated */
    HANDLE th = CreateThread(NULL, 0, blocked, (LPVOID)1, 0, NULL);
    cr_assert(th);
    put(to, (uintptr_t)give(pid, th, SYNCHRONIZE | THREAD_TERMINATE | THREAD_QUERY_INFORMATION));
    cr_assert_eq(reap(pid), 0, "a child check failed");
    cr_assert_eq(WaitForSingleObject(th, 30000), WAIT_OBJECT_0);
    DWORD code = 0;
    cr_assert(GetExitCodeThread(th, &code));
    cr_assert_eq(code, 7);
    CloseHandle(th), CloseHandle(go);
}

/* The child makes a thread that never ends, tells its handle value, and exits with 5 when told. */
static int exiter(int in, int out)
{
    go = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE th = CreateThread(NULL, 0, blocked, (LPVOID)1, 0, NULL);
    put(out, (uintptr_t)th);
    get(in);
    ExitProcess(5);
}

Test(proc_thread, taken_out_of_a_process_that_exits)
{
    int to, from;
    /* Forked before this process has a thread: the channel's listener, started first, could be
     * inside the allocator at the fork (its start frees memory), and GCC 12's AddressSanitizer
     * allocator, unlike glibc's malloc, takes no lock around fork(), so the child's first malloc
     * waited forever on the size-class lock that thread held (one run in four under ASan). */
    pid_t pid = child(exiter, &to, &from);
    cr_assert(winvm_serve_channel()); /* the holder serves too, as a winvm program does */
    HANDLE src = (HANDLE)(uintptr_t)get(from), p = OpenProcess(PROCESS_DUP_HANDLE, FALSE, (DWORD)pid), h = NULL;
    cr_assert(p);
    cr_assert(DuplicateHandle(p, src, GetCurrentProcess(), &h, 0, FALSE, DUPLICATE_SAME_ACCESS), "error %u",
              GetLastError());
    DWORD code = 0;
    cr_assert(GetExitCodeThread(h, &code));
    cr_assert_eq(code, STILL_ACTIVE);
    cr_assert_eq(GetProcessIdOfThread(h), (DWORD)pid);
    cr_assert_eq(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
    put(to, 1);
    cr_assert_eq(WaitForSingleObject(h, 30000), WAIT_OBJECT_0);
    cr_assert(GetExitCodeThread(h, &code), "error %u", GetLastError());
    cr_assert_eq(code, 5, "the process's exit code is its threads'");
    cr_assert_eq(reap(pid), 5);
    CloseHandle(h), CloseHandle(p);
}

/* Runs a PE program of the test images under `winvm run`: exit 0, no FAIL, each line of must. */
static void pe_checks(const char *exe, const char *const *must, size_t n)
{
    tu_need_pe(exe, NULL);
    char out[] = "/tmp/wvpthr-XXXXXX", cmd[512];
    int fd = mkstemp(out);
    cr_assert_geq(fd, 0);
    close(fd);
    snprintf(cmd, sizeof(cmd), "%s run %s >%s 2>&1", WINVM_CLI, exe, out);
    int st = system(cmd);
    const char *text = tu_slurp(out);
    unlink(out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d:\n%s", st, text);
    cr_assert(!strstr(text, "FAIL"), "%s", text);
    for (size_t i = 0; i < n; i++)
        cr_assert(strstr(text, must[i]), "missing %s in:\n%s", must[i], text);
}

Test(proc_thread, pe_inherits_and_takes_thread_handles)
{
    const char *must[] = {"ok child_take_thread_from_parent", "ok child_thread_id", "ok child_process_id_of_thread",
                          "ok child_still_active", "ok child_suspend_needs_right", "ok child_terminate_needs_right",
                          "ok child_suspend", "ok parent_sees_child_suspension", "ok child_resume",
                          "ok child_wait_thread_end", "ok child_exit_code", "ok child_exit_code_limited",
                          "ok child_suspend_ended", "ok child_terminate_ended", "ok parent_child_main_thread",
                          "ok parent_child_passed"};
    pe_checks(EXE("procthread.exe"), must, sizeof(must) / sizeof(must[0]));
}

/* NtSuspendProcess / NtResumeProcess on a real child (tests/images/procsusp.c lists the
 * checks): the main thread's count follows, bad handles and rights are refused. */
Test(proc_thread, pe_suspends_and_resumes_a_process)
{
    const char *must[] = {"ok child_runs", "ok bad_handles", "ok suspend_count", "ok twice", "ok extra_resume",
                          "ok runs_again"};
    pe_checks(EXE("procsusp.exe"), must, sizeof(must) / sizeof(must[0]));
}
