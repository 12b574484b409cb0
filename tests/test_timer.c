/* SPDX-License-Identifier: MIT */
/* test_timer.c - waitable timers from C callers: kernel32's calls and ntdll's, waits mixing
 * timers with events, completion routines in alertable waits only, names (in this process and
 * a forked one), and a PE program doing the same under `winvm run` (tests/images/timer.c).
 * Times: only generous bounds (a 50 ms timer is not signalled at once, is within seconds). */
#define _GNU_SOURCE
#include "winvm.h"
#include <winvm/ntdll.h>

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

TestSuite(timer, .timeout = 120);

/* A relative due time of ms milliseconds. */
static LARGE_INTEGER rel(LONGLONG ms)
{
    LARGE_INTEGER d;
    d.QuadPart = -ms * 10000;
    return d;
}

static LONGLONG ft_now(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return (LONGLONG)(((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
}

static const char *nm(const char *what)
{
    static char buf[4][96];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "wvtimer-%s-%d", what, (int)getpid());
    return buf[k];
}

Test(timer, relative_manual_reset_timer_signals_and_stays_signalled)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    cr_assert(t);
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_TIMEOUT, "a timer never set is not signalled");
    LARGE_INTEGER d = rel(50);
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_TIMEOUT);
    cr_assert_eq(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_OBJECT_0, "a notification timer stays signalled");
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_OBJECT_0);
    CloseHandle(t);
}

Test(timer, auto_reset_timer_releases_one_wait)
{
    HANDLE t = CreateWaitableTimerW(NULL, FALSE, NULL);
    cr_assert(t);
    LARGE_INTEGER d = rel(20);
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(t, 200), WAIT_TIMEOUT, "a synchronization timer is reset by its wait");
    CloseHandle(t);
}

Test(timer, absolute_due_times_past_and_future)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER d;
    d.QuadPart = ft_now() - 10000000; /* a second ago */
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_OBJECT_0, "a due time past signals at once");
    d.QuadPart = ft_now() + 1000000; /* 100 ms ahead */
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_TIMEOUT, "setting it unsignals it");
    cr_assert_eq(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    d.QuadPart = 0; /* 1601: long past */
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_OBJECT_0);
    CloseHandle(t);
}

Test(timer, a_period_rearms_the_timer)
{
    HANDLE t = CreateWaitableTimerA(NULL, FALSE, NULL);
    LARGE_INTEGER d = rel(10);
    cr_assert(SetWaitableTimer(t, &d, 20, NULL, NULL, FALSE));
    for (int i = 0; i < 4; i++)
        cr_assert_eq(WaitForSingleObject(t, 5000), WAIT_OBJECT_0, "expiry %d", i);
    cr_assert(CancelWaitableTimer(t));
    WaitForSingleObject(t, 0); /* an expiry before the cancel may have left it signalled */
    cr_assert_eq(WaitForSingleObject(t, 300), WAIT_TIMEOUT, "cancelled: no more expiries");
    CloseHandle(t);
}

Test(timer, cancel_disarms_and_keeps_the_state)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER d = rel(50);
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    cr_assert(CancelWaitableTimer(t));
    cr_assert_eq(WaitForSingleObject(t, 300), WAIT_TIMEOUT);
    d = rel(1);
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    cr_assert(CancelWaitableTimer(t));
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_OBJECT_0, "cancel leaves a signalled timer signalled");
    d = rel(10000);
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_TIMEOUT, "setting it again unsignals it");
    CloseHandle(t);
}

