/* SPDX-License-Identifier: MIT */
/* procchan_vm.c - the target's side of ReadProcessMemory / WriteProcessMemory when the caller's
 * kernel copy (process_vm_readv/writev) was refused (process_vmchan.c): this process copies
 * its own memory, in the connection's thread, with the fault-safe copy (wv_copy), and stops at
 * the first page it cannot read (or write), as the kernel's copy does: the count it returns
 * always ends at a page boundary or at the end of the request.
 *
 * A committed PAGE_NOACCESS or guard page is not touched (the fault would take the guard, which
 * the kernel's copy leaves in place); any other page is tried, so memory outside the memory
 * manager's books (the host's heap and stacks) reads as it does with process_vm_readv.  A write
 * changes no protection: a read-only page stops it (WriteProcessMemory then asks for
 * WV_CHAN_WRITE).  A page whose fault the handler resolves (a write watch, a stack's guard
 * growing) is copied as the program's own access would be.
 */
#include "runtime/procchan.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

static size_t wv_page_rest(uintptr_t a) { return WV_PAGE_SIZE - (a & (WV_PAGE_SIZE - 1)); }

/* How far from a (at most n) the pages share what the memory manager knows of a's; 0 when a's
 * page must not be touched. */
static size_t wv_span(uintptr_t a, size_t n)
{
    MEMORY_BASIC_INFORMATION m;
    wv_virtual_query(a, &m);
    if (m.State == MEM_COMMIT && (m.Protect & (PAGE_NOACCESS | PAGE_GUARD)))
        return 0;
    uintptr_t end = (uintptr_t)m.BaseAddress + m.RegionSize;
    size_t span = m.RegionSize && end > a ? end - a : wv_page_rest(a);
    return span < n ? span : n;
}

/* Copies n bytes between buf and this process's address a (read: from a), a page at a time
 * once a copy faults: the count copied before the first page that cannot be. */
static size_t wv_own_copy(uintptr_t a, char *buf, size_t n, bool read)
{
    size_t k = 0;
    while (k < n) {
        size_t span = wv_span(a + k, n - k);
        if (!span)
            break;
        void *mine = (void *)(a + k);
        if (!(read ? wv_copy(buf + k, mine, span) : wv_copy(mine, buf + k, span))) {
            k += span;
            continue;
        }
        for (size_t end = k + span; k < end;) { /* find the page that faulted */
            size_t step = wv_page_rest(a + k);
            step = step < end - k ? step : end - k;
            mine = (void *)(a + k);
            if (read ? wv_copy(buf + k, mine, step) : wv_copy(mine, buf + k, step))
                return k;
            k += step;
        }
    }
    return k;
}

static bool wv_serve_read(int fd, const struct wv_chan_req *rq)
{
    struct wv_chan_rep rp = {0};
    size_t want = rq->size < WV_CHAN_READ_MAX ? (size_t)rq->size : WV_CHAN_READ_MAX;
    char *buf = malloc(want ? want : 1);
    rp.size = buf ? wv_own_copy(rq->addr, buf, want, true) : 0;
    rp.err = buf ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    struct iovec iov[2] = {{&rp, sizeof(rp)}, {buf, rp.size}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    bool ok = sendmsg(fd, &m, MSG_NOSIGNAL) == (ssize_t)(sizeof(rp) + rp.size);
    free(buf);
    return ok;
}

static bool wv_serve_write(int fd, const struct wv_chan_req *rq, size_t n)
{
    struct wv_chan_rep rp = {0};
    if (rq->len > WV_PAGE_SIZE || n < WV_CHAN_REQ_HEAD + rq->len)
        rp.err = ERROR_INVALID_PARAMETER;
    else
        rp.size = wv_own_copy(rq->addr, (char *)rq->data, rq->len, false);
    return send(fd, &rp, sizeof(rp), MSG_NOSIGNAL) == (ssize_t)sizeof(rp);
}

bool wv_chan_vm_serve(int fd, const struct wv_chan_req *rq, size_t n)
{
    return rq->op == WV_CHAN_READ ? wv_serve_read(fd, rq) : wv_serve_write(fd, rq, n);
}
