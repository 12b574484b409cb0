/* SPDX-License-Identifier: MIT */
/* slistq.c - slistq.exe: interlocked singly linked lists and timer queues from PE code, with
 * threads (tests/test_slist.c).  kernel32's names are imported; ntdll's Rtl* names are found
 * with GetProcAddress.  Prints "ok NAME" / "FAIL NAME"; exits with the failures.  No check
 * depends on timing: callbacks report through events and counts.
 *
 *   sl_basic        push, pop, flush and depth as Wine's kernel32 test_slist records
 *   sl_push_list    InterlockedPushListSListEx and ntdll's RtlInterlockedPushListSList: +42
 *   sl_wrap         65536 HeapAlloc'ed entries: the 16-bit depth wraps to 0, all flushed back
 *   sl_rtl          ntdll's RtlInitializeSListHead, Push, Pop, QueryDepth, FirstEntry, Flush
 *   sl_race         4 threads popping and pushing back 64 entries: none lost or doubled
 *   sl_freed        a pop whose first entry was freed survives, pops what is pushed then
 *   tq_once         a one-shot timer's callback runs once, told TRUE, on another thread
 *   tq_periodic     a 1 ms periodic timer runs 5 times; nothing after the waited delete
 *   tq_due_delete   due at once and deleted at once (NULL event): it still runs exactly once
 *   tq_pending      delete while the callback runs: FALSE, ERROR_IO_PENDING, the event set at
 *                   its end; from its own callback: ERROR_IO_PENDING; idle: TRUE, error kept
 *   tq_change       a one-shot changed before it fires runs then; once spent a change is a no-op
 *   tq_thread       WT_EXECUTEINTIMERTHREAD callbacks share one thread; a worker has a TEB (TLS)
 *   tq_default      the NULL queue, a timer named through another queue, DeleteTimerQueueEx(NULL)
 *   tq_rtl          RtlCreateTimerQueue, RtlCreateTimer, RtlUpdateTimer, RtlDeleteTimer
 *                   (STATUS_PENDING), RtlDeleteTimerQueueEx
 *   work_items      QueueUserWorkItem and ntdll's RtlQueueWorkItem: every item runs once
 *   reg_wait        RegisterWaitForSingleObject: a callback per signal (FALSE), a timeout (TRUE)
 *                   once with WT_EXECUTEONLYONCE, UnregisterWait(Ex) pending while one runs;
 *                   ntdll's RtlRegisterWait, RtlDeregisterWaitEx
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

struct item {
    SLIST_ENTRY entry;
    int value;
};
#define ITEM(e) ((struct item *)(e))

static void sl_basic(void)
{
    SLIST_HEADER h;
    struct item a = {.value = 1}, b = {.value = 2}, c = {.value = 3};
    memset(&h, 0xff, sizeof(h));
    InitializeSListHead(&h);
    int ok = QueryDepthSList(&h) == 0 && !InterlockedPopEntrySList(&h);
    ok &= !InterlockedPushEntrySList(&h, &a.entry);
    ok &= InterlockedPushEntrySList(&h, &b.entry) == &a.entry;
    ok &= InterlockedPushEntrySList(&h, &c.entry) == &b.entry && QueryDepthSList(&h) == 3;
    ok &= InterlockedPopEntrySList(&h) == &c.entry && QueryDepthSList(&h) == 2;
    struct item *f = ITEM(InterlockedFlushSList(&h));
    ok &= f == &b && ITEM(f->entry.Next) == &a && QueryDepthSList(&h) == 0;
    ok &= !InterlockedPopEntrySList(&h) && !InterlockedFlushSList(&h);
    check("sl_basic", ok);
}

typedef PSLIST_ENTRY(WINAPI *push_list_fn)(PSLIST_HEADER, PSLIST_ENTRY, PSLIST_ENTRY, ULONG);

static void sl_push_list(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    push_list_fn rtl = (push_list_fn)GetProcAddress(nt, "RtlInterlockedPushListSList");
    push_list_fn k32 = (push_list_fn)GetProcAddress(GetModuleHandleA("kernel32.dll"), "InterlockedPushListSListEx");
    SLIST_HEADER h;
    struct item a = {.value = 1}, b = {.value = 2}, c = {.value = 3};
    int ok = rtl && k32;
    for (int k = 0; ok && k < 2; k++) {
        InitializeSListHead(&h);
        InterlockedPushEntrySList(&h, &c.entry);
        b.entry.Next = &a.entry;
        ok &= (k ? k32 : rtl)(&h, &b.entry, &a.entry, 42) == &c.entry && QueryDepthSList(&h) == 43;
        ok &= InterlockedPopEntrySList(&h) == &b.entry && InterlockedPopEntrySList(&h) == &a.entry;
        ok &= InterlockedPopEntrySList(&h) == &c.entry && QueryDepthSList(&h) == 40;
    }
    check("sl_push_list", ok);
}

static void sl_wrap(void)
{
    SLIST_HEADER h;
    InitializeSListHead(&h);
    int ok = 1;
    for (int i = 0; i < 65536; i++) {
        struct item *it = HeapAlloc(GetProcessHeap(), 0, sizeof(*it));
        it->value = i + 1;
        PSLIST_ENTRY prev = InterlockedPushEntrySList(&h, &it->entry);
        ok &= i ? prev && ITEM(prev)->value == i : !prev;
        ok &= QueryDepthSList(&h) == ((i + 1) & 0xffff);
    }
    PSLIST_ENTRY e = InterlockedFlushSList(&h);
    for (int i = 65536; i > 0 && e; i--) {
        struct item *it = ITEM(e);
        ok &= it->value == i;
        e = it->entry.Next;
        HeapFree(GetProcessHeap(), 0, it);
    }
    check("sl_wrap", ok && !e && QueryDepthSList(&h) == 0);
}

static void sl_rtl(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    void(WINAPI * init)(PSLIST_HEADER) = (void *)GetProcAddress(nt, "RtlInitializeSListHead");
    PSLIST_ENTRY(WINAPI * push)(PSLIST_HEADER, PSLIST_ENTRY) = (void *)GetProcAddress(nt, "RtlInterlockedPushEntrySList");
    PSLIST_ENTRY(WINAPI * pop)(PSLIST_HEADER) = (void *)GetProcAddress(nt, "RtlInterlockedPopEntrySList");
    PSLIST_ENTRY(WINAPI * flush)(PSLIST_HEADER) = (void *)GetProcAddress(nt, "RtlInterlockedFlushSList");
    WORD(WINAPI * depth)(PSLIST_HEADER) = (void *)GetProcAddress(nt, "RtlQueryDepthSList");
    PSLIST_ENTRY(WINAPI * first)(const SLIST_HEADER *) = (void *)GetProcAddress(nt, "RtlFirstEntrySList");
    int ok = init && push && pop && flush && depth && first;
    if (ok) {
        SLIST_HEADER h;
        struct item a, b;
        init(&h);
        ok &= !push(&h, &a.entry) && push(&h, &b.entry) == &a.entry && depth(&h) == 2;
        ok &= first(&h) == &b.entry && depth(&h) == 2 && pop(&h) == &b.entry;
        ok &= flush(&h) == &a.entry && depth(&h) == 0 && !first(&h);
    }
    check("sl_rtl", ok);
}

#define RACE_ITEMS 64
static SLIST_HEADER race_list;
static struct item race_items[RACE_ITEMS];
static volatile LONG race_holds;

static DWORD WINAPI racer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        struct item *it = ITEM(InterlockedPopEntrySList(&race_list));
        if (!it)
            continue;
        it->value++; /* only the holder touches it */
        InterlockedIncrement(&race_holds);
        InterlockedPushEntrySList(&race_list, &it->entry);
    }
    return 0;
}

