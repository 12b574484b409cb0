/* SPDX-License-Identifier: MIT */
/* ntsync.c - ntdll's event, mutant and semaphore calls, NtSignalAndWaitForSingleObject and
 * kernel32's SignalObjectAndWait, NtDelayExecution, NtYieldExecution, NtQueueApcThread,
 * NtTestAlert, NtDuplicateObject and NtQueryObject from PE code (tests/test_ntsync.c runs it under `winvm run`), and a named NT
 * event a child process opens and sets.  Expected values: what Wine's conformance tests
 * record of Windows (ntdll/tests/sync.c, om.c; kernel32/tests/sync.c).  Prints "ok NAME" or
 * "FAIL NAME ..." per check, exits 0 when all passed.  "child NAME": the child. */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#include "nt_objattr.h"
typedef struct {
    int EventType;
    LONG EventState;
} EVENT_BASIC;
typedef struct {
    LONG CurrentCount;
    BOOLEAN OwnedByCaller, AbandonedState;
} MUTANT_BASIC;
typedef struct {
    ULONG CurrentCount, MaximumCount;
} SEM_BASIC;
typedef void(NTAPI *NTAPC)(ULONG_PTR, ULONG_PTR, ULONG_PTR);
NTSTATUS NTAPI NtCreateEvent(PHANDLE, ACCESS_MASK, OBJATTR *, int, BOOLEAN);
NTSTATUS NTAPI NtOpenEvent(PHANDLE, ACCESS_MASK, OBJATTR *);
NTSTATUS NTAPI NtSetEvent(HANDLE, LONG *);
NTSTATUS NTAPI NtResetEvent(HANDLE, LONG *);
NTSTATUS NTAPI NtClearEvent(HANDLE);
NTSTATUS NTAPI NtPulseEvent(HANDLE, LONG *);
NTSTATUS NTAPI NtQueryEvent(HANDLE, int, PVOID, ULONG, PULONG);
NTSTATUS NTAPI NtCreateMutant(PHANDLE, ACCESS_MASK, OBJATTR *, BOOLEAN);
NTSTATUS NTAPI NtOpenMutant(PHANDLE, ACCESS_MASK, OBJATTR *);
NTSTATUS NTAPI NtReleaseMutant(HANDLE, LONG *);
NTSTATUS NTAPI NtQueryMutant(HANDLE, int, PVOID, ULONG, PULONG);
NTSTATUS NTAPI NtCreateSemaphore(PHANDLE, ACCESS_MASK, OBJATTR *, LONG, LONG);
NTSTATUS NTAPI NtOpenSemaphore(PHANDLE, ACCESS_MASK, OBJATTR *);
NTSTATUS NTAPI NtReleaseSemaphore(HANDLE, ULONG, PULONG);
NTSTATUS NTAPI NtQuerySemaphore(HANDLE, int, PVOID, ULONG, PULONG);
NTSTATUS NTAPI NtSignalAndWaitForSingleObject(HANDLE, HANDLE, BOOLEAN, PLARGE_INTEGER);
NTSTATUS NTAPI NtDelayExecution(BOOLEAN, PLARGE_INTEGER);
NTSTATUS NTAPI NtYieldExecution(void);
NTSTATUS NTAPI NtQueueApcThread(HANDLE, NTAPC, ULONG_PTR, ULONG_PTR, ULONG_PTR);
NTSTATUS NTAPI NtTestAlert(void);
NTSTATUS NTAPI NtWaitForSingleObject(HANDLE, BOOLEAN, PLARGE_INTEGER);
NTSTATUS NTAPI NtClose(HANDLE);
NTSTATUS NTAPI NtDuplicateObject(HANDLE, HANDLE, HANDLE, PHANDLE, ACCESS_MASK, ULONG, ULONG);
NTSTATUS NTAPI NtQueryObject(HANDLE, int, PVOID, ULONG, PULONG);
typedef struct {
    ULONG Attributes, GrantedAccess, HandleCount, PointerCount, Reserved[10];
} OBJ_BASIC;