Test(timer, bad_arguments_and_handles)
{
    HANDLE t = CreateWaitableTimerA(NULL, FALSE, NULL);
    LARGE_INTEGER d = rel(10);
    SetLastError(0);
    cr_assert(!SetWaitableTimer(t, &d, -1, NULL, NULL, FALSE));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_eq(WaitForSingleObject(t, 200), WAIT_TIMEOUT, "a refused set sets nothing");
    cr_assert(!SetWaitableTimer(t, (LARGE_INTEGER *)8, 0, NULL, NULL, FALSE));
    cr_assert_eq(GetLastError(), ERROR_NOACCESS);
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
    cr_assert(!SetWaitableTimer(e, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert(!CancelWaitableTimer(e));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert(!CancelWaitableTimer(NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert(!CreateWaitableTimerExA(NULL, NULL, 4, TIMER_ALL_ACCESS));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    HANDLE s = CreateWaitableTimerExA(NULL, NULL, 0, SYNCHRONIZE);
    cr_assert(s);
    cr_assert(!SetWaitableTimer(s, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED, "setting needs TIMER_MODIFY_STATE");
    HANDLE q = CreateWaitableTimerExA(NULL, NULL, CREATE_WAITABLE_TIMER_MANUAL_RESET, TIMER_MODIFY_STATE);
    cr_assert(SetWaitableTimer(q, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(q, 1000), WAIT_FAILED, "a wait needs SYNCHRONIZE");
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    CloseHandle(t), CloseHandle(e), CloseHandle(s), CloseHandle(q);
}

Test(timer, resume_succeeds_with_error_not_supported)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER d = rel(10);
    SetLastError(0);
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, TRUE));
    cr_assert_eq(GetLastError(), ERROR_NOT_SUPPORTED);
    cr_assert_eq(WaitForSingleObject(t, 5000), WAIT_OBJECT_0, "the timer is set all the same");
    CloseHandle(t);
}

Test(timer, waits_mixing_timers_and_events)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL), e = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE both[2] = {e, t};
    LARGE_INTEGER d = rel(30);
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForMultipleObjects(2, both, FALSE, 5000), WAIT_OBJECT_0 + 1, "wait-any: the timer");
    cr_assert_eq(WaitForMultipleObjects(2, both, TRUE, 200), WAIT_TIMEOUT, "wait-all: the event is not set");
    cr_assert(SetEvent(e));
    cr_assert_eq(WaitForMultipleObjects(2, both, TRUE, 0), WAIT_OBJECT_0);
    /* wait-all with an auto-reset timer: the event is there first, the timer comes later */
    HANDLE a = CreateWaitableTimerA(NULL, FALSE, NULL);
    HANDLE two[2] = {a, e};
    d = rel(40);
    cr_assert(SetWaitableTimer(a, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForMultipleObjectsEx(2, two, TRUE, 5000, TRUE), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(a, 0), WAIT_TIMEOUT, "the wait-all took the timer");
    CloseHandle(t), CloseHandle(e), CloseHandle(a);
}

/* ---- completion routines ---- */

static int calls;
static void *seen_arg;
static LONGLONG seen_ft;

static void WINAPI on_timer(LPVOID arg, DWORD lo, DWORD hi)
{
    calls++;
    seen_arg = arg;
    seen_ft = (LONGLONG)(((ULONGLONG)hi << 32) | lo);
}

Test(timer, completion_routine_runs_only_in_an_alertable_wait)
{
    calls = 0;
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL), e = CreateEventA(NULL, TRUE, FALSE, NULL);
    LARGE_INTEGER d = rel(20);
    LONGLONG before = ft_now();
    cr_assert(SetWaitableTimer(t, &d, 0, on_timer, (void *)0x1234, FALSE));
    Sleep(150);
    cr_assert_eq(WaitForSingleObject(e, 50), WAIT_TIMEOUT);
    cr_assert_eq(SleepEx(0, FALSE), 0);
    cr_assert_eq(calls, 0, "no routine outside an alertable wait");
    cr_assert_eq(WaitForSingleObject(t, 0), WAIT_OBJECT_0, "the timer itself expired");
    cr_assert_eq(SleepEx(5000, TRUE), WAIT_IO_COMPLETION);
    cr_assert_eq(calls, 1);
    cr_assert_eq(seen_arg, (void *)0x1234);
    LONGLONG after = ft_now();
    cr_assert(seen_ft >= before + 150000 && seen_ft <= after, "the expiry's time: %lld in [%lld, %lld]",
              seen_ft, before, after);
    cr_assert_eq(SleepEx(100, TRUE), 0, "a one-shot timer's routine runs once");
    cr_assert_eq(calls, 1);
    CloseHandle(t), CloseHandle(e);
}