static void sl_race(void)
{
    InitializeSListHead(&race_list);
    for (int i = 0; i < RACE_ITEMS; i++)
        InterlockedPushEntrySList(&race_list, &race_items[i].entry);
    HANDLE th[4];
    for (int i = 0; i < 4; i++)
        th[i] = CreateThread(NULL, 0, racer, NULL, 0, NULL);
    int ok = WaitForMultipleObjects(4, th, TRUE, INFINITE) == WAIT_OBJECT_0;
    for (int i = 0; i < 4; i++)
        CloseHandle(th[i]);
    ok &= QueryDepthSList(&race_list) == RACE_ITEMS;
    int seen[RACE_ITEMS] = {0}, n = 0;
    LONG total = 0;
    for (PSLIST_ENTRY e = InterlockedFlushSList(&race_list); e && n <= RACE_ITEMS; e = e->Next, n++) {
        int k = (int)(ITEM(e) - race_items);
        ok &= k >= 0 && k < RACE_ITEMS && !seen[k]++;
        total += ITEM(e)->value;
    }
    check("sl_race", ok && n == RACE_ITEMS && total == race_holds && total > 0);
}

static SLIST_HEADER gone_list;
static DWORD WINAPI gone_popper(void *arg)
{
    *(PSLIST_ENTRY *)arg = InterlockedPopEntrySList(&gone_list);
    return 0;
}

