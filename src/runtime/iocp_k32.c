/* SPDX-License-Identifier: MIT */
/* iocp_k32.c - I/O completion ports, kernel32's side: CreateIoCompletionPort (a new port, and a
 * file handle's association with one and a key), GetQueuedCompletionStatus(Ex),
 * PostQueuedCompletionStatus, SetFileCompletionNotificationModes, over ntdll's calls
 * (iocp.c), and what overlapped I/O asks of a file's port (overlap.c).
 *
 * Windows' rules kept here: a file is associated with one port for its life (a second
 * association is ERROR_INVALID_PARAMETER); an overlapped request of an associated handle
 * posts a packet (key, the OVERLAPPED, status, bytes) when it completes, whether it ends at
 * once or later, unless it failed at once (the caller has its error then), its OVERLAPPED's
 * hEvent has bit 0 set, or it succeeded at once on a handle with
 * FILE_SKIP_COMPLETION_PORT_ON_SUCCESS.  GetQueuedCompletionStatus returns FALSE with the
 * request's error for a failed request's packet (its OVERLAPPED, key and count still given),
 * FALSE with WAIT_TIMEOUT and a NULL OVERLAPPED when none came, ERROR_ABANDONED_WAIT_0 when
 * the port's last handle closed during the wait.
 */
#include "runtime/io_int.h"
#include "nt/nt.h"
#include <winvm/iocp.h>

/* ms as an NT timeout (NULL: INFINITE). */
static PLARGE_INTEGER wv_iocp_timeout(DWORD ms, LARGE_INTEGER *t)
{
    t->QuadPart = -(LONGLONG)ms * 10000;
    return ms == INFINITE ? NULL : t;
}

/* The Win32 error of a remove's status (not its packet's). */
static DWORD wv_iocp_error(NTSTATUS st)
{
    switch (st) {
    case STATUS_TIMEOUT: return WAIT_TIMEOUT;
    case STATUS_USER_APC: return WAIT_IO_COMPLETION;
    case STATUS_ABANDONED_WAIT_0: return ERROR_ABANDONED_WAIT_0;
    default: return RtlNtStatusToDosError(st);
    }
}

/* Associates f with the port h names (f's handle file), once: 0 or the error. */
static DWORD wv_iocp_associate(struct wv_file *f, HANDLE port, ULONG_PTR key)
{
    DWORD access = 0;
    struct wv_object *o = wv_handle_get(port, WV_KIND_ANY, &access);
    if (!o)
        return ERROR_INVALID_HANDLE;
    if (o->kind != WV_KIND_IOCP) {
        wv_object_unref(o);
        return ERROR_INVALID_HANDLE;
    }
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* associations: a leaf */
    pthread_mutex_lock(&lock);
    bool taken = f->port != NULL;
    if (!taken) {
        f->port_key = key; /* before the port: a request that sees the port sees its key */
        __atomic_store_n(&f->port, o, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&lock);
    if (taken)
        wv_object_unref(o);
    return taken ? ERROR_INVALID_PARAMETER : 0; /* f keeps o's reference; once only */
}

HANDLE WINAPI CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads)
{
    if (file == INVALID_HANDLE_VALUE && port)
        return wv_fail(ERROR_INVALID_PARAMETER), NULL;
    struct wv_file *f = NULL;
    if (file != INVALID_HANDLE_VALUE && !(f = wv_file_of(file, NULL)))
        return wv_fail(ERROR_INVALID_HANDLE), NULL;
    HANDLE made = NULL;
    if (!port) {
        NTSTATUS st = NtCreateIoCompletion(&made, IO_COMPLETION_ALL_ACCESS, NULL, threads);
        if (st) {
            wv_object_unref(f ? &f->obj : NULL);
            return wv_fail(RtlNtStatusToDosError(st)), NULL;
        }
    }
    DWORD err = f ? wv_iocp_associate(f, port ? port : made, key) : 0;
    wv_object_unref(f ? &f->obj : NULL);
    if (err) {
        if (made)
            wv_handle_close(made);
        return wv_fail(err), NULL;
    }
    wv_set_error(ERROR_SUCCESS);
    return port ? port : made;
}

