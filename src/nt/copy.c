/* SPDX-License-Identifier: MIT */
/* copy.c - NtReadVirtualMemory and NtWriteVirtualMemory, for the calling process and for
 * another process through a handle with PROCESS_VM_READ (PROCESS_VM_WRITE and
 * PROCESS_VM_OPERATION to write).  A handle without the right is STATUS_ACCESS_DENIED.
 *
 * Another process is first copied with process_vm_readv/writev.  The kernel allows them only
 * where it would allow a ptrace attach (PTRACE_MODE_ATTACH_REALCREDS): Yama's ptrace_scope 1
 * refuses a target that is not our descendant, and a non-dumpable target needs CAP_SYS_PTRACE.
 * Refused (EPERM), the copy goes through the target's control channel instead (the runtime's
 * wv_nt_copy_chan, docs/processes.md): the target copies its own memory, with the same results.
 *
 * As on Windows, a range of the process that cannot be read (or written) stops the copy with
 * STATUS_PARTIAL_COPY and the count of bytes copied before it; a bad buffer of the caller's
 * own is STATUS_ACCESS_VIOLATION.  Copies go a page at a time on both sides, so the count is
 * exact: a fault can only come at a page boundary (another process's range is tried whole
 * first, one system call; only a short copy goes on page by page from where it stopped).
 */
#define _GNU_SOURCE
#include "nt/nt.h"

#include <errno.h>
#include <pthread.h>
#include <sys/uio.h>
#include <unistd.h>

int (*wv_nt_process_pid)(HANDLE h, DWORD need, bool *chan);
bool (*wv_nt_process_gone)(HANDLE h);
NTSTATUS (*wv_nt_copy_chan)(HANDLE process, uintptr_t local, uintptr_t remote, size_t n, bool read, size_t *done);
DWORD (*wv_nt_remote)(HANDLE process, struct wv_remote *r);
NTSTATUS (*wv_nt_remote_view)(HANDLE process, struct wv_remote_view *v);
NTSTATUS (*wv_nt_remote_vm)(HANDLE process, struct wv_remote_vm *v);

/* This process's pid, kept (a system call per copy costs more than the copy of a page on a
 * loaded VM) and forgotten in a forked child, which reads its own on its first copy. */
static pid_t wv_me;
static pthread_once_t wv_me_once = PTHREAD_ONCE_INIT;

static void wv_me_forget(void) { __atomic_store_n(&wv_me, 0, __ATOMIC_RELAXED); }

static void wv_me_init(void) { pthread_atfork(NULL, NULL, wv_me_forget); }

static pid_t wv_own_pid(void)
{
    pid_t me = __atomic_load_n(&wv_me, __ATOMIC_RELAXED);
    if (!me) {
        pthread_once(&wv_me_once, wv_me_init);
        __atomic_store_n(&wv_me, me = getpid(), __ATOMIC_RELAXED);
    }
    return me;
}

/* Bytes from a to the end of its page. */
static size_t wv_to_page_end(uintptr_t a) { return WV_PAGE_SIZE - (a & (WV_PAGE_SIZE - 1)); }

static bool wv_writable(void *p, size_t n) { return wv_copy(p, p, n) == 0; }

static bool wv_readable(const void *p, size_t n)
{
    char tmp[WV_PAGE_SIZE];
    return wv_copy(tmp, p, n) == 0;
}

/* Copies n bytes from src to dst; `remote` is the side that belongs to "the process".
 * *done is what was copied. */
static NTSTATUS wv_copy_between(void *dst, const void *src, size_t n, bool remote_is_src, size_t *done)
{
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    *done = 0;
    while (*done < n) {
        size_t step = n - *done, a = wv_to_page_end(d + *done), b = wv_to_page_end(s + *done);
        step = step < a ? step : a;
        step = step < b ? step : b;
        if (wv_copy((void *)(d + *done), (const void *)(s + *done), step)) {
            /* Whose page failed: the caller's buffer, or the process's range. */
            bool local_bad = remote_is_src ? !wv_writable((void *)(d + *done), step)
                                           : !wv_readable((const void *)(s + *done), step);
            return local_bad ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_PARTIAL_COPY;
        }
        *done += step;
    }
    return STATUS_SUCCESS;
}

/* The status of a remote page that failed alone: the caller's buffer bad, the target's page
 * unreachable (STATUS_PARTIAL_COPY, also when the target has ended), or the kernel refusing. */
static NTSTATUS wv_remote_fail(int err, uintptr_t local, size_t n, bool read)
{
    if (err == EPERM || err == EACCES) /* no ptrace access: the channel may still reach it */
        return (NTSTATUS)STATUS_ACCESS_DENIED;
    bool local_bad = read ? !wv_writable((void *)local, n) : !wv_readable((const void *)local, n);
    return local_bad ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_PARTIAL_COPY;
}

/* The whole range in one call, the common case: one iovec a side (the kernel pins and copies
 * page by page, and a short count ends where it stopped).  Bytes copied, or -1 (errno). */
static ssize_t wv_copy_whole(pid_t pid, uintptr_t local, uintptr_t remote, size_t n, bool read)
{
    struct iovec l = {(void *)local, n}, r = {(void *)remote, n};
    return read ? process_vm_readv(pid, &l, 1, &r, 1, 0) : process_vm_writev(pid, &l, 1, &r, 1, 0);
}

/* Copies n bytes between local and remote in process pid: first whole; short of that, on from
 * where it stopped in batches of one iovec per remote page, so a short count always ends at
 * the page that failed, which is then tried alone to learn why. */