static void sl_freed(void)
{
    struct item *lost = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE), kept = {.value = 7};
    PSLIST_ENTRY got = NULL;
    InitializeSListHead(&gone_list);
    InterlockedPushEntrySList(&gone_list, &lost->entry);
    VirtualFree(lost, 0, MEM_RELEASE);
    HANDLE th = CreateThread(NULL, 0, gone_popper, &got, 0, NULL);
    Sleep(20); /* most often the pop meets the freed entry first; either way it ends with kept */
    InterlockedPushEntrySList(&gone_list, &kept.entry);
    int ok = WaitForSingleObject(th, INFINITE) == WAIT_OBJECT_0;
    CloseHandle(th);
    check("sl_freed", ok && got == &kept.entry && RtlFirstEntrySList(&gone_list) == &lost->entry);
}

/* ---- timer queues ---- */
static volatile LONG not_fired;
static HANDLE ev_ran;
static DWORD main_tid;
static volatile DWORD cb_tid;

static void CALLBACK cb_count(PVOID p, BOOLEAN fired)
{
    if (!fired)
        InterlockedIncrement(&not_fired);
    cb_tid = GetCurrentThreadId();
    InterlockedIncrement((LONG *)p);
    SetEvent(ev_ran);
}

static void tq_once(void)
{
    HANDLE q = CreateTimerQueue(), t;
    LONG n = 0;
    int ok = q && CreateTimerQueueTimer(&t, q, cb_count, &n, 0, 0, WT_EXECUTEONLYONCE);
    ok &= WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0;
    ok &= DeleteTimerQueueTimer(q, t, INVALID_HANDLE_VALUE) && n == 1;
    ok &= DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE) && n == 1 && !not_fired && cb_tid != main_tid;
    check("tq_once", ok);
}

static volatile LONG periodic_n;
static void CALLBACK cb_periodic(PVOID p, BOOLEAN fired)
{
    (void)p, (void)fired;
    if (InterlockedIncrement(&periodic_n) == 5)
        SetEvent(ev_ran);
}

static void tq_periodic(void)
{
    HANDLE q = CreateTimerQueue(), t;
    int ok = CreateTimerQueueTimer(&t, q, cb_periodic, NULL, 0, 1, 0);
    ok &= WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0;
    ok &= DeleteTimerQueueTimer(q, t, INVALID_HANDLE_VALUE);
    LONG after = periodic_n;
    ok &= DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE);
    check("tq_periodic", ok && after >= 5 && periodic_n == after);
}

static void tq_due_delete(void)
{
    HANDLE q = CreateTimerQueue(), t;
    LONG n = 0;
    int ok = CreateTimerQueueTimer(&t, q, cb_count, &n, 0, 300000, 0);
    SetLastError(0xdeadbeef);
    BOOL r = DeleteTimerQueueTimer(q, t, NULL);
    ok &= r ? GetLastError() == 0xdeadbeef : GetLastError() == ERROR_IO_PENDING;
    ok &= DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE);
    WaitForSingleObject(ev_ran, 0);
    check("tq_due_delete", ok && n == 1);
}