Test(timer, a_periodic_timer_queues_its_routine_each_period_and_wakes_waits)
{
    calls = 0;
    HANDLE t = CreateWaitableTimerA(NULL, FALSE, NULL), e = CreateEventA(NULL, TRUE, FALSE, NULL);
    LARGE_INTEGER d = rel(10);
    cr_assert(SetWaitableTimer(t, &d, 10, on_timer, NULL, FALSE));
    for (int i = 0; i < 3; i++)
        cr_assert_eq(WaitForSingleObjectEx(e, 5000, TRUE), WAIT_IO_COMPLETION, "period %d", i);
    cr_assert_geq(calls, 3);
    cr_assert(CancelWaitableTimer(t));
    int n = calls;
    cr_assert_eq(SleepEx(100, TRUE), 0);
    cr_assert_eq(calls, n, "cancelled: no routine");
    CloseHandle(t), CloseHandle(e);
}

Test(timer, cancel_and_reset_remove_a_pending_routine)
{
    calls = 0;
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER d = rel(10);
    cr_assert(SetWaitableTimer(t, &d, 0, on_timer, NULL, FALSE));
    Sleep(100); /* expired: its routine waits for an alertable wait */
    cr_assert(CancelWaitableTimer(t));
    cr_assert_eq(SleepEx(100, TRUE), 0);
    cr_assert_eq(calls, 0, "cancel removed it");
    cr_assert(SetWaitableTimer(t, &d, 0, on_timer, NULL, FALSE));
    Sleep(100);
    LARGE_INTEGER later = rel(60000);
    cr_assert(SetWaitableTimer(t, &later, 0, NULL, NULL, FALSE));
    cr_assert_eq(SleepEx(100, TRUE), 0);
    cr_assert_eq(calls, 0, "setting it again removed it");
    cr_assert(SetWaitableTimer(t, &d, 0, on_timer, NULL, FALSE));
    CloseHandle(t); /* the last handle: the timer is gone, and its routine */
    cr_assert_eq(SleepEx(200, TRUE), 0);
    cr_assert_eq(calls, 0);
}

static HANDLE shared_timer;

static DWORD WINAPI other_thread(LPVOID p)
{
    (void)p;
    return SleepEx(300, TRUE); /* not the setting thread: its routine is not run here */
}

Test(timer, the_routine_runs_on_the_setting_thread_only)
{
    calls = 0;
    shared_timer = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER d = rel(10);
    cr_assert(SetWaitableTimer(shared_timer, &d, 0, on_timer, NULL, FALSE));
    HANDLE th = CreateThread(NULL, 0, other_thread, NULL, 0, NULL);
    cr_assert_eq(WaitForSingleObject(th, 10000), WAIT_OBJECT_0);
    DWORD code = 1;
    GetExitCodeThread(th, &code);
    cr_assert_eq(code, 0, "the other thread's alertable sleep ran nothing");
    cr_assert_eq(calls, 0);
    cr_assert_eq(SleepEx(5000, TRUE), WAIT_IO_COMPLETION);
    cr_assert_eq(calls, 1);
    CloseHandle(th), CloseHandle(shared_timer);
}

/* ---- ntdll ---- */

static void WINAPI on_nt_timer(PVOID arg, ULONG lo, LONG hi)
{
    (void)lo, (void)hi;
    calls++;
    seen_arg = arg;
}

