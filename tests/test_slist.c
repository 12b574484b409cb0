/* SPDX-License-Identifier: MIT */
/* test_slist.c - interlocked singly linked lists (runtime/slist.c) and timer queues
 * (runtime/timerq.c, workpool.c), work items and registered waits (workpool.c, regwait.c) from C with threads, and from PE code under `winvm run`
 * (slistq.exe lists its checks: kernel32's and ntdll's names).  No check depends on timing:
 * callbacks report through events and counts. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/pool_int.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(slist, .timeout = 120);
TestSuite(timerq, .timeout = 120);

struct item {
    SLIST_ENTRY entry;
    int value;
};
/* The checks slistq.exe prints (tests/images/slistq.c). */
#define SLISTQ_CHECKS 16

#define ITEM(e) ((struct item *)(e))

Test(slist, push_pop_flush_depth_as_windows)
{
    SLIST_HEADER h;
    struct item a = {.value = 1}, b = {.value = 2}, c = {.value = 3};
    memset(&h, 0xff, sizeof(h));
    InitializeSListHead(&h);
    cr_assert_eq(sizeof(h), 16);
    cr_assert_eq(QueryDepthSList(&h), 0);
    cr_assert_null(InterlockedPopEntrySList(&h));
    cr_assert_null(InterlockedPushEntrySList(&h, &a.entry));
    cr_assert_eq(InterlockedPushEntrySList(&h, &b.entry), &a.entry);
    cr_assert_eq(InterlockedPushEntrySList(&h, &c.entry), &b.entry);
    cr_assert_eq(QueryDepthSList(&h), 3);
    cr_assert_eq(RtlFirstEntrySList(&h), &c.entry);
    /* Windows 8's x64 header: depth 3, the sequence bumped by each change, the first entry. */
    cr_assert_eq(h.HeaderX64.Depth, 3);
    cr_assert_eq(h.HeaderX64.Sequence, 3);
    cr_assert_eq((uintptr_t)h.HeaderX64.NextEntry << 4, (uintptr_t)&c.entry);
    cr_assert_eq(InterlockedPopEntrySList(&h), &c.entry);
    cr_assert_eq(QueryDepthSList(&h), 2);
    cr_assert_eq(h.HeaderX64.Sequence, 4);
    struct item *f = ITEM(InterlockedFlushSList(&h));
    cr_assert_eq(f->value, 2);
    cr_assert_eq(ITEM(f->entry.Next)->value, 1);
    cr_assert_eq(QueryDepthSList(&h), 0);
    cr_assert_null(InterlockedFlushSList(&h));
    /* A chain pushed at once adds the count it is given. */
    cr_assert_null(InterlockedPushEntrySList(&h, &c.entry));
    b.entry.Next = &a.entry;
    cr_assert_eq(InterlockedPushListSListEx(&h, &b.entry, &a.entry, 42), &c.entry);
    cr_assert_eq(QueryDepthSList(&h), 43);
    cr_assert_eq(InterlockedPopEntrySList(&h), &b.entry);
    cr_assert_eq(InterlockedPopEntrySList(&h), &a.entry);
    cr_assert_eq(InterlockedPopEntrySList(&h), &c.entry);
    cr_assert_eq(QueryDepthSList(&h), 40);
    cr_assert_null(InterlockedPopEntrySList(&h));
    cr_assert_eq(QueryDepthSList(&h), 40);
    cr_assert_null(InterlockedFlushSList(&h)); /* Windows 8 and later: the depth goes to 0 */
    cr_assert_eq(QueryDepthSList(&h), 0);
}

Test(slist, depth_is_16_bits)
{
    static struct item items[65537];
    SLIST_HEADER h;
    InitializeSListHead(&h);
    for (int i = 0; i < 65537; i++)
        InterlockedPushEntrySList(&h, &items[i].entry);
    cr_assert_eq(QueryDepthSList(&h), 1);
    int n = 0;
    for (PSLIST_ENTRY e = InterlockedFlushSList(&h); e; e = e->Next)
        n++;
    cr_assert_eq(n, 65537);
}