static HANDLE ev_started, ev_go, self_q, self_t;
static BOOL self_ret;
static DWORD self_err;
static void CALLBACK cb_block(PVOID p, BOOLEAN fired)
{
    (void)fired;
    if (p) {
        SetLastError(0);
        self_ret = DeleteTimerQueueTimer(self_q, self_t, NULL);
        self_err = GetLastError();
    }
    SetEvent(ev_started);
    WaitForSingleObject(ev_go, INFINITE);
}

static void tq_pending(void)
{
    HANDLE q = CreateTimerQueue(), t, done = CreateEventA(NULL, TRUE, FALSE, NULL);
    int ok = CreateTimerQueueTimer(&t, q, cb_block, NULL, 0, 0, 0);
    ok &= WaitForSingleObject(ev_started, INFINITE) == WAIT_OBJECT_0;
    SetLastError(0);
    ok &= !DeleteTimerQueueTimer(q, t, done) && GetLastError() == ERROR_IO_PENDING;
    ok &= WaitForSingleObject(done, 0) == WAIT_TIMEOUT;
    SetEvent(ev_go);
    ok &= WaitForSingleObject(done, INFINITE) == WAIT_OBJECT_0;
    ResetEvent(ev_go), ResetEvent(done);
    LONG n = 0;
    ok &= CreateTimerQueueTimer(&t, q, cb_count, &n, 300000, 0, 0);
    SetLastError(0xdeadbeef);
    ok &= DeleteTimerQueueTimer(q, t, done) && GetLastError() == 0xdeadbeef;
    ok &= WaitForSingleObject(done, 0) == WAIT_OBJECT_0 && n == 0;
    self_q = q;
    ok &= CreateTimerQueueTimer(&self_t, q, cb_block, (PVOID)1, 300000, 0, 0);
    ok &= ChangeTimerQueueTimer(q, self_t, 0, 0);
    ok &= WaitForSingleObject(ev_started, INFINITE) == WAIT_OBJECT_0;
    ok &= !self_ret && self_err == ERROR_IO_PENDING;
    ResetEvent(done);
    ok &= DeleteTimerQueueEx(q, done) && WaitForSingleObject(done, 0) == WAIT_TIMEOUT;
    SetEvent(ev_go);
    ok &= WaitForSingleObject(done, INFINITE) == WAIT_OBJECT_0;
    ResetEvent(ev_go);
    CloseHandle(done);
    check("tq_pending", ok);
}

static void tq_change(void)
{
    HANDLE q = CreateTimerQueue(), t;
    LONG n = 0;
    int ok = CreateTimerQueueTimer(&t, q, cb_count, &n, 300000, 0, 0);
    ok &= ChangeTimerQueueTimer(q, t, 0, 0);
    ok &= WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0;
    ok &= ChangeTimerQueueTimer(q, t, 0, 0); /* spent: TRUE, nothing */
    ok &= DeleteTimerQueueTimer(q, t, INVALID_HANDLE_VALUE);
    ok &= DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE);
    check("tq_change", ok && n == 1);
}

static DWORD tls_slot;
static volatile DWORD thread_of[2];
static volatile LONG tls_good;
static void CALLBACK cb_where(PVOID p, BOOLEAN fired)
{
    (void)fired;
    TlsSetValue(tls_slot, p);
    NT_TIB *tib = (NT_TIB *)NtCurrentTeb(); /* its own TEB: Self points at it */
    if (TlsGetValue(tls_slot) == p && tib && tib->Self == tib)
        InterlockedIncrement(&tls_good);
    thread_of[(ULONG_PTR)p & 1] = GetCurrentThreadId();
    SetEvent(ev_ran);
}

