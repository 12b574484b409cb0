/* SPDX-License-Identifier: MIT */
/* ntdll_objdir.c - the object namespace's calls: NtCreate/Open/QueryDirectoryObject,
 * NtCreate/Open/QuerySymbolicLinkObject, NtCreateDebugObject (the tree: ob/objdir.c; names
 * read: nt/objname.c).  Directories, links and debug objects are this process's; a
 * BaseNamedObjects directory also lists the user's shared sections, events, ... (their store).
 * Facts: Wine's ntdll/tests/om.c (test_directory, test_symboliclink, test_query_directory,
 * test_globalroot) as run on Windows.
 */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "nt/nt.h"
#include <winvm/ntdll.h>

/* Windows' generic mapping of each type's rights (and MAXIMUM_ALLOWED: all of them). */
static DWORD wv_od_access(int kind, DWORD access)
{
    return wv_ob_map_generic(access, &wv_ob_access_of(kind)->map) & 0x01FFFFFF;
}

/* A handle on e out: the status (STATUS_INSUFFICIENT_RESOURCES when the table is full). */
static NTSTATUS wv_od_handle(PHANDLE out, struct wv_odent *e, DWORD access, NTSTATUS ok)
{
    HANDLE h = wv_handle_new(&e->obj, wv_od_access(e->obj.kind, access));
    if (!h)
        return STATUS_INSUFFICIENT_RESOURCES;
    wv_nt_out(out, &h, sizeof(h));
    return ok;
}

/* Whether the user's store holds name (a BaseNamedObjects leaf someone shares). */
static bool wv_od_in_store(const struct wv_odent *dir, const WCHAR *leaf, size_t n)
{
    char buf[4 * WV_NS_NAME_MAX], want[2 * WV_NS_NAME_MAX + 1];
    size_t len = 0;
    if (wv_utf16_to_utf8(leaf, n, buf, sizeof(buf) - 1, WV_TEXT_WTF8, &len) || 2 * len > WV_NS_NAME_MAX)
        return false;
    (void)dir;
    for (size_t i = 0; i < len; i++)
        snprintf(want + 2 * i, 3, "%02x", (unsigned char)buf[i]);
    int lk = wv_ns_lock(), fd = lk >= 0 ? wv_ns_open(lk, want) : -1;
    if (fd >= 0) {
        wv_ns_release(lk, fd);
        close(fd);
    }
    wv_ns_unlock(lk);
    return fd >= 0;
}

/* Makes e (a new object, its reference taken over) the name p ends at. */
static NTSTATUS wv_od_name_new(struct wv_od_path *p, struct wv_odent *e, PHANDLE out, DWORD access)
{
    NTSTATUS st = STATUS_OBJECT_NAME_COLLISION;
    if (!(p->dir->shared && wv_od_in_store(p->dir, p->leaf, p->llen)) && wv_od_insert(p->dir, e, p->leaf, p->llen))
        st = wv_od_handle(out, e, access, STATUS_SUCCESS);
    wv_object_unref(&e->obj); /* the handle holds it now (or nothing does: the name goes) */
    return st;
}

/* Create (make: the new object) or open (make NULL) an object of kind at *oa's name. */
static NTSTATUS wv_od_make(PHANDLE out, DWORD access, POBJECT_ATTRIBUTES oa, int kind, struct wv_odent *make)
{
    struct wv_nt_oa a = {0};
    NTSTATUS st = oa ? wv_nt_oa_read(oa, &a) : (make ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER);
    if (st || (make && !a.len)) { /* no name: an unnamed object */
        wv_nt_oa_free(&a);
        st = st ? st : wv_od_handle(out, make, access, STATUS_SUCCESS);
        wv_object_unref(make ? &make->obj : NULL);
        return st;
    }
    struct wv_od_path p = {0};
    if (!a.root && !a.len)
        st = STATUS_OBJECT_PATH_SYNTAX_BAD;
    else if (!a.named)
        st = STATUS_OBJECT_NAME_INVALID; /* a root and no name at all */
    else if (!a.len && a.root->obj.kind == kind)
        st = (wv_object_ref(&a.root->obj), p.found = a.root, STATUS_SUCCESS);
    else
        st = wv_od_lookup(a.root, a.name, a.len, a.attrs,
                          make || kind == WV_KIND_SYMLINK ? WV_OD_NOFOLLOW : WV_OD_FOLLOW, &p);
    bool openif = (a.attrs & OBJ_OPENIF) != 0;
    wv_nt_oa_free(&a);
    if (!st && p.found && p.found->obj.kind != kind)
        st = STATUS_OBJECT_TYPE_MISMATCH; /* Vista and later, for a Create too */
    else if (!st && p.found)
        st = make && !openif ? STATUS_OBJECT_NAME_COLLISION
                             : wv_od_handle(out, p.found, access, make ? STATUS_OBJECT_NAME_EXISTS : STATUS_SUCCESS);
    else if (!st && !make)
        st = STATUS_OBJECT_NAME_NOT_FOUND;
    else if (!st)
        return st = wv_od_name_new(&p, make, out, access), wv_od_path_free(&p), st;
    wv_od_path_free(&p);
    wv_object_unref(make ? &make->obj : NULL);
    return st;
}

