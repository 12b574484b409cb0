/* SPDX-License-Identifier: MIT */
/* k32sync.c - issue 19's leftovers from PE code (tests/test_k32sync.c runs it under `winvm
 * run`): handle values with their low two bits set, waits on the pseudo handles, the rights an
 * Open of a sync object grants, NtAllocateVirtualMemory / NtFreeVirtualMemory on a child
 * process, InitializeCriticalSectionEx, RTL_RWLOCK, keyed events and alerts by thread id.
 * Expected values: what Wine's conformance tests record of Windows (kernel32/tests/sync.c,
 * ntdll/tests/sync.c).  The newer exports are looked up, so the program loads without them.
 * Prints "ok NAME" or "FAIL NAME ..." per check, exits 0 when all passed.  "child": the child. */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#include "nt_objattr.h"
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022)
typedef struct {
    CRITICAL_SECTION cs;
    HANDLE shared_sem;
    UINT shared_waiters;
    HANDLE excl_sem;
    UINT excl_waiters;
    INT active;
    HANDLE owner;
    DWORD boost;
    PVOID debug;
} RWLOCK;
NTSTATUS NTAPI NtWaitForSingleObject(HANDLE, BOOLEAN, PLARGE_INTEGER);
NTSTATUS NTAPI NtWaitForMultipleObjects(ULONG, const HANDLE *, int, BOOLEAN, PLARGE_INTEGER);
NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE, PVOID *, ULONG_PTR, PSIZE_T, ULONG, ULONG);
NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE, PVOID *, PSIZE_T, ULONG);
NTSTATUS NTAPI NtCreateEvent(PHANDLE, ACCESS_MASK, OBJATTR *, int, BOOLEAN);
NTSTATUS NTAPI NtClose(HANDLE);

static BOOL(WINAPI *pInitializeCriticalSectionEx)(CRITICAL_SECTION *, DWORD, DWORD);
static void(WINAPI *pRtlInitializeResource)(RWLOCK *);
static void(WINAPI *pRtlDeleteResource)(RWLOCK *);
static BOOLEAN(WINAPI *pRtlAcquireResourceShared)(RWLOCK *, BOOLEAN);
static BOOLEAN(WINAPI *pRtlAcquireResourceExclusive)(RWLOCK *, BOOLEAN);
static void(WINAPI *pRtlReleaseResource)(RWLOCK *);
static void(WINAPI *pRtlDumpResource)(RWLOCK *);
static NTSTATUS(WINAPI *pNtCreateKeyedEvent)(PHANDLE, ACCESS_MASK, OBJATTR *, ULONG);
static NTSTATUS(WINAPI *pNtOpenKeyedEvent)(PHANDLE, ACCESS_MASK, OBJATTR *);
static NTSTATUS(WINAPI *pNtWaitForKeyedEvent)(HANDLE, PVOID, BOOLEAN, PLARGE_INTEGER);
static NTSTATUS(WINAPI *pNtReleaseKeyedEvent)(HANDLE, PVOID, BOOLEAN, PLARGE_INTEGER);
static NTSTATUS(WINAPI *pNtAlertThreadByThreadId)(HANDLE);
static NTSTATUS(WINAPI *pNtWaitForAlertByThreadId)(const void *, PLARGE_INTEGER);

static int failures;

static void check(int cond, const char *name, long long detail)
{
    if (cond)
        printf("ok %s\n", name);
    else {
        printf("FAIL %s %llx\n", name, detail);
        failures++;
    }
    fflush(stdout);
}

static HANDLE tag(HANDLE h, DWORD bits) { return (HANDLE)(ULONG_PTR)((DWORD)(ULONG_PTR)h | bits); }

