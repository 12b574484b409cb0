/* SPDX-License-Identifier: MIT */
/* test_ntsync.c - ntdll's event, mutant and semaphore calls from C callers (previous states
 * and counts, names under \BaseNamedObjects shared with kernel32's, in this process and a
 * forked one), SignalObjectAndWait and NtSignalAndWaitForSingleObject, NtDelayExecution,
 * NtQueueApcThread and NtTestAlert; and a PE program doing the same under `winvm run`
 * (tests/images/ntsync.c).  Expected values: what Wine's conformance tests record of Windows.
 * No timing: sleeps are only bounded from below by what must have happened. */
#define _GNU_SOURCE
#include "testutil.h"
#include "winvm.h"
#include <winvm/iocp.h>
#include <winvm/job.h>
#include <winvm/ntdll.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

TestSuite(ntsync, .timeout = 120);

static WCHAR wbuf[4][128];
static UNICODE_STRING ustr[4];
static OBJECT_ATTRIBUTES oas[4];

/* Attributes naming \BaseNamedObjects\wvntsync-WHAT-PID (and the kernel32 name in *k32). */
static POBJECT_ATTRIBUTES named(const char *what, ULONG flags, char *k32)
{
    static int k;
    k = (k + 1) % 4;
    char a[128];
    int n = snprintf(a, sizeof(a), "\\BaseNamedObjects\\wvntsync-%s-%d", what, (int)getpid());
    if (k32)
        strcpy(k32, a + strlen("\\BaseNamedObjects\\"));
    for (int i = 0; i <= n; i++)
        wbuf[k][i] = (WCHAR)a[i];
    ustr[k].Length = (USHORT)(n * 2), ustr[k].MaximumLength = (USHORT)(n * 2 + 2), ustr[k].Buffer = wbuf[k];
    InitializeObjectAttributes(&oas[k], &ustr[k], flags, NULL, NULL);
    return &oas[k];
}

Test(ntsync, event_calls_report_the_previous_state)
{
    HANDLE e;
    LONG prev = 7;
    EVENT_BASIC_INFORMATION info;
    cr_assert_eq(NtCreateEvent(&e, EVENT_ALL_ACCESS, NULL, (EVENT_TYPE)2, FALSE), STATUS_INVALID_PARAMETER);
    cr_assert_eq(NtCreateEvent(&e, EVENT_ALL_ACCESS, NULL, SynchronizationEvent, FALSE), STATUS_SUCCESS);
    cr_assert_eq(NtSetEvent(e, &prev), STATUS_SUCCESS);
    cr_assert_eq(prev, 0);
    cr_assert_eq(NtSetEvent(e, &prev), STATUS_SUCCESS);
    cr_assert_eq(prev, 1);
    cr_assert_eq(NtQueryEvent(e, EventBasicInformation, &info, sizeof(info), NULL), STATUS_SUCCESS);
    cr_assert(info.EventType == SynchronizationEvent && info.EventState == 1);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0, "auto reset: one wait takes it");
    cr_assert_eq(NtResetEvent(e, &prev), STATUS_SUCCESS);
    cr_assert_eq(prev, 0);
    NtSetEvent(e, NULL);
    cr_assert_eq(NtPulseEvent(e, &prev), STATUS_SUCCESS);
    cr_assert_eq(prev, 1);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_TIMEOUT, "a pulse leaves it reset");
    NtSetEvent(e, NULL);
    cr_assert_eq(NtClearEvent(e), STATUS_SUCCESS);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_TIMEOUT);
    cr_assert_eq(NtQueryEvent(e, EventBasicInformation, &info, 4, NULL), STATUS_INFO_LENGTH_MISMATCH);
    cr_assert_eq(NtQueryEvent(e, (EVENT_INFORMATION_CLASS)3, &info, sizeof(info), NULL), STATUS_INVALID_INFO_CLASS);
    DWORD err = 1234;
    SetLastError(err);
    cr_assert_eq(NtSetEvent((HANDLE)0x7770, NULL), STATUS_INVALID_HANDLE);
    cr_assert_eq(GetLastError(), err, "NT calls keep the last error");
    CloseHandle(e);
}