static void tq_thread(void)
{
    HANDLE q = CreateTimerQueue(), t1, t2, t3;
    tls_slot = TlsAlloc();
    int ok = CreateTimerQueueTimer(&t1, q, cb_where, (PVOID)2, 0, 0, WT_EXECUTEINTIMERTHREAD);
    ok &= WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0;
    DWORD first = thread_of[0];
    ok &= CreateTimerQueueTimer(&t2, q, cb_where, (PVOID)4, 0, 0, WT_EXECUTEINTIMERTHREAD);
    ok &= WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0;
    ok &= first == thread_of[0] && first != main_tid;
    ok &= CreateTimerQueueTimer(&t3, q, cb_where, (PVOID)1, 0, 0, 0);
    ok &= WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0;
    ok &= thread_of[1] != main_tid && tls_good == 3;
    ok &= DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE);
    check("tq_thread", ok);
}

static void tq_default(void)
{
    HANDLE q = CreateTimerQueue(), t1, t2;
    LONG n1 = 0, n2 = 0;
    int ok = CreateTimerQueueTimer(&t1, q, cb_count, &n1, 300000, 300000, 0);
    ok &= CreateTimerQueueTimer(&t2, NULL, cb_count, &n2, 300000, 300000, 0);
    ok &= ChangeTimerQueueTimer(NULL, t1, 200000, 200000) && ChangeTimerQueueTimer(q, t2, 200000, 200000);
    ok &= DeleteTimerQueueTimer(NULL, t1, INVALID_HANDLE_VALUE) && DeleteTimerQueueTimer(q, t2, INVALID_HANDLE_VALUE);
    SetLastError(0xdeadbeef);
    ok &= !DeleteTimerQueueEx(NULL, NULL) && GetLastError() == ERROR_INVALID_HANDLE;
    ok &= DeleteTimerQueue(q);
    SetLastError(0);
    ok &= !CreateTimerQueueTimer(&t1, NULL, NULL, NULL, 0, 0, 0) && GetLastError() == ERROR_INVALID_PARAMETER;
    check("tq_default", ok && !n1 && !n2);
}

typedef NTSTATUS(WINAPI *rtl_cq_fn)(PHANDLE);
typedef NTSTATUS(WINAPI *rtl_ct_fn)(HANDLE, PHANDLE, WAITORTIMERCALLBACK, PVOID, DWORD, DWORD, ULONG);
typedef NTSTATUS(WINAPI *rtl_ut_fn)(HANDLE, HANDLE, DWORD, DWORD);
typedef NTSTATUS(WINAPI *rtl_dt_fn)(HANDLE, HANDLE, HANDLE);
typedef NTSTATUS(WINAPI *rtl_dq_fn)(HANDLE, HANDLE);

static void tq_rtl(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    rtl_cq_fn cq = (rtl_cq_fn)GetProcAddress(nt, "RtlCreateTimerQueue");
    rtl_ct_fn ct = (rtl_ct_fn)GetProcAddress(nt, "RtlCreateTimer");
    rtl_ut_fn ut = (rtl_ut_fn)GetProcAddress(nt, "RtlUpdateTimer");
    rtl_dt_fn dt = (rtl_dt_fn)GetProcAddress(nt, "RtlDeleteTimer");
    rtl_dq_fn dq = (rtl_dq_fn)GetProcAddress(nt, "RtlDeleteTimerQueueEx");
    int ok = cq && ct && ut && dt && dq;
    HANDLE q = NULL, t = NULL;
    if (ok) {
        ok &= cq(&q) == 0 && q;
        ok &= ct(q, &t, cb_block, NULL, 300000, 0, 0) == 0 && t;
        ok &= ut(q, t, 0, 0) == 0;
        ok &= WaitForSingleObject(ev_started, INFINITE) == WAIT_OBJECT_0;
        ok &= dt(q, t, NULL) == STATUS_PENDING;
        SetEvent(ev_go);
        ok &= dq(q, INVALID_HANDLE_VALUE) == 0;
        ResetEvent(ev_go);
    }
    check("tq_rtl", ok);
}

static volatile LONG items;
static DWORD WINAPI item_fn(LPVOID p)
{
    if (InterlockedExchangeAdd(&items, (LONG)(ULONG_PTR)p) + (LONG)(ULONG_PTR)p == 55 + 100)
        SetEvent(ev_ran);
    return 0;
}