/* Threads popping entries and pushing them back: every entry is held by one thread at a time
 * (its count bumped once per hold), none lost or duplicated. */
#define RACE_ITEMS 64
#define RACE_ROUNDS 100000
static SLIST_HEADER race_list;
static struct item race_items[RACE_ITEMS];

static void *racer(void *arg)
{
    (void)arg;
    for (int i = 0; i < RACE_ROUNDS; i++) {
        struct item *it = ITEM(InterlockedPopEntrySList(&race_list));
        if (!it)
            continue;
        int v = __atomic_add_fetch(&it->value, 1, __ATOMIC_RELAXED);
        (void)v;
        InterlockedPushEntrySList(&race_list, &it->entry);
    }
    return NULL;
}

Test(slist, threads_race_without_loss)
{
    InitializeSListHead(&race_list);
    for (int i = 0; i < RACE_ITEMS; i++)
        InterlockedPushEntrySList(&race_list, &race_items[i].entry);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, racer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(QueryDepthSList(&race_list), RACE_ITEMS);
    long total = 0;
    int n = 0;
    bool seen[RACE_ITEMS] = {0};
    for (PSLIST_ENTRY e = InterlockedFlushSList(&race_list); e; e = e->Next, n++) {
        int k = (int)(ITEM(e) - race_items);
        cr_assert(k >= 0 && k < RACE_ITEMS && !seen[k]);
        seen[k] = true;
        total += ITEM(e)->value;
    }
    cr_assert_eq(n, RACE_ITEMS);
    cr_assert_leq(total, 4L * RACE_ROUNDS);
    cr_assert_gt(total, 0);
}

/* A pop whose first entry's memory is gone (another thread popped and freed it) survives the
 * fault and starts over: once the list changes, it pops what is first then. */
static SLIST_HEADER gone_list;
static PSLIST_ENTRY gone_popped;
static void *gone_popper(void *arg)
{
    (void)arg;
    gone_popped = InterlockedPopEntrySList(&gone_list);
    return NULL;
}

Test(slist, pop_survives_a_freed_entry)
{
    struct item *lost = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    struct item kept = {.value = 7};
    cr_assert_not_null(lost);
    InitializeSListHead(&gone_list);
    InterlockedPushEntrySList(&gone_list, &lost->entry);
    cr_assert(VirtualFree(lost, 0, MEM_RELEASE));
    unsigned long before = __atomic_load_n(&wv_sl_faults, __ATOMIC_RELAXED);
    pthread_t th;
    pthread_create(&th, NULL, gone_popper, NULL);
    while (__atomic_load_n(&wv_sl_faults, __ATOMIC_RELAXED) == before) /* it met the fault */
        sched_yield();
    InterlockedPushEntrySList(&gone_list, &kept.entry); /* kept.Next: the freed entry */
    pthread_join(th, NULL);
    cr_assert_eq(gone_popped, &kept.entry);
    cr_assert_eq(RtlFirstEntrySList(&gone_list), &lost->entry);
}

/* ---- timer queues ---- */

static volatile long count1, not_fired;
static HANDLE ev_ran;
static void WINAPI cb_count(PVOID p, BOOLEAN fired)
{
    if (!fired) /* a timer's callback is always told TRUE */
        __atomic_add_fetch(&not_fired, 1, __ATOMIC_SEQ_CST);
    long n = __atomic_add_fetch((long *)p, 1, __ATOMIC_SEQ_CST);
    if (n == 5 || p == &count1)
        SetEvent(ev_ran);
}

