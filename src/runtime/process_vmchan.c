/* SPDX-License-Identifier: MIT */
/* process_vmchan.c - NtReadVirtualMemory / NtWriteVirtualMemory (so Read/WriteProcessMemory)
 * on another process when the kernel refuses process_vm_readv/writev (nt/copy.c): under
 * Yama's ptrace_scope 1 for a process that is not our descendant (a PE child reading its
 * parent, two siblings), or for a non-dumpable target without CAP_SYS_PTRACE.  The target
 * copies its own memory through its control channel (procchan_vm.c), a bounded chunk per
 * request: WV_CHAN_READ_MAX bytes back per read, one page per write.  The statuses are the
 * fast copy's: STATUS_PARTIAL_COPY and the count at the first page the target cannot copy,
 * STATUS_ACCESS_VIOLATION (count 0, set by the caller) for a bad buffer of ours, checked on
 * the page where the copy stopped as the fast path does; STATUS_ACCESS_DENIED when the target
 * has no channel or ends meanwhile.
 *
 * A refusal is remembered on the process object (vm_chan): later copies skip the kernel's
 * (docs/performance.md has the cost of both).  WINVM_VM_COPY=channel, read once, sends every
 * copy this way (a diagnostic, and how the tests run the path where the kernel allows both).
 */
#include "runtime/procchan.h"
#include "nt/nt.h"

#include <stdlib.h>
#include <string.h>

static bool wv_vm_forced;

static size_t wv_page_rest(uintptr_t a) { return WV_PAGE_SIZE - (a & (WV_PAGE_SIZE - 1)); }

static size_t wv_min(size_t a, size_t b) { return a < b ? a : b; }

/* Where a copy stopped short at remote (n bytes left): our buffer's bad piece is the caller's
 * fault (STATUS_ACCESS_VIOLATION), else the target's page (STATUS_PARTIAL_COPY). */
static NTSTATUS wv_stopped(uintptr_t local, uintptr_t remote, size_t n, bool read)
{
    char tmp[WV_PAGE_SIZE];
    size_t piece = wv_min(wv_page_rest(remote), n);
    bool bad = read ? wv_copy((void *)local, (void *)local, piece) != 0 : wv_copy(tmp, (void *)local, piece) != 0;
    return bad ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_PARTIAL_COPY;
}

static NTSTATUS wv_read(struct wv_process *p, uintptr_t local, uintptr_t remote, size_t n, size_t *done)
{
    char *buf = malloc(WV_CHAN_READ_MAX);
    struct wv_chan_req *rq = calloc(1, sizeof(*rq));
    NTSTATUS st = buf && rq ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
    while (st == STATUS_SUCCESS && *done < n) {
        size_t want = wv_min(n - *done, WV_CHAN_READ_MAX), got = 0;
        struct wv_chan_rep rp;
        rq->op = WV_CHAN_READ, rq->addr = remote + *done, rq->size = want;
        if (wv_chan_call_data(p, rq, &rp, buf, want, &got) || got > want)
            st = (NTSTATUS)STATUS_ACCESS_DENIED;
        else if (wv_copy((void *)(local + *done), buf, got))
            st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
        else if ((*done += got) < n && got < want)
            st = wv_stopped(local + *done, remote + *done, n - *done, true);
    }
    free(buf);
    free(rq);
    return st;
}

/* Bytes of src readable from its start (up to n), a page of ours at a time after a fault. */
static size_t wv_take(void *dst, uintptr_t src, size_t n)
{
    if (!wv_copy(dst, (void *)src, n))
        return n;
    size_t k = 0;
    for (size_t step; k < n && !wv_copy((char *)dst + k, (void *)(src + k), step = wv_min(wv_page_rest(src + k), n - k));)
        k += step;
    return k;
}

static NTSTATUS wv_write(struct wv_process *p, uintptr_t local, uintptr_t remote, size_t n, size_t *done)
{
    struct wv_chan_req *rq = malloc(sizeof(*rq));
    NTSTATUS st = rq ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
    while (st == STATUS_SUCCESS && *done < n) {
        size_t want = wv_min(n - *done, WV_PAGE_SIZE), good = wv_take(rq->data, local + *done, want);
        struct wv_chan_rep rp = {0};
        rq->op = WV_CHAN_VMWRITE, rq->addr = remote + *done, rq->len = (uint32_t)good;
        if (good && (wv_chan_call(p, rq, &rp) || rp.size > good))
            st = (NTSTATUS)STATUS_ACCESS_DENIED;
        else if ((*done += rp.size) < n && rp.size < want)
            st = rp.size < good ? wv_stopped(local + *done, remote + *done, n - *done, false)
                                : (NTSTATUS)STATUS_ACCESS_VIOLATION;
    }
    free(rq);
    return st;
}

static NTSTATUS wv_copy_chan(HANDLE h, uintptr_t local, uintptr_t remote, size_t n, bool read, size_t *done)
{
    *done = 0;
    struct wv_process *p = (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, NULL);
    if (!p)
        return (NTSTATUS)STATUS_INVALID_HANDLE;
    __atomic_store_n(&p->vm_chan, true, __ATOMIC_RELAXED); /* the kernel said no once: it will again */
    NTSTATUS st = read ? wv_read(p, local, remote, n, done) : wv_write(p, local, remote, n, done);
    wv_object_unref(&p->obj);
    return st;
}

static int wv_pid_for_nt(HANDLE h, DWORD need, bool *chan)
{
    DWORD access;
    struct wv_process *p = (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, &access);
    if (!p)
        return 0;
    int pid = (access & need) == need ? (int)p->pid : -1;
    *chan = wv_vm_forced || __atomic_load_n(&p->vm_chan, __ATOMIC_RELAXED);
    wv_object_unref(&p->obj);
    return pid;
}

/* Whether h's process has ended: its pidfd readable (every other process has one). */
static bool wv_gone_for_nt(HANDLE h)
{
    struct wv_process *p = (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, NULL);
    if (!p)
        return false;
    bool gone = wv_process_gone(p);
    wv_object_unref(&p->obj);
    return gone;
}

void wv_vmchan_init(void)
{
    const char *how = getenv("WINVM_VM_COPY");
    wv_vm_forced = how && !strcmp(how, "channel");
    wv_nt_process_pid = wv_pid_for_nt;
    wv_nt_process_gone = wv_gone_for_nt;
    wv_nt_copy_chan = wv_copy_chan;
}