static void work_items(void)
{
    NTSTATUS(WINAPI * rtl)(void *, PVOID, ULONG) = (void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "RtlQueueWorkItem");
    int ok = rtl != NULL;
    for (ULONG_PTR i = 1; ok && i <= 10; i++)
        ok &= QueueUserWorkItem(item_fn, (PVOID)i, i & 1 ? WT_EXECUTELONGFUNCTION : 0);
    ok &= ok && rtl(item_fn, (PVOID)100, 0) == 0;
    ok &= ok && WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0;
    check("work_items", ok && items == 155);
}

static volatile LONG w_signalled, w_timed_out;
static void CALLBACK cb_wait(PVOID p, BOOLEAN timed_out)
{
    InterlockedIncrement(timed_out ? &w_timed_out : &w_signalled);
    if (p)
        WaitForSingleObject(ev_go, INFINITE);
    SetEvent(ev_ran);
}

static void reg_wait(void)
{
    HANDLE obj = CreateEventA(NULL, FALSE, FALSE, NULL), w, done = CreateEventA(NULL, TRUE, FALSE, NULL);
    int ok = RegisterWaitForSingleObject(&w, obj, cb_wait, NULL, INFINITE, 0);
    for (int i = 1; ok && i <= 3; i++) {
        SetEvent(obj);
        ok &= WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0 && w_signalled == i;
    }
    ok &= UnregisterWaitEx(w, INVALID_HANDLE_VALUE);
    SetLastError(0);
    ok &= !UnregisterWait(w) && GetLastError() == ERROR_INVALID_HANDLE;
    ok &= RegisterWaitForSingleObject(&w, obj, cb_wait, NULL, 0, WT_EXECUTEONLYONCE);
    ok &= WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0;
    ok &= UnregisterWaitEx(w, INVALID_HANDLE_VALUE) && w_timed_out == 1;
    ok &= RegisterWaitForSingleObject(&w, obj, cb_wait, (PVOID)1, INFINITE, 0);
    SetEvent(obj);
    while (w_signalled < 4)
        SwitchToThread();
    SetLastError(0);
    ok &= !UnregisterWaitEx(w, done) && GetLastError() == ERROR_IO_PENDING;
    ok &= WaitForSingleObject(done, 0) == WAIT_TIMEOUT;
    SetEvent(ev_go);
    ok &= WaitForSingleObject(done, INFINITE) == WAIT_OBJECT_0;
    WaitForSingleObject(ev_ran, INFINITE);
    ResetEvent(ev_go);
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    NTSTATUS(WINAPI * reg)(PHANDLE, HANDLE, WAITORTIMERCALLBACK, PVOID, ULONG, ULONG) = (void *)GetProcAddress(nt, "RtlRegisterWait");
    NTSTATUS(WINAPI * dereg)(HANDLE, HANDLE) = (void *)GetProcAddress(nt, "RtlDeregisterWaitEx");
    ok &= reg && dereg;
    if (reg && dereg) {
        ok &= reg(&w, obj, cb_wait, NULL, INFINITE, WT_EXECUTEONLYONCE) == 0;
        SetEvent(obj);
        ok &= WaitForSingleObject(ev_ran, INFINITE) == WAIT_OBJECT_0 && w_signalled == 5;
        ok &= dereg(w, INVALID_HANDLE_VALUE) == 0;
    }
    CloseHandle(obj), CloseHandle(done);
    check("reg_wait", ok);
}

int main(void)
{
    main_tid = GetCurrentThreadId();
    ev_ran = CreateEventA(NULL, FALSE, FALSE, NULL);
    ev_started = CreateEventA(NULL, FALSE, FALSE, NULL);
    ev_go = CreateEventA(NULL, TRUE, FALSE, NULL);
    sl_basic();
    sl_push_list();
    sl_wrap();
    sl_rtl();
    sl_race();
    sl_freed();
    tq_once();
    tq_periodic();
    tq_due_delete();
    tq_pending();
    tq_change();
    tq_thread();
    tq_default();
    tq_rtl();
    work_items();
    reg_wait();
    return failures;
}