#define ST_EXISTS 0x40000000L
#define ST_NO_YIELD 0x40000024L
#define ST_USER_APC 0xC0L
#define ST_TIMEOUT 0x102L
#define ST_INVALID_HANDLE ((NTSTATUS)0xC0000008)
#define ST_UNSUCCESSFUL ((NTSTATUS)0xC0000001)
#define ST_INVALID_PARAMETER ((NTSTATUS)0xC000000D)
#define ST_ACCESS_DENIED ((NTSTATUS)0xC0000022)
#define ST_TYPE_MISMATCH ((NTSTATUS)0xC0000024)
#define ST_NOT_FOUND ((NTSTATUS)0xC0000034)
#define ST_COLLISION ((NTSTATUS)0xC0000035)
#define ST_NOT_OWNED ((NTSTATUS)0xC0000046)
#define ST_LIMIT ((NTSTATUS)0xC0000047)
#define ST_INFO_CLASS ((NTSTATUS)0xC0000003)
#define ST_LENGTH ((NTSTATUS)0xC0000004)
#define ST_ACCESS_VIOLATION ((NTSTATUS)0xC0000005)
#define OPENIF 0x80

#include "nt_check.h"

static WCHAR path[128];
static UNISTR ustr;
static OBJATTR attr;

/* attr names \BaseNamedObjects\<what>-<pid> (flags: its attributes). */
static OBJATTR *named(const char *what, ULONG flags)
{
    char a[96];
    snprintf(a, sizeof(a), "\\BaseNamedObjects\\wvntsync-%s-%lu", what, (unsigned long)GetCurrentProcessId());
    MultiByteToWideChar(CP_ACP, 0, a, -1, path, 128);
    ustr.Length = (USHORT)(wcslen(path) * 2), ustr.MaximumLength = ustr.Length + 2, ustr.Buffer = path;
    memset(&attr, 0, sizeof(attr));
    attr.Length = sizeof(attr), attr.ObjectName = &ustr, attr.Attributes = flags;
    return &attr;
}

static void events(void)
{
    HANDLE e, e2, s;
    LONG prev = 7;
    EVENT_BASIC info;
    ULONG len = 0;
    check(NtCreateEvent(&e, EVENT_ALL_ACCESS, named("ev", 0), 2, FALSE) == ST_INVALID_PARAMETER, "event_bad_type", 0);
    NTSTATUS st = NtCreateEvent(&e, EVENT_ALL_ACCESS, named("ev", 0), 0 /* Notification */, FALSE);
    NTSTATUS q = NtQueryEvent(e, 0, &info, sizeof(info), &len);
    check(!st && !q && info.EventType == 0 && info.EventState == 0 && len == sizeof(info), "event_query", st | q);
    NTSTATUS a = NtSetEvent(e, &prev);
    LONG p1 = prev;
    NTSTATUS b = NtSetEvent(e, &prev);
    LONG p2 = prev;
    NTSTATUS c = NtResetEvent(e, &prev);
    LONG p3 = prev;
    check(!a && !b && !c && p1 == 0 && p2 == 1 && p3 == 1, "event_previous_state", p1 | p2 << 4 | p3 << 8);
    NtSetEvent(e, NULL);
    NTSTATUS cl = NtClearEvent(e);
    NtQueryEvent(e, 0, &info, sizeof(info), NULL);
    check(!cl && info.EventState == 0 && WaitForSingleObject(e, 0) == WAIT_TIMEOUT, "event_clear", cl);
    NtSetEvent(e, NULL);
    NTSTATUS pu = NtPulseEvent(e, &prev);
    NtQueryEvent(e, 0, &info, sizeof(info), NULL);
    check(!pu && prev == 1 && info.EventState == 0, "event_pulse", pu);
    NTSTATUS coll = NtCreateEvent(&e2, EVENT_ALL_ACCESS, named("ev", 0), 1, FALSE);
    NTSTATUS ex = NtCreateEvent(&e2, EVENT_ALL_ACCESS, named("ev", OPENIF), 1, TRUE);
    NtQueryEvent(e2, 0, &info, sizeof(info), NULL); /* the existing object: its type and state */
    check(coll == ST_COLLISION && ex == ST_EXISTS && info.EventType == 0 && info.EventState == 0, "event_names",
          coll);
    NtClose(e2);
    NTSTATUS op = NtOpenEvent(&e2, EVENT_ALL_ACCESS, named("ev", 0));
    NtSetEvent(e2, NULL);
    DWORD w = WaitForSingleObject(e, 0);
    NTSTATUS nf = NtOpenEvent(&s, EVENT_ALL_ACCESS, named("absent", 0));
    NTSTATUS tm = NtOpenMutant(&s, MUTEX_ALL_ACCESS, named("ev", 0));
    NTSTATUS tm2 = NtCreateSemaphore(&s, SEMAPHORE_ALL_ACCESS, named("ev", 0), 0, 1);
    check(!op && w == WAIT_OBJECT_0 && nf == ST_NOT_FOUND && tm == ST_TYPE_MISMATCH && tm2 == ST_TYPE_MISMATCH,
          "event_open", nf);
    NtCreateSemaphore(&s, SEMAPHORE_ALL_ACCESS, NULL, 0, 1);
    NTSTATUS m1 = NtSetEvent(s, NULL), m2 = NtSetEvent((HANDLE)0x7770, NULL);
    NTSTATUS m3 = NtQueryEvent(e, 5, &info, sizeof(info), NULL), m4 = NtQueryEvent(e, 0, &info, 4, NULL);
    NTSTATUS m5 = NtSetEvent(e, (LONG *)16);
    check(m1 == ST_TYPE_MISMATCH && m2 == ST_INVALID_HANDLE && m3 == ST_INFO_CLASS && m4 == ST_LENGTH &&
              m5 == ST_ACCESS_VIOLATION,
          "event_bad", m1);
    HANDLE ro;
    NtCreateEvent(&ro, SYNCHRONIZE | 1 /* EVENT_QUERY_STATE */, NULL, 1, FALSE);
    NTSTATUS d = NtSetEvent(ro, NULL), dq = NtQueryEvent(ro, 0, &info, sizeof(info), NULL);
    check(d == ST_ACCESS_DENIED && !dq && info.EventType == 1, "event_access", d);
    NtClose(ro), NtClose(s), NtClose(e2), NtClose(e);
}

