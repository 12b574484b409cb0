/* SPDX-License-Identifier: MIT */
/* test_named_sync.c - named events, mutexes and semaphores across real processes: forked
 * children of this Linux program (linked with libwinvm) and a PE parent under `winvm run`
 * with the child it creates (tests/images/nsync.c). */
#define _GNU_SOURCE
#include "winvm.h"

#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

TestSuite(named_sync, .timeout = 120);

/* A name of this test and process, so runs never meet. */
static const char *nm(const char *what)
{
    static char buf[4][96];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "wvnstest-%s-%d", what, (int)getpid());
    return buf[k];
}

/* The exit code of child pid (-1 when it did not exit). */
static int reap(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void nap(int ms) { nanosleep(&(struct timespec){0, ms * 1000000L}, NULL); }

Test(named_sync, event_set_in_one_process_wakes_a_waiter_in_another)
{
    const char *name = nm("ev");
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, name);
    cr_assert(e);
    cr_assert_eq(GetLastError(), 0);
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE h = OpenEventA(SYNCHRONIZE, FALSE, name);
        DWORD first = h ? WaitForSingleObject(h, 20000) : WAIT_FAILED;
        DWORD again = h ? WaitForSingleObject(h, 100) : WAIT_FAILED; /* auto-reset: reset by the wait */
        _exit(first == WAIT_OBJECT_0 && again == WAIT_TIMEOUT ? 0 : 1);
    }
    nap(300);
    cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "the child did not wait");
    cr_assert(SetEvent(e));
    cr_assert_eq(reap(pid), 0);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_TIMEOUT, "the child's wait took the signal");
    CloseHandle(e);
}

Test(named_sync, semaphore_counts_across_processes)
{
    const char *name = nm("sem");
    HANDLE s = CreateSemaphoreA(NULL, 0, 3, name);
    cr_assert(s);
    pid_t poster = fork();
    if (poster == 0) {
        HANDLE h = OpenSemaphoreA(SEMAPHORE_MODIFY_STATE, FALSE, name);
        LONG prev = -1;
        _exit(h && ReleaseSemaphore(h, 2, &prev) && prev == 0 ? 0 : 1);
    }
    cr_assert_eq(reap(poster), 0);
    cr_assert_eq(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(s, 0), WAIT_TIMEOUT);
    pid_t waiter = fork();
    if (waiter == 0) {
        HANDLE h = OpenSemaphoreA(SYNCHRONIZE, FALSE, name);
        _exit(h && WaitForSingleObject(h, 20000) == WAIT_OBJECT_0 ? 0 : 1);
    }
    nap(300);
    cr_assert_eq(waitpid(waiter, NULL, WNOHANG), 0, "the waiter did not wait");
    LONG prev = -1;
    cr_assert(ReleaseSemaphore(s, 1, &prev));
    cr_assert_eq(prev, 0);
    cr_assert_eq(reap(waiter), 0);
    cr_assert(ReleaseSemaphore(s, 3, &prev));
    cr_assert_eq(prev, 0, "the waiter took the one posted");
    cr_assert(!ReleaseSemaphore(s, 1, &prev));
    cr_assert_eq(GetLastError(), ERROR_TOO_MANY_POSTS);
    CloseHandle(s);
}

/* A child that owns the named mutex, then sleeps until killed. */
static pid_t owner_child(const char *name)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE m = CreateMutexA(NULL, TRUE, name);
        char c = m && GetLastError() == ERROR_ALREADY_EXISTS ? 'o' : 'x';
        if (c == 'o' && WaitForSingleObject(m, 0) != WAIT_OBJECT_0) /* not the initial owner: take it */
            c = 'x';
        write(p[1], &c, 1);
        for (;;)
            pause();
    }
    char c = 0;
    close(p[1]);
    cr_assert_eq(read(p[0], &c, 1), 1);
    close(p[0]);
    cr_assert_eq(c, 'o');
    return pid;
}