Test(timerq, once_and_periodic_counts)
{
    HANDLE q = CreateTimerQueue(), t1, t2;
    long n2 = 0;
    ev_ran = CreateEventW(NULL, FALSE, FALSE, NULL);
    cr_assert_not_null(q);
    count1 = 0;
    cr_assert(CreateTimerQueueTimer(&t1, q, cb_count, (PVOID)&count1, 0, 0, 0));
    cr_assert_eq(WaitForSingleObject(ev_ran, INFINITE), WAIT_OBJECT_0);
    cr_assert(DeleteTimerQueueTimer(q, t1, INVALID_HANDLE_VALUE));
    cr_assert_eq(count1, 1);
    cr_assert(CreateTimerQueueTimer(&t2, q, cb_count, &n2, 0, 1, 0));
    cr_assert_eq(WaitForSingleObject(ev_ran, INFINITE), WAIT_OBJECT_0); /* the fifth call */
    cr_assert(DeleteTimerQueueTimer(q, t2, INVALID_HANDLE_VALUE));
    long after = n2;
    cr_assert_geq(after, 5);
    cr_assert(DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE));
    cr_assert_eq(n2, after); /* nothing ran after the waited delete */
    cr_assert_eq(not_fired, 0);
    CloseHandle(ev_ran);
}

Test(timerq, a_due_callback_survives_its_delete)
{
    HANDLE q = CreateTimerQueue(), t;
    long n = 0;
    /* Due at once, then not for a long time: deleted at once, it still runs once. */
    cr_assert(CreateTimerQueueTimer(&t, q, cb_count, &n, 0, 1000000, 0));
    SetLastError(0xdeadbeef);
    BOOL ok = DeleteTimerQueueTimer(q, t, NULL);
    cr_assert(ok ? GetLastError() == 0xdeadbeef : GetLastError() == ERROR_IO_PENDING);
    cr_assert(DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE));
    cr_assert_eq(n, 1);
}

static HANDLE ev_started, ev_go;
static HANDLE self_q, self_t;
static BOOL self_ret;
static DWORD self_err;
static void WINAPI cb_block(PVOID p, BOOLEAN fired)
{
    (void)fired;
    if (p) { /* delete myself from my own callback: it pends */
        SetLastError(0);
        self_ret = DeleteTimerQueueTimer(self_q, self_t, NULL);
        self_err = GetLastError();
    }
    SetEvent(ev_started);
    WaitForSingleObject(ev_go, INFINITE);
}

Test(timerq, delete_pends_while_the_callback_runs)
{
    HANDLE q = CreateTimerQueue(), t, done = CreateEventW(NULL, TRUE, FALSE, NULL);
    ev_started = CreateEventW(NULL, FALSE, FALSE, NULL);
    ev_go = CreateEventW(NULL, TRUE, FALSE, NULL);
    cr_assert(CreateTimerQueueTimer(&t, q, cb_block, NULL, 0, 0, 0));
    cr_assert_eq(WaitForSingleObject(ev_started, INFINITE), WAIT_OBJECT_0);
    SetLastError(0);
    cr_assert_not(DeleteTimerQueueTimer(q, t, done));
    cr_assert_eq(GetLastError(), ERROR_IO_PENDING);
    cr_assert_eq(WaitForSingleObject(done, 0), WAIT_TIMEOUT);
    SetLastError(0);
    cr_assert_not(DeleteTimerQueueTimer(q, t, NULL)); /* deleted: no longer a timer */
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    SetEvent(ev_go);
    cr_assert_eq(WaitForSingleObject(done, INFINITE), WAIT_OBJECT_0);
    /* Nothing running: TRUE, the event set at once, the last error untouched. */
    ResetEvent(done);
    ResetEvent(ev_go);
    long n = 0;
    ev_ran = CreateEventW(NULL, FALSE, FALSE, NULL);
    count1 = 0;
    cr_assert(CreateTimerQueueTimer(&t, q, cb_count, (PVOID)&count1, 0, 0, 0));
    cr_assert_eq(WaitForSingleObject(ev_ran, INFINITE), WAIT_OBJECT_0);
    cr_assert(DeleteTimerQueueTimer(q, t, INVALID_HANDLE_VALUE));
    cr_assert(CreateTimerQueueTimer(&t, q, cb_count, &n, 1000000, 0, 0));
    SetLastError(0xdeadbeef);
    cr_assert(DeleteTimerQueueTimer(q, t, done));
    cr_assert_eq(GetLastError(), 0xdeadbeef);
    cr_assert_eq(WaitForSingleObject(done, 0), WAIT_OBJECT_0);
    cr_assert_eq(n, 0);
    /* From inside its own callback: FALSE, ERROR_IO_PENDING (never a wait for itself). */
    self_q = q;
    cr_assert(CreateTimerQueueTimer(&self_t, q, cb_block, (PVOID)1, 1000000, 0, 0));
    cr_assert(ChangeTimerQueueTimer(q, self_t, 0, 0));
    cr_assert_eq(WaitForSingleObject(ev_started, INFINITE), WAIT_OBJECT_0);
    cr_assert_not(self_ret);
    cr_assert_eq(self_err, ERROR_IO_PENDING);
    /* The queue deleted with an event while that callback still waits. */
    ResetEvent(done);
    cr_assert(DeleteTimerQueueEx(q, done));
    cr_assert_eq(WaitForSingleObject(done, 0), WAIT_TIMEOUT);
    SetEvent(ev_go);
    cr_assert_eq(WaitForSingleObject(done, INFINITE), WAIT_OBJECT_0);
    CloseHandle(done), CloseHandle(ev_started), CloseHandle(ev_go), CloseHandle(ev_ran);
}

