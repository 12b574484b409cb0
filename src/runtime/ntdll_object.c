/* SPDX-License-Identifier: MIT */
/* ntdll_object.c - NtDuplicateObject over DuplicateHandle (win32/handle.c): the same handles,
 * this process's and another's (as DuplicateHandle reaches them), NTSTATUS results and the
 * thread's last error kept.  Attributes: OBJ_INHERIT makes the new handle inheritable;
 * DUPLICATE_SAME_ATTRIBUTES takes the source handle's instead (this process's source).
 * NtQueryObject: a handle's basic information (its attributes and access, the object's handle
 * and reference counts in this process) and its object's type (Windows' type names; facts:
 * Wine's ntdll/tests/om.c). */
#include "runtime/runtime.h"
#include "runtime/thread_int.h"
#include "runtime/reg_api.h"

#include <stdlib.h>
#include <string.h>
#include "nt/nt.h"
#include <winvm/ntdll.h>

NTSTATUS NTAPI NtDuplicateObject(HANDLE src_process, HANDLE src, HANDLE dst_process, PHANDLE dst, ACCESS_MASK access,
                                 ULONG attributes, ULONG options)
{
    if (dst && wv_nt_probe_out(dst, sizeof(*dst)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (options & ~(ULONG)(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    DWORD saved = GetLastError(), flags = 0;
    BOOL inherit = (attributes & OBJ_INHERIT) != 0;
    if ((options & DUPLICATE_SAME_ATTRIBUTES) && src_process == WV_CURRENT_PROCESS && GetHandleInformation(src, &flags))
        inherit = (flags & 1 /* HANDLE_FLAG_INHERIT */) != 0;
    HANDLE h = NULL;
    BOOL ok = DuplicateHandle(src_process, src, dst_process, dst ? &h : NULL, access, inherit,
                              options & (DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS));
    NTSTATUS st = ok ? STATUS_SUCCESS : wv_status_of(GetLastError());
    SetLastError(saved);
    if (ok && dst)
        wv_nt_out(dst, &h, sizeof(h));
    return st;
}

/* ---- NtQueryObject ---- */

/* Windows' object type names, by kind (docs/semantics.md). */
static const char *wv_type_name(int kind)
{
    switch (kind) {
    case WV_KIND_FILE: return "File";
    case WV_KIND_SECTION: return "Section";
    case WV_KIND_THREAD:
    case WV_KIND_PROCESS_THREAD:
    case WV_KIND_REMOTE_THREAD: return "Thread";
    case WV_KIND_EVENT: return "Event";
    case WV_KIND_MUTEX: return "Mutant";
    case WV_KIND_SEMAPHORE: return "Semaphore";
    case WV_KIND_PROCESS: return "Process";
    case WV_KIND_TOKEN: return "Token";
    case WV_KIND_TIMER: return "Timer";
    case WV_KIND_KEYED_EVENT: return "KeyedEvent";
    case WV_KIND_DIRECTORY: return "Directory";
    case WV_KIND_SYMLINK: return "SymbolicLink";
    case WV_KIND_DEBUG: return "DebugObject";
    case WV_KIND_IOCP: return "IoCompletion";
    case WV_KIND_JOB: return "Job";
    case WV_KIND_KEY: return "Key";
    default: return NULL;
    }
}

/* Windows' generic mapping and valid rights of the type (ob/access.c; others: 0, not
 * reported). */
static void wv_type_rights(int kind, OBJECT_TYPE_INFORMATION *t)
{
    const struct wv_ob_access *a = wv_ob_access_of(kind);
    if (a) {
        t->GenericMapping = a->map;
        t->ValidAccessMask = a->valid;
    }
}

static NTSTATUS wv_query_type(const char *name, int kind, PVOID out, ULONG len, PULONG ret)
{
    size_t n = strlen(name);
    ULONG need = (ULONG)(sizeof(OBJECT_TYPE_INFORMATION) + (n + 1) * sizeof(WCHAR));
    if (ret)
        wv_nt_out(ret, &need, sizeof(need));
    if (len < need)
        return STATUS_INFO_LENGTH_MISMATCH;
    struct {
        OBJECT_TYPE_INFORMATION t;
        WCHAR name[16];
    } b = {0};
    for (size_t i = 0; i < n; i++)
        b.name[i] = (WCHAR)name[i];
    b.t.TypeName.Length = (USHORT)(n * sizeof(WCHAR)), b.t.TypeName.MaximumLength = b.t.TypeName.Length + 2;
    b.t.TypeName.Buffer = (LPWSTR)((char *)out + sizeof(OBJECT_TYPE_INFORMATION));
    b.t.MaintainHandleCount = kind != WV_KIND_FILE;
    wv_type_rights(kind, &b.t);
    wv_nt_out(out, &b, need);
    return STATUS_SUCCESS;
}

/* ObjectNameInformation: the object path (the tree's objects: from the tree; others: the
 * name their Create or Open was given, ob/obname.c); an unnamed object's is empty.  A file's
 * NT path is not kept: STATUS_NOT_IMPLEMENTED for files. */
static NTSTATUS wv_query_name(HANDLE h, PVOID out, ULONG len, PULONG ret)
{
    DWORD access, flags;
    struct wv_object *o = wv_handle_info(h, &access, &flags);
    if (!o)
        return STATUS_INVALID_HANDLE;
    WCHAR *w = malloc(32768 * sizeof(WCHAR));
    size_t n = !w ? 0 : o->kind >= WV_KIND_DIRECTORY && o->kind <= WV_KIND_DEBUG
                            ? wv_od_name((struct wv_odent *)o, w, 32767) : wv_ob_name_get(o, w, 32767);
    bool file = o->kind == WV_KIND_FILE, gone = o->kind == WV_KIND_KEY && wv_key_deleted(o);
    wv_object_unref(o);
    if (gone) {
        free(w);
        return STATUS_KEY_DELETED; /* a deleted key has no name any more */
    }
    if (!w || (file && !n)) {
        free(w);
        return w ? STATUS_NOT_IMPLEMENTED : (NTSTATUS)STATUS_NO_MEMORY;
    }
    ULONG need = (ULONG)(sizeof(UNICODE_STRING) + (n ? (n + 1) * sizeof(WCHAR) : 0));
    if (ret)
        wv_nt_out(ret, &need, sizeof(need));
    NTSTATUS st = STATUS_INFO_LENGTH_MISMATCH;
    if (len >= need) {
        UNICODE_STRING u = {(USHORT)(n * 2), (USHORT)(n ? n * 2 + 2 : 0), n ? (LPWSTR)((char *)out + sizeof(u)) : NULL};
        w[n] = 0;
        wv_nt_out_copy(out, &u, sizeof(u));
        if (n)
            wv_nt_out_copy((char *)out + sizeof(u), w, (n + 1) * sizeof(WCHAR));
        st = STATUS_SUCCESS;
    }
    free(w);
    return st;
}

NTSTATUS NTAPI NtQueryObject(HANDLE h, OBJECT_INFORMATION_CLASS cls, PVOID out, ULONG len, PULONG ret)
{
    if (wv_nt_probe_out(out, len) || (ret && wv_nt_probe_out(ret, sizeof(*ret))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (cls == ObjectNameInformation)
        return wv_query_name(h, out, len, ret);
    if (cls != ObjectBasicInformation && cls != ObjectTypeInformation)
        return STATUS_INVALID_INFO_CLASS;
    if (cls == ObjectBasicInformation && len < sizeof(OBJECT_BASIC_INFORMATION))
        return STATUS_INFO_LENGTH_MISMATCH;
    DWORD access = 0x001FFFFF, flags = 0; /* the pseudo handles grant every right */
    struct wv_object *o = wv_handle_info(h, &access, &flags);
    if (h == WV_CURRENT_PROCESS)
        o = wv_process_self_ref();
    DWORD saved = GetLastError();
    struct wv_thread *t = h == WV_CURRENT_THREAD ? wv_thread_ref(h, 0) : NULL;
    SetLastError(saved);
    if (t)
        o = &t->obj;
    const char *name = o ? wv_type_name(o->kind) : NULL;
    int kind = o ? o->kind : 0;
    OBJECT_BASIC_INFORMATION b = {0};
    if (o) {
        b.Attributes = (flags & 1 ? 2 /* OBJ_INHERIT */ : 0) | (flags & 2 ? 1 /* protected */ : 0);
        b.GrantedAccess = access, b.HandleCount = wv_handle_count(o);
        b.PointerCount = (ULONG)__atomic_load_n(&o->refs, __ATOMIC_RELAXED) - 1; /* less this call's */
    }
    wv_object_unref(o);
    if (!name)
        return STATUS_INVALID_HANDLE;
    if (cls == ObjectTypeInformation)
        return wv_query_type(name, kind, out, len, ret);
    ULONG size = sizeof(b);
    wv_nt_out(out, &b, size);
    if (ret)
        wv_nt_out(ret, &size, sizeof(size));
    return STATUS_SUCCESS;
}