Test(ntsync, named_event_is_kernel32s_and_names_collide_as_on_windows)
{
    char k32[128];
    HANDLE e, again, other;
    cr_assert_eq(NtCreateEvent(&e, EVENT_ALL_ACCESS, named("ev", 0, k32), NotificationEvent, TRUE), STATUS_SUCCESS);
    HANDLE k = OpenEventA(EVENT_ALL_ACCESS, FALSE, k32);
    cr_assert(k, "kernel32 opens the NT name's object");
    cr_assert_eq(WaitForSingleObject(k, 0), WAIT_OBJECT_0, "its initial state");
    cr_assert_eq(NtCreateEvent(&again, EVENT_ALL_ACCESS, named("ev", 0, NULL), NotificationEvent, FALSE),
                 STATUS_OBJECT_NAME_COLLISION);
    cr_assert_eq(NtCreateEvent(&again, EVENT_ALL_ACCESS, named("ev", OBJ_OPENIF, NULL), NotificationEvent, FALSE),
                 STATUS_OBJECT_NAME_EXISTS);
    cr_assert_eq(NtCreateMutant(&other, MUTEX_ALL_ACCESS, named("ev", 0, NULL), FALSE), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtOpenSemaphore(&other, SEMAPHORE_ALL_ACCESS, named("ev", 0, NULL)), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtCreateTimer(&other, TIMER_ALL_ACCESS, named("ev", 0, NULL), NotificationTimer),
                 STATUS_OBJECT_TYPE_MISMATCH, "timers share the Create");
    cr_assert_eq(NtOpenEvent(&other, EVENT_ALL_ACCESS, named("absent", 0, NULL)), STATUS_OBJECT_NAME_NOT_FOUND);
    cr_assert_eq(NtOpenEvent(&other, EVENT_ALL_ACCESS, NULL), STATUS_INVALID_PARAMETER);
    NtResetEvent(again, NULL);
    cr_assert_eq(WaitForSingleObject(k, 0), WAIT_TIMEOUT, "one object behind the three handles");
    CloseHandle(again), CloseHandle(k), CloseHandle(e);
}

Test(ntsync, access_and_type_checks)
{
    HANDLE ro, s;
    EVENT_BASIC_INFORMATION info;
    cr_assert_eq(NtCreateEvent(&ro, SYNCHRONIZE | EVENT_QUERY_STATE, NULL, NotificationEvent, FALSE), STATUS_SUCCESS);
    cr_assert_eq(NtSetEvent(ro, NULL), STATUS_ACCESS_DENIED);
    cr_assert_eq(NtQueryEvent(ro, EventBasicInformation, &info, sizeof(info), NULL), STATUS_SUCCESS);
    cr_assert_eq(NtCreateSemaphore(&s, SEMAPHORE_ALL_ACCESS, NULL, 0, 1), STATUS_SUCCESS);
    cr_assert_eq(NtSetEvent(s, NULL), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtReleaseMutant(s, NULL), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtQuerySemaphore(ro, SemaphoreBasicInformation, &info, sizeof(SEMAPHORE_BASIC_INFORMATION), NULL),
                 STATUS_OBJECT_TYPE_MISMATCH);
    CloseHandle(ro), CloseHandle(s);
}

static DWORD WINAPI take_and_end(void *m)
{
    WaitForSingleObject(m, 5000);
    return 0;
}