Test(timerq, change_and_spent_one_shots)
{
    HANDLE q = CreateTimerQueue(), t;
    ev_ran = CreateEventW(NULL, FALSE, FALSE, NULL);
    count1 = 0;
    cr_assert(CreateTimerQueueTimer(&t, q, cb_count, (PVOID)&count1, 1000000, 0, 0));
    cr_assert(ChangeTimerQueueTimer(q, t, 0, 0)); /* before it fired: it fires now */
    cr_assert_eq(WaitForSingleObject(ev_ran, INFINITE), WAIT_OBJECT_0);
    /* Spent: a change succeeds and does nothing (due now again, the delete would run it). */
    cr_assert(ChangeTimerQueueTimer(q, t, 0, 0));
    cr_assert(DeleteTimerQueueTimer(q, t, INVALID_HANDLE_VALUE));
    cr_assert_eq(count1, 1);
    cr_assert(DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE));
    CloseHandle(ev_ran);
}

static DWORD tid_a, tid_b;
static HANDLE ev_b;
static void WINAPI cb_tid(PVOID p, BOOLEAN fired)
{
    (void)fired;
    *(DWORD *)p = GetCurrentThreadId();
    SetEvent(ev_b);
}

Test(timerq, timer_thread_and_default_queue)
{
    HANDLE q = CreateTimerQueue(), t1, t2;
    ev_b = CreateEventW(NULL, FALSE, FALSE, NULL);
    cr_assert(CreateTimerQueueTimer(&t1, q, cb_tid, &tid_a, 0, 0, WT_EXECUTEINTIMERTHREAD));
    cr_assert_eq(WaitForSingleObject(ev_b, INFINITE), WAIT_OBJECT_0);
    cr_assert(CreateTimerQueueTimer(&t2, q, cb_tid, &tid_b, 0, 0, WT_EXECUTEINTIMERTHREAD));
    cr_assert_eq(WaitForSingleObject(ev_b, INFINITE), WAIT_OBJECT_0);
    cr_assert_eq(tid_a, tid_b); /* the queue's one timer thread */
    cr_assert_neq(tid_a, GetCurrentThreadId());
    cr_assert(DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE));
    /* The default queue, and a timer named through another queue's handle. */
    q = CreateTimerQueue();
    cr_assert(CreateTimerQueueTimer(&t1, NULL, cb_tid, &tid_a, 1000000, 1000000, 0));
    cr_assert(ChangeTimerQueueTimer(q, t1, 2000000, 2000000));
    cr_assert(DeleteTimerQueueTimer(q, t1, INVALID_HANDLE_VALUE));
    SetLastError(0);
    cr_assert_not(DeleteTimerQueueEx(NULL, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert(DeleteTimerQueue(q));
    SetLastError(0);
    cr_assert_not(DeleteTimerQueueEx(q, NULL)); /* gone */
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    SetLastError(0);
    cr_assert_not(CreateTimerQueueTimer(&t1, NULL, NULL, NULL, 0, 0, 0));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    SetLastError(0);
    cr_assert_not(ChangeTimerQueueTimer(NULL, (HANDLE)0x1234, 0, 0));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    CloseHandle(ev_b);
}

/* A callback that waits does not hold up the next one: each gets a worker. */
static HANDLE ev_second;
static void WINAPI cb_first(PVOID p, BOOLEAN fired)
{
    (void)fired;
    *(DWORD *)p = WaitForSingleObject(ev_second, INFINITE);
}
static void WINAPI cb_second(PVOID p, BOOLEAN fired)
{
    (void)p, (void)fired;
    SetEvent(ev_second);
}

Test(timerq, callbacks_run_side_by_side)
{
    HANDLE q = CreateTimerQueue(), t1, t2;
    DWORD first = 99;
    ev_second = CreateEventW(NULL, TRUE, FALSE, NULL);
    cr_assert(CreateTimerQueueTimer(&t1, q, cb_first, &first, 0, 0, 0));
    cr_assert(CreateTimerQueueTimer(&t2, q, cb_second, NULL, 0, 0, 0));
    cr_assert(DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE));
    cr_assert_eq(first, WAIT_OBJECT_0);
    CloseHandle(ev_second);
}

