/* SPDX-License-Identifier: MIT */
/* test_thread.c - CreateThread & co. for C callers: start, exit codes, ExitThread, waits with
 * and without timeout, CREATE_SUSPENDED, bad handles, exceptions inside a new thread. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int release_flag;

static DWORD WINAPI returns_arg(LPVOID arg) { return (DWORD)(uintptr_t)arg; }

static DWORD WINAPI waits_for_flag(LPVOID arg)
{
    (void)arg;
    while (!__atomic_load_n(&release_flag, __ATOMIC_ACQUIRE))
        usleep(1000);
    return 9;
}

static void nested_exit(DWORD code) { ExitThread(code); }

static DWORD WINAPI exits_early(LPVOID arg)
{
    nested_exit(77);
    *(volatile int *)arg = 1; /* never reached */
    return 0;
}

Test(thread, exit_code_and_wait)
{
    DWORD tid = 0;
    HANDLE h = CreateThread(NULL, 0, returns_arg, (LPVOID)1234, 0, &tid);
    cr_assert_not_null(h, "%u", GetLastError());
    cr_assert_neq(tid, 0);
    cr_assert_neq(tid, GetCurrentThreadId());
    cr_assert_eq(GetThreadId(h), tid);
    cr_assert_eq(WaitForSingleObject(h, INFINITE), WAIT_OBJECT_0);
    DWORD code = 0;
    cr_assert(GetExitCodeThread(h, &code));
    cr_assert_eq(code, 1234);
    cr_assert_eq(WaitForSingleObject(h, 0), WAIT_OBJECT_0, "stays signalled");
    cr_assert(CloseHandle(h));
}

Test(thread, still_active_and_timeout)
{
    release_flag = 0;
    HANDLE h = CreateThread(NULL, 0, waits_for_flag, NULL, 0, NULL);
    cr_assert_not_null(h);
    DWORD code = 0;
    cr_assert(GetExitCodeThread(h, &code));
    cr_assert_eq(code, STILL_ACTIVE);
    cr_assert_eq(WaitForSingleObject(h, 30), WAIT_TIMEOUT);
    __atomic_store_n(&release_flag, 1, __ATOMIC_RELEASE);
    cr_assert_eq(WaitForSingleObject(h, 5000), WAIT_OBJECT_0);
    cr_assert(GetExitCodeThread(h, &code));
    cr_assert_eq(code, 9);
    CloseHandle(h);
}

Test(thread, exit_thread_from_a_nested_call)
{
    volatile int after = 0;
    HANDLE h = CreateThread(NULL, 0, exits_early, (LPVOID)&after, 0, NULL);
    cr_assert_eq(WaitForSingleObject(h, INFINITE), WAIT_OBJECT_0);
    DWORD code = 0;
    GetExitCodeThread(h, &code);
    cr_assert_eq(code, 77);
    cr_assert_eq(after, 0, "nothing after ExitThread runs");
    CloseHandle(h);
}

static volatile int ran;
static DWORD WINAPI marks(LPVOID arg)
{
    (void)arg;
    ran = 1;
    return 0;
}

Test(thread, suspended_until_resumed)
{
    ran = 0;
    HANDLE h = CreateThread(NULL, 0, marks, NULL, CREATE_SUSPENDED, NULL);
    cr_assert_not_null(h);
    usleep(50000);
    cr_assert_eq(ran, 0);
    cr_assert_eq(ResumeThread(h), 1, "the previous suspend count");
    cr_assert_eq(WaitForSingleObject(h, 5000), WAIT_OBJECT_0);
    cr_assert_eq(ran, 1);
    cr_assert_eq(ResumeThread(h), 0);
    CloseHandle(h);
}

static void write_it(void *p) { *(volatile char *)p = 1; }

static DWORD WINAPI faults_inside(LPVOID arg)
{
    EXCEPTION_RECORD rec;
    return winvm_try(write_it, arg, &rec); /* needs this thread's alternate signal stack */
}

Test(thread, exceptions_in_a_new_thread)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    HANDLE h = CreateThread(NULL, 0, faults_inside, p, 0, NULL);
    cr_assert_eq(WaitForSingleObject(h, 5000), WAIT_OBJECT_0);
    DWORD code = 0;
    GetExitCodeThread(h, &code);
    cr_assert_eq(code, STATUS_ACCESS_VIOLATION);
    CloseHandle(h);
    VirtualFree(p, 0, MEM_RELEASE);
}

Test(thread, bad_arguments)
{
    SetLastError(SENTINEL);
    cr_assert_null(CreateThread(NULL, 0, NULL, NULL, 0, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_null(CreateThread(NULL, 0, marks, NULL, 0x80000000u, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_eq(WaitForSingleObject((HANDLE)0x1234, 0), WAIT_FAILED);
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    DWORD code;
    cr_assert(!GetExitCodeThread(NULL, &code));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    HANDLE f = GetStdHandle(STD_ERROR_HANDLE);
    cr_assert_eq(WaitForSingleObject(f, 0), WAIT_FAILED, "a file is not a thread (not waitable here)");
}

/* The thread id is kept in a thread variable (base/tid.c): a forked child's thread has a new
 * id, and GetCurrentThreadId there must say so, not the parent thread's. */
Test(thread, current_thread_id_after_fork)
{
    DWORD here = GetCurrentThreadId();
    cr_assert_eq(here, (DWORD)syscall(SYS_gettid));
    pid_t pid = fork();
    if (pid == 0)
        _exit(GetCurrentThreadId() == (DWORD)syscall(SYS_gettid) && GetCurrentThreadId() != here ? 0 : 1);
    int st = -1;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's GetCurrentThreadId was the parent's");
    cr_assert_eq(GetCurrentThreadId(), here);
}

/* A thread winvm did not start (a C program's pthread) opens itself by its id, as any Windows
 * thread can: the id is its own even before winvm has seen the thread. */
static void *open_self(void *arg)
{
    DWORD tid = GetCurrentThreadId();
    HANDLE h = OpenThread(THREAD_QUERY_INFORMATION, FALSE, tid);
    DWORD code = 0;
    bool ok = h && GetThreadId(h) == tid && GetExitCodeThread(h, &code) && code == STILL_ACTIVE;
    if (h)
        CloseHandle(h);
    *(bool *)arg = ok;
    return NULL;
}

Test(thread, a_pthread_opens_itself_by_its_id)
{
    bool ok = false;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, open_self, &ok), 0);
    pthread_join(t, NULL);
    cr_assert(ok, "OpenThread(own id) from a pthread winvm did not start");
}