static DWORD WINAPI take_and_end(void *m)
{
    WaitForSingleObject(m, 5000);
    return 0; /* ends owning it: abandoned */
}

static void mutants(void)
{
    HANDLE m;
    MUTANT_BASIC info;
    LONG prev = 7;
    NTSTATUS st = NtCreateMutant(&m, MUTEX_ALL_ACCESS, named("mu", 0), TRUE);
    NtQueryMutant(m, 0, &info, sizeof(info), NULL);
    check(!st && info.CurrentCount == 0 && info.OwnedByCaller && !info.AbandonedState, "mutant_owned", st);
    WaitForSingleObject(m, 0);
    NtQueryMutant(m, 0, &info, sizeof(info), NULL);
    LONG twice = info.CurrentCount;
    NTSTATUS r1 = NtReleaseMutant(m, &prev);
    LONG p1 = prev;
    NTSTATUS r2 = NtReleaseMutant(m, &prev);
    NtQueryMutant(m, 0, &info, sizeof(info), NULL);
    check(twice == -1 && !r1 && !r2 && p1 == -1 && prev == 0 && info.CurrentCount == 1 && !info.OwnedByCaller,
          "mutant_release_counts", twice);
    NTSTATUS r3 = NtReleaseMutant(m, &prev);
    check(r3 == ST_NOT_OWNED, "mutant_not_owned", r3);
    HANDLE u;
    NtCreateMutant(&u, MUTEX_ALL_ACCESS, NULL, FALSE); /* unnamed: its owner's end is seen at once */
    HANDLE t = CreateThread(NULL, 0, take_and_end, u, 0, NULL);
    WaitForSingleObject(t, 10000);
    CloseHandle(t);
    NtQueryMutant(u, 0, &info, sizeof(info), NULL);
    int before = info.CurrentCount == 1 && !info.OwnedByCaller && info.AbandonedState;
    DWORD w = WaitForSingleObject(u, 5000);
    NtQueryMutant(u, 0, &info, sizeof(info), NULL);
    NtClose(u);
    check(before && w == WAIT_ABANDONED && info.CurrentCount == 0 && info.OwnedByCaller && !info.AbandonedState,
          "mutant_abandoned", w);
    HANDLE m2;
    NTSTATUS op = NtOpenMutant(&m2, MUTEX_ALL_ACCESS, named("mu", 0));
    DWORD own = WaitForSingleObject(m, 0);
    NTSTATUS rel = NtReleaseMutant(m2, NULL); /* the same mutant, owned by this thread */
    NTSTATUS bad = NtQueryMutant(m, 0, &info, 0, NULL), bad2 = NtQueryMutant((HANDLE)0x7770, 0, &info, sizeof(info), NULL);
    check(!op && own == WAIT_OBJECT_0 && !rel && bad == ST_LENGTH && bad2 == ST_INVALID_HANDLE, "mutant_open", op | rel);
    NtClose(m2), NtClose(m);
}