/* ---- work items and registered waits (workpool.c, regwait.c) ---- */

static volatile long items_done;
static HANDLE ev_items;
static DWORD WINAPI item_fn(LPVOID p)
{
    if (__atomic_add_fetch(&items_done, (long)(uintptr_t)p, __ATOMIC_SEQ_CST) == 55)
        SetEvent(ev_items);
    return 0;
}

Test(timerq, work_items_all_run)
{
    ev_items = CreateEventW(NULL, FALSE, FALSE, NULL);
    for (uintptr_t i = 1; i <= 10; i++)
        cr_assert(QueueUserWorkItem(item_fn, (PVOID)i, i & 1 ? WT_EXECUTELONGFUNCTION : 0));
    cr_assert_eq(WaitForSingleObject(ev_items, INFINITE), WAIT_OBJECT_0);
    cr_assert_eq(items_done, 55);
    CloseHandle(ev_items);
}

static volatile long waits_signalled, waits_timed_out;
static HANDLE ev_waited, ev_hold;
static void WINAPI cb_wait(PVOID p, BOOLEAN timed_out)
{
    __atomic_add_fetch(timed_out ? &waits_timed_out : &waits_signalled, 1, __ATOMIC_SEQ_CST);
    if (p)
        WaitForSingleObject(ev_hold, INFINITE);
    SetEvent(ev_waited);
}

