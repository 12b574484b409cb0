/* SPDX-License-Identifier: MIT */
/* test_inflight.c - allocations and releases racing queries and touches (mm/inflight.c):
 * every VirtualQuery answer is a state the space really had, and a touch of a range being
 * reserved or released is an access violation or a success, never the end of the process. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RACE_SECONDS 2
#define SPOT ((char *)0x7e0000000000) /* a fixed 64 KiB both threads fight over */

static atomic_bool stop;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *churn(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        char *p = VirtualAlloc(SPOT, 0x10000, MEM_RESERVE, PAGE_READWRITE);
        if (p) {
            VirtualAlloc(p, 0x1000, MEM_COMMIT, PAGE_READWRITE);
            VirtualFree(p, 0, MEM_RELEASE);
        }
    }
    return NULL;
}

Test(inflight, queries_see_only_states_that_existed)
{
    pthread_t t;
    atomic_store(&stop, false);
    cr_assert_eq(pthread_create(&t, NULL, churn, NULL), 0);
    long answers = 0, wrong = 0, allocated = 0;
    char why[256] = "";
    for (double end = now() + RACE_SECONDS; now() < end;) {
        for (int k = 0; k < 1000; k++) {
            MEMORY_BASIC_INFORMATION m;
            cr_assert_eq(VirtualQuery(SPOT + 0x800, &m, sizeof(m)), sizeof(m));
            answers++;
            if (m.State == MEM_FREE)
                continue;
            allocated++;
            /* The churn's allocation, reserved or with its first page committed. */
            bool ok = m.AllocationBase == SPOT && m.Type == MEM_PRIVATE && m.AllocationProtect == PAGE_READWRITE &&
                      (char *)m.BaseAddress + m.RegionSize <= SPOT + 0x10000;
            if (!ok && !wrong++)
                snprintf(why, sizeof(why), "base %p alloc %p size %#zx state %#x type %#x aprot %#x", m.BaseAddress,
                         m.AllocationBase, (size_t)m.RegionSize, m.State, m.Type, m.AllocationProtect);
        }
    }
    atomic_store(&stop, true);
    pthread_join(t, NULL);
    cr_assert_eq(wrong, 0, "%ld of %ld answers described a region that never existed: %s", wrong, answers, why);
    cr_log_info("%ld answers, %ld saw the allocation", answers, allocated);
}

static void touch(void *p) { *(volatile char *)p = 1; }

/* In a child: a crash there is a failed status here, not the end of the test runner. */
Test(inflight, touches_during_reserve_and_release_never_kill)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t;
        atomic_store(&stop, false);
        if (pthread_create(&t, NULL, churn, NULL) != 0)
            _exit(10);
        long av = 0, ok = 0, other = 0;
        for (double end = now() + RACE_SECONDS; now() < end;) {
            EXCEPTION_RECORD rec;
            DWORD code = winvm_try(touch, SPOT + 0x10, &rec);
            if (code == 0)
                ok++;
            else if (code == STATUS_ACCESS_VIOLATION)
                av++;
            else
                other++;
        }
        atomic_store(&stop, true);
        pthread_join(t, NULL);
        printf("%ld writes, %ld access violations, %ld other\n", ok, av, other);
        _exit(other ? 11 : 0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st), "the process died: signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    cr_assert_eq(WEXITSTATUS(st), 0);
}