static void semaphores(void)
{
    HANDLE s, s2;
    SEM_BASIC info;
    ULONG prev = 7, len = 0;
    check(NtCreateSemaphore(&s, SEMAPHORE_ALL_ACCESS, named("se", 0), 2, 1) == ST_INVALID_PARAMETER, "semaphore_bad",
          0);
    NTSTATUS st = NtCreateSemaphore(&s, SEMAPHORE_ALL_ACCESS, named("se", 0), 1, 2);
    NtQuerySemaphore(s, 0, &info, sizeof(info), &len);
    check(!st && info.CurrentCount == 1 && info.MaximumCount == 2 && len == sizeof(info), "semaphore_query", st);
    WaitForSingleObject(s, 0);
    NTSTATUS l1 = NtReleaseSemaphore(s, 3, &prev);
    ULONG kept = prev;
    NTSTATUS r1 = NtReleaseSemaphore(s, 1, &prev);
    ULONG p1 = prev;
    NTSTATUS r2 = NtReleaseSemaphore(s, 1, &prev);
    ULONG p2 = prev;
    NTSTATUS l2 = NtReleaseSemaphore(s, 1, &prev);
    NtQuerySemaphore(s, 0, &info, sizeof(info), NULL);
    check(l1 == ST_LIMIT && kept == 7 && !r1 && p1 == 0 && !r2 && p2 == 1 && l2 == ST_LIMIT && info.CurrentCount == 2,
          "semaphore_release", l1);
    NTSTATUS op = NtOpenSemaphore(&s2, SEMAPHORE_ALL_ACCESS, named("se", 0));
    DWORD w = WaitForSingleObject(s2, 0);
    NtQuerySemaphore(s, 0, &info, sizeof(info), NULL);
    check(!op && w == WAIT_OBJECT_0 && info.CurrentCount == 1, "semaphore_open", op);
    NtClose(s2), NtClose(s);
}

static ULONG_PTR apc_args[3];
static int apc_calls;
static void NTAPI on_apc(ULONG_PTR a, ULONG_PTR b, ULONG_PTR c)
{
    apc_args[0] = a, apc_args[1] = b, apc_args[2] = c, apc_calls++;
}
static void CALLBACK on_user_apc(ULONG_PTR a) { apc_args[0] = a, apc_calls++; }

static void signal_and_wait(void)
{
    HANDLE a = CreateEventA(NULL, TRUE, FALSE, NULL), b = CreateEventA(NULL, TRUE, TRUE, NULL);
    DWORD r = SignalObjectAndWait(a, b, 0, FALSE);
    check(r == WAIT_OBJECT_0 && WaitForSingleObject(a, 0) == WAIT_OBJECT_0, "signal_and_wait", r);
    HANDLE full = CreateSemaphoreA(NULL, 1, 1, NULL), c = CreateEventA(NULL, TRUE, FALSE, NULL);
    r = SignalObjectAndWait(full, b, 0, FALSE);
    DWORD e1 = GetLastError();
    DWORD r2 = SignalObjectAndWait(GetCurrentProcess(), b, 0, FALSE);
    DWORD e2 = GetLastError();
    check(r == WAIT_FAILED && e1 == ERROR_TOO_MANY_POSTS && r2 == WAIT_FAILED && e2 == ERROR_INVALID_HANDLE,
          "signal_and_wait_errors", e1 | e2 << 16);
    HANDLE m = CreateMutexA(NULL, TRUE, NULL);
    r = SignalObjectAndWait(m, c, 0, FALSE); /* releases it: another thread could take it now */
    DWORD e3 = ReleaseMutex(m) ? 0 : GetLastError();
    check(r == WAIT_TIMEOUT && e3 == ERROR_NOT_OWNER, "signal_and_wait_mutex", r | e3 << 16);
    apc_calls = 0;
    QueueUserAPC(on_user_apc, GetCurrentThread(), 5);
    r = SignalObjectAndWait(a, c, INFINITE, TRUE);
    check(r == WAIT_IO_COMPLETION && apc_calls == 1, "signal_and_wait_alertable", r);
    LARGE_INTEGER zero = {{0, 0}};
    HANDLE m2 = CreateMutexA(NULL, TRUE, NULL);
    NTSTATUS st = NtSignalAndWaitForSingleObject(m2, c, FALSE, &zero);
    NTSTATUS no = NtSignalAndWaitForSingleObject(m2, c, FALSE, &zero);
    NTSTATUS ty = NtSignalAndWaitForSingleObject(GetCurrentProcess(), c, FALSE, &zero);
    NTSTATUS lim = NtSignalAndWaitForSingleObject(full, b, FALSE, &zero);
    NTSTATUS ok = NtSignalAndWaitForSingleObject(c, c, FALSE, &zero);
    check(st == ST_TIMEOUT && no == ST_NOT_OWNED && ty == ST_TYPE_MISMATCH && lim == ST_LIMIT && ok == 0,
          "nt_signal_and_wait", st);
    CloseHandle(a), CloseHandle(b), CloseHandle(c), CloseHandle(full), CloseHandle(m), CloseHandle(m2);
}

