/* SPDX-License-Identifier: MIT */
/* proc_imginfo.c - NtQueryInformationProcess(ProcessImageInformation): the process's EXE as
 * NtQuerySection(SectionImageInformation) describes an image section, for this process or
 * another winvm process (asked through its control channel, WV_CHAN_IMAGE).
 *
 * Windows keeps a process's image section for its whole life: the answer does not change when
 * the EXE's view is unmapped (Wine's test_image_mapping unmaps it in a CREATE_SUSPENDED child
 * and asks again), so it is taken once, when `winvm run` has mapped the EXE and before the
 * channel serves anyone.  A process winvm did not start (a Linux program linked with libwinvm)
 * has no image: STATUS_NOT_SUPPORTED, as for its image name (proc_image.c).
 */
#include "runtime/procchan.h"
#include "nt/nt.h"
#include "runtime/thread_int.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WV_ST_INFO_LENGTH_MISMATCH ((LONG)0xC0000004)
#define WV_ST_ACCESS_VIOLATION ((LONG)0xC0000005)
#define WV_ST_INVALID_HANDLE ((LONG)0xC0000008)
#define WV_ST_ACCESS_DENIED ((LONG)0xC0000022)
#define WV_ST_NOT_SUPPORTED ((LONG)0xC00000BB)

/* Written once by wv_process_image_set before any other thread can ask (the channel serves
 * after it), read only afterwards. */
static SECTION_IMAGE_INFORMATION wv_exe_info;
static bool wv_exe_known;

void wv_process_image_set(uintptr_t base)
{
    struct wv_image *img = wv_image_at(base);
    if (!img)
        return;
    wv_nt_image_info(img, &wv_exe_info);
    wv_exe_known = true;
}

/* WV_CHAN_IMAGE, the target's side: the reply, then the information when there is one. */
bool wv_chan_image_serve(int fd)
{
    struct wv_chan_rep rp = {.err = wv_exe_known ? 0 : ERROR_NOT_SUPPORTED};
    rp.size = wv_exe_known ? sizeof(wv_exe_info) : 0;
    struct iovec iov[2] = {{&rp, sizeof(rp)}, {&wv_exe_info, rp.size}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    return sendmsg(fd, &m, MSG_NOSIGNAL) == (ssize_t)(sizeof(rp) + rp.size);
}

/* Another process's answer: 0 or the status. */
static LONG wv_image_info_of(HANDLE h, SECTION_IMAGE_INFORMATION *ii)
{
    DWORD access = 0;
    struct wv_process *p = (struct wv_process *)wv_handle_get(h, WV_KIND_PROCESS, &access);
    if (!p)
        return WV_ST_INVALID_HANDLE;
    LONG st = 0;
    if (!(access & (PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION))) {
        st = WV_ST_ACCESS_DENIED;
    } else {
        struct wv_chan_req rq = {.op = WV_CHAN_IMAGE};
        struct wv_chan_rep rp = {0};
        size_t got = 0;
        DWORD err = wv_chan_call_data(p, &rq, &rp, ii, sizeof(*ii), &got);
        if (err == ERROR_NOT_SUPPORTED || (!err && got != sizeof(*ii)))
            st = WV_ST_NOT_SUPPORTED; /* it has no image */
        else if (err)
            st = WV_ST_ACCESS_DENIED; /* ended, or no channel: as every other remote query */
    }
    wv_object_unref(&p->obj);
    return st;
}

LONG wv_process_image_info(HANDLE h, PVOID out, ULONG len, ULONG *ret)
{
    SECTION_IMAGE_INFORMATION ii;
    ULONG n = sizeof(ii);
    LONG st;
    if (len != n) /* a fixed size, checked before the handle */
        return WV_ST_INFO_LENGTH_MISMATCH;
    if (wv_process_is_self(h))
        st = wv_exe_known ? (ii = wv_exe_info, 0) : WV_ST_NOT_SUPPORTED;
    else
        st = wv_image_info_of(h, &ii);
    if (st)
        return st;
    if (wv_user_put(out, &ii, n) || (ret && wv_user_put(ret, &n, sizeof(n))))
        return WV_ST_ACCESS_VIOLATION;
    return 0;
}
