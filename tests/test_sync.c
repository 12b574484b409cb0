/* SPDX-License-Identifier: MIT */
/* test_sync.c - events, mutexes, semaphores and waits on several objects (sync.c), between
 * real threads. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <unistd.h>

static HANDLE ev;
static volatile int woken;

static DWORD WINAPI wait_event(LPVOID arg)
{
    (void)arg;
    if (WaitForSingleObject(ev, 2000) == WAIT_OBJECT_0)
        __atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
    return 0;
}

Test(sync, auto_reset_event_wakes_one)
{
    ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    cr_assert_not_null(ev);
    woken = 0;
    HANDLE t[2] = {CreateThread(NULL, 0, wait_event, NULL, 0, NULL), CreateThread(NULL, 0, wait_event, NULL, 0, NULL)};
    usleep(50000);
    cr_assert(SetEvent(ev));
    usleep(100000);
    cr_assert_eq(woken, 1, "one wait satisfied, the event reset by it");
    cr_assert_eq(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);
    SetEvent(ev);
    cr_assert_eq(WaitForMultipleObjects(2, t, TRUE, 5000), WAIT_OBJECT_0);
    cr_assert_eq(woken, 2);
    CloseHandle(t[0]), CloseHandle(t[1]), CloseHandle(ev);
}

Test(sync, manual_reset_event_stays_set)
{
    HANDLE e = CreateEventA(NULL, TRUE, TRUE, NULL);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0, "still signalled");
    cr_assert(ResetEvent(e));
    cr_assert_eq(WaitForSingleObject(e, 20), WAIT_TIMEOUT);
    CloseHandle(e);
}

static HANDLE mtx;
static DWORD WINAPI try_mutex(LPVOID arg)
{
    (void)arg;
    DWORD r = WaitForSingleObject(mtx, 0);
    if (r == WAIT_OBJECT_0)
        ReleaseMutex(mtx);
    SetLastError(SENTINEL);
    BOOL released = ReleaseMutex(mtx); /* not ours */
    return r == WAIT_TIMEOUT && !released && GetLastError() == ERROR_NOT_OWNER ? 1 : 0;
}

Test(sync, mutex_is_recursive_and_owned)
{
    mtx = CreateMutexA(NULL, TRUE, NULL);
    cr_assert_not_null(mtx);
    cr_assert_eq(WaitForSingleObject(mtx, 0), WAIT_OBJECT_0, "the owner takes it again");
    HANDLE t = CreateThread(NULL, 0, try_mutex, NULL, 0, NULL);
    WaitForSingleObject(t, INFINITE);
    DWORD code = 0;
    GetExitCodeThread(t, &code);
    cr_assert_eq(code, 1, "another thread neither gets nor releases it");
    cr_assert(ReleaseMutex(mtx));
    cr_assert(ReleaseMutex(mtx));
    SetLastError(SENTINEL);
    cr_assert(!ReleaseMutex(mtx), "released as often as taken: no longer ours");
    cr_assert_eq(GetLastError(), ERROR_NOT_OWNER);
    CloseHandle(t), CloseHandle(mtx);
}

Test(sync, semaphore_counts_to_its_maximum)
{
    HANDLE s = CreateSemaphoreA(NULL, 1, 3, NULL);
    cr_assert_not_null(s);
    cr_assert_eq(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(s, 0), WAIT_TIMEOUT);
    LONG prev = -1;
    cr_assert(ReleaseSemaphore(s, 3, &prev));
    cr_assert_eq(prev, 0);
    SetLastError(SENTINEL);
    cr_assert(!ReleaseSemaphore(s, 1, &prev));
    cr_assert_eq(GetLastError(), ERROR_TOO_MANY_POSTS);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(s, 0), WAIT_TIMEOUT);
    CloseHandle(s);
    SetLastError(SENTINEL);
    cr_assert_null(CreateSemaphoreA(NULL, 4, 3, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
}

Test(sync, wait_any_all_and_bad_input)
{
    HANDLE e[3];
    for (int i = 0; i < 3; i++)
        e[i] = CreateEventA(NULL, TRUE, FALSE, NULL);
    SetEvent(e[2]);
    cr_assert_eq(WaitForMultipleObjects(3, e, FALSE, 0), WAIT_OBJECT_0 + 2);
    SetEvent(e[1]);
    cr_assert_eq(WaitForMultipleObjects(3, e, FALSE, 0), WAIT_OBJECT_0 + 1, "the lowest index");
    cr_assert_eq(WaitForMultipleObjects(3, e, TRUE, 20), WAIT_TIMEOUT, "not all yet");
    SetEvent(e[0]);
    cr_assert_eq(WaitForMultipleObjects(3, e, TRUE, 0), WAIT_OBJECT_0);
    SetLastError(SENTINEL);
    cr_assert_eq(WaitForMultipleObjects(0, e, FALSE, 0), WAIT_FAILED);
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_eq(WaitForMultipleObjects(65, e, FALSE, 0), WAIT_FAILED);
    HANDLE bad[2] = {e[0], (HANDLE)0x4444};
    cr_assert_eq(WaitForMultipleObjects(2, bad, FALSE, 0), WAIT_FAILED);
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    for (int i = 0; i < 3; i++)
        CloseHandle(e[i]);
}

/* Producers and consumers: every item produced is consumed exactly once. */
static HANDLE slots_free, items, guard;
static long produced, consumed;

static DWORD WINAPI producer(LPVOID arg)
{
    (void)arg;
    for (int i = 0; i < 500; i++) {
        WaitForSingleObject(slots_free, INFINITE);
        WaitForSingleObject(guard, INFINITE);
        produced++;
        ReleaseMutex(guard);
        ReleaseSemaphore(items, 1, NULL);
    }
    return 0;
}

static DWORD WINAPI consumer(LPVOID arg)
{
    (void)arg;
    for (int i = 0; i < 500; i++) {
        WaitForSingleObject(items, INFINITE);
        WaitForSingleObject(guard, INFINITE);
        consumed++;
        cr_assert_leq(consumed, produced);
        ReleaseMutex(guard);
        ReleaseSemaphore(slots_free, 1, NULL);
    }
    return 0;
}

Test(sync, producers_and_consumers)
{
    slots_free = CreateSemaphoreA(NULL, 8, 8, NULL);
    items = CreateSemaphoreA(NULL, 0, 8, NULL);
    guard = CreateMutexA(NULL, FALSE, NULL);
    HANDLE t[4] = {CreateThread(NULL, 0, producer, NULL, 0, NULL), CreateThread(NULL, 0, producer, NULL, 0, NULL),
                   CreateThread(NULL, 0, consumer, NULL, 0, NULL), CreateThread(NULL, 0, consumer, NULL, 0, NULL)};
    cr_assert_eq(WaitForMultipleObjects(4, t, TRUE, 20000), WAIT_OBJECT_0);
    cr_assert_eq(produced, 1000);
    cr_assert_eq(consumed, 1000);
    for (int i = 0; i < 4; i++)
        CloseHandle(t[i]);
    CloseHandle(slots_free), CloseHandle(items), CloseHandle(guard);
}