Test(ntsync, mutant_counts_ownership_and_abandonment)
{
    HANDLE m;
    MUTANT_BASIC_INFORMATION info;
    LONG prev = 7;
    cr_assert_eq(NtCreateMutant(&m, MUTEX_ALL_ACCESS, NULL, TRUE), STATUS_SUCCESS);
    cr_assert_eq(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
    cr_assert_eq(NtQueryMutant(m, MutantBasicInformation, &info, sizeof(info), NULL), STATUS_SUCCESS);
    cr_assert(info.CurrentCount == -1 && info.OwnedByCaller && !info.AbandonedState);
    cr_assert_eq(NtReleaseMutant(m, &prev), STATUS_SUCCESS);
    cr_assert_eq(prev, -1);
    cr_assert_eq(NtReleaseMutant(m, &prev), STATUS_SUCCESS);
    cr_assert_eq(prev, 0);
    cr_assert_eq(NtReleaseMutant(m, &prev), STATUS_MUTANT_NOT_OWNED);
    HANDLE t = CreateThread(NULL, 0, take_and_end, m, 0, NULL);
    cr_assert_eq(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
    CloseHandle(t);
    NtQueryMutant(m, MutantBasicInformation, &info, sizeof(info), NULL);
    cr_assert(info.CurrentCount == 1 && !info.OwnedByCaller && info.AbandonedState, "%d %d %d", info.CurrentCount,
              info.OwnedByCaller, info.AbandonedState);
    cr_assert_eq(WaitForSingleObject(m, 0), WAIT_ABANDONED);
    CloseHandle(m);
}

Test(ntsync, named_mutant_and_semaphore_state_is_shared)
{
    char k32[128];
    HANDLE m, s;
    MUTANT_BASIC_INFORMATION mi;
    SEMAPHORE_BASIC_INFORMATION si;
    ULONG prev = 7;
    cr_assert_eq(NtCreateMutant(&m, MUTEX_ALL_ACCESS, named("mu", 0, NULL), TRUE), STATUS_SUCCESS);
    NtQueryMutant(m, MutantBasicInformation, &mi, sizeof(mi), NULL);
    cr_assert(mi.CurrentCount == 0 && mi.OwnedByCaller);
    LONG mp;
    cr_assert_eq(NtReleaseMutant(m, &mp), STATUS_SUCCESS);
    cr_assert_eq(mp, 0);
    cr_assert_eq(NtCreateSemaphore(&s, SEMAPHORE_ALL_ACCESS, named("se", 0, k32), 2, 1), STATUS_INVALID_PARAMETER);
    cr_assert_eq(NtCreateSemaphore(&s, SEMAPHORE_ALL_ACCESS, named("se", 0, k32), 1, 2), STATUS_SUCCESS);
    HANDLE k = OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, k32);
    cr_assert_eq(WaitForSingleObject(k, 0), WAIT_OBJECT_0);
    cr_assert_eq(NtReleaseSemaphore(s, 3, &prev), STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    cr_assert_eq(prev, 7, "untouched on failure");
    cr_assert_eq(NtReleaseSemaphore(s, 2, &prev), STATUS_SUCCESS);
    cr_assert_eq(prev, 0);
    cr_assert_eq(NtReleaseSemaphore(s, 0, &prev), STATUS_INVALID_PARAMETER);
    NtQuerySemaphore(s, SemaphoreBasicInformation, &si, sizeof(si), NULL);
    cr_assert(si.CurrentCount == 2 && si.MaximumCount == 2);
    CloseHandle(k), CloseHandle(s), CloseHandle(m);
}

Test(ntsync, named_event_set_by_a_forked_child)
{
    HANDLE e;
    cr_assert_eq(NtCreateEvent(&e, EVENT_ALL_ACCESS, named("fork", 0, NULL), SynchronizationEvent, FALSE),
                 STATUS_SUCCESS);
    POBJECT_ATTRIBUTES oa = named("fork", 0, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE h;
        LONG prev = 7;
        if (NtOpenEvent(&h, EVENT_MODIFY_STATE, oa))
            _exit(10);
        _exit(NtSetEvent(h, &prev) || prev != 0 ? 11 : 0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %d", WEXITSTATUS(st));
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0, "set by the child");
    CloseHandle(e);
}

Test(ntsync, signal_and_wait)
{
    HANDLE a = CreateEventA(NULL, TRUE, FALSE, NULL), b = CreateEventA(NULL, TRUE, TRUE, NULL);
    HANDLE c = CreateEventA(NULL, TRUE, FALSE, NULL), full = CreateSemaphoreA(NULL, 1, 1, NULL);
    cr_assert_eq(SignalObjectAndWait(a, b, 0, FALSE), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(a, 0), WAIT_OBJECT_0, "signalled");
    cr_assert_eq(SignalObjectAndWait(full, b, 0, FALSE), WAIT_FAILED);
    cr_assert_eq(GetLastError(), ERROR_TOO_MANY_POSTS);
    cr_assert_eq(SignalObjectAndWait(a, (HANDLE)0x7770, 0, FALSE), WAIT_FAILED);
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    HANDLE m = CreateMutexA(NULL, TRUE, NULL);
    LARGE_INTEGER zero = {.QuadPart = 0};
    cr_assert_eq(NtSignalAndWaitForSingleObject(m, c, FALSE, &zero), STATUS_TIMEOUT);
    cr_assert_eq(NtSignalAndWaitForSingleObject(m, c, FALSE, &zero), STATUS_MUTANT_NOT_OWNED);
    cr_assert_eq(NtSignalAndWaitForSingleObject(GetCurrentProcess(), c, FALSE, &zero), STATUS_OBJECT_TYPE_MISMATCH);
    ResetEvent(a);
    cr_assert_eq(NtSignalAndWaitForSingleObject(a, (HANDLE)0x7770, FALSE, &zero), STATUS_INVALID_HANDLE);
    cr_assert_eq(WaitForSingleObject(a, 0), WAIT_TIMEOUT, "a bad wait handle signals nothing");
    CloseHandle(a), CloseHandle(b), CloseHandle(c), CloseHandle(full), CloseHandle(m);
}

static ULONG_PTR seen[3];
static int calls;
static void NTAPI on_apc(ULONG_PTR a, ULONG_PTR b, ULONG_PTR c) { seen[0] = a, seen[1] = b, seen[2] = c, calls++; }

/* An APC that queues another to its own thread: Windows delivers that one in the same return
 * from the wait (KiUserApcDispatcher's NtContinue(ctx, TRUE) finds it pending); winvm took the
 * whole queue at once and left it for the next wait. */
static void NTAPI requeue_apc(ULONG_PTR a, ULONG_PTR b, ULONG_PTR c)
{
    (void)b, (void)c;
    calls++;
    if (a)
        NtQueueApcThread(GetCurrentThread(), requeue_apc, a - 1, 0, 0);
}

Test(ntsync, apc_queued_by_an_apc_runs_in_the_same_wait)
{
    calls = 0;
    cr_assert_eq(NtQueueApcThread(GetCurrentThread(), requeue_apc, 2, 0, 0), STATUS_SUCCESS);
    cr_assert_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
    cr_assert_eq(calls, 3, "the routine and the two it queued, one after the other");
    cr_assert_eq(SleepEx(0, TRUE), 0, "none left for the next wait");
    cr_assert_eq(calls, 3);
}

Test(ntsync, queue_apc_thread_test_alert_and_delay)
{
    calls = 0;
    cr_assert_eq(NtQueueApcThread(GetCurrentThread(), on_apc, 1, 2, 3), STATUS_SUCCESS);
    cr_assert_eq(calls, 0, "not outside an alertable wait");
    LARGE_INTEGER d = {.QuadPart = -10000};
    cr_assert_eq(NtDelayExecution(FALSE, &d), STATUS_SUCCESS);
    cr_assert_eq(calls, 0, "a non-alertable delay runs none");
    cr_assert_eq(NtTestAlert(), STATUS_SUCCESS);
    cr_assert(calls == 1 && seen[0] == 1 && seen[1] == 2 && seen[2] == 3);
    NtQueueApcThread(GetCurrentThread(), on_apc, 4, 5, 6);
    d.QuadPart = -600LL * 1000 * 10000; /* ten minutes: the APC ends it */
    cr_assert_eq(NtDelayExecution(TRUE, &d), STATUS_USER_APC);
    cr_assert(calls == 2 && seen[2] == 6);
    cr_assert_eq(NtDelayExecution(FALSE, NULL), STATUS_ACCESS_VIOLATION);
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
    cr_assert_eq(NtQueueApcThread(e, on_apc, 0, 0, 0), STATUS_OBJECT_TYPE_MISMATCH);
    cr_assert_eq(NtQueueApcThread((HANDLE)0x7770, on_apc, 0, 0, 0), STATUS_INVALID_HANDLE);
    CloseHandle(e);
    NTSTATUS y = NtYieldExecution();
    cr_assert(y == STATUS_SUCCESS || y == STATUS_NO_YIELD_PERFORMED, "%x", (unsigned)y);
}

Test(ntsync, duplicate_object)
{
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL), d = NULL, d2 = NULL, me = GetCurrentProcess();
    cr_assert_eq(NtDuplicateObject(me, e, me, &d, 0, 0, DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
    cr_assert_eq(NtSetEvent(d, NULL), STATUS_SUCCESS);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0, "one event behind both");
    cr_assert_eq(NtDuplicateObject(me, d, me, &d2, SYNCHRONIZE, OBJ_INHERIT, DUPLICATE_CLOSE_SOURCE), STATUS_SUCCESS);
    cr_assert_eq(NtSetEvent(d, NULL), STATUS_INVALID_HANDLE, "the source closed");
    cr_assert_eq(NtSetEvent(d2, NULL), STATUS_ACCESS_DENIED, "the access asked for");
    DWORD flags = 0;
    cr_assert(GetHandleInformation(d2, &flags) && (flags & 1), "OBJ_INHERIT");
    HANDLE d3 = NULL;
    cr_assert_eq(NtDuplicateObject(me, d2, me, &d3, 0, 0, DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES),
                 STATUS_SUCCESS);
    cr_assert(GetHandleInformation(d3, &flags) && (flags & 1), "the source's attributes");
    DWORD err = 77;
    SetLastError(err);
    cr_assert_eq(NtDuplicateObject(me, (HANDLE)0x7770, me, &d, 0, 0, DUPLICATE_SAME_ACCESS), STATUS_INVALID_HANDLE);
    cr_assert_eq(GetLastError(), err);
    cr_assert_eq(NtDuplicateObject(me, e, me, (PHANDLE)16, 0, 0, DUPLICATE_SAME_ACCESS), STATUS_ACCESS_VIOLATION);
    CloseHandle(d3), CloseHandle(d2), CloseHandle(e);
}

Test(ntsync, query_object_type_and_basic_information)
{
    static const struct {
        int kind;
        const char *name;
    } want[] = {{0, "Event"}, {1, "Mutant"}, {2, "Semaphore"}, {3, "Process"}};
    HANDLE hs[] = {CreateEventA(NULL, TRUE, FALSE, NULL), CreateMutexA(NULL, FALSE, NULL),
                   CreateSemaphoreA(NULL, 0, 1, NULL), GetCurrentProcess()};
    for (size_t i = 0; i < 4; i++) {
        union {
            OBJECT_TYPE_INFORMATION t;
            BYTE b[256];
        } u;
        ULONG len = 0, len2 = 0;
        cr_assert_eq(NtQueryObject(hs[i], ObjectTypeInformation, &u, sizeof(u), &len), STATUS_SUCCESS);
        size_t n = strlen(want[i].name);
        cr_assert_eq(u.t.TypeName.Length, n * 2, "%s: %u", want[i].name, u.t.TypeName.Length);
        for (size_t k = 0; k <= n; k++)
            cr_assert_eq(u.t.TypeName.Buffer[k], (WCHAR)want[i].name[k], "%s", want[i].name);
        cr_assert_eq(len, sizeof(OBJECT_TYPE_INFORMATION) + (n + 1) * 2);
        cr_assert_eq(NtQueryObject(hs[i], ObjectTypeInformation, &u, len - 1, &len2), STATUS_INFO_LENGTH_MISMATCH);
        cr_assert_eq(len2, len, "the size needed");
    }
    OBJECT_BASIC_INFORMATION b;
    HANDLE d = NULL;
    cr_assert(DuplicateHandle(GetCurrentProcess(), hs[0], GetCurrentProcess(), &d, SYNCHRONIZE, TRUE, 0));
    cr_assert_eq(NtQueryObject(hs[0], ObjectBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
    cr_assert(b.HandleCount == 2 && b.GrantedAccess == EVENT_ALL_ACCESS && b.Attributes == 0, "%u", b.HandleCount);
    cr_assert_eq(NtQueryObject(d, ObjectBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
    cr_assert(b.GrantedAccess == SYNCHRONIZE && b.Attributes == 2 /* OBJ_INHERIT */);
    CloseHandle(d);
    cr_assert_eq(NtQueryObject(hs[0], ObjectBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
    cr_assert_eq(b.HandleCount, 1, "one handle closed");
    cr_assert_eq(NtQueryObject((HANDLE)0x7770, ObjectBasicInformation, &b, sizeof(b), NULL), STATUS_INVALID_HANDLE);
    ULONG nlen = 0;
    cr_assert_eq(NtQueryObject(hs[0], ObjectNameInformation, &b, sizeof(b), &nlen), STATUS_SUCCESS);
    USHORT nl;
    memcpy(&nl, &b, sizeof(nl)); /* OBJECT_NAME_INFORMATION.Name.Length */
    cr_assert(nlen == sizeof(UNICODE_STRING) && nl == 0, "an unnamed object's name is empty");
    for (size_t i = 0; i < 3; i++)
        CloseHandle(hs[i]);
}

Test(ntsync, pe_program_uses_the_nt_sync_calls)
{
    static char out[16384];
    tu_run_checks(EXE("ntsync.exe"), out, sizeof(out));
    const char *must[] = {"ok event_bad_type", "ok event_query", "ok event_previous_state", "ok event_clear",
                          "ok event_pulse", "ok event_names", "ok event_open", "ok event_bad", "ok event_access",
                          "ok mutant_owned", "ok mutant_release_counts", "ok mutant_not_owned",
                          "ok mutant_abandoned", "ok mutant_open", "ok semaphore_bad", "ok semaphore_query",
                          "ok semaphore_release", "ok semaphore_open", "ok signal_and_wait",
                          "ok signal_and_wait_errors", "ok signal_and_wait_mutex", "ok signal_and_wait_alertable",
                          "ok nt_signal_and_wait", "ok delay", "ok queue_apc_test_alert", "ok delay_alertable",
                          "ok queue_apc_bad", "ok queue_apc_ended", "ok queue_apc_null", "ok yield", "ok duplicate_object", "ok query_object_type",
                          "ok query_object_basic", "ok query_object_bad", "ok zw_aliases", "ok child_opened_and_set",
                          "ok done"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++)
        cr_assert(strstr(out, must[i]), "%s missing:\n%s", must[i], out);
}

/* Each kind maps the generic rights a create asks for through the generic mapping its type
 * reports (NtQueryObject), and that mapping is Windows' (ntdll's om.c lists it per type). */
static NTSTATUS create_kind(int which, ACCESS_MASK access, HANDLE *h)
{
    LARGE_INTEGER max = {.QuadPart = 0x10000};
    switch (which) {
    case 0: return NtCreateSection(h, access, NULL, &max, PAGE_READWRITE, SEC_COMMIT, NULL);
    case 1: return NtCreateEvent(h, access, NULL, NotificationEvent, FALSE);
    case 2: return NtCreateMutant(h, access, NULL, FALSE);
    case 3: return NtCreateIoCompletion(h, access, NULL, 0);
    case 4: return NtCreateJobObject(h, access, NULL);
    default: return NtCreateKeyedEvent(h, access, NULL, 0);
    }
}

Test(ntsync, generic_rights_map_as_each_type_reports)
{
    static const struct {
        const char *type;
        WV_GENERIC_MAPPING map;
        ULONG valid;
    } want[] = {
        {"Section", {0x20005, 0x20002, 0x20008, 0xf001f}, 0x1f001f},
        {"Event", {0x20001, 0x20002, 0x120000, 0x1f0003}, 0x1f0003},
        {"Mutant", {0x20001, 0x20000, 0x120000, 0x1f0001}, 0x1f0001},
        {"IoCompletion", {0x20001, 0x20002, 0x120000, 0x1f0003}, 0x1f0003},
        {"Job", {0x20004, 0x2000b, 0x120000, 0x1f003f}, 0x1f003f},
        {"KeyedEvent", {0x20001, 0x20002, 0x20000, 0xf0003}, 0x1f0003},
    };
    static const ACCESS_MASK generic[] = {GENERIC_READ, GENERIC_WRITE, GENERIC_EXECUTE, GENERIC_ALL, MAXIMUM_ALLOWED};
    for (int i = 0; i < 6; i++) {
        HANDLE h;
        cr_assert_eq(create_kind(i, GENERIC_READ, &h), STATUS_SUCCESS, "%s", want[i].type);
        union {
            OBJECT_TYPE_INFORMATION t;
            BYTE b[256];
        } u;
        cr_assert_eq(NtQueryObject(h, ObjectTypeInformation, &u, sizeof(u), NULL), STATUS_SUCCESS);
        cr_assert_eq(u.t.TypeName.Length, strlen(want[i].type) * 2, "%s", want[i].type);
        const ACCESS_MASK *m = &u.t.GenericMapping.GenericRead, *w = &want[i].map.GenericRead;
        for (int k = 0; k < 4; k++)
            cr_assert_eq(m[k], w[k], "%s: generic %d maps to %#x, Windows %#x", want[i].type, k, m[k], w[k]);
        cr_assert_eq(u.t.ValidAccessMask, want[i].valid, "%s: %#x", want[i].type, u.t.ValidAccessMask);
        CloseHandle(h);
        for (int g = 0; g < 5; g++) {
            cr_assert_eq(create_kind(i, generic[g] | SYNCHRONIZE, &h), STATUS_SUCCESS);
            OBJECT_BASIC_INFORMATION b;
            cr_assert_eq(NtQueryObject(h, ObjectBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
            ACCESS_MASK expect = (w[g < 4 ? g : 3] | SYNCHRONIZE) & want[i].valid;
            cr_assert_eq(b.GrantedAccess, expect, "%s, generic %d: granted %#x, expected %#x", want[i].type, g,
                         b.GrantedAccess, expect);
            CloseHandle(h);
        }
    }
}