Test(timer, nt_calls_states_and_queries)
{
    HANDLE t = NULL;
    cr_assert_eq(NtCreateTimer(&t, TIMER_ALL_ACCESS, NULL, NotificationTimer), STATUS_SUCCESS);
    TIMER_BASIC_INFORMATION info;
    ULONG len = 0;
    cr_assert_eq(NtQueryTimer(t, TimerBasicInformation, &info, sizeof(info), &len), STATUS_SUCCESS);
    cr_assert_eq(len, sizeof(info));
    cr_assert_eq(info.TimerState, FALSE);
    LARGE_INTEGER d = rel(10000);
    BOOLEAN prev = 7;
    cr_assert_eq(NtSetTimer(t, &d, NULL, NULL, FALSE, 0, &prev), STATUS_SUCCESS);
    cr_assert_eq(prev, FALSE);
    cr_assert_eq(NtQueryTimer(t, TimerBasicInformation, &info, sizeof(info), NULL), STATUS_SUCCESS);
    cr_assert(info.RemainingTime.QuadPart > 0 && info.RemainingTime.QuadPart <= 10000 * 10000LL, "%lld",
              (long long)info.RemainingTime.QuadPart);
    cr_assert_eq(info.TimerState, FALSE);
    d = rel(1);
    cr_assert_eq(NtSetTimer(t, &d, NULL, NULL, TRUE, 0, NULL), STATUS_TIMER_RESUME_IGNORED);
    cr_assert_eq(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    cr_assert_eq(NtQueryTimer(t, TimerBasicInformation, &info, sizeof(info), NULL), STATUS_SUCCESS);
    cr_assert_eq(info.TimerState, TRUE);
    BOOLEAN cur = 7;
    cr_assert_eq(NtCancelTimer(t, &cur), STATUS_SUCCESS);
    cr_assert_eq(cur, TRUE);
    d = rel(10000);
    cr_assert_eq(NtSetTimer(t, &d, NULL, NULL, FALSE, 0, &prev), STATUS_SUCCESS);
    cr_assert_eq(prev, TRUE, "the state before the set");
    cr_assert_eq(NtCancelTimer(t, NULL), STATUS_SUCCESS);
    CloseHandle(t);
}

Test(timer, nt_bad_arguments)
{
    HANDLE t = NULL, e = CreateEventA(NULL, TRUE, FALSE, NULL);
    cr_assert_eq(NtCreateTimer(&t, TIMER_ALL_ACCESS, NULL, 2), STATUS_INVALID_PARAMETER_4);
    cr_assert_eq(NtCreateTimer((PHANDLE)8, TIMER_ALL_ACCESS, NULL, NotificationTimer), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtCreateTimer(&t, TIMER_ALL_ACCESS, NULL, SynchronizationTimer), STATUS_SUCCESS);
    TIMER_BASIC_INFORMATION info;
    cr_assert_eq(NtQueryTimer(t, 1, &info, sizeof(info), NULL), STATUS_INVALID_INFO_CLASS);
    cr_assert_eq(NtQueryTimer(t, TimerBasicInformation, &info, sizeof(info) - 1, NULL), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(NtQueryTimer(t, TimerBasicInformation, (void *)8, sizeof(info), NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtQueryTimer(t, TimerBasicInformation, &info, sizeof(info), (PULONG)8), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtQueryTimer(e, TimerBasicInformation, &info, sizeof(info), NULL), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtQueryTimer((HANDLE)0x7770, TimerBasicInformation, &info, sizeof(info), NULL),
                 STATUS_INVALID_HANDLE);
    LARGE_INTEGER d = rel(1);
    cr_assert_eq(NtSetTimer(t, NULL, NULL, NULL, FALSE, 0, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtSetTimer(t, &d, NULL, NULL, FALSE, 0, (PBOOLEAN)8), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtSetTimer(t, &d, NULL, NULL, FALSE, -5, NULL), STATUS_INVALID_PARAMETER_6);
    cr_assert_eq(WaitForSingleObject(t, 200), WAIT_TIMEOUT, "the refused sets set nothing");
    cr_assert_eq(NtSetTimer(e, &d, NULL, NULL, FALSE, 0, NULL), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtCancelTimer(t, (PBOOLEAN)8), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(NtCancelTimer(NULL, NULL), STATUS_INVALID_HANDLE);
    CloseHandle(t), CloseHandle(e);
}

Test(timer, nt_set_timer_apc_routine_runs_in_an_alertable_wait)
{
    calls = 0;
    HANDLE t = NULL;
    cr_assert_eq(NtCreateTimer(&t, TIMER_ALL_ACCESS, NULL, SynchronizationTimer), STATUS_SUCCESS);
    LARGE_INTEGER d = rel(10);
    cr_assert_eq(NtSetTimer(t, &d, on_nt_timer, (PVOID)0x77, FALSE, 0, NULL), STATUS_SUCCESS);
    Sleep(100);
    cr_assert_eq(calls, 0);
    cr_assert_eq(WaitForSingleObjectEx(t, 5000, TRUE), WAIT_OBJECT_0, "the object first, as Windows");
    cr_assert_eq(SleepEx(5000, TRUE), WAIT_IO_COMPLETION);
    cr_assert_eq(calls, 1);
    cr_assert_eq(seen_arg, (PVOID)0x77);
    CloseHandle(t);
}

/* ---- names ---- */

/* "\BaseNamedObjects\NAME" as a UNICODE_STRING in buf. */
static OBJECT_ATTRIBUTES *object_path(const char *name, WCHAR *buf, UNICODE_STRING *u, OBJECT_ATTRIBUTES *oa)
{
    char path[256];
    snprintf(path, sizeof(path), "\\BaseNamedObjects\\%s", name);
    size_t n = strlen(path);
    for (size_t i = 0; i <= n; i++)
        buf[i] = (WCHAR)path[i];
    u->Buffer = buf, u->Length = (USHORT)(n * 2), u->MaximumLength = (USHORT)(n * 2 + 2);
    memset(oa, 0, sizeof(*oa));
    oa->Length = sizeof(*oa), oa->ObjectName = u;
    return oa;
}

Test(timer, named_create_open_and_kinds)
{
    const char *name = nm("named");
    HANDLE a = CreateWaitableTimerA(NULL, TRUE, name);
    cr_assert(a);
    cr_assert_eq(GetLastError(), 0);
    HANDLE b = CreateWaitableTimerA(NULL, FALSE, name);
    cr_assert(b);
    cr_assert_eq(GetLastError(), ERROR_ALREADY_EXISTS);
    HANDLE c = OpenWaitableTimerA(SYNCHRONIZE | TIMER_QUERY_STATE, FALSE, name);
    cr_assert(c);
    LARGE_INTEGER d = rel(20);
    cr_assert(SetWaitableTimer(b, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(c, 5000), WAIT_OBJECT_0, "one timer behind the three handles");
    cr_assert_eq(WaitForSingleObject(a, 0), WAIT_OBJECT_0, "manual reset, as its first Create said");
    cr_assert(!SetWaitableTimer(c, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    SetLastError(0);
    cr_assert_null(OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, nm("absent")));
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    cr_assert_null(OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_null(OpenEventA(EVENT_ALL_ACCESS, FALSE, name));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE, "the name is a timer's");
    const char *ev = nm("event");
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, ev);
    cr_assert_null(CreateWaitableTimerA(NULL, TRUE, ev));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE, "the name is an event's");
    cr_assert_null(OpenWaitableTimerW(TIMER_ALL_ACCESS, FALSE, (LPCWSTR)u"wvtimer-wide-absent"));
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    cr_assert_null(OpenWaitableTimerW(TIMER_ALL_ACCESS, FALSE, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    /* names are case-sensitive, and may hold ':' and spaces (Wine's test_waitable_timer) */
    char mixed[128], upper[128];
    snprintf(mixed, sizeof(mixed), "wvtimer: Test WaitableTimer %d", (int)getpid());
    snprintf(upper, sizeof(upper), "wvtimer: TEST WAITABLETIMER %d", (int)getpid());
    HANDLE m = CreateWaitableTimerA(NULL, FALSE, mixed);
    cr_assert(m);
    HANDLE up = CreateWaitableTimerA(NULL, FALSE, upper);
    cr_assert(up);
    cr_assert_eq(GetLastError(), 0, "another name");
    CloseHandle(up);
    SetLastError(0);
    cr_assert_null(OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, upper), "its last handle closed: gone");
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    HANDLE m2 = OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, mixed);
    cr_assert(m2);
    CloseHandle(m), CloseHandle(m2);
    CloseHandle(a), CloseHandle(b), CloseHandle(c), CloseHandle(e);
}

Test(timer, nt_names)
{
    const char *name = nm("ntnamed");
    WCHAR w[300];
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    HANDLE t = NULL, o = NULL;
    object_path(name, w, &u, &oa);
    cr_assert_eq(NtOpenTimer(&o, TIMER_ALL_ACCESS, &oa), STATUS_OBJECT_NAME_NOT_FOUND);
    cr_assert_eq(NtCreateTimer(&t, TIMER_ALL_ACCESS, &oa, NotificationTimer), STATUS_SUCCESS);
    cr_assert_eq(NtCreateTimer(&o, TIMER_ALL_ACCESS, &oa, NotificationTimer), STATUS_OBJECT_NAME_COLLISION);
    oa.Attributes = OBJ_OPENIF;
    cr_assert_eq(NtCreateTimer(&o, TIMER_ALL_ACCESS, &oa, NotificationTimer), STATUS_OBJECT_NAME_EXISTS);
    CloseHandle(o);
    cr_assert_eq(NtOpenTimer(&o, TIMER_ALL_ACCESS, &oa), STATUS_SUCCESS);
    HANDLE k = OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, name);
    cr_assert(k, "kernel32's NAME is ntdll's \\BaseNamedObjects\\NAME");
    LARGE_INTEGER d = rel(10);
    cr_assert(SetWaitableTimer(k, &d, 0, NULL, NULL, FALSE));
    cr_assert_eq(WaitForSingleObject(o, 5000), WAIT_OBJECT_0);
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, nm("ntev"));
    object_path(nm("ntev"), w, &u, &oa);
    cr_assert_eq(NtOpenTimer(&o, TIMER_ALL_ACCESS, &oa), STATUS_OBJECT_TYPE_MISMATCH);
    CloseHandle(t), CloseHandle(k), CloseHandle(e);
}

Test(timer, another_process_opens_a_named_timer_and_sees_its_state)
{
    const char *name = nm("xproc");
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, name);
    cr_assert(t);
    LARGE_INTEGER d = rel(300);
    cr_assert(SetWaitableTimer(t, &d, 0, NULL, NULL, FALSE));
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE h = OpenWaitableTimerA(SYNCHRONIZE | TIMER_ALL_ACCESS, FALSE, name);
        if (!h)
            _exit(10);
        TIMER_BASIC_INFORMATION info;
        if (NtQueryTimer(h, TimerBasicInformation, &info, sizeof(info), NULL) || info.RemainingTime.QuadPart <= 0)
            _exit(11); /* the due time set in the parent */
        if (WaitForSingleObject(h, 20000) != WAIT_OBJECT_0)
            _exit(12);
        LARGE_INTEGER again = rel(50);
        if (!SetWaitableTimer(h, &again, 0, NULL, NULL, FALSE)) /* now the parent waits */
            _exit(13);
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    cr_assert_eq(WaitForSingleObject(t, 20000), WAIT_OBJECT_0, "set by the child");
    CloseHandle(t);
}

Test(timer, pe_program_uses_timers)
{
    tu_need_pe(EXE("timer.exe"), NULL);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s run %s 2>&1", WINVM_CLI, EXE("timer.exe"));
    FILE *f = popen(cmd, "r");
    cr_assert(f);
    static char out[16384];
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = 0;
    int st = pclose(f);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d:\n%s", st, out);
    cr_assert(!strstr(out, "FAIL"), "%s", out);
    const char *must[] = {"ok relative", "ok auto_reset", "ok absolute_past", "ok period", "ok cancel",
                          "ok routine_not_outside_alertable", "ok routine_in_sleepex", "ok routine_args",
                          "ok nt_apc", "ok nt_query", "ok nt_bad", "ok nt_wait_multiple", "ok names",
                          "ok child_opened_and_set", "ok inherited_timer_set_by_child", "ok done"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++)
        cr_assert(strstr(out, must[i]), "%s missing:\n%s", must[i], out);
}