Test(named_sync, mutex_of_a_killed_owner_is_abandoned_to_the_next_waiter)
{
    const char *name = nm("mx");
    HANDLE m = CreateMutexA(NULL, FALSE, name);
    cr_assert(m);
    pid_t owner = owner_child(name);
    cr_assert_eq(WaitForSingleObject(m, 100), WAIT_TIMEOUT);
    cr_assert(!ReleaseMutex(m));
    cr_assert_eq(GetLastError(), ERROR_NOT_OWNER);
    pid_t waiter = fork();
    if (waiter == 0) {
        HANDLE h = OpenMutexA(SYNCHRONIZE, FALSE, name);
        DWORD r = h ? WaitForSingleObject(h, 20000) : WAIT_FAILED;
        /* it owns it now: recursion, then release twice */
        int ok = r == WAIT_ABANDONED && WaitForSingleObject(h, 0) == WAIT_OBJECT_0 && ReleaseMutex(h) &&
                 ReleaseMutex(h) && !ReleaseMutex(h) && GetLastError() == ERROR_NOT_OWNER;
        _exit(ok ? 0 : 1);
    }
    nap(300);
    cr_assert_eq(waitpid(waiter, NULL, WNOHANG), 0, "the waiter did not wait");
    kill(owner, SIGKILL);
    cr_assert_eq(reap(owner), -1);
    cr_assert_eq(reap(waiter), 0);
    cr_assert_eq(WaitForSingleObject(m, 0), WAIT_OBJECT_0, "released by the waiter");
    cr_assert(ReleaseMutex(m));
    CloseHandle(m);
}

static void *take_and_end(void *name)
{
    HANDLE m = OpenMutexA(SYNCHRONIZE, FALSE, name);
    return (void *)(intptr_t)(m && WaitForSingleObject(m, 0) == WAIT_OBJECT_0); /* ends owning it */
}

Test(named_sync, mutex_of_an_ended_thread_is_abandoned)
{
    const char *name = nm("mxthr");
    HANDLE m = CreateMutexA(NULL, FALSE, name);
    cr_assert(m);
    pthread_t t;
    void *took = NULL;
    cr_assert_eq(pthread_create(&t, NULL, take_and_end, (void *)name), 0);
    cr_assert_eq(pthread_join(t, &took), 0);
    cr_assert(took);
    HANDLE two[2] = {CreateEventA(NULL, TRUE, FALSE, NULL), m};
    cr_assert_eq(WaitForMultipleObjects(2, two, FALSE, 5000), WAIT_ABANDONED_0 + 1);
    cr_assert_eq(WaitForSingleObject(m, 0), WAIT_OBJECT_0, "owned now: recursion");
    cr_assert(ReleaseMutex(m) && ReleaseMutex(m));
    cr_assert(!ReleaseMutex(m));
    cr_assert_eq(GetLastError(), ERROR_NOT_OWNER);
    CloseHandle(two[0]), CloseHandle(m);
}

