/* SPDX-License-Identifier: MIT */
/* test_k32sync.c - issue 19's leftovers from C callers: handle values with their low two bits
 * set (Windows ignores them), waits on the pseudo handles (a single wait takes them, a
 * multiple wait refuses them), the rights an Open of a sync object grants,
 * InitializeCriticalSectionEx, RTL_RWLOCK, keyed events and alerts by thread id; and a PE
 * program doing the same under `winvm run`, with NtAllocateVirtualMemory/NtFreeVirtualMemory
 * on a child process (tests/images/k32sync.c).  Expected values: what Wine's conformance tests
 * (kernel32/tests/sync.c, ntdll/tests/sync.c) record of Windows.  No timing: every wait that
 * must time out has a zero timeout. */
#define _GNU_SOURCE
#include "testutil.h"
#include "winvm.h"
#include <winvm/ntdll.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

TestSuite(k32sync, .timeout = 120);

static HANDLE tag(HANDLE h, uintptr_t bits) { return (HANDLE)((uintptr_t)h | bits); }

Test(k32sync, handle_tag_bits_are_ignored)
{
    HANDLE on = CreateEventA(NULL, TRUE, TRUE, NULL), off = CreateEventA(NULL, TRUE, FALSE, NULL);
    for (uintptr_t b = 1; b <= 3; b++) {
        SetLastError(0xdeadbeef);
        cr_assert_eq(WaitForSingleObject(tag(off, b), 0), WAIT_TIMEOUT, "bits %zu", (size_t)b);
        cr_assert_eq(WaitForSingleObject(tag(on, b), 0), WAIT_OBJECT_0, "bits %zu", (size_t)b);
        cr_assert_eq(GetLastError(), 0xdeadbeef);
        cr_assert_eq(WaitForSingleObject(tag((HANDLE)0xdeadbee0, b), 0), WAIT_FAILED);
        cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    }
    cr_assert(SetEvent(tag(off, 2)));
    cr_assert_eq(WaitForSingleObject(off, 0), WAIT_OBJECT_0);
    cr_assert(CloseHandle(tag(off, 3)), "closes the handle itself");
    cr_assert_eq(WaitForSingleObject(off, 0), WAIT_FAILED);
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    /* the pseudo handles stay themselves: -1 with its bits is no slot's handle */
    cr_assert_eq(WaitForSingleObject(GetCurrentProcess(), 0), WAIT_TIMEOUT);
    CloseHandle(on);
}

Test(k32sync, single_waits_take_pseudo_handles_multiple_waits_refuse_them)
{
    cr_assert_eq(WaitForSingleObject(GetCurrentThread(), 0), WAIT_TIMEOUT, "a running thread is not signalled");
    HANDLE hs[2] = {GetCurrentProcess(), GetCurrentThread()};
    for (int i = 0; i < 2; i++) {
        SetLastError(0);
        cr_assert_eq(WaitForMultipleObjects(1, &hs[i], FALSE, 0), WAIT_FAILED, "%d", i);
        cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    }
    /* SignalObjectAndWait waits on the thread's pseudo handle as a single wait does */
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
    cr_assert_eq(SignalObjectAndWait(e, GetCurrentThread(), 0, FALSE), WAIT_TIMEOUT);
    cr_assert_eq(WaitForSingleObject(e, 0), WAIT_OBJECT_0, "signalled");
    CloseHandle(e);
}

Test(k32sync, open_grants_only_the_kinds_rights)
{
    char name[64];
    snprintf(name, sizeof(name), "wvk32sync-c-%d", (int)getpid());
    SetLastError(0);
    cr_assert_null(OpenMutexA(0, FALSE, name));
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND, "the name is looked up first");
    HANDLE m = CreateMutexA(NULL, FALSE, name);
    SetLastError(0);
    cr_assert_null(OpenMutexA(0, FALSE, name));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    DWORD failed = 0;
    for (int i = 0; i < 32; i++) {
        SetLastError(0);
        HANDLE h = OpenMutexA(1u << i, FALSE, name);
        if (h) {
            cr_assert(ReleaseMutex(h) == FALSE && GetLastError() == ERROR_NOT_OWNER, "bit %d", i);
            CloseHandle(h);
            continue;
        }
        failed |= 1u << i;
        cr_assert_eq(GetLastError(), i == 24 ? ERROR_PRIVILEGE_NOT_HELD : ERROR_ACCESS_DENIED, "bit %d", i);
    }
    cr_assert_eq(failed, 0x0de0fffe);
    CloseHandle(m);
}

