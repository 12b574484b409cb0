/* copy.c - NtReadVirtualMemory and NtWriteVirtualMemory, for the calling process (other
 * processes come with the processes issue: their handles are STATUS_INVALID_HANDLE).
 *
 * As on Windows, a range of the process that cannot be read (or written) stops the copy with
 * STATUS_PARTIAL_COPY and the count of bytes copied before it; a bad buffer of the caller's
 * own is STATUS_ACCESS_VIOLATION.  Copies go a page at a time on both sides, so the count is
 * exact: a fault can only come at a page boundary.
 */
#include "nt/nt.h"

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

static NTSTATUS wv_rw(HANDLE process, void *dst, const void *src, SIZE_T n, PSIZE_T done_out, bool read)
{
    SIZE_T done = 0;
    if (done_out && wv_copy(done_out, done_out, sizeof(*done_out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    NTSTATUS st = STATUS_SUCCESS;
    uintptr_t remote = read ? (uintptr_t)src : (uintptr_t)dst, local = read ? (uintptr_t)dst : (uintptr_t)src;
    if (!wv_nt_self(process))
        st = STATUS_INVALID_HANDLE;
    else if (n && (remote > WV_END_ADDR || n > WV_END_ADDR - remote || local + n < local))
        st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
    else if (n)
        st = wv_copy_between(dst, src, n, read, &done);
    if (st == (NTSTATUS)STATUS_ACCESS_VIOLATION)
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