static void tag_bits(void)
{
    HANDLE on = CreateEventA(NULL, TRUE, TRUE, NULL), off = CreateEventA(NULL, TRUE, FALSE, NULL);
    int good = 1;
    for (DWORD b = 1; b <= 3; b++) {
        SetLastError(0xdeadbeef);
        good &= WaitForSingleObject(tag(off, b), 0) == WAIT_TIMEOUT && GetLastError() == 0xdeadbeef;
        good &= WaitForSingleObject(tag(on, b), 0) == WAIT_OBJECT_0 && GetLastError() == 0xdeadbeef;
        SetLastError(0xdeadbeef);
        good &= WaitForSingleObject(tag((HANDLE)0xdeadbee0, b), 0) == WAIT_FAILED &&
                GetLastError() == ERROR_INVALID_HANDLE;
    }
    check(good, "tag_bits_wait", good);
    /* SetEvent and ResetEvent through tagged values act on the event itself */
    BOOL set = SetEvent(tag(off, 3)), was = WaitForSingleObject(off, 0) == WAIT_OBJECT_0;
    BOOL reset = ResetEvent(tag(off, 1)), now = WaitForSingleObject(off, 0) == WAIT_TIMEOUT;
    check(set && was && reset && now, "tag_bits_set_event", set | was << 1 | reset << 2 | now << 3);
    /* CloseHandle(h | 2) closes h */
    BOOL closed = CloseHandle(tag(on, 2));
    SetLastError(0);
    DWORD w = WaitForSingleObject(on, 0);
    check(closed && w == WAIT_FAILED && GetLastError() == ERROR_INVALID_HANDLE, "tag_bits_close",
          closed | (long long)w << 8);
    /* the pseudo handles are not masked into another value */
    HANDLE dup = NULL;
    BOOL d = DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), &dup, 0, FALSE,
                             DUPLICATE_SAME_ACCESS);
    check(d && GetProcessId(dup) == GetCurrentProcessId() && WaitForSingleObject(GetCurrentProcess(), 0) == WAIT_TIMEOUT,
          "tag_bits_pseudo", d);
    CloseHandle(dup), CloseHandle(off);
}

static void wait_pseudo(void)
{
    LARGE_INTEGER zero = {{0}};
    DWORD r1 = WaitForSingleObject(GetCurrentThread(), 0);
    DWORD r2 = WaitForSingleObjectEx(GetCurrentThread(), 0, TRUE);
    NTSTATUS s1 = NtWaitForSingleObject(GetCurrentThread(), FALSE, &zero);
    NTSTATUS s2 = NtWaitForSingleObject(GetCurrentProcess(), FALSE, &zero);
    check(r1 == WAIT_TIMEOUT && r2 == WAIT_TIMEOUT && s1 == STATUS_TIMEOUT && s2 == STATUS_TIMEOUT,
          "wait_single_pseudo", (long long)r1 << 32 | (DWORD)s1);
    HANDLE hs[2] = {GetCurrentProcess(), GetCurrentThread()};
    int good = 1;
    for (int i = 0; i < 2; i++) {
        SetLastError(0xdeadbeef);
        good &= WaitForMultipleObjects(1, &hs[i], FALSE, 0) == WAIT_FAILED && GetLastError() == ERROR_INVALID_HANDLE;
        good &= NtWaitForMultipleObjects(1, &hs[i], 1, FALSE, &zero) == STATUS_INVALID_HANDLE;
    }
    check(good, "wait_multiple_pseudo", good);
}

static void open_access(void)
{
    char name[64];
    sprintf(name, "wvk32sync-mutex-%lu", GetCurrentProcessId());
    SetLastError(0);
    HANDLE missing = OpenMutexA(0, FALSE, name);
    check(!missing && GetLastError() == ERROR_FILE_NOT_FOUND, "open_missing_first", GetLastError());
    HANDLE m = CreateMutexA(NULL, FALSE, name);
    SetLastError(0);
    HANDLE h = OpenMutexA(0, FALSE, name);
    check(!h && GetLastError() == ERROR_ACCESS_DENIED, "open_mutex_no_access", GetLastError());
    DWORD failed = 0, errs = 1;
    for (int i = 0; i < 32; i++) {
        SetLastError(0xdeadbeef);
        h = OpenMutexA(1u << i, FALSE, name);
        if (h) {
            CloseHandle(h);
            continue;
        }
        failed |= 1u << i;
        DWORD want = (1u << i) == ACCESS_SYSTEM_SECURITY ? ERROR_PRIVILEGE_NOT_HELD : ERROR_ACCESS_DENIED;
        errs &= GetLastError() == want;
    }
    check(failed == 0x0de0fffe && errs, "open_mutex_rights", failed);
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, name + 1); /* another name */
    SetLastError(0);
    h = OpenEventA(0x4 /* no event right */, FALSE, name + 1);
    DWORD err = GetLastError();
    HANDLE ok2 = OpenEventA(EVENT_MODIFY_STATE, FALSE, name + 1);
    check(!h && err == ERROR_ACCESS_DENIED && ok2, "open_event_rights", err);
    CloseHandle(ok2), CloseHandle(e), CloseHandle(m);
}