Test(k32sync, critical_section_ex)
{
    CRITICAL_SECTION cs;
    cr_assert(InitializeCriticalSectionEx(&cs, 0, CRITICAL_SECTION_NO_DEBUG_INFO));
    cr_assert_eq(cs.DebugInfo, (void *)(uintptr_t)-1);
    cs.DebugInfo = NULL;
    cr_assert(TryEnterCriticalSection(&cs));
    LeaveCriticalSection(&cs);
    DeleteCriticalSection(&cs);
    cr_assert_null(cs.DebugInfo);
    cr_assert(InitializeCriticalSectionEx(&cs, 0x80000010, 0));
    cr_assert_eq(cs.SpinCount, 0x10);
    cr_assert(cs.DebugInfo != NULL && cs.DebugInfo != (void *)(uintptr_t)-1);
    DeleteCriticalSection(&cs);
    SetLastError(0);
    cr_assert_not(InitializeCriticalSectionEx(&cs, 0, 0x40000000));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
}

Test(k32sync, rtl_resource_counts_and_ownership)
{
    RTL_RWLOCK r;
    RtlInitializeResource(&r);
    cr_assert(RtlAcquireResourceShared(&r, FALSE) && RtlAcquireResourceShared(&r, FALSE));
    cr_assert_eq(r.iNumberActive, 2);
    cr_assert_not(RtlAcquireResourceExclusive(&r, FALSE), "held shared, by us too");
    RtlReleaseResource(&r), RtlReleaseResource(&r);
    cr_assert(RtlAcquireResourceExclusive(&r, FALSE) && RtlAcquireResourceExclusive(&r, FALSE));
    cr_assert(RtlAcquireResourceShared(&r, FALSE), "the owner's shared acquisition is an exclusive one");
    cr_assert_eq(r.iNumberActive, -3);
    cr_assert_eq((DWORD)(uintptr_t)r.hOwningThreadId, GetCurrentThreadId());
    RtlReleaseResource(&r), RtlReleaseResource(&r), RtlReleaseResource(&r);
    cr_assert(r.iNumberActive == 0 && r.hOwningThreadId == NULL);
    RtlDeleteResource(&r);
}

static DWORD WINAPI keyed_side(LPVOID h)
{
    NTSTATUS bad = 0;
    for (uintptr_t i = 0; i < 10; i++)
        bad |= (i & 1) ? NtWaitForKeyedEvent(h, (PVOID)(i * 2), FALSE, NULL)
                       : NtReleaseKeyedEvent(h, (PVOID)(i * 2), FALSE, NULL);
    return (DWORD)bad;
}