Test(named_sync, names_kinds_and_errors)
{
    const char *name = nm("names");
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, name);
    cr_assert(e);
    HANDLE again = CreateEventA(NULL, FALSE, TRUE, name);
    cr_assert(again);
    cr_assert_eq(GetLastError(), ERROR_ALREADY_EXISTS);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_TIMEOUT, "the second Create's initial state is ignored");
    cr_assert(SetEvent(again));
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0, "manual reset, as first created");
    SetLastError(0);
    cr_assert_null(CreateMutexA(NULL, FALSE, name));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert_null(CreateSemaphoreA(NULL, 1, 1, name));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert_null(OpenMutexA(SYNCHRONIZE, FALSE, name));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, name));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert_null(OpenEventA(SYNCHRONIZE, FALSE, nm("missing")));
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    cr_assert_null(OpenEventA(SYNCHRONIZE, FALSE, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    char local[128], global[128];
    snprintf(local, sizeof(local), "Local\\%s", name);
    snprintf(global, sizeof(global), "Global\\%s", name);
    HANDLE l = OpenEventA(SYNCHRONIZE, FALSE, local), g = OpenEventA(EVENT_MODIFY_STATE, FALSE, global);
    cr_assert(l && g, "one per-user namespace");
    cr_assert(!SetEvent(l));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    cr_assert(ResetEvent(g));
    cr_assert_eq(WaitForSingleObject(g, 0), WAIT_FAILED);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    cr_assert_eq(WaitForSingleObject(l, 0), WAIT_TIMEOUT, "reset through the other handle");
    CloseHandle(e), CloseHandle(again), CloseHandle(l), CloseHandle(g);
    cr_assert_null(OpenEventA(SYNCHRONIZE, FALSE, name), "the name went with its last handle");
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
}

Test(named_sync, wide_and_ex_forms)
{
    WCHAR w[64];
    const char *name = nm("wide");
    for (int i = 0; (w[i] = (WCHAR)name[i]); i++)
        ;
    HANDLE m = CreateMutexExW(NULL, w, CREATE_MUTEX_INITIAL_OWNER, SYNCHRONIZE);
    cr_assert(m);
    cr_assert(ReleaseMutex(m), "a mutex's owner releases it without MUTEX_MODIFY_STATE");
    HANDLE o = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, name);
    cr_assert(o, "the narrow name of the wide one");
    HANDLE s = CreateSemaphoreExA(NULL, 1, 2, nm("sx"), 0, SYNCHRONIZE);
    cr_assert(s);
    cr_assert_eq(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
    cr_assert(!ReleaseSemaphore(s, 1, NULL));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    HANDLE e = CreateEventExA(NULL, nm("ex"), CREATE_EVENT_INITIAL_SET, EVENT_ALL_ACCESS);
    cr_assert(e);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_TIMEOUT, "auto reset");
    cr_assert_null(CreateEventExA(NULL, nm("ex2"), 4, EVENT_ALL_ACCESS));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    CloseHandle(m), CloseHandle(o), CloseHandle(s), CloseHandle(e);
}

/* Windows compares names by their UTF-16 units: names that differ only in an unpaired
 * surrogate are two objects; an A name's ill-formed UTF-8 reads as U+FFFD (winvm's ANSI code
 * page is UTF-8), so names differing only there are one, the same as the W name with U+FFFD. */
