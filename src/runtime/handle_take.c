/* SPDX-License-Identifier: MIT */
/* handle_take.c - DuplicateHandle out of another process (the source process is not this
 * one): the source's control channel is asked for the object (WV_CHAN_TAKE); it describes it
 * in its own table (handle_xfer.c's wv_xfer_take: the rights it grants there, the pseudo
 * handle GetCurrentProcess() naming that process itself) and answers with its descriptor
 * (SCM_RIGHTS); the object is then adopted here, or handed on to a third process's channel.
 * DUPLICATE_CLOSE_SOURCE closes the source handle in its process whatever the outcome, as
 * Windows does; with it, a NULL target handle pointer only closes (the way a process closes
 * a handle in another).
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WV_TAKE_CLOSE_ONLY 1

/* The rights h grants here (every right for the pseudo handle), or false for no handle. */
static bool wv_take_granted(HANDLE h, DWORD *granted)
{
    if (h == WV_CURRENT_PROCESS)
        return *granted = PROCESS_ALL_ACCESS, true;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, granted);
    if (o)
        wv_object_unref(o);
    return o != NULL;
}

void wv_chan_take_serve(int fd, const struct wv_chan_req *rq)
{
    struct wv_chan_rep rp = {0};
    HANDLE h = (HANDLE)(uintptr_t)rq->addr;
    DWORD granted = 0;
    int pass = -1;
    if (rq->size == WV_TAKE_CLOSE_ONLY)
        rp.err = wv_handle_close(h);
    else if (!wv_take_granted(h, &granted))
        rp.err = ERROR_INVALID_HANDLE;
    else
        rp.err = wv_xfer_take(h, (rq->type & DUPLICATE_SAME_ACCESS) ? granted : rq->protect & granted, &rp.xfer,
                              &pass);
    if (rq->size != WV_TAKE_CLOSE_ONLY && (rq->type & DUPLICATE_CLOSE_SOURCE) && h != WV_CURRENT_PROCESS)
        wv_handle_close(h);
    wv_chan_send_fd(fd, &rp, sizeof(rp), rp.err ? -1 : pass);
    if (pass >= 0)
        close(pass);
}

/* Hands x and fd on to process d: the handle's value there. */
static DWORD wv_take_give(struct wv_process *d, struct wv_xfer *x, int fd, HANDLE *dst)
{
    struct wv_chan_req *rq = calloc(1, sizeof(*rq));
    if (!rq)
        return ERROR_NOT_ENOUGH_MEMORY;
    struct wv_chan_rep rp = {0};
    rq->op = WV_CHAN_HANDLE, rq->len = sizeof(*x);
    memcpy(rq->data, x, sizeof(*x));
    DWORD err = wv_chan_call_fd(d, rq, fd, &rp);
    if (!err)
        *dst = (HANDLE)(uintptr_t)rp.addr;
    free(rq);
    return err;
}

DWORD wv_xfer_take_from(struct wv_process *s, HANDLE src, struct wv_process *d, HANDLE *dst, DWORD access,
                        BOOL inherit, DWORD options)
{
    bool close_only = !dst && (options & DUPLICATE_CLOSE_SOURCE);
    if (!dst && !close_only)
        return ERROR_INVALID_PARAMETER;
    struct wv_chan_req rq = {.op = WV_CHAN_TAKE, .type = options, .protect = access, .addr = (uintptr_t)src,
                             .size = close_only ? WV_TAKE_CLOSE_ONLY : 0};
    struct wv_chan_rep rp = {0};
    int fd = -1;
    DWORD err = wv_chan_call_io(s, &rq, -1, &rp, &fd);
    if (err || close_only) {
        if (fd >= 0)
            close(fd);
        return err;
    }
    if (fd < 0)
        return ERROR_INVALID_HANDLE;
    struct wv_xfer x = rp.xfer;
    x.handle = 0, x.inherit = inherit != 0;
    if (d) {
        err = wv_take_give(d, &x, fd, dst);
        close(fd);
    } else {
        err = wv_xfer_adopt(&x, fd, dst); /* fd taken */
    }
    return err;
}