Test(timerq, registered_waits)
{
    HANDLE obj = CreateEventW(NULL, FALSE, FALSE, NULL), w, w2;
    ev_waited = CreateEventW(NULL, FALSE, FALSE, NULL);
    ev_hold = CreateEventW(NULL, TRUE, FALSE, NULL);
    cr_assert(RegisterWaitForSingleObject(&w, obj, cb_wait, NULL, INFINITE, 0));
    for (int i = 1; i <= 3; i++) { /* each signal of the auto-reset event: one callback, FALSE */
        SetEvent(obj);
        cr_assert_eq(WaitForSingleObject(ev_waited, INFINITE), WAIT_OBJECT_0);
        cr_assert_eq(waits_signalled, i);
    }
    cr_assert(UnregisterWaitEx(w, INVALID_HANDLE_VALUE));
    SetLastError(0);
    cr_assert_not(UnregisterWait(w)); /* gone */
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    /* Timed out once: TRUE, and only once. */
    cr_assert(RegisterWaitForSingleObject(&w, obj, cb_wait, NULL, 0, WT_EXECUTEONLYONCE));
    cr_assert_eq(WaitForSingleObject(ev_waited, INFINITE), WAIT_OBJECT_0);
    cr_assert_eq(waits_timed_out, 1);
    cr_assert(UnregisterWaitEx(w, INVALID_HANDLE_VALUE));
    cr_assert_eq(waits_timed_out, 1);
    /* Unregistered while its callback runs: FALSE, ERROR_IO_PENDING; the event set at its end. */
    HANDLE done = CreateEventW(NULL, TRUE, FALSE, NULL);
    cr_assert(RegisterWaitForSingleObject(&w2, obj, cb_wait, (PVOID)1, INFINITE, 0));
    SetEvent(obj);
    while (waits_signalled < 4)
        SwitchToThread();
    SetLastError(0);
    cr_assert_not(UnregisterWaitEx(w2, done));
    cr_assert_eq(GetLastError(), ERROR_IO_PENDING);
    cr_assert_eq(WaitForSingleObject(done, 0), WAIT_TIMEOUT);
    SetEvent(ev_hold);
    cr_assert_eq(WaitForSingleObject(done, INFINITE), WAIT_OBJECT_0);
    SetLastError(0);
    cr_assert_not(RegisterWaitForSingleObject(&w, (HANDLE)0x1230, cb_wait, NULL, 0, 0));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    CloseHandle(obj), CloseHandle(done), CloseHandle(ev_waited), CloseHandle(ev_hold);
}

/* WT_EXECUTEINWAITTHREAD: every registration's callbacks share one thread, one after the
 * other; a callback that unregisters its own wait succeeds (Wine's kernel32 thread.c records
 * both on Windows). */
static HANDLE self_wait;
static BOOL self_unreg;
static DWORD in_wait_tid[2];
static HANDLE ev_in_wait;
static void WINAPI cb_in_wait(PVOID p, BOOLEAN timed_out)
{
    (void)timed_out;
    in_wait_tid[(uintptr_t)p] = GetCurrentThreadId();
    if (p == 0)
        self_unreg = UnregisterWait(self_wait);
    SetEvent(ev_in_wait);
}

Test(timerq, wait_thread_callbacks)
{
    HANDLE obj = CreateEventW(NULL, TRUE, TRUE, NULL), w2;
    ev_in_wait = CreateEventW(NULL, FALSE, FALSE, NULL);
    cr_assert(RegisterWaitForSingleObject(&self_wait, obj, cb_in_wait, (PVOID)0, INFINITE,
                                          WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD));
    cr_assert_eq(WaitForSingleObject(ev_in_wait, INFINITE), WAIT_OBJECT_0);
    cr_assert(self_unreg);
    cr_assert(RegisterWaitForSingleObject(&w2, obj, cb_in_wait, (PVOID)1, INFINITE,
                                          WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD));
    cr_assert_eq(WaitForSingleObject(ev_in_wait, INFINITE), WAIT_OBJECT_0);
    cr_assert_eq(in_wait_tid[0], in_wait_tid[1]);
    cr_assert_neq(in_wait_tid[0], GetCurrentThreadId());
    cr_assert(UnregisterWaitEx(w2, INVALID_HANDLE_VALUE));
    CloseHandle(obj), CloseHandle(ev_in_wait);
}

/* Runs slistq.exe under `winvm run`: exit status 0, no FAIL, that many checks. */
Test(slist, pe_code)
{
    const char *exe = WINVM_PE_IMAGES "/slistq.exe";
    static char out[16384];
    int st = tu_run_pe(NULL, NULL, exe, NULL, out, sizeof(out));
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    int oks = 0;
    for (const char *p = out; (p = strstr(p, "ok ")); p += 3)
        oks++;
    cr_assert_eq(oks, SLISTQ_CHECKS, "%s", out);
}
