/* SPDX-License-Identifier: MIT */
/* local_obj.c - what the process-local object kinds that may have a name share (keyed events,
 * I/O completion ports, job objects): the name held in the per-user store every named object
 * uses, and the NT Create/Open protocol over it.
 *
 * Each kind keeps its own list of named objects under its own lock (struct wv_local_kind);
 * a create takes the namespace lock first (a name is held across processes), then the kind's
 * lock, finds or makes the object, and drops both before the handle is made.
 */
#include "runtime/runtime.h"
#include "runtime/synch_int.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

#include <errno.h>
#include <unistd.h>

/* A name held in the per-user store: the descriptor, or -1 and *st.  A name another kind of
 * object holds (an event, a section, another process's keyed event or port) is
 * STATUS_OBJECT_TYPE_MISMATCH, as Windows answers an event's name. */
int wv_local_name_hold(int lk, const char *name, uint32_t magic, NTSTATUS *st)
{
    const uint32_t head[2] = {magic, 8};
    char path[64 + 2 * 260 + 8];
    int fd = -1;
    *st = lk < 0 || wv_section_name_path(name, path, sizeof(path)) ? STATUS_OBJECT_NAME_INVALID : 0;
    if (!*st && (fd = wv_ns_open(lk, path)) >= 0) {
        wv_ns_release(lk, fd), close(fd), fd = -1;
        *st = STATUS_OBJECT_TYPE_MISMATCH;
    } else if (!*st && (errno != ENOENT || (fd = wv_ns_create(lk, path)) < 0))
        *st = STATUS_ACCESS_DENIED;
    if (fd >= 0 && pwrite(fd, head, sizeof(head), 0) != sizeof(head))
        wv_ns_release(lk, fd), close(fd), fd = -1, *st = STATUS_ACCESS_DENIED;
    return fd;
}

/* The rights an open asks, when the kind checks them: none, or one outside what it knows, is
 * STATUS_ACCESS_DENIED (as the other objects' opens, nsync_api.c). */
static bool wv_local_open_asks_too_much(const struct wv_local_kind *k, ACCESS_MASK access)
{
    const ACCESS_MASK generic = MAXIMUM_ALLOWED | GENERIC_ALL | GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE;
    return k->open_rights && (!access || (access & ~(k->open_rights | generic)));
}

/* The rights a handle of kind k gets for access: its generic rights mapped. */
static DWORD wv_local_rights(const struct wv_local_kind *k, DWORD a) { return wv_ob_rights(k->kind, a); }

NTSTATUS wv_local_make(const struct wv_local_kind *k, PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa,
                       bool create, void *arg)
{
    char buf[4096];
    const char *name = NULL;
    ULONG attrs = 0;
    if (!out || wv_copy(out, out, sizeof(*out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (!create && !oa)
        return STATUS_INVALID_PARAMETER;
    NTSTATUS st = oa ? wv_nt_read_name(oa, buf, sizeof(buf), &name, &attrs, create) : STATUS_SUCCESS;
    if (st)
        return st;
    if (!create && !name)
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    if (!create && wv_local_open_asks_too_much(k, access))
        return STATUS_ACCESS_DENIED;
    int lk = name && create ? wv_ns_lock() : -1;
    pthread_mutex_lock(k->lock);
    struct wv_object *o = name ? k->find(name) : NULL;
    if (o && create)
        st = (attrs & OBJ_OPENIF) ? STATUS_OBJECT_NAME_EXISTS : STATUS_OBJECT_NAME_COLLISION;
    else if (!o && !create)
        st = STATUS_OBJECT_NAME_NOT_FOUND;
    else if (!o)
        o = k->make(lk, name, arg, &st);
    pthread_mutex_unlock(k->lock);
    if (lk >= 0)
        wv_ns_unlock(lk);
    if (!o || st == STATUS_OBJECT_NAME_COLLISION) {
        wv_object_unref(o);
        return st;
    }
    HANDLE h = wv_handle_new(o, wv_local_rights(k, access));
    wv_object_unref(o); /* the handle holds it now (or nothing does) */
    if (!h)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (name)
        wv_nt_name_handle(h);
    wv_nt_out(out, &h, sizeof(h));
    return st;
}
