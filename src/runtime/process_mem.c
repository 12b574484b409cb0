/* SPDX-License-Identifier: MIT */
/* process_mem.c - ReadProcessMemory and WriteProcessMemory: kernel32's forms of
 * NtReadVirtualMemory / NtWriteVirtualMemory (nt/copy.c: process_vm_readv/writev for another
 * process, a handle's PROCESS_VM_READ / PROCESS_VM_WRITE and PROCESS_VM_OPERATION checked),
 * the status turned into the last error.  A range that stops at an inaccessible page fails with
 * ERROR_PARTIAL_COPY and the count copied before it, as Windows.
 *
 * WriteProcessMemory, as Windows' kernelbase, writes into read-only and execute pages too: the
 * page the fast copy stopped at is written by the process that owns it (procchan_serve.c's
 * wv_chan_write_page: made writable for the write and restored, by its own memory manager,
 * through its control channel for another process), then the fast copy goes on.  A free,
 * reserved, PAGE_NOACCESS or guard page stops it with ERROR_PARTIAL_COPY.
 */
#include "runtime/procchan.h"
#include "winvm/ntdll.h"

#include <stdlib.h>
#include <unistd.h>

static BOOL wv_mem_result(NTSTATUS st, SIZE_T done, SIZE_T *out)
{
    if (out && wv_user_put(out, &done, sizeof(done)))
        return wv_fail(ERROR_NOACCESS);
    return st == STATUS_SUCCESS ? TRUE : wv_fail(RtlNtStatusToDosError(st));
}

BOOL WINAPI ReadProcessMemory(HANDLE h, LPCVOID base, LPVOID buf, SIZE_T n, SIZE_T *read)
{
    SIZE_T done = 0;
    NTSTATUS st = NtReadVirtualMemory(h, (PVOID)base, buf, n, &done);
    return wv_mem_result(st, done, read);
}

/* Writes the page at addr (n bytes within it, from the caller's buffer src) as its owner does:
 * 0, or an error (the page cannot be written, the buffer is bad, the process has gone). */
static DWORD wv_write_slow(HANDLE h, uintptr_t addr, const void *src, size_t n)
{
    struct wv_chan_req *rq = malloc(sizeof(*rq));
    DWORD err = rq ? wv_copy(rq->data, src, n) : ERROR_NOT_ENOUGH_MEMORY;
    struct wv_process *p = NULL;
    if (!err && !wv_process_is_self(h))
        p = (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, NULL);
    if (err || (!p && !wv_process_is_self(h)))
        ;
    else if (!p)
        err = wv_chan_write_page(addr, rq->data, n);
    else {
        struct wv_chan_rep rp;
        rq->op = WV_CHAN_WRITE, rq->addr = addr, rq->len = (uint32_t)n;
        err = wv_chan_call(p, rq, &rp);
        wv_object_unref(&p->obj);
    }
    free(rq);
    return err;
}

BOOL WINAPI WriteProcessMemory(HANDLE h, LPVOID base, LPCVOID buf, SIZE_T n, SIZE_T *written)
{
    SIZE_T done = 0;
    uintptr_t to = (uintptr_t)base;
    const char *from = buf;
    NTSTATUS st;
    for (;;) {
        SIZE_T part = 0;
        st = NtWriteVirtualMemory(h, (PVOID)(to + done), from + done, n - done, &part);
        done += part;
        if (st != STATUS_PARTIAL_COPY)
            break;
        size_t step = WV_PAGE_SIZE - ((to + done) & (WV_PAGE_SIZE - 1));
        step = step < n - done ? step : n - done;
        if (wv_write_slow(h, to + done, from + done, step))
            break; /* the page cannot be written: ERROR_PARTIAL_COPY and the count so far */
        done += step;
        if (done == n) {
            st = STATUS_SUCCESS;
            break;
        }
    }
    return wv_mem_result(st, done, written);
}