static void delays_and_apcs(void)
{
    LARGE_INTEGER d;
    d.QuadPart = -10 * 10000;
    NTSTATUS r1 = NtDelayExecution(FALSE, &d);
    d.QuadPart = 1; /* an absolute time long past: no sleep */
    NTSTATUS r2 = NtDelayExecution(FALSE, &d);
    NTSTATUS r3 = NtDelayExecution(FALSE, (PLARGE_INTEGER)16);
    check(r1 == 0 && r2 == 0 && r3 == ST_ACCESS_VIOLATION, "delay", r3);
    apc_calls = 0;
    NTSTATUS q = NtQueueApcThread(GetCurrentThread(), on_apc, 1, 2, 3);
    int before = apc_calls;
    NTSTATUS t = NtTestAlert();
    check(!q && !t && before == 0 && apc_calls == 1 && apc_args[0] == 1 && apc_args[1] == 2 && apc_args[2] == 3,
          "queue_apc_test_alert", q | t);
    NtQueueApcThread(GetCurrentThread(), on_apc, 4, 5, 6);
    d.QuadPart = -60LL * 1000 * 10000; /* a minute: the APC ends it */
    NTSTATUS a = NtDelayExecution(TRUE, &d);
    check(a == ST_USER_APC && apc_calls == 2 && apc_args[2] == 6, "delay_alertable", a);
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
    NTSTATUS b1 = NtQueueApcThread((HANDLE)0x7770, on_apc, 0, 0, 0), b2 = NtQueueApcThread(e, on_apc, 0, 0, 0);
    check(b1 == ST_INVALID_HANDLE && b2 == ST_TYPE_MISMATCH, "queue_apc_bad", b1);
    CloseHandle(e);
    NTSTATUS y = NtYieldExecution();
    check(y == 0 || y == ST_NO_YIELD, "yield", y);
}

static DWORD WINAPI idle_thread(void *arg) { (void)arg; return 0; }

/* A thread that has ended takes no APC, a NULL routine included: STATUS_UNSUCCESSFUL (as
 * Wine's kernel32/tests/sync.c records); a live thread takes a NULL routine and nothing runs. */
static void apcs_ended_and_null(void)
{
    HANDLE th = CreateThread(NULL, 0, idle_thread, NULL, CREATE_SUSPENDED, NULL);
    TerminateThread(th, 7);
    DWORD w = WaitForSingleObject(th, INFINITE);
    NTSTATUS e1 = NtQueueApcThread(th, on_apc, 0, 0, 0), e2 = NtQueueApcThread(th, NULL, 0, 0, 0);
    check(w == WAIT_OBJECT_0 && e1 == ST_UNSUCCESSFUL && e2 == ST_UNSUCCESSFUL, "queue_apc_ended", e1);
    CloseHandle(th);
    apc_calls = 0;
    NTSTATUS n = NtQueueApcThread(GetCurrentThread(), NULL, 0, 0, 0);
    DWORD s = SleepEx(0, TRUE);
    check(n == 0 && s == 0 && apc_calls == 0, "queue_apc_null", n);
}

