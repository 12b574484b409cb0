/* SPDX-License-Identifier: MIT */
/* ntdll_sync.c - NtCreate/Open/Set/Reset/Clear/Pulse/QueryEvent, NtCreate/Open/Release/
 * QueryMutant, NtCreate/Open/Release/QuerySemaphore over the cores of sync_ops.c, and the
 * Create / Open and status helpers the timer calls share (ntdll_timer.c).  As the timers':
 * NTSTATUS results, the thread's last error kept, the caller's pointers probed before anything
 * changes (STATUS_ACCESS_VIOLATION), names as object paths (\BaseNamedObjects\NAME).  Facts:
 * Wine's ntdll/tests/sync.c and om.c record Windows' answers (previous states, counts, codes). */
#include "runtime/runtime.h"
#include "runtime/nsync.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

NTSTATUS wv_nt_sync_status(DWORD err, HANDLE h)
{
    switch (err) {
    case ERROR_NOT_OWNER: return STATUS_MUTANT_NOT_OWNED;
    case ERROR_TOO_MANY_POSTS: return STATUS_SEMAPHORE_LIMIT_EXCEEDED;
    case ERROR_INVALID_HANDLE: break;
    default: return wv_status_of(err);
    }
    if (h == WV_CURRENT_PROCESS || h == WV_CURRENT_THREAD)
        return STATUS_OBJECT_TYPE_MISMATCH; /* a process or thread, not what the call takes */
    DWORD access;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &access);
    wv_object_unref(o);
    return o ? STATUS_OBJECT_TYPE_MISMATCH : STATUS_INVALID_HANDLE;
}