BOOL WINAPI GetQueuedCompletionStatus(HANDLE port, LPDWORD count, PULONG_PTR key, LPOVERLAPPED *ov, DWORD ms)
{
    LARGE_INTEGER t;
    ULONG_PTR k = 0, v = 0;
    IO_STATUS_BLOCK iosb = {0};
    NTSTATUS st = NtRemoveIoCompletion(port, &k, &v, &iosb, wv_iocp_timeout(ms, &t));
    if (st != STATUS_SUCCESS) {
        static void *const null;
        wv_copy(ov, &null, sizeof(null));
        return wv_fail(wv_iocp_error(st));
    }
    DWORD n = (DWORD)iosb.Information;
    if (wv_copy(ov, &v, sizeof(v)) || wv_copy(key, &k, sizeof(k)) || wv_copy(count, &n, sizeof(n)))
        return wv_fail(ERROR_NOACCESS);
    if (iosb.Status == STATUS_SUCCESS)
        return wv_set_error(ERROR_SUCCESS), TRUE;
    DWORD err = wv_io_error_of((DWORD)iosb.Status); /* the statuses overlapped I/O posts */
    return wv_fail(err != ERROR_GEN_FAILURE ? err : RtlNtStatusToDosError(iosb.Status));
}

/* FILE_IO_COMPLETION_INFORMATION and OVERLAPPED_ENTRY have one layout: key, value (the
 * OVERLAPPED), the status in a pointer-sized field, the count in the low half of the last. */
_Static_assert(sizeof(OVERLAPPED_ENTRY) == sizeof(FILE_IO_COMPLETION_INFORMATION), "one layout");

BOOL WINAPI GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries, ULONG n, PULONG removed, DWORD ms,
                                        BOOL alertable)
{
    LARGE_INTEGER t;
    NTSTATUS st = NtRemoveIoCompletionEx(port, (FILE_IO_COMPLETION_INFORMATION *)entries, n, removed,
                                         wv_iocp_timeout(ms, &t), alertable ? TRUE : FALSE);
    return st == STATUS_SUCCESS ? (wv_set_error(ERROR_SUCCESS), TRUE) : wv_fail(wv_iocp_error(st));
}

BOOL WINAPI PostQueuedCompletionStatus(HANDLE port, DWORD count, ULONG_PTR key, LPOVERLAPPED ov)
{
    NTSTATUS st = NtSetIoCompletion(port, key, (ULONG_PTR)ov, STATUS_SUCCESS, count);
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}

BOOL WINAPI SetFileCompletionNotificationModes(HANDLE file, UCHAR flags)
{
    if (flags & ~(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE | 0x4 /* ..._ON_FAST_IO */))
        return wv_fail(ERROR_INVALID_PARAMETER);
    struct wv_file *f = wv_file_of(file, NULL);
    if (!f)
        return wv_fail(ERROR_INVALID_HANDLE);
    if ((flags & FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) && !(f->flags & FILE_FLAG_OVERLAPPED)) {
        wv_object_unref(&f->obj); /* a synchronous handle: refused (Wine's ntdll file.c records it) */
        return wv_fail(ERROR_INVALID_PARAMETER);
    }
    __atomic_or_fetch(&f->notify, flags, __ATOMIC_RELEASE); /* modes once set stay, as on Windows */
    wv_object_unref(&f->obj);
    return TRUE;
}

struct wv_object *wv_iocp_file_port(struct wv_file *f, ULONG_PTR *key)
{
    struct wv_object *p = __atomic_load_n(&f->port, __ATOMIC_ACQUIRE);
    if (p)
        *key = f->port_key, wv_object_ref(p);
    return p;
}

struct wv_object *wv_iocp_port_of(struct wv_file *f, const OVERLAPPED *ov, ULONG_PTR *key)
{
    OVERLAPPED o;
    struct wv_object *p = __atomic_load_n(&f->port, __ATOMIC_ACQUIRE);
    if (!p || wv_copy(&o, ov, sizeof(o)) || ((uintptr_t)o.hEvent & 1))
        return NULL;
    *key = f->port_key;
    wv_object_ref(p);
    return p;
}

void wv_iocp_io_done(struct wv_object *port, ULONG_PTR key, const OVERLAPPED *ov, DWORD err, DWORD count,
                     bool at_once, const struct wv_file *f)
{
    if (!port)
        return;
    bool skip = at_once && (err || (f && (__atomic_load_n(&f->notify, __ATOMIC_ACQUIRE) &
                                          FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)));
    if (at_once && err == ERROR_MORE_DATA)
        skip = false; /* a warning: the request completed, its packet comes */
    if (!skip)
        wv_iocp_post(port, key, (ULONG_PTR)ov, (NTSTATUS)wv_io_status(err), count);
    wv_object_unref(port);
}