static void duplicates(void)
{
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL), d = NULL, d2 = NULL, me = GetCurrentProcess();
    NTSTATUS a = NtDuplicateObject(me, e, me, &d, 0, 0, DUPLICATE_SAME_ACCESS);
    NtSetEvent(d, NULL);
    DWORD w = WaitForSingleObject(e, 0);
    NTSTATUS b = NtDuplicateObject(me, d, me, &d2, SYNCHRONIZE | 1 /* EVENT_QUERY_STATE */, 2 /* OBJ_INHERIT */,
                                   DUPLICATE_CLOSE_SOURCE);
    NTSTATUS gone = NtSetEvent(d, NULL), denied = NtSetEvent(d2, NULL);
    DWORD flags = 0, w2 = WaitForSingleObject(d2, 0);
    GetHandleInformation(d2, &flags);
    NTSTATUS bad = NtDuplicateObject(me, (HANDLE)0x7770, me, &d, 0, 0, DUPLICATE_SAME_ACCESS);
    NTSTATUS opt = NtDuplicateObject(me, e, me, &d, 0, 0, 0x100);
    check(!a && w == WAIT_OBJECT_0 && !b && gone == ST_INVALID_HANDLE && denied == ST_ACCESS_DENIED &&
              w2 == WAIT_OBJECT_0 && (flags & HANDLE_FLAG_INHERIT) && bad == ST_INVALID_HANDLE &&
              opt == ST_INVALID_PARAMETER,
          "duplicate_object", a | (long long)b << 32);
    CloseHandle(d2), CloseHandle(e);
}

/* Whether h's type is name (ObjectTypeInformation), with Windows' length rules. */
static int type_is(HANDLE h, const char *name)
{
    BYTE buf[512];
    ULONG len = 0, len2 = 0;
    WCHAR w[32];
    MultiByteToWideChar(CP_ACP, 0, name, -1, w, 32);
    size_t n = wcslen(w);
    if (NtQueryObject(h, 2, buf, sizeof(buf), &len))
        return 0;
    UNISTR *u = (UNISTR *)buf;
    NTSTATUS small = NtQueryObject(h, 2, buf, len - 2, &len2);
    return u->Length == n * 2 && u->Buffer && !memcmp(u->Buffer, w, (n + 1) * 2) && len >= 104 + (n + 1) * 2 &&
           small == ST_LENGTH && len2 == len;
}

static void query_object(void)
{
    char self[MAX_PATH];
    GetModuleFileNameA(NULL, self, sizeof(self));
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL), m = CreateMutexA(NULL, FALSE, NULL);
    HANDLE s = CreateSemaphoreA(NULL, 0, 1, NULL), t = CreateWaitableTimerA(NULL, TRUE, NULL);
    HANDLE sec = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
    HANDLE f = CreateFileA(self, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    int types = type_is(e, "Event") && type_is(m, "Mutant") && type_is(s, "Semaphore") && type_is(t, "Timer") &&
                type_is(sec, "Section") && type_is(f, "File") && type_is(GetCurrentProcess(), "Process") &&
                type_is(GetCurrentThread(), "Thread");
    check(types, "query_object_type", 0);
    HANDLE d = NULL;
    DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &d, SYNCHRONIZE, TRUE, 0);
    OBJ_BASIC b1, b2;
    ULONG len = 0;
    NTSTATUS q1 = NtQueryObject(e, 0, &b1, sizeof(b1), &len), q2 = NtQueryObject(d, 0, &b2, sizeof(b2), NULL);
    check(!q1 && !q2 && len == sizeof(b1) && b1.GrantedAccess == EVENT_ALL_ACCESS && b1.Attributes == 0 &&
              b1.HandleCount == 2 && b1.PointerCount >= 2 && b2.GrantedAccess == SYNCHRONIZE && b2.Attributes == 2,
          "query_object_basic", b1.HandleCount | (long long)b2.Attributes << 32);
    NTSTATUS x1 = NtQueryObject((HANDLE)0x7770, 2, &b1, sizeof(b1), NULL), x2 = NtQueryObject(e, 9, &b1, sizeof(b1), NULL);
    NTSTATUS x3 = NtQueryObject(e, 0, &b1, 4, NULL);
    check(x1 == ST_INVALID_HANDLE && x2 == ST_INFO_CLASS && x3 == ST_LENGTH, "query_object_bad", x1);
    CloseHandle(d), CloseHandle(e), CloseHandle(m), CloseHandle(s), CloseHandle(t), CloseHandle(sec), CloseHandle(f);
}