NTSTATUS wv_nt_sync_make(HANDLE *out, DWORD access, const struct _OBJECT_ATTRIBUTES *oa, int kind,
                         const struct wv_nsync_init *in)
{
    char buf[4096];
    const char *name;
    ULONG attrs;
    if (!out || wv_copy(out, out, sizeof(*out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (!in && !oa)
        return STATUS_INVALID_PARAMETER;
    NTSTATUS st = wv_nt_read_name(oa, buf, sizeof(buf), &name, &attrs, in != NULL);
    if (st)
        return st;
    if (!in && !name)
        return STATUS_OBJECT_PATH_SYNTAX_BAD; /* an open needs a name */
    DWORD saved = GetLastError();
    SetLastError(0);
    HANDLE h = in ? wv_sync_create(kind, name, in, access) : wv_sync_open(kind, access, name);
    DWORD err = GetLastError();
    SetLastError(saved);
    if (!h && err == ERROR_FILE_NOT_FOUND)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (!h && err == ERROR_INVALID_HANDLE)
        return STATUS_OBJECT_TYPE_MISMATCH; /* the name is another kind of object */
    if (!h)
        return err == ERROR_INVALID_NAME ? STATUS_OBJECT_NAME_INVALID : wv_status_of(err);
    bool existed = in && err == ERROR_ALREADY_EXISTS;
    if (existed && !(attrs & OBJ_OPENIF)) {
        wv_handle_close(h);
        return STATUS_OBJECT_NAME_COLLISION;
    }
    wv_nt_name_handle(h);
    wv_nt_out(out, &h, sizeof(h));
    return existed ? STATUS_OBJECT_NAME_EXISTS : STATUS_SUCCESS;
}

/* A change's result: its status, and on success value in *prev (when given; probed). */
static NTSTATUS wv_nt_prev(DWORD err, HANDLE h, void *prev, LONG value)
{
    if (err)
        return wv_nt_sync_status(err, h);
    if (prev)
        wv_nt_out(prev, &value, sizeof(value));
    return STATUS_SUCCESS;
}

/* ---- events ---- */

NTSTATUS NTAPI NtCreateEvent(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, EVENT_TYPE type, BOOLEAN initial)
{
    if (type != NotificationEvent && type != SynchronizationEvent)
        return STATUS_INVALID_PARAMETER;
    struct wv_nsync_init in = {.manual = type == NotificationEvent, .signalled = initial != 0};
    return wv_nt_sync_make(out, access, oa, WV_KIND_EVENT, &in);
}

NTSTATUS NTAPI NtOpenEvent(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    return wv_nt_sync_make(out, access, oa, WV_KIND_EVENT, NULL);
}

/* Set, reset or pulse, *prev (may be NULL) the state before. */
static NTSTATUS wv_nt_event(HANDLE h, int op, PLONG prev)
{
    if (prev && wv_nt_probe_out(prev, sizeof(*prev)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    bool was = false;
    DWORD err = wv_event_change(h, op, &was);
    return wv_nt_prev(err, h, prev, was);
}

NTSTATUS NTAPI NtSetEvent(HANDLE h, PLONG prev) { return wv_nt_event(h, WV_EVENT_SET, prev); }
NTSTATUS NTAPI NtResetEvent(HANDLE h, PLONG prev) { return wv_nt_event(h, WV_EVENT_RESET, prev); }
NTSTATUS NTAPI NtClearEvent(HANDLE h) { return wv_nt_event(h, WV_EVENT_RESET, NULL); }
NTSTATUS NTAPI NtPulseEvent(HANDLE h, PLONG prev) { return wv_nt_event(h, WV_EVENT_PULSE, prev); }

/* The checks every NtQuery* of these makes, in Windows' order (pointers, class, length, then
 * the handle), then the state: 0 or the status. */
static NTSTATUS wv_nt_sync_info(HANDLE h, int kind, int cls, PVOID out, ULONG len, PULONG ret, ULONG size,
                                struct wv_sync_info *info)
{
    if (wv_nt_probe_out(out, len) || (ret && wv_nt_probe_out(ret, sizeof(*ret))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (cls != 0)
        return STATUS_INVALID_INFO_CLASS;
    if (len != size)
        return STATUS_INFO_LENGTH_MISMATCH;
    DWORD err = wv_sync_query(h, kind, info);
    return err ? wv_nt_sync_status(err, h) : STATUS_SUCCESS;
}

/* The information out, its length in *ret. */
static NTSTATUS wv_nt_sync_out(PVOID out, PULONG ret, const void *v, ULONG size)
{
    wv_nt_out(out, v, size);
    if (ret)
        wv_nt_out(ret, &size, sizeof(size));
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtQueryEvent(HANDLE h, EVENT_INFORMATION_CLASS cls, PVOID out, ULONG len, PULONG ret)
{
    struct wv_sync_info i;
    NTSTATUS st = wv_nt_sync_info(h, WV_KIND_EVENT, cls, out, len, ret, sizeof(EVENT_BASIC_INFORMATION), &i);
    if (st)
        return st;
    EVENT_BASIC_INFORMATION b = {i.manual ? NotificationEvent : SynchronizationEvent, i.signalled};
    return wv_nt_sync_out(out, ret, &b, sizeof(b));
}

/* ---- mutants ---- */

NTSTATUS NTAPI NtCreateMutant(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, BOOLEAN owner)
{
    struct wv_nsync_init in = {.owned = owner != 0};
    return wv_nt_sync_make(out, access, oa, WV_KIND_MUTEX, &in);
}

NTSTATUS NTAPI NtOpenMutant(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    return wv_nt_sync_make(out, access, oa, WV_KIND_MUTEX, NULL);
}

NTSTATUS NTAPI NtReleaseMutant(HANDLE h, PLONG prev)
{
    if (prev && wv_nt_probe_out(prev, sizeof(*prev)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    LONG was = 0;
    DWORD err = wv_mutex_release(h, &was);
    return wv_nt_prev(err, h, prev, was);
}

NTSTATUS NTAPI NtQueryMutant(HANDLE h, MUTANT_INFORMATION_CLASS cls, PVOID out, ULONG len, PULONG ret)
{
    struct wv_sync_info i;
    NTSTATUS st = wv_nt_sync_info(h, WV_KIND_MUTEX, cls, out, len, ret, sizeof(MUTANT_BASIC_INFORMATION), &i);
    if (st)
        return st;
    MUTANT_BASIC_INFORMATION b = {i.count, i.mine, i.abandoned};
    return wv_nt_sync_out(out, ret, &b, sizeof(b));
}

/* ---- semaphores ---- */

NTSTATUS NTAPI NtCreateSemaphore(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, LONG initial, LONG max)
{
    if (max <= 0 || initial < 0 || initial > max)
        return STATUS_INVALID_PARAMETER;
    struct wv_nsync_init in = {.count = initial, .max = max};
    return wv_nt_sync_make(out, access, oa, WV_KIND_SEMAPHORE, &in);
}

NTSTATUS NTAPI NtOpenSemaphore(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    return wv_nt_sync_make(out, access, oa, WV_KIND_SEMAPHORE, NULL);
}

NTSTATUS NTAPI NtReleaseSemaphore(HANDLE h, ULONG n, PULONG prev)
{
    if (prev && wv_nt_probe_out(prev, sizeof(*prev)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (n == 0 || n > 0x7fffffff)
        return STATUS_INVALID_PARAMETER; /* a LONG count on Windows: 0 and negatives refused */
    LONG was = 0;
    DWORD err = wv_semaphore_release(h, (LONG)n, &was);
    return wv_nt_prev(err, h, prev, was);
}

NTSTATUS NTAPI NtQuerySemaphore(HANDLE h, SEMAPHORE_INFORMATION_CLASS cls, PVOID out, ULONG len, PULONG ret)
{
    struct wv_sync_info i;
    NTSTATUS st = wv_nt_sync_info(h, WV_KIND_SEMAPHORE, cls, out, len, ret, sizeof(SEMAPHORE_BASIC_INFORMATION), &i);
    if (st)
        return st;
    SEMAPHORE_BASIC_INFORMATION b = {(ULONG)i.count, (ULONG)i.max};
    return wv_nt_sync_out(out, ret, &b, sizeof(b));
}