static bool wv_od_out_ok(PHANDLE out)
{
    return out && !wv_copy(out, out, sizeof(*out));
}

NTSTATUS NTAPI NtCreateDirectoryObject(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    if (!wv_od_out_ok(out))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    struct wv_odent *e = wv_od_new(WV_KIND_DIRECTORY, NULL, 0);
    return e ? wv_od_make(out, access, oa, WV_KIND_DIRECTORY, e) : (NTSTATUS)STATUS_NO_MEMORY;
}

NTSTATUS NTAPI NtOpenDirectoryObject(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    if (!wv_od_out_ok(out))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    return wv_od_make(out, access, oa, WV_KIND_DIRECTORY, NULL);
}

NTSTATUS NTAPI NtCreateSymbolicLinkObject(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa,
                                          PUNICODE_STRING target)
{
    UNICODE_STRING t;
    if (!wv_od_out_ok(out) || !target || wv_copy(&t, target, sizeof(t)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if ((t.Length & 1) || t.Length > t.MaximumLength || !t.Buffer)
        return STATUS_INVALID_PARAMETER;
    WCHAR *w = malloc(t.Length + 2u);
    if (!w)
        return STATUS_NO_MEMORY;
    if (wv_copy(w, t.Buffer, t.Length)) {
        free(w);
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    }
    struct wv_odent *e = wv_od_new(WV_KIND_SYMLINK, w, t.Length / 2);
    free(w);
    return e ? wv_od_make(out, access, oa, WV_KIND_SYMLINK, e) : (NTSTATUS)STATUS_NO_MEMORY;
}

NTSTATUS NTAPI NtOpenSymbolicLinkObject(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    if (!wv_od_out_ok(out))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    return wv_od_make(out, access, oa, WV_KIND_SYMLINK, NULL);
}

/* The object of kind behind h, with need granted: a reference, or NULL and *st. */
static struct wv_odent *wv_od_get(HANDLE h, int kind, DWORD need, NTSTATUS *st)
{
    DWORD granted = 0;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &granted);
    *st = !o ? STATUS_INVALID_HANDLE : o->kind != kind ? STATUS_OBJECT_TYPE_MISMATCH
          : (granted & need) != need ? STATUS_ACCESS_DENIED : STATUS_SUCCESS;
    if (*st) {
        wv_object_unref(o);
        return NULL;
    }
    return (struct wv_odent *)o;
}

NTSTATUS NTAPI NtQuerySymbolicLinkObject(HANDLE h, PUNICODE_STRING target, PULONG ret)
{
    UNICODE_STRING t;
    NTSTATUS st;
    if (!target || wv_copy(&t, target, sizeof(t)) || (ret && wv_nt_probe_out(ret, sizeof(*ret))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    struct wv_odent *e = wv_od_get(h, WV_KIND_SYMLINK, SYMBOLIC_LINK_QUERY, &st);
    if (!e)
        return st;
    ULONG bytes = (ULONG)(e->tlen * sizeof(WCHAR)), full = bytes + sizeof(WCHAR);
    if (ret)
        wv_nt_out(ret, &full, sizeof(full));
    st = STATUS_BUFFER_TOO_SMALL;
    if (t.MaximumLength > bytes || (t.MaximumLength == bytes && !bytes)) {
        WCHAR *w = malloc(full);
        if (w) {
            if (bytes) /* an empty target may have no buffer */
                memcpy(w, e->target, bytes);
            w[e->tlen] = 0;
            st = wv_copy(t.Buffer, w, t.MaximumLength >= full ? full : bytes) ? (NTSTATUS)STATUS_ACCESS_VIOLATION
                                                                              : STATUS_SUCCESS;
            free(w);
        } else
            st = STATUS_NO_MEMORY;
        t.Length = (USHORT)bytes;
        if (!st)
            wv_nt_out(&target->Length, &t.Length, sizeof(t.Length));
    }
    wv_object_unref(&e->obj);
    return st;
}

NTSTATUS NTAPI NtCreateDebugObject(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, ULONG flags)
{
    if (!wv_od_out_ok(out))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (flags & ~(ULONG)DEBUG_KILL_ON_CLOSE)
        return STATUS_INVALID_PARAMETER;
    struct wv_odent *e = wv_od_new(WV_KIND_DEBUG, NULL, 0);
    if (!e)
        return STATUS_NO_MEMORY;
    e->flags = flags;
    return wv_od_make(out, access, oa, WV_KIND_DEBUG, e);
}
