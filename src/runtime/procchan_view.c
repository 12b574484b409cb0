/* SPDX-License-Identifier: MIT */
/* procchan_view.c - views of a section in another process: NtMapViewOfSection(Ex) (and
 * MapViewOfFile2/3, MapViewOfFileNuma2 above them) and NtUnmapViewOfSection(Ex) on a process
 * handle (nt.h's wv_nt_remote_view).
 *
 * The caller checks PROCESS_VM_OPERATION on the process handle (STATUS_ACCESS_DENIED, as
 * Windows) and resolves the section handle; the section's descriptor and description travel
 * over the target's control channel (WV_CHAN_VIEW, SCM_RIGHTS) with the call's arguments, the
 * target adopts it under a handle of the same granted access, makes the very same Nt call on
 * its own memory manager (every check and placement rule is then the target's, as when it
 * maps for itself), closes that handle (the view keeps the section) and answers the status,
 * the base and the size.  Both processes then map the one shared object: the same pages.
 * An image section does not go (STATUS_NOT_SUPPORTED), as for DuplicateHandle.
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "nt/nt.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WV_NO_REPLY 0xFFFFFFFFu

/* What WV_CHAN_VIEW carries in data: the section (map only) and the call. */
struct wv_chan_view {
    struct wv_xfer x;
    struct wv_remote_view v;
};

/* The section behind h as an object to pass: 0 or the status refusing it. */
static NTSTATUS wv_view_section(HANDLE h, struct wv_xfer *x, int *fd)
{
    DWORD granted = 0;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &granted);
    if (!o)
        return STATUS_INVALID_HANDLE;
    bool section = o->kind == WV_KIND_SECTION;
    wv_object_unref(o);
    if (!section)
        return STATUS_OBJECT_TYPE_MISMATCH;
    DWORD err = wv_xfer_take(h, granted, x, fd);
    return err == ERROR_NOT_SUPPORTED ? STATUS_NOT_SUPPORTED : err ? wv_status_of(err) : STATUS_SUCCESS;
}

static NTSTATUS wv_view_send(struct wv_process *p, struct wv_remote_view *v)
{
    struct wv_chan_req *rq = calloc(1, sizeof(*rq));
    if (!rq)
        return (NTSTATUS)STATUS_NO_MEMORY;
    struct wv_chan_view cv = {.v = *v};
    int fd = -1;
    NTSTATUS st = v->section ? wv_view_section(v->section, &cv.x, &fd) : STATUS_SUCCESS;
    if (!st) {
        struct wv_chan_rep rp = {.err = WV_NO_REPLY};
        rq->op = WV_CHAN_VIEW, rq->len = sizeof(cv);
        memcpy(rq->data, &cv, sizeof(cv));
        wv_chan_call_fd(p, rq, fd, &rp);
        /* no reply: the target ended (Windows: STATUS_PROCESS_IS_TERMINATING, as NtRead/
         * NtWriteVirtualMemory say of it), or has no channel (not a winvm process) */
        if (rp.err != WV_NO_REPLY)
            st = (NTSTATUS)rp.err;
        else
            st = wv_process_gone(p) ? (NTSTATUS)STATUS_PROCESS_IS_TERMINATING : (NTSTATUS)STATUS_ACCESS_DENIED;
        v->base = rp.addr, v->size = rp.size;
    }
    if (fd >= 0)
        close(fd);
    free(rq);
    return st;
}

static NTSTATUS wv_view_remote(HANDLE ph, struct wv_remote_view *v)
{
    DWORD access = 0;
    struct wv_process *p = (struct wv_process *)wv_handle_get(ph, WV_KIND_PROCESS, &access);
    if (!p)
        return STATUS_INVALID_HANDLE;
    NTSTATUS st;
    if (!(access & PROCESS_VM_OPERATION))
        st = STATUS_ACCESS_DENIED;
    else if (p->pid == getpid())
        st = WV_REMOTE_VIEW_SELF;
    else
        st = wv_view_send(p, v);
    wv_object_unref(&p->obj);
    return st;
}

/* ---- the target's side ---- */

/* The call the caller made, now on this process, with section h. */
static NTSTATUS wv_view_map_here(HANDLE h, struct wv_remote_view *v)
{
    PVOID base = (PVOID)(uintptr_t)v->base;
    SIZE_T size = v->size;
    LARGE_INTEGER off;
    off.QuadPart = (LONGLONG)v->off;
    NTSTATUS st;
    if (v->ex) {
        MEM_ADDRESS_REQUIREMENTS ar = {
            .LowestStartingAddress = (PVOID)v->req.lo,
            .HighestEndingAddress = v->req.top >= WV_END_ADDR ? NULL : (PVOID)(v->req.top - 1),
            .Alignment = v->req.align == WV_GRANULE ? 0 : v->req.align};
        MEM_EXTENDED_PARAMETER e = {.Pointer = &ar};
        e.Type = MemExtendedParameterAddressRequirements;
        st = NtMapViewOfSectionEx(h, WV_CURRENT_PROCESS, &base, &off, &size, v->type, v->protect,
                                  v->req.given ? &e : NULL, v->req.given ? 1 : 0);
    } else {
        st = NtMapViewOfSection(h, WV_CURRENT_PROCESS, &base, (ULONG_PTR)v->zero_bits, (SIZE_T)v->commit, &off,
                                &size, (SECTION_INHERIT)v->inherit, v->type, v->protect);
    }
    v->base = (uintptr_t)base, v->size = size;
    return st;
}

void wv_chan_view_serve(const struct wv_chan_req *rq, size_t n, int passed, struct wv_chan_rep *rp)
{
    struct wv_chan_view cv;
    if (n < WV_CHAN_REQ_HEAD + sizeof(cv)) {
        rp->err = (uint32_t)STATUS_INVALID_PARAMETER;
        if (passed >= 0)
            close(passed);
        return;
    }
    memcpy(&cv, rq->data, sizeof(cv));
    NTSTATUS st;
    if (!cv.v.section) { /* an unmap */
        if (passed >= 0)
            close(passed);
        st = NtUnmapViewOfSectionEx(WV_CURRENT_PROCESS, (PVOID)(uintptr_t)cv.v.base, cv.v.flags);
    } else if (passed < 0) {
        st = STATUS_INVALID_PARAMETER;
    } else {
        HANDLE h = NULL;
        cv.x.handle = 0, cv.x.inherit = 0;
        DWORD err = wv_xfer_adopt(&cv.x, passed, &h);
        st = err ? wv_status_of(err) : wv_view_map_here(h, &cv.v);
        if (!err)
            wv_handle_close(h); /* the view holds the section */
    }
    rp->err = (uint32_t)st, rp->addr = cv.v.base, rp->size = cv.v.size;
}

void wv_chan_view_init(void) { wv_nt_remote_view = wv_view_remote; }