typedef NTSTATUS(NTAPI *create_event_fn)(PHANDLE, ACCESS_MASK, OBJATTR *, int, BOOLEAN);
typedef NTSTATUS(NTAPI *set_event_fn)(HANDLE, LONG *);

/* Every Nt name is also exported as Zw (each export its own entry here): each found, and a
 * few called through their Zw name. */
static void aliases(void)
{
    static const char *names[] = {"CreateEvent", "OpenEvent", "SetEvent", "ResetEvent", "ClearEvent",
                                  "PulseEvent", "QueryEvent", "CreateMutant", "OpenMutant", "ReleaseMutant",
                                  "QueryMutant", "CreateSemaphore", "OpenSemaphore", "ReleaseSemaphore",
                                  "QuerySemaphore", "SignalAndWaitForSingleObject", "DelayExecution",
                                  "YieldExecution", "QueueApcThread", "TestAlert", "DuplicateObject",
                                  "QueryObject"};
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    int same = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        char n[64], z[64];
        snprintf(n, sizeof(n), "Nt%s", names[i]), snprintf(z, sizeof(z), "Zw%s", names[i]);
        FARPROC a = GetProcAddress(nt, n), b = GetProcAddress(nt, z);
        same += a && b;
    }
    create_event_fn create = (create_event_fn)GetProcAddress(nt, "ZwCreateEvent");
    set_event_fn set = (set_event_fn)GetProcAddress(nt, "ZwSetEvent");
    set_event_fn reset = (set_event_fn)GetProcAddress(nt, "ZwResetEvent");
    HANDLE e = NULL;
    LONG p1 = 7, p2 = 7;
    int called = create && set && reset && !create(&e, EVENT_ALL_ACCESS, NULL, 0, FALSE) && !set(e, &p1) &&
                 !reset(e, &p2) && p1 == 0 && p2 == 1;
    check(same == (int)(sizeof(names) / sizeof(*names)) && called, "zw_aliases", same);
    CloseHandle(e);
}

/* The child: opens the parent's named NT event and sets it. */
static int child(const char *pid)
{
    char a[96];
    WCHAR w[96];
    snprintf(a, sizeof(a), "\\BaseNamedObjects\\wvntsync-xp-%s", pid);
    MultiByteToWideChar(CP_ACP, 0, a, -1, w, 96);
    UNISTR u = {(USHORT)(wcslen(w) * 2), (USHORT)(wcslen(w) * 2 + 2), w};
    OBJATTR oa = {sizeof(oa), NULL, &u, 0, NULL, NULL};
    HANDLE e;
    LONG prev = 7;
    if (NtOpenEvent(&e, EVENT_MODIFY_STATE, &oa) || NtSetEvent(e, &prev) || prev != 0)
        return 3;
    return 0;
}

static void cross_process(void)
{
    HANDLE e;
    char self[MAX_PATH], cmd[512];
    NTSTATUS st = NtCreateEvent(&e, EVENT_ALL_ACCESS, named("xp", 0), 1, FALSE);
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" child %lu", self, (unsigned long)GetCurrentProcessId());
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    if (st || !CreateProcessA(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        check(0, "child_opened_and_set", st ? st : (long long)GetLastError());
        return;
    }
    LARGE_INTEGER t;
    t.QuadPart = -20LL * 1000 * 10000;
    NTSTATUS w = NtWaitForSingleObject(e, FALSE, &t);
    DWORD code = 99;
    WaitForSingleObject(pi.hProcess, 20000);
    GetExitCodeProcess(pi.hProcess, &code);
    check(w == 0 && code == 0, "child_opened_and_set", w | (long long)code << 32);
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread), NtClose(e);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "child"))
        return child(argv[2]);
    events();
    mutants();
    semaphores();
    signal_and_wait();
    delays_and_apcs();
    apcs_ended_and_null();
    duplicates();
    query_object();
    aliases();
    cross_process();
    check(failures == 0, "done", failures);
    return failures ? 1 : 0;
}