Test(k32sync, keyed_events_meet_by_key)
{
    LARGE_INTEGER zero = {.QuadPart = 0};
    HANDLE h;
    cr_assert_eq(NtCreateKeyedEvent(&h, KEYEDEVENT_ALL_ACCESS, NULL, 0), STATUS_SUCCESS);
    cr_assert_eq(NtWaitForKeyedEvent(h, (PVOID)3, FALSE, &zero), STATUS_INVALID_PARAMETER_1);
    cr_assert_eq(NtWaitForKeyedEvent(h, (PVOID)4, FALSE, &zero), STATUS_TIMEOUT, "no releaser");
    cr_assert_eq(NtReleaseKeyedEvent(NULL, (PVOID)4, FALSE, &zero), STATUS_TIMEOUT, "the global one");
    cr_assert_eq(NtReleaseKeyedEvent((HANDLE)0x7770, (PVOID)4, FALSE, &zero), STATUS_INVALID_HANDLE);
    HANDLE t = CreateThread(NULL, 0, keyed_side, h, 0, NULL);
    NTSTATUS bad = 0;
    for (uintptr_t i = 0; i < 10; i++)
        bad |= (i & 1) ? NtReleaseKeyedEvent(h, (PVOID)(i * 2), FALSE, NULL)
                       : NtWaitForKeyedEvent(h, (PVOID)(i * 2), FALSE, NULL);
    DWORD code = 1;
    cr_assert_eq(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    GetExitCodeThread(t, &code);
    cr_assert(bad == 0 && code == 0, "%x %x", (unsigned)bad, (unsigned)code);
    CloseHandle(t), CloseHandle(h);
    HANDLE w;
    cr_assert_eq(NtCreateKeyedEvent(&w, GENERIC_READ, NULL, 0), STATUS_SUCCESS);
    cr_assert_eq(NtReleaseKeyedEvent(w, (PVOID)8, FALSE, &zero), STATUS_ACCESS_DENIED, "read gives wait only");
    CloseHandle(w);
}

Test(k32sync, keyed_event_names_share_the_namespace)
{
    char name[64];
    WCHAR w[80];
    int n = snprintf(name, sizeof(name), "\\BaseNamedObjects\\wvk32sync-k-%d", (int)getpid());
    for (int i = 0; i <= n; i++)
        w[i] = (WCHAR)name[i];
    UNICODE_STRING u = {(USHORT)(n * 2), (USHORT)(n * 2 + 2), w};
    OBJECT_ATTRIBUTES a;
    InitializeObjectAttributes(&a, &u, 0, NULL, NULL);
    HANDLE k, k2, e;
    cr_assert_eq(NtCreateKeyedEvent(&k, KEYEDEVENT_ALL_ACCESS, &a, 0), STATUS_SUCCESS);
    cr_assert_eq(NtCreateKeyedEvent(&k2, KEYEDEVENT_ALL_ACCESS, &a, 0), STATUS_OBJECT_NAME_COLLISION);
    cr_assert_eq(NtOpenKeyedEvent(&k2, KEYEDEVENT_ALL_ACCESS, &a), STATUS_SUCCESS);
    SetLastError(0);
    cr_assert_null(CreateEventA(NULL, FALSE, FALSE, name + strlen("\\BaseNamedObjects\\")), "an event of its name");
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    CloseHandle(k), CloseHandle(k2);
    e = CreateEventA(NULL, FALSE, FALSE, name + strlen("\\BaseNamedObjects\\"));
    cr_assert_not_null(e, "the name went with its last handle");
    cr_assert_eq(NtCreateKeyedEvent(&k, KEYEDEVENT_ALL_ACCESS, &a, 0), STATUS_OBJECT_TYPE_MISMATCH);
    CloseHandle(e);
}

static DWORD WINAPI quick(LPVOID arg) { return (DWORD)(uintptr_t)arg; }

Test(k32sync, alert_of_an_ended_thread_still_held)
{
    DWORD tid;
    HANDLE t = CreateThread(NULL, 0, quick, NULL, 0, &tid);
    cr_assert_eq(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    cr_assert_eq(NtAlertThreadByThreadId((HANDLE)(uintptr_t)tid), STATUS_SUCCESS, "its object lives");
    CloseHandle(t);
}

Test(k32sync, alerts_by_thread_id)
{
    LARGE_INTEGER zero = {.QuadPart = 0};
    HANDLE me = (HANDLE)(uintptr_t)GetCurrentThreadId();
    cr_assert_eq(NtWaitForAlertByThreadId((PVOID)0x10, &zero), STATUS_TIMEOUT);
    cr_assert_eq(NtAlertThreadByThreadId(NULL), STATUS_INVALID_CID);
    cr_assert_eq(NtAlertThreadByThreadId(me), STATUS_SUCCESS);
    cr_assert_eq(NtAlertThreadByThreadId(me), STATUS_SUCCESS, "one alert, however many times set");
    cr_assert_eq(NtWaitForAlertByThreadId((PVOID)0x10, &zero), STATUS_ALERTED);
    cr_assert_eq(NtWaitForAlertByThreadId((PVOID)0x10, &zero), STATUS_TIMEOUT);
}

Test(k32sync, pe_program)
{
    static char out[16384];
    tu_run_checks(EXE("k32sync.exe"), out, sizeof(out));
    const char *must[] = {"ok tag_bits_wait", "ok tag_bits_set_event", "ok tag_bits_close", "ok tag_bits_pseudo",
                          "ok wait_single_pseudo", "ok wait_multiple_pseudo", "ok open_missing_first",
                          "ok open_mutex_no_access", "ok open_mutex_rights", "ok open_event_rights",
                          "ok nt_alloc_child", "ok nt_alloc_child_usable", "ok nt_free_child",
                          "ok nt_free_child_twice", "ok nt_alloc_child_denied", "ok cs_plain_debug_info",
                          "ok cs_ex_no_debug_info", "ok cs_ex_spin", "ok cs_ex_bad_flags", "ok resource_own_thread",
                          "ok resource_other_shared", "ok resource_exclusive_waits", "ok keyed_create",
                          "ok keyed_arguments", "ok keyed_rendezvous", "ok keyed_access", "ok keyed_not_an_event",
                          "ok keyed_name_gone", "ok tid_alert_self", "ok tid_alert_threads", "ok done"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++)
        cr_assert(strstr(out, must[i]), "%s missing:\n%s", must[i], out);
}