static void nt_alloc_child(const char *self)
{
    char cmd[MAX_PATH + 16];
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    snprintf(cmd, sizeof(cmd), "\"%s\" child", self);
    if (!CreateProcessA(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        check(0, "nt_alloc_child", GetLastError());
        return;
    }
    PVOID base = NULL;
    SIZE_T size = 0x1000;
    NTSTATUS st = NtAllocateVirtualMemory(pi.hProcess, &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION mbi = {0};
    VirtualQueryEx(pi.hProcess, base, &mbi, sizeof(mbi));
    check(st == 0 && base && size == 0x1000 && mbi.State == MEM_COMMIT && mbi.Protect == PAGE_READWRITE,
          "nt_alloc_child", st);
    char buf[4] = "abc", back[4] = {0};
    SIZE_T n = 0;
    BOOL rw = WriteProcessMemory(pi.hProcess, base, buf, 4, &n) && ReadProcessMemory(pi.hProcess, base, back, 4, &n);
    check(rw && !memcmp(buf, back, 4), "nt_alloc_child_usable", rw);
    PVOID b2 = base;
    SIZE_T s2 = 0;
    st = NtFreeVirtualMemory(pi.hProcess, &b2, &s2, MEM_RELEASE);
    VirtualQueryEx(pi.hProcess, base, &mbi, sizeof(mbi));
    check(st == 0 && b2 == base && s2 == 0x1000 && mbi.State == MEM_FREE, "nt_free_child", st);
    st = NtFreeVirtualMemory(pi.hProcess, &b2, &s2, MEM_RELEASE);
    check(st == (NTSTATUS)0xC00000A0 /* STATUS_MEMORY_NOT_ALLOCATED */, "nt_free_child_twice", st);
    HANDLE weak = NULL;
    DuplicateHandle(GetCurrentProcess(), pi.hProcess, GetCurrentProcess(), &weak, PROCESS_QUERY_INFORMATION, FALSE, 0);
    base = NULL, size = 0x1000;
    st = NtAllocateVirtualMemory(weak, &base, 0, &size, MEM_RESERVE, PAGE_READWRITE);
    check(st == (NTSTATUS)STATUS_ACCESS_DENIED, "nt_alloc_child_denied", st);
    CloseHandle(weak);
    TerminateProcess(pi.hProcess, 0);
    WaitForSingleObject(pi.hProcess, INFINITE);
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
}

static void cs_ex(void)
{
    CRITICAL_SECTION cs;
    memset(&cs, 0, sizeof(cs));
    InitializeCriticalSection(&cs);
    int plain = cs.DebugInfo != NULL;
    DeleteCriticalSection(&cs);
    plain &= cs.DebugInfo == NULL;
    check(plain, "cs_plain_debug_info", plain);
    if (!pInitializeCriticalSectionEx) {
        check(0, "cs_ex_exported", 0);
        return;
    }
    BOOL ok1 = pInitializeCriticalSectionEx(&cs, 0, 0x01000000 /* CRITICAL_SECTION_NO_DEBUG_INFO */);
    int good = ok1 && cs.DebugInfo == (void *)(ULONG_PTR)-1 && TryEnterCriticalSection(&cs);
    LeaveCriticalSection(&cs);
    cs.DebugInfo = NULL; /* the section works whatever a program does to it */
    good &= TryEnterCriticalSection(&cs);
    EnterCriticalSection(&cs);
    LeaveCriticalSection(&cs), LeaveCriticalSection(&cs);
    DeleteCriticalSection(&cs);
    check(good && cs.DebugInfo == NULL, "cs_ex_no_debug_info", good);
    ok1 = pInitializeCriticalSectionEx(&cs, 4000, 0);
    check(ok1 && cs.SpinCount == 4000 && cs.DebugInfo && cs.DebugInfo != (void *)(ULONG_PTR)-1, "cs_ex_spin", ok1);
    DeleteCriticalSection(&cs);
    SetLastError(0);
    ok1 = pInitializeCriticalSectionEx(&cs, 0, 0x20000000);
    check(!ok1 && GetLastError() == ERROR_INVALID_PARAMETER, "cs_ex_bad_flags", GetLastError());
}

static HANDLE ready, done;
static BOOLEAN res_excl; /* what res_thread acquires: set before it starts */

static DWORD WINAPI res_thread(void *arg)
{
    RWLOCK *r = arg;
    BOOLEAN got = res_excl ? pRtlAcquireResourceExclusive(r, TRUE) : pRtlAcquireResourceShared(r, TRUE);
    SetEvent(ready);
    WaitForSingleObject(done, INFINITE);
    pRtlReleaseResource(r);
    return got;
}

static void resource(void)
{
    if (!pRtlInitializeResource) {
        check(0, "resource_exported", 0);
        return;
    }
    RWLOCK r;
    pRtlInitializeResource(&r);
    int good = pRtlAcquireResourceShared(&r, FALSE) && pRtlAcquireResourceShared(&r, FALSE) &&
               !pRtlAcquireResourceExclusive(&r, FALSE);
    pRtlReleaseResource(&r), pRtlReleaseResource(&r);
    good &= pRtlAcquireResourceExclusive(&r, FALSE) && pRtlAcquireResourceExclusive(&r, FALSE) &&
            pRtlAcquireResourceShared(&r, FALSE) && r.active == -3;
    pRtlReleaseResource(&r), pRtlReleaseResource(&r), pRtlReleaseResource(&r);
    check(good && r.active == 0 && r.owner == NULL, "resource_own_thread", good);
    pRtlDumpResource(&r);
    ready = CreateEventA(NULL, FALSE, FALSE, NULL), done = CreateEventA(NULL, FALSE, FALSE, NULL);
    /* another thread holds it shared: exclusive refused, shared granted */
    res_excl = FALSE;
    HANDLE t = CreateThread(NULL, 0, res_thread, &r, 0, NULL);
    WaitForSingleObject(ready, INFINITE);
    good = !pRtlAcquireResourceExclusive(&r, FALSE) && pRtlAcquireResourceShared(&r, FALSE);
    pRtlReleaseResource(&r);
    SetEvent(done);
    DWORD code = 0;
    WaitForSingleObject(t, INFINITE), GetExitCodeThread(t, &code), CloseHandle(t);
    check(good && code == 1, "resource_other_shared", good);
    /* we hold it shared: an exclusive acquirer waits until we let go */
    pRtlAcquireResourceShared(&r, FALSE);
    res_excl = TRUE;
    t = CreateThread(NULL, 0, res_thread, &r, 0, NULL);
    good = WaitForSingleObject(ready, 0) == WAIT_TIMEOUT; /* it cannot have it: we hold it */
    good &= pRtlAcquireResourceShared(&r, FALSE); /* shared still granted beside a waiter */
    pRtlReleaseResource(&r), pRtlReleaseResource(&r);
    good &= WaitForSingleObject(ready, INFINITE) == WAIT_OBJECT_0 && r.active == -1;
    good &= !pRtlAcquireResourceShared(&r, FALSE); /* its owner is the other thread */
    SetEvent(done);
    WaitForSingleObject(t, INFINITE), GetExitCodeThread(t, &code), CloseHandle(t);
    check(good && code == 1 && r.active == 0, "resource_exclusive_waits", good);
    pRtlDeleteResource(&r);
    CloseHandle(ready), CloseHandle(done);
}

static WCHAR keyed_name[] = L"\\BaseNamedObjects\\wvk32sync-keyed";

static void keyed_attr(OBJATTR *a, UNISTR *s)
{
    s->Buffer = keyed_name, s->Length = (USHORT)(wcslen(keyed_name) * 2), s->MaximumLength = s->Length + 2;
    memset(a, 0, sizeof(*a));
    a->Length = sizeof(*a), a->ObjectName = s;
}

static DWORD WINAPI keyed_thread(void *arg)
{
    (void)arg;
    OBJATTR a;
    UNISTR s;
    HANDLE h;
    keyed_attr(&a, &s);
    NTSTATUS st = pNtOpenKeyedEvent(&h, 0x000F0003, &a), bad = 0;
    for (ULONG_PTR i = 0; i < 20 && !st; i++) { /* the other side of the main thread's loop */
        st = (i & 1) ? pNtWaitForKeyedEvent(h, (void *)(i * 2), 0, NULL) : pNtReleaseKeyedEvent(h, (void *)(i * 2), 0, NULL);
        bad |= st;
    }
    NtClose(h);
    return (DWORD)bad;
}

static void keyed(void)
{
    if (!pNtCreateKeyedEvent) {
        check(0, "keyed_exported", 0);
        return;
    }
    OBJATTR a;
    UNISTR s;
    HANDLE h, e;
    LARGE_INTEGER zero = {{0}};
    keyed_attr(&a, &s);
    NTSTATUS st = pNtCreateKeyedEvent(&h, 0x000F0003 | SYNCHRONIZE, &a, 0);
    check(st == 0 && WaitForSingleObject(h, 0) == WAIT_OBJECT_0, "keyed_create", st);
    int good = pNtWaitForKeyedEvent(h, (void *)255, 0, &zero) == (NTSTATUS)0xC00000EF &&
               pNtReleaseKeyedEvent(h, (void *)255, 0, &zero) == (NTSTATUS)0xC00000EF &&
               pNtWaitForKeyedEvent(h, (void *)254, 0, &zero) == STATUS_TIMEOUT &&
               pNtReleaseKeyedEvent(h, (void *)254, 0, &zero) == STATUS_TIMEOUT &&
               pNtWaitForKeyedEvent(NULL, (void *)8, 0, &zero) == STATUS_TIMEOUT &&
               pNtReleaseKeyedEvent(NULL, (void *)8, 0, &zero) == STATUS_TIMEOUT &&
               pNtWaitForKeyedEvent((HANDLE)0xdeadbeef, (void *)9, 0, &zero) == (NTSTATUS)0xC00000EF &&
               pNtWaitForKeyedEvent((HANDLE)0xdeadbeef, (void *)8, 0, &zero) == STATUS_INVALID_HANDLE;
    check(good, "keyed_arguments", good);
    HANDLE t = CreateThread(NULL, 0, keyed_thread, NULL, 0, NULL);
    NTSTATUS bad = 0;
    for (ULONG_PTR i = 0; i < 20; i++)
        bad |= (i & 1) ? pNtReleaseKeyedEvent(h, (void *)(i * 2), 0, NULL) : pNtWaitForKeyedEvent(h, (void *)(i * 2), 0, NULL);
    DWORD code = 1;
    WaitForSingleObject(t, INFINITE), GetExitCodeThread(t, &code), CloseHandle(t);
    check(!bad && !code, "keyed_rendezvous", bad | (long long)code << 32);
    NtClose(h);
    st = pNtCreateKeyedEvent(&h, 1 /* KEYEDEVENT_WAIT */, &a, 0);
    good = !st && pNtWaitForKeyedEvent(h, (void *)8, 0, &zero) == STATUS_TIMEOUT &&
           pNtReleaseKeyedEvent(h, (void *)8, 0, &zero) == (NTSTATUS)STATUS_ACCESS_DENIED;
    NtClose(h);
    st = pNtCreateKeyedEvent(&h, GENERIC_WRITE, &a, 0);
    good &= !st && pNtWaitForKeyedEvent(h, (void *)8, 0, &zero) == (NTSTATUS)STATUS_ACCESS_DENIED &&
            pNtReleaseKeyedEvent(h, (void *)8, 0, &zero) == STATUS_TIMEOUT;
    NtClose(h);
    st = pNtCreateKeyedEvent(&h, 0x000F0003, &a, 0);
    SetLastError(0);
    good &= !st && WaitForSingleObject(h, 0) == WAIT_FAILED && GetLastError() == ERROR_ACCESS_DENIED;
    NtClose(h);
    check(good, "keyed_access", good);
    NtCreateEvent(&e, EVENT_ALL_ACCESS, NULL, 0, FALSE);
    st = pNtWaitForKeyedEvent(e, (void *)8, 0, &zero);
    NtClose(e);
    check(st == (NTSTATUS)0xC0000024 /* STATUS_OBJECT_TYPE_MISMATCH */, "keyed_not_an_event", st);
    st = pNtOpenKeyedEvent(&h, 0x000F0003, &a);
    check(st == (NTSTATUS)0xC0000034 /* STATUS_OBJECT_NAME_NOT_FOUND: gone with its handles */, "keyed_name_gone", st);
}

static DWORD WINAPI alert_thread(void *arg)
{
    NTSTATUS a = pNtAlertThreadByThreadId(arg);
    NTSTATUS w = pNtWaitForAlertByThreadId((void *)0x123, NULL);
    return a == 0 && w == 0x101 /* STATUS_ALERTED */ ? 0 : 1;
}

static void tid_alert(void)
{
    if (!pNtWaitForAlertByThreadId) {
        check(0, "tid_alert_exported", 0);
        return;
    }
    LARGE_INTEGER zero = {{0}};
    HANDLE me = (HANDLE)(ULONG_PTR)GetCurrentThreadId();
    int good = pNtWaitForAlertByThreadId((void *)0x123, &zero) == STATUS_TIMEOUT &&
               pNtAlertThreadByThreadId(0) == (NTSTATUS)0xC000000B &&
               pNtAlertThreadByThreadId((HANDLE)0xdeadbeef) == (NTSTATUS)0xC000000B &&
               pNtAlertThreadByThreadId(me) == 0 && pNtAlertThreadByThreadId(me) == 0 &&
               pNtWaitForAlertByThreadId((void *)0x123, &zero) == 0x101 &&
               pNtWaitForAlertByThreadId((void *)0x123, &zero) == STATUS_TIMEOUT;
    check(good, "tid_alert_self", good);
    DWORD tid;
    HANDLE t = CreateThread(NULL, 0, alert_thread, me, 0, &tid);
    NTSTATUS st = pNtWaitForAlertByThreadId((void *)0x123, NULL); /* until the thread alerts us */
    NTSTATUS a = pNtAlertThreadByThreadId((HANDLE)(ULONG_PTR)tid);
    DWORD code = 1;
    WaitForSingleObject(t, INFINITE), GetExitCodeThread(t, &code), CloseHandle(t);
    check(st == 0x101 && a == 0 && code == 0, "tid_alert_threads", st);
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "child")) {
        for (;;)
            SleepEx(INFINITE, TRUE);
    }
    HMODULE k32 = GetModuleHandleA("kernel32.dll"), nt = GetModuleHandleA("ntdll.dll");
    pInitializeCriticalSectionEx = (void *)GetProcAddress(k32, "InitializeCriticalSectionEx");
    pRtlInitializeResource = (void *)GetProcAddress(nt, "RtlInitializeResource");
    pRtlDeleteResource = (void *)GetProcAddress(nt, "RtlDeleteResource");
    pRtlAcquireResourceShared = (void *)GetProcAddress(nt, "RtlAcquireResourceShared");
    pRtlAcquireResourceExclusive = (void *)GetProcAddress(nt, "RtlAcquireResourceExclusive");
    pRtlReleaseResource = (void *)GetProcAddress(nt, "RtlReleaseResource");
    pRtlDumpResource = (void *)GetProcAddress(nt, "RtlDumpResource");
    pNtCreateKeyedEvent = (void *)GetProcAddress(nt, "NtCreateKeyedEvent");
    pNtOpenKeyedEvent = (void *)GetProcAddress(nt, "NtOpenKeyedEvent");
    pNtWaitForKeyedEvent = (void *)GetProcAddress(nt, "NtWaitForKeyedEvent");
    pNtReleaseKeyedEvent = (void *)GetProcAddress(nt, "NtReleaseKeyedEvent");
    pNtAlertThreadByThreadId = (void *)GetProcAddress(nt, "NtAlertThreadByThreadId");
    pNtWaitForAlertByThreadId = (void *)GetProcAddress(nt, "NtWaitForAlertByThreadId");
    tag_bits();
    wait_pseudo();
    open_access();
    nt_alloc_child(argv[0]);
    cs_ex();
    resource();
    keyed();
    tid_alert();
    check(failures == 0, "done", failures);
    return failures ? 1 : 0;
}