Test(named_sync, names_are_their_utf16_units)
{
    WCHAR hi[64], lo[64], fffd[64];
    char bad1[64], bad2[64];
    const char *name = nm("sur");
    int n = 0;
    for (; name[n]; n++)
        hi[n] = lo[n] = fffd[n] = (WCHAR)name[n];
    hi[n] = 0xd800, lo[n] = 0xdc00, fffd[n] = 0xfffd;
    hi[n + 1] = lo[n + 1] = fffd[n + 1] = 0;
    snprintf(bad1, sizeof(bad1), "%s\xff", name);
    snprintf(bad2, sizeof(bad2), "%s\xfe", name);
    HANDLE a = CreateEventW(NULL, TRUE, FALSE, hi);
    cr_assert(a, "a lone surrogate is a valid name: %lu", GetLastError());
    cr_assert_eq(GetLastError(), ERROR_SUCCESS);
    HANDLE b = CreateEventW(NULL, TRUE, TRUE, lo);
    cr_assert(b);
    cr_assert_eq(GetLastError(), ERROR_SUCCESS, "another surrogate, another name");
    HANDLE c = CreateEventW(NULL, TRUE, FALSE, fffd);
    cr_assert(c);
    cr_assert_eq(GetLastError(), ERROR_SUCCESS, "U+FFFD is no surrogate");
    HANDLE d = CreateEventA(NULL, TRUE, FALSE, bad1);
    cr_assert(d);
    cr_assert_eq(GetLastError(), ERROR_ALREADY_EXISTS, "an ill-formed byte reads as U+FFFD");
    HANDLE e = OpenEventA(SYNCHRONIZE, FALSE, bad2);
    cr_assert(e, "so does another");
    cr_assert(SetEvent(c));
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
    HANDLE f = OpenEventW(SYNCHRONIZE, FALSE, lo);
    cr_assert(f);
    cr_assert_eq(WaitForSingleObject(f, 0), WAIT_OBJECT_0, "the lone low surrogate's event, set at creation");
    cr_assert_eq(WaitForSingleObject(a, 0), WAIT_TIMEOUT, "the high one's stays unset");
    /* Sections take the same names (one namespace per user for every kind). */
    HANDLE s1 = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, hi);
    cr_assert_null(s1, "the name is an event's");
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    hi[n + 1] = 'S', hi[n + 2] = 0, lo[n + 1] = 'S', lo[n + 2] = 0;
    s1 = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, hi);
    HANDLE s2 = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, lo);
    cr_assert(s1 && s2);
    cr_assert_eq(GetLastError(), ERROR_SUCCESS, "two sections");
    char *v1 = MapViewOfFile(s1, FILE_MAP_WRITE, 0, 0, 0), *v2 = MapViewOfFile(s2, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert(v1 && v2);
    v1[0] = 1, v2[0] = 2;
    HANDLE s3 = OpenFileMappingW(FILE_MAP_READ, FALSE, hi);
    char *v3 = MapViewOfFile(s3, FILE_MAP_READ, 0, 0, 0);
    cr_assert(v3);
    cr_assert_eq(v3[0], 1);
    UnmapViewOfFile(v1), UnmapViewOfFile(v2), UnmapViewOfFile(v3);
    CloseHandle(s1), CloseHandle(s2), CloseHandle(s3);
    CloseHandle(a), CloseHandle(b), CloseHandle(c), CloseHandle(d), CloseHandle(e), CloseHandle(f);
}

Test(named_sync, wait_for_multiple_mixing_local_and_named_objects)
{
    const char *name = nm("mix");
    HANDLE local = CreateEventA(NULL, TRUE, FALSE, NULL), named = CreateEventA(NULL, TRUE, FALSE, name);
    cr_assert(local && named);
    HANDLE both[2] = {local, named};
    cr_assert_eq(WaitForMultipleObjects(2, both, FALSE, 50), WAIT_TIMEOUT);
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE h = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
        nap(200);
        _exit(h && SetEvent(h) ? 0 : 1);
    }
    cr_assert_eq(WaitForMultipleObjects(2, both, FALSE, 20000), WAIT_OBJECT_0 + 1);
    cr_assert_eq(reap(pid), 0);
    cr_assert_eq(WaitForMultipleObjects(2, both, TRUE, 50), WAIT_TIMEOUT);
    cr_assert(SetEvent(local));
    cr_assert_eq(WaitForMultipleObjects(2, both, TRUE, 0), WAIT_OBJECT_0);
    CloseHandle(local), CloseHandle(named);
}

Test(named_sync, pe_parent_and_its_child_share_named_objects)
{
    tu_need_pe(EXE("nsync.exe"), NULL);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s run %s 2>&1", WINVM_CLI, EXE("nsync.exe"));
    FILE *f = popen(cmd, "r");
    cr_assert(f);
    static char out[8192];
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = 0;
    int st = pclose(f);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d:\n%s", st, out);
    cr_assert(!strstr(out, "FAIL"), "%s", out);
    const char *must[] = {"ok create_process", "ok child_set_ready", "ok mutex_owned_by_child",
                          "ok wait_all_abandoned", "ok child_exit_code", "ok release_abandoned_now_owned",
                          "ok name_gone"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++)
        cr_assert(strstr(out, must[i]), "%s missing:\n%s", must[i], out);
}