static NTSTATUS wv_copy_remote(pid_t pid, uintptr_t local, uintptr_t remote, size_t n, bool read, size_t *done)
{
    enum { BATCH = 64 };
    struct iovec l[BATCH], r[BATCH];
    ssize_t whole = wv_copy_whole(pid, local, remote, n, read);
    *done = whole > 0 ? (size_t)whole : 0;
    if (whole < 0 && (errno == EPERM || errno == EACCES))
        return (NTSTATUS)STATUS_ACCESS_DENIED; /* no ptrace access: the channel may still reach it */
    while (*done < n) {
        size_t total = 0;
        int k = 0;
        for (; k < BATCH && *done + total < n; k++) {
            size_t step = wv_to_page_end(remote + *done + total), left = n - *done - total;
            step = step < left ? step : left;
            l[k] = (struct iovec){(void *)(local + *done + total), step};
            r[k] = (struct iovec){(void *)(remote + *done + total), step};
            total += step;
        }
        ssize_t got = read ? process_vm_readv(pid, l, (unsigned long)k, r, (unsigned long)k, 0)
                           : process_vm_writev(pid, l, (unsigned long)k, r, (unsigned long)k, 0);
        if (got > 0)
            *done += (size_t)got;
        if (got == (ssize_t)total)
            continue;
        if (got > 0) /* stopped at a page: ask again from there for the reason */
            continue;
        return wv_remote_fail(got == 0 ? EFAULT : errno, local + *done, r[0].iov_len, read);
    }
    return STATUS_SUCCESS;
}

static bool wv_gone(HANDLE process) { return wv_nt_process_gone && wv_nt_process_gone(process); }

/* Another process: the kernel's copy, unless it was refused before (chan); refused now, or
 * before, the target's own copy through its channel.  The kernel's copy goes by pid, which the
 * target's end frees for reuse: it is made only while the process lives, and a process found
 * ended after it fails the call as one that had ended before (STATUS_PROCESS_IS_TERMINATING,
 * nothing counted), since the pid may have named another process by then.  The channel needs
 * no such look: its connection is to the process itself. */
static NTSTATUS wv_copy_other(HANDLE process, pid_t pid, bool chan, uintptr_t local, uintptr_t remote, size_t n,
                              bool read, size_t *done)
{
    if (wv_gone(process))
        return (NTSTATUS)STATUS_PROCESS_IS_TERMINATING; /* nothing touched */
    NTSTATUS st = chan ? (NTSTATUS)STATUS_ACCESS_DENIED : wv_copy_remote(pid, local, remote, n, read, done);
    if (!chan && wv_gone(process))
        return *done = 0, (NTSTATUS)STATUS_PROCESS_IS_TERMINATING;
    /* A read stopped at a page the kernel's copy cannot read may still be one Windows reads: a
     * page the host holds inaccessible for winvm's own reasons (the working-set watch, a debug
     * register's watch).  The target knows its pages: it copies on from there, stopping where
     * Windows would (a reserved, PAGE_NOACCESS or guard page). */
    bool partial = read && st == STATUS_PARTIAL_COPY;
    if ((st != (NTSTATUS)STATUS_ACCESS_DENIED && !partial) || !wv_nt_copy_chan)
        return st;
    size_t more = 0;
    NTSTATUS chan_st = wv_nt_copy_chan(process, local + *done, remote + *done, n - *done, read, &more);
    *done += more;
    return partial && !more && chan_st == (NTSTATUS)STATUS_ACCESS_DENIED ? st : chan_st;
}

/* The pid behind a handle to another process, or the status refusing it; *chan: copy through
 * its channel. */
static NTSTATUS wv_remote_pid(HANDLE process, bool read, pid_t *pid, bool *chan)
{
    DWORD need = read ? 0x0010 /* PROCESS_VM_READ */ : 0x0028 /* PROCESS_VM_WRITE | _OPERATION */;
    int p = wv_nt_process_pid ? wv_nt_process_pid(process, need, chan) : 0;
    *pid = p;
    return p > 0 ? STATUS_SUCCESS : p < 0 ? (NTSTATUS)STATUS_ACCESS_DENIED : (NTSTATUS)STATUS_INVALID_HANDLE;
}

static NTSTATUS wv_rw(HANDLE process, void *dst, const void *src, SIZE_T n, PSIZE_T done_out, bool read)
{
    SIZE_T done = 0;
    if (done_out && wv_copy(done_out, done_out, sizeof(*done_out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    NTSTATUS st = STATUS_SUCCESS;
    uintptr_t remote = read ? (uintptr_t)src : (uintptr_t)dst, local = read ? (uintptr_t)dst : (uintptr_t)src;
    pid_t pid = 0;
    bool chan = false;
    if (!wv_nt_self(process))
        st = wv_remote_pid(process, read, &pid, &chan);
    if (st != STATUS_SUCCESS)
        ;
    else if (n && (remote > WV_END_ADDR || n > WV_END_ADDR - remote || local + n < local))
        st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
    else if (n && pid && pid != wv_own_pid())
        st = wv_copy_other(process, pid, chan, local, remote, n, read, &done);
    else if (n)
        st = wv_copy_between(dst, src, n, read, &done);
    if (st == (NTSTATUS)STATUS_ACCESS_VIOLATION || st == (NTSTATUS)STATUS_PROCESS_IS_TERMINATING)
        done = 0;
    if (done_out)
        wv_nt_out(done_out, &done, sizeof(done));
    return st;
}

NTSTATUS NTAPI NtReadVirtualMemory(HANDLE process, PVOID base, PVOID buffer, SIZE_T size, PSIZE_T read)
{
    return wv_rw(process, buffer, base, size, read, true);
}

NTSTATUS NTAPI NtWriteVirtualMemory(HANDLE process, PVOID base, const void *buffer, SIZE_T size,
                                    PSIZE_T written)
{
    return wv_rw(process, base, buffer, size, written, false);
}
