/* SPDX-License-Identifier: MIT */
/* procchan_ntvm.c - NtAllocateVirtualMemory and NtFreeVirtualMemory on a handle to another
 * process (nt.h's wv_nt_remote_vm), as VirtualAllocEx and VirtualFreeEx reach it
 * (procchan_call.c) and views do (procchan_view.c).
 *
 * The caller checks PROCESS_VM_OPERATION on the handle (STATUS_ACCESS_DENIED, as Windows);
 * the arguments travel over the target's control channel (WV_CHAN_NTVM) and the target makes
 * the very same Nt call on its own memory manager, so every check, rounding and placement rule
 * (ZeroBits included) is the target's own, and its status, base and size come back.  Before
 * this, these calls answered STATUS_INVALID_HANDLE for every other process (Wine's
 * kernel32/tests/sync.c test_apc_deadlock: 86,388 failures).
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "nt/nt.h"

#include <string.h>
#include <unistd.h>

#define WV_NO_REPLY 0xFFFFFFFFu

static NTSTATUS wv_ntvm_remote(HANDLE ph, struct wv_remote_vm *v)
{
    DWORD access = 0;
    struct wv_process *p = (struct wv_process *)wv_handle_get(ph, WV_KIND_PROCESS, &access);
    if (!p)
        return WV_REMOTE_VIEW_SELF; /* no process handle: the local call refuses it */
    NTSTATUS st = WV_REMOTE_VIEW_SELF;
    if (!(access & PROCESS_VM_OPERATION))
        st = STATUS_ACCESS_DENIED;
    else if (p->pid != getpid()) {
        struct wv_chan_req rq = {.op = WV_CHAN_NTVM, .len = sizeof(*v)};
        struct wv_chan_rep rp = {.err = WV_NO_REPLY};
        memcpy(rq.data, v, sizeof(*v));
        wv_chan_call(p, &rq, &rp);
        /* no reply: the target ended, or has no channel (not a winvm process), as for views */
        if (rp.err != WV_NO_REPLY)
            st = (NTSTATUS)rp.err;
        else
            st = wv_process_gone(p) ? (NTSTATUS)STATUS_PROCESS_IS_TERMINATING : (NTSTATUS)STATUS_ACCESS_DENIED;
        v->addr = rp.addr, v->size = rp.size;
    }
    wv_object_unref(&p->obj);
    return st;
}

void wv_chan_ntvm_serve(const struct wv_chan_req *rq, struct wv_chan_rep *rp)
{
    struct wv_remote_vm v;
    memcpy(&v, rq->data, sizeof(v));
    PVOID base = (PVOID)(uintptr_t)v.addr;
    SIZE_T size = (SIZE_T)v.size;
    NTSTATUS st = v.free ? NtFreeVirtualMemory(WV_CURRENT_PROCESS, &base, &size, v.type)
                         : NtAllocateVirtualMemory(WV_CURRENT_PROCESS, &base, (ULONG_PTR)v.zero_bits, &size, v.type,
                                                   v.protect);
    rp->err = (uint32_t)st, rp->addr = (uintptr_t)base, rp->size = size;
}

void wv_chan_ntvm_init(void) { wv_nt_remote_vm = wv_ntvm_remote; }
